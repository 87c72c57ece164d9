package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// readServer is the provider, served in-process and configured with token
// against sim, with its resource schemas.
func readServer(t *testing.T, baseURL, token string) (tfprotov6.ProviderServer, map[string]*tfprotov6.Schema) {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schema, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	requireNoDiags(t, "GetProviderSchema", schema.Diagnostics)
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
