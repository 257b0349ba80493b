/* mermaid.c - --mermaid: the ladder as a Mermaid sequenceDiagram (text for slides and Markdown notes). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "render.h"
#include "tls.h"

/*
 * Each connection gets two participants, cN (its client) and sN (its server), declared when
 * it starts; every event is written as it comes (nothing is held): HTTP heads, chunks, events
 * and WebSocket messages (or frames, with --frames) as arrows, the handshake's verdict, the
 * OPEN and CLOSED bars, gaps and TLS as notes, violations as notes in a red rectangle.
 * Wire text is hostile: it is escaped for a terminal first (wsi_escape_preview), then every
 * character Mermaid reads as syntax, markup or an entity is written as its #NN; code.
 */

struct wsi_mermaid {
    struct wsi_render_opts o;
    int started;
    struct wsi_connmap conns; /* --frames: per connection, a struct mconn */
};

/* What --frames needs of a connection: its frames so far (numbered as --explain numbers them)
 * and the opcode of the message each direction has open (a continuation's text is shown when
 * it continues text). */
struct mconn {
    uint64_t frames;
    uint8_t open_op[2];
    uint8_t open_rsv1[2];   /* ... and whether it is compressed (RSV1 on its first frame) */
};
#define MCONN_HELD (sizeof(struct mconn) + 32)

struct wsi_mermaid *wsi_mermaid_new(const struct wsi_render_opts *o)
{
    struct wsi_mermaid *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->o = *o;
    if (!m->o.out) m->o.out = stdout;
    return m;
}

char *wsi_mermaid_text(const char *s, char *buf, size_t bufsz)
{
    size_t n = 0;
    if (!bufsz) return buf;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char one[8];
        const char *w = one;
        switch (*p) {
        case '#': case ';': case '<': case '>': case '&': case '%': case '"': case '{': case '}': case ':': case '`':
            snprintf(one, sizeof one, "#%u;", *p);
            break;
        default:
            if (*p < 0x20 || *p == 0x7F) snprintf(one, sizeof one, "\\x%02x", *p);
            else one[0] = (char)*p, one[1] = '\0';
        }
        size_t k = strlen(w);
        if (n + k >= bufsz) break;
        memcpy(buf + n, w, k);
        n += k;
    }
    buf[n] = '\0';
    return buf;
}

/* Wire bytes as Mermaid text: escaped as on a terminal (at most max characters, then "…"), then
 * for Mermaid. */
static const char *wire(const void *s, size_t len, size_t max, char *out, size_t outsz)
{
    char tmp[1024];
    wsi_escape_preview(s, len, max, 1, tmp, sizeof tmp);
    return wsi_mermaid_text(tmp, out, outsz);
}

static const char *wire_str(const char *s, size_t max, char *out, size_t outsz)
{
    return s ? wire(s, strlen(s), max, out, outsz) : "";
}

#define BUF 4096

static void arrow(struct wsi_mermaid *m, const struct wsi_event *ev, const char *label)
{
    if (ev->side == WSI_S2C) fprintf(m->o.out, "    s%" PRIu64 "->>c%" PRIu64 ": %s\n", ev->conn, ev->conn, label);
    else fprintf(m->o.out, "    c%" PRIu64 "->>s%" PRIu64 ": %s\n", ev->conn, ev->conn, label);
}

static void note(struct wsi_mermaid *m, const struct wsi_event *ev, const char *text)
{
    fprintf(m->o.out, "    Note over c%" PRIu64 ",s%" PRIu64 ": %s\n", ev->conn, ev->conn, text);
}

static void red_note(struct wsi_mermaid *m, const struct wsi_event *ev, const char *text)
{
    fputs("    rect rgb(255, 214, 214)\n", m->o.out);
    note(m, ev, text);
    fputs("    end\n", m->o.out);
}

static const char *pl(uint64_t n)
{
    return n == 1 ? "" : "s";
}

/* A message's label: its kind and a preview of its text, its size, or its close code. */
static void message_label(struct wsi_mermaid *m, const struct wsi_message_ev *me, char *out, size_t outsz)
{
    const struct wsi_message *g = me->m;
    char t[BUF], sz[32];
    const uint8_t *p = g->preview;
    size_t n = p ? g->preview_len : 0;
    if (me->inflated && me->plain) {
        p = me->plain;
        n = me->plain_len;
    }
    switch (g->opcode) {
    case WSI_OP_TEXT:
        snprintf(out, outsz, "text #34;%s#34;", wire(p, n, m->o.payload, t, sizeof t));
        break;
    case WSI_OP_BINARY: snprintf(out, outsz, "binary %" PRIu64 " B", me->inflated && me->plain ? me->plain_total : g->len); break;
    case WSI_OP_CLOSE:
        if (g->close_code < 0) {
            snprintf(out, outsz, "close (no code)");
        } else {
            const char *name = wsi_close_code_name(g->close_code);
            snprintf(out, outsz, "close %d%s%s%s%s%s", g->close_code, *name ? " (" : "", name, *name ? ")" : "",
                     g->close_reason_len ? " " : "",
                     g->close_reason_len ? wire(g->close_reason, g->close_reason_len, m->o.payload, t, sizeof t) : "");
        }
        break;
    case WSI_OP_PING:
    case WSI_OP_PONG: {
        char rtt[48] = "";
        if (g->opcode == WSI_OP_PONG && me->rtt >= 0) snprintf(rtt, sizeof rtt, " (round trip %.3f ms)", me->rtt * 1000);
        snprintf(out, outsz, "%s%s%s%s", wsi_opcode_name(g->opcode), n ? " " : "", n ? wire(p, n, m->o.payload, t, sizeof t) : "",
                 rtt);
        break;
    }
    default: snprintf(out, outsz, "%s %s", wsi_opcode_name(g->opcode), wsi_human_size(g->len, sz)); break;
    }
    size_t k = strlen(out);
    if (me->inflated && me->plain && k < outsz)
        snprintf(out + k, outsz - k, " (deflate %" PRIu64 " B to %" PRIu64 " B)", g->len, me->plain_total);
    k = strlen(out);
    if (g->nframes > 1 && k < outsz) snprintf(out + k, outsz - k, " (%u frames)", g->nframes);
    k = strlen(out);
    if (g->incomplete && k < outsz) snprintf(out + k, outsz - k, " (incomplete, bytes missing)");
}

void wsi_mermaid_event(void *self, const struct wsi_event *ev)
{
    struct wsi_mermaid *m = self;
    FILE *out = m->o.out;
    char a[BUF], b[BUF], l[3 * BUF];
    if (!m->started) {
        fputs("sequenceDiagram\n", out);
        m->started = 1;
    }
    switch (ev->kind) {
    case WSI_EV_CONN: {
        char ep[64];
        int cd = ev->client_dir == 1 ? 1 : 0;
        fprintf(out, "    participant c%" PRIu64 " as Client %" PRIu64 " %s\n", ev->conn, ev->conn,
                wsi_mermaid_text(ev->ci ? wsi_endpoint_str(ev->ci, cd, ep) : "", a, sizeof a));
        fprintf(out, "    participant s%" PRIu64 " as Server %" PRIu64 " %s\n", ev->conn, ev->conn,
                wsi_mermaid_text(ev->ci ? wsi_endpoint_str(ev->ci, 1 - cd, ep) : "", a, sizeof a));
        break;
    }
    case WSI_EV_HTTP: {
        const struct wsi_http_ev *h = &ev->u.http;
        if (h->is_request)
            snprintf(l, sizeof l, "%s %s%s", wire_str(h->method, 16, a, sizeof a), wire_str(h->target, 64, b, sizeof b),
                     h->upgrade ? " (Upgrade#58; websocket)" : "");
        else
            snprintf(l, sizeof l, "%d %s", h->status, wire_str(h->reason, 48, a, sizeof a));
        arrow(m, ev, l);
        break;
    }
    case WSI_EV_HANDSHAKE: {
        const struct wsi_handshake_ev *h = &ev->u.hs;
        if (h->verdict == WSI_HS_VALID) {
            note(m, ev, "Sec-WebSocket-Accept ✓ valid");
            note(m, ev, "WebSocket OPEN");
        } else {
            snprintf(l, sizeof l, "handshake %s#58; %s%s%s%s", wsi_hs_verdict_id(h->verdict), wire_str(h->why, 120, a, sizeof a),
                     h->rule ? " (" : "", h->rule ? wire_str(h->rule, 48, b, sizeof b) : "", h->rule ? ")" : "");
            if (h->verdict == WSI_HS_NOT_SEEN) note(m, ev, l);
            else red_note(m, ev, l);
            if (h->status == 101 && h->verdict == WSI_HS_NOT_SEEN) note(m, ev, "WebSocket OPEN");
        }
        break;
    }
    case WSI_EV_FRAME: {
        if (!m->o.frames || !ev->u.frame.f) break;
        const struct wsi_frame *f = ev->u.frame.f;
        struct mconn *mc = wsi_connmap_get(&m->conns, ev->conn);
        if (!mc && (mc = calloc(1, sizeof *mc))) {
            if (wsi_connmap_put(&m->conns, ev->conn, mc) != 0) {
                free(mc);
                mc = NULL;
            } else {
                wsi_budget_charge(m->o.budget, MCONN_HELD);
            }
        }
        int d = ev->side == WSI_S2C;
        uint8_t op = f->opcode;
        int rsv1 = (f->rsv & 4) != 0;
        if (mc && op < 8) { /* data frames: a continuation is of the message its direction has open */
            if (op == WSI_OP_CONT) {
                op = mc->open_op[d];
                rsv1 = mc->open_rsv1[d];
            } else {
                mc->open_op[d] = op;
                mc->open_rsv1[d] = (uint8_t)rsv1;
            }
            if (f->fin) mc->open_op[d] = WSI_OP_CONT;
        }
        char t[BUF], what[BUF + 16], sz[32];
        size_t n = ev->u.frame.preview ? ev->u.frame.preview_len : 0;
        const uint8_t *pv = ev->u.frame.preview;
        if (op == WSI_OP_TEXT && !rsv1 && n) {
            snprintf(what, sizeof what, "#34;%s#34;", wire(pv, n, m->o.payload, t, sizeof t));
        } else if (op == WSI_OP_CLOSE && n >= 2) {
            int code = pv[0] << 8 | pv[1];
            const char *name = wsi_close_code_name(code);
            snprintf(what, sizeof what, "%d%s%s%s", code, *name ? " (" : "", name, *name ? ")" : "");
        } else
            snprintf(what, sizeof what, "%s", wsi_human_size(f->len, sz));
        char key[24] = "";
        if (f->masked) snprintf(key, sizeof key, " mask %02x%02x%02x%02x", f->mask[0], f->mask[1], f->mask[2], f->mask[3]);
        snprintf(l, sizeof l, "[%" PRIu64 "] %s %s%s%s%s", mc ? ++mc->frames : 0, wsi_opcode_name(f->opcode), what,
                 f->fin ? "" : " FIN=0", f->rsv & 4 ? " RSV1" : "", key);
        arrow(m, ev, l);
        break;
    }
    case WSI_EV_MESSAGE:
        if (m->o.frames || !ev->u.msg.m) break;
        message_label(m, &ev->u.msg, l, sizeof l);
        arrow(m, ev, l);
        break;
    case WSI_EV_VIOLATION: {
        char sec[128];
        snprintf(l, sizeof l, "violation#58; %s%s%s (%s)", wire_str(wsi_violation_text(ev->u.viol.v), 200, b, sizeof b),
                 ev->u.viol.detail ? ", " : "", ev->u.viol.detail ? wire_str(ev->u.viol.detail, 120, a, sizeof a) : "",
                 wsi_mermaid_text(wsi_violation_section(ev->u.viol.v), sec, sizeof sec));
        red_note(m, ev, l);
        break;
    }
    case WSI_EV_GAP:
        snprintf(l, sizeof l, "gap#58; %" PRIu64 " byte%s missing (%s)", ev->u.gap.len, pl(ev->u.gap.len),
                 ev->side == WSI_S2C ? "server to client" : "client to server");
        note(m, ev, l);
        break;
    case WSI_EV_LOST:
        snprintf(l, sizeof l, "not decoded further#58; %s", wire_str(ev->u.lost.why, 160, a, sizeof a));
        red_note(m, ev, l);
        break;
    case WSI_EV_CHUNK: {
        const struct wsi_chunk_ev *c = &ev->u.chunk;
        size_t n = c->preview ? c->preview_len : 0;
        snprintf(l, sizeof l, "chunk %" PRIu64 ", %" PRIu64 " B%s%s", c->index, c->size, n && (!c->coding || c->decoded) ? " " : "",
                 n && (!c->coding || c->decoded) ? wire(c->preview, n, m->o.payload, a, sizeof a) : "");
        arrow(m, ev, l);
        break;
    }
    case WSI_EV_SSE: {
        const struct wsi_sse_ev *e = &ev->u.sse;
        snprintf(l, sizeof l, "event %s %s", wire_str(e->event, 32, a, sizeof a),
                 e->data ? wire(e->data, e->data_len, m->o.payload, b, sizeof b) : "");
        arrow(m, ev, l);
        break;
    }
    case WSI_EV_TLS: {
        const struct wsi_tls_ev *t = &ev->u.tls;
        if (t->records) { /* what an observer without keys sees: records, their kind and size */
            const struct wsi_tls_burst *r = t->records;
            char sz[32], ty[24];
            snprintf(l, sizeof l, "TLS %s%s%s%s, %" PRIu64 " record%s, %s", wire_str(wsi_tls_type_name(r->type, ty), 24, b, sizeof b),
                     r->encrypted ? " (encrypted)" : "", r->handshake && *r->handshake ? " " : "",
                     r->handshake && *r->handshake ? wire_str(r->handshake, 80, a, sizeof a) : "", r->count, pl(r->count),
                     wsi_human_size(r->bytes, sz));
            arrow(m, ev, l);
            break;
        }
        if (t->info)
            snprintf(l, sizeof l, "TLS %s %s%s", wire_str(t->info->version, 32, a, sizeof a),
                     wire_str(t->info->cipher, 64, b, sizeof b), t->info->decrypting ? " (decrypted)" : " (encrypted)");
        else
            snprintf(l, sizeof l, "TLS %s", wire_str(t->alert ? t->alert : t->error, 160, a, sizeof a));
        note(m, ev, l);
        break;
    }
    case WSI_EV_NOTE: { /* a fact a HAR records: the browser's errors, failures, how it closed */
        const struct wsi_note_ev *n = &ev->u.note;
        const char *what = n->what ? n->what : "";
        snprintf(l, sizeof l, "the browser recorded %s%s%s",
                 strcmp(what, "close") == 0 ? "how it closed" : strcmp(what, "failure") == 0 ? "a failure" : "an error",
                 n->text && n->text_len ? "#58; " : "", n->text && n->text_len ? wire(n->text, n->text_len, 200, a, sizeof a) : "");
        if (strcmp(what, "close") == 0) note(m, ev, l);
        else red_note(m, ev, l);
        break;
    }
    case WSI_EV_CLOSE: {
        const struct wsi_close_ev *c = &ev->u.close;
        struct mconn *mc = wsi_connmap_del(&m->conns, ev->conn);
        if (mc) wsi_budget_release(m->o.budget, MCONN_HELD);
        free(mc);
        note(m, ev, c->still_open ? "capture ended (connection still open)"
                    : c->abnormal ? "CLOSED without a close frame (1006)"
                    : c->websocket ? "CLOSED" : "CONNECTION CLOSED");
        break;
    }
    default: break;
    }
}

void wsi_mermaid_free(struct wsi_mermaid *m)
{
    if (!m) return;
    if (!m->started) fputs("sequenceDiagram\n", m->o.out);
    size_t n = 0;
    void **left = wsi_connmap_take_all(&m->conns, &n);
    for (size_t i = 0; i < n; i++) {
        free(left[i]);
        wsi_budget_release(m->o.budget, MCONN_HELD);
    }
    free(left);
    free(m);
}
