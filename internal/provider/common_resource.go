package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// What the job action resources (play, retry, cancel, erase, and the
// artifacts keep and delete resources) share: their common attributes, their
// import IDs, the plan-time checks of the job, and jobActionResource (Read,
// Update, Delete). The action logic itself lives in one function per action
// (playJob, retryJob, cancelJob, eraseJob: common_operations.go) that any
// front door (a resource, a Terraform action: common_action.go) calls; the
// diagnostics are in common_diagnostics.go.

// An action cannot be undone: destroying a job action resource only forgets it.
const destroyNote = "\n\nDestroying this resource only removes it from the Terraform state: a job action cannot be undone, " +
	"and GitLab keeps the job." + keptNote

// jobResultModel is the state of the job an action acted on or created, as
// last read from GitLab.
type jobResultModel struct {
	Status        types.String  `tfsdk:"status"`
	WebURL        types.String  `tfsdk:"web_url"`
	StartedAt     types.String  `tfsdk:"started_at"`
	FinishedAt    types.String  `tfsdk:"finished_at"`
	Duration      types.Float64 `tfsdk:"duration"`
	FailureReason types.String  `tfsdk:"failure_reason"`
	ErasedAt      types.String  `tfsdk:"erased_at"`
}

func newJobResult(j *gitlabclient.Job) jobResultModel {
	return jobResultModel{
		Status:        types.StringValue(j.Status),
		WebURL:        types.StringValue(j.WebURL),
		StartedAt:     timeValue(j.StartedAt),
		FinishedAt:    timeValue(j.FinishedAt),
		Duration:      types.Float64PointerValue(j.Duration),
		FailureReason: optionalString(j.FailureReason),
		ErasedAt:      timeValue(j.ErasedAt),
	}
}

// jobResultAttributes are the computed attributes of jobResultModel; which
// describes the job they are about ("The played job's", ...).
func jobResultAttributes(which string) map[string]schema.Attribute {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: keep}
	}
	return map[string]schema.Attribute{
		"status":      str(which + " status when last read: `created`, `pending`, `running`, `success`, `failed`, `canceled`, ..."),
		"web_url":     str(which + " page in GitLab."),
		"started_at":  str("When " + strings.ToLower(which[:1]) + which[1:] + " run started (RFC 3339), or null."),
		"finished_at": str("When " + strings.ToLower(which[:1]) + which[1:] + " run finished (RFC 3339), or null."),
		"duration": schema.Float64Attribute{Computed: true, MarkdownDescription: which + " run time in seconds, or null.",
			PlanModifiers: []planmodifier.Float64{float64planmodifier.UseStateForUnknown()}},
		"failure_reason": str("Why " + strings.ToLower(which[:1]) + which[1:] + " run failed (e.g. `script_failure`), or null."),
		"erased_at":      str("When " + strings.ToLower(which[:1]) + which[1:] + " log and artifacts were erased (RFC 3339), or null."),
	}
}

func resourceProjectAttribute() schema.Attribute {
	return schema.StringAttribute{
		Required: true,
		MarkdownDescription: "The project's numeric ID or full path (`group/sub/project`; a URL-encoded path is accepted too). " +
			"Writing the same project differently (its numeric ID for its path, a URL-encoded path, another letter " +
			"case, the new path of a renamed or moved project) changes nothing: the resource is updated in place and " +
			"the job is not acted on again (when `job_id` is unchanged and the text alone cannot tell, the apply " +
			"checks with GitLab that the job is in the project). Naming another project (with another `job_id`) " +
			"replaces the resource.",
		Validators:    []validator.String{projectValidator{}},
		PlanModifiers: []planmodifier.String{sameProjectPlanModifier{}},
	}
}

func resourceJobIDAttribute(desc string) schema.Attribute {
	return schema.Int64Attribute{
		Required:            true,
		CustomType:          positiveID,
		MarkdownDescription: desc + " Changing it acts on another job: the resource is replaced.",
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
		PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
	}
}

func idAttribute(desc string) schema.Attribute {
	return schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: desc,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

func triggersAttribute(what string) schema.Attribute {
	return schema.MapAttribute{
		ElementType: types.StringType,
		Optional:    true,
		MarkdownDescription: "Arbitrary values that, when changed, " + what + " again (the resource is replaced): the one " +
			"way to act again on the same job. Without a change here, applying again never repeats the action, even " +
			"after an apply that failed, timed out or was interrupted (see Across re-runs).",
		PlanModifiers: []planmodifier.Map{requiresReplaceUnlessImported()}, // import_mark.go
	}
}

func waitForAttribute() schema.Attribute {
	return schema.StringAttribute{
		Optional: true,
		Computed: true,
		Default:  stringdefault.StaticString(waitFinished),
		MarkdownDescription: "What to wait for after the action: `none` (return at once), `started` (the job left the " +
			"queue: running or finished) or `finished` (success, failed, canceled or skipped). Defaults to `finished`. " +
			"Waiting polls the job every fifth of the time waited so far (at least 1 s, at most 30 s: a job is seen within about a fifth of its run time after it ends) until `timeouts.create`.",
		Validators: []validator.String{stringvalidator.OneOf(waitNone, waitStarted, waitFinished)},
	}
}

func failOnJobFailureAttribute() schema.Attribute {
	return schema.BoolAttribute{
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(true),
		MarkdownDescription: "With `wait_for = \"finished\"`: fail the apply when the job ends `failed` or `canceled`, " +
			"with its failure reason and URL, so that what depends on it stops. The resource is then saved as tainted; " +
			"the next apply does not act again but reports the same job's outcome again (change `triggers` to act " +
			"again). Set to `false` to record the outcome in `status` instead. Defaults to `true`.",
	}
}

// acrossReruns is the "Across re-runs" section of a job action resource's
// docs: the rule (common_operations.go) and how the resource keeps it.
func acrossReruns(how string) string {
	return "\n\n## Across re-runs\n\nAn action GitLab applied is never applied again for the same intent, whatever " +
		"happens to the apply: a wait that timed out, a failed job, Ctrl-C, a provider killed after its request, a " +
		"lost answer. Forgetting an action is always safer than repeating it. " + how
}

// The default timeouts of the job action resources' create and of the
// actions' invoke: how long to wait for a job to be played, retried (60m) or
// canceled (10m).
const (
	defaultWaitTimeout   = 60 * time.Minute
	defaultCancelTimeout = 10 * time.Minute
)

// The job statuses in which GitLab accepts each action are the client's
// (gitlabclient.Playable, Retryable, Cancelable, Erasable, Finished, ...:
// gitlabclient/status.go names GitLab's source of each).

// planCheck checks, at plan time, the job a resource's create will act on
// (as read from GitLab): errors for a job the action cannot take, warnings
// for a job the create will adopt rather than act on.
type planCheck func(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job) diag.Diagnostics

// checkJobAtPlan is the job action resources' ModifyPlan. For a change of
// an existing resource it marks a replacement the user asked for
// (markActAgain). For a create — a new resource, a tainted one, or the
// second half of a replacement, which carries the marker — it runs check on
// the job when project and job_id are known, so a job in the wrong status
// fails the plan, not the apply. It stays silent when it cannot ask GitLab
// (the apply checks again).
func checkJobAtPlan(ctx context.Context, data *providerData, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, what string, check planCheck) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if !req.State.Raw.IsNull() {
		markActAgain(ctx, req, resp, what)
		return
	}
	var project types.String
	var jobID types.Int64
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("project"), &project)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("job_id"), &jobID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The plan's create half of a replacement carries the marker; the
	// apply's re-plan of it finds the one its delete kept.
	var private privateKeys
	if req.Private != nil {
		private = req.Private
	}
	again, diags := actAgainAtPlan(ctx, data, intentKey(what, project, jobID), private)
	resp.Diagnostics.Append(diags...)
	client, p, job, diags := jobAtPlan(ctx, data, project, jobID, what)
	resp.Diagnostics.Append(diags...)
	if job == nil {
		return
	}
	intent := intentKey(what, project, jobID)
	in := jobActionInput{Project: p, JobID: job.ID, LookFirst: again == nil, Recorded: hasRecorded(data, intent)}
	resp.Diagnostics.Append(check(ctx, client, in, job)...)
}

// jobAtPlan reads the job named by project and job_id at plan time, or
// returns no job when they are not known or GitLab cannot be asked (the
// apply checks again). A job that does not exist is an error.
func jobAtPlan(ctx context.Context, data *providerData, project types.String, jobID types.Int64, what string) (*gitlabclient.Client, gitlabclient.Project, *gitlabclient.Job, diag.Diagnostics) {
	if project.IsUnknown() || jobID.IsUnknown() || project.IsNull() || jobID.IsNull() {
		return nil, gitlabclient.Project{}, nil, nil
	}
	if data == nil || data.client == nil || len(data.unknownConfig) > 0 {
		return nil, gitlabclient.Project{}, nil, nil
	}
	p, err := gitlabclient.ParseProject(project.ValueString())
	if err != nil {
		return nil, p, nil, nil // the attribute's validator reports it
	}
	job, err := data.client.GetJob(ctx, p.String(), jobID.ValueInt64())
	switch {
	case gitlabclient.IsNotFound(err):
		return nil, p, nil, jobReadError(p, jobID.ValueInt64(), err)
	case err != nil:
		tflog.Warn(ctx, what+": could not check the job at plan time; the apply checks again", map[string]any{"error": err.Error()})
		return nil, p, nil, nil
	default:
		return data.client, p, job, nil
	}
}

// planPlay and planRetry are the play and retry resources' plan checks:
// the decision the create will make, as far as the plan can tell.
func planPlay(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job) diag.Diagnostics {
	d, target, diags := resolvePlay(ctx, client, in, job)
	switch {
	case diags.HasError():
		tflog.Warn(ctx, "could not check the job's runs at plan time; the apply checks again")
		return nil
	case d == decideAdopt:
		return adoptedPlay(in, job, target, true)
	case d == decideRefuse:
		return withAgainHint(refusedPlay(in, target), in, "play", target)
	}
	return nil
}

func planRetry(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job) diag.Diagnostics {
	d, target, diags := resolveRetry(ctx, client, in, job)
	switch {
	case diags.HasError():
		tflog.Warn(ctx, "could not check the job's runs at plan time; the apply checks again")
		return nil
	case d == decideAdopt:
		return adoptedRetry(job, target, true)
	case d == decideRefuse:
		return withAgainHint(refusedRetry(target), in, "retry", target)
	}
	return nil
}

// planErase is the erase resource's plan check.
func planErase(_ context.Context, _ *gitlabclient.Client, _ jobActionInput, job *gitlabclient.Job) diag.Diagnostics {
	return checkErasable(job)
}

// withAgainHint adds, to the refusal of a replacement the user asked for
// (changed triggers), that its earlier run has not finished yet.
func withAgainHint(diags diag.Diagnostics, in jobActionInput, action string, job *gitlabclient.Job) diag.Diagnostics {
	if in.LookFirst || gitlabclient.Finished(job.Status) {
		return diags
	}
	for i, d := range diags {
		if d.Severity() == diag.SeverityError {
			diags[i] = diag.NewAttributeErrorDiagnostic(path.Root("job_id"), d.Summary(), d.Detail()+fmt.Sprintf(
				" The configuration changed triggers, which asks to %s the job again, but its run, job %d, has not "+
					"finished: apply again once it has, or revert triggers to keep this run.", action, job.ID))
		}
	}
	return diags
}

// checkJobStatusAtPlan runs check on the job when project and job_id are
// known, for the plan of a resource or a Terraform action. It stays silent
// when it cannot ask GitLab (the apply checks again).
func checkJobStatusAtPlan(ctx context.Context, data *providerData, project types.String, jobID types.Int64, what string, check func(*gitlabclient.Job) diag.Diagnostics) diag.Diagnostics {
	_, _, job, diags := jobAtPlan(ctx, data, project, jobID, what)
	if job == nil {
		return diags
	}
	return append(diags, check(job)...)
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
	}
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
	if diags := checkProjectChange(ctx, r.data, r.what, req); diags.HasError() {
		resp.Diagnostics.Append(diags...)
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

// keptNote is the job action resources' rule for refreshes and respelled
// projects, in their documentation (after destroyNote).
const keptNote = "\n\n**Never applied twice.** A refresh that gets a 404 for the job never removes this resource: " +
	"GitLab answers 404 both when the job or its project is gone and when the provider's token may not see the " +
	"project, and forgetting the resource would let the next apply (with the right token) act on the job again. " +
	"The resource keeps its last known attributes, with a warning that names the job and the project; " +
	"`terraform state rm` (or `tofu state rm`) forgets it. Writing `project` differently (its numeric ID for its " +
	"path, URL-encoded, another letter case) updates the resource in place without acting again. Imports are " +
	"checked against GitLab (see Import)."
