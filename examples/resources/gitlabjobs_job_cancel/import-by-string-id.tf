import {
  to = gitlabjobs_job_cancel.smoke_test
  id = "demo-group/platform/deploy-service:1014"
}
