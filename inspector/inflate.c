/* inflate.c - permessage-deflate (RFC 7692): parameter parsing and per-direction inflation through zlib. */

#include "inflate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "budget.h"
#include "preview.h"

#include <zlib.h>

#include "wsframe.h"

#define SCRATCH 16384          /* inflate output chunk, on the stack */
#define WINDOW (1u << 15)      /* the largest LZ77 window a peer may use */

/* ---- parameters ------------------------------------------------------------------ */

static int is_ows(char c) { return c == ' ' || c == '\t'; }

/* Trim [*p, *e) of optional whitespace and surrounding quotes. */
static void trim(const char **p, const char **e)
{
    while (*p < *e && is_ows(**p)) (*p)++;
    while (*e > *p && is_ows((*e)[-1])) (*e)--;
    if (*e - *p >= 2 && **p == '"' && (*e)[-1] == '"') {
        (*p)++;
        (*e)--;
    }
}

static int word_is(const char *p, const char *e, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(e - p) == n && strncasecmp(p, w, n) == 0;
}

/* A window-bits value: 8..15, or -1 when not a number in range. */
static int window_bits(const char *p, const char *e)
{
    int v = 0;
    if (p == e || e - p > 2) return -1;
    for (; p < e; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    return v >= 8 && v <= 15 ? v : -1;
}

void wsi_pmd_parse(const char *value, size_t len, struct wsi_pmd_params *out)
{
    memset(out, 0, sizeof *out);
    if (!value) return;
    const char *p = value, *end = value + len;
    const char *comma = memchr(p, ',', len);
    if (comma) end = comma; /* a response selects one extension per element; the first is ours */
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *ne = semi ? semi : end;
    const char *np = p;
    trim(&np, &ne);
    if (!word_is(np, ne, "permessage-deflate")) return;
    out->negotiated = 1;
    unsigned seen = 0;
    while (semi && semi < end) {
        const char *q = semi + 1;
        semi = memchr(q, ';', (size_t)(end - q));
        const char *pe = semi ? semi : end;
        const char *eq = memchr(q, '=', (size_t)(pe - q));
        const char *kp = q, *ke = eq ? eq : pe;
        trim(&kp, &ke);
        const char *vp = eq ? eq + 1 : NULL, *ve = pe;
        if (vp) trim(&vp, &ve);
        unsigned bit;
        if (word_is(kp, ke, "server_no_context_takeover")) {
            bit = 1;
            out->server_no_context_takeover = 1;
            if (vp) out->error = "server_no_context_takeover takes no value (RFC 7692 §7.1.1.1)";
        } else if (word_is(kp, ke, "client_no_context_takeover")) {
            bit = 2;
            out->client_no_context_takeover = 1;
            if (vp) out->error = "client_no_context_takeover takes no value (RFC 7692 §7.1.1.2)";
        } else if (word_is(kp, ke, "server_max_window_bits")) {
            bit = 4;
            out->server_max_window_bits = vp ? window_bits(vp, ve) : -1;
            if (out->server_max_window_bits < 0)
                out->error = "server_max_window_bits needs a value from 8 to 15 (RFC 7692 §7.1.2.1)";
        } else if (word_is(kp, ke, "client_max_window_bits")) {
            bit = 8;
            out->client_max_window_bits = vp ? window_bits(vp, ve) : -1;
            if (out->client_max_window_bits < 0)
                out->error = "in a response, client_max_window_bits needs a value from 8 to 15 (RFC 7692 §7.1.2.2)";
        } else {
            out->error = "an unknown permessage-deflate parameter (RFC 7692 §7.1)";
            continue;
        }
        if (seen & bit) out->error = "a permessage-deflate parameter given twice (RFC 7692 §7.1)";
        seen |= bit;
    }
}

/* ---- idle decompressors ---------------------------------------------------------- */

struct zbox {
    z_stream zs;           /* first: wsi_inflate.zs points at it */
    uint8_t *preview;      /* the preview buffer it was let go with, or NULL */
    size_t preview_cap;
    struct zbox *next;     /* in the pool */
};

static uint64_t box_held(const struct zbox *b) { return WSI_ZLIB_HELD + b->preview_cap; }

static void box_free(struct zbox *b)
{
    inflateEnd(&b->zs);
    free(b->preview);
    free(b);
}

void wsi_zpool_init(struct wsi_zpool *pool, struct wsi_budget *budget)
{
    memset(pool, 0, sizeof *pool);
    pool->budget = budget;
}

void wsi_zpool_drain(struct wsi_zpool *pool)
{
    if (!pool) return;
    while (pool->kept) {
        struct zbox *b = pool->kept;
        pool->kept = b->next;
        wsi_budget_release(pool->budget, box_held(b));
        box_free(b);
    }
    pool->n = 0;
}

/* A decompressor in the state inflateInit2(window_bits) gives a new one: from the pool, or made. */
static struct zbox *box_get(struct wsi_zpool *pool, int window_bits)
{
    struct zbox *b = pool ? pool->kept : NULL;
    if (b) {
        pool->kept = b->next;
        pool->n--;
        b->next = NULL;
        wsi_budget_release(pool->budget, box_held(b));
        if (inflateReset2(&b->zs, window_bits) == Z_OK) return b;
        box_free(b);
    }
    b = calloc(1, sizeof *b);
    if (!b) return NULL;
    if (inflateInit2(&b->zs, window_bits) != Z_OK) {
        free(b);
        return NULL;
    }
    return b;
}

/* Back to the pool with its preview buffer (whoever let it go last), or freed. */
static void box_put(struct wsi_zpool *pool, struct zbox *b)
{
    if (pool && pool->n < WSI_ZPOOL_MAX) {
        b->next = pool->kept;
        pool->kept = b;
        pool->n++;
        wsi_budget_charge(pool->budget, box_held(b));
    } else {
        box_free(b);
    }
}

void *wsi_zstream_get(struct wsi_zpool *pool, int window_bits)
{
    struct zbox *b = box_get(pool, window_bits);
    return b ? &b->zs : NULL;
}

void wsi_zstream_put(struct wsi_zpool *pool, void *zs)
{
    if (zs) box_put(pool, zs); /* zs is a zbox's first member */
}

/* ---- inflation ------------------------------------------------------------------- */

int wsi_inflate_init(struct wsi_inflate *z, struct wsi_zpool *pool, int no_context_takeover, size_t preview_max)
{
    memset(z, 0, sizeof *z);
    struct zbox *b = box_get(pool, -15);
    if (!b) return -1;
    z->zs = &b->zs;
    z->pool = pool;
    z->no_context_takeover = no_context_takeover;
    z->budget = WSI_INFLATE_BUDGET;
    z->preview_max = preview_max ? preview_max : 256;
    if (b->preview) {
        /* the buffer let go with its stream, whatever its size: it grows when it must */
        z->preview = b->preview;
        z->preview_cap = b->preview_cap;
    } else {
        z->preview_cap = z->preview_max < WSI_PREVIEW_FIRST ? z->preview_max : WSI_PREVIEW_FIRST;
        z->preview = malloc(z->preview_cap);
    }
    b->preview = NULL;
    b->preview_cap = 0;
    if (!z->preview) {
        box_free(b);
        z->zs = NULL;
        return -1;
    }
    return 0;
}

void wsi_inflate_begin(struct wsi_inflate *z, int is_text)
{
    z_stream *zs = z->zs;
    if (z->no_context_takeover && z->started && !z->spent) {
        inflateReset(zs);
        z->broken = 0;
        z->broken_why = NULL;
    }
    z->is_text = is_text;
    z->in_len = z->out_len = 0;
    z->cut = 0;
    z->error = z->broken ? z->broken_why : NULL;
    z->utf8_state = WSI_UTF8_ACCEPT;
    z->preview_len = 0;
    z->stream_end = 0;
}

/* Take inflated output: count it, keep the preview, check UTF-8. */
static void take_output(struct wsi_inflate *z, const uint8_t *out, size_t n)
{
    wsi_preview_keep(&z->preview, &z->preview_len, &z->preview_cap, z->preview_max, out, n);
    if (z->is_text) z->utf8_state = wsi_utf8_feed(z->utf8_state, out, n);
    z->out_len += n;
    z->total_out += n;
    if (z->total_out >= z->budget && !z->cut) {
        z->cut = 1;
        z->spent = 1;
        z->broken = 1;
        z->broken_why = "this direction reached its inflate budget (1 GiB inflated over its messages, "
                        "WSI_INFLATE_BUDGET) at an earlier message, so no more is inflated";
    } else if (z->out_len >= WSI_INFLATE_MAX_OUT && !z->cut) {
        z->cut = 1;
        /* The rest of the message is never inflated, so the window the next
         * message refers to is lost: with context takeover, the stream is
         * broken from here on. Without it, the next message starts afresh. */
        if (!z->no_context_takeover) {
            z->broken = 1;
            z->broken_why = "an earlier message of this direction was cut at the 256 MiB inflate limit "
                            "(WSI_INFLATE_MAX_OUT), so the shared window is lost";
        }
    }
}

/* A deflate stream ended (a BFINAL block): start a new one that keeps the window,
 * since the next message may still refer back to it (context takeover). */
static int restart_keeping_window(z_stream *zs)
{
    uint8_t *dict = malloc(WINDOW);
    uInt dl = WINDOW;
    if (!dict) return -1;
    int ok = inflateGetDictionary(zs, dict, &dl) == Z_OK && inflateReset(zs) == Z_OK &&
             (dl == 0 || inflateSetDictionary(zs, dict, dl) == Z_OK);
    free(dict);
    return ok ? 0 : -1;
}

void wsi_inflate_feed(struct wsi_inflate *z, const uint8_t *in, size_t len)
{
    z_stream *zs = z->zs;
    uint8_t out[SCRATCH];
    z->in_len += len;
    if (z->error || z->cut || z->stream_end || !zs) return;
    while (len > 0) {
        /* avail_in is 32-bit: feed in slices */
        uInt slice = len > (1u << 30) ? (1u << 30) : (uInt)len;
        zs->next_in = (Bytef *)(uintptr_t)in;
        zs->avail_in = slice;
        for (;;) {
            zs->next_out = out;
            zs->avail_out = sizeof out;
            int rc = inflate(zs, Z_SYNC_FLUSH);
            take_output(z, out, sizeof out - zs->avail_out);
            if (rc == Z_STREAM_END) {
                z->stream_end = 1;
                if (restart_keeping_window(zs) != 0) {
                    z->error = "the window could not be kept after a final deflate block";
                    z->broken = 1;
                    z->broken_why = z->error;
                }
                return; /* bytes after a final block in the same message are not inflated */
            }
            if (rc == Z_BUF_ERROR || (rc == Z_OK && zs->avail_in == 0 && zs->avail_out != 0)) break;
            if (rc != Z_OK) {
                z->error = zs->msg ? zs->msg : "invalid deflate data";
                z->broken = 1;
                z->broken_why = "an earlier message of this direction did not inflate, so the shared window is lost";
                return;
            }
            if (z->cut) return;
        }
        in += slice;
        len -= slice;
    }
}

int wsi_inflate_end(struct wsi_inflate *z)
{
    static const uint8_t tail[4] = {0x00, 0x00, 0xff, 0xff};
    uint64_t fed = z->in_len;
    /* An empty payload is an empty message: the tail alone would open a stored
     * block (LEN 0xFF00) and leave the window mid-block for the next message. */
    if (fed > 0 && !z->error && !z->cut && !z->stream_end) wsi_inflate_feed(z, tail, sizeof tail);
    z->in_len = fed; /* the tail is not part of the message */
    z->started = 1;
    return z->error ? -1 : 0;
}

void wsi_inflate_break(struct wsi_inflate *z, const char *why)
{
    if (!z->error) z->error = why;
    z->broken = 1;
    if (!z->spent) z->broken_why = "an earlier gap in this direction's compressed stream lost the shared window";
}

int wsi_inflate_utf8_ok(const struct wsi_inflate *z) { return z->cut || z->utf8_state == WSI_UTF8_ACCEPT; }

void wsi_inflate_free(struct wsi_inflate *z)
{
    struct zbox *b = z->zs;
    if (b) {
        b->preview = z->preview;
        b->preview_cap = z->preview_cap;
        box_put(z->pool, b);
    } else {
        free(z->preview);
    }
    memset(z, 0, sizeof *z);
}
