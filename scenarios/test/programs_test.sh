#!/usr/bin/env bash
# The suite's example controllers as programs (scenarios/programs/, docs/production.md), against
# a live `bubble apiserver` over HTTPS, driven by Debian's kubectl:
#
#   programs_test.sh mirror BUBBLE PROGRAM_DIR         bubble-mirror-controller mirrors ConfigMaps,
#                                                      repairs drift, stops on SIGTERM (exit 0)
#   programs_test.sh mirror-faults BUBBLE PROGRAM_DIR  the same against a flaky server: failed
#                                                      requests, latency, watches that end, 410s
#   programs_test.sh leader BUBBLE PROGRAM_DIR         three bubble-leader-example replicas: one
#                                                      leads and writes the work log; killed, another
#                                                      takes over; SIGTERM hands the Lease on
#
# kubectl: $BUBBLE_KUBECTL, else the one scripts/setup-deps unpacks. Missing programs fail the
# test (exit 1) with a line saying how to get them; they never skip it.
set -euo pipefail

mode=${1:?usage: programs_test.sh mirror|mirror-faults|leader BUBBLE PROGRAM_DIR}
bubble=${2:?usage: programs_test.sh MODE BUBBLE PROGRAM_DIR}
programs=${3:?usage: programs_test.sh MODE BUBBLE PROGRAM_DIR}
test_name="scenarios/$mode-live"

declare -A pid_of
# On failure: what the server and the programs said.
logs() {
  server_logs
  local id
  for id in "${!pid_of[@]}"; do
    echo "--- $id:" >&2
    tail -n 60 "$work/$id.log" >&2 2>/dev/null || true
  done
}
alive() {
  local id
  for id in "$@"; do
    kill -0 "${pid_of[$id]}" 2>/dev/null || fail_with_logs "$id exited early"
  done
}

# shellcheck source-path=SCRIPTDIR source=../../examples/test/lib.sh
source "$(dirname "$0")/../../examples/test/lib.sh"

# kubectl, retried while the server injects faults: only for steps that are safe to repeat after
# a failure that happened once the server had applied them (apply, delete --ignore-not-found).
kr() {
  local try
  for try in $(seq 40); do
    if k "$@" >"$work/kr.out" 2>"$work/kr.err"; then
      cat "$work/kr.out"
      return 0
    fi
    sleep 0.1
  done
  cat "$work/kr.err" >&2
  fail_with_logs "kubectl $* failed 40 times"
}

# probe PROGRAM_LOG PATH: "STATUS LAST-BODY-LINE" ("200 ok") of GET PATH on the health probe
# address the program logged ("serving /healthz and /readyz on HOST:PORT"), over bash's /dev/tcp.
probe() {
  local address host port
  address=$(sed -n 's|.*serving /healthz and /readyz on \([^ ]*\).*|\1|p' "$1" | head -1)
  [[ -n $address ]] || fail_with_logs "no health probe address in $1"
  host=${address%:*}
  port=${address##*:}
  exec 3<>"/dev/tcp/$host/$port"
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$2" "$address" >&3
  tr -d '\r' <&3 | sed -n '1s|^HTTP/[0-9.]* \([0-9]*\).*|\1|p;$p' | paste -sd ' '
  exec 3<&-
}

# apply_cms NS VALUE NAME...: ConfigMaps NS/NAME with data v=VALUE, one kubectl apply each (one
# apply of many would need every one of its requests to get through a flaky server at once).
apply_cms() {
  local ns=$1 value=$2 name
  shift 2
  for name in "$@"; do
    cat >"$work/cm.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: $name
  namespace: $ns
data:
  v: "$value"
YAML
    kr apply -f "$work/cm.yaml" >/dev/null
  done
}

mirror_test() {
  local faults=$1
  if [[ $faults == yes ]]; then
    # A fifth of the requests fail, every request waits up to 30 ms each way, watches end within
    # 2 s and half the re-watches find their resourceVersion compacted (410).
    start_server --error-rate 20 --latency 0..30ms --watch-lifetime 2s --expire-rate 50
  else
    start_server
  fi
  # Applied, not created: a create whose answer was lost (an injected fault after the write)
  # would meet AlreadyExists on every retry.
  local ns
  for ns in src mirror; do
    printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$ns" >"$work/ns.yaml"
    kr apply -f "$work/ns.yaml" >/dev/null
  done

  echo "== bubble-mirror-controller"
  "$programs/bubble-mirror-controller" --kubeconfig "$work/kubeconfig" --workers 2 \
    --log-level debug --health-probe-bind-address 127.0.0.1:0 >"$work/mirror.log" 2>&1 &
  pid_of[mirror]=$!
  pids="$pids ${pid_of[mirror]}"
  controller_alive() { alive mirror; }

  echo "== sources: 20 created, 10 updated, 4 deleted"
  apply_cms src 0 $(seq -f 'cm%g' 20)
  apply_cms src 1 $(seq -f 'cm%g' 10)
  local name
  for name in $(seq -f 'cm%g' 17 20); do
    kr -n src delete configmap "$name" --ignore-not-found >/dev/null
  done

  # name=v lines of a namespace's ConfigMaps, sorted.
  cm_data() {
    k -n "$1" get configmaps -o 'jsonpath={range .items[*]}{.metadata.name}={.data.v}{"\n"}{end}' |
      sort
  }
  # Whether both namespaces hold the same 16 name=v lines (a read that fails is a no).
  mirrored() {
    controller_alive
    local s m
    s=$(cm_data src 2>/dev/null) && m=$(cm_data mirror 2>/dev/null) && [[ "$s" == "$m" ]] &&
      [[ "$(wc -l <<<"$s")" == 16 ]]
  }
  # Under faults a reflector whose list or watch failed backs off as client-go's does: up to 30 s,
  # jittered up to twice that, with a stale cache (and Conflicts) meanwhile.
  local bound=30
  [[ $faults == no ]] || bound=150
  await "the mirror namespace to hold the sources" mirrored "$bound"
  [[ "$(probe "$work/mirror.log" /healthz)" == "200 ok" ]] ||
    fail_with_logs "/healthz answered \"$(probe "$work/mirror.log" /healthz)\", not 200 ok"
  [[ "$(probe "$work/mirror.log" /readyz)" == "200 ok" ]] ||
    fail_with_logs "/readyz answered \"$(probe "$work/mirror.log" /readyz)\", not 200 ok"
  [[ "$(probe "$work/mirror.log" /metrics)" == "404 404 page not found" ]] ||
    fail_with_logs "/metrics answered \"$(probe "$work/mirror.log" /metrics)\", not 404"

  echo "== drift in the mirror is repaired"
  kr -n mirror delete configmap cm2 --ignore-not-found >/dev/null
  apply_cms mirror drifted cm3
  apply_cms mirror 1 stray  # no source: deleted
  await "the mirror to be repaired" mirrored "$bound"

  if [[ $faults == yes ]]; then
    echo "== the faults were on and reached the controller"
    grep -q '^faults: 20% of API requests fail' "$work/server.log" ||
      fail_with_logs "bubble apiserver did not announce its faults"
    # The controller writes at least 37 times (20 creates, 10 updates, 4 deletes, 3 repairs): at
    # 20%, none failing is as likely as 0.8^37, under 1 in 3,000.
    grep -q 'Error syncing; requeuing' "$work/mirror.log" ||
      fail_with_logs "no reconcile failed: the injected errors did not reach the controller"
  fi

  echo "== SIGTERM: a graceful stop, exit 0"
  terminate "${pid_of[mirror]}" bubble-mirror-controller 10
  unset 'pid_of[mirror]'
  grep -q 'bubble-mirror-controller: stopped' "$work/mirror.log" ||
    fail_with_logs "bubble-mirror-controller did not log that it stopped"
  stop_server
  echo "$test_name: ok"
}

leader_test() {
  start_server
  local replicas=(r1 r2 r3) id
  echo "== three bubble-leader-example replicas"
  for id in "${replicas[@]}"; do
    "$programs/bubble-leader-example" --kubeconfig "$work/kubeconfig" --identity "$id" \
      --lease-duration 6s --renew-deadline 4s --retry-period 1s \
      --health-probe-bind-address 127.0.0.1:0 >"$work/$id.log" 2>&1 &
    pid_of[$id]=$!
    pids="$pids ${pid_of[$id]}"
  done
  working=("${replicas[@]}")
  controller_alive() { alive "${working[@]}"; }
  leaders() { became_leader bubble-leader-example "${replicas[@]}"; }
  holder() { k -n default get lease bubble-leader-example -o 'jsonpath={.spec.holderIdentity}'; }
  writer() { k -n default get configmap work-log -o 'jsonpath={.data.writer}' 2>/dev/null; }
  some_leader() {
    controller_alive
    [[ -n "$(leaders)" ]]
  }
  await "a replica to log \"became leader\"" some_leader
  local leader
  leader=$(leaders)
  [[ $leader != *" "* ]] || fail_with_logs "more than one replica became leader: $leader"
  echo "leader: $leader"
  [[ "$(holder)" == "$leader" ]] || fail_with_logs "the Lease's holder is \"$(holder)\", not $leader"
  writes_as() {
    controller_alive
    [[ "$(writer)" == "$want" ]]
  }
  want=$leader
  await "work-log to be written by $leader" writes_as
  for id in "${replicas[@]}"; do
    [[ "$(probe "$work/$id.log" /healthz)" == "200 ok" ]] ||
      fail_with_logs "$id's /healthz answered \"$(probe "$work/$id.log" /healthz)\", not 200 ok"
  done

  echo "== SIGKILL the leader ($leader): no release; another takes over once the lease expires"
  kill -KILL "${pid_of[$leader]}"
  wait "${pid_of[$leader]}" 2>/dev/null || true
  forget "${pid_of[$leader]}"
  unset "pid_of[$leader]"
  local rest=()
  for id in "${replicas[@]}"; do
    [[ $id == "$leader" ]] || rest+=("$id")
  done
  working=("${rest[@]}")
  new_leader() {
    controller_alive
    [[ "$(leaders)" != "$leader" ]]
  }
  await "a standby to log \"became leader\"" new_leader 30
  local second
  second=$(leaders)
  second=${second//$leader/}
  second=$(echo "$second" | xargs)
  [[ $second != *" "* ]] || fail_with_logs "more than one standby became leader: $second"
  want=$second
  await "work-log to be written by $second" writes_as

  echo "== SIGTERM the new leader ($second): it releases the Lease, the last replica takes over"
  terminate "${pid_of[$second]}" "bubble-leader-example $second" 10
  unset "pid_of[$second]"
  grep -q "bubble-leader-example: $second stopped leading" "$work/$second.log" ||
    fail_with_logs "$second did not log that it stopped leading"
  local third
  for id in "${rest[@]}"; do
    [[ $id == "$second" ]] || third=$id
  done
  working=("$third")
  want=$third
  await "work-log to be written by $third" writes_as 20
  [[ "$(holder)" == "$third" ]] || fail_with_logs "the Lease's holder is \"$(holder)\", not $third"

  echo "== SIGTERM the last replica: the Lease is released"
  terminate "${pid_of[$third]}" "bubble-leader-example $third" 10
  unset "pid_of[$third]"
  [[ -z "$(holder)" ]] || fail_with_logs "the Lease still names \"$(holder)\" after SIGTERM"
  stop_server
  echo "$test_name: ok"
}

case $mode in
  mirror) mirror_test no ;;
  mirror-faults) mirror_test yes ;;
  leader) leader_test ;;
  *) fail "unknown mode \"$mode\": give mirror, mirror-faults or leader" ;;
esac
