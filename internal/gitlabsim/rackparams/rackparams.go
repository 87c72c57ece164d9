// Package rackparams parses query strings, form bodies and multipart
// fields into nested parameters as Rack 2.2 (under GitLab's Grape API)
// does: a[]=x appends, a[][k]=v builds an array of hashes (a new hash
// starts when the last one has k already), a[k]=v a hash. It knows nothing
// of HTTP handlers or the simulator's store; gitlabsim's params.go reads
// requests with it and applies Grape's coercions.
package rackparams

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
)

// MultipartFields is a multipart body's non-file fields as a query string,
// in the body's order (Rack's multipart parser nests them in that order).
func MultipartFields(body []byte, boundary string) (string, error) {
	if boundary == "" {
		return "", errors.New("no multipart boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var pairs []string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return strings.Join(pairs, "&"), nil
		}
		if err != nil {
			return "", err
		}
		if part.FileName() != "" {
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, 1<<20))
		if err != nil {
			return "", err
		}
		pairs = append(pairs, url.QueryEscape(part.FormName())+"="+url.QueryEscape(string(value)))
	}
}

// Parse adds the pairs of a query string (or form body) to params as
// Rack 2.2's Rack::QueryParser#parse_nested_query does (GitLab runs Rack
// 2.2): pairs split at "&" or ";" (and the spaces after them), a key
// without "=" has a nil value, and keys nest as normalize says. It
// returns what Rack raises: an invalid %-escape (InvalidParameterError), a
// key used both as a list and a hash or scalar (ParameterTypeError), or
// nesting deeper than 100 (ParamsTooDeepError). GitLab's
// HandleMalformedStrings middleware answers those with a 400 before any
// route runs (malformedRequest); params is then incomplete.
func Parse(params map[string]any, query string) error {
	for _, pair := range separators.Split(query, -1) {
		if pair == "" {
			continue
		}
		k, v, hasValue := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return err
		}
		var value any
		if hasValue {
			s, err := url.QueryUnescape(v)
			if err != nil {
				return err
			}
			value = s
		}
		if _, err := normalize(params, key, value, depthLimit); err != nil {
			return err
		}
	}
	return nil
}

// separators is Rack 2.2's DEFAULT_SEP, /[&;] */n.
var separators = regexp.MustCompile(`[&;] *`)

// keyPattern is the key part of a parameter name in normalize_params:
// %r(\A[\[\]]*([^\[\]]+)\]*); what follows the match is "after".
var keyPattern = regexp.MustCompile(`^[\[\]]*([^\[\]]+)\]*`)

// Ruby's ^ and $ match at line ends, hence (?m).
var (
	arrayOfHashes = regexp.MustCompile(`(?m)^\[\]\[([^\[\]]+)\]$`)
	arrayNested   = regexp.MustCompile(`(?m)^\[\](.+)$`)
	keySplit      = regexp.MustCompile(`[\[\]]+`)
)

// ErrInvalid is what Rack raises for parameters it cannot nest.
var ErrInvalid = errors.New("invalid query parameters")

// normalize is Rack 2.2's Rack::QueryParser#normalize_params, line by
// line; its result is what the Ruby method returns (params, an Array, or
// nil).
func normalize(params map[string]any, name string, v any, depth int) (any, error) {
	if depth <= 0 {
		return nil, ErrInvalid // ParamsTooDeepError
	}
	var k, after string
	if m := keyPattern.FindStringSubmatchIndex(name); m != nil {
		k, after = name[m[2]:m[3]], name[m[1]:]
	}
	if k == "" {
		if v != nil && name == "[]" {
			return []any{v}, nil
		}
		return nil, nil
	}
	switch {
	case after == "":
		params[k] = v
	case after == "[":
		params[name] = v
	case after == "[]":
		if params[k] == nil {
			params[k] = []any{}
		}
		list, ok := params[k].([]any)
		if !ok {
			return nil, ErrInvalid // ParameterTypeError
		}
		params[k] = append(list, v)
	case arrayOfHashes.MatchString(after) || arrayNested.MatchString(after):
		md := arrayOfHashes.FindStringSubmatch(after)
		if md == nil {
			md = arrayNested.FindStringSubmatch(after)
		}
		childKey := md[1]
		if params[k] == nil {
			params[k] = []any{}
		}
		list, ok := params[k].([]any)
		if !ok {
			return nil, ErrInvalid // ParameterTypeError
		}
		if n := len(list); n > 0 {
			if last, isHash := list[n-1].(map[string]any); isHash && !hashHasKey(last, childKey) {
				if _, err := normalize(last, childKey, v, depth-1); err != nil {
					return nil, err
				}
				return params, nil
			}
		}
		child, err := normalize(map[string]any{}, childKey, v, depth-1)
		if err != nil {
			return nil, err
		}
		params[k] = append(list, child)
	default:
		if params[k] == nil {
			params[k] = map[string]any{}
		}
		hash, ok := params[k].(map[string]any)
		if !ok {
			return nil, ErrInvalid // ParameterTypeError
		}
		nested, err := normalize(hash, after, v, depth-1)
		if err != nil {
			return nil, err
		}
		params[k] = nested
	}
	return params, nil
}

// hashHasKey is Rack 2.2's params_hash_has_key?.
func hashHasKey(hash map[string]any, key string) bool {
	if strings.Contains(key, "[]") {
		return false
	}
	var h any = hash
	for _, part := range keySplit.Split(key, -1) {
		if part == "" {
			continue
		}
		m, ok := h.(map[string]any)
		if !ok {
			return false
		}
		if h, ok = m[part]; !ok {
			return false
		}
	}
	return true
}

// depthLimit is Rack 2.2's default param_depth_limit.
const depthLimit = 100
