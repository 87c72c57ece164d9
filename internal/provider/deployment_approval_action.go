package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ action.ActionWithConfigure  = (*deploymentApprovalAction)(nil)
	_ action.ActionWithModifyPlan = (*deploymentApprovalAction)(nil)
)

// NewDeploymentApprovalAction returns the gitlabjobs_deployment_approval action.
func NewDeploymentApprovalAction() action.Action {
	return &deploymentApprovalAction{newJobAction("gitlabjobs_deployment_approval")}
}

type deploymentApprovalAction struct{ jobAction }

type deploymentApprovalActionModel struct {
	Project       types.String   `tfsdk:"project"`
	JobID         types.Int64    `tfsdk:"job_id"`
	DeploymentID  types.Int64    `tfsdk:"deployment_id"`
	Status        types.String   `tfsdk:"status"`
	Comment       types.String   `tfsdk:"comment"`
	RepresentedAs types.String   `tfsdk:"represented_as"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

func (a *deploymentApprovalAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment_approval"
}

func (a *deploymentApprovalAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	id := func(desc string) schema.Attribute {
		return schema.Int64Attribute{Optional: true, MarkdownDescription: desc, Validators: []validator.Int64{int64validator.AtLeast(1)}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Approves (or rejects) the deployment of a deploy job as the provider's token's user, once " +
			"per invocation, and reports the deployment's approvals as progress (`deployment 12 (production): approved " +
			"by release-manager; 1 of 1 approvals`). " + approvalDoc + " An approval the user already gave is refused, " +
			"not sent again; a lost answer is settled by reading the deployment's approvals. Requires Terraform 1.14 or " +
			"later; with older Terraform or OpenTofu use the `gitlabjobs_deployment_approval` resource.\n\n" +
			"Upstream API: [Approve or reject a blocked deployment](https://docs.gitlab.com/api/deployments/#approve-or-reject-a-blocked-deployment).",
		Attributes: map[string]schema.Attribute{
			"project":       actionProjectAttribute(),
			"job_id":        id("The deploy job whose deployment to approve (exactly one of `job_id` and `deployment_id`)."),
			"deployment_id": id("The deployment to approve (exactly one of `job_id` and `deployment_id`)."),
			"status": schema.StringAttribute{Optional: true, MarkdownDescription: "`approved` (the default) or `rejected` (which fails the deploy job).",
				Validators: []validator.String{stringvalidator.OneOf(gitlabclient.ApprovalApproved, gitlabclient.ApprovalRejected)}},
			"comment": schema.StringAttribute{Optional: true, MarkdownDescription: "A comment with the approval (at most 255 characters).",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 255)}},
			"represented_as": schema.StringAttribute{Optional: true, MarkdownDescription: "The approval rule to approve for: a " +
				"user's or group's name, or a role as GitLab describes it (`Maintainers`).",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"timeouts": positiveActionTimeouts(timeouts.AttributesWithOpts(ctx, timeouts.Opts{
				InvokeDescription: "How long the approval may take, as a duration such as `30s` or `5m` (default `5m`).",
			})),
		},
	}
}

func (m deploymentApprovalActionModel) input() (approvalInput, bool, error) {
	project, err := gitlabclient.ParseProject(m.Project.ValueString())
	if err != nil {
		return approvalInput{}, false, err
	}
	in := approvalInput{Project: project, Status: gitlabclient.ApprovalApproved, Comment: m.Comment.ValueString(),
		RepresentedAs: m.RepresentedAs.ValueString(), JobID: m.JobID.ValueInt64(), DeploymentID: m.DeploymentID.ValueInt64()}
	if !m.Status.IsNull() {
		in.Status = m.Status.ValueString()
	}
	known := !m.Project.IsUnknown() && !m.JobID.IsUnknown() && !m.DeploymentID.IsUnknown() && !m.Status.IsUnknown()
	return in, known, nil
}

// targetError is the error when not exactly one of job_id and deployment_id is set.
func (m deploymentApprovalActionModel) targetError() string {
	if m.JobID.IsUnknown() || m.DeploymentID.IsUnknown() {
		return ""
	}
	if m.JobID.IsNull() == m.DeploymentID.IsNull() {
		return "Set exactly one of job_id (the deploy job) and deployment_id (its deployment)."
	}
	return ""
}

// approvalActionConfig reads the action's configuration (of ModifyPlan and
// Invoke) into diags, refusing one that does not name exactly one
// deployment (targetError); ok is false when diags hold an error.
func approvalActionConfig(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) (deploymentApprovalActionModel, bool) {
	var cfg deploymentApprovalActionModel
	diags.Append(config.Get(ctx, &cfg)...)
	if diags.HasError() {
		return cfg, false
	}
	if msg := cfg.targetError(); msg != "" {
		diags.AddAttributeError(path.Root("job_id"), "Which deployment to approve", msg)
		return cfg, false
	}
	return cfg, true
}

// ModifyPlan checks at plan time, when the values are known, that the
// deployment waits for approval and the user has not given it.
func (a *deploymentApprovalAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	refuseJobTokenAction(&a.jobAction, resp)
	cfg, ok := approvalActionConfig(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	in, known, err := cfg.input()
	if err != nil || !known || a.data == nil || a.data.client == nil || len(a.data.unknownConfig) > 0 {
		return
	}
	resp.Diagnostics.Append(checkApprovalAtPlan(ctx, a.data.client, in)...)
}

func (a *deploymentApprovalAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	cfg, ok := approvalActionConfig(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	in, _, err := cfg.input()
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("project"), "Invalid GitLab project", err.Error())
		return
	}
	timeout, diags := cfg.Timeouts.Invoke(ctx, defaultApprovalTimeout)
	resp.Diagnostics.Append(diags...)
	client, diags := a.data.clientFor(a.what)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := approveDeployment(ctx, client, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Approval == nil || out.Diags.HasError() || resp.SendProgress == nil {
		return
	}
	msg := fmt.Sprintf("deployment %d (%s): %s by %s", out.Deployment.ID, environmentName(out.Deployment), out.Approval.Status, out.User.Username)
	msg += "; " + approvalProgress(out.Deployment)
	resp.SendProgress(action.InvokeProgressEvent{Message: msg})
}
