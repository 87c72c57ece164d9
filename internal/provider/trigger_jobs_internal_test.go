package provider

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
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

// TestJobRetryAction_bridge: a failed trigger job (strategy:depend) is
// retried once through pipeline_id, and the action waits for the new
// bridge, read from the pipeline's trigger job list, until its new
// downstream pipeline succeeds.
// Without pipeline_id the plan says to set it, and nothing is sent.
func TestJobRetryAction_bridge(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	pl := e.sim.CreatePipeline(e.project.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "deploy-downstream", Stage: "deploy", Status: "failed", Bridge: true,
			Trigger: &gitlabsim.TriggerSpec{Depend: true, Jobs: []gitlabsim.JobSpec{
				{Name: "child", Stage: "deploy", Status: "pending", RunDuration: 200 * time.Millisecond}}}},
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

// TestParseBridgeImportID: the job IDs after the project, or after the
// project and the trigger job's pipeline; anything else names both forms.
func TestParseBridgeImportID(t *testing.T) {
	for _, tc := range []struct {
		id       string
		pipeline int64
		ids      []int64
		err      string
	}{
		{id: "g/app:12:15", ids: []int64{12, 15}},
		{id: "g/app:7:12:15", pipeline: 7, ids: []int64{12, 15}},
		{id: "g/app:12", err: `is not <project>:<job_id>:<new_job_id>, e.g. group/sub/project:123:123, or for a trigger job (bridge) <project>:<pipeline_id>:<job_id>:<new_job_id>`},
		{id: "g/app:1:2:3:4", err: "or for a trigger job (bridge) <project>:<pipeline_id>:<job_id>:<new_job_id>"},
		{id: "g/app:x:12:15", err: `pipeline_id "x" is not a positive number`},
		{id: "g/app:7:0:15", err: `job_id "0" is not a positive number`},
	} {
		project, pipeline, ids, err := parseBridgeImportID(tc.id, "job_id", "new_job_id")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want an error with %q", tc.id, err, tc.err)
			}
			continue
		}
		if err != nil || project.String() != "g/app" || pipeline != tc.pipeline || !slices.Equal(ids, tc.ids) {
			t.Errorf("%q: %v %d %v %v, want g/app %d %v", tc.id, project, pipeline, ids, err, tc.pipeline, tc.ids)
		}
	}
}

// TestCheckBridgePipeline: an import ID's pipeline_id must be the job's
// pipeline; without one nothing is checked.
func TestCheckBridgePipeline(t *testing.T) {
	j := &gitlabclient.Job{ID: 12, Name: "trigger", Pipeline: &gitlabclient.JobPipeline{ID: 7}}
	if d := checkBridgePipeline("g/app:7:12", importFormatPlay, 7, j); d.HasError() {
		t.Errorf("its pipeline: %v", d)
	}
	if d := checkBridgePipeline("g/app:12", importFormatPlay, 0, j); d.HasError() {
		t.Errorf("no pipeline_id: %v", d)
	}
	d := checkBridgePipeline("g/app:8:12", importFormatPlay, 8, j)
	if !d.HasError() || !strings.Contains(d[0].Detail(), `job 12 ("trigger") is in pipeline 7, not 8`) {
		t.Errorf("another pipeline: %v", d)
	}
}
