package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/gitlabjobs/gitlabjobs"

// Environment variables read when the matching attribute is not set.
const (
	EnvToken    = "GITLAB_TOKEN"
	EnvBaseURL  = "GITLAB_BASE_URL"
	EnvCIAPIURL = "CI_API_V4_URL"
	EnvJobToken = "CI_JOB_TOKEN"
	// EnvEarlyAuthCheck sets early_auth_check, as in the official GitLab provider.
	EnvEarlyAuthCheck = "GITLAB_EARLY_AUTH_CHECK"
)

// jobTokenPrefix is the prefix GitLab (16.8+) gives CI job tokens.
const jobTokenPrefix = "glcbt-"

const defaultRetries = 5

var (
	_ provider.Provider            = (*gitlabJobsProvider)(nil)
	_ provider.ProviderWithActions = (*gitlabJobsProvider)(nil)
)

type gitlabJobsProvider struct {
	version string
}

// New returns a constructor of the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &gitlabJobsProvider{version: version}
	}
}

type providerModel struct {
	Token           types.String `tfsdk:"token"`
	JobToken        types.String `tfsdk:"job_token"`
	BaseURL         types.String `tfsdk:"base_url"`
	CACertFile      types.String `tfsdk:"cacert_file"`
	Insecure        types.Bool   `tfsdk:"insecure"`
	ClientCert      types.String `tfsdk:"client_cert"`
	ClientKey       types.String `tfsdk:"client_key"`
	Retries         types.Int64  `tfsdk:"retries"`
	Headers         types.Map    `tfsdk:"headers"`
	EarlyAuthCheck  types.Bool   `tfsdk:"early_auth_check"`
	FailureLogLines types.Int64  `tfsdk:"failure_log_lines"`
	RequestLimit    types.String `tfsdk:"request_time_limit"`
	StreamJobLog    types.Bool   `tfsdk:"stream_job_log"`
	// AutoCISupport is enable_auto_ci_support: whether GitLab CI's
	// CI_JOB_TOKEN and CI_API_V4_URL are used when nothing else is set.
	AutoCISupport types.Bool `tfsdk:"enable_auto_ci_support"`
}

func (p *gitlabJobsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "gitlabjobs"
	resp.Version = p.version
}

func (p *gitlabJobsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The gitlabjobs provider reads and acts on GitLab CI jobs through the " +
			"[GitLab Jobs API](https://docs.gitlab.com/api/jobs/). Its settings follow the official GitLab provider.",
		Attributes: map[string]schema.Attribute{
			"token": schema.StringAttribute{
				MarkdownDescription: "A personal, project or group access token, or an OAuth token, sent as " +
					"`Authorization: Bearer`. Falls back to the `" + EnvToken + "` environment variable. A CI job token " +
					"(prefix `" + jobTokenPrefix + "`) given here is sent as a job token. Conflicts with `job_token`.",
				Optional:  true,
				Sensitive: true,
				Validators: []validator.String{
					stringvalidator.ConflictsWith(path.MatchRoot("job_token")),
				},
			},
			"job_token": schema.StringAttribute{
				MarkdownDescription: "A CI/CD job token, sent as `JOB-TOKEN`. Falls back to `" + EnvJobToken +
					"` ([details](guides/provider-settings.md#inside-gitlab-ci)). It can only read " +
					"([which reads](guides/authentication.md#cicd-job-tokens)): acting with one fails at plan time.",
				Optional:  true,
				Sensitive: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "The GitLab API URL, e.g. `https://gitlab.example.com/api/v4/`; `/api/v4/` is " +
					"appended when missing. Falls back to `" + EnvBaseURL + "`, then `" + EnvCIAPIURL +
					"` (unless `enable_auto_ci_support = false`), then `https://gitlab.com/api/v4/`.",
				Optional: true,
			},
			"cacert_file": schema.StringAttribute{
				MarkdownDescription: "A PEM file of CA certificates to trust.",
				Optional:            true,
			},
			"insecure": schema.BoolAttribute{
				MarkdownDescription: "Skip TLS certificate verification. Use only for testing.",
				Optional:            true,
			},
			"client_cert": schema.StringAttribute{
				MarkdownDescription: "A PEM client certificate file, for GitLab behind a proxy that requires " +
					"mutual TLS. Requires `client_key`.",
				Optional: true,
				Validators: []validator.String{
					stringvalidator.AlsoRequires(path.MatchRoot("client_key")),
				},
			},
			"client_key": schema.StringAttribute{
				MarkdownDescription: "The PEM private key file of `client_cert`.",
				Optional:            true,
				Validators: []validator.String{
					stringvalidator.AlsoRequires(path.MatchRoot("client_cert")),
				},
			},
			"retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request is retried when safe "+
					"([details](guides/provider-settings.md#retries)). Defaults to %d.", defaultRetries),
				Optional:   true,
				CustomType: wholeNumber(0, 50),
				Validators: []validator.Int64{
					int64validator.Between(0, 50),
				},
			},
			"headers": schema.MapAttribute{
				MarkdownDescription: "Extra HTTP headers sent with every request, e.g. for a proxy. " +
					"They may not set `Authorization`, `PRIVATE-TOKEN` or `JOB-TOKEN`.",
				ElementType: types.StringType,
				Optional:    true,
				Sensitive:   true,
			},
			"early_auth_check": schema.BoolAttribute{
				MarkdownDescription: "Check the credentials at start; fail at once if GitLab rejects them or cannot be reached " +
					"([details](guides/authentication.md#early-authentication-check)). Falls back to `" +
					EnvEarlyAuthCheck + "`. Defaults to `true`.",
				Optional: true,
			},
			"enable_auto_ci_support": schema.BoolAttribute{
				MarkdownDescription: "Inside GitLab CI, use `" + EnvJobToken + "` and `" + EnvCIAPIURL + "` when " +
					"not set otherwise ([details](guides/provider-settings.md#inside-gitlab-ci)). Defaults to `true`.",
				Optional: true,
			},
			"failure_log_lines": schema.Int64Attribute{
				MarkdownDescription: "Show the last this many lines of a failed job's log in the error. Defaults to " +
					"`0`. **A job log may hold secrets**: see [Job logs](guides/provider-settings.md#job-logs).",
				Optional:   true,
				CustomType: wholeNumber(0, 1000),
				Validators: []validator.Int64{
					int64validator.Between(0, 1000),
				},
			},
			"request_time_limit": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The longest a request can still run in GitLab after it was sent "+
					"(GitLab's %s + %s Rack::Timeout limits + %s): `%s` by default "+
					"([details](guides/provider-settings.md#request-time-limit)).", secs(gitlabWaitTimeout),
					secs(gitlabRackTimeout), secs(requestLimitMargin), secs(defaultRequestTimeLimit)),
				Optional:   true,
				Validators: []validator.String{positiveDuration{}},
			},
			"stream_job_log": schema.BoolAttribute{
				MarkdownDescription: "Show a job's new log lines while waiting for it. Defaults to `false`. **A job " +
					"log may hold secrets**: see [Job logs](guides/provider-settings.md#job-logs).",
				Optional: true,
			},
		},
	}
}

// secs writes d in seconds ("160s"), as the docs give durations.
func secs(d time.Duration) string { return fmt.Sprintf("%.0fs", d.Seconds()) }

// GitLab's request time limits (config/initializers/rack_timeout.rb:
// Rack::Timeout's wait_timeout and service_timeout, from
// GITLAB_RAILS_WAIT_TIMEOUT and GITLAB_RAILS_RACK_TIMEOUT) and the margin
// the provider adds for the proxies and network in front of them.
const (
	gitlabWaitTimeout       = 90 * time.Second
	gitlabRackTimeout       = 60 * time.Second
	requestLimitMargin      = 10 * time.Second
	defaultRequestTimeLimit = gitlabWaitTimeout + gitlabRackTimeout + requestLimitMargin
)

func (p *gitlabJobsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if unknown := cfg.unknownAttributes(); len(unknown) > 0 {
		// The configuration depends on values known only after apply. Terraform
		// 1.9+ can defer the operations that need this provider; otherwise the
		// data sources and resources report it when they need a client.
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
			return
		}
		data := &providerData{unknownConfig: unknown}
		resp.DataSourceData, resp.ResourceData, resp.ActionData = data, data, data
		return
	}

	clientCfg, diags := cfg.clientConfig(ctx, p.userAgent())
	resp.Diagnostics.Append(diags...)
	checkAuth, diags := cfg.earlyAuthCheckEnabled()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, err := gitlabclient.New(clientCfg)
	if err != nil {
		resp.Diagnostics.AddError("Invalid gitlabjobs provider configuration", err.Error())
		return
	}
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "token")
	tflog.Info(ctx, "gitlabjobs provider configured", map[string]any{
		"base_url":  client.BaseURL(),
		"job_token": client.UsesJobToken(),
	})

	if checkAuth {
		resp.Diagnostics.Append(earlyAuthCheck(ctx, client)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	data := &providerData{client: client, jobTokenSource: cfg.jobTokenSource(),
		failureLogLines: int(cfg.FailureLogLines.ValueInt64()), requestTimeLimit: defaultRequestTimeLimit,
		streamJobLog: cfg.StreamJobLog.ValueBool()}
	if d, err := time.ParseDuration(cfg.RequestLimit.ValueString()); err == nil && d > 0 {
		data.requestTimeLimit = d
	} else if !cfg.RequestLimit.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("request_time_limit"), "Invalid request_time_limit",
			fmt.Sprintf("request_time_limit is %q: give a positive duration such as \"160s\" or \"10m\".", cfg.RequestLimit.ValueString()))
		return
	}
	resp.DataSourceData, resp.ResourceData, resp.ActionData = data, data, data
}

func (p *gitlabJobsProvider) userAgent() string {
	return "terraform-provider-gitlabjobs/" + p.version
}

func (cfg providerModel) unknownAttributes() []string {
	var unknown []string
	for name, v := range map[string]interface{ IsUnknown() bool }{
		"token": cfg.Token, "job_token": cfg.JobToken, "base_url": cfg.BaseURL,
		"cacert_file": cfg.CACertFile, "insecure": cfg.Insecure, "client_cert": cfg.ClientCert,
		"client_key": cfg.ClientKey, "retries": cfg.Retries, "headers": cfg.Headers,
		"early_auth_check": cfg.EarlyAuthCheck, "failure_log_lines": cfg.FailureLogLines, "enable_auto_ci_support": cfg.AutoCISupport,
		"request_time_limit": cfg.RequestLimit,
		"stream_job_log":     cfg.StreamJobLog,
	} {
		if v.IsUnknown() {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	return unknown
}

// clientConfig resolves attributes and their environment fallbacks into the
// client's configuration. Configuration wins over the environment.
func (cfg providerModel) clientConfig(ctx context.Context, userAgent string) (gitlabclient.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	// Inside GitLab CI, the job's API URL and token, unless turned off.
	autoCI := cfg.AutoCISupport.IsNull() || cfg.AutoCISupport.ValueBool()
	var ciAPIURL, ciJobToken string
	if autoCI {
		ciAPIURL, ciJobToken = os.Getenv(EnvCIAPIURL), os.Getenv(EnvJobToken)
	}
	c := gitlabclient.Config{
		BaseURL:    firstNonEmpty(cfg.BaseURL.ValueString(), os.Getenv(EnvBaseURL), ciAPIURL),
		CACertFile: cfg.CACertFile.ValueString(),
		ClientCert: cfg.ClientCert.ValueString(),
		ClientKey:  cfg.ClientKey.ValueString(),
		Insecure:   cfg.Insecure.ValueBool(),
		Retries:    defaultRetries,
		UserAgent:  userAgent,
	}
	if !cfg.Retries.IsNull() {
		c.Retries = int(cfg.Retries.ValueInt64())
	}

	switch {
	case cfg.Token.ValueString() != "":
		c.Token = cfg.Token.ValueString()
	case cfg.JobToken.ValueString() != "":
		c.JobToken = cfg.JobToken.ValueString()
	case os.Getenv(EnvToken) != "":
		c.Token = os.Getenv(EnvToken)
	case ciJobToken != "":
		c.JobToken = ciJobToken
	}
	if strings.HasPrefix(c.Token, jobTokenPrefix) {
		c.JobToken, c.Token = c.Token, ""
	}
	if c.Token == "" && c.JobToken == "" {
		ci := "or run inside GitLab CI where " + EnvJobToken + " is set."
		if !autoCI {
			ci = "or set `job_token`. (enable_auto_ci_support = false: " + EnvJobToken + " is not used.)"
		}
		diags.AddAttributeError(path.Root("token"), "Missing GitLab token",
			"The gitlabjobs provider needs a token: set `token` in the provider block or the "+EnvToken+
				" environment variable (a personal, project or group access token with the api or read_api scope), "+ci)
	}

	if !cfg.Headers.IsNull() {
		headers := map[string]string{}
		diags.Append(cfg.Headers.ElementsAs(ctx, &headers, false)...)
		c.Headers = headers
	}
	return c, diags
}

// earlyAuthCheckEnabled is early_auth_check, else GITLAB_EARLY_AUTH_CHECK,
// else true.
func (cfg providerModel) earlyAuthCheckEnabled() (bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	if !cfg.EarlyAuthCheck.IsNull() {
		return cfg.EarlyAuthCheck.ValueBool(), nil
	}
	env := os.Getenv(EnvEarlyAuthCheck)
	if env == "" {
		return true, nil
	}
	enabled, err := strconv.ParseBool(env)
	if err != nil {
		diags.AddAttributeError(path.Root("early_auth_check"), "Invalid "+EnvEarlyAuthCheck,
			fmt.Sprintf("The %s environment variable is %q: set it to true or false, unset it, or set "+
				"early_auth_check in the provider block (which wins over the variable).", EnvEarlyAuthCheck, env))
		return false, diags
	}
	return enabled, nil
}

// earlyAuthCheck asks GitLab who the credentials belong to, so a bad token
// fails once at start-up with a clear message rather than in every data source.
func earlyAuthCheck(ctx context.Context, client *gitlabclient.Client) diag.Diagnostics {
	var diags diag.Diagnostics
	var err error
	endpoint := "GET /user"
	if client.UsesJobToken() {
		endpoint = "GET /job"
		var job *gitlabclient.Job
		if job, err = client.JobTokenJob(ctx); err == nil {
			tflog.Info(ctx, "authenticated with a CI job token", map[string]any{"job_id": job.ID})
		}
	} else {
		var user *gitlabclient.CurrentUser
		if user, err = client.CurrentUser(ctx); err == nil {
			tflog.Info(ctx, "authenticated", map[string]any{"username": user.Username})
		}
	}
	if err == nil {
		return nil
	}
	summary, fix := explainStartupError(client, err)
	diags.AddError(summary, fmt.Sprintf("The early authentication check (%s on %s) failed: %s.\n\n%s",
		endpoint, client.BaseURL(), strings.TrimSuffix(err.Error(), "."), fix))
	return diags
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func (p *gitlabJobsProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewJobPlayResource,
		NewJobRetryResource,
		NewJobCancelResource,
		NewJobEraseResource,
		NewJobArtifactsKeepResource,
		NewJobArtifactsDeleteResource,
		NewPipelineRunResource,
		NewDeploymentApprovalResource,
	}
}

// Actions are the Terraform 1.14+ actions: the job action resources' second front door.
func (p *gitlabJobsProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewJobPlayAction,
		NewJobRetryAction,
		NewJobCancelAction,
		NewJobEraseAction,
		NewJobArtifactsKeepAction,
		NewJobArtifactsDeleteAction,
		NewPipelineRunAction,
		NewDeploymentApprovalAction,
	}
}

func (p *gitlabJobsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewJobDataSource,
		NewJobTraceDataSource,
		NewProjectJobsDataSource,
		NewPipelineJobsDataSource,
		NewPipelineJobDataSource,
		NewPipelineBridgesDataSource,
		NewJobTokenJobDataSource,
		NewJobTokenAllowedAgentsDataSource,
		NewJobArtifactFileDataSource,
		NewJobArtifactsDataSource,
		NewPipelineDataSource,
		NewDeploymentDataSource,
		NewEnvironmentDataSource,
	}
}

// providerData is what Configure hands to data sources and resources.
type providerData struct {
	client         *gitlabclient.Client
	unknownConfig  []string
	jobTokenSource string // where a CI job token came from, for messages
	// failureLogLines is failure_log_lines: how many last lines of a failed
	// job's log its failure diagnostic shows (0: none).
	failureLogLines int
	// requestTimeLimit is request_time_limit: how long after it was sent a
	// request can still be under way in GitLab.
	requestTimeLimit time.Duration
	// streamJobLog is stream_job_log: waits show the job's new log lines.
	streamJobLog bool
}

// errProviderNotConfigured is reported when the provider block depends on
// values that are unknown during plan.
var errProviderNotConfigured = errors.New("provider configuration is not known yet")

// clientFor returns the client, or diagnostics explaining why there is none.
func (d *providerData) clientFor(what string) (*gitlabclient.Client, diag.Diagnostics) {
	var diags diag.Diagnostics
	if d == nil {
		diags.AddError("Provider not configured",
			"The gitlabjobs provider was not configured before "+what+" used it. This is a bug in the provider; please report it.")
		return nil, diags
	}
	if len(d.unknownConfig) > 0 {
		diags.AddError("Provider configuration not known yet",
			fmt.Sprintf("%s needs the gitlabjobs provider, whose configuration (%s) depends on values known only after apply. "+
				"Apply the resources it depends on first (terraform apply -target=..., or tofu apply -target=...), or use values known at plan time. (%s)",
				what, strings.Join(d.unknownConfig, ", "), errProviderNotConfigured))
		return nil, diags
	}
	return d.client, diags
}

// clientForProject is clientFor, and the project attribute parsed (a
// numeric ID or a full path).
func (d *providerData) clientForProject(what string, project types.String) (*gitlabclient.Client, gitlabclient.Project, diag.Diagnostics) {
	client, diags := d.clientFor(what)
	p, err := gitlabclient.ParseProject(project.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("project"), "Invalid GitLab project", err.Error())
	}
	return client, p, diags
}

// dataSourceBase gives a data source the provider's client.
type dataSourceBase struct{ data *providerData }

func (d *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData, "data source")
	resp.Diagnostics.Append(diags...)
	if data != nil {
		d.data = data
	}
}

// configuredData is the provider's data handed to a type's Configure: nil
// before the provider is configured (Terraform calls Configure early, e.g.
// to validate), an error naming the type it got when it is of another type
// (a bug of the provider, reported as the scaffolding provider does).
func configuredData(given any, what string) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	if given == nil {
		return nil, diags
	}
	data, ok := given.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data type",
			fmt.Sprintf("The %s expected *providerData, got %T. Please report this issue to the provider developers.", what, given))
		return nil, diags
	}
	return data, diags
}
