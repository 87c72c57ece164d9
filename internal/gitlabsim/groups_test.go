package gitlabsim_test

import (
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// GET /groups/:id after spec/requests/api/groups_spec.rb ("GET
// /groups/:id": the group's details and projects to a member, 404 for a
// private group to a non-member and anonymously, a public group to
// anyone), on the teams fixture (members_test.go); and the Go API.

func TestSpecGroups_GET_group(t *testing.T) {
	tm := newTeams(t)
	r := tm.send("GET", tm.groupURL(tm.release, ""), tm.releaser, "")
	wantStatus(t, r, 200, "")
	m := r.json(t)
	wantFields(t, "group", m, map[string]any{"id": float64(tm.release.ID), "name": "Release managers", "path": "release",
		"full_path": "ops/release", "full_name": "Operations / Release managers", "parent_id": float64(tm.ops.ID),
		"visibility": "private"})
	if shared := m["shared_projects"].([]any); len(shared) != 1 ||
		shared[0].(map[string]any)["path_with_namespace"] != "guards/app" {
		t.Errorf("shared_projects %v", shared)
	}
	r = tm.send("GET", "/api/v4/groups/guards", tm.groupDev, "")
	wantStatus(t, r, 200, "")
	if projects := r.json(t)["projects"].([]any); len(projects) != 1 {
		t.Errorf("projects %v", projects)
	}
	// the project shows its share
	p := tm.send("GET", tm.url(""), tm.maint, "").json(t)
	if sh := p["shared_with_groups"].([]any); len(sh) != 1 || sh[0].(map[string]any)["group_full_path"] != "ops/release" ||
		sh[0].(map[string]any)["group_access_level"] != float64(30) {
		t.Errorf("shared_with_groups %v", sh)
	}
	// a project member reads its private group; a stranger does not, nor anonymously
	wantStatus(t, tm.send("GET", "/api/v4/groups/guards", tm.rep, ""), 200, "")
	wantStatus(t, tm.send("GET", "/api/v4/groups/guards", tm.outTok, ""), 404, `{"message":"404 Group Not Found"}`)
	wantStatus(t, tm.send("GET", "/api/v4/groups/guards", "", ""), 404, `{"message":"404 Group Not Found"}`)
	// a public project's group is public
	tm.sim.CreateProject(gitlabsim.ProjectSpec{Path: "open/site", Visibility: "public"})
	wantStatus(t, tm.send("GET", "/api/v4/groups/open", "", ""), 200, "")
}

func TestSpecGroups_GoAPI(t *testing.T) {
	tm := newTeams(t)
	s := tm.sim
	if err := s.ShareProjectWithGroup(tm.project.ID, tm.guardsGroup.ID, 30); err == nil {
		t.Error("a project shared with its own group")
	}
	if err := s.ShareProjectWithGroup(tm.project.ID, tm.release.ID, 30); err == nil {
		t.Error("a project shared twice with a group")
	}
	if err := s.AddGroupMember(tm.release.ID, tm.opsLeadU.ID, gitlabsim.DeveloperAccess); err == nil {
		t.Error("a membership below the inherited one")
	}
	if _, err := s.CreateGroup(gitlabsim.GroupSpec{Path: "a//b"}); err == nil {
		t.Error("an empty path segment")
	}
}
