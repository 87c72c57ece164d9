# Keep the artifacts of the build a release ships, so they outlive
# artifacts:expire_in (GitLab clears artifacts_expire_at).
resource "gitlabjobs_job_artifacts_keep" "release_build" {
  project = "demo-group/platform/deploy-service"
  job_id  = 1011
}

output "release_build_artifacts_size" {
  value = gitlabjobs_job_artifacts_keep.release_build.artifacts_size
}
