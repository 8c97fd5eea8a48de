#!/usr/bin/env bash
# tools/test/kubectl_test.sh BUBBLE [KUBECTL]: Debian's kubectl 1.20 (scripts/setup-deps unpacks it
# into ~/.cache/bubble/kubernetes-client) against both of bubble's API servers, checking exit
# codes and output:
#   - live: `bubble apiserver` (writes allowed, on the real-time loop), over HTTP and HTTPS:
#     apply -f of a ConfigMap, a Deployment, a CRD and its custom resource; get -o yaml/json,
#     get -A, label selectors, label, patch (merge, JSON, strategic), get --watch seeing a change
#     made by a second kubectl, describe, delete; requests bubble does not serve get a Status.
#   - flaky: `bubble apiserver` with faults: with --error-rate 100 every API request fails with a
#     Status of the documented mix (429 with Retry-After) while discovery, /version and custom
#     resources stay served; with --watch-lifetime a watch stream ends by itself with the chunked
#     terminator (raw HTTP over bash's /dev/tcp); with --expire-rate 100 a watch from an older
#     resourceVersion gets a 410 ERROR event; zeros turn faults off; bad values exit 2.
#   - frozen: `bubble run ... --serve` of a failing seed (read-only), at the end and --pause-at.
set -u
bubble="$1"
kubectl="${2:-${BUBBLE_KUBECTL:-${XDG_CACHE_HOME:-$HOME/.cache}/bubble/kubernetes-client/usr/bin/kubectl}}"
here="$(cd "$(dirname "$0")" && pwd)"
files="$here/kubectl"
if [ ! -x "$kubectl" ]; then
  echo "FAIL: no kubectl at $kubectl: run scripts/setup-deps (it unpacks Debian's kubectl 1.20)"
  exit 1
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
# kubectl keeps a discovery cache under $HOME/.kube: a private HOME keeps runs apart.
export HOME="$tmp/home"
mkdir -p "$HOME"
unset KUBECONFIG
. "$here/checks.sh"

# wait_for FILE PATTERN SECONDS: until FILE has a line matching PATTERN.
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qE -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "FAIL: $1 never showed /$2/ within $3 s"
  sed 's/^/  file: /' "$1" | tail -20
  return 1
}
# start NAME -- command...: a server in the background, its output in $tmp/NAME.log; waits for
# the kubeconfig line it prints when it serves.
start() {
  local name="$1"
  shift 2
  "$@" >"$tmp/$name.log" 2>"$tmp/$name.err" &
  pids+=($!)
  if ! wait_for "$tmp/$name.log" '^kubeconfig: ' 60; then
    sed 's/^/  err: /' "$tmp/$name.err" | tail -20
    exit 1
  fi
}
# stop PID WANT_EXIT NAME: SIGTERM, then the exit code.
stop() {
  kill -TERM "$1"
  wait "$1"
  local got=$?
  if [ "$got" != "$2" ]; then
    echo "FAIL $3: exit $got after SIGTERM, want $2"
    fails=$((fails + 1))
  else
    echo "ok   $3"
  fi
}

k() { "$kubectl" --kubeconfig "$kc" "$@"; }
# port NAME: the port a server started by `start NAME` serves at.
port() { grep -oE '^bubble apiserver: serving .* at https?://[^ ]+:[0-9]+$' "$tmp/$1.log" | sed 's/.*://'; }
# raw PORT PATH: one plain-HTTP GET over bash's /dev/tcp (no curl), the response as sent (status
# line, headers, chunked body) in $tmp/raw; exit 124 if it had not ended within 30 s.
raw() {
  timeout 30 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 3
    printf "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n" "$1" >&3
    cat <&3' "$1" "$2" >"$tmp/raw"
}

# ---- live: bubble apiserver over plain HTTP -------------------------------------------------
kc="$tmp/live.kubeconfig"
start live -- "$bubble" apiserver --listen 127.0.0.1:0 --kubeconfig "$kc" \
  --seed-objects "$files/seed-objects.yaml"
live_pid=${pids[-1]}
grep -qE '^bubble apiserver: serving .* at http://127\.0\.0\.1:[0-9]+$' "$tmp/live.log" ||
  { echo "FAIL live-banner"; cat "$tmp/live.log"; fails=$((fails + 1)); }
! grep -q '^faults:' "$tmp/live.log" || fail "live-banner: a faults line without fault flags"

check version 0 -- k version
expect_out version 'Server Version: .*GitVersion:"v1\.20\.0-bubble'
check api-resources 0 -- k api-resources
expect_out api-resources '^configmaps +cm +v1 +true +ConfigMap'
expect_out api-resources '^deployments +deploy +apps/v1 +true +Deployment'
check namespaces 0 -- k get namespaces -o name
expect_out namespaces '^namespace/default$'
expect_out namespaces '^namespace/kube-system$'
expect_out namespaces '^namespace/team-a$'
check seed-objects 0 -- k get configmaps -n team-a -o name
expect_out seed-objects '^configmap/settings$'
check seed-custom-resource 0 -- k get things -o jsonpath='{.items[*].spec.colour}'
expect_out seed-custom-resource '^red$'

check apply-configmap 0 -- k apply -f "$files/configmap.yaml"
expect_out apply-configmap '^configmap/demo created$'
check apply-deployment 0 -- k apply -f "$files/deployment.yaml"
expect_out apply-deployment '^deployment.apps/web created$'
check apply-crd 0 -- k apply -f "$files/gadget-crd.yaml"
expect_out apply-crd '^customresourcedefinition.apiextensions.k8s.io/gadgets.example.org created$'
check apply-custom-resource 0 -- k apply -f "$files/gadget.yaml"
expect_out apply-custom-resource '^gadget.example.org/g1 created$'
check apply-again-unchanged 0 -- k apply -f "$files/configmap.yaml"
expect_out apply-again-unchanged '^configmap/demo unchanged$'

check get-yaml 0 -- k get configmap demo -o yaml
expect_out get-yaml '^  color: blue$'
expect_out get-yaml '^  name: demo$'
expect_out get-yaml '^  resourceVersion: "[0-9]+"$'
check get-json 0 -- k get deployment web -o json
expect_out get-json '"kind": "Deployment"'
expect_out get-json '"image": "nginx:1.25"'
check get-table 0 -- k get configmaps
expect_out get-table '^NAME +DATA +AGE$'
expect_out get-table '^demo +1 +[0-9]+s$'
check get-all-namespaces 0 -- k get configmaps -A
expect_out get-all-namespaces '^NAMESPACE +NAME +DATA +AGE$'
expect_out get-all-namespaces '^default +demo '
expect_out get-all-namespaces '^team-a +settings +2 '
check get-custom-resource 0 -- k get gd
# A CRD's printer columns replace the default Age column, as kube-apiserver does.
expect_out get-custom-resource '^NAME +SIZE$'
expect_out get-custom-resource '^g1 +3$'
check get-custom-resource-yaml 0 -- k get gadget g1 -o jsonpath='{.spec.size}'
expect_out get-custom-resource-yaml '^3$'

check label-selector 0 -- k get configmaps -A -l app=web -o name
expect_out label-selector '^configmap/demo$'
expect_no_out label-selector 'settings'
check label 0 -- k label configmap demo tier=front
expect_out label '^configmap/demo labeled$'
check label-selected 0 -- k get configmaps -l 'tier in (front),app=web' -o name
expect_out label-selected '^configmap/demo$'
check label-not-selected 0 -- k get configmaps -l tier=back -o name
expect_no_out label-not-selected 'demo'

check patch-merge 0 -- k patch configmap demo --type merge -p '{"data":{"color":"red"}}'
expect_out patch-merge '^configmap/demo patched$'
check patch-json 0 -- k patch configmap demo --type json \
  -p '[{"op":"add","path":"/data/size","value":"L"}]'
expect_out patch-json '^configmap/demo patched$'
check patched 0 -- k get configmap demo -o jsonpath='{.data.color}/{.data.size}'
expect_out patched '^red/L$'
check patch-strategic 0 -- k patch deployment web -p '{"spec":{"replicas":3}}'
expect_out patch-strategic '^deployment.apps/web patched$'
check scaled 0 -- k get deployment web -o jsonpath='{.spec.replicas}'
expect_out scaled '^3$'
check patch-conflict 1 -- k patch configmap demo --type merge \
  -p '{"metadata":{"resourceVersion":"1"},"data":{"color":"x"}}'
expect_err patch-conflict 'Conflict|the object has been modified'

# A watch in one kubectl sees a change made by another.
"$kubectl" --kubeconfig "$kc" get configmap demo --watch -o jsonpath='{.data.color}{"\n"}' \
  >"$tmp/watch.out" 2>"$tmp/watch.err" &
watch_pid=$!
pids+=($watch_pid)
if wait_for "$tmp/watch.out" '^red$' 20; then
  check watch-writer 0 -- k patch configmap demo --type merge -p '{"data":{"color":"green"}}'
  if wait_for "$tmp/watch.out" '^green$' 20; then echo "ok   watch-sees-change"; else fails=$((fails + 1)); fi
else
  fails=$((fails + 1))
fi
kill "$watch_pid" 2>/dev/null

check describe-configmap 0 -- k describe configmap demo
expect_out describe-configmap '^Name: +demo$'
expect_out describe-configmap '^Labels: +app=web$'
check describe-deployment 0 -- k describe deployment web
expect_out describe-deployment '^Replicas: +3 desired'
check describe-custom-resource 0 -- k describe gadget g1
expect_out describe-custom-resource '^Kind: +Gadget$'

check delete 0 -- k delete configmap demo
expect_out delete '^configmap "demo" deleted$'
check get-deleted 1 -- k get configmap demo
expect_err get-deleted 'Error from server \(NotFound\): configmaps "demo" not found'
check delete-missing 1 -- k delete configmap demo
expect_err delete-missing 'NotFound'
check create-exists 1 -- k create namespace team-a
expect_err create-exists 'AlreadyExists'

# What bubble does not serve is a Status error, not a dropped connection.
check unserved-path 1 -- k get --raw /apis/nothing.example/v1/things
expect_err unserved-path 'the server could not find the requested resource'
check unserved-subresource 1 -- k get --raw /api/v1/namespaces/default/pods/p/log
expect_err unserved-subresource 'NotFound|not found'
check server-side-apply 1 -- k apply --server-side -f "$files/configmap.yaml"
expect_err server-side-apply 'UnsupportedMediaType|server-side apply'
stop "$live_pid" 0 live-stops-on-sigterm

# ---- live over HTTPS with a generated certificate -------------------------------------------
kc="$tmp/tls.kubeconfig"
# Fault flags of zero are off: no faults line, every request served.
start tls -- "$bubble" apiserver --listen 127.0.0.1:0 --tls --kubeconfig "$kc" --error-rate 0 \
  --latency 0 --expire-rate 0%
tls_pid=${pids[-1]}
! grep -q '^faults:' "$tmp/tls.log" || fail "tls-banner: a faults line for zero faults"
grep -qE 'at https://localhost:[0-9]+$' "$tmp/tls.log" ||
  { echo "FAIL tls-banner"; cat "$tmp/tls.log"; fails=$((fails + 1)); }
check tls-apply 0 -- k apply -f "$files/configmap.yaml"
expect_out tls-apply '^configmap/demo created$'
check tls-get 0 -- k get configmap demo -o jsonpath='{.data.color}'
expect_out tls-get '^blue$'
check tls-wrong-ca 1 -- "$kubectl" --server "$(grep -oE 'https://localhost:[0-9]+' "$tmp/tls.log" | head -1)" \
  --certificate-authority "$files/configmap.yaml" get configmaps
stop "$tls_pid" 0 tls-stops-on-sigterm

# ---- flaky: every API request fails, discovery stays --------------------------------------
kc="$tmp/flaky.kubeconfig"
# The seed objects are the server's own start: created before the faults begin.
start flaky -- "$bubble" apiserver --listen 127.0.0.1:0 --kubeconfig "$kc" \
  --seed-objects "$files/seed-objects.yaml" --error-rate 100 --fault-seed 1
flaky_pid=${pids[-1]}
grep -qxF 'faults: 100% of API requests fail (500, 429 with Retry-After, 504; some writes applied first); fault seed 1 (--fault-seed 1 repeats the draws)' \
  "$tmp/flaky.log" || { fail "flaky-banner"; cat "$tmp/flaky.log"; }
injected='Error from server \((InternalError|Timeout|TooManyRequests)\): .*injected fault'
check flaky-version 0 -- k version
check flaky-discovery 0 -- k api-resources
expect_out flaky-discovery '^things +example\.net/v1 +false +Thing$'
check flaky-get 1 -- k get configmaps -n team-a
expect_err flaky-get "$injected"
check flaky-custom-resource 1 -- k get things
expect_err flaky-custom-resource "$injected"
check flaky-create 1 -- k create configmap lost
expect_err flaky-create "$injected"
# Raw answers: a Status of the mix each; a 429 carries Retry-After: 1 (client-go waits and
# retries by itself), a 500 or 504 none.
seen=""
for ((i = 0; i < 40; i++)); do
  raw "$(port flaky)" /api/v1/namespaces/team-a/configmaps/settings
  status=$(head -1 "$tmp/raw" | tr -d '\r')
  case "$status" in
    "HTTP/1.1 429 Too Many Requests")
      grep -q $'^Retry-After: 1\r$' "$tmp/raw" || fail "flaky-raw: a 429 without Retry-After: 1"
      grep -q '"code":429,.*"retryAfterSeconds":1' "$tmp/raw" || fail "flaky-raw: a 429's Status" ;;
    "HTTP/1.1 500 Internal Server Error" | "HTTP/1.1 504 Gateway Timeout")
      ! grep -qi '^Retry-After' "$tmp/raw" || fail "flaky-raw: $status with Retry-After"
      grep -q '"reason":"\(InternalError\|Timeout\)"' "$tmp/raw" || fail "flaky-raw: $status's Status" ;;
    *) fail "flaky-raw: answered \"$status\", want 429, 500 or 504"; cat "$tmp/raw"; break ;;
  esac
  seen="$seen ${status:9:3}"
done
for code in 500 429 504; do
  case "$seen" in
    *"$code"*) echo "ok   flaky-raw-$code" ;;
    *) fail "flaky-raw-$code: not among 40 answers:$seen" ;;
  esac
done
stop "$flaky_pid" 0 flaky-stops-on-sigterm

# ---- flaky watches: lifetimes, 410, latency ------------------------------------------------
kc="$tmp/watches.kubeconfig"
start watches -- "$bubble" apiserver --listen 127.0.0.1:0 --kubeconfig "$kc" \
  --watch-lifetime 2s --expire-rate 100 --latency 1ms..20ms
watches_pid=${pids[-1]}
grep -qxE 'faults: latency 1ms\.\.20ms each way, watches end within 2s, 100% of resumed watches expire \(410\); fault seed ([0-9]+) \(--fault-seed \1 repeats the draws\)' \
  "$tmp/watches.log" || { fail "watches-banner"; cat "$tmp/watches.log"; }
check watches-create-a 0 -- k create configmap a
old_rv=$(k get configmap a -o jsonpath='{.metadata.resourceVersion}')
check watches-create-b 0 -- k create configmap b
# The stream ends by itself, cleanly: a chunked body and its last chunk, not a reset.
raw "$(port watches)" '/api/v1/namespaces/default/configmaps?watch=1'
got=$?
if [ "$got" != 0 ]; then
  fail "watches-lifetime: the stream had not ended within 30 s (exit $got)"
elif ! grep -q $'^Transfer-Encoding: chunked\r$' "$tmp/raw" || ! grep -q '"type":"ADDED"' "$tmp/raw" ||
  [ "$(tail -c 5 "$tmp/raw" | od -An -tx1 | tr -d ' \n')" != 300d0a0d0a ]; then
  fail "watches-lifetime: not a chunked stream of events ending with its last chunk"
  od -c "$tmp/raw" | tail -5
else
  echo "ok   watches-lifetime"
fi
# kubectl streams it too, and exits 0 when the server ends it.
check watches-kubectl-raw 0 -- timeout 30 "$kubectl" --kubeconfig "$kc" get --raw \
  '/api/v1/namespaces/default/configmaps?watch=1'
expect_out watches-kubectl-raw '"type":"ADDED"'
check watches-kubectl-get-w 0 -- timeout 30 "$kubectl" --kubeconfig "$kc" get configmaps -w
expect_out watches-kubectl-get-w '^b +0 '
# A watch from before the latest change: the server compacts first, so 410 as an ERROR event.
check watches-expired 0 -- timeout 30 "$kubectl" --kubeconfig "$kc" get --raw \
  "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$old_rv"
expect_out watches-expired '^\{"object":\{"apiVersion":"v1","code":410,.*"reason":"Expired".*"type":"ERROR"\}$'
stop "$watches_pid" 0 watches-stops-on-sigterm

# ---- usage errors: exit 2, one line, nothing served ----------------------------------------
check apiserver-bad-address 2 -- "$bubble" apiserver --listen nowhere
expect_err apiserver-bad-address '^bubble: error: .*nowhere'
check apiserver-bad-fidelity 2 -- "$bubble" apiserver --listen 127.0.0.1:0 --fidelity bogus
expect_err apiserver-bad-fidelity '^bubble: error: --fidelity "bogus"'
echo 'kind: [' >"$tmp/bad.yaml"
check apiserver-bad-seed-objects 2 -- "$bubble" apiserver --listen 127.0.0.1:0 --seed-objects "$tmp/bad.yaml"
expect_err apiserver-bad-seed-objects "^bubble: error: .*bad.yaml"
check apiserver-half-tls 2 -- "$bubble" apiserver --listen 127.0.0.1:0 --tls-cert "$tmp/bad.yaml"
expect_err apiserver-half-tls '^bubble: error: --tls-cert and --tls-key go together'
for bad in "--error-rate 101" "--error-rate ten" "--expire-rate -5" "--latency 50ms..5ms" \
  "--latency 5" "--watch-lifetime 0" "--fault-seed x"; do
  flag=${bad%% *}
  name="apiserver-bad-${flag#--}"
  check "$name=${bad#* }" 2 -- "$bubble" apiserver --listen 127.0.0.1:0 $bad
  expect_err "$name" "^bubble: error: $flag \"${bad#* }\": .*e\.g\. $flag "
  [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ] ||
    fail "$name: want one line on stderr and nothing served"
done
check pause-without-serve 2 -- "$bubble" run custom-resource-controller --pause-at 1s
expect_err pause-without-serve '^bubble: error: .*--serve ADDR'
check pause-bad-time 2 -- "$bubble" run custom-resource-controller --serve 127.0.0.1:0 --pause-at soon
expect_err pause-bad-time '^bubble: error: --pause-at "soon"'

# ---- frozen: the state of a failing seed, read-only -----------------------------------------
failing=(custom-resource-controller --seed 17 --strategy pct --pct-depth 2 --bug generate-name)
check plain-run 1 -- "$bubble" run "${failing[@]}" --log-level off
plain_fingerprint=$(grep '^fingerprint:' "$tmp/out")
kc="$tmp/frozen.kubeconfig"
start frozen -- "$bubble" run "${failing[@]}" --log-level off --serve 127.0.0.1:0 --kubeconfig "$kc"
frozen_pid=${pids[-1]}
grep -qF "$plain_fingerprint" "$tmp/frozen.log" ||
  { echo "FAIL frozen-same-fingerprint"; fails=$((fails + 1)); }
grep -qE '^serving the API state of .* read-only at http://127\.0\.0\.1:[0-9]+' "$tmp/frozen.log" ||
  { echo "FAIL frozen-banner"; cat "$tmp/frozen.log"; fails=$((fails + 1)); }
check frozen-widgets 0 -- k get widgets
# Ages count to the shown instant (created in the run's first second, shown at +1s), not to today.
expect_out frozen-widgets '^w0 +0s$'
# The scenario's clientset is the only one the run made: one context.
check frozen-contexts 0 -- k config get-contexts -o name
expect_out frozen-contexts '^bubble$'
expect_no_out frozen-contexts 'bubble-2'
check frozen-twins 0 -- k get configmaps -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].name}{"\n"}{end}'
if [ "$(grep -c '^w0$' "$tmp/out")" = 2 ]; then echo "ok   frozen-shows-the-twins"; else
  echo "FAIL frozen-shows-the-twins: want two ConfigMaps owned by w0"; cat "$tmp/out"; fails=$((fails + 1)); fi
check frozen-all 0 -- k get all -A
check frozen-describe 0 -- k describe widget w0
expect_out frozen-describe '^Name: +w0$'
check frozen-read-only 1 -- k label widget w0 checked=yes
expect_err frozen-read-only 'MethodNotAllowed|read-only'
stop "$frozen_pid" 1 frozen-exit-is-the-runs

kc="$tmp/paused.kubeconfig"
start paused -- "$bubble" run "${failing[@]}" --log-level off --serve 127.0.0.1:0 --pause-at 1ms \
  --kubeconfig "$kc"
paused_pid=${pids[-1]}
grep -qF "$plain_fingerprint" "$tmp/paused.log" ||
  { echo "FAIL paused-same-fingerprint"; fails=$((fails + 1)); }
grep -qE 'state at 2000-01-01T00:00:00\.001000Z \(--pause-at\)' "$tmp/paused.log" ||
  { echo "FAIL paused-instant"; cat "$tmp/paused.log"; fails=$((fails + 1)); }
check paused-no-twins-yet 0 -- k get configmaps -o name
expect_no_out paused-no-twins-yet 'w0-'
stop "$paused_pid" 1 paused-exit-is-the-runs

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all kubectl checks passed"
