#!/usr/bin/env bash
# Regenerates docs/ with tfplugindocs, offline: the provider schema comes from
# the built OpenTofu (`tofu providers schema -json`) instead of a downloaded Terraform.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tf="${TF_BIN:-$root/bin/tofu}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$root/tools/local-mirror.sh" "$work" 0.0.1
mkdir -p "$work/config"
cat > "$work/config/main.tf" <<'TF'
terraform {
  required_providers {
    gitlabjobs = {
      source = "registry.terraform.io/gitlabjobs/gitlabjobs"
    }
  }
}
TF
export TF_CLI_CONFIG_FILE="$work/cli.tfrc"
"$tf" -chdir="$work/config" init -input=false -no-color > "$work/init.log" || { cat "$work/init.log"; exit 1; }
# tfplugindocs looks the schema up by the provider's short name.
"$tf" -chdir="$work/config" providers schema -json \
  | sed 's#"registry.terraform.io/gitlabjobs/gitlabjobs":#"gitlabjobs":#' > "$work/schema.json"

cd "$root"
"$root/bin/tfplugindocs" generate --provider-name gitlabjobs --rendered-provider-name "GitLab Jobs" \
  --providers-schema "$work/schema.json"
"$root/bin/tfplugindocs" validate --provider-name gitlabjobs --providers-schema "$work/schema.json"

# Every relative link of the docs, the READMEs and the changelog names a file
# that exists (a guide that was only promised fails here).
broken=0
while IFS= read -r md; do
  while IFS= read -r target; do
    target="${target%%#*}"
    case "$target" in ""|http://*|https://*|mailto:*) continue ;; esac
    [ -e "$(dirname "$md")/$target" ] || { echo "$md: broken link to $target" >&2; broken=1; }
  done < <(grep -oE '\]\([^)[:space:]]+\)' "$md" | sed -E 's/^\]\((.*)\)$/\1/')
done < <(find docs -name '*.md'; ls README.md CHANGELOG.md examples/README.md 2>/dev/null)
[ "$broken" -eq 0 ] || { echo "fix the links above (templates/, examples/ or the README)" >&2; exit 1; }
