package gitlabsim

import "net/http"

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
