package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The Terraform 1.14+ action gitlabjobs_job_artifacts_delete: the
// gitlabjobs_job_artifacts_delete resource's second front door, running the
// same operation (deleteArtifacts, common_artifacts.go).

var (
	_ action.ActionWithConfigure  = (*jobArtifactsDeleteAction)(nil)
	_ action.ActionWithModifyPlan = (*jobArtifactsDeleteAction)(nil)
)

// NewJobArtifactsDeleteAction returns the gitlabjobs_job_artifacts_delete action.
func NewJobArtifactsDeleteAction() action.Action {
	return &jobArtifactsDeleteAction{newJobAction("gitlabjobs_job_artifacts_delete")}
}

type jobArtifactsDeleteAction struct{ jobAction }

func (a *jobArtifactsDeleteAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_artifacts_delete"
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

// ModifyPlan refuses a CI job token at plan: GitLab does not take one for DELETE .../artifacts.
func (a *jobArtifactsDeleteAction) ModifyPlan(_ context.Context, _ action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	refuseJobTokenAction(&a.jobAction, resp)
}

func (a *jobArtifactsDeleteAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	invokeArtifactsAction(ctx, &a.jobAction, req, resp, deleteArtifacts, func(j *gitlabclient.Job) string {
		return fmt.Sprintf("job %d: artifacts deleted, %s", j.ID, j.WebURL)
	})
}
