# lib.sh - the tiny harness every shell test suite sources.
#   check NAME COMMAND...       passes when COMMAND exits 0
#   expect_eq NAME GOT WANT     passes when the two strings are equal
#   expect_exit NAME CODE COMMAND...   passes when COMMAND exits with CODE
#   finish                      prints "SUITE: N passed, N failed" and exits 1 on any failure
# Output of a failing check is shown; a passing one prints one "ok" line.
_pass=0
_fail=0
_suite=${SUITE:-$(basename "$0" .sh)}
_out=$(mktemp)
trap 'rm -f "$_out"' EXIT

_ok()   { _pass=$((_pass + 1)); echo "ok   - $1"; }
_bad()  { _fail=$((_fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       /'; }

check() {
    name=$1; shift
    if "$@" >"$_out" 2>&1; then _ok "$name"; else _bad "$name" "$(head -c 4000 "$_out")"; fi
}

expect_eq() {
    if [ "$2" = "$3" ]; then _ok "$1"; else _bad "$1" "got:  $2
want: $3"; fi
}

expect_exit() {
    name=$1; code=$2; shift 2
    "$@" >"$_out" 2>&1
    rc=$?
    if [ "$rc" -eq "$code" ]; then _ok "$name"; else _bad "$name" "exit $rc, want $code
$(head -c 4000 "$_out")"; fi
}

# skip NAME WHY: said out loud, counted apart.
_skip=0
skip() { _skip=$((_skip + 1)); echo "skip - $1: $2"; }

finish() {
    echo "$_suite: $_pass passed, $_fail failed, $_skip skipped"
    [ "$_fail" -eq 0 ]
}
