package provider_test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Exactly once per intent, across the whole Terraform lifecycle (issue #11,
// cases 1 and 2): an action GitLab applied is never applied again for the
// same intent — not after a wait that timed out, a failed job, Ctrl-C, or a
// provider that died after its request — and a changed `variables` of a
// played job is refused at plan time. All run under Terraform and OpenTofu
// (TF_ACC_TERRAFORM_PATH). Every test counts the action requests
// the simulator received (POSTs, rejected or not), not only the actions it
// applied.

// posts is how many POST .../jobs/:job_id/<action> requests the simulator
// received, for any job.
func posts(env *acctest.Env, action string) int {
	return env.Sim.RequestCount("POST /api/v4/projects/{id}/jobs/{job_id}/" + action)
}

// expectPosts is a check that the simulator received n action requests.
func expectPosts(env *acctest.Env, action string, n int) func(*terraform.State) error {
	return func(*terraform.State) error {
		if got := posts(env, action); got != n {
			return fmt.Errorf("the simulator received %d POST .../%s, want %d", got, action, n)
		}
		return nil
	}
}

// expectNewJobID is a check that the retry resource records want() (read
// when the check runs) as new_job_id.
func expectNewJobID(want func() int64) func(*terraform.State) error {
	return func(s *terraform.State) error {
		if got := s.RootModule().Resources[jobRetry].Primary.Attributes["new_job_id"]; got != fmt.Sprint(want()) {
			return fmt.Errorf("new_job_id = %s, want the retry's job %d", got, want())
		}
		return nil
	}
}

// requirePosts fails the test unless the simulator received n action requests.
func requirePosts(t *testing.T, env *acctest.Env, action string, n int) {
	t.Helper()
	if err := expectPosts(env, action, n)(nil); err != nil {
		t.Fatal(err)
	}
}

// waitFinished waits until the simulated runner has finished a job.
func waitFinished(t *testing.T, env *acctest.Env, id int64) gitlabsim.Job {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j := simJob(t, env, id)
		switch j.Status {
		case "success", "failed", "canceled", "skipped":
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is still %s after 60 s", id, j.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAccLifecycle_playTimeoutThenApply: a play whose wait times out fails
// the apply and leaves the resource tainted; once the job has finished, the
// next apply records it and its outcome without playing it again.
func TestAccLifecycle_playTimeoutThenApply(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual", RunDuration: 5 * time.Second})
	deploy := pl.JobIDs[0]
	cfg := playConfig(env, p.PathWithNamespace, deploy, `  timeouts = { create = "2s" }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      cfg,
				ExpectError: regexp.MustCompile(fmt.Sprintf(`Timed out waiting for job %d`, deploy)),
			},
			{
				PreConfig: func() {
					requirePosts(t, env, "play", 1)
					waitFinished(t, env, deploy)
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionReplace), // tainted
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(deploy)),
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(jobPlay, attr("finished_at"), knownvalue.NotNull()),
				},
				Check: expectPosts(env, "play", 1),
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
				Check: expectPosts(env, "play", 1),
			},
		},
	})
	if n := len(env.Sim.PipelineJobIDs(pl.ID)); n != 1 {
		t.Errorf("the pipeline has %d jobs, want 1: the deploy must not run again", n)
	}
}

// TestAccLifecycle_retryTimeoutThenApply: the same for a retry — the next
// apply records the retry's job, and retries nothing.
func TestAccLifecycle_retryTimeoutThenApply(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "failed", Outcome: "success", RunDuration: 5 * time.Second})
	flaky := pl.JobIDs[0]
	cfg := retryConfig(env, p.PathWithNamespace, flaky, `  timeouts = { create = "2s" }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: retryTimeoutThenApplySteps(t, env, cfg, func() int64 {
			ids := env.Sim.PipelineJobIDs(pl.ID)
			if len(ids) != 2 {
				t.Fatalf("pipeline jobs %v, want the failed job and its retry", ids)
			}
			return ids[1]
		}),
	})
	if ids := env.Sim.PipelineJobIDs(pl.ID); len(ids) != 2 {
		t.Errorf("pipeline jobs %v, want exactly one retry", ids)
	}
}

// retryTimeoutThenApplySteps are the steps of a retry (configuration cfg,
// whose wait times out) applied again once its new run, newRun(), has
// finished: the apply records it, and nothing is retried again.
func retryTimeoutThenApplySteps(t *testing.T, env *acctest.Env, cfg string, newRun func() int64) []resource.TestStep {
	var newJob int64
	return []resource.TestStep{
		{
			Config:      cfg,
			ExpectError: regexp.MustCompile(`Timed out waiting for job`),
		},
		{
			PreConfig: func() {
				requirePosts(t, env, "retry", 1)
				newJob = newRun()
				waitFinished(t, env, newJob)
			},
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionReplace), // tainted
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobRetry, attr("status"), knownvalue.StringExact("success")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				expectPosts(env, "retry", 1),
				expectNewJobID(func() int64 { return newJob }),
			),
		},
		{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionNoop),
			}},
			Check: expectPosts(env, "retry", 1),
		},
	}
}

// TestAccLifecycle_failedJobStillFails: a played job that failed fails
// every apply that records it (so that its dependents stop), without
// playing it again; fail_on_job_failure = false records the failure.
func TestAccLifecycle_failedJobStillFails(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual", Outcome: "failed", FailureReason: "script_failure"})
	deploy := pl.JobIDs[0]
	failed := regexp.MustCompile(fmt.Sprintf(`(?s)Job %d \(deploy\) failed.*script_failure`, deploy))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      playConfig(env, p.PathWithNamespace, deploy, ""),
				ExpectError: failed,
			},
			{
				Config:      playConfig(env, p.PathWithNamespace, deploy, ""),
				ExpectError: failed,
			},
			{
				PreConfig: func() { requirePosts(t, env, "play", 1) },
				Config:    playConfig(env, p.PathWithNamespace, deploy, "  fail_on_job_failure = false"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(deploy)),
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("failed")),
				},
				Check: expectPosts(env, "play", 1),
			},
		},
	})
}

// TestAccLifecycle_actedBeforeStateSaved is the provider killed after its
// request (or a state lost): GitLab applied the action, the state never
// recorded it. A fresh retry finds the job retried (a newer run in its
// pipeline) and adopts that run; a fresh play cannot tell a played manual
// job from a job that never was one, so it refuses, naming import, and
// sends nothing; once imported, applying sends nothing either.
func TestAccLifecycle_actedBeforeStateSaved(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"},
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "failed", Outcome: "success"})
	deploy, flaky := pl.JobIDs[0], pl.JobIDs[1]
	if err := env.Sim.PlayJob(deploy, []gitlabsim.Variable{{Key: "ENVIRONMENT", Value: "staging"}}); err != nil {
		t.Fatal(err)
	}
	retried, err := env.Sim.RetryJob(flaky)
	if err != nil {
		t.Fatal(err)
	}
	// No variables: an import cannot know them, and new variables for a
	// played job are refused (TestAccLifecycle_variablesChange).
	play := playConfig(env, p.PathWithNamespace, deploy, "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: retryConfig(env, p.PathWithNamespace, flaky, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobRetry, attr("new_job_id"), knownvalue.Int64Exact(retried)),
					statecheck.ExpectKnownValue(jobRetry, attr("status"), knownvalue.StringExact("success")),
				},
				Check: expectPosts(env, "retry", 0),
			},
			{
				Config:      play,
				ExpectError: regexp.MustCompile(`(?s)Job cannot be played: it is not waiting to be played.*no record of playing it.*tofu import`),
			},
			{
				PreConfig:          func() { requirePosts(t, env, "play", 0) },
				Config:             play,
				ResourceName:       jobPlay,
				ImportState:        true,
				ImportStateId:      fmt.Sprintf("%s:%d", p.PathWithNamespace, deploy),
				ImportStatePersist: true,
			},
			{
				Config: play,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(deploy)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(expectPosts(env, "play", 0), expectPosts(env, "retry", 0)),
			},
		},
	})
	if n := env.Sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("deploy played %d times, want 1 (out of band)", n)
	}
}

// TestAccLifecycle_triggersActAgain: a changed trigger is the one way to
// act again, and acts exactly once more.
func TestAccLifecycle_triggersActAgain(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"},
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "failed", Outcome: "success"})
	deploy, flaky := pl.JobIDs[0], pl.JobIDs[1]
	cfg := func(release string) string {
		return env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project  = %[1]q
  job_id   = %[2]d
  triggers = { release = %[4]q }
}

resource "gitlabjobs_job_retry" "flaky" {
  project  = %[1]q
  job_id   = %[3]d
  triggers = { release = %[4]q }
}
`, p.PathWithNamespace, deploy, flaky, release))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg("1.0"),
				Check:  resource.ComposeAggregateTestCheckFunc(expectPosts(env, "play", 1), expectPosts(env, "retry", 1)),
			},
			{
				Config: cfg("1.1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(jobRetry, attr("status"), knownvalue.StringExact("success")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					expectPosts(env, "play", 2), expectPosts(env, "retry", 2),
					func(s *terraform.State) error {
						if got := s.RootModule().Resources[jobPlay].Primary.Attributes["played_job_id"]; got == fmt.Sprint(deploy) {
							return fmt.Errorf("played_job_id is still %s: the deploy's new run is not recorded", got)
						}
						return nil
					},
				),
			},
			{
				Config: cfg("1.1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(expectPosts(env, "play", 2), expectPosts(env, "retry", 2)),
			},
		},
	})
	// deploy (played in place), e2e, its first retry, then one new run of
	// each for the changed trigger.
	if n := len(env.Sim.PipelineJobIDs(pl.ID)); n != 5 {
		t.Errorf("the pipeline has %d jobs %v, want 5", n, env.Sim.PipelineJobIDs(pl.ID))
	}
}

// TestAccLifecycle_triggersCreateBeforeDestroy: with create_before_destroy
// the replacement is created before its delete has handed the marker over,
// so a changed trigger cannot be told from a lost state: the retry adopts
// the run it finds, the play refuses; neither acts twice.
func TestAccLifecycle_triggersCreateBeforeDestroy(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "failed", Outcome: "success"},
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"})
	flaky, deploy := pl.JobIDs[0], pl.JobIDs[1]
	cbd := func(attempt string) string {
		return fmt.Sprintf(`  triggers = { attempt = %q }
  lifecycle {
    create_before_destroy = true
  }`, attempt)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: retryConfig(env, p.PathWithNamespace, flaky, cbd("1")), Check: expectPosts(env, "retry", 1)},
			{
				Config: retryConfig(env, p.PathWithNamespace, flaky, cbd("2")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionReplace),
				}},
				Check: expectPosts(env, "retry", 1),
			},
			{Config: playConfig(env, p.PathWithNamespace, deploy, cbd("1")), Check: expectPosts(env, "play", 1)},
			{
				Config:      playConfig(env, p.PathWithNamespace, deploy, cbd("2")),
				ExpectError: regexp.MustCompile(`Job cannot be played: it is not waiting to be played`),
			},
		},
	})
	requirePosts(t, env, "play", 1)
}

// TestAccLifecycle_variablesChange: new variables for a played job are
// refused at plan time (GitLab would run it again with its first run's
// variables) and nothing is sent; pointing job_id at a new pipeline's manual
// job plays that one, once, with the new variables.
func TestAccLifecycle_variablesChange(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"})
	deploy := pl.JobIDs[0]
	next := env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Stage: "deploy", Status: "manual"},
	}}).JobIDs[0]
	vars := func(environment string) string {
		return fmt.Sprintf(`  variables = { ENVIRONMENT = %q }`, environment)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: playConfig(env, p.PathWithNamespace, deploy, vars("staging")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
				},
				Check: expectPosts(env, "play", 1),
			},
			{
				Config:      playConfig(env, p.PathWithNamespace, deploy, vars("production")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)New variables cannot be applied to a job that was played.*variables of its first.*point job_id at it`),
			},
			{
				Config:      playConfig(env, p.PathWithNamespace, deploy, vars("production")),
				ExpectError: regexp.MustCompile(`New variables cannot be applied to a job that was played`),
			},
			{
				PreConfig: func() { requirePosts(t, env, "play", 1) },
				Config:    playConfig(env, p.PathWithNamespace, next, vars("production")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(next)),
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
				},
				Check: expectPosts(env, "play", 2),
			},
		},
	})
	if got := env.Sim.JobVariables(deploy); fmt.Sprint(got) != fmt.Sprint([]gitlabsim.Variable{{Key: "ENVIRONMENT", Value: "staging"}}) {
		t.Errorf("the first deploy ran with %v, want staging only", got)
	}
	if got := env.Sim.JobVariables(next); fmt.Sprint(got) != fmt.Sprint([]gitlabsim.Variable{{Key: "ENVIRONMENT", Value: "production"}}) {
		t.Errorf("the new pipeline's deploy ran with %v, want production", got)
	}
	if n := env.Sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("the first deploy was played %d times, want 1", n)
	}
}

// TestAccLifecycle_interrupt presses Ctrl-C while an apply waits for the
// played job: the apply stops, and the next apply records the job without
// playing it again, with a warning that says so and names triggers.
func TestAccLifecycle_interrupt(t *testing.T) {
	acctest.PreCheck(t)
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual", RunDuration: 4 * time.Second})
	deploy := pl.JobIDs[0]
	cli := newTerraformCLI(t, os.Getenv(acctest.EnvTerraformPath), tfWorkDir(t, playConfig(env, p.PathWithNamespace, deploy, "")))
	cli.run(t, "init", "-input=false", "-no-color")

	cmd := cli.command("apply", "-auto-approve", "-input=false", "-no-color")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for env.Sim.ActionCount(deploy, gitlabsim.ActionPlay) == 0 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the job was not played within 30 s:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the provider waits for the job now
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the interrupted apply succeeded:\n%s", out.String())
	}
	if st := simJob(t, env, deploy).Status; st == "success" {
		t.Fatalf("the job had finished before the interrupt; the test proves nothing:\n%s", out.String())
	}
	requirePosts(t, env, "play", 1)

	second := cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color")
	if !strings.Contains(second, fmt.Sprintf("Job %d was already played: not playing it again", deploy)) || !strings.Contains(second, "change triggers") {
		t.Errorf("the second apply does not warn that the job was played before, naming triggers:\n%s", second)
	}
	requirePosts(t, env, "play", 1)
	if st := simJob(t, env, deploy).Status; st != "success" {
		t.Errorf("after the second apply job %d is %s, want success (it waited for the job)", deploy, st)
	}
	show := cli.run(t, "state", "show", "-no-color", jobPlay)
	if !regexp.MustCompile(`status\s+= "success"`).MatchString(show) || !regexp.MustCompile(fmt.Sprintf(`played_job_id\s+= %d`, deploy)).MatchString(show) {
		t.Errorf("the state does not hold the played job and its outcome:\n%s", show)
	}
}

// command is the CLI run with args, not started, for tests that signal it.
func (c *terraformCLI) command(args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, append([]string{"-chdir=" + c.dir}, args...)...)
	cmd.Env = c.env
	return cmd
}

// TestAccLifecycle_replace: a replacement the user forces (taint, like
// apply -replace) is not a changed trigger: it records the play and the
// retry again and sends nothing.
func TestAccLifecycle_replace(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"},
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "failed", Outcome: "success"})
	deploy, flaky := pl.JobIDs[0], pl.JobIDs[1]
	cfg := env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project = %[1]q
  job_id  = %[2]d
}

resource "gitlabjobs_job_retry" "flaky" {
  project = %[1]q
  job_id  = %[3]d
}
`, p.PathWithNamespace, deploy, flaky))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, Check: resource.ComposeAggregateTestCheckFunc(expectPosts(env, "play", 1), expectPosts(env, "retry", 1))},
			{
				Taint:  []string{jobPlay, jobRetry},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(deploy)),
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(jobRetry, attr("status"), knownvalue.StringExact("success")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(expectPosts(env, "play", 1), expectPosts(env, "retry", 1)),
			},
		},
	})
}
