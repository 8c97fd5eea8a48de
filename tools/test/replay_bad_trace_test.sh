#!/usr/bin/env bash
# tools/test/replay_bad_trace_test.sh BUBBLE: `bubble replay` on hostile or damaged traces ends
# with exit 2, one line on stderr naming the problem, and nothing on stdout: never a crash, a
# hang or unbounded memory (docs: issue 11 item 5).
set -u
bubble="$1"
tmp=$(mktemp -d)
feeder=""
trap '[ -n "$feeder" ] && kill "$feeder" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
refused() {  # refused NAME PATTERN FILE: exit 2, one stderr line matching PATTERN, no stdout
  local name="$1" pattern="$2" file="$3"
  # An unbounded read would run into the timeout (no ulimit -v: ASan reserves terabytes).
  timeout 20 "$bubble" replay "$file" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != 2 ] || [ -s "$tmp/out" ] || [ "$(wc -l <"$tmp/err")" != 1 ] ||
    ! grep -qE "^bubble: error: .*$pattern" "$tmp/err"; then
    echo "FAIL $name: exit $got, want 2 with one line matching /$pattern/ and no output"
    sed 's/^/  out: /' "$tmp/out" | head -5
    sed 's/^/  err: /' "$tmp/err" | head -5 | cut -c1-300
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}

"$bubble" run conflicting-writers --seed 1 --log-level off --trace "$tmp/good.json" >/dev/null ||
  { echo "FAIL: cannot write a trace"; exit 1; }
grep -q '"format":"bubble-trace"' "$tmp/good.json" || { echo "FAIL: unexpected trace"; exit 1; }
damaged() {  # damaged NAME SED_EXPRESSION: a copy of the good trace edited by sed
  sed "$2" "$tmp/good.json" >"$tmp/$1.json"
}

damaged format-number 's/"format":"bubble-trace"/"format":1/'
refused format-number 'format is not "bubble-trace"' "$tmp/format-number.json"
damaged version-string 's/"version":1/"version":"1"/'
refused version-string 'unsupported bubble trace version "1"' "$tmp/version-string.json"
damaged seed-string 's/"seed":1,/"seed":"1",/'
refused seed-string '"seed" is a string, not an unsigned integer' "$tmp/seed-string.json"
damaged pct-depth-huge 's/"pct_depth":3/"pct_depth":1e300/'
refused pct-depth-huge '"pct_depth" is a fraction' "$tmp/pct-depth-huge.json"
damaged options-array 's/"options":{[^}]*}/"options":[]/'
refused options-array '"options" is an array, not an object' "$tmp/options-array.json"
damaged program-escape 's/"program":"[^"]*"/"program":"x\\u001b[2J"/'
refused program-escape '"program" holds a control character' "$tmp/program-escape.json"
damaged record-time 's/"records":\[\[0,/"records":[[9223372036854775807,/'
refused record-time 'is beyond the virtual clock' "$tmp/record-time.json"

# A record nested 100,000 deep (it crashed the message that printed the malformed record).
deep=$(head -c 100000 /dev/zero | tr '\0' '[')$(head -c 100000 /dev/zero | tr '\0' ']')
good=$(cat "$tmp/good.json")
printf '%s"records":[%s,%s' "${good%%\"records\":\[*}" "$deep" "${good#*\"records\":\[}" >"$tmp/deep.json"
refused deep-record 'nested deeper than 16 levels' "$tmp/deep.json"

# Unbounded or huge input: read up to the cap, then refused.
refused dev-zero 'is over 64 MiB' /dev/zero
truncate -s 100M "$tmp/huge.json"
refused huge-file 'is over 64 MiB' "$tmp/huge.json"
mkfifo "$tmp/fifo"
yes '{"bubble":' >"$tmp/fifo" 2>/dev/null &
feeder=$!
refused endless-fifo 'is over 64 MiB' "$tmp/fifo"
kill "$feeder" 2>/dev/null
feeder=""
refused directory 'cannot read trace file' "$tmp"

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
