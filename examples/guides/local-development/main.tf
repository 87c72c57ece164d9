# Against `make sim`: the provider reads GITLAB_BASE_URL and GITLAB_TOKEN,
# which the simulator prints when it starts. Its seeded project is
# demo-group/platform/deploy-service, whose latest pipeline (903) failed.
provider "gitlabjobs" {}

data "gitlabjobs_pipeline_jobs" "latest" {
  project     = "demo-group/platform/deploy-service"
  pipeline_id = 903
}

output "jobs" {
  value = { for j in data.gitlabjobs_pipeline_jobs.latest.jobs : j.name => j.status }
}
