package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

const jobCancel = "gitlabjobs_job_cancel.stuck"

func cancelConfig(env *acctest.Env, project string, jobID int64) string {
	return env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_cancel" "stuck" {
  project = %q
  job_id  = %d
}
`, project, jobID))
}

// TestAccJobCancelResource cancels a running job, imports the resource, and
// keeps it (with a warning) when GitLab deletes the job.
func TestAccJobCancelResource(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "running", Stuck: true})
	stuck := pl.JobIDs[0]
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cancelConfig(env, p.PathWithNamespace, stuck),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobCancel, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobCancel, attr("status"), knownvalue.StringExact("canceled")),
					statecheck.ExpectKnownValue(jobCancel, attr("id"), knownvalue.StringExact(fmt.Sprintf("%s:%d", p.PathWithNamespace, stuck))),
					statecheck.ExpectKnownValue(jobCancel, attr("finished_at"), knownvalue.NotNull()),
				},
				Check: func(*terraform.State) error {
					if j := simJob(t, env, stuck); j.Status != "canceled" {
						return fmt.Errorf("job is %s in GitLab, want canceled", j.Status)
					}
					return nil
				},
			},
			{
				ResourceName:                         jobCancel,
				ImportState:                          true,
				ImportStateId:                        fmt.Sprintf("%s:%d", p.PathWithNamespace, stuck),
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
			},
			{
				PreConfig: func() {
					if err := env.Sim.DeletePipeline(pl.ID); err != nil {
						t.Fatal(err)
					}
				},
				// A job GitLab no longer shows (404) keeps the resource, with
				// its last known attributes: it is never removed, so that a
				// later apply cannot act again.
				RefreshState: true,
				Check: func(s *terraform.State) error {
					r, ok := s.RootModule().Resources[jobCancel]
					if !ok {
						return fmt.Errorf("%s was removed from the state after GitLab deleted its job", jobCancel)
					}
					if st := r.Primary.Attributes["status"]; st != "canceled" {
						return fmt.Errorf("status %q, want the last known \"canceled\"", st)
					}
					return nil
				},
			},
		},
	})
	if n := env.Sim.ActionCount(stuck, "cancel"); n != 1 {
		t.Errorf("cancel sent %d times, want 1", n)
	}
}

// TestAccJobCancelResource_finished records an already finished job with a
// warning and sends no cancel; a bad import ID says what is expected.
func TestAccJobCancelResource_finished(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cancelConfig(env, p.PathWithNamespace, pl.JobIDs[0]),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobCancel, attr("status"), knownvalue.StringExact("success")),
				},
			},
			{
				ResourceName:  jobCancel,
				ImportState:   true,
				ImportStateId: fmt.Sprintf("%s/%d", p.PathWithNamespace, pl.JobIDs[0]),
				ExpectError:   regexp.MustCompile(`(?s)Invalid import ID.*<project>:<job_id>`),
			},
		},
	})
	if n := env.Sim.ActionCount(pl.JobIDs[0], "cancel"); n != 0 {
		t.Errorf("cancel of a finished job sent %d times, want 0", n)
	}
}

// TestAccJobCancelResource_force: a job stuck in canceling is recorded as it
// is without force (no request); setting force replaces the resource, whose
// create force-cancels it once — refused for a Developer, with one request
// and a diagnostic naming the Maintainer role, nothing saved; applying
// again sends nothing.
func TestAccJobCancelResource_force(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "canceling", Stuck: true})
	stuck := pl.JobIDs[0]
	dev := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "developer"})
	devProject := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "actions/force-dev", Members: map[int64]int{dev.ID: gitlabsim.DeveloperAccess}})
	devJob := env.Sim.CreatePipeline(devProject.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Stage: "deploy", Status: "canceling", Stuck: true}}}).JobIDs[0]
	devTok := env.Sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{Name: "dev"})
	config := func(force bool) string {
		return env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_cancel" "stuck" {
  project           = %q
  job_id            = %d
  wait_for_canceled = false
  force             = %t
}
`, p.PathWithNamespace, stuck, force))
	}
	const route = "POST /api/v4/projects/{id}/jobs/{job_id}/cancel"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: env.ProviderBlock(fmt.Sprintf("  token = %q\n", devTok)) + fmt.Sprintf(`
resource "gitlabjobs_job_cancel" "dev" {
  project           = %q
  job_id            = %d
  wait_for_canceled = false
  force             = true
}
`, devProject.PathWithNamespace, devJob),
				ExpectError: regexp.MustCompile(`(?s)Not\s+allowed\s+to\s+force-cancel\s+job.*403\s+Forbidden.*Maintainer\s+role`),
				Check: func(*terraform.State) error {
					if n := env.Sim.RequestCount(route); n != 1 {
						return fmt.Errorf("%d cancel requests after the refusal, want 1", n)
					}
					if j := simJob(t, env, devJob); j.Status != "canceling" {
						return fmt.Errorf("refused force-cancel: job is %s", j.Status)
					}
					return nil
				},
			},
			{
				Config: config(false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobCancel, attr("status"), knownvalue.StringExact("canceling")),
				},
				Check: func(*terraform.State) error {
					if n := env.Sim.RequestCount(route); n != 1 {
						return fmt.Errorf("%d cancel requests, want only the refused one: none to a canceling job without force", n)
					}
					return nil
				},
			},
			{
				Config: config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobCancel, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobCancel, attr("status"), knownvalue.StringExact("canceled")),
				},
			},
			{
				Config: config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
	if n := env.Sim.RequestCount(route); n != 2 {
		t.Errorf("%d cancel requests, want 2 (the refused one, the force-cancel)", n)
	}
	if j := simJob(t, env, stuck); j.Status != "canceled" {
		t.Errorf("job is %s, want canceled", j.Status)
	}
}
