package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func ids(t *testing.T, r response) []int64 {
	t.Helper()
	var items []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(r.body, &items); err != nil {
		t.Fatalf("not a list: %s", r.body)
	}
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// manyJobs creates a project with n jobs in pipelines of 50.
func (e *env) manyJobs(n int) gitlabsim.Project {
	p := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: fmt.Sprintf("many/p%d", n), Members: map[int64]int{e.dev.ID: 30}})
	for n > 0 {
		var jobs []gitlabsim.JobSpec
		for i := 0; i < min(n, 50); i++ {
			status := []string{"success", "failed", "running", "manual", "pending"}[i%5]
			jobs = append(jobs, gitlabsim.JobSpec{Name: fmt.Sprintf("job-%d", i), Status: status})
		}
		e.sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: jobs})
		n -= len(jobs)
	}
	return p
}

func TestProjectJobsOffsetPagination(t *testing.T) {
	e := newEnv(t)
	p := e.manyJobs(250)
	var all []int64
	for page := 1; ; page++ {
		r := e.get(fmt.Sprintf("/api/v4/projects/%d/jobs?per_page=100&page=%d", p.ID, page), "PRIVATE-TOKEN", e.devTok)
		wantStatus(t, r, 200, "")
		got := ids(t, r)
		all = append(all, got...)
		if r.header.Get("X-Page") != fmt.Sprint(page) || r.header.Get("X-Per-Page") != "100" {
			t.Errorf("page %d headers: %v", page, r.header)
		}
		if r.header.Get("X-Total") != "" || r.header.Get("X-Total-Pages") != "" || strings.Contains(r.header.Get("Link"), `rel="last"`) {
			t.Errorf("project jobs are listed without counts, got %v", r.header)
		}
		if r.header.Get("X-Next-Page") == "" {
			if page != 3 || len(got) != 50 {
				t.Errorf("last page %d has %d jobs", page, len(got))
			}
			break
		}
		if !strings.Contains(r.header.Get("Link"), `rel="next"`) {
			t.Errorf("Link without next: %s", r.header.Get("Link"))
		}
	}
	if len(all) != 250 {
		t.Fatalf("listed %d jobs, want 250", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i] >= all[i-1] {
			t.Fatalf("jobs must be newest first: %d before %d", all[i-1], all[i])
		}
	}
	// Defaults and limits: 20 per page, at most 100.
	if n := len(ids(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", p.ID), "PRIVATE-TOKEN", e.devTok))); n != 20 {
		t.Errorf("default page size %d, want 20", n)
	}
	if r := e.get(fmt.Sprintf("/api/v4/projects/%d/jobs?per_page=500", p.ID), "PRIVATE-TOKEN", e.devTok); len(ids(t, r)) != 100 || r.header.Get("X-Per-Page") != "100" {
		t.Errorf("per_page is capped at 100")
	}
}

func TestProjectJobsKeysetPagination(t *testing.T) {
	e := newEnv(t)
	p := e.manyJobs(250)
	next := fmt.Sprintf("%s/api/v4/projects/%d/jobs?pagination=keyset&per_page=100&order_by=id&sort=desc", e.srv.URL, p.ID)
	var all []int64
	for requests := 0; next != ""; requests++ {
		if requests > 5 {
			t.Fatal("keyset pagination does not end")
		}
		u, _ := url.Parse(next)
		r := e.get(u.RequestURI(), "PRIVATE-TOKEN", e.devTok)
		wantStatus(t, r, 200, "")
		all = append(all, ids(t, r)...)
		next = ""
		if link := r.header.Get("Link"); link != "" {
			if !strings.HasSuffix(link, `rel="next"`) || !strings.Contains(link, "cursor=") {
				t.Fatalf("keyset Link %q", link)
			}
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if len(all) != 250 {
		t.Fatalf("keyset listed %d jobs, want 250", len(all))
	}
	seen := map[int64]bool{}
	for i, id := range all {
		if seen[id] || i > 0 && id >= all[i-1] {
			t.Fatalf("keyset order broken at %d: %v", i, all[max(0, i-2):i+1])
		}
		seen[id] = true
	}
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs?pagination=keyset&cursor=not-a-cursor!", p.ID), "PRIVATE-TOKEN", e.devTok), 400, `{"error":"cursor is invalid"}`)
}

func TestScopeFilter(t *testing.T) {
	e := newEnv(t)
	base := fmt.Sprintf("/api/v4/projects/%d/jobs", e.proj.ID)
	tests := []struct {
		query string
		want  int
	}{
		{"", 4},
		{"?scope=running", 1},
		{"?scope[]=running&scope[]=failed", 2},
		{"?scope[0]=manual&scope[1]=success", 2},
		{"?scope=canceled", 0},
	}
	for _, tt := range tests {
		r := e.get(base+tt.query, "PRIVATE-TOKEN", e.devTok)
		if got := len(ids(t, r)); got != tt.want {
			t.Errorf("%s: %d jobs, want %d", tt.query, got, tt.want)
		}
	}
	for _, bad := range []string{"?scope=bogus", "?scope[]=running&scope[]=nope"} {
		wantStatus(t, e.get(base+bad, "PRIVATE-TOKEN", e.devTok), 400, `{"error":"scope does not have a valid value"}`)
	}
}

func TestEmptyProjectAndAccess(t *testing.T) {
	e := newEnv(t)
	p := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "empty/p", Members: map[int64]int{e.dev.ID: 30}})
	r := e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", p.ID), "PRIVATE-TOKEN", e.devTok)
	wantStatus(t, r, 200, "[]")
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", p.ID), "PRIVATE-TOKEN", e.outTok), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", e.proj.ID), "PRIVATE-TOKEN", e.guestTok), 403, `{"message":"403 Forbidden"}`)
}

func TestPipelineJobsAndBridges(t *testing.T) {
	e := newEnv(t)
	downstream := e.sim.CreatePipeline(e.proj.ID, gitlabsim.PipelineSpec{Source: "parent_pipeline", Jobs: []gitlabsim.JobSpec{{Name: "child", Status: "running"}}})
	pl := e.sim.CreatePipeline(e.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "build", Status: "success"},
		{Name: "trigger-child", Stage: "deploy", Status: "success", Bridge: true, DownstreamPipelineID: downstream.ID},
		{Name: "trigger-later", Stage: "deploy", Status: "manual", Bridge: true},
	}})
	jobs := e.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", e.proj.ID, pl.ID), "PRIVATE-TOKEN", e.devTok)
	wantStatus(t, jobs, 200, "")
	if got := ids(t, jobs); len(got) != 1 || got[0] != pl.JobIDs[0] {
		t.Errorf("pipeline jobs %v: builds only", got)
	}
	if jobs.header.Get("X-Total") != "1" || jobs.header.Get("X-Total-Pages") != "1" {
		t.Errorf("pipeline jobs are counted: %v", jobs.header)
	}
	bridges := e.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/bridges", e.proj.ID, pl.ID), "PRIVATE-TOKEN", e.devTok)
	wantStatus(t, bridges, 200, "")
	var got []map[string]any
	json.Unmarshal(bridges.body, &got)
	if len(got) != 2 || got[0]["name"] != "trigger-later" || got[0]["downstream_pipeline"] != nil {
		t.Fatalf("bridges %s", bridges.body)
	}
	if dp, _ := got[1]["downstream_pipeline"].(map[string]any); dp["id"] != float64(downstream.ID) {
		t.Errorf("downstream_pipeline %v, want pipeline %d", got[1]["downstream_pipeline"], downstream.ID)
	}
	scoped := e.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/bridges?scope=manual", e.proj.ID, pl.ID), "PRIVATE-TOKEN", e.devTok)
	if n := len(ids(t, scoped)); n != 1 {
		t.Errorf("scoped bridges: %d", n)
	}
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/999999/jobs", e.proj.ID), "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Not found"}`)
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/x/jobs", e.proj.ID), "PRIVATE-TOKEN", e.devTok), 400, `{"error":"pipeline_id is invalid"}`)
	for _, v := range []string{"true", "True", "1", "false", "0", "no"} {
		wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs?include_retried=%s", e.proj.ID, pl.ID, v), "PRIVATE-TOKEN", e.devTok), 200, "")
	}
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs?include_retried=maybe", e.proj.ID, pl.ID), "PRIVATE-TOKEN", e.devTok), 400, `{"error":"include_retried is invalid"}`)
}
