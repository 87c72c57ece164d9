package gitlabsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim/rackparams"
)

// GitLab's Gitlab::Middleware::HandleMalformedStrings
// (lib/gitlab/middleware/handle_malformed_strings.rb) runs before any route
// and before authentication. It answers 400 "Bad Request" (text/plain) when
// the unescaped path, the credentials or a parameter value hold a null byte
// or invalid UTF-8, or when ActionDispatch cannot build the parameters at all
// (ActionController::BadRequest: Rack's InvalidParameterError,
// ParameterTypeError, ParamsTooDeepError, and Rails' check_param_encoding).

// malformedRequest says whether HandleMalformedStrings refuses r. Its body,
// if any, has been buffered by capBody and is handed on unread.
func malformedRequest(r *http.Request) bool {
	if path, err := url.QueryUnescape(r.URL.EscapedPath()); err != nil || stringMalformed(path) {
		return true
	}
	if credentialsMalformed(r) {
		return true
	}
	params := map[string]any{}
	if rackparams.Parse(params, r.URL.RawQuery) != nil {
		return true
	}
	if malformedBody(r, params) {
		return true
	}
	for _, v := range params {
		if paramMalformed(v, 0) {
			return true
		}
	}
	return false
}

// malformedBody adds the fields of an urlencoded, multipart or JSON body to
// params (as ActionDispatch's request.params reads them) and says whether
// Rack refused them. A JSON body that does not parse is left to Grape, whose
// answer the route gives; a JSON value that is not an object is _json.
func malformedBody(r *http.Request, params map[string]any) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return false
	}
	mt, mtParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data" && mt != "application/json" {
		return false
	}
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		return rackparams.Parse(params, string(body)) != nil
	case "application/json":
		var v any
		if json.Unmarshal(body, &v) != nil {
			return false
		}
		if m, ok := v.(map[string]any); ok {
			for k, val := range m {
				params[k] = val
			}
		} else {
			params["_json"] = v
		}
		return false
	}
	form, err := rackparams.MultipartFields(body, mtParams["boundary"])
	if err != nil {
		return false // requestParams answers the unreadable multipart body
	}
	return rackparams.Parse(params, form) != nil
}

// credentialsMalformed is credentials_malformed?: the decoded user and
// password of basic authentication, or else the Authorization header.
func credentialsMalformed(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if scheme, rest, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Basic") {
		decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return false
		}
		user, pass, _ := strings.Cut(string(decoded), ":")
		return stringMalformed(user + pass)
	}
	return auth != "" && stringMalformed(auth)
}

// paramMalformed is param_has_null_byte? (three levels deep) together with
// Rails' check_param_encoding (every level): a string value with a null
// byte or invalid UTF-8.
func paramMalformed(v any, depth int) bool {
	switch v := v.(type) {
	case string:
		return !utf8.ValidString(v) || depth <= 2 && strings.Contains(v, "\x00")
	case map[string]any:
		for _, item := range v {
			if paramMalformed(item, depth+1) {
				return true
			}
		}
	case []any:
		for _, item := range v {
			if paramMalformed(item, depth+1) {
				return true
			}
		}
	}
	return false
}

// stringMalformed is string_malformed?: a null byte, or invalid UTF-8 (on
// which Ruby's match? raises).
func stringMalformed(s string) bool {
	return !utf8.ValidString(s) || strings.Contains(s, "\x00")
}

// refuseMalformed is the middleware's answer.
func refuseMalformed(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, "Bad Request")
}
