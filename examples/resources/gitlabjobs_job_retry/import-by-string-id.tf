import {
  to = gitlabjobs_job_retry.e2e_test
  id = "demo-group/platform/deploy-service:1012:1015"
}
