package gitlabsim_test

import (
	"fmt"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Conformance tests of authentication and of the finders, after GitLab's
// lib/gitlab/auth/auth_finders.rb, lib/api/helpers.rb (find_project!,
// handle_job_token_failure!, find_build!, sudo!) and lib/api/api_guard.rb,
// named after the code where jobs_spec.rb has no context for them (see
// conformance_jobs_test.go).

// find_user_from_job_token_query_params_or_header reads job_token=, then
// token=, then JOB-TOKEN, on job_token_allowed routes only.
func TestSpecRoute_JobTokenAsTokenParam(t *testing.T) {
	a := newConf(t)
	tok := a.sim.JobToken(a.e2e)
	for _, path := range []string{
		"/api/v4/job",
		"/api/v4/job/allowed_agents",
		fmt.Sprintf("/api/v4/projects/%d/jobs", a.proj.ID),
		fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", a.proj.ID, a.pl.ID),
		fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/trigger_jobs", a.proj.ID, a.pl.ID),
	} {
		wantStatus(t, a.get(path+"?token="+tok), 200, "")
		// A finished job's token: 401, as with job_token=.
		wantStatus(t, a.get(path+"?token="+a.sim.JobToken(a.build)), 401, `{"message":"401 Unauthorized"}`)
	}
	// job_token= comes first: a wrong token= beside it is not read.
	wantStatus(t, a.get("/api/v4/job?job_token="+tok+"&token=glcbt-wrong"), 200, "")
	// Routes that do not read job tokens do not read token= either.
	wantStatus(t, a.get(a.jobPath(a.build)+"?token="+tok), 401, `{"message":"401 Unauthorized"}`)
	wantStatus(t, a.post(a.path(a.deploy, "play")+"?token="+tok, "", ""), 401, `{"message":"401 Unauthorized"}`)
	// /bridges does not read it: the GET is anonymous, the project private.
	wantStatus(t, a.pipelineList("bridges", "?token="+tok), 404, `{"message":"404 Project Not Found"}`)
}

// A CI job token acts as its job's user (find_project!, then
// authorize_read_builds! as that user): the job of a Guest of a private
// project may not list the project's jobs.
func TestSpecRoute_GET_projects_id_jobs_JobTokenOfAGuestsJob(t *testing.T) {
	a := newConf(t)
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{UserID: a.env.guest.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "guest-job", Stage: "test", Status: "running"}}})
	tok := a.sim.JobToken(pl.JobIDs[0])
	wantStatus(t, a.projectJobs("", "JOB-TOKEN", tok), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", a.proj.ID, pl.ID), "JOB-TOKEN", tok), 403, `{"message":"403 Forbidden"}`)
	// GET /job needs no project permission.
	wantStatus(t, a.get("/api/v4/job", "JOB-TOKEN", tok), 200, "")
	// A Reporter's job may.
	wantStatus(t, a.projectJobs("", "JOB-TOKEN", a.sim.JobToken(a.e2e)), 200, "")
}

// handle_job_token_failure!: a job token used on a project outside its
// allowlist (a private project other than its own) is a 403 naming both
// projects by their path; a project that does not exist stays 404.
func TestSpecRoute_JobTokenOutsideTheAllowlist(t *testing.T) {
	a := newConf(t)
	other := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "platform/deploy-service", Members: map[int64]int{a.devU.ID: gitlabsim.MaintainerAccess}})
	opl := a.sim.CreatePipeline(other.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "x", Status: "success"}}})
	tok := a.sim.JobToken(a.e2e) // a job of acts/app run by the developer, a member of both
	const want = `{"message":"403 Forbidden - Authentication by CI/CD job token not allowed from app to deploy-service."}`
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/jobs", other.ID), "JOB-TOKEN", tok), 403, want)
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", other.ID, opl.ID), "JOB-TOKEN", tok), 403, want)
	wantStatus(t, a.get("/api/v4/projects/platform%2Fdeploy-service/jobs?job_token="+tok), 403, want)
	wantStatus(t, a.get("/api/v4/projects/999999/jobs", "JOB-TOKEN", tok), 404, `{"message":"404 Project Not Found"}`)
	// The same user's access token reads it.
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/jobs", other.ID), "PRIVATE-TOKEN", a.dev), 200, "")
}

// find_build! (user_project.builds.find): GET /projects/:id/jobs/:job_id
// and its /trace find builds only; a bridge is ActiveRecord's 404.
func TestSpecRoute_GET_projects_id_jobs_job_id_OfABridge(t *testing.T) {
	a := newConf(t)
	for _, bridge := range []int64{a.trigger, a.bridgeDone} {
		wantStatus(t, a.get(a.jobPath(bridge), "PRIVATE-TOKEN", a.dev), 404, `{"message":"404 Not found"}`)
		wantStatus(t, a.get(a.jobPath(bridge)+"/trace", "PRIVATE-TOKEN", a.dev), 404, `{"message":"404 Not found"}`)
		wantStatus(t, a.get(a.jobPath(bridge), "PRIVATE-TOKEN", a.admin), 404, `{"message":"404 Not found"}`)
	}
	// Authorization still comes first: a Guest is refused before the lookup.
	wantStatus(t, a.get(a.jobPath(a.trigger), "PRIVATE-TOKEN", a.guest), 403, `{"message":"403 Forbidden"}`)
}

// sudo!: an administrator's personal (or OAuth) token with the sudo scope
// acts as the user named by the Sudo header or sudo= (ID or username);
// without that scope it is insufficient_scope; anyone else is refused.
func TestSpecRoute_Sudo(t *testing.T) {
	a := newConf(t)
	admin := a.env.admin
	sudoTok := a.sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Scopes: []string{"api", "sudo"}})
	jobs := fmt.Sprintf("/api/v4/projects/%d/jobs", a.proj.ID)

	// As the Guest: its permissions, not the administrator's.
	wantStatus(t, a.get(jobs, "PRIVATE-TOKEN", sudoTok, "Sudo", "guest"), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, a.get(jobs+"?sudo="+fmt.Sprint(a.env.guest.ID), "PRIVATE-TOKEN", sudoTok), 403, `{"message":"403 Forbidden"}`)
	// As the developer (by username, any letter case): allowed, and the play is theirs.
	wantStatus(t, a.get(jobs, "PRIVATE-TOKEN", sudoTok, "Sudo", "DEVELOPER"), 200, "")
	r := a.post(a.path(a.deploy, "play"), "", "", "PRIVATE-TOKEN", sudoTok, "Sudo", "developer2")
	wantStatus(t, r, 200, "")
	if u, _ := r.json(t)["user"].(map[string]any); u["username"] != "developer2" {
		t.Errorf("played as %v, want developer2", u["username"])
	}
	// sudo in the body of a POST, as Grape's params hold it (before the header).
	r = a.post(a.path(a.delayed, "play"), "application/json", `{"sudo":"developer"}`, "PRIVATE-TOKEN", sudoTok, "Sudo", "guest")
	wantStatus(t, r, 200, "")
	if u, _ := r.json(t)["user"].(map[string]any); u["username"] != "developer" {
		t.Errorf("played as %v, want developer (the body's sudo)", u["username"])
	}
	// GET /user says who the request acts as.
	if u := a.get("/api/v4/user", "PRIVATE-TOKEN", sudoTok, "Sudo", "maintainer").json(t); u["username"] != "maintainer" {
		t.Errorf("GET /user with Sudo: %v", u["username"])
	}
	// Unknown user.
	wantStatus(t, a.get(jobs, "PRIVATE-TOKEN", sudoTok, "Sudo", "nobody"), 404, `{"message":"404 User with ID or username 'nobody' Not Found"}`)
	wantStatus(t, a.get(jobs, "PRIVATE-TOKEN", sudoTok, "Sudo", "424242"), 404, `{"message":"404 User with ID or username '424242' Not Found"}`)
	// An administrator's token without the sudo scope.
	r = a.get(jobs, "PRIVATE-TOKEN", a.admin, "Sudo", "guest")
	wantStatus(t, r, 403, `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"sudo"}`)
	if h := r.header.Get("WWW-Authenticate"); h == "" {
		t.Error("no WWW-Authenticate header")
	}
	// Not an administrator, even with the scope.
	devSudo := a.sim.CreatePersonalAccessToken(a.devU.ID, gitlabsim.TokenSpec{Scopes: []string{"api", "sudo"}})
	wantStatus(t, a.get(jobs, "PRIVATE-TOKEN", devSudo, "Sudo", "maintainer"), 403, `{"message":"403 Forbidden - Must be admin to use sudo"}`)
	wantStatus(t, a.get(jobs, "PRIVATE-TOKEN", a.dev, "Sudo", "maintainer"), 403, `{"message":"403 Forbidden - Must be admin to use sudo"}`)
	// A job token (whose user is no administrator).
	wantStatus(t, a.get(jobs, "JOB-TOKEN", a.sim.JobToken(a.e2e), "Sudo", "maintainer"), 403, `{"message":"403 Forbidden - Must be admin to use sudo"}`)
	// Without credentials: 401, also on routes that serve anonymous GETs.
	wantStatus(t, a.get(jobs, "Sudo", "maintainer"), 401, `{"message":"401 Unauthorized"}`)
	wantStatus(t, a.pipelineList("jobs", "", "Sudo", "maintainer"), 401, `{"message":"401 Unauthorized"}`)
	// A revoked token is refused before Sudo is looked at.
	a.sim.RevokeToken(sudoTok)
	wantStatus(t, a.get(jobs, "PRIVATE-TOKEN", sudoTok, "Sudo", "guest"), 401, "")
}

// find_user_from_sources: a Bearer job token, then an access token
// (private_token=, PRIVATE-TOKEN, Bearer), then the job token of
// job_token=, token= or JOB-TOKEN: a personal token beside a job token wins.
func TestSpecRoute_PersonalTokenBeforeJobToken(t *testing.T) {
	a := newConf(t)
	tok := a.sim.JobToken(a.e2e)
	// The Guest's token is the one read: 403, though the job token could list.
	wantStatus(t, a.projectJobs("", "PRIVATE-TOKEN", a.guest, "JOB-TOKEN", tok), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, a.projectJobs("?job_token="+tok, "PRIVATE-TOKEN", a.guest), 403, `{"message":"403 Forbidden"}`)
	// A wrong personal token is a 401 even beside a valid job token.
	wantStatus(t, a.projectJobs("", "PRIVATE-TOKEN", "glpat-wrong", "JOB-TOKEN", tok), 401, `{"message":"401 Unauthorized"}`)
	// A Bearer job token comes before a personal token.
	wantStatus(t, a.projectJobs("", "Authorization", "Bearer "+tok, "PRIVATE-TOKEN", a.guest), 200, "")
	// A job token in PRIVATE-TOKEN is no personal token: the job token finder reads JOB-TOKEN.
	wantStatus(t, a.projectJobs("", "PRIVATE-TOKEN", tok, "JOB-TOKEN", tok), 200, "")
}
