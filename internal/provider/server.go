package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// The job action resources want their planned private state in Create (see
// common_operations.go: a replacement the user asked for carries a marker from
// the plan). terraform-plugin-framework (v1.19) receives it with every
// ApplyResourceChange but does not hand it to Resource.Create, so the
// provider's server passes it on in the request's context. (Terraform 1.11
// and OpenTofu re-plan a replacement's create at apply without it, so the
// resources also keep the marker from the delete half: common_operations.go.)

// fullServer is every RPC group the framework's server answers;
// terraform-plugin-go finds the optional ones (actions, list resources,
// state stores) by type assertion. They are named by their groups, not by
// the deprecated ProviderServerWith* interfaces that bundle them.
type fullServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ActionServer
	tfprotov6.ListResourceServer
	tfprotov6.StateStoreServer
}

// privateToCreate is the framework's server, with the planned private state
// of each ApplyResourceChange put in its context.
type privateToCreate struct{ fullServer }

func (s privateToCreate) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if req != nil && len(req.PlannedPrivate) > 0 {
		ctx = context.WithValue(ctx, plannedPrivateKey{}, req.PlannedPrivate)
	}
	return s.fullServer.ApplyResourceChange(ctx, req)
}

type plannedPrivateKey struct{}

// plannedPrivate is the provider's key of the planned private state of the
// resource being applied, or nil. The framework stores its private state as
// a JSON object of keys to (base64) JSON values.
func plannedPrivate(ctx context.Context, key string) []byte {
	raw, _ := ctx.Value(plannedPrivateKey{}).([]byte)
	if len(raw) == 0 {
		return nil
	}
	var m map[string][]byte
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m[key]
}

// NewProtocol6Server serves the provider over plugin protocol v6: the
// framework's server, passing the planned private state on to Create. main
// and the acceptance tests serve it through this.
func NewProtocol6Server(version string) func() (tfprotov6.ProviderServer, error) {
	framework := providerserver.NewProtocol6WithError(New(version)())
	return func() (tfprotov6.ProviderServer, error) {
		srv, err := framework()
		if err != nil {
			return nil, err
		}
		full, ok := srv.(fullServer)
		if !ok {
			return srv, nil // a framework without these RPC groups: no marker, so Create never acts again
		}
		return privateToCreate{full}, nil
	}
}
