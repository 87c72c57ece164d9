package provider

import (
	"context"
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

// poller is how the provider polls what it waits for (a job: wait; a
// pipeline: waitForPipeline; a deployment's approval: waitForApproval; all
// through waitUntil, waiter.go), which logs
// each status at INFO so TF_LOG=INFO shows what the provider waits on. The
// interval between polls is a fifth of the time already waited (share),
// never less than first nor more than max: after a job ends, the wait
// returns within about a fifth of the time it had waited, so a short job is
// seen at once and a long one costs few requests. Its clock is injectable
// for tests.
type poller struct {
	first, max time.Duration
	// share is the interval's share of the time already waited (1/5).
	share float64
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	// failureLogLines is how many last lines of a failed job's log its
	// failure diagnostic shows (the provider's failure_log_lines; 0: none).
	failureLogLines int
	// progress, when set, is told every status a poll sees and how long the
	// wait has lasted (a Terraform action shows it in the CLI).
	progress func(ctx context.Context, job *gitlabclient.Job, waited time.Duration)
	// waiting, when set, describes what a job in waiting_for_resource
	// waits for (the resource group and the job holding it); it is asked
	// when a poll first sees the job waiting, and the answer is logged and
	// kept for a timeout's error.
	waiting func(ctx context.Context, job *gitlabclient.Job) string
	// note, when set, is told what waiting found (a Terraform action shows
	// it in the CLI as a progress message).
	note func(ctx context.Context, msg string)
	// streamLog is the provider's stream_job_log: while waiting, show the
	// job's new log lines (job_log_stream.go), with masks (the values the
	// provider knows are sensitive) replaced.
	streamLog bool
	masks     []string
	// onPoll, when set, is told every job a poll sees (the log streamer).
	onPoll func(ctx context.Context, job *gitlabclient.Job)
}

// Poll intervals of defaultPoller.
const (
	pollShare = 0.2
	pollFirst = time.Second
	pollMax   = 30 * time.Second
)

func defaultPoller() poller {
	// clamp(waited/5, 1 s, 30 s): a 20-second job is seen within 4 s of its
	// end, a 5-minute job costs 30 polls, a 30-minute job 90, each seen at
	// most 30 s late (see BENCHMARKS.md, P2).
	return poller{first: pollFirst, max: pollMax, share: pollShare, now: time.Now, sleep: gitlabclient.Sleep}
}

// interval is the time to sleep before the next poll, waited having passed
// since the wait began: clamp(waited × share, first, max).
func (p poller) interval(waited time.Duration) time.Duration {
	return min(max(time.Duration(float64(waited)*p.share), p.first), p.max)
}

// wait polls get until the job reaches target, the context ends, or get
// fails (waitUntil: waiter.go). It returns the last job it saw, also on
// error, so callers can keep it in state.
func (p poller) wait(ctx context.Context, jobID int64, target string, get func(context.Context) (*gitlabclient.Job, error)) (*gitlabclient.Job, error) {
	return waitUntil(ctx, p, waitSpec[*gitlabclient.Job]{
		kind: "job", target: target, fetch: get,
		state: func(j *gitlabclient.Job) (int64, string) { return j.ID, j.Status },
		done:  func(status string) bool { return jobReached(target, status) },
		describe: func(ctx context.Context, job *gitlabclient.Job, prevStatus string, waited time.Duration) (string, bool) {
			turnedWaiting := job.Status == gitlabclient.StatusWaitingForResource && prevStatus != job.Status
			if p.progress != nil {
				p.progress(ctx, job, waited)
			}
			if p.onPoll != nil {
				p.onPoll(ctx, job)
			}
			if !turnedWaiting || p.waiting == nil {
				return "", false
			}
			waitingFor := p.waiting(ctx, job)
			if waitingFor != "" {
				tflog.Info(ctx, waitingFor, map[string]any{"job_id": job.ID, "status": job.Status})
				if p.note != nil {
					p.note(ctx, waitingFor)
				}
			}
			return waitingFor, true
		},
	})
}
