# Terraform 1.14 and later. Approve the deployment of the release's deploy
# job as the release manager (an aliased provider with that user's token:
# the approver is not the deployer), once per invocation; Terraform shows
# the approvals ("deployment 12 (production): approved by release-manager;
# 1 of 1 approvals").
#
#   terraform apply -invoke=action.gitlabjobs_deployment_approval.production
provider "gitlabjobs" {
  alias = "release_manager"
  token = var.release_manager_token
}

variable "release_manager_token" {
  description = "The release manager's personal access token (api scope)."
  type        = string
  sensitive   = true
}

action "gitlabjobs_deployment_approval" "production" {
  provider = gitlabjobs.release_manager

  config {
    project = "demo-group/platform/deploy-service"
    job_id  = 1018 # the deploy job waiting for approval, e.g. from gitlabjobs_pipeline_job
    status  = "approved"
    comment = "Release v1.4.0 approved"
  }
}

# Or as part of an apply: approve whenever the approved release changes.
resource "terraform_data" "approved_release" {
  input = "v1.4.0"

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gitlabjobs_deployment_approval.production]
    }
  }
}
