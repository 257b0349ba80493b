#!/bin/sh
# run-all.sh BUILD - run every suite (unit, cli, e2e, lessons) and add up the results.
# Each suite ends with a line "...: N passed, N failed"; cmocka suites with
# "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)".
set -u
BUILD=${1:-build}
export BUILD
export WSACCEPT="$BUILD/wsaccept" WSINSPECT="$BUILD/wsinspect"
pass=0; fail=0; skipped=0; broken=""
log=$(mktemp); trap 'rm -f "$log"' EXIT

run_suite() {
    name=$1; shift
    echo "=== $name"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/.*: \([0-9]*\) passed, [0-9]* failed.*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/.*: [0-9]* passed, \([0-9]*\) failed.*/\1/p' "$log" | tail -1)
    s=$(sed -n 's/.*passed, [0-9]* failed, \([0-9]*\) skipped.*/\1/p' "$log" | tail -1)
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skipped=$((skipped + ${s:-0}))
    if [ "$rc" -ne 0 ]; then
        [ -z "$f" ] || [ "$f" -eq 0 ] && fail=$((fail + 1))
        broken="$broken $name"
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] && run_suite "unit/$(basename "$t")" "$t"
done
for t in tests/cli/*.sh tests/e2e/*.sh; do
    [ -f "$t" ] && run_suite "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" sh "$t"
done
# Browser suites (tests/browser/*.test.mjs): skipped, and counted as such, when chromium or
# playwright-core is missing; a failure when WSI_REQUIRE_BROWSER=1 (CI).
for t in tests/browser/*.test.mjs; do
    [ -f "$t" ] || continue
    sh tests/browser/available.sh; av=$?
    if [ "$av" -eq 0 ]; then
        run_suite "browser/$(basename "$t" .test.mjs)" node "$t"
    elif [ "$av" -eq 2 ]; then
        echo "=== browser/$(basename "$t" .test.mjs): required (WSI_REQUIRE_BROWSER=1) but cannot run"; fail=$((fail + 1)); broken="$broken browser/$(basename "$t" .test.mjs)"
    else
        echo "=== browser/$(basename "$t" .test.mjs): skipped"; skipped=$((skipped + 1))
    fi
done
if [ -f lessons/check.sh ]; then
    run_suite lessons sh lessons/check.sh "$BUILD"
fi

echo
[ -n "$broken" ] && echo "suites that failed:$broken"
echo "total: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ] && [ -z "$broken" ]
