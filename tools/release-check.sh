#!/usr/bin/env bash
# Usage: tools/release-check.sh GORELEASER
# Proves the release configuration (.goreleaser.yml) works, offline: GoReleaser
# validates it, then builds a snapshot of every target (binaries, zips, the
# registry manifest, SHA256SUMS) into dist/ without publishing or signing, and
# this script checks what a release would upload.
set -euo pipefail
goreleaser="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# GoReleaser builds HEAD from a clone, as a release builds its tag from a
# fresh checkout: nothing uncommitted or untracked gets in, and its git state
# (commit, remote) is complete even where this checkout has no remote.
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "release-check: uncommitted changes are not built; building HEAD $(git rev-parse --short HEAD)" >&2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone --quiet "$root" "$work/src"
(
  cd "$work/src"
  "$goreleaser" check
  "$goreleaser" release --snapshot --clean --skip=publish,sign
)
rm -rf dist
mv "$work/src/dist" dist

# Every platform the registry gets, and none Go cannot build (windows/arm).
want=(darwin_amd64 darwin_arm64
  freebsd_386 freebsd_amd64 freebsd_arm freebsd_arm64
  linux_386 linux_amd64 linux_arm linux_arm64
  windows_386 windows_amd64 windows_arm64)
shopt -s nullglob
zips=(dist/terraform-provider-gitlabjobs_*.zip)
fail=0
for p in "${want[@]}"; do
  found=(dist/terraform-provider-gitlabjobs_*_"$p".zip)
  [ ${#found[@]} -eq 1 ] || { echo "release-check: no archive for $p in dist/" >&2; fail=1; }
done
[ ${#zips[@]} -eq ${#want[@]} ] || { echo "release-check: ${#zips[@]} archives in dist/, want ${#want[@]}" >&2; fail=1; }
sums=(dist/terraform-provider-gitlabjobs_*_SHA256SUMS)
if [ ${#sums[@]} -eq 1 ]; then
  # SHA256SUMS covers every archive and the registry manifest (uploaded as
  # <name>_<version>_manifest.json), and its sums are right.
  [ "$(wc -l < "${sums[0]}")" -eq $((${#want[@]} + 1)) ] \
    || { echo "release-check: ${sums[0]} does not list every archive and the manifest" >&2; fail=1; }
  (cd dist && grep '\.zip$' "$(basename "${sums[0]}")" | sha256sum --quiet -c -) || fail=1
  manifest_sum="$(sha256sum < "$work/src/terraform-registry-manifest.json" | cut -d' ' -f1)"
  grep -Eq "^$manifest_sum  terraform-provider-gitlabjobs_.*_manifest\.json$" "${sums[0]}" \
    || { echo "release-check: ${sums[0]} has no line for terraform-registry-manifest.json as _manifest.json" >&2; fail=1; }
else
  echo "release-check: no SHA256SUMS file in dist/" >&2; fail=1
fi
# Each archive holds the one binary the registry runs, and the LICENSE
# (GoReleaser adds the README and CHANGELOG too).
for z in "${zips[@]}"; do
  files="$(unzip -Z1 "$z")"
  [ "$(grep -c '^terraform-provider-gitlabjobs_v' <<<"$files")" -eq 1 ] && grep -qx LICENSE <<<"$files" \
    || { echo "release-check: $z holds $(tr '\n' ' ' <<<"$files"), want one terraform-provider-gitlabjobs_v<version> binary and LICENSE" >&2; fail=1; }
done

# The host's binary reports the version and the commit it was built from.
host="$(go env GOOS)_$(go env GOARCH)"
bins=(dist/*_"$host"*/terraform-provider-gitlabjobs_v*)
if [ ${#bins[@]} -eq 1 ]; then
  out="$("${bins[0]}" -version)"
  commit="$(git -C "$work/src" rev-parse HEAD)"
  case "$out" in
    *"(commit $commit)") ;;
    *) echo "release-check: ${bins[0]} -version printed '$out', want the commit $commit" >&2; fail=1 ;;
  esac
else
  echo "release-check: no $host binary in dist/" >&2; fail=1
fi

[ $fail -eq 0 ] || exit 1
echo "release-check: ${#want[@]} platform archives and SHA256SUMS (with the registry manifest) in dist/; nothing published or signed"
