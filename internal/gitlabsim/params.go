package gitlabsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Request parameters of the POST endpoints, read as Grape (over Rack) reads
// them: the query string, then a form or JSON object body merged over it.
// Nested form keys follow Rack: a[]=x appends, a[][k]=v builds an array of
// hashes (a new hash starts when the last one has k already), a[k]=v a hash.

// paramError is how reading parameters failed: the status and error body.
type paramError struct {
	status int
	text   string
}

// requestParams reads a request's parameters. JSON bodies that are not
// objects (null, arrays) add nothing, as Grape keeps them apart under _json.
func requestParams(r *http.Request) (map[string]any, *paramError) {
	params := map[string]any{}
	_ = rackParse(params, r.URL.RawQuery) // malformedRequest has refused what Rack cannot parse
	if r.Body == nil {
		return params, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, &paramError{http.StatusBadRequest, "could not read the request body"}
	}
	if len(body) == 0 {
		return params, nil
	}
	mediaType := "application/json" // the API's default format
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, mtParams, err := mime.ParseMediaType(ct)
		if err != nil {
			return nil, &paramError{http.StatusUnsupportedMediaType, "The provided content-type '" + ct + "' is not supported."}
		}
		mediaType = mt
		if mt == "multipart/form-data" {
			return multipartParams(params, r, body, mtParams["boundary"])
		}
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		_ = rackParse(params, string(body)) // as above
	case "application/json":
		// Grape's JSON parser raises InvalidMessageBody on malformed JSON.
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil || dec.More() {
			return nil, &paramError{http.StatusBadRequest, "message body does not match declared format"}
		}
		if m, ok := v.(map[string]any); ok {
			for k, val := range m {
				params[k] = val
			}
		}
	default:
		return nil, &paramError{http.StatusUnsupportedMediaType, "The provided content-type '" + mediaType + "' is not supported."}
	}
	return params, nil
}

// readParams is requestParams answering its failure (Grape's formatter
// error) itself; ok is false when it has.
func readParams(w http.ResponseWriter, r *http.Request) (params map[string]any, ok bool) {
	params, perr := requestParams(r)
	if perr != nil {
		writeJSON(w, perr.status, map[string]string{"error": perr.text})
		return nil, false
	}
	return params, true
}

func multipartParams(params map[string]any, r *http.Request, body []byte, boundary string) (map[string]any, *paramError) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, err := multipartFields(body, boundary)
	if err != nil {
		return nil, &paramError{http.StatusBadRequest, "the multipart body could not be read"}
	}
	_ = rackParse(params, form) // malformedRequest has refused what Rack cannot parse
	return params, nil
}

// multipartFields is a multipart body's non-file fields as a query string,
// in the body's order (Rack's multipart parser nests them in that order).
func multipartFields(body []byte, boundary string) (string, error) {
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

// rackParse adds the pairs of a query string (or form body) to params as
// Rack 2.2's Rack::QueryParser#parse_nested_query does (GitLab runs Rack
// 2.2): pairs split at "&" or ";" (and the spaces after them), a key
// without "=" has a nil value, and keys nest as normalizeParams says. It
// returns what Rack raises: an invalid %-escape (InvalidParameterError), a
// key used both as a list and a hash or scalar (ParameterTypeError), or
// nesting deeper than 100 (ParamsTooDeepError). GitLab's
// HandleMalformedStrings middleware answers those with a 400 before any
// route runs (malformedRequest); params is then incomplete.
func rackParse(params map[string]any, query string) error {
	for _, pair := range rackSeparators.Split(query, -1) {
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
		if _, err := normalizeParams(params, key, value, rackParamDepthLimit); err != nil {
			return err
		}
	}
	return nil
}

// rackSeparators is Rack 2.2's DEFAULT_SEP, /[&;] */n.
var rackSeparators = regexp.MustCompile(`[&;] *`)

// rackParamDepthLimit is Rack 2.2's default param_depth_limit.
const rackParamDepthLimit = 100

// rackKey is the key part of a parameter name in normalize_params:
// %r(\A[\[\]]*([^\[\]]+)\]*); what follows the match is "after".
var rackKey = regexp.MustCompile(`^[\[\]]*([^\[\]]+)\]*`)

// Ruby's ^ and $ match at line ends, hence (?m).
var (
	rackArrayOfHashes = regexp.MustCompile(`(?m)^\[\]\[([^\[\]]+)\]$`)
	rackArrayNested   = regexp.MustCompile(`(?m)^\[\](.+)$`)
	rackKeySplit      = regexp.MustCompile(`[\[\]]+`)
)

// errRackParams is what Rack raises for parameters it cannot nest.
var errRackParams = errors.New("invalid query parameters")

// normalizeParams is Rack 2.2's Rack::QueryParser#normalize_params, line by
// line; its result is what the Ruby method returns (params, an Array, or
// nil).
func normalizeParams(params map[string]any, name string, v any, depth int) (any, error) {
	if depth <= 0 {
		return nil, errRackParams // ParamsTooDeepError
	}
	var k, after string
	if m := rackKey.FindStringSubmatchIndex(name); m != nil {
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
			return nil, errRackParams // ParameterTypeError
		}
		params[k] = append(list, v)
	case rackArrayOfHashes.MatchString(after) || rackArrayNested.MatchString(after):
		md := rackArrayOfHashes.FindStringSubmatch(after)
		if md == nil {
			md = rackArrayNested.FindStringSubmatch(after)
		}
		childKey := md[1]
		if params[k] == nil {
			params[k] = []any{}
		}
		list, ok := params[k].([]any)
		if !ok {
			return nil, errRackParams // ParameterTypeError
		}
		if n := len(list); n > 0 {
			if last, isHash := list[n-1].(map[string]any); isHash && !rackHashHasKey(last, childKey) {
				if _, err := normalizeParams(last, childKey, v, depth-1); err != nil {
					return nil, err
				}
				return params, nil
			}
		}
		child, err := normalizeParams(map[string]any{}, childKey, v, depth-1)
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
			return nil, errRackParams // ParameterTypeError
		}
		nested, err := normalizeParams(hash, after, v, depth-1)
		if err != nil {
			return nil, err
		}
		params[k] = nested
	}
	return params, nil
}

// rackHashHasKey is Rack 2.2's params_hash_has_key?.
func rackHashHasKey(hash map[string]any, key string) bool {
	if strings.Contains(key, "[]") {
		return false
	}
	var h any = hash
	for _, part := range rackKeySplit.Split(key, -1) {
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

// boolValue reads an optional Grape Boolean parameter.
func boolValue(params map[string]any, name string) (value, ok bool) {
	switch v := params[name].(type) {
	case nil:
		return false, true
	case bool:
		return v, true
	case string:
		if v == "" {
			return false, true
		}
		if trueValues[v] {
			return true, true
		}
		if falseValues[v] {
			return false, true
		}
	case json.Number:
		if v.String() == "1" {
			return true, true
		}
		if v.String() == "0" {
			return false, true
		}
	}
	return false, false
}

// grapeErrors collects Grape's validation errors, grouped by parameter in
// the order first seen, as Grape::Exceptions::ValidationErrors does; its
// message is the "<param> <message>" list joined by ", ".
type grapeErrors struct {
	order []string
	msgs  map[string][]string
}

func (g *grapeErrors) add(param, msg string) {
	if g.msgs == nil {
		g.msgs = map[string][]string{}
	}
	if _, seen := g.msgs[param]; !seen {
		g.order = append(g.order, param)
	}
	g.msgs[param] = append(g.msgs[param], msg)
}

func (g *grapeErrors) message() string {
	var out []string
	seen := map[string]bool{}
	for _, p := range g.order {
		for _, m := range g.msgs[p] {
			if full := p + " " + m; !seen[full] {
				seen[full] = true
				out = append(out, full)
			}
		}
	}
	return strings.Join(out, ", ")
}

// jobVariablesParam validates job_variables_attributes as the play
// endpoint's params block declares it (optional Array; each item requires
// key and value of type String) and returns the variables. Grape coerces
// numbers and booleans to strings and rejects arrays and hashes; a present
// null passes both presence and coercion.
func jobVariablesParam(params map[string]any) ([]Variable, string) {
	const name = "job_variables_attributes"
	raw, present := params[name]
	if !present || raw == nil || raw == "" {
		return nil, ""
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, name + " is invalid"
	}
	var errs grapeErrors
	vars := make([]Variable, len(items))
	// Grape runs the validators in declaration order (presence and
	// coercion of key, then of value), each over every item.
	for _, field := range []string{"key", "value"} {
		for i, item := range items {
			m, isHash := item.(map[string]any)
			param := name + "[" + strconv.Itoa(i) + "][" + field + "]"
			v, has := m[field]
			if !isHash || !has {
				errs.add(param, "is missing")
			}
			if !isHash {
				errs.add(param, "is invalid")
				continue
			}
			s, ok := grapeString(v)
			if !ok {
				errs.add(param, "is invalid")
				continue
			}
			if field == "key" {
				vars[i].Key = s
			} else {
				vars[i].Value = s
			}
		}
	}
	if len(errs.order) > 0 {
		return nil, errs.message()
	}
	return vars, ""
}

// requiredString reads a parameter declared `requires :name, type: String`:
// Grape's "is missing" when the key is absent (a nil value is present), "is
// invalid" when it does not coerce to a string.
func requiredString(params map[string]any, name string, errs *grapeErrors) string {
	v, has := params[name]
	if !has {
		errs.add(name, "is missing")
		return ""
	}
	s, ok := grapeString(v)
	if !ok {
		errs.add(name, "is invalid")
	}
	return s
}

// grapeString is Grape's String coercion (DryTypes::Coercible::String, with
// arrays and hashes rejected).
func grapeString(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// optionalInt reads an optional Grape Integer from a request body's params
// (a JSON number or a string, as Grape's Integer coerces it); ok is false when it is not an integer.
func optionalInt(params map[string]any, name string) (*int64, bool) {
	raw, present := params[name]
	if !present || raw == nil {
		return nil, true
	}
	switch v := raw.(type) {
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return nil, false
		}
		return &n, true
	case string:
		if v == "" {
			return nil, true
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, false
		}
		return &n, true
	}
	return nil, false
}
