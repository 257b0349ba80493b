#!/bin/sh
# bench_cores.sh - end to end: make bench's harness for the question of cores (bench/cores.c) decodes
# as wsinspect does. Its one-thread run must write `wsinspect --json`'s output byte for byte, and
# its sharded runs must hand every packet to a decoder exactly once, each connection whole to one.
# Run from the repository root; $BUILD names the build directory.
set -u
. tests/lib.sh

BUILD=${BUILD:-build}
W=${WSINSPECT:-$BUILD/wsinspect}
A=${WSACCEPT:-$BUILD/wsaccept}
CORES=${BENCH_CORES:-$BUILD/tools/bench_cores}
T=$(mktemp -d)
trap 'rm -rf "$T" "$_out"' EXIT
LC_ALL=C.UTF-8
export LC_ALL

. tests/e2e/prelude.inc
if ! e2e_programs || [ ! -x "$CORES" ]; then
    [ -x "$CORES" ] || _bad "bench_cores built" "$CORES is missing (make all-tests)"
    finish
    exit 1
fi

for cap in captures/chat-python.pcap captures/deflate-python.pcap captures/multi-client-python.pcap \
    captures/ipv6-python.pcap captures/chunked-curl.pcap captures/negative/mixed.pcap; do
    "$W" --json "$cap" >"$T/want.json" 2>/dev/null
    "$CORES" "$cap" 1 "$T/got.json" >"$T/table.txt" 2>"$T/err.txt"
    check "$cap: bench_cores runs (exit 0, nothing on stderr)" sh -c '[ ! -s "$1" ]' _ "$T/err.txt"
    check "$cap: its one-thread output is wsinspect --json's" cmp "$T/want.json" "$T/got.json"
    # every packet to one decoder: the two decoders' counts add up to the capture's records
    pkts=$(pcap_records "$cap")
    one=$(awk '/^  reader \+ 1 decoder/ { gsub(/[()]/, "", $NF); print $NF }' "$T/table.txt")
    two=$(awk '/^  reader \+ 2 decoders/ { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^\([0-9]+\)$/) { gsub(/[()]/, "", $i); n += $i } print n }' "$T/table.txt")
    expect_eq "$cap: one decoder gets every packet" "$one" "$pkts"
    expect_eq "$cap: two decoders get every packet between them" "$two" "$pkts"
    check "$cap: the last line gives the three times" grep -Eq '^cores: one [0-9.]+ reader1 [0-9.]+ reader2 [0-9.]+$' "$T/table.txt"
done
expect_exit "no capture: usage, exit 2" 2 "$CORES"
expect_exit "a missing file: exit 2" 2 "$CORES" "$T/none.pcap"
finish
