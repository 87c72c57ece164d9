// Command terraform-provider-gitlabjobs serves the gitlabjobs Terraform provider
// (plugin protocol v6).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

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

	opts := providerserver.ServeOpts{
		Address:         provider.Address,
		Debug:           debug,
		ProtocolVersion: 6,
	}
	if err := providerserver.Serve(context.Background(), provider.New(version), opts); err != nil {
		log.Fatal(err.Error())
	}
}
