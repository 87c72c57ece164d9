package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.ResourceWithConfigure   = (*jobEraseResource)(nil)
	_ resource.ResourceWithImportState = (*jobEraseResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*jobEraseResource)(nil)
)

// NewJobEraseResource returns the gitlabjobs_job_erase resource.
func NewJobEraseResource() resource.Resource {
	return &jobEraseResource{newJobActionResource("gitlabjobs_job_erase", "job_id")}
}

type jobEraseResource struct{ jobActionResource }

type jobEraseModel struct {
	ID       types.String `tfsdk:"id"`
	Project  types.String `tfsdk:"project"`
	JobID    types.Int64  `tfsdk:"job_id"`
	Triggers types.Map    `tfsdk:"triggers"`
	jobResultModel
}

func (r *jobEraseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_erase"
}

func (r *jobEraseResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := jobResultAttributes("The job's")
	attrs["id"] = idAttribute("`<project>:<job_id>`.")
	attrs["project"] = resourceProjectAttribute()
	attrs["job_id"] = resourceJobIDAttribute("The finished job to erase.")
	attrs["triggers"] = triggersAttribute("erase the job")
	resp.Schema = schema.Schema{
		MarkdownDescription: "Erases a finished job's log and artifacts (the job itself stays, with `erased_at` set). " +
			"A job that is already erased is recorded without a request; a job that has not finished fails the plan " +
			"when its status is known then. GitLab cannot erase archived jobs. An erase GitLab refuses for lack of " +
			"rights fails the apply and names the missing right (see Across re-runs)." + lifecycleGuide + "\n\n" +
			"Upstream API: [Erase a job](https://docs.gitlab.com/api/jobs/#erase-a-job).",
		Attributes: attrs,
	}
}

func (r *jobEraseResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.refuseJobToken(ctx, req, resp)
	checkJobAtPlan(ctx, r.data, req, resp, r.what, planErase)
}

func (r *jobEraseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan jobEraseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(r.what, plan.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := jobActionInput{Project: project, JobID: plan.JobID.ValueInt64()}
	out := eraseJob(ctx, client, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Job == nil {
		return
	}
	plan.ID = types.StringValue(formatID(plan.Project.ValueString(), in.JobID))
	plan.jobResultModel = newJobResult(out.Job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// ImportState takes "<project>:<job_id>" of a job that is erased (or finished).
func (r *jobEraseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	jobID, ok := r.importJob(ctx, req, resp, checkEraseImport)
	if !ok {
		return
	}
	resp.Diagnostics.Append(setImported(ctx, resp, req.ID, map[string]int64{"job_id": jobID})...)
}
