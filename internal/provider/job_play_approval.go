package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The play of a deploy job whose deployment waits for approval (the
// gitlabjobs_job_play resource and action). GitLab shows such a job as
// manual, like any manual job, and refuses to play it (400 "Unplayable
// Job") until enough approvers approved its deployment; only the
// deployment tells (status blocked, pending_approval_count above 0). So:
//   - at plan, a job waiting for approval is a warning naming the
//     deployment and who may approve (an approval this play depends on may
//     come first in the same apply);
//   - at apply, without wait_for_approval: an error naming the deployment
//     and who may approve, nothing sent; with it: the apply waits, polling
//     the deployment through the one waiter (waiter.go) for at most
//     wait_for_approval, reports each change
//     ("1 of 2 approvals; waiting for: ..."), and plays once approved. A
//     rejection is an error naming who rejected it. When the last approval
//     made GitLab start the job itself (the unified required approval count,
//     without approval rules), nothing is played: the job is recorded as
//     the run, with a warning, and waited for as wait_for says.

// waitForApprovalDescription is the attribute's description.
const waitForApprovalDescription = "How long to wait for others' approvals the job's deployment needs, e.g. `2h`; " +
	"without it such a job fails at once " +
	"([the release gate](../guides/release-gate.md#waiting-for-someone-elses-approval))."

// durationValidator checks a Go duration of at least zero.
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "a duration such as 30s, 10m or 2h"
}
func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a duration such as \"30s\", \"10m\" or \"2h\".", req.ConfigValue.ValueString()))
	}
}

// approvalWait is the value of wait_for_approval (0 when not set).
func approvalWait(v types.String) time.Duration {
	if v.IsNull() || v.IsUnknown() {
		return 0
	}
	d, _ := time.ParseDuration(v.ValueString())
	return d
}

// waitingDeployment is job's deployment when it waits for approval, nil
// otherwise or when it cannot be told (GitLab's answer to the play decides).
func waitingDeployment(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, job *gitlabclient.Job) *gitlabclient.Deployment {
	if !waitingToPlay(job) {
		return nil
	}
	dep, err := client.JobDeployment(ctx, project.String(), job)
	if err != nil {
		tflog.Debug(ctx, "no deployment of the job could be read", map[string]any{"job_id": job.ID, "error": err.Error()})
		return nil
	}
	if !dep.WaitingForApproval() {
		return nil
	}
	return dep
}

// approvalWaitText is "job 12 waits for approval of deployment 3 (production): 0 of 1 approvals; waiting for: ...".
func approvalWaitText(job *gitlabclient.Job, dep *gitlabclient.Deployment) string {
	return fmt.Sprintf("job %d waits for approval of deployment %d (%s): %s", job.ID, dep.ID, environmentName(dep), approvalProgress(dep))
}

// approvalAtPlan is the plan's warning for a job waiting for approval.
func approvalAtPlan(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, job *gitlabclient.Job, wait time.Duration) diag.Diagnostics {
	var diags diag.Diagnostics
	dep := waitingDeployment(ctx, client, project, job)
	if dep == nil {
		return diags
	}
	then := "Unless it is approved before this play runs (e.g. by a gitlabjobs_deployment_approval this play depends " +
		"on), the apply fails: set wait_for_approval to wait for the approvals others give."
	if wait > 0 {
		then = fmt.Sprintf("The apply waits up to %s (wait_for_approval) for the approvals, then plays it.", wait)
	}
	diags.AddAttributeWarning(path.Root("job_id"), fmt.Sprintf("Job %d waits for approval", job.ID),
		fmt.Sprintf("%s. GitLab does not play it until its deployment is approved. %s", capitalize(approvalWaitText(job, dep)), then))
	return diags
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// approvalNeededError is the apply's error for a job waiting for approval
// without wait_for_approval.
func approvalNeededError(job *gitlabclient.Job, dep *gitlabclient.Deployment) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddAttributeError(path.Root("job_id"), fmt.Sprintf("Job %d waits for approval of deployment %d", job.ID, dep.ID),
		fmt.Sprintf("%s. GitLab refuses to play it until its deployment is approved (the environment %q is protected "+
			"and requires approvals). Nothing was played. Ask who may approve (%s) to approve deployment %d in GitLab "+
			"(Deployments > Environments, or the pipeline's page), or approve it with gitlabjobs_deployment_approval and "+
			"an approver's token, and make this play depend on it; or set wait_for_approval (e.g. \"1h\") to wait for "+
			"the approvals others give.", capitalize(approvalWaitText(job, dep)), environmentName(dep),
			strings.Join(waitingFor(dep), ", "), dep.ID))
	return diags
}

// playAfterApproval is playJob for a job that may wait for its
// deployment's approval (see the top of this file); wait is
// wait_for_approval.
func playAfterApproval(wait time.Duration) func(context.Context, *gitlabclient.Client, poller, jobActionInput) jobActionOutput {
	return func(ctx context.Context, client *gitlabclient.Client, poll poller, in jobActionInput) jobActionOutput {
		job, err := client.GetJob(ctx, in.Project.String(), in.JobID)
		if err != nil {
			return playJob(ctx, client, poll, in) // it reports the read's failure
		}
		if diags := rejectedJob(ctx, client, in.Project, job); diags.HasError() {
			return jobActionOutput{Diags: diags}
		}
		dep := waitingDeployment(ctx, client, in.Project, job)
		if dep == nil {
			return playJob(ctx, client, poll, in)
		}
		if wait <= 0 {
			return jobActionOutput{Diags: approvalNeededError(job, dep)}
		}
		say := func(msg string) {
			tflog.Info(ctx, msg, map[string]any{"job_id": job.ID, "deployment_id": dep.ID})
			if poll.note != nil {
				poll.note(ctx, msg)
			}
		}
		dep, err = waitForApproval(ctx, client, poll, in.Project, job, dep, wait, say)
		if err != nil {
			return jobActionOutput{Diags: approvalWaitError(ctx, in.Project, job, dep, wait, err)}
		}
		if diags := rejectedError(job, dep); diags.HasError() {
			return jobActionOutput{Diags: diags}
		}
		say(fmt.Sprintf("deployment %d (%s) approved: %s", dep.ID, environmentName(dep), approvalProgress(dep)))
		job, err = client.GetJob(ctx, in.Project.String(), in.JobID)
		if err != nil || waitingToPlay(job) {
			return playJob(ctx, client, poll, in)
		}
		// The last approval started the job (required_approval_count
		// without rules): GitLab enqueued it, nothing is to be played.
		out := finishAction(ctx, client, poll, in, "play", job)
		var d diag.Diagnostics
		d.AddWarning(fmt.Sprintf("GitLab started job %d itself when its deployment was approved", job.ID),
			fmt.Sprintf("The last approval of deployment %d made GitLab start job %d (the environment requires a number "+
				"of approvals, without approval rules): nothing was played. The job is recorded as the run.", dep.ID, job.ID))
		out.Diags = append(d, out.Diags...)
		return out
	}
}

// Deployment statuses as the approval's wait sees them: approvalPending
// while the deployment waits for approvals (blocked, approvals pending),
// else its own status.
const approvalPending = "pending approval"

// waitForApproval polls dep (the job's deployment, as just read) through
// the waiter until it no longer waits for approval, for at most wait. It
// says every change of the approvals ("0 of 1 approvals; waiting for:
// ..."). It returns the last deployment it saw, also on error.
func waitForApproval(ctx context.Context, client *gitlabclient.Client, poll poller, project gitlabclient.Project,
	job *gitlabclient.Job, dep *gitlabclient.Deployment, wait time.Duration, say func(string)) (*gitlabclient.Deployment, error) {
	first, id, said := dep, dep.ID, ""
	return waitUntil(ctx, poll, waitSpec[*gitlabclient.Deployment]{
		kind: "deployment", target: "approved", limit: wait,
		fetch: func(ctx context.Context) (*gitlabclient.Deployment, error) {
			if d := first; d != nil { // the first poll is the read that found it waiting
				first = nil
				return d, nil
			}
			return client.GetDeployment(ctx, project.String(), id)
		},
		state: func(d *gitlabclient.Deployment) (int64, string) {
			if d.WaitingForApproval() {
				return d.ID, approvalPending
			}
			return d.ID, d.Status
		},
		done: func(status string) bool { return status != approvalPending },
		describe: func(_ context.Context, d *gitlabclient.Deployment, _ string, _ time.Duration) (string, bool) {
			if !d.WaitingForApproval() {
				return "", false
			}
			if msg := approvalWaitText(job, d); msg != said {
				say(msg)
				said = msg
			}
			return "", false
		},
	})
}

// approvalWaitError is the error of the wait for dep's approval (the last
// deployment seen) that ended with err: wait_for_approval passed, the
// operation was stopped (its timeout, Ctrl-C), or a read failed.
func approvalWaitError(ctx context.Context, project gitlabclient.Project, job *gitlabclient.Job, dep *gitlabclient.Deployment,
	wait time.Duration, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var timeout *waitTimeoutError
	switch {
	case ctx.Err() == nil && errors.As(err, &timeout): // wait_for_approval passed
		diags.AddAttributeError(path.Root("wait_for_approval"), fmt.Sprintf("Job %d still waits for approval", job.ID),
			fmt.Sprintf("%s after %s (wait_for_approval). Nothing was played. Apply again once approved, or "+
				"raise wait_for_approval.", capitalize(approvalWaitText(job, dep)), wait))
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		cause := ctx.Err()
		if cause == nil {
			cause = context.Canceled // the poller's sleep was stopped
		}
		diags.AddError(fmt.Sprintf("Stopped waiting for the approval of deployment %d", dep.ID),
			fmt.Sprintf("%s when the wait ended (%s). Nothing was played.", capitalize(approvalWaitText(job, dep)), cause))
	default:
		diags = deploymentReadError(path.Root("job_id"), project, dep.ID, err)
	}
	return diags
}

// rejectedJob is the error for a job that failed because its deployment
// was rejected (none otherwise, or when the deployment cannot be read).
func rejectedJob(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, job *gitlabclient.Job) diag.Diagnostics {
	if job.FailureReason != "deployment_rejected" {
		return nil
	}
	dep, err := client.JobDeployment(ctx, project.String(), job)
	if err != nil {
		return nil
	}
	return rejectedError(job, dep)
}

// rejectedError is the error for a deployment an approver rejected (none
// when no approval rejects it).
func rejectedError(job *gitlabclient.Job, dep *gitlabclient.Deployment) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, a := range dep.Approvals {
		if a.Status != gitlabclient.ApprovalRejected {
			continue
		}
		who := "an approver"
		if a.User != nil {
			who = a.User.Username
		}
		diags.AddAttributeError(path.Root("job_id"), fmt.Sprintf("Deployment %d was rejected", dep.ID),
			fmt.Sprintf("%s rejected deployment %d (%s) of job %d%s: GitLab failed the job (deployment_rejected), and "+
				"it cannot be played or retried. Nothing was played. Run a new pipeline to deploy again.",
				who, dep.ID, environmentName(dep), job.ID, commentText(a.Comment)))
		return diags
	}
	return diags
}

func commentText(c string) string {
	if c == "" {
		return ""
	}
	return fmt.Sprintf(" (%q)", c)
}
