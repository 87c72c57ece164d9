package gitlabclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Config configures a Client. At most one of Token and JobToken may be set;
// with neither, requests are sent unauthenticated.
type Config struct {
	BaseURL    string            // GitLab URL, with or without /api/v4/; "" = https://gitlab.com/api/v4/
	Token      string            // personal/project/group access token or OAuth token, sent as "Authorization: Bearer"
	JobToken   string            // CI job token, sent as "JOB-TOKEN"
	CACertFile string            // PEM CA certificates to trust in addition to the system's
	ClientCert string            // PEM client certificate (mutual TLS); requires ClientKey
	ClientKey  string            // PEM private key of ClientCert
	Insecure   bool              // skip TLS certificate verification
	Retries    int               // retries of a request when retrying is safe (0 = none)
	Headers    map[string]string // extra headers on every request; may not be auth headers
	UserAgent  string            // "" = terraform-provider-gitlabjobs/dev

	// RetryWaitMin and RetryWaitMax bound the wait before a retry, which
	// doubles from RetryWaitMin to RetryWaitMax (with jitter); a Retry-After
	// or RateLimit-Reset of a 429 or 503 replaces it. Unset, they are 1s and
	// 30s; with only RetryWaitMax set below 1s, RetryWaitMin is RetryWaitMax.
	RetryWaitMin, RetryWaitMax time.Duration
	HTTPClient                 *http.Client // optional; built from the TLS settings when nil

	// Sleep waits d, or until ctx ends (returning its error): before a retry,
	// and before a job is looked at again after an action's ambiguous
	// failure. nil is a real timer; tests give a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client calls GitLab's REST API. It is safe for concurrent use.
type Client struct {
	gl       *gitlab.Client
	baseURL  string
	jobToken bool
	secrets  []string      // values that must never appear in errors or logs
	waitMin  time.Duration // the shortest wait before a retry (Config.RetryWaitMin)
	waitMax  time.Duration // the longest (Config.RetryWaitMax)
	sleep    func(ctx context.Context, d time.Duration) error
	// noTriggerJobs remembers that GitLab answered that it has no
	// trigger_jobs route (before 19.2): ListPipelineBridges then reads
	// /bridges at once.
	noTriggerJobs atomic.Bool
	// bridges holds the trigger jobs GetJob reads through their pipeline
	// (TrackBridge), by job ID.
	bridgesMu sync.Mutex
	bridges   map[int64]*trackedBridge
}

const (
	defaultBaseURL   = "https://gitlab.com/api/v4/"
	defaultUserAgent = "terraform-provider-gitlabjobs/dev"
	defaultWaitMin   = time.Second
	defaultWaitMax   = 30 * time.Second
)

// New validates cfg and builds a client. It does no network I/O.
func New(cfg Config) (*Client, error) {
	if cfg.Token != "" && cfg.JobToken != "" {
		return nil, errors.New("token and job_token are both set: set only one (job_token for a CI job token, token for any other token)")
	}
	if err := checkToken("token", cfg.Token); err != nil {
		return nil, err
	}
	if err := checkToken("job_token", cfg.JobToken); err != nil {
		return nil, err
	}
	baseURL, err := NormalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkHeaders(cfg.Headers); err != nil {
		return nil, err
	}
	if cfg.Retries < 0 {
		return nil, fmt.Errorf("retries must be 0 or more, got %d", cfg.Retries)
	}
	if cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < 0 {
		return nil, errors.New("retry waits must not be negative")
	}
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = defaultWaitMin
		if cfg.RetryWaitMax > 0 {
			cfg.RetryWaitMin = min(defaultWaitMin, cfg.RetryWaitMax)
		}
	}
	if cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMax = max(defaultWaitMax, cfg.RetryWaitMin)
	}
	if cfg.RetryWaitMin > cfg.RetryWaitMax {
		return nil, fmt.Errorf("the minimum retry wait (%s) exceeds the maximum (%s)", cfg.RetryWaitMin, cfg.RetryWaitMax)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if cfg.Sleep == nil {
		cfg.Sleep = Sleep
	}

	var secrets []string
	for _, s := range []string{cfg.Token, cfg.JobToken} {
		if s != "" {
			secrets = append(secrets, s)
		}
	}

	hc, err := httpClient(cfg, secrets)
	if err != nil {
		return nil, err
	}

	var auth gitlab.AuthSource = gitlab.Unauthenticated{}
	switch {
	case cfg.Token != "":
		auth = bearerAuth{token: cfg.Token}
	case cfg.JobToken != "":
		auth = gitlab.JobTokenAuthSource{Token: cfg.JobToken}
	}
	opts := []gitlab.ClientOptionFunc{
		gitlab.WithBaseURL(baseURL),
		gitlab.WithHTTPClient(hc),
		gitlab.WithUserAgent(cfg.UserAgent),
		// Retries are retryTransport's; client-go's loop sends each request once.
		gitlab.WithCustomRetry(neverRetry),
		gitlab.WithCustomRetryMax(0),
		gitlab.WithErrorHandler(closeOnError),
		// See the package documentation: the adaptive limiter misfires.
		gitlab.WithCustomLimiter(noLimit{}),
		gitlab.WithURLWarningLogger(slog.New(slog.DiscardHandler)),
	}
	if len(cfg.Headers) > 0 {
		headers := make(map[string]string, len(cfg.Headers))
		for k, v := range cfg.Headers {
			headers[k] = v
		}
		opts = append(opts, gitlab.WithRequestOptions(gitlab.WithHeaders(headers)))
	}
	gl, err := gitlab.NewAuthSourceClient(auth, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating the GitLab client: %w", err)
	}
	return &Client{gl: gl, baseURL: baseURL, jobToken: cfg.JobToken != "", secrets: secrets,
		waitMin: cfg.RetryWaitMin, waitMax: cfg.RetryWaitMax, sleep: cfg.Sleep}, nil
}

// Sleep waits d or until ctx ends (then it returns ctx's error): Config.Sleep's
// default, and the provider's pollers'.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryWaits are the client's bounds of the wait before a retry
// (Config.RetryWaitMin and RetryWaitMax after defaults).
func (c *Client) RetryWaits() (lo, hi time.Duration) { return c.waitMin, c.waitMax }

// bearerAuth sends a token as "Authorization: Bearer", which GitLab accepts
// for personal, project and group access tokens and for OAuth tokens.
type bearerAuth struct{ token string }

func (bearerAuth) Init(context.Context, *gitlab.Client) error { return nil }

func (a bearerAuth) Header(context.Context) (string, string, error) {
	return "Authorization", "Bearer " + a.token, nil
}

func neverRetry(context.Context, *http.Response, error) (bool, error) { return false, nil }

// closeOnError is go-retryablehttp's error handler: hand the error on, and
// close a response client-go would otherwise leak (it drops the response
// when there is an error).
func closeOnError(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return nil, err
}

type noLimit struct{}

func (noLimit) Wait(context.Context) error { return nil }

// checkToken refuses values that cannot be sent in a header, without ever
// echoing the value.
func checkToken(name, v string) error {
	for _, r := range v {
		if r <= ' ' || r >= 0x7f {
			return fmt.Errorf("%s contains whitespace or a non-ASCII or control character; check it was copied without spaces or a trailing newline", name)
		}
	}
	return nil
}

var authHeaders = map[string]bool{"authorization": true, "private-token": true, "job-token": true}

func checkHeaders(h map[string]string) error {
	for k, v := range h {
		switch {
		case authHeaders[strings.ToLower(k)]:
			return fmt.Errorf("headers: %q may not be set here; give credentials with token or job_token", k)
		case strings.EqualFold(k, "Host"):
			return errors.New(`headers: "Host" cannot be set; it follows from base_url`)
		case !validHeaderName(k):
			return fmt.Errorf("headers: %q is not a valid HTTP header name", k)
		case strings.ContainsAny(v, "\r\n\x00"):
			return fmt.Errorf("headers: the value of %q contains a line break or NUL", k)
		}
	}
	return nil
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return true
}

// httpClient builds the *http.Client client-go sends with: the caller's or a
// pooled one, with the TLS settings applied, the retrying transport on top,
// and safe redirects.
func httpClient(cfg Config, secrets []string) (*http.Client, error) {
	tlsCfg, err := tlsSettings(cfg)
	if err != nil {
		return nil, err
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient // a copy: never change the caller's client
	} else {
		hc = *cleanhttp.DefaultPooledClient()
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if tlsCfg != nil || cfg.HTTPClient == nil {
		t, ok := base.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("cannot apply cacert_file, client_cert, client_key or insecure to an HTTP client whose transport is a %T", base)
		}
		t = t.Clone()
		t.TLSClientConfig = mergeTLS(t.TLSClientConfig, tlsCfg)
		base = t
	}
	hc.Transport = &retryTransport{
		next:    base,
		retries: cfg.Retries,
		waitMin: cfg.RetryWaitMin,
		waitMax: cfg.RetryWaitMax,
		timeout: hc.Timeout,
		secrets: secrets,
		sleep:   cfg.Sleep,
	}
	// The client's Timeout bounds each attempt (retryTransport applies it),
	// not the whole call with its retries and waits.
	hc.Timeout = 0
	if hc.CheckRedirect == nil {
		hc.CheckRedirect = redirectPolicy(cfg.Headers)
	}
	return &hc, nil
}

// tlsOptions are the TLS settings of Config, loaded and checked.
type tlsOptions struct {
	roots    []*x509.Certificate
	certs    []tls.Certificate
	insecure bool
}

func tlsSettings(cfg Config) (*tlsOptions, error) {
	var o tlsOptions
	if cfg.CACertFile != "" {
		data, err := os.ReadFile(cfg.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("cacert_file: %w", err)
		}
		for rest := data; ; {
			var block *pem.Block
			if block, rest = pem.Decode(rest); block == nil {
				break
			}
			if block.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("cacert_file %q: a certificate does not parse: %w", cfg.CACertFile, err)
			}
			o.roots = append(o.roots, c)
		}
		if len(o.roots) == 0 {
			return nil, fmt.Errorf("cacert_file %q holds no PEM-encoded certificate (-----BEGIN CERTIFICATE-----)", cfg.CACertFile)
		}
	}
	switch {
	case cfg.ClientCert != "" && cfg.ClientKey == "":
		return nil, errors.New("client_key is required when client_cert is set: give the PEM file of the certificate's private key")
	case cfg.ClientKey != "" && cfg.ClientCert == "":
		return nil, errors.New("client_cert is required when client_key is set: give the PEM file of the client certificate")
	case cfg.ClientCert != "":
		cert, err := tls.LoadX509KeyPair(cfg.ClientCert, cfg.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("client_cert/client_key: %w", err)
		}
		o.certs = []tls.Certificate{cert}
	}
	o.insecure = cfg.Insecure
	if o.roots == nil && o.certs == nil && !o.insecure {
		return nil, nil
	}
	return &o, nil
}

func mergeTLS(base *tls.Config, o *tlsOptions) *tls.Config {
	c := base.Clone()
	if c == nil {
		c = &tls.Config{}
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	if o == nil {
		return c
	}
	if len(o.roots) > 0 {
		pool := c.RootCAs
		if pool == nil {
			if sys, err := x509.SystemCertPool(); err == nil && sys != nil {
				pool = sys
			} else {
				pool = x509.NewCertPool()
			}
		} else {
			pool = pool.Clone()
		}
		for _, r := range o.roots {
			pool.AddCert(r)
		}
		c.RootCAs = pool
	}
	if len(o.certs) > 0 {
		c.Certificates = append(c.Certificates[:len(c.Certificates):len(c.Certificates)], o.certs...)
	}
	if o.insecure {
		c.InsecureSkipVerify = true //nolint:gosec // the user asked for it with insecure = true
	}
	return c
}

// redirectPolicy follows redirects of GET and HEAD only (net/http would
// re-send a redirected POST as a GET), and strips credentials and the extra
// headers when a redirect leaves the original host: net/http drops
// Authorization then, but not JOB-TOKEN, PRIVATE-TOKEN or custom headers.
func redirectPolicy(extra map[string]string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		first := via[0]
		if first.Method != http.MethodGet && first.Method != http.MethodHead {
			return fmt.Errorf("GitLab answered with a redirect to %s://%s%s, which is not followed for a %s (check base_url: it should be the URL GitLab redirects to)",
				req.URL.Scheme, req.URL.Host, req.URL.EscapedPath(), first.Method)
		}
		if req.URL.Host != first.URL.Host || (first.URL.Scheme == "https" && req.URL.Scheme != "https") {
			for _, h := range []string{"Authorization", "Private-Token", "Job-Token"} {
				req.Header.Del(h)
			}
			for k := range extra {
				req.Header.Del(k)
			}
		}
		return nil
	}
}

// BaseURL is the API URL requests go to, ending in /api/v4/.
func (c *Client) BaseURL() string { return c.baseURL }

// UsesJobToken reports whether the client authenticates with a CI job token.
func (c *Client) UsesJobToken() bool { return c.jobToken }

// GitLab is the configured client-go client, for endpoints this package does
// not wrap. Its requests follow the same retry policy (retries are done in
// its HTTP transport); its errors are client-go's, not *APIError.
func (c *Client) GitLab() *gitlab.Client { return c.gl }

// do sends method path (relative to the API root, already escaped, without
// a query) through client-go's public NewRequest/Do, decodes a 2xx answer
// into out (an io.Writer receives the raw body) and turns failures into
// *APIError or a request error.
func (c *Client) do(ctx context.Context, method, path string, body, out any, opts ...gitlab.RequestOptionFunc) (*gitlab.Response, error) {
	ex := &exchange{}
	ctx = context.WithValue(ctx, exchangeKey{}, ex)
	req, err := c.gl.NewRequest(method, path, body, append([]gitlab.RequestOptionFunc{gitlab.WithContext(ctx)}, opts...))
	if err != nil {
		return nil, c.requestError(method, path, 0, err)
	}
	resp, err := c.gl.Do(req, out)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNoContent && errors.Is(err, io.EOF) {
			return resp, nil // no content to decode into out
		}
		return resp, c.wrapError(method, path, resp, err, ex)
	}
	return resp, nil
}

// CurrentUser is GET /user: the user the token belongs to.
func (c *Client) CurrentUser(ctx context.Context) (*CurrentUser, error) {
	var u CurrentUser
	if _, err := c.do(ctx, http.MethodGet, "user", nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// JobTokenJob is GET /job: the job the client's CI job token belongs to.
func (c *Client) JobTokenJob(ctx context.Context) (*Job, error) {
	var j Job
	if _, err := c.do(ctx, http.MethodGet, "job", nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// GetJob is GET /projects/:id/jobs/:job_id. project is a numeric ID or a
// full path (see ParseProject).
func (c *Client) GetJob(ctx context.Context, project string, jobID int64) (*Job, error) {
	path, err := jobPath(project, jobID, "")
	if err != nil {
		return nil, err
	}
	var j Job
	if _, err := c.do(ctx, http.MethodGet, path, nil, &j); err != nil {
		if pipelineID, ok := c.trackedBridge(jobID); ok && IsNotFound(err) && !RouteNotFound(err) {
			return c.getBridge(ctx, project, pipelineID, jobID, err)
		}
		return nil, err
	}
	return &j, nil
}

// TrackBridge tells the client that jobID is (or may be) a trigger job
// (bridge) of pipeline pipelineID. GitLab's GET /projects/:id/jobs/:job_id
// finds builds only (find_build!) and answers 404 for a bridge; GetJob then
// reads a tracked job from its pipeline's trigger job list instead, so the
// actions that read a job before and after acting (play) work on bridges.
// Job IDs are unique across GitLab, so tracking one cannot mislead a read
// of another job.
func (c *Client) TrackBridge(jobID, pipelineID int64) {
	if jobID <= 0 || pipelineID <= 0 {
		return
	}
	c.bridgesMu.Lock()
	defer c.bridgesMu.Unlock()
	if c.bridges == nil {
		c.bridges = map[int64]*trackedBridge{}
	}
	if b := c.bridges[jobID]; b == nil || b.pipelineID != pipelineID {
		c.bridges[jobID] = &trackedBridge{pipelineID: pipelineID}
	}
}

// trackedBridge is a trigger job's pipeline and the job as last read.
type trackedBridge struct {
	pipelineID int64
	last       *Job
	downstream *DownstreamPipeline // as last seen; nil until it triggered one
}

// IsBridge reports whether GetJob read job jobID as a trigger job (through
// its pipeline's trigger job list): its newer runs are then in that list,
// not in the pipeline's job list.
func (c *Client) IsBridge(jobID int64) bool {
	c.bridgesMu.Lock()
	defer c.bridgesMu.Unlock()
	b := c.bridges[jobID]
	return b != nil && b.last != nil
}

// BridgeDownstream is the downstream pipeline of trigger job jobID as GetJob
// last read it, or nil when it was not read as a trigger job or has not
// triggered one.
func (c *Client) BridgeDownstream(jobID int64) *DownstreamPipeline {
	c.bridgesMu.Lock()
	defer c.bridgesMu.Unlock()
	if b := c.bridges[jobID]; b != nil && b.downstream != nil {
		d := *b.downstream
		return &d
	}
	return nil
}

func (c *Client) trackedBridge(jobID int64) (int64, bool) {
	c.bridgesMu.Lock()
	defer c.bridgesMu.Unlock()
	b, ok := c.bridges[jobID]
	if !ok {
		return 0, false
	}
	return b.pipelineID, true
}

// lastSeenBridge is a tracked trigger job as GetJob last read it, or nil. A
// retried bridge leaves its pipeline's list (which holds the latest
// attempts only), so after a retry only this copy tells its name and stage,
// to look for its new attempt.
func (c *Client) lastSeenBridge(jobID int64) *Job {
	c.bridgesMu.Lock()
	defer c.bridgesMu.Unlock()
	if b := c.bridges[jobID]; b != nil && b.last != nil {
		j := *b.last
		return &j
	}
	return nil
}

// getBridge finds trigger job jobID in its pipeline's list; notFound (the
// single-job read's 404) is returned when the list does not hold it. The
// list holds the newest runs only: a bridge that was retried is looked for
// again among the retried ones (include_retried, see
// listPipelineBridges), so that a later apply still finds the bridge it
// retried and, from it, its new run.
func (c *Client) getBridge(ctx context.Context, project string, pipelineID, jobID int64, notFound error) (*Job, error) {
	for _, retried := range []bool{false, true} {
		bridges, err := c.listPipelineBridges(ctx, project, pipelineID, nil, retried)
		if err != nil {
			return nil, fmt.Errorf("job %d is no build (%w), and reading it as a trigger job of pipeline %d failed: %w", jobID, notFound, pipelineID, err)
		}
		if j := c.seenBridge(bridges, jobID); j != nil {
			return j, nil
		}
	}
	return nil, notFound
}

// seenBridge is trigger job jobID of bridges, or nil, kept as last seen.
func (c *Client) seenBridge(bridges []*Bridge, jobID int64) *Job {
	for _, b := range bridges {
		if b.ID == jobID {
			j, seen := b.Job, b.Job
			c.bridgesMu.Lock()
			if t := c.bridges[jobID]; t != nil {
				t.last, t.downstream = &seen, b.DownstreamPipeline
			}
			c.bridgesMu.Unlock()
			return &j
		}
	}
	return nil
}

// GetJobTrace is GET /projects/:id/jobs/:job_id/trace: the job's log as
// GitLab stores it (with ANSI escapes and section markers). It is empty, not
// an error, when the job has no log.
func (c *Client) GetJobTrace(ctx context.Context, project string, jobID int64) ([]byte, error) {
	path, err := jobPath(project, jobID, "/trace")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := c.do(ctx, http.MethodGet, path, nil, &buf); err != nil {
		return nil, err
	}
	if buf.Len() == 0 {
		return []byte{}, nil
	}
	return buf.Bytes(), nil
}

func jobPath(project string, jobID int64, suffix string) (string, error) {
	p, err := ParseProject(project)
	if err != nil {
		return "", err
	}
	if jobID <= 0 {
		return "", fmt.Errorf("job ID must be a positive number, got %d", jobID)
	}
	return fmt.Sprintf("projects/%s/jobs/%d%s", p.Escaped(), jobID, suffix), nil
}
