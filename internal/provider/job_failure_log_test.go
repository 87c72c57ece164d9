package provider

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

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

	d := jobFailure(job, got)
	if !d.HasError() || !strings.Contains(d[0].Detail(), "ERROR: rollout timed out after 300s") {
		t.Errorf("the failure diagnostic must show the tail: %v", d)
	}
	if d := jobFailure(job, ""); strings.Contains(d[0].Detail(), "rollout") {
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
