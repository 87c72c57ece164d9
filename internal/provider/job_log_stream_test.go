package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestLogStreamer: each poll shows the complete lines added since the
// last one, once, with the sensitive values masked and ANSI colors
// removed; an unfinished line waits for the next poll or the job's end.
func TestLogStreamer(t *testing.T) {
	sim := gitlabsim.New(gitlabsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{})
	p := sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/app", Members: map[int64]int{admin.ID: 40}})
	id := sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{{Name: "deploy", Status: "running",
		Log: "\x1b[32m$ ./deploy.sh\x1b[0m\nusing token hunter2\nmulti\nline\nprogress 10%\rprogress 100%\nhalf a li"}}}).JobIDs[0]
	client, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	project, _ := gitlabclient.ParseProject(p.PathWithNamespace)
	var shown []string
	poll := poller{masks: []string{"hunter2", "multi\nline"}, note: func(_ context.Context, msg string) { shown = append(shown, msg) }}
	s := newLogStreamer(client, project, poll)
	job := &gitlabclient.Job{ID: id, Status: "running"}
	s.onPoll(context.Background(), job)
	s.onPoll(context.Background(), job) // nothing new
	job.Status = "success"
	s.onPoll(context.Background(), job) // the job ended: its unfinished line
	want := []string{"$ ./deploy.sh", "using token [MASKED]", "[MASKED]", "[MASKED]", "progress 100%", "half a li"}
	for i, w := range want {
		want[i] = "job " + itoa64(id) + " | " + w
	}
	if !slices.Equal(shown, want) {
		t.Errorf("shown:\n%s\nwant:\n%s", strings.Join(shown, "\n"), strings.Join(want, "\n"))
	}
	if n := sim.RequestCount("GET /api/v4/projects/{id}/jobs/{job_id}/trace"); n != 3 {
		t.Errorf("%d trace reads, want one per poll (3)", n)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestJobPlayActionStreamsLog: with stream_job_log, the play action shows
// the job's log lines as progress, the play's variable values masked;
// without it (TestJobPlayAction...), none.
func TestJobPlayActionStreamsLog(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	schema, err := e.server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.server.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config: dynamicValue(t, schema.Provider, map[string]tftypes.Value{
			"base_url":       tftypes.NewValue(tftypes.String, e.apiURL),
			"token":          tftypes.NewValue(tftypes.String, e.token),
			"stream_job_log": tftypes.NewValue(tftypes.Bool, true),
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoDiags(t, "ConfigureProvider", resp.Diagnostics)
	deploy := e.job(gitlabsim.JobSpec{Status: "manual", LogOnRun: "$ ./deploy.sh\ndeploying with s3cr3t-value\nDeployment complete\n"})
	vars := tftypes.NewValue(e.attrType("gitlabjobs_job_play", "variables"), map[string]tftypes.Value{
		"DEPLOY_KEY": tftypes.NewValue(tftypes.String, "s3cr3t-value")})
	inv := e.invoke("gitlabjobs_job_play", deploy, map[string]tftypes.Value{"variables": vars})
	requireNoDiags(t, "InvokeAction", inv.diags)
	requireProgress(t, inv.progress,
		fmt.Sprintf(`^job %d \| \$ \./deploy\.sh$`, deploy),
		fmt.Sprintf(`^job %d \| deploying with \[MASKED\]$`, deploy),
		fmt.Sprintf(`^job %d \| Deployment complete$`, deploy))
	for _, p := range inv.progress {
		if strings.Contains(p, "s3cr3t-value") {
			t.Errorf("a progress message shows the variable's value: %q", p)
		}
	}
}
