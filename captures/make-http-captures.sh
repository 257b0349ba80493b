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
PIDS=""                             # processes started here and still running
FAILED=""

say() { printf '%s\n' "http-captures: $*" >&2; }

cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $PIDS; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in tcpdump tshark curl; do
    command -v "$tool" >/dev/null 2>&1 || { say "missing $tool"; exit 1; }
done
[ -x "$PY" ] || { say "missing $PY"; exit 1; }
curl --help all 2>/dev/null | grep -q -- '--rate' || { say "curl has no --rate (needs 7.84 or later)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "run as root (tcpdump on lo)"; exit 1; }

# ---- process helpers -------------------------------------------------------

forget() {   # forget PID: drop it from PIDS once it has been waited for
    keep=""
    for p in $PIDS; do [ "$p" = "$1" ] || keep="$keep $p"; done
    PIDS=$keep
}

# is_listening PORT: true while some TCP socket listens on PORT (v4 or v6).
is_listening() {
    hex=$(printf ':%04X' "$1")
    awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 }
                     END { exit !found }' /proc/net/tcp /proc/net/tcp6
}

# server_up NAME PORT: our server on PORT, waited for until it listens. Sets SERVER_PID.
server_up() {
    if is_listening "$2"; then say "$1: port $2 is already in use"; return 1; fi
    $PY "$SERVER" "$LO" "$2" >"$TMP/$1.server.log" 2>&1 &
    SERVER_PID=$!
    PIDS="$PIDS $SERVER_PID"
    n=0
    while ! is_listening "$2"; do
        n=$((n + 1))
        if [ $n -gt 100 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
            say "$1: the server did not start:"; cat "$TMP/$1.server.log" >&2
            return 1
        fi
        sleep 0.1
    done
}

server_down() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    forget "$SERVER_PID"
}

# dump_start FILE PORT: tcpdump records 'tcp port PORT' on lo into FILE; waits
# for its "listening on". -B 65536: immediate mode gives every packet a slot of
# the snap length, so the default buffer holds only a handful.
dump_start() {
    tcpdump -i lo -U --immediate-mode -B 65536 -Z root -s 0 -w "$1" "tcp port $2" \
        2>"$1.err" &
    DUMP_PID=$!
    PIDS="$PIDS $DUMP_PID"
    n=0
    while ! grep -q 'listening on' "$1.err" 2>/dev/null; do
        n=$((n + 1))
        if [ $n -gt 100 ] || ! kill -0 "$DUMP_PID" 2>/dev/null; then
            say "tcpdump did not start:"; cat "$1.err" >&2
            return 1
        fi
        sleep 0.1
    done
}

# dump_stop FILE: SIGINT to tcpdump; fails when the kernel dropped packets.
dump_stop() {
    sleep 0.3                             # let the last ACKs and FINs through
    kill -INT "$DUMP_PID" 2>/dev/null || true
    wait "$DUMP_PID" 2>/dev/null || true
    forget "$DUMP_PID"
    lost=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$1.err")
    [ "${lost:-0}" = 0 ] || { say "tcpdump: $lost packets dropped by kernel"; return 1; }
}

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
    server_up "$1" "$2" || return 1
    if ! dump_start "$TMP/$1.pcap" "$2"; then server_down; return 1; fi
    OUT=$TMP/$1.out
    ok=0
    "$3" "$2" 2>"$TMP/$1.client.log" || ok=$?
    dump_stop "$TMP/$1.pcap" || ok=1
    server_down
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

if [ -n "$FAILED" ]; then
    say "FAILED:$FAILED"
    exit 1
fi
say "done"
