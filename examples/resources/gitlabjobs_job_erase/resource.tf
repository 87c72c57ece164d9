# Housekeeping after a release: erase the log and artifacts of the previous
# release's build job (the job itself stays, with erased_at set). To erase
# every finished job of an old pipeline, use for_each over
# gitlabjobs_pipeline_jobs.
resource "gitlabjobs_job_erase" "previous_build" {
  project = "demo-group/platform/deploy-service"
  job_id  = 1001
}

output "previous_build_erased_at" {
  value = gitlabjobs_job_erase.previous_build.erased_at
}
