# The release pipeline's smoke test has waited for a GPU runner since the
# pipeline started: cancel it so the pipeline can finish, and wait until
# GitLab reports it canceled.
resource "gitlabjobs_job_cancel" "smoke_test" {
  project           = "demo-group/platform/deploy-service"
  job_id            = 1014
  wait_for_canceled = true

  timeouts = {
    create = "5m"
  }
}

output "smoke_test_status" {
  value = gitlabjobs_job_cancel.smoke_test.status
}
