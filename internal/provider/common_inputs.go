package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// CI/CD inputs given as HCL values of their declared types: a job's inputs
// (its `inputs:` keyword, sent as job_inputs when it is played); GitLab's
// pipeline inputs (spec:inputs) have the same types and can use the same
// attribute (jobInputsValidator, jobInputs).
//
// The attribute is dynamic, holding an object of input name to value:
// `inputs = { target = "production", replicas = 3, dry_run = false,
// regions = ["eu", "us"] }`. One object holds values of several types, which
// a map attribute cannot (its elements share one type), and the names are
// the job's own, which an object attribute would have to fix in the schema;
// the framework does not allow dynamic elements in a map. GitLab's types map
// to HCL's: string, number, boolean, and array (a list or tuple, sent as a
// JSON array). Values are checked at plan time when known; whether the job
// declares the input, and its options and regex, only GitLab knows (its
// refusal names the attribute, playRefusal).

// inputsDescription is the inputs attribute's documentation, after what the
// resource or the action adds.
const inputsDescription = "The job's `inputs:` by name, e.g. `{ target = \"production\", replicas = 3 }`. Not read " +
	"back, not masked: not for secrets ([details](../guides/job-play.md#inputs-and-variables))."

// jobInputsValidator checks inputs at plan time: an object (or map) of
// named values of GitLab's input types, none null, no string with a null
// byte. Unknown parts are checked at apply.
type jobInputsValidator struct{}

var _ validator.Dynamic = jobInputsValidator{}

func (jobInputsValidator) Description(context.Context) string {
	return "an object of input name to a string, number, boolean or list value"
}

func (v jobInputsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (jobInputsValidator) ValidateDynamic(_ context.Context, req validator.DynamicRequest, resp *validator.DynamicResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.IsUnderlyingValueNull() ||
		req.ConfigValue.IsUnderlyingValueUnknown() {
		return
	}
	_, diags := inputValues(req.Path, req.ConfigValue, false)
	resp.Diagnostics.Append(diags...)
}

// jobInputs turns the inputs attribute into the JSON object GitLab takes
// (name to string, bool, json.Number or []any); nil when not set. At apply
// every value is known; an unknown one is an error.
func jobInputs(v types.Dynamic) (map[string]any, diag.Diagnostics) {
	if v.IsNull() || v.IsUnderlyingValueNull() {
		return nil, nil
	}
	return inputValues(path.Root("inputs"), v, true)
}

// inputValues converts and checks the object held by v. With final, an
// unknown value is an error (apply); without, it is skipped (plan).
func inputValues(p path.Path, v types.Dynamic, final bool) (map[string]any, diag.Diagnostics) {
	var diags diag.Diagnostics
	if v.IsUnknown() || v.IsUnderlyingValueUnknown() {
		if final {
			diags.AddAttributeError(p, "Inputs not known", "inputs is not known at apply time: give inputs values "+
				"that Terraform knows when it applies.")
		}
		return nil, diags
	}
	var elems map[string]attr.Value
	switch o := v.UnderlyingValue().(type) {
	case basetypes.ObjectValue:
		elems = o.Attributes()
	case basetypes.MapValue:
		elems = o.Elements()
	default:
		diags.AddAttributeError(p, "Inputs must be an object",
			fmt.Sprintf("inputs is %s: give an object of input name to value, such as inputs = { target = "+
				"\"production\", replicas = 3 }.", describeValue(v.UnderlyingValue())))
		return nil, diags
	}
	names := make([]string, 0, len(elems))
	for name := range elems {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make(map[string]any, len(elems))
	var null, nullByte, objects, unknown []string
	for _, name := range names {
		if name == "" || strings.TrimSpace(name) != name {
			diags.AddAttributeError(p, "Invalid input name",
				fmt.Sprintf("inputs has the name %q: an input's name is the name the CI/CD configuration declares (a "+
					"job's inputs: keyword, or spec:inputs), not empty and without leading or trailing spaces.", name))
			continue
		}
		val, problem := inputValue(elems[name], true)
		switch problem {
		case "":
			out[name] = val
		case "null":
			null = append(null, name)
		case "null byte":
			nullByte = append(nullByte, name)
		case "object":
			objects = append(objects, name)
		case "unknown":
			unknown = append(unknown, name)
		}
	}
	if len(null) > 0 {
		diags.AddAttributeError(p, "Input without a value",
			fmt.Sprintf("inputs %s: null is not a value GitLab takes for an input. Give a value of the input's type, "+
				"or remove the name to keep the input's default.", strings.Join(null, ", ")))
	}
	if len(nullByte) > 0 {
		diags.AddAttributeError(p, "Input value with a null byte",
			fmt.Sprintf("inputs %s: the value holds a null byte (\\u0000), and GitLab refuses any request with one in "+
				"a parameter (400 Bad Request). Remove it from the value.", strings.Join(nullByte, ", ")))
	}
	if len(objects) > 0 {
		diags.AddAttributeError(p, "Input value of no GitLab input type",
			fmt.Sprintf("inputs %s: the value is an object or map, and an input is a string, a number, a boolean "+
				"or an array (a list such as [\"eu\", \"us\"]). Give a value of the type the input declares.", strings.Join(objects, ", ")))
	}
	if len(unknown) > 0 && final {
		diags.AddAttributeError(p, "Inputs not known",
			fmt.Sprintf("inputs %s: the value is not known at apply time. Give values that Terraform knows when it applies.", strings.Join(unknown, ", ")))
	}
	if diags.HasError() || len(unknown) > 0 {
		return nil, diags
	}
	return out, diags
}

// inputValue is v as JSON-ready Go (string, bool, json.Number, []any, and in
// arrays map[string]any), or the problem: "null", "null byte", "object" (at
// the top, where GitLab has no such input type) or "unknown".
func inputValue(v attr.Value, top bool) (any, string) {
	if v.IsUnknown() {
		return nil, "unknown"
	}
	if v.IsNull() {
		return nil, "null"
	}
	switch x := v.(type) {
	case basetypes.DynamicValue:
		return inputValue(x.UnderlyingValue(), top)
	case basetypes.StringValue:
		if strings.Contains(x.ValueString(), "\x00") {
			return nil, "null byte"
		}
		return x.ValueString(), ""
	case basetypes.BoolValue:
		return x.ValueBool(), ""
	case basetypes.NumberValue:
		return jsonNumber(x.ValueBigFloat()), ""
	case basetypes.Int64Value:
		return json.Number(fmt.Sprint(x.ValueInt64())), ""
	case basetypes.Float64Value:
		return jsonNumber(big.NewFloat(x.ValueFloat64())), ""
	case basetypes.ListValue:
		return inputArray(x.Elements())
	case basetypes.TupleValue:
		return inputArray(x.Elements())
	case basetypes.SetValue:
		return inputArray(x.Elements())
	case basetypes.ObjectValue:
		if top {
			return nil, "object"
		}
		return inputObject(x.Attributes())
	case basetypes.MapValue:
		if top {
			return nil, "object"
		}
		return inputObject(x.Elements())
	}
	return nil, "object"
}

func inputArray(elems []attr.Value) (any, string) {
	out := make([]any, 0, len(elems))
	for _, e := range elems {
		v, problem := inputValue(e, false)
		if problem != "" {
			return nil, problem
		}
		out = append(out, v)
	}
	return out, ""
}

func inputObject(elems map[string]attr.Value) (any, string) {
	out := make(map[string]any, len(elems))
	for k, e := range elems {
		v, problem := inputValue(e, false)
		if problem != "" {
			return nil, problem
		}
		out[k] = v
	}
	return out, ""
}

// jsonNumber writes an HCL number as JSON: whole numbers without exponent
// or fraction (3, not 3e+00), others in their shortest form.
func jsonNumber(f *big.Float) json.Number {
	if f == nil {
		return "0"
	}
	if f.IsInt() {
		return json.Number(f.Text('f', 0))
	}
	return json.Number(f.Text('g', -1))
}

// describeValue names v's kind for a diagnostic, never its content.
func describeValue(v attr.Value) string {
	switch v.(type) {
	case basetypes.StringValue:
		return "a string"
	case basetypes.NumberValue, basetypes.Int64Value, basetypes.Float64Value:
		return "a number"
	case basetypes.BoolValue:
		return "a boolean"
	case basetypes.ListValue, basetypes.TupleValue, basetypes.SetValue:
		return "a list"
	}
	return "not an object"
}
