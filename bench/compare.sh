#!/bin/sh
# compare.sh OLD_WSINSPECT NEW_WSINSPECT - is the output the same, byte for byte?
#
# Runs both programs on every bundled capture (captures/, recursively, .pcap
# and .pcapng, and captures/har/*.har) and every third-party capture
# (../shared/third-party-captures, recursively, skipped when absent), in the
# views "", --json, --summary, --frames, -x, "--payload 200" and --html, at
# COLUMNS=80 and 45, with --keylog where a key log sits next to the capture,
# and compares standard output, standard error and the exit status. Used to
# check that a change made for speed changes nothing that is written: build
# the version before the change elsewhere (git archive into /tmp, make) and
# give both programs. Prints each difference and a count; exits 1 if any.
#
# Environment: COMPARE_JOBS=2 (runs at once), COMPARE_EXTRA="FILE..." more
# captures to compare (e.g. gen_bench's).
set -u
OLD=${1:?usage: compare.sh OLD_WSINSPECT NEW_WSINSPECT}
NEW=${2:?usage: compare.sh OLD_WSINSPECT NEW_WSINSPECT}
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
JOBS=${COMPARE_JOBS:-2}
for b in "$OLD" "$NEW"; do
    [ -x "$b" ] || { echo "compare: $b is not a program" >&2; exit 2; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wsi-compare.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT INT TERM

{
    find "$ROOT/captures" -type f \( -name '*.pcap' -o -name '*.pcapng' \)
    ls "$ROOT"/captures/har/*.har 2>/dev/null
    [ -d "$ROOT/../shared/third-party-captures" ] &&
        find "$ROOT/../shared/third-party-captures" -type f \( -name '*.pcap' -o -name '*.pcapng' \)
    for f in ${COMPARE_EXTRA:-}; do echo "$f"; done
} | sort >"$WORK/files"

# One job: a capture, a view, a width.
: >"$WORK/jobs"
while IFS= read -r f; do
    for cols in 80 45; do
        for view in none --json --summary --frames -x "--payload 200" --html; do
            printf '%s\t%s\t%s\n' "$cols" "$view" "$f" >>"$WORK/jobs"
        done
    done
done <"$WORK/files"

cat >"$WORK/one.sh" <<'EOF'
#!/bin/sh
# one.sh OLD NEW WORK "COLS<TAB>VIEW<TAB>FILE"
OLD=$1 NEW=$2 WORK=$3
cols=$(printf '%s' "$4" | cut -f1)
view=$(printf '%s' "$4" | cut -f2)
f=$(printf '%s' "$4" | cut -f3-)
[ "$view" = none ] && view=
kl=
case $f in
    *.pcap) [ -f "${f%.pcap}.keylog" ] && kl="--keylog ${f%.pcap}.keylog" ;;
    *.pcapng) [ -f "${f%.pcapng}.keylog" ] && kl="--keylog ${f%.pcapng}.keylog" ;;
esac
t=$WORK/$$
# shellcheck disable=SC2086
COLUMNS=$cols "$OLD" $view $kl "$f" >"$t.o1" 2>"$t.e1"; r1=$?
# shellcheck disable=SC2086
COLUMNS=$cols "$NEW" $view $kl "$f" >"$t.o2" 2>"$t.e2"; r2=$?
sed "s#$OLD#WSINSPECT#g" "$t.e1" >"$t.e1s"; sed "s#$NEW#WSINSPECT#g" "$t.e2" >"$t.e2s"
if [ $r1 -ne $r2 ] || ! cmp -s "$t.o1" "$t.o2" || ! cmp -s "$t.e1s" "$t.e2s"; then
    echo "DIFF COLUMNS=$cols ${view:-(ladder)} $f (exit $r1 vs $r2)"
    echo x >>"$WORK/fail.$$"
fi
echo x >>"$WORK/ran.$$"
rm -f "$t".*
EOF

tr '\n' '\0' <"$WORK/jobs" | xargs -0 -P "$JOBS" -n 1 sh "$WORK/one.sh" "$OLD" "$NEW" "$WORK"
ran=$(cat "$WORK"/ran.* 2>/dev/null | wc -l)
failed=$(cat "$WORK"/fail.* 2>/dev/null | wc -l)
echo "compare: $ran runs of $(wc -l <"$WORK/files") captures, $failed different"
[ "$failed" -eq 0 ]
