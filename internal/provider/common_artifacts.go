package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// What gitlabjobs_job_artifacts_keep and gitlabjobs_job_artifacts_delete
// share: their state (the job as the job action resources record it, and
// its artifacts), their refresh, and the diagnostics of their requests.
// They embed jobActionResource for Configure, Update and Delete (which
// forgets), and read the job with their own Read: a job GitLab no longer
// shows keeps its resource, with a warning.

// jobArtifactsModel is the state of both resources.
type jobArtifactsModel struct {
	ID       types.String `tfsdk:"id"`
	Project  types.String `tfsdk:"project"`
	JobID    types.Int64  `tfsdk:"job_id"`
	Triggers types.Map    `tfsdk:"triggers"`
	jobResultModel
	ArtifactsExpireAt types.String `tfsdk:"artifacts_expire_at"`
	ArtifactsSize     types.Int64  `tfsdk:"artifacts_size"`
}

// artifactsResultAttributes are the computed attributes about the job's artifacts.
func artifactsResultAttributes(attrs map[string]schema.Attribute) {
	attrs["artifacts_expire_at"] = schema.StringAttribute{Computed: true,
		MarkdownDescription: "When the job's artifacts expire (RFC 3339), or null when they never do (kept, or no expiry set) " +
			"or the job has none.",
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	attrs["artifacts_size"] = schema.Int64Attribute{Computed: true,
		MarkdownDescription: "The size in bytes of the job's artifacts archive (`artifacts_file.size`), or null when it has none.",
		PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}}
}

func (m *jobArtifactsModel) setJob(j *gitlabclient.Job) {
	m.jobResultModel = newJobResult(j)
	m.ArtifactsExpireAt = timeValue(j.ArtifactsExpireAt)
	m.ArtifactsSize = types.Int64Null()
	if j.ArtifactsFile != nil {
		m.ArtifactsSize = types.Int64Value(j.ArtifactsFile.Size)
	}
}

// jobArtifactsResource is jobActionResource with the artifacts' Read and import.
type jobArtifactsResource struct{ jobActionResource }

// Read refreshes the job and its artifacts; changes made outside Terraform
// (deleted, kept, erased) show in the refreshed attributes. A job GitLab no
// longer shows (404: deleted with its pipeline, or out of the token's
// reach) keeps the resource as it was, with a warning: the action was
// done, and dropping the resource would plan it again.
func (r *jobArtifactsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state jobArtifactsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(r.what, state.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	jobID := state.JobID.ValueInt64()
	job, err := client.GetJob(ctx, project.String(), jobID)
	if gitlabclient.IsNotFound(err) {
		resp.Diagnostics.AddWarning(fmt.Sprintf("Job %d no longer found", jobID),
			fmt.Sprintf("GitLab answered 404 for job %d of project %q (%s): the job was deleted (with its pipeline), or the "+
				"token can no longer see the project. %s keeps its state as last read; remove it with terraform state rm "+
				"when the job is gone for good.", jobID, project.String(), err, r.what))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(jobReadError(project, jobID, err)...)
		return
	}
	state.setJob(job)
	if state.ID.IsNull() || state.ID.IsUnknown() {
		state.ID = types.StringValue(formatID(state.Project.ValueString(), jobID))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// ImportState takes "<project>:<job_id>" of a job GitLab shows (checked,
// as the job action resources check theirs).
func (r *jobArtifactsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	jobID, ok := r.importJob(ctx, req, resp, nil)
	if !ok {
		return
	}
	resp.Diagnostics.Append(setImported(ctx, resp, req.ID, map[string]int64{"job_id": jobID})...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("triggers"), types.MapNull(types.StringType))...)
}

// artifactsAttributes are both resources' attributes; what is what the resource does ("keep", "delete").
func artifactsAttributes(what, jobDesc string) map[string]schema.Attribute {
	attrs := jobResultAttributes("The job's")
	attrs["id"] = idAttribute("`<project>:<job_id>`.")
	attrs["project"] = resourceProjectAttribute()
	attrs["job_id"] = resourceJobIDAttribute(jobDesc)
	attrs["triggers"] = triggersAttribute(what + " the job's artifacts")
	artifactsResultAttributes(attrs)
	return attrs
}

// artifactsRights is what GitLab requires for each artifacts action
// (lib/api/ci/job_artifacts.rb: authorize_update_builds! for keep,
// authorize_destroy_artifacts! for delete).
var artifactsRights = map[string]string{
	"keep": "Keeping a job's artifacts needs at least the Developer role in the project (GitLab's update_build " +
		"permission) and, for a job of a protected branch or tag, the right to push or merge to it.",
	"delete": "Deleting a job's artifacts needs the Maintainer role in the project (GitLab's destroy_artifacts permission).",
}

// artifactsActionError explains a failed keep or delete request.
func artifactsActionError(action string, project gitlabclient.Project, jobID int64, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var unknown *gitlabclient.UnknownOutcomeError
	summary := fmt.Sprintf("Could not %s the artifacts of job %d", action, jobID)
	switch status := gitlabclient.StatusCode(err); {
	case errors.As(err, &unknown):
		diags.AddError(fmt.Sprintf("The %s of the artifacts of job %d may or may not have happened", action, jobID),
			fmt.Sprintf("%s. The provider did not send the request again, so that it cannot happen twice. Check the "+
				"artifacts of job %d of project %q in GitLab before applying again.", err, jobID, project.String()))
	case gitlabclient.InsufficientScope(err):
		diags.AddError(fmt.Sprintf("The provider's token may not %s artifacts", action),
			fmt.Sprintf("GitLab refused to %s the artifacts of job %d of project %q: %s. The token lacks the api scope "+
				"(a read_api token can read artifacts but not change them).", action, jobID, project.String(), err))
	case status == 401:
		diags.AddError("GitLab rejected the provider's credentials",
			fmt.Sprintf("GitLab refused to %s the artifacts of job %d: %s. The token is wrong, expired or revoked, or it is "+
				"a CI job token, which can read artifacts but not keep or delete them: use a personal, project or group "+
				"access token with the api scope.", action, jobID, err))
	case status == 403:
		diags.AddAttributeError(path.Root("job_id"), fmt.Sprintf("Not allowed to %s the artifacts of job %d", action, jobID),
			fmt.Sprintf("GitLab refused: %s. %s Check the role of the token's user.", err, artifactsRights[action]))
	case status == 404:
		diags.AddAttributeError(path.Root("job_id"), summary,
			fmt.Sprintf("GitLab answered 404 (%s): job %d of project %q is gone, or it has no unexpired artifacts "+
				"(deleted, erased or expired meanwhile).", err, jobID, project.String()))
	case status == 409:
		diags.AddAttributeError(path.Root("job_id"), summary,
			fmt.Sprintf("%s. GitLab is refreshing the project's artifact statistics; apply again in a minute.", err))
	default:
		diags.AddError(summary, fmt.Sprintf("The request for job %d of project %q failed: %s", jobID, project.String(), err))
	}
	return diags
}

// noArtifactsReason says why a job has no artifacts to act on.
func noArtifactsReason(j *gitlabclient.Job, now time.Time) string {
	name := fmt.Sprintf("Job %d (%q) is %s", j.ID, j.Name, j.Status)
	switch {
	case j.ErasedAt != nil:
		return fmt.Sprintf("Job %d (%q) was erased at %s: its artifacts are gone.", j.ID, j.Name, j.ErasedAt.UTC().Format(time.RFC3339))
	case !gitlabclient.HasArchive(j) && !gitlabclient.Finished(j.Status):
		return name + " and has not uploaded artifacts yet: wait until it has finished."
	case !gitlabclient.HasArchive(j):
		return name + " and has no artifacts archive: it uploaded none, or they were deleted."
	case gitlabclient.ArtifactsExpired(j, now):
		return fmt.Sprintf("%s and its artifacts expired at %s: GitLab no longer keeps them.", name, j.ArtifactsExpireAt.UTC().Format(time.RFC3339))
	}
	return ""
}

// checkKeepable is the keep's check, at plan time and before acting: the
// job has an archive that has not expired.
func checkKeepable(j *gitlabclient.Job) diag.Diagnostics {
	var diags diag.Diagnostics
	if why := noArtifactsReason(j, time.Now()); why != "" {
		diags.AddAttributeError(path.Root("job_id"), "Job has no artifacts to keep",
			why+" Point job_id at a finished job whose artifacts have not expired.")
	}
	return diags
}

// keepArtifacts keeps a job's artifacts: artifacts that already never
// expire are left alone (no request).
func keepArtifacts(ctx context.Context, client *gitlabclient.Client, in jobActionInput) jobActionOutput {
	job, diags := getJobFor(ctx, client, in)
	if diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	if diags := checkKeepable(job); diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	if job.ArtifactsExpireAt == nil {
		tflog.Info(ctx, fmt.Sprintf("the artifacts of job %d never expire already; nothing to do", job.ID), map[string]any{"job_id": job.ID})
		return jobActionOutput{Job: job}
	}
	kept, err := client.KeepArtifacts(ctx, in.Project.String(), in.JobID)
	if err != nil {
		return jobActionOutput{Diags: artifactsActionError("keep", in.Project, in.JobID, err)}
	}
	tflog.Info(ctx, fmt.Sprintf("kept the artifacts of job %d", kept.ID), map[string]any{"job_id": kept.ID})
	return jobActionOutput{Job: kept}
}

// deleteArtifacts deletes a job's artifacts (all but its log): a job with
// none is left alone (no request), with a warning.
func deleteArtifacts(ctx context.Context, client *gitlabclient.Client, in jobActionInput) jobActionOutput {
	job, diags := getJobFor(ctx, client, in)
	if diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	if !gitlabclient.HasDeletableArtifacts(job) {
		var warn diag.Diagnostics
		why := noArtifactsReason(job, time.Now())
		if why == "" {
			why = fmt.Sprintf("Job %d (%q) has no artifacts but its log.", job.ID, job.Name)
		}
		warn.AddWarning(fmt.Sprintf("Job %d has no artifacts to delete", job.ID), why+" No request was sent.")
		return jobActionOutput{Job: job, Diags: warn}
	}
	deleted, err := client.DeleteArtifacts(ctx, in.Project.String(), in.JobID)
	if err != nil {
		return jobActionOutput{Diags: artifactsActionError("delete", in.Project, in.JobID, err)}
	}
	tflog.Info(ctx, fmt.Sprintf("deleted the artifacts of job %d", deleted.ID), map[string]any{"job_id": deleted.ID})
	return jobActionOutput{Job: deleted}
}

// create is both resources' Create: act (keepArtifacts, deleteArtifacts), record the job.
func (r *jobArtifactsResource) create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse,
	act func(context.Context, *gitlabclient.Client, jobActionInput) jobActionOutput) {
	var plan jobArtifactsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(r.what, plan.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := jobActionInput{Project: project, JobID: plan.JobID.ValueInt64()}
	out := act(ctx, client, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Job == nil {
		return
	}
	plan.ID = types.StringValue(formatID(plan.Project.ValueString(), in.JobID))
	plan.setJob(out.Job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// artifactSelection is how gitlabjobs_job_artifact_file and
// gitlabjobs_job_artifacts name their job: by job_id, or by ref and job
// (the job of that name in the ref's latest successful pipeline).
type artifactSelection struct {
	ID      types.String `tfsdk:"id"`
	Project types.String `tfsdk:"project"`
	JobID   types.Int64  `tfsdk:"job_id"`
	Ref     types.String `tfsdk:"ref"`
	Job     types.String `tfsdk:"job"`
}

// withArtifactSelection adds the project, ref and job attributes of
// artifactSelection to a data source's attributes (its own id and job_id
// among them); refDesc is ref's description.
func withArtifactSelection(refDesc string, attrs map[string]dsschema.Attribute) map[string]dsschema.Attribute {
	attrs["project"] = projectAttribute()
	attrs["ref"] = dsschema.StringAttribute{Optional: true, MarkdownDescription: refDesc,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	attrs["job"] = dsschema.StringAttribute{Optional: true, MarkdownDescription: "The job's name (e.g. `build`), with `ref`.",
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	return attrs
}

// artifactSelectionValidators check artifactSelection at plan time: job_id,
// or ref and job.
func artifactSelectionValidators() []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("job_id"), path.MatchRoot("ref")),
		datasourcevalidator.RequiredTogether(path.MatchRoot("ref"), path.MatchRoot("job")),
		datasourcevalidator.Conflicting(path.MatchRoot("job_id"), path.MatchRoot("job")),
	}
}
