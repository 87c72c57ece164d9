package gitlabclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The client against the simulator's fault injection (gitlabsim/faults.go):
// the job actions stay applied at most once and are never reported wrongly,
// and reads retry through 5xx, 429 and resets, waiting as GitLab asks.

const (
	routePlay     = "POST /api/v4/projects/{id}/jobs/{job_id}/play"
	routeRetry    = "POST /api/v4/projects/{id}/jobs/{job_id}/retry"
	routeCancel   = "POST /api/v4/projects/{id}/jobs/{job_id}/cancel"
	routeErase    = "POST /api/v4/projects/{id}/jobs/{job_id}/erase"
	routeGetJob   = "GET /api/v4/projects/{id}/jobs/{job_id}"
	routeProjJobs = "GET /api/v4/projects/{id}/jobs"
	routePlJobs   = "GET /api/v4/projects/{id}/pipelines/{pipeline_id}/jobs"
	faultProject  = "faults/app"
)

// simWorld is a simulator behind an HTTP server, with a project, a
// maintainer's api token and a client of the test configuration.
type simWorld struct {
	sim    *gitlabsim.Sim
	srv    *httptest.Server
	client *gitlabclient.Client
	projID int64
	userID int64
}

func newSimWorld(t *testing.T, opts gitlabsim.Options) *simWorld {
	t.Helper()
	w := &simWorld{sim: gitlabsim.New(opts)}
	u := w.sim.CreateUser(gitlabsim.UserSpec{Username: "maintainer"})
	w.userID = u.ID
	tok := w.sim.CreatePersonalAccessToken(u.ID, gitlabsim.TokenSpec{})
	w.projID = w.sim.CreateProject(gitlabsim.ProjectSpec{Path: faultProject, Members: map[int64]int{u.ID: gitlabsim.MaintainerAccess}}).ID
	w.srv = httptest.NewUnstartedServer(w.sim)
	w.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	w.srv.Start()
	t.Cleanup(w.srv.Close)
	c, err := gitlabclient.New(gitlabclient.Config{
		BaseURL: w.srv.URL, Token: tok, Retries: 3,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.client = c
	return w
}

// simOp is one action on a job fresh for it.
type simOp struct {
	action   string // gitlabsim.ActionPlay, ...
	job      int64
	pipeline int64
	vars     []gitlabclient.Variable
	got      *gitlabclient.Job
	err      error
}

// faultMix is the faults of the action test: on the action endpoints, 5xx
// before and after applying, resets before and after applying, 429s with a
// Retry-After of 0 or (rarely) 1 second, and latency; on the reads the
// actions make to find out what happened, 5xx, resets, 429s and latency.
func faultMix() []gitlabsim.Fault {
	var fs []gitlabsim.Fault
	for _, route := range []string{routePlay, routeRetry, routeCancel, routeErase} {
		fs = append(fs,
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatus, Status: 500, Probability: 0.04},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatus, Status: 502, Probability: 0.04},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatus, Status: 503, Probability: 0.04},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatusAfter, Status: 500, Probability: 0.03},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatusAfter, Status: 502, Probability: 0.05},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatusAfter, Status: 503, Probability: 0.03},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultResetAfter, Probability: 0.07},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultReset, Probability: 0.03},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultRateLimited, Probability: 0.05},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultRateLimited, RetryAfter: time.Second, Probability: 0.004},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultLatency, Latency: 2 * time.Millisecond, Probability: 0.2},
		)
	}
	for _, route := range []string{routeGetJob, routePlJobs} {
		fs = append(fs,
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatus, Status: 500, Probability: 0.03},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatus, Status: 502, Probability: 0.03},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatus, Status: 503, Probability: 0.03},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultReset, Probability: 0.03},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultRateLimited, Probability: 0.03},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultRateLimited, RetryAfter: time.Second, Probability: 0.002},
			gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultLatency, Latency: time.Millisecond, Probability: 0.2},
		)
	}
	return fs
}

// TestJobActionsUnderSimulatorFaults plays, retries, cancels and erases
// fresh jobs of the simulator, one after another, under random faults from
// a fixed seed. No action may be applied twice (the simulator's count, and
// the jobs of each pipeline: a retry adds one job at most), none reported
// as done unless applied exactly once with the right job returned, none
// reported as failed (other than "unknown outcome") when it was applied.
func TestJobActionsUnderSimulatorFaults(t *testing.T) {
	const pipelines = 125 // four operations each
	seed := int64(20260501)
	if s := os.Getenv("GITLABJOBS_FAULT_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (set GITLABJOBS_FAULT_SEED to run another)", seed)

	// The runner is off: a played or retried job stays pending, so the
	// re-reads after a fault see it as the action left it.
	w := newSimWorld(t, gitlabsim.Options{FaultSeed: seed, RunnerDisabled: true})
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	var ops []*simOp
	for range pipelines {
		pl := w.sim.CreatePipeline(w.projID, gitlabsim.PipelineSpec{UserID: w.userID, Jobs: []gitlabsim.JobSpec{
			{Name: "deploy", Stage: "deploy", Status: "manual"},
			{Name: "test", Stage: "test", Status: "failed", Log: "FAIL\n"},
			{Name: "e2e", Stage: "test", Status: "running", Stuck: true},
			{Name: "build", Stage: "build", Status: "success", Log: "built\n",
				Artifacts: []gitlabsim.ArtifactSpec{{FileType: "archive", Filename: "artifacts.zip", FileFormat: "zip", Size: 10}}},
		}})
		play := &simOp{action: gitlabsim.ActionPlay, job: pl.JobIDs[0], pipeline: pl.ID}
		if rng.IntN(3) == 0 {
			play.vars = []gitlabclient.Variable{{Key: "RUN", Value: strconv.Itoa(rng.IntN(1000))}}
		}
		ops = append(ops, play,
			&simOp{action: gitlabsim.ActionRetry, job: pl.JobIDs[1], pipeline: pl.ID},
			&simOp{action: gitlabsim.ActionCancel, job: pl.JobIDs[2], pipeline: pl.ID},
			&simOp{action: gitlabsim.ActionErase, job: pl.JobIDs[3], pipeline: pl.ID})
	}
	rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
	for _, f := range faultMix() {
		w.sim.InjectFault(f)
	}

	start := time.Now()
	for _, op := range ops {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c := w.client
		switch op.action {
		case gitlabsim.ActionPlay:
			op.got, op.err = c.PlayJob(ctx, faultProject, op.job, op.vars)
		case gitlabsim.ActionRetry:
			op.got, op.err = c.RetryJob(ctx, faultProject, op.job)
		case gitlabsim.ActionCancel:
			op.got, op.err = c.CancelJob(ctx, faultProject, op.job)
		case gitlabsim.ActionErase:
			op.got, op.err = c.EraseJob(ctx, faultProject, op.job)
		}
		cancel()
	}
	elapsed := time.Since(start)
	w.sim.ClearFaults()

	var duplicates, lost, errs, unknown int
	for _, op := range ops {
		applied := w.sim.ActionCount(op.job, op.action)
		if applied > 1 {
			duplicates++
			t.Errorf("%s of job %d applied %d times", op.action, op.job, applied)
		}
		if op.err != nil {
			t.Logf("%s of job %d (applied %d times): %v", op.action, op.job, applied, op.err)
		}
		var u *gitlabclient.UnknownOutcomeError
		var apiErr *gitlabclient.APIError
		switch {
		case op.err == nil:
			if applied != 1 || !rightAnswer(w.sim, op) {
				lost++
				t.Errorf("%s of job %d reported done, applied %d times, returned %+v", op.action, op.job, applied, op.got)
			}
		case errors.As(op.err, &u):
			errs++
			unknown++
			if u.Action != op.action || u.JobID != op.job {
				lost++
				t.Errorf("%s of job %d: unknown outcome about another action: %v", op.action, op.job, op.err)
			}
		case errors.As(op.err, &apiErr):
			errs++
			// A definite failure: nothing may have been applied.
			if applied != 0 {
				lost++
				t.Errorf("%s of job %d failed (%v), yet was applied %d times", op.action, op.job, op.err, applied)
			}
		default:
			errs++
			lost++
			t.Errorf("%s of job %d: an error that is neither GitLab's answer nor an unknown outcome: %v", op.action, op.job, op.err)
		}
		if op.action == gitlabsim.ActionPlay && applied == 1 && op.vars != nil {
			got := w.sim.JobVariables(op.job)
			if len(got) != 1 || got[0].Key != op.vars[0].Key || got[0].Value != op.vars[0].Value {
				t.Errorf("play of job %d: variables %+v, want %+v", op.job, got, op.vars)
			}
		}
	}
	// Jobs per pipeline: four, plus one when the retry was applied; a play
	// of a manual job adds none.
	seen := map[int64]bool{}
	for _, op := range ops {
		if seen[op.pipeline] {
			continue
		}
		seen[op.pipeline] = true
		ids := w.sim.PipelineJobIDs(op.pipeline)
		retries := w.sim.ActionCount(ids[1], gitlabsim.ActionRetry)
		if added := len(ids) - 4; added > 1 || added != retries || w.sim.ActionCount(ids[0], gitlabsim.ActionRetry) != 0 {
			duplicates++
			t.Errorf("pipeline %d: %d jobs for %d applied retries", op.pipeline, len(ids), retries)
		}
	}

	kinds := map[string]int{}
	injected := 0
	for _, ev := range w.sim.FaultEvents() {
		name := ev.Kind.String()
		if ev.Status != 0 {
			name += " " + strconv.Itoa(ev.Status)
		}
		kinds[name]++
		if ev.Kind != gitlabsim.FaultLatency {
			injected++
		}
	}
	var summary []string
	for k, n := range kinds {
		summary = append(summary, fmt.Sprintf("%s: %d", k, n))
	}
	slices.Sort(summary)
	t.Logf("%d operations in %s: %d errors reported (%d unknown outcomes); faults: %s", len(ops), elapsed.Round(time.Millisecond),
		errs, unknown, strings.Join(summary, ", "))
	fmt.Printf("fault test (simulator): %d operations, %d duplicates, %d lost, %d faults injected, %d errors reported (seed %d)\n",
		len(ops), duplicates, lost, injected, errs, seed)
	if injected < len(ops)/4 {
		t.Errorf("only %d faults were injected", injected)
	}
}

// rightAnswer checks what a successful action returned against the simulator.
func rightAnswer(sim *gitlabsim.Sim, op *simOp) bool {
	if op.got == nil {
		return false
	}
	switch op.action {
	case gitlabsim.ActionPlay:
		return op.got.ID == op.job && op.got.Status == "pending"
	case gitlabsim.ActionRetry:
		ids := sim.PipelineJobIDs(op.pipeline)
		return len(ids) == 5 && op.got.ID == ids[4] && op.got.Name == "test" && op.got.Status == "pending"
	case gitlabsim.ActionCancel:
		return op.got.ID == op.job && op.got.Status == "canceled"
	case gitlabsim.ActionErase:
		return op.got.ID == op.job && op.got.ErasedAt != nil
	}
	return false
}

// faultCalls injects faults[i] on call i+1 of a route; a Fault{} leaves
// that call alone.
func faultCalls(sim *gitlabsim.Sim, route string, faults ...gitlabsim.Fault) {
	for i, f := range faults {
		if f.Kind == 0 {
			continue
		}
		f.Route, f.Calls = route, []int{i + 1}
		sim.InjectFault(f)
	}
}

// Reads are retried through 5xx (before or after the endpoint ran), resets
// and 429s, up to Config.Retries times, and then GitLab's last answer is
// the error.
func TestReadsRetryUnderSimulatorFaults(t *testing.T) {
	w := newSimWorld(t, gitlabsim.Options{})
	pl := w.sim.CreatePipeline(w.projID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "build", Status: "success"}}})
	job := pl.JobIDs[0]
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		faults []gitlabsim.Fault
	}{
		{"500, 502, 503", []gitlabsim.Fault{
			{Kind: gitlabsim.FaultStatus, Status: 500}, {Kind: gitlabsim.FaultStatus, Status: 502}, {Kind: gitlabsim.FaultStatus, Status: 503}}},
		{"resets", []gitlabsim.Fault{{Kind: gitlabsim.FaultReset}, {Kind: gitlabsim.FaultResetAfter}, {Kind: gitlabsim.FaultReset}}},
		{"429 and 502 after the endpoint ran", []gitlabsim.Fault{
			{Kind: gitlabsim.FaultRateLimited}, {Kind: gitlabsim.FaultStatusAfter, Status: 502}, {Kind: gitlabsim.FaultRateLimited}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.sim.ClearFaults()
			before := w.sim.RequestCount(routeGetJob)
			faultCalls(w.sim, routeGetJob, tc.faults...)
			j, err := w.client.GetJob(ctx, faultProject, job)
			if err != nil || j.ID != job {
				t.Fatalf("GetJob: %v, %+v", err, j)
			}
			// Resets of a reused connection may be re-sent by net/http itself
			// (GET is idempotent), which counts as a call too; the client's
			// own attempts are 4 at most.
			if n := w.sim.RequestCount(routeGetJob) - before; n < 4 || n > 4+len(tc.faults) {
				t.Errorf("%d requests, want 4 (three faults, then the answer)", n)
			}
		})
	}

	t.Run("retries exhausted", func(t *testing.T) {
		w.sim.ClearFaults()
		before := w.sim.RequestCount(routeGetJob)
		w.sim.InjectFault(gitlabsim.Fault{Route: routeGetJob, Kind: gitlabsim.FaultStatus, Status: 503})
		_, err := w.client.GetJob(ctx, faultProject, job)
		var apiErr *gitlabclient.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
			t.Fatalf("GetJob: %v, want GitLab's last answer, a 503", err)
		}
		if n := w.sim.RequestCount(routeGetJob) - before; n != 4 {
			t.Errorf("%d requests, want 4 (Retries: 3)", n)
		}
	})

	t.Run("keyset pages", func(t *testing.T) {
		w.sim.ClearFaults()
		specs := make([]gitlabsim.JobSpec, 230)
		for i := range specs {
			specs[i] = gitlabsim.JobSpec{Name: "job" + strconv.Itoa(i), Status: "success"}
		}
		big := w.sim.CreatePipeline(w.projID, gitlabsim.PipelineSpec{Jobs: specs})
		before := w.sim.RequestCount(routeProjJobs)
		faultCalls(w.sim, routeProjJobs, gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Status: 502}, gitlabsim.Fault{},
			gitlabsim.Fault{Kind: gitlabsim.FaultRateLimited}, gitlabsim.Fault{}, gitlabsim.Fault{Kind: gitlabsim.FaultStatusAfter, Status: 500})
		seen := map[int64]bool{}
		requests, err := w.client.ListProjectJobs(ctx, faultProject, []string{"success"}, func(j *gitlabclient.Job) bool {
			if seen[j.ID] {
				t.Errorf("job %d listed twice", j.ID)
			}
			seen[j.ID] = true
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range big.JobIDs {
			if !seen[id] {
				t.Errorf("job %d not listed", id)
			}
		}
		// 231 jobs: three pages, each sent again once after its fault.
		if n := w.sim.RequestCount(routeProjJobs) - before; requests != 3 || n != 6 {
			t.Errorf("%d pages in %d requests, want 3 pages in 6 requests", requests, n)
		}
	})
}

// The waits GitLab asks for are honoured: Retry-After on a 429 and a 503,
// RateLimit-Reset alone, and the simulator's rate limiter.
func TestReadsHonourRetryAfterFromTheSimulator(t *testing.T) {
	w := newSimWorld(t, gitlabsim.Options{})
	pl := w.sim.CreatePipeline(w.projID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "build", Status: "success"}}})
	job := pl.JobIDs[0]
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		fault   gitlabsim.Fault
		minWait time.Duration
	}{
		{"429 Retry-After: 1", gitlabsim.Fault{Kind: gitlabsim.FaultRateLimited, RetryAfter: time.Second}, time.Second},
		{"429 with RateLimit-Reset only", gitlabsim.Fault{Kind: gitlabsim.FaultRateLimited, RetryAfter: 2 * time.Second,
			Header: http.Header{"Retry-After": nil}}, time.Second},
		{"503 Retry-After: 1", gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Status: 503, Header: http.Header{"Retry-After": {"1"}}}, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.sim.ClearFaults()
			f := tc.fault
			f.Route, f.Calls = routeGetJob, []int{1}
			w.sim.InjectFault(f)
			before := w.sim.RequestCount(routeGetJob)
			start := time.Now()
			if _, err := w.client.GetJob(ctx, faultProject, job); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d < tc.minWait {
				t.Errorf("answered after %s, want a wait of at least %s", d, tc.minWait)
			}
			if n := w.sim.RequestCount(routeGetJob) - before; n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}

	t.Run("rate limiter", func(t *testing.T) {
		// The simulator's clock runs behind the real one so that its minute
		// ends half a second after the test starts: Retry-After is 1 and
		// RateLimit-Reset (in the simulator's time) already past.
		now := time.Now()
		offset := (now.Sub(now.Truncate(time.Minute)) - 59500*time.Millisecond + time.Minute) % time.Minute
		w := newSimWorld(t, gitlabsim.Options{Now: func() time.Time { return time.Now().Add(-offset) },
			RateLimit: gitlabsim.RateLimit{PerMinute: 2, PerToken: true}})
		pl := w.sim.CreatePipeline(w.projID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "build", Status: "success"}}})
		start := time.Now()
		for i := range 3 {
			if _, err := w.client.GetJob(ctx, faultProject, pl.JobIDs[0]); err != nil {
				t.Fatalf("GetJob %d: %v", i+1, err)
			}
		}
		d := time.Since(start)
		limited := 0
		for _, ev := range w.sim.FaultEvents() {
			if ev.RateLimiter {
				limited++
			}
		}
		if limited != 1 || w.sim.RequestCount(routeGetJob) != 4 || d < 900*time.Millisecond {
			t.Errorf("%d throttled of %d requests in %s; want the third throttled once, then served after the window", limited, w.sim.RequestCount(routeGetJob), d)
		}
	})
}
