package gitlabclient_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Offset lists whose first page carries X-Total-Pages (GitLab counts up to
// 10,000 rows: a pipeline's jobs and bridges) fetch the other pages
// concurrently, never more than the pages counted.

// pageProbe sits in front of the simulator: it counts list requests, the
// most in flight at once, and lets a test change an answer.
type pageProbe struct {
	sim      *gitlabsim.Sim
	delay    time.Duration
	requests atomic.Int32
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	// intercept, when set, may answer a request itself (returning true).
	intercept func(w http.ResponseWriter, r *http.Request, call int) bool
	// rewrite, when set, edits the headers of the simulator's answer.
	rewrite func(h http.Header, page int)

	mu    sync.Mutex
	pages []int // page numbers requested, in order of arrival
}

func (p *pageProbe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := int(p.requests.Add(1))
	n := p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	for {
		m := p.maxSeen.Load()
		if n <= m || p.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	p.mu.Lock()
	p.pages = append(p.pages, max(page, 1))
	p.mu.Unlock()
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	if p.intercept != nil && p.intercept(w, r, call) {
		return
	}
	if p.rewrite != nil {
		w = &headerRewriter{ResponseWriter: w, rewrite: func(h http.Header) { p.rewrite(h, max(page, 1)) }}
	}
	p.sim.ServeHTTP(w, r)
}

type headerRewriter struct {
	http.ResponseWriter
	rewrite func(http.Header)
	done    bool
}

func (h *headerRewriter) WriteHeader(status int) {
	if !h.done {
		h.done = true
		h.rewrite(h.Header())
	}
	h.ResponseWriter.WriteHeader(status)
}

func (h *headerRewriter) Write(b []byte) (int, error) {
	if !h.done {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(b)
}

// pipelineFixture is a pipeline of n jobs behind a probe; want is the job
// IDs newest first.
func pipelineFixture(t *testing.T, n int, cfg gitlabclient.Config) (*pageProbe, *gitlabclient.Client, int64, []int64) {
	t.Helper()
	sim := gitlabsim.New(gitlabsim.Options{})
	probe := &pageProbe{sim: sim}
	srv := httptest.NewServer(probe)
	t.Cleanup(srv.Close)
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	p := sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/p", Members: map[int64]int{admin.ID: 40}})
	jobs := make([]gitlabsim.JobSpec, n)
	for i := range jobs {
		jobs[i] = gitlabsim.JobSpec{Name: fmt.Sprintf("shard-%d", i), Status: "success"}
	}
	pl := sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: jobs})
	want := slices.Clone(pl.JobIDs)
	slices.Reverse(want)
	cfg.BaseURL = srv.URL
	cfg.Token = sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "t"})
	c, err := gitlabclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return probe, c, pl.ID, want
}

func jobIDs(jobs []*gitlabclient.Job) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func TestListPipelineJobsFetchesCountedPagesConcurrently(t *testing.T) {
	probe, c, pipeline, want := pipelineFixture(t, 650, gitlabclient.Config{})
	probe.delay = 20 * time.Millisecond
	jobs, err := c.ListPipelineJobs(context.Background(), "g/p", pipeline, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := jobIDs(jobs); !slices.Equal(got, want) {
		t.Fatalf("got %d jobs, want all %d newest first, in order", len(got), len(want))
	}
	if n := probe.requests.Load(); n != 7 {
		t.Errorf("650 jobs took %d requests, want ceil(650/100) = 7", n)
	}
	if m := probe.maxSeen.Load(); m < 2 || m > 4 {
		t.Errorf("at most %d requests were in flight at once, want 2 to 4 (the bound)", m)
	}
	slices.Sort(probe.pages)
	if want := []int{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(probe.pages, want) {
		t.Errorf("pages requested %v, want each of 1-7 once", probe.pages)
	}
}

func TestListPipelineJobsWithoutCountsFollowsNextPage(t *testing.T) {
	// Beyond 10,000 rows GitLab sends no X-Total or X-Total-Pages (as on
	// project jobs, which are never counted): one page at a time.
	probe, c, pipeline, want := pipelineFixture(t, 450, gitlabclient.Config{})
	probe.delay = 5 * time.Millisecond
	probe.rewrite = func(h http.Header, _ int) {
		h.Del("X-Total")
		h.Del("X-Total-Pages")
	}
	jobs, err := c.ListPipelineJobs(context.Background(), "g/p", pipeline, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := jobIDs(jobs); !slices.Equal(got, want) {
		t.Fatalf("got %d jobs, want all %d newest first", len(got), len(want))
	}
	if n, m := probe.requests.Load(), probe.maxSeen.Load(); n != 5 || m != 1 {
		t.Errorf("%d requests, %d at once; want 5, one at a time", n, m)
	}
}

func TestListPipelineJobsMorePagesThanCounted(t *testing.T) {
	// Rows added after the first page was counted: the last counted page
	// says more follow, and the listing goes on to them.
	probe, c, pipeline, want := pipelineFixture(t, 450, gitlabclient.Config{})
	probe.rewrite = func(h http.Header, page int) {
		if page == 1 {
			h.Set("X-Total-Pages", "3")
			h.Set("X-Total", "300")
		}
	}
	jobs, err := c.ListPipelineJobs(context.Background(), "g/p", pipeline, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := jobIDs(jobs); !slices.Equal(got, want) {
		t.Fatalf("got %d jobs, want all %d", len(got), len(want))
	}
	if n := probe.requests.Load(); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
}

func TestListPipelineJobsConcurrentPageRateLimited(t *testing.T) {
	// A 429 on one of the concurrent pages is waited out and retried; the
	// other pages are not fetched again.
	probe, c, pipeline, want := pipelineFixture(t, 500, gitlabclient.Config{Retries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	var limited atomic.Bool
	probe.intercept = func(w http.ResponseWriter, r *http.Request, call int) bool {
		if r.URL.Query().Get("page") == "3" && limited.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte("Retry later\n"))
			return true
		}
		return false
	}
	jobs, err := c.ListPipelineJobs(context.Background(), "g/p", pipeline, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := jobIDs(jobs); !slices.Equal(got, want) {
		t.Fatalf("got %d jobs, want all %d in order", len(got), len(want))
	}
	if n := probe.requests.Load(); n != 6 {
		t.Errorf("%d requests, want 5 pages and 1 retry of the throttled one", n)
	}
}

func TestListPipelineJobsConcurrentPageFails(t *testing.T) {
	// A page that fails for good fails the listing with GitLab's error (not
	// a cancellation of the others) and stops the pages not yet asked for.
	probe, c, pipeline, _ := pipelineFixture(t, 1200, gitlabclient.Config{})
	probe.delay = 5 * time.Millisecond
	probe.intercept = func(w http.ResponseWriter, r *http.Request, call int) bool {
		if r.URL.Query().Get("page") == "2" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message":"403 Forbidden"}`))
			return true
		}
		return false
	}
	_, err := c.ListPipelineJobs(context.Background(), "g/p", pipeline, nil, false)
	if gitlabclient.StatusCode(err) != http.StatusForbidden {
		t.Fatalf("got %v, want GitLab's 403", err)
	}
	if n := probe.requests.Load(); n >= 12 {
		t.Errorf("%d requests after a failed page, want the listing to stop early (12 pages in all)", n)
	}
}
