package provider

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Diagnostics shared by several resources, data sources and actions: a
// failed read or list of jobs, an action GitLab refused, a job in the wrong
// status, a wait that did not end, a job that failed. Each names what was
// asked, what GitLab answered and the fix.

// statusError explains why a job's status does not allow an action, naming
// the status and what to do.
func statusError(action string, j *gitlabclient.Job, fix string) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddAttributeError(path.Root("job_id"), fmt.Sprintf("Job cannot be %s", action),
		fmt.Sprintf("Job %d (%q) is %s. %s", j.ID, j.Name, j.Status, fix))
	return diags
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
	case gitlabclient.InsufficientScope(err):
		diags.AddError(fmt.Sprintf("The provider's token may not %s jobs", action),
			fmt.Sprintf("GitLab refused the %s of job %d of project %q: %s. %s", action, jobID, project.String(), err, refusalHint(action, err)))
	case gitlabclient.Forbidden(err):
		diags.AddAttributeError(path.Root("job_id"), fmt.Sprintf("Not allowed to %s job %d", action, jobID),
			fmt.Sprintf("GitLab refused the %s of job %d of project %q: %s. %s", action, jobID, project.String(), err, refusalHint(action, err)))
	case status == 400 || status == 403 || status == 409:
		diags.AddAttributeError(path.Root("job_id"), fmt.Sprintf("GitLab refused the %s of job %d", action, jobID),
			fmt.Sprintf("%s. %s", err, refusalHint(action, err)))
	case status == 401:
		diags.AddError("GitLab rejected the provider's credentials",
			fmt.Sprintf("The %s of job %d failed: %s. %s", action, jobID, err, refusalHint(action, err)))
	default:
		diags.AddError(fmt.Sprintf("Could not %s job %d", action, jobID),
			fmt.Sprintf("The %s of job %d of project %q failed: %s", action, jobID, project.String(), err))
	}
	return diags
}

// actionRights names, per action, what GitLab's policies require (Ci::BuildPolicy,
// Ci::ProcessablePolicy and lib/api/ci/jobs.rb): the role, and the protected
// branch or environment rules on top.
var actionRights = map[string]string{
	"play": "Playing a job needs at least the Developer role in the project (GitLab's play_job permission) and, for a " +
		"job of a protected branch or tag, the right to push or merge to it; a job that deploys to a protected " +
		"environment also needs access to that environment.",
	"retry": "Retrying a job needs at least the Developer role in the project (GitLab's retry_job permission) and, for " +
		"a job of a protected branch or tag, the right to push or merge to it.",
	"cancel": "Canceling a job needs at least the Developer role in the project (GitLab's cancel_build permission) and, " +
		"for a job of a protected branch or tag, the right to push or merge to it.",
	"force-cancel": "Force-canceling a job (`force = true`) needs the Maintainer role in the project (GitLab's " +
		"maintainer_access on the job; the Developer role may cancel a job but not force-cancel it). Give the token's " +
		"user the Maintainer role, or set `force = false` and let the job's runner finish canceling it.",
	"erase": "Erasing a job needs the Maintainer role in the project, or the Developer role for a job the token's user " +
		"started (or last played or retried) on an unprotected branch (GitLab's erase_build permission).",
}

// refusalHint explains GitLab's refusal of an action: which right or token is
// missing, or why the job's state does not allow it.
func refusalHint(action string, err error) string {
	status := gitlabclient.StatusCode(err)
	switch {
	case gitlabclient.InsufficientScope(err):
		return "The provider's token lacks the api scope (a read_api or read-only token can read jobs but not act on " +
			"them). Use a personal, project or group access token with the api scope."
	case status == 401:
		return "The token is wrong, expired or revoked, or it is a CI job token, which GitLab does not accept for job " +
			"actions. Acting on jobs needs a personal, project or group access token (or an OAuth token) with the api scope."
	case gitlabclient.Forbidden(err):
		return actionRights[action] + " Check the role of the token's user (for a project or group access token, the " +
			"token's own role)."
	case gitlabclient.NotErasable(err):
		return "GitLab erases only a finished job that still has a log or artifacts; this one has not finished, or " +
			"what is left of it could not be checked. Check the job in GitLab."
	case gitlabclient.NotRetryable(err):
		return "GitLab retries only the newest run of a finished job (a job retried before is not retryable, nor an " +
			"archived job or one whose deployment was rejected)."
	case action == "play" && status == 400:
		return "GitLab plays only manual jobs (and re-runs finished manual jobs); this job is not one, or it is archived."
	case status == 409:
		return "GitLab is busy with the project (e.g. refreshing its artifact statistics); apply again in a minute."
	default:
		return actionRights[action]
	}
}

// waitError explains a wait that did not end with the job at its target.
func waitError(action string, jobID int64, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var timeout *waitTimeoutError
	if errors.As(err, &timeout) {
		diags.AddError(fmt.Sprintf("Timed out waiting for job %d", jobID),
			fmt.Sprintf("The %s was applied, but %s. The job keeps running in GitLab; the resource is saved (tainted) "+
				"with the job's ID, and the next apply goes on waiting for this job without acting again. Raise "+
				"timeouts.create, or %s.", action, timeout, waitSetting(action)))
		return diags
	}
	diags.AddError(fmt.Sprintf("Stopped waiting for job %d", jobID),
		fmt.Sprintf("The %s was applied, but waiting for the job failed: %s. The job keeps running in GitLab; the next "+
			"apply goes on waiting for it without acting again.", action, err))
	return diags
}

// jobFailure is the diagnostic for a job that finished without success.
// more, when not empty, is shown after the reason: the end of a job's log
// (failureLogTail, only when the provider's failure_log_lines asks), or for
// a trigger job (bridge, which has no log) its downstream pipeline
// (downstreamFailure).
func jobFailure(j *gitlabclient.Job, bridge bool, more string) diag.Diagnostics {
	var diags diag.Diagnostics
	if j.Status != gitlabclient.StatusFailed && j.Status != gitlabclient.StatusCanceled {
		return diags
	}
	reason := j.FailureReason
	if reason == "" {
		reason = "no reason given"
	}
	see := "See its log at"
	if bridge {
		see = "See it at"
	}
	detail := fmt.Sprintf("GitLab job %d ended %s (%s). %s %s. Set fail_on_job_failure = false to record the "+
		"outcome without failing the apply.", j.ID, j.Status, reason, see, j.WebURL)
	if more != "" {
		detail += "\n\n" + more
	}
	diags.AddError(fmt.Sprintf("Job %d (%s) %s", j.ID, j.Name, j.Status), detail)
	return diags
}

// notFoundKeptDetail explains a job action resource kept in the state
// although GitLab answered 404 for its job.
func notFoundKeptDetail(what string, p gitlabclient.Project, jobID int64, err error) string {
	return fmt.Sprintf("GitLab answered %q for job %d of project %q: the job or the project is gone, or the provider's "+
		"token may not see the project (GitLab answers 404 for both). The %s is kept in the state with the job's "+
		"last known attributes, so that the action it recorded is not applied again by a later apply. If the token "+
		"is the wrong one, use the right token and refresh again. If the job is really gone and this resource "+
		"should be forgotten, run `terraform state rm` (or `tofu state rm`) on it.",
		err.Error(), jobID, p.String(), strings.TrimPrefix(what, "resource "))
}

// listError explains a failed list request.
func listError(what string, project gitlabclient.Project, err error) (diags diag.Diagnostics) {
	switch {
	case gitlabclient.IsNotFound(err):
		diags.AddAttributeError(path.Root("project"), "GitLab project or pipeline not found",
			fmt.Sprintf("Listing %s of project %q failed: %s. Check project (and pipeline_id): the token must be able "+
				"to see the project; GitLab answers 404 for projects it cannot access.", what, project.String(), err))
	case gitlabclient.StatusCode(err) == 401:
		diags.AddError("GitLab rejected the provider's credentials",
			fmt.Sprintf("Listing %s of project %q failed: %s. Check the provider's token.", what, project.String(), err))
	case gitlabclient.StatusCode(err) == 403:
		diags.AddAttributeError(path.Root("project"), "Not allowed to list the jobs",
			fmt.Sprintf("Listing %s of project %q failed: %s. Reading jobs needs at least the Reporter role and a "+
				"token with the api or read_api scope.", what, project.String(), err))
	default:
		diags.AddError("Could not list GitLab jobs", fmt.Sprintf("Listing %s of project %q failed: %s", what, project.String(), err))
	}
	return diags
}

// jobReadError turns a failed job read into a diagnostic that says what to check.
func jobReadError(project gitlabclient.Project, jobID int64, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	switch {
	case gitlabclient.IsNotFound(err):
		diags.AddAttributeError(path.Root("job_id"), "GitLab job not found",
			fmt.Sprintf("Job %d was not found in project %q (%s). Check job_id and project: the job must belong to "+
				"that project, and the token must be able to see the project (GitLab answers 404 for projects "+
				"the token cannot access). GitLab's single-job read finds no trigger jobs (bridges): to play or retry "+
				"one, set pipeline_id of gitlabjobs_job_play or gitlabjobs_job_retry to its pipeline.", jobID, project.String(), err))
	case gitlabclient.StatusCode(err) == 401:
		diags.AddError("GitLab rejected the provider's credentials",
			fmt.Sprintf("Reading job %d of project %q failed: %s. Check the provider's token: it may be wrong, "+
				"expired or revoked. A CI job token is valid only while its job runs, and GitLab does not accept one for "+
				"a single job or its log (lib/api/ci/jobs.rb opens only GET /job, GET /job/allowed_agents and the job "+
				"lists to job tokens): use an access token with the read_api scope.", jobID, project.String(), err))
	case gitlabclient.StatusCode(err) == 403:
		diags.AddAttributeError(path.Root("project"), "Not allowed to read the job",
			fmt.Sprintf("GitLab refused to show job %d of project %q (%s). Reading jobs needs at least the "+
				"Reporter role in the project and a token with the api or read_api scope.", jobID, project.String(), err))
	default:
		diags.AddError("Could not read the GitLab job",
			fmt.Sprintf("Reading job %d of project %q failed: %s", jobID, project.String(), err))
	}
	return diags
}
