#!/bin/sh
# live.sh BUILD - the live part of make bench: the highest message rate that `wsinspect -i lo`
# keeps up with, side by side with `tcpdump -w /dev/null` capturing the same traffic.
#
# For each rate (messages a second, each way, 64 bytes each, LIVE_BENCH_SECONDS long), a Python
# websockets client and server on 127.0.0.1 (tests/e2e/live_peer.py) exchange messages while
# wsinspect (--json, counting every message) and tcpdump capture the same port at the same time,
# each with its own kernel buffer (wsinspect's default 32 MiB; tcpdump's -B 32768, the same).
# Reported per rate: the rate the peers reached, the messages wsinspect saw of those sent, and
# what each tool says the kernel dropped. Target: wsinspect keeps up wherever tcpdump does.
# A benchmark, not a test: it exits 0 either way; without root, tcpdump or python3-websockets it
# says what is missing and skips.
#
# Environment: LIVE_BENCH_RATES="5000 10000 20000 40000", LIVE_BENCH_SECONDS=3.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$ROOT/$BUILD/wsinspect
[ -x "$W" ] || W=$BUILD/wsinspect
PEER=$ROOT/tests/e2e/live_peer.py
PY=/usr/bin/python3
RATES=${LIVE_BENCH_RATES:-5000 10000 20000 40000}
SECS=${LIVE_BENCH_SECONDS:-3}

echo
echo "live capture on lo (the live part of make bench)"
if [ "$(id -u)" -ne 0 ]; then echo "  SKIP  not root: capturing needs CAP_NET_RAW"; exit 0; fi
if ! command -v tcpdump >/dev/null 2>&1; then echo "  SKIP  tcpdump is not installed (apt-get install tcpdump)"; exit 0; fi
if ! "$PY" -c 'import websockets' 2>/dev/null; then
    echo "  SKIP  $PY cannot import websockets (apt-get install python3-websockets)"
    exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/wslive.XXXXXX")
trap 'rm -rf "$T"' EXIT

# wait_for SECONDS COMMAND...: until COMMAND succeeds, polling every 50 ms
wait_for() {
    _n=$(($1 * 20)); shift
    while [ "$_n" -gt 0 ]; do "$@" && return 0; sleep 0.05; _n=$((_n - 1)); done
    return 1
}

printf "  %10s %12s %22s %18s %18s\n" "asked/s" "reached/s" "wsinspect saw" "wsinspect drops" "tcpdump drops"
MISS=0 HIGHEST=0
for rate in $RATES; do
    rm -f "$T"/*
    "$PY" "$PEER" --rate "$rate" --seconds "$SECS" --port-file "$T/port" --go-file "$T/go" >"$T/peer.out" 2>"$T/peer.err" &
    pp=$!
    if ! wait_for 15 test -s "$T/port"; then echo "  $rate: the peer did not start: $(tail -1 "$T/peer.err")"; kill "$pp" 2>/dev/null; continue; fi
    port=$(cat "$T/port")
    "$W" -i lo --json tcp port "$port" >"$T/w.json" 2>"$T/w.err" &
    wp=$!
    tcpdump -i lo -B 32768 -w /dev/null tcp port "$port" 2>"$T/t.err" &
    tp=$!
    wait_for 10 grep -q listening "$T/w.err"
    wait_for 10 grep -q listening "$T/t.err"
    touch "$T/go"
    wait "$pp"
    sleep 1
    kill -INT "$wp" "$tp" 2>/dev/null
    wait "$wp" "$tp" 2>/dev/null
    sent=$("$PY" -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(d["client_sent"] + d["server_sent"], "%.0f" % (d["client_sent"] / d["seconds"]))' "$T/peer.out" 2>/dev/null)
    total=${sent% *} reached=${sent#* }
    seen=$(grep -c '"type":"message","conn":[0-9]*,"dir":"[cs]2[cs]".*"opcode":1,' "$T/w.json")
    wdrop=$(sed -n 's/.* \([0-9]*\) dropped by the kernel.*/\1/p' "$T/w.err" | tail -1)
    tdrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$T/t.err" | tail -1)
    printf "  %10s %12s %22s %18s %18s\n" "$rate" "${reached:-?}" "$seen of ${total:-?}" "${wdrop:-?}" "${tdrop:-?}"
    if [ "${tdrop:-1}" = 0 ]; then
        if [ "${wdrop:-1}" = 0 ] && [ "$seen" = "${total:-x}" ]; then
            HIGHEST=$rate
        else
            MISS=$((MISS + 1))
        fi
    fi
done
echo "  targets:"
if [ "$MISS" -eq 0 ]; then
    echo "    PASS  wsinspect keeps up wherever tcpdump does (highest rate without a loss: $HIGHEST messages/s each way)"
else
    echo "    MISS  wsinspect lost packets at $MISS rate(s) where tcpdump lost none"
fi
exit 0
