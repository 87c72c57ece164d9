package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
)

// TestAccPipelineRunAction_example applies examples/actions/gitlabjobs_pipeline_run
// against the seeded simulator under Terraform 1.14+: the apply's
// action_trigger runs one pipeline for the tag (waiting until it blocks on
// the manual deploy), a plan afterwards runs nothing (terraform-plugin-testing
// steps), and `terraform apply -invoke` runs a second one (terraformCLI,
// job_actions_acc_test.go).
func TestAccPipelineRunAction_example(t *testing.T) {
	acctest.PreCheck(t)
	tf := terraformWithActions(t) // for -invoke; skips the test without one
	env := acctest.NewSeededEnv(t)
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "actions", "gitlabjobs_pipeline_run", "action.tf"))
	if err != nil {
		t.Fatal(err)
	}
	const projectID = 1 // demo-group/platform/deploy-service, the seed's only project
	config := env.ProviderConfig("") + "\n" + string(src)
	pipelines := func(want int) error {
		if got := len(env.Sim.CreatedPipelines(projectID)); got != want {
			return fmt.Errorf("%d pipelines were run, want %d", got, want)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					if err := pipelines(1); err != nil {
						return fmt.Errorf("the action_trigger: %w", err)
					}
					id := env.Sim.CreatedPipelines(projectID)[0]
					if st := env.Sim.PipelineStatus(id); st != "manual" {
						return fmt.Errorf("pipeline %d is %s, want manual (blocked on deploy)", id, st)
					}
					return nil
				},
			},
			{
				Config:   config,
				PlanOnly: true, // no changes, and the plan runs nothing
			},
		},
	})
	if t.Skipped() {
		return
	}
	if err := pipelines(1); err != nil {
		t.Fatalf("after the test case's plans and destroy: %v", err)
	}
	cli := newTerraformCLI(t, tf, tfWorkDir(t, config))
	cli.run(t, "init", "-input=false", "-no-color")
	out := cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_pipeline_run.release")
	if !regexp.MustCompile(`pipeline \d+: manual`).MatchString(out) {
		t.Errorf("the invocation shows no progress:\n%s", out)
	}
	if err := pipelines(2); err != nil {
		t.Errorf("after -invoke: %v", err)
	}
}
