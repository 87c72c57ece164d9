package provider_test

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Issue 18: "which pipeline did this intent create?" under a hostile user
// and a flaky network. Every test counts the pipelines GitLab created.

const routeCreatePipeline = "POST /api/v4/projects/{id}/pipeline"

// pipelineVar checks that the pipeline the resource recorded holds key=value
// (no false success: the recorded pipeline is the configured run).
func pipelineVar(t *testing.T, env *acctest.Env, p gitlabsim.Project, name, key, value string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in the state", name)
		}
		var vars []map[string]any
		env.GetJSON(t, fmt.Sprintf("/projects/%d/pipelines/%s/variables", p.ID, rs.Primary.Attributes["pipeline_id"]), &vars)
		for _, v := range vars {
			if v["key"] == key {
				if v["value"] != value {
					return fmt.Errorf("%s recorded pipeline %s whose %s is %v, want %s", name, rs.Primary.Attributes["pipeline_id"], key, v["value"], value)
				}
				return nil
			}
		}
		return fmt.Errorf("%s recorded pipeline %s without %s", name, rs.Primary.Attributes["pipeline_id"], key)
	}
}

// Case 1: for_each (here count: the test framework's state checks do not
// take for_each keys) over environments (same ref, same variable name, other
// values); both waits time out; the re-apply finds each instance's own
// pipeline, not only the newest with the marker: two pipelines in all.
func TestAccPipelineRunIntent_forEachTimeout(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "6s")
	cfg := func(timeout string) string {
		return env.ProviderConfig(fastSettle) + fmt.Sprintf(`
resource "gitlabjobs_pipeline_run" "env" {
  count     = 2
  project   = %q
  ref       = "main"
  variables = { ENV = ["staging", "production"][count.index] }
  wait_for  = "success"
  timeouts  = { create = %q }
}
`, p.PathWithNamespace, timeout)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg("2s"), ExpectError: regexp.MustCompile(`Timed out waiting for pipeline`)},
			{
				Config: cfg("2m"),
				Check: resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 2),
					pipelineVar(t, env, p, "gitlabjobs_pipeline_run.env.0", "ENV", "staging"),
					pipelineVar(t, env, p, "gitlabjobs_pipeline_run.env.1", "ENV", "production")),
			},
		},
	})
}

// Case 2: after a staging run, ENV changes to production and the POST
// fails before GitLab created anything (a 500, then a reset): the staging
// pipeline is never recorded as the production run; production runs once.
// (Before the fix, the look after the 500 adopted the staging pipeline.)
func TestAccPipelineRunIntent_changedValuesFailedPost(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	cfg := func(v string) string {
		return runConfig(env, p.PathWithNamespace, "main", fmt.Sprintf(`  variables = { ENV = %q }`, v))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg("staging"), Check: wantRuns(env, p, 1)},
			{
				// 500 before: GitLab proved nothing was created; sent again once.
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: routeCreatePipeline, Kind: gitlabsim.FaultStatus, Status: 500, Calls: []int{1}})
				},
				Config: cfg("production"),
				Check:  resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 2), pipelineVar(t, env, p, pipelineRun, "ENV", "production")),
			},
			{
				// A reset before GitLab answered: the outcome is unknown; once the
				// request can no longer land, GitLab shows no qa run: sent again.
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: routeCreatePipeline, Kind: gitlabsim.FaultReset, Calls: []int{1}})
				},
				Config: cfg("qa"),
				Check:  resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 3), pipelineVar(t, env, p, pipelineRun, "ENV", "qa")),
			},
		},
	})
}

// Case 3: ref written in full (refs/heads/main, GitLab stores main) and
// the creation's answer lost after GitLab created it: found, not re-sent.
func TestAccPipelineRunIntent_fullRefLostAnswer(t *testing.T) {
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: routeCreatePipeline, Kind: gitlabsim.FaultStatusAfter, Status: 502, Calls: []int{1}})
				},
				Config: runConfig(env, p.PathWithNamespace, "refs/heads/main", ""),
				Check:  wantRuns(env, p, 1),
			},
		},
	})
	if posts := env.Sim.RequestCount(routeCreatePipeline); posts != 1 {
		t.Errorf("%d POSTs, want 1", posts)
	}
}

// Case 6: GET /user fails: a colleague's pipeline of the same intent is
// never adopted; the apply stops, naming the cause, and creates nothing;
// once GitLab answers, this user's own pipeline runs.
func TestAccPipelineRunIntent_userUnknown(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "sets up a colleague")
	colleague := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "colleague"})
	p := ciProjectOf(t, env, map[int64]int{colleague.ID: gitlabsim.MaintainerAccess}, "", "")
	tok := env.Sim.CreatePersonalAccessToken(colleague.ID, gitlabsim.TokenSpec{})
	body := `
resource "gitlabjobs_pipeline_run" "%s" {
  project   = %q
  ref       = "main"
  variables = { ENV = "production" }
}
`
	colleagues := env.ProviderBlock(fmt.Sprintf("  token = %q\n  retries = 0", tok)) + fmt.Sprintf(body, "release", p.PathWithNamespace)
	mine := env.ProviderConfig("  retries = 0\n  early_auth_check = false\n"+fastSettle) + fmt.Sprintf(body, "release", p.PathWithNamespace)
	removeFault := func() {}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: colleagues, Check: wantRuns(env, p, 1)},
			{Config: colleagues, Destroy: true},
			{
				PreConfig: func() {
					removeFault = env.Sim.InjectFault(gitlabsim.Fault{Route: "GET /api/v4/user", Kind: gitlabsim.FaultStatus, Status: 500})
				},
				Config:      mine,
				ExpectError: regexp.MustCompile(`(?s)Could not read the token's user.*Nothing was created`),
			},
			{
				PreConfig: func() { removeFault() },
				Config:    mine,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("username"), knownvalue.StringExact("root")),
				},
				Check: wantRuns(env, p, 2),
			},
		},
	})
}

// Case 7: two identical resources in one apply get one pipeline, always:
// the provider serializes the creates of one intent, and the second finds
// the first's pipeline.
func TestAccPipelineRunIntent_twoIdenticalResources(t *testing.T) {
	env := acctest.NewEnv(t)
	testTwoIdentical(t, env, ciProject(t, env, "", ""), `variables = { ENV = "staging" }`, "true")
}

// testTwoIdentical applies two resources a and b with the same
// configuration (attrs) in project p in one apply: one pipeline, which both
// record, with or without a marker (markerSent).
func testTwoIdentical(t *testing.T, env *acctest.Env, p gitlabsim.Project, attrs, markerSent string) {
	t.Helper()
	cfg := env.ProviderConfig(fastSettle) + fmt.Sprintf(`
resource "gitlabjobs_pipeline_run" "a" {
  project = %[1]q
  ref     = "main"
  %[2]s
}

resource "gitlabjobs_pipeline_run" "b" {
  project = %[1]q
  ref     = "main"
  %[2]s
}
`, p.PathWithNamespace, attrs)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// A slow creation: without the lock, both creates would look
				// before either pipeline exists.
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: routeCreatePipeline, Kind: gitlabsim.FaultLatency, Latency: time.Second})
				},
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 1),
					resource.TestCheckResourceAttrPair("gitlabjobs_pipeline_run.a", "pipeline_id", "gitlabjobs_pipeline_run.b", "pipeline_id"),
					resource.TestCheckResourceAttr("gitlabjobs_pipeline_run.b", "marker_sent", markerSent)),
			},
		},
	})
}

// slowCreateProxy forwards requests to the simulator; the first pipeline
// creation is held for delay and then forwarded on its own, whether or not
// the client is still there: GitLab finishing a request whose client went
// away. received is closed when that request arrives, landed when GitLab
// has answered it.
func slowCreateProxy(t *testing.T, env *acctest.Env, delay time.Duration) (baseURL string, received, landed <-chan struct{}) {
	t.Helper()
	return holdingProxy(t, env, heldRequest{
		match: func(r *http.Request) bool {
			return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/pipeline")
		},
		wait: func(*http.Request) { time.Sleep(delay) },
	})
}

// Case 4: Ctrl-C while GitLab is slow to create the pipeline, then an
// immediate re-apply. The interrupted apply saves the resource tainted with
// the time of the request and does not say that applying again is safe; the
// re-apply waits until the request can no longer land (request_time_limit),
// then finds the pipeline that request created: one pipeline in all.
func TestAccPipelineRunIntent_interruptDuringCreate(t *testing.T) {
	acctest.PreCheck(t)
	env := acctest.NewEnv(t)
	p := ciProject(t, env, "", "")
	// The held request lands 8 s after it arrived, long after the re-apply
	// below would look if it did not wait (request_time_limit 12 s).
	base, arrived, landed := slowCreateProxy(t, env, 8*time.Second)
	cfg := strings.Replace(env.ProviderConfig(`  request_time_limit = "12s"`), env.BaseURL, base, 1) +
		fmt.Sprintf("resource \"gitlabjobs_pipeline_run\" \"release\" {\n  project = %q\n  ref     = \"main\"\n}\n", p.PathWithNamespace)
	cli := newTerraformCLI(t, os.Getenv(acctest.EnvTerraformPath), tfWorkDir(t, cfg))
	cli.run(t, "init", "-input=false", "-no-color")

	first, err := applyInterrupted(t, cli, arrived)
	if err == nil {
		t.Fatalf("the interrupted apply succeeded:\n%s", first)
	}
	if n := len(env.Sim.CreatedPipelines(p.ID)); n != 0 {
		t.Fatalf("the pipeline was created before the interrupt took effect (%d); the test proves nothing:\n%s", n, first)
	}
	if !regexp.MustCompile(`(?s)may or may not have been created.*waits\s+until`).MatchString(first) || strings.Contains(first, "is safe") {
		t.Errorf("the interrupted apply does not say that the next apply waits, or says that applying again is safe:\n%s", first)
	}
	show := cli.run(t, "state", "show", "-no-color", pipelineRun)
	if !regexp.MustCompile(`pending_request_sent_at\s+= "`).MatchString(show) || !strings.Contains(show, "tainted") {
		t.Errorf("the state does not record the pending creation:\n%s", show)
	}

	second := cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color")
	select { // count once the held request has reached GitLab
	case <-landed:
	case <-time.After(60 * time.Second):
		t.Fatal("the held creation did not land within 60 s")
	}
	created := env.Sim.CreatedPipelines(p.ID)
	if len(created) != 1 {
		t.Fatalf("%d pipelines, want 1:\n%s", len(created), second)
	}
	show = cli.run(t, "state", "show", "-no-color", pipelineRun)
	if !regexp.MustCompile(fmt.Sprintf(`pipeline_id\s+= %d`, created[0])).MatchString(show) {
		t.Errorf("the state does not record pipeline %d:\n%s", created[0], show)
	}
	if posts := env.Sim.RequestCount(routeCreatePipeline); posts != 1 {
		t.Errorf("%d POSTs reached GitLab, want 1", posts)
	}
	if plan, err := cli.runErr("plan", "-detailed-exitcode", "-input=false", "-no-color"); err != nil {
		t.Errorf("the plan after the re-apply is not empty (%v):\n%s", err, plan)
	}
}
