#!/bin/sh
# captures.sh - end to end: every capture in captures/ (real, hostile, violations) through wsinspect,
# each with assertions of its own (what the capture is known to hold: captures/README.md), and the
# command line's behaviour. Run from the repository root; $WSINSPECT and $WSACCEPT name the programs.
# JSON questions go to jsonq.py beside this file; tshark, when installed, supplies the handshake key
# of wrong-accept-python.pcap independently of wsinspect.
set -u
. tests/lib.sh

W=${WSINSPECT:-build/wsinspect}
A=${WSACCEPT:-build/wsaccept}
C=captures
E=tests/e2e
T=$(mktemp -d)
trap 'rm -rf "$T" "$_out"' EXIT
LC_ALL=C.UTF-8
COLUMNS=80
export LC_ALL COLUMNS
unset NO_COLOR

. tests/e2e/prelude.inc
if ! e2e_programs; then
    finish
    exit 1
fi

# ---- helpers -----------------------------------------------------------------------------------
# ins NAME FILE [OPTION...]: wsinspect's ladder ($T/NAME.txt), JSON ($T/NAME.json) and summary
# ($T/NAME.sum) of FILE; stderr in .err/.jerr; exit statuses in $T/NAME.rc as "ladder json summary".
ins() {
    n=$1; f=$2; shift 2
    "$W" --color=never "$@" "$f" >"$T/$n.txt" 2>"$T/$n.err"; r1=$?
    "$W" --json --payload 1024 "$@" "$f" >"$T/$n.json" 2>"$T/$n.jerr"; r2=$?
    "$W" --summary --color=never "$@" "$f" >"$T/$n.sum" 2>/dev/null; r3=$?
    echo "$r1 $r2 $r3" >"$T/$n.rc"
    echo "$f" >>"$T/covered"
}
rcs() { cat "$T/$1.rc"; }
# q NAME EXPR: a value from NAME's JSON (see jsonq.py for the names EXPR may use)
q() { "$PY" -S "$E/jsonq.py" "$T/$1.json" "$2"; }
# qa NAME EXPR: passes when EXPR is true of NAME's JSON
qa() { "$PY" -S "$E/jsonq.py" --assert "$T/$1.json" "$2"; }
# has NAME TEXT: the ladder of NAME contains TEXT (fixed string)
has() { grep -qF -- "$2" "$T/$1.txt"; }
# hasnt NAME TEXT
hasnt() { ! grep -qF -- "$2" "$T/$1.txt"; }
# in_order NAME ERE...: each extended regular expression matches a ladder line after the previous one's line
in_order() {
    _f="$T/$1.txt"; shift
    _at=0
    for _re in "$@"; do
        _hit=$(tail -n "+$((_at + 1))" "$_f" | grep -n -E -m 1 -- "$_re" | cut -d: -f1)
        if [ -z "$_hit" ]; then
            echo "no line matching /$_re/ after line $_at of the ladder:"
            cat "$_f"
            return 1
        fi
        _at=$((_at + _hit))
    done
}
# arrows: a client->server arrow "|---- WHAT ---...->|" and a server->client one "|<--- WHAT ---...|"
c2s() { printf '[|]---- %s -*>[|]$' "$1"; }
s2c() { printf '[|]<--- %s -*[|]$' "$1"; }
# ere TEXT: TEXT with the characters special in an ERE escaped
ere() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }
# tshark_field FILE FIELD: the field's first value in FILE, by tshark
tshark_field() {
    tshark -r "$1" -o tcp.reassemble_out_of_order:TRUE -Y "$2" -T fields -e "$2" 2>/dev/null | head -n 1
}
# width_ok MAX FILE...: no line of any FILE (ESC sequences removed) is wider than MAX display columns, but
# for a line that holds a token (no space in it: a key, an Accept, the GUID) too long to fit after its
# indentation: tokens are never broken, the line overflows, and then it holds nothing after the token
width_ok() {
    "$PY" -S - "$@" <<'EOF'
import re, sys, unicodedata
most, bad = int(sys.argv[1]), []
def cols(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = re.sub("\x1b\\[[0-9;]*m", "", line.rstrip("\n"))
            w = cols(line)
            if w > most:
                last = line.split()[-1] if line.split() else ""
                if line.endswith(last) and cols(line) - cols(last) <= 16 and cols(last) > most - 16:
                    continue  # one unbreakable token after a fact's label
                bad.append("%s line %d: %d columns: %s" % (path, n, w, line))
print("\n".join(bad[:20]))
sys.exit(1 if bad else 0)
EOF
}

# ================================================================================================
# Real captures
# ================================================================================================

# ---- chat-python.pcap: lesson 05's conversation -------------------------------------------------
ins chat $C/chat-python.pcap
expect_eq "chat-python: exit 0 (ladder, JSON, summary)" "$(rcs chat)" "0 0 0"
# data messages and control frames counted apart (RFC 6455 5.5, 5.6): "hello", "typing..." and a close;
# "hi there", "news update", "user joined" and a close
check "chat-python: the header counts data messages and control frames apart, then the frames" in_order chat \
    '^  Messages    data: client 2, server 3; control frames: client 1, server 1$' \
    '^  Frames      client 3 \(16 B\), server 4 \(32 B\)$'
check "chat-python: the summary too" grep -q '  c2s 2 msg + 1 ctl / s2c 3 msg + 1 ctl  close 1000/1000' "$T/chat.sum"
check "chat-python: --json's close: data messages and control frames apart, all messages as before" qa chat \
    "[(c['client_data_messages'], c['client_control_frames'], c['client_messages'], c['server_data_messages'],
      c['server_control_frames'], c['server_messages']) for c in of('close')] == [(2, 1, 3, 3, 1, 4)]"
check "chat-python: the ladder shows lesson 05's sequence in order" in_order chat \
    '[|]---- HTTP Upgrade Request GET /chat -*>[|]$' \
    '[|]<--- 101 Switching Protocols -*[|]$' \
    '[|]=+ WebSocket OPEN =+[|]$' \
    "$(c2s 'text "hello"')" \
    "$(s2c 'text "hi there"')" \
    "$(s2c 'text "news update"')" \
    "$(c2s 'text "typing\.\.\."')" \
    "$(s2c 'text "user joined"')" \
    "$(c2s 'close 1000 \(normal\)')" \
    "$(s2c 'close 1000 \(normal\)')" \
    '[|]=+ CLOSED =+[|]$'
check "chat-python: the ladder says the Accept is valid" has chat "✓ valid"
expect_eq "chat-python: verdict valid" "$(q chat 'ids(hs, "verdict")')" '["valid"]'
expect_eq "chat-python: messages in order, with their directions" \
    "$(q chat '[(m["dir"], m.get("text", m.get("close_code"))) for m in msgs]')" \
    '[["c2s", "hello"], ["s2c", "hi there"], ["s2c", "news update"], ["c2s", "typing..."], ["s2c", "user joined"], ["c2s", 1000], ["s2c", 1000]]'
expect_eq "chat-python: 7 frames, client ones masked, server ones not" \
    "$(q chat '[(f["dir"], f["mask"]) for f in frames]')" \
    '[["c2s", true], ["s2c", false], ["s2c", false], ["c2s", true], ["s2c", false], ["c2s", true], ["s2c", false]]'
key=$(q chat 'hs[0]["key"]')
expect_eq "chat-python: expected_accept is what wsaccept computes for the key" \
    "$(q chat 'hs[0]["expected_accept"]')" "$("$A" "$key")"
expect_eq "chat-python: the Accept sent is the expected one" "$(q chat 'hs[0]["accept"]')" "$("$A" "$key")"
expect_eq "chat-python: closed cleanly, 1000 both ways" \
    "$(q chat '[(c["closed_cleanly"], c["client_close"], c["server_close"], c["abnormal"]) for c in closes]')" \
    '[[true, 1000, 1000, false]]'
check "chat-python: the server closed TCP first" qa chat '[e["dir"] for e in ends] == ["s2c", "c2s"] and all(e["reason"] == "fin" for e in ends)'
expect_eq "chat-python: --summary is one line for the one connection" "$(wc -l <"$T/chat.sum" | tr -d ' ')" 1
check "chat-python: --summary says valid and 1000/1000" grep -qE '^#1 .*GET /chat +valid .*close 1000/1000 +0 violations' "$T/chat.sum"

# ---- chat-python.pcapng: the same packets in pcapng ---------------------------------------------
ins chatng $C/chat-python.pcapng
expect_eq "chat-python.pcapng: exit 0" "$(rcs chatng)" "0 0 0"
expect_eq "chat-python.pcapng: the same JSON frames as the .pcap" \
    "$(grep '"type":"frame"' "$T/chatng.json")" "$(grep '"type":"frame"' "$T/chat.json")"
expect_eq "chat-python.pcapng: the same JSON output as the .pcap, every event" \
    "$(cat "$T/chatng.json")" "$(cat "$T/chat.json")"
expect_eq "chat-python.pcapng: the same ladder" "$(cat "$T/chatng.txt")" "$(cat "$T/chat.txt")"

# ---- echo-node.pcap -------------------------------------------------------------------------
ins echo $C/echo-node.pcap
expect_eq "echo-node: exit 0" "$(rcs echo)" "0 0 0"
expect_eq "echo-node: texts echoed, UTF-8 (é ✓) intact" "$(q echo 'texts()')" \
    '["echo this", "echo this", "and this, a little longer, with UTF-8: café ✓", "and this, a little longer, with UTF-8: café ✓"]'
check "echo-node: every text is valid UTF-8" qa echo 'all(m["utf8_valid"] for m in msgs if m["opcode"] == 1)'
expect_eq "echo-node: a 4-byte binary each way" \
    "$(q echo '[(m["dir"], m["length"], m["preview_hex"]) for m in msgs if m["opcode"] == 2]')" \
    '[["c2s", 4, "deadbeef"], ["s2c", 4, "deadbeef"]]'
expect_eq "echo-node: frames text x4, binary x2, close x2" \
    "$(q echo 'sorted(f["opcode_name"] for f in frames)')" \
    '["binary", "binary", "close", "close", "text", "text", "text", "text"]'
check "echo-node: the client closes first with 1000" in_order echo "$(c2s 'close 1000 \(normal\)')" "$(s2c 'close 1000 \(normal\)')"

# ---- ping-pong-node.pcap --------------------------------------------------------------------
ins ping $C/ping-pong-node.pcap
check "ping-pong-node: no data message, every one a control frame (5 client, 4 server)" qa ping \
    "[(c['client_data_messages'], c['client_control_frames'], c['server_data_messages'], c['server_control_frames'])
      for c in of('close')] == [(0, 5, 0, 4)]"
expect_eq "ping-pong-node: exit 0" "$(rcs ping)" "0 0 0"
expect_eq "ping-pong-node: 3 pings, each answered by a pong with the same payload, then a lone pong" \
    "$(q ping '[(m["dir"], m["opcode_name"], bytes.fromhex(m["preview_hex"]).decode()) for m in msgs if m["opcode"] in (9, 10)]')" \
    '[["c2s", "ping", "keepalive 1"], ["s2c", "pong", "keepalive 1"], ["c2s", "ping", "keepalive 2"], ["s2c", "pong", "keepalive 2"], ["c2s", "ping", "keepalive 3"], ["s2c", "pong", "keepalive 3"], ["c2s", "pong", "heartbeat"]]'
check "ping-pong-node: each answering pong has an rtt = its time minus its ping's time" qa ping '
all(p["rtt"] is not None and p["rtt"] > 0 and abs(p["rtt"] - (p["t"] - q["t"])) < 1e-6
    for q, p in zip(of("message", "c2s")[0:3], of("message", "s2c")[0:3]))'
check "ping-pong-node: the unsolicited heartbeat pong has no rtt" qa ping \
    '[m["rtt"] for m in msgs if m["opcode"] == 10 and m["dir"] == "c2s"] == [None]'
check "ping-pong-node: the ladder shows pongs with rtt after their pings" in_order ping \
    "$(c2s 'ping "keepalive 1"')" "$(s2c 'pong "keepalive 1" \(rtt [0-9.]+ ms\)')" \
    "$(c2s 'ping "keepalive 2"')" "$(s2c 'pong "keepalive 2" \(rtt [0-9.]+ ms\)')" \
    "$(c2s 'ping "keepalive 3"')" "$(s2c 'pong "keepalive 3" \(rtt [0-9.]+ ms\)')" \
    "$(c2s 'pong "heartbeat"')"
check "ping-pong-node: no violation (an unsolicited pong is allowed)" qa ping 'viols == []'

# ---- subprotocol-node.pcap ------------------------------------------------------------------
ins sub $C/subprotocol-node.pcap
expect_eq "subprotocol-node: exit 0" "$(rcs sub)" "0 0 0"
expect_eq "subprotocol-node: offered chat.v2,chat.v1, selected chat.v1" \
    "$(q sub '[(h["protocols_offered"], h["protocol_selected"], h["verdict"]) for h in hs]')" \
    '[["chat.v2,chat.v1", "chat.v1", "valid"]]'
check "subprotocol-node: the ladder shows what was offered" grep -qE '^  Protocols +offered: chat\.v2,chat\.v1$' "$T/sub.txt"
check "subprotocol-node: the ladder shows what was selected" grep -qE '^ +selected: chat\.v1$' "$T/sub.txt"
expect_eq "subprotocol-node: one message each way, then close" "$(q sub 'texts()')" '["hello in chat.v1", "[chat.v1] hello in chat.v1"]'

# ---- deflate-python.pcap --------------------------------------------------------------------
ins defl $C/deflate-python.pcap
expect_eq "deflate-python: exit 0" "$(rcs defl)" "0 0 0"
check "deflate-python: permessage-deflate negotiated" qa defl \
    'hs[0]["deflate"] is True and hs[0]["extensions_selected"].startswith("permessage-deflate") and hs[0]["verdict"] == "valid"'
expect_eq "deflate-python: RSV1 on all 8 data frames, not on the closes" \
    "$(q defl '[(f["opcode"], f["rsv"]) for f in frames]')" \
    '[[1, 4], [1, 4], [1, 4], [1, 4], [1, 4], [1, 4], [1, 4], [1, 4], [8, 0], [8, 0]]'
check "deflate-python: no violation (RSV1 is allowed when deflate is negotiated)" qa defl 'viols == [] and closes[0]["violations"] == 0'
check "deflate-python: compressed messages are flagged, and never called invalid UTF-8" qa defl \
    'all(m["rsv1"] and m["utf8_valid"] is not False for m in msgs if m["opcode"] == 1)'
check "deflate-python: the second copy of the long text is much smaller (shared window)" qa defl \
    'of("message", "c2s")[1]["length"] * 4 < of("message", "c2s")[0]["length"]'
# the ladder marks each compressed message: "(compressed)" with its size, or, once inflated, the
# plain text with "(deflate N B -> M B)"; the long text is 193 bytes inflated, "short" 5
dfl='text ("[^"]*" \(deflate [0-9]+ B -> 193 B\)|[0-9]+ B \(compressed\))'
check "deflate-python: the ladder marks compressed messages" in_order defl \
    "$(c2s "$dfl")" "$(s2c "$dfl")" "$(c2s "$dfl")" "$(s2c "$dfl")" \
    "$(c2s 'text ("short" \(deflate 7 B -> 5 B\)|7 B \(compressed\))')"
check "deflate-python: if the ladder inflates, the text is the real one" sh -c \
    '! grep -q "(deflate" "$1" || grep -q "text \"compress me: the quick" "$1"' sh "$T/defl.txt"
check "deflate-python: the ladder names the extension" has defl "Compression permessage-deflate"

# ---- deflate-fragmented-python.pcap: a compressed message in fragments ------------------------
# RFC 7692 §6.1: RSV1 on the first frame only; the continuations carry the rest of the deflate stream.
# tshark shows the last continuation's raw deflate bytes as text; they are not text.
ins dfr $C/deflate-fragmented-python.pcap
ins dfrf $C/deflate-fragmented-python.pcap --frames
expect_eq "deflate-fragmented-python: exit 0" "$(rcs dfr) $(rcs dfrf)" "0 0 0 0 0 0"
expect_eq "deflate-fragmented-python: client text in 4 frames, RSV1 on the first; server 1 frame" \
    "$(q dfr '[(f["dir"], f["opcode"], f["fin"], f["rsv"]) for f in frames if f["opcode"] < 8]')" \
    '[["c2s", 1, false, 4], ["c2s", 0, false, 0], ["c2s", 0, false, 0], ["c2s", 0, true, 0], ["s2c", 1, true, 4]]'
expect_eq "deflate-fragmented-python: both messages inflate to the same 121 B text" \
    "$(q dfr '[(m["dir"], m["frames"], m["inflated_length"], m["utf8_valid"]) for m in msgs if m["opcode"] == 1]')" \
    '[["c2s", 4, 121, true], ["s2c", 1, 121, true]]'
check "deflate-fragmented-python: --frames: every continuation is drawn as compressed, never quoted" in_order dfrf \
    '\[1\] text 17 B FIN=0 RSV1 mask [0-9a-f]{8} \(compressed\)' '\[2\] continuation 15 B FIN=0 mask [0-9a-f]{8} \(compressed\)' \
    '\[3\] continuation 21 B FIN=0 mask [0-9a-f]{8} \(compressed\)' '\[4\] continuation 1 B mask [0-9a-f]{8} \(compressed\)' \
    '\[5\] text 37 B RSV1 \(compressed\)' '\[6\] close 1000' '\[7\] close 1000'
check "deflate-fragmented-python: --frames: no continuation shown as text" sh -c \
    '! grep -q "continuation \"" "$1"' sh "$T/dfrf.txt"
check "deflate-fragmented-python: the message view shows the inflated text" has dfr \
    'text "compressed in'

# ---- binary-sizes-python.pcap: the three length encodings ---------------------------------------
ins bin $C/binary-sizes-python.pcap
expect_eq "binary-sizes-python: exit 0" "$(rcs bin)" "0 0 0"
for d in c2s s2c; do
    expect_eq "binary-sizes-python: $d payload lengths 125, 126, 65535, 70000 (then close)" \
        "$(q bin "[f['payload_length'] for f in of('frame', '$d')]")" '[125, 126, 65535, 70000, 2]'
    expect_eq "binary-sizes-python: $d 7-bit length fields 125, 126, 126, 127" \
        "$(q bin "[f['len7'] for f in of('frame', '$d')]")" '[125, 126, 126, 127, 2]'
done
expect_eq "binary-sizes-python: header lengths (client +4 for the mask)" \
    "$(q bin '[(f["dir"], f["header_length"]) for f in frames if f["opcode"] == 2]')" \
    '[["c2s", 6], ["s2c", 2], ["c2s", 8], ["s2c", 4], ["c2s", 8], ["s2c", 4], ["c2s", 14], ["s2c", 10]]'
check "binary-sizes-python: the 70000-byte frame spans several TCP segments yet decodes whole" qa bin \
    'all(not m["incomplete"] for m in msgs) and [m["length"] for m in of("message", "c2s")] == [125, 126, 65535, 70000, 2]'
check "binary-sizes-python: the ladder shows the sizes" in_order bin \
    "$(c2s 'binary 125 B')" "$(c2s 'binary 126 B')" "$(c2s 'binary 64\.0 KiB')" "$(c2s 'binary 68\.4 KiB')"

# ---- fragmented-python.pcap / fragmented-node.pcap ------------------------------------------
ins fpy $C/fragmented-python.pcap
expect_eq "fragmented-python: exit 0" "$(rcs fpy)" "0 0 0"
expect_eq "fragmented-python: client messages and their frame counts" \
    "$(q fpy '[(m["opcode_name"], m["frames"], m["length"]) for m in of("message", "c2s")]')" \
    '[["text", 4, 15], ["binary", 4, 9], ["close", 1, 2]]'
expect_eq "fragmented-python: the server echoes each as one frame" \
    "$(q fpy '[(m["opcode_name"], m["frames"]) for m in of("message", "s2c")]')" \
    '[["text", 1], ["binary", 1], ["close", 1]]'
expect_eq "fragmented-python: client frames: first, continuations, an empty FIN continuation" \
    "$(q fpy '[(f["opcode"], f["fin"], f["payload_length"]) for f in of("frame", "c2s")]')" \
    '[[1, false, 4], [0, false, 7], [0, false, 4], [0, true, 0], [2, false, 4], [0, false, 2], [0, false, 3], [0, true, 0], [8, true, 2]]'
expect_eq "fragmented-python: the text reassembles" "$(q fpy 'texts("c2s")')" '["fragmented text"]'
check "fragmented-python: the ladder shows the frame counts" in_order fpy \
    "$(c2s 'text "fragmented text" \(4 frames\)')" "$(c2s 'binary 9 B \(4 frames\)')"
ins fnode $C/fragmented-node.pcap
expect_eq "fragmented-node: exit 0" "$(rcs fnode)" "0 0 0"
expect_eq "fragmented-node: client messages and their frame counts" \
    "$(q fnode '[(m["opcode_name"], m["frames"], m["length"]) for m in of("message", "c2s")]')" \
    '[["text", 3, 15], ["binary", 2, 9], ["close", 1, 2]]'
expect_eq "fragmented-node: frames text x2, continuation x3, binary x2, close x2" \
    "$(q fnode 'sorted(f["opcode_name"] for f in frames)')" \
    '["binary", "binary", "close", "close", "continuation", "continuation", "continuation", "text", "text"]'
expect_eq "fragmented-node: the text reassembles to frag+mented +text" "$(q fnode 'texts("c2s")')" '["fragmented text"]'
check "fragmented-node: the ladder shows the frame counts" in_order fnode \
    "$(c2s 'text "fragmented text" \(3 frames\)')" "$(c2s 'binary 9 B \(2 frames\)')"

# ---- abnormal-rst-python.pcap: no close frame, a TCP RST ----------------------------------------
ins rst $C/abnormal-rst-python.pcap
expect_eq "abnormal-rst-python: exit 0 (an abnormal closure is not a protocol violation)" "$(rcs rst)" "0 0 0"
expect_eq "abnormal-rst-python: abnormal, no close code either way" \
    "$(q rst '[(c["abnormal"], c["closed_cleanly"], c["client_close"], c["server_close"]) for c in closes]')" \
    '[[true, false, null, null]]'
expect_eq "abnormal-rst-python: both directions end by RST" "$(q rst 'sorted(e["reason"] for e in ends)')" '["rst", "rst"]'
expect_eq "abnormal-rst-python: one message each way, no close frame" \
    "$(q rst '[(m["dir"], m["opcode_name"]) for m in msgs]')" '[["c2s", "text"], ["s2c", "text"]]'
check "abnormal-rst-python: the ladder ends with the TCP reset" in_order rst \
    "$(s2c 'text "goodbye without a close frame"')" '[|]=+ TCP RESET by the client \(no close frame: 1006\) =+[|]$'
check "abnormal-rst-python: --summary says abnormal (1006) and reset" grep -qE 'abnormal \(1006\) +reset' "$T/rst.sum"
check "abnormal-rst-python: the ladder's Close line: no close frame either way" grep -qE '^  Close +client none, server none$' "$T/rst.txt"

# ---- close-reason-python.pcap / close-reason-node.pcap ------------------------------------------
ins crpy $C/close-reason-python.pcap
expect_eq "close-reason-python: exit 0" "$(rcs crpy)" "0 0 0"
expect_eq "close-reason-python: the server closes first with 1001 and a reason; the client echoes it" \
    "$(q crpy '[(m["dir"], m["close_code"], m["close_name"], m["close_reason"]) for m in msgs if m["opcode"] == 8]')" \
    '[["s2c", 1001, "going away", "server shutting down"], ["c2s", 1001, "going away", "server shutting down"]]'
check "close-reason-python: the ladder shows code and reason, server first" in_order crpy \
    "$(s2c 'close 1001 \(going away\) "server shutting down"')" "$(c2s 'close 1001 \(going away\) "server shutting down"')" \
    '[|]=+ CLOSED =+[|]$'
ins crnode $C/close-reason-node.pcap
expect_eq "close-reason-node: exit 0" "$(rcs crnode)" "0 0 0"
expect_eq "close-reason-node: application code 4000 with reason bye, both ways" \
    "$(q crnode '[(m["dir"], m["close_code"], m["close_reason"], m["utf8_valid"]) for m in msgs if m["opcode"] == 8]')" \
    '[["c2s", 4000, "bye", true], ["s2c", 4000, "bye", true]]'
check "close-reason-node: the ladder shows code and reason" in_order crnode \
    "$(c2s 'close 4000 \(private use\) "bye"')" "$(s2c 'close 4000 \(private use\) "bye"')"
check "close-reason-node: close codes in the summary" grep -q 'close 4000/4000' "$T/crnode.sum"

# ---- version-426-python.pcap ----------------------------------------------------------------
# a client asks for version 8: 426 Upgrade Required with the server's Sec-WebSocket-Version, then 13 works
ins v426 $C/version-426-python.pcap
expect_eq "version-426-python: exit 1 (the first handshake was refused)" "$(rcs v426)" "1 1 1"
expect_eq "version-426-python: refused with 426 and the server's versions, then valid with 13" \
    "$(q v426 '[(h["version"], h["status"], h["verdict"], h["server_versions"]) for h in hs]')" \
    '[["8", 426, "refused", "13"], ["13", 101, "valid", null]]'
check "version-426-python: the ladder names the version asked for, the warning and the server's versions" in_order v426 \
    '^  Version     8$' '^ +⚠ must be 13 \(RFC 6455 §4\.1 item 9\)$' \
    '^ +the server speaks 13 \(its Sec-WebSocket-Version, RFC 6455 §4\.4\)$' \
    "$(s2c '426 Upgrade Required after [0-9.]+ ms \+ 40 B body')" '^Connection 2 ' '^  Version     13$'
check "version-426-python: a 101 with version 13 says nothing of the server's versions" \
    sh -c '[ "$(grep -c "the server speaks" "$1")" -eq 1 ]' _ "$T/v426.txt"
check "version-426-python: the retry with 13 carries the echo" qa v426 \
    'texts() == ["hello in version 13", "hello in version 13"] and [c["conn"] for c in closes if c["websocket"]] == [2]'

# ---- proxy-legs-python.pcap ----------------------------------------------------------------
# one session through a relay: the client's leg (to 47321) and the relay's leg (to 47322, the server)
ins legs $C/proxy-legs-python.pcap
expect_eq "proxy-legs-python: exit 0" "$(rcs legs)" "0 0 0"
check "proxy-legs-python: two valid WebSocket connections, the client's to the relay, the relay's to the server, the same texts" qa legs \
    '([(h["verdict"], h["path"]) for h in hs] == [("valid", "/proxied"), ("valid", "/proxied")]
      and texts(conn=1) == texts(conn=2) == ["through the proxy", "through the proxy", "and back again", "and back again"]
      and [c["server"].rsplit(":", 1)[1] for c in of("connection")] == ["47321", "47322"])'
COLUMNS=100 "$W" --color=never --order=start --time=capture $C/proxy-legs-python.pcap >"$T/legs-cap.txt" 2>/dev/null
check "proxy-legs-python: --order=start --time=capture reads the legs in turn on one clock: the client's text reaches the relay, then the server, whose echo comes back through the relay" \
    "$PY" -S -c '
import re, sys
conn, t = 0, {}
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"Connection (\d+) ", line)
    if m: conn = int(m.group(1))
    m = re.match(r" *([0-9.]+) \|(----|<---) text \"through the proxy\"", line)
    if m: t[(conn, m.group(2))] = float(m.group(1))
order = [t[(1, "----")], t[(2, "----")], t[(2, "<---")], t[(1, "<---")]]
sys.exit(0 if len(t) == 4 and order == sorted(order) else "times %r" % t)' "$T/legs-cap.txt"
expect_eq "proxy-legs-python: --order=start: the client's leg first" "$(grep '^Connection' "$T/legs-cap.txt" | cut -d' ' -f2 | tr '\n' ' ')" "1 2 "

# ---- refused-403-python.pcap ----------------------------------------------------------------
ins ref $C/refused-403-python.pcap
expect_eq "refused-403-python: exit 1 (handshake failed)" "$(rcs ref)" "1 1 1"
expect_eq "refused-403-python: verdict refused with status 403 and its rule" \
    "$(q ref '[(h["verdict"], h["status"], h["reason"], h["rule"]) for h in hs]')" \
    '[["refused", 403, "Forbidden", "RFC 6455 §4.1 item 1"]]'
check "refused-403-python: no WebSocket frames" qa ref 'frames == [] and closes[0]["websocket"] is False'
check "refused-403-python: the 403 has a body (headers and body in two segments)" qa ref \
    '[(h["status"], h["body_length"] > 0) for h in https if not h["request"]] == [(403, True)]'
check "refused-403-python: the ladder shows the 403 and the refusal" in_order ref \
    '[|]---- HTTP Upgrade Request GET /private -*>[|]$' \
    "$(s2c "403 Forbidden( [^+]*)? \\+ $(q ref '[h["body_length"] for h in https if h.get("status") == 403][0]') B body")" \
    'handshake refused'
check "refused-403-python: the ladder never opens a WebSocket" hasnt ref "WebSocket OPEN"

# ---- wrong-accept-python.pcap ---------------------------------------------------------------
ins wa $C/wrong-accept-python.pcap
expect_eq "wrong-accept-python: exit 1" "$(rcs wa)" "1 1 1"
if [ "$HAVE_TSHARK" = 1 ]; then
    wkey=$(tshark_field $C/wrong-accept-python.pcap http.sec_websocket_key)
    wacc=$(tshark_field $C/wrong-accept-python.pcap http.sec_websocket_accept)
    wexp=$("$A" "$wkey")
    check "wrong-accept-python: tshark finds a key and an Accept" test -n "$wkey" -a -n "$wacc"
    expect_eq "wrong-accept-python: expected_accept is wsaccept's Accept for tshark's key" "$(q wa 'hs[0]["expected_accept"]')" "$wexp"
    expect_eq "wrong-accept-python: the Accept reported is the one on the wire (tshark)" "$(q wa 'hs[0]["accept"]')" "$wacc"
    check "wrong-accept-python: the Accept on the wire is not the key's" test "$wacc" != "$wexp"
    check "wrong-accept-python: the ladder says MISMATCH and the expected Accept" grep -qF "MISMATCH: expected $wexp" "$T/wa.txt"
else
    skip "wrong-accept-python: key and Accept from tshark" "tshark is not installed"
    wexp=$("$A" "$(q wa 'hs[0]["key"]')")
    expect_eq "wrong-accept-python: expected_accept is wsaccept's Accept for the key" "$(q wa 'hs[0]["expected_accept"]')" "$wexp"
fi
expect_eq "wrong-accept-python: verdict mismatch, RFC 6455 §4.1 item 4" \
    "$(q wa '[(h["verdict"], h["rule"]) for h in hs]')" '[["mismatch", "RFC 6455 §4.1 item 4"]]'
check "wrong-accept-python: the client closes TCP without any frame" qa wa 'frames == [] and closes[0]["abnormal"]'
check "wrong-accept-python: --summary says mismatch" grep -q ' mismatch ' "$T/wa.sum"

# ---- http-keepalive-upgrade.pcap ------------------------------------------------------------
ins ka $C/http-keepalive-upgrade.pcap
expect_eq "http-keepalive-upgrade: exit 0" "$(rcs ka)" "0 0 0"
expect_eq "http-keepalive-upgrade: GET /status -> 200, then the upgrade on the same connection" \
    "$(q ka '[(h["conn"], h.get("method") or h.get("status"), h.get("target"), h["upgrade"]) for h in https]')" \
    '[[1, "GET", "/status", false], [1, 200, null, false], [1, "GET", "/chat", true], [1, 101, null, true]]'
expect_eq "http-keepalive-upgrade: the RFC sample key and its Accept, valid" \
    "$(q ka '[(h["key"], h["accept"], h["verdict"]) for h in hs]')" \
    '[["dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "valid"]]'
expect_eq "http-keepalive-upgrade: wsaccept agrees on the sample key" "$("$A" dGhlIHNhbXBsZSBub25jZQ==)" "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
check "http-keepalive-upgrade: the ladder shows GET /status and 200 before the upgrade" in_order ka \
    '[|]---- GET /status -*>[|]$' "$(s2c '200 OK( [^+]*)? \+ 11 B body')" \
    "$(c2s 'HTTP Upgrade Request GET /chat( \(\+[0-9.]+ m?s\))?')" "$(s2c '101 Switching Protocols')" 'WebSocket OPEN' \
    "$(c2s 'text "hello after /status"')" "$(s2c 'text "hello after /status"')"
expect_eq "http-keepalive-upgrade: the hand-made client's fixed masking keys" \
    "$(q ka 'ids(of("frame", "c2s"), "masking_key")')" '["37fa213d", "0a0b0c0d"]'

# ---- ipv6-python.pcap -----------------------------------------------------------------------
ins v6 $C/ipv6-python.pcap
expect_eq "ipv6-python: exit 0" "$(rcs v6)" "0 0 0"
check "ipv6-python: endpoints are [::1]:port, the server on 47315" qa v6 \
    'conns[0]["client"].startswith("[::1]:") and conns[0]["server"] == "[::1]:47315"'
check "ipv6-python: the ladder's header shows [::1] endpoints" grep -qE '^Connection 1  \[::1\]:[0-9]+ -> \[::1\]:47315 ' "$T/v6.txt"
check "ipv6-python: the summary too" grep -qE '^#1 \[::1\]:[0-9]+ -> \[::1\]:47315 ' "$T/v6.sum"
expect_eq "ipv6-python: echoes" "$(q v6 'texts()')" '["hello over ::1", "hello over ::1", "still IPv6", "still IPv6"]'

# ---- multi-client-python.pcap ---------------------------------------------------------------
ins multi $C/multi-client-python.pcap
expect_eq "multi-client-python: exit 0" "$(rcs multi)" "0 0 0"
expect_eq "multi-client-python: 3 connections, each valid and closed 1000/1000" \
    "$(q multi '[(c["conn"], c["verdict"], c["client_close"], c["server_close"]) for c in sorted(closes, key=lambda c: c["conn"])]')" \
    '[[1, "valid", 1000, 1000], [2, "valid", 1000, 1000], [3, "valid", 1000, 1000]]'
check "multi-client-python: 3 different client ports" qa multi 'len({c["client"] for c in conns}) == 3'
expect_eq "multi-client-python: each connection's own messages" \
    "$(q multi '[texts("c2s", n) for n in (1, 2, 3)]')" \
    '[["client 1 message 1", "client 1 message 2", "client 1 message 3"], ["client 2 message 1", "client 2 message 2", "client 2 message 3"], ["client 3 message 1", "client 3 message 2", "client 3 message 3"]]'
check "multi-client-python: the conversations interleave in the capture" qa multi \
    'len({m["conn"] for m in msgs[:6]}) > 1 or len({e["conn"] for e in frames[:6]}) > 1 or closes[0]["last_packet"] > sorted(closes, key=lambda c: c["conn"])[1]["first_packet"]'
expect_eq "multi-client-python: 24 frames (text x18, close x6)" "$(q multi '[len(frames), sum(f["opcode"] == 1 for f in frames)]')" '[24, 18]'
expect_eq "multi-client-python: the ladder has three blocks" "$(grep -c '^Connection [123] ' "$T/multi.txt")" 3
expect_eq "multi-client-python: the summary has three lines" "$(wc -l <"$T/multi.sum" | tr -d ' ')" 3

# ---- lws-testclient.pcap / lws-python.pcap (libwebsockets) ----------------------------------
ins lwsc $C/lws-testclient.pcap
expect_eq "lws-testclient: exit 0" "$(rcs lwsc)" "0 0 0"
expect_eq "lws-testclient: two valid handshakes, protocol selected, deflate offered and declined" \
    "$(q lwsc 'sorted((h["protocol_selected"], h["verdict"], h["extensions_offered"].startswith("permessage-deflate"), h["extensions_selected"], h["deflate"]) for h in hs)')" \
    '[["dumb-increment-protocol", "valid", true, null, false], ["lws-mirror-protocol", "valid", true, null, false]]'
check "lws-testclient: the 101 in 30-byte segments still gives the verdict (both 101s seen)" qa lwsc \
    'sorted(h["status"] for h in https if not h["request"]) == [101, 101]'
check "lws-testclient: the counter 0, 1, 2, ... on dumb-increment (about 40 messages)" qa lwsc '
[int(t) for t in texts("s2c", [h["conn"] for h in hs if h["protocol_selected"] == "dumb-increment-protocol"][0])] == list(range(len(texts("s2c", [h["conn"] for h in hs if h["protocol_selected"] == "dumb-increment-protocol"][0])))) and len(texts("s2c")) >= 30'
check "lws-testclient: stopped without close frames: abnormal" qa lwsc \
    'all(c["abnormal"] and c["client_close"] is None and c["server_close"] is None for c in closes) and len(closes) == 2'
check "lws-testclient: the ladder says 1006 for both" test "$(grep -c 'CLOSED (abnormal, no close frame: 1006)' "$T/lwsc.txt")" -eq 2
ins lwsp $C/lws-python.pcap
expect_eq "lws-python: exit 0" "$(rcs lwsp)" "0 0 0"
expect_eq "lws-python: two valid handshakes with their subprotocols" \
    "$(q lwsp '[(h["protocols_offered"], h["protocol_selected"], h["verdict"]) for h in hs]')" \
    '[["dumb-increment-protocol", "dumb-increment-protocol", "valid"], ["lws-mirror-protocol", "lws-mirror-protocol", "valid"]]'
expect_eq "lws-python: dumb-increment streams 5 numbers" "$(q lwsp 'texts("s2c", 1)')" '["0", "1", "2", "3", "4"]'
expect_eq "lws-python: the mirror mirrors 3 messages" "$(q lwsp 'texts(conn=2)')" \
    '["mirror one", "mirror one", "mirror two", "mirror two", "mirror three", "mirror three"]'
expect_eq "lws-python: close 1000 on both connections" "$(q lwsp '[(c["client_close"], c["server_close"]) for c in closes]')" '[[1000, 1000], [1000, 1000]]'
expect_eq "lws-python: 15 frames" "$(q lwsp 'len(frames)')" 15

# ================================================================================================
# Hostile captures (gen_hostile): TCP that is hard to follow
# ================================================================================================
H=$C/hostile
for n in baseline ooo retransmit overlap seqwrap gap-payload gap-header midstream snaplen truncated; do
    ins "h-$n" "$H/hostile-$n.pcap"
done
expect_eq "hostile-baseline: exit 0" "$(rcs h-baseline)" "0 0 0"
expect_eq "hostile-baseline: lesson 05's chat" "$(q h-baseline 'texts()')" \
    '["hello", "hi there", "news update", "typing...", "user joined"]'
expect_eq "hostile-baseline: RFC sample key, valid" "$(q h-baseline '[(h["key"], h["accept"], h["verdict"]) for h in hs]')" \
    '[["dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "valid"]]'
base=$(q h-baseline 'strip(msgs)')
for n in ooo retransmit overlap seqwrap; do
    expect_eq "hostile-$n: exit 0" "$(rcs h-$n)" "0 0 0"
    expect_eq "hostile-$n: the same messages as the baseline (timing and packet fields aside)" "$(q h-$n 'strip(msgs)')" "$base"
    expect_eq "hostile-$n: the same handshake as the baseline" "$(q h-$n 'strip(hs)')" "$(q h-baseline 'strip(hs)')"
    check "hostile-$n: no gap" qa "h-$n" 'gaps == [] and losts == []'
done
check "hostile-ooo: the late first half completes the frame (news update in the later packet)" qa h-ooo \
    '[m["packet"] for m in msgs if m.get("text") == "news update"][0] > [m["packet"] for m in msgs if m.get("text") == "hi there"][0] + 1'
expect_eq "hostile-overlap: a retrans-differs anomaly, server to client" \
    "$(q h-overlap '[(t["anomaly"], t["dir"]) for t in tcps]')" '[["retrans-differs", "s2c"]]'
check "hostile-overlap: the first copy is kept: hi there, not hI-There" qa h-overlap '"hi there" in texts("s2c") and "hI-There" not in texts("s2c")'
check "hostile-overlap: the ladder shows the anomaly" has h-overlap "tcp retrans-differs (server -> client)"
ins h-overlap-h4k "$H/hostile-overlap.pcap" --history 4096
expect_eq "hostile-overlap --history 4096: the smallest history still holds the overlapped bytes" \
    "$(q h-overlap-h4k '[(t["anomaly"], t["dir"], t["detail"]) for t in tcps]')" \
    "$(q h-overlap '[(t["anomaly"], t["dir"], t["detail"]) for t in tcps]')"
check "hostile-retransmit: the duplicate segment makes no second hello" qa h-retransmit 'texts("c2s").count("hello") == 1'

# gap-payload: a payload segment lost inside the 200-byte text
expect_eq "hostile-gap-payload: exit 0" "$(rcs h-gap-payload)" "0 0 0"
expect_eq "hostile-gap-payload: one 64-byte gap, server to client" "$(q h-gap-payload '[(g["dir"], g["length"]) for g in gaps]')" '[["s2c", 64]]'
check "hostile-gap-payload: the 200-byte text is reported incomplete" qa h-gap-payload \
    '[(m["length"], m["incomplete"]) for m in msgs if m["dir"] == "s2c" and m["opcode"] == 1 and m["length"] == 200] == [(200, True)]'
check "hostile-gap-payload: the stream is not lost" qa h-gap-payload 'losts == []'
expect_eq "hostile-gap-payload: later messages still decode" \
    "$(q h-gap-payload '[(m.get("text", "")[:12], m.get("close_code"), m["incomplete"]) for m in of("message", "s2c")]')" \
    '[["hi there", null, false], ["news update:", null, true], ["user joined", null, false], ["", 1000, false]]'
check "hostile-gap-payload: the ladder shows the gap and the incomplete message" in_order h-gap-payload \
    'gap: 64 bytes missing \(server -> client\)' "$(s2c 'text "news update: [^"]*" \(200 B\) \[incomplete\]')" "$(s2c 'text "user joined"')"
check "hostile-gap-payload: the hole is declared when the client ACKs past it, not at the end (user joined in its own packet, 12)" qa h-gap-payload \
    'gaps[0]["packet"] < 15 and [m["packet"] for m in msgs if m.get("text") == "user joined"] == [12]'
check "hostile-gap-payload: --summary counts the gap" grep -qE '^#1 .* valid .* 1 gap ' "$T/h-gap-payload.sum"

# gap-header: the lost segment holds a frame header: no resynchronising by guesswork
expect_eq "hostile-gap-header: exit 0" "$(rcs h-gap-header)" "0 0 0"
expect_eq "hostile-gap-header: one gap, server to client" "$(q h-gap-header '[(g["dir"], g["length"]) for g in gaps]')" '[["s2c", 8]]'
expect_eq "hostile-gap-header: the server stream is reported lost" "$(q h-gap-header '[l["dir"] for l in losts]')" '["s2c"]'
check "hostile-gap-header: never a frame from the server after the loss" qa h-gap-header \
    'all(f["packet"] < losts[0]["packet"] for f in of("frame", "s2c")) and all(m["packet"] < losts[0]["packet"] for m in of("message", "s2c"))'
check "hostile-gap-header: whatever server text is shown is right" qa h-gap-header \
    'set(texts("s2c")) <= {"hi there", "news update"} and all(m["text"] in ("hi there", "news update") for m in of("message", "s2c") if "text" in m)'
expect_eq "hostile-gap-header: the client's side is whole" "$(q h-gap-header 'texts("c2s")')" '["hello", "typing..."]'
check "hostile-gap-header: the ladder says lost" has h-gap-header "lost (server -> client)"

# midstream: no SYN, no handshake
expect_eq "hostile-midstream: exit 0" "$(rcs h-midstream)" "0 0 0"
expect_eq "hostile-midstream: verdict not-seen" "$(q h-midstream 'ids(hs, "verdict") + ids(closes, "verdict")')" '["not-seen", "not-seen"]'
check "hostile-midstream: no SYN seen" qa h-midstream 'conns[0]["saw_syn"] is False'
expect_eq "hostile-midstream: frames decoded from hi there on" "$(q h-midstream 'texts()')" '["hi there", "news update", "typing...", "user joined"]'
check "hostile-midstream: client and server told apart (masked frames are the client's)" qa h-midstream \
    'all(f["mask"] == (f["dir"] == "c2s") for f in frames) and closes[0]["client"] == "192.0.2.10:51000" and closes[0]["server"] == "192.0.2.80:80"'
# The connection event is the first thing a JSON reader learns the roles from: it must agree with the rest.
expect_eq "hostile-midstream: the connection event names the same client and server as the close event" \
    "$(q h-midstream '[(c["client"], c["server"]) for c in conns]')" '[["192.0.2.10:51000", "192.0.2.80:80"]]'
check "hostile-midstream: the ladder says the WebSocket was open before the capture" has h-midstream "open before the capture began"

# snaplen: heads cut by the snap length
expect_eq "hostile-snaplen: snaplen-cut anomalies in both directions" \
    "$(q h-snaplen 'sorted((t["anomaly"], t["dir"]) for t in tcps)')" '[["snaplen-cut", "c2s"], ["snaplen-cut", "s2c"]]'
check "hostile-snaplen: the cut bytes are reported as gaps" qa h-snaplen \
    'sorted(g["dir"] for g in gaps) == ["c2s", "s2c"] and all(g["length"] > 0 for g in gaps) and closes[0]["gaps"] == 2'
check "hostile-snaplen: no frame is made up from a cut stream" qa h-snaplen 'all(not m["incomplete"] or m["length"] > 0 for m in msgs)'
check "hostile-snaplen: the ladder shows the cut" has h-snaplen "tcp snaplen-cut (client -> server)"

# truncated: the file ends inside a packet record
expect_eq "hostile-truncated: exit 2 (input error)" "$(rcs h-truncated)" "2 2 2"
check "hostile-truncated: stderr names the file and the packet number" \
    grep -qE "^wsinspect: $H/hostile-truncated\.pcap: packet 10: .*truncated" "$T/h-truncated.err"
check "hostile-truncated: what was decoded so far is still printed" in_order h-truncated \
    "$(c2s 'text "hello"')" "$(s2c 'text "hi there"')" "$(s2c 'text "news update"')" "$(c2s 'text "typing\.\.\."')" \
    'END OF CAPTURE'
check "hostile-truncated: the JSON too, ending with the connection's summary" qa h-truncated \
    'texts() == ["hello", "hi there", "news update", "typing..."] and ev[-1]["type"] == "close"'
check "hostile-truncated: nothing after the cut record" hasnt h-truncated "user joined"

# edge-empty-messages: made here by gen_hostile (it is no file of captures/): two connections on which
# the server sends 1,591 empty text messages each. Their JSON once put the closing quote of an empty
# preview_hex one byte past the JSON writer's 64 KiB buffer: wsinspect --json crashed (SIGSEGV; a
# heap-buffer-overflow under AddressSanitizer). tests/unit/test_jsonl.c checks every writer at every
# fill of the buffer; this is the whole program on the capture that showed it.
GH=${GEN_HOSTILE:-${BUILD:-build}/tools/gen_hostile}
if [ -x "$GH" ] && "$GH" "$T" edge-empty-messages.pcap 2>"$T/gh.err"; then
    "$W" --json "$T/edge-empty-messages.pcap" >"$T/edge.json" 2>"$T/edge.jerr"; rc=$?
    expect_eq "edge-empty-messages: --json exits 0, nothing on stderr" "$rc $(cat "$T/edge.jerr")" "0 "
    check "edge-empty-messages: every line is one JSON event object" qa edge 'len(ev) > 6000'
    expect_eq "edge-empty-messages: 1,591 empty text messages per connection, all from the server" \
        "$(q edge '[(c, len(texts(conn=c)), len(texts("s2c", c)), sorted(set(texts(conn=c)))) for c in (1, 2)]')" \
        '[[1, 1591, 1591, [""]], [2, 1591, 1591, [""]]]'
    expect_eq "edge-empty-messages: as many frames, each with an empty preview_hex" \
        "$(q edge '[(c, len([f for f in of("frame", "s2c", c) if f["opcode"] == 1 and f["preview_hex"] == ""])) for c in (1, 2)]')" \
        '[[1, 1591], [2, 1591]]'
    expect_eq "edge-empty-messages: the close events count them, closed cleanly" \
        "$(q edge '[(c["server_messages"], c["client_messages"], c["closed_cleanly"]) for c in closes]')" \
        '[[1592, 1, true], [1592, 1, true]]'
    ins edge-all "$T/edge-empty-messages.pcap"
    expect_eq "edge-empty-messages: ladder, JSON with --payload 1024 and summary exit 0" "$(rcs edge-all)" "0 0 0"
    check "edge-empty-messages: the JSON with --payload 1024 is the same" cmp -s "$T/edge.json" "$T/edge-all.json"
else
    _bad "edge-empty-messages: made by $GH" "$(cat "$T/gh.err" 2>/dev/null) (build it: make all-tests)"
fi

# edge-deflate-cut: made here by gen_hostile: a server message that inflates to 1 + 258 * 1,040,500 bytes,
# past the 256 MiB inflated of one message (WSI_INFLATE_MAX_OUT), then "after the cut", compressed; with
# context takeover (connection 1), then with server_no_context_takeover (2). The rest of a cut message is
# never inflated, so with context takeover the window is lost: the next message was once inflated from it,
# and here blamed for the cut ("invalid distance code"; other bytes came out as garbage text, with a false
# invalid UTF-8 violation). Now the cut marks the server's compressed stream broken, saying why; without
# context takeover only the cut message is affected.
if [ -x "$GH" ] && "$GH" "$T" edge-deflate-cut.pcap 2>"$T/gh.err"; then
    ins dcut "$T/edge-deflate-cut.pcap"
    expect_eq "edge-deflate-cut: exit 0, no violation" "$(rcs dcut) $(q dcut 'len(viols)')" "0 0 0 0"
    expect_eq "edge-deflate-cut: each bomb inflated as far as the limit, then cut" \
        "$(q dcut '[(m["conn"], m["inflate_cut"], m["inflated_length"] >= 256 << 20) for m in msgs if m["opcode"] == 2]')" \
        '[[1, true, true], [2, true, true]]'
    expect_eq "edge-deflate-cut: context takeover: the message after the cut is not inflated, and says why" \
        "$(q dcut '[(m.get("text"), m.get("inflate_error"), m["utf8_valid"]) for m in of("message", "s2c", 1) if m["opcode"] == 1]')" \
        '[["before", null, true], [null, "an earlier message of this direction was cut at the 256 MiB inflate limit (WSI_INFLATE_MAX_OUT), so the shared window is lost", null]]'
    expect_eq "edge-deflate-cut: no context takeover: the message after the cut inflates" \
        "$(q dcut 'texts("s2c", 2)')" '["before", "after the cut"]'
    expect_eq "edge-deflate-cut: the client's direction is not affected" "$(q dcut 'texts("c2s")')" '["hello", "hello"]'
    check "edge-deflate-cut: the ladder shows the cut, then the message that does not inflate and why" in_order dcut \
        "$(s2c 'binary 256\.0 MiB \(deflate 260139 B -> 268444231 B\+, cut\)')" \
        "$(s2c 'text 19 B \(compressed; does not inflate: an earlier messag…')" \
        "$(s2c 'binary 256\.0 MiB \(deflate 260139 B -> 268444231 B\+, cut\)')" "$(s2c 'text "after the cut" .*')"
    check "edge-deflate-cut: --summary: no violation on either connection" \
        test "$(grep -c ' valid .* 0 violations ' "$T/dcut.sum")" = 2
    check "edge-deflate-cut: --summary says what was not inflated: the cut and the next (1), the cut only (2)" sh -c \
        'grep -q "^#1 .*  2 compressed messages not (fully) inflated" "$1" && grep -q "^#2 .*  1 compressed message not (fully) inflated" "$1"' \
        _ "$T/dcut.sum"
else
    _bad "edge-deflate-cut: made by $GH" "$(cat "$T/gh.err" 2>/dev/null) (build it: make all-tests)"
fi

# edge-deflate-budget: made here by gen_hostile: five compressed server messages of 267,288,001 zero bytes
# each (253 KiB on the wire each, under 256 MiB inflated each) on a connection with
# server_no_context_takeover, then "after the budget". A direction inflates at most 1 GiB over its messages
# (WSI_INFLATE_BUDGET: deflate bombs cost CPU, not memory): the fifth message reaches it and is cut, and
# from then on the server's messages are not inflated, though each could start afresh, and say why.
if [ -x "$GH" ] && "$GH" "$T" edge-deflate-budget.pcap 2>"$T/gh.err"; then
    ins dbud "$T/edge-deflate-budget.pcap"
    expect_eq "edge-deflate-budget: exit 0, no violation" "$(rcs dbud) $(q dbud 'len(viols)')" "0 0 0 0"
    expect_eq "edge-deflate-budget: four bombs inflated whole; the fifth cut where the server's direction reaches 1 GiB" \
        "$(q dbud '[(m["inflated_length"], m["inflate_cut"]) for m in msgs if m["opcode"] == 2][:4] + [sum(m.get("inflated_length", 0) for m in of("message", "s2c")) - (1 << 30) in range(16384)]')" \
        '[[267288001, false], [267288001, false], [267288001, false], [267288001, false], true]'
    expect_eq "edge-deflate-budget: the message after the budget is not inflated, not checked as text, and says why" \
        "$(q dbud '[(m.get("text"), m.get("inflate_error"), m["utf8_valid"]) for m in of("message", "s2c") if m["opcode"] == 1]')" \
        '[["before", null, true], [null, "this direction reached its inflate budget (1 GiB inflated over its messages, WSI_INFLATE_BUDGET) at an earlier message, so no more is inflated", null]]'
    expect_eq "edge-deflate-budget: the client's direction has a budget of its own" "$(q dbud 'texts("c2s")')" '["hello"]'
    check "edge-deflate-budget: the ladder shows four bombs, the cut one, then the message not inflated and why" in_order dbud \
        "$(s2c 'binary 254\.9 MiB \(deflate 259014 B -> 267288001 B\)')" "$(s2c 'binary 254\.9 MiB \(deflate 259014 B -> 267288001 B\)')" \
        "$(s2c 'binary 254\.9 MiB \(deflate 259014 B -> 267288001 B\)')" "$(s2c 'binary 254\.9 MiB \(deflate 259014 B -> 267288001 B\)')" \
        "$(s2c 'binary 4\.4 MiB \(deflate 259014 B -> 4596295 B\+, cut\)')" \
        "$(s2c 'text 22 B \(compressed; does not inflate: this direction re…')" "$(c2s 'text "hello" \(deflate 11 B -> 5 B\)')"
    check "edge-deflate-budget: --summary: the connection, valid, 0 violations" grep -qE '^#1 .* valid .* 0 violations ' "$T/dbud.sum"
    check "edge-deflate-budget: --summary says the cut one and the one after were not inflated" \
        grep -q "^#1 .*  2 compressed messages not (fully) inflated" "$T/dbud.sum"
else
    _bad "edge-deflate-budget: made by $GH" "$(cat "$T/gh.err" 2>/dev/null) (build it: make all-tests)"
fi

# ================================================================================================
# Violation captures: each breaks one rule; wsinspect names it (stable id, RFC section) and exits 1
# ================================================================================================
# file  violation-id  RFC-section  direction  opcode-of-the-frame-concerned  allowed-consequences
while read -r file vid sect vdir vop extra; do
    n="v-$file"
    ins "$n" "$C/violations/violation-$file.pcap"
    COLUMNS=400 "$W" --color=never "$C/violations/violation-$file.pcap" >"$T/$n.wide" 2>/dev/null
    expect_eq "violation-$file: exit 1" "$(rcs "$n")" "1 1 1"
    expect_eq "violation-$file: JSON flags $vid ($sect), first" \
        "$(q "$n" '[(v["violation"], v["rfc"], v["dir"]) for v in viols][:1]')" "[[\"$vid\", \"RFC 6455 $sect\", \"$vdir\"]]"
    if [ "$extra" = "-" ]; then
        expect_eq "violation-$file: exactly one violation" "$(q "$n" 'len(viols)')" 1
    else
        expect_eq "violation-$file: $vid, then only its consequence $extra" "$(q "$n" 'ids(viols, "violation")')" "[\"$vid\", \"$extra\"]"
    fi
    check "violation-$file: the violation points at the frame concerned (opcode $vop)" qa "$n" \
        "[f['opcode'] for f in frames if f['dir'] == viols[0]['dir'] and f['offset'] == viols[0]['offset'] and f['packet'] == viols[0]['packet']] == [$vop]"
    vtext=$(q "$n" 'viols[0]["text"]')
    check "violation-$file: the ladder flags it with §${sect#§}: $vtext" \
        grep -qE "⚠ RFC 6455 $(ere "$sect"): $(ere "$vtext")" "$T/$n.wide"
    check "violation-$file: the ladder's Problems line counts it" grep -qE '^  Problems +[12] violations?, 0 gaps' "$T/$n.txt"
    check "violation-$file: the handshake is valid (the one violation is in the frames)" qa "$n" 'ids(hs, "verdict") == ["valid"]'
done <<'EOF'
client-unmasked client-unmasked §5.1 c2s 1 -
server-masked server-masked §5.1 s2c 1 -
control-too-long control-too-long §5.5 c2s 9 -
control-fragmented control-fragmented §5.5 c2s 9 -
rsv1-no-extension rsv-not-negotiated §5.2 c2s 1 -
reserved-opcode reserved-opcode §5.2 c2s 3 -
non-minimal-length non-minimal-length §5.2 s2c 1 -
invalid-close-code close-code-invalid §7.4.1 c2s 8 -
close-1-byte close-payload-1 §5.5.1 c2s 8 -
invalid-utf8 invalid-utf8 §8.1 s2c 1 -
data-after-close data-after-close §5.5.1 c2s 1 -
continuation-without-start continuation-without-start §5.4 c2s 0 -
new-data-in-fragmented data-inside-fragmented §5.4 c2s 1 continuation-without-start
EOF
# what each violating frame looks like
check "violation-client-unmasked: the unmasked frame is hello" qa v-client-unmasked \
    '[(f["mask"], bytes.fromhex(f["preview_hex"])) for f in frames if f["packet"] == viols[0]["packet"]] == [(False, b"hello")]'
check "violation-server-masked: hi there, masked and unmasked correctly" qa v-server-masked \
    '[(f["mask"], bytes.fromhex(f["preview_hex"])) for f in frames if f["packet"] == viols[0]["packet"]] == [(True, b"hi there")]'
check "violation-control-too-long: a 126-byte ping in the 16-bit form" qa v-control-too-long \
    '[(f["payload_length"], f["len7"]) for f in frames if f["opcode"] == 9] == [(126, 126)]'
check "violation-control-fragmented: ping with FIN=0" qa v-control-fragmented \
    '[(f["fin"], bytes.fromhex(f["preview_hex"])) for f in frames if f["opcode"] == 9] == [(False, b"ping")]'
check "violation-rsv1-no-extension: RSV1 on hello, nothing negotiated" qa v-rsv1-no-extension \
    '[f["rsv"] for f in frames if f["packet"] == viols[0]["packet"]] == [4] and hs[0]["deflate"] is False'
check "violation-reserved-opcode: opcode 3 carries \"opcode 3\"" qa v-reserved-opcode \
    '[(f["opcode_name"], bytes.fromhex(f["preview_hex"])) for f in frames if f["opcode"] == 3] == [("reserved-data-3", b"opcode 3")]'
check "violation-non-minimal-length: 8 bytes in the 16-bit length field" qa v-non-minimal-length \
    '[(f["payload_length"], f["len7"], f["header_length"]) for f in frames if f["packet"] == viols[0]["packet"]] == [(8, 126, 4)]'
check "violation-invalid-close-code: the client's close carries 1005" qa v-invalid-close-code \
    '[m["close_code"] for m in of("message", "c2s") if m["opcode"] == 8] == [1005]'
check "violation-close-1-byte: a 1-byte close payload, no code read from it" qa v-close-1-byte \
    '[(m["length"], m["preview_hex"]) for m in of("message", "c2s") if m["opcode"] == 8] == [(1, "03")]'
check "violation-invalid-utf8: the text is marked not valid" qa v-invalid-utf8 \
    '[m["utf8_valid"] for m in of("message", "s2c") if m["opcode"] == 1 and m["length"] == 13] == [False]'
check "violation-data-after-close: too late comes after the client's close" qa v-data-after-close \
    '[m.get("text", m["opcode_name"]) for m in of("message", "c2s")][-2:] == ["close", "too late"]'
check "violation-continuation-without-start: the orphan continuation" qa v-continuation-without-start \
    '[bytes.fromhex(f["preview_hex"]) for f in frames if f["opcode"] == 0] == [b"orphan"]'
check "violation-new-data-in-fragmented: typ is delivered incomplete, oops stands alone" qa v-new-data-in-fragmented \
    '[(m.get("text"), m["incomplete"]) for m in of("message", "c2s") if m["opcode"] == 1][1:3] == [("typ", True), ("oops", False)]'

# violation-wrong-accept: the handshake, not a frame
ins v-wa "$C/violations/violation-wrong-accept.pcap"
expect_eq "violation-wrong-accept: exit 1" "$(rcs v-wa)" "1 1 1"
expect_eq "violation-wrong-accept: mismatch, expected the RFC sample's Accept, sent the GUID-less one" \
    "$(q v-wa '[(h["verdict"], h["expected_accept"], h["accept"], h["rule"]) for h in hs]')" \
    '[["mismatch", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "hHLtf2V1k8aDQZfNjw3Ia1hCwt0=", "RFC 6455 §4.1 item 4"]]'
expect_eq "violation-wrong-accept: wsaccept's Accept for the key is the expected one" \
    "$("$A" "$(q v-wa 'hs[0]["key"]')")" "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
check "violation-wrong-accept: the Accept is the SHA-1 of the key without the GUID" \
    test "$(printf '%s' dGhlIHNhbXBsZSBub25jZQ== | openssl sha1 -binary | base64)" = "hHLtf2V1k8aDQZfNjw3Ia1hCwt0="
check "violation-wrong-accept: the ladder says MISMATCH" has v-wa "MISMATCH: expected s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
check "violation-wrong-accept: the conversation is still decoded, with no frame violation" qa v-wa \
    'texts() == ["hello", "hi there", "news update", "typing...", "user joined"] and viols == []'

# ================================================================================================
# HTTP transports (lessons 01-04): polling, long polling, chunked streaming, Server-Sent Events
# ================================================================================================
ins poll $C/poll-curl.pcap
expect_eq "poll-curl: exit 0, one connection, no WebSocket" "$(rcs poll) $(q poll '[len(conns), closes[0]["websocket"]]')" "0 0 0 [1, false]"
expect_eq "poll-curl: six GET /poll, answered 204 204 204 200 204 200" \
    "$(q poll '[h.get("target") or h.get("status") for h in https]')" \
    '["/poll", 204, "/poll", 204, "/poll", 204, "/poll", 200, "/poll", 204, "/poll", 200]'
check "poll-curl: the 204s have empty bodies, the 200s a 21-byte one" qa poll \
    '[(h["status"], h["body_length"]) for h in https if not h["request"]] == [(204, 0)] * 3 + [(200, 21), (204, 0), (200, 21)]'
check "poll-curl: the polls are 150 to 250 ms apart" qa poll \
    'all(0.15 < b["t"] - a["t"] < 0.25 for a, b in zip([h for h in https if h["request"]], [h for h in https if h["request"]][1:]))'
check "poll-curl: the ladder counts the polls and the empty answers" has poll "6 requests, 6 responses (4 empty), one every"
check "poll-curl: the ladder marks an empty answer and the time since the previous poll" in_order poll \
    "$(s2c '204 No Content \(empty\) after [0-9.]+ m?s')" "$(c2s 'GET /poll \(\+[0-9.]+ m?s\)')"

ins lp $C/longpoll-curl.pcap
expect_eq "longpoll-curl: two long polls, both 200, exit 0" "$(rcs lp) $(q lp '[h.get("status") for h in https if not h["request"]]')" "0 0 0 [200, 200]"
check "longpoll-curl: the server held the first request about 1.5 s and the second about 0.5 s" qa lp \
    '[round(h["waited"], 1) for h in https if not h["request"]] == [1.5, 0.5]'
check "longpoll-curl: the ladder says how long each answer took" in_order lp \
    "$(s2c '200 OK after 1\.50 s \+ [0-9]+ B body')" "$(s2c '200 OK after 50[0-9]\.[0-9] ms \+ [0-9]+ B body')"

ins chunk $C/chunked-curl.pcap
expect_eq "chunked-curl: one chunked 200, five chunks tick 1..5" \
    "$(q chunk '[[h["status"], h["chunked"]] for h in https if not h["request"]] + [c["text"] for c in of("chunk")]')" \
    '[[200, true], "tick 1\n", "tick 2\n", "tick 3\n", "tick 4\n", "tick 5\n"]'
check "chunked-curl: the chunks arrive about 150 ms apart" qa chunk \
    'all(0.1 < b["t"] - a["t"] < 0.2 for a, b in zip(of("chunk"), of("chunk")[1:]))'
check "chunked-curl: one arrow per chunk, in order" in_order chunk \
    "$(s2c '200 OK chunked after [0-9.]+ m?s')" "$(s2c 'chunk 7 B "tick 1\\n"')" "$(s2c 'chunk 7 B "tick 5\\n"')"

ins sse $C/sse-curl.pcap
expect_eq "sse-curl: the event stream: a retry-only block, then hello, update (two data lines), bye" \
    "$(q sse '[[e["event"], e["data"], e["id"], e["retry"], e["dispatched"]] for e in of("sse")]')" \
    '[["message", "", null, 3000, false], ["message", "hello", "1", null, true], ["update", "first line\nsecond line", "2", null, true], ["bye", "done", null, null, true]]'
check "sse-curl: the keep-alive comment is counted with the event after it" qa sse '[e["comments"] for e in of("sse")] == [0, 0, 0, 1]'
check "sse-curl: no chunk arrows for an event stream (its events are the unit)" qa sse 'of("chunk") == []'
check "sse-curl: the ladder shows the events and says the retry-only block fires none" in_order sse \
    "$(s2c '200 OK event-stream chunked after [0-9.]+ m?s')" "$(s2c 'event-stream fields retry=3000 ms \(no data: not dispatched\)')" \
    "$(s2c 'event message id=1 "hello"')" "$(s2c 'event update id=2 "first line\\nsecond line"')" "$(s2c 'event bye "done" \(\+1 comment\)')"

# ---- compressed-curl.pcap: Content-Encoding deflate (chunks) and gzip (an event stream) ----------
# Each piece is compressed and sync-flushed into its own chunk, so every chunk decodes at once; the end of
# the compressed stream is one more chunk (5 B of deflate/gzip framing, no content).
ins cmp $C/compressed-curl.pcap
expect_eq "compressed-curl: exit 0" "$(rcs cmp)" "0 0 0"
expect_eq "compressed-curl: the responses name their content coding" \
    "$(q cmp '[h["content_encoding"] for h in of("http") if not h["request"]]')" '["deflate", "gzip"]'
expect_eq "compressed-curl: the deflate chunks decode to the ticks, the last to nothing" \
    "$(q cmp '[(c["coding"], c["decoded"], c["decoded_length"], c["text"]) for c in of("chunk")]')" \
    '[["deflate", true, 7, "tick 1\n"], ["deflate", true, 7, "tick 2\n"], ["deflate", true, 7, "tick 3\n"], ["deflate", true, 7, "tick 4\n"], ["deflate", true, 7, "tick 5\n"], ["deflate", true, 0, ""]]'
check "compressed-curl: each chunk's size is its compressed size, not the text's" qa cmp \
    'all(c["size"] != c["decoded_length"] for c in of("chunk"))'
expect_eq "compressed-curl: the gzip event stream reads as the same events as sse-curl" \
    "$(q cmp '[[e["event"], e["data"], e["id"], e["retry"], e["dispatched"]] for e in of("sse")]')" \
    "$(q sse '[[e["event"], e["data"], e["id"], e["retry"], e["dispatched"]] for e in of("sse")]')"
check "compressed-curl: the ladder names the codings and shows the decoded text" in_order cmp \
    "$(s2c '200 OK deflate-encoded chunked after [0-9.]+ m?s')" "$(s2c 'chunk 15 B "tick 1\\n" \(deflate -> 7 B\)')" \
    "$(s2c '200 OK event-stream gzip-encoded chunked after [0-9.]+ m?s')" "$(s2c 'event message id=1 "hello"')"

# ================================================================================================
# wss:// (TLS 1.3 and 1.2, AES-GCM and ChaCha20-Poly1305) with and without the client's key log
# ================================================================================================
for w in wss-tls13-python wss-tls13-aes128-python wss-tls13-chacha-python wss-tls12-python wss-tls12-chacha-python; do
    ins "$w" "$C/$w.pcap" --keylog "$C/$w.keylog"
    expect_eq "$w: decrypted: valid handshake, hello / hi there, close 1000 both ways, exit 0" \
        "$(rcs "$w") $(q "$w" '[hs[0]["verdict"], texts(), closes[0]["client_close"], closes[0]["server_close"], closes[0]["tls_decrypted"]]')" \
        '0 0 0 ["valid", ["hello", "hi there"], 1000, 1000, true]'
    check "$w: the TLS facts: SNI localhost, ALPN http/1.1, decrypting" qa "$w" \
        'any(t.get("sni") == "localhost" and t.get("alpn_selected") == "http/1.1" and t["decrypting"] for t in of("tls"))'
    check "$w: the ladder says it was decrypted with the key log" has "$w" "decrypted with the key log"
    "$W" --json "$C/$w.pcap" >"$T/$w-nokey.json" 2>/dev/null
    check "$w: without the key log: TLS described, nothing decrypted, the SSLKEYLOGFILE advice" qa "$w-nokey" \
        'frames == [] and closes[0]["tls"] and not closes[0]["tls_decrypted"] and any("SSLKEYLOGFILE" in (t.get("why_not") or "") for t in of("tls"))'
done
# Without the key log, the ladder draws the records an observer sees: each capture's records, per
# direction and content type, in number and bytes, are tshark's (tls.record.*), and the ladder has
# an arrow for each burst. (tshark reads the same records; it names no arrows, and it is the one to agree with.)
for w in wss-tls13-python wss-tls12-python; do
    "$W" --color=never "$C/$w.pcap" >"$T/$w-nokey.txt" 2>/dev/null
    check "$w: without the key log: the ClientHello and ServerHello drawn as arrows" sh -c \
        'grep -q "|---- TLS handshake [0-9]* B: ClientHello -*>|" "$1" && grep -q "|<--- TLS handshake [0-9]* B: ServerHello -*|" "$1" && grep -q "TLS application data .*(encrypted)" "$1"' _ "$T/$w-nokey.txt"
    got=$("$PY" -S -c '
import json, sys, collections
n = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "tls" and e.get("what") == "records":
        n[(e["dir"], e["record_type"], "records")] += e["records"]
        n[(e["dir"], "bytes")] += e["bytes"]
print(sorted(n.items()))' "$T/$w-nokey.json")
    arrows=$(grep -c "|---- TLS \||<--- TLS " "$T/$w-nokey.txt")
    bursts=$("$PY" -S -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("what") == "records"))' "$T/$w-nokey.json")
    expect_eq "$w: without the key log: one ladder arrow per burst of records in --json" "$arrows" "$bursts"
    if command -v tshark >/dev/null 2>&1; then
        # TLS 1.3's protected records have an opaque_type (always application data) instead of a
        # content_type in tshark; the lengths are of both, in order.
        want=$(tshark -r "$C/$w.pcap" -Y tls -T fields -e tcp.srcport -e tls.record.content_type \
                -e tls.record.opaque_type -e tls.record.length 2>/dev/null |
            "$PY" -S -c '
import sys, collections
names = {"20": "change_cipher_spec", "21": "alert", "22": "handshake", "23": "application data"}
n = collections.Counter()
client = None
for line in sys.stdin:
    port, types, opaque, lens = line.rstrip("\n").split("\t")
    client = client or port
    d = "c2s" if port == client else "s2c"
    for t in [x for x in types.split(",") if x]:
        n[(d, names[t], "records")] += 1
    for t in [x for x in opaque.split(",") if x]:
        n[(d, "application data", "records")] += 1
    n[(d, "bytes")] += sum(int(x) for x in lens.split(",") if x)
print(sorted(n.items()))')
        expect_eq "$w: without the key log: records per direction and type, and bytes per direction, are tshark's" "$got" "$want"
    else
        skip "$w: TLS records against tshark" "tshark is not installed"
    fi
done
case $(q wss-tls13-chacha-python '[t["cipher"] for t in of("tls") if "cipher" in t][0]') in
*CHACHA20*) _ok "wss-tls13-chacha-python: the cipher is ChaCha20-Poly1305" ;;
*) _bad "wss-tls13-chacha-python: the cipher is ChaCha20-Poly1305" "$(q wss-tls13-chacha-python '[t.get("cipher") for t in of("tls")]')" ;;
esac
check "wss: TLS 1.2 is named as such" qa wss-tls12-python 'of("tls")[0]["version"] == "TLS1.2"'
"$W" --json --keylog "$C/wss-tls12-python.keylog" "$C/wss-tls13-python.pcap" >"$T/wss-wrongkey.json" 2>/dev/null
"$W" --summary --color=never --keylog "$C/wss-tls12-python.keylog" "$C/wss-tls13-python.pcap" >"$T/wss-wrongkey.sum" 2>/dev/null
check "wss: --summary with a key log that lacks the session says so (not \"see --keylog\")" \
    grep -q "TLS, encrypted (the key log has no line for this session)" "$T/wss-wrongkey.sum"
check "wss: a key log without this session's client random says so" qa wss-wrongkey \
    'any("no line for client random" in (t.get("why_not") or "") for t in of("tls")) and frames == []'
expect_exit "wss: a key log that cannot be read is an input error (exit 2)" 2 "$W" --keylog /nonexistent.keylog "$C/wss-tls13-python.pcap"
"$W" --keylog /nonexistent.keylog "$C/wss-tls13-python.pcap" 2>"$T/kl.err" >/dev/null
check "wss: the error names the key log file" grep -q "/nonexistent.keylog" "$T/kl.err"
check "wss: the key log without the session was waited for until the connection ended, checked and not re-read" \
    qa wss-wrongkey 'any((t.get("why_not") or "").endswith("(waited for it until the end of the connection in the capture: the key log was checked 7 times and re-read 0 times)") for t in of("tls"))'
check "wss: the TLS facts of a session the key log does not know come with the ServerHello's packet" qa wss-wrongkey \
    '[t["packet"] for t in of("tls") if t["what"] == "info"] == [6]'
# A key log that grows while the capture is read, as SSLKEYLOGFILE in live use: empty when wsinspect starts
# (reading a pipe), the client's lines added after the upgrade request (packet 9) has gone by
"$PY" -S - "$C/wss-tls13-python.pcap" "$T/wss-grow-a.pcap" "$T/wss-grow-b.bin" <<'PYEOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
pos, recs = 24, []
while pos < len(d):
    n = struct.unpack("<I", d[pos + 8:pos + 12])[0]
    recs.append(d[pos:pos + 16 + n])
    pos += 16 + n
open(sys.argv[2], "wb").write(d[:24] + b"".join(recs[:9]))
open(sys.argv[3], "wb").write(b"".join(recs[9:]))
PYEOF
: >"$T/wss-grow.keylog"
{ cat "$T/wss-grow-a.pcap"; sleep 0.5; cat "$C/wss-tls13-python.keylog" >>"$T/wss-grow.keylog"; cat "$T/wss-grow-b.bin"; } |
    "$W" --json --keylog "$T/wss-grow.keylog" -r - >"$T/wss-grow.json" 2>/dev/null
"$W" --json --keylog "$C/wss-tls13-python.keylog" "$C/wss-tls13-python.pcap" >"$T/wss-whole.json" 2>/dev/null
expect_eq "wss: a key log that gets its lines during the run: the same events (packets, times) as with the whole key log" \
    "$(q wss-grow 'ev')" "$(q wss-whole 'ev')"
check "wss: ... the upgrade and hello / hi there, decrypted" qa wss-grow \
    'hs[0]["verdict"] == "valid" and texts() == ["hello", "hi there"] and closes[0]["tls_decrypted"]'

# ================================================================================================
# Any capture added to captures/ since these assertions were written: at least it must run cleanly
# (exit 0 or 1, JSON Lines that parse, one summary line per connection); and it is said out loud that
# it has no assertions of its own yet.
# ================================================================================================
for f in $C/*.pcap $C/*.pcapng $C/*/*.pcap $C/*/*.pcapng; do
    [ -f "$f" ] || continue
    grep -qxF "$f" "$T/covered" && continue
    case $f in "$C"/negative/*) continue ;; esac # negative.sh holds their assertions (and checks it covers each)
    n="new-$(basename "$f")"
    ins "$n" "$f"
    check "${f#"$C"/}: exits 0 or 1, the same for ladder, JSON and summary" grep -qxE '0 0 0|1 1 1' "$T/$n.rc"
    check "${f#"$C"/}: JSON Lines that parse, ending with a close per connection" qa "$n" \
        'len(closes) == len(conns) and (not ev or ev[-1]["type"] == "close")'
    expect_eq "${f#"$C"/}: one summary line per connection" "$(wc -l <"$T/$n.sum" | tr -d ' ')" "$(q "$n" 'len(conns)')"
    skip "${f#"$C"/}: assertions of its own" "a new capture: add them to tests/e2e/captures.sh"
done

# ================================================================================================
# The command line
# ================================================================================================
CH=$C/chat-python.pcap
"$W" --help >"$T/help.out" 2>"$T/help.err"; rc=$?
expect_eq "cli: --help exits 0" "$rc" 0
check "cli: --help prints the usage on stdout" grep -q '^Usage: wsinspect' "$T/help.out"
expect_eq "cli: --help writes nothing on stderr" "$(cat "$T/help.err")" ""
"$W" -h >"$T/h.out" 2>&1; rc=$?
expect_eq "cli: -h is --help" "$rc $(cmp -s "$T/h.out" "$T/help.out" && echo same)" "0 same"
# the man page documents every long option of --help, and renders cleanly
missing=""
for o in $(grep -o -- '--[a-z][a-z-]*' "$T/help.out" | sort -u); do
    # an entry: a .TP paragraph whose tag line (.B, .BI or .BR) names the option, as \-\-name
    awk -v o="$(printf '%s' "$o" | sed 's/-/\\\\-/g')" \
        'prev == ".TP" && /^\.B/ && index($0, o) { f = 1 } { prev = $0 } END { exit !f }' man/wsinspect.1 ||
        missing="$missing $o"
done
expect_eq "cli: wsinspect(1) has an entry for every long option of --help" "$missing" ""
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww -z man/wsinspect.1 >"$T/groff" 2>&1
    expect_eq "cli: wsinspect(1) renders without groff warnings" "$(cat "$T/groff")" ""
    # words run together (an alternating-font macro given a whole sentence) make long tokens
    expect_eq "cli: wsinspect(1) has no word of over 50 characters once rendered" \
        "$(groff -man -Tascii -P-cbu man/wsinspect.1 2>/dev/null | tr -s ' ' '\n' | awk 'length($0) > 50')" ""
else
    skip "cli: wsinspect(1) renders" "groff not installed"
fi
"$W" --version >"$T/ver.out" 2>&1; rc=$?
expect_eq "cli: --version exits 0" "$rc" 0
expect_eq "cli: --version names the program and the Makefile's version" "$(head -n 1 "$T/ver.out")" \
    "wsinspect $(sed -n 's/^VERSION *:= *//p' Makefile)"
check "cli: --version names libpcap and OpenSSL" sh -c 'grep -q libpcap "$1" && grep -q OpenSSL "$1"' sh "$T/ver.out"
expect_exit "cli: an unknown option exits 2" 2 "$W" --no-such-option "$CH"
expect_exit "cli: no input at all exits 2" 2 "$W"
expect_exit "cli: a bad --color value exits 2" 2 "$W" --color=sometimes "$CH"
expect_exit "cli: a bad --payload value exits 2" 2 "$W" --payload=-1 "$CH"
expect_exit "cli: -c 0 exits 2" 2 "$W" -c 0 "$CH"
expect_exit "cli: --history below 4096 exits 2" 2 "$W" --history 100 "$CH"
"$W" "$T/no-such-file.pcap" >"$T/miss.out" 2>"$T/miss.err"; rc=$?
expect_eq "cli: a missing file exits 2" "$rc" 2
check "cli: ... and stderr names it" grep -qF "$T/no-such-file.pcap" "$T/miss.err"
expect_eq "cli: ... with nothing on stdout" "$(cat "$T/miss.out")" ""
printf 'this is not a capture\n' >"$T/not.pcap"
expect_exit "cli: a file that is not a capture exits 2" 2 "$W" "$T/not.pcap"
"$W" "$CH" 'tcp port nonsense' >"$T/bf.out" 2>"$T/bf.err"; rc=$?
expect_eq "cli: a bad BPF filter exits 2" "$rc" 2
check "cli: ... and stderr quotes the filter" grep -qF 'tcp port nonsense' "$T/bf.err"
"$W" --json "$CH" tcp port 1 >"$T/none.out" 2>"$T/none.err"; rc=$?
expect_eq "cli: a filter that selects nothing: exit 0, no output" "$rc:$(cat "$T/none.out")" "0:"
check "cli: ... and stderr says no packets matched" grep -q 'no packets matched the filter' "$T/none.err"
"$W" --json --payload 1024 "$CH" tcp port 47301 >"$T/all.out" 2>/dev/null
expect_eq "cli: a filter that selects everything gives the same JSON" "$(cat "$T/all.out")" "$(cat "$T/chat.json")"
"$W" --json --payload 1024 "$CH" 'tcp[tcpflags] & tcp-syn == 0' >"$T/nosyn.out" 2>/dev/null
check "cli: a filter without the SYNs still finds the connection" "$PY" -S "$E/jsonq.py" --assert "$T/nosyn.out" 'texts() == ["hello", "hi there", "news update", "typing...", "user joined"]'
"$W" --json --payload 1024 -r - <"$CH" >"$T/stdin.json" 2>"$T/stdin.err"; rc=$?
expect_eq "cli: -r - reads the capture from stdin" "$rc" 0
expect_eq "cli: ... the same JSON as from the file" "$(cat "$T/stdin.json")" "$(cat "$T/chat.json")"
"$W" --json --payload 1024 - <"$CH" >"$T/stdin2.json" 2>/dev/null
expect_eq "cli: a bare - reads stdin too" "$(cat "$T/stdin2.json")" "$(cat "$T/chat.json")"
# --explain N: frame N laid out bit by bit (lesson 07). chat-python's frame 1 is the client's masked "hello".
"$W" --explain 1 "$CH" >"$T/ex1.txt" 2>"$T/ex1.err"; rc=$?
expect_eq "cli: --explain 1 exits 0" "$rc" 0
check "cli: --explain 1: the client's masked text frame: FIN 1, opcode 1, MASK 1, length 5, the text" sh -c \
    'grep -q "FIN 1: the last frame" "$1" && grep -q "opcode 1: text frame" "$1" && grep -q "MASK 1: the payload is masked" "$1" &&
     grep -q "payload length 5 " "$1" && grep -q "XOR          68 65 6c 6c 6f" "$1" && grep -q "as text      \"hello\"" "$1"' _ "$T/ex1.txt"
# the header and the masked bytes on the wire, as tshark sees the frame's TCP payload (one frame in that segment)
if command -v tshark >/dev/null 2>&1; then
    want=$(tshark -r "$CH" -Y websocket -T fields -e tcp.payload 2>/dev/null | head -1)
    got=$(sed -n -e 's/^  header, [0-9]* bytes: //p' -e 's/^    on the wire  //p' "$T/ex1.txt" | tr -d ' \n')
    expect_eq "cli: --explain 1: header and masked payload bytes are tshark's tcp.payload of that frame" "$got" "$want"
else
    skip "cli: --explain 1 against tshark's tcp.payload" "tshark is not installed"
fi
"$W" --explain 3 "$C/deflate-python.pcap" >"$T/ex3.txt" 2>/dev/null
check "cli: --explain on a compressed message: RSV1 named, and its inflated text" sh -c \
    'grep -q "RSV1 1: the message is compressed (permessage-deflate" "$1" && grep -q "inflated     193 bytes" "$1"' _ "$T/ex3.txt"
"$W" --explain 99 "$CH" >"$T/ex99.txt" 2>"$T/ex99.err"; rc=$?
expect_eq "cli: --explain past the last frame: exit 2, said on stderr" "$rc:$(cat "$T/ex99.err")" \
    "2:wsinspect: $CH: --explain 99: connection 1 has 7 frames"
"$W" --explain 2 --stream 2 "$C/multi-client-python.pcap" >"$T/ex-s2.txt" 2>/dev/null
check "cli: --explain with --stream: a frame of that connection" grep -q "^Frame 2 of connection 2 " "$T/ex-s2.txt"

# --time: since the connection's start (default), since the capture's first packet, since the line before
COLUMNS=100 "$W" --color=never --time=delta "$CH" >"$T/tdelta.txt" 2>/dev/null
COLUMNS=100 "$W" --color=never "$CH" >"$T/tconn.txt" 2>/dev/null
check "cli: --time=delta: each arrow's time is its own minus the line before (the 101: 0.001681 - 0.001108)" sh -c \
    'grep -q "^  0.000573 |<--- 101 Switching Protocols" "$1" && grep -q "^  0.000283 |---- text \"hello\"" "$1"' _ "$T/tdelta.txt"
COLUMNS=100 "$W" --color=never --time=capture "$C/multi-client-python.pcap" >"$T/tcap.txt" 2>/dev/null
check "cli: --time=capture: connection 2's upgrade is later than connection 1's on the one clock" sh -c \
    'a=$(grep "GET /client1 -" "$1" | awk "{print \$1}"); b=$(grep "GET /client2 -" "$1" | awk "{print \$1}");
     awk -v a="$a" -v b="$b" "BEGIN { exit !(b > a) }"' _ "$T/tcap.txt"
"$W" --time=wall "$CH" >/dev/null 2>"$T/tabs.err"; rc=$?
expect_eq "cli: --time with an unknown value: exit 2, said" "$rc:$(cat "$T/tabs.err")" "2:wsinspect: --time: 'wall' is not conn, capture, abs or delta"
# --time=abs: the wall clock, local time of day, each line at its packet's timestamp (--json's ts)
TZ=UTC COLUMNS=100 "$W" --color=never --time=abs "$CH" >"$T/tabs.txt" 2>/dev/null
want=$("$PY" -S -c 'import json, sys, time
for e in map(json.loads, open(sys.argv[1])):
    if e["type"] == "message" and e.get("text") == "hello":
        s = int(e["ts"]); print(time.strftime("%H:%M:%S", time.gmtime(s)) + ".%06d" % round((e["ts"] - s) * 1e6))' "$T/chat.json")
check "cli: --time=abs (TZ=UTC): the hello arrow at its packet's time of day, HH:MM:SS.ffffff" \
    grep -qE "^$want \|---- text \"hello\"" "$T/tabs.txt"
TZ=KST-9 COLUMNS=100 "$W" --color=never --time=abs "$CH" >"$T/tabs9.txt" 2>/dev/null
h=$(echo "$want" | cut -c1-2); h9=$(printf '%02d' $(( (${h#0} + 9) % 24 )))
check "cli: --time=abs follows the local time zone (TZ=KST-9: 9 hours later)" \
    grep -qE "^$h9$(echo "$want" | cut -c3-) \|---- text \"hello\"" "$T/tabs9.txt"
check "cli: --time=abs: within the width (a wider time column, a narrower diagram)" width_ok 100 "$T/tabs.txt"
# --order=start|end: lws-testclient's second connection ends first
"$W" --color=never --summary $C/lws-testclient.pcap >"$T/oend.sum" 2>/dev/null
"$W" --color=never --summary --order=start $C/lws-testclient.pcap >"$T/ostart.sum" 2>/dev/null
expect_eq "cli: --summary: by default as connections end (2 then 1); --order=start as they began (1 then 2)" \
    "$(cut -d' ' -f1 "$T/oend.sum" | tr '\n' ' ')/$(cut -d' ' -f1 "$T/ostart.sum" | tr '\n' ' ')" "#2 #1 /#1 #2 "
expect_eq "cli: --order=start: the same lines" "$(sort "$T/ostart.sum")" "$(sort "$T/oend.sum")"
"$W" --color=never $C/lws-testclient.pcap >"$T/oend.txt" 2>/dev/null
"$W" --color=never --order=end $C/lws-testclient.pcap >"$T/oend2.txt" 2>/dev/null
"$W" --color=never --order=start $C/lws-testclient.pcap >"$T/ostart.txt" 2>/dev/null
expect_eq "cli: ladder --order=start: blocks as the connections began" \
    "$(grep '^Connection' "$T/oend.txt" | cut -d' ' -f2 | tr '\n' ' ')/$(grep '^Connection' "$T/ostart.txt" | cut -d' ' -f2 | tr '\n' ' ')" "2 1 /1 2 "
check "cli: --order=end is the default" cmp -s "$T/oend.txt" "$T/oend2.txt"
expect_eq "cli: ladder --order=start: the same lines, one blank line between blocks" \
    "$(sort "$T/ostart.txt")" "$(sort "$T/oend.txt")"
# --order=start with --time=capture: several connections on one clock, read in the order they began
COLUMNS=100 "$W" --color=never --order=start --time=capture $C/multi-client-python.pcap $C/lws-python.pcap >"$T/ocap.txt" 2>/dev/null
expect_eq "cli: --order=start across files: 1 to 5 in turn" \
    "$(grep '^Connection' "$T/ocap.txt" | cut -d' ' -f2 | tr '\n' ' ')" "1 2 3 4 5 "
"$W" --order=middle "$CH" >/dev/null 2>"$T/obad.err"; rc=$?
expect_eq "cli: --order with an unknown value: exit 2, said" "$rc:$(cat "$T/obad.err")" "2:wsinspect: --order: 'middle' is not start or end"

# the ladder from a pipe (tcpdump -w - | wsinspect -r -) is live: lines tagged, as they come; from a file, blocks
cat "$CH" | "$W" --color=never -r - >"$T/pipe.txt" 2>/dev/null
check "cli: the ladder read from a pipe is live: every line tagged #1, the arrows before the facts" sh -c \
    '! grep -qv "^#1 " "$1" && grep -n "text \"hello\"" "$1" | head -1 | cut -d: -f1 |
     { read -r a; b=$(grep -n "Request     GET /chat" "$1" | cut -d: -f1); [ "$a" -lt "$b" ]; }' _ "$T/pipe.txt"
cat "$CH" | "$W" --color=never --blocks -r - >"$T/pipe-blocks.txt" 2>/dev/null
"$W" --color=never "$CH" >"$T/file-blocks.txt" 2>/dev/null
check "cli: --blocks from a pipe is the file's ladder" cmp -s "$T/pipe-blocks.txt" "$T/file-blocks.txt"
"$W" --color=never --live "$CH" >"$T/file-live.txt" 2>/dev/null
check "cli: --live on a file is the pipe's ladder" cmp -s "$T/file-live.txt" "$T/pipe.txt"
"$W" --json --payload 1024 -r "$CH" >"$T/r.json" 2>/dev/null
expect_eq "cli: -r FILE is the same as FILE" "$(cat "$T/r.json")" "$(cat "$T/chat.json")"
"$W" --json -c 10 "$CH" >"$T/c10.json" 2>/dev/null; rc=$?
expect_eq "cli: -c 10 exits 0" "$rc" 0
check "cli: -c 10 reads 10 packets: hello, hi there, news update, nothing after packet 10" "$PY" -S "$E/jsonq.py" --assert "$T/c10.json" \
    'texts() == ["hello", "hi there", "news update"] and max(e["packet"] for e in ev) <= 10'
"$W" -c 5 "$CH" >"$T/c5.txt" 2>/dev/null; rc=$?
expect_eq "cli: -c 5 stops before the 101: the handshake got no response: exit 1" "$rc" 1
check "cli: ... and the ladder says so" grep -q 'no-response' "$T/c5.txt"
"$W" --json --stream 2 $C/multi-client-python.pcap >"$T/s2.json" 2>/dev/null; rc=$?
expect_eq "cli: --stream 2 exits 0" "$rc" 0
check "cli: --stream 2 shows only connection 2, whole" "$PY" -S "$E/jsonq.py" --assert "$T/s2.json" \
    '{e["conn"] for e in ev} == {2} and texts("c2s") == ["client 2 message 1", "client 2 message 2", "client 2 message 3"]'
"$W" --stream 2 --color=never $C/multi-client-python.pcap >"$T/s2.txt" 2>/dev/null
expect_eq "cli: --stream 2 ladder has one block, connection 2" "$(grep '^Connection ' "$T/s2.txt" | cut -d' ' -f1-2)" "Connection 2"
"$W" --stream 9 $C/multi-client-python.pcap >"$T/s9.txt" 2>"$T/s9.err"; rc=$?
expect_eq "cli: --stream 9 (no such connection): exit 2, nothing shown, and said" "$rc:$(cat "$T/s9.txt"):$(cat "$T/s9.err")" \
    "2::wsinspect: $C/multi-client-python.pcap: --stream 9: there is no connection 9 (the capture has 3)"
# options anywhere before the filter: after the file too, as tcpdump and tshark users write them
"$W" "$CH" --json --payload 1024 >"$T/opts-after.json" 2>/dev/null; rc=$?
expect_eq "cli: options after the file: the same JSON as before it" "$rc:$(cat "$T/opts-after.json")" "0:$(cat "$T/chat.json")"
"$W" "$CH" tcp port 47301 --json --payload 1024 >"$T/opts-filter.json" 2>/dev/null
expect_eq "cli: options after the filter's words too" "$(cat "$T/opts-filter.json")" "$(cat "$T/chat.json")"
"$W" captures/no-such-capture.pcap tcp port 47301 >/dev/null 2>"$T/typo.err"; rc=$?
expect_eq "cli: a mistyped file with a filter after it: exit 2, the file named as missing, no help page" \
    "$rc:$(cat "$T/typo.err")" \
    "2:wsinspect: captures/no-such-capture.pcap: no such file (the words after it would be the filter: tcp...)"

# several captures at once: -r repeated, or the file words before the filter; one session, connections
# numbered on across the files, each labelled with its file, one exit status (the worst)
MC=$C/multi-client-python.pcap
"$W" --summary --color=never "$CH" "$MC" >"$T/multi.sum" 2>"$T/multi.err"; rc=$?
expect_eq "cli: two files: exit 0, nothing on stderr" "$rc:$(cat "$T/multi.err")" "0:"
expect_eq "cli: two files: connections 1-4 numbered on across the files, each with its file" \
    "$(cut -d' ' -f1-2 "$T/multi.sum" | tr '\n' ' ')" \
    "#1 ($CH) #2 ($MC) #3 ($MC) #4 ($MC) "
check "cli: two files: the second file's connections are its own (client2 is #3)" \
    grep -qE "^#3 \($MC\) 127\.0\.0\.1:58416 -> 127\.0\.0\.1:47316 GET /client2 " "$T/multi.sum"
"$W" --summary --color=never -r "$CH" -r "$MC" >"$T/multi-r.sum" 2>/dev/null
expect_eq "cli: -r repeated is the same as the file words" "$(cat "$T/multi-r.sum")" "$(cat "$T/multi.sum")"
"$W" --json "$CH" "$MC" >"$T/multi.json" 2>/dev/null
check "cli: two files, --json: every connection and close event names its file; ids 1-4, once each" \
    "$PY" -S "$E/jsonq.py" --assert "$T/multi.json" \
    "([(e['conn'], e['file']) for e in of('connection')] == [(1, '$CH'), (2, '$MC'), (3, '$MC'), (4, '$MC')]
     and sorted((e['conn'], e['file']) for e in of('close')) == [(1, '$CH'), (2, '$MC'), (3, '$MC'), (4, '$MC')]
     and texts(conn=1) == ['hello', 'hi there', 'news update', 'typing...', 'user joined']
     and texts('c2s', conn=3) == ['client 2 message 1', 'client 2 message 2', 'client 2 message 3'])"
check "cli: one file, --json: no file field (the output of one capture is unchanged)" sh -c '! grep -q "\"file\"" "$1"' _ "$T/chat.json"
"$W" --color=never "$CH" "$MC" >"$T/multi.txt" 2>/dev/null
expect_eq "cli: two files, ladder: each block's first line names its file" \
    "$(grep '^Connection ' "$T/multi.txt" | cut -d' ' -f1-3 | tr '\n' ' ')" \
    "Connection 1 ($CH) Connection 2 ($MC) Connection 3 ($MC) Connection 4 ($MC) "
"$W" --summary --color=never $C/*.pcap >"$T/glob.sum" 2>"$T/glob.err"; rc=$?
n=0; for f in $C/*.pcap; do n=$((n + $("$W" --summary "$f" 2>/dev/null | wc -l))); done
expect_eq "cli: --summary captures/*.pcap: one line per connection of every file, exit 1 (wrong-accept's mismatch)" \
    "$rc:$(wc -l <"$T/glob.sum" | tr -d ' ')" "1:$n"
expect_eq "cli: --summary captures/*.pcap: the ids are 1 to N, each once" \
    "$(sed 's/^#\([0-9]*\) .*/\1/' "$T/glob.sum" | sort -n | tr '\n' ' ')" "$(seq 1 "$n" | tr '\n' ' ')"
"$W" --summary --color=never "$CH" $C/echo-node.pcap tcp port 47302 >"$T/mf.sum" 2>"$T/mf.err"; rc=$?
expect_eq "cli: files then a filter: the filter applies to each; the file without a match is named" \
    "$rc:$(cut -d' ' -f1-2 "$T/mf.sum"):$(cat "$T/mf.err")" \
    "0:#1 ($C/echo-node.pcap):wsinspect: $CH: no packets matched the filter"
"$W" --summary --color=never -r "$CH" -r $C/echo-node.pcap tcp port 47302 >"$T/mfr.sum" 2>/dev/null
expect_eq "cli: -r repeated then a filter: the same" "$(cat "$T/mfr.sum")" "$(cat "$T/mf.sum")"
"$W" --summary --color=never "$CH" "$T/missing.pcap" $C/wrong-accept-python.pcap >"$T/mm.sum" 2>"$T/mm.err"; rc=$?
expect_eq "cli: a missing file among several: the others read, it is named, exit 2 (the worst)" \
    "$rc:$(wc -l <"$T/mm.sum" | tr -d ' '):$(cat "$T/mm.err")" "2:2:wsinspect: $T/missing.pcap: No such file or directory"
"$W" --summary "$CH" $C/wrong-accept-python.pcap >/dev/null 2>&1; rc=$?
expect_eq "cli: a clean file and a failed handshake: exit 1" "$rc" 1
"$W" "$CH" "$T/missing.pcap" tcp port 80 >/dev/null 2>"$T/mt.err"; rc=$?
expect_eq "cli: a missing second file before a filter: exit 2, said before anything is read" \
    "$rc:$(cat "$T/mt.err")" "2:wsinspect: $T/missing.pcap: no such file (the words after it would be the filter: tcp...)"
"$W" --summary "$CH" $C/ "$MC" >"$T/dir.sum" 2>"$T/dir.err"; rc=$?
expect_eq "cli: a directory among the files: one plain sentence, the others read, exit 2" \
    "$rc:$(wc -l <"$T/dir.sum" | tr -d ' '):$(cat "$T/dir.err")" \
    "2:4:wsinspect: $C/: a directory, not a capture file (name the files in it, e.g. $C/*.pcap)"
"$W" --json --stream 3 "$CH" "$MC" >"$T/ms3.json" 2>/dev/null; rc=$?
check "cli: --stream 3 across two files is the second file's connection 2" "$PY" -S "$E/jsonq.py" --assert "$T/ms3.json" \
    "{e['conn'] for e in ev} == {3} and texts('c2s') == ['client 2 message 1', 'client 2 message 2', 'client 2 message 3']"
"$W" --stream 9 "$CH" "$MC" >/dev/null 2>"$T/ms9.err"; rc=$?
expect_eq "cli: --stream 9 of two files: exit 2, how many the files have" "$rc:$(cat "$T/ms9.err")" \
    "2:wsinspect: $CH, $MC: --stream 9: there is no connection 9 (the 2 captures have 4)"
"$W" --explain 1 --stream 3 "$CH" "$MC" >"$T/mx.txt" 2>/dev/null; rc=$?
expect_eq "cli: --explain 1 --stream 3 across two files: the frame of the second file's connection" \
    "$rc:$(head -1 "$T/mx.txt" | cut -d, -f1)" "0:Frame 1 of connection 3 (client -> server)"
"$W" -w "$T/both.pcap" "$CH" "$MC" >/dev/null 2>"$T/mw.err"; rc=$?
expect_eq "cli: -w with several files: refused, exit 2" "$rc:$(cat "$T/mw.err")" \
    "2:wsinspect: -w saves the packets of one input; give one file (or merge them first: mergecap -w all.pcap FILE...)"
"$W" --frames --color=never $C/fragmented-python.pcap >"$T/fr.txt" 2>/dev/null
expect_eq "cli: --frames draws one arrow per frame (9 client frames)" \
    "$(grep -E "$(c2s '.*')" "$T/fr.txt" | grep -cv 'HTTP Upgrade Request')" 9
check "cli: --frames shows FIN=0 frames and the empty FIN continuation, numbered, with their masking keys" in_order fr \
    "$(c2s '\[1\] text "frag" FIN=0 mask [0-9a-f]{8}')" "$(c2s '\[2\] continuation "mented " FIN=0 mask [0-9a-f]{8}')" \
    "$(c2s '\[3\] continuation "text" FIN=0 mask [0-9a-f]{8}')" "$(c2s '\[4\] continuation 0 B mask [0-9a-f]{8}')" \
    "$(s2c '\[5\] text "fragmented text"')"
"$W" -x --color=never $C/echo-node.pcap >"$T/x.txt" 2>/dev/null
check "cli: -x adds a hex dump under each message" grep -qE '^ +0000  de ad be ef +[|]\.\.\.\.[|]$' "$T/x.txt"
check "cli: -x dumps text with its characters" grep -qE '^ +0000  65 63 68 6f 20 74 68 69 [|]echo thi[|]$' "$T/x.txt"
"$W" --payload 4 --color=never "$CH" >"$T/p4.txt" 2>/dev/null
check "cli: --payload 4 cuts previews to 4 characters" grep -qE "$(c2s 'text "hell…" \(5 B\)')" "$T/p4.txt"
# --payload all: whole payloads, compared byte for byte with what the peer sent (captures/peers/payloads.py,
# the bytes py_peer.py's binary scenario sends: 125, 126, 65535 and 70000 bytes, each echoed)
"$W" --json --payload all $C/binary-sizes-python.pcap >"$T/pall.json" 2>"$T/pall.err"; rc=$?
expect_eq "cli: --payload all: exit 0, nothing on stderr" "$rc:$(cat "$T/pall.err")" "0:"
check "cli: --payload all: every binary message whole, the bytes the peers sent (70000 bytes over 64 KiB)" \
    "$PY" -S -c '
import json, sys
sys.path.insert(0, "captures/peers")
from payloads import pattern
ms = [e for e in map(json.loads, open(sys.argv[1])) if e["type"] == "message" and e["opcode"] == 2]
got = [(m["dir"], m["length"], bytes.fromhex(m["preview_hex"]) == pattern(m["length"]), m["preview_truncated"]) for m in ms]
want = [(d, n, True, False) for n in (125, 126, 65535, 70000) for d in ("c2s", "s2c")]
sys.exit(0 if got == want else "got %r" % (got,))' "$T/pall.json"
"$W" --json $C/binary-sizes-python.pcap >"$T/pdef.json" 2>/dev/null
check "cli: without it, the 70000-byte message is cut (32 bytes, preview_truncated)" "$PY" -S "$E/jsonq.py" --assert "$T/pdef.json" \
    '[(len(m["preview_hex"]) // 2, m["preview_truncated"]) for m in of("message") if m["length"] == 70000] == [(32, True), (32, True)]'
COLUMNS=200 "$W" --color=never -x --payload all $C/binary-sizes-python.pcap >"$T/pallx.txt" 2>/dev/null
row=$("$PY" -S -c 'import sys; sys.path.insert(0, "captures/peers"); from payloads import pattern
b = pattern(70000)[69984:]; print(" ".join("%02x" % x for x in b[:8]) + "  " + " ".join("%02x" % x for x in b[8:]))')
expect_eq "cli: --payload all -x dumps the 70000 bytes whole, both ways: the last row (offset 0x11160) is the peer's" \
    "$(grep -cE "^ +11160  $row \|" "$T/pallx.txt")" 2
"$W" --json --payload all $C/deflate-python.pcap >"$T/palld.json" 2>/dev/null
check "cli: --payload all on compressed messages: the inflated texts whole (193 bytes, where 32 are shown by default)" \
    "$PY" -S "$E/jsonq.py" --assert "$T/palld.json" \
    '(all(len(bytes.fromhex(m["preview_hex"])) == m["inflated_length"] and not m["preview_truncated"] for m in of("message") if m.get("inflated_length"))
      and any(m.get("inflated_length", 0) > 32 for m in of("message")))'
"$W" --payload some $CH >/dev/null 2>"$T/pbad.err"; rc=$?
expect_eq "cli: --payload with neither a number nor all: exit 2, said" "$rc:$(tail -1 "$T/pbad.err")" \
    "2:wsinspect: --payload all shows whole payloads"
"$W" --summary --color=never $C/lws-python.pcap >"$T/sum.txt" 2>/dev/null; rc=$?
expect_eq "cli: --summary prints one line per connection" "$rc $(wc -l <"$T/sum.txt" | tr -d ' ')" "0 2"
check "cli: --summary lines name the connection, path, verdict and close codes" \
    grep -qE '^#2 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:47318 GET / +valid .*close 1000/1000' "$T/sum.txt"

# colour: ESC sequences only when asked (or on a terminal without NO_COLOR)
ESC=$(printf '\033')
"$W" --color=always "$CH" >"$T/col.txt" 2>/dev/null
check "cli: --color=always colours the ladder" grep -q "$ESC\[" "$T/col.txt"
"$W" --color=always --summary "$CH" >"$T/cols.txt" 2>/dev/null
check "cli: --color=always colours the summary" grep -q "$ESC\[" "$T/cols.txt"
"$W" --color=never "$CH" >"$T/nocol.txt" 2>/dev/null
check "cli: --color=never has no ESC" sh -c '! grep -q "$1" "$2"' sh "$ESC" "$T/nocol.txt"
NO_COLOR=1 "$W" "$CH" >"$T/nc.txt" 2>/dev/null
check "cli: NO_COLOR has no ESC" sh -c '! grep -q "$1" "$2"' sh "$ESC" "$T/nc.txt"
"$W" "$CH" >"$T/pipe.txt" 2>/dev/null
check "cli: not a terminal: no ESC by default" sh -c '! grep -q "$1" "$2"' sh "$ESC" "$T/pipe.txt"
"$W" --color=always --json "$CH" >"$T/colj.txt" 2>/dev/null
check "cli: --json never has ESC, even with --color=always" sh -c '! grep -q "$1" "$2"' sh "$ESC" "$T/colj.txt"
expect_eq "cli: --color=always differs from --color=never only by ESC sequences" \
    "$(sed "s/$ESC\[[0-9;]*m//g" "$T/col.txt")" "$(cat "$T/nocol.txt")"
if command -v script >/dev/null 2>&1; then
    script -qec "$W $CH" /dev/null >"$T/tty.txt" 2>&1
    check "cli: on a terminal the ladder is coloured" grep -q "$ESC\[" "$T/tty.txt"
    NO_COLOR=1 script -qec "$W $CH" /dev/null >"$T/ttync.txt" 2>&1
    check "cli: on a terminal NO_COLOR turns colour off" sh -c '! grep -q "$1\[[0-9;]*m" "$2"' sh "$ESC" "$T/ttync.txt"
else
    skip "cli: colour on a terminal" "script(1) is not installed"
fi

# width: COLUMNS=60 keeps every line of every ladder within 60 display columns
mkdir "$T/w60"
nw=0
for f in $C/*.pcap $C/*.pcapng $H/*.pcap $C/violations/*.pcap; do
    COLUMNS=60 "$W" --color=never "$f" >"$T/w60/$(basename "$f").txt" 2>/dev/null
    nw=$((nw + 1))
done
check "cli: COLUMNS=60 keeps every line of all $nw ladders within 60 columns" width_ok 60 "$T"/w60/*.txt
COLUMNS=60 "$W" --color=always "$C/violations/violation-invalid-utf8.pcap" >"$T/w60c.txt" 2>/dev/null
check "cli: COLUMNS=60 with colour: visible width within 60" width_ok 60 "$T/w60c.txt"
COLUMNS=60 "$W" --color=never --frames -x "$C/echo-node.pcap" >"$T/w60x.txt" 2>/dev/null
check "cli: COLUMNS=60 with --frames -x within 60" width_ok 60 "$T/w60x.txt"
COLUMNS=60 "$W" --color=never "$CH" >"$T/w60chat.txt" 2>/dev/null
check "cli: COLUMNS=60 really narrows the ladder (a rail line is 60 wide)" \
    "$PY" -S -c 'import sys; sys.exit(0 if any(len(l.rstrip("\n")) == 60 for l in open(sys.argv[1], encoding="utf-8")) else 1)' "$T/w60chat.txt"
COLUMNS=40 "$W" --color=never "$CH" >"$T/w40.txt" 2>/dev/null
check "cli: COLUMNS=40 within 40" width_ok 40 "$T/w40.txt"

# widths 40, 80 and 200, every bundled capture, messages and frames: within the width but for a token
# line, and no token broken: every Key, Accept and expected Accept of the JSON (when an Accept was
# sent) and the GUID are whole on one line
tokens_whole() {
    "$PY" -S - "$@" <<'EOF'
import json, sys
want = set()
for e in map(json.loads, open(sys.argv[1])):
    if e["type"] == "handshake":
        # the expected Accept is shown beside an Accept sent (a refusal has none)
        want |= {e[k] for k in ("key", "accept", "expected_accept") if e.get(k) and e.get("accept")}
        want |= {e["key"]} if e.get("key") else set()
text = open(sys.argv[2], encoding="utf-8").read()
lines = text.split("\n")
missing = [t for t in sorted(want) if not any(t in l for l in lines)]
guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
if guid in text.replace("\n", "").replace(" ", "") and not any(guid in l for l in lines):
    missing.append("the GUID")
sys.exit("broken across lines: %s" % missing if missing else 0)
EOF
}
for cw in 40 80 200; do
    mkdir "$T/ww$cw"
    bad=""
    for f in $C/*.pcap $C/violations/*.pcap; do
        b=$(basename "$f" .pcap)
        "$W" --json "$f" >"$T/ww$cw/$b.json" 2>/dev/null
        for v in msg frames; do
            opt=""; [ $v = frames ] && opt=--frames
            COLUMNS=$cw "$W" --color=never $opt "$f" >"$T/ww$cw/$b.$v.txt" 2>/dev/null
            tokens_whole "$T/ww$cw/$b.json" "$T/ww$cw/$b.$v.txt" >/dev/null 2>&1 || bad="$bad $b.$v"
        done
    done
    check "cli: COLUMNS=$cw: every ladder (messages and --frames) within $cw columns but for token lines" \
        width_ok "$cw" "$T/ww$cw"/*.txt
    expect_eq "cli: COLUMNS=$cw: no Key, Accept or GUID broken across lines in any ladder" "$bad" ""
done
# a label's text uses the arrow's width, the same text cut at the same length on every arrow
# (echo-node: each text echoed; in --frames the client's arrows carry a masking key, the server's not)
labels() { grep -oE '\[[0-9]+\] text "[^"]*"|text "[^"]*"' "$1" | sed 's/^\[[0-9]*\] //'; }
for cw in 50 80 200; do
    for v in "" --frames; do
        COLUMNS=$cw "$W" --color=never $v $C/echo-node.pcap >"$T/eq.txt" 2>/dev/null
        expect_eq "cli: COLUMNS=$cw ${v:-messages}: each echoed text is cut as its original is" \
            "$(labels "$T/eq.txt" | sed -n '1p;3p' | tr '\n' '|')" "$(labels "$T/eq.txt" | sed -n '2p;4p' | tr '\n' '|')"
    done
done
COLUMNS=200 "$W" --color=never $C/echo-node.pcap >"$T/w200e.txt" 2>/dev/null
check "cli: COLUMNS=200: the 44-character text whole (the old 32-character preview no more)" \
    grep -qF 'text "and this, a little longer, with UTF-8: café ✓"' "$T/w200e.txt"
COLUMNS=80 "$W" --color=never $C/echo-node.pcap >"$T/w80e.txt" 2>/dev/null
check "cli: COLUMNS=80: the same text cut to the arrow's room (32 characters)" \
    grep -qF 'text "and this, a little longer, with…"' "$T/w80e.txt"
COLUMNS=200 "$W" --color=never --payload 10 $C/echo-node.pcap >"$T/w200p.txt" 2>/dev/null
check "cli: --payload N still bounds a label at any width" grep -qF 'text "and this, …"' "$T/w200p.txt"

finish
