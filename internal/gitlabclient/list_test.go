package gitlabclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The list endpoints, against the simulator.

type simEnv struct {
	sim    *gitlabsim.Sim
	client *gitlabclient.Client
	admin  int64
	config gitlabclient.Config // the client's, for another client (a new provider process)
}

func newSimEnv(t *testing.T) simEnv {
	t.Helper()
	sim := gitlabsim.New(gitlabsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "t", Scopes: []string{"api"}})
	cfg := gitlabclient.Config{BaseURL: srv.URL, Token: token}
	c, err := gitlabclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return simEnv{sim: sim, client: c, admin: admin.ID, config: cfg}
}

func TestListProjectJobsKeysetPages(t *testing.T) {
	e := newSimEnv(t)
	p := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/sub/p", Members: map[int64]int{e.admin: 40}})
	var want []int64
	for range 5 {
		var jobs []gitlabsim.JobSpec
		for i := range 50 {
			status := "success"
			if i%10 == 0 {
				status = "failed"
			}
			jobs = append(jobs, gitlabsim.JobSpec{Name: fmt.Sprintf("shard-%d", i), Status: status})
		}
		want = append(want, e.sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: jobs}).JobIDs...)
	}
	slices.Reverse(want)

	var got []int64
	requests, err := e.client.ListProjectJobs(context.Background(), "g/sub/p", nil, func(j *gitlabclient.Job) bool {
		got = append(got, j.ID)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %d jobs, want all %d newest first", len(got), len(want))
	}
	if requests != 3 {
		t.Errorf("250 jobs took %d requests, want ceil(250/100) = 3", requests)
	}

	// Stopping early stops paging.
	got = nil
	requests, err = e.client.ListProjectJobs(context.Background(), fmt.Sprint(p.ID), nil, func(j *gitlabclient.Job) bool {
		got = append(got, j.ID)
		return len(got) < 120
	})
	if err != nil || len(got) != 120 || requests != 2 {
		t.Errorf("early stop: %d jobs, %d requests, err %v; want 120 jobs in 2 requests", len(got), requests, err)
	}

	// The scope is sent as scope[] and filtered by GitLab.
	got = nil
	if _, err := e.client.ListProjectJobs(context.Background(), "g/sub/p", []string{"failed"}, func(j *gitlabclient.Job) bool {
		if j.Status != "failed" {
			t.Errorf("job %d has status %s in a failed-only listing", j.ID, j.Status)
		}
		got = append(got, j.ID)
		return true
	}); err != nil || len(got) != 25 {
		t.Errorf("failed scope: %d jobs, err %v; want 25", len(got), err)
	}

	if _, err := e.client.ListProjectJobs(context.Background(), "g/sub/missing", nil, func(*gitlabclient.Job) bool { return true }); !gitlabclient.IsNotFound(err) {
		t.Errorf("missing project: got %v, want a 404", err)
	}
}

func TestListPipelineJobsAndBridges(t *testing.T) {
	e := newSimEnv(t)
	p := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/p", Members: map[int64]int{e.admin: 40}})
	down := e.sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "child", Status: "running"}}})
	var jobs []gitlabsim.JobSpec
	for i := range 130 {
		jobs = append(jobs, gitlabsim.JobSpec{Name: fmt.Sprintf("j%d", i), Status: "success"})
	}
	jobs = append(jobs,
		gitlabsim.JobSpec{Name: "bridge-done", Status: "success", Bridge: true, DownstreamPipelineID: down.ID},
		gitlabsim.JobSpec{Name: "bridge-manual", Status: "manual", Bridge: true})
	pl := e.sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: jobs})

	all, err := e.client.ListPipelineJobs(context.Background(), "g/p", pl.ID, nil, false)
	if err != nil || len(all) != 130 {
		t.Fatalf("pipeline jobs over two pages: %d jobs, err %v; want 130", len(all), err)
	}
	bridges, err := e.client.ListPipelineBridges(context.Background(), "g/p", pl.ID, []string{"success"})
	if err != nil || len(bridges) != 1 {
		t.Fatalf("bridges: %d, err %v; want the one successful bridge", len(bridges), err)
	}
	if b := bridges[0]; b.Name != "bridge-done" || b.DownstreamPipeline == nil || b.DownstreamPipeline.ID != down.ID {
		t.Errorf("bridge %+v: want bridge-done with downstream pipeline %d", b, down.ID)
	}
	if _, err := e.client.ListPipelineJobs(context.Background(), "g/p", 999999, nil, false); !gitlabclient.IsNotFound(err) {
		t.Errorf("missing pipeline: got %v, want a 404", err)
	}
	if _, err := e.client.ListPipelineJobs(context.Background(), "g/p", 0, nil, false); err == nil {
		t.Error("pipeline ID 0 must be refused before any request")
	}
}

func TestJobTokenAllowedAgents(t *testing.T) {
	e := newSimEnv(t)
	p := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "a/b/app", Members: map[int64]int{e.admin: 40}})
	cfg := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "a/agents", Members: map[int64]int{e.admin: 40}})
	agent := e.sim.CreateAgentWithConfig(cfg.ID, "prod", map[string]any{"default_namespace": "production"}, p.ID)
	pl := e.sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "deploy", Status: "running"}}})
	srv := httptest.NewServer(e.sim)
	t.Cleanup(srv.Close)
	c, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, JobToken: e.sim.JobToken(pl.JobIDs[0])})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.JobTokenAllowedAgents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.Job.ID != pl.JobIDs[0] || a.Pipeline.ID != pl.ID || a.Project.ID != p.ID || len(a.Project.Groups) != 2 {
		t.Errorf("job/pipeline/project: %+v", a)
	}
	if len(a.AllowedAgents) != 1 || a.AllowedAgents[0].ID != agent || a.AllowedAgents[0].ConfigProject.PathWithNamespace != "a/agents" {
		t.Fatalf("allowed agents: %+v", a.AllowedAgents)
	}
	var config map[string]any
	if err := json.Unmarshal(a.AllowedAgents[0].Configuration, &config); err != nil || config["default_namespace"] != "production" || len(config) != 1 {
		t.Errorf("configuration %s (%v), want {\"default_namespace\":\"production\"}", a.AllowedAgents[0].Configuration, err)
	}
	// The job's user is the admin, a Maintainer of the project.
	if u := a.User; u == nil || u.ID != e.admin || u.Username == "" ||
		!slices.Equal(u.RolesInProject, []string{"guest", "planner", "reporter", "developer", "maintainer"}) {
		t.Errorf("user: %+v", a.User)
	}
}

// ListPipelineBridges reads trigger_jobs (GitLab 19.2); a GitLab without
// that route (the catch-all's {"error":"404 Not Found"}) is asked /bridges,
// and from then on only /bridges. A 404 of a missing pipeline or project
// ({"message": ...}) is GitLab's answer, not a missing route: no fallback.
func TestListPipelineBridgesTriggerJobsAndFallback(t *testing.T) {
	const (
		triggerJobs = gitlabsim.RouteTriggerJobs
		bridges     = "GET /api/v4/projects/{id}/pipelines/{pipeline_id}/bridges"
	)
	for _, old := range []bool{false, true} {
		sim := gitlabsim.New(gitlabsim.Options{WithoutTriggerJobs: old})
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
		c, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL,
			Token: sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Scopes: []string{"api"}})})
		if err != nil {
			t.Fatal(err)
		}
		p := sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/app", Members: map[int64]int{admin.ID: 40}})
		pl := sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
			{Name: "build", Status: "success"}, {Name: "deploy", Status: "manual", Bridge: true}}})
		ctx := context.Background()

		// A missing pipeline or project: GitLab's 404, no other request.
		if !old {
			for _, tt := range []struct {
				project  string
				pipeline int64
				want     string
			}{{"g/app", 999999, "404 Not found"}, {"g/none", pl.ID, "404 Project Not Found"}} {
				_, err := c.ListPipelineBridges(ctx, tt.project, tt.pipeline, nil)
				if !gitlabclient.IsNotFound(err) || gitlabclient.RouteNotFound(err) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s pipeline %d: %v, want %q", tt.project, tt.pipeline, err, tt.want)
				}
			}
			if sim.RequestCount(triggerJobs) != 2 || sim.RequestCount(bridges) != 0 {
				t.Errorf("missing pipeline and project: %d trigger_jobs and %d bridges requests, want 2 and 0",
					sim.RequestCount(triggerJobs), sim.RequestCount(bridges))
			}
		}
		tjRoute := triggerJobs
		if old {
			tjRoute = "/" // no such route: GitLab's catch-all answers
		}
		before := sim.RequestCount(tjRoute)
		for range 2 {
			got, err := c.ListPipelineBridges(ctx, "g/app", pl.ID, nil)
			if err != nil || len(got) != 1 || got[0].ID != pl.JobIDs[1] {
				t.Fatalf("old GitLab %v: %+v, %v", old, got, err)
			}
		}
		tj, br := sim.RequestCount(tjRoute)-before, sim.RequestCount(bridges)
		if old && (tj != 1 || br != 2) {
			t.Errorf("old GitLab: %d trigger_jobs and %d bridges requests, want 1 and 2", tj, br)
		}
		if !old && (tj != 2 || br != 0) {
			t.Errorf("GitLab 19.2: %d trigger_jobs and %d bridges requests, want 2 and 0", tj, br)
		}
		if old {
			// After the fallback, a missing pipeline is /bridges' 404.
			if _, err := c.ListPipelineBridges(ctx, "g/app", 999999, nil); !gitlabclient.IsNotFound(err) || !strings.Contains(err.Error(), "/bridges: 404 Not found") {
				t.Errorf("old GitLab, missing pipeline: %v", err)
			}
		}
	}
}

// GetJob reads a tracked trigger job (TrackBridge) from its pipeline's list,
// as GitLab's single-job read finds builds only; an untracked bridge, or one
// tracked with the wrong pipeline, is GitLab's 404.
func TestGetJobOfATrackedBridge(t *testing.T) {
	e := newSimEnv(t)
	p := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/bridges", Members: map[int64]int{e.admin: 40}})
	pl := e.sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "build", Status: "success"}, {Name: "trigger", Stage: "deploy", Status: "manual", Bridge: true}}})
	other := e.sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "x", Status: "success"}}})
	bridge := pl.JobIDs[1]
	ctx := context.Background()
	if _, err := e.client.GetJob(ctx, "g/bridges", bridge); !gitlabclient.IsNotFound(err) {
		t.Fatalf("untracked bridge: %v, want GitLab's 404", err)
	}
	e.client.TrackBridge(bridge, other.ID)
	if _, err := e.client.GetJob(ctx, "g/bridges", bridge); !gitlabclient.IsNotFound(err) {
		t.Fatalf("bridge tracked in the wrong pipeline: %v, want GitLab's 404", err)
	}
	e.client.TrackBridge(bridge, pl.ID)
	j, err := e.client.GetJob(ctx, "g/bridges", bridge)
	if err != nil || j.ID != bridge || j.Name != "trigger" || j.Status != "manual" || j.Pipeline == nil || j.Pipeline.ID != pl.ID {
		t.Fatalf("tracked bridge: %+v, %v", j, err)
	}
	// A build is still read directly.
	if j, err := e.client.GetJob(ctx, "g/bridges", pl.JobIDs[0]); err != nil || j.ID != pl.JobIDs[0] {
		t.Errorf("build: %+v, %v", j, err)
	}
}

// A tracked trigger job that was retried has left its pipeline's list (the
// newest runs): GetJob reads it among the retried ones (include_retried),
// also in a client that never saw it before; the retry's new run is tracked
// by RetryJob, and ListRunsOf looks in the trigger job list for a bridge.
func TestGetJobOfARetriedBridge(t *testing.T) {
	e := newSimEnv(t)
	p := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/retried", Members: map[int64]int{e.admin: 40}})
	pl := e.sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "build", Status: "success"}, {Name: "trigger", Stage: "deploy", Status: "failed", Bridge: true}}})
	bridge := pl.JobIDs[1]
	ctx := context.Background()
	e.client.TrackBridge(bridge, pl.ID)
	if _, err := e.client.GetJob(ctx, "g/retried", bridge); err != nil || !e.client.IsBridge(bridge) || e.client.IsBridge(pl.JobIDs[0]) {
		t.Fatalf("tracked bridge: %v, IsBridge %v", err, e.client.IsBridge(bridge))
	}
	retried, err := e.client.RetryJob(ctx, "g/retried", bridge)
	if err != nil || retried.ID == bridge {
		t.Fatalf("retry: %+v, %v", retried, err)
	}
	if j, err := e.client.GetJob(ctx, "g/retried", retried.ID); err != nil || j.ID != retried.ID || j.Name != "trigger" {
		t.Fatalf("the new run, tracked by RetryJob: %+v, %v", j, err)
	}
	fresh, err := gitlabclient.New(e.config)
	if err != nil {
		t.Fatal(err)
	}
	fresh.TrackBridge(bridge, pl.ID)
	j, err := fresh.GetJob(ctx, "g/retried", bridge)
	if err != nil || j.ID != bridge || j.Status != "failed" {
		t.Fatalf("retried bridge, new client: %+v, %v", j, err)
	}
	runs, err := fresh.ListRunsOf(ctx, "g/retried", j, false)
	if err != nil || len(runs) != 1 || runs[0].ID != retried.ID {
		t.Fatalf("newest runs of the bridge: %v, %v; want the new run %d", runs, err, retried.ID)
	}
	if runs, err := fresh.ListRunsOf(ctx, "g/retried", j, true); err != nil || len(runs) != 2 {
		t.Fatalf("runs of the bridge with retried ones: %v, %v", runs, err)
	}
}
