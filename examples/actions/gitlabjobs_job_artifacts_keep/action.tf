# Terraform 1.14 and later. Keep the artifacts of the build a release ships,
# so they outlive artifacts:expire_in. Artifacts that already never expire
# are left alone.
#
# On demand:
#
#   terraform apply -invoke=action.gitlabjobs_job_artifacts_keep.release_build
action "gitlabjobs_job_artifacts_keep" "release_build" {
  config {
    project = "demo-group/platform/deploy-service"
    job_id  = 1011
  }
}

# Or as part of an apply: keep them once the release is recorded.
resource "terraform_data" "release" {
  input = "v1.4.0"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.gitlabjobs_job_artifacts_keep.release_build]
    }
  }
}
