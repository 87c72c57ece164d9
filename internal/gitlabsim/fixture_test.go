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
		{`{"groups":[{"path":"g","members":{"ghost":30}}]}`, `groups[0].members: unknown user "ghost"`},
		{`{"groups":[{"path":"g//h"}]}`, "groups[0]"},
		{`{"projects":[{"path":"a/b","shared_with_groups":[{"group":"nowhere","group_access":30}]}]}`,
			`shared_with_groups[0]: unknown group "nowhere"`},
		{`{"projects":[{"path":"a/b","shared_with_groups":[{"group":"a","group_access":30}]}]}`,
			"cannot be shared with the group it is in"},
		{`{`, "seed:"},
	}
	for _, tt := range tests {
		err := gitlabsim.New(gitlabsim.Options{}).LoadFixture(strings.NewReader(tt.seed))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadFixture(%s) = %v, want an error with %q", tt.seed, err, tt.want)
		}
	}
}

// TestSeedGroups: a seed's groups with members, a project shared with one
// of them, and a protected environment whose deployers are that group.
func TestSeedGroups(t *testing.T) {
	seed := `{
	  "users": [{"username": "bot"}, {"username": "lead"}, {"username": "dev"}],
	  "groups": [{"path": "ops", "name": "Operations", "members": {"lead": 40}},
	             {"path": "ops/release", "name": "Release", "members": {"bot": 30}}],
	  "projects": [{"path": "team/app", "members": {"dev": 30},
	    "shared_with_groups": [{"group": "ops/release", "group_access": 30}],
	    "protected_environments": [{"name": "production",
	      "deploy_access_levels": [{"group": "ops/release"}],
	      "approval_rules": [{"group": "ops/release", "group_inheritance_type": 1}]}]}]
	}`
	s := gitlabsim.New(gitlabsim.Options{})
	if err := s.LoadFixture(strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	g, ok := s.GroupByPath("ops/release")
	parent, _ := s.GroupByPath("ops")
	if !ok || g.Name != "Release" || g.ParentID != parent.ID {
		t.Fatalf("group %+v", g)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	admin := s.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	req, _ := http.NewRequest("GET", srv.URL+"/api/v4/projects/team%2Fapp/protected_environments/production", nil)
	req.Header.Set("PRIVATE-TOKEN", s.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{}))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var pe struct {
		Deploy []struct {
			GroupID int64 `json:"group_id"`
		} `json:"deploy_access_levels"`
		Rules []struct {
			GroupID     int64 `json:"group_id"`
			Inheritance int   `json:"group_inheritance_type"`
		} `json:"approval_rules"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&pe); err != nil {
		t.Fatal(err)
	}
	if len(pe.Deploy) != 1 || pe.Deploy[0].GroupID != g.ID || len(pe.Rules) != 1 || pe.Rules[0].Inheritance != 1 {
		t.Errorf("protected environment %+v", pe)
	}
	bad := strings.Replace(seed, `"deploy_access_levels": [{"group": "ops/release"}]`, `"deploy_access_levels": [{"group": "ops"}]`, 1)
	if err := gitlabsim.New(gitlabsim.Options{}).LoadFixture(strings.NewReader(bad)); err == nil ||
		!strings.Contains(err.Error(), `group "ops" is not one the project is shared with`) {
		t.Errorf("a group the project is not shared with: %v", err)
	}
}
