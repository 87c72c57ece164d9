package gitlabsim

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Authentication, after GitLab's Gitlab::Auth::AuthFinders
// (lib/gitlab/auth/auth_finders.rb): a personal access token in
// private_token= or PRIVATE-TOKEN, an OAuth or personal token as
// "Authorization: Bearer", or, on endpoints that accept job tokens
// (job_token_allowed), a CI job token in job_token=, token= or JOB-TOKEN
// (find_user_from_job_token_query_params_or_header, in that order) or as
// "Authorization: Bearer". A glcbt- value where a personal token is read is
// ignored (find_personal_access_token leaves job tokens to the job token
// finders). Then the Sudo header or sudo= (lib/api/helpers.rb, sudo!).

// principal is who a request acts as: a user (with a token, or with the job
// of a CI job token), or nobody (user nil) for an anonymous GET of a route
// that authenticates only non-GET requests (authenticateNonGet).
type principal struct {
	user  *user
	token *token // a personal or OAuth token, nil for a job token
	job   *job   // the job of a job token
}

// authOutcome is what authentication decided; on failure it has already answered.
type authOutcome int

const (
	authOK authOutcome = iota
	authFailed
)

// authenticate finds the request's principal. jobTokenAllowed says whether
// the endpoint accepts CI job tokens; scopes are the token scopes that may
// use it. It must be called with s.mu held; on failure it writes the answer.
func (s *Sim) authenticate(w http.ResponseWriter, r *http.Request, jobTokenAllowed bool, scopes ...string) (principal, authOutcome) {
	return s.authenticateScopes(w, r, jobTokenAllowed, scopes, scopes)
}

// authenticateScopes is authenticate with the scopes that pass for this
// request (allowed) apart from those an insufficient_scope answer lists
// (registered): GitLab registers read_api for every route but lets it pass
// only for GET and HEAD (AccessTokenValidationService drops scopes whose
// `if` fails; InsufficientScopeError still names them all). As
// API::Helpers#current_user does, it finds the initial user, applies Sudo,
// and checks the endpoint's scopes only without Sudo.
func (s *Sim) authenticateScopes(w http.ResponseWriter, r *http.Request, jobTokenAllowed bool, allowed, registered []string) (principal, authOutcome) {
	p, outcome := s.initialPrincipal(w, r, jobTokenAllowed)
	if outcome != authOK {
		return p, outcome
	}
	if id, ok := sudoIdentifier(r); ok {
		return s.sudo(w, p, id)
	}
	if p.token != nil && !slices.ContainsFunc(allowed, func(sc string) bool { return slices.Contains(p.token.scopes, sc) }) {
		insufficientScope(w, strings.Join(registered, " "))
		return principal{}, authFailed
	}
	return p, authOK
}

// initialPrincipal is initial_current_user (API::APIGuard#find_current_user!,
// find_user_from_sources): where the route reads job tokens, a Bearer job
// token first (find_user_from_bearer_token); then a personal or OAuth
// token, which must be neither revoked nor expired; then, where the route
// reads them, a job token in job_token=, token= or JOB-TOKEN
// (find_user_from_job_token).
func (s *Sim) initialPrincipal(w http.ResponseWriter, r *http.Request, jobTokenAllowed bool) (principal, authOutcome) {
	q := r.URL.Query()
	bearer := bearerToken(r)
	if _, ok := s.jobTokens[bearer]; jobTokenAllowed && ok && bearer != "" {
		return s.jobPrincipal(w, bearer)
	}
	value := personalTokenValue(r)
	if value == "" && jobTokenAllowed {
		for _, v := range []string{q.Get("job_token"), q.Get("token"), r.Header.Get("JOB-TOKEN")} {
			if v != "" {
				return s.jobPrincipal(w, v)
			}
		}
	}
	if value == "" {
		unauthorized(w)
		return principal{}, authFailed
	}
	t, ok := s.tokens[value]
	if !ok {
		unauthorized(w)
		return principal{}, authFailed
	}
	if t.kind == oauthToken && bearer != value {
		// OAuth tokens are only read from the Authorization header.
		unauthorized(w)
		return principal{}, authFailed
	}
	if t.revoked {
		tokenError(w, "Token has been revoked.")
		return principal{}, authFailed
	}
	if t.expiresAt != nil && !s.opts.Now().Before(*t.expiresAt) {
		tokenError(w, "Token has expired.")
		return principal{}, authFailed
	}
	u := s.users[t.userID]
	if u == nil || u.state == "blocked" {
		unauthorized(w)
		return principal{}, authFailed
	}
	return principal{user: u, token: t}, authOK
}

func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// personalTokenValue is where GitLab looks for a personal (or OAuth) access
// token: private_token=, PRIVATE-TOKEN, then the Bearer token
// (extract_personal_access_token). A CI job token there (glcbt-) is not
// one: find_personal_access_token skips it, so the request has no token.
func personalTokenValue(r *http.Request) string {
	v := firstNonEmpty(r.URL.Query().Get("private_token"), r.Header.Get("PRIVATE-TOKEN"), bearerToken(r))
	if strings.HasPrefix(v, jobTokenPrefix) {
		return ""
	}
	return v
}

// jobTokenPrefix is Ci::Build::TOKEN_PREFIX.
const jobTokenPrefix = "glcbt-"

// sudoIdentifier is sudo_identifier: params[:sudo] || env['HTTP_SUDO'],
// given when present, even empty (an empty string is true in Ruby; a nil
// parameter, "sudo" without "=" or a JSON null, falls through to the
// header). The parameter is read from the query, or from all the request's
// parameters where a route has read them (withParams: the body's too).
func sudoIdentifier(r *http.Request) (string, bool) {
	params, ok := r.Context().Value(paramsKey{}).(map[string]any)
	if !ok {
		params = queryParams(r)
	}
	switch v := params["sudo"].(type) {
	case nil:
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	default:
		return fmt.Sprint(v), true
	}
	if v := r.Header.Values("Sudo"); len(v) > 0 {
		return v[0], true
	}
	return "", false
}

// paramsKey holds a request's parameters, query and body, once read.
type paramsKey struct{}

// withParams gives authentication the parameters a route read from the
// query and the body (for params[:sudo]).
func withParams(r *http.Request, params map[string]any) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), paramsKey{}, params))
}

// sudo is API::Helpers#sudo!: only an administrator, with a personal or
// OAuth token that has the sudo scope, acts as another user (found by ID or
// username, UserFinder#find_by_id_or_username). The endpoint's own scopes
// are then not checked (current_user skips them when sudo?).
func (s *Sim) sudo(w http.ResponseWriter, p principal, id string) (principal, authOutcome) {
	switch {
	case p.user == nil:
		unauthorized(w)
		return principal{}, authFailed
	case !p.user.admin:
		forbidden(w, "Must be admin to use sudo")
		return principal{}, authFailed
	case p.token == nil:
		forbidden(w, "Must be authenticated using an OAuth or personal access token to use sudo")
		return principal{}, authFailed
	case !slices.Contains(p.token.scopes, "sudo"):
		insufficientScope(w, "sudo")
		return principal{}, authFailed
	}
	u := s.findUser(id)
	if u == nil {
		message(w, http.StatusNotFound, "404 User with ID or username '"+id+"' Not Found")
		return principal{}, authFailed
	}
	return principal{user: u, token: p.token}, authOK
}

// findUser is UserFinder#find_by_id_or_username: an ID when the input is
// all digits, else a username, case-insensitively (User.find_by_username).
func (s *Sim) findUser(id string) *user {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && id != "" && strings.Trim(id, "0123456789") == "" {
		return s.users[n]
	}
	for _, u := range s.users {
		if strings.EqualFold(u.username, id) {
			return u
		}
	}
	return nil
}

// jobPrincipal accepts a job token while its job runs, as GitLab does.
func (s *Sim) jobPrincipal(w http.ResponseWriter, value string) (principal, authOutcome) {
	id, ok := s.jobTokens[value]
	j := s.jobs[id]
	if !ok || j == nil || j.status != StatusRunning {
		unauthorized(w)
		return principal{}, authFailed
	}
	return principal{user: s.users[j.userID], job: j}, authOK
}

// hasCredentials says whether a request carries credentials GitLab reads on
// the route: a personal or OAuth token (PRIVATE-TOKEN, private_token=,
// Authorization: Bearer), or, where the route allows job tokens, JOB-TOKEN
// or job_token=. On other routes GitLab's find_user_from_job_token does not
// look at JOB-TOKEN and job_token= at all.
func hasCredentials(r *http.Request, jobTokenAllowed bool) bool {
	q := r.URL.Query()
	if jobTokenAllowed && (q.Get("job_token") != "" || q.Get("token") != "" || r.Header.Get("JOB-TOKEN") != "" || bearerToken(r) != "") {
		return true
	}
	return personalTokenValue(r) != ""
}

// authenticateNonGet is the before filter of lib/api/ci/pipelines.rb,
// authenticate_non_get!: a GET without credentials goes on anonymously (it
// then sees public projects only), while credentials, when given, must be
// valid (api_guard's find_current_user! answers 401 for a wrong token).
func (s *Sim) authenticateNonGet(w http.ResponseWriter, r *http.Request, jobTokenAllowed bool) (principal, authOutcome) {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !hasCredentials(r, jobTokenAllowed) {
		if _, ok := sudoIdentifier(r); ok {
			unauthorized(w) // sudo!: unauthorized! unless initial_current_user
			return principal{}, authFailed
		}
		return principal{}, authOK
	}
	return s.authenticate(w, r, jobTokenAllowed, readScopes...)
}

// readScopes may read jobs.
var readScopes = []string{"api", "read_api"}

// writeScopes may change jobs (POST): read_api passes only for GET and HEAD.
var writeScopes = []string{"api"}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
