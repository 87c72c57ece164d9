# A job that was played is imported by "<project>:<job_id>": the project's
# full path (or numeric ID) and the job's ID. The job itself is recorded as
# the played job.
terraform import gitlabjobs_job_play.deploy "demo-group/platform/deploy-service:1013"
