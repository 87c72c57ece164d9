# The jobs of a pipeline that wait to be played. A played job leaves this
# list: pick the job to act on with gitlabjobs_pipeline_job instead.
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

output "manual_jobs" {
  value = [for j in data.gitlabjobs_pipeline_jobs.manual.jobs : "${j.name} (job ${j.job_id})"]
}

output "runs_per_job" {
  value = { for j in data.gitlabjobs_pipeline_jobs.all.jobs : j.name => j.job_id... }
}
