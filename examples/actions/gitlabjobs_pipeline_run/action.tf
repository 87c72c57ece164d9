# Terraform 1.14 and later. Run the release tag's pipeline and wait until build
# and tests have passed and it is blocked on its manual deploy job; while it
# waits, Terraform shows the pipeline's status ("pipeline 905: running, 40s").
# Every invocation runs a new pipeline.
#
# On demand, without changing anything else:
#
#   terraform apply -invoke=action.gitlabjobs_pipeline_run.release
action "gitlabjobs_pipeline_run" "release" {
  config {
    project = "demo-group/platform/deploy-service"
    ref     = var.release_tag

    variables = {
      RELEASE_NOTES = "Faster rollouts"
    }

    wait_for        = "manual"
    fail_on_failure = true

    timeouts = {
      invoke = "30m"
    }
  }
}

variable "release_tag" {
  type    = string
  default = "v1.4.0"
}

# Or as part of an apply: run the pipeline whenever the release tag changes.
resource "terraform_data" "release" {
  input = var.release_tag

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gitlabjobs_pipeline_run.release]
    }
  }
}
