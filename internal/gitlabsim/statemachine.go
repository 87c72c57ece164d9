package gitlabsim

import (
	"slices"
	"time"
)

// GitLab's job state machine, in one place. Every status change of the
// simulator goes through here: the action endpoints and their out-of-band Go
// twins fire events (fire), the simulated runner fires run/success/drop, and
// the fixture's SetJobStatus jumps to a status with forceStatus.
//
// Sources (gitlabhq/gitlabhq):
//   - app/models/commit_status.rb: the events enqueue, run, skip, drop,
//     success, cancel and process, and the before_transition hooks that set
//     queued_at, started_at, finished_at, failure_reason and the user.
//   - app/models/ci/build.rb: enqueue_scheduled, enqueue_preparing, actionize,
//     schedule, unschedule; playable?, erasable?, action?,
//     supports_canceling? (the runner's graceful cancel).
//   - app/models/ci/processable.rb: retryable?, enqueue_waiting_for_resource.
//   - app/models/ci/bridge.rb: a bridge's playable? and action?.
//   - app/models/concerns/ci/has_status.rb: ACTIVE_STATUSES,
//     COMPLETED_STATUSES, CANCELABLE_STATUSES.
//   - force_cancel (canceling → canceled) as GitLab-derived code defines it.
//
// Resource groups (resource_groups.go) guard enqueue's transition to
// waiting_for_resource (Ci::Processable, with_resource_group?). The
// simulator has no prerequisites or callbacks, so the transitions guarded
// by any_unmet_prerequisites? (to preparing) never apply, and
// waiting_for_callback is not a status here.

// event is a state machine event of CommitStatus and its subclasses.
type event string

const (
	evEnqueue          event = "enqueue"
	evEnqueueScheduled event = "enqueue_scheduled"
	evEnqueuePreparing event = "enqueue_preparing"
	evEnqueueWaiting   event = "enqueue_waiting_for_resource"
	evRun              event = "run"
	evSkip             event = "skip"
	evDrop             event = "drop"
	evSucceed          event = "success"
	evCancel           event = "cancel"
	evForceCancel      event = "force_cancel"
	evProcess          event = "process"
	evActionize        event = "actionize"
	evSchedule         event = "schedule"
	evUnschedule       event = "unschedule"
)

// transition is one `transition from => to` line of an event, optionally
// guarded (`if:`). An event applies its first transition whose from list
// holds the job's status and whose guard passes, as the state_machines gem does.
type transition struct {
	from  []string
	to    string
	guard func(s *Sim, j *job) bool
	// buildsOnly transitions are Ci::Build's own (bridges lack them).
	buildsOnly bool
}

// cancelableStatuses is Ci::HasStatus::CANCELABLE_STATUSES (without
// waiting_for_callback, which the simulator has not).
var cancelableStatuses = []string{
	StatusCreated, StatusWaitingForResource, StatusPreparing, StatusPending, StatusRunning, StatusScheduled,
}

// transitions is the transition table.
var transitions = map[event][]transition{
	// enqueue goes to waiting_for_resource with a resource group
	// (Ci::Processable's transition, defined first), to preparing with unmet
	// prerequisites (never, here), else to pending.
	evEnqueue: {
		{from: []string{StatusCreated, StatusSkipped, StatusManual, StatusScheduled}, to: StatusWaitingForResource,
			guard: (*Sim).withResourceGroup},
		{from: []string{StatusCreated, StatusSkipped, StatusManual, StatusScheduled}, to: StatusPending},
	},
	evEnqueueScheduled: {
		{from: []string{StatusScheduled}, to: StatusWaitingForResource, guard: (*Sim).withResourceGroup},
		{from: []string{StatusScheduled}, to: StatusPending, buildsOnly: true},
	},
	evEnqueuePreparing: {
		{from: []string{StatusPreparing}, to: StatusPending, buildsOnly: true},
	},
	evEnqueueWaiting: {
		{from: []string{StatusWaitingForResource}, to: StatusPending},
	},
	evRun: {
		{from: []string{StatusPending}, to: StatusRunning},
	},
	evSkip: {
		{from: []string{StatusCreated, StatusWaitingForResource, StatusPreparing, StatusPending}, to: StatusSkipped},
	},
	evDrop: {
		{from: []string{StatusCanceling}, to: StatusCanceled}, // the runner reports after a graceful cancel
		{from: []string{StatusCreated, StatusWaitingForResource, StatusPreparing, StatusPending, StatusRunning,
			StatusManual, StatusScheduled}, to: StatusFailed},
	},
	evSucceed: {
		{from: []string{StatusCanceling}, to: StatusCanceled},
		{from: []string{StatusCreated, StatusWaitingForResource, StatusPreparing, StatusPending, StatusRunning}, to: StatusSuccess},
	},
	// The cancel endpoint fires cancel without asking Ci::Build#cancelable?
	// (jobs.rb calls build.cancel), so a manual job is canceled too.
	evCancel: {
		{from: []string{StatusRunning}, to: StatusCanceling, guard: (*Sim).supportsCanceling},
		{from: append(slices.Clone(cancelableStatuses), StatusManual), to: StatusCanceled},
	},
	evForceCancel: {
		{from: []string{StatusCanceling}, to: StatusCanceled},
	},
	evProcess: {
		{from: []string{StatusSkipped, StatusManual}, to: StatusCreated},
	},
	evActionize: {
		{from: []string{StatusCreated}, to: StatusManual},
	},
	evSchedule: {
		{from: []string{StatusCreated}, to: StatusScheduled, buildsOnly: true},
	},
	evUnschedule: {
		{from: []string{StatusScheduled}, to: StatusManual, buildsOnly: true},
	},
}

// supportsCanceling is Ci::Build#supports_canceling? (cancel_gracefully?):
// the runner that runs the job supports after_script on cancel. Only builds
// go to canceling through cancel.
func (s *Sim) supportsCanceling(j *job) bool {
	return !j.bridge && s.opts.GracefulCancel
}

// target is where event ev takes j, if anywhere.
func (s *Sim) target(j *job, ev event) (string, bool) {
	for _, t := range transitions[ev] {
		if t.buildsOnly && j.bridge {
			continue
		}
		if slices.Contains(t.from, j.status) && (t.guard == nil || t.guard(s, j)) {
			return t.to, true
		}
	}
	return "", false
}

// transitionArgs are an event's arguments: drop's failure reason, process's user.
type transitionArgs struct {
	failureReason string
	userID        int64
}

// fire applies event ev to j at time at, with the before_transition hooks of
// CommitStatus; it reports whether a transition happened.
func (s *Sim) fire(j *job, ev event, at time.Time, args transitionArgs) bool {
	to, ok := s.target(j, ev)
	if !ok || ev == evEnqueue && s.waitingForDeploymentApproval(j) { // EE Ci::Deployable's before_transition on enqueue
		return false
	}
	from := j.status
	at = at.UTC()
	switch {
	case to == StatusPending && slices.Contains([]string{StatusCreated, StatusWaitingForResource, StatusPreparing,
		StatusSkipped, StatusManual, StatusScheduled}, from):
		j.queuedAt = timePtr(at)
	case to == StatusRunning && slices.Contains([]string{StatusCreated, StatusPreparing, StatusPending}, from):
		j.startedAt = timePtr(at)
	case to == StatusCanceling:
		j.cancelingAt = timePtr(at)
	case to == StatusCreated && args.userID != 0:
		j.userID = args.userID
	}
	if to == StatusSuccess || to == StatusFailed || to == StatusCanceled {
		j.finishedAt = timePtr(at)
	}
	j.failureReason = ""
	if to == StatusFailed {
		// Gitlab::Ci::Build::Status::Reason.fabricate: unknown_failure without a reason.
		j.failureReason = firstNonEmpty(args.failureReason, "unknown_failure")
	}
	j.status = to
	s.deploymentAfter(j, at) // deployments.go
	s.pipelineChanged(j.pipelineID)
	s.touchPipelineAt(j.pipelineID, at)
	s.wakeRunner(j)
	s.resourceGroupAfter(j, at)   // resource_groups.go: release and assign the resource
	s.processAfter(j, at)         // pipeline_processing.go
	s.dependentBridgeAfter(j, at) // runner.go: strategy:depend
	return true
}

func timePtr(t time.Time) *time.Time { return &t }

// forceStatus jumps to any status, as a fixture may (SetJobStatus): not an
// event, but the timestamps, failure reason and runner the status implies.
// The status is held: the simulated runner stops driving the job.
func (s *Sim) forceStatus(j *job, status string) {
	j.driven = false
	j.status = status
	s.deploymentAfter(j, s.opts.Now()) // deployments.go
	if !started(status) && !completed(status) {
		j.startedAt, j.finishedAt = nil, nil
	}
	if !completed(status) {
		j.finishedAt = nil
	}
	if status != StatusCanceling {
		j.cancelingAt = nil
	} else if j.cancelingAt == nil {
		j.cancelingAt = timePtr(s.opts.Now().UTC())
	}
	s.settleTimestamps(j, nil)
	s.pipelineChanged(j.pipelineID)
	s.touchPipeline(j.pipelineID)
	s.wakeRunner(j)
	s.resourceGroupAfter(j, s.opts.Now()) // resource_groups.go
	s.processAfter(j, s.opts.Now())       // pipeline_processing.go
}

// The predicates of the action endpoints.

// action is Ci::Build#action? (when manual or delayed), Ci::Bridge#action? (manual).
func (j *job) action() bool {
	if j.bridge {
		return j.when == "manual"
	}
	return j.when == "manual" || j.when == "delayed"
}

// playable is Ci::Build#playable?: action? && !archived? && (manual? ||
// scheduled? || retryable?) && !waiting_for_deployment_approval?; for a bridge action? && !archived? && manual?.
// Builds are never archived here (archive_builds_older_than is not simulated).
func (s *Sim) playable(j *job) bool {
	if !j.action() {
		return false
	}
	if j.bridge {
		return j.status == StatusManual
	}
	return (j.status == StatusManual || j.status == StatusScheduled || s.retryable(j)) && !s.waitingForDeploymentApproval(j)
}

// retryable is Ci::Processable#retryable?: not retried (nor archived, nor a
// rejected deployment) and success, failed, canceled or canceling.
func (s *Sim) retryable(j *job) bool {
	if j.retried || j.failureReason == "deployment_rejected" { // Ci::Processable#retryable?: deployment_rejected?
		return false
	}
	switch j.status {
	case StatusSuccess, StatusFailed, StatusCanceled, StatusCanceling:
		return true
	}
	return false
}

// erasable is Ci::Build#erasable?: complete? && (artifacts? ||
// has_job_artifacts? || has_trace?). Bridges are not builds.
func (s *Sim) erasable(j *job) bool {
	return !j.bridge && completed(j.status) && (len(j.artifacts) > 0 || j.log != "")
}
