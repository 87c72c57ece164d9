package gitlabclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// APIError is a non-2xx answer from GitLab. Path is the request's path below
// the API root, without the query (which could carry a token); Message is
// GitLab's message from the body ({"message": ...} or {"error": ...}), or a
// note that the server did not answer like GitLab's API.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Message    string
	// noRoute is GitLab's catch-all route's answer (lib/api/api.rb:
	// error!('404 Not Found', 404), {"error":"404 Not Found"}): the GitLab
	// has no such route, unlike a 404 of a missing project, pipeline or
	// job ({"message": "404 ... Not Found"}).
	noRoute bool
}

// RouteNotFound reports whether err is GitLab's answer to a route it does
// not have (an older GitLab), not to a missing project, pipeline or job.
func RouteNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.noRoute
}

// isNoRoute tells the catch-all route's body: exactly {"error":"404 Not Found"}.
func isNoRoute(status int, body []byte) bool {
	if status != http.StatusNotFound {
		return false
	}
	var v map[string]any
	if json.Unmarshal(bytes.TrimSpace(body), &v) != nil || len(v) != 1 {
		return false
	}
	return v["error"] == "404 Not Found"
}

// Error is like "GET /projects/1/jobs/2: 403 Forbidden - Job is not retryable".
func (e *APIError) Error() string {
	status := strconv.Itoa(e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		status += " " + t
	}
	switch {
	case e.Message == "":
		return fmt.Sprintf("%s %s: %s", e.Method, e.Path, status)
	case strings.HasPrefix(e.Message, strconv.Itoa(e.StatusCode)):
		// GitLab's messages usually start with the status: "404 Project Not Found".
		return fmt.Sprintf("%s %s: %s", e.Method, e.Path, e.Message)
	default:
		return fmt.Sprintf("%s %s: %s - %s", e.Method, e.Path, status, e.Message)
	}
}

// Is makes errors.Is(err, gitlab.ErrNotFound) true for a 404.
func (e *APIError) Is(target error) bool {
	return target == gitlab.ErrNotFound && e.StatusCode == http.StatusNotFound
}

// IsNotFound reports whether err is a 404 from GitLab.
func IsNotFound(err error) bool { return errors.Is(err, gitlab.ErrNotFound) }

// StatusCode is the HTTP status of GitLab's answer when err is an *APIError
// (or a client-go error with a response), else 0.
func StatusCode(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.StatusCode
	}
	var er *gitlab.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	if errors.Is(err, gitlab.ErrNotFound) {
		return http.StatusNotFound
	}
	return 0
}

// requestError is a request that got no usable answer from GitLab: it could
// not be sent, the connection failed, the context ended, or a 2xx body was
// not GitLab's JSON. Its text never holds the URL's query or a token.
type requestError struct {
	method, path string
	attempts     int
	msg          string // sanitized text of err, with a hint
	err          error
}

func (e *requestError) Error() string {
	s := fmt.Sprintf("%s %s: %s", e.method, e.path, e.msg)
	if e.attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.attempts)
	}
	return s
}

func (e *requestError) Unwrap() error { return e.err }

// exchange carries what the transport learned about a request to do():
// how many attempts it took and the start of the final error body (client-go
// discards a 404's body).
type exchange struct {
	attempts int
	body     []byte
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// wrapError turns client-go's error for method path into an *APIError (an
// answer with a non-2xx status) or a *requestError.
func (c *Client) wrapError(method, path string, resp *gitlab.Response, err error, ex *exchange) error {
	if resp == nil || resp.Response == nil {
		return c.requestError(method, path, ex.attempts, err)
	}
	status := resp.StatusCode
	if status >= 200 && status < 300 {
		ct := resp.Header.Get("Content-Type")
		if ct == "" {
			ct = "no content type"
		}
		msg := fmt.Sprintf("the server did not answer like GitLab's API (check base_url): %d with %s that does not decode (%v)", status, ct, err)
		return &requestError{method: method, path: cleanPath(path), attempts: ex.attempts, msg: c.redact(msg), err: err}
	}
	body := ex.body
	var er *gitlab.ErrorResponse
	if body == nil && errors.As(err, &er) {
		body = er.Body
	}
	return &APIError{
		Method:     method,
		Path:       cleanPath(path),
		StatusCode: status,
		Message:    c.redact(messageOf(status, resp.Header.Get("Content-Type"), body)),
		noRoute:    isNoRoute(status, body),
	}
}

func (c *Client) requestError(method, path string, attempts int, err error) error {
	inner := err
	var uerr *url.Error
	if errors.As(err, &uerr) {
		inner = uerr.Err // url.Error's text holds the full URL, query included
	}
	return &requestError{method: method, path: cleanPath(path), attempts: attempts, msg: c.redact(describe(inner)), err: inner}
}

func cleanPath(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return "/" + strings.TrimPrefix(p, "/")
}

// TransportFault is what went wrong with a request that got no HTTP answer,
// as far as retrying and explaining it go. permanent (retry.go), describe
// and the provider's start-up check all read it, so what is never retried
// and what the messages explain are one classification.
type TransportFault int

const (
	FaultOther            TransportFault = iota // anything else: may pass
	FaultUnknownAuthority                       // the server's certificate is signed by an unknown CA
	FaultHostname                               // the certificate is not for the host of base_url
	FaultCertificate                            // another certificate verification failure
	FaultPlainHTTP                              // TLS spoken to a plain-HTTP port
	FaultTLSAlert                               // a TLS alert ended the handshake (e.g. the server rejected our client certificate)
	FaultUnknownHost                            // the host does not exist (not a temporary DNS failure)
	FaultDial                                   // no connection could be opened: may pass
)

// ClassifyTransport classifies a transport error. A canceled or timed-out
// context is FaultOther: the caller gave up, nothing is wrong with GitLab.
func ClassifyTransport(err error) TransportFault {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return FaultOther
	case errors.As(err, &unknownAuthority), errors.As(err, &verify) && errors.As(verify.Err, &unknownAuthority):
		return FaultUnknownAuthority
	case errors.As(err, &hostname):
		return FaultHostname
	case errors.As(err, &invalid), errors.As(err, &verify):
		return FaultCertificate
	case errors.As(err, &record), errors.Is(err, http.ErrSchemeMismatch):
		return FaultPlainHTTP
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return FaultUnknownHost
	case errors.As(err, &alert):
		return FaultTLSAlert
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if op, ok := e.(*net.OpError); ok && op.Op == "remote error" { //nolint:errorlint // every *net.OpError of the chain, not only the first
			return FaultTLSAlert
		}
	}
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return FaultDial
	}
	return FaultOther
}

// permanent reports a fault a retry cannot fix.
func (f TransportFault) Permanent() bool { return f != FaultOther && f != FaultDial }

// describe renders a transport error with a hint at the usual cause.
func describe(err error) string {
	s := err.Error()
	switch ClassifyTransport(err) {
	case FaultUnknownAuthority:
		return "TLS certificate verification failed: " + s + " (if GitLab uses a private CA, set cacert_file to its PEM certificate; insecure = true skips verification)"
	case FaultHostname:
		return "TLS certificate verification failed: " + s + " (check the host in base_url)"
	case FaultCertificate:
		return "TLS certificate verification failed: " + s
	case FaultPlainHTTP:
		return s + " (base_url uses https:// but the server speaks plain HTTP on that port)"
	case FaultTLSAlert:
		return "the server refused the TLS connection: " + s + " (if GitLab requires a client certificate, set client_cert and client_key)"
	case FaultUnknownHost:
		return s + " (check the host in base_url)"
	case FaultDial:
		return "could not connect to GitLab: " + s + " (check base_url and the network)"
	}
	return s
}

var (
	tokenPattern  = regexp.MustCompile(`\bgl[a-z]{2,8}-[A-Za-z0-9_\-\.]{8,}`)
	tokenParam    = regexp.MustCompile(`(?i)\b((?:private|job|access|oauth|ci_job)?_?token)=[^&\s"'<>]+`)
	scriptOrStyle = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)\s*>`)
	htmlTag       = regexp.MustCompile(`(?s)<[^>]*>`)
)

// redact removes the client's tokens, and anything that looks like a GitLab
// token or a token query parameter, from s.
func (c *Client) redact(s string) string {
	for _, secret := range c.secrets {
		s = strings.ReplaceAll(s, secret, "[REDACTED]")
	}
	s = tokenPattern.ReplaceAllString(s, "[REDACTED]")
	return tokenParam.ReplaceAllString(s, "$1=[REDACTED]")
}

const excerptSize = 200

// messageOf extracts GitLab's message from an error body: {"message": ...}
// (a string, a list, or field errors), {"error": ..., "error_description":
// ...}. A body that is not GitLab's JSON (a proxy's HTML page, truncated
// JSON) gives a note that the server did not answer like GitLab's API and a
// short sanitized excerpt.
func messageOf(status int, contentType string, body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(body, &v); err == nil {
		switch v := v.(type) {
		case map[string]any:
			if m, ok := v["message"]; ok && m != nil {
				return flatten(m)
			}
			if m, ok := v["error"]; ok && m != nil {
				s := flatten(m)
				if d, ok := v["error_description"].(string); ok && d != "" {
					s += ": " + d
				}
				return s
			}
		case string:
			return v
		}
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if status == http.StatusTooManyRequests && mt == "text/plain" {
		// Rack::Attack answers GitLab's throttled requests with "Retry later".
		return excerpt(body)
	}
	if status >= 500 {
		// A load balancer's or proxy's error page: GitLab is down or overloaded.
		return "GitLab or a proxy in front of it is failing (try again later); it sent: " + excerpt(body)
	}
	return "the server did not answer like GitLab's API (check base_url); it sent: " + excerpt(body)
}

// flatten renders GitLab's message, which may be a string, a list, or a map
// of field errors ({"base": ["..."], "name": ["is invalid"]}).
func flatten(m any) string {
	switch v := m.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			parts = append(parts, flatten(x))
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(v))
		for _, k := range keys {
			if k == "base" {
				parts = append(parts, flatten(v[k]))
			} else {
				parts = append(parts, k+" "+flatten(v[k]))
			}
		}
		return strings.Join(parts, "; ")
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// excerpt is at most excerptSize bytes of body as readable text: HTML tags,
// scripts and styles removed, entities decoded, control characters and runs
// of whitespace turned into single spaces.
func excerpt(body []byte) string {
	s := string(body[:min(len(body), 16<<10)])
	if strings.Contains(s, "<") && htmlTag.MatchString(s) {
		s = scriptOrStyle.ReplaceAllString(s, " ")
		s = htmlTag.ReplaceAllString(s, " ")
		s = html.UnescapeString(s)
	}
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > excerptSize {
		cut := excerptSize
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	if s == "" {
		return "(an empty or unreadable body)"
	}
	return s
}

// Forbidden reasons GitLab gives in the body of a 403 to a job action
// (lib/api/ci/jobs.rb, lib/api/api_guard.rb).
const (
	reasonNotErasable  = "Job is not erasable!"
	reasonNotRetryable = "Job is not retryable"
	reasonScope        = "insufficient_scope"
)

// InsufficientScope reports whether err is GitLab's 403 for a token whose
// scopes do not cover the request (API::APIGuard: {"error":
// "insufficient_scope", ...}), e.g. a read_api token sending a POST.
func InsufficientScope(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusForbidden && strings.HasPrefix(e.Message, reasonScope)
}

// NotErasable reports whether err is GitLab's 403 "Job is not erasable!":
// the user may erase the job, but Ci::Build#erasable? is false (the job has
// not finished, or has no log and no artifacts left).
func NotErasable(err error) bool { return forbiddenFor(err, reasonNotErasable) }

// NotRetryable reports whether err is GitLab's 403 "Job is not retryable".
func NotRetryable(err error) bool { return forbiddenFor(err, reasonNotRetryable) }

// Forbidden reports whether err is GitLab's bare 403 (authorize! failed: the
// user lacks the permission), without a reason such as "Job is not
// erasable!" and not about the token's scope.
func Forbidden(err error) bool {
	var e *APIError
	if !errors.As(err, &e) || e.StatusCode != http.StatusForbidden {
		return false
	}
	return e.Message == "" || e.Message == "403 Forbidden"
}

func forbiddenFor(err error, reason string) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusForbidden && strings.HasSuffix(e.Message, reason)
}

// unwrapped is the Unwrap of an error that joins an outcome's error and its
// cause: those of them that are not nil, for errors.Is and errors.As.
func unwrapped(errs ...error) []error {
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}
