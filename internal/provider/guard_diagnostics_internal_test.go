package provider

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The wait asks what a job in waiting_for_resource waits for once per
// stretch of waiting (not at every poll) and says it on a timeout.
func TestWaitNamesWhatAJobWaitsFor(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := clock.poller()
	asked := 0
	p.waiting = func(_ context.Context, j *gitlabclient.Job) string {
		asked++
		return "job 42 waits for the resource group \"production\", held by job 7"
	}
	var notes []string
	p.note = func(_ context.Context, msg string) { notes = append(notes, msg) }
	job, err := p.wait(context.Background(), 42, waitFinished,
		statusSequence("waiting_for_resource", "waiting_for_resource", "pending", "waiting_for_resource", "success"))
	if err != nil || job.Status != "success" {
		t.Fatalf("wait: %v %v", job, err)
	}
	if asked != 2 || len(notes) != 2 {
		t.Errorf("asked %d times, %d notes, want 2 (each time the job turned waiting_for_resource)", asked, len(notes))
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	_, err = p.wait(ctx, 42, waitFinished, statusSequence("waiting_for_resource"))
	var timeout *waitTimeoutError
	if !errors.As(err, &timeout) || !strings.Contains(err.Error(), `still waiting_for_resource: job 42 waits for the resource group "production", held by job 7`) {
		t.Errorf("timeout: %v", err)
	}
}

func TestDescribeAccess(t *testing.T) {
	forty, uid := 40, int64(7)
	got := describeAccess([]gitlabclient.AccessLevel{
		{AccessLevel: &forty, AccessLevelDescription: "Maintainers"},
		{UserID: &uid, AccessLevelDescription: "Release Bot"},
		{AccessLevel: &forty},
	})
	if got != "Maintainers, user Release Bot (ID 7), Maintainers" {
		t.Errorf("describeAccess = %q", got)
	}
	if describeAccess(nil) != "no one" {
		t.Error("no access levels")
	}
}
