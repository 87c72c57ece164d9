package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The Terraform 1.14+ action gitlabjobs_job_artifacts_keep: the
// gitlabjobs_job_artifacts_keep resource's second front door, running the
// same operation (keepArtifacts, common_artifacts.go).

var (
	_ action.ActionWithConfigure  = (*jobArtifactsKeepAction)(nil)
	_ action.ActionWithModifyPlan = (*jobArtifactsKeepAction)(nil)
)

// NewJobArtifactsKeepAction returns the gitlabjobs_job_artifacts_keep action.
func NewJobArtifactsKeepAction() action.Action {
	return &jobArtifactsKeepAction{newJobAction("gitlabjobs_job_artifacts_keep")}
}

type jobArtifactsKeepAction struct{ jobAction }

func (a *jobArtifactsKeepAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_artifacts_keep"
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

func (a *jobArtifactsKeepAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	a.checkAtPlan(ctx, req, resp, checkKeepable)
}

func (a *jobArtifactsKeepAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	invokeArtifactsAction(ctx, &a.jobAction, req, resp, keepArtifacts, func(j *gitlabclient.Job) string {
		return fmt.Sprintf("job %d: artifacts kept (they no longer expire), %s", j.ID, j.WebURL)
	})
}
