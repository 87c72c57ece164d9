package gitlabsim

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim/rackparams"
)

// Request parameters, read as Grape (over Rack) reads them: the query
// string, then a form or JSON object body merged over it, nested keys as
// Rack nests them (the rackparams package); then Grape's coercions and
// errors (grapeErrors, requiredString, grapeString, boolValue, optionalInt,
// integerParam in listparams.go).

// paramError is how reading parameters failed: the status and error body.
type paramError struct {
	status int
	text   string
}

// queryParams are the query string's parameters as Rack nests them
// (rackparams). malformedRequest has refused, with a 400 before any route,
// what Rack cannot parse.
func queryParams(r *http.Request) map[string]any {
	params := map[string]any{}
	_ = rackparams.Parse(params, r.URL.RawQuery)
	return params
}

// requestParams reads a request's parameters. JSON bodies that are not
// objects (null, arrays) add nothing, as Grape keeps them apart under _json.
func requestParams(r *http.Request) (map[string]any, *paramError) {
	params := queryParams(r)
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
		_ = rackparams.Parse(params, string(body)) // as above
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
	form, err := rackparams.MultipartFields(body, boundary)
	if err != nil {
		return nil, &paramError{http.StatusBadRequest, "the multipart body could not be read"}
	}
	_ = rackparams.Parse(params, form) // malformedRequest has refused what Rack cannot parse
	return params, nil
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
