# The release pipeline failed on a flaky end-to-end test: retry it once and
# wait for the new attempt. A second failure fails the apply
# (fail_on_job_failure).
#
# Pick the job with gitlabjobs_pipeline_job: its job_id is the job's first
# run (here 1012), which stays the same after the retry, so later plans keep
# this resource and show no change. To retry several jobs, use for_each over
# job names the configuration knows (or the names of the failed jobs listed
# with include_retried = true), never over gitlabjobs_pipeline_jobs with
# scope = ["failed"] alone: a retried job leaves that list, and the next plan
# would destroy its retry.
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
