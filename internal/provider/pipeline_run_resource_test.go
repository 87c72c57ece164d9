package provider_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

const pipelineRun = "gitlabjobs_pipeline_run.release"

func boolPtr(b bool) *bool { return &b }

// ciProject creates a project of its own (named after the test) with a CI
// configuration: build, then test, then (on tags) a manual deploy that
// blocks the pipeline.
func ciProject(t *testing.T, env *acctest.Env, buildOutcome, buildDuration string) gitlabsim.Project {
	t.Helper()
	return ciProjectOf(t, env, nil, buildOutcome, buildDuration)
}

// ciProjectOf is ciProject with more members (user ID → access level).
func ciProjectOf(t *testing.T, env *acctest.Env, members map[int64]int, buildOutcome, buildDuration string) gitlabsim.Project {
	t.Helper()
	env.RequireSim(t, "runs pipelines of a CI configuration it sets up")
	all := map[int64]int{env.AdminID: 40}
	for id, level := range members {
		all[id] = level
	}
	p := env.Sim.CreateProject(gitlabsim.ProjectSpec{
		Path:    "pipelines/" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())),
		Members: all,
	})
	if err := env.Sim.SetCIConfig(p.ID, gitlabsim.CIConfig{
		Branches: map[string]string{"main": ""},
		Tags:     map[string]string{"v1.4.0": ""},
		Jobs: []gitlabsim.CIJob{
			{Name: "build", Stage: "build", Outcome: buildOutcome, RunDuration: buildDuration},
			{Name: "unit-test", Stage: "test", RunDuration: "500ms"},
			{Name: "deploy", Stage: "deploy", When: "manual", AllowFailure: boolPtr(false), Only: []string{"tags"}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

// runConfig is a pipeline run of project's ref. The provider waits 2 s,
// not GitLab's 160 s, for a request of unknown outcome to settle
// (request_time_limit): the simulator answers at once.
func runConfig(env *acctest.Env, project, ref, extra string) string {
	return env.ProviderConfig(fastSettle) + fmt.Sprintf(`
resource "gitlabjobs_pipeline_run" "release" {
  project = %q
  ref     = %q
%s
}
`, project, ref, extra)
}

const fastSettle = `  request_time_limit = "2s"`

func wantRuns(env *acctest.Env, p gitlabsim.Project, n int) func(*terraform.State) error {
	return func(*terraform.State) error {
		if got := len(env.Sim.CreatedPipelines(p.ID)); got != n {
			return fmt.Errorf("%d pipelines created, want %d", got, n)
		}
		return nil
	}
}

// A tag's pipeline with variables, waited for until it blocks on the manual
// deploy; applying again creates nothing; import; a changed trigger runs a
// new pipeline.
func TestAccPipelineRunResource_manual(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	extra := `  variables = {
    RELEASE_TAG = "v1.4.0"
    API_KEY     = "s3cr3t-value"
  }
  wait_for = "manual"
  triggers = { release = "1" }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: runConfig(env, p.PathWithNamespace, "v1.4.0", extra),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pipelineRun, plancheck.ResourceActionCreate),
					plancheck.ExpectSensitiveValue(pipelineRun, attr("variables")),
					plancheck.ExpectKnownValue(pipelineRun, attr("run_id"), knownvalue.StringRegexp(regexp.MustCompile(`^tf-[0-9a-f]{20}$`))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("status"), knownvalue.StringExact("manual")),
					statecheck.ExpectKnownValue(pipelineRun, attr("source"), knownvalue.StringExact("api")),
					statecheck.ExpectKnownValue(pipelineRun, attr("tag"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(pipelineRun, attr("username"), knownvalue.StringExact("root")),
					statecheck.ExpectKnownValue(pipelineRun, attr("started_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(pipelineRun, attr("web_url"), knownvalue.StringRegexp(regexp.MustCompile(`/-/pipelines/\d+$`))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 1), func(s *terraform.State) error {
					id := env.Sim.CreatedPipelines(p.ID)[0]
					var vars []map[string]any
					env.GetJSON(t, fmt.Sprintf("/projects/%d/pipelines/%d/variables", p.ID, id), &vars)
					got := map[string]any{}
					for _, v := range vars {
						got[v["key"].(string)] = v["value"]
					}
					rs := s.RootModule().Resources[pipelineRun].Primary.Attributes
					if got["RELEASE_TAG"] != "v1.4.0" || got["API_KEY"] != "s3cr3t-value" || got["GITLABJOBS_RUN_ID"] != rs["run_id"] ||
						rs["pipeline_id"] != fmt.Sprint(id) {
						return fmt.Errorf("pipeline %d variables %v, state %v", id, got, rs)
					}
					return nil
				}),
			},
			{
				Config: runConfig(env, p.PathWithNamespace, "v1.4.0", extra),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pipelineRun, plancheck.ResourceActionNoop),
				}},
				Check: wantRuns(env, p, 1),
			},
			{
				ResourceName:            pipelineRun,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"triggers", "timeouts"}, // wait_for: the status reached, manual
			},
			{
				Config: runConfig(env, p.PathWithNamespace, "v1.4.0", strings.Replace(extra, `release = "1"`, `release = "2"`, 1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pipelineRun, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectKnownValue(pipelineRun, attr("run_id"), knownvalue.StringRegexp(regexp.MustCompile(`^tf-[0-9a-f]{20}$`))),
				}},
				Check: wantRuns(env, p, 2),
			},
		},
	})
}

// A pipeline that fails fails the apply (naming the failed job); the
// tainted resource's next apply finds the same pipeline again and reports
// it, without creating another; with fail_on_failure = false it is kept.
func TestAccPipelineRunResource_failureNeverTwice(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "failed", "")
	cfg := runConfig(env, p.PathWithNamespace, "main", `  wait_for = "success"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, ExpectError: regexp.MustCompile(`(?s)Pipeline \d+ failed.*build \(job \d+, script_failure\)`)},
			{Config: cfg, ExpectError: regexp.MustCompile(`(?s)Pipeline \d+ failed`)},
			{
				Config: runConfig(env, p.PathWithNamespace, "main", "  wait_for = \"success\"\n  fail_on_failure = false"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("status"), knownvalue.StringExact("failed")),
				},
				Check: wantRuns(env, p, 1),
			},
		},
	})
	if got := len(env.Sim.CreatedPipelines(p.ID)); got != 1 {
		t.Errorf("%d pipelines created over three applies of one intent, want 1", got)
	}
}

// A wait that times out taints the resource; the next apply goes on waiting
// for the same pipeline.
func TestAccPipelineRunResource_timeoutThenResume(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "6s")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      runConfig(env, p.PathWithNamespace, "main", "  wait_for = \"success\"\n  timeouts = { create = \"2s\" }"),
				ExpectError: regexp.MustCompile(`(?s)Timed out waiting for pipeline \d+.*does not\s+create\s+another`),
			},
			{
				Config: runConfig(env, p.PathWithNamespace, "main", "  wait_for = \"success\"\n  timeouts = { create = \"2m\" }"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("status"), knownvalue.StringExact("success")),
				},
				Check: wantRuns(env, p, 1),
			},
		},
	})
}

// The creation's answer is lost after GitLab created the pipeline: the
// provider finds it by its marker instead of sending again. A 504 before
// GitLab acted leaves the outcome unknown: the provider waits until the
// request can no longer land (request_time_limit), finds nothing, and sends
// it again: one pipeline.
func TestAccPipelineRunResource_lostAnswer(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	const route = "POST /api/v4/projects/{id}/pipeline"
	cfg := runConfig(env, p.PathWithNamespace, "main", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultResetAfter, Calls: []int{1}})
				},
				Config: cfg,
				Check:  resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 1), resource.TestCheckResourceAttrSet(pipelineRun, "pipeline_id")),
			},
			{
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatus, Status: 504, Calls: []int{1}})
				},
				Config: runConfig(env, p.PathWithNamespace, "main", `  triggers = { again = "1" }`),
				Check:  wantRuns(env, p, 2),
			},
			{
				Config: runConfig(env, p.PathWithNamespace, "main", `  triggers = { again = "1" }`),
				Check:  wantRuns(env, p, 2),
			},
		},
	})
	if posts := env.Sim.RequestCount(route); posts != 3 {
		t.Errorf("%d POSTs, want 3 (one per creation, one re-sent after the 504 was proved to create nothing)", posts)
	}
}

// A pipeline deleted outside Terraform (or no longer visible) keeps the
// resource, with a warning; nothing runs again.
func TestAccPipelineRunResource_gone(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	cfg := runConfig(env, p.PathWithNamespace, "main", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					for _, id := range env.Sim.CreatedPipelines(p.ID) {
						if err := env.Sim.DeletePipeline(id); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pipelineRun, plancheck.ResourceActionNoop),
				}},
				Check: resource.TestCheckResourceAttrSet(pipelineRun, "pipeline_id"),
			},
		},
	})
	if posts := env.Sim.RequestCount("POST /api/v4/projects/{id}/pipeline"); posts != 1 {
		t.Errorf("%d POSTs, want 1", posts)
	}
}

// Bad input fails the plan, naming the attribute.
func TestAccPipelineRunResource_badInput(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      runConfig(env, p.PathWithNamespace, "main", `  variables = { GITLABJOBS_RUN_ID = "x" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)variables.*GITLABJOBS_RUN_ID`),
			},
			{
				Config:      runConfig(env, p.PathWithNamespace, "main", `  variables = { TAG = "v1\u0000" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Variable value with a null byte.*variables TAG`),
			},
			{
				Config:      runConfig(env, p.PathWithNamespace, "main", `  wait_for = "done"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)wait_for.*value must be one of`),
			},
			{
				Config:      runConfig(env, p.PathWithNamespace, "no-such-branch", ""),
				ExpectError: regexp.MustCompile(`(?s)GitLab refused to create the pipeline.*Reference not found.*Check ref`),
			},
		},
	})
}

// The data source reads a pipeline by ID, the newest of a ref, or the
// newest of a ref in a status.
func TestAccPipelineDataSource(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	first := postPipeline(t, env, p, "main")
	second := postPipeline(t, env, p, "v1.4.0")
	cfg := func(body string) string {
		return env.Config(fmt.Sprintf(`
data "gitlabjobs_pipeline" "p" {
  project = %q
%s
}
`, p.PathWithNamespace, body))
	}
	const ds = "data.gitlabjobs_pipeline.p"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg(`  ref = "v1.4.0"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(ds, "pipeline_id", fmt.Sprint(second)),
					resource.TestCheckResourceAttr(ds, "tag", "true"),
					resource.TestCheckResourceAttr(ds, "source", "api"),
				),
			},
			{
				PreConfig: func() { waitForPipelineStatus(t, env, first, "success") },
				Config:    cfg(`  ref = "main"` + "\n" + `  with_status = "success"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(ds, "pipeline_id", fmt.Sprint(first)),
					resource.TestCheckResourceAttr(ds, "status", "success"),
					resource.TestCheckResourceAttrSet(ds, "finished_at"),
					resource.TestCheckResourceAttrSet(ds, "duration"),
				),
			},
			{
				Config: cfg(fmt.Sprintf("  pipeline_id = %d", first)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(ds, "ref", "main"),
					resource.TestCheckResourceAttr(ds, "id", fmt.Sprintf("%s:%d", p.PathWithNamespace, first)),
				),
			},
			{Config: cfg(`  ref = "v9"`), ExpectError: regexp.MustCompile(`(?s)No pipeline found.*"v9"`)},
			{Config: cfg(`  ref = "main"` + "\n  pipeline_id = 1"), ExpectError: regexp.MustCompile(`Conflicting pipeline selectors`)},
			{Config: cfg(``), ExpectError: regexp.MustCompile(`Missing pipeline selector`)},
			{Config: cfg(`  pipeline_id = 999`), ExpectError: regexp.MustCompile(`(?s)GitLab pipeline not found.*pipeline_id`)},
		},
	})
}

// postPipeline creates a pipeline straight through the API.
func postPipeline(t *testing.T, env *acctest.Env, p gitlabsim.Project, ref string) int64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%sprojects/%d/pipeline", env.BaseURL, p.ID), strings.NewReader(`{"ref":"`+ref+`"}`))
	req.Header.Set("PRIVATE-TOKEN", env.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 201 {
		t.Fatalf("POST pipeline: %d %v", resp.StatusCode, err)
	}
	return out.ID
}

// waitForPipelineStatus waits (real time: the simulated runner's) until the pipeline is in status.
func waitForPipelineStatus(t *testing.T, env *acctest.Env, id int64, status string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for env.Sim.PipelineStatus(id) != status {
		if time.Now().After(deadline) {
			t.Fatalf("pipeline %d is %s, not %s, after 30s", id, env.Sim.PipelineStatus(id), status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The provider loses the creation's answer and cannot look for the pipeline
// (reading its variables fails too): the apply fails, saving the resource
// tainted with the time of the request (pending_request_sent_at). The next
// apply finds the pipeline by its marker and creates none.
func TestAccPipelineRunResource_lostAnswerNothingSaved(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	const post, variables = "POST /api/v4/projects/{id}/pipeline", "GET /api/v4/projects/{id}/pipelines/{pipeline_id}/variables"
	// Without read retries, so the failing looks fail at once.
	cfg := env.ProviderConfig("  retries = 0\n"+fastSettle) + strings.TrimPrefix(runConfig(env, p.PathWithNamespace, "main", `  wait_for = "success"`), env.ProviderConfig(fastSettle))
	removeListFault := func() {}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: post, Kind: gitlabsim.FaultResetAfter, Calls: []int{1}})
					// The looks before creating find no pipeline (nothing to read);
					// the looks after the lost answer cannot read the one created.
					removeListFault = env.Sim.InjectFault(gitlabsim.Fault{Route: variables, Kind: gitlabsim.FaultStatus, Status: 500})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)may or may not have been created.*looking for the pipeline failed.*Nothing else was sent`),
			},
			{
				PreConfig: func() { removeListFault() },
				Config:    cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("status"), knownvalue.StringExact("success")),
				},
				Check: wantRuns(env, p, 1),
			},
		},
	})
	if posts := env.Sim.RequestCount(post); posts != 1 {
		t.Errorf("%d POSTs, want 1", posts)
	}
}

// The same project written another way (its numeric ID instead of its
// path) with the ref spelled in full: the ref replaces the resource, and
// the create finds the pipeline of the same intent: nothing runs again.
func TestAccPipelineRunResource_projectRespelled(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: runConfig(env, p.PathWithNamespace, "main", ""), Check: wantRuns(env, p, 1)},
			{
				Config: runConfig(env, fmt.Sprint(p.ID), "refs/heads/main", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("project"), knownvalue.StringExact(fmt.Sprint(p.ID))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 1), func(s *terraform.State) error {
					want := fmt.Sprint(env.Sim.CreatedPipelines(p.ID)[0])
					if got := s.RootModule().Resources[pipelineRun].Primary.Attributes["pipeline_id"]; got != want {
						return fmt.Errorf("pipeline_id %s, want the first run %s", got, want)
					}
					return nil
				}),
			},
		},
	})
}

// releaseStory is the whole release from one configuration (the snippet
// proposed for the demo and the release automation guide): run the tag's
// pipeline until it blocks on the manual deploy, find the deploy job by
// name, play it with variables and wait.
const releaseStory = `
variable "release_tag" {
  type    = string
  default = "v1.4.0"
}

# 1. Run the tag's pipeline; wait until build and tests have passed and it
#    is blocked on the manual deploy job.
resource "gitlabjobs_pipeline_run" "release" {
  project  = "demo-group/platform/deploy-service"
  ref      = var.release_tag
  wait_for = "manual"

  triggers = {
    release = var.release_tag
  }
}

# 2. Find the deploy job of that pipeline by name (stable once it has run).
data "gitlabjobs_pipeline_jobs" "release" {
  project     = gitlabjobs_pipeline_run.release.project
  pipeline_id = gitlabjobs_pipeline_run.release.pipeline_id
}

# 3. Play it with the release's variables and wait until it has finished.
resource "gitlabjobs_job_play" "deploy" {
  project = gitlabjobs_pipeline_run.release.project
  job_id  = one([for j in data.gitlabjobs_pipeline_jobs.release.jobs : j.job_id if j.name == "deploy"])

  variables = {
    ENVIRONMENT = "production"
    RELEASE_TAG = var.release_tag
  }

  wait_for = "finished"

  triggers = {
    release = var.release_tag
  }
}

output "release" {
  value = "pipeline ${gitlabjobs_pipeline_run.release.pipeline_id}: deploy job ${gitlabjobs_job_play.deploy.played_job_id} ${gitlabjobs_job_play.deploy.status}"
}
`

// Issue 18 case 5: imported by numeric project ID ("<id>:<pipeline_id>")
// while the configuration names the project by its path: no replacement,
// no pipeline; the apply stores the path after checking that the project
// holds the pipeline. A path that is another project fails the apply and
// keeps the state.
func TestAccPipelineRunResource_importByID(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	other := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "pipelines/import-by-id-other", Members: map[int64]int{env.AdminID: 40}})
	id := postPipeline(t, env, p, "main")
	cfg := runConfig(env, p.PathWithNamespace, "main", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:             cfg,
				ResourceName:       pipelineRun,
				ImportState:        true,
				ImportStateId:      fmt.Sprintf("%d:%d", p.ID, id),
				ImportStatePersist: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pipelineRun, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("project"), knownvalue.StringExact(p.PathWithNamespace)),
					statecheck.ExpectKnownValue(pipelineRun, attr("pipeline_id"), knownvalue.Int64Exact(id)),
				},
				Check: wantRuns(env, p, 1),
			},
			{
				Config:      runConfig(env, other.PathWithNamespace, "main", ""),
				ExpectError: regexp.MustCompile(`(?s)The new project does not hold the recorded pipeline.*The state keeps`),
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pipelineRun, plancheck.ResourceActionNoop),
				}},
			},
		},
	})
	if posts := env.Sim.RequestCount(routeCreatePipeline); posts != 1 || len(env.Sim.CreatedPipelines(other.ID)) != 0 {
		t.Errorf("%d POSTs, want 1 (the test's own)", posts)
	}
}

// The release story applies against the seeded demo project in one apply,
// converges (the next plan is empty: terraform-plugin-testing checks it),
// and applying again runs nothing.
func TestAccPipelineRunResource_releaseStory(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	const projectID = 1
	cfg := env.Config(releaseStory)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("status"), knownvalue.StringExact("manual")),
					statecheck.ExpectKnownValue("gitlabjobs_job_play.deploy", attr("status"), knownvalue.StringExact("success")),
				},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pipelineRun, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("gitlabjobs_job_play.deploy", plancheck.ResourceActionNoop),
				}},
			},
		},
	})
	created := env.Sim.CreatedPipelines(projectID)
	if len(created) != 1 {
		t.Fatalf("%d pipelines created, want 1", len(created))
	}
	if st := env.Sim.PipelineStatus(created[0]); st != "success" {
		t.Errorf("the release pipeline is %s after the deploy, want success", st)
	}
	for _, id := range env.Sim.PipelineJobIDs(created[0]) {
		j, _ := env.Sim.Job(id)
		if j.Name != "deploy" {
			continue
		}
		if n := env.Sim.ActionCount(id, "play"); n != 1 {
			t.Errorf("deploy played %d times, want 1", n)
		}
		if fmt.Sprint(j.Variables) != "[{ENVIRONMENT production} {RELEASE_TAG v1.4.0}]" {
			t.Errorf("deploy variables %v", j.Variables)
		}
	}
}

// After a failed apply (the resource is tainted, so Terraform plans a new
// create), the plan says that the pipeline already runs and will not run
// again; through the CLI (OpenTofu or Terraform), as a user sees it.
func TestAccPipelineRunResource_planSaysAlreadyRunning(t *testing.T) {
	acctest.PreCheck(t)
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "failed", "")
	cli := newTerraformCLI(t, os.Getenv(acctest.EnvTerraformPath), tfWorkDir(t, runConfig(env, p.PathWithNamespace, "main", `  wait_for = "success"`)))
	cli.run(t, "init", "-input=false", "-no-color")
	if out, err := cli.runErr("apply", "-auto-approve", "-input=false", "-no-color"); err == nil || !strings.Contains(out, "failed") {
		t.Fatalf("the apply of a failing pipeline: %v\n%s", err, out)
	}
	out, _ := cli.runErr("plan", "-input=false", "-no-color")
	id := env.Sim.CreatedPipelines(p.ID)[0]
	if !regexp.MustCompile(fmt.Sprintf(`(?s)Pipeline %d already runs this configuration.*creates no\s+other`, id)).MatchString(out) {
		t.Errorf("the plan does not say the pipeline already runs:\n%s", out)
	}
	if got := len(env.Sim.CreatedPipelines(p.ID)); got != 1 {
		t.Errorf("%d pipelines, want 1", got)
	}
}

// A pipeline run's variable values and the token never appear in a TRACE log
// of its apply, refresh and import (a lost answer and the look for the run
// included). Not parallel: TF_LOG is process-wide.
func TestAccPipelineRunResource_logsHoldNoSecrets(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	const secret = "pipeline-secret-1a2b3c4d"
	t.Setenv("TF_VAR_api_key", secret)
	t.Setenv(provider.EnvToken, env.Token)
	cfg := env.ProviderBlock("") + fmt.Sprintf(`
variable "api_key" {
  type      = string
  sensitive = true
}

resource "gitlabjobs_pipeline_run" "release" {
  project   = %q
  ref       = "v1.4.0"
  variables = { API_KEY = var.api_key }
  wait_for  = "manual"
}
`, p.PathWithNamespace)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: "POST /api/v4/projects/{id}/pipeline", Kind: gitlabsim.FaultResetAfter, Calls: []int{1}})
				},
				Config: cfg,
			},
			{RefreshState: true},
			{ResourceName: pipelineRun, ImportState: true, ImportStateIdFunc: func(*terraform.State) (string, error) {
				return fmt.Sprintf("%s:%d", p.PathWithNamespace, env.Sim.CreatedPipelines(p.ID)[0]), nil
			}},
		},
	})
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no TRACE log was written: %v", err)
	}
	log := string(data)
	for _, want := range []string{"gitlabjobs: creating a pipeline for v1.4.0 got no answer", "[TRACE] sdk.framework:"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the TRACE log (%d bytes) lacks %q: it does not hold the provider's logs", len(data), want)
		}
	}
	for name, s := range map[string]string{"token": env.Token, "variable value": secret} {
		if n := strings.Count(log, s); n > 0 {
			i := strings.Index(log, s)
			t.Errorf("the %s appears %d times in the TRACE log, e.g. %q", name, n, log[max(0, i-200):min(len(log), i+len(s)+50)])
		}
	}
}
