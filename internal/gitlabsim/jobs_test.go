package gitlabsim_test

import (
	"fmt"
	"testing"
)

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
