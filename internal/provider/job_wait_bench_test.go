package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// BenchmarkP2Wait (make bench, BENCHMARKS.md): waiting for jobs that run
// 20 s, 2 min, 5 min and 30 min. The simulator's runner picks the pending
// job up after 1 s and runs it on a gitlabsim.Clock; the provider's poller
// (defaultPoller, the one the job action resources and actions use, through
// waitForJob, over HTTP to the simulator) sleeps by advancing that clock, so
// no real time passes.
//
// Reported: requests (GET job while waiting, the first poll included; goal
// for the 5-minute job ≤ 30), lag_s (the wait's return on the clock minus the
// job's finished_at), lag_goal_s (a fifth of the time waited until the job
// finished, at least 1 s, at most 30 s: lag_s must not exceed it),
// interval_s (the interval before the poll that saw the job finished), job_s
// (the job's queue and run time).
func BenchmarkP2Wait(b *testing.B) {
	for _, d := range []struct {
		name string
		run  time.Duration
	}{{"20s", 20 * time.Second}, {"2m", 2 * time.Minute}, {"5m", 5 * time.Minute}, {"30m", 30 * time.Minute}} {
		b.Run(fmt.Sprintf("job=%s/poller=provider", d.name), func(b *testing.B) {
			var r waitRun
			for range b.N {
				r = runWait(b, d.run, func(*poller) {})
			}
			goal := min(max(r.job/5, time.Second), 30*time.Second)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(r.requests), "requests")
			b.ReportMetric(r.lag.Seconds(), "lag_s")
			b.ReportMetric(goal.Seconds(), "lag_goal_s")
			b.ReportMetric(r.lastInterval.Seconds(), "interval_s")
			b.ReportMetric(r.job.Seconds(), "job_s")
			b.ReportMetric(float64(r.wall.Microseconds())/1000, "real_ms")
			if r.lag > goal {
				b.Errorf("the wait returned %s after the job finished, above its goal %s", r.lag, goal)
			}
		})
	}
}

type waitRun struct {
	requests     int
	lag          time.Duration
	lastInterval time.Duration
	job          time.Duration // queued to finished, on the simulated clock
	wall         time.Duration // real time the wait took
}

func runWait(b *testing.B, run time.Duration, edit func(*poller)) waitRun {
	b.Helper()
	clock := gitlabsim.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	sim := gitlabsim.New(gitlabsim.Options{Now: clock.Now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "bench"})
	proj := sim.CreateProject(gitlabsim.ProjectSpec{Path: "bench/wait", Members: map[int64]int{admin.ID: 40}})
	queued := clock.Now()
	pl := sim.CreatePipeline(proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Status: gitlabsim.StatusPending, RunDuration: run},
	}})
	jobID := pl.JobIDs[0]
	client, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, Token: token})
	if err != nil {
		b.Fatal(err)
	}
	project, err := gitlabclient.ParseProject(proj.PathWithNamespace)
	if err != nil {
		b.Fatal(err)
	}

	var last time.Duration
	poll := defaultPoller()
	edit(&poll)
	poll.now = clock.Now
	poll.sleep = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		last = d
		clock.Advance(d)
		return nil
	}
	const route = "GET /api/v4/projects/{id}/jobs/{job_id}"
	before := sim.RequestCount(route)
	start := time.Now()
	job, err := waitForJob(context.Background(), client, poll, project, jobID, waitFinished)
	wall := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	returned := clock.Now()
	if job.Status != gitlabsim.StatusSuccess || job.FinishedAt == nil {
		b.Fatalf("the wait returned job %d %s (finished_at %v), want it finished with success", job.ID, job.Status, job.FinishedAt)
	}
	return waitRun{
		requests:     sim.RequestCount(route) - before,
		lag:          returned.Sub(*job.FinishedAt),
		lastInterval: last,
		job:          job.FinishedAt.Sub(queued),
		wall:         wall,
	}
}
