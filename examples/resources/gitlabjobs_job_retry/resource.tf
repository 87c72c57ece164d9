# The release pipeline failed on a flaky end-to-end test: retry it once and
# wait for the new attempt. A second failure fails the apply
# (fail_on_job_failure); the resource is then tainted, so the next apply
# retries again. To retry every failed job of a pipeline, use for_each over
# gitlabjobs_pipeline_jobs with scope = ["failed"] (see the provider's
# release automation guide).
resource "gitlabjobs_job_retry" "e2e_test" {
  project             = "demo-group/platform/deploy-service"
  job_id              = 1012
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
