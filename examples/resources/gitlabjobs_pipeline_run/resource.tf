# Run the release tag's pipeline with the release's CI/CD variables and wait
# until build and tests have passed and the pipeline is blocked on its manual
# deploy job (play it with gitlabjobs_job_play). A failed build or test fails
# the apply, naming the failed jobs.
#
# Applying again runs nothing: the pipeline is created once per intent. After
# a timeout, an interrupt or a lost answer, the next apply finds the pipeline
# it created (by its GITLABJOBS_RUN_ID variable) and goes on waiting for it.
# Change triggers to run the pipeline again.
resource "gitlabjobs_pipeline_run" "release" {
  project = "demo-group/platform/deploy-service"
  ref     = "v1.4.0"

  variables = {
    RELEASE_NOTES = "Faster rollouts"
  }

  wait_for        = "manual"
  fail_on_failure = true

  triggers = {
    release = "v1.4.0"
  }

  timeouts = {
    create = "30m"
  }
}

output "release_pipeline" {
  value = "${gitlabjobs_pipeline_run.release.pipeline_id} is ${gitlabjobs_pipeline_run.release.status}: ${gitlabjobs_pipeline_run.release.web_url}"
}
