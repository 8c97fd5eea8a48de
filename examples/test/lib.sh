# shellcheck shell=bash disable=SC2154  # test_name, controller, bubble, deploy: set by the test
# lib.sh: what the live tests share (sourced by live_test.sh and leader_test.sh, and by bubble's
# own tests of its example programs): checks of the programs, a work directory, cleanup of the
# processes they started, kubectl against the server's kubeconfig, polling, `bubble apiserver
# --tls` (serving the Website CRD for the Website tests).
#
# Before sourcing, a test sets: test_name (its ctest name, for messages), bubble, and for the
# Website tests controller and deploy; and defines logs(), which prints what its programs said,
# and controller_alive(), which fails the test if the controller expected to work has exited. It
# adds the ids of the processes it starts to `pids`; cleanup kills those (and only those) on exit.

kubectl=${BUBBLE_KUBECTL:-${XDG_CACHE_HOME:-$HOME/.cache}/bubble/kubernetes-client/usr/bin/kubectl}

fail() {
  echo "$test_name: FAIL: $*" >&2
  exit 1
}

fail_with_logs() {
  logs
  fail "$@"
}

[[ -z "${controller:-}" || -x "$controller" ]] || fail "the controller program not found at \"$controller\""
[[ -x "$bubble" ]] || fail "the bubble program not found (\"$bubble\"): install bubble (cmake --install, or the bubble-dev package) so that bin/bubble sits next to the CMake package"
[[ -x "$kubectl" ]] || fail "kubectl not found at $kubectl: run scripts/setup-deps (it unpacks Debian's kubernetes-client), or set BUBBLE_KUBECTL"
[[ -z "${deploy:-}" || -f "$deploy/website-crd.yaml" ]] || fail "no website-crd.yaml in $deploy"

work=$(mktemp -d)
pids=""
server_pid=""
cleanup() {
  # Only the processes this script started, by their ids.
  for pid in $pids; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/home"

# Drops $1 from `pids` once it has been waited for (its id may be reused).
forget() {
  local pid kept=""
  for pid in $pids; do
    [[ $pid == "$1" ]] || kept="$kept $pid"
  done
  pids=$kept
}

# kubectl with a private HOME (its discovery cache) against the server's kubeconfig.
k() {
  HOME="$work/home" "$kubectl" --kubeconfig "$work/kubeconfig" --request-timeout=10s "$@"
}

# Polls `check` (a function name) every 0.2 s for at most `seconds` (default 30).
await() {
  local what=$1 check=$2 seconds=${3:-30}
  for _ in $(seq $((seconds * 5))); do
    if "$check"; then
      return 0
    fi
    sleep 0.2
  done
  fail_with_logs "timed out after $seconds s waiting for $what"
}

# `bubble apiserver --tls` on a free port, its kubeconfig in $work/kubeconfig; arguments are
# added to its command line (--error-rate ...).
start_server() {
  echo "== bubble apiserver (HTTPS) $*"
  "$bubble" apiserver --listen 127.0.0.1:0 --tls --kubeconfig "$work/kubeconfig" "$@" \
    >"$work/server.log" 2>"$work/server.err" &
  server_pid=$!
  pids="$pids $server_pid"
  await "bubble apiserver's kubeconfig: line" server_up
}

# start_server, serving Websites.
start_server_with_crd() {
  start_server
  echo "== the CRD"
  k apply -f "$deploy/website-crd.yaml" | tee "$work/out"
  grep -q 'customresourcedefinition.apiextensions.k8s.io/websites.example.com created' "$work/out" ||
    fail_with_logs "kubectl apply of the CRD did not create it"
  await "websites to be served" crd_served
}
server_up() {
  kill -0 "$server_pid" 2>/dev/null || fail_with_logs "bubble apiserver exited early"
  grep -q '^kubeconfig:' "$work/server.log"
}
crd_served() { k get websites -A >/dev/null 2>&1; }

# became_leader PROGRAM ID...: the IDs whose log ($work/ID.log) says "PROGRAM: ID became leader",
# space-separated.
became_leader() {
  local program=$1 id out=""
  shift
  for id in "$@"; do
    grep -q "$program: $id became leader" "$work/$id.log" && out="$out $id"
  done
  echo "${out# }"
}

# Whether process $1 has exited within $2 seconds (polled every 0.1 s).
exits_within() {
  local pid=$1 seconds=$2
  for _ in $(seq $((seconds * 10))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# SIGTERMs process $1 (named $2 in messages), which must exit 0 within $3 seconds.
terminate() {
  local pid=$1 what=$2 seconds=$3 code=0
  kill -TERM "$pid"
  exits_within "$pid" "$seconds" || fail_with_logs "$what still runs $seconds s after SIGTERM"
  wait "$pid" || code=$?
  forget "$pid"
  [[ $code == 0 ]] || fail_with_logs "$what exited $code after SIGTERM, not 0"
}

stop_server() {
  echo "== SIGTERM the server"
  terminate "$server_pid" "bubble apiserver" 30
}

# Namespace web and Website web/blog (nginx:1.25, 2 replicas, port 8080), applied with kubectl.
create_website() {
  k create namespace web
  cat >"$work/website.yaml" <<'YAML'
apiVersion: example.com/v1
kind: Website
metadata:
  name: blog
  namespace: web
spec:
  image: nginx:1.25
  replicas: 2
  port: 8080
YAML
  k apply -f "$work/website.yaml" | tee "$work/out"
  grep -q 'website.example.com/blog created' "$work/out" ||
    fail_with_logs "kubectl apply of the Website did not create it"
}

# Whether Deployment web/blog has $want replicas; first controller_alive (the test's) fails the
# test if the controller expected to work has exited.
replicas_are() {
  controller_alive
  [[ "$(k -n web get deployment blog -o 'jsonpath={.spec.replicas}' 2>/dev/null)" == "$want" ]]
}

# The server's output, for logs().
server_logs() {
  echo "--- bubble apiserver:" >&2
  cat "$work/server.log" "$work/server.err" >&2 2>/dev/null || true
}
