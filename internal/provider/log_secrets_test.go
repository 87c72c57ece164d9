package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

// TestAccLogsHoldNoSecrets runs a configuration that uses every kind of
// secret — a personal token, a CI job token, play variables, a job log with a
// secret in it — with TF_LOG=TRACE, and searches the whole log (the CLI's and
// the provider's) for them. It is not parallel: TF_LOG is process-wide.
func TestAccLogsHoldNoSecrets(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	env := acctest.NewEnv(t)
	const varValue, logSecret = "var-value-9f8e7d6c", "log-secret-6a5b4c3d"
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success", Log: "export DB_PASSWORD=" + logSecret + "\n"},
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "running", Stuck: true},
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"})
	jobToken := env.Sim.JobToken(pl.JobIDs[1])
	// Secrets come from the environment, as in real use: configuration text
	// is echoed by the test harness itself. One provider configuration a
	// step: in-process, two configurations (an alias) would share one server.
	t.Setenv("TF_VAR_db_password", varValue)
	t.Setenv(provider.EnvToken, "")
	t.Setenv(provider.EnvJobToken, "")
	useToken := func(name, value string) func() {
		return func() {
			for _, n := range []string{provider.EnvToken, provider.EnvJobToken} {
				os.Unsetenv(n)
			}
			os.Setenv(name, value)
		}
	}
	ciCfg := env.ProviderBlock("") + `data "gitlabjobs_job_token_job" "me" {}`
	cfg := env.ProviderBlock("") + fmt.Sprintf(`
variable "db_password" {
  type      = string
  sensitive = true
}

data "gitlabjobs_job_trace" "build" {
  project = %[1]q
  job_id  = %[2]d
}

resource "gitlabjobs_job_play" "deploy" {
  project   = %[1]q
  job_id    = %[3]d
  variables = { DB_PASSWORD = var.db_password }
}
`, p.PathWithNamespace, pl.JobIDs[0], pl.JobIDs[2])
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{PreConfig: useToken(provider.EnvJobToken, jobToken), Config: ciCfg},
			{PreConfig: useToken(provider.EnvToken, env.Token), Config: cfg},
			{RefreshState: true},
			{ResourceName: "gitlabjobs_job_play.deploy", ImportState: true, ImportStateId: fmt.Sprintf("%s:%d", p.PathWithNamespace, pl.JobIDs[2])},
		},
	})

	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no TRACE log was written: %v", err)
	}
	log := string(data)
	// The log must really hold the provider's TRACE and INFO lines, or the
	// search below proves nothing.
	for _, want := range []string{"gitlabjobs: gitlabjobs provider configured", fmt.Sprintf("gitlabjobs: played job %d", pl.JobIDs[2]), "[TRACE] sdk.framework:"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the TRACE log (%d bytes) lacks %q: it does not hold the provider's logs", len(data), want)
		}
	}
	for name, secret := range map[string]string{
		"personal access token": env.Token, "CI job token": jobToken, "play variable value": varValue, "job log secret": logSecret,
	} {
		if n := strings.Count(log, secret); n > 0 {
			i := strings.Index(log, secret)
			t.Errorf("the %s appears %d times in the TRACE log, e.g. %q", name, n, log[max(0, i-200):min(len(log), i+len(secret)+50)])
		}
	}
	t.Logf("searched %d bytes of TRACE log for 4 secrets", len(data))
}
