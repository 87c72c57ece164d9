# A retry is imported by "<project>:<job_id>:<new_job_id>": the project's full
# path (or numeric ID), the job that was retried and the job the retry created.
# The import is checked against GitLab: both jobs must exist, and new_job_id
# must be job_id's retry: another job, in the same pipeline, with the same
# name, created after it, and the next run of that name in the pipeline
# (retried jobs included). "1012:1011" (another job), "1012:1012" or the two
# IDs swapped are refused, naming what is wrong.
terraform import gitlabjobs_job_retry.e2e_test "demo-group/platform/deploy-service:1012:1015"
