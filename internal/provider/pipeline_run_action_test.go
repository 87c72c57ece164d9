package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Protocol-level tests of the gitlabjobs_pipeline_run action (see
// job_actions_test.go): each invocation runs one pipeline, reports its
// progress, and a failing pipeline fails the invocation.

func pipelineActionEnv(t *testing.T, buildOutcome string) *actionTestEnv {
	t.Helper()
	e := newActionTestEnv(t)
	if err := e.sim.SetCIConfig(e.project.ID, gitlabsim.CIConfig{
		Branches: map[string]string{"main": ""},
		Tags:     map[string]string{"v1.4.0": ""},
		Jobs: []gitlabsim.CIJob{
			{Name: "build", Stage: "build", Outcome: buildOutcome},
			{Name: "deploy", Stage: "deploy", When: "manual", AllowFailure: new(bool), Only: []string{"tags"}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *actionTestEnv) invokePipelineRun(vals map[string]tftypes.Value) invocation {
	e.t.Helper()
	const typ = "gitlabjobs_pipeline_run"
	all := map[string]tftypes.Value{"project": str(e.project.PathWithNamespace)}
	for k, v := range vals {
		all[k] = v
	}
	cfg := dynamicValue(e.t, e.schemas[typ], all)
	resp, err := e.actions.PlanAction(context.Background(), &tfprotov6.PlanActionRequest{ActionType: typ, Config: cfg})
	if err != nil {
		e.t.Fatal(err)
	}
	requireNoDiags(e.t, "PlanAction", resp.Diagnostics)
	stream, err := e.actions.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{ActionType: typ, Config: cfg})
	if err != nil {
		e.t.Fatal(err)
	}
	var inv invocation
	for ev := range stream.Events {
		switch ev := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
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

func TestPipelineRunAction_eachInvocationRunsOnce(t *testing.T) {
	t.Parallel()
	e := pipelineActionEnv(t, "")
	vals := map[string]tftypes.Value{
		"ref":      str("v1.4.0"),
		"wait_for": str("manual"),
		"variables": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{
			"API_KEY": str("s3cr3t"),
		}),
	}
	for i := 1; i <= 2; i++ {
		inv := e.invokePipelineRun(vals)
		requireNoDiags(t, "InvokeAction", inv.diags)
		requireProgress(t, inv.progress, `^pipeline \d+: (pending|running|created), \d+s$`, `^pipeline \d+: manual, http://.+/-/pipelines/\d+$`)
		for _, p := range inv.progress {
			if strings.Contains(p, "s3cr3t") {
				t.Errorf("progress shows a variable's value: %q", p)
			}
		}
		if got := len(e.sim.CreatedPipelines(e.project.ID)); got != i {
			t.Fatalf("after %d invocations, %d pipelines", i, got)
		}
	}
}

func TestPipelineRunAction_failure(t *testing.T) {
	t.Parallel()
	e := pipelineActionEnv(t, "failed")
	inv := e.invokePipelineRun(map[string]tftypes.Value{"ref": str("main"), "wait_for": str("success")})
	d := requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, `^Pipeline \d+ failed$`)
	if !regexp.MustCompile(`build \(job \d+, script_failure\)`).MatchString(d.Detail) {
		t.Errorf("detail does not name the failed job: %s", d.Detail)
	}
	inv = e.invokePipelineRun(map[string]tftypes.Value{"ref": str("main"), "wait_for": str("success"), "fail_on_failure": boolean(false)})
	requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityWarning, `^Pipeline \d+ failed$`)
	inv = e.invokePipelineRun(map[string]tftypes.Value{"ref": str("nope")})
	requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, `^GitLab refused to create the pipeline$`)
}

// Unit tests of the conversions and rules.
func TestRunMarker(t *testing.T) {
	a := runMarker("main", []string{"B", "A"}, map[string]string{"x": "1"})
	if a != runMarker("refs/heads/main", []string{"A", "B"}, map[string]string{"x": "1"}) {
		t.Error("the marker depends on the order of the variables or the ref's spelling")
	}
	for _, other := range []string{
		runMarker("v1", []string{"A", "B"}, map[string]string{"x": "1"}),
		runMarker("main", []string{"A"}, map[string]string{"x": "1"}),
		runMarker("main", []string{"A", "B"}, map[string]string{"x": "2"}),
		runMarker("main", []string{"A", "B"}, nil),
	} {
		if other == a {
			t.Errorf("a different intent has the same marker %s", a)
		}
	}
	if !regexp.MustCompile(`^tf-[0-9a-f]{20}$`).MatchString(a) {
		t.Errorf("marker %q", a)
	}
	if r := rerunMarker(a); !strings.HasPrefix(r, a+"-r") || r == rerunMarker(a) {
		t.Errorf("rerun markers %q are not unique extensions", r)
	}
}

func TestPipelineReached(t *testing.T) {
	for _, tt := range []struct {
		target, status string
		want           bool
	}{
		{"none", "created", true},
		{"success", "running", false},
		{"success", "success", true},
		{"success", "failed", true},
		{"success", "manual", true},
		{"manual", "pending", false},
		{"manual", "manual", true},
		{"finished", "canceled", true},
		{"finished", "scheduled", false},
	} {
		if got := pipelineReached(tt.target, tt.status); got != tt.want {
			t.Errorf("pipelineReached(%s, %s) = %v", tt.target, tt.status, got)
		}
	}
}
