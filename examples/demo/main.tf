# The demo runs against the GitLab simulator's seeded project
# demo-group/platform/deploy-service (see internal/gitlabsim/seed/demo.json).
# The provider reads GITLAB_BASE_URL and GITLAB_TOKEN from the environment.

terraform {
  required_providers {
    gitlabjobs = {
      source = "registry.terraform.io/gitlabjobs/gitlabjobs"
    }
  }
}

provider "gitlabjobs" {}

variable "project" {
  description = "The project whose jobs the demo reads."
  type        = string
  default     = "demo-group/platform/deploy-service"
}

variable "failed_job_id" {
  description = "The seeded failed unit-test job."
  type        = number
  default     = 1002
}

data "gitlabjobs_job" "unit_test" {
  project = var.project
  job_id  = var.failed_job_id
}

output "failed_job" {
  description = "The failed job, as a release engineer would look at it."
  value = {
    name           = data.gitlabjobs_job.unit_test.name
    status         = data.gitlabjobs_job.unit_test.status
    failure_reason = data.gitlabjobs_job.unit_test.failure_reason
    stage          = data.gitlabjobs_job.unit_test.stage
    ref            = data.gitlabjobs_job.unit_test.ref
    commit         = data.gitlabjobs_job.unit_test.commit.short_id
    pipeline       = data.gitlabjobs_job.unit_test.pipeline.id
    duration       = data.gitlabjobs_job.unit_test.duration
    web_url        = data.gitlabjobs_job.unit_test.web_url
  }
}
