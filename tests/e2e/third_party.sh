#!/bin/sh
# third_party.sh - wsinspect on the interop corpus in ../shared/third-party-captures/ (captures made by
# Zeek, Suricata and ndn-tools, not by this project): for each file, the facts its README states, and
# a few more read from the capture (and confirmed by tshark in tshark_diff.sh). The folder exists only
# beside the team's clone: without it every check here is reported as skipped.
# Run from the repository root; $WSINSPECT and $WSACCEPT name the programs.
set -u
. tests/lib.sh

W=${WSINSPECT:-build/wsinspect}
A=${WSACCEPT:-build/wsaccept}
E=tests/e2e
TP=${WSI_THIRD_PARTY:-../shared/third-party-captures}  # overridable, e.g. to try the suite without it
T=$(mktemp -d)
trap 'rm -rf "$T" "$_out"' EXIT
LC_ALL=C.UTF-8
COLUMNS=400
export LC_ALL COLUMNS
unset NO_COLOR

if [ ! -d "$TP" ]; then
    skip "third-party captures" "$TP is absent (it exists only beside the team's clone)"
    finish
    exit $?
fi
. tests/e2e/prelude.inc
if ! e2e_programs; then
    finish
    exit 1
fi

# ins NAME FILE: ladder ($T/NAME.txt, wide: no wrapping), JSON ($T/NAME.json), summary; exit statuses in
# $T/NAME.rc as "ladder json summary". A file missing from the corpus is a failure, said once.
ins() {
    n=$1; f=$TP/$2
    echo "$2" >>"$T/covered"
    if [ ! -f "$f" ]; then
        _bad "$2: in the corpus" "$f is missing"
        : >"$T/$n.txt"; : >"$T/$n.json"; : >"$T/$n.sum"; echo "- - -" >"$T/$n.rc"
        return
    fi
    "$W" --color=never "$f" >"$T/$n.txt" 2>"$T/$n.err"; r1=$?
    "$W" --json --payload 1024 "$f" >"$T/$n.json" 2>/dev/null; r2=$?
    "$W" --summary --color=never "$f" >"$T/$n.sum" 2>/dev/null; r3=$?
    echo "$r1 $r2 $r3" >"$T/$n.rc"
}
rcs() { cat "$T/$1.rc"; }
q() { "$PY" -S "$E/jsonq.py" "$T/$1.json" "$2"; }
qa() { "$PY" -S "$E/jsonq.py" --assert "$T/$1.json" "$2"; }
has() { grep -qF -- "$2" "$T/$1.txt"; }

# ---- zeek/ ----------------------------------------------------------------------------------
ins wa zeek/wrong-accept-header.pcap
expect_eq "zeek/wrong-accept-header: exit 1" "$(rcs wa)" "1 1 1"
expect_eq "zeek/wrong-accept-header: mismatch, expected N8ntNYkX6Qerw4tK3s/CYzpSZNc=, sent it with -wrong" \
    "$(q wa '[(h["verdict"], h["expected_accept"], h["accept"]) for h in hs]')" \
    '[["mismatch", "N8ntNYkX6Qerw4tK3s/CYzpSZNc=", "N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong"]]'
expect_eq "zeek/wrong-accept-header: wsaccept computes the same expected Accept from the key" \
    "$("$A" "$(q wa 'hs[0]["key"]')")" "N8ntNYkX6Qerw4tK3s/CYzpSZNc="
check "zeek/wrong-accept-header: the ladder says MISMATCH with the expected Accept" has wa \
    "MISMATCH: expected N8ntNYkX6Qerw4tK3s/CYzpSZNc=, sent N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong"

ins ov zeek/oversized-close-frame.pcapng
expect_eq "zeek/oversized-close-frame: exit 1" "$(rcs ov)" "1 1 1"
expect_eq "zeek/oversized-close-frame: the RFC sample key, valid" \
    "$(q ov '[(h["key"], h["verdict"]) for h in hs]')" '[["dGhlIHNhbXBsZSBub25jZQ==", "valid"]]'
expect_eq "zeek/oversized-close-frame: a 258-byte close frame in the 64-bit length form" \
    "$(q ov '[(f["opcode_name"], f["len7"], f["payload_length"], f["header_length"]) for f in frames]')" \
    '[["close", 127, 258, 10]]'
expect_eq "zeek/oversized-close-frame: control-too-long (§5.5) and non-minimal-length (§5.2)" \
    "$(q ov 'sorted((v["violation"], v["rfc"]) for v in viols)')" \
    '[["control-too-long", "RFC 6455 §5.5"], ["non-minimal-length", "RFC 6455 §5.2"]]'
check "zeek/oversized-close-frame: the details say 258 bytes and the 64-bit field" qa ov \
    'all("258" in v["detail"] for v in viols) and any("64-bit" in v["detail"] for v in viols if v["violation"] == "non-minimal-length")'
check "zeek/oversized-close-frame: the close code is still read: 1000" qa ov \
    '[m["close_code"] for m in msgs if m["opcode"] == 8] == [1000]'
check "zeek/oversized-close-frame: the ladder flags both" sh -c \
    'grep -qF "⚠ RFC 6455 §5.5: control frame payload is longer than 125 bytes" "$1" && grep -qF "⚠ RFC 6455 §5.2: payload length is not in its minimal encoding" "$1"' \
    sh "$T/ov.txt"

ins two zeek/two-binary-fragments.pcap
expect_eq "zeek/two-binary-fragments: exit 0" "$(rcs two)" "0 0 0"
expect_eq "zeek/two-binary-fragments: 5 + 7 bytes make one binary message \"Hello there!\" of 2 frames" \
    "$(q two '[(m["opcode_name"], m["frames"], bytes.fromhex(m["preview_hex"]).decode()) for m in of("message", "s2c") if m["opcode"] == 2]')" \
    '[["binary", 2, "Hello there!"]]'
expect_eq "zeek/two-binary-fragments: the two frames" \
    "$(q two '[(f["opcode_name"], f["fin"], f["payload_length"]) for f in of("frame", "s2c") if f["opcode"] in (0, 2)]')" \
    '[["binary", false, 5], ["continuation", true, 7]]'
check "zeek/two-binary-fragments: the ladder shows it as one message of 2 frames" grep -qE '[|]<--- binary 12 B \(2 frames\) -*[|]$' "$T/two.txt"

ins frag zeek/fragmented-http-reply.pcap
expect_eq "zeek/fragmented-http-reply: exit 0" "$(rcs frag)" "0 0 0"
check "zeek/fragmented-http-reply: a binary message of 5 frames, all in one TCP segment" qa frag \
    '[(m["frames"], m["length"]) for m in of("message", "s2c") if m["opcode"] == 2] == [(5, 56)] and len({f["packet"] for f in of("frame", "s2c") if f["opcode"] in (0, 2)}) == 1'
check "zeek/fragmented-http-reply: it reassembles to the HTTP reply" qa frag \
    'bytes.fromhex([m for m in of("message", "s2c") if m["opcode"] == 2][0]["preview_hex"]).startswith(b"HTTP/1.1 200 OK\r\n")'

ins jup zeek/jupyter-websocket.pcap
expect_eq "zeek/jupyter-websocket: exit 0" "$(rcs jup)" "0 0 0"
check "zeek/jupyter-websocket: 16-bit lengths" qa jup \
    'all(f["len7"] == 126 and 126 <= f["payload_length"] <= 65535 for f in frames if f["opcode"] == 2) and len([f for f in frames if f["opcode"] == 2]) == 12'
check "zeek/jupyter-websocket: 9 frames in one segment" qa jup \
    'max(sum(1 for f in frames if f["packet"] == p) for p in {f["packet"] for f in frames}) == 9'
expect_eq "zeek/jupyter-websocket: empty close frames both ways (no code)" \
    "$(q jup '[(c["client_close"], c["server_close"]) for c in closes]')" '[[0, 0]]'

ins big zeek/message-too-big-status.pcap
expect_eq "zeek/message-too-big-status: exit 0" "$(rcs big)" "0 0 0"
expect_eq "zeek/message-too-big-status: close 1009 (message too big) with its reason, answered by 1000" \
    "$(q big '[(m["dir"], m["close_code"], m["close_name"], m["close_reason"]) for m in msgs if m["opcode"] == 8]')" \
    '[["c2s", 1009, "message too big", "over size limit (4 > 2 bytes)"], ["s2c", 1000, "normal", ""]]'
check "zeek/message-too-big-status: the ladder shows 1009" grep -qE '[|]---- close 1009 \(message too big\) "over size limit \(4 > 2 bytes\)" -*>[|]$' "$T/big.txt"

ins brk zeek/broker-websocket.pcap
expect_eq "zeek/broker-websocket: exit 0" "$(rcs brk)" "0 0 0"
check "zeek/broker-websocket: permessage-deflate offered but not accepted" qa brk \
    'hs[0]["extensions_offered"].startswith("permessage-deflate") and hs[0]["extensions_selected"] is None and hs[0]["deflate"] is False'
check "zeek/broker-websocket: no frame has RSV1" qa brk 'all(f["rsv"] == 0 for f in frames)'
expect_eq "zeek/broker-websocket: close 1000 from the client" "$(q brk '[(c["client_close"], c["server_close"]) for c in closes]')" '[[1000, null]]'

for v in coalesced separate; do
    ins "rp-$v" "zeek/reply-ping-$v.pcap"
    expect_eq "zeek/reply-ping-$v: exit 0" "$(rcs "rp-$v")" "0 0 0"
    expect_eq "zeek/reply-ping-$v: the server's ping answered by the client's pong, then texts" \
        "$(q "rp-$v" '[(m["dir"], m["opcode_name"], bytes.fromhex(m["preview_hex"]).decode()) for m in msgs if m["opcode"] != 8]')" \
        '[["s2c", "ping", "Zeek"], ["c2s", "pong", "Zeek"], ["c2s", "text", "Hello Zeek!"], ["s2c", "text", "Hello there!"]]'
    check "zeek/reply-ping-$v: the pong has an rtt" qa "rp-$v" '[m["rtt"] > 0 for m in msgs if m["opcode"] == 10] == [True]'
done
check "zeek/reply-ping-coalesced: the ping shares the 101's segment" qa rp-coalesced \
    '[f["packet"] for f in frames if f["opcode"] == 9] == [h["packet"] for h in https if h.get("status") == 101]'
check "zeek/reply-ping-separate: the ping comes in a segment of its own" qa rp-separate \
    '[f["packet"] for f in frames if f["opcode"] == 9][0] > [h["packet"] for h in https if h.get("status") == 101][0]'

ins wth zeek/wstunnel-http.pcap
expect_eq "zeek/wstunnel-http: exit 1 (the wstunnel client does not mask)" "$(rcs wth)" "1 1 1"
expect_eq "zeek/wstunnel-http: HTTP tunnelled in binary messages" \
    "$(q wth '[(m["dir"], bytes.fromhex(m["preview_hex"])[:15].decode()) for m in msgs if m["opcode"] == 2]')" \
    '[["c2s", "GET / HTTP/1.1\r"], ["s2c", "HTTP/1.1 301 Mo"]]'
expect_eq "zeek/wstunnel-http: each unmasked client frame is flagged client-unmasked" \
    "$(q wth '[(v["violation"], v["dir"]) for v in viols]')" '[["client-unmasked", "c2s"], ["client-unmasked", "c2s"]]'
check "zeek/wstunnel-http: the subprotocol v1 is selected" qa wth '[h["protocol_selected"] for h in hs] == ["v1"]'
ins wtt zeek/wstunnel-https.pcap
expect_eq "zeek/wstunnel-https: exit 0" "$(rcs wtt)" "0 0 0"
check "zeek/wstunnel-https: TLS records tunnelled in binary messages (a ClientHello first)" qa wtt \
    'all(m["opcode"] in (2, 8) for m in msgs) and bytes.fromhex(of("message", "c2s")[0]["preview_hex"])[:1] == b"\x16" and len(frames) == 38'
ins wts zeek/wstunnel-ssh.pcap
expect_eq "zeek/wstunnel-ssh: exit 0" "$(rcs wts)" "0 0 0"
expect_eq "zeek/wstunnel-ssh: 155 frames over 2 connections" "$(q wts '[len(frames), len(closes)]')" '[155, 2]'
check "zeek/wstunnel-ssh: SSH banners are the first binary messages" qa wts \
    'all(bytes.fromhex(of("message", d, c)[0]["preview_hex"]).startswith(b"SSH-2.0-") for c in (1, 2) for d in ("c2s", "s2c"))'

# ---- suricata-verify/ -------------------------------------------------------------------------
ins png suricata-verify/websocket-ping_input.pcap
expect_eq "suricata/websocket-ping: exit 1" "$(rcs png)" "1 1 1"
expect_eq "suricata/websocket-ping: the client's unmasked ping is client-unmasked (§5.1), packet 8" \
    "$(q png '[(v["violation"], v["rfc"], v["packet"]) for v in viols]')" '[["client-unmasked", "RFC 6455 §5.1", 8]]'
expect_eq "suricata/websocket-ping: ping (packet 8), server text who, pong (packet 11)" \
    "$(q png '[(f["dir"], f["packet"], f["opcode_name"], f["mask"]) for f in frames]')" \
    '[["c2s", 8, "ping", false], ["s2c", 9, "text", false], ["s2c", 11, "pong", false]]'
expect_eq "suricata/websocket-ping: the server's text" "$(q png 'texts("s2c")')" '["\"who\""]'

ins cf suricata-verify/websocket-control-frag_input.pcap
expect_eq "suricata/websocket-control-frag: exit 0 (a ping between fragments is allowed)" "$(rcs cf)" "0 0 0"
expect_eq "suricata/websocket-control-frag: text FIN=0, a ping, then the continuation" \
    "$(q cf '[(f["opcode_name"], f["fin"]) for f in of("frame", "c2s")]')" \
    '[["text", false], ["ping", true], ["continuation", true]]'
expect_eq "suricata/websocket-control-frag: the ping is delivered on its own, the text whole" \
    "$(q cf '[(m["opcode_name"], m["frames"], m.get("text")) for m in of("message", "c2s")]')" \
    '[["ping", 1, null], ["text", 2, "MALWARE_DOWNLOAD cmd.exe /c powershell -enc AAAA"]]'
check "suricata/websocket-control-frag: no violation" qa cf 'viols == []'
check "suricata/websocket-control-frag: key warning: the key is the base64 of 18 bytes" qa cf \
    'hs[0]["key_warning"] is True and hs[0]["verdict"] == "valid"'
expect_eq "suricata/websocket-control-frag: (the key really decodes to 18 bytes)" \
    "$(q cf '__import__("base64").b64decode(hs[0]["key"]).__len__()')" 18
check "suricata/websocket-control-frag: the ladder warns about the key" has cf "Sec-WebSocket-Key is not the base64 of 16 bytes"

ins cmp suricata-verify/websocket-compressed_example_websocket.pcap
expect_eq "suricata/websocket-compressed: exit 0" "$(rcs cmp)" "0 0 0"
check "suricata/websocket-compressed: permessage-deflate negotiated, RSV1 on every frame" qa cmp \
    'hs[0]["deflate"] is True and len(frames) == 10 and all(f["rsv"] == 4 for f in frames) and viols == []'
check "suricata/websocket-compressed: the text TOGGLE=5659131662f54334 is found (inflated)" sh -c \
    'grep -qF "TOGGLE=5659131662f54334" "$1" || grep -qF "TOGGLE=5659131662f54334" "$2"' sh "$T/cmp.txt" "$T/cmp.json"

ins bas suricata-verify/websocket_basic_websockets.pcap
expect_eq "suricata/websocket_basic: exit 0" "$(rcs bas)" "0 0 0"
expect_eq "suricata/websocket_basic: 3 client and 14 server text messages" \
    "$(q bas '[len(of("message", "c2s")), len(of("message", "s2c")), sorted({m["opcode_name"] for m in msgs})]')" '[3, 14, ["text"]]'
check "suricata/websocket_basic: a client text frame with mask 3803616749 (0xe2b695ed)" qa bas \
    '[f["opcode_name"] for f in frames if f.get("masking_key") == "%08x" % 3803616749] == ["text"]'

# ---- ndn-tools/ -------------------------------------------------------------------------------
for v in 4 6; do
    ins "ndn$v" "ndn-tools/ipv$v-websocket-segmented.pcap"
    expect_eq "ndn-tools/ipv$v: exit 0" "$(rcs "ndn$v")" "0 0 0"
    check "ndn-tools/ipv$v: the 5379-byte server message spread over TCP segments is decoded whole" qa "ndn$v" \
        '[(m["length"], m["incomplete"]) for m in of("message", "s2c") if m["opcode"] == 2] == [(5379, False)] and all(c["gaps"] == 0 for c in closes)'
    if [ "$HAVE_TSHARK" = 1 ]; then
        segs=$(tshark -r "$TP/ndn-tools/ipv$v-websocket-segmented.pcap" -Y 'websocket.opcode == 2 && tcp.srcport == 9696' \
            -T fields -e tcp.segment.count 2>/dev/null | head -n 1)
        check "ndn-tools/ipv$v: tshark agrees it spans several segments ($segs)" test "${segs:-0}" -ge 2
    else
        skip "ndn-tools/ipv$v: segment count from tshark" "tshark is not installed"
    fi
done
check "ndn-tools/ipv4: IPv4 endpoints, the valid connection" qa ndn4 \
    '[(c["server"], c["verdict"]) for c in closes][-1] == ("131.179.196.46:9696", "valid")'
check "ndn-tools/ipv6: IPv6 endpoints in brackets" qa ndn6 \
    'closes[0]["client"].startswith("[2607:f010:3f9::1001]:") and closes[0]["server"] == "[2607:f010:3f9::11:0]:9696"'
check "ndn-tools/ipv4: the first connection's tail is recognised mid-stream (close 1001 each way)" qa ndn4 \
    '[(c["verdict"], c["client_close"], c["server_close"]) for c in closes][0] == ("not-seen", 1001, 1001)'

# every file of the corpus went through one of the checks above
for f in $(find "$TP" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort); do
    rel=${f#"$TP"/}
    check "$rel: has checks here" grep -qxF "$rel" "$T/covered"
done

finish
