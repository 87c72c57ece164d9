package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestAccJobPlayResource_streamJobLog: through the CLI with TF_LOG=INFO, a
// gitlabjobs_job_play waiting for its job logs the job's new lines as INFO
// when the provider sets stream_job_log, a play variable's value shown as
// [MASKED]; without the setting, no line of the job's log appears. Not
// parallel: TF_LOG is process-wide.
func TestAccJobPlayResource_streamJobLog(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "info.log")
	t.Setenv("TF_LOG", "INFO")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	env := acctest.NewEnv(t)
	const secret = "deploy-key-5e4d3c2b"
	script := func(name string) string {
		return fmt.Sprintf("$ ./deploy.sh %[1]s\ndeploying %[1]s with %[2]s\n%[1]s complete\n", name, secret)
	}
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "deploy-streamed", Stage: "deploy", Status: "manual", RunDuration: 2 * time.Second, LogOnRun: script("streamed")},
		gitlabsim.JobSpec{Name: "deploy-quiet", Stage: "deploy", Status: "manual", RunDuration: 2 * time.Second, LogOnRun: script("quiet")})
	streamed, quiet := pl.JobIDs[0], pl.JobIDs[1]
	// The value comes from the environment, as in real use: the harness
	// echoes configuration text.
	t.Setenv("TF_VAR_deploy_key", secret)
	cfg := func(providerAttrs string, job int64) string {
		return env.ProviderConfig(providerAttrs) + fmt.Sprintf(`
variable "deploy_key" {
  type      = string
  sensitive = true
}

resource "gitlabjobs_job_play" "deploy" {
  project   = %q
  job_id    = %d
  variables = { DEPLOY_KEY = var.deploy_key }
}
`, p.PathWithNamespace, job)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg("  stream_job_log = true", streamed), Check: expectPosts(env, "play", 1)},
			{Config: cfg("", quiet), Check: expectPosts(env, "play", 2)},
		},
	})
	for _, id := range []int64{streamed, quiet} {
		if j := simJob(t, env, id); j.Status != "success" || !strings.Contains(j.Log, secret) {
			t.Fatalf("job %d is %s with log %q: it did not run its script", id, j.Status, j.Log)
		}
	}
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no log was written: %v", err)
	}
	log := string(data)
	if !strings.Contains(log, fmt.Sprintf("gitlabjobs: played job %d", quiet)) {
		t.Fatalf("the INFO log (%d bytes) lacks the provider's INFO lines: it proves nothing", len(data))
	}
	s := streamed
	for _, line := range []string{`\$ \./deploy\.sh streamed`, `deploying streamed with \[MASKED\]`, `streamed complete`} {
		re := regexp.MustCompile(fmt.Sprintf(`\[INFO\][^\n]*job %d \| %s`, s, line))
		if !re.MatchString(log) {
			t.Errorf("the INFO log lacks %q", re)
		}
	}
	for _, leak := range []string{secret, "quiet complete", "deploy.sh quiet", fmt.Sprintf("job %d |", quiet)} {
		if i := strings.Index(log, leak); i >= 0 {
			t.Errorf("the log shows %q: %q", leak, log[max(0, i-200):min(len(log), i+len(leak)+50)])
		}
	}
}
