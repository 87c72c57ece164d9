package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

var (
	_ resource.ResourceWithConfigure   = (*jobArtifactsDeleteResource)(nil)
	_ resource.ResourceWithImportState = (*jobArtifactsDeleteResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*jobArtifactsDeleteResource)(nil) // jobActionResource's: refuses a CI job token at plan
)

// NewJobArtifactsDeleteResource returns the gitlabjobs_job_artifacts_delete resource.
func NewJobArtifactsDeleteResource() resource.Resource {
	return &jobArtifactsDeleteResource{jobArtifactsResource{newJobActionResource("gitlabjobs_job_artifacts_delete", "job_id")}}
}

type jobArtifactsDeleteResource struct{ jobArtifactsResource }

func (r *jobArtifactsDeleteResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_artifacts_delete"
}

func (r *jobArtifactsDeleteResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Deletes a job's artifacts: the archive, its metadata and reports, but not the job's log " +
			"(unlike `gitlabjobs_job_erase`, which removes both). GitLab keeps `artifacts_expire_at` as it was. It acts " +
			"once, when created: applying again does nothing unless `triggers` (or the job) change (see Across " +
			"re-runs). Deleting needs the Maintainer role and a token with the `api` scope (CI job tokens cannot)." +
			lifecycleGuide + "\n\n" +
			"Upstream API: [Delete job artifacts](https://docs.gitlab.com/api/job_artifacts/#delete-job-artifacts).",
		Attributes: artifactsAttributes("delete", "The job whose artifacts to delete."),
	}
}

func (r *jobArtifactsDeleteResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.create(ctx, req, resp, deleteArtifacts)
}
