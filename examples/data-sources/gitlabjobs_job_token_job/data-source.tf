# Inside a GitLab CI job: the provider authenticates with CI_JOB_TOKEN and
# CI_API_V4_URL (no token set), and reads the job that runs Terraform.
provider "gitlabjobs" {}

data "gitlabjobs_job_token_job" "current" {}

output "running_in" {
  value = "${data.gitlabjobs_job_token_job.current.name} of pipeline ${data.gitlabjobs_job_token_job.current.pipeline.id} on ${data.gitlabjobs_job_token_job.current.ref}"
}
