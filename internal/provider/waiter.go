package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// The one waiter: whatever the provider waits for (a job: job_wait.go; a
// pipeline: pipeline_operations.go; a deployment's approval:
// job_play_approval.go) is polled by waitUntil, at the poller's intervals
// (job_wait.go), until it is done, the context ends, its limit passes, or a
// fetch fails. What differs is the waitSpec: how to fetch it, when it is
// done, and what to say about each poll.

// waitSpec is one wait: what is waited for (kind, for messages, logs and the
// timeout's error), the target it waits for, an optional limit, fetch, its
// ID and status, done, and describe.
type waitSpec[T any] struct {
	kind   string // "job", "pipeline", "deployment"
	target string
	// limit, when set, is the longest the wait may last by the poller's
	// clock (a wait the user bounds, such as wait_for_approval, within the
	// operation's timeout): past it, the wait ends with a waitTimeoutError
	// as at the context's deadline, and no sleep runs past it.
	limit time.Duration
	fetch func(ctx context.Context) (T, error)
	// state is the fetched thing's ID and status.
	state func(v T) (id int64, status string)
	// done reports whether a status has reached the target.
	done func(status string) bool
	// describe, when set, is told every fetched value, the status the poll
	// before saw ("" at the first) and how long the wait has lasted. When
	// it answers ok, what is waited for is waiting for (the timeout's error
	// says it while the status is still the one it was said for).
	describe func(ctx context.Context, v T, prevStatus string, waited time.Duration) (waitingFor string, ok bool)
}

// waitUntil polls w.fetch until w.done. It returns the last value it saw,
// also on error, so callers can keep it in state.
func waitUntil[T any](ctx context.Context, p poller, w waitSpec[T]) (T, error) {
	start := p.now()
	var last T
	seen := false
	prevStatus := ""
	waitingFor, waitingStatus := "", "" // what it waits for, said in that status
	idKey := w.kind + "_id"
	// stopped is the error of a wait ended by cause: the context's end
	// (a timeout at its deadline), or nil for the limit.
	stopped := func(cause error) error {
		id, status := w.state(last)
		var err error
		if cause == nil || errors.Is(cause, context.DeadlineExceeded) {
			err = &waitTimeoutError{Kind: w.kind, ID: id, Status: status, Target: w.target, Elapsed: p.now().Sub(start)}
		} else {
			err = fmt.Errorf("stopped waiting for %s %d (still %s): %w", w.kind, id, status, cause)
		}
		if waitingStatus != "" {
			withWaiting(err, waitingFor, waitingStatus)
		}
		return err
	}
	for {
		v, err := w.fetch(ctx)
		if err != nil {
			if ctx.Err() != nil && seen {
				return last, stopped(ctx.Err())
			}
			return last, err
		}
		last, seen = v, true
		id, status := w.state(v)
		if w.describe != nil {
			if d, ok := w.describe(ctx, v, prevStatus, p.now().Sub(start)); ok {
				waitingFor, waitingStatus = d, status
			}
		}
		prevStatus = status
		if w.done(status) {
			tflog.Info(ctx, fmt.Sprintf("%s %d is %s", w.kind, id, status),
				map[string]any{idKey: id, "status": status, "waited": p.now().Sub(start).Round(time.Second).String()})
			return v, nil
		}
		waited := p.now().Sub(start)
		if w.limit > 0 && waited >= w.limit {
			return last, stopped(nil)
		}
		delay := p.interval(waited)
		if w.limit > 0 {
			delay = min(delay, w.limit-waited)
		}
		tflog.Info(ctx, fmt.Sprintf("%s %d %s for %s, waiting until %s", w.kind, id, status, waited.Round(time.Second), w.target),
			map[string]any{idKey: id, "status": status, "next_poll": delay.String()})
		if err := p.sleep(ctx, delay); err != nil {
			return last, stopped(err)
		}
	}
}

// waitTimeoutError is the error of a wait whose context's deadline (or its
// waitSpec's limit) passed before what it waited for (a job, a pipeline: Kind and ID) reached the
// target; it holds the last status seen.
type waitTimeoutError struct {
	Kind    string // "job", "pipeline", "deployment"
	ID      int64
	Status  string
	Target  string
	Elapsed time.Duration
	// Waiting is what it waits for in status WaitingIn (a job in
	// waiting_for_resource: its resource group), if known.
	Waiting   string
	WaitingIn string
}

func (e *waitTimeoutError) Error() string {
	msg := fmt.Sprintf("timed out after %s waiting for %s %d to be %s; it is still %s",
		e.Elapsed.Round(time.Second), e.Kind, e.ID, e.Target, e.Status)
	if e.Waiting != "" && e.Status == e.WaitingIn {
		msg += ": " + e.Waiting
	}
	return msg
}

// withWaiting adds to a timeout what it waited for, said in status.
func withWaiting(err error, waitingFor, status string) {
	var timeout *waitTimeoutError
	if errors.As(err, &timeout) {
		timeout.Waiting, timeout.WaitingIn = waitingFor, status
	}
}
