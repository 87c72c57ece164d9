package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestJobEraseAction: erasing a finished job; a running job fails the plan.
func TestJobEraseAction(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	done := e.job(gitlabsim.JobSpec{Status: "success", Log: "secret output\n"})
	requireNoDiags(t, "PlanAction", e.plan("gitlabjobs_job_erase", done, nil))
	inv := e.invoke("gitlabjobs_job_erase", done, nil)
	requireNoDiags(t, "InvokeAction", inv.diags)
	requireProgress(t, inv.progress, fmt.Sprintf(`^job %d: erased at \d{4}-\d\d-\d\dT.*Z, http`, done))
	if j := mustJob(t, e.sim, done); j.ErasedAt == nil || j.Log != "" {
		t.Errorf("job not erased: erased_at %v, log %q", j.ErasedAt, j.Log)
	}

	running := e.job(gitlabsim.JobSpec{Status: "running"})
	requireDiag(t, e.plan("gitlabjobs_job_erase", running, nil), tfprotov6.DiagnosticSeverityError, "^Job cannot be erased$")
}
