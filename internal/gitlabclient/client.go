// Package gitlabclient is the provider's one way to talk to GitLab: a thin
// wrapper over client-go that retries only what is safe, never re-sends a job
// action whose fate is unknown, and maps GitLab's errors to typed errors.
package gitlabclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Config configures a Client. Exactly one of Token and JobToken may be set.
type Config struct {
	BaseURL    string            // GitLab URL, with or without /api/v4/; "" = https://gitlab.com/api/v4/
	Token      string            // personal/project/group access token or OAuth token (Authorization: Bearer)
	JobToken   string            // CI job token (JOB-TOKEN)
	CACertFile string            // PEM CA certificates to trust in addition to the system's
	ClientCert string            // PEM client certificate (mutual TLS); requires ClientKey
	ClientKey  string            // PEM private key of ClientCert
	Insecure   bool              // skip TLS verification
	Retries    int               // retries of a request when retrying is safe
	Headers    map[string]string // extra headers on every request
	UserAgent  string            // "" = terraform-provider-gitlabjobs/dev

	RetryWaitMin, RetryWaitMax time.Duration // backoff bounds; defaults 1s and 30s
	HTTPClient                 *http.Client  // optional; built from the TLS settings when nil
}

// Client calls GitLab's Jobs API.
type Client struct {
	gl       *gitlab.Client
	baseURL  string
	jobToken bool
}

const defaultBaseURL = "https://gitlab.com/api/v4/"

var authHeaders = map[string]bool{"authorization": true, "private-token": true, "job-token": true}

// New validates cfg and builds a client. It does no network I/O.
func New(cfg Config) (*Client, error) {
	if cfg.Token != "" && cfg.JobToken != "" {
		return nil, errors.New("set either token or job_token, not both")
	}
	baseURL, err := NormalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	for k := range cfg.Headers {
		if authHeaders[strings.ToLower(k)] {
			return nil, fmt.Errorf("headers: %q may not be set here; give credentials with token or job_token", k)
		}
	}
	if cfg.Retries < 0 {
		return nil, fmt.Errorf("retries must be 0 or more, got %d", cfg.Retries)
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = time.Second
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 30 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-gitlabjobs/dev"
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		if httpClient, err = newHTTPClient(cfg); err != nil {
			return nil, err
		}
	}
	// Keep GitLab's 404 message, which client-go's CheckResponse drops.
	hc := *httpClient
	hc.Transport = notFoundCapture{next: transportOf(httpClient)}

	policy := retryPolicy{min: cfg.RetryWaitMin, max: cfg.RetryWaitMax}
	opts := []gitlab.ClientOptionFunc{
		gitlab.WithBaseURL(baseURL),
		gitlab.WithHTTPClient(&hc),
		gitlab.WithUserAgent(cfg.UserAgent),
		gitlab.WithCustomRetry(policy.checkRetry),
		gitlab.WithCustomBackoff(policy.backoff),
		gitlab.WithCustomRetryMax(cfg.Retries),
		gitlab.WithCustomLeveledLogger(retryLogger{}),
	}
	if len(cfg.Headers) > 0 {
		opts = append(opts, gitlab.WithRequestOptions(gitlab.WithHeaders(cfg.Headers)))
	}
	var gl *gitlab.Client
	switch {
	case cfg.JobToken != "":
		gl, err = gitlab.NewJobClient(cfg.JobToken, opts...)
	default:
		gl, err = gitlab.NewAuthSourceClient(bearerAuth{token: cfg.Token}, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("creating the GitLab client: %w", err)
	}
	return &Client{gl: gl, baseURL: baseURL, jobToken: cfg.JobToken != ""}, nil
}

// bearerAuth sends a token as "Authorization: Bearer", which GitLab accepts
// for personal, project and group access tokens and for OAuth tokens.
type bearerAuth struct{ token string }

func (bearerAuth) Init(context.Context, *gitlab.Client) error { return nil }

func (a bearerAuth) Header(context.Context) (string, string, error) {
	if a.token == "" {
		// No credentials: send the request unauthenticated.
		return "", "", nil
	}
	return "Authorization", "Bearer " + a.token, nil
}

func newHTTPClient(cfg Config) (*http.Client, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.Insecure} //nolint:gosec // the user asked for it
	if cfg.CACertFile != "" {
		pem, err := os.ReadFile(cfg.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("cacert_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cacert_file %s holds no PEM certificate", cfg.CACertFile)
		}
		tlsCfg.RootCAs = pool
	}
	switch {
	case cfg.ClientCert != "" && cfg.ClientKey == "":
		return nil, errors.New("client_key is required with client_cert")
	case cfg.ClientKey != "" && cfg.ClientCert == "":
		return nil, errors.New("client_cert is required with client_key")
	case cfg.ClientCert != "":
		cert, err := tls.LoadX509KeyPair(cfg.ClientCert, cfg.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("client_cert/client_key: %w", err)
		}
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	c := cleanhttp.DefaultPooledClient()
	c.Transport.(*http.Transport).TLSClientConfig = tlsCfg
	return c, nil
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// NormalizeBaseURL turns a GitLab URL into its API URL ending in /api/v4/.
func NormalizeBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return defaultBaseURL, nil
	}
	if !strings.Contains(raw, "://") {
		return "", fmt.Errorf("base_url %q has no scheme: use https://%s", raw, strings.TrimPrefix(raw, "//"))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("base_url %q is not a URL: %v", raw, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("base_url %q: the scheme must be https (or http), not %q", raw, u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("base_url %q has no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("base_url %q may not have a query, fragment or user info: give only the URL, e.g. https://gitlab.example.com/api/v4/", raw)
	}
	p := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(p, "/api/v4"):
	case strings.Contains(p, "/api/v4/"):
		return "", fmt.Errorf("base_url %q points inside the API; give its root, ending in /api/v4/", raw)
	case strings.Contains(p, "/api/") || strings.HasSuffix(p, "/api") || strings.Contains(strings.ToLower(p), "apiv4") || strings.HasSuffix(strings.ToLower(p), "/api/v4"):
		return "", fmt.Errorf("base_url %q: the API path must be /api/v4/ (got %q)", raw, u.Path)
	default:
		p += "/api/v4"
	}
	u.Path = p + "/"
	u.RawPath = ""
	return u.String(), nil
}

// BaseURL is the API URL requests go to, ending in /api/v4/.
func (c *Client) BaseURL() string { return c.baseURL }

// UsesJobToken reports whether the client authenticates with a CI job token.
func (c *Client) UsesJobToken() bool { return c.jobToken }

// GitLab is the configured client-go client, for endpoints this package does not wrap.
func (c *Client) GitLab() *gitlab.Client { return c.gl }

// do sends a request built with client-go's public NewRequest/Do and decodes
// the answer into out (an io.Writer receives the raw body).
func (c *Client) do(ctx context.Context, method, path string, body, out any) (*gitlab.Response, error) {
	req, err := c.gl.NewRequest(method, path, body, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return nil, err
	}
	resp, err := c.gl.Do(req, out)
	if err != nil {
		return resp, apiError(method, path, resp, err)
	}
	return resp, nil
}

// CurrentUser is GET /user.
func (c *Client) CurrentUser(ctx context.Context) (*CurrentUser, error) {
	var u CurrentUser
	if _, err := c.do(ctx, http.MethodGet, "user", nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// JobTokenJob is GET /job: the job that owns the client's job token.
func (c *Client) JobTokenJob(ctx context.Context) (*Job, error) {
	var j Job
	if _, err := c.do(ctx, http.MethodGet, "job", nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// GetJob is GET /projects/:id/jobs/:job_id.
func (c *Client) GetJob(ctx context.Context, project string, jobID int64) (*Job, error) {
	p, err := ParseProject(project)
	if err != nil {
		return nil, err
	}
	var j Job
	if _, err := c.do(ctx, http.MethodGet, fmt.Sprintf("projects/%s/jobs/%d", p.Escaped(), jobID), nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// GetJobTrace is GET /projects/:id/jobs/:job_id/trace: the job's log (empty
// when it has none).
func (c *Client) GetJobTrace(ctx context.Context, project string, jobID int64) ([]byte, error) {
	p, err := ParseProject(project)
	if err != nil {
		return nil, err
	}
	var buf strings.Builder
	if _, err := c.do(ctx, http.MethodGet, fmt.Sprintf("projects/%s/jobs/%d/trace", p.Escaped(), jobID), nil, &buf); err != nil {
		return nil, err
	}
	return []byte(buf.String()), nil
}

var _ io.Writer = (*strings.Builder)(nil)
