package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

// The provider settings shared with the official GitLab provider that come
// from the environment: GITLAB_EARLY_AUTH_CHECK, and GitLab CI's
// CI_JOB_TOKEN and CI_API_V4_URL with enable_auto_ci_support. The provider
// runs in the test's process, so these tests set the variables there, and
// cannot run in parallel with others (t.Setenv).

// clearProviderEnv unsets every variable the provider reads, for this test.
func clearProviderEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{provider.EnvToken, provider.EnvBaseURL, provider.EnvCIAPIURL, provider.EnvJobToken, provider.EnvEarlyAuthCheck} {
		t.Setenv(k, "")
	}
}

// TestAccProvider_earlyAuthCheckEnv: GITLAB_EARLY_AUTH_CHECK turns the
// start-up check off (a bad token then fails where it is used, on the data
// source) or on; the provider block's early_auth_check wins over it; a value
// that is not a boolean fails naming the variable.
func TestAccProvider_earlyAuthCheckEnv(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "sets the provider's environment")
	job := env.FinishedJob(t)
	ds := jobDataSourceConfig(job.Project, job.JobID)
	clearProviderEnv(t)
	wrongToken := env.ProviderBlock(`  token = "glpat-wrong"`)
	atDataSource := regexp.MustCompile(`(?s)GitLab rejected the provider's credentials.*Reading job \d+ of project`)
	atStartUp := regexp.MustCompile(`(?is)early[ _]auth`)

	steps := []struct {
		env    string
		config string
		want   *regexp.Regexp
	}{
		{env: "false", config: wrongToken, want: atDataSource},
		{env: "0", config: wrongToken, want: atDataSource},
		{env: "true", config: wrongToken, want: atStartUp},
		{env: "", config: wrongToken, want: atStartUp},
		// The provider block wins over the variable, either way.
		{env: "true", config: env.ProviderBlock("  token = \"glpat-wrong\"\n  early_auth_check = false"), want: atDataSource},
		{env: "false", config: env.ProviderBlock("  token = \"glpat-wrong\"\n  early_auth_check = true"), want: atStartUp},
		{env: "maybe", config: wrongToken, want: regexp.MustCompile(`(?s)Invalid GITLAB_EARLY_AUTH_CHECK.*"maybe".*true\s+or\s+false`)},
	}
	for _, s := range steps {
		t.Run(fmt.Sprintf("GITLAB_EARLY_AUTH_CHECK=%q", s.env), func(t *testing.T) {
			t.Setenv(provider.EnvEarlyAuthCheck, s.env)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
				Steps:                    []resource.TestStep{{Config: s.config + ds, ExpectError: s.want}},
			})
		})
	}

	// With the check off through the variable, a good token still reads.
	t.Run("GITLAB_EARLY_AUTH_CHECK=false, good token", func(t *testing.T) {
		t.Setenv(provider.EnvEarlyAuthCheck, "false")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
			Steps: []resource.TestStep{{
				Config: env.Config(ds),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobDataSource, attr("job_id"), knownvalue.Int64Exact(job.JobID)),
				},
			}},
		})
	})
}

// TestAccProvider_autoCISupport: inside GitLab CI (CI_JOB_TOKEN and
// CI_API_V4_URL set, as GitLab sets them in a job) the provider uses the
// job's token and API URL when nothing else is configured;
// enable_auto_ci_support = false turns that off, so a missing token is an
// error naming the setting, while an explicit job_token still works.
func TestAccProvider_autoCISupport(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newReleaseFixture(t, env)
	clearProviderEnv(t)
	jobToken := env.Sim.JobToken(f.running)
	t.Setenv(provider.EnvJobToken, jobToken)
	t.Setenv(provider.EnvCIAPIURL, env.BaseURL)

	terraformBlock := fmt.Sprintf("terraform {\n  required_providers {\n    gitlabjobs = {\n      source = %q\n    }\n  }\n}\n", provider.Address)
	ds := `
data "gitlabjobs_job_token_job" "me" {}
`
	ranAs := []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.gitlabjobs_job_token_job.me", attr("job_id"), knownvalue.Int64Exact(f.running)),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// No settings at all: CI_API_V4_URL and CI_JOB_TOKEN.
				Config:            terraformBlock + "provider \"gitlabjobs\" {}\n" + ds,
				ConfigStateChecks: ranAs,
			},
			{
				Config:            terraformBlock + "provider \"gitlabjobs\" {\n  enable_auto_ci_support = true\n}\n" + ds,
				ConfigStateChecks: ranAs,
			},
			{
				// Off: CI_JOB_TOKEN is not used, and the error says so. (base_url
				// is given: CI_API_V4_URL is not used either, see the unit tests.)
				Config:      env.ProviderBlock("  enable_auto_ci_support = false") + ds,
				ExpectError: regexp.MustCompile(`(?s)Missing GitLab token.*GITLAB_TOKEN.*enable_auto_ci_support\s+=\s+false`),
			},
			{
				// Off, with the job token given explicitly.
				Config:            env.ProviderBlock(fmt.Sprintf("  enable_auto_ci_support = false\n  job_token = %q", jobToken)) + ds,
				ConfigStateChecks: ranAs,
			},
		},
	})
	if strings.Contains(env.BaseURL, "gitlab.com") {
		t.Fatal("the test must not reach GitLab.com")
	}
}
