#!/bin/sh
# make-wss-captures.sh - record the wss:// (TLS) captures and their key logs into captures/.
#
#   sh captures/make-wss-captures.sh            every wss capture
#   sh captures/make-wss-captures.sh NAME...    only these (e.g. wss-tls12-python)
#
# A Python websockets server over TLS (captures/peers/wss_peer.py, with a
# self-signed certificate made here by the openssl command) and a Python
# websockets client that writes its TLS secrets in the NSS key log format
# (what SSLKEYLOGFILE gives) talk over loopback while tcpdump records the one
# port of that capture. Each capture NAME gives:
#   captures/NAME.pcap                    the packets
#   captures/NAME.keylog                  the client's key log
#   tests/unit/fixtures/NAME.tls          the same session for the unit tests:
#                                         its key log lines ("k LINE") and every
#                                         TCP payload in capture order ("c HEX"
#                                         from the client, "s HEX" from the server),
#                                         and tshark's decryption of both directions
#                                         ("pc HEX", "ps HEX") to compare with
# A capture is kept only when the client's conversation went as planned,
# tcpdump dropped nothing and tshark, given the key log, decrypts the
# WebSocket messages "hello" and "hi there". Ports 47330-47339.
# Every process this script starts is stopped by its process id on exit.
# Needs root (tcpdump on lo), tcpdump, tshark, openssl and Debian's
# /usr/bin/python3 with python3-websockets.
set -eu

cd "$(dirname "$0")/.."
CAP=captures
FIX=tests/unit/fixtures
PY=/usr/bin/python3                 # Debian's python: it has python3-websockets
PEER=$CAP/peers/wss_peer.py
LO=127.0.0.1
TMP=$(mktemp -d /tmp/wsi-wss-captures.XXXXXX)
FAILED=""
SAY_AS=wss-captures
. "$CAP/lib.sh"                     # say, servers, tcpdump; cleans up on exit

for tool in tcpdump tshark openssl; do
    command -v "$tool" >/dev/null 2>&1 || { say "missing $tool"; exit 1; }
done
$PY -c 'import websockets' 2>/dev/null || { say "$PY has no websockets module (apt-get install python3-websockets)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "run as root (tcpdump on lo)"; exit 1; }

# ---- one capture -----------------------------------------------------------

# decrypted FILE KEYLOG: the WebSocket opcodes and texts tshark decrypts, one frame a line.
decrypted() {
    tshark -r "$1" -o "tls.keylog_file:$2" -Y websocket \
        -T fields -e websocket.opcode -e websocket.payload.text 2>/dev/null
}

# capture_once NAME PORT MODE: one try; leaves $TMP/NAME.pcap and $TMP/NAME.keylog.
capture_once() {
    rm -f "$TMP/$1.pcap" "$TMP/$1.keylog"
    start_server "$1" "$2" "$PY $PEER server $LO $2 $TMP/cert.pem $TMP/key.pem" || return 1
    if ! start_tcpdump "$TMP/$1.pcap" "$2"; then stop_server; return 1; fi
    ok=0
    timeout 60 $PY "$PEER" client "$3" "$LO" "$2" "$TMP/cert.pem" "$TMP/$1.keylog" \
        >"$TMP/$1.client.log" 2>&1 || ok=$?
    stop_tcpdump "$TMP/$1.pcap" || ok=1
    stop_server
    if [ "$ok" -ne 0 ]; then
        say "$1: the client failed:"; cat "$TMP/$1.client.log" "$TMP/$1.server.log" >&2
        return 1
    fi
    # tshark must find the conversation inside the TLS: "hello", "hi there", two closes.
    texts=$(decrypted "$TMP/$1.pcap" "$TMP/$1.keylog" | awk -F '\t' '$1 == 1 { print $2 }' | tr '\n' '|')
    closes=$(decrypted "$TMP/$1.pcap" "$TMP/$1.keylog" | awk -F '\t' '$1 == 8' | wc -l)
    if [ "$texts" != "hello|hi there|" ] || [ "$closes" -ne 2 ]; then
        say "$1: tshark did not decrypt the conversation (texts '$texts', $closes closes)"
        return 1
    fi
}

# write_fixture NAME PORT: tests/unit/fixtures/NAME.tls from the kept capture and key log.
write_fixture() {
    mkdir -p "$FIX"
    {
        echo "# $1: made by captures/make-wss-captures.sh from captures/$1.pcap (server port $2)"
        echo "# k: a key log line; c / s: one TCP payload from the client / server, in capture order"
        sed -n '/^[A-Z]/s/^/k /p' "$CAP/$1.keylog"
        tshark -r "$CAP/$1.pcap" -Y 'tcp.len > 0' -T fields -e tcp.srcport -e tcp.payload 2>/dev/null |
            awk -F '\t' -v port="$2" '{ gsub(/:/, "", $2); print ($1 == port ? "s " : "c ") $2 }'
        # tshark's decryption of each direction, for the tests to compare with:
        # "pc HEX" / "ps HEX". Its "follow" output indents one node's lines with a
        # tab; the client's stream is the one that starts with "GET ".
        echo "# pc / ps: the client's / server's application data as tshark decrypts it (follow,tls,raw)"
        tshark -r "$CAP/$1.pcap" -o "tls.keylog_file:$CAP/$1.keylog" -q -z follow,tls,raw,0 2>/dev/null |
            awk '/^\t[0-9a-f]+$/ { sub(/^\t/, ""); a = a $0; next }
                 /^[0-9a-f]+$/ { b = b $0 }
                 END { if (substr(a, 1, 8) == "47455420") { c = a; s = b } else { c = b; s = a }
                       print "pc " c; print "ps " s }'
    } >"$TMP/$1.tls"
    if ! grep -q '^pc 47455420' "$TMP/$1.tls" || ! grep -q '^ps 48545450' "$TMP/$1.tls"; then
        say "$1: tshark's decrypted streams do not start with GET / HTTP"
        return 1
    fi
    mv "$TMP/$1.tls" "$FIX/$1.tls"
}

# capture NAME PORT MODE: up to three tries; keeps the capture, its key log and its fixture.
capture() {
    for attempt in 1 2 3; do
        if capture_once "$@"; then
            mv "$TMP/$1.pcap" "$CAP/$1.pcap"
            mv "$TMP/$1.keylog" "$CAP/$1.keylog"
            write_fixture "$1" "$2" || { FAILED="$FAILED $1"; return 0; }
            say "$1: $(sed -n 's/^client: //p' "$TMP/$1.client.log"), $(tshark -r "$CAP/$1.pcap" 2>/dev/null | wc -l) packets, $(wc -c <"$CAP/$1.pcap") bytes"
            return 0
        fi
        say "$1: attempt $attempt failed"
        sleep 1
    done
    FAILED="$FAILED $1"
}

# ---- the captures ------------------------------------------------------------

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>"$TMP/openssl.log" ||
    { say "openssl req failed:"; cat "$TMP/openssl.log" >&2; exit 1; }

want=" $* "
sel() { [ "$want" = "  " ] || case "$want" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# name                       port   client mode
sel wss-tls13-python        && capture wss-tls13-python        47330 tls13
sel wss-tls12-python        && capture wss-tls12-python        47331 tls12
sel wss-tls12-chacha-python && capture wss-tls12-chacha-python 47332 tls12-chacha
sel wss-tls13-chacha-python && capture wss-tls13-chacha-python 47333 tls13-chacha
sel wss-tls13-aes128-python && capture wss-tls13-aes128-python 47334 tls13-aes128

if [ -n "$FAILED" ]; then
    say "FAILED:$FAILED"
    exit 1
fi
say "done"
