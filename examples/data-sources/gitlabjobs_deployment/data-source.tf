# The release tag's pipeline, held at its manual deploy job.
resource "gitlabjobs_pipeline_run" "release" {
  project  = "demo-group/platform/deploy-service"
  ref      = "v1.4.0"
  wait_for = "manual"
}

data "gitlabjobs_pipeline_job" "deploy" {
  project     = gitlabjobs_pipeline_run.release.project
  pipeline_id = gitlabjobs_pipeline_run.release.pipeline_id
  name        = "deploy"
}

# The deploy job's deployment: whether it waits for approval, and who must
# still approve it (or set deployment_id instead of job_id).
data "gitlabjobs_deployment" "production" {
  project = gitlabjobs_pipeline_run.release.project
  job_id  = data.gitlabjobs_pipeline_job.deploy.job_id
}

output "deployment" {
  value = {
    id                   = data.gitlabjobs_deployment.production.deployment_id
    environment          = data.gitlabjobs_deployment.production.environment
    status               = data.gitlabjobs_deployment.production.status
    waiting_for_approval = data.gitlabjobs_deployment.production.waiting_for_approval
    waiting_for          = data.gitlabjobs_deployment.production.waiting_for
    approved_by          = [for a in data.gitlabjobs_deployment.production.approvals : a.username if a.status == "approved"]
  }
}
