/* jsonl.c - the JSON Lines renderer: one object per event, written the moment the event comes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

/* Each line is built in the renderer's buffer and handed to stdio with one fwrite when it
 * is complete; a line longer than the buffer goes out in pieces of at most JBUF bytes (the
 * bytes written are the same either way). */
#define JBUF 65536

struct wsi_json {
    struct wsi_render_opts o; /* output and preview length */
    char *buf;                /* the line being built (JBUF bytes) */
    size_t len;               /* bytes of it used */
};

/* One object being written: the renderer (its buffer and stream) and whether a field was written yet. */
struct jw {
    struct wsi_json *j; /* buffer and output */
    int fields;         /* fields written so far (a comma goes before every one but the first) */
};

struct wsi_json *wsi_json_new(const struct wsi_render_opts *o)
{
    struct wsi_json *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->buf = malloc(JBUF);
    if (!j->buf) {
        free(j);
        return NULL;
    }
    j->o = *o;
    if (!j->o.out) j->o.out = stdout;
    return j;
}

void wsi_json_free(struct wsi_json *j)
{
    if (!j) return;
    free(j->buf);
    free(j);
}

/* ---- the line buffer ------------------------------------------------------ */

/* Hand the buffered bytes to the output stream and empty the buffer. */
static void jflush(struct wsi_json *j)
{
    if (j->len) fwrite(j->buf, 1, j->len, j->o.out);
    j->len = 0;
}

/* Room for n more bytes (n much smaller than JBUF): flushes first when the buffer is too
 * full. Returns where they go; the caller advances j->len by what it wrote. */
static char *room(struct wsi_json *j, size_t n)
{
    if (JBUF - j->len < n) jflush(j);
    return j->buf + j->len;
}

/* Append n bytes; a run larger than the whole buffer goes straight to the stream. */
static void put(struct wsi_json *j, const void *s, size_t n)
{
    if (JBUF - j->len < n) {
        jflush(j);
        if (n > JBUF) {
            fwrite(s, 1, n, j->o.out);
            return;
        }
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
}

/* Append a string literal (its length known at compile time). */
#define PUTS(j, lit) put((j), (lit), sizeof(lit) - 1)

static const char hexdig[16] = "0123456789abcdef";

/* Append v in decimal. */
static void put_u64(struct wsi_json *j, uint64_t v)
{
    char tmp[24];
    char *e = tmp + sizeof tmp, *p = e;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t n = (size_t)(e - p);
    memcpy(room(j, n), p, n);
    j->len += n;
}

/* Append v in decimal, with a '-' when negative (LLONG_MIN included). */
static void put_i64(struct wsi_json *j, long long v)
{
    if (v < 0) {
        PUTS(j, "-");
        put_u64(j, 0 - (uint64_t)v);
    } else {
        put_u64(j, (uint64_t)v);
    }
}

/* Append "S.NNNNNNNNN": s in decimal, then ns (< 1e9) as exactly 9 digits. */
static void put_sec_nsec(struct wsi_json *j, uint64_t s, uint32_t ns)
{
    put_u64(j, s);
    char *p = room(j, 10);
    p[0] = '.';
    for (int i = 9; i >= 1; i--) {
        p[i] = (char)('0' + ns % 10);
        ns /= 10;
    }
    j->len += 10;
}

/* Append \u00XX-style escape of a code point below 0x10000 ("\\u%04x"). */
static void put_u4(struct wsi_json *j, uint32_t c)
{
    char *p = room(j, 6);
    p[0] = '\\';
    p[1] = 'u';
    p[2] = hexdig[(c >> 12) & 15];
    p[3] = hexdig[(c >> 8) & 15];
    p[4] = hexdig[(c >> 4) & 15];
    p[5] = hexdig[c & 15];
    j->len += 6;
}

/* Append v exactly as printf("%.9f", v) does for a finite v (round to nearest, ties to
 * even, on the exact binary value; "-" for every negative v, -0.0 included). Values of
 * 2^52 s or more, where the exact product below could overflow, go through snprintf. */
static void put_double9(struct wsi_json *j, double v)
{
    double a = fabs(v);
    if (!(a < 4503599627370496.0)) { /* 2^52 */
        char tmp[400];
        int n = snprintf(tmp, sizeof tmp, "%.9f", v);
        if (n > 0) put(j, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
        return;
    }
    if (signbit(v)) PUTS(j, "-");
    /* a = m * 2^e with m an integer below 2^53, so a * 1e9 = m * 1e9 * 2^e and
     * m * 1e9 < 2^83: exact in 128 bits. */
    int e;
    double fr = frexp(a, &e); /* a = fr * 2^e, 0.5 <= fr < 1 (or a == 0) */
    uint64_t m = (uint64_t)ldexp(fr, 53);
    e -= 53;
    __extension__ typedef unsigned __int128 u128;
    u128 prod = (u128)m * 1000000000u, q;
    if (a == 0) {
        q = 0;
    } else if (e >= 0) {
        q = prod << e; /* a < 2^52 and m >= 2^52, so e is 0 here */
    } else if (-e >= 100) {
        q = 0; /* prod < 2^83 is below half of 2^100: rounds to 0 */
    } else {
        int s = -e;
        q = prod >> s;
        u128 rem = prod & (((u128)1 << s) - 1), half = (u128)1 << (s - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
    }
    put_sec_nsec(j, (uint64_t)(q / 1000000000u), (uint32_t)(q % 1000000000u));
}

/* ---- writing values ------------------------------------------------------- */

/* The key of a field, given as ",\"name\":" and its length (see KEY); the first field of
 * the object gets '{' in place of the comma. */
static void key_(struct jw *w, const char *ks, size_t kn)
{
    char *p = room(w->j, kn);
    memcpy(p, ks, kn);
    if (!w->fields++) p[0] = '{';
    w->j->len += kn;
}

/* A literal key as the two arguments the value writers take. */
#define KEY(k) ",\"" k "\":", sizeof(",\"" k "\":") - 1

/* A JSON string of arbitrary bytes: valid UTF-8 as is, control characters (and DEL,
 * U+2028, U+2029) as \uXXXX, and every byte that is not part of valid UTF-8 as
 * \u00XX (the byte's value; preview_hex fields keep the exact bytes). Bytes that need
 * no escaping are copied one run at a time. */
static void jstring_bytes(struct wsi_json *j, const uint8_t *s, size_t len)
{
    PUTS(j, "\"");
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    for (size_t i = 0; i < len;) {
        uint8_t b = s[i];
        if (b >= 0x20 && b < 0x7F && b != '"' && b != '\\') {
            i++;
            continue;
        }
        uint32_t c = b;
        size_t n = 1;
        if (b >= 0x80) {
            n = wsi_utf8_next(s + i, len - i, &c);
            if (n && c != 0x2028 && c != 0x2029) {
                i += n;
                continue;
            }
        }
        put(j, s + run, i - run);
        if (!n) { /* not valid UTF-8: the byte's value */
            put_u4(j, b);
            n = 1;
        } else {
            switch (c) {
            case '"': PUTS(j, "\\\""); break;
            case '\\': PUTS(j, "\\\\"); break;
            case '\n': PUTS(j, "\\n"); break;
            case '\r': PUTS(j, "\\r"); break;
            case '\t': PUTS(j, "\\t"); break;
            case '\b': PUTS(j, "\\b"); break;
            case '\f': PUTS(j, "\\f"); break;
            default: put_u4(j, c); break; /* other controls, DEL, U+2028, U+2029 */
            }
        }
        i += n;
        run = i;
    }
    put(j, s + run, len - run);
    PUTS(j, "\"");
}

/* "k": "s" (or null when s is NULL) */
static void jstr_(struct jw *w, const char *ks, size_t kn, const char *s)
{
    key_(w, ks, kn);
    if (s) jstring_bytes(w->j, (const uint8_t *)s, strlen(s));
    else PUTS(w->j, "null");
}

/* "k": the bytes as a JSON string */
static void jbytes_(struct jw *w, const char *ks, size_t kn, const uint8_t *s, size_t len)
{
    key_(w, ks, kn);
    jstring_bytes(w->j, s, len);
}

/* "k": "0a1b..." (lower-case hex of the bytes) */
static void jhex_(struct jw *w, const char *ks, size_t kn, const uint8_t *s, size_t len)
{
    key_(w, ks, kn);
    PUTS(w->j, "\"");
    while (len) {
        size_t n = len < 1024 ? len : 1024; /* bytes converted per piece */
        char *p = room(w->j, 2 * n);
        for (size_t i = 0; i < n; i++) {
            p[2 * i] = hexdig[s[i] >> 4];
            p[2 * i + 1] = hexdig[s[i] & 15];
        }
        w->j->len += 2 * n;
        s += n;
        len -= n;
    }
    PUTS(w->j, "\"");
}

/* "k": v (unsigned) */
static void ju64_(struct jw *w, const char *ks, size_t kn, uint64_t v)
{
    key_(w, ks, kn);
    put_u64(w->j, v);
}

/* "k": v (signed) */
static void jint_(struct jw *w, const char *ks, size_t kn, long long v)
{
    key_(w, ks, kn);
    put_i64(w->j, v);
}

/* "k": true / false */
static void jbool_(struct jw *w, const char *ks, size_t kn, int v)
{
    key_(w, ks, kn);
    if (v) PUTS(w->j, "true");
    else PUTS(w->j, "false");
}

/* "k": null */
static void jnull_(struct jw *w, const char *ks, size_t kn)
{
    key_(w, ks, kn);
    PUTS(w->j, "null");
}

/* A number of seconds; never NaN or infinite (null then). */
static void jsec_(struct jw *w, const char *ks, size_t kn, double v)
{
    key_(w, ks, kn);
    if (isfinite(v)) put_double9(w->j, v);
    else PUTS(w->j, "null");
}

/* Seconds that are -1 (or any negative) when unknown: null then. */
static void jsec_opt_(struct jw *w, const char *ks, size_t kn, double v)
{
    if (v < 0) jnull_(w, ks, kn);
    else jsec_(w, ks, kn, v);
}

/* A close code as the session reports it: -1 none -> null. */
static void jcode_(struct jw *w, const char *ks, size_t kn, int code)
{
    if (code < 0) jnull_(w, ks, kn);
    else jint_(w, ks, kn, code);
}

/* An absolute timestamp with its 9 decimals exact (no trip through a double). */
static void jts_(struct jw *w, const char *ks, size_t kn, int64_t sec, uint32_t nsec)
{
    key_(w, ks, kn);
    if (nsec > 999999999u) nsec = 999999999u;
    if (sec < 0 && nsec) { /* e.g. -1 s + 0.25 s = -0.75 s */
        PUTS(w->j, "-");
        put_sec_nsec(w->j, (uint64_t)(-(sec + 1)), 1000000000u - nsec);
    } else if (sec < 0) {
        PUTS(w->j, "-");
        put_sec_nsec(w->j, 0 - (uint64_t)sec, 0);
    } else {
        put_sec_nsec(w->j, (uint64_t)sec, nsec);
    }
}

/* The value writers as called below: the key is always a string literal. */
#define jstr(w, k, s) jstr_((w), KEY(k), (s))
#define jbytes(w, k, s, n) jbytes_((w), KEY(k), (s), (n))
#define jhex(w, k, s, n) jhex_((w), KEY(k), (s), (n))
#define ju64(w, k, v) ju64_((w), KEY(k), (v))
#define jint(w, k, v) jint_((w), KEY(k), (v))
#define jbool(w, k, v) jbool_((w), KEY(k), (v))
#define jnull(w, k) jnull_((w), KEY(k))
#define jsec(w, k, v) jsec_((w), KEY(k), (v))
#define jsec_opt(w, k, v) jsec_opt_((w), KEY(k), (v))
#define jcode(w, k, c) jcode_((w), KEY(k), (c))
#define jts(w, k, s, ns) jts_((w), KEY(k), (s), (ns))

/* ---- previews ------------------------------------------------------------- */

/* How many of a preview's n bytes are shown: at most opts.payload, and when `text`,
 * never ending inside a character. */
static size_t shown(const struct wsi_json *j, const uint8_t *p, size_t n, int text)
{
    size_t k = n < j->o.payload ? n : j->o.payload;
    if (text && p) k = wsi_utf8_trim_tail(p, k);
    return k;
}

/* ---- one object per event kind ------------------------------------------ */

static void endpoints(struct jw *w, const struct wsi_event *ev)
{
    char a[64], b[64];
    int cd = ev->client_dir == 1 ? 1 : 0;
    jstr(w, "client", ev->ci ? wsi_endpoint_str(ev->ci, cd, a) : NULL);
    jstr(w, "server", ev->ci ? wsi_endpoint_str(ev->ci, 1 - cd, b) : NULL);
}

static void j_http(struct jw *w, const struct wsi_http_ev *h)
{
    jbool(w, "request", h->is_request);
    if (h->is_request) {
        jstr(w, "method", h->method);
        jstr(w, "target", h->target);
    } else {
        jint(w, "status", h->status);
        jstr(w, "reason", h->reason);
    }
    jbool(w, "upgrade", h->upgrade);
    ju64(w, "index", h->index);
    if (h->body_known) ju64(w, "body_length", h->body_len);
    else jnull(w, "body_length");
    jbool(w, "chunked", h->chunked);
    jstr(w, "content_type", h->content_type);
    if (!h->is_request) jsec_opt(w, "waited", h->waited);
}

static void j_chunk(const struct wsi_json *j, struct jw *w, const struct wsi_chunk_ev *c)
{
    size_t n = shown(j, c->preview, c->preview ? c->preview_len : 0, 0);
    ju64(w, "index", c->index);
    ju64(w, "size", c->size);
    jbytes(w, "text", c->preview, n);
    jhex(w, "preview_hex", c->preview, n);
    jbool(w, "preview_truncated", n < c->size);
}

static void j_tls(struct jw *w, const struct wsi_tls_ev *t)
{
    const struct wsi_tls_info *i = t->info;
    jstr(w, "what", i ? "info" : t->alert ? "alert" : "error");
    if (i) {
        jstr(w, "version", i->version);
        jstr(w, "cipher", i->cipher);
        jstr(w, "sni", i->sni);
        jstr(w, "alpn_offered", i->alpn_offered);
        jstr(w, "alpn_selected", i->alpn_selected);
        jstr(w, "versions_offered", i->versions_offered);
        jstr(w, "client_random", i->client_random);
        jbool(w, "decrypting", i->decrypting);
        jstr(w, "why_not", i->why_not);
    }
    if (t->alert) jstr(w, "alert", t->alert);
    if (t->error) jstr(w, "error", t->error);
}

static void j_sse(struct jw *w, const struct wsi_sse_ev *e)
{
    ju64(w, "index", e->index);
    jstr(w, "event", e->event);
    jbytes(w, "data", (const uint8_t *)e->data, e->data_len);
    ju64(w, "data_length", e->data_total);
    jstr(w, "id", e->id);
    if (e->retry >= 0) ju64(w, "retry", (uint64_t)e->retry);
    else jnull(w, "retry");
    ju64(w, "comments", e->comments);
    jbool(w, "dispatched", e->dispatched);
}

static void j_handshake(struct jw *w, const struct wsi_handshake_ev *h)
{
    jstr(w, "path", h->path);
    jstr(w, "host", h->host);
    jstr(w, "origin", h->origin);
    jstr(w, "version", h->version);
    jstr(w, "protocols_offered", h->protocols_offered);
    jstr(w, "protocol_selected", h->protocol_selected);
    jstr(w, "extensions_offered", h->extensions_offered);
    jstr(w, "extensions_selected", h->extensions_selected);
    jstr(w, "key", h->key);
    jstr(w, "accept", h->accept);
    jstr(w, "expected_accept", h->expected_accept);
    if (h->status > 0) jint(w, "status", h->status);
    else jnull(w, "status");
    jstr(w, "reason", h->reason);
    jstr(w, "verdict", wsi_hs_verdict_id(h->verdict));
    jstr(w, "rule", h->rule);
    jstr(w, "why", h->why);
    jbool(w, "key_warning", h->key_warning);
    jbool(w, "deflate", h->deflate);
    jsec_opt(w, "latency", h->latency);
}

static void j_frame(const struct wsi_json *j, struct jw *w, const struct wsi_frame_ev *fe)
{
    const struct wsi_frame *f = fe->f;
    if (f) {
        jbool(w, "fin", f->fin);
        jint(w, "rsv", f->rsv);
        jint(w, "opcode", f->opcode);
        jstr(w, "opcode_name", wsi_opcode_name(f->opcode));
        jbool(w, "mask", f->masked);
        if (f->masked) jhex(w, "masking_key", f->mask, 4);
        ju64(w, "payload_length", f->len);
        jint(w, "len7", f->len7);
        jint(w, "header_length", f->hdr_len);
        ju64(w, "offset", f->offset);
    }
    ju64(w, "index", fe->index);
    size_t n = shown(j, fe->preview, fe->preview ? fe->preview_len : 0, 0);
    jhex(w, "preview_hex", fe->preview, n);
    jbool(w, "preview_truncated", f ? n < f->len : n < fe->preview_len);
}

static void j_message(const struct wsi_json *j, struct jw *w, const struct wsi_message_ev *me)
{
    const struct wsi_message *m = me->m;
    if (!m) return;
    const uint8_t *p = m->preview;
    size_t plen = p ? m->preview_len : 0;
    int is_text = m->opcode == WSI_OP_TEXT && !m->rsv1; /* compressed text is not readable as is */
    uint64_t total = m->len;
    if (me->inflated && me->plain) { /* permessage-deflate: previews are of the inflated payload */
        p = me->plain;
        plen = me->plain_len;
        total = me->plain_total;
        is_text = m->opcode == WSI_OP_TEXT;
    }
    jint(w, "opcode", m->opcode);
    jstr(w, "opcode_name", wsi_opcode_name(m->opcode));
    ju64(w, "length", m->len);
    ju64(w, "frames", m->nframes);
    jbool(w, "rsv1", m->rsv1);
    size_t n = shown(j, p, plen, is_text);
    if (is_text) jbytes(w, "text", p, n);
    jhex(w, "preview_hex", p, n);
    jbool(w, "preview_truncated", n < total);
    if (me->inflated) {
        jbool(w, "compressed", 1);
        if (me->plain) {
            ju64(w, "inflated_length", me->plain_total);
            jbool(w, "inflate_cut", me->plain_cut);
        } else {
            jstr(w, "inflate_error", me->inflate_error);
        }
    }
    if (m->opcode == WSI_OP_TEXT || m->opcode == WSI_OP_CLOSE) {
        if (me->inflated && me->plain && m->opcode == WSI_OP_TEXT) jbool(w, "utf8_valid", me->plain_utf8_valid);
        else if (m->utf8_valid < 0) jnull(w, "utf8_valid"); /* compressed text that did not inflate: not checked */
        else jbool(w, "utf8_valid", m->utf8_valid);
    }
    if (m->opcode == WSI_OP_CLOSE) {
        jcode(w, "close_code", m->close_code);
        const char *name = m->close_code >= 0 ? wsi_close_code_name(m->close_code) : "";
        jstr(w, "close_name", *name ? name : NULL);
        if (m->close_reason) jbytes(w, "close_reason", m->close_reason, m->close_reason_len);
        else jnull(w, "close_reason");
    }
    jbool(w, "incomplete", m->incomplete);
    if (m->opcode == WSI_OP_PONG) jsec_opt(w, "rtt", me->rtt);
}

static void j_close(struct jw *w, const struct wsi_event *ev)
{
    const struct wsi_close_ev *c = &ev->u.close;
    endpoints(w, ev);
    jbool(w, "websocket", c->websocket);
    jbool(w, "tls", c->tls);
    jbool(w, "tls_decrypted", c->tls_decrypted);
    if (c->websocket) jstr(w, "verdict", wsi_hs_verdict_id(c->verdict));
    else jnull(w, "verdict");
    jcode(w, "client_close", c->close_code[WSI_C2S]);
    jcode(w, "server_close", c->close_code[WSI_S2C]);
    jbool(w, "closed_cleanly", c->closed_cleanly);
    jbool(w, "abnormal", c->abnormal);
    ju64(w, "client_frames", c->frames[WSI_C2S]);
    ju64(w, "server_frames", c->frames[WSI_S2C]);
    ju64(w, "client_messages", c->messages[WSI_C2S]);
    ju64(w, "server_messages", c->messages[WSI_S2C]);
    ju64(w, "client_bytes", c->bytes[WSI_C2S]);
    ju64(w, "server_bytes", c->bytes[WSI_S2C]);
    ju64(w, "violations", c->violations);
    ju64(w, "gaps", c->gaps);
    jsec(w, "duration", c->duration);
    ju64(w, "first_packet", c->first_packet);
    ju64(w, "last_packet", c->last_packet);
}

static const char *type_name(enum wsi_ev_kind k)
{
    switch (k) {
    case WSI_EV_CONN: return "connection";
    case WSI_EV_HTTP: return "http";
    case WSI_EV_HANDSHAKE: return "handshake";
    case WSI_EV_FRAME: return "frame";
    case WSI_EV_MESSAGE: return "message";
    case WSI_EV_VIOLATION: return "violation";
    case WSI_EV_GAP: return "gap";
    case WSI_EV_TCP: return "tcp";
    case WSI_EV_LOST: return "lost";
    case WSI_EV_END: return "end";
    case WSI_EV_CLOSE: return "close";
    case WSI_EV_CHUNK: return "chunk";
    case WSI_EV_SSE: return "sse";
    case WSI_EV_TLS: return "tls";
    }
    return "unknown";
}

void wsi_json_event(void *self, const struct wsi_event *ev)
{
    struct wsi_json *j = self;
    struct jw w = {.j = j};
    jstr(&w, "type", type_name(ev->kind));
    ju64(&w, "conn", ev->conn);
    if (ev->side == WSI_C2S) jstr(&w, "dir", "c2s");
    else if (ev->side == WSI_S2C) jstr(&w, "dir", "s2c");
    ju64(&w, "packet", ev->packet);
    jts(&w, "ts", ev->ts_sec, ev->ts_nsec);
    jsec(&w, "t", ev->t);
    switch (ev->kind) {
    case WSI_EV_CONN:
        endpoints(&w, ev);
        jbool(&w, "saw_syn", ev->ci ? ev->ci->saw_syn : 0);
        break;
    case WSI_EV_HTTP: j_http(&w, &ev->u.http); break;
    case WSI_EV_CHUNK: j_chunk(j, &w, &ev->u.chunk); break;
    case WSI_EV_SSE: j_sse(&w, &ev->u.sse); break;
    case WSI_EV_TLS: j_tls(&w, &ev->u.tls); break;
    case WSI_EV_HANDSHAKE: j_handshake(&w, &ev->u.hs); break;
    case WSI_EV_FRAME: j_frame(j, &w, &ev->u.frame); break;
    case WSI_EV_MESSAGE: j_message(j, &w, &ev->u.msg); break;
    case WSI_EV_VIOLATION:
        jstr(&w, "violation", wsi_violation_id(ev->u.viol.v));
        jstr(&w, "rfc", wsi_violation_section(ev->u.viol.v));
        jstr(&w, "text", wsi_violation_text(ev->u.viol.v));
        jstr(&w, "detail", ev->u.viol.detail);
        ju64(&w, "offset", ev->u.viol.offset);
        break;
    case WSI_EV_GAP:
        ju64(&w, "offset", ev->u.gap.offset);
        ju64(&w, "length", ev->u.gap.len);
        break;
    case WSI_EV_TCP:
        jstr(&w, "anomaly", wsi_tcp_anomaly_id(ev->u.tcp.kind));
        jstr(&w, "detail", ev->u.tcp.detail);
        break;
    case WSI_EV_LOST:
        ju64(&w, "offset", ev->u.lost.offset);
        jstr(&w, "why", ev->u.lost.why);
        break;
    case WSI_EV_END: jstr(&w, "reason", wsi_end_reason_id(ev->u.end.why)); break;
    case WSI_EV_CLOSE: j_close(&w, ev); break;
    }
    PUTS(j, "}\n");
    jflush(j); /* the line goes out now, as the event comes */
}
