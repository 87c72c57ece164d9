# With job inputs instead of CI/CD variables: GitLab's typed replacement for
# variables, declared by the job's inputs: keyword in .gitlab-ci.yml. Inputs
# are not pipeline variables, so this works on projects that forbid those
# (GitLab.com's default for new projects): run the release tag's pipeline,
# then play its manual deploy job with the release's data as inputs. GitLab
# refuses inputs the job does not declare, or of the wrong type, or outside
# the input's options; the apply then fails naming inputs, and plays nothing.
resource "gitlabjobs_pipeline_run" "release" {
  project  = "demo-group/platform/deploy-service"
  ref      = "v1.4.0"
  wait_for = "manual" # build and tests passed; deploy waits to be played
}

data "gitlabjobs_pipeline_job" "build" {
  project     = gitlabjobs_pipeline_run.release.project
  pipeline_id = gitlabjobs_pipeline_run.release.pipeline_id
  name        = "build"
}

data "gitlabjobs_job_artifact_file" "image_digest" {
  project = data.gitlabjobs_pipeline_job.build.project
  job_id  = data.gitlabjobs_pipeline_job.build.job_id
  path    = "image-digest.txt"
}

data "gitlabjobs_pipeline_job" "deploy" {
  project     = gitlabjobs_pipeline_run.release.project
  pipeline_id = gitlabjobs_pipeline_run.release.pipeline_id
  name        = "deploy"
}

resource "gitlabjobs_job_play" "deploy_with_inputs" {
  project = data.gitlabjobs_pipeline_job.deploy.project
  job_id  = data.gitlabjobs_pipeline_job.deploy.job_id

  # Values of the types the job declares: strings, numbers, booleans, lists.
  inputs = {
    environment  = "production"
    release_tag  = "v1.4.0"
    image_digest = trimspace(data.gitlabjobs_job_artifact_file.image_digest.content)
  }
}
