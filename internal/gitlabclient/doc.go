// Package gitlabclient is the provider's one way to talk to GitLab's REST API.
// It wraps client-go (gitlab.com/gitlab-org/api/client-go) so that:
//
//   - a request is re-sent only when that cannot apply it twice,
//   - rate-limit answers (429, Retry-After, RateLimit-Reset) are honoured,
//   - GitLab's errors become *APIError values that keep GitLab's message
//     (also for 404, whose body client-go discards) and never hold a token,
//   - fields client-go lacks are decoded into this package's own types.
//
// # Retry policy
//
// Retries happen in one place, an http.RoundTripper under client-go
// (retryTransport), so every request — this package's methods and calls made
// through GitLab() — follows the same rules. client-go's own retry loop
// (go-retryablehttp) is switched off (RetryMax 0, CheckRetry always false):
// its default re-sends POSTs on 5xx, which for the job actions (play, retry)
// could create two jobs.
//
//   - GET and HEAD are retried on network errors, on 429 and on 5xx other
//     than 501, up to Config.Retries times.
//   - Every other method (POST, PUT, DELETE, PATCH) is retried only on 429
//     (GitLab's rate limiter rejects a request before the endpoint runs) or
//     when the request provably never reached the server: DNS failure,
//     connection refused and other dial errors, a failing proxy CONNECT, a
//     TLS handshake timeout. Never on 5xx, timeouts, connection resets or EOF
//     after the request was written: GitLab may have acted on it.
//   - Errors a retry cannot fix are not retried for any method: TLS
//     certificate verification failures, a TLS alert from the server, an
//     HTTPS request to a plain-HTTP port, an unknown host (NXDOMAIN: almost
//     always a typo in base_url, so fail fast instead of backing off).
//   - Waits: on 429 and 503 a Retry-After (seconds or HTTP-date) or
//     RateLimit-Reset (Unix time; small values are read as seconds from now)
//     header is honoured, plus a little jitter. RetryWaitMax bounds only our
//     own backoff: what the server explicitly asks for is honoured even when
//     longer, up to MaxServerWait (5 minutes). When the server asks for more
//     than that, or when the wait would run past the context's deadline, the
//     request is not retried and GitLab's answer is returned at once — a
//     clear "429 Too Many Requests" beats a stall that ends in "context
//     deadline exceeded". Without such a header the wait grows exponentially
//     from RetryWaitMin to RetryWaitMax, with jitter: 1-2 s, 2-4 s, 4-8 s, ...
//     up to 30 s with the defaults (which the provider uses).
//   - Cancelling the context ends a wait at once.
//   - When retries are exhausted the last answer is returned as is, so the
//     error is GitLab's (status and message), not "giving up after N attempts".
//   - client-go's client-side rate limiter is disabled: it configures itself
//     once, from the RateLimit-Limit header of whichever response comes
//     first, and then throttles every later request of the process, even
//     ones to endpoints with other limits. We react to 429s instead.
//   - Each attempt is logged at DEBUG with tflog (method, path, status or
//     error, attempt, duration; and the wait before a retry). Query strings,
//     headers and bodies are never logged, and the configured tokens are
//     masked in whatever is.
//   - An http.Client Timeout (Config.HTTPClient) bounds each attempt, not the
//     whole call with its retries.
//
// Redirects: the client built by New follows redirects only for GET and
// HEAD (Go would turn a redirected POST into a GET), and drops the
// credentials and the configured extra headers when a redirect leaves the
// API's host.
//
// # State-changing POSTs
//
// The job actions (actions.go) and the deployment approval (deployments.go)
// are sent at most once per proof they were not applied: settle (settle.go)
// re-reads after an ambiguous failure and sends again only when the re-read
// shows nothing was applied. deployments.go also finds a job's deployment
// (the job entity names none) and reads environments; trace.go reads a
// job's log from an offset for streaming.
package gitlabclient
