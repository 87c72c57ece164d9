package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*pipelineJobsDataSource)(nil)

// NewPipelineJobsDataSource returns the gitlabjobs_pipeline_jobs data source.
func NewPipelineJobsDataSource() datasource.DataSource { return &pipelineJobsDataSource{} }

type pipelineJobsDataSource struct{ dataSourceBase }

type pipelineJobsModel struct {
	ID             types.String   `tfsdk:"id"`
	Project        types.String   `tfsdk:"project"`
	PipelineID     types.Int64    `tfsdk:"pipeline_id"`
	Scope          []types.String `tfsdk:"scope"`
	IncludeRetried types.Bool     `tfsdk:"include_retried"`
	Jobs           types.List     `tfsdk:"jobs"` // of jobObjectType, see jobListValue
}

func pipelineIDAttribute() schema.Attribute {
	return schema.Int64Attribute{
		Required:            true,
		CustomType:          positiveID,
		MarkdownDescription: "The pipeline's ID (in GitLab CI, `CI_PIPELINE_ID`).",
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
}

func (d *pipelineJobsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline_jobs"
}

func (d *pipelineJobsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the jobs of one pipeline, newest first; trigger jobs are listed by " +
			"`gitlabjobs_pipeline_bridges`. Retried attempts are left out unless `include_retried` is set. GitLab lists " +
			"the given pipeline's own jobs only, not those of its child or other downstream pipelines: to read those, " +
			"give a downstream pipeline's ID (a child pipeline belongs to the same project; a trigger job's " +
			"`downstream_pipeline` in `gitlabjobs_pipeline_bridges` names it).\n\n" +
			"Upstream API: [List pipeline jobs](https://docs.gitlab.com/api/jobs/#list-pipeline-jobs).",
		Attributes: map[string]schema.Attribute{
			"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "`<project>:<pipeline_id>`."},
			"project":     projectAttribute(),
			"pipeline_id": pipelineIDAttribute(),
			"scope":       scopeAttribute("jobs"),
			"include_retried": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Also list the earlier attempts of retried jobs. Defaults to `false`.",
			},
			"jobs": jobsAttribute("The pipeline's jobs, newest first."),
		},
	}
}

func (d *pipelineJobsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg pipelineJobsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_pipeline_jobs", cfg.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	jobs, err := client.ListPipelineJobs(ctx, project.String(), cfg.PipelineID.ValueInt64(), scopeStrings(cfg.Scope), cfg.IncludeRetried.ValueBool())
	if err != nil {
		resp.Diagnostics.Append(listError(fmt.Sprintf("the jobs of pipeline %d", cfg.PipelineID.ValueInt64()), project, err)...)
		return
	}
	cfg.ID = types.StringValue(fmt.Sprintf("%s:%d", project.String(), cfg.PipelineID.ValueInt64()))
	cfg.Jobs, diags = jobListValue(jobs)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setListState(ctx, &resp.State, &cfg, "jobs", &cfg.Jobs)...)
}
