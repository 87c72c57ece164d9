variable "project" {
  description = "The project to release. Inside GitLab CI: CI_PROJECT_PATH, e.g. TF_VAR_project=$CI_PROJECT_PATH."
  type        = string
  default     = "demo-group/platform/deploy-service"
}

variable "release_tag" {
  description = "The tag to release. Inside GitLab CI: CI_COMMIT_TAG, e.g. TF_VAR_release_tag=$CI_COMMIT_TAG."
  type        = string
  default     = "v1.4.0"
}

variable "previous_pipeline_id" {
  description = "The previous release's pipeline, whose logs and artifacts are no longer needed."
  type        = number
  default     = 902
}

# 1. Run the tag's pipeline with the release's inputs (declared under
# spec:inputs in .gitlab-ci.yml) and wait until build and tests have passed
# and it is blocked on its manual deploy job (wait_for = "manual"). A failed
# build or test fails the apply, naming the failed jobs. The pipeline is
# created once per release: applying again runs nothing, a new tag runs a new
# pipeline. Inputs work where the project forbids pipeline variables
# (GitLab.com's default).
resource "gitlabjobs_pipeline_run" "release" {
  project         = var.project
  ref             = var.release_tag
  wait_for        = "manual"
  fail_on_failure = true

  inputs = {
    release_tag = var.release_tag
    environment = "production"
  }

  triggers = {
    release = var.release_tag
  }

  timeouts = {
    create = "30m"
  }
}

# 2. Read what the build produced: the image digest and the version it wrote
# into its artifacts (artifacts:paths). The build job is picked by name; its
# job_id stays the same across retries.
data "gitlabjobs_pipeline_job" "build" {
  project     = gitlabjobs_pipeline_run.release.project
  pipeline_id = gitlabjobs_pipeline_run.release.pipeline_id
  name        = "build"
}

data "gitlabjobs_job_artifact_file" "image_digest" {
  project  = var.project
  job_id   = data.gitlabjobs_pipeline_job.build.job_id
  path     = "image-digest.txt"
  max_size = 1024 # bytes: anything larger is not a digest and fails the read
}

data "gitlabjobs_job_artifact_file" "version" {
  project  = var.project
  job_id   = data.gitlabjobs_pipeline_job.build.job_id
  path     = "version.txt"
  max_size = 1024
}

locals {
  image_digest = trimspace(data.gitlabjobs_job_artifact_file.image_digest.content)
  version      = trimspace(data.gitlabjobs_job_artifact_file.version.content)
}

# 3. Keep the build's artifacts: what a release ships outlives
# artifacts:expire_in.
resource "gitlabjobs_job_artifacts_keep" "build" {
  project = var.project
  job_id  = data.gitlabjobs_pipeline_job.build.job_id
}

# 4. Play the manual deploy job with the release's job inputs (its inputs:
# keyword), including the digest read from the build, wait until it has
# finished, and fail the apply
# (with the job's log URL) if it failed. The job is picked by name; its job_id
# stays the same once it is played, so the next plan shows no change.
data "gitlabjobs_pipeline_job" "deploy" {
  project     = gitlabjobs_pipeline_run.release.project
  pipeline_id = gitlabjobs_pipeline_run.release.pipeline_id
  name        = "deploy"
}

resource "gitlabjobs_job_play" "deploy" {
  project = var.project
  job_id  = data.gitlabjobs_pipeline_job.deploy.job_id

  inputs = {
    environment  = "production"
    release_tag  = var.release_tag
    image_digest = local.image_digest
  }
  wait_for            = "finished"
  fail_on_job_failure = true

  timeouts = {
    create = "30m"
  }

  # Deploy only what is kept.
  depends_on = [gitlabjobs_job_artifacts_keep.build]
}

# 5. Housekeeping (optional): erase the logs and artifacts of the previous
# release pipeline's finished jobs, once each.
data "gitlabjobs_pipeline_jobs" "previous" {
  project     = var.project
  pipeline_id = var.previous_pipeline_id
  scope       = ["success", "failed", "canceled"]
}

resource "gitlabjobs_job_erase" "previous" {
  for_each = { for j in data.gitlabjobs_pipeline_jobs.previous.jobs : j.name => j.job_id }

  project = var.project
  job_id  = each.value

  depends_on = [gitlabjobs_job_play.deploy]
}

output "release" {
  value = {
    pipeline = gitlabjobs_pipeline_run.release.web_url
    version  = local.version
    image    = "registry.example.com/deploy-service@${local.image_digest}"
    deploy   = "${gitlabjobs_job_play.deploy.status}: ${gitlabjobs_job_play.deploy.web_url}"
  }
}
