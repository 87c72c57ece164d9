package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Group access after spec/requests/api/members_spec.rb (GET
// /:source_type/:id/members(/all), POST /:source_type/:id/members) and
// ProjectAuthorizations: members of a project's group or of an ancestor,
// and of the groups it is shared with, act on its jobs.

// teams is the guards fixture (project guards/app in the group guards)
// with groups: a Developer of guards who is no project member (groupDev),
// the groups ops and ops/release, ops/release shared with the project at
// Developer, a Maintainer of ops (opsLead, inherited in ops/release) and a
// direct Developer of ops/release (releaser).
type teams struct {
	*guards
	guardsGroup, ops, release     gitlabsim.Group
	groupDevU, opsLeadU, releaseU gitlabsim.User
	groupDev, opsLead, releaser   string
}

func newTeams(t *testing.T) *teams {
	t.Helper()
	g := newGuards(t)
	s := g.sim
	tm := &teams{guards: g}
	var ok bool
	if tm.guardsGroup, ok = s.GroupByPath("guards"); !ok {
		t.Fatal("the project's group guards was not created")
	}
	var err error
	if tm.ops, err = s.CreateGroup(gitlabsim.GroupSpec{Path: "ops", Name: "Operations"}); err != nil {
		t.Fatal(err)
	}
	if tm.release, err = s.CreateGroup(gitlabsim.GroupSpec{Path: "ops/release", Name: "Release managers"}); err != nil {
		t.Fatal(err)
	}
	user := func(name string) (gitlabsim.User, string) {
		u := s.CreateUser(gitlabsim.UserSpec{Username: name})
		return u, s.CreatePersonalAccessToken(u.ID, gitlabsim.TokenSpec{})
	}
	tm.groupDevU, tm.groupDev = user("group-developer")
	tm.opsLeadU, tm.opsLead = user("ops-lead")
	tm.releaseU, tm.releaser = user("releaser")
	for _, m := range []struct {
		group gitlabsim.Group
		user  gitlabsim.User
		level int
	}{
		{tm.guardsGroup, tm.groupDevU, gitlabsim.DeveloperAccess},
		{tm.ops, tm.opsLeadU, gitlabsim.MaintainerAccess},
		{tm.release, tm.releaseU, gitlabsim.DeveloperAccess},
	} {
		if err := s.AddGroupMember(m.group.ID, m.user.ID, m.level); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ShareProjectWithGroup(g.project.ID, tm.release.ID, gitlabsim.DeveloperAccess); err != nil {
		t.Fatal(err)
	}
	return tm
}

func (tm *teams) groupURL(g gitlabsim.Group, format string, args ...any) string {
	return fmt.Sprintf("/api/v4/groups/%d", g.ID) + fmt.Sprintf(format, args...)
}

// members is a members list.
func members(t *testing.T, r response) []map[string]any {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatalf("not a JSON list: %s", r.body)
	}
	return list
}

// memberLevels are the user IDs and access levels of a members list.
func memberLevels(t *testing.T, r response) map[int64]int {
	t.Helper()
	list := members(t, r)
	out := map[int64]int{}
	for _, m := range list {
		out[int64(m["id"].(float64))] = int(m["access_level"].(float64))
	}
	return out
}

func TestSpecMembers_AGroupDeveloperPlaysAndRetriesInTheGroupsProject(t *testing.T) {
	tm := newTeams(t)
	_, jobs := tm.run("feature")
	tm.settle(5 * time.Second)
	wantStatus(t, tm.action(jobs["deploy"], "play", tm.groupDev), 200, "")
	wantStatus(t, tm.action(jobs["build"], "retry", tm.groupDev), 201, "")
	// a user of no group of the project sees no project
	wantStatus(t, tm.action(jobs["build"], "retry", tm.outTok), 404, `{"message":"404 Project Not Found"}`)
}

func TestSpecMembers_AMemberOfAParentGroupIsAMemberOfTheSubgroupsProjects(t *testing.T) {
	tm := newTeams(t)
	s := tm.sim
	proj := s.CreateProject(gitlabsim.ProjectSpec{Path: "ops/release/tooling"})
	if err := s.SetCIConfig(proj.ID, guardCI()); err != nil {
		t.Fatal(err)
	}
	// the subgroup's project as the guards fixture's, for the Maintainer inherited from ops
	other := &guards{env: tm.env, clock: tm.clock, project: proj, maint: tm.opsLead}
	_, jobs := other.run("feature")
	tm.settle(5 * time.Second)
	wantStatus(t, other.action(jobs["deploy"], "play", tm.opsLead), 200, "")
	// members/all: the Maintainer inherited from ops, the Developer of ops/release
	r := tm.send("GET", fmt.Sprintf("/api/v4/projects/%d/members/all", proj.ID), tm.releaser, "")
	wantStatus(t, r, 200, "")
	if got := memberLevels(t, r); len(got) != 2 || got[tm.opsLeadU.ID] != 40 || got[tm.releaseU.ID] != 30 {
		t.Errorf("members/all %v", got)
	}
}

func TestSpecMembers_GET_members_all_OfAProject(t *testing.T) {
	tm := newTeams(t)
	// the ops lead is a Maintainer of ops/release by inheritance, capped at the share's Developer
	r := tm.send("GET", tm.url("/members/all"), tm.dev, "")
	wantStatus(t, r, 200, "")
	got := memberLevels(t, r)
	want := map[int64]int{tm.maintU.ID: 40, tm.devU.ID: 30, tm.repU.ID: 20, tm.guest.ID: 10, tm.groupDevU.ID: 30,
		tm.opsLeadU.ID: 30, tm.releaseU.ID: 30}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("members/all %v, want %v", got, want)
	}
	// each user once, at the highest level: a project Reporter who is a Developer of the group
	if err := tm.sim.AddGroupMember(tm.guardsGroup.ID, tm.repU.ID, gitlabsim.DeveloperAccess); err != nil {
		t.Fatal(err)
	}
	if got := memberLevels(t, tm.send("GET", tm.url("/members/all"), tm.dev, "")); got[tm.repU.ID] != 30 {
		t.Errorf("reporter and group developer: %d", got[tm.repU.ID])
	}
	wantStatus(t, tm.send("GET", tm.url("/members/all"), "", ""), 401, `{"message":"401 Unauthorized"}`)
	wantStatus(t, tm.send("GET", tm.url("/members/all"), tm.outTok, ""), 404, `{"message":"404 Project Not Found"}`)
}

func TestSpecMembers_GET_members_OfAGroup(t *testing.T) {
	tm := newTeams(t)
	r := tm.send("GET", tm.groupURL(tm.release, "/members"), tm.releaser, "")
	wantStatus(t, r, 200, "")
	if got := memberLevels(t, r); len(got) != 1 || got[tm.releaseU.ID] != 30 {
		t.Errorf("direct members %v", got)
	}
	m := members(t, r)[0]
	wantFields(t, "member", m, map[string]any{"username": "releaser", "state": "active", "expires_at": nil,
		"membership_state": "active"})
	if _, has := m["created_by"]; has {
		t.Errorf("created_by of a member added by nobody: %v", m["created_by"])
	}
	r = tm.send("GET", tm.groupURL(tm.release, "/members/all"), tm.releaser, "")
	if got := memberLevels(t, r); len(got) != 2 || got[tm.opsLeadU.ID] != 40 {
		t.Errorf("members/all %v", got)
	}
	// a private group is not found by a stranger; by its path too
	wantStatus(t, tm.send("GET", tm.groupURL(tm.release, "/members"), tm.outTok, ""), 404, `{"message":"404 Group Not Found"}`)
	wantStatus(t, tm.send("GET", "/api/v4/groups/ops%2Frelease/members", tm.opsLead, ""), 200, "")
	wantStatus(t, tm.send("GET", "/api/v4/groups/nowhere/members", tm.opsLead, ""), 404, `{"message":"404 Group Not Found"}`)
	wantStatus(t, tm.send("GET", tm.groupURL(tm.release, "/members"), "", ""), 401, `{"message":"401 Unauthorized"}`)
	// with a subgroup: a subgroup member cannot get the parent group's members list
	wantStatus(t, tm.send("GET", tm.groupURL(tm.ops, ""), tm.releaser, ""), 200, "")
	wantStatus(t, tm.send("GET", tm.groupURL(tm.ops, "/members/all"), tm.releaser, ""), 403, `{"message":"403 Forbidden"}`)
}

func TestSpecMembers_POST_members(t *testing.T) {
	tm := newTeams(t)
	add := func(token string, userID int64, level int) response {
		return tm.send("POST", tm.groupURL(tm.release, "/members"), token,
			fmt.Sprintf(`{"user_id":%d,"access_level":%d}`, userID, level))
	}
	// when the user does not have rights to manage members: a Developer, a stranger (404: private)
	wantStatus(t, add(tm.releaser, tm.devU.ID, 30), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, add(tm.outTok, tm.devU.ID, 30), 404, `{"message":"404 Group Not Found"}`)
	// a Maintainer (inherited from ops) manages members, but no Owner
	wantStatus(t, add(tm.opsLead, tm.devU.ID, 50), 403, `{"message":"403 Forbidden"}`)
	r := add(tm.opsLead, tm.devU.ID, 30)
	wantStatus(t, r, 201, "")
	wantFields(t, "new member", r.json(t), map[string]any{"id": float64(tm.devU.ID), "access_level": float64(30)})
	if by, _ := r.json(t)["created_by"].(map[string]any); by["id"] != float64(tm.opsLeadU.ID) {
		t.Errorf("created_by %v", r.json(t)["created_by"])
	}
	wantStatus(t, add(tm.opsLead, tm.devU.ID, 40), 409, `{"message":"Member already exists"}`)
	wantStatus(t, add(tm.opsLead, 999999, 30), 404, `{"message":"404 User Not Found"}`)
	wantStatus(t, add(tm.opsLead, tm.repU.ID, 35), 400, `{"message":{"access_level":["is not included in the list"]}}`)
	// access levels: not below an inherited membership (Member#higher_access_level_than_group)
	wantStatus(t, tm.send("POST", tm.groupURL(tm.release, "/members"), tm.root,
		fmt.Sprintf(`{"user_id":%d,"access_level":30}`, tm.opsLeadU.ID)), 400,
		`{"message":{"access_level":["should be greater than or equal to Maintainer inherited membership from group Operations"]}}`)
	wantStatus(t, tm.send("POST", tm.groupURL(tm.release, "/members"), tm.root, `{}`), 400,
		`{"error":"access_level is missing, user_id is missing"}`)
	// the administrator adds an Owner
	wantStatus(t, add(tm.root, tm.repU.ID, 50), 201, "")
}

func TestSpecProjects_POST_share(t *testing.T) {
	tm := newTeams(t)
	qa, err := tm.sim.CreateGroup(gitlabsim.GroupSpec{Path: "qa"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.sim.AddGroupMember(qa.ID, tm.outsider.ID, gitlabsim.MaintainerAccess); err != nil {
		t.Fatal(err)
	}
	share := func(token, body string) response { return tm.send("POST", tm.url("/share"), token, body) }
	body := fmt.Sprintf(`{"group_id":%d,"group_access":30,"expires_at":"2027-01-31"}`, qa.ID)
	wantStatus(t, share(tm.dev, body), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, share(tm.outTok, body), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, share(tm.maint, `{"group_access":35}`), 400,
		`{"error":"group_id is missing, group_access does not have a valid value"}`)
	// a private group the Maintainer may not read
	wantStatus(t, share(tm.maint, body), 404, `{"message":"Not Found"}`)
	r := share(tm.root, body)
	wantStatus(t, r, 201, "")
	wantFields(t, "link", r.json(t), map[string]any{"project_id": float64(tm.project.ID), "group_id": float64(qa.ID),
		"group_access": float64(30), "expires_at": "2027-01-31"})
	wantStatus(t, share(tm.root, body), 409, `{"message":"Group already shared with this group"}`)
	wantStatus(t, share(tm.root, fmt.Sprintf(`{"group_id":%d,"group_access":30}`, tm.guardsGroup.ID)), 409,
		`{"message":"Project cannot be shared with the group it is in or one of its ancestors."}`)
	// the members of qa get the project, up to Developer: its Maintainer plays as a Developer
	_, jobs := tm.run("feature")
	tm.settle(5 * time.Second)
	if got := memberLevels(t, tm.send("GET", tm.url("/members/all"), tm.maint, "")); got[tm.outsider.ID] != 30 {
		t.Errorf("the qa Maintainer's access %d", got[tm.outsider.ID])
	}
	wantStatus(t, tm.action(jobs["deploy"], "play", tm.outTok), 200, "")
	wantStatus(t, tm.send("GET", tm.url("/protected_branches"), tm.outTok, ""), 403, `{"message":"403 Forbidden"}`)
}
