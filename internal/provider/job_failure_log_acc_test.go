package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestAccJobFailureLogLines: a played job that fails with a known log line
// fails the apply; the line is in the error only with the provider's
// failure_log_lines set (off by default: logs can hold secrets).
func TestAccJobFailureLogLines(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "needs manual jobs scripted to fail with a known log")
	const logLine = "FATAL: migration 0042_add_index failed: lock timeout"
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "migrate", Stage: "deploy", Status: "manual", Outcome: "failed", LogOnRun: "$ ./migrate.sh\n" + logLine + "\n"},
		gitlabsim.JobSpec{Name: "migrate-eu", Stage: "deploy", Status: "manual", Outcome: "failed", LogOnRun: "$ ./migrate.sh\n" + logLine + "\n"})
	config := func(providerExtra, name string, jobID int64) string {
		return env.ProviderConfig(providerExtra) + fmt.Sprintf(`
resource "gitlabjobs_job_play" %q {
  project = %q
  job_id  = %d
}
`, name, p.PathWithNamespace, jobID)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// Default: the reason and URL, then nothing after the advice.
				Config: config("", "migrate", pl.JobIDs[0]),
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Job %d \(migrate\) failed.*script_failure.*`+
					`without\s+failing\s+the\s+apply\.\s*$`, pl.JobIDs[0])),
			},
			{
				Config: config("  failure_log_lines = 3\n", "migrate_eu", pl.JobIDs[1]),
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Job %d \(migrate-eu\) failed.*failure_log_lines\s+=\s+3.*`+
					`may\s+hold\s+secrets.*FATAL: migration 0042_add_index failed: lock timeout`, pl.JobIDs[1])),
			},
		},
	})
}
