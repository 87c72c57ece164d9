package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

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
