package provider_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestAccBadInput feeds the provider wrong inputs through the CLI. Each must
// fail with a diagnostic that names the attribute (or the job's status) and
// says what to do — at plan time where the value is known then — and none
// may crash the provider or echo a token.
func TestAccBadInput(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "sets up jobs in every status and bad tokens")
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success", Log: "ok\n"},
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "running", Stuck: true},
		gitlabsim.JobSpec{Name: "queued", Stage: "test", Status: "pending", Stuck: true},
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"})
	build, running, pending, manual := pl.JobIDs[0], pl.JobIDs[1], pl.JobIDs[2], pl.JobIDs[3]
	past := time.Now().Add(-time.Hour)
	expired := env.Sim.CreatePersonalAccessToken(env.AdminID, gitlabsim.TokenSpec{Name: "old", ExpiresAt: &past})
	revoked := env.Sim.CreatePersonalAccessToken(env.AdminID, gitlabsim.TokenSpec{Name: "gone", Revoked: true})

	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body><h1>Sign in to the corporate proxy</h1></body></html>")
	}))
	defer html.Close()
	truncated := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id": 1, "username": "ro`)
	}))
	defer truncated.Close()

	proj := p.PathWithNamespace
	job := func(project string, id any) string {
		return fmt.Sprintf("data \"gitlabjobs_job\" \"x\" {\n  project = %q\n  job_id  = %v\n}\n", project, id)
	}
	res := func(typ string, id int64, extra string) string {
		return fmt.Sprintf("resource %q \"x\" {\n  project = %q\n  job_id  = %d\n%s\n}\n", typ, proj, id, extra)
	}
	ds := func(typ, body string) string { return fmt.Sprintf("data %q \"x\" {\n%s\n}\n", typ, body) }
	provider := func(attrs string) string { return env.ProviderBlock(attrs) }
	withToken := func(body string) string { return env.Config(body) }

	cases := []struct {
		name, config, want string
		apply              bool // the error can only show at apply
	}{
		// Job and project identifiers.
		{"job_id 0", withToken(job(proj, 0)), `job_id.*at least 1`, false},
		{"job_id negative", withToken(job(proj, -5)), `job_id.*at least 1`, false},
		{"job_id huge", withToken(job(proj, 9_007_199_254_740_993)), `GitLab job not found.*Check job_id and project`, false},
		{"job_id not a number", withToken(job(proj, `"twelve"`)), `Inappropriate value for attribute "job_id"`, false},
		{"project empty", withToken(job("", 1)), `Invalid GitLab project`, false},
		{"project double slash", withToken(job("group//project", 1)), `Invalid GitLab project`, false},
		{"project leading slash", withToken(job("/group/project", 1)), `Invalid GitLab project`, false},
		{"project trailing slash", withToken(job("group/project/", 1)), `Invalid GitLab project`, false},
		{"project with space", withToken(job("group/my project", 1)), `Invalid GitLab project`, false},
		{"project as a URL", withToken(job("https://gitlab.example.com/group/project", 1)), `Invalid GitLab project`, false},
		{"project id zero", withToken(job("0", 1)), `Invalid GitLab project`, false},
		{"project id negative", withToken(job("-4", 1)), `Invalid GitLab project`, false},
		{"unknown project", withToken(job("nobody/nothing/here", build)), `GitLab job not found.*nobody/nothing/here`, false},
		{"job of another project", withToken(job("actions/other", build)), `GitLab job not found`, false},
		// Lists.
		{"unknown scope", withToken(ds("gitlabjobs_project_jobs", fmt.Sprintf("project = %q\nscope = [\"finished\"]", proj))), `scope.*value must be one of`, false},
		{"scope in capitals", withToken(ds("gitlabjobs_project_jobs", fmt.Sprintf("project = %q\nscope = [\"FAILED\"]", proj))), `scope.*value must be one of`, false},
		{"empty scope", withToken(ds("gitlabjobs_project_jobs", fmt.Sprintf("project = %q\nscope = []", proj))), `scope.*at least 1`, false},
		{"max_results 0", withToken(ds("gitlabjobs_project_jobs", fmt.Sprintf("project = %q\nmax_results = 0", proj))), `max_results.*at least 1`, false},
		{"empty name filter", withToken(ds("gitlabjobs_project_jobs", fmt.Sprintf("project = %q\nname = \"\"", proj))), `name.*at least 1`, false},
		{"pipeline_id 0", withToken(ds("gitlabjobs_pipeline_jobs", fmt.Sprintf("project = %q\npipeline_id = 0", proj))), `pipeline_id.*at least 1`, false},
		{"missing pipeline", withToken(ds("gitlabjobs_pipeline_jobs", fmt.Sprintf("project = %q\npipeline_id = 987654", proj))), `project or pipeline not found.*pipeline 987654`, false},
		{"bridges unknown scope", withToken(ds("gitlabjobs_pipeline_bridges", fmt.Sprintf("project = %q\npipeline_id = %d\nscope = [\"done\"]", proj, pl.ID))), `scope.*value must be one of`, false},
		{"tail_lines 0", withToken(ds("gitlabjobs_job_trace", fmt.Sprintf("project = %q\njob_id = %d\ntail_lines = 0", proj, build))), `tail_lines.*at least 1`, false},
		{"max_bytes negative", withToken(ds("gitlabjobs_job_trace", fmt.Sprintf("project = %q\njob_id = %d\nmax_bytes = -1", proj, build))), `max_bytes.*at least 1`, false},
		// Job actions: variables, statuses, settings.
		{"variable key empty", withToken(res("gitlabjobs_job_play", manual, `variables = { "" = "x" }`)), `variables.*CI/CD variable key`, false},
		{"variable key with dash", withToken(res("gitlabjobs_job_play", manual, `variables = { "DEPLOY-ENV" = "x" }`)), `variables.*CI/CD variable key`, false},
		{"variable key with space", withToken(res("gitlabjobs_job_play", manual, `variables = { "MY VAR" = "x" }`)), `variables.*CI/CD variable key`, false},
		{"variable key too long", withToken(res("gitlabjobs_job_play", manual, fmt.Sprintf(`variables = { %s = "x" }`, strings.Repeat("K", 256)))), `variables.*1 to 255`, false},
		// (variables is a map: duplicate keys cannot reach the provider.)
		{"variable key not ASCII", withToken(res("gitlabjobs_job_play", manual, `variables = { "DÉPLOY" = "x" }`)), `variables.*CI/CD variable key`, false},
		{"play a running job", withToken(res("gitlabjobs_job_play", running, "")), `Job cannot be played.*is running`, false},
		{"play a pending job", withToken(res("gitlabjobs_job_play", pending, "")), `Job cannot be played.*is pending`, false},
		{"play a job that is no manual job", withToken(res("gitlabjobs_job_play", build, "")), `Job cannot be played.*is success.*not a manual job`, false},
		{"play a missing job", withToken(res("gitlabjobs_job_play", 987654321, "")), `GitLab job not found`, false},
		{"wait_for unknown", withToken(res("gitlabjobs_job_play", manual, `wait_for = "done"`)), `wait_for.*value must be one of`, false},
		{"timeout not a duration", withToken(res("gitlabjobs_job_play", manual, `timeouts = { create = "forever" }`)), `Time Duration.*"forever" must be a string containing`, false},
		{"retry a running job", withToken(res("gitlabjobs_job_retry", running, "")), `Job cannot be retried.*is running.*cancel it first`, false},
		{"retry a manual job", withToken(res("gitlabjobs_job_retry", manual, "")), `Job cannot be retried.*is manual`, false},
		{"erase a running job", withToken(res("gitlabjobs_job_erase", running, "")), `Job cannot be erased.*is running`, false},
		{"erase a pending job", withToken(res("gitlabjobs_job_erase", pending, "")), `Job cannot be erased.*is pending`, false},
		{"cancel job_id 0", withToken(res("gitlabjobs_job_cancel", 0, "")), `job_id.*at least 1`, false},
		// Credentials and connection.
		{"personal token for GET /job", withToken(`data "gitlabjobs_job_token_job" "x" {}`), `A CI job token is needed.*job_token`, false},
		{"expired token", provider(fmt.Sprintf("token = %q", expired)) + job(proj, build), `did not accept the provider's credentials.*401.*expired or revoked`, false},
		{"revoked token", provider(fmt.Sprintf("token = %q", revoked)) + job(proj, build), `did not accept the provider's credentials.*401.*expired or revoked`, false},
		{"job token of a finished job", provider(fmt.Sprintf("job_token = %q", env.Sim.JobToken(build))) + job(proj, build), `credentials.*401.*job is no longer running`, false},
		{"token and job_token", provider(`token = "a"`+"\n"+`job_token = "b"`) + job(proj, build), `Invalid Attribute Combination.*job_token`, false},
		{"token with a newline", provider(`token = "glpat-abc\n"`) + job(proj, build), `token contains whitespace.*trailing newline`, false},
		{"auth header in headers", env.ProviderConfig(`headers = { Authorization = "Bearer x" }`) + job(proj, build), `headers: "Authorization" may not be set here`, false},
		{"retries negative", env.ProviderConfig("retries = -1") + job(proj, build), `retries value must be between 0 and 50`, false},
		{"base_url without scheme", `provider "gitlabjobs" {` + "\n" + `base_url = "gitlab.example.com"` + "\n" + `token = "x"` + "\n}\n" + job(proj, build), `base_url "gitlab.example.com" has no scheme: add https://`, false},
		{"base_url with a typo'd path", `provider "gitlabjobs" {` + "\n" + `base_url = "https://gitlab.example.com/api/v3"` + "\n" + `token = "x"` + "\n}\n" + job(proj, build), `GitLab's REST API is at /api/v4/`, false},
		{"base_url of a page", `provider "gitlabjobs" {` + "\n" + `base_url = "https://gitlab.example.com/group/project/-/jobs"` + "\n" + `token = "x"` + "\n}\n" + job(proj, build), `URL of a page in GitLab`, false},
		{"cacert_file missing", env.ProviderConfig(`cacert_file = "/nonexistent/ca.pem"`) + job(proj, build), `cacert_file.*no such file`, false},
		{"client_cert without key", env.ProviderConfig(`client_cert = "/nonexistent/cert.pem"`) + job(proj, build), `client_key.*must be specified|client_key is required`, false},
		{"HTML from a proxy", fmt.Sprintf("provider \"gitlabjobs\" {\nbase_url = %q\ntoken = \"x\"\n}\n", html.URL) + job(proj, build), `(?i)not.*GitLab('s)? API.*base_url`, false},
		{"truncated JSON", fmt.Sprintf("provider \"gitlabjobs\" {\nbase_url = %q\ntoken = \"x\"\n}\n", truncated.URL) + job(proj, build), `(?i)(truncated|unexpected end|incomplete|not.*JSON)`, false},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		cfg := tc.config
		if !strings.Contains(cfg, "required_providers") {
			cfg = acctestTerraformBlock + cfg
		}
		steps = append(steps, resource.TestStep{
			Config:   cfg,
			PlanOnly: !tc.apply,
			// The CLI wraps long messages: any space may be a line break.
			ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(tc.want, " ", `\s+`)),
		})
	}
	// A valid configuration last: the test's destroy runs it.
	steps = append(steps, resource.TestStep{Config: env.Config(job(proj, build))})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps:                    steps,
	})
	applied := 0
	for _, id := range []int64{build, running, pending, manual} {
		for _, a := range []string{gitlabsim.ActionPlay, gitlabsim.ActionRetry, gitlabsim.ActionCancel, gitlabsim.ActionErase} {
			if n := env.Sim.ActionCount(id, a); n != 0 {
				applied += n
				t.Errorf("job %d: %s applied %d times by a bad input", id, a, n)
			}
		}
	}
	t.Logf("bad-input table: %d wrong inputs, each refused with its diagnostic; %d actions applied, 0 panics", len(cases), applied)
}

const acctestTerraformBlock = `
terraform {
  required_providers {
    gitlabjobs = {
      source = "registry.terraform.io/gitlabjobs/gitlabjobs"
    }
  }
}
`
