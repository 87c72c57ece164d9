package gitlabsim_test

import (
	"fmt"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func TestProjectAccess(t *testing.T) {
	e := newEnv(t)
	other := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "other/project", Members: map[int64]int{e.dev.ID: 30}})
	public := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "open/source", Visibility: "public"})
	publicPl := e.sim.CreatePipeline(public.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "build", Status: "success"}}})
	runningTok := e.sim.JobToken(e.pl.JobIDs[2])

	wantStatus(t, e.get(e.jobPath(0), "PRIVATE-TOKEN", e.outTok), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, e.get(e.jobPath(0), "PRIVATE-TOKEN", e.guestTok), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, e.get(e.jobPath(0), "PRIVATE-TOKEN", e.adminTok), 200, "")
	// A job of another project, through this one: not found.
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs/%d", other.ID, e.pl.JobIDs[0]), "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Not found"}`)
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs/999999", e.proj.ID), "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Not found"}`)
	wantStatus(t, e.get("/api/v4/projects/999999/jobs/1", "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Project Not Found"}`)
	// Anyone signed in reads a public project's jobs.
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs/%d", public.ID, publicPl.JobIDs[0]), "PRIVATE-TOKEN", e.outTok), 200, "")
	// A job token lists its own project's jobs only, and cannot get a
	// single job (the route does not read job tokens: no credentials).
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", e.proj.ID), "JOB-TOKEN", runningTok), 200, "")
	wantStatus(t, e.get(e.jobPath(1), "JOB-TOKEN", runningTok), 401, `{"message":"401 Unauthorized"}`)
	// Another project: a public one is read as anyone reads it; a private
	// one is outside the job token's allowlist (handle_job_token_failure!).
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", public.ID), "JOB-TOKEN", runningTok), 200, "")
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/%d/jobs", other.ID), "JOB-TOKEN", runningTok), 403,
		`{"message":"403 Forbidden - Authentication by CI/CD job token not allowed from app.service to project."}`)
	wantStatus(t, e.get("/api/v4/projects/999999/jobs", "JOB-TOKEN", runningTok), 404, `{"message":"404 Project Not Found"}`)
}

func TestPathStyleProjectID(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"group%2Fsub%2Fapp.service", "group%2Fsub%2Fapp%2Eservice", "GROUP%2Fsub%2Fapp.service"} {
		r := e.get(fmt.Sprintf("/api/v4/projects/%s/jobs/%d", id, e.pl.JobIDs[0]), "PRIVATE-TOKEN", e.devTok)
		wantStatus(t, r, 200, "")
	}
	wantStatus(t, e.get(fmt.Sprintf("/api/v4/projects/group%%2Fsub%%2Fnope/jobs/%d", e.pl.JobIDs[0]), "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Project Not Found"}`)
}
