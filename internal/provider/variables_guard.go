package provider

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// GitLab's refusals of what a play sends besides the job: its variables
// (the project's pipeline variables setting) and its inputs (the job's
// declared inputs). Each names the attribute, the guard and the fix.

// pipelineVariablesGuard describes GitLab's pipeline variables setting and
// how to get past it, for the diagnostics of every request that sends
// variables (a play's job_variables_attributes, a pipeline's variables).
const pipelineVariablesGuard = "GitLab refuses variables when the project forbids pipeline variables for the " +
	"token user's role: the project's \"Minimum role to use pipeline variables\" " +
	"(ci_pipeline_variables_minimum_override_role, enforced while restrict_user_defined_variables is on) is a role " +
	"above the user's, or no_one_allowed, the default of new projects since GitLab 17.7 and of most projects on " +
	"GitLab.com. Fix: pass the values as inputs instead (the inputs attribute; declared in the CI/CD configuration " +
	"by spec:inputs for a pipeline, or by a job's inputs: keyword; a project that forbids pipeline variables still " +
	"accepts inputs), or have the project's Owner " +
	"(a Maintainer, while the setting is Developer or Maintainer) set \"Minimum role to use pipeline variables\" in " +
	"Settings > CI/CD > Variables to a role the user has, for example Developer (API: PUT /projects/:id with " +
	"ci_pipeline_variables_minimum_override_role), or remove the variables."

// playRefusal explains why GitLab refused a play (or why it was never
// sent). Nothing was played: GitLab's 4xx answers are never sent again
// (gitlabclient/actions.go), so a refusal creates nothing, and the next apply
// plays once more.
//
// A 403 to a play with variables is the pipeline variables guard, unless
// the project's setting, read when GitLab shows it (client not nil), lets
// the token's user set variables: then it is about playing the job.
func playRefusal(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	status := gitlabclient.StatusCode(err)
	switch {
	case len(in.Variables) > 0 && gitlabclient.Forbidden(err) && !variablesAllowed(ctx, client, in.Project):
		// Ci::PlayBuildService#check_access!: without the set_pipeline_variables
		// permission, a play with job_variables_attributes is a 403, which is
		// also GitLab's answer when the user may not play the job at all.
		diags.AddAttributeError(path.Root("variables"), fmt.Sprintf("GitLab refused to play job %d with variables", job.ID),
			fmt.Sprintf("GitLab refused the play of job %d (%q) of project %q: %s. Nothing was played. %s\n\nIf the "+
				"project allows pipeline variables for the user's role, the refusal is about playing the job: %s",
				job.ID, job.Name, in.Project.String(), err, pipelineVariablesGuard, actionRights["play"]))
	case len(in.Inputs) > 0 && (status == http.StatusBadRequest || status == http.StatusUnprocessableEntity) && !unplayable(err):
		diags.AddAttributeError(path.Root("inputs"), fmt.Sprintf("GitLab refused the inputs of job %d", job.ID),
			fmt.Sprintf("GitLab refused the play of job %d (%q) of project %q: %s. Nothing was played. A job takes "+
				"only the inputs its inputs: keyword declares in the CI/CD configuration, each a value of its type "+
				"(string, number, boolean or array), one of its options and matching its regex when it has them. Fix "+
				"inputs to match the job's declaration (see the job's configuration in .gitlab-ci.yml), or remove the "+
				"inputs GitLab named.", job.ID, job.Name, in.Project.String(), err))
	case client == nil:
		return actionError("play", in.Project, job.ID, err)
	default:
		// A 403 names the protected branch, tag or environment (guard_diagnostics.go).
		return guardedActionError(ctx, client, "play", in.Project, job, err)
	}
	return diags
}

// variablesGuardAtPlan refuses, at plan time, variables for a project whose
// setting, as GitLab shows it (to Maintainers and up), forbids pipeline
// variables to everyone: the play would be refused. It stays silent when the
// setting cannot be read or is not shown (the apply's refusal then explains).
func variablesGuardAtPlan(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project) diag.Diagnostics {
	var diags diag.Diagnostics
	setting, err := client.GetPipelineVariablesSetting(ctx, project.String())
	if err != nil {
		tflog.Warn(ctx, "could not read the project's pipeline variables setting at plan time", map[string]any{"error": err.Error()})
		return diags
	}
	if setting.ForbidsPipelineVariables() {
		diags.AddAttributeError(path.Root("variables"), "The project forbids pipeline variables",
			fmt.Sprintf("Project %q sets \"Minimum role to use pipeline variables\" to no_one_allowed, so GitLab would "+
				"refuse to play the job with variables (Ci::PlayBuildService#check_access!, 403 Forbidden). Nothing is "+
				"played. %s", project.String(), pipelineVariablesGuard))
	}
	return diags
}

// variablesAllowed reports whether the project's setting, as GitLab shows
// it, lets the token's user set pipeline variables (a user who can read it
// is a Maintainer or more); false when it cannot be read or is not shown.
func variablesAllowed(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project) bool {
	if client == nil {
		return false
	}
	setting, err := client.GetPipelineVariablesSetting(ctx, project.String())
	return err == nil && setting.AllowsMaintainers()
}

// unplayable reports whether err is GitLab's 400 "Unplayable Job" (the
// job's status does not allow a play), not a refusal of the inputs.
func unplayable(err error) bool {
	return gitlabclient.StatusCode(err) == http.StatusBadRequest && strings.Contains(err.Error(), "Unplayable Job")
}
