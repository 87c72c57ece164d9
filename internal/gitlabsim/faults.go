package gitlabsim

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault injection: what the network, the proxies in front of GitLab
// (Workhorse, HAProxy) and GitLab's rate limiter do to API requests, so that
// clients can be tested against it. Faults act in the route wrapper
// (Sim.handle), per route and per call number:
//
//   - before the endpoint runs (FaultStatus, FaultReset, FaultRateLimited):
//     nothing is applied;
//   - after it ran (FaultStatusAfter, FaultResetAfter): the endpoint's answer
//     goes to a discarded writer — its change to the store is made — and the
//     client gets the fault instead, as when Workhorse gives up on a slow
//     Puma that still finishes the request, or the connection breaks on the
//     way back;
//   - FaultLatency only delays the request (real time; it ends early when
//     the client goes away).
//
// A request passes, in order: the latency of every firing FaultLatency (and
// the Latency of the fault it gets), the rate limiter (Options.RateLimit,
// SetRateLimit), then at most one other fault: the first one injected that
// fires. Fault answers are not reported to Options.OnResponse (they are not
// the API's); the endpoint's discarded answer under an "after" fault is.
// Every fault that acted is recorded (FaultEvents). The rate limiter is in
// ratelimit.go, the standalone simulator's -fault syntax (ParseFault) in
// faultspec.go.

// FaultKind is what a fault does to a request.
type FaultKind int

const (
	// FaultStatus answers Status (default 500) before the endpoint runs.
	FaultStatus FaultKind = iota + 1
	// FaultStatusAfter runs the endpoint, discards its answer and answers
	// Status (default 502): applied, but the client sees an error.
	FaultStatusAfter
	// FaultReset closes the connection (TCP RST) before the endpoint runs.
	FaultReset
	// FaultResetAfter runs the endpoint, then closes the connection without
	// an answer: applied, but the client never hears of it.
	FaultResetAfter
	// FaultRateLimited answers 429 as GitLab's Rack::Attack throttles do
	// ("Retry later", text/plain, RateLimit-* headers), with a Retry-After of
	// RetryAfter rounded up to whole seconds.
	FaultRateLimited
	// FaultLatency delays the request by Latency; it is then served.
	FaultLatency
)

var faultKindNames = map[FaultKind]string{
	FaultStatus: "status", FaultStatusAfter: "status-after", FaultReset: "reset",
	FaultResetAfter: "reset-after", FaultRateLimited: "rate-limited", FaultLatency: "latency",
}

func (k FaultKind) String() string {
	if n, ok := faultKindNames[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// After reports whether the kind lets the endpoint run (and apply the request) first.
func (k FaultKind) After() bool { return k == FaultStatusAfter || k == FaultResetAfter }

// Fault is one injected fault.
type Fault struct {
	// Route is the route the fault applies to: a pattern as the simulator
	// registers it ("POST /api/v4/projects/{id}/jobs/{job_id}/play", "/" for
	// the catch-all), or a pattern's path without the method (every method of
	// that path). "" is every route.
	Route string
	// Method restricts the fault to one HTTP method; "" is any.
	Method string
	// Calls are the 1-based numbers of the requests matching Route and
	// Method, counted from when the fault was injected, that the fault may
	// act on; empty is every one.
	Calls []int
	// Probability is the chance that the fault acts on each request it may
	// act on, drawn from Options.FaultSeed, the fault's injection number and
	// the call number (so the same faults, injected in the same order, act
	// on the same requests); 0 means 1.
	Probability float64
	Kind        FaultKind
	// Status is the answer of FaultStatus (default 500) and FaultStatusAfter
	// (default 502); 400 to 599.
	Status int
	// RetryAfter is FaultRateLimited's Retry-After (RateLimit-Reset follows it).
	RetryAfter time.Duration
	// Latency is waited before the fault acts, for every kind.
	Latency time.Duration
	// Header is set on the fault's answer, replacing the simulator's; a
	// header given with no or only empty values is removed.
	Header http.Header
}

// FaultEvent is one fault that acted on a request.
type FaultEvent struct {
	Route       string // the route pattern
	Method      string
	Path        string // the request's escaped path
	Kind        FaultKind
	Status      int  // the status answered; 0 for resets and latency
	Call        int  // the request's number among the fault's matches; 0 for the rate limiter
	RateLimiter bool // a 429 of the rate limiter (RateLimit), not of a Fault
}

// faultState is the fault injection's state, under its own lock (never
// held with Sim.mu).
type faultState struct {
	mu      sync.Mutex
	nextID  int
	active  []*activeFault
	events  []FaultEvent
	limit   RateLimit
	windows map[string]*rateWindow
}

type activeFault struct {
	Fault
	id    int
	calls int
}

// InjectFault adds a fault and returns a function that removes it. It
// panics on an invalid fault (see AddFault).
func (s *Sim) InjectFault(f Fault) (remove func()) {
	remove, err := s.AddFault(f)
	if err != nil {
		panic("gitlabsim: " + err.Error())
	}
	return remove
}

// AddFault adds a fault and returns a function that removes it, or an error
// naming what is wrong with the fault (an unknown route, kind or status, a
// probability outside [0, 1], a call number below 1, a negative duration).
func (s *Sim) AddFault(f Fault) (remove func(), err error) {
	if err := s.checkFault(f); err != nil {
		return nil, err
	}
	f.Calls = slices.Clone(f.Calls)
	f.Header = f.Header.Clone()
	fs := &s.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.nextID++
	af := &activeFault{Fault: f, id: fs.nextID}
	fs.active = append(fs.active, af)
	return func() {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.active = slices.DeleteFunc(fs.active, func(a *activeFault) bool { return a == af })
	}, nil
}

// ClearFaults removes every injected fault (not the rate limit).
func (s *Sim) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.active = nil
}

// FaultEvents lists the faults that acted, in order.
func (s *Sim) FaultEvents() []FaultEvent {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return slices.Clone(s.faults.events)
}

// Routes lists the simulator's route patterns, sorted.
func (s *Sim) Routes() []string {
	out := slices.Clone(s.patterns)
	slices.Sort(out)
	return out
}

func (s *Sim) checkFault(f Fault) error {
	if _, ok := faultKindNames[f.Kind]; !ok {
		return fmt.Errorf("fault: unknown kind %d", f.Kind)
	}
	if f.Route != "" && !slices.ContainsFunc(s.patterns, func(p string) bool { return routeMatches(f.Route, p) }) {
		return fmt.Errorf("fault: no route %q (routes: %s)", f.Route, strings.Join(s.Routes(), ", "))
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return fmt.Errorf("fault: status %d is not an error status (400-599)", f.Status)
	}
	if f.Probability < 0 || f.Probability > 1 || f.Probability != f.Probability {
		return fmt.Errorf("fault: probability %v is not between 0 and 1", f.Probability)
	}
	for _, c := range f.Calls {
		if c < 1 {
			return fmt.Errorf("fault: call number %d (calls are numbered from 1)", c)
		}
	}
	if f.Latency < 0 || f.RetryAfter < 0 {
		return fmt.Errorf("fault: negative latency or retry-after")
	}
	return nil
}

// routeMatches reports whether a Fault.Route selects a registered pattern.
func routeMatches(route, pattern string) bool {
	if route == "" || route == pattern {
		return true
	}
	if strings.Contains(route, " ") {
		return false
	}
	_, path, hasMethod := strings.Cut(pattern, " ")
	return hasMethod && path == route
}

// fires decides whether f acts on its call-th request.
func (f *activeFault) fires(seed int64, call int) bool {
	if len(f.Calls) > 0 && !slices.Contains(f.Calls, call) {
		return false
	}
	if f.Probability == 0 || f.Probability >= 1 {
		return true
	}
	return chance(seed, f.id, call) < f.Probability
}

// chance is a number in [0, 1) drawn from the seed, a fault and a call
// (SplitMix64), independent of the order in which faults are consulted.
func chance(seed int64, faultID, call int) float64 {
	x := uint64(seed) ^ uint64(faultID)*0x9e3779b97f4a7c15 ^ uint64(call)*0xd1b54a32d192ed03
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// selection is what the faults decided for one request.
type selection struct {
	latency time.Duration
	effect  *Fault // the fault that acts, nil for none
	call    int
}

// selectFaults counts the request in every fault of its route and picks
// what acts on it; latency faults are recorded at once.
func (s *Sim) selectFaults(pattern string, r *http.Request) selection {
	var sel selection
	fs := &s.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.active {
		if !routeMatches(f.Route, pattern) || f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		f.calls++
		if !f.fires(s.opts.FaultSeed, f.calls) {
			continue
		}
		if f.Kind == FaultLatency {
			sel.latency += f.Latency
			fs.events = append(fs.events, FaultEvent{Route: pattern, Method: r.Method, Path: r.URL.EscapedPath(), Kind: FaultLatency, Call: f.calls})
			continue
		}
		if sel.effect == nil {
			c := f.Fault
			sel.effect, sel.call = &c, f.calls
			sel.latency += f.Latency
		}
	}
	return sel
}

func (s *Sim) record(ev FaultEvent) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.events = append(s.faults.events, ev)
}

// serveWithFaults serves one request of a route through the faults and the
// rate limiter; serve runs the endpoint, writing to the writer it is given.
func (s *Sim) serveWithFaults(pattern string, w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter)) {
	sel := s.selectFaults(pattern, r)
	if sel.latency > 0 {
		t := time.NewTimer(sel.latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if s.throttled(pattern, w, r) {
		return
	}
	f := sel.effect
	if f == nil {
		serve(w)
		return
	}
	ev := FaultEvent{Route: pattern, Method: r.Method, Path: r.URL.EscapedPath(), Kind: f.Kind, Call: sel.call}
	if f.Kind.After() {
		serve(&discardWriter{header: http.Header{}})
	}
	switch f.Kind {
	case FaultStatus, FaultStatusAfter:
		ev.Status = f.Status
		if ev.Status == 0 {
			ev.Status = http.StatusInternalServerError
			if f.Kind == FaultStatusAfter {
				ev.Status = http.StatusBadGateway
			}
		}
		s.record(ev)
		writeFaultStatus(w, ev.Status, f.Header)
	case FaultRateLimited:
		ev.Status = http.StatusTooManyRequests
		s.record(ev)
		secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
		limit := s.rateLimit().PerMinute
		if limit <= 0 {
			limit = defaultThrottleLimit
		}
		writeThrottled(w, throttleName(r), limit, limit+1, s.opts.Now().Unix(), secs, f.Header)
	case FaultReset, FaultResetAfter:
		s.record(ev)
		resetConnection(w)
	}
}

// writeFaultStatus answers an injected error status the way whatever sends
// it in front of (or inside) GitLab does: 500 is the API's own
// ({"message":"500 Internal Server Error"}), 502 Workhorse's when Puma does
// not answer ("GitLab is not responding", text/plain), 503 and 504 HAProxy's
// error pages; others the API's {"message": "<status> <text>"}.
func writeFaultStatus(w http.ResponseWriter, status int, extra http.Header) {
	h := w.Header()
	var body string
	switch status {
	case http.StatusBadGateway:
		h.Set("Content-Type", "text/plain")
		body = "GitLab is not responding"
	case http.StatusServiceUnavailable:
		h.Set("Content-Type", "text/html")
		body = "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n"
	case http.StatusGatewayTimeout:
		h.Set("Content-Type", "text/html")
		body = "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n"
	default:
		h.Set("Content-Type", "application/json")
		b, _ := json.Marshal(map[string]string{"message": strconv.Itoa(status) + " " + http.StatusText(status)})
		body = string(b)
	}
	applyHeader(h, extra)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func applyHeader(h, extra http.Header) {
	for k, vs := range extra {
		if !slices.ContainsFunc(vs, func(v string) bool { return v != "" }) {
			h.Del(k)
			continue
		}
		h[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
}

// resetConnection drops the request's connection with a TCP RST. Where the
// connection cannot be taken over (HTTP/2, a ResponseRecorder) it aborts
// the handler with http.ErrAbortHandler, which net/http's server answers by
// closing the connection (or resetting the stream).
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok { // TLS
		raw = nc.NetConn()
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = raw.Close()
}

// discardWriter takes the endpoint's answer under an "after" fault.
type discardWriter struct {
	header http.Header
	wrote  bool
}

func (d *discardWriter) Header() http.Header { return d.header }
func (d *discardWriter) WriteHeader(int)     { d.wrote = true }
func (d *discardWriter) Write(b []byte) (int, error) {
	d.wrote = true
	return len(b), nil
}
