import {
  to = gitlabjobs_pipeline_run.release
  id = "demo-group/platform/deploy-service:905"
}
