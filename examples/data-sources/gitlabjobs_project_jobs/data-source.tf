# The ten newest failed jobs on main.
data "gitlabjobs_project_jobs" "failed" {
  project     = "demo-group/platform/deploy-service" # or the numeric project ID
  scope       = ["failed"]
  ref         = "main"
  max_results = 10
}

output "failed_jobs" {
  value = [for j in data.gitlabjobs_project_jobs.failed.jobs : "${j.name} (${j.job_id}): ${j.failure_reason}"]
}
