#!/bin/sh
# har.sh - wsinspect on HAR files (a browser's saved session), through the ladder, --json and --summary:
#   1. captures/har/echo-chromium.har (chromium and a Python websockets echo server, recorded by
#      Playwright: captures/make-har.sh): every message, the verdict, standard input, the options a
#      HAR refuses;
#   2. captures/har/hostile.har: escape sequences, control bytes, markup, a 200,000-character message,
#      escaped in every view and kept whole in JSON;
#   3. broken, cut-short and huge HAR files made here from them (not committed): partial results, errors
#      naming line and column, --max-memory;
#   4. the real exports in ../shared/har-samples/ (Chrome 113-143, mitmproxy): every count, error
#      text and verdict that expected.json gives; skipped, and said, when the folder is absent.
# Run from the repository root; $WSINSPECT and $WSACCEPT name the programs.
set -u
. tests/lib.sh

W=${WSINSPECT:-build/wsinspect}
A=${WSACCEPT:-build/wsaccept}
E=tests/e2e
HS=${WSI_HAR_SAMPLES:-../shared/har-samples}
ECHO=captures/har/echo-chromium.har
HOSTILE=captures/har/hostile.har
T=$(mktemp -d)
trap 'rm -rf "$T" "$_out"' EXIT
LC_ALL=C.UTF-8
COLUMNS=100
export LC_ALL COLUMNS
unset NO_COLOR

. tests/e2e/prelude.inc
if ! e2e_programs; then
    finish
    exit 1
fi

# views NAME FILE [OPTION...]: ladder ($T/NAME.txt), JSON ($T/NAME.json), summary ($T/NAME.sum), stderr of
# the ladder in $T/NAME.err; exit statuses "ladder json summary" in $T/NAME.rc.
views() {
    n=$1; f=$2
    shift 2
    "$W" --color=never "$@" "$f" >"$T/$n.txt" 2>"$T/$n.err"; r1=$?
    "$W" --json --payload 65536 "$@" "$f" >"$T/$n.json" 2>/dev/null; r2=$?
    "$W" --summary --color=never "$@" "$f" >"$T/$n.sum" 2>/dev/null; r3=$?
    echo "$r1 $r2 $r3" >"$T/$n.rc"
}
q() { "$PY" -S "$E/jsonq.py" "$T/$1.json" "$2"; }
# xexit NAME CODE COMMAND...: expect_exit, its output kept in $T/last for said()
xexit() { expect_exit "$@"; cp "$_out" "$T/last"; }
said() { check "$1" grep -q -- "$2" "$T/last"; }
count() { grep -c -- "$2" "$T/$1" 2>/dev/null; }

# ---- 1. our own session, recorded by Playwright -------------------------------------------------------
views echo "$ECHO"
expect_eq "echo: exit 0 in every view" "$(cat "$T/echo.rc")" "0 0 0"
expect_eq "echo: one connection, from the HAR, the address from the URL" \
    "$(q echo '[(c["source"], c["address_from"], c["client"], c["server"].startswith("127.0.0.1:"), c["producer"].split()[0]) for c in conns]')" \
    '[["har", "url", "browser", true, "Playwright"]]'
expect_eq "echo: the handshake valid, deflate negotiated (the browser recorded the messages inflated)" \
    "$(q echo '[(h["verdict"], h["status"], h["deflate"], h["extensions_selected"].startswith("permessage-deflate")) for h in hs]')" \
    '[["valid", 101, true, true]]'
key=$(q echo 'hs[0]["key"]')
expect_eq "echo: the Accept is wsaccept's for the key" "$(q echo 'hs[0]["accept"]')" "$("$A" "$key")"
expect_eq "echo: the heads as HTTP events" "$(q echo '[(h["request"], h.get("method"), h.get("target"), h.get("status")) for h in https]')" \
    '[[true, "GET", "/echo", null], [false, null, null, 101]]'
want_texts='["hello", "안녕하세요, WebSocket", "<b>markup</b> & \"quotes\"", "'$(printf 'x%.0s' $(seq 300))'"]'
expect_eq "echo: the client's texts, in order" "$(q echo 'texts("c2s")')" "$want_texts"
expect_eq "echo: the server echoed each" "$(q echo 'texts("s2c")')" "$want_texts"
expect_eq "echo: the binary message both ways, decoded from base64" \
    "$(q echo '[(m["dir"], m["length"], m["preview_hex"]) for m in msgs if m["opcode"] == 2]')" \
    '[["c2s", 6, "0001027f80ff"], ["s2c", 6, "0001027f80ff"]]'
expect_eq "echo: no frames (a HAR has none): each message says 0" "$(q echo 'sorted(set(m["frames"] for m in msgs)) + [len(frames)]')" '[0, 0]'
expect_eq "echo: the close counts" \
    "$(q echo '[(c["client_messages"], c["server_messages"], c["errors"], c["client_close"], c["recorded_close"]) for c in closes]')" \
    '[[5, 5, 0, null, null]]'
expect_eq "echo: times in milliseconds read as seconds (the messages within a second)" \
    "$(q echo 'all(0 <= m["t"] < 5 for m in msgs) and msgs[0]["ts"] > 1.7e9')" "true"
expect_eq "ladder: what a HAR cannot show, said once" "$(count echo.txt 'From a HAR file')" 1
check "ladder: the connection's line names the URL's address and the entry" \
    grep -q "^Connection 1  browser -> 127.0.0.1:[0-9]* (from the URL)  HAR entry 2" "$T/echo.txt"
check "ladder: the verdict" grep -q 'Accept .*✓ valid' "$T/echo.txt"
expect_eq "ladder: ten message arrows" "$(grep -cE '\|(----|<---) (text|binary) ' "$T/echo.txt")" 10
check "ladder: Korean as sent" grep -q '"안녕하세요, WebSocket"' "$T/echo.txt"
check "ladder: the end of the record (a HAR has no close frames)" grep -q "END OF THE HAR'S RECORD" "$T/echo.txt"
check "summary: one line with both counts" grep -qE '^#1 browser -> 127\.0\.0\.1:[0-9]+ GET /echo  valid  c2s 5 msg / s2c 5 msg  close not recorded' "$T/echo.sum"
expect_eq "summary: what a HAR cannot show, said once" "$(count echo.sum 'From a HAR file')" 1
"$W" --color=never --frames "$ECHO" >"$T/frames.txt" 2>&1
expect_eq "--frames: the messages still drawn (there are no frames to draw instead)" \
    "$(grep -cE '\|(----|<---) (text|binary) ' "$T/frames.txt")" 10
"$W" --color=never --live "$ECHO" >"$T/live.txt" 2>&1
expect_eq "--live: what a HAR cannot show said once, first; the first line names the URL's address" \
    "$(sed -n 's/^#1   //p' "$T/live.txt" | grep -n -e '^From a HAR file' -e '^Connection 1  browser -> 127\.0\.0\.1:[0-9]* (from the URL)$' | cut -d: -f1 | tr '\n' ' ')" "1 4 "
cat "$ECHO" | "$W" --summary --color=never - >"$T/pipe.sum" 2>&1
expect_eq "standard input, a pipe: detected by content, the same summary" "$(cat "$T/pipe.sum")" "$(cat "$T/echo.sum")"
"$W" --summary --color=never - <"$ECHO" >"$T/redir.sum" 2>&1
expect_eq "standard input, a file: the same summary" "$(cat "$T/redir.sum")" "$(cat "$T/echo.sum")"
cp "$ECHO" "$T/session.dat"
"$W" --summary --color=never "$T/session.dat" >"$T/named.sum" 2>&1
expect_eq "any file name: detected by content" "$(cat "$T/named.sum")" "$(cat "$T/echo.sum")"
for pc in chat-python.pcap chat-python.pcapng; do
    expect_exit "a capture is still a capture ($pc)" 0 "$W" --summary "captures/$pc"
    cat "captures/$pc" | "$W" --summary - >"$T/cap.sum" 2>&1
    check "a capture on standard input is still a capture ($pc)" grep -q 'GET /chat  valid' "$T/cap.sum"
done
"$W" --stream 1 --summary "$ECHO" >"$T/s1" 2>&1
check "--stream 1" grep -q '^#1 browser' "$T/s1"
xexit "--stream 2: no such connection" 2 "$W" --stream 2 --summary "$ECHO"
said "--stream 2: said" 'there is no connection 2 (the HAR has 1 WebSocket)'
for opt in "tcp port 80" "-w $T/x.pcap" "--keylog captures/wss-tls13-python.keylog" "--explain 1" "-c 5"; do
    case $opt in tcp*) set -- "$ECHO" tcp port 80 ;; *) set -- $opt "$ECHO" ;; esac
    xexit "a HAR refuses $opt (packets and frames only)" 2 "$W" "$@"
    said "... and says why ($opt)" 'is a HAR file (the browser.s record of its messages), not a capture'
done
xexit "a HAR with a capture: refused" 2 "$W" --summary captures/chat-python.pcap "$ECHO"
said "... said" 'a HAR file (the browser.s record of its messages) is read on its own'
expect_exit "--max-memory 4M: a small HAR is read" 0 "$W" --max-memory 4M --json "$ECHO"

# ---- 2. hostile strings ------------------------------------------------------------------------------------
views hostile "$HOSTILE"
expect_eq "hostile: exit 1 (the second socket failed) in every view" "$(cat "$T/hostile.rc")" "1 1 1"
for v in txt sum; do
    expect_eq "hostile: no control byte in the $v view (but line ends)" \
        "$("$PY" -c 'import sys; d=open(sys.argv[1],"rb").read(); print(sum(1 for b in d if (b < 32 and b != 10) or b == 127))' "$T/hostile.$v")" 0
done
"$W" --color=always "$HOSTILE" >"$T/hostile.color" 2>/dev/null
expect_eq "hostile: with colours, every escape sequence is one of ours (SGR)" \
    "$("$PY" -c 'import re,sys; d=open(sys.argv[1],"rb").read(); print(len(re.sub(rb"\x1b\[[0-9;]*m", b"", d)) == len(d) - sum(len(m) for m in re.findall(rb"\x1b\[[0-9;]*m", d)) and d.count(b"\x1b") == len(re.findall(rb"\x1b\[[0-9;]*m", d)))' "$T/hostile.color")" True
check "hostile: the escape shown as text" grep -qF '"\x1b[2J\x1b[31mred' "$T/hostile.txt"
check "hostile: bidi controls shown as code points" grep -qF 'abc\u202edcba' "$T/hostile.txt"
expect_eq "hostile: JSON keeps every message whole, as the HAR has it" \
    "$("$PY" - "$HOSTILE" "$T/hostile.json" <<'PYEOF'
import base64, json, sys
har = json.load(open(sys.argv[1], encoding="utf-8"))
ev = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
want = []
for e in har["log"]["entries"]:
    for m in e["_webSocketMessages"]:
        if m["opcode"] == 1:
            want.append(("text", m["data"]))
        elif m["opcode"] == 2:
            want.append(("hex", base64.b64decode(m["data"]).hex()))
        else:
            want.append(("error", m["data"]))
got = []
for o in ev:
    if o["type"] == "message":
        got.append(("text", o["text"]) if o["opcode"] == 1 else ("hex", o["preview_hex"]))
        if o["preview_truncated"]:  # --payload's most (65536 bytes): the start of the message, then its length
            k, w = want[len(got) - 1]
            ok = w.startswith(o["text"]) and o["length"] == len(w.encode()) and len(o["text"]) > 30000
            got[-1] = (k, w if ok else o["text"])
    elif o["type"] == "note" and o["what"] == "error":
        got.append(("error", o["text"]))
print(got == want, len(got))
PYEOF
)" "True 8"
expect_eq "hostile: the failure text kept in JSON" "$(q hostile '[n["text"][:9] for n in of("note") if n["what"] == "failure"]')" '["net::\u001b[2J"]'

# ---- 3. broken, cut short, huge ------------------------------------------------------------------------------
# cut inside the third message: the handshake and the first two messages are shown, then the error
cut=$("$PY" -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.index(b"<b>markup"))' "$ECHO")
head -c "$cut" "$ECHO" >"$T/cut.har"
views cut "$T/cut.har"
expect_eq "cut short: exit 2 in every view" "$(cat "$T/cut.rc")" "2 2 2"
expect_eq "cut short: what came before is shown (the handshake, two messages)" \
    "$(q cut '[h["verdict"] for h in hs] + texts()')" '["valid", "hello", "hello", "안녕하세요, WebSocket", "안녕하세요, WebSocket"]'
line=$("$PY" -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.count(b"\n") + 1)' "$T/cut.har")
check "cut short: the error names the file, the line and says the file is cut short" \
    grep -q "^wsinspect: $T/cut.har: line $line, column [0-9]* (byte $cut): the JSON ends here: the file is cut short" "$T/cut.err"
check "cut short: the ladder still drew the connection" grep -q "^Connection 1  browser" "$T/cut.txt"
# a comma missing between two messages
"$PY" - "$ECHO" "$T/broken.har" <<'PYEOF'
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b'"type":"send"', d.index(b'"_webSocketMessages"'))   # the first message
j = d.index(b"},", i)
open(sys.argv[2], "wb").write(d[:j + 1] + d[j + 2:])
PYEOF
bline=$("$PY" -c '
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b"\"type\":\"send\"", d.index(b"\"_webSocketMessages\""))
j = d.index(b"}", i) + 1
k = j
while d[k:k+1] in (b" ", b"\n", b"\r", b"\t"): k += 1
print(d[:k].count(b"\n") + 1)' "$T/broken.har")
views broken "$T/broken.har"
expect_eq "broken JSON: exit 2" "$(cat "$T/broken.rc")" "2 2 2"
check "broken JSON: the error names the line and what was expected" \
    grep -q "^wsinspect: $T/broken.har: line $bline, column [0-9]* (byte [0-9]*): not valid JSON: ',' or ']' expected" "$T/broken.err"
expect_eq "broken JSON: the handshake and the message before the break are shown" "$(q broken '[h["verdict"] for h in hs] + texts()')" '["valid", "hello"]'
printf '{"log": {"entries": [' >"$T/open.har"
xexit "an unfinished document: exit 2" 2 "$W" "$T/open.har"
said "... said" "line 1, column 22 (byte 21): the JSON ends here: the file is cut short"
printf '{"a": 1}' >"$T/notahar.har"
xexit "JSON that is not a HAR: exit 2" 2 "$W" "$T/notahar.har"
said "... said" 'not a HAR: the JSON object has no "log"'
printf '{"log": {"entries": [{"request": {"url": "https://example.org/"}, "response": {"status": 200}}]}}' >"$T/nows.har"
xexit "a HAR without WebSockets: exit 0" 0 "$W" "$T/nows.har"
said "... said" 'a HAR of 1 entry, none of them a WebSocket'
# huge: 100,000 messages and a 5 MB page (about 20 MB); read one value at a time
"$PY" - "$T/huge.har" <<'PYEOF'
import json, sys
msgs = [{"type": "send" if i % 2 == 0 else "receive", "time": 1767323045 + i / 1000, "opcode": 1,
         "data": "message %06d " % i + "y" * 120} for i in range(100000)]
page = {"request": {"method": "GET", "url": "http://big.test/", "headers": []},
        "response": {"status": 200, "headers": [], "content": {"text": "z" * 5000000}}}
ws = {"_resourceType": "websocket", "startedDateTime": "2026-01-02T03:04:05Z",
      "request": {"method": "GET", "url": "ws://big.test/ws", "headers": []},
      "response": {"status": 101, "headers": []}, "_webSocketMessages": msgs}
json.dump({"log": {"entries": [page, ws]}}, open(sys.argv[1], "w"))
PYEOF
"$W" --summary --color=never "$T/huge.har" >"$T/huge.sum" 2>"$T/huge.err"
expect_eq "huge: exit 1 (its 101 has no Accept)" "$?" 1
check "huge: every message counted" grep -q 'c2s 50000 msg / s2c 50000 msg' "$T/huge.sum"
"$W" --json "$T/huge.har" 2>/dev/null | tail -1 >"$T/huge.close.json"
expect_eq "huge: the close event's counts" "$(q huge.close '[closes[0]["client_messages"], closes[0]["server_messages"]]')" '[50000, 50000]'
xexit "huge: more than half of --max-memory 16M: refused" 2 "$W" --max-memory 16M --summary "$T/huge.har"
said "... saying so and what to do" 'more than half the memory budget (--max-memory 16777216).*give a larger --max-memory'
"$PY" - "$T/many.har" <<'PYEOF'
import json, sys
msgs = [{"type": "send", "time": 1767323045 + i / 1000, "opcode": 1, "data": "m%05d" % i + "w" * 40} for i in range(20000)]
json.dump({"log": {"entries": [{"_resourceType": "websocket", "request": {"url": "ws://many.test/"},
           "response": {"status": 0}, "_webSocketMessages": msgs}]}}, open(sys.argv[1], "w"))
PYEOF
"$W" --max-memory 6M --summary --color=never "$T/many.har" >"$T/many.sum" 2>&1
check "20,000 messages (1.8 MB) within --max-memory 6M: every one read" grep -q 'c2s 20000 msg' "$T/many.sum"
"$W" --max-memory 6M --color=never "$T/many.har" >"$T/many.txt" 2>&1
check "... and the ladder draws them to the end" grep -q "FAILED (the socket never opened: status 0)" "$T/many.txt"

# ---- 4. the real exports in ../shared/har-samples ----------------------------------------------------------
if [ ! -f "$HS/expected.json" ]; then
    skip "HAR samples" "$HS is absent (it exists only beside the team's clone)"
    finish
    exit $?
fi
for f in "$HS"/*.har; do
    name=$(basename "$f")
    views s "$f"
    expect_eq "$name: every count, error text, URL and verdict as expected.json has them" \
        "$("$PY" "$E/har_expected.py" "$HS/expected.json" "$name" "$T/s.json")" ok
    want_rc=$("$PY" -c 'import json,sys; w=json.load(open(sys.argv[1]))[sys.argv[2]]["websocket_entries"]; print(1 if any(x["status"] != 101 for x in w) else 0)' "$HS/expected.json" "$name")
    expect_eq "$name: exit $want_rc in every view" "$(cat "$T/s.rc")" "$want_rc $want_rc $want_rc"
    expect_eq "$name: the summary's counts are the JSON's" \
        "$(sed -n 's/.*  c2s \([0-9]*\) msg \/ s2c \([0-9]*\) msg.*/\1 \2/p' "$T/s.sum" | tr '\n' ' ')" \
        "$(q s '" ".join("%d %d" % (c["client_messages"], c["server_messages"]) for c in closes) + " "')"
    expect_eq "$name: the ladder draws every connection, message and error" \
        "$(grep -c '^Connection [0-9]*  browser' "$T/s.txt") $(grep -cE '\|(----|<---) (text|binary) ' "$T/s.txt") $(grep -c 'the browser recorded an error' "$T/s.txt")" \
        "$(q s '"%d %d %d" % (len(conns), len(msgs), len([n for n in of("note") if n["what"] == "error"]))')"
    expect_eq "$name: what a HAR cannot show, said once in each view" \
        "$(count s.txt 'From a HAR file') $(count s.sum 'From a HAR file') $(q s 'len(set(c["not_shown"] for c in conns))')" "1 1 1"
done
expect_eq "failed sockets: the ladder says the socket never opened" \
    "$("$W" --color=never "$HS/chrome-booka-ws-failed.har" 2>/dev/null | grep -c 'FAILED (the socket never opened: status 0)')" 2
expect_eq "Chrome's monotonic clock: said, and the error's time is the HAR's" \
    "$("$W" --json "$HS/chrome-booka-ws-failed.har" 2>/dev/null | "$PY" -c 'import json,sys; e=[json.loads(l) for l in sys.stdin]; c=[x for x in e if x["type"]=="connection"][0]; n=[x for x in e if x["type"]=="note" and x["conn"]==1][0]; print(c["clock"], n["ts"])')" \
    "the browser's monotonic clock (the handshake was never recorded) 282411.604688"
finish
