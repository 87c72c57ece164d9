package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var _ datasource.DataSourceWithConfigure = (*pipelineBridgesDataSource)(nil)

// NewPipelineBridgesDataSource returns the gitlabjobs_pipeline_bridges data source.
func NewPipelineBridgesDataSource() datasource.DataSource { return &pipelineBridgesDataSource{} }

type pipelineBridgesDataSource struct{ dataSourceBase }

type pipelineBridgesModel struct {
	ID         types.String   `tfsdk:"id"`
	Project    types.String   `tfsdk:"project"`
	PipelineID types.Int64    `tfsdk:"pipeline_id"`
	Scope      []types.String `tfsdk:"scope"`
	Bridges    types.List     `tfsdk:"bridges"` // of bridgeObjectType, see bridgeListValue
}

// bridgeModel is a trigger job: a job's attributes and the pipeline it triggered.
type bridgeModel struct {
	jobModel
	DownstreamPipeline *jobPipelineModel `tfsdk:"downstream_pipeline"`
}

// bridgeObjectType is the type of one bridge object: the schema's.
var bridgeObjectType = types.ObjectType{AttrTypes: attributeTypes(bridgeAttributes())}

// bridgeAttributes are a job's attributes and downstream_pipeline.
func bridgeAttributes() map[string]schema.Attribute {
	attrs := jobAttributes()
	attrs["downstream_pipeline"] = schema.SingleNestedAttribute{
		Computed:            true,
		MarkdownDescription: "The pipeline the trigger job started, or null until it has.",
		Attributes:          pipelineAttributes(),
	}
	return attrs
}

func newBridgeModel(b *gitlabclient.Bridge) bridgeModel {
	m := bridgeModel{jobModel: newJobModel(&b.Job)}
	if b.DownstreamPipeline != nil {
		m.DownstreamPipeline = newPipelineModel(b.DownstreamPipeline)
	}
	return m
}

// objectValue returns the bridge as an object of type bridgeObjectType, equal
// to what the framework's reflection makes of m (see jobModel.objectValue).
func (m bridgeModel) objectValue() (types.Object, diag.Diagnostics) {
	var b valueBuilder
	attrs := m.attributes(&b)
	attrs["downstream_pipeline"] = b.object(nestedAttrTypes(bridgeObjectType, "downstream_pipeline"), m.DownstreamPipeline.attributes())
	v := b.object(bridgeObjectType.AttrTypes, attrs)
	return v, b.diags
}

// bridgeListValue converts listed bridges into the value of the bridges attribute.
func bridgeListValue(bridges []*gitlabclient.Bridge) (types.List, diag.Diagnostics) {
	return objectListValue(bridgeObjectType, bridges, func(b *gitlabclient.Bridge) (types.Object, diag.Diagnostics) {
		return newBridgeModel(b).objectValue()
	})
}

func (d *pipelineBridgesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline_bridges"
}

func (d *pipelineBridgesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the trigger jobs (bridges) of a pipeline with the downstream pipelines they " +
			"started, newest first. Runner and artifact fields are null or empty for trigger jobs. On a GitLab before " +
			"19.2 the list is read from `.../bridges`, which does not accept a CI job token (see Which endpoint).\n\n" +
			"Upstream API: [List pipeline trigger jobs](https://docs.gitlab.com/api/jobs/#list-pipeline-trigger-jobs).",
		Attributes: map[string]schema.Attribute{
			"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "`<project>:<pipeline_id>`."},
			"project":     projectAttribute(),
			"pipeline_id": pipelineIDAttribute(),
			"scope":       scopeAttribute("trigger jobs"),
			"bridges": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The pipeline's trigger jobs, newest first.",
				// CustomType: the attributes' type, computed once (see jobsAttribute).
				NestedObject: schema.NestedAttributeObject{Attributes: bridgeAttributes(), CustomType: bridgeObjectType},
			},
		},
	}
}

func (d *pipelineBridgesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg pipelineBridgesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_pipeline_bridges", cfg.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	bridges, err := client.ListPipelineBridges(ctx, project.String(), cfg.PipelineID.ValueInt64(), scopeStrings(cfg.Scope))
	if err != nil {
		if gitlabclient.IsNotFound(err) && client.WithoutTriggerJobs() && d.data.usesJobToken() {
			resp.Diagnostics.AddAttributeError(path.Root("project"), "This GitLab does not list trigger jobs to a CI job token",
				fmt.Sprintf("Listing the trigger jobs of pipeline %d of project %q failed: %s. GitLab before 19.2 has no "+
					"trigger_jobs endpoint, and its GET /projects/:id/pipelines/:pipeline_id/bridges does not read a CI job "+
					"token: the request counts as anonymous, so a private or internal project answers 404. Read the trigger "+
					"jobs with a provider (an alias, if you also need the job token) whose token is an access token with the "+
					"read_api scope, or upgrade GitLab to 19.2 or later.", cfg.PipelineID.ValueInt64(), project.String(), err))
			return
		}
		resp.Diagnostics.Append(listError(fmt.Sprintf("the trigger jobs of pipeline %d", cfg.PipelineID.ValueInt64()), project, err)...)
		return
	}
	cfg.ID = types.StringValue(formatID(project.String(), cfg.PipelineID.ValueInt64()))
	cfg.Bridges, diags = bridgeListValue(bridges)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setListState(ctx, &resp.State, &cfg, "bridges", &cfg.Bridges)...)
}
