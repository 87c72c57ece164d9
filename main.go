// Command terraform-provider-gitlabjobs serves the gitlabjobs Terraform provider
// (plugin protocol v6).
package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	// The framework's server, passing the planned private state on to
	// Create (internal/provider/server.go).
	server := provider.NewProtocol6Server(version)
	if err := tf6server.Serve(provider.Address, func() tfprotov6.ProviderServer {
		s, err := server()
		if err != nil {
			log.Fatal(err.Error())
		}
		return s
	}, opts...); err != nil {
		log.Fatal(err.Error())
	}
}
