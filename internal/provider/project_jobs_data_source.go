package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var _ datasource.DataSourceWithConfigure = (*projectJobsDataSource)(nil)

// NewProjectJobsDataSource returns the gitlabjobs_project_jobs data source.
func NewProjectJobsDataSource() datasource.DataSource { return &projectJobsDataSource{} }

type projectJobsDataSource struct{ dataSourceBase }

type projectJobsModel struct {
	ID         types.String   `tfsdk:"id"`
	Project    types.String   `tfsdk:"project"`
	Scope      []types.String `tfsdk:"scope"`
	Name       types.String   `tfsdk:"name"`
	Ref        types.String   `tfsdk:"ref"`
	Stage      types.String   `tfsdk:"stage"`
	PipelineID types.Int64    `tfsdk:"pipeline_id"`
	MaxResults types.Int64    `tfsdk:"max_results"`
	Jobs       types.List     `tfsdk:"jobs"` // of jobObjectType, see jobListValue
}

func (d *projectJobsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project_jobs"
}

func (d *projectJobsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	optionalString := func(desc string) schema.Attribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: desc,
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists a project's jobs, newest first, filtered by the optional attributes. Pages " +
			"with keyset pagination (100 a request) until `max_results` jobs match.\n\n" +
			"Upstream API: [List project jobs](https://docs.gitlab.com/api/jobs/#list-project-jobs).",
		Attributes: map[string]schema.Attribute{
			"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "The project, as given."},
			"project":     projectAttribute(),
			"scope":       scopeAttribute("jobs"),
			"name":        optionalString("Only jobs with this name (exact match)."),
			"ref":         optionalString("Only jobs that ran for this branch or tag."),
			"stage":       optionalString("Only jobs of this stage."),
			"pipeline_id": schema.Int64Attribute{Optional: true, CustomType: positiveID, MarkdownDescription: "Only jobs of this pipeline.", Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"max_results": schema.Int64Attribute{
				Optional:            true,
				CustomType:          positiveID,
				MarkdownDescription: "Stop after this many matching jobs (the newest). All when not set.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"jobs": jobsAttribute("The matching jobs, newest first."),
		},
	}
}

// matches applies the client-side filters GitLab's endpoint does not have.
func (m projectJobsModel) matches(j *gitlabclient.Job) bool {
	switch {
	case !m.Name.IsNull() && j.Name != m.Name.ValueString():
		return false
	case !m.Ref.IsNull() && j.Ref != m.Ref.ValueString():
		return false
	case !m.Stage.IsNull() && j.Stage != m.Stage.ValueString():
		return false
	case !m.PipelineID.IsNull() && (j.Pipeline == nil || j.Pipeline.ID != m.PipelineID.ValueInt64()):
		return false
	}
	return true
}

func (d *projectJobsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg projectJobsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_project_jobs", cfg.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit := int(cfg.MaxResults.ValueInt64())
	var found []*gitlabclient.Job
	pages, err := client.ListProjectJobs(ctx, project.String(), scopeStrings(cfg.Scope), func(j *gitlabclient.Job) bool {
		if cfg.matches(j) {
			found = append(found, j)
		}
		return limit == 0 || len(found) < limit
	})
	if err != nil {
		resp.Diagnostics.Append(listError("project jobs", project, err)...)
		return
	}
	tflog.Debug(ctx, "listed project jobs", map[string]any{"project": project.String(), "jobs": len(found), "requests": pages})
	cfg.ID = types.StringValue(project.String())
	cfg.Jobs, diags = jobListValue(found)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setListState(ctx, &resp.State, &cfg, "jobs", &cfg.Jobs)...)
}
