package gitlabsim

import (
	"cmp"
	"net/http"
	"slices"
	"time"
)

// Reading pipelines, after lib/api/ci/pipelines.rb:
//
//   - GET /projects/:id/pipelines/:pipeline_id (Entities::Ci::PipelineWithMetadata);
//   - GET /projects/:id/pipelines (Ci::PipelinesFinder: scope, status, ref,
//     sha, username, source, order_by, sort; Entities::Ci::PipelineBasicWithMetadata);
//   - GET /projects/:id/pipelines/:pipeline_id/variables (Entities::Ci::Variable).
//
// A pipeline's jobs and bridges are listed in jobs_list.go, its creation is
// pipeline_create.go, the trigger API triggers.go.

// pipelineRoutes registers the pipeline routes: creation
// (pipeline_create.go), reading (here) and the trigger API (triggers.go).
func (s *Sim) pipelineRoutes() {
	s.handle("POST /api/v4/projects/{id}/pipeline", s.postPipeline)
	s.handle("GET /api/v4/projects/{id}/pipelines", s.listPipelines)
	s.handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}", s.getPipeline)
	s.handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}/variables", s.getPipelineVariables)
	s.handle("POST /api/v4/projects/{id}/trigger/pipeline", s.postTriggerPipeline)
}

// PipelineStatus is the status of a pipeline, as the API shows it.
func (s *Sim) PipelineStatus(pipelineID int64) string {
	s.lock()
	defer s.mu.Unlock()
	if pl := s.pipelines[pipelineID]; pl != nil {
		return s.pipelineStatusOf(pl)
	}
	return ""
}

// CreatedPipelines lists the pipelines of a project created through the API
// (POST /pipeline and the trigger API), in ID order: tests count them.
func (s *Sim) CreatedPipelines(projectID int64) []int64 {
	s.lock()
	defer s.mu.Unlock()
	var ids []int64
	for id := range s.ci.runs {
		if pl := s.pipelines[id]; pl != nil && pl.projectID == projectID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// GET /projects/:id/pipelines/:pipeline_id.
func (s *Sim) getPipeline(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	_, _, pl, ok := s.pipelineFromPath(w, r, s.projectFor)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.pipelineEntity(r, pl, true))
}

// pipelineFromPath is the start of the handlers of one pipeline (GET
// .../pipelines/:pipeline_id and its variables), in GitLab's order:
// authenticate, pipeline_id (400 when not an integer), the project as the
// handler finds it (projectFor, or actionProject: its 404 or 403), then the
// pipeline in it (user_project.all_pipelines.find: 404). The caller holds
// the lock; ok is false when the answer is written.
func (s *Sim) pipelineFromPath(w http.ResponseWriter, r *http.Request,
	findProject func(http.ResponseWriter, *http.Request, principal) (*project, bool)) (principal, *project, *pipeline, bool) {
	p, outcome := s.authenticateNonGet(w, r, false)
	if outcome != authOK {
		return principal{}, nil, nil, false
	}
	id, ok := rubyInteger(r.PathValue("pipeline_id"))
	if !ok {
		badParam(w, "pipeline_id is invalid")
		return principal{}, nil, nil, false
	}
	proj, ok := findProject(w, r, p)
	if !ok {
		return principal{}, nil, nil, false
	}
	pl := s.pipelines[id]
	if pl == nil || pl.projectID != proj.id {
		notFound(w, "")
		return principal{}, nil, nil, false
	}
	return p, proj, pl, true
}

// GET /projects/:id/pipelines/:pipeline_id/variables: Maintainers, and
// Developers for the pipelines they created, may read them
// (read_pipeline_variable, after pipelines_spec.rb: "user is a developer",
// "pipeline created is not created by the developer user": 403). Entities::Ci::Variable
// of a Ci::PipelineVariable: variable_type, key, value.
func (s *Sim) getPipelineVariables(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, proj, pl, ok := s.pipelineFromPath(w, r, s.actionProject)
	if !ok {
		return
	}
	if !canAdminBuilds(p, proj) && (p.user == nil || p.user.id != pl.userID || !canUpdateBuilds(p, proj)) {
		forbidden(w, "")
		return
	}
	out := []obj{}
	if run := s.ci.runs[pl.id]; run != nil {
		for _, v := range run.variables {
			out = append(out, obj{"variable_type": v.variableType, "key": v.key, "value": v.value})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// pipelineOrderBy is Ci::PipelinesFinder::ALLOWED_INDEXED_COLUMNS.
var pipelineOrderBy = []string{"id", "status", "ref", "updated_at", "user_id"}

// pipelineSources are Ci::Pipeline.sources' keys.
var pipelineSources = []string{"unknown", "push", "web", "trigger", "schedule", "api", "external", "pipeline", "chat",
	"webide", "merge_request_event", "external_pull_request_event", "parent_pipeline", "ondemand_dast_scan",
	"ondemand_dast_validation", "security_orchestration_policy", "container_registry_push", "duo_workflow",
	"pipeline_execution_policy_schedule"}

// pipelineAvailableStatuses is Ci::HasStatus::AVAILABLE_STATUSES, what `status` accepts.
var pipelineAvailableStatuses = []string{"created", "waiting_for_resource", "preparing", "pending", "running", "success",
	"failed", "canceled", "skipped", "manual", "scheduled"}

// pipelinesQuery is the validated query of GET /projects/:id/pipelines:
// `use :pagination` and Ci::PipelinesFinder's filters and order.
type pipelinesQuery struct {
	page    listParams
	filters map[string]string // the filters given: scope, status, ref, sha, username, source
	orderBy string
	desc    bool
}

// pipelineFilterValues are the values the enumerated filters accept.
var pipelineFilterValues = map[string][]string{
	"scope": {"running", "pending", "finished", "branches", "tags"}, "status": pipelineAvailableStatuses,
	"order_by": pipelineOrderBy, "sort": {"asc", "desc"}, "source": pipelineSources,
}

// readPipelinesQuery reads the query of GET /projects/:id/pipelines, parsed
// once as Rack parses it; on failure it has written Grape's 400, its
// errors in the order of their names.
func readPipelinesQuery(w http.ResponseWriter, r *http.Request) (pipelinesQuery, bool) {
	params := queryParams(r)
	var errs grapeErrors
	q := pipelinesQuery{page: listParams{page: 1, perPage: defaultPerPage}, filters: map[string]string{}}
	readPagination(params, &q.page, &errs)
	for _, name := range []string{"scope", "status", "ref", "sha", "username", "source", "order_by", "sort"} {
		raw, present := params[name]
		if !present {
			continue
		}
		v, ok := grapeString(raw)
		if !ok { // an array or a hash: Grape's String coercion fails
			errs.add(name, "is invalid")
			continue
		}
		if values, enumerated := pipelineFilterValues[name]; enumerated && !slices.Contains(values, v) {
			errs.add(name, "does not have a valid value")
			continue
		}
		q.filters[name] = v
	}
	if len(errs.order) > 0 {
		slices.Sort(errs.order)
		badParam(w, errs.message())
		return pipelinesQuery{}, false
	}
	q.orderBy = firstNonEmpty(q.filters["order_by"], "id")
	q.desc = q.filters["sort"] != "asc"
	delete(q.filters, "order_by")
	delete(q.filters, "sort")
	return q, true
}

// GET /projects/:id/pipelines.
func (s *Sim) listPipelines(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticateNonGet(w, r, false)
	if outcome != authOK {
		return
	}
	q, ok := readPipelinesQuery(w, r)
	if !ok {
		return
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return
	}
	var list []*pipeline
	for _, pl := range s.pipelines {
		if pl.projectID == proj.id && s.pipelineMatches(pl, q.filters) {
			list = append(list, pl)
		}
	}
	s.sortPipelines(list, q.orderBy, q.desc)
	writePage(s, w, r, q.page, list, func(pl *pipeline) obj { return s.pipelineEntity(r, pl, false) })
}

// pipelineMatches says whether a pipeline passes Ci::PipelinesFinder's filters.
func (s *Sim) pipelineMatches(pl *pipeline, filters map[string]string) bool {
	st := s.pipelineStatusOf(pl)
	switch scope := filters["scope"]; scope {
	case "running", "pending":
		if st != scope {
			return false
		}
	case "finished":
		if st != StatusSuccess && st != StatusFailed && st != StatusCanceled && st != StatusSkipped {
			return false
		}
	case "branches":
		if pl.tag {
			return false
		}
	case "tags":
		if !pl.tag {
			return false
		}
	}
	for name, got := range map[string]string{"status": st, "ref": pl.ref, "sha": pl.sha, "source": pl.source} {
		if want, given := filters[name]; given && got != want {
			return false
		}
	}
	if name, given := filters["username"]; given && (s.users[pl.userID] == nil || s.users[pl.userID].username != name) {
		return false
	}
	return true
}

// sortPipelines orders a pipeline list by order_by, then by ID.
func (s *Sim) sortPipelines(list []*pipeline, orderBy string, desc bool) {
	slices.SortFunc(list, func(a, b *pipeline) int {
		var c int
		switch orderBy {
		case "status":
			c = cmp.Compare(s.pipelineStatusOf(a), s.pipelineStatusOf(b))
		case "ref":
			c = cmp.Compare(a.ref, b.ref)
		case "updated_at":
			c = a.updatedAt.Compare(b.updatedAt)
		case "user_id":
			c = cmp.Compare(a.userID, b.userID)
		}
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		if desc {
			c = -c
		}
		return c
	})
}

// detailedStatus is the pipeline's Gitlab::Ci::Status (DetailedStatusEntity).
func detailedStatus(status string, warnings bool, path string) obj {
	text, label, icon, group := status, status, "status_"+status, status
	switch status {
	case StatusCreated:
		text, label = "Created", "created"
	case StatusWaitingForResource:
		text, label = "Waiting", "waiting for resource"
	case StatusPreparing:
		text, label = "Preparing", "preparing"
	case StatusPending:
		text, label = "Pending", "pending"
	case StatusRunning:
		text, label = "Running", "running"
	case StatusSuccess:
		text, label = "Passed", "passed"
		if warnings {
			text, label, icon, group = "Warning", "passed with warnings", "status_warning", "success-with-warnings"
		}
	case StatusFailed:
		text, label = "Failed", "failed"
	case StatusCanceling:
		text, label = "Canceling", "canceling"
	case StatusCanceled:
		text, label = "Canceled", "canceled"
	case StatusSkipped:
		text, label = "Skipped", "skipped"
	case StatusManual:
		text, label = "Blocked", "waiting for manual action"
	case StatusScheduled:
		text, label = "Scheduled", "waiting for delayed job"
	}
	return obj{"icon": icon, "text": text, "label": label, "group": group, "tooltip": label, "has_details": true,
		"details_path": path, "illustration": nil, "favicon": "/assets/ci_favicons/favicon_" + icon + ".png"}
}

// pipelineEntity is Entities::Ci::PipelineWithMetadata (detail) or
// PipelineBasicWithMetadata.
func (s *Sim) pipelineEntity(r *http.Request, pl *pipeline, detail bool) obj {
	proj := s.projects[pl.projectID]
	base := s.externalURL(r)
	st := s.pipelineStatusOf(pl)
	path := "/" + proj.path + "/-/pipelines/" + itoa(pl.id)
	o := obj{
		"id": pl.id, "iid": pl.iid, "project_id": pl.projectID, "sha": pl.sha, "ref": pl.ref, "status": st,
		"source": pl.source, "created_at": apiTime(pl.createdAt), "updated_at": apiTime(pl.updatedAt),
		"web_url": base + path, "name": nil,
	}
	if run := s.ci.runs[pl.id]; run != nil && run.name != "" {
		o["name"] = run.name
	}
	if !detail {
		return o
	}
	run := s.ci.runs[pl.id]
	var started, finished *time.Time
	var duration *float64
	warnings := false
	if run != nil {
		started, finished, duration, warnings = run.startedAt, run.finishedAt, run.duration, run.warnings
	} else {
		jobs := s.currentJobs(pl)
		for _, j := range jobs {
			if j.startedAt != nil && (started == nil || j.startedAt.Before(*started)) {
				started = j.startedAt
			}
		}
		if completed(st) {
			for _, j := range jobs {
				if j.finishedAt != nil && (finished == nil || j.finishedAt.After(*finished)) {
					finished = j.finishedAt
				}
			}
			duration = runningDuration(jobs)
		}
	}
	timeOrNil := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return apiTime(*t)
	}
	var queued any
	if started != nil {
		if q := int64(started.Sub(pl.createdAt).Seconds()); q != 0 {
			queued = q
		}
	}
	var durationJSON any
	if duration != nil {
		durationJSON = int64(*duration)
	}
	o["before_sha"] = "0000000000000000000000000000000000000000"
	o["tag"] = pl.tag
	o["yaml_errors"] = nil
	o["user"] = s.userBasicEntity(s.users[pl.userID], base)
	o["started_at"] = timeOrNil(started)
	o["finished_at"] = timeOrNil(finished)
	o["committed_at"] = nil
	o["duration"] = durationJSON
	o["queued_duration"] = queued
	o["coverage"] = nil
	o["detailed_status"] = detailedStatus(st, warnings, path)
	return o
}
