package provider

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// TestWaitUntilTimeoutNamesKindAndID: the timeout of a pipeline's wait
// names the pipeline (not a job) and its ID, and keeps the last pipeline.
func TestWaitUntilTimeoutNamesKindAndID(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	clock := &fakeClock{t: time.Unix(0, 0)}
	last, err := waitUntil(ctx, clock.poller(), waitSpec[*gitlabclient.Pipeline]{
		kind: "pipeline", target: "success",
		fetch: func(context.Context) (*gitlabclient.Pipeline, error) {
			return &gitlabclient.Pipeline{ID: 9, Status: "running"}, nil
		},
		state: func(p *gitlabclient.Pipeline) (int64, string) { return p.ID, p.Status },
		done:  func(status string) bool { return status == gitlabclient.PipelineSuccess },
	})
	var timeout *waitTimeoutError
	if !errors.As(err, &timeout) || timeout.Kind != "pipeline" || timeout.ID != 9 {
		t.Fatalf("err = %#v, want a pipeline 9 timeout", err)
	}
	if !strings.Contains(err.Error(), "waiting for pipeline 9 to be success; it is still running") {
		t.Errorf("timeout error %q must name the pipeline", err)
	}
	if last == nil || last.ID != 9 {
		t.Errorf("last = %v, want the last pipeline seen", last)
	}
}

// TestWaitUntilDescribe: describe sees every poll with the status before;
// what it says is kept for the timeout while the status is the same.
func TestWaitUntilDescribe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clock := &fakeClock{t: time.Unix(0, 0)}
	statuses := []string{"pending", "running", "running"}
	var prevs []string
	i := 0
	_, err := waitUntil(ctx, clock.poller(), waitSpec[string]{
		kind: "thing", target: "done",
		fetch: func(context.Context) (string, error) {
			i++
			if i == len(statuses) {
				cancel()
			}
			return statuses[min(i, len(statuses))-1], nil
		},
		state: func(s string) (int64, string) { return 1, s },
		done:  func(s string) bool { return s == "done" },
		describe: func(_ context.Context, s, prev string, _ time.Duration) (string, bool) {
			prevs = append(prevs, prev)
			return "held by " + s, prev != s
		},
	})
	if strings.Join(prevs, ",") != ",pending,running" {
		t.Errorf("describe saw previous statuses %q", prevs)
	}
	if err == nil || !strings.Contains(err.Error(), "stopped waiting for thing 1 (still running)") {
		t.Errorf("err = %v", err)
	}
}

// TestWaitUntilLimit: a wait with a limit ends there, by the poller's
// clock, with a timeout naming what it waited for; no sleep runs past it.
func TestWaitUntilLimit(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	polls := 0
	last, err := waitUntil(context.Background(), clock.poller(), waitSpec[string]{
		kind: "thing", target: "done", limit: 10 * time.Second,
		fetch: func(context.Context) (string, error) { polls++; return "busy", nil },
		state: func(s string) (int64, string) { return 7, s },
		done:  func(s string) bool { return s == "done" },
	})
	var timeout *waitTimeoutError
	if !errors.As(err, &timeout) || timeout.Kind != "thing" || timeout.ID != 7 || timeout.Elapsed != 10*time.Second {
		t.Fatalf("err = %#v, want thing 7's timeout after 10s", err)
	}
	var slept time.Duration
	for _, d := range clock.sleeps {
		slept += d
	}
	if slept != 10*time.Second || polls != len(clock.sleeps)+1 || last != "busy" {
		t.Errorf("slept %s in %v, %d polls, last %q; want 10s, a poll after each sleep", slept, clock.sleeps, polls, last)
	}
}
