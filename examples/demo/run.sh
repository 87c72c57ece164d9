#!/usr/bin/env bash
# Runs the demo: builds the provider into a local mirror, starts the GitLab
# simulator with its seeded demo project, applies this folder's configuration
# with OpenTofu (or DEMO_TF), prints the outputs and stops the simulator.
# Called by `make demo`, which builds OpenTofu and the simulator first.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tf="${DEMO_TF:-$root/bin/tofu}"
sim="${GITLABSIM:-$root/bin/gitlabsim}"
version="0.0.1"
work="$here/.demo"

rm -rf "$work"
mkdir -p "$work/config"
cp "$here"/*.tf "$work/config/"

echo "==> Building the provider into a local mirror"
"$root/tools/local-mirror.sh" "$work" "$version"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc"

echo "==> Starting the GitLab simulator"
"$sim" -addr 127.0.0.1:0 -env-file "$work/sim.env" > "$work/sim.log" 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [ -s "$work/sim.env" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log"; echo "the simulator exited" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/sim.env" ] || { cat "$work/sim.log"; echo "the simulator did not start" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
. "$work/sim.env"
set +a
echo "    GitLab API at $GITLAB_BASE_URL (the provider reads GITLAB_BASE_URL and GITLAB_TOKEN)"

echo "==> $(basename "$tf") init"
"$tf" -chdir="$work/config" init -input=false -no-color > "$work/init.log" || { cat "$work/init.log"; exit 1; }
echo "==> $(basename "$tf") apply (its outputs follow)"
"$tf" -chdir="$work/config" apply -input=false -auto-approve
echo
echo "Done. The simulator has stopped; run 'make sim' to explore it yourself, and see docs/ for every data source."
