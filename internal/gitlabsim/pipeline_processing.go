package gitlabsim

import (
	"slices"
	"time"
)

// GitLab's pipeline processing, for the pipelines POST /projects/:id/pipeline
// and the trigger API create (pipeline_create.go, triggers.go). Sources (gitlabhq/gitlabhq):
//
//   - app/services/ci/pipeline_processing/atomic_processing_service.rb and its
//     status_collection.rb: stages in order; a created job is processed once
//     the composite status of the jobs of all earlier stages (or, for a job
//     with needs, of the needed jobs, as a DAG) is complete; the pipeline's
//     status is the composite status of all its current (not retried) jobs.
//   - app/services/ci/process_build_service.rb: the statuses of the earlier
//     jobs each `when` runs after (on_success, manual and delayed: success or
//     skipped, success only for a DAG job; on_failure: failed; always:
//     success, failed or skipped), else the job is skipped; a job that runs
//     is scheduled (delayed), made manual (an action) or enqueued.
//   - lib/gitlab/ci/status/composite.rb with Ci::HasStatus's constants: a
//     failed or canceled job that may fail counts as success with warnings,
//     a manual job that may fail is ignored, so only a manual job with
//     allow_failure: false blocks the later stages and leaves the pipeline
//     "manual" (blocked).
//   - app/models/ci/pipeline.rb: started_at when the pipeline first runs,
//     finished_at and duration when it completes, queued_duration.
//
// Processing runs synchronously whenever a job of such a pipeline changes
// status (statemachine.go's fire calls processAfter), where GitLab runs
// PipelineProcessWorker after the transition: the simulated pipeline is
// never seen between a job's change and its processing.

// compositeStatus is Gitlab::Ci::Status::Composite#status over the jobs
// (status with allow_failure); ok is false for no jobs (GitLab's nil, which
// StatusCollection turns into success). warnings is Composite#warnings?.
func compositeStatus(jobs []*job, dag bool) (status string, warnings bool, ok bool) {
	set := map[string]bool{}
	for _, j := range jobs {
		st := j.status
		switch {
		case j.allowFailure && (st == StatusFailed || st == StatusCanceled): // PASSED_WITH_WARNINGS_STATUSES
			st = "success_with_warnings"
		case j.allowFailure && st == StatusManual: // ignored
			st = "ignored"
		}
		set[st] = true
	}
	if len(set) == 0 {
		return "", false, false
	}
	warnings = set["success_with_warnings"]
	onlyOf := func(names ...string) bool {
		n := 0
		for _, name := range names {
			if set[name] {
				n++
			}
		}
		return n > 0 && n == len(set)
	}
	anyOf := func(names ...string) bool { return slices.ContainsFunc(names, func(n string) bool { return set[n] }) }
	switch {
	case dag && anyOf(StatusSkipped, "ignored"):
		return StatusSkipped, warnings, true
	case dag && !onlyOf(StatusSuccess, StatusFailed, StatusCanceled, StatusSkipped, "success_with_warnings"):
		return StatusPending, warnings, true
	case onlyOf(StatusSkipped, "ignored"):
		return StatusSkipped, warnings, true
	case onlyOf(StatusSuccess, StatusSkipped, "success_with_warnings", "ignored"):
		return StatusSuccess, warnings, true
	case onlyOf(StatusCreated, "success_with_warnings", "ignored"):
		return StatusCreated, warnings, true
	case onlyOf(StatusPreparing, "success_with_warnings", "ignored"):
		return StatusPreparing, warnings, true
	case onlyOf(StatusCanceled, StatusSuccess, StatusSkipped, "success_with_warnings", "ignored"):
		return StatusCanceled, warnings, true
	case onlyOf(StatusPending, StatusCreated, StatusSkipped, "success_with_warnings", "ignored"):
		return StatusPending, warnings, true
	case anyOf(StatusRunning, StatusPending):
		return StatusRunning, warnings, true
	case anyOf(StatusCanceling):
		// GitLab versions with the canceling status report it first among the rest.
		return StatusCanceling, warnings, true
	case anyOf(StatusWaitingForResource):
		return StatusWaitingForResource, warnings, true
	case anyOf(StatusManual):
		return StatusManual, warnings, true
	case anyOf(StatusScheduled):
		return StatusScheduled, warnings, true
	case anyOf(StatusPreparing):
		return StatusPreparing, warnings, true
	case anyOf(StatusCreated):
		return StatusRunning, warnings, true
	}
	return StatusFailed, warnings, true
}

// statusOr is StatusCollection#status_for_array: the composite, or success.
func statusOr(jobs []*job, dag bool) string {
	if st, _, ok := compositeStatus(jobs, dag); ok {
		return st
	}
	return StatusSuccess
}

// currentJobs are the pipeline's jobs but retried ones (Ci::Pipeline#current_jobs).
func (s *Sim) currentJobs(pl *pipeline) []*job {
	out := make([]*job, 0, len(pl.jobIDs))
	for _, id := range pl.jobIDs {
		if j := s.jobs[id]; j != nil && !j.retried {
			out = append(out, j)
		}
	}
	return out
}

// processAfter is the hook of every job status change: a job that succeeded
// without artifacts gets those its runner uploads (jobUploads), and the job's
// pipeline is processed when it was created from a CI configuration.
func (s *Sim) processAfter(j *job, at time.Time) {
	run := s.ci.runs[j.pipelineID]
	if j.status == StatusSuccess && len(j.artifacts) == 0 && !j.bridge {
		// The runner uploaded the job's artifacts (artifacts:paths) as it
		// succeeded: those of its CI configuration, or those of the fixture
		// job it is a retry of.
		up := j.uploads
		if run != nil {
			cj := run.byName[j.name]
			up = &jobUploads{artifacts: cj.Artifacts, files: cj.ArtifactFiles, expireIn: cj.ExpireIn}
		}
		if up != nil {
			for _, a := range up.artifacts {
				j.artifacts = append(j.artifacts, artifact{fileType: a.FileType, filename: a.Filename, fileFormat: a.FileFormat, size: a.Size})
			}
			if len(up.artifacts) > 0 || len(up.files) > 0 || up.expireIn != "" {
				s.attachArtifacts(j, JobSpec{Name: j.name, ArtifactFiles: up.files, ExpireIn: up.expireIn})
			}
		}
	}
	if run != nil && !run.processing {
		if pl := s.pipelines[j.pipelineID]; pl != nil {
			s.processPipeline(pl, run, at)
		}
	}
}

// processPipeline is AtomicProcessingService#process!: it processes the
// created jobs whose earlier jobs are complete, as often as that changes
// something, then sets the pipeline's status.
func (s *Sim) processPipeline(pl *pipeline, run *pipelineRun, at time.Time) {
	run.processing = true
	defer func() { run.processing = false }()
	s.resetSkippedJobs(pl, run, at)
	for changed := true; changed; {
		changed = false
		jobs := s.currentJobs(pl)
		slices.SortStableFunc(jobs, func(a, b *job) int { return run.stageIdx(a) - run.stageIdx(b) })
		for _, j := range jobs {
			if j.status != StatusCreated {
				continue
			}
			cj, known := run.byName[j.name]
			if !known {
				continue
			}
			var prior []*job
			dag := cj.Needs != nil
			for _, o := range jobs {
				if dag && slices.Contains(cj.Needs, o.name) || !dag && run.stageIdx(o) < cj.stageIdx {
					prior = append(prior, o)
				}
			}
			previous := statusOr(prior, dag)
			if !completed(previous) {
				continue
			}
			// The job is processed when the last of the jobs before it
			// completed, whichever order the runner reported them in.
			when := at
			for _, o := range prior {
				if o.finishedAt != nil && o.finishedAt.After(when) {
					when = *o.finishedAt
				}
			}
			s.processBuild(j, cj, previous, dag, when)
			changed = true
		}
	}
	s.setPipelineStatus(pl, run)
	run.stopped = map[string]bool{}
	for _, j := range s.currentJobs(pl) {
		if completed(j.status) || j.status == StatusManual || j.status == StatusScheduled { // STOPPED_STATUSES
			run.stopped[j.name] = true
		}
	}
}

// resetSkippedJobs is AtomicProcessingService#new_alive_jobs with
// Ci::ResetSkippedJobsService: the jobs that were stopped (finished,
// manual or scheduled) at the last processing and are alive again (played,
// retried) put the skipped jobs after them — of the later stages, or that
// need them — back to created (the process event), to be processed again.
func (s *Sim) resetSkippedJobs(pl *pipeline, run *pipelineRun, at time.Time) {
	jobs := s.currentJobs(pl)
	var alive []*job
	for _, j := range jobs {
		switch j.status {
		case StatusCreated, StatusWaitingForResource, StatusPreparing, StatusPending, StatusRunning: // ALIVE_STATUSES
			if run.stopped[j.name] {
				alive = append(alive, j)
			}
		}
	}
	if len(alive) == 0 {
		return
	}
	minStage := run.stageIdx(alive[0])
	descendants := map[string]bool{}
	for _, a := range alive {
		minStage = min(minStage, run.stageIdx(a))
		descendants[a.name] = true
	}
	for grown := true; grown; { // the needs hierarchy below the alive jobs
		grown = false
		for name, cj := range run.byName {
			if descendants[name] {
				continue
			}
			for _, n := range cj.Needs {
				if descendants[n] {
					descendants[name], grown = true, true
					break
				}
			}
		}
	}
	for _, j := range jobs {
		if j.status == StatusSkipped && (run.stageIdx(j) > minStage || descendants[j.name]) {
			s.fire(j, evProcess, at, transitionArgs{})
		}
	}
}

// processBuild is Ci::ProcessBuildService#execute.
func (s *Sim) processBuild(j *job, cj ciJob, previous string, dag bool, at time.Time) {
	var valid []string
	switch cj.when {
	case "on_success", "manual", "delayed":
		valid = []string{StatusSuccess, StatusSkipped}
		if dag {
			valid = []string{StatusSuccess}
		}
	case "on_failure":
		valid = []string{StatusFailed}
	case "always":
		valid = []string{StatusSuccess, StatusFailed, StatusSkipped}
	}
	if !slices.Contains(valid, previous) {
		s.fire(j, evSkip, at, transitionArgs{})
		return
	}
	if s.needsApproval(j) { // EE Ci::ProcessBuildService#process (deployment_approvals.go)
		s.processBuildNeedingApproval(j, at)
		return
	}
	switch {
	case cj.when == "delayed" && !j.bridge: // schedulable?
		s.fire(j, evSchedule, at, transitionArgs{})
	case j.action():
		s.fire(j, evActionize, at, transitionArgs{})
	default:
		j.driven = true
		s.fire(j, evEnqueue, at, transitionArgs{})
	}
}

// setPipelineStatus is AtomicProcessingService#update_pipeline! with the
// timestamps of Ci::Pipeline's state machine.
func (s *Sim) setPipelineStatus(pl *pipeline, run *pipelineRun) {
	jobs := s.currentJobs(pl)
	st, warnings, ok := compositeStatus(jobs, false)
	if !ok {
		st = StatusSuccess
	}
	run.status, run.warnings = st, warnings
	pl.statusOK = false
	if run.startedAt == nil && st != StatusCreated && st != StatusPending && st != StatusPreparing &&
		st != StatusWaitingForResource {
		for _, j := range jobs {
			if j.startedAt != nil && (run.startedAt == nil || j.startedAt.Before(*run.startedAt)) {
				run.startedAt = timePtr(*j.startedAt)
			}
		}
	}
	switch st {
	case StatusSuccess, StatusFailed, StatusCanceled:
		var fin *time.Time
		for _, j := range jobs {
			if j.finishedAt != nil && (fin == nil || j.finishedAt.After(*fin)) {
				fin = timePtr(*j.finishedAt)
			}
		}
		if fin == nil {
			fin = timePtr(pl.updatedAt)
		}
		run.finishedAt = fin
		run.duration = runningDuration(jobs)
	}
}

// runningDuration is Gitlab::Ci::Pipeline::Duration: the time any job ran,
// overlapping periods counted once.
func runningDuration(jobs []*job) *float64 {
	type period struct{ from, to time.Time }
	var ps []period
	for _, j := range jobs {
		if j.startedAt != nil && j.finishedAt != nil {
			ps = append(ps, period{*j.startedAt, *j.finishedAt})
		}
	}
	if len(ps) == 0 {
		return nil
	}
	slices.SortFunc(ps, func(a, b period) int { return a.from.Compare(b.from) })
	var total time.Duration
	cur := ps[0]
	for _, p := range ps[1:] {
		if p.from.After(cur.to) {
			total += cur.to.Sub(cur.from)
			cur = p
			continue
		}
		if p.to.After(cur.to) {
			cur.to = p.to
		}
	}
	total += cur.to.Sub(cur.from)
	d := float64(int64(total.Seconds()))
	return &d
}
