package gitlabclient

import (
	"context"
	"strings"
	"testing"
)

func TestProtectedRefMatches(t *testing.T) {
	for _, tc := range []struct {
		rule, ref string
		want      bool
	}{
		{"main", "main", true}, {"main", "maint", false}, {"v*", "v1.4.0", true}, {"v*", "release-v1", false},
		{"release/*", "release/1.2", true}, {"*-stable", "9-0-stable", true}, {"a.b", "axb", false},
	} {
		if got := (ProtectedRef{Name: tc.rule}).Matches(tc.ref); got != tc.want {
			t.Errorf("%q matches %q: %v, want %v", tc.rule, tc.ref, got, tc.want)
		}
	}
}

// The guard reads send GET requests to GitLab's routes with per_page=100
// and decode GitLab's entities; a 403 is an *APIError the caller reads.
func TestGuardReads(t *testing.T) {
	s := newServer(t,
		answer{status: 200, body: `[{"id":1,"name":"main","push_access_levels":[{"access_level":40,"access_level_description":"Maintainers"}],"merge_access_levels":[]}]`},
		answer{status: 200, body: `[{"id":3,"key":"production","process_mode":"oldest_first"}]`},
		answer{status: 200, body: `null`},
		answer{status: 403, body: `{"message":"403 Forbidden"}`},
	)
	c, err := New(Config{BaseURL: s.URL, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	branches, err := c.ProtectedBranches(ctx, "g/p")
	if err != nil || len(branches) != 1 || *branches[0].PushAccessLevels[0].AccessLevel != 40 {
		t.Fatalf("branches %+v %v", branches, err)
	}
	groups, err := c.ResourceGroups(ctx, "g/p")
	if err != nil || groups[0].Key != "production" || groups[0].ProcessMode != "oldest_first" {
		t.Fatalf("groups %+v %v", groups, err)
	}
	holder, err := c.ResourceGroupCurrentJob(ctx, "g/p", "prod/eu")
	if err != nil || holder != nil {
		t.Fatalf("holder %+v %v", holder, err)
	}
	if _, err := c.ProtectedEnvironments(ctx, "g/p"); StatusCode(err) != 403 || !Forbidden(err) {
		t.Fatalf("a Developer's read of protected environments: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want := []string{"/api/v4/projects/g%2Fp/protected_branches?per_page=100", "/api/v4/projects/g%2Fp/resource_groups?per_page=100",
		"/api/v4/projects/g%2Fp/resource_groups/prod%2Feu/current_job", "/api/v4/projects/g%2Fp/protected_environments?per_page=100"}
	for i, r := range s.requests {
		if got := r.URL.RequestURI(); r.Method != "GET" || !strings.HasSuffix(got, want[i]) {
			t.Errorf("request %d: %s %s, want GET %s", i, r.Method, got, want[i])
		}
	}
}
