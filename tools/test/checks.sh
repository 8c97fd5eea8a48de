# tools/test/checks.sh: the checks the end-to-end scripts share (source it after setting $tmp, a
# scratch directory). Each check prints "ok   NAME" or "FAIL NAME: why" and counts failures in
# $fails; a script ends with `exit $((fails > 0))` or its own summary.
fails=0
fail() {
  echo "FAIL $*"
  fails=$((fails + 1))
}
# check NAME WANT_EXIT -- command...: runs the command, its stdout in $tmp/out, stderr in $tmp/err.
check() {
  local name="$1" want="$2"
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    fail "$name: exit $got, want $want"
    sed 's/^/  out: /' "$tmp/out" | tail -20
    sed 's/^/  err: /' "$tmp/err" | tail -20
  else
    echo "ok   $name"
  fi
}
# expect_out NAME PATTERN: the last command's stdout has a line matching PATTERN (grep -E).
expect_out() {
  grep -qE -- "$2" "$tmp/out" || { fail "$1: stdout lacks /$2/"; sed 's/^/  out: /' "$tmp/out" | tail -30; }
}
# expect_no_out NAME PATTERN: ... and no line matching PATTERN.
expect_no_out() {
  ! grep -qE -- "$2" "$tmp/out" || { fail "$1: stdout has /$2/"; sed 's/^/  out: /' "$tmp/out" | tail -30; }
}
# expect_err NAME PATTERN: the last command's stderr has a line matching PATTERN.
expect_err() {
  grep -qE -- "$2" "$tmp/err" || { fail "$1: stderr lacks /$2/"; sed 's/^/  err: /' "$tmp/err" | tail -20; }
}
