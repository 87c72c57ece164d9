package gitlabsim_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Conformance tests of deployment approvals after the
// "POST /projects/:id/deployments/:deployment_id/approval" and "GET
// /projects/:id/deployments/:id" blocks of ee/spec/requests/api/deployments_spec.rb
// (TestSpecDeployments_...) and the branches of
// ee/app/services/deployments/approval_service.rb (TestSpecApprovalService_...).
// In the request spec the environment is protected for maintainers with
// required_approval_count 1 (the unified setting); its group-level rule
// for a security group is played here by a project-level rule for
// Developers (group-level protected environments are not simulated);
// rules of a group shared with the project are tested at the end
// (TestSpecDeployments_POST_approval_WithAGroupApprovalRule).

// approvals is the guards fixture with a deploy job waiting for approval,
// of a pipeline the administrator triggered (so that the maintainer may
// approve: the triggerer may not).
type approvals struct {
	*guards
	jobs       map[string]int64
	deployment gitlabsim.Deployment
}

// newApprovals protects production as the request spec does, with the
// unified required_approval_count (rules empty) or approval rules.
func newApprovals(t *testing.T, count int, rules string) *approvals {
	t.Helper()
	g := newGuards(t)
	wantStatus(t, g.send("POST", g.url("/protected_environments"), g.maint, fmt.Sprintf(
		`{"name":"production","deploy_access_levels":[{"access_level":40}],"required_approval_count":%d,"approval_rules":[%s]}`,
		count, rules)), 201, "")
	r := g.pipeline("main", g.root)
	wantStatus(t, r, 201, "")
	a := &approvals{guards: g, jobs: map[string]int64{}}
	for _, id := range g.sim.PipelineJobIDs(int64(r.json(t)["id"].(float64))) {
		j, _ := g.sim.Job(id)
		a.jobs[j.Name] = id
	}
	g.settle(5 * time.Second) // build succeeds; deploy waits
	a.deployment = g.deployment(a.jobs["deploy"])
	if a.deployment.Status != "blocked" || g.status(a.jobs["deploy"]) != "manual" {
		t.Fatalf("not waiting for approval: %+v", a.deployment)
	}
	return a
}

func (a *approvals) approve(token, body string) response {
	a.t.Helper()
	return a.send("POST", a.url("/deployments/%d/approval", a.deployment.ID), token, body)
}

func (a *approvals) count() int {
	a.t.Helper()
	d, _ := a.sim.JobDeployment(a.jobs["deploy"])
	return len(d.Approvals)
}

// --- deployments_spec.rb: POST /projects/:id/deployments/:deployment_id/approval ---

func TestSpecDeployments_POST_approval_AndUserIsAuthorizedToUpdateDeployment_CreatesAnApproval(t *testing.T) {
	a := newApprovals(t, 1, "")
	r := a.approve(a.maint, `{"status":"approved"}`)
	wantStatus(t, r, 201, "")
	m := r.json(t)
	if m["status"] != "approved" || m["user"].(map[string]any)["id"] != float64(a.maintU.ID) || m["comment"] != nil {
		t.Errorf("approval %s", r.body)
	}
	if a.count() != 1 {
		t.Errorf("%d approvals", a.count())
	}
	// the unified setting: no approval pending, the job is enqueued and runs
	if st := a.status(a.jobs["deploy"]); st != "pending" {
		t.Errorf("job %s after the last approval, want pending", st)
	}
	a.settle(5 * time.Second)
	if d := a.deployment; a.status(a.jobs["deploy"]) != "success" || a.guards.deployment(a.jobs["deploy"]).Status != "success" {
		t.Errorf("job %s, deployment %+v", a.status(a.jobs["deploy"]), d)
	}
}

func TestSpecDeployments_POST_approval_AndUserIsAuthorizedToUpdateDeployment_CreatesARejection(t *testing.T) {
	a := newApprovals(t, 1, "")
	r := a.approve(a.maint, `{"status":"rejected"}`)
	wantStatus(t, r, 201, "")
	if r.json(t)["status"] != "rejected" || a.count() != 1 {
		t.Errorf("rejection %s", r.body)
	}
	j, _ := a.sim.Job(a.jobs["deploy"])
	if j.Status != "failed" || j.FailureReason != "deployment_rejected" {
		t.Errorf("rejected job: %s %s", j.Status, j.FailureReason)
	}
	if d := a.guards.deployment(a.jobs["deploy"]); d.Status != "failed" {
		t.Errorf("deployment %s", d.Status)
	}
	r = a.send("GET", a.url("/jobs/%d", a.jobs["deploy"]), a.maint, "")
	wantFields(t, "rejected job", r.json(t), map[string]any{"failure_reason": "deployment_rejected"})
	// Ci::Processable#retryable?: not a rejected deployment
	wantStatus(t, a.action(a.jobs["deploy"], "retry", a.maint), 403, `{"message":"403 Forbidden - Job is not retryable"}`)
	wantStatus(t, a.action(a.jobs["deploy"], "play", a.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
}

func TestSpecDeployments_POST_approval_AndUserIsAuthorizedToUpdateDeployment_CreatesAnApprovalWithAComment(t *testing.T) {
	a := newApprovals(t, 1, "")
	r := a.approve(a.maint, `{"status":"approved","comment":"LGTM!"}`)
	wantStatus(t, r, 201, "")
	if r.json(t)["comment"] != "LGTM!" {
		t.Errorf("comment: %s", r.body)
	}
}

func TestSpecDeployments_POST_approval_WithMultipleApprovalRules(t *testing.T) {
	rules := `{"access_level":30,"required_approvals":2}`
	t.Run("creates an approval", func(t *testing.T) {
		a := newApprovals(t, 0, rules)
		r := a.approve(a.dev, `{"status":"approved"}`)
		wantStatus(t, r, 201, "")
		if r.json(t)["status"] != "approved" || a.count() != 1 {
			t.Errorf("approval %s", r.body)
		}
	})
	t.Run("creates an approval when the user represents the group", func(t *testing.T) {
		a := newApprovals(t, 0, rules)
		wantStatus(t, a.approve(a.dev, `{"status":"approved","represented_as":"Developers"}`), 201, "")
	})
	t.Run("does not create an approval when the user does not represent the group", func(t *testing.T) {
		a := newApprovals(t, 0, rules)
		wantStatus(t, a.approve(a.dev, `{"status":"approved","represented_as":"qa"}`), 400,
			"{\"message\":\"There are no approval rules for the given `represent_as` parameter. Use a valid User/Group/Role name instead.\"}")
		if a.count() != 0 {
			t.Error("approval created")
		}
	})
}

func TestSpecDeployments_POST_approval_AndUserIsNotAuthorizedToUpdateDeployment(t *testing.T) {
	a := newApprovals(t, 1, "")
	// a developer may not deploy to production (maintainers_can_deploy)
	wantStatus(t, a.approve(a.dev, `{"status":"approved"}`), 400,
		`{"message":"You don't have permission to approve this deployment. Contact the project or group owner for help."}`)
	if a.count() != 0 {
		t.Error("approval created")
	}
}

func TestSpecDeployments_POST_approval_WithAnInvalidStatus(t *testing.T) {
	a := newApprovals(t, 1, "")
	wantStatus(t, a.approve(a.maint, `{"status":"foo"}`), 400, `{"error":"status does not have a valid value"}`)
	wantStatus(t, a.approve(a.maint, `{}`), 400, `{"error":"status is missing"}`)
	wantStatus(t, a.send("POST", a.url("/deployments/x/approval"), a.maint, `{"status":"approved"}`), 400,
		`{"error":"deployment_id is invalid"}`)
	if a.count() != 0 {
		t.Error("approval created")
	}
}

func TestSpecDeployments_POST_approval_WithADeploymentThatDoesNotBelongToTheProject(t *testing.T) {
	a := newApprovals(t, 1, "")
	other := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "other/project", Members: map[int64]int{a.maintU.ID: gitlabsim.OwnerAccess}})
	wantStatus(t, a.send("POST", fmt.Sprintf("/api/v4/projects/%d/deployments/%d/approval", other.ID, a.deployment.ID),
		a.maint, `{"status":"approved"}`), 404, `{"message":"404 Not found"}`)
}

func TestSpecDeployments_POST_approval_WithADeploymentThatDoesNotExist(t *testing.T) {
	a := newApprovals(t, 1, "")
	wantStatus(t, a.send("POST", a.url("/deployments/0/approval"), a.maint, `{"status":"approved"}`), 404,
		`{"message":"404 Not found"}`)
}

func TestSpecDeployments_POST_approval_WhenUserIsGuest(t *testing.T) {
	a := newApprovals(t, 1, "")
	wantStatus(t, a.approve(a.guestTok, `{"status":"approved"}`), 403, `{"message":"403 Forbidden"}`)
}

func TestSpecDeployments_POST_approval_WhenUserIsNotAuthorizedToReadProject(t *testing.T) {
	a := newApprovals(t, 1, "")
	wantStatus(t, a.approve(a.outTok, `{"status":"approved"}`), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, a.approve("", `{"status":"approved"}`), 401, `{"message":"401 Unauthorized"}`)
	wantStatus(t, a.approve(a.readTok(), `{"status":"approved"}`), 403, "") // insufficient_scope
}

// --- deployments_spec.rb: GET /projects/:id/deployments/:id ---

func TestSpecDeployments_GET_deployment_WithMultipleApprovalRules_HasApprovalSummary(t *testing.T) {
	a := newApprovals(t, 0, `{"access_level":30,"required_approvals":2}`)
	wantStatus(t, a.approve(a.dev, `{"status":"approved"}`), 201, "")
	r := a.send("GET", a.url("/deployments/%d", a.deployment.ID), a.rep, "")
	wantStatus(t, r, 200, "")
	m := r.json(t)
	if m["pending_approval_count"] != float64(1) || len(m["approvals"].([]any)) != 1 {
		t.Errorf("deployment %s", r.body)
	}
	rules := m["approval_summary"].(map[string]any)["rules"].([]any)
	if len(rules) != 1 {
		t.Fatalf("rules %v", rules)
	}
	rule := rules[0].(map[string]any)
	approvals := rule["deployment_approvals"].([]any)
	if rule["required_approvals"] != float64(2) || len(approvals) != 1 ||
		approvals[0].(map[string]any)["user"].(map[string]any)["id"] != float64(a.devU.ID) {
		t.Errorf("summary rule %v", rule)
	}
}

// --- approval_service.rb ---

func TestSpecApprovalService_TheTriggererMayNotApprove(t *testing.T) {
	g := newGuards(t)
	g.requireApproval(fmt.Sprintf(`{"user_id":%d}`, g.maintU.ID))
	_, jobs := g.run("main") // triggered by the maintainer, the approver
	g.settle(5 * time.Second)
	d := g.deployment(jobs["deploy"])
	approve := func(status string) response {
		return g.send("POST", g.url("/deployments/%d/approval", d.ID), g.maint, `{"status":"`+status+`"}`)
	}
	wantStatus(t, approve("approved"), 400,
		`{"message":"You cannot approve your own deployment. This configuration can be adjusted in the protected environment settings."}`)
	// the project setting lets the triggerer approve
	wantStatus(t, g.send("PUT", g.url(""), g.dev, `{"allow_pipeline_trigger_approve_deployment":true}`), 403, "")
	wantStatus(t, g.send("PUT", g.url(""), g.maint, `{"allow_pipeline_trigger_approve_deployment":"x"}`), 400,
		`{"error":"allow_pipeline_trigger_approve_deployment is invalid"}`)
	r := g.send("PUT", g.url(""), g.maint, `{"allow_pipeline_trigger_approve_deployment":true}`)
	wantStatus(t, r, 200, "")
	if r.json(t)["allow_pipeline_trigger_approve_deployment"] != true {
		t.Errorf("project: %s", r.body)
	}
	wantStatus(t, approve("approved"), 201, "")
	// approval rules: the job stays manual, now playable
	if st := g.status(jobs["deploy"]); st != "manual" {
		t.Errorf("job %s after approval with rules, want manual", st)
	}
	if d := g.deployment(jobs["deploy"]); d.Status != "blocked" || d.PendingApprovalCount != 0 {
		t.Errorf("deployment %+v", d)
	}
	wantStatus(t, g.action(jobs["deploy"], "play", g.maint), 200, "")
	g.settle(5 * time.Second)
	if d := g.deployment(jobs["deploy"]); d.Status != "success" {
		t.Errorf("deployment %s after the play", d.Status)
	}
}

func TestSpecApprovalService_TheTriggererMayReject(t *testing.T) {
	g := newGuards(t)
	g.requireApproval(fmt.Sprintf(`{"user_id":%d}`, g.maintU.ID))
	_, jobs := g.run("main")
	g.settle(5 * time.Second)
	d := g.deployment(jobs["deploy"])
	wantStatus(t, g.send("POST", g.url("/deployments/%d/approval", d.ID), g.maint, `{"status":"rejected"}`), 201, "")
}

func TestSpecApprovalService_OneApprovalPerUser(t *testing.T) {
	// upsert_approval: the same status again answers the existing approval
	// unchanged; the other status replaces status and comment.
	a := newApprovals(t, 0, `{"access_level":30,"required_approvals":2}`)
	first := a.approve(a.dev, `{"status":"approved","comment":"one"}`)
	wantStatus(t, first, 201, "")
	a.clock.Advance(time.Minute)
	again := a.approve(a.dev, `{"status":"approved","comment":"two"}`)
	wantStatus(t, again, 201, "")
	if string(again.body) != string(first.body) || a.count() != 1 {
		t.Errorf("second approval %s, first %s, %d approvals", again.body, first.body, a.count())
	}
	if d := a.guards.deployment(a.jobs["deploy"]); d.PendingApprovalCount != 1 {
		t.Errorf("pending %d: one user counts once", d.PendingApprovalCount)
	}
	r := a.approve(a.dev, `{"status":"rejected","comment":"wait"}`)
	wantStatus(t, r, 201, "")
	if m := r.json(t); m["status"] != "rejected" || m["comment"] != "wait" || a.count() != 1 {
		t.Errorf("changed approval %s (%d approvals)", r.body, a.count())
	}
	if j, _ := a.sim.Job(a.jobs["deploy"]); j.Status != "failed" || j.FailureReason != "deployment_rejected" {
		t.Errorf("job %s %s", j.Status, j.FailureReason)
	}
}

func TestSpecApprovalService_Refusals(t *testing.T) {
	a := newApprovals(t, 0, `{"access_level":30,"required_approvals":1}`)
	long := strings.Repeat("x", 256)
	wantStatus(t, a.approve(a.dev, `{"status":"approved","comment":"`+long+`"}`), 400,
		`{"message":["Comment is too long (maximum is 255 characters)"]}`)
	wantStatus(t, a.approve(a.dev, `{"status":"approved"}`), 201, "")
	wantStatus(t, a.approve(a.maint, `{"status":"approved"}`), 400,
		`{"message":"This deployment is not waiting for approvals."}`)
	// an environment that is no longer protected
	wantStatus(t, a.send("DELETE", a.url("/protected_environments/production"), a.maint, ""), 204, "")
	wantStatus(t, a.approve(a.maint, `{"status":"approved"}`), 400, `{"message":"This environment is not protected."}`)
	// protected without approvals
	wantStatus(t, a.send("POST", a.url("/protected_environments"), a.maint,
		`{"name":"production","deploy_access_levels":[{"access_level":40}]}`), 201, "")
	wantStatus(t, a.approve(a.maint, `{"status":"approved"}`), 400,
		`{"message":"Deployment approvals is not configured for this environment."}`)
}

func TestSpecApprovalService_ApproveDeploymentOutOfBand(t *testing.T) {
	a := newApprovals(t, 0, `{"access_level":40,"required_approvals":1}`)
	if _, err := a.sim.ApproveDeployment(a.project.ID, a.deployment.ID, a.devU.ID, "approved", "", ""); err == nil ||
		err.Error() != "You don't have permission to approve this deployment. Contact the project or group owner for help." {
		t.Errorf("developer: %v", err)
	}
	got, err := a.sim.ApproveDeployment(a.project.ID, a.deployment.ID, a.maintU.ID, "approved", "ship it", "Maintainers")
	if err != nil || got.UserID != a.maintU.ID || got.Comment != "ship it" || got.RuleID == 0 {
		t.Fatalf("approval %+v %v", got, err)
	}
	wantStatus(t, a.action(a.jobs["deploy"], "play", a.maint), 200, "")
}

func TestSpecApprovalService_ARetriedDeploymentWaitsAgain(t *testing.T) {
	// A retry is processed by Ci::ProcessBuildService, whose EE process
	// makes it a manual action again; its new deployment needs its own approvals.
	a := newApprovals(t, 0, `{"access_level":30,"required_approvals":1}`)
	wantStatus(t, a.approve(a.dev, `{"status":"approved"}`), 201, "")
	wantStatus(t, a.action(a.jobs["deploy"], "play", a.maint), 200, "")
	a.settle(5 * time.Second)
	if st := a.status(a.jobs["deploy"]); st != "success" {
		t.Fatalf("deploy %s", st)
	}
	r := a.action(a.jobs["deploy"], "retry", a.maint)
	wantStatus(t, r, 201, "")
	retry := int64(r.json(t)["id"].(float64))
	if st := a.status(retry); st != "manual" {
		t.Errorf("retried deploy %s, want manual", st)
	}
	if d := a.guards.deployment(retry); d.Status != "blocked" || d.PendingApprovalCount != 1 || d.ID == a.deployment.ID {
		t.Errorf("the retry's deployment %+v", d)
	}
	wantStatus(t, a.action(retry, "play", a.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
}

// The contexts of ee/spec/services/deployments/approval_service_spec.rb
// not covered above.
func TestSpecApprovalService_Execute(t *testing.T) {
	t.Run("processing the build with unified access level when additional approvals are required", func(t *testing.T) {
		a := newApprovals(t, 2, "")
		wantStatus(t, a.approve(a.maint, `{"status":"approved"}`), 201, "")
		if st := a.status(a.jobs["deploy"]); st != "manual" {
			t.Errorf("job %s, want it unchanged", st)
		}
		if d := a.guards.deployment(a.jobs["deploy"]); d.PendingApprovalCount != 1 || d.Status != "blocked" {
			t.Errorf("deployment %+v", d)
		}
		wantStatus(t, a.action(a.jobs["deploy"], "play", a.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
		// the administrator triggered the pipeline: it may approve once the
		// project allows it
		if _, err := a.sim.ApproveDeployment(a.project.ID, a.deployment.ID, a.admin.ID, "approved", "", ""); err == nil {
			t.Fatal("the triggerer approved")
		}
		a.sim.SetAllowPipelineTriggerApproveDeployment(a.project.ID, true)
		if _, err := a.sim.ApproveDeployment(a.project.ID, a.deployment.ID, a.admin.ID, "approved", "", ""); err != nil {
			t.Fatal(err)
		}
		if st := a.status(a.jobs["deploy"]); st != "pending" {
			t.Errorf("job %s after the second approval, want pending", st)
		}
	})
	t.Run("processing the build with multi access levels when additional approvals are required", func(t *testing.T) {
		a := newApprovals(t, 0, `{"access_level":40,"required_approvals":2}`)
		wantStatus(t, a.approve(a.maint, `{"status":"approved"}`), 201, "")
		if st := a.status(a.jobs["deploy"]); st != "manual" {
			t.Errorf("job %s", st)
		}
		wantStatus(t, a.action(a.jobs["deploy"], "play", a.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	})
	t.Run("with approval rule when the user does not have permission to read deployment", func(t *testing.T) {
		a := newApprovals(t, 0, `{"access_level":40}`)
		if _, err := a.sim.ApproveDeployment(a.project.ID, a.deployment.ID, a.guest.ID, "approved", "", ""); err == nil ||
			!strings.HasPrefix(err.Error(), "You don't have permission") {
			t.Errorf("guest: %v", err)
		}
	})
	t.Run("with approval rule when there are no rules for the user", func(t *testing.T) {
		a := newApprovals(t, 0, `{"access_level":40}`)
		wantStatus(t, a.approve(a.dev, `{"status":"approved"}`), 400,
			`{"message":"You don't have permission to approve this deployment. Contact the project or group owner for help."}`)
	})
	t.Run("when the creator of the deployment is rejecting", func(t *testing.T) {
		a := newApprovals(t, 0, `{"access_level":40}`)
		if _, err := a.sim.ApproveDeployment(a.project.ID, a.deployment.ID, a.admin.ID, "rejected", "no", ""); err != nil {
			t.Fatal(err)
		}
		if j, _ := a.sim.Job(a.jobs["deploy"]); j.FailureReason != "deployment_rejected" {
			t.Errorf("job %+v", j)
		}
	})
}

// --- approval rules of a group (Authorizable#check_access; the group
// shared with the project) ---

func TestSpecDeployments_POST_approval_WithAGroupApprovalRule(t *testing.T) {
	for _, c := range []struct {
		inheritance    int
		opsLeadRefused bool
	}{{0, true}, {1, false}} {
		t.Run(fmt.Sprint("group_inheritance_type ", c.inheritance), func(t *testing.T) {
			tm := newTeams(t)
			wantStatus(t, tm.send("POST", tm.url("/protected_environments"), tm.maint, fmt.Sprintf(
				`{"name":"production","deploy_access_levels":[{"access_level":40}],"approval_rules":[{"group_id":%d,"group_inheritance_type":%d}]}`,
				tm.release.ID, c.inheritance)), 201, "")
			_, jobs := tm.runAs("main", tm.root) // the triggerer may not approve
			deploy := jobs["deploy"]
			tm.settle(5 * time.Second)
			d := tm.deployment(deploy)
			approve := func(token string) response {
				return tm.send("POST", tm.url("/deployments/%d/approval", d.ID), token, `{"status":"approved"}`)
			}
			// a project Maintainer who is no member of the group may not approve under the group's rule
			wantStatus(t, approve(tm.maint), 400,
				`{"message":"You don't have permission to approve this deployment. Contact the project or group owner for help."}`)
			if c.opsLeadRefused {
				wantStatus(t, approve(tm.opsLead), 400, "")
			}
			wantStatus(t, tm.send("POST", tm.url("/deployments/%d/approval", d.ID), tm.releaser,
				`{"status":"approved","represented_as":"Release managers"}`), 201, "")
			if !c.opsLeadRefused {
				wantStatus(t, approve(tm.opsLead), 400, `{"message":"This deployment is not waiting for approvals."}`)
			}
			got, _ := tm.sim.JobDeployment(deploy)
			if len(got.Approvals) != 1 || got.Approvals[0].UserID != tm.releaseU.ID {
				t.Errorf("approvals %+v", got.Approvals)
			}
			// the approved job is playable by a deployer
			wantStatus(t, tm.action(deploy, "play", tm.maint), 200, "")
		})
	}
}

func TestSpecApprovalService_GroupRuleOutOfBand(t *testing.T) {
	tm := newTeams(t)
	tm.sim.ProtectEnvironment(tm.project.ID, gitlabsim.ProtectedEnvironmentSpec{Name: "production", AccessLevels: []int{40}})
	if !tm.sim.SetEnvironmentApprovals(tm.project.ID, "production", 0,
		[]gitlabsim.ApprovalRuleSpec{{GroupID: tm.release.ID, GroupInherited: true}}) {
		t.Fatal("production is not protected")
	}
	_, jobs := tm.run("main")
	tm.settle(5 * time.Second)
	d := tm.deployment(jobs["deploy"])
	if _, err := tm.sim.ApproveDeployment(tm.project.ID, d.ID, tm.groupDevU.ID, "approved", "", ""); err == nil {
		t.Error("a user of another group approved")
	}
	if _, err := tm.sim.ApproveDeployment(tm.project.ID, d.ID, tm.opsLeadU.ID, "approved", "", ""); err != nil {
		t.Errorf("an inherited member of the group: %v", err)
	}
}
