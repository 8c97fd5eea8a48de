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

controller=${1:?usage: live_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR}
bubble=${2:?usage: live_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR}
deploy=${3:?usage: live_test.sh WEBSITE_CONTROLLER BUBBLE DEPLOY_DIR}
kubectl=${BUBBLE_KUBECTL:-${XDG_CACHE_HOME:-$HOME/.cache}/bubble/kubernetes-client/usr/bin/kubectl}

fail() {
  echo "website-live: FAIL: $*" >&2
  exit 1
}

[[ -x "$controller" ]] || fail "website-controller not found at \"$controller\""
[[ -x "$bubble" ]] || fail "the bubble program not found (\"$bubble\"): install bubble (cmake --install, or the bubble-dev package) so that bin/bubble sits next to the CMake package"
[[ -x "$kubectl" ]] || fail "kubectl not found at $kubectl: run scripts/setup-deps (it unpacks Debian's kubernetes-client), or set BUBBLE_KUBECTL"
[[ -f "$deploy/website-crd.yaml" ]] || fail "no website-crd.yaml in $deploy"

work=$(mktemp -d)
server_pid=""
controller_pid=""
cleanup() {
  # Only the processes this script started, by their ids.
  for pid in $controller_pid $server_pid; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# On failure: what the server and the controller said.
logs() {
  echo "--- bubble apiserver:" >&2
  cat "$work/server.log" "$work/server.err" >&2 2>/dev/null || true
  echo "--- website-controller:" >&2
  tail -n 50 "$work/controller.log" >&2 2>/dev/null || true
}
fail_with_logs() {
  logs
  fail "$@"
}

# kubectl with a private HOME (its discovery cache) against the server's kubeconfig.
k() {
  HOME="$work/home" "$kubectl" --kubeconfig "$work/kubeconfig" --request-timeout=10s "$@"
}

# Polls `check` (a function name) every 0.2 s for at most 30 s.
await() {
  local what=$1 check=$2
  for _ in $(seq 150); do
    if "$check"; then
      return 0
    fi
    sleep 0.2
  done
  fail_with_logs "timed out after 30 s waiting for $what"
}

mkdir -p "$work/home"

echo "== bubble apiserver (HTTPS)"
"$bubble" apiserver --listen 127.0.0.1:0 --tls --kubeconfig "$work/kubeconfig" \
  >"$work/server.log" 2>"$work/server.err" &
server_pid=$!
server_up() {
  kill -0 "$server_pid" 2>/dev/null || fail_with_logs "bubble apiserver exited early"
  grep -q '^kubeconfig:' "$work/server.log"
}
await "bubble apiserver's kubeconfig: line" server_up

echo "== the CRD"
k apply -f "$deploy/website-crd.yaml" | tee "$work/out"
grep -q 'customresourcedefinition.apiextensions.k8s.io/websites.example.com created' "$work/out" ||
  fail_with_logs "kubectl apply of the CRD did not create it"
crd_served() { k get websites -A >/dev/null 2>&1; }
await "websites to be served" crd_served

echo "== website-controller"
"$controller" --kubeconfig "$work/kubeconfig" --workers 2 >"$work/controller.log" 2>&1 &
controller_pid=$!

k create namespace web
cat >"$work/website.yaml" <<'EOF'
apiVersion: example.com/v1
kind: Website
metadata:
  name: blog
  namespace: web
spec:
  image: nginx:1.25
  replicas: 2
  port: 8080
EOF
k apply -f "$work/website.yaml" | tee "$work/out"
grep -q 'website.example.com/blog created' "$work/out" || fail_with_logs "kubectl apply of the Website did not create it"

controller_alive() {
  kill -0 "$controller_pid" 2>/dev/null || fail_with_logs "website-controller exited early"
}
replicas_are() {
  controller_alive
  [[ "$(k -n web get deployment blog -o 'jsonpath={.spec.replicas}' 2>/dev/null)" == "$want" ]]
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
kill -TERM "$controller_pid"
stopped=0
for _ in $(seq 100); do
  if ! kill -0 "$controller_pid" 2>/dev/null; then
    stopped=1
    break
  fi
  sleep 0.1
done
[[ $stopped == 1 ]] || fail_with_logs "website-controller still runs 10 s after SIGTERM"
code=0
wait "$controller_pid" || code=$?
controller_pid=""
[[ $code == 0 ]] || fail_with_logs "website-controller exited $code after SIGTERM, not 0"
grep -q 'website-controller: stopped' "$work/controller.log" ||
  fail_with_logs "website-controller did not log its stop"

echo "== SIGTERM the server"
kill -TERM "$server_pid"
code=0
wait "$server_pid" || code=$?
server_pid=""
[[ $code == 0 ]] || fail_with_logs "bubble apiserver exited $code after SIGTERM, not 0"
echo "--- website-controller's log:"
cat "$work/controller.log"
echo "website-live: ok"
