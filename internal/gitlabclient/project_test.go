package gitlabclient

import (
	"strings"
	"testing"
)

func TestParseProject(t *testing.T) {
	tests := []struct{ in, canonical, escaped, err string }{
		{"42", "42", "42", ""},
		{"1", "1", "1", ""},
		{"0042", "42", "42", ""},
		{"9223372036854775807", "9223372036854775807", "9223372036854775807", ""},
		{"group/project", "group/project", "group%2Fproject", ""},
		{"group/sub/project", "group/sub/project", "group%2Fsub%2Fproject", ""},
		{"group%2Fsub%2Fproject", "group/sub/project", "group%2Fsub%2Fproject", ""},
		{"group%2fsub%2fproject", "group/sub/project", "group%2Fsub%2Fproject", ""},
		{"group/sub%2Fproject", "group/sub/project", "group%2Fsub%2Fproject", ""},
		{"my-group/app.service", "my-group/app.service", "my-group%2Fapp%2Eservice", ""},
		{"g_1/p-2/x.y.z", "g_1/p-2/x.y.z", "g_1%2Fp-2%2Fx%2Ey%2Ez", ""},
		{"_group/.dotfiles", "_group/.dotfiles", "_group%2F%2Edotfiles", ""},
		{"123/456", "123/456", "123%2F456", ""},
		{"Group/Project", "Group/Project", "Group%2FProject", ""},
		{"group/project.", "group/project.", "group%2Fproject%2E", ""},
		{"group/project.gitlab", "group/project.gitlab", "group%2Fproject%2Egitlab", ""},

		{"", "", "", "is empty"},
		{" 42", "", "", "contains whitespace"},
		{"42\n", "", "", "contains whitespace"},
		{"group/ project", "", "", "contains whitespace"},
		{"group%20/project", "", "", "contains whitespace"},
		{"0", "", "", "must be a positive number"},
		{"000", "", "", "must be a positive number"},
		{"-3", "", "", "must be a positive number"},
		{"+3", "", "", "must be a positive number"},
		{"99999999999999999999", "", "", "too large"},
		{"project", "", "", `a path needs the project's namespace, e.g. "group/project"`},
		{"/group/project", "", "", "starts or ends with '/'"},
		{"group/project/", "", "", "starts or ends with '/'"},
		{"/", "", "", "starts or ends with '/'"},
		{"group//project", "", "", "empty path segment"},
		{"group/-project", "", "", "starts with '-'"},
		{"-group/project", "", "", "starts with '-'"},
		{"group/project.git", "", "", ".git or .atom"},
		{"group/project.atom", "", "", ".git or .atom"},
		{"group.git/project", "", "", ".git or .atom"},
		{"group./project", "", "", "ends in '.'"},
		{"group/../project", "", "", "not a valid path segment"},
		{"group/.", "", "", "not a valid path segment"},
		{"group/pro*ject", "", "", "contains '*'"},
		{"group/projekt-ä", "", "", "contains 'ä'"},
		{"group:project", "", "", "neither a numeric ID nor a full path"},
		{"https://gitlab.com/group/project", "", "", "is a URL"},
		{"group%2", "", "", "invalid URL escape"},
		{"group%252Fproject", "", "", "URL-encoded twice"},
		{"group/" + strings.Repeat("a", 256), "", "", "longer than 255"},
	}
	for _, tt := range tests {
		p, err := ParseProject(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseProject(%q) = %+v, %v; want an error with %q", tt.in, p, err, tt.err)
			}
			continue
		}
		if err != nil || p.String() != tt.canonical || p.Escaped() != tt.escaped {
			t.Errorf("ParseProject(%q) = %q (%q), %v; want %q (%q)", tt.in, p.String(), p.Escaped(), err, tt.canonical, tt.escaped)
		}
		if (p.ID != 0) == (p.Path != "") {
			t.Errorf("ParseProject(%q) = %+v: exactly one of ID and Path must be set", tt.in, p)
		}
	}
}

func FuzzParseProject(f *testing.F) {
	for _, s := range []string{"42", "0042", "group/project", "group%2Fsub%2Fproject", "a//b", "x.git", "-1", "g/ä.b", "a/b.", "%2e%2e/x", "_/.", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseProject(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseProject(%q): empty error text", s)
			}
			return
		}
		if (p.ID > 0) == (p.Path != "") || p.ID < 0 {
			t.Fatalf("ParseProject(%q) = %+v: exactly one of a positive ID and a Path must be set", s, p)
		}
		again, err := ParseProject(p.String())
		if err != nil || again != p {
			t.Fatalf("ParseProject(%q) = %+v, but its String %q parses to %+v, %v", s, p, p.String(), again, err)
		}
		esc := p.Escaped()
		if strings.ContainsAny(esc, "/.?#") {
			t.Fatalf("ParseProject(%q).Escaped() = %q is not one path segment", s, esc)
		}
		if back, err := ParseProject(esc); err != nil || back != p {
			t.Fatalf("ParseProject(%q).Escaped() = %q parses to %+v, %v", s, esc, back, err)
		}
	})
}
