# Retry the flaky end-to-end test once and wait for the new attempt; a second
# failure fails the apply. The job is picked by name: its first run's job_id
# stays the same after the retry (see the lifecycle guide's Picking the job).
data "gitlabjobs_pipeline_job" "e2e_test" {
  project     = "demo-group/platform/deploy-service"
  pipeline_id = 903
  name        = "e2e-test"
}

resource "gitlabjobs_job_retry" "e2e_test" {
  project             = data.gitlabjobs_pipeline_job.e2e_test.project
  job_id              = data.gitlabjobs_pipeline_job.e2e_test.job_id
  wait_for            = "finished"
  fail_on_job_failure = true

  # The retry happens once; bump the attempt to retry the job again.
  triggers = {
    attempt = "1"
  }

  timeouts = {
    create = "20m"
  }
}

output "e2e_test_retry" {
  value = "job ${gitlabjobs_job_retry.e2e_test.new_job_id}: ${gitlabjobs_job_retry.e2e_test.status}"
}
