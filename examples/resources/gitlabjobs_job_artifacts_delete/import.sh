# A delete is imported by "<project>:<job_id>": the project's full path (or
# numeric ID) and the job's ID.
terraform import gitlabjobs_job_artifacts_delete.previous_build "demo-group/platform/deploy-service:1001"
