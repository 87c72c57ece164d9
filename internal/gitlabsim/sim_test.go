package gitlabsim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

func TestAuthMethods(t *testing.T) {
	e := newEnv(t)
	oauth := e.sim.CreateOAuthToken(e.dev.ID)
	jobTok := e.sim.JobToken(e.pl.JobIDs[2]) // the running job
	path := e.jobPath(0)
	// Job tokens are read only on routes that allow them (GET /job here).
	tests := []struct {
		name    string
		path    string
		headers []string
		want    string
	}{
		{"PRIVATE-TOKEN header", path, []string{"PRIVATE-TOKEN", e.devTok}, "build"},
		{"private_token param", path + "?private_token=" + e.devTok, nil, "build"},
		{"Bearer personal token", path, []string{"Authorization", "Bearer " + e.devTok}, "build"},
		{"Bearer OAuth token", path, []string{"Authorization", "Bearer " + oauth}, "build"},
		{"JOB-TOKEN header", "/api/v4/job", []string{"JOB-TOKEN", jobTok}, "e2e"},
		{"job_token param", "/api/v4/job?job_token=" + jobTok, nil, "e2e"},
		{"Bearer job token", "/api/v4/job", []string{"Authorization", "Bearer " + jobTok}, "e2e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(tt.path, tt.headers...)
			wantStatus(t, r, 200, "")
			if got := r.json(t)["name"]; got != tt.want {
				t.Errorf("name = %v, want %s", got, tt.want)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestAuthFailures(t *testing.T) {
	e := newEnv(t)
	past := time.Now().Add(-time.Hour)
	expired := e.sim.CreatePersonalAccessToken(e.dev.ID, gitlabsim.TokenSpec{ExpiresAt: &past})
	revoked := e.sim.CreatePersonalAccessToken(e.dev.ID, gitlabsim.TokenSpec{})
	e.sim.RevokeToken(revoked)
	userOnly := e.sim.CreatePersonalAccessToken(e.dev.ID, gitlabsim.TokenSpec{Scopes: []string{"read_user"}})
	oauth := e.sim.CreateOAuthToken(e.dev.ID)
	finishedJobTok := e.sim.JobToken(e.pl.JobIDs[0])
	path := e.jobPath(0)
	tests := []struct {
		name    string
		headers []string
		status  int
		body    string
	}{
		{"no token", nil, 401, `{"message":"401 Unauthorized"}`},
		{"unknown token", []string{"PRIVATE-TOKEN", "glpat-nope"}, 401, `{"message":"401 Unauthorized"}`},
		{"expired token", []string{"PRIVATE-TOKEN", expired}, 401, `{"error":"invalid_token","error_description":"Token has expired."}`},
		{"revoked token", []string{"PRIVATE-TOKEN", revoked}, 401, `{"error":"invalid_token","error_description":"Token has been revoked."}`},
		{"insufficient scope", []string{"PRIVATE-TOKEN", userOnly}, 403, `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"}`},
		{"OAuth token in PRIVATE-TOKEN", []string{"PRIVATE-TOKEN", oauth}, 401, `{"message":"401 Unauthorized"}`},
		{"finished job's token", []string{"JOB-TOKEN", finishedJobTok}, 401, `{"message":"401 Unauthorized"}`},
		{"bearer garbage", []string{"Authorization", "Bearer x"}, 401, `{"message":"401 Unauthorized"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, e.get(path, tt.headers...), tt.status, tt.body)
		})
	}
}

func TestProjectAccess(t *testing.T) {
	e := newEnv(t)
	other := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "other/project", Members: map[int64]int{e.dev.ID: 30}})
	public := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "open/source", Visibility: "public"})
	publicPl := e.sim.CreatePipeline(public.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "build", Status: "success"}}})
	runningTok := e.sim.JobToken(e.pl.JobIDs[2])

	wantStatus(t, e.get(e.jobPath(0), "PRIVATE-TOKEN", e.outTok), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, e.get(e.jobPath(0), "PRIVATE-TOKEN", e.guestTok), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, e.get(e.jobPath(0), "PRIVATE-TOKEN", e.adminTok), 200, "")
	// A job of another project, through this one: not found.
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs/%d", other.ID, e.pl.JobIDs[0]), "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Not found"}`)
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs/999999", e.proj.ID), "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Not found"}`)
	wantStatus(t, e.get("/api/v4/projects/999999/jobs/1", "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Project Not Found"}`)
	// Anyone signed in reads a public project's jobs.
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs/%d", public.ID, publicPl.JobIDs[0]), "PRIVATE-TOKEN", e.outTok), 200, "")
	// A job token lists its own project's jobs only, and cannot get a
	// single job (the route does not read job tokens: no credentials).
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", e.proj.ID), "JOB-TOKEN", runningTok), 200, "")
	wantStatus(t, e.get(e.jobPath(1), "JOB-TOKEN", runningTok), 401, `{"message":"401 Unauthorized"}`)
	// Another project: a public one is read as anyone reads it; a private
	// one is outside the job token's allowlist (handle_job_token_failure!).
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", public.ID), "JOB-TOKEN", runningTok), 200, "")
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", other.ID), "JOB-TOKEN", runningTok), 403,
		`{"message":"403 Forbidden - Authentication by CI/CD job token not allowed from app.service to project."}`)
	wantStatus(t, e.get("/api/v4/projects/999999/jobs", "JOB-TOKEN", runningTok), 404, `{"message":"404 Project Not Found"}`)
}

func TestPathStyleProjectID(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"group%2Fsub%2Fapp.service", "group%2Fsub%2Fapp%2Eservice", "GROUP%2Fsub%2Fapp.service"} {
		r := e.get(fmt.Sprintf("/api/v4/projects/%s/jobs/%d", id, e.pl.JobIDs[0]), "PRIVATE-TOKEN", e.devTok)
		wantStatus(t, r, 200, "")
	}
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/group%%2Fsub%%2Fnope/jobs/%d", e.pl.JobIDs[0]), "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Project Not Found"}`)
}

func TestInvalidJobIDAndUnknownRoute(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs/abc", e.proj.ID), "PRIVATE-TOKEN", e.devTok), 400, `{"error":"job_id is invalid"}`)
	wantStatus(t, e.get("/api/v4/nothing/here", "PRIVATE-TOKEN", e.devTok), 404, `{"error":"404 Not Found"}`)
}

func TestJobFields(t *testing.T) {
	e := newEnv(t)
	success := e.get(e.jobPath(0), "PRIVATE-TOKEN", e.devTok).json(t)
	if success["status"] != "success" || success["coverage"] != 55.5 || success["started_at"] == nil || success["duration"] == nil {
		t.Errorf("success job: %v", success)
	}
	if _, ok := success["failure_reason"]; ok {
		t.Error("failure_reason must be absent for a job that did not fail")
	}
	if af, ok := success["artifacts_file"].(map[string]any); !ok || af["filename"] != "artifacts.zip" {
		t.Errorf("artifacts_file = %v", success["artifacts_file"])
	}
	wantURL := fmt.Sprintf("%s/group/sub/app.service/-/jobs/%d", e.srv.URL, e.pl.JobIDs[0])
	if success["web_url"] != wantURL {
		t.Errorf("web_url = %v, want %s", success["web_url"], wantURL)
	}
	failed := e.get(e.jobPath(1), "PRIVATE-TOKEN", e.devTok).json(t)
	if failed["failure_reason"] != "script_failure" {
		t.Errorf("failed job: failure_reason = %v", failed["failure_reason"])
	}
	manual := e.get(e.jobPath(3), "PRIVATE-TOKEN", e.devTok).json(t)
	for _, k := range []string{"started_at", "finished_at", "duration", "runner", "coverage"} {
		if manual[k] != nil {
			t.Errorf("manual job: %s = %v, want null", k, manual[k])
		}
	}
	if _, ok := manual["artifacts_file"]; ok {
		t.Error("artifacts_file must be absent without an archive")
	}
	pl := success["pipeline"].(map[string]any)
	if pl["status"] != "running" || pl["project_id"] != float64(e.proj.ID) {
		t.Errorf("pipeline = %v (a running job keeps it running)", pl)
	}
}

func TestTrace(t *testing.T) {
	e := newEnv(t)
	r := e.get(e.jobPath(0)+"/trace", "PRIVATE-TOKEN", e.devTok)
	wantStatus(t, r, 200, "")
	if string(r.body) != "hello\n" || r.header.Get("Content-Type") != "text/plain" ||
		r.header.Get("Content-Disposition") != fmt.Sprintf(`infile; filename="%d.log"`, e.pl.JobIDs[0]) {
		t.Errorf("trace %q, headers %v", r.body, r.header)
	}
	empty := e.get(e.jobPath(3)+"/trace", "PRIVATE-TOKEN", e.devTok)
	if empty.status != 200 || len(empty.body) != 0 {
		t.Errorf("a job without a log: %d %q, want 200 and an empty body", empty.status, empty.body)
	}
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs/999999/trace", e.proj.ID), "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Not found"}`)
}

func TestJobTokenJob(t *testing.T) {
	e := newEnv(t)
	running := e.pl.JobIDs[2]
	tok := e.sim.JobToken(running)
	for _, h := range [][]string{{"JOB-TOKEN", tok}, {"Authorization", "Bearer " + tok}} {
		r := e.get("/api/v4/job", h...)
		wantStatus(t, r, 200, "")
		if r.json(t)["id"] != float64(running) {
			t.Errorf("GET /job with %s: %s", h[0], r.body)
		}
	}
	wantStatus(t, e.get("/api/v4/job?job_token="+tok), 200, "")
	wantStatus(t, e.get("/api/v4/job", "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Job Not Found"}`)
	wantStatus(t, e.get("/api/v4/job"), 401, `{"message":"401 Unauthorized"}`)
	if err := e.sim.SetJobStatus(running, "success"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.get("/api/v4/job", "JOB-TOKEN", tok), 401, `{"message":"401 Unauthorized"}`)
}

func TestCurrentUser(t *testing.T) {
	e := newEnv(t)
	r := e.get("/api/v4/user", "PRIVATE-TOKEN", e.adminTok)
	wantStatus(t, r, 200, "")
	if u := r.json(t); u["username"] != "root" || u["is_admin"] != true {
		t.Errorf("user = %v", u)
	}
	if u := e.get("/api/v4/user", "PRIVATE-TOKEN", e.devTok).json(t); u["username"] != "dev" || u["is_admin"] != nil {
		t.Errorf("user = %v (is_admin only for admins)", u)
	}
	// Job tokens are not accepted by GET /user.
	wantStatus(t, e.get("/api/v4/user", "JOB-TOKEN", e.sim.JobToken(e.pl.JobIDs[2])), 401, `{"message":"401 Unauthorized"}`)
}

func TestDemoFixture(t *testing.T) {
	e := newEnv(t)
	if err := e.sim.LoadFixture(bytes.NewReader(gitlabsim.DemoFixture())); err != nil {
		t.Fatal(err)
	}
	tok := e.sim.AdminToken()
	if tok != e.adminTok && tok != "glpat-demo-0000000000000000" {
		t.Errorf("AdminToken = %q", tok)
	}
	for _, id := range []int{991, 1001, 1002, 1003, 1004, 1005, 1006} {
		r := e.get(fmt.Sprintf("/api/v4/projects/demo-group%%2Fplatform%%2Fdeploy-service/jobs/%d", id), "PRIVATE-TOKEN", "glpat-demo-0000000000000000")
		wantStatus(t, r, 200, "")
	}
	j, _ := e.sim.Job(1002)
	if j.Status != "failed" || j.FailureReason != "script_failure" || !strings.Contains(j.Log, "FAIL") {
		t.Errorf("job 1002 = %+v", j)
	}

	// The release's artifacts, as the demo reads them by ref and job name:
	// the build of the latest successful pipeline of the tag v1.4.0 (904).
	// main's latest successful pipeline is 901, whose build is erased, so
	// main has none (903 failed, 902 did not succeed).
	const project = "/api/v4/projects/demo-group%2Fplatform%2Fdeploy-service"
	const digest = "sha256:9b2c4e1d7a3f5b8c0e6d2a4f1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c"
	admin := []string{"PRIVATE-TOKEN", "glpat-demo-0000000000000000"}
	wantStatus(t, e.get(project+"/jobs/artifacts/v1.4.0/raw/image-digest.txt?job=build", admin...), 200, digest)
	wantStatus(t, e.get(project+"/jobs/artifacts/v1.4.0/raw/version.txt?job=build", admin...), 200, "1.4.0")
	wantStatus(t, e.get(project+"/jobs/artifacts/main/raw/image-digest.txt?job=build", admin...), 404, "")
	wantStatus(t, e.get(project+"/jobs/1009/artifacts/image-digest.txt", admin...), 200, digest)
	build := e.get(project+"/jobs/1009", admin...).json(t)
	if pl, _ := build["pipeline"].(map[string]any); build["status"] != "success" || build["ref"] != "v1.4.0" || build["tag"] != true ||
		pl["id"] != float64(904) || pl["status"] != "success" || build["artifacts_expire_at"] == nil {
		t.Errorf("release build 1009 = %v", build)
	}

	// A new job gets the next free ID after the seed's highest (1014): the
	// demo's retry of e2e-test shows "1012 -> 1015".
	r := e.post(project+"/jobs/1012/retry", "", "", admin...)
	wantStatus(t, r, 201, "")
	if id := r.json(t)["id"]; id != float64(1015) {
		t.Errorf("the retry of 1012 is job %v, want 1015", id)
	}
}

func TestBadFixtures(t *testing.T) {
	tests := []struct{ seed, want string }{
		{`{"users":[{"name":"x"}]}`, "users[0].username is required"},
		{`{"projects":[{"path":"noslash"}]}`, "projects[0].path"},
		{`{"projects":[{"path":"a/b","members":{"ghost":30}}]}`, `unknown user "ghost"`},
		{`{"projects":[{"path":"a/b","pipelines":[{"jobs":[{"name":"x","status":"bogus"}]}]}]}`, `unknown status "bogus"`},
		{`{"projects":[{"path":"a/b","visibility":"secret"}]}`, "visibility"},
		{`{"unknown":1}`, "unknown field"},
		{`{`, "seed:"},
	}
	for _, tt := range tests {
		err := gitlabsim.New(gitlabsim.Options{}).LoadFixture(strings.NewReader(tt.seed))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadFixture(%s) = %v, want an error with %q", tt.seed, err, tt.want)
		}
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
