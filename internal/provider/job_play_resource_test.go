package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

const jobPlay = "gitlabjobs_job_play.deploy"

func playConfig(env *acctest.Env, project string, jobID int64, extra string) string {
	return env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project = %q
  job_id  = %d
%s
}
`, project, jobID, extra))
}

// TestAccJobPlayResource_variables plays a manual deploy job with variables,
// waits for its success, imports it, and plays it again only when a trigger
// changes.
func TestAccJobPlayResource_variables(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success"},
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual", LogOnRun: "deploying\n"})
	deploy := pl.JobIDs[1]
	vars := `  variables = {
    DEPLOY_ENV = "production"
    API_KEY    = "s3cr3t-value"
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: playConfig(env, p.PathWithNamespace, deploy, vars+"\n  triggers = { release = \"1.0\" }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionCreate),
					plancheck.ExpectUnknownValue(jobPlay, attr("played_job_id")),
					plancheck.ExpectSensitiveValue(jobPlay, attr("variables")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(deploy)),
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(jobPlay, attr("id"), knownvalue.StringExact(fmt.Sprintf("%s:%d", p.PathWithNamespace, deploy))),
					statecheck.ExpectKnownValue(jobPlay, attr("started_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(jobPlay, attr("finished_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(jobPlay, attr("failure_reason"), knownvalue.Null()),
					statecheck.ExpectKnownValue(jobPlay, attr("web_url"), knownvalue.StringRegexp(regexp.MustCompile(fmt.Sprintf("/-/jobs/%d$", deploy)))),
				},
				Check: func(*terraform.State) error {
					got := env.Sim.JobVariables(deploy)
					want := []gitlabsim.Variable{{Key: "API_KEY", Value: "s3cr3t-value"}, {Key: "DEPLOY_ENV", Value: "production"}}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						return fmt.Errorf("GitLab got variables %v, want %v", got, want)
					}
					if n := env.Sim.ActionCount(deploy, "play"); n != 1 {
						return fmt.Errorf("job played %d times, want 1", n)
					}
					return nil
				},
			},
			{
				// Applying again plays nothing.
				Config: playConfig(env, p.PathWithNamespace, deploy, vars+"\n  triggers = { release = \"1.0\" }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
				Check: func(*terraform.State) error {
					if n := env.Sim.ActionCount(deploy, "play"); n != 1 {
						return fmt.Errorf("job played %d times after a no-op apply, want 1", n)
					}
					return nil
				},
			},
			{
				ResourceName:                         jobPlay,
				ImportState:                          true,
				ImportStateId:                        fmt.Sprintf("%s:%d", p.PathWithNamespace, deploy),
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				ImportStateVerifyIgnore:              []string{"variables", "triggers"},
			},
			{
				// A new trigger plays the finished manual job again: GitLab runs it as a new job.
				Config: playConfig(env, p.PathWithNamespace, deploy, vars+"\n  triggers = { release = \"1.1\" }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
				},
				Check: func(s *terraform.State) error {
					played := s.RootModule().Resources[jobPlay].Primary.Attributes["played_job_id"]
					if played == fmt.Sprint(deploy) {
						return fmt.Errorf("played_job_id is still %s: playing a finished job must run a new job", played)
					}
					if n := len(env.Sim.PipelineJobIDs(pl.ID)); n != 3 {
						return fmt.Errorf("pipeline has %d jobs, want 3 (build, deploy, and deploy's new run)", n)
					}
					return nil
				},
			},
		},
	})
}

// TestAccJobPlayResource_jobFails fails the apply with the job's failure
// reason and URL, and records the failure with fail_on_job_failure = false.
func TestAccJobPlayResource_jobFails(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "deploy-a", Stage: "deploy", Status: "manual", Outcome: "failed", FailureReason: "script_failure"},
		gitlabsim.JobSpec{Name: "deploy-b", Stage: "deploy", Status: "manual", Outcome: "failed", FailureReason: "runner_system_failure"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      playConfig(env, p.PathWithNamespace, pl.JobIDs[0], ""),
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Job %d \(deploy-a\) failed.*script_failure.*/-/jobs/%d`, pl.JobIDs[0], pl.JobIDs[0])),
			},
			{
				Config: playConfig(env, p.PathWithNamespace, pl.JobIDs[1], "  fail_on_job_failure = false"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("failed")),
					statecheck.ExpectKnownValue(jobPlay, attr("failure_reason"), knownvalue.StringExact("runner_system_failure")),
				},
			},
		},
	})
}

// TestAccJobPlayResource_notPlayable fails the plan, naming the job's status,
// before anything is sent, and validates variables at plan time.
func TestAccJobPlayResource_notPlayable(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "running", Stuck: true},
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      playConfig(env, p.PathWithNamespace, pl.JobIDs[0], ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Job cannot be played.*Job %d \("e2e"\) is running`, pl.JobIDs[0])),
			},
			{
				Config:      playConfig(env, p.PathWithNamespace, 987654321, ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`GitLab job not found`),
			},
			{
				Config:      playConfig(env, p.PathWithNamespace, pl.JobIDs[1], `  variables = { "BAD-KEY" = "x" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)variables.*CI/CD variable key`),
			},
			{
				Config:      playConfig(env, p.PathWithNamespace, pl.JobIDs[1], `  wait_for = "done"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)wait_for.*value must be one of`),
			},
		},
	})
	if n := env.Sim.ActionCount(pl.JobIDs[0], "play") + env.Sim.ActionCount(pl.JobIDs[1], "play"); n != 0 {
		t.Errorf("%d plays were sent for invalid configurations, want 0", n)
	}
}

// TestAccJobPlayResource_timeout gives up waiting with a clear error and
// keeps the played job in the state.
func TestAccJobPlayResource_timeout(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual", Stuck: true})
	deploy := pl.JobIDs[0]
	cfg := playConfig(env, p.PathWithNamespace, deploy, `  timeouts = { create = "3s" }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      cfg,
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Timed out waiting for job %d.*still pending`, deploy)),
			},
			{
				// The job is kept (tainted): once it has finished, the next
				// apply records its outcome and does not play it again.
				PreConfig: func() {
					if err := env.Sim.SetJobStatus(deploy, "success"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(jobPlay, "played_job_id", fmt.Sprint(deploy)),
					resource.TestCheckResourceAttr(jobPlay, "status", "success"),
				),
			},
		},
	})
	if n := env.Sim.ActionCount(deploy, "play"); n != 1 {
		t.Errorf("job played %d times, want 1", n)
	}
}

// TestAccJobPlayResource_drift shows a job erased outside Terraform as a
// changed attribute, not an error, and keeps a job GitLab deleted.
func TestAccJobPlayResource_drift(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual", LogOnRun: "ok\n"})
	deploy := pl.JobIDs[0]
	cfg := playConfig(env, p.PathWithNamespace, deploy, `  wait_for = "finished"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("erased_at"), knownvalue.Null()),
				},
			},
			{
				PreConfig: func() {
					if err := env.Sim.EraseJob(deploy); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("erased_at"), knownvalue.NotNull()),
				},
			},
			{
				PreConfig: func() {
					if err := env.Sim.DeletePipeline(pl.ID); err != nil {
						t.Fatal(err)
					}
				},
				// The refresh keeps the resource (with a warning) and its last
				// known attributes: nothing is planned, nothing played again.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(jobPlay, attr("erased_at"), knownvalue.NotNull()),
				},
			},
		},
	})
}

// TestAccJobPlayResource_canceledOutOfBand shows a played job that someone
// canceled (and then retried) outside Terraform as changed attributes on
// the next plan, without an error and without playing again.
func TestAccJobPlayResource_canceledOutOfBand(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual", Stuck: true})
	deploy := pl.JobIDs[0]
	cfg := playConfig(env, p.PathWithNamespace, deploy, `  wait_for = "none"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("pending")),
				},
			},
			{
				PreConfig: func() {
					if err := env.Sim.CancelJob(deploy); err != nil {
						t.Fatal(err)
					}
					if _, err := env.Sim.RetryJob(deploy); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("canceled")),
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(deploy)),
				},
			},
		},
	})
	if n := env.Sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("job played %d times, want 1", n)
	}
}

// TestAccJobPlayResource_variablesGuard: where the project forbids pipeline
// variables for the user's role, GitLab refuses a play with variables (403,
// Ci::PlayBuildService#check_access!). A setting the token's user can read
// (a Maintainer) that forbids them to everyone (no_one_allowed, GitLab.com's
// default) fails the plan, before any request; one it cannot read (a
// Developer) fails the apply with GitLab's refusal. Both name the setting and
// the fix; nothing is played or saved, the refused request is not sent
// again, each later apply sends the play once, and once the project allows
// pipeline variables for the user's role the job is played, once.
func TestAccJobPlayResource_variablesGuard(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "configures the project's pipeline variables setting")
	dev := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "play-guard-developer"})
	devTok := env.Sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{Name: "dev"})
	newProject := func(path, role string) (gitlabsim.Project, int64) {
		p := env.Sim.CreateProject(gitlabsim.ProjectSpec{
			Path:                         path,
			Members:                      map[int64]int{env.AdminID: gitlabsim.MaintainerAccess, dev.ID: gitlabsim.DeveloperAccess},
			RestrictUserDefinedVariables: true, PipelineVariablesMinimumOverrideRole: role,
		})
		return p, env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
			{Name: "deploy", Stage: "deploy", Status: "manual"},
		}}).JobIDs[0]
	}
	closed, closedJob := newProject("actions/play-guard-no-one", gitlabsim.RoleNoOneAllowed)
	maint, maintJob := newProject("actions/play-guard-maintainer", gitlabsim.RoleMaintainer)
	const vars = `  variables = { DEPLOY_ENV = "production" }`
	const fix = `"Minimum role to use pipeline variables" \(ci_pipeline_variables_minimum_override_role, enforced ` +
		`while restrict_user_defined_variables is on\).*no_one_allowed.*pass the values as inputs instead.*` +
		`Settings > CI/CD > Variables`
	atPlan := errRe(`The project forbids pipeline variables.*no_one_allowed, so GitLab would refuse to play the job ` +
		`with variables.*Nothing is played.*` + fix)
	refused := errRe(fmt.Sprintf(`GitLab refused to play job %d with variables.*403 Forbidden.*Nothing was played.*`, maintJob) + fix)
	devCfg := env.ProviderBlock(fmt.Sprintf("  token = %q", devTok)) + fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project = %q
  job_id  = %d
%s
}
`, maint.PathWithNamespace, maintJob, vars)
	notPlayed := func(job int64, posts int) func() {
		return func() {
			requirePosts(t, env, "play", posts)
			if n := env.Sim.ActionCount(job, gitlabsim.ActionPlay); n != 0 {
				t.Fatalf("job played %d times, want 0: GitLab refused the play", n)
			}
			if s := simJob(t, env, job).Status; s != "manual" {
				t.Fatalf("job is %s, want manual", s)
			}
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			// A Maintainer reads the setting: refused at plan, nothing sent.
			{Config: playConfig(env, closed.PathWithNamespace, closedJob, vars), ExpectError: atPlan},
			// A Developer cannot: GitLab refuses the play.
			{PreConfig: notPlayed(closedJob, 0), Config: devCfg, ExpectError: refused},
			{
				// Refused, so nothing was saved: the next apply plays once
				// more (GitLab refuses it again), never twice.
				PreConfig:   notPlayed(maintJob, 1),
				Config:      devCfg,
				ExpectError: refused,
			},
			{
				// The Maintainer allows Developers to set pipeline variables.
				PreConfig: func() {
					notPlayed(maintJob, 2)()
					if err := env.Sim.SetPipelineVariablesSettings(maint.ID, gitlabsim.PipelineVariablesSettings{
						RestrictUserDefinedVariables: true, MinimumOverrideRole: gitlabsim.RoleDeveloper}); err != nil {
						t.Fatal(err)
					}
				},
				Config: devCfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(maintJob)),
				},
				Check: func(s *terraform.State) error {
					if err := expectPosts(env, "play", 3)(s); err != nil {
						return err
					}
					if n := env.Sim.ActionCount(maintJob, gitlabsim.ActionPlay); n != 1 {
						return fmt.Errorf("job played %d times, want 1", n)
					}
					return nil
				},
			},
			{Config: devCfg, Check: expectPosts(env, "play", 3)},
		},
	})
}

// inputsJob is the manual deploy job, with job inputs, of a pipeline created
// through the API from a CI configuration, in a project with the given
// pipeline variables setting.
func inputsJob(t *testing.T, env *acctest.Env, path string, restrict bool, role string) (gitlabsim.Project, int64) {
	t.Helper()
	return inputsJobRunning(t, env, path, restrict, role, "")
}

// inputsJobRunning is inputsJob whose deploy runs for run (a Go duration;
// "" for the simulator's default).
func inputsJobRunning(t *testing.T, env *acctest.Env, path string, restrict bool, role, run string) (gitlabsim.Project, int64) {
	t.Helper()
	env.RequireSim(t, "sets up a CI configuration with job inputs")
	p := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: path, Members: map[int64]int{env.AdminID: gitlabsim.MaintainerAccess},
		RestrictUserDefinedVariables: restrict, PipelineVariablesMinimumOverrideRole: role})
	if err := env.Sim.SetCIConfig(p.ID, gitlabsim.CIConfig{
		Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "deploy", Stage: "deploy", When: "manual", RunDuration: run,
			Inputs: map[string]gitlabsim.CIInput{
				"environment": {Default: "staging", Options: []any{"staging", "production"}},
				"replicas":    {Type: "number", Default: 1.0},
				"regions":     {Type: "array", Default: []any{"eu"}},
				"dry_run":     {Type: "boolean", Default: false},
				"release_tag": {Default: "v1.0.0", Regex: `^v\d+\.\d+\.\d+$`},
			},
			LogOnRun: "deploy to ${{ job.inputs.environment }} x${{ job.inputs.replicas }}\n"}},
	}); err != nil {
		t.Fatal(err)
	}
	ids := env.Sim.PipelineJobIDs(postPipeline(t, env, p, "main"))
	if len(ids) != 1 {
		t.Fatalf("pipeline jobs %v, want the deploy job", ids)
	}
	if s := simJob(t, env, ids[0]).Status; s != "manual" {
		t.Fatalf("deploy is %s, want manual", s)
	}
	return p, ids[0]
}

// TestAccJobPlayResource_inputs plays a manual job with typed job inputs on
// a project where no one may set pipeline variables (inputs are not
// variables), once: applying again plays nothing, and new inputs for the
// played job are refused at plan time, with nothing sent.
func TestAccJobPlayResource_inputs(t *testing.T) {
	env := acctest.NewEnv(t)
	p, deploy := inputsJob(t, env, "actions/play-inputs", true, gitlabsim.RoleNoOneAllowed)
	inputs := func(env string) string {
		return fmt.Sprintf(`  inputs = {
    environment = %q
    replicas    = 3
    regions     = ["eu", "us"]
    dry_run     = true
  }`, env)
	}
	cfg := playConfig(env, p.PathWithNamespace, deploy, inputs("production"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(deploy)),
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(jobPlay, attr("inputs", "replicas"), knownvalue.Int64Exact(3)),
				},
				Check: func(s *terraform.State) error {
					j := simJob(t, env, deploy)
					want := map[string]any{"environment": "production", "replicas": 3.0, "regions": []any{"eu", "us"}, "dry_run": true, "release_tag": "v1.0.0"}
					if fmt.Sprint(j.Inputs) != fmt.Sprint(want) {
						return fmt.Errorf("GitLab got inputs %v, want %v", j.Inputs, want)
					}
					if !strings.Contains(j.Log, "deploy to production x3") {
						return fmt.Errorf("the job's log %q does not show the inputs", j.Log)
					}
					if n := env.Sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
						return fmt.Errorf("job played %d times, want 1", n)
					}
					return expectPosts(env, "play", 1)(s)
				},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
				Check: expectPosts(env, "play", 1),
			},
			{
				// New inputs for the played job: refused at plan, nothing sent.
				Config: playConfig(env, p.PathWithNamespace, deploy, inputs("staging")),
				ExpectError: errRe(fmt.Sprintf(`New inputs cannot be applied to a job that was played.*Job %d \("deploy"\) `+
					`was played already.*point job_id at it.*revert inputs`, deploy)),
			},
			{
				// Reverted: nothing to do.
				PreConfig: func() { requirePosts(t, env, "play", 1) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
				Check: expectPosts(env, "play", 1),
			},
		},
	})
	if n := len(env.Sim.PipelineJobIDs(simJob(t, env, deploy).PipelineID)); n != 1 {
		t.Errorf("the pipeline has %d jobs, want 1: the deploy must not run again", n)
	}
}

// TestAccJobPlayResource_inputsRefused: inputs the job does not declare, of
// the wrong type, outside its options or not matching its regex are
// GitLab's 400; the apply fails
// naming inputs and GitLab's reason, nothing is played or saved, and each
// apply sends the play once, until the inputs are fixed: then it plays once.
func TestAccJobPlayResource_inputsRefused(t *testing.T) {
	env := acctest.NewEnv(t)
	p, deploy := inputsJob(t, env, "actions/play-inputs-refused", false, "")
	cfg := func(inputs string) string {
		return playConfig(env, p.PathWithNamespace, deploy, "  inputs = "+inputs)
	}
	refused := func(reason string) *regexp.Regexp {
		return errRe(fmt.Sprintf(`GitLab refused the inputs of job %d.*400 Bad request - %s.*Nothing was played.*`+
			`inputs: keyword declares`, deploy, reason))
	}
	unplayed := func(posts int) func() {
		return func() {
			requirePosts(t, env, "play", posts)
			if s := simJob(t, env, deploy).Status; s != "manual" || env.Sim.ActionCount(deploy, gitlabsim.ActionPlay) != 0 {
				t.Fatalf("job is %s after a refused play", s)
			}
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg(`{ region = "eu" }`), ExpectError: refused("unknown input arguments: region")},
			{PreConfig: unplayed(1), Config: cfg(`{ region = "eu" }`), ExpectError: refused("unknown input arguments: region")},
			{PreConfig: unplayed(2), Config: cfg(`{ replicas = "many" }`), ExpectError: refused("`replicas` input: provided value is not a number")},
			{PreConfig: unplayed(3), Config: cfg(`{ environment = "qa" }`),
				ExpectError: refused("`environment` input: `qa` cannot be used because it is not in the list of allowed options")},
			{PreConfig: unplayed(4), Config: cfg(`{ release_tag = "latest" }`),
				ExpectError: refused("`release_tag` input: provided value does not match required RegEx pattern")},
			{
				PreConfig: unplayed(5),
				Config:    cfg(`{ environment = "production" }`),
				Check: func(s *terraform.State) error {
					if got := simJob(t, env, deploy).Inputs["environment"]; got != "production" {
						return fmt.Errorf("environment input %v, want production", got)
					}
					if n := env.Sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
						return fmt.Errorf("job played %d times, want 1", n)
					}
					return expectPosts(env, "play", 6)(s)
				},
			},
		},
	})
}

// TestAccJobPlayResource_inputsLifecycle: a play with inputs whose answer
// is lost (GitLab applied it, then the proxy answered 502) is not sent
// again: the client re-reads the job and finds it played. Its wait then
// times out, the resource is saved tainted, and the next apply records the
// run without playing again. The inputs reached GitLab once.
func TestAccJobPlayResource_inputsLifecycle(t *testing.T) {
	env := acctest.NewEnv(t)
	p, deploy := inputsJobRunning(t, env, "actions/play-inputs-lifecycle", true, gitlabsim.RoleNoOneAllowed, "4s")
	env.Sim.InjectFault(gitlabsim.Fault{Route: "POST /api/v4/projects/{id}/jobs/{job_id}/play", Kind: gitlabsim.FaultStatusAfter, Status: 502, Calls: []int{1}})
	inputs := `  inputs = { environment = "production", replicas = 3 }`
	cfg := playConfig(env, p.PathWithNamespace, deploy, inputs+"\n  timeouts = { create = \"1s\" }")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, ExpectError: regexp.MustCompile(fmt.Sprintf(`Timed out waiting for job %d`, deploy))},
			{
				PreConfig: func() {
					requirePosts(t, env, "play", 1)
					if n := len(env.Sim.FaultEvents()); n != 1 {
						t.Fatalf("%d faults acted, want the lost answer of the play", n)
					}
					waitFinished(t, env, deploy)
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionReplace), // tainted
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(deploy)),
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
				},
				Check: expectPosts(env, "play", 1),
			},
			{Config: cfg, Check: expectPosts(env, "play", 1)},
		},
	})
	if j := simJob(t, env, deploy); j.Inputs["environment"] != "production" || env.Sim.ActionCount(deploy, gitlabsim.ActionPlay) != 1 {
		t.Errorf("job inputs %v, played %d times; want production, once", j.Inputs, env.Sim.ActionCount(deploy, gitlabsim.ActionPlay))
	}
	if n := len(env.Sim.PipelineJobIDs(simJob(t, env, deploy).PipelineID)); n != 1 {
		t.Errorf("the pipeline has %d jobs, want 1: the deploy must not run again", n)
	}
}
