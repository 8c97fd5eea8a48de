#!/usr/bin/env bash
# tools/test/cli_test.sh BUBBLE USER_SIM USER_MAIN: end-to-end checks of the `bubble` command
# line (exit codes, output contract, traces that replay, usage errors that write nothing) and of
# the same command line in a user's own binaries: USER_SIM links bubble::cli_main and registers
# one scenario ("counter", planted bug "no-lock"); USER_MAIN calls bubble::cli::Main with that
# scenario and bubble's built-ins.
set -u
bubble="$1"
user="$2"
user_main="$3"
# Sharding reads these; the test sets the ones it wants.
unset BUBBLE_SHARD BUBBLE_SHARD_COUNT JOB_COMPLETION_INDEX CI_NODE_INDEX CI_NODE_TOTAL \
  BUILDKITE_PARALLEL_JOB BUILDKITE_PARALLEL_JOB_COUNT CIRCLE_NODE_INDEX CIRCLE_NODE_TOTAL
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"

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
grep -qF "    $bubble run conflicting-writers --seed " "$tmp/out" || { echo "FAIL sweep-bug: failing seeds do not name $bubble"; fails=$((fails + 1)); }
grep -q '<failure message="invariant failed: invariant' "$tmp/junit.xml" || { echo "FAIL sweep-bug: junit lacks a failure"; fails=$((fails + 1)); }
grep -qF "replay: $bubble run conflicting-writers --seed" "$tmp/junit.xml" || { echo "FAIL sweep-bug: junit replay does not name $bubble"; fails=$((fails + 1)); }
grep -qE '<testsuites name="bubble" tests="[0-9]+" failures="[0-9]+" time="[0-9]+\.[0-9]{3}">' "$tmp/junit.xml" || { echo "FAIL sweep-bug: junit testsuites lack time"; fails=$((fails + 1)); }
grep -qE '<testsuite name="[^"]*" tests="[0-9]+" failures="[0-9]+" errors="0" time="[0-9]+\.[0-9]{3}">' "$tmp/junit.xml" || { echo "FAIL sweep-bug: junit testsuite lacks time"; fails=$((fails + 1)); }
grep -qE '<testcase classname="[^"]*" name="seed [0-9]+ [^"]*" time="[0-9]+\.[0-9]{3}"' "$tmp/junit.xml" || { echo "FAIL sweep-bug: junit testcase lacks time"; fails=$((fails + 1)); }

# The first failing seed's command, pasted into a shell, fails again with the same fingerprint.
cmd=$(grep -F "    $bubble run" "$tmp/out" | head -1 | sed 's/^    //')
check rerun-failing 1 -- sh -c "$cmd --trace \"\$1\"" sh "$tmp/fail.json"
expect_out rerun-failing '^result: fail$'
grep -qF "replay: $bubble run conflicting-writers" "$tmp/out" || { echo "FAIL rerun-failing: report's replay does not name $bubble"; fails=$((fails + 1)); }
grep -qF "replay with: $bubble replay $tmp/fail.json" "$tmp/out" || { echo "FAIL rerun-failing: replay hint does not name $bubble"; fails=$((fails + 1)); }
fp1=$(grep '^fingerprint:' "$tmp/out")
check rerun-failing-again 1 -- sh -c "$cmd"
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
expect_err no-command '^bubble: error: a command is required: list, run, sweep, replay, hunt, shrink or apiserver'
check unknown-command 2 -- "$bubble" frob
expect_err unknown-command '^bubble: error: unknown command "frob": use list, run, sweep, replay, hunt, shrink or apiserver \(.*bubble --help\)$'
check bad-strategy 2 -- "$bubble" run conflicting-writers --strategy nope
expect_err bad-strategy '^bubble: error: --strategy: "nope" is not a strategy'
check bad-depth 2 -- "$bubble" sweep conflicting-writers --strategy pct --pct-depth 0
expect_err bad-depth '^bubble: error: --pct-depth: "0" is not a depth'
check bad-level 2 -- "$bubble" run conflicting-writers --log-level loud
expect_err bad-level '^bubble: error: --log-level: "loud" is not a level'
check bad-percent 2 -- "$bubble" sweep conflicting-writers --check-determinism 101
expect_err bad-percent '^bubble: error: --check-determinism: "101" is not a percentage'
check bad-jobs 2 -- "$bubble" sweep conflicting-writers --jobs -1
expect_err bad-jobs '^bubble: error: --jobs: '
check bad-step-limit 2 -- "$bubble" run conflicting-writers --step-limit 0
expect_err bad-step-limit '^bubble: error: --step-limit: "0" is not a step limit'
check bad-time-limit 2 -- "$bubble" sweep conflicting-writers --time-limit 5x
expect_err bad-time-limit '^bubble: error: --time-limit: "5x" is not a duration'
check not-convergent 2 -- "$bubble" sweep conflicting-writers --check-convergence
expect_err not-convergent '^bubble: error: --check-convergence: scenario "conflicting-writers" is not convergent'
check convergent 0 -- "$bubble" sweep status-ping-pong --check-convergence --seeds 1..8 --jobs 2
expect_out convergent '^convergence: status-ping-pong: 8 passing seed\(s\), one final state$'
check bad-progress 2 -- "$bubble" sweep conflicting-writers --progress-interval soon
expect_err bad-progress '^bubble: error: --progress-interval: '
# Output paths are checked before any work: a sweep that would fail (exit 1) exits 2 at once.
check bad-junit-dir 2 -- "$bubble" sweep conflicting-writers --bug no-conflict-check --seeds 1..20 --junit "$tmp/no/such/dir/j.xml"
expect_err bad-junit-dir '^bubble: error: --junit: cannot write ".*j.xml": directory ".*/no/such/dir" does not exist'
[ ! -s "$tmp/out" ] || { echo "FAIL bad-junit-dir: the sweep ran"; fails=$((fails + 1)); }
check bad-trace-dir 2 -- "$bubble" run conflicting-writers --trace "$tmp"
expect_err bad-trace-dir '^bubble: error: --trace: cannot write'
[ ! -s "$tmp/out" ] || { echo "FAIL bad-trace-dir: the run ran"; fails=$((fails + 1)); }
if [ "$(id -u)" != 0 ]; then
  mkdir "$tmp/ro" && chmod a-w "$tmp/ro"
  check readonly-junit-dir 2 -- "$bubble" sweep conflicting-writers --seeds 1..2 --junit "$tmp/ro/j.xml"
  expect_err readonly-junit-dir 'is not writable'
fi

# Hostile input (issue 11): bounds named in one line, nothing written, checked before any work.
check huge-depth 2 -- "$bubble" sweep conflicting-writers --strategy pct --pct-depth 2147483647
expect_err huge-depth '^bubble: error: --pct-depth: "2147483647" is not a depth: use 1\.\.1000'
check huge-jobs 2 -- "$bubble" sweep conflicting-writers --jobs 5000
expect_err huge-jobs '^bubble: error: --jobs: "5000" is not a number of workers: use 1\.\.4096'
check fd-limit 2 -- bash -c 'ulimit -n 40 && exec "$@"' sh "$bubble" sweep conflicting-writers --jobs 64 --junit "$tmp/fd.xml"
expect_err fd-limit '^bubble: error: --jobs 64 needs [0-9]+ open files but the open-file limit is 40: use --jobs [0-9]+ or fewer, or raise the limit \(ulimit -n [0-9]+\)$'
[ "$(wc -l <"$tmp/err")" = 1 ] || { echo "FAIL fd-limit: more than one line"; fails=$((fails + 1)); }
[ ! -e "$tmp/fd.xml" ] && [ ! -s "$tmp/out" ] || { echo "FAIL fd-limit: the sweep ran or wrote"; fails=$((fails + 1)); }
check fd-limit-default 0 -- bash -c 'ulimit -n 24 && exec "$@"' sh "$bubble" sweep conflicting-writers --seeds 1..4
check overflow-runs 2 -- "$bubble" sweep --all --seeds 1..18446744073709551615 --junit "$tmp/of.xml"
expect_err overflow-runs '^bubble: error: the sweep would be more than 2\^64-1 runs .*use a smaller --seeds range$'
[ ! -e "$tmp/of.xml" ] || { echo "FAIL overflow-runs wrote its junit"; fails=$((fails + 1)); }
check same-file 2 -- "$bubble" sweep conflicting-writers --junit "$tmp/same" --fingerprints "$tmp/same"
expect_err same-file 'name the same file'
[ ! -e "$tmp/same" ] || { echo "FAIL same-file wrote"; fails=$((fails + 1)); }
check list-dev-full 2 -- sh -c '"$1" list >/dev/full' sh "$bubble"
expect_err list-dev-full '^bubble: error: cannot write to standard output: No space left on device$'
check help-dev-full 2 -- sh -c '"$1" --help >/dev/full' sh "$bubble"
expect_err help-dev-full '^bubble: error: cannot write to standard output'
check sweep-dev-full 2 -- sh -c '"$1" sweep conflicting-writers --seeds 1..3 >/dev/full' sh "$bubble"
expect_err sweep-dev-full '^bubble: error: cannot write to standard output'
check option-first 2 -- "$bubble" --frob list
expect_err option-first '^bubble: error: unknown option "--frob" before the command: put a command first'

# Printed commands quote file names.
check quoted-trace 0 -- "$bubble" run conflicting-writers --trace "$tmp/a b's.json" --log-level off
grep -qF "replay with: $bubble replay '$tmp/a b'\''s.json')" "$tmp/out" || { echo "FAIL quoted-trace: replay hint not quoted"; sed 's/^/  out: /' "$tmp/out"; fails=$((fails + 1)); }
check quoted-replay 0 -- "$bubble" replay "$tmp/a b's.json" --log-level off
expect_out quoted-replay '^fingerprint: [0-9a-f]{16} \(matches\)$'

# JUnit stays bounded for a sweep where every seed fails (uncapped: 80 MB for 50k seeds).
check junit-cap 1 -- "$user" sweep counter --bug no-lock --set workers=6 --seeds 1..6000 --jobs 2 --junit "$tmp/cap.xml" --progress-interval 100
size=$(wc -c <"$tmp/cap.xml")
[ "$size" -lt 3000000 ] || { echo "FAIL junit-cap: $size bytes"; fails=$((fails + 1)); }
grep -qE '<testcase classname="bubble.counter" name="(99[5-9]|1000) more runs \(seeds past the first 5000' "$tmp/cap.xml" || { echo "FAIL junit-cap: no summary case"; fails=$((fails + 1)); }
grep -q '<system-out>bubble: JUnit lists the first 5000 runs' "$tmp/cap.xml" || { echo "FAIL junit-cap: no note"; fails=$((fails + 1)); }
# The slowest runs, on stderr, informational.
expect_err junit-cap '^slowest runs \(wall time\):$'
expect_err junit-cap '^  [0-9]+\.[0-9]{3}s  .* run counter --seed [0-9]+ '

# Fingerprints: one line per run in seed order, the same for any --jobs.
check fingerprints-1 1 -- "$bubble" sweep conflicting-writers --bug no-retry --seeds 1..30 --jobs 1 --fingerprints "$tmp/fp1.txt"
check fingerprints-2 1 -- "$bubble" sweep conflicting-writers --bug no-retry --seeds 1..30 --jobs 2 --fingerprints "$tmp/fp2.txt"
cmp -s "$tmp/fp1.txt" "$tmp/fp2.txt" || { echo "FAIL fingerprints differ between --jobs 1 and 2"; fails=$((fails + 1)); }
[ "$(wc -l <"$tmp/fp1.txt")" = 30 ] || { echo "FAIL fingerprints: not 30 lines"; fails=$((fails + 1)); }
[ "$(head -1 "$tmp/fp1.txt" | cut -d' ' -f1-3)" = "conflicting-writers no-retry 1" ] || { echo "FAIL fingerprints: first line $(head -1 "$tmp/fp1.txt")"; fails=$((fails + 1)); }
fp3=$(awk '$3 == 3 {print $4}' "$tmp/fp1.txt")  # seed 3: pct depth 3 in the portfolio (it passes)
check fingerprint-matches-run 0 -- "$bubble" run conflicting-writers --bug no-retry --seed 3 --strategy pct --pct-depth 3 --log-level off
expect_out fingerprint-matches-run "^fingerprint: $fp3\$"

# Small rough edges.
check version 0 -- "$bubble" --version
expect_out version '^bubble [0-9]+\.[0-9]+\.[0-9]+$'
check log-level-warn 0 -- "$bubble" run conflicting-writers --log-level warn
if grep -q '^I0101' "$tmp/err"; then echo "FAIL log-level-warn: info lines shown"; fails=$((fails + 1)); fi
check log-level-warning 0 -- "$bubble" run conflicting-writers --log-level warning

# Limits from the command line reach the kernel, and the printed command keeps them.
check time-limit 1 -- "$bubble" run leader-election --time-limit 1s --log-level off
expect_out time-limit 'time limit of 1s'
expect_out time-limit '^replay: .* run leader-election --seed 1 --strategy random --time-limit 1s$'
check step-limit 1 -- "$bubble" run conflicting-writers --set latency=none --step-limit 1 --log-level off
expect_out step-limit ' --step-limit 1$'

# Progress off a terminal: a line every --progress-interval seconds, with rate and ETA.
check progress 0 -- "$bubble" sweep conflicting-writers --seeds 1..6 --jobs 2 --progress-interval 0
expect_err progress '^progress: [0-9]+/6 runs, 0 failed, [0-9]+\.[0-9] runs/s, ETA [0-9]+s$'
expect_err progress '^progress: 6/6 runs, 0 failed'

# Shards from the environment (--shard auto).
check shard-k8s 0 -- env JOB_COMPLETION_INDEX=1 BUBBLE_SHARD_COUNT=3 "$bubble" sweep conflicting-writers --seeds 1..9 --shard auto --jobs 2
expect_out shard-k8s '\(shard 1/3 from JOB_COMPLETION_INDEX=1, BUBBLE_SHARD_COUNT=3\)'
expect_out shard-k8s '^3 passed, 0 failed$'
check shard-gitlab 0 -- env CI_NODE_INDEX=3 CI_NODE_TOTAL=3 "$bubble" sweep conflicting-writers --seeds 1..9 --shard auto --jobs 2
expect_out shard-gitlab '\(shard 2/3 from CI_NODE_INDEX=3, CI_NODE_TOTAL=3\)'
check shard-k8s-no-count 2 -- env JOB_COMPLETION_INDEX=1 "$bubble" sweep conflicting-writers --shard auto
expect_err shard-k8s-no-count 'BUBBLE_SHARD_COUNT is not'
check shard-auto-none 2 -- "$bubble" sweep conflicting-writers --shard auto
expect_err shard-auto-none '^bubble: error: --shard auto found no shard in the environment'

# Traces from older bubbles (no "program") still replay.
sed 's/"program":"[^"]*",//' "$tmp/fail.json" >"$tmp/old.json"
check old-trace 0 -- "$bubble" replay "$tmp/old.json" --log-level off
expect_out old-trace '\(matches\)$'

# A trace written by a test (the Catch2 helper) points at its test binary.
echo '{"traceEvents":[],"bubble":{"format":"bubble-trace","version":1,"kind":"test","program":"./my_test","test":"a test","replay":"BUBBLE_SEED=3 ./my_test \"a test\""}}' >"$tmp/test.json"
check test-trace 2 -- "$bubble" replay "$tmp/test.json"
expect_err test-trace "^bubble: error: .*test.json was written by ./my_test \(test \"a test\"\); replay it with: BUBBLE_SEED=3 ./my_test \"a test\"$"

# ---- a user's own binary (bubble::cli_main + a registered scenario) ----------------------
check user-list 0 -- "$user" list
expect_out user-list '^counter$'
if grep -q conflicting-writers "$tmp/out"; then echo "FAIL user-list: shows bubble's built-ins"; fails=$((fails + 1)); fi
check user-version 0 -- "$user" --version
expect_out user-version '^bubble_cli_user_sim 1\.4\.0 \(bubble [0-9]+\.[0-9]+\.[0-9]+\)$'
check user-help 0 -- "$user" --help
expect_out user-help 'user-sim: the counter races'
check user-run 0 -- "$user" run counter --seed 4
expect_out user-run "^$user run counter --seed 4 --strategy random$"
expect_out user-run '^result: pass$'
check user-sweep-correct 0 -- "$user" sweep counter --seeds 1..40 --jobs 2 --check-determinism 25
expect_out user-sweep-correct '^40 passed, 0 failed$'
check user-sweep-bug 1 -- "$user" sweep counter --bug no-lock --seeds 1..12 --jobs 2 --junit "$tmp/user.xml"
grep -qF "    $user run counter --seed " "$tmp/out" || { echo "FAIL user-sweep-bug: failing seeds do not name $user"; fails=$((fails + 1)); }
grep -qF "replay: $user run counter --seed" "$tmp/user.xml" || { echo "FAIL user-sweep-bug: junit does not name $user"; fails=$((fails + 1)); }
ucmd=$(grep -F "    $user run" "$tmp/out" | head -1 | sed 's/^    //')
check user-rerun 1 -- sh -c "$ucmd --trace \"\$1\"" sh "$tmp/user.json"
ufp1=$(grep '^fingerprint:' "$tmp/out")
check user-rerun-again 1 -- sh -c "$ucmd"
ufp2=$(grep '^fingerprint:' "$tmp/out")
[ "$ufp1" = "$ufp2" ] || { echo "FAIL user-rerun: fingerprints differ: $ufp1 vs $ufp2"; fails=$((fails + 1)); }
check user-replay 0 -- "$user" replay "$tmp/user.json" --log-level off
expect_out user-replay '^fingerprint: [0-9a-f]{16} \(matches\)$'
expect_out user-replay "^replaying [0-9]+ decisions of: $user run counter"
grep -qF "replay: $user replay $tmp/user.json" "$tmp/out" || { echo "FAIL user-replay: report does not name $user"; fails=$((fails + 1)); }
grep -qF "\"program\":\"$user\"" "$tmp/user.json" || { echo "FAIL user trace lacks program"; fails=$((fails + 1)); }
grep -qF "\"replay\":\"$user run counter --seed" "$tmp/user.json" || { echo "FAIL user trace lacks replay"; fails=$((fails + 1)); }
# bubble cannot replay it (no such scenario) and says who can; nor can another program that has
# a scenario of the same name.
check foreign-scenario 2 -- "$bubble" replay "$tmp/user.json"
grep -qxF "bubble: error: $tmp/user.json was written by $user (scenario \"counter\"); replay it with: $user replay $tmp/user.json" "$tmp/err" || { echo "FAIL foreign-scenario:"; sed 's/^/  err: /' "$tmp/err"; fails=$((fails + 1)); }
check foreign-program 2 -- "$user_main" replay "$tmp/user.json"
expect_err foreign-program "was written by $user \(scenario \"counter\"\); replay it with: $user replay"
check user-foreign-bubble 2 -- "$user" replay "$tmp/fail.json"
expect_err user-foreign-bubble "was written by $bubble \(scenario \"conflicting-writers\"\)"

# ---- a user's own main() over bubble::cli::Main, with bubble's built-ins added ------------
check user-main-list 0 -- "$user_main" list
expect_out user-main-list '^counter$'
expect_out user-main-list '^conflicting-writers \(S09\)$'
check user-main-run 1 -- "$user_main" run counter --bug no-lock --seed 2 --log-level off
expect_out user-main-run "^replay: $user_main run counter --seed 2 --strategy random --bug no-lock$"
# A program on bubble::cli alone has no network commands, and says how to get them.
check user-main-no-serve 2 -- "$user_main" run counter --serve 127.0.0.1:0
expect_err user-main-no-serve '^bubble: error: this program was built without bubble.s network commands: link bubble::cli_net'
check user-main-no-apiserver 2 -- "$user_main" apiserver --listen 127.0.0.1:0
expect_err user-main-no-apiserver 'link bubble::cli_net'
check user-main-version 0 -- "$user_main" --version
expect_out user-main-version '^bubble_cli_user_main \(bubble [0-9.]+\)$'

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
