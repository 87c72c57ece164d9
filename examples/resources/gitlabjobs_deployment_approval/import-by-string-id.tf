import {
  to = gitlabjobs_deployment_approval.production
  id = "demo-group/platform/deploy-service:1"
}
