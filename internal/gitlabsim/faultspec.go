package gitlabsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The standalone simulator's -fault syntax (cmd/gitlabsim).

// ParseFault reads a fault from the standalone simulator's -fault syntax:
//
//	ROUTE:KIND[:OPTION]...
//
// ROUTE is a route pattern ("POST /api/v4/projects/{id}/jobs/{job_id}/play"),
// a pattern's path (any method), a bare method ("POST": every route of it),
// or "*" or "" for every route. KIND is an error status ("500", "502",
// "503", "504": answered before the endpoint runs), a status with "-after"
// ("502-after": answered after it applied the request), "reset",
// "reset-after", "429" (or "rate-limited") or "latency". OPTIONs are
// p=PROBABILITY, calls=N[,N...], retry-after=DURATION (or whole seconds),
// latency=DURATION and method=METHOD. For example:
//
//	POST /api/v4/projects/{id}/jobs/{job_id}/play:reset-after:p=0.2
//	*:503:calls=1,2
//	GET:429:retry-after=2s:p=0.05
func ParseFault(spec string) (Fault, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 {
		return Fault{}, fmt.Errorf("fault %q: want ROUTE:KIND[:OPTION]..., e.g. %q", spec, "POST /api/v4/projects/{id}/jobs/{job_id}/play:reset-after:p=0.2")
	}
	var f Fault
	route := strings.TrimSpace(parts[0])
	switch {
	case route == "*" || route == "":
	case isMethod(route):
		f.Method = route
	default:
		f.Route = route
	}
	kind := strings.ToLower(strings.TrimSpace(parts[1]))
	switch kind {
	case "reset":
		f.Kind = FaultReset
	case "reset-after":
		f.Kind = FaultResetAfter
	case "429", "rate-limited":
		f.Kind = FaultRateLimited
	case "latency":
		f.Kind = FaultLatency
	case "status-after":
		f.Kind = FaultStatusAfter
	default:
		code, after := strings.CutSuffix(kind, "-after")
		n, err := strconv.Atoi(code)
		if err != nil || n < 400 || n > 599 {
			return Fault{}, fmt.Errorf("fault %q: unknown kind %q (want an error status such as 502, a status with -after, reset, reset-after, 429 or latency)", spec, parts[1])
		}
		f.Kind, f.Status = FaultStatus, n
		if after {
			f.Kind = FaultStatusAfter
		}
	}
	for _, opt := range parts[2:] {
		k, v, ok := strings.Cut(strings.TrimSpace(opt), "=")
		if !ok {
			return Fault{}, fmt.Errorf("fault %q: option %q is not NAME=VALUE", spec, opt)
		}
		var err error
		switch strings.ToLower(k) {
		case "p", "probability":
			f.Probability, err = strconv.ParseFloat(v, 64)
		case "calls", "call":
			for _, c := range strings.Split(v, ",") {
				var n int
				if n, err = strconv.Atoi(strings.TrimSpace(c)); err != nil {
					break
				}
				f.Calls = append(f.Calls, n)
			}
		case "retry-after":
			f.RetryAfter, err = parseSeconds(v)
		case "latency":
			f.Latency, err = time.ParseDuration(v)
		case "method":
			f.Method = strings.ToUpper(v)
		default:
			err = fmt.Errorf("unknown option (want p, calls, retry-after, latency or method)")
		}
		if err != nil {
			return Fault{}, fmt.Errorf("fault %q: option %q: %w", spec, opt, err)
		}
	}
	return f, nil
}

func isMethod(s string) bool {
	switch s {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// parseSeconds reads a duration ("1500ms") or whole seconds ("2").
func parseSeconds(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(v)
}
