package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func TestParseImportID(t *testing.T) {
	for _, tc := range []struct {
		id      string
		names   []string
		project string
		ids     []int64
		err     string
	}{
		{id: "group/sub/project:12", names: []string{"job_id"}, project: "group/sub/project", ids: []int64{12}},
		{id: "42:7", names: []string{"job_id"}, project: "42", ids: []int64{7}},
		{id: "group%2Fproject:7", names: []string{"job_id"}, project: "group/project", ids: []int64{7}},
		{id: "g/p:12:13", names: []string{"job_id", "new_job_id"}, project: "g/p", ids: []int64{12, 13}},
		{id: "g/p/12", names: []string{"job_id"}, err: "is not <project>:<job_id>"},
		{id: "g/p:12", names: []string{"job_id", "new_job_id"}, err: "<project>:<job_id>:<new_job_id>"},
		{id: "g/p:0", names: []string{"job_id"}, err: `job_id "0" is not a positive number`},
		{id: "g/p:-3", names: []string{"job_id"}, err: "not a positive number"},
		{id: "g/p:abc", names: []string{"job_id"}, err: "not a positive number"},
		{id: ":12", names: []string{"job_id"}, err: "the import ID"},
		{id: "g/p:99999999999999999999", names: []string{"job_id"}, err: "not a positive number"},
	} {
		p, ids, err := parseImportID(tc.id, tc.names...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.id, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.id, err)
			continue
		}
		if p.String() != tc.project || len(ids) != len(tc.ids) || ids[0] != tc.ids[0] || ids[len(ids)-1] != tc.ids[len(ids)-1] {
			t.Errorf("%q: got %s %v, want %s %v", tc.id, p, ids, tc.project, tc.ids)
		}
	}
}

func TestNewJobResult(t *testing.T) {
	started := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.FixedZone("CET", 3600))
	d := 12.5
	m := newJobResult(&gitlabclient.Job{ID: 3, Status: "failed", WebURL: "https://gitlab.example.com/g/p/-/jobs/3",
		StartedAt: &started, Duration: &d, FailureReason: "script_failure"})
	for name, c := range map[string][2]attr.Value{
		"status":         {m.Status, types.StringValue("failed")},
		"web_url":        {m.WebURL, types.StringValue("https://gitlab.example.com/g/p/-/jobs/3")},
		"started_at":     {m.StartedAt, types.StringValue("2026-01-02T02:04:05.600Z")},
		"finished_at":    {m.FinishedAt, types.StringNull()},
		"duration":       {m.Duration, types.Float64Value(12.5)},
		"failure_reason": {m.FailureReason, types.StringValue("script_failure")},
		"erased_at":      {m.ErasedAt, types.StringNull()},
	} {
		if !c[0].Equal(c[1]) {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	if m := newJobResult(&gitlabclient.Job{Status: "pending"}); !m.Duration.IsNull() || !m.FailureReason.IsNull() {
		t.Error("a pending job has null duration and failure_reason")
	}
}

// TestPlanChecks: what the plan says before a create, by decision: nothing
// for a job to act on, a warning for one it adopts, an error for a refusal
// (for a changed trigger while the earlier run goes on, saying so).
func TestPlanChecks(t *testing.T) {
	e := newOpsEnv(t, gitlabsim.Options{})
	ids := e.jobs(gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"},
		gitlabsim.JobSpec{Name: "e2e", Stage: "test", Status: "running", Stuck: true},
		gitlabsim.JobSpec{Name: "unit", Stage: "test", Status: "failed"})
	deploy, running, failed := ids[0], ids[1], ids[2]
	retried, err := e.sim.RetryJob(failed)
	if err != nil {
		t.Fatal(err)
	}
	get := func(id int64) *gitlabclient.Job {
		j, err := e.client.GetJob(context.Background(), e.project.PathWithNamespace, id)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	ctx := context.Background()
	in := func(id int64, lookFirst, recorded bool) jobActionInput {
		i := e.input(t, id)
		i.LookFirst, i.Recorded = lookFirst, recorded
		return i
	}
	if d := planPlay(ctx, e.client, in(deploy, true, false), get(deploy)); len(d) != 0 {
		t.Errorf("a manual job: %v, want nothing", d)
	}
	d := planPlay(ctx, e.client, in(running, true, true), get(running))
	if d.HasError() || d.WarningsCount() != 1 || !strings.Contains(d[0].Detail(), "The apply records its run") {
		t.Errorf("a recorded running job: %v, want the adoption warning", d)
	}
	d = planPlay(ctx, e.client, in(running, true, false), get(running))
	if !d.HasError() || !strings.Contains(d[0].Detail(), "no record of playing it") {
		t.Errorf("a running job without record: %v, want the refusal naming import", d)
	}
	d = planPlay(ctx, e.client, in(running, false, true), get(running))
	if !d.HasError() || !strings.Contains(d[0].Detail(), "changed triggers") || !strings.Contains(d[0].Detail(), "has not finished") {
		t.Errorf("triggers changed while the job runs: %v, want the refusal saying the run goes on", d)
	}
	d = planRetry(ctx, e.client, in(failed, true, false), get(failed))
	if d.HasError() || d.WarningsCount() != 1 || !strings.Contains(d[0].Summary(), "already retried") {
		t.Errorf("a retried job: %v, want the adoption warning", d)
	}
	d = planRetry(ctx, e.client, in(failed, false, false), get(failed))
	if !d.HasError() || !strings.Contains(d[0].Detail(), fmt.Sprintf("its run, job %d, has not finished", retried)) {
		t.Errorf("triggers changed while the retry runs: %v, want the refusal saying the run goes on", d)
	}
	for deadline := time.Now().Add(10 * time.Second); get(retried).Status != "success"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the retry did not finish")
		}
	}
	if d := planRetry(ctx, e.client, in(failed, false, false), get(failed)); len(d) != 0 {
		t.Errorf("retry again of a finished newest run: %v, want nothing", d)
	}
	if n := e.posts("play") + e.posts("retry"); n != 0 {
		t.Errorf("the plan checks sent %d actions", n)
	}
}

// readServer is the provider, served in-process and configured with token
// against sim, with its resource schemas.
func readServer(t *testing.T, baseURL, token string) (tfprotov6.ProviderServer, map[string]*tfprotov6.Schema) {
	t.Helper()
	server, schema := servedSchemas(t)
	resp, err := server.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.11.0",
		Config: dynamicValue(t, schema.Provider, map[string]tftypes.Value{
			"base_url": str(baseURL), "token": str(token),
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoDiags(t, "ConfigureProvider", resp.Diagnostics)
	schemas := map[string]*tfprotov6.Schema{}
	for name, s := range schema.ResourceSchemas {
		schemas[name] = s
	}
	return server, schemas
}

// TestJobActionRead_notFoundKeepsState: a refresh that gets a 404 (a token
// that cannot see the project, or a job that is gone) returns the prior
// state unchanged, never a removal, with a warning that names the job and
// the project, says why the resource is kept and how to forget it.
func TestJobActionRead_notFoundKeepsState(t *testing.T) {
	sim := gitlabsim.New(gitlabsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	outsider := sim.CreateUser(gitlabsim.UserSpec{Username: "outsider"})
	outsiderToken := sim.CreatePersonalAccessToken(outsider.ID, gitlabsim.TokenSpec{Name: "o", Scopes: []string{"api"}})
	project := sim.CreateProject(gitlabsim.ProjectSpec{Path: "release/app", Members: map[int64]int{admin.ID: 40}})
	pl := sim.CreatePipeline(project.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Stage: "deploy", Status: "success"}, {Name: "e2e", Stage: "test", Status: "failed"}}})
	deploy, e2e := pl.JobIDs[0], pl.JobIDs[1]

	server, schemas := readServer(t, srv.URL+"/api/v4/", outsiderToken)
	for _, tc := range []struct {
		typeName string
		jobID    int64
		readID   int64 // the job the refresh reads
		vals     map[string]tftypes.Value
	}{
		{"gitlabjobs_job_play", deploy, deploy, map[string]tftypes.Value{"played_job_id": tftypes.NewValue(tftypes.Number, deploy)}},
		{"gitlabjobs_job_retry", e2e, e2e + 100, map[string]tftypes.Value{"new_job_id": tftypes.NewValue(tftypes.Number, e2e+100)}},
		{"gitlabjobs_job_cancel", e2e, e2e, nil},
		{"gitlabjobs_job_erase", deploy, deploy, nil},
	} {
		t.Run(tc.typeName, func(t *testing.T) {
			vals := map[string]tftypes.Value{
				"id":      str(fmt.Sprintf("%s:%d", project.PathWithNamespace, tc.jobID)),
				"project": str(project.PathWithNamespace),
				"job_id":  tftypes.NewValue(tftypes.Number, tc.jobID),
				"status":  str("success"),
				"web_url": str("http://example.com/-/jobs/1"),
			}
			for k, v := range tc.vals {
				vals[k] = v
			}
			state := dynamicValue(t, schemas[tc.typeName], vals)
			resp, err := server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: tc.typeName, CurrentState: state})
			if err != nil {
				t.Fatal(err)
			}
			d := requireDiag(t, resp.Diagnostics, tfprotov6.DiagnosticSeverityWarning, "not found")
			for _, want := range []string{project.PathWithNamespace, "404", "kept in the state", "not applied again",
				"state rm", "may not see the project", tc.typeName, fmt.Sprintf("job %d", tc.readID)} {
				if !strings.Contains(d.Summary+" "+d.Detail, want) {
					t.Errorf("warning %q: %q does not contain %q", d.Summary, d.Detail, want)
				}
			}
			if resp.NewState == nil {
				t.Fatal("no new state: the resource would be removed")
			}
			typ := schemas[tc.typeName].ValueType()
			got, err := resp.NewState.Unmarshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			want, err := state.Unmarshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			if got.IsNull() || !got.Equal(want) {
				t.Errorf("new state %v, want the prior state %v kept", got, want)
			}
		})
	}
}
