package provider

import (
	"bytes"
	"context"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var _ datasource.DataSourceWithConfigure = (*jobTraceDataSource)(nil)

// NewJobTraceDataSource returns the gitlabjobs_job_trace data source.
func NewJobTraceDataSource() datasource.DataSource { return &jobTraceDataSource{} }

type jobTraceDataSource struct{ dataSourceBase }

type jobTraceModel struct {
	ID        types.String `tfsdk:"id"`
	Project   types.String `tfsdk:"project"`
	JobID     types.Int64  `tfsdk:"job_id"`
	TailLines types.Int64  `tfsdk:"tail_lines"`
	MaxBytes  types.Int64  `tfsdk:"max_bytes"`
	Content   types.String `tfsdk:"content"`
	Size      types.Int64  `tfsdk:"size"`
	Truncated types.Bool   `tfsdk:"truncated"`
}

func (d *jobTraceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_trace"
}

func (d *jobTraceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a job's log (trace). Logs can hold secrets, so `content` is sensitive. Keep it " +
			"small with `tail_lines` and `max_bytes`: the end of a log is where a failure shows; `truncated` says " +
			"when either cut it. A job without a log (not started, or erased) has an empty `content`.\n\n" + jobTokenReadDocs(true) + "\n\n" +
			"Upstream API: [Get a log file](https://docs.gitlab.com/api/jobs/#get-a-log-file).",
		Attributes: map[string]schema.Attribute{
			"id":      schema.StringAttribute{Computed: true, MarkdownDescription: "`<project>:<job_id>`."},
			"project": projectAttribute(),
			"job_id": schema.Int64Attribute{Required: true, CustomType: positiveID, MarkdownDescription: "The job's ID.",
				Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"tail_lines": schema.Int64Attribute{Optional: true, CustomType: positiveID, MarkdownDescription: "Keep only the last this many lines.",
				Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"max_bytes": schema.Int64Attribute{Optional: true, CustomType: positiveID, MarkdownDescription: "Keep at most this many bytes, from the end (never splitting a UTF-8 character).",
				Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"content":   schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The log, or its end when cut."},
			"size":      schema.Int64Attribute{Computed: true, MarkdownDescription: "The whole log's size in bytes."},
			"truncated": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether `tail_lines` or `max_bytes` cut the log."},
		},
	}
}

// tailLog keeps the last lines and at most maxBytes bytes of a log (0: no limit).
func tailLog(log []byte, lines, maxBytes int) (out []byte, cut bool) {
	out = log
	if lines > 0 {
		// A final newline ends the last line; it does not start another.
		end := len(out)
		if end > 0 && out[end-1] == '\n' {
			end--
		}
		start, seen := 0, 0
		for i := end - 1; i >= 0; i-- {
			if out[i] == '\n' {
				seen++
				if seen == lines {
					start = i + 1
					break
				}
			}
		}
		if start > 0 {
			out, cut = out[start:], true
		}
	}
	if maxBytes > 0 && len(out) > maxBytes {
		start := len(out) - maxBytes
		for start < len(out) && !utf8.RuneStart(out[start]) {
			start++
		}
		out, cut = out[start:], true
	}
	return bytes.Clone(out), cut
}

func (d *jobTraceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg jobTraceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := d.data.clientForProject("data source gitlabjobs_job_trace", cfg.Project)
	resp.Diagnostics.Append(diags...)
	// GitLab answers 401 to a CI job token here: say so without asking.
	resp.Diagnostics.Append(jobTokenReadError("data source gitlabjobs_job_trace", true, d.data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	jobID := cfg.JobID.ValueInt64()
	log, err := client.GetJobTrace(ctx, project.String(), jobID)
	if err != nil {
		resp.Diagnostics.Append(jobReadError(project, jobID, err)...)
		return
	}
	content, cut := tailLog(log, int(cfg.TailLines.ValueInt64()), int(cfg.MaxBytes.ValueInt64()))
	// The log itself is never logged: it may hold secrets.
	tflog.Debug(ctx, "read job log", map[string]any{"job_id": jobID, "size": len(log), "kept": len(content), "truncated": cut})
	cfg.ID = types.StringValue(formatID(project.String(), jobID))
	cfg.Content = types.StringValue(string(content))
	cfg.Size = types.Int64Value(int64(len(log)))
	cfg.Truncated = types.BoolValue(cut)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
