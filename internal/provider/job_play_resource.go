package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
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
	Variables        types.Map      `tfsdk:"variables"`
	WaitFor          types.String   `tfsdk:"wait_for"`
	FailOnJobFailure types.Bool     `tfsdk:"fail_on_job_failure"`
	Triggers         types.Map      `tfsdk:"triggers"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
	PlayedJobID      types.Int64    `tfsdk:"played_job_id"`
	jobResultModel
}

func (r *jobPlayResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_play"
}

// variableKeyPattern is what GitLab accepts as a CI/CD variable key.
const variableKeyPattern = `^[a-zA-Z0-9_]{1,255}$`

func (r *jobPlayResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := jobResultAttributes("The played job's")
	attrs["id"] = idAttribute("`<project>:<job_id>`.")
	attrs["project"] = resourceProjectAttribute()
	attrs["job_id"] = resourceJobIDAttribute("The manual job to play.")
	attrs["variables"] = schema.MapAttribute{
		ElementType: types.StringType,
		Optional:    true,
		Sensitive:   true,
		MarkdownDescription: "CI/CD variables for this run of the job (GitLab's `job_variables_attributes`), as " +
			"`KEY = \"value\"`. Keys are letters, digits and `_`. Values are sensitive: they never appear in plans or " +
			"logs, but like every attribute they are stored in the state. Changing them plays the job again.",
		Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(
			variableKeyRegexp, "must be a CI/CD variable key: 1 to 255 letters, digits and underscores"))},
		PlanModifiers: []planmodifier.Map{requiresReplaceUnlessImported()}, // job_import.go
	}
	attrs["wait_for"] = waitForAttribute()
	attrs["fail_on_job_failure"] = failOnJobFailureAttribute()
	attrs["triggers"] = triggersAttribute("play the job")
	attrs["timeouts"] = timeouts.Attributes(ctx, timeouts.Opts{Create: true, CreateDescription: "How long to wait for the job (default 60m)."})
	attrs["played_job_id"] = schema.Int64Attribute{
		Computed: true,
		MarkdownDescription: "The job that ran: `job_id` itself when it was a manual job waiting to be played, or the " +
			"new job GitLab created when a finished manual job was played again.",
		PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Plays (runs) a manual job, optionally with CI/CD variables, and waits for it: the step " +
			"of release automation that starts a deploy job once its pipeline is ready. The job is played once, when " +
			"the resource is created; applying again does nothing unless `triggers`, `variables`, `project` or " +
			"`job_id` change. With `fail_on_job_failure` (the default) a failed job fails the apply with its failure " +
			"reason and log URL. Before playing, the job's status is checked, at plan time when the values are known: " +
			"only manual, scheduled or finished manual jobs can be played." + destroyNote + "\n\n" +
			"Upstream API: [Run a job](https://docs.gitlab.com/api/jobs/#run-a-job).",
		Attributes: attrs,
	}
}

// ModifyPlan checks, when the job is to be played, that GitLab can play it,
// so a wrong job_id fails the plan rather than the apply.
func (r *jobPlayResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	checkJobAtPlan(ctx, r.data, req, resp, r.what, checkPlayable)
}

func (r *jobPlayResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan jobPlayModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(r.what, plan.Project)
	resp.Diagnostics.Append(diags...)
	vars, diags := playVariables(ctx, plan.Variables)
	resp.Diagnostics.Append(diags...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultWaitTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	in := jobActionInput{Project: project, JobID: plan.JobID.ValueInt64(), Variables: vars,
		WaitFor: plan.WaitFor.ValueString(), FailOnJobFailure: plan.FailOnJobFailure.ValueBool()}
	out := playJob(ctx, client, r.poll, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Job == nil {
		return // nothing was played
	}
	plan.ID = types.StringValue(fmt.Sprintf("%s:%d", plan.Project.ValueString(), in.JobID))
	plan.PlayedJobID = types.Int64Value(out.Job.ID)
	plan.jobResultModel = newJobResult(out.Job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// ImportState takes "<project>:<job_id>" of a job that was played: the job
// itself is recorded as the played job.
func (r *jobPlayResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	project, ids, err := parseImportID(req.ID, "job_id")
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	_ = project
	resp.Diagnostics.Append(setImported(ctx, resp, req.ID, map[string]int64{"job_id": ids[0], "played_job_id": ids[0]})...)
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
