package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestJobPlayActionWaitsForApproval: the play action's plan warns that the
// deploy job waits for approval; invoked with wait_for_approval, it reports
// the approvals as progress, the release manager approves in the middle,
// and the job is played once.
func TestJobPlayActionWaitsForApproval(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	deploy, deploymentID, managerID := e.blockedDeployJobWithApprover()
	const typ = "gitlabjobs_job_play"
	requireDiag(t, e.plan(typ, deploy, nil), tfprotov6.DiagnosticSeverityWarning, fmt.Sprintf("^Job %d waits for approval$", deploy))
	// Without wait_for_approval: an error, nothing played.
	inv := e.invoke(typ, deploy, nil)
	requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, fmt.Sprintf("^Job %d waits for approval of deployment %d$", deploy, deploymentID))
	if n := e.sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 0 {
		t.Fatalf("played %d times", n)
	}
	reads := e.sim.RequestCount(gitlabsim.RouteDeployment)
	done := make(chan error, 1)
	go func() {
		// Approve once the invocation has read the deployment twice (it waits).
		deadline := time.Now().Add(30 * time.Second)
		for e.sim.RequestCount(gitlabsim.RouteDeployment) < reads+2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		_, err := e.sim.ApproveDeployment(e.project.ID, deploymentID, managerID, "approved", "", "")
		done <- err
	}()
	inv = e.invoke(typ, deploy, map[string]tftypes.Value{"wait_for_approval": tftypes.NewValue(tftypes.String, "1m")})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	requireNoDiags(t, "InvokeAction", inv.diags)
	requireProgress(t, inv.progress,
		fmt.Sprintf(`^job %d waits for approval of deployment %d \(production\): 0 of 1 approvals; waiting for: Maintainers \(1 more\)$`, deploy, deploymentID),
		fmt.Sprintf(`^deployment %d \(production\) approved: 1 of 1 approvals$`, deploymentID),
		fmt.Sprintf(`^played job %d: success`, deploy))
	if n := e.sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}
}
