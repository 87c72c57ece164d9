# The files the release build left in its artifacts archive. GitLab's API
# cannot list an archive, so the provider downloads it (at most
# max_archive_size bytes, into a temporary file) and lists it.
data "gitlabjobs_job_artifacts" "release_build" {
  project = "demo-group/platform/deploy-service"
  job_id  = 1011
}

output "release_build_files" {
  value = { for f in data.gitlabjobs_job_artifacts.release_build.files : f.path => f.size }
}

output "has_image_digest" {
  value = contains(data.gitlabjobs_job_artifacts.release_build.paths, "image-digest.txt")
}
