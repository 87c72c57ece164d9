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
