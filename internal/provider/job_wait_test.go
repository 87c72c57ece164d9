package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// fakeClock advances only when the poller sleeps.
type fakeClock struct {
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) poller() poller {
	p := defaultPoller()
	p.now = func() time.Time { return c.t }
	p.sleep = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		c.sleeps = append(c.sleeps, d)
		c.t = c.t.Add(d)
		return nil
	}
	return p
}

func statusSequence(statuses ...string) func(context.Context) (*gitlabclient.Job, error) {
	i := 0
	return func(context.Context) (*gitlabclient.Job, error) {
		s := statuses[min(i, len(statuses)-1)]
		i++
		return &gitlabclient.Job{ID: 42, Status: s}, nil
	}
}

func TestJobReached(t *testing.T) {
	tests := []struct {
		target, status string
		want           bool
	}{
		{waitNone, "pending", true},
		{waitStarted, "pending", false},
		{waitStarted, "running", true},
		{waitStarted, "failed", true},
		{waitFinished, "running", false},
		{waitFinished, "canceling", false},
		{waitFinished, "success", true},
		{waitFinished, "failed", true},
		{waitFinished, "canceled", true},
		{waitFinished, "manual", false},
	}
	for _, tt := range tests {
		if got := jobReached(tt.target, tt.status); got != tt.want {
			t.Errorf("jobReached(%s, %s) = %v, want %v", tt.target, tt.status, got, tt.want)
		}
	}
}

func TestPollerInterval(t *testing.T) {
	p := defaultPoller()
	for waited, want := range map[time.Duration]time.Duration{
		0:                 1 * time.Second, // never less than 1 s
		3 * time.Second:   1 * time.Second,
		5 * time.Second:   1 * time.Second,
		10 * time.Second:  2 * time.Second, // a fifth of the time waited
		20 * time.Second:  4 * time.Second,
		100 * time.Second: 20 * time.Second,
		150 * time.Second: 30 * time.Second,
		time.Hour:         30 * time.Second, // never more than 30 s
	} {
		if got := p.interval(waited); got != want {
			t.Errorf("interval after %s = %s, want %s", waited, got, want)
		}
	}
}

// TestWaitSeesEndWithinAFifth runs the poller against a job that finishes
// after d on the fake clock: the wait returns within a fifth of d (at least
// 1 s, at most 30 s) after the job ends, with few requests.
func TestWaitSeesEndWithinAFifth(t *testing.T) {
	for _, tt := range []struct {
		job         time.Duration
		maxLag      time.Duration
		maxRequests int
	}{
		{1500 * time.Millisecond, time.Second, 3},
		{20 * time.Second, 4 * time.Second, 14},
		{2 * time.Minute, 24 * time.Second, 24},
		{5 * time.Minute, 30 * time.Second, 30},
		{30 * time.Minute, 30 * time.Second, 80},
	} {
		t.Run(tt.job.String(), func(t *testing.T) {
			start := time.Unix(0, 0)
			clock := &fakeClock{t: start}
			requests := 0
			get := func(context.Context) (*gitlabclient.Job, error) {
				requests++
				if clock.t.Sub(start) >= tt.job {
					return &gitlabclient.Job{ID: 42, Status: "success"}, nil
				}
				return &gitlabclient.Job{ID: 42, Status: "running"}, nil
			}
			job, err := clock.poller().wait(context.Background(), 42, waitFinished, get)
			if err != nil || job.Status != "success" {
				t.Fatalf("wait = %v, %v", job, err)
			}
			lag := clock.t.Sub(start) - tt.job
			if lag > tt.maxLag {
				t.Errorf("the wait returned %s after the job ended, want at most %s", lag, tt.maxLag)
			}
			if requests > tt.maxRequests {
				t.Errorf("%d requests, want at most %d", requests, tt.maxRequests)
			}
			for i, d := range clock.sleeps {
				if d < time.Second || d > 30*time.Second || (i > 0 && d < clock.sleeps[i-1]) {
					t.Errorf("sleep %d is %s (before: %v): want growing intervals within [1s, 30s]", i, d, clock.sleeps[:i])
				}
			}
		})
	}
}

func TestWaitStartedStopsAtRunning(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	job, err := clock.poller().wait(context.Background(), 42, waitStarted, statusSequence("pending", "pending", "running", "success"))
	if err != nil || job.Status != "running" {
		t.Fatalf("wait = %v, %v; want running", job, err)
	}
}

func TestWaitTimeoutKeepsLastJob(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	clock := &fakeClock{t: time.Unix(0, 0)}
	job, err := clock.poller().wait(ctx, 42, waitFinished, statusSequence("running"))
	var timeout *waitTimeoutError
	if !errors.As(err, &timeout) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if job == nil || job.ID != 42 || timeout.Status != "running" {
		t.Errorf("job %v, timeout %+v: the last job seen must be returned", job, timeout)
	}
}

func TestWaitCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	clock := &fakeClock{t: time.Unix(0, 0)}
	_, err := clock.poller().wait(ctx, 42, waitFinished, statusSequence("running"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestWaitReturnsGetError(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	boom := errors.New("boom")
	_, err := clock.poller().wait(context.Background(), 42, waitFinished, func(context.Context) (*gitlabclient.Job, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

// TestWaitReportsProgress checks the poller's progress callback: every
// status a poll sees, the final one included, with the time waited.
func TestWaitReportsProgress(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := clock.poller()
	var got []string
	p.progress = func(_ context.Context, j *gitlabclient.Job, waited time.Duration) {
		got = append(got, fmt.Sprintf("%s after %s", j.Status, waited))
	}
	if _, err := p.wait(context.Background(), 42, waitFinished, statusSequence("pending", "running", "running", "success")); err != nil {
		t.Fatal(err)
	}
	want := []string{"pending after 0s", "running after 1s", "running after 2s", "success after 3s"}
	if !slices.Equal(got, want) {
		t.Errorf("progress = %q, want %q", got, want)
	}
}
