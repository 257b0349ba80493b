#!/bin/sh
# corrupt.sh - damaged capture files and resource-hostile captures, end to end.
#
#   sh tests/e2e/corrupt.sh          (from the repository root; make test runs it)
#
# The files are written at test time into a temporary directory by
# $BUILD/tools/gen_corrupt (tests/tools/gen_corrupt.c), from captures/chat-python.pcap
# and captures/chat-python.pcapng: the damage sits at packet 10, after the handshake
# and the first two messages ("hello", "hi there"), so there is something decoded
# before it. What wsinspect must do with a damaged file:
#   - say what is wrong in one message naming the file, and the packet number when
#     the damage is in a record;
#   - still show every connection decoded before the damage (ladder and JSON);
#   - exit with status 2 (input error).
# Where libpcap accepts the file, the behaviour is decided and tested here, each case
# saying why. The second half feeds captures built to exhaust memory or time and
# checks that wsinspect finishes within bounds (peak RSS measured with wait4() by
# gen_corrupt measure, so neither /usr/bin/time nor python is needed).
. tests/lib.sh

BUILD=${BUILD:-build}
WSINSPECT=${WSINSPECT:-$BUILD/wsinspect}
GEN=${GEN_CORRUPT:-$BUILD/tools/gen_corrupt}
SRC=captures/chat-python.pcap
SRCNG=captures/chat-python.pcapng

tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$_out"' EXIT
D=$tmp

if [ ! -x "$WSINSPECT" ] || [ ! -x "$GEN" ]; then
    _bad "build" "need $WSINSPECT and $GEN: run make all-tests (or make test) first"
    finish
    exit 1
fi
check "generate the corrupt files" "$GEN" corrupt "$SRC" "$SRCNG" "$D"
check "generate the hostile files" "$GEN" hostile "$D"

# run NAME ARGS...: wsinspect ARGS, stdout to $D/NAME.out, stderr to $D/NAME.err, status to $rc
run() {
    n=$1
    shift
    "$WSINSPECT" "$@" >"$D/$n.out" 2>"$D/$n.err"
    rc=$?
}

# has FILE TEXT: FILE contains TEXT (fixed string)
has() { grep -qF -- "$2" "$1"; }

# count FILE TEXT: lines of FILE containing TEXT
count() { grep -cF -- "$2" "$1"; }

# The undamaged files' output, to compare with where nothing may change.
run orig "$SRC"
run orig-json --json "$SRC"
run orig-ng "$SRCNG"

# decoded_before_damage NAME: the ladder and JSON of NAME show the first two
# messages (packets 8 and 9) of the connection, and nothing of packet 10 onwards.
decoded_before_damage() {
    check "$1: ladder shows the handshake" has "$D/$1.out" "GET /chat"
    check "$1: ladder shows the messages before the damage" \
        sh -c 'grep -qF "\"hello\"" "$1" && grep -qF "\"hi there\"" "$1"' _ "$D/$1.out"
    check "$1: ladder does not invent what followed" sh -c '! grep -qF "news update" "$1"' _ "$D/$1.out"
    expect_eq "$1: JSON has the two messages" "$(count "$D/$1-json.out" '"type":"message"')" 2
    check "$1: JSON closes the connection" has "$D/$1-json.out" '"type":"close"'
}

# damaged NAME FILE WHAT: FILE is damaged at packet 10; exit 2, message names the
# file and packet 10 and says WHAT; what came before is shown.
damaged() {
    dn=$1 df=$2 dw=$3 # (not "name": lib.sh's check uses that)
    run "$dn" "$df"
    expect_eq "$dn: exit status 2" "$rc" 2
    run "$dn-json" --json "$df"
    expect_eq "$dn: exit status 2 (--json)" "$rc" 2
    check "$dn: message names the file and packet 10" has "$D/$dn.err" "$df: packet 10: "
    check "$dn: message says what is wrong ($dw)" has "$D/$dn.err" "$dw"
    expect_eq "$dn: one error line" "$(wc -l <"$D/$dn.err" | tr -d ' ')" 1
    decoded_before_damage "$dn"
}

# ---- files libpcap cannot open -----------------------------------------------------
# Nothing can be decoded from these: the message and the status are what matters.

run bad-magic "$D/bad-magic.pcap"
expect_eq "bad magic: exit status 2" "$rc" 2
check "bad magic: message names the file and the magic" \
    has "$D/bad-magic.err" "$D/bad-magic.pcap: not a pcap or pcapng file (bad magic 0x5753493f)"
expect_eq "bad magic: no output" "$(wc -c <"$D/bad-magic.out" | tr -d ' ')" 0

run global-header "$D/truncated-global-header.pcap"
expect_eq "truncated global header: exit status 2" "$rc" 2
check "truncated global header: message names the file" has "$D/global-header.err" "$D/truncated-global-header.pcap: "
check "truncated global header: message says the header is cut short" \
    sh -c 'grep -q "truncated\|too short\|file header" "$1"' _ "$D/global-header.err"

run empty "$D/empty.pcap"
expect_eq "empty file: exit status 2" "$rc" 2
check "empty file: message names the file and says it is empty" has "$D/empty.err" "$D/empty.pcap: empty file"

run directory "$D/directory.pcap"
expect_eq "directory: exit status 2" "$rc" 2
check "directory: message names it and says it is a directory" \
    sh -c 'grep -qF "$2: " "$1" && grep -qi "directory" "$1"' _ "$D/directory.err" "$D/directory.pcap"

# ---- damage inside the file: what came before is shown -------------------------------

damaged truncated-record-header "$D/truncated-record-header.pcap" "truncated"
damaged truncated-record-data "$D/truncated-record-data.pcap" "truncated"
# a record claiming 1 MiB captured: libpcap refuses records over its maximum snap
# length (262144) rather than allocating what the file says
damaged caplen-over-max "$D/caplen-over-max.pcap" "invalid packet capture length 1048576"
damaged truncated-block "$D/truncated-block.pcapng" "truncated"

# The same damage on standard input: the message names "<stdin>".
"$WSINSPECT" - <"$D/truncated-record-data.pcap" >"$D/stdin.out" 2>"$D/stdin.err"
expect_eq "truncated record from stdin: exit status 2" "$?" 2
check "truncated record from stdin: message names <stdin> and packet 10" has "$D/stdin.err" "<stdin>: packet 10: "
check "truncated record from stdin: ladder shows what came before" has "$D/stdin.out" '"hi there"'

# ---- files libpcap accepts: the behaviour decided ------------------------------------

# caplen > len (a record claiming fewer bytes on the wire than it holds): libpcap
# accepts it and so does wsinspect - the captured bytes are all there, and the
# decoder takes the wire length as at least the captured length. Decided: decode
# normally, no message, same output as the undamaged file.
run caplen-over-len "$D/caplen-over-len.pcap"
expect_eq "caplen > len: exit status 0" "$rc" 0
check "caplen > len: same ladder as the undamaged file" cmp "$D/orig.out" "$D/caplen-over-len.out"

# caplen > the file header's snap length (128 here, records up to 269 bytes):
# libpcap reads such a record, keeps its first snaplen bytes and drops the rest
# (its caplen becomes the snap length). wsinspect then sees packets cut by the
# capture, which is not an input error: each cut segment is reported as a
# snap-length cut, the missing bytes as gaps, and the exit status is 0.
run caplen-over-snaplen "$D/caplen-over-snaplen.pcap"
expect_eq "caplen > snaplen: exit status 0" "$rc" 0
check "caplen > snaplen: the connection is shown" has "$D/caplen-over-snaplen.out" "Connection 1"
check "caplen > snaplen: the cut is reported" has "$D/caplen-over-snaplen.out" "snaplen-cut"
run caplen-over-snaplen-json --json "$D/caplen-over-snaplen.pcap"
check "caplen > snaplen: JSON reports snap-length cuts" has "$D/caplen-over-snaplen-json.out" '"snaplen-cut"'
# The heads cut by the snap length are still HTTP: each shown with how much of it was captured,
# then the rest of its direction is reported as not decoded; never "not HTTP".
check "caplen > snaplen: the cut request and 101 are shown as heads, marked as cut" \
    sh -c 'grep -qF "GET /chat (head cut: 62 B captured)" "$1" && grep -qF "101 Switching Protocols (head cut: 62 B captured)" "$1"' \
    _ "$D/caplen-over-snaplen.out"
check "caplen > snaplen: the ladder does not claim there was no WebSocket" has "$D/caplen-over-snaplen.out" \
    "HTTP, then a 101 whose head is cut (what followed is not decoded)"
check "caplen > snaplen: each direction is lost because its head is cut" sh -c \
    '[ "$(grep -c "\"type\":\"lost\".*the HTTP head is cut by the snap length" "$1")" -eq 2 ]' _ "$D/caplen-over-snaplen-json.out"
check "caplen > snaplen: JSON: two http heads with head_cut 62, the connection carries http" sh -c \
    '[ "$(grep -c "\"type\":\"http\".*\"head_cut\":62" "$1")" -eq 2 ] && grep -q "\"carries\":\"http\",\"evidence\":\"HTTP/1.x, then a 101 whose head is cut" "$1"' \
    _ "$D/caplen-over-snaplen-json.out"

# A zero-length record (caplen 0, len 0) as packet 10: a valid pcap record with no
# bytes. Decided: a warning naming the file and the packet (nothing to decode), and
# every other packet decoded as usual, so the output is the undamaged file's.
run zero-length "$D/zero-length-record.pcap"
expect_eq "zero-length record: exit status 0" "$rc" 0
check "zero-length record: warning names the file and packet 10" has "$D/zero-length.err" \
    "$D/zero-length-record.pcap: packet 10: "
check "zero-length record: every message still decoded" \
    sh -c 'grep -qF "\"news update\"" "$1" && grep -qF "close 1000" "$1"' _ "$D/zero-length.out"

# pcapng with blocks of an unknown type (0x00000BAD) after the interface block and
# before packet 10: the pcapng format says a reader skips blocks it does not know,
# and libpcap does. Decided: no message, same output as the undamaged pcapng.
run unknown-block "$D/unknown-block.pcapng"
expect_eq "pcapng unknown block: exit status 0" "$rc" 0
check "pcapng unknown block: same ladder as the undamaged file" cmp "$D/orig-ng.out" "$D/unknown-block.out"
expect_eq "pcapng unknown block: no message" "$(wc -c <"$D/unknown-block.err" | tr -d ' ')" 0

# ---- resource-hostile captures: bounded time and memory ------------------------------
# Each is run under gen_corrupt measure (SIGKILL after LIMIT_S seconds), as ladder
# and as JSON; it must finish by itself, exit 0 or 1, with a peak RSS under the bound.
LIMIT_S=60
LIMIT_KB=$((200 * 1024))
# AddressSanitizer (make test SANITIZE=1) costs memory of its own: shadow memory and
# a quarantine of freed blocks (256 MB by default, kept small here). The bound stays
# the same for the program's own data; the allowance covers the sanitizer only.
if grep -q __asan_init "$WSINSPECT" 2>/dev/null; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=16"
    LIMIT_KB=$((LIMIT_KB + 100 * 1024))
fi

# bounded NAME FILE [OPTION]: run under measure; checks status, time and memory
bounded() {
    bn=$1 bf=$2
    shift 2
    "$GEN" measure "$LIMIT_S" "$D/$bn.res" "$WSINSPECT" "$@" "$bf" >"$D/$bn.out" 2>"$D/$bn.err"
    read -r bexit bkb bms <"$D/$bn.res"
    if [ "$bexit" -eq 124 ]; then
        _bad "$bn: finishes within ${LIMIT_S}s" "killed after ${bms} ms"
    else
        _ok "$bn: finishes within ${LIMIT_S}s (${bms} ms)"
    fi
    check "$bn: exit status 0 or 1 (got $bexit)" test "$bexit" -le 1
    if [ "$bkb" -lt "$LIMIT_KB" ]; then
        _ok "$bn: peak RSS $((bkb / 1024)) MB < $((LIMIT_KB / 1024)) MB"
    else
        _bad "$bn: peak RSS $((bkb / 1024)) MB < $((LIMIT_KB / 1024)) MB" "peak RSS was $bkb KB"
    fi
}

# A server frame whose header claims 2^63-1 payload bytes, followed by 2.1 MB of
# that payload: the decoder must stream it (a bounded preview), never allocate by it.
bounded frame-2e63 "$D/frame-2e63.pcap"
bounded frame-2e63-json "$D/frame-2e63.pcap" --json
# (the frame never completes, so it has no frame event: the end of the stream
# inside it is reported as lost, with the length the header claimed)
check "frame 2^63-1: the cut-short frame is reported at the end" \
    sh -c 'grep "\"type\":\"lost\"" "$1" | grep -qF "of 9223372036854775807 payload bytes"' _ "$D/frame-2e63-json.out"

# 100,000 half-open connections (one SYN each, never answered): more than the
# connection table holds (--max-conns, default 65536), so the oldest are evicted;
# every connection is still reported, opened and closed, in bounded memory.
bounded syn-100k "$D/syn-100k.pcap"
bounded syn-100k-json "$D/syn-100k.pcap" --json
expect_eq "100k SYNs: JSON reports every connection" "$(count "$D/syn-100k-json.out" '"type":"connection"')" 100000
expect_eq "100k SYNs: JSON closes every connection" "$(count "$D/syn-100k-json.out" '"type":"close"')" 100000
# the 34,464 evicted ones say so (ended_by, and their ends), never "still open" at the end of the capture
expect_eq "100k SYNs: JSON: 34464 connections ended_by evicted, with end events of reason evicted" \
    "$(count "$D/syn-100k-json.out" '"ended_by":"evicted"') $(count "$D/syn-100k-json.out" '"reason":"evicted"')" "34464 68928"
"$WSINSPECT" --summary "$D/syn-100k.pcap" >"$D/syn-100k.sum" 2>/dev/null
expect_eq "100k SYNs: the summary marks the same 34464 as evicted" "$(count "$D/syn-100k.sum" "evicted (table full)")" 34464

# The server's sequence numbers jump by 1.5 GiB three times: 4.5 GiB never captured.
# Reported as gaps, nothing buffered or allocated by their size.
bounded seq-gap-4g "$D/seq-gap-4g.pcap"
bounded seq-gap-4g-json "$D/seq-gap-4g.pcap" --json
gapsum=$(sed -n 's/.*"type":"gap".*"length":\([0-9]*\).*/\1/p' "$D/seq-gap-4g-json.out" | awk '{s += $1} END {printf "%.0f", s}')
check "4 GiB gap: JSON gaps add up to more than 4 GiB (got ${gapsum:-0})" test "${gapsum:-0}" -gt 4294967296

# HTTP request heads of 60,000 bytes sent one byte per TCP segment (tests/tools/gen_pressure.c):
# each head is read whole, once (the speed of this, against ordinary traffic of the same
# packet count, is measured by make bench).
HEADS=${GEN_HEADS:-$BUILD/tools/gen_pressure}
"$HEADS" bytewise "$D/heads-bytewise.pcap" 3 60000 2>/dev/null
bounded heads-bytewise-json "$D/heads-bytewise.pcap" --json
expect_eq "heads one byte per segment: 3 requests GET /long-head, nothing lost" \
    "$(count "$D/heads-bytewise-json.out" '"target":"/long-head"') $(count "$D/heads-bytewise-json.out" '"type":"lost"')" "3 0"
"$HEADS" ordinary "$D/heads-ordinary.pcap" 2 100 2>/dev/null
"$WSINSPECT" --json "$D/heads-ordinary.pcap" >"$D/heads-ordinary.out" 2>&1
expect_eq "small whole requests, one per segment: 200 requests" "$(count "$D/heads-ordinary.out" '"target":"/poll"')" 200

# ---- one memory budget: --max-memory 64M, every renderer ----------------------------
# Three captures that hold more than 64 MiB when nothing gives way (tests/tools/gen_pressure.c):
#   lines: 300 WebSocket connections open at once, 4,000 messages each (a ladder of 1.2 M lines);
#   endless: 1,500 request heads of 60,000 bytes that never end (90 MB held);
#   ooo: 20 connections whose first segment is never captured, 3.5 MB each out of order;
#   fragments: 2 messages of 300,000 violating fragments each that never end;
#   deflate: five deflate bombs of 255 MiB each (tests/tools/gen_hostile.c, edge-deflate-budget).
# Each renderer must stay under the budget plus a fixed overhead, and say what gave way.
BUDGET_KB=$((64 * 1024))
OVERHEAD_KB=$((24 * 1024))
# AddressSanitizer's allocator keeps freed blocks of each size class (and the quarantine, shadow memory):
# the held buffers dropped and grown again cost it far more than the program's own count; the bound that
# matters is the one of the normal build
grep -q __asan_init "$WSINSPECT" 2>/dev/null && OVERHEAD_KB=$((OVERHEAD_KB + 200 * 1024))
"$HEADS" lines "$D/press-lines.pcap" 300 4000 2>/dev/null
"$HEADS" endless "$D/press-endless.pcap" 1500 60000 2>/dev/null
"$HEADS" ooo "$D/press-ooo.pcap" 20 3500000 2>/dev/null
"$HEADS" fragments "$D/press-fragments.pcap" 2 300000 2>/dev/null
press="lines endless ooo fragments"
if "$BUILD/tools/gen_hostile" "$D" edge-deflate-budget.pcap 2>/dev/null; then
    mv "$D/edge-deflate-budget.pcap" "$D/press-deflate.pcap"
    press="$press deflate"
else
    _bad "budget: the deflate bombs made by gen_hostile" "$BUILD/tools/gen_hostile failed"
fi
for p in $press; do
    for m in ladder json summary; do
        case $m in ladder) mo= ;; *) mo=--$m ;; esac
        "$GEN" measure "$LIMIT_S" "$D/press-$p-$m.res" "$WSINSPECT" --max-memory 64M $mo "$D/press-$p.pcap" \
            >"$D/press-$p-$m.out" 2>"$D/press-$p-$m.err"
        read -r pexit pkb pms <"$D/press-$p-$m.res"
        check "budget 64M, $p, $m: exit 0 or 1 (got $pexit, ${pms} ms)" test "$pexit" -le 1
        if [ "$pkb" -lt $((BUDGET_KB + OVERHEAD_KB)) ]; then
            _ok "budget 64M, $p, $m: peak RSS $((pkb / 1024)) MB < 64 MB + $((OVERHEAD_KB / 1024)) MB"
        else
            _bad "budget 64M, $p, $m: peak RSS under 64 MB + $((OVERHEAD_KB / 1024)) MB" "peak RSS was $((pkb / 1024)) MB"
        fi
        echo "$p $m $((pkb / 1024))" >>"$D/press-figures"
    done
done
# what gave way is said in the output of every view, and counted on stderr
check "budget, lines, ladder: blocks printed early, marked, and continued at their end" sh -c \
    'grep -q "(continued below: printed early to stay within --max-memory)" "$1" && grep -q "(continued from above)" "$1"' \
    _ "$D/press-lines-ladder.out"
check "budget, lines, ladder: every one of the 1.2 M messages is still drawn" \
    test "$(grep -c 'text "m"' "$D/press-lines-ladder.out")" -eq 1200000
check "budget, lines, ladder: stderr counts the blocks printed early" grep -q "ladder blocks printed early" \
    "$D/press-lines-ladder.err"
for m in ladder json summary; do
    check "budget, endless, $m: held heads dropped, said on stderr" grep -q "held buffers dropped" "$D/press-endless-$m.err"
    check "budget, ooo, $m: out-of-order holes declared gaps, said on stderr" grep -q "out-of-order holes declared gaps" \
        "$D/press-ooo-$m.err"
done
check "budget, fragments, ladder: the violations that wait are capped and counted as not shown" \
    grep -q "more events not shown; use --json" "$D/press-fragments-ladder.out"
check "budget, fragments, summary: all 600,000 violations are counted" \
    test "$(grep -c ' 300000 violations ' "$D/press-fragments-summary.out")" -eq 2
check "budget, endless, json: each dropped head is a lost note that names the budget" \
    grep -q '"type":"lost".*memory budget reached (--max-memory)' "$D/press-endless-json.out"
check "budget, ooo, json: each hole given up is a tcp ooo-limit note that names the budget" \
    grep -q '"anomaly":"ooo-limit".*memory budget reached (--max-memory)' "$D/press-ooo-json.out"
check "budget, endless, ladder: the lost note is in the ladder, and the block says HTTP" sh -c \
    'tr -s " \n" "  " <"$1" | grep -q "lost (client -> server) from stream offset 0: memory budget reached" &&
     grep -q "HTTP, no complete message" "$1"' _ "$D/press-endless-ladder.out"
echo "# peak RSS in MB under --max-memory 64M (capture renderer MB):"; sed 's/^/#   /' "$D/press-figures"
# without --max-memory (256M by default) nothing gives way on these
"$WSINSPECT" --json "$D/press-ooo.pcap" >/dev/null 2>"$D/press-ooo-default.err"
check "budget: the default (256M) is not reached by the ooo capture" sh -c '! grep -q "memory budget" "$1"' _ \
    "$D/press-ooo-default.err"
"$WSINSPECT" --max-memory 3M "$D/press-ooo.pcap" >/dev/null 2>"$D/press-small.err"
expect_eq "--max-memory below 4M: exit 2" "$?" 2
check "--max-memory below 4M: the message says so" grep -q "is not a size of at least 4M" "$D/press-small.err"
# the smallest budget still decodes a capture that fits in it: the retransmission history (4 MiB
# by default) is at most a quarter of the budget, not the whole of it
for v in --json --summary; do
    "$WSINSPECT" $v "$SRC" >"$D/small-default.out" 2>&1
    "$WSINSPECT" $v --max-memory 4M "$SRC" >"$D/small-4m.out" 2>&1
    check "--max-memory 4M, $v: $SRC as without it, nothing given up" cmp -s "$D/small-default.out" "$D/small-4m.out"
done

# A write that fails stops the run at once (exit 2, the reason, where it stopped), not after
# reading the whole input: 10,000 requests give megabytes of JSON into a full device.
if [ -w /dev/full ]; then
    "$HEADS" ordinary "$D/heads-10k.pcap" 2 5000 2>/dev/null
    "$WSINSPECT" --json "$D/heads-10k.pcap" >/dev/full 2>"$D/full.err"
    expect_eq "output to a full device: exit status 2" "$?" 2
    check "output to a full device: says why and stops early (before packet 10000)" sh -c \
        'n=$(sed -n "s/.*No space left on device (stopped after packet \([0-9]*\) of .*/\1/p" "$1"); [ -n "$n" ] && [ "$n" -lt 10000 ]' \
        _ "$D/full.err"
else
    skip "output to a full device" "no writable /dev/full"
fi

finish
