package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Plan-time checks of the job action resources and actions (and of
// gitlabjobs_pipeline_run's CI-job-token refusal), so a configuration that
// can only fail at apply fails the plan instead, before anything is sent to
// GitLab: the CI job token GitLab refuses, and the job's status as GitLab
// shows it (checkJobAtPlan, checkJobStatusAtPlan and each action's check).

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

// The job statuses in which GitLab accepts each action are the client's
// (gitlabclient.Playable, Retryable, Cancelable, Erasable, Finished, ...:
// gitlabclient/status.go names GitLab's source of each).

// planCheck checks, at plan time, the job a resource's create will act on
// (as read from GitLab): errors for a job the action cannot take, warnings
// for a job the create will adopt rather than act on.
type planCheck func(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job) diag.Diagnostics

// checkJobAtPlan is the job action resources' ModifyPlan. For a change of
// an existing resource it marks a replacement the user asked for
// (markActAgain). For a create — a new resource, a tainted one, or the
// second half of a replacement, which carries the marker — it runs check on
// the job when project and job_id are known, so a job in the wrong status
// fails the plan, not the apply. It stays silent when it cannot ask GitLab
// (the apply checks again).
func checkJobAtPlan(ctx context.Context, data *providerData, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, what string, check planCheck) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if !req.State.Raw.IsNull() {
		markActAgain(ctx, req, resp, what)
		return
	}
	var project types.String
	var jobID types.Int64
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("project"), &project)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("job_id"), &jobID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The plan's create half of a replacement carries the marker; the
	// apply's re-plan of it finds the one its delete kept.
	var private privateState
	if req.Private != nil {
		private = req.Private
	}
	again, diags := actAgainAtPlan(ctx, data, intentKey(what, jobID), private)
	resp.Diagnostics.Append(diags...)
	client, p, job, diags := jobAtPlan(ctx, data, project, jobID, what)
	resp.Diagnostics.Append(diags...)
	if job == nil {
		return
	}
	intent := intentKey(what, jobID)
	in := jobActionInput{Project: p, JobID: job.ID, LookFirst: again == nil, Recorded: hasRecorded(data, intent)}
	resp.Diagnostics.Append(check(ctx, client, in, job)...)
}

// jobAtPlan reads the job named by project and job_id at plan time, or
// returns no job when they are not known or GitLab cannot be asked (the
// apply checks again). A job that does not exist is an error.
func jobAtPlan(ctx context.Context, data *providerData, project types.String, jobID types.Int64, what string) (*gitlabclient.Client, gitlabclient.Project, *gitlabclient.Job, diag.Diagnostics) {
	if project.IsUnknown() || jobID.IsUnknown() || project.IsNull() || jobID.IsNull() {
		return nil, gitlabclient.Project{}, nil, nil
	}
	if data == nil || data.client == nil || len(data.unknownConfig) > 0 {
		return nil, gitlabclient.Project{}, nil, nil
	}
	p, err := gitlabclient.ParseProject(project.ValueString())
	if err != nil {
		return nil, p, nil, nil // the attribute's validator reports it
	}
	job, err := data.client.GetJob(ctx, p.String(), jobID.ValueInt64())
	switch {
	case gitlabclient.IsNotFound(err):
		return nil, p, nil, jobReadError(p, jobID.ValueInt64(), err)
	case err != nil:
		tflog.Warn(ctx, what+": could not check the job at plan time; the apply checks again", map[string]any{"error": err.Error()})
		return nil, p, nil, nil
	default:
		return data.client, p, job, nil
	}
}

// planPlay and planRetry are the play and retry resources' plan checks:
// the decision the create will make, as far as the plan can tell.
func planPlay(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job) diag.Diagnostics {
	d, target, diags := resolvePlay(ctx, client, in, job)
	return planDecision(ctx, in, "play", d, target, diags,
		func() diag.Diagnostics { return adoptedPlay(in, job, target, true) },
		func() diag.Diagnostics { return refusedPlay(in, target) })
}

func planRetry(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job) diag.Diagnostics {
	d, target, diags := resolveRetry(ctx, client, in, job)
	return planDecision(ctx, in, "retry", d, target, diags,
		func() diag.Diagnostics { return adoptedRetry(job, target, true) },
		func() diag.Diagnostics { return refusedRetry(target) })
}

// planDecision is what the plan says of the create's decision d on target:
// adopted's warnings, refused's errors (with the hint of a changed
// triggers), or nothing when the runs could not be read (diags).
func planDecision(ctx context.Context, in jobActionInput, action string, d decision, target *gitlabclient.Job, diags diag.Diagnostics,
	adopted, refused func() diag.Diagnostics) diag.Diagnostics {
	switch {
	case diags.HasError():
		tflog.Warn(ctx, "could not check the job's runs at plan time; the apply checks again")
		return nil
	case d == decideAdopt:
		return adopted()
	case d == decideRefuse:
		return withAgainHint(refused(), in, action, target)
	}
	return nil
}

// planErase is the erase resource's plan check.
func planErase(_ context.Context, _ *gitlabclient.Client, _ jobActionInput, job *gitlabclient.Job) diag.Diagnostics {
	return checkErasable(job)
}

// withAgainHint adds, to the refusal of a replacement the user asked for
// (changed triggers), that its earlier run has not finished yet.
func withAgainHint(diags diag.Diagnostics, in jobActionInput, action string, job *gitlabclient.Job) diag.Diagnostics {
	if in.LookFirst || gitlabclient.Finished(job.Status) {
		return diags
	}
	for i, d := range diags {
		if d.Severity() == diag.SeverityError {
			diags[i] = diag.NewAttributeErrorDiagnostic(path.Root("job_id"), d.Summary(), d.Detail()+fmt.Sprintf(
				" The configuration changed triggers, which asks to %s the job again, but its run, job %d, has not "+
					"finished: apply again once it has, or revert triggers to keep this run.", action, job.ID))
		}
	}
	return diags
}

// checkJobStatusAtPlan runs check on the job when project and job_id are
// known, for the plan of a resource or a Terraform action. It stays silent
// when it cannot ask GitLab (the apply checks again).
func checkJobStatusAtPlan(ctx context.Context, data *providerData, project types.String, jobID types.Int64, what string, check func(*gitlabclient.Job) diag.Diagnostics) diag.Diagnostics {
	_, _, job, diags := jobAtPlan(ctx, data, project, jobID, what)
	if job == nil {
		return diags
	}
	return append(diags, check(job)...)
}
