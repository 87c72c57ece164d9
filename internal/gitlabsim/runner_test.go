package gitlabsim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// A played manual bridge with a trigger: once processed
// (Ci::CreateDownstreamPipelineService) its downstream pipeline exists — a
// child pipeline of its project, or a multi-project pipeline — and the
// bridge lists it as downstream_pipeline; a trigger GitLab cannot follow
// fails the bridge with its failure reason; a retried bridge triggers anew.
func TestPlayBridgeTriggersItsDownstreamPipeline(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	other := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "acts/deploy", Members: map[int64]int{a.devU.ID: gitlabsim.DeveloperAccess}})
	child := []gitlabsim.JobSpec{{Name: "child-deploy", Stage: "deploy", Status: "pending", RunDuration: time.Second}}
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{UserID: a.devU.ID, Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "child", Stage: "deploy", Status: "manual", Bridge: true, Trigger: &gitlabsim.TriggerSpec{Jobs: child}},
		{Name: "multi", Stage: "deploy", Status: "manual", Bridge: true, Trigger: &gitlabsim.TriggerSpec{ProjectID: other.ID, Jobs: child}},
		{Name: "lost", Stage: "deploy", Status: "manual", Bridge: true, Trigger: &gitlabsim.TriggerSpec{ProjectID: 999999, Jobs: child}},
		{Name: "empty", Stage: "deploy", Status: "manual", Bridge: true, Trigger: &gitlabsim.TriggerSpec{}},
	}})
	for _, id := range pl.JobIDs {
		wantStatus(t, a.do(id, "play", a.dev2), 200, "")
	}
	a.clock.Advance(time.Second)
	r := a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/trigger_jobs", a.proj.ID, pl.ID), "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	byName := map[string]map[string]any{}
	for _, b := range listJobs(t, r) {
		byName[b["name"].(string)] = b
	}
	for name, want := range map[string]struct {
		project int64
		source  string
	}{"child": {a.proj.ID, "parent_pipeline"}, "multi": {other.ID, "pipeline"}} {
		b := byName[name]
		dp, _ := b["downstream_pipeline"].(map[string]any)
		if b["status"] != "success" || dp == nil || dp["project_id"] != float64(want.project) || dp["source"] != want.source || dp["ref"] != "main" {
			t.Errorf("%s: status %v, downstream %v", name, b["status"], dp)
			continue
		}
		down := a.sim.PipelineJobIDs(int64(dp["id"].(float64)))
		if len(down) != 1 {
			t.Fatalf("%s: downstream jobs %v", name, down)
		}
		if j := a.snap(down[0]); j.Name != "child-deploy" || j.UserID != a.dev2U.ID {
			t.Errorf("%s: downstream job %+v, want child-deploy run by the player", name, j)
		}
	}
	for name, reason := range map[string]string{"lost": "downstream_bridge_project_not_found", "empty": "downstream_pipeline_creation_failed"} {
		if b := byName[name]; b["status"] != "failed" || b["failure_reason"] != reason || b["downstream_pipeline"] != nil {
			t.Errorf("%s: %v %v %v, want failed with %s", name, b["status"], b["failure_reason"], b["downstream_pipeline"], reason)
		}
	}
	// A retry of the child bridge triggers a new child pipeline.
	first := byName["child"]["downstream_pipeline"].(map[string]any)["id"]
	rr := a.do(pl.JobIDs[0], "retry", a.dev)
	wantStatus(t, rr, 201, "")
	a.clock.Advance(time.Second)
	for _, b := range listJobs(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/bridges", a.proj.ID, pl.ID), "PRIVATE-TOKEN", a.dev)) {
		if b["name"] == "child" {
			if dp, _ := b["downstream_pipeline"].(map[string]any); b["status"] != "success" || dp == nil || dp["id"] == first {
				t.Errorf("retried bridge: %v, downstream %v (the first was %v)", b["status"], dp, first)
			}
		}
	}
	a.allChecked()
}

// TestDependentBridgeFollowsItsDownstreamPipeline: a bridge with
// strategy:depend runs while its downstream pipeline runs and then takes
// its status (Ci::Bridge#inherit_status_from_downstream!); retried, it
// follows its new downstream pipeline.
func TestDependentBridgeFollowsItsDownstreamPipeline(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{UserID: a.devU.ID, Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "ok", Stage: "deploy", Status: "manual", Bridge: true, Trigger: &gitlabsim.TriggerSpec{Depend: true,
			Jobs: []gitlabsim.JobSpec{{Name: "child", Stage: "deploy", Status: "pending", RunDuration: 10 * time.Second}}}},
		{Name: "broken", Stage: "deploy", Status: "manual", Bridge: true, Trigger: &gitlabsim.TriggerSpec{Depend: true,
			Jobs: []gitlabsim.JobSpec{{Name: "child", Stage: "deploy", Status: "pending", Outcome: "failed", RunDuration: 10 * time.Second}}}},
	}})
	ok, broken := pl.JobIDs[0], pl.JobIDs[1]
	for _, id := range pl.JobIDs {
		wantStatus(t, a.do(id, "play", a.dev2), 200, "")
	}
	a.clock.Advance(5 * time.Second)
	if s1, s2 := a.snap(ok).Status, a.snap(broken).Status; s1 != "running" || s2 != "running" {
		t.Fatalf("while the downstream pipelines run: %s, %s, want running", s1, s2)
	}
	a.clock.Advance(10 * time.Second)
	if j := a.snap(ok); j.Status != "success" {
		t.Errorf("ok: %s, want success with its downstream pipeline", j.Status)
	}
	if j := a.snap(broken); j.Status != "failed" {
		t.Errorf("broken: %s, want failed with its downstream pipeline", j.Status)
	}
	// Retried, the failed bridge runs again with a new downstream pipeline.
	rr := a.do(broken, "retry", a.dev)
	wantStatus(t, rr, 201, "")
	ids := a.sim.PipelineJobIDs(pl.ID)
	retried := ids[len(ids)-1]
	a.clock.Advance(5 * time.Second)
	if j := a.snap(retried); j.Status != "running" {
		t.Errorf("retried bridge: %s, want running with its new downstream pipeline", j.Status)
	}
	a.clock.Advance(10 * time.Second)
	if j := a.snap(retried); j.Status != "failed" || j.FailureReason != "unknown_failure" {
		t.Errorf("retried bridge: %s (%s), want failed", j.Status, j.FailureReason)
	}
	a.allChecked()
}
