package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
)

func TestAccPipelineJobsAndBridgesDataSources(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newReleaseFixture(t, env)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: env.Config(fmt.Sprintf(`
data "gitlabjobs_pipeline_jobs" "missing" {
  project     = %q
  pipeline_id = 987654321
}
`, f.project.PathWithNamespace)),
				ExpectError: regexp.MustCompile(`(?s)GitLab project or pipeline not found.*pipeline 987654321`),
			},
			{
				Config: env.Config(fmt.Sprintf(`
data "gitlabjobs_pipeline_jobs" "all" {
  project     = %[1]q
  pipeline_id = %[2]d
}
data "gitlabjobs_pipeline_jobs" "running" {
  project     = %[1]q
  pipeline_id = %[2]d
  scope       = ["running"]
  include_retried = true
}
data "gitlabjobs_pipeline_bridges" "test" {
  project     = %[1]q
  pipeline_id = %[2]d
}
# The child pipeline's jobs are not in its parent's list; listed by its own ID.
data "gitlabjobs_pipeline_jobs" "child" {
  project     = %[1]q
  pipeline_id = data.gitlabjobs_pipeline_bridges.test.bridges[1].downstream_pipeline.id
}
`, f.project.PathWithNamespace, f.pipeline.ID)),
				ConfigStateChecks: []statecheck.StateCheck{
					// build, unit, e2e, deploy: the child pipeline's "child" job is not listed.
					statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_jobs.all", attr("jobs"), knownvalue.ListSizeExact(4)),
					statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_jobs.child", attr("jobs"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("child"), "pipeline": knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.Int64Exact(f.downstream.ID)})}),
					})),
					statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_jobs.all", attr("id"), knownvalue.StringExact(fmt.Sprintf("%s:%d", f.project.PathWithNamespace, f.pipeline.ID))),
					statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_jobs.running", attr("jobs"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"job_id": knownvalue.Int64Exact(f.running), "status": knownvalue.StringExact("running")}),
					})),
					statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_bridges.test", attr("bridges"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"name": knownvalue.StringExact("trigger-later"), "downstream_pipeline": knownvalue.Null(),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"name": knownvalue.StringExact("trigger-child"),
							"downstream_pipeline": knownvalue.ObjectPartial(map[string]knownvalue.Check{
								"id": knownvalue.Int64Exact(f.downstream.ID), "source": knownvalue.StringExact("parent_pipeline"),
							}),
						}),
					})),
				},
			},
		},
	})
}
