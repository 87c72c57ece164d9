# Run the release tag's pipeline with typed inputs and wait until it is
# blocked on its manual deploy job (play it with gitlabjobs_job_play).
resource "gitlabjobs_pipeline_run" "release" {
  project = "demo-group/platform/deploy-service"
  ref     = "v1.4.0"

  inputs = {
    release_tag = "v1.4.0"
    environment = "production"
  }

  wait_for = "manual"

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
