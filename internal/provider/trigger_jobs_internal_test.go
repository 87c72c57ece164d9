package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestJobPlayAction_bridge: the play action plays a manual trigger job given
// its pipeline_id, once, and waits for it; without pipeline_id the plan
// fails (GitLab's single-job read does not find a bridge) and nothing is
// sent.
func TestJobPlayAction_bridge(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	pl := e.sim.CreatePipeline(e.project.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "trigger", Stage: "deploy", Status: "manual", Bridge: true}}})
	bridge := pl.JobIDs[0]
	requireDiag(t, e.plan("gitlabjobs_job_play", bridge, nil), tfprotov6.DiagnosticSeverityError, "^GitLab job not found$")
	withPipeline := map[string]tftypes.Value{"pipeline_id": tftypes.NewValue(tftypes.Number, pl.ID)}
	requireNoDiags(t, "PlanAction", e.plan("gitlabjobs_job_play", bridge, withPipeline))
	inv := e.invoke("gitlabjobs_job_play", bridge, withPipeline)
	requireNoDiags(t, "InvokeAction", inv.diags)
	requireProgress(t, inv.progress, fmt.Sprintf(`^job %d: success, \d+s$`, bridge), fmt.Sprintf(`^played job %d: success, http`, bridge))
	if n := e.sim.ActionCount(bridge, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}
}
