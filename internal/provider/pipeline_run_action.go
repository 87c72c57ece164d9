package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ action.ActionWithConfigure  = (*pipelineRunAction)(nil)
	_ action.ActionWithModifyPlan = (*pipelineRunAction)(nil)
)

// NewPipelineRunAction returns the gitlabjobs_pipeline_run action.
func NewPipelineRunAction() action.Action {
	return &pipelineRunAction{newJobAction("gitlabjobs_pipeline_run")}
}

// pipelineRunAction creates a pipeline on every invocation: an action has
// no state, so each invocation is a new intent (its run_id is random); what
// it shares with the resource is the creation that is never sent twice and
// the wait.
type pipelineRunAction struct{ jobAction }

type pipelineRunActionModel struct {
	Project       types.String   `tfsdk:"project"`
	Ref           types.String   `tfsdk:"ref"`
	Variables     types.Map      `tfsdk:"variables"`
	Inputs        types.Dynamic  `tfsdk:"inputs"`
	WaitFor       types.String   `tfsdk:"wait_for"`
	FailOnFailure types.Bool     `tfsdk:"fail_on_failure"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

func (a *pipelineRunAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline_run"
}

func (a *pipelineRunAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a pipeline for a branch or tag, with typed inputs or CI/CD variables, every time the action is " +
			"invoked, and optionally waits until it succeeds, blocks on a manual job or finishes, reporting its status as " +
			"progress. Each invocation creates one pipeline: a creation whose answer is lost is sent again only when " +
			"GitLab provably did not create it ([Pipeline runs](../guides/lifecycle.md#pipeline-runs)). Requires " +
			"Terraform 1.14 or later; otherwise use the `gitlabjobs_pipeline_run` resource.\n\n" +
			"Upstream API: [Create a new pipeline](https://docs.gitlab.com/api/pipelines/#create-a-new-pipeline).",
		Attributes: map[string]schema.Attribute{
			"project": actionProjectAttribute(),
			"ref": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The branch or tag to run the pipeline for (`main`, `v1.4.0`).",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"variables": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: pipelineVariablesAttributeDesc + " Terraform does not let providers mark action " +
					"arguments sensitive: give secret values through `sensitive` input variables.",
				Validators: pipelineVariablesValidators(),
			},
			"inputs": schema.DynamicAttribute{
				Optional:            true,
				MarkdownDescription: pipelineInputsDesc,
				Validators:          []validator.Dynamic{jobInputsValidator{}},
			},
			"wait_for": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: pipelineWaitDesc("`timeouts.invoke`") + " Defaults to `none`.",
				Validators: []validator.String{stringvalidator.OneOf(pipelineWaitNone, pipelineWaitSuccess,
					pipelineWaitManual, pipelineWaitFinished)},
			},
			"fail_on_failure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "While waiting: fail the invocation when the pipeline ends `failed`, `canceled` or " +
					"`skipped` (or, waiting for `success`, blocks on a manual job), naming its failed jobs. Defaults to `true`.",
			},
			"timeouts": positiveActionTimeouts(timeouts.AttributesWithOpts(ctx, timeouts.Opts{
				InvokeDescription: "How long to wait for the pipeline, as a duration such as `30s`, `10m` or `2h` (default `60m`).",
			})),
		},
	}
}

// ModifyPlan refuses, at plan, a CI job token, which GitLab does not accept
// for creating pipelines.
func (a *pipelineRunAction) ModifyPlan(_ context.Context, _ action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data.usesJobToken() {
		resp.Diagnostics.Append(jobTokenRefused(a.what, a.data, pipelineJobTokenRefusal)...)
	}
}

func (a *pipelineRunAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg pipelineRunActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	project, err := gitlabclient.ParseProject(cfg.Project.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("project"), "Invalid GitLab project", err.Error())
	}
	vars, diags := playVariables(ctx, cfg.Variables)
	resp.Diagnostics.Append(diags...)
	inputs, diags := jobInputs(cfg.Inputs)
	resp.Diagnostics.Append(diags...)
	timeout, diags := cfg.Timeouts.Invoke(ctx, defaultWaitTimeout)
	resp.Diagnostics.Append(diags...)
	client, diags := a.data.clientFor(a.what)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	send := progressSender(ctx, resp)
	in := pipelineRunInput{
		Project: project, Ref: cfg.Ref.ValueString(), Variables: vars, Inputs: inputs,
		Marker: rerunMarker("tf-action"), WaitFor: pipelineWaitNone, RequestLimit: a.data.requestTimeLimit,
		FailOnFailure: cfg.FailOnFailure.IsNull() || cfg.FailOnFailure.ValueBool(),
		WaitAdvice:    "Raise timeouts.invoke, or set wait_for to \"none\".",
		Progress: func(p *gitlabclient.Pipeline, waited time.Duration) {
			send(fmt.Sprintf("pipeline %d: %s, %s", p.ID, p.Status, waited.Round(time.Second)))
		},
	}
	if !cfg.WaitFor.IsNull() {
		in.WaitFor = cfg.WaitFor.ValueString()
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	out := runPipeline(ctx, client, actionPoller(), in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Pipeline != nil && !out.Diags.HasError() {
		send(fmt.Sprintf("pipeline %d: %s, %s", out.Pipeline.ID, out.Pipeline.Status, out.Pipeline.WebURL))
	}
}

// progressSender sends progress messages, giving up when the invocation's
// stream ends (Terraform interrupted) rather than blocking.
func progressSender(stream context.Context, resp *action.InvokeResponse) func(string) {
	return func(msg string) {
		if resp.SendProgress == nil {
			return
		}
		sent := make(chan struct{})
		go func() {
			defer close(sent)
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}()
		select {
		case <-sent:
		case <-stream.Done():
		}
	}
}
