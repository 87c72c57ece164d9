# Credentials come from the environment: GITLAB_TOKEN (or CI_JOB_TOKEN inside
# GitLab CI) and GITLAB_BASE_URL (or CI_API_V4_URL).
provider "gitlabjobs" {}

# A self-managed GitLab with a private CA and a token in a variable.
provider "gitlabjobs" {
  alias       = "self_managed"
  base_url    = "https://gitlab.example.com/api/v4/"
  token       = var.gitlab_token
  cacert_file = "/etc/ssl/certs/example-ca.pem"
  retries     = 5
}

variable "gitlab_token" {
  description = "A GitLab token with the api scope."
  type        = string
  sensitive   = true
}
