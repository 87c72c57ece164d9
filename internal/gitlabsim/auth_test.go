package gitlabsim_test

import (
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func TestAuthMethods(t *testing.T) {
	e := newEnv(t)
	oauth := e.sim.CreateOAuthToken(e.dev.ID)
	jobTok := e.sim.JobToken(e.pl.JobIDs[2]) // the running job
	path := e.jobPath(0)
	// Job tokens are read only on routes that allow them (GET /job here).
	tests := []struct {
		name    string
		path    string
		headers []string
		want    string
	}{
		{"PRIVATE-TOKEN header", path, []string{"PRIVATE-TOKEN", e.devTok}, "build"},
		{"private_token param", path + "?private_token=" + e.devTok, nil, "build"},
		{"Bearer personal token", path, []string{"Authorization", "Bearer " + e.devTok}, "build"},
		{"Bearer OAuth token", path, []string{"Authorization", "Bearer " + oauth}, "build"},
		{"JOB-TOKEN header", "/api/v4/job", []string{"JOB-TOKEN", jobTok}, "e2e"},
		{"job_token param", "/api/v4/job?job_token=" + jobTok, nil, "e2e"},
		{"Bearer job token", "/api/v4/job", []string{"Authorization", "Bearer " + jobTok}, "e2e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(tt.path, tt.headers...)
			wantStatus(t, r, 200, "")
			if got := r.json(t)["name"]; got != tt.want {
				t.Errorf("name = %v, want %s", got, tt.want)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestAuthFailures(t *testing.T) {
	e := newEnv(t)
	past := time.Now().Add(-time.Hour)
	expired := e.sim.CreatePersonalAccessToken(e.dev.ID, gitlabsim.TokenSpec{ExpiresAt: &past})
	revoked := e.sim.CreatePersonalAccessToken(e.dev.ID, gitlabsim.TokenSpec{})
	e.sim.RevokeToken(revoked)
	userOnly := e.sim.CreatePersonalAccessToken(e.dev.ID, gitlabsim.TokenSpec{Scopes: []string{"read_user"}})
	oauth := e.sim.CreateOAuthToken(e.dev.ID)
	finishedJobTok := e.sim.JobToken(e.pl.JobIDs[0])
	path := e.jobPath(0)
	tests := []struct {
		name    string
		headers []string
		status  int
		body    string
	}{
		{"no token", nil, 401, `{"message":"401 Unauthorized"}`},
		{"unknown token", []string{"PRIVATE-TOKEN", "glpat-nope"}, 401, `{"message":"401 Unauthorized"}`},
		{"expired token", []string{"PRIVATE-TOKEN", expired}, 401, `{"error":"invalid_token","error_description":"Token has expired."}`},
		{"revoked token", []string{"PRIVATE-TOKEN", revoked}, 401, `{"error":"invalid_token","error_description":"Token has been revoked."}`},
		{"insufficient scope", []string{"PRIVATE-TOKEN", userOnly}, 403, `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"}`},
		{"OAuth token in PRIVATE-TOKEN", []string{"PRIVATE-TOKEN", oauth}, 401, `{"message":"401 Unauthorized"}`},
		{"finished job's token", []string{"JOB-TOKEN", finishedJobTok}, 401, `{"message":"401 Unauthorized"}`},
		{"bearer garbage", []string{"Authorization", "Bearer x"}, 401, `{"message":"401 Unauthorized"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, e.get(path, tt.headers...), tt.status, tt.body)
		})
	}
}
