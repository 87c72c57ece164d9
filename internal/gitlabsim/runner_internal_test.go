package gitlabsim

import (
	"testing"
	"time"
)

// TestAdvanceWaitsForNextDue: advance does nothing before the earliest
// moment a queued job is due, and moves jobs at their due times.
func TestAdvanceWaitsForNextDue(t *testing.T) {
	t0 := time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := NewClock(t0)
	s := New(Options{Now: clock.Now, RunnerPickupDelay: 2 * time.Second, RunDuration: 5 * time.Second})
	p := s.CreateProject(ProjectSpec{Path: "g/p"})
	pl := s.CreatePipeline(p.ID, PipelineSpec{Jobs: []JobSpec{{Name: "a", Status: "manual"}, {Name: "b", Status: "manual"}}})
	status := func(id int64) string { j, _ := s.Job(id); return j.Status }
	if err := s.PlayJob(pl.JobIDs[0], nil); err != nil {
		t.Fatal(err)
	}
	s.Job(pl.JobIDs[0]) // an advance: a is due at t0+2s
	if s.nextDue != t0.Add(2*time.Second) {
		t.Fatalf("next due %v, want t0+2s", s.nextDue)
	}
	clock.Advance(time.Second)
	if err := s.PlayJob(pl.JobIDs[1], nil); err != nil { // due at t0+3s; wakes the runner
		t.Fatal(err)
	}
	if !s.nextDue.IsZero() {
		t.Errorf("a job woken: next due %v, want the zero time (look again)", s.nextDue)
	}
	clock.Advance(time.Second - time.Millisecond)
	if status(pl.JobIDs[0]) != StatusPending || s.nextDue != t0.Add(2*time.Second) {
		t.Errorf("before a's pickup: %s, next due %v", status(pl.JobIDs[0]), s.nextDue)
	}
	clock.Advance(time.Millisecond)
	if status(pl.JobIDs[0]) != StatusRunning || status(pl.JobIDs[1]) != StatusPending || s.nextDue != t0.Add(3*time.Second) {
		t.Errorf("at a's pickup: a %s, b %s, next due %v", status(pl.JobIDs[0]), status(pl.JobIDs[1]), s.nextDue)
	}
	clock.Set(t0) // back in time: nothing moves
	if status(pl.JobIDs[0]) != StatusRunning || status(pl.JobIDs[1]) != StatusPending {
		t.Errorf("clock set back: a %s, b %s", status(pl.JobIDs[0]), status(pl.JobIDs[1]))
	}
	clock.Set(t0.Add(time.Hour))
	a, _ := s.Job(pl.JobIDs[0])
	b, _ := s.Job(pl.JobIDs[1])
	if a.Status != StatusSuccess || !a.FinishedAt.Equal(t0.Add(7*time.Second)) ||
		b.Status != StatusSuccess || !b.FinishedAt.Equal(t0.Add(8*time.Second)) || len(s.runnable) != 0 {
		t.Errorf("an hour later: a %s at %v, b %s at %v, %d queued", a.Status, a.FinishedAt, b.Status, b.FinishedAt, len(s.runnable))
	}
}
