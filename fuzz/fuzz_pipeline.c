/* fuzz_pipeline.c - libFuzzer harness for the whole of wsinspect: a capture file
 * (pcap or pcapng, any bytes) through capture -> netdecode -> reasm -> session ->
 * wsframe -> the ladder, JSON Lines, summary, HTML page and Mermaid renderers at once.
 *
 * The input is the capture file itself, so real captures are seeds as they are.
 * It is written to a memfd and opened by path through wsi_capture_open_file,
 * exactly as the command line opens a file. The input's length (mod 4) picks
 * one of four configurations, so every one is reached without spending input
 * bytes on options:
 *   0  defaults: default limits, ladder per message with colours
 *   1  small limits (256 out-of-order bytes, 2 connections), tiny previews,
 *      ladder per frame with hex dumps at the minimum width
 *   2  a BPF filter ("tcp") and only connection 2, big previews, wide ladder
 *   3  the capture read in runs of 3 packets (wsi_capture_run resumed), per frame
 *
 * Besides the sanitizers, the harness checks the renderers' output: every JSON
 * line is one valid JSON object in valid UTF-8 whose strings hold no raw C1
 * control, U+2028 or U+2029, and the ladder and summary without colours hold
 * no control byte but newlines and no C1 control (wire strings must be escaped
 * before they reach a terminal) and are valid UTF-8.
 *
 * The HTML page (--html) holds exactly its own three script elements; its data block is
 * one valid JSON object per line with no raw '<', '>', '&', U+2028 or U+2029 (wire text
 * must never end the element or become markup). The Mermaid text (--mermaid) is one
 * statement per line, valid UTF-8 without control bytes, its texts without a character
 * Mermaid reads as syntax or markup (; # < > & % " { } : ` but in #NN; entities).
 *
 * WSI_FUZZ_SKIP="summary-text ladder-text jsonl html mermaid" (any of the names) turns those
 * output checks off, to fuzz on past a known finding until it is fixed.
 *
 * run.sh builds the JSON writer for it with its smallest buffer (FUZZ_JSON_BUF,
 * jsonl.c's WSI_JSON_BUF) instead of 64 KiB: every JSON line then meets the end
 * of the buffer, several times and each time at another field, where with 64 KiB
 * the lines reach it once in a while (an empty preview_hex wrote one byte past it
 * when one byte was left, and no input ever got there).
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture.h"
#include "fuzz_common.h"
#include "fuzz_output.h"
#include "fuzz_views.h"
#include "render.h"
#include "session.h"

/* ---- the pipeline ----------------------------------------------------------- */

struct fanout {
    struct fuzz_views v;
    uint64_t events;
};

static void fan_event(void *self, const struct wsi_event *ev)
{
    struct fanout *f = self;
    f->events++;
    /* (no upper bound: event.h gains kinds as features land) */
    FUZZ_CHECK(ev->kind >= WSI_EV_CONN && ev->conn >= 1, "event kind %d of connection %llu", (int)ev->kind,
               (unsigned long long)ev->conn);
    views_event(&f->v, ev);
}

struct warn_ctx {
    uint64_t warnings;
};

static void on_warn(void *user, uint64_t packet, const char *what)
{
    struct warn_ctx *w = user;
    FUZZ_CHECK(what != NULL && what[0] != '\0', "empty warning for packet %llu", (unsigned long long)packet);
    (void)strlen(what);
    w->warnings++;
}

static int memfd = -1;

/* 1 unless WSI_FUZZ_SKIP names this check. */
static int check_on(const char *name)
{
    const char *skip = getenv("WSI_FUZZ_SKIP");
    return !skip || !strstr(skip, name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memfd < 0) {
        memfd = memfd_create("wsi-fuzz-capture", 0);
        if (memfd < 0) {
            perror("memfd_create");
            abort();
        }
    }
    if (ftruncate(memfd, 0) != 0) abort();
    if (size && pwrite(memfd, data, size, 0) != (ssize_t)size) abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);

    char err[WSI_ERRBUF] = "";
    struct wsi_capture *cap = wsi_capture_open_file(path, err);
    if (!cap) {
        FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0, "open error does not name the file: '%s'", err);
        return 0;
    }
    int cfg = (int)(size & 3);

    /* the default: labels fit their arrows, blocks and lines in the order connections began */
    struct wsi_render_opts lo = {.width = 80, .color = 1, .payload = 32, .payload_auto = 1, .order_start = 1};
    struct wsi_session_opts so = {.preview_max = 256};
    static const char *const names[] = {"<fuzz>.pcap"};
    switch (cfg) {
    case 1:
        so.preview_max = 16;
        so.limits.max_ooo_bytes = 256;
        so.limits.max_conns = 2;
        lo = (struct wsi_render_opts){.width = 20, .color = 0, .payload = 0, .frames = 1, .hexdump = 1};
        break;
    case 2:
        so.preview_max = 4000;
        so.only_conn = 2;
        lo = (struct wsi_render_opts){.width = 200, .color = 0, .payload = 1000, .time_mode = 3};
        so.file = names[0]; /* as when several captures are read: each connection names its file */
        /* libpcap refuses to compile a filter for some link types; the run goes on unfiltered */
        if (wsi_capture_set_filter(cap, "tcp", err) != 0) FUZZ_CHECK(err[0] != '\0', "filter failed silently");
        break;
    case 3:
        lo = (struct wsi_render_opts){.width = 80, .color = 0, .payload = 8, .frames = 1, .order_start = 1, .time_mode = 1};
        break;
    default:
        break;
    }
    struct fanout fan = {.events = 0};
    views_open(&fan.v, lo, names, 1);
    struct wsi_sink sink = {fan_event, &fan};
    struct warn_ctx wc = {0};
    so.warn = on_warn;
    so.warn_user = &wc;
    struct wsi_session *s = wsi_session_new(&so, &sink);
    if (!s) abort();

    int rc;
    if (cfg == 3) {
        uint64_t before;
        int batch = 0;
        do {
            before = wsi_session_stats(s)->packets;
            rc = wsi_capture_run(cap, 3, wsi_session_packet, s, err);
            /* after the first packets, what follows is read as another capture (several files) */
            if (++batch == 2) wsi_session_next_capture(s, names[0]);
        } while (rc == 0 && wsi_session_stats(s)->packets > before);
    } else {
        rc = wsi_capture_run(cap, 0, wsi_session_packet, s, err);
    }
    if (rc != 0) FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0, "read error does not name the file: '%s'", err);
    wsi_session_finish(s);

    const struct wsi_session_stats *st = wsi_session_stats(s);
    FUZZ_CHECK(st->tcp + st->skipped + st->undecodable <= st->packets, "stats: %llu+%llu+%llu > %llu packets",
               (unsigned long long)st->tcp, (unsigned long long)st->skipped, (unsigned long long)st->undecodable,
               (unsigned long long)st->packets);
    FUZZ_CHECK(st->websockets <= st->connections, "more WebSockets than connections");

    wsi_session_free(s);
    wsi_capture_close(cap);
    views_close_check(&fan.v, check_on);
    return 0;
}
