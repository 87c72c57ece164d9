package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var _ datasource.DataSourceWithConfigure = (*jobTokenJobDataSource)(nil)

// NewJobTokenJobDataSource returns the gitlabjobs_job_token_job data source.
func NewJobTokenJobDataSource() datasource.DataSource { return &jobTokenJobDataSource{} }

type jobTokenJobDataSource struct{ dataSourceBase }

type jobTokenJobModel struct {
	ID types.String `tfsdk:"id"`
	jobModel
}

func (d *jobTokenJobDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_token_job"
}

func (d *jobTokenJobDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := jobAttributes()
	attrs["id"] = schema.StringAttribute{Computed: true, MarkdownDescription: "`<project_id>:<job_id>`."}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the job that is running Terraform: the job that owns the provider's CI job token " +
			"(`job_token`, or `CI_JOB_TOKEN` inside GitLab CI). The provider must authenticate with a job token.\n\n" +
			"Upstream API: [Get job token's job](https://docs.gitlab.com/api/jobs/#get-job-tokens-job).",
		Attributes: attrs,
	}
}

// jobTokenClient is the client, if it authenticates with a CI job token.
func jobTokenClient(data *providerData, what string) (*gitlabclient.Client, diag.Diagnostics) {
	client, diags := data.clientFor(what)
	if diags.HasError() {
		return nil, diags
	}
	if !client.UsesJobToken() {
		diags.AddError("A CI job token is needed",
			what+" reads GitLab's /job endpoints, which only a CI job token can use, but the provider is configured "+
				"with a personal, project, group or OAuth token. Configure a provider (an alias, if you need both) with "+
				"job_token = \"...\" or run inside GitLab CI with CI_JOB_TOKEN set and no token or GITLAB_TOKEN.")
		return nil, diags
	}
	return client, diags
}

func jobTokenError(what string, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	detail := fmt.Sprintf("%s failed: %s.", what, err)
	if gitlabclient.StatusCode(err) == 401 {
		detail += " The CI job token is invalid or its job is no longer running (job tokens are valid only while their job runs)."
	}
	diags.AddError("Could not read the CI job token's job", detail)
	return diags
}

func (d *jobTokenJobDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	client, diags := jobTokenClient(d.data, "data source gitlabjobs_job_token_job")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	job, err := client.JobTokenJob(ctx)
	if err != nil {
		resp.Diagnostics.Append(jobTokenError("GET /job", err)...)
		return
	}
	state := jobTokenJobModel{jobModel: newJobModel(job), ID: types.StringValue(fmt.Sprintf("%d", job.ID))}
	if job.Pipeline != nil {
		state.ID = types.StringValue(fmt.Sprintf("%d:%d", job.Pipeline.ProjectID, job.ID))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
