// Command terraform-provider-gitlabjobs serves the gitlabjobs Terraform provider
// (plugin protocol v6).
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

// Set by the release build (.goreleaser.yml: -ldflags "-X main.version=... -X main.commit=...").
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debug, showVersion bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.BoolVar(&showVersion, "version", false, "print the provider's version and the commit it was built from, and exit")
	flag.Parse()

	if showVersion {
		fmt.Printf("terraform-provider-gitlabjobs %s (commit %s)\n", version, commit)
		return
	}

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
