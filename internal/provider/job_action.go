package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
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

// What the job action resources (play, retry, cancel, erase) share: their
// common attributes, the checks of a job's status before an action, the wait
// for the job, and the diagnostics. The action logic itself lives in one
// function per action (playJob, retryJob, cancelJob, eraseJob) that any
// front door (a resource, a Terraform action) calls.

// An action cannot be undone: destroying a job action resource only forgets it.
const destroyNote = "\n\nDestroying this resource only removes it from the Terraform state: a job action cannot be undone, " +
	"and GitLab keeps the job."

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
			"Changing it acts on another job: the resource is replaced.",
		Validators:    []validator.String{projectValidator{}},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
}

func resourceJobIDAttribute(desc string) schema.Attribute {
	return schema.Int64Attribute{
		Required:            true,
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
		MarkdownDescription: "Arbitrary values that, when changed, " + what + " again (the resource is replaced). Without a " +
			"change here (or in `project`, `job_id`), applying again never repeats the action.",
		PlanModifiers: []planmodifier.Map{requiresReplaceUnlessImported()}, // job_import.go
	}
}

func waitForAttribute() schema.Attribute {
	return schema.StringAttribute{
		Optional: true,
		Computed: true,
		Default:  stringdefault.StaticString(waitFinished),
		MarkdownDescription: "What to wait for after the action: `none` (return at once), `started` (the job left the " +
			"queue: running or finished) or `finished` (success, failed, canceled or skipped). Defaults to `finished`. " +
			"Waiting polls the job with backoff (1 s, doubling up to 20 s) until `timeouts.create`.",
		Validators: []validator.String{stringvalidator.OneOf(waitNone, waitStarted, waitFinished)},
	}
}

func failOnJobFailureAttribute() schema.Attribute {
	return schema.BoolAttribute{
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(true),
		MarkdownDescription: "With `wait_for = \"finished\"`: fail the apply when the job ends `failed` or `canceled`, " +
			"with its failure reason and URL. The resource is then saved as tainted, so the next apply runs the action " +
			"again. Set to `false` to record the outcome in `status` instead. Defaults to `true`.",
	}
}

// actionTimeout is the create timeout, or def when it is not set.
const (
	defaultWaitTimeout   = 60 * time.Minute
	defaultCancelTimeout = 10 * time.Minute
)

// parseImportID splits "<project>:<job_id>[:<more ids>]" into the project
// and n numeric IDs. GitLab paths never hold a colon.
func parseImportID(id string, names ...string) (gitlabclient.Project, []int64, error) {
	format := "<project>:<" + strings.Join(names, ">:<") + ">"
	parts := strings.Split(id, ":")
	if len(parts) != len(names)+1 {
		return gitlabclient.Project{}, nil, fmt.Errorf("the import ID %q is not %s, e.g. group/sub/project:%s", id, format, strings.Repeat("123:", len(names))[:len(names)*4-1])
	}
	project, err := gitlabclient.ParseProject(parts[0])
	if err != nil {
		return gitlabclient.Project{}, nil, fmt.Errorf("the import ID %q: %w", id, err)
	}
	ids := make([]int64, len(names))
	for i, s := range parts[1:] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return gitlabclient.Project{}, nil, fmt.Errorf("the import ID %q: %s %q is not a positive number (format %s)", id, names[i], s, format)
		}
		ids[i] = n
	}
	return project, ids, nil
}

// Job statuses in which GitLab accepts an action.
var (
	// Ci::Build#playable?: a manual or scheduled action, or a finished action
	// job (which GitLab then runs again as a new job).
	playableStatuses = map[string]bool{"manual": true, "scheduled": true, "success": true, "failed": true, "canceled": true}
	// CommitStatus#retryable?: a finished job.
	retryableStatuses = map[string]bool{"success": true, "failed": true, "canceled": true}
	// Ci::HasStatus: a job that has not finished can be canceled.
	cancelableStatuses = map[string]bool{"created": true, "waiting_for_resource": true, "preparing": true, "pending": true,
		"running": true, "scheduled": true, "manual": true}
)

// statusError explains why a job's status does not allow an action, naming
// the status and what to do.
func statusError(action string, j *gitlabclient.Job, fix string) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddAttributeError(path.Root("job_id"), fmt.Sprintf("Job cannot be %s", action),
		fmt.Sprintf("Job %d (%q) is %s. %s", j.ID, j.Name, j.Status, fix))
	return diags
}

// checkPlayable, checkRetryable and checkErasable are the checks made
// before an action, at plan time where possible and again at apply.
func checkPlayable(j *gitlabclient.Job) diag.Diagnostics {
	if playableStatuses[j.Status] {
		return nil
	}
	return statusError("played", j, "Only a manual job (status manual), a scheduled job, or a finished manual job "+
		"(run again as a new job) can be played. Point job_id at the manual job, or wait until this one has finished.")
}

func checkRetryable(j *gitlabclient.Job) diag.Diagnostics {
	if retryableStatuses[j.Status] {
		return nil
	}
	return statusError("retried", j, "Only a finished job (success, failed or canceled) can be retried. "+
		"Wait until it has finished, or cancel it first (gitlabjobs_job_cancel).")
}

func checkErasable(j *gitlabclient.Job) diag.Diagnostics {
	if j.ErasedAt != nil || finishedStatuses[j.Status] {
		return nil
	}
	return statusError("erased", j, "Only a finished job can be erased. Wait until it has finished, or cancel it first "+
		"(gitlabjobs_job_cancel).")
}

// actionError explains a failed action request.
func actionError(action string, project gitlabclient.Project, jobID int64, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var unknown *gitlabclient.UnknownOutcomeError
	switch status := gitlabclient.StatusCode(err); {
	case errors.As(err, &unknown):
		diags.AddError(fmt.Sprintf("The %s of job %d may or may not have happened", action, jobID),
			fmt.Sprintf("%s. The provider did not send the request again, so that it cannot happen twice. Check job %d of "+
				"project %q in GitLab before applying again.", err, jobID, project.String()))
	case gitlabclient.IsNotFound(err):
		diags.AddAttributeError(path.Root("job_id"), "GitLab job not found",
			fmt.Sprintf("Job %d was not found in project %q (%s). Check job_id and project.", jobID, project.String(), err))
	case status == 400 || status == 403 || status == 409:
		diags.AddAttributeError(path.Root("job_id"), fmt.Sprintf("GitLab refused the %s of job %d", action, jobID),
			fmt.Sprintf("%s. %s", err, refusalHint(action, status)))
	case status == 401:
		diags.AddError("GitLab rejected the provider's credentials",
			fmt.Sprintf("The %s of job %d failed: %s. Check the provider's token: it may be wrong, expired or revoked.", action, jobID, err))
	default:
		diags.AddError(fmt.Sprintf("Could not %s job %d", action, jobID),
			fmt.Sprintf("The %s of job %d of project %q failed: %s", action, jobID, project.String(), err))
	}
	return diags
}

func refusalHint(action string, status int) string {
	switch {
	case action == "play" && status == 400:
		return "GitLab plays only manual jobs (and re-runs finished manual jobs); this job is not one, or it is archived."
	case status == 409:
		return "GitLab is busy with the project (e.g. refreshing its artifact statistics); apply again in a minute."
	default:
		return "Acting on jobs needs at least the Developer role in the project (and access to a protected branch " +
			"or environment the job deploys to) and a token with the api scope."
	}
}

// waitForJob polls a job until it reaches target. On a timeout it returns
// the last job seen with the error, so the caller can keep it in state.
func waitForJob(ctx context.Context, client *gitlabclient.Client, poll poller, project gitlabclient.Project, jobID int64, target string) (*gitlabclient.Job, error) {
	return poll.wait(ctx, jobID, target, func(ctx context.Context) (*gitlabclient.Job, error) {
		return client.GetJob(ctx, project.String(), jobID)
	})
}

// waitError explains a wait that did not end with the job at its target.
func waitError(action string, jobID int64, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var timeout *waitTimeoutError
	if errors.As(err, &timeout) {
		diags.AddError(fmt.Sprintf("Timed out waiting for job %d", jobID),
			fmt.Sprintf("The %s was applied, but %s. The job keeps running in GitLab; the resource is saved (tainted) "+
				"with the job's ID. Raise timeouts.create, or set wait_for to \"started\" or \"none\".", action, timeout))
		return diags
	}
	diags.AddError(fmt.Sprintf("Stopped waiting for job %d", jobID),
		fmt.Sprintf("The %s was applied, but waiting for the job failed: %s. The job keeps running in GitLab.", action, err))
	return diags
}

// jobFailure is the diagnostic for a job that finished without success.
func jobFailure(j *gitlabclient.Job) diag.Diagnostics {
	var diags diag.Diagnostics
	if j.Status != "failed" && j.Status != "canceled" {
		return diags
	}
	reason := j.FailureReason
	if reason == "" {
		reason = "no reason given"
	}
	diags.AddError(fmt.Sprintf("Job %d (%s) %s", j.ID, j.Name, j.Status),
		fmt.Sprintf("GitLab job %d ended %s (%s). See its log at %s. Set fail_on_job_failure = false to record the "+
			"outcome without failing the apply.", j.ID, j.Status, reason, j.WebURL))
	return diags
}

var variableKeyRegexp = regexp.MustCompile(variableKeyPattern)

// jobActionInput is one job action's request, whichever front door (a
// resource or a Terraform action) it came through.
type jobActionInput struct {
	Project          gitlabclient.Project
	JobID            int64
	Variables        []gitlabclient.Variable // play only
	WaitFor          string                  // none, started or finished
	FailOnJobFailure bool
	// ExplainWaitError, when set, replaces waitError, whose advice is the
	// resources' (timeouts.create, a tainted resource).
	ExplainWaitError func(action string, jobID int64, err error) diag.Diagnostics
}

// jobActionOutput is the outcome: the job acted on or created, as last seen
// (nil when nothing was done), and diagnostics (errors, or warnings such as
// "already finished").
type jobActionOutput struct {
	Job   *gitlabclient.Job
	Diags diag.Diagnostics
}

// finishAction waits for the job the action acted on or created, as asked.
func finishAction(ctx context.Context, client *gitlabclient.Client, poll poller, in jobActionInput, action string, job *gitlabclient.Job) jobActionOutput {
	if in.WaitFor == waitNone || in.WaitFor == "" {
		return jobActionOutput{Job: job}
	}
	last, err := waitForJob(ctx, client, poll, in.Project, job.ID, in.WaitFor)
	if last == nil {
		last = job
	}
	if err != nil {
		explain := waitError
		if in.ExplainWaitError != nil {
			explain = in.ExplainWaitError
		}
		return jobActionOutput{Job: last, Diags: explain(action, job.ID, err)}
	}
	if in.WaitFor == waitFinished && in.FailOnJobFailure {
		return jobActionOutput{Job: last, Diags: jobFailure(last)}
	}
	return jobActionOutput{Job: last}
}

// getJobFor reads the job an action is about, before acting.
func getJobFor(ctx context.Context, client *gitlabclient.Client, in jobActionInput) (*gitlabclient.Job, diag.Diagnostics) {
	job, err := client.GetJob(ctx, in.Project.String(), in.JobID)
	if err != nil {
		return nil, jobReadError(in.Project, in.JobID, err)
	}
	return job, nil
}

// checkJobAtPlan runs check on the job when the plan creates (or replaces)
// the resource and project and job_id are known, so a job in the wrong
// status fails the plan, not the apply. It stays silent when it cannot ask
// GitLab (the apply checks again).
func checkJobAtPlan(ctx context.Context, data *providerData, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, what string, check func(*gitlabclient.Job) diag.Diagnostics) {
	if req.Plan.Raw.IsNull() || (!req.State.Raw.IsNull() && len(resp.RequiresReplace) == 0) {
		return
	}
	var project types.String
	var jobID types.Int64
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("project"), &project)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("job_id"), &jobID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	diags := checkJobStatusAtPlan(ctx, data, project, jobID, what, check)
	for i, d := range diags {
		if d.Severity() == diag.SeverityError && strings.HasPrefix(d.Summary(), "Job cannot be") {
			// Terraform plans a tainted resource as a new one: say why it may be here.
			diags[i] = diag.NewAttributeErrorDiagnostic(path.Root("job_id"), d.Summary(), d.Detail()+" If an earlier apply "+
				"of this resource acted on the job and then failed (for example, it timed out waiting), the resource is "+
				"tainted and planned to act again: wait until the job has finished, or run terraform untaint on the "+
				"resource to keep that earlier run.")
		}
	}
	resp.Diagnostics.Append(diags...)
}

// checkJobStatusAtPlan runs check on the job when project and job_id are
// known, for the plan of a resource or a Terraform action. It stays silent
// when it cannot ask GitLab (the apply checks again).
func checkJobStatusAtPlan(ctx context.Context, data *providerData, project types.String, jobID types.Int64, what string, check func(*gitlabclient.Job) diag.Diagnostics) diag.Diagnostics {
	if project.IsUnknown() || jobID.IsUnknown() || project.IsNull() || jobID.IsNull() {
		return nil
	}
	if data == nil || data.client == nil || len(data.unknownConfig) > 0 {
		return nil
	}
	p, err := gitlabclient.ParseProject(project.ValueString())
	if err != nil {
		return nil // the attribute's validator reports it
	}
	job, err := data.client.GetJob(ctx, p.String(), jobID.ValueInt64())
	switch {
	case gitlabclient.IsNotFound(err):
		return jobReadError(p, jobID.ValueInt64(), err)
	case err != nil:
		tflog.Warn(ctx, what+": could not check the job at plan time; the apply checks again", map[string]any{"error": err.Error()})
		return nil
	default:
		return check(job)
	}
}

// readJobForResource refreshes a job action resource's job. removed is true
// when GitLab no longer has the job (404): the caller removes the resource.
func readJobForResource(ctx context.Context, data *providerData, what, project string, jobID int64) (job *gitlabclient.Job, removed bool, diags diag.Diagnostics) {
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
		tflog.Warn(ctx, fmt.Sprintf("job %d of project %s no longer exists in GitLab; removing %s from the state", jobID, p.String(), what))
		return nil, true, nil
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

func (r *jobActionResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if data, ok := req.ProviderData.(*providerData); ok {
		r.data = data
	}
}

// Read refreshes the recorded job. A job GitLab no longer has (404) removes
// the resource; changes made outside Terraform (retried, erased, canceled)
// show in the refreshed attributes.
func (r *jobActionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var project types.String
	var jobID types.Int64
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("project"), &project)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root(r.jobIDAttr), &jobID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	job, removed, diags := readJobForResource(ctx, r.data, r.what, project.ValueString(), jobID.ValueInt64())
	resp.Diagnostics.Append(diags...)
	switch {
	case removed:
		resp.State.RemoveResource(ctx)
	case job != nil:
		resp.Diagnostics.Append(setJobResult(ctx, &resp.State, newJobResult(job))...)
	}
}

// Update only stores settings that do not act again (wait_for,
// fail_on_job_failure, timeouts): every other change replaces the resource,
// and computed attributes keep their state values.
func (r *jobActionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
	if resp.Private != nil {
		resp.Diagnostics.Append(clearImported(ctx, resp.Private)...)
	}
}

// Delete forgets the resource: an action on a job cannot be undone.
func (r *jobActionResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
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
