# By "<project>:<job_id>". A job still `manual`, `scheduled`, `created` or
# `skipped` is refused: it was not played.
terraform import gitlabjobs_job_play.deploy "demo-group/platform/deploy-service:1013"
