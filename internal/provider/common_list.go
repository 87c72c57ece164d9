package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The values and state of the data sources that list jobs (project_jobs,
// pipeline_jobs, pipeline_bridges); their shared attributes are in
// common_schema.go.

// scopeStrings turns the scope set into the API's list (nil: all).
func scopeStrings(set []types.String) []string {
	var out []string
	for _, s := range set {
		out = append(out, s.ValueString())
	}
	return out
}

// jobListValue converts listed jobs into the value of a list data source's
// jobs attribute (a list of jobObjectType, empty when there are none), one
// job at a time, without the framework's reflection (see jobModel.objectValue).
func jobListValue(jobs []*gitlabclient.Job) (types.List, diag.Diagnostics) {
	return objectListValue(jobObjectType, jobs, func(j *gitlabclient.Job) (types.Object, diag.Diagnostics) {
		return newJobModel(j).objectValue()
	})
}

// setListState sets state to model, the model of a list data source whose
// attribute name is held in the model's field *list (built by jobListValue or
// bridgeListValue). The list goes into the state converted to Terraform's
// value once: tfsdk.State.Set of a model holding a types.List converts the
// list three times and back once (the framework's reflection validates the
// field, round-trips the struct, then converts the result), about 150 kB of
// allocations a job. The rest of the model is set by State.Set as before.
func setListState(ctx context.Context, state *tfsdk.State, model any, name string, list *types.List) diag.Diagnostics {
	value := *list
	*list = types.ListNull(value.ElementType(ctx))
	diags := state.Set(ctx, model)
	*list = value
	if diags.HasError() {
		return diags
	}
	tfList, err := terraformValue(ctx, value, value.Type(ctx).TerraformType(ctx))
	var attrs map[string]tftypes.Value
	if err == nil {
		err = state.Raw.As(&attrs)
	}
	if err == nil {
		obj, _ := state.Raw.Type().(tftypes.Object)
		if want := obj.AttributeTypes[name]; want == nil || !tfList.Type().Equal(want) {
			err = fmt.Errorf("attribute %q: the list's type %s is not the schema's %v", name, tfList.Type(), want)
		}
	}
	if err != nil {
		diags.AddError("State Write Error", "An unexpected error was encountered trying to write the state. "+
			"This is always an error in the provider. Please report the following to the provider developer:\n\n"+err.Error())
		return diags
	}
	attrs[name] = tfList
	return append(diags, state.Set(ctx, tftypes.NewValue(state.Raw.Type(), attrs))...)
}

// terraformValue converts v, of Terraform type t, like v.ToTerraformValue,
// but with the objects and lists in it sharing t's parts as their types
// rather than each making its own (ObjectValue.ToTerraformValue builds its
// type's maps anew for every object, and every copy of the state the
// framework makes keeps them).
func terraformValue(ctx context.Context, v attr.Value, t tftypes.Type) (tftypes.Value, error) {
	if v.IsNull() || v.IsUnknown() {
		return v.ToTerraformValue(ctx)
	}
	switch v := v.(type) {
	case types.Object:
		ot, ok := t.(tftypes.Object)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("an object value for type %s", t)
		}
		attrs := make(map[string]tftypes.Value, len(ot.AttributeTypes))
		for name, a := range v.Attributes() {
			tv, err := terraformValue(ctx, a, ot.AttributeTypes[name])
			if err != nil {
				return tftypes.Value{}, err
			}
			attrs[name] = tv
		}
		return newTerraformValue(t, attrs)
	case types.List:
		lt, ok := t.(tftypes.List)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("a list value for type %s", t)
		}
		elems := make([]tftypes.Value, 0, len(v.Elements()))
		for _, e := range v.Elements() {
			tv, err := terraformValue(ctx, e, lt.ElementType)
			if err != nil {
				return tftypes.Value{}, err
			}
			elems = append(elems, tv)
		}
		return newTerraformValue(t, elems)
	}
	return v.ToTerraformValue(ctx)
}

// newTerraformValue is tftypes.NewValue returning, rather than panicking
// with, the error.
func newTerraformValue(t tftypes.Type, val any) (tftypes.Value, error) {
	if err := tftypes.ValidateValue(t, val); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(t, val), nil
}

// objectListValue converts items into a list of objects of elemType.
func objectListValue[T any](elemType types.ObjectType, items []T, object func(T) (types.Object, diag.Diagnostics)) (types.List, diag.Diagnostics) {
	elems := make([]attr.Value, 0, len(items))
	for _, it := range items {
		v, diags := object(it)
		if diags.HasError() {
			return types.ListUnknown(elemType), diags
		}
		elems = append(elems, v)
	}
	return types.ListValue(elemType, elems)
}
