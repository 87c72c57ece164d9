package gitlabsim

import (
	"encoding/json"
	"net/http"
)

// GitLab's error bodies (lib/api/helpers.rb, lib/api/api.rb, lib/api/api_guard.rb).

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// message writes {"message": msg}, as render_api_error! does.
func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func unauthorized(w http.ResponseWriter) { message(w, http.StatusUnauthorized, "401 Unauthorized") }

// forbidden is forbidden!(reason): "403 Forbidden" or "403 Forbidden - <reason>".
func forbidden(w http.ResponseWriter, reason string) {
	msg := "403 Forbidden"
	if reason != "" {
		msg += " - " + reason
	}
	message(w, http.StatusForbidden, msg)
}

// notFound is not_found!(resource): "404 <Resource> Not Found", or GitLab's
// rescue of ActiveRecord::RecordNotFound, "404 Not found", without a resource.
func notFound(w http.ResponseWriter, resource string) {
	if resource == "" {
		message(w, http.StatusNotFound, "404 Not found")
		return
	}
	message(w, http.StatusNotFound, "404 "+resource+" Not Found")
}

// grapeError is Grape's error!(message, status) with a string message, as
// API helpers call it directly (not through render_api_error!): Grape's
// JSON error formatter answers {"error": message}, as GitLab's catch-all
// route does ({"error":"404 Not Found"}, lib/api/api.rb).
func grapeError(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, map[string]string{"error": text})
}

// badParam is Grape's parameter validation error: {"error": "<param> is invalid"}.
func badParam(w http.ResponseWriter, text string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": text})
}

// tokenError is api_guard's answer to an expired or revoked token.
func tokenError(w http.ResponseWriter, description string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="gitlab", error="invalid_token", error_description="`+description+`"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": description})
}

// insufficientScope is api_guard's answer to a token without the scope an endpoint needs.
func insufficientScope(w http.ResponseWriter, scopes string) {
	const desc = "The request requires higher privileges than provided by the access token."
	w.Header().Set("WWW-Authenticate", `Bearer realm="gitlab", error="insufficient_scope", error_description="`+desc+`", scope="`+scopes+`"`)
	writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope", "error_description": desc, "scope": scopes})
}

// badRequest is bad_request!(reason): "400 Bad request - <reason>".
func badRequest(w http.ResponseWriter, reason string) {
	message(w, http.StatusBadRequest, "400 Bad request - "+reason)
}

// validationError is render_validation_error!: 400 {"message": {"base": [msg]}}.
func validationError(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, obj{"message": obj{"base": []string{msg}}})
}
