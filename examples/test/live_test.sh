#!/usr/bin/env bash
# website-live: the built website-controller against a live `bubble apiserver` (HTTPS), driven by
# kubectl as a user would (docs/production.md, "Try it locally"): the CRD from deploy/, a
# Website, its Deployment and Service appearing, a replicas change followed, the children gone
# with the Website, and a graceful stop on SIGTERM (exit 0).
#
#   live_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR
#
# kubectl: $BUBBLE_KUBECTL, else the one scripts/setup-deps unpacks. Missing programs fail the
# test (exit 1) with a line saying how to get them; they never skip it.
set -euo pipefail

test_name=website-live
controller=${1:?usage: live_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR}
bubble=${2:?usage: live_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR}
deploy=${3:?usage: live_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR}

# On failure: what the server and the controller said.
logs() {
  server_logs
  echo "--- website-controller:" >&2
  tail -n 50 "$work/controller.log" >&2 2>/dev/null || true
}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

start_server_with_crd

echo "== website-controller"
"$controller" --kubeconfig "$work/kubeconfig" --workers 2 >"$work/controller.log" 2>&1 &
controller_pid=$!
pids="$pids $controller_pid"

create_website

controller_alive() {
  kill -0 "$controller_pid" 2>/dev/null || fail_with_logs "website-controller exited early"
}
service_exists() {
  controller_alive
  [[ "$(k -n web get service blog -o 'jsonpath={.spec.ports[0].targetPort}' 2>/dev/null)" == 8080 ]]
}
want=2
await "Deployment web/blog with 2 replicas" replicas_are
await "Service web/blog to port 8080" service_exists
image=$(k -n web get deployment blog -o 'jsonpath={.spec.template.spec.containers[0].image}')
[[ "$image" == nginx:1.25 ]] || fail_with_logs "the Deployment runs \"$image\", not nginx:1.25"
observed() {
  controller_alive
  [[ "$(k -n web get website blog -o 'jsonpath={.status.observedGeneration}' 2>/dev/null)" == \
    "$(k -n web get website blog -o 'jsonpath={.metadata.generation}')" ]]
}
await "the Website's status.observedGeneration" observed

echo "== replicas 2 -> 5"
k -n web patch website blog --type merge -p '{"spec":{"replicas":5}}'
want=5
await "Deployment web/blog to follow to 5 replicas" replicas_are
await "the Website's status.observedGeneration to follow" observed

echo "== delete the Website"
k -n web delete website blog
children_gone() {
  controller_alive
  ! k -n web get deployment blog >/dev/null 2>&1 && ! k -n web get service blog >/dev/null 2>&1
}
await "Deployment and Service web/blog to be deleted" children_gone
for resource in deployment service; do
  if out=$(k -n web get "$resource" blog 2>&1); then
    fail_with_logs "kubectl get $resource web/blog succeeded after the Website's deletion: $out"
  fi
  [[ "$out" == *NotFound* ]] || fail_with_logs "kubectl get $resource web/blog: not NotFound: $out"
done

echo "== SIGTERM the controller: a graceful stop, exit 0"
terminate "$controller_pid" website-controller 10
grep -q 'website-controller: stopped' "$work/controller.log" ||
  fail_with_logs "website-controller did not log its stop"

stop_server
echo "--- website-controller's log:"
cat "$work/controller.log"
echo "website-live: ok"
