package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Conformance tests after the pipeline jobs and bridges parts of
// spec/requests/api/ci/pipelines_spec.rb (see conformance_jobs_test.go).

func (a *acts) pipelineList(kind, query string, headers ...string) response {
	a.t.Helper()
	return a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/%s%s", a.proj.ID, a.pl.ID, kind, query), headers...)
}

func listJobs(t *testing.T, r response) []map[string]any {
	t.Helper()
	var jobs []map[string]any
	if err := json.Unmarshal(r.body, &jobs); err != nil {
		t.Fatalf("not a JSON array: %s", r.body)
	}
	return jobs
}

// --- describe 'GET /projects/:id/pipelines/:pipeline_id/jobs' ---

func TestSpecPipelines_GET_pipeline_jobs_AuthorizedUser(t *testing.T) {
	a := newConf(t)
	r := a.pipelineList("jobs", "", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	// include_pagination_headers: with totals (paginate counts).
	for _, h := range []string{"X-Page", "X-Per-Page", "X-Total", "X-Total-Pages", "Link"} {
		if r.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	jobs := listJobs(t, r)
	if r.header.Get("X-Total") != fmt.Sprint(len(jobs)) || len(jobs) != 8 {
		t.Errorf("X-Total %s, %d jobs, want the pipeline's 8 builds", r.header.Get("X-Total"), len(jobs))
	}
	for _, j := range jobs {
		commit, _ := j["commit"].(map[string]any)
		pl, _ := j["pipeline"].(map[string]any)
		if pl["id"] != float64(a.pl.ID) || pl["project_id"] != float64(a.proj.ID) || pl["ref"] != "main" || commit["id"] != pl["sha"] || pl["status"] == nil {
			t.Errorf("job %v: pipeline %v commit %v", j["id"], pl, commit["id"])
		}
		if _, bridge := j["downstream_pipeline"]; bridge {
			t.Errorf("a bridge among the jobs: %v", j["id"])
		}
	}
}

func TestSpecPipelines_GET_pipeline_jobs_AuthorizedUser_FilterJobsWithOneScopeElement(t *testing.T) {
	a := newConf(t)
	r := a.pipelineList("jobs", "?scope=pending", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	jobs := listJobs(t, r)
	if len(jobs) != 1 || jobs[0]["id"] != float64(a.pending) {
		t.Fatalf("pending jobs %s", r.body)
	}
	if q, ok := jobs[0]["queued_duration"].(float64); jobs[0]["duration"] != nil || !ok || q < 0 {
		t.Errorf("pending job: duration %v, queued_duration %v", jobs[0]["duration"], jobs[0]["queued_duration"])
	}
}

func TestSpecPipelines_GET_pipeline_jobs_AuthorizedUser_WhenFilteringToOnlyRunningJobs(t *testing.T) {
	a := newConf(t)
	jobs := listJobs(t, a.pipelineList("jobs", "?scope=running", "PRIVATE-TOKEN", a.dev))
	if len(jobs) != 1 {
		t.Fatalf("%d running jobs", len(jobs))
	}
	d, ok1 := jobs[0]["duration"].(float64)
	q, ok2 := jobs[0]["queued_duration"].(float64)
	if !ok1 || !ok2 || d < 0 || q < 0 {
		t.Errorf("running job: duration %v, queued_duration %v", jobs[0]["duration"], jobs[0]["queued_duration"])
	}
}

func TestSpecPipelines_GET_pipeline_jobs_AuthorizedUser_FilterJobsWithHash(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.pipelineList("jobs", "?scope[hello]=pending&scope[world]=running", "PRIVATE-TOKEN", a.dev),
		400, `{"error":"scope does not have a valid value"}`)
}

func TestSpecPipelines_GET_pipeline_jobs_AuthorizedUser_FilterJobsWithArrayOfScopeElements(t *testing.T) {
	a := newConf(t)
	r := a.pipelineList("jobs", "?scope[]=pending&scope[]=running", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	if ids := listIDs(t, r); !slices.Equal(ids, []int64{a.pending, a.e2e}) {
		t.Errorf("jobs %v", ids)
	}
}

func TestSpecPipelines_GET_pipeline_jobs_AuthorizedUser_Respond400WhenScopeContainsInvalidState(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.pipelineList("jobs", "?scope[]=unknown&scope[]=running", "PRIVATE-TOKEN", a.dev), 400, `{"error":"scope does not have a valid value"}`)
}

func TestSpecPipelines_GET_pipeline_jobs_AuthorizedUser_JobsInDifferentPipelines(t *testing.T) {
	a := newConf(t)
	a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "elsewhere", Status: "success"}}})
	for _, j := range listJobs(t, a.pipelineList("jobs", "?per_page=100", "PRIVATE-TOKEN", a.dev)) {
		if pl, _ := j["pipeline"].(map[string]any); pl["id"] != float64(a.pl.ID) {
			t.Errorf("job %v of pipeline %v", j["id"], pl["id"])
		}
	}
}

func TestSpecPipelines_GET_pipeline_jobs_AuthorizedUser_PipelineHasRetriedJobs(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.do(a.test, "retry", a.dev), 201, "")
	count := func(q string) (n int, names map[string]int) {
		names = map[string]int{}
		for _, j := range listJobs(t, a.pipelineList("jobs", q, "PRIVATE-TOKEN", a.dev)) {
			names[j["name"].(string)]++
			n++
		}
		return n, names
	}
	if n, names := count("?per_page=100"); n != 8 || names["test"] != 1 {
		t.Errorf("by default: %d jobs, %d named test", n, names["test"])
	}
	if n, names := count("?per_page=100&include_retried=false"); n != 8 || names["test"] != 1 {
		t.Errorf("include_retried=false: %d jobs, %d named test", n, names["test"])
	}
	if n, names := count("?per_page=100&include_retried=true"); n != 9 || names["test"] != 2 {
		t.Errorf("include_retried=true: %d jobs, %d named test", n, names["test"])
	}
}

func TestSpecPipelines_GET_pipeline_jobs_NoPipelineIsFound(t *testing.T) {
	a := newConf(t)
	project2 := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "acts/project2"})
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", project2.ID, a.pl.ID), "PRIVATE-TOKEN", a.dev),
		404, `{"message":"404 Project Not Found"}`)
	// A pipeline of another project through this one: ActiveRecord's 404.
	other := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "acts/mine", Members: map[int64]int{a.devU.ID: gitlabsim.DeveloperAccess}})
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", other.ID, a.pl.ID), "PRIVATE-TOKEN", a.dev),
		404, `{"message":"404 Not found"}`)
}

// authenticate_non_get!: an anonymous GET of a private project's jobs is
// the project's 404.
func TestSpecPipelines_GET_pipeline_jobs_UnauthorizedUser_WhenUserIsNotLoggedIn(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.pipelineList("jobs", ""), 404, `{"message":"404 Project Not Found"}`)
}

func TestSpecPipelines_GET_pipeline_jobs_UnauthorizedUser_WhenUserIsGuest(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.pipelineList("jobs", "", "PRIVATE-TOKEN", a.guest), 403, `{"message":"403 Forbidden"}`)
}

// publicWorld is a public project with a pipeline of a build and a bridge.
func publicWorld(t *testing.T) (a *acts, public gitlabsim.Project, pl gitlabsim.Pipeline) {
	a = newConf(t)
	public = a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "open/source", Visibility: "public"})
	pl = a.sim.CreatePipeline(public.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "build", Status: "success"}, {Name: "trigger", Status: "success", Bridge: true, DownstreamPipelineID: a.down.ID}}})
	return a, public, pl
}

// The same rule serves a public project's jobs and bridges to anyone,
// signed in or not; a wrong token is still a 401.
func TestSpecRoute_GET_pipeline_jobs_and_bridges_AnonymousOnAPublicProject(t *testing.T) {
	a, public, pl := publicWorld(t)
	for kind, want := range map[string]int64{"jobs": pl.JobIDs[0], "bridges": pl.JobIDs[1], "trigger_jobs": pl.JobIDs[1]} {
		path := fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/%s", public.ID, pl.ID, kind)
		for _, h := range [][]string{nil, {"PRIVATE-TOKEN", a.out}} {
			r := a.get(path, h...)
			wantStatus(t, r, 200, "")
			if ids := listIDs(t, r); !slices.Equal(ids, []int64{want}) {
				t.Errorf("%s (%v): %v", kind, h, ids)
			}
		}
		wantStatus(t, a.get(path, "PRIVATE-TOKEN", "glpat-wrong"), 401, `{"message":"401 Unauthorized"}`)
		if kind == "bridges" {
			// Not job_token_allowed: the job token is not read at all.
			wantStatus(t, a.get(path, "JOB-TOKEN", "glcbt-wrong"), 200, "")
		} else {
			wantStatus(t, a.get(path, "JOB-TOKEN", "glcbt-wrong"), 401, `{"message":"401 Unauthorized"}`)
		}
	}
	// An anonymous GET of an internal project is not served either.
	internal := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "inner/source", Visibility: "internal"})
	ipl := a.sim.CreatePipeline(internal.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "b", Status: "success"}}})
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", internal.ID, ipl.ID)), 404, `{"message":"404 Project Not Found"}`)
	// Project jobs keep authenticate!: 401 without credentials.
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/jobs", public.ID)), 401, `{"message":"401 Unauthorized"}`)
}

// route_setting job_token_allowed on pipeline jobs (read_jobs) and on
// trigger_jobs (GitLab 19.2, read_pipelines): a running job's token lists
// its own project's pipelines.
func TestSpecRoute_GET_pipeline_jobs_and_trigger_jobs_JobTokenAllowed(t *testing.T) {
	a := newConf(t)
	tok := a.sim.JobToken(a.e2e)
	for _, kind := range []string{"jobs", "trigger_jobs"} {
		r := a.pipelineList(kind, "", "JOB-TOKEN", tok)
		wantStatus(t, r, 200, "")
		if len(listIDs(t, r)) == 0 {
			t.Errorf("%s: empty", kind)
		}
		wantStatus(t, a.pipelineList(kind, "", "JOB-TOKEN", a.sim.JobToken(a.build)), 401, `{"message":"401 Unauthorized"}`)
	}
}

// GET .../bridges has no route_setting job_token_allowed
// (lib/api/ci/pipelines.rb): find_user_from_job_token does not look at the
// token, the GET goes on anonymously (authenticate_non_get!), and the
// private project is 404 Project Not Found, whether the job runs or not.
func TestSpecRoute_GET_pipeline_bridges_JobTokenIgnored(t *testing.T) {
	a := newConf(t)
	for _, job := range []int64{a.e2e, a.build} {
		tok := a.sim.JobToken(job)
		wantStatus(t, a.pipelineList("bridges", "", "JOB-TOKEN", tok), 404, `{"message":"404 Project Not Found"}`)
		wantStatus(t, a.pipelineList("bridges", "?job_token="+tok), 404, `{"message":"404 Project Not Found"}`)
	}
}

// trigger_jobs answers what /bridges answers, filters, pagination and
// errors alike (the same finder and entity).
func TestSpecRoute_GET_pipeline_trigger_jobs_SameAsBridges(t *testing.T) {
	a := newConf(t)
	for _, q := range []string{"", "?scope=manual", "?scope[]=manual&scope[]=success", "?scope=bogus", "?scope[a]=manual",
		"?per_page=1&page=2", "?page=x", "?per_page=0"} {
		b, tj := a.pipelineList("bridges", q, "PRIVATE-TOKEN", a.dev), a.pipelineList("trigger_jobs", q, "PRIVATE-TOKEN", a.dev)
		if b.status != tj.status || string(b.body) != string(tj.body) {
			t.Errorf("%q: bridges %d %s, trigger_jobs %d %s", q, b.status, b.body, tj.status, tj.body)
		}
		for _, h := range []string{"X-Total", "X-Page", "X-Next-Page", "Link"} {
			if b.header.Get(h) != strings.ReplaceAll(tj.header.Get(h), "trigger_jobs", "bridges") {
				t.Errorf("%q: %s %q and %q", q, h, b.header.Get(h), tj.header.Get(h))
			}
		}
	}
	wantStatus(t, a.pipelineList("trigger_jobs", "", "PRIVATE-TOKEN", a.guest), 403, `{"message":"403 Forbidden"}`)
}

// GitLab before 19.2 has no trigger_jobs route: the catch-all's 404, whose
// body is Grape's error! ({"error": ...}), unlike a missing project or
// pipeline ({"message": ...}).
func TestSpecRoute_GET_pipeline_trigger_jobs_BeforeGitLab19_2(t *testing.T) {
	a := newActs(t, gitlabsim.Options{WithoutTriggerJobs: true})
	wantStatus(t, a.pipelineList("trigger_jobs", "", "PRIVATE-TOKEN", a.dev), 404, `{"error":"404 Not Found"}`)
	wantStatus(t, a.pipelineList("bridges", "", "PRIVATE-TOKEN", a.dev), 200, "")
	b := newConf(t)
	wantStatus(t, b.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/trigger_jobs", b.proj.ID, 999999), "PRIVATE-TOKEN", b.dev), 404, `{"message":"404 Not found"}`)
	wantStatus(t, b.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/trigger_jobs", 999999, b.pl.ID), "PRIVATE-TOKEN", b.dev), 404, `{"message":"404 Project Not Found"}`)
}

// --- describe 'GET /projects/:id/pipelines/:pipeline_id/bridges' ---

func TestSpecPipelines_GET_pipeline_bridges_AuthorizedUser(t *testing.T) {
	a := newConf(t)
	r := a.pipelineList("bridges", "", "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	for _, h := range []string{"X-Page", "X-Per-Page", "X-Total", "Link"} {
		if r.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	bridges := listJobs(t, r)
	if ids := listIDs(t, r); !slices.Equal(ids, []int64{a.bridgeDone, a.trigger}) {
		t.Fatalf("bridges %v", ids)
	}
	down := bridges[0]
	pl, _ := down["pipeline"].(map[string]any)
	commit, _ := down["commit"].(map[string]any)
	if down["name"] != "downstream" || down["stage"] != "deploy" || pl["id"] != float64(a.pl.ID) ||
		pl["project_id"] != float64(a.proj.ID) || pl["ref"] != "main" || commit["id"] != pl["sha"] || pl["status"] == nil {
		t.Errorf("bridge values: %v", down)
	}
	// 'returns downstream pipeline data'
	dp, _ := down["downstream_pipeline"].(map[string]any)
	if dp["id"] != float64(a.down.ID) || dp["project_id"] != float64(a.proj.ID) || dp["ref"] != "main" || dp["sha"] == nil || dp["status"] != "success" {
		t.Errorf("downstream_pipeline %v", dp)
	}
	if bridges[1]["downstream_pipeline"] != nil {
		t.Errorf("a bridge that triggered nothing: downstream_pipeline %v", bridges[1]["downstream_pipeline"])
	}
}

func TestSpecPipelines_GET_pipeline_bridges_AuthorizedUser_FilterBridges_WithOneScopeElement(t *testing.T) {
	a := newConf(t)
	r := a.pipelineList("bridges", "?scope=manual", "PRIVATE-TOKEN", a.dev)
	if ids := listIDs(t, r); !slices.Equal(ids, []int64{a.trigger}) {
		t.Errorf("manual bridges %v", ids)
	}
}

func TestSpecPipelines_GET_pipeline_bridges_AuthorizedUser_FilterBridges_WithArrayOfScopeElements(t *testing.T) {
	a := newConf(t)
	r := a.pipelineList("bridges", "?scope[]=manual&scope[]=success", "PRIVATE-TOKEN", a.dev)
	if ids := listIDs(t, r); len(ids) != 2 {
		t.Errorf("bridges %v", ids)
	}
	r = a.pipelineList("bridges", "?scope[]=pending&scope[]=running", "PRIVATE-TOKEN", a.dev)
	if ids := listIDs(t, r); len(ids) != 0 {
		t.Errorf("pending or running bridges %v", ids)
	}
}

func TestSpecPipelines_GET_pipeline_bridges_AuthorizedUser_Respond400WhenScopeContainsInvalidState(t *testing.T) {
	a := newConf(t)
	for name, q := range map[string]string{
		"in an array": "?scope[]=unknown&scope[]=running", "in a hash": "?scope[unknown]=true", "in a string": "?scope=unknown",
	} {
		t.Run(name, func(t *testing.T) {
			wantStatus(t, a.pipelineList("bridges", q, "PRIVATE-TOKEN", a.dev), 400, `{"error":"scope does not have a valid value"}`)
		})
	}
}

func TestSpecPipelines_GET_pipeline_bridges_AuthorizedUser_BridgesInDifferentPipelines(t *testing.T) {
	a := newConf(t)
	a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "bridge2", Status: "created", Bridge: true}}})
	for _, b := range listJobs(t, a.pipelineList("bridges", "", "PRIVATE-TOKEN", a.dev)) {
		if pl, _ := b["pipeline"].(map[string]any); pl["id"] != float64(a.pl.ID) {
			t.Errorf("bridge %v of pipeline %v", b["id"], pl["id"])
		}
	}
}

func TestSpecPipelines_GET_pipeline_bridges_NoPipelineIsFound(t *testing.T) {
	a := newConf(t)
	project2 := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "acts/project2"})
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/bridges", project2.ID, a.pl.ID), "PRIVATE-TOKEN", a.dev),
		404, `{"message":"404 Project Not Found"}`)
}

func TestSpecPipelines_GET_pipeline_bridges_UnauthorizedUser_WhenUserIsNotLoggedIn(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.pipelineList("bridges", ""), 404, `{"message":"404 Project Not Found"}`)
}

func TestSpecPipelines_GET_pipeline_bridges_UnauthorizedUser_WhenUserIsGuest(t *testing.T) {
	a := newConf(t)
	wantStatus(t, a.pipelineList("bridges", "", "PRIVATE-TOKEN", a.guest), 403, `{"message":"403 Forbidden"}`)
}

func TestSpecPipelines_GET_pipeline_bridges_UnauthorizedUser_WhenUserHasNoReadBuildAccessForProject(t *testing.T) {
	a := newConf(t)
	a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "acts/other"}) // unrelated
	wantStatus(t, a.pipelineList("bridges", "", "PRIVATE-TOKEN", a.guest), 403, `{"message":"403 Forbidden"}`)
}

// --- the seed format (fixture.go): what the simulator holds is what GitLab could hold ---

func TestSpecSeed_RejectsImpossibleFixtures(t *testing.T) {
	const base = `{"users":[{"username":"u"}],"projects":[{"path":"g/p","pipelines":[{"id":1,"created_at":"2030-01-01T10:00:00Z","jobs":[%s]}]}]}`
	for name, job := range map[string]string{
		"started before the pipeline":    `{"name":"j","status":"success","started_at":"2030-01-01T09:59:59Z","finished_at":"2030-01-01T10:01:00Z"}`,
		"queued before the pipeline":     `{"name":"j","status":"running","started_at":"2030-01-01T10:00:05Z","queued_duration":10}`,
		"negative queued_duration":       `{"name":"j","status":"running","started_at":"2030-01-01T10:00:05Z","queued_duration":-1}`,
		"finished before it started":     `{"name":"j","status":"success","started_at":"2030-01-01T10:05:00Z","finished_at":"2030-01-01T10:01:00Z"}`,
		"erased before it finished":      `{"name":"j","status":"success","started_at":"2030-01-01T10:00:01Z","finished_at":"2030-01-01T10:01:00Z","erased_at":"2030-01-01T10:00:30Z"}`,
		"downstream of a build":          `{"name":"j","status":"success","downstream_pipeline_id":1}`,
		"downstream pipeline not seeded": `{"name":"j","status":"success","bridge":true,"downstream_pipeline_id":77}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := gitlabsim.New(gitlabsim.Options{})
			if err := s.LoadFixture(strings.NewReader(fmt.Sprintf(base, job))); err == nil {
				t.Errorf("seed accepted: %s", job)
			}
		})
	}
	// A pipeline without created_at was created when its first job was, at
	// the latest: queued_duration never comes out negative.
	e := newEnv(t)
	if err := e.sim.LoadFixture(strings.NewReader(`{"projects":[{"path":"g/p","members":{},"visibility":"public","pipelines":[{"id":5,
		"jobs":[{"name":"old","status":"success","started_at":"2020-01-01T10:00:00Z","finished_at":"2020-01-01T10:01:00Z"}]}]}]}`)); err != nil {
		t.Fatal(err)
	}
	r := e.get("/api/v4/projects/g%2Fp/pipelines/5/jobs")
	jobs := listJobs(t, r)
	if q, ok := jobs[0]["queued_duration"].(float64); !ok || q < 0 {
		t.Errorf("queued_duration %v", jobs[0]["queued_duration"])
	}
}

// Bridges with their downstream pipeline (in any order in the seed), a
// public project anyone may read, and a fixed job token.
func TestSpecSeed_BridgesPublicProjectsAndJobTokens(t *testing.T) {
	e := newEnv(t)
	seed := `{"users":[{"username":"dev"}],"projects":[
	  {"path":"g/app","visibility":"public","members":{"dev":30},"pipelines":[
	    {"id":10,"created_at":"2030-01-01T10:00:00Z","jobs":[
	      {"id":100,"name":"trigger-child","status":"success","bridge":true,"downstream_pipeline_id":11,
	       "started_at":"2030-01-01T10:00:01Z","finished_at":"2030-01-01T10:02:00Z"},
	      {"id":101,"name":"work","status":"running","started_at":"2030-01-01T10:00:02Z","token":"glcbt-seeded-101"}]},
	    {"id":11,"created_at":"2030-01-01T10:00:02Z","source":"parent_pipeline","jobs":[{"id":110,"name":"child","status":"success"}]}]}]}`
	if err := e.sim.LoadFixture(strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	r := e.get("/api/v4/projects/g%2Fapp/pipelines/10/bridges")
	bridges := listJobs(t, r)
	if len(bridges) != 1 {
		t.Fatalf("bridges %s", r.body)
	}
	if dp, _ := bridges[0]["downstream_pipeline"].(map[string]any); dp["id"] != float64(11) {
		t.Errorf("downstream_pipeline %v", bridges[0]["downstream_pipeline"])
	}
	wantStatus(t, e.get("/api/v4/job", "JOB-TOKEN", "glcbt-seeded-101"), 200, "")
	if got := e.sim.RunningJobTokens(); len(got) != 2 || got[1].JobID != 101 || got[1].Token != "glcbt-seeded-101" || got[1].Project != "g/app" {
		// e's own fixture has a running job too (its token is random).
		t.Errorf("running job tokens %+v", got)
	}
}

// TestSpecRoute_GET_pipeline_bridges_IncludeRetriedUndeclared: a retried bridge leaves its pipeline's trigger
// job list, which holds the newest runs, and comes back with
// include_retried, which the route does not declare but hands, uncoerced,
// to Ci::JobsFinder: any value counts, "false" too, but not a bare key.
func TestSpecRoute_GET_pipeline_bridges_IncludeRetriedUndeclared(t *testing.T) {
	e := newEnv(t)
	pl := e.sim.CreatePipeline(e.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "build", Status: "success"},
		{Name: "trigger-later", Stage: "deploy", Status: "failed", Bridge: true},
	}})
	bridge := pl.JobIDs[1]
	retry := e.post(fmt.Sprintf("/api/v4/projects/%d/jobs/%d/retry", e.proj.ID, bridge), "", "", "PRIVATE-TOKEN", e.adminTok)
	wantStatus(t, retry, 201, "")
	var retried struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(retry.body, &retried)
	for _, route := range []string{"bridges", "trigger_jobs"} {
		list := func(q string) []int64 {
			r := e.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/%s%s", e.proj.ID, pl.ID, route, q), "PRIVATE-TOKEN", e.devTok)
			wantStatus(t, r, 200, "")
			return ids(t, r)
		}
		for _, q := range []string{"", "?include_retried"} {
			if got := list(q); len(got) != 1 || got[0] != retried.ID {
				t.Errorf("%s%s: %v, want the new run %d only", route, q, got, retried.ID)
			}
		}
		for _, q := range []string{"?include_retried=true", "?include_retried=false", "?include_retried=", "?include_retried=maybe"} {
			if got := list(q); len(got) != 2 || got[0] != retried.ID || got[1] != bridge {
				t.Errorf("%s%s: %v, want %d and the retried %d", route, q, got, retried.ID, bridge)
			}
		}
	}
}
