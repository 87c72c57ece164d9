# Housekeeping after a release: delete the artifacts of the previous
# release's build (its log stays; gitlabjobs_job_erase removes both).
resource "gitlabjobs_job_artifacts_delete" "previous_build" {
  project = "demo-group/platform/deploy-service"
  job_id  = 1001
}

output "previous_build_artifacts_size" {
  value = gitlabjobs_job_artifacts_delete.previous_build.artifacts_size # null once deleted
}
