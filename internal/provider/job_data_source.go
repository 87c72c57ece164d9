package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var _ datasource.DataSourceWithConfigure = (*jobDataSource)(nil)

// NewJobDataSource returns the gitlabjobs_job data source.
func NewJobDataSource() datasource.DataSource {
	return &jobDataSource{}
}

type jobDataSource struct{ dataSourceBase }

type jobDataSourceModel struct {
	ID      types.String `tfsdk:"id"`
	Project types.String `tfsdk:"project"`
	jobModel
}

func (d *jobDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job"
}

func (d *jobDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := jobAttributes()
	attrs["id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "`<project>:<job_id>`.",
	}
	attrs["project"] = projectAttribute()
	attrs["job_id"] = schema.Int64Attribute{
		Required:            true,
		CustomType:          positiveID,
		MarkdownDescription: "The job's ID.",
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one CI job of a project: its status, timing, pipeline, commit, user, runner and artifacts.\n\n" + jobTokenReadDocs(false) + "\n\n" +
			"Upstream API: [Get a single job](https://docs.gitlab.com/api/jobs/#get-a-single-job).",
		Attributes: attrs,
	}
}

func (d *jobDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg jobDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_job", cfg.Project)
	resp.Diagnostics.Append(diags...)
	// GitLab answers 401 to a CI job token here: say so without asking.
	resp.Diagnostics.Append(jobTokenReadError("data source gitlabjobs_job", false, d.data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	jobID := cfg.JobID.ValueInt64()

	tflog.Debug(ctx, "reading job", map[string]any{"project": project.String(), "job_id": jobID})
	job, err := client.GetJob(ctx, project.String(), jobID)
	if err != nil {
		resp.Diagnostics.Append(jobReadError(project, jobID, err)...)
		return
	}

	state := jobDataSourceModel{
		ID:       types.StringValue(formatID(project.String(), jobID)),
		Project:  cfg.Project,
		jobModel: newJobModel(job),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
