package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestListsFollowChanges: the lists read indexes, a cached pipeline status
// and cached list sizes (index.go); every change to a job — an action, the
// runner, the out-of-band calls — shows in the next page. (The package's
// tests also check every index, status and size served against the store.)
func TestListsFollowChanges(t *testing.T) {
	a := newActs(t, gitlabsim.Options{RunnerPickupDelay: time.Second, RunDuration: 3 * time.Second})
	type row struct {
		ID       int64  `json:"id"`
		Status   string `json:"status"`
		Pipeline struct {
			Status string `json:"status"`
		} `json:"pipeline"`
	}
	pre := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "pre", Status: "success", ID: 100}}})
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "build", Status: "success"},
		{Name: "deploy", Status: "manual"},
		{Name: "fixed-id", Status: "success", ID: 50}, // a lower ID than the jobs before: inserted in ID order
	}})
	build, deploy := pl.JobIDs[0], pl.JobIDs[1]
	projectPage := func() []row {
		t.Helper()
		r := a.get(fmt.Sprintf("/api/v4/projects/%d/jobs?per_page=3", a.proj.ID), "PRIVATE-TOKEN", a.maint)
		wantStatus(t, r, 200, "")
		var rows []row
		decode(t, r, &rows)
		return rows
	}
	pipelinePage := func(query string) ([]row, string) {
		t.Helper()
		r := a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs%s", a.proj.ID, pl.ID, query), "PRIVATE-TOKEN", a.maint)
		wantStatus(t, r, 200, "")
		var rows []row
		decode(t, r, &rows)
		return rows, r.header.Get("X-Total")
	}
	want := func(what string, rows []row, total, wantTotal string, wantRows ...row) {
		t.Helper()
		if !slices.Equal(rows, wantRows) || total != wantTotal {
			t.Errorf("%s: %+v (X-Total %q), want %+v (X-Total %q)", what, rows, total, wantRows, wantTotal)
		}
	}
	r := func(id int64, status, pipeline string) row {
		x := row{ID: id, Status: status}
		x.Pipeline.Status = pipeline
		return x
	}

	rows, total := pipelinePage("")
	want("created", rows, total, "3", r(deploy, "manual", "manual"), r(build, "success", "manual"), r(50, "success", "manual"))
	want("project jobs", projectPage(), "", "", r(deploy, "manual", "manual"), r(build, "success", "manual"), r(100, "success", "success"))

	wantStatus(t, a.do(deploy, "play", a.dev), 200, "")
	rows, total = pipelinePage("")
	want("played", rows, total, "3", r(deploy, "pending", "running"), r(build, "success", "running"), r(50, "success", "running"))

	a.clock.Advance(4 * time.Second) // picked up after 1 s, done 3 s later
	rows, total = pipelinePage("?per_page=1")
	want("the runner finished it", rows, total, "3", r(deploy, "success", "success"))

	retried := deploy
	wantStatus(t, a.do(deploy, "retry", a.dev), 201, "")
	deploy = a.sim.PipelineJobIDs(pl.ID)[3]
	rows, total = pipelinePage("?per_page=2")
	want("retried", rows, total, "3", r(deploy, "pending", "running"), r(build, "success", "running"))
	rows, total = pipelinePage("?include_retried=true&per_page=2")
	want("retried, with retried jobs", rows, total, "4", r(deploy, "pending", "running"), r(retried, "success", "running"))
	want("project jobs after the retry", projectPage(), "", "",
		r(deploy, "pending", "running"), r(retried, "success", "running"), r(build, "success", "running"))

	if err := a.sim.CancelJob(deploy); err != nil {
		t.Fatal(err)
	}
	rows, total = pipelinePage("?per_page=1")
	want("canceled out of band", rows, total, "3", r(deploy, "canceled", "canceled"))

	if err := a.sim.SetJobStatus(build, "failed"); err != nil {
		t.Fatal(err)
	}
	if err := a.sim.DeleteJob(deploy); err != nil {
		t.Fatal(err)
	}
	rows, total = pipelinePage("")
	want("deleted one, failed another", rows, total, "2", r(build, "failed", "failed"), r(50, "success", "failed"))
	rows, total = pipelinePage("?scope=success")
	want("scoped", rows, total, "1", r(50, "success", "failed"))

	if err := a.sim.DeletePipeline(pl.ID); err != nil {
		t.Fatal(err)
	}
	want("pipeline deleted", projectPage(), "", "", r(pre.JobIDs[0], "success", "success"), r(a.plain, "success", "running"),
		r(a.delayed, "scheduled", "running"))
	a.allChecked()
}

func decode(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
}
