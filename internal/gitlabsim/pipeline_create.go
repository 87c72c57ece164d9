package gitlabsim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Creating a pipeline from the project's CI configuration (ciconfig.go,
// ciinputs.go): POST /projects/:id/pipeline of lib/api/ci/pipelines.rb
// (create_pipeline_params: ref, variables, inputs), Ci::CreatePipelineService
// with source api, as the user. The trigger API (triggers.go) creates its
// pipelines through the same createPipelineFromConfig. Pipelines created
// here are processed (pipeline_processing.go); the seed's pipelines keep the
// status their jobs give them (index.go).

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
	cfg := s.ci.configs[proj.id]
	refName := strings.TrimPrefix(strings.TrimPrefix(req.ref, "refs/heads/"), "refs/tags/")
	var rf ciRef
	found := false
	if cfg != nil {
		rf, found = cfg.refs[refName]
	}
	if found && s.refGuard(s.users[req.userID], proj, refName, rf.tag) != nil { // Chain::Validate::Abilities (protected_refs.go)
		validationError(w, pipelineRefRefusal(req.ref))
		return
	}
	if !found { // Gitlab::Ci::Pipeline::Chain::Validate::Repository
		validationError(w, "Reference not found")
		return
	}
	vars, msg := s.pipelineVariables(proj, req)
	if msg != "" {
		validationError(w, msg)
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
	jobs, msg := jobsForRef(cfgJobs, refName, rf.tag)
	if msg != "" {
		validationError(w, msg)
		return
	}
	now := s.opts.Now().UTC()
	pl, err := s.populatePipeline(proj, req, refName, rf, jobs, now)
	if err != nil {
		message(w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	run := &pipelineRun{byName: map[string]ciJob{}, variables: vars, status: StatusCreated, name: pipelineName}
	for _, cj := range jobs {
		run.byName[cj.Name] = cj
	}
	s.awaitProcessing(pl, run)
	if s.ci.runs == nil {
		s.ci.runs = map[int64]*pipelineRun{}
	}
	s.ci.runs[pl.id] = run
	s.ensureGuardRecords(proj.id, jobs, now) // guards.go: environments, resource groups
	s.createDeployments(pl, now)             // deployments.go
	s.processPipeline(pl, run, now)
	writeJSON(w, http.StatusCreated, s.pipelineEntity(r, pl, true))
}

// pipelineVariables are the variables a pipeline gets (the trigger API's
// TRIGGER_PAYLOAD last), or Chain::Build::Associations' refusal: the
// guard of projects.go, then unique keys.
func (s *Sim) pipelineVariables(proj *project, req pipelineRequest) ([]pipelineVariable, string) {
	if len(req.vars) > 0 && !maySetPipelineVariables(proj, s.users[req.userID]) {
		return nil, insufficientVariablesPermission
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
		return nil, "Duplicate variable " + name + ": " + strings.Join(dups, ", ")
	}
	return vars, ""
}

// jobsForRef are the configuration's jobs that run for a ref, or
// Chain::Populate's refusal: a job needs one that is not in the pipeline
// ("'x' job needs 'y' job, but 'y' does not exist in the pipeline"), or no
// job runs.
func jobsForRef(cfgJobs []ciJob, ref string, tag bool) ([]ciJob, string) {
	var jobs []ciJob
	for _, cj := range cfgJobs {
		if cj.runsFor(ref, tag) {
			jobs = append(jobs, cj)
		}
	}
	in := map[string]bool{}
	for _, cj := range jobs {
		in[cj.Name] = true
	}
	for _, cj := range jobs {
		for _, n := range cj.Needs {
			if !in[n] {
				return nil, "'" + cj.Name + "' job needs '" + n + "' job, but '" + n + "' does not exist in the pipeline. " +
					"This might be because of the only, except, or rules keywords. To need a job that sometimes does not exist " +
					"in the pipeline, use needs:optional."
			}
		}
	}
	if len(jobs) == 0 {
		return nil, "Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline."
	}
	return jobs, ""
}

// populatePipeline stores the pipeline and its jobs (setup.go's
// createPipeline) for the request, created now.
func (s *Sim) populatePipeline(proj *project, req pipelineRequest, refName string, rf ciRef, jobs []ciJob, now time.Time) (*pipeline, error) {
	spec := PipelineSpec{Ref: refName, SHA: rf.sha, Tag: rf.tag, Source: req.source, UserID: req.userID, CreatedAt: &now}
	for _, cj := range jobs {
		spec.Jobs = append(spec.Jobs, JobSpec{
			Name: cj.Name, Stage: cj.Stage, AllowFailure: cj.allowFailure, Tags: cj.Tags, When: cj.when,
			Bridge: cj.Bridge, RunDuration: cj.duration, Outcome: cj.Outcome, LogOnRun: cj.LogOnRun,
		})
	}
	created, err := s.createPipeline(proj.id, spec)
	if err != nil {
		return nil, err
	}
	pl := s.pipelines[created.ID]
	pl.commit.title = "Release " + refName
	return pl, nil
}

// awaitProcessing gives a created pipeline's jobs their configuration
// (when, variables, job inputs at their defaults until played) and leaves
// them to processing: the runner takes them once enqueued.
func (s *Sim) awaitProcessing(pl *pipeline, run *pipelineRun) {
	for _, id := range pl.jobIDs {
		j := s.jobs[id]
		j.driven = false
		cj := run.byName[j.name]
		j.when = cj.when
		j.ciVariables = cj.Variables
		if len(cj.Inputs) > 0 {
			values, _ := validateInputs(cj.Inputs, nil, nil)
			j.inputs = &jobInputs{specs: cj.Inputs, values: values, logTemplate: cj.LogOnRun, varTemplate: cj.Variables}
			j.script.logOnRun, j.ciVariables = j.inputs.render()
		}
	}
}
