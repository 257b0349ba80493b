#!/bin/sh
# make-http-captures.sh - record the plain-HTTP real-time captures of lessons 01-04.
#
#   sh captures/make-http-captures.sh            all four
#   sh captures/make-http-captures.sh NAME...    only these (e.g. sse-curl)
#
# A small HTTP/1.1 server of ours (captures/peers/http_transport_server.py,
# Python standard library only) answers curl over loopback while tcpdump
# records the one port of that capture:
#   poll-curl      47340  lesson 01  six GET /poll, 200 ms apart, one connection
#   longpoll-curl  47341  lesson 02  two GET /longpoll held 1.5 s and 0.5 s
#   chunked-curl   47342  lesson 03  GET /stream, five chunks 150 ms apart
#   sse-curl       47343  lesson 04  GET /events, text/event-stream, 150 ms apart
# A capture is kept only when curl got exactly the expected answers, tcpdump
# dropped nothing, and tshark sees the expected requests and responses on a
# single TCP connection, with every server write in a TCP segment of its own;
# otherwise it is tried again (three tries). A fresh server process serves
# each try, so its request counters start at zero.
# Every process this script starts is stopped by its process id on exit.
# Needs root (tcpdump on lo), tcpdump, tshark, curl >= 7.84 (--rate) and
# Debian's /usr/bin/python3.
set -eu

cd "$(dirname "$0")/.."
CAP=captures
PY=/usr/bin/python3
SERVER=$CAP/peers/http_transport_server.py
LO=127.0.0.1
TMP=$(mktemp -d /tmp/wsi-http-captures.XXXXXX)
FAILED=""
SAY_AS=http-captures
. "$CAP/lib.sh"                     # say, servers, tcpdump; cleans up on exit

for tool in tcpdump tshark curl; do
    command -v "$tool" >/dev/null 2>&1 || { say "missing $tool"; exit 1; }
done
[ -x "$PY" ] || { say "missing $PY"; exit 1; }
curl --help all 2>/dev/null | grep -q -- '--rate' || { say "curl has no --rate (needs 7.84 or later)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "run as root (tcpdump on lo)"; exit 1; }

# ---- the clients: curl, and what it must have received ----------------------
# Each writes curl's output to $OUT and the expected output to $OUT.want.

CURL="curl -s -S --max-time 20"

client_poll() {        # 6 URLs on one connection; --rate spaces the starts 200 ms
    u=http://$LO:$1/poll
    $CURL --rate 5/s -w '%{http_code} %{num_connects}\n' $u $u $u $u $u $u >"$OUT" || return
    body='{"msg":"new message"}'
    printf '204 1\n204 0\n204 0\n%s200 0\n204 0\n%s200 0\n' "$body" "$body" >"$OUT.want"
}

client_longpoll() {    # 2 URLs on one connection; the server holds each
    u=http://$LO:$1/longpoll
    $CURL -w '%{http_code} %{num_connects}\n' $u $u >"$OUT" || return
    printf '%s200 1\n%s200 0\n' '{"seq":1,"msg":"new message"}' \
        '{"seq":2,"msg":"new message"}' >"$OUT.want"
}

client_chunked() {     # -N: curl writes each chunk out as it arrives
    $CURL -N http://$LO:$1/stream >"$OUT" || return
    printf 'tick %s\n' 1 2 3 4 5 >"$OUT.want"
}

client_sse() {
    $CURL -N -H 'Accept: text/event-stream' http://$LO:$1/events >"$OUT" || return
    printf '%s\n' 'retry: 3000' '' 'id: 1' 'data: hello' '' \
        'event: update' 'id: 2' 'data: first line' 'data: second line' '' \
        ': keep-alive' '' 'event: bye' 'data: done' '' >"$OUT.want"
}

client_compressed() {  # two compressed streams on one connection; curl decodes them
    u=http://$LO:$1
    $CURL -N --compressed $u/stream-deflate $u/events-gzip >"$OUT" || return
    printf 'tick %s\n' 1 2 3 4 5 >"$OUT.want"
    printf '%s\n' 'retry: 3000' '' 'id: 1' 'data: hello' '' \
        'event: update' 'id: 2' 'data: first line' 'data: second line' '' \
        ': keep-alive' '' 'event: bye' 'data: done' '' >>"$OUT.want"
}

# ---- what tshark must see ---------------------------------------------------

# http_lines FILE: "stream uri-or-code" for every HTTP message tshark decodes.
http_lines() {
    tshark -r "$1" -Y http -T fields -e tcp.stream -e http.request.method \
        -e http.request.uri -e http.response.code 2>/dev/null |
        awk -F '\t' '{ print $1, ($2 != "" ? $2 " " $3 : $4) }'
}

# server_writes FILE PORT: how many TCP segments with payload the server sent.
server_writes() {
    tshark -r "$1" -Y "tcp.srcport == $2 && tcp.len > 0" 2>/dev/null | wc -l
}

# check FILE PORT WANT-HTTP WANT-WRITES: the capture holds exactly WANT-HTTP
# (lines joined by "|") and the server's answer took WANT-WRITES segments.
check() {
    got=$(http_lines "$1" | tr '\n' '|')
    if [ "$got" != "$3" ]; then
        say "tshark sees '$got', wanted '$3'"; return 1
    fi
    writes=$(server_writes "$1" "$2")
    if [ "$writes" -ne "$4" ]; then
        say "the server's data took $writes TCP segments, wanted $4 (one per write)"; return 1
    fi
}

# summary FILE PORT: one line for the log.
summary() {
    packets=$(tshark -r "$1" 2>/dev/null | wc -l)
    reqs=$(tshark -r "$1" -Y http.request 2>/dev/null | wc -l)
    resps=$(tshark -r "$1" -Y http.response 2>/dev/null | wc -l)
    # http.time: from the request to the (last segment of the) response.
    waits=$(tshark -r "$1" -Y http.response -T fields -e http.time 2>/dev/null |
            awk '{ printf "%s%d", sep, $1 * 1000 + 0.5; sep = " " }')
    gaps=$(tshark -r "$1" -Y "tcp.srcport == $2 && tcp.len > 0" -T fields \
               -e frame.time_relative 2>/dev/null |
           awk 'NR > 1 { printf "%s%d", sep, ($1 - prev) * 1000 + 0.5; sep = " " } { prev = $1 }')
    echo "$packets packets, $reqs requests, $resps responses, $(wc -c <"$1") bytes;" \
         "ms request to response: $waits; ms between server segments: $gaps"
}

# ---- one capture ----------------------------------------------------------

# capture_once NAME PORT CLIENT WANT-HTTP WANT-WRITES: one try; leaves $TMP/NAME.pcap.
capture_once() {
    rm -f "$TMP/$1.pcap" "$TMP/$1.out" "$TMP/$1.out.want"
    start_server "$1" "$2" "$PY $SERVER $LO $2" || return 1
    if ! start_tcpdump "$TMP/$1.pcap" "$2"; then stop_server; return 1; fi
    OUT=$TMP/$1.out
    ok=0
    "$3" "$2" 2>"$TMP/$1.client.log" || ok=$?
    stop_tcpdump "$TMP/$1.pcap" || ok=1
    stop_server
    if [ "$ok" -ne 0 ]; then
        say "$1: curl failed:"; cat "$TMP/$1.client.log" "$TMP/$1.server.log" >&2
        return 1
    fi
    if ! cmp -s "$OUT" "$OUT.want"; then
        say "$1: curl received something else:"; diff "$OUT.want" "$OUT" >&2 || true
        return 1
    fi
    check "$TMP/$1.pcap" "$2" "$4" "$5" || { say "$1: the capture is not as planned"; return 1; }
}

# capture NAME PORT CLIENT WANT-HTTP WANT-WRITES: up to three tries.
capture() {
    for attempt in 1 2 3; do
        if capture_once "$@"; then
            mv "$TMP/$1.pcap" "$CAP/$1.pcap"
            say "$1: $(summary "$CAP/$1.pcap" "$2")"
            return 0
        fi
        say "$1: attempt $attempt failed"
        sleep 1
    done
    FAILED="$FAILED $1"
}

# ---- the captures -----------------------------------------------------------

want=" $* "
sel() { [ "$want" = "  " ] || case "$want" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# WANT-HTTP: every HTTP message in order, "tcp-stream GET uri" or "tcp-stream
# status"; all on TCP stream 0, i.e. one connection. WANT-WRITES: the server's
# data segments (one per answer; streamed: the header block + 5 pieces + the
# zero-size chunk).
sel poll-curl && capture poll-curl 47340 client_poll \
    "0 GET /poll|0 204|0 GET /poll|0 204|0 GET /poll|0 204|0 GET /poll|0 200|0 GET /poll|0 204|0 GET /poll|0 200|" 6
sel longpoll-curl && capture longpoll-curl 47341 client_longpoll \
    "0 GET /longpoll|0 200|0 GET /longpoll|0 200|" 2
sel chunked-curl && capture chunked-curl 47342 client_chunked \
    "0 GET /stream|0 200|" 7
sel sse-curl && capture sse-curl 47343 client_sse \
    "0 GET /events|0 200|" 7
# Content-Encoding: each answer is the header block, 5 or 5 compressed pieces, the end of the
# compressed stream, and the zero-size chunk.
sel compressed-curl && capture compressed-curl 47344 client_compressed \
    "0 GET /stream-deflate|0 200|0 GET /events-gzip|0 200|" 16

if [ -n "$FAILED" ]; then
    say "FAILED:$FAILED"
    exit 1
fi
say "done"
