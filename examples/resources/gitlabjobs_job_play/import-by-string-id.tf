import {
  to = gitlabjobs_job_play.deploy
  id = "demo-group/platform/deploy-service:1013"
}
