package gitlabsim

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The pipeline endpoints of lib/api/ci/pipelines.rb and lib/api/ci/triggers.rb:
//
//   - POST /projects/:id/pipeline (create_pipeline_params: ref, variables,
//     inputs): Ci::CreatePipelineService with source api, as the user;
//   - GET /projects/:id/pipelines/:pipeline_id (Entities::Ci::PipelineWithMetadata);
//   - GET /projects/:id/pipelines (Ci::PipelinesFinder: scope, status, ref,
//     sha, username, source, order_by, sort; Entities::Ci::PipelineBasicWithMetadata);
//   - GET /projects/:id/pipelines/:pipeline_id/variables (Entities::Ci::Variable);
//   - POST /projects/:id/trigger/pipeline (token: a pipeline trigger token,
//     source trigger, or a CI job token, source pipeline: a multi-project
//     pipeline; ref; variables as a hash; inputs).
//
// Pipelines created here are processed (pipeline_processing.go); the
// seed's pipelines keep the status their jobs give them (index.go).

// ciState is the store's part for CI configurations and created pipelines.
type ciState struct {
	configs  map[int64]*ciConfig      // by project
	runs     map[int64]*pipelineRun   // by pipeline, for pipelines created from a configuration
	triggers map[string]*triggerToken // by token value
}

// pipelineRun is what a pipeline created from a CI configuration has
// beyond the seed's pipelines.
type pipelineRun struct {
	name       string // workflow:name, interpolated
	byName     map[string]ciJob
	stopped    map[string]bool // jobs (by name) stopped at the last processing
	variables  []pipelineVariable
	status     string
	warnings   bool
	processing bool
	startedAt  *time.Time
	finishedAt *time.Time
	duration   *float64
}

func (r *pipelineRun) stageIdx(j *job) int {
	if cj, ok := r.byName[j.name]; ok {
		return cj.stageIdx
	}
	return 0
}

type pipelineVariable struct {
	key, value, variableType string
}

// triggerToken is a pipeline trigger token (Ci::Trigger): the pipelines it
// creates run as its owner.
type triggerToken struct {
	projectID int64
	ownerID   int64
}

func (s *Sim) pipelineRoutes() {
	s.handle("POST /api/v4/projects/{id}/pipeline", s.postPipeline)
	s.handle("GET /api/v4/projects/{id}/pipelines", s.listPipelines)
	s.handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}", s.getPipeline)
	s.handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}/variables", s.getPipelineVariables)
	s.handle("POST /api/v4/projects/{id}/trigger/pipeline", s.postTriggerPipeline)
}

// CreateTriggerToken adds a pipeline trigger token of a project, owned by a
// user, and returns its value ("glptt-..." unless value is given).
func (s *Sim) CreateTriggerToken(projectID, ownerID int64, value string) string {
	s.lock()
	defer s.mu.Unlock()
	return s.addTriggerToken(projectID, ownerID, value)
}

func (s *Sim) addTriggerToken(projectID, ownerID int64, value string) string {
	if value == "" {
		value = "glptt-" + randomHex(20)
	}
	if s.ci.triggers == nil {
		s.ci.triggers = map[string]*triggerToken{}
	}
	s.ci.triggers[value] = &triggerToken{projectID: projectID, ownerID: ownerID}
	return value
}

// TriggerToken is a pipeline trigger token, as the standalone simulator prints them.
type TriggerToken struct {
	Project string // path with namespace
	Owner   string // username
	Token   string
}

// TriggerTokens lists the pipeline trigger tokens, by project and token.
func (s *Sim) TriggerTokens() []TriggerToken {
	s.lock()
	defer s.mu.Unlock()
	var out []TriggerToken
	for v, t := range s.ci.triggers {
		tt := TriggerToken{Token: v}
		if p := s.projects[t.projectID]; p != nil {
			tt.Project = p.path
		}
		if u := s.users[t.ownerID]; u != nil {
			tt.Owner = u.username
		}
		out = append(out, tt)
	}
	slices.SortFunc(out, func(a, b TriggerToken) int {
		return cmp.Or(cmp.Compare(a.Project, b.Project), cmp.Compare(a.Token, b.Token))
	})
	return out
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

// duplicatePipelineVariableKeys are the keys given more than once, in the
// order of their first use (Chain::Build::Associations#validate_uniqueness).
func duplicatePipelineVariableKeys(vars []pipelineVariable) []string {
	count := map[string]int{}
	var order []string
	for _, v := range vars {
		if count[v.key] == 0 {
			order = append(order, v.key)
		}
		count[v.key]++
	}
	var dups []string
	for _, k := range order {
		if count[k] > 1 {
			dups = append(dups, k)
		}
	}
	return dups
}

// validationError is render_validation_error!: 400 {"message": {"base": [msg]}}.
func validationError(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, obj{"message": obj{"base": []string{msg}}})
}

// pipelineVariablesParam reads create_pipeline_params' variables: an
// Array of hashes with optional key, value and variable_type (env_var or
// file, default env_var).
func pipelineVariablesParam(params map[string]any) ([]pipelineVariable, string) {
	raw, present := params["variables"]
	if !present || raw == nil || raw == "" {
		return nil, ""
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, "variables is invalid"
	}
	var errs grapeErrors
	var out []pipelineVariable
	for i, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			errs.add("variables["+strconv.Itoa(i)+"]", "is invalid")
			continue
		}
		v := pipelineVariable{variableType: "env_var"}
		for _, f := range []string{"key", "value", "variable_type"} {
			sv, ok := grapeString(m[f])
			if !ok {
				errs.add("variables["+strconv.Itoa(i)+"]["+f+"]", "is invalid")
				continue
			}
			switch f {
			case "key":
				v.key = sv
			case "value":
				v.value = sv
			case "variable_type":
				if _, has := m[f]; has && sv != "env_var" && sv != "file" {
					errs.add("variables["+strconv.Itoa(i)+"][variable_type]", "does not have a valid value")
				} else if has {
					v.variableType = sv
				}
			}
		}
		out = append(out, v)
	}
	if len(errs.order) > 0 {
		return nil, errs.message()
	}
	return out, ""
}

// POST /projects/:id/pipeline.
func (s *Sim) postPipeline(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, params, ok := s.writeRequest(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	ref := requiredString(params, "ref", &errs)
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	vars, invalid := pipelineVariablesParam(params)
	if invalid != "" {
		badParam(w, invalid)
		return
	}
	inputs, inputOrder, ok := givenInputs(params, "inputs")
	if !ok {
		badParam(w, "inputs is invalid")
		return
	}
	proj, ok := s.actionProject(w, r, p)
	if !ok {
		return
	}
	if !canUpdateBuilds(p, proj) { // authorize! :create_pipeline
		forbidden(w, "")
		return
	}
	s.createPipelineFromConfig(w, r, proj, pipelineRequest{userID: p.user.id, ref: ref, vars: vars, source: "api",
		inputs: inputs, inputOrder: inputOrder})
}

// pipelineRequest is what Ci::CreatePipelineService is given: the user the
// pipeline runs as, the ref, the variables (variables_attributes), the
// trigger API's TRIGGER_PAYLOAD and the source.
type pipelineRequest struct {
	userID  int64
	ref     string
	vars    []pipelineVariable
	payload *pipelineVariable // the trigger API's TRIGGER_PAYLOAD, not a user's variable
	source  string
	// inputs are the pipeline inputs given (ciinputs.go), names sorted.
	inputs     map[string]any
	inputOrder []string
}

// createPipelineFromConfig is Ci::CreatePipelineService#execute: the ref
// must exist, the project needs a CI configuration, the variables valid
// keys, and at least one job must run for the ref. It answers 201 with the
// pipeline, or 400 with the validation error.
func (s *Sim) createPipelineFromConfig(w http.ResponseWriter, r *http.Request, proj *project, req pipelineRequest) {
	userID, ref, source := req.userID, req.ref, req.source
	cfg := s.ci.configs[proj.id]
	refName := strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")
	var rf ciRef
	found := false
	if cfg != nil {
		rf, found = cfg.refs[refName]
	}
	if found && s.refGuard(s.users[userID], proj, refName, rf.tag) != nil { // Chain::Validate::Abilities (protected_refs.go)
		validationError(w, pipelineRefRefusal(ref))
		return
	}
	if !found { // Gitlab::Ci::Pipeline::Chain::Validate::Repository
		validationError(w, "Reference not found")
		return
	}
	// Chain::Build::Associations: the guard (projects.go), then unique keys.
	if len(req.vars) > 0 && !maySetPipelineVariables(proj, s.users[userID]) {
		validationError(w, insufficientVariablesPermission)
		return
	}
	vars := slices.Clone(req.vars)
	if req.payload != nil {
		vars = append(vars, *req.payload)
	}
	if dups := duplicatePipelineVariableKeys(vars); len(dups) > 0 {
		name := "name"
		if len(dups) > 1 {
			name = "names"
		}
		validationError(w, "Duplicate variable "+name+": "+strings.Join(dups, ", "))
		return
	}
	if cfg == nil || len(cfg.jobs) == 0 { // Chain::Config::Content
		validationError(w, "Missing CI config file")
		return
	}
	// Chain::Config::Process: spec:inputs and their interpolation.
	cfgJobs, pipelineName, msg := interpolateConfig(cfg, req.inputs, req.inputOrder)
	if msg == "" {
		msg = jobInputErrors(cfgJobs)
	}
	if msg != "" {
		validationError(w, msg)
		return
	}
	for _, v := range vars {
		if !variableKey.MatchString(v.key) || len(v.key) > 255 {
			// Ci::PipelineVariable's validations, reported on the pipeline.
			writeJSON(w, http.StatusBadRequest, obj{"message": obj{"variables": []string{"is invalid"}}})
			return
		}
	}
	var jobs []ciJob
	for _, cj := range cfgJobs {
		if cj.runsFor(refName, rf.tag) {
			jobs = append(jobs, cj)
		}
	}
	// Jobs whose needs are not in the pipeline make it invalid (Chain::Populate's
	// "'x' job needs 'y' job, but 'y' is not in any previous stage").
	in := map[string]bool{}
	for _, cj := range jobs {
		in[cj.Name] = true
	}
	for _, cj := range jobs {
		for _, n := range cj.Needs {
			if !in[n] {
				validationError(w, "'"+cj.Name+"' job needs '"+n+"' job, but '"+n+"' does not exist in the pipeline. "+
					"This might be because of the only, except, or rules keywords. To need a job that sometimes does not exist "+
					"in the pipeline, use needs:optional.")
				return
			}
		}
	}
	if len(jobs) == 0 { // Chain::Populate
		validationError(w, "Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline.")
		return
	}
	now := s.opts.Now().UTC()
	spec := PipelineSpec{Ref: refName, SHA: rf.sha, Tag: rf.tag, Source: source, UserID: userID, CreatedAt: &now}
	for _, cj := range jobs {
		spec.Jobs = append(spec.Jobs, JobSpec{
			Name: cj.Name, Stage: cj.Stage, AllowFailure: cj.allowFailure, Tags: cj.Tags, When: cj.when,
			Bridge: cj.Bridge, RunDuration: cj.duration, Outcome: cj.Outcome, LogOnRun: cj.LogOnRun,
		})
	}
	created, err := s.createPipeline(proj.id, spec)
	if err != nil {
		message(w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	pl := s.pipelines[created.ID]
	pl.commit.title = "Release " + refName
	run := &pipelineRun{byName: map[string]ciJob{}, variables: vars, status: StatusCreated, name: pipelineName}
	for _, cj := range jobs {
		run.byName[cj.Name] = cj
	}
	for _, id := range pl.jobIDs {
		j := s.jobs[id]
		// Jobs wait for processing; the runner takes them once enqueued.
		j.driven = false
		cj := run.byName[j.name]
		j.when = cj.when
		j.ciVariables = cj.Variables
		if len(cj.Inputs) > 0 { // job inputs: their defaults until played
			values, _ := validateInputs(cj.Inputs, nil, nil)
			j.inputs = &jobInputs{specs: cj.Inputs, values: values, logTemplate: cj.LogOnRun, varTemplate: cj.Variables}
			j.script.logOnRun, j.ciVariables = j.inputs.render()
		}
	}
	if s.ci.runs == nil {
		s.ci.runs = map[int64]*pipelineRun{}
	}
	s.ci.runs[pl.id] = run
	s.ensureGuardRecords(proj.id, jobs, now) // guards.go: environments, resource groups
	s.createDeployments(pl, now)             // deployments.go
	s.processPipeline(pl, run, now)
	writeJSON(w, http.StatusCreated, s.pipelineEntity(r, pl, true))
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

// GET /projects/:id/pipelines.
func (s *Sim) listPipelines(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticateNonGet(w, r, false)
	if outcome != authOK {
		return
	}
	q := r.URL.Query()
	var errs grapeErrors
	lp := listParams{page: 1, perPage: defaultPerPage}
	params := map[string]any{}
	_ = rackParse(params, r.URL.RawQuery) // malformedRequest has refused what Rack cannot parse
	if v, ok := integerParam(params, "page"); !ok {
		errs.add("page", "is invalid")
	} else if v != nil {
		lp.page = *v
	}
	if v, ok := integerParam(params, "per_page"); !ok {
		errs.add("per_page", "is invalid")
	} else if v != nil {
		lp.perPage = *v
	}
	for name, values := range map[string][]string{
		"scope": {"running", "pending", "finished", "branches", "tags"}, "status": pipelineAvailableStatuses,
		"order_by": pipelineOrderBy, "sort": {"asc", "desc"}, "source": pipelineSources,
	} {
		if q.Has(name) && !slices.Contains(values, q.Get(name)) {
			errs.add(name, "does not have a valid value")
		}
	}
	if len(errs.order) > 0 {
		slices.Sort(errs.order)
		badParam(w, errs.message())
		return
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return
	}
	var list []*pipeline
	for _, pl := range s.pipelines {
		if pl.projectID != proj.id {
			continue
		}
		st := s.pipelineStatusOf(pl)
		switch q.Get("scope") {
		case "running", "pending":
			if st != q.Get("scope") {
				continue
			}
		case "finished":
			if st != StatusSuccess && st != StatusFailed && st != StatusCanceled && st != StatusSkipped {
				continue
			}
		case "branches":
			if pl.tag {
				continue
			}
		case "tags":
			if !pl.tag {
				continue
			}
		}
		if q.Has("status") && st != q.Get("status") || q.Has("ref") && pl.ref != q.Get("ref") ||
			q.Has("sha") && pl.sha != q.Get("sha") || q.Has("source") && pl.source != q.Get("source") {
			continue
		}
		if u := q.Get("username"); q.Has("username") && (s.users[pl.userID] == nil || s.users[pl.userID].username != u) {
			continue
		}
		list = append(list, pl)
	}
	orderBy := firstNonEmpty(q.Get("order_by"), "id")
	desc := q.Get("sort") != "asc"
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
	from, to := s.paginateOffset(w, r, lp, len(list), true)
	out := make([]obj, 0, to-from)
	for _, pl := range list[from:to] {
		out = append(out, s.pipelineEntity(r, pl, false))
	}
	writeJSON(w, http.StatusOK, out)
}

// POST /projects/:id/trigger/pipeline (lib/api/ci/triggers.rb and
// Ci::PipelineTriggerService): no authentication but the token parameter,
// a pipeline trigger token of the project (the pipeline runs as the
// trigger's owner, source trigger) or the CI job token of a running job (a
// multi-project pipeline, as the job's user, source pipeline); variables is
// a hash of strings. The pipeline also gets TRIGGER_PAYLOAD, a file
// variable holding the request's parameters but the token.
func (s *Sim) postTriggerPipeline(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	params, ok := readParams(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	ref := requiredString(params, "ref", &errs)
	if _, has := params["ref"]; has && len(errs.order) == 0 && strings.TrimSpace(ref) == "" {
		errs.add("ref", "is empty") // allow_blank: false
	}
	tok := requiredString(params, "token", &errs)
	rawVars, hasVars := params["variables"]
	varsHash, isHash := rawVars.(map[string]any)
	if hasVars && rawVars != nil && rawVars != "" && !isHash {
		errs.add("variables", "is invalid")
	}
	inputs, inputOrder, inputsOK := givenInputs(params, "inputs")
	if !inputsOK {
		errs.add("inputs", "is invalid")
	}
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	// "validate variables", before the project is looked for.
	var vars []pipelineVariable
	keys := make([]string, 0, len(varsHash))
	for k := range varsHash {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, ok := varsHash[k].(string)
		if !ok {
			message(w, http.StatusBadRequest, "variables needs to be a map of key-valued strings")
			return
		}
		vars = append(vars, pipelineVariable{key: k, value: v, variableType: "env_var"})
	}
	proj := s.findProject(r.PathValue("id"))
	if proj == nil {
		message(w, http.StatusNotFound, "404 Not Found") // not_found!
		return
	}
	payload := map[string]any{"id": r.PathValue("id"), "ref": ref}
	if isHash {
		payload["variables"] = varsHash
	}
	if inputs != nil {
		payload["inputs"] = inputs
	}
	b, _ := json.Marshal(payload)
	payloadVar := pipelineVariable{key: "TRIGGER_PAYLOAD", value: string(b), variableType: "file"}
	// Chain::Validate::Abilities: the user the pipeline runs as must be
	// allowed to create pipelines, else a validation error.
	mayCreate := func(u *user) bool {
		return u != nil && !proj.archived && (u.admin || proj.members[u.id] >= DeveloperAccess)
	}
	if t := s.ci.triggers[tok]; t != nil {
		if t.projectID != proj.id { // "not to leak the presence of the project"
			message(w, http.StatusNotFound, "404 Not Found")
			return
		}
		owner := s.users[t.ownerID]
		if !mayCreate(owner) {
			validationError(w, "Insufficient permissions to create a new pipeline")
			return
		}
		s.createPipelineFromConfig(w, r, proj, pipelineRequest{userID: owner.id, ref: ref, vars: vars, payload: &payloadVar, source: "trigger",
			inputs: inputs, inputOrder: inputOrder})
		return
	}
	if jid, ok := s.jobTokens[tok]; ok {
		j := s.jobs[jid]
		if j == nil || j.status != StatusRunning { // Ci::AuthJobFinder's AuthError: a 401
			message(w, http.StatusUnauthorized, "Job is not running")
			return
		}
		u := s.users[j.userID]
		if u == nil || !s.canSeeProject(principal{user: u}, proj) {
			message(w, http.StatusNotFound, "404 Not Found")
			return
		}
		if !mayCreate(u) {
			validationError(w, "Insufficient permissions to create a new pipeline")
			return
		}
		s.createPipelineFromConfig(w, r, proj, pipelineRequest{userID: u.id, ref: ref, vars: vars, payload: &payloadVar, source: "pipeline",
			inputs: inputs, inputOrder: inputOrder})
		return
	}
	message(w, http.StatusNotFound, "404 Not Found") // no trigger or job has this token
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
	var u obj
	if usr := s.users[pl.userID]; usr != nil {
		u = obj{"id": usr.id, "username": usr.username, "name": usr.name, "state": usr.state, "locked": usr.state == "blocked",
			"avatar_url": base + "/uploads/-/system/user/avatar/" + itoa(usr.id) + "/avatar.png", "web_url": base + "/" + usr.username,
			"public_email": nil}
	}
	o["before_sha"] = "0000000000000000000000000000000000000000"
	o["tag"] = pl.tag
	o["yaml_errors"] = nil
	o["user"] = u
	o["started_at"] = timeOrNil(started)
	o["finished_at"] = timeOrNil(finished)
	o["committed_at"] = nil
	o["duration"] = durationJSON
	o["queued_duration"] = queued
	o["coverage"] = nil
	o["detailed_status"] = detailedStatus(st, warnings, path)
	return o
}
