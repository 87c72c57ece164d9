package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Protocol-level tests of the job actions: the provider is served in-process
// (as Terraform 1.14 would see it) and driven through tfprotov6's
// ValidateActionConfig, PlanAction and InvokeAction against a simulator.
// OpenTofu has no actions, so the CLI acceptance tests cannot cover them
// (job_actions_acc_test.go runs them under Terraform 1.14+ when present).
// Each action's own tests are in <type>_action_test.go; this file holds the
// environment and what all actions share (schemas, validation, an
// unconfigured provider).

func init() {
	// Actions poll fast in this package's tests: the simulated runner moves
	// jobs within a few hundred milliseconds.
	actionPoller = func() poller {
		p := defaultPoller()
		p.first, p.max = 20*time.Millisecond, 100*time.Millisecond
		return p
	}
}

// actionTestEnv is a simulator and the provider, configured against it.
type actionTestEnv struct {
	t       *testing.T
	sim     *gitlabsim.Sim
	server  tfprotov6.ProviderServer
	actions tfprotov6.ActionServer
	schemas map[string]*tfprotov6.Schema
	project gitlabsim.Project
	apiURL  string // the simulator's API, ending in /api/v4/
	token   string // the provider's token (the admin's)
}

func newActionTestEnv(t *testing.T) *actionTestEnv {
	t.Helper()
	sim := gitlabsim.New(gitlabsim.Options{RunnerPickupDelay: 100 * time.Millisecond, RunDuration: 200 * time.Millisecond})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "actions", Scopes: []string{"api"}})
	project := sim.CreateProject(gitlabsim.ProjectSpec{Path: "release/sub/app", Members: map[int64]int{admin.ID: 40}})

	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	e := &actionTestEnv{t: t, sim: sim, server: server, actions: actionServer(t, server), project: project, schemas: map[string]*tfprotov6.Schema{},
		apiURL: srv.URL + "/api/v4/", token: token}
	schema, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	requireNoDiags(t, "GetProviderSchema", schema.Diagnostics)
	for name, s := range schema.ActionSchemas {
		e.schemas[name] = s.Schema
	}
	resp, err := server.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config: dynamicValue(t, schema.Provider, map[string]tftypes.Value{
			"base_url": tftypes.NewValue(tftypes.String, srv.URL+"/api/v4/"),
			"token":    tftypes.NewValue(tftypes.String, token),
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	requireNoDiags(t, "ConfigureProvider", resp.Diagnostics)
	return e
}

// job creates a pipeline with one job and returns the job's ID.
func (e *actionTestEnv) job(spec gitlabsim.JobSpec) int64 {
	e.t.Helper()
	if spec.Name == "" {
		spec.Name, spec.Stage = "deploy", "deploy"
	}
	return e.sim.CreatePipeline(e.project.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{spec}}).JobIDs[0]
}

// config is an action's configuration: project and job_id, and vals.
func (e *actionTestEnv) config(actionType string, jobID int64, vals map[string]tftypes.Value) *tfprotov6.DynamicValue {
	e.t.Helper()
	s, ok := e.schemas[actionType]
	if !ok {
		e.t.Fatalf("no action schema %s", actionType)
	}
	all := map[string]tftypes.Value{
		"project": tftypes.NewValue(tftypes.String, e.project.PathWithNamespace),
		"job_id":  tftypes.NewValue(tftypes.Number, jobID),
	}
	for k, v := range vals {
		all[k] = v
	}
	return dynamicValue(e.t, s, all)
}

// attrType is the type of an action's attribute, for nested values.
func (e *actionTestEnv) attrType(actionType, name string) tftypes.Type {
	return e.schemas[actionType].ValueType().(tftypes.Object).AttributeTypes[name]
}

func (e *actionTestEnv) timeouts(actionType, invoke string) tftypes.Value {
	typ := e.attrType(actionType, "timeouts")
	return tftypes.NewValue(typ, map[string]tftypes.Value{"invoke": tftypes.NewValue(tftypes.String, invoke)})
}

func (e *actionTestEnv) validate(actionType string, jobID int64, vals map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	e.t.Helper()
	resp, err := e.actions.ValidateActionConfig(context.Background(), &tfprotov6.ValidateActionConfigRequest{
		ActionType: actionType, Config: e.config(actionType, jobID, vals)})
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.Diagnostics
}

func (e *actionTestEnv) plan(actionType string, jobID int64, vals map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	e.t.Helper()
	resp, err := e.actions.PlanAction(context.Background(), &tfprotov6.PlanActionRequest{
		ActionType: actionType, Config: e.config(actionType, jobID, vals)})
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.Diagnostics
}

// invocation is what InvokeAction streamed: progress messages, then the
// completed event's diagnostics.
type invocation struct {
	progress  []string
	diags     []*tfprotov6.Diagnostic
	completed int
}

func (e *actionTestEnv) invoke(actionType string, jobID int64, vals map[string]tftypes.Value) invocation {
	e.t.Helper()
	stream, err := e.actions.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{
		ActionType: actionType, Config: e.config(actionType, jobID, vals)})
	if err != nil {
		e.t.Fatal(err)
	}
	var inv invocation
	for ev := range stream.Events {
		switch ev := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			if inv.completed > 0 {
				e.t.Errorf("progress %q after the completed event", ev.Message)
			}
			inv.progress = append(inv.progress, ev.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			inv.completed++
			inv.diags = ev.Diagnostics
		}
	}
	if inv.completed != 1 {
		e.t.Fatalf("%d completed events, want 1", inv.completed)
	}
	return inv
}

// actionServer is the server's action RPCs (not yet part of
// tfprotov6.ProviderServer).
func actionServer(t *testing.T, server tfprotov6.ProviderServer) tfprotov6.ActionServer {
	t.Helper()
	actions, ok := server.(tfprotov6.ActionServer)
	if !ok {
		t.Fatalf("%T does not serve actions", server)
	}
	return actions
}

// dynamicValue encodes vals as an object of the schema's type, other
// attributes null.
func dynamicValue(t *testing.T, s *tfprotov6.Schema, vals map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	typ := s.ValueType().(tftypes.Object)
	all := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		all[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range vals {
		if _, ok := typ.AttributeTypes[name]; !ok {
			t.Fatalf("attribute %q is not in the schema", name)
		}
		all[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, all))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func boolean(b bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, b) }

func requireNoDiags(t *testing.T, what string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		t.Errorf("%s: unexpected %s: %s: %s", what, d.Severity, d.Summary, d.Detail)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// requireDiag finds the one diagnostic of severity whose summary matches.
func requireDiag(t *testing.T, diags []*tfprotov6.Diagnostic, severity tfprotov6.DiagnosticSeverity, summary string) *tfprotov6.Diagnostic {
	t.Helper()
	re := regexp.MustCompile(summary)
	var found *tfprotov6.Diagnostic
	for _, d := range diags {
		if d.Severity == severity && re.MatchString(d.Summary) {
			found = d
		} else if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Errorf("unexpected error: %s: %s", d.Summary, d.Detail)
		}
	}
	if found == nil {
		t.Fatalf("no %s matching %q in %s", severity, summary, diagStrings(diags))
	}
	return found
}

func diagStrings(diags []*tfprotov6.Diagnostic) string {
	var out []string
	for _, d := range diags {
		out = append(out, fmt.Sprintf("[%s] %s: %s", d.Severity, d.Summary, d.Detail))
	}
	return "[" + strings.Join(out, "; ") + "]"
}

// requireProgress checks that some progress message matches each pattern,
// in order.
func requireProgress(t *testing.T, progress []string, patterns ...string) {
	t.Helper()
	i := 0
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		for i < len(progress) && !re.MatchString(progress[i]) {
			i++
		}
		if i == len(progress) {
			t.Fatalf("no progress message matching %q (in order) in %q", p, progress)
		}
		i++
	}
}

// TestJobActions_schemas checks that the four actions are served with the
// resources' inputs, each described with its upstream API link, and listed
// in the provider's metadata.
func TestJobActions_schemas(t *testing.T) {
	server, resp := servedSchemas(t)
	want := map[string]struct {
		attrs []string
		link  string
	}{
		"gitlabjobs_job_play":   {[]string{"fail_on_job_failure", "inputs", "job_id", "pipeline_id", "project", "timeouts", "variables", "wait_for", "wait_for_approval"}, "[Run a job](https://docs.gitlab.com/api/jobs/#run-a-job)."},
		"gitlabjobs_job_retry":  {[]string{"fail_on_job_failure", "job_id", "pipeline_id", "project", "timeouts", "wait_for"}, "[Retry a job](https://docs.gitlab.com/api/jobs/#retry-a-job)."},
		"gitlabjobs_job_cancel": {[]string{"force", "job_id", "project", "timeouts", "wait_for_canceled"}, "[Cancel a job](https://docs.gitlab.com/api/jobs/#cancel-a-job)."},
		"gitlabjobs_job_erase":  {[]string{"job_id", "project"}, "[Erase a job](https://docs.gitlab.com/api/jobs/#erase-a-job)."},
		// job_artifacts_keep_action.go, job_artifacts_delete_action.go (common_artifacts_action.go)
		"gitlabjobs_job_artifacts_keep":   {[]string{"job_id", "project"}, "[Keep artifacts](https://docs.gitlab.com/api/job_artifacts/#keep-artifacts)."},
		"gitlabjobs_job_artifacts_delete": {[]string{"job_id", "project"}, "[Delete job artifacts](https://docs.gitlab.com/api/job_artifacts/#delete-job-artifacts)."},
		// pipeline_run_action.go
		"gitlabjobs_pipeline_run": {[]string{"fail_on_failure", "inputs", "project", "ref", "timeouts", "variables", "wait_for"},
			"[Create a new pipeline](https://docs.gitlab.com/api/pipelines/#create-a-new-pipeline)."},
		// deployment_approval_action.go: job_id or deployment_id
		"gitlabjobs_deployment_approval": {[]string{"comment", "deployment_id", "job_id", "project", "represented_as", "status", "timeouts"},
			"[Approve or reject a blocked deployment](https://docs.gitlab.com/api/deployments/#approve-or-reject-a-blocked-deployment)."},
	}
	if len(resp.ActionSchemas) != len(want) {
		t.Errorf("%d action schemas, want %d", len(resp.ActionSchemas), len(want))
	}
	for name, w := range want {
		s := resp.ActionSchemas[name]
		if s == nil {
			t.Errorf("no action %s", name)
			continue
		}
		var attrs []string
		for _, a := range s.Schema.Block.Attributes {
			attrs = append(attrs, a.Name)
			if (a.Name == "project" || a.Name == "job_id" && name != "gitlabjobs_deployment_approval" || a.Name == "ref") != a.Required {
				t.Errorf("%s.%s: required = %v", name, a.Name, a.Required)
			}
		}
		slices.Sort(attrs)
		if !slices.Equal(attrs, w.attrs) {
			t.Errorf("%s attributes = %v, want %v", name, attrs, w.attrs)
		}
		if !strings.HasSuffix(s.Schema.Block.Description, "Upstream API: "+w.link) {
			t.Errorf("%s description does not end with its upstream API link: %q", name, s.Schema.Block.Description)
		}
	}
	meta, err := server.GetMetadata(context.Background(), &tfprotov6.GetMetadataRequest{})
	if err != nil {
		t.Fatal(err)
	}
	requireNoDiags(t, "GetMetadata", meta.Diagnostics)
	var names []string
	for _, a := range meta.Actions {
		names = append(names, a.TypeName)
	}
	slices.Sort(names)
	if want := []string{"gitlabjobs_deployment_approval", "gitlabjobs_job_artifacts_delete", "gitlabjobs_job_artifacts_keep", "gitlabjobs_job_cancel", "gitlabjobs_job_erase", "gitlabjobs_job_play", "gitlabjobs_job_retry", "gitlabjobs_pipeline_run"}; !slices.Equal(names, want) {
		t.Errorf("metadata actions = %v, want %v", names, want)
	}
}

// TestJobActions_validateConfig checks that the actions validate their
// configuration with the resources' validators.
func TestJobActions_validateConfig(t *testing.T) {
	e := newActionTestEnv(t)
	vars := func(m map[string]string) tftypes.Value {
		vals := map[string]tftypes.Value{}
		for k, v := range m {
			vals[k] = str(v)
		}
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, vals)
	}
	requireNoDiags(t, "valid play", e.validate("gitlabjobs_job_play", 1, map[string]tftypes.Value{
		"variables": vars(map[string]string{"DEPLOY_ENV": "production"}),
		"wait_for":  str("started"),
		"timeouts":  e.timeouts("gitlabjobs_job_play", "5m"),
	}))
	tests := []struct {
		name, actionType string
		jobID            int64
		vals             map[string]tftypes.Value
		want             string // in the error's detail
	}{
		{"variable key", "gitlabjobs_job_play", 1, map[string]tftypes.Value{"variables": vars(map[string]string{"BAD-KEY": "x"})}, "CI/CD variable key"},
		{"wait_for", "gitlabjobs_job_retry", 1, map[string]tftypes.Value{"wait_for": str("sometimes")}, `must be one of: ["none" "started" "finished"]`},
		{"project", "gitlabjobs_job_cancel", 1, map[string]tftypes.Value{"project": str("group//app")}, "project"},
		{"job_id", "gitlabjobs_job_erase", 0, nil, "at least 1"},
		{"timeout", "gitlabjobs_job_play", 1, map[string]tftypes.Value{"timeouts": e.timeouts("gitlabjobs_job_play", "soon")}, `"soon" must be a string containing a sequence of decimal numbers`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := e.validate(tt.actionType, tt.jobID, tt.vals)
			if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError || !strings.Contains(diags[0].Detail, tt.want) {
				t.Fatalf("diagnostics = %s, want one error mentioning %q", diagStrings(diags), tt.want)
			}
		})
	}
}

// TestJobActions_unconfigured: an action invoked before the provider is
// configured reports it instead of panicking.
func TestJobActions_unconfigured(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schema, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := actionServer(t, server).InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{
		ActionType: "gitlabjobs_job_erase",
		Config: dynamicValue(t, schema.ActionSchemas["gitlabjobs_job_erase"].Schema, map[string]tftypes.Value{
			"project": str("g/p"), "job_id": tftypes.NewValue(tftypes.Number, 1)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var diags []*tfprotov6.Diagnostic
	for ev := range stream.Events {
		if c, ok := ev.Type.(tfprotov6.CompletedInvokeActionEventType); ok {
			diags = c.Diagnostics
		}
	}
	requireDiag(t, diags, tfprotov6.DiagnosticSeverityError, "^Provider not configured$")
}

func mustJob(t *testing.T, sim *gitlabsim.Sim, id int64) gitlabsim.Job {
	t.Helper()
	j, ok := sim.Job(id)
	if !ok {
		t.Fatalf("no job %d", id)
	}
	return j
}
