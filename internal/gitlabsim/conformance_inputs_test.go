package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Conformance tests of typed inputs (ciinputs.go): pipeline inputs after
// the 'inputs' contexts of spec/requests/api/ci/pipelines_spec.rb and
// triggers_spec.rb and lib/gitlab/ci/config/interpolation/inputs*.rb's
// messages; job inputs on play.

var inputsConfig = gitlabsim.CIConfig{
	Branches: map[string]string{"main": "1111111111111111111111111111111111111111"},
	Tags:     map[string]string{"v1.2.3": "2222222222222222222222222222222222222222"},
	Spec: &gitlabsim.CISpec{Inputs: map[string]gitlabsim.CIInput{
		"environment": {Default: "staging", Options: []any{"staging", "production"}, Description: "where to"},
		"release_tag": {Regex: `^v\d+\.\d+\.\d+$`},
		"replicas":    {Type: "number", Default: 1.0},
		"dry_run":     {Type: "boolean", Default: false},
		"regions":     {Type: "array", Default: []any{"eu"}},
	}},
	WorkflowName: "Release $[[ inputs.release_tag ]] to $[[ inputs.environment ]]",
	Jobs: []gitlabsim.CIJob{
		{Name: "build", Stage: "build", RunDuration: "1s", LogOnRun: "building $[[ inputs.release_tag ]] x$[[ inputs.replicas ]] in $[[ inputs.regions ]]\n",
			Variables: map[string]string{"TARGET": "$[[ inputs.environment ]]", "DRY": "$[[ inputs.dry_run ]]"}},
		{Name: "deploy", Stage: "deploy", When: "manual", RunDuration: "1s",
			Inputs: map[string]gitlabsim.CIInput{
				"environment":  {Default: "staging", Options: []any{"staging", "production"}},
				"image_digest": {Default: "none"},
				"replicas":     {Type: "number", Default: 2.0},
			},
			Variables: map[string]string{"DIGEST": "${{ job.inputs.image_digest }}"},
			LogOnRun:  "deploy $[[ inputs.release_tag ]] ${{ job.inputs.image_digest }} to ${{ job.inputs.environment }} x${{ job.inputs.replicas }}\n"},
	},
}

func newInputsEnv(t *testing.T, restrict bool, role string) *varsEnv {
	t.Helper()
	v := newVarsEnv(t, restrict, role)
	if err := v.sim.SetCIConfig(v.proj.ID, inputsConfig); err != nil {
		t.Fatal(err)
	}
	return v
}

const inputsRefused = `{"message":{"base":["%s"]}}`

func TestSpecPipelines_POST_pipeline_WithInputs(t *testing.T) {
	v := newInputsEnv(t, false, "developer")
	r := v.post(v.pipelinePath, "application/json",
		`{"ref":"main","inputs":{"release_tag":"v1.2.3","environment":"production","replicas":3,"regions":["eu","us"],"dry_run":true}}`,
		"PRIVATE-TOKEN", v.dTok)
	wantStatus(t, r, 201, "")
	m := r.json(t)
	if m["name"] != "Release v1.2.3 to production" {
		t.Errorf("workflow:name interpolated: %v", m["name"])
	}
	build := v.sim.PipelineJobIDs(int64(m["id"].(float64)))[0]
	if j, _ := v.sim.Job(build); j.CIVariables["TARGET"] != "production" || j.CIVariables["DRY"] != "true" {
		t.Errorf("job variables %v", j.CIVariables)
	}
	v.clock.Advance(5 * time.Second)
	if j, _ := v.sim.Job(build); !strings.Contains(j.Log, `building v1.2.3 x3 in ["eu", "us"]`) {
		t.Errorf("log %q", j.Log)
	}
	// GitLab's pipeline entities have no inputs: nothing new is served.
	got := v.get(fmt.Sprintf("%s/pipelines/%v", v.projPath, m["id"]), "PRIVATE-TOKEN", v.dTok)
	wantStatus(t, got, 200, "")
	if _, has := got.json(t)["inputs"]; has {
		t.Error("the pipeline entity shows inputs")
	}
}

// Defaults fill what is not given; a form-encoded request's strings are
// read as JSON for number, boolean and array inputs.
func TestSpecPipelines_POST_pipeline_WithInputs_DefaultsAndFormEncoded(t *testing.T) {
	v := newInputsEnv(t, false, "developer")
	r := v.post(v.pipelinePath, "application/x-www-form-urlencoded",
		"ref=main&inputs[release_tag]=v1.0.0&inputs[replicas]=4&inputs[dry_run]=false", "PRIVATE-TOKEN", v.dTok)
	wantStatus(t, r, 201, "")
	m := r.json(t)
	if m["name"] != "Release v1.0.0 to staging" {
		t.Errorf("name %v", m["name"])
	}
	v.clock.Advance(5 * time.Second)
	if j, _ := v.sim.Job(v.sim.PipelineJobIDs(int64(m["id"].(float64)))[0]); !strings.Contains(j.Log, `building v1.0.0 x4 in ["eu"]`) {
		t.Errorf("log %q", j.Log)
	}
}

func TestSpecPipelines_POST_pipeline_WithInputs_ValidationErrors(t *testing.T) {
	v := newInputsEnv(t, false, "developer")
	for _, c := range []struct{ inputs, msg string }{
		{`{}`, "`release_tag` input: required value has not been provided"},
		{`{"release_tag":"v1.0.0","nope":1,"other":"x"}`, "unknown input arguments: nope, other"},
		{`{"release_tag":"v1.0.0","replicas":"three"}`, "`replicas` input: provided value is not a number"},
		{`{"release_tag":"v1.0.0","dry_run":"yes"}`, "`dry_run` input: provided value is not a boolean"},
		{`{"release_tag":"v1.0.0","regions":"eu"}`, "`regions` input: provided value is not an array"},
		{`{"release_tag":3}`, "`release_tag` input: provided value is not a string"},
		{`{"release_tag":"v1.0.0","environment":"qa"}`, "`environment` input: `qa` cannot be used because it is not in the list of allowed options"},
		{`{"release_tag":"1.0"}`, "`release_tag` input: provided value does not match required RegEx pattern"},
		// The first three errors, joined (Interpolator#error_message).
		{`{"x":1,"release_tag":"1.0","replicas":"a","dry_run":1}`,
			"unknown input arguments: x, `dry_run` input: provided value is not a boolean, `release_tag` input: provided value does not match required RegEx pattern"},
	} {
		r := v.post(v.pipelinePath, "application/json", `{"ref":"main","inputs":`+c.inputs+`}`, "PRIVATE-TOKEN", v.dTok)
		b, _ := json.Marshal(c.msg)
		wantStatus(t, r, 400, fmt.Sprintf(`{"message":{"base":[%s]}}`, b))
	}
	wantStatus(t, v.post(v.pipelinePath, "application/json", `{"ref":"main","inputs":["a"]}`, "PRIVATE-TOKEN", v.dTok), 400,
		`{"error":"inputs is invalid"}`)
	if v.created() != 0 {
		t.Errorf("%d pipelines created", v.created())
	}
}

// Inputs for a configuration without spec:inputs, and a default that
// breaks its own specification.
func TestSpecPipelines_POST_pipeline_WithInputs_ConfigurationErrors(t *testing.T) {
	v := newVarsEnv(t, false, "developer") // releaseConfig: no spec
	wantStatus(t, v.post(v.pipelinePath, "application/json", `{"ref":"main","inputs":{"a":"b"}}`, "PRIVATE-TOKEN", v.dTok), 400,
		fmt.Sprintf(inputsRefused, "Given inputs not defined in the `spec` section of the included configuration file"))
	wantStatus(t, v.post(v.pipelinePath, "application/json", `{"ref":"main","inputs":{}}`, "PRIVATE-TOKEN", v.dTok), 201, "")
	bad := inputsConfig
	bad.Spec = &gitlabsim.CISpec{Inputs: map[string]gitlabsim.CIInput{
		"n": {Type: "number", Default: "one"}, "b": {Type: "boolean", Default: true, Options: []any{true}}, "t": {Type: "struct", Default: 1.0},
	}}
	if err := v.sim.SetCIConfig(v.proj.ID, bad); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, v.post(v.pipelinePath, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", v.dTok), 400,
		fmt.Sprintf(inputsRefused, "`b` input: Options can only be used with string and number inputs, "+
			"`n` input: default value is not a number, unknown input specification for `t` (valid types: array, boolean, number, string)"))
	unknownKey := releaseConfig
	unknownKey.Spec = &gitlabsim.CISpec{Inputs: map[string]gitlabsim.CIInput{"a": {Default: "x"}}}
	unknownKey.WorkflowName = "$[[ inputs.b ]]"
	if err := v.sim.SetCIConfig(v.proj.ID, unknownKey); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, v.post(v.pipelinePath, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", v.dTok), 400,
		fmt.Sprintf(inputsRefused, "unknown interpolation key: `b`"))
}

// Inputs are not pipeline variables: ci_pipeline_variables_minimum_override_role
// (Chain::Build::Associations looks at variables only) lets them through.
func TestSpecPipelines_POST_pipeline_WithInputs_WhenPipelineVariablesAreRestricted(t *testing.T) {
	v := newInputsEnv(t, true, "no_one_allowed")
	wantStatus(t, v.post(v.pipelinePath, "application/json", `{"ref":"main","inputs":{"release_tag":"v1.2.3"}}`, "PRIVATE-TOKEN", v.dTok), 201, "")
	tok := v.sim.CreateTriggerToken(v.proj.ID, v.owner.ID, "")
	r := v.post(v.trigger, "application/json", `{"token":"`+tok+`","ref":"v1.2.3","inputs":{"release_tag":"v1.2.3","environment":"production"}}`)
	wantStatus(t, r, 201, "")
	if m := r.json(t); m["name"] != "Release v1.2.3 to production" || m["source"] != "trigger" {
		t.Errorf("trigger pipeline %v", m)
	}
	if v.created() != 2 {
		t.Errorf("%d pipelines created, want 2", v.created())
	}
}

func TestSpecTriggers_POST_trigger_pipeline_WithInputs(t *testing.T) {
	v := newInputsEnv(t, false, "developer")
	tok := v.sim.CreateTriggerToken(v.proj.ID, v.owner.ID, "")
	wantStatus(t, v.post(v.trigger, "application/json", `{"token":"`+tok+`","ref":"main","inputs":{"environment":"qa","release_tag":"v1.0.0"}}`), 400,
		fmt.Sprintf(inputsRefused, "`environment` input: `qa` cannot be used because it is not in the list of allowed options"))
	wantStatus(t, v.post(v.trigger, "application/json", `{"token":"`+tok+`","ref":"main","inputs":"x"}`), 400, `{"error":"inputs is invalid"}`)
	r := v.post(v.trigger, "application/x-www-form-urlencoded", "token="+tok+"&ref=main&inputs[release_tag]=v2.0.0&inputs[replicas]=2")
	wantStatus(t, r, 201, "")
	vars := v.get(fmt.Sprintf("%s/pipelines/%v/variables", v.projPath, r.json(t)["id"]), "PRIVATE-TOKEN", v.oTok)
	wantStatus(t, vars, 200, `[{"key":"TRIGGER_PAYLOAD","value":"{\"id\":\"`+fmt.Sprint(v.proj.ID)+
		`\",\"inputs\":{\"release_tag\":\"v2.0.0\",\"replicas\":\"2\"},\"ref\":\"main\"}","variable_type":"file"}]`)
}

// --- job inputs on 'POST /projects/:id/jobs/:job_id/play' ---

// deployOf creates a tag pipeline and returns the ID of its manual deploy.
func deployOf(t *testing.T, v *varsEnv) int64 {
	t.Helper()
	r := v.post(v.pipelinePath, "application/json", `{"ref":"v1.2.3","inputs":{"release_tag":"v1.2.3"}}`, "PRIVATE-TOKEN", v.dTok)
	wantStatus(t, r, 201, "")
	v.clock.Advance(5 * time.Second) // build runs; deploy waits, manual
	for _, id := range v.sim.PipelineJobIDs(int64(r.json(t)["id"].(float64))) {
		if j, _ := v.sim.Job(id); j.Name == "deploy" {
			return id
		}
	}
	t.Fatal("no deploy job")
	return 0
}

func (v *varsEnv) play(job int64, body string) response {
	v.t.Helper()
	return v.post(fmt.Sprintf("%s/jobs/%d/play", v.projPath, job), "application/json", body, "PRIVATE-TOKEN", v.dTok)
}

func TestSpecJobs_POST_play_WithJobInputs(t *testing.T) {
	v := newInputsEnv(t, false, "developer")
	deploy := deployOf(t, v)
	if j, _ := v.sim.Job(deploy); j.Inputs["environment"] != "staging" || j.CIVariables["DIGEST"] != "none" {
		t.Errorf("defaults before play: inputs %v variables %v", j.Inputs, j.CIVariables)
	}
	r := v.play(deploy, `{"job_inputs":{"environment":"production","image_digest":"sha256:abc","replicas":3}}`)
	wantStatus(t, r, 200, "")
	if m := r.json(t); m["status"] != "pending" {
		t.Errorf("played: %v", m["status"])
	}
	v.clock.Advance(5 * time.Second)
	j, _ := v.sim.Job(deploy)
	if !strings.Contains(j.Log, "deploy v1.2.3 sha256:abc to production x3") || j.CIVariables["DIGEST"] != "sha256:abc" ||
		j.Inputs["replicas"] != 3.0 {
		t.Errorf("played job: log %q variables %v inputs %v", j.Log, j.CIVariables, j.Inputs)
	}
	// Played again once finished: a retry with the new values, the others kept.
	r = v.play(deploy, `{"job_inputs":{"environment":"staging"}}`)
	wantStatus(t, r, 200, "")
	v.clock.Advance(5 * time.Second)
	ids := v.sim.PipelineJobIDs(j.PipelineID)
	retried, _ := v.sim.Job(ids[len(ids)-1])
	if retried.Name != "deploy" || !strings.Contains(retried.Log, "deploy v1.2.3 sha256:abc to staging x3") {
		t.Errorf("retried deploy %s: %q", retried.Name, retried.Log)
	}
	if j, _ := v.sim.Job(deploy); j.Inputs["environment"] != "production" {
		t.Errorf("the first run's inputs changed: %v", j.Inputs)
	}
}

func TestSpecJobs_POST_play_WithJobInputs_ValidationErrors(t *testing.T) {
	v := newInputsEnv(t, false, "developer")
	deploy := deployOf(t, v)
	for _, c := range []struct{ body, msg string }{
		{`{"job_inputs":{"nope":"x"}}`, "unknown input arguments: nope"},
		{`{"job_inputs":{"replicas":"many"}}`, "`replicas` input: provided value is not a number"},
		{`{"job_inputs":{"environment":"qa"}}`, "`environment` input: `qa` cannot be used because it is not in the list of allowed options"},
	} {
		wantStatus(t, v.play(deploy, c.body), 400, `{"message":"400 Bad request - `+strings.ReplaceAll(c.msg, "`", "`")+`"}`)
	}
	wantStatus(t, v.play(deploy, `{"job_inputs":"x"}`), 400, `{"error":"job_inputs is invalid"}`)
	if j, _ := v.sim.Job(deploy); j.Status != "manual" || v.sim.ActionCount(deploy, gitlabsim.ActionPlay) != 0 {
		t.Errorf("a refused play changed the job: %s", j.Status)
	}
	// A job without an inputs: keyword takes none.
	pl := v.sim.CreatePipeline(v.proj.ID, gitlabsim.PipelineSpec{UserID: v.dev.ID, Jobs: []gitlabsim.JobSpec{{Name: "m", Stage: "deploy", Status: "manual"}}})
	wantStatus(t, v.play(pl.JobIDs[0], `{"job_inputs":{"a":"b"}}`), 400, `{"message":"400 Bad request - unknown input arguments: a"}`)
	// A job input without a default is a configuration error.
	bad := inputsConfig
	bad.Jobs = []gitlabsim.CIJob{{Name: "x", When: "manual", Inputs: map[string]gitlabsim.CIInput{"a": {}}}}
	if err := v.sim.SetCIConfig(v.proj.ID, bad); err == nil || !strings.Contains(err.Error(), "must have a default") {
		t.Errorf("job input without default: %v", err)
	}
}

// Job inputs are not variables: the restriction does not apply to them.
func TestSpecJobs_POST_play_WithJobInputs_WhenPipelineVariablesAreRestricted(t *testing.T) {
	v := newInputsEnv(t, true, "no_one_allowed")
	deploy := deployOf(t, v)
	wantStatus(t, v.play(deploy, `{"job_variables_attributes":[{"key":"A","value":"1"}],"job_inputs":{"environment":"production"}}`), 403,
		`{"message":"403 Forbidden"}`)
	wantStatus(t, v.play(deploy, `{"job_inputs":{"environment":"production"}}`), 200, "")
}

// The demo seed: its release project takes the release data as pipeline
// inputs (release_tag, environment) and its deploy job as job inputs
// (environment and release_tag defaulting to the pipeline's, image_digest);
// preset at GitLab.com's default (no_one_allowed), pipelines still run
// with inputs and refuse variables.
func TestSpecSeed_DemoInputs(t *testing.T) {
	for _, restricted := range []bool{false, true} {
		t.Run(fmt.Sprint("restricted=", restricted), func(t *testing.T) {
			seed := string(gitlabsim.DemoFixture())
			if restricted {
				seed = strings.Replace(seed, `"restrict_user_defined_variables": false`, `"restrict_user_defined_variables": true`, 1)
				seed = strings.Replace(seed, `"ci_pipeline_variables_minimum_override_role": "developer"`,
					`"ci_pipeline_variables_minimum_override_role": "no_one_allowed"`, 1)
			}
			clock := gitlabsim.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
			e := newEnvWith(t, gitlabsim.Options{Now: clock.Now})
			if err := e.sim.LoadFixture(strings.NewReader(seed)); err != nil {
				t.Fatal(err)
			}
			const project = "/api/v4/projects/demo-group%2Fplatform%2Fdeploy-service"
			admin := []string{"PRIVATE-TOKEN", "glpat-demo-0000000000000000"}
			settings := e.get(project, admin...).json(t)
			if settings["restrict_user_defined_variables"] != restricted {
				t.Errorf("seeded settings %v %v", settings["restrict_user_defined_variables"], settings["ci_pipeline_variables_minimum_override_role"])
			}
			withVars := e.post(project+"/pipeline", "application/json", `{"ref":"v1.4.0","variables":[{"key":"GITLABJOBS_RUN_ID","value":"x"}]}`, admin...)
			if restricted {
				wantStatus(t, withVars, 400, `{"message":{"base":["Insufficient permissions to set pipeline variables"]}}`)
			} else {
				wantStatus(t, withVars, 201, "")
			}
			r := e.post(project+"/pipeline", "application/json", `{"ref":"v1.4.0","inputs":{"release_tag":"v1.4.0","environment":"production"}}`, admin...)
			wantStatus(t, r, 201, "")
			plID := int64(r.json(t)["id"].(float64))
			clock.Advance(time.Minute)
			if st := e.sim.PipelineStatus(plID); st != "manual" {
				t.Fatalf("the tag's pipeline is %s, want manual", st)
			}
			ids := e.sim.PipelineJobIDs(plID)
			deploy := ids[len(ids)-1]
			if j, _ := e.sim.Job(deploy); j.Name != "deploy" || j.Inputs["environment"] != "production" || j.Inputs["release_tag"] != "v1.4.0" {
				t.Fatalf("deploy %s inputs %v", j.Name, j.Inputs)
			}
			r = e.post(fmt.Sprintf("%s/jobs/%d/play", project, deploy), "application/json", `{"job_inputs":{"image_digest":"sha256:4a1c"}}`, admin...)
			wantStatus(t, r, 200, "")
			clock.Advance(time.Minute)
			if j, _ := e.sim.Job(deploy); j.Status != "success" ||
				!strings.Contains(j.Log, "--environment production --tag v1.4.0 --image sha256:4a1c") || j.CIVariables["DEPLOY_IMAGE"] != "sha256:4a1c" {
				t.Errorf("deploy %s: %q %v", j.Status, j.Log, j.CIVariables)
			}
		})
	}
}
