# The last 50 lines of a job's log. The log is sensitive: it can hold secrets.
data "gitlabjobs_job_trace" "deploy" {
  project    = "demo-group/platform/deploy-service"
  job_id     = 1002
  tail_lines = 50
  max_bytes  = 16384
}

output "deploy_log_tail" {
  value     = data.gitlabjobs_job_trace.deploy.content
  sensitive = true
}
