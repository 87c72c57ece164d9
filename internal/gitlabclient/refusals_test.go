package gitlabclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// GitLab's refusals of job actions, as the simulator answers them, are told
// apart: the token's scope, the user's permission, and the job's state; and
// "Job is not erasable!" is taken as "nothing to erase" only when the job
// shows nothing is left.
func TestJobActionRefusals(t *testing.T) {
	sim := gitlabsim.New(gitlabsim.Options{RunnerDisabled: true})
	maint := sim.CreateUser(gitlabsim.UserSpec{Username: "maintainer"})
	dev := sim.CreateUser(gitlabsim.UserSpec{Username: "developer"})
	p := sim.CreateProject(gitlabsim.ProjectSpec{Path: "refusals/app", Members: map[int64]int{
		maint.ID: gitlabsim.MaintainerAccess, dev.ID: gitlabsim.DeveloperAccess,
	}})
	pl := sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{UserID: maint.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", Log: "built\n"},
		{Name: "lint", Stage: "build", Status: "success"},
		{Name: "test", Stage: "test", Status: "failed", Log: "FAIL\n"},
	}})
	build, empty, failed := pl.JobIDs[0], pl.JobIDs[1], pl.JobIDs[2]
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	client := func(token string) *gitlabclient.Client {
		c, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	const project = "refusals/app"
	readOnly := client(sim.CreatePersonalAccessToken(maint.ID, gitlabsim.TokenSpec{Scopes: []string{"read_api"}}))
	developer := client(sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{}))
	maintainer := client(sim.CreatePersonalAccessToken(maint.ID, gitlabsim.TokenSpec{}))

	type classes struct{ scope, forbidden, notErasable, notRetryable bool }
	classify := func(err error) classes {
		return classes{gitlabclient.InsufficientScope(err), gitlabclient.Forbidden(err), gitlabclient.NotErasable(err), gitlabclient.NotRetryable(err)}
	}
	for _, tt := range []struct {
		name string
		do   func() error
		want classes
	}{
		{"erase with a read_api token", func() error { _, err := readOnly.EraseJob(ctx, project, build); return err }, classes{scope: true}},
		{"play with a read_api token", func() error { _, err := readOnly.PlayJob(ctx, project, build, nil); return err }, classes{scope: true}},
		{"erase of another user's job by a developer", func() error { _, err := developer.EraseJob(ctx, project, build); return err }, classes{forbidden: true}},
		{"erase of a job with nothing left", func() error { _, err := maintainer.EraseJob(ctx, project, empty); return err }, classes{notErasable: true}},
		{"retry of a retried job", func() error {
			if _, err := maintainer.RetryJob(ctx, project, failed); err != nil {
				return err
			}
			_, err := maintainer.RetryJob(ctx, project, failed)
			return err
		}, classes{notRetryable: true}},
	} {
		err := tt.do()
		var apiErr *gitlabclient.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 {
			t.Errorf("%s: %v, want a 403", tt.name, err)
			continue
		}
		if got := classify(err); got != tt.want {
			t.Errorf("%s: %v classified %+v, want %+v", tt.name, err, got, tt.want)
		}
	}
	if n := sim.ActionCount(build, gitlabsim.ActionErase); n != 0 {
		t.Errorf("build erased %d times", n)
	}

	// Nothing to erase: proven for the job without log and artifacts, not
	// for the one with a log.
	if job, nothing, err := maintainer.NothingToErase(ctx, project, empty); err != nil || !nothing || job.ID != empty {
		t.Errorf("NothingToErase(empty job) = %v, %v", nothing, err)
	}
	if _, nothing, err := maintainer.NothingToErase(ctx, project, build); err != nil || nothing {
		t.Errorf("NothingToErase(job with a log) = %v, %v", nothing, err)
	}
}

// TestPlayRefusedByThePipelineVariablesSetting: where no one may set
// pipeline variables, a play with variables is GitLab's bare 403
// (Ci::PlayBuildService#check_access!), sent once and not again; the same
// play with job inputs instead is accepted. A refused input is a 400 with
// GitLab's reason, sent once.
func TestPlayRefusedByThePipelineVariablesSetting(t *testing.T) {
	sim := gitlabsim.New(gitlabsim.Options{RunnerDisabled: true})
	dev := sim.CreateUser(gitlabsim.UserSpec{Username: "developer"})
	p := sim.CreateProject(gitlabsim.ProjectSpec{Path: "refusals/closed", Members: map[int64]int{dev.ID: gitlabsim.DeveloperAccess},
		RestrictUserDefinedVariables: true, PipelineVariablesMinimumOverrideRole: gitlabsim.RoleNoOneAllowed})
	if err := sim.SetCIConfig(p.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""}, Jobs: []gitlabsim.CIJob{
		{Name: "deploy", Stage: "deploy", When: "manual", Inputs: map[string]gitlabsim.CIInput{"environment": {Default: "staging"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	token := sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{})
	c, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/projects/refusals%2Fclosed/pipeline", strings.NewReader(`{"ref":"main"}`))
	req.Header.Set("PRIVATE-TOKEN", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST pipeline: %v %v", resp, err)
	}
	var pl struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&pl); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deploy := sim.PipelineJobIDs(pl.ID)[0]
	posts := func() int { return sim.RequestCount("POST /api/v4/projects/{id}/jobs/{job_id}/play") }

	_, err = c.PlayJob(ctx, p.PathWithNamespace, deploy, []gitlabclient.Variable{{Key: "ENV", Value: "x"}})
	if !gitlabclient.Forbidden(err) || posts() != 1 {
		t.Errorf("play with variables: %v after %d POSTs, want a bare 403 after one", err, posts())
	}
	_, err = c.PlayJob(ctx, p.PathWithNamespace, deploy, nil, gitlabclient.JobInputs(map[string]any{"region": "eu"}))
	if gitlabclient.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "unknown input arguments: region") || posts() != 2 {
		t.Errorf("play with an unknown input: %v after %d POSTs, want GitLab's 400 after one more", err, posts())
	}
	if _, err := c.PlayJob(ctx, p.PathWithNamespace, deploy, nil, gitlabclient.JobInputs(map[string]any{"environment": "production"})); err != nil || posts() != 3 {
		t.Errorf("play with inputs: %v after %d POSTs", err, posts())
	}
	if n := sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}
}

// ForceCancelJob sends force=true: a Maintainer ends a canceling job at once,
// a Developer is refused (403), and a job that is not canceling comes back
// as it is.
func TestForceCancelJob(t *testing.T) {
	sim := gitlabsim.New(gitlabsim.Options{RunnerDisabled: true, GracefulCancel: true, GracefulCancelDelay: -1})
	maint := sim.CreateUser(gitlabsim.UserSpec{Username: "maintainer"})
	dev := sim.CreateUser(gitlabsim.UserSpec{Username: "developer"})
	p := sim.CreateProject(gitlabsim.ProjectSpec{Path: "force/app", Members: map[int64]int{
		maint.ID: gitlabsim.MaintainerAccess, dev.ID: gitlabsim.DeveloperAccess,
	}})
	pl := sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{UserID: maint.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Stage: "deploy", Status: "canceling"},
		{Name: "smoke", Stage: "deploy", Status: "running"},
	}})
	canceling, running := pl.JobIDs[0], pl.JobIDs[1]
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client := func(userID int64) *gitlabclient.Client {
		c, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, Token: sim.CreatePersonalAccessToken(userID, gitlabsim.TokenSpec{})})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	if _, err := client(dev.ID).ForceCancelJob(ctx, "force/app", canceling); !gitlabclient.Forbidden(err) {
		t.Errorf("developer's force-cancel: %v, want 403", err)
	}
	if j, _ := sim.Job(canceling); j.Status != "canceling" {
		t.Errorf("after a refused force-cancel the job is %s", j.Status)
	}
	got, err := client(maint.ID).ForceCancelJob(ctx, "force/app", canceling)
	if err != nil || got.Status != "canceled" {
		t.Errorf("maintainer's force-cancel: %+v, %v", got, err)
	}
	got, err = client(maint.ID).ForceCancelJob(ctx, "force/app", running)
	if err != nil || got.Status != "running" {
		t.Errorf("force-cancel of a running job: %+v, %v, want it unchanged", got, err)
	}
}
