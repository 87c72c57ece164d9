package gitlabsim_test

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

const (
	playRoute   = "POST /api/v4/projects/{id}/jobs/{job_id}/play"
	retryRoute  = "POST /api/v4/projects/{id}/jobs/{job_id}/retry"
	cancelRoute = "POST /api/v4/projects/{id}/jobs/{job_id}/cancel"
	eraseRoute  = "POST /api/v4/projects/{id}/jobs/{job_id}/erase"
	getJobRoute = "GET /api/v4/projects/{id}/jobs/{job_id}"
)

// send is a request that may fail at the transport (a reset): err is set then.
func (a *acts) send(method, path, token string) (response, error) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+path, nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{resp.StatusCode, resp.Header, b}, nil
}

// Error statuses before the endpoint runs: nothing applied; the answer is
// what GitLab's API, Workhorse or HAProxy sends; the next call goes through
// (and is schema-checked).
func TestFaultStatusBeforeApplying(t *testing.T) {
	for _, tc := range []struct {
		status      int
		contentType string
		body        string
	}{
		{500, "application/json", `{"message":"500 Internal Server Error"}`},
		{502, "text/plain", "GitLab is not responding"},
		{503, "text/html", "<h1>503 Service Unavailable</h1>"},
		{504, "text/html", "<h1>504 Gateway Time-out</h1>"},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			a := newActs(t, gitlabsim.Options{})
			a.sim.InjectFault(gitlabsim.Fault{Route: playRoute, Kind: gitlabsim.FaultStatus, Status: tc.status, Calls: []int{1}})
			r := a.post(a.path(a.deploy, "play"), "", "", "PRIVATE-TOKEN", a.dev)
			if r.status != tc.status || r.header.Get("Content-Type") != tc.contentType || !strings.Contains(string(r.body), tc.body) {
				t.Fatalf("got %d %q %s, want %d %s with %s", r.status, r.header.Get("Content-Type"), r.body, tc.status, tc.contentType, tc.body)
			}
			if n := a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay); n != 0 {
				t.Fatalf("applied %d times before the endpoint ran", n)
			}
			checked := a.checked.Load()
			wantStatus(t, a.post(a.path(a.deploy, "play"), "", "", "PRIVATE-TOKEN", a.dev), 200, "")
			if n := a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay); n != 1 {
				t.Fatalf("the second call applied %d plays", n)
			}
			if a.checked.Load() != checked+1 {
				t.Error("the successful answer was not schema-checked")
			}
			want := []gitlabsim.FaultEvent{{Route: playRoute, Method: "POST", Path: a.path(a.deploy, "play"), Kind: gitlabsim.FaultStatus, Status: tc.status, Call: 1}}
			if got := a.sim.FaultEvents(); !reflect.DeepEqual(got, want) {
				t.Errorf("events %+v, want %+v", got, want)
			}
		})
	}
}

// 5xx after applying: the store changed, the client got a 502 (the
// endpoint's own answer is still schema-checked).
func TestFaultStatusAfterApplying(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	a.sim.InjectFault(gitlabsim.Fault{Route: retryRoute, Kind: gitlabsim.FaultStatusAfter, Calls: []int{1}})
	before := len(a.sim.PipelineJobIDs(a.pl.ID))
	checked := a.checked.Load()
	r := a.post(a.path(a.test, "retry"), "", "", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 502, "GitLab is not responding")
	if a.checked.Load() != checked+1 {
		t.Error("the endpoint's discarded answer was not schema-checked")
	}
	if n := a.sim.ActionCount(a.test, gitlabsim.ActionRetry); n != 1 {
		t.Fatalf("retry applied %d times, want 1", n)
	}
	if n := len(a.sim.PipelineJobIDs(a.pl.ID)); n != before+1 {
		t.Fatalf("pipeline has %d jobs, want %d", n, before+1)
	}
	// The job is retried now: GitLab refuses a second retry.
	wantStatus(t, a.post(a.path(a.test, "retry"), "", "", "PRIVATE-TOKEN", a.dev), 403, `{"message":"403 Forbidden - Job is not retryable"}`)

	a.sim.InjectFault(gitlabsim.Fault{Route: eraseRoute, Kind: gitlabsim.FaultStatusAfter, Status: 503})
	wantStatus(t, a.post(a.path(a.build, "erase"), "", "", "PRIVATE-TOKEN", a.maint), 503, "")
	if j, _ := a.sim.Job(a.build); j.ErasedAt == nil || a.sim.ActionCount(a.build, gitlabsim.ActionErase) != 1 {
		t.Fatalf("erase not applied under 503-after: %+v", j)
	}
}

// A reset before the endpoint: the client gets no answer and nothing is
// applied. After it: no answer, but applied.
func TestFaultResets(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	a.sim.InjectFault(gitlabsim.Fault{Route: cancelRoute, Kind: gitlabsim.FaultReset, Calls: []int{1}})
	a.sim.InjectFault(gitlabsim.Fault{Route: playRoute, Kind: gitlabsim.FaultResetAfter, Calls: []int{1}})

	if _, err := a.send(http.MethodPost, a.path(a.e2e, "cancel"), a.dev); err == nil {
		t.Fatal("cancel: an answer came through a reset")
	}
	if j, _ := a.sim.Job(a.e2e); j.Status != "running" || a.sim.ActionCount(a.e2e, gitlabsim.ActionCancel) != 0 {
		t.Fatalf("a reset before the endpoint canceled the job: %+v", j)
	}
	if r, err := a.send(http.MethodPost, a.path(a.e2e, "cancel"), a.dev); err != nil || r.status != 201 {
		t.Fatalf("cancel after the reset: %v %d", err, r.status)
	}

	if _, err := a.send(http.MethodPost, a.path(a.deploy, "play"), a.dev); err == nil {
		t.Fatal("play: an answer came through a reset")
	}
	if j, _ := a.sim.Job(a.deploy); j.Status != "pending" || a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay) != 1 {
		t.Fatalf("a reset after the endpoint: job %+v, want it played once", j)
	}
	kinds := []gitlabsim.FaultKind{}
	for _, ev := range a.sim.FaultEvents() {
		kinds = append(kinds, ev.Kind)
	}
	if want := []gitlabsim.FaultKind{gitlabsim.FaultReset, gitlabsim.FaultResetAfter}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("events %v, want %v", kinds, want)
	}
}

// An injected 429: Rack::Attack's answer, nothing applied.
func TestFaultRateLimited(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	a.sim.InjectFault(gitlabsim.Fault{Route: retryRoute, Kind: gitlabsim.FaultRateLimited, RetryAfter: 1500 * time.Millisecond, Calls: []int{1}})
	r := a.post(a.path(a.test, "retry"), "", "", "PRIVATE-TOKEN", a.dev)
	wantThrottled(t, r, "throttle_authenticated_api", 120, 121, t0, 2)
	if n := a.sim.ActionCount(a.test, gitlabsim.ActionRetry); n != 0 {
		t.Fatalf("a throttled retry applied %d times", n)
	}
	wantStatus(t, a.post(a.path(a.test, "retry"), "", "", "PRIVATE-TOKEN", a.dev), 201, "")

	// Headers can be replaced and removed (here: RateLimit-Reset only).
	a.sim.InjectFault(gitlabsim.Fault{Route: getJobRoute, Kind: gitlabsim.FaultRateLimited, RetryAfter: 3 * time.Second, Calls: []int{1},
		Header: http.Header{"Retry-After": nil, "RateLimit-Name": {"throttle_custom"}}})
	r = a.get(fmt.Sprintf("/api/v4/projects/%d/jobs/%d", a.proj.ID, a.test), "PRIVATE-TOKEN", a.dev)
	if r.status != 429 || r.header.Get("Retry-After") != "" || r.header.Get("RateLimit-Name") != "throttle_custom" ||
		r.header.Get("RateLimit-Reset") != strconv.FormatInt(t0.Unix()+3, 10) {
		t.Errorf("got %d %v", r.status, r.header)
	}
}

// Latency delays the answer, and adds to another fault's.
func TestFaultLatency(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	a.sim.InjectFault(gitlabsim.Fault{Kind: gitlabsim.FaultLatency, Latency: 40 * time.Millisecond})
	remove := a.sim.InjectFault(gitlabsim.Fault{Route: getJobRoute, Kind: gitlabsim.FaultStatus, Status: 503, Latency: 20 * time.Millisecond, Calls: []int{2}})
	path := fmt.Sprintf("/api/v4/projects/%d/jobs/%d", a.proj.ID, a.build)
	for i, want := range []struct {
		status int
		min    time.Duration
	}{{200, 40 * time.Millisecond}, {503, 60 * time.Millisecond}, {200, 40 * time.Millisecond}} {
		start := time.Now()
		r := a.get(path, "PRIVATE-TOKEN", a.dev)
		if d := time.Since(start); r.status != want.status || d < want.min {
			t.Errorf("call %d: %d after %s, want %d after at least %s", i+1, r.status, d, want.status, want.min)
		}
	}
	remove()
	events := a.sim.FaultEvents()
	if len(events) != 4 || events[0].Kind != gitlabsim.FaultLatency || events[2].Kind != gitlabsim.FaultStatus {
		t.Errorf("events %+v", events)
	}
}

// Calls pick requests by number; Probability draws from the seed, the same
// for the same seed whatever faults are injected later.
func TestFaultCallsAndProbability(t *testing.T) {
	pattern := func(seed int64, calls []int, p float64, n int, extra bool) string {
		a := newActs(t, gitlabsim.Options{FaultSeed: seed})
		a.sim.InjectFault(gitlabsim.Fault{Route: getJobRoute, Kind: gitlabsim.FaultStatus, Status: 500, Calls: calls, Probability: p})
		if extra { // a later fault, on another route and on this one, changes nothing
			a.sim.InjectFault(gitlabsim.Fault{Route: playRoute, Kind: gitlabsim.FaultStatus, Probability: 0.5})
			a.sim.InjectFault(gitlabsim.Fault{Route: getJobRoute, Kind: gitlabsim.FaultLatency, Probability: 0.5})
		}
		path := fmt.Sprintf("/api/v4/projects/%d/jobs/%d", a.proj.ID, a.build)
		var b strings.Builder
		for range n {
			if a.get(path, "PRIVATE-TOKEN", a.dev).status == 500 {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	if got := pattern(1, []int{2, 4}, 0, 6, false); got != ".x.x.." {
		t.Errorf("calls 2 and 4: %s", got)
	}
	first := pattern(7, nil, 0.3, 200, false)
	if again := pattern(7, nil, 0.3, 200, true); again != first {
		t.Errorf("same seed, different faults:\n%s\n%s", first, again)
	}
	if other := pattern(8, nil, 0.3, 200, false); other == first {
		t.Error("another seed drew the same faults")
	}
	if n := strings.Count(first, "x"); n < 35 || n > 85 {
		t.Errorf("p=0.3 faulted %d of 200 calls", n)
	}
	if got := pattern(3, []int{1, 2, 3, 4, 5, 6, 7, 8}, 0.5, 10, false); strings.Count(got[8:], "x") != 0 {
		t.Errorf("a fault acted outside its calls: %s", got)
	}
}

func TestInjectFaultRemove(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	remove := a.sim.InjectFault(gitlabsim.Fault{Method: "GET", Kind: gitlabsim.FaultStatus, Status: 503})
	path := fmt.Sprintf("/api/v4/projects/%d/jobs/%d", a.proj.ID, a.build)
	wantStatus(t, a.get(path, "PRIVATE-TOKEN", a.dev), 503, "")
	wantStatus(t, a.get("/api/v4/user", "PRIVATE-TOKEN", a.dev), 503, "")
	wantStatus(t, a.get("/api/v4/nowhere", "PRIVATE-TOKEN", a.dev), 503, "") // the catch-all too
	remove()
	wantStatus(t, a.get(path, "PRIVATE-TOKEN", a.dev), 200, "")
	a.sim.InjectFault(gitlabsim.Fault{Route: "/api/v4/projects/{id}/jobs/{job_id}", Kind: gitlabsim.FaultStatus})
	wantStatus(t, a.get(path, "PRIVATE-TOKEN", a.dev), 500, `{"message":"500 Internal Server Error"}`)
	a.sim.ClearFaults()
	wantStatus(t, a.get(path, "PRIVATE-TOKEN", a.dev), 200, "")
}

func TestAddFaultRejects(t *testing.T) {
	sim := gitlabsim.New(gitlabsim.Options{})
	for _, tc := range []struct {
		f    gitlabsim.Fault
		want string
	}{
		{gitlabsim.Fault{Route: "POST /api/v4/nowhere", Kind: gitlabsim.FaultReset}, "no route"},
		{gitlabsim.Fault{Kind: 0}, "unknown kind"},
		{gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Status: 200}, "not an error status"},
		{gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Probability: 1.5}, "probability"},
		{gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Calls: []int{0}}, "call number 0"},
		{gitlabsim.Fault{Kind: gitlabsim.FaultLatency, Latency: -time.Second}, "negative"},
	} {
		if _, err := sim.AddFault(tc.f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AddFault(%+v) = %v, want an error with %q", tc.f, err, tc.want)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("InjectFault of an invalid fault did not panic")
			}
		}()
		sim.InjectFault(gitlabsim.Fault{Kind: 99})
	}()
	if routes := sim.Routes(); len(routes) < 10 || !strings.Contains(strings.Join(routes, "\n"), playRoute) {
		t.Errorf("Routes() = %v", routes)
	}
}
