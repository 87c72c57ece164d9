# A canceled job is imported by "<project>:<job_id>": the project's full path
# (or numeric ID) and the job's ID. The import is checked against GitLab: the
# job must exist and must have stopped (canceled, or finished otherwise); a job
# that is still created, pending, running, manual or scheduled is refused,
# since it was not canceled (declare the resource and apply to cancel it).
terraform import gitlabjobs_job_cancel.smoke_test "demo-group/platform/deploy-service:1014"
