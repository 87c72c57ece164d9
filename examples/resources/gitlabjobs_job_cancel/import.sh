# A canceled job is imported by "<project>:<job_id>": the project's full path
# (or numeric ID) and the job's ID.
terraform import gitlabjobs_job_cancel.smoke_test "demo-group/platform/deploy-service:1014"
