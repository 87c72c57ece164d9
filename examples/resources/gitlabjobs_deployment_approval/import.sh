# An approval the token's user gave, by project and deployment ID
# (<project>:<deployment_id>):
terraform import gitlabjobs_deployment_approval.production "demo-group/platform/deploy-service:1"
