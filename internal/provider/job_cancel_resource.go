package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.ResourceWithConfigure   = (*jobCancelResource)(nil)
	_ resource.ResourceWithImportState = (*jobCancelResource)(nil)
)

// NewJobCancelResource returns the gitlabjobs_job_cancel resource.
func NewJobCancelResource() resource.Resource {
	return &jobCancelResource{newJobActionResource("gitlabjobs_job_cancel", "job_id")}
}

type jobCancelResource struct{ jobActionResource }

type jobCancelModel struct {
	ID              types.String   `tfsdk:"id"`
	Project         types.String   `tfsdk:"project"`
	JobID           types.Int64    `tfsdk:"job_id"`
	WaitForCanceled types.Bool     `tfsdk:"wait_for_canceled"`
	Force           types.Bool     `tfsdk:"force"`
	Triggers        types.Map      `tfsdk:"triggers"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
	jobResultModel
}

func (r *jobCancelResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_cancel"
}

func (r *jobCancelResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := jobResultAttributes("The job's")
	attrs["id"] = idAttribute("`<project>:<job_id>`.")
	attrs["project"] = resourceProjectAttribute()
	attrs["job_id"] = resourceJobIDAttribute("The job to cancel.")
	attrs["wait_for_canceled"] = schema.BoolAttribute{
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(true),
		MarkdownDescription: "Wait until the job has stopped: a running job may be `canceling` while its runner " +
			"winds it down. Defaults to `true`.",
	}
	attrs["force"] = schema.BoolAttribute{
		Optional:            true,
		Computed:            true,
		Default:             booldefault.StaticBool(false),
		MarkdownDescription: forceCancelDescription + " Changing it replaces the resource: a job still `canceling` is then force-canceled, any other is left alone.",
		PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
	}
	attrs["triggers"] = triggersAttribute("cancel the job")
	attrs["timeouts"] = positiveTimeouts(timeouts.Attributes(ctx, timeouts.Opts{Create: true, CreateDescription: "How long to wait for the job to stop (default 10m)."}))
	resp.Schema = schema.Schema{
		MarkdownDescription: "Cancels a job that has not finished (created, pending, running, manual, ...) and waits " +
			"until it has stopped. A job that has already finished is left as it is, with a warning, not an error. " +
			"A cancel is sent only to a job that can still be canceled (see Across re-runs for timeouts, " +
			"interrupts, `force` and `triggers`)." + lifecycleGuide + "\n\n" +
			"Upstream API: [Cancel a job](https://docs.gitlab.com/api/jobs/#cancel-a-job).",
		Attributes: attrs,
	}
}

func (r *jobCancelResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan jobCancelModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(r.what, plan.Project)
	resp.Diagnostics.Append(diags...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultCancelTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	in := jobActionInput{Project: project, JobID: plan.JobID.ValueInt64(), WaitFor: waitNone, Force: plan.Force.ValueBool()}
	if plan.WaitForCanceled.ValueBool() {
		in.WaitFor = waitFinished
	}
	out := cancelJob(ctx, client, r.poll, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Job == nil {
		return
	}
	plan.ID = types.StringValue(formatID(plan.Project.ValueString(), in.JobID))
	plan.jobResultModel = newJobResult(out.Job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// ImportState takes "<project>:<job_id>" of a job that is canceled (or finished).
func (r *jobCancelResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	jobID, ok := r.importJob(ctx, req, resp, checkCancelImport)
	if !ok {
		return
	}
	resp.Diagnostics.Append(setImported(ctx, resp, req.ID, map[string]int64{"job_id": jobID})...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for_canceled"), true)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("force"), false)...)
}
