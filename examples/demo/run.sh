#!/usr/bin/env bash
# Runs the demo: builds the provider into a local mirror, starts the GitLab
# simulator with its seeded demo project and a quick simulated runner, and
# sets the project to forbid pipeline variables (GitLab.com's default), and
# applies this folder's configuration with OpenTofu (or DEMO_TF): the whole
# release from one apply (run the tag's pipeline with its inputs and wait for
# its build and tests, read the image digest from its build's artifacts and
# keep them, approve its deployment as the release manager, play its deploy job
# with the digest as a job input and wait), and on main retry a flaky test,
# cancel a stuck job, and erase the previous release's build. Then prints what
# happened, plans again (which must show no changes: nothing is run or done
# twice), and stops the simulator.
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
# unless the seed scripts otherwise (the release pipeline's jobs 2-3 s, the
# retried e2e test 4 s).
# The provider acts as release-bot, a Maintainer bot that is not an
# administrator, under production GitLab's guards: main and the v* tags are
# protected, production is a protected environment the bot may deploy to,
# and deploys are serialized by the resource group production.
"$sim" -addr 127.0.0.1:0 -env-file "$work/sim.env" -as release-bot -pickup-delay 1s -run-duration 3s > "$work/sim.log" 2>&1 &
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

# The release gate: production requires one approval from the release
# managers' group (demo-group/release-managers, which the project is shared
# with), set as a Maintainer sets it (PUT
# /projects/:id/protected_environments/production with an approval rule for
# the group). The release manager is a member of that group, not of the
# project; their token is the seed's (internal/gitlabsim/seed/demo.json), and
# the configuration's aliased provider approves with it.
export TF_VAR_release_manager_token="glpat-release-manager-000000"
api() { curl -fsS -H "PRIVATE-TOKEN: $1" -H "Content-Type: application/json" "${@:2}"; }
group_id="$(api "$TF_VAR_release_manager_token" "${GITLAB_BASE_URL}groups/demo-group%2Frelease-managers" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)"
[ -n "$group_id" ] || { echo "could not read the release managers' group" >&2; exit 1; }
api "$GITLAB_TOKEN" -X PUT "${GITLAB_BASE_URL}projects/demo-group%2Fplatform%2Fdeploy-service/protected_environments/production" \
  -d "{\"approval_rules\":[{\"group_id\":$group_id,\"required_approvals\":1}]}" > /dev/null
echo "    GitLab API at $GITLAB_BASE_URL (the provider reads GITLAB_BASE_URL and GITLAB_TOKEN: release-bot's token)"
echo "    guards: main and v* protected (Maintainers), production a protected environment (deployers release-bot"
echo "    and the group demo-group/release-managers), deploys serialized by the resource group production;"
echo "    deploying to production requires one approval from that group, whose member release-manager may not"
echo "    approve a deployment they triggered."
echo "    project demo-group/platform/deploy-service: the tag v1.4.0 is pushed; its CI configuration builds"
echo "    (artifacts version.txt, image-digest.txt), tests, and holds a manual deploy. On main, pipeline 903"
echo "    failed on a flaky e2e-test and its smoke-test is stuck waiting for a GPU runner."
echo "==> The project forbids pipeline variables, as GitLab.com does by default: PUT /projects/:id with"
echo "    restrict_user_defined_variables=true, ci_pipeline_variables_minimum_override_role=no_one_allowed"
curl -fsS -o /dev/null -X PUT -H "PRIVATE-TOKEN: $GITLAB_TOKEN" \
  --data "restrict_user_defined_variables=true&ci_pipeline_variables_minimum_override_role=no_one_allowed" \
  "${GITLAB_BASE_URL%/}/projects/demo-group%2Fplatform%2Fdeploy-service" ||
  { echo "could not set the project's pipeline variables setting" >&2; exit 1; }
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

echo "==> 1. $tfname plan: run the release's pipeline, deploy what it built, and tidy main"
run_shown plan.log "$tf" -chdir="$work/config" plan -input=false -out=release.tfplan

echo "==> 2. $tfname apply: run the tag's pipeline with its inputs until it waits for its deploy; read and keep"
echo "    its build's artifacts; approve the deploy as release-manager (the gate); play it as release-bot with the"
echo "    image digest as an input; retry main's flaky test, cancel its stuck job;"
echo "    erase the previous release's build"
run_shown apply.log "$tf" -chdir="$work/config" apply -input=false release.tfplan

echo
echo "==> 3. What happened"
"$tf" -chdir="$work/config" output -raw summary
echo
echo
out() { "$tf" -chdir="$work/config" output -raw "$1"; }
echo "    release pipeline: $(out release_pipeline_url)"
echo "    image deployed: $(out release_image) (version $(out release_version);" \
  "read from the artifacts of job $(out release_build_job_id), kept)"
echo "    deploy job: $(out deploy_job_url)"
echo
echo "==> 4. $tfname plan again: the pipeline ran once and each action happened once, so a second run has nothing to do"
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
  - docs/                     every resource and data source, and docs/guides/: release automation,
                              GitLab CI, authentication, lifecycle guarantees, local development, guards
  - examples/resources/, examples/data-sources/
  - make sim                  the seeded simulator on http://127.0.0.1:8080, to explore with curl or your own configuration
NEXT
