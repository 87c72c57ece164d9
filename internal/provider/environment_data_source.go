package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ datasource.DataSourceWithConfigure        = (*environmentDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*environmentDataSource)(nil)
)

// NewEnvironmentDataSource returns the gitlabjobs_environment data source.
func NewEnvironmentDataSource() datasource.DataSource { return &environmentDataSource{} }

type environmentDataSource struct{ dataSourceBase }

type environmentModel struct {
	ID             types.String         `tfsdk:"id"`
	Project        types.String         `tfsdk:"project"`
	Name           types.String         `tfsdk:"name"`
	EnvironmentID  types.Int64          `tfsdk:"environment_id"`
	Slug           types.String         `tfsdk:"slug"`
	State          types.String         `tfsdk:"state"`
	Tier           types.String         `tfsdk:"tier"`
	ExternalURL    types.String         `tfsdk:"external_url"`
	LastDeployment *lastDeploymentModel `tfsdk:"last_deployment"`
}

// lastDeploymentModel is the environment's last successful deployment.
type lastDeploymentModel struct {
	DeploymentID types.Int64  `tfsdk:"deployment_id"`
	IID          types.Int64  `tfsdk:"iid"`
	Status       types.String `tfsdk:"status"`
	Ref          types.String `tfsdk:"ref"`
	SHA          types.String `tfsdk:"sha"`
	JobID        types.Int64  `tfsdk:"job_id"`
	Username     types.String `tfsdk:"username"`
	CreatedAt    types.String `tfsdk:"created_at"`
}

func (d *environmentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment"
}

func (d *environmentDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads an environment of a project, by name or ID, with its state and its last " +
			"successful deployment: what a release checks before and after deploying (which tag runs in production " +
			"now). Reading environments needs the Reporter role.\n\n" +
			"Upstream API: [Environments](https://docs.gitlab.com/api/environments/#get-a-specific-environment).",
		Attributes: map[string]schema.Attribute{
			"id":      computedString("`<project>:<environment_id>`."),
			"project": projectAttribute(),
			"name": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "The environment's name " +
				"(exactly one of `name` and `environment_id`).", Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"environment_id": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "The " +
				"environment's ID (exactly one of `name` and `environment_id`).", Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"slug":         computedString("The environment's slug."),
			"state":        computedString("`available`, `stopping` or `stopped`."),
			"tier":         computedString("`production`, `staging`, `testing`, `development` or `other`."),
			"external_url": computedString("The environment's URL, or null."),
			"last_deployment": schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "The last successful " +
				"deployment, or null when none succeeded.", Attributes: map[string]schema.Attribute{
				"deployment_id": computedInt64("The deployment's ID."),
				"iid":           computedInt64("Its number in the project."),
				"status":        computedString("Its status (`success`)."),
				"ref":           computedString("The deployed branch or tag."),
				"sha":           computedString("The deployed commit."),
				"job_id":        computedInt64("The deploy job, or null."),
				"username":      computedString("Who triggered it."),
				"created_at":    computedString("When it was created (RFC 3339)."),
			}},
		},
	}
}

func (d *environmentDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("name"), path.MatchRoot("environment_id")),
	}
}

func (d *environmentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg environmentModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_environment", cfg.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	var env *gitlabclient.Environment
	var err error
	what := fmt.Sprintf("environment %d", cfg.EnvironmentID.ValueInt64())
	attr := path.Root("environment_id")
	if !cfg.Name.IsNull() {
		what, attr = fmt.Sprintf("environment %q", cfg.Name.ValueString()), path.Root("name")
		env, err = client.EnvironmentByName(ctx, project.String(), cfg.Name.ValueString())
	} else {
		env, err = client.GetEnvironment(ctx, project.String(), cfg.EnvironmentID.ValueInt64())
	}
	switch {
	case errors.Is(err, gitlabclient.ErrNoEnvironment) || gitlabclient.IsNotFound(err):
		resp.Diagnostics.AddAttributeError(attr, "GitLab environment not found",
			fmt.Sprintf("Project %q has no %s, or the token cannot see the project (%s). GitLab creates an "+
				"environment when a job with environment: first runs in a pipeline.", project.String(), what, err))
		return
	case gitlabclient.StatusCode(err) == 403:
		resp.Diagnostics.AddAttributeError(path.Root("project"), "Not allowed to read the environment",
			fmt.Sprintf("GitLab refused to show %s of project %q (%s). Reading environments needs at least the "+
				"Reporter role and a token with the api or read_api scope.", what, project.String(), err))
		return
	case err != nil:
		resp.Diagnostics.AddError("Could not read the GitLab environment",
			fmt.Sprintf("Reading %s of project %q failed: %s", what, project.String(), err))
		return
	}
	state := environmentModel{ID: types.StringValue(formatID(cfg.Project.ValueString(), env.ID)),
		Project: cfg.Project, Name: types.StringValue(env.Name), EnvironmentID: types.Int64Value(env.ID),
		Slug: types.StringValue(env.Slug), State: types.StringValue(env.State), Tier: optionalString(env.Tier),
		ExternalURL: optionalString(env.ExternalURL)}
	if last := env.LastDeployment; last != nil {
		state.LastDeployment = &lastDeploymentModel{DeploymentID: types.Int64Value(last.ID), IID: types.Int64Value(last.IID),
			Status: types.StringValue(last.Status), Ref: types.StringValue(last.Ref), SHA: types.StringValue(last.SHA),
			JobID: types.Int64Null(), Username: types.StringNull(), CreatedAt: timeValue(last.CreatedAt)}
		if last.Deployable != nil {
			state.LastDeployment.JobID = types.Int64Value(last.Deployable.ID)
		}
		if last.User != nil {
			state.LastDeployment.Username = types.StringValue(last.User.Username)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
