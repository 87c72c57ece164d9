# A pipeline is imported by "<project>:<pipeline_id>": the project's full path
# (or numeric ID) and the pipeline's ID. Its ref, variables and run_id are read
# from GitLab; wait_for records the status it has reached (manual or success).
terraform import gitlabjobs_pipeline_run.release "demo-group/platform/deploy-service:905"
