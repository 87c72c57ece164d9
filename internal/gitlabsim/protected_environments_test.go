package gitlabsim_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Approval settings of protected environments through the Protected
// environments API (ee/spec/requests/api/protected_environments_spec.rb:
// POST with approval_rules, PUT), and the job they block
// (EE Ci::ProcessBuildService#process, Ci::Build#playable?).

func TestSpecProtectedEnvironments_POST_WithApprovalRules(t *testing.T) {
	g := newGuards(t)
	body := fmt.Sprintf(`{"name":"production","deploy_access_levels":[{"access_level":40}],
		"approval_rules":[{"user_id":%d},{"access_level":40,"required_approvals":2}]}`, g.devU.ID)
	r := g.send("POST", g.url("/protected_environments"), g.maint, body)
	wantStatus(t, r, 201, "")
	rules := r.json(t)["approval_rules"].([]any)
	if len(rules) != 2 {
		t.Fatalf("approval_rules: %s", r.body)
	}
	wantFields(t, "user rule", rules[0].(map[string]any), map[string]any{"user_id": float64(g.devU.ID), "access_level": nil,
		"access_level_description": "developer", "required_approvals": float64(1), "group_inheritance_type": float64(0)})
	wantFields(t, "role rule", rules[1].(map[string]any), map[string]any{"user_id": nil, "access_level": float64(40),
		"access_level_description": "Maintainers", "required_approvals": float64(2)})
	// GET shows them
	r = g.send("GET", g.url("/protected_environments/production"), g.maint, "")
	if n := len(r.json(t)["approval_rules"].([]any)); n != 2 {
		t.Errorf("GET: %d rules", n)
	}
	for b, want := range map[string]string{
		`{"name":"s","deploy_access_levels":[{"access_level":40}],"approval_rules":[{"required_approvals":1}]}`: `{"error":"approval_rules[access_level], approval_rules[user_id], approval_rules[group_id] are missing, at least one parameter must be provided"}`,
		`{"name":"s","deploy_access_levels":[{"access_level":40}],"approval_rules":[{"access_level":10}]}`:      `{"error":"approval_rules[access_level] does not have a valid value"}`,
		`{"name":"s","deploy_access_levels":[{"access_level":40}],"approval_rules":"x"}`:                        `{"error":"approval_rules is invalid"}`,
	} {
		wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint, b), 400, want)
	}
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint,
		`{"name":"s","deploy_access_levels":[{"access_level":40}],"approval_rules":[{"access_level":40,"required_approvals":6}]}`),
		422, `{"message":["Approval rules required approvals must be less than or equal to 5"]}`)
}

func TestSpecProtectedEnvironments_PUT(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint,
		`{"name":"production","deploy_access_levels":[{"access_level":40}]}`), 201, "")
	wantStatus(t, g.send("PUT", g.url("/protected_environments/production"), g.dev, `{"required_approval_count":1}`), 403,
		`{"message":"403 Forbidden"}`)
	wantStatus(t, g.send("PUT", g.url("/protected_environments/staging"), g.maint, `{"required_approval_count":1}`), 404,
		`{"message":"404 Not found"}`)
	r := g.send("PUT", g.url("/protected_environments/production"), g.maint, `{"required_approval_count":2}`)
	wantStatus(t, r, 200, "")
	if m := r.json(t); m["required_approval_count"] != float64(2) || len(m["deploy_access_levels"].([]any)) != 1 {
		t.Errorf("unified setting: %s", r.body)
	}
	// add a rule and a deployer
	r = g.send("PUT", g.url("/protected_environments/production"), g.maint, fmt.Sprintf(
		`{"approval_rules":[{"user_id":%d,"required_approvals":1}],"deploy_access_levels":[{"user_id":%d}]}`, g.maintU.ID, g.devU.ID))
	wantStatus(t, r, 200, "")
	m := r.json(t)
	rules, levels := m["approval_rules"].([]any), m["deploy_access_levels"].([]any)
	if len(rules) != 1 || len(levels) != 2 {
		t.Fatalf("after adding: %s", r.body)
	}
	ruleID := rules[0].(map[string]any)["id"].(float64)
	// change the rule's count, then remove it
	r = g.send("PUT", g.url("/protected_environments/production"), g.maint,
		fmt.Sprintf(`{"approval_rules":[{"id":%v,"required_approvals":3}]}`, ruleID))
	wantStatus(t, r, 200, "")
	if rule := r.json(t)["approval_rules"].([]any)[0].(map[string]any); rule["required_approvals"] != float64(3) ||
		rule["user_id"] != float64(g.maintU.ID) {
		t.Errorf("updated rule %v", rule)
	}
	r = g.send("PUT", g.url("/protected_environments/production"), g.maint,
		fmt.Sprintf(`{"approval_rules":[{"id":%v,"_destroy":true}]}`, ruleID))
	wantStatus(t, r, 200, "")
	if n := len(r.json(t)["approval_rules"].([]any)); n != 0 {
		t.Errorf("%d rules after _destroy", n)
	}
	// the last deployers cannot go
	var destroyAll string
	for i, l := range levels {
		if i > 0 {
			destroyAll += ","
		}
		destroyAll += fmt.Sprintf(`{"id":%v,"_destroy":true}`, l.(map[string]any)["id"])
	}
	wantStatus(t, g.send("PUT", g.url("/protected_environments/production"), g.maint,
		`{"deploy_access_levels":[`+destroyAll+`]}`), 422, `{"message":["Must have at least one deployer."]}`)
	wantStatus(t, g.send("PUT", g.url("/protected_environments/production"), g.maint,
		`{"approval_rules":[{"id":999999,"required_approvals":1}]}`), 404, `{"message":"404 Not found"}`)
	wantStatus(t, g.send("PUT", g.url("/protected_environments/production"), g.maint,
		`{"required_approval_count":"x"}`), 400, `{"error":"required_approval_count is invalid"}`)
}

// requireApproval protects production for maintainers with one approval
// from the maintainer (an approval rule) through the API.
func (g *guards) requireApproval(rule string) {
	g.t.Helper()
	wantStatus(g.t, g.send("POST", g.url("/protected_environments"), g.maint,
		`{"name":"production","deploy_access_levels":[{"access_level":30}],"approval_rules":[`+rule+`]}`), 201, "")
}

func TestSpecJobs_POST_play_WhenTheDeploymentWaitsForApproval(t *testing.T) {
	g := newGuards(t)
	g.requireApproval(fmt.Sprintf(`{"user_id":%d}`, g.maintU.ID))
	cfg := guardCI()
	cfg.Jobs[1].When = "" // an on_success deploy job is made manual too
	if err := g.sim.SetCIConfig(g.project.ID, cfg); err != nil {
		t.Fatal(err)
	}
	_, jobs := g.run("main")
	g.settle(5 * time.Second)
	r := g.send("GET", g.url("/jobs/%d", jobs["deploy"]), g.dev, "")
	if m := r.json(t); m["status"] != "manual" {
		t.Fatalf("blocked job: %s", r.body)
	}
	d := g.deployment(jobs["deploy"])
	if d.Status != "blocked" || d.PendingApprovalCount != 1 {
		t.Fatalf("deployment %+v", d)
	}
	wantStatus(t, g.action(jobs["deploy"], "play", g.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	if n := g.sim.ActionCount(jobs["deploy"], "play"); n != 0 {
		t.Errorf("refused play counted %d", n)
	}
	r = g.send("GET", g.url("/deployments/%d", d.ID), g.dev, "")
	wantFields(t, "blocked deployment", r.json(t), map[string]any{"status": "blocked", "pending_approval_count": float64(1)})
	// the pipeline waits on the manual job
	r = g.send("GET", g.url("/deployments?status=blocked"), g.dev, "")
	if n := len(listJobs(t, r)); n != 1 {
		t.Errorf("status=blocked: %d", n)
	}
}

func TestSpecProtectedEnvironments_POST_protected_environments(t *testing.T) {
	g := newGuards(t)
	body := `{"name":"production","deploy_access_levels":[{"access_level":40},{"user_id":` + strconv.FormatInt(g.devU.ID, 10) + `}]}`
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.dev, body), 403, `{"message":"403 Forbidden"}`)
	r := g.send("POST", g.url("/protected_environments"), g.maint, body)
	wantStatus(t, r, 201, "")
	m := r.json(t)
	levels := m["deploy_access_levels"].([]any)
	if m["name"] != "production" || len(levels) != 2 || m["required_approval_count"] != float64(0) {
		t.Fatalf("protected environment: %s", r.body)
	}
	wantFields(t, "role level", levels[0].(map[string]any), map[string]any{"access_level": float64(40),
		"access_level_description": "Maintainers", "user_id": nil, "group_id": nil})
	wantFields(t, "user level", levels[1].(map[string]any), map[string]any{"access_level": nil,
		"access_level_description": "developer", "user_id": float64(g.devU.ID)})
	// when the environment is already protected
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint, body), 409,
		`{"message":"Protected environment 'production' already exists"}`)
	// invalid parameters
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint, `{"name":"staging"}`), 400,
		`{"error":"deploy_access_levels is missing"}`)
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint,
		`{"name":"staging","deploy_access_levels":[{"access_level":10}]}`), 400,
		`{"error":"deploy_access_levels[access_level] does not have a valid value"}`)
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint,
		`{"name":"staging","deploy_access_levels":[{}]}`), 422, "")
}

func TestSpecProtectedEnvironments_GET_and_DELETE(t *testing.T) {
	g := newGuards(t)
	for _, name := range []string{"staging", "production"} {
		wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint,
			`{"name":"`+name+`","deploy_access_levels":[{"access_level":30}]}`), 201, "")
	}
	r := g.send("GET", g.url("/protected_environments"), g.maint, "")
	wantStatus(t, r, 200, "")
	if l := listJobs(t, r); len(l) != 2 || l[0]["name"] != "production" { // sorted_by_name
		t.Errorf("list %s", r.body)
	}
	wantStatus(t, g.send("GET", g.url("/protected_environments"), g.dev, ""), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.send("GET", g.url("/protected_environments/staging"), g.maint, ""), 200, "")
	wantStatus(t, g.send("GET", g.url("/protected_environments/nope"), g.maint, ""), 404, `{"message":"404 Not found"}`)
	wantStatus(t, g.send("DELETE", g.url("/protected_environments/staging"), g.maint, ""), 204, "")
	wantStatus(t, g.send("DELETE", g.url("/protected_environments/staging"), g.maint, ""), 404, `{"message":"404 Not found"}`)
}

func TestSpecJobs_POST_play_OnAProtectedEnvironment_UserIsNotADeployer(t *testing.T) {
	g := newGuards(t)
	_, jobs := g.run("main")
	g.settle(5 * time.Second)
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint,
		`{"name":"production","deploy_access_levels":[{"access_level":40}]}`), 201, "")
	wantStatus(t, g.action(jobs["deploy"], "play", g.dev), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.action(jobs["deploy"], "cancel", g.dev), 403, `{"message":"403 Forbidden"}`)
	if n := g.sim.ActionCount(jobs["deploy"], "play"); n != 0 || g.status(jobs["deploy"]) != "manual" {
		t.Fatalf("refused play applied (%d plays, %s)", n, g.status(jobs["deploy"]))
	}
	// other jobs of the pipeline are not guarded by the environment
	wantStatus(t, g.action(jobs["build"], "retry", g.dev), 201, "")
	// a maintainer deploys
	wantStatus(t, g.action(jobs["deploy"], "play", g.maint), 200, "")
}

func TestSpecJobs_POST_play_OnAProtectedEnvironment_UserIsADeployer(t *testing.T) {
	g := newGuards(t)
	_, jobs := g.run("main")
	g.settle(5 * time.Second)
	g.sim.ProtectEnvironment(g.project.ID, protectProductionFor(g.devU.ID))
	wantStatus(t, g.action(jobs["deploy"], "play", g.dev), 200, "")
}

func TestSpecJobs_POST_play_OnAProtectedEnvironment_ReporterWithDeployAccess(t *testing.T) {
	// The jailbreak: a Reporter allowed to deploy may run the deployment
	// job, on a protected branch too.
	g := newGuards(t)
	_, jobs := g.run("main")
	g.settle(5 * time.Second)
	g.sim.ProtectRef(g.project.ID, protectMain())
	wantStatus(t, g.action(jobs["deploy"], "play", g.rep), 403, `{"message":"403 Forbidden"}`)
	g.sim.ProtectEnvironment(g.project.ID, protectProductionFor(g.repU.ID))
	wantStatus(t, g.action(jobs["deploy"], "play", g.rep), 200, "")
	// not the build, which has no environment
	wantStatus(t, g.action(jobs["build"], "retry", g.rep), 403, `{"message":"403 Forbidden"}`)
}

func TestSpecJobs_POST_play_OnAProtectedEnvironment_AdministratorDeploys(t *testing.T) {
	g := newGuards(t)
	_, jobs := g.run("main")
	g.settle(5 * time.Second)
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint,
		`{"name":"production","deploy_access_levels":[{"access_level":40}]}`), 201, "")
	wantStatus(t, g.action(jobs["deploy"], "play", g.root), 200, "") // Authorizable#check_access: admins
}

// --- group access (ee/spec/requests/api/protected_environments_spec.rb with
// group deploy access; ProtectedEnvironments::Authorizable#check_access,
// BaseService#sanitized_params) ---

func TestSpecProtectedEnvironments_POST_WithGroupDeployAccess(t *testing.T) {
	tm := newTeams(t)
	_, jobs := tm.run("feature")
	tm.settle(5 * time.Second)
	r := tm.send("POST", tm.url("/protected_environments"), tm.maint,
		fmt.Sprintf(`{"name":"production","deploy_access_levels":[{"group_id":%d}]}`, tm.release.ID))
	wantStatus(t, r, 201, "")
	levels := r.json(t)["deploy_access_levels"].([]any)
	wantFields(t, "group level", levels[0].(map[string]any), map[string]any{"group_id": float64(tm.release.ID),
		"access_level": nil, "user_id": nil, "access_level_description": "Release managers", "group_inheritance_type": float64(0)})
	// a project Developer who is no member of the group may not deploy
	wantStatus(t, tm.action(jobs["deploy"], "play", tm.dev), 403, `{"message":"403 Forbidden"}`)
	if n := tm.sim.ActionCount(jobs["deploy"], "play"); n != 0 {
		t.Fatalf("a refused play was applied %d times", n)
	}
	// a member of the group, who has the project only through its share, deploys
	wantStatus(t, tm.action(jobs["deploy"], "play", tm.releaser), 200, "")
}

func TestSpecProtectedEnvironments_POST_GroupNotSharedWithTheProjectIsDropped(t *testing.T) {
	tm := newTeams(t)
	// the project's own group is not shared with it: the level is dropped, none remains
	wantStatus(t, tm.send("POST", tm.url("/protected_environments"), tm.maint,
		fmt.Sprintf(`{"name":"production","deploy_access_levels":[{"group_id":%d}]}`, tm.guardsGroup.ID)),
		422, `{"message":["Must have at least one deployer."]}`)
	r := tm.send("POST", tm.url("/protected_environments"), tm.maint, fmt.Sprintf(
		`{"name":"production","deploy_access_levels":[{"group_id":%d},{"access_level":40}],"approval_rules":[{"group_id":%d}]}`,
		tm.ops.ID, tm.ops.ID))
	wantStatus(t, r, 201, "")
	if m := r.json(t); len(m["deploy_access_levels"].([]any)) != 1 || len(m["approval_rules"].([]any)) != 0 {
		t.Errorf("unshared groups kept: %s", r.body)
	}
}

func TestSpecProtectedEnvironments_GroupInheritanceType(t *testing.T) {
	for _, c := range []struct {
		inheritance   int
		opsLeadDeploy int // the ops lead is a Maintainer of ops, so an inherited member of ops/release
	}{{0, 403}, {1, 200}} {
		t.Run(fmt.Sprint("group_inheritance_type ", c.inheritance), func(t *testing.T) {
			tm := newTeams(t)
			_, jobs := tm.run("feature")
			tm.settle(5 * time.Second)
			r := tm.send("POST", tm.url("/protected_environments"), tm.maint, fmt.Sprintf(
				`{"name":"production","deploy_access_levels":[{"group_id":%d,"group_inheritance_type":%d}]}`,
				tm.release.ID, c.inheritance))
			wantStatus(t, r, 201, "")
			if got := r.json(t)["deploy_access_levels"].([]any)[0].(map[string]any)["group_inheritance_type"]; got != float64(c.inheritance) {
				t.Errorf("group_inheritance_type %v", got)
			}
			wantStatus(t, tm.action(jobs["deploy"], "play", tm.opsLead), c.opsLeadDeploy, "")
			// a direct member deploys under both
			if c.opsLeadDeploy != 200 {
				wantStatus(t, tm.action(jobs["deploy"], "play", tm.releaser), 200, "")
			}
		})
	}
	// PUT changes the inheritance type alone
	tm := newTeams(t)
	r := tm.send("POST", tm.url("/protected_environments"), tm.maint,
		fmt.Sprintf(`{"name":"production","deploy_access_levels":[{"group_id":%d}]}`, tm.release.ID))
	id := r.json(t)["deploy_access_levels"].([]any)[0].(map[string]any)["id"]
	r = tm.send("PUT", tm.url("/protected_environments/production"), tm.maint,
		fmt.Sprintf(`{"deploy_access_levels":[{"id":%v,"group_inheritance_type":1}]}`, id))
	wantStatus(t, r, 200, "")
	if l := r.json(t)["deploy_access_levels"].([]any)[0].(map[string]any); l["group_inheritance_type"] != float64(1) ||
		l["group_id"] != float64(tm.release.ID) {
		t.Errorf("after PUT %v", l)
	}
}

func TestSpecJobs_POST_play_OnAProtectedEnvironment_GroupDeployerGoAPI(t *testing.T) {
	tm := newTeams(t)
	_, jobs := tm.run("feature")
	tm.settle(5 * time.Second)
	tm.sim.ProtectEnvironment(tm.project.ID, gitlabsim.ProtectedEnvironmentSpec{Name: "production",
		Groups: []gitlabsim.GroupAccessSpec{{GroupID: tm.release.ID, Inherited: true}}})
	wantStatus(t, tm.action(jobs["deploy"], "play", tm.groupDev), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, tm.action(jobs["deploy"], "play", tm.opsLead), 200, "")
}
