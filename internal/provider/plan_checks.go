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

// jobTokenActionError is the diagnostic for a job action planned while the
// provider authenticates with a CI job token. GitLab's job action routes
// (POST /projects/:id/jobs/:job_id/play, retry, cancel, erase in
// lib/api/ci/jobs.rb) are not marked job_token_allowed, so GitLab does not
// take a job token as a credential there and answers 401.
func jobTokenActionError(what string, data *providerData) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddError("A CI job token cannot act on jobs",
		fmt.Sprintf("%s would play, retry, cancel or erase a job, but the gitlabjobs provider authenticates with a "+
			"CI job token (%s). GitLab accepts job tokens only for reading (GET /job and, in current GitLab, listing a "+
			"project's jobs); its play, retry, cancel and erase endpoints answer 401 to a job token. Nothing was sent "+
			"to GitLab.\n\nSet the provider's token (or the %s environment variable) to a personal, project or group "+
			"access token with the api scope whose user has at least the Developer role in the project (inside "+
			"GitLab CI, store it as a masked CI/CD variable).", what, data.jobTokenSource, EnvToken))
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
	resp.Diagnostics.Append(jobTokenActionError(r.what, r.data)...)
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
		resp.Diagnostics.Append(jobTokenActionError(a.what, a.data)...)
	}
}
