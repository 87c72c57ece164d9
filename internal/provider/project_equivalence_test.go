package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestCompareProjects(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want projectRelation
	}{
		{"demo-group/platform/deploy-service", "demo-group/platform/deploy-service", projectsSame},
		{"demo-group/platform/deploy-service", "demo-group%2Fplatform%2Fdeploy-service", projectsSame},
		{"demo-group/platform/deploy-service", "demo-group%2fplatform%2fdeploy-service", projectsSame},
		{"demo-group/platform/deploy-service", "Demo-Group/Platform/Deploy-Service", projectsSame},
		{"DEMO-GROUP%2FPLATFORM%2FDEPLOY-SERVICE", "demo-group/platform/deploy-service", projectsSame},
		{"app.v2/svc", "app%2Ev2%2Fsvc", projectsSame},
		{"42", "42", projectsSame},
		{"42", " 42 ", projectsSame},
		{"42", "43", projectsDifferent},
		{"1", "demo-group/platform/deploy-service", projectsUndecided},
		{"demo-group/platform/deploy-service", "1", projectsUndecided},
		{"old-group/app", "new-group/app", projectsUndecided}, // a moved project's old path redirects
		{"group/app", "group/app2", projectsUndecided},
		{"not a project", "group/app", projectsDifferent},
		{"not a project", "not a project", projectsSame},
	} {
		if got := compareProjects(tc.a, tc.b); got != tc.want {
			t.Errorf("compareProjects(%q, %q) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
		if got := compareProjects(tc.b, tc.a); got != tc.want {
			t.Errorf("compareProjects(%q, %q) = %s, want %s (not symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestCanonicalProject(t *testing.T) {
	for in, want := range map[string]string{
		"Group/Sub/App":       "path:group/sub/app",
		"group%2Fsub%2Fapp":   "path:group/sub/app",
		"007":                 "id:7",
		"42":                  "id:42",
		"group%252Fsub%252Fa": "", // encoded twice: not a project
		"":                    "",
	} {
		got, ok := canonicalProject(in)
		if ok != (want != "") || got != want {
			t.Errorf("canonicalProject(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestSameProjectPlanModifier drives the project attribute's plan modifier
// with the play resource's schema: a respelling never requires replacement;
// another project does; an undecided spelling with the same job_id is kept
// with a warning.
func TestSameProjectPlanModifier(t *testing.T) {
	ctx := context.Background()
	var sresp resource.SchemaResponse
	NewJobPlayResource().Schema(ctx, resource.SchemaRequest{}, &sresp)
	s := sresp.Schema
	typ := s.Type().TerraformType(ctx).(tftypes.Object)
	obj := func(project tftypes.Value, jobID tftypes.Value) tftypes.Value {
		vals := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			vals[name] = tftypes.NewValue(at, nil)
		}
		vals["project"], vals["job_id"] = project, jobID
		return tftypes.NewValue(typ, vals)
	}
	str := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	num := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
	unknownStr := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	unknownNum := tftypes.NewValue(tftypes.Number, tftypes.UnknownValue)

	const path1 = "demo-group/platform/deploy-service"
	for _, tc := range []struct {
		name           string
		state, plan    tftypes.Value
		replace        bool
		warning        string
		createOrRemove bool
	}{
		{name: "unchanged", state: obj(str(path1), num(1013)), plan: obj(str(path1), num(1013))},
		{name: "encoded", state: obj(str(path1), num(1013)), plan: obj(str("demo-group%2Fplatform%2Fdeploy-service"), num(1013))},
		{name: "letter case", state: obj(str(path1), num(1013)), plan: obj(str("Demo-Group/Platform/Deploy-Service"), num(1013))},
		{name: "id to path, same job", state: obj(str("1"), num(1013)), plan: obj(str(path1), num(1013)), warning: "the resource is kept"},
		{name: "path to id, same job", state: obj(str(path1), num(1013)), plan: obj(str("1"), num(1013)), warning: "the resource is kept"},
		{name: "unknown project, same job", state: obj(str(path1), num(1013)), plan: obj(unknownStr, num(1013)), warning: "known only at apply"},
		{name: "another id", state: obj(str("1"), num(1013)), plan: obj(str("2"), num(1013)), replace: true},
		{name: "id to path, another job", state: obj(str("1"), num(1013)), plan: obj(str(path1), num(1012)), replace: true},
		{name: "unknown project and job", state: obj(str("1"), num(1013)), plan: obj(unknownStr, unknownNum), replace: true},
		{name: "encoded, another job", state: obj(str(path1), num(1013)), plan: obj(str("demo-group%2Fplatform%2Fdeploy-service"), num(1012))},
		{name: "create", state: tftypes.NewValue(typ, nil), plan: obj(str(path1), num(1013)), createOrRemove: true},
		{name: "destroy", state: obj(str(path1), num(1013)), plan: tftypes.NewValue(typ, nil), createOrRemove: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := tfsdk.State{Schema: s, Raw: tc.state}
			plan := tfsdk.Plan{Schema: s, Raw: tc.plan}
			var stateValue, planValue types.String
			if !tc.state.IsNull() {
				if d := state.GetAttribute(ctx, path.Root("project"), &stateValue); d.HasError() {
					t.Fatal(d)
				}
			}
			if !tc.plan.IsNull() {
				if d := plan.GetAttribute(ctx, path.Root("project"), &planValue); d.HasError() {
					t.Fatal(d)
				}
			}
			req := planmodifier.StringRequest{Path: path.Root("project"), State: state, Plan: plan,
				StateValue: stateValue, PlanValue: planValue, ConfigValue: planValue}
			resp := &planmodifier.StringResponse{PlanValue: planValue}
			sameProjectPlanModifier{}.PlanModifyString(ctx, req, resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("errors: %v", resp.Diagnostics)
			}
			if resp.RequiresReplace != tc.replace {
				t.Errorf("RequiresReplace = %v, want %v", resp.RequiresReplace, tc.replace)
			}
			if !resp.PlanValue.Equal(planValue) {
				t.Errorf("plan value changed to %v", resp.PlanValue)
			}
			switch {
			case tc.warning == "" && resp.Diagnostics.WarningsCount() > 0:
				t.Errorf("unexpected warnings: %v", resp.Diagnostics)
			case tc.warning != "":
				if resp.Diagnostics.WarningsCount() != 1 {
					t.Fatalf("want one warning containing %q, got %v", tc.warning, resp.Diagnostics)
				}
				w := resp.Diagnostics.Warnings()[0]
				if text := w.Summary() + " " + w.Detail(); !strings.Contains(text, tc.warning) || !strings.Contains(text, "job_id stays 1013") {
					t.Errorf("warning %q, want it to contain %q and name the job", text, tc.warning)
				}
			}
		})
	}
}

// FuzzCompareProjects: the comparison is reflexive and symmetric, and a
// valid path is the same project as its upper-case and URL-encoded forms
// (as GitLab resolves them). Its seeds run with the unit tests.
func FuzzCompareProjects(f *testing.F) {
	for _, s := range [][2]string{
		{"group/sub/app", "1"}, {"Group/App", "group%2Fapp"}, {"42", "042"}, {"a.b/c", "a%2Eb%2Fc"}, {"", " "}, {"%", "%25"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got := compareProjects(a, a); got != projectsSame {
			t.Fatalf("compareProjects(%q, itself) = %s", a, got)
		}
		if ab, ba := compareProjects(a, b), compareProjects(b, a); ab != ba {
			t.Fatalf("compareProjects(%q, %q) = %s but reversed %s", a, b, ab, ba)
		}
		key, ok := canonicalProject(a)
		if !ok || !strings.HasPrefix(key, "path:") {
			return
		}
		for _, other := range []string{strings.ToUpper(a), strings.ReplaceAll(a, "/", "%2F")} {
			if _, ok := canonicalProject(other); ok {
				if got := compareProjects(a, other); got != projectsSame {
					t.Fatalf("compareProjects(%q, %q) = %s, want same", a, other, got)
				}
			}
		}
	})
}
