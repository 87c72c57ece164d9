data "gitlabjobs_job" "deploy" {
  project = "demo-group/platform/deploy-service" # or the numeric project ID
  job_id  = 1005
}

output "deploy_status" {
  value = data.gitlabjobs_job.deploy.status
}

output "deploy_pipeline_url" {
  value = data.gitlabjobs_job.deploy.pipeline.web_url
}
