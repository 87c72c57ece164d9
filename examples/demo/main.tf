# A release engineer's morning, against the GitLab simulator's seeded project
# demo-group/platform/deploy-service (internal/gitlabsim/seed/demo.json):
# the tag v1.4.0 is pushed, and the project's CI configuration builds it
# (the build job leaves the version and the image digest in its artifacts),
# tests it, and holds its deploy job for a manual play. On main, the latest
# pipeline (903) failed on a flaky end-to-end test and its smoke test is
# stuck waiting for a GPU runner. The project forbids pipeline variables, as
# GitLab.com does by default ("Minimum role to use pipeline variables":
# no_one_allowed; run.sh sets it): the release data goes in as typed inputs,
# the pipeline's (its spec:inputs) and the deploy job's (its inputs:
# keyword). One apply of this configuration
#
#   1. runs the tag's pipeline with the release's inputs and waits until
#      build and tests have passed and it is blocked on its manual deploy job,
#   2. reads the version and the image digest from the artifacts of that
#      pipeline's build job, and keeps those artifacts, so they do not expire,
#   3. passes the release gate: production requires one approval from the
#      release manager, so the deploy job waits for approval; the release
#      manager approves its deployment (a second, aliased provider with that
#      user's token: the approver is not the deployer),
#   4. plays the pipeline's deploy job as the release bot with the release's
#      job inputs (the image digest among them) and waits for the deploy (a
#      failed deploy fails the apply),
#   5. on main: retries the flaky end-to-end test of pipeline 903 and waits
#      until it passes, and cancels the stuck smoke test,
#   6. once the release is deployed, erases the log and artifacts of the
#      previous release's build,
#
# and prints what it did. A second apply changes nothing: no pipeline is run
# and no job is acted on twice. The provider reads GITLAB_BASE_URL and
# GITLAB_TOKEN from the environment (run.sh sets them to the simulator's:
# GITLAB_TOKEN is the release bot's), the release manager's token from
# TF_VAR_release_manager_token.

terraform {
  required_providers {
    gitlabjobs = {
      source = "registry.terraform.io/gitlabjobs/gitlabjobs"
    }
  }
}

provider "gitlabjobs" {}

# The release manager, who approves deployments to production: a second
# provider configuration with that user's token (base_url from
# GITLAB_BASE_URL, as the default one). Separation of duties: the release
# bot runs the pipeline and deploys, the release manager approves, and
# GitLab refuses a deployer's approval of their own deployment.
provider "gitlabjobs" {
  alias = "release_manager"
  token = var.release_manager_token
}

variable "release_manager_token" {
  description = "The release manager's token (api scope): the approver of deployments to production."
  type        = string
  sensitive   = true
}

variable "project" {
  description = "The project to release."
  type        = string
  default     = "demo-group/platform/deploy-service"
}

variable "release_tag" {
  description = "The release's tag, whose pipeline is run and deployed."
  type        = string
  default     = "v1.4.0"
}

variable "environment" {
  description = "Where the deploy job deploys to."
  type        = string
  default     = "production"
}

variable "main_pipeline_id" {
  description = "The latest pipeline of main, with a flaky test to retry and a stuck job to cancel."
  type        = number
  default     = 903
}

variable "previous_build_job_id" {
  description = "The previous release's build job, whose log and artifacts are no longer needed once this release is deployed."
  type        = number
  default     = 1001
}

# 1. Run the tag's pipeline with the release's inputs (the CI configuration's
# spec:inputs: release_tag matches a regex, environment is one of its
# options) and wait until build and tests have passed and it is blocked on
# its manual deploy job. A failed build or test fails the apply, naming the
# failed jobs. The pipeline runs once per release: a second apply runs
# nothing, new inputs or a new tag run a new pipeline. The project forbids
# pipeline variables, so the pipeline carries none (marker_sent = false):
# the provider knows it by the pipeline_id in the state.
resource "gitlabjobs_pipeline_run" "release" {
  project         = var.project
  ref             = var.release_tag
  wait_for        = "manual"
  fail_on_failure = true

  inputs = {
    release_tag = var.release_tag
    environment = var.environment
    dry_run     = false
  }

  triggers = {
    release = var.release_tag
  }

  timeouts = {
    create = "5m"
  }
}

# 2. The pipeline's build job, by name, and what it wrote into its artifacts
# (artifacts:paths): the version and the digest of the image it pushed.
data "gitlabjobs_pipeline_job" "build" {
  project     = var.project
  pipeline_id = gitlabjobs_pipeline_run.release.pipeline_id
  name        = "build"
}

data "gitlabjobs_job_artifact_file" "version" {
  project  = var.project
  job_id   = data.gitlabjobs_pipeline_job.build.job_id
  path     = "version.txt"
  max_size = 1024 # bytes: a version is small; anything larger fails the read
}

data "gitlabjobs_job_artifact_file" "image_digest" {
  project  = var.project
  job_id   = data.gitlabjobs_pipeline_job.build.job_id
  path     = "image-digest.txt"
  max_size = 1024
}

# What the release ships outlives artifacts:expire_in: keep the build's
# artifacts.
resource "gitlabjobs_job_artifacts_keep" "release_build" {
  project = var.project
  job_id  = data.gitlabjobs_pipeline_job.build.job_id
}

# 3-4. Find the pipeline's manual deploy job, pass its release gate (below),
# and play it with the release's image as a job input (its inputs: keyword;
# environment and release_tag default to the pipeline's inputs, given again
# here), and wait until it has finished. The job is picked by name; its ID
# stays the same once played, so the next plan shows no change.
data "gitlabjobs_pipeline_job" "deploy" {
  project     = var.project
  pipeline_id = gitlabjobs_pipeline_run.release.pipeline_id
  name        = "deploy"
}

# The release gate: the deploy job's deployment to production waits for the
# release manager's approval. Approved once, as the release manager; a second
# apply sends nothing.
resource "gitlabjobs_deployment_approval" "production" {
  provider = gitlabjobs.release_manager

  project = var.project
  job_id  = data.gitlabjobs_pipeline_job.deploy.job_id
  comment = "Release ${var.release_tag} approved"
}

resource "gitlabjobs_job_play" "deploy" {
  project = var.project
  job_id  = data.gitlabjobs_pipeline_job.deploy.job_id

  inputs = {
    environment  = var.environment
    release_tag  = var.release_tag
    image_digest = local.image_digest
  }
  wait_for            = "finished"
  fail_on_job_failure = true

  timeouts = {
    create = "5m"
  }

  # Deploy only what is kept, once approved. (Without the approval in this
  # configuration, wait_for_approval = "1h" would wait for the approval a
  # release manager gives in GitLab.)
  depends_on = [gitlabjobs_job_artifacts_keep.release_build, gitlabjobs_deployment_approval.production]
}

# 5. On main: retry the flaky end-to-end test of the latest pipeline (a test
# that fails again fails the apply), and cancel the smoke test that waits for
# a GPU runner that never comes. gitlabjobs_pipeline_job gives a job's first
# run, whose ID does not change when it is retried: a second apply retries
# nothing. The retry waits for the release's pipeline to be created, so the
# release's jobs come first (and get the same IDs on every run of the demo).
data "gitlabjobs_pipeline_job" "e2e_test" {
  project     = var.project
  pipeline_id = var.main_pipeline_id
  name        = "e2e-test"
}

resource "gitlabjobs_job_retry" "e2e_test" {
  project  = var.project
  job_id   = data.gitlabjobs_pipeline_job.e2e_test.job_id
  wait_for = "finished"

  timeouts = {
    create = "5m"
  }

  depends_on = [gitlabjobs_pipeline_run.release]
}

data "gitlabjobs_pipeline_job" "smoke_test" {
  project     = var.project
  pipeline_id = var.main_pipeline_id
  name        = "smoke-test"
}

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

# 6. The release is deployed: the previous release's build is no longer the
# one to roll back to. Erase its log and artifacts.
data "gitlabjobs_job" "previous_build" {
  project = var.project
  job_id  = var.previous_build_job_id
}

resource "gitlabjobs_job_erase" "previous_build" {
  project = var.project
  job_id  = var.previous_build_job_id

  lifecycle {
    precondition {
      condition     = data.gitlabjobs_job.previous_build.pipeline.id != gitlabjobs_pipeline_run.release.pipeline_id
      error_message = "Job ${var.previous_build_job_id} belongs to the release's pipeline: erase jobs of earlier pipelines only."
    }
  }

  depends_on = [gitlabjobs_job_play.deploy]
}

locals {
  image_digest  = trimspace(data.gitlabjobs_job_artifact_file.image_digest.content)
  version       = trimspace(data.gitlabjobs_job_artifact_file.version.content)
  release_build = "build (${var.release_tag})"
  main          = "pipeline ${var.main_pipeline_id}"

  # Each row is what the apply did; its values do not change afterwards
  # (the pipeline's own status does: it succeeds once the deploy has run),
  # so a second plan shows no change.
  rows = [
    [
      "run", "pipeline (${var.release_tag})", tostring(gitlabjobs_pipeline_run.release.pipeline_id),
      "inputs release_tag=${var.release_tag} environment=${var.environment}; build and tests passed; blocked on the manual deploy",
    ],
    [
      "read", local.release_build, tostring(data.gitlabjobs_job_artifact_file.image_digest.job_id),
      "version.txt: ${local.version}, image-digest.txt: ${substr(local.image_digest, 0, 19)}...",
    ],
    [
      "keep", local.release_build, tostring(gitlabjobs_job_artifacts_keep.release_build.job_id),
      "artifacts (${gitlabjobs_job_artifacts_keep.release_build.artifacts_size} bytes) kept: ${gitlabjobs_job_artifacts_keep.release_build.artifacts_expire_at == null ? "they never expire" : "they expire at ${gitlabjobs_job_artifacts_keep.release_build.artifacts_expire_at}"}",
    ],
    [
      "approve", "deploy (${var.release_tag})", tostring(gitlabjobs_deployment_approval.production.job_id),
      "deployment ${gitlabjobs_deployment_approval.production.deployment_id} to ${gitlabjobs_deployment_approval.production.environment} ${gitlabjobs_deployment_approval.production.status} by ${gitlabjobs_deployment_approval.production.approver}",
    ],
    [
      "play", "deploy (${var.release_tag})", tostring(gitlabjobs_job_play.deploy.played_job_id),
      "${gitlabjobs_job_play.deploy.status}${gitlabjobs_job_play.deploy.duration == null ? "" : format(" in %.0fs", gitlabjobs_job_play.deploy.duration)}, inputs environment=${var.environment} release_tag=${var.release_tag} image_digest=${substr(local.image_digest, 0, 19)}...",
    ],
    [
      "retry", "e2e-test (${local.main})", "${gitlabjobs_job_retry.e2e_test.job_id} -> ${gitlabjobs_job_retry.e2e_test.new_job_id}",
      "${gitlabjobs_job_retry.e2e_test.status}${gitlabjobs_job_retry.e2e_test.duration == null ? "" : format(" in %.0fs", gitlabjobs_job_retry.e2e_test.duration)}",
    ],
    [
      "cancel", "smoke-test (${local.main})", tostring(gitlabjobs_job_cancel.smoke_test.job_id), gitlabjobs_job_cancel.smoke_test.status,
    ],
    [
      "erase", "${data.gitlabjobs_job.previous_build.name} (pipeline ${data.gitlabjobs_job.previous_build.pipeline.id})",
      tostring(gitlabjobs_job_erase.previous_build.job_id), "log and artifacts erased at ${gitlabjobs_job_erase.previous_build.erased_at}",
    ],
  ]
}

output "summary" {
  description = "What the release engineer did, as a table."
  value = join("\n", [
    for r in concat([["ACTION", "JOB", "JOB ID", "RESULT"]], local.rows) :
    format("%-7s %-26s %-13s %s", r[0], r[1], r[2], r[3])
  ])
}

output "release_pipeline_url" {
  description = "The release's pipeline in GitLab."
  value       = gitlabjobs_pipeline_run.release.web_url
}

output "release_version" {
  description = "The version the release's build wrote into its artifacts."
  value       = local.version
}

output "release_image" {
  description = "The image the release deployed: the digest its build wrote into its artifacts (kept)."
  value       = "registry.example.com/deploy-service@${local.image_digest}"
}

output "release_build_job_id" {
  description = "The release's build job, whose artifacts the version and digest were read from and are kept."
  value       = data.gitlabjobs_pipeline_job.build.job_id
}

output "deploy_job_url" {
  description = "The deploy job's page in GitLab."
  value       = gitlabjobs_job_play.deploy.web_url
}
