# An erased job is imported by "<project>:<job_id>": the project's full path
# (or numeric ID) and the job's ID. The import is checked against GitLab: the
# job must exist and be erased or finished; a job that has not finished (and
# so could not have been erased) is refused.
terraform import gitlabjobs_job_erase.previous_build "demo-group/platform/deploy-service:1001"
