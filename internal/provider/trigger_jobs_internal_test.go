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

// TestJobRetryAction_bridge: a failed trigger job is retried once through
// pipeline_id, and the action waits for the new bridge, read from the
// pipeline's trigger job list, until its new downstream pipeline succeeds.
// Without pipeline_id the plan says to set it, and nothing is sent.
func TestJobRetryAction_bridge(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	pl := e.sim.CreatePipeline(e.project.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "deploy-downstream", Stage: "deploy", Status: "failed", Bridge: true,
			Trigger: &gitlabsim.TriggerSpec{Jobs: []gitlabsim.JobSpec{{Name: "child", Stage: "deploy", Status: "pending"}}}},
	}})
	bridge := pl.JobIDs[0]
	requireDiag(t, e.plan("gitlabjobs_job_retry", bridge, nil), tfprotov6.DiagnosticSeverityError, "^GitLab job not found$")
	if n := e.sim.RequestCount("POST /api/v4/projects/{id}/jobs/{job_id}/retry"); n != 0 {
		t.Fatalf("%d retry requests without pipeline_id, want 0", n)
	}
	withPipeline := map[string]tftypes.Value{"pipeline_id": tftypes.NewValue(tftypes.Number, pl.ID)}
	requireNoDiags(t, "PlanAction", e.plan("gitlabjobs_job_retry", bridge, withPipeline))
	inv := e.invoke("gitlabjobs_job_retry", bridge, withPipeline)
	requireNoDiags(t, "InvokeAction", inv.diags)
	if n := e.sim.ActionCount(bridge, gitlabsim.ActionRetry); n != 1 {
		t.Fatalf("retried %d times, want 1", n)
	}
	var retried int64
	for _, id := range e.sim.PipelineJobIDs(pl.ID) {
		retried = max(retried, id)
	}
	if j := mustJob(t, e.sim, retried); retried == bridge || j.Name != "deploy-downstream" || j.Status != "success" {
		t.Fatalf("new job %d: %+v, want the bridge's new run, successful", retried, j)
	}
	requireProgress(t, inv.progress,
		fmt.Sprintf(`^job %d: success, \d+s$`, retried),
		fmt.Sprintf(`^job %d retried: new job %d: success, http.*/-/jobs/%d$`, bridge, retried, retried))
}
