package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim/schemacheck"
)

var (
	checkerOnce sync.Once
	checker     *schemacheck.Checker
	checkerErr  error
)

// env is a simulator behind an httptest server whose every response is
// validated against GitLab's schemas, with an admin, a developer, a guest,
// an outsider and a project with a pipeline.
type env struct {
	t                                  *testing.T
	sim                                *gitlabsim.Sim
	srv                                *httptest.Server
	admin, dev, guest, outsider        gitlabsim.User
	adminTok, devTok, guestTok, outTok string
	proj                               gitlabsim.Project
	pl                                 gitlabsim.Pipeline // success (with log, artifacts), failed, running, manual
	checked                            atomic.Int64       // responses schema-checked
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, gitlabsim.Options{})
}

// newEnvWith is newEnv with simulator options (a fake clock, the runner's);
// OnResponse is the schema check.
func newEnvWith(t *testing.T, opts gitlabsim.Options) *env {
	t.Helper()
	checkerOnce.Do(func() {
		checker, checkerErr = schemacheck.Default()
	})
	if checkerErr != nil {
		t.Fatalf("GitLab's schemas: %v", checkerErr)
	}
	e := &env{t: t}
	var mu sync.Mutex
	done := false
	opts.OnResponse = func(route string, status int, h http.Header, body []byte) {
		e.checked.Add(1)
		if err := checker.Check(route, status, h, body); err != nil {
			mu.Lock()
			defer mu.Unlock()
			if !done {
				t.Errorf("response of %s (%d) breaks GitLab's schema: %v\n%s", route, status, err, body)
			}
		}
	}
	e.sim = gitlabsim.New(opts)
	e.srv = httptest.NewServer(e.sim)
	t.Cleanup(func() { e.srv.Close(); mu.Lock(); done = true; mu.Unlock() })

	e.admin = e.sim.CreateUser(gitlabsim.UserSpec{Username: "root", Name: "Administrator", Admin: true})
	e.dev = e.sim.CreateUser(gitlabsim.UserSpec{Username: "dev"})
	e.guest = e.sim.CreateUser(gitlabsim.UserSpec{Username: "guest"})
	e.outsider = e.sim.CreateUser(gitlabsim.UserSpec{Username: "outsider"})
	e.adminTok = e.sim.CreatePersonalAccessToken(e.admin.ID, gitlabsim.TokenSpec{})
	e.devTok = e.sim.CreatePersonalAccessToken(e.dev.ID, gitlabsim.TokenSpec{Scopes: []string{"read_api"}})
	e.guestTok = e.sim.CreatePersonalAccessToken(e.guest.ID, gitlabsim.TokenSpec{})
	e.outTok = e.sim.CreatePersonalAccessToken(e.outsider.ID, gitlabsim.TokenSpec{})
	e.proj = e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "group/sub/app.service", Members: map[int64]int{
		e.dev.ID: gitlabsim.DeveloperAccess, e.guest.ID: gitlabsim.GuestAccess,
	}})
	cov := 55.5
	e.pl = e.sim.CreatePipeline(e.proj.ID, gitlabsim.PipelineSpec{UserID: e.dev.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", Log: "hello\n", Coverage: &cov, Tags: []string{"docker"},
			Artifacts: []gitlabsim.ArtifactSpec{{FileType: "archive", Filename: "artifacts.zip", FileFormat: "zip", Size: 10}}},
		{Name: "test", Stage: "test", Status: "failed"},
		{Name: "e2e", Stage: "test", Status: "running"},
		{Name: "deploy", Stage: "deploy", Status: "manual"},
	}})
	return e
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON: %s", r.body)
	}
	return m
}

func (e *env) get(path string, headers ...string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, body}
}

// post sends a POST with an optional body of the given content type.
func (e *env) post(path, contentType, body string, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func (e *env) jobPath(i int) string {
	return fmt.Sprintf("/api/v4/projects/%d/jobs/%d", e.proj.ID, e.pl.JobIDs[i])
}

func wantStatus(t *testing.T, r response, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d (%.300s)", r.status, status, r.body)
	}
	if body != "" && strings.TrimSpace(string(r.body)) != body {
		t.Errorf("body %s, want %s", r.body, body)
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range 20 {
				if r := e.get(e.jobPath(i%4), "PRIVATE-TOKEN", e.devTok); r.status != 200 {
					t.Errorf("status %d", r.status)
				}
			}
		}()
		go func() {
			defer wg.Done()
			p := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: fmt.Sprintf("c/p%d", i)})
			e.sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "x", Status: "running"}}})
		}()
	}
	wg.Wait()
	if n := e.sim.RequestCount("GET /api/v4/projects/{id}/jobs/{job_id}"); n != 160 {
		t.Errorf("RequestCount = %d, want 160", n)
	}
}

// TestCheckerRejects proves the schema check can fail: responses GitLab
// would never send are caught.
func TestCheckerRejects(t *testing.T) {
	e := newEnv(t)
	good := e.get(e.jobPath(0), "PRIVATE-TOKEN", e.devTok).body
	var m map[string]any
	json.Unmarshal(good, &m)
	mutate := func(f func(map[string]any)) []byte {
		c := map[string]any{}
		json.Unmarshal(good, &c)
		f(c)
		b, _ := json.Marshal(c)
		return b
	}
	h := http.Header{"Content-Type": {"application/json"}}
	route := "GET /api/v4/projects/{id}/jobs/{job_id}"
	bad := map[string][]byte{
		"missing archived":            mutate(func(c map[string]any) { delete(c, "archived") }),
		"id as string":                mutate(func(c map[string]any) { c["id"] = "7" }),
		"extra field":                 mutate(func(c map[string]any) { c["surprise"] = true }),
		"failure_reason on success":   mutate(func(c map[string]any) { c["failure_reason"] = "x" }),
		"pipeline without project_id": mutate(func(c map[string]any) { delete(c["pipeline"].(map[string]any), "project_id") }),
		"runner with extra field":     mutate(func(c map[string]any) { c["runner"] = map[string]any{"id": 1, "paused": false} }),
	}
	if err := checker.Check(route, 200, h, good); err != nil {
		t.Fatalf("a good job fails the check: %v", err)
	}
	for name, body := range bad {
		if err := checker.Check(route, 200, h, body); err == nil {
			t.Errorf("%s: not caught", name)
		}
	}
	if err := checker.Check(route, 404, http.Header{"Content-Type": {"text/html"}}, []byte("<html>")); err == nil {
		t.Error("an HTML error page must be caught")
	}
	if err := checker.Check("GET /api/v4/unknown", 200, h, []byte("{}")); err == nil {
		t.Error("a route without a schema must be caught")
	}
}
