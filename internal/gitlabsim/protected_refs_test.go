package gitlabsim_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Conformance tests of protected branches and tags after
// spec/requests/api/protected_branches_spec.rb, protected_tags_spec.rb and
// the protected-ref contexts of jobs_spec.rb and of
// Gitlab::Ci::Pipeline::Chain::Validate::Abilities' spec.

const protectedRefRefusal = `{"message":{"base":["You do not have sufficient permission to run a pipeline on 'main'. ` +
	`Please select a different branch or contact your administrator for assistance."]}}`

// --- protected_branches_spec.rb ---

func TestSpecProtectedBranches_GET_protected_branches_WhenAuthenticatedAsAMaintainer(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"main"}`), 201, "")
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"release/*","push_access_level":30}`), 201, "")
	r := g.send("GET", g.url("/protected_branches"), g.maint, "")
	wantStatus(t, r, 200, "")
	list := listJobs(t, r)
	if len(list) != 2 || list[0]["name"] != "main" || list[1]["name"] != "release/*" {
		t.Fatalf("list %s", r.body)
	}
	if r.header.Get("X-Total") != "2" {
		t.Errorf("X-Total %q", r.header.Get("X-Total"))
	}
}

func TestSpecProtectedBranches_GET_protected_branches_WhenAuthenticatedAsAGuestOrDeveloper(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("GET", g.url("/protected_branches"), g.dev, ""), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.send("GET", g.url("/protected_branches"), g.guestTok, ""), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.send("GET", g.url("/protected_branches"), g.outTok, ""), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, g.send("GET", g.url("/protected_branches"), "", ""), 401, `{"message":"401 Unauthorized"}`)
}

func TestSpecProtectedBranches_GET_protected_branch_WhenBranchIsProtected(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"main"}`), 201, "")
	r := g.send("GET", g.url("/protected_branches/main"), g.maint, "")
	wantStatus(t, r, 200, "")
	m := r.json(t)
	push := m["push_access_levels"].([]any)[0].(map[string]any)
	merge := m["merge_access_levels"].([]any)[0].(map[string]any)
	if push["access_level"] != float64(40) || push["access_level_description"] != "Maintainers" ||
		merge["access_level"] != float64(40) || m["allow_force_push"] != false {
		t.Errorf("defaults: %s", r.body)
	}
	// when protected branch does not exist
	wantStatus(t, g.send("GET", g.url("/protected_branches/unknown"), g.maint, ""), 404, `{"message":"404 Not found"}`)
}

func TestSpecProtectedBranches_GET_protected_branch_WhenBranchHasAWildcardInItsName(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"feat*"}`), 201, "")
	wantStatus(t, g.send("GET", g.url("/protected_branches/feat*"), g.maint, ""), 200, "")
	// The wildcard protects feature: a developer may not run a pipeline on it.
	r := g.pipeline("feature", g.dev)
	wantStatus(t, r, 400, strings.ReplaceAll(protectedRefRefusal, "'main'", "'feature'"))
}

func TestSpecProtectedBranches_POST_protected_branches(t *testing.T) {
	g := newGuards(t)
	// protects a single branch with developers can push and merge
	r := g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"main","push_access_level":30,"merge_access_level":30}`)
	wantStatus(t, r, 201, "")
	m := r.json(t)
	if d := m["push_access_levels"].([]any)[0].(map[string]any)["access_level_description"]; d != "Developers + Maintainers" {
		t.Errorf("push %v", d)
	}
	// returns a conflict error if branch is already protected
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"main"}`), 409,
		`{"message":"Protected branch 'main' already exists"}`)
	// protects a single branch with no one can push
	r = g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"feature","push_access_level":0}`)
	wantStatus(t, r, 201, "")
	if d := r.json(t)["push_access_levels"].([]any)[0].(map[string]any)["access_level_description"]; d != "No one" {
		t.Errorf("no one: %v", d)
	}
	// invalid access levels and a missing name are Grape's 400s
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"x","push_access_level":25}`), 400,
		`{"error":"push_access_level does not have a valid value"}`)
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{}`), 400, `{"error":"name is missing"}`)
	// when authenticated as a developer
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.dev, `{"name":"other"}`), 403, `{"message":"403 Forbidden"}`)
}

func TestSpecProtectedBranches_DELETE_protected_branch(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"main"}`), 201, "")
	wantStatus(t, g.send("DELETE", g.url("/protected_branches/main"), g.dev, ""), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.send("DELETE", g.url("/protected_branches/main"), g.maint, ""), 204, "")
	// returns 404 if branch does not exist
	wantStatus(t, g.send("DELETE", g.url("/protected_branches/main"), g.maint, ""), 404, `{"message":"404 Not found"}`)
	// unprotected again: the developer may run a pipeline on main
	wantStatus(t, g.pipeline("main", g.dev), 201, "")
}

// --- protected_tags_spec.rb ---

func TestSpecProtectedTags_POST_protected_tags(t *testing.T) {
	g := newGuards(t)
	r := g.send("POST", g.url("/protected_tags"), g.maint, `{"name":"v*"}`)
	wantStatus(t, r, 201, "")
	m := r.json(t)
	lv := m["create_access_levels"].([]any)[0].(map[string]any)
	if m["name"] != "v*" || lv["access_level"] != float64(40) || lv["access_level_description"] != "Maintainers" {
		t.Errorf("tag %s", r.body)
	}
	// returns a 422 error if the same tag exists
	wantStatus(t, g.send("POST", g.url("/protected_tags"), g.maint, `{"name":"v*"}`), 422,
		`{"message":["Name has already been taken"]}`)
	wantStatus(t, g.send("POST", g.url("/protected_tags"), g.maint, `{"name":"x","create_access_level":20}`), 400,
		`{"error":"create_access_level does not have a valid value"}`)
	r = g.send("GET", g.url("/protected_tags"), g.maint, "")
	wantStatus(t, r, 200, "")
	if n := len(listJobs(t, r)); n != 1 {
		t.Errorf("%d protected tags", n)
	}
	wantStatus(t, g.send("GET", g.url("/protected_tags/v*"), g.maint, ""), 200, "")
	wantStatus(t, g.send("GET", g.url("/protected_tags/nope"), g.maint, ""), 404, `{"message":"404 Not found"}`)
	wantStatus(t, g.send("DELETE", g.url("/protected_tags/v*"), g.maint, ""), 204, "")
}

// --- Chain::Validate::Abilities: pipelines on protected refs ---

func TestSpecPipelines_POST_pipeline_OnAProtectedBranch(t *testing.T) {
	g := newGuards(t)
	g.sim.ProtectRef(g.project.ID, protectMain())
	before := len(g.sim.CreatedPipelines(g.project.ID))
	wantStatus(t, g.pipeline("main", g.dev), 400, protectedRefRefusal)
	// the ref as given is named
	wantStatus(t, g.pipeline("refs/heads/main", g.dev), 400,
		strings.ReplaceAll(protectedRefRefusal, "'main'", "'refs/heads/main'"))
	if n := len(g.sim.CreatedPipelines(g.project.ID)); n != before {
		t.Fatalf("a refused pipeline was created (%d, was %d)", n, before)
	}
	// maintainers may; an unprotected branch is the developers'
	wantStatus(t, g.pipeline("main", g.maint), 201, "")
	wantStatus(t, g.pipeline("feature", g.dev), 201, "")
	// an unknown ref is not a protected one: Validate::Repository's answer
	wantStatus(t, g.pipeline("nope", g.dev), 400, `{"message":{"base":["Reference not found"]}}`)
}

func TestSpecPipelines_POST_pipeline_OnAProtectedBranch_MergeAccessSuffices(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"main","push_access_level":0,"merge_access_level":30}`), 201, "")
	wantStatus(t, g.pipeline("main", g.dev), 201, "") // can_update_branch?: push or merge
}

func TestSpecPipelines_POST_pipeline_OnAProtectedTag(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("POST", g.url("/protected_tags"), g.maint, `{"name":"v*"}`), 201, "")
	wantStatus(t, g.pipeline("v1.0.0", g.dev), 400, strings.ReplaceAll(protectedRefRefusal, "'main'", "'v1.0.0'"))
	wantStatus(t, g.pipeline("v1.0.0", g.maint), 201, "")
}

func TestSpecPipelines_POST_pipeline_AdministratorWhoIsNotAMember(t *testing.T) {
	// ProtectedRefAccess#check_access counts the membership: an
	// administrator who is not a member passes only "Administrators" (60).
	g := newGuards(t)
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"main"}`), 201, "")
	wantStatus(t, g.pipeline("main", g.root), 400, protectedRefRefusal)
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"ma*","push_access_level":60}`), 201, "")
	wantStatus(t, g.pipeline("main", g.root), 201, "")
}

func TestSpecPipelines_POST_trigger_pipeline_OnAProtectedBranch(t *testing.T) {
	g := newGuards(t)
	g.sim.ProtectRef(g.project.ID, protectMain())
	tok := g.sim.CreateTriggerToken(g.project.ID, g.devU.ID, "")
	r := g.send("POST", g.url("/trigger/pipeline"), "", `{"token":"`+tok+`","ref":"main"}`)
	wantStatus(t, r, 400, protectedRefRefusal)
}

// --- jobs_spec.rb: actions on jobs of protected refs ---

func TestSpecJobs_POST_play_WhenUserIsNotAllowedToTriggerTheManualAction_OnAProtectedBranch(t *testing.T) {
	g := newGuards(t)
	_, jobs := g.run("main")
	g.sim.ProtectRef(g.project.ID, protectMain())
	g.settle(5 * time.Second)
	if st := g.status(jobs["deploy"]); st != "manual" {
		t.Fatalf("deploy is %s", st)
	}
	wantStatus(t, g.action(jobs["deploy"], "play", g.dev), 403, `{"message":"403 Forbidden"}`)
	if n := g.sim.ActionCount(jobs["deploy"], "play"); n != 0 {
		t.Fatalf("a refused play was applied %d times", n)
	}
	wantStatus(t, g.action(jobs["build"], "retry", g.dev), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.action(jobs["deploy"], "cancel", g.dev), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.action(jobs["build"], "erase", g.dev), 403, `{"message":"403 Forbidden"}`)
	if st := g.status(jobs["deploy"]); st != "manual" {
		t.Fatalf("deploy is %s after refusals", st)
	}
	// a maintainer may (Maintainers may push to main)
	wantStatus(t, g.action(jobs["build"], "retry", g.maint), 201, "")
}

func TestSpecJobs_POST_play_OnAProtectedBranch_UserAllowedToPush(t *testing.T) {
	g := newGuards(t)
	_, jobs := g.run("main")
	r := g.send("POST", g.url("/protected_branches"), g.maint,
		`{"name":"main","allowed_to_push":[{"user_id":`+itoa(g.devU.ID)+`}]}`)
	wantStatus(t, r, 201, "")
	pl := r.json(t)["push_access_levels"].([]any)
	if len(pl) != 1 || pl[0].(map[string]any)["user_id"] != float64(g.devU.ID) || pl[0].(map[string]any)["access_level"] != nil ||
		pl[0].(map[string]any)["access_level_description"] != "developer" {
		t.Errorf("allowed_to_push: %s", r.body)
	}
	g.settle(5 * time.Second)
	wantStatus(t, g.action(jobs["deploy"], "play", g.dev), 200, "")
}

func TestSpecJobs_POST_retry_OnAProtectedTag(t *testing.T) {
	g := newGuards(t)
	_, jobs := g.run("v1.0.0")
	g.settle(5 * time.Second)
	wantStatus(t, g.send("POST", g.url("/protected_tags"), g.maint, `{"name":"v*","create_access_level":30}`), 201, "")
	wantStatus(t, g.action(jobs["build"], "retry", g.dev), 201, "") // developers may create v* tags
	wantStatus(t, g.send("DELETE", g.url("/protected_tags/v*"), g.maint, ""), 204, "")
	wantStatus(t, g.send("POST", g.url("/protected_tags"), g.maint, `{"name":"v1.*"}`), 201, "")
	_, jobs2 := g.run("v1.0.0")
	g.settle(5 * time.Second)
	wantStatus(t, g.action(jobs2["build"], "retry", g.dev), 403, `{"message":"403 Forbidden"}`)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// protectMain protects main with GitLab's defaults (Maintainers push and merge).
func protectMain() gitlabsim.ProtectedRefSpec { return gitlabsim.ProtectedRefSpec{Name: "main"} }

func TestSpecRoute_BridgePolicy_NoProtectedRefRule(t *testing.T) {
	// Ci::BridgePolicy has no protected_ref condition: a developer may play
	// a manual bridge of protected main.
	g := newGuards(t)
	cfg := guardCI()
	cfg.Jobs = append(cfg.Jobs, gitlabsim.CIJob{Name: "trigger-downstream", Stage: "deploy", When: "manual", Bridge: true})
	if err := g.sim.SetCIConfig(g.project.ID, cfg); err != nil {
		t.Fatal(err)
	}
	_, jobs := g.run("main")
	g.sim.ProtectRef(g.project.ID, protectMain())
	g.settle(5 * time.Second)
	wantStatus(t, g.action(jobs["trigger-downstream"], "play", g.dev), 200, "")
	wantStatus(t, g.action(jobs["deploy"], "play", g.dev), 403, `{"message":"403 Forbidden"}`)
}

func TestSpecJobs_POST_erase_WhenADeveloperErasesABuildCreatedByThem_OnAProtectedBranch(t *testing.T) {
	// erase_build's owner path needs unprotected_ref: a developer allowed to
	// push to protected main still may not erase their own job there; a
	// maintainer (admin_build) may.
	g := newGuards(t)
	cfg := guardCI()
	cfg.Jobs[0].LogOnRun = "built\n"
	if err := g.sim.SetCIConfig(g.project.ID, cfg); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, g.send("POST", g.url("/protected_branches"), g.maint, `{"name":"main","push_access_level":30}`), 201, "")
	r := g.pipeline("main", g.dev)
	wantStatus(t, r, 201, "")
	var build int64
	for _, id := range g.sim.PipelineJobIDs(int64(r.json(t)["id"].(float64))) {
		if j, _ := g.sim.Job(id); j.Name == "build" {
			build = id
		}
	}
	g.settle(5 * time.Second)
	if j, _ := g.sim.Job(build); j.Status != "success" || j.UserID != g.devU.ID {
		t.Fatalf("build %+v", j)
	}
	wantStatus(t, g.action(build, "erase", g.dev), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.action(build, "erase", g.maint), 201, "")
}

// --- group access (EE::ProtectedRefAccess: check_access with
// group.users.exists?, validate_group_membership) ---

func TestSpecProtectedBranches_POST_WithAGroupAllowedToPush(t *testing.T) {
	tm := newTeams(t)
	_, jobs := tm.run("main")
	tm.settle(5 * time.Second)
	// only a group the project is shared with (not its own group)
	wantStatus(t, tm.send("POST", tm.url("/protected_branches"), tm.maint,
		fmt.Sprintf(`{"name":"main","allowed_to_push":[{"group_id":%d}]}`, tm.guardsGroup.ID)), 422,
		`{"message":["Push access levels group does not have access to the project"]}`)
	wantStatus(t, tm.send("POST", tm.url("/protected_tags"), tm.maint,
		fmt.Sprintf(`{"name":"v*","allowed_to_create":[{"group_id":%d}]}`, tm.ops.ID)), 422,
		`{"message":["Create access levels group does not have access to the project"]}`)
	r := tm.send("POST", tm.url("/protected_branches"), tm.maint,
		fmt.Sprintf(`{"name":"main","allowed_to_push":[{"group_id":%d}]}`, tm.release.ID))
	wantStatus(t, r, 201, "")
	pl := r.json(t)["push_access_levels"].([]any)
	if len(pl) != 1 || pl[0].(map[string]any)["group_id"] != float64(tm.release.ID) ||
		pl[0].(map[string]any)["access_level_description"] != "Release managers" {
		t.Errorf("push_access_levels %s", r.body)
	}
	// a direct member of the group may update main; an inherited member
	// (a Developer of the project through the share) and a project
	// Developer may not
	wantStatus(t, tm.action(jobs["deploy"], "play", tm.opsLead), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, tm.action(jobs["deploy"], "play", tm.dev), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, tm.action(jobs["deploy"], "play", tm.releaser), 200, "")
}
