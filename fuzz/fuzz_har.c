/* fuzz_har.c - libFuzzer harness for HAR input: any bytes as a HAR file through wsi_har_read (jansson
 * one value at a time) -> the ladder, JSON Lines, summary, HTML page and Mermaid renderers at once.
 *
 * The input is the HAR text itself, so HAR files are seeds as they are. Its length (mod 4) picks
 * one of four configurations, without spending input bytes on options:
 *   0  defaults: 256-byte previews, ladder per message with colours, no memory limit
 *   1  tiny previews, --frames with hex dumps at the minimum width, a 64 KiB memory budget
 *      (a value bigger than it allows: the reader must stop cleanly, naming where)
 *   2  only connection 2, big previews, wide ladder
 *   3  the live ladder (each line as it comes), 8-byte previews
 * Besides the sanitizers (leaks included), it checks the reader's word (an error says where,
 * "line L, column C (byte B)", and only then), its counts, that every byte jansson held was given
 * back to the budget, and the renderers' output (fuzz_output.h): every JSON line one valid object,
 * the ladder and summary without colours free of control bytes and valid UTF-8, the page with its
 * own three scripts and an escaped data block, the Mermaid text statements with escaped text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "fuzz_common.h"
#include "fuzz_output.h"
#include "fuzz_views.h"
#include "har.h"
#include "render.h"

struct fanout {
    struct fuzz_views v;
    uint64_t events, closes;
};

static void fan_event(void *self, const struct wsi_event *ev)
{
    struct fanout *f = self;
    f->events++;
    FUZZ_CHECK(ev->kind >= WSI_EV_CONN && ev->conn >= 1 && ev->har != NULL, "event kind %d of connection %llu, har %p",
               (int)ev->kind, (unsigned long long)ev->conn, (const void *)ev->har);
    if (ev->kind == WSI_EV_CLOSE) f->closes++;
    views_event(&f->v, ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int cfg = (int)(size & 3);
    /* a copy of exactly the input's bytes: a read past its end is seen */
    char *text = malloc(size ? size : 1);
    if (!text) abort();
    if (size) memcpy(text, data, size);

    struct wsi_budget budget;
    wsi_budget_init(&budget, cfg == 1 ? 64u << 10 : 0);
    struct wsi_render_opts lo = {.width = 80, .color = 1, .payload = 32};
    struct wsi_har_opts ho = {.preview_max = 256, .name = "fuzz.har"};
    switch (cfg) {
    case 1:
        ho.preview_max = 16;
        ho.budget = &budget;
        lo = (struct wsi_render_opts){.width = 20, .color = 0, .payload = 0, .frames = 1, .hexdump = 1};
        break;
    case 2:
        ho.preview_max = 4000;
        ho.only_conn = 2;
        lo = (struct wsi_render_opts){.width = 200, .color = 0, .payload = 1000};
        break;
    case 3:
        ho.preview_max = 8;
        lo = (struct wsi_render_opts){.width = 80, .color = 0, .payload = 8, .live = 1};
        break;
    default:
        break;
    }
    static const char *const names[] = {"fuzz.har"};
    struct fanout fan = {.events = 0};
    views_open(&fan.v, lo, names, 1);
    struct wsi_sink sink = {fan_event, &fan};

    struct wsi_har_stats st;
    char err[600];
    int rc = wsi_har_read(text, size, &ho, &sink, &st, err, sizeof err);
    if (rc != 0)
        FUZZ_CHECK(strncmp(err, "line ", 5) == 0 && strstr(err, ", column ") && strstr(err, " (byte "),
                   "an error that does not say where: '%s'", err);
    else
        FUZZ_CHECK(err[0] == '\0', "no error, yet: '%s'", err);
    FUZZ_CHECK(st.websockets <= st.entries && st.shown <= st.websockets && st.errors <= st.messages &&
                   st.failed_handshakes <= st.shown,
               "counts: %llu entries, %llu websockets, %llu shown, %llu messages, %llu errors, %llu failed",
               (unsigned long long)st.entries, (unsigned long long)st.websockets, (unsigned long long)st.shown,
               (unsigned long long)st.messages, (unsigned long long)st.errors, (unsigned long long)st.failed_handshakes);
    FUZZ_CHECK(fan.closes == st.shown, "%llu connections shown, %llu closed", (unsigned long long)st.shown,
               (unsigned long long)fan.closes);
    /* what jansson held, and the file's attached parts, all given back (the renderers have no budget here) */
    FUZZ_CHECK(budget.used == 0, "%llu bytes still charged after the read", (unsigned long long)budget.used);
    views_close_check(&fan.v, NULL);
    free(text);
    return 0;
}
