package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestAccJobPlayResource_importKeepsTheRun: a job played outside Terraform
// is imported (with an import block) into a configuration that has
// triggers and variables. GitLab does not remember those, so the import
// leaves them null; the apply stores the configuration's values in place
// and does not play the job again. From then on, changing triggers plays
// the job again as usual.
func TestAccJobPlayResource_importKeepsTheRun(t *testing.T) {
	env := acctest.NewEnv(t)
	project, pipeline := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"})
	jobID := pipeline.JobIDs[0]
	if err := env.Sim.PlayJob(jobID, nil); err != nil {
		t.Fatal(err)
	}
	plays := func() int {
		n := 0
		for _, id := range env.Sim.PipelineJobIDs(pipeline.ID) {
			n += env.Sim.ActionCount(id, gitlabsim.ActionPlay)
		}
		return n
	}
	wantPlays := func(want int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := plays(); got != want {
				return fmt.Errorf("the job was played %d times, want %d", got, want)
			}
			return nil
		}
	}
	config := func(tag string, trigger ...string) string {
		release := tag
		if len(trigger) > 0 {
			release = trigger[0]
		}
		return env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project   = %q
  job_id    = %d
  variables = { RELEASE_TAG = %q }
  triggers  = { release_tag = %q }
  wait_for  = "none"
}
`, project.PathWithNamespace, jobID, tag, release))
	}
	importBlock := fmt.Sprintf(`
import {
  to = gitlabjobs_job_play.deploy
  id = "%s:%d"
}
`, project.PathWithNamespace, jobID)
	const address = "gitlabjobs_job_play.deploy"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: config("v1") + importBlock,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(address, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, attr("played_job_id"), knownvalue.Int64Exact(jobID)),
					statecheck.ExpectKnownValue(address, attr("triggers"), knownvalue.MapExact(map[string]knownvalue.Check{
						"release_tag": knownvalue.StringExact("v1"),
					})),
				},
				Check: wantPlays(1),
			},
			{
				// Imported and stored: nothing to do.
				Config: config("v1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: wantPlays(1),
			},
			{
				// A new trigger plays the job again (with the variables of its
				// first run, as GitLab does: new variables are refused at plan)
				// once its run has finished: a fast CLI gets here while the
				// out-of-band run still goes, which the plan refuses.
				PreConfig: func() { waitFinished(t, env, jobID) },
				Config:    config("v1", "v2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(address, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: wantPlays(2),
			},
		},
	})
}

// TestAccJobPlayResource_importKeepsTheRunInputs: the same for inputs,
// which GitLab's job API does not show either: imported into a
// configuration with inputs, the resource stores them in place and plays
// nothing.
func TestAccJobPlayResource_importKeepsTheRunInputs(t *testing.T) {
	env := acctest.NewEnv(t)
	project, jobID := inputsJob(t, env, "actions/import-play-inputs", true, gitlabsim.RoleNoOneAllowed)
	if err := env.Sim.PlayJob(jobID, nil); err != nil {
		t.Fatal(err)
	}
	config := env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project  = %q
  job_id   = %d
  inputs   = { environment = "production", replicas = 2 }
  wait_for = "none"
}
`, project.PathWithNamespace, jobID))
	importBlock := fmt.Sprintf("\nimport {\n  to = gitlabjobs_job_play.deploy\n  id = \"%s:%d\"\n}\n", project.PathWithNamespace, jobID)
	const address = "gitlabjobs_job_play.deploy"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: config + importBlock,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(address, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, attr("inputs", "environment"), knownvalue.StringExact("production")),
				},
				Check: expectPosts(env, "play", 0),
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            expectPosts(env, "play", 0),
			},
		},
	})
	if n := env.Sim.ActionCount(jobID, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("the job was played %d times, want once (out of band)", n)
	}
}
