package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestPlayVariablesSortedAndNull(t *testing.T) {
	ctx := context.Background()
	m := types.MapValueMust(types.StringType, map[string]attr.Value{
		"ZED": types.StringValue("z"), "ALPHA": types.StringValue("a"), "MID_1": types.StringValue(""),
	})
	vars, diags := playVariables(ctx, m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	got := []string{}
	for _, v := range vars {
		got = append(got, v.Key+"="+v.Value)
	}
	if strings.Join(got, ",") != "ALPHA=a,MID_1=,ZED=z" {
		t.Errorf("variables %v, want sorted by key with empty values kept", got)
	}
	if vars, _ := playVariables(ctx, types.MapNull(types.StringType)); vars != nil {
		t.Errorf("null map gave %v, want no variables", vars)
	}
}
