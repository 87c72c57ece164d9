# Terraform 1.14 and later. Play the release pipeline's manual deploy job with
# the release's CI/CD variables and wait until it has finished; while it
# waits, Terraform shows the job's status ("job 1013: running, 40s"). A failed
# deploy fails the run, naming the failure reason and the job's log URL.
#
# On demand, without changing anything else:
#
#   terraform apply -invoke=action.gitlabjobs_job_play.deploy
action "gitlabjobs_job_play" "deploy" {
  config {
    project = "demo-group/platform/deploy-service"
    job_id  = 1013 # the manual "deploy" job, e.g. from gitlabjobs_pipeline_jobs

    variables = {
      ENVIRONMENT = "production"
      RELEASE_TAG = var.release_tag
    }

    wait_for            = "finished"
    fail_on_job_failure = true

    timeouts = {
      invoke = "30m"
    }
  }
}

variable "release_tag" {
  type    = string
  default = "v1.4.0"
}

# Or as part of an apply: play the job whenever the release tag changes.
resource "terraform_data" "release" {
  input = var.release_tag

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gitlabjobs_job_play.deploy]
    }
  }
}
