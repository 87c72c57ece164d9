package provider

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var _ datasource.DataSourceWithConfigure = (*pipelineJobDataSource)(nil)

// NewPipelineJobDataSource returns the gitlabjobs_pipeline_job data source:
// one job of a pipeline, by name, with an ID that stays the same when the
// job is retried or played again, so that a job action resource given that
// ID converges (plans no change on later applies).
func NewPipelineJobDataSource() datasource.DataSource { return &pipelineJobDataSource{} }

type pipelineJobDataSource struct{ dataSourceBase }

type pipelineJobModel struct {
	ID           types.String  `tfsdk:"id"`
	Project      types.String  `tfsdk:"project"`
	PipelineID   types.Int64   `tfsdk:"pipeline_id"`
	LatestJobID  types.Int64   `tfsdk:"latest_job_id"`
	LatestStatus types.String  `tfsdk:"latest_status"`
	LatestWebURL types.String  `tfsdk:"latest_web_url"`
	RunIDs       []types.Int64 `tfsdk:"run_ids"`
	jobModel
}

func (d *pipelineJobDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline_job"
}

func (d *pipelineJobDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	// The job's own attributes describe its first run (the description and
	// the page's First run and newest run section say so).
	attrs := jobAttributes()
	attrs["id"] = schema.StringAttribute{Computed: true, MarkdownDescription: "`<project>:<pipeline_id>:<name>`."}
	attrs["project"] = projectAttribute()
	attrs["pipeline_id"] = pipelineIDAttribute()
	attrs["name"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: "The job's name (its key in `.gitlab-ci.yml`).",
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["stage"] = schema.StringAttribute{
		Optional:            true,
		Computed:            true,
		MarkdownDescription: "The job's stage: checked if set, else read.",
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["job_id"] = schema.Int64Attribute{
		Computed:            true,
		MarkdownDescription: "The **first run**'s ID, stable across retries and plays.",
	}
	attrs["latest_job_id"] = schema.Int64Attribute{
		Computed:            true,
		MarkdownDescription: "The newest run's ID; changes with every retry.",
	}
	attrs["latest_status"] = schema.StringAttribute{Computed: true, MarkdownDescription: "The newest run's status."}
	attrs["latest_web_url"] = schema.StringAttribute{Computed: true, MarkdownDescription: "The newest run's page in GitLab."}
	attrs["run_ids"] = schema.ListAttribute{
		Computed:            true,
		ElementType:         types.Int64Type,
		MarkdownDescription: "All its runs' IDs, oldest first.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds one job of a pipeline by name, with an ID that stays the same across retries: " +
			"the stable way to pick the job a job action resource acts on. `job_id` and the job's attributes are " +
			"those of its first run, the `latest_*` attributes those of its newest (see First run and newest run). " +
			"No job of that name is an error.\n\n" +
			"Upstream API: [List pipeline jobs](https://docs.gitlab.com/api/jobs/#list-pipeline-jobs).",
		Attributes: attrs,
	}
}

func (d *pipelineJobDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg pipelineJobModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_pipeline_job", cfg.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	pipelineID := cfg.PipelineID.ValueInt64()
	jobs, err := client.ListPipelineJobs(ctx, project.String(), pipelineID, nil, true)
	if err != nil {
		resp.Diagnostics.Append(listError(fmt.Sprintf("the jobs of pipeline %d", pipelineID), project, err)...)
		return
	}
	runs, diags := pipelineJobRuns(jobs, pipelineID, cfg.Name.ValueString(), cfg.Stage.ValueString())
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	state := newPipelineJobModel(project, cfg.Project, pipelineID, runs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// pipelineJobRuns are the runs of the job named name (in stage, unless
// empty) among a pipeline's jobs listed with their retried runs, oldest
// (lowest ID) first. None is an error naming the jobs there are.
func pipelineJobRuns(jobs []*gitlabclient.Job, pipelineID int64, name, stage string) ([]*gitlabclient.Job, diag.Diagnostics) {
	var diags diag.Diagnostics
	var runs []*gitlabclient.Job
	var names, otherStages []string
	for _, j := range jobs {
		if j.Name != name {
			if !slices.Contains(names, j.Name) {
				names = append(names, j.Name)
			}
			continue
		}
		if stage != "" && j.Stage != stage {
			if !slices.Contains(otherStages, j.Stage) {
				otherStages = append(otherStages, j.Stage)
			}
			continue
		}
		runs = append(runs, j)
	}
	switch {
	case len(runs) > 0:
		slices.SortFunc(runs, func(a, b *gitlabclient.Job) int { return cmp.Compare(a.ID, b.ID) })
		return runs, nil
	case len(otherStages) > 0:
		diags.AddAttributeError(path.Root("stage"), "Job not in that stage",
			fmt.Sprintf("Pipeline %d has a job named %q in stage %s, not in stage %q. Fix stage, or leave it out.",
				pipelineID, name, quoteAll(otherStages), stage))
	case len(names) == 0:
		diags.AddAttributeError(path.Root("name"), "Pipeline has no jobs",
			fmt.Sprintf("Pipeline %d has no jobs (trigger jobs are listed by gitlabjobs_pipeline_bridges), so none named %q. "+
				"Check pipeline_id.", pipelineID, name))
	default:
		slices.Sort(names)
		diags.AddAttributeError(path.Root("name"), "No job of that name in the pipeline",
			fmt.Sprintf("Pipeline %d has no job named %q. Its jobs are: %s. Check name (job names are case-sensitive) "+
				"and pipeline_id.", pipelineID, name, quoteAll(names)))
	}
	return nil, diags
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// newPipelineJobModel is the state for a job's runs (oldest first, at
// least one): the first run's attributes, the newest run's ID, status and
// URL, and every run's ID. projectAttr is the project as configured.
func newPipelineJobModel(project gitlabclient.Project, projectAttr types.String, pipelineID int64, runs []*gitlabclient.Job) pipelineJobModel {
	first, latest := runs[0], runs[len(runs)-1]
	ids := make([]types.Int64, len(runs))
	for i, r := range runs {
		ids[i] = types.Int64Value(r.ID)
	}
	return pipelineJobModel{
		ID:           types.StringValue(formatID(project.String(), pipelineID) + ":" + first.Name),
		Project:      projectAttr,
		PipelineID:   types.Int64Value(pipelineID),
		LatestJobID:  types.Int64Value(latest.ID),
		LatestStatus: types.StringValue(latest.Status),
		LatestWebURL: types.StringValue(latest.WebURL),
		RunIDs:       ids,
		jobModel:     newJobModel(first),
	}
}
