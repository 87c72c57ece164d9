package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Wait targets of the job action resources' wait_for attribute.
const (
	waitNone     = "none"
	waitStarted  = "started"
	waitFinished = "finished"
)

// jobReached reports whether a job in status has reached the wait target.
func jobReached(target, status string) bool {
	switch target {
	case waitNone:
		return true
	case waitStarted:
		return gitlabclient.LeftQueue(status) // running or finished
	default:
		return gitlabclient.Finished(status)
	}
}

// poller polls a job until it reaches a target, backing off from first to max
// between polls, and logs each status at INFO so TF_LOG=INFO shows what the
// provider waits on. Its clock is injectable for tests.
type poller struct {
	first, max time.Duration
	factor     float64
	now        func() time.Time
	sleep      func(ctx context.Context, d time.Duration) error
	// progress, when set, is told every status a poll sees and how long the
	// wait has lasted (a Terraform action shows it in the CLI).
	progress func(ctx context.Context, job *gitlabclient.Job, waited time.Duration)
}

func defaultPoller() poller {
	// Doubling to a 20 s cap: a 5-minute job costs 20 polls and is seen at most
	// 20 s after it finishes (see BENCHMARKS.md, P2).
	return poller{first: time.Second, max: 20 * time.Second, factor: 2, now: time.Now, sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errWaitTimeout is wrapped by wait when the context's deadline passes.
type waitTimeoutError struct {
	JobID   int64
	Status  string
	Target  string
	Elapsed time.Duration
}

func (e *waitTimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s waiting for job %d to be %s; it is still %s",
		e.Elapsed.Round(time.Second), e.JobID, e.Target, e.Status)
}

// wait polls get until the job reaches target, the context ends, or get fails.
// It returns the last job it saw, also on error, so callers can keep it in state.
func (p poller) wait(ctx context.Context, jobID int64, target string, get func(context.Context) (*gitlabclient.Job, error)) (*gitlabclient.Job, error) {
	start := p.now()
	delay := p.first
	var last *gitlabclient.Job
	for {
		job, err := get(ctx)
		if err != nil {
			if ctx.Err() != nil && last != nil {
				return last, p.ctxError(ctx, last, target, start)
			}
			return last, err
		}
		last = job
		if p.progress != nil {
			p.progress(ctx, job, p.now().Sub(start))
		}
		if jobReached(target, job.Status) {
			tflog.Info(ctx, fmt.Sprintf("job %d is %s", job.ID, job.Status),
				map[string]any{"job_id": job.ID, "status": job.Status, "waited": p.now().Sub(start).Round(time.Second).String()})
			return job, nil
		}
		tflog.Info(ctx, fmt.Sprintf("job %d %s for %s, waiting until %s", job.ID, job.Status, p.now().Sub(start).Round(time.Second), target),
			map[string]any{"job_id": job.ID, "status": job.Status, "next_poll": delay.String()})
		if err := p.sleep(ctx, delay); err != nil {
			return last, p.ctxError(ctx, last, target, start)
		}
		delay = min(time.Duration(float64(delay)*p.factor), p.max)
	}
}

func (p poller) ctxError(ctx context.Context, last *gitlabclient.Job, target string, start time.Time) error {
	if ctx.Err() == context.DeadlineExceeded {
		return &waitTimeoutError{JobID: last.ID, Status: last.Status, Target: target, Elapsed: p.now().Sub(start)}
	}
	return fmt.Errorf("stopped waiting for job %d (still %s): %w", last.ID, last.Status, ctx.Err())
}
