#!/bin/sh
# run.sh [SECONDS] - build every libFuzzer harness and fuzz each one for SECONDS (default 30).
#
#   make fuzz FUZZ_SECONDS=N     the same, from the Makefile
#
# Steps:
#   1. build build-fuzz/fuzz_<name> for each fuzz/fuzz_<name>.c with clang,
#      libFuzzer, AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer
#      (every report fatal), straight from the sources;
#   2. make the seed corpora (fuzz/make-seeds.sh) where fuzz/corpus-<name>/ is missing;
#   3. run every file of fuzz/regressions/<name>/ through its harness once: each
#      is an input that once crashed, and must not any more;
#   4. fuzz each harness for SECONDS, one after the other, growing fuzz/corpus-<name>/.
# Any crash, sanitizer report, leak, timeout (-timeout) or memory blow-up
# (-rss_limit_mb / -malloc_limit_mb) fails the run; the input is saved as
# fuzz/crash-<name>/<kind>-<sha1> (git-ignored) and the command to replay it is shown.
#
# Environment:
#   FUZZ_HARNESSES="http1 wsframe"   only these harnesses (default: every fuzz/fuzz_*.c)
#   FUZZ_JOBS=2                      fuzz that many harnesses at once (default 1)
#   FUZZ_BUILD_ONLY=1                build (and run the regressions), do not fuzz
#   FUZZ_KEEP_GOING=1                do not stop at the first crash: libFuzzer's fork mode
#                                    saves each one and goes on (for long runs; still fails)
#   FUZZ_CFLAGS="..."                extra compiler flags (e.g. -fno-sanitize=pointer-overflow
#                                    to fuzz past a known, not yet fixed report); a change of
#                                    flags rebuilds everything
#   CLANG=clang-14                   the compiler (default: clang)
#   FUZZ_OUT=dir                     where the harnesses are built (default: build-fuzz)
#   FUZZ_JSON_BUF=0                  the JSON writer's buffer in bytes (inspector/jsonl.c's
#                                    WSI_JSON_BUF, at least its JBUF_MIN: 135); 0, the default, is
#                                    that smallest size. The program's 64 KiB is reached once per
#                                    64 KiB of output at best; the smallest buffer is reached
#                                    several times by every line of fuzz_pipeline's JSON, each
#                                    time at another field (65536 builds it as the program has it)
set -u
cd "$(dirname "$0")/.." || exit 2

SECONDS_EACH=${1:-${FUZZ_SECONDS:-30}}
CLANG=${CLANG:-clang}
OUT=${FUZZ_OUT:-build-fuzz}
JOBS=${FUZZ_JOBS:-1}
JSON_BUF=${FUZZ_JSON_BUF:-0}

case "$SECONDS_EACH" in '' | *[!0-9]*) echo "fuzz: seconds must be a whole number, got '$SECONDS_EACH'" >&2; exit 2 ;; esac
case "$JSON_BUF" in '' | *[!0-9]*) echo "fuzz: FUZZ_JSON_BUF must be a whole number, got '$JSON_BUF'" >&2; exit 2 ;; esac
if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "fuzz: $CLANG not found; libFuzzer needs clang (apt-get install clang)" >&2
    exit 2
fi

# ---- 1. build ------------------------------------------------------------------
# FUZZ_CFLAGS goes last, so that it can take back part of what SAN turns on
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer ${FUZZ_CFLAGS:-}"
CFLAGS="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DWS_VERSION=\"fuzz\" -Icommon -Icalc -Iinspector"
LIBS="-lpcap -lcrypto -lz -ljansson -lm"
LIB_SRC=$(ls calc/*.c inspector/*.c | grep -v -e '^calc/wsaccept\.c$' -e '^inspector/main\.c$')
HEADERS=$(ls common/*.h calc/*.h inspector/*.h fuzz/*.h)

if [ -n "${FUZZ_HARNESSES:-}" ]; then
    HARNESSES=$FUZZ_HARNESSES
else
    HARNESSES=$(ls fuzz/fuzz_*.c | sed 's|^fuzz/fuzz_||; s|\.c$||')
fi

# newer SRC OBJ: 0 when OBJ is missing or older than SRC or any header
stale() {
    [ -f "$2" ] || return 0
    [ "$1" -nt "$2" ] && return 0
    for h in $HEADERS; do [ "$h" -nt "$2" ] && return 0; done
    return 1
}

mkdir -p "$OUT/obj/calc" "$OUT/obj/inspector" "$OUT/obj/fuzz" || exit 2
# the JSON writer with a small buffer (only fuzz_pipeline writes JSON; the objects are shared;
# a size below the writer's smallest does not compile)
JSON_FLAGS="-DWSI_JSON_BUF=$JSON_BUF"
# objects built with other flags are thrown away
if [ "$(cat "$OUT/flags" 2>/dev/null)" != "$CLANG $CFLAGS $SAN $JSON_FLAGS" ]; then
    rm -rf "$OUT/obj" "$OUT"/fuzz_*
    mkdir -p "$OUT/obj/calc" "$OUT/obj/inspector" "$OUT/obj/fuzz" || exit 2
    echo "$CLANG $CFLAGS $SAN $JSON_FLAGS" >"$OUT/flags"
fi
OBJS=""
for src in $LIB_SRC; do
    obj="$OUT/obj/${src%.c}.o"
    OBJS="$OBJS $obj"
    extra=""
    [ "$src" = inspector/jsonl.c ] && extra=$JSON_FLAGS
    if stale "$src" "$obj"; then
        echo "fuzz: cc $src${extra:+ ($extra)}"
        # fuzzer-no-link: coverage instrumentation for libFuzzer, without its main()
        # shellcheck disable=SC2086
        $CLANG $CFLAGS $SAN $extra -fsanitize=fuzzer-no-link -c "$src" -o "$obj" || exit 2
    fi
done
# wsinspect --html's page (inspector/html/), built in as the Makefile does (common/embed.c)
PAGE_FILES="inspector/html/page.html inspector/html/page.css inspector/html/page.js"
mkdir -p "$OUT/gen" || exit 2
page_stale=0
[ -f "$OUT/gen/html_page.o" ] || page_stale=1
for p in $PAGE_FILES common/embed.c; do [ "$p" -nt "$OUT/gen/html_page.o" ] && page_stale=1; done
if [ "$page_stale" -eq 1 ]; then
    echo "fuzz: embed inspector/html/"
    $CLANG -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -o "$OUT/embed" common/embed.c &&
        "$OUT/embed" "$OUT/gen/html_page.c" wsi_page_html inspector/html/page.html wsi_page_css inspector/html/page.css \
            wsi_page_js inspector/html/page.js &&
        $CLANG $CFLAGS -c "$OUT/gen/html_page.c" -o "$OUT/gen/html_page.o" || exit 2
fi
OBJS="$OBJS $OUT/gen/html_page.o"
for h in $HARNESSES; do
    src="fuzz/fuzz_$h.c"
    [ -f "$src" ] || { echo "fuzz: no harness $src" >&2; exit 2; }
    obj="$OUT/obj/fuzz/fuzz_$h.o"
    bin="$OUT/fuzz_$h"
    if stale "$src" "$obj"; then
        echo "fuzz: cc $src"
        # shellcheck disable=SC2086
        $CLANG $CFLAGS $SAN -fsanitize=fuzzer -Wall -Wextra -c "$src" -o "$obj" || exit 2
    fi
    relink=0
    [ -f "$bin" ] || relink=1
    for o in $obj $OBJS; do [ "$o" -nt "$bin" ] && relink=1; done
    if [ "$relink" -eq 1 ]; then
        echo "fuzz: link $bin"
        # shellcheck disable=SC2086
        $CLANG $SAN -fsanitize=fuzzer -o "$bin" "$obj" $OBJS $LIBS || exit 2
    fi
done

# ---- per-harness libFuzzer options -----------------------------------------------
# max_len: the pipeline and tls take whole captures or connections (the big
# seeds are cut there); the others one stream, head, packet, key log, a few
# compressed messages or a few hundred segments.
opts_for() {
    case "$1" in
    pipeline) echo "-max_len=65536 -timeout=20" ;;
    reasm) echo "-max_len=16384 -timeout=10" ;;
    wsframe) echo "-max_len=8192 -timeout=10" ;;
    http1) echo "-max_len=8192 -timeout=10 -dict=fuzz/http1.dict" ;;
    har) echo "-max_len=65536 -timeout=20 -dict=fuzz/har.dict" ;;
    netdecode) echo "-max_len=2048 -timeout=10" ;;
    tls) echo "-max_len=65536 -timeout=20" ;;
    inflate) echo "-max_len=16384 -timeout=20" ;;
    keylog) echo "-max_len=16384 -timeout=10" ;;
    *) echo "-timeout=10" ;;
    esac
}
# Memory: the limits below are far above what any input needs (every stage is
# bounded); exceeding them means memory grows with the input and is a finding.
COMMON="-rss_limit_mb=1536 -malloc_limit_mb=512 -print_final_stats=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=""

# ---- 2. seeds ----------------------------------------------------------------------
need_seeds=0
for h in $HARNESSES; do
    [ -d "fuzz/corpus-$h" ] && [ -n "$(ls -A "fuzz/corpus-$h" 2>/dev/null)" ] || need_seeds=1
done
if [ "$need_seeds" -eq 1 ]; then
    sh fuzz/make-seeds.sh || { echo "fuzz: making the seed corpora failed" >&2; exit 2; }
fi

# ---- 3. regressions ------------------------------------------------------------
for h in $HARNESSES; do
    dir="fuzz/regressions/$h"
    [ -d "$dir" ] || continue
    files=$(find "$dir" -type f ! -name 'README*' ! -name '*.md' | sort)
    [ -n "$files" ] || continue
    n=$(echo "$files" | wc -l)
    log="$OUT/regressions-$h.log"
    # shellcheck disable=SC2046,SC2086
    if "$OUT/fuzz_$h" $(opts_for "$h") $COMMON -artifact_prefix="$OUT/regression-$h-" $files >"$log" 2>&1; then
        echo "fuzz: $h: $n regression input(s) pass"
    else
        echo "fuzz: $h: a regression input fails again:"
        grep -E 'ERROR|SUMMARY|fuzz check failed|Running:' "$log" | tail -20
        echo "      (full log: $log)"
        failed="$failed $h(regression)"
    fi
done

[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && { [ -z "$failed" ] && exit 0; echo "fuzz: failed:$failed"; exit 1; }
[ "$SECONDS_EACH" -eq 0 ] && { [ -z "$failed" ] && exit 0; echo "fuzz: failed:$failed"; exit 1; }

# ---- 4. fuzz -------------------------------------------------------------------
# fuzz_one NAME: fuzz for SECONDS_EACH; prints one result line; exit status 0 = clean.
fuzz_one() {
    h=$1
    corpus="fuzz/corpus-$h"
    art="fuzz/crash-$h/"
    log="$OUT/fuzz-$h.log"
    mkdir -p "$corpus" "$art"
    keep=""
    [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && keep="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
    # shellcheck disable=SC2046,SC2086
    "$OUT/fuzz_$h" $(opts_for "$h") $COMMON $keep -max_total_time="$SECONDS_EACH" -artifact_prefix="$art" \
        "$corpus" >"$log" 2>&1
    rc=$?
    if [ -n "$keep" ]; then
        # fork mode: the last status line has the total ("#N: cov: C ...")
        execs=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | tail -1)
        cov="cov: $(sed -n 's/^#[0-9]*: cov: \([0-9]*\).*/\1/p' "$log" | tail -1)"
        [ -n "$(ls -A "$art" 2>/dev/null)" ] && rc=1 || rc=0
    else
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    fi
    peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    if [ "$rc" -eq 0 ]; then
        echo "fuzz: $h: ${SECONDS_EACH}s, ${execs:-?} executions, $cov${peak:+, peak RSS $peak MB}, no crash"
        rmdir "$art" 2>/dev/null
        return 0
    fi
    echo "fuzz: $h: FAILED (exit $rc) after ${execs:-?} executions"
    grep -E '==ERROR|SUMMARY|runtime error|fuzz check failed|^    #[0-9]+ 0x' "$log" | grep -v 'in fuzzer::' | head -30 |
        sed 's/^/      /'
    n=$(ls "$art" 2>/dev/null | wc -l)
    echo "      $n input(s) saved in $art (replay one: $OUT/fuzz_$h FILE)"
    echo "      full log: $log"
    return 1
}

if [ "$JOBS" -le 1 ]; then
    for h in $HARNESSES; do
        fuzz_one "$h" || failed="$failed $h"
    done
else
    # at most JOBS at once; each job's result goes to a file, read when all are done
    running=0
    for h in $HARNESSES; do
        (fuzz_one "$h" >"$OUT/result-$h.txt"; echo $? >"$OUT/status-$h.txt") &
        running=$((running + 1))
        if [ "$running" -ge "$JOBS" ]; then
            wait
            running=0
        fi
    done
    wait
    for h in $HARNESSES; do
        cat "$OUT/result-$h.txt"
        [ "$(cat "$OUT/status-$h.txt")" = 0 ] || failed="$failed $h"
        rm -f "$OUT/result-$h.txt" "$OUT/status-$h.txt"
    done
fi

if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed"
    exit 1
fi
echo "fuzz: every harness ran ${SECONDS_EACH}s without a crash"
