#!/bin/sh
# negative.sh - end to end: the negative captures in captures/negative/ through wsinspect. They hold real
# protocols that are not WebSocket (HTTP/2 cleartext after an h2c upgrade, TLS, SSH, PostgreSQL, Redis,
# MQTT, FTP, DNS over TCP, random bytes), each whole and cut mid-stream, recorded on loopback by
# captures/make-negative-captures.sh (captures/README.md says what each holds). wsinspect must never find
# a WebSocket in them: no frame, message, violation or handshake event, every connection closed with
# "websocket": false and a "carries" that is not websocket or websocket-midstream; the h2c upgrade is an
# upgrade to another protocol. mixed.pcap holds several of them at once around exactly one real WebSocket
# session, which must be found, and only it. Run from the repository root; $WSINSPECT and $WSACCEPT name
# the programs. JSON questions go to jsonq.py beside this file.
set -u
. tests/lib.sh

W=${WSINSPECT:-build/wsinspect}
A=${WSACCEPT:-build/wsaccept}
C=captures/negative
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
# ins NAME FILE: wsinspect's ladder ($T/NAME.txt), JSON ($T/NAME.json) and summary ($T/NAME.sum) of
# FILE; exit statuses in $T/NAME.rc as "ladder json summary". A missing file is a failure, said once.
ins() {
    n=$1; f=$2
    echo "$f" >>"$T/covered"
    if [ ! -f "$f" ]; then
        _bad "$f: in captures/negative/" "$f is missing (sh captures/make-negative-captures.sh)"
        : >"$T/$n.txt"; : >"$T/$n.json"; : >"$T/$n.sum"; echo "- - -" >"$T/$n.rc"
        return 1
    fi
    "$W" --color=never "$f" >"$T/$n.txt" 2>"$T/$n.err"; r1=$?
    "$W" --json --payload 1024 "$f" >"$T/$n.json" 2>"$T/$n.jerr"; r2=$?
    "$W" --summary --color=never "$f" >"$T/$n.sum" 2>/dev/null; r3=$?
    echo "$r1 $r2 $r3" >"$T/$n.rc"
}
rcs() { cat "$T/$1.rc"; }
# q NAME EXPR: a value from NAME's JSON (see jsonq.py for the names EXPR may use)
q() { "$PY" -S "$E/jsonq.py" "$T/$1.json" "$2"; }
# qa NAME EXPR: passes when EXPR is true of NAME's JSON
qa() { "$PY" -S "$E/jsonq.py" --assert "$T/$1.json" "$2"; }
# no_grep ERE FILE: passes when no line of FILE matches, else shows the lines that do
no_grep() {
    if grep -nE -- "$1" "$2"; then return 1; fi
    return 0
}

# The ladder's marks of a WebSocket: the OPEN bar, the bar of one open before the capture began, the
# Messages line; the summary's "N msg".
WS_LADDER='WebSocket OPEN|WebSocket \(open before|^  Messages +client'
WS_SUMMARY='[0-9]+ msg'

# not_websocket NAME FILE: what every negative capture must satisfy.
not_websocket() {
    n=$1; f=$2
    expect_eq "$f: exit 0 (ladder, JSON, summary)" "$(rcs "$n")" "0 0 0"
    check "$f: JSON events, one close per connection" qa "$n" \
        'closes != [] and sorted(ids(closes, "conn")) == sorted(ids(conns, "conn"))'
    check "$f: no WebSocket frame, message or violation event" qa "$n" \
        'frames == [] and msgs == [] and viols == []'
    check "$f: no handshake event (every handshake verdict is a WebSocket verdict)" qa "$n" \
        'hs == [] and all(c["verdict"] is None for c in closes)'
    check "$f: every close says \"websocket\": false" qa "$n" \
        'all(c["websocket"] is False for c in closes)'
    check "$f: every close says what it carries, never websocket or websocket-midstream" qa "$n" \
        'all(c.get("carries") in ("http", "tls", "upgrade-other", "other") for c in closes)'
    check "$f: the ladder never opens a WebSocket" no_grep "$WS_LADDER" "$T/$n.txt"
    check "$f: the summary counts no WebSocket message" no_grep "$WS_SUMMARY" "$T/$n.sum"
}

# ================================================================================================
# One protocol per capture, whole and mid-stream
# ================================================================================================
# name and TCP connections opened in the whole capture (make-negative-captures.sh checks the same)
for nc in nginx-h2c:2 tls-openssl:1 ssh:1 postgresql:1 redis:1 mqtt:2 ftp:3 dns-tcp:1 random:1; do
    cap=${nc%:*}; nconn=${nc#*:}       # (not "name": check in tests/lib.sh sets that one)
    if ins "$cap" "$C/$cap.pcap"; then
        not_websocket "$cap" "$C/$cap.pcap"
        expect_eq "$C/$cap.pcap: $nconn connections, each seen from its SYN" \
            "$(q "$cap" '[len(conns), all(c["saw_syn"] for c in conns)]')" "[$nconn, true]"
    fi
    if ins "$cap-mid" "$C/$cap-midstream.pcap"; then
        not_websocket "$cap-mid" "$C/$cap-midstream.pcap"
        check "$C/$cap-midstream.pcap: the capture begins mid-connection (first connection without SYN)" \
            qa "$cap-mid" 'conns[0]["saw_syn"] is False'
    fi
done

# ---- what is known of some of them -----------------------------------------------------------------
# nginx-h2c.pcap: curl's Upgrade: h2c answered by nginx's 101 (then HTTP/2), and a prior-knowledge HTTP/2
# connection. The 101 connection is an upgrade, to another protocol than WebSocket.
expect_eq "$C/nginx-h2c.pcap: one 101, to Upgrade: h2c" \
    "$(q nginx-h2c '[h["status"] for h in https if h.get("status") == 101]')" '[101]'
expect_eq "$C/nginx-h2c.pcap: the 101 connection carries upgrade-other" \
    "$(q nginx-h2c '[c["carries"] for c in closes if c["conn"] in [h["conn"] for h in https if h.get("status") == 101]]')" \
    '["upgrade-other"]'
check "$C/nginx-h2c.pcap: the prior-knowledge connection is not HTTP/1 (no request from it)" qa nginx-h2c \
    'len({h["conn"] for h in https}) == 1'
# the three views agree on the h2c connection: upgraded to another protocol, its bytes counted, not decoded
check "$C/nginx-h2c.pcap: the ladder says another protocol followed the 101, and how much was not decoded" sh -c \
    'grep -qF "HTTP, then another protocol after a 101 (not decoded)" "$1" && grep -qE "^  Undecoded   client [1-9][0-9]* B, server [1-9][0-9]* B$" "$1"' \
    sh "$T/nginx-h2c.txt"
check "$C/nginx-h2c.pcap: the summary says so too, with the same byte count as JSON" sh -c \
    'grep -qF "upgraded to another protocol (not decoded)" "$1" && grep -qF "  $2 B not decoded" "$1"' sh "$T/nginx-h2c.sum" \
    "$(q nginx-h2c '[c["client_undecoded"] + c["server_undecoded"] for c in closes if c["carries"] == "upgrade-other"][0]')"
expect_eq "$C/tls-openssl.pcap: carries tls" "$(q tls-openssl 'ids(closes, "carries")')" '["tls"]'

# ================================================================================================
# mixed.pcap: TLS, Redis, MQTT (2 connections), DNS over TCP and random bytes at the same time, and one
# WebSocket session (Python websockets: GET /mixed, 3 texts echoed, close 1000 from the client)
# ================================================================================================
if ins mixed "$C/mixed.pcap"; then
    expect_eq "$C/mixed.pcap: exit 0 (ladder, JSON, summary)" "$(rcs mixed)" "0 0 0"
    expect_eq "$C/mixed.pcap: 7 connections, one close event each" \
        "$(q mixed '[len(conns), sorted(ids(closes, "conn")) == sorted(ids(conns, "conn"))]')" '[7, true]'
    expect_eq "$C/mixed.pcap: exactly one close with \"websocket\": true, carrying websocket, valid" \
        "$(q mixed '[(c["carries"], c["verdict"]) for c in closes if c["websocket"] is not False]')" \
        '[["websocket", "valid"]]'
    wsc=$(q mixed '[c["conn"] for c in closes if c["websocket"] is True][:1] or [0]')
    wsc=$(printf '%s' "$wsc" | tr -d '[] ')
    expect_eq "$C/mixed.pcap: its 3 client text messages" "$(q mixed "texts('c2s', $wsc)")" \
        '["first of three", "second of three", "third of three"]'
    expect_eq "$C/mixed.pcap: each echoed" "$(q mixed "texts('s2c', $wsc)")" \
        '["first of three", "second of three", "third of three"]'
    expect_eq "$C/mixed.pcap: the client closes with 1000, the server answers 1000" \
        "$(q mixed "[(c['client_close'], c['server_close']) for c in closes if c['conn'] == $wsc]")" '[[1000, 1000]]'
    check "$C/mixed.pcap: frames, messages and the handshake all belong to that connection" qa mixed \
        "{e['conn'] for e in frames + msgs + hs} == {$wsc} and len(hs) == 1 and viols == []"
    check "$C/mixed.pcap: every other close says \"websocket\": false and carries no WebSocket" qa mixed \
        "all(c['websocket'] is False and c.get('carries') in ('http', 'tls', 'upgrade-other', 'other') for c in closes if c['conn'] != $wsc) and len(closes) == 7"
    expect_eq "$C/mixed.pcap: the ladder opens one WebSocket" "$(grep -c 'WebSocket OPEN' "$T/mixed.txt" | tr -d ' ')" 1
    expect_eq "$C/mixed.pcap: the summary counts messages on one line" "$(grep -cE "$WS_SUMMARY" "$T/mixed.sum" | tr -d ' ')" 1
    check "$C/mixed.pcap: the summary's WebSocket line is GET /mixed, valid" grep -qE '^#[0-9]+ .* GET /mixed +valid ' "$T/mixed.sum"
fi

# every file in captures/negative/ went through one of the checks above
for f in $(find "$C" -type f | sort); do
    check "$f: has checks here" grep -qxF "$f" "$T/covered"
done

finish
