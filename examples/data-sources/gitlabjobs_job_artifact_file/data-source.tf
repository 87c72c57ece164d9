# The image digest and version the release build wrote into its artifacts
# (artifacts:paths in .gitlab-ci.yml), read by the build job's ID.
data "gitlabjobs_job_artifact_file" "digest" {
  project = "demo-group/platform/deploy-service"
  job_id  = 1011
  path    = "image-digest.txt"
}

data "gitlabjobs_job_artifact_file" "version" {
  project  = "demo-group/platform/deploy-service"
  job_id   = 1011
  path     = "version.txt"
  max_size = 1024 # bytes: a version file is small; anything larger fails the read
}

# By branch or tag instead of ID: the job named "build" of the latest
# successful pipeline of that ref (GitLab does not look at older pipelines).
#
# data "gitlabjobs_job_artifact_file" "latest" {
#   project = "group/project"
#   ref     = "main"
#   job     = "build"
#   path    = "image-digest.txt"
# }

output "image" {
  value = "registry.example.com/deploy-service@${trimspace(data.gitlabjobs_job_artifact_file.digest.content)}"
}

output "version" {
  value = trimspace(data.gitlabjobs_job_artifact_file.version.content)
}
