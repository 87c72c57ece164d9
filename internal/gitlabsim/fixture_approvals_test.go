package gitlabsim_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The seed's approval settings and the out-of-band twins of the approval
// endpoint and settings.

// demoApprovalOff and demoApprovalOn are the demo seed's one-line switch:
// production requires one approval from the release managers' group (the
// project is shared with it; release-manager is its member) when on.
const (
	demoApprovalOff = `"approval_rules": []`
	demoApprovalOn  = `"approval_rules": [{"group": "demo-group/release-managers"}]`
)

func TestSpecSeed_DemoApprovalSwitch(t *testing.T) {
	if !bytes.Contains(gitlabsim.DemoFixture(), []byte(demoApprovalOff)) {
		t.Fatalf("the demo seed lacks the switch line %s", demoApprovalOff)
	}
	seed := bytes.Replace(gitlabsim.DemoFixture(), []byte(demoApprovalOff), []byte(demoApprovalOn), 1)
	clock := gitlabsim.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	e := newEnvWith(t, gitlabsim.Options{Now: clock.Now, RunnerPickupDelay: time.Second})
	if err := e.sim.LoadFixture(bytes.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	get := func(path, tok string) response { return e.get(demoProject+path, "PRIVATE-TOKEN", tok) }
	pe := listJobs(t, get("/protected_environments", managerToken))
	if rules := pe[0]["approval_rules"].([]any); len(rules) != 1 ||
		rules[0].(map[string]any)["access_level_description"] != "Release managers" || rules[0].(map[string]any)["group_id"] == nil {
		t.Fatalf("approval rules %v", pe[0]["approval_rules"])
	}
	r := e.post(demoProject+"/pipeline", "application/json", `{"ref":"v1.4.0"}`, "PRIVATE-TOKEN", botToken)
	wantStatus(t, r, 201, "")
	var deploy int64
	for _, id := range e.sim.PipelineJobIDs(int64(r.json(t)["id"].(float64))) {
		if j, _ := e.sim.Job(id); j.Name == "deploy" {
			deploy = id
		}
	}
	for range 20 {
		clock.Advance(time.Second)
		get("/jobs", botToken)
	}
	play := func() response {
		return e.post(fmt.Sprintf("%s/jobs/%d/play", demoProject, deploy), "", "", "PRIVATE-TOKEN", botToken)
	}
	wantStatus(t, play(), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	d, _ := e.sim.JobDeployment(deploy)
	path := fmt.Sprintf("%s/deployments/%d/approval", demoProject, d.ID)
	// separation of duties: the bot that triggered the pipeline may not approve
	wantStatus(t, e.post(path, "application/json", `{"status":"approved"}`, "PRIVATE-TOKEN", botToken), 400, "")
	wantStatus(t, e.post(path, "application/json", `{"status":"approved","comment":"release v1.4.0"}`,
		"PRIVATE-TOKEN", managerToken), 201, "")
	wantStatus(t, play(), 200, "")
}

func TestSpecSeed_ApprovalsErrors(t *testing.T) {
	for rules, want := range map[string]string{
		`[{"user": "nobody"}]`:                            `unknown user "nobody"`,
		`[{"access_level": 10}]`:                          "a user, a group or an access level",
		`[{"group": "nowhere"}]`:                          `group "nowhere" is not one the project is shared with`,
		`[{"access_level": 40, "required_approvals": 6}]`: "less than or equal to 5",
	} {
		seed := bytes.Replace(gitlabsim.DemoFixture(), []byte(demoApprovalOff), []byte(`"approval_rules": `+rules), 1)
		err := gitlabsim.New(gitlabsim.Options{}).LoadFixture(bytes.NewReader(seed))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "protected_environments[0].approval_rules[0]") {
			t.Errorf("%s: %v, want %q", rules, err, want)
		}
	}
	seed := bytes.Replace(gitlabsim.DemoFixture(), []byte(demoApprovalOff),
		[]byte(`"required_approval_count": 1, "approval_rules": []`), 1)
	seed = bytes.Replace(seed, []byte(`"resource_groups":`), []byte(`"allow_pipeline_trigger_approve_deployment": true, "resource_groups":`), 1)
	s := gitlabsim.New(gitlabsim.Options{})
	if err := s.LoadFixture(bytes.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
}

func TestSpecOutOfBand_SetEnvironmentApprovals(t *testing.T) {
	g := newGuards(t)
	if g.sim.SetEnvironmentApprovals(g.project.ID, "production", 1, nil) {
		t.Error("an unprotected environment took approval settings")
	}
	g.sim.ProtectEnvironment(g.project.ID, gitlabsim.ProtectedEnvironmentSpec{Name: "production", AccessLevels: []int{40}})
	if !g.sim.SetEnvironmentApprovals(g.project.ID, "production", 0,
		[]gitlabsim.ApprovalRuleSpec{{UserID: g.devU.ID}, {AccessLevel: 40, RequiredApprovals: 2}}) {
		t.Fatal("not set")
	}
	_, jobs := g.run("main")
	g.settle(5 * time.Second)
	d := g.deployment(jobs["deploy"])
	if d.PendingApprovalCount != 3 {
		t.Fatalf("pending %d, want 1 + 2", d.PendingApprovalCount)
	}
	// the maintainer triggered the pipeline; the setting lets it approve
	if _, err := g.sim.ApproveDeployment(g.project.ID, d.ID, g.maintU.ID, "approved", "", ""); err == nil {
		t.Error("the triggerer approved")
	}
	g.sim.SetAllowPipelineTriggerApproveDeployment(g.project.ID, true)
	for _, u := range []int64{g.maintU.ID, g.devU.ID} {
		if _, err := g.sim.ApproveDeployment(g.project.ID, d.ID, u, "approved", "", ""); err != nil {
			t.Fatalf("user %d: %v", u, err)
		}
	}
	if d := g.deployment(jobs["deploy"]); d.PendingApprovalCount != 1 || len(d.Approvals) != 2 {
		t.Errorf("after two approvals: %+v", d)
	}
	wantStatus(t, g.action(jobs["deploy"], "play", g.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	// an administrator passes every rule's check_access: the first rule
	// takes the approval unless represented_as names another
	if a, err := g.sim.ApproveDeployment(g.project.ID, d.ID, g.admin.ID, "approved", "", ""); err != nil || a.RuleID == 0 {
		t.Fatal(a, err)
	}
	wantStatus(t, g.action(jobs["deploy"], "play", g.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	if _, err := g.sim.ApproveDeployment(g.project.ID, d.ID, g.admin.ID, "approved", "", "Maintainers"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, g.action(jobs["deploy"], "play", g.maint), 200, "")
}
