package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ action.ActionWithConfigure  = (*jobRetryAction)(nil)
	_ action.ActionWithModifyPlan = (*jobRetryAction)(nil)
)

// NewJobRetryAction returns the gitlabjobs_job_retry action.
func NewJobRetryAction() action.Action {
	return &jobRetryAction{newJobAction("gitlabjobs_job_retry")}
}

type jobRetryAction struct{ jobAction }

type jobRetryActionModel struct {
	jobActionTarget
	PipelineID types.Int64 `tfsdk:"pipeline_id"` // trigger_jobs.go
	jobActionWait
}

func (a *jobRetryAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_retry"
}

func (a *jobRetryAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := actionWaitAttributes(ctx)
	attrs["project"] = actionProjectAttribute()
	attrs["job_id"] = actionJobIDAttribute("The finished job to retry. A job retried before is retried through its " +
		"newest run.")
	attrs["pipeline_id"] = actionBridgePipelineAttribute() // trigger_jobs.go
	resp.Schema = schema.Schema{
		MarkdownDescription: "Retries a finished job (success, failed or canceled) every time the action is " +
			"invoked: GitLab creates a new job with the same name and stage in the same pipeline, and the action " +
			"waits for it, reporting its status as progress (`job 124: running, 40s`). The job's status is checked " +
			"when the action is planned. A retry whose answer was lost is never sent blindly again. Requires " +
			"Terraform 1.14 or later; with older Terraform or OpenTofu use the `gitlabjobs_job_retry` resource.\n\n" +
			"Upstream API: [Retry a job](https://docs.gitlab.com/api/jobs/#retry-a-job).",
		Attributes: attrs,
	}
}

func (a *jobRetryAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	trackBridgeFrom(ctx, a.data, req.Config)
	a.checkAtPlan(ctx, req, resp, checkRetryable)
}

func (a *jobRetryAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg jobRetryActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := cfg.input()
	resp.Diagnostics.Append(diags...)
	trackBridge(a.data, cfg.JobID, cfg.PipelineID)
	timeout, diags := cfg.apply(ctx, &in)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	a.invoke(ctx, resp, in, timeout, retryJob, func(in jobActionInput, j *gitlabclient.Job) string {
		return fmt.Sprintf("job %d retried: new %s", in.JobID, jobStatusSummary(j))
	})
}
