package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// NewJobArtifactsKeepAction returns the gitlabjobs_job_artifacts_keep action
// (common_artifacts_action.go): the gitlabjobs_job_artifacts_keep resource's
// second front door, running the same operation (keepArtifacts,
// common_artifacts.go), with the same check of the job at plan
// (checkKeepable).
func NewJobArtifactsKeepAction() action.Action {
	return newArtifactsAction("job_artifacts_keep", artifactsAction{
		description: "Keeps a job's artifacts: they no longer expire (GitLab clears `artifacts_expire_at`). " +
			"Artifacts that already never expire are left alone without a request. A job without artifacts (not " +
			"finished, none uploaded, deleted, erased) or whose artifacts have expired fails the plan when that is " +
			"known then. A keep whose answer was lost is never sent blindly again: the job is re-read first. Keeping " +
			"needs at least the Developer role and a token with the `api` scope. Requires Terraform 1.14 or later; " +
			"with older Terraform or OpenTofu use the `gitlabjobs_job_artifacts_keep` resource.\n\n" +
			"Upstream API: [Keep artifacts](https://docs.gitlab.com/api/job_artifacts/#keep-artifacts).",
		jobIDDesc: "The job whose artifacts to keep.",
		check:     checkKeepable,
		op:        keepArtifacts,
		summary: func(j *gitlabclient.Job) string {
			return fmt.Sprintf("job %d: artifacts kept (they no longer expire), %s", j.ID, j.WebURL)
		},
	})
}
