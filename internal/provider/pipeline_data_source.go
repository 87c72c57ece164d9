package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ datasource.DataSourceWithConfigure        = (*pipelineDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*pipelineDataSource)(nil)
)

// NewPipelineDataSource returns the gitlabjobs_pipeline data source.
func NewPipelineDataSource() datasource.DataSource {
	return &pipelineDataSource{}
}

type pipelineDataSource struct{ dataSourceBase }

// pipelineInfo is a pipeline as GitLab shows it, shared by the data source
// and the gitlabjobs_pipeline_run resource.
type pipelineInfo struct {
	SHA            types.String  `tfsdk:"sha"`
	Status         types.String  `tfsdk:"status"`
	Source         types.String  `tfsdk:"source"`
	Tag            types.Bool    `tfsdk:"tag"`
	WebURL         types.String  `tfsdk:"web_url"`
	CreatedAt      types.String  `tfsdk:"created_at"`
	StartedAt      types.String  `tfsdk:"started_at"`
	FinishedAt     types.String  `tfsdk:"finished_at"`
	Duration       types.Float64 `tfsdk:"duration"`
	QueuedDuration types.Float64 `tfsdk:"queued_duration"`
	Username       types.String  `tfsdk:"username"`
}

func newPipelineInfo(p *gitlabclient.Pipeline) pipelineInfo {
	m := pipelineInfo{
		SHA: types.StringValue(p.SHA), Status: types.StringValue(p.Status), Source: types.StringValue(p.Source),
		Tag: types.BoolValue(p.Tag), WebURL: types.StringValue(p.WebURL), CreatedAt: timeValue(p.CreatedAt),
		StartedAt: timeValue(p.StartedAt), FinishedAt: timeValue(p.FinishedAt),
		Duration: types.Float64PointerValue(p.Duration), QueuedDuration: types.Float64PointerValue(p.QueuedDuration),
		Username: types.StringNull(),
	}
	if p.User != nil {
		m.Username = types.StringValue(p.User.Username)
	}
	return m
}

// pipelineAttributeDocs describe pipelineInfo's attributes.
var pipelineAttributeDocs = map[string]string{
	"sha":             "The commit the pipeline runs for.",
	"status":          "Its status when last read, e.g. `running`, `success`, `manual` (blocked).",
	"source":          "What created it, e.g. `push`, `api`, `schedule`, `web`.",
	"tag":             "Whether `ref` is a tag.",
	"web_url":         "The pipeline's page in GitLab.",
	"created_at":      "When it was created (RFC 3339).",
	"started_at":      "When it started (RFC 3339), or null.",
	"finished_at":     "When it finished (RFC 3339), or null.",
	"duration":        "Seconds its jobs ran (overlaps once), or null.",
	"queued_duration": "Seconds from creation to start, or null.",
	"username":        "The user who created it, or null.",
}

func (d *pipelineDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline"
}

type pipelineDataSourceModel struct {
	ID         types.String `tfsdk:"id"`
	Project    types.String `tfsdk:"project"`
	PipelineID types.Int64  `tfsdk:"pipeline_id"`
	Ref        types.String `tfsdk:"ref"`
	StatusIs   types.String `tfsdk:"with_status"`
	pipelineInfo
}

// pipelineStatuses are the statuses GET /projects/:id/pipelines filters by
// (Ci::HasStatus::AVAILABLE_STATUSES).
var pipelineStatuses = []string{gitlabclient.StatusCreated, gitlabclient.StatusWaitingForResource,
	gitlabclient.StatusPreparing, gitlabclient.StatusPending, gitlabclient.StatusRunning, gitlabclient.PipelineSuccess,
	gitlabclient.PipelineFailed, gitlabclient.PipelineCanceled, gitlabclient.PipelineSkipped, gitlabclient.PipelineManual,
	gitlabclient.StatusScheduled}

func (d *pipelineDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id":      schema.StringAttribute{Computed: true, MarkdownDescription: "`<project>:<pipeline_id>`."},
		"project": projectAttribute(),
		"pipeline_id": schema.Int64Attribute{
			Optional: true, Computed: true,
			MarkdownDescription: "The pipeline to read. Leave it out to read the newest pipeline of `ref` (and " +
				"`with_status`): then it is the ID found.",
			Validators: []validator.Int64{int64validator.AtLeast(1)},
		},
		"ref": schema.StringAttribute{
			Optional: true, Computed: true,
			MarkdownDescription: "Without `pipeline_id`: the branch or tag whose newest pipeline to read (e.g. `main`, " +
				"`v1.4.0`). With `pipeline_id`: the pipeline's ref, as read.",
		},
		"with_status": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Without `pipeline_id`: read the newest pipeline in this status, e.g. `success` for " +
				"\"the latest successful pipeline on main\". One of " + backquoted(pipelineStatuses) + ".",
			Validators: []validator.String{stringvalidator.OneOf(pipelineStatuses...)},
		},
	}
	for name, desc := range pipelineAttributeDocs {
		switch name {
		case "tag":
			attrs[name] = schema.BoolAttribute{Computed: true, MarkdownDescription: desc}
		case "duration", "queued_duration":
			attrs[name] = schema.Float64Attribute{Computed: true, MarkdownDescription: desc}
		default:
			attrs[name] = schema.StringAttribute{Computed: true, MarkdownDescription: desc}
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one pipeline of a project: by `pipeline_id`, or the newest pipeline of a `ref` " +
			"(optionally `with_status`, e.g. the latest successful pipeline on `main`), so a configuration can act " +
			"on the jobs of \"the latest successful pipeline\" without hard-coding IDs. When no pipeline matches, " +
			"the read fails naming the filter.\n\n" +
			"Upstream API: [Get a single pipeline](https://docs.gitlab.com/api/pipelines/#get-a-single-pipeline) and " +
			"[List project pipelines](https://docs.gitlab.com/api/pipelines/#list-project-pipelines).",
		Attributes: attrs,
	}
}

func (d *pipelineDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{pipelineSelectorValidator{}}
}

// pipelineSelectorValidator: pipeline_id, or ref (with or without
// with_status), not both; with_status needs ref.
type pipelineSelectorValidator struct{}

func (pipelineSelectorValidator) Description(context.Context) string {
	return "pipeline_id, or ref with an optional with_status"
}

func (v pipelineSelectorValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (pipelineSelectorValidator) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var cfg pipelineDataSourceModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("pipeline_id"), &cfg.PipelineID)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("ref"), &cfg.Ref)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("with_status"), &cfg.StatusIs)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(checkPipelineSelector(cfg.PipelineID, cfg.Ref, cfg.StatusIs)...)
}

func checkPipelineSelector(id types.Int64, ref, status types.String) diag.Diagnostics {
	var diags diag.Diagnostics
	set := func(v interface{ IsNull() bool }) bool { return !v.IsNull() }
	switch {
	case set(id) && (set(ref) || set(status)):
		diags.AddAttributeError(path.Root("pipeline_id"), "Conflicting pipeline selectors",
			"Set either pipeline_id (one pipeline), or ref with an optional with_status (the newest pipeline of the ref), not both.")
	case !set(id) && !set(ref):
		diags.AddAttributeError(path.Root("ref"), "Missing pipeline selector",
			"Set pipeline_id to read one pipeline, or ref (e.g. \"main\") to read the newest pipeline of a branch or tag.")
	}
	return diags
}

func (d *pipelineDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg pipelineDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_pipeline", cfg.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	var p *gitlabclient.Pipeline
	var err error
	if !cfg.PipelineID.IsNull() && !cfg.PipelineID.IsUnknown() {
		p, err = client.GetPipeline(ctx, project.String(), cfg.PipelineID.ValueInt64())
		if err != nil {
			resp.Diagnostics.Append(pipelineReadError(project, cfg.PipelineID.ValueInt64(), err)...)
			return
		}
	} else {
		p, err = client.LatestPipeline(ctx, project.String(), cfg.Ref.ValueString(), cfg.StatusIs.ValueString())
		if err != nil {
			resp.Diagnostics.Append(pipelineReadError(project, 0, err)...)
			return
		}
		if p == nil {
			which := "any status"
			if !cfg.StatusIs.IsNull() {
				which = "status " + cfg.StatusIs.ValueString()
			}
			resp.Diagnostics.AddAttributeError(path.Root("ref"), "No pipeline found",
				fmt.Sprintf("Project %q has no pipeline for ref %q in %s. Check ref (a branch or tag name, e.g. \"main\") "+
					"and with_status, or run one first (resource gitlabjobs_pipeline_run).", project.String(), cfg.Ref.ValueString(), which))
			return
		}
	}
	cfg.ID = types.StringValue(formatID(cfg.Project.ValueString(), p.ID))
	cfg.PipelineID = types.Int64Value(p.ID)
	if cfg.Ref.IsNull() || cfg.Ref.IsUnknown() {
		cfg.Ref = types.StringValue(p.Ref)
	}
	cfg.pipelineInfo = newPipelineInfo(p)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// pipelineReadError explains a failed pipeline read (pipelineID 0: a list).
func pipelineReadError(project gitlabclient.Project, pipelineID int64, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	what := fmt.Sprintf("pipeline %d", pipelineID)
	if pipelineID == 0 {
		what = "the pipelines"
	}
	switch status := gitlabclient.StatusCode(err); {
	case gitlabclient.IsNotFound(err):
		attr := "pipeline_id"
		if pipelineID == 0 {
			attr = "project"
		}
		diags.AddAttributeError(path.Root(attr), "GitLab pipeline not found",
			fmt.Sprintf("Reading %s of project %q: %s. Check %s and project: the token must be able to see the project "+
				"(GitLab answers 404 for projects the token cannot access).", what, project.String(), err, attr))
	case status == 401:
		diags.AddError("GitLab rejected the provider's credentials",
			fmt.Sprintf("Reading %s of project %q failed: %s. Check the provider's token: it may be wrong, expired or "+
				"revoked; CI job tokens cannot read pipelines.", what, project.String(), err))
	case status == 403:
		diags.AddError("Not allowed to read pipelines",
			fmt.Sprintf("Reading %s of project %q failed: %s. Reading pipelines needs at least the Reporter role "+
				"(GitLab's read_pipeline permission) and a token with the read_api or api scope.", what, project.String(), err))
	default:
		diags.AddError("Could not read "+what, fmt.Sprintf("Reading %s of project %q failed: %s", what, project.String(), err))
	}
	return diags
}

func backquoted(values []string) string {
	out := ""
	for i, v := range values {
		if i > 0 {
			out += ", "
		}
		out += "`" + v + "`"
	}
	return out
}
