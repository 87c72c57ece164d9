package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ resource.ResourceWithConfigure   = (*jobPlayResource)(nil)
	_ resource.ResourceWithImportState = (*jobPlayResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*jobPlayResource)(nil)
)

// NewJobPlayResource returns the gitlabjobs_job_play resource.
func NewJobPlayResource() resource.Resource {
	return &jobPlayResource{newJobActionResource("gitlabjobs_job_play", "played_job_id")}
}

type jobPlayResource struct{ jobActionResource }

type jobPlayModel struct {
	ID               types.String   `tfsdk:"id"`
	Project          types.String   `tfsdk:"project"`
	JobID            types.Int64    `tfsdk:"job_id"`
	PipelineID       types.Int64    `tfsdk:"pipeline_id"` // trigger_jobs.go
	Variables        types.Map      `tfsdk:"variables"`
	Inputs           types.Dynamic  `tfsdk:"inputs"`
	WaitFor          types.String   `tfsdk:"wait_for"`
	FailOnJobFailure types.Bool     `tfsdk:"fail_on_job_failure"`
	WaitForApproval  types.String   `tfsdk:"wait_for_approval"`
	Triggers         types.Map      `tfsdk:"triggers"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
	PlayedJobID      types.Int64    `tfsdk:"played_job_id"`
	jobResultModel
}

func (r *jobPlayResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_play"
}

func (r *jobPlayResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := jobResultAttributes("The played job's")
	attrs["id"] = idAttribute("`<project>:<job_id>`.")
	attrs["project"] = resourceProjectAttribute()
	attrs["job_id"] = resourceJobIDAttribute("The manual job to play.")
	attrs["variables"] = schema.MapAttribute{
		ElementType: types.StringType,
		Optional:    true,
		Sensitive:   true,
		MarkdownDescription: "CI/CD variables for this run, `KEY = \"value\"` (keys: letters, digits, `_`) " +
			"([details](#inputs-and-variables)).",
		Validators:    []validator.Map{variableKeysValidator(), variableValuesValidator{}, nullByteValuesValidator{}},
		PlanModifiers: []planmodifier.Map{requiresReplaceUnlessImported()}, // import_mark.go
	}
	attrs["inputs"] = schema.DynamicAttribute{
		Optional:            true,
		MarkdownDescription: inputsDescription,
		Validators:          []validator.Dynamic{jobInputsValidator{}},
		PlanModifiers:       []planmodifier.Dynamic{requiresReplaceUnlessImportedDynamic()}, // import_mark.go
	}
	attrs["pipeline_id"] = resourceBridgePipelineAttribute() // trigger_jobs.go
	attrs["wait_for"] = waitForAttribute()
	attrs["fail_on_job_failure"] = failOnJobFailureAttribute()
	attrs["wait_for_approval"] = schema.StringAttribute{Optional: true, MarkdownDescription: waitForApprovalDescription +
		" Updated in place.",
		Validators: []validator.String{durationValidator{}}}
	attrs["triggers"] = triggersAttribute("play the job")
	attrs["timeouts"] = positiveTimeouts(timeouts.Attributes(ctx, timeouts.Opts{Create: true, CreateDescription: "How long to wait for the job (default 60m)."}))
	attrs["played_job_id"] = schema.Int64Attribute{
		Computed:            true,
		MarkdownDescription: "The job that ran: `job_id`, or the new job of a finished one played again.",
		PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Plays (runs) a manual job, optionally with CI/CD variables or job inputs, and waits for it. " +
			"The job is played once: applying again does nothing unless `triggers`, `job_id` or `project` change. Only " +
			"manual or scheduled jobs (with changed `triggers`, finished manual ones too) can be played, checked at plan " +
			"time when known." +
			lifecycleGuide + "\n\n" +
			"Upstream API: [Run a job](https://docs.gitlab.com/api/jobs/#run-a-job).",
		Attributes: attrs,
	}
}

// ModifyPlan checks, when the job is to be played, that GitLab can play it
// (or that the create will adopt its earlier run), so a wrong job_id fails
// the plan rather than the apply; and refuses a change of variables that
// GitLab would not apply.
func (r *jobPlayResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	trackBridgeFrom(ctx, r.data, req.Config)
	r.refuseJobToken(ctx, req, resp)
	if !req.Plan.Raw.IsNull() && !req.State.Raw.IsNull() {
		r.checkVariablesChange(ctx, req, resp)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	checkJobAtPlan(ctx, r.data, req, resp, r.what, r.planCheck(ctx, req))
}

// planCheck is planPlay, and, when the create would play the job with
// variables, the check of the project's pipeline variables setting.
func (r *jobPlayResource) planCheck(ctx context.Context, req resource.ModifyPlanRequest) planCheck {
	var vars types.Map
	var wait types.String
	withVars := !req.Plan.Raw.IsNull() && !req.Plan.GetAttribute(ctx, path.Root("variables"), &vars).HasError() &&
		!vars.IsUnknown() && len(vars.Elements()) > 0
	if !req.Plan.Raw.IsNull() {
		req.Plan.GetAttribute(ctx, path.Root("wait_for_approval"), &wait)
	}
	return func(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job) diag.Diagnostics {
		if diags := rejectedJob(ctx, client, in.Project, job); diags.HasError() {
			return diags // job_play_approval.go
		}
		if diags := planPlay(ctx, client, in, job); len(diags) > 0 {
			return diags // refused, or adopted: nothing is sent
		}
		var diags diag.Diagnostics
		if withVars {
			diags.Append(variablesGuardAtPlan(ctx, client, in.Project)...)
		}
		// A deploy job waiting for its deployment's approval (job_play_approval.go).
		diags.Append(approvalAtPlan(ctx, client, in.Project, job, approvalWait(wait))...)
		return diags
	}
}

// checkVariablesChange refuses, at plan time, new variables or inputs for a
// job that is no longer waiting to be played: the replacement would play it
// again, and GitLab runs a played job again with the variables of its first
// run (Ci::PlayBuildService retries it), so the new values would not be used
// while the state claimed them.
func (r *jobPlayResource) checkVariablesChange(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var project types.String
	var jobID types.Int64
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("project"), &project)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("job_id"), &jobID)...)
	var changed []string
	for _, name := range []string{"variables", "inputs"} {
		var planned, prior attr.Value
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root(name), &planned)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root(name), &prior)...)
		if resp.Diagnostics.HasError() || planned.Equal(prior) {
			continue
		}
		if prior.IsNull() && req.Private != nil {
			// Right after an import GitLab could not say which variables or
			// inputs the job ran with: the configuration's are stored in place
			// (import_mark.go).
			if mark, _ := req.Private.GetKey(ctx, importedKey); string(mark) == "true" {
				continue
			}
		}
		changed = append(changed, name)
	}
	if resp.Diagnostics.HasError() || len(changed) == 0 {
		return
	}
	_, _, job, diags := jobAtPlan(ctx, r.data, project, jobID, r.what)
	if diags.HasError() || job == nil {
		return // the create's check reports a missing job; an unreadable one is checked at apply
	}
	for _, name := range changed {
		resp.Diagnostics.Append(variablesChangeError(job, name)...)
	}
}

// variablesChangeError refuses new variables or inputs (attr) for job unless
// it waits to be played, saying why and what to do instead.
func variablesChangeError(job *gitlabclient.Job, attr string) diag.Diagnostics {
	var diags diag.Diagnostics
	if waitingToPlay(job) {
		return diags
	}
	why := "GitLab runs a played job again with the variables of its first run (Ci::PlayBuildService retries it): " +
		"the new values would not be used, and the state would claim they were."
	if attr == "inputs" {
		why = "GitLab runs a played job again as a retry of its earlier run (Ci::PlayBuildService), and its job API " +
			"does not show a job's inputs, so the provider could not tell which values that run used, while the state " +
			"would claim the new ones."
	}
	diags.AddAttributeError(path.Root(attr), fmt.Sprintf("New %s cannot be applied to a job that was played", attr),
		fmt.Sprintf("Job %d (%q) was played already (it is %s). Changing %s replaces this resource, which would "+
			"play the job again, but %s To run the job with new %s, play the manual job of a new pipeline: point "+
			"job_id at it. Otherwise revert %s to the values of the earlier run (to run it again with those, change "+
			"triggers).", job.ID, job.Name, job.Status, attr, why, attr, attr))
	return diags
}

func (r *jobPlayResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan jobPlayModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(r.what, plan.Project)
	resp.Diagnostics.Append(diags...)
	trackBridge(r.data, plan.JobID, plan.PipelineID)
	vars, diags := playVariables(ctx, plan.Variables)
	resp.Diagnostics.Append(diags...)
	inputs, diags := jobInputs(plan.Inputs)
	resp.Diagnostics.Append(diags...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultWaitTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	again := actAgainInCreate(ctx, r.data, intentKey(r.what, plan.JobID))
	in := jobActionInput{Project: project, JobID: plan.JobID.ValueInt64(), Variables: vars, Inputs: inputs,
		WaitFor: plan.WaitFor.ValueString(), FailOnJobFailure: plan.FailOnJobFailure.ValueBool(),
		LookFirst: again == nil, VariablesChanged: again.asked("variables"), InputsChanged: again.asked("inputs"),
		Recorded: hasRecorded(r.data, intentKey(r.what, plan.JobID))}
	tflog.Debug(ctx, "play: create", map[string]any{"look_first": in.LookFirst})
	out := playAfterApproval(approvalWait(plan.WaitForApproval))(ctx, client, r.poll, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Job == nil {
		return // nothing was played
	}
	plan.ID = types.StringValue(formatID(plan.Project.ValueString(), in.JobID))
	plan.PlayedJobID = types.Int64Value(out.Job.ID)
	plan.jobResultModel = newJobResult(out.Job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes the played job, and notes that this state records a run
// of job_id: a tainted resource's replacement adopts it (common_operations.go).
func (r *jobPlayResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.noteRecorded(ctx, req.State)
	trackBridgeFrom(ctx, r.data, req.State, "job_id", "played_job_id")
	r.jobActionResource.Read(ctx, req, resp)
}

// Delete forgets the resource, noting (for the create half of a tainted
// resource's replacement) that its state recorded a run.
func (r *jobPlayResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.noteRecorded(ctx, req.State)
	r.jobActionResource.Delete(ctx, req, resp)
}

func (r *jobPlayResource) noteRecorded(ctx context.Context, state tfsdk.State) {
	var jobID, played types.Int64
	if state.Raw.IsNull() {
		return
	}
	diags := state.GetAttribute(ctx, path.Root("job_id"), &jobID)
	diags.Append(state.GetAttribute(ctx, path.Root("played_job_id"), &played)...)
	if !diags.HasError() && !played.IsNull() && !played.IsUnknown() {
		noteRecorded(r.data, intentKey(r.what, jobID))
	}
}

// ImportState takes "<project>:<job_id>" of a job that was played, or
// "<project>:<pipeline_id>:<job_id>" of a trigger job (trigger_jobs.go):
// the job itself is recorded as the played job. The job must exist and show
// that it was played (not manual, scheduled, created or skipped).
func (r *jobPlayResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	jobID, pipeline, ok := r.importJobThrough(ctx, req, resp, importFormatPlay, checkPlayImport)
	if !ok {
		return
	}
	// The resource's ID is the one a create gives, without pipeline_id.
	id := formatID(req.ID[:strings.Index(req.ID, ":")], jobID)
	resp.Diagnostics.Append(setImported(ctx, resp, id, map[string]int64{"job_id": jobID, "played_job_id": jobID})...)
	if pipeline != 0 {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pipeline_id"), pipeline)...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for"), waitFinished)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("fail_on_job_failure"), true)...)
}

// playVariables turns the variables map into GitLab's list, sorted by key so
// requests are reproducible.
func playVariables(ctx context.Context, m types.Map) ([]gitlabclient.Variable, diag.Diagnostics) {
	if m.IsNull() || m.IsUnknown() {
		return nil, nil
	}
	var values map[string]string
	if diags := m.ElementsAs(ctx, &values, false); diags.HasError() {
		return nil, diags
	}
	vars := make([]gitlabclient.Variable, 0, len(values))
	for k, v := range values {
		vars = append(vars, gitlabclient.Variable{Key: k, Value: v})
	}
	slices.SortFunc(vars, func(a, b gitlabclient.Variable) int {
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	tflog.Debug(ctx, "play variables", map[string]any{"keys": len(vars)}) // keys only counted: values are secret
	return vars, nil
}
