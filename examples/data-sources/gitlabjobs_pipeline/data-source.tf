# The newest successful pipeline on main: act on its jobs without
# hard-coding pipeline IDs.
data "gitlabjobs_pipeline" "last_green_main" {
  project     = "demo-group/platform/deploy-service"
  ref         = "main"
  with_status = "success"
}

# One pipeline by its ID.
data "gitlabjobs_pipeline" "release" {
  project     = "demo-group/platform/deploy-service"
  pipeline_id = 903
}

output "last_green_main" {
  value = "${data.gitlabjobs_pipeline.last_green_main.pipeline_id} (${data.gitlabjobs_pipeline.last_green_main.sha}) finished at ${data.gitlabjobs_pipeline.last_green_main.finished_at}"
}

output "release_pipeline_status" {
  value = data.gitlabjobs_pipeline.release.status
}
