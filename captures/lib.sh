# lib.sh - what the capture scripts share: process bookkeeping, a server on
# loopback, tcpdump. Sourced (not run) by make-captures.sh,
# make-http-captures.sh and make-wss-captures.sh after they set
#   SAY_AS  the prefix of their messages
#   TMP     their scratch directory (removed on exit)
# Every process started through here is stopped by its process id on exit.

PIDS=""                             # processes started here and still running

say() { printf '%s\n' "$SAY_AS: $*" >&2; }

cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $PIDS; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget() {   # forget PID: drop it from PIDS once it has been waited for
    keep=""
    for p in $PIDS; do [ "$p" = "$1" ] || keep="$keep $p"; done
    PIDS=$keep
}

# listening PORT: true while a TCP socket listens on PORT (IPv4 or IPv6).
listening() {
    awk -v p=":$(printf %04X "$1")" \
        '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6
}

# start_server NAME PORT COMMAND: runs COMMAND in the background, its output in
# $TMP/NAME.server.log, and waits until PORT listens. Sets SERVER_PID.
start_server() {
    if listening "$2"; then say "$1: port $2 is already in use"; return 1; fi
    sh -c "exec $3" >"$TMP/$1.server.log" 2>&1 &
    SERVER_PID=$!
    PIDS="$PIDS $SERVER_PID"
    i=0
    until listening "$2"; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
            say "$1: the server did not start:"; cat "$TMP/$1.server.log" >&2
            return 1
        fi
        sleep 0.1
    done
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    forget "$SERVER_PID"
}

# start_tcpdump FILE PORT: records 'tcp port PORT' on lo into FILE and waits
# for "listening on". -B: libpcap's immediate mode gives each packet a slot as
# large as the snap length, so the default 2 MiB ring holds only 8 packets and
# bursts were dropped by the kernel; 64 MiB holds 256.
start_tcpdump() {
    tcpdump -Z root -B 65536 -i lo -U --immediate-mode -s 0 -w "$1" "tcp port $2" \
        2>"$1.err" &
    TCPDUMP_PID=$!
    PIDS="$PIDS $TCPDUMP_PID"
    i=0
    until grep -q 'listening on' "$1.err" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$TCPDUMP_PID" 2>/dev/null; then
            say "tcpdump did not start:"; cat "$1.err" >&2
            return 1
        fi
        sleep 0.1
    done
}

# stop_tcpdump FILE: stops tcpdump with SIGINT; fails when the kernel dropped packets.
stop_tcpdump() {
    sleep 0.3                             # the last ACKs and FINs
    kill -INT "$TCPDUMP_PID" 2>/dev/null || true
    wait "$TCPDUMP_PID" 2>/dev/null || true
    forget "$TCPDUMP_PID"
    dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$1.err")
    if [ "${dropped:-0}" != 0 ]; then say "tcpdump: $dropped packets dropped by kernel"; return 1; fi
}
