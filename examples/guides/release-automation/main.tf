variable "pipeline_id" {
  description = "The release pipeline. Inside GitLab CI: CI_PIPELINE_ID, e.g. TF_VAR_pipeline_id=$CI_PIPELINE_ID."
  type        = number
  default     = 903
}

variable "previous_pipeline_id" {
  description = "The previous release's pipeline, whose logs and artifacts are no longer needed."
  type        = number
  default     = 902
}

variable "release_tag" {
  description = "The release being deployed."
  type        = string
  default     = "v1.4.0"
}

variable "project" {
  description = "The project to release. Inside GitLab CI: CI_PROJECT_PATH, e.g. TF_VAR_project=$CI_PROJECT_PATH."
  type        = string
  default     = "demo-group/platform/deploy-service"
}

locals {
  project = var.project
}

# The release pipeline's failed jobs. The list keeps retried attempts
# (include_retried), so it does not lose a job once it is retried and the
# next apply retries nothing again.
data "gitlabjobs_pipeline_jobs" "failed" {
  project         = local.project
  pipeline_id     = var.pipeline_id
  scope           = ["failed"]
  include_retried = true
}

# 1. Retry the flaky jobs, once each, and wait: a job that fails again fails the apply.
# Keyed by job name, acting on the job's first failed run (the lowest ID), so
# the key and the ID stay the same whatever the retry does.
resource "gitlabjobs_job_retry" "flaky" {
  for_each = { for j in data.gitlabjobs_pipeline_jobs.failed.jobs : j.name => j.job_id... if !j.allow_failure }

  project = local.project
  job_id  = min(each.value...)
}

# 2. Then play the manual deploy job with the release's variables, wait until
# it has finished, and fail the apply (with the job's log URL) if it failed.
# The job is picked by name; its job_id (the first run) stays the same when
# the job is played or run again, so the next plan shows no change.
data "gitlabjobs_pipeline_job" "deploy" {
  project     = local.project
  pipeline_id = var.pipeline_id
  name        = "deploy"
}

resource "gitlabjobs_job_play" "deploy" {
  project = local.project
  job_id  = data.gitlabjobs_pipeline_job.deploy.job_id

  variables = {
    ENVIRONMENT = "production"
    RELEASE_TAG = var.release_tag
  }
  wait_for            = "finished"
  fail_on_job_failure = true

  # Played once per release: a new tag plays the job again.
  triggers = {
    release_tag = var.release_tag
  }

  depends_on = [gitlabjobs_job_retry.flaky]
}

# 3. Housekeeping: erase the logs and artifacts of the previous pipeline's finished jobs.
data "gitlabjobs_pipeline_jobs" "previous" {
  project     = local.project
  pipeline_id = var.previous_pipeline_id
  scope       = ["success", "failed", "canceled"]
}

resource "gitlabjobs_job_erase" "previous" {
  for_each = { for j in data.gitlabjobs_pipeline_jobs.previous.jobs : j.name => j.job_id }

  project = local.project
  job_id  = each.value
}

output "deployed" {
  value = "${var.release_tag}: ${gitlabjobs_job_play.deploy.status} (${gitlabjobs_job_play.deploy.web_url})"
}
