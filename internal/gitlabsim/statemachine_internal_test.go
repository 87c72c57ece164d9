package gitlabsim

import (
	"fmt"
	"testing"
	"time"
)

// wantTransitions is GitLab's job state machine written out by hand from
// commit_status.rb, ci/build.rb and ci/processable.rb (not derived from the
// table under test): event → from → to, for a build whose runner does not
// cancel gracefully. Pairs not listed must not transition.
var wantTransitions = map[event]map[string]string{
	evEnqueue:          {"created": "pending", "skipped": "pending", "manual": "pending", "scheduled": "pending"},
	evEnqueueScheduled: {"scheduled": "pending"},
	evEnqueuePreparing: {"preparing": "pending"},
	evEnqueueWaiting:   {"waiting_for_resource": "pending"},
	evRun:              {"pending": "running"},
	evSkip:             {"created": "skipped", "waiting_for_resource": "skipped", "preparing": "skipped", "pending": "skipped"},
	evDrop: {"canceling": "canceled", "created": "failed", "waiting_for_resource": "failed", "preparing": "failed",
		"pending": "failed", "running": "failed", "manual": "failed", "scheduled": "failed"},
	evSucceed: {"canceling": "canceled", "created": "success", "waiting_for_resource": "success", "preparing": "success",
		"pending": "success", "running": "success"},
	evCancel: {"created": "canceled", "waiting_for_resource": "canceled", "preparing": "canceled", "pending": "canceled",
		"running": "canceled", "manual": "canceled", "scheduled": "canceled"},
	evForceCancel: {"canceling": "canceled"},
	evProcess:     {"skipped": "created", "manual": "created"},
	evActionize:   {"created": "manual"},
	evSchedule:    {"created": "scheduled"},
	evUnschedule:  {"scheduled": "manual"},
}

func TestTransitionTable(t *testing.T) {
	if len(wantTransitions) != len(transitions) {
		t.Errorf("the table has %d events, GitLab's machine %d", len(transitions), len(wantTransitions))
	}
	for _, graceful := range []bool{false, true} {
		for _, bridge := range []bool{false, true} {
			s := New(Options{GracefulCancel: graceful})
			for ev, want := range wantTransitions {
				for _, from := range AllStatuses {
					name := fmt.Sprintf("graceful=%v/bridge=%v/%s/%s", graceful, bridge, ev, from)
					j := &job{status: from, bridge: bridge}
					exp, ok := want[from]
					if bridge && (ev == evEnqueueScheduled || ev == evEnqueuePreparing || ev == evSchedule || ev == evUnschedule) {
						exp, ok = "", false // Ci::Build's own events
					}
					if graceful && !bridge && ev == evCancel && from == StatusRunning {
						exp = StatusCanceling // supports_canceling?
					}
					got, gotOK := s.target(j, ev)
					if gotOK != ok || got != exp {
						t.Errorf("%s: got %q (%v), want %q (%v)", name, got, gotOK, exp, ok)
					}
				}
			}
		}
	}
}

func TestPredicates(t *testing.T) {
	s := New(Options{})
	type tc struct {
		status, when string
		bridge       bool
		retried      bool
		log          bool
		artifacts    bool
		playable     bool
		retryable    bool
		erasable     bool
	}
	tests := []tc{
		{status: "manual", when: "manual", playable: true},
		{status: "scheduled", when: "delayed", playable: true},
		{status: "success", when: "manual", log: true, playable: true, retryable: true, erasable: true},
		{status: "success", when: "on_success", log: true, retryable: true, erasable: true},
		{status: "success", when: "on_success", retryable: true}, // neither log nor artifacts: not erasable
		{status: "success", when: "on_success", artifacts: true, retryable: true, erasable: true},
		{status: "failed", when: "on_success", retryable: true},
		{status: "failed", when: "manual", retried: true, log: true, erasable: true},
		{status: "canceled", when: "on_success", retryable: true},
		{status: "canceling", when: "on_success", retryable: true},
		{status: "skipped", when: "on_success", log: true, erasable: true},
		{status: "created", when: "on_success"},
		{status: "pending", when: "on_success"},
		{status: "running", when: "on_success", log: true},
		{status: "preparing", when: "on_success"},
		{status: "waiting_for_resource", when: "on_success"},
		{status: "manual", when: "on_success"},
		{status: "manual", when: "manual", bridge: true, playable: true},
		{status: "success", when: "manual", bridge: true, retryable: true},
		{status: "running", when: "on_success", bridge: true},
		{status: "success", when: "on_success", bridge: true, log: true, retryable: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt), func(t *testing.T) {
			j := &job{status: tt.status, when: tt.when, bridge: tt.bridge, retried: tt.retried}
			if tt.log {
				j.log = "x\n"
			}
			if tt.artifacts {
				j.artifacts = []artifact{{fileType: "junit"}}
			}
			got := [3]bool{s.playable(j), s.retryable(j), s.erasable(j)}
			want := [3]bool{tt.playable, tt.retryable, tt.erasable}
			if got != want {
				t.Errorf("playable, retryable, erasable = %v, want %v", got, want)
			}
		})
	}
}

// TestFireHooks checks the before_transition hooks: timestamps at the
// transition's time, failure reasons, the user of process.
func TestFireHooks(t *testing.T) {
	s := New(Options{RunnerDisabled: true})
	p := s.CreateProject(ProjectSpec{Path: "g/p"})
	pl := s.CreatePipeline(p.ID, PipelineSpec{Jobs: []JobSpec{{Name: "j", Status: "manual"}}})
	j := s.jobs[pl.JobIDs[0]]
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	step := func(ev event, at time.Time, args transitionArgs, want string) {
		t.Helper()
		if !s.fire(j, ev, at, args) || j.status != want {
			t.Fatalf("%s: status %s, want %s", ev, j.status, want)
		}
	}
	step(evProcess, t0, transitionArgs{userID: 77}, StatusCreated)
	if j.userID != 77 {
		t.Errorf("process: user %d, want the playing user 77", j.userID)
	}
	step(evEnqueue, t0.Add(time.Second), transitionArgs{}, StatusPending)
	if !j.queuedAt.Equal(t0.Add(time.Second)) || j.startedAt != nil {
		t.Errorf("enqueue: queued_at %v, started_at %v", j.queuedAt, j.startedAt)
	}
	step(evRun, t0.Add(3*time.Second), transitionArgs{}, StatusRunning)
	if !j.startedAt.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("run: started_at %v", j.startedAt)
	}
	if s.fire(j, evRun, t0.Add(4*time.Second), transitionArgs{}) {
		t.Error("run applies to a running job")
	}
	step(evDrop, t0.Add(5*time.Second), transitionArgs{}, StatusFailed)
	if !j.finishedAt.Equal(t0.Add(5*time.Second)) || j.failureReason != "unknown_failure" {
		t.Errorf("drop: finished_at %v, failure_reason %q", j.finishedAt, j.failureReason)
	}
	if s.fire(j, evCancel, t0.Add(6*time.Second), transitionArgs{}) || j.status != StatusFailed {
		t.Error("cancel changed a failed job")
	}
	if pl := s.pipelines[pl.ID]; !pl.updatedAt.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("pipeline updated_at %v, want the last transition's time", pl.updatedAt)
	}
}
