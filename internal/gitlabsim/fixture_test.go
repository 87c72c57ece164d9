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
