package gitlabclient

import "slices"

// The one vocabulary of job statuses of the client and the provider: which
// statuses are finished, and in which GitLab accepts each job action. The
// simulator (internal/gitlabsim) keeps its own, as GitLab's other side of the
// contract; status_contract_test.go checks that the two agree on every
// status by acting on the simulator's jobs.
//
// Sources (gitlabhq/gitlabhq):
//   - app/models/concerns/ci/has_status.rb: AVAILABLE_STATUSES,
//     COMPLETED_STATUSES, BLOCKED_STATUS, EXECUTING_STATUSES,
//     CANCELABLE_STATUSES.
//   - app/models/commit_status.rb: the cancel event, `transition
//     CANCELABLE_STATUSES + [:manual] => :canceled` (and running → canceling
//     when the runner cancels gracefully).
//   - lib/api/ci/jobs.rb: POST .../cancel calls build.cancel (the event), not
//     Ci::BuildCancelService, so a manual job is canceled through the API
//     although Ci::Build#cancelable? ((active? || created?) && !canceling?)
//     is false for it; POST .../erase answers 403 "Job is not erasable!"
//     unless Ci::Build#erasable?; POST .../play answers 400 "Unplayable Job"
//     unless playable?; POST .../retry answers 403 "Job is not retryable"
//     unless Ci::RetryJobService accepts (retryable?).
//   - app/models/ci/build.rb: playable? (action? && !archived? && (manual? ||
//     scheduled? || retryable?)), erasable? (complete? && (artifacts? ||
//     has_job_artifacts? || has_trace?)).
//   - app/models/ci/processable.rb: retryable? (not retried, archived or a
//     rejected deployment, and success? || failed? || canceled? ||
//     canceling?).
//   - app/models/ci/bridge.rb: a bridge's playable? (action? && !archived? &&
//     manual?); bridges are found by play and retry only (find_job!), cancel
//     and erase look for builds (find_build!).
//
// The functions below decide by status alone; what the status cannot show
// (the job's `when`, retried, archived, its log and artifacts) GitLab checks
// on top.

// Job statuses: Ci::HasStatus::AVAILABLE_STATUSES.
const (
	StatusCreated            = "created"
	StatusWaitingForResource = "waiting_for_resource"
	StatusPreparing          = "preparing"
	StatusWaitingForCallback = "waiting_for_callback"
	StatusPending            = "pending"
	StatusRunning            = "running"
	StatusSuccess            = "success"
	StatusFailed             = "failed"
	StatusCanceling          = "canceling"
	StatusCanceled           = "canceled"
	StatusSkipped            = "skipped"
	StatusManual             = "manual"
	StatusScheduled          = "scheduled"
)

// AllStatuses is Ci::HasStatus::AVAILABLE_STATUSES, in its order.
var AllStatuses = []string{
	StatusCreated, StatusWaitingForResource, StatusPreparing, StatusWaitingForCallback, StatusPending,
	StatusRunning, StatusSuccess, StatusFailed, StatusCanceling, StatusCanceled, StatusSkipped,
	StatusManual, StatusScheduled,
}

var (
	// Ci::HasStatus::COMPLETED_STATUSES.
	completedStatuses = []string{StatusSuccess, StatusFailed, StatusCanceled, StatusSkipped}
	// Ci::HasStatus::BLOCKED_STATUS.
	blockedStatuses = []string{StatusManual, StatusScheduled}
	// Ci::HasStatus::EXECUTING_STATUSES.
	executingStatuses = []string{StatusRunning, StatusCanceling}
	// Ci::HasStatus::CANCELABLE_STATUSES: ALIVE_STATUSES (not completed, not
	// blocked) + scheduled - canceling.
	cancelableStatuses = []string{StatusCreated, StatusWaitingForResource, StatusPreparing, StatusWaitingForCallback,
		StatusPending, StatusRunning, StatusScheduled}
	// The status part of Ci::Processable#retryable?.
	retryableStatuses = []string{StatusSuccess, StatusFailed, StatusCanceled, StatusCanceling}
)

// Finished reports whether a job in status has ended and will not change by
// itself any more: Ci::HasStatus#complete? (COMPLETED_STATUSES: success,
// failed, canceled, skipped).
func Finished(status string) bool { return slices.Contains(completedStatuses, status) }

// WaitingToBePlayed reports whether a job waits for a play to run in place:
// Ci::HasStatus#blocked? (BLOCKED_STATUS: manual, scheduled). A play of a
// job in another playable status runs it again as a new job.
func WaitingToBePlayed(status string) bool { return slices.Contains(blockedStatuses, status) }

// LeftQueue reports whether a job no longer waits to run: it runs, is being
// canceled, or has finished (EXECUTING_STATUSES + COMPLETED_STATUSES).
func LeftQueue(status string) bool {
	return slices.Contains(executingStatuses, status) || Finished(status)
}

// Cancelable reports whether POST .../cancel changes a job in status: the
// statuses GitLab's cancel event leaves (CANCELABLE_STATUSES and manual; a
// running job goes to canceling when its runner cancels gracefully, else to
// canceled). GitLab answers 201 with the job unchanged for any other status.
func Cancelable(status string) bool {
	return slices.Contains(cancelableStatuses, status) || status == StatusManual
}

// Retryable reports whether POST .../retry may accept a job (build or
// bridge) in status: the status part of Ci::Processable#retryable?
// (success, failed, canceled, canceling); GitLab also refuses a job retried
// before or archived.
func Retryable(status string) bool { return slices.Contains(retryableStatuses, status) }

// Playable reports whether POST .../play may accept a build in status: the
// status part of Ci::Build#playable? (manual, scheduled, or retryable: a
// finished manual job is run again as a new job). GitLab also requires a
// manual or delayed job (action?) that is not archived.
func Playable(status string) bool { return WaitingToBePlayed(status) || Retryable(status) }

// BridgePlayable is Playable for a bridge (trigger job): Ci::Bridge#playable?
// accepts only a manual one.
func BridgePlayable(status string) bool { return status == StatusManual }

// Erasable reports whether POST .../erase may accept a build in status: the
// status part of Ci::Build#erasable? (complete?). GitLab also requires
// something to erase: artifacts or a log.
func Erasable(status string) bool { return Finished(status) }
