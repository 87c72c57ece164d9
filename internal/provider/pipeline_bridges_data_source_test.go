package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

const routeBridges = "GET /api/v4/projects/{id}/pipelines/{pipeline_id}/bridges"

// TestAccPipelineBridgesDataSource_routes: gitlabjobs_pipeline_bridges reads
// trigger_jobs (GitLab 19.2) and never /bridges there; on a GitLab without
// trigger_jobs (the catch-all's 404) it reads /bridges, the same list. A
// missing pipeline is GitLab's 404 either way, named as such.
func TestAccPipelineBridgesDataSource_routes(t *testing.T) {
	for _, old := range []bool{false, true} {
		t.Run(fmt.Sprintf("without_trigger_jobs=%t", old), func(t *testing.T) {
			env := acctest.NewEnvWith(t, func(o *gitlabsim.Options) { o.WithoutTriggerJobs = old })
			f := newReleaseFixture(t, env)
			config := func(pipeline int64) string {
				return env.Config(fmt.Sprintf(`
data "gitlabjobs_pipeline_bridges" "test" {
  project     = %q
  pipeline_id = %d
  scope       = ["manual"]
}
`, f.project.PathWithNamespace, pipeline))
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
				Steps: []resource.TestStep{
					{
						Config: config(f.pipeline.ID),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_bridges.test", attr("bridges"), knownvalue.ListExact([]knownvalue.Check{
								knownvalue.ObjectPartial(map[string]knownvalue.Check{
									"job_id": knownvalue.Int64Exact(f.pending), "name": knownvalue.StringExact("trigger-later"),
								}),
							})),
						},
					},
					{
						Config:      config(987654321),
						ExpectError: regexp.MustCompile(`(?s)not found.*pipeline 987654321`),
					},
					{
						// A running job's token: read by trigger_jobs; /bridges
						// does not read it, and the diagnostic says so.
						Config: env.ProviderBlock(fmt.Sprintf("  job_token = %q\n", env.Sim.JobToken(f.running))) + fmt.Sprintf(`
data "gitlabjobs_pipeline_bridges" "test" {
  project     = %q
  pipeline_id = %d
  scope       = ["manual"]
}
`, f.project.PathWithNamespace, f.pipeline.ID),
						ExpectError: expectErrorIf(old, `(?s)does not list trigger jobs to a CI job token.*404 Project Not Found.*before 19\.2`),
						ConfigStateChecks: stateChecksUnless(old, []statecheck.StateCheck{
							statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_bridges.test", attr("bridges"), knownvalue.ListSizeExact(1)),
						}),
					},
				},
			})
			triggerJobs, bridges := env.Sim.RequestCount(gitlabsim.RouteTriggerJobs), env.Sim.RequestCount(routeBridges)
			if old && (triggerJobs != 0 || bridges == 0) {
				t.Errorf("GitLab before 19.2: %d trigger_jobs and %d bridges requests", triggerJobs, bridges)
			}
			if !old && (triggerJobs == 0 || bridges != 0) {
				t.Errorf("GitLab 19.2: %d trigger_jobs and %d bridges requests, want no bridges", triggerJobs, bridges)
			}
		})
	}
}

func expectErrorIf(cond bool, re string) *regexp.Regexp {
	if !cond {
		return nil
	}
	return regexp.MustCompile(re)
}

func stateChecksUnless(cond bool, checks []statecheck.StateCheck) []statecheck.StateCheck {
	if cond {
		return nil
	}
	return checks
}
