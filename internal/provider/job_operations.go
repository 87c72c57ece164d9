package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The four job actions, one function each: check the job's status, act once
// (the client never sends an action twice), wait as asked. Resources and
// Terraform actions both call these.

// playJob plays a manual job. A finished manual job runs again as a new job
// (GitLab answers with the old one, so the new run is looked up); a job
// played again before is played again through its latest run.
func playJob(ctx context.Context, client *gitlabclient.Client, poll poller, in jobActionInput) jobActionOutput {
	job, diags := getJobFor(ctx, client, in)
	if diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	rerun := !waitingToPlay(job)
	if rerun {
		if job, diags = latestRun(ctx, client, in, job); diags.HasError() {
			return jobActionOutput{Diags: diags}
		}
		rerun = !waitingToPlay(job)
	}
	if diags := checkPlayable(job); diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	played, err := client.PlayJob(ctx, in.Project.String(), job.ID, in.Variables, gitlabclient.Seen(job))
	if err != nil {
		return jobActionOutput{Diags: actionError("play", in.Project, job.ID, err)}
	}
	if rerun && played.ID == job.ID {
		// GitLab ran the finished job again as a new job: find it.
		newer, diags := latestRun(ctx, client, in, job)
		if diags.HasError() {
			return jobActionOutput{Diags: diags}
		}
		if newer.ID == job.ID {
			var d diag.Diagnostics
			d.AddError(fmt.Sprintf("Played job %d, but its new run was not found", job.ID),
				fmt.Sprintf("GitLab accepted the play of finished job %d (%q), which runs it again as a new job, but no "+
					"newer job named %q is in its pipeline. Check the pipeline in GitLab.", job.ID, job.Name, job.Name))
			return jobActionOutput{Diags: d}
		}
		played = newer
	}
	tflog.Info(ctx, fmt.Sprintf("played job %d: job %d is %s", job.ID, played.ID, played.Status),
		map[string]any{"job_id": job.ID, "played_job_id": played.ID, "status": played.Status, "variables": len(in.Variables)})
	out := finishAction(ctx, client, poll, in, "play", played)
	if rerun && len(in.Variables) > 0 {
		// Ci::PlayBuildService retries a finished job without the new variables.
		out.Diags.AddAttributeWarning(path.Root("variables"), "GitLab ran the job again with its earlier variables",
			fmt.Sprintf("Job %d had finished, so GitLab ran it again as job %d, which copies the variables of the earlier "+
				"run: the variables given here were not applied. To run with new variables, play a manual job of a new "+
				"pipeline.", job.ID, played.ID))
	}
	return out
}

// waitingToPlay reports whether a job waits to be played in place.
func waitingToPlay(j *gitlabclient.Job) bool { return gitlabclient.WaitingToBePlayed(j.Status) }

// latestRun is the newest run of a job in its pipeline: the job itself,
// unless it was retried (or played again), which GitLab allows only on the
// newest run. The pipeline's job list holds only the newest runs.
func latestRun(ctx context.Context, client *gitlabclient.Client, in jobActionInput, j *gitlabclient.Job) (*gitlabclient.Job, diag.Diagnostics) {
	if j.Pipeline == nil {
		return j, nil
	}
	jobs, err := client.ListPipelineJobs(ctx, in.Project.String(), j.Pipeline.ID, nil, false)
	if err != nil {
		return nil, listError(fmt.Sprintf("the jobs of pipeline %d", j.Pipeline.ID), in.Project, err)
	}
	latest := j
	for _, c := range jobs {
		if c.Name == j.Name && c.ID > latest.ID {
			latest = c
		}
	}
	if latest.ID != j.ID {
		tflog.Info(ctx, fmt.Sprintf("job %d was run again before; acting on its newest run, job %d (%s)", j.ID, latest.ID, latest.Status),
			map[string]any{"job_id": j.ID, "latest_job_id": latest.ID})
	}
	return latest, nil
}

// retryJob retries a finished job, or the newest run of a job retried
// before: GitLab creates a new job.
func retryJob(ctx context.Context, client *gitlabclient.Client, poll poller, in jobActionInput) jobActionOutput {
	job, diags := getJobFor(ctx, client, in)
	if diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	if job, diags = latestRun(ctx, client, in, job); diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	if diags := checkRetryable(job); diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	retried, err := client.RetryJob(ctx, in.Project.String(), job.ID)
	if err != nil {
		return jobActionOutput{Diags: actionError("retry", in.Project, job.ID, err)}
	}
	tflog.Info(ctx, fmt.Sprintf("retried job %d: new job %d is %s", job.ID, retried.ID, retried.Status),
		map[string]any{"job_id": job.ID, "new_job_id": retried.ID, "status": retried.Status})
	return finishAction(ctx, client, poll, in, "retry", retried)
}

// cancelJob cancels a job that has not finished; a finished job is left
// alone with a warning. Waiting ends when the job has stopped (canceling
// becomes canceled); a canceled job is the goal, never a failure.
func cancelJob(ctx context.Context, client *gitlabclient.Client, poll poller, in jobActionInput) jobActionOutput {
	job, diags := getJobFor(ctx, client, in)
	if diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	if !gitlabclient.Cancelable(job.Status) {
		var warn diag.Diagnostics
		if job.Status == gitlabclient.StatusCanceling {
			warn.AddWarning(fmt.Sprintf("Job %d is already being canceled", job.ID),
				fmt.Sprintf("Job %d (%q) is canceling, so there is nothing more to cancel; no request was sent.", job.ID, job.Name))
		} else {
			warn.AddWarning(fmt.Sprintf("Job %d has already finished", job.ID),
				fmt.Sprintf("Job %d (%q) is %s, so there is nothing to cancel; no request was sent.", job.ID, job.Name, job.Status))
		}
		return jobActionOutput{Job: job, Diags: warn}
	}
	canceled, err := client.CancelJob(ctx, in.Project.String(), in.JobID)
	if err != nil {
		return jobActionOutput{Diags: actionError("cancel", in.Project, in.JobID, err)}
	}
	if canceled.Status != gitlabclient.StatusCanceled && canceled.Status != gitlabclient.StatusCanceling && gitlabclient.Finished(canceled.Status) {
		// It finished on its own before GitLab applied the cancel: GitLab
		// leaves a finished job as it is.
		var warn diag.Diagnostics
		warn.AddWarning(fmt.Sprintf("Job %d finished before it could be canceled", canceled.ID),
			fmt.Sprintf("Job %d (%q) ended %s before GitLab applied the cancel, so it was not canceled.", canceled.ID, canceled.Name, canceled.Status))
		return jobActionOutput{Job: canceled, Diags: warn}
	}
	tflog.Info(ctx, fmt.Sprintf("canceled job %d: it is %s", canceled.ID, canceled.Status), map[string]any{"job_id": canceled.ID, "status": canceled.Status})
	in.FailOnJobFailure = false
	return finishAction(ctx, client, poll, in, "cancel", canceled)
}

// eraseJob erases a finished job's log and artifacts. An erased job is left
// alone (no request), and so is a finished job with nothing left to erase.
func eraseJob(ctx context.Context, client *gitlabclient.Client, in jobActionInput) jobActionOutput {
	job, diags := getJobFor(ctx, client, in)
	if diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	if job.ErasedAt != nil {
		tflog.Info(ctx, fmt.Sprintf("job %d was already erased; nothing to do", job.ID))
		return jobActionOutput{Job: job}
	}
	if diags := checkErasable(job); diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	erased, err := client.EraseJob(ctx, in.Project.String(), in.JobID)
	if err != nil {
		if gitlabclient.NotErasable(err) {
			// Ci::Build#erasable? is false for a finished job without a log
			// or artifacts: there is nothing to erase, which is what was
			// asked — but only when the job shows that nothing is left.
			now, nothing, rerr := client.NothingToErase(ctx, in.Project.String(), in.JobID)
			if rerr == nil && nothing {
				var warn diag.Diagnostics
				warn.AddWarning(fmt.Sprintf("Job %d has nothing to erase", job.ID),
					fmt.Sprintf("GitLab refused to erase job %d (%s): it has no log and no artifacts left, so nothing of it "+
						"is left to remove.", job.ID, err))
				return jobActionOutput{Job: now, Diags: warn}
			}
			if rerr != nil {
				tflog.Warn(ctx, fmt.Sprintf("erase of job %d refused; could not check whether anything is left to erase", job.ID),
					map[string]any{"error": rerr.Error()})
			}
		}
		return jobActionOutput{Diags: actionError("erase", in.Project, in.JobID, err)}
	}
	tflog.Info(ctx, fmt.Sprintf("erased job %d", erased.ID), map[string]any{"job_id": erased.ID})
	return jobActionOutput{Job: erased}
}
