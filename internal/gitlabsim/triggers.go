package gitlabsim

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Pipeline trigger tokens (Ci::Trigger) and the trigger API: POST
// /projects/:id/trigger/pipeline of lib/api/ci/triggers.rb (token: a
// pipeline trigger token, source trigger, or a CI job token, source
// pipeline: a multi-project pipeline; ref; variables as a hash; inputs).

// triggerToken is a pipeline trigger token (Ci::Trigger): the pipelines it
// creates run as its owner.
type triggerToken struct {
	projectID int64
	ownerID   int64
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
	vars, ok := triggerVariables(varsHash) // "validate variables", before the project is looked for
	if !ok {
		message(w, http.StatusBadRequest, "variables needs to be a map of key-valued strings")
		return
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
	u, source, ok := s.triggeringUser(w, proj, tok)
	if !ok {
		return
	}
	// Chain::Validate::Abilities: the user the pipeline runs as must be
	// allowed to create pipelines, else a validation error.
	if u == nil || proj.archived || !u.admin && proj.access(u.id) < DeveloperAccess {
		validationError(w, "Insufficient permissions to create a new pipeline")
		return
	}
	s.createPipelineFromConfig(w, r, proj, pipelineRequest{userID: u.id, ref: ref, vars: vars, payload: &payloadVar, source: source,
		inputs: inputs, inputOrder: inputOrder})
}

// triggeringUser is the user the trigger API's pipeline runs as, and its
// source: a pipeline trigger token's owner (trigger), or the user of the
// running job whose CI job token it is (pipeline, a multi-project
// pipeline). A token of another project, a job's user who cannot see the
// project and an unknown token are 404 "404 Not Found" ("not to leak the
// presence of the project"), a job that is not running a 401 (Ci::AuthJobFinder's
// AuthError); ok is false when that answer is written.
func (s *Sim) triggeringUser(w http.ResponseWriter, proj *project, tok string) (u *user, source string, ok bool) {
	if t := s.ci.triggers[tok]; t != nil {
		if t.projectID != proj.id {
			message(w, http.StatusNotFound, "404 Not Found")
			return nil, "", false
		}
		return s.users[t.ownerID], "trigger", true
	}
	jid, isJobToken := s.jobTokens[tok]
	if !isJobToken {
		message(w, http.StatusNotFound, "404 Not Found") // no trigger or job has this token
		return nil, "", false
	}
	j := s.jobs[jid]
	if j == nil || j.status != StatusRunning {
		message(w, http.StatusUnauthorized, "Job is not running")
		return nil, "", false
	}
	u = s.users[j.userID]
	if u == nil || !s.canSeeProject(principal{user: u}, proj) {
		message(w, http.StatusNotFound, "404 Not Found")
		return nil, "", false
	}
	return u, "pipeline", true
}

// triggerVariables are the trigger API's variables, a hash of strings, in
// key order; ok is false when a value is not a string.
func triggerVariables(hash map[string]any) (vars []pipelineVariable, ok bool) {
	keys := make([]string, 0, len(hash))
	for k := range hash {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, isString := hash[k].(string)
		if !isString {
			return nil, false
		}
		vars = append(vars, pipelineVariable{key: k, value: v, variableType: "env_var"})
	}
	return vars, true
}
