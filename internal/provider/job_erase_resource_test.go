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

// TestAccJobEraseResource erases a job's log and artifacts, then a second
// resource on the same job sends nothing; a running job fails the plan.
func TestAccJobEraseResource(t *testing.T) {
	env := acctest.NewEnv(t)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success", Log: "token=abc\n",
			Artifacts: []gitlabsim.ArtifactSpec{{FileType: "archive", Filename: "artifacts.zip", FileFormat: "zip", Size: 100}}},
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "running", Stuck: true})
	old, running := pl.JobIDs[0], pl.JobIDs[1]
	erase := func(names ...string) string {
		var body string
		for _, n := range names {
			body += fmt.Sprintf("resource \"gitlabjobs_job_erase\" %q {\n  project = %q\n  job_id  = %d\n}\n", n, p.PathWithNamespace, old)
		}
		return env.Config(body)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      env.Config(fmt.Sprintf("resource \"gitlabjobs_job_erase\" \"running\" {\n  project = %q\n  job_id  = %d\n}\n", p.PathWithNamespace, running)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Job cannot be erased.*Job %d \("e2e"\) is running`, running)),
			},
			{
				Config: erase("old"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("gitlabjobs_job_erase.old", plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gitlabjobs_job_erase.old", attr("erased_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("gitlabjobs_job_erase.old", attr("status"), knownvalue.StringExact("success")),
				},
				Check: func(*terraform.State) error {
					j := simJob(t, env, old)
					if j.ErasedAt == nil || j.Log != "" || j.Artifacts != 0 {
						return fmt.Errorf("job %d not erased in GitLab: erased_at %v, log %q, %d artifacts", old, j.ErasedAt, j.Log, j.Artifacts)
					}
					return nil
				},
			},
			{
				// Erasing an erased job again: no request, no error.
				Config: erase("old", "again"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gitlabjobs_job_erase.again", attr("erased_at"), knownvalue.NotNull()),
				},
			},
			{
				ResourceName:                         "gitlabjobs_job_erase.old",
				ImportState:                          true,
				ImportStateId:                        fmt.Sprintf("%s:%d", p.PathWithNamespace, old),
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
			},
		},
	})
	if n := env.Sim.ActionCount(old, "erase"); n != 1 {
		t.Errorf("erase sent %d times, want 1", n)
	}
}
