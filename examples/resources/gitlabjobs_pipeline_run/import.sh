# By "<project>:<pipeline_id>".
terraform import gitlabjobs_pipeline_run.release "demo-group/platform/deploy-service:905"
