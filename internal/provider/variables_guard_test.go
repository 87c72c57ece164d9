package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestPlayRefusal names the attribute GitLab refused, the guard and the fix.
func TestPlayRefusal(t *testing.T) {
	project, err := gitlabclient.ParseProject("group/app")
	if err != nil {
		t.Fatal(err)
	}
	job := &gitlabclient.Job{ID: 7, Name: "deploy", Status: "manual"}
	vars := []gitlabclient.Variable{{Key: "ENV", Value: "secret-value"}}
	inputs := map[string]any{"target": "secret-input"}
	refused := func(status int, msg string) error {
		return &gitlabclient.APIError{Method: "POST", Path: "/projects/1/jobs/7/play", StatusCode: status, Message: msg}
	}
	for name, tc := range map[string]struct {
		vars   []gitlabclient.Variable
		inputs map[string]any
		err    error
		attr   string
		want   []string
	}{
		"variables forbidden": {vars, inputs, refused(403, "403 Forbidden"), "variables", []string{
			"GitLab refused to play job 7 with variables", "Nothing was played", "Minimum role to use pipeline variables",
			"ci_pipeline_variables_minimum_override_role", "restrict_user_defined_variables", "no_one_allowed",
			"pass the values as inputs instead", "Settings > CI/CD > Variables", "play_job permission"}},
		"forbidden without variables": {nil, inputs, refused(403, "403 Forbidden"), "job_id", []string{"Not allowed to play job 7", "Developer role"}},
		"inputs refused": {vars, inputs, refused(400, "job_inputs: unknown input: region"), "inputs", []string{
			"GitLab refused the inputs of job 7", "unknown input: region", "Nothing was played", "inputs: keyword declares",
			"options", "regex"}},
		"unprocessable inputs":       {nil, inputs, refused(422, "target: value must be one of staging, production"), "inputs", []string{"GitLab refused the inputs of job 7"}},
		"unplayable with input":      {nil, inputs, refused(400, "400 Bad request - Unplayable Job"), "job_id", []string{"GitLab refused the play of job 7", "plays only manual jobs"}},
		"bad request without inputs": {vars, nil, refused(400, "job_variables_attributes is invalid"), "job_id", []string{"GitLab refused the play of job 7"}},
	} {
		t.Run(name, func(t *testing.T) {
			diags := playRefusal(context.Background(), nil, jobActionInput{Project: project, JobID: 7, Variables: tc.vars, Inputs: tc.inputs}, job, tc.err)
			if len(diags) != 1 || !diags.HasError() {
				t.Fatalf("diagnostics %v, want one error", diags)
			}
			text := diags[0].Summary() + ": " + diags[0].Detail()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q does not say %q", text, w)
				}
			}
			if strings.Contains(text, "secret-") {
				t.Errorf("%q shows a value", text)
			}
			if p := diags[0].(interface{ Path() path.Path }).Path(); !p.Equal(path.Root(tc.attr)) {
				t.Errorf("diagnostic at %s, want %s", p, tc.attr)
			}
		})
	}
}

// TestPlayRefusalReadsTheSetting: a 403 to a play with variables is not
// blamed on the pipeline variables setting when the setting, as the
// token's Maintainer reads it, lets them set variables; it is when the
// setting forbids them.
func TestPlayRefusalReadsTheSetting(t *testing.T) {
	e := newOpsEnv(t, gitlabsim.Options{RunnerDisabled: true})
	in := e.input(t, 7)
	in.Variables = []gitlabclient.Variable{{Key: "ENV", Value: "x"}}
	job := &gitlabclient.Job{ID: 7, Name: "deploy", Status: "manual"}
	forbidden := &gitlabclient.APIError{Method: "POST", Path: "/projects/1/jobs/7/play", StatusCode: 403, Message: "403 Forbidden"}
	summary := func() string {
		diags := playRefusal(context.Background(), e.client, in, job, forbidden)
		if len(diags) != 1 {
			t.Fatalf("diagnostics %v", diags)
		}
		return diags[0].Summary()
	}
	if got := summary(); got != "Not allowed to play job 7" {
		t.Errorf("a project that allows pipeline variables: %q, want the play's rights", got)
	}
	if err := e.sim.SetPipelineVariablesSettings(e.project.ID, gitlabsim.PipelineVariablesSettings{
		RestrictUserDefinedVariables: true, MinimumOverrideRole: gitlabsim.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	if got := summary(); got != "GitLab refused to play job 7 with variables" {
		t.Errorf("a project that allows them to Owners only: %q, want the guard", got)
	}
}
