package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

// Acceptance tests of the job actions through a real Terraform CLI: the
// `action_trigger` and `terraform apply -invoke=...` ways. Only Terraform
// 1.14 and later run actions (OpenTofu has none). An apply whose
// action_trigger invokes an action is a terraform-plugin-testing step
// (TerraformVersionChecks skips it below 1.14). terraform-plugin-testing has
// no step that runs `-invoke`, so for that terraformCLI (below) runs the CLI
// against the provider served in-process (TF_REATTACH_PROVIDERS); without a
// Terraform >= 1.14 (TF_ACC_TERRAFORM_PATH, else terraform on PATH) those
// tests are skipped, saying which CLIs were found. The protocol tests
// (common_action_test.go, <type>_action_test.go) cover the actions under
// every CLI.

// TestAccJobPlayAction_invoke plays a manual job with variables through
// `terraform apply -invoke`, which shows the job's progress; invoking the
// play of a running job fails with the status check and plays nothing.
func TestAccJobPlayAction_invoke(t *testing.T) {
	acctest.PreCheck(t)
	tf := terraformWithActions(t)
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual", LogOnRun: "deploying\n"},
		gitlabsim.JobSpec{Name: "migrate", Stage: "deploy", Status: "running"})
	deploy, running := pl.JobIDs[0], pl.JobIDs[1]
	dir := tfWorkDir(t, env.ProviderConfig("")+fmt.Sprintf(`
variable "api_key" {
  type      = string
  sensitive = true
  default   = "s3cr3t-value"
}

action "gitlabjobs_job_play" "deploy" {
  config {
    project = %[1]q
    job_id  = %[2]d
    variables = {
      DEPLOY_ENV = "production"
      API_KEY    = var.api_key
    }
  }
}

action "gitlabjobs_job_play" "running" {
  config {
    project = %[1]q
    job_id  = %[3]d
  }
}
`, p.PathWithNamespace, deploy, running))
	cli := newTerraformCLI(t, tf, dir)
	cli.run(t, "init", "-input=false", "-no-color")

	out := cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_job_play.deploy")
	if !strings.Contains(out, fmt.Sprintf("job %d: success", deploy)) {
		t.Errorf("the output shows no progress of job %d:\n%s", deploy, out)
	}
	if strings.Contains(out, "s3cr3t-value") {
		t.Errorf("the output shows the sensitive variable's value:\n%s", out)
	}
	if n := env.Sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}
	vars := env.Sim.JobVariables(deploy)
	if len(vars) != 2 || vars[0] != (gitlabsim.Variable{Key: "API_KEY", Value: "s3cr3t-value"}) || vars[1] != (gitlabsim.Variable{Key: "DEPLOY_ENV", Value: "production"}) {
		t.Errorf("job variables = %v", vars)
	}

	out, err := cli.runErr("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_job_play.running")
	if err == nil || !strings.Contains(out, "Job cannot be played") {
		t.Errorf("invoking the play of a running job: err = %v, output:\n%s", err, out)
	}
	if n := env.Sim.ActionCount(running, gitlabsim.ActionPlay); n != 0 {
		t.Errorf("played the running job %d times", n)
	}
}

// TestAccJobPlayAction_invokeInputs plays a manual job with typed job
// inputs through `terraform apply -invoke` on a project where no one may set
// pipeline variables; invoking it with variables fails the plan naming the
// setting, and sends nothing.
func TestAccJobPlayAction_invokeInputs(t *testing.T) {
	acctest.PreCheck(t)
	tf := terraformWithActions(t)
	env := acctest.NewEnv(t)
	p, deploy := inputsJob(t, env, "actions/invoke-play-inputs", true, gitlabsim.RoleNoOneAllowed)
	dir := tfWorkDir(t, env.ProviderConfig("")+fmt.Sprintf(`
action "gitlabjobs_job_play" "deploy" {
  config {
    project = %[1]q
    job_id  = %[2]d
    inputs = {
      environment = "production"
      replicas    = 3
      regions     = ["eu", "us"]
    }
  }
}

action "gitlabjobs_job_play" "with_variables" {
  config {
    project   = %[1]q
    job_id    = %[2]d
    variables = { DEPLOY_ENV = "production" }
  }
}
`, p.PathWithNamespace, deploy))
	cli := newTerraformCLI(t, tf, dir)
	cli.run(t, "init", "-input=false", "-no-color")

	out := cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_job_play.deploy")
	if !strings.Contains(out, fmt.Sprintf("job %d: success", deploy)) {
		t.Errorf("the output shows no progress of job %d:\n%s", deploy, out)
	}
	if n := env.Sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}
	j := simJob(t, env, deploy)
	if want := fmt.Sprint(map[string]any{"environment": "production", "replicas": 3.0, "regions": []any{"eu", "us"}, "dry_run": false, "release_tag": "v1.0.0"}); fmt.Sprint(j.Inputs) != want {
		t.Errorf("job inputs %v, want %v", j.Inputs, want)
	}

	out, err := cli.runErr("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_job_play.with_variables")
	if err == nil || !errRe(`The project forbids pipeline variables.*no_one_allowed.*Minimum role to use pipeline variables`).MatchString(out) {
		t.Errorf("invoking a play with variables where no one may set them: err = %v, output:\n%s", err, out)
	}
	if n := posts(env, "play"); n != 1 {
		t.Errorf("%d POST .../play, want 1", n)
	}
}

// TestAccJobActions_examples applies every job action example
// (examples/actions/gitlabjobs_job_*/action.tf) against the seeded
// simulator: the apply creates the example's terraform_data, whose
// action_trigger invokes the action once (a terraform-plugin-testing step,
// whose later plans and destroy invoke nothing); then `terraform apply
// -invoke` invokes it again.
func TestAccJobActions_examples(t *testing.T) {
	acctest.PreCheck(t)
	tf := terraformWithActions(t) // for -invoke; skips the whole test, once, without one
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "actions", "*", "action.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no action examples (%v)", err)
	}
	for _, file := range files {
		typeName := filepath.Base(filepath.Dir(file))
		if !strings.HasPrefix(typeName, "gitlabjobs_job_") {
			continue // the job actions' examples; TestAccPipelineRunAction_example runs gitlabjobs_pipeline_run's
		}
		t.Run(typeName, func(t *testing.T) {
			env := acctest.NewSeededEnv(t)
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			name := regexp.MustCompile(`action "` + typeName + `" "(\w+)"`).FindSubmatch(src)
			jobID := regexp.MustCompile(`(?m)^\s*job_id\s*=\s*(\d+)`).FindSubmatch(src)
			if name == nil || jobID == nil {
				t.Fatalf("%s: no action %s with a literal job_id", file, typeName)
			}
			id, _ := strconv.ParseInt(string(jobID[1]), 10, 64)
			what := strings.TrimPrefix(typeName, "gitlabjobs_job_")
			config := env.ProviderConfig("") + "\n" + string(src)
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
				Steps: []resource.TestStep{{
					Config: config,
					Check: func(*terraform.State) error {
						if n := env.Sim.ActionCount(id, what); n != 1 {
							return fmt.Errorf("the action_trigger ran %s on job %d %d times, want 1", what, id, n)
						}
						return nil
					},
				}},
			})
			if t.Skipped() {
				return
			}
			if n := env.Sim.ActionCount(id, what); n != 1 {
				t.Errorf("after the test case's plans and destroy, %s ran on job %d %d times, want 1", what, id, n)
			}
			cli := newTerraformCLI(t, tf, tfWorkDir(t, config))
			cli.run(t, "init", "-input=false", "-no-color")
			// The job has been acted on: invoking again succeeds (a play plays it
			// again; a keep, cancel or erase finds nothing to do; a retry
			// retries its newest run).
			cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color", fmt.Sprintf("-invoke=action.%s.%s", typeName, name[1]))
		})
	}
}

// terraformWithActions is a Terraform CLI that runs actions (1.14 or
// later): TF_ACC_TERRAFORM_PATH, else terraform on PATH. Without one the
// test is skipped, naming the CLIs found.
func terraformWithActions(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv(acctest.EnvTerraformPath)}
	if p, err := exec.LookPath("terraform"); err == nil {
		candidates = append(candidates, p)
	}
	version := regexp.MustCompile(`(?m)^(Terraform|OpenTofu) v(\d+)\.(\d+)\.\S*`)
	var found []string
	seen := map[string]bool{}
	for _, bin := range candidates {
		if bin == "" || seen[bin] {
			continue
		}
		seen[bin] = true
		cmd := exec.Command(bin, "version")
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
		out, err := cmd.Output()
		m := version.FindStringSubmatch(string(out))
		if err != nil || m == nil {
			found = append(found, fmt.Sprintf("%s (no version: %v)", bin, err))
			continue
		}
		major, _ := strconv.Atoi(m[2])
		minor, _ := strconv.Atoi(m[3])
		if m[1] == "Terraform" && (major > 1 || (major == 1 && minor >= 14)) {
			return bin
		}
		found = append(found, fmt.Sprintf("%s (%s)", bin, m[0]))
	}
	if len(found) == 0 {
		found = append(found, "no terraform")
	}
	t.Skipf("needs Terraform 1.14 or later to run actions (OpenTofu has none); found %s. "+
		"The protocol tests (TestJobPlayAction_*, ...) cover the actions without it.", strings.Join(found, ", "))
	return ""
}

// tfWorkDir is a temporary directory holding main.tf.
func tfWorkDir(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// terraformCLI runs a Terraform binary in a directory, with the provider
// served in-process and reattached.
type terraformCLI struct {
	bin, dir string
	env      []string
}

func newTerraformCLI(t *testing.T, bin, dir string) *terraformCLI {
	t.Helper()
	cliConfig := filepath.Join(t.TempDir(), "cli.tfrc")
	if err := os.WriteFile(cliConfig, []byte("disable_checkpoint = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &terraformCLI{bin: bin, dir: dir, env: append(os.Environ(),
		"TF_REATTACH_PROVIDERS="+serveProvider(t),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
	)}
}

func (c *terraformCLI) runErr(args ...string) (string, error) {
	cmd := exec.Command(c.bin, append([]string{"-chdir=" + c.dir}, args...)...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *terraformCLI) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.runErr(args...)
	if err != nil {
		t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// serveProvider serves the provider in-process until the test ends and
// returns its TF_REATTACH_PROVIDERS value.
func serveProvider(t *testing.T) string {
	t.Helper()
	server, err := acctest.ProtoV6ProviderFactories()["gitlabjobs"]()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	configCh := make(chan *plugin.ReattachConfig, 1)
	closeCh := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve(provider.Address, func() tfprotov6.ProviderServer { return server },
			tf6server.WithDebug(ctx, configCh, closeCh), tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			// The provider's logs go where terraform-plugin-testing sends those of
			// its own in-process servers: nowhere unless TF_LOG is set (then to
			// stderr, or TF_LOG_PATH / TF_LOG_PATH_MASK). Without a sink they are
			// JSON TRACE lines on the test's stderr.
			tf6server.WithLoggingSink(t))
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-configCh:
	case err := <-served:
		cancel()
		t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the provider did not start")
	}
	t.Cleanup(func() {
		cancel()
		<-closeCh
	})
	reattach, err := json.Marshal(map[string]any{provider.Address: map[string]any{
		"Protocol":        string(cfg.Protocol),
		"ProtocolVersion": cfg.ProtocolVersion,
		"Pid":             cfg.Pid,
		"Test":            cfg.Test,
		"Addr":            map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return string(reattach)
}
