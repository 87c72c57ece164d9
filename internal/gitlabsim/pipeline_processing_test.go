package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Tests of GitLab's pipeline processing (pipeline_processing.go), one per
// rule modelled, through the pipeline endpoints; pipeEnv is shared by the
// tests of pipeline_create.go, pipelines.go, triggers.go and ciconfig.go. The
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
