package gitlabsim

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
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
	rackParse(params, r.URL.RawQuery)
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
		rackParse(params, string(body))
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

func multipartParams(params map[string]any, r *http.Request, body []byte, boundary string) (map[string]any, *paramError) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	if boundary == "" || r.ParseMultipartForm(1<<20) != nil {
		return nil, &paramError{http.StatusBadRequest, "the multipart body could not be read"}
	}
	var pairs []string
	for k, vs := range r.MultipartForm.Value {
		for _, v := range vs {
			pairs = append(pairs, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	rackParse(params, strings.Join(pairs, "&"))
	return params, nil
}

// rackParse adds the pairs of a query string to params, in order, with
// Rack's nesting of bracketed keys (two levels: a, a[], a[k], a[][k], a[i][k]).
func rackParse(params map[string]any, query string) {
	for _, pair := range strings.Split(query, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		base, rest, nested := strings.Cut(key, "[")
		if !nested {
			params[key] = value
			continue
		}
		first, after, _ := strings.Cut(rest, "]")
		sub := strings.TrimSuffix(strings.TrimPrefix(after, "["), "]")
		switch {
		case first == "" && after == "": // a[]=v
			list, _ := params[base].([]any)
			params[base] = append(list, value)
		case first == "": // a[][k]=v
			list, _ := params[base].([]any)
			if n := len(list); n > 0 {
				if last, ok := list[n-1].(map[string]any); ok {
					if _, taken := last[sub]; !taken {
						last[sub] = value
						continue
					}
				}
			}
			params[base] = append(list, map[string]any{sub: value})
		case after == "": // a[k]=v
			m, _ := params[base].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			m[first] = value
			params[base] = m
		default: // a[i][k]=v
			m, _ := params[base].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			inner, _ := m[first].(map[string]any)
			if inner == nil {
				inner = map[string]any{}
			}
			inner[sub] = value
			m[first] = inner
			params[base] = m
		}
	}
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
