package gitlabclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// The retry policy: a request is sent again only when that cannot apply it twice.
//   - GET/HEAD: on network errors, 429 and 5xx (not 501).
//   - Anything else (the job actions are POSTs): only on 429, which GitLab
//     answers before doing anything, or when the request never left this
//     machine (it could not connect). Never on 5xx, timeouts or a connection
//     lost after sending: GitLab may have played or retried the job already.
// Waits honour Retry-After and RateLimit-Reset, else back off exponentially.

type retryPolicy struct {
	min, max time.Duration
}

// maxServerWait caps how long a Retry-After or RateLimit-Reset may make us
// wait, above the configured maximum backoff: the server knows best, up to a point.
const maxServerWait = 5 * time.Minute

// requestMethod finds the method of the request an answer or error belongs
// to: the answer's request, or net/http's *url.Error ("Get", "Post").
func requestMethod(resp *http.Response, err error) string {
	if resp != nil && resp.Request != nil {
		return resp.Request.Method
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return strings.ToUpper(uerr.Op)
	}
	return ""
}

// idempotent is false for an unknown method: when in doubt, do not re-send.
func idempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

func (p retryPolicy) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		if !retryableNetworkError(err) {
			return false, nil
		}
		return idempotent(requestMethod(resp, err)) || neverSent(err), nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return idempotent(requestMethod(resp, err)), nil
	}
	return false, nil
}

// retryableNetworkError is false for errors a retry cannot fix (TLS
// verification, bad URLs).
func retryableNetworkError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var recordHeader tls.RecordHeaderError
	return !errors.As(err, &unknownAuthority) && !errors.As(err, &hostname) &&
		!errors.As(err, &certInvalid) && !errors.As(err, &recordHeader)
}

// neverSent reports whether a request failed before any byte reached a
// server: it could not resolve or connect.
func neverSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

func (p retryPolicy) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := serverWait(resp.Header, time.Now()); ok {
			return min(d, maxServerWait)
		}
	}
	d := p.min << min(attempt, 30)
	if d <= 0 || d > p.max {
		d = p.max
	}
	// Full jitter in the upper half, so many clients do not retry in step.
	return d/2 + rand.N(d/2+1)
}

// serverWait reads how long the server asks us to wait.
func serverWait(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if v := h.Get("RateLimit-Reset"); v != "" {
		if epoch, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Unix(epoch, 0).Sub(now), 0), true
		}
	}
	return 0, false
}

// retryLogger sends retryablehttp's messages to tflog. They hold the method
// and URL; the URL's query (where a job_token could be) is never logged by
// client-go's requests, which put tokens in headers.
type retryLogger struct{}

func (retryLogger) Error(msg string, kv ...any) { tflog.Error(context.Background(), msg, fields(kv)) }
func (retryLogger) Info(msg string, kv ...any)  { tflog.Info(context.Background(), msg, fields(kv)) }
func (retryLogger) Debug(msg string, kv ...any) { tflog.Debug(context.Background(), msg, fields(kv)) }
func (retryLogger) Warn(msg string, kv ...any)  { tflog.Warn(context.Background(), msg, fields(kv)) }

func fields(kv []any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}

func sortStrings(s []string) { slices.Sort(s) }
