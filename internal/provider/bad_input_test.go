package provider_test

import (
	"fmt"
	"net"
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
	sims := []*gitlabsim.Sim{env.Sim}
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success", Log: "ok\n"},
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "running", Stuck: true},
		gitlabsim.JobSpec{Name: "queued", Stage: "test", Status: "pending", Stuck: true},
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"})
	build, running, pending, manual := pl.JobIDs[0], pl.JobIDs[1], pl.JobIDs[2], pl.JobIDs[3]
	past := time.Now().Add(-time.Hour)
	expired := env.Sim.CreatePersonalAccessToken(env.AdminID, gitlabsim.TokenSpec{Name: "old", ExpiresAt: &past})
	revoked := env.Sim.CreatePersonalAccessToken(env.AdminID, gitlabsim.TokenSpec{Name: "gone", Revoked: true})
	readAPI := env.Sim.CreatePersonalAccessToken(env.AdminID, gitlabsim.TokenSpec{Name: "read", Scopes: []string{"read_api"}})
	// A Developer, and a job another user (the admin) started.
	dev := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "developer"})
	devTok := env.Sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{Name: "dev"})
	rolesProj := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "actions/bad-input-roles", Members: map[int64]int{
		env.AdminID: gitlabsim.MaintainerAccess, dev.ID: gitlabsim.DeveloperAccess,
	}})
	othersBuild := env.Sim.CreatePipeline(rolesProj.ID, gitlabsim.PipelineSpec{Ref: "main", UserID: env.AdminID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", Log: "ok\n"},
	}}).JobIDs[0]

	// A project where no one may set pipeline variables (GitLab.com's default).
	closedProj := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "actions/bad-input-no-variables",
		Members: map[int64]int{env.AdminID: gitlabsim.MaintainerAccess}, RestrictUserDefinedVariables: true,
		PipelineVariablesMinimumOverrideRole: gitlabsim.RoleNoOneAllowed})
	closedJob := env.Sim.CreatePipeline(closedProj.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Stage: "deploy", Status: "manual"}}}).JobIDs[0]

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

	// Simulators that fail the start-up check as GitLab and the network do.
	faulty := func(f gitlabsim.Fault) string {
		sim := gitlabsim.New(gitlabsim.Options{})
		u := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
		token := sim.CreatePersonalAccessToken(u.ID, gitlabsim.TokenSpec{Name: "t", Scopes: []string{"api"}})
		sim.InjectFault(f)
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		sims = append(sims, sim)
		return fmt.Sprintf("provider \"gitlabjobs\" {\nbase_url = %q\ntoken = %q\nretries = 0\n}\n", srv.URL, token)
	}
	const user = "GET /api/v4/user"
	closed := closedPort(t)
	plainTLS := strings.Replace(env.BaseURL, "http://", "https://", 1)
	jobToken := env.Sim.JobToken(running) // valid while the job runs: the start-up check passes
	jobTokenProvider := env.ProviderBlock(fmt.Sprintf("job_token = %q", jobToken))
	const jobTokenCannot = `A CI job token cannot act on jobs.*job_token attribute.*token.*api scope.*Developer role`

	proj := p.PathWithNamespace
	job := func(project string, id any) string {
		return fmt.Sprintf("data \"gitlabjobs_job\" \"x\" {\n  project = %q\n  job_id  = %v\n}\n", project, id)
	}
	res := func(typ string, id int64, extra string) string {
		return fmt.Sprintf("resource %q \"x\" {\n  project = %q\n  job_id  = %d\n%s\n}\n", typ, proj, id, extra)
	}
	ds := func(typ, body string) string { return fmt.Sprintf("data %q \"x\" {\n%s\n}\n", typ, body) }
	run := func(extra string) string {
		return fmt.Sprintf("resource \"gitlabjobs_pipeline_run\" \"x\" {\n  project = %q\n  ref     = \"main\"\n%s\n}\n", proj, extra)
	}
	provider := func(attrs string) string { return env.ProviderBlock(attrs) }
	withToken := func(body string) string { return env.Config(body) }

	cases := []struct {
		name, config, want string
		apply              bool // the error can only show at apply
	}{
		// Job and project identifiers.
		{"job_id 0", withToken(job(proj, 0)), `job_id.*at least 1`, false},
		{"job_id negative", withToken(job(proj, -5)), `job_id.*at least 1`, false},
		{"job_id huge", withToken(job(proj, int64(9_007_199_254_740_993))), `GitLab job not found.*Check job_id and project`, false},
		{"job_id not a number", withToken(job(proj, `"twelve"`)), `Inappropriate value for attribute "job_id"`, false},
		{"job_id beyond 64 bits", withToken(job(proj, "1e20")), `Invalid whole number.*job_id must be a whole number from 1 to 9223372036854775807; 1e\+20 does not fit a 64-bit integer`, false},
		{"job_id with a fraction", withToken(job(proj, "1.5")), `Invalid whole number.*job_id must be a whole number from 1 to 9223372036854775807; 1.5 is not a whole number`, false},
		{"play job_id with a fraction", withToken(fmt.Sprintf("resource \"gitlabjobs_job_play\" \"x\" {\n  project = %q\n  job_id  = %d.5\n}\n", proj, manual)), fmt.Sprintf(`job_id must be a whole number from 1 to.*%d.5 is not a whole number`, manual), false},
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
		{"variable without a value", withToken(res("gitlabjobs_job_play", manual, `variables = { A = null, B = "x" }`)), `Play variable without a value.*variables A: a play variable needs a value.*"" for an empty value, or remove the key`, false},
		{"variable value with a null byte", withToken(res("gitlabjobs_job_play", manual, `variables = { B = "x", A = "a\u0000b" }`)), `Variable value with a null byte.*variables A: the value holds a null byte.*Remove it`, false},
		{"inputs not an object", withToken(res("gitlabjobs_job_play", manual, `inputs = "production"`)), `Inputs must be an object.*inputs is a string: give an object of input name to value`, false},
		{"inputs a list", withToken(res("gitlabjobs_job_play", manual, `inputs = ["production"]`)), `Inputs must be an object.*inputs is a list`, false},
		{"input without a value", withToken(res("gitlabjobs_job_play", manual, `inputs = { target = null, replicas = 2 }`)), `Input without a value.*inputs target: null is not a value GitLab takes for an input.*remove the name to keep the input's default`, false},
		{"input of an object", withToken(res("gitlabjobs_job_play", manual, `inputs = { target = { env = "prod" } }`)), `Input value of no GitLab input type.*inputs target: the value is an object or map.*string, a number, a boolean or an array`, false},
		{"input value with a null byte", withToken(res("gitlabjobs_job_play", manual, `inputs = { target = "a\u0000b" }`)), `Input value with a null byte.*inputs target: the value holds a null byte`, false},
		{"input with an empty name", withToken(res("gitlabjobs_job_play", manual, `inputs = { "" = "x" }`)), `Invalid input name.*inputs has the name ""`, false},
		{"variables where no one may set them", withToken(fmt.Sprintf("resource \"gitlabjobs_job_play\" \"x\" {\n  project = %q\n  job_id  = %d\n  variables = { ENV = \"x\" }\n}\n", closedProj.PathWithNamespace, closedJob)),
			`The project forbids pipeline variables.*no_one_allowed.*pass the values as inputs instead.*Settings > CI/CD > Variables`, false},
		{"play a missing job", withToken(res("gitlabjobs_job_play", 987654321, "")), `GitLab job not found`, false},
		{"wait_for unknown", withToken(res("gitlabjobs_job_play", manual, `wait_for = "done"`)), `wait_for.*value must be one of`, false},
		{"timeout not a duration", withToken(res("gitlabjobs_job_play", manual, `timeouts = { create = "forever" }`)), `Time Duration.*"forever" must be a string containing`, false},
		{"timeout negative", withToken(res("gitlabjobs_job_play", manual, `timeouts = { create = "-5s" }`)), `Timeout must be positive.*timeouts.create is "-5s": a timeout must be a positive duration such as "30s"`, false},
		{"timeout zero", withToken(res("gitlabjobs_job_retry", build, `timeouts = { create = "0s" }`)), `Timeout must be positive.*timeouts.create is "0s": a timeout must be a positive duration`, false},
		{"cancel timeout zero", withToken(res("gitlabjobs_job_cancel", running, `timeouts = { create = "0s" }`)), `Timeout must be positive.*timeouts.create is "0s"`, false},
		{"retry a running job", withToken(res("gitlabjobs_job_retry", running, "")), `Job cannot be retried.*is running.*cancel it first`, false},
		{"retry a manual job", withToken(res("gitlabjobs_job_retry", manual, "")), `Job cannot be retried.*is manual`, false},
		{"erase a running job", withToken(res("gitlabjobs_job_erase", running, "")), `Job cannot be erased.*is running`, false},
		{"erase a pending job", withToken(res("gitlabjobs_job_erase", pending, "")), `Job cannot be erased.*is pending`, false},
		{"cancel job_id 0", withToken(res("gitlabjobs_job_cancel", 0, "")), `job_id.*at least 1`, false},
		// Pipeline runs (issue 18 case 9, issue 21).
		{"pipeline variable without a value", withToken(run(`variables = { B = "x", A = null }`)), `Pipeline variable without a value.*variables A: a pipeline variable needs a value.*"" for an empty value, or remove the key`, false},
		{"pipeline timeout zero", withToken(run(`timeouts = { create = "0s" }`)), `Timeout must be positive.*timeouts.create is "0s"`, false},
		{"pipeline input without a value", withToken(run(`inputs = { version = null }`)), `Input without a value.*inputs version: null is not a value`, false},
		{"pipeline inputs a list", withToken(run(`inputs = ["1.4.0"]`)), `Inputs must be an object.*inputs is a list`, false},
		{"pipeline variables where no one may set them", withToken(fmt.Sprintf("resource \"gitlabjobs_pipeline_run\" \"x\" {\n  project = %q\n  ref = \"main\"\n  variables = { ENV = \"x\" }\n}\n", closedProj.PathWithNamespace)),
			`The project forbids pipeline variables.*no_one_allowed.*create the pipeline.*pass the values as inputs instead.*Settings > CI/CD > Variables`, false},
		{"pipeline request_time_limit zero", env.ProviderConfig(`request_time_limit = "0s"`) + run(""), `Timeout must be positive.*request_time_limit is "0s"`, false},
		{"pipeline run with a job token", jobTokenProvider + run(""), `A CI job token cannot create pipelines.*job_token attribute.*api scope.*Developer role`, false},
		// Job actions without the right: the error names what is missing.
		{"erase with a read_api token", provider(fmt.Sprintf("token = %q", readAPI)) + res("gitlabjobs_job_erase", build, ""), `token may not erase jobs.*lacks the api scope`, true},
		{"play with a read_api token", provider(fmt.Sprintf("token = %q", readAPI)) + res("gitlabjobs_job_play", manual, ""), `token may not play jobs.*lacks the api scope`, true},
		{"erase another user's job as a Developer", provider(fmt.Sprintf("token = %q", devTok)) +
			fmt.Sprintf("resource \"gitlabjobs_job_erase\" \"x\" {\n  project = %q\n  job_id  = %d\n}\n", rolesProj.PathWithNamespace, othersBuild),
			`Not allowed to erase job.*Maintainer role.*erase_build`, true},
		// A CI job token can read, not act: refused at plan, before any request.
		{"play with a job token", jobTokenProvider + res("gitlabjobs_job_play", manual, ""), jobTokenCannot, false},
		{"retry with a job token", jobTokenProvider + res("gitlabjobs_job_retry", build, ""), jobTokenCannot, false},
		{"cancel with a job token", jobTokenProvider + res("gitlabjobs_job_cancel", pending, ""), jobTokenCannot, false},
		{"erase with a job token", jobTokenProvider + res("gitlabjobs_job_erase", build, ""), jobTokenCannot, false},
		// Nor read a single job or its log (GitLab answers 401): refused when read, at plan, before any request.
		{"single job with a job token", jobTokenProvider + job(proj, build),
			`A CI job token cannot read a single job.*job_token attribute.*gitlabjobs_pipeline_job.*gitlabjobs_pipeline_jobs.*gitlabjobs_project_jobs.*read_api scope`, false},
		{"job log with a job token", jobTokenProvider + ds("gitlabjobs_job_trace", fmt.Sprintf("project = %q\njob_id = %d", proj, build)),
			`A CI job token cannot read a job's log.*job_token attribute.*read_api scope`, false},
		// Credentials and connection.
		{"personal token for GET /job", withToken(`data "gitlabjobs_job_token_job" "x" {}`), `A CI job token is needed.*job_token`, false},
		{"expired token", provider(fmt.Sprintf("token = %q", expired)) + job(proj, build), `did not accept the provider's credentials.*401.*expired or revoked`, false},
		{"revoked token", provider(fmt.Sprintf("token = %q", revoked)) + job(proj, build), `did not accept the provider's credentials.*401.*expired or revoked`, false},
		{"job token of a finished job", provider(fmt.Sprintf("job_token = %q", env.Sim.JobToken(build))) + job(proj, build), `credentials.*401.*job is no longer running`, false},
		{"token and job_token", provider(`token = "a"`+"\n"+`job_token = "b"`) + job(proj, build), `Invalid Attribute Combination.*job_token`, false},
		{"token with a newline", provider(`token = "glpat-abc\n"`) + job(proj, build), `token contains whitespace.*trailing newline`, false},
		{"auth header in headers", env.ProviderConfig(`headers = { Authorization = "Bearer x" }`) + job(proj, build), `headers: "Authorization" may not be set here`, false},
		{"retries negative", env.ProviderConfig("retries = -1") + job(proj, build), `retries value must be between 0 and 50`, false},
		{"retries with a fraction", env.ProviderConfig("retries = 2.5") + job(proj, build), `Invalid whole number.*retries must be a whole number from 0 to 50; 2.5 is not a whole number`, false},
		{"base_url without scheme", `provider "gitlabjobs" {` + "\n" + `base_url = "gitlab.example.com"` + "\n" + `token = "x"` + "\n}\n" + job(proj, build), `base_url "gitlab.example.com" has no scheme: add https://`, false},
		{"base_url with a typo'd path", `provider "gitlabjobs" {` + "\n" + `base_url = "https://gitlab.example.com/api/v3"` + "\n" + `token = "x"` + "\n}\n" + job(proj, build), `GitLab's REST API is at /api/v4/`, false},
		{"base_url of a page", `provider "gitlabjobs" {` + "\n" + `base_url = "https://gitlab.example.com/group/project/-/jobs"` + "\n" + `token = "x"` + "\n}\n" + job(proj, build), `URL of a page in GitLab`, false},
		{"cacert_file missing", env.ProviderConfig(`cacert_file = "/nonexistent/ca.pem"`) + job(proj, build), `cacert_file.*no such file`, false},
		{"client_cert without key", env.ProviderConfig(`client_cert = "/nonexistent/cert.pem"`) + job(proj, build), `client_key.*must be specified|client_key is required`, false},
		{"HTML from a proxy", fmt.Sprintf("provider \"gitlabjobs\" {\nbase_url = %q\ntoken = \"x\"\n}\n", html.URL) + job(proj, build), `(?i)not.*GitLab('s)? API.*base_url`, false},
		// The start-up check names what happened, not the credentials.
		{"GitLab failing (500)", faulty(gitlabsim.Fault{Route: user, Kind: gitlabsim.FaultStatus, Status: 500}) + job(proj, build), `GitLab is failing.*500.*down, restarting or overloaded.*Try again later`, false},
		{"GitLab unavailable (503)", faulty(gitlabsim.Fault{Route: user, Kind: gitlabsim.FaultStatus, Status: 503}) + job(proj, build), `GitLab is failing.*503.*Try again later`, false},
		{"rate limited (429)", faulty(gitlabsim.Fault{Route: user, Kind: gitlabsim.FaultRateLimited, RetryAfter: time.Second}) + job(proj, build), `GitLab rate limited the provider.*429.*Wait a minute.*retries`, false},
		{"connection reset", faulty(gitlabsim.Fault{Route: user, Kind: gitlabsim.FaultReset}) + job(proj, build), `connection to GitLab was broken.*reset.*check base_url and any proxy`, false},
		{"connection refused", fmt.Sprintf("provider \"gitlabjobs\" {\nbase_url = %q\ntoken = \"x\"\nretries = 0\n}\n", closed) + job(proj, build), `Cannot connect to GitLab at base_url.*connection refused.*Nothing accepted the connection.*check base_url`, false},
		{"https to a plain-HTTP GitLab", fmt.Sprintf("provider \"gitlabjobs\" {\nbase_url = %q\ntoken = %q\n}\n", plainTLS, env.Token) + job(proj, build), `base_url uses https:// but the server speaks plain HTTP.*write base_url with http://`, false},
		{"truncated JSON", fmt.Sprintf("provider \"gitlabjobs\" {\nbase_url = %q\ntoken = \"x\"\n}\n", truncated.URL) + job(proj, build), `(?i)(truncated|unexpected end|incomplete|not.*JSON)`, false},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	// POST requests a case may send: only this one can reach GitLab (when the
	// plan does not know the job is no manual job), which refuses it.
	// Refused by GitLab at apply (the token's scope or role is only known to GitLab): one POST each, not applied.
	postsSent := map[string]int{"erase with a read_api token": 1,
		"play with a read_api token": 1, "erase another user's job as a Developer": 1}
	posts := func() int {
		n := 0
		for _, sim := range sims {
			for _, route := range sim.Routes() {
				if strings.HasPrefix(route, "POST ") {
					n += sim.RequestCount(route)
				}
			}
		}
		return n
	}
	// GET requests of a single job or its log: none for the cases a CI job
	// token makes (the provider refuses it without asking).
	jobReadRoutes := []string{"GET /api/v4/projects/{id}/jobs/{job_id}", "GET /api/v4/projects/{id}/jobs/{job_id}/trace"}
	jobReads := func() int {
		n := 0
		for _, route := range jobReadRoutes {
			n += env.Sim.RequestCount(route)
		}
		return n
	}
	noJobReads := map[string]bool{"single job with a job token": true, "job log with a job token": true}
	found := 0
	for _, tc := range cases {
		if noJobReads[tc.name] {
			found++
		}
	}
	if found != len(noJobReads) {
		t.Fatalf("noJobReads names %d cases, %d of them in the table", len(noJobReads), found)
	}
	// before[i] is the POST count before case i (readsBefore[i] the job
	// reads); the step after it records it.
	before, readsBefore := make([]int, len(cases)+1), make([]int, len(cases)+1)
	var steps []resource.TestStep
	for i, tc := range cases {
		cfg := tc.config
		if !strings.Contains(cfg, "required_providers") {
			cfg = acctestTerraformBlock + cfg
		}
		steps = append(steps, resource.TestStep{
			PreConfig: func() { before[i], readsBefore[i] = posts(), jobReads() },
			Config:    cfg,
			PlanOnly:  !tc.apply,
			// The CLI wraps long messages: any space may be a line break.
			ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(tc.want, " ", `\s+`)),
		})
	}
	// A valid configuration last: the test's destroy runs it.
	steps = append(steps, resource.TestStep{PreConfig: func() { before[len(cases)], readsBefore[len(cases)] = posts(), jobReads() },
		Config: env.Config(job(proj, build))})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps:                    steps,
	})
	for i, tc := range cases {
		if n := before[i+1] - before[i]; n > postsSent[tc.name] {
			t.Errorf("%s: %d POST requests sent, want at most %d", tc.name, n, postsSent[tc.name])
		}
		if n := readsBefore[i+1] - readsBefore[i]; noJobReads[tc.name] && n != 0 {
			t.Errorf("%s: %d requests for a single job or its log sent, want none", tc.name, n)
		}
	}
	applied := 0
	for _, id := range []int64{build, running, pending, manual, othersBuild, closedJob} {
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

// closedPort is a base URL on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/"
}
