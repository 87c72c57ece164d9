package gitlabsim

import (
	"slices"
	"sync"
	"time"
)

// The simulated runner: deterministic, driven by Options.Now, without
// goroutines. Every request and every fixture call takes the store's lock
// through lock(), which first catches the runner up with the clock (advance):
// a pending job is picked up RunnerPickupDelay after it was queued, and a
// running job finishes its script's RunDuration after it started, with the
// script's outcome. Timestamps are the moments these things were due, not
// the moment advance noticed them, so they do not depend on when the API is
// polled.
//
// The runner drives a job (job.driven) when the job was enqueued while the
// simulator ran (play, retry) or its JobSpec scripts it (RunDuration,
// Outcome or LogOnRun). A fixture job created pending or running without a
// script stays where it is, as if its runner never reported: tests that
// need a job to keep running (its CI job token) rely on that. A status set
// with SetJobStatus is held the same way.

const (
	defaultPickupDelay   = time.Second
	defaultRunDuration   = 3 * time.Second
	defaultGracefulDelay = time.Second
	// simulatedRunnerID is the runner that picks jobs up.
	simulatedRunnerID = 1
)

// script is what the simulated runner does with a job.
type script struct {
	duration      time.Duration // 0: Options.RunDuration; negative: none
	outcome       string        // success or failed
	failureReason string        // for a failed outcome
	logOnRun      string        // appended to the log when the job starts
	stuck         bool          // never picked up nor finished
}

func scriptOf(js JobSpec) script {
	sc := script{duration: js.RunDuration, outcome: js.Outcome, logOnRun: js.LogOnRun, stuck: js.Stuck}
	if sc.outcome == "" {
		sc.outcome = StatusSuccess
	}
	if sc.outcome == StatusFailed {
		sc.failureReason = firstNonEmpty(js.FailureReason, "script_failure")
	}
	return sc
}

// scripted says whether a JobSpec asks the runner to drive its job.
func scripted(js JobSpec) bool {
	return js.RunDuration != 0 || js.Outcome != "" || js.LogOnRun != ""
}

// Clock is a fake clock for tests: pass clock.Now as Options.Now and move
// time with Advance. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock showing start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// lock takes the store's lock and lets the runner catch up with the clock.
func (s *Sim) lock() {
	s.mu.Lock()
	s.advance(s.opts.Now())
}

// wakeRunner queues a driven job the runner may have to move. Called on
// every status change; the next advance looks at every queued job again.
func (s *Sim) wakeRunner(j *job) {
	if j.driven {
		s.runnable[j.id] = true
		s.nextDue = time.Time{}
	}
}

// advance performs, in job ID order, everything the runner was due to do by
// now. Every request calls it, so it returns at once before s.nextDue, the
// earliest moment one of the queued jobs is due: a job's due time changes
// only with its status, timestamps or script, which wakeRunner hears of.
func (s *Sim) advance(now time.Time) {
	if s.opts.RunnerDisabled || len(s.runnable) == 0 || now.Before(s.nextDue) {
		return
	}
	ids := make([]int64, 0, len(s.runnable))
	for id := range s.runnable {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var next time.Time
	for _, id := range ids {
		j := s.jobs[id]
		if j == nil {
			delete(s.runnable, id)
			continue
		}
		due, waiting := s.step(j, now)
		if !waiting {
			delete(s.runnable, id)
			continue
		}
		if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	s.nextDue = next
	for id := range s.runnable { // woken during the pass (a pipeline's next stage): another pass
		if _, seen := slices.BinarySearch(ids, id); !seen {
			s.nextDue = time.Time{}
			s.advance(now)
			return
		}
	}
}

// step moves one job as far as the clock allows; it reports whether the job
// still waits for the runner, and until when (after now).
func (s *Sim) step(j *job, now time.Time) (time.Time, bool) {
	if !j.driven || j.script.stuck {
		return time.Time{}, false
	}
	for {
		switch j.status {
		case StatusPending:
			queued := j.createdAt
			if j.queuedAt != nil {
				queued = *j.queuedAt
			}
			due := queued.Add(s.opts.RunnerPickupDelay)
			if due.After(now) {
				return due, true
			}
			if j.bridge {
				// The trigger is processed (Ci::CreateDownstreamPipelineService):
				// the bridge runs, the downstream pipeline is created and a
				// bridge without strategy:depend succeeds (update_bridge_status!:
				// success! unless dependent?); a failed creation fails it. A
				// dependent bridge stays running: its downstream pipeline's
				// completion sets its status (dependentBridgeAfter).
				if reason := s.triggerDownstream(j, due); reason != "" {
					s.fire(j, evDrop, due, transitionArgs{failureReason: reason})
					continue
				}
				if j.trigger != nil && j.trigger.Depend {
					s.fire(j, evRun, due, transitionArgs{})
					continue
				}
				s.fire(j, evSucceed, due, transitionArgs{})
				continue
			}
			s.fire(j, evRun, due, transitionArgs{})
			j.runnerID = simulatedRunnerID
			j.log += j.script.logOnRun
		case StatusRunning:
			if j.bridge {
				return time.Time{}, false // strategy:depend: its downstream pipeline ends it (dependentBridgeAfter)
			}
			if j.startedAt == nil {
				j.startedAt = timePtr(now.UTC())
			}
			d := j.script.duration
			if d == 0 {
				d = s.opts.RunDuration
			}
			due := j.startedAt.Add(max(d, 0))
			if due.After(now) {
				return due, true
			}
			if j.script.outcome == StatusFailed {
				s.fire(j, evDrop, due, transitionArgs{failureReason: j.script.failureReason})
			} else {
				s.fire(j, evSucceed, due, transitionArgs{})
			}
		case StatusCanceling:
			start := now
			if j.cancelingAt != nil {
				start = *j.cancelingAt
			}
			due := start.Add(s.opts.GracefulCancelDelay)
			if due.After(now) {
				return due, true
			}
			// after_script ran; the runner reports and the job ends canceled.
			s.fire(j, evSucceed, due, transitionArgs{})
		default:
			return time.Time{}, false
		}
	}
}

// triggerDownstream creates the downstream pipeline of bridge j's trigger,
// if it has one and has not triggered yet (Ci::CreateDownstreamPipelineService):
// a child pipeline of its project (source parent_pipeline) or a pipeline of
// another project (source pipeline), on the bridge's ref, run by its user.
// It returns the bridge's failure reason when GitLab would not create it.
func (s *Sim) triggerDownstream(j *job, at time.Time) string {
	if j.trigger == nil || j.downstreamID != 0 {
		return ""
	}
	upstream := s.pipelines[j.pipelineID]
	target, source := j.projectID, "parent_pipeline"
	if t := j.trigger.ProjectID; t != 0 && t != j.projectID {
		target, source = t, "pipeline"
	}
	if s.projects[target] == nil {
		return "downstream_bridge_project_not_found"
	}
	if len(j.trigger.Jobs) == 0 {
		return "downstream_pipeline_creation_failed"
	}
	created := at.UTC()
	spec := PipelineSpec{Ref: upstream.ref, Tag: upstream.tag, Source: source, UserID: j.userID, Jobs: j.trigger.Jobs, CreatedAt: &created}
	if source == "parent_pipeline" {
		spec.SHA = upstream.sha
	}
	p, err := s.createPipeline(target, spec)
	if err != nil {
		return "downstream_pipeline_creation_failed"
	}
	j.downstreamID = p.ID
	s.pipelines[p.ID].sourceBridge = j.id
	return ""
}

// dependentBridgeAfter is Ci::PipelineBridgeStatusService, run when a job
// of pipeline j.pipelineID changed: once that pipeline has completed, the
// running bridge that triggered it with strategy:depend takes its status
// (Ci::Bridge#inherit_status_from_downstream!: success, canceled, or failed
// for a failed or skipped pipeline; the inherit_* events go from any
// status).
func (s *Sim) dependentBridgeAfter(j *job, at time.Time) {
	pl := s.pipelines[j.pipelineID]
	if pl == nil || pl.sourceBridge == 0 {
		return
	}
	b := s.jobs[pl.sourceBridge]
	if b == nil || b.trigger == nil || !b.trigger.Depend || b.status != StatusRunning || b.downstreamID != pl.id {
		return
	}
	switch s.pipelineStatusOf(pl) {
	case StatusSuccess:
		s.fire(b, evSucceed, at, transitionArgs{})
	case StatusCanceled:
		s.fire(b, evCancel, at, transitionArgs{})
	case StatusFailed, StatusSkipped:
		s.fire(b, evDrop, at, transitionArgs{})
	}
}
