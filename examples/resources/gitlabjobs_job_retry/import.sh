# By "<project>:<job_id>:<new_job_id>": the job retried and the job its retry
# created, checked against GitLab (see the lifecycle guide's Import).
terraform import gitlabjobs_job_retry.e2e_test "demo-group/platform/deploy-service:1012:1015"
