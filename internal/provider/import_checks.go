package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Imports are checked against GitLab: an imported job action resource says
// "this action was applied", and a later apply never applies it again, so an
// import ID that contradicts what GitLab shows (a job that does not exist, a
// play of a job still waiting to be played, a "retry" that is another job)
// would hide an action that never happened. Each refusal names the import
// ID, what is wrong and the form expected.

const (
	importFormatJob   = "<project>:<job_id>"
	importFormatRetry = "<project>:<job_id>:<new_job_id>"
	// importFormatPlay is importFormatJob with the trigger job form
	// (trigger_jobs.go).
	importFormatPlay = "<project>:[<pipeline_id>:]<job_id>"
)

// bridgeImportNames are the job IDs of the import ID forms that have a
// trigger job form (trigger_jobs.go), by form.
var bridgeImportNames = map[string][]string{
	importFormatRetry: {"job_id", "new_job_id"},
	importFormatPlay:  {"job_id"},
}

// importError is the diagnostic of an import ID that GitLab contradicts.
func importError(id, format, problem, fix string) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddError("Import ID does not match GitLab",
		fmt.Sprintf("Import ID %q (%s): %s %s", id, format, problem, fix))
	return diags
}

// importedJob reads the job an import ID names, with an error naming the ID
// when GitLab does not show it. which names the ID's part ("job_id").
func importedJob(ctx context.Context, client *gitlabclient.Client, id, format, which string, project gitlabclient.Project, jobID int64) (*gitlabclient.Job, diag.Diagnostics) {
	job, err := client.GetJob(ctx, project.String(), jobID)
	switch {
	case gitlabclient.IsNotFound(err):
		fix := "Check the project and the job ID in GitLab (the job's page is <project URL>/-/jobs/<job_id>)."
		if names := bridgeImportNames[format]; names != nil {
			fix += fmt.Sprintf(" GitLab's single-job read finds no trigger jobs (bridges): import one through its pipeline, as %s.",
				bridgeImportFormat(names...))
		}
		return nil, importError(id, format, fmt.Sprintf("GitLab has no job %d (%s) in project %q (%s), or the token may not "+
			"see the project.", jobID, which, project.String(), err), fix)
	case err != nil:
		diags := jobReadError(project, jobID, err)
		diags.AddError("Could not check the import ID",
			fmt.Sprintf("Import ID %q: the provider could not read job %d to check it; nothing was imported. Try again "+
				"when GitLab answers.", id, jobID))
		return nil, diags
	}
	return job, nil
}

// checkPlayImport refuses a play import of a job that shows it was never
// played. GitLab's REST API does not say whether a job was a manual one (the
// job entity, lib/api/entities/ci/job_basic.rb, has no `when`): a queued,
// running or finished job is accepted.
func checkPlayImport(id string, j *gitlabclient.Job) diag.Diagnostics {
	var why string
	switch j.Status {
	case gitlabclient.StatusManual:
		why = "is a manual job waiting to be played: it was never played"
	case gitlabclient.StatusScheduled:
		why = "is a delayed job waiting for its time: it has not run yet"
	case gitlabclient.StatusCreated:
		why = "has not been queued yet (its pipeline has not reached it): it was never played"
	case gitlabclient.StatusSkipped:
		why = "was skipped: it never ran"
	default:
		return nil
	}
	return importError(id, importFormatJob, fmt.Sprintf("job %d (%q) %s.", j.ID, j.Name, why),
		"Import a job that was played (running or finished); to play this one, declare the resource without "+
			"importing it and apply.")
}

// checkCancelImport refuses a cancel import of a job that has not stopped.
func checkCancelImport(id string, j *gitlabclient.Job) diag.Diagnostics {
	if !gitlabclient.Cancelable(j.Status) {
		return nil // canceled, canceling, or finished otherwise (a cancel leaves those as they are)
	}
	return importError(id, importFormatJob, fmt.Sprintf("job %d (%q) is %s: it has not been canceled.", j.ID, j.Name, j.Status),
		"Import a canceled (or finished) job; to cancel this one, declare the resource without importing it and apply.")
}

// checkEraseImport refuses an erase import of a job that could not have
// been erased: not erased, and not finished.
func checkEraseImport(id string, j *gitlabclient.Job) diag.Diagnostics {
	if j.ErasedAt != nil || gitlabclient.Finished(j.Status) {
		return nil
	}
	return importError(id, importFormatJob, fmt.Sprintf("job %d (%q) is %s and was not erased (erased_at is null).", j.ID, j.Name, j.Status),
		"Import an erased (or finished) job; to erase this one once it has finished, declare the resource without "+
			"importing it and apply.")
}

// checkRetryImport checks that newJob is the job GitLab created by retrying
// job: another job, of the same pipeline and name, created later, and the
// run that comes right after job among the pipeline's runs of that name
// (retried included), so that job was retried. runs is the pipeline's jobs
// with the retried ones (include_retried).
func checkRetryImport(id string, job, newJob *gitlabclient.Job, runs []*gitlabclient.Job) diag.Diagnostics {
	fail := func(problem string) diag.Diagnostics {
		return importError(id, importFormatRetry, problem, fmt.Sprintf("new_job_id is the job GitLab created when job %d "+
			"was retried: the next job named %q in its pipeline (list the pipeline's jobs with include_retried, e.g. "+
			"data source gitlabjobs_pipeline_jobs; a trigger job's runs are on its pipeline's page in GitLab).", job.ID, job.Name))
	}
	switch {
	case newJob.ID == job.ID:
		return fail(fmt.Sprintf("new_job_id is job_id (%d): a retry creates a new job.", job.ID))
	case pipelineID(newJob) != pipelineID(job):
		return fail(fmt.Sprintf("job %d is in pipeline %d, but job %d is in pipeline %d: a retry stays in its pipeline.",
			newJob.ID, pipelineID(newJob), job.ID, pipelineID(job)))
	case newJob.Name != job.Name:
		return fail(fmt.Sprintf("job %d is %q, but job %d is %q: a retry has the retried job's name.", newJob.ID, newJob.Name, job.ID, job.Name))
	case newJob.ID < job.ID:
		return fail(fmt.Sprintf("job %d is older than job %d: a retry is created after the job it retries (swap the two IDs?).",
			newJob.ID, job.ID))
	}
	var ids []int64
	for _, r := range runs {
		if r.Name == job.Name {
			ids = append(ids, r.ID)
		}
	}
	slices.Sort(ids)
	// Both listed and newJob newer: job is not the latest run, so it was
	// retried, and its retry is the next run.
	i := slices.Index(ids, job.ID)
	switch {
	case i < 0 || !slices.Contains(ids, newJob.ID):
		return fail(fmt.Sprintf("pipeline %d does not list jobs %d and %d among its runs of %q.", pipelineID(job), job.ID, newJob.ID, job.Name))
	case ids[i+1] != newJob.ID:
		return fail(fmt.Sprintf("job %d is not the retry of job %d: its retry is job %d.", newJob.ID, job.ID, ids[i+1]))
	}
	return nil
}

func pipelineID(j *gitlabclient.Job) int64 {
	if j.Pipeline == nil {
		return 0
	}
	return j.Pipeline.ID
}
