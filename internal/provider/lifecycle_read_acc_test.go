package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
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

// CLI acceptance tests of issue #11, cases 3, 4 and 8: a job action applied
// once is never applied again because a refresh could not see its project,
// because its project was written differently, or because an import claimed
// what GitLab contradicts. Each counts the action requests the simulator
// served.

// actionPOSTs is the number of action requests (play, retry, cancel, erase)
// the simulator served.
func actionPOSTs(env *acctest.Env) int {
	n := 0
	for _, a := range []string{"play", "retry", "cancel", "erase"} {
		n += env.Sim.RequestCount("POST /api/v4/projects/{id}/jobs/{job_id}/" + a)
	}
	return n
}

func expectPOSTs(env *acctest.Env, want int) func(*terraform.State) error {
	return func(*terraform.State) error {
		if got := actionPOSTs(env); got != want {
			return fmt.Errorf("the simulator served %d action requests (POST), want %d", got, want)
		}
		return nil
	}
}

// seedProjectID is the demo project's numeric ID, as GitLab reports it.
func seedProjectID(t *testing.T, env *acctest.Env) int64 {
	t.Helper()
	var job struct {
		Pipeline struct {
			ProjectID int64 `json:"project_id"`
		} `json:"pipeline"`
	}
	env.GetJSON(t, "/projects/"+acctest.PathEscape(acctest.SeedProject)+"/jobs/1011", &job)
	if job.Pipeline.ProjectID == 0 {
		t.Fatal("the seed's job 1011 has no pipeline.project_id")
	}
	return job.Pipeline.ProjectID
}

// TestAccJobActionResources_refreshWithoutAccess (case 3): a refresh with a
// token that cannot see the project (GitLab answers 404 Project Not Found)
// keeps the play and the retry in the state; the next apply with the right
// token plans no change and sends nothing.
func TestAccJobActionResources_refreshWithoutAccess(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	outsider := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "outsider", Name: "Outsider"})
	outsiderToken := env.Sim.CreatePersonalAccessToken(outsider.ID, gitlabsim.TokenSpec{Name: "outsider", Scopes: []string{"api"}})
	// The token is read from a file, so that a refresh step (which takes the
	// previous step's configuration) runs with another token.
	tokenFile := filepath.Join(t.TempDir(), "token")
	useToken := func(token string) func() {
		return func() {
			if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	useToken(env.Token)()
	cfg := env.ProviderBlock(fmt.Sprintf("  token = trimspace(file(%q))", tokenFile)) + fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project = %[1]q
  job_id  = 1013
}

resource "gitlabjobs_job_retry" "e2e" {
  project = %[1]q
  job_id  = 1012
}
`, acctest.SeedProject)
	kept := func(s *terraform.State) error {
		for _, name := range []string{"gitlabjobs_job_play.deploy", "gitlabjobs_job_retry.e2e"} {
			r, ok := s.RootModule().Resources[name]
			if !ok {
				return fmt.Errorf("%s was removed from the state by a refresh that could not see its project", name)
			}
			if st := r.Primary.Attributes["status"]; st != "success" {
				return fmt.Errorf("%s: status %q after the refresh, want the last known \"success\"", name, st)
			}
		}
		return expectPOSTs(env, 2)(s)
	}
	noop := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("gitlabjobs_job_play.deploy", plancheck.ResourceActionNoop),
		plancheck.ExpectResourceAction("gitlabjobs_job_retry.e2e", plancheck.ResourceActionNoop),
	}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, Check: expectPOSTs(env, 2)},
			{
				// terraform refresh (apply -refresh-only) with the outsider's token.
				PreConfig:    useToken(outsiderToken),
				RefreshState: true,
				Check:        kept,
			},
			{
				// A plain apply with the outsider's token: still nothing to do.
				PreConfig:        useToken(outsiderToken),
				Config:           cfg,
				ConfigPlanChecks: noop,
				Check:            kept,
			},
			{
				// The right token again: no change, no request.
				PreConfig:        useToken(env.Token),
				Config:           cfg,
				ConfigPlanChecks: noop,
				Check:            kept,
			},
		},
	})
	if n := env.Sim.ActionCount(1013, "play"); n != 1 {
		t.Errorf("job 1013 played %d times, want 1", n)
	}
	if n := env.Sim.ActionCount(1012, "retry"); n != 1 {
		t.Errorf("job 1012 retried %d times, want 1", n)
	}
}

// TestAccJobActionResources_jobDeleted: a job deleted in GitLab (its
// pipeline deleted) leaves its cancel resource in the state with its last
// known attributes, and a later apply cancels nothing.
func TestAccJobActionResources_jobDeleted(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "running", Stuck: true})
	cfg := cancelConfig(env, p.PathWithNamespace, pl.JobIDs[0])
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, Check: expectPOSTs(env, 1)},
			{
				PreConfig: func() {
					if err := env.Sim.DeletePipeline(pl.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobCancel, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobCancel, attr("status"), knownvalue.StringExact("canceled")),
				},
				Check: expectPOSTs(env, 1),
			},
		},
	})
}

func seedPlayConfig(env *acctest.Env, project string) string {
	return env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project = %q
  job_id  = 1013
}
`, project))
}

func seedRetryConfig(env *acctest.Env, project string) string {
	return env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_retry" "flaky" {
  project = %q
  job_id  = 1012
}
`, project))
}

// respelled is a step that writes the project differently: an in-place
// update (no replacement), no request, the same id.
func respelled(env *acctest.Env, cfg, address, id string, posts int) resource.TestStep {
	return resource.TestStep{
		Config: cfg,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(address, plancheck.ResourceActionUpdate),
		}},
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(address, attr("id"), knownvalue.StringExact(id)),
		},
		Check: expectPOSTs(env, posts),
	}
}

// TestAccJobActionResources_projectRespelled (case 4): the project written
// as its numeric ID, its path in another letter case, URL-encoded, or back
// as a path never replaces the resource or acts again.
func TestAccJobActionResources_projectRespelled(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	pid := fmt.Sprint(seedProjectID(t, env))
	path := acctest.SeedProject
	id := path + ":1013"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: seedPlayConfig(env, path), Check: expectPOSTs(env, 1)},
			respelled(env, seedPlayConfig(env, pid), jobPlay, id, 1),
			respelled(env, seedPlayConfig(env, strings.ToUpper(path)), jobPlay, id, 1),
			respelled(env, seedPlayConfig(env, strings.ReplaceAll(path, "/", "%2F")), jobPlay, id, 1),
			respelled(env, seedPlayConfig(env, path), jobPlay, id, 1),
			{
				Config: seedPlayConfig(env, path),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
			},
		},
	})
	if n := env.Sim.ActionCount(1013, "play"); n != 1 {
		t.Errorf("job 1013 played %d times, want 1", n)
	}
}

// TestAccJobActionResources_retryProjectRespelled (case 4): a retry
// applied with the project's numeric ID, then written as its path, keeps
// its id and is not retried again.
func TestAccJobActionResources_retryProjectRespelled(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	pid := fmt.Sprint(seedProjectID(t, env))
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: seedRetryConfig(env, pid),
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[jobRetry].Primary.ID
					if !strings.HasPrefix(id, pid+":1012:") {
						return fmt.Errorf("id %q, want %s:1012:<new_job_id>", id, pid)
					}
					return expectPOSTs(env, 1)(s)
				},
			},
			{
				Config: seedRetryConfig(env, acctest.SeedProject),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources[jobRetry].Primary.ID; got != id {
						return fmt.Errorf("id %q, want %q (unchanged)", got, id)
					}
					return expectPOSTs(env, 1)(s)
				},
			},
		},
	})
	if n := env.Sim.ActionCount(1012, "retry"); n != 1 {
		t.Errorf("job 1012 retried %d times, want 1", n)
	}
}

// TestAccJobActionResources_importRespelled (case 4): a play imported as
// "<numeric ID>:1013" or with a URL-encoded path, then configured with the
// path, is updated in place: no replacement, no second play.
func TestAccJobActionResources_importRespelled(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	pid := fmt.Sprint(seedProjectID(t, env))
	path := acctest.SeedProject
	cfg := seedPlayConfig(env, path)
	var steps []resource.TestStep
	steps = append(steps, resource.TestStep{Config: cfg, Check: expectPOSTs(env, 1)})
	for _, importID := range []string{pid + ":1013", strings.ReplaceAll(path, "/", "%2F") + ":1013", strings.ToUpper(path) + ":1013"} {
		steps = append(steps,
			// Forget the resource (a destroy only forgets a job action), then import it.
			resource.TestStep{Config: env.Config(""), Check: expectPOSTs(env, 1)},
			resource.TestStep{
				Config: cfg, ResourceName: jobPlay, ImportState: true, ImportStateId: importID, ImportStatePersist: true,
			},
			resource.TestStep{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("project"), knownvalue.StringExact(path)),
					statecheck.ExpectKnownValue(jobPlay, attr("id"), knownvalue.StringExact(importID)),
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(1013)),
				},
				Check: expectPOSTs(env, 1),
			})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(), Steps: steps})
	if n := env.Sim.ActionCount(1013, "play"); n != 1 {
		t.Errorf("job 1013 played %d times, want 1", n)
	}
}

// TestAccJobActionResources_projectChangedToAnother: the same job_id with
// another project's path is kept at plan time (the text cannot tell), and
// the apply fails, naming both projects, without acting or storing it.
func TestAccJobActionResources_projectChangedToAnother(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	other := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "other-group/app", Members: map[int64]int{env.AdminID: 40}})
	env.Sim.CreatePipeline(other.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{{Name: "deploy", Status: "manual"}}})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: seedPlayConfig(env, acctest.SeedProject), Check: expectPOSTs(env, 1)},
			{
				Config: seedPlayConfig(env, other.PathWithNamespace),
				ExpectError: regexp.MustCompile(`(?s)The new project does not hold the recorded job.*` +
					regexp.QuoteMeta(acctest.SeedProject) + `.*other-group/app.*job 1013`),
			},
			{
				Config: seedPlayConfig(env, acctest.SeedProject),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
				}},
				Check: expectPOSTs(env, 1),
			},
		},
	})
}

// TestAccJobActionResources_importChecked (case 8): imports that GitLab
// contradicts fail, naming the import ID, what is wrong and the expected
// form; imports that match GitLab succeed. Nothing is ever sent.
func TestAccJobActionResources_importChecked(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	// Job 1012 retried out of band (as in GitLab's UI): its retry is the new job.
	retry, err := env.Sim.RetryJob(1012)
	if err != nil {
		t.Fatal(err)
	}
	posts := actionPOSTs(env)
	p := acctest.SeedProject
	body := fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project = %[1]q
  job_id  = 1013
}

resource "gitlabjobs_job_retry" "e2e" {
  project = %[1]q
  job_id  = 1012
}

resource "gitlabjobs_job_cancel" "c" {
  project = %[1]q
  job_id  = 1004
}

resource "gitlabjobs_job_erase" "e" {
  project = %[1]q
  job_id  = 1004
}
`, p)
	cfg := env.Config(body)
	bad := func(address, id, want string) resource.TestStep {
		return resource.TestStep{
			Config: cfg, ResourceName: address, ImportState: true, ImportStateId: id,
			// The CLI wraps long lines: any space may be a line break.
			ExpectError: regexp.MustCompile(`(?s)Import ID does not match GitLab.*` + regexp.QuoteMeta(fmt.Sprintf("%q", id)) + `\s+\(<project>:(\[<pipeline_id>:\])?<job_id>(:<new_job_id>)?\):.*` +
				strings.ReplaceAll(want, " ", `\s+`)),
		}
	}
	good := func(address, id string, check func(map[string]string) error) resource.TestStep {
		return resource.TestStep{
			Config: cfg, ResourceName: address, ImportState: true, ImportStateId: id,
			ImportStateCheck: func(states []*terraform.InstanceState) error {
				if len(states) != 1 {
					return fmt.Errorf("%d instances imported, want 1", len(states))
				}
				return check(states[0].Attributes)
			},
		}
	}
	steps := []resource.TestStep{
		bad("gitlabjobs_job_play.deploy", p+":1013", `job 1013 \("deploy"\) is a manual job waiting to be played: it was never played.*declare the resource without importing it`),
		bad("gitlabjobs_job_play.deploy", p+":987654", `GitLab has no job 987654 \(job_id\) in project`),
		bad("gitlabjobs_job_retry.e2e", p+":1012:1011", `job 1011 is "build", but job 1012 is "e2e-test".*new_job_id is the job GitLab created when job 1012 was retried`),
		bad("gitlabjobs_job_retry.e2e", p+":1012:1012", `new_job_id is job_id \(1012\): a retry creates a new job`),
		bad("gitlabjobs_job_retry.e2e", fmt.Sprintf("%s:%d:1012", p, retry), fmt.Sprintf(`job 1012 is older than job %d`, retry)),
		bad("gitlabjobs_job_retry.e2e", p+":1012:987654", `GitLab has no job 987654 \(new_job_id\)`),
		bad("gitlabjobs_job_retry.e2e", p+":1002:1012", `job 1012 is in pipeline 903, but job 1002 is in pipeline 902`),
		bad("gitlabjobs_job_cancel.c", p+":1004", `job 1004 \("integration-test"\) is running: it has not been canceled`),
		bad("gitlabjobs_job_erase.e", p+":1004", `job 1004 \("integration-test"\) is running and was not erased`),
		good("gitlabjobs_job_retry.e2e", fmt.Sprintf("%s:1012:%d", p, retry), func(a map[string]string) error {
			if a["new_job_id"] != fmt.Sprint(retry) || a["job_id"] != "1012" {
				return fmt.Errorf("imported job_id %s new_job_id %s, want 1012 and %d", a["job_id"], a["new_job_id"], retry)
			}
			return nil
		}),
		good("gitlabjobs_job_cancel.c", p+":1003", func(a map[string]string) error {
			if a["status"] != "success" {
				return fmt.Errorf("imported status %q, want success", a["status"])
			}
			return nil
		}),
		good("gitlabjobs_job_erase.e", p+":991", func(a map[string]string) error {
			if a["erased_at"] == "" {
				return fmt.Errorf("imported erased_at is empty, want job 991's")
			}
			return nil
		}),
		good("gitlabjobs_job_play.deploy", p+":1011", func(a map[string]string) error {
			// A finished job: GitLab's API cannot tell whether it was manual.
			if a["played_job_id"] != "1011" {
				return fmt.Errorf("played_job_id %q, want 1011", a["played_job_id"])
			}
			return nil
		}),
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(), Steps: steps})
	if got := actionPOSTs(env); got != posts {
		t.Errorf("imports sent %d action requests, want 0", got-posts)
	}
}

// TestAccJobActionResources_projectUnknownAtPlan (case 4): a project known
// only at apply (here from a replaced terraform_data) with job_id unchanged
// keeps the resource at plan time; the apply, which sees the value, updates
// it in place without acting, and the final plan agrees with the first one.
func TestAccJobActionResources_projectUnknownAtPlan(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	pid := fmt.Sprint(seedProjectID(t, env))
	cfg := func(project string) string {
		return env.Config(fmt.Sprintf(`
resource "terraform_data" "project" {
  input = %q
}

resource "gitlabjobs_job_play" "deploy" {
  project = terraform_data.project.output
  job_id  = 1013
}
`, project))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg(acctest.SeedProject), Check: expectPOSTs(env, 1)},
			{
				Config: cfg(pid),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(jobPlay, attr("project")),
					plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("project"), knownvalue.StringExact(pid)),
					statecheck.ExpectKnownValue(jobPlay, attr("id"), knownvalue.StringExact(acctest.SeedProject+":1013")),
				},
				Check: expectPOSTs(env, 1),
			},
		},
	})
	if n := env.Sim.ActionCount(1013, "play"); n != 1 {
		t.Errorf("job 1013 played %d times, want 1", n)
	}
}
