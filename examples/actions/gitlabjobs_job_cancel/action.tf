# Terraform 1.14 and later. The release pipeline's smoke test has waited for a
# GPU runner since the pipeline started: cancel it so the pipeline can finish,
# and wait until GitLab reports it canceled. A job that has already finished
# is left alone, with a warning.
#
# On demand:
#
#   terraform apply -invoke=action.gitlabjobs_job_cancel.smoke_test
action "gitlabjobs_job_cancel" "smoke_test" {
  config {
    project           = "demo-group/platform/deploy-service"
    job_id            = 1014
    wait_for_canceled = true

    timeouts = {
      invoke = "5m"
    }
  }
}

# Or as part of an apply: cancel it when the release is recorded.
resource "terraform_data" "release_done" {
  input = "v1.4.0"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.gitlabjobs_job_cancel.smoke_test]
    }
  }
}
