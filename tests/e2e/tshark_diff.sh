#!/bin/sh
# tshark_diff.sh - the differential test: wsinspect --json against tshark's websocket.* fields, capture by
# capture (captures/, captures/hostile/, captures/violations/, and ../shared/third-party-captures/ when it
# exists). tshark_diff.py does the comparing (frame count, opcode, FIN, RSV, MASK, lengths, masking key,
# completing packet, unmasked payload bytes, close code, handshake key/Accept, and our verdict against
# wsaccept); tshark-known.txt lists the few disagreements that are tshark's limits, each checked to still
# occur. Run from the repository root; $WSINSPECT and $WSACCEPT name the programs.
set -u
. tests/lib.sh

W=${WSINSPECT:-build/wsinspect}
A=${WSACCEPT:-build/wsaccept}
E=tests/e2e
TP=${WSI_THIRD_PARTY:-../shared/third-party-captures}  # overridable, e.g. to try the suite without it
T=$(mktemp -d)
trap 'rm -rf "$T" "$_out"' EXIT
LC_ALL=C.UTF-8
export LC_ALL

. tests/e2e/prelude.inc
if ! e2e_programs; then
    finish
    exit 1
fi

caps=$(ls captures/*.pcap captures/*.pcapng captures/hostile/*.pcap captures/violations/*.pcap)
if [ -d "$TP" ]; then
    tps=$(find "$TP" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
else
    tps=""
    skip "third-party captures" "$TP is absent (it exists only beside the team's clone)"
fi

# label PATH: captures/X -> X, $TP/Y -> third-party/Y (the names tshark-known.txt uses)
label() {
    case $1 in
        "$TP"/*) printf 'third-party/%s' "${1#"$TP"/}" ;;
        *) printf '%s' "${1#captures/}" ;;
    esac
}

if ! command -v tshark >/dev/null 2>&1; then
    for c in $caps $tps; do skip "tshark agrees: $(label "$c")" "tshark is not installed (make deps installs it)"; done
    finish
    exit $?
fi

# passed FILE: the result file says PASS; else show it
passed() {
    if [ "$(head -n 1 "$1")" = PASS ]; then return 0; fi
    sed 1d "$1" | grep -v '^note' 
    return 1
}

# shellcheck disable=SC2086 # the lists are file names without blanks
WSINSPECT=$W WSACCEPT=$A "$PY" -S "$E/tshark_diff.py" --known "$E/tshark-known.txt" --check-known-captures \
    --outdir "$T/res" $caps $tps >"$T/py.out" 2>&1
check "tshark_diff.py ran" test -s "$T/res/known-list.result"
[ -s "$T/py.out" ] && sed 's/^/       /' "$T/py.out"

for c in $caps $tps; do
    label=$(label "$c")
    r="$T/res/$(printf '%s' "$label" | sed 's|/|__|g').result"
    if [ ! -f "$r" ]; then
        _bad "tshark agrees: $label" "no result from tshark_diff.py"
        continue
    fi
    cover=$(sed -n 's/^note   \([0-9]*\) frames compared field by field, \([0-9]*\) payloads compared.*/\1 frames, \2 payloads/p' "$r")
    check "tshark agrees: $label ($cover)" passed "$r"
    # the tolerated disagreements are said out loud
    sed -n 's/^known  \([^:]*\):.*/       tolerated (tshark-known.txt): \1/p' "$r"
done
check "tshark-known.txt names only captures that exist" passed "$T/res/known-list.result"

# The comparison is not vacuous: a wsinspect that changes one payload byte, one masking key, one
# opcode and one verdict must be caught on each.
cat >"$T/liar" <<LIAR
#!/bin/sh
"$W" "\$@" | sed -e 's/"preview_hex":"68656c6c6f"/"preview_hex":"68656c6c6e"/' \
    -e 's/"masking_key":"\([0-9a-f]\{7\}\)[0-9a-f]"/"masking_key":"\10"/' \
    -e '/"dir":"s2c"/s/"opcode":8,/"opcode":9,/' -e 's/"verdict":"valid"/"verdict":"mismatch"/'
LIAR
chmod +x "$T/liar"
WSINSPECT="$T/liar" WSACCEPT=$A "$PY" -S "$E/tshark_diff.py" --outdir "$T/liar-res" captures/hostile/hostile-baseline.pcap >/dev/null 2>&1
lr="$T/liar-res/hostile__hostile-baseline.pcap.result"
for what in "c2s#1 payload" "c2s#1 masking-key" "s2c#4 opcode" "conn1 verdict"; do
    check "self-test: a wrong $what is caught" grep -qF "DIFF   conn1 ${what#conn1 }" "$lr"
done

finish
