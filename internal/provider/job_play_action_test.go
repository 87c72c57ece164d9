package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestJobPlayAction_variablesAndProgress plans and invokes a play with
// variables: the job is played once with them, and the wait's statuses
// arrive as progress events, then a summary with the job's URL.
func TestJobPlayAction_variablesAndProgress(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	deploy := e.job(gitlabsim.JobSpec{Status: "manual", LogOnRun: "deploying\n"})
	vals := map[string]tftypes.Value{"variables": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{
		"DEPLOY_ENV": str("production"), "API_KEY": str("s3cr3t"),
	})}
	requireNoDiags(t, "ValidateActionConfig", e.validate("gitlabjobs_job_play", deploy, vals))
	requireNoDiags(t, "PlanAction", e.plan("gitlabjobs_job_play", deploy, vals))
	if n := e.sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 0 {
		t.Fatalf("planning played the job %d times", n)
	}

	inv := e.invoke("gitlabjobs_job_play", deploy, vals)
	requireNoDiags(t, "InvokeAction", inv.diags)
	id := fmt.Sprint(deploy)
	requireProgress(t, inv.progress,
		`^job `+id+`: (pending|running), \d+s$`,
		`^job `+id+`: success, \d+s$`,
		`^played job `+id+`: success, http://.+/release/sub/app/-/jobs/`+id+`$`)
	for _, p := range inv.progress {
		if strings.Contains(p, "s3cr3t") {
			t.Errorf("progress shows a variable's value: %q", p)
		}
	}
	if n := e.sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}
	got := e.sim.JobVariables(deploy)
	want := []gitlabsim.Variable{{Key: "API_KEY", Value: "s3cr3t"}, {Key: "DEPLOY_ENV", Value: "production"}}
	if !slices.Equal(got, want) {
		t.Errorf("job variables = %v, want %v", got, want)
	}
	if j, _ := e.sim.Job(deploy); j.Status != "success" {
		t.Errorf("job is %s, want success", j.Status)
	}
}

// TestJobPlayAction_notPlayable: a running job fails the plan (and an
// invocation) with the resources' status check, without a request; a
// finished job that is not a manual one passes the status check but GitLab
// refuses it, which the invocation reports.
func TestJobPlayAction_notPlayable(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	running := e.job(gitlabsim.JobSpec{Status: "running"})
	diag := requireDiag(t, e.plan("gitlabjobs_job_play", running, nil), tfprotov6.DiagnosticSeverityError, "^Job cannot be played$")
	if !strings.Contains(diag.Detail, "is running") || diag.Attribute == nil || diag.Attribute.String() != tftypes.NewAttributePath().WithAttributeName("job_id").String() {
		t.Errorf("diagnostic = %s: %s (attribute %v)", diag.Summary, diag.Detail, diag.Attribute)
	}
	inv := e.invoke("gitlabjobs_job_play", running, nil)
	requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, "^Job cannot be played$")
	if len(inv.progress) != 0 {
		t.Errorf("progress %q for a job that was not played", inv.progress)
	}
	if n := e.sim.ActionCount(running, gitlabsim.ActionPlay); n != 0 {
		t.Errorf("played %d times, want 0", n)
	}

	built := e.job(gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success"})
	requireNoDiags(t, "PlanAction of a finished job", e.plan("gitlabjobs_job_play", built, nil))
	inv = e.invoke("gitlabjobs_job_play", built, nil)
	requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, fmt.Sprintf("^GitLab refused the play of job %d$", built))

	requireDiag(t, e.plan("gitlabjobs_job_play", 999999, nil), tfprotov6.DiagnosticSeverityError, "not found")
}

// TestJobPlayAction_jobFailure: a played job that fails fails the
// invocation with its failure reason, unless fail_on_job_failure = false,
// when the failure is only reported as progress.
func TestJobPlayAction_jobFailure(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	deploy := e.job(gitlabsim.JobSpec{Status: "manual", Outcome: "failed"})
	inv := e.invoke("gitlabjobs_job_play", deploy, nil)
	d := requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, fmt.Sprintf(`^Job %d \(deploy\) failed$`, deploy))
	if !strings.Contains(d.Detail, "script_failure") || !strings.Contains(d.Detail, fmt.Sprintf("/-/jobs/%d", deploy)) {
		t.Errorf("detail = %q, want the failure reason and the job's URL", d.Detail)
	}
	requireProgress(t, inv.progress, fmt.Sprintf(`^job %d: failed, \d+s$`, deploy))

	again := e.job(gitlabsim.JobSpec{Status: "manual", Outcome: "failed"})
	inv = e.invoke("gitlabjobs_job_play", again, map[string]tftypes.Value{"fail_on_job_failure": boolean(false)})
	requireNoDiags(t, "InvokeAction with fail_on_job_failure = false", inv.diags)
	requireProgress(t, inv.progress, fmt.Sprintf(`^played job %d: failed, http`, again))
}

// TestJobPlayAction_timeout: a job no runner picks up times the wait out
// after timeouts.invoke, with the action's advice; it was played once.
func TestJobPlayAction_timeout(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	deploy := e.job(gitlabsim.JobSpec{Status: "manual", Stuck: true})
	start := time.Now()
	inv := e.invoke("gitlabjobs_job_play", deploy, map[string]tftypes.Value{"timeouts": e.timeouts("gitlabjobs_job_play", "400ms")})
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("the invocation took %s with a 400ms timeout", elapsed)
	}
	d := requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, fmt.Sprintf("^Timed out waiting for job %d$", deploy))
	for _, want := range []string{"it is still pending", "timeouts.invoke", `wait_for to "started" or "none"`} {
		if !strings.Contains(d.Detail, want) {
			t.Errorf("detail %q does not mention %q", d.Detail, want)
		}
	}
	if strings.Contains(d.Detail, "tainted") || strings.Contains(d.Detail, "timeouts.create") {
		t.Errorf("detail gives the resources' advice: %q", d.Detail)
	}
	requireProgress(t, inv.progress, fmt.Sprintf(`^job %d: pending, \d+s$`, deploy), fmt.Sprintf(`^job %d: pending, \d+s$`, deploy))
	if n := e.sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}

	// wait_for = "none" returns at once.
	other := e.job(gitlabsim.JobSpec{Status: "manual", Stuck: true})
	inv = e.invoke("gitlabjobs_job_play", other, map[string]tftypes.Value{"wait_for": str("none")})
	requireNoDiags(t, "InvokeAction with wait_for = none", inv.diags)
	if len(inv.progress) != 1 || !strings.HasPrefix(inv.progress[0], fmt.Sprintf("played job %d: pending,", other)) {
		t.Errorf("progress = %q, want only the summary", inv.progress)
	}
}

// inputsJob gives the action's project a CI configuration whose manual
// deploy job declares job inputs, and returns that job of a new pipeline.
func (e *actionTestEnv) inputsJob() int64 {
	e.t.Helper()
	if err := e.sim.SetCIConfig(e.project.ID, gitlabsim.CIConfig{
		Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "deploy", Stage: "deploy", When: "manual", Inputs: map[string]gitlabsim.CIInput{
			"environment": {Default: "staging", Options: []any{"staging", "production"}},
			"replicas":    {Type: "number", Default: 1.0},
			"regions":     {Type: "array", Default: []any{"eu"}},
		}}},
	}); err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%sprojects/%d/pipeline", e.apiURL, e.project.ID), strings.NewReader(`{"ref":"main"}`))
	req.Header.Set("PRIVATE-TOKEN", e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var pl struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&pl); err != nil || resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("POST pipeline: %d %v", resp.StatusCode, err)
	}
	return e.sim.PipelineJobIDs(pl.ID)[0]
}

func inputsValue(vals map[string]tftypes.Value) tftypes.Value {
	typ := map[string]tftypes.Type{}
	for k, v := range vals {
		typ[k] = v.Type()
	}
	return tftypes.NewValue(tftypes.Object{AttributeTypes: typ}, vals)
}

// TestJobPlayAction_inputs invokes a play with typed job inputs, on a
// project where no one may set pipeline variables: the job is played once
// with them. Inputs GitLab refuses fail the invocation naming inputs, with
// nothing played; variables there fail the plan, naming the setting.
func TestJobPlayAction_inputs(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	if err := e.sim.SetPipelineVariablesSettings(e.project.ID, gitlabsim.PipelineVariablesSettings{
		RestrictUserDefinedVariables: true, MinimumOverrideRole: gitlabsim.RoleNoOneAllowed}); err != nil {
		t.Fatal(err)
	}
	deploy := e.inputsJob()
	vals := map[string]tftypes.Value{"inputs": inputsValue(map[string]tftypes.Value{
		"environment": str("production"),
		"replicas":    tftypes.NewValue(tftypes.Number, 3),
		"regions":     tftypes.NewValue(tftypes.Tuple{ElementTypes: []tftypes.Type{tftypes.String, tftypes.String}}, []tftypes.Value{str("eu"), str("us")}),
	})}
	requireNoDiags(t, "ValidateActionConfig", e.validate("gitlabjobs_job_play", deploy, vals))
	requireNoDiags(t, "PlanAction", e.plan("gitlabjobs_job_play", deploy, vals))
	inv := e.invoke("gitlabjobs_job_play", deploy, vals)
	requireNoDiags(t, "InvokeAction", inv.diags)
	j, _ := e.sim.Job(deploy)
	if want := fmt.Sprint(map[string]any{"environment": "production", "replicas": 3.0, "regions": []any{"eu", "us"}}); fmt.Sprint(j.Inputs) != want {
		t.Errorf("job inputs %v, want %v", j.Inputs, want)
	}
	if n := e.sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}

	// An input the job does not declare: GitLab's 400, naming inputs.
	other := e.inputsJob()
	bad := map[string]tftypes.Value{"inputs": inputsValue(map[string]tftypes.Value{"region": str("eu")})}
	requireNoDiags(t, "PlanAction with an unknown input", e.plan("gitlabjobs_job_play", other, bad))
	inv = e.invoke("gitlabjobs_job_play", other, bad)
	d := requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, fmt.Sprintf("^GitLab refused the inputs of job %d$", other))
	if !strings.Contains(d.Detail, "unknown input arguments: region") || d.Attribute == nil ||
		d.Attribute.String() != tftypes.NewAttributePath().WithAttributeName("inputs").String() {
		t.Errorf("diagnostic %s: %s (attribute %v)", d.Summary, d.Detail, d.Attribute)
	}
	if n := e.sim.ActionCount(other, gitlabsim.ActionPlay); n != 0 {
		t.Errorf("a refused play was applied %d times", n)
	}

	// A null input: refused when the configuration is validated.
	null := map[string]tftypes.Value{"inputs": inputsValue(map[string]tftypes.Value{"environment": tftypes.NewValue(tftypes.String, nil)})}
	requireDiag(t, e.validate("gitlabjobs_job_play", other, null), tfprotov6.DiagnosticSeverityError, "^Input without a value$")

	// Variables where no one may set them: refused at plan, naming the setting.
	vars := map[string]tftypes.Value{"variables": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"ENV": str("x")})}
	d = requireDiag(t, e.plan("gitlabjobs_job_play", other, vars), tfprotov6.DiagnosticSeverityError, "^The project forbids pipeline variables$")
	for _, want := range []string{"no_one_allowed", "Minimum role to use pipeline variables", "Settings > CI/CD > Variables", "inputs instead"} {
		if !strings.Contains(d.Detail, want) {
			t.Errorf("detail %q does not say %q", d.Detail, want)
		}
	}
	if n := e.sim.RequestCount("POST /api/v4/projects/{id}/jobs/{job_id}/play"); n != 2 {
		t.Errorf("%d POST .../play, want 2 (the play, and the refused one)", n)
	}
}
