# The manual jobs of a pipeline, e.g. to play the deploy job.
data "gitlabjobs_pipeline_jobs" "manual" {
  project     = "demo-group/platform/deploy-service"
  pipeline_id = 902
  scope       = ["manual"]
}

# Every job, with the ones that were retried.
data "gitlabjobs_pipeline_jobs" "all" {
  project         = "demo-group/platform/deploy-service"
  pipeline_id     = 902
  include_retried = true
}

output "manual_job_ids" {
  value = { for j in data.gitlabjobs_pipeline_jobs.manual.jobs : j.name => j.job_id }
}
