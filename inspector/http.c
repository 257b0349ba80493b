/* http.c - HTTP/1.1 on a connection: heads in both directions, the upgrade request and its answer, bodies. */

#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "conn.h"

/* ---- the body reader (no I/O) ------------------------------------------------ */

/* Where the chunked reader is. */
enum chunk_state {
    CH_SIZE = 0,    /* reading the chunk-size line */
    CH_DATA,        /* chunk data */
    CH_DATA_CRLF,   /* the CRLF after chunk data */
    CH_TRAILER,     /* trailer lines until an empty one */
};

void wsi_body_start(struct wsi_body *b, enum wsi_body_kind kind, uint64_t length)
{
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->state = WSI_BODY_MORE;
    b->left = kind == WSI_BODY_LENGTH ? length : 0;
    b->chunk = CH_SIZE;
}

static void body_data(const struct wsi_body_cb *cb, void *user, const uint8_t *p, size_t n)
{
    if (n && cb->data) cb->data(user, p, n);
}

static int hexdigit(uint8_t ch)
{
    return (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
           : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
}

size_t wsi_body_feed(struct wsi_body *b, const uint8_t *p, size_t n, const struct wsi_body_cb *cb, void *user)
{
    size_t i = 0;
    if (b->state != WSI_BODY_MORE) return 0;
    if (b->kind == WSI_BODY_UNTIL_CLOSE) {
        body_data(cb, user, p, n);
        return n;
    }
    if (b->kind == WSI_BODY_LENGTH) {
        size_t k = b->left < n ? (size_t)b->left : n;
        body_data(cb, user, p, k);
        b->left -= k;
        if (b->left == 0) b->state = WSI_BODY_DONE;
        return k;
    }
    while (i < n && b->state == WSI_BODY_MORE) {
        uint8_t ch = p[i];
        switch (b->chunk) {
        case CH_SIZE:
            i++;
            if (ch == '\n') {
                if (!b->chunk_digits) {
                    b->state = WSI_BODY_BAD;
                } else if (b->chunk_size == 0) {
                    b->chunk = CH_TRAILER;
                    b->line_empty = 1;
                } else {
                    b->chunk = CH_DATA;
                    b->left = b->chunk_size;
                    if (cb->chunk_begin) cb->chunk_begin(user, b->chunk_size);
                }
            } else if (ch == ';') {
                b->chunk_ext = 1;
            } else if (!b->chunk_ext && ch != '\r' && ch != ' ' && ch != '\t') {
                int v = hexdigit(ch);
                if (v < 0 || b->chunk_digits >= 15) {
                    b->state = WSI_BODY_BAD;
                    break;
                }
                b->chunk_size = b->chunk_size * 16 + (uint64_t)v;
                b->chunk_digits++;
            }
            break;
        case CH_DATA: {
            size_t k = b->left < n - i ? (size_t)b->left : n - i;
            body_data(cb, user, p + i, k);
            b->left -= k;
            i += k;
            if (b->left == 0) {
                if (cb->chunk_end) cb->chunk_end(user, b->chunk_size);
                b->chunk = CH_DATA_CRLF;
            }
            break;
        }
        case CH_DATA_CRLF:
            i++;
            if (ch == '\n') {
                b->chunk = CH_SIZE;
                b->chunk_size = 0;
                b->chunk_digits = 0;
                b->chunk_ext = 0;
            }
            break;
        case CH_TRAILER:
            i++;
            if (ch == '\n') {
                if (b->line_empty) b->state = WSI_BODY_DONE;
                b->line_empty = 1;
            } else if (ch != '\r') {
                b->line_empty = 0;
            }
            break;
        }
    }
    return i;
}

int wsi_body_gap(struct wsi_body *b, uint64_t len)
{
    if (b->state != WSI_BODY_MORE) return 0;
    if (b->kind == WSI_BODY_UNTIL_CLOSE) return 1;
    if (b->kind == WSI_BODY_LENGTH && len < b->left) {
        b->left -= len;
        return 1;
    }
    return 0;
}

/* ---- content codings (no I/O) ------------------------------------------------------ */

static int is_ows(char ch) { return ch == ' ' || ch == '\t'; }

static int token_ieq(const char *p, size_t n, const char *want)
{
    size_t k = strlen(want);
    if (n != k) return 0;
    for (size_t i = 0; i < n; i++) {
        char a = p[i], b = want[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

enum wsi_coding wsi_coding_of(const char *value, size_t len)
{
    enum wsi_coding found = WSI_CODING_IDENTITY;
    size_t i = 0;
    while (i < len) {
        while (i < len && (is_ows(value[i]) || value[i] == ',')) i++;
        size_t b = i;
        while (i < len && value[i] != ',') i++;
        size_t e = i;
        while (e > b && is_ows(value[e - 1])) e--;
        if (e == b || token_ieq(value + b, e - b, "identity")) continue;
        enum wsi_coding c = token_ieq(value + b, e - b, "gzip") || token_ieq(value + b, e - b, "x-gzip")
                                ? WSI_CODING_GZIP
                            : token_ieq(value + b, e - b, "deflate") ? WSI_CODING_DEFLATE
                                                                      : WSI_CODING_OTHER;
        /* two codings applied one over the other are not decoded */
        found = found == WSI_CODING_IDENTITY ? c : WSI_CODING_OTHER;
    }
    return found;
}

int wsi_decoder_start(struct wsi_decoder *d, struct wsi_zpool *pool, enum wsi_coding coding)
{
    memset(d, 0, sizeof *d);
    d->coding = coding;
    d->pool = pool;
    /* gzip: a gzip member (zlib's 16 + window bits); deflate: zlib for now, raw decided by the
     * first bytes. From the pool's idle decompressors, reset as new. */
    z_stream *z = wsi_zstream_get(pool, coding == WSI_CODING_GZIP ? 16 + MAX_WBITS : MAX_WBITS);
    if (!z) {
        d->error = "out of memory";
        return -1;
    }
    d->z = z;
    return 0;
}

static void dec_fail(struct wsi_decoder *d, const char *what, const char *detail)
{
    if (detail) snprintf(d->why, sizeof d->why, "%s (%s)", what, detail);
    else snprintf(d->why, sizeof d->why, "%s", what);
    d->error = d->why;
}

/* Inflate n bytes, handing the output over piece by piece. */
static int dec_run(struct wsi_decoder *d, const uint8_t *p, size_t n, void (*out)(void *, const uint8_t *, size_t),
                   void *user)
{
    z_stream *z = d->z;
    uint8_t buf[WSI_CODING_PIECE];
    while (n && !d->done) {
        uInt give = n > 1u << 30 ? 1u << 30 : (uInt)n;
        z->next_in = (Bytef *)(uintptr_t)p;
        z->avail_in = give;
        int r;
        do {
            z->next_out = buf;
            z->avail_out = sizeof buf;
            r = inflate(z, Z_NO_FLUSH);
            size_t got = sizeof buf - z->avail_out;
            if (got > WSI_CODING_MAX_OUT - d->out) got = (size_t)(WSI_CODING_MAX_OUT - d->out);
            if (got) {
                d->out += got;
                out(user, buf, got);
            }
            if (d->out >= WSI_CODING_MAX_OUT) {
                dec_fail(d, "decoded size reached 256 MiB: the rest is not decoded", NULL);
                return -1;
            }
            if (r == Z_STREAM_END) {
                if (d->coding == WSI_CODING_GZIP && z->avail_in) {
                    inflateReset(z); /* another gzip member follows (RFC 1952 §2.2) */
                    r = Z_OK;
                    continue;
                }
                d->done = 1; /* bytes after the end are not content */
                break;
            }
            if (r == Z_BUF_ERROR) break; /* needs more input */
            if (r != Z_OK) {
                dec_fail(d, d->coding == WSI_CODING_GZIP ? "the gzip data is corrupt" : "the deflate data is corrupt",
                         z->msg);
                return -1;
            }
        } while (z->avail_in || !z->avail_out);
        size_t used = give - z->avail_in;
        d->in += used;
        p += give;
        n -= give;
    }
    return 0;
}

int wsi_decoder_feed(struct wsi_decoder *d, const uint8_t *p, size_t n,
                     void (*out)(void *user, const uint8_t *p, size_t n), void *user)
{
    if (d->error) return -1;
    if (!d->z || d->done) return 0;
    if (d->coding == WSI_CODING_DEFLATE && !d->started) {
        /* RFC 9110 §8.4.1.2 says zlib; some servers send raw deflate. A zlib header is
         * CM 8, CINFO <= 7, and the two bytes a multiple of 31 (RFC 1950 §2.2). */
        while (d->nhead < 2 && n) {
            d->head[d->nhead++] = *p++;
            n--;
        }
        if (d->nhead < 2) return 0;
        d->started = 1;
        unsigned cmf = d->head[0], flg = d->head[1];
        d->raw = !((cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && (cmf * 256 + flg) % 31 == 0);
        if (d->raw && inflateReset2(d->z, -MAX_WBITS) != Z_OK) {
            dec_fail(d, "out of memory", NULL);
            return -1;
        }
        if (dec_run(d, d->head, 2, out, user) < 0) return -1;
    }
    return dec_run(d, p, n, out, user);
}

void wsi_decoder_end(struct wsi_decoder *d)
{
    if (d->z) {
        wsi_zstream_put(d->pool, d->z); /* kept for the next decoder or permessage-deflate stream */
        d->z = NULL;
    }
}

/* ---- strings out of heads ----------------------------------------------------- */

const char *http_view_str(struct http1_str v, char **arena, size_t *left)
{
    if (*left == 0) return NULL;
    size_t n = v.len < *left - 1 ? v.len : *left - 1;
    char *out = *arena;
    if (n) memcpy(out, v.p, n);
    out[n] = '\0';
    *arena += n + 1;
    *left -= n + 1;
    return out;
}

const char *http_hdr_str(const struct http1_head *h, const char *name, char **arena, size_t *left)
{
    const struct http1_header *hd = h ? http1_find(h, name) : NULL;
    return hd ? http_view_str(hd->value, arena, left) : NULL;
}

/* ---- bodies on a connection ---------------------------------------------------- */

static void sse_event(void *user, const struct wsi_sse_ev *e)
{
    struct side *sd = user;
    struct wsi_event ev = {.kind = WSI_EV_SSE};
    ev.u.sse = *e;
    conn_emit(sd->c, &ev, sd->dir, &sd->pkt);
}

/* Content of a body (dechunked, decoded): the chunk's preview, the event stream. */
static void on_content(void *user, const uint8_t *p, size_t n)
{
    struct side *sd = user;
    if (sd->body.kind == WSI_BODY_CHUNKED && sd->fprev)
        wsi_preview_keep(&sd->fprev, &sd->fprev_len, &sd->fprev_cap, sd->c->s->http_preview, p, n);
    sd->chunk_decoded += n;
    if (sd->sse) wsi_sse_feed(sd->sse, p, n);
}

/* The body's decoder: started (left NULL when out of memory: its content is not shown)... */
static void dec_start(struct side *sd, enum wsi_coding coding)
{
    sd->dec = malloc(sizeof *sd->dec);
    if (sd->dec && wsi_decoder_start(sd->dec, &sd->c->s->zpool, coding) != 0) {
        free(sd->dec);
        sd->dec = NULL;
    }
}

/* ...and stopped, its zlib stream back to the session's pool. */
static void dec_stop(struct side *sd)
{
    if (!sd->dec) return;
    wsi_decoder_end(sd->dec);
    free(sd->dec);
    sd->dec = NULL;
}

/* Bytes of a body after dechunking: decoded first when it has a content coding. */
static void on_body_data(void *user, const uint8_t *p, size_t n)
{
    struct side *sd = user;
    if (!sd->coding) {
        on_content(sd, p, n);
        return;
    }
    if (!sd->dec) return; /* a coding that is not decoded (or no longer): no content to show */
    if (wsi_decoder_feed(sd->dec, p, n, on_content, sd) == 0) return;
    /* decoding stopped: said once; an event stream is not read any further */
    char why[160];
    snprintf(why, sizeof why, "the %s body is not decoded from here: %s", sd->coding, sd->dec->error);
    conn_lost(sd->c, sd->dir, 0, why, &sd->pkt);
    dec_stop(sd);
    wsi_sse_free(sd->sse);
    sd->sse = NULL;
}

static void on_chunk_begin(void *user, uint64_t size)
{
    struct side *sd = user;
    (void)size;
    sd->fprev_len = 0;
    sd->chunk_decoded = 0;
}

static void on_chunk_end(void *user, uint64_t size)
{
    struct side *sd = user;
    struct wsi_event ev = {.kind = WSI_EV_CHUNK};
    if (sd->sse) return; /* an event stream is shown as its events, whatever its chunking */
    ev.u.chunk.size = size;
    ev.u.chunk.preview = sd->fprev;
    ev.u.chunk.preview_len = sd->fprev_len;
    ev.u.chunk.index = ++sd->chunk_index;
    ev.u.chunk.coding = sd->coding;
    ev.u.chunk.decoded = sd->coding && sd->dec;
    ev.u.chunk.decoded_len = sd->chunk_decoded;
    if (sd->coding && !sd->dec) ev.u.chunk.preview_len = 0; /* compressed bytes are not content */
    conn_emit(sd->c, &ev, sd->dir, &sd->pkt);
    sd->fprev_len = 0;
    sd->chunk_decoded = 0;
}

static const struct wsi_body_cb body_callbacks = {
    .data = on_body_data,
    .chunk_begin = on_chunk_begin,
    .chunk_end = on_chunk_end,
};

/* The body ended: a last event without its blank line is not dispatched (as browsers do). */
static void body_done(struct side *sd, enum mode next)
{
    wsi_sse_free(sd->sse);
    sd->sse = NULL;
    dec_stop(sd);
    sd->coding = NULL;
    sd->mode = next;
}

size_t http_read_body(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    size_t k = wsi_body_feed(&sd->body, p, n, &body_callbacks, sd);
    if (sd->body.state == WSI_BODY_DONE) body_done(sd, M_HTTP_HEAD);
    else if (sd->body.state == WSI_BODY_BAD) body_done(sd, M_OPAQUE);
    return k;
}

int http_gap(struct conn *c, int dir, uint64_t len)
{
    struct side *sd = &c->sd[dir];
    return sd->mode == M_HTTP_BODY && wsi_body_gap(&sd->body, len);
}

void http_side_free(struct side *sd)
{
    wsi_sse_free(sd->sse);
    sd->sse = NULL;
    dec_stop(sd);
}

/* The body's Content-Encoding, as a static name (NULL: identity). */
static const char *coding_name(const struct http1_head *h, enum wsi_coding *coding)
{
    const struct http1_header *ce = http1_find(h, "Content-Encoding");
    *coding = ce ? wsi_coding_of(ce->value.p, ce->value.len) : WSI_CODING_IDENTITY;
    switch (*coding) {
    case WSI_CODING_GZIP: return "gzip";
    case WSI_CODING_DEFLATE: return "deflate";
    case WSI_CODING_OTHER: return "encoded";
    default: return NULL;
    }
}

/* Is this response an event stream (Content-Type: text/event-stream)? */
static int is_event_stream(const struct http1_head *h)
{
    const struct http1_header *ct = http1_find(h, "Content-Type");
    static const char want[] = "text/event-stream";
    size_t n = sizeof want - 1;
    if (!ct || ct->value.len < n) return 0;
    struct http1_str v = {ct->value.p, n};
    return http1_str_ieq(v, want) && (ct->value.len == n || ct->value.p[n] == ';' || ct->value.p[n] == ' ');
}

static void start_body(struct conn *c, int dir, const struct http1_head *h, int is_response, int no_body)
{
    struct side *sd = &c->sd[dir];
    long long cl = http1_content_length(h);
    sd->mode = M_HTTP_HEAD;
    sd->chunk_index = 0;
    if (no_body) return;
    if (http1_is_chunked(h)) {
        sd->mode = M_HTTP_BODY;
        wsi_body_start(&sd->body, WSI_BODY_CHUNKED, 0);
        if (!sd->fprev) {
            sd->fprev_cap = c->s->http_preview < WSI_PREVIEW_FIRST ? c->s->http_preview : WSI_PREVIEW_FIRST;
            sd->fprev = malloc(sd->fprev_cap);
        }
        if (!sd->fprev) sd->mode = M_OPAQUE;
    } else if (cl > 0) {
        sd->mode = M_HTTP_BODY;
        wsi_body_start(&sd->body, WSI_BODY_LENGTH, (uint64_t)cl);
    } else if (cl == -1 && is_response) {
        sd->mode = M_HTTP_BODY;
        wsi_body_start(&sd->body, WSI_BODY_UNTIL_CLOSE, 0);
    } else if (cl == -2) {
        sd->mode = M_OPAQUE;
    }
    if (sd->mode == M_HTTP_BODY && is_response && is_event_stream(h))
        sd->sse = wsi_sse_new(c->s->http_preview, sse_event, sd);
    if (sd->mode != M_HTTP_BODY) return;
    /* a coded body whose content is shown (chunks, events) is decoded first */
    enum wsi_coding coding;
    dec_stop(sd);
    sd->coding = coding_name(h, &coding);
    if ((sd->sse || sd->body.kind == WSI_BODY_CHUNKED) && (coding == WSI_CODING_GZIP || coding == WSI_CODING_DEFLATE))
        dec_start(sd, coding);
    if (sd->coding && !sd->dec) {
        wsi_sse_free(sd->sse); /* its events cannot be read */
        sd->sse = NULL;
    }
}

/* ---- heads --------------------------------------------------------------------- */

static void emit_http(struct conn *c, int dir, const struct http1_head *h, int upgrade, uint64_t cut, const uint8_t *raw,
                      size_t raw_len)
{
    struct wsi_event ev = {.kind = WSI_EV_HTTP};
    char arena[4096];
    char *a = arena;
    size_t left = sizeof arena;
    long long cl = http1_content_length(h);
    double now = conn_time(c, &c->sd[dir].pkt);
    ev.u.http.is_request = h->is_request;
    ev.u.http.upgrade = upgrade;
    ev.u.http.body_len = cl > 0 ? (uint64_t)cl : 0;
    ev.u.http.chunked = http1_is_chunked(h);
    ev.u.http.body_known = cl >= 0 && !ev.u.http.chunked;
    ev.u.http.content_type = http_hdr_str(h, "Content-Type", &a, &left);
    ev.u.http.content_encoding = http_hdr_str(h, "Content-Encoding", &a, &left);
    ev.u.http.waited = -1;
    ev.u.http.head_cut = cut;
    ev.u.http.head = raw;
    ev.u.http.head_len = raw ? raw_len : 0;
    if (cut) ev.u.http.body_known = 0; /* what follows the head is not followed */
    if (h->is_request) {
        ev.u.http.method = http_view_str(h->method, &a, &left);
        ev.u.http.target = http_view_str(h->target, &a, &left);
        ev.u.http.index = ++c->requests;
        c->last_req_t = now;
    } else {
        ev.u.http.status = h->status;
        ev.u.http.reason = http_view_str(h->reason, &a, &left);
        if (h->status >= 200 || h->status == 101) {
            ev.u.http.index = ++c->responses;
            if (c->requests >= c->responses) ev.u.http.waited = now - c->last_req_t;
        }
        /* a response without Content-Length or chunking to a request that forbids a body has none */
        if (h->status == 204 || h->status == 304 || (h->status >= 100 && h->status < 200)) ev.u.http.body_known = 1;
    }
    conn_emit(c, &ev, dir, &c->sd[dir].pkt);
}

/* A complete request head of n bytes is at the start of sd->buf. */
static void on_request(struct conn *c, int dir, struct http1_head *h, size_t n)
{
    struct side *sd = &c->sd[dir];
    const struct http1_header *up = http1_find(h, "Upgrade");
    int upgrade = up && http1_token_list_has(up->value, "websocket");
    emit_http(c, dir, h, upgrade, 0, sd->buf, n);
    sd->last_req_head = http1_str_ieq(h->method, "HEAD");
    if (upgrade) {
        /* the request is kept for the response's verdict: the side's buffer, which holds it,
         * is taken whole (the parsed head points into it), and the side starts a new one */
        side_buf_free(c->s, c->req_copy, c->req_cap);
        c->req_copy = NULL;
        c->req_cap = 0;
        if (!c->req) c->req = session_head_get(c->s);
        c->have_req = 0;
        if (c->req) {
            size_t len;
            c->req_cap = sd->bcap;
            c->req_copy = (char *)side_take(sd, &len);
            *c->req = *h;
            c->have_req = 1;
            c->req_t = conn_time(c, &sd->pkt);
        }
        sd->mode = M_WAIT_101;
        return;
    }
    start_body(c, dir, h, 0, 0);
}

/* A complete response head of n bytes (at the start of sd->buf). */
static void on_response(struct conn *c, int dir, struct http1_head *h, size_t n)
{
    struct side *sd = &c->sd[dir];
    struct side *cl = &c->sd[1 - dir];
    int interim = h->status >= 100 && h->status < 200 && h->status != 101;
    emit_http(c, dir, h, h->status == 101, 0, sd->buf, n);
    if (interim) return;
    const struct http1_header *up = h->status == 101 ? http1_find(h, "Upgrade") : NULL;
    int to_ws = up && http1_token_list_has(up->value, "websocket");
    if (h->status == 101 && !c->have_req && !(to_ws && (c->requests == 0 || c->req_cut))) {
        /* a switch asked by a request that was not a WebSocket upgrade (h2c, TLS...): never decoded as
         * WebSocket; what follows is HTTP only if it reads as HTTP, else counted */
        classify_set(c, WSI_CARRIES_UPGRADE_OTHER, "an upgrade to another protocol than WebSocket: not decoded");
        sd->mode = M_DETECT;
        if (cl->mode == M_HTTP_HEAD) cl->mode = M_DETECT;
        return;
    }
    if (c->have_req || h->status == 101) {
        ws_handshake(c, h, dir, &sd->pkt);
        c->have_req = 0;
        if (h->status == 101 && c->verdict != WSI_HS_BAD_101) {
            ws_upgraded(c, dir, h);
            return;
        }
        /* refused, or a 101 that is no WebSocket answer (a failed handshake): what follows is read
         * as HTTP again, or counted when it is not */
        if (cl->mode == M_WAIT_101) {
            size_t hl;
            uint8_t *held = side_take(cl, &hl);
            cl->mode = h->status == 101 ? M_DETECT : M_HTTP_HEAD;
            if (hl) conn_process(c, 1 - dir, held, hl);
            free(held);
        }
        if (h->status == 101) {
            sd->mode = M_DETECT;
            return;
        }
    }
    start_body(c, dir, h, 1, h->status == 204 || h->status == 304 || cl->last_req_head);
}

/* The head being collected is cut: bytes after it are missing (a snap length shorter than the
 * packets, segments not captured). Its complete lines are still a head: reported, marked as cut,
 * with how many of its bytes were captured. Returns 1 when a head was reported. */
int http_head_cut(struct conn *c, int dir)
{
    struct side *sd = &c->sd[dir];
    if (sd->mode != M_HTTP_HEAD || !sd->blen) return 0;
    size_t n = sd->blen;
    while (n && sd->buf[n - 1] != '\n') n--; /* a line cut in the middle is not shown */
    if (!n) return 0;
    struct wsi_session *s = c->s;
    char *tmp = malloc(n + 2);
    struct http1_head *h = session_head_get(s);
    int shown = 0;
    if (tmp && h) {
        memcpy(tmp, sd->buf, n);
        tmp[n] = '\r'; /* the blank line that ends a head */
        tmp[n + 1] = '\n';
        int is_req = dir == conn_client_dir(c);
        long r = is_req ? http1_parse_request(tmp, n + 2, h) : http1_parse_response(tmp, n + 2, h);
        if (r > 0) {
            const struct http1_header *up = is_req ? http1_find(h, "Upgrade") : NULL;
            int upgrade = up && http1_token_list_has(up->value, "websocket");
            if (upgrade) c->req_cut = 1;
            if (!is_req && h->status == 101 && !c->websocket)
                classify_set(c, WSI_CARRIES_HTTP,
                             "HTTP/1.x, then a 101 whose head is cut: whether WebSocket followed cannot be told");
            emit_http(c, dir, h, is_req ? upgrade : h->status == 101, sd->blen, (const uint8_t *)tmp, n);
            shown = 1;
        }
    }
    free(tmp);
    session_head_put(s, h);
    return shown;
}

size_t http_feed_head(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    size_t before = sd->blen;
    size_t take = n;
    long r;
    if (take > HTTP1_MAX_HEAD - before) take = HTTP1_MAX_HEAD - before;
    if (!side_append(sd, p, take, HTTP1_MAX_HEAD)) {
        sd->mode = M_OPAQUE;
        return n;
    }
    /* The head is parsed only when it may have become complete (a blank line among the new
     * bytes), when its first bytes or its first line arrive (what is not HTTP is refused at
     * once), or at the size limit. Each byte is scanned once: a head sent one byte per
     * segment costs linear time, not quadratic. */
    if (before == 0 || sd->head_scan > before) {
        sd->head_scan = 0;
        sd->head_line1 = 0;
    }
    int parse = before == 0 || sd->blen >= HTTP1_MAX_HEAD;
    size_t i = sd->head_scan;
    for (; i < sd->blen; i++) {
        /* from line end to line end (memchr), not byte by byte */
        const uint8_t *nl = memchr(sd->buf + i, '\n', sd->blen - i);
        if (!nl) {
            i = sd->blen;
            break;
        }
        i = (size_t)(nl - sd->buf);
        if (!sd->head_line1) {
            sd->head_line1 = 1;
            parse = 1;
        }
        if ((i >= 1 && sd->buf[i - 1] == '\n') || (i >= 2 && sd->buf[i - 1] == '\r' && sd->buf[i - 2] == '\n')) {
            parse = 1;
            i++;
            break;
        }
    }
    sd->head_scan = i;
    if (!parse) return take < n ? n : take;
    struct wsi_session *s = c->s;
    struct http1_head *h = session_head_get(s);
    if (!h) {
        sd->mode = M_OPAQUE;
        return n;
    }
    int is_req = dir == conn_client_dir(c);
    r = is_req ? http1_parse_request((const char *)sd->buf, sd->blen, h)
               : http1_parse_response((const char *)sd->buf, sd->blen, h);
    if (r == HTTP1_PARTIAL) {
        if (sd->blen >= HTTP1_MAX_HEAD) {
            conn_lost(c, dir, 0, "HTTP head longer than 64 KiB: the rest of this direction is not decoded", &sd->pkt);
            sd->mode = M_OPAQUE;
            side_drop(sd);
        }
        session_head_put(s, h);
        return take < n ? n : take;
    }
    if (r < 0) {
        conn_lost(c, dir, 0, h->error ? h->error : "not an HTTP message", &sd->pkt);
        sd->mode = M_OPAQUE;
        side_drop(sd);
        session_head_put(s, h);
        return n;
    }
    /* r bytes of head; those past r (from this chunk) are given back to the caller */
    size_t used_here = (size_t)r > before ? (size_t)r - before : 0;
    if (is_req) on_request(c, dir, h, (size_t)r);
    else on_response(c, dir, h, (size_t)r);
    session_head_put(s, h);
    if (sd->mode == M_WAIT_101) {
        /* keep nothing of the head; later bytes are held */
        sd->blen = 0;
    } else {
        side_drop(sd);
    }
    return used_here;
}
