package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// Plan-time checks of the job action resources and actions that need the
// provider's configuration, so a configuration that can only fail at apply
// fails the plan instead, before anything is sent to GitLab.

// jobTokenRefusal is what GitLab refuses a CI job token: what the
// diagnostic says cannot be done, what the resource or action would do,
// and GitLab's answer.
type jobTokenRefusal struct{ cannot, would, gitlab string }

var (
	// GitLab's job action routes (POST /projects/:id/jobs/:job_id/play,
	// retry, cancel, erase in lib/api/ci/jobs.rb) are not marked
	// job_token_allowed, so GitLab does not take a job token as a
	// credential there and answers 401.
	jobActionJobTokenRefusal = jobTokenRefusal{cannot: "act on jobs", would: "play, retry, cancel or erase a job",
		gitlab: "GitLab accepts job tokens only for reading (GET /job and, in current GitLab, listing a project's jobs); " +
			"its play, retry, cancel and erase endpoints answer 401 to a job token."}
	// GitLab's POST /projects/:id/pipeline (lib/api/ci/pipelines.rb) is
	// not marked job_token_allowed, so GitLab answers 401 to a job token.
	pipelineJobTokenRefusal = jobTokenRefusal{cannot: "create pipelines", would: "create a pipeline",
		gitlab: "GitLab does not accept job tokens on its create-pipeline endpoint (it answers 401)."}
)

// jobTokenRefused is the plan-time diagnostic for what GitLab refuses a CI
// job token (refusal), planned while the provider authenticates with one.
func jobTokenRefused(what string, data *providerData, refusal jobTokenRefusal) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddError("A CI job token cannot "+refusal.cannot,
		fmt.Sprintf("%s would %s, but the gitlabjobs provider authenticates with a CI job token (%s). %s Nothing was "+
			"sent to GitLab.\n\nSet the provider's token (or the %s environment variable) to a personal, project or "+
			"group access token with the api scope whose user has at least the Developer role in the project (inside "+
			"GitLab CI, store it as a masked CI/CD variable).", what, refusal.would, data.jobTokenSource, refusal.gitlab, EnvToken))
	return diags
}

// usesJobToken reports whether the provider is configured and authenticates
// with a CI job token.
func (d *providerData) usesJobToken() bool {
	return d != nil && d.client != nil && len(d.unknownConfig) == 0 && d.client.UsesJobToken()
}

// ModifyPlan is the plan-time check of the job action resources that have
// no check of their own (gitlabjobs_job_cancel); the others call
// refuseJobToken from theirs.
func (r *jobActionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.refuseJobToken(ctx, req, resp)
}

// refuseJobToken fails the plan when the resource is to be created (or
// replaced), which acts on a job, and the provider authenticates with a CI
// job token, which GitLab refuses for job actions. Called first in
// ModifyPlan, its error stops the checks that would ask GitLab.
func (r *jobActionResource) refuseJobToken(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || (!req.State.Raw.IsNull() && len(resp.RequiresReplace) == 0) || !r.data.usesJobToken() {
		return
	}
	resp.Diagnostics.Append(jobTokenRefused(r.what, r.data, jobActionJobTokenRefusal)...)
}

// jobTokenSource names where the provider's job token came from, for
// messages: the attribute or environment variable the user set.
func (cfg providerModel) jobTokenSource() string {
	switch {
	case cfg.Token.ValueString() != "":
		return "the token attribute holds a job token (prefix " + jobTokenPrefix + ")"
	case cfg.JobToken.ValueString() != "":
		return "the job_token attribute"
	case os.Getenv(EnvToken) != "":
		return "the " + EnvToken + " environment variable holds a job token (prefix " + jobTokenPrefix + ")"
	case os.Getenv(EnvJobToken) != "":
		return "the " + EnvJobToken + " environment variable, used because neither token nor " + EnvToken + " is set"
	}
	return "job_token"
}

// refuseJobTokenAction is refuseJobToken for the Terraform actions: an
// action always acts when invoked.
func refuseJobTokenAction(a *jobAction, resp *action.ModifyPlanResponse) {
	if a.data.usesJobToken() {
		resp.Diagnostics.Append(jobTokenRefused(a.what, a.data, jobActionJobTokenRefusal)...)
	}
}
