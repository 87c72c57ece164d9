package gitlabsim

// Job statuses, as in GitLab's Ci::HasStatus.
const (
	StatusCreated            = "created"
	StatusWaitingForResource = "waiting_for_resource"
	StatusPreparing          = "preparing"
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

// AllStatuses lists every job status.
var AllStatuses = []string{
	StatusCreated, StatusWaitingForResource, StatusPreparing, StatusPending, StatusRunning,
	StatusSuccess, StatusFailed, StatusCanceling, StatusCanceled, StatusSkipped, StatusManual, StatusScheduled,
}

func knownStatus(s string) bool {
	for _, v := range AllStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// completed statuses: the job will not change by itself any more.
func completed(s string) bool {
	return s == StatusSuccess || s == StatusFailed || s == StatusCanceled || s == StatusSkipped
}

// started statuses have a started_at.
func started(s string) bool {
	return s == StatusRunning || s == StatusCanceling || s == StatusSuccess || s == StatusFailed
}

// pipelineStatus derives a pipeline's status from its jobs' statuses, after
// GitLab's Gitlab::Ci::Status::Composite: the most "active" status wins.
func pipelineStatus(statuses []string) string {
	if len(statuses) == 0 {
		return StatusCreated
	}
	count := map[string]int{}
	for _, s := range statuses {
		count[s]++
	}
	all := func(set ...string) bool {
		n := 0
		for _, s := range set {
			n += count[s]
		}
		return n == len(statuses)
	}
	switch {
	case all(StatusCreated):
		return StatusCreated
	case all(StatusSkipped):
		return StatusSkipped
	case all(StatusSuccess, StatusSkipped):
		return StatusSuccess
	case count[StatusRunning]+count[StatusPending]+count[StatusPreparing]+count[StatusCanceling] > 0:
		return StatusRunning
	case count[StatusWaitingForResource] > 0:
		return StatusWaitingForResource
	case count[StatusFailed] > 0:
		return StatusFailed
	case count[StatusCanceled] > 0:
		return StatusCanceled
	case count[StatusManual] > 0:
		return StatusManual
	case count[StatusScheduled] > 0:
		return StatusScheduled
	default:
		return StatusSuccess
	}
}
