package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Unit tests of the "exactly once per intent" decisions (common_operations.go):
// what a play or retry does with a job, by its status, its newest run, and
// whether the user asked to act again; and the act_again marker's way from
// the plan to the create.

func TestDecidePlay(t *testing.T) {
	job := func(id int64, status string) *gitlabclient.Job {
		return &gitlabclient.Job{ID: id, Name: "deploy", Status: status}
	}
	for _, tc := range []struct {
		status, latest      string // latest: "" = not run again
		lookFirst, recorded bool
		want                decision
		wantTarget          int64
	}{
		// Waiting to be played: played, whatever the marker or record.
		{"manual", "", true, false, decideAct, 1},
		{"manual", "", true, true, decideAct, 1}, // an unknown outcome that did not happen
		{"manual", "", false, false, decideAct, 1},
		{"scheduled", "", true, false, decideAct, 1},
		// No marker, and this resource recorded a run (tainted): adopted.
		{"pending", "", true, true, decideAdopt, 1},
		{"waiting_for_resource", "", true, true, decideAdopt, 1},
		{"running", "", true, true, decideAdopt, 1},
		{"success", "", true, true, decideAdopt, 1},
		{"failed", "", true, true, decideAdopt, 1},
		{"canceled", "", true, true, decideAdopt, 1},
		{"canceling", "", true, true, decideAdopt, 1},
		{"success", "running", true, true, decideAdopt, 2},
		{"success", "success", true, true, decideAdopt, 2},
		{"success", "manual", true, true, decideAdopt, 1}, // its copy waits: the run that happened is job 1
		// No marker and no record (new, or its state was lost): not played
		// again, not adopted either (it may never have been a manual job).
		{"running", "", true, false, decideRefuse, 1},
		{"success", "", true, false, decideRefuse, 1},
		{"success", "success", true, false, decideRefuse, 1},
		// ... and a job that was never played is refused.
		{"created", "", true, true, decideRefuse, 1},
		{"skipped", "", true, true, decideRefuse, 1},
		// The user asked to play again (triggers): a finished run is run again.
		{"success", "", false, true, decideAct, 1},
		{"failed", "", false, false, decideAct, 1},
		{"success", "success", false, true, decideAct, 2},
		{"success", "manual", false, true, decideAct, 2},
		// ... but not while it runs.
		{"running", "", false, true, decideRefuse, 1},
		{"success", "pending", false, true, decideRefuse, 2},
		{"skipped", "", false, false, decideRefuse, 1},
	} {
		t.Run(fmt.Sprintf("%s/%s/lookFirst=%v/recorded=%v", tc.status, tc.latest, tc.lookFirst, tc.recorded), func(t *testing.T) {
			j, latest := job(1, tc.status), job(1, tc.status)
			if tc.latest != "" {
				latest = job(2, tc.latest)
			}
			d, target := decidePlay(j, latest, tc.lookFirst, tc.recorded)
			if d != tc.want || target.ID != tc.wantTarget {
				t.Errorf("decidePlay = %s on job %d, want %s on job %d", d, target.ID, tc.want, tc.wantTarget)
			}
		})
	}
}

func TestDecideRetry(t *testing.T) {
	job := func(id int64, status string) *gitlabclient.Job {
		return &gitlabclient.Job{ID: id, Name: "e2e", Status: status}
	}
	for _, tc := range []struct {
		status, latest string
		lookFirst      bool
		want           decision
		wantTarget     int64
	}{
		// Not retried before: retried, whatever the marker.
		{"failed", "", true, decideAct, 1},
		{"success", "", true, decideAct, 1},
		{"canceled", "", false, decideAct, 1},
		// No marker: a job retried before is adopted, whatever its new run does.
		{"failed", "pending", true, decideAdopt, 2},
		{"failed", "running", true, decideAdopt, 2},
		{"failed", "success", true, decideAdopt, 2},
		{"failed", "failed", true, decideAdopt, 2},
		// The user asked to retry again: the newest run is retried once finished.
		{"failed", "failed", false, decideAct, 2},
		{"failed", "success", false, decideAct, 2},
		{"failed", "running", false, decideRefuse, 2},
		// Not finished: refused.
		{"running", "", true, decideRefuse, 1},
		{"manual", "", false, decideRefuse, 1},
	} {
		t.Run(fmt.Sprintf("%s/%s/lookFirst=%v", tc.status, tc.latest, tc.lookFirst), func(t *testing.T) {
			j, latest := job(1, tc.status), job(1, tc.status)
			if tc.latest != "" {
				latest = job(2, tc.latest)
			}
			d, target := decideRetry(j, latest, tc.lookFirst)
			if d != tc.want || target.ID != tc.wantTarget {
				t.Errorf("decideRetry = %s on job %d, want %s on job %d", d, target.ID, tc.want, tc.wantTarget)
			}
		})
	}
}

// TestActAgainMarker: the marker reaches a create through the planned
// private state in its context, or through the stash its replacement's
// delete filled; each marker makes one create act, for its own intent only.
func TestActAgainMarker(t *testing.T) {
	data := &providerData{}
	key := intentKey("resource gitlabjobs_job_play", types.Int64Value(7))
	if intentKey("x", types.Int64Unknown()) != "" || intentKey("x", types.Int64Null()) != "" {
		t.Error("an intent with an unknown job must be empty: it cannot be matched at apply")
	}
	if m := actAgainInCreate(context.Background(), data, key); m != nil {
		t.Fatalf("a create without a marker got %+v", m)
	}

	stashActAgain(data, &actAgain{Changed: []string{"triggers"}, Intent: key})
	for _, other := range []string{
		intentKey("resource gitlabjobs_job_play", types.Int64Value(8)),
		intentKey("resource gitlabjobs_job_retry", types.Int64Value(7)),
	} {
		if m := actAgainInCreate(context.Background(), data, other); m != nil {
			t.Errorf("another job's or type's create (%q) took the marker: %+v", other, m)
		}
	}
	if m := actAgainInCreate(context.Background(), &providerData{}, key); m != nil {
		t.Errorf("another provider instance's create took the marker: %+v", m)
	}
	if m := peekActAgain(data, key); m == nil {
		t.Fatal("the re-plan does not see the marker its delete kept")
	}
	m := actAgainInCreate(context.Background(), data, key)
	if !m.asked("triggers") || m.asked("variables") {
		t.Fatalf("the create got %+v, want triggers", m)
	}
	if m := actAgainInCreate(context.Background(), data, key); m != nil {
		t.Errorf("a second create took the same marker: %+v", m)
	}

	// A CLI that passes the planned private state on: the framework's
	// encoding (a JSON object of base64 JSON values).
	b, _ := json.Marshal(actAgain{Changed: []string{"variables"}, Intent: key})
	private, _ := json.Marshal(map[string][]byte{actAgainKey: b, ".framework": []byte(`{}`)})
	stashActAgain(data, &actAgain{Changed: []string{"variables"}, Intent: key})
	ctx := context.WithValue(context.Background(), plannedPrivateKey{}, private)
	if m := actAgainInCreate(ctx, data, key); !m.asked("variables") {
		t.Errorf("the create did not get the planned private marker: %+v", m)
	}
	if m := peekActAgain(data, key); m != nil {
		t.Errorf("the delete's copy of a marker that arrived directly is left for another create: %+v", m)
	}
	var nilMarker *actAgain
	if nilMarker.asked("triggers") || decodeActAgain([]byte(`{"changed":[]}`)) != nil || decodeActAgain([]byte(`not json`)) != nil {
		t.Error("an empty or broken marker must not ask to act again")
	}
}

// opsEnv is a simulator with a project, and a client for it.
type opsEnv struct {
	sim     *gitlabsim.Sim
	client  *gitlabclient.Client
	token   string // the client's, for another client (a new provider process)
	project gitlabsim.Project
	poll    poller
}

func newOpsEnv(t *testing.T, opts gitlabsim.Options) *opsEnv {
	t.Helper()
	if opts.RunnerPickupDelay == 0 {
		opts.RunnerPickupDelay, opts.RunDuration = 50*time.Millisecond, 200*time.Millisecond
	}
	sim := gitlabsim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "ops", Scopes: []string{"api"}})
	client, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL + "/api/v4/", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	poll := defaultPoller()
	poll.first, poll.max = 20*time.Millisecond, 100*time.Millisecond
	return &opsEnv{sim: sim, client: client, token: token, poll: poll,
		project: sim.CreateProject(gitlabsim.ProjectSpec{Path: "ops/app", Members: map[int64]int{admin.ID: 40}})}
}

func (e *opsEnv) jobs(specs ...gitlabsim.JobSpec) []int64 {
	return e.sim.CreatePipeline(e.project.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: specs}).JobIDs
}

func (e *opsEnv) input(t *testing.T, jobID int64) jobActionInput {
	t.Helper()
	p, err := gitlabclient.ParseProject(e.project.PathWithNamespace)
	if err != nil {
		t.Fatal(err)
	}
	return jobActionInput{Project: p, JobID: jobID, WaitFor: waitFinished, FailOnJobFailure: true}
}

func (e *opsEnv) posts(action string) int {
	return e.sim.RequestCount("POST /api/v4/projects/{id}/jobs/{job_id}/" + action)
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// warned is the summary of the one warning in diags, failing on errors.
func warned(t *testing.T, diags diag.Diagnostics) string {
	t.Helper()
	var got []string
	for _, d := range diags {
		if d.Severity() == diag.SeverityError {
			t.Fatalf("unexpected error: %s: %s", d.Summary(), d.Detail())
		}
		got = append(got, d.Summary()+": "+d.Detail())
	}
	if len(got) != 1 {
		t.Fatalf("got warnings %q, want one", got)
	}
	return got[0]
}

// TestPlayJob_lookFirst: a job played before is not played again: without
// a record of it, refused (naming import); recorded by a tainted resource,
// adopted and waited for, with a warning; asked again, it runs again.
func TestPlayJob_lookFirst(t *testing.T) {
	e := newOpsEnv(t, gitlabsim.Options{})
	ids := e.jobs(gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"})
	deploy := ids[0]
	if err := e.sim.PlayJob(deploy, nil); err != nil {
		t.Fatal(err)
	}
	in := e.input(t, deploy)
	in.LookFirst = true
	in.Variables = []gitlabclient.Variable{{Key: "ENVIRONMENT", Value: "production"}}
	// Without a record of it (a new resource, a lost state): refused, naming import.
	out := playJob(ctxTimeout(t), e.client, e.poll, in)
	if !out.Diags.HasError() || !strings.Contains(out.Diags[0].Detail(), "import") || out.Job != nil {
		t.Fatalf("a played job without a record: job %+v, diags %v; want an error naming import", out.Job, out.Diags)
	}
	// Recorded (a tainted resource): adopted.
	in.Recorded = true
	out = playJob(ctxTimeout(t), e.client, e.poll, in)
	w := warned(t, out.Diags)
	for _, want := range []string{fmt.Sprintf("Job %d was already played: not playing it again", deploy), "change triggers", "variables given here were not sent"} {
		if !strings.Contains(w, want) {
			t.Errorf("the warning %q does not say %q", w, want)
		}
	}
	if strings.Contains(w, "production") {
		t.Errorf("the warning shows a variable's value: %q", w)
	}
	if out.Job == nil || out.Job.ID != deploy || out.Job.Status != "success" {
		t.Errorf("adopted %+v, want job %d waited for until success", out.Job, deploy)
	}
	if n := e.posts("play"); n != 0 {
		t.Errorf("%d POST .../play, want 0", n)
	}

	// Asked again (a changed trigger): the finished manual job runs again.
	in.LookFirst, in.Variables = false, nil
	out = playJob(ctxTimeout(t), e.client, e.poll, in)
	if out.Diags.HasError() || out.Job == nil || out.Job.ID == deploy {
		t.Fatalf("play again: job %+v, diags %v", out.Job, out.Diags)
	}
	if n := e.posts("play"); n != 1 {
		t.Errorf("%d POST .../play, want 1", n)
	}
}

// TestPlayJob_variablesChanged: new variables for a played job are refused
// at apply too (a plan made before the job was played), with nothing sent.
func TestPlayJob_variablesChanged(t *testing.T) {
	e := newOpsEnv(t, gitlabsim.Options{})
	ids := e.jobs(gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "success", When: "manual"},
		gitlabsim.JobSpec{Name: "deploy2", Stage: "deploy", Status: "manual"})
	in := e.input(t, ids[0])
	in.VariablesChanged = true
	out := playJob(ctxTimeout(t), e.client, e.poll, in)
	if !out.Diags.HasError() || !strings.Contains(out.Diags[0].Summary(), "New variables cannot be applied") {
		t.Fatalf("diags %v, want the variables refusal", out.Diags)
	}
	if n := e.posts("play"); n != 0 {
		t.Errorf("%d POST .../play, want 0", n)
	}
	// So are new inputs, naming inputs.
	in = e.input(t, ids[0])
	in.InputsChanged, in.Inputs = true, map[string]any{"target": "production"}
	out = playJob(ctxTimeout(t), e.client, e.poll, in)
	if !out.Diags.HasError() || !strings.Contains(out.Diags[0].Summary(), "New inputs cannot be applied") ||
		!out.Diags[0].(interface{ Path() path.Path }).Path().Equal(path.Root("inputs")) {
		t.Fatalf("diags %v, want the inputs refusal", out.Diags)
	}
	if n := e.posts("play"); n != 0 {
		t.Errorf("%d POST .../play, want 0", n)
	}
	// A manual job takes them.
	in = e.input(t, ids[1])
	in.VariablesChanged, in.Variables = true, []gitlabclient.Variable{{Key: "ENVIRONMENT", Value: "production"}}
	if out := playJob(ctxTimeout(t), e.client, e.poll, in); out.Diags.HasError() {
		t.Fatalf("playing a manual job with new variables: %v", out.Diags)
	}
	if n := e.posts("play"); n != 1 {
		t.Errorf("%d POST .../play, want 1", n)
	}
}

// TestRetryJob_lookFirst: a job retried before is not retried again: its
// newest run is adopted; asked again, the newest run is retried.
func TestRetryJob_lookFirst(t *testing.T) {
	e := newOpsEnv(t, gitlabsim.Options{})
	ids := e.jobs(gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "failed", Outcome: "success"})
	retried, err := e.sim.RetryJob(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	in := e.input(t, ids[0])
	in.LookFirst = true
	out := playOrRetry(t, retryJob(ctxTimeout(t), e.client, e.poll, in))
	if !strings.Contains(out, fmt.Sprintf("Job %d was already retried: not retrying it again", ids[0])) || !strings.Contains(out, "change triggers") {
		t.Errorf("warning %q", out)
	}
	if n := e.posts("retry"); n != 0 {
		t.Errorf("%d POST .../retry, want 0", n)
	}
	o := retryJob(ctxTimeout(t), e.client, e.poll, in)
	if o.Job == nil || o.Job.ID != retried || o.Job.Status != "success" {
		t.Errorf("adopted %+v, want job %d, success", o.Job, retried)
	}
	in.LookFirst = false
	o = retryJob(ctxTimeout(t), e.client, e.poll, in)
	if o.Diags.HasError() || o.Job == nil || o.Job.ID <= retried {
		t.Fatalf("retry again: job %+v, diags %v", o.Job, o.Diags)
	}
	if n := e.posts("retry"); n != 1 {
		t.Errorf("%d POST .../retry, want 1", n)
	}
}

func playOrRetry(t *testing.T, out jobActionOutput) string {
	t.Helper()
	return warned(t, out.Diags)
}

// TestCancelJob_canceling: a job already canceling is waited for, not
// canceled again.
func TestCancelJob_canceling(t *testing.T) {
	e := newOpsEnv(t, gitlabsim.Options{RunnerPickupDelay: 10 * time.Millisecond, RunDuration: time.Hour,
		GracefulCancel: true, GracefulCancelDelay: 300 * time.Millisecond})
	ids := e.jobs(gitlabsim.JobSpec{Name: "smoke", Stage: "test", Status: "manual"})
	if err := e.sim.PlayJob(ids[0], nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if j, _ := e.sim.Job(ids[0]); j.Status == "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := e.sim.CancelJob(ids[0]); err != nil {
		t.Fatal(err)
	}
	if j, _ := e.sim.Job(ids[0]); j.Status != "canceling" {
		t.Fatalf("job is %s, want canceling", j.Status)
	}
	out := cancelJob(ctxTimeout(t), e.client, e.poll, e.input(t, ids[0]))
	if out.Diags.HasError() || out.Job == nil || out.Job.Status != "canceled" {
		t.Errorf("cancel of a canceling job: job %+v, diags %v", out.Job, out.Diags)
	}
	if n := e.posts("cancel"); n != 0 {
		t.Errorf("%d POST .../cancel, want 0", n)
	}
}

// TestPlayJob_lostAnswer: a play GitLab applied whose answer was lost, and
// whose re-read failed too, ends in an error that keeps the job (so the
// resource is saved tainted, with a record of it); the next create adopts
// the run instead of playing again.
func TestPlayJob_lostAnswer(t *testing.T) {
	e := newOpsEnv(t, gitlabsim.Options{})
	deploy := e.jobs(gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"})[0]
	e.sim.InjectFault(gitlabsim.Fault{Route: "POST /api/v4/projects/{id}/jobs/{job_id}/play", Kind: gitlabsim.FaultResetAfter})
	// The read before the play passes; every read after it fails.
	e.sim.InjectFault(gitlabsim.Fault{Route: "GET /api/v4/projects/{id}/jobs/{job_id}", Kind: gitlabsim.FaultStatus,
		Calls: []int{2, 3, 4, 5, 6, 7, 8, 9, 10}})
	in := e.input(t, deploy)
	in.LookFirst = true
	out := playJob(ctxTimeout(t), e.client, e.poll, in)
	if !out.Diags.HasError() || !strings.Contains(out.Diags[0].Summary(), "may or may not have happened") {
		t.Fatalf("diags %v, want the unknown outcome", out.Diags)
	}
	if out.Job == nil || out.Job.ID != deploy {
		t.Fatalf("job %+v, want job %d kept for the state", out.Job, deploy)
	}
	if n := e.sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Fatalf("played %d times, want 1 (applied, answer lost)", n)
	}
	e.sim.ClearFaults()
	in.Recorded = true // the tainted state's record
	out = playJob(ctxTimeout(t), e.client, e.poll, in)
	warned(t, out.Diags)
	if out.Job == nil || out.Job.ID != deploy || out.Job.Status != "success" {
		t.Errorf("next create: job %+v, want job %d adopted and waited for", out.Job, deploy)
	}
	if n := e.posts("play"); n != 1 {
		t.Errorf("%d POST .../play, want 1", n)
	}
}

func TestStatusChecks(t *testing.T) {
	erased := time.Now()
	for _, tc := range []struct {
		check  func(*gitlabclient.Job) bool
		status string
		erased bool
		ok     bool
	}{
		{playOK, "manual", false, true}, {playOK, "scheduled", false, true}, {playOK, "success", false, true},
		{playOK, "running", false, false}, {playOK, "pending", false, false}, {playOK, "created", false, false},
		{playOK, "skipped", false, false},
		{retryOK, "failed", false, true}, {retryOK, "canceled", false, true}, {retryOK, "success", false, true},
		{retryOK, "running", false, false}, {retryOK, "manual", false, false}, {retryOK, "pending", false, false},
		{eraseOK, "success", false, true}, {eraseOK, "failed", false, true}, {eraseOK, "running", false, false},
		{eraseOK, "pending", false, false}, {eraseOK, "running", true, true}, {eraseOK, "canceling", false, false},
		// Ci::Processable#retryable? accepts a job being canceled; so does a play (a re-run).
		{retryOK, "canceling", false, true}, {playOK, "canceling", false, true},
	} {
		j := &gitlabclient.Job{ID: 9, Name: "deploy", Status: tc.status}
		if tc.erased {
			j.ErasedAt = &erased
		}
		if got := tc.check(j); got != tc.ok {
			t.Errorf("status %s (erased %v): allowed %v, want %v", tc.status, tc.erased, got, tc.ok)
		}
	}
	diags := checkPlayable(&gitlabclient.Job{ID: 9, Name: "e2e", Status: "running"})
	if !diags.HasError() || !strings.Contains(diags[0].Detail(), `Job 9 ("e2e") is running`) {
		t.Errorf("the diagnostic must name the job and its status: %v", diags)
	}
}

func playOK(j *gitlabclient.Job) bool { return !checkPlayable(j).HasError() }

func retryOK(j *gitlabclient.Job) bool { return !checkRetryable(j).HasError() }

func eraseOK(j *gitlabclient.Job) bool { return !checkErasable(j).HasError() }

// failedJobClient serves a simulator with one failed job whose log is log.
func failedJobClient(t *testing.T, log string) (*gitlabclient.Client, gitlabclient.Project, *gitlabclient.Job) {
	t.Helper()
	sim := gitlabsim.New(gitlabsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "t", Scopes: []string{"api"}})
	proj := sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/app", Members: map[int64]int{admin.ID: 40}})
	pl := sim.CreatePipeline(proj.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Stage: "deploy", Status: gitlabsim.StatusFailed, Log: log},
	}})
	client, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	project, err := gitlabclient.ParseProject(proj.PathWithNamespace)
	if err != nil {
		t.Fatal(err)
	}
	job, err := client.GetJob(context.Background(), project.String(), pl.JobIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	return client, project, job
}

func TestFailureLogTail(t *testing.T) {
	log := "\x1b[0Ksection_start:1700000000:step_script\r\x1b[0K\x1b[32;1m$ ./deploy.sh\x1b[0;m\n" +
		"connecting to prod\n" +
		"\x1b[31;1mERROR: rollout timed out after 300s\x1b[0;m\n" +
		"section_end:1700000300:step_script\r\x1b[0K\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m\n"
	client, project, job := failedJobClient(t, log)
	ctx := context.Background()

	if got := failureLogTail(ctx, client, project, job, 0); got != "" {
		t.Errorf("with failure_log_lines = 0 (the default) the log must not be read: got %q", got)
	}
	got := failureLogTail(ctx, client, project, job, 2)
	want := "ERROR: rollout timed out after 300s\nERROR: Job failed: exit code 1"
	if !strings.HasSuffix(got, "\n\n"+want) {
		t.Errorf("the tail of 2 lines = %q, want it to end with %q (ANSI escapes and section markers removed)", got, want)
	}
	if strings.Contains(got, "connecting to prod") {
		t.Errorf("only the last 2 lines were asked for: %q", got)
	}
	if !strings.Contains(got, "may hold secrets") || !strings.Contains(got, "failure_log_lines = 2") {
		t.Errorf("the tail must come with a note that logs may be sensitive, naming the setting: %q", got)
	}

	d := jobFailure(job, false, got)
	if !d.HasError() || !strings.Contains(d[0].Detail(), "ERROR: rollout timed out after 300s") {
		t.Errorf("the failure diagnostic must show the tail: %v", d)
	}
	if d := jobFailure(job, false, ""); strings.Contains(d[0].Detail(), "rollout") {
		t.Errorf("without a tail the diagnostic shows no log: %v", d)
	}

	success := *job
	success.Status = "success"
	if got := failureLogTail(ctx, client, project, &success, 5); got != "" {
		t.Errorf("a job that did not fail gets no log tail: %q", got)
	}
}

func TestFailureLogTailUnreadable(t *testing.T) {
	client, project, job := failedJobClient(t, "boom\n")
	missing := *job
	missing.ID = 987654
	got := failureLogTail(context.Background(), client, project, &missing, 5)
	if !strings.Contains(got, "could not be read") || strings.Contains(got, "boom") {
		t.Errorf("an unreadable log is said so: %q", got)
	}
}

// TestCancelJob_force: with force, a running job whose runner cancels
// gracefully is canceled and then force-canceled at once (two POSTs, each
// once); a job found canceling gets the force-cancel alone; a canceled job
// gets nothing. A Developer's force-cancel is refused with a diagnostic
// naming the Maintainer role, after the cancel itself was applied.
func TestCancelJob_force(t *testing.T) {
	e := newOpsEnv(t, gitlabsim.Options{GracefulCancel: true, GracefulCancelDelay: time.Hour})
	ids := e.jobs(gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "running", Stuck: true},
		gitlabsim.JobSpec{Name: "smoke", Stage: "deploy", Status: "running", Stuck: true})
	in := e.input(t, ids[0])
	in.Force = true
	out := cancelJob(ctxTimeout(t), e.client, e.poll, in)
	if out.Diags.HasError() || out.Job == nil || out.Job.Status != "canceled" {
		t.Fatalf("force cancel of a running job: job %+v, diags %v", out.Job, out.Diags)
	}
	if n := e.posts("cancel"); n != 2 {
		t.Errorf("%d POST .../cancel, want 2 (cancel, then force-cancel)", n)
	}
	// Again: the job is canceled, nothing is sent.
	out = cancelJob(ctxTimeout(t), e.client, e.poll, in)
	warned(t, out.Diags)
	if n := e.posts("cancel"); n != 2 {
		t.Errorf("%d POST .../cancel after a second run, want still 2", n)
	}
	// Found canceling: only the force-cancel.
	if err := e.sim.CancelJob(ids[1]); err != nil {
		t.Fatal(err)
	}
	in.JobID = ids[1]
	out = cancelJob(ctxTimeout(t), e.client, e.poll, in)
	if out.Diags.HasError() || out.Job == nil || out.Job.Status != "canceled" {
		t.Fatalf("force cancel of a canceling job: job %+v, diags %v", out.Job, out.Diags)
	}
	if n := e.posts("cancel"); n != 3 {
		t.Errorf("%d POST .../cancel, want 3", n)
	}
	// Without force, a developer's cancel is fine; with it, refused.
	dev := e.sim.CreateUser(gitlabsim.UserSpec{Username: "dev"})
	devProject := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "ops/dev", Members: map[int64]int{dev.ID: gitlabsim.DeveloperAccess}})
	devJob := e.sim.CreatePipeline(devProject.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "e2e", Stage: "deploy", Status: "running", Stuck: true}}}).JobIDs[0]
	client, err := gitlabclient.New(gitlabclient.Config{BaseURL: e.client.BaseURL(),
		Token: e.sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{Scopes: []string{"api"}})})
	if err != nil {
		t.Fatal(err)
	}
	if in.Project, err = gitlabclient.ParseProject(devProject.PathWithNamespace); err != nil {
		t.Fatal(err)
	}
	in.JobID = devJob
	out = cancelJob(ctxTimeout(t), client, e.poll, in)
	if !out.Diags.HasError() || !strings.Contains(out.Diags[0].Summary(), fmt.Sprintf("Not allowed to force-cancel job %d", devJob)) ||
		!strings.Contains(out.Diags[0].Detail(), "needs the Maintainer role") {
		t.Fatalf("developer's force cancel: diags %v", out.Diags)
	}
	if len(out.Diags) != 2 || !strings.Contains(out.Diags[1].Summary(), "was canceled but is still canceling") {
		t.Errorf("diags %v, want a warning that the cancel was applied", out.Diags)
	}
	if j, _ := e.sim.Job(devJob); j.Status != "canceling" {
		t.Errorf("job is %s, want canceling", j.Status)
	}
	if n := e.posts("cancel"); n != 5 {
		t.Errorf("%d POST .../cancel, want 5", n)
	}
}

// TestRetryJob_bridgeLostAnswer: a retry of a trigger job GitLab applied
// whose answer was lost, and whose re-read failed too, is an error that
// records nothing; the next create, in a new provider process (a new
// client that never saw the bridge), finds the retried bridge among the
// retried trigger jobs and adopts its new run instead of retrying again.
func TestRetryJob_bridgeLostAnswer(t *testing.T) {
	e := newOpsEnv(t, gitlabsim.Options{})
	pl := e.sim.CreatePipeline(e.project.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "deploy-downstream", Stage: "deploy", Status: "failed", Bridge: true}}})
	bridge := pl.JobIDs[0]
	e.client.TrackBridge(bridge, pl.ID)
	e.sim.InjectFault(gitlabsim.Fault{Route: "POST /api/v4/projects/{id}/jobs/{job_id}/retry", Kind: gitlabsim.FaultResetAfter})
	// The reads before the retry (the bridge, its newest runs) pass; every
	// read of the trigger job list after it fails.
	e.sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteTriggerJobs, Kind: gitlabsim.FaultStatus, Status: 403,
		Calls: []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 12}})
	in := e.input(t, bridge)
	in.LookFirst = true
	out := retryJob(ctxTimeout(t), e.client, e.poll, in)
	if !out.Diags.HasError() || !strings.Contains(out.Diags[0].Summary(), "may or may not have happened") || out.Job != nil {
		t.Fatalf("job %+v, diags %v; want the unknown outcome and nothing recorded", out.Job, out.Diags)
	}
	if n := e.sim.ActionCount(bridge, gitlabsim.ActionRetry); n != 1 {
		t.Fatalf("retried %d times, want 1 (applied, answer lost)", n)
	}
	e.sim.ClearFaults()
	ids := e.sim.PipelineJobIDs(pl.ID)
	retried := ids[len(ids)-1]
	fresh, err := gitlabclient.New(gitlabclient.Config{BaseURL: e.client.BaseURL(), Token: e.token})
	if err != nil {
		t.Fatal(err)
	}
	fresh.TrackBridge(bridge, pl.ID) // the configuration's pipeline_id
	out = retryJob(ctxTimeout(t), fresh, e.poll, in)
	if !strings.Contains(warned(t, out.Diags), "already retried") {
		t.Errorf("diags %v, want the adoption's warning", out.Diags)
	}
	if out.Job == nil || out.Job.ID != retried || out.Job.Status != "success" {
		t.Errorf("next create: job %+v, want job %d adopted and waited for", out.Job, retried)
	}
	if n := e.posts("retry"); n != 1 {
		t.Errorf("%d POST .../retry, want 1", n)
	}
}
