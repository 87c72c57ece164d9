import {
  to = gitlabjobs_job_erase.previous_build
  id = "demo-group/platform/deploy-service:1001"
}
