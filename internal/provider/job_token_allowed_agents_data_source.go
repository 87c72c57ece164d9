package provider

import (
	"bytes"
	"context"
	"encoding/json"
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
	Configuration types.String      `tfsdk:"configuration"`
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

// agentUserModel is the user as GET /job/allowed_agents sends it: GitLab
// builds it by hand with only the ID, username and roles in the project.
type agentUserModel struct {
	ID             types.Int64    `tfsdk:"id"`
	Username       types.String   `tfsdk:"username"`
	RolesInProject []types.String `tfsdk:"roles_in_project"`
}

type agentEnvironmentModel struct {
	Tier types.String `tfsdk:"tier"`
	Slug types.String `tfsdk:"slug"`
}

// newAllowedAgentsModel converts GitLab's answer; it fails only on an
// agent configuration that is not JSON.
func newAllowedAgentsModel(a *gitlabclient.AllowedAgents) (allowedAgentsModel, error) {
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
		config, err := normalizedJSON(ag.Configuration)
		if err != nil {
			return m, fmt.Errorf("the configuration of agent %d is not JSON: %w", ag.ID, err)
		}
		m.AllowedAgents = append(m.AllowedAgents, allowedAgentModel{
			ID: types.Int64Value(ag.ID),
			ConfigProject: agentProjectModel{
				ID: types.Int64Value(p.ID), Name: types.StringValue(p.Name), NameWithNamespace: types.StringValue(p.NameWithNamespace),
				Path: types.StringValue(p.Path), PathWithNamespace: types.StringValue(p.PathWithNamespace),
				Description: types.StringPointerValue(p.Description), CreatedAt: timeValue(p.CreatedAt),
			},
			Configuration: config,
		})
	}
	for _, g := range a.Project.Groups {
		m.ProjectGroupIDs = append(m.ProjectGroupIDs, types.Int64Value(g.ID))
	}
	if u := a.User; u != nil {
		m.User = &agentUserModel{ID: types.Int64Value(u.ID), Username: types.StringValue(u.Username),
			RolesInProject: make([]types.String, 0, len(u.RolesInProject))}
		for _, r := range u.RolesInProject {
			m.User.RolesInProject = append(m.User.RolesInProject, types.StringValue(r))
		}
	}
	if e := a.Environment; e != nil {
		m.Environment = &agentEnvironmentModel{Tier: types.StringValue(e.Tier), Slug: types.StringValue(e.Slug)}
	}
	return m, nil
}

// normalizedJSON is a JSON value as a string, re-encoded the way
// Terraform's jsonencode writes it (compact, object keys sorted, numbers
// kept as written), so the same configuration always reads the same; null
// when GitLab sent none.
func normalizedJSON(raw json.RawMessage) (types.String, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return types.StringNull(), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return types.StringNull(), err
	}
	if dec.More() {
		return types.StringNull(), fmt.Errorf("more than one JSON value")
	}
	if v == nil {
		return types.StringNull(), nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return types.StringNull(), err
	}
	return types.StringValue(string(out)), nil
}

func (d *allowedAgentsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_token_allowed_agents"
}

func (d *allowedAgentsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the GitLab agents for Kubernetes that the running job (the owner of the provider's " +
			"CI job token) may use, with the job's pipeline, project, groups and user. The provider must " +
			"authenticate with a job token. GitLab Premium.\n\n" +
			"Upstream API: [Get GitLab agent by CI_JOB_TOKEN](https://docs.gitlab.com/api/jobs/#get-gitlab-agent-by-ci_job_token).",
		Attributes: map[string]schema.Attribute{
			"id": computedString("The job's ID."),
			"allowed_agents": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The agents the job may use.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": computedInt64("The agent's ID."),
					"configuration": computedString("The `ci_access` configuration of the authorization that lets the job use the agent " +
						"(the entry for the job's project or group in the agent's configuration file, such as " +
						"`default_namespace`, `access_as`, `environments`, `protected_branches_only`), as JSON: read it with " +
						"`jsondecode()`. `{}` when the entry sets nothing, and for an agent configured in the job's own project " +
						"(implicit authorization)."),
					"config_project": schema.SingleNestedAttribute{
						Computed: true, MarkdownDescription: "The project holding the agent's configuration.",
						Attributes: map[string]schema.Attribute{
							"id": computedInt64("The project's ID."), "name": computedString("Its name."),
							"name_with_namespace": computedString("Its name with namespace."), "path": computedString("Its path."),
							"path_with_namespace": computedString("Its full path."), "description": computedString("Its description, or null."),
							"created_at": computedString("When it was created (RFC 3339)."),
						},
					},
				}},
			},
			"job_id":            computedInt64("The job's ID."),
			"pipeline_id":       computedInt64("The job's pipeline's ID."),
			"project_id":        computedInt64("The job's project's ID."),
			"project_group_ids": schema.ListAttribute{Computed: true, ElementType: types.Int64Type, MarkdownDescription: "The IDs of the groups the project belongs to."},
			"user": schema.SingleNestedAttribute{
				Computed: true, MarkdownDescription: "The user the job runs as. GitLab sends only its ID, username and roles here.",
				Attributes: map[string]schema.Attribute{
					"id": computedInt64("The user's ID."), "username": computedString("The username."),
					"roles_in_project": schema.ListAttribute{Computed: true, ElementType: types.StringType,
						MarkdownDescription: "The user's roles in the job's project: every role up to its access level, lowest " +
							"first, from `guest`, `planner`, `reporter`, `developer`, `maintainer`, `owner` (a Developer has " +
							"`[\"guest\", \"planner\", \"reporter\", \"developer\"]`); empty when the user is not a member. Test a " +
							"role with `contains(data.gitlabjobs_job_token_allowed_agents.current.user.roles_in_project, \"maintainer\")`."},
				},
			},
			"environment": schema.SingleNestedAttribute{
				Computed: true, MarkdownDescription: "The job's environment, or null when it has none.",
				Attributes: map[string]schema.Attribute{"tier": computedString("The environment's tier."), "slug": computedString("The environment's slug.")},
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
	state, err := newAllowedAgentsModel(agents)
	if err != nil {
		resp.Diagnostics.AddError("Unexpected answer from GitLab", "GET /job/allowed_agents: "+err.Error()+".")
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
