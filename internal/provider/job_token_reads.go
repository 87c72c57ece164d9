package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Reads a CI job token cannot make. In current GitLab, lib/api/ci/jobs.rb
// marks GET /projects/:id/jobs (the project's job list) job_token_allowed,
// and lib/api/ci/pipelines.rb the pipeline's job list, but not
// GET /projects/:id/jobs/:job_id nor its /trace: GitLab does not take a job
// token as a credential there and answers 401. gitlabjobs_job and
// gitlabjobs_job_trace refuse one before sending anything, at read time
// (for a data source whose arguments are known, that is the plan).

// jobTokenReadDocs is the sentence the descriptions of gitlabjobs_job (log
// false) and gitlabjobs_job_trace (log true) carry.
func jobTokenReadDocs(log bool) string {
	if log {
		return "A CI job token cannot read a job's log (nor a single job) in current GitLab, which answers 401 to " +
			"one: configure the provider with an access token with the `read_api` scope to read logs."
	}
	return "A CI job token cannot read a single job (nor its log) in current GitLab, which answers 401 to one: " +
		"with a job token, use `gitlabjobs_pipeline_job`, `gitlabjobs_pipeline_jobs` or `gitlabjobs_project_jobs`; " +
		"otherwise configure the provider with an access token with the `read_api` scope."
}

// jobTokenReadError is the diagnostic of gitlabjobs_job (log false) or
// gitlabjobs_job_trace (log true) when the provider authenticates with a
// CI job token; nil otherwise, and when the provider's configuration is
// not known yet (clientFor says so).
func jobTokenReadError(what string, log bool, data *providerData) diag.Diagnostics {
	if !data.usesJobToken() {
		return nil
	}
	var diags diag.Diagnostics
	if log {
		diags.AddError("A CI job token cannot read a job's log",
			fmt.Sprintf("%s reads GET /projects/:id/jobs/:job_id/trace, but the gitlabjobs provider authenticates with a "+
				"CI job token (%s). In current GitLab a CI job token cannot read a single job or its log: those "+
				"endpoints answer 401 to a job token. The request was not sent.\n\n"+
				"No endpoint gives a job's log to a job token. Read it with a provider (an alias, if you also need the "+
				"job token) whose token (or the %s environment variable) is a personal, project or group access token "+
				"with the read_api scope whose user has at least the Reporter role in the project (inside GitLab CI, "+
				"store it as a masked CI/CD variable). A job's status and details are readable with the job token "+
				"through gitlabjobs_pipeline_job (one job of a pipeline, by name), gitlabjobs_pipeline_jobs or "+
				"gitlabjobs_project_jobs, where the project's CI/CD job token settings allow it.",
				what, data.jobTokenSource, EnvToken))
		return diags
	}
	diags.AddError("A CI job token cannot read a single job",
		fmt.Sprintf("%s reads GET /projects/:id/jobs/:job_id, but the gitlabjobs provider authenticates with a CI job "+
			"token (%s). In current GitLab a CI job token cannot read a single job or its log: those endpoints answer "+
			"401 to a job token. The request was not sent.\n\n"+
			"With the job token, read the job from a list GitLab opens to job tokens (where the project's CI/CD job "+
			"token settings allow it): gitlabjobs_pipeline_job (one job of a pipeline, by name), gitlabjobs_pipeline_jobs "+
			"(a pipeline's jobs) or gitlabjobs_project_jobs (a project's jobs); for the job running with the token, "+
			"gitlabjobs_job_token_job. Or set the provider's token (or the %s environment variable) to a personal, "+
			"project or group access token with the read_api scope whose user has at least the Reporter role in the "+
			"project (inside GitLab CI, store it as a masked CI/CD variable).",
			what, data.jobTokenSource, EnvToken))
	return diags
}
