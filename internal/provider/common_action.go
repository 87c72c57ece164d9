package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The job actions (Terraform 1.14+ `action` blocks): gitlabjobs_job_play,
// gitlabjobs_job_retry, gitlabjobs_job_cancel and gitlabjobs_job_erase. They
// are a second front door to what the job action resources do: the same
// operation functions (playJob, retryJob, cancelJob, eraseJob), the same
// status checks at plan time and the same waiting, with the poller's
// progress sent to Terraform as the action's progress events. An action
// keeps nothing in the state: each invocation acts again.

// actionPoller makes the poller an action waits with. Tests replace it with
// a faster one.
var actionPoller = defaultPoller

// jobAction is what the four actions share: the provider's client and the
// invocation around an operation.
type jobAction struct {
	data *providerData
	what string // "action gitlabjobs_job_play", for messages
}

func newJobAction(typeName string) jobAction {
	return jobAction{what: "action " + typeName}
}

func (a *jobAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData, a.what)
	resp.Diagnostics.Append(diags...)
	if data != nil {
		a.data = data
	}
}

// jobActionTarget is the job an action acts on.
type jobActionTarget struct {
	Project types.String `tfsdk:"project"`
	JobID   types.Int64  `tfsdk:"job_id"`
}

// input is the operation's input for the target, or diagnostics when the
// project is not one.
func (t jobActionTarget) input() (jobActionInput, diag.Diagnostics) {
	var diags diag.Diagnostics
	project, err := gitlabclient.ParseProject(t.Project.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("project"), "Invalid GitLab project", err.Error())
	}
	return jobActionInput{Project: project, JobID: t.JobID.ValueInt64()}, diags
}

// jobActionWait is how the play and retry actions wait for their job.
type jobActionWait struct {
	WaitFor          types.String   `tfsdk:"wait_for"`
	FailOnJobFailure types.Bool     `tfsdk:"fail_on_job_failure"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

// apply sets the wait settings, with their defaults, on in, and returns the
// invocation's timeout.
func (w jobActionWait) apply(ctx context.Context, in *jobActionInput) (time.Duration, diag.Diagnostics) {
	in.WaitFor = waitFinished
	if !w.WaitFor.IsNull() && !w.WaitFor.IsUnknown() {
		in.WaitFor = w.WaitFor.ValueString()
	}
	in.FailOnJobFailure = w.FailOnJobFailure.IsNull() || w.FailOnJobFailure.IsUnknown() || w.FailOnJobFailure.ValueBool()
	in.ExplainWaitError = actionWaitError(`set wait_for to "started" or "none"`)
	return w.Timeouts.Invoke(ctx, defaultWaitTimeout)
}

func actionProjectAttribute() schema.Attribute {
	return schema.StringAttribute{
		Required:            true,
		MarkdownDescription: projectAttribute().GetMarkdownDescription(),
		Validators:          []validator.String{projectValidator{}},
	}
}

func actionJobIDAttribute(desc string) schema.Attribute {
	return schema.Int64Attribute{
		Required:            true,
		CustomType:          positiveID,
		MarkdownDescription: desc,
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
}

// actionWaitAttributes are the attributes of jobActionWait.
func actionWaitAttributes(ctx context.Context) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"wait_for": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "What to wait for after the action: `none` (return at once), `started` (the job left " +
				"the queue: running or finished) or `finished` (success, failed, canceled or skipped). Defaults to " +
				"`finished`. " + waitPolling("job") + " until `timeouts.invoke`, and " +
				"reports each status it sees as a progress message (`job 123: running, 40s`).",
			Validators: []validator.String{stringvalidator.OneOf(waitNone, waitStarted, waitFinished)},
		},
		"fail_on_job_failure": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: "With `wait_for = \"finished\"`: fail the invocation when the job ends `failed` or " +
				"`canceled`, with its failure reason and URL. Set to `false` to only report the outcome as a progress " +
				"message. Defaults to `true`.",
		},
		"timeouts": positiveActionTimeouts(timeouts.AttributesWithOpts(ctx, timeouts.Opts{
			InvokeDescription: "How long to wait for the job, as a duration such as `30s`, `10m` or `2h` (default `60m`).",
		})),
	}
}

// invoke runs op for in with a deadline of timeout (none when zero), sends
// every status the wait sees as a progress event, and at the end a summary
// of the job acted on or created.
func (a *jobAction) invoke(ctx context.Context, resp *action.InvokeResponse, in jobActionInput, timeout time.Duration,
	op func(context.Context, *gitlabclient.Client, poller, jobActionInput) jobActionOutput,
	summary func(jobActionInput, *gitlabclient.Job) string) {
	client, diags := a.data.clientFor(a.what)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// SendProgress blocks until Terraform takes the event: give up when the
	// invocation's stream ends (Terraform interrupted), not after the timeout.
	stream := ctx
	send := func(msg string) {
		if resp.SendProgress == nil {
			return
		}
		sent := make(chan struct{})
		go func() {
			defer close(sent)
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}()
		select {
		case <-sent:
		case <-stream.Done():
		}
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	poll := actionPoller()
	if a.data != nil {
		poll.failureLogLines = a.data.failureLogLines
		poll.streamLog = a.data.streamJobLog
	}
	poll.progress = func(_ context.Context, job *gitlabclient.Job, waited time.Duration) {
		send(fmt.Sprintf("job %d: %s, %s", job.ID, job.Status, waited.Round(time.Second)))
	}
	poll.note = func(_ context.Context, msg string) { send(msg) } // e.g. the resource group a job waits for
	out := op(ctx, client, poll, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Job != nil && !out.Diags.HasError() {
		if msg := summary(in, out.Job); msg != "" {
			send(msg)
		}
	}
}

// checkAtPlan checks the job's status when Terraform plans the action and
// project and job_id are known, so a job in the wrong status fails the plan.
func (a *jobAction) checkAtPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse, check func(*gitlabclient.Job) diag.Diagnostics) {
	refuseJobTokenAction(a, resp)
	var t jobActionTarget
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("project"), &t.Project)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("job_id"), &t.JobID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(checkJobStatusAtPlan(ctx, a.data, t.Project, t.JobID, a.what, check)...)
}

// actionWaitError explains a wait that ended before the job reached its
// target, with the action's advice (setting: what else to configure).
func actionWaitError(setting string) func(string, int64, error) diag.Diagnostics {
	return func(act string, jobID int64, err error) diag.Diagnostics {
		var timeout *waitTimeoutError
		if !errors.As(err, &timeout) {
			return waitError(act, jobID, err)
		}
		var diags diag.Diagnostics
		diags.AddError(fmt.Sprintf("Timed out waiting for job %d", jobID),
			fmt.Sprintf("The %s was applied, but %s. The job keeps running in GitLab. Raise timeouts.invoke, or %s.",
				act, timeout, setting))
		return diags
	}
}

// jobStatusSummary is "job 123: success, <web URL>".
func jobStatusSummary(j *gitlabclient.Job) string {
	return fmt.Sprintf("job %d: %s, %s", j.ID, j.Status, j.WebURL)
}
