package gitlabsim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// List endpoints: project jobs (lib/api/ci/jobs.rb), pipeline jobs and
// bridges (lib/api/ci/pipelines.rb), and the job token's allowed agents.

func (s *Sim) listRoutes() {
	s.handle("GET /api/v4/projects/{id}/jobs", s.listProjectJobs)
	s.handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}/jobs", s.listPipelineJobs)
	s.handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}/bridges", s.listPipelineBridges)
	s.handle("GET /api/v4/job/allowed_agents", s.getAllowedAgents)
}

// scopeStatuses are the values `scope` accepts: CommitStatus::AVAILABLE_STATUSES.
var scopeStatuses = []string{
	"created", "waiting_for_resource", "preparing", "waiting_for_callback", "pending", "running",
	"success", "failed", "canceling", "canceled", "skipped", "manual", "scheduled",
}

// scopeParam reads scope as a string (scope=a), an array (scope[]=a&scope[]=b)
// or a hash (scope[x]=a); an unknown value is Grape's 400.
func scopeParam(w http.ResponseWriter, r *http.Request) (map[string]bool, bool) {
	var values []string
	for k, v := range r.URL.Query() {
		if k == "scope" || k == "scope[]" || strings.HasPrefix(k, "scope[") && strings.HasSuffix(k, "]") {
			values = append(values, v...)
		}
	}
	if len(values) == 0 {
		return nil, true
	}
	set := map[string]bool{}
	for _, v := range values {
		if !slices.Contains(scopeStatuses, v) {
			badParam(w, "scope does not have a valid value")
			return nil, false
		}
		set[v] = true
	}
	return set, true
}

// GET /projects/:id/jobs: builds of the project, newest first, offset
// pagination without counts or keyset pagination. The jobs are read from
// the project's index (index.go), newest first, as far as the page needs.
func (s *Sim) listProjectJobs(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticate(w, r, true, readScopes...)
	if outcome != authOK {
		return
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return
	}
	scope, ok := scopeParam(w, r)
	if !ok {
		return
	}
	if checkIndexes != nil {
		checkIndexes(s, proj, nil)
	}
	keep := func(j *job) bool { return scope == nil || scope[j.status] }
	if r.URL.Query().Get("pagination") == "keyset" {
		page, ok := s.paginateKeyset(w, r, proj.builds, keep)
		if !ok {
			return
		}
		s.writeJobs(w, r, http.StatusOK, page, nil, false)
		return
	}
	s.writeJobs(w, r, http.StatusOK, s.offsetPage(w, r, proj.builds, keep, false, -1), nil, false)
}

// pipelineOf resolves {pipeline_id} in a readable project.
func (s *Sim) pipelineOf(w http.ResponseWriter, r *http.Request) (*pipeline, bool) {
	p, outcome := s.authenticate(w, r, true, readScopes...)
	if outcome != authOK {
		return nil, false
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return nil, false
	}
	id, err := strconv.ParseInt(r.PathValue("pipeline_id"), 10, 64)
	if err != nil {
		badParam(w, "pipeline_id is invalid")
		return nil, false
	}
	pl := s.pipelines[id]
	if pl == nil || pl.projectID != proj.id {
		notFound(w, "")
		return nil, false
	}
	return pl, true
}

// GET /projects/:id/pipelines/:pipeline_id/jobs: the pipeline's builds,
// newest first, retried ones only with include_retried.
func (s *Sim) listPipelineJobs(w http.ResponseWriter, r *http.Request) {
	s.listPipeline(w, r, false)
}

// GET /projects/:id/pipelines/:pipeline_id/bridges: the pipeline's trigger jobs.
func (s *Sim) listPipelineBridges(w http.ResponseWriter, r *http.Request) {
	s.listPipeline(w, r, true)
}

func (s *Sim) listPipeline(w http.ResponseWriter, r *http.Request, bridges bool) {
	s.lock()
	defer s.mu.Unlock()
	pl, ok := s.pipelineOf(w, r)
	if !ok {
		return
	}
	scope, ok := scopeParam(w, r)
	if !ok {
		return
	}
	includeRetried := false
	if !bridges {
		if includeRetried, ok = boolParam(w, r.URL.Query(), "include_retried"); !ok {
			return
		}
	}
	if checkIndexes != nil {
		checkIndexes(s, nil, pl)
	}
	keep := func(j *job) bool {
		return j.bridge == bridges && (includeRetried || !j.retried) && (scope == nil || scope[j.status])
	}
	count := -1
	if scope == nil {
		count = s.listCount(pl, bridges, includeRetried)
	}
	s.writeJobs(w, r, http.StatusOK, s.offsetPage(w, r, pl.jobs, keep, true, count), nil, false)
}

// GET /job/allowed_agents: the job token's job with the GitLab agents
// authorized for its project (Entities::Ci::JobRequest::AllowedAgents...).
func (s *Sim) getAllowedAgents(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticate(w, r, true, readScopes...)
	if outcome != authOK {
		return
	}
	if p.job == nil {
		notFound(w, "Job")
		return
	}
	j := p.job
	proj := s.projects[j.projectID]
	base := s.externalURL(r)
	agents := []obj{}
	for _, a := range s.sortedAgents() {
		if !slices.Contains(a.authorized, proj.id) {
			continue
		}
		cp := s.projects[a.configProjectID]
		agents = append(agents, obj{"id": a.id, "config_project": obj{
			"id": cp.id, "description": nil, "name": cp.name, "name_with_namespace": nameWithNamespace(cp.path),
			"path": lastSegment(cp.path), "path_with_namespace": cp.path, "created_at": apiTime(a.createdAt),
		}})
	}
	groups := []obj{}
	for _, g := range s.groupIDs(proj.path) {
		groups = append(groups, obj{"id": g})
	}
	u := s.users[j.userID]
	writeJSON(w, http.StatusOK, obj{
		"allowed_agents": agents,
		"job":            obj{"id": j.id},
		"pipeline":       obj{"id": j.pipelineID},
		"project":        obj{"id": proj.id, "groups": groups},
		"user": obj{"id": u.id, "name": u.name, "username": u.username, "state": u.state,
			"avatar_url": base + "/uploads/-/system/user/avatar/" + itoa(u.id) + "/avatar.png", "web_url": base + "/" + u.username},
	})
}

func lastSegment(path string) string { return path[strings.LastIndex(path, "/")+1:] }

func nameWithNamespace(path string) string { return strings.Join(strings.Split(path, "/"), " / ") }
