package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The list data sources build their jobs and bridges lists by hand
// (jobListValue, objectListValue, setListState over jobModel.objectValue and
// bridgeModel.objectValue) instead of through the framework's struct
// reflection. These tests hold the two to the same result; the objects'
// own tests are in job_model_test.go and
// pipeline_bridges_data_source_internal_test.go.

const fullVariants = 4

func TestJobListValueEqualsReflection(t *testing.T) {
	ctx := context.Background()
	for name, jobs := range map[string][]*gitlabclient.Job{
		"none":         {},
		"nil":          nil,
		"full+minimal": {fullJob(0), fullJob(1), {ID: 1, Name: "deploy", Status: "manual"}, {}},
	} {
		t.Run(name, func(t *testing.T) {
			models := make([]jobModel, 0, len(jobs)) // what the data sources set before: never null
			for _, j := range jobs {
				models = append(models, newJobModel(j))
			}
			want, diags := types.ListValueFrom(ctx, jobObjectType, models)
			requireNoErrorDiags(t, "reflection", diags)
			got, diags := jobListValue(jobs)
			requireNoErrorDiags(t, "jobListValue", diags)
			requireEqual(t, got, want)
			if got.IsNull() || len(got.Elements()) != len(jobs) {
				t.Errorf("jobs = %v, want a known list of %d", got, len(jobs))
			}
		})
	}
}

func TestBridgeListValueEqualsReflection(t *testing.T) {
	ctx := context.Background()
	for name, bridges := range map[string][]*gitlabclient.Bridge{
		"none":               {},
		"nil":                nil,
		"full+not triggered": {fullBridge(0), fullBridge(1), {Job: gitlabclient.Job{ID: 8, Name: "later", Status: "manual"}}},
	} {
		t.Run(name, func(t *testing.T) {
			models := make([]bridgeModel, 0, len(bridges))
			for _, b := range bridges {
				models = append(models, newBridgeModel(b))
			}
			want, diags := types.ListValueFrom(ctx, bridgeObjectType, models)
			requireNoErrorDiags(t, "reflection", diags)
			got, diags := bridgeListValue(bridges)
			requireNoErrorDiags(t, "bridgeListValue", diags)
			requireEqual(t, got, want)
		})
	}
}

// The list data sources' models as they were, set into the state by the
// framework's reflection: the reference setListState must match.
type (
	reflectProjectJobsModel struct {
		ID         types.String   `tfsdk:"id"`
		Project    types.String   `tfsdk:"project"`
		Scope      []types.String `tfsdk:"scope"`
		Name       types.String   `tfsdk:"name"`
		Ref        types.String   `tfsdk:"ref"`
		Stage      types.String   `tfsdk:"stage"`
		PipelineID types.Int64    `tfsdk:"pipeline_id"`
		MaxResults types.Int64    `tfsdk:"max_results"`
		Jobs       []jobModel     `tfsdk:"jobs"`
	}
	reflectPipelineJobsModel struct {
		ID             types.String   `tfsdk:"id"`
		Project        types.String   `tfsdk:"project"`
		PipelineID     types.Int64    `tfsdk:"pipeline_id"`
		Scope          []types.String `tfsdk:"scope"`
		IncludeRetried types.Bool     `tfsdk:"include_retried"`
		Downstream     types.Bool     `tfsdk:"include_downstream"`
		Jobs           []jobModel     `tfsdk:"jobs"`
	}
	reflectPipelineBridgesModel struct {
		ID         types.String   `tfsdk:"id"`
		Project    types.String   `tfsdk:"project"`
		PipelineID types.Int64    `tfsdk:"pipeline_id"`
		Scope      []types.String `tfsdk:"scope"`
		Bridges    []bridgeModel  `tfsdk:"bridges"`
	}
)

// TestListDataSourcesStateEqualsReflection checks, for each list data
// source, that its schema's list type is the conversion's (the CustomType
// the schema sets is the type its attributes make: adding an attribute to
// jobAttributes without adding it to jobModel.attributes fails here and in
// the tests above), and that the state Read writes (setListState) equals
// the one State.Set of the previous models wrote by reflection.
func TestListDataSourcesStateEqualsReflection(t *testing.T) {
	ctx := context.Background()
	jobs := []*gitlabclient.Job{fullJob(0), fullJob(1), {ID: 1, Name: "deploy", Status: "manual"}}
	var jobModels []jobModel
	for _, j := range jobs {
		jobModels = append(jobModels, newJobModel(j))
	}
	bridges := []*gitlabclient.Bridge{fullBridge(0), fullBridge(1), {Job: gitlabclient.Job{ID: 8, Name: "later", Status: "manual"}}}
	var bridgeModels []bridgeModel
	for _, b := range bridges {
		bridgeModels = append(bridgeModels, newBridgeModel(b))
	}
	jobList, diags := jobListValue(jobs)
	requireNoErrorDiags(t, "jobListValue", diags)
	bridgeList, diags := bridgeListValue(bridges)
	requireNoErrorDiags(t, "bridgeListValue", diags)
	emptyJobs, diags := jobListValue(nil)
	requireNoErrorDiags(t, "jobListValue", diags)

	id, project := types.StringValue("group/project:6"), types.StringValue("group/project")
	scope := []types.String{types.StringValue("failed"), types.StringValue("success")}
	projectJobs := func(list types.List) *projectJobsModel {
		return &projectJobsModel{ID: id, Project: project, Scope: scope, Name: types.StringValue("test"),
			Ref: types.StringNull(), Stage: types.StringNull(), PipelineID: types.Int64Value(6),
			MaxResults: types.Int64Null(), Jobs: list}
	}
	reflectProjectJobs := func(models []jobModel) *reflectProjectJobsModel {
		return &reflectProjectJobsModel{ID: id, Project: project, Scope: scope, Name: types.StringValue("test"),
			Ref: types.StringNull(), Stage: types.StringNull(), PipelineID: types.Int64Value(6),
			MaxResults: types.Int64Null(), Jobs: models}
	}
	projectAll, projectNone := projectJobs(jobList), projectJobs(emptyJobs)
	pipelineJobs := &pipelineJobsModel{ID: id, Project: project, PipelineID: types.Int64Value(6), Scope: nil,
		IncludeRetried: types.BoolValue(true), Jobs: jobList}
	pipelineBridges := &pipelineBridgesModel{ID: id, Project: project, PipelineID: types.Int64Value(6), Scope: scope,
		Bridges: bridgeList}

	for _, c := range []struct {
		name     string
		ds       datasource.DataSource
		attr     string
		elemType types.ObjectType
		model    any
		list     *types.List
		reflect  any
	}{
		{"project_jobs", NewProjectJobsDataSource(), "jobs", jobObjectType,
			projectAll, &projectAll.Jobs, reflectProjectJobs(jobModels)},
		{"project_jobs, none", NewProjectJobsDataSource(), "jobs", jobObjectType,
			projectNone, &projectNone.Jobs, reflectProjectJobs([]jobModel{})},
		{"pipeline_jobs", NewPipelineJobsDataSource(), "jobs", jobObjectType,
			pipelineJobs, &pipelineJobs.Jobs, &reflectPipelineJobsModel{ID: id, Project: project,
				PipelineID: types.Int64Value(6), IncludeRetried: types.BoolValue(true), Jobs: jobModels}},
		{"pipeline_bridges", NewPipelineBridgesDataSource(), "bridges", bridgeObjectType,
			pipelineBridges, &pipelineBridges.Bridges, &reflectPipelineBridgesModel{ID: id, Project: project,
				PipelineID: types.Int64Value(6), Scope: scope, Bridges: bridgeModels}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sr datasource.SchemaResponse
			c.ds.Schema(ctx, datasource.SchemaRequest{}, &sr)
			requireNoErrorDiags(t, "schema", sr.Diagnostics)
			nested := sr.Schema.Attributes[c.attr].(schema.ListNestedAttribute).NestedObject
			custom := nested.CustomType
			nested.CustomType = nil
			if made := nested.Type(); !made.Equal(c.elemType) || custom == nil || !custom.Equal(made) {
				t.Fatalf("the type %s's attributes make\n%v\n!= the conversion's\n%v\nor the schema's CustomType\n%v",
					c.attr, made, c.elemType, custom)
			}
			listType := sr.Schema.Attributes[c.attr].GetType()
			if got := c.list.Type(ctx); !got.Equal(listType) {
				t.Fatalf("built %s type\n%v\n!= the schema's\n%v", c.attr, got, listType)
			}

			newState := func() tfsdk.State {
				return tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
			}
			want := newState()
			requireNoErrorDiags(t, "State.Set by reflection", want.Set(ctx, c.reflect))
			got := newState()
			listBefore := *c.list
			requireNoErrorDiags(t, "setListState", setListState(ctx, &got, c.model, c.attr, c.list))
			if !c.list.Equal(listBefore) {
				t.Error("setListState must leave the model's list as it was")
			}
			if !got.Raw.Equal(want.Raw) {
				diffs, _ := got.Raw.Diff(want.Raw)
				t.Errorf("state differs from the reflection's: %v", diffs)
			}
		})
	}
}

func requireNoErrorDiags(t *testing.T, what string, diags diag.Diagnostics) {
	t.Helper()
	if diags.HasError() {
		t.Fatalf("%s: %v", what, diags)
	}
}

// requireEqual compares two values, naming the attributes that differ.
func requireEqual(t *testing.T, got, want attr.Value) {
	t.Helper()
	if got.Equal(want) {
		return
	}
	if g, ok := got.(types.Object); ok {
		if w, ok := want.(types.Object); ok {
			ga, wa := g.Attributes(), w.Attributes()
			var names []string
			for n := range wa {
				if ga[n] == nil || !ga[n].Equal(wa[n]) {
					names = append(names, n)
				}
			}
			for n := range ga {
				if wa[n] == nil {
					names = append(names, n+" (extra)")
				}
			}
			sort.Strings(names)
			t.Fatalf("objects differ in %v:\ngot  %v\nwant %v", names, got, want)
		}
	}
	t.Fatalf("values differ:\ngot  %v\nwant %v", got, want)
}

// requireNoNull fails for every null attribute or empty list within v, so a
// "full" fixture really exercises every attribute.
func requireNoNull(t *testing.T, at string, v attr.Value) {
	t.Helper()
	if v.IsNull() || v.IsUnknown() {
		t.Errorf("%s is %v: the fixture must set it", at, v)
		return
	}
	switch v := v.(type) {
	case types.Object:
		for n, a := range v.Attributes() {
			requireNoNull(t, at+"."+n, a)
		}
	case types.List:
		if len(v.Elements()) == 0 {
			t.Errorf("%s is empty: the fixture must fill it", at)
		}
		for i, e := range v.Elements() {
			requireNoNull(t, fmt.Sprintf("%s[%d]", at, i), e)
		}
	}
}

// TestTerraformValueEqualsToTerraformValue: setListState's conversion with
// shared types gives what the framework's ToTerraformValue gives.
func TestTerraformValueEqualsToTerraformValue(t *testing.T) {
	ctx := context.Background()
	jobs, diags := jobListValue([]*gitlabclient.Job{fullJob(0), fullJob(3), {ID: 1, Name: "deploy", Status: "manual"}, {}})
	requireNoErrorDiags(t, "jobListValue", diags)
	none, diags := jobListValue(nil)
	requireNoErrorDiags(t, "jobListValue", diags)
	bridges, diags := bridgeListValue([]*gitlabclient.Bridge{fullBridge(1), {Job: gitlabclient.Job{ID: 8}}})
	requireNoErrorDiags(t, "bridgeListValue", diags)
	zero, diags := jobModel{}.objectValue()
	requireNoErrorDiags(t, "objectValue", diags)
	for name, v := range map[string]attr.Value{
		"jobs": jobs, "no jobs": none, "bridges": bridges, "all-null job": zero,
		"null list": types.ListNull(jobObjectType), "unknown list": types.ListUnknown(jobObjectType),
	} {
		want, err := v.ToTerraformValue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := terraformValue(ctx, v, v.Type(ctx).TerraformType(ctx))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !got.Equal(want) {
			diffs, _ := got.Diff(want)
			t.Errorf("%s: differs from ToTerraformValue: %v", name, diffs)
		}
	}

	// A value that does not fit the type is an error, not a panic.
	if _, err := terraformValue(ctx, jobs, tftypes.List{ElementType: tftypes.String}); err == nil {
		t.Error("a list of jobs as a list of strings: no error")
	}
	if _, err := terraformValue(ctx, zero, tftypes.String); err == nil {
		t.Error("a job as a string: no error")
	}
	if _, err := terraformValue(ctx, jobs, bridges.Type(ctx).TerraformType(ctx)); err == nil {
		t.Error("jobs as bridges: no error")
	}
}

func mustDecode(t *testing.T, s string, out any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), out); err != nil {
		t.Fatal(err)
	}
}
