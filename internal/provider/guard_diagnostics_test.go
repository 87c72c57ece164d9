package provider_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Production GitLab's guards met through the CLI: a refused action names
// the guard and the fix and sends nothing more; a wait on a job held back
// by a resource group names the group and the job holding it.

const playRoute = "POST /api/v4/projects/{id}/jobs/{job_id}/play"

// guardedProject is a project of its own with the acceptance tests'
// administrator as Maintainer, a developer and a maintainer (with their
// tokens), and one pipeline on main with a manual deploy.
type guardedProject struct {
	project             gitlabsim.Project
	deploy              int64
	devToken, maintTok  string
	devID, maintainerID int64
}

func newGuardedProject(t *testing.T, env *acctest.Env) guardedProject {
	t.Helper()
	env.RequireSim(t, "sets up GitLab's guards")
	var g guardedProject
	dev := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "dev-" + strings.ToLower(t.Name())})
	maint := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "maint-" + strings.ToLower(t.Name())})
	g.devID, g.maintainerID = dev.ID, maint.ID
	g.devToken = env.Sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{})
	g.maintTok = env.Sim.CreatePersonalAccessToken(maint.ID, gitlabsim.TokenSpec{})
	g.project = env.Sim.CreateProject(gitlabsim.ProjectSpec{
		Path:    "guards/" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())),
		Members: map[int64]int{env.AdminID: 40, dev.ID: 30, maint.ID: 40},
	})
	pl := env.Sim.CreatePipeline(g.project.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Stage: "deploy", Status: "manual"},
	}})
	g.deploy = pl.JobIDs[0]
	return g
}

// asUser is the provider configured with token, followed by body.
func asUser(env *acctest.Env, token, body string) string {
	return env.ProviderBlock(fmt.Sprintf("  token = %q\n", token)) + body
}

func playAs(env *acctest.Env, token, project string, jobID int64, extra string) string {
	return asUser(env, token, fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project = %q
  job_id  = %d
%s
}
`, project, jobID, extra))
}

// TestAccGuards_playRefusedByProtectedBranch: a developer's play of a job
// of protected main is refused once; the diagnostic names the branch and
// where to allow the user (the developer may not read the rules), and a
// maintainer refused by a "No one" rule is told the rule itself.
func TestAccGuards_playRefusedByProtectedBranch(t *testing.T) {
	env := acctest.NewEnv(t)
	g := newGuardedProject(t, env)
	env.Sim.ProtectRef(g.project.ID, gitlabsim.ProtectedRefSpec{Name: "main"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: playAs(env, g.devToken, g.project.PathWithNamespace, g.deploy, ""),
			ExpectError: phrases("Not allowed to play job", `runs on the branch "main"`,
				"may not read the project's protected branches", `Protected branches (or tags) for "main"`),
		}},
	})
	if n := env.Sim.RequestCount(playRoute); n != 1 {
		t.Errorf("%d play requests, want 1: a refusal is not retried", n)
	}
	if n := env.Sim.ActionCount(g.deploy, "play"); n != 0 {
		t.Errorf("the refused play was applied %d times", n)
	}
}

func TestAccGuards_playRefusedByProtectedBranchRule(t *testing.T) {
	env := acctest.NewEnv(t)
	g := newGuardedProject(t, env)
	env.Sim.ProtectRef(g.project.ID, gitlabsim.ProtectedRefSpec{Name: "ma*", PushLevels: []int{0}, MergeLevels: []int{0}})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: playAs(env, g.maintTok, g.project.PathWithNamespace, g.deploy, ""),
			ExpectError: phrases("Not allowed to play job",
				`guarded by the protected branch "ma*" (allowed to push: No one; allowed to merge: No one)`,
				"Fix: give the token's user a role"),
		}},
	})
	if n := env.Sim.RequestCount(playRoute); n != 1 {
		t.Errorf("%d play requests, want 1", n)
	}
}

// TestAccGuards_pipelineRefusedByProtectedBranch: GitLab's refusal of a
// pipeline on protected main names the guard; nothing is created or retried.
func TestAccGuards_pipelineRefusedByProtectedBranch(t *testing.T) {
	env := acctest.NewEnv(t)
	g := newGuardedProject(t, env)
	if err := env.Sim.SetCIConfig(g.project.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "build", Stage: "build"}}}); err != nil {
		t.Fatal(err)
	}
	env.Sim.ProtectRef(g.project.ID, gitlabsim.ProtectedRefSpec{Name: "main"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: asUser(env, g.devToken, fmt.Sprintf(`
resource "gitlabjobs_pipeline_run" "release" {
  project = %q
  ref     = "main"
}
`, g.project.PathWithNamespace)),
			ExpectError: phrases(`A protected branch or tag refused the pipeline for "main"`,
				"sufficient permission to run a pipeline on 'main'", "Nothing was created",
				`allow the token's user to push or merge to "main"`),
		}},
	})
	if n := env.Sim.RequestCount("POST /api/v4/projects/{id}/pipeline"); n != 1 {
		t.Errorf("%d pipeline requests, want 1", n)
	}
	if n := len(env.Sim.CreatedPipelines(g.project.ID)); n != 0 {
		t.Errorf("%d pipelines created", n)
	}
}

// TestAccGuards_waitNamesTheResourceGroupHolder: a played deploy waits for
// the resource group another deploy holds; the timeout names the group and
// the holder.
func TestAccGuards_waitNamesTheResourceGroupHolder(t *testing.T) {
	env := acctest.NewEnv(t)
	g := newGuardedProject(t, env)
	if err := env.Sim.SetCIConfig(g.project.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "deploy", Stage: "deploy", When: "manual", ResourceGroup: "production", RunDuration: "1h"}}}); err != nil {
		t.Fatal(err)
	}
	deploys := runDeploys(t, env, g.project, 2)
	if err := env.Sim.PlayJob(deploys[0], nil); err != nil { // the holder
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: playAs(env, env.Token, g.project.PathWithNamespace, deploys[1], `  timeouts = { create = "3s" }`),
			ExpectError: phrases(fmt.Sprintf("Timed out waiting for job %d", deploys[1]),
				fmt.Sprintf(`still waiting_for_resource: job %d waits for the resource group "production"`, deploys[1]),
				fmt.Sprintf("held by job %d", deploys[0])),
		}},
	})
	if n := env.Sim.ActionCount(deploys[1], "play"); n != 1 {
		t.Errorf("deploy played %d times, want 1", n)
	}
}

// TestAccGuards_playWaitsThroughTheResourceGroup: a played deploy waits in
// waiting_for_resource while another deploy holds the group, then runs
// and succeeds; it is played once.
func TestAccGuards_playWaitsThroughTheResourceGroup(t *testing.T) {
	env := acctest.NewEnv(t)
	g := newGuardedProject(t, env)
	if err := env.Sim.SetCIConfig(g.project.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "deploy", Stage: "deploy", When: "manual", ResourceGroup: "production", RunDuration: "2s"}}}); err != nil {
		t.Fatal(err)
	}
	deploys := runDeploys(t, env, g.project, 2)
	if err := env.Sim.PlayJob(deploys[0], nil); err != nil { // the holder, for about 2s
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: playAs(env, env.Token, g.project.PathWithNamespace, deploys[1], ""),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("gitlabjobs_job_play.deploy", "status", "success"),
				func(*terraform.State) error {
					first, _ := env.Sim.Job(deploys[0])
					second, _ := env.Sim.Job(deploys[1])
					if first.FinishedAt == nil || second.StartedAt == nil || second.StartedAt.Before(*first.FinishedAt) {
						return fmt.Errorf("the second deploy started (%v) before the first finished (%v)", second.StartedAt, first.FinishedAt)
					}
					return nil
				},
			),
		}},
	})
	if n := env.Sim.ActionCount(deploys[1], "play"); n != 1 {
		t.Errorf("deploy played %d times, want 1", n)
	}
}

// runDeploys creates n pipelines on main from the project's CI
// configuration (POST /pipeline as the administrator) and returns the ID of
// each one's first job.
func runDeploys(t *testing.T, env *acctest.Env, p gitlabsim.Project, n int) []int64 {
	t.Helper()
	for range n {
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%sprojects/%d/pipeline?ref=main", env.BaseURL, p.ID), nil)
		req.Header.Set("PRIVATE-TOKEN", env.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("creating a pipeline: %s", resp.Status)
		}
	}
	var jobs []int64
	for _, pl := range env.Sim.CreatedPipelines(p.ID) {
		jobs = append(jobs, env.Sim.PipelineJobIDs(pl)[0])
	}
	return jobs
}

// TestAccGuards_playRefusedByProtectedEnvironment: a maintainer who is not
// a deployer of production is refused the deploy once; the diagnostic
// names the environment and its deployers.
func TestAccGuards_playRefusedByProtectedEnvironment(t *testing.T) {
	env := acctest.NewEnv(t)
	g := newGuardedProject(t, env)
	if err := env.Sim.SetCIConfig(g.project.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "deploy", Stage: "deploy", When: "manual",
			Environment: &gitlabsim.CIEnvironment{Name: "production"}}}}); err != nil {
		t.Fatal(err)
	}
	deploy := runDeploys(t, env, g.project, 1)[0]
	env.Sim.ProtectEnvironment(g.project.ID, gitlabsim.ProtectedEnvironmentSpec{Name: "production", UserIDs: []int64{g.devID}})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: playAs(env, g.maintTok, g.project.PathWithNamespace, deploy, ""),
			ExpectError: phrases("Not allowed to play job", `the project protects the environments "production" (deployers: user`,
				"only its deployers may play it", "add the token's user to the environment's deployers"),
		}},
	})
	if n := env.Sim.RequestCount(playRoute); n != 1 {
		t.Errorf("%d play requests, want 1", n)
	}
	if n := env.Sim.ActionCount(deploy, "play"); n != 0 {
		t.Errorf("the refused play was applied %d times", n)
	}
}

// phrases matches the phrases in order, each as written but for its
// spaces, which match any white space (the CLI wraps diagnostics).
func phrases(ps ...string) *regexp.Regexp {
	var parts []string
	for _, p := range ps {
		var words []string
		for _, w := range strings.Fields(p) {
			words = append(words, regexp.QuoteMeta(w))
		}
		parts = append(parts, strings.Join(words, `\s+`))
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}
