/* session.c - stage 4: HTTP/1.1 on each connection, the upgrade handshake and its verdict, then WebSocket decoding. */

#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accept.h"
#include "http1.h"
#include "inflate.h"
#include "netdecode.h"
#include "reasm.h"
#include "wsframe.h"

/* ---- limits ---------------------------------------------------------------- */

#define DETECT_BYTES 8          /* bytes looked at to tell HTTP from WebSocket from other */
#define WAIT_MAX (64 * 1024)    /* client bytes kept while its upgrade awaits the response */
#define MAX_PINGS 16            /* outstanding pings remembered per side, for pong round trips */
#define MAX_WARNINGS 20         /* packet-level warnings said before they are only counted */
#define DEFAULT_PREVIEW 256

/* ---- per-connection state ---------------------------------------------------- */

/* What one direction's bytes are being read as. */
enum mode {
    M_DETECT = 0,   /* nothing decided yet: collecting the first bytes */
    M_HTTP_HEAD,    /* reading an HTTP message head */
    M_HTTP_BODY,    /* skipping an HTTP body */
    M_WAIT_101,     /* client sent an upgrade request: holding its bytes until the response */
    M_WS,           /* WebSocket frames */
    M_OPAQUE,       /* something else, or unreadable after a problem: bytes only counted */
};

/* How an HTTP body is delimited. */
enum body_kind {
    B_LENGTH = 1,   /* Content-Length bytes */
    B_CHUNKED,      /* chunked transfer coding */
    B_UNTIL_CLOSE,  /* until the connection closes */
};

/* States of the chunked-body skipper. */
enum chunk_state {
    CH_SIZE = 0,    /* reading the chunk-size line */
    CH_DATA,        /* skipping chunk data */
    CH_DATA_CRLF,   /* the CRLF after chunk data */
    CH_TRAILER,     /* trailer lines until an empty one */
};

struct ping {
    uint8_t data[125];  /* payload (control payloads are at most 125 bytes) */
    size_t len;         /* its length */
    double t;           /* when it was sent, relative to the connection start */
    int used;           /* slot holds an unanswered ping */
};

struct conn;
struct sse;

/* One reasm direction of a connection. */
struct side {
    struct conn *c;         /* owning connection */
    int dir;                /* reasm direction 0 or 1 */
    enum mode mode;         /* how bytes are read now */
    uint8_t *buf;           /* head bytes being collected / bytes held while waiting */
    size_t blen, bcap;      /* bytes in buf, its capacity */
    enum body_kind body;    /* current body framing (M_HTTP_BODY) */
    uint64_t body_left;     /* B_LENGTH / chunk data: bytes still to skip */
    enum chunk_state chunk; /* B_CHUNKED state */
    uint64_t chunk_size;    /* size being read on the chunk-size line */
    int chunk_digits;       /* hex digits read on it */
    int chunk_ext;          /* inside a chunk extension (after ';') */
    int line_empty;         /* CH_TRAILER: the current line has no characters yet */
    int last_req_head;      /* client: the last request was HEAD (its response has no body) */
    uint64_t chunk_index;   /* chunks of the current chunked body */
    struct sse *sse;        /* event-stream parser of the current body, or NULL */
    struct wsi_ws_decoder *ws; /* the frame decoder (M_WS), allocated when WebSocket starts */
    struct wsi_pktref pkt;  /* the packet whose bytes are being processed */
    uint64_t frame_index;   /* frames completed */
    uint8_t *fprev;         /* preview of the frame being read */
    size_t fprev_len;       /* bytes in fprev */
    uint64_t frames, messages, bytes; /* counters for the summary */
    int close_code;         /* code of the close frame sent: -1 none, 0 close without code */
    struct wsi_inflate inf; /* permessage-deflate decompressor of this side's messages */
    int inf_on;             /* inf is initialised (deflate negotiated) */
    int msg_compressed;     /* the data message being read has RSV1 and is being inflated */
    struct ping *pings;     /* MAX_PINGS pings sent by this side, awaiting pongs (allocated at the first) */
    unsigned ping_next;     /* next slot to overwrite */
};

struct conn {
    struct wsi_session *s;  /* owning session */
    struct wsi_conn_info ci;/* endpoints, id, first packet */
    int client_dir;         /* reasm direction of the client; -1 while unknown */
    struct side sd[2];      /* per reasm direction */
    char *req_copy;         /* the pending upgrade request head (copy) */
    struct http1_head *req; /* parsed, pointing into req_copy (allocated with it) */
    int have_req;           /* an upgrade request awaits its response */
    double req_t;           /* when it was seen */
    int websocket;          /* the connection carries WebSocket */
    enum wsi_hs_verdict verdict; /* handshake verdict (when websocket or refused) */
    int hs_seen;            /* a handshake event was emitted */
    int announced;          /* its CONN event was emitted */
    struct wsi_tls *tls;    /* TLS on the connection: bytes go through it, plaintext comes out */
    int tls_decrypted;      /* some plaintext came out */
    struct wsi_pmd_params pmd; /* permessage-deflate parameters selected by the server */
    uint64_t requests, responses; /* HTTP heads seen (final responses only) */
    double last_req_t;      /* when the latest request was seen */
    uint64_t violations, gaps;
    struct wsi_pktref last; /* latest packet of this connection */
};

struct wsi_session {
    struct wsi_session_opts o;
    struct wsi_sink sink;
    struct wsi_reasm *reasm;
    struct wsi_session_stats st;
    uint64_t warnings;       /* packet-level warnings so far */
    struct wsi_pktref last;  /* the last packet read */
};

/* ---- small helpers ---------------------------------------------------------- */

static double rel_time(const struct conn *c, const struct wsi_pktref *p)
{
    return (double)(p->ts_sec - c->ci.first.ts_sec) + ((double)p->ts_nsec - (double)c->ci.first.ts_nsec) / 1e9;
}

static enum wsi_side side_of(const struct conn *c, int rdir)
{
    if (rdir < 0) return WSI_NONE;
    int cd = c->client_dir < 0 ? 0 : c->client_dir;
    return rdir == cd ? WSI_C2S : WSI_S2C;
}

/* Fill the common fields of an event and hand it to the sink. */
static void emit(struct conn *c, struct wsi_event *ev, int rdir, const struct wsi_pktref *pkt)
{
    struct wsi_session *s = c->s;
    if (s->o.only_conn && s->o.only_conn != c->ci.id) return;
    if (!c->announced && ev->kind != WSI_EV_CONN) {
        /* A connection first seen mid-stream is announced with its first event, once
         * its first bytes have told which side is the client. */
        struct wsi_event ce = {.kind = WSI_EV_CONN};
        emit(c, &ce, WSI_NONE, &c->ci.first);
    }
    if (ev->kind == WSI_EV_CONN) c->announced = 1;
    if (!pkt) pkt = &c->last;
    ev->conn = c->ci.id;
    ev->side = side_of(c, rdir);
    ev->packet = pkt->num;
    ev->ts_sec = pkt->ts_sec;
    ev->ts_nsec = pkt->ts_nsec;
    ev->t = rel_time(c, pkt);
    ev->ci = &c->ci;
    ev->client_dir = c->client_dir < 0 ? 0 : c->client_dir;
    s->sink.event(s->sink.self, ev);
}

/* Append to a side's buffer, growing it up to `max` bytes. Returns 0 when it would overflow. */
static int buf_append(struct side *sd, const uint8_t *p, size_t n, size_t max)
{
    if (n > max - sd->blen) return 0;
    if (sd->blen + n > sd->bcap) {
        size_t cap = sd->bcap ? sd->bcap : 1024;
        while (cap < sd->blen + n) cap *= 2;
        if (cap > max) cap = max;
        uint8_t *nb = realloc(sd->buf, cap);
        if (!nb) return 0;
        sd->buf = nb;
        sd->bcap = cap;
    }
    memcpy(sd->buf + sd->blen, p, n);
    sd->blen += n;
    return 1;
}

/* Take a side's buffered bytes (the caller frees them); the side's buffer is empty after. */
static uint8_t *buf_take(struct side *sd, size_t *len)
{
    uint8_t *b = sd->buf;
    *len = sd->blen;
    sd->buf = NULL;
    sd->blen = sd->bcap = 0;
    return b;
}

static void buf_drop(struct side *sd)
{
    free(sd->buf);
    sd->buf = NULL;
    sd->blen = sd->bcap = 0;
}

/* Copy a view into `arena` as a NUL-terminated string (cut to fit); NULL when the arena is full. */
static const char *view_str(struct http1_str v, char **arena, size_t *left)
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

/* The value of header `name`, copied as view_str does; NULL when absent. */
static const char *hdr_str(const struct http1_head *h, const char *name, char **arena, size_t *left)
{
    const struct http1_header *hd = h ? http1_find(h, name) : NULL;
    return hd ? view_str(hd->value, arena, left) : NULL;
}

/* A request line starts with a method token and a space. */
static int looks_like_request(const uint8_t *p, size_t n)
{
    static const char *const methods[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
                                          "PATCH ", "CONNECT ", "TRACE "};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t m = strlen(methods[i]);
        size_t k = n < m ? n : m;
        if (memcmp(p, methods[i], k) == 0) return k == m ? 1 : -1; /* -1: could still be */
    }
    return 0;
}

static int looks_like_response(const uint8_t *p, size_t n)
{
    size_t k = n < 5 ? n : 5;
    if (memcmp(p, "HTTP/", k) == 0) return k == 5 ? 1 : -1;
    return 0;
}

/* A plausible first WebSocket frame header: known opcode, no RSV2/3, control frames short and final.
 * Returns 1 masked, 2 unmasked, 0 not a frame, -1 need more bytes. */
static int looks_like_frame(const uint8_t *p, size_t n)
{
    if (n < 2) return -1;
    unsigned op = p[0] & 0x0f, rsv = (p[0] >> 4) & 7, fin = p[0] >> 7;
    unsigned len7 = p[1] & 0x7f;
    if (rsv & 3) return 0;
    if (!(op <= 2 || (op >= 8 && op <= 10))) return 0;
    if (op >= 8 && (!fin || len7 > 125)) return 0;
    return (p[1] & 0x80) ? 1 : 2;
}

/* ---- WebSocket callbacks ------------------------------------------------------ */

static int is_data_opcode(unsigned op) { return op == WSI_OP_TEXT || op == WSI_OP_BINARY; }

static void ws_frame_begin(void *user, const struct wsi_frame *f)
{
    struct side *sd = user;
    sd->fprev_len = 0;
    if (is_data_opcode(f->opcode)) {
        /* RSV1 on a message's first frame marks it compressed (RFC 7692 §6) */
        sd->msg_compressed = sd->inf_on && (f->rsv & 4);
        if (sd->msg_compressed) wsi_inflate_begin(&sd->inf, f->opcode == WSI_OP_TEXT);
    }
}

/* Frame bytes feed the frame preview and the inflater: once the preview is full
 * and nothing is being inflated, the rest of the frame is of no use (returns 0). */
static int ws_frame_data(void *user, const struct wsi_frame *f, const uint8_t *data, size_t len)
{
    struct side *sd = user;
    size_t max = sd->c->s->o.preview_max;
    int inflating = sd->msg_compressed && (is_data_opcode(f->opcode) || f->opcode == WSI_OP_CONT);
    if (inflating) wsi_inflate_feed(&sd->inf, data, len);
    if (sd->fprev_len < max) {
        size_t n = len < max - sd->fprev_len ? len : max - sd->fprev_len;
        memcpy(sd->fprev + sd->fprev_len, data, n);
        sd->fprev_len += n;
    }
    return inflating || sd->fprev_len < max;
}

static void ws_frame_end(void *user, const struct wsi_frame *f)
{
    struct side *sd = user;
    struct wsi_event ev = {.kind = WSI_EV_FRAME};
    sd->frame_index++;
    sd->frames++;
    sd->bytes += f->len;
    ev.u.frame.f = f;
    ev.u.frame.preview = sd->fprev;
    ev.u.frame.preview_len = sd->fprev_len;
    ev.u.frame.index = sd->frame_index;
    emit(sd->c, &ev, sd->dir, &sd->pkt);
}

/* Remember a ping; find the ping a pong answers (same payload) and return its round trip. */
static void ping_record(struct side *sd, const struct wsi_message *m, double t)
{
    if (!sd->pings) sd->pings = calloc(MAX_PINGS, sizeof *sd->pings);
    if (!sd->pings) return;
    struct ping *pg = &sd->pings[sd->ping_next++ % MAX_PINGS];
    pg->len = m->preview_len < sizeof pg->data ? m->preview_len : sizeof pg->data;
    memcpy(pg->data, m->preview, pg->len);
    pg->t = t;
    pg->used = 1;
}

static double pong_match(struct side *pinger, const struct wsi_message *m, double t)
{
    double best = -1;
    struct ping *hit = NULL;
    for (unsigned i = 0; pinger->pings && i < MAX_PINGS; i++) {
        struct ping *pg = &pinger->pings[i];
        if (!pg->used || pg->len != m->preview_len || memcmp(pg->data, m->preview, pg->len) != 0) continue;
        if (!hit || pg->t < hit->t) hit = pg;
    }
    if (hit) {
        best = t - hit->t;
        hit->used = 0;
    }
    return best < 0 ? -1 : best;
}

static void ws_violation(void *user, enum wsi_violation v, const struct wsi_frame *f, const char *detail);

static void ws_message(void *user, const struct wsi_message *m)
{
    struct side *sd = user;
    struct conn *c = sd->c;
    double t = rel_time(c, &sd->pkt);
    struct wsi_event ev = {.kind = WSI_EV_MESSAGE};
    ev.u.msg.m = m;
    ev.u.msg.rtt = -1;
    if (m->opcode == WSI_OP_PING) ping_record(sd, m, t);
    else if (m->opcode == WSI_OP_PONG) ev.u.msg.rtt = pong_match(&c->sd[1 - sd->dir], m, t);
    else if (m->opcode == WSI_OP_CLOSE && sd->close_code < 0) sd->close_code = m->close_code < 0 ? 0 : m->close_code;
    int bad_text = 0;
    if (sd->msg_compressed && is_data_opcode(m->opcode) && m->rsv1) {
        struct wsi_inflate *z = &sd->inf;
        ev.u.msg.inflated = 1;
        if (m->incomplete) wsi_inflate_break(z, "bytes of the compressed message are missing");
        if (wsi_inflate_end(z) == 0) {
            ev.u.msg.plain = z->preview;
            ev.u.msg.plain_len = z->preview_len;
            ev.u.msg.plain_total = z->out_len;
            ev.u.msg.plain_cut = z->cut;
            ev.u.msg.plain_utf8_valid = m->opcode != WSI_OP_TEXT || wsi_inflate_utf8_ok(z);
            bad_text = !ev.u.msg.plain_utf8_valid;
        } else {
            ev.u.msg.inflate_error = z->error;
        }
        sd->msg_compressed = 0;
    }
    sd->messages++;
    emit(c, &ev, sd->dir, &sd->pkt);
    if (bad_text) {
        struct wsi_frame none = {0};
        none.offset = sd->ws ? sd->ws->offset : 0;
        ws_violation(sd, WSI_V_INVALID_UTF8, &none, "the inflated text is not valid UTF-8");
    }
}

static void ws_violation(void *user, enum wsi_violation v, const struct wsi_frame *f, const char *detail)
{
    struct side *sd = user;
    struct wsi_event ev = {.kind = WSI_EV_VIOLATION};
    ev.u.viol.v = v;
    ev.u.viol.detail = detail;
    ev.u.viol.offset = f ? f->offset : (sd->ws ? sd->ws->offset : 0);
    sd->c->violations++;
    sd->c->s->st.violations++;
    emit(sd->c, &ev, sd->dir, &sd->pkt);
}

static void ws_lost(void *user, uint64_t offset, const char *why)
{
    struct side *sd = user;
    struct wsi_event ev = {.kind = WSI_EV_LOST};
    ev.u.lost.offset = offset;
    ev.u.lost.why = why;
    emit(sd->c, &ev, sd->dir, &sd->pkt);
}

static const struct wsi_ws_cb ws_callbacks = {
    .frame_begin = ws_frame_begin,
    .frame_data = ws_frame_data,
    .frame_end = ws_frame_end,
    .message = ws_message,
    .violation = ws_violation,
    .lost = ws_lost,
};

static void process(struct conn *c, int dir, const uint8_t *p, size_t n);

/* Switch one side to WebSocket decoding. */
static void start_ws(struct conn *c, int dir, int rsv1_allowed)
{
    struct side *sd = &c->sd[dir];
    struct wsi_ws_opts wo = {
        .from_client = (dir == (c->client_dir < 0 ? 0 : c->client_dir)),
        .rsv1_allowed = rsv1_allowed,
        .preview_max = c->s->o.preview_max,
    };
    if (!sd->ws) {
        sd->ws = malloc(sizeof *sd->ws);
        if (!sd->ws || wsi_ws_init(sd->ws, &wo, &ws_callbacks, sd) != 0) {
            free(sd->ws);
            sd->ws = NULL;
            sd->mode = M_OPAQUE;
            return;
        }
        if (!sd->fprev) sd->fprev = malloc(c->s->o.preview_max ? c->s->o.preview_max : 1);
        if (!sd->fprev) {
            sd->mode = M_OPAQUE;
            return;
        }
    }
    sd->mode = M_WS;
}

/* ---- the handshake ---------------------------------------------------------- */

static void emit_handshake(struct conn *c, const struct http1_head *resp, int rdir, const struct wsi_pktref *pkt)
{
    struct wsi_event ev = {.kind = WSI_EV_HANDSHAKE};
    struct wsi_handshake_ev *hs = &ev.u.hs;
    char arena[8192];
    char *a = arena;
    size_t left = sizeof arena;
    const struct http1_head *rq = c->have_req ? c->req : NULL;
    struct ws_resp_check rc = {0};
    const struct http1_header *key = rq ? http1_find(rq, "Sec-WebSocket-Key") : NULL;
    const char *kp = NULL;
    size_t kl = 0;

    if (key) {
        kp = key->value.p; /* the parser already removed surrounding whitespace */
        kl = key->value.len;
    }
    if (rq) {
        hs->path = view_str(rq->target, &a, &left);
        hs->host = hdr_str(rq, "Host", &a, &left);
        hs->origin = hdr_str(rq, "Origin", &a, &left);
        hs->version = hdr_str(rq, "Sec-WebSocket-Version", &a, &left);
        hs->protocols_offered = hdr_str(rq, "Sec-WebSocket-Protocol", &a, &left);
        hs->extensions_offered = hdr_str(rq, "Sec-WebSocket-Extensions", &a, &left);
        hs->key = hdr_str(rq, "Sec-WebSocket-Key", &a, &left);
        if (kp && kl) {
            long dl;
            hs->key_warning = ws_key_check(kp, kl, &dl) != WS_KEY_OK;
        }
    }
    hs->latency = -1;
    if (resp) {
        hs->status = resp->status;
        hs->reason = view_str(resp->reason, &a, &left);
        hs->accept = hdr_str(resp, "Sec-WebSocket-Accept", &a, &left);
        hs->protocol_selected = hdr_str(resp, "Sec-WebSocket-Protocol", &a, &left);
        hs->extensions_selected = hdr_str(resp, "Sec-WebSocket-Extensions", &a, &left);
        ws_check_response(resp, kp, kl, &rc);
        if (rc.expected[0]) hs->expected_accept = rc.expected;
        if (rq) hs->latency = rel_time(c, pkt) - c->req_t;
        switch (rc.rule) {
        case WS_RESP_OK: hs->verdict = WSI_HS_VALID; break;
        case WS_RESP_NOT_101: hs->verdict = WSI_HS_REFUSED; break;
        case WS_RESP_NO_UPGRADE:
        case WS_RESP_NO_CONNECTION: hs->verdict = WSI_HS_BAD_101; break;
        case WS_RESP_NO_ACCEPT: hs->verdict = WSI_HS_NO_ACCEPT; break;
        case WS_RESP_ACCEPT_MISMATCH: hs->verdict = WSI_HS_MISMATCH; break;
        }
        if (rc.rule != WS_RESP_OK) {
            hs->rule = rc.section;
            hs->why = rc.why;
        }
        if (resp->status == 101 && !key && rq) {
            hs->verdict = WSI_HS_NO_KEY;
            hs->rule = "RFC 6455 §4.1";
            hs->why = "the request has no Sec-WebSocket-Key, so no Accept can be checked";
        }
        if (!rq && resp->status == 101) {
            hs->verdict = WSI_HS_NOT_SEEN;
            hs->why = "the upgrade request is not in the capture";
        }
        if (hs->extensions_selected) {
            wsi_pmd_parse(hs->extensions_selected, strlen(hs->extensions_selected), &c->pmd);
            hs->deflate = c->pmd.negotiated;
            if (c->pmd.negotiated) hs->pmd = &c->pmd;
        }
    } else {
        hs->verdict = c->have_req ? WSI_HS_NO_RESPONSE : WSI_HS_NOT_SEEN;
        hs->why = c->have_req ? "the upgrade request got no response in the capture"
                              : "the capture starts after the handshake";
        if (c->have_req) hs->rule = "RFC 6455 §4.1";
    }
    c->verdict = hs->verdict;
    c->hs_seen = 1;
    if (hs->verdict != WSI_HS_VALID && hs->verdict != WSI_HS_NOT_SEEN) c->s->st.failed_handshakes++;
    emit(c, &ev, rdir, pkt);
}

/* ---- HTTP ------------------------------------------------------------------ */

/* ---- HTTP bodies: chunks and Server-Sent Events ------------------------------- */

#define SSE_LINE_MAX 4096       /* longest SSE line kept (a longer one is cut, not buffered) */
#define SSE_NAME_MAX 128        /* event type and id kept */

/* The event-stream parser of one response body. */
struct sse {
    char line[SSE_LINE_MAX];    /* the line being read */
    size_t line_len;            /* bytes in line (cut at SSE_LINE_MAX) */
    int after_cr;               /* the last byte was CR: a following LF ends nothing */
    char event[SSE_NAME_MAX];   /* event type of the event being built */
    char id[SSE_NAME_MAX];      /* id set by it */
    int have_id;
    uint8_t *data;              /* data lines, joined with LF (preview_max bytes kept) */
    size_t data_len;
    uint64_t data_total;        /* all data bytes */
    int have_data;              /* a data line was seen */
    long retry;                 /* retry: value, -1 none */
    uint64_t comments;          /* comment lines since the last event */
    uint64_t index;             /* events emitted */
};

static void sse_free(struct sse *e)
{
    if (!e) return;
    free(e->data);
    free(e);
}

static void sse_reset_event(struct sse *e)
{
    e->event[0] = e->id[0] = '\0';
    e->have_id = e->have_data = 0;
    e->data_len = 0;
    e->data_total = 0;
    e->retry = -1;
    e->comments = 0;
}

static void sse_dispatch(struct conn *c, int dir, struct sse *e)
{
    if (!e->have_data && !e->have_id && e->retry < 0 && !e->event[0]) return;
    struct wsi_event ev = {.kind = WSI_EV_SSE};
    char datastr[1];
    ev.u.sse.event = e->event[0] ? e->event : "message";
    ev.u.sse.data = e->data_len ? (const char *)e->data : datastr;
    datastr[0] = '\0';
    ev.u.sse.data_len = e->data_len;
    ev.u.sse.data_total = e->data_total;
    ev.u.sse.id = e->have_id ? e->id : NULL;
    ev.u.sse.retry = e->retry;
    ev.u.sse.comments = e->comments;
    ev.u.sse.index = ++e->index;
    ev.u.sse.dispatched = e->have_data;
    emit(c, &ev, dir, &c->sd[dir].pkt);
    sse_reset_event(e);
}

static void copy_field(char *dst, const char *v, size_t n)
{
    if (n >= SSE_NAME_MAX) n = SSE_NAME_MAX - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* One complete line of the event stream. */
static void sse_line(struct conn *c, int dir, struct sse *e, size_t preview_max)
{
    const char *l = e->line;
    size_t n = e->line_len;
    if (n == 0) {
        sse_dispatch(c, dir, e);
        return;
    }
    if (l[0] == ':') {
        e->comments++;
        return;
    }
    const char *colon = memchr(l, ':', n);
    size_t fl = colon ? (size_t)(colon - l) : n;
    const char *v = colon ? colon + 1 : l + n;
    size_t vl = colon ? n - fl - 1 : 0;
    if (vl && *v == ' ') v++, vl--;
    if (fl == 5 && memcmp(l, "event", 5) == 0) {
        copy_field(e->event, v, vl);
    } else if (fl == 4 && memcmp(l, "data", 4) == 0) {
        /* lines join with LF */
        if (e->have_data) {
            if (e->data_len < preview_max) e->data[e->data_len++] = '\n';
            e->data_total++;
        }
        size_t k = vl < preview_max - e->data_len ? vl : preview_max - e->data_len;
        memcpy(e->data + e->data_len, v, k);
        e->data_len += k;
        e->data_total += vl;
        e->have_data = 1;
    } else if (fl == 2 && memcmp(l, "id", 2) == 0) {
        if (!memchr(v, '\0', vl)) {
            copy_field(e->id, v, vl);
            e->have_id = 1;
        }
    } else if (fl == 5 && memcmp(l, "retry", 5) == 0) {
        long r = 0;
        size_t i;
        for (i = 0; i < vl && v[i] >= '0' && v[i] <= '9' && r < 100000000L; i++) r = r * 10 + (v[i] - '0');
        if (vl && i == vl) e->retry = r;
    }
}

static void sse_feed(struct conn *c, int dir, struct sse *e, const uint8_t *p, size_t n, size_t preview_max)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '\n' && e->after_cr) {
            e->after_cr = 0;
            continue;
        }
        e->after_cr = ch == '\r';
        if (ch == '\r' || ch == '\n') {
            sse_line(c, dir, e, preview_max);
            e->line_len = 0;
        } else if (e->line_len < SSE_LINE_MAX) {
            e->line[e->line_len++] = (char)ch;
        }
    }
}

/* Content bytes of a body (after dechunking). */
static void body_data(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    size_t max = c->s->o.preview_max;
    if (sd->body == B_CHUNKED && sd->fprev && sd->fprev_len < max) {
        size_t k = n < max - sd->fprev_len ? n : max - sd->fprev_len;
        memcpy(sd->fprev + sd->fprev_len, p, k);
        sd->fprev_len += k;
    }
    if (sd->sse) sse_feed(c, dir, sd->sse, p, n, max);
}

/* The body ended: a last event without its blank line is not dispatched (as browsers do). */
static void body_done(struct side *sd)
{
    sse_free(sd->sse);
    sd->sse = NULL;
    sd->mode = M_HTTP_HEAD;
}

static void chunk_done(struct conn *c, int dir)
{
    struct side *sd = &c->sd[dir];
    struct wsi_event ev = {.kind = WSI_EV_CHUNK};
    if (sd->sse) return; /* an event stream is shown as its events, whatever its chunking */
    ev.u.chunk.size = sd->chunk_size;
    ev.u.chunk.preview = sd->fprev;
    ev.u.chunk.preview_len = sd->fprev_len;
    ev.u.chunk.index = ++sd->chunk_index;
    emit(c, &ev, dir, &sd->pkt);
    sd->fprev_len = 0;
}

/* Read body bytes; returns bytes consumed (the body may end inside the data). */
static size_t read_body(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    size_t i = 0;
    if (sd->body == B_UNTIL_CLOSE) {
        body_data(c, dir, p, n);
        return n;
    }
    if (sd->body == B_LENGTH) {
        size_t k = sd->body_left < n ? (size_t)sd->body_left : n;
        body_data(c, dir, p, k);
        sd->body_left -= k;
        if (sd->body_left == 0) body_done(sd);
        return k;
    }
    /* chunked */
    while (i < n && sd->mode == M_HTTP_BODY) {
        uint8_t ch = p[i];
        switch (sd->chunk) {
        case CH_SIZE:
            i++;
            if (ch == '\n') {
                if (!sd->chunk_digits) { body_done(sd); sd->mode = M_OPAQUE; return i; }
                if (sd->chunk_size == 0) { sd->chunk = CH_TRAILER; sd->line_empty = 1; }
                else { sd->chunk = CH_DATA; sd->body_left = sd->chunk_size; sd->fprev_len = 0; }
            } else if (ch == ';') {
                sd->chunk_ext = 1;
            } else if (!sd->chunk_ext && ch != '\r' && ch != ' ' && ch != '\t') {
                int v = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                        : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
                if (v < 0 || sd->chunk_digits >= 15) { body_done(sd); sd->mode = M_OPAQUE; return i; }
                sd->chunk_size = sd->chunk_size * 16 + (uint64_t)v;
                sd->chunk_digits++;
            }
            break;
        case CH_DATA: {
            size_t k = sd->body_left < n - i ? (size_t)sd->body_left : n - i;
            body_data(c, dir, p + i, k);
            sd->body_left -= k;
            i += k;
            if (sd->body_left == 0) {
                chunk_done(c, dir);
                sd->chunk = CH_DATA_CRLF;
            }
            break;
        }
        case CH_DATA_CRLF:
            i++;
            if (ch == '\n') { sd->chunk = CH_SIZE; sd->chunk_size = 0; sd->chunk_digits = 0; sd->chunk_ext = 0; }
            break;
        case CH_TRAILER:
            i++;
            if (ch == '\n') {
                if (sd->line_empty) body_done(sd);
                sd->line_empty = 1;
            } else if (ch != '\r') {
                sd->line_empty = 0;
            }
            break;
        }
    }
    return i;
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
        sd->body = B_CHUNKED;
        sd->chunk = CH_SIZE;
        sd->chunk_size = 0;
        sd->chunk_digits = 0;
        sd->chunk_ext = 0;
        if (!sd->fprev) sd->fprev = malloc(c->s->o.preview_max);
        if (!sd->fprev) sd->mode = M_OPAQUE;
    } else if (cl > 0) {
        sd->mode = M_HTTP_BODY;
        sd->body = B_LENGTH;
        sd->body_left = (uint64_t)cl;
    } else if (cl == -1 && is_response) {
        sd->mode = M_HTTP_BODY;
        sd->body = B_UNTIL_CLOSE;
    } else if (cl == -2) {
        sd->mode = M_OPAQUE;
    }
    if (sd->mode == M_HTTP_BODY && is_response && is_event_stream(h)) {
        sd->sse = calloc(1, sizeof *sd->sse);
        if (sd->sse) sd->sse->data = malloc(c->s->o.preview_max);
        if (sd->sse && !sd->sse->data) {
            sse_free(sd->sse);
            sd->sse = NULL;
        }
        if (sd->sse) sse_reset_event(sd->sse);
    }
}

static void emit_http(struct conn *c, int dir, const struct http1_head *h, int upgrade)
{
    struct wsi_event ev = {.kind = WSI_EV_HTTP};
    char arena[4096];
    char *a = arena;
    size_t left = sizeof arena;
    long long cl = http1_content_length(h);
    double now = rel_time(c, &c->sd[dir].pkt);
    ev.u.http.is_request = h->is_request;
    ev.u.http.upgrade = upgrade;
    ev.u.http.body_len = cl > 0 ? (uint64_t)cl : 0;
    ev.u.http.chunked = http1_is_chunked(h);
    ev.u.http.body_known = cl >= 0 && !ev.u.http.chunked;
    ev.u.http.content_type = hdr_str(h, "Content-Type", &a, &left);
    ev.u.http.waited = -1;
    if (h->is_request) {
        ev.u.http.method = view_str(h->method, &a, &left);
        ev.u.http.target = view_str(h->target, &a, &left);
        ev.u.http.index = ++c->requests;
        c->last_req_t = now;
    } else {
        ev.u.http.status = h->status;
        ev.u.http.reason = view_str(h->reason, &a, &left);
        if (h->status >= 200 || h->status == 101) {
            ev.u.http.index = ++c->responses;
            if (c->requests >= c->responses) ev.u.http.waited = now - c->last_req_t;
        }
        /* a response without Content-Length or chunking to a request that forbids a body has none */
        if (h->status == 204 || h->status == 304 || (h->status >= 100 && h->status < 200)) ev.u.http.body_known = 1;
    }
    emit(c, &ev, dir, &c->sd[dir].pkt);
}

/* A complete request head of n bytes is at the start of sd->buf. */
static void on_request(struct conn *c, int dir, struct http1_head *h, size_t n)
{
    struct side *sd = &c->sd[dir];
    const struct http1_header *up = http1_find(h, "Upgrade");
    int upgrade = up && http1_token_list_has(up->value, "websocket");
    emit_http(c, dir, h, upgrade);
    sd->last_req_head = http1_str_ieq(h->method, "HEAD");
    if (upgrade) {
        free(c->req_copy);
        c->req_copy = malloc(n);
        if (!c->req) c->req = malloc(sizeof *c->req);
        c->have_req = 0;
        if (c->req_copy && c->req) {
            memcpy(c->req_copy, sd->buf, n);
            c->have_req = http1_parse_request(c->req_copy, n, c->req) > 0;
            c->req_t = rel_time(c, &sd->pkt);
        }
        sd->mode = M_WAIT_101;
        return;
    }
    start_body(c, dir, h, 0, 0);
}

/* A complete response head of n bytes is at the start of sd->buf. */
static void on_response(struct conn *c, int dir, struct http1_head *h)
{
    struct side *sd = &c->sd[dir];
    struct side *cl = &c->sd[1 - dir];
    int interim = h->status >= 100 && h->status < 200 && h->status != 101;
    emit_http(c, dir, h, h->status == 101);
    if (interim) return;
    if (c->have_req || h->status == 101) {
        emit_handshake(c, h, dir, &sd->pkt);
        int is_ws = h->status == 101 && c->verdict != WSI_HS_BAD_101;
        c->have_req = 0;
        if (is_ws) {
            const struct http1_header *ext = http1_find(h, "Sec-WebSocket-Extensions");
            int rsv1 = ext && ext->value.len > 0;
            c->websocket = 1;
            if (c->pmd.negotiated) {
                int cd = c->client_dir < 0 ? 0 : c->client_dir;
                for (int d = 0; d < 2; d++) {
                    int nct = d == cd ? c->pmd.client_no_context_takeover : c->pmd.server_no_context_takeover;
                    c->sd[d].inf_on = wsi_inflate_init(&c->sd[d].inf, nct, c->s->o.preview_max) == 0;
                }
            }
            start_ws(c, dir, rsv1);
            /* the client's bytes held since its request are frames too */
            size_t hl;
            uint8_t *held = buf_take(cl, &hl);
            start_ws(c, 1 - dir, rsv1);
            if (hl) {
                cl->mode = M_WS;
                if (cl->ws) wsi_ws_feed(cl->ws, held, hl);
            }
            free(held);
            return;
        }
        if (h->status == 101) { /* switched to something else */
            sd->mode = M_OPAQUE;
            cl->mode = M_OPAQUE;
            return;
        }
        /* refused: the client goes on speaking HTTP */
        if (cl->mode == M_WAIT_101) {
            size_t hl;
            uint8_t *held = buf_take(cl, &hl);
            cl->mode = M_HTTP_HEAD;
            if (hl) process(c, 1 - dir, held, hl);
            free(held);
        }
    }
    start_body(c, dir, h, 1, h->status == 204 || h->status == 304 || cl->last_req_head);
}

/* Collect head bytes and act on a complete head. Returns bytes consumed from p. */
static size_t feed_head(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    struct http1_head *h = malloc(sizeof *h);
    size_t before = sd->blen;
    size_t take = n;
    long r;
    if (!h) { sd->mode = M_OPAQUE; return n; }
    if (take > HTTP1_MAX_HEAD - before) take = HTTP1_MAX_HEAD - before;
    if (!buf_append(sd, p, take, HTTP1_MAX_HEAD)) {
        free(h);
        sd->mode = M_OPAQUE;
        return n;
    }
    int is_req = dir == (c->client_dir < 0 ? 0 : c->client_dir);
    r = is_req ? http1_parse_request((const char *)sd->buf, sd->blen, h)
               : http1_parse_response((const char *)sd->buf, sd->blen, h);
    if (r == HTTP1_PARTIAL) {
        if (sd->blen >= HTTP1_MAX_HEAD) {
            struct wsi_event ev = {.kind = WSI_EV_LOST};
            ev.u.lost.offset = 0;
            ev.u.lost.why = "HTTP head longer than 64 KiB: the rest of this direction is not decoded";
            emit(c, &ev, dir, &sd->pkt);
            sd->mode = M_OPAQUE;
            buf_drop(sd);
        }
        free(h);
        return take < n ? n : take;
    }
    if (r < 0) {
        struct wsi_event ev = {.kind = WSI_EV_LOST};
        ev.u.lost.offset = 0;
        ev.u.lost.why = h->error ? h->error : "not an HTTP message";
        emit(c, &ev, dir, &sd->pkt);
        sd->mode = M_OPAQUE;
        buf_drop(sd);
        free(h);
        return n;
    }
    /* r bytes of head; those past r (from this chunk) are given back to the caller */
    size_t used_here = (size_t)r > before ? (size_t)r - before : 0;
    if (is_req) on_request(c, dir, h, (size_t)r);
    else on_response(c, dir, h);
    free(h);
    if (sd->mode == M_WAIT_101) {
        /* keep nothing of the head; later bytes are held */
        sd->blen = 0;
    } else {
        buf_drop(sd);
    }
    return used_here;
}

/* ---- TLS (wss://) -------------------------------------------------------------- */

/* TLS direction (0 client, 1 server) of a reasm direction, and back. */
static int tls_dir(const struct conn *c, int rdir) { return rdir == (c->client_dir < 0 ? 0 : c->client_dir) ? 0 : 1; }
static int rdir_of(const struct conn *c, int tdir)
{
    int cd = c->client_dir < 0 ? 0 : c->client_dir;
    return tdir == 0 ? cd : 1 - cd;
}

static void tls_plaintext(void *user, int tdir, const uint8_t *data, size_t len)
{
    struct conn *c = user;
    int d = rdir_of(c, tdir);
    c->tls_decrypted = 1;
    c->sd[d].pkt = c->last;
    process(c, d, data, len);
}

static void tls_emit(struct conn *c, int rdir, const struct wsi_tls_info *info, const char *alert, const char *error)
{
    struct wsi_event ev = {.kind = WSI_EV_TLS};
    ev.u.tls.info = info;
    ev.u.tls.alert = alert;
    ev.u.tls.error = error;
    emit(c, &ev, rdir, &c->last);
}

static void tls_info(void *user, const struct wsi_tls_info *info)
{
    struct conn *c = user;
    tls_emit(c, WSI_NONE, info, NULL, NULL);
}

static void tls_alert(void *user, int tdir, int level, int description, const char *text)
{
    struct conn *c = user;
    (void)level;
    (void)description;
    tls_emit(c, rdir_of(c, tdir), NULL, text, NULL);
}

static void tls_error(void *user, int tdir, const char *why)
{
    struct conn *c = user;
    tls_emit(c, rdir_of(c, tdir), NULL, NULL, why);
}

static const struct wsi_tls_cb tls_callbacks = {
    .plaintext = tls_plaintext,
    .info = tls_info,
    .alert = tls_alert,
    .error = tls_error,
};

/* The first bytes of direction dir are a TLS hello: from here on both directions'
 * bytes go through the TLS layer; what it decrypts starts afresh as HTTP. */
static void start_tls(struct conn *c, int dir, const uint8_t *p, size_t n, size_t take)
{
    struct side *sd = &c->sd[dir];
    /* a ClientHello (handshake type 1 after the 5-byte record header) names the client */
    if (c->client_dir < 0 || !c->ci.saw_syn) c->client_dir = (sd->blen > 5 && sd->buf[5] == 2) ? 1 - dir : dir;
    c->tls = wsi_tls_new(c->s->o.keylog, &tls_callbacks, c);
    size_t hl;
    uint8_t *held = buf_take(sd, &hl);
    if (!c->tls) {
        sd->mode = M_OPAQUE;
        free(held);
        return;
    }
    /* the plaintext side starts by detecting again (HTTP, most likely) */
    sd->mode = M_DETECT;
    wsi_tls_feed(c->tls, tls_dir(c, dir), held, hl);
    free(held);
    if (take < n && c->tls) wsi_tls_feed(c->tls, tls_dir(c, dir), p + take, n - take);
}

/* Decide what a direction carries from its first bytes. */
static void detect(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    size_t take = n < DETECT_BYTES - sd->blen ? n : DETECT_BYTES - sd->blen;
    buf_append(sd, p, take, DETECT_BYTES);
    const uint8_t *b = sd->buf;
    size_t bl = sd->blen;
    int rq = looks_like_request(b, bl), rs = looks_like_response(b, bl), fr = looks_like_frame(b, bl);
    int tl = c->tls || c->websocket || c->hs_seen ? 0 : wsi_tls_looks_like(b, bl);
    enum mode m;
    if (tl == 1) {
        start_tls(c, dir, p, n, take);
        return;
    }
    if (tl < 0 && bl < DETECT_BYTES && take == n) return; /* too few bytes yet */
    if (rq == 1) {
        m = M_HTTP_HEAD;
        if (c->client_dir < 0 || !c->ci.saw_syn) c->client_dir = dir;
    } else if (rs == 1) {
        m = M_HTTP_HEAD;
        if (c->client_dir < 0 || !c->ci.saw_syn) c->client_dir = 1 - dir;
    } else if ((rq < 0 || rs < 0 || fr < 0) && bl < DETECT_BYTES && take == n) {
        return; /* too few bytes yet */
    } else if (fr > 0 && (c->websocket || !c->hs_seen)) {
        /* mid-stream WebSocket: client frames are masked */
        if (c->client_dir < 0) c->client_dir = fr == 1 ? dir : 1 - dir;
        if (!c->websocket) {
            c->websocket = 1;
            emit_handshake(c, NULL, WSI_NONE, &sd->pkt);
        }
        m = M_WS;
    } else {
        m = M_OPAQUE;
    }
    size_t hl;
    uint8_t *held = buf_take(sd, &hl);
    if (m == M_WS) {
        start_ws(c, dir, 1);
        struct side *other = &c->sd[1 - dir];
        if (other->mode == M_DETECT && other->blen == 0) start_ws(c, 1 - dir, 1);
    } else {
        sd->mode = m;
    }
    process(c, dir, held, hl);
    free(held);
    if (take < n) process(c, dir, p + take, n - take);
}

/* Route bytes of one direction according to its mode. */
static void process(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    while (n > 0) {
        size_t k;
        switch (sd->mode) {
        case M_DETECT:
            detect(c, dir, p, n);
            return;
        case M_HTTP_HEAD:
            k = feed_head(c, dir, p, n);
            break;
        case M_HTTP_BODY:
            k = read_body(c, dir, p, n);
            break;
        case M_WAIT_101:
            if (!buf_append(sd, p, n, WAIT_MAX)) sd->mode = M_OPAQUE;
            return;
        case M_WS:
            if (sd->ws) wsi_ws_feed(sd->ws, p, n);
            return;
        case M_OPAQUE:
        default:
            return;
        }
        p += k;
        n -= k;
    }
}

/* ---- reassembly callbacks ---------------------------------------------------- */

static void *cb_open(void *user, const struct wsi_conn_info *ci)
{
    struct wsi_session *s = user;
    struct conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->s = s;
    c->ci = *ci;
    c->client_dir = ci->saw_syn ? 0 : -1;
    c->last = ci->first;
    for (int d = 0; d < 2; d++) {
        c->sd[d].c = c;
        c->sd[d].dir = d;
        c->sd[d].close_code = -1;
    }
    s->st.connections++;
    if (ci->saw_syn) {
        struct wsi_event ev = {.kind = WSI_EV_CONN};
        emit(c, &ev, WSI_NONE, &ci->first);
    }
    return c;
}

static void cb_data(void *cu, int dir, const uint8_t *data, size_t len, uint64_t offset, const struct wsi_pktref *pkt)
{
    struct conn *c = cu;
    (void)offset;
    if (!c) return;
    c->last = *pkt;
    c->sd[dir].pkt = *pkt;
    if (c->tls) wsi_tls_feed(c->tls, tls_dir(c, dir), data, len);
    else process(c, dir, data, len);
}

static void cb_gap(void *cu, int dir, uint64_t offset, uint64_t len, const struct wsi_pktref *pkt)
{
    struct conn *c = cu;
    if (!c) return;
    struct side *sd = &c->sd[dir];
    struct wsi_event ev = {.kind = WSI_EV_GAP};
    c->last = *pkt;
    sd->pkt = *pkt;
    ev.u.gap.offset = offset;
    ev.u.gap.len = len;
    c->gaps++;
    c->s->st.gaps++;
    emit(c, &ev, dir, pkt);
    if (c->tls) {
        /* the TLS record stream cannot be followed past missing bytes */
        wsi_tls_gap(c->tls, tls_dir(c, dir));
        return;
    }
    switch (sd->mode) {
    case M_WS:
        if (sd->msg_compressed) wsi_inflate_break(&sd->inf, "bytes of the compressed message are missing");
        if (sd->ws) wsi_ws_gap(sd->ws, len);
        break;
    case M_HTTP_BODY:
        if (sd->body == B_UNTIL_CLOSE) break;
        if (sd->body == B_LENGTH && len < sd->body_left) {
            sd->body_left -= len;
            break;
        }
        /* fall through */
    default: {
        struct wsi_event le = {.kind = WSI_EV_LOST};
        le.u.lost.offset = offset;
        le.u.lost.why = "a gap in the HTTP stream: the rest of this direction is not decoded";
        if (sd->mode != M_OPAQUE) emit(c, &le, dir, pkt);
        sd->mode = M_OPAQUE;
        buf_drop(sd);
        break;
    }
    }
}

static void cb_anomaly(void *cu, int dir, enum wsi_tcp_anomaly kind, const char *detail, const struct wsi_pktref *pkt)
{
    struct conn *c = cu;
    if (!c) return;
    struct wsi_event ev = {.kind = WSI_EV_TCP};
    ev.u.tcp.kind = kind;
    ev.u.tcp.detail = detail; /* the renderers name the kind themselves */
    c->last = *pkt;
    emit(c, &ev, dir, pkt);
}

static void cb_end(void *cu, int dir, enum wsi_end_reason why, const struct wsi_pktref *pkt)
{
    struct conn *c = cu;
    if (!c) return;
    struct side *sd = &c->sd[dir];
    sd->pkt = *pkt;
    if (pkt->num) c->last = *pkt;
    if (sd->mode == M_WS && sd->ws) wsi_ws_end(sd->ws);
    if (sd->mode == M_DETECT && sd->blen) {
        /* a few bytes that never sufficed to decide */
        sd->mode = M_OPAQUE;
    }
    struct wsi_event ev = {.kind = WSI_EV_END};
    ev.u.end.why = why;
    emit(c, &ev, dir, pkt);
}

static void cb_close(void *cu)
{
    struct conn *c = cu;
    if (!c) return;
    struct wsi_session *s = c->s;
    if (c->tls) wsi_tls_finish(c->tls);
    if (c->have_req) emit_handshake(c, NULL, WSI_NONE, &c->last);
    struct wsi_event ev = {.kind = WSI_EV_CLOSE};
    struct wsi_close_ev *ce = &ev.u.close;
    int cd = c->client_dir < 0 ? 0 : c->client_dir;
    ce->websocket = c->websocket;
    ce->tls = c->tls != NULL;
    ce->tls_decrypted = c->tls_decrypted;
    ce->verdict = c->verdict;
    for (int sdx = 0; sdx < 2; sdx++) {
        const struct side *sd = &c->sd[sdx == WSI_C2S ? cd : 1 - cd];
        ce->close_code[sdx] = sd->close_code;
        ce->frames[sdx] = sd->frames;
        ce->messages[sdx] = sd->messages;
        ce->bytes[sdx] = sd->bytes;
    }
    ce->closed_cleanly = ce->close_code[0] >= 0 && ce->close_code[1] >= 0;
    ce->abnormal = c->websocket && ce->close_code[0] < 0 && ce->close_code[1] < 0;
    ce->violations = c->violations;
    ce->gaps = c->gaps;
    ce->duration = rel_time(c, &c->last);
    ce->first_packet = c->ci.first.num;
    ce->last_packet = c->last.num;
    if (c->websocket) s->st.websockets++;
    emit(c, &ev, WSI_NONE, &c->last);
    for (int d = 0; d < 2; d++) {
        if (c->sd[d].ws) wsi_ws_free(c->sd[d].ws);
        free(c->sd[d].ws);
        free(c->sd[d].pings);
        if (c->sd[d].inf_on) wsi_inflate_free(&c->sd[d].inf);
        free(c->sd[d].fprev);
        free(c->sd[d].buf);
        sse_free(c->sd[d].sse);
    }
    free(c->req_copy);
    free(c->req);
    wsi_tls_free(c->tls);
    free(c);
}

/* ---- packets -------------------------------------------------------------- */

static void warn(struct wsi_session *s, uint64_t packet, const char *what)
{
    s->warnings++;
    if (!s->o.warn) return;
    if (s->warnings <= MAX_WARNINGS) s->o.warn(s->o.warn_user, packet, what);
    else if (s->warnings == MAX_WARNINGS + 1)
        s->o.warn(s->o.warn_user, packet, "further packet warnings are not shown (counted at the end)");
}

void wsi_session_packet(void *session, const struct wsi_packet *pkt)
{
    struct wsi_session *s = session;
    struct wsi_tcpseg seg;
    const char *why = NULL;
    struct wsi_pktref ref = {.num = pkt->num, .ts_sec = pkt->ts_sec, .ts_nsec = pkt->ts_nsec};
    s->st.packets++;
    s->last = ref;
    switch (wsi_decode_packet(pkt->linktype, pkt->data, pkt->caplen, pkt->len, &seg, &why)) {
    case WSI_DEC_OK:
        s->st.tcp++;
        wsi_reasm_segment(s->reasm, &seg, &ref);
        break;
    case WSI_DEC_NOT_TCP:
        s->st.skipped++;
        break;
    default:
        s->st.undecodable++;
        warn(s, pkt->num, why ? why : "undecodable packet");
        break;
    }
}

struct wsi_session *wsi_session_new(const struct wsi_session_opts *o, const struct wsi_sink *sink)
{
    static const struct wsi_reasm_cb cbs = {
        .on_open = cb_open,
        .on_data = cb_data,
        .on_gap = cb_gap,
        .on_anomaly = cb_anomaly,
        .on_end = cb_end,
        .on_close = cb_close,
    };
    struct wsi_session *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->o = *o;
    if (!s->o.preview_max) s->o.preview_max = DEFAULT_PREVIEW;
    s->sink = *sink;
    s->reasm = wsi_reasm_new(&cbs, s, &s->o.limits);
    if (!s->reasm) {
        free(s);
        return NULL;
    }
    return s;
}

void wsi_session_finish(struct wsi_session *s)
{
    wsi_reasm_finish(s->reasm, &s->last);
    if (s->warnings > MAX_WARNINGS && s->o.warn) {
        char msg[96];
        snprintf(msg, sizeof msg, "%llu packets could not be decoded in all",
                 (unsigned long long)s->st.undecodable);
        s->o.warn(s->o.warn_user, 0, msg);
    }
}

const struct wsi_session_stats *wsi_session_stats(const struct wsi_session *s) { return &s->st; }

void wsi_session_free(struct wsi_session *s)
{
    if (!s) return;
    wsi_reasm_free(s->reasm);
    free(s);
}
