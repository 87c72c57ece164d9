package gitlabclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// MaxServerWait is the longest wait a Retry-After or RateLimit-Reset header
// can impose. It may exceed Config.RetryWaitMax: the server knows when it
// will take requests again. A server asking for longer gets its answer
// returned at once instead of a retry.
const MaxServerWait = 5 * time.Minute

const (
	errorBodyLimit = 64 << 10 // error bodies kept for the message
	drainLimit     = 64 << 10 // bytes read from a discarded response to reuse its connection
)

// retryTransport sends a request, and sends it again when the retry policy
// (see the package documentation) says that is safe.
type retryTransport struct {
	next             http.RoundTripper
	retries          int
	waitMin, waitMax time.Duration
	timeout          time.Duration // per attempt; 0 = none
	secrets          []string      // masked in logs
	sleep            func(ctx context.Context, d time.Duration) error
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if len(t.secrets) > 0 {
		ctx = tflog.MaskLogStrings(ctx, t.secrets...)
	}
	ex := exchangeFrom(ctx)
	method, path := req.Method, req.URL.EscapedPath()
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil

	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			r = req.Clone(req.Context())
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		start := time.Now()
		resp, err := t.send(r)
		fields := map[string]any{
			"method":      method,
			"path":        path,
			"attempt":     attempt,
			"duration_ms": time.Since(start).Milliseconds(),
		}
		if err != nil {
			fields["error"] = err.Error()
		} else {
			fields["status"] = resp.StatusCode
		}
		tflog.Debug(ctx, "GitLab API request", fields)
		if ex != nil {
			ex.attempts = attempt
		}

		retry, reason := t.shouldRetry(ctx, method, resp, err)
		if !retry || !replayable {
			return t.finish(resp, err, ex)
		}
		if attempt > t.retries {
			if t.retries > 0 {
				tflog.Debug(ctx, "GitLab API request: no retries left", fields)
			}
			return t.finish(resp, err, ex)
		}
		wait, ok := t.wait(attempt, resp)
		if !ok {
			fields["asked_wait"] = wait.String()
			tflog.Warn(ctx, "GitLab asks to wait longer than this provider waits before a retry; giving up", fields)
			return t.finish(resp, err, ex)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			fields["wait"] = wait.String()
			tflog.Debug(ctx, "GitLab API request: the retry wait would pass the deadline; giving up", fields)
			return t.finish(resp, err, ex)
		}
		fields["reason"] = reason
		fields["wait"] = wait.String()
		fields["wait_ms"] = wait.Milliseconds()
		tflog.Debug(ctx, "retrying GitLab API request", fields)
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
			resp.Body.Close()
		}
		pause := t.sleep
		if pause == nil {
			pause = Sleep
		}
		if err := pause(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// send is one attempt, bounded by the per-attempt timeout.
func (t *retryTransport) send(req *http.Request) (*http.Response, error) {
	if t.timeout <= 0 {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	// The attempt's context lives until the body is read or closed.
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.cancel()
	}
	return n, err
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// finish hands the final answer on, keeping the start of an error body for
// do() (client-go drops a 404's body).
func (t *retryTransport) finish(resp *http.Response, err error, ex *exchange) (*http.Response, error) {
	if err != nil || ex == nil || resp.StatusCode < 300 {
		return resp, err
	}
	head, rerr := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	ex.body = head
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), readerOrEmpty(resp.Body, rerr)), resp.Body}
	return resp, nil
}

func readerOrEmpty(r io.Reader, err error) io.Reader {
	if err != nil {
		return bytes.NewReader(nil)
	}
	return r
}

// safeMethod reports whether a request may be sent twice whatever happened
// to the first one. Unknown methods are not: when in doubt, do not re-send.
func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// shouldRetry is the retry policy; reason is for the log.
func (t *retryTransport) shouldRetry(ctx context.Context, method string, resp *http.Response, err error) (bool, string) {
	if ctx.Err() != nil {
		return false, ""
	}
	if err != nil {
		switch {
		case permanent(err):
			return false, ""
		case neverSent(err):
			return true, "the request was not sent: " + err.Error()
		case safeMethod(method):
			return true, "network error: " + err.Error()
		}
		return false, ""
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, "rate limited (429)"
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented && safeMethod(method):
		return true, "server error (" + strconv.Itoa(resp.StatusCode) + ")"
	}
	return false, ""
}

// permanent reports errors a retry cannot fix: TLS verification failures, a
// TLS alert from the server (e.g. it rejected our client certificate), TLS
// spoken to a plain-HTTP port, and an unknown host (ClassifyTransport,
// errors.go, which describe uses too).
func permanent(err error) bool { return ClassifyTransport(err).Permanent() }

// neverSent reports whether a request failed before any of it was written to
// GitLab: the name did not resolve, the connection (or the proxy tunnel)
// could not be opened, or the TLS handshake timed out.
func neverSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if op, ok := e.(*net.OpError); ok && (op.Op == "dial" || op.Op == "proxyconnect") { //nolint:errorlint // every *net.OpError of the chain
			return true
		}
	}
	return strings.Contains(err.Error(), "TLS handshake timeout")
}

// wait is how long to wait before retry number attempt (1 = first retry).
// ok is false when the server asks for more than MaxServerWait.
func (t *retryTransport) wait(attempt int, resp *http.Response) (d time.Duration, ok bool) {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, found := serverWait(resp.Header, time.Now()); found && d > 0 {
			if d > MaxServerWait {
				return d, false
			}
			// A little jitter, so that parallel requests do not all come back
			// at the same instant.
			return d + rand.N(min(t.waitMin, time.Second)/4+1), true
		}
	}
	return backoff(t.waitMin, t.waitMax, attempt), true
}

// backoff grows exponentially from waitMin to waitMax: retry n waits a random
// time between waitMin·2ⁿ⁻¹ and waitMin·2ⁿ, capped at waitMax.
func backoff(waitMin, waitMax time.Duration, attempt int) time.Duration {
	lo := waitMin
	for i := 1; i < attempt && lo < waitMax; i++ {
		lo *= 2
	}
	lo = min(lo, waitMax)
	hi := min(2*lo, waitMax)
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo+1)
}

// serverWait reads how long the server asks us to wait: Retry-After (seconds
// or an HTTP-date) or RateLimit-Reset (GitLab's Unix time at which the limit
// resets; a value too small to be a Unix time is read as seconds from now,
// as in the IETF RateLimit header draft). With both, the longer wins.
func serverWait(h http.Header, now time.Time) (time.Duration, bool) {
	var d time.Duration
	found := false
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			d, found = seconds(secs), true
		} else if at, err := http.ParseTime(v); err == nil {
			d, found = max(at.Sub(now), 0), true
		}
	}
	if v := strings.TrimSpace(h.Get("RateLimit-Reset")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			r := seconds(n)
			if n > 1_000_000_000 {
				r = max(time.Unix(n, 0).Sub(now), 0)
			}
			d, found = max(d, r), true
		}
	}
	return d, found
}

func seconds(n int64) time.Duration {
	if n > int64(24*time.Hour/time.Second) {
		return 24 * time.Hour // far beyond MaxServerWait; avoids overflow
	}
	return time.Duration(n) * time.Second
}
