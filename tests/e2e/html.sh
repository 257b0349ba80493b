#!/bin/sh
# html.sh - end to end: wsinspect --html and --mermaid on every capture and HAR file in captures/ (with its key
# log when it has one). The page's data are --json's objects plus the fields --html adds, checked
# by html_check.py (header bytes rebuilt from the fields, masked bytes, the Accept's SHA-1 with
# hashlib); the Mermaid text is statements only, with nothing Mermaid would read in its text, one
# arrow per message; one Mermaid output is compared with a golden checked by hand against the
# ladder. The page in a browser: tests/browser/html.test.mjs.
set -u
. tests/lib.sh

W=${WSINSPECT:-build/wsinspect}
A=${WSACCEPT:-build/wsaccept}
BUILD=${BUILD:-build}
E=tests/e2e
T=$(mktemp -d)
trap 'rm -rf "$T" "$_out"' EXIT
LC_ALL=C.UTF-8
export LC_ALL

. tests/e2e/prelude.inc
if ! e2e_programs; then
    finish
    exit 1
fi

n=0
for f in $(find captures -name '*.pcap' -o -name '*.pcapng' -o -name '*.har' | sort); do
    n=$((n + 1))
    kl=${f%.pcap*}.keylog
    set -- "$f"
    [ -f "$kl" ] && set -- --keylog "$kl" "$f"
    "$W" --json --payload 1024 "$@" >"$T/$n.json" 2>/dev/null; rj=$?
    "$W" --html "$@" >"$T/$n.html" 2>/dev/null; rh=$?
    "$W" --mermaid "$@" >"$T/$n.mmd" 2>/dev/null; rm=$?
    "$W" --mermaid --frames "$@" >"$T/$n.f.mmd" 2>/dev/null; rf=$?
    expect_eq "$f: --html and --mermaid exit as --json does ($rj)" "$rh $rm $rf" "$rj $rj $rj"
    check "$f: the page's data are --json's objects, and the fields it adds are right" \
        "$PY" "$E/html_check.py" page "$T/$n.html" "$T/$n.json" "$f"
    check "$f: --mermaid is statements, its text escaped, an arrow per message" \
        "$PY" "$E/html_check.py" mermaid "$T/$n.mmd" "$T/$n.json" 0
    check "$f: --mermaid --frames, an arrow per frame" \
        "$PY" "$E/html_check.py" mermaid "$T/$n.f.mmd" "$T/$n.json" 1
done
check "every capture was checked ($n)" test "$n" -ge 50

# The golden: lesson 05's chat, compared by hand with the ladder (wsinspect captures/chat-python.pcap):
# the same heads, verdict, seven messages in the same order and directions, the same close codes.
"$W" --mermaid captures/chat-python.pcap >"$T/chat.mmd" 2>/dev/null
check "chat-python.pcap --mermaid is the golden" cmp "$T/chat.mmd" "$E/golden/chat-python.mmd"
# fragmented-node.pcap per frame: FIN and continuation frames, masked from the client
"$W" --mermaid --frames captures/fragmented-node.pcap >"$T/frag.mmd" 2>/dev/null
check "fragmented-node.pcap --mermaid --frames is the golden" cmp "$T/frag.mmd" "$E/golden/fragmented-node-frames.mmd"

# Options reach the page: --stream keeps one connection, --payload sets the previews
"$W" --html --stream 2 captures/multi-client-python.pcap >"$T/s2.html" 2>/dev/null
"$W" --json --payload 1024 --stream 2 captures/multi-client-python.pcap >"$T/s2.json" 2>/dev/null
check "--html --stream 2: the data of connection 2 only" "$PY" "$E/html_check.py" page "$T/s2.html" "$T/s2.json" captures/multi-client-python.pcap
check "--html --stream 2: no other connection" sh -c '! grep -q "\"conn\":[13]," "$1"' sh "$T/s2.html"
"$W" --html --payload 4 captures/chat-python.pcap >"$T/p4.html" 2>/dev/null
check "--html --payload 4: previews of 4 bytes" grep -q '"text":"hell","preview_hex":"68656c6c","preview_truncated":true' "$T/p4.html"

# Wire markup (gen_hostile's edge-markup.pcap): in the page only as escaped JSON text
if [ -x "$BUILD/tools/gen_hostile" ] && "$BUILD/tools/gen_hostile" "$T" edge-markup.pcap; then
    "$W" --html "$T/edge-markup.pcap" >"$T/markup.html" 2>/dev/null
    "$W" --json --payload 1024 "$T/edge-markup.pcap" >"$T/markup.json" 2>/dev/null
    check "edge-markup.pcap: the page's data are --json's objects" "$PY" "$E/html_check.py" page "$T/markup.html" "$T/markup.json" "$T/edge-markup.pcap"
    check "edge-markup.pcap: the wire's script is in the page, escaped" grep -q '\\u003cscript\\u003ewindow.__wsi_pwned=6' "$T/markup.html"
    expect_eq "edge-markup.pcap: never as markup" "$(grep -c '<script>window\|<img\|<svg\|<iframe' "$T/markup.html")" "0"
    "$W" --mermaid "$T/edge-markup.pcap" >"$T/markup.mmd" 2>/dev/null
    check "edge-markup.pcap: --mermaid text escaped" "$PY" "$E/html_check.py" mermaid "$T/markup.mmd" "$T/markup.json" 0
else
    _bad "gen_hostile writes edge-markup.pcap" "$BUILD/tools/gen_hostile is missing (make all-tests)"
fi

# --help names both
check "--help names --html and --mermaid" sh -c '"$1" --help | grep -q -- "--html" && "$1" --help | grep -q -- "--mermaid"' sh "$W"
finish
