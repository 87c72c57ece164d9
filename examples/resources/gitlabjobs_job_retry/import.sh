# A retry is imported by "<project>:<job_id>:<new_job_id>": the project's full
# path (or numeric ID), the job that was retried and the job the retry created.
terraform import gitlabjobs_job_retry.e2e_test "demo-group/platform/deploy-service:1012:1015"
