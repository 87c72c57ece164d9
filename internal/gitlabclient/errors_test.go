package gitlabclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/go-retryablehttp"
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestNotFoundKeepsGitLabMessage(t *testing.T) {
	for _, msg := range []string{"404 Project Not Found", "404 Not found", "404 Job Not Found"} {
		s := newServer(t, answer{status: 404, body: `{"message":"` + msg + `"}`})
		_, err := newTestClient(t, s.URL).GetJob(context.Background(), "group/project", 7)
		if !errors.Is(err, gitlab.ErrNotFound) || !IsNotFound(err) || StatusCode(err) != 404 {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Message != msg || apiErr.Method != "GET" || apiErr.Path != "/projects/group%2Fproject/jobs/7" {
			t.Errorf("err = %#v, want GitLab's message %q", err, msg)
		}
		if want := "GET /projects/group%2Fproject/jobs/7: " + msg; err.Error() != want {
			t.Errorf("err = %q, want %q", err, want)
		}
		if s.calls.Load() != 1 {
			t.Errorf("404 must not be retried")
		}
	}
	// Other errors are not "not found".
	s := newServer(t, answer{status: 403, body: `{"message":"403 Forbidden"}`})
	if _, err := newTestClient(t, s.URL).GetJob(context.Background(), "1", 7); IsNotFound(err) || errors.Is(err, gitlab.ErrNotFound) {
		t.Errorf("403 is not not-found: %v", err)
	}
	if IsNotFound(nil) || StatusCode(nil) != 0 || StatusCode(errors.New("x")) != 0 {
		t.Error("nil and plain errors have no status")
	}
}

func TestErrorMessages(t *testing.T) {
	nginx502 := `<html>
<head><title>502 Bad Gateway</title><style>body { width: 35em; }</style></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
<script>var token = "x";</script>
</body>
</html>`
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		want   string // the whole error text
	}{
		{"forbidden with reason", 403, "", `{"message":"403 Forbidden - Job is not retryable"}`,
			"GET /projects/1/jobs/7: 403 Forbidden - Job is not retryable"},
		{"bare status message", 401, "", `{"message":"401 Unauthorized"}`,
			"GET /projects/1/jobs/7: 401 Unauthorized"},
		{"Grape parameter error", 400, "", `{"error":"job_id is invalid"}`,
			"GET /projects/1/jobs/7: 400 Bad Request - job_id is invalid"},
		{"OAuth error", 403, "", `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"}`,
			"GET /projects/1/jobs/7: 403 Forbidden - insufficient_scope: The request requires higher privileges than provided by the access token."},
		{"field errors", 400, "", `{"message":{"base":["Job is not playable"],"variables":["is invalid","too long"]}}`,
			"GET /projects/1/jobs/7: 400 Bad Request - Job is not playable; variables is invalid, too long"},
		{"message list", 422, "", `{"message":["a","b"]}`,
			"GET /projects/1/jobs/7: 422 Unprocessable Entity - a, b"},
		{"empty body", 403, "", ``,
			"GET /projects/1/jobs/7: 403 Forbidden"},
		{"proxy HTML page", 502, "text/html", nginx502,
			"GET /projects/1/jobs/7: 502 Bad Gateway - GitLab or a proxy in front of it is failing (try again later); it sent: 502 Bad Gateway 502 Bad Gateway nginx/1.25.3"},
		{"truncated JSON", 500, "application/json", `{"message": "500 Internal Ser`,
			`GET /projects/1/jobs/7: 500 Internal Server Error - GitLab or a proxy in front of it is failing (try again later); it sent: {"message": "500 Internal Ser`},
		{"JSON without a message", 500, "", `{"status":"broken"}`,
			`GET /projects/1/jobs/7: 500 Internal Server Error - GitLab or a proxy in front of it is failing (try again later); it sent: {"status":"broken"}`},
		{"plain text 429 from Rack::Attack", 429, "text/plain", "Retry later\n",
			"GET /projects/1/jobs/7: 429 Too Many Requests - Retry later"},
		{"control characters", 500, "text/plain", "bad\x00\x1b[31mthing\xff\n\n\n here",
			"GET /projects/1/jobs/7: 500 Internal Server Error - GitLab or a proxy in front of it is failing (try again later); it sent: bad [31mthing here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := answer{status: tt.status, body: tt.body}
			if tt.ctype != "" {
				a.header = map[string]string{"Content-Type": tt.ctype}
			}
			s := newServer(t, a)
			_, err := newTestClient(t, s.URL, func(c *Config) { c.Retries = 0 }).GetJob(context.Background(), "1", 7)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %q\nwant  %q", err, tt.want)
			}
			if StatusCode(err) != tt.status {
				t.Errorf("StatusCode = %d", StatusCode(err))
			}
		})
	}
}

func TestLongHTMLErrorIsShortened(t *testing.T) {
	page := "<html><body>" + strings.Repeat("<p>Sorry, something went wrong on our proxy. </p>", 200) + "</body></html>"
	s := newServer(t, answer{status: 503, header: map[string]string{"Content-Type": "text/html"}, body: page})
	_, err := newTestClient(t, s.URL, func(c *Config) { c.Retries = 0 }).GetJob(context.Background(), "1", 7)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatal(err)
	}
	i := strings.Index(apiErr.Message, "it sent: ")
	if i < 0 || len(apiErr.Message[i+len("it sent: "):]) > excerptSize+3 || strings.Contains(apiErr.Message, "<") {
		t.Errorf("message = %q", apiErr.Message)
	}
}

func TestNonJSONSuccessIsNotGitLab(t *testing.T) {
	s := newServer(t, answer{status: 200, header: map[string]string{"Content-Type": "text/html"}, body: "<html><body>Welcome to nginx!</body></html>"})
	_, err := newTestClient(t, s.URL).CurrentUser(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not answer like GitLab's API (check base_url)") || !strings.Contains(err.Error(), "text/html") {
		t.Errorf("err = %v", err)
	}
	if StatusCode(err) != 0 || IsNotFound(err) {
		t.Errorf("a 200 is not a GitLab error: %v", err)
	}
}

func TestErrorsNeverHoldTheToken(t *testing.T) {
	// A server that echoes everything it got, tokens included.
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			msg := "echo " + r.URL.String() + " " + r.Header.Get("Authorization") + " " + r.Header.Get("Job-Token") + " " + r.Header.Get("Private-Token")
			_, _ = w.Write([]byte(`{"message":"` + msg + `"}`))
		}
	}
	for _, status := range []int{401, 403, 404, 500} {
		s := newServer(t)
		s.Config.Handler = echo(status)
		for _, c := range []*Client{
			newTestClient(t, s.URL, func(c *Config) { c.Retries = 0 }),
			newTestClient(t, s.URL, func(c *Config) { c.Token, c.JobToken, c.Retries = "", testJobToken, 0 }),
		} {
			// A token in the query string, a token in the path, a token in the headers.
			_, err := c.do(context.Background(), http.MethodGet, "projects/1/jobs/7?private_token="+testToken+"&job_token="+testJobToken, nil, &Job{})
			assertNoSecret(t, err)
			req, rerr := c.GitLab().NewRequest(http.MethodGet, "job", nil, []gitlab.RequestOptionFunc{func(r *retryablehttp.Request) error {
				r.URL.RawQuery = "job_token=" + testJobToken + "&private_token=" + testToken
				return nil
			}})
			if rerr != nil {
				t.Fatal(rerr)
			}
			_, err = c.GitLab().Do(req, nil)
			if err == nil {
				t.Fatal("want an error")
			}
			_, err = c.JobTokenJob(context.Background())
			assertNoSecret(t, err)
			if StatusCode(err) != status {
				t.Errorf("err = %v, want %d", err, status)
			}
		}
	}
	// Transport errors: nothing listens.
	c := newTestClient(t, "http://"+closedAddr(t), func(c *Config) { c.Retries = 0 })
	_, err := c.do(context.Background(), http.MethodGet, "projects/1/jobs/7?private_token="+testToken, nil, &Job{})
	assertNoSecret(t, err)
	if !strings.Contains(err.Error(), "could not connect to GitLab") {
		t.Errorf("err = %v", err)
	}
}

func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, secret := range []string{testToken, testJobToken, "S3cr3t", "J0bT0ken"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error holds a secret: %v", err)
		}
	}
}

func TestRedact(t *testing.T) {
	c := &Client{secrets: []string{"custom-oauth-token-abc"}}
	in := "a custom-oauth-token-abc b glpat-abcdefghij0123 c ?private_token=xyz&job_token=abc d token=zz"
	want := "a [REDACTED] b [REDACTED] c ?private_token=[REDACTED]&job_token=[REDACTED] d token=[REDACTED]"
	if got := c.redact(in); got != want {
		t.Errorf("redact = %q\nwant     %q", got, want)
	}
}

// TestTransportFaults holds permanent (no retry) and describe (the hint) to
// one classification: every permanent fault is explained, and the faults a
// retry may fix are not called permanent, wrapped by url.Error or not.
func TestTransportFaults(t *testing.T) {
	wrap := func(err error) error { return &url.Error{Op: "Get", URL: "https://x/api/v4/y", Err: err} }
	tests := []struct {
		name      string
		err       error
		fault     TransportFault
		permanent bool
		hint      string // in describe's message; "" for none
	}{
		{"unknown CA", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, FaultUnknownAuthority, true, "set cacert_file"},
		{"unknown CA, bare", x509.UnknownAuthorityError{}, FaultUnknownAuthority, true, "set cacert_file"},
		{"wrong host certificate", x509.HostnameError{Host: "x", Certificate: &x509.Certificate{}}, FaultHostname, true, "check the host in base_url"},
		{"expired certificate", x509.CertificateInvalidError{Cert: &x509.Certificate{}, Reason: x509.Expired}, FaultCertificate, true, "TLS certificate verification failed"},
		{"TLS to an HTTP port", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, FaultPlainHTTP, true, "speaks plain HTTP"},
		{"HTTP answer to HTTPS", http.ErrSchemeMismatch, FaultPlainHTTP, true, "speaks plain HTTP"},
		{"TLS alert", &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, FaultTLSAlert, true, "set client_cert and client_key"},
		{"TLS alert sent", tls.AlertError(40), FaultTLSAlert, true, "set client_cert and client_key"},
		{"unknown host", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "gitlab.exmaple.com", IsNotFound: true}}, FaultUnknownHost, true, "check the host in base_url"},
		{"temporary DNS failure", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "server misbehaving", IsTemporary: true}}, FaultDial, false, "could not connect to GitLab"},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, FaultDial, false, "could not connect to GitLab"},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, FaultOther, false, ""},
		{"canceled", context.Canceled, FaultOther, false, ""},
		{"deadline", context.DeadlineExceeded, FaultOther, false, ""},
	}
	for _, tt := range tests {
		for _, err := range []error{tt.err, wrap(tt.err)} {
			if got := ClassifyTransport(err); got != tt.fault {
				t.Errorf("%s: fault = %d, want %d", tt.name, got, tt.fault)
			}
			if got := permanent(err); got != tt.permanent {
				t.Errorf("%s: permanent = %v, want %v", tt.name, got, tt.permanent)
			}
			msg := describe(err)
			if tt.hint == "" && msg != err.Error() {
				t.Errorf("%s: describe = %q, want the error alone", tt.name, msg)
			}
			if tt.hint != "" && !strings.Contains(msg, tt.hint) {
				t.Errorf("%s: describe = %q, want %q in it", tt.name, msg, tt.hint)
			}
			if tt.permanent && msg == err.Error() {
				t.Errorf("%s: a permanent fault is not explained: %q", tt.name, msg)
			}
		}
	}
}

// RouteNotFound is GitLab's catch-all answer only: {"error":"404 Not
// Found"}, not a 404 of a missing resource nor a proxy's page.
func TestRouteNotFound(t *testing.T) {
	for body, want := range map[string]bool{
		`{"error":"404 Not Found"}`:           true,
		`{"error":"404 Not Found"}` + "\n":    true,
		`{"message":"404 Not Found"}`:         false,
		`{"message":"404 Not found"}`:         false,
		`{"message":"404 Project Not Found"}`: false,
		`<html>404 Not Found</html>`:          false,
		`{"error":"404 Not Found","x":1}`:     false,
	} {
		s := newServer(t, answer{status: 404, body: body})
		_, err := newTestClient(t, s.URL).GetJob(context.Background(), "1", 2)
		if got := RouteNotFound(err); got != want || !IsNotFound(err) {
			t.Errorf("%s: RouteNotFound %v (IsNotFound %v), want %v", body, got, IsNotFound(err), want)
		}
	}
	s := newServer(t, answer{status: 403, body: `{"error":"404 Not Found"}`})
	if _, err := newTestClient(t, s.URL).GetJob(context.Background(), "1", 2); RouteNotFound(err) {
		t.Error("a 403 is no missing route")
	}
}
