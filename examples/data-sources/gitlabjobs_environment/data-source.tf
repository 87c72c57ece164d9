# The release tag's pipeline creates the production environment (its deploy
# job has environment: production).
resource "gitlabjobs_pipeline_run" "release" {
  project  = "demo-group/platform/deploy-service"
  ref      = "v1.4.0"
  wait_for = "manual"
}

# What runs in production now: the last successful deployment (null before
# the first one).
data "gitlabjobs_environment" "production" {
  project = gitlabjobs_pipeline_run.release.project
  name    = "production"
}

output "production" {
  value = {
    state        = data.gitlabjobs_environment.production.state
    tier         = data.gitlabjobs_environment.production.tier
    deployed_ref = try(data.gitlabjobs_environment.production.last_deployment.ref, null)
  }
}
