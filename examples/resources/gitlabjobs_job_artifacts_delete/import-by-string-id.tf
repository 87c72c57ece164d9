import {
  to = gitlabjobs_job_artifacts_delete.previous_build
  id = "demo-group/platform/deploy-service:1001"
}
