# A release engineer's morning, against the GitLab simulator's seeded project
# demo-group/platform/deploy-service (internal/gitlabsim/seed/demo.json):
# the latest pipeline (903) of main failed on a flaky end-to-end test, its
# manual deploy job waits to be played, and a smoke test is stuck waiting
# for a GPU runner. The release's tag, v1.4.0, has its own pipeline (904),
# whose build job left the version and the image digest in its artifacts.
# This configuration
#
#   1. lists the jobs that failed in the latest pipeline,
#   2. reads the release's image digest from the artifacts of the tag's
#      build job (by ref and job name, as GitLab serves them),
#   3. retries the failed jobs (once: a second apply changes nothing) and
#      waits until they pass,
#   4. then plays the manual deploy job with the release's variables (the
#      image digest among them) and waits for the deploy (a failed deploy
#      fails the apply),
#   5. cancels the stuck smoke test,
#   6. keeps the artifacts of the release's build, so they do not expire,
#   7. erases the log and artifacts of the previous release's build,
#
# and prints what it did. The provider reads GITLAB_BASE_URL and GITLAB_TOKEN
# from the environment (run.sh sets them to the simulator's).

terraform {
  required_providers {
    gitlabjobs = {
      source = "registry.terraform.io/gitlabjobs/gitlabjobs"
    }
  }
}

provider "gitlabjobs" {}

variable "project" {
  description = "The project to release."
  type        = string
  default     = "demo-group/platform/deploy-service"
}

variable "pipeline_id" {
  description = "The release pipeline (in GitLab CI: CI_PIPELINE_ID)."
  type        = number
  default     = 903
}

variable "release_tag" {
  description = "The release being deployed."
  type        = string
  default     = "v1.4.0"
}

variable "environment" {
  description = "Where the deploy job deploys to."
  type        = string
  default     = "production"
}

variable "old_job_id" {
  description = "A job of an earlier pipeline whose log and artifacts are no longer needed."
  type        = number
  default     = 1001
}

# 1. The jobs that failed in the release pipeline, and each of them, the
# deploy job and the smoke test picked by name. The failed list keeps retried
# runs (include_retried), so a job stays in it once retried; and
# gitlabjobs_pipeline_job gives a job's first run, whose ID does not change
# when it is retried or played. So the resources below get the same job IDs
# on every plan, and a second apply plans no change and acts on nothing again.
data "gitlabjobs_pipeline_jobs" "failed" {
  project         = var.project
  pipeline_id     = var.pipeline_id
  scope           = ["failed"]
  include_retried = true
}

data "gitlabjobs_pipeline_job" "failed" {
  for_each = toset([for j in data.gitlabjobs_pipeline_jobs.failed.jobs : j.name if !j.allow_failure])

  project     = var.project
  pipeline_id = var.pipeline_id
  name        = each.key
}

data "gitlabjobs_pipeline_job" "deploy" {
  project     = var.project
  pipeline_id = var.pipeline_id
  name        = "deploy"
}

data "gitlabjobs_pipeline_job" "smoke_test" {
  project     = var.project
  pipeline_id = var.pipeline_id
  name        = "smoke-test"
}

data "gitlabjobs_job" "old" {
  project = var.project
  job_id  = var.old_job_id
}

# 2. The image the release's build pushed: the digest it wrote into its
# artifacts (artifacts:paths). Read by ref and job name, it comes from the
# job "build" of the latest successful pipeline of the tag, as GitLab's
# .../jobs/artifacts/:ref/raw/... serves it, and job_id says which job
# that was.
data "gitlabjobs_job_artifact_file" "image_digest" {
  project  = var.project
  ref      = var.release_tag
  job      = "build"
  path     = "image-digest.txt"
  max_size = 1024 # bytes: a digest is small; anything larger fails the read
}

# 3. Retry every failed job once (by name) and wait for the new attempts: a
# job that fails again fails the apply.
resource "gitlabjobs_job_retry" "failed" {
  for_each = data.gitlabjobs_pipeline_job.failed

  project  = var.project
  job_id   = each.value.job_id
  wait_for = "finished"

  timeouts = {
    create = "5m"
  }
}

# 4. The tests pass: play the manual deploy job with the release's variables
# and image, and wait until it has finished.
resource "gitlabjobs_job_play" "deploy" {
  project = var.project
  job_id  = data.gitlabjobs_pipeline_job.deploy.job_id

  variables = {
    ENVIRONMENT  = var.environment
    RELEASE_TAG  = var.release_tag
    IMAGE_DIGEST = local.image_digest
  }
  wait_for            = "finished"
  fail_on_job_failure = true

  triggers = {
    release_tag = var.release_tag
  }

  timeouts = {
    create = "5m"
  }

  depends_on = [gitlabjobs_job_retry.failed]
}

# 5. The smoke test waits for a runner with a GPU that never comes: cancel it.
resource "gitlabjobs_job_cancel" "smoke_test" {
  project = var.project
  job_id  = data.gitlabjobs_pipeline_job.smoke_test.job_id

  lifecycle {
    postcondition {
      condition     = self.status == "canceled"
      error_message = "The smoke test is ${self.status}, not canceled."
    }
  }
}

# 6. The release is deployed: keep its build's artifacts (the version and
# the digest), which would otherwise expire (artifacts:expire_in).
resource "gitlabjobs_job_artifacts_keep" "release_build" {
  project = var.project
  job_id  = data.gitlabjobs_job_artifact_file.image_digest.job_id

  depends_on = [gitlabjobs_job_play.deploy]
}

# 7. Housekeeping: erase the previous release's build log and artifacts.
resource "gitlabjobs_job_erase" "old" {
  project = var.project
  job_id  = var.old_job_id

  lifecycle {
    precondition {
      condition     = data.gitlabjobs_job.old.pipeline.id != var.pipeline_id
      error_message = "Job ${var.old_job_id} belongs to the release pipeline: erase jobs of earlier pipelines only."
    }
  }
}

locals {
  image_digest  = trimspace(data.gitlabjobs_job_artifact_file.image_digest.content)
  release_build = "build (${var.release_tag})"

  rows = concat(
    [[
      "read", local.release_build, tostring(data.gitlabjobs_job_artifact_file.image_digest.job_id),
      "${data.gitlabjobs_job_artifact_file.image_digest.path}: ${substr(local.image_digest, 0, 19)}...",
    ]],
    [for name, r in gitlabjobs_job_retry.failed : [
      "retry", name, "${r.job_id} -> ${r.new_job_id}",
      "${r.status}${r.duration == null ? "" : format(" in %.0fs", r.duration)}",
    ]],
    [[
      "play", "deploy", tostring(gitlabjobs_job_play.deploy.played_job_id),
      "${gitlabjobs_job_play.deploy.status}${gitlabjobs_job_play.deploy.duration == null ? "" : format(" in %.0fs", gitlabjobs_job_play.deploy.duration)}, ENVIRONMENT=${var.environment} RELEASE_TAG=${var.release_tag}",
    ]],
    [[
      "cancel", "smoke-test", tostring(gitlabjobs_job_cancel.smoke_test.job_id), gitlabjobs_job_cancel.smoke_test.status,
    ]],
    [[
      "keep", local.release_build, tostring(gitlabjobs_job_artifacts_keep.release_build.job_id),
      "artifacts (${gitlabjobs_job_artifacts_keep.release_build.artifacts_size} bytes) kept: ${gitlabjobs_job_artifacts_keep.release_build.artifacts_expire_at == null ? "they never expire" : "they expire at ${gitlabjobs_job_artifacts_keep.release_build.artifacts_expire_at}"}",
    ]],
    [[
      "erase", "${data.gitlabjobs_job.old.name} (pipeline ${data.gitlabjobs_job.old.pipeline.id})",
      tostring(gitlabjobs_job_erase.old.job_id), "log and artifacts erased at ${gitlabjobs_job_erase.old.erased_at}",
    ]],
  )
}

output "failed_jobs" {
  description = "The jobs that failed in the release pipeline (known when planning)."
  value       = [for name, j in data.gitlabjobs_pipeline_job.failed : "${name} (job ${j.job_id}): ${j.failure_reason}"]
}

output "summary" {
  description = "What the release engineer did, as a table."
  value = join("\n", [
    for r in concat([["ACTION", "JOB", "JOB ID", "RESULT"]], local.rows) :
    format("%-7s %-22s %-13s %s", r[0], r[1], r[2], r[3])
  ])
}

output "release_image_digest" {
  description = "The image the release deployed: the digest its build job wrote into its artifacts (kept)."
  value       = local.image_digest
}

output "release_build_job_id" {
  description = "The release's build job, whose artifacts the digest was read from and are kept."
  value       = data.gitlabjobs_job_artifact_file.image_digest.job_id
}

output "deploy_job_url" {
  description = "The deploy job's page in GitLab."
  value       = gitlabjobs_job_play.deploy.web_url
}
