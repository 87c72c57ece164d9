package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// NewJobArtifactsDeleteAction returns the gitlabjobs_job_artifacts_delete
// action (common_artifacts_action.go): the gitlabjobs_job_artifacts_delete
// resource's second front door, running the same operation (deleteArtifacts,
// common_artifacts.go). It has no check of the job at plan, only of the
// token: GitLab does not take a CI job token for DELETE .../artifacts.
func NewJobArtifactsDeleteAction() action.Action {
	return newArtifactsAction("job_artifacts_delete", artifactsAction{
		description: "Deletes a job's artifacts: the archive, its metadata and reports, but not the job's log " +
			"(`gitlabjobs_job_erase` removes both). A job with no artifacts left is left alone without a request, with a " +
			"warning. A delete whose answer was lost is never sent blindly again: the job is re-read first. Deleting " +
			"needs the Maintainer role and a token with the `api` scope. Requires Terraform 1.14 or later; with older " +
			"Terraform or OpenTofu use the `gitlabjobs_job_artifacts_delete` resource.\n\n" +
			"Upstream API: [Delete job artifacts](https://docs.gitlab.com/api/job_artifacts/#delete-job-artifacts).",
		jobIDDesc: "The job whose artifacts to delete.",
		op:        deleteArtifacts,
		summary: func(j *gitlabclient.Job) string {
			return fmt.Sprintf("job %d: artifacts deleted, %s", j.ID, j.WebURL)
		},
	})
}
