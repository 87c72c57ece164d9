package gitlabsim_test

import (
	"encoding/base64"
	"fmt"
	"testing"
)

// TestHandleMalformedStrings follows GitLab's
// spec/lib/gitlab/middleware/handle_malformed_strings_spec.rb: before any
// route or authentication, parameters Rack cannot read, and null bytes or
// invalid UTF-8 in the path, the credentials or a parameter value, are a
// 400 "Bad Request" in plain text; nothing is applied.
func TestHandleMalformedStrings(t *testing.T) {
	e := newEnv(t)
	jobs := fmt.Sprintf("/api/v4/projects/%d/jobs", e.proj.ID)
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	for _, tc := range []struct {
		name, path string
		headers    []string
	}{
		{"a null byte in a value", jobs + "?scope=success%00", []string{"PRIVATE-TOKEN", e.adminTok}},
		{"a null byte in a nested value", jobs + "?scope[]=success%00", []string{"PRIVATE-TOKEN", e.adminTok}},
		{"invalid UTF-8 in a value", jobs + "?scope=%E0%80", []string{"PRIVATE-TOKEN", e.adminTok}},
		{"an invalid escape", jobs + "?page=%zz", []string{"PRIVATE-TOKEN", e.adminTok}},
		{"a key as scalar then list (ParameterTypeError)", jobs + "?scope=success&scope[]=failed", []string{"PRIVATE-TOKEN", e.adminTok}},
		{"a key as hash then list", jobs + "?scope[a]=success&scope[]=failed", []string{"PRIVATE-TOKEN", e.adminTok}},
		{"without credentials too", jobs + "?scope=%00", nil},
		{"a null byte in the path", fmt.Sprintf("/api/v4/projects/%d%%00/jobs", e.proj.ID), []string{"PRIVATE-TOKEN", e.adminTok}},
		{"a null byte in basic credentials", jobs, []string{"Authorization", basic("root", "x\x00y")}},
		{"invalid UTF-8 in a bearer token", jobs, []string{"Authorization", "Bearer a\xffb"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get(tc.path, tc.headers...)
			wantStatus(t, r, 400, "Bad Request")
			if ct := r.header.Get("Content-Type"); ct != "text/plain" {
				t.Errorf("Content-Type %q, want text/plain", ct)
			}
		})
	}

	// What Rack reads without complaint is the route's to judge.
	wantStatus(t, e.get(jobs+"?scope[]=failed&scope=success", "PRIVATE-TOKEN", e.adminTok), 200, "")
	wantStatus(t, e.get(jobs+"?scope[=failed", "PRIVATE-TOKEN", e.adminTok), 200, "")

	// A form body counts as the query does; nothing is played.
	play := fmt.Sprintf("/api/v4/projects/%d/jobs/%d/play", e.proj.ID, e.pl.JobIDs[3])
	r := e.post(play, "application/x-www-form-urlencoded", "job_variables_attributes[][key]=A&job_variables_attributes[][value]=%00", "PRIVATE-TOKEN", e.adminTok)
	wantStatus(t, r, 400, "Bad Request")
	r = e.post(play, "application/x-www-form-urlencoded", "job_variables_attributes=x&job_variables_attributes[k]=v", "PRIVATE-TOKEN", e.adminTok)
	wantStatus(t, r, 400, "Bad Request")
	r = e.post(play, "application/json", `{"job_variables_attributes":[{"key":"A","value":"a\u0000b"}]}`, "PRIVATE-TOKEN", e.adminTok)
	wantStatus(t, r, 400, "Bad Request")
	if got := e.sim.ActionCount(e.pl.JobIDs[3], "play"); got != 0 {
		t.Errorf("%d plays after malformed requests, want 0", got)
	}
}
