#!/usr/bin/env bash
# tools/test/kubectl_test.sh BUBBLE [KUBECTL]: Debian's kubectl 1.20 (scripts/setup-deps unpacks it
# into ~/.cache/bubble/kubernetes-client) against both of bubble's API servers, checking exit
# codes and output:
#   - live: `bubble apiserver` (writes allowed, on the real-time loop), over HTTP and HTTPS:
#     apply -f of a ConfigMap, a Deployment, a CRD and its custom resource; get -o yaml/json,
#     get -A, label selectors, label, patch (merge, JSON, strategic), get --watch seeing a change
#     made by a second kubectl, describe, delete; requests bubble does not serve get a Status.
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

# ---- live: bubble apiserver over plain HTTP -------------------------------------------------
kc="$tmp/live.kubeconfig"
start live -- "$bubble" apiserver --listen 127.0.0.1:0 --kubeconfig "$kc" \
  --seed-objects "$files/seed-objects.yaml"
live_pid=${pids[-1]}
grep -qE '^bubble apiserver: serving .* at http://127\.0\.0\.1:[0-9]+$' "$tmp/live.log" ||
  { echo "FAIL live-banner"; cat "$tmp/live.log"; fails=$((fails + 1)); }

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
start tls -- "$bubble" apiserver --listen 127.0.0.1:0 --tls --kubeconfig "$kc"
tls_pid=${pids[-1]}
grep -qE 'at https://localhost:[0-9]+$' "$tmp/tls.log" ||
  { echo "FAIL tls-banner"; cat "$tmp/tls.log"; fails=$((fails + 1)); }
check tls-apply 0 -- k apply -f "$files/configmap.yaml"
expect_out tls-apply '^configmap/demo created$'
check tls-get 0 -- k get configmap demo -o jsonpath='{.data.color}'
expect_out tls-get '^blue$'
check tls-wrong-ca 1 -- "$kubectl" --server "$(grep -oE 'https://localhost:[0-9]+' "$tmp/tls.log" | head -1)" \
  --certificate-authority "$files/configmap.yaml" get configmaps
stop "$tls_pid" 0 tls-stops-on-sigterm

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
