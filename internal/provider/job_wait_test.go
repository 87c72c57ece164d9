package provider

import (
	"context"
	"errors"
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

func TestWaitBacksOffToCap(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	statuses := []string{"pending"}
	for range 12 {
		statuses = append(statuses, "running")
	}
	statuses = append(statuses, "success")
	job, err := clock.poller().wait(context.Background(), 42, waitFinished, statusSequence(statuses...))
	if err != nil || job.Status != "success" {
		t.Fatalf("wait = %v, %v", job, err)
	}
	if len(clock.sleeps) != len(statuses)-1 {
		t.Fatalf("polled %d times, want %d", len(clock.sleeps)+1, len(statuses))
	}
	if clock.sleeps[0] != time.Second {
		t.Errorf("first wait %s, want 1s", clock.sleeps[0])
	}
	for i := 1; i < len(clock.sleeps); i++ {
		if clock.sleeps[i] < clock.sleeps[i-1] {
			t.Errorf("wait %d (%s) shorter than the one before (%s)", i, clock.sleeps[i], clock.sleeps[i-1])
		}
		if clock.sleeps[i] > 20*time.Second {
			t.Errorf("wait %d is %s, above the 20s cap", i, clock.sleeps[i])
		}
	}
	if last := clock.sleeps[len(clock.sleeps)-1]; last != 20*time.Second {
		t.Errorf("backoff should reach the cap, last wait %s", last)
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
