# An erased job is imported by "<project>:<job_id>": the project's full path
# (or numeric ID) and the job's ID.
terraform import gitlabjobs_job_erase.previous_build "demo-group/platform/deploy-service:1001"
