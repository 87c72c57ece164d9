# Once the release pipeline is green, play its manual deploy job with the
# release's variables and wait until it has finished.
resource "gitlabjobs_job_play" "deploy" {
  project = "demo-group/platform/deploy-service"
  job_id  = 1013 # the manual "deploy" job, e.g. from gitlabjobs_pipeline_job

  variables = {
    ENVIRONMENT = "production"
    RELEASE_TAG = "v1.4.0"
  }

  wait_for            = "finished"
  fail_on_job_failure = true

  # The job is played once; a new release tag plays it again.
  triggers = {
    release_tag = "v1.4.0"
  }

  timeouts = {
    create = "30m"
  }
}

output "deploy" {
  value = "${gitlabjobs_job_play.deploy.status} after ${gitlabjobs_job_play.deploy.duration}s: ${gitlabjobs_job_play.deploy.web_url}"
}
