package gitlabsim_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Conformance tests of the pipeline-variables restriction (projects.go):
// PUT and GET /projects/:id after spec/requests/api/projects_spec.rb
// ("PUT /projects/:id" with restrict_user_defined_variables and
// ci_pipeline_variables_minimum_override_role), the guard on POST
// /projects/:id/pipeline and the trigger API after pipelines_spec.rb and
// triggers_spec.rb, and on play after jobs_spec.rb
// (Ci::PlayBuildService#check_access!).

// varsEnv is a release project with a maintainer, an owner and a developer.
type varsEnv struct {
	*pipeEnv
	proj                            gitlabsim.Project
	maintainer, owner               gitlabsim.User
	mTok, oTok, dTok                string
	projPath, pipelinePath, trigger string
}

func newVarsEnv(t *testing.T, restrict bool, role string) *varsEnv {
	t.Helper()
	p := newPipeEnv(t, releaseConfig)
	v := &varsEnv{pipeEnv: p}
	v.maintainer = p.sim.CreateUser(gitlabsim.UserSpec{Username: "maint"})
	v.owner = p.sim.CreateUser(gitlabsim.UserSpec{Username: "own"})
	v.proj = p.sim.CreateProject(gitlabsim.ProjectSpec{Path: "rel/app", Members: map[int64]int{
		p.dev.ID: gitlabsim.DeveloperAccess, v.maintainer.ID: gitlabsim.MaintainerAccess, v.owner.ID: gitlabsim.OwnerAccess,
		p.guest.ID: gitlabsim.GuestAccess,
	}, RestrictUserDefinedVariables: restrict, PipelineVariablesMinimumOverrideRole: role})
	if err := p.sim.SetCIConfig(v.proj.ID, releaseConfig); err != nil {
		t.Fatal(err)
	}
	v.mTok = p.sim.CreatePersonalAccessToken(v.maintainer.ID, gitlabsim.TokenSpec{})
	v.oTok = p.sim.CreatePersonalAccessToken(v.owner.ID, gitlabsim.TokenSpec{})
	v.dTok = p.apiTok
	v.projPath = fmt.Sprintf("/api/v4/projects/%d", v.proj.ID)
	v.pipelinePath = v.projPath + "/pipeline"
	v.trigger = v.projPath + "/trigger/pipeline"
	return v
}

func (v *varsEnv) put(body, token string) response {
	v.t.Helper()
	return v.send(http.MethodPut, v.projPath, "application/json", body, token)
}

// send is a request with a body and a token.
func (v *varsEnv) send(method, path, contentType, body, token string) response {
	v.t.Helper()
	req, _ := http.NewRequest(method, v.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := v.srv.Client().Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func (v *varsEnv) settings() gitlabsim.PipelineVariablesSettings {
	return v.sim.ProjectPipelineVariablesSettings(v.proj.ID)
}

func (v *varsEnv) created() int { return len(v.sim.CreatedPipelines(v.proj.ID)) }

const withVariable = `{"ref":"main","variables":[{"key":"ENV","value":"staging"}]}`

// --- describe 'PUT /projects/:id' ---

func TestSpecProjects_PUT_id_UpdatesCiPipelineVariablesMinimumOverrideRole(t *testing.T) {
	v := newVarsEnv(t, false, "developer")
	r := v.put(`{"ci_pipeline_variables_minimum_override_role":"maintainer","restrict_user_defined_variables":true}`, v.mTok)
	wantStatus(t, r, 200, "")
	m := r.json(t)
	if m["ci_pipeline_variables_minimum_override_role"] != "maintainer" || m["restrict_user_defined_variables"] != true ||
		m["path_with_namespace"] != "rel/app" {
		t.Errorf("PUT answer %v", m)
	}
	if got := v.settings(); got != (gitlabsim.PipelineVariablesSettings{RestrictUserDefinedVariables: true, MinimumOverrideRole: "maintainer"}) {
		t.Errorf("settings %+v", got)
	}
	// A form-encoded PUT as Grape coerces it.
	r = v.send(http.MethodPut, v.projPath, "application/x-www-form-urlencoded", "restrict_user_defined_variables=false", v.mTok)
	if r.status != 200 || v.settings().RestrictUserDefinedVariables {
		t.Errorf("form PUT: %d, settings %+v", r.status, v.settings())
	}
}

func TestSpecProjects_PUT_id_OwnerRoleOnlyByOwners(t *testing.T) {
	v := newVarsEnv(t, true, "developer")
	wantStatus(t, v.put(`{"ci_pipeline_variables_minimum_override_role":"owner"}`, v.mTok), 400,
		`{"message":"Changing the ci_pipeline_variables_minimum_override_role to the owner role is not allowed"}`)
	if v.settings().MinimumOverrideRole != "developer" {
		t.Errorf("role changed: %+v", v.settings())
	}
	wantStatus(t, v.put(`{"ci_pipeline_variables_minimum_override_role":"owner"}`, v.oTok), 200, "")
	if v.settings().MinimumOverrideRole != "owner" {
		t.Errorf("owner's change not applied: %+v", v.settings())
	}
}

// Once the role is owner or no_one_allowed, only owners change the settings.
func TestSpecProjects_PUT_id_PrivilegedSettingOnlyByOwners(t *testing.T) {
	v := newVarsEnv(t, true, "no_one_allowed")
	const refused = `{"message":"Changing the restrict_user_defined_variables or ci_pipeline_variables_minimum_override_role is not allowed"}`
	wantStatus(t, v.put(`{"ci_pipeline_variables_minimum_override_role":"developer"}`, v.mTok), 400, refused)
	wantStatus(t, v.put(`{"restrict_user_defined_variables":false}`, v.mTok), 400, refused)
	// Not changing anything is no change: the maintainer may send the current values.
	wantStatus(t, v.put(`{"ci_pipeline_variables_minimum_override_role":"no_one_allowed","restrict_user_defined_variables":true}`, v.mTok), 200, "")
	wantStatus(t, v.put(`{"ci_pipeline_variables_minimum_override_role":"developer"}`, v.oTok), 200, "")
	if v.settings().MinimumOverrideRole != "developer" {
		t.Errorf("owner's change not applied: %+v", v.settings())
	}
}

func TestSpecProjects_PUT_id_UserWithoutAdminProject(t *testing.T) {
	v := newVarsEnv(t, false, "developer")
	wantStatus(t, v.put(`{"restrict_user_defined_variables":true}`, v.dTok), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, v.put(`{"restrict_user_defined_variables":true}`, v.outTok), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, v.put(`{"restrict_user_defined_variables":true}`, ""), 401, `{"message":"401 Unauthorized"}`)
	if v.settings().RestrictUserDefinedVariables {
		t.Error("the setting changed")
	}
}

func TestSpecProjects_PUT_id_InvalidParameters(t *testing.T) {
	v := newVarsEnv(t, false, "developer")
	wantStatus(t, v.put(`{"ci_pipeline_variables_minimum_override_role":"guest"}`, v.mTok), 400,
		`{"error":"ci_pipeline_variables_minimum_override_role does not have a valid value"}`)
	wantStatus(t, v.put(`{"restrict_user_defined_variables":"maybe"}`, v.mTok), 400, `{"error":"restrict_user_defined_variables is invalid"}`)
	r := v.put(`{}`, v.mTok)
	wantStatus(t, r, 400, "")
	if !strings.HasSuffix(string(r.body), `container_registry_enabled are missing, at least one parameter must be provided"}`+"\n") ||
		!strings.Contains(string(r.body), "restrict_user_defined_variables, ") {
		t.Errorf("at_least_one_of: %s", r.body)
	}
}

// --- GET /projects/:id: the CI/CD settings only for who may admin the project ---

func TestSpecProjects_GET_id_CISettingsForMaintainersOnly(t *testing.T) {
	v := newVarsEnv(t, true, "no_one_allowed")
	r := v.get(v.projPath, "PRIVATE-TOKEN", v.mTok)
	wantStatus(t, r, 200, "")
	if m := r.json(t); m["ci_pipeline_variables_minimum_override_role"] != "no_one_allowed" || m["restrict_user_defined_variables"] != true {
		t.Errorf("maintainer sees %v", m)
	}
	r = v.get(v.projPath, "PRIVATE-TOKEN", v.dTok)
	wantStatus(t, r, 200, "")
	if m := r.json(t); m["id"] != float64(v.proj.ID) || m["ci_pipeline_variables_minimum_override_role"] != nil ||
		m["restrict_user_defined_variables"] != nil {
		t.Errorf("developer sees %v", m)
	}
	wantStatus(t, v.get(v.projPath, "PRIVATE-TOKEN", v.outTok), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, v.get("/api/v4/projects/rel%2Fapp", "PRIVATE-TOKEN", v.oTok), 200, "")
}

// --- describe 'POST /projects/:id/pipeline' with the restriction ---

func TestSpecPipelines_POST_pipeline_WhenPipelineVariablesAreRestricted_NoOneAllowed(t *testing.T) {
	v := newVarsEnv(t, true, "no_one_allowed")
	for _, tok := range []string{v.dTok, v.oTok} {
		wantStatus(t, v.post(v.pipelinePath, "application/json", withVariable, "PRIVATE-TOKEN", tok), 400,
			`{"message":{"base":["Insufficient permissions to set pipeline variables"]}}`)
	}
	if v.created() != 0 {
		t.Fatalf("%d pipelines created", v.created())
	}
	// Without variables (an empty list is none) pipelines run.
	wantStatus(t, v.post(v.pipelinePath, "application/json", `{"ref":"main","variables":[]}`, "PRIVATE-TOKEN", v.dTok), 201, "")
	if v.created() != 1 {
		t.Fatalf("%d pipelines created, want 1", v.created())
	}
}

func TestSpecPipelines_POST_pipeline_WhenPipelineVariablesAreRestricted_ToMaintainers(t *testing.T) {
	v := newVarsEnv(t, true, "maintainer")
	wantStatus(t, v.post(v.pipelinePath, "application/json", withVariable, "PRIVATE-TOKEN", v.dTok), 400,
		`{"message":{"base":["Insufficient permissions to set pipeline variables"]}}`)
	wantStatus(t, v.post(v.pipelinePath, "application/json", withVariable, "PRIVATE-TOKEN", v.mTok), 201, "")
	// An administrator who is not a member has no role in the project.
	wantStatus(t, v.post(v.pipelinePath, "application/json", withVariable, "PRIVATE-TOKEN", v.adminTok), 400,
		`{"message":{"base":["Insufficient permissions to set pipeline variables"]}}`)
	if v.created() != 1 {
		t.Errorf("%d pipelines created, want 1", v.created())
	}
}

// restrict_user_defined_variables off: the role is not looked at.
func TestSpecPipelines_POST_pipeline_WhenRestrictUserDefinedVariablesIsDisabled(t *testing.T) {
	v := newVarsEnv(t, false, "no_one_allowed")
	wantStatus(t, v.post(v.pipelinePath, "application/json", withVariable, "PRIVATE-TOKEN", v.dTok), 201, "")
}

// The chain's order: Validate::Repository, then the guard, then unique
// keys (Build::Associations), then Config::Content.
func TestSpecRoute_POST_pipeline_VariablesGuardOrder(t *testing.T) {
	v := newVarsEnv(t, true, "no_one_allowed")
	wantStatus(t, v.post(v.pipelinePath, "application/json", `{"ref":"nope","variables":[{"key":"A","value":"1"}]}`, "PRIVATE-TOKEN", v.dTok),
		400, `{"message":{"base":["Reference not found"]}}`)
	open := newVarsEnv(t, false, "developer")
	wantStatus(t, open.post(open.pipelinePath, "application/json",
		`{"ref":"main","variables":[{"key":"A","value":"1"},{"key":"B","value":"2"},{"key":"A","value":"3"}]}`, "PRIVATE-TOKEN", open.dTok),
		400, `{"message":{"base":["Duplicate variable name: A"]}}`)
	wantStatus(t, open.post(open.pipelinePath, "application/json",
		`{"ref":"main","variables":[{"key":"B","value":"1"},{"key":"A","value":"2"},{"key":"A","value":"3"},{"key":"B","value":"4"}]}`, "PRIVATE-TOKEN", open.dTok),
		400, `{"message":{"base":["Duplicate variable names: B, A"]}}`)
}

// --- describe 'POST /projects/:id/trigger/pipeline' with the restriction ---

// The trigger API's TRIGGER_PAYLOAD is not the user's variable
// (gitlab-org/gitlab#557381): a trigger without variables runs under
// no_one_allowed; with variables it is refused for the trigger's owner.
func TestSpecTriggers_POST_trigger_pipeline_WhenPipelineVariablesAreRestricted(t *testing.T) {
	v := newVarsEnv(t, true, "no_one_allowed")
	tok := v.sim.CreateTriggerToken(v.proj.ID, v.owner.ID, "")
	wantStatus(t, v.post(v.trigger, "application/json", `{"token":"`+tok+`","ref":"main"}`), 201, "")
	wantStatus(t, v.post(v.trigger, "application/x-www-form-urlencoded", "token="+tok+"&ref=main&variables[ENV]=staging"), 400,
		`{"message":{"base":["Insufficient permissions to set pipeline variables"]}}`)
	if v.created() != 1 {
		t.Errorf("%d pipelines created, want 1", v.created())
	}
	// A trigger owned by a maintainer where maintainers may.
	m := newVarsEnv(t, true, "maintainer")
	mt := m.sim.CreateTriggerToken(m.proj.ID, m.maintainer.ID, "")
	dt := m.sim.CreateTriggerToken(m.proj.ID, m.dev.ID, "")
	wantStatus(t, m.post(m.trigger, "application/json", `{"token":"`+mt+`","ref":"main","variables":{"ENV":"x"}}`), 201, "")
	wantStatus(t, m.post(m.trigger, "application/json", `{"token":"`+dt+`","ref":"main","variables":{"ENV":"x"}}`), 400,
		`{"message":{"base":["Insufficient permissions to set pipeline variables"]}}`)
}

// A CI job token's pipeline runs as the job's user: the guard is theirs.
func TestSpecTriggers_POST_trigger_pipeline_WithJobTokenAndVariables(t *testing.T) {
	v := newVarsEnv(t, true, "maintainer")
	// A running job of the project, run by the developer.
	pl := v.sim.CreatePipeline(v.proj.ID, gitlabsim.PipelineSpec{UserID: v.dev.ID, Jobs: []gitlabsim.JobSpec{{Name: "up", Stage: "test", Status: "running"}}})
	jobTok := v.sim.JobToken(pl.JobIDs[0])
	wantStatus(t, v.post(v.trigger, "application/json", `{"token":"`+jobTok+`","ref":"main","variables":{"ENV":"x"}}`), 400,
		`{"message":{"base":["Insufficient permissions to set pipeline variables"]}}`)
	wantStatus(t, v.post(v.trigger, "application/json", `{"token":"`+jobTok+`","ref":"main"}`), 201, "")
}

// --- describe 'POST /projects/:id/jobs/:job_id/play' with the restriction ---

func TestSpecJobs_POST_play_WhenUserIsNotAllowedToSetPipelineVariables(t *testing.T) {
	v := newVarsEnv(t, true, "no_one_allowed")
	pl := v.sim.CreatePipeline(v.proj.ID, gitlabsim.PipelineSpec{UserID: v.dev.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Stage: "deploy", Status: "manual"}, {Name: "done", Stage: "test", Status: "success"}}})
	play := func(job int64, body, tok string) response {
		return v.post(fmt.Sprintf("%s/jobs/%d/play", v.projPath, job), "application/json", body, "PRIVATE-TOKEN", tok)
	}
	const vars = `{"job_variables_attributes":[{"key":"ENV","value":"production"}]}`
	wantStatus(t, play(pl.JobIDs[0], vars, v.oTok), 403, `{"message":"403 Forbidden"}`)
	if j, _ := v.sim.Job(pl.JobIDs[0]); j.Status != "manual" || v.sim.ActionCount(pl.JobIDs[0], gitlabsim.ActionPlay) != 0 {
		t.Errorf("refused play changed the job: %+v", j)
	}
	// "Unplayable Job" comes first.
	wantStatus(t, play(pl.JobIDs[1], vars, v.oTok), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	// Without variables the job plays.
	r := play(pl.JobIDs[0], `{}`, v.dTok)
	wantStatus(t, r, 200, "")
	if m := r.json(t); m["status"] != "pending" {
		t.Errorf("played job %v", m["status"])
	}
}

func TestSpecJobs_POST_play_WhenUserMaySetPipelineVariables(t *testing.T) {
	v := newVarsEnv(t, true, "maintainer")
	pl := v.sim.CreatePipeline(v.proj.ID, gitlabsim.PipelineSpec{UserID: v.dev.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "a", Stage: "deploy", Status: "manual"}, {Name: "b", Stage: "deploy", Status: "manual"}}})
	const vars = `{"job_variables_attributes":[{"key":"ENV","value":"production"}]}`
	wantStatus(t, v.post(fmt.Sprintf("%s/jobs/%d/play", v.projPath, pl.JobIDs[0]), "application/json", vars, "PRIVATE-TOKEN", v.dTok), 403, "")
	wantStatus(t, v.post(fmt.Sprintf("%s/jobs/%d/play", v.projPath, pl.JobIDs[1]), "application/json", vars, "PRIVATE-TOKEN", v.mTok), 200, "")
	if j, _ := v.sim.Job(pl.JobIDs[1]); len(j.Variables) != 1 || j.Variables[0].Value != "production" {
		t.Errorf("maintainer's play: variables %+v", j.Variables)
	}
}
