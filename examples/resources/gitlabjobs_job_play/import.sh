# A job that was played is imported by "<project>:<job_id>": the project's
# full path (or numeric ID) and the job's ID. The job itself is recorded as
# the played job. The import is checked against GitLab: the job must exist,
# and it must show that it was played: a job still `manual` (waiting to be
# played), `scheduled`, `created` or `skipped` is refused, since importing it
# would record a play that never happened (declare the resource and apply to
# play it). GitLab's API does not tell whether a queued, running or finished
# job was a manual one, so such a job is accepted as played.
terraform import gitlabjobs_job_play.deploy "demo-group/platform/deploy-service:1013"
