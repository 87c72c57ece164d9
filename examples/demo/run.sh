#!/usr/bin/env bash
# Runs the demo: builds the provider into a local mirror, starts the GitLab
# simulator with its seeded demo project and a quick simulated runner, applies
# this folder's configuration with OpenTofu (or DEMO_TF): read the release's
# image digest from its build's artifacts, retry the failed jobs of the
# latest pipeline, play the manual deploy job, cancel the stuck job, keep the
# release build's artifacts, erase an old job. Then prints what happened, plans again (which must
# show no changes: nothing is done twice), and stops the simulator.
# Any failure (a job that fails, an action GitLab refuses) exits non-zero.
# Called by `make demo`, which builds OpenTofu and the simulator first.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tf="${DEMO_TF:-$root/bin/tofu}"
sim="${GITLABSIM:-$root/bin/gitlabsim}"
version="0.0.1"
work="$here/.demo"
tfname="$(basename "$tf")"

rm -rf "$work"
mkdir -p "$work/config"
cp "$here"/*.tf "$work/config/"

echo "==> Building the provider into a local mirror"
"$root/tools/local-mirror.sh" "$work" "$version"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc"

echo "==> Starting the GitLab simulator (seed: internal/gitlabsim/seed/demo.json)"
# The runner picks a job up a second after it is queued; a job runs 3 s
# unless the seed scripts otherwise (the e2e test 4 s, the deploy 5 s).
"$sim" -addr 127.0.0.1:0 -env-file "$work/sim.env" -pickup-delay 1s -run-duration 3s > "$work/sim.log" 2>&1 &
sim_pid=$!
stop_sim() {
  kill "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
}
trap stop_sim EXIT
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
echo "    project demo-group/platform/deploy-service, pipeline 903: build passed, e2e-test failed,"
echo "    deploy waits to be played, smoke-test is stuck waiting for a GPU runner;"
echo "    pipeline 904 of the tag v1.4.0 succeeded: its build left version.txt and image-digest.txt"

echo "==> $tfname init"
"$tf" -chdir="$work/config" init -input=false -no-color > "$work/init.log" || { cat "$work/init.log"; exit 1; }

# Shows a command's progress (the plan's actions and outputs, resources being
# created), keeping its full output in .demo/LOG; on failure prints all of it.
run_shown() {
  local log="$work/$1"
  shift
  if ! "$@" -no-color 2>&1 | tee "$log" | awk '
      /^Changes to Outputs:/ { outputs = 1 }
      outputs && /^$/ { outputs = 0 }
      outputs || /^  # / || /^Plan:/ || /Reading\.\.\.|Read complete|Creating\.\.\.|Still creating|Creation complete|^Apply complete/ { print "    " $0; fflush() }'; then
    echo "==> $tfname failed; its full output ($log):" >&2
    cat "$log" >&2
    exit 1
  fi
}

echo "==> 1. $tfname plan: the failed jobs of pipeline 903, the release's image digest, and what to do"
run_shown plan.log "$tf" -chdir="$work/config" plan -input=false -out=release.tfplan

echo "==> 2. $tfname apply: retry the failed jobs, then play the deploy and keep the release build's artifacts;"
echo "    cancel the stuck job; erase an old job"
run_shown apply.log "$tf" -chdir="$work/config" apply -input=false release.tfplan

echo
echo "==> 3. What happened"
"$tf" -chdir="$work/config" output -raw summary
echo
echo
echo "    deploy job: $("$tf" -chdir="$work/config" output -raw deploy_job_url)"
echo "    image deployed: $("$tf" -chdir="$work/config" output -raw release_image_digest)" \
  "(read from the artifacts of job $("$tf" -chdir="$work/config" output -raw release_build_job_id), kept)"

echo
echo "==> 4. $tfname plan again: each action happened once, so a second run has nothing to do"
rc=0
"$tf" -chdir="$work/config" plan -input=false -no-color -detailed-exitcode > "$work/replan.log" 2>&1 || rc=$?
case "$rc" in
  0) echo "    No changes." ;;
  2)
    echo "==> the second plan wants changes: the configuration does not converge ($work/replan.log):" >&2
    cat "$work/replan.log" >&2
    exit 1
    ;;
  *)
    echo "==> the second plan failed ($work/replan.log):" >&2
    cat "$work/replan.log" >&2
    exit 1
    ;;
esac
stop_sim
trap - EXIT
cat <<'NEXT'

Done; the simulator has stopped. Where to look next:
  - examples/demo/main.tf     this story as configuration
  - docs/                     every resource and data source (docs/index.md: authentication), and
                              docs/guides/: release automation, GitLab CI, local development
  - examples/resources/, examples/data-sources/
  - make sim                  the seeded simulator on http://127.0.0.1:8080, to explore with curl or your own configuration
NEXT
