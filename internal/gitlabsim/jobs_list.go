package gitlabsim

import (
	"net/http"
)

// Job lists: project jobs (lib/api/ci/jobs.rb), pipeline jobs, bridges and
// trigger_jobs (lib/api/ci/pipelines.rb). Their query is listparams.go,
// their pages pagination.go and index.go.

func (s *Sim) listRoutes() {
	s.handle("GET /api/v4/projects/{id}/jobs", s.listProjectJobs)
	s.handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}/jobs", s.listPipelineJobs)
	s.handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}/bridges", s.listPipelineBridges)
	if !s.opts.WithoutTriggerJobs {
		s.handle(RouteTriggerJobs, s.listPipelineTriggerJobs)
	}
}

// scopeStatuses are the values `scope` accepts: CommitStatus::AVAILABLE_STATUSES.
var scopeStatuses = []string{
	"created", "waiting_for_resource", "preparing", "waiting_for_callback", "pending", "running",
	"success", "failed", "canceling", "canceled", "skipped", "manual", "scheduled",
}

// GET /projects/:id/jobs: builds of the project, newest first, offset
// pagination without counts or keyset pagination. The jobs are read from
// the project's index (index.go), newest first, as far as the page needs.
// CI job tokens may list their own project's jobs (route_setting
// job_token_allowed, job token policy read_jobs).
func (s *Sim) listProjectJobs(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticate(w, r, true, readScopes...)
	if outcome != authOK {
		return
	}
	lp, ok := readListParams(w, r, scopeHashValues, false, false)
	if !ok {
		return
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return
	}
	if checkIndexes != nil {
		checkIndexes(s, proj, nil)
	}
	keep := func(j *job) bool { return lp.scope == nil || lp.scope[j.status] }
	// paginate_with_strategies: keyset when asked (for Ci::Build only in
	// id desc order), else offset pagination up to offset_pagination_limit.
	if r.URL.Query().Get("pagination") == "keyset" {
		if !keysetOrderSupported(r) {
			grapeError(w, http.StatusMethodNotAllowed, "Keyset pagination is not yet available for this type of request")
			return
		}
		page, ok := s.paginateKeyset(w, r, lp, proj.builds, keep)
		if !ok {
			return
		}
		s.writeJobs(w, r, http.StatusOK, page, nil, false)
		return
	}
	if offsetLimitExceeded(lp.page, lp.perPage) {
		writeOffsetLimitExceeded(w)
		return
	}
	s.writeJobs(w, r, http.StatusOK, s.offsetPage(w, r, lp, proj.builds, keep, false, -1), nil, false)
}

// pipelineOf authenticates a pipeline route (authenticate_non_get!: an
// anonymous GET sees public projects only; CI job tokens are read where
// jobTokenAllowed says the route allows them, and ignored elsewhere),
// validates its parameters and resolves {pipeline_id} in a readable project.
func (s *Sim) pipelineOf(w http.ResponseWriter, r *http.Request, bridges, jobTokenAllowed bool) (*pipeline, listParams, bool) {
	p, outcome := s.authenticateNonGet(w, r, jobTokenAllowed)
	if outcome != authOK {
		return nil, listParams{}, false
	}
	lp, ok := readListParams(w, r, scopeHashInvalid, true, !bridges)
	if !ok {
		return nil, listParams{}, false
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return nil, listParams{}, false
	}
	id, _ := rubyInteger(r.PathValue("pipeline_id"))
	pl := s.pipelines[id]
	if pl == nil || pl.projectID != proj.id {
		notFound(w, "") // user_project.all_pipelines.find: ActiveRecord::RecordNotFound
		return nil, listParams{}, false
	}
	return pl, lp, true
}

// RouteTriggerJobs is GET /projects/:id/pipelines/:pipeline_id/trigger_jobs
// (GitLab 19.2), the successor of /bridges; Options.WithoutTriggerJobs
// leaves it out, as GitLab before 19.2 has no such route.
const RouteTriggerJobs = "GET /api/v4/projects/{id}/pipelines/{pipeline_id}/trigger_jobs"

// GET /projects/:id/pipelines/:pipeline_id/jobs: the pipeline's builds,
// newest first, retried ones only with include_retried (job_token_allowed,
// job token policy read_jobs).
func (s *Sim) listPipelineJobs(w http.ResponseWriter, r *http.Request) {
	s.listPipeline(w, r, false, true)
}

// GET /projects/:id/pipelines/:pipeline_id/bridges: the pipeline's trigger
// jobs (Entities::Ci::Bridge). Its route has no job_token_allowed setting
// (lib/api/ci/pipelines.rb): a CI job token is not read at all, so the
// request is anonymous (authenticate_non_get!) and a private project is
// 404 Project Not Found.
func (s *Sim) listPipelineBridges(w http.ResponseWriter, r *http.Request) {
	s.listPipeline(w, r, true, false)
}

// GET /projects/:id/pipelines/:pipeline_id/trigger_jobs: the same list, the
// same entity and filters as /bridges, which it deprecates (GitLab 19.2),
// and it reads CI job tokens (job token policy read_pipelines). The
// pipelines.rb of 19.2 is not in the public mirror this simulator follows
// (its newest stored version serves /bridges only), so the route is /bridges
// with the job token setting the provider's documentation names.
func (s *Sim) listPipelineTriggerJobs(w http.ResponseWriter, r *http.Request) {
	s.listPipeline(w, r, true, true)
}

func (s *Sim) listPipeline(w http.ResponseWriter, r *http.Request, bridges, jobTokenAllowed bool) {
	s.lock()
	defer s.mu.Unlock()
	pl, lp, ok := s.pipelineOf(w, r, bridges, jobTokenAllowed)
	if !ok {
		return
	}
	if checkIndexes != nil {
		checkIndexes(s, nil, pl)
	}
	keep := func(j *job) bool {
		return j.bridge == bridges && (lp.includeRetried || !j.retried) && (lp.scope == nil || lp.scope[j.status])
	}
	count := -1
	if lp.scope == nil {
		count = s.listCount(pl, bridges, lp.includeRetried)
	}
	// paginate (not paginate_with_strategies): offset pagination only,
	// without the offset limit; pagination=keyset is ignored.
	s.writeJobs(w, r, http.StatusOK, s.offsetPage(w, r, lp, pl.jobs, keep, true, count), nil, false)
}
