package gitlabclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestRetryPolicy(t *testing.T) {
	ok := answer{status: 200, body: jobJSON}
	created := answer{status: 201, body: jobJSON}
	tests := []struct {
		name      string
		method    string
		answers   []answer
		wantCalls int32
		wantErr   int // expected status of the error; 0 = success, -1 = a transport error
	}{
		{"GET retried on 500", "GET", []answer{{status: 500}, ok}, 2, 0},
		{"GET retried on 502", "GET", []answer{{status: 502}, ok}, 2, 0},
		{"GET retried on 503", "GET", []answer{{status: 503}, ok}, 2, 0},
		{"GET retried on 504", "GET", []answer{{status: 504}, ok}, 2, 0},
		{"GET retried on 429", "GET", []answer{{status: 429}, ok}, 2, 0},
		{"GET retried on connection reset", "GET", []answer{{reset: true}, ok}, 2, 0},
		{"GET retried on mixed failures", "GET", []answer{{status: 502}, {reset: true}, {status: 429}, ok}, 4, 0},
		{"GET not retried on 501", "GET", []answer{{status: 501}, ok}, 1, 501},
		{"GET not retried on 400", "GET", []answer{{status: 400, body: `{"error":"job_id is invalid"}`}, ok}, 1, 400},
		{"GET not retried on 401", "GET", []answer{{status: 401, body: `{"message":"401 Unauthorized"}`}, ok}, 1, 401},
		{"GET not retried on 403", "GET", []answer{{status: 403, body: `{"message":"403 Forbidden"}`}, ok}, 1, 403},
		{"GET not retried on 404", "GET", []answer{{status: 404, body: `{"message":"404 Not found"}`}, ok}, 1, 404},
		{"GET gives up after the retries with the last status", "GET", []answer{{status: 502}, {status: 503}}, 4, 503},
		{"GET gives up after the retries on resets", "GET", []answer{{reset: true}}, 4, -1},
		{"HEAD retried on 503", "HEAD", []answer{{status: 503}, {status: 200}}, 2, 0},
		{"POST not retried on 500", "POST", []answer{{status: 500}, created}, 1, 500},
		{"POST not retried on 502", "POST", []answer{{status: 502}, created}, 1, 502},
		{"POST not retried on 503", "POST", []answer{{status: 503, header: map[string]string{"Retry-After": "0"}}, created}, 1, 503},
		{"POST not retried on 504", "POST", []answer{{status: 504}, created}, 1, 504},
		{"POST not retried on connection reset", "POST", []answer{{reset: true}, created}, 1, -1},
		{"POST retried on 429", "POST", []answer{{status: 429}, created}, 2, 0},
		{"POST retried on 429 until the retries run out", "POST", []answer{{status: 429, body: "Retry later\n", header: map[string]string{"Content-Type": "text/plain"}}}, 4, 429},
		{"PUT not retried on 503", "PUT", []answer{{status: 503}, ok}, 1, 503},
		{"DELETE not retried on 502", "DELETE", []answer{{status: 502}, {status: 204}}, 1, 502},
		{"DELETE retried on 429", "DELETE", []answer{{status: 429}, {status: 204}}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, tt.answers...)
			c := newTestClient(t, s.URL)
			var out any
			if tt.method == "GET" || tt.method == "POST" || tt.method == "PUT" {
				out = &Job{}
			}
			_, err := c.do(context.Background(), tt.method, "projects/1/jobs/7", nil, out)
			if got := s.calls.Load(); got != tt.wantCalls {
				t.Errorf("sent %d times, want %d", got, tt.wantCalls)
			}
			switch {
			case tt.wantErr == 0 && err != nil:
				t.Errorf("err = %v, want success", err)
			case tt.wantErr == -1:
				var re *requestError
				if !errors.As(err, &re) || StatusCode(err) != 0 {
					t.Errorf("err = %#v, want a transport error", err)
				}
			case tt.wantErr > 0:
				if StatusCode(err) != tt.wantErr || !strings.Contains(err.Error(), strconv.Itoa(tt.wantErr)) {
					t.Errorf("err = %v, want status %d", err, tt.wantErr)
				}
			}
		})
	}
}

// The policy applies to calls made through GitLab() too: client-go's own
// retries (which re-send POSTs on 5xx) are off.
func TestRetryPolicyThroughClientGo(t *testing.T) {
	for _, status := range []int{500, 502, 503} {
		s := newServer(t, answer{status: status}, answer{status: 201, body: jobJSON})
		c := newTestClient(t, s.URL)
		_, _, err := c.GitLab().Jobs.RetryJob(1, 7, gitlab.WithContext(context.Background()))
		if err == nil || s.calls.Load() != 1 {
			t.Errorf("RetryJob on %d: err = %v, sent %d times; want one send and an error", status, err, s.calls.Load())
		}
	}
	s := newServer(t, answer{status: 429}, answer{status: 201, body: jobJSON})
	if _, _, err := newTestClient(t, s.URL).GitLab().Jobs.PlayJob(1, 7, nil); err != nil || s.calls.Load() != 2 {
		t.Errorf("PlayJob on 429: err = %v, sent %d times; want a retry", err, s.calls.Load())
	}
	s = newServer(t, answer{status: 502}, answer{status: 200, body: jobJSON})
	if _, _, err := newTestClient(t, s.URL).GitLab().Jobs.GetJob("group/project", 7); err != nil || s.calls.Load() != 2 {
		t.Errorf("GetJob on 502: err = %v, sent %d times; want a retry", err, s.calls.Load())
	}
}

func TestRetryResendsTheBody(t *testing.T) {
	s := newServer(t, answer{status: 429}, answer{status: 200, body: jobJSON})
	c := newTestClient(t, s.URL)
	body := map[string]any{"job_variables_attributes": []map[string]string{{"key": "K", "value": "v"}}}
	if _, err := c.do(context.Background(), http.MethodPost, "projects/1/jobs/7/play", body, &Job{}); err != nil {
		t.Fatal(err)
	}
	want := `{"job_variables_attributes":[{"key":"K","value":"v"}]}`
	if s.bodies[0] != want || s.bodies[1] != want {
		t.Errorf("bodies = %q, want %q twice", s.bodies, want)
	}
}

func TestNoRetries(t *testing.T) {
	s := newServer(t, answer{status: 503})
	c := newTestClient(t, s.URL, func(c *Config) { c.Retries = 0 })
	if _, err := c.GetJob(context.Background(), "1", 7); StatusCode(err) != 503 || s.calls.Load() != 1 {
		t.Errorf("err = %v, sent %d times; want one 503", err, s.calls.Load())
	}
}

func TestTimeouts(t *testing.T) {
	slow := answer{status: 200, body: jobJSON, delay: 2 * time.Second}
	tests := []struct {
		name      string
		method    string
		client    func() *http.Client
		wantCalls int32
		wantOK    bool
	}{
		{"POST not retried after a response header timeout", "POST",
			func() *http.Client {
				return &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 50 * time.Millisecond}}
			}, 1, false},
		{"GET retried after a response header timeout", "GET",
			func() *http.Client {
				return &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 50 * time.Millisecond}}
			}, 2, true},
		{"POST not retried after the client timeout", "POST",
			func() *http.Client { return &http.Client{Timeout: 100 * time.Millisecond} }, 1, false},
		{"GET retried after the client timeout, which bounds each attempt", "GET",
			func() *http.Client { return &http.Client{Timeout: 100 * time.Millisecond} }, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, slow, answer{status: 200, body: jobJSON})
			c := newTestClient(t, s.URL, func(c *Config) { c.HTTPClient = tt.client() })
			start := time.Now()
			_, err := c.do(context.Background(), tt.method, "projects/1/jobs/7/retry", nil, &Job{})
			if (err == nil) != tt.wantOK {
				t.Errorf("err = %v, want success %v", err, tt.wantOK)
			}
			if got := s.calls.Load(); got != tt.wantCalls {
				t.Errorf("sent %d times, want %d", got, tt.wantCalls)
			}
			if time.Since(start) > time.Second {
				t.Errorf("took %s", time.Since(start))
			}
		})
	}
}

// countingDialer dials addrs[n] for the n-th dial (the last repeats).
func countingDialer(dials *atomic.Int32, addrs ...string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			n := int(dials.Add(1)) - 1
			return (&net.Dialer{}).DialContext(ctx, network, addrs[min(n, len(addrs)-1)])
		},
		DisableKeepAlives: true,
	}}
}

func TestPOSTRetriedWhenItNeverLeft(t *testing.T) {
	// Nothing listens: each attempt fails to connect, before anything is sent.
	var dials atomic.Int32
	closed := closedAddr(t)
	c := newTestClient(t, "http://"+closed, func(c *Config) { c.HTTPClient = countingDialer(&dials, closed) })
	_, err := c.do(context.Background(), http.MethodPost, "projects/1/jobs/7/play", nil, &Job{})
	if err == nil || dials.Load() != 4 {
		t.Fatalf("err = %v after %d dials; want 4 dials and an error", err, dials.Load())
	}
	if !strings.Contains(err.Error(), "could not connect") || !strings.Contains(err.Error(), "after 4 attempts") {
		t.Errorf("err = %v", err)
	}

	// The first dial fails, the second reaches GitLab: the POST arrives once.
	s := newServer(t, answer{status: 201, body: jobJSON})
	dials.Store(0)
	c = newTestClient(t, s.URL, func(c *Config) { c.HTTPClient = countingDialer(&dials, closed, s.Listener.Addr().String()) })
	if _, err := c.do(context.Background(), http.MethodPost, "projects/1/jobs/7/play", nil, &Job{}); err != nil {
		t.Fatal(err)
	}
	if dials.Load() != 2 || s.calls.Load() != 1 {
		t.Errorf("%d dials, %d requests; want 2 dials and 1 request", dials.Load(), s.calls.Load())
	}
}

func TestErrorClassification(t *testing.T) {
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "https://x/api/v4/y", Err: err} }
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "gitlab.example.com", IsTemporary: true}}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name                string
		err                 error
		permanent, notSent  bool
		retryGET, retryPOST bool
	}{
		{"connection refused", refused, false, true, true, true},
		{"temporary DNS failure", dial, false, true, true, true},
		{"proxy unreachable", &net.OpError{Op: "proxyconnect", Net: "tcp", Err: refused}, false, true, true, true},
		{"TLS handshake timeout", errors.New("net/http: TLS handshake timeout"), false, true, true, true},
		{"unknown host", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "gitlab.exmaple.com", IsNotFound: true}}, true, true, false, false},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false, false, true, false},
		{"EOF", io.EOF, false, false, true, false},
		{"unexpected EOF", io.ErrUnexpectedEOF, false, false, true, false},
		{"timeout", errors.New("net/http: timeout awaiting response headers"), false, false, true, false},
		{"unknown CA", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, true, false, false, false},
		{"wrong host certificate", x509.HostnameError{Host: "x", Certificate: &x509.Certificate{}}, true, false, false, false},
		{"TLS to an HTTP port", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, true, false, false, false},
		{"TLS alert", &net.OpError{Op: "remote error", Err: errors.New("tls: bad certificate")}, true, false, false, false},
	}
	tr := &retryTransport{}
	for _, tt := range tests {
		for _, err := range []error{tt.err, wrap(tt.err)} {
			if got := permanent(err); got != tt.permanent {
				t.Errorf("%s: permanent = %v", tt.name, got)
			}
			if got := neverSent(err); got != tt.notSent {
				t.Errorf("%s: neverSent = %v", tt.name, got)
			}
			if got, _ := tr.shouldRetry(context.Background(), "GET", nil, err); got != tt.retryGET {
				t.Errorf("%s: retry GET = %v", tt.name, got)
			}
			if got, _ := tr.shouldRetry(context.Background(), "POST", nil, err); got != tt.retryPOST {
				t.Errorf("%s: retry POST = %v", tt.name, got)
			}
		}
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if got, _ := tr.shouldRetry(canceled, "GET", nil, context.Canceled); got {
		t.Error("a cancelled request must not be retried")
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
		{map[string]string{"Retry-After": " 0 "}, 0, true},
		{map[string]string{"Retry-After": now.Add(3 * time.Second).Format(http.TimeFormat)}, 3 * time.Second, true},
		{map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{map[string]string{"RateLimit-Reset": strconv.FormatInt(now.Add(9*time.Second).Unix(), 10)}, 9 * time.Second, true},
		{map[string]string{"RateLimit-Reset": strconv.FormatInt(now.Add(-9*time.Second).Unix(), 10)}, 0, true},
		{map[string]string{"RateLimit-Reset": "42"}, 42 * time.Second, true}, // delta seconds (IETF draft)
		{map[string]string{"Retry-After": "2", "RateLimit-Reset": strconv.FormatInt(now.Add(5*time.Second).Unix(), 10)}, 5 * time.Second, true},
		{map[string]string{"Retry-After": "99999999999999"}, 24 * time.Hour, true},
		{map[string]string{"Retry-After": "soon"}, 0, false},
		{map[string]string{"Retry-After": "-5"}, 0, false},
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

func TestBackoff(t *testing.T) {
	lo, hi := 10*time.Millisecond, 300*time.Millisecond
	for attempt := 1; attempt <= 10; attempt++ {
		floor := min(lo<<(attempt-1), hi)
		ceil := min(lo<<attempt, hi)
		for range 50 {
			d := backoff(lo, hi, attempt)
			if d < floor || d > ceil {
				t.Fatalf("backoff(attempt %d) = %s, want within [%s, %s]", attempt, d, floor, ceil)
			}
		}
	}
	if d := backoff(time.Second, 30*time.Second, 1000); d != 30*time.Second {
		t.Errorf("a late retry waits %s, want the maximum", d)
	}
	// Without a usable header, 429 and 503 back off like any other error.
	tr := &retryTransport{waitMin: lo, waitMax: hi}
	if d, ok := tr.wait(1, &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"0"}}}); !ok || d < lo || d > 2*lo {
		t.Errorf("wait = %s, %v", d, ok)
	}
	if d, ok := tr.wait(1, &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"3"}}}); !ok || d < 3*time.Second || d > 3*time.Second+time.Second {
		t.Errorf("wait = %s, %v; want Retry-After's 3s beyond RetryWaitMax", d, ok)
	}
	if _, ok := tr.wait(1, &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"3600"}}}); ok {
		t.Error("a wait beyond MaxServerWait must not be accepted")
	}
	// Retry-After on other statuses is not GitLab asking us to wait.
	if d, _ := tr.wait(1, &http.Response{StatusCode: 500, Header: http.Header{"Retry-After": {"3"}}}); d > hi {
		t.Errorf("wait on 500 = %s", d)
	}
}

// These tests wait about a second: Retry-After and RateLimit-Reset count in
// whole seconds. They run in parallel.
func TestServerAskedWaitsAreHonoured(t *testing.T) {
	ok := answer{status: 200, body: jobJSON}
	tests := []struct {
		name   string
		method string
		first  func() (answer, time.Time) // the answer and the earliest time the retry may arrive
	}{
		{"Retry-After seconds on 429", "GET", func() (answer, time.Time) {
			return answer{status: 429, header: map[string]string{"Retry-After": "1"}}, time.Now().Add(time.Second)
		}},
		{"Retry-After seconds on 429 for a POST", "POST", func() (answer, time.Time) {
			return answer{status: 429, header: map[string]string{"Retry-After": "1"}}, time.Now().Add(time.Second)
		}},
		{"Retry-After seconds on 503", "GET", func() (answer, time.Time) {
			return answer{status: 503, header: map[string]string{"Retry-After": "1"}}, time.Now().Add(time.Second)
		}},
		{"Retry-After HTTP-date", "GET", func() (answer, time.Time) {
			at := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Second)
			return answer{status: 429, header: map[string]string{"Retry-After": at.Format(http.TimeFormat)}}, at
		}},
		{"RateLimit-Reset", "GET", func() (answer, time.Time) {
			at := time.Now().Add(1500 * time.Millisecond).Truncate(time.Second)
			return answer{status: 429, header: map[string]string{"RateLimit-Reset": strconv.FormatInt(at.Unix(), 10)}}, at
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first, earliest := tt.first()
			s := newServer(t, first, ok)
			c := newTestClient(t, s.URL) // RetryWaitMax is 5ms: the server's wait must win
			if _, err := c.do(context.Background(), tt.method, "projects/1/jobs/7", nil, &Job{}); err != nil {
				t.Fatal(err)
			}
			if s.calls.Load() != 2 {
				t.Fatalf("sent %d times, want 2", s.calls.Load())
			}
			if got := s.arrival(1); got.Before(earliest) {
				t.Errorf("the retry came %s too early", earliest.Sub(got))
			}
		})
	}
}

func TestTooLongServerWaitReturnsAtOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t, answer{status: 429, header: map[string]string{"Retry-After": "3600", "Content-Type": "text/plain"}, body: "Retry later\n"})
	start := time.Now()
	_, err := newTestClient(t, s.URL).GetJob(context.Background(), "1", 7)
	if StatusCode(err) != 429 || s.calls.Load() != 1 || time.Since(start) > time.Second {
		t.Errorf("err = %v, %d calls after %s; want the 429 at once", err, s.calls.Load(), time.Since(start))
	}
	if !strings.Contains(err.Error(), "429 Too Many Requests - Retry later") {
		t.Errorf("err = %v", err)
	}
}

func TestWaitPastTheDeadlineReturnsAtOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t, answer{status: 503, header: map[string]string{"Retry-After": "2"}, body: `{"message":"503 Service Unavailable"}`})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := newTestClient(t, s.URL).GetJob(ctx, "1", 7)
	if StatusCode(err) != 503 || time.Since(start) > 400*time.Millisecond {
		t.Errorf("err = %v after %s; want GitLab's 503 at once rather than a deadline error", err, time.Since(start))
	}
}

func TestContextCancelStopsTheWait(t *testing.T) {
	t.Parallel()
	for name, mod := range map[string]func(*Config){
		"server wait":  func(*Config) {},
		"backoff wait": func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = 10*time.Second, 10*time.Second },
	} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, answer{status: 503, header: map[string]string{"Retry-After": "60"}})
			if name == "backoff wait" {
				s = newServer(t, answer{status: 503})
			}
			c := newTestClient(t, s.URL, mod)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			_, err := c.GetJob(ctx, "1", 7)
			if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
				t.Errorf("err = %v after %s; cancelling must end the wait at once", err, time.Since(start))
			}
			if s.calls.Load() != 1 {
				t.Errorf("sent %d times", s.calls.Load())
			}
		})
	}
}

func TestAttemptsAreLogged(t *testing.T) {
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	s := newServer(t, answer{status: 503, header: map[string]string{"Retry-After": "0"}}, answer{status: 200, body: jobJSON})
	c := newTestClient(t, s.URL+"/api/v4", func(c *Config) { c.Headers = map[string]string{"X-Extra": "extra-header-value"} })
	if _, err := c.GetJob(ctx, "group/project", 7); err != nil {
		t.Fatal(err)
	}
	const secretVar = "variable-value-that-must-stay-secret"
	if _, err := c.do(ctx, http.MethodPost, "projects/1/jobs/7/play?private_token="+testToken, map[string]string{"value": secretVar}, nil); err != nil {
		t.Fatal(err)
	}
	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, fmt.Sprintf("%s %s %v %v %v %v", e["@level"], e["@message"], e["method"], e["path"], e["status"], e["attempt"]))
		if e["@message"] == "retrying GitLab API request" && (e["wait"] == nil || e["wait_ms"] == nil || e["reason"] == nil) {
			t.Errorf("a retry log lacks the wait or reason: %v", e)
		}
	}
	want := []string{
		"debug GitLab API request GET /api/v4/projects/group%2Fproject/jobs/7 503 1",
		"debug retrying GitLab API request GET /api/v4/projects/group%2Fproject/jobs/7 503 1",
		"debug GitLab API request GET /api/v4/projects/group%2Fproject/jobs/7 200 2",
		"debug GitLab API request POST /api/v4/projects/1/jobs/7/play%3Fprivate_token=*** 200 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, secret := range []string{testToken, secretVar, "extra-header-value"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs.String())
		}
	}
}

// fakeSleep records the waits a client asks for and advances a fake clock
// instead of waiting.
type fakeSleep struct {
	mu    sync.Mutex
	now   time.Duration // since the start
	waits []time.Duration
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waits = append(f.waits, d)
	f.now += d
	return ctx.Err()
}

func (f *fakeSleep) elapsed() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeSleep) recorded() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.waits)
}

// With retries set and the wait settings unset, retries wait 1 s, then
// longer (doubling up to 30 s), as documented, not 1 ms.
func TestRetryWaitDefaults(t *testing.T) {
	for _, tt := range []struct {
		cfg    Config
		lo, hi time.Duration
	}{
		{Config{}, time.Second, 30 * time.Second},
		{Config{Retries: 5}, time.Second, 30 * time.Second},
		{Config{Retries: 5, RetryWaitMin: 2 * time.Second}, 2 * time.Second, 30 * time.Second},
		{Config{Retries: 5, RetryWaitMax: 2 * time.Minute}, time.Second, 2 * time.Minute},
		{Config{Retries: 5, RetryWaitMax: 500 * time.Millisecond}, 500 * time.Millisecond, 500 * time.Millisecond},
		{Config{Retries: 5, RetryWaitMin: time.Minute}, time.Minute, time.Minute},
	} {
		c, err := New(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if lo, hi := c.RetryWaits(); lo != tt.lo || hi != tt.hi {
			t.Errorf("New(RetryWaitMin %s, RetryWaitMax %s): waits %s to %s, want %s to %s", tt.cfg.RetryWaitMin, tt.cfg.RetryWaitMax, lo, hi, tt.lo, tt.hi)
		}
	}

	// The waits of a read through four 503s, as the provider configures the
	// client (retries, no wait settings): 1-2 s, 2-4 s, 4-8 s, 8-16 s.
	fail := answer{status: 503, body: `{"message":"503 Service Unavailable"}`}
	s := newServer(t, fail, fail, fail, fail, answer{status: 200, body: jobJSON})
	clock := &fakeSleep{}
	c, err := New(Config{BaseURL: s.URL, Token: testToken, Retries: 5, Sleep: clock.sleep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetJob(context.Background(), "1", 7); err != nil {
		t.Fatal(err)
	}
	waits := clock.recorded()
	if len(waits) != 4 {
		t.Fatalf("waits %v, want 4", waits)
	}
	for i, d := range waits {
		lo := time.Second << i
		if d < lo || d > 2*lo {
			t.Errorf("wait %d = %s, want %s to %s", i+1, d, lo, 2*lo)
		}
	}
}

// A burst of 503s shorter than a second (a GitLab restart, a load balancer
// failing over) is ridden out by the default retries: the first retry comes
// a second later.
func TestRetriesRideOutABurstOf503s(t *testing.T) {
	clock := &fakeSleep{}
	var requests atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if clock.elapsed() < 400*time.Millisecond {
			w.WriteHeader(503)
			fmt.Fprint(w, `{"message":"503 Service Unavailable"}`)
			return
		}
		fmt.Fprint(w, jobJSON)
	}))
	t.Cleanup(s.Close)
	c, err := New(Config{BaseURL: s.URL, Token: testToken, Retries: 5, Sleep: clock.sleep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetJob(context.Background(), "1", 7); err != nil {
		t.Fatalf("a 0.4 s burst of 503s failed the read: %v (waits %v)", err, clock.recorded())
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2 (one retry, a second later)", n)
	}
}

// Retry-After (and RateLimit-Reset) replace the backoff of a 429 or 503.
func TestRetryAfterReplacesTheDefaultWait(t *testing.T) {
	for _, tt := range []struct {
		first answer
		want  time.Duration
	}{
		{answer{status: 503, header: map[string]string{"Retry-After": "7"}, body: `{"message":"503"}`}, 7 * time.Second},
		{answer{status: 429, header: map[string]string{"Retry-After": "3"}, body: "Retry later"}, 3 * time.Second},
		{answer{status: 429, header: map[string]string{"RateLimit-Reset": "12"}, body: "Retry later"}, 12 * time.Second},
	} {
		s := newServer(t, tt.first, answer{status: 200, body: jobJSON})
		clock := &fakeSleep{}
		c, err := New(Config{BaseURL: s.URL, Token: testToken, Retries: 5, Sleep: clock.sleep})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetJob(context.Background(), "1", 7); err != nil {
			t.Fatal(err)
		}
		// A jitter of at most a quarter of RetryWaitMin (1 s) is added.
		if w := clock.recorded(); len(w) != 1 || w[0] < tt.want || w[0] > tt.want+time.Second/4 {
			t.Errorf("%d %v: waits %v, want %s (+ up to 250ms)", tt.first.status, tt.first.header, w, tt.want)
		}
	}
}

// After a 504 on an action, the job is looked at again twice the shortest
// retry wait later: 2 s by default.
func TestSettleWaitAfterA504(t *testing.T) {
	manual := strings.Replace(jobJSON, `"status":"failed"`, `"status":"manual"`, 1)
	s := newServer(t,
		answer{status: 504, body: `{"message":"504 Gateway Timeout"}`},                                    // POST .../play
		answer{status: 200, body: manual},                                                                 // GET: still manual
		answer{status: 200, body: manual},                                                                 // GET, 2 s later: still manual
		answer{status: 200, body: strings.Replace(jobJSON, `"status":"failed"`, `"status":"pending"`, 1)}, // POST again
	)
	clock := &fakeSleep{}
	c, err := New(Config{BaseURL: s.URL, Token: testToken, Retries: 5, Sleep: clock.sleep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PlayJob(context.Background(), "1", 7, nil); err != nil {
		t.Fatal(err)
	}
	if w := clock.recorded(); len(w) != 1 || w[0] != 2*time.Second {
		t.Errorf("waits %v, want one of 2s", w)
	}
	if n := s.calls.Load(); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}
