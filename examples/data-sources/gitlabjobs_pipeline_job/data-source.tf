# The deploy job, picked by name: job_id stays the same once it is played.
data "gitlabjobs_pipeline_job" "deploy" {
  project     = "demo-group/platform/deploy-service"
  pipeline_id = 903
  name        = "deploy"
  stage       = "deploy"
}

resource "gitlabjobs_job_play" "deploy" {
  project = data.gitlabjobs_pipeline_job.deploy.project
  job_id  = data.gitlabjobs_pipeline_job.deploy.job_id

  variables = {
    ENVIRONMENT = "production"
  }
}

output "deploy_runs" {
  value = "job ${data.gitlabjobs_pipeline_job.deploy.job_id}, ${length(data.gitlabjobs_pipeline_job.deploy.run_ids)} run(s), newest ${data.gitlabjobs_pipeline_job.deploy.latest_job_id}"
}
