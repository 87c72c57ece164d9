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
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
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

// The action under issue 18 (Terraform >= 1.14, -invoke through the CLI):
// a null variable is refused at plan, naming the key, with no request
// (case 9); a ref written in full whose answer is lost after GitLab created
// the pipeline is found, not sent again (case 3); on a project where no one
// may set pipeline variables, typed inputs run the pipeline once.
func TestAccPipelineRunAction_issue18(t *testing.T) {
	acctest.PreCheck(t)
	tf := terraformWithActions(t)
	env := acctest.NewEnv(t)
	open := ciProject(t, env, "", "")
	locked := lockedProject(t, env, nil, "")
	// Terraform validates every action of a configuration: the refused one
	// has its own.
	bad := newTerraformCLI(t, tf, tfWorkDir(t, env.ProviderConfig(fastSettle)+fmt.Sprintf(`
action "gitlabjobs_pipeline_run" "null_variable" {
  config {
    project   = %q
    ref       = "main"
    variables = { A = null, B = "x" }
  }
}
`, open.PathWithNamespace)))
	bad.run(t, "init", "-input=false", "-no-color")
	out, err := bad.runErr("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_pipeline_run.null_variable")
	if err == nil || !regexp.MustCompile(`(?s)Pipeline variable without a value.*variables A`).MatchString(out) {
		t.Errorf("a null variable: %v\n%s", err, out)
	}
	if posts := env.Sim.RequestCount(routeCreatePipeline); posts != 0 {
		t.Errorf("%d POSTs after the refused plan, want 0", posts)
	}

	config := env.ProviderConfig(fastSettle) + fmt.Sprintf(`
action "gitlabjobs_pipeline_run" "full_ref" {
  config {
    project = %[1]q
    ref     = "refs/heads/main"
  }
}

action "gitlabjobs_pipeline_run" "inputs" {
  config {
    project  = %[2]q
    ref      = "main"
    inputs   = { version = "2.0.0", replicas = 2, dry_run = true }
    wait_for = "success"
  }
}
`, open.PathWithNamespace, locked.PathWithNamespace)
	cli := newTerraformCLI(t, tf, tfWorkDir(t, config))
	cli.run(t, "init", "-input=false", "-no-color")
	invoke := func(name string) (string, error) {
		return cli.runErr("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_pipeline_run."+name)
	}

	env.Sim.InjectFault(gitlabsim.Fault{Route: routeCreatePipeline, Kind: gitlabsim.FaultStatusAfter, Status: 502, Calls: []int{1}})
	if out, err := invoke("full_ref"); err != nil {
		t.Errorf("full ref, lost answer: %v\n%s", err, out)
	}
	if n, posts := len(env.Sim.CreatedPipelines(open.ID)), env.Sim.RequestCount(routeCreatePipeline); n != 1 || posts != 1 {
		t.Errorf("full ref, lost answer: %d pipelines, %d POSTs; want 1 and 1", n, posts)
	}

	if out, err := invoke("inputs"); err != nil {
		t.Errorf("inputs where no one may set pipeline variables: %v\n%s", err, out)
	}
	created := env.Sim.CreatedPipelines(locked.ID)
	if len(created) != 1 {
		t.Fatalf("%d pipelines in the locked project, want 1", len(created))
	}
	if name := pipelineName(t, env, locked, fmt.Sprint(created[0])); name != "release 2.0.0" {
		t.Errorf("the pipeline is named %q: it did not run with the inputs", name)
	}
}
