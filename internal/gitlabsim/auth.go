package gitlabsim

import (
	"net/http"
	"slices"
	"strings"
)

// Authentication, after GitLab's Gitlab::Auth::AuthFinders: a personal
// access token in PRIVATE-TOKEN or private_token=, an OAuth or personal token
// as "Authorization: Bearer", or a CI job token in JOB-TOKEN, job_token= or
// "Authorization: Bearer" on endpoints that accept job tokens.

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
// `if` fails; InsufficientScopeError still names them all).
func (s *Sim) authenticateScopes(w http.ResponseWriter, r *http.Request, jobTokenAllowed bool, allowed, registered []string) (principal, authOutcome) {
	q := r.URL.Query()
	bearer := ""
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		bearer = strings.TrimSpace(h[7:])
	}

	if jobTokenAllowed {
		for _, v := range []string{r.Header.Get("JOB-TOKEN"), q.Get("job_token")} {
			if v != "" {
				return s.jobPrincipal(w, v)
			}
		}
		if _, ok := s.jobTokens[bearer]; ok && bearer != "" {
			return s.jobPrincipal(w, bearer)
		}
	}

	value := firstNonEmpty(r.Header.Get("PRIVATE-TOKEN"), q.Get("private_token"), bearer)
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
	if !slices.ContainsFunc(allowed, func(sc string) bool { return slices.Contains(t.scopes, sc) }) {
		insufficientScope(w, strings.Join(registered, " "))
		return principal{}, authFailed
	}
	return principal{user: u, token: t}, authOK
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
	if r.Header.Get("PRIVATE-TOKEN") != "" || q.Get("private_token") != "" {
		return true
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") && strings.TrimSpace(h[7:]) != "" {
		return true
	}
	return jobTokenAllowed && (r.Header.Get("JOB-TOKEN") != "" || q.Get("job_token") != "")
}

// authenticateNonGet is the before filter of lib/api/ci/pipelines.rb,
// authenticate_non_get!: a GET without credentials goes on anonymously (it
// then sees public projects only), while credentials, when given, must be
// valid (api_guard's find_current_user! answers 401 for a wrong token).
func (s *Sim) authenticateNonGet(w http.ResponseWriter, r *http.Request, jobTokenAllowed bool) (principal, authOutcome) {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !hasCredentials(r, jobTokenAllowed) {
		return principal{}, authOK
	}
	return s.authenticate(w, r, jobTokenAllowed, readScopes...)
}

// readScopes may read jobs.
var readScopes = []string{"api", "read_api"}

// writeScopes may change jobs (POST): read_api passes only for GET and HEAD.
var writeScopes = []string{"api"}

// projectFor resolves the {id} of a request to a project the principal may
// read jobs of (policy read_build), answering 404/403 as GitLab does.
func (s *Sim) projectFor(w http.ResponseWriter, r *http.Request, p principal) (*project, bool) {
	proj := s.findProject(r.PathValue("id"))
	if proj == nil || !s.canSeeProject(p, proj) {
		notFound(w, "Project")
		return nil, false
	}
	if !s.canReadJobs(p, proj) {
		forbidden(w, "")
		return nil, false
	}
	return proj, true
}

func (s *Sim) canSeeProject(p principal, proj *project) bool {
	if p.job != nil {
		return p.job.projectID == proj.id
	}
	if p.user == nil {
		return proj.visibility == "public"
	}
	switch {
	case p.user.admin, proj.visibility == "public", proj.visibility == "internal" && !p.user.bot:
		return true
	}
	_, member := proj.members[p.user.id]
	return member
}

func (s *Sim) canReadJobs(p principal, proj *project) bool {
	if p.job != nil || proj.visibility == "public" {
		return true
	}
	if p.user == nil {
		return false
	}
	if p.user.admin {
		return true
	}
	return proj.members[p.user.id] >= ReporterAccess
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
