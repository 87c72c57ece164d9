# Terraform 1.14 and later. Housekeeping after a release: delete the
# artifacts of the previous release's build (its log stays). A job with no
# artifacts left is left alone.
#
# On demand:
#
#   terraform apply -invoke=action.gitlabjobs_job_artifacts_delete.previous_build
action "gitlabjobs_job_artifacts_delete" "previous_build" {
  config {
    project = "demo-group/platform/deploy-service"
    job_id  = 1001
  }
}

# Or as part of an apply: delete them once the next release is recorded.
resource "terraform_data" "next_release" {
  input = "v1.4.0"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.gitlabjobs_job_artifacts_delete.previous_build]
    }
  }
}
