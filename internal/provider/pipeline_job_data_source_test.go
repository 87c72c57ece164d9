package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
)

// TestAccPipelineJobDataSource: the job named e2e-test of the seed's
// pipeline 903 (job 1012, failed) keeps its job_id after it is retried, and
// the retry shows in latest_job_id, latest_status and run_ids.
func TestAccPipelineJobDataSource(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	const cfg = `
data "gitlabjobs_pipeline_job" "e2e" {
  project     = "demo-group/platform/deploy-service"
  pipeline_id = 903
  name        = "e2e-test"
}
`
	const addr = "data.gitlabjobs_pipeline_job.e2e"
	var retryID int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: env.Config(`
data "gitlabjobs_pipeline_job" "missing" {
  project     = "demo-group/platform/deploy-service"
  pipeline_id = 903
  name        = "e2e"
}
`),
				ExpectError: regexp.MustCompile(`(?s)No job of that name.*no\s+job\s+named\s+"e2e".*"build",\s+"deploy",\s+"e2e-test",\s+"smoke-test"`),
			},
			{
				Config: env.Config(`
data "gitlabjobs_pipeline_job" "stage" {
  project     = "demo-group/platform/deploy-service"
  pipeline_id = 903
  name        = "e2e-test"
  stage       = "deploy"
}
`),
				ExpectError: regexp.MustCompile(`(?s)Job not in that stage.*in\s+stage\s+"test",\s+not\s+in\s+stage\s+"deploy"`),
			},
			{
				Config: env.Config(cfg),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, attr("id"), knownvalue.StringExact("demo-group/platform/deploy-service:903:e2e-test")),
					statecheck.ExpectKnownValue(addr, attr("job_id"), knownvalue.Int64Exact(1012)),
					statecheck.ExpectKnownValue(addr, attr("status"), knownvalue.StringExact("failed")),
					statecheck.ExpectKnownValue(addr, attr("stage"), knownvalue.StringExact("test")),
					statecheck.ExpectKnownValue(addr, attr("latest_job_id"), knownvalue.Int64Exact(1012)),
					statecheck.ExpectKnownValue(addr, attr("run_ids"), knownvalue.ListExact([]knownvalue.Check{knownvalue.Int64Exact(1012)})),
				},
			},
			{
				PreConfig: func() {
					id, err := env.Sim.RetryJob(1012)
					if err != nil {
						t.Fatalf("retrying job 1012: %v", err)
					}
					retryID = id
				},
				Config: env.Config(cfg),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, attr("job_id"), knownvalue.Int64Exact(1012)),
					statecheck.ExpectKnownValue(addr, attr("status"), knownvalue.StringExact("failed")),
					statecheck.ExpectKnownValue(addr, attr("latest_job_id"), int64Func(func() int64 { return retryID })),
					statecheck.ExpectKnownValue(addr, attr("latest_status"), knownvalue.StringRegexp(regexp.MustCompile(`^(pending|running|success)$`))),
					statecheck.ExpectKnownValue(addr, attr("run_ids"), knownvalue.ListSizeExact(2)),
				},
			},
		},
	})
}

// int64Func is knownvalue.Int64Exact of a value known only when the check
// runs (e.g. a job ID created in a PreConfig).
type int64Func func() int64

func (f int64Func) CheckValue(v any) error { return knownvalue.Int64Exact(f()).CheckValue(v) }
func (f int64Func) String() string         { return knownvalue.Int64Exact(f()).String() }
