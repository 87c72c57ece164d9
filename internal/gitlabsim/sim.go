package gitlabsim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a simulator.
type Options struct {
	// ExternalURL is GitLab's external URL for web_url and avatar links, e.g.
	// "http://127.0.0.1:8080". Empty: derived from each request.
	ExternalURL string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// OnResponse, when set, is called after every API response with the
	// matched route pattern (e.g. "GET /api/v4/projects/{id}/jobs/{job_id}"),
	// the status, headers and body. Tests validate responses with it.
	// Answers of injected faults and of the rate limiter are not reported
	// (they are not the API's); under a fault that acts after the endpoint
	// ran, the endpoint's discarded answer is.
	OnResponse func(route string, status int, header http.Header, body []byte)

	// The simulated runner (runner.go).

	// RunnerPickupDelay is how long a pending job waits for the runner;
	// 0 means 1s, a negative value no wait.
	RunnerPickupDelay time.Duration
	// RunDuration is how long a job whose script sets no RunDuration runs;
	// 0 means 3s, a negative value no time.
	RunDuration time.Duration
	// RunnerDisabled stops the runner: pending jobs stay pending and running
	// jobs running.
	RunnerDisabled bool
	// GracefulCancel says the runner supports graceful cancel (GitLab's
	// supports_canceling?, a runner with after_script on cancel): canceling
	// a running job then leaves it canceling until the runner reports,
	// GracefulCancelDelay later, or a maintainer cancels with force=true.
	// Off (the default), a canceled running job is canceled at once.
	GracefulCancel bool
	// GracefulCancelDelay is how long a gracefully canceled job stays
	// canceling; 0 means 1s, a negative value no time.
	GracefulCancelDelay time.Duration

	// Fault injection (faults.go).

	// FaultSeed seeds the faults injected with a Probability: the same seed
	// and the same requests, in the same order, get the same faults.
	FaultSeed int64
	// RateLimit throttles requests as GitLab's Rack::Attack does; the zero
	// value is no limit. SetRateLimit changes it.
	RateLimit RateLimit

	// WithoutTriggerJobs makes the simulator a GitLab before 19.2: GET
	// /projects/:id/pipelines/:pipeline_id/trigger_jobs is no route, and
	// gets the catch-all 404 {"error":"404 Not Found"}.
	WithoutTriggerJobs bool

	// MaxBodyBytes is the largest request body taken; larger ones get
	// NGINX's 413. 0 means DefaultMaxBodyBytes (250 MiB).
	MaxBodyBytes int64
}

// Sim is one simulated GitLab. It is an http.Handler serving /api/v4/.
type Sim struct {
	opts Options
	mux  *http.ServeMux

	mu        sync.Mutex
	nextID    map[string]int64
	users     map[int64]*user
	tokens    map[string]*token
	projects  map[int64]*project
	pipelines map[int64]*pipeline
	jobs      map[int64]*job
	jobTokens map[string]int64
	agents    []*agent
	groups    groupState               // groups and their members (groups.go)
	runnable  map[int64]bool           // driven jobs the runner may have to move
	nextDue   time.Time                // the runner has nothing to do before (advance)
	actions   map[int64]map[string]int // applied actions per job (ActionCount)
	ci        ciState                  // CI configurations, created pipelines, trigger tokens (pipeline_create.go, triggers.go)
	guards    guardState               // protected refs and environments, resource groups (guards.go)

	requests map[string]*atomic.Int64 // requests per route pattern, without the lock

	patterns []string   // the route patterns (routes)
	faults   faultState // injected faults (faults.go) and the rate limit (ratelimit.go)
}

// New returns an empty simulator.
func New(opts Options) *Sim {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.RunnerPickupDelay = durationOption(opts.RunnerPickupDelay, defaultPickupDelay)
	opts.RunDuration = durationOption(opts.RunDuration, defaultRunDuration)
	opts.GracefulCancelDelay = durationOption(opts.GracefulCancelDelay, defaultGracefulDelay)
	s := &Sim{
		opts:      opts,
		mux:       http.NewServeMux(),
		nextID:    map[string]int64{},
		users:     map[int64]*user{},
		tokens:    map[string]*token{},
		projects:  map[int64]*project{},
		pipelines: map[int64]*pipeline{},
		jobs:      map[int64]*job{},
		jobTokens: map[string]int64{},
		groups:    groupState{byID: map[int64]*group{}, byPath: map[string]*group{}},
		requests:  map[string]*atomic.Int64{},
		runnable:  map[int64]bool{},
		actions:   map[int64]map[string]int{},
	}
	s.faults.limit = opts.RateLimit
	s.faults.windows = map[string]*rateWindow{}
	s.routes()
	return s
}

// durationOption resolves a duration option: 0 is the default, negative none.
func durationOption(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// routes is the API's route table. The handlers live in: users.go (the
// current user), jobs.go (a job, its log, the job token's job), agents.go
// (the job token's allowed agents), jobs_list.go (project, pipeline and
// bridge lists), job_actions.go (play, retry, cancel, erase), artifacts.go
// (artifact downloads, keep, delete), pipelines.go (read and list
// pipelines; creation in pipeline_create.go, the trigger API in
// triggers.go), projects.go, groups.go and members.go (groups, members,
// project shares), and the guards' files (guards.go lists them).
func (s *Sim) routes() {
	s.handle("GET /api/v4/user", s.getCurrentUser)
	s.handle("GET /api/v4/job", s.getJobTokenJob)
	s.handle("GET /api/v4/job/allowed_agents", s.getAllowedAgents) // agents.go
	s.handle("GET /api/v4/projects/{id}/jobs/{job_id}", s.getJob)
	s.handle("GET /api/v4/projects/{id}/jobs/{job_id}/trace", s.getJobTrace)
	s.listRoutes()   // jobs_list.go: project, pipeline and bridge lists
	s.actionRoutes() // job_actions.go: play, retry, cancel, erase
	// artifacts.go: artifact downloads, keep, delete
	s.artifactRoutes()
	// pipelines.go: create (pipeline_create.go), read and list pipelines, trigger (triggers.go).
	s.pipelineRoutes()
	// projects.go: a project and its pipeline-variables settings.
	s.projectRoutes()
	// groups.go and members.go: groups, group and project members.
	s.groupRoutes()
	s.memberRoutes()
	// guards.go: protected branches, tags and environments, environments, resource groups.
	s.guardRoutes()
	// Anything else is GitLab's catch-all route.
	s.handle("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})
}

func (s *Sim) handle(pattern string, h http.HandlerFunc) {
	s.patterns = append(s.patterns, pattern)
	count := new(atomic.Int64)
	s.requests[pattern] = count
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		s.serveWithFaults(pattern, w, r, func(w http.ResponseWriter) { s.serve(pattern, h, w, r) })
	}))
}

// serve runs a route's handler with the API's headers and reports the
// answer to Options.OnResponse. The handler's answer is buffered and sent
// after the handler has returned, and so released the store's lock: no
// request holds the lock while its answer goes over the network.
func (s *Sim) serve(pattern string, h http.HandlerFunc, w http.ResponseWriter, r *http.Request) {
	// lib/api/api.rb sets these on every API answer.
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if s.opts.OnResponse == nil {
		serveDeferred(h, w, r)
		return
	}
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	serveDeferred(h, rec, r)
	s.opts.OnResponse(pattern, rec.status, w.Header().Clone(), rec.body.Bytes())
}

// deferredWriter buffers a handler's status and body for w (whose headers
// the handler sets directly): serveDeferred writes them after the handler
// returned, in one Write, as the handlers' own single writes did.
type deferredWriter struct {
	w      http.ResponseWriter
	status int // 0 until the handler answers
	body   []byte
}

func (d *deferredWriter) Header() http.Header { return d.w.Header() }

func (d *deferredWriter) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}

func (d *deferredWriter) Write(b []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	d.body = append(d.body, b...)
	return len(b), nil
}

// bodyBuffers recycles the answers' buffers (a page of 100 jobs is about
// 220 kB); buffers grown past maxPooledBody are left to the collector.
var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBody = 4 << 20

func serveDeferred(h http.HandlerFunc, w http.ResponseWriter, r *http.Request) {
	buf := bodyBuffers.Get().(*[]byte)
	d := &deferredWriter{w: w, body: (*buf)[:0]}
	defer func() {
		if cap(d.body) <= maxPooledBody {
			*buf = d.body[:0]
			bodyBuffers.Put(buf)
		}
	}()
	h(d, r)
	if d.status == 0 {
		return
	}
	w.WriteHeader(d.status)
	if len(d.body) > 0 {
		_, _ = w.Write(d.body)
	}
}

// ServeHTTP serves the API. Two answers come before the API's routes, as
// they do in front of GitLab: a path with an empty ("//") or dot ("." or
// "..") segment is GitLab's catch-all 404 (Go's ServeMux would redirect it
// to the cleaned path), and a body beyond MaxBodyBytes is NGINX's 413.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if uncleanPath(r.URL.EscapedPath()) {
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
		return
	}
	if r.Body != nil && r.Body != http.NoBody && !s.capBody(w, r) {
		return
	}
	if malformedRequest(r) {
		refuseMalformed(w)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// uncleanPath says whether a path has an empty segment (a "//") or a "." or
// ".." segment, which Go's ServeMux answers with a redirect to the cleaned
// path. GitLab has no route for them: its catch-all answers 404.
func uncleanPath(p string) bool {
	segs := strings.Split(p, "/")
	for i, seg := range segs[1:] { // segs[0] is before the leading "/"
		if seg == "" && i == len(segs)-2 {
			continue // a trailing slash: no route of GitLab's either (404 below)
		}
		if dec, err := url.PathUnescape(seg); seg == "" || err == nil && (dec == "." || dec == "..") {
			return true
		}
	}
	return false
}

// DefaultMaxBodyBytes is the largest request body the simulator takes:
// 250 MiB, the client_max_body_size of the NGINX that the GitLab Linux
// package (Omnibus) puts in front of Workhorse and Rails
// (nginx['client_max_body_size'] = '250m'). GitLab's application has no
// smaller cap for these routes: its JSON validation middleware limits
// depth and sizes but not the bytes (max_json_size_bytes 0 by default).
const DefaultMaxBodyBytes = 250 << 20

// capBody answers NGINX's 413 for a body beyond the limit; a body of
// unknown length is read (up to the limit) before the route runs. A body
// within the limit is handed on, read once into a buffer of its size.
func (s *Sim) capBody(w http.ResponseWriter, r *http.Request) bool {
	limit := s.opts.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if r.ContentLength > limit {
		tooLarge(w)
		return false
	}
	size := r.ContentLength
	if size < 0 {
		size = 0
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if n > limit {
		tooLarge(w)
		return false
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return false
	}
	r.Body = io.NopCloser(buf)
	return true
}

// tooLarge is NGINX's answer to a body beyond client_max_body_size.
func tooLarge(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = io.WriteString(w, "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"+
		"<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

// RequestCount is how many requests a route pattern served ("" = all).
func (s *Sim) RequestCount(route string) int {
	if route != "" {
		if c := s.requests[route]; c != nil {
			return int(c.Load())
		}
		return 0
	}
	n := 0
	for _, c := range s.requests {
		n += int(c.Load())
	}
	return n
}

// Start serves the simulator on addr ("127.0.0.1:0" for any free port) and
// returns its external URL and a function that stops it.
func (s *Sim) Start(addr string) (baseURL string, stop func(), err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + l.Addr().String(), stop, nil
}

// externalURL is GitLab's URL as seen by the request's client.
func (s *Sim) externalURL(r *http.Request) string {
	if s.opts.ExternalURL != "" {
		return s.opts.ExternalURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
