#!/bin/sh
# live.sh - wsinspect -i lo on real traffic, as root (CI is root).
#
#   sh tests/e2e/live.sh          (from the repository root; make test runs it)
#
# 1. A Python websockets client and server on 127.0.0.1 (tests/e2e/live_peer.py) push
#    LIVE_RATE messages a second each way (default 5000, 64 bytes each) for LIVE_SECONDS
#    (default 3) while wsinspect -i lo --json -w FILE captures them: every message must be
#    seen, in order, without a gap and without a drop, and the saved file, read while the
#    capture still runs (it is flushed when the kernel's buffer is empty) and again after
#    it, must give the same messages. At this rate the old set-up (immediate mode, libpcap's
#    2 MiB default buffer) saw fewer than 300 of each 15,000.
# 2. Drops: a capture with a 256 KiB buffer is stopped (SIGSTOP) while a burst of UDP
#    datagrams overflows it; resumed, it must say on stderr that the kernel dropped packets,
#    between which packets, count them at the end and exit with status 3.
# Skipped, saying why, when not root, or when python3-websockets is missing and cannot be
# installed (as root, tests/deps.sh installs it when the package archive can be reached).
set -u
. tests/lib.sh

W=${WSINSPECT:-build/wsinspect}
A=${WSACCEPT:-build/wsaccept}
E=tests/e2e
RATE=${LIVE_RATE:-5000}
SECS=${LIVE_SECONDS:-3}
PEER_PY=/usr/bin/python3 # Debian's python: python3-websockets is installed for it
T=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
    [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T" "$_out"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
    skip "live capture on lo" "not root: capturing needs CAP_NET_RAW (run the suite as root, as CI does)"
    finish
    exit $?
fi
. tests/e2e/prelude.inc
if ! e2e_programs; then
    finish
    exit 1
fi

# wait_for SECONDS COMMAND...: until COMMAND succeeds, polling every 0.1 s; 1 when time runs out.
wait_for() {
    n=$(($1 * 10))
    shift
    while ! "$@" 2>/dev/null; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}
listening() { grep -q "listening on lo" "$1"; }
# count FILE DIR: text messages of one direction in wsinspect's JSON
count() { grep '"type":"message"' "$1" | grep '"opcode_name":"text"' | grep -c "\"dir\":\"$2\""; }

# ---- 2 first (it needs only python3): drops are reported -------------------------------------
if ! command -v python3 >/dev/null 2>&1; then
    skip "drops reported" "no python3 to send the burst"
else
    P=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$W" -i lo -B 256 udp and dst port "$P" >"$T/drop.out" 2>"$T/drop.err" &
    wp=$!
    pids="$pids $wp"
    if ! wait_for 10 listening "$T/drop.err"; then
        _bad "drops: the capture starts" "$(cat "$T/drop.err")"
    else
        kill -STOP "$wp"
        python3 - "$P" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4000):  # 5.6 MB: far more than a 256 KiB buffer holds
    s.sendto(b"x" * 1400, ("127.0.0.1", int(sys.argv[1])))
EOF
        kill -CONT "$wp"
        sleep 1.5 # the next check notices the drops
        python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b"after", ("127.0.0.1", int(sys.argv[1]))) for i in range(3)]' "$P"
        sleep 0.5
        kill -INT "$wp"
        wait "$wp"
        rc=$?
        expect_eq "drops: exit status 3" "$rc" 3
        check "drops: said when noticed, with the packets around them" grep -Eq \
            "^wsinspect: lo: the kernel dropped [0-9]+ packets? (between packet [0-9]+ and [0-9]+|before packet [0-9]+): gaps after this are capture losses, not the peers'$" \
            "$T/drop.err"
        check "drops: counted at the end" grep -Eq \
            "^wsinspect: lo: [0-9]+ packets received, [1-9][0-9]* dropped by the kernel, 0 dropped by the interface \([0-9]+ read\)$" \
            "$T/drop.err"
        # the output says it too (the ladder here: live, its own tags), where it happened and at the end
        check "drops: the live ladder says CAPTURE LOSS where it was noticed, and the totals at the end" sh -c \
            'grep -q "^!!   CAPTURE LOSS: the kernel dropped [0-9]* packets*" "$1" && grep -q "^==   Capture: [0-9]* packets received, [1-9][0-9]* dropped by the kernel" "$1"' \
            _ "$T/drop.out"
    fi
fi

# ---- 1: a real WebSocket exchange, every message seen ----------------------------------------
if ! "$PEER_PY" -c 'import websockets' 2>/dev/null; then
    WSI_EXTRA_PKGS=python3-websockets sh tests/deps.sh >"$T/deps.log" 2>&1
fi
if ! "$PEER_PY" -c 'import websockets' 2>/dev/null; then
    skip "live WebSocket exchange" "$PEER_PY cannot import websockets and python3-websockets could not be installed ($(tail -n 1 "$T/deps.log"))"
    finish
    exit $?
fi
N=$((RATE * SECS))
"$PEER_PY" "$E/live_peer.py" --rate "$RATE" --seconds "$SECS" --port-file "$T/port" --go-file "$T/go" \
    >"$T/peer.out" 2>"$T/peer.err" &
pp=$!
pids="$pids $pp"
if ! wait_for 15 test -s "$T/port"; then
    _bad "the peer starts" "$(cat "$T/peer.err")"
    finish
    exit 1
fi
PORT=$(cat "$T/port")
"$W" -i lo --json -w "$T/live.pcap" tcp port "$PORT" >"$T/live.json" 2>"$T/live.err" &
wp=$!
pids="$pids $wp"
if ! wait_for 10 listening "$T/live.err"; then
    _bad "the capture starts" "$(cat "$T/live.err")"
    finish
    exit 1
fi
touch "$T/go"
wait "$pp"
prc=$?
expect_eq "the peers exchanged $N messages each way at $RATE a second" "$prc" 0
sed 's/^/       peer: /' "$T/peer.out"
# the connection's last event, then a second more: the saved file is flushed while idle
wait_for 10 grep -q '"type":"close"' "$T/live.json" || _bad "the connection's close event" "not in the output"
sleep 1.2
cp "$T/live.pcap" "$T/during.pcap"
kill -INT "$wp"
wait "$wp"
rc=$?
expect_eq "live: exit status 0" "$rc" 0
expect_eq "live: client messages seen" "$(count "$T/live.json" c2s)" "$N"
expect_eq "live: server messages seen" "$(count "$T/live.json" s2c)" "$N"
expect_eq "live: no gap" "$(grep -c '"type":"gap"' "$T/live.json")" 0
last=$((N - 1))
check "live: the last client message is the last sent" grep -q "\"dir\":\"c2s\".*\"text\":\"c000*$last " "$T/live.json"
check "live: the last server message is the last sent" grep -q "\"dir\":\"s2c\".*\"text\":\"s000*$last " "$T/live.json"
check "live: no drop said" sh -c "! grep -q 'dropped [1-9]' '$T/live.err'"
check "live: the JSON ends with the capture's counts: final, nothing dropped, every message's packets read" \
    "$PY" -S "$E/jsonq.py" --assert "$T/live.json" \
    '[(e["final"], e["dropped"], e["if_dropped"], e["received"] >= e["packets"] > 0) for e in of("stats")] == [(True, 0, 0, True)]'
check "live: the counts at the end" grep -Eq \
    "^wsinspect: lo: [1-9][0-9]* packets received, 0 dropped by the kernel, 0 dropped by the interface \([0-9]+ read\)$" "$T/live.err"
check "live: the saved file is said" grep -Eq "^wsinspect: [1-9][0-9]* packets saved to $T/live.pcap$" "$T/live.err"
for f in during live; do
    "$W" --json "$T/$f.pcap" >"$T/$f.reread.json" 2>"$T/$f.reread.err"
    expect_eq "-w file ($f the capture): read again, exit 0" "$?" 0
    expect_eq "-w file ($f the capture): client messages" "$(count "$T/$f.reread.json" c2s)" "$N"
    expect_eq "-w file ($f the capture): server messages" "$(count "$T/$f.reread.json" s2c)" "$N"
done
saved=$(sed -n 's/^wsinspect: \([0-9]*\) packets saved to .*/\1/p' "$T/live.err")
expect_eq "-w file: as many records as packets said saved" "$(pcap_records "$T/live.pcap")" "$saved"
finish
