package gitlabclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestGetJobDecodesNullsAndArchived(t *testing.T) {
	s := newServer(t, answer{status: 200, body: jobJSON})
	job, err := newTestClient(t, s.URL).GetJob(context.Background(), "group/sub/project", 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.request(0).URL.EscapedPath(); got != "/api/v4/projects/group%2Fsub%2Fproject/jobs/7" {
		t.Errorf("path = %s", got)
	}
	if job.ID != 7 || job.Status != "failed" || !job.Archived || job.FailureReason != "script_failure" {
		t.Errorf("job = %+v", job)
	}
	if job.StartedAt != nil || job.FinishedAt != nil || job.Duration != nil || job.Coverage != nil || job.User != nil || job.Runner != nil || job.RunnerManager != nil || job.ArtifactsFile != nil {
		t.Errorf("nulls must decode to nil pointers: %+v", job)
	}
	if job.CreatedAt == nil || !job.CreatedAt.Equal(time.Date(2015, 12, 24, 15, 51, 21, 802e6, time.UTC)) {
		t.Errorf("created_at = %v", job.CreatedAt)
	}
	if job.QueuedDuration == nil || *job.QueuedDuration != 0.01 || job.Pipeline == nil || job.Pipeline.ID != 6 || job.Pipeline.Source != "push" {
		t.Errorf("job = %+v, pipeline %+v", job, job.Pipeline)
	}
	if len(job.TagList) != 2 || job.TagList[0] != "docker runner" || job.Project == nil {
		t.Errorf("job = %+v", job)
	}

	// Zero values are not null.
	s = newServer(t, answer{status: 200, body: `{"id":8,"coverage":0,"duration":0,"started_at":"2026-01-02T03:04:05Z","archived":false}`})
	job, err = newTestClient(t, s.URL).GetJob(context.Background(), "42", 8)
	if err != nil {
		t.Fatal(err)
	}
	if job.Coverage == nil || *job.Coverage != 0 || job.Duration == nil || job.StartedAt == nil || job.Archived {
		t.Errorf("job = %+v", job)
	}
}

func TestEndpoints(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			t.Errorf("%s %s", r.Method, r.URL)
		}
		switch r.URL.EscapedPath() {
		case "/gitlab/api/v4/user":
			fmt.Fprint(w, `{"id":1,"username":"root","name":"Administrator","state":"active","is_admin":true,"bot":false}`)
		case "/gitlab/api/v4/job":
			fmt.Fprint(w, jobJSON)
		case "/gitlab/api/v4/projects/g%2Fp/jobs/7/trace":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "\x1b[0KRunning with gitlab-runner\n$ echo hi\nhi\n")
		case "/gitlab/api/v4/projects/g%2Fp/jobs/8/trace":
			w.Header().Set("Content-Type", "text/plain")
		default:
			http.NotFound(w, r)
		}
	}))
	defer s.Close()
	c := newTestClient(t, s.URL+"/gitlab/")
	if c.BaseURL() != s.URL+"/gitlab/api/v4/" || c.UsesJobToken() || c.GitLab() == nil {
		t.Errorf("BaseURL %s, UsesJobToken %v", c.BaseURL(), c.UsesJobToken())
	}
	ctx := context.Background()
	u, err := c.CurrentUser(ctx)
	if err != nil || u.Username != "root" || !u.IsAdmin || u.ID != 1 {
		t.Errorf("CurrentUser = %+v, %v", u, err)
	}
	j, err := c.JobTokenJob(ctx)
	if err != nil || j.ID != 7 {
		t.Errorf("JobTokenJob = %+v, %v", j, err)
	}
	trace, err := c.GetJobTrace(ctx, "g/p", 7)
	if err != nil || string(trace) != "\x1b[0KRunning with gitlab-runner\n$ echo hi\nhi\n" {
		t.Errorf("GetJobTrace = %q, %v", trace, err)
	}
	trace, err = c.GetJobTrace(ctx, "g%2Fp", 8)
	if err != nil || trace == nil || len(trace) != 0 {
		t.Errorf("empty GetJobTrace = %q (nil %v), %v", trace, trace == nil, err)
	}
	if _, err := c.GetJobTrace(ctx, "g/p", 9); !IsNotFound(err) {
		t.Errorf("missing trace: %v", err)
	}
	for _, bad := range []struct {
		project string
		job     int64
	}{{"", 1}, {"project", 1}, {"g/p", 0}, {"g/p", -1}} {
		if _, err := c.GetJob(ctx, bad.project, bad.job); err == nil {
			t.Errorf("GetJob(%q, %d) must fail", bad.project, bad.job)
		}
		if _, err := c.GetJobTrace(ctx, bad.project, bad.job); err == nil {
			t.Errorf("GetJobTrace(%q, %d) must fail", bad.project, bad.job)
		}
	}
}

func TestAuthAndHeaders(t *testing.T) {
	var got http.Header
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		fmt.Fprint(w, jobJSON)
	}))
	defer s.Close()
	get := func(c *Client) http.Header {
		t.Helper()
		if _, err := c.GetJob(context.Background(), "1", 7); err != nil {
			t.Fatal(err)
		}
		return got
	}

	h := get(newTestClient(t, s.URL, func(c *Config) {
		c.Headers = map[string]string{"X-Proxy-Auth": "p", "cf-access-client-id": "id"}
		c.UserAgent = "terraform-provider-gitlabjobs/1.2.3"
	}))
	if h.Get("Authorization") != "Bearer "+testToken || h.Values("Job-Token") != nil || h.Values("Private-Token") != nil {
		t.Errorf("token auth: %v", h)
	}
	if h.Get("X-Proxy-Auth") != "p" || h.Get("Cf-Access-Client-Id") != "id" || h.Get("User-Agent") != "terraform-provider-gitlabjobs/1.2.3" || h.Get("Accept") != "application/json" {
		t.Errorf("headers: %v", h)
	}

	jc := newTestClient(t, s.URL, func(c *Config) { c.Token, c.JobToken = "", testJobToken })
	h = get(jc)
	if h.Get("JOB-TOKEN") != testJobToken || h.Values("Authorization") != nil || h.Values("Private-Token") != nil || !jc.UsesJobToken() {
		t.Errorf("job token auth: %v", h)
	}
	if h.Get("User-Agent") != "terraform-provider-gitlabjobs/dev" {
		t.Errorf("default User-Agent: %q", h.Get("User-Agent"))
	}

	h = get(newTestClient(t, s.URL, func(c *Config) { c.Token = "" }))
	for k := range h {
		if k == "" || strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Job-Token") || strings.EqualFold(k, "Private-Token") {
			t.Errorf("an unauthenticated request sent %q", k)
		}
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"both tokens", Config{Token: "a", JobToken: "b"}, "only one"},
		{"Authorization header", Config{Token: "x", Headers: map[string]string{"Authorization": "Basic x"}}, `"Authorization" may not be set`},
		{"authorization header", Config{Token: "x", Headers: map[string]string{"authorization": "v"}}, "may not be set"},
		{"PRIVATE-TOKEN header", Config{Token: "x", Headers: map[string]string{"PRIVATE-TOKEN": "v"}}, "may not be set"},
		{"Private-Token header", Config{Headers: map[string]string{"Private-Token": "v"}}, "may not be set"},
		{"job-token header", Config{JobToken: "x", Headers: map[string]string{"job-token": "v"}}, "may not be set"},
		{"Host header", Config{Headers: map[string]string{"Host": "v"}}, "Host"},
		{"bad header name", Config{Headers: map[string]string{"X Bad": "v"}}, "not a valid HTTP header name"},
		{"header value with newline", Config{Headers: map[string]string{"X-A": "v\r\nX-B: w"}}, "line break"},
		{"negative retries", Config{Retries: -1}, "retries"},
		{"waits reversed", Config{RetryWaitMin: time.Second, RetryWaitMax: time.Millisecond}, "exceeds"},
		{"bad base URL", Config{BaseURL: "gitlab.com"}, "base_url"},
		{"token with newline", Config{Token: testToken + "\n"}, "token contains whitespace"},
		{"job token with space", Config{JobToken: "a " + testJobToken}, "job_token contains whitespace"},
		{"missing CA file", Config{CACertFile: "/nonexistent/ca.pem"}, "cacert_file"},
		{"client cert without key", Config{ClientCert: "/nonexistent/cert.pem"}, "client_key"},
		{"client key without cert", Config{ClientKey: "/nonexistent/key.pem"}, "client_cert"},
		{"unreadable client cert", Config{ClientCert: "/nonexistent/cert.pem", ClientKey: "/nonexistent/key.pem"}, "client_cert/client_key"},
		{"TLS settings on a custom transport", Config{Insecure: true, HTTPClient: &http.Client{Transport: roundTripFunc(nil)}}, "cannot apply"},
	}
	for _, tt := range tests {
		c, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, %v; want an error with %q", tt.name, c, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), testJobToken) {
			t.Errorf("%s: the error holds the token: %v", tt.name, err)
		}
	}

	// Valid configurations, including an unauthenticated one.
	for _, cfg := range []Config{{}, {Token: testToken}, {JobToken: testJobToken}, {Headers: map[string]string{"X-A": "b"}}, {RetryWaitMax: time.Millisecond}} {
		c, err := New(cfg)
		if err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
			continue
		}
		if c.BaseURL() != "https://gitlab.com/api/v4/" {
			t.Errorf("BaseURL = %s", c.BaseURL())
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestInjectedClientIsNotChanged(t *testing.T) {
	hc := &http.Client{Timeout: time.Minute}
	if _, err := New(Config{HTTPClient: hc}); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil || hc.Timeout != time.Minute || hc.CheckRedirect != nil {
		t.Errorf("New changed the caller's client: %+v", hc)
	}
}

func TestRedirects(t *testing.T) {
	// Another host: the credentials and extra headers must not follow.
	var other http.Header
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other = r.Header.Clone()
		fmt.Fprint(w, jobJSON)
	}))
	defer elsewhere.Close()
	otherURL := strings.Replace(elsewhere.URL, "127.0.0.1", "localhost", 1)

	var posts int
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts++
		}
		http.Redirect(w, r, otherURL+r.URL.Path, http.StatusFound)
	}))
	defer s.Close()

	for _, mod := range []func(*Config){
		func(c *Config) { c.Token, c.JobToken = "", testJobToken },
		func(c *Config) {},
	} {
		c := newTestClient(t, s.URL, mod, func(c *Config) { c.Headers = map[string]string{"X-Secret-Header": "v"} })
		if _, err := c.GetJob(context.Background(), "1", 7); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"Job-Token", "Authorization", "Private-Token", "X-Secret-Header"} {
			if other.Get(h) != "" {
				t.Errorf("%s followed a redirect to another host", h)
			}
		}
	}

	// A redirected POST would become a GET: it is not followed.
	c := newTestClient(t, s.URL)
	_, err := c.do(context.Background(), http.MethodPost, "projects/1/jobs/7/play", nil, &Job{})
	if err == nil || !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), "base_url") || posts != 1 {
		t.Errorf("err = %v after %d POSTs", err, posts)
	}
}
