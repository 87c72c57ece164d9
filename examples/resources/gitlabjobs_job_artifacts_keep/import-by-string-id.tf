import {
  to = gitlabjobs_job_artifacts_keep.release_build
  id = "demo-group/platform/deploy-service:1011"
}
