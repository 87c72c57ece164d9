package provider

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// TestWholeNumberType: a configured number that is no 64-bit integer is read
// without error and reported by Validate with the attribute and its range;
// integers read as types.Int64.
func TestWholeNumberType(t *testing.T) {
	ctx := context.Background()
	typ := positiveID
	for _, tc := range []struct {
		in   *big.Float
		want string // "" = valid
	}{
		{big.NewFloat(1013), ""},
		{big.NewFloat(1.5), "job_id must be a whole number from 1 to 9223372036854775807; 1.5 is not a whole number."},
		{big.NewFloat(1e20), "job_id must be a whole number from 1 to 9223372036854775807; 1e+20 does not fit a 64-bit integer."},
		{big.NewFloat(-1e20), "1 to 9223372036854775807; -1e+20 does not fit"},
	} {
		v := tftypes.NewValue(tftypes.Number, tc.in)
		got, err := typ.ValueFromTerraform(ctx, v)
		if err != nil {
			t.Fatalf("%v: ValueFromTerraform: %v", tc.in, err)
		}
		diags := typ.Validate(ctx, v, path.Root("job_id"))
		if tc.want == "" {
			if diags.HasError() || got.(types.Int64).ValueInt64() != 1013 {
				t.Errorf("%v: got %v, %v", tc.in, got, diags)
			}
			continue
		}
		if !got.IsUnknown() {
			t.Errorf("%v: read as %v, want unknown (never used: Validate fails)", tc.in, got)
		}
		if len(diags) != 1 || !strings.Contains(diags[0].Detail(), tc.want) {
			t.Errorf("%v: diagnostics %v, want %q", tc.in, diags, tc.want)
		}
	}
	for _, v := range []tftypes.Value{tftypes.NewValue(tftypes.Number, nil), tftypes.NewValue(tftypes.Number, tftypes.UnknownValue)} {
		if _, err := typ.ValueFromTerraform(ctx, v); err != nil {
			t.Errorf("%v: %v", v, err)
		}
		if d := typ.Validate(ctx, v, path.Root("job_id")); d.HasError() {
			t.Errorf("%v: %v", v, d)
		}
	}
	if !typ.Equal(wholeNumber(1, 1<<63-1)) || typ.Equal(wholeNumber(0, 50)) || !typ.Equal(types.Int64Type) || typ.Equal(types.StringType) {
		t.Error("Equal")
	}
}

func TestPositiveDuration(t *testing.T) {
	for in, wantErr := range map[string]bool{"30s": false, "1ns": false, "0s": true, "0": true, "-5s": true, "forever": false} {
		var resp validator.StringResponse
		positiveDuration{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("timeouts").AtName("create"), ConfigValue: types.StringValue(in)}, &resp)
		if resp.Diagnostics.HasError() != wantErr {
			t.Errorf("%q: %v", in, resp.Diagnostics)
		}
		if wantErr && !strings.Contains(resp.Diagnostics[0].Detail(), `timeouts.create is "`+in+`": a timeout must be a positive duration`) {
			t.Errorf("%q: %s", in, resp.Diagnostics[0].Detail())
		}
	}
}

// TestNullByteValues: values with a null byte are refused at plan time by
// their keys, sorted, without the values (they may be secrets); null and
// unknown values are left to other checks.
func TestNullByteValues(t *testing.T) {
	m := func(elems map[string]attr.Value) types.Map {
		return types.MapValueMust(types.StringType, elems)
	}
	for name, tc := range map[string]struct {
		in   types.Map
		want string
	}{
		"clean":     {m(map[string]attr.Value{"A": types.StringValue("x"), "B": types.StringNull(), "C": types.StringUnknown()}), ""},
		"null map":  {types.MapNull(types.StringType), ""},
		"two keys":  {m(map[string]attr.Value{"Z": types.StringValue("s3cr\x00et"), "A": types.StringValue("\x00"), "B": types.StringValue("ok")}), "variables A, Z: the value holds a null byte"},
		"unknown":   {types.MapUnknown(types.StringType), ""},
		"empty val": {m(map[string]attr.Value{"A": types.StringValue("")}), ""},
	} {
		var resp validator.MapResponse
		nullByteValuesValidator{}.ValidateMap(context.Background(), validator.MapRequest{Path: path.Root("variables"), ConfigValue: tc.in}, &resp)
		if tc.want == "" {
			if resp.Diagnostics.HasError() {
				t.Errorf("%s: %v", name, resp.Diagnostics)
			}
			continue
		}
		if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), tc.want) {
			t.Errorf("%s: %v, want %q", name, resp.Diagnostics, tc.want)
			continue
		}
		if strings.Contains(resp.Diagnostics[0].Detail(), "s3cr") {
			t.Errorf("%s: the diagnostic shows a value: %s", name, resp.Diagnostics[0].Detail())
		}
	}
}

// TestWaitErrorAdvice: a timed-out wait advises the setting the resource
// has: wait_for_canceled for gitlabjobs_job_cancel, wait_for otherwise.
func TestWaitErrorAdvice(t *testing.T) {
	timeout := &waitTimeoutError{Kind: "job", ID: 7, Status: "canceling", Target: waitFinished, Elapsed: time.Minute}
	cancel := waitError("cancel", 7, timeout)[0].Detail()
	if !strings.Contains(cancel, "set wait_for_canceled = false") || strings.Contains(cancel, "wait_for to") {
		t.Errorf("cancel: %s", cancel)
	}
	for _, action := range []string{"play", "retry"} {
		if d := waitError(action, 7, timeout)[0].Detail(); !strings.Contains(d, `set wait_for to "started" or "none"`) {
			t.Errorf("%s: %s", action, d)
		}
	}
}

// TestRefuseJobTokenAction: a Terraform action planned with a CI job token
// fails the plan, naming where the token came from and which token can act;
// with another token it passes.
func TestRefuseJobTokenAction(t *testing.T) {
	jobClient, err := gitlabclient.New(gitlabclient.Config{BaseURL: "http://127.0.0.1:1/", JobToken: "glcbt-64_abcdefghij"})
	if err != nil {
		t.Fatal(err)
	}
	patClient, err := gitlabclient.New(gitlabclient.Config{BaseURL: "http://127.0.0.1:1/", Token: "glpat-abcdefghij"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvToken, "")
	t.Setenv(EnvJobToken, "glcbt-64_abcdefghij")
	source := providerModel{}.jobTokenSource()
	a := &jobAction{data: &providerData{client: jobClient, jobTokenSource: source}, what: "action gitlabjobs_job_erase"}
	var resp action.ModifyPlanResponse
	refuseJobTokenAction(a, &resp)
	if !resp.Diagnostics.HasError() {
		t.Fatal("a job token passed the plan of an action")
	}
	d := resp.Diagnostics[0]
	for _, want := range []string{"A CI job token cannot act on jobs", "action gitlabjobs_job_erase", "CI_JOB_TOKEN environment variable",
		"api scope", "Developer role", "Nothing was sent"} {
		if !strings.Contains(d.Summary()+d.Detail(), want) {
			t.Errorf("missing %q in %s: %s", want, d.Summary(), d.Detail())
		}
	}
	if strings.Contains(d.Detail(), "glcbt-64_abcdefghij") {
		t.Error("the job token leaks into the diagnostic")
	}
	resp = action.ModifyPlanResponse{}
	refuseJobTokenAction(&jobAction{data: &providerData{client: patClient}, what: "action gitlabjobs_job_erase"}, &resp)
	if resp.Diagnostics.HasError() {
		t.Errorf("an access token was refused: %v", resp.Diagnostics)
	}
}
