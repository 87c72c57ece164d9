# Terraform 1.14 and later. Housekeeping after a release: erase the log and
# artifacts of the previous release's build job (the job itself stays, with
# erased_at set). A job that is already erased is left alone.
#
# On demand:
#
#   terraform apply -invoke=action.gitlabjobs_job_erase.previous_build
action "gitlabjobs_job_erase" "previous_build" {
  config {
    project = "demo-group/platform/deploy-service"
    job_id  = 1001
  }
}

# Or as part of an apply: erase it once the next release is recorded.
resource "terraform_data" "next_release" {
  input = "v1.4.0"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.gitlabjobs_job_erase.previous_build]
    }
  }
}
