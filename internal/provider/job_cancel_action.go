package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ action.ActionWithConfigure  = (*jobCancelAction)(nil)
	_ action.ActionWithModifyPlan = (*jobCancelAction)(nil)
)

// NewJobCancelAction returns the gitlabjobs_job_cancel action.
func NewJobCancelAction() action.Action {
	return &jobCancelAction{newJobAction("gitlabjobs_job_cancel")}
}

type jobCancelAction struct{ jobAction }

type jobCancelActionModel struct {
	jobActionTarget
	WaitForCanceled types.Bool     `tfsdk:"wait_for_canceled"`
	Force           types.Bool     `tfsdk:"force"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

func (a *jobCancelAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_cancel"
}

func (a *jobCancelAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Cancels a job that has not finished (created, pending, running, manual, ...) and waits " +
			"until it has stopped, reporting its status as progress (`job 123: canceling, 5s`). A job that has " +
			"already finished is left as it is, with a warning, not an error. Requires Terraform 1.14 or later; " +
			"with older Terraform or OpenTofu use the `gitlabjobs_job_cancel` resource.\n\n" +
			"Upstream API: [Cancel a job](https://docs.gitlab.com/api/jobs/#cancel-a-job).",
		Attributes: map[string]schema.Attribute{
			"project": actionProjectAttribute(),
			"job_id":  actionJobIDAttribute("The job to cancel."),
			"wait_for_canceled": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Wait until the job has stopped: a running job may be `canceling` while its " +
					"runner winds it down. Defaults to `true`.",
			},
			"force": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: forceCancelDescription,
			},
			"timeouts": positiveActionTimeouts(timeouts.AttributesWithOpts(ctx, timeouts.Opts{
				InvokeDescription: "How long to wait for the job to stop, as a duration such as `30s` or `5m` (default `10m`).",
			})),
		},
	}
}

// forceCancelDescription is the force attribute's description, for the
// resource and the action.
const forceCancelDescription = "End a job that is `canceling` at once with GitLab's force-cancel " +
	"(`force=true` on the cancel endpoint), instead of waiting for its runner to wind it down: a running job is canceled as usual " +
	"and, if GitLab leaves it `canceling`, force-canceled right away (its `after_script` may not finish). Needs " +
	"the Maintainer role; a Developer's force-cancel is refused (the cancel itself is then applied). Defaults to `false`."

// ModifyPlan checks that the job exists; any status is accepted (a finished
// job is left alone with a warning).
func (a *jobCancelAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	a.checkAtPlan(ctx, req, resp, func(*gitlabclient.Job) diag.Diagnostics { return nil })
}

func (a *jobCancelAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg jobCancelActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := cfg.input()
	resp.Diagnostics.Append(diags...)
	timeout, diags := cfg.Timeouts.Invoke(ctx, defaultCancelTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	in.Force = cfg.Force.ValueBool()
	in.WaitFor = waitFinished
	if !cfg.WaitForCanceled.IsNull() && !cfg.WaitForCanceled.IsUnknown() && !cfg.WaitForCanceled.ValueBool() {
		in.WaitFor = waitNone
	}
	in.ExplainWaitError = actionWaitError("set wait_for_canceled = false")
	a.invoke(ctx, resp, in, timeout, cancelJob, func(_ jobActionInput, j *gitlabclient.Job) string {
		return jobStatusSummary(j)
	})
}
