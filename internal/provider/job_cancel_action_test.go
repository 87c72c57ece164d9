package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestJobCancelAction: canceling a running job waits until it is canceled;
// a finished job is left alone with a warning and no request.
func TestJobCancelAction(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	running := e.job(gitlabsim.JobSpec{Status: "running"})
	requireNoDiags(t, "PlanAction", e.plan("gitlabjobs_job_cancel", running, nil))
	inv := e.invoke("gitlabjobs_job_cancel", running, nil)
	requireNoDiags(t, "InvokeAction", inv.diags)
	requireProgress(t, inv.progress, fmt.Sprintf(`^job %d: canceled, \d+s$`, running), fmt.Sprintf(`^job %d: canceled, http`, running))
	if n := e.sim.ActionCount(running, gitlabsim.ActionCancel); n != 1 {
		t.Errorf("canceled %d times, want 1", n)
	}

	done := e.job(gitlabsim.JobSpec{Status: "success"})
	inv = e.invoke("gitlabjobs_job_cancel", done, nil)
	requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityWarning, fmt.Sprintf("^Job %d has already finished$", done))
	if n := e.sim.ActionCount(done, gitlabsim.ActionCancel); n != 0 {
		t.Errorf("canceled a finished job %d times", n)
	}

	// force ends a job stuck in canceling with one force-cancel.
	stuck := e.job(gitlabsim.JobSpec{Status: "canceling", Stuck: true})
	inv = e.invoke("gitlabjobs_job_cancel", stuck, map[string]tftypes.Value{"force": tftypes.NewValue(tftypes.Bool, true)})
	requireNoDiags(t, "InvokeAction", inv.diags)
	if j, _ := e.sim.Job(stuck); j.Status != "canceled" {
		t.Errorf("force: job is %s, want canceled", j.Status)
	}
	if n := e.sim.ActionCount(stuck, gitlabsim.ActionCancel); n != 1 {
		t.Errorf("force-canceled %d times, want 1", n)
	}
}
