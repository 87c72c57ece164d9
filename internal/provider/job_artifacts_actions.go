package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The Terraform 1.14+ actions gitlabjobs_job_artifacts_keep and
// gitlabjobs_job_artifacts_delete: the artifacts resources' second front
// door, running the same operations (keepArtifacts, deleteArtifacts).

var (
	_ action.ActionWithConfigure  = (*jobArtifactsKeepAction)(nil)
	_ action.ActionWithModifyPlan = (*jobArtifactsKeepAction)(nil)
	_ action.ActionWithConfigure  = (*jobArtifactsDeleteAction)(nil)
	_ action.ActionWithModifyPlan = (*jobArtifactsDeleteAction)(nil)
)

// NewJobArtifactsKeepAction returns the gitlabjobs_job_artifacts_keep action.
func NewJobArtifactsKeepAction() action.Action {
	return &jobArtifactsKeepAction{newJobAction("gitlabjobs_job_artifacts_keep")}
}

// NewJobArtifactsDeleteAction returns the gitlabjobs_job_artifacts_delete action.
func NewJobArtifactsDeleteAction() action.Action {
	return &jobArtifactsDeleteAction{newJobAction("gitlabjobs_job_artifacts_delete")}
}

type jobArtifactsKeepAction struct{ jobAction }

type jobArtifactsDeleteAction struct{ jobAction }

func (a *jobArtifactsKeepAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_artifacts_keep"
}

func (a *jobArtifactsDeleteAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_artifacts_delete"
}

func (a *jobArtifactsKeepAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Keeps a job's artifacts: they no longer expire (GitLab clears `artifacts_expire_at`). " +
			"Artifacts that already never expire are left alone without a request. A job without artifacts (not " +
			"finished, none uploaded, deleted, erased) or whose artifacts have expired fails the plan when that is " +
			"known then. A keep whose answer was lost is never sent blindly again: the job is re-read first. Keeping " +
			"needs at least the Developer role and a token with the `api` scope. Requires Terraform 1.14 or later; " +
			"with older Terraform or OpenTofu use the `gitlabjobs_job_artifacts_keep` resource.\n\n" +
			"Upstream API: [Keep artifacts](https://docs.gitlab.com/api/job_artifacts/#keep-artifacts).",
		Attributes: map[string]schema.Attribute{
			"project": actionProjectAttribute(),
			"job_id":  actionJobIDAttribute("The job whose artifacts to keep."),
		},
	}
}

func (a *jobArtifactsDeleteAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Deletes a job's artifacts: the archive, its metadata and reports, but not the job's log " +
			"(`gitlabjobs_job_erase` removes both). A job with no artifacts left is left alone without a request, with a " +
			"warning. A delete whose answer was lost is never sent blindly again: the job is re-read first. Deleting " +
			"needs the Maintainer role and a token with the `api` scope. Requires Terraform 1.14 or later; with older " +
			"Terraform or OpenTofu use the `gitlabjobs_job_artifacts_delete` resource.\n\n" +
			"Upstream API: [Delete job artifacts](https://docs.gitlab.com/api/job_artifacts/#delete-job-artifacts).",
		Attributes: map[string]schema.Attribute{
			"project": actionProjectAttribute(),
			"job_id":  actionJobIDAttribute("The job whose artifacts to delete."),
		},
	}
}

func (a *jobArtifactsKeepAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	a.checkAtPlan(ctx, req, resp, checkKeepable)
}

// ModifyPlan refuses a CI job token at plan: GitLab does not take one for DELETE .../artifacts.
func (a *jobArtifactsDeleteAction) ModifyPlan(_ context.Context, _ action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	refuseJobTokenAction(&a.jobAction, resp)
}

func (a *jobArtifactsKeepAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	invokeArtifactsAction(ctx, &a.jobAction, req, resp, keepArtifacts, func(j *gitlabclient.Job) string {
		return fmt.Sprintf("job %d: artifacts kept (they no longer expire), %s", j.ID, j.WebURL)
	})
}

func (a *jobArtifactsDeleteAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	invokeArtifactsAction(ctx, &a.jobAction, req, resp, deleteArtifacts, func(j *gitlabclient.Job) string {
		return fmt.Sprintf("job %d: artifacts deleted, %s", j.ID, j.WebURL)
	})
}

func invokeArtifactsAction(ctx context.Context, a *jobAction, req action.InvokeRequest, resp *action.InvokeResponse,
	op func(context.Context, *gitlabclient.Client, jobActionInput) jobActionOutput, summary func(*gitlabclient.Job) string) {
	var cfg jobActionTarget
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := cfg.input()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	a.invoke(ctx, resp, in, 0, func(ctx context.Context, client *gitlabclient.Client, _ poller, in jobActionInput) jobActionOutput {
		return op(ctx, client, in)
	}, func(_ jobActionInput, j *gitlabclient.Job) string { return summary(j) })
}
