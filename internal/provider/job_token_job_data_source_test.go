package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestAccJobTokenDataSources reads GET /job and GET /job/allowed_agents with
// the CI job token of a running job.
func TestAccJobTokenDataSources(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newReleaseFixture(t, env)
	cfgProject := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "platform/agents", Members: map[int64]int{env.AdminID: 40}})
	agentID := env.Sim.CreateAgentWithConfig(cfgProject.ID, "production",
		map[string]any{"default_namespace": "production", "protected_branches_only": true}, f.project.ID)
	// An agent configured in the job's own project: implicitly authorized,
	// with an empty configuration.
	ownAgentID := env.Sim.CreateAgent(f.project.ID, "review")
	jobToken := env.Sim.JobToken(f.running)
	withJobToken := env.ProviderBlock(fmt.Sprintf("  job_token = %q", jobToken))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// A personal token cannot use /job: say so before asking GitLab.
				Config:      env.Config(`data "gitlabjobs_job_token_job" "me" {}`),
				ExpectError: regexp.MustCompile(`(?s)A CI job token is needed.*job_token`),
			},
			{
				Config:      env.Config(`data "gitlabjobs_job_token_allowed_agents" "me" {}`),
				ExpectError: regexp.MustCompile(`(?s)A CI job token is needed.*job_token`),
			},
			{
				Config: withJobToken + `
data "gitlabjobs_job_token_job" "me" {}
data "gitlabjobs_job_token_allowed_agents" "me" {}

# The configuration is JSON, for jsondecode.
output "default_namespace" {
  value = jsondecode(data.gitlabjobs_job_token_allowed_agents.me.allowed_agents[0].configuration).default_namespace
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("default_namespace", knownvalue.StringExact("production")),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_job.me", attr("job_id"), knownvalue.Int64Exact(f.running)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_job.me", attr("name"), knownvalue.StringExact("e2e")),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_job.me", attr("id"), knownvalue.StringExact(fmt.Sprintf("%d:%d", f.project.ID, f.running))),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("job_id"), knownvalue.Int64Exact(f.running)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("pipeline_id"), knownvalue.Int64Exact(f.pipeline.ID)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("project_id"), knownvalue.Int64Exact(f.project.ID)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("project_group_ids"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("environment"), knownvalue.Null()),
					// GitLab sends the user's ID, username and roles only; the job's
					// user (the admin) is a Maintainer of the project.
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("user"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":       knownvalue.Int64Exact(env.AdminID),
						"username": knownvalue.StringExact("root"),
						"roles_in_project": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("guest"), knownvalue.StringExact("planner"),
							knownvalue.StringExact("reporter"), knownvalue.StringExact("developer"), knownvalue.StringExact("maintainer")}),
					})),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("allowed_agents"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"id": knownvalue.Int64Exact(agentID),
							"config_project": knownvalue.ObjectPartial(map[string]knownvalue.Check{
								"path_with_namespace": knownvalue.StringExact("platform/agents"),
							}),
							"configuration": knownvalue.StringExact(`{"default_namespace":"production","protected_branches_only":true}`),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"id": knownvalue.Int64Exact(ownAgentID),
							"config_project": knownvalue.ObjectPartial(map[string]knownvalue.Check{
								"path_with_namespace": knownvalue.StringExact("release/sub/app"),
							}),
							"configuration": knownvalue.StringExact(`{}`),
						}),
					})),
				},
			},
		},
	})
}
