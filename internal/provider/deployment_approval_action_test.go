package provider

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// blockedDeployJob makes the action test project's production environment
// need one Maintainer's approval, runs a pipeline as a release bot (so that
// the provider's user, an administrator, may approve), and returns its deploy
// job once it waits for approval.
func (e *actionTestEnv) blockedDeployJob() (jobID int64, deploymentID int64) {
	jobID, deploymentID, _ = e.blockedDeployJobWithApprover()
	return jobID, deploymentID
}

// blockedDeployJobWithApprover is blockedDeployJob, and a release manager
// (a Maintainer) who may approve.
func (e *actionTestEnv) blockedDeployJobWithApprover() (jobID int64, deploymentID int64, managerID int64) {
	e.t.Helper()
	bot := e.sim.CreateUser(gitlabsim.UserSpec{Username: "release-bot", Bot: true})
	botToken := e.sim.CreatePersonalAccessToken(bot.ID, gitlabsim.TokenSpec{})
	manager := e.sim.CreateUser(gitlabsim.UserSpec{Username: "release-manager"})
	project := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "release/gate", Members: map[int64]int{bot.ID: 40, manager.ID: 40}})
	if err := e.sim.SetCIConfig(project.ID, gitlabsim.CIConfig{Stages: []string{"build", "deploy"}, Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "build", Stage: "build"},
			{Name: "deploy", Stage: "deploy", When: "manual", Environment: &gitlabsim.CIEnvironment{Name: "production"}}}}); err != nil {
		e.t.Fatal(err)
	}
	e.sim.ProtectEnvironment(project.ID, gitlabsim.ProtectedEnvironmentSpec{Name: "production", AccessLevels: []int{40}})
	e.sim.SetEnvironmentApprovals(project.ID, "production", 0, []gitlabsim.ApprovalRuleSpec{{AccessLevel: 40, RequiredApprovals: 1}})
	e.project = project
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%sprojects/%d/pipeline", e.apiURL, project.ID), strings.NewReader(`{"ref":"main"}`))
	req.Header.Set("PRIVATE-TOKEN", botToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		e.t.Fatalf("creating the pipeline: %v %v", resp, err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, d := range e.sim.Deployments(project.ID) {
			if d.Status == "blocked" && d.PendingApprovalCount > 0 {
				return d.JobID, d.ID, manager.ID
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatal("the deploy job does not wait for approval")
		}
		time.Sleep(50 * time.Millisecond)
		r, _ := http.NewRequest(http.MethodGet, e.apiURL+"user", nil) // drives the simulator's runner
		r.Header.Set("PRIVATE-TOKEN", botToken)
		if resp, err := http.DefaultClient.Do(r); err == nil {
			resp.Body.Close()
		}
	}
}

// TestDeploymentApprovalAction: the action approves once and reports the
// approvals as progress; invoked again, it is refused (already approved)
// without a request; planned again, too.
func TestDeploymentApprovalAction(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	deploy, deploymentID := e.blockedDeployJob()
	const typ = "gitlabjobs_deployment_approval"
	vals := map[string]tftypes.Value{"comment": tftypes.NewValue(tftypes.String, "go")}
	requireNoDiags(t, "PlanAction", e.plan(typ, deploy, vals))
	inv := e.invoke(typ, deploy, vals)
	requireNoDiags(t, "InvokeAction", inv.diags)
	requireProgress(t, inv.progress, fmt.Sprintf(`^deployment %d \(production\): approved by root; 1 of 1 approvals$`, deploymentID))
	if n := e.sim.RequestCount(gitlabsim.RouteDeploymentApproval); n != 1 {
		t.Errorf("%d approval POSTs, want 1", n)
	}
	requireDiag(t, e.plan(typ, deploy, vals), tfprotov6.DiagnosticSeverityError, fmt.Sprintf("^Deployment %d is already approved by root$", deploymentID))
	inv = e.invoke(typ, deploy, vals)
	requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, fmt.Sprintf("^Deployment %d is already approved by root$", deploymentID))
	if n := e.sim.RequestCount(gitlabsim.RouteDeploymentApproval); n != 1 {
		t.Errorf("%d approval POSTs after the second invocation, want 1", n)
	}
	d, _ := e.sim.JobDeployment(deploy)
	if len(d.Approvals) != 1 || d.Approvals[0].Comment != "go" {
		t.Errorf("approvals %+v", d.Approvals)
	}
	// Both job_id and deployment_id: refused before anything is read.
	both := map[string]tftypes.Value{"deployment_id": tftypes.NewValue(tftypes.Number, deploymentID)}
	requireDiag(t, e.plan(typ, deploy, both), tfprotov6.DiagnosticSeverityError, "^Which deployment to approve$")
}
