package gitlabclient

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testToken    = "glpat-S3cr3tT0kenValue0123"
	testJobToken = "glcbt-64_J0bT0kenSecretValue"
)

// answer is one scripted reply of a test server.
type answer struct {
	status int
	header map[string]string
	body   string
	reset  bool          // close the connection (RST) instead of answering
	delay  time.Duration // wait before answering
}

// server answers the n-th request with answers[n] (the last one repeats),
// and records the requests.
type server struct {
	*httptest.Server
	calls atomic.Int32

	mu       sync.Mutex
	times    []time.Time
	requests []*http.Request
	bodies   []string
}

func newServer(t *testing.T, answers ...answer) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.times = append(s.times, time.Now())
		s.requests = append(s.requests, r.Clone(context.Background()))
		s.bodies = append(s.bodies, string(body))
		s.mu.Unlock()
		n := int(s.calls.Add(1)) - 1
		a := answers[min(n, len(answers)-1)]
		if a.delay > 0 {
			select {
			case <-time.After(a.delay):
			case <-r.Context().Done():
				return
			}
		}
		if a.reset {
			resetConn(w)
			return
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if a.body != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(s.Close)
	return s
}

// resetConn drops the connection with a TCP RST, after the request was read.
func resetConn(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

func (s *server) request(i int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[i]
}

func (s *server) arrival(i int) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.times[i]
}

func newTestClient(t *testing.T, baseURL string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:      baseURL,
		Token:        testToken,
		Retries:      3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// closedAddr is a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

const jobJSON = `{"id":7,"name":"teaspoon","status":"failed","stage":"test","ref":"main","tag":false,"coverage":null,
"allow_failure":false,"created_at":"2015-12-24T15:51:21.802Z","started_at":null,"finished_at":null,"erased_at":null,
"duration":null,"queued_duration":0.01,"failure_reason":"script_failure","web_url":"https://example.com/foo/bar/-/jobs/7",
"artifacts_expire_at":null,"tag_list":["docker runner","ubuntu18"],"archived":true,"user":null,"commit":null,
"pipeline":{"id":6,"project_id":1,"ref":"main","sha":"0ff3ae19","status":"pending","source":"push"},"runner":null,
"runner_manager":null,"artifacts":[],"artifacts_file":null,"project":{"ci_job_token_scope_enabled":false}}`
