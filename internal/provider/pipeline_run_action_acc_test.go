package provider_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
)

// TestAccPipelineRunAction_example applies examples/actions/gitlabjobs_pipeline_run
// against the seeded simulator under Terraform 1.14+: the apply's
// action_trigger runs one pipeline for the tag (waiting until it blocks on
// the manual deploy), `terraform apply -invoke` runs a second one, and a plan
// afterwards runs nothing.
func TestAccPipelineRunAction_example(t *testing.T) {
	acctest.PreCheck(t)
	tf := terraformWithActions(t)
	env := acctest.NewSeededEnv(t)
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "actions", "gitlabjobs_pipeline_run", "action.tf"))
	if err != nil {
		t.Fatal(err)
	}
	const projectID = 1 // demo-group/platform/deploy-service, the seed's only project
	cli := newTerraformCLI(t, tf, tfWorkDir(t, env.ProviderConfig("")+"\n"+string(src)))
	cli.run(t, "init", "-input=false", "-no-color")
	out := cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color")
	if got := len(env.Sim.CreatedPipelines(projectID)); got != 1 {
		t.Fatalf("the action_trigger ran %d pipelines, want 1; output:\n%s", got, out)
	}
	id := env.Sim.CreatedPipelines(projectID)[0]
	if st := env.Sim.PipelineStatus(id); st != "manual" {
		t.Errorf("pipeline %d is %s, want manual (blocked on deploy)", id, st)
	}
	out = cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_pipeline_run.release")
	if !regexp.MustCompile(`pipeline \d+: manual`).MatchString(out) {
		t.Errorf("the invocation shows no progress:\n%s", out)
	}
	if got := len(env.Sim.CreatedPipelines(projectID)); got != 2 {
		t.Errorf("after -invoke, %d pipelines, want 2", got)
	}
	out = cli.run(t, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if got := len(env.Sim.CreatedPipelines(projectID)); got != 2 || !strings.Contains(out, "No changes") {
		t.Errorf("a plan ran pipelines (%d) or has changes:\n%s", got, out)
	}
}
