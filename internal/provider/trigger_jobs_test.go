package provider_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestAccJobPlayResource_bridge plays a manual trigger job (bridge): without
// pipeline_id GitLab's single-job read does not find it, and the plan says
// to set pipeline_id, sending nothing; with it the bridge is played once and
// waited for through its pipeline's trigger job list, and applying again
// (plan and refresh included) sends nothing more.
func TestAccJobPlayResource_bridge(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success"},
		gitlabsim.JobSpec{Name: "deploy-downstream", Stage: "deploy", Status: "manual", Bridge: true,
			Trigger: &gitlabsim.TriggerSpec{Jobs: []gitlabsim.JobSpec{{Name: "child", Stage: "deploy", Status: "pending", RunDuration: time.Second}}}})
	bridge := pl.JobIDs[1]
	const route = "POST /api/v4/projects/{id}/jobs/{job_id}/play"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      playConfig(env, p.PathWithNamespace, bridge, ""),
				ExpectError: regexp.MustCompile(`(?s)GitLab job not found.*set\s+pipeline_id`),
			},
			{
				Config: playConfig(env, p.PathWithNamespace, bridge, fmt.Sprintf("  pipeline_id = %d", pl.ID)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(bridge)),
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
				},
			},
			{
				Config: playConfig(env, p.PathWithNamespace, bridge, fmt.Sprintf("  pipeline_id = %d", pl.ID)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// The played bridge started its child pipeline.
				Config: playConfig(env, p.PathWithNamespace, bridge, fmt.Sprintf("  pipeline_id = %d", pl.ID)) + fmt.Sprintf(`
data "gitlabjobs_pipeline_bridges" "release" {
  project     = %q
  pipeline_id = %d
}
`, p.PathWithNamespace, pl.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_bridges.release", attr("bridges"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"job_id": knownvalue.Int64Exact(bridge),
							"downstream_pipeline": knownvalue.ObjectPartial(map[string]knownvalue.Check{
								"source": knownvalue.StringExact("parent_pipeline"),
							}),
						}),
					})),
				},
			},
		},
	})
	if n := env.Sim.RequestCount(route); n != 1 {
		t.Errorf("%d play requests, want 1", n)
	}
	if n := env.Sim.ActionCount(bridge, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("bridge played %d times, want 1", n)
	}
	if j := simJob(t, env, bridge); j.Status != "success" {
		t.Errorf("bridge is %s, want success", j.Status)
	}
}
