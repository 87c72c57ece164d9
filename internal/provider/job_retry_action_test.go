package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestJobRetryAction: retrying a failed job creates and waits for a new
// job; a running job fails the plan.
func TestJobRetryAction(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	failed := e.job(gitlabsim.JobSpec{Name: "unit", Stage: "test", Status: "failed"})
	requireNoDiags(t, "PlanAction", e.plan("gitlabjobs_job_retry", failed, nil))
	inv := e.invoke("gitlabjobs_job_retry", failed, nil)
	requireNoDiags(t, "InvokeAction", inv.diags)
	if n := e.sim.ActionCount(failed, gitlabsim.ActionRetry); n != 1 {
		t.Fatalf("retried %d times, want 1", n)
	}
	ids := e.sim.PipelineJobIDs(mustJob(t, e.sim, failed).PipelineID)
	retried := ids[len(ids)-1]
	if retried == failed {
		t.Fatal("no new job")
	}
	requireProgress(t, inv.progress,
		fmt.Sprintf(`^job %d: success, \d+s$`, retried),
		fmt.Sprintf(`^job %d retried: new job %d: success, http.*/-/jobs/%d$`, failed, retried, retried))

	running := e.job(gitlabsim.JobSpec{Status: "running"})
	requireDiag(t, e.plan("gitlabjobs_job_retry", running, nil), tfprotov6.DiagnosticSeverityError, "^Job cannot be retried$")
}
