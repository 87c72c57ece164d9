package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// t0 is when the action tests' fake clock starts.
var t0 = time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)

// acts is a project for the action endpoints, on a fake clock, with users
// of every role (api-scoped tokens) and a pipeline of every kind of job.
type acts struct {
	*env
	clock                                          *gitlabsim.Clock
	proj                                           gitlabsim.Project
	pl, down                                       gitlabsim.Pipeline
	devU, dev2U, maintU                            gitlabsim.User
	dev, dev2, maint, rep, guest, out, admin, read string // tokens
	// jobs of pl
	build, test, e2e, deploy, flaky, trigger, bridgeDone, pending, delayed, plain int64
}

func newActs(t *testing.T, opts gitlabsim.Options) *acts {
	t.Helper()
	a := &acts{clock: gitlabsim.NewClock(t0)}
	if opts.Now == nil {
		opts.Now = a.clock.Now
	}
	a.env = newEnvWith(t, opts)
	s := a.sim
	a.devU = s.CreateUser(gitlabsim.UserSpec{Username: "developer"})
	a.dev2U = s.CreateUser(gitlabsim.UserSpec{Username: "developer2"})
	a.maintU = s.CreateUser(gitlabsim.UserSpec{Username: "maintainer"})
	repU := s.CreateUser(gitlabsim.UserSpec{Username: "reporter"})
	a.dev = s.CreatePersonalAccessToken(a.devU.ID, gitlabsim.TokenSpec{})
	a.dev2 = s.CreatePersonalAccessToken(a.dev2U.ID, gitlabsim.TokenSpec{})
	a.maint = s.CreatePersonalAccessToken(a.maintU.ID, gitlabsim.TokenSpec{})
	a.rep = s.CreatePersonalAccessToken(repU.ID, gitlabsim.TokenSpec{})
	a.read = s.CreatePersonalAccessToken(a.devU.ID, gitlabsim.TokenSpec{Scopes: []string{"read_api"}})
	a.guest, a.out, a.admin = a.guestTok, a.outTok, a.adminTok
	a.proj = s.CreateProject(gitlabsim.ProjectSpec{Path: "acts/app", Members: map[int64]int{
		a.devU.ID: gitlabsim.DeveloperAccess, a.dev2U.ID: gitlabsim.DeveloperAccess, a.maintU.ID: gitlabsim.MaintainerAccess,
		repU.ID: gitlabsim.ReporterAccess, a.env.guest.ID: gitlabsim.GuestAccess,
	}})
	a.down = s.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Source: "parent_pipeline", Jobs: []gitlabsim.JobSpec{{Name: "child", Status: "success"}}})
	a.pl = s.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{UserID: a.devU.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", Log: "built\n", Tags: []string{"docker"},
			Artifacts:         []gitlabsim.ArtifactSpec{{FileType: "archive", Filename: "artifacts.zip", FileFormat: "zip", Size: 10}},
			ArtifactsExpireAt: ptr(t0.Add(24 * time.Hour))},
		{Name: "test", Stage: "test", Status: "failed", Log: "FAIL\n", Tags: []string{"docker", "linux"}},
		{Name: "e2e", Stage: "test", Status: "running"},
		{Name: "deploy", Stage: "deploy", Status: "manual", RunDuration: 10 * time.Second, LogOnRun: "deploying\n"},
		{Name: "flaky", Stage: "test", Status: "failed", Outcome: "failed", FailureReason: "script_failure",
			RunDuration: 5 * time.Second, LogOnRun: "boom\n"},
		{Name: "trigger", Stage: "deploy", Status: "manual", Bridge: true},
		{Name: "downstream", Stage: "deploy", Status: "success", Bridge: true, DownstreamPipelineID: a.down.ID},
		{Name: "waiting", Stage: "test", Status: "pending"},
		{Name: "nightly", Stage: "deploy", Status: "scheduled"},
		{Name: "plain", Stage: "test", Status: "success"},
	}})
	ids := a.pl.JobIDs
	a.build, a.test, a.e2e, a.deploy, a.flaky = ids[0], ids[1], ids[2], ids[3], ids[4]
	a.trigger, a.bridgeDone, a.pending, a.delayed, a.plain = ids[5], ids[6], ids[7], ids[8], ids[9]
	return a
}

func ptr[T any](v T) *T { return &v }

func (a *acts) path(jobID int64, action string) string {
	return fmt.Sprintf("/api/v4/projects/%d/jobs/%d/%s", a.proj.ID, jobID, action)
}

func (a *acts) jobPath(jobID int64) string {
	return fmt.Sprintf("/api/v4/projects/%d/jobs/%d", a.proj.ID, jobID)
}

// do POSTs an action without a body.
func (a *acts) do(jobID int64, action, token string) response {
	a.t.Helper()
	return a.post(a.path(jobID, action), "", "", "PRIVATE-TOKEN", token)
}

// job GETs a job as the maintainer.
func (a *acts) job(jobID int64) map[string]any {
	a.t.Helper()
	r := a.get(a.jobPath(jobID), "PRIVATE-TOKEN", a.maint)
	wantStatus(a.t, r, 200, "")
	return r.json(a.t)
}

func (a *acts) snap(jobID int64) gitlabsim.Job {
	a.t.Helper()
	j, ok := a.sim.Job(jobID)
	if !ok {
		a.t.Fatalf("no job %d", jobID)
	}
	return j
}

func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func wantFields(t *testing.T, what string, m map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got, ok := m[k]; !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("%s: %s = %#v (present %v), want %#v", what, k, got, ok, v)
		}
	}
}

// allChecked proves that every response the test got was schema-checked.
func (a *acts) allChecked() {
	a.t.Helper()
	if n, c := a.sim.RequestCount(""), a.checked.Load(); int64(n) != c || n == 0 {
		a.t.Errorf("%d requests, %d responses schema-checked", n, c)
	}
}

func TestPlayManualJob(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	body := `{"job_variables_attributes":[{"key":"TARGET","value":"staging"},{"key":"REPLICAS","value":5},{"key":"DRY","value":false}]}`
	r := a.post(a.path(a.deploy, "play"), "application/json", body, "PRIVATE-TOKEN", a.maint)
	wantStatus(t, r, 200, "")
	m := r.json(t)
	wantFields(t, "played job", m, map[string]any{
		"id": float64(a.deploy), "status": "pending", "started_at": nil, "finished_at": nil, "duration": nil,
		"queued_duration": 0.0, "runner": nil,
	})
	if u := m["user"].(map[string]any); u["username"] != "maintainer" {
		t.Errorf("user = %v, want the player", u["username"])
	}
	want := []gitlabsim.Variable{{Key: "TARGET", Value: "staging"}, {Key: "REPLICAS", Value: "5"}, {Key: "DRY", Value: "false"}}
	if got := a.sim.JobVariables(a.deploy); !reflect.DeepEqual(got, want) {
		t.Errorf("JobVariables = %v, want %v", got, want)
	}
	if j := a.snap(a.deploy); j.UserID != a.maintU.ID || j.QueuedAt == nil || !j.QueuedAt.Equal(t0) {
		t.Errorf("snapshot: %+v", j)
	}
	if n := a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("ActionCount(play) = %d", n)
	}
	// Pending now: not playable any more.
	wantStatus(t, a.do(a.deploy, "play", a.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	// Neither is a job that is not an action, nor a running one.
	wantStatus(t, a.do(a.plain, "play", a.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	wantStatus(t, a.do(a.e2e, "play", a.maint), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	// A scheduled (delayed) job is played at once.
	r = a.do(a.delayed, "play", a.dev)
	wantStatus(t, r, 200, "")
	if r.json(t)["status"] != "pending" {
		t.Errorf("scheduled job played: %s", r.body)
	}
	a.allChecked()
}

func TestPlayBodies(t *testing.T) {
	tests := []struct {
		name, query, contentType, body string
		want                           []gitlabsim.Variable
	}{
		{name: "no body"},
		{name: "null", contentType: "application/json", body: "null"},
		{name: "empty object", contentType: "application/json", body: "{}"},
		{name: "empty list", contentType: "application/json", body: `{"job_variables_attributes":[]}`},
		{name: "null list", contentType: "application/json", body: `{"job_variables_attributes":null}`},
		{name: "JSON array body", contentType: "application/json", body: `[{"key":"A","value":"1"}]`},
		{name: "JSON without content type", body: `{"job_variables_attributes":[{"key":"A","value":"1"}]}`,
			want: []gitlabsim.Variable{{Key: "A", Value: "1"}}},
		{name: "JSON with charset", contentType: "application/json; charset=utf-8", body: `{"job_variables_attributes":[{"key":"A","value":"1"}]}`,
			want: []gitlabsim.Variable{{Key: "A", Value: "1"}}},
		{name: "form", contentType: "application/x-www-form-urlencoded",
			body: "job_variables_attributes[][key]=A&job_variables_attributes[][value]=1&job_variables_attributes[][key]=B&job_variables_attributes[][value]=two+words",
			want: []gitlabsim.Variable{{Key: "A", Value: "1"}, {Key: "B", Value: "two words"}}},
		{name: "query", query: "?" + url.PathEscape("job_variables_attributes[][key]") + "=Q&" + url.PathEscape("job_variables_attributes[][value]") + "=2",
			want: []gitlabsim.Variable{{Key: "Q", Value: "2"}}},
		{name: "null value", contentType: "application/json", body: `{"job_variables_attributes":[{"key":"N","value":null}]}`,
			want: []gitlabsim.Variable{{Key: "N", Value: ""}}},
	}
	a := newActs(t, gitlabsim.Options{})
	var jobs []gitlabsim.JobSpec
	for _, tt := range tests {
		jobs = append(jobs, gitlabsim.JobSpec{Name: tt.name, Status: "manual"})
	}
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: jobs})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := pl.JobIDs[i]
			r := a.post(a.path(id, "play")+tt.query, tt.contentType, tt.body, "PRIVATE-TOKEN", a.dev)
			wantStatus(t, r, 200, "")
			if got := a.snap(id); got.Status != "pending" || !reflect.DeepEqual(got.Variables, tt.want) {
				t.Errorf("job %s with variables %v, want pending with %v", got.Status, got.Variables, tt.want)
			}
		})
	}
	a.allChecked()
}

func TestPlayInvalidVariables(t *testing.T) {
	const p = "job_variables_attributes"
	tests := []struct{ name, contentType, body, want string }{
		{"key missing", "application/json", `{"job_variables_attributes":[{"value":"v"}]}`, `{"error":"` + p + `[0][key] is missing"}`},
		{"value missing", "application/json", `{"job_variables_attributes":[{"key":"k"}]}`, `{"error":"` + p + `[0][value] is missing"}`},
		{"both missing", "application/json", `{"job_variables_attributes":[{}]}`,
			`{"error":"` + p + `[0][key] is missing, ` + p + `[0][value] is missing"}`},
		{"key missing in the second", "application/json", `{"job_variables_attributes":[{"key":"a","value":"b"},{"value":"c"}]}`,
			`{"error":"` + p + `[1][key] is missing"}`},
		{"errors in declaration order", "application/json", `{"job_variables_attributes":[{"key":"a"},{"value":"b"}]}`,
			`{"error":"` + p + `[1][key] is missing, ` + p + `[0][value] is missing"}`},
		{"array key", "application/json", `{"job_variables_attributes":[{"key":["x"],"value":"v"}]}`, `{"error":"` + p + `[0][key] is invalid"}`},
		{"hash value", "application/json", `{"job_variables_attributes":[{"key":"k","value":{"a":1}}]}`, `{"error":"` + p + `[0][value] is invalid"}`},
		{"not a list", "application/json", `{"job_variables_attributes":"x"}`, `{"error":"` + p + ` is invalid"}`},
		{"a hash, not a list", "application/json", `{"job_variables_attributes":{"key":"k","value":"v"}}`, `{"error":"` + p + ` is invalid"}`},
		{"items not hashes", "application/json", `{"job_variables_attributes":["x"]}`,
			`{"error":"` + p + `[0][key] is missing, ` + p + `[0][key] is invalid, ` + p + `[0][value] is missing, ` + p + `[0][value] is invalid"}`},
		{"form value missing", "application/x-www-form-urlencoded", "job_variables_attributes[][key]=A", `{"error":"` + p + `[0][value] is missing"}`},
		{"malformed JSON", "application/json", `{"job_variables_attributes":`, `{"error":"message body does not match declared format"}`},
		{"unsupported content type", "text/plain", "hello", `{"error":"The provided content-type 'text/plain' is not supported."}`},
	}
	a := newActs(t, gitlabsim.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.post(a.path(a.deploy, "play"), tt.contentType, tt.body, "PRIVATE-TOKEN", a.dev)
			status := 400
			if tt.contentType == "text/plain" {
				status = 415
			}
			wantStatus(t, r, status, tt.want)
		})
	}
	if j := a.snap(a.deploy); j.Status != "manual" || len(j.Variables) != 0 || a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay) != 0 {
		t.Errorf("rejected plays changed the job: %+v", j)
	}
	a.allChecked()
}

// TestActionAuth runs every action through GitLab's authentication and
// authorization answers.
func TestActionAuth(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	archived := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "acts/old", Archived: true, Members: map[int64]int{a.maintU.ID: gitlabsim.MaintainerAccess}})
	archivedPl := a.sim.CreatePipeline(archived.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Status: "manual"}, {Name: "test", Status: "failed", Log: "x"}, {Name: "e2e", Status: "running"},
	}})
	jobTok := a.sim.JobToken(a.e2e)
	const scopeErr = `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"}`
	const forbidden, unauth = `{"message":"403 Forbidden"}`, `{"message":"401 Unauthorized"}`
	// Each action with a job it applies to.
	for action, id := range map[string]int64{"play": a.deploy, "retry": a.test, "cancel": a.e2e, "erase": a.build} {
		t.Run(action, func(t *testing.T) {
			path := a.path(id, action)
			wantStatus(t, a.post(path, "", ""), 401, unauth)
			wantStatus(t, a.post(path, "", "", "PRIVATE-TOKEN", "glpat-unknown"), 401, unauth)
			wantStatus(t, a.post(path, "", "", "PRIVATE-TOKEN", a.read), 403, scopeErr)
			// CI job tokens are not accepted: the endpoints have no job_token_allowed.
			wantStatus(t, a.post(path, "", "", "JOB-TOKEN", jobTok), 401, unauth)
			wantStatus(t, a.post(path+"?job_token="+jobTok, "", ""), 401, unauth)
			wantStatus(t, a.post(path, "", "", "Authorization", "Bearer "+jobTok), 401, unauth)
			wantStatus(t, a.post(path, "", "", "PRIVATE-TOKEN", a.out), 404, `{"message":"404 Project Not Found"}`)
			wantStatus(t, a.post(path, "", "", "PRIVATE-TOKEN", a.guest), 403, forbidden)
			wantStatus(t, a.post(path, "", "", "PRIVATE-TOKEN", a.rep), 403, forbidden)
			wantStatus(t, a.post(fmt.Sprintf("/api/v4/projects/%d/jobs/abc/%s", a.proj.ID, action), "", "", "PRIVATE-TOKEN", a.dev), 400, `{"error":"job_id is invalid"}`)
			wantStatus(t, a.post(fmt.Sprintf("/api/v4/projects/%d/jobs/999999/%s", a.proj.ID, action), "", "", "PRIVATE-TOKEN", a.maint), 404, `{"message":"404 Not found"}`)
			wantStatus(t, a.post(fmt.Sprintf("/api/v4/projects/999999/jobs/%d/%s", id, action), "", "", "PRIVATE-TOKEN", a.maint), 404, `{"message":"404 Project Not Found"}`)
			// A job of another project, through this one.
			wantStatus(t, a.post(fmt.Sprintf("/api/v4/projects/%d/jobs/%d/%s", a.proj.ID, archivedPl.JobIDs[0], action), "", "", "PRIVATE-TOKEN", a.admin), 404, `{"message":"404 Not found"}`)
			// Archived projects allow no job actions, even to maintainers.
			arch := map[string]int64{"play": archivedPl.JobIDs[0], "retry": archivedPl.JobIDs[1], "cancel": archivedPl.JobIDs[2], "erase": archivedPl.JobIDs[1]}[action]
			wantStatus(t, a.post(fmt.Sprintf("/api/v4/projects/%d/jobs/%d/%s", archived.ID, arch, action), "", "", "PRIVATE-TOKEN", a.maint), 403, forbidden)
			if n := a.sim.ActionCount(id, action); n != 0 {
				t.Errorf("rejected requests were applied %d times", n)
			}
		})
	}
	// Where GitLab authorizes before looking the job up, a reporter gets 403
	// even for a job that does not exist (cancel: authorize_cancel_builds!,
	// play: authorize_read_builds! for a guest); retry and erase look first.
	wantStatus(t, a.post(fmt.Sprintf("/api/v4/projects/%d/jobs/999999/cancel", a.proj.ID), "", "", "PRIVATE-TOKEN", a.rep), 403, forbidden)
	wantStatus(t, a.post(fmt.Sprintf("/api/v4/projects/%d/jobs/999999/play", a.proj.ID), "", "", "PRIVATE-TOKEN", a.guest), 403, forbidden)
	wantStatus(t, a.post(fmt.Sprintf("/api/v4/projects/%d/jobs/999999/retry", a.proj.ID), "", "", "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not found"}`)
	wantStatus(t, a.post(fmt.Sprintf("/api/v4/projects/%d/jobs/999999/erase", a.proj.ID), "", "", "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not found"}`)
	// Play validates its parameters before it looks for the project.
	wantStatus(t, a.post("/api/v4/projects/999999/jobs/1/play", "application/json", `{"job_variables_attributes":[{}]}`, "PRIVATE-TOKEN", a.dev),
		400, `{"error":"job_variables_attributes[0][key] is missing, job_variables_attributes[0][value] is missing"}`)
	// GET on an action route is no route.
	wantStatus(t, a.get(a.path(a.deploy, "play"), "PRIVATE-TOKEN", a.dev), 404, `{"error":"404 Not Found"}`)
	if j := a.snap(a.deploy); j.Status != "manual" {
		t.Errorf("deploy is %s after rejected plays", j.Status)
	}
	a.allChecked()
}

func TestPlayBridge(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	r := a.do(a.trigger, "play", a.dev)
	wantStatus(t, r, 200, "")
	m := r.json(t)
	if _, ok := m["downstream_pipeline"]; !ok || m["status"] != "pending" {
		t.Errorf("a played bridge is presented as Entities::Ci::Bridge, pending: %s", r.body)
	}
	if _, ok := m["artifacts"]; ok {
		t.Errorf("a bridge entity has no artifacts: %s", r.body)
	}
	// A bridge is playable only while manual.
	wantStatus(t, a.do(a.bridgeDone, "play", a.dev), 400, `{"message":"400 Bad request - Unplayable Job"}`)
	// The trigger is processed after the pickup delay.
	a.clock.Advance(time.Second)
	if j := a.snap(a.trigger); j.Status != "success" || j.RunnerID != 0 {
		t.Errorf("bridge after the pickup delay: %+v", j)
	}
	// Bridges are not builds: cancel and erase do not find them.
	wantStatus(t, a.do(a.trigger, "cancel", a.maint), 404, `{"message":"404 Not found"}`)
	wantStatus(t, a.do(a.trigger, "erase", a.maint), 404, `{"message":"404 Not found"}`)
	a.allChecked()
}

// TestReplayFinishedAction plays a finished manual job again: GitLab's
// PlayBuildService retries it and presents the original job.
func TestReplayFinishedAction(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	wantStatus(t, a.post(a.path(a.deploy, "play"), "application/json", `{"job_variables_attributes":[{"key":"V","value":"1"}]}`, "PRIVATE-TOKEN", a.dev), 200, "")
	a.clock.Advance(11 * time.Second)
	if j := a.snap(a.deploy); j.Status != "success" {
		t.Fatalf("deploy %s, want success", j.Status)
	}
	before := a.sim.PipelineJobIDs(a.pl.ID)
	r := a.post(a.path(a.deploy, "play"), "application/json", `{"job_variables_attributes":[{"key":"V","value":"2"}]}`, "PRIVATE-TOKEN", a.maint)
	wantStatus(t, r, 200, "")
	if m := r.json(t); m["id"] != float64(a.deploy) || m["status"] != "success" {
		t.Errorf("replay answers with the original job: %s", r.body)
	}
	after := a.sim.PipelineJobIDs(a.pl.ID)
	if len(after) != len(before)+1 {
		t.Fatalf("jobs %v → %v: want exactly one new job", before, after)
	}
	nj := a.snap(after[len(after)-1])
	if nj.Name != "deploy" || nj.Status != "pending" || nj.UserID != a.maintU.ID ||
		!reflect.DeepEqual(nj.Variables, []gitlabsim.Variable{{Key: "V", Value: "1"}}) {
		t.Errorf("the replay: %+v (a retry keeps the first play's variables)", nj)
	}
	if !a.snap(a.deploy).Retried || a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay) != 2 || a.sim.ActionCount(a.deploy, gitlabsim.ActionRetry) != 1 {
		t.Errorf("original: %+v, plays %d, retries %d", a.snap(a.deploy), a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay), a.sim.ActionCount(a.deploy, gitlabsim.ActionRetry))
	}
	a.allChecked()
}

func TestRetry(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	a.clock.Advance(time.Minute)
	old := a.snap(a.test)
	before := a.sim.PipelineJobIDs(a.pl.ID)
	r := a.do(a.test, "retry", a.dev2)
	wantStatus(t, r, 201, "")
	m := r.json(t)
	newID := int64(m["id"].(float64))
	after := a.sim.PipelineJobIDs(a.pl.ID)
	if newID == a.test || !slices.Contains(after, newID) || len(after) != len(before)+1 {
		t.Fatalf("retry: new job %d, pipeline jobs %v → %v", newID, before, after)
	}
	wantFields(t, "retried copy", m, map[string]any{
		"name": "test", "stage": "test", "status": "pending", "started_at": nil, "finished_at": nil, "duration": nil,
		"created_at": apiTime(t0.Add(time.Minute)), "queued_duration": 0.0, "tag_list": []any{"docker", "linux"},
		"artifacts": []any{}, "runner": nil, "erased_at": nil,
	})
	if m["pipeline"].(map[string]any)["id"] != float64(a.pl.ID) || m["user"].(map[string]any)["username"] != "developer2" {
		t.Errorf("retried copy's pipeline or user: %v %v", m["pipeline"], m["user"])
	}
	if _, ok := m["failure_reason"]; ok {
		t.Error("a pending job has no failure_reason")
	}
	nj := a.snap(newID)
	if !a.snap(a.test).Retried || nj.Retried || nj.Token == old.Token || nj.Log != "" {
		t.Errorf("old %+v, new %+v", a.snap(a.test), nj)
	}
	// The old job is unchanged, and hidden from the pipeline's job list unless include_retried.
	if o := a.job(a.test); o["status"] != "failed" || o["failure_reason"] != "script_failure" {
		t.Errorf("the retried job changed: %v", o)
	}
	list := fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs?per_page=100", a.proj.ID, a.pl.ID)
	ids1 := ids(t, a.get(list, "PRIVATE-TOKEN", a.dev))
	ids2 := ids(t, a.get(list+"&include_retried=true", "PRIVATE-TOKEN", a.dev))
	if slices.Contains(ids1, a.test) || !slices.Contains(ids1, newID) || !slices.Contains(ids2, a.test) || !slices.Contains(ids2, newID) {
		t.Errorf("pipeline jobs %v, with retried %v (old %d, new %d)", ids1, ids2, a.test, newID)
	}
	if all := ids(t, a.get(fmt.Sprintf("/api/v4/projects/%d/jobs?per_page=100", a.proj.ID), "PRIVATE-TOKEN", a.dev)); !slices.Contains(all, a.test) || all[0] != newID {
		t.Errorf("project jobs %v: both, newest first", all)
	}
	// Not retryable: a retried job, running, manual, pending jobs.
	const notRetryable = `{"message":"403 Forbidden - Job is not retryable"}`
	for _, id := range []int64{a.test, a.e2e, a.deploy, a.pending, newID} {
		wantStatus(t, a.do(id, "retry", a.dev), 403, notRetryable)
	}
	if n := a.sim.ActionCount(a.test, gitlabsim.ActionRetry); n != 1 {
		t.Errorf("ActionCount(retry) = %d, want 1", n)
	}
	a.allChecked()
}

func TestRetryBridge(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	r := a.do(a.bridgeDone, "retry", a.dev)
	wantStatus(t, r, 201, "")
	m := r.json(t)
	// Presented with Entities::Ci::Job: no downstream_pipeline nor runner_manager.
	for _, k := range []string{"downstream_pipeline", "runner_manager", "artifacts_file"} {
		if _, ok := m[k]; ok {
			t.Errorf("retried bridge has %s: %s", k, r.body)
		}
	}
	wantFields(t, "retried bridge", m, map[string]any{"status": "pending", "tag_list": []any{"bridge"}, "artifacts": []any{}, "runner": nil})
	newID := int64(m["id"].(float64))
	br := a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/bridges", a.proj.ID, a.pl.ID), "PRIVATE-TOKEN", a.dev)
	if got := ids(t, br); !slices.Contains(got, newID) || slices.Contains(got, a.bridgeDone) {
		t.Errorf("bridges %v: the new bridge, not the retried one", got)
	}
	a.allChecked()
}

// TestRetryRunsSameScript: the retried copy of a failed job runs its script
// again, with its timing, log and outcome.
func TestRetryRunsSameScript(t *testing.T) {
	a := newActs(t, gitlabsim.Options{RunnerPickupDelay: 2 * time.Second})
	r := a.do(a.flaky, "retry", a.dev)
	wantStatus(t, r, 201, "")
	id := int64(r.json(t)["id"].(float64))
	a.clock.Advance(2 * time.Second)
	m := a.job(id)
	wantFields(t, "picked up", m, map[string]any{"status": "running", "started_at": apiTime(t0.Add(2 * time.Second)), "queued_duration": 2.0})
	if tr := a.get(a.jobPath(id)+"/trace", "PRIVATE-TOKEN", a.dev); string(tr.body) != "boom\n" {
		t.Errorf("trace %q, want the script's log", tr.body)
	}
	a.clock.Advance(5 * time.Second)
	m = a.job(id)
	wantFields(t, "finished", m, map[string]any{"status": "failed", "failure_reason": "script_failure",
		"finished_at": apiTime(t0.Add(7 * time.Second)), "duration": 5.0})
	// Again: the copy of the copy fails the same way.
	r = a.do(id, "retry", a.dev)
	wantStatus(t, r, 201, "")
	id2 := int64(r.json(t)["id"].(float64))
	a.clock.Advance(time.Hour)
	if j := a.snap(id2); j.Status != "failed" || j.FailureReason != "script_failure" || j.Log != "boom\n" ||
		!j.StartedAt.Equal(t0.Add(7*time.Second+2*time.Second)) || !j.FinishedAt.Equal(t0.Add(14*time.Second)) {
		t.Errorf("second retry: %+v", j)
	}
	// An unscripted failed job's copy runs the default script: 3s, success.
	r = a.do(a.test, "retry", a.dev)
	id3 := int64(r.json(t)["id"].(float64))
	a.clock.Advance(5 * time.Second)
	if j := a.snap(id3); j.Status != "success" || j.FinishedAt.Sub(*j.StartedAt) != 3*time.Second {
		t.Errorf("default script: %+v", j)
	}
	a.allChecked()
}

func TestCancel(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	jobTok := a.sim.JobToken(a.e2e)
	wantStatus(t, a.get("/api/v4/job", "JOB-TOKEN", jobTok), 200, "")
	started := a.snap(a.e2e).StartedAt
	a.clock.Advance(30 * time.Second)
	r := a.do(a.e2e, "cancel", a.dev)
	wantStatus(t, r, 201, "")
	wantFields(t, "canceled running job", r.json(t), map[string]any{
		"status": "canceled", "finished_at": apiTime(t0.Add(30 * time.Second)), "duration": seconds(t0.Add(30 * time.Second).Sub(*started)),
	})
	// The job no longer runs: its token is refused.
	wantStatus(t, a.get("/api/v4/job", "JOB-TOKEN", jobTok), 401, `{"message":"401 Unauthorized"}`)
	// A finished job comes back unchanged, and nothing counts.
	before := a.job(a.build)
	r = a.do(a.build, "cancel", a.dev)
	wantStatus(t, r, 201, "")
	if after := r.json(t); !reflect.DeepEqual(before, after) {
		t.Errorf("cancel changed a finished job:\n%v\n%v", before, after)
	}
	if a.sim.ActionCount(a.build, gitlabsim.ActionCancel) != 0 || a.sim.ActionCount(a.e2e, gitlabsim.ActionCancel) != 1 {
		t.Error("ActionCount(cancel) counts changes only")
	}
	// Pending and manual jobs are canceled too (the cancel event), never started.
	for _, id := range []int64{a.pending, a.deploy} {
		r = a.do(id, "cancel", a.maint)
		wantStatus(t, r, 201, "")
		wantFields(t, "canceled", r.json(t), map[string]any{"status": "canceled", "started_at": nil, "duration": nil})
	}
	// Cancel again: unchanged.
	wantStatus(t, a.do(a.pending, "cancel", a.maint), 201, "")
	if j := a.snap(a.pending); j.Status != "canceled" {
		t.Errorf("pending job %s", j.Status)
	}
	wantStatus(t, a.post(a.path(a.plain, "cancel")+"?force=maybe", "", "", "PRIVATE-TOKEN", a.maint), 400, `{"error":"force is invalid"}`)
	// force=true on a job that is not canceling: nothing happens.
	r = a.post(a.path(a.delayed, "cancel"), "application/json", `{"force":true}`, "PRIVATE-TOKEN", a.maint)
	wantStatus(t, r, 201, "")
	if r.json(t)["status"] != "scheduled" {
		t.Errorf("force-cancel of a scheduled job: %s", r.body)
	}
	a.allChecked()
}

func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

// TestGracefulCancel: with a runner that cancels gracefully, a running job
// goes to canceling; the runner ends it, or a maintainer forces it.
func TestGracefulCancel(t *testing.T) {
	a := newActs(t, gitlabsim.Options{GracefulCancel: true, GracefulCancelDelay: 30 * time.Second})
	for _, id := range []int64{a.deploy, a.trigger} {
		wantStatus(t, a.do(id, "play", a.dev), 200, "")
	}
	pl2 := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{UserID: a.devU.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "long", Status: "manual", RunDuration: time.Hour},
	}})
	long := pl2.JobIDs[0]
	wantStatus(t, a.do(long, "play", a.dev), 200, "")
	a.clock.Advance(2 * time.Second)
	r := a.do(a.deploy, "cancel", a.dev)
	wantStatus(t, r, 201, "")
	wantFields(t, "canceling", r.json(t), map[string]any{"status": "canceling", "finished_at": nil})
	// cancel again: nothing; force needs a maintainer.
	wantStatus(t, a.do(a.deploy, "cancel", a.dev), 201, "")
	wantStatus(t, a.post(a.path(a.deploy, "cancel")+"?force=true", "", "", "PRIVATE-TOKEN", a.dev), 403, `{"message":"403 Forbidden"}`)
	r = a.post(a.path(a.deploy, "cancel"), "application/x-www-form-urlencoded", "force=true", "PRIVATE-TOKEN", a.maint)
	wantStatus(t, r, 201, "")
	wantFields(t, "force-canceled", r.json(t), map[string]any{"status": "canceled", "finished_at": apiTime(t0.Add(2 * time.Second))})
	// The other one: the runner reports 30s later.
	wantStatus(t, a.do(long, "cancel", a.dev), 201, "")
	a.clock.Advance(29 * time.Second)
	if j := a.snap(long); j.Status != "canceling" {
		t.Errorf("after 29s: %s", j.Status)
	}
	a.clock.Advance(time.Second)
	if j := a.snap(long); j.Status != "canceled" || !j.FinishedAt.Equal(t0.Add(32*time.Second)) {
		t.Errorf("after 30s: %+v", j)
	}
	// Retryable while canceling and after.
	wantStatus(t, a.do(long, "retry", a.dev), 201, "")
	a.allChecked()
}

func TestErase(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	a.clock.Advance(time.Hour)
	r := a.do(a.build, "erase", a.admin)
	wantStatus(t, r, 201, "")
	m := r.json(t)
	wantFields(t, "erased", m, map[string]any{"status": "success", "erased_at": apiTime(t0.Add(time.Hour)),
		"artifacts": []any{}, "artifacts_expire_at": nil})
	if _, ok := m["artifacts_file"]; ok {
		t.Errorf("an erased job has no artifacts_file: %s", r.body)
	}
	if tr := a.get(a.jobPath(a.build)+"/trace", "PRIVATE-TOKEN", a.dev); tr.status != 200 || len(tr.body) != 0 {
		t.Errorf("trace after erase: %d %q", tr.status, tr.body)
	}
	if j := a.snap(a.build); j.ErasedByID != a.env.admin.ID || j.Log != "" || j.Artifacts != 0 {
		t.Errorf("snapshot: %+v", j)
	}
	const notErasable = `{"message":"403 Forbidden - Job is not erasable!"}`
	// Nothing left to erase; running jobs and finished jobs without log nor artifacts are not erasable either.
	for _, id := range []int64{a.build, a.e2e, a.plain, a.deploy} {
		wantStatus(t, a.do(id, "erase", a.maint), 403, notErasable)
	}
	// A developer erases only the jobs they run (the pipeline is the developer's).
	wantStatus(t, a.do(a.test, "erase", a.dev2), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, a.do(a.test, "erase", a.dev), 201, "")
	if a.sim.ActionCount(a.build, gitlabsim.ActionErase) != 1 || a.sim.ActionCount(a.test, gitlabsim.ActionErase) != 1 {
		t.Error("ActionCount(erase)")
	}
	a.allChecked()
}

// TestRunnerProgression follows a played job through the runner on the fake clock.
func TestRunnerProgression(t *testing.T) {
	a := newActs(t, gitlabsim.Options{RunnerPickupDelay: 2 * time.Second})
	wantStatus(t, a.do(a.deploy, "play", a.dev), 200, "")
	tok := a.sim.JobToken(a.deploy)
	a.clock.Advance(2*time.Second - time.Millisecond)
	wantFields(t, "before pickup", a.job(a.deploy), map[string]any{"status": "pending", "runner": nil, "queued_duration": 1.999})
	wantStatus(t, a.get("/api/v4/job", "JOB-TOKEN", tok), 401, `{"message":"401 Unauthorized"}`)
	a.clock.Advance(time.Millisecond)
	m := a.job(a.deploy)
	wantFields(t, "picked up", m, map[string]any{"status": "running", "started_at": apiTime(t0.Add(2 * time.Second)),
		"queued_duration": 2.0, "duration": 0.0})
	if m["runner"] == nil {
		t.Error("a running job has a runner")
	}
	// Running: its CI job token works.
	if r := a.get("/api/v4/job", "JOB-TOKEN", tok); r.status != 200 || r.json(t)["id"] != float64(a.deploy) {
		t.Errorf("GET /job with the running job's token: %d %s", r.status, r.body)
	}
	a.clock.Advance(9 * time.Second)
	wantFields(t, "running", a.job(a.deploy), map[string]any{"status": "running", "duration": 9.0})
	a.clock.Advance(time.Second)
	wantFields(t, "finished", a.job(a.deploy), map[string]any{"status": "success", "finished_at": apiTime(t0.Add(12 * time.Second)),
		"duration": 10.0, "queued_duration": 2.0})
	if tr := a.get(a.jobPath(a.deploy)+"/trace", "PRIVATE-TOKEN", a.dev); string(tr.body) != "deploying\n" {
		t.Errorf("trace %q", tr.body)
	}
	wantStatus(t, a.get("/api/v4/job", "JOB-TOKEN", tok), 401, `{"message":"401 Unauthorized"}`)
	// The pipeline's status follows its jobs.
	if st := a.job(a.deploy)["pipeline"].(map[string]any)["status"]; st != "running" {
		t.Errorf("pipeline %v (e2e still runs)", st)
	}
	a.allChecked()
}

// TestRunnerCatchesUp: a clock jump past several deadlines gives every step
// its due time, and a failed outcome its reason.
func TestRunnerCatchesUp(t *testing.T) {
	a := newActs(t, gitlabsim.Options{RunDuration: 7 * time.Second})
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "oom", Status: "manual", Outcome: "failed", FailureReason: "runner_system_failure"},
		{Name: "default", Status: "manual"},
	}})
	for _, id := range pl.JobIDs {
		if err := a.sim.PlayJob(id, nil); err != nil {
			t.Fatal(err)
		}
	}
	a.clock.Advance(24 * time.Hour)
	for i, want := range []string{"failed", "success"} {
		j := a.snap(pl.JobIDs[i])
		if j.Status != want || !j.StartedAt.Equal(t0.Add(time.Second)) || !j.FinishedAt.Equal(t0.Add(8*time.Second)) {
			t.Errorf("%s: %+v", want, j)
		}
	}
	if r := a.job(pl.JobIDs[0]); r["failure_reason"] != "runner_system_failure" || r["duration"] != 7.0 {
		t.Errorf("failed job: %v %v", r["failure_reason"], r["duration"])
	}
	a.allChecked()
}

func TestRunnerStaysPut(t *testing.T) {
	t.Run("disabled", func(t *testing.T) {
		a := newActs(t, gitlabsim.Options{RunnerDisabled: true})
		wantStatus(t, a.do(a.deploy, "play", a.dev), 200, "")
		a.clock.Advance(time.Hour)
		if j := a.snap(a.deploy); j.Status != "pending" || j.StartedAt != nil {
			t.Errorf("runner disabled: %+v", j)
		}
	})
	t.Run("stuck job", func(t *testing.T) {
		a := newActs(t, gitlabsim.Options{})
		pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "gpu", Status: "manual", Stuck: true}}})
		wantStatus(t, a.do(pl.JobIDs[0], "play", a.dev), 200, "")
		a.clock.Advance(time.Hour)
		if j := a.snap(pl.JobIDs[0]); j.Status != "pending" {
			t.Errorf("stuck: %s", j.Status)
		}
		// Its retry is stuck too; cancel frees it.
		wantStatus(t, a.do(pl.JobIDs[0], "cancel", a.dev), 201, "")
		newID, err := a.sim.RetryJob(pl.JobIDs[0])
		a.clock.Advance(time.Hour)
		if j := a.snap(newID); err != nil || j.Status != "pending" {
			t.Errorf("stuck retry: %v %+v", err, j)
		}
	})
	t.Run("unscripted fixture jobs", func(t *testing.T) {
		a := newActs(t, gitlabsim.Options{})
		tok := a.sim.JobToken(a.e2e)
		a.clock.Advance(24 * time.Hour)
		if a.snap(a.e2e).Status != "running" || a.snap(a.pending).Status != "pending" {
			t.Error("fixture jobs without a script must stay where they are")
		}
		wantStatus(t, a.get("/api/v4/job", "JOB-TOKEN", tok), 200, "")
	})
	t.Run("status set out of band", func(t *testing.T) {
		a := newActs(t, gitlabsim.Options{})
		wantStatus(t, a.do(a.deploy, "play", a.dev), 200, "")
		a.clock.Advance(time.Second)
		if err := a.sim.SetJobStatus(a.deploy, "running"); err != nil {
			t.Fatal(err)
		}
		a.clock.Advance(time.Hour)
		if j := a.snap(a.deploy); j.Status != "running" {
			t.Errorf("a status set with SetJobStatus is held, got %s", j.Status)
		}
		wantStatus(t, a.get("/api/v4/job", "JOB-TOKEN", a.sim.JobToken(a.deploy)), 200, "")
	})
	t.Run("scripted fixture jobs", func(t *testing.T) {
		a := newActs(t, gitlabsim.Options{})
		pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
			{Name: "queued", Status: "pending", RunDuration: time.Second},
			{Name: "started", Status: "running", StartedAt: ptr(t0.Add(-time.Second)), RunDuration: 5 * time.Second, Outcome: "failed"},
		}})
		a.clock.Advance(2 * time.Second)
		if j := a.snap(pl.JobIDs[0]); j.Status != "success" {
			t.Errorf("scripted pending job: %+v", j)
		}
		if j := a.snap(pl.JobIDs[1]); j.Status != "running" {
			t.Errorf("scripted running job after 3s of 5: %+v", j)
		}
		a.clock.Advance(2 * time.Second)
		if j := a.snap(pl.JobIDs[1]); j.Status != "failed" || j.FailureReason != "script_failure" || !j.FinishedAt.Equal(t0.Add(4*time.Second)) {
			t.Errorf("scripted running job: %+v", j)
		}
	})
}

func TestClock(t *testing.T) {
	c := gitlabsim.NewClock(t0)
	if got := c.Advance(time.Minute); !got.Equal(t0.Add(time.Minute)) || !c.Now().Equal(got) {
		t.Errorf("Advance: %v", got)
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Error("Set")
	}
}

// TestActionResponsesAreDocumented: the schema checker knows the action routes' success statuses.
func TestActionRoutesChecked(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	good := a.do(a.test, "retry", a.dev)
	h := good.header
	for route, status := range map[string]int{
		"POST /api/v4/projects/{id}/jobs/{job_id}/retry": 200, "POST /api/v4/projects/{id}/jobs/{job_id}/play": 201,
		"POST /api/v4/projects/{id}/jobs/{job_id}/cancel": 200, "POST /api/v4/projects/{id}/jobs/{job_id}/erase": 204,
	} {
		if err := checker.Check(route, status, h, good.body); err == nil {
			t.Errorf("%s answering %d: not caught", route, status)
		}
	}
	bridge := a.do(a.trigger, "play", a.dev)
	if err := checker.Check("POST /api/v4/projects/{id}/jobs/{job_id}/play", 200, bridge.header, bridge.body); err != nil {
		t.Errorf("a played bridge: %v", err)
	}
	var m map[string]any
	_ = json.Unmarshal(bridge.body, &m)
	m["artifacts"] = []any{}
	bad, _ := json.Marshal(m)
	if err := checker.Check("POST /api/v4/projects/{id}/jobs/{job_id}/play", 200, bridge.header, bad); err == nil {
		t.Error("a bridge with artifacts: not caught")
	}
	if !strings.Contains(string(good.body), `"status":"pending"`) {
		t.Errorf("retry: %s", good.body)
	}
}
