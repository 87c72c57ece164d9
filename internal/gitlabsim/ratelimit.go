package gitlabsim

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The rate limiter (Options.RateLimit, SetRateLimit), consulted by
// serveWithFaults (faults.go) after the faults' latency, and Rack::Attack's
// 429 answer, which an injected FaultRateLimited gives too.

// RateLimit throttles the API as GitLab's Rack::Attack API throttles do
// (lib/gitlab/rack_attack.rb), over fixed one-minute windows of the
// simulator's clock (Options.Now), so tests move past a window by advancing
// a Clock. Every request counts, rejected ones too; once a window holds more
// than PerMinute, requests are answered 429 until the next one.
type RateLimit struct {
	// PerMinute is how many requests a window allows; 0 (or less) is no limit.
	PerMinute int
	// PerToken gives each token its own budget (requests without one: each
	// client IP), as GitLab's throttle_authenticated_api (per user) and
	// throttle_unauthenticated_api (per IP) do; false is one budget for all
	// requests.
	PerToken bool
}

type rateWindow struct {
	start int64 // Unix time of the window's start
	count int
}

// SetRateLimit replaces the rate limit; RateLimit{} removes it. Counts start afresh.
func (s *Sim) SetRateLimit(rl RateLimit) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.limit = rl
	s.faults.windows = map[string]*rateWindow{}
}

// defaultThrottleLimit is the RateLimit-Limit of an injected 429 without a
// rate limit set: GitLab's default authenticated API throttle (7200 per
// hour) per minute.
const defaultThrottleLimit = 120

func (s *Sim) rateLimit() RateLimit {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.limit
}

// throttled counts the request against the rate limit and, when it is over,
// answers 429 and reports true.
func (s *Sim) throttled(pattern string, w http.ResponseWriter, r *http.Request) bool {
	fs := &s.faults
	fs.mu.Lock()
	limit := fs.limit
	if limit.PerMinute <= 0 {
		fs.mu.Unlock()
		return false
	}
	const period = 60
	now := s.opts.Now().Unix()
	start := now - ((now%period)+period)%period
	key := "*"
	if limit.PerToken {
		key = discriminator(r)
	}
	win := fs.windows[key]
	if win == nil || win.start != start {
		win = &rateWindow{start: start}
		fs.windows[key] = win
	}
	win.count++
	count := win.count
	if count <= limit.PerMinute {
		fs.mu.Unlock()
		return false
	}
	fs.events = append(fs.events, FaultEvent{Route: pattern, Method: r.Method, Path: r.URL.EscapedPath(),
		Kind: FaultRateLimited, Status: http.StatusTooManyRequests, RateLimiter: true})
	fs.mu.Unlock()
	writeThrottled(w, throttleName(r), limit.PerMinute, count, now, start+period-now, nil)
	return true
}

// credential is the token a request carries, wherever it carries it (as
// the authentication of auth.go reads them), or "".
func credential(r *http.Request) string {
	q := r.URL.Query()
	bearer := ""
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		bearer = strings.TrimSpace(h[7:])
	}
	return firstNonEmpty(r.Header.Get("PRIVATE-TOKEN"), q.Get("private_token"), r.Header.Get("JOB-TOKEN"), q.Get("job_token"), bearer)
}

// discriminator is a per-token rate limit's key: the token, else the client's IP.
func discriminator(r *http.Request) string {
	if c := credential(r); c != "" {
		return "token:" + c
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

func throttleName(r *http.Request) string {
	if credential(r) != "" {
		return "throttle_authenticated_api"
	}
	return "throttle_unauthenticated_api"
}

// writeThrottled is Rack::Attack's throttled response as GitLab configures
// it (Gitlab::RackAttack.throttled_response_headers, a one-minute period):
// 429, text/plain "Retry later\n" (the default rate_limiting_response_text)
// and the RateLimit headers. now is the Unix time, retryAfter in seconds.
// The API's own headers are not set: Rack::Attack answers before the API.
func writeThrottled(w http.ResponseWriter, name string, limit, observed int, now, retryAfter int64, extra http.Header) {
	h := w.Header()
	h.Set("Content-Type", "text/plain")
	reset := time.Unix(now+retryAfter, 0).UTC()
	h.Set("RateLimit-Name", name)
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Observed", strconv.Itoa(observed))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(limit-observed, 0)))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", reset.Format(http.TimeFormat))
	h.Set("Retry-After", strconv.FormatInt(retryAfter, 10))
	applyHeader(h, extra)
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Retry later\n"))
}
