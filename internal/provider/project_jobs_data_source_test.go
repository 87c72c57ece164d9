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

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

const projectJobs = "data.gitlabjobs_project_jobs.test"

func TestAccProjectJobsDataSource_filters(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newReleaseFixture(t, env)
	cfg := func(args string) string {
		return env.Config(fmt.Sprintf(`
data "gitlabjobs_project_jobs" "test" {
  project = %q
%s
}
`, f.project.PathWithNamespace, args))
	}
	names := func(n ...string) knownvalue.Check {
		var checks []knownvalue.Check
		for _, name := range n {
			checks = append(checks, knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact(name)}))
		}
		return knownvalue.ListExact(checks)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			// Invalid input first: the test's destroy runs the last step's configuration.
			{
				Config:      cfg(`  scope = ["finished"]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)scope.*value must be one of:.*"created".*"manual"`),
			},
			{
				// Every build of the project, newest first (trigger jobs are not builds).
				Config: cfg(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(projectJobs, attr("jobs"), names("deploy", "e2e", "unit", "build", "child")),
					statecheck.ExpectKnownValue(projectJobs, attr("id"), knownvalue.StringExact(f.project.PathWithNamespace)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{Config: cfg(`  scope = ["failed", "manual"]`), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(projectJobs, attr("jobs"), names("deploy", "unit")),
			}},
			{Config: cfg(`  stage = "test"`), ConfigStateChecks: []statecheck.StateCheck{
				// "child" runs in the downstream pipeline, also in stage test.
				statecheck.ExpectKnownValue(projectJobs, attr("jobs"), names("e2e", "unit", "child")),
			}},
			{Config: cfg(`  ref = "release-1.2"` + "\n" + `  name = "build"`), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(projectJobs, attr("jobs"), names("build")),
				statecheck.ExpectKnownValue(projectJobs, attr("jobs", 0, "job_id"), knownvalue.Int64Exact(f.build)),
			}},
			{Config: cfg(fmt.Sprintf("  pipeline_id = %d", f.downstream.ID)), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(projectJobs, attr("jobs"), names("child")),
			}},
			{Config: cfg(`  max_results = 2`), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(projectJobs, attr("jobs"), names("deploy", "e2e")),
			}},
		},
	})
}

// TestAccProjectJobsDataSource_everyScope reads a project with one job in
// each status through one data source per scope value: each finds exactly
// its own job.
func TestAccProjectJobsDataSource_everyScope(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "creates a job in every status")
	p := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "scopes/all/statuses", Members: map[int64]int{env.AdminID: 40}})
	scopes := []string{"created", "pending", "running", "failed", "success", "canceled", "skipped", "waiting_for_resource", "manual"}
	var jobs []gitlabsim.JobSpec
	for _, s := range scopes {
		jobs = append(jobs, gitlabsim.JobSpec{Name: "job-" + s, Status: s})
	}
	pl := env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: jobs})
	var checks []statecheck.StateCheck
	var config strings.Builder
	for i, s := range scopes {
		fmt.Fprintf(&config, "data \"gitlabjobs_project_jobs\" %q {\n  project = %q\n  scope   = [%q]\n}\n", s, p.PathWithNamespace, s)
		checks = append(checks, statecheck.ExpectKnownValue("data.gitlabjobs_project_jobs."+s, attr("jobs"),
			knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"job_id": knownvalue.Int64Exact(pl.JobIDs[i]), "status": knownvalue.StringExact(s),
			})})))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:            env.Config(config.String()),
			ConfigStateChecks: checks,
		}},
	})
}

// TestAccProjectJobsDataSource_pages lists 250 jobs, more than two pages of
// 100, with a path-style project ID, and an empty project.
func TestAccProjectJobsDataSource_pages(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "creates 250 jobs")
	p := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "big/sub/monorepo", Members: map[int64]int{env.AdminID: 40}})
	empty := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "big/sub/empty", Members: map[int64]int{env.AdminID: 40}})
	for range 5 {
		var jobs []gitlabsim.JobSpec
		for i := range 50 {
			jobs = append(jobs, gitlabsim.JobSpec{Name: fmt.Sprintf("shard-%d", i), Status: "success"})
		}
		env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: jobs})
	}
	before := env.Sim.RequestCount("GET /api/v4/projects/{id}/jobs")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: env.Config(fmt.Sprintf(`
data "gitlabjobs_project_jobs" "test" {
  project = %q
}
data "gitlabjobs_project_jobs" "empty" {
  project = %q
}
`, acctest.PathEscape(p.PathWithNamespace), empty.PathWithNamespace)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(projectJobs, attr("jobs"), knownvalue.ListSizeExact(250)),
				statecheck.ExpectKnownValue("data.gitlabjobs_project_jobs.empty", attr("jobs"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
	// Each read of 250 jobs takes ceil(250/100) = 3 requests (plus 1 for the
	// empty project); the test reads the configuration a few times.
	if n := env.Sim.RequestCount("GET /api/v4/projects/{id}/jobs") - before; n%4 != 0 || n == 0 {
		t.Errorf("%d list requests: each read must take exactly 3 pages + 1 empty page", n)
	}
}
