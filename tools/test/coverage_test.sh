#!/usr/bin/env bash
# tools/test/coverage_test.sh BUBBLE: `bubble sweep --coverage` end to end — a known race seen
# in both orders, --until-saturated stopping, the JSON file valid and the same for any --jobs,
# JUnit properties, usage errors.
set -u
bubble="$1"
unset BUBBLE_SHARD BUBBLE_SHARD_COUNT JOB_COMPLETION_INDEX CI_NODE_INDEX CI_NODE_TOTAL \
  BUILDKITE_PARALLEL_JOB BUILDKITE_PARALLEL_JOB_COUNT CIRCLE_NODE_INDEX CIRCLE_NODE_TOTAL
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"
valid_json() {
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" || fail "$1 is not valid JSON"
  fi
}

# conflicting-writers: two writers update one ConfigMap; the sweep sees their updates both ways.
check coverage 0 -- "$bubble" sweep conflicting-writers --seeds 1..200 --jobs 1 \
  --coverage-json "$tmp/j1.json" --junit "$tmp/junit.xml"
expect_out coverage '^order coverage'
expect_out coverage '^  conflicting-writers: [0-9]+ pairs, [0-9]+ seen in both orders'
expect_out coverage 'new pairs per 1000 seeds: [0-9]+'
valid_json "$tmp/j1.json"
grep -q '"a": "writer-0 update configmaps"' "$tmp/j1.json" &&
  grep -A1 '"a": "writer-0 update configmaps"' "$tmp/j1.json" | grep -q '"b": "writer-1 update configmaps"' ||
  fail "coverage: the writers' updates are not among the pairs seen in both orders"
grep -q '<property name="bubble.coverage.pairs" value="[0-9]*"' "$tmp/junit.xml" ||
  fail "coverage: JUnit lacks bubble.coverage.pairs"
grep -q '<property name="bubble.coverage.one_order"' "$tmp/junit.xml" ||
  fail "coverage: JUnit lacks bubble.coverage.one_order"

check coverage-jobs-2 0 -- "$bubble" sweep conflicting-writers --seeds 1..200 --jobs 2 \
  --coverage-json "$tmp/j2.json"
cmp -s "$tmp/j1.json" "$tmp/j2.json" || fail "coverage: the JSON differs between --jobs 1 and 2"

# --until-saturated: a range far too long to run, stopped once 100 seeds bring nothing new; the
# stopping seed and the results are the same for any --jobs.
check saturated 0 -- "$bubble" sweep conflicting-writers --seeds 1..1000000 --jobs 1 \
  --until-saturated 100 --coverage-json "$tmp/s1.json"
expect_out saturated 'saturated: no new order in the 100 seeds up to seed [0-9]+'
grep '^[0-9]* passed' "$tmp/out" >"$tmp/s1.count"
valid_json "$tmp/s1.json"
grep -q '"saturated_at_seed": [0-9]' "$tmp/s1.json" || fail "saturated: no saturated_at_seed"
check saturated-jobs-2 0 -- "$bubble" sweep conflicting-writers --seeds 1..1000000 --jobs 2 \
  --until-saturated 100 --coverage-json "$tmp/s2.json"
grep '^[0-9]* passed' "$tmp/out" >"$tmp/s2.count"
cmp -s "$tmp/s1.json" "$tmp/s2.json" || fail "saturated: the JSON differs between --jobs 1 and 2"
cmp -s "$tmp/s1.count" "$tmp/s2.count" || fail "saturated: the runs differ between --jobs 1 and 2"

# Without --coverage nothing is said about it.
check no-coverage 0 -- "$bubble" sweep conflicting-writers --seeds 1..20 --jobs 1
grep -q 'order coverage' "$tmp/out" && fail "no-coverage: coverage printed"

check until-saturated-zero 2 -- "$bubble" sweep conflicting-writers --until-saturated 0
check until-saturated-fingerprints 2 -- "$bubble" sweep conflicting-writers --until-saturated 5 \
  --fingerprints "$tmp/fp.txt"
[ -e "$tmp/fp.txt" ] && fail "until-saturated-fingerprints: wrote a file"

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
