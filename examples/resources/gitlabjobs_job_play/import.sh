# A job that was played, by "<project>:<job_id>" (the project's full path or
# numeric ID). The job is recorded as the played job. A job still `manual`,
# `scheduled`, `created` or `skipped` is refused: it was not played.
terraform import gitlabjobs_job_play.deploy "demo-group/platform/deploy-service:1013"
