package provider

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func obj(values map[string]attr.Value) types.Dynamic {
	typ := map[string]attr.Type{}
	for k, v := range values {
		typ[k] = v.Type(context.Background())
	}
	return types.DynamicValue(types.ObjectValueMust(typ, values))
}

func tuple(values ...attr.Value) attr.Value {
	var typ []attr.Type
	for _, v := range values {
		typ = append(typ, v.Type(context.Background()))
	}
	return types.TupleValueMust(typ, values)
}

// TestJobInputs converts every GitLab input type to its JSON value, as
// job_inputs sends it.
func TestJobInputs(t *testing.T) {
	in := obj(map[string]attr.Value{
		"target":   types.StringValue("production"),
		"replicas": types.NumberValue(big.NewFloat(3)),
		"big":      types.NumberValue(big.NewFloat(1234567)),
		"ratio":    types.NumberValue(big.NewFloat(0.25)),
		"dry_run":  types.BoolValue(false),
		"regions":  tuple(types.StringValue("eu"), types.StringValue("us")),
		"ids":      types.ListValueMust(types.NumberType, []attr.Value{types.NumberValue(big.NewFloat(1))}),
		"empty":    types.StringValue(""),
	})
	got, diags := jobInputs(in)
	if diags.HasError() {
		t.Fatal(diags)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"big":1234567,"dry_run":false,"empty":"","ids":[1],"ratio":0.25,"regions":["eu","us"],"replicas":3,"target":"production"}`
	if string(b) != want {
		t.Errorf("job_inputs %s, want %s", b, want)
	}
	// A map (tomap or a variable of map type) is an object too.
	m := types.DynamicValue(types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("x")}))
	if got, diags := jobInputs(m); diags.HasError() || got["a"] != "x" {
		t.Errorf("map: %v, %v", got, diags)
	}
	for _, none := range []types.Dynamic{types.DynamicNull(), types.DynamicValue(types.ObjectNull(map[string]attr.Type{}))} {
		if got, diags := jobInputs(none); got != nil || diags.HasError() {
			t.Errorf("null inputs: %v, %v", got, diags)
		}
	}
}

// TestJobInputsRefused refuses, naming the inputs and the fix, what GitLab
// cannot take; the diagnostic never shows a value. At apply an unknown value
// is refused; at plan it is left for the apply.
func TestJobInputsRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		in   types.Dynamic
		want string
	}{
		"not an object": {types.DynamicValue(types.StringValue("secret-ish")), "inputs is a string: give an object"},
		"a list":        {types.DynamicValue(tuple(types.StringValue("a"))), "inputs is a list: give an object"},
		"null value": {obj(map[string]attr.Value{"b": types.StringNull(), "a": types.StringNull(), "c": types.StringValue("x")}),
			"inputs a, b: null is not a value GitLab takes for an input. Give a value of the input's type, or remove the name"},
		"null byte": {obj(map[string]attr.Value{"a": types.StringValue("secret-ish\x00")}),
			"inputs a: the value holds a null byte"},
		"object value": {obj(map[string]attr.Value{"a": types.DynamicValue(obj(map[string]attr.Value{"x": types.StringValue("secret-ish")}))}),
			"inputs a: the value is an object or map, and an input is a string, a number, a boolean or an array"},
		"null in a list": {obj(map[string]attr.Value{"a": tuple(types.StringValue("x"), types.StringNull())}),
			"inputs a: null is not a value"},
		"empty name":  {obj(map[string]attr.Value{"": types.StringValue("x")}), `inputs has the name ""`},
		"padded name": {obj(map[string]attr.Value{" a": types.StringValue("x")}), `inputs has the name " a"`},
		"unknown value at apply": {obj(map[string]attr.Value{"a": types.StringUnknown()}),
			"inputs a: the value is not known at apply time"},
	} {
		t.Run(name, func(t *testing.T) {
			got, diags := jobInputs(tc.in)
			if !diags.HasError() || got != nil {
				t.Fatalf("jobInputs = %v, %v; want an error", got, diags)
			}
			text := diags[0].Summary() + ": " + diags[0].Detail()
			if !strings.Contains(text, tc.want) {
				t.Errorf("diagnostic %q does not say %q", text, tc.want)
			}
			if strings.Contains(text, "secret-ish") {
				t.Errorf("diagnostic %q shows a value", text)
			}
			if p := diags[0].(interface{ Path() path.Path }).Path(); !p.Equal(path.Root("inputs")) {
				t.Errorf("diagnostic at %s, want inputs", p)
			}
		})
	}
}

// TestJobInputsValidator checks inputs at plan time, leaving what is not
// known yet for the apply.
func TestJobInputsValidator(t *testing.T) {
	check := func(v types.Dynamic) bool {
		var resp validator.DynamicResponse
		jobInputsValidator{}.ValidateDynamic(context.Background(), validator.DynamicRequest{Path: path.Root("inputs"), ConfigValue: v}, &resp)
		return resp.Diagnostics.HasError()
	}
	for name, v := range map[string]types.Dynamic{
		"null":          types.DynamicNull(),
		"unknown":       types.DynamicUnknown(),
		"unknown value": obj(map[string]attr.Value{"a": types.StringUnknown(), "b": types.NumberValue(big.NewFloat(1))}),
		"valid":         obj(map[string]attr.Value{"a": types.StringValue("x")}),
	} {
		if check(v) {
			t.Errorf("%s: refused at plan", name)
		}
	}
	for name, v := range map[string]types.Dynamic{
		"null value":                    obj(map[string]attr.Value{"a": types.StringNull()}),
		"null value beside an unknown":  obj(map[string]attr.Value{"a": types.StringNull(), "b": types.StringUnknown()}),
		"not an object":                 types.DynamicValue(types.BoolValue(true)),
		"object value beside a unknown": obj(map[string]attr.Value{"a": types.DynamicValue(obj(map[string]attr.Value{})), "b": types.StringUnknown()}),
	} {
		if !check(v) {
			t.Errorf("%s: not refused at plan", name)
		}
	}
}
