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

// BenchmarkP2Wait (make bench, BENCHMARKS.md): waiting for a job that runs
// 5 minutes. The simulator's runner picks the pending job up after 1 s and
// runs it for 5 min on a gitlabsim.Clock; the provider's poller (the one
// the job action resources use, through waitForJob, over HTTP to the
// simulator) sleeps by advancing that clock, so no real time passes.
//
// Reported: requests (GET job while waiting, the first poll included;
// goal ≤ 20), lag_s (the wait's return on the clock minus the job's
// finished_at; goal ≤ one poll interval), interval_s (the interval before
// the poll that saw the job finished), job_s (the job's queue and run time).
//
// poller=provider is the provider's poller as configured (defaultPoller:
// 1 s growing ×1.5 to 15 s). The other rows are what-ifs with other caps,
// measured the same way, to size a change; they are not the provider's.
func BenchmarkP2Wait(b *testing.B) {
	variants := []struct {
		name string
		edit func(*poller)
	}{
		{"provider", func(*poller) {}},
		{"what-if_max=20s", func(p *poller) { p.max = 20 * time.Second }},
		{"what-if_max=30s", func(p *poller) { p.max = 30 * time.Second }},
	}
	for _, v := range variants {
		b.Run(fmt.Sprintf("job=5m/poller=%s", v.name), func(b *testing.B) {
			var r waitRun
			for range b.N {
				r = runWait(b, 5*time.Minute, v.edit)
			}
			p := defaultPoller()
			v.edit(&p)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(r.requests), "requests")
			b.ReportMetric(r.lag.Seconds(), "lag_s")
			b.ReportMetric(r.lastInterval.Seconds(), "interval_s")
			b.ReportMetric(p.max.Seconds(), "max_interval_s")
			b.ReportMetric(r.job.Seconds(), "job_s")
			b.ReportMetric(float64(r.wall.Microseconds())/1000, "real_ms")
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
