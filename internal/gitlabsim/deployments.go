package gitlabsim

import (
	"time"
)

// Deployments as GitLab makes them. Sources (gitlabhq/gitlabhq and, for
// EE, diffblue/gitlab):
//
//   - lib/gitlab/ci/pipeline/chain/create_deployments.rb and
//     app/services/deployments/create_for_job_service.rb: when a pipeline
//     is created, each job with an environment whose action is start (the
//     default; Ci::Deployable#deployment_job?) gets a Deployment: status
//     created, the pipeline's ref, tag and SHA, the job's user, the
//     project's next iid. prepare, stop, verify and access jobs get none.
//     A retried job's copy gets its own (Ci::RetryJobService persists the
//     copy's environment and deployment as pipeline creation does).
//   - app/models/concerns/ci/deployable.rb: every status change of the job
//     synchronizes its deployment (Deployment#sync_status_with): a manual
//     job's deployment is blocked; created, running, success, failed,
//     canceled and skipped follow the job; other job statuses (pending,
//     waiting_for_resource, preparing, scheduled, canceling) leave it.
//   - app/models/deployment.rb, the state machine: run from created or
//     blocked; block from created; create from skipped; succeed, drop,
//     cancel and skip from any other status; finished_at set on success,
//     failed and canceled. A transition the machine does not have is
//     ignored (sync_status_with rescues it), e.g. block of a running
//     deployment.
//
// Approvals (deployment_approvals.go) are kept with the deployment.

// Deployment statuses (Deployment.statuses).
const (
	DeploymentCreated  = "created"
	DeploymentRunning  = "running"
	DeploymentSuccess  = "success"
	DeploymentFailed   = "failed"
	DeploymentCanceled = "canceled"
	DeploymentSkipped  = "skipped"
	DeploymentBlocked  = "blocked"
)

// deploymentStatuses are Deployment.statuses, in enum order.
var deploymentStatuses = []string{DeploymentCreated, DeploymentRunning, DeploymentSuccess, DeploymentFailed,
	DeploymentCanceled, DeploymentSkipped, DeploymentBlocked}

// deployment is a Deployment record of a project.
type deployment struct {
	id, iid       int64
	projectID     int64
	environmentID int64
	jobID         int64 // the deployable; 0 for none
	userID        int64 // who created it (the job's user then)
	ref, sha      string
	tag           bool
	status        string
	createdAt     time.Time
	updatedAt     time.Time
	finishedAt    *time.Time
	approvals     []*deploymentApproval // in creation order
}

// deploymentState is the store's part for deployments.
type deploymentState struct {
	byProject map[int64][]*deployment // in ID order
	byJob     map[int64]*deployment
	nextIID   map[int64]int64
}

// deploymentJob is Ci::Deployable#deployment_job?: the job names an
// environment whose action is start.
func deploymentJob(e *CIEnvironment) bool {
	return e != nil && (e.Action == "" || e.Action == "start")
}

// createDeployments is Chain::CreateDeployments for a created pipeline.
func (s *Sim) createDeployments(pl *pipeline, at time.Time) {
	for _, id := range pl.jobIDs {
		if j := s.jobs[id]; j != nil {
			s.ensureDeployment(j, at)
		}
	}
}

// ensureDeployment is Deployments::CreateForJobService: the job's
// deployment, created when it is a deployment job without one.
func (s *Sim) ensureDeployment(j *job, at time.Time) *deployment {
	st := &s.guards.deploys
	if d := st.byJob[j.id]; d != nil {
		return d
	}
	e := s.jobEnvironment(j)
	pl := s.pipelines[j.pipelineID]
	if !deploymentJob(e) || pl == nil {
		return nil
	}
	env := s.ensureEnvironment(j.projectID, e, at)
	if st.byJob == nil {
		st.byProject, st.byJob, st.nextIID = map[int64][]*deployment{}, map[int64]*deployment{}, map[int64]int64{}
	}
	st.nextIID[j.projectID]++
	d := &deployment{id: s.newID("deployment", 0), iid: st.nextIID[j.projectID], projectID: j.projectID,
		environmentID: env.id, jobID: j.id, userID: j.userID, ref: pl.ref, sha: pl.sha, tag: pl.tag,
		status: DeploymentCreated, createdAt: at.UTC(), updatedAt: at.UTC()}
	st.byProject[j.projectID] = append(st.byProject[j.projectID], d)
	st.byJob[j.id] = d
	return d
}

// deploymentAfter is Ci::Deployable's after_transition: the job's
// deployment (created first for a retried deployment job) follows its
// status.
func (s *Sim) deploymentAfter(j *job, at time.Time) {
	if s.jobEnvironment(j) == nil {
		return
	}
	if d := s.ensureDeployment(j, at); d != nil {
		d.syncStatusWith(j.status, at)
	}
}

// syncStatusWith is Deployment#sync_status_with and update_status!.
func (d *deployment) syncStatusWith(jobStatus string, at time.Time) {
	to := jobStatus
	if to == StatusManual {
		to = DeploymentBlocked
	}
	if to == d.status || !d.canTransition(to) {
		return
	}
	d.status = to
	d.updatedAt = at.UTC()
	if to == DeploymentSuccess || to == DeploymentFailed || to == DeploymentCanceled {
		d.finishedAt = timePtr(at.UTC())
	}
}

// canTransition says whether Deployment's state machine has the event
// that takes d to status to.
func (d *deployment) canTransition(to string) bool {
	switch to {
	case DeploymentRunning: // run
		return d.status == DeploymentCreated || d.status == DeploymentBlocked
	case DeploymentBlocked: // block
		return d.status == DeploymentCreated
	case DeploymentCreated: // create
		return d.status == DeploymentSkipped
	case DeploymentSuccess, DeploymentFailed, DeploymentCanceled, DeploymentSkipped: // succeed, drop, cancel, skip
		return true
	}
	return false // pending, preparing, waiting_for_resource, scheduled, canceling: no deployment status
}

// Deployment is a snapshot of a deployment, for assertions.
type Deployment struct {
	ID, IID, ProjectID int64
	EnvironmentName    string
	JobID              int64
	UserID             int64
	Ref, SHA           string
	Status             string
	// PendingApprovalCount is Deployment#pending_approval_count
	// (deployment_approvals.go); Approvals its approvals in order.
	PendingApprovalCount int64
	Approvals            []DeploymentApproval
}

// DeploymentApproval is a snapshot of an approval of a deployment.
type DeploymentApproval struct {
	UserID  int64
	Status  string // approved or rejected
	Comment string
	RuleID  int64 // the approval rule it counts for; 0 without approval rules
}

func (s *Sim) deploymentSnapshot(d *deployment) Deployment {
	out := Deployment{ID: d.id, IID: d.iid, ProjectID: d.projectID, JobID: d.jobID, UserID: d.userID,
		Ref: d.ref, SHA: d.sha, Status: d.status, PendingApprovalCount: s.pendingApprovalCount(d)}
	if env := s.environmentByID(d.projectID, d.environmentID); env != nil {
		out.EnvironmentName = env.name
	}
	for _, a := range d.approvals {
		out.Approvals = append(out.Approvals, DeploymentApproval{UserID: a.userID, Status: a.status, Comment: a.comment, RuleID: a.ruleID})
	}
	return out
}

// Deployments are a project's deployments, in ID order.
func (s *Sim) Deployments(projectID int64) []Deployment {
	s.lock()
	defer s.mu.Unlock()
	var out []Deployment
	for _, d := range s.guards.deploys.byProject[projectID] {
		out = append(out, s.deploymentSnapshot(d))
	}
	return out
}

// JobDeployment is the deployment of a job; ok is false when it has none.
func (s *Sim) JobDeployment(jobID int64) (Deployment, bool) {
	s.lock()
	defer s.mu.Unlock()
	d := s.guards.deploys.byJob[jobID]
	if d == nil {
		return Deployment{}, false
	}
	return s.deploymentSnapshot(d), true
}

func (s *Sim) environmentByID(projectID, id int64) *environment {
	for _, env := range s.guards.environments[projectID] {
		if env.id == id {
			return env
		}
	}
	return nil
}
