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

func TestAccJobTraceDataSource(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newReleaseFixture(t, env)
	trace := func(args string, id int64) string {
		return env.Config(fmt.Sprintf(`
data "gitlabjobs_job_trace" "test" {
  project = %q
  job_id  = %d
%s
}
`, f.project.PathWithNamespace, id, args))
	}
	const ds = "data.gitlabjobs_job_trace.test"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: trace("  tail_lines = 0", f.build), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)tail_lines.*at least 1`)},
			{Config: trace("", 987654321), ExpectError: regexp.MustCompile(`GitLab job not found`)},
			{Config: trace("", f.build), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.StringExact("line 1\nline 2\nline 3\nsecret=hunter2\n")),
				statecheck.ExpectKnownValue(ds, attr("size"), knownvalue.Int64Exact(36)),
				statecheck.ExpectKnownValue(ds, attr("truncated"), knownvalue.Bool(false)),
			}},
			{Config: trace("  tail_lines = 2", f.build), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.StringExact("line 3\nsecret=hunter2\n")),
				statecheck.ExpectKnownValue(ds, attr("size"), knownvalue.Int64Exact(36)),
				statecheck.ExpectKnownValue(ds, attr("truncated"), knownvalue.Bool(true)),
			}},
			{Config: trace("  max_bytes = 7", f.build), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.StringExact("unter2\n")),
				statecheck.ExpectKnownValue(ds, attr("truncated"), knownvalue.Bool(true)),
			}},
			{Config: trace("", f.deploy), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.StringExact("")),
				statecheck.ExpectKnownValue(ds, attr("size"), knownvalue.Int64Exact(0)),
			}},
		},
	})
}

// TestAccJobTraceDataSource_sensitive keeps the log out of plan output.
func TestAccJobTraceDataSource_sensitive(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newReleaseFixture(t, env)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: env.Config(fmt.Sprintf(`
data "gitlabjobs_job_trace" "test" {
  project = %q
  job_id  = %d
}
output "log" {
  value     = data.gitlabjobs_job_trace.test.content
  sensitive = true
}
`, f.project.PathWithNamespace, f.build)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectSensitiveValue("data.gitlabjobs_job_trace.test", attr("content")),
			},
		}},
	})
}
