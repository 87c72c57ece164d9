# The jobs of a pipeline that wait to be played. A job leaves this list once
# it is played, so do not take the job_id of a gitlabjobs_job_play resource
# from it (the next plan would find no job): pick the job to act on by name
# with gitlabjobs_pipeline_job.
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
