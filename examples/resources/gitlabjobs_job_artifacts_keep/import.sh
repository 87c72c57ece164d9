# A keep is imported by "<project>:<job_id>": the project's full path (or
# numeric ID) and the job's ID.
terraform import gitlabjobs_job_artifacts_keep.release_build "demo-group/platform/deploy-service:1011"
