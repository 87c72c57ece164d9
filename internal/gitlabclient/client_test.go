package gitlabclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

const testToken = "glpat-secret-token-value"

// server answers each request with the next of answers (the last repeats)
// and counts requests.
type server struct {
	*httptest.Server
	calls atomic.Int32
}

type answer struct {
	status int
	header map[string]string
	body   string
	reset  bool // drop the connection instead of answering
}

func newServer(t *testing.T, answers ...answer) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.calls.Add(1)) - 1
		a := answers[min(n, len(answers)-1)]
		if a.reset {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			conn.Close()
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
	t.Cleanup(s.Close)
	return s
}

func newTestClient(t *testing.T, baseURL string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: baseURL, Token: testToken, Retries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const jobJSON = `{"id":7,"name":"teaspoon","status":"failed","stage":"test","ref":"main","tag":false,"coverage":null,
"allow_failure":false,"created_at":"2015-12-24T15:51:21.802Z","started_at":null,"finished_at":null,"erased_at":null,
"duration":null,"queued_duration":0.01,"failure_reason":"script_failure","web_url":"https://example.com/foo/bar/-/jobs/7",
"artifacts_expire_at":null,"tag_list":["docker"],"archived":true,"user":null,"commit":null,
"pipeline":{"id":6,"project_id":1,"ref":"main","sha":"0ff3ae19","status":"pending"},"runner":null,"artifacts":[],
"project":{"ci_job_token_scope_enabled":false}}`

func TestGetJobDecodesNullsAndArchived(t *testing.T) {
	s := newServer(t, answer{status: 200, body: jobJSON})
	job, err := newTestClient(t, s.URL).GetJob(context.Background(), "group/sub/project", 7)
	if err != nil {
		t.Fatal(err)
	}
	if job.ID != 7 || job.StartedAt != nil || job.Duration != nil || job.Coverage != nil || !job.Archived {
		t.Errorf("job = %+v", job)
	}
	if job.QueuedDuration == nil || *job.QueuedDuration != 0.01 || job.Pipeline.ID != 6 || job.FailureReason != "script_failure" {
		t.Errorf("job = %+v", job)
	}
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name      string
		post      bool
		answers   []answer
		wantCalls int32
		wantOK    bool
	}{
		{"GET retried on 500", false, []answer{{status: 500}, {status: 200, body: jobJSON}}, 2, true},
		{"GET retried on 502 and 503", false, []answer{{status: 502}, {status: 503}, {status: 200, body: jobJSON}}, 3, true},
		{"GET retried on 429", false, []answer{{status: 429}, {status: 200, body: jobJSON}}, 2, true},
		{"GET retried on connection reset", false, []answer{{reset: true}, {status: 200, body: jobJSON}}, 2, true},
		{"GET not retried on 501", false, []answer{{status: 501}}, 1, false},
		{"GET not retried on 403", false, []answer{{status: 403, body: `{"message":"403 Forbidden"}`}}, 1, false},
		{"GET gives up after retries", false, []answer{{status: 502}}, 4, false},
		{"POST not retried on 500", true, []answer{{status: 500}, {status: 201, body: jobJSON}}, 1, false},
		{"POST not retried on 502", true, []answer{{status: 502}, {status: 201, body: jobJSON}}, 1, false},
		{"POST not retried on 503", true, []answer{{status: 503}, {status: 201, body: jobJSON}}, 1, false},
		{"POST not retried on connection reset", true, []answer{{reset: true}, {status: 201, body: jobJSON}}, 1, false},
		{"POST retried on 429", true, []answer{{status: 429}, {status: 201, body: jobJSON}}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.answers...)
			c := newTestClient(t, s.URL)
			var err error
			if tt.post {
				_, err = c.do(context.Background(), http.MethodPost, "projects/1/jobs/7/retry", nil, &Job{})
			} else {
				_, err = c.GetJob(context.Background(), "1", 7)
			}
			if got := s.calls.Load(); got != tt.wantCalls {
				t.Errorf("sent %d times, want %d", got, tt.wantCalls)
			}
			if (err == nil) != tt.wantOK {
				t.Errorf("err = %v, want success %v", err, tt.wantOK)
			}
		})
	}
}

func TestGiveUpKeepsLastStatus(t *testing.T) {
	s := newServer(t, answer{status: 503, body: `{"message":"503 Service Unavailable"}`})
	_, err := newTestClient(t, s.URL).GetJob(context.Background(), "1", 7)
	if StatusCode(err) != 503 || !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v, want the last 503", err)
	}
}

func TestPOSTRetriedWhenNeverSent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: connecting fails before anything is sent
	c := newTestClient(t, "http://"+addr)
	start := time.Now()
	_, err = c.do(context.Background(), http.MethodPost, "projects/1/jobs/7/play", nil, &Job{})
	if err == nil || !neverSent(err) {
		t.Fatalf("err = %v, want a dial error", err)
	}
	if time.Since(start) < 3*time.Millisecond/2 {
		t.Errorf("a POST that never left must be retried (with backoff)")
	}
}

func TestServerWait(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{map[string]string{"Retry-After": "7"}, 7 * time.Second, true},
		{map[string]string{"Retry-After": now.Add(3 * time.Second).Format(http.TimeFormat)}, 3 * time.Second, true},
		{map[string]string{"RateLimit-Reset": strconv.FormatInt(now.Add(9*time.Second).Unix(), 10)}, 9 * time.Second, true},
		{map[string]string{"Retry-After": "soon"}, 0, false},
		{map[string]string{}, 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		got, ok := serverWait(h, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("serverWait(%v) = %s, %v; want %s, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	s := newServer(t, answer{status: 429, header: map[string]string{"Retry-After": "1"}}, answer{status: 200, body: jobJSON})
	c := newTestClient(t, s.URL)
	start := time.Now()
	if _, err := c.GetJob(context.Background(), "1", 7); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("waited %s, GitLab asked for 1s", waited)
	}
}

func TestContextCancelStopsBackoff(t *testing.T) {
	s := newServer(t, answer{status: 429, header: map[string]string{"Retry-After": "60"}})
	c := newTestClient(t, s.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetJob(ctx, "1", 7)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("err = %v after %s; cancellation must stop the wait", err, time.Since(start))
	}
}

func TestNotFoundKeepsGitLabMessage(t *testing.T) {
	for _, msg := range []string{"404 Project Not Found", "404 Not found"} {
		s := newServer(t, answer{status: 404, body: `{"message":"` + msg + `"}`})
		_, err := newTestClient(t, s.URL).GetJob(context.Background(), "group/project", 7)
		if !errors.Is(err, gitlab.ErrNotFound) || !IsNotFound(err) || !strings.Contains(err.Error(), msg) {
			t.Errorf("err = %v, want ErrNotFound with %q", err, msg)
		}
		if s.calls.Load() != 1 {
			t.Errorf("404 must not be retried")
		}
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{`{"message":"403 Forbidden - Job is not retryable"}`, "403 Forbidden - Job is not retryable"},
		{`{"error":"scope does not have a valid value"}`, "scope does not have a valid value"},
		{`{"error":"insufficient_scope","error_description":"The request requires higher privileges."}`, "insufficient_scope: The request requires higher privileges."},
		{`{"message":{"base":["Job is not playable"]}}`, "base Job is not playable"},
		{"<html><body><h1>502 Bad Gateway</h1></body></html>", "did not answer like GitLab's API (check base_url): <html><body><h1>502 Bad Gateway"},
		{`{"message": "trunc`, "did not answer like GitLab's API"},
	}
	for _, tt := range tests {
		s := newServer(t, answer{status: 403, header: map[string]string{"Content-Type": "text/html"}, body: tt.body})
		_, err := newTestClient(t, s.URL).GetJob(context.Background(), "1", 7)
		if err == nil || !strings.Contains(err.Error(), tt.want) || StatusCode(err) != 403 {
			t.Errorf("body %s: err = %v, want it to contain %q", tt.body, err, tt.want)
		}
	}
}

func TestErrorsNeverHoldTheToken(t *testing.T) {
	s := newServer(t, answer{status: 401, body: `{"message":"401 Unauthorized"}`})
	for _, c := range []*Client{
		newTestClient(t, s.URL),
		newTestClient(t, s.URL, func(c *Config) { c.Token, c.JobToken = "", testToken }),
	} {
		_, err := c.JobTokenJob(context.Background())
		if err == nil || strings.Contains(err.Error(), testToken) || StatusCode(err) != 401 {
			t.Errorf("err = %v", err)
		}
	}
	// A transport error's URL has no query and no token either.
	c := newTestClient(t, "http://127.0.0.1:1")
	_, err := c.GetJob(context.Background(), "1", 7)
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("err = %v", err)
	}
}

func TestHeaders(t *testing.T) {
	var got http.Header
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, jobJSON)
	}))
	defer s.Close()

	c := newTestClient(t, s.URL, func(c *Config) {
		c.Headers = map[string]string{"X-Proxy-Auth": "p"}
		c.UserAgent = "terraform-provider-gitlabjobs/1.2.3"
	})
	if _, err := c.GetJob(context.Background(), "1", 7); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer "+testToken || got.Get("JOB-TOKEN") != "" || got.Get("PRIVATE-TOKEN") != "" {
		t.Errorf("token auth headers: %v", got)
	}
	if got.Get("X-Proxy-Auth") != "p" || got.Get("User-Agent") != "terraform-provider-gitlabjobs/1.2.3" {
		t.Errorf("headers: %v", got)
	}

	jc := newTestClient(t, s.URL, func(c *Config) { c.Token, c.JobToken = "", "glcbt-job" })
	if _, err := jc.GetJob(context.Background(), "1", 7); err != nil {
		t.Fatal(err)
	}
	if got.Get("JOB-TOKEN") != "glcbt-job" || got.Get("Authorization") != "" || !jc.UsesJobToken() {
		t.Errorf("job token auth headers: %v", got)
	}

	for _, h := range []string{"Authorization", "private-token", "JOB-TOKEN"} {
		if _, err := New(Config{Token: "x", Headers: map[string]string{h: "v"}}); err == nil {
			t.Errorf("headers may not set %s", h)
		}
	}
	if _, err := New(Config{Token: "x", JobToken: "y"}); err == nil {
		t.Error("token and job token together must be refused")
	}
}

func writePEM(t *testing.T, typ string, der []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), typ+".pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTLS(t *testing.T) {
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, jobJSON)
	}))
	defer s.Close()
	ca := writePEM(t, "CERTIFICATE", s.Certificate().Raw)

	if _, err := newTestClient(t, s.URL).GetJob(context.Background(), "1", 7); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unknown CA must fail clearly, got %v", err)
	}
	if _, err := newTestClient(t, s.URL, func(c *Config) { c.CACertFile = ca }).GetJob(context.Background(), "1", 7); err != nil {
		t.Errorf("cacert_file: %v", err)
	}
	if _, err := newTestClient(t, s.URL, func(c *Config) { c.Insecure = true }).GetJob(context.Background(), "1", 7); err != nil {
		t.Errorf("insecure: %v", err)
	}
	if _, err := New(Config{Token: "x", CACertFile: filepath.Join(t.TempDir(), "missing.pem")}); err == nil || !strings.Contains(err.Error(), "cacert_file") {
		t.Errorf("missing CA file: %v", err)
	}
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	if _, err := New(Config{Token: "x", CACertFile: notPEM}); err == nil || !strings.Contains(err.Error(), "cacert_file") {
		t.Errorf("a CA file without PEM: %v", err)
	}
}

func TestClientCertificate(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, jobJSON)
	}))
	s.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	s.StartTLS()
	defer s.Close()

	// httptest's own certificate and key serve as the client's.
	leaf := s.TLS.Certificates[0]
	certFile := writePEM(t, "CERTIFICATE", leaf.Certificate[0])
	keyDER, err := x509.MarshalPKCS8PrivateKey(leaf.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := writePEM(t, "PRIVATE KEY", keyDER)

	if _, err := newTestClient(t, s.URL, func(c *Config) { c.Insecure = true }).GetJob(context.Background(), "1", 7); err == nil {
		t.Error("the server requires a client certificate; the request without one must fail")
	}
	c := newTestClient(t, s.URL, func(c *Config) { c.Insecure = true; c.ClientCert = certFile; c.ClientKey = keyFile })
	if _, err := c.GetJob(context.Background(), "1", 7); err != nil {
		t.Errorf("with client_cert: %v", err)
	}
	if _, err := New(Config{Token: "x", ClientCert: certFile}); err == nil || !strings.Contains(err.Error(), "client_key") {
		t.Errorf("client_cert without client_key: %v", err)
	}
}

func TestNormalizeBaseURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com/", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com/api/v4", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com/api/v4/", "https://gitlab.com/api/v4/", ""},
		{"https://gitlab.com/api/v4//", "https://gitlab.com/api/v4/", ""},
		{"http://127.0.0.1:8080/api/v4/", "http://127.0.0.1:8080/api/v4/", ""},
		{"https://example.com/gitlab", "https://example.com/gitlab/api/v4/", ""},
		{"https://example.com/gitlab/api/v4/", "https://example.com/gitlab/api/v4/", ""},
		{"  https://gitlab.com  ", "https://gitlab.com/api/v4/", ""},
		{"gitlab.com", "", "no scheme: use https://gitlab.com"},
		{"gitlab.example.com/api/v4", "", "no scheme"},
		{"ftp://gitlab.com", "", "scheme must be https"},
		{"https://", "", "no host"},
		{"https://gitlab.com/api/v3", "", "must be /api/v4/"},
		{"https://gitlab.com/api/v4/projects", "", "inside the API"},
		{"https://gitlab.com/apiv4", "", "must be /api/v4/"},
		{"https://gitlab.com/api", "", "must be /api/v4/"},
		{"https://gitlab.com/api/v4?private_token=x", "", "query"},
		{"https://user:pass@gitlab.com", "", "user info"},
	}
	for _, tt := range tests {
		got, err := NormalizeBaseURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "base_url") {
				t.Errorf("NormalizeBaseURL(%q) = %q, %v; want an error naming base_url with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseProject(t *testing.T) {
	tests := []struct{ in, canonical, escaped, err string }{
		{"42", "42", "42", ""},
		{"group/project", "group/project", "group%2Fproject", ""},
		{"group/sub/project", "group/sub/project", "group%2Fsub%2Fproject", ""},
		{"group%2Fsub%2Fproject", "group/sub/project", "group%2Fsub%2Fproject", ""},
		{"group%2fsub%2fproject", "group/sub/project", "group%2Fsub%2Fproject", ""},
		{"my-group/app.service", "my-group/app.service", "my-group%2Fapp%2Eservice", ""},
		{"g_1/p-2/x.y.z", "g_1/p-2/x.y.z", "g_1%2Fp-2%2Fx%2Ey%2Ez", ""},
		{"gruppe/projekt-ä", "gruppe/projekt-ä", "", ""},
		{"", "", "", "empty"},
		{" 42", "", "", "spaces"},
		{"group/ project", "", "", "spaces"},
		{"0", "", "", "positive"},
		{"-3", "", "", "must be positive"},
		{"99999999999999999999", "", "", "too large"},
		{"project", "", "", "needs its namespace"},
		{"/group/project", "", "", "empty path segment"},
		{"group/project/", "", "", "empty path segment"},
		{"group//project", "", "", "empty path segment"},
		{"group/-project", "", "", "must start with"},
		{"group/.project", "", "", "must start with"},
		{"group/project.git", "", "", ".git"},
		{"group/project.atom", "", "", ".git or .atom"},
		{"group/pro ject", "", "", "spaces"},
		{"group/pro*ject", "", "", "may only contain"},
		{"group%2", "", "", "not a valid URL-encoded"},
		{"group%252Fproject", "", "", "encoded twice"},
	}
	for _, tt := range tests {
		p, err := ParseProject(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseProject(%q) = %+v, %v; want error with %q", tt.in, p, err, tt.err)
			}
			continue
		}
		if err != nil || p.String() != tt.canonical || (tt.escaped != "" && p.Escaped() != tt.escaped) {
			t.Errorf("ParseProject(%q) = %q (%q), %v; want %q (%q)", tt.in, p.String(), p.Escaped(), err, tt.canonical, tt.escaped)
		}
	}
}

func FuzzParseProject(f *testing.F) {
	for _, s := range []string{"42", "group/project", "group%2Fsub%2Fproject", "a//b", "x.git", "-1", "g/ä.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseProject(s)
		if err != nil {
			return
		}
		again, err := ParseProject(p.String())
		if err != nil || again != p {
			t.Fatalf("ParseProject(%q) = %+v, but its String %q parses to %+v, %v", s, p, p.String(), again, err)
		}
		if esc, err := ParseProject(p.Escaped()); err != nil || esc != p {
			t.Fatalf("ParseProject(%q).Escaped() = %q parses to %+v, %v", s, p.Escaped(), esc, err)
		}
	})
}
