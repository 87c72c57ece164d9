package provider_test

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

const jobRetry = "gitlabjobs_job_retry.flaky"

func retryConfig(env *acctest.Env, project string, jobID int64, extra string) string {
	return env.Config(fmt.Sprintf(`
resource "gitlabjobs_job_retry" "flaky" {
  project = %q
  job_id  = %d
%s
}
`, project, jobID, extra))
}

// TestAccJobRetryResource retries a failed job exactly once across apply,
// re-apply and refresh, imports it, and retries once more on a new trigger.
func TestAccJobRetryResource(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "integration", Stage: "test", Status: "failed", Outcome: "success"})
	flaky := pl.JobIDs[0]
	jobsOf := func() []int64 { return env.Sim.PipelineJobIDs(pl.ID) }
	var newJob int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: retryConfig(env, p.PathWithNamespace, flaky, `  triggers = { attempt = "1" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionCreate),
					plancheck.ExpectUnknownValue(jobRetry, attr("new_job_id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobRetry, attr("status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(jobRetry, attr("new_job_id"), knownvalue.NotNull()),
				},
				Check: func(s *terraform.State) error {
					ids := jobsOf()
					if len(ids) != 2 {
						return fmt.Errorf("pipeline has jobs %v, want the failed one and exactly one retry", ids)
					}
					newJob = ids[1]
					if got := s.RootModule().Resources[jobRetry].Primary.Attributes["new_job_id"]; got != fmt.Sprint(newJob) {
						return fmt.Errorf("new_job_id = %s, want %d", got, newJob)
					}
					if j := simJob(t, env, flaky); !j.Retried {
						return fmt.Errorf("job %d is not marked retried", flaky)
					}
					return nil
				},
			},
			{
				Config: retryConfig(env, p.PathWithNamespace, flaky, `  triggers = { attempt = "1" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionNoop),
				}},
			},
			{
				RefreshState: true,
				Check: func(*terraform.State) error {
					if ids := jobsOf(); len(ids) != 2 {
						return fmt.Errorf("after re-apply and refresh the pipeline has jobs %v, want 2", ids)
					}
					return nil
				},
			},
			{
				ResourceName: jobRetry,
				ImportState:  true,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return fmt.Sprintf("%s:%d:%d", p.PathWithNamespace, flaky, newJob), nil
				},
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				ImportStateVerifyIgnore:              []string{"triggers"},
			},
			{
				// A new trigger retries once more.
				Config: retryConfig(env, p.PathWithNamespace, flaky, `  triggers = { attempt = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(jobRetry, plancheck.ResourceActionReplace),
				}},
				Check: func(*terraform.State) error {
					if ids := jobsOf(); len(ids) != 3 {
						return fmt.Errorf("pipeline has jobs %v, want 3 after a second trigger", ids)
					}
					return nil
				},
			},
		},
	})
}

// TestAccJobRetryResource_notRetryable fails the plan for a running job,
// naming its status, and sends nothing.
func TestAccJobRetryResource_notRetryable(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "running", Stuck: true})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:      retryConfig(env, p.PathWithNamespace, pl.JobIDs[0], ""),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Job cannot be retried.*Job %d \("e2e"\) is running.*cancel it first`, pl.JobIDs[0])),
		}},
	})
	if ids := env.Sim.PipelineJobIDs(pl.ID); !slices.Equal(ids, pl.JobIDs) {
		t.Errorf("pipeline jobs %v, want %v: nothing may be retried", ids, pl.JobIDs)
	}
}
