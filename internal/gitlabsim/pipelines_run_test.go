package gitlabsim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Tests of the pipeline endpoints (pipelines_run.go) and of GitLab's
// pipeline processing (pipeline_processing.go), one per rule modelled. The
// clock is fake: pickup takes 1s and each job runs its run_duration.

type pipeEnv struct {
	*env
	clock  *gitlabsim.Clock
	apiTok string // the developer's api token
}

func newPipeEnv(t *testing.T, cfg gitlabsim.CIConfig) *pipeEnv {
	t.Helper()
	clock := gitlabsim.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	e := newEnvWith(t, gitlabsim.Options{Now: clock.Now, RunnerPickupDelay: time.Second, RunDuration: 2 * time.Second})
	if err := e.sim.SetCIConfig(e.proj.ID, cfg); err != nil {
		t.Fatal(err)
	}
	return &pipeEnv{env: e, clock: clock, apiTok: e.sim.CreatePersonalAccessToken(e.dev.ID, gitlabsim.TokenSpec{})}
}

func boolPtr(b bool) *bool { return &b }

// run creates a pipeline for ref as the developer and returns its answer.
func (p *pipeEnv) run(ref string, body string) map[string]any {
	p.t.Helper()
	if body == "" {
		body = fmt.Sprintf(`{"ref":%q}`, ref)
	}
	r := p.post(fmt.Sprintf("/api/v4/projects/%d/pipeline", p.proj.ID), "application/json", body, "PRIVATE-TOKEN", p.apiTok)
	wantStatus(p.t, r, 201, "")
	return r.json(p.t)
}

func (p *pipeEnv) pipeline(id any) map[string]any {
	p.t.Helper()
	r := p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v", p.proj.ID, id), "PRIVATE-TOKEN", p.apiTok)
	wantStatus(p.t, r, 200, "")
	return r.json(p.t)
}

// jobs maps the pipeline's job names to their statuses.
func (p *pipeEnv) jobs(id any) map[string]string {
	p.t.Helper()
	r := p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v/jobs?per_page=100", p.proj.ID, id), "PRIVATE-TOKEN", p.apiTok)
	wantStatus(p.t, r, 200, "")
	var list []map[string]any
	if err := json.Unmarshal(r.body, &list); err != nil {
		p.t.Fatal(err)
	}
	out := map[string]string{}
	for _, j := range list {
		out[j["name"].(string)] = j["status"].(string)
	}
	return out
}

func (p *pipeEnv) wantJobs(id any, want map[string]string) {
	p.t.Helper()
	got := p.jobs(id)
	for name, st := range want {
		if got[name] != st {
			p.t.Errorf("job %s is %q, want %q (all: %v)", name, got[name], st, got)
		}
	}
}

func (p *pipeEnv) wantPipeline(id any, status string) map[string]any {
	p.t.Helper()
	m := p.pipeline(id)
	if m["status"] != status {
		p.t.Errorf("pipeline %v is %v, want %s", id, m["status"], status)
	}
	return m
}

var releaseConfig = gitlabsim.CIConfig{
	Branches: map[string]string{"main": "1111111111111111111111111111111111111111"},
	Tags:     map[string]string{"v1.0.0": "2222222222222222222222222222222222222222"},
	Jobs: []gitlabsim.CIJob{
		{Name: "build", Stage: "build", RunDuration: "2s", Artifacts: []gitlabsim.ArtifactSpec{
			{FileType: "archive", Filename: "artifacts.zip", FileFormat: "zip", Size: 100}}},
		{Name: "unit", Stage: "test", RunDuration: "2s"},
		{Name: "deploy", Stage: "deploy", When: "manual", AllowFailure: boolPtr(false), Only: []string{"tags"}},
		{Name: "notify", Stage: ".post", RunDuration: "1s"},
	},
}

// Stages run in order: a stage's jobs are enqueued once every earlier
// stage is complete; the pipeline's status is the composite of its jobs.
func TestPipelineProcessing_stagesInOrder(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	pl := p.run("main", "")
	if pl["status"] != "pending" || pl["source"] != "api" || pl["ref"] != "main" || pl["tag"] != false ||
		pl["sha"] != "1111111111111111111111111111111111111111" {
		t.Errorf("created pipeline: %v", pl)
	}
	if u, _ := pl["user"].(map[string]any); u["username"] != "dev" {
		t.Errorf("user %v, want dev", pl["user"])
	}
	id := pl["id"]
	p.wantJobs(id, map[string]string{"build": "pending", "unit": "created", "notify": "created"})
	if _, has := p.jobs(id)["deploy"]; has {
		t.Error("deploy (only: tags) is in a branch pipeline")
	}
	buildID := p.sim.PipelineJobIDs(int64(id.(float64)))[0]
	p.clock.Advance(1500 * time.Millisecond)
	p.wantPipeline(id, "running")
	p.wantJobs(id, map[string]string{"build": "running", "unit": "created"})
	if j, _ := p.sim.Job(buildID); j.Name != "build" || j.Artifacts != 0 {
		t.Errorf("job %s has %d artifacts before it succeeded", j.Name, j.Artifacts)
	}
	p.clock.Advance(2 * time.Second) // build ends at 3s
	p.wantJobs(id, map[string]string{"build": "success", "unit": "pending"})
	if j, _ := p.sim.Job(buildID); j.Artifacts != 1 {
		t.Errorf("build has %d artifacts once it succeeded, want its archive", j.Artifacts)
	}
	p.clock.Advance(10 * time.Second)
	m := p.wantPipeline(id, "success")
	p.wantJobs(id, map[string]string{"build": "success", "unit": "success", "notify": "success"})
	// build 1s–3s, unit 4s–6s, notify 7s–8s: 5 s of running.
	if m["started_at"] != "2026-11-30T10:00:01.000Z" || m["finished_at"] != "2026-11-30T10:00:08.000Z" ||
		m["duration"] != float64(5) || m["queued_duration"] != float64(1) {
		t.Errorf("timestamps: started %v finished %v duration %v queued %v", m["started_at"], m["finished_at"], m["duration"], m["queued_duration"])
	}
	if ds := m["detailed_status"].(map[string]any); ds["text"] != "Passed" || ds["group"] != "success" {
		t.Errorf("detailed_status %v", ds)
	}
}

// A manual job with allow_failure: false blocks the later stages and
// leaves the pipeline manual; playing it goes on.
func TestPipelineProcessing_blockingManual(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	id := p.run("v1.0.0", "")["id"]
	p.clock.Advance(20 * time.Second)
	m := p.wantPipeline(id, "manual")
	if m["tag"] != true || m["finished_at"] != nil {
		t.Errorf("tag %v finished_at %v", m["tag"], m["finished_at"])
	}
	if ds := m["detailed_status"].(map[string]any); ds["text"] != "Blocked" {
		t.Errorf("detailed_status %v", ds)
	}
	p.wantJobs(id, map[string]string{"build": "success", "unit": "success", "deploy": "manual", "notify": "created"})
	var deployID int64
	for _, j := range p.sim.PipelineJobIDs(int64(id.(float64))) {
		if job, _ := p.sim.Job(j); job.Name == "deploy" {
			deployID = j
		}
	}
	r := p.post(fmt.Sprintf("/api/v4/projects/%d/jobs/%d/play", p.proj.ID, deployID), "", "", "PRIVATE-TOKEN", p.apiTok)
	wantStatus(t, r, 200, "")
	p.wantPipeline(id, "running")
	p.clock.Advance(20 * time.Second)
	p.wantPipeline(id, "success")
	p.wantJobs(id, map[string]string{"deploy": "success", "notify": "success"})
}

// A manual job that may fail (the default of when: manual) does not block:
// later stages run, and the pipeline succeeds with the job still manual.
func TestPipelineProcessing_nonBlockingManual(t *testing.T) {
	cfg := releaseConfig
	cfg.Jobs = []gitlabsim.CIJob{
		{Name: "build", Stage: "build"},
		{Name: "review", Stage: "test", When: "manual"},
		{Name: "deploy", Stage: "deploy"},
	}
	p := newPipeEnv(t, cfg)
	id := p.run("main", "")["id"]
	p.clock.Advance(20 * time.Second)
	p.wantPipeline(id, "success")
	p.wantJobs(id, map[string]string{"review": "manual", "deploy": "success"})
}

// A failed job skips the later on_success jobs and fails the pipeline;
// when: always runs anyway, when: on_failure runs only after a failure.
func TestPipelineProcessing_failureSkipsAndAlwaysRuns(t *testing.T) {
	cfg := releaseConfig
	cfg.Jobs = []gitlabsim.CIJob{
		{Name: "build", Stage: "build", Outcome: "failed"},
		{Name: "unit", Stage: "test"},
		{Name: "cleanup", Stage: "deploy", When: "always"},
		{Name: "alert", Stage: "deploy", When: "on_failure"},
		{Name: "deploy", Stage: "deploy"},
	}
	p := newPipeEnv(t, cfg)
	id := p.run("main", "")["id"]
	p.clock.Advance(30 * time.Second)
	m := p.wantPipeline(id, "failed")
	p.wantJobs(id, map[string]string{"build": "failed", "unit": "skipped", "deploy": "skipped", "cleanup": "success", "alert": "success"})
	if m["finished_at"] == nil || m["duration"] == nil {
		t.Errorf("a failed pipeline has finished_at and duration: %v %v", m["finished_at"], m["duration"])
	}
}

// A failed job with allow_failure passes with warnings; the later stages run.
func TestPipelineProcessing_allowFailure(t *testing.T) {
	cfg := releaseConfig
	cfg.Jobs = []gitlabsim.CIJob{
		{Name: "lint", Stage: "test", Outcome: "failed", AllowFailure: boolPtr(true)},
		{Name: "deploy", Stage: "deploy"},
	}
	p := newPipeEnv(t, cfg)
	id := p.run("main", "")["id"]
	p.clock.Advance(30 * time.Second)
	m := p.wantPipeline(id, "success")
	p.wantJobs(id, map[string]string{"lint": "failed", "deploy": "success"})
	if ds := m["detailed_status"].(map[string]any); ds["group"] != "success-with-warnings" || ds["text"] != "Warning" {
		t.Errorf("detailed_status %v", ds)
	}
}

// A job with needs runs as soon as the jobs it needs succeeded, before its
// stage's turn; a failed need skips it.
func TestPipelineProcessing_needs(t *testing.T) {
	cfg := releaseConfig
	cfg.Jobs = []gitlabsim.CIJob{
		{Name: "build", Stage: "build", RunDuration: "1s"},
		{Name: "slow", Stage: "build", RunDuration: "30s"},
		{Name: "package", Stage: "test", Needs: []string{"build"}},
		{Name: "unit", Stage: "test"},
	}
	p := newPipeEnv(t, cfg)
	id := p.run("main", "")["id"]
	p.clock.Advance(3 * time.Second) // build ran 1s–2s
	p.wantJobs(id, map[string]string{"build": "success", "slow": "running", "package": "running", "unit": "created"})
	p.clock.Advance(60 * time.Second)
	p.wantPipeline(id, "success")
}

// only/except by ref; no job for the ref is a 400; an unknown ref, a
// project without CI configuration are 400s with GitLab's messages.
func TestPipelineCreate_errors(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	path := fmt.Sprintf("/api/v4/projects/%d/pipeline", p.proj.ID)
	wantStatus(t, p.post(path, "application/json", `{"ref":"nope"}`, "PRIVATE-TOKEN", p.apiTok), 400,
		`{"message":{"base":["Reference not found"]}}`)
	wantStatus(t, p.post(path, "application/json", `{}`, "PRIVATE-TOKEN", p.apiTok), 400, `{"error":"ref is missing"}`)
	wantStatus(t, p.post(path, "application/json", `{"ref":["main"]}`, "PRIVATE-TOKEN", p.apiTok), 400, `{"error":"ref is invalid"}`)
	wantStatus(t, p.post(path, "application/json", `{"ref":"main","variables":[{"key":"A B","value":"x"}]}`, "PRIVATE-TOKEN", p.apiTok), 400, "")
	wantStatus(t, p.post(path, "application/json", `{"ref":"main","variables":[{"key":"A","variable_type":"nope"}]}`, "PRIVATE-TOKEN", p.apiTok), 400,
		`{"error":"variables[0][variable_type] does not have a valid value"}`)
	// Authorization: a guest may not create pipelines, a read_api token not POST, nobody without a token.
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.guestTok), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.devTok), 403, "")
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`), 401, "")
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.outTok), 404, `{"message":"404 Project Not Found"}`)

	cfg := releaseConfig
	cfg.Jobs = []gitlabsim.CIJob{{Name: "deploy", Only: []string{"tags"}}}
	if err := p.sim.SetCIConfig(p.proj.ID, cfg); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.apiTok), 400,
		`{"message":{"base":["Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline."]}}`)
	if err := p.sim.SetCIConfig(p.proj.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""}}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.apiTok), 400,
		`{"message":{"base":["Missing CI config file"]}}`)
	if got := p.sim.CreatedPipelines(p.proj.ID); len(got) != 0 {
		t.Errorf("failed requests created pipelines %v", got)
	}
}

// Invalid configurations are refused when set, naming the job.
func TestCIConfig_invalid(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	for _, cfg := range []gitlabsim.CIConfig{
		{Jobs: []gitlabsim.CIJob{{Name: "x", Stage: "nope"}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", Needs: []string{"y"}}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x"}, {Name: "x"}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", When: "sometimes"}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", Stage: "build", Needs: []string{"y"}}, {Name: "y", Stage: "test"}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "../etc/passwd", Content: "x"}}}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", ExpireIn: "someday"}}},
	} {
		if err := p.sim.SetCIConfig(p.proj.ID, cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// GET /pipelines/:id, the variables, and the list's filters and order.
func TestPipelineRead_andList(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	first := p.run("main", `{"ref":"main","variables":[{"key":"RUN_ID","value":"abc"},{"key":"F","value":"x","variable_type":"file"}]}`)["id"]
	p.clock.Advance(time.Minute)
	second := p.run("v1.0.0", "")["id"]
	p.clock.Advance(time.Minute)

	r := p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v/variables", p.proj.ID, first), "PRIVATE-TOKEN", p.apiTok)
	wantStatus(t, r, 200, `[{"key":"RUN_ID","value":"abc","variable_type":"env_var"},{"key":"F","value":"x","variable_type":"file"}]`)
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v/variables", p.proj.ID, first), "PRIVATE-TOKEN", p.guestTok), 403, "")
	// A developer reads the variables of their own pipelines only; a maintainer (here the admin) of all.
	other := p.sim.CreateUser(gitlabsim.UserSpec{Username: "dev2"})
	otherTok := p.sim.CreatePersonalAccessToken(other.ID, gitlabsim.TokenSpec{})
	shared := p.sim.CreateProject(gitlabsim.ProjectSpec{Path: "group/shared", Members: map[int64]int{
		p.dev.ID: gitlabsim.DeveloperAccess, other.ID: gitlabsim.DeveloperAccess}})
	if err := p.sim.SetCIConfig(shared.ID, releaseConfig); err != nil {
		t.Fatal(err)
	}
	r = p.post(fmt.Sprintf("/api/v4/projects/%d/pipeline", shared.ID), "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.apiTok)
	wantStatus(t, r, 201, "")
	varsPath := fmt.Sprintf("/api/v4/projects/%d/pipelines/%v/variables", shared.ID, r.json(t)["id"])
	wantStatus(t, p.get(varsPath, "PRIVATE-TOKEN", otherTok), 403, "")
	wantStatus(t, p.get(varsPath, "PRIVATE-TOKEN", p.apiTok), 200, "[]")
	wantStatus(t, p.get(varsPath, "PRIVATE-TOKEN", p.adminTok), 200, "[]")
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/999999", p.proj.ID), "PRIVATE-TOKEN", p.apiTok), 404, `{"message":"404 Not found"}`)
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v", p.proj.ID, first), "PRIVATE-TOKEN", p.guestTok), 403, "")
	// The seed's pipelines are served too.
	p.pipeline(p.pl.ID)

	list := func(q string) []any {
		t.Helper()
		r := p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines?%s", p.proj.ID, q), "PRIVATE-TOKEN", p.apiTok)
		wantStatus(t, r, 200, "")
		var l []map[string]any
		_ = json.Unmarshal(r.body, &l)
		ids := []any{}
		for _, m := range l {
			ids = append(ids, m["id"])
		}
		return ids
	}
	seed := float64(p.pl.ID)
	for q, want := range map[string][]any{
		"":                                 {second, first, seed},
		"sort=asc":                         {seed, first, second},
		"ref=main":                         {first, seed},
		"ref=main&status=success":          {first},
		"status=manual":                    {second},
		"scope=tags":                       {second},
		"source=api&order_by=ref&sort=asc": {first, second},
		"username=dev&per_page=1&page=2":   {first},
	} {
		if got := list(q); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("?%s: %v, want %v", q, got, want)
		}
	}
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines?status=nope", p.proj.ID), "PRIVATE-TOKEN", p.apiTok), 400,
		`{"error":"status does not have a valid value"}`)
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines?order_by=sha", p.proj.ID), "PRIVATE-TOKEN", p.apiTok), 400,
		`{"error":"order_by does not have a valid value"}`)
}

// Trigger tokens: a pipeline as the token's owner, source trigger; a CI job
// token of a running job: source pipeline (multi-project), as the job's user.
func TestPipelineTrigger(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	path := fmt.Sprintf("/api/v4/projects/%d/trigger/pipeline", p.proj.ID)
	tok := p.sim.CreateTriggerToken(p.proj.ID, p.dev.ID, "")
	r := p.post(path, "application/x-www-form-urlencoded", "token="+tok+"&ref=main&variables[DEPLOY]=yes")
	wantStatus(t, r, 201, "")
	m := r.json(t)
	if m["source"] != "trigger" || m["user"].(map[string]any)["username"] != "dev" {
		t.Errorf("trigger pipeline %v", m)
	}
	v := p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v/variables", p.proj.ID, m["id"]), "PRIVATE-TOKEN", p.apiTok)
	wantStatus(t, v, 200, `[{"key":"DEPLOY","value":"yes","variable_type":"env_var"},`+
		`{"key":"TRIGGER_PAYLOAD","value":"{\"id\":\"1\",\"ref\":\"main\",\"variables\":{\"DEPLOY\":\"yes\"}}","variable_type":"file"}]`)
	wantStatus(t, p.post(path, "application/json", `{"token":"`+tok+`","ref":"main","variables":{"N":1}}`), 400,
		`{"message":"variables needs to be a map of key-valued strings"}`)
	wantStatus(t, p.post(path, "application/json", `{"token":"`+tok+`","ref":""}`), 400, `{"error":"ref is empty"}`)
	wantStatus(t, p.post("/api/v4/projects/999/trigger/pipeline", "application/json", `{"token":"`+tok+`","ref":"main"}`), 404,
		`{"message":"404 Not Found"}`)
	other := p.sim.CreateProject(gitlabsim.ProjectSpec{Path: "other/project"})
	wantStatus(t, p.post(fmt.Sprintf("/api/v4/projects/%d/trigger/pipeline", other.ID), "application/json", `{"token":"`+tok+`","ref":"main"}`), 404,
		`{"message":"404 Not Found"}`)
	guestTrigger := p.sim.CreateTriggerToken(p.proj.ID, p.guest.ID, "")
	wantStatus(t, p.post(path, "application/json", `{"token":"`+guestTrigger+`","ref":"main"}`), 400,
		`{"message":{"base":["Insufficient permissions to create a new pipeline"]}}`)

	// The seed's running job (e2e) runs as the developer.
	jobTok := p.sim.JobToken(p.pl.JobIDs[2])
	r = p.post(path, "application/json", `{"token":"`+jobTok+`","ref":"main"}`)
	wantStatus(t, r, 201, "")
	if m := r.json(t); m["source"] != "pipeline" {
		t.Errorf("job token pipeline source %v", m["source"])
	}
	wantStatus(t, p.post(path, "application/json", `{"token":"glptt-nope","ref":"main"}`), 404, `{"message":"404 Not Found"}`)
	finished := p.sim.JobToken(p.pl.JobIDs[0]) // the seed's build succeeded
	wantStatus(t, p.post(path, "application/json", `{"token":"`+finished+`","ref":"main"}`), 401, `{"message":"Job is not running"}`)
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`), 400, `{"error":"token is missing"}`)
	wantStatus(t, p.post(path, "application/json", `{"token":"`+tok+`","ref":"nope"}`), 400, `{"message":{"base":["Reference not found"]}}`)
	if got := len(p.sim.CreatedPipelines(p.proj.ID)); got != 2 {
		t.Errorf("%d pipelines created, want 2", got)
	}
}

// The demo seed carries the release project's CI configuration and a
// trigger token: a tag's pipeline runs build and tests and blocks on the
// manual deploy.
func TestPipelineSeed_demo(t *testing.T) {
	clock := gitlabsim.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	sim := gitlabsim.New(gitlabsim.Options{Now: clock.Now})
	if err := sim.LoadFixture(bytes.NewReader(gitlabsim.DemoFixture())); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/projects/demo-group%2Fplatform%2Fdeploy-service/trigger/pipeline",
		strings.NewReader("token=glptt-demo-0000000000000000&ref=v1.4.0"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var pl struct {
		ID     int64  `json:"id"`
		Source string `json:"source"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&pl)
	resp.Body.Close()
	if resp.StatusCode != 201 || pl.Source != "trigger" || pl.ID != 905 { // after the seeded pipelines 900-904
		t.Fatalf("trigger: %d %+v", resp.StatusCode, pl)
	}
	clock.Advance(time.Minute)
	if st := sim.PipelineStatus(pl.ID); st != "manual" {
		t.Errorf("the tag's pipeline is %s, want manual (blocked on deploy)", st)
	}
	var names []string
	for _, id := range sim.PipelineJobIDs(pl.ID) {
		j, _ := sim.Job(id)
		names = append(names, j.Name+":"+j.Status)
	}
	if got := strings.Join(names, " "); got != "build:success unit-test:success e2e-test:success deploy:manual" {
		t.Errorf("jobs %s", got)
	}
	// The build uploaded its artifact files (the release automation guide
	// reads the digest from them), which expire a week after it finished.
	buildID := sim.PipelineJobIDs(pl.ID)[0]
	for file, want := range map[string]string{"version.txt": "1.4.0\n", "image-digest.txt": "sha256:", "": `"artifacts_expire_at":"`} {
		path := fmt.Sprintf("jobs/%d/artifacts/%s", buildID, file)
		if file == "" {
			path = fmt.Sprintf("jobs/%d", buildID) // the job itself
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v4/projects/demo-group%2Fplatform%2Fdeploy-service/"+path, nil)
		req.Header.Set("PRIVATE-TOKEN", "glpat-demo-0000000000000000")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) || file != "" && !strings.HasPrefix(string(body), want) {
			t.Errorf("%s: %d %q, want 200 with %q", path, resp.StatusCode, body, want)
		}
	}
}

// Retrying a failed job puts the jobs it skipped back to created
// (Ci::ResetSkippedJobsService): once the retry succeeds they run, and the
// pipeline succeeds.
func TestPipelineProcessing_retryResetsSkipped(t *testing.T) {
	cfg := releaseConfig
	cfg.Jobs = []gitlabsim.CIJob{
		{Name: "flaky", Stage: "build", Outcome: "failed"},
		{Name: "unit", Stage: "test"},
		{Name: "package", Stage: "deploy", Needs: []string{"unit"}},
	}
	p := newPipeEnv(t, cfg)
	id := p.run("main", "")["id"]
	p.clock.Advance(20 * time.Second)
	p.wantPipeline(id, "failed")
	p.wantJobs(id, map[string]string{"flaky": "failed", "unit": "skipped", "package": "skipped"})
	flaky := p.sim.PipelineJobIDs(int64(id.(float64)))[0]
	r := p.post(fmt.Sprintf("/api/v4/projects/%d/jobs/%d/retry", p.proj.ID, flaky), "", "", "PRIVATE-TOKEN", p.apiTok)
	wantStatus(t, r, 201, "")
	retry := int64(r.json(t)["id"].(float64))
	p.wantJobs(id, map[string]string{"flaky": "pending", "unit": "created", "package": "created"})
	p.wantPipeline(id, "pending")
	if err := p.sim.SetJobStatus(retry, "success"); err != nil { // this time it passes
		t.Fatal(err)
	}
	p.clock.Advance(20 * time.Second)
	p.wantPipeline(id, "success")
	p.wantJobs(id, map[string]string{"flaky": "success", "unit": "success", "package": "success"})
}
