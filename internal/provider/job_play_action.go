package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ action.ActionWithConfigure  = (*jobPlayAction)(nil)
	_ action.ActionWithModifyPlan = (*jobPlayAction)(nil)
)

// NewJobPlayAction returns the gitlabjobs_job_play action.
func NewJobPlayAction() action.Action {
	return &jobPlayAction{newJobAction("gitlabjobs_job_play")}
}

type jobPlayAction struct{ jobAction }

type jobPlayActionModel struct {
	jobActionTarget
	Variables       types.Map     `tfsdk:"variables"`
	Inputs          types.Dynamic `tfsdk:"inputs"`
	WaitForApproval types.String  `tfsdk:"wait_for_approval"`
	PipelineID      types.Int64   `tfsdk:"pipeline_id"` // trigger_jobs.go
	jobActionWait
}

func (a *jobPlayAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_play"
}

func (a *jobPlayAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := actionWaitAttributes(ctx)
	attrs["project"] = actionProjectAttribute()
	attrs["job_id"] = actionJobIDAttribute("The manual job to play. A finished manual job runs again as a new job; " +
		"a job played again before is played through its newest run.")
	attrs["pipeline_id"] = actionBridgePipelineAttribute() // trigger_jobs.go
	attrs["variables"] = schema.MapAttribute{
		ElementType: types.StringType,
		Optional:    true,
		MarkdownDescription: "CI/CD variables for this run of the job (GitLab's `job_variables_attributes`), as " +
			"`KEY = \"value\"`. Keys are letters, digits and `_`. Terraform does not let providers mark action " +
			"arguments sensitive: give secret values through `sensitive` input variables, so that Terraform treats " +
			"them as sensitive. An action keeps nothing in the state.",
		Validators: []validator.Map{variableKeysValidator(), variableValuesValidator{}, nullByteValuesValidator{}},
	}
	attrs["inputs"] = schema.DynamicAttribute{
		Optional:            true,
		MarkdownDescription: inputsDescription,
		Validators:          []validator.Dynamic{jobInputsValidator{}},
	}
	attrs["wait_for_approval"] = schema.StringAttribute{Optional: true, MarkdownDescription: waitForApprovalDescription +
		" The approvals are reported as progress messages.", Validators: []validator.String{durationValidator{}}}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Plays (runs) a manual job, optionally with CI/CD variables or job inputs, and waits for it, every " +
			"time the action is invoked (`terraform apply -invoke=action.gitlabjobs_job_play.<name>`, or from a " +
			"resource's `lifecycle { action_trigger { ... } }`). While waiting it reports the job's status as " +
			"progress (`job 123: running, 40s`). With `fail_on_job_failure` (the default) a failed job fails the " +
			"invocation with its failure reason and log URL. The job's status is checked when the action is " +
			"planned: only manual, scheduled or finished manual jobs can be played. Requires Terraform 1.14 or " +
			"later; with older Terraform or OpenTofu use the `gitlabjobs_job_play` resource, which does the same " +
			"once per resource.\n\n" +
			"Upstream API: [Run a job](https://docs.gitlab.com/api/jobs/#run-a-job).",
		Attributes: attrs,
	}
}

func (a *jobPlayAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	trackBridgeFrom(ctx, a.data, req.Config)
	var cfg jobPlayActionModel
	cfgRead := !req.Config.Get(ctx, &cfg).HasError()
	a.checkAtPlan(ctx, req, resp, func(job *gitlabclient.Job) diag.Diagnostics {
		if diags := checkPlayable(job); diags.HasError() || !cfgRead || a.data == nil || a.data.client == nil {
			return diags
		}
		p, err := gitlabclient.ParseProject(cfg.Project.ValueString())
		if err != nil {
			return nil
		}
		// A deploy job waiting for its deployment's approval: a warning (job_play_approval.go).
		return approvalAtPlan(ctx, a.data.client, p, job, approvalWait(cfg.WaitForApproval))
	})
	if resp.Diagnostics.HasError() || !cfgRead || cfg.Variables.IsUnknown() ||
		len(cfg.Variables.Elements()) == 0 || cfg.Project.IsUnknown() || cfg.Project.IsNull() ||
		a.data == nil || a.data.client == nil || len(a.data.unknownConfig) > 0 {
		return
	}
	if p, err := gitlabclient.ParseProject(cfg.Project.ValueString()); err == nil {
		resp.Diagnostics.Append(variablesGuardAtPlan(ctx, a.data.client, p)...)
	}
}

func (a *jobPlayAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg jobPlayActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := cfg.input()
	resp.Diagnostics.Append(diags...)
	trackBridge(a.data, cfg.JobID, cfg.PipelineID)
	timeout, diags := cfg.apply(ctx, &in)
	resp.Diagnostics.Append(diags...)
	in.Variables, diags = playVariables(ctx, cfg.Variables)
	resp.Diagnostics.Append(diags...)
	in.Inputs, diags = jobInputs(cfg.Inputs)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	a.invoke(ctx, resp, in, timeout, playAfterApproval(approvalWait(cfg.WaitForApproval)), func(in jobActionInput, j *gitlabclient.Job) string {
		if j.ID != in.JobID {
			return fmt.Sprintf("job %d played: it ran again as %s", in.JobID, jobStatusSummary(j))
		}
		return "played " + jobStatusSummary(j)
	})
}
