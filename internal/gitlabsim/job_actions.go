package gitlabsim

import (
	"net/http"
	"regexp"
	"strings"
	"time"
)

// The action endpoints of lib/api/ci/jobs.rb: cancel, retry, erase and play.
// None accepts CI job tokens (no job_token_allowed route setting), and a
// token needs the api scope. Their checks run in GitLab's order:
// authentication, Grape's parameter validation, the project (404), then
// each endpoint's own authorization and state checks. The state changes go
// through the state machine (statemachine.go) in the core operations below,
// which the out-of-band Go API (outofband.go) shares.
//
// Authorization, after the project and build policies: developers (and
// admins) may cancel, retry and play; erasing needs a maintainer, or a
// developer who owns the job (Ci::BuildPolicy: admin_build |
// (update_build & owner_of_job)); force-cancel needs a maintainer. Archived
// projects allow none. Protected branches, tags and environments refuse them
// to whoever may not update the ref or deploy to the environment (guards.go).

func (s *Sim) actionRoutes() {
	s.handle("POST /api/v4/projects/{id}/jobs/{job_id}/cancel", s.postCancel)
	s.handle("POST /api/v4/projects/{id}/jobs/{job_id}/retry", s.postRetry)
	s.handle("POST /api/v4/projects/{id}/jobs/{job_id}/erase", s.postErase)
	s.handle("POST /api/v4/projects/{id}/jobs/{job_id}/play", s.postPlay)
}

// Action names of ActionCount.
const (
	ActionPlay   = "play"
	ActionRetry  = "retry"
	ActionCancel = "cancel"
	ActionErase  = "erase"
)

// POST /projects/:id/jobs/:job_id/cancel: 201 with the job as it is now; a
// job the cancel event does not apply to (finished) comes back unchanged.
// force=true (maintainers) ends a canceling job.
func (s *Sim) postCancel(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, params, id, ok := s.actionRequest(w, r)
	if !ok {
		return
	}
	force, ok := boolValue(params, "force")
	if !ok {
		badParam(w, "force is invalid")
		return
	}
	proj, ok := s.actionProject(w, r, p)
	if !ok {
		return
	}
	if !canUpdateBuilds(p, proj) { // authorize_cancel_builds!
		forbidden(w, "")
		return
	}
	j, ok := s.jobOfProject(w, proj, id, true) // find_build!: builds only
	if !ok {
		return
	}
	if !s.canWriteJob(p, proj, j) { // authorize!(:cancel_build, build): protected ref or environment (guards.go)
		forbidden(w, "")
		return
	}
	if force && !canAdminBuilds(p, proj) {
		forbidden(w, "")
		return
	}
	s.cancelJob(j, force, s.opts.Now())
	s.writeJobs(w, r, http.StatusCreated, nil, j, false)
}

// POST /projects/:id/jobs/:job_id/retry: 201 with the new job (builds and
// bridges), presented as Entities::Ci::Job.
func (s *Sim) postRetry(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, proj, j, ok := s.actionJob(w, r, false) // find_job!: builds and bridges
	if !ok {
		return
	}
	if !s.canWriteJob(p, proj, j) { // authorize!(:retry_job, job), with the guards (guards.go)
		forbidden(w, "")
		return
	}
	if !s.retryable(j) {
		forbidden(w, "Job is not retryable")
		return
	}
	nj := s.retryJob(j, p.user.id, s.opts.Now())
	// Entities::Ci::Job for a build or a bridge: a bridge then has no
	// downstream_pipeline, no runner_manager (exposed only for Ci::Build), no
	// artifacts, and the tag_list of Ci::Bridge#tags ([:bridge], by name).
	s.writeJobs(w, r, http.StatusCreated, nil, nj, true)
}

// POST /projects/:id/jobs/:job_id/erase: 201 with the erased job.
func (s *Sim) postErase(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, proj, j, ok := s.actionJob(w, r, true) // find_build!
	if !ok {
		return
	}
	// erase_build: admin_build | (update_build & owner_of_job & unprotected_ref)
	if !canAdminBuilds(p, proj) && !(canUpdateBuilds(p, proj) && j.userID == p.user.id && !s.onProtectedRef(j)) {
		forbidden(w, "")
		return
	}
	if s.jobGuard(p, proj, j) != nil { // erase_build prevented on a protected ref or environment (guards.go)
		forbidden(w, "")
		return
	}
	if !s.erasable(j) {
		forbidden(w, "Job is not erasable!")
		return
	}
	s.eraseJob(j, p.user.id, s.opts.Now())
	s.writeJobs(w, r, http.StatusCreated, nil, j, false)
}

// POST /projects/:id/jobs/:job_id/play: 200 (not 201) with the job, as a
// job or a bridge entity. A finished action job is played again by
// retrying it: the answer is then the original job, the new one pending.
func (s *Sim) postPlay(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, params, id, ok := s.actionRequest(w, r)
	if !ok {
		return
	}
	vars, invalid := jobVariablesParam(params)
	if invalid != "" {
		badParam(w, invalid)
		return
	}
	givenInputs, inputOrder, ok := givenInputs(params, "job_inputs")
	if !ok {
		badParam(w, "job_inputs is invalid")
		return
	}
	proj, ok := s.actionProject(w, r, p)
	if !ok {
		return
	}
	if !s.canReadJobs(p, proj) { // authorize_read_builds!
		forbidden(w, "")
		return
	}
	j, ok := s.jobOfProject(w, proj, id, false) // find_job!
	if !ok {
		return
	}
	if !s.canWriteJob(p, proj, j) { // authorize!(:play_job, job), with the guards (guards.go); set_pipeline_variables is the same role here
		forbidden(w, "")
		return
	}
	if !s.playable(j) {
		badRequest(w, "Unplayable Job")
		return
	}
	// Ci::PlayBuildService#check_access!: variables need
	// set_pipeline_variables (projects.go), else AccessDeniedError, a 403.
	// Ci::PlayBridgeService takes no variables.
	if !j.bridge && len(vars) > 0 && !maySetPipelineVariables(proj, p.user) {
		forbidden(w, "")
		return
	}
	inputs, invalid := playInputs(j, givenInputs, inputOrder)
	if invalid != "" {
		badRequest(w, invalid)
		return
	}
	if _, enqueue := s.target(j, evEnqueue); enqueue && !j.bridge && len(vars) > 0 {
		// Grape lets any string through as a key; the model does not.
		// EnqueueJobService sets job_variables_attributes and fires
		// enqueue!, whose save fails Ci::HasVariable's validations (key
		// present, at most 255 characters, /\A[a-zA-Z0-9_]+\z/):
		// StateMachines::InvalidTransition, which PlayBuildService rescues
		// by retrying the job, and a manual job is not retryable, so the
		// API presents the job as it was, not played. Keys given twice
		// pass the uniqueness validation (no saved rows yet) and break the
		// unique index on (key, job_id): ActiveRecord::RecordNotUnique, a
		// 500.
		if !validVariableKeys(vars) {
			s.writeJobs(w, r, http.StatusOK, nil, j, false)
			return
		}
		if duplicateVariableKeys(vars) {
			message(w, http.StatusInternalServerError, "500 Internal Server Error")
			return
		}
	}
	s.playJob(j, p.user.id, vars, inputs, s.opts.Now())
	s.writeJobs(w, r, http.StatusOK, nil, j, false)
}

// playInputs are the job inputs a play gives (ciinputs.go): the job's
// inputs: keyword decides which names and types it takes (the variables
// guard does not apply); nil when none are given, else the job's inputs
// with the values given, or the first three errors.
func playInputs(j *job, given map[string]any, order []string) (*jobInputs, string) {
	if len(given) == 0 {
		return nil, ""
	}
	current := j.inputs
	if current == nil {
		current = &jobInputs{}
	}
	next, errs := current.withValues(given, order)
	if len(errs) > 0 {
		return nil, strings.Join(errs[:min(3, len(errs))], ", ")
	}
	return next, ""
}

// The core operations, called with the lock held and their preconditions
// (playable, retryable, erasable) checked.

func (s *Sim) countAction(j *job, action string) {
	if s.actions[j.id] == nil {
		s.actions[j.id] = map[string]int{}
	}
	s.actions[j.id][action]++
}

// playJob is Ci::Build#play (PlayBuildService, EnqueueJobService) and
// Ci::Bridge#play (PlayBridgeService): the job runs as the player and is
// enqueued with the variables; a build enqueue does not apply to (a
// finished action) is retried instead, without the new variables. It
// returns the job that will run.
func (s *Sim) playJob(j *job, userID int64, vars []Variable, inputs *jobInputs, at time.Time) *job {
	s.countAction(j, ActionPlay)
	// Job inputs apply to the job that runs: this one, or the retry of a
	// finished one (enqueued, not yet picked up: the runner moves jobs only
	// when the lock is next taken).
	withInputs := func(target *job) *job {
		if inputs != nil {
			target.inputs = inputs
			target.script.logOnRun, target.ciVariables = inputs.render()
		}
		return target
	}
	if _, ok := s.target(j, evEnqueue); !ok && !j.bridge {
		return withInputs(s.retryJob(j, userID, at))
	}
	withInputs(j)
	if userID != 0 {
		j.userID = userID
	}
	if len(vars) > 0 && !j.bridge {
		j.variables = append([]Variable(nil), vars...)
	}
	j.driven = true
	s.fire(j, evEnqueue, at, transitionArgs{})
	return j
}

// retryJob is Ci::RetryJobService: a copy of the job (name, stage, `when`,
// tags, variables, script, the artifacts it uploads) as a new, pending job run by the retrying user;
// the original and older copies are marked retried (and hidden from the
// pipeline's job list).
func (s *Sim) retryJob(j *job, userID int64, at time.Time) *job {
	s.countAction(j, ActionRetry)
	at = at.UTC()
	pl := s.pipelines[j.pipelineID]
	nj := &job{
		id: s.newID("job", 0), pipelineID: j.pipelineID, projectID: j.projectID, name: j.name, stage: j.stage,
		status: StatusCreated, allowFailure: j.allowFailure, tags: append([]string{}, j.tags...), createdAt: at,
		userID: j.userID, bridge: j.bridge, when: j.when, variables: append([]Variable(nil), j.variables...),
		script: j.script, driven: true, token: "glcbt-" + randomHex(16), uploads: j.uploads, trigger: j.trigger,
		ciVariables: j.ciVariables, inputs: j.inputs,
	}
	if userID != 0 {
		nj.userID = userID
	}
	s.addJob(nj)
	for _, id := range pl.jobIDs {
		if old := s.jobs[id]; old != nil && old.name == j.name && !old.retried {
			old.retried = true
		}
	}
	pl.jobIDs = append(pl.jobIDs, nj.id)
	s.pipelineChanged(pl.id)
	// StartPipelineService processes the pipeline; the retried job is
	// enqueued at once, an action too (enqueue_immediately), unless its
	// environment needs approval (deployment_approvals.go).
	if s.needsApproval(nj) {
		s.processBuildNeedingApproval(nj, at)
		return nj
	}
	s.fire(nj, evEnqueue, at, transitionArgs{})
	return nj
}

// cancelJob fires cancel (or force_cancel); it reports whether the job changed.
func (s *Sim) cancelJob(j *job, force bool, at time.Time) bool {
	ev := evCancel
	if force {
		ev = evForceCancel
	}
	if !s.fire(j, ev, at, transitionArgs{}) {
		return false
	}
	s.countAction(j, ActionCancel)
	return true
}

// eraseJob is Ci::BuildEraseService: artifacts and log removed, erased_at
// and erased_by set, artifacts_expire_at cleared; the status stays.
func (s *Sim) eraseJob(j *job, userID int64, at time.Time) {
	s.countAction(j, ActionErase)
	j.artifacts = nil
	j.log = ""
	j.artifactsExp = nil
	j.erasedAt = timePtr(at.UTC())
	j.erasedBy = userID
}

// variableKey is Ci::HasVariable's key format.
var variableKey = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)

func validVariableKeys(vars []Variable) bool {
	for _, v := range vars {
		if v.Key == "" || len(v.Key) > 255 || !variableKey.MatchString(v.Key) {
			return false
		}
	}
	return true
}

func duplicateVariableKeys(vars []Variable) bool {
	seen := map[string]bool{}
	for _, v := range vars {
		if seen[v.Key] {
			return true
		}
		seen[v.Key] = true
	}
	return false
}
