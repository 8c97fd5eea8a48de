#!/usr/bin/env bash
# tools/test/sweep_signals_test.sh BUBBLE USER_SIM: a sweep stopped by a signal stops its
# workers (none survives it), writes the JUnit gathered so far marked incomplete and exits
# 128 + the signal; a sweep killed outright (SIGKILL) takes its workers with it; a sweep over a
# billion seeds starts at once in bounded memory. USER_SIM has the "slow" scenario (each seed runs
# for tens of seconds), so a worker that outlived its sweep would still be running.
set -u
bubble="$1"
user="$2"
unset BUBBLE_SHARD BUBBLE_SHARD_COUNT JOB_COMPLETION_INDEX CI_NODE_INDEX CI_NODE_TOTAL \
  BUILDKITE_PARALLEL_JOB BUILDKITE_PARALLEL_JOB_COUNT CIRCLE_NODE_INDEX CIRCLE_NODE_TOTAL
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
  echo "FAIL $*"
  fails=$((fails + 1))
}
before=0
ok() {  # ok NAME: "ok" when no check failed since the last ok
  [ "$fails" = "$before" ] && echo "ok   $1"
  before=$fails
}

# The live (not zombie) children of a process, from /proc (no procps needed).
children() {
  local stat pid ppid state
  for stat in /proc/[0-9]*/stat; do
    read -r pid _ state ppid _ 2>/dev/null <"$stat" || continue
    [ "$ppid" = "$1" ] && [ "$state" != Z ] && echo "$pid"
  done
}
alive() {
  local state
  read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" || return 1
  [ "$state" != Z ] && [ "$state" != X ]
}
# Waits up to 10 s until `pid` has `n` workers; prints them.
wait_workers() {
  local pid="$1" n="$2" i w
  for i in $(seq 100); do
    w=$(children "$pid")
    if [ "$(echo "$w" | grep -c .)" -ge "$n" ]; then
      echo "$w"
      return 0
    fi
    sleep 0.1
  done
  echo "$w"
  return 1
}

slow=(sweep slow --set sleeps=200000000 --seeds 1..4 --jobs 2)

# SIGTERM and SIGINT (to the sweep alone).
for sig in TERM INT; do
  want=$([ "$sig" = TERM ] && echo 143 || echo 130)
  set -m  # own process group, and SIGINT not ignored as in a non-interactive shell's background
  "$user" "${slow[@]}" --junit "$tmp/$sig.xml" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  set +m
  workers=$(wait_workers "$pid" 2) || fail "$sig: the sweep did not start 2 workers"
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  [ "$rc" = "$want" ] || fail "$sig: exit $rc, want $want"
  for w in $workers; do
    if alive "$w"; then
      fail "$sig: worker $w outlived the sweep"
      kill -KILL "$w"
    fi
  done
  grep -q "<property name=\"bubble.incomplete\" value=\"interrupted by SIG$sig after 0 of 4 runs\"/>" \
    "$tmp/$sig.xml" 2>/dev/null || fail "$sig: the JUnit file is missing or not marked incomplete"
  grep -q '<system-err>bubble: the sweep was interrupted' "$tmp/$sig.xml" 2>/dev/null ||
    fail "$sig: the JUnit file has no note"
  grep -q "^bubble: sweep interrupted by SIG$sig after 0 of 4 runs" "$tmp/err" ||
    { fail "$sig: stderr does not say the sweep was interrupted"; sed 's/^/  err: /' "$tmp/err"; }
  ok "$sig"
done

# Ctrl-C on a terminal: SIGINT reaches the whole process group, workers included. Their deaths
# are the interrupt's, not crashing seeds.
set -m
"$user" "${slow[@]}" --junit "$tmp/group.xml" >"$tmp/out" 2>"$tmp/err" &
pid=$!
set +m
workers=$(wait_workers "$pid" 2) || fail "group: the sweep did not start 2 workers"
kill -INT -- "-$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] || fail "group: exit $rc, want 130"
if grep -q crashed "$tmp/group.xml" "$tmp/out"; then fail "group: workers stopped by ^C reported as crashes"; fi
grep -q 'bubble.incomplete' "$tmp/group.xml" 2>/dev/null || fail "group: JUnit not marked incomplete"
ok "group SIGINT"

# SIGKILL: no handler runs; the kernel stops the workers (PR_SET_PDEATHSIG).
"$user" "${slow[@]}" >"$tmp/out" 2>"$tmp/err" &
pid=$!
workers=$(wait_workers "$pid" 2) || fail "kill: the sweep did not start 2 workers"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
for w in $workers; do
  for i in $(seq 50); do
    alive "$w" || break
    sleep 0.1
  done
  if alive "$w"; then
    fail "kill: worker $w outlived its killed sweep"
    kill -KILL "$w"
  fi
done
ok KILL

# A billion seeds: the first progress line within seconds, the sweep's memory small.
"$bubble" sweep conflicting-writers --seeds 1..1000000000 --jobs 2 --progress-interval 0 \
  --junit "$tmp/huge.xml" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for i in $(seq 100); do
  grep -q '^progress: ' "$tmp/err" && break
  sleep 0.1
done
grep -q '^progress: [0-9]*/1000000000 runs' "$tmp/err" || fail "huge: no progress within 10 s"
sleep 1
rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
[ "${rss:-0}" -lt 300000 ] || fail "huge: the sweep holds ${rss} kB"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 143 ] || fail "huge: exit $rc, want 143"
grep -q 'bubble.incomplete' "$tmp/huge.xml" 2>/dev/null || fail "huge: JUnit not marked incomplete"
ok "huge range (peak ${rss} kB)"

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
