package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

const testJobToken = "glcbt-64_abcdefghij"

// countingServer is a GitLab that answers nothing useful and counts the
// requests it gets.
func countingServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		http.Error(w, `{"message":"401 Unauthorized"}`, http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// TestJobTokenReadError: with a CI job token, gitlabjobs_job and
// gitlabjobs_job_trace get a diagnostic that names where the token came
// from, what GitLab does with it and what to use instead; with another
// token, an unconfigured provider or one not known yet, none.
func TestJobTokenReadError(t *testing.T) {
	jobClient, err := gitlabclient.New(gitlabclient.Config{BaseURL: "http://127.0.0.1:1/", JobToken: testJobToken})
	if err != nil {
		t.Fatal(err)
	}
	patClient, err := gitlabclient.New(gitlabclient.Config{BaseURL: "http://127.0.0.1:1/", Token: "glpat-abcdefghij"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvToken, "")
	t.Setenv(EnvJobToken, testJobToken)
	data := &providerData{client: jobClient, jobTokenSource: providerModel{}.jobTokenSource()}

	for _, tc := range []struct {
		what string
		log  bool
		want []string
		not  []string
	}{
		{"data source gitlabjobs_job", false,
			[]string{"A CI job token cannot read a single job", "data source gitlabjobs_job reads GET /projects/:id/jobs/:job_id,",
				"CI_JOB_TOKEN environment variable", "cannot read a single job or its log", "401", "The request was not sent",
				"gitlabjobs_pipeline_job (", "gitlabjobs_pipeline_jobs", "gitlabjobs_project_jobs", "gitlabjobs_job_token_job",
				"read_api scope", "Reporter role", "GITLAB_TOKEN"},
			nil},
		{"data source gitlabjobs_job_trace", true,
			[]string{"A CI job token cannot read a job's log", "GET /projects/:id/jobs/:job_id/trace",
				"CI_JOB_TOKEN environment variable", "401", "The request was not sent", "No endpoint gives a job's log to a job token",
				"read_api scope", "Reporter role", "gitlabjobs_pipeline_job ("},
			[]string{"gitlabjobs_job_token_job"}},
	} {
		diags := jobTokenReadError(tc.what, tc.log, data)
		if len(diags) != 1 || !diags.HasError() {
			t.Fatalf("%s: %d diagnostics (%v), want one error", tc.what, len(diags), diags)
		}
		text := diags[0].Summary() + ": " + diags[0].Detail()
		for _, want := range tc.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: missing %q in %s", tc.what, want, text)
			}
		}
		for _, not := range append(tc.not, testJobToken) {
			if strings.Contains(text, not) {
				t.Errorf("%s: %q in %s", tc.what, not, text)
			}
		}
		for name, other := range map[string]*providerData{
			"access token":       {client: patClient},
			"not configured":     nil,
			"config not known":   {client: jobClient, unknownConfig: []string{"job_token"}},
			"no client (failed)": {},
		} {
			if d := jobTokenReadError(tc.what, tc.log, other); d != nil {
				t.Errorf("%s with %s: %v, want no diagnostic", tc.what, name, d)
			}
		}
	}
}

// TestJobTokenReadsSendNothing reads gitlabjobs_job and gitlabjobs_job_trace
// with a job-token client: each fails on the diagnostic above without a
// request, while an access token's read does reach GitLab.
func TestJobTokenReadsSendNothing(t *testing.T) {
	ctx := context.Background()
	url, requests := countingServer(t)
	jobClient, err := gitlabclient.New(gitlabclient.Config{BaseURL: url, JobToken: testJobToken, Retries: 0})
	if err != nil {
		t.Fatal(err)
	}
	patClient, err := gitlabclient.New(gitlabclient.Config{BaseURL: url, Token: "glpat-abcdefghij", Retries: 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, summary string
		ds            func(*providerData) datasource.DataSource
	}{
		{"gitlabjobs_job", "A CI job token cannot read a single job", func(d *providerData) datasource.DataSource {
			return &jobDataSource{dataSourceBase{data: d}}
		}},
		{"gitlabjobs_job_trace", "A CI job token cannot read a job's log", func(d *providerData) datasource.DataSource {
			return &jobTraceDataSource{dataSourceBase{data: d}}
		}},
	} {
		read := func(data *providerData) *datasource.ReadResponse {
			ds := tc.ds(data)
			var sresp datasource.SchemaResponse
			ds.Schema(ctx, datasource.SchemaRequest{}, &sresp)
			typ := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
			vals := map[string]tftypes.Value{}
			for name, at := range typ.AttributeTypes {
				vals[name] = tftypes.NewValue(at, nil)
			}
			vals["project"] = tftypes.NewValue(tftypes.String, "group/project")
			vals["job_id"] = tftypes.NewValue(tftypes.Number, int64(42))
			resp := &datasource.ReadResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, nil)}}
			ds.Read(ctx, datasource.ReadRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, vals)}}, resp)
			return resp
		}

		before := requests.Load()
		resp := read(&providerData{client: jobClient, jobTokenSource: "the job_token attribute"})
		if n := requests.Load() - before; n != 0 {
			t.Errorf("%s with a job token sent %d requests, want none", tc.name, n)
		}
		if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary() != tc.summary ||
			!strings.Contains(resp.Diagnostics[0].Detail(), "data source "+tc.name+" reads") {
			t.Errorf("%s with a job token: %v, want only %q", tc.name, resp.Diagnostics, tc.summary)
		}

		// The same read with an access token asks GitLab (which refuses).
		before = requests.Load()
		resp = read(&providerData{client: patClient})
		if n := requests.Load() - before; n == 0 || !resp.Diagnostics.HasError() || resp.Diagnostics[0].Summary() == tc.summary {
			t.Errorf("%s with an access token: %d requests, %v; want a request and GitLab's refusal", tc.name, n, resp.Diagnostics)
		}
	}
}
