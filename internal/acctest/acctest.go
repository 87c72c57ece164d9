// Package acctest runs the provider's acceptance tests against a GitLab: by
// default an isolated in-process simulator per test, or a real GitLab when
// GITLAB_BASE_URL and GITLAB_TOKEN point at one.
package acctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim/schemacheck"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

// Environment variables that describe a real GitLab's fixtures. Tests that
// need a fixture the user did not give are skipped, saying which variable.
const (
	EnvRealProject    = "GITLABJOBS_ACC_PROJECT" // path or ID of a project the token can read
	EnvRealJobID      = "GITLABJOBS_ACC_JOB_ID"  // a finished job of that project
	EnvTerraformPath  = "TF_ACC_TERRAFORM_PATH"  // the terraform or tofu binary under test
	envProviderNSName = "TF_ACC_PROVIDER_NAMESPACE"
)

func init() {
	// terraform-plugin-testing reattaches the in-process provider under
	// registry.terraform.io/<namespace>/gitlabjobs; test configurations name
	// that address in required_providers, which works with Terraform and OpenTofu.
	if os.Getenv(envProviderNSName) == "" {
		os.Setenv(envProviderNSName, "gitlabjobs")
	}
}

// ProtoV6ProviderFactories serves the provider in-process to the CLI under test.
func ProtoV6ProviderFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"gitlabjobs": provider.NewProtocol6Server("acctest"),
	}
}

// Env is the GitLab one acceptance test talks to.
type Env struct {
	BaseURL string         // the API URL, ending in /api/v4/
	Token   string         // a token with the api scope
	Sim     *gitlabsim.Sim // nil against a real GitLab
	AdminID int64          // the simulator's admin user (0 against a real GitLab)
	server  *httptest.Server
}

// PreCheck fails a test early, with the fix, when the acceptance test
// environment is incomplete. Without TF_ACC_TERRAFORM_PATH,
// terraform-plugin-testing would try to download Terraform and exit the
// whole test binary.
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make testacc does)")
	}
	if os.Getenv(EnvTerraformPath) == "" {
		t.Fatalf("%s is not set: point it at a terraform or tofu binary (make testacc builds OpenTofu into bin/tofu and sets it)", EnvTerraformPath)
	}
}

// IsReal reports whether the tests run against a real GitLab.
func IsReal() bool {
	return os.Getenv(provider.EnvBaseURL) != ""
}

// NewEnv returns the GitLab for one test: a fresh simulator whose every
// response is validated against GitLab's JSON schemas, or the real GitLab
// named by GITLAB_BASE_URL and GITLAB_TOKEN.
func NewEnv(t *testing.T) *Env {
	t.Helper()
	return NewEnvWith(t, nil)
}

// NewEnvWith is NewEnv with the simulator's options adjusted by mod (e.g. an
// older GitLab's routes); against a real GitLab mod is not used.
func NewEnvWith(t *testing.T, mod func(*gitlabsim.Options)) *Env {
	t.Helper()
	PreCheck(t)
	if IsReal() {
		token := os.Getenv(provider.EnvToken)
		if token == "" {
			t.Fatalf("%s is set but %s is not: a real GitLab needs a token with the api scope", provider.EnvBaseURL, provider.EnvToken)
		}
		return &Env{BaseURL: os.Getenv(provider.EnvBaseURL), Token: token}
	}

	sim, srv := newCheckedSim(t, mod)
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Name: "Administrator", Admin: true})
	token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "acctest", Scopes: []string{"api"}})
	return &Env{BaseURL: srv.URL + "/api/v4/", Token: token, Sim: sim, AdminID: admin.ID, server: srv}
}

// newCheckedSim serves a fresh simulator for one test, every response of
// which is validated against GitLab's JSON schemas (a violation fails the
// test). Its runner is quick: played and retried jobs start within a poll
// and finish a second later, so waits end on real transitions.
func newCheckedSim(t *testing.T, mod func(*gitlabsim.Options)) (*gitlabsim.Sim, *httptest.Server) {
	t.Helper()
	checker := loadChecker(t)
	var mu sync.Mutex
	done := false
	opts := gitlabsim.Options{
		RunnerPickupDelay: 300 * time.Millisecond,
		RunDuration:       time.Second,
		OnResponse: func(route string, status int, header http.Header, body []byte) {
			if err := checker.Check(route, status, header, body); err != nil {
				mu.Lock()
				defer mu.Unlock()
				if !done {
					t.Errorf("simulator response breaks GitLab's schema (%s, %d): %v", route, status, err)
				}
			}
		},
	}
	if mod != nil {
		mod(&opts)
	}
	sim := gitlabsim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		done = true
		mu.Unlock()
	})
	return sim, srv
}

var (
	checkerOnce sync.Once
	checker     *schemacheck.Checker
	checkerErr  error
)

func loadChecker(t *testing.T) *schemacheck.Checker {
	t.Helper()
	checkerOnce.Do(func() {
		checker, checkerErr = schemacheck.Default()
	})
	if checkerErr != nil {
		t.Fatalf("loading GitLab's JSON schemas: %v", checkerErr)
	}
	return checker
}

// ProviderBlock is the terraform block and a provider block with base_url
// and the given attributes (no token).
func (e *Env) ProviderBlock(attrs string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    gitlabjobs = {
      source = %q
    }
  }
}

provider "gitlabjobs" {
  base_url = %q
%s
}
`, provider.Address, e.BaseURL, attrs)
}

// ProviderConfig is the provider configured with this GitLab's token; extra
// is added inside the provider block.
func (e *Env) ProviderConfig(extra string) string {
	return e.ProviderBlock(fmt.Sprintf("  token = %q\n%s", e.Token, extra))
}

// Config is the provider configuration followed by body.
func (e *Env) Config(body string) string {
	return e.ProviderConfig("") + body
}

// RequireSim skips a test that needs to set up or inspect simulator state.
func (e *Env) RequireSim(t *testing.T, why string) {
	t.Helper()
	if e.Sim == nil {
		t.Skipf("needs the simulator (%s); skipped against a real GitLab", why)
	}
}

// Job identifies a job a test reads.
type Job struct {
	Project string // as given to the provider: a path
	JobID   int64
}

// FinishedJob returns a finished job with a log: created in the simulator,
// or taken from GITLABJOBS_ACC_PROJECT/GITLABJOBS_ACC_JOB_ID on a real GitLab.
func (e *Env) FinishedJob(t *testing.T) Job {
	t.Helper()
	if e.Sim == nil {
		return realJob(t)
	}
	p := e.Sim.CreateProject(gitlabsim.ProjectSpec{
		Path:    "acc-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + "/sub/app.service",
		Members: map[int64]int{e.AdminID: 50},
	})
	started := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	finished := started.Add(97 * time.Second)
	cov := 87.5
	pl := e.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{
		Ref: "main", UserID: e.AdminID,
		Jobs: []gitlabsim.JobSpec{{
			Name: "unit-test", Stage: "test", Status: "success", Tags: []string{"docker", "linux"},
			Coverage: &cov, Log: "Running tests...\nok\n", StartedAt: &started, FinishedAt: &finished,
			Artifacts: []gitlabsim.ArtifactSpec{
				{FileType: "archive", Filename: "artifacts.zip", FileFormat: "zip", Size: 1000},
				{FileType: "trace", Filename: "job.log", FileFormat: "raw", Size: 17},
			},
		}},
	})
	return Job{Project: p.PathWithNamespace, JobID: pl.JobIDs[0]}
}

func realJob(t *testing.T) Job {
	t.Helper()
	project, id := os.Getenv(EnvRealProject), os.Getenv(EnvRealJobID)
	if project == "" || id == "" {
		t.Skipf("needs %s and %s (a finished job the token can read) on a real GitLab", EnvRealProject, EnvRealJobID)
	}
	jobID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q is not a job ID", EnvRealJobID, id)
	}
	return Job{Project: project, JobID: jobID}
}

// GetJSON reads an API path straight from GitLab, without the provider's
// client, so tests compare what the provider stored with what GitLab says.
func (e *Env) GetJSON(t *testing.T, apiPath string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(e.BaseURL, "/")+apiPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", e.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", apiPath, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", apiPath, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: %v", apiPath, err)
	}
}

// PathEscape encodes a project path for an API URL.
func PathEscape(project string) string {
	return strings.ReplaceAll(strings.ReplaceAll(project, "/", "%2F"), ".", "%2E")
}

// Facts of the demo seed (internal/gitlabsim/seed/demo.json) that tests of
// seeded simulators rely on.
const (
	SeedProject      = "demo-group/platform/deploy-service"
	SeedRunningJobID = 1004 // integration-test of pipeline 902: runs (unscripted) for as long as the simulator does
)

// NewSeededEnv returns a fresh simulator like NewEnv's (every response
// validated against GitLab's JSON schemas, the same quick runner) loaded
// with the demo seed: the project demo-group/platform/deploy-service with
// its pipelines 901, 902 (with the bridge 1007 to its child pipeline 900), 903 and the tag v1.4.0's 904 and their fixed job IDs, as `make demo` and
// `make sim` serve it. Token is the seed's admin token and AdminID its user.
// Against a real GitLab the test is skipped: the seed's jobs exist only in
// the simulator.
func NewSeededEnv(t *testing.T) *Env {
	t.Helper()
	PreCheck(t)
	if IsReal() {
		t.Skip("needs the simulator seeded with the demo data (internal/gitlabsim/seed/demo.json); skipped against a real GitLab")
	}
	sim, srv := newCheckedSim(t, nil)
	if err := sim.LoadFixture(bytes.NewReader(gitlabsim.DemoFixture())); err != nil {
		t.Fatalf("loading the demo seed: %v", err)
	}
	token := sim.AdminToken()
	if token == "" {
		t.Fatal("the demo seed has no admin token")
	}
	env := &Env{BaseURL: srv.URL + "/api/v4/", Token: token, Sim: sim, server: srv}
	var admin struct {
		ID int64 `json:"id"`
	}
	env.GetJSON(t, "/user", &admin)
	env.AdminID = admin.ID
	return env
}
