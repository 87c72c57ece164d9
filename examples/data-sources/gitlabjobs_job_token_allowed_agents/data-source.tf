# Inside a GitLab CI job (authenticating with CI_JOB_TOKEN): the GitLab agents
# for Kubernetes this job may use.
provider "gitlabjobs" {}

data "gitlabjobs_job_token_allowed_agents" "current" {}

output "agent_config_projects" {
  value = [for a in data.gitlabjobs_job_token_allowed_agents.current.allowed_agents : a.config_project.path_with_namespace]
}
