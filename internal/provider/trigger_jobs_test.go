package provider_test

import (
	"fmt"
	"regexp"
	"strings"
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

// TestAccJobPlayResource_bridge plays a manual trigger job (bridge): without
// pipeline_id GitLab's single-job read does not find it, and the plan says
// to set pipeline_id, sending nothing; with it the bridge is played once and
// waited for through its pipeline's trigger job list, and applying again
// (plan and refresh included) sends nothing more. It imports through its
// pipeline only (<project>:<pipeline_id>:<job_id>), and verifies.
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
				// GitLab's single-job read does not find the bridge: the
				// import names the form with its pipeline.
				ResourceName:  jobPlay,
				ImportState:   true,
				ImportStateId: fmt.Sprintf("%s:%d", p.PathWithNamespace, bridge),
				ExpectError:   regexp.MustCompile(`(?s)Import ID does not match GitLab.*finds no trigger jobs.*<project>:<pipeline_id>:<job_id>`),
			},
			{
				ResourceName:  jobPlay,
				ImportState:   true,
				ImportStateId: fmt.Sprintf("%s:%d:%d", p.PathWithNamespace, pl.ID+1000, bridge),
				ExpectError:   regexp.MustCompile(`Import ID does not match GitLab`),
			},
			{
				ResourceName:                         jobPlay,
				ImportState:                          true,
				ImportStateId:                        fmt.Sprintf("%s:%d:%d", p.PathWithNamespace, pl.ID, bridge),
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
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

// failedBridge is a pipeline whose trigger job (strategy:depend) failed;
// retried, it triggers a new downstream pipeline whose job runs for run and
// ends with outcome, and takes that pipeline's status.
func failedBridge(t *testing.T, env *acctest.Env, run time.Duration, outcome string) (gitlabsim.Project, gitlabsim.Pipeline) {
	t.Helper()
	return newPipeline(t, env,
		gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success"},
		gitlabsim.JobSpec{Name: "deploy-downstream", Stage: "deploy", Status: "failed", Bridge: true,
			Trigger: &gitlabsim.TriggerSpec{Depend: true, Jobs: []gitlabsim.JobSpec{
				{Name: "child", Stage: "deploy", Status: "pending", RunDuration: run, Outcome: outcome}}}})
}

// newestRun is the newest job of pipeline pl in the simulator.
func newestRun(env *acctest.Env, pl gitlabsim.Pipeline) int64 {
	var newest int64
	for _, id := range env.Sim.PipelineJobIDs(pl.ID) {
		newest = max(newest, id)
	}
	return newest
}

// TestAccJobRetryResource_bridge retries a failed trigger job (bridge):
// without pipeline_id GitLab's single-job read does not find it, and the
// plan says to set pipeline_id, sending nothing; with it the bridge is
// retried once and its new run waited for through the pipeline's trigger
// job list (it succeeds with its new downstream pipeline); applying again
// and refreshing send nothing; the retry imports only through its pipeline
// and verifies; a new trigger retries the newest run once more.
func TestAccJobRetryResource_bridge(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := failedBridge(t, env, time.Second, "success")
	bridge := pl.JobIDs[1]
	withPipeline := func(attempt string) string {
		return retryConfig(env, p.PathWithNamespace, bridge, fmt.Sprintf("  pipeline_id = %d\n  triggers = { attempt = %q }", pl.ID, attempt))
	}
	var newJob int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      retryConfig(env, p.PathWithNamespace, bridge, ""),
				ExpectError: regexp.MustCompile(`(?s)GitLab job not found.*set\s+pipeline_id\s+of\s+gitlabjobs_job_play\s+or\s+gitlabjobs_job_retry`),
			},
			{
				PreConfig: func() { requirePosts(t, env, "retry", 0) },
				Config:    withPipeline("1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobRetry, attr("status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(jobRetry, attr("pipeline_id"), knownvalue.Int64Exact(pl.ID)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(expectPosts(env, "retry", 1), func(*terraform.State) error {
					newJob = newestRun(env, pl)
					if newJob == bridge || simJob(t, env, newJob).Name != "deploy-downstream" {
						return fmt.Errorf("newest job %d is not a new run of the bridge", newJob)
					}
					return nil
				}, expectNewJobID(func() int64 { return newJob })),
			},
			{
				Config: withPipeline("1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: expectPosts(env, "retry", 1),
			},
			{
				RefreshState: true,
				Check:        expectPosts(env, "retry", 1),
			},
			{
				ResourceName: jobRetry,
				ImportState:  true,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return fmt.Sprintf("%s:%d:%d", p.PathWithNamespace, bridge, newJob), nil
				},
				ExpectError: regexp.MustCompile(`(?s)Import ID does not match GitLab.*finds no trigger jobs.*<project>:<pipeline_id>:<job_id>:<new_job_id>`),
			},
			{
				ResourceName: jobRetry,
				ImportState:  true,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return fmt.Sprintf("%s:%d:%d:%d", p.PathWithNamespace, pl.ID, bridge, newJob), nil
				},
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				ImportStateVerifyIgnore:              []string{"triggers"},
			},
			{
				// A new trigger retries the newest run once more.
				Config: withPipeline("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobRetry, attr("status"), knownvalue.StringExact("success")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(expectPosts(env, "retry", 2),
					expectNewJobID(func() int64 { return newestRun(env, pl) })),
			},
		},
	})
	if n := env.Sim.ActionCount(bridge, gitlabsim.ActionRetry); n != 1 {
		t.Errorf("bridge retried %d times, want 1", n)
	}
}

// TestAccJobRetryResource_bridgeTimeoutThenApply: a retry of a bridge whose
// wait times out (its new downstream pipeline runs for 5s) leaves the
// resource tainted; once the new run has finished, the next apply finds it
// in the trigger job list (the retried bridge among the retried ones) and
// records it, retrying nothing.
func TestAccJobRetryResource_bridgeTimeoutThenApply(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := failedBridge(t, env, 5*time.Second, "success")
	bridge := pl.JobIDs[1]
	cfg := retryConfig(env, p.PathWithNamespace, bridge, fmt.Sprintf("  pipeline_id = %d\n  timeouts = { create = \"2s\" }", pl.ID))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps:                    retryTimeoutThenApplySteps(t, env, cfg, func() int64 { return newestRun(env, pl) }),
	})
}

// TestAccJobRetryResource_bridgeLostAnswer: GitLab retries the bridge but
// the answer is lost (the connection breaks); the client looks for the new
// run in the trigger job list instead of sending again, and records it.
// A bridge retried before any state recorded it (a provider killed after
// its request, a state lost) is adopted by a new resource, with a warning,
// and not retried again.
func TestAccJobRetryResource_bridgeLostAnswer(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := failedBridge(t, env, time.Second, "success")
	bridge := pl.JobIDs[1]
	other := env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "deploy-other", Stage: "deploy", Status: "failed", Bridge: true}}})
	env.Sim.InjectFault(gitlabsim.Fault{Route: "POST /api/v4/projects/{id}/jobs/{job_id}/retry", Kind: gitlabsim.FaultResetAfter, Calls: []int{1}})
	cfg := retryConfig(env, p.PathWithNamespace, bridge, fmt.Sprintf("  pipeline_id = %d", pl.ID))
	var retried int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobRetry, attr("status"), knownvalue.StringExact("success")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(expectPosts(env, "retry", 1),
					expectNewJobID(func() int64 { return newestRun(env, pl) })),
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: expectPosts(env, "retry", 1),
			},
			{
				PreConfig: func() {
					var err error
					if retried, err = env.Sim.RetryJob(other.JobIDs[0]); err != nil {
						t.Fatal(err)
					}
				},
				Config: retryConfig(env, p.PathWithNamespace, other.JobIDs[0], fmt.Sprintf("  pipeline_id = %d\n  wait_for = \"none\"", other.ID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobRetry, attr("new_job_id"), knownvalue.NotNull()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(expectPosts(env, "retry", 1),
					expectNewJobID(func() int64 { return retried })),
			},
		},
	})
	if n := env.Sim.ActionCount(bridge, gitlabsim.ActionRetry); n != 1 {
		t.Errorf("bridge retried %d times, want 1", n)
	}
}

// TestAccJobRetryResource_bridgeDownstreamFails: the retried bridge
// follows its new downstream pipeline (strategy:depend), which fails: the
// apply fails with the bridge's failure, and so does the next one, which
// records the same run without retrying again.
func TestAccJobRetryResource_bridgeDownstreamFails(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := failedBridge(t, env, time.Second, "failed")
	bridge := pl.JobIDs[1]
	cfg := retryConfig(env, p.PathWithNamespace, bridge, fmt.Sprintf("  pipeline_id = %d", pl.ID))
	// A trigger job has no log: the diagnostic names its downstream pipeline
	// and that pipeline's failed jobs (the CLI wraps lines: \s+).
	failed := regexp.MustCompile(`(?s)Job \d+ \(deploy-downstream\) failed.*See\s+it\s+at.*trigger\s+job\s+has\s+no\s+log\s+of\s+its\s+own:\s+its\s+` +
		`downstream\s+pipeline\s+\d+\s+\(project\s+\d+\)\s+is\s+failed;\s+failed\s+jobs:\s+\S+\s+\(job\s+\d+`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, ExpectError: failed},
			{PreConfig: func() { requirePosts(t, env, "retry", 1) }, Config: cfg, ExpectError: failed},
			{
				PreConfig: func() { requirePosts(t, env, "retry", 1) },
				Config:    retryConfig(env, p.PathWithNamespace, bridge, fmt.Sprintf("  pipeline_id = %d\n  fail_on_job_failure = false", pl.ID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobRetry, attr("status"), knownvalue.StringExact("failed")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(expectPosts(env, "retry", 1),
					expectNewJobID(func() int64 { return newestRun(env, pl) })),
			},
		},
	})
}

// TestAccJobRetryAction_bridgeInvoke retries a failed trigger job through
// `terraform apply -invoke` (Terraform 1.14 or later): without pipeline_id
// the invocation fails naming it and sends nothing; with it the bridge is
// retried once and its new run waited for until its downstream pipeline
// succeeds.
func TestAccJobRetryAction_bridgeInvoke(t *testing.T) {
	acctest.PreCheck(t)
	tf := terraformWithActions(t)
	env := acctest.NewEnv(t)
	p, pl := failedBridge(t, env, time.Second, "success")
	bridge := pl.JobIDs[1]
	dir := tfWorkDir(t, env.ProviderConfig("")+fmt.Sprintf(`
action "gitlabjobs_job_retry" "without_pipeline" {
  config {
    project = %[1]q
    job_id  = %[2]d
  }
}

action "gitlabjobs_job_retry" "bridge" {
  config {
    project     = %[1]q
    job_id      = %[2]d
    pipeline_id = %[3]d
  }
}
`, p.PathWithNamespace, bridge, pl.ID))
	cli := newTerraformCLI(t, tf, dir)
	cli.run(t, "init", "-input=false", "-no-color")
	out, err := cli.runErr("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_job_retry.without_pipeline")
	if err == nil || !regexp.MustCompile(`(?s)GitLab job not found.*set\s+pipeline_id`).MatchString(out) {
		t.Errorf("retry of a bridge without pipeline_id: err = %v, output:\n%s", err, out)
	}
	requirePosts(t, env, "retry", 0)
	out = cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_job_retry.bridge")
	newJob := newestRun(env, pl)
	if !strings.Contains(out, fmt.Sprintf("job %d retried: new job %d: success", bridge, newJob)) {
		t.Errorf("the output does not show the new run %d succeed:\n%s", newJob, out)
	}
	requirePosts(t, env, "retry", 1)
}
