# Terraform 1.14 and later. Retry the release pipeline's flaky end-to-end
# test and wait for the new attempt; while it waits, Terraform shows the new
# job's status (e.g. "job 1021: running, 40s"). A second failure fails the run.
#
# On demand:
#
#   terraform apply -invoke=action.gitlabjobs_job_retry.e2e_test
action "gitlabjobs_job_retry" "e2e_test" {
  config {
    project             = "demo-group/platform/deploy-service"
    job_id              = 1012
    wait_for            = "finished"
    fail_on_job_failure = true

    timeouts = {
      invoke = "20m"
    }
  }
}

# Or as part of an apply: retry it whenever the attempt is bumped.
resource "terraform_data" "e2e_attempt" {
  input = "1"

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gitlabjobs_job_retry.e2e_test]
    }
  }
}
