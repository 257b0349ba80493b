/* fuzz_pipeline.c - libFuzzer harness for the whole of wsinspect: a capture file
 * (pcap or pcapng, any bytes) through capture -> netdecode -> reasm -> session ->
 * wsframe -> the ladder, JSON Lines and summary renderers at once.
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
 * WSI_FUZZ_SKIP="summary-text ladder-text jsonl" (any of the names) turns those
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
#include "render.h"
#include "session.h"

/* ---- output checks ---------------------------------------------------------- */

/* Length of the well-formed UTF-8 character at s (RFC 3629), 0 if there is none. */
static size_t utf8_char(const uint8_t *s, size_t n)
{
    if (!n) return 0;
    uint8_t b = s[0];
    if (b < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (b >= 0xC2 && b <= 0xDF) len = 2, cp = b & 0x1F;
    else if (b >= 0xE0 && b <= 0xEF) len = 3, cp = b & 0x0F;
    else if (b >= 0xF0 && b <= 0xF4) len = 4, cp = b & 0x07;
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* The UTF-8 character of n bytes at s is a C1 control, U+0080..U+009F (C2 80..C2 9F). */
static int c1_control(const uint8_t *s, size_t n)
{
    return n == 2 && s[0] == 0xC2 && s[1] <= 0x9F;
}

/* ... or U+2028 or U+2029 (E2 80 A8, E2 80 A9): line ends to JavaScript. */
static int js_line_end(const uint8_t *s, size_t n)
{
    return n == 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9);
}

/* A minimal JSON reader over one line: returns 1 when [*p, end) starts with a value.
 * Strings must hold no raw C1 control, U+2028 or U+2029 either: the writer escapes them
 * (wsinspect(1)), as JSON itself asks only of the C0 controls. */
struct jr {
    const uint8_t *p, *end;
    int depth;
};

static void j_ws(struct jr *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t')) j->p++;
}

static int j_lit(struct jr *j, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, s, n) != 0) return 0;
    j->p += n;
    return 1;
}

static int j_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int j_string(struct jr *j)
{
    if (j->p >= j->end || *j->p != '"') return 0;
    j->p++;
    while (j->p < j->end) {
        uint8_t c = *j->p;
        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20) return 0;
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end) return 0;
            c = *j->p++;
            if (c == 'u') {
                for (int i = 0; i < 4; i++)
                    if (j->p >= j->end || !j_hex(*j->p++)) return 0;
            } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
                return 0;
            }
            continue;
        }
        size_t n = utf8_char(j->p, (size_t)(j->end - j->p));
        if (!n || c1_control(j->p, n) || js_line_end(j->p, n)) return 0;
        j->p += n;
    }
    return 0;
}

static int j_number(struct jr *j)
{
    const uint8_t *s = j->p;
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
    if (*j->p == '0') j->p++;
    else while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    return j->p > s;
}

static int j_value(struct jr *j);

static int j_container(struct jr *j, char open, char close, int keyed)
{
    if (j->p >= j->end || *j->p != open || ++j->depth > 64) return 0;
    j->p++;
    j_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return 1;
    }
    for (;;) {
        j_ws(j);
        if (keyed) {
            if (!j_string(j)) return 0;
            j_ws(j);
            if (j->p >= j->end || *j->p++ != ':') return 0;
            j_ws(j);
        }
        if (!j_value(j)) return 0;
        j_ws(j);
        if (j->p >= j->end) return 0;
        uint8_t c = *j->p++;
        if (c == close) break;
        if (c != ',') return 0;
    }
    j->depth--;
    return 1;
}

static int j_value(struct jr *j)
{
    if (j->p >= j->end) return 0;
    switch (*j->p) {
    case '{': return j_container(j, '{', '}', 1);
    case '[': return j_container(j, '[', ']', 0);
    case '"': return j_string(j);
    case 't': return j_lit(j, "true");
    case 'f': return j_lit(j, "false");
    case 'n': return j_lit(j, "null");
    default: return j_number(j);
    }
}

/* Every line of the JSON Lines output is exactly one object. */
static void check_jsonl(const char *buf, size_t n)
{
    const uint8_t *p = (const uint8_t *)buf, *end = p + n;
    size_t line = 0;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        FUZZ_CHECK(nl != NULL, "JSON output does not end with a newline");
        line++;
        struct jr j = {p, nl, 0};
        FUZZ_CHECK(*p == '{' && j_value(&j) && j.p == nl,
                   "JSON line %zu is not one valid object (raw C1, U+2028 or U+2029 in a string counts): %.*s", line,
                   (int)(nl - p > 400 ? 400 : nl - p), (const char *)p);
        p = nl + 1;
    }
}

/* Text for a terminal without colours: valid UTF-8, no control byte but newline, no C1
 * control (U+009B is a CSI to some terminals). */
static void check_text(const char *what, const char *buf, size_t n)
{
    const uint8_t *p = (const uint8_t *)buf;
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        FUZZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7F), "%s output has control byte 0x%02x at %zu: ...%.*s", what,
                   c, i, (int)(i > 60 ? 60 : i), (const char *)p + (i > 60 ? i - 60 : 0));
        size_t k = utf8_char(p + i, n - i);
        FUZZ_CHECK(k > 0, "%s output is not valid UTF-8 at byte %zu", what, i);
        FUZZ_CHECK(!c1_control(p + i, k), "%s output has C1 control U+%04X at %zu", what, p[i + 1], i);
        i += k;
    }
}

/* ---- the pipeline ----------------------------------------------------------- */

struct fanout {
    struct wsi_ladder *ladder;
    struct wsi_json *json;
    struct wsi_summary *summary;
    uint64_t events;
};

static void fan_event(void *self, const struct wsi_event *ev)
{
    struct fanout *f = self;
    f->events++;
    /* (no upper bound: event.h gains kinds as features land) */
    FUZZ_CHECK(ev->kind >= WSI_EV_CONN && ev->conn >= 1, "event kind %d of connection %llu", (int)ev->kind,
               (unsigned long long)ev->conn);
    wsi_ladder_event(f->ladder, ev);
    wsi_json_event(f->json, ev);
    wsi_summary_event(f->summary, ev);
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

    struct wsi_render_opts lo = {.width = 80, .color = 1, .payload = 32};
    struct wsi_session_opts so = {.preview_max = 256};
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
        lo = (struct wsi_render_opts){.width = 200, .color = 0, .payload = 1000};
        /* libpcap refuses to compile a filter for some link types; the run goes on unfiltered */
        if (wsi_capture_set_filter(cap, "tcp", err) != 0) FUZZ_CHECK(err[0] != '\0', "filter failed silently");
        break;
    case 3:
        lo = (struct wsi_render_opts){.width = 80, .color = 0, .payload = 8, .frames = 1};
        break;
    default:
        break;
    }
    char *lbuf = NULL, *jbuf = NULL, *sbuf = NULL;
    size_t llen = 0, jlen = 0, slen = 0;
    FILE *lf = open_memstream(&lbuf, &llen), *jf = open_memstream(&jbuf, &jlen), *sf = open_memstream(&sbuf, &slen);
    if (!lf || !jf || !sf) abort();
    struct wsi_render_opts jo = lo, sm = lo;
    lo.out = lf;
    jo.out = jf;
    sm.out = sf;
    struct fanout fan = {wsi_ladder_new(&lo), wsi_json_new(&jo), wsi_summary_new(&sm), 0};
    if (!fan.ladder || !fan.json || !fan.summary) abort();
    struct wsi_sink sink = {fan_event, &fan};
    struct warn_ctx wc = {0};
    so.warn = on_warn;
    so.warn_user = &wc;
    struct wsi_session *s = wsi_session_new(&so, &sink);
    if (!s) abort();

    int rc;
    if (cfg == 3) {
        uint64_t before;
        do {
            before = wsi_session_stats(s)->packets;
            rc = wsi_capture_run(cap, 3, wsi_session_packet, s, err);
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
    wsi_ladder_free(fan.ladder);
    wsi_json_free(fan.json);
    wsi_summary_free(fan.summary);
    wsi_capture_close(cap);
    fclose(lf);
    fclose(jf);
    fclose(sf);
    if (check_on("jsonl")) check_jsonl(jbuf, jlen);
    if (!lo.color) {
        if (check_on("ladder-text")) check_text("ladder", lbuf, llen);
        if (check_on("summary-text")) check_text("summary", sbuf, slen);
    }
    free(lbuf);
    free(jbuf);
    free(sbuf);
    return 0;
}
