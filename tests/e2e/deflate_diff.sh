#!/bin/sh
# deflate_diff.sh - permessage-deflate: the text wsinspect inflates (zlib, RFC 7692) equals the text
# tshark decompresses, message by message, on every capture that negotiated it (bundled, and the
# third-party corpus when ../shared is there). Only single-frame messages are compared: tshark
# decodes garbage for fragmented compressed messages (a known limit of its, shared/notes/capturing.md).
set -u
. tests/lib.sh
W=${WSINSPECT:-build/wsinspect}
TP=${WSI_THIRD_PARTY:-../shared/third-party-captures}
T=$(mktemp -d)
trap 'rm -rf "$T" "$_out"' EXIT

if ! command -v tshark >/dev/null 2>&1; then
    skip "deflate vs tshark" "tshark is not installed (make deps installs it)"
    finish
    exit $?
fi

compare() {
    f=$1
    "$W" --json --payload 65536 "$f" >"$T/w.json" 2>/dev/null
    tshark -r "$f" -o tcp.reassemble_out_of_order:TRUE -Y 'websocket.rsv == 4 && websocket.fin == 1 && websocket.opcode == 1' \
        -T fields -E occurrence=f -e tcp.stream -e websocket.payload.text 2>/dev/null >"$T/t.tsv"
    python3 - "$T/w.json" "$T/t.tsv" <<'PY'
import json, sys
ours = [o for o in map(json.loads, open(sys.argv[1], encoding="utf-8"))
        if o["type"] == "message" and o.get("compressed") and o["frames"] == 1 and o["opcode"] == 1]
theirs = [l.rstrip("\n").split("\t", 1)[1] for l in open(sys.argv[2], encoding="utf-8", errors="replace") if "\t" in l]
if not ours:
    print("no compressed single-frame text message decoded"); sys.exit(1)
if len(ours) != len(theirs):
    print("wsinspect %d messages, tshark %d" % (len(ours), len(theirs))); sys.exit(1)
bad = 0
for n, (o, t) in enumerate(zip(ours, theirs), 1):
    # tshark prints the text as is; a text that fills the preview is compared on its length too
    if o.get("text") != t or o["inflated_length"] != len(t.encode()):
        print("message %d: wsinspect %r (%d B), tshark %r" % (n, o.get("text"), o["inflated_length"], t)); bad += 1
print("%d messages agree" % (len(ours) - bad))
sys.exit(1 if bad else 0)
PY
}

check "deflate-python.pcap: inflated texts equal tshark's" compare captures/deflate-python.pcap
s=$TP/suricata-verify/websocket-compressed_example_websocket.pcap
if [ -f "$s" ]; then
    check "suricata websocket-compressed: inflated texts equal tshark's" compare "$s"
else
    skip "suricata websocket-compressed" "$TP is absent (users' clones have no ../shared)"
fi
finish
