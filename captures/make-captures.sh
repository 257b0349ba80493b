#!/bin/sh
# make-captures.sh - regenerate every capture in captures/ (make captures).
#
#   sh captures/make-captures.sh            everything
#   sh captures/make-captures.sh NAME...    only these real captures (e.g. chat-python)
#
# Real captures: independent WebSocket implementations (Python websockets,
# node ws, libwebsockets' test apps) talk over loopback while tcpdump records
# one port per capture. Hostile and protocol-violation captures: written by
# tests/tools/gen_hostile into captures/hostile/ and captures/violations/.
# Every process this script starts is stopped by its process id on exit.
# Needs root (apt-get for missing packages, tcpdump on lo).
set -eu

cd "$(dirname "$0")/.."
CAP=captures
PEERS=$CAP/peers
PY=/usr/bin/python3                 # Debian's python: it has python3-websockets
NODE_DIR=$CAP/.peers                # npm's scratch directory (git-ignored)
TMP=$(mktemp -d /tmp/wsi-captures.XXXXXX)
FAILED=""
SAY_AS=captures
. "$CAP/lib.sh"                     # say, servers, tcpdump; cleans up on exit

# ---- packages ------------------------------------------------------------
# tests/deps.sh installs the project's packages plus WSI_EXTRA_PKGS when
# missing. nodejs/npm only when node or npm is absent (a node from another
# source must not be replaced by Debian's).
extra="tcpdump tshark python3-websockets libwebsockets-test-server"
command -v node >/dev/null 2>&1 || extra="$extra nodejs"
command -v npm >/dev/null 2>&1 || extra="$extra npm"
WSI_EXTRA_PKGS=$extra sh tests/deps.sh
for tool in tcpdump tshark editcap node npm cc; do
    command -v "$tool" >/dev/null 2>&1 || { say "missing $tool"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { say "run as root (tcpdump on lo)"; exit 1; }

if [ ! -f "$NODE_DIR/node_modules/ws/package.json" ]; then
    say "npm install ws into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --silent ws@8 >/dev/null)
fi
NODE_PATH=$(pwd)/$NODE_DIR/node_modules
export NODE_PATH

# capture NAME PORT SERVER-COMMAND CLIENT-COMMAND: one real capture, written
# to captures/NAME.pcap only when the client succeeded and nothing was
# dropped; tried up to three times. An empty SERVER-COMMAND: no server.
capture() {
    for attempt in 1 2 3; do
        if capture_once "$@"; then
            mv "$TMP/$1.pcap" "$CAP/$1.pcap"
            say "$1: $(summary "$CAP/$1.pcap")"
            return 0
        fi
        say "$1: attempt $attempt failed"
        sleep 1
    done
    FAILED="$FAILED $1"
}

capture_once() {
    rm -f "$TMP/$1.pcap"
    if [ -n "$3" ]; then start_server "$1" "$2" "$3" || return 1; fi
    if ! start_tcpdump "$TMP/$1.pcap" "$2${ALSO_PORT:+ or tcp port $ALSO_PORT}"; then
        [ -z "$3" ] || stop_server
        return 1
    fi
    ok=0
    timeout 60 sh -c "$4" >"$TMP/$1.client.log" 2>&1 || ok=$?
    stop_tcpdump "$TMP/$1.pcap" || ok=1
    [ -z "$3" ] || stop_server
    if [ "$ok" -ne 0 ]; then
        say "$1: the client failed:"; cat "$TMP/$1.client.log" >&2
        [ -z "$3" ] || cat "$TMP/$1.server.log" >&2
        return 1
    fi
}

# summary FILE: "N packets, N WebSocket frames, opcodes ..." as tshark sees it.
summary() {
    packets=$(tshark -r "$1" 2>/dev/null | wc -l)
    ws=$(tshark -r "$1" -Y websocket -T fields -e websocket.opcode 2>/dev/null |
         tr ',' '\n' | sed '/^$/d')
    frames=$(printf '%s\n' "$ws" | sed '/^$/d' | wc -l)
    ops=$(printf '%s\n' "$ws" | sed '/^$/d' | sort -n | uniq -c |
          awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
    echo "$packets packets, $frames WebSocket frames${ops:+ (opcode $ops)}, $(wc -c <"$1") bytes"
}

# ---- the real captures ----------------------------------------------------

PYP="$PY $PEERS/py_peer.py"
NODEP="node $PEERS/ws_peer.js"
LO=127.0.0.1

real_captures() {
    want=" $* "
    sel() { [ "$want" = "  " ] || case "$want" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

    # Lesson 05's chat, Python on both ends, no compression.
    sel chat-python && capture chat-python 47301 \
        "$PYP server chat $LO 47301" "$PYP client chat $LO 47301"
    # The same capture as pcapng (same packets, other file format).
    if sel chat-python && [ -f "$CAP/chat-python.pcap" ]; then
        editcap -F pcapng "$CAP/chat-python.pcap" "$CAP/chat-python.pcapng"
        say "chat-python.pcapng: $(summary "$CAP/chat-python.pcapng")"
    fi
    sel echo-node && capture echo-node 47302 \
        "$NODEP server echo $LO 47302" "$NODEP client echo $LO 47302"
    sel ping-pong-node && capture ping-pong-node 47303 \
        "$NODEP server ping $LO 47303" "$NODEP client ping $LO 47303"
    sel subprotocol-node && capture subprotocol-node 47304 \
        "$NODEP server subprotocol $LO 47304" "$NODEP client subprotocol $LO 47304"
    sel deflate-python && capture deflate-python 47305 \
        "$PYP server deflate $LO 47305" "$PYP client deflate $LO 47305"
    sel binary-sizes-python && capture binary-sizes-python 47306 \
        "$PYP server binary $LO 47306" "$PYP client binary $LO 47306"
    sel fragmented-python && capture fragmented-python 47307 \
        "$PYP server fragmented $LO 47307" "$PYP client fragmented $LO 47307"
    sel fragmented-node && capture fragmented-node 47308 \
        "$NODEP server fragmented $LO 47308" "$NODEP client fragmented $LO 47308"
    sel abnormal-rst-python && capture abnormal-rst-python 47309 \
        "$PYP server rst $LO 47309" "$PYP client rst $LO 47309"
    sel close-reason-python && capture close-reason-python 47310 \
        "$PYP server close-reason $LO 47310" "$PYP client close-reason $LO 47310"
    sel close-reason-node && capture close-reason-node 47311 \
        "$NODEP server close-reason $LO 47311" "$NODEP client close-reason $LO 47311"
    sel refused-403-python && capture refused-403-python 47312 \
        "$PYP server refused $LO 47312" "$PYP client refused $LO 47312"
    sel wrong-accept-python && capture wrong-accept-python 47313 \
        "$PY $PEERS/broken_accept_server.py $LO 47313" "$PYP client wrong-accept $LO 47313"
    sel http-keepalive-upgrade && capture http-keepalive-upgrade 47314 \
        "$NODEP server http-keepalive $LO 47314" "$PY $PEERS/keepalive_client.py $LO 47314"
    sel ipv6-python && capture ipv6-python 47315 \
        "$PYP server ipv6 ::1 47315" "$PYP client ipv6 ::1 47315"
    sel multi-client-python && capture multi-client-python 47316 \
        "$PYP server multi $LO 47316" "$PYP client multi $LO 47316"
    # libwebsockets' own client against its own server: -n keeps the mirror
    # connection quiet (its random drawing floods megabytes), so the traffic
    # is dumb-increment's counter every 50 ms; SIGINT after 2 s ends it.
    sel lws-testclient && capture lws-testclient 47317 \
        "libwebsockets-test-server -p 47317" \
        "timeout -s INT 2 libwebsockets-test-client -n $LO --port=47317; [ \$? -eq 124 ]"
    # libwebsockets' server with a Python client: both of its subprotocols.
    sel lws-python && capture lws-python 47318 \
        "libwebsockets-test-server -p 47318" "$PYP client lws $LO 47318"
    # A compressed message in fragments: RSV1 on its first frame only.
    sel deflate-fragmented-python && capture deflate-fragmented-python 47319 \
        "$PYP server deflate-fragmented $LO 47319" "$PYP client deflate-fragmented $LO 47319"
    # A version the server does not speak: 426 Upgrade Required with the versions it does
    # (Sec-WebSocket-Version: 13), then the same client again with 13.
    sel version-426-python && capture version-426-python 47320 \
        "$PYP server version $LO 47320" "$PYP client old-version $LO 47320"
    # Two legs of one session: the client talks to a relay on 47321 (a reverse proxy without
    # TLS), which opens its own connection to the echo server on 47322; both ports recorded.
    ALSO_PORT=47322
    sel proxy-legs-python && capture proxy-legs-python 47321 \
        "$PYP server proxied $LO 47321" "$PYP client proxied $LO 47321"
    ALSO_PORT=
    return 0
}

# ---- hostile and violation captures (generated) ----------------------------

generated_captures() {
    gen=build/tools/gen_hostile
    if [ ! -x "$gen" ] || [ -n "$(find tests/tools/gen_hostile.c -newer "$gen")" ]; then
        gen=$TMP/gen_hostile
        cc -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
            -o "$gen" tests/tools/gen_hostile.c -lpcap
    fi
    rm -rf "$TMP/gen"
    mkdir -p "$TMP/gen" "$CAP/hostile" "$CAP/violations"
    "$gen" "$TMP/gen"
    rm -f "$CAP"/hostile/*.pcap "$CAP"/violations/*.pcap
    mv "$TMP"/gen/hostile-*.pcap "$CAP/hostile/"
    mv "$TMP"/gen/violation-*.pcap "$CAP/violations/"
    set -- "$CAP"/hostile/*.pcap
    nh=$#
    set -- "$CAP"/violations/*.pcap
    say "generated $nh hostile and $# violation captures"
}

if [ $# -eq 0 ]; then
    real_captures
    generated_captures
else
    real_captures "$@"
fi

if [ -n "$FAILED" ]; then
    say "FAILED:$FAILED"
    exit 1
fi
say "done"
