package gitlabsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestIncludeRetried hides retried jobs from pipeline job lists unless asked.
func TestIncludeRetried(t *testing.T) {
	s := New(Options{})
	u := s.CreateUser(UserSpec{Username: "root", Admin: true})
	tok := s.CreatePersonalAccessToken(u.ID, TokenSpec{})
	p := s.CreateProject(ProjectSpec{Path: "g/p"})
	pl := s.CreatePipeline(p.ID, PipelineSpec{Jobs: []JobSpec{{Name: "flaky", Status: "failed"}, {Name: "flaky", Status: "success"}}})
	s.mu.Lock()
	s.jobs[pl.JobIDs[0]].retried = true
	s.mu.Unlock()

	count := func(query string) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v4/projects/1/pipelines/"+itoa(pl.ID)+"/jobs"+query, nil)
		req.Header.Set("PRIVATE-TOKEN", tok)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return strings.Count(rec.Body.String(), `"name":"flaky"`)
	}
	if n := count(""); n != 1 {
		t.Errorf("default: %d jobs, want the latest attempt only", n)
	}
	if n := count("?include_retried=true"); n != 2 {
		t.Errorf("include_retried: %d jobs, want both attempts", n)
	}
}
