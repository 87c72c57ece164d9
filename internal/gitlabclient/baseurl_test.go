package gitlabclient

import (
	"strings"
	"testing"
)

func TestNormalizeBaseURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "https://gitlab.com/api/v4/", ""},
		{"   ", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com/", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com/api/v4", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com/api/v4/", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com/api/v4//", "https://gitlab.com/api/v4/", ""},
		{"  https://gitlab.example.com  ", "https://gitlab.example.com/api/v4/", ""},
		{"HTTPS://GitLab.Example.COM", "https://gitlab.example.com/api/v4/", ""},
		{"http://127.0.0.1:8080/api/v4/", "http://127.0.0.1:8080/api/v4/", ""},
		{"http://[::1]:8080", "http://[::1]:8080/api/v4/", ""},
		{"https://example.com/gitlab", "https://example.com/gitlab/api/v4/", ""},
		{"https://example.com/gitlab/", "https://example.com/gitlab/api/v4/", ""},
		{"https://example.com/gitlab/api/v4", "https://example.com/gitlab/api/v4/", ""},
		{"https://example.com/tools/gitlab/api/v4/", "https://example.com/tools/gitlab/api/v4/", ""},
		{"https://example.com//gitlab//", "https://example.com/gitlab/api/v4/", ""},

		{"gitlab.com", "", `base_url "gitlab.com" has no scheme: add https:// in front, e.g. "https://gitlab.com"`},
		{"gitlab.example.com/api/v4", "", `e.g. "https://gitlab.example.com/api/v4"`},
		{"//gitlab.com", "", `no scheme`},
		{"ftp://gitlab.com", "", `unsupported scheme "ftp"; use https://`},
		{"git@gitlab.com:group/project.git", "", "no scheme"},
		{"https://", "", "has no host"},
		{"https:///api/v4", "", "has no host"},
		{"https://gitlab.com:0", "", "port"},
		{"https://gitlab.com:99999", "", "port"},
		{"https://gitlab.com:https", "", "not a valid URL"},
		{"https://gitlab.com/api/v3", "", `GitLab's REST API is at /api/v4/, not /api/v3; use "https://gitlab.com/api/v4/"`},
		{"https://gitlab.com/api", "", `not /api; use "https://gitlab.com/api/v4/"`},
		{"https://gitlab.com/api/graphql", "", `not /api/graphql`},
		{"https://gitlab.com/api/v4/projects", "", `points inside the API (/projects): end it at /api/v4/, i.e. use "https://gitlab.com/api/v4/"`},
		{"https://host/gitlab/api/v4/projects/1", "", `use "https://host/gitlab/api/v4/"`},
		{"https://gitlab.com/API/V4", "", "lower case"},
		{"https://gitlab.com/apiv4", "", `"/apiv4" looks like a typo of /api/v4; use "https://gitlab.com/api/v4/"`},
		{"https://gitlab.com/api-v4", "", "typo"},
		{"https://gitlab.com/api_v4/", "", "typo"},
		{"https://gitlab.com/v4", "", "typo"},
		{"https://host/gitlab/apiv4", "", `use "https://host/gitlab/api/v4/"`},
		{"https://gitlab.com/group/project/-/jobs/1", "", "page in GitLab"},
		{"https://gitlab.com/api/v4?private_token=glpat-secret", "", "query string"},
		{"https://gitlab.com/#section", "", "fragment"},
		{"https://gitlab.com/?", "", "query string"},
		{"https://user:glpat-secret@gitlab.com", "", "must not contain a user name or password"},
	}
	for _, tt := range tests {
		got, err := NormalizeBaseURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "base_url ") {
				t.Errorf("NormalizeBaseURL(%q) = %q, %v\nwant an error naming base_url with %q", tt.in, got, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("NormalizeBaseURL(%q): the error repeats a secret: %v", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		// Normalizing is idempotent.
		if again, err := NormalizeBaseURL(got); err != nil || again != got {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want it unchanged", got, again, err)
		}
	}
}
