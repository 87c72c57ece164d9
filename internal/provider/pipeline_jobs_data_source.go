package provider

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
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
	Downstream     types.Bool     `tfsdk:"include_downstream"`
	Jobs           types.List     `tfsdk:"jobs"` // of jobObjectType, see jobListValue
}

func (d *pipelineJobsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline_jobs"
}

func (d *pipelineJobsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the jobs of one pipeline, newest first; trigger jobs are listed by " +
			"`gitlabjobs_pipeline_bridges`. Retried attempts are left out unless `include_retried` is set. GitLab lists " +
			"the given pipeline's own jobs only, not those of its child or other downstream pipelines: set " +
			"`include_downstream` to add them, or give a downstream pipeline's ID (a trigger job's " +
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
			"include_downstream": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Also list downstream pipelines' jobs (up to %d pipelines; "+
					"see Downstream pipelines). Defaults to `false`.", maxDownstreamPipelines),
			},
			"jobs": jobsAttribute("The pipeline's jobs, newest first (with `include_downstream`, of all the pipelines)."),
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
	if cfg.Downstream.ValueBool() {
		more, diags := downstreamJobs(ctx, client, project, cfg.PipelineID.ValueInt64(), scopeStrings(cfg.Scope), cfg.IncludeRetried.ValueBool())
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		jobs = append(jobs, more...)
		slices.SortStableFunc(jobs, func(a, b *gitlabclient.Job) int { return cmp.Compare(b.ID, a.ID) })
	}
	cfg.ID = types.StringValue(formatID(project.String(), cfg.PipelineID.ValueInt64()))
	cfg.Jobs, diags = jobListValue(jobs)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setListState(ctx, &resp.State, &cfg, "jobs", &cfg.Jobs)...)
}

// maxDownstreamPipelines bounds include_downstream's walk.
const maxDownstreamPipelines = 100

// downstreamJobs walks the trigger jobs (bridges) of pipelineID and of the
// pipelines they started, breadth first, and returns the jobs of every
// downstream pipeline (not those of pipelineID itself). A downstream
// pipeline is read in its own project (downstream_pipeline.project_id): a
// child pipeline's is the same, a multi-project pipeline's another.
func downstreamJobs(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, pipelineID int64, scope []string, includeRetried bool) ([]*gitlabclient.Job, diag.Diagnostics) {
	type pipeline struct {
		project gitlabclient.Project
		id      int64
	}
	var jobs []*gitlabclient.Job
	seen := map[int64]bool{pipelineID: true}
	queue := []pipeline{{project, pipelineID}}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		bridges, err := client.ListPipelineBridges(ctx, p.project.String(), p.id, nil)
		if err != nil {
			return nil, listError(fmt.Sprintf("the trigger jobs of pipeline %d (include_downstream)", p.id), p.project, err)
		}
		for _, b := range bridges {
			d := b.DownstreamPipeline
			if d == nil || seen[d.ID] {
				continue
			}
			if len(seen) > maxDownstreamPipelines {
				var diags diag.Diagnostics
				diags.AddAttributeError(path.Root("include_downstream"), "Too many downstream pipelines",
					fmt.Sprintf("Pipeline %d has more than %d downstream pipelines. List fewer: set include_downstream = "+
						"false and read the downstream pipelines you need by their IDs.", pipelineID, maxDownstreamPipelines))
				return nil, diags
			}
			seen[d.ID] = true
			next := pipeline{p.project, d.ID}
			if d.ProjectID != 0 {
				if dp, err := gitlabclient.ParseProject(fmt.Sprint(d.ProjectID)); err == nil {
					next.project = dp
				}
			}
			more, err := client.ListPipelineJobs(ctx, next.project.String(), d.ID, scope, includeRetried)
			if err != nil {
				return nil, listError(fmt.Sprintf("the jobs of downstream pipeline %d (include_downstream)", d.ID), next.project, err)
			}
			jobs = append(jobs, more...)
			queue = append(queue, next)
		}
	}
	return jobs, nil
}
