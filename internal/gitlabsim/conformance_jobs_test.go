package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Conformance tests after GitLab's request specs: one test per describe or
// context of spec/requests/api/ci/jobs_spec.rb (and, in
// conformance_pipelines_test.go, of the pipeline jobs and bridges parts of
// spec/requests/api/ci/pipelines_spec.rb), named after it, asserting what an
// HTTP client can observe. Behaviour the specs do not test but GitLab's
// route settings and helpers decide (lib/api/ci/jobs.rb, pipelines.rb,
// pagination_params.rb, helpers/pagination_strategies.rb) has tests named
// after the code (TestSpecRoute_...). doc.go lists the contexts covered and
// those that are not, with the reason. Every answer is schema-checked by the
// env (sim_test.go).

// conf is the fixture of the conformance tests: the action tests' project
// (every role, every kind of job, a bridge with its downstream pipeline).
func newConf(t *testing.T) *acts {
	t.Helper()
	return newActs(t, gitlabsim.Options{})
}

// commonJobData is the spec's shared example 'returns common job data' and
// 'returns common pipeline data', against the simulator's own snapshot.
func commonJobData(t *testing.T, a *acts, r response, jobID int64) map[string]any {
	t.Helper()
	wantStatus(t, r, 200, "")
	m := r.json(t)
	snap := a.snap(jobID)
	wantFields(t, "job", m, map[string]any{"id": float64(jobID), "status": snap.Status, "stage": snap.Stage,
		"name": snap.Name, "ref": "main", "tag": false, "allow_failure": false})
	if m["artifacts_file"] != nil { // absent: the entity exposes it only for a job with an archive
		t.Errorf("artifacts_file %v", m["artifacts_file"])
	}
	if m["web_url"] == "" || m["web_url"] == nil {
		t.Errorf("web_url empty: %s", r.body)
	}
	if _, ok := m["artifacts"].([]any); !ok {
		t.Errorf("artifacts not an array: %s", r.body)
	}
	if _, ok := m["archived"].(bool); !ok {
		t.Errorf("archived not a Boolean: %s", r.body)
	}
	pl, _ := m["pipeline"].(map[string]any)
	wantFields(t, "pipeline", pl, map[string]any{"id": float64(snap.PipelineID), "project_id": float64(snap.ProjectID), "ref": "main"})
	if pl["sha"] == "" || pl["status"] == "" {
		t.Errorf("pipeline sha/status empty: %v", pl)
	}
	return m
}

// --- describe 'GET /job' ---

func TestSpecJobs_GET_job_WhenTokenIsValidButNotCIJobToken(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.get("/api/v4/job", "PRIVATE-TOKEN", a.dev), 404, `{"message":"404 Job Not Found"}`)
}

func TestSpecJobs_GET_job_WithJobTokenAuthenticationHeader(t *testing.T) {
	a := newConf(t)
	m := commonJobData(t, a, a.get("/api/v4/job", "JOB-TOKEN", a.sim.JobToken(a.e2e)), a.e2e)
	wantFields(t, "running job", m, map[string]any{"finished_at": nil, "erased_at": nil})
}

func TestSpecJobs_GET_job_WithJobTokenAuthenticationParams(t *testing.T) {
	a := newConf(t)
	m := commonJobData(t, a, a.get("/api/v4/job?job_token="+a.sim.JobToken(a.e2e)), a.e2e)
	wantFields(t, "running job", m, map[string]any{"finished_at": nil})
}

func TestSpecJobs_GET_job_WithNonRunningJob(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.get("/api/v4/job", "JOB-TOKEN", a.sim.JobToken(a.build)), 401, `{"message":"401 Unauthorized"}`)
}

func TestSpecJobs_GET_job_WithBasicAuthHeader(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.get("/api/v4/job", "PRIVATE-TOKEN", a.maint), 404, `{"message":"404 Job Not Found"}`)
}

func TestSpecJobs_GET_job_WithoutAuthentication(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.get("/api/v4/job"), 401, `{"message":"401 Unauthorized"}`)
}

// --- describe 'GET /job/allowed_agents' ---

type allowedAgentsAnswer struct {
	AllowedAgents []struct {
		ID            int64          `json:"id"`
		ConfigProject map[string]any `json:"config_project"`
		Configuration map[string]any `json:"configuration"`
	} `json:"allowed_agents"`
	Job      struct{ ID int64 } `json:"job"`
	Pipeline struct{ ID int64 } `json:"pipeline"`
	Project  struct {
		ID     int64
		Groups []struct{ ID int64 }
	} `json:"project"`
	User struct {
		ID             int64    `json:"id"`
		Username       string   `json:"username"`
		RolesInProject []string `json:"roles_in_project"`
	} `json:"user"`
}

// agentsWorld is the spec's set-up: an agent configured in another project
// of the group with an authorization for the job's project (with a
// configuration), an agent configured in the job's project (implicit
// authorization, configuration {}), and an agent the project may not use.
func agentsWorld(t *testing.T) (a *acts, groupAgent, implicitAgent int64) {
	a = newConf(t)
	other := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "acts/agents"})
	groupAgent = a.sim.CreateAgentWithConfig(other.ID, "group-agent", map[string]any{"default_namespace": "prod"}, a.proj.ID)
	implicitAgent = a.sim.CreateAgent(a.proj.ID, "own-agent")
	a.sim.CreateAgent(other.ID, "unrelated")
	return a, groupAgent, implicitAgent
}

func validAllowedAgentsRequest(t *testing.T, a *acts, r response, groupAgent, implicitAgent int64) {
	t.Helper()
	wantStatus(t, r, 200, "")
	var got allowedAgentsAnswer
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	snap := a.snap(a.e2e)
	if got.Job.ID != a.e2e || got.Pipeline.ID != snap.PipelineID || got.Project.ID != a.proj.ID || len(got.Project.Groups) != 1 {
		t.Errorf("job, pipeline, project: %s", r.body)
	}
	// The job runs as the pipeline's user, a developer of the project.
	if got.User.ID != a.devU.ID || got.User.Username != "developer" ||
		!slices.Equal(got.User.RolesInProject, []string{"guest", "planner", "reporter", "developer"}) {
		t.Errorf("user: %+v", got.User)
	}
	if strings.Contains(string(r.body), `"environment"`) {
		t.Errorf("environment present for a job without one: %s", r.body)
	}
	if len(got.AllowedAgents) != 2 || got.AllowedAgents[0].ID != groupAgent || got.AllowedAgents[1].ID != implicitAgent {
		t.Fatalf("allowed agents: %s", r.body)
	}
	if got.AllowedAgents[0].Configuration["default_namespace"] != "prod" || len(got.AllowedAgents[1].Configuration) != 0 {
		t.Errorf("configurations: %s", r.body)
	}
	if got.AllowedAgents[1].ConfigProject["id"] != float64(a.proj.ID) {
		t.Errorf("config_project: %s", r.body)
	}
}

func TestSpecJobs_GET_job_allowed_agents_WhenTokenIsValidAndUserIsAuthorized(t *testing.T) {
	a, g, i := agentsWorld(t)
	validAllowedAgentsRequest(t, a, a.get("/api/v4/job/allowed_agents", "JOB-TOKEN", a.sim.JobToken(a.e2e)), g, i)
}

func TestSpecJobs_GET_job_allowed_agents_WhenPassingTheTokenAsParams(t *testing.T) {
	a, g, i := agentsWorld(t)
	validAllowedAgentsRequest(t, a, a.get("/api/v4/job/allowed_agents?job_token="+a.sim.JobToken(a.e2e)), g, i)
}

func TestSpecJobs_GET_job_allowed_agents_WhenTokenIsInvalidBecauseJobHasFinished(t *testing.T) {
	a, _, _ := agentsWorld(t)
	wantStatus(t, a.get("/api/v4/job/allowed_agents", "JOB-TOKEN", a.sim.JobToken(a.build)), 401, `{"message":"401 Unauthorized"}`)
}

func TestSpecJobs_GET_job_allowed_agents_WhenTokenIsInvalid(t *testing.T) {
	a, _, _ := agentsWorld(t)
	wantStatus(t, a.get("/api/v4/job/allowed_agents", "JOB-TOKEN", "bad_token"), 401, `{"message":"401 Unauthorized"}`)
}

func TestSpecJobs_GET_job_allowed_agents_WhenTokenIsValidButNotCIJobToken(t *testing.T) {
	a, _, _ := agentsWorld(t)
	wantStatus(t, a.get("/api/v4/job/allowed_agents", "PRIVATE-TOKEN", a.dev), 404, `{"message":"404 Job Not Found"}`)
}

// --- describe 'GET /projects/:id/jobs' ---

func (a *acts) projectJobs(query string, headers ...string) response {
	a.t.Helper()
	return a.get(fmt.Sprintf("/api/v4/projects/%d/jobs%s", a.proj.ID, query), headers...)
}

func listIDs(t *testing.T, r response) []int64 {
	t.Helper()
	var items []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(r.body, &items); err != nil {
		t.Fatalf("not a JSON array: %s", r.body)
	}
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestSpecJobs_GET_projects_id_jobs_AuthorizedUser(t *testing.T) {
	a := newConf(t)
	r := a.projectJobs("", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	// include_limited_pagination_headers: no totals (without_count).
	for _, h := range []string{"X-Page", "X-Per-Page", "Link"} {
		if r.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	for _, h := range []string{"X-Total", "X-Total-Pages"} {
		if r.header.Get(h) != "" {
			t.Errorf("%s present on a list without counts", h)
		}
	}
	var jobs []map[string]any
	json.Unmarshal(r.body, &jobs)
	if len(jobs) == 0 {
		t.Fatal("no jobs")
	}
	// Builds only (no bridges), newest first.
	ids := listIDs(t, r)
	if !slices.IsSortedFunc(ids, func(x, y int64) int { return int(y - x) }) || slices.Contains(ids, a.trigger) {
		t.Errorf("ids %v: want builds only, id descending", ids)
	}
	for _, j := range jobs {
		commit, _ := j["commit"].(map[string]any)
		pl, _ := j["pipeline"].(map[string]any)
		if commit["id"] != pl["sha"] || pl["id"] == nil || pl["ref"] != "main" || pl["status"] == nil {
			t.Errorf("commit/pipeline data of job %v: %v %v", j["id"], commit, pl)
		}
	}
}

// The spec's 'returns correct values' compares tag_list sorted; GitLab's
// entity sorts it (job.tags.map(&:name).sort).
func TestSpecJobs_GET_projects_id_jobs_AuthorizedUser_ReturnsCorrectValues(t *testing.T) {
	a := newConf(t)
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "tagged", Status: "success", Tags: []string{"zeta", "alpha", "mid", "alpha"}}}})
	r := a.get(a.jobPath(pl.JobIDs[0]), "PRIVATE-TOKEN", a.dev)
	got, _ := r.json(t)["tag_list"].([]any)
	if fmt.Sprint(got) != "[alpha mid zeta]" {
		t.Errorf("tag_list %v, want sorted [alpha mid zeta]", got)
	}
	list := a.projectJobs("?per_page=1", "PRIVATE-TOKEN", a.dev)
	var jobs []map[string]any
	json.Unmarshal(list.body, &jobs)
	if len(jobs) != 1 || fmt.Sprint(jobs[0]["tag_list"]) != "[alpha mid zeta]" {
		t.Errorf("listed tag_list %s", list.body)
	}
}

func TestSpecJobs_GET_projects_id_jobs_AuthorizedUser_WithoutArtifactsAndTrace(t *testing.T) {
	a := newConf(t)
	m := a.job(a.plain)
	if m["artifacts_file"] != nil || fmt.Sprint(m["artifacts"]) != "[]" {
		t.Errorf("a job without artifacts: artifacts_file %v, artifacts %v", m["artifacts_file"], m["artifacts"])
	}
	// 'a job with artifacts and trace': artifacts_file and artifacts.
	m = a.job(a.build)
	if af, _ := m["artifacts_file"].(map[string]any); af["filename"] != "artifacts.zip" {
		t.Errorf("artifacts_file %v", m["artifacts_file"])
	}
}

func TestSpecJobs_GET_projects_id_jobs_AuthorizedUser_FilterProjectWithOneScopeElement(t *testing.T) {
	a := newConf(t)
	r := a.projectJobs("?scope=pending", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	if ids := listIDs(t, r); !slices.Equal(ids, []int64{a.pending}) {
		t.Errorf("pending jobs %v, want [%d]", ids, a.pending)
	}
}

func TestSpecJobs_GET_projects_id_jobs_AuthorizedUser_FilterProjectWithArrayOfScopeElements(t *testing.T) {
	a := newConf(t)
	r := a.projectJobs("?scope[]=pending&scope[]=running", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	if ids := listIDs(t, r); !slices.Equal(ids, []int64{a.pending, a.e2e}) {
		t.Errorf("pending and running jobs %v", ids)
	}
}

// jobs.rb's optional_scope coerces a hash to its values (on pipeline
// routes a hash is a 400: conformance_pipelines_test.go).
func TestSpecRoute_GET_projects_id_jobs_ScopeGivenAsAHashUsesItsValues(t *testing.T) {
	a := newConf(t)
	r := a.projectJobs("?scope[hello]=pending&scope[world]=running", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	if ids := listIDs(t, r); !slices.Equal(ids, []int64{a.pending, a.e2e}) {
		t.Errorf("jobs %v, want the pending and running ones", ids)
	}
	wantStatus(t, a.projectJobs("?scope[x]=unknown", "PRIVATE-TOKEN", a.dev), 400, `{"error":"scope does not have a valid value"}`)
}

func TestSpecJobs_GET_projects_id_jobs_AuthorizedUser_Respond400WhenScopeContainsInvalidState(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.projectJobs("?scope[]=unknown&scope[]=running", "PRIVATE-TOKEN", a.dev), 400, `{"error":"scope does not have a valid value"}`)
}

func TestSpecJobs_GET_projects_id_jobs_UnauthorizedUser_WhenUserIsNotLoggedIn(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.projectJobs(""), 401, `{"message":"401 Unauthorized"}`)
}

func TestSpecJobs_GET_projects_id_jobs_UnauthorizedUser_WhenUserIsGuest(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.projectJobs("", "PRIVATE-TOKEN", a.guest), 403, `{"message":"403 Forbidden"}`)
}

// route_setting :authentication, job_token_allowed: true and job token
// policy read_jobs: a running job's token lists its own project's jobs.
func TestSpecRoute_GET_projects_id_jobs_JobTokenAllowed(t *testing.T) {
	a := newConf(t)
	tok := a.sim.JobToken(a.e2e)
	for _, h := range [][]string{{"JOB-TOKEN", tok}, {"Authorization", "Bearer " + tok}} {
		r := a.projectJobs("", h...)
		wantStatus(t, r, 200, "")
		if len(listIDs(t, r)) == 0 {
			t.Errorf("%s: no jobs", h[0])
		}
	}
	wantStatus(t, a.projectJobs("?job_token="+tok), 200, "")
	other := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "other/one", Visibility: "private"})
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/jobs", other.ID), "JOB-TOKEN", tok), 403,
		`{"message":"403 Forbidden - Authentication by CI/CD job token not allowed from app to one."}`)
	// A finished job's token is refused.
	wantStatus(t, a.projectJobs("", "JOB-TOKEN", a.sim.JobToken(a.build)), 401, `{"message":"401 Unauthorized"}`)
}

// describe 'GET /projects/:id/jobs offset pagination'
func TestSpecJobs_GET_projects_id_jobs_OffsetPagination(t *testing.T) {
	a := newConf(t)
	first := listIDs(t, a.projectJobs("?per_page=1", "PRIVATE-TOKEN", a.dev))
	second := listIDs(t, a.projectJobs("?page=2&per_page=1", "PRIVATE-TOKEN", a.dev))
	all := listIDs(t, a.projectJobs("?per_page=100", "PRIVATE-TOKEN", a.dev))
	if len(first) != 1 || len(second) != 1 || first[0] != all[0] || second[0] != all[1] {
		t.Errorf("page 1 %v, page 2 %v of %v", first, second, all)
	}
}

// describe 'GET /projects/:id/jobs keyset pagination'
func TestSpecJobs_GET_projects_id_jobs_KeysetPagination(t *testing.T) {
	a := newConf(t)
	only := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "acts/keyset", Members: map[int64]int{a.devU.ID: gitlabsim.DeveloperAccess}})
	pl := a.sim.CreatePipeline(only.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "job", Status: "success"}, {Name: "running_job", Status: "running"}}})
	base := fmt.Sprintf("/api/v4/projects/%d/jobs", only.ID)
	t.Run("returns first page with cursor to next page", func(t *testing.T) {
		r := a.get(base+"?pagination=keyset&per_page=1", "PRIVATE-TOKEN", a.dev)
		if ids := listIDs(t, r); !slices.Equal(ids, []int64{pl.JobIDs[1]}) {
			t.Fatalf("first page %v", ids)
		}
		link := r.header.Get("Link")
		i := strings.Index(link, "<")
		j := strings.Index(link, ">")
		if !strings.Contains(link, "cursor=") || i < 0 || j < i {
			t.Fatalf("Link %q", link)
		}
		next := strings.TrimPrefix(link[i+1:j], a.srv.URL)
		r = a.get(next, "PRIVATE-TOKEN", a.dev)
		if ids := listIDs(t, r); !slices.Equal(ids, []int64{pl.JobIDs[0]}) {
			t.Errorf("second page %v", ids)
		}
		if r.header.Get("Link") != "" {
			t.Errorf("Link on the last page: %q", r.header.Get("Link"))
		}
	})
	t.Run("respects scope filters", func(t *testing.T) {
		r := a.get(base+"?pagination=keyset&scope[]=success", "PRIVATE-TOKEN", a.dev)
		if ids := listIDs(t, r); !slices.Equal(ids, []int64{pl.JobIDs[0]}) || r.header.Get("Link") != "" {
			t.Errorf("success jobs %v, Link %q", ids, r.header.Get("Link"))
		}
	})
}

// API::Helpers::PaginationStrategies#keyset_paginator: keyset pagination
// of Ci::Build in another order than id desc is not available.
func TestSpecRoute_GET_projects_id_jobs_KeysetPaginationInAnotherOrder(t *testing.T) {
	a := newConf(t)
	// error!(...) with a string: Grape's {"error": ...}, not render_api_error!'s {"message": ...}.
	const msg = `{"error":"Keyset pagination is not yet available for this type of request"}`
	for _, q := range []string{"order_by=created_at", "sort=asc", "order_by=id&sort=asc", "order_by=name&sort=desc"} {
		wantStatus(t, a.projectJobs("?pagination=keyset&"+q, "PRIVATE-TOKEN", a.dev), 405, msg)
	}
	wantStatus(t, a.projectJobs("?pagination=keyset&order_by=id&sort=desc", "PRIVATE-TOKEN", a.dev), 200, "")
}

// offset_paginator: Ci::Build supports keyset pagination, so offset
// pagination stops at the plan's offset_pagination_limit (50,000):
// params[:page] * params[:per_page] beyond it is a 405.
func TestSpecRoute_GET_projects_id_jobs_OffsetPaginationLimit(t *testing.T) {
	a := newConf(t)
	const msg = `{"error":"Offset pagination has a maximum allowed offset of 50000 for requests that return objects of type Ci::Build. Remaining records can be retrieved using keyset pagination."}`
	wantStatus(t, a.projectJobs("?page=501&per_page=100", "PRIVATE-TOKEN", a.dev), 405, msg)
	wantStatus(t, a.projectJobs("?page=2501", "PRIVATE-TOKEN", a.dev), 405, msg)             // per_page 20 by default
	wantStatus(t, a.projectJobs("?page=51&per_page=1000", "PRIVATE-TOKEN", a.dev), 405, msg) // the given per_page, not 100
	wantStatus(t, a.projectJobs("?page=500&per_page=100", "PRIVATE-TOKEN", a.dev), 200, "[]")
	// The pipeline routes paginate without the limit.
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs?page=501&per_page=100", a.proj.ID, a.pl.ID), "PRIVATE-TOKEN", a.dev), 200, "[]")
	// The limit is checked after the project (authorize_read_builds!).
	wantStatus(t, a.get("/api/v4/projects/999999/jobs?page=501&per_page=100", "PRIVATE-TOKEN", a.dev), 404, `{"message":"404 Project Not Found"}`)
}

// pagination_params.rb: page and per_page are Grape Integers, per_page
// excludes 0; values Grape takes but Kaminari does not use (a page below 1,
// a negative per_page) are the first page and the default size. The jobs
// routes do not call verify_pagination_params!, so negative values are no
// 400 there.
func TestSpecRoute_PaginationParams(t *testing.T) {
	a := newConf(t)
	paths := []string{
		fmt.Sprintf("/api/v4/projects/%d/jobs", a.proj.ID),
		fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", a.proj.ID, a.pl.ID),
		fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/bridges", a.proj.ID, a.pl.ID),
	}
	for _, p := range paths {
		wantStatus(t, a.get(p+"?per_page=0", "PRIVATE-TOKEN", a.dev), 400, `{"error":"per_page has a value not allowed"}`)
		wantStatus(t, a.get(p+"?page=abc", "PRIVATE-TOKEN", a.dev), 400, `{"error":"page is invalid"}`)
		wantStatus(t, a.get(p+"?per_page=1.5", "PRIVATE-TOKEN", a.dev), 400, `{"error":"per_page is invalid"}`)
		wantStatus(t, a.get(p+"?page=x&per_page=y", "PRIVATE-TOKEN", a.dev), 400, `{"error":"page is invalid, per_page is invalid"}`)
		wantStatus(t, a.get(p+"?page[]=1", "PRIVATE-TOKEN", a.dev), 400, `{"error":"page is invalid"}`)
		for _, q := range []string{"page=-3&per_page=-1", "page=0", "page=+1&per_page=1_0", "page=%201%20", "page=&per_page="} {
			r := a.get(p+"?"+q, "PRIVATE-TOKEN", a.dev)
			wantStatus(t, r, 200, "")
			if r.header.Get("X-Page") != "1" {
				t.Errorf("%s?%s: X-Page %q, want 1", p, q, r.header.Get("X-Page"))
			}
		}
		if r := a.get(p+"?per_page=-1", "PRIVATE-TOKEN", a.dev); r.header.Get("X-Per-Page") != "20" {
			t.Errorf("%s?per_page=-1: X-Per-Page %q, want 20", p, r.header.Get("X-Per-Page"))
		}
		if r := a.get(p+"?per_page=1_0", "PRIVATE-TOKEN", a.dev); r.header.Get("X-Per-Page") != "10" {
			t.Errorf("%s?per_page=1_0: X-Per-Page %q, want 10 (Ruby's Integer)", p, r.header.Get("X-Per-Page"))
		}
		// Validation comes after authentication (project jobs: 401 without
		// credentials; pipeline routes go on anonymously) and before the
		// project is looked up.
		want := 400
		if !strings.Contains(p, "pipelines") {
			want = 401
		}
		wantStatus(t, a.get(p+"?per_page=0"), want, "")
	}
	wantStatus(t, a.get("/api/v4/projects/999999/jobs?per_page=0", "PRIVATE-TOKEN", a.dev), 400, `{"error":"per_page has a value not allowed"}`)
}

// --- describe 'GET /projects/:id/jobs/:job_id' ---

func TestSpecJobs_GET_projects_id_jobs_job_id_AuthorizedUser(t *testing.T) {
	a := newConf(t)
	m := commonJobData(t, a, a.get(a.jobPath(a.plain), "PRIVATE-TOKEN", a.dev), a.plain)
	snap := a.snap(a.plain)
	if m["finished_at"] != apiTime(*snap.FinishedAt) || m["duration"] == nil {
		t.Errorf("finished_at %v (want %s), duration %v", m["finished_at"], apiTime(*snap.FinishedAt), m["duration"])
	}
}

func TestSpecJobs_GET_projects_id_jobs_job_id_UnauthorizedUser(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.get(a.jobPath(a.plain)), 401, `{"message":"401 Unauthorized"}`)
}

func TestSpecJobs_GET_projects_id_jobs_job_id_WhenJobSucceeded(t *testing.T) {
	a := newConf(t)
	if _, has := a.job(a.plain)["failure_reason"]; has {
		t.Error("failure_reason present for a successful job")
	}
}

func TestSpecJobs_GET_projects_id_jobs_job_id_WhenJobFailed(t *testing.T) {
	a := newConf(t)
	if a.job(a.test)["failure_reason"] != "script_failure" {
		t.Error("failure_reason missing for a failed job")
	}
}

func TestSpecJobs_GET_projects_id_jobs_job_id_WhenJobIsErased(t *testing.T) {
	a := newConf(t)
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "old", Status: "success", ErasedAt: ptr(t0)}}})
	if got := a.job(pl.JobIDs[0])["erased_at"]; got != apiTime(t0) {
		t.Errorf("erased_at %v", got)
	}
}

// No job_token_allowed route setting on GET /projects/:id/jobs/:job_id in
// current GitLab: the job token is not read, the request has no credentials.
func TestSpecRoute_GET_projects_id_jobs_job_id_JobTokenNotAllowed(t *testing.T) {
	a := newConf(t)
	tok := a.sim.JobToken(a.e2e)
	wantStatus(t, a.get(a.jobPath(a.e2e), "JOB-TOKEN", tok), 401, `{"message":"401 Unauthorized"}`)
	wantStatus(t, a.get(a.jobPath(a.e2e)+"?job_token="+tok), 401, `{"message":"401 Unauthorized"}`)
	// As a Bearer token it is looked up as an access token: unknown, 401.
	wantStatus(t, a.get(a.jobPath(a.e2e), "Authorization", "Bearer "+tok), 401, `{"message":"401 Unauthorized"}`)
}

// --- describe 'GET /projects/:id/jobs/:job_id/trace' ---

func TestSpecJobs_GET_projects_id_jobs_job_id_trace_AuthorizedUser(t *testing.T) {
	a := newConf(t)
	r := a.get(a.jobPath(a.build)+"/trace", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	if string(r.body) != "built\n" || r.header.Get("Content-Disposition") != fmt.Sprintf(`infile; filename="%d.log"`, a.build) {
		t.Errorf("trace %q, Content-Disposition %q", r.body, r.header.Get("Content-Disposition"))
	}
}

func TestSpecJobs_GET_projects_id_jobs_job_id_trace_AuthorizedUser_WhenNoLog(t *testing.T) {
	a := newConf(t)
	r := a.get(a.jobPath(a.plain)+"/trace", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	if len(r.body) != 0 {
		t.Errorf("trace %q, want empty", r.body)
	}
}

func TestSpecJobs_GET_projects_id_jobs_job_id_trace_UnauthorizedUser(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.get(a.jobPath(a.build)+"/trace"), 401, `{"message":"401 Unauthorized"}`)
	// Nor with a job token (no job_token_allowed).
	wantStatus(t, a.get(a.jobPath(a.build)+"/trace", "JOB-TOKEN", a.sim.JobToken(a.e2e)), 401, `{"message":"401 Unauthorized"}`)
	wantStatus(t, a.get(a.jobPath(a.build)+"/trace", "PRIVATE-TOKEN", a.guest), 403, `{"message":"403 Forbidden"}`)
}

// --- describe 'POST /projects/:id/jobs/:job_id/cancel' ---

func TestSpecJobs_POST_cancel_AuthorizedUser_UserWithCancelBuildPermission(t *testing.T) {
	a := newConf(t)
	r := a.do(a.plain, "cancel", a.dev)
	wantStatus(t, r, 201, "")
	if r.json(t)["status"] != "success" || a.snap(a.plain).Status != "success" {
		t.Errorf("a finished job canceled: %s", r.body)
	}
	wantStatus(t, a.do(a.e2e, "cancel", a.dev), 201, "")
	if s := a.snap(a.e2e).Status; s != "canceled" {
		t.Errorf("running job %s after cancel", s)
	}
}

func TestSpecJobs_POST_cancel_AuthorizedUser_UserWithoutCancelBuildPermission(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.do(a.e2e, "cancel", a.rep), 403, `{"message":"403 Forbidden"}`)
	// authorize_cancel_builds! comes before the job is looked up.
	wantStatus(t, a.do(999999, "cancel", a.rep), 403, `{"message":"403 Forbidden"}`)
}

func TestSpecJobs_POST_cancel_UnauthorizedUser(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.do(a.e2e, "cancel", ""), 401, `{"message":"401 Unauthorized"}`)
}

// --- describe 'POST /projects/:id/jobs/:job_id/retry' ---

func TestSpecJobs_POST_retry_AuthorizedUserWithUpdateBuildPermission_WhenTheJobIsABuild(t *testing.T) {
	a := newConf(t)
	r := a.do(a.test, "retry", a.dev)
	wantStatus(t, r, 201, "")
	if r.json(t)["status"] != "pending" || a.snap(a.test).Status != "failed" {
		t.Errorf("retry: %s", r.body)
	}
}

func TestSpecJobs_POST_retry_AuthorizedUserWithUpdateBuildPermission_WhenTheJobIsABridge(t *testing.T) {
	a := newConf(t)
	r := a.do(a.bridgeDone, "retry", a.dev)
	wantStatus(t, r, 201, "")
	if r.json(t)["status"] != "pending" {
		t.Errorf("retry a bridge: %s", r.body)
	}
}

func TestSpecJobs_POST_retry_AuthorizedUserWithUpdateBuildPermission_WhenABuildIsNotRetryable(t *testing.T) {
	a := newConf(t)
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "new", Status: "created"}}})
	wantStatus(t, a.do(pl.JobIDs[0], "retry", a.dev), 403, `{"message":"403 Forbidden - Job is not retryable"}`)
}

// In current jobs.rb the job is found (find_job!) before
// authorize!(:retry_job, job): a reporter gets 403 for a job, 404 for none.
// (GitLab before the retry_job ability ran authorize_update_builds! first,
// a 403 either way.)
func TestSpecJobs_POST_retry_UserWithoutUpdateBuildPermission(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.do(a.test, "retry", a.rep), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, a.do(999999, "retry", a.rep), 404, `{"message":"404 Not found"}`)
}

func TestSpecJobs_POST_retry_UnauthorizedUser(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.do(a.test, "retry", ""), 401, `{"message":"401 Unauthorized"}`)
}

// --- describe 'POST /projects/:id/jobs/:job_id/erase' ---

func TestSpecJobs_POST_erase_JobIsErasable(t *testing.T) {
	a := newConf(t)
	r := a.do(a.build, "erase", a.maint)
	wantStatus(t, r, 201, "")
	snap := a.snap(a.build)
	if snap.Artifacts != 0 || snap.Log != "" || snap.ErasedAt == nil || snap.ErasedByID != a.maintU.ID {
		t.Errorf("erased job %+v", snap)
	}
	if m := r.json(t); m["artifacts_file"] != nil || fmt.Sprint(m["artifacts"]) != "[]" || m["erased_at"] == nil {
		t.Errorf("erase answer %s", r.body)
	}
}

func TestSpecJobs_POST_erase_JobIsNotErasable(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.do(a.e2e, "erase", a.maint), 403, `{"message":"403 Forbidden - Job is not erasable!"}`)
}

func TestSpecJobs_POST_erase_WhenADeveloperErasesABuild_WhenTheBuildWasCreatedByTheDeveloper(t *testing.T) {
	a := newConf(t) // the pipeline runs as the developer
	wantStatus(t, a.do(a.build, "erase", a.dev), 201, "")
}

func TestSpecJobs_POST_erase_WhenADeveloperErasesABuild_WhenTheBuildWasCreatedByAnotherUser(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.do(a.build, "erase", a.dev2), 403, `{"message":"403 Forbidden"}`)
	// find_build! before authorize!(:erase_build): a missing job is 404.
	wantStatus(t, a.do(999999, "erase", a.rep), 404, `{"message":"404 Not found"}`)
}

// --- describe 'POST /projects/:id/jobs/:job_id/play' ---

func (a *acts) play(jobID int64, token, contentType, body string) response {
	a.t.Helper()
	return a.post(a.path(jobID, "play"), contentType, body, "PRIVATE-TOKEN", token)
}

func TestSpecJobs_POST_play_OnAPlayableJob_WhenUserIsAuthorizedToTriggerAManualAction_ThatIsABridge(t *testing.T) {
	a := newConf(t)
	r := a.play(a.trigger, a.dev2, "", "")
	wantStatus(t, r, 200, "")
	m := r.json(t)
	if u, _ := m["user"].(map[string]any); u["id"] != float64(a.dev2U.ID) || m["id"] != float64(a.trigger) || a.snap(a.trigger).Status != "pending" {
		t.Errorf("play a bridge: %s", r.body)
	}
}

func TestSpecJobs_POST_play_OnAPlayableJob_WhenUserIsAuthorizedToTriggerAManualAction_ThatIsABuild(t *testing.T) {
	a := newConf(t)
	r := a.play(a.deploy, a.dev2, "", "")
	wantStatus(t, r, 200, "")
	m := r.json(t)
	if u, _ := m["user"].(map[string]any); u["id"] != float64(a.dev2U.ID) || m["id"] != float64(a.deploy) || a.snap(a.deploy).Status != "pending" {
		t.Errorf("play a build: %s", r.body)
	}
}

func TestSpecJobs_POST_play_WhenTheUserProvidesValidCustomVariables(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.play(a.deploy, a.dev, "application/json", `{"job_variables_attributes":[{"key":"TEST_VAR","value":"test"}]}`), 200, "")
	if v := a.snap(a.deploy).Variables; len(v) != 1 || v[0] != (gitlabsim.Variable{Key: "TEST_VAR", Value: "test"}) {
		t.Errorf("variables %v", v)
	}
}

func TestSpecJobs_POST_play_WhenTheUserProvidesAVariableWithoutAKey(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.play(a.deploy, a.dev, "application/json", `{"job_variables_attributes":[{"value":"test"}]}`), 400, `{"error":"job_variables_attributes[0][key] is missing"}`)
	if s := a.snap(a.deploy).Status; s != "manual" {
		t.Errorf("status %s", s)
	}
}

func TestSpecJobs_POST_play_WhenTheUserProvidesAVariableWithoutAValue(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.play(a.deploy, a.dev, "application/json", `{"job_variables_attributes":[{"key":"TEST_VAR"}]}`), 400, `{"error":"job_variables_attributes[0][value] is missing"}`)
}

func TestSpecJobs_POST_play_WhenTheUserProvidesBothValidAndInvalidVariables(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.play(a.deploy, a.dev, "application/json", `{"job_variables_attributes":[{"key":"TEST_VAR","value":"test"},{"value":"test2"}]}`),
		400, `{"error":"job_variables_attributes[1][key] is missing"}`)
	if s := a.snap(a.deploy).Status; s != "manual" {
		t.Errorf("status %s", s)
	}
}

// Keys Grape lets through but Ci::HasVariable rejects (empty, not
// [a-zA-Z0-9_]+, longer than 255): enqueue! fails, PlayBuildService rescues
// StateMachines::InvalidTransition by retrying a job that is not retryable,
// and the API presents the job as it was: 200, not played. A key given
// twice breaks the unique index: 500.
func TestSpecRoute_POST_play_VariableKeysTheModelRejects(t *testing.T) {
	for _, key := range []string{"", "MY-VAR", "A B", "ÄPFEL", strings.Repeat("K", 256)} {
		a := newConf(t)
		body, _ := json.Marshal(map[string]any{"job_variables_attributes": []map[string]string{{"key": key, "value": "v"}}})
		r := a.play(a.deploy, a.dev, "application/json", string(body))
		wantStatus(t, r, 200, "")
		if snap := a.snap(a.deploy); snap.Status != "manual" || len(snap.Variables) != 0 || a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay) != 0 {
			t.Errorf("key %q: job %s with %v after play", key, snap.Status, snap.Variables)
		}
		if r.json(t)["status"] != "manual" {
			t.Errorf("key %q: answer %s", key, r.body)
		}
	}
	a := newConf(t)
	wantStatus(t, a.play(a.deploy, a.dev, "application/json", `{"job_variables_attributes":[{"key":"A","value":"1"},{"key":"A","value":"2"}]}`),
		500, `{"message":"500 Internal Server Error"}`)
	if snap := a.snap(a.deploy); snap.Status != "manual" {
		t.Errorf("status %s after a duplicate key", snap.Status)
	}
	// A finished action is played again by retrying it, whatever the keys.
	b := newConf(t)
	pl := b.sim.CreatePipeline(b.proj.ID, gitlabsim.PipelineSpec{UserID: b.devU.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "done", Status: "success", When: "manual"}}})
	wantStatus(t, b.play(pl.JobIDs[0], b.dev, "application/json", `{"job_variables_attributes":[{"key":"A-B","value":"1"}]}`), 200, "")
	if b.sim.ActionCount(pl.JobIDs[0], gitlabsim.ActionRetry) != 1 {
		t.Error("a finished manual job was not played again")
	}
}

func TestSpecJobs_POST_play_WhenUserIsNotAuthorized_WhenUserDoesNotHaveAccessToTheProject(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.play(a.deploy, a.out, "", ""), 404, `{"message":"404 Project Not Found"}`)
	if s := a.snap(a.deploy).Status; s != "manual" {
		t.Errorf("status %s", s)
	}
}

func TestSpecJobs_POST_play_WhenUserIsNotAuthorized_WhenUserIsNotAllowedToTriggerTheManualAction(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.play(a.deploy, a.rep, "", ""), 403, `{"message":"403 Forbidden"}`)
	if s := a.snap(a.deploy).Status; s != "manual" {
		t.Errorf("status %s", s)
	}
}

func TestSpecJobs_POST_play_OnANonPlayableJob(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.play(a.plain, a.dev, "", ""), 400, `{"message":"400 Bad request - Unplayable Job"}`)
}

// Actions never take a job token (no job_token_allowed).
func TestSpecRoute_POST_actions_JobTokenNotAllowed(t *testing.T) {
	a := newConf(t)
	tok := a.sim.JobToken(a.e2e)
	for _, act := range []string{"play", "retry", "cancel", "erase"} {
		wantStatus(t, a.post(a.path(a.deploy, act), "", "", "JOB-TOKEN", tok), 401, `{"message":"401 Unauthorized"}`)
	}
}

// --- requests GitLab answers before its routes ---

// A path with "//" or a dot segment: GitLab's catch-all 404, not Go's
// redirect to the cleaned path.
func TestSpecRoute_UncleanPathsAreNotFound(t *testing.T) {
	a := newConf(t)
	client := *a.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, p := range []string{
		fmt.Sprintf("/api/v4//projects/%d/jobs", a.proj.ID),
		fmt.Sprintf("/api/v4/projects/%d//jobs", a.proj.ID),
		fmt.Sprintf("/api/v4/projects/%d/jobs/../jobs", a.proj.ID),
		fmt.Sprintf("/api/v4/projects/%d/./jobs", a.proj.ID),
		fmt.Sprintf("/api/v4/projects/%d/jobs/%%2e%%2e/jobs", a.proj.ID),
	} {
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+p, nil)
		req.URL.Opaque = p // sent as written, not cleaned by the client
		req.Header.Set("PRIVATE-TOKEN", a.dev)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d (Location %q), want 404", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// A body beyond NGINX's client_max_body_size is its 413, before any route
// runs (and so before the simulator reads it whole).
func TestSpecRoute_RequestBodyLimit(t *testing.T) {
	a := newActs(t, gitlabsim.Options{MaxBodyBytes: 1024})
	big := `{"job_variables_attributes":[{"key":"K","value":"` + strings.Repeat("x", 2000) + `"}]}`
	r := a.play(a.deploy, a.dev, "application/json", big)
	if r.status != 413 || !strings.Contains(string(r.body), "413 Request Entity Too Large") {
		t.Errorf("%d %s, want 413", r.status, r.body)
	}
	if s := a.snap(a.deploy).Status; s != "manual" {
		t.Errorf("status %s after a refused body", s)
	}
	// Without a Content-Length (chunked), the same.
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+a.path(a.deploy, "play"), strings.NewReader(big))
	req.ContentLength = -1
	req.Header.Set("PRIVATE-TOKEN", a.dev)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("chunked: %d, want 413", resp.StatusCode)
	}
	wantStatus(t, a.play(a.deploy, a.dev, "application/json", `{"job_variables_attributes":[{"key":"K","value":"v"}]}`), 200, "")
	if gitlabsim.DefaultMaxBodyBytes != 250<<20 {
		t.Errorf("DefaultMaxBodyBytes %d, want NGINX's 250m", gitlabsim.DefaultMaxBodyBytes)
	}
}
