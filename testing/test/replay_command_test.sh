#!/bin/sh
# testing/test/replay_command_test.sh TARGET BUBBLE: the replay command a failing test prints
# (TARGET: replay_target.cc) reruns exactly that test and seed through sh, and fails the same
# way; BUBBLE_TRACE writes a trace that `bubble replay` points back to the test with.
set -u
target="$1"
bubble="$2"
unset BUBBLE_SEED BUBBLE_SEEDS BUBBLE_STRATEGY BUBBLE_ALL_SEEDS BUBBLE_STEP_LIMIT \
  BUBBLE_TIME_LIMIT BUBBLE_TRACE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL $*"
  for f in "$tmp"/*.out "$tmp"/*.err; do
    [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" | tail -30
  done
  exit 1
}

# 1. The whole binary: the special test fails at seed 3, the prefix test passes.
"$target" >"$tmp/all.out" 2>"$tmp/all.err"
[ $? -ne 0 ] || fail "the target binary passed; its special test should fail at seed 3"
grep -q '^ran prefix seed 2 strategy random$' "$tmp/all.out" || fail "the prefix test did not run"
[ "$(grep -c '^replay: ' "$tmp/all.err")" -eq 1 ] || fail "want exactly one replay line on stderr"
cmd=$(sed -n 's/^replay: //p' "$tmp/all.err")
case "$cmd" in
  "BUBBLE_SEED=3 BUBBLE_STRATEGY=random "*) ;;
  *) fail "the replay command does not name seed 3: $cmd" ;;
esac

# 2. The printed command, through sh: only the special test, only seed 3, the same failure.
sh -c "$cmd" >"$tmp/replay.out" 2>"$tmp/replay.err"
[ $? -ne 0 ] || fail "the replay command passed"
[ "$(grep -c '^ran ' "$tmp/replay.out")" -eq 1 ] || fail "the replay ran other runs or tests"
grep -q '^ran special seed 3 strategy random$' "$tmp/replay.out" || fail "the replay ran another seed"
grep -q 'planted at seed 3' "$tmp/replay.out" || fail "the replay failed another way"
[ "$(sed -n 's/^replay: //p' "$tmp/replay.err")" = "$cmd" ] || fail "the replay printed another command"

# 3. BUBBLE_TRACE: the failing run's trace, which `bubble replay` answers with exit 2 and one
#    line naming the command that reruns the test (itself runnable).
BUBBLE_TRACE="$tmp/t.json" sh -c "$cmd" >"$tmp/traced.out" 2>"$tmp/traced.err"
[ -s "$tmp/t.json" ] || fail "BUBBLE_TRACE wrote no trace"
"$bubble" replay "$tmp/t.json" >"$tmp/bubble.out" 2>"$tmp/bubble.err"
got=$?
[ "$got" -eq 2 ] || fail "bubble replay of a test's trace: exit $got, want 2"
[ "$(wc -l <"$tmp/bubble.err")" -eq 1 ] || fail "bubble replay's error is not one line"
pointer=$(sed -n 's/^.*replay it with: //p' "$tmp/bubble.err")
[ "$pointer" = "$cmd" ] || fail "bubble replay points at \"$pointer\", want \"$cmd\""
sh -c "$pointer" >"$tmp/pointer.out" 2>"$tmp/pointer.err"
grep -q '^ran special seed 3 strategy random$' "$tmp/pointer.out" || fail "the pointer ran another run"
printf "ok   replay command: %s\n" "$cmd"
