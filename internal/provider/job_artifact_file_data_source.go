package provider

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ datasource.DataSourceWithConfigure        = (*jobArtifactFileDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*jobArtifactFileDataSource)(nil)
)

// The size cap of gitlabjobs_job_artifact_file: the default, and the most
// max_size may ask for (the content is held in memory and in the state).
const (
	defaultArtifactMaxSize = 1 << 20
	maxArtifactMaxSize     = 256 << 20
)

// NewJobArtifactFileDataSource returns the gitlabjobs_job_artifact_file data source.
func NewJobArtifactFileDataSource() datasource.DataSource { return &jobArtifactFileDataSource{} }

type jobArtifactFileDataSource struct{ dataSourceBase }

type jobArtifactFileModel struct {
	artifactSelection
	Path                   types.String `tfsdk:"path"`
	MaxSize                types.Int64  `tfsdk:"max_size"`
	Sensitive              types.Bool   `tfsdk:"sensitive"`
	Content                types.String `tfsdk:"content"`
	ContentBase64          types.String `tfsdk:"content_base64"`
	SensitiveContent       types.String `tfsdk:"sensitive_content"`
	SensitiveContentBase64 types.String `tfsdk:"sensitive_content_base64"`
	Binary                 types.Bool   `tfsdk:"binary"`
	Size                   types.Int64  `tfsdk:"size"`
	SHA256                 types.String `tfsdk:"sha256"`
	ContentType            types.String `tfsdk:"content_type"`
}

func (d *jobArtifactFileDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_artifact_file"
}

func (d *jobArtifactFileDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one file from a job's artifacts archive: a version file, an image digest, release " +
			"notes a build job wrote. Name the job by `job_id`, or by `ref` and `job` (the latest successful pipeline " +
			"of the ref). Text comes back in `content`, anything else base64-encoded; the content is stored in the " +
			"Terraform state (see Reading the file).\n\n" +
			"Upstream API: [Download a single artifact file by job ID](https://docs.gitlab.com/api/job_artifacts/#download-a-single-artifact-file-by-job-id) " +
			"and [from specific tag or branch](https://docs.gitlab.com/api/job_artifacts/#download-a-single-artifact-file-from-specific-tag-or-branch).",
		Attributes: withArtifactSelection("A branch or tag: the file is read from "+
			"the job named `job` in the latest successful pipeline of this ref. Give `ref` and `job`, or `job_id`.", map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<project>:<job_id>:<path>`, or " +
				"`<project>:<ref>:<job>:<path>` when read by ref."},
			"job_id": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "The job's ID. Give this, " +
				"or `ref` and `job`. Read by ref, it is the ID of the job GitLab served the file from, so that its artifacts " +
				"can be kept (`gitlabjobs_job_artifacts_keep`): GitLab does not say which job that was, so the provider " +
				"looks for it among the project's newest " + fmt.Sprint(refJobScanLimit) + " successful jobs (the newest job " +
				"of that name on the ref, in a successful pipeline, with artifacts) and checks that its file is the same; " +
				"null when that finds none, or when the token may not list the project's jobs (a CI job token).",
				Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"path": schema.StringAttribute{Required: true, MarkdownDescription: "The file's path inside the archive, " +
				"relative to its root as in `artifacts:paths` (e.g. `dist/version.txt`).",
				Validators: []validator.String{artifactPathValidator{}}},
			"max_size": schema.Int64Attribute{Optional: true, MarkdownDescription: fmt.Sprintf("The largest file to "+
				"read, in bytes: a larger one fails the read (the download stops there). Defaults to %d (1 MiB); at "+
				"most %d (256 MiB).", defaultArtifactMaxSize, maxArtifactMaxSize),
				Validators: []validator.Int64{int64validator.Between(1, maxArtifactMaxSize)}},
			"sensitive": schema.BoolAttribute{Optional: true, MarkdownDescription: "Put the content in " +
				"`sensitive_content` / `sensitive_content_base64` (hidden in plans and output) instead of `content` / " +
				"`content_base64`. Defaults to `false`."},
			"content": schema.StringAttribute{Computed: true, MarkdownDescription: "The file's content when it is " +
				"text (valid UTF-8) and `sensitive` is not set; else null."},
			"content_base64": schema.StringAttribute{Computed: true, MarkdownDescription: "The file's content, " +
				"base64-encoded, when it is not valid UTF-8 and `sensitive` is not set; else null."},
			"sensitive_content": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "As " +
				"`content`, when `sensitive = true`."},
			"sensitive_content_base64": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "As " +
				"`content_base64`, when `sensitive = true`."},
			"binary": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the file is not valid UTF-8 " +
				"text (its content is then in the `*_base64` attribute)."},
			"size":         schema.Int64Attribute{Computed: true, MarkdownDescription: "The file's size in bytes."},
			"sha256":       schema.StringAttribute{Computed: true, MarkdownDescription: "The SHA-256 of the file's content, hex-encoded."},
			"content_type": schema.StringAttribute{Computed: true, MarkdownDescription: "The media type GitLab sent the file with (from its name or content)."},
		}),
	}
}

func (d *jobArtifactFileDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return artifactSelectionValidators()
}

// artifactPathValidator checks path as GitLab does, at plan time.
type artifactPathValidator struct{}

func (artifactPathValidator) Description(context.Context) string {
	return "a relative file path inside the archive, without \"..\""
}

func (v artifactPathValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (artifactPathValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := gitlabclient.CheckArtifactPath(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid artifact path", err.Error()+".")
	}
}

func (d *jobArtifactFileDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg jobArtifactFileModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_job_artifact_file", cfg.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	src := gitlabclient.ArtifactSource{JobID: cfg.JobID.ValueInt64(), Ref: cfg.Ref.ValueString(), JobName: cfg.Job.ValueString()}
	file := cfg.Path.ValueString()
	limit := int64(defaultArtifactMaxSize)
	if !cfg.MaxSize.IsNull() {
		limit = cfg.MaxSize.ValueInt64()
	}
	f, err := client.ReadArtifactFile(ctx, project.String(), src, file, limit)
	if err != nil {
		resp.Diagnostics.Append(artifactReadError(ctx, client, project, src, file, err)...)
		return
	}
	// The content is never logged.
	tflog.Debug(ctx, "read artifact file", map[string]any{"source": src.String(), "path": file, "size": len(f.Content)})
	if src.JobID > 0 {
		cfg.ID = types.StringValue(formatID(project.String(), src.JobID) + ":" + file)
	} else {
		cfg.ID = types.StringValue(fmt.Sprintf("%s:%s:%s:%s", project.String(), src.Ref, src.JobName, file))
	}
	setArtifactContent(&cfg, f.Content, cfg.Sensitive.ValueBool())
	cfg.ContentType = types.StringValue(f.ContentType)
	if src.JobID == 0 {
		cfg.JobID = types.Int64Null()
		if id := resolveRefJob(ctx, client, project, src, file, f.Content, limit); id > 0 {
			cfg.JobID = types.Int64Value(id)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// setArtifactContent fills the content attributes: text or base64, plain or sensitive.
func setArtifactContent(m *jobArtifactFileModel, content []byte, sensitive bool) {
	sum := sha256.Sum256(content)
	m.SHA256 = types.StringValue(hex.EncodeToString(sum[:]))
	m.Size = types.Int64Value(int64(len(content)))
	binary := !utf8.Valid(content)
	m.Binary = types.BoolValue(binary)
	text, b64 := types.StringNull(), types.StringNull()
	if binary {
		b64 = types.StringValue(base64.StdEncoding.EncodeToString(content))
	} else {
		text = types.StringValue(string(content))
	}
	m.Content, m.ContentBase64 = types.StringNull(), types.StringNull()
	m.SensitiveContent, m.SensitiveContentBase64 = types.StringNull(), types.StringNull()
	if sensitive {
		m.SensitiveContent, m.SensitiveContentBase64 = text, b64
	} else {
		m.Content, m.ContentBase64 = text, b64
	}
}

// artifactReadError explains a failed read of an artifact file: too large,
// or not found — then why, from the job as GitLab shows it — or the read's
// own error.
func artifactReadError(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, src gitlabclient.ArtifactSource, file string, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var tooLarge *gitlabclient.ArtifactTooLargeError
	if errors.As(err, &tooLarge) {
		diags.AddAttributeError(path.Root("max_size"), "Artifact file larger than max_size",
			fmt.Sprintf("%s. The download was stopped there. Raise max_size (at most %d bytes), or read a smaller file.", err, maxArtifactMaxSize))
		return diags
	}
	if !gitlabclient.IsNotFound(err) {
		if src.JobID > 0 {
			return jobReadError(project, src.JobID, err)
		}
		diags.AddError("Could not read the artifact file",
			fmt.Sprintf("Reading %q of %s in project %q failed: %s. Reading artifacts needs at least the Reporter role "+
				"(or a CI job token the project lets in) and a token with the api or read_api scope.", file, src, project.String(), err))
		return diags
	}
	why := artifactNotFoundReason(ctx, client, project, src, file, err)
	diags.AddAttributeError(path.Root("path"), "Artifact file not found",
		fmt.Sprintf("Could not read %q from the artifacts of %s in project %q: %s", file, src, project.String(), why))
	return diags
}

// artifactNotFoundReason says why GitLab answered 404 for a file, looking
// at the job when it is known.
func artifactNotFoundReason(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, src gitlabclient.ArtifactSource, file string, err error) string {
	missingFile := fmt.Sprintf("the archive has no file %q (GitLab answered 404 Not Found for it). Check path: it is "+
		"relative to the archive's root, as the job's artifacts:paths put it, and names a file, not a directory.", file)
	if src.JobID == 0 {
		if gitlabclient.WorkhorseNotFound(err) {
			return missingFile
		}
		return fmt.Sprintf("GitLab found no job named %q with artifacts in the latest successful pipeline of ref %q (%s). "+
			"Either the ref has no successful pipeline, or that pipeline has no job of that name, or the job's artifacts "+
			"expired, were deleted or were never uploaded: GitLab does not look at older pipelines. Check ref and job, or "+
			"read by job_id.", src.JobName, src.Ref, err)
	}
	job, jerr := client.GetJob(ctx, project.String(), src.JobID)
	switch {
	case gitlabclient.IsNotFound(jerr):
		return fmt.Sprintf("job %d does not exist in the project, or the token cannot see the project (%s). Check job_id and project.", src.JobID, jerr)
	case jerr != nil:
		return fmt.Sprintf("GitLab answered %s, and reading the job to find out why failed: %s.", err, jerr)
	}
	name := fmt.Sprintf("job %d (%q, %s)", job.ID, job.Name, job.Status)
	switch {
	case job.ErasedAt != nil:
		return fmt.Sprintf("%s was erased at %s: its log and artifacts are gone.", name, job.ErasedAt.UTC().Format(time.RFC3339))
	case !gitlabclient.HasArchive(job) && !gitlabclient.Finished(job.Status):
		return fmt.Sprintf("%s has not finished, so it has not uploaded its artifacts yet.", name)
	case !gitlabclient.HasArchive(job):
		return fmt.Sprintf("%s has no artifacts archive: it uploaded none (no artifacts:paths, or nothing matched), or "+
			"they were deleted.", name)
	case gitlabclient.ArtifactsExpired(job, time.Now()):
		return fmt.Sprintf("the artifacts of %s expired at %s (artifacts:expire_in) and GitLab no longer serves them. "+
			"Keep the artifacts of builds you read later with gitlabjobs_job_artifacts_keep.", name, job.ArtifactsExpireAt.UTC().Format(time.RFC3339))
	}
	return missingFile
}

// refJobScanLimit bounds the jobs resolveRefJob looks at.
const refJobScanLimit = 500

// resolveRefJob finds the job GitLab served a file read by ref from: the
// newest successful job named src.JobName on src.Ref whose pipeline
// succeeded and which has unexpired artifacts, among the project's newest
// refJobScanLimit successful jobs; it is taken only when its copy of the
// file is the same as content. 0 when none is found (the read stands).
func resolveRefJob(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, src gitlabclient.ArtifactSource, file string, content []byte, limit int64) int64 {
	var found *gitlabclient.Job
	seen := 0
	now := time.Now()
	_, err := client.ListProjectJobs(ctx, project.String(), []string{gitlabclient.StatusSuccess}, func(j *gitlabclient.Job) bool {
		seen++
		if j.Name == src.JobName && j.Ref == src.Ref && j.Pipeline != nil && j.Pipeline.Status == gitlabclient.StatusSuccess &&
			gitlabclient.HasArchive(j) && !gitlabclient.ArtifactsExpired(j, now) {
			found = j
			return false
		}
		return seen < refJobScanLimit
	})
	if err != nil || found == nil {
		tflog.Info(ctx, "the job of an artifact file read by ref was not found", map[string]any{"source": src.String(), "scanned": seen})
		return 0
	}
	f, err := client.ReadArtifactFile(ctx, project.String(), gitlabclient.ArtifactSource{JobID: found.ID}, file, limit)
	if err != nil || sha256.Sum256(f.Content) != sha256.Sum256(content) {
		tflog.Info(ctx, "the job found for an artifact file read by ref has another copy of the file", map[string]any{"source": src.String(), "job_id": found.ID})
		return 0
	}
	return found.ID
}
