package provider

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestPrivateStateFormat fails if the framework's private-state format
// changes under plannedPrivate (act_again.go), which decodes it itself: a
// key the framework's own API sets at plan must come out of plannedPrivate,
// and a private state encoded as plannedPrivate reads it must reach the
// framework's API as the same key.
func TestPrivateStateFormat(t *testing.T) {
	ctx := context.Background()
	srv, err := providerserver.NewProtocol6WithError(&privateEchoProvider{})()
	if err != nil {
		t.Fatal(err)
	}
	objType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"name": tftypes.String}}
	value := func(name string) *tfprotov6.DynamicValue {
		v, err := tfprotov6.NewDynamicValue(objType, tftypes.NewValue(objType, map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, name)}))
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	marker := []byte(`{"changed":["triggers"],"intent":"x"}`)
	// Encoded as plannedPrivate reads it; the resource's ModifyPlan copies
	// the key it gets through the framework's API (GetKey) to another key
	// (SetKey).
	prior, err := json.Marshal(map[string][]byte{"in": marker})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: "echo_private", PriorState: value("a"), ProposedNewState: value("b"), Config: value("b"),
		PriorPrivate: prior,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("diagnostic: %s: %s", d.Summary, d.Detail)
	}
	planned := context.WithValue(ctx, plannedPrivateKey{}, resp.PlannedPrivate)
	if got := plannedPrivate(planned, "out"); string(got) != string(marker) {
		t.Fatalf("plannedPrivate decodes %q from the framework's planned private state %q, want %q", got, resp.PlannedPrivate, marker)
	}
	if got := plannedPrivate(planned, "missing"); got != nil {
		t.Errorf("a key the framework did not set decodes as %q", got)
	}
	if m := decodeActAgain(plannedPrivate(planned, "out")); !m.asked("triggers") || m.Intent != "x" {
		t.Errorf("the marker decoded from the framework's private state is %+v", m)
	}
}

type privateEchoProvider struct{}

func (*privateEchoProvider) Metadata(_ context.Context, _ fwprovider.MetadataRequest, resp *fwprovider.MetadataResponse) {
	resp.TypeName = "echo"
}
func (*privateEchoProvider) Schema(context.Context, fwprovider.SchemaRequest, *fwprovider.SchemaResponse) {
}
func (*privateEchoProvider) Configure(context.Context, fwprovider.ConfigureRequest, *fwprovider.ConfigureResponse) {
}
func (*privateEchoProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
func (*privateEchoProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return privateEchoResource{} }}
}

// privateEchoResource copies its private state's key "in" to "out" at plan.
type privateEchoResource struct{}

func (privateEchoResource) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "echo_private"
}
func (privateEchoResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{"name": schema.StringAttribute{Required: true}}}
}
func (privateEchoResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	b, diags := req.Private.GetKey(ctx, "in")
	resp.Diagnostics.Append(diags...)
	if len(b) == 0 {
		resp.Diagnostics.AddError("no key", "the framework did not read the key \"in\" from the private state")
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, "out", b)...)
}
func (privateEchoResource) Create(context.Context, resource.CreateRequest, *resource.CreateResponse) {
}
func (privateEchoResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}
func (privateEchoResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {
}
func (privateEchoResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
