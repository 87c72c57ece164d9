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

// TestAccJobArtifactFileLogsHoldNoSecrets reads an artifact file holding a
// secret with sensitive = true (by ID and by ref, with a CI job token's
// read too) under TF_LOG=TRACE and searches the whole log for the secret and
// the token. Not parallel: TF_LOG is process-wide.
func TestAccJobArtifactFileLogsHoldNoSecrets(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	env := acctest.NewEnv(t)
	const secret = "artifact-secret-7d1e9b2a"
	p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success",
		ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "secrets.env", Content: "API_KEY=" + secret + "\n"}}})
	// The token comes from the environment: configuration text is echoed by the test harness itself.
	t.Setenv(provider.EnvToken, env.Token)
	t.Setenv(provider.EnvJobToken, "")
	cfg := env.ProviderBlock("") + fmt.Sprintf(`
data "gitlabjobs_job_artifact_file" "by_id" {
  project   = %[1]q
  job_id    = %[2]d
  path      = "secrets.env"
  sensitive = true
}

data "gitlabjobs_job_artifact_file" "by_ref" {
  project   = %[1]q
  ref       = "main"
  job       = "build"
  path      = "secrets.env"
  sensitive = true
}

output "key" {
  value     = data.gitlabjobs_job_artifact_file.by_id.sensitive_content
  sensitive = true
}
`, p.PathWithNamespace, pl.JobIDs[0])
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps:                    []resource.TestStep{{Config: cfg}},
	})
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no TRACE log was written: %v", err)
	}
	log := string(data)
	if !strings.Contains(log, "read artifact file") || !strings.Contains(log, "[TRACE] sdk.framework:") {
		t.Fatalf("the TRACE log (%d bytes) lacks the provider's lines: the search proves nothing", len(data))
	}
	for name, s := range map[string]string{"artifact secret": secret, "token": env.Token} {
		if n := strings.Count(log, s); n > 0 {
			i := strings.Index(log, s)
			t.Errorf("the %s appears %d times in the TRACE log, e.g. %q", name, n, log[max(0, i-200):min(len(log), i+len(s)+50)])
		}
	}
}
