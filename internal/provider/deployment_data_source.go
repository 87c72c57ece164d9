package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ datasource.DataSourceWithConfigure        = (*deploymentDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*deploymentDataSource)(nil)
)

// NewDeploymentDataSource returns the gitlabjobs_deployment data source.
func NewDeploymentDataSource() datasource.DataSource { return &deploymentDataSource{} }

type deploymentDataSource struct{ dataSourceBase }

type deploymentModel struct {
	ID                   types.String        `tfsdk:"id"`
	Project              types.String        `tfsdk:"project"`
	JobID                types.Int64         `tfsdk:"job_id"`
	DeploymentID         types.Int64         `tfsdk:"deployment_id"`
	IID                  types.Int64         `tfsdk:"iid"`
	Status               types.String        `tfsdk:"status"`
	Ref                  types.String        `tfsdk:"ref"`
	SHA                  types.String        `tfsdk:"sha"`
	Environment          types.String        `tfsdk:"environment"`
	EnvironmentID        types.Int64         `tfsdk:"environment_id"`
	Username             types.String        `tfsdk:"username"`
	PendingApprovalCount types.Int64         `tfsdk:"pending_approval_count"`
	WaitingForApproval   types.Bool          `tfsdk:"waiting_for_approval"`
	WaitingFor           []string            `tfsdk:"waiting_for"`
	Approvals            []approvalModel     `tfsdk:"approvals"`
	ApprovalRules        []approvalRuleModel `tfsdk:"approval_rules"`
}

func (d *deploymentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment"
}

func approvalAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"user_id":    schema.Int64Attribute{Computed: true, MarkdownDescription: "The approver's user ID."},
		"username":   schema.StringAttribute{Computed: true, MarkdownDescription: "The approver's username."},
		"status":     schema.StringAttribute{Computed: true, MarkdownDescription: "`approved` or `rejected`."},
		"comment":    schema.StringAttribute{Computed: true, MarkdownDescription: "The approver's comment, or null."},
		"created_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When it was given (RFC 3339)."},
	}
}

func (d *deploymentDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a deployment: the deployment of a deploy job (`job_id`), or one by ID " +
			"(`deployment_id`), with its approvals and the approval rules still unmet. A deploy job to a protected " +
			"environment that requires approvals is blocked (the job shows `manual`, its deployment `blocked` with " +
			"`pending_approval_count` above 0) until enough approvers approve it (see `gitlabjobs_deployment_approval`). " +
			"Reading deployments needs the Reporter role; approvals and rules are shown by GitLab Premium and Ultimate.\n\n" +
			"GitLab's job API does not name a job's deployment: with `job_id`, the data source lists the project's " +
			"deployments updated since the job was created and takes the one whose job is `job_id`.\n\n" +
			"Upstream API: [Deployments](https://docs.gitlab.com/api/deployments/#get-a-specific-deployment).",
		Attributes: map[string]schema.Attribute{
			"id":      computedString("`<project>:<deployment_id>`."),
			"project": projectAttribute(),
			"job_id": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "The deploy job whose " +
				"deployment to read (exactly one of `job_id` and `deployment_id`); computed from the deployment otherwise.",
				Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"deployment_id": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "The deployment's " +
				"ID (exactly one of `job_id` and `deployment_id`).", Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"iid":                    computedInt64("The deployment's number in the project."),
			"status":                 computedString("`created`, `running`, `success`, `failed`, `canceled`, `skipped` or `blocked` (every manual deploy job's deployment is `blocked`: `waiting_for_approval` tells whether it waits for approvals)."),
			"ref":                    computedString("The deployed branch or tag."),
			"sha":                    computedString("The deployed commit."),
			"environment":            computedString("The environment's name."),
			"environment_id":         computedInt64("The environment's ID."),
			"username":               computedString("Who triggered the deployment (the pipeline's user, or who retried the job): GitLab does not let this user approve it unless the project allows it (`allow_pipeline_trigger_approve_deployment`)."),
			"pending_approval_count": computedInt64("How many approvals the deployment still needs (0 without approval settings)."),
			"waiting_for_approval":   schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the deployment is blocked until approvals come."},
			"waiting_for": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Who " +
				"must still approve: each approval rule still unmet, as GitLab names its approvers, with how many more " +
				"approvals it needs. Empty when nothing is pending."},
			"approvals": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The approvals and rejections, in order.",
				NestedObject: schema.NestedAttributeObject{Attributes: approvalAttributes()}},
			"approval_rules": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The approval rules of the " +
				"environment (GitLab's `approval_summary`); empty with the unified `required_approval_count`.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                 computedInt64("The rule's ID."),
					"approver":           computedString("Who the rule lets approve, as GitLab describes it (a role such as `Maintainers`, a user's or a group's name)."),
					"user_id":            computedInt64("The user the rule names, or null."),
					"group_id":           computedInt64("The group the rule names, or null."),
					"access_level":       computedInt64("The role the rule names (30 Developer, 40 Maintainer, ...), or null."),
					"required_approvals": computedInt64("How many approvals the rule requires."),
					"approved":           computedInt64("How many it has."),
				}}},
		},
	}
}

func (d *deploymentDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("job_id"), path.MatchRoot("deployment_id")),
	}
}

func (d *deploymentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg deploymentModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_deployment", cfg.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	dep, diags := resolveDeployment(ctx, client, project, cfg.JobID.ValueInt64(), cfg.DeploymentID.ValueInt64())
	resp.Diagnostics.Append(diags...)
	if dep == nil {
		return
	}
	state := newDeploymentModel(cfg.Project, dep)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func newDeploymentModel(project types.String, dep *gitlabclient.Deployment) deploymentModel {
	m := deploymentModel{
		ID: types.StringValue(formatID(project.ValueString(), dep.ID)), Project: project,
		JobID: types.Int64Null(), DeploymentID: types.Int64Value(dep.ID), IID: types.Int64Value(dep.IID),
		Status: types.StringValue(dep.Status), Ref: types.StringValue(dep.Ref), SHA: types.StringValue(dep.SHA),
		Environment: types.StringValue(environmentName(dep)), EnvironmentID: types.Int64Null(), Username: types.StringNull(),
		PendingApprovalCount: types.Int64Value(dep.PendingApprovalCount()),
		WaitingForApproval:   types.BoolValue(dep.WaitingForApproval()),
		WaitingFor:           waitingFor(dep), Approvals: newApprovalModels(dep.Approvals),
		ApprovalRules: newApprovalRuleModels(dep.Summary),
	}
	if dep.Deployable != nil {
		m.JobID = types.Int64Value(dep.Deployable.ID)
	}
	if dep.Environment != nil {
		m.EnvironmentID = types.Int64Value(dep.Environment.ID)
	}
	if dep.User != nil {
		m.Username = types.StringValue(dep.User.Username)
	}
	return m
}
