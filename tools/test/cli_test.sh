#!/usr/bin/env bash
# tools/test/cli_test.sh BUBBLE: end-to-end checks of the `bubble` command line (exit codes,
# output contract, traces that replay, usage errors that write nothing).
set -u
bubble="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {  # check NAME WANT_EXIT -- command...
  local name="$1" want="$2"
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, want $want"
    sed 's/^/  out: /' "$tmp/out" | tail -20
    sed 's/^/  err: /' "$tmp/err" | tail -20
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}
expect_out() {  # expect_out NAME PATTERN (grep -E on the last command's stdout)
  if ! grep -qE "$2" "$tmp/out"; then
    echo "FAIL $1: stdout lacks /$2/"
    sed 's/^/  out: /' "$tmp/out" | tail -20
    fails=$((fails + 1))
  fi
}
expect_err() {
  if ! grep -qE "$2" "$tmp/err"; then
    echo "FAIL $1: stderr lacks /$2/"
    sed 's/^/  err: /' "$tmp/err" | tail -20
    fails=$((fails + 1))
  fi
}

check list 0 -- "$bubble" list
expect_out list '^conflicting-writers \(S09\)'
expect_out list 'no-conflict-check  found within [0-9]+ seeds'

check run-pass 0 -- "$bubble" run conflicting-writers --seed 1
expect_out run-pass '^fingerprint: [0-9a-f]{16}$'
expect_out run-pass '^result: pass$'
expect_err run-pass '^I0101 00:00:00\.[0-9]{6} main\] 2 writers'

check run-pass-pct 0 -- "$bubble" run conflicting-writers --seed 2 --strategy pct --pct-depth 2 --set writers=3
expect_out run-pass-pct '^result: pass$'

check sweep-correct 0 -- "$bubble" sweep conflicting-writers --seeds 1..40 --jobs 2 --check-determinism 25
expect_out sweep-correct '^40 passed, 0 failed$'

check sweep-bug 1 -- "$bubble" sweep conflicting-writers --bug no-conflict-check --seeds 1..20 --jobs 2 --junit "$tmp/junit.xml"
expect_out sweep-bug '^[0-9]+ passed, [1-9][0-9]* failed$'
expect_out sweep-bug '^    bubble run conflicting-writers --seed [0-9]+ --strategy (random|pct)'
grep -q '<failure message="invariant failed: invariant' "$tmp/junit.xml" || { echo "FAIL sweep-bug: junit lacks a failure"; fails=$((fails + 1)); }

# The first failing seed's command fails again, with the same fingerprint both times.
cmd=$(grep -E '^    bubble run' "$tmp/out" | head -1 | sed 's/^    bubble //')
check rerun-failing 1 -- "$bubble" $cmd --trace "$tmp/fail.json"
expect_out rerun-failing '^result: fail$'
expect_out rerun-failing '^replay: bubble run conflicting-writers'
fp1=$(grep '^fingerprint:' "$tmp/out")
check rerun-failing-again 1 -- "$bubble" $cmd
fp2=$(grep '^fingerprint:' "$tmp/out")
[ "$fp1" = "$fp2" ] || { echo "FAIL rerun: fingerprints differ: $fp1 vs $fp2"; fails=$((fails + 1)); }

check replay 0 -- "$bubble" replay "$tmp/fail.json"
expect_out replay '^fingerprint: [0-9a-f]{16} \(matches\)$'
expect_out replay '^result: fail$'

check all-with-bugs 0 -- "$bubble" sweep --all --with-bugs --seeds 1..8 --jobs 2
expect_out all-with-bugs 'no-conflict-check: found at seed'

# Usage errors: exit 2, one "bubble: error:" line, nothing written.
check unknown-scenario 2 -- "$bubble" run nope --trace "$tmp/nope.json"
expect_err unknown-scenario '^bubble: error: unknown scenario "nope"; known scenarios: conflicting-writers'
[ ! -e "$tmp/nope.json" ] || { echo "FAIL unknown-scenario wrote its trace"; fails=$((fails + 1)); }
check unknown-bug 2 -- "$bubble" run conflicting-writers --bug nope
expect_err unknown-bug '^bubble: error: scenario conflicting-writers has no planted bug "nope"; its bugs: '
check unknown-option 2 -- "$bubble" run conflicting-writers --set nope=1
expect_err unknown-option 'has no option "nope"'
check bad-seed 2 -- "$bubble" run conflicting-writers --seed -3
expect_err bad-seed '^bubble: error: '
check bad-range 2 -- "$bubble" sweep conflicting-writers --seeds 9..3 --junit "$tmp/bad.xml"
expect_err bad-range 'is not a seed range'
[ ! -e "$tmp/bad.xml" ] || { echo "FAIL bad-range wrote its junit"; fails=$((fails + 1)); }
check bad-shard 2 -- "$bubble" sweep conflicting-writers --shard 3/3
expect_err bad-shard 'is not a shard'
check missing-trace 2 -- "$bubble" replay "$tmp/missing.json"
expect_err missing-trace '^bubble: error: cannot read trace file'
echo '{"traceEvents":[' >"$tmp/corrupt.json"
check corrupt-trace 2 -- "$bubble" replay "$tmp/corrupt.json"
expect_err corrupt-trace '^bubble: error: .*not a JSON document'
check no-command 2 -- "$bubble"

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
