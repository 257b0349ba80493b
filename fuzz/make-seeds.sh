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

HARN="pipeline netdecode reasm http1 wsframe tls keylog inflate har"
for h in $HARN; do
    mkdir -p "fuzz/corpus-$h" || exit 1
done

# pipeline: the files as they are (named after their source so a re-run overwrites)
for f in $captures; do
    cp "$f" "fuzz/corpus-pipeline/seed-$(basename "$f")" || exit 1
done

# har: the HAR files in captures/har/, the real exports beside the clone that are small enough,
# and one small HAR of each producer's variant (Chrome's error and never-started socket,
# Playwright's milliseconds, HTTP Toolkit's close, Firefox without messages, a cut-short file)
for f in captures/har/*.har $(find ../shared/har-samples -name '*.har' -size -450k 2>/dev/null | sort); do
    [ -f "$f" ] && { cp "$f" "fuzz/corpus-har/seed-$(basename "$f")" || exit 1; }
done
K='"request":{"method":"GET","url":"ws://a.test/","headers":[{"name":"Sec-WebSocket-Key","value":"dGhlIHNhbXBsZSBub25jZQ=="},{"name":"Upgrade","value":"websocket"}]}'
R='"response":{"status":101,"headers":[{"name":"Upgrade","value":"websocket"},{"name":"Connection","value":"Upgrade"},{"name":"Sec-WebSocket-Accept","value":"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}]}'
printf '%s' '{"log":{"creator":{"name":"WebInspector","version":"537.36"},"entries":[{"_resourceType":"websocket","startedDateTime":"2025-01-02T03:04:05.000Z",'"$K,$R"',"timings":{"wait":12},"_webSocketMessages":[{"type":"send","time":1735787045.5,"opcode":1,"data":"hi"},{"type":"receive","time":1735787045.6,"opcode":2,"data":"AAEC"},{"type":"error","time":1735787046,"opcode":-1,"data":"Invalid frame header"}]}]}}' >fuzz/corpus-har/seed-chrome.har
printf '%s' '{"log":{"entries":[{"_resourceType":"websocket","startedDateTime":"1969-12-31T23:59:59.000Z","request":{"method":"","url":"wss://a.test/ws","headers":[]},"response":{"status":0,"headers":[],"_error":"net::ERR_FAILED"},"_webSocketMessages":[{"type":"error","time":282411.6,"opcode":-1,"data":""}]}]}}' >fuzz/corpus-har/seed-failed.har
printf '%s' '{"log":{"creator":{"name":"Playwright","version":"1.65.2"},"entries":[{"startedDateTime":"2026-12-04T21:00:00.000Z",'"$K,$R"',"_resourceType":"websocket","_webSocketMessages":[{"type":"send","time":1796418000125.5,"opcode":1,"data":"x"}]}]}}' >fuzz/corpus-har/seed-playwright.har
printf '%s' '{"log":{"entries":[{"startedDateTime":"2024-05-01T10:00:00+02:00",'"$K,$R"',"_webSocketMessages":[],"_webSocketClose":{"code":1001,"reason":"away","timestamp":1714557602000}},{"request":{"url":"https://b.test/","headers":[{"name":"Upgrade","value":"websocket"}]},"response":{"status":101}}]}}' >fuzz/corpus-har/seed-close-firefox.har
printf '%s' '{"log":{"entries":[{"_resourceType":"websocket","_webSocketMessages":[{"type":"send","time":1,"opcode":1,"data":"cut' >fuzz/corpus-har/seed-cut.har

# keylog: the key logs of the wss:// captures as they are
for f in captures/*.keylog; do
    [ -f "$f" ] && { cp "$f" "fuzz/corpus-keylog/seed-$(basename "$f")" || exit 1; }
done

# the others: the extractor, built without sanitizers
mkdir -p "$OUT" || exit 1
src="fuzz/seed_extract.c inspector/budget.c inspector/capture.c inspector/netdecode.c inspector/reasm.c"
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
