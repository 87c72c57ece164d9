package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ resource.ResourceWithConfigure   = (*jobArtifactsKeepResource)(nil)
	_ resource.ResourceWithImportState = (*jobArtifactsKeepResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*jobArtifactsKeepResource)(nil)
)

// NewJobArtifactsKeepResource returns the gitlabjobs_job_artifacts_keep resource.
func NewJobArtifactsKeepResource() resource.Resource {
	return &jobArtifactsKeepResource{jobArtifactsResource{newJobActionResource("gitlabjobs_job_artifacts_keep", "job_id")}}
}

type jobArtifactsKeepResource struct{ jobArtifactsResource }

func (r *jobArtifactsKeepResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_artifacts_keep"
}

func (r *jobArtifactsKeepResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Keeps a job's artifacts: they no longer expire (GitLab clears `artifacts_expire_at`), as " +
			"the **Keep** button of a job page does. Use it on the build whose artifacts a release ships, so they outlive " +
			"`artifacts:expire_in`. It acts once, when created: applying again does nothing unless `triggers` (or the " +
			"job) change (see Across re-runs). Keeping needs at least the Developer role and a token with the `api` " +
			"scope (CI job tokens cannot)." + lifecycleGuide + "\n\n" +
			"Upstream API: [Keep artifacts](https://docs.gitlab.com/api/job_artifacts/#keep-artifacts).",
		Attributes: artifactsAttributes("keep", "The job whose artifacts to keep."),
	}
}

func (r *jobArtifactsKeepResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.refuseJobToken(ctx, req, resp)
	checkJobAtPlan(ctx, r.data, req, resp, r.what, func(_ context.Context, _ *gitlabclient.Client, _ jobActionInput, job *gitlabclient.Job) diag.Diagnostics {
		return checkKeepable(job)
	})
}

func (r *jobArtifactsKeepResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.create(ctx, req, resp, keepArtifacts)
}
