# The release gate: production requires one approval from the release
# manager. The release bot ran the tag's pipeline; its deploy job waits for
# approval. Configure this provider with the approver's token (the release
# manager's, e.g. GITLAB_TOKEN), not the deployer's: GitLab refuses a
# deployer's approval of their own deployment unless the project allows it.
# With both in one configuration, give the approver a second, aliased
# provider (provider = gitlabjobs.release_manager).
resource "gitlabjobs_deployment_approval" "production" {
  project = "demo-group/platform/deploy-service"
  job_id  = 1018 # the deploy job waiting for approval, e.g. from gitlabjobs_pipeline_job
  comment = "Release v1.4.0 approved"
}

output "approval" {
  value = {
    deployment_id = gitlabjobs_deployment_approval.production.deployment_id
    approver      = gitlabjobs_deployment_approval.production.approver
    still_pending = gitlabjobs_deployment_approval.production.pending_approval_count
  }
}
