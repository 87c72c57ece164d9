package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var _ datasource.DataSourceWithConfigure = (*allowedAgentsDataSource)(nil)

// NewJobTokenAllowedAgentsDataSource returns the gitlabjobs_job_token_allowed_agents data source.
func NewJobTokenAllowedAgentsDataSource() datasource.DataSource { return &allowedAgentsDataSource{} }

type allowedAgentsDataSource struct{ dataSourceBase }

type allowedAgentsModel struct {
	ID              types.String           `tfsdk:"id"`
	AllowedAgents   []allowedAgentModel    `tfsdk:"allowed_agents"`
	JobID           types.Int64            `tfsdk:"job_id"`
	PipelineID      types.Int64            `tfsdk:"pipeline_id"`
	ProjectID       types.Int64            `tfsdk:"project_id"`
	ProjectGroupIDs []types.Int64          `tfsdk:"project_group_ids"`
	User            *agentUserModel        `tfsdk:"user"`
	Environment     *agentEnvironmentModel `tfsdk:"environment"`
}

type allowedAgentModel struct {
	ID            types.Int64       `tfsdk:"id"`
	ConfigProject agentProjectModel `tfsdk:"config_project"`
}

type agentProjectModel struct {
	ID                types.Int64  `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	NameWithNamespace types.String `tfsdk:"name_with_namespace"`
	Path              types.String `tfsdk:"path"`
	PathWithNamespace types.String `tfsdk:"path_with_namespace"`
	Description       types.String `tfsdk:"description"`
	CreatedAt         types.String `tfsdk:"created_at"`
}

type agentUserModel struct {
	ID       types.Int64  `tfsdk:"id"`
	Username types.String `tfsdk:"username"`
	Name     types.String `tfsdk:"name"`
	State    types.String `tfsdk:"state"`
	WebURL   types.String `tfsdk:"web_url"`
}

type agentEnvironmentModel struct {
	Tier types.String `tfsdk:"tier"`
	Slug types.String `tfsdk:"slug"`
}

func newAllowedAgentsModel(a *gitlabclient.AllowedAgents) allowedAgentsModel {
	m := allowedAgentsModel{
		ID:              types.StringValue(fmt.Sprintf("%d", a.Job.ID)),
		AllowedAgents:   make([]allowedAgentModel, 0, len(a.AllowedAgents)),
		JobID:           types.Int64Value(a.Job.ID),
		PipelineID:      types.Int64Value(a.Pipeline.ID),
		ProjectID:       types.Int64Value(a.Project.ID),
		ProjectGroupIDs: make([]types.Int64, 0, len(a.Project.Groups)),
	}
	for _, ag := range a.AllowedAgents {
		p := ag.ConfigProject
		m.AllowedAgents = append(m.AllowedAgents, allowedAgentModel{
			ID: types.Int64Value(ag.ID),
			ConfigProject: agentProjectModel{
				ID: types.Int64Value(p.ID), Name: types.StringValue(p.Name), NameWithNamespace: types.StringValue(p.NameWithNamespace),
				Path: types.StringValue(p.Path), PathWithNamespace: types.StringValue(p.PathWithNamespace),
				Description: types.StringPointerValue(p.Description), CreatedAt: timeValue(p.CreatedAt),
			},
		})
	}
	for _, g := range a.Project.Groups {
		m.ProjectGroupIDs = append(m.ProjectGroupIDs, types.Int64Value(g.ID))
	}
	if u := a.User; u != nil {
		m.User = &agentUserModel{ID: types.Int64Value(u.ID), Username: types.StringValue(u.Username),
			Name: types.StringValue(u.Name), State: types.StringValue(u.State), WebURL: types.StringValue(u.WebURL)}
	}
	if e := a.Environment; e != nil {
		m.Environment = &agentEnvironmentModel{Tier: types.StringValue(e.Tier), Slug: types.StringValue(e.Slug)}
	}
	return m
}

func (d *allowedAgentsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_token_allowed_agents"
}

func (d *allowedAgentsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	i64 := func(desc string) schema.Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the GitLab agents for Kubernetes that the running job (the owner of the provider's " +
			"CI job token) may use, with the job's pipeline, project, groups and user. The provider must " +
			"authenticate with a job token. GitLab Premium.\n\n" +
			"Upstream API: [Get GitLab agent by CI_JOB_TOKEN](https://docs.gitlab.com/api/jobs/#get-gitlab-agent-by-ci_job_token).",
		Attributes: map[string]schema.Attribute{
			"id": str("The job's ID."),
			"allowed_agents": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The agents the job may use.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": i64("The agent's ID."),
					"config_project": schema.SingleNestedAttribute{
						Computed: true, MarkdownDescription: "The project holding the agent's configuration.",
						Attributes: map[string]schema.Attribute{
							"id": i64("The project's ID."), "name": str("Its name."),
							"name_with_namespace": str("Its name with namespace."), "path": str("Its path."),
							"path_with_namespace": str("Its full path."), "description": str("Its description, or null."),
							"created_at": str("When it was created (RFC 3339)."),
						},
					},
				}},
			},
			"job_id":            i64("The job's ID."),
			"pipeline_id":       i64("The job's pipeline's ID."),
			"project_id":        i64("The job's project's ID."),
			"project_group_ids": schema.ListAttribute{Computed: true, ElementType: types.Int64Type, MarkdownDescription: "The IDs of the groups the project belongs to."},
			"user": schema.SingleNestedAttribute{
				Computed: true, MarkdownDescription: "The user the job runs as.",
				Attributes: map[string]schema.Attribute{
					"id": i64("The user's ID."), "username": str("The username."), "name": str("The name."),
					"state": str("The user's state."), "web_url": str("The user's profile page."),
				},
			},
			"environment": schema.SingleNestedAttribute{
				Computed: true, MarkdownDescription: "The job's environment, or null when it has none.",
				Attributes: map[string]schema.Attribute{"tier": str("The environment's tier."), "slug": str("The environment's slug.")},
			},
		},
	}
}

func (d *allowedAgentsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	client, diags := jobTokenClient(d.data, "data source gitlabjobs_job_token_allowed_agents")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	agents, err := client.JobTokenAllowedAgents(ctx)
	if err != nil {
		resp.Diagnostics.Append(jobTokenError("GET /job/allowed_agents", err)...)
		return
	}
	state := newAllowedAgentsModel(agents)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
