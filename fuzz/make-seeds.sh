#!/bin/sh
# make-seeds.sh - (re)make the seed corpora fuzz/corpus-<harness>/ from the captures.
#
#   sh fuzz/make-seeds.sh          (fuzz/run.sh calls it when a corpus is missing)
#
# pipeline   the capture files themselves: captures/*.pcap*, captures/hostile/,
#            captures/violations/ and, when present, ../shared/third-party-captures/
# keylog     captures/*.keylog
# netdecode, reasm, http1, wsframe, tls, inflate
#            cut out of the same captures by fuzz/seed_extract.c (built here with
#            the project's capture/netdecode/reasm stages): packets, TCP segment
#            records, HTTP heads, WebSocket streams, TLS streams with their key
#            logs, in each harness's layout; inflate's are made with zlib
# The corpus directories are git-ignored; seeds are regenerated, never committed.
# Inputs the fuzzer found are kept (the directories are added to, not emptied).
set -u
cd "$(dirname "$0")/.." || exit 2
CC_SEED=${CLANG:-clang}
command -v "$CC_SEED" >/dev/null 2>&1 || CC_SEED=cc
OUT=build-fuzz

captures=$(ls captures/*.pcap captures/*.pcapng captures/hostile/*.pcap* captures/violations/*.pcap* \
    2>/dev/null)
if [ -d ../shared/third-party-captures ]; then
    captures="$captures $(find ../shared/third-party-captures -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)"
fi
if [ -z "$(echo "$captures" | tr -d ' \n')" ]; then
    echo "make-seeds: no captures found under captures/" >&2
    exit 1
fi

HARN="pipeline netdecode reasm http1 wsframe tls keylog inflate"
for h in $HARN; do
    mkdir -p "fuzz/corpus-$h" || exit 1
done

# pipeline: the files as they are (named after their source so a re-run overwrites)
for f in $captures; do
    cp "$f" "fuzz/corpus-pipeline/seed-$(basename "$f")" || exit 1
done

# keylog: the key logs of the wss:// captures as they are
for f in captures/*.keylog; do
    [ -f "$f" ] && { cp "$f" "fuzz/corpus-keylog/seed-$(basename "$f")" || exit 1; }
done

# the others: the extractor, built without sanitizers
mkdir -p "$OUT" || exit 1
src="fuzz/seed_extract.c inspector/capture.c inspector/netdecode.c inspector/reasm.c"
bin="$OUT/seed_extract"
rebuild=0
[ -x "$bin" ] || rebuild=1
for s in $src inspector/*.h common/*.h; do [ "$s" -nt "$bin" ] && rebuild=1; done
if [ "$rebuild" -eq 1 ]; then
    # shellcheck disable=SC2086
    $CC_SEED -O1 -g -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Icommon -Icalc -Iinspector \
        -o "$bin" $src -lpcap -lz || { echo "make-seeds: building $bin failed" >&2; exit 1; }
fi
# shellcheck disable=SC2086
"$bin" fuzz $captures || exit 1

for h in $HARN; do
    echo "make-seeds: fuzz/corpus-$h: $(ls "fuzz/corpus-$h" | wc -l) files"
done
