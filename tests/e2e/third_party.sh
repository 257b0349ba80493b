#!/bin/sh
# third_party.sh - wsinspect on the interop corpus in ../shared/third-party-captures/ (captures made by
# Zeek, Suricata and ndn-tools, and in more/ by browsers, applications and other projects' tests, not by
# this project): for each file, the facts its README states, and a few more read from the capture (and
# confirmed by tshark here or in tshark_diff.sh). The folder exists only beside the team's clone: without
# it every check here is reported as skipped.
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

# ins NAME FILE [OPTION...]: ladder ($T/NAME.txt, wide: no wrapping), JSON ($T/NAME.json), summary, each
# run with the OPTIONs (e.g. --keylog K); exit statuses in $T/NAME.rc as "ladder json summary". A file
# missing from the corpus is a failure, said once.
ins() {
    n=$1; f=$TP/$2
    shift 2
    echo "${f#"$TP"/}" >>"$T/covered"
    if [ ! -f "$f" ]; then
        _bad "${f#"$TP"/}: in the corpus" "$f is missing"
        : >"$T/$n.txt"; : >"$T/$n.json"; : >"$T/$n.sum"; echo "- - -" >"$T/$n.rc"
        return
    fi
    "$W" --color=never "$@" "$f" >"$T/$n.txt" 2>"$T/$n.err"; r1=$?
    "$W" --json --payload 1024 "$@" "$f" >"$T/$n.json" 2>/dev/null; r2=$?
    "$W" --summary --color=never "$@" "$f" >"$T/$n.sum" 2>/dev/null; r3=$?
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

# ---- more/ ------------------------------------------------------------------------------------
# Public captures of browsers, applications and other projects' tests (more/README.md), two of them
# negative controls. The truth asserted here is tshark 4.0's (frames per tcp.stream and direction; for
# the mid-stream ones with -d tcp.port==N,websocket; for wss:// with -o tls.keylog_file:) read with the
# classification rules: a connection whose start is in the capture (SYN, or first bytes that are HTTP,
# TLS or anything else) is WebSocket only after a 101 with Upgrade: websocket; a 101 to anything else is
# "upgrade-other"; a connection picked up mid-stream is WebSocket ("websocket-midstream", verdict
# not-seen) only on evidence: complete valid frames both ways, the client's masked and the server's not,
# enough of them. One frame in one direction is no evidence: there wsinspect differs from tshark with
# decode-as ON PURPOSE (eririmba, and onewesong's first connection): tshark-known.txt says so too.
# Exit status 1 exactly when a shown connection has a violation or a failed handshake. A connection
# still open when the capture ends is "still open", not abnormal (1006).

# wsn NAME: [[verdict, client frames, server frames] of each WebSocket connection, the frames of all]
wsn() { q "$1" '[[(c["verdict"], c["client_frames"], c["server_frames"]) for c in closes if c["websocket"]], len(frames)]'; }
# carr NAME: what each connection carries, in connection order
carr() { q "$1" '[c["carries"] for c in sorted(closes, key=lambda c: c["conn"])]'; }
# open_ok NAME: the WebSocket connections are still open at the end, not abnormal; the summary says no 1006
open_ok() {
    "$PY" -S "$E/jsonq.py" --assert "$T/$1.json" \
        'all(c["abnormal"] is False for c in closes if c["websocket"]) and any(c["websocket"] for c in closes)' &&
        ! grep -F "(1006)" "$T/$1.sum"
}
# tsd FILE PORT [FILTER]: the frames tshark decodes with -d tcp.port==PORT,websocket, as packet:opcode:mask
tsd() {
    tshark -r "$TP/more/$1" -d "tcp.port==$2,websocket" -Y "websocket${3:+ && $3}" \
        -T fields -e frame.number -e websocket.opcode -e websocket.mask 2>/dev/null | tr '\t' ':' | tr '\n' ' ' | sed 's/ $//'
}
# expect_tsd LABEL WANT FILE PORT [FILTER]: tsd's answer is WANT (skipped without tshark)
expect_tsd() {
    if [ "$HAVE_TSHARK" = 1 ]; then
        expect_eq "$1" "$(tsd "$3" "$4" ${5:+"$5"})" "$2"
    else
        skip "$1" "tshark is not installed"
    fi
}

ins aw more/arkime-websocket.pcap
expect_eq "more/arkime-websocket: exit 0" "$(rcs aw)" "0 0 0"
expect_eq "more/arkime-websocket: 1 WebSocket connection, valid, 2 client + 3 server frames (tshark: 5)" "$(wsn aw)" '[[["valid", 2, 3]], 5]'
expect_eq "more/arkime-websocket: carries websocket" "$(carr aw)" '["websocket"]'
expect_eq "more/arkime-websocket: the chat, all text" "$(q aw '[(m["dir"], m["opcode_name"], m.get("text")) for m in msgs]')" \
    '[["s2c", "text", "Welcome, 192.168.43.1 !"], ["c2s", "text", "test message"], ["s2c", "text", "21:33:52 ('"'"'192.168.43.1'"'"', 50999) say: test message"], ["c2s", "text", "hello websocket"], ["s2c", "text", "21:34:53 ('"'"'192.168.43.1'"'"', 50999) say: hello websocket"]]'
check "more/arkime-websocket: Windows keep-alives (1 byte at seq-1, packets 12 and 18) are no TCP anomaly" qa aw 'tcps == []'
check "more/arkime-websocket: no close frame, still open at the end of the capture (not 1006)" open_ok aw
check "more/arkime-websocket: permessage-deflate offered, not accepted" qa aw \
    'hs[0]["extensions_offered"].startswith("permessage-deflate") and hs[0]["extensions_selected"] is None and hs[0]["deflate"] is False'

ins as more/arkime-synthetic.pcap
expect_eq "more/arkime-synthetic: exit 0" "$(rcs as)" "0 0 0"
expect_eq "more/arkime-synthetic: 97 TCP connections, exactly 1 WebSocket (10.9.9.2:80, valid, 4 + 1 frames; tshark: 5)" \
    "$(q as '[len(closes), [(c["server"], c["verdict"], c["client_frames"], c["server_frames"]) for c in closes if c["websocket"]], len(frames)]')" \
    '[97, [["10.9.9.2:80", "valid", 4, 1]], 5]'
expect_eq "more/arkime-synthetic: one handshake, GET /chat with the RFC sample key" \
    "$(q as '[(h["path"], h["key"], h["verdict"]) for h in hs]')" '[["/chat", "dGhlIHNhbXBsZSBub25jZQ==", "valid"]]'
check "more/arkime-synthetic: no violation anywhere" qa as 'viols == []'
expect_eq "more/arkime-synthetic: a split text, a ping between two fragments, the server's close 1000 \"bye-split\"" \
    "$(q as '[(m["dir"], m["opcode_name"], m["frames"], m.get("text"), m.get("close_code"), m.get("close_reason")) for m in msgs]')" \
    '[["c2s", "text", 1, "SplitFrameSample", null, null], ["c2s", "ping", 1, null, null, null], ["c2s", "text", 2, "FragHeadPartFragTailPart", null, null], ["s2c", "close", 1, null, 1000, "bye-split"]]'
check "more/arkime-synthetic: carries websocket for /chat only, nothing else websocket*" qa as \
    '[c["server"] for c in closes if c["carries"] == "websocket"] == ["10.9.9.2:80"] and not any(c["carries"].startswith("websocket") for c in closes if c["server"] != "10.9.9.2:80")'
check "more/arkime-synthetic: every connection says why (evidence, a sentence)" qa as \
    'all(isinstance(c["evidence"], str) and c["evidence"].strip() != "" for c in closes)'

ins nm more/ndpi-websocket-midstream.pcap
expect_eq "more/ndpi-websocket-midstream: exit 0" "$(rcs nm)" "0 0 0"
expect_eq "more/ndpi-websocket-midstream: recognised mid-stream (not-seen), 2 client + 3 server frames" "$(wsn nm)" '[[["not-seen", 2, 3]], 5]'
check "more/ndpi-websocket-midstream: carries websocket-midstream, with its evidence" qa nm \
    '[c["carries"] for c in closes] == ["websocket-midstream"] and closes[0]["evidence"].strip() != ""'
expect_eq "more/ndpi-websocket-midstream: texts, the client's masked, the server's not" \
    "$(q nm '[(f["dir"], f["opcode_name"], f["mask"]) for f in frames]')" \
    '[["s2c", "text", false], ["c2s", "text", true], ["s2c", "text", false], ["c2s", "text", true], ["s2c", "text", false]]'
check "more/ndpi-websocket-midstream: the same texts as arkime-websocket's" qa nm \
    'texts() == ["Welcome, 192.168.43.1 !", "test message", "21:33:52 (\x27192.168.43.1\x27, 50999) say: test message", "hello websocket", "21:34:53 (\x27192.168.43.1\x27, 50999) say: hello websocket"]'
check "more/ndpi-websocket-midstream: still open at the end of the capture (not 1006)" open_ok nm
expect_tsd "more/ndpi-websocket-midstream: tshark sees them only with -d tcp.port==12345,websocket" \
    "1:1:0 2:1:1 3:1:0 4:1:1 5:1:0" ndpi-websocket-midstream.pcap 12345

ins vm more/ndpi-vmess-websocket-sll.pcapng
expect_eq "more/ndpi-vmess-websocket-sll: exit 0" "$(rcs vm)" "0 0 0"
expect_eq "more/ndpi-vmess-websocket-sll: 1 WebSocket connection, 3 client + 13 server frames (tshark: 16)" "$(wsn vm)" '[[["valid", 3, 13]], 16]'
expect_eq "more/ndpi-vmess-websocket-sll: VMess in binary frames, over Linux SLL on loopback" \
    "$(q vm '[sorted({(f["dir"], f["opcode_name"], f["mask"]) for f in frames}), [(c["client"], c["server"]) for c in closes if c["websocket"]]]')" \
    '[[["c2s", "binary", true], ["s2c", "binary", false]], [["127.0.0.1:33702", "127.0.0.1:1234"]]]'
expect_eq "more/ndpi-vmess-websocket-sll: the SOCKS leg is other TCP, the WebSocket, the TLS connection" "$(carr vm)" '["other", "websocket", "tls"]'
check "more/ndpi-vmess-websocket-sll: still open at the end of the capture (not 1006)" open_ok vm

ins kx more/ndpi-1kxun-handshakes-only.pcap
expect_eq "more/ndpi-1kxun-handshakes-only: exit 0" "$(rcs kx)" "0 0 0"
expect_eq "more/ndpi-1kxun-handshakes-only: 3 WebSocket connections, handshakes only (0 frames; tshark: 0)" "$(wsn kx)" \
    '[[["valid", 0, 0], ["valid", 0, 0], ["valid", 0, 0]], 0]'
expect_eq "more/ndpi-1kxun-handshakes-only: the three okhttp clients to swoole on :1234" \
    "$(q kx '[(c["client"], c["server"]) for c in sorted(closes, key=lambda c: c["conn"]) if c["websocket"]]')" \
    '[["192.168.2.126:60962", "172.104.93.92:1234"], ["192.168.2.126:60972", "172.104.93.92:1234"], ["192.168.2.126:60984", "172.104.93.92:1234"]]'
expect_eq "more/ndpi-1kxun-handshakes-only: three handshakes, nothing not-seen" "$(q kx '[h["verdict"] for h in hs]')" '["valid", "valid", "valid"]'
check "more/ndpi-1kxun-handshakes-only: carries websocket for those 3 only (the TLS picked up mid-stream is not WebSocket)" qa kx \
    'sorted(c["carries"] for c in closes if c["carries"].startswith("websocket")) == ["websocket"] * 3 and viols == []'
check "more/ndpi-1kxun-handshakes-only: TCP keep-alives (1 byte at seq-1) are no retrans-differs" qa kx \
    '[t["packet"] for t in tcps if t["anomaly"] == "retrans-differs"] == []'
check "more/ndpi-1kxun-handshakes-only: the 3 are still open at the end of the capture (not 1006)" open_ok kx

ins zh more/zeek-http-websocket.pcap
expect_eq "more/zeek-http-websocket: exit 0" "$(rcs zh)" "0 0 0"
expect_eq "more/zeek-http-websocket: 1 WebSocket connection, 3 client + 6 server frames (tshark: 9)" "$(wsn zh)" '[[["valid", 3, 6]], 9]'
expect_eq "more/zeek-http-websocket: Kaazing's subprotocol and reason phrase" \
    "$(q zh '[(h["protocol_selected"], h["status"], h["reason"]) for h in hs]')" '[["x-kaazing-handshake", 101, "Web Socket Protocol Handshake"]]'
check "more/zeek-http-websocket: an emulated HTTP request inside the first text frame" qa zh 'texts("c2s")[0].startswith("GET /echo HTTP/1.1\r\n")'
expect_eq "more/zeek-http-websocket: empty close frames both ways; carries websocket" \
    "$(q zh '[(c["client_close"], c["server_close"], c["carries"]) for c in closes]')" '[[0, 0, "websocket"]]'

ins em more/emmunaf-websocket-org-echo.pcapng
expect_eq "more/emmunaf-websocket-org-echo: exit 0" "$(rcs em)" "0 0 0"
expect_eq "more/emmunaf-websocket-org-echo: 1 WebSocket connection (echo.websocket.org), 5 + 5 frames (tshark: 10)" \
    "$(q em '[[(c["server"], c["verdict"], c["client_frames"], c["server_frames"]) for c in closes if c["websocket"]], len(frames)]')" \
    '[[["174.129.224.73:80", "valid", 5, 5]], 10]'
check "more/emmunaf-websocket-org-echo: the Telegram TLS picked up mid-stream is not WebSocket, no violation" qa em \
    'not any(c["websocket"] or c["carries"].startswith("websocket") for c in closes if "149.154.167.91:443" in (c["client"], c["server"])) and viols == []'
expect_eq "more/emmunaf-websocket-org-echo: two 110250-byte frames in the 64-bit length form" \
    "$(q em '[(f["dir"], f["len7"], f["payload_length"]) for f in frames if f["payload_length"] > 65535]')" '[["c2s", 127, 110250], ["s2c", 127, 110250]]'
expect_eq "more/emmunaf-websocket-org-echo: UTF-8 text echoed, empty close frames" \
    "$(q em '[texts("c2s")[0], texts("s2c")[0], [(c["client_close"], c["server_close"]) for c in closes if c["websocket"]]]')" \
    '["Rock it with HTML5 Prova è", "Rock it with HTML5 Prova è", [[0, 0]]]'

ins ev more/evsetool-ocpp.pcapng
expect_eq "more/evsetool-ocpp: exit 0" "$(rcs ev)" "0 0 0"
expect_eq "more/evsetool-ocpp: 2 WebSocket connections (loopback, docker-proxy), 5 + 5 frames each (tshark: 20)" "$(wsn ev)" \
    '[[["valid", 5, 5], ["valid", 5, 5]], 20]'
expect_eq "more/evsetool-ocpp: ocpp1.6 and permessage-deflate on both" \
    "$(q ev '[(h["protocol_selected"], h["extensions_selected"], h["deflate"]) for h in hs]')" \
    '[["ocpp1.6", "permessage-deflate", true], ["ocpp1.6", "permessage-deflate", true]]'
check "more/evsetool-ocpp: the same OCPP conversation twice, inflated, BootNotification first" qa ev \
    'texts("c2s", 1) == texts("c2s", 2) and texts("s2c", 1) == texts("s2c", 2) and texts("c2s", 1)[0].startswith("[2,\"bad9a3f6-ca80-4901-bb76-9034b8900b5b\",\"BootNotification\"") and all(m["rsv1"] for m in msgs if m["opcode"] == 1)'
expect_eq "more/evsetool-ocpp: close 1000/1000 on both" "$(q ev '[(c["client_close"], c["server_close"]) for c in closes]')" '[[1000, 1000], [1000, 1000]]'

ins cm more/ctf-mimpi-capture.pcap
expect_eq "more/ctf-mimpi-capture: exit 0" "$(rcs cm)" "0 0 0"
expect_eq "more/ctf-mimpi-capture: 1 WebSocket connection, 181 client + 1 server frames (tshark: 182)" "$(wsn cm)" '[[["valid", 181, 1]], 182]'
check "more/ctf-mimpi-capture: permessage-deflate with window bits 12" qa cm \
    'hs[0]["deflate"] is True and "server_max_window_bits=12" in hs[0]["extensions_selected"] and "client_max_window_bits=12" in hs[0]["extensions_selected"]'
expect_eq "more/ctf-mimpi-capture: 5 texts and 175 compressed binary messages inflating to 1428722 bytes (tshark agrees), a zip" \
    "$(q cm '[len([m for m in msgs if m["opcode"] == 1 and m.get("compressed")]), len([m for m in msgs if m["opcode"] == 2 and m.get("compressed")]), sum(m["inflated_length"] for m in msgs if m["opcode"] == 2), bytes.fromhex([m for m in msgs if m["opcode"] == 2][0]["preview_hex"])[:4].hex()]')" \
    '[5, 175, 1428722, "504b0304"]'
expect_eq "more/ctf-mimpi-capture: close 1000 \"done\" both ways" \
    "$(q cm '[(m["dir"], m["close_code"], m["close_reason"]) for m in msgs if m["opcode"] == 8]')" '[["c2s", 1000, "done"], ["s2c", 1000, "done"]]'

ins ls more/lekensteyn-websocket-sip.pcapng
expect_eq "more/lekensteyn-websocket-sip: exit 0" "$(rcs ls)" "0 0 0"
expect_eq "more/lekensteyn-websocket-sip: 1 WebSocket connection, 6 client + 7 server frames (tshark: 13)" "$(wsn ls)" '[[["valid", 6, 7]], 13]'
expect_eq "more/lekensteyn-websocket-sip: subprotocol sip; the INVITE (2 segments) and its 200 OK (3) whole" \
    "$(q ls '[hs[0]["protocol_selected"], [m["length"] for m in msgs if m.get("text", "").startswith("INVITE ")], [m["length"] for m in msgs if m.get("text", "").startswith("SIP/2.0 200 OK") and "CSeq: 2613 INVITE" in m["text"]]]')" \
    '["sip", [3124], [3527]]'
expect_eq "more/lekensteyn-websocket-sip: close 1001 from the client, an empty one back" \
    "$(q ls '[(c["client_close"], c["server_close"]) for c in closes]')" '[[1001, 0]]'

ins fw more/lekensteyn-webrtc-freeswitch-wss.pcapng
expect_eq "more/lekensteyn-webrtc-freeswitch-wss: without the key log: exit 0" "$(rcs fw)" "0 0 0"
expect_eq "more/lekensteyn-webrtc-freeswitch-wss: without the key log no WebSocket is visible (tshark: 0), carries tls" \
    "$(q fw '[len([c for c in closes if c["websocket"]]), len(frames), [c["carries"] for c in closes]]')" '[0, 0, ["tls"]]'
expect_eq "more/lekensteyn-webrtc-freeswitch-wss: TLS 1.2, RSA key exchange, SNI webrtc.freeswitch.org" \
    "$(q fw '[(t["version"], t["cipher"], t["sni"]) for t in of("tls") if t["what"] == "info"][:1]')" \
    '[["TLS1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256", "webrtc.freeswitch.org"]]'
ins fwk more/lekensteyn-webrtc-freeswitch-wss.pcapng --keylog "$TP/more/lekensteyn-webrtc-freeswitch-wss.keylog"
expect_eq "more/lekensteyn-webrtc-freeswitch-wss: with the key log: exit 0" "$(rcs fwk)" "0 0 0"
expect_eq "more/lekensteyn-webrtc-freeswitch-wss: with the key log 1 WebSocket connection, 10 + 13 frames (tshark: 23)" "$(wsn fwk)" '[[["valid", 10, 13]], 23]'
expect_eq "more/lekensteyn-webrtc-freeswitch-wss: decrypted, carries websocket; close empty / 1000" \
    "$(q fwk '[(c["tls_decrypted"], c["carries"], c["client_close"], c["server_close"]) for c in closes]')" '[[true, "websocket", 0, 1000]]'
check "more/lekensteyn-webrtc-freeswitch-wss: Verto JSON-RPC, a login first" qa fwk \
    'texts("c2s")[0].startswith("{\"jsonrpc\":\"2.0\",\"method\":\"login\",") and all(t.startswith("{\"jsonrpc\":\"2.0\",") for t in texts())'

ins sc more/scapy-websocket_compressed_session.pcap
expect_eq "more/scapy-websocket_compressed_session: exit 0" "$(rcs sc)" "0 0 0"
expect_eq "more/scapy-websocket_compressed_session: 1 WebSocket connection, 2 + 2 frames (tshark: 4)" "$(wsn sc)" '[[["valid", 2, 2]], 4]'
check "more/scapy-websocket_compressed_session: window bits 10 negotiated" qa sc \
    'hs[0]["deflate"] is True and "client_max_window_bits=10" in hs[0]["extensions_selected"] and "server_max_window_bits=10" in hs[0]["extensions_selected"]'
expect_eq "more/scapy-websocket_compressed_session: the client compresses, the server does not" \
    "$(q sc '[(m["dir"], m["text"], m["rsv1"]) for m in msgs]')" \
    '[["c2s", "Hello", true], ["s2c", "\"Hello\"", false], ["c2s", "Hello2", true], ["s2c", "\"Hello2\"", false]]'
check "more/scapy-websocket_compressed_session: still open at the end of the capture (not 1006)" open_ok sc

# One connection holding five upgrade attempts in a row. The first, a POST with Upgrade: websocket, is
# answered by a 101 with "Upgrade: websockets": a failed WebSocket handshake (bad-101), not a switch to
# another protocol the client asked for; the bytes after it read as HTTP, so they are read as HTTP (the
# rule: after a failed handshake the rest of the connection is still accounted for). The later attempts
# are no-key, bad-101 and mismatch; after the mismatch's 101 the masked "Hello, world!" is a frame, as
# after every 101 with a wrong Accept (zeek/wrong-accept-header above). tshark stops at the first 101 and
# decodes nothing after it (tshark-known.txt). None of the requests says Sec-WebSocket-Version: 13.
ins si more/scapy-websocket_invalid_handshakes.pcap
expect_eq "more/scapy-websocket_invalid_handshakes: exit 1 (the handshakes failed)" "$(rcs si)" "1 1 1"
expect_eq "more/scapy-websocket_invalid_handshakes: four verdicts, packets 6, 11, 13, 15" \
    "$(q si '[(h["verdict"], h["status"], h["packet"]) for h in hs]')" \
    '[["bad-101", 101, 6], ["no-key", 101, 11], ["bad-101", 101, 13], ["mismatch", 101, 15]]'
check "more/scapy-websocket_invalid_handshakes: every request is flagged: no Sec-WebSocket-Version: 13" qa si \
    'len(hs) == 4 and all(h["version_warning"] for h in hs)'
expect_eq "more/scapy-websocket_invalid_handshakes: after the mismatch, the masked text is one client frame" \
    "$(q si '[(m["dir"], m["text"]) for m in msgs]')" '[["c2s", "Hello, world!"]]'
expect_eq "more/scapy-websocket_invalid_handshakes: carries websocket (verdict mismatch)" \
    "$(q si '[(c["carries"], c["verdict"]) for c in closes]')" '[["websocket", "mismatch"]]'
# The ladder opens the WebSocket once, at the first frame: the no-key 101 was followed by HTTP, so no OPEN bar
# is drawn there; the bar comes after the last 101 and before "Hello, world!".
expect_eq "more/scapy-websocket_invalid_handshakes: ladder: one OPEN bar, after the last 101, before the frame" \
    "$(awk '/WebSocket OPEN/ {print "open"} /<--- 101 Switching Protocols/ {print "101"} /Hello, world!/ {print "text"}' \
        "$T/si.txt" | tr '\n' ' ')" "101 101 101 101 101 open text "

ins sp more/spang-websocket_simple.pcap
expect_eq "more/spang-websocket_simple: exit 0" "$(rcs sp)" "0 0 0"
expect_eq "more/spang-websocket_simple: 1 WebSocket connection over IPv6 loopback, 2 + 2 frames (tshark: 4)" \
    "$(q sp '[[(c["client"][:6], c["server"], c["verdict"], c["client_frames"], c["server_frames"]) for c in closes if c["websocket"]], len(frames)]')" \
    '[[["[::1]:", "[::1]:8765", "valid", 2, 2]], 4]'
expect_eq "more/spang-websocket_simple: Upgrade: WebSocket (any case); texts; the server closes first, 1000 each way" \
    "$(q sp '[texts(), [(m["dir"], m["close_code"]) for m in msgs if m["opcode"] == 8]]')" \
    '[["spang", "Hello spang!"], [["s2c", 1000], ["c2s", 1000]]]'

ins su more/susam-wsapp.pcap
expect_eq "more/susam-wsapp: exit 0" "$(rcs su)" "0 0 0"
expect_eq "more/susam-wsapp: 1 WebSocket connection, GET /time, 4 + 4 frames (tshark: 8)" \
    "$(q su '[[(hh["path"], c["verdict"], c["client_frames"], c["server_frames"]) for c in closes if c["websocket"] for hh in hs if hh["conn"] == c["conn"]], len(frames)]')" \
    '[[["/time", "valid", 4, 4]], 8]'
expect_eq "more/susam-wsapp: the page load is HTTP on its own connection" "$(carr su)" '["http", "websocket"]'
check "more/susam-wsapp: get-time three times, each answered with JSON; close 1001 / empty" qa su \
    'texts("c2s") == ["get-time"] * 3 and all(t.startswith("{\"time\": ") for t in texts("s2c")) and [(c["client_close"], c["server_close"]) for c in closes if c["websocket"]] == [(1001, 0)]'

ins wo more/woot-deepred-c2-websocket.pcap
expect_eq "more/woot-deepred-c2-websocket: exit 0" "$(rcs wo)" "0 0 0"
expect_eq "more/woot-deepred-c2-websocket: 1 WebSocket connection, 10 + 9 frames (tshark: 19)" "$(wsn wo)" '[[["valid", 10, 9]], 19]'
check "more/woot-deepred-c2-websocket: deflate (window bits 12) on every data frame, all inflated" qa wo \
    'hs[0]["deflate"] is True and "server_max_window_bits=12" in hs[0]["extensions_selected"] and all(f["rsv"] == 4 for f in frames if f["opcode"] == 1) and not any(m.get("inflate_error") for m in msgs)'
check "more/woot-deepred-c2-websocket: the C2 JSON (ifconfig first)" qa wo \
    'texts("c2s")[0].startswith("{\"rce_1\": \"ifconfig\"") and texts("s2c")[0] == "{\"rce_1\": \"ifconfig\"}"'
expect_eq "more/woot-deepred-c2-websocket: close 1009 from the server, 1009 back" \
    "$(q wo '[(m["dir"], m["close_code"]) for m in msgs if m["opcode"] == 8]')" '[["s2c", 1009], ["c2s", 1009]]'

# Packet 1 is the last masked 1-byte text of an earlier connection, answered by a RST: one frame in one
# direction is no evidence, so that connection is other TCP, though tshark with -d tcp.port==8765,websocket
# decodes it (deliberately different). Then a refused connect, then the real session (valid).
ins ow more/onewesong-websocket_test.pcap
expect_eq "more/onewesong-websocket_test: exit 0" "$(rcs ow)" "0 0 0"
expect_eq "more/onewesong-websocket_test: 1 WebSocket connection (the full session), 1 + 1 frames (tshark: 2)" "$(wsn ow)" '[[["valid", 1, 1]], 2]'
check "more/onewesong-websocket_test: the leftover of packet 1 is other TCP, the refused connect not WebSocket" qa ow \
    '[c["carries"] for c in sorted(closes, key=lambda c: c["conn"])][0] == "other" and not [c["carries"] for c in sorted(closes, key=lambda c: c["conn"])][1].startswith("websocket") and [c["carries"] for c in sorted(closes, key=lambda c: c["conn"])][2] == "websocket"'
expect_eq "more/onewesong-websocket_test: one text each way (BSD loopback, NULL link type)" "$(q ow '[texts("c2s"), texts("s2c")]')" '[["1\n"], ["1\n"]]'
check "more/onewesong-websocket_test: no close frame, still open at the end of the capture (not 1006)" open_ok ow
expect_tsd "more/onewesong-websocket_test: (tshark with decode-as does decode packet 1's frame: the deliberate difference)" \
    "1:1:1" onewesong-websocket_test.pcap 8765 tcp.stream==0

# Three FIN-only leftovers and one masked text frame with RSV1 (compressed, context unknown), in one
# direction only: no evidence of WebSocket, so other TCP, though tshark with -d tcp.port==8008,websocket
# decodes that frame (deliberately different).
ins er more/eririmba-socketio-websocket.pcap
expect_eq "more/eririmba-socketio-websocket: exit 0" "$(rcs er)" "0 0 0"
expect_eq "more/eririmba-socketio-websocket: no WebSocket connection, no frame" "$(wsn er)" '[[], 0]'
check "more/eririmba-socketio-websocket: 4 connections, none websocket*; the one with the frame is other" qa er \
    'len(closes) == 4 and not any(c["carries"].startswith("websocket") for c in closes) and [c["carries"] for c in closes if c["client"] == "127.0.0.1:62866"] == ["other"]'
expect_tsd "more/eririmba-socketio-websocket: (tshark with decode-as decodes that one frame: the deliberate difference)" \
    "10:1:1" eririmba-socketio-websocket.pcap 8008

ins ft more/ndpi-ftp-no-websocket.pcap
expect_eq "more/ndpi-ftp-no-websocket: exit 0" "$(rcs ft)" "0 0 0"
expect_eq "more/ndpi-ftp-no-websocket: no WebSocket connection, no frame, no violation" \
    "$(q ft '[[c["server"] for c in closes if c["websocket"]], len(frames), len(viols)]')" '[[], 0, 0]'
expect_eq "more/ndpi-ftp-no-websocket: the control connection and two data connections are other TCP" "$(carr ft)" '["other", "other", "other"]'

# every file of the corpus went through one of the checks above
for f in $(find "$TP" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort); do
    rel=${f#"$TP"/}
    check "$rel: has checks here" grep -qxF "$rel" "$T/covered"
done

finish
