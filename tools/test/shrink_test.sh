#!/usr/bin/env bash
# tools/test/shrink_test.sh BUBBLE: `bubble shrink` on a planted cache race (torn-cache-read
# --bug read-twice): fewer preemptions, a shrunk trace that replays to the same failure, the same
# output twice, budgets that stop it with a message, and bad input refused with exit 2.
set -u
bubble="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {  # check NAME CONDITION...: runs the condition, reports
  local name="$1"
  shift
  if "$@"; then
    echo "ok   $name"
  else
    echo "FAIL $name"
    fails=$((fails + 1))
  fi
}
# The number in column COLUMN (2 before, 3 after) of the ROW line of a shrink's output.
count() { awk -v row="$2" -v col="$3" '$1 == row { print $col }' "$1"; }

# The first failing seed under random: the race needs several preemptions there.
seed=""
for s in $(seq 1 300); do
  if ! "$bubble" run torn-cache-read --bug read-twice --strategy random --seed "$s" \
    --log-level off --trace "$tmp/fail.json" >/dev/null; then
    seed=$s
    break
  fi
done
[ -n "$seed" ] || { echo "FAIL: no failing seed of torn-cache-read --bug read-twice in 1..300"; exit 1; }
echo "seed $seed fails"

"$bubble" shrink "$tmp/fail.json" >"$tmp/out1" 2>"$tmp/err1"
check "shrink exits 0" [ $? = 0 ]
check "writes FILE.shrunk.json by default" [ -s "$tmp/fail.shrunk.json" ]
before=$(count "$tmp/out1" preemptions 2)
after=$(count "$tmp/out1" preemptions 3)
echo "preemptions $before -> $after"
check "fewer preemptions" [ "$after" -lt "$before" ]
check "at most a handful of preemptions left" [ "$after" -le 8 ]
check "finished within the budgets" grep -q '^attempts: [0-9]* (done' "$tmp/out1"
check "the story ends at the failure" \
  grep -q '^FAILED (render/worker-0): invariant consistent-snapshot violated' "$tmp/out1"
check "the story shows the cache reads" grep -q 'render/worker-0: cache: get default/app' "$tmp/out1"
check "the story shows a preemption" grep -q '^>> .* was preempted' "$tmp/out1"

"$bubble" replay "$tmp/fail.shrunk.json" --log-level off >"$tmp/replay" 2>&1
check "the shrunk trace replays (exit 0: as recorded)" [ $? = 0 ]
check "... to a failure" grep -q '^result: fail$' "$tmp/replay"
check "... with the recorded fingerprint" grep -q '^fingerprint: .* (matches)$' "$tmp/replay"
check "... and the same invariant" grep -q 'invariant consistent-snapshot violated' "$tmp/replay"
check "... and says how to replay it" \
  grep -q "^replay: .* replay .*fail.shrunk.json$" "$tmp/replay"

cp "$tmp/fail.shrunk.json" "$tmp/first.json"
"$bubble" shrink "$tmp/fail.json" >"$tmp/out2" 2>/dev/null
check "deterministic: the same output twice" cmp -s "$tmp/out1" "$tmp/out2"
check "deterministic: the same trace twice" cmp -s "$tmp/first.json" "$tmp/fail.shrunk.json"

"$bubble" shrink "$tmp/fail.json" --out "$tmp/budget.json" --max-attempts 2 >"$tmp/out3" 2>&1
check "an attempt budget stops it (exit 0)" [ $? = 0 ]
check "... and says so" grep -q '^attempts: 2; stopped after 2 attempts (the attempt budget)' "$tmp/out3"
check "... still writing a trace that fails" [ -s "$tmp/budget.json" ]

refused() {  # refused NAME PATTERN ARGS...: exit 2, one stderr line, no stdout, nothing written
  local name="$1" pattern="$2"
  shift 2
  rm -f "$tmp"/*.shrunk.json "$tmp/never.json"
  "$bubble" shrink "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != 2 ] || [ -s "$tmp/out" ] || [ "$(wc -l <"$tmp/err")" != 1 ] ||
    ! grep -qE "^bubble: error: .*$pattern" "$tmp/err" ||
    ls "$tmp"/*.shrunk.json "$tmp/never.json" >/dev/null 2>&1; then
    echo "FAIL $name: exit $got, want 2 with one line matching /$pattern/, no output, no file"
    sed 's/^/  out: /' "$tmp/out" | head -5
    sed 's/^/  err: /' "$tmp/err" | head -5
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}
"$bubble" run torn-cache-read --seed 1 --strategy fifo --log-level off --trace "$tmp/pass.json" \
  >/dev/null || { echo "FAIL: the correct scenario failed under fifo"; exit 1; }
refused passing-run 'records a passing run: nothing to shrink' "$tmp/pass.json"
echo '{"traceEvents":[]}' >"$tmp/plain.json"
refused not-a-trace 'not a bubble trace' "$tmp/plain.json"
sed 's/"scenario":"torn-cache-read"/"scenario":"no-such-scenario"/' "$tmp/fail.json" >"$tmp/unknown.json"
refused unknown-scenario 'no-such-scenario' "$tmp/unknown.json"
refused missing-file 'cannot read trace file' "$tmp/missing.json"
refused bad-budget 'is not a real-time budget' "$tmp/fail.json" --time-budget soon
refused bad-attempts 'is not a number of attempts' "$tmp/fail.json" --max-attempts 0
refused bad-out 'does not exist' "$tmp/fail.json" --out "$tmp/no/dir/x.json"

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all shrink checks passed"
