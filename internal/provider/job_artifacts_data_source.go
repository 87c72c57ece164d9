package provider

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ datasource.DataSourceWithConfigure        = (*jobArtifactsDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*jobArtifactsDataSource)(nil)
)

// The archive cap of gitlabjobs_job_artifacts: the default, and the most
// max_archive_size may ask for. The archive goes to a temporary file, not
// to memory; only its listing is kept.
// Typed int64, as the attribute is: an untyped 4 << 30 overflows int where
// int is 32 bits (make test cross-compiles for linux/386 to catch that).
const (
	defaultArchiveMaxSize int64 = 64 << 20
	maxArchiveMaxSize     int64 = 4 << 30
)

// NewJobArtifactsDataSource returns the gitlabjobs_job_artifacts data source.
func NewJobArtifactsDataSource() datasource.DataSource { return &jobArtifactsDataSource{} }

type jobArtifactsDataSource struct{ dataSourceBase }

type jobArtifactsListModel struct {
	artifactSelection
	MaxArchiveSize types.Int64 `tfsdk:"max_archive_size"`
	ArchiveSize    types.Int64 `tfsdk:"archive_size"`
	Files          types.List  `tfsdk:"files"`
	Paths          types.List  `tfsdk:"paths"`
}

var artifactEntryType = types.ObjectType{AttrTypes: map[string]attr.Type{"path": types.StringType, "size": types.Int64Type}}

func (d *jobArtifactsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_artifacts"
}

func (d *jobArtifactsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the files of a job's artifacts archive, with their sizes: what " +
			"`gitlabjobs_job_artifact_file` can read. Name the job by `job_id`, or by `ref` and `job` (the job of that " +
			"name in the latest successful pipeline of the ref).\n\n" +
			"The provider downloads the whole archive to list it, up to `max_archive_size` (see How the archive is " +
			"listed).\n\n" +
			"Upstream API: [Download the artifacts archive](https://docs.gitlab.com/api/job_artifacts/#download-the-artifacts-archive) " +
			"and [from a specific tag or branch](https://docs.gitlab.com/api/job_artifacts/#download-the-artifacts-archive-from-a-specific-tag-or-branch).",
		Attributes: withArtifactSelection("A branch or tag: the archive of the job "+
			"named `job` in the latest successful pipeline of this ref. Give `ref` and `job`, or `job_id`.", map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<project>:<job_id>`, or " +
				"`<project>:<ref>:<job>` when read by ref."},
			"job_id": schema.Int64Attribute{Optional: true, MarkdownDescription: "The job's ID. Give this, or `ref` and `job`.",
				Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"max_archive_size": schema.Int64Attribute{Optional: true, MarkdownDescription: fmt.Sprintf("The largest "+
				"archive to download, in bytes. Defaults to %d (64 MiB); at most %d (4 GiB).", defaultArchiveMaxSize, maxArchiveMaxSize),
				Validators: []validator.Int64{int64validator.Between(1, maxArchiveMaxSize)}},
			"archive_size": schema.Int64Attribute{Computed: true, MarkdownDescription: "The archive's size in bytes."},
			"files": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The archive's files (not its " +
				"directories), in archive order.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"path": schema.StringAttribute{Computed: true, MarkdownDescription: "The file's path in the archive."},
					"size": schema.Int64Attribute{Computed: true, MarkdownDescription: "The file's (uncompressed) size in bytes."},
				}}},
			"paths": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The paths of `files`, for `contains()` and `for_each`."},
		}),
	}
}

func (d *jobArtifactsDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return artifactSelectionValidators()
}

// archiveEntry is one file of an archive.
type archiveEntry struct {
	Path string
	Size int64
}

// listArchive lists the files of a zip archive (directories left out).
func listArchive(r io.ReaderAt, size int64) ([]archiveEntry, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	var out []archiveEntry
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		out = append(out, archiveEntry{Path: f.Name, Size: int64(f.UncompressedSize64)})
	}
	return out, nil
}

func (d *jobArtifactsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg jobArtifactsListModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_job_artifacts", cfg.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	src := gitlabclient.ArtifactSource{JobID: cfg.JobID.ValueInt64(), Ref: cfg.Ref.ValueString(), JobName: cfg.Job.ValueString()}
	limit := defaultArchiveMaxSize
	if !cfg.MaxArchiveSize.IsNull() {
		limit = cfg.MaxArchiveSize.ValueInt64()
	}
	tmp, err := os.CreateTemp("", "gitlabjobs-artifacts-*.zip")
	if err != nil {
		resp.Diagnostics.AddError("Could not create a temporary file for the archive", err.Error())
		return
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	size, err := client.DownloadArtifactsArchive(ctx, project.String(), src, limit, func() io.Writer {
		_ = tmp.Truncate(0)
		_, _ = tmp.Seek(0, io.SeekStart)
		return tmp
	})
	if err != nil {
		resp.Diagnostics.Append(archiveReadError(ctx, client, project, src, err)...)
		return
	}
	entries, err := listArchive(tmp, size)
	if err != nil {
		resp.Diagnostics.AddError("The artifacts archive is not a zip archive",
			fmt.Sprintf("The artifacts archive of %s in project %q (%d bytes) could not be read as a zip archive: %s. "+
				"Only zip archives (artifacts:reports are other formats) can be listed.", src, project.String(), size, err))
		return
	}
	files := make([]attr.Value, 0, len(entries))
	paths := make([]attr.Value, 0, len(entries))
	for _, e := range entries {
		files = append(files, types.ObjectValueMust(artifactEntryType.AttrTypes, map[string]attr.Value{
			"path": types.StringValue(e.Path), "size": types.Int64Value(e.Size)}))
		paths = append(paths, types.StringValue(e.Path))
	}
	if src.JobID > 0 {
		cfg.ID = types.StringValue(formatID(project.String(), src.JobID))
	} else {
		cfg.ID = types.StringValue(fmt.Sprintf("%s:%s:%s", project.String(), src.Ref, src.JobName))
	}
	cfg.ArchiveSize = types.Int64Value(size)
	cfg.Files = types.ListValueMust(artifactEntryType, files)
	cfg.Paths = types.ListValueMust(types.StringType, paths)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// archiveReadError explains a failed download of an archive.
func archiveReadError(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, src gitlabclient.ArtifactSource, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var tooLarge *gitlabclient.ArtifactTooLargeError
	switch {
	case errors.As(err, &tooLarge):
		size := "more than that"
		if tooLarge.Size >= 0 {
			size = fmt.Sprintf("%d bytes", tooLarge.Size)
		}
		diags.AddAttributeError(path.Root("max_archive_size"), "Artifacts archive larger than max_archive_size",
			fmt.Sprintf("The artifacts archive of %s in project %q has %s, more than max_archive_size (%d bytes). The "+
				"download was stopped there. Raise max_archive_size (at most %d bytes).", src, project.String(), size, tooLarge.Limit, maxArchiveMaxSize))
	case gitlabclient.IsNotFound(err):
		why := artifactNotFoundReason(ctx, client, project, src, "", err)
		diags.AddAttributeError(path.Root("job_id"), "Artifacts archive not found",
			fmt.Sprintf("Could not download the artifacts archive of %s in project %q: %s", src, project.String(), why))
	case src.JobID > 0:
		return jobReadError(project, src.JobID, err)
	default:
		diags.AddError("Could not download the artifacts archive",
			fmt.Sprintf("Downloading the artifacts archive of %s in project %q failed: %s", src, project.String(), err))
	}
	return diags
}
