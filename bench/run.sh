#!/bin/sh
# run.sh BUILD - wsinspect's throughput benchmark (make bench).
#
# Measures, on one generated capture (tests/tools/gen_bench.c), how fast
# wsinspect reads it compared with the memory-bandwidth limit (cat of the
# warm file) and with tshark decoding the same WebSocket fields, then the
# same at a quarter of the size to show that time grows linearly with the
# input and peak memory does not. A second capture (gen_bench --short) has
# the shape of a class's traffic: many short connections, each a page load,
# an upgrade, a few small chat messages (half of the connections compressed)
# and a close; it is measured the same way, side by side with cat and
# tshark. The ladder and --summary are timed against --json on both.
# Prints PASS or MISS for each target and exits 0 either way: it is a
# benchmark, not a test.
#
# Environment:
#   BENCH_MIB=1024        size of the capture in MiB (the quarter run uses BENCH_MIB/4)
#   BENCH_TSHARK_MIB=64   size of the prefix tshark reads (its time is scaled per MiB)
#   BENCH_DIR=DIR         where the captures go; kept, and reused when present.
#                         Default: a fresh mktemp directory under ${TMPDIR:-/tmp}, removed at the end.
#   BENCH_RUNS=3          timed runs of each command; the fastest one is reported
#   BENCH_SHORT_MIB=64    size of the short-connection capture in MiB (0: skip it)
#   BENCH_SHORT_TSHARK_MIB=16   size of its prefix that tshark reads
#
# Needs what `make deps` installs (a C compiler, libpcap, libcrypto, zlib,
# tshark), coreutils, awk, and GNU time or python3 for peak memory.
set -u

BUILD=${1:-build}
MIB=${BENCH_MIB:-1024}
TS_MIB=${BENCH_TSHARK_MIB:-64}
RUNS=${BENCH_RUNS:-3}
SMIB=${BENCH_SHORT_MIB:-64}
STS_MIB=${BENCH_SHORT_TSHARK_MIB:-16}

die() { echo "bench: $*" >&2; exit 2; }

case $MIB in ''|*[!0-9]*) die "BENCH_MIB must be a whole number of MiB, got '$MIB'" ;; esac
case $TS_MIB in ''|*[!0-9]*) die "BENCH_TSHARK_MIB must be a whole number of MiB, got '$TS_MIB'" ;; esac
case $RUNS in ''|*[!0-9]*) die "BENCH_RUNS must be a whole number, got '$RUNS'" ;; esac
case $SMIB in ''|*[!0-9]*) die "BENCH_SHORT_MIB must be a whole number of MiB, got '$SMIB'" ;; esac
case $STS_MIB in ''|*[!0-9]*) die "BENCH_SHORT_TSHARK_MIB must be a whole number of MiB, got '$STS_MIB'" ;; esac
[ "$MIB" -ge 4 ] || die "BENCH_MIB must be at least 4"
[ "$RUNS" -ge 1 ] || RUNS=1
[ "$TS_MIB" -ge 1 ] || TS_MIB=1
[ "$TS_MIB" -le "$MIB" ] || TS_MIB=$MIB
QMIB=$((MIB / 4))
[ "$STS_MIB" -ge 1 ] || STS_MIB=1
[ "$STS_MIB" -le "$SMIB" ] || STS_MIB=$SMIB

ROOT=$(cd "$(dirname "$0")/.." && pwd) || die "cannot find the project directory"
ARG_BUILD=$BUILD
[ -d "$BUILD" ] || BUILD=$ROOT/$BUILD
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || die "no build directory '$ARG_BUILD': run 'make bench'"
WSI=$BUILD/wsinspect
GEN=$BUILD/tools/gen_bench
[ -x "$WSI" ] || die "$WSI is missing: run 'make bench'"

# ---- the working directory --------------------------------------------------
if [ -n "${BENCH_DIR:-}" ]; then
    DIR=$BENCH_DIR
    mkdir -p "$DIR" || die "cannot create $DIR"
    KEEP=1
else
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/wsbench.XXXXXX") || die "mktemp failed"
    KEEP=0
fi
SCRATCH=$DIR/.scratch.$$
mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    rm -rf "$SCRATCH"
    [ "$KEEP" -eq 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FULL=$DIR/bench-$MIB.pcap
PREFIX=$DIR/bench-$MIB-prefix$TS_MIB.pcap
QUARTER=$DIR/bench-$QMIB.pcap
SHORT=$DIR/short-$SMIB.pcap
SPREFIX=$DIR/short-$SMIB-prefix$STS_MIB.pcap

# ---- the generator ----------------------------------------------------------
# make rebuilds it when tests/tools/gen_bench.c changed (make bench only builds the programs).
if ! (cd "$ROOT" && make -s --no-print-directory BUILD="$BUILD" "$GEN") >"$SCRATCH/make.log" 2>&1; then
    if [ ! -x "$GEN" ]; then
        # Without make's rule: compile it here, the way the Makefile would.
        GEN=$SCRATCH/gen_bench
        # shellcheck disable=SC2046
        cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
            $(pkg-config --cflags libpcap libcrypto zlib 2>/dev/null) \
            -o "$GEN" "$ROOT/tests/tools/gen_bench.c" \
            $(pkg-config --libs libpcap libcrypto zlib 2>/dev/null || echo -lpcap -lcrypto -lz) -lm \
            || { cat "$SCRATCH/make.log" >&2; die "cannot build gen_bench (run 'make deps')"; }
    fi
fi

need_kib=0
[ -s "$FULL" ] && [ -s "$PREFIX" ] || need_kib=$(( (MIB + TS_MIB) * 1024 * 11 / 10 ))
[ -s "$QUARTER" ] || need_kib=$(( need_kib + QMIB * 1024 * 11 / 10 ))
[ "$SMIB" -eq 0 ] || { [ -s "$SHORT" ] && [ -s "$SPREFIX" ]; } ||
    need_kib=$(( need_kib + (SMIB + STS_MIB) * 1024 * 11 / 10 ))
if [ "$need_kib" -gt 0 ]; then
    free_kib=$(df -Pk "$DIR" | awk 'NR == 2 { print $4 }')
    [ "${free_kib:-0}" -gt $((need_kib + 1048576)) ] ||
        die "$DIR: $((need_kib / 1024)) MiB needed (and 1 GiB to spare), $((${free_kib:-0} / 1024)) MiB free; set BENCH_DIR or BENCH_MIB"
fi
if [ ! -s "$FULL" ] || [ ! -s "$PREFIX" ]; then
    echo "bench: writing $FULL ($MIB MiB) and its first $TS_MIB MiB"
    "$GEN" "$FULL" "$MIB" "$PREFIX" "$TS_MIB" || die "gen_bench failed"
fi
if [ ! -s "$QUARTER" ]; then
    echo "bench: writing $QUARTER ($QMIB MiB)"
    "$GEN" "$QUARTER" "$QMIB" || die "gen_bench failed"
fi
if [ "$SMIB" -gt 0 ] && { [ ! -s "$SHORT" ] || [ ! -s "$SPREFIX" ]; }; then
    echo "bench: writing $SHORT ($SMIB MiB of short connections) and its first $STS_MIB MiB"
    "$GEN" --short "$SHORT" "$SMIB" "$SPREFIX" "$STS_MIB" || die "gen_bench --short failed"
fi

# ---- measuring ---------------------------------------------------------------
# measure OUT CMD... : runs CMD with stdout to OUT (stderr to a scratch file) and
# sets M_WALL (seconds), M_RSS (peak resident KiB), M_FLT (minor page faults)
# and M_RC (exit status).
if /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    measure() {
        _out=$1
        shift
        _t0=$(date +%s.%N)
        /usr/bin/time -f '%x %M %R' -o "$SCRATCH/time" "$@" >"$_out" 2>"$SCRATCH/stderr"
        _t1=$(date +%s.%N)
        M_WALL=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.3f", b - a }')
        # GNU time writes "Command exited with non-zero status N" first when it fails
        M_RC=$(awk 'END { print $1 }' "$SCRATCH/time")
        M_RSS=$(awk 'END { print $2 }' "$SCRATCH/time")
        M_FLT=$(awk 'END { print $3 }' "$SCRATCH/time")
    }
elif command -v python3 >/dev/null 2>&1; then
    measure() {
        _out=$1
        shift
        _r=$(python3 -c '
import resource, subprocess, sys, time
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    t = time.perf_counter()
    rc = subprocess.call(sys.argv[3:], stdout=out, stderr=err)
    t = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %d %d %d" % (t, ru.ru_maxrss, rc, ru.ru_minflt))
' "$_out" "$SCRATCH/stderr" "$@")
        read -r M_WALL M_RSS M_RC M_FLT <<EOF
$_r
EOF
    }
else
    die "neither GNU time (/usr/bin/time) nor python3 is installed: peak memory cannot be measured"
fi

# best OUT CMD... : measure BENCH_RUNS times; the lowest wall time (and the page
# faults of that run), the highest peak.
best() {
    _i=0 B_WALL='' B_RSS=0 B_RC=0 B_FLT=0
    while [ "$_i" -lt "$RUNS" ]; do
        measure "$@"
        if [ -z "$B_WALL" ] || awk -v a="$M_WALL" -v b="$B_WALL" 'BEGIN { exit !(a < b) }'; then
            B_WALL=$M_WALL B_FLT=${M_FLT:-0}
        fi
        [ "${M_RSS:-0}" -gt "$B_RSS" ] && B_RSS=$M_RSS
        [ "${M_RC:-0}" -gt 1 ] && B_RC=$M_RC
        _i=$((_i + 1))
    done
    if [ "$B_RC" -gt 1 ]; then
        echo "bench: warning: '$*' exited with status $B_RC:" >&2
        head -5 "$SCRATCH/stderr" >&2
    fi
}

bytes_of() { wc -c <"$1" | tr -d ' '; }
mib_of() { awk -v b="$(bytes_of "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }
frames_of() { "$WSI" --json "$1" 2>/dev/null | grep -c '"type":"frame"'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

# row LABEL MIB WALL FRAMES RSS_KIB [FAULTS]
row() {
    awk -v l="$1" -v m="$2" -v w="$3" -v f="$4" -v r="$5" -v pf="${6:--}" 'BEGIN {
        printf "  %-34s %9.3f %10.1f %12s %9.1f %9s\n", l, w, (w > 0 ? m / w : 0),
               (f == "-" ? "-" : sprintf("%.0f", (w > 0 ? f / w : 0))), r / 1024, pf }'
}
# head TITLE : the header of a table
head_row() {
    printf "  %-34s %9s %10s %12s %9s %9s\n" "$1" "wall s" "MiB/s" "frames/s" "peak MiB" "faults"
}

# target OK TEXT : one line of the verdicts, PASS or MISS first
MISSED=0
target() {
    if [ "$1" -eq 1 ]; then echo "    PASS  $2"; else echo "    MISS  $2"; MISSED=$((MISSED + 1)); fi
}

FULL_MIB=$(mib_of "$FULL")
PREFIX_MIB=$(mib_of "$PREFIX")
QUARTER_MIB=$(mib_of "$QUARTER")

echo "bench: counting WebSocket frames (wsinspect --json, once per file)"
FULL_FRAMES=$(frames_of "$FULL")
QUARTER_FRAMES=$(frames_of "$QUARTER")
PREFIX_FRAMES=$(frames_of "$PREFIX")

echo "bench: timing ($RUNS run(s) each)"
cat "$FULL" >/dev/null                     # the first read fills the page cache
best /dev/null cat "$FULL"
CAT_WALL=$B_WALL CAT_RSS=$B_RSS
best /dev/null "$WSI" --json "$FULL"
JSON_WALL=$B_WALL JSON_RSS=$B_RSS JSON_FLT=$B_FLT
best /dev/null "$WSI" --summary "$FULL"
SUM_WALL=$B_WALL SUM_RSS=$B_RSS SUM_FLT=$B_FLT
best /dev/null "$WSI" --color=never "$FULL"
LAD_WALL=$B_WALL LAD_RSS=$B_RSS LAD_FLT=$B_FLT

cat "$QUARTER" >/dev/null
best /dev/null "$WSI" --json "$QUARTER"
QJSON_WALL=$B_WALL QJSON_RSS=$B_RSS QJSON_FLT=$B_FLT
best /dev/null "$WSI" --summary "$QUARTER"
QSUM_WALL=$B_WALL QSUM_RSS=$B_RSS QSUM_FLT=$B_FLT

HAVE_TSHARK=0
if command -v tshark >/dev/null 2>&1; then
    HAVE_TSHARK=1
    cat "$PREFIX" >/dev/null
    # Out-of-order reassembly on, so that tshark decodes every frame wsinspect does
    # (the generator swaps a few adjacent segments; tshark 4.0 drops those PDUs by default).
    best "$SCRATCH/tshark.txt" tshark -o tcp.reassemble_out_of_order:TRUE -r "$PREFIX" -Y websocket \
        -T fields -e websocket.opcode -e websocket.payload_length
    TS_WALL=$B_WALL TS_RSS=$B_RSS
    TS_FRAMES=$(awk -F '\t' '{ n += split($1, a, ",") } END { print n + 0 }' "$SCRATCH/tshark.txt")
fi

# ---- HTTP heads one byte per segment -------------------------------------------------
# The same number of packets twice: 40 connections each sending a 60,000-byte request
# head one byte per segment, and the same connections sending a whole small request in
# every segment. A head parser that re-read its buffer on every segment made the first
# quadratic (about 13 s against 0.3 s here); the target is a ratio under 2.
HEADS_B=$DIR/heads-bytewise.pcap HEADS_O=$DIR/heads-ordinary.pcap
HGEN=$BUILD/tools/gen_pressure
(cd "$ROOT" && make -s --no-print-directory BUILD="$BUILD" "$HGEN") >"$SCRATCH/make-heads.log" 2>&1
HAVE_HEADS=0
if [ -x "$HGEN" ]; then
    HAVE_HEADS=1
    [ -s "$HEADS_B" ] || "$HGEN" bytewise "$HEADS_B" 40 60000 2>/dev/null || HAVE_HEADS=0
    [ -s "$HEADS_O" ] || "$HGEN" ordinary "$HEADS_O" 40 60000 2>/dev/null || HAVE_HEADS=0
fi
if [ "$HAVE_HEADS" -eq 1 ]; then
    best /dev/null "$WSI" --summary "$HEADS_B"
    HB_WALL=$B_WALL
    best /dev/null "$WSI" --summary "$HEADS_O"
    HO_WALL=$B_WALL
    HEADS_RATIO=$(div "$HB_WALL" "$HO_WALL")
fi

# ---- many short connections ------------------------------------------------------
# A class's traffic: thousands of connections of a few KB each (a page load, an upgrade,
# a few small chat messages, a close), so what a connection costs to start and to end
# (heads, handshakes, decompressors, per-connection state) weighs more than what a byte
# costs. Timed in this same run side by side with cat and with tshark (on a prefix, its
# time scaled to the whole file).
HAVE_SHORT=0
if [ "$SMIB" -gt 0 ]; then
    HAVE_SHORT=1
    SHORT_MIB=$(mib_of "$SHORT")
    SPREFIX_MIB=$(mib_of "$SPREFIX")
    echo "bench: counting frames and connections of $SHORT"
    SHORT_FRAMES=$(frames_of "$SHORT")
    SPREFIX_FRAMES=$(frames_of "$SPREFIX")
    SHORT_CONNS=$("$WSI" --json "$SHORT" 2>/dev/null | grep -c '"type":"connection"')
    echo "bench: timing the short connections ($RUNS run(s) each)"
    cat "$SHORT" >/dev/null
    best /dev/null cat "$SHORT"
    SCAT_WALL=$B_WALL SCAT_RSS=$B_RSS
    best /dev/null "$WSI" --json "$SHORT"
    SJSON_WALL=$B_WALL SJSON_RSS=$B_RSS SJSON_FLT=$B_FLT
    best /dev/null "$WSI" --summary "$SHORT"
    SSUM_WALL=$B_WALL SSUM_RSS=$B_RSS SSUM_FLT=$B_FLT
    best /dev/null "$WSI" --color=never "$SHORT"
    SLAD_WALL=$B_WALL SLAD_RSS=$B_RSS SLAD_FLT=$B_FLT
    # Page-fault time: the share of perf's samples of --json spent in the kernel's page-fault
    # path (its entry symbol, children included), the median of five runs. Needs perf and
    # samples of the kernel (root, or kernel.perf_event_paranoid at most 1).
    SPF=''
    if command -v perf >/dev/null 2>&1; then
        echo "bench: page-fault time of the short connections (perf record, 5 runs)"
        for _i in 1 2 3 4 5; do
            perf record -q -F 20000 -g -o "$SCRATCH/pf.data" "$WSI" --json "$SHORT" >/dev/null 2>&1 || continue
            perf report -i "$SCRATCH/pf.data" --children --stdio --sort symbol 2>/dev/null | awk '
                /\[k\]/ { kernel = 1 }
                /\[k\] (asm_exc_page_fault|exc_page_fault|page_fault|do_page_fault)( |$)/ {
                    v = $1; sub(/%/, "", v); if (v + 0 > best) best = v + 0 }
                END { if (kernel) printf "%.2f\n", best }'
        done >"$SCRATCH/pf.txt"
        rm -f "$SCRATCH/pf.data" "$SCRATCH/pf.data.old"
        [ "$(wc -l <"$SCRATCH/pf.txt")" -eq 5 ] && SPF=$(sort -n "$SCRATCH/pf.txt" | sed -n 3p)
    fi
    if [ "$HAVE_TSHARK" -eq 1 ]; then
        cat "$SPREFIX" >/dev/null
        best "$SCRATCH/tshark-short.txt" tshark -o tcp.reassemble_out_of_order:TRUE -r "$SPREFIX" -Y websocket \
            -T fields -e websocket.opcode -e websocket.payload_length
        STS_WALL=$B_WALL STS_RSS=$B_RSS
        STS_FRAMES=$(awk -F '\t' '{ n += split($1, a, ",") } END { print n + 0 }' "$SCRATCH/tshark-short.txt")
    fi
fi

# ---- the question of cores ---------------------------------------------------------
# One reader, the decoding sharded by connection over threads (bench/cores.c): one thread,
# a reader and one decoder, a reader and two decoders, each the lowest wall time of 5 rounds,
# on the short connections and on the mix's prefix. Two decoders write two streams that a
# wsinspect built this way would still have to merge: an upper bound.
CORES=$BUILD/tools/bench_cores
(cd "$ROOT" && make -s --no-print-directory BUILD="$BUILD" "$CORES") >"$SCRATCH/make-cores.log" 2>&1
HAVE_CORES=0
if [ -x "$CORES" ]; then
    echo "bench: the question of cores (bench_cores, 5 rounds of each way)"
    HAVE_CORES=1
    if [ "$HAVE_SHORT" -eq 1 ]; then
        "$CORES" "$SHORT" 5 >"$SCRATCH/cores-short.txt" 2>&1 || HAVE_CORES=0
    fi
    "$CORES" "$PREFIX" 5 >"$SCRATCH/cores-mix.txt" 2>&1 || HAVE_CORES=0
fi
# cores_x FILE: reader + 2 decoders against one thread, from bench_cores's last line
cores_x() { awk '/^cores:/ { if ($7 > 0) printf "%.2f", $3 / $7 }' "$1" 2>/dev/null; }

# ---- the report ------------------------------------------------------------------
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
echo
echo "wsinspect benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
NCPU=$(nproc 2>/dev/null || echo 1)
echo "  machine: $NCPU CPUs, ${CPU:-unknown CPU}, $(uname -sr)"
LOAD=$(awk '{ print $1 }' /proc/loadavg 2>/dev/null)
if [ -n "$LOAD" ]; then
    echo "  load average (1 min) at the end: $LOAD"
    awk -v l="$LOAD" -v n="$NCPU" 'BEGIN { exit !(l > n / 2 + 1) }' &&
        echo "  WARNING: other processes were busy during the run; times are pessimistic (raise BENCH_RUNS or run again)"
fi
echo "  $("$WSI" --version 2>/dev/null | head -1); $(tshark --version 2>/dev/null | head -1 || echo 'no tshark')"
echo "  capture: $FULL"
echo "           $FULL_MIB MiB, $FULL_FRAMES WebSocket frames (generated by gen_bench, deterministic)"
echo
head_row "full file ($FULL_MIB MiB)"
row "cat (warm cache, 2nd read)" "$FULL_MIB" "$CAT_WALL" - "$CAT_RSS"
row "wsinspect --json" "$FULL_MIB" "$JSON_WALL" "$FULL_FRAMES" "$JSON_RSS" "$JSON_FLT"
row "wsinspect --summary" "$FULL_MIB" "$SUM_WALL" "$FULL_FRAMES" "$SUM_RSS" "$SUM_FLT"
row "wsinspect (ladder)" "$FULL_MIB" "$LAD_WALL" "$FULL_FRAMES" "$LAD_RSS" "$LAD_FLT"
if [ "$HAVE_TSHARK" -eq 1 ]; then
    TS_SCALED=$(awk -v w="$TS_WALL" -v p="$PREFIX_MIB" -v f="$FULL_MIB" 'BEGIN { printf "%.3f", w * f / p }')
    row "tshark, scaled from the prefix" "$FULL_MIB" "$TS_SCALED" "$FULL_FRAMES" "$TS_RSS"
    echo "    (tshark read the first $PREFIX_MIB MiB in $TS_WALL s; peak memory is for that prefix;"
    echo "     frames decoded there: tshark $TS_FRAMES, wsinspect $PREFIX_FRAMES)"
else
    echo "  tshark: not installed (make deps installs it); comparison skipped"
fi
echo
head_row "quarter file ($QUARTER_MIB MiB)"
row "wsinspect --json" "$QUARTER_MIB" "$QJSON_WALL" "$QUARTER_FRAMES" "$QJSON_RSS" "$QJSON_FLT"
row "wsinspect --summary" "$QUARTER_MIB" "$QSUM_WALL" "$QUARTER_FRAMES" "$QSUM_RSS" "$QSUM_FLT"
SIZE_RATIO=$(div "$FULL_MIB" "$QUARTER_MIB")
T_RATIO=$(div "$JSON_WALL" "$QJSON_WALL")
M_RATIO=$(div "$JSON_RSS" "$QJSON_RSS")
T_RATIO_S=$(div "$SUM_WALL" "$QSUM_WALL")
M_RATIO_S=$(div "$SUM_RSS" "$QSUM_RSS")
echo
echo "  scaling, full / quarter (size ratio $SIZE_RATIO):"
echo "    --json     time ratio $T_RATIO (linear: ~$SIZE_RATIO)   peak ratio $M_RATIO (flat: ~1)"
echo "    --summary  time ratio $T_RATIO_S (linear: ~$SIZE_RATIO)   peak ratio $M_RATIO_S (flat: ~1)"
if [ "$HAVE_SHORT" -eq 1 ]; then
    echo
    echo "  many short connections: $SHORT"
    echo "           $SHORT_MIB MiB, $SHORT_CONNS connections, $SHORT_FRAMES WebSocket frames (gen_bench --short)"
    head_row "short connections ($SHORT_MIB MiB)"
    row "cat (warm cache, 2nd read)" "$SHORT_MIB" "$SCAT_WALL" - "$SCAT_RSS"
    row "wsinspect --json" "$SHORT_MIB" "$SJSON_WALL" "$SHORT_FRAMES" "$SJSON_RSS" "$SJSON_FLT"
    row "wsinspect --summary" "$SHORT_MIB" "$SSUM_WALL" "$SHORT_FRAMES" "$SSUM_RSS" "$SSUM_FLT"
    row "wsinspect (ladder)" "$SHORT_MIB" "$SLAD_WALL" "$SHORT_FRAMES" "$SLAD_RSS" "$SLAD_FLT"
    if [ "$HAVE_TSHARK" -eq 1 ]; then
        STS_SCALED=$(awk -v w="$STS_WALL" -v p="$SPREFIX_MIB" -v f="$SHORT_MIB" 'BEGIN { printf "%.3f", w * f / p }')
        row "tshark, scaled from the prefix" "$SHORT_MIB" "$STS_SCALED" "$SHORT_FRAMES" "$STS_RSS"
        echo "    (tshark read the first $SPREFIX_MIB MiB in $STS_WALL s; peak memory is for that prefix;"
        echo "     frames decoded there: tshark $STS_FRAMES, wsinspect $SPREFIX_FRAMES)"
    fi
fi
if [ "$HAVE_CORES" -eq 1 ]; then
    echo
    echo "  the question of cores: --json's work on $NCPU CPUs (bench_cores, lowest of 5 rounds)"
    if [ "$HAVE_SHORT" -eq 1 ]; then
        echo "  short connections ($SHORT_MIB MiB)"
        grep -v '^cores:' "$SCRATCH/cores-short.txt"
    fi
    echo "  the mix's prefix ($(mib_of "$PREFIX") MiB)"
    grep -v '^cores:' "$SCRATCH/cores-mix.txt"
    echo "    (two decoders write two streams, not merged back into packet order: an upper bound)"
fi
if [ "$HAVE_HEADS" -eq 1 ]; then
    echo
    echo "  HTTP heads, 2.4 M packets each (--summary):"
    echo "    60,000-byte heads one byte per segment $HB_WALL s, a whole small request per segment $HO_WALL s"
fi

# ---- targets --------------------------------------------------------------------
JSON_MIBS=$(awk -v m="$FULL_MIB" -v w="$JSON_WALL" 'BEGIN { printf "%.1f", (w > 0 ? m / w : 0) }')
CAT_MIBS=$(awk -v m="$FULL_MIB" -v w="$CAT_WALL" 'BEGIN { printf "%.1f", (w > 0 ? m / w : 0) }')
CAT_PCT=$(awk -v a="$JSON_MIBS" -v b="$CAT_MIBS" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')
PEAK=$JSON_RSS
for r in "$SUM_RSS" "$LAD_RSS" "$QJSON_RSS" "$QSUM_RSS"; do [ "$r" -gt "$PEAK" ] && PEAK=$r; done
[ "$HAVE_SHORT" -eq 1 ] && for r in "$SJSON_RSS" "$SSUM_RSS" "$SLAD_RSS"; do [ "$r" -gt "$PEAK" ] && PEAK=$r; done
PEAK_MIB=$(awk -v r="$PEAK" 'BEGIN { printf "%.1f", r / 1024 }')

echo
echo "  targets:"
if [ "$HAVE_TSHARK" -eq 1 ]; then
    TS_MIBS=$(awk -v m="$PREFIX_MIB" -v w="$TS_WALL" 'BEGIN { printf "%.2f", (w > 0 ? m / w : 0) }')
    TS_X=$(div "$JSON_MIBS" "$TS_MIBS")
    target "$(awk -v x="$TS_X" 'BEGIN { print (x >= 100) }')" \
        "wsinspect --json >= 100x tshark's throughput: ${TS_X}x ($JSON_MIBS vs $TS_MIBS MiB/s)"
else
    echo "    SKIP  wsinspect --json >= 100x tshark's throughput: tshark is not installed"
fi
target "$(awk -v x="$CAT_PCT" 'BEGIN { print (x >= 25) }')" \
    "wsinspect --json >= 25% of cat's throughput: $CAT_PCT% ($JSON_MIBS vs $CAT_MIBS MiB/s)"
target "$(awk -v x="$PEAK_MIB" 'BEGIN { print (x < 64) }')" \
    "wsinspect peak RSS < 64 MiB (the largest of the runs above): $PEAK_MIB MiB"
target "$(awk -v t="$T_RATIO" -v s="$SIZE_RATIO" 'BEGIN { print (t >= 0.85 * s && t <= 1.15 * s) }')" \
    "time linear in size: --json full/quarter $T_RATIO, size ratio $SIZE_RATIO (within 15%)"
target "$(awk -v m="$M_RATIO" 'BEGIN { print (m <= 1.25) }')" \
    "peak memory flat in size: --json full/quarter $M_RATIO (at most 1.25)"
# within OTHER_WALL JSON_WALL TEXT : the time of a renderer against --json's, at most 1.5x
within() {
    _x=$(div "$1" "$2")
    target "$(awk -v x="$_x" 'BEGIN { print (x != "-" && x <= 1.5) }')" "$3 within 1.5x of --json's time: ${_x}x ($1 vs $2 s)"
}
within "$LAD_WALL" "$JSON_WALL" "the ladder"
within "$SUM_WALL" "$JSON_WALL" "--summary"
if [ "$HAVE_SHORT" -eq 1 ]; then
    SJSON_MIBS=$(awk -v m="$SHORT_MIB" -v w="$SJSON_WALL" 'BEGIN { printf "%.1f", (w > 0 ? m / w : 0) }')
    if [ "$HAVE_TSHARK" -eq 1 ]; then
        STS_MIBS=$(awk -v m="$SPREFIX_MIB" -v w="$STS_WALL" 'BEGIN { printf "%.2f", (w > 0 ? m / w : 0) }')
        STS_X=$(div "$SJSON_MIBS" "$STS_MIBS")
        target "$(awk -v x="$STS_X" 'BEGIN { print (x >= 60) }')" \
            "short connections: wsinspect --json >= 60x tshark's throughput: ${STS_X}x ($SJSON_MIBS vs $STS_MIBS MiB/s)"
    else
        echo "    SKIP  short connections: wsinspect --json >= 60x tshark's throughput: tshark is not installed"
    fi
    within "$SLAD_WALL" "$SJSON_WALL" "short connections: the ladder"
    within "$SSUM_WALL" "$SJSON_WALL" "short connections: --summary"
    if [ -n "$SPF" ]; then
        target "$(awk -v x="$SPF" 'BEGIN { print (x < 3) }')" \
            "short connections: page-fault time under 3% of --json's: $SPF% of perf's samples (median of 5; $SJSON_FLT minor faults)"
    else
        echo "    SKIP  short connections: page-fault time under 3%: perf is missing or sees no kernel samples"
    fi
fi
if [ "$HAVE_CORES" -eq 1 ]; then
    _sx=-
    [ "$HAVE_SHORT" -eq 1 ] && _sx=$(cores_x "$SCRATCH/cores-short.txt")
    echo "    INFO  cores: a reader and two decoders, against one thread: ${_sx:-?}x on the short connections," \
        "$(cores_x "$SCRATCH/cores-mix.txt")x on the mix, before any merge (not built: bench/README.md, \"More cores\")"
else
    echo "    SKIP  cores: bench_cores could not be built or run"
fi
if [ "$HAVE_HEADS" -eq 1 ]; then
    target "$(awk -v r="$HEADS_RATIO" 'BEGIN { print (r < 2) }')" \
        "HTTP heads one byte per segment < 2x ordinary traffic of the same packet count: ${HEADS_RATIO}x"
else
    echo "    SKIP  HTTP heads one byte per segment: gen_pressure could not be built or run"
fi
if [ "$MISSED" -gt 0 ]; then
    echo "  $MISSED target(s) MISSED (see bench/README.md for where the time goes)"
else
    echo "  every target met"
fi
[ "$KEEP" -eq 1 ] && echo "  (captures kept in $DIR)"
exit 0
