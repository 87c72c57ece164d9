# "<project>:<pipeline_id>": the project's full path (or numeric ID) and the pipeline's ID.
terraform import gitlabjobs_pipeline_run.release "demo-group/platform/deploy-service:905"
