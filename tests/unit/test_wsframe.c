/* test_wsframe.c - unit tests for the RFC 6455 frame decoder, its message layer and the UTF-8 validator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wsframe.h"

/*
 * Every decoder test is a script (feed bytes / gap / end). The callbacks are
 * recorded into a log string, one line per event; consecutive frame_data
 * chunks of one frame are merged into one line, so the log does not depend on
 * how the bytes were split. Each script is run whole, one byte at a time, split
 * at every point (sampled for big inputs) and in random chunks, and every log
 * must be identical to the first.
 *
 * The frame_data consumer may log only the first `limit` bytes of each frame
 * and may say "no more" (return 0) once it has them; the decoder then skips
 * what nobody needs. Whether it stops must never change the log.
 */

/* ---- growable byte buffer for building wire input ------------------------- */

struct wbuf {
    uint8_t *p;   /* bytes */
    size_t n;     /* used */
    size_t cap;   /* allocated */
};

/* Make room for `more` bytes. */
static void wb_reserve(struct wbuf *w, size_t more)
{
    if (w->n + more <= w->cap) return;
    size_t cap = w->cap ? w->cap : 64;
    while (cap < w->n + more) cap *= 2;
    w->p = realloc(w->p, cap);
    assert_non_null(w->p);
    w->cap = cap;
}

static void wb_put(struct wbuf *w, const void *p, size_t n)
{
    wb_reserve(w, n);
    if (n) memcpy(w->p + w->n, p, n);
    w->n += n;
}

static void wb_byte(struct wbuf *w, uint8_t b) { wb_put(w, &b, 1); }

/* Append one frame: b0 is FIN|RSV|opcode, key NULL for unmasked, lform 0 (minimal), 7, 16 or 64. */
static void wb_frame(struct wbuf *w, unsigned b0, const uint8_t *key, const void *payload, size_t len, int lform)
{
    const uint8_t *pl = payload;
    uint8_t mbit = key ? 0x80 : 0;
    wb_byte(w, (uint8_t)b0);
    if (lform == 0) lform = len < 126 ? 7 : len <= 0xFFFF ? 16 : 64;
    if (lform == 7) {
        wb_byte(w, (uint8_t)(mbit | len));
    } else if (lform == 16) {
        wb_byte(w, mbit | 126);
        wb_byte(w, (uint8_t)(len >> 8));
        wb_byte(w, (uint8_t)len);
    } else {
        wb_byte(w, mbit | 127);
        for (int i = 7; i >= 0; i--) wb_byte(w, (uint8_t)((uint64_t)len >> (8 * i)));
    }
    if (key) wb_put(w, key, 4);
    wb_reserve(w, len);
    for (size_t i = 0; i < len; i++) w->p[w->n + i] = (uint8_t)(pl[i] ^ (key ? key[i & 3] : 0));
    w->n += len;
}

/* ---- the callback recorder ------------------------------------------------------ */

struct rec {
    char *log;              /* the event log */
    size_t len, cap;        /* its length and allocated size */
    int data_open;          /* a D line is being merged */
    uint64_t data_n;        /* bytes in it */
    uint32_t data_fnv;      /* FNV-1a of them */
    uint8_t head[32];       /* the first bytes of it */
    size_t head_n;          /* how many of head are used */
    uint64_t limit;         /* frame_data logs the first `limit` bytes of each frame */
    int stop;               /* and returns 0 ("no more") once it has them */
    int stopped;            /* it did, for the current frame */
    uint64_t frame_n;       /* bytes logged of the current frame (at most limit) */
    uint64_t raw_n;         /* bytes frame_data got in the current frame, past the limit too */
    uint64_t raw_total;     /* ... in every frame */
    unsigned nmsg;          /* messages seen */
    unsigned nlost;         /* lost() calls */
    unsigned nviol[WSI_V__COUNT];
    struct wsi_message last;   /* the last message (pointers fixed up to the copies below) */
    uint8_t *last_preview;     /* copy of its preview (malloc) */
    uint8_t last_reason[128];  /* copy of its close reason */
};

static void rec_printf(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append a formatted line to the log, growing it as needed. */
static void rec_printf(struct rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(k >= 0);
    if (r->len + (size_t)k + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + (size_t)k + 1) cap *= 2;
        r->log = realloc(r->log, cap);
        assert_non_null(r->log);
        r->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(r->log + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    r->len += (size_t)k;
}

/* FNV-1a, to fingerprint long payloads in the log. */
static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}
#define FNV0 2166136261u

/* Printable rendering of up to 32 bytes (into out, 32*4+8 bytes). */
static void esc(char *out, const uint8_t *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 32; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\'' && p[i] != '\\') out[o++] = (char)p[i];
        else o += (size_t)sprintf(out + o, "\\x%02x", p[i]);
    }
    if (n > 32) o += (size_t)sprintf(out + o, "...");
    out[o] = 0;
}

/* Write the merged D line of the frame_data chunks seen since the last event. */
static void flush_data(struct rec *r)
{
    char hex[2 * 32 + 1];
    if (!r->data_open) return;
    for (size_t i = 0; i < r->head_n; i++) sprintf(hex + 2 * i, "%02x", r->head[i]);
    hex[2 * r->head_n] = 0;
    if (r->data_n > 32) rec_printf(r, "D n=%llu %s... fnv=%08x\n", (unsigned long long)r->data_n, hex, r->data_fnv);
    else rec_printf(r, "D n=%llu %s\n", (unsigned long long)r->data_n, hex);
    r->data_open = 0;
}

/* The callbacks: each logs one line (cb_data merges chunks into the pending D line). */
static void cb_begin(void *u, const struct wsi_frame *f)
{
    struct rec *r = u;
    char key[16] = "-";
    flush_data(r);
    if (f->masked) sprintf(key, "%02x%02x%02x%02x", f->mask[0], f->mask[1], f->mask[2], f->mask[3]);
    r->stopped = 0;
    r->frame_n = r->raw_n = 0;
    rec_printf(r, "B@%llu fin=%d rsv=%u op=%s mask=%s len7=%u len=%llu hdr=%u\n", (unsigned long long)f->offset,
               f->fin, f->rsv, wsi_opcode_name(f->opcode), key, f->len7, (unsigned long long)f->len, f->hdr_len);
}

static int cb_data(void *u, const struct wsi_frame *f, const uint8_t *p, size_t n)
{
    struct rec *r = u;
    assert_true(n > 0);
    assert_false(r->stopped);   /* nothing more after "no more" */
    r->raw_n += n;
    r->raw_total += n;
    assert_true(r->raw_n <= f->len);
    size_t use = r->limit - r->frame_n < n ? (size_t)(r->limit - r->frame_n) : n;
    if (use) {
        if (!r->data_open) {
            r->data_open = 1;
            r->data_n = 0;
            r->data_fnv = FNV0;
            r->head_n = 0;
        }
        for (size_t i = 0; i < use && r->head_n < sizeof r->head; i++) r->head[r->head_n++] = p[i];
        r->data_n += use;
        r->data_fnv = fnv(r->data_fnv, p, use);
        r->frame_n += use;
    }
    if (r->stop && r->frame_n >= r->limit) {
        r->stopped = 1;
        return 0;
    }
    return 1;
}

static void cb_end(void *u, const struct wsi_frame *f)
{
    struct rec *r = u;
    (void)f;
    flush_data(r);
    rec_printf(r, "E\n");
}

static void cb_msg(void *u, const struct wsi_message *m)
{
    struct rec *r = u;
    char pv[32 * 4 + 8], rs[32 * 4 + 8];
    flush_data(r);
    assert_true(m->preview_len <= m->len);
    esc(pv, m->preview, m->preview_len);
    rec_printf(r, "M %s len=%llu frames=%u rsv1=%d prev=%zu'%s'", wsi_opcode_name(m->opcode),
               (unsigned long long)m->len, m->nframes, m->rsv1, m->preview_len, pv);
    if (m->preview_len > 32) rec_printf(r, " pfnv=%08x", fnv(FNV0, m->preview, m->preview_len));
    rec_printf(r, " utf8=%d", m->utf8_valid);
    if (m->opcode == WSI_OP_CLOSE) {
        esc(rs, m->close_reason, m->close_reason_len);
        rec_printf(r, " code=%d reason=%zu'%s'", m->close_code, m->close_reason_len, rs);
    }
    rec_printf(r, " inc=%d\n", m->incomplete);
    r->nmsg++;
    r->last = *m;
    free(r->last_preview);
    r->last_preview = malloc(m->preview_len + 1);
    assert_non_null(r->last_preview);
    if (m->preview_len) memcpy(r->last_preview, m->preview, m->preview_len);
    r->last.preview = r->last_preview;
    assert_true(m->close_reason_len <= sizeof r->last_reason);
    if (m->close_reason_len) memcpy(r->last_reason, m->close_reason, m->close_reason_len);
    r->last.close_reason = r->last_reason;
}

static void cb_viol(void *u, enum wsi_violation v, const struct wsi_frame *f, const char *detail)
{
    struct rec *r = u;
    flush_data(r);
    assert_true(v > 0 && v < WSI_V__COUNT);
    r->nviol[v]++;
    rec_printf(r, "V %s@%lld: %s\n", wsi_violation_id(v), f ? (long long)f->offset : -1LL, detail ? detail : "");
}

static void cb_lost(void *u, uint64_t off, const char *why)
{
    struct rec *r = u;
    flush_data(r);
    r->nlost++;
    rec_printf(r, "L@%llu: %s\n", (unsigned long long)off, why);
}

static const struct wsi_ws_cb rec_cb = {cb_begin, cb_data, cb_end, cb_msg, cb_viol, cb_lost};
static const struct wsi_ws_cb rec_cb_nodata = {cb_begin, NULL, cb_end, cb_msg, cb_viol, cb_lost};

/* How the frame_data consumer behaves (NULL: logs every byte, never stops). */
struct consumer {
    uint64_t limit;   /* bytes of each frame it logs */
    int stop;         /* says "no more" once it has them */
    int nodata;       /* no frame_data callback at all */
};

/* Release a recorder's log and copies. */
static void rec_free(struct rec *r)
{
    free(r->log);
    free(r->last_preview);
    memset(r, 0, sizeof *r);
}

/* ---- scripts and chunkings ----------------------------------------------------------- */

enum { S_FEED, S_GAP, S_END };
struct step {
    int kind;          /* S_FEED, S_GAP or S_END */
    const uint8_t *p;  /* S_FEED: bytes */
    size_t n;          /* S_FEED: how many */
    uint64_t gap;      /* S_GAP: missing bytes */
};
#define FEEDB(buf) {S_FEED, (buf).p, (buf).n, 0}
#define FEEDS(str) {S_FEED, (const uint8_t *)(str), sizeof(str) - 1, 0}
#define GAP(g) {S_GAP, NULL, 0, (g)}
#define END {S_END, NULL, 0, 0}

enum { CH_WHOLE, CH_BYTES, CH_SPLIT, CH_RANDOM };

/* Run a script with one way of chunking the fed bytes; the log is left in r. */
static void run_c(const struct step *s, size_t ns, const struct wsi_ws_opts *o, const struct consumer *cons, int mode,
                  size_t k, struct rec *r)
{
    struct wsi_ws_decoder d;
    size_t base = 0, consumed = 0;
    uint32_t rnd = (uint32_t)k * 2654435761u + 1;
    memset(r, 0, sizeof *r);
    r->limit = cons ? cons->limit : UINT64_MAX;
    r->stop = cons && cons->stop;
    assert_int_equal(wsi_ws_init(&d, o, cons && cons->nodata ? &rec_cb_nodata : &rec_cb, r), 0);
    for (size_t i = 0; i < ns; i++) {
        if (s[i].kind == S_GAP) {
            wsi_ws_gap(&d, s[i].gap);
        } else if (s[i].kind == S_END) {
            wsi_ws_end(&d);
        } else {
            size_t at = 0;
            while (at < s[i].n) {
                size_t left = s[i].n - at, c = left;
                if (mode == CH_BYTES) {
                    c = 1;
                } else if (mode == CH_SPLIT) {
                    if (k > base + at && k < base + s[i].n) c = k - base - at;
                } else if (mode == CH_RANDOM) {
                    rnd ^= rnd << 13;
                    rnd ^= rnd >> 17;
                    rnd ^= rnd << 5;
                    c = 1 + rnd % 23;
                    if (c > left) c = left;
                }
                size_t got = wsi_ws_feed(&d, s[i].p + at, c);
                assert_true(got <= c);
                consumed += got;
                at += c;
            }
            base += s[i].n;
        }
    }
    flush_data(r);
    rec_printf(r, "C %zu\n", consumed);
    wsi_ws_free(&d);
}

/* Run every chunking; all logs must match the whole-feed one, which is left in out. */
static void run_all_c(const struct step *s, size_t ns, const struct wsi_ws_opts *o, const struct consumer *cons,
                      struct rec *out)
{
    struct rec r;
    size_t total = 0;
    for (size_t i = 0; i < ns; i++) total += s[i].kind == S_FEED ? s[i].n : 0;
    run_c(s, ns, o, cons, CH_WHOLE, 0, out);
    run_c(s, ns, o, cons, CH_BYTES, 0, &r);
    assert_string_equal(r.log, out->log);
    rec_free(&r);
    for (size_t k = 1; k < total; k++) {
        if (total > 3000 && k > 64 && k + 64 < total && k % 997 != 0) continue;
        run_c(s, ns, o, cons, CH_SPLIT, k, &r);
        assert_string_equal(r.log, out->log);
        rec_free(&r);
    }
    for (size_t seed = 1; seed <= 8; seed++) {
        run_c(s, ns, o, cons, CH_RANDOM, seed, &r);
        assert_string_equal(r.log, out->log);
        rec_free(&r);
    }
}

static void run_all(const struct step *s, size_t ns, const struct wsi_ws_opts *o, struct rec *out)
{
    run_all_c(s, ns, o, NULL, out);
}

/* Run every chunking with a consumer that logs the first `limit` bytes of each
 * frame and takes the rest too, then with one that says "no more" once it has
 * them (and, for limit 0, with no frame_data at all): every log must be the
 * same. The first one's log is left in out. */
static void run_stop(const struct step *s, size_t ns, const struct wsi_ws_opts *o, uint64_t limit, struct rec *out)
{
    struct consumer all = {limit, 0, 0}, stop = {limit, 1, 0}, none = {0, 0, 1};
    struct rec r;
    run_all_c(s, ns, o, &all, out);
    run_all_c(s, ns, o, &stop, &r);
    assert_string_equal(r.log, out->log);
    rec_free(&r);
    if (limit == 0) {
        run_all_c(s, ns, o, &none, &r);
        assert_string_equal(r.log, out->log);
        rec_free(&r);
    }
}

/* Options: client or server direction, RSV1 negotiated or not, preview cap. */
static struct wsi_ws_opts opts(int from_client, int rsv1, size_t preview)
{
    struct wsi_ws_opts o = {from_client, rsv1, preview};
    return o;
}

/* Run a script in every chunking and compare its log to `want`. */
static void expect_log(const struct step *s, size_t ns, const struct wsi_ws_opts *o, const char *want)
{
    struct rec r;
    run_all(s, ns, o, &r);
    assert_string_equal(r.log, want);
    rec_free(&r);
}

#define NS(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t KEY[4] = {0x37, 0xfa, 0x21, 0x3d};

/* ---- RFC 6455 §5.7 examples ------------------------------------------------------------- */

static void t_rfc_unmasked_text(void **st)
{
    (void)st;
    static const uint8_t in[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    struct step s[] = {{S_FEED, in, sizeof in, 0}, END};
    struct wsi_ws_opts o = opts(0, 0, 0);
    expect_log(s, NS(s), &o,
               "B@0 fin=1 rsv=0 op=text mask=- len7=5 len=5 hdr=2\n"
               "D n=5 48656c6c6f\n"
               "E\n"
               "M text len=5 frames=1 rsv1=0 prev=5'Hello' utf8=1 inc=0\n"
               "C 7\n");
}

static void t_rfc_masked_text(void **st)
{
    (void)st;
    static const uint8_t in[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct step s[] = {{S_FEED, in, sizeof in, 0}, END};
    struct wsi_ws_opts o = opts(1, 0, 0);
    expect_log(s, NS(s), &o,
               "B@0 fin=1 rsv=0 op=text mask=37fa213d len7=5 len=5 hdr=6\n"
               "D n=5 48656c6c6f\n"
               "E\n"
               "M text len=5 frames=1 rsv1=0 prev=5'Hello' utf8=1 inc=0\n"
               "C 11\n");
}

static void t_rfc_fragmented(void **st)
{
    (void)st;
    static const uint8_t in[] = {0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f};
    struct step s[] = {{S_FEED, in, sizeof in, 0}, END};
    struct wsi_ws_opts o = opts(0, 0, 0);
    expect_log(s, NS(s), &o,
               "B@0 fin=0 rsv=0 op=text mask=- len7=3 len=3 hdr=2\n"
               "D n=3 48656c\n"
               "E\n"
               "B@5 fin=1 rsv=0 op=continuation mask=- len7=2 len=2 hdr=2\n"
               "D n=2 6c6f\n"
               "E\n"
               "M text len=5 frames=2 rsv1=0 prev=5'Hello' utf8=1 inc=0\n"
               "C 9\n");
}

static void t_rfc_ping(void **st)
{
    (void)st;
    static const uint8_t in[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    struct step s[] = {{S_FEED, in, sizeof in, 0}, END};
    struct wsi_ws_opts o = opts(0, 0, 0);
    expect_log(s, NS(s), &o,
               "B@0 fin=1 rsv=0 op=ping mask=- len7=5 len=5 hdr=2\n"
               "D n=5 48656c6c6f\n"
               "E\n"
               "M ping len=5 frames=1 rsv1=0 prev=5'Hello' utf8=0 inc=0\n"
               "C 7\n");
}

static void t_rfc_masked_pong(void **st)
{
    (void)st;
    static const uint8_t in[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct step s[] = {{S_FEED, in, sizeof in, 0}, END};
    struct wsi_ws_opts o = opts(1, 0, 0);
    expect_log(s, NS(s), &o,
               "B@0 fin=1 rsv=0 op=pong mask=37fa213d len7=5 len=5 hdr=6\n"
               "D n=5 48656c6c6f\n"
               "E\n"
               "M pong len=5 frames=1 rsv1=0 prev=5'Hello' utf8=0 inc=0\n"
               "C 11\n");
}

/* A binary frame of `len` bytes i*7+3 with its header exactly as §5.7 shows it. */
static void big_binary(size_t len, const uint8_t *hdr, size_t hdr_len, unsigned len7)
{
    struct wbuf w = {0};
    uint8_t *pl = malloc(len);
    assert_non_null(pl);
    for (size_t i = 0; i < len; i++) pl[i] = (uint8_t)(i * 7 + 3);
    wb_put(&w, hdr, hdr_len);
    wb_put(&w, pl, len);
    struct step s[] = {FEEDB(w), END};
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct rec r;
    run_all(s, NS(s), &o, &r);

    char want[1024], hex[65];
    for (size_t i = 0; i < 32; i++) sprintf(hex + 2 * i, "%02x", pl[i]);
    char pv[32 * 4 + 8];
    esc(pv, pl, 256);
    snprintf(want, sizeof want,
             "B@0 fin=1 rsv=0 op=binary mask=- len7=%u len=%zu hdr=%zu\n"
             "D n=%zu %s... fnv=%08x\n"
             "E\n"
             "M binary len=%zu frames=1 rsv1=0 prev=256'%s' pfnv=%08x utf8=0 inc=0\n"
             "C %zu\n",
             len7, len, hdr_len, len, hex, fnv(FNV0, pl, len), len, pv, fnv(FNV0, pl, 256), w.n);
    assert_string_equal(r.log, want);
    assert_int_equal(r.last.len, len);
    assert_int_equal(r.last.preview_len, 256);
    assert_memory_equal(r.last.preview, pl, 256);
    rec_free(&r);
    free(pl);
    free(w.p);
}

static void t_rfc_256_binary(void **st)
{
    (void)st;
    static const uint8_t hdr[] = {0x82, 0x7E, 0x01, 0x00};
    big_binary(256, hdr, sizeof hdr, 126);
}

static void t_rfc_64k_binary(void **st)
{
    (void)st;
    static const uint8_t hdr[] = {0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    big_binary(65536, hdr, sizeof hdr, 127);
}

/* --payload all: a preview limit far above the message (here 1 GiB) keeps a 100,000-byte masked
 * message whole, byte for byte, in a buffer grown as its bytes came (not the limit allocated);
 * the default limit still keeps 256 bytes in 256. */
struct whole {
    uint8_t *copy;
    size_t len;
    uint64_t total;
    int n;
};

static void whole_msg(void *u, const struct wsi_message *m)
{
    struct whole *w = u;
    if (m->opcode != WSI_OP_TEXT) return;
    free(w->copy);
    w->copy = malloc(m->preview_len ? m->preview_len : 1);
    assert_non_null(w->copy);
    memcpy(w->copy, m->preview, m->preview_len);
    w->len = m->preview_len;
    w->total = m->len;
    w->n++;
}

static void t_preview_all(void **st)
{
    (void)st;
    const size_t len = 100000;
    uint8_t *pl = malloc(len), *wire = malloc(len + 14);
    assert_non_null(pl);
    assert_non_null(wire);
    for (size_t i = 0; i < len; i++) pl[i] = (uint8_t)('a' + i % 26);
    size_t h = 0;
    wire[h++] = 0x81;
    wire[h++] = 0x80 | 127;
    for (int k = 7; k >= 0; k--) wire[h++] = (uint8_t)((uint64_t)len >> (8 * k));
    memcpy(wire + h, KEY, 4);
    h += 4;
    for (size_t i = 0; i < len; i++) wire[h + i] = pl[i] ^ KEY[i % 4];
    static const struct wsi_ws_cb cb = {.message = whole_msg};
    for (int limit = 0; limit < 2; limit++) {
        struct wsi_ws_opts o = opts(1, 0, limit ? (size_t)1 << 30 : 256);
        struct wsi_ws_decoder d;
        struct whole w = {0};
        assert_int_equal(wsi_ws_init(&d, &o, &cb, &w), 0);
        assert_true(wsi_ws_held(&d) <= 4096); /* nothing like the limit up front */
        for (size_t off = 0; off < h + len; off += 1000) {
            size_t n = h + len - off < 1000 ? h + len - off : 1000;
            wsi_ws_feed(&d, wire + off, n);
        }
        assert_int_equal(w.n, 1);
        assert_int_equal(w.total, len);
        assert_int_equal(w.len, limit ? len : 256);
        assert_memory_equal(w.copy, pl, w.len);
        if (limit) assert_true(wsi_ws_held(&d) >= len && wsi_ws_held(&d) <= 2 * len);
        else assert_int_equal(wsi_ws_held(&d), 256);
        wsi_ws_free(&d);
        free(w.copy);
    }
    free(pl);
    free(wire);
}

/* ---- violations ---------------------------------------------------------------------- */

/* Run a script (every chunking) and return how often v was reported; the log stays in r. */
static unsigned count_v(const struct step *s, size_t ns, const struct wsi_ws_opts *o, enum wsi_violation v,
                        struct rec *r)
{
    run_all(s, ns, o, r);
    return r->nviol[v];
}

static void t_client_unmasked(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(1, 0, 0);
    struct step bad[] = {FEEDS("\x81\x05Hello"), END};
    assert_int_equal(count_v(bad, NS(bad), &o, WSI_V_CLIENT_UNMASKED, &r), 1);
    assert_non_null(strstr(r.log, "V client-unmasked@0: text frame from the client has MASK=0\n"));
    assert_non_null(strstr(r.log, "M text len=5 frames=1 rsv1=0 prev=5'Hello' utf8=1 inc=0\n"));
    rec_free(&r);
    /* the same frame from the server is fine */
    o = opts(0, 0, 0);
    assert_int_equal(count_v(bad, NS(bad), &o, WSI_V_CLIENT_UNMASKED, &r), 0);
    assert_null(strstr(r.log, "V "));
    rec_free(&r);
}

static void t_server_masked(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step bad[] = {FEEDS("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"), END};
    assert_int_equal(count_v(bad, NS(bad), &o, WSI_V_SERVER_MASKED, &r), 1);
    assert_non_null(strstr(r.log, "V server-masked@0: text frame from the server has MASK=1\n"));
    assert_non_null(strstr(r.log, "prev=5'Hello'"));
    assert_int_equal(r.nviol[WSI_V_CLIENT_UNMASKED], 0);
    rec_free(&r);
}

static void t_rsv_bits(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts plain = opts(0, 0, 0), deflate = opts(0, 1, 0);
    struct step rsv1[] = {FEEDS("\xC1\x02hi"), END};
    assert_int_equal(count_v(rsv1, NS(rsv1), &plain, WSI_V_RSV_NOT_NEGOTIATED, &r), 1);
    assert_non_null(strstr(r.log, "V rsv-not-negotiated@0: RSV1 set\n"));
    assert_non_null(strstr(r.log, "B@0 fin=1 rsv=4 op=text"));
    rec_free(&r);
    /* negotiated: fine, and the (compressed) text is not UTF-8 checked */
    struct step rsv1c[] = {FEEDS("\xC1\x02\xff\xfe"), END};
    assert_int_equal(count_v(rsv1c, NS(rsv1c), &deflate, WSI_V_RSV_NOT_NEGOTIATED, &r), 0);
    assert_int_equal(r.nviol[WSI_V_INVALID_UTF8], 0);
    assert_non_null(strstr(r.log, "M text len=2 frames=1 rsv1=1 prev=2'\\xff\\xfe' utf8=-1 inc=0\n"));
    rec_free(&r);
    /* RSV2 and RSV3 are never negotiated */
    struct step rsv2[] = {FEEDS("\xA1\x02hi"), END};
    assert_int_equal(count_v(rsv2, NS(rsv2), &deflate, WSI_V_RSV_NOT_NEGOTIATED, &r), 1);
    assert_non_null(strstr(r.log, ": RSV2 set (only RSV1 was negotiated)"));
    rec_free(&r);
    struct step rsv3[] = {FEEDS("\x91\x02hi"), END};
    assert_int_equal(count_v(rsv3, NS(rsv3), &deflate, WSI_V_RSV_NOT_NEGOTIATED, &r), 1);
    assert_non_null(strstr(r.log, "rsv=1 op=text"));
    rec_free(&r);
    struct step all[] = {FEEDS("\xF1\x02hi"), END};
    assert_int_equal(count_v(all, NS(all), &plain, WSI_V_RSV_NOT_NEGOTIATED, &r), 1);
    assert_non_null(strstr(r.log, ": RSV1+RSV2+RSV3 set\n"));
    rec_free(&r);
}

static void t_reserved_opcodes(void **st)
{
    (void)st;
    static const unsigned ops[] = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF};
    struct wsi_ws_opts o = opts(0, 0, 0);
    for (size_t i = 0; i < NS(ops); i++) {
        struct wbuf w = {0};
        char want[512];
        wb_frame(&w, 0x80 | ops[i], NULL, "xy", 2, 0);
        wb_frame(&w, 0x81, NULL, "ok", 2, 0);
        struct step s[] = {FEEDB(w), END};
        const char *name = wsi_opcode_name(ops[i]);
        snprintf(want, sizeof want,
                 "V reserved-opcode@0: opcode 0x%X (%s)\n"
                 "B@0 fin=1 rsv=0 op=%s mask=- len7=2 len=2 hdr=2\n"
                 "D n=2 7879\n"
                 "E\n"
                 "M %s len=2 frames=1 rsv1=0 prev=2'xy' utf8=0 inc=0\n"
                 "B@4 fin=1 rsv=0 op=text mask=- len7=2 len=2 hdr=2\n"
                 "D n=2 6f6b\n"
                 "E\n"
                 "M text len=2 frames=1 rsv1=0 prev=2'ok' utf8=1 inc=0\n"
                 "C 8\n",
                 ops[i], name, name, name);
        expect_log(s, NS(s), &o, want);
        free(w.p);
    }
}

static void t_reserved_inside_fragmented(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step s[] = {FEEDS("\x01\x03Hel" "\x83\x01x" "\x80\x02lo"), END};
    run_all(s, NS(s), &o, &r);
    assert_int_equal(r.nviol[WSI_V_RESERVED_OPCODE], 1);
    assert_int_equal(r.nviol[WSI_V_DATA_INSIDE_FRAGMENTED], 0);
    assert_int_equal(r.nviol[WSI_V_CONT_WITHOUT_START], 0);
    assert_non_null(strstr(r.log, "M reserved-data-3 len=1 frames=1 rsv1=0 prev=1'x' utf8=0 inc=0\n"
                                  "B@8 fin=1 rsv=0 op=continuation"));
    assert_non_null(strstr(r.log, "M text len=5 frames=2 rsv1=0 prev=5'Hello' utf8=1 inc=0\n"));
    rec_free(&r);
}

static void t_control_too_long(void **st)
{
    (void)st;
    struct wbuf w = {0};
    uint8_t pl[200];
    struct rec r;
    for (size_t i = 0; i < sizeof pl; i++) pl[i] = (uint8_t)('a' + i % 26);
    wb_frame(&w, 0x89, NULL, pl, 126, 0);
    wb_frame(&w, 0x81, NULL, "hi", 2, 0);
    struct step s[] = {FEEDB(w), END};
    struct wsi_ws_opts o = opts(0, 0, 0);
    assert_int_equal(count_v(s, NS(s), &o, WSI_V_CONTROL_TOO_LONG, &r), 1);
    assert_non_null(strstr(r.log, "V control-too-long@0: ping frame with a 126-byte payload; only the first 125 "
                                  "bytes are kept\nB@0 fin=1 rsv=0 op=ping mask=- len7=126 len=126 hdr=4\n"));
    assert_non_null(strstr(r.log, "M ping len=126 frames=1 rsv1=0 prev=125'"));
    /* still framed: the next frame decodes where it should */
    assert_non_null(strstr(r.log, "B@130 fin=1 rsv=0 op=text mask=- len7=2 len=2 hdr=2\n"));
    assert_non_null(strstr(r.log, "M text len=2 frames=1 rsv1=0 prev=2'hi' utf8=1 inc=0\n"));
    assert_int_equal(r.nviol[WSI_V_NON_MINIMAL_LENGTH], 0);
    rec_free(&r);

    /* a 200-byte close: code and the kept part of the reason; 125 is fine */
    w.n = 0;
    pl[0] = 0x03;
    pl[1] = 0xE8;
    wb_frame(&w, 0x88, NULL, pl, 200, 0);
    struct step s2[] = {FEEDB(w), END};
    assert_int_equal(count_v(s2, NS(s2), &o, WSI_V_CONTROL_TOO_LONG, &r), 1);
    assert_int_equal(r.last.close_code, 1000);
    assert_int_equal(r.last.preview_len, 125);
    assert_int_equal(r.last.close_reason_len, 123);
    assert_memory_equal(r.last.close_reason, pl + 2, 123);
    assert_int_equal(r.last.utf8_valid, 1);
    rec_free(&r);

    w.n = 0;
    wb_frame(&w, 0x8A, NULL, pl, 125, 0);
    struct step s3[] = {FEEDB(w), END};
    assert_int_equal(count_v(s3, NS(s3), &o, WSI_V_CONTROL_TOO_LONG, &r), 0);
    assert_int_equal(r.last.preview_len, 125);
    rec_free(&r);
    free(w.p);
}

static void t_control_fragmented(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step s[] = {FEEDS("\x09\x01p\x8a\x00"), END};
    assert_int_equal(count_v(s, NS(s), &o, WSI_V_CONTROL_FRAGMENTED, &r), 1);
    assert_non_null(strstr(r.log, "V control-fragmented@0: ping frame with FIN=0\n"));
    assert_non_null(strstr(r.log, "M ping len=1 frames=1 rsv1=0 prev=1'p' utf8=0 inc=0\n"));
    assert_non_null(strstr(r.log, "M pong len=0"));
    rec_free(&r);
}

static void t_non_minimal_length(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    uint8_t pl[65536] = {0};
    struct wbuf w = {0};

    wb_frame(&w, 0x82, NULL, "abcde", 5, 16);
    struct step s1[] = {FEEDB(w), END};
    assert_int_equal(count_v(s1, NS(s1), &o, WSI_V_NON_MINIMAL_LENGTH, &r), 1);
    assert_non_null(strstr(r.log, "V non-minimal-length@0: length 5 sent in the 16-bit field; it fits in 7 bits\n"
                                  "B@0 fin=1 rsv=0 op=binary mask=- len7=126 len=5 hdr=4\n"));
    assert_non_null(strstr(r.log, "prev=5'abcde'"));
    rec_free(&r);

    w.n = 0;
    wb_frame(&w, 0x82, NULL, "abcde", 5, 64);
    struct step s2[] = {FEEDB(w), END};
    assert_int_equal(count_v(s2, NS(s2), &o, WSI_V_NON_MINIMAL_LENGTH, &r), 1);
    assert_non_null(strstr(r.log, "length 5 sent in the 64-bit field; it fits in 7 bits"));
    assert_non_null(strstr(r.log, "len7=127 len=5 hdr=10\n"));
    rec_free(&r);

    w.n = 0;
    wb_frame(&w, 0x82, NULL, pl, 65535, 64);
    struct step s3[] = {FEEDB(w), END};
    assert_int_equal(count_v(s3, NS(s3), &o, WSI_V_NON_MINIMAL_LENGTH, &r), 1);
    assert_non_null(strstr(r.log, "length 65535 sent in the 64-bit field; it fits in 16 bits"));
    rec_free(&r);

    /* the smallest lengths of each encoding are minimal */
    w.n = 0;
    wb_frame(&w, 0x82, NULL, pl, 126, 16);
    wb_frame(&w, 0x82, NULL, pl, 65536, 64);
    wb_frame(&w, 0x82, NULL, pl, 125, 7);
    struct step s4[] = {FEEDB(w), END};
    assert_int_equal(count_v(s4, NS(s4), &o, WSI_V_NON_MINIMAL_LENGTH, &r), 0);
    assert_int_equal(r.nmsg, 3);
    rec_free(&r);
    free(w.p);
}

static void t_length_top_bit(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step s[] = {FEEDS("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x05" "abcde" "\x81\x02hi"), END};
    expect_log(s, NS(s), &o,
               "V length-top-bit@0: 64-bit length 0x8000000000000005\n"
               "L@0: frame at offset 0 has a 64-bit length with its top bit set; its end is unknown\n"
               "C 10\n");

    /* after a good frame: offsets, and the rest of the input is refused */
    struct wsi_ws_decoder d;
    static const uint8_t in[] = {0x81, 0x01, 'a', 0x82, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 'z', 'z'};
    memset(&r, 0, sizeof r);
    assert_int_equal(wsi_ws_init(&d, &o, &rec_cb, &r), 0);
    assert_int_equal(wsi_ws_feed(&d, in, sizeof in), 13);
    assert_int_equal(wsi_ws_feed(&d, in, sizeof in), 0);
    wsi_ws_gap(&d, 5);
    wsi_ws_end(&d);
    wsi_ws_free(&d);
    assert_int_equal(r.nlost, 1);
    assert_int_equal(r.nmsg, 1);
    assert_non_null(strstr(r.log, "L@3: frame at offset 3"));
    rec_free(&r);
}

static void t_close_payload_1(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step s[] = {FEEDS("\x88\x01\x03"), END};
    expect_log(s, NS(s), &o,
               "V close-payload-1@0: a status code needs 2 bytes; the payload has 1\n"
               "B@0 fin=1 rsv=0 op=close mask=- len7=1 len=1 hdr=2\n"
               "D n=1 03\n"
               "E\n"
               "M close len=1 frames=1 rsv1=0 prev=1'\\x03' utf8=1 code=-1 reason=0'' inc=0\n"
               "C 3\n");
    /* empty and 2-byte close payloads are fine */
    struct step ok[] = {FEEDS("\x88\x00"), END};
    assert_int_equal(count_v(ok, NS(ok), &o, WSI_V_CLOSE_PAYLOAD_1, &r), 0);
    assert_non_null(strstr(r.log, "M close len=0 frames=1 rsv1=0 prev=0'' utf8=1 code=-1 reason=0'' inc=0\n"));
    rec_free(&r);
}

static void t_close_codes_table(void **st)
{
    (void)st;
    static const struct {
        int code;
        int valid;
    } tab[] = {
        {0, 0},    {999, 0},  {1000, 1}, {1001, 1}, {1002, 1}, {1003, 1}, {1004, 0}, {1005, 0}, {1006, 0},
        {1007, 1}, {1008, 1}, {1009, 1}, {1010, 1}, {1011, 1}, {1012, 1}, {1013, 1}, {1014, 1}, {1015, 0},
        {1016, 0}, {2000, 0}, {2999, 0}, {3000, 1}, {3999, 1}, {4000, 1}, {4999, 1}, {5000, 0}, {65535, 0},
    };
    struct wsi_ws_opts o = opts(1, 0, 0);
    assert_int_equal(wsi_close_code_valid(-1), 0);
    for (size_t i = 0; i < NS(tab); i++) {
        struct wbuf w = {0};
        struct rec r;
        uint8_t pl[5] = {(uint8_t)(tab[i].code >> 8), (uint8_t)tab[i].code, 'b', 'y', 'e'};
        assert_int_equal(wsi_close_code_valid(tab[i].code), tab[i].valid);
        wb_frame(&w, 0x88, KEY, pl, sizeof pl, 0);
        struct step s[] = {FEEDB(w), END};
        assert_int_equal(count_v(s, NS(s), &o, WSI_V_CLOSE_CODE_INVALID, &r), !tab[i].valid);
        assert_int_equal(r.last.close_code, tab[i].code);
        assert_int_equal(r.last.close_reason_len, 3);
        assert_memory_equal(r.last.close_reason, "bye", 3);
        assert_int_equal(r.last.utf8_valid, 1);
        if (!tab[i].valid) {
            char want[96];
            snprintf(want, sizeof want, "V close-code-invalid@0: close code %d", tab[i].code);
            assert_non_null(strstr(r.log, want));
        }
        rec_free(&r);
        free(w.p);
    }
    /* the detail names the code when it has a name */
    struct rec r;
    struct step s[] = {FEEDS("\x88\x82\0\0\0\0\x03\xed"), END};
    run_all(s, NS(s), &o, &r);
    assert_non_null(strstr(r.log, "close code 1005 (no status) may not be sent\n"));
    rec_free(&r);
}

static void t_close_reason_utf8(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step bad[] = {FEEDS("\x88\x05\x03\xe8\xe8\xc0\xaf"), END};
    assert_int_equal(count_v(bad, NS(bad), &o, WSI_V_INVALID_UTF8, &r), 1);
    assert_non_null(strstr(r.log, "V invalid-utf8@0: close reason: byte 0xC0 at payload offset 3 of this frame"));
    assert_int_equal(r.last.utf8_valid, 0);
    assert_int_equal(r.last.close_code, 1000);
    rec_free(&r);
    /* a reason that stops in mid-character */
    struct step cut[] = {FEEDS("\x88\x04\x03\xe8\xe2\x82"), END};
    assert_int_equal(count_v(cut, NS(cut), &o, WSI_V_INVALID_UTF8, &r), 1);
    assert_non_null(strstr(r.log, "close reason ends in the middle of a UTF-8 sequence"));
    rec_free(&r);
    /* a valid multi-byte reason; the code's bytes are not text */
    struct step good[] = {FEEDS("\x88\x05\x03\xe8\xe2\x82\xac"), END};
    assert_int_equal(count_v(good, NS(good), &o, WSI_V_INVALID_UTF8, &r), 0);
    assert_int_equal(r.last.utf8_valid, 1);
    assert_int_equal(r.last.close_reason_len, 3);
    rec_free(&r);
    struct step code_hi[] = {FEEDS("\x88\x02\x0f\xa0"), END};   /* 4000: 0x0FA0, 0xA0 alone is not UTF-8 */
    assert_int_equal(count_v(code_hi, NS(code_hi), &o, WSI_V_INVALID_UTF8, &r), 0);
    rec_free(&r);
}

static void t_data_after_close(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    /* a ping and a second close after a close are not data (faye-websocket sends two closes) */
    struct step ctl[] = {FEEDS("\x88\x02\x03\xe8" "\x89\x00" "\x88\x00"), END};
    assert_int_equal(count_v(ctl, NS(ctl), &o, WSI_V_DATA_AFTER_CLOSE, &r), 0);
    rec_free(&r);
    /* a text and a binary after it are */
    struct step s[] = {FEEDS("\x88\x02\x03\xe8" "\x81\x01x" "\x82\x00"), END};
    assert_int_equal(count_v(s, NS(s), &o, WSI_V_DATA_AFTER_CLOSE, &r), 2);
    assert_non_null(strstr(r.log, "V data-after-close@4: text frame after this side's close frame\n"));
    assert_non_null(strstr(r.log, "V data-after-close@7: binary frame after this side's close frame\n"));
    rec_free(&r);
    struct step ok[] = {FEEDS("\x89\x00\x88\x00"), END};
    assert_int_equal(count_v(ok, NS(ok), &o, WSI_V_DATA_AFTER_CLOSE, &r), 0);
    rec_free(&r);
}

static void t_cont_without_start(void **st)
{
    (void)st;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step s[] = {FEEDS("\x80\x02hi" "\x81\x01!"), END};
    expect_log(s, NS(s), &o,
               "V continuation-without-start@0: no fragmented message is open; this frame joins no message\n"
               "B@0 fin=1 rsv=0 op=continuation mask=- len7=2 len=2 hdr=2\n"
               "D n=2 6869\n"
               "E\n"
               "B@4 fin=1 rsv=0 op=text mask=- len7=1 len=1 hdr=2\n"
               "D n=1 21\n"
               "E\n"
               "M text len=1 frames=1 rsv1=0 prev=1'!' utf8=1 inc=0\n"
               "C 7\n");
    /* a finished message leaves nothing to continue */
    struct rec r;
    struct step s2[] = {FEEDS("\x01\x01" "a" "\x80\x01" "b" "\x80\x01" "c"), END};
    assert_int_equal(count_v(s2, NS(s2), &o, WSI_V_CONT_WITHOUT_START, &r), 1);
    assert_non_null(strstr(r.log, "V continuation-without-start@6"));
    assert_int_equal(r.nmsg, 1);
    rec_free(&r);
}

static void t_data_inside_fragmented(void **st)
{
    (void)st;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step s[] = {FEEDS("\x01\x03Hel" "\x82\x02yo"), END};
    expect_log(s, NS(s), &o,
               "B@0 fin=0 rsv=0 op=text mask=- len7=3 len=3 hdr=2\n"
               "D n=3 48656c\n"
               "E\n"
               "V data-inside-fragmented@5: binary frame while a text message (1 frame) awaits its final fragment; "
               "that message is delivered as incomplete\n"
               "M text len=3 frames=1 rsv1=0 prev=3'Hel' utf8=1 inc=1\n"
               "B@5 fin=1 rsv=0 op=binary mask=- len7=2 len=2 hdr=2\n"
               "D n=2 796f\n"
               "E\n"
               "M binary len=2 frames=1 rsv1=0 prev=2'yo' utf8=0 inc=0\n"
               "C 9\n");
}

static void t_control_between_fragments(void **st)
{
    (void)st;
    struct wsi_ws_opts o = opts(1, 0, 0);
    struct wbuf w = {0};
    wb_frame(&w, 0x01, KEY, "Hel", 3, 0);
    wb_frame(&w, 0x89, KEY, "p", 1, 0);
    wb_frame(&w, 0x88, KEY, "\x03\xe8ok", 4, 0);
    wb_frame(&w, 0x80, KEY, "lo", 2, 0);
    struct step s[] = {FEEDB(w), END};
    expect_log(s, NS(s), &o,
               "B@0 fin=0 rsv=0 op=text mask=37fa213d len7=3 len=3 hdr=6\n"
               "D n=3 48656c\n"
               "E\n"
               "B@9 fin=1 rsv=0 op=ping mask=37fa213d len7=1 len=1 hdr=6\n"
               "D n=1 70\n"
               "E\n"
               "M ping len=1 frames=1 rsv1=0 prev=1'p' utf8=0 inc=0\n"
               "B@16 fin=1 rsv=0 op=close mask=37fa213d len7=4 len=4 hdr=6\n"
               "D n=4 03e86f6b\n"
               "E\n"
               "M close len=4 frames=1 rsv1=0 prev=4'\\x03\\xe8ok' utf8=1 code=1000 reason=2'ok' inc=0\n"
               "V data-after-close@26: continuation frame after this side's close frame\n"
               "B@26 fin=1 rsv=0 op=continuation mask=37fa213d len7=2 len=2 hdr=6\n"
               "D n=2 6c6f\n"
               "E\n"
               "M text len=5 frames=2 rsv1=0 prev=5'Hello' utf8=1 inc=0\n"
               "C 34\n");
    free(w.p);
}

/* ---- UTF-8 ------------------------------------------------------------------------------------ */

/* Validate a whole string, then byte by byte; both must agree. */
static uint32_t utf8_all(const char *s, size_t n)
{
    uint32_t a = wsi_utf8_feed(WSI_UTF8_ACCEPT, (const uint8_t *)s, n);
    uint32_t b = WSI_UTF8_ACCEPT;
    for (size_t i = 0; i < n; i++) b = wsi_utf8_feed(b, (const uint8_t *)s + i, 1);
    assert_int_equal(a, b);
    return a;
}
#define U8(lit) utf8_all(lit, sizeof(lit) - 1)

static void t_utf8_validator(void **st)
{
    (void)st;
    /* valid, at the edges of each range */
    assert_int_equal(U8(""), WSI_UTF8_ACCEPT);
    assert_int_equal(U8("plain ASCII text, long enough for the 8-byte path"), WSI_UTF8_ACCEPT);
    assert_int_equal(U8("\x7f"), WSI_UTF8_ACCEPT);
    assert_int_equal(U8("\xc2\x80"), WSI_UTF8_ACCEPT);
    assert_int_equal(U8("\xdf\xbf"), WSI_UTF8_ACCEPT);
    assert_int_equal(U8("\xe0\xa0\x80"), WSI_UTF8_ACCEPT);
    assert_int_equal(U8("\xed\x9f\xbf"), WSI_UTF8_ACCEPT);   /* U+D7FF */
    assert_int_equal(U8("\xee\x80\x80"), WSI_UTF8_ACCEPT);   /* U+E000 */
    assert_int_equal(U8("\xef\xbf\xbf"), WSI_UTF8_ACCEPT);
    assert_int_equal(U8("\xf0\x90\x80\x80"), WSI_UTF8_ACCEPT);
    assert_int_equal(U8("\xf4\x8f\xbf\xbf"), WSI_UTF8_ACCEPT); /* U+10FFFF */
    assert_int_equal(U8("Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x98\x80 12345678"), WSI_UTF8_ACCEPT);
    /* overlongs */
    assert_int_equal(U8("\xc0\x80"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xc1\xbf"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xe0\x80\x80"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xe0\x9f\xbf"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xf0\x80\x80\x80"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xf0\x8f\xbf\xbf"), WSI_UTF8_REJECT);
    /* surrogates */
    assert_int_equal(U8("\xed\xa0\x80"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xed\xbf\xbf"), WSI_UTF8_REJECT);
    /* above U+10FFFF */
    assert_int_equal(U8("\xf4\x90\x80\x80"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xf5\x80\x80\x80"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xff"), WSI_UTF8_REJECT);
    /* stray continuation, missing continuation */
    assert_int_equal(U8("\x80"), WSI_UTF8_REJECT);
    assert_int_equal(U8("abc\xbf"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xe2\x82\x41"), WSI_UTF8_REJECT);
    assert_int_equal(U8("\xc3\xc3\xbc"), WSI_UTF8_REJECT);
    /* a bad or multi-byte character at every position of the 8-byte ASCII fast path */
    for (size_t at = 0; at < 24; at++) {
        char t[32];
        memset(t, 'a', sizeof t);
        t[at] = (char)0xff;
        assert_int_equal(utf8_all(t, sizeof t), WSI_UTF8_REJECT);
        t[at] = (char)0xc3;
        t[at + 1] = (char)0xbc;
        assert_int_equal(utf8_all(t, sizeof t), WSI_UTF8_ACCEPT);
        t[at + 1] = 'a';
        assert_int_equal(utf8_all(t, sizeof t), WSI_UTF8_REJECT);
    }
    /* mid-sequence is neither accept nor reject, and reject is sticky */
    uint32_t s = U8("ab\xf0\x9f");
    assert_true(s != WSI_UTF8_ACCEPT && s != WSI_UTF8_REJECT);
    assert_int_equal(wsi_utf8_feed(s, (const uint8_t *)"\x98\x80", 2), WSI_UTF8_ACCEPT);
    assert_int_equal(wsi_utf8_feed(WSI_UTF8_REJECT, (const uint8_t *)"ok", 2), WSI_UTF8_REJECT);
    assert_int_equal(wsi_utf8_feed(WSI_UTF8_REJECT, NULL, 0), WSI_UTF8_REJECT);
}

static void t_utf8_across_fragments(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    /* € split between two fragments with a ping in between */
    struct step good[] = {FEEDS("\x01\x02" "a\xe2" "\x89\x01\xff" "\x80\x02\x82\xac"), END};
    assert_int_equal(count_v(good, NS(good), &o, WSI_V_INVALID_UTF8, &r), 0);
    assert_non_null(strstr(r.log, "M text len=4 frames=2 rsv1=0 prev=4'a\\xe2\\x82\\xac' utf8=1 inc=0\n"));
    rec_free(&r);
    /* the sequence goes wrong in the second fragment */
    struct step bad[] = {FEEDS("\x01\x03" "a\xe2\x82" "\x80\x01" "A"), END};
    assert_int_equal(count_v(bad, NS(bad), &o, WSI_V_INVALID_UTF8, &r), 1);
    assert_non_null(strstr(r.log, "V invalid-utf8@5: text message: byte 0x41 at payload offset 0 of this frame is "
                                  "not valid UTF-8\n"));
    assert_non_null(strstr(r.log, "utf8=0 inc=0\n"));
    rec_free(&r);
    /* the message ends in the middle of a character */
    struct step cut[] = {FEEDS("\x01\x01" "a" "\x80\x02\xe2\x82"), END};
    assert_int_equal(count_v(cut, NS(cut), &o, WSI_V_INVALID_UTF8, &r), 1);
    assert_non_null(strstr(r.log, "E\nV invalid-utf8@3: text message ends in the middle of a UTF-8 sequence\nM text"));
    rec_free(&r);
    /* reported once per message even with more bad bytes; the next message starts clean */
    struct step twice[] = {FEEDS("\x01\x02\xff\xff" "\x80\x01\xfe" "\x81\x02ok"), END};
    assert_int_equal(count_v(twice, NS(twice), &o, WSI_V_INVALID_UTF8, &r), 1);
    assert_non_null(strstr(r.log, "M text len=2 frames=1 rsv1=0 prev=2'ok' utf8=1 inc=0\n"));
    rec_free(&r);
    /* binary is not text */
    struct step bin[] = {FEEDS("\x82\x02\xff\xfe"), END};
    assert_int_equal(count_v(bin, NS(bin), &o, WSI_V_INVALID_UTF8, &r), 0);
    rec_free(&r);
    /* overlong / surrogate / too large inside a masked text frame */
    static const char *const evil[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
    o = opts(1, 0, 0);
    for (size_t i = 0; i < NS(evil); i++) {
        struct wbuf w = {0};
        wb_frame(&w, 0x81, KEY, evil[i], strlen(evil[i]), 0);
        struct step s[] = {FEEDB(w), END};
        assert_int_equal(count_v(s, NS(s), &o, WSI_V_INVALID_UTF8, &r), 1);
        assert_int_equal(r.last.utf8_valid, 0);
        rec_free(&r);
        free(w.p);
    }
}

/* ---- gaps and the end of the stream ---------------------------------------------------------- */

static void t_gap_inside_payload(void **st)
{
    (void)st;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step s[] = {FEEDS("\x81\x0bHel"), GAP(3), FEEDS("world" "\x81\x02hi"), END};
    expect_log(s, NS(s), &o,
               "B@0 fin=1 rsv=0 op=text mask=- len7=11 len=11 hdr=2\n"
               "D n=8 48656c776f726c64\n"
               "E\n"
               "M text len=11 frames=1 rsv1=0 prev=3'Hel' utf8=1 inc=1\n"
               "B@13 fin=1 rsv=0 op=text mask=- len7=2 len=2 hdr=2\n"
               "D n=2 6869\n"
               "E\n"
               "M text len=2 frames=1 rsv1=0 prev=2'hi' utf8=1 inc=0\n"
               "C 14\n");
}

static void t_gap_masked_phase(void **st)
{
    (void)st;
    struct wsi_ws_opts o = opts(1, 0, 0);
    struct wbuf w = {0};
    wb_frame(&w, 0x01, KEY, "Hello world", 11, 0);     /* header 6 bytes, payload 11 */
    wb_frame(&w, 0x80, KEY, "!", 1, 0);
    /* feed the header and "He", skip "llo", feed " world" and the next frame */
    struct step s[] = {{S_FEED, w.p, 8, 0}, GAP(3), {S_FEED, w.p + 11, w.n - 11, 0}, END};
    expect_log(s, NS(s), &o,
               "B@0 fin=0 rsv=0 op=text mask=37fa213d len7=11 len=11 hdr=6\n"
               "D n=8 486520776f726c64\n"
               "E\n"
               "B@17 fin=1 rsv=0 op=continuation mask=37fa213d len7=1 len=1 hdr=6\n"
               "D n=1 21\n"
               "E\n"
               "M text len=12 frames=2 rsv1=0 prev=2'He' utf8=1 inc=1\n"
               "C 21\n");
    free(w.p);
}

static void t_gap_to_frame_end(void **st)
{
    (void)st;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step s[] = {FEEDS("\x89\x04pi"), GAP(2), FEEDS("\x81\x01x"), END};
    expect_log(s, NS(s), &o,
               "B@0 fin=1 rsv=0 op=ping mask=- len7=4 len=4 hdr=2\n"
               "D n=2 7069\n"
               "E\n"
               "M ping len=4 frames=1 rsv1=0 prev=2'pi' utf8=0 inc=1\n"
               "B@6 fin=1 rsv=0 op=text mask=- len7=1 len=1 hdr=2\n"
               "D n=1 78\n"
               "E\n"
               "M text len=1 frames=1 rsv1=0 prev=1'x' utf8=1 inc=0\n"
               "C 7\n");
}

static void t_gap_utf8_resync(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 0);
    /* "€€€" (9 bytes); the gap swallows the 2nd byte of the first € */
    struct step s[] = {FEEDS("\x81\x09\xe2"), GAP(1), FEEDS("\xac\xe2\x82\xac\xe2\x82\xac"), END};
    assert_int_equal(count_v(s, NS(s), &o, WSI_V_INVALID_UTF8, &r), 0);
    assert_non_null(strstr(r.log, "M text len=9 frames=1 rsv1=0 prev=1'\\xe2' utf8=1 inc=1\n"));
    rec_free(&r);
    /* real damage after the gap is still seen */
    struct step s2[] = {FEEDS("\x81\x06\xe2"), GAP(1), FEEDS("\xac" "a\xc0\xaf"), END};
    assert_int_equal(count_v(s2, NS(s2), &o, WSI_V_INVALID_UTF8, &r), 1);
    assert_non_null(strstr(r.log, "byte 0xC0 at payload offset 4 of this frame"));
    rec_free(&r);
    /* close reason: the gap covers the code, the reason is checked from the next character */
    struct step s3[] = {FEEDS("\x88\x06"), GAP(3), FEEDS("\x82\xac" "a"), END};
    assert_int_equal(count_v(s3, NS(s3), &o, WSI_V_INVALID_UTF8, &r), 0);
    assert_non_null(strstr(r.log, "M close len=6 frames=1 rsv1=0 prev=0'' utf8=1 code=-1 reason=0'' inc=1\n"));
    rec_free(&r);
}

static void t_gap_lost(void **st)
{
    (void)st;
    struct wsi_ws_opts o = opts(0, 0, 0);
    /* at a header boundary */
    struct step s1[] = {FEEDS("\x81\x01x"), GAP(4), FEEDS("\x81\x01y"), END};
    expect_log(s1, NS(s1), &o,
               "B@0 fin=1 rsv=0 op=text mask=- len7=1 len=1 hdr=2\n"
               "D n=1 78\n"
               "E\n"
               "M text len=1 frames=1 rsv1=0 prev=1'x' utf8=1 inc=0\n"
               "L@3: gap of 4 bytes where a frame header was expected\n"
               "C 3\n");
    /* inside a header */
    struct step s2[] = {FEEDS("\x81\x7e\x00"), GAP(1), FEEDS("\x81\x01y"), END};
    expect_log(s2, NS(s2), &o, "L@3: gap of 1 bytes inside the header of the frame at offset 0\nC 3\n");
    /* longer than what is left of the payload: the message in progress is dropped */
    struct step s3[] = {FEEDS("\x01\x01" "a" "\x80\x05" "ab"), GAP(4), FEEDS("\x81\x01y"), END};
    expect_log(s3, NS(s3), &o,
               "B@0 fin=0 rsv=0 op=text mask=- len7=1 len=1 hdr=2\n"
               "D n=1 61\n"
               "E\n"
               "B@3 fin=1 rsv=0 op=continuation mask=- len7=5 len=5 hdr=2\n"
               "D n=2 6162\n"
               "L@7: gap of 4 bytes runs past the end of the frame at offset 3 (3 payload bytes left)\n"
               "C 7\n");
    /* at the very start */
    struct step s4[] = {GAP(10), FEEDS("\x81\x01y"), END};
    expect_log(s4, NS(s4), &o, "L@0: gap of 10 bytes where a frame header was expected\nC 0\n");
}

static void t_end_cut(void **st)
{
    (void)st;
    struct wsi_ws_opts o = opts(0, 0, 0);
    struct step s1[] = {FEEDS("\x81\x01x\x81\x05He"), END};
    expect_log(s1, NS(s1), &o,
               "B@0 fin=1 rsv=0 op=text mask=- len7=1 len=1 hdr=2\n"
               "D n=1 78\n"
               "E\n"
               "M text len=1 frames=1 rsv1=0 prev=1'x' utf8=1 inc=0\n"
               "B@3 fin=1 rsv=0 op=text mask=- len7=5 len=5 hdr=2\n"
               "D n=2 4865\n"
               "L@3: stream ended inside a frame (2 of 5 payload bytes)\n"
               "C 7\n");
    struct step s2[] = {FEEDS("\x81\x7e\x01"), END};
    expect_log(s2, NS(s2), &o, "L@0: stream ended inside a frame header (3 of 4 bytes)\nC 3\n");
    struct step s3[] = {FEEDS("\x81"), END};
    expect_log(s3, NS(s3), &o, "L@0: stream ended inside a frame header (1 of at least 2 bytes)\nC 1\n");
    /* a fragmented message left open at a frame boundary is delivered incomplete */
    struct step s4[] = {FEEDS("\x02\x01z"), END, END};
    expect_log(s4, NS(s4), &o,
               "B@0 fin=0 rsv=0 op=binary mask=- len7=1 len=1 hdr=2\n"
               "D n=1 7a\n"
               "E\n"
               "M binary len=1 frames=1 rsv1=0 prev=1'z' utf8=0 inc=1\n"
               "C 3\n");
    /* after the end, nothing more is decoded */
    struct step s5[] = {END, FEEDS("\x81\x01x"), END};
    expect_log(s5, NS(s5), &o, "C 0\n");
}

static void t_huge_length_no_alloc(void **st)
{
    (void)st;
    const uint64_t big = 0x7FFFFFFFFFFFFFFFull;
    struct wsi_ws_opts o = opts(0, 0, 64);
    struct wbuf w = {0};
    uint8_t chunk[1000];
    for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (uint8_t)i;
    wb_put(&w, "\x82\x7f\x7f\xff\xff\xff\xff\xff\xff\xff", 10);
    wb_put(&w, chunk, sizeof chunk);
    struct step s[] = {FEEDB(w), GAP(big - sizeof chunk), FEEDS("\x81\x02hi"), END};
    struct rec r;
    run_all(s, NS(s), &o, &r);
    assert_non_null(strstr(r.log, "B@0 fin=1 rsv=0 op=binary mask=- len7=127 len=9223372036854775807 hdr=10\n"));
    assert_non_null(strstr(r.log, "M binary len=9223372036854775807 frames=1 rsv1=0 prev=64'"));
    assert_non_null(strstr(r.log, "B@9223372036854775817 fin=1 rsv=0 op=text"));
    assert_int_equal(r.nmsg, 2);
    assert_int_equal(r.nlost, 0);
    rec_free(&r);
    /* the same frame cut short */
    struct step s2[] = {FEEDB(w), END};
    run_all(s2, NS(s2), &o, &r);
    assert_non_null(strstr(r.log, "L@0: stream ended inside a frame (1000 of 9223372036854775807 payload bytes)\n"));
    assert_int_equal(r.nmsg, 0);
    rec_free(&r);
    free(w.p);
}

static void t_preview_cap(void **st)
{
    (void)st;
    struct rec r;
    struct wsi_ws_opts o = opts(0, 0, 4);
    struct step s[] = {FEEDS("\x01\x03Hel" "\x00\x02lo" "\x80\x06 world"), END};
    run_all(s, NS(s), &o, &r);
    assert_non_null(strstr(r.log, "M text len=11 frames=3 rsv1=0 prev=4'Hell' utf8=1 inc=0\n"));
    assert_non_null(strstr(r.log, "D n=6 20776f726c64\n"));   /* frame data is not capped */
    rec_free(&r);
    /* 0 means the default of 256 */
    uint8_t pl[300];
    struct wbuf w = {0};
    memset(pl, 'q', sizeof pl);
    wb_frame(&w, 0x82, NULL, pl, sizeof pl, 0);
    struct step s2[] = {FEEDB(w), END};
    o = opts(0, 0, 0);
    run_all(s2, NS(s2), &o, &r);
    assert_int_equal(r.last.preview_len, 256);
    assert_int_equal(r.last.len, 300);
    rec_free(&r);
    /* control frames keep their whole (legal) payload whatever the cap */
    o = opts(0, 0, 4);
    struct step s3[] = {FEEDS("\x88\x08\x03\xe8goodbye"), END};
    run_all(s3, NS(s3), &o, &r);
    assert_int_equal(r.last.close_reason_len, 6);
    assert_memory_equal(r.last.close_reason, "goodby", 6);
    rec_free(&r);
    free(w.p);
}

static void t_no_callbacks(void **st)
{
    (void)st;
    struct wsi_ws_decoder d;
    static const uint8_t in[] = {0x01, 0x01, 0xff, 0x89, 0x00, 0x80, 0x01, 0x80, 0x88, 0x01, 0x00};
    assert_int_equal(wsi_ws_init(&d, NULL, NULL, NULL), 0);
    assert_int_equal(wsi_ws_feed(&d, in, sizeof in), sizeof in);
    wsi_ws_gap(&d, 1);
    wsi_ws_end(&d);
    wsi_ws_free(&d);
    wsi_ws_free(&d);
}

/* ---- skipping what nobody reads ----------------------------------------------------------------- */

/* A payload of `len` bytes i*7+seed (malloc). */
static uint8_t *pattern(size_t len, unsigned seed)
{
    uint8_t *pl = malloc(len ? len : 1);
    assert_non_null(pl);
    for (size_t i = 0; i < len; i++) pl[i] = (uint8_t)(i * 7 + seed);
    return pl;
}

/* Hex of the first n bytes (n <= 32) into out. */
static void hexs(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}

static void t_skip_big_binary(void **st)
{
    (void)st;
    const size_t len = 65536;
    uint8_t *pl = pattern(len, 3);
    struct wbuf w = {0};
    wb_frame(&w, 0x82, KEY, pl, len, 0);
    struct step s[] = {FEEDB(w), END};
    struct wsi_ws_opts o = opts(1, 0, 16);
    struct rec r;
    char want[1024], hex[65], pv[32 * 4 + 8];
    hexs(hex, pl, 16);
    esc(pv, pl, 16);
    snprintf(want, sizeof want,
             "B@0 fin=1 rsv=0 op=binary mask=37fa213d len7=127 len=65536 hdr=14\n"
             "D n=16 %s\n"
             "E\n"
             "M binary len=65536 frames=1 rsv1=0 prev=16'%s' utf8=0 inc=0\n"
             "C %zu\n",
             hex, pv, w.n);
    run_stop(s, NS(s), &o, 16, &r);
    assert_string_equal(r.log, want);
    assert_int_equal(r.raw_total, len);   /* a consumer that keeps wanting gets every byte */
    rec_free(&r);

    /* one that stops gets nothing more: at most the chunk it stopped in */
    struct consumer stop = {16, 1, 0};
    run_c(s, NS(s), &o, &stop, CH_WHOLE, 0, &r);
    assert_string_equal(r.log, want);
    assert_true(r.raw_total >= 16 && r.raw_total <= 4096);
    rec_free(&r);
    run_c(s, NS(s), &o, &stop, CH_BYTES, 0, &r);
    assert_string_equal(r.log, want);
    assert_int_equal(r.raw_total, 16);
    rec_free(&r);

    /* the message preview still fills past what the consumer took */
    o = opts(1, 0, 300);
    run_stop(s, NS(s), &o, 10, &r);
    assert_int_equal(r.last.len, len);
    assert_int_equal(r.last.preview_len, 300);
    assert_memory_equal(r.last.preview, pl, 300);
    rec_free(&r);
    stop.limit = 10;
    run_c(s, NS(s), &o, &stop, CH_BYTES, 0, &r);
    assert_int_equal(r.raw_total, 10);
    assert_int_equal(r.last.preview_len, 300);
    assert_memory_equal(r.last.preview, pl, 300);
    rec_free(&r);

    /* unmasked (server) frames too */
    w.n = 0;
    wb_frame(&w, 0x82, NULL, pl, len, 0);
    struct step s2[] = {FEEDB(w), END};
    o = opts(0, 0, 16);
    run_stop(s2, NS(s2), &o, 0, &r);
    assert_non_null(strstr(r.log, "M binary len=65536 frames=1 rsv1=0 prev=16'"));
    rec_free(&r);
    stop.limit = 0;
    run_c(s2, NS(s2), &o, &stop, CH_BYTES, 0, &r);
    assert_int_equal(r.raw_total, 1);   /* it said "no more" at its first byte */
    rec_free(&r);
    free(pl);
    free(w.p);
}

static void t_skip_resets_each_frame(void **st)
{
    (void)st;
    enum { FLEN = 5000 };
    uint8_t *pl[3];
    struct wbuf w = {0};
    static const unsigned b0[3] = {0x02, 0x00, 0x80};
    for (unsigned j = 0; j < 3; j++) {
        pl[j] = pattern(FLEN, 3 + 50 * j);
        wb_frame(&w, b0[j], KEY, pl[j], FLEN, 0);
    }
    wb_frame(&w, 0x81, KEY, "hello", 5, 0);
    struct step s[] = {FEEDB(w), END};
    struct wsi_ws_opts o = opts(1, 0, 8);
    struct rec r;
    run_stop(s, NS(s), &o, 3, &r);
    /* each frame's first 3 bytes reach the consumer, after it said "no more" to the one before */
    char *at = r.log;
    for (unsigned j = 0; j < 3; j++) {
        char line[64], hex[7];
        hexs(hex, pl[j], 3);
        snprintf(line, sizeof line, "len=5000 hdr=8\nD n=3 %s\nE\n", hex);
        at = strstr(at, line);
        assert_non_null(at);
    }
    assert_non_null(strstr(at, "D n=3 68656c\nE\nM text len=5 frames=1 rsv1=0 prev=5'hello' utf8=1 inc=0\n"));
    char pv[32 * 4 + 8], want[256];
    esc(pv, pl[0], 8);
    snprintf(want, sizeof want, "M binary len=15000 frames=3 rsv1=0 prev=8'%s' utf8=0 inc=0\n", pv);
    assert_non_null(strstr(r.log, want));
    rec_free(&r);
    struct consumer stop = {3, 1, 0};
    run_c(s, NS(s), &o, &stop, CH_BYTES, 0, &r);
    assert_int_equal(r.raw_total, 4 * 3);
    rec_free(&r);
    for (unsigned j = 0; j < 3; j++) free(pl[j]);
    free(w.p);
}

static void t_skip_not_when_needed(void **st)
{
    (void)st;
    struct rec r;
    struct wbuf w = {0};
    struct consumer stop = {4, 1, 0};
    /* text: a bad byte late in a long message is still found */
    const size_t len = 20000;
    uint8_t *pl = malloc(len);
    assert_non_null(pl);
    memset(pl, 'a', len);
    pl[15000] = 0xC0;
    wb_frame(&w, 0x01, KEY, pl, 9000, 0);
    wb_frame(&w, 0x80, KEY, pl + 9000, len - 9000, 0);
    struct step s[] = {FEEDB(w), END};
    struct wsi_ws_opts o = opts(1, 0, 16);
    run_stop(s, NS(s), &o, 4, &r);
    assert_int_equal(r.nviol[WSI_V_INVALID_UTF8], 1);
    assert_non_null(strstr(r.log, "V invalid-utf8@9008: text message: byte 0xC0 at payload offset 6000 of this frame "
                                  "is not valid UTF-8\n"));
    assert_non_null(strstr(r.log, "M text len=20000 frames=2 rsv1=0 prev=16'aaaaaaaaaaaaaaaa' utf8=0 inc=0\n"));
    rec_free(&r);
    run_c(s, NS(s), &o, &stop, CH_BYTES, 0, &r);
    assert_int_equal(r.nviol[WSI_V_INVALID_UTF8], 1);
    assert_int_equal(r.raw_total, 2 * 4);
    rec_free(&r);

    /* text ending in the middle of a character */
    w.n = 0;
    pl[15000] = 'a';
    pl[len - 1] = 0xE2;
    wb_frame(&w, 0x81, KEY, pl, len, 0);
    struct step s2[] = {FEEDB(w), END};
    run_stop(s2, NS(s2), &o, 0, &r);
    assert_non_null(strstr(r.log, "V invalid-utf8@0: text message ends in the middle of a UTF-8 sequence\n"));
    rec_free(&r);

    /* a long close: the reason is checked to its end */
    uint8_t cl[300];
    memset(cl, 'r', sizeof cl);
    cl[0] = 0x03;
    cl[1] = 0xE8;
    cl[250] = 0xFF;
    w.n = 0;
    wb_frame(&w, 0x88, KEY, cl, sizeof cl, 0);
    struct step s3[] = {FEEDB(w), END};
    run_stop(s3, NS(s3), &o, 0, &r);
    assert_non_null(strstr(r.log, "close reason: byte 0xFF at payload offset 250 of this frame"));
    assert_int_equal(r.last.close_code, 1000);
    assert_int_equal(r.last.close_reason_len, 123);
    assert_int_equal(r.last.utf8_valid, 0);
    rec_free(&r);

    /* a long ping keeps its 125 bytes; compressed text is not checked, so it may be skipped */
    w.n = 0;
    wb_frame(&w, 0x89, KEY, pl, 1000, 0);
    wb_frame(&w, 0xC1, KEY, cl, sizeof cl, 0);
    struct step s4[] = {FEEDB(w), END};
    o = opts(1, 1, 16);
    run_stop(s4, NS(s4), &o, 1, &r);
    assert_non_null(strstr(r.log, "M ping len=1000 frames=1 rsv1=0 prev=125'"));
    assert_non_null(strstr(r.log, "M text len=300 frames=1 rsv1=1 prev=16'\\x03\\xe8rrrrrrrrrrrrrr' utf8=-1 inc=0\n"));
    rec_free(&r);
    free(pl);
    free(w.p);
}

static void t_skip_mixed_streams(void **st)
{
    (void)st;
    /* big frames of every kind, masked and not, with and without a gap */
    uint8_t *pl = pattern(9000, 11), txt[6000];
    memset(txt, 'z', sizeof txt);
    memcpy(txt + 5000, "\xe2\x82\xac", 3);
    struct wbuf w = {0};
    wb_frame(&w, 0x02, KEY, pl, 9000, 0);
    wb_frame(&w, 0x89, NULL, pl, 130, 0);
    wb_frame(&w, 0x00, NULL, pl + 100, 4100, 0);
    wb_frame(&w, 0x80, KEY, pl, 0, 0);
    wb_frame(&w, 0x81, KEY, txt, sizeof txt, 0);
    wb_frame(&w, 0x80, KEY, pl, 5000, 0);          /* continuation of nothing */
    wb_frame(&w, 0xC2, KEY, pl, 4097, 0);
    wb_frame(&w, 0x88, KEY, "\x03\xe8" "bye", 5, 0);
    static const uint64_t limits[] = {0, 1, 300, 5000};
    struct wsi_ws_opts os[] = {opts(1, 0, 16), opts(0, 1, 4096)};
    for (size_t i = 0; i < NS(limits); i++)
        for (size_t j = 0; j < NS(os); j++) {
            struct rec r;
            struct step s[] = {FEEDB(w), END};
            run_stop(s, NS(s), &os[j], limits[i], &r);
            assert_int_equal(r.nmsg, 5);
            rec_free(&r);
            /* a gap inside the first frame: its preview stops there */
            struct step g[] = {{S_FEED, w.p, 20, 0}, GAP(100), {S_FEED, w.p + 120, w.n - 120, 0}, END};
            run_stop(g, NS(g), &os[j], limits[i], &r);
            assert_non_null(strstr(r.log, "M binary len=13100 frames=3 rsv1=0 prev=12'"));
            rec_free(&r);
        }
    free(pl);
    free(w.p);
}

/* ---- random streams: the log never depends on the split ------------------------------------------ */

/* xorshift32, seeded by the caller. */
static uint32_t rnd_next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void t_random_streams(void **st)
{
    (void)st;
    uint32_t x = 0x9E3779B9u;
    unsigned msgs = 0, lost = 0, kinds = 0, viol[WSI_V__COUNT] = {0};
    for (int round = 0; round < 60; round++) {
        struct wbuf w = {0};
        uint8_t pl[300];
        int nframes = 1 + (int)(rnd_next(&x) % 6);
        for (int f = 0; f < nframes; f++) {
            static const unsigned ops[] = {0, 1, 2, 8, 9, 0xA, 3, 0xB};
            unsigned op = ops[rnd_next(&x) % 8];
            unsigned b0 = op | ((rnd_next(&x) % 4) ? 0x80u : 0u) | ((rnd_next(&x) % 8) ? 0u : (rnd_next(&x) % 8) << 4);
            size_t len = rnd_next(&x) % 4 ? rnd_next(&x) % 20 : rnd_next(&x) % sizeof pl;
            int lform = rnd_next(&x) % 8 ? 0 : (rnd_next(&x) % 2 ? 16 : 64);
            for (size_t i = 0; i < len; i++) {
                uint32_t k = rnd_next(&x);
                pl[i] = (uint8_t)(k % 3 ? 'a' + k % 26 : k >> 8);   /* mostly text, some bytes >= 0x80 */
            }
            if (op == 8 && len >= 2) pl[0] = 0x03, pl[1] = (uint8_t)(0xE8 + rnd_next(&x) % 20);
            wb_frame(&w, b0, rnd_next(&x) % 2 ? KEY : NULL, pl, len, lform);
        }
        if (round % 5 == 4)   /* pure noise */
            for (size_t i = 0; i < w.n; i++) w.p[i] = (uint8_t)rnd_next(&x);
        size_t cut = w.n ? rnd_next(&x) % w.n : 0;
        struct wsi_ws_opts o = opts((int)(round & 1), (int)(round % 3 == 0), 1 + rnd_next(&x) % 40);
        struct rec r;
        if (round % 3 == 2) {   /* with a gap somewhere */
            struct step s[] = {{S_FEED, w.p, cut, 0}, GAP(1 + rnd_next(&x) % 8), {S_FEED, w.p + cut, w.n - cut, 0}, END};
            run_all(s, NS(s), &o, &r);
            rec_free(&r);
            run_stop(s, NS(s), &o, round % 4 ? rnd_next(&x) % 50 : 0, &r);
        } else {
            struct step s[] = {FEEDB(w), END};
            run_all(s, NS(s), &o, &r);
            rec_free(&r);
            run_stop(s, NS(s), &o, round % 4 ? rnd_next(&x) % 50 : 0, &r);
        }
        msgs += r.nmsg;
        lost += r.nlost;
        for (int v = 1; v < WSI_V__COUNT; v++) viol[v] += r.nviol[v];
        rec_free(&r);
        free(w.p);
    }
    /* the streams did exercise the decoder */
    for (int v = 1; v < WSI_V__COUNT; v++) kinds += viol[v] > 0;
    print_message("random streams: %u messages, %u lost, %u kinds of violation\n", msgs, lost, kinds);
    assert_true(msgs > 100);
    assert_true(lost > 3);
    assert_true(kinds >= 10);
}

/* ---- names --------------------------------------------------------------------------------------- */

static void t_names(void **st)
{
    (void)st;
    static const char *const ops[16] = {
        "continuation", "text", "binary", "reserved-data-3", "reserved-data-4", "reserved-data-5",
        "reserved-data-6", "reserved-data-7", "close", "ping", "pong", "reserved-control-B",
        "reserved-control-C", "reserved-control-D", "reserved-control-E", "reserved-control-F",
    };
    for (unsigned i = 0; i < 16; i++) assert_string_equal(wsi_opcode_name(i), ops[i]);
    assert_string_equal(wsi_opcode_name(16), "invalid");

    static const char *const sect[WSI_V__COUNT] = {
        NULL, "§5.1", "§5.1", "§5.2", "§5.2", "§5.5", "§5.5", "§5.2", "§5.2", "§5.5.1", "§7.4.1", "§8.1",
        "§5.5.1", "§5.4", "§5.4",
    };
    for (int v = 1; v < WSI_V__COUNT; v++) {
        char want[32];
        snprintf(want, sizeof want, "RFC 6455 %s", sect[v]);
        assert_string_equal(wsi_violation_section((enum wsi_violation)v), want);
        const char *id = wsi_violation_id((enum wsi_violation)v);
        assert_true(strlen(id) > 3);
        assert_true(strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(id));
        assert_true(strlen(wsi_violation_text((enum wsi_violation)v)) > 10);
        for (int u = 1; u < v; u++) assert_string_not_equal(id, wsi_violation_id((enum wsi_violation)u));
    }
    assert_string_equal(wsi_violation_id(WSI_V_CLIENT_UNMASKED), "client-unmasked");
    assert_string_equal(wsi_violation_id(WSI_V_SERVER_MASKED), "server-masked");
    assert_string_equal(wsi_violation_id(WSI_V_INVALID_UTF8), "invalid-utf8");
    assert_string_equal(wsi_violation_id(WSI_V__COUNT), "unknown");
    assert_string_equal(wsi_violation_id((enum wsi_violation)0), "unknown");
    assert_string_equal(wsi_violation_section(WSI_V__COUNT), "RFC 6455");

    static const char *const close[16] = {
        "normal", "going away", "protocol error", "unsupported data", "", "no status", "abnormal",
        "invalid payload", "policy violation", "message too big", "mandatory extension", "internal error",
        "service restart", "try again later", "bad gateway", "TLS handshake",
    };
    for (int c = 0; c < 16; c++) assert_string_equal(wsi_close_code_name(1000 + c), close[c]);
    assert_string_equal(wsi_close_code_name(999), "");
    assert_string_equal(wsi_close_code_name(1016), "");
    /* RFC 6455 §7.4.2's ranges */
    assert_string_equal(wsi_close_code_name(2999), "");
    assert_string_equal(wsi_close_code_name(3000), "registered (libraries, frameworks)");
    assert_string_equal(wsi_close_code_name(3999), "registered (libraries, frameworks)");
    assert_string_equal(wsi_close_code_name(4000), "private use");
    assert_string_equal(wsi_close_code_name(4999), "private use");
    assert_string_equal(wsi_close_code_name(5000), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_rfc_unmasked_text),
        cmocka_unit_test(t_rfc_masked_text),
        cmocka_unit_test(t_rfc_fragmented),
        cmocka_unit_test(t_rfc_ping),
        cmocka_unit_test(t_rfc_masked_pong),
        cmocka_unit_test(t_rfc_256_binary),
        cmocka_unit_test(t_rfc_64k_binary),
        cmocka_unit_test(t_preview_all),
        cmocka_unit_test(t_client_unmasked),
        cmocka_unit_test(t_server_masked),
        cmocka_unit_test(t_rsv_bits),
        cmocka_unit_test(t_reserved_opcodes),
        cmocka_unit_test(t_reserved_inside_fragmented),
        cmocka_unit_test(t_control_too_long),
        cmocka_unit_test(t_control_fragmented),
        cmocka_unit_test(t_non_minimal_length),
        cmocka_unit_test(t_length_top_bit),
        cmocka_unit_test(t_close_payload_1),
        cmocka_unit_test(t_close_codes_table),
        cmocka_unit_test(t_close_reason_utf8),
        cmocka_unit_test(t_data_after_close),
        cmocka_unit_test(t_cont_without_start),
        cmocka_unit_test(t_data_inside_fragmented),
        cmocka_unit_test(t_control_between_fragments),
        cmocka_unit_test(t_utf8_validator),
        cmocka_unit_test(t_utf8_across_fragments),
        cmocka_unit_test(t_gap_inside_payload),
        cmocka_unit_test(t_gap_masked_phase),
        cmocka_unit_test(t_gap_to_frame_end),
        cmocka_unit_test(t_gap_utf8_resync),
        cmocka_unit_test(t_gap_lost),
        cmocka_unit_test(t_end_cut),
        cmocka_unit_test(t_huge_length_no_alloc),
        cmocka_unit_test(t_preview_cap),
        cmocka_unit_test(t_no_callbacks),
        cmocka_unit_test(t_skip_big_binary),
        cmocka_unit_test(t_skip_resets_each_frame),
        cmocka_unit_test(t_skip_not_when_needed),
        cmocka_unit_test(t_skip_mixed_streams),
        cmocka_unit_test(t_random_streams),
        cmocka_unit_test(t_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
