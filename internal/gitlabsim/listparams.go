package gitlabsim

import (
	"math"
	"net/http"
	"slices"
	"strings"
)

// The query parameters of the list routes, validated as their Grape params
// blocks declare them (lib/api/ci/jobs.rb, lib/api/ci/pipelines.rb and
// lib/api/pagination_params.rb), with every error of one request joined in
// one 400 as Grape::Exceptions::ValidationErrors does. Grape validates after
// the route's before filters (authentication) and before its body runs (the
// project, the pipeline), so a bad parameter of a missing project is a 400.

// listParams are a list request's validated parameters.
type listParams struct {
	scope          map[string]bool // nil: no filter
	includeRetried bool
	// page and perPage are the values GitLab's params hold (default 1 and
	// 20, not yet clamped as Kaminari clamps them for the query), saturated
	// to the int64 range where Ruby's would be bignums.
	page, perPage int64
}

// scopeHash says how `scope` given as a hash (scope[k]=v) is coerced: the
// project jobs route (jobs.rb) takes its values, the pipeline routes
// (Ci::Helpers::PipelinesHelpers) make it ['unknown'], a 400.
type scopeHash int

const (
	scopeHashValues scopeHash = iota
	scopeHashInvalid
)

// readListParams validates the query of a list route; on failure it has
// written Grape's 400. pipelineRoute adds pipeline_id (a path parameter),
// includeRetried the pipeline jobs' include_retried (a trigger job route
// reads it undeclared).
func readListParams(w http.ResponseWriter, r *http.Request, hash scopeHash, pipelineRoute, includeRetried bool) (listParams, bool) {
	params := queryParams(r)
	var errs grapeErrors
	lp := listParams{page: 1, perPage: defaultPerPage}
	if pipelineRoute {
		if _, ok := rubyInteger(r.PathValue("pipeline_id")); !ok {
			errs.add("pipeline_id", "is invalid")
		}
	}
	if includeRetried {
		v, ok := boolValue(params, "include_retried")
		if !ok {
			errs.add("include_retried", "is invalid")
		}
		lp.includeRetried = v
	} else if pipelineRoute {
		// The trigger job routes do not declare include_retried, but hand
		// their params, undeclared ones uncoerced, to Ci::JobsFinder, whose
		// pipeline_jobs keeps retried jobs when params[:include_retried] is
		// truthy: any value but none (nil), "false" and "" too
		// (lib/api/ci/pipelines.rb, app/finders/ci/jobs_finder.rb).
		lp.includeRetried = params["include_retried"] != nil
	}
	if raw, present := params["scope"]; present {
		var values []string
		switch v := raw.(type) {
		case string:
			values = []string{v}
		case []any:
			for _, item := range v {
				s, ok := item.(string)
				if !ok {
					s = "unknown"
				}
				values = append(values, s)
			}
		case map[string]any:
			if hash == scopeHashInvalid {
				values = []string{"unknown"}
				break
			}
			for _, item := range v {
				s, ok := item.(string)
				if !ok {
					s = "unknown"
				}
				values = append(values, s)
			}
		}
		lp.scope = map[string]bool{}
		for _, s := range values {
			if !slices.Contains(scopeStatuses, s) {
				errs.add("scope", "does not have a valid value")
				break
			}
			lp.scope[s] = true
		}
		if len(lp.scope) == 0 {
			lp.scope = nil // an empty array filters nothing (filter_builds)
		}
	}
	readPagination(params, &lp, &errs)
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return listParams{}, false
	}
	return lp, true
}

// readPagination reads `use :pagination` (pagination_params.rb): page and
// per_page, Grape Integers, per_page not 0.
func readPagination(params map[string]any, lp *listParams, errs *grapeErrors) {
	if v, ok := integerParam(params, "page"); !ok {
		errs.add("page", "is invalid")
	} else if v != nil {
		lp.page = *v
	}
	if v, ok := integerParam(params, "per_page"); !ok {
		errs.add("per_page", "is invalid")
	} else if v != nil {
		if *v == 0 { // except_values: [0]
			errs.add("per_page", "has a value not allowed")
		}
		lp.perPage = *v
	}
}

// integerParam reads an optional Grape Integer parameter: nil when absent
// or blank (the default applies), ok false when it is not an integer.
func integerParam(params map[string]any, name string) (*int64, bool) {
	raw, present := params[name]
	if !present || raw == nil {
		return nil, true
	}
	s, isString := raw.(string)
	if !isString {
		return nil, false // an array or a hash
	}
	if strings.TrimSpace(s) == "" {
		return nil, true
	}
	n, ok := rubyInteger(s)
	if !ok {
		return nil, false
	}
	return &n, true
}

// rubyInteger parses a string as Ruby's Integer(s, 10) does (dry-types'
// Params::Integer, Grape's Integer coercion): surrounding whitespace, an
// optional sign, decimal digits with single underscores between them. Values
// beyond int64 saturate (Ruby's are bignums).
func rubyInteger(s string) (int64, bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, false
	}
	var n uint64
	overflow := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			if s[i-1] == '_' {
				return 0, false
			}
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxInt64-uint64(c-'0'))/10 {
			overflow = true
			continue
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case overflow && neg:
		return math.MinInt64, true
	case overflow:
		return math.MaxInt64, true
	case neg:
		return -int64(n), true
	}
	return int64(n), true
}

// offsetLimit is GitLab's default plan limit offset_pagination_limit: offset
// pagination of relations that support keyset pagination (project jobs:
// Ci::Build) stops there (API::Helpers::PaginationStrategies#offset_paginator).
const offsetLimit = 50000

// offsetLimitExceeded is offset_limit_exceeded?: params[:page] *
// params[:per_page] > the limit, with the values as given (per_page not yet
// clamped to 100, page not yet raised to 1).
func offsetLimitExceeded(page, perPage int64) bool {
	hi, lo := mulInt64(page, perPage)
	return hi || lo > offsetLimit
}

// mulInt64 multiplies, saying whether the product is beyond int64 upwards
// (a positive overflow); a negative overflow comes back as math.MinInt64.
func mulInt64(a, b int64) (over bool, p int64) {
	if a == 0 || b == 0 {
		return false, 0
	}
	p = a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		if (a > 0) == (b > 0) {
			return true, math.MaxInt64
		}
		return false, math.MinInt64
	}
	return false, p
}

// writeOffsetLimitExceeded is the 405 of offset_paginator, Grape's error!
// with a string: {"error": ...}.
func writeOffsetLimitExceeded(w http.ResponseWriter) {
	grapeError(w, http.StatusMethodNotAllowed, "Offset pagination has a maximum allowed offset of 50000 for requests "+
		"that return objects of type Ci::Build. Remaining records can be retrieved using keyset pagination.")
}

// keysetOrderSupported is Gitlab::Pagination::CursorBasedKeyset's
// order_satisfied? for Ci::Build: order_by (default id) and sort (default
// desc) must be id and desc.
func keysetOrderSupported(r *http.Request) bool {
	q := r.URL.Query()
	last := func(k, def string) string {
		if vs, ok := q[k]; ok && len(vs) > 0 {
			return vs[len(vs)-1]
		}
		return def
	}
	return last("order_by", "id") == "id" && last("sort", "desc") == "desc"
}

// readPageParams reads `use :pagination` (page, per_page) of a list route
// without other parameters; on failure it has answered Grape's 400.
func readPageParams(w http.ResponseWriter, r *http.Request) (listParams, bool) {
	params := queryParams(r)
	var errs grapeErrors
	lp := listParams{page: 1, perPage: defaultPerPage}
	readPagination(params, &lp, &errs)
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return listParams{}, false
	}
	return lp, true
}
