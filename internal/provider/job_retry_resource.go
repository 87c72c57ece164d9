package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ resource.ResourceWithConfigure   = (*jobRetryResource)(nil)
	_ resource.ResourceWithImportState = (*jobRetryResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*jobRetryResource)(nil)
)

// NewJobRetryResource returns the gitlabjobs_job_retry resource.
func NewJobRetryResource() resource.Resource {
	return &jobRetryResource{newJobActionResource("gitlabjobs_job_retry", "new_job_id")}
}

type jobRetryResource struct{ jobActionResource }

type jobRetryModel struct {
	ID               types.String   `tfsdk:"id"`
	Project          types.String   `tfsdk:"project"`
	JobID            types.Int64    `tfsdk:"job_id"`
	PipelineID       types.Int64    `tfsdk:"pipeline_id"` // trigger_jobs.go
	WaitFor          types.String   `tfsdk:"wait_for"`
	FailOnJobFailure types.Bool     `tfsdk:"fail_on_job_failure"`
	Triggers         types.Map      `tfsdk:"triggers"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
	NewJobID         types.Int64    `tfsdk:"new_job_id"`
	jobResultModel
}

func (r *jobRetryResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_retry"
}

func (r *jobRetryResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := jobResultAttributes("The new job's")
	attrs["id"] = idAttribute("`<project>:<job_id>:<new_job_id>`.")
	attrs["project"] = resourceProjectAttribute()
	attrs["job_id"] = resourceJobIDAttribute("The finished job to retry.")
	attrs["pipeline_id"] = resourceBridgePipelineAttribute() // trigger_jobs.go
	attrs["wait_for"] = waitForAttribute()
	attrs["fail_on_job_failure"] = failOnJobFailureAttribute()
	attrs["triggers"] = triggersAttribute("retry the job")
	attrs["timeouts"] = positiveTimeouts(timeouts.Attributes(ctx, timeouts.Opts{Create: true, CreateDescription: "How long to wait for the new job (default 60m)."}))
	attrs["new_job_id"] = schema.Int64Attribute{
		Computed:            true,
		MarkdownDescription: "The job GitLab created for the retry. Its status and timestamps are the other attributes.",
		PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Retries a finished job (success, failed or canceled) once: GitLab creates a new job with " +
			"the same name and stage in the same pipeline, and this resource waits for it. Checked at plan time when " +
			"known; never retried twice for one intent (see Across re-runs)." +
			lifecycleGuide + "\n\n" +
			"Upstream API: [Retry a job](https://docs.gitlab.com/api/jobs/#retry-a-job).",
		Attributes: attrs,
	}
}

func (r *jobRetryResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	trackBridgeFrom(ctx, r.data, req.Config)
	r.refuseJobToken(ctx, req, resp)
	checkJobAtPlan(ctx, r.data, req, resp, r.what, planRetry)
}

func (r *jobRetryResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan jobRetryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(r.what, plan.Project)
	resp.Diagnostics.Append(diags...)
	trackBridge(r.data, plan.JobID, plan.PipelineID)
	timeout, diags := plan.Timeouts.Create(ctx, defaultWaitTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	in := jobActionInput{Project: project, JobID: plan.JobID.ValueInt64(),
		WaitFor: plan.WaitFor.ValueString(), FailOnJobFailure: plan.FailOnJobFailure.ValueBool(),
		LookFirst: actAgainInCreate(ctx, r.data, intentKey(r.what, plan.JobID)) == nil}
	out := retryJob(ctx, client, r.poll, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Job == nil {
		return
	}
	plan.ID = types.StringValue(formatID(plan.Project.ValueString(), in.JobID, out.Job.ID))
	plan.NewJobID = types.Int64Value(out.Job.ID)
	plan.jobResultModel = newJobResult(out.Job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes the new job, read through pipeline_id when it is a trigger
// job (trigger_jobs.go).
func (r *jobRetryResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	trackBridgeFrom(ctx, r.data, req.State, "job_id", "new_job_id")
	r.jobActionResource.Read(ctx, req, resp)
}

// ImportState takes "<project>:<job_id>:<new_job_id>": the retried job and
// the job its retry created, or, for a trigger job, read through its
// pipeline, "<project>:<pipeline_id>:<job_id>:<new_job_id>" (trigger_jobs.go).
// Both must exist, and new_job_id must be the run of the same job that came
// right after job_id in its pipeline.
func (r *jobRetryResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	project, pipeline, ids, err := parseBridgeImportID(req.ID, "job_id", "new_job_id")
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	client, diags := r.importClient()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	format := importFormatRetry
	if pipeline != 0 {
		format = bridgeImportFormat("job_id", "new_job_id")
		client.TrackBridge(ids[0], pipeline)
		client.TrackBridge(ids[1], pipeline)
	}
	job, diags := importedJob(ctx, client, req.ID, format, "job_id", project, ids[0])
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if resp.Diagnostics.Append(checkBridgePipeline(req.ID, format, pipeline, job)...); resp.Diagnostics.HasError() {
		return
	}
	newJob, diags := importedJob(ctx, client, req.ID, format, "new_job_id", project, ids[1])
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	var runs []*gitlabclient.Job // read only when the two jobs could be a job and its retry
	if newJob.ID > job.ID && newJob.Name == job.Name && pipelineID(job) != 0 && pipelineID(job) == pipelineID(newJob) {
		runs, err = client.ListRunsOf(ctx, project.String(), job, true)
		if err != nil {
			resp.Diagnostics.AddError("Could not check the import ID",
				fmt.Sprintf("Import ID %q: listing the jobs of pipeline %d (with retried ones) to check that job %d is the "+
					"retry of job %d failed: %s. Nothing was imported; try again when GitLab answers.",
					req.ID, pipelineID(job), newJob.ID, job.ID, err))
			return
		}
	}
	if resp.Diagnostics.Append(checkRetryImport(req.ID, job, newJob, runs)...); resp.Diagnostics.HasError() {
		return
	}
	// The resource's ID is the one a create gives, without pipeline_id.
	id := formatID(req.ID[:strings.Index(req.ID, ":")], ids...)
	resp.Diagnostics.Append(setImported(ctx, resp, id, map[string]int64{"job_id": ids[0], "new_job_id": ids[1]})...)
	if pipeline != 0 {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pipeline_id"), pipeline)...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for"), waitFinished)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("fail_on_job_failure"), true)...)
}
