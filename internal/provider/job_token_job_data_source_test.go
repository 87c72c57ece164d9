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
	agentID := env.Sim.CreateAgent(cfgProject.ID, "production", f.project.ID)
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
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_job.me", attr("job_id"), knownvalue.Int64Exact(f.running)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_job.me", attr("name"), knownvalue.StringExact("e2e")),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_job.me", attr("id"), knownvalue.StringExact(fmt.Sprintf("%d:%d", f.project.ID, f.running))),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("job_id"), knownvalue.Int64Exact(f.running)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("pipeline_id"), knownvalue.Int64Exact(f.pipeline.ID)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("project_id"), knownvalue.Int64Exact(f.project.ID)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("project_group_ids"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("environment"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.gitlabjobs_job_token_allowed_agents.me", attr("allowed_agents"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"id": knownvalue.Int64Exact(agentID),
							"config_project": knownvalue.ObjectPartial(map[string]knownvalue.Check{
								"path_with_namespace": knownvalue.StringExact("platform/agents"),
							}),
						}),
					})),
				},
			},
		},
	})
}
