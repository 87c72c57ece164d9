# The deploy job of the release pipeline, picked by name. job_id is the
# job's first run: it stays the same once the job is played or retried, so
# the resource below plans no change on later applies. (A list filtered by
# status, such as gitlabjobs_pipeline_jobs with scope = ["manual"], loses the
# job once it is played, and the next plan would fail or destroy the play.)
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
