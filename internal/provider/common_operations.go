package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The four job actions, one function each: check the job's status, act once
// (the client never sends an action twice), wait as asked. Resources and
// Terraform actions both call these.
//
// The rule: an action GitLab applied is never applied again for the same
// intent, whatever happens to the apply (a wait that timed out, a failed
// job, Ctrl-C, a provider killed after the request, a lost answer).
// Forgetting an applied action is always safer than repeating it.
//
// Within one request the client keeps it (a lost answer is re-read, never
// re-sent blindly). Across applies, Terraform gives a create no memory: a
// resource whose create failed is saved tainted and planned as a new create
// with no prior state and no private state, and a create whose state was
// never saved is simply new. So a resource acts only in two cases:
//   - the plan replaced it because the user changed `triggers` (or a play's
//     `variables`): its ModifyPlan puts the actAgain marker in the planned
//     private state — the user asked to act again. The marker reaches the
//     create half of the replacement in the plan, but Terraform (1.11) and
//     OpenTofu re-plan that half at apply without it; the delete half does
//     get it, and runs first (in the same provider process), so Delete
//     keeps it in memory for the Create that follows (act_again.go);
//   - otherwise (new, tainted, or an earlier create that saved nothing) it
//     looks at the job first (lookFirst) and sends nothing for a job that
//     was already acted on. A retry adopts the job's newest run (a newer run
//     of the same name in the pipeline proves a retry): it records it, waits
//     for it as wait_for asks, and warns. A play adopts the run when this
//     resource recorded it (a tainted resource: its Read at plan and its
//     Delete at apply note the recorded job, noteRecorded); a job that is no
//     longer waiting to be played without such a record is refused, naming
//     import: GitLab's job API cannot tell a played manual job from a job
//     that never was one, and adopting the latter would report a play that
//     did not happen. A play whose outcome is unknown (answer lost) saves the
//     job it sent to, tainted, so that the next apply has the record.
// When the marker cannot arrive (create_before_destroy, which creates before
// it deletes; project or job_id unknown until apply), the resource looks
// first: a retry adopts, a play refuses; neither risks acting twice.
// Adopting still fails the apply when the wait times out or the job failed,
// so that the resources depending on it stop. Cancel and erase send nothing
// for a job already canceled (or canceling) or erased.

// The intents for which this provider instance saw a recorded run: the
// state of a play resource read at plan (refresh) or deleted at apply (the
// delete half of a tainted resource's replacement).
var recordedStash = struct {
	sync.Mutex
	m map[*providerData]map[string]bool
}{m: map[*providerData]map[string]bool{}}

// noteRecorded notes that a resource's state records a run for intent.
func noteRecorded(data *providerData, intent string) {
	if intent == "" {
		return
	}
	recordedStash.Lock()
	defer recordedStash.Unlock()
	if recordedStash.m[data] == nil {
		recordedStash.m[data] = map[string]bool{}
	}
	recordedStash.m[data][intent] = true
}

// hasRecorded reports whether a state seen by this provider instance
// records a run for intent.
func hasRecorded(data *providerData, intent string) bool {
	recordedStash.Lock()
	defer recordedStash.Unlock()
	return intent != "" && recordedStash.m[data][intent]
}

// decision is what an action does with a job, given its status and whether
// the user asked to act again.
type decision int

const (
	decideAct    decision = iota // send the action
	decideAdopt                  // record the job's run; send nothing
	decideRefuse                 // the job's status does not allow the action
)

func (d decision) String() string {
	return [...]string{"act", "adopt", "refuse"}[d]
}

// playedStatuses are the statuses a manual job can have once played: it is
// no longer waiting, so it was played.
var playedStatuses = map[string]bool{gitlabclient.StatusWaitingForResource: true, gitlabclient.StatusPreparing: true,
	gitlabclient.StatusPending: true, gitlabclient.StatusRunning: true, gitlabclient.StatusSuccess: true,
	gitlabclient.StatusFailed: true, gitlabclient.StatusCanceled: true, gitlabclient.StatusCanceling: true}

// decidePlay decides a play of job, whose newest run in its pipeline is
// latest (job itself when it was not run again), and the job it concerns.
// lookFirst is set unless the user asked to play again; recorded when this
// resource's state recorded a run of job (a tainted resource).
func decidePlay(job, latest *gitlabclient.Job, lookFirst, recorded bool) (decision, *gitlabclient.Job) {
	switch {
	case waitingToPlay(job):
		return decideAct, job
	case lookFirst && recorded && playedStatuses[job.Status]:
		if waitingToPlay(latest) { // run again by hand and waiting: the run that happened is job's
			return decideAdopt, job
		}
		return decideAdopt, latest
	case lookFirst:
		return decideRefuse, job
	case gitlabclient.Playable(latest.Status):
		return decideAct, latest
	default:
		return decideRefuse, latest
	}
}

// decideRetry decides a retry of job, whose newest run is latest, and the
// job it concerns.
func decideRetry(job, latest *gitlabclient.Job, lookFirst bool) (decision, *gitlabclient.Job) {
	switch {
	case lookFirst && latest.ID != job.ID:
		return decideAdopt, latest
	case gitlabclient.Retryable(latest.Status):
		return decideAct, latest
	default:
		return decideRefuse, latest
	}
}

// resolvePlay reads what decidePlay needs of job (its newest run, when it
// is not waiting to be played) and decides.
func resolvePlay(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job) (decision, *gitlabclient.Job, diag.Diagnostics) {
	latest := job
	if !waitingToPlay(job) {
		var diags diag.Diagnostics
		if latest, diags = latestRun(ctx, client, in, job); diags.HasError() {
			return decideRefuse, nil, diags
		}
	}
	d, target := decidePlay(job, latest, in.LookFirst, in.Recorded)
	return d, target, nil
}

// resolveRetry reads job's newest run and decides.
func resolveRetry(ctx context.Context, client *gitlabclient.Client, in jobActionInput, job *gitlabclient.Job) (decision, *gitlabclient.Job, diag.Diagnostics) {
	latest, diags := latestRun(ctx, client, in, job)
	if diags.HasError() {
		return decideRefuse, nil, diags
	}
	d, target := decideRetry(job, latest, in.LookFirst)
	return d, target, nil
}

// adoptedPlay is the warning of a play that found its job already played.
func adoptedPlay(in jobActionInput, job, run *gitlabclient.Job, atPlan bool) diag.Diagnostics {
	var diags diag.Diagnostics
	which := "its run"
	if run.ID != job.ID {
		which = fmt.Sprintf("its newest run, job %d (%s)", run.ID, run.Status)
	}
	verb := "This resource records"
	if atPlan {
		verb = "The apply records"
	}
	detail := fmt.Sprintf("Job %d (%q) is %s, no longer waiting to be played: this resource played it in an earlier "+
		"apply that failed, timed out or was interrupted (the resource is tainted). It is not played again: an "+
		"action GitLab applied is never applied twice for the same intent. %s %s and waits for it as wait_for "+
		"asks; a failed job or a wait that times out still fails the apply. To play the job again, change "+
		"triggers; to play another job, point job_id at it.",
		job.ID, job.Name, job.Status, verb, which)
	if len(in.Variables) > 0 || len(in.Inputs) > 0 {
		detail += " The variables given here were not sent (nor the inputs): that run has those it was played with."
	}
	diags.AddAttributeWarning(path.Root("job_id"), fmt.Sprintf("Job %d was already played: not playing it again", job.ID), detail)
	return diags
}

// adoptedRetry is the warning of a retry that found its job already retried.
func adoptedRetry(job, run *gitlabclient.Job, atPlan bool) diag.Diagnostics {
	var diags diag.Diagnostics
	verb := "This resource records"
	if atPlan {
		verb = "The apply records"
	}
	diags.AddAttributeWarning(path.Root("job_id"), fmt.Sprintf("Job %d was already retried: not retrying it again", job.ID),
		fmt.Sprintf("Job %d (%q) has a newer run, job %d (%s): it was retried before, by an earlier apply of this "+
			"resource that failed, timed out or was interrupted, or outside Terraform (e.g. GitLab's automatic retry). "+
			"It is not retried again: an action GitLab applied is never applied twice for the same intent. %s job %d "+
			"as the retry and waits for it as wait_for asks. To retry again, change triggers.",
			job.ID, job.Name, run.ID, run.Status, verb, run.ID))
	return diags
}

// refusedPlay and refusedRetry explain a job whose status does not allow
// the action.
func refusedPlay(in jobActionInput, job *gitlabclient.Job) diag.Diagnostics {
	if in.LookFirst && playedStatuses[job.Status] {
		var diags diag.Diagnostics
		diags.AddAttributeError(path.Root("job_id"), "Job cannot be played: it is not waiting to be played",
			fmt.Sprintf("Job %d (%q) is %s, not waiting to be played (manual or scheduled), and this resource has no "+
				"record of playing it, so it is not played: an action GitLab applied is never applied twice for the "+
				"same intent. If an earlier apply played it and its state was lost (the provider was killed, or the "+
				"resource was removed from the state), import that run: terraform import (or tofu import) "+
				"<resource address> %s; to play it again afterwards, change triggers. If job_id is not a "+
				"manual job, point it at the manual job.", job.ID, job.Name, job.Status, formatID(in.Project.String(), job.ID)))
		return diags
	}
	if d := checkPlayable(job); d.HasError() {
		return d
	}
	return statusError("played", job, "A job that is neither waiting to be played (manual or scheduled) nor was "+
		"played before cannot be played. Point job_id at the manual job.")
}

func refusedRetry(job *gitlabclient.Job) diag.Diagnostics { return checkRetryable(job) }

// playJob plays a manual job. A finished manual job runs again as a new job
// (GitLab answers with the old one, so the new run is looked up); a job
// played again before is played again through its latest run. With
// in.LookFirst, a job played before is adopted instead.
func playJob(ctx context.Context, client *gitlabclient.Client, poll poller, in jobActionInput) jobActionOutput {
	first, diags := getJobFor(ctx, client, in)
	if diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	if in.VariablesChanged && !waitingToPlay(first) {
		return jobActionOutput{Diags: variablesChangeError(first, "variables")}
	}
	if in.InputsChanged && !waitingToPlay(first) {
		return jobActionOutput{Diags: variablesChangeError(first, "inputs")}
	}
	d, job, diags := resolvePlay(ctx, client, in, first)
	switch {
	case diags.HasError():
		return jobActionOutput{Diags: diags}
	case d == decideRefuse:
		return jobActionOutput{Diags: refusedPlay(in, job)}
	case d == decideAdopt:
		tflog.Info(ctx, fmt.Sprintf("job %d was played before: recording job %d (%s), not playing again", first.ID, job.ID, job.Status),
			map[string]any{"job_id": first.ID, "played_job_id": job.ID, "status": job.Status})
		out := finishAction(ctx, client, poll, in, "play", job)
		out.Diags = append(adoptedPlay(in, first, job, false), out.Diags...)
		return out
	}
	rerun := !waitingToPlay(job)
	played, err := client.PlayJob(ctx, in.Project.String(), job.ID, in.Variables, gitlabclient.Seen(job), gitlabclient.JobInputs(in.Inputs))
	var unknown *gitlabclient.UnknownOutcomeError
	if errors.As(err, &unknown) {
		// The play may have happened: keep the job (as read before), so that
		// the resource is saved tainted and the next apply has a record of it.
		return jobActionOutput{Job: job, Diags: actionError("play", in.Project, job.ID, err)}
	}
	if err != nil {
		// Refused (GitLab's 4xx, never sent again) or never sent: nothing was
		// played, and nothing is recorded.
		return jobActionOutput{Diags: playRefusal(ctx, client, in, job, err)}
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
		map[string]any{"job_id": job.ID, "played_job_id": played.ID, "status": played.Status, "variables": len(in.Variables), "inputs": len(in.Inputs)})
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
// newest run. The pipeline's job list holds only the newest runs; a trigger
// job's (read through pipeline_id, trigger_jobs.go) are in its trigger job
// list, and the newest one is tracked to be read there too.
func latestRun(ctx context.Context, client *gitlabclient.Client, in jobActionInput, j *gitlabclient.Job) (*gitlabclient.Job, diag.Diagnostics) {
	if j.Pipeline == nil {
		return j, nil
	}
	jobs, err := client.ListRunsOf(ctx, in.Project.String(), j, false)
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
		tflog.Info(ctx, fmt.Sprintf("job %d was run again before; its newest run is job %d (%s)", j.ID, latest.ID, latest.Status),
			map[string]any{"job_id": j.ID, "latest_job_id": latest.ID})
		if client.IsBridge(j.ID) {
			client.TrackBridge(latest.ID, j.Pipeline.ID)
		}
	}
	return latest, nil
}

// retryJob retries a finished job, or the newest run of a job retried
// before: GitLab creates a new job. With in.LookFirst, a job retried before
// is not retried again: its newest run is adopted.
func retryJob(ctx context.Context, client *gitlabclient.Client, poll poller, in jobActionInput) jobActionOutput {
	first, diags := getJobFor(ctx, client, in)
	if diags.HasError() {
		return jobActionOutput{Diags: diags}
	}
	d, job, diags := resolveRetry(ctx, client, in, first)
	switch {
	case diags.HasError():
		return jobActionOutput{Diags: diags}
	case d == decideRefuse:
		return jobActionOutput{Diags: refusedRetry(job)}
	case d == decideAdopt:
		tflog.Info(ctx, fmt.Sprintf("job %d was retried before: recording job %d (%s), not retrying again", first.ID, job.ID, job.Status),
			map[string]any{"job_id": first.ID, "new_job_id": job.ID, "status": job.Status})
		out := finishAction(ctx, client, poll, in, "retry", job)
		out.Diags = append(adoptedRetry(first, job, false), out.Diags...)
		return out
	}
	retried, err := client.RetryJob(ctx, in.Project.String(), job.ID)
	if err != nil {
		return jobActionOutput{Diags: guardedActionError(ctx, client, "retry", in.Project, job, err)}
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
	in.FailOnJobFailure = false
	if job.Status == gitlabclient.StatusCanceling {
		if in.Force {
			return forceCancelJob(ctx, client, poll, in, job, false)
		}
		// Canceled before (by an earlier apply that did not save its outcome,
		// or outside Terraform) and still stopping: nothing to send.
		tflog.Info(ctx, fmt.Sprintf("job %d is already canceling; waiting for it without a request", job.ID))
		return finishAction(ctx, client, poll, in, "cancel", job)
	}
	if !gitlabclient.Cancelable(job.Status) {
		// Not canceling: a canceling job returned above.
		var warn diag.Diagnostics
		warn.AddWarning(fmt.Sprintf("Job %d has already finished", job.ID),
			fmt.Sprintf("Job %d (%q) is %s, so there is nothing to cancel; no request was sent.", job.ID, job.Name, job.Status))
		return jobActionOutput{Job: job, Diags: warn}
	}
	canceled, err := client.CancelJob(ctx, in.Project.String(), in.JobID)
	if err != nil {
		return jobActionOutput{Diags: guardedActionError(ctx, client, "cancel", in.Project, job, err)}
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
	if in.Force && canceled.Status == gitlabclient.StatusCanceling {
		return forceCancelJob(ctx, client, poll, in, canceled, true)
	}
	return finishAction(ctx, client, poll, in, "cancel", canceled)
}

// forceCancelJob ends a canceling job at once (force = true: GitLab's
// force_cancel, for the Maintainer role) instead of waiting for its runner.
// It is sent only to a job that is canceling, so it too happens once: a job
// it ended is canceled, and a canceled job is left alone. justCanceled says
// that this run's cancel put the job in canceling: a refused force-cancel
// then says so, as that cancel was applied.
func forceCancelJob(ctx context.Context, client *gitlabclient.Client, poll poller, in jobActionInput, job *gitlabclient.Job, justCanceled bool) jobActionOutput {
	done, err := client.ForceCancelJob(ctx, in.Project.String(), job.ID)
	if err != nil {
		diags := actionError("force-cancel", in.Project, in.JobID, err)
		if justCanceled {
			diags.AddWarning(fmt.Sprintf("Job %d was canceled but is still canceling", job.ID),
				fmt.Sprintf("GitLab applied the cancel of job %d (%q), which is canceling while its runner winds it down; "+
					"only the force-cancel that would end it at once failed.", job.ID, job.Name))
		}
		return jobActionOutput{Diags: diags}
	}
	tflog.Info(ctx, fmt.Sprintf("force-canceled job %d: it is %s", done.ID, done.Status), map[string]any{"job_id": done.ID, "status": done.Status})
	return finishAction(ctx, client, poll, in, "cancel", done)
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
		return jobActionOutput{Diags: guardedActionError(ctx, client, "erase", in.Project, job, err)}
	}
	tflog.Info(ctx, fmt.Sprintf("erased job %d", erased.ID), map[string]any{"job_id": erased.ID})
	return jobActionOutput{Job: erased}
}

// checkPlayable, checkRetryable and checkErasable are the checks made
// before an action, at plan time where possible and again at apply.
func checkPlayable(j *gitlabclient.Job) diag.Diagnostics {
	if gitlabclient.Playable(j.Status) {
		return nil
	}
	return statusError("played", j, "Only a manual job (status manual), a scheduled job, or a finished manual job "+
		"(run again as a new job) can be played. Point job_id at the manual job, or wait until this one has finished.")
}

func checkRetryable(j *gitlabclient.Job) diag.Diagnostics {
	if gitlabclient.Retryable(j.Status) {
		return nil
	}
	return statusError("retried", j, "Only a finished job (success, failed or canceled) can be retried. "+
		"Wait until it has finished, or cancel it first (gitlabjobs_job_cancel).")
}

func checkErasable(j *gitlabclient.Job) diag.Diagnostics {
	if j.ErasedAt != nil || gitlabclient.Erasable(j.Status) {
		return nil
	}
	return statusError("erased", j, "Only a finished job can be erased. Wait until it has finished, or cancel it first "+
		"(gitlabjobs_job_cancel).")
}

// waitForJob polls a job until it reaches target. On a timeout it returns
// the last job seen with the error, so the caller can keep it in state.
func waitForJob(ctx context.Context, client *gitlabclient.Client, poll poller, project gitlabclient.Project, jobID int64, target string) (*gitlabclient.Job, error) {
	poll.waiting = func(ctx context.Context, j *gitlabclient.Job) string { return resourceWait(ctx, client, project, j) } // guard_diagnostics.go
	if poll.streamLog {
		poll.onPoll = newLogStreamer(client, project, poll).onPoll // job_log_stream.go
	}
	return poll.wait(ctx, jobID, target, func(ctx context.Context) (*gitlabclient.Job, error) {
		return client.GetJob(ctx, project.String(), jobID)
	})
}

// failureLogBytes caps the log tail a failure diagnostic shows.
const failureLogBytes = 8192

// logNoise are the ANSI escapes and GitLab's collapsible section markers
// (section_start:<time>:<name>[<options>]\r) of a job log.
var logNoise = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]|section_(?:start|end):[0-9]+:[^\r\n]*\r`)

// failureLogTail is the last lines of a failed job's log (GET
// /projects/:id/jobs/:job_id/trace), headed by a note that it may be
// sensitive, for its failure diagnostic; "" when lines is 0 (the default:
// logs can hold secrets) or the job did not fail. The log itself is never
// written to the provider's log.
func failureLogTail(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, j *gitlabclient.Job, lines int) string {
	if lines <= 0 || (j.Status != gitlabclient.StatusFailed && j.Status != gitlabclient.StatusCanceled) {
		return ""
	}
	log, err := client.GetJobTrace(ctx, project.String(), j.ID)
	if err != nil {
		tflog.Warn(ctx, "could not read the failed job's log for its diagnostic", map[string]any{"job_id": j.ID, "error": err.Error()})
		return fmt.Sprintf("(The last lines of its log could not be read: %s.)", err)
	}
	clean := logNoise.ReplaceAll(log, nil)
	tail, _ := tailLog(clean, lines, failureLogBytes)
	text := strings.TrimRight(strings.ReplaceAll(string(tail), "\r\n", "\n"), "\n")
	tflog.Debug(ctx, "read the failed job's log for its diagnostic", map[string]any{"job_id": j.ID, "size": len(log), "kept": len(tail)})
	if text == "" {
		return "(Its log is empty.)"
	}
	return fmt.Sprintf("The last lines of its log (failure_log_lines = %d; a log may hold secrets, and this diagnostic "+
		"shows wherever Terraform's output goes):\n\n%s", lines, text)
}

// downstreamFailure tells where a failed trigger job's failure is, for its
// diagnostic: a trigger job has no log of its own (GitLab's trace route
// finds builds only), so it names the downstream pipeline it triggered and
// that pipeline's failed jobs (names and reasons, never their logs).
func downstreamFailure(ctx context.Context, client *gitlabclient.Client, j *gitlabclient.Job) string {
	d := client.BridgeDownstream(j.ID)
	if d == nil {
		return "A trigger job has no log of its own, and this one triggered no downstream pipeline."
	}
	text := fmt.Sprintf("A trigger job has no log of its own: its downstream pipeline %d (project %d) is %s", d.ID, d.ProjectID, d.Status)
	if p, err := gitlabclient.ParseProject(strconv.FormatInt(d.ProjectID, 10)); err == nil && d.ProjectID > 0 {
		text += failedJobs(ctx, client, p, d.ID)
	}
	if d.WebURL != "" {
		text += ". See " + d.WebURL
	}
	return text + "."
}

// jobActionInput is one job action's request, whichever front door (a
// resource or a Terraform action) it came through.
type jobActionInput struct {
	Project          gitlabclient.Project
	JobID            int64
	Variables        []gitlabclient.Variable // play only
	Inputs           map[string]any          // play only: job_inputs (common_inputs.go)
	WaitFor          string                  // none, started or finished
	FailOnJobFailure bool
	// LookFirst is set by a resource whose plan did not carry the actAgain
	// marker (new, tainted, or never saved): a job that was already played
	// or retried is adopted, not acted on again (common_operations.go). A
	// Terraform action, invoked on purpose, always acts.
	LookFirst bool
	// Recorded is set when this resource's state recorded a run of the job
	// (a tainted play resource): a played job is adopted, not refused.
	Recorded bool
	// VariablesChanged is set when the user changed a play's variables: a
	// job no longer waiting to be played is refused (GitLab would run it
	// again with its old variables).
	VariablesChanged bool
	// InputsChanged is the same for a play's inputs.
	InputsChanged bool
	// Force (cancel only) ends a canceling job at once with GitLab's
	// force-cancel instead of waiting for its runner.
	Force bool
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
	for _, v := range in.Variables {
		poll.masks = append(poll.masks, v.Value) // sensitive: never streamed (job_log_stream.go)
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
		if client.IsBridge(last.ID) {
			return jobActionOutput{Job: last, Diags: jobFailure(last, true, downstreamFailure(ctx, client, last))}
		}
		return jobActionOutput{Job: last, Diags: jobFailure(last, false, failureLogTail(ctx, client, in.Project, last, poll.failureLogLines))}
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
