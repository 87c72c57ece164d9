#!/usr/bin/env bash
# Usage: tools/local-mirror.sh DIR VERSION
# Builds the provider into DIR/mirror as registry.terraform.io/gitlabjobs/gitlabjobs
# VERSION and writes DIR/cli.tfrc, a CLI configuration that installs it from there,
# so `init` works offline exactly as it would from the registry.
set -euo pipefail
dir="$1" version="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
platform="$(go env GOOS)_$(go env GOARCH)"
pkg="$dir/mirror/registry.terraform.io/gitlabjobs/gitlabjobs/$version/$platform"
mkdir -p "$pkg"
(cd "$root" && go build -ldflags "-X main.version=$version" -o "$pkg/terraform-provider-gitlabjobs_v$version" .)
cat > "$dir/cli.tfrc" <<CFG
disable_checkpoint = true
provider_installation {
  filesystem_mirror {
    path    = "$dir/mirror"
    include = ["registry.terraform.io/gitlabjobs/gitlabjobs"]
  }
}
CFG
