#!/usr/bin/env bash
# website-leader: two website-controllers with --leader-elect against one live `bubble apiserver`
# (HTTPS), driven by kubectl (docs/production.md, "Leader election"): one becomes leader and
# reconciles a Website; killed with SIGKILL (no release), the other takes over within the lease
# and reconciles a replicas change; the Lease names it; on SIGTERM it releases the Lease (holder
# empty) and exits 0.
#
#   leader_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR
#
# kubectl: $BUBBLE_KUBECTL, else the one scripts/setup-deps unpacks. Missing programs fail the
# test (exit 1) with a line saying how to get them; they never skip it.
set -euo pipefail

test_name=website-leader
controller=${1:?usage: leader_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR}
bubble=${2:?usage: leader_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR}
deploy=${3:?usage: leader_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR}

candidates=(candidate-a candidate-b)

# On failure: what the server and both controllers said.
logs() {
  server_logs
  for id in "${candidates[@]}"; do
    echo "--- website-controller $id:" >&2
    tail -n 50 "$work/$id.log" >&2 2>/dev/null || true
  done
}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

start_server_with_crd

echo "== two website-controllers with --leader-elect"
declare -A pid_of
for id in "${candidates[@]}"; do
  "$controller" --kubeconfig "$work/kubeconfig" --workers 2 --leader-elect --identity "$id" \
    --lease-duration 6s --renew-deadline 4s --retry-period 1s >"$work/$id.log" 2>&1 &
  pid_of[$id]=$!
  pids="$pids ${pid_of[$id]}"
done

leaders() { became_leader website-controller "${candidates[@]}"; }
alive() {
  local id
  for id in "$@"; do
    kill -0 "${pid_of[$id]}" 2>/dev/null || fail_with_logs "website-controller $id exited early"
  done
}
one_leader() {
  alive "${candidates[@]}"
  [[ -n "$(leaders)" ]]
}
await "a candidate to log \"became leader\"" one_leader
leader=$(leaders)
[[ $leader == candidate-a || $leader == candidate-b ]] ||
  fail_with_logs "more than one candidate became leader: $leader"
survivor=candidate-a
[[ $leader == candidate-b ]] || survivor=candidate-b
echo "leader: $leader, standby: $survivor"

holder() { k -n default get lease website-controller -o 'jsonpath={.spec.holderIdentity}'; }
[[ "$(holder)" == "$leader" ]] || fail_with_logs "the Lease's holder is \"$(holder)\", not $leader"

echo "== the leader reconciles a Website"
working=("${candidates[@]}")
controller_alive() { alive "${working[@]}"; }
create_website
want=2
await "Deployment web/blog with 2 replicas" replicas_are
grep -q "website-controller: $survivor became leader" "$work/$survivor.log" &&
  fail_with_logs "the standby $survivor became leader while $leader led"

echo "== SIGKILL the leader ($leader): no release; $survivor takes over once the lease expires"
kill -KILL "${pid_of[$leader]}"
wait "${pid_of[$leader]}" 2>/dev/null || true
forget "${pid_of[$leader]}"
working=("$survivor")
survivor_leads() {
  alive "$survivor"
  grep -q "website-controller: $survivor became leader" "$work/$survivor.log"
}
await "$survivor to log \"became leader\"" survivor_leads 30
[[ "$(holder)" == "$survivor" ]] || fail_with_logs "the Lease's holder is \"$(holder)\", not $survivor"

echo "== the new leader reconciles: replicas 2 -> 5"
k -n web patch website blog --type merge -p '{"spec":{"replicas":5}}'
want=5
await "Deployment web/blog to follow to 5 replicas" replicas_are

echo "== SIGTERM the new leader: it releases the Lease and exits 0"
terminate "${pid_of[$survivor]}" "website-controller $survivor" 10
grep -q "website-controller: $survivor stopped leading" "$work/$survivor.log" ||
  fail_with_logs "website-controller $survivor did not log that it stopped leading"
grep -q 'lost leadership' "$work/$survivor.log" &&
  fail_with_logs "website-controller $survivor logged a lost leadership on SIGTERM"
[[ -z "$(holder)" ]] || fail_with_logs "the Lease still names \"$(holder)\" after $survivor's SIGTERM; release_on_cancel clears it"

stop_server
for id in "${candidates[@]}"; do
  echo "--- website-controller $id's log:"
  cat "$work/$id.log"
done
echo "website-leader: ok"
