package gitlabsim_test

import (
	"testing"
)

func TestCurrentUser(t *testing.T) {
	e := newEnv(t)
	r := e.get("/api/v4/user", "PRIVATE-TOKEN", e.adminTok)
	wantStatus(t, r, 200, "")
	if u := r.json(t); u["username"] != "root" || u["is_admin"] != true {
		t.Errorf("user = %v", u)
	}
	if u := e.get("/api/v4/user", "PRIVATE-TOKEN", e.devTok).json(t); u["username"] != "dev" || u["is_admin"] != nil {
		t.Errorf("user = %v (is_admin only for admins)", u)
	}
	// Job tokens are not accepted by GET /user.
	wantStatus(t, e.get("/api/v4/user", "JOB-TOKEN", e.sim.JobToken(e.pl.JobIDs[2])), 401, `{"message":"401 Unauthorized"}`)
}
