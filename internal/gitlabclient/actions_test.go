package gitlabclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// faultKind is what the fake GitLab does to one request.
type faultKind int

const (
	noFault     faultKind = iota
	tooMany               // 429 before doing anything
	failBefore            // a 5xx without doing anything
	failAfter             // apply, then a 5xx
	resetBefore           // drop the connection without doing anything
	resetAfter            // apply, then drop the connection
	slowAfter             // apply, then answer after half a second
	lateApply             // a 504 while the action goes on: applied after the job is read `reads` times
)

func (k faultKind) String() string {
	return [...]string{"none", "429", "5xx before", "5xx after", "reset before", "reset after", "slow after", "late apply"}[k]
}

type fault struct {
	kind   faultKind
	status int // of failBefore and failAfter; 0 = 502
	reads  int // of lateApply; 0 = 1
}

type lateAction struct {
	action string
	reads  int // GETs of the job before it is applied
}

// fakeGitLab is a small GitLab with a job store. It applies play, retry,
// cancel and erase as GitLab does, counts the applications per job, and
// injects faults from per-request queues: "post:<job>", "get:<job>" and
// "list:<pipeline>".
type fakeGitLab struct {
	*httptest.Server
	perPage int // the most jobs a list page holds

	mu       sync.Mutex
	jobs     map[int64]*fakeJob
	nextID   int64
	faults   map[string][]fault
	injected map[faultKind]int
	late     map[int64]*lateAction // actions still under way, by job
	applied  map[int64]int         // applications of actions on a job
	newJob   map[int64]int64       // the attempt a retry (or replay) of a job created
	posts    map[int64]int         // POSTs per job
	gets     map[int64]int         // GETs of a job
	bodies   map[int64][]string
	lists    []string // query strings of list requests
}

type fakeJob struct {
	Job
	manualAction bool // a when: manual job, which may be played again once finished
	fast         bool // finishes as soon as it is played
	retried      bool
}

func newFakeGitLab(t *testing.T) *fakeGitLab {
	t.Helper()
	f := &fakeGitLab{
		perPage: 100, nextID: 100,
		jobs: map[int64]*fakeJob{}, faults: map[string][]fault{}, injected: map[faultKind]int{}, late: map[int64]*lateAction{},
		applied: map[int64]int{}, newJob: map[int64]int64{}, posts: map[int64]int{}, gets: map[int64]int{}, bodies: map[int64][]string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/projects/{project}/jobs/{id}", f.getJob)
	mux.HandleFunc("POST /api/v4/projects/{project}/jobs/{id}/{action}", f.post)
	mux.HandleFunc("GET /api/v4/projects/{project}/pipelines/{pipeline}/jobs", f.listJobs)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			writeJSON(w, 401, `{"message":"401 Unauthorized"}`)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	f.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(f.Close)
	return f
}

// addJob stores a job of the given status in pipeline and returns its ID.
func (f *fakeGitLab) addJob(name, stage, status string, pipeline int64, manual bool) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addJobLocked(name, stage, status, pipeline, manual)
}

func (f *fakeGitLab) addJobLocked(name, stage, status string, pipeline int64, manual bool) int64 {
	f.nextID++
	j := &fakeJob{Job: Job{
		ID: f.nextID, Name: name, Stage: stage, Status: status, Ref: "main",
		Pipeline: &JobPipeline{ID: pipeline, ProjectID: 1, Ref: "main", Status: "running"},
		WebURL:   fmt.Sprintf("https://gitlab.example.com/g/p/-/jobs/%d", f.nextID),
	}, manualAction: manual}
	switch status {
	case "success", "failed", "canceled":
		j.Artifacts = []Artifact{{FileType: "trace", Filename: "job.log", Size: 10}, {FileType: "archive", Filename: "artifacts.zip", Size: 100}}
		j.ArtifactsFile = &ArtifactsFile{Filename: "artifacts.zip", Size: 100}
	}
	f.jobs[j.ID] = j
	return j.ID
}

func (f *fakeGitLab) script(key string, faults ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[key] = append(f.faults[key], faults...)
}

func (f *fakeGitLab) nextFault(key string) fault {
	q := f.faults[key]
	if len(q) == 0 {
		return fault{}
	}
	f.faults[key] = q[1:]
	if q[0].kind != noFault {
		f.injected[q[0].kind]++
	}
	return q[0]
}

func (f *fakeGitLab) counts(job int64) (applied, posts, gets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied[job], f.posts[job], f.gets[job]
}

func (f *fakeGitLab) bodiesOf(job int64) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.bodies[job])
}

func (f *fakeGitLab) listQueries() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.lists)
}

func (f *fakeGitLab) newJobOf(job int64) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.newJob[job]
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func writeFault(w http.ResponseWriter, fl fault) {
	status := orDefault(fl.status, http.StatusBadGateway)
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", status, http.StatusText(status))
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func jobBody(j *fakeJob) string {
	b, err := json.Marshal(j.Job)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (f *fakeGitLab) getJob(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	f.gets[id]++
	fl := f.nextFault("get:" + strconv.FormatInt(id, 10))
	j := f.jobs[id]
	var body string
	if j != nil {
		body = jobBody(j)
	}
	// An action that was still under way when its POST got a 504 completes
	// after this read's snapshot.
	if l := f.late[id]; l != nil {
		if l.reads--; l.reads <= 0 {
			delete(f.late, id)
			f.apply(l.action, j, nil)
		}
	}
	f.mu.Unlock()
	switch {
	case fl.kind == failBefore:
		writeFault(w, fl)
	case fl.kind == resetBefore:
		resetConn(w)
	case j == nil:
		writeJSON(w, 404, `{"message":"404 Not found"}`)
	default:
		writeJSON(w, 200, body)
	}
}

func (f *fakeGitLab) listJobs(w http.ResponseWriter, r *http.Request) {
	pipeline, _ := strconv.ParseInt(r.PathValue("pipeline"), 10, 64)
	q := r.URL.Query()
	f.mu.Lock()
	f.lists = append(f.lists, r.URL.RawQuery)
	fl := f.nextFault("list:" + strconv.FormatInt(pipeline, 10))
	var jobs []Job
	for _, j := range f.jobs {
		if j.Pipeline.ID == pipeline && (!j.retried || q.Get("include_retried") == "true") {
			jobs = append(jobs, j.Job)
		}
	}
	f.mu.Unlock()
	switch fl.kind {
	case failBefore:
		writeFault(w, fl)
		return
	case resetBefore:
		resetConn(w)
		return
	}
	slices.SortFunc(jobs, func(a, b Job) int { return int(b.ID - a.ID) })
	page := max(1, atoi(q.Get("page")))
	perPage := min(orDefault(atoi(q.Get("per_page")), 20), f.perPage)
	from := min((page-1)*perPage, len(jobs))
	to := min(from+perPage, len(jobs))
	if to < len(jobs) {
		w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
	}
	w.Header().Set("X-Page", strconv.Itoa(page))
	w.Header().Set("X-Per-Page", strconv.Itoa(perPage))
	b, _ := json.Marshal(jobs[from:to])
	writeJSON(w, 200, string(b))
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func (f *fakeGitLab) post(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	action := r.PathValue("action")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.posts[id]++
	f.bodies[id] = append(f.bodies[id], string(body))
	fl := f.nextFault("post:" + strconv.FormatInt(id, 10))
	j := f.jobs[id]
	var status int
	var answer string
	switch {
	case fl.kind == tooMany || fl.kind == failBefore || fl.kind == resetBefore:
	case j == nil:
		status, answer = 404, `{"message":"404 Not found"}`
	case fl.kind == lateApply:
		f.late[id] = &lateAction{action: action, reads: fl.reads}
	default:
		status, answer = f.apply(action, j, body)
	}
	f.mu.Unlock()
	switch fl.kind {
	case tooMany:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(429)
		io.WriteString(w, "Retry later\n")
	case failBefore, failAfter:
		writeFault(w, fl)
	case lateApply:
		writeFault(w, fault{status: 504})
	case resetBefore, resetAfter:
		resetConn(w)
	case slowAfter:
		select {
		case <-time.After(500 * time.Millisecond):
			writeJSON(w, status, answer)
		case <-r.Context().Done():
		}
	default:
		writeJSON(w, status, answer)
	}
}

// apply does what GitLab does for action on j (f.mu held).
func (f *fakeGitLab) apply(action string, j *fakeJob, body []byte) (int, string) {
	finished := j.Status == "success" || j.Status == "failed" || j.Status == "canceled"
	switch action {
	case "play":
		switch {
		case j.Status == "manual" || j.Status == "scheduled":
			if len(body) > 0 {
				var b struct {
					Vars   []Variable     `json:"job_variables_attributes"`
					Inputs map[string]any `json:"job_inputs"`
				}
				if err := json.Unmarshal(body, &b); err != nil || len(b.Vars) == 0 && len(b.Inputs) == 0 {
					return 400, `{"error":"job_variables_attributes is invalid"}`
				}
			}
			j.Status = "pending"
			if j.fast {
				j.Status = "success"
			}
		case j.manualAction && finished && !j.retried:
			f.newJob[j.ID] = f.addJobLocked(j.Name, j.Stage, "pending", j.Pipeline.ID, true)
			j.retried = true
		default:
			return 400, `{"message":"400 Bad request - Unplayable Job"}`
		}
		f.applied[j.ID]++
		return 200, jobBody(j) // GitLab presents the played job, also when it re-ran it as a new one
	case "retry":
		if !finished || j.retried {
			return 403, `{"message":"403 Forbidden - Job is not retryable"}`
		}
		nid := f.addJobLocked(j.Name, j.Stage, "pending", j.Pipeline.ID, j.manualAction)
		f.newJob[j.ID] = nid
		j.retried = true
		f.applied[j.ID]++
		return 201, jobBody(f.jobs[nid])
	case "cancel":
		switch j.Status {
		case "created", "waiting_for_resource", "preparing", "pending", "running", "scheduled", "manual":
			j.Status = "canceled"
			now := time.Now().UTC()
			j.FinishedAt = &now
			f.applied[j.ID]++
		}
		return 201, jobBody(j)
	case "erase":
		if !finished || j.ErasedAt != nil {
			return 403, `{"message":"403 Forbidden - Job is not erasable!"}`
		}
		now := time.Now().UTC()
		j.ErasedAt, j.Artifacts, j.ArtifactsFile = &now, []Artifact{}, nil
		f.applied[j.ID]++
		return 201, jobBody(j)
	}
	return 404, `{"error":"404 Not Found"}`
}

// actionCase is one action on a job fresh for it.
type actionCase struct {
	name   string
	status string // the fresh job's status
	manual bool
	do     func(c *Client, ctx context.Context, project string, job int64) (*Job, error)
}

var actionCases = []actionCase{
	{"play", "manual", true, func(c *Client, ctx context.Context, p string, id int64) (*Job, error) {
		return c.PlayJob(ctx, p, id, []Variable{{Key: "K", Value: "V"}})
	}},
	{"retry", "failed", false, (*Client).RetryJob},
	{"cancel", "running", false, (*Client).CancelJob},
	{"erase", "success", false, (*Client).EraseJob},
}

// checkApplied checks that ac was applied once to job and that the right job
// came back.
func checkApplied(t *testing.T, f *fakeGitLab, ac actionCase, job int64, got *Job) {
	t.Helper()
	applied, _, _ := f.counts(job)
	if applied != 1 {
		t.Errorf("%s applied %d times, want once", ac.name, applied)
	}
	if got == nil {
		t.Fatal("no job returned")
	}
	f.mu.Lock()
	want := f.jobs[job].Job
	if ac.name == "retry" {
		want = f.jobs[f.newJob[job]].Job
	}
	f.mu.Unlock()
	if got.ID != want.ID || got.Name != want.Name || got.Stage != want.Stage || got.Status != want.Status || got.Pipeline == nil || got.Pipeline.ID != want.Pipeline.ID {
		t.Errorf("returned job %+v, want %+v", got, want)
	}
	if (ac.name == "erase") != (got.ErasedAt != nil) {
		t.Errorf("erased_at = %v", got.ErasedAt)
	}
}

func TestJobActionsSucceed(t *testing.T) {
	for _, ac := range actionCases {
		t.Run(ac.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitLab(t)
			id := f.addJob("deploy", "deploy", ac.status, 6, ac.manual)
			got, err := ac.do(newTestClient(t, f.URL), context.Background(), "group/project", id)
			if err != nil {
				t.Fatal(err)
			}
			checkApplied(t, f, ac, id, got)
			if _, posts, gets := f.counts(id); posts != 1 || gets != 0 {
				t.Errorf("%d POSTs and %d GETs, want one POST", posts, gets)
			}
			wantBody := ""
			if ac.name == "play" {
				wantBody = `{"job_variables_attributes":[{"key":"K","value":"V"}]}`
			}
			if b := f.bodiesOf(id); len(b) != 1 || b[0] != wantBody {
				t.Errorf("bodies %q, want %q", b, wantBody)
			}
			want := map[string]string{"play": "pending", "retry": "pending", "cancel": "canceled", "erase": "success"}[ac.name]
			if got.Status != want {
				t.Errorf("status %s, want %s", got.Status, want)
			}
		})
	}
}

func TestPlayJobWithoutVariablesSendsNoBody(t *testing.T) {
	f := newFakeGitLab(t)
	c := newTestClient(t, f.URL)
	for _, vars := range [][]Variable{nil, {}} {
		id := f.addJob("deploy", "deploy", "manual", 6, true)
		if _, err := c.PlayJob(context.Background(), "1", id, vars); err != nil {
			t.Fatal(err)
		}
		if b := f.bodiesOf(id); len(b) != 1 || b[0] != "" {
			t.Errorf("PlayJob(%#v) sent %q, want no body", vars, b)
		}
	}
	// Two variables keep their order and shape.
	id := f.addJob("deploy", "deploy", "manual", 6, true)
	if _, err := c.PlayJob(context.Background(), "1", id, []Variable{{"A", "1"}, {"B", ""}}); err != nil {
		t.Fatal(err)
	}
	if want := `{"job_variables_attributes":[{"key":"A","value":"1"},{"key":"B","value":""}]}`; f.bodiesOf(id)[0] != want {
		t.Errorf("body %q, want %q", f.bodiesOf(id), want)
	}
}

// TestPlayJobInputs sends job inputs as GitLab's job_inputs object, typed
// values as they are, beside variables or alone; an empty map sends nothing.
func TestPlayJobInputs(t *testing.T) {
	f := newFakeGitLab(t)
	c := newTestClient(t, f.URL)
	ctx := context.Background()
	for _, tc := range []struct {
		vars   []Variable
		inputs map[string]any
		want   string
	}{
		{nil, map[string]any{}, ""},
		{nil, map[string]any{"target": "production", "replicas": json.Number("3"), "dry_run": false, "regions": []any{"eu", "us"}},
			`{"job_inputs":{"dry_run":false,"regions":["eu","us"],"replicas":3,"target":"production"}}`},
		{[]Variable{{"A", "1"}}, map[string]any{"ratio": json.Number("0.5")},
			`{"job_variables_attributes":[{"key":"A","value":"1"}],"job_inputs":{"ratio":0.5}}`},
	} {
		id := f.addJob("deploy", "deploy", "manual", 6, true)
		if _, err := c.PlayJob(ctx, "1", id, tc.vars, JobInputs(tc.inputs)); err != nil {
			t.Fatal(err)
		}
		if b := f.bodiesOf(id); len(b) != 1 || b[0] != tc.want {
			t.Errorf("PlayJob(%v, %v) sent %q, want %q", tc.vars, tc.inputs, b, tc.want)
		}
	}
	if _, err := c.PlayJob(ctx, "1", 5, nil, JobInputs(map[string]any{"": "x"})); err == nil || !strings.Contains(err.Error(), "empty name") {
		t.Errorf("empty input name: %v", err)
	}
}

func TestJobActionsValidate(t *testing.T) {
	f := newFakeGitLab(t)
	c := newTestClient(t, f.URL)
	ctx := context.Background()
	if _, err := c.PlayJob(ctx, "1", 5, []Variable{{Key: "", Value: "secret-value"}}); err == nil || !strings.Contains(err.Error(), "empty key") || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("empty key: %v", err)
	}
	for _, ac := range actionCases {
		for _, bad := range []struct {
			project string
			job     int64
		}{{"", 1}, {"project", 1}, {"1", 0}} {
			if _, err := ac.do(c, ctx, bad.project, bad.job); err == nil {
				t.Errorf("%s(%q, %d) must fail", ac.name, bad.project, bad.job)
			}
		}
	}
	if _, posts, gets := f.counts(5); posts != 0 || gets != 0 || len(f.listQueries()) != 0 {
		t.Error("requests were sent")
	}
}

// A 4xx is GitLab's answer: returned as is, never re-sent, the job never re-read.
func TestJobActionsReturnGitLabsRefusal(t *testing.T) {
	tests := []struct {
		action, status string
		wantStatus     int
		wantMsg        string
	}{
		{"play", "pending", 400, "400 Bad request - Unplayable Job"},
		{"play", "success", 400, "400 Bad request - Unplayable Job"}, // not a manual job: cannot be played again
		{"retry", "running", 403, "403 Forbidden - Job is not retryable"},
		{"erase", "running", 403, "403 Forbidden - Job is not erasable!"},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.status, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitLab(t)
			id := f.addJob("build", "build", tt.status, 6, false)
			ac := actionCases[slices.IndexFunc(actionCases, func(a actionCase) bool { return a.name == tt.action })]
			_, err := ac.do(newTestClient(t, f.URL), context.Background(), "1", id)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantStatus || apiErr.Message != tt.wantMsg {
				t.Fatalf("err = %#v, want a %d with %q", err, tt.wantStatus, tt.wantMsg)
			}
			if want := fmt.Sprintf("POST /projects/1/jobs/%d/%s: %s", id, tt.action, tt.wantMsg); err.Error() != want {
				t.Errorf("err = %q, want %q", err, want)
			}
			if applied, posts, gets := f.counts(id); applied != 0 || posts != 1 || gets != 0 {
				t.Errorf("applied %d, %d POSTs, %d GETs; want one POST", applied, posts, gets)
			}
		})
	}
	// 404: a job that does not exist.
	for _, ac := range actionCases {
		f := newFakeGitLab(t)
		_, err := ac.do(newTestClient(t, f.URL), context.Background(), "1", 999)
		if _, posts, gets := f.counts(999); !IsNotFound(err) || posts != 1 || gets != 0 {
			t.Errorf("%s of a missing job: %v after %d POSTs, %d GETs", ac.name, err, posts, gets)
		}
	}
}

// After an ambiguous failure, the job is re-read; the action is applied
// exactly once whatever happened.
func TestJobActionsAfterAmbiguousFailures(t *testing.T) {
	tests := []struct {
		fault     fault
		wantPosts int
	}{
		{fault{kind: failAfter}, 1},
		{fault{kind: failAfter, status: 500}, 1},
		{fault{kind: failAfter, status: 503}, 1},
		{fault{kind: failAfter, status: 504}, 1},
		{fault{kind: failBefore}, 2},
		{fault{kind: failBefore, status: 500}, 2},
		{fault{kind: failBefore, status: 504}, 2},
		{fault{kind: resetAfter}, 1},
		{fault{kind: resetBefore}, 2},
		{fault{kind: tooMany}, 2},   // retried by the transport
		{fault{kind: lateApply}, 1}, // done before the second look
		{fault{kind: lateApply, reads: 2}, 2},
	}
	for _, ac := range actionCases {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s %s %d %d", ac.name, tt.fault.kind, tt.fault.status, tt.fault.reads), func(t *testing.T) {
				t.Parallel()
				f := newFakeGitLab(t)
				f.addJob("other", "test", "success", 6, false)
				id := f.addJob("deploy", "deploy", ac.status, 6, ac.manual)
				f.addJob("later", "deploy", "created", 6, false)
				f.script("post:"+strconv.FormatInt(id, 10), tt.fault)
				got, err := ac.do(newTestClient(t, f.URL), context.Background(), "group/project", id)
				if err != nil {
					t.Fatal(err)
				}
				checkApplied(t, f, ac, id, got)
				wantPosts := tt.wantPosts
				if tt.fault.kind == lateApply && ac.name == "retry" {
					wantPosts = 1 // the new attempt is in the pipeline by the time it is listed
				}
				// lateApply with 2 reads: the re-sent play and erase are
				// refused (the re-sent cancel leaves the job as it is), and
				// the job shows an earlier attempt was applied.
				if _, posts, _ := f.counts(id); posts != wantPosts {
					t.Errorf("%d POSTs, want %d", posts, wantPosts)
				}
				if ac.name == "play" {
					for i, b := range f.bodiesOf(id) {
						if b != `{"job_variables_attributes":[{"key":"K","value":"V"}]}` {
							t.Errorf("body %d = %q", i, b)
						}
					}
				}
			})
		}
	}
}

// A POST whose attempt timed out (Config.HTTPClient's Timeout bounds each
// attempt) may have been applied.
func TestJobActionsAfterAnAttemptTimeout(t *testing.T) {
	for _, ac := range actionCases {
		t.Run(ac.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitLab(t)
			id := f.addJob("deploy", "deploy", ac.status, 6, ac.manual)
			f.script("post:"+strconv.FormatInt(id, 10), fault{kind: slowAfter})
			c := newTestClient(t, f.URL, func(c *Config) { c.HTTPClient = &http.Client{Timeout: 150 * time.Millisecond} })
			got, err := ac.do(c, context.Background(), "1", id)
			if err != nil {
				t.Fatal(err)
			}
			checkApplied(t, f, ac, id, got)
			if _, posts, gets := f.counts(id); posts != 1 || gets != 1 {
				t.Errorf("%d POSTs, %d GETs; want one of each", posts, gets)
			}
		})
	}
}

// When the caller's context ends, nothing more is sent or read.
func TestJobActionsWhenTheCallerGivesUp(t *testing.T) {
	f := newFakeGitLab(t)
	id := f.addJob("deploy", "deploy", "manual", 6, true)
	f.script("post:"+strconv.FormatInt(id, 10), fault{kind: slowAfter})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := newTestClient(t, f.URL).PlayJob(ctx, "1", id, nil)
	var u *UnknownOutcomeError
	if !errors.As(err, &u) || !errors.Is(err, context.DeadlineExceeded) || u.Action != "play" || u.JobID != id {
		t.Fatalf("err = %v, want an UnknownOutcomeError wrapping the deadline", err)
	}
	if applied, posts, gets := f.counts(id); applied != 1 || posts != 1 || gets != 0 {
		t.Errorf("applied %d, %d POSTs, %d GETs", applied, posts, gets)
	}
}

// When re-reading fails too, the outcome is unknown, and the error says so.
func TestJobActionsWhenTheReReadFails(t *testing.T) {
	// Retries is 3: four attempts. (No resets here: net/http itself re-sends a
	// GET whose reused connection was reset.)
	down := []fault{{kind: failBefore, status: 503}, {kind: failBefore, status: 500}, {kind: failBefore}, {kind: failBefore}}
	for _, ac := range actionCases {
		for _, what := range []string{"get", "list"} {
			if what == "list" && ac.name != "retry" {
				continue
			}
			t.Run(ac.name+" "+what, func(t *testing.T) {
				t.Parallel()
				f := newFakeGitLab(t)
				id := f.addJob("deploy", "deploy", ac.status, 6, ac.manual)
				f.script("post:"+strconv.FormatInt(id, 10), fault{kind: failAfter})
				if what == "get" {
					f.script("get:"+strconv.FormatInt(id, 10), down...)
				} else {
					f.script("list:6", down...)
				}
				_, err := ac.do(newTestClient(t, f.URL), context.Background(), "group/project", id)
				var u *UnknownOutcomeError
				if !errors.As(err, &u) {
					t.Fatalf("err = %v, want an UnknownOutcomeError", err)
				}
				if u.Action != ac.name || u.JobID != id || u.Project != "group/project" || StatusCode(u.Cause) != 502 || StatusCode(u.Err) != 502 {
					t.Errorf("err = %#v", u)
				}
				msg := err.Error()
				for _, want := range []string{
					fmt.Sprintf("the %s of job %d (project group/project) may or may not have been applied", ac.name, id),
					"502 Bad Gateway", "re-reading the job to find out failed", "; check ",
				} {
					if !strings.Contains(msg, want) {
						t.Errorf("err = %q lacks %q", msg, want)
					}
				}
				if strings.Contains(msg, testToken) || strings.Contains(msg, "<html>") {
					t.Errorf("err = %q", msg)
				}
				applied, posts, gets := f.counts(id)
				if applied != 1 || posts != 1 {
					t.Errorf("applied %d, %d POSTs; want one", applied, posts)
				}
				if what == "get" && gets != 4 {
					t.Errorf("%d GETs, want 4", gets)
				}
			})
		}
	}
}

// Re-sends are bounded: after three attempts that GitLab shows were not
// applied, GitLab's last answer is returned with what the job showed — or,
// when the last attempt may still be under way, an unknown outcome.
func TestJobActionsGiveUp(t *testing.T) {
	for _, ac := range actionCases {
		for _, last := range []fault{{kind: failBefore, status: 503}, {kind: resetBefore}} {
			t.Run(ac.name+" "+last.kind.String(), func(t *testing.T) {
				t.Parallel()
				f := newFakeGitLab(t)
				id := f.addJob("deploy", "deploy", ac.status, 6, ac.manual)
				f.script("post:"+strconv.FormatInt(id, 10), fault{kind: failBefore}, fault{kind: resetBefore}, last, fault{kind: failAfter})
				_, err := ac.do(newTestClient(t, f.URL), context.Background(), "1", id)
				var u *UnknownOutcomeError
				if last.kind == resetBefore {
					if !errors.As(err, &u) || !strings.Contains(err.Error(), "after 3 attempts ") || !strings.Contains(err.Error(), "was not applied, but the last attempt may still be under way") {
						t.Errorf("err = %v, want an unknown outcome", err)
					}
				} else {
					want := fmt.Sprintf("the %s of job %d (project 1) was not applied: 3 attempts failed, the last with POST /projects/1/jobs/%d/%s: 503 Service Unavailable", ac.name, id, id, ac.name)
					if errors.As(err, &u) || StatusCode(err) != 503 || !strings.HasPrefix(err.Error(), want) {
						t.Errorf("err = %v, want %q...", err, want)
					}
				}
				if applied, posts, _ := f.counts(id); applied != 0 || posts != 3 {
					t.Errorf("applied %d, %d POSTs; want 3 POSTs and none applied", applied, posts)
				}
			})
		}
	}
}

func TestRetryFindsTheNewAttemptAcrossPages(t *testing.T) {
	f := newFakeGitLab(t)
	f.perPage = 2
	f.addJob("rspec", "test", "success", 7, false) // same name, another pipeline
	for i := range 5 {
		f.addJob(fmt.Sprintf("lint %d", i), "test", "success", 6, false)
	}
	id := f.addJob("rspec", "test", "failed", 6, false)
	f.addJob("rspec", "deploy", "created", 6, false) // same name, another stage
	for i := range 5 {
		f.addJob(fmt.Sprintf("build %d", i), "build", "success", 6, false)
	}
	f.script("post:"+strconv.FormatInt(id, 10), fault{kind: resetAfter})
	got, err := newTestClient(t, f.URL).RetryJob(context.Background(), "1", id)
	if err != nil {
		t.Fatal(err)
	}
	checkApplied(t, f, actionCases[1], id, got)
	// The new attempt, on the last page: 13 jobs, 2 per page, newest first.
	lists := f.listQueries()
	if len(lists) != 7 {
		t.Errorf("%d list requests: %q", len(lists), lists)
	}
	for i, q := range lists {
		v, _ := url.ParseQuery(q)
		if v.Get("include_retried") != "true" || v.Get("per_page") != "100" || (i > 0 && v.Get("page") != strconv.Itoa(i+1)) {
			t.Errorf("list %d: %q", i, q)
		}
	}
}

// Someone else retried the job at the same time: their new job is taken as
// this retry's, and the POST is not sent again (GitLab would refuse it).
func TestRetryRacingAnotherRetry(t *testing.T) {
	f := newFakeGitLab(t)
	id := f.addJob("rspec", "test", "failed", 6, false)
	f.script("post:"+strconv.FormatInt(id, 10), fault{kind: failBefore})
	f.mu.Lock()
	f.apply("retry", f.jobs[id], nil) // the other client's retry
	f.mu.Unlock()
	got, err := newTestClient(t, f.URL).RetryJob(context.Background(), "1", id)
	if err != nil {
		t.Fatal(err)
	}
	if applied, posts, _ := f.counts(id); got.ID != f.newJobOf(id) || posts != 1 || applied != 1 {
		t.Errorf("got job %d (want %d) after %d POSTs; %d retries applied", got.ID, f.newJobOf(id), posts, applied)
	}
}

// Playing a finished manual job re-runs it as a new job.
func TestPlayOfAFinishedManualJob(t *testing.T) {
	f := newFakeGitLab(t)
	c := newTestClient(t, f.URL)
	id := f.addJob("deploy", "deploy", "success", 6, true)
	f.script("post:"+strconv.FormatInt(id, 10), fault{kind: failAfter})
	got, err := c.PlayJob(context.Background(), "1", id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if applied, posts, _ := f.counts(id); got.ID != id || applied != 1 || posts != 1 || f.newJobOf(id) == 0 {
		t.Errorf("got job %d after %d POSTs; %d plays applied", got.ID, posts, applied)
	}

	// Whether a finished job without a newer attempt was run by the play or
	// not touched cannot be told: the play is not sent again.
	id = f.addJob("deploy", "deploy", "success", 6, true)
	f.script("post:"+strconv.FormatInt(id, 10), fault{kind: failBefore})
	_, err = c.PlayJob(context.Background(), "1", id, nil)
	var u *UnknownOutcomeError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "is now success and has no newer attempt") {
		t.Errorf("err = %v", err)
	}
	if applied, posts, _ := f.counts(id); posts != 1 || applied != 0 {
		t.Errorf("%d POSTs, %d applied", posts, applied)
	}
}

// Cancelling: a job that finished meanwhile is returned as it is, without a
// second POST.
func TestCancelOfAJobThatFinished(t *testing.T) {
	f := newFakeGitLab(t)
	id := f.addJob("test", "test", "running", 6, false)
	f.script("post:"+strconv.FormatInt(id, 10), fault{kind: failBefore})
	f.mu.Lock()
	f.jobs[id].Status = "success" // it finished while the cancel failed
	f.mu.Unlock()
	got, err := newTestClient(t, f.URL).CancelJob(context.Background(), "1", id)
	if applied, posts, _ := f.counts(id); err != nil || got.Status != "success" || posts != 1 || applied != 0 {
		t.Errorf("CancelJob = %+v, %v after %d POSTs", got, err, posts)
	}
}

var noAnswer = regexp.MustCompile(`(no answer \(POST [^:]*): [^)]*\)`)

func TestJobActionDecisionsAreLogged(t *testing.T) {
	const secret = "variable-value-that-must-stay-secret"
	tests := []struct {
		ac     actionCase
		status string
		faults []fault
		want   []string // %[1]d is the job ID
	}{
		{actionCase{"play", "", false, func(c *Client, ctx context.Context, p string, id int64) (*Job, error) {
			return c.PlayJob(ctx, p, id, []Variable{{Key: "K", Value: secret}})
		}}, "manual", []fault{{kind: failBefore}, {kind: failAfter}}, []string{
			"warn play of job %[1]d got 502 Bad Gateway; job is still manual, so the play was not applied; sending it again",
			"warn play of job %[1]d got 502 Bad Gateway; job is now pending, so the play was applied",
		}},
		{actionCases[3], "success", []fault{{kind: lateApply, reads: 2}}, []string{
			"warn erase of job %[1]d got 504 Gateway Timeout; job is not erased, so the erase was not applied yet; looking again in 2ms, as the request may still be under way in GitLab",
			"warn erase of job %[1]d got 504 Gateway Timeout; job is not erased, so the erase was not applied; sending it again",
			"warn erase of job %[1]d, sent again, got 403 Forbidden; job is now erased, so the erase was applied",
		}},
		{actionCases[1], "failed", []fault{{kind: resetAfter}}, []string{
			"warn retry of job %[1]d got no answer (POST /projects/1/jobs/%[1]d/retry: …); job %[2]d is a new attempt of it, so the retry was applied",
		}},
	}
	for _, tt := range tests {
		var logs bytes.Buffer
		ctx := tflogtest.RootLogger(context.Background(), &logs)
		f := newFakeGitLab(t)
		id := f.addJob("deploy", "deploy", tt.status, 6, true)
		f.script("post:"+strconv.FormatInt(id, 10), tt.faults...)
		if _, err := tt.ac.do(newTestClient(t, f.URL), ctx, "1", id); err != nil {
			t.Fatal(err)
		}
		entries, err := tflogtest.MultilineJSONDecode(&logs)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			if e["@level"] != "debug" {
				msg := noAnswer.ReplaceAllString(fmt.Sprint(e["@message"]), "$1: …)") // the error holds ports
				got = append(got, fmt.Sprintf("%s %s", e["@level"], msg))
				if e["action"] != tt.ac.name || e["job_id"] != float64(id) {
					t.Errorf("fields: %v", e)
				}
			}
		}
		var want []string
		for _, w := range tt.want {
			want = append(want, fmt.Sprintf(w, id, f.newJobOf(id)))
		}
		if !slices.Equal(got, want) {
			t.Errorf("logs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, s := range []string{secret, testToken} {
			if strings.Contains(logs.String(), s) {
				t.Errorf("the logs hold %q", s)
			}
		}
	}
}

// Hundreds of actions on fresh jobs, with random faults on every request:
// none may be applied twice, none may be reported as done when it was not
// (or as failed when it was done), and every error must say what happened.
func TestJobActionsUnderRandomFaults(t *testing.T) {
	const ops, workers = 600, 8
	seed := uint64(20260214)
	if s := os.Getenv("GITLABCLIENT_FAULT_SEED"); s != "" { // to try others
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (set GITLABCLIENT_FAULT_SEED to change it)", seed)

	f := newFakeGitLab(t)
	f.perPage = 2
	c := newTestClient(t, f.URL)

	type op struct {
		ac  actionCase
		job int64
		got *Job
		err error
	}
	plan := make([]op, ops)
	for i := range plan {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		ac := actionCases[rng.IntN(len(actionCases))]
		pipeline := int64(1000 + i)
		f.addJob("before", "test", "success", pipeline, false)
		id := f.addJob(fmt.Sprintf("job %d", i), "test", ac.status, pipeline, ac.manual)
		f.addJob("after", "test", "created", pipeline, false)
		plan[i] = op{ac: ac, job: id}
		if ac.name == "play" && rng.IntN(100) < 20 {
			// A job that finishes at once: played again, it would run again.
			f.mu.Lock()
			f.jobs[id].fast = true
			f.mu.Unlock()
		}
		for range 6 {
			f.script("post:"+strconv.FormatInt(id, 10), randomFault(rng, true))
		}
		for range 10 {
			f.script("get:"+strconv.FormatInt(id, 10), randomFault(rng, false))
			f.script("list:"+strconv.FormatInt(pipeline, 10), randomFault(rng, false))
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				p := &plan[i]
				p.got, p.err = p.ac.do(c, context.Background(), "group/project", p.job)
			}
		})
	}
	for i := range plan {
		next <- i
	}
	close(next)
	wg.Wait()

	var duplicates, lost, succeeded, unknown, failed int
	for _, p := range plan {
		applied, _, _ := f.counts(p.job)
		if applied > 1 {
			duplicates++
			t.Errorf("%s of job %d applied %d times", p.ac.name, p.job, applied)
		}
		var u *UnknownOutcomeError
		switch {
		case p.err == nil:
			succeeded++
			f.mu.Lock()
			want := p.job
			if p.ac.name == "retry" {
				want = f.newJob[p.job]
			}
			f.mu.Unlock()
			if applied != 1 || p.got == nil || p.got.ID != want {
				lost++
				t.Errorf("%s of job %d reported done, applied %d times, returned %+v", p.ac.name, p.job, applied, p.got)
			}
		case errors.As(p.err, &u):
			unknown++
			if u.Action != p.ac.name || u.JobID != p.job || !strings.Contains(p.err.Error(), fmt.Sprintf("the %s of job %d (project group/project) may or may not have been applied: ", p.ac.name, p.job)) {
				lost++
				t.Errorf("unclear error: %v", p.err)
			}
		default:
			failed++
			// A definite failure: nothing may have been applied.
			if applied != 0 || !strings.Contains(p.err.Error(), fmt.Sprintf("/jobs/%d/%s", p.job, p.ac.name)) {
				lost++
				t.Errorf("%s of job %d: %v, yet applied %d times", p.ac.name, p.job, p.err, applied)
			}
		}
		if p.err != nil && strings.Contains(p.err.Error(), testToken) {
			t.Errorf("the error holds the token: %v", p.err)
		}
	}
	f.mu.Lock()
	injected := 0
	var kinds []string
	for k := tooMany; k <= lateApply; k++ {
		injected += f.injected[k]
		if f.injected[k] > 0 {
			kinds = append(kinds, fmt.Sprintf("%s: %d", k, f.injected[k]))
		}
	}
	f.mu.Unlock()
	t.Logf("%d operations in %s: %d succeeded, %d with an unknown outcome, %d failed; %d duplicates, %d lost; %d faults injected (%s)",
		ops, time.Since(start).Round(time.Millisecond), succeeded, unknown, failed, duplicates, lost, injected, strings.Join(kinds, ", "))
	fmt.Printf("fault test: %d operations, %d duplicates, %d lost, %d faults injected (seed %d)\n", ops, duplicates, lost, injected, seed)
}

func randomFault(rng *rand.Rand, post bool) fault {
	statuses := []int{500, 502, 503, 504}
	n := rng.IntN(100)
	if !post {
		// No resets: net/http itself re-sends a GET whose reused connection
		// was reset, which would make the run depend on connection reuse.
		if n < 15 {
			return fault{kind: failBefore, status: statuses[rng.IntN(len(statuses))]}
		}
		return fault{}
	}
	switch {
	case n < 10:
		return fault{kind: tooMany}
	case n < 25:
		return fault{kind: failBefore, status: statuses[rng.IntN(len(statuses))]}
	case n < 40:
		return fault{kind: failAfter, status: statuses[rng.IntN(len(statuses))]}
	case n < 46:
		return fault{kind: resetBefore}
	case n < 56:
		return fault{kind: resetAfter}
	case n < 60:
		return fault{kind: lateApply}
	}
	return fault{}
}
