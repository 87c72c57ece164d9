package provider

import (
	"context"
	"fmt"
	"math"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// wholeNumberType is the type of the provider's integer attributes (IDs,
// counts). It is types.Int64Type, except that a configured number which is
// no 64-bit integer (1.5, 1e20) is reported by its validation, naming the
// attribute and the valid range, where Int64Type fails the configuration's
// read with "Configuration Read Error ... %!s(*big.Float=1.5)" (its
// ValueFromTerraform formats a *big.Float with %s). The values are plain
// types.Int64, so models and validators are unchanged.
type wholeNumberType struct {
	basetypes.Int64Type
	min, max int64 // the valid range, for the message; the attribute's validators enforce it
}

var _ basetypes.Int64Typable = wholeNumberType{}

// wholeNumber is the type of an integer attribute whose valid values are
// min to max.
func wholeNumber(min, max int64) wholeNumberType {
	return wholeNumberType{min: min, max: max}
}

// positiveID is the type of ID and count attributes: 1 and up.
var positiveID = wholeNumber(1, math.MaxInt64)

func (t wholeNumberType) String() string { return "wholeNumberType" }

// Equal is true for the same range, and for types.Int64Type: the values are
// types.Int64, and the framework checks a value's type against its
// attribute's with attributeType.Equal(value.Type()) when it builds objects
// (the state from a model).
func (t wholeNumberType) Equal(o attr.Type) bool {
	switch other := o.(type) {
	case wholeNumberType:
		return other.min == t.min && other.max == t.max
	case basetypes.Int64Type:
		return true
	}
	return false
}

func (t wholeNumberType) ValueType(context.Context) attr.Value { return basetypes.Int64Value{} }

func (t wholeNumberType) ValueFromInt64(_ context.Context, v basetypes.Int64Value) (basetypes.Int64Valuable, diag.Diagnostics) {
	return v, nil
}

// ValueFromTerraform reads a number that is no 64-bit integer as unknown:
// Validate, which the framework calls on every configured value, reports
// it, so the value is never used.
func (t wholeNumberType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.Int64Type.ValueFromTerraform(ctx, in)
	if err != nil && in.Type().Is(tftypes.Number) && in.IsKnown() && !in.IsNull() {
		return basetypes.NewInt64Unknown(), nil
	}
	return v, err
}

// Validate reports a number that is not a whole number or does not fit 64
// bits, with the attribute's valid range.
func (t wholeNumberType) Validate(_ context.Context, in tftypes.Value, p path.Path) diag.Diagnostics {
	var diags diag.Diagnostics
	if in.Type() == nil || !in.Type().Is(tftypes.Number) || !in.IsKnown() || in.IsNull() {
		return diags
	}
	var f *big.Float
	if err := in.As(&f); err != nil || f == nil {
		return diags
	}
	what := ""
	if !f.IsInt() {
		what = "is not a whole number"
	} else if _, acc := f.Int64(); acc != big.Exact {
		what = "does not fit a 64-bit integer"
	}
	if what == "" {
		return diags
	}
	diags.AddAttributeError(p, "Invalid whole number",
		fmt.Sprintf("%s must be a whole number from %d to %d; %s %s.", p, t.min, t.max, f.Text('g', 20), what))
	return diags
}
