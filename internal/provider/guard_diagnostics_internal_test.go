package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The wait asks what a job in waiting_for_resource waits for once per
// stretch of waiting (not at every poll) and says it on a timeout.
func TestWaitNamesWhatAJobWaitsFor(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := clock.poller()
	asked := 0
	p.waiting = func(_ context.Context, j *gitlabclient.Job) string {
		asked++
		return "job 42 waits for the resource group \"production\", held by job 7"
	}
	var notes []string
	p.note = func(_ context.Context, msg string) { notes = append(notes, msg) }
	job, err := p.wait(context.Background(), 42, waitFinished,
		statusSequence("waiting_for_resource", "waiting_for_resource", "pending", "waiting_for_resource", "success"))
	if err != nil || job.Status != "success" {
		t.Fatalf("wait: %v %v", job, err)
	}
	if asked != 2 || len(notes) != 2 {
		t.Errorf("asked %d times, %d notes, want 2 (each time the job turned waiting_for_resource)", asked, len(notes))
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	_, err = p.wait(ctx, 42, waitFinished, statusSequence("waiting_for_resource"))
	var timeout *waitTimeoutError
	if !errors.As(err, &timeout) || !strings.Contains(err.Error(), `still waiting_for_resource: job 42 waits for the resource group "production", held by job 7`) {
		t.Errorf("timeout: %v", err)
	}
}

func TestDescribeAccess(t *testing.T) {
	forty, uid := 40, int64(7)
	got := describeAccess([]gitlabclient.AccessLevel{
		{AccessLevel: &forty, AccessLevelDescription: "Maintainers"},
		{UserID: &uid, AccessLevelDescription: "Release Bot"},
		{AccessLevel: &forty},
	})
	if got != "Maintainers, user Release Bot (ID 7), Maintainers" {
		t.Errorf("describeAccess = %q", got)
	}
	if describeAccess(nil) != "no one" {
		t.Error("no access levels")
	}
}

func TestAccessGroups(t *testing.T) {
	forty, gid, other := 40, int64(9), int64(12)
	got := accessGroups(
		[]gitlabclient.AccessLevel{{AccessLevel: &forty, AccessLevelDescription: "Maintainers"},
			{GroupID: &gid, AccessLevelDescription: "Release team"}},
		[]gitlabclient.AccessLevel{{GroupID: &other}})
	if got != "Release team, ID 9; ID 12" {
		t.Errorf("accessGroups = %q", got)
	}
	if accessGroups([]gitlabclient.AccessLevel{{AccessLevel: &forty}}) != "" {
		t.Error("groups named without any")
	}
}

// TestJobPlayAction_waitsForTheResourceGroup: a played deploy that waits
// for the resource group another deploy holds says so as a progress
// message, then runs; it is played once.
func TestJobPlayAction_waitsForTheResourceGroup(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	if err := e.sim.SetCIConfig(e.project.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "deploy", Stage: "deploy", When: "manual", ResourceGroup: "production", RunDuration: "1s"}}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/api/v4/projects/%d/pipeline?ref=main", e.project.ID), nil)
		req.Header.Set("PRIVATE-TOKEN", e.sim.AdminToken())
		rec := httptest.NewRecorder()
		e.sim.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			t.Fatalf("creating a pipeline: %d %s", rec.Code, rec.Body)
		}
	}
	var deploys []int64
	for _, pl := range e.sim.CreatedPipelines(e.project.ID) {
		deploys = append(deploys, e.sim.PipelineJobIDs(pl)[0])
	}
	if err := e.sim.PlayJob(deploys[0], nil); err != nil {
		t.Fatal(err)
	}
	inv := e.invoke("gitlabjobs_job_play", deploys[1], nil)
	requireNoDiags(t, "InvokeAction", inv.diags)
	requireProgress(t, inv.progress,
		fmt.Sprintf(`^job %d: waiting_for_resource, \d+s$`, deploys[1]),
		fmt.Sprintf(`^job %d waits for the resource group "production" \(process mode unordered; 1 of 1 upcoming jobs\), held by job %d \(deploy, (pending|running), pipeline \d+\)$`, deploys[1], deploys[0]),
		fmt.Sprintf(`^job %d: success, \d+s$`, deploys[1]))
	if n := e.sim.ActionCount(deploys[1], gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}
}
