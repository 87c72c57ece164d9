# Inside a GitLab CI job (authenticating with CI_JOB_TOKEN): the GitLab agents
# for Kubernetes this job may use.
provider "gitlabjobs" {}

data "gitlabjobs_job_token_allowed_agents" "current" {}

output "agent_config_projects" {
  value = [for a in data.gitlabjobs_job_token_allowed_agents.current.allowed_agents : a.config_project.path_with_namespace]
}

# Each agent's ci_access configuration for this project, e.g. its default_namespace.
output "agent_configurations" {
  value = { for a in data.gitlabjobs_job_token_allowed_agents.current.allowed_agents : a.id => jsondecode(a.configuration) }
}

output "job_user_is_maintainer" {
  value = contains(data.gitlabjobs_job_token_allowed_agents.current.user.roles_in_project, "maintainer")
}
