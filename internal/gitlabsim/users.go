package gitlabsim

import (
	"net/http"
	"time"
)

// Users and their tokens: the Go API that creates them (CreateUser,
// CreatePersonalAccessToken, CreateOAuthToken, RevokeToken) and GET /user.
// Authentication by these tokens is auth.go.

// GET /user: the token's user (API::Entities::UserPublic). Job tokens are not accepted.
func (s *Sim) getCurrentUser(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticate(w, r, false, "api", "read_api", "read_user")
	if outcome != authOK {
		return
	}
	u := p.user
	e := s.userEntity(u, s.externalURL(r))
	private := obj{
		"email": u.email, "commit_email": u.email, "last_sign_in_at": nil, "confirmed_at": apiTime(u.createdAt),
		"last_activity_on": nil, "theme_id": 1, "color_scheme_id": 1, "projects_limit": 100000,
		"current_sign_in_at": nil, "identities": []any{}, "can_create_group": true, "can_create_project": true,
		"two_factor_enabled": false, "external": false, "private_profile": false,
	}
	for k, v := range private {
		e[k] = v
	}
	if u.admin {
		e["is_admin"] = true
	}
	writeJSON(w, http.StatusOK, e)
}

// User is a snapshot of a simulated user.
type User struct {
	ID       int64
	Username string
	Name     string
	Admin    bool
}

// UserSpec describes a user to create.
type UserSpec struct {
	Username, Name, Email string
	Admin, Bot            bool
	State                 string // default "active"
}

// TokenSpec describes a personal access token.
type TokenSpec struct {
	Name      string
	Scopes    []string // default ["api"]
	ExpiresAt *time.Time
	Revoked   bool
	Value     string // default a random "glpat-..."
}

// CreateUser adds a user.
func (s *Sim) CreateUser(spec UserSpec) User {
	s.lock()
	defer s.mu.Unlock()
	u := &user{
		id: s.newID("user", 0), username: spec.Username, name: spec.Name, email: spec.Email,
		state: spec.State, admin: spec.Admin, bot: spec.Bot, createdAt: s.opts.Now().UTC(),
	}
	if u.state == "" {
		u.state = "active"
	}
	if u.name == "" {
		u.name = u.username
	}
	if u.email == "" {
		u.email = u.username + "@example.com"
	}
	s.users[u.id] = u
	return User{ID: u.id, Username: u.username, Name: u.name, Admin: u.admin}
}

// CreatePersonalAccessToken adds a personal access token and returns its value.
func (s *Sim) CreatePersonalAccessToken(userID int64, spec TokenSpec) string {
	s.lock()
	defer s.mu.Unlock()
	t := &token{value: spec.Value, kind: personalToken, name: spec.Name, userID: userID,
		scopes: spec.Scopes, expiresAt: spec.ExpiresAt, revoked: spec.Revoked}
	if t.value == "" {
		t.value = "glpat-" + randomHex(10)
	}
	if len(t.scopes) == 0 {
		t.scopes = []string{"api"}
	}
	s.tokens[t.value] = t
	return t.value
}

// CreateOAuthToken adds an OAuth access token (accepted only as Bearer).
func (s *Sim) CreateOAuthToken(userID int64) string {
	s.lock()
	defer s.mu.Unlock()
	v := randomHex(32)
	s.tokens[v] = &token{value: v, kind: oauthToken, userID: userID, scopes: []string{"api"}}
	return v
}

// RevokeToken revokes a personal or OAuth token.
func (s *Sim) RevokeToken(value string) {
	s.lock()
	defer s.mu.Unlock()
	if t := s.tokens[value]; t != nil {
		t.revoked = true
	}
}
