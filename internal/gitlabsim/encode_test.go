package gitlabsim

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// jsonStrings are strings whose encoding/json form has every kind of escape.
var jsonStrings = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "é ü 日本 🚀", "\u2028 line \u2029 para", "bad \xff utf-8 \xc3", "\xe2\x80", "trailing \xe2\x80\xa8",
}

func FuzzJSONEncoding(f *testing.F) {
	for i, s := range jsonStrings {
		f.Add(s, []float64{0, 1.5, -2.25, 1e-7, 3e21, 12345.678, 1e20, 1e-6, 5e-324, math.MaxFloat64, -0.001}[i%11])
	}
	f.Fuzz(func(t *testing.T, s string, v float64) {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); !bytes.Equal(got[1:], want) {
			t.Errorf("string %q: %s, encoding/json %s", s, got[1:], want)
		}
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return
		}
		want, _ = json.Marshal(v)
		if got := appendJSONFloat([]byte("x"), v); !bytes.Equal(got[1:], want) {
			t.Errorf("float %v: %s, encoding/json %s", v, got[1:], want)
		}
	})
}

func TestAppendAPITime(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	times := []time.Time{
		time.Now(), // with a monotonic reading
		time.Date(2031, 3, 1, 12, 0, 0, 999_999_999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 1_000_000, time.UTC),
		time.Date(2024, 2, 29, 23, 30, 0, 5_000_000, est), // another day in UTC
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),      // past the fast path
		time.Date(-5, 6, 7, 8, 9, 10, 11, time.UTC),
		{},
	}
	for i := range 2000 {
		times = append(times, time.Unix(int64(i)*7_919_393, int64(i)*999_983).In(est))
	}
	for _, tm := range times {
		if got, want := string(appendAPITime(nil, tm)), apiTime(tm); got != want {
			t.Errorf("%v: %s, want %s", tm, got, want)
		}
	}
}

// TestJobEntitiesMatchReference encodes jobs of every shape and compares
// them with encoding/json of the reference maps (encode_ref_test.go) —
// what checkJobJSON does for every job the package's tests render, here
// with the shapes spelled out and as a single job, a list and asJob.
func TestJobEntitiesMatchReference(t *testing.T) {
	clock := NewClock(time.Date(2031, 3, 1, 12, 0, 0, 123_456_789, time.UTC))
	s := New(Options{Now: clock.Now})
	dev := s.CreateUser(UserSpec{Username: "dév<&>", Name: "A \"B\" \x01 \xff \u2028", State: "blocked", Bot: true})
	p := s.CreateProject(ProjectSpec{Path: "g/sub/äpp", Archived: true, CIJobTokenScopeEnabled: true})
	down := s.CreatePipeline(p.ID, PipelineSpec{Source: "parent_pipeline", Jobs: []JobSpec{{Name: "child", Status: "running"}}})
	cov, tiny, huge := 12.5, 1e-7, 3e21
	start := clock.Now().Add(-time.Minute)
	var specs []JobSpec
	for i, st := range AllStatuses {
		specs = append(specs, JobSpec{Name: "job " + st, Stage: jsonStrings[i%len(jsonStrings)], Status: st,
			Tags: jsonStrings[:i%4], AllowFailure: i%2 == 0})
	}
	specs = append(specs,
		JobSpec{Name: "artifacts", Status: "success", Coverage: &cov, ArtifactsExpireAt: &start,
			Artifacts: []ArtifactSpec{{FileType: "archive", Filename: "a.zip", FileFormat: "zip", Size: 1},
				{FileType: "trace", Filename: "job.log", FileFormat: "raw", Size: 2}, {FileType: "archive", Filename: "b<>.zip", Size: 3}}},
		JobSpec{Name: "floats", Status: "running", Coverage: &tiny, StartedAt: &start},
		JobSpec{Name: "huge", Status: "failed", Coverage: &huge, FailureReason: "stuck_or_timeout_failure", RunnerID: 42},
		JobSpec{Name: "erased", Status: "success", ErasedAt: &start},
		JobSpec{Name: "trigger", Status: "manual", Bridge: true},
		JobSpec{Name: "downstream", Status: "success", Bridge: true, DownstreamPipelineID: down.ID},
		JobSpec{Name: "gone", Status: "failed", Bridge: true, DownstreamPipelineID: 999},
	)
	pl := s.CreatePipeline(p.ID, PipelineSpec{Ref: "feat/<x>", Tag: true, UserID: dev.ID, Jobs: specs})
	orphan := s.CreatePipeline(p.ID, PipelineSpec{UserID: 4242, Jobs: []JobSpec{{Name: "no user", Status: "pending"}}})
	clock.Advance(1500 * time.Millisecond)

	r := httptest.NewRequest(http.MethodGet, "http://gl.example.com:8080/api/v4/projects/1/jobs", nil)
	r.Host = "gl.example.com:8080"
	s.mu.Lock()
	defer s.mu.Unlock()
	var jobs []*job
	for _, id := range append(pl.JobIDs, orphan.JobIDs...) {
		jobs = append(jobs, s.jobs[id])
	}
	base, now := s.externalURL(r), s.opts.Now()
	var list []any
	for _, j := range jobs {
		for _, asJob := range []bool{false, true} {
			e := &jobEncoder{s: s, base: base, now: now}
			e.appendJob(j, asJob)
			want, err := json.Marshal(s.refRenderJob(j, base, now, asJob))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(e.buf, want) {
				t.Errorf("job %q (asJob %v):\n%s\nwant\n%s", j.name, asJob, e.buf, want)
			}
		}
		list = append(list, s.refRenderJob(j, base, now, false))
	}
	// The list, with the parts shared between jobs encoded once.
	w := httptest.NewRecorder()
	s.writeJobs(w, r, http.StatusOK, jobs, nil, false)
	want := httptest.NewRecorder()
	writeJSON(want, http.StatusOK, list)
	if w.Body.String() != want.Body.String() || w.Code != want.Code || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("list:\n%s\nwant\n%s", w.Body, want.Body)
	}
}

// TestNaNCoverage: encoding/json cannot encode a NaN, so writeJSON answered
// with headers and no body; the encoder does the same.
func TestNaNCoverage(t *testing.T) {
	s := New(Options{})
	p := s.CreateProject(ProjectSpec{Path: "g/p"})
	nan := math.NaN()
	pl := s.CreatePipeline(p.ID, PipelineSpec{Jobs: []JobSpec{{Name: "nan", Status: "success", Coverage: &nan}}})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()
	d := &deferredWriter{w: w}
	s.mu.Lock()
	s.writeJobs(d, r, http.StatusOK, nil, s.jobs[pl.JobIDs[0]], false)
	s.mu.Unlock()
	if d.status != http.StatusOK || len(d.body) != 0 {
		t.Errorf("status %d, body %q", d.status, d.body)
	}
}

// BenchmarkServeListPage is the simulator's own cost of a 100-job page
// (ServeHTTP, no network) — BENCHMARKS.md, P4 — without the reference
// checks the package's tests turn on.
func BenchmarkServeListPage(b *testing.B) {
	jsonCheck, indexCheck, statusCheck := checkJobJSON, checkIndexes, checkPipelineStatus
	checkJobJSON, checkIndexes, checkPipelineStatus = nil, nil, nil
	b.Cleanup(func() { checkJobJSON, checkIndexes, checkPipelineStatus = jsonCheck, indexCheck, statusCheck })
	for _, c := range []struct {
		name          string
		jobs, perPipe int
		pipeline      bool
	}{{"project=100_jobs", 100, 100, false}, {"project=50000_jobs", 50_000, 100, false}, {"pipeline=10000_jobs", 10_000, 10_000, true}} {
		b.Run(c.name, func(b *testing.B) {
			s := New(Options{})
			admin := s.CreateUser(UserSpec{Username: "root", Admin: true})
			token := s.CreatePersonalAccessToken(admin.ID, TokenSpec{})
			proj := s.CreateProject(ProjectSpec{Path: "bench/p4"})
			var pl int64
			for done := 0; done < c.jobs; done += c.perPipe {
				specs := make([]JobSpec, c.perPipe)
				for i := range specs {
					specs[i] = JobSpec{Name: "job-" + itoa(int64(i)), Status: []string{"success", "failed", "canceled", "manual", "skipped"}[i%5]}
				}
				pl = s.CreatePipeline(proj.ID, PipelineSpec{Jobs: specs}).ID
			}
			path := "/api/v4/projects/" + itoa(proj.ID) + "/jobs?per_page=100"
			if c.pipeline {
				path = "/api/v4/projects/" + itoa(proj.ID) + "/pipelines/" + itoa(pl) + "/jobs?per_page=100"
			}
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+path, nil)
			r.Header.Set("PRIVATE-TOKEN", token)
			b.ReportAllocs()
			for b.Loop() {
				s.ServeHTTP(discardResponse{http.Header{}}, r)
			}
		})
	}
}

type discardResponse struct{ h http.Header }

func (d discardResponse) Header() http.Header         { return d.h }
func (d discardResponse) WriteHeader(int)             {}
func (d discardResponse) Write(b []byte) (int, error) { return len(b), nil }
