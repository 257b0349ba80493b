/* jsonl.c - the JSON Lines renderer: one object per event, written the moment the event comes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

struct wsi_json {
    struct wsi_render_opts o; /* output and preview length */
};

/* One object being written: the stream and whether a field was written yet. */
struct jw {
    FILE *f;    /* where the line goes */
    int fields; /* fields written so far (a comma goes before every one but the first) */
};

struct wsi_json *wsi_json_new(const struct wsi_render_opts *o)
{
    struct wsi_json *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->o = *o;
    if (!j->o.out) j->o.out = stdout;
    return j;
}

void wsi_json_free(struct wsi_json *j)
{
    free(j);
}

/* ---- writing values ------------------------------------------------------- */

static void key(struct jw *w, const char *k)
{
    fprintf(w->f, "%s\"%s\":", w->fields++ ? "," : "{", k);
}

/* A JSON string of arbitrary bytes: valid UTF-8 as is, control characters (and DEL,
 * U+2028, U+2029) as \uXXXX, and every byte that is not part of valid UTF-8 as
 * \u00XX (the byte's value; preview_hex fields keep the exact bytes). */
static void jstring_bytes(FILE *f, const uint8_t *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t n = wsi_utf8_next(s + i, len - i, &c);
        if (!n) {
            fprintf(f, "\\u%04x", s[i]);
            i++;
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029) fprintf(f, "\\u%04x", (unsigned)c);
            else fwrite(s + i, 1, n, f);
            break;
        }
        i += n;
    }
    fputc('"', f);
}

/* "k": "s" (or null when s is NULL) */
static void jstr(struct jw *w, const char *k, const char *s)
{
    key(w, k);
    if (s) jstring_bytes(w->f, (const uint8_t *)s, strlen(s));
    else fputs("null", w->f);
}

static void jbytes(struct jw *w, const char *k, const uint8_t *s, size_t len)
{
    key(w, k);
    jstring_bytes(w->f, s, len);
}

/* "k": "0a1b..." (lower-case hex of the bytes) */
static void jhex(struct jw *w, const char *k, const uint8_t *s, size_t len)
{
    key(w, k);
    fputc('"', w->f);
    for (size_t i = 0; i < len; i++) fprintf(w->f, "%02x", s[i]);
    fputc('"', w->f);
}

static void ju64(struct jw *w, const char *k, uint64_t v)
{
    key(w, k);
    fprintf(w->f, "%llu", (unsigned long long)v);
}

static void jint(struct jw *w, const char *k, long long v)
{
    key(w, k);
    fprintf(w->f, "%lld", v);
}

static void jbool(struct jw *w, const char *k, int v)
{
    key(w, k);
    fputs(v ? "true" : "false", w->f);
}

static void jnull(struct jw *w, const char *k)
{
    key(w, k);
    fputs("null", w->f);
}

/* A number of seconds; never NaN or infinite (null then). */
static void jsec(struct jw *w, const char *k, double v)
{
    key(w, k);
    if (isfinite(v)) fprintf(w->f, "%.9f", v);
    else fputs("null", w->f);
}

/* Seconds that are -1 (or any negative) when unknown: null then. */
static void jsec_opt(struct jw *w, const char *k, double v)
{
    if (v < 0) jnull(w, k);
    else jsec(w, k, v);
}

/* A close code as the session reports it: -1 none -> null. */
static void jcode(struct jw *w, const char *k, int code)
{
    if (code < 0) jnull(w, k);
    else jint(w, k, code);
}

/* An absolute timestamp with its 9 decimals exact (no trip through a double). */
static void jts(struct jw *w, const char *k, int64_t sec, uint32_t nsec)
{
    key(w, k);
    if (nsec > 999999999u) nsec = 999999999u;
    if (sec < 0 && nsec) /* e.g. -1 s + 0.25 s = -0.75 s */
        fprintf(w->f, "-%lld.%09u", (long long)(-(sec + 1)), 1000000000u - nsec);
    else
        fprintf(w->f, "%lld.%09u", (long long)sec, nsec);
}

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
    struct jw w = {.f = j->o.out};
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
    fputs("}\n", w.f);
}
