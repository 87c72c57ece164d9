package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// A job action resource's methods (jobActionResource: Configure,
// ModifyPlan, Read, Update, Delete, the import of a job) and the helpers
// they need. Its plan checks are in plan_checks.go, its import ID checks in
// import_checks.go, its attributes in common_resource.go.

// jobActionResource is what the job action resources share: configuration,
// refresh of the job they record, updates that only store settings, and a
// destroy that forgets. Each resource adds its schema, Create and import.
type jobActionResource struct {
	data      *providerData
	poll      poller
	what      string // "resource gitlabjobs_job_play", for messages
	jobIDAttr string // the attribute naming the job to refresh
}

func newJobActionResource(typeName, jobIDAttr string) jobActionResource {
	return jobActionResource{poll: defaultPoller(), what: "resource " + typeName, jobIDAttr: jobIDAttr}
}

func (r *jobActionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData, r.what)
	resp.Diagnostics.Append(diags...)
	if data != nil {
		r.data = data
		r.poll.failureLogLines = data.failureLogLines
		r.poll.streamLog = data.streamJobLog
	}
}

// ModifyPlan is the plan-time check of the job action resources that have
// no check of their own (gitlabjobs_job_cancel); the others call
// refuseJobToken from theirs.
func (r *jobActionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.refuseJobToken(ctx, req, resp)
}

// Read refreshes the recorded job; changes made outside Terraform (retried,
// erased, canceled) show in the refreshed attributes. A job GitLab does not
// show (404: gone, or not visible to this token) never removes the resource:
// it keeps its last known attributes, with a warning (readJobForResource).
func (r *jobActionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var project types.String
	var jobID types.Int64
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("project"), &project)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root(r.jobIDAttr), &jobID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	job, _, diags := readJobForResource(ctx, r.data, r.what, project.ValueString(), jobID.ValueInt64())
	resp.Diagnostics.Append(diags...)
	if job != nil {
		resp.Diagnostics.Append(setJobResult(ctx, &resp.State, newJobResult(job))...)
	}
}

// Update only stores settings that do not act again (wait_for,
// fail_on_job_failure, timeouts) and a respelled project (the same project
// written differently): every other change replaces the resource, and
// computed attributes keep their state values.
func (r *jobActionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// A respelled project (sameProjectPlanModifier) must still hold the job.
	updateInPlace(ctx, checkProjectChange(ctx, r.data, r.what, req), req, resp)
}

// updateInPlace is the Update of a resource whose in-place changes only
// store settings: unless check (of a respelled project) failed, which keeps
// the state, it stores the plan and clears the import mark.
func updateInPlace(ctx context.Context, check diag.Diagnostics, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if check.HasError() {
		resp.Diagnostics.Append(check...)
		resp.State.Raw = req.State.Raw
		return
	}
	resp.State.Raw = req.Plan.Raw
	if resp.Private != nil {
		resp.Diagnostics.Append(clearImported(ctx, resp.Private)...)
	}
}

// Delete forgets the resource: an action on a job cannot be undone. The
// delete half of a replacement the user asked for keeps its actAgain marker
// for the create half (act_again.go).
func (r *jobActionResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	if req.Private == nil {
		return
	}
	keepActAgainForCreate(ctx, r.data, req.Private)
}

// importClient is the provider's client for an import.
func (r *jobActionResource) importClient() (*gitlabclient.Client, diag.Diagnostics) {
	client, diags := r.data.clientFor(r.what)
	if diags.HasError() {
		diags.AddError("Import needs the provider's configuration",
			"An import is checked against GitLab (the job must exist and match the import ID): configure the "+
				"gitlabjobs provider with values known before the import.")
	}
	return client, diags
}

// importJob is the ImportState of a resource acting on one job (play,
// cancel, erase, the artifacts resources) up to setting the state: it
// parses "<project>:<job_id>", reads the job GitLab shows and runs check
// (nil: none) on it. It returns the job's ID, and false when resp holds an
// error and nothing is to be imported.
func (r *jobActionResource) importJob(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse,
	check func(id string, j *gitlabclient.Job) diag.Diagnostics) (int64, bool) {
	jobID, _, ok := r.importJobThrough(ctx, req, resp, importFormatJob, check)
	return jobID, ok
}

// importJobThrough is importJob for format; importFormatPlay also takes a
// trigger job as "<project>:<pipeline_id>:<job_id>", read through its
// pipeline (trigger_jobs.go), whose pipeline it returns (0 otherwise).
func (r *jobActionResource) importJobThrough(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse,
	format string, check func(id string, j *gitlabclient.Job) diag.Diagnostics) (jobID, pipeline int64, ok bool) {
	var project gitlabclient.Project
	var ids []int64
	var err error
	if format == importFormatPlay {
		project, pipeline, ids, err = parseBridgeImportID(req.ID, "job_id")
	} else {
		project, ids, err = parseImportID(req.ID, "job_id")
	}
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return 0, 0, false
	}
	client, diags := r.importClient()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return 0, 0, false
	}
	if pipeline != 0 {
		client.TrackBridge(ids[0], pipeline)
	}
	job, diags := importedJob(ctx, client, req.ID, format, "job_id", project, ids[0])
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return 0, 0, false
	}
	if resp.Diagnostics.Append(checkBridgePipeline(req.ID, format, pipeline, job)...); resp.Diagnostics.HasError() {
		return 0, 0, false
	}
	if check != nil {
		if resp.Diagnostics.Append(check(req.ID, job)...); resp.Diagnostics.HasError() {
			return 0, 0, false
		}
	}
	return ids[0], pipeline, true
}

// readJobForResource refreshes a job action resource's job. missing is true
// when GitLab answers 404 for the job: diags then hold a warning (not an
// error) naming the job and the project, and the caller keeps the resource
// as it is. GitLab answers 404 both for a job or project that is gone and
// for a project the token may not see, so a 404 never removes the resource:
// forgetting an action that GitLab applied would let the next apply (with
// the right token) apply it again.
func readJobForResource(ctx context.Context, data *providerData, what, project string, jobID int64) (job *gitlabclient.Job, missing bool, diags diag.Diagnostics) {
	client, diags := data.clientFor(what)
	if diags.HasError() {
		return nil, false, diags
	}
	p, err := gitlabclient.ParseProject(project)
	if err != nil {
		diags.AddAttributeError(path.Root("project"), "Invalid GitLab project", err.Error())
		return nil, false, diags
	}
	job, err = client.GetJob(ctx, p.String(), jobID)
	if gitlabclient.IsNotFound(err) {
		tflog.Warn(ctx, fmt.Sprintf("job %d of project %s not found in GitLab; %s is kept in the state", jobID, p.String(), what))
		diags.AddWarning(fmt.Sprintf("GitLab job %d not found: %s kept in the state", jobID, what), notFoundKeptDetail(what, p, jobID, err))
		return nil, true, diags
	}
	if err != nil {
		return nil, false, jobReadError(p, jobID, err)
	}
	return job, false, nil
}

// setImported records an imported resource's ID, project (as written in the
// import ID) and job IDs.
func setImported(ctx context.Context, resp *resource.ImportStateResponse, id string, ids map[string]int64) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	diags.Append(resp.State.SetAttribute(ctx, path.Root("project"), id[:strings.Index(id, ":")])...)
	for name, v := range ids {
		diags.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...)
	}
	diags.Append(markImported(ctx, resp.Private)...)
	return diags
}

func setJobResult(ctx context.Context, state *tfsdk.State, m jobResultModel) diag.Diagnostics {
	var diags diag.Diagnostics
	for name, v := range map[string]attr.Value{
		"status": m.Status, "web_url": m.WebURL, "started_at": m.StartedAt, "finished_at": m.FinishedAt,
		"duration": m.Duration, "failure_reason": m.FailureReason, "erased_at": m.ErasedAt,
	} {
		diags.Append(state.SetAttribute(ctx, path.Root(name), v)...)
	}
	return diags
}
