/* session.c - stage 4: owns each connection, routes its bytes (classify, HTTP, TLS, WebSocket) and emits the events. */

#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "conn.h"
#include "netdecode.h"

/* Records of one kind, direction and packet, not yet said (without a key log). */
struct tls_burst {
    int dir;                /* reasm direction; -1: none waiting */
    struct wsi_tls_burst b;
    char names[256];        /* b.handshake's text */
    struct wsi_pktref at;   /* the packet of its records */
};


#define MAX_WARNINGS 20         /* packet-level warnings said before they are only counted */
#define DEFAULT_PREVIEW 256

/* ---- small helpers ---------------------------------------------------------- */

double conn_time(const struct conn *c, const struct wsi_pktref *p)
{
    return (double)(p->ts_sec - c->ci.first.ts_sec) + ((double)p->ts_nsec - (double)c->ci.first.ts_nsec) / 1e9;
}

static enum wsi_side side_of(const struct conn *c, int rdir)
{
    if (rdir < 0) return WSI_NONE;
    int cd = conn_client_dir(c);
    return rdir == cd ? WSI_C2S : WSI_S2C;
}

/* Fill the common fields of an event and hand it to the sink. */
void conn_emit(struct conn *c, struct wsi_event *ev, int rdir, const struct wsi_pktref *pkt)
{
    struct wsi_session *s = c->s;
    if (s->o.only_conn && s->o.only_conn != c->ci.id) return;
    if (!c->announced && ev->kind != WSI_EV_CONN) {
        /* A connection first seen mid-stream is announced with its first event, once
         * its first bytes have told which side is the client. */
        struct wsi_event ce = {.kind = WSI_EV_CONN};
        conn_emit(c, &ce, WSI_NONE, &c->ci.first);
    }
    if (ev->kind == WSI_EV_CONN) c->announced = 1;
    if (!pkt) pkt = &c->last;
    ev->conn = c->ci.id;
    ev->side = side_of(c, rdir);
    ev->packet = pkt->num;
    ev->ts_sec = pkt->ts_sec;
    ev->ts_nsec = pkt->ts_nsec;
    ev->t = conn_time(c, pkt);
    ev->ci = &c->ci;
    ev->client_dir = conn_client_dir(c);
    ev->file = s->o.file;
    s->sink.event(s->sink.self, ev);
}

/* Append to a side's buffer, growing it up to `max` bytes. Returns 0 when it would overflow. */
int side_append(struct side *sd, const uint8_t *p, size_t n, size_t max)
{
    if (n > max - sd->blen) return 0;
    if (sd->blen + n > sd->bcap) {
        size_t cap = sd->bcap ? sd->bcap : SIDE_BUF;
        while (cap < sd->blen + n) cap *= 2;
        if (cap > max) cap = max;
        uint8_t *nb = !sd->bcap && cap == SIDE_BUF ? wsi_spares_get(&sd->c->s->spare_buf) : realloc(sd->buf, cap);
        if (!nb) return 0;
        sd->buf = nb;
        sd->bcap = cap;
    }
    memcpy(sd->buf + sd->blen, p, n);
    sd->blen += n;
    return 1;
}

/* Take a side's buffered bytes (the caller frees them); the side's buffer is empty after. */
uint8_t *side_take(struct side *sd, size_t *len)
{
    uint8_t *b = sd->buf;
    *len = sd->blen;
    sd->buf = NULL;
    sd->blen = sd->bcap = 0;
    return b;
}

void side_buf_free(struct wsi_session *s, void *buf, size_t cap)
{
    if (cap == SIDE_BUF) wsi_spares_put(&s->spare_buf, buf);
    else free(buf);
}

void side_drop(struct side *sd)
{
    side_buf_free(sd->c->s, sd->buf, sd->bcap);
    sd->buf = NULL;
    sd->blen = sd->bcap = 0;
}


/* ---- the memory budget ---------------------------------------------------------- */

/* What TLS holds besides its struct: its record buffers (zlib's is inflate.h's WSI_ZLIB_HELD). */
#define TLS_HELD (40u << 10)

/* Bytes a connection holds: its state, held bytes, previews, decoders. */
static uint64_t conn_held(const struct conn *c)
{
    uint64_t n = sizeof *c + c->req_cap + (c->req ? sizeof *c->req : 0) + classify_held(c);
    if (c->tls) n += TLS_HELD + wsi_tls_held(c->tls); /* and the records held for the key log */
    if (c->burst) n += sizeof *c->burst;
    for (int d = 0; d < 2; d++) {
        const struct side *sd = &c->sd[d];
        n += sd->bcap;
        n += sd->fprev_cap;
        if (sd->ws) n += sizeof *sd->ws + wsi_ws_held(sd->ws);
        if (sd->inf) n += sizeof *sd->inf + WSI_ZLIB_HELD + sd->inf->preview_cap;
        if (sd->dec) n += sizeof *sd->dec + WSI_ZLIB_HELD;
        if (sd->sse) n += 2 * c->s->http_preview + 1024;
        if (sd->pings) n += MAX_PINGS * sizeof *sd->pings;
    }
    return n;
}

void conn_account(struct conn *c)
{
    uint64_t now = conn_held(c);
    wsi_budget_resize(c->s->o.budget, c->charged, now);
    c->charged = now;
}

/* Giving way: the out-of-order pieces of the direction holding the most. */
static int give_ooo(void *self)
{
    struct wsi_session *s = self;
    return wsi_reasm_shed_ooo(s->reasm, &s->last);
}

/* Giving way: the biggest held bytes (a head being collected, bytes held until a 101 answers)
 * are dropped, and the rest of that direction is not decoded, with a note. */
static int give_held(void *self)
{
    struct wsi_session *s = self;
    struct conn *best = NULL;
    int bd = 0;
    for (struct conn *c = s->oldest; c; c = c->newer)
        for (int d = 0; d < 2; d++)
            if (c->sd[d].bcap && (!best || c->sd[d].bcap > best->sd[bd].bcap)) {
                best = c;
                bd = d;
            }
    if (!best) return 0;
    struct side *sd = &best->sd[bd];
    char why[160];
    snprintf(why, sizeof why,
             "memory budget reached (--max-memory): %zu held bytes dropped; the rest of this direction is not decoded",
             sd->blen);
    best->undecoded[bd] += sd->blen;
    uint64_t at = best->tcp_bytes[bd] >= sd->blen ? best->tcp_bytes[bd] - sd->blen : 0; /* where the held bytes began */
    conn_lost(best, bd, at, why, &s->last);
    sd->mode = M_OPAQUE;
    side_drop(sd);
    conn_account(best);
    return 1;
}

/* Giving way: the least recently active connection is evicted. */
static int give_conn(void *self)
{
    struct wsi_session *s = self;
    return wsi_reasm_evict_oldest(s->reasm, &s->last);
}

int conn_client_dir(const struct conn *c) { return c->client_dir < 0 ? 0 : c->client_dir; }

int conn_shown(const struct conn *c) { return !c->s->o.only_conn || c->s->o.only_conn == c->ci.id; }

void conn_lost(struct conn *c, int dir, uint64_t offset, const char *why, const struct wsi_pktref *pkt)
{
    struct wsi_event ev = {.kind = WSI_EV_LOST};
    ev.u.lost.offset = offset;
    ev.u.lost.why = why;
    conn_emit(c, &ev, dir, pkt);
}

/* ---- TLS (wss://) -------------------------------------------------------------- */

/* TLS direction (0 client, 1 server) of a reasm direction, and back. */
static int tls_dir(const struct conn *c, int rdir) { return rdir == conn_client_dir(c) ? 0 : 1; }
static int rdir_of(const struct conn *c, int tdir)
{
    int cd = conn_client_dir(c);
    return tdir == 0 ? cd : 1 - cd;
}

static void tls_burst_flush(struct conn *c);

/* Bytes of reasm direction rdir to the TLS layer, with the packet they came in. */
static void tls_feed(struct conn *c, int rdir, const uint8_t *p, size_t n, const struct wsi_pktref *pkt)
{
    struct wsi_tls_origin o = {.packet = pkt->num, .ts_sec = pkt->ts_sec, .ts_nsec = pkt->ts_nsec};
    wsi_tls_feed_at(c->tls, tls_dir(c, rdir), p, n, &o);
    tls_burst_flush(c);
}

/* The packet of what the TLS layer reports: its record's (records held for the key log keep theirs), else the latest. */
static struct wsi_pktref tls_pkt(const struct conn *c)
{
    const struct wsi_tls_origin *o = wsi_tls_origin(c->tls);
    if (!o) return c->last;
    return (struct wsi_pktref){.num = o->packet, .ts_sec = o->ts_sec, .ts_nsec = o->ts_nsec};
}

static void tls_plaintext(void *user, int tdir, const uint8_t *data, size_t len)
{
    struct conn *c = user;
    tls_burst_flush(c);
    int d = rdir_of(c, tdir);
    c->tls_decrypted = 1;
    c->sd[d].pkt = tls_pkt(c);
    conn_process(c, d, data, len);
}

/* The burst of records waiting, said as one event (before anything else the TLS layer says). */
static void tls_burst_flush(struct conn *c)
{
    struct tls_burst *tb = c->burst;
    if (!tb || tb->dir < 0) return;
    struct wsi_event ev = {.kind = WSI_EV_TLS};
    int d = tb->dir;
    tb->dir = -1;
    tb->b.handshake = tb->names;
    ev.u.tls.records = &tb->b;
    conn_emit(c, &ev, d, &tb->at);
}

/* Without a key log, every record is drawn as an observer on the network sees it (kind,
 * direction, size, time); records of one kind in one packet and direction make one burst. */
static void tls_record(void *user, int tdir, const struct wsi_tls_record *r)
{
    struct conn *c = user;
    struct tls_burst *tb = c->burst;
    if (!tb) return; /* a key log is given: what the records carry is shown instead */
    int d = rdir_of(c, tdir);
    struct wsi_pktref at = tls_pkt(c);
    struct wsi_tls_burst *b = &tb->b;
    if (tb->dir == d && tb->at.num == at.num && b->type == r->type && b->encrypted == r->encrypted) {
        b->count++;
        b->bytes += r->len;
        size_t k = strlen(tb->names);
        if (*r->handshake && k + 2 + strlen(r->handshake) < sizeof tb->names)
            snprintf(tb->names + k, sizeof tb->names - k, "%s%s", k ? ", " : "", r->handshake);
        return;
    }
    tls_burst_flush(c);
    tb->dir = d;
    tb->at = at;
    *b = (struct wsi_tls_burst){.type = r->type, .encrypted = r->encrypted, .count = 1, .bytes = r->len};
    snprintf(tb->names, sizeof tb->names, "%s", r->handshake);
}

static void tls_emit(struct conn *c, int rdir, const struct wsi_tls_info *info, const char *alert, const char *error)
{
    tls_burst_flush(c);
    struct wsi_event ev = {.kind = WSI_EV_TLS};
    struct wsi_pktref at = tls_pkt(c);
    ev.u.tls.info = info;
    ev.u.tls.alert = alert;
    ev.u.tls.error = error;
    conn_emit(c, &ev, rdir, &at);
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
    .record = tls_record,
};

/* The first bytes of direction dir are a TLS hello: from here on both directions'
 * bytes go through the TLS layer; what it decrypts starts afresh as HTTP. */
void conn_start_tls(struct conn *c, int dir, const uint8_t *p, size_t n, size_t take)
{
    struct side *sd = &c->sd[dir];
    /* a ClientHello (handshake type 1 after the 5-byte record header) names the client */
    if (c->client_dir < 0 || !c->ci.saw_syn) c->client_dir = (sd->blen > 5 && sd->buf[5] == 2) ? 1 - dir : dir;
    if (!c->s->o.keylog && (c->burst = malloc(sizeof *c->burst)) != NULL) c->burst->dir = -1;
    c->tls = wsi_tls_new(c->s->o.keylog, &tls_callbacks, c);
    size_t hl;
    uint8_t *held = side_take(sd, &hl);
    if (!c->tls) {
        sd->mode = M_OPAQUE;
        free(held);
        return;
    }
    /* the plaintext side starts by detecting again (HTTP, most likely) */
    sd->mode = M_DETECT;
    tls_feed(c, dir, held, hl, &c->last);
    free(held);
    if (take < n && c->tls) tls_feed(c, dir, p + take, n - take, &c->last);
}

/* Route bytes of one direction according to its mode. */
void conn_process(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    while (n > 0) {
        size_t k;
        switch (sd->mode) {
        case M_DETECT:
            classify_detect(c, dir, p, n);
            return;
        case M_HTTP_HEAD:
            k = http_feed_head(c, dir, p, n);
            break;
        case M_HTTP_BODY:
            k = http_read_body(c, dir, p, n);
            break;
        case M_WAIT_101:
            if (!side_append(sd, p, n, WAIT_MAX)) sd->mode = M_OPAQUE;
            return;
        case M_WS:
            if (sd->ws) wsi_ws_feed(sd->ws, p, n);
            return;
        case M_GUESS:
            classify_guess(c, dir, p, n);
            return;
        case M_OPAQUE:
        default:
            c->undecoded[dir] += n;
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
    struct conn *c = wsi_spares_get(&s->spare_conn);
    if (!c) return NULL;
    memset(c, 0, sizeof *c); /* as calloc gave it */
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
    c->older = s->newest;
    if (s->newest) s->newest->newer = c;
    else s->oldest = c;
    s->newest = c;
    conn_account(c);
    if (ci->saw_syn) {
        struct wsi_event ev = {.kind = WSI_EV_CONN};
        conn_emit(c, &ev, WSI_NONE, &ci->first);
    }
    return c;
}

static void data_in(void *cu, int dir, const uint8_t *data, size_t len, uint64_t offset, const struct wsi_pktref *pkt)
{
    struct conn *c = cu;
    if (!c) return;
    c->last = *pkt;
    c->sd[dir].pkt = *pkt;
    c->tcp_bytes[dir] += len;
    if (c->tls) tls_feed(c, dir, data, len, pkt);
    else conn_process(c, dir, data, len);
    struct side *sd = &c->sd[dir];
    if (sd->snap_cut && !c->tls) {
        /* these bytes end where the snap length cut their segment: a head still open is cut; it is
         * shown now, as it is, rather than when the reassembler reports the gap */
        sd->snap_cut = 0;
        if (sd->mode == M_HTTP_HEAD && http_head_cut(c, dir)) {
            conn_lost(c, dir, offset + len,
                      "the HTTP head is cut by the snap length: the rest of this direction is not decoded", pkt);
            sd->mode = M_OPAQUE;
            side_drop(sd);
        }
    }
}

static void gap_in(void *cu, int dir, uint64_t offset, uint64_t len, const struct wsi_pktref *pkt)
{
    struct conn *c = cu;
    if (!c) return;
    struct side *sd = &c->sd[dir];
    struct wsi_event ev = {.kind = WSI_EV_GAP};
    /* a head cut by the gap is shown first, at the time of its last bytes */
    int head_cut = !c->tls && sd->mode == M_HTTP_HEAD && http_head_cut(c, dir);
    c->last = *pkt;
    sd->pkt = *pkt;
    ev.u.gap.offset = offset;
    ev.u.gap.len = len;
    c->gaps++;
    c->s->st.gaps++;
    conn_emit(c, &ev, dir, pkt);
    if (c->tls) {
        /* the TLS record stream cannot be followed past missing bytes */
        wsi_tls_gap(c->tls, tls_dir(c, dir));
        return;
    }
    switch (sd->mode) {
    case M_GUESS:
        classify_gap(c, dir);
        break;
    case M_WS:
        if (sd->msg_compressed) wsi_inflate_break(sd->inf, "bytes of the compressed message are missing");
        if (sd->ws) wsi_ws_gap(sd->ws, len);
        break;
    case M_HTTP_BODY:
        if (http_gap(c, dir, len)) break;
        /* fall through */
    default:
        if (head_cut)
            conn_lost(c, dir, offset, "the HTTP head is cut (bytes of it are missing): the rest of this direction is not decoded",
                      pkt);
        else if (sd->mode != M_OPAQUE)
            conn_lost(c, dir, offset, "a gap in the HTTP stream: the rest of this direction is not decoded", pkt);
        sd->mode = M_OPAQUE;
        side_drop(sd);
        break;
    }
}

/* After the bytes (or the gap) of a connection were handled: what it holds now is charged. */
static void cb_data(void *cu, int dir, const uint8_t *data, size_t len, uint64_t offset, const struct wsi_pktref *pkt)
{
    data_in(cu, dir, data, len, offset, pkt);
    if (cu) conn_account(cu);
}

static void cb_gap(void *cu, int dir, uint64_t offset, uint64_t len, const struct wsi_pktref *pkt)
{
    gap_in(cu, dir, offset, len, pkt);
    if (cu) conn_account(cu);
}

static void cb_anomaly(void *cu, int dir, enum wsi_tcp_anomaly kind, const char *detail, const struct wsi_pktref *pkt)
{
    struct conn *c = cu;
    if (!c) return;
    struct wsi_event ev = {.kind = WSI_EV_TCP};
    ev.u.tcp.kind = kind;
    ev.u.tcp.detail = detail; /* the renderers name the kind themselves */
    if (kind == WSI_TCP_SNAPLEN_CUT) c->sd[dir].snap_cut = 1; /* its captured bytes come next */
    c->last = *pkt;
    conn_emit(c, &ev, dir, pkt);
}

static void cb_end(void *cu, int dir, enum wsi_end_reason why, const struct wsi_pktref *pkt)
{
    struct conn *c = cu;
    if (!c) return;
    struct side *sd = &c->sd[dir];
    sd->pkt = *pkt;
    sd->ended = 1;
    sd->end_why = why;
    /* the end of the capture is not this connection's packet */
    if (pkt->num && why != WSI_END_CAPTURE && why != WSI_END_EVICTED && why != WSI_END_REUSED) c->last = *pkt;
    if (sd->mode == M_WS && sd->ws) wsi_ws_end(sd->ws);
    if (sd->mode == M_DETECT && sd->blen) {
        /* a few bytes that never sufficed to decide */
        sd->mode = M_OPAQUE;
    }
    struct wsi_event ev = {.kind = WSI_EV_END};
    ev.u.end.why = why;
    conn_emit(c, &ev, dir, pkt);
}

static void conn_free(struct conn *c);

static void cb_close(void *cu)
{
    struct conn *c = cu;
    if (!c) return;
    struct wsi_session *s = c->s;
    if (c->tls) {
        wsi_tls_finish(c->tls);
        tls_burst_flush(c);
    }
    classify_finish(c);
    if (c->have_req) ws_handshake(c, NULL, WSI_NONE, &c->last);
    struct wsi_event ev = {.kind = WSI_EV_CLOSE};
    struct wsi_close_ev *ce = &ev.u.close;
    int cd = conn_client_dir(c);
    ce->websocket = c->websocket;
    if (c->carries == WSI_CARRIES_NOTHING) classify_set(c, WSI_CARRIES_NOTHING, "no payload byte is in the capture");
    ce->carries = c->carries;
    ce->evidence = c->evidence;
    ce->tls = c->tls != NULL || c->carries == WSI_CARRIES_TLS; /* or TLS records without their hello */
    ce->tls_decrypted = c->tls_decrypted;
    ce->verdict = c->verdict;
    for (int sdx = 0; sdx < 2; sdx++) {
        const struct side *sd = &c->sd[sdx == WSI_C2S ? cd : 1 - cd];
        ce->close_code[sdx] = sd->close_code;
        ce->frames[sdx] = sd->frames;
        ce->messages[sdx] = sd->messages;
        ce->controls[sdx] = sd->controls;
        ce->bytes[sdx] = sd->bytes;
        ce->tcp_bytes[sdx] = c->tcp_bytes[sdx == WSI_C2S ? cd : 1 - cd];
        ce->undecoded[sdx] = c->undecoded[sdx == WSI_C2S ? cd : 1 - cd];
    }
    ce->closed_cleanly = ce->close_code[0] >= 0 && ce->close_code[1] >= 0;
    ce->still_open = !c->sd[0].ended || !c->sd[1].ended || c->sd[0].end_why == WSI_END_CAPTURE ||
                     c->sd[1].end_why == WSI_END_CAPTURE;
    for (int d = 0; d < 2; d++)
        if (c->sd[d].end_why == WSI_END_EVICTED || c->sd[d].end_why == WSI_END_REUSED) ce->cut_short = c->sd[d].end_why;
    /* abnormal: ended by FIN or RST without close frames; not when it was dropped or replaced */
    ce->abnormal = c->websocket && ce->close_code[0] < 0 && ce->close_code[1] < 0 && !ce->still_open && !ce->cut_short;
    ce->handshake = c->hs_seen;
    ce->violations = c->violations;
    ce->gaps = c->gaps;
    ce->duration = conn_time(c, &c->last);
    ce->first_packet = c->ci.first.num;
    ce->last_packet = c->last.num;
    if (c->websocket) s->st.websockets++;
    conn_emit(c, &ev, WSI_NONE, &c->last);
    conn_free(c);
}

/* Free a connection's state, emitting nothing (also for a run stopped before its end). */
static void conn_free(struct conn *c)
{
    struct wsi_session *s = c->s;
    classify_free(c);
    for (int d = 0; d < 2; d++) {
        ws_side_free(&c->sd[d]);
        http_side_free(&c->sd[d]);
        free(c->sd[d].fprev);
        side_buf_free(s, c->sd[d].buf, c->sd[d].bcap);
    }
    side_buf_free(s, c->req_copy, c->req_cap);
    session_head_put(s, c->req);
    wsi_tls_free(c->tls);
    free(c->burst);
    wsi_budget_release(s->o.budget, c->charged);
    if (c->older) c->older->newer = c->newer;
    else s->oldest = c->newer;
    if (c->newer) c->newer->older = c->older;
    else s->newest = c->older;
    wsi_spares_put(&s->spare_conn, c);
}

/* Over the memory budget, before anything held for the traffic gives way: the spares go. */
static void trim_spares(void *self)
{
    struct wsi_session *s = self;
    wsi_spares_free(&s->spare_conn);
    wsi_spares_free(&s->spare_head);
    wsi_spares_free(&s->spare_ws);
    wsi_spares_free(&s->spare_pings);
    wsi_spares_free(&s->spare_buf);
    wsi_zpool_drain(&s->zpool);
}

struct http1_head *session_head_get(struct wsi_session *s)
{
    return wsi_spares_get(&s->spare_head);
}

void session_head_put(struct wsi_session *s, struct http1_head *h)
{
    wsi_spares_put(&s->spare_head, h);
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
    wsi_budget_enforce(s->o.budget); /* between packets: nothing is half-handled */
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
    s->http_preview = s->o.preview_max < WSI_HTTP_PREVIEW_MAX ? s->o.preview_max : WSI_HTTP_PREVIEW_MAX;
    s->sink = *sink;
    s->o.limits.budget = s->o.budget;
    s->reasm = wsi_reasm_new(&cbs, s, &s->o.limits);
    if (!s->reasm) {
        free(s);
        return NULL;
    }
    wsi_spares_init(&s->spare_conn, sizeof(struct conn), SESSION_SPARES, s->o.budget);
    wsi_spares_init(&s->spare_head, sizeof(struct http1_head), SESSION_SPARES, s->o.budget);
    wsi_spares_init(&s->spare_ws, sizeof(struct wsi_ws_decoder), SESSION_SPARES, s->o.budget);
    wsi_spares_init(&s->spare_pings, MAX_PINGS * sizeof(struct ping), SESSION_SPARES, s->o.budget);
    wsi_spares_init(&s->spare_buf, SIDE_BUF, SESSION_SPARES, s->o.budget);
    wsi_zpool_init(&s->zpool, s->o.budget);
    wsi_budget_trimmer(s->o.budget, trim_spares, s);
    /* over the memory budget, after the renderers' own ways (registered before): out-of-order
     * pieces first, then held bytes, then whole connections */
    wsi_budget_giver(s->o.budget, give_ooo, s, "out-of-order holes declared gaps");
    wsi_budget_giver(s->o.budget, give_held, s, "held buffers dropped");
    wsi_budget_giver(s->o.budget, give_conn, s, "connections evicted");
    return s;
}

/* The packet warnings not said one by one, counted at the end of a capture. */
static void warnings_total(struct wsi_session *s)
{
    if (s->warnings > MAX_WARNINGS && s->o.warn) {
        char msg[96];
        snprintf(msg, sizeof msg, "%llu packets could not be decoded in all",
                 (unsigned long long)(s->st.undecodable - s->undecodable_before));
        s->o.warn(s->o.warn_user, 0, msg);
    }
}

void wsi_session_finish(struct wsi_session *s)
{
    wsi_reasm_finish(s->reasm, &s->last);
    warnings_total(s);
}

void wsi_session_next_capture(struct wsi_session *s, const char *file)
{
    wsi_reasm_next_capture(s->reasm, &s->last);
    warnings_total(s);
    s->warnings = 0;
    s->undecodable_before = s->st.undecodable;
    s->last = (struct wsi_pktref){0};
    s->o.file = file;
}

const struct wsi_session_stats *wsi_session_stats(const struct wsi_session *s) { return &s->st; }

void wsi_session_free(struct wsi_session *s)
{
    if (!s) return;
    /* connections never closed (a run stopped early, without wsi_session_finish) */
    while (s->oldest) conn_free(s->oldest);
    wsi_reasm_free(s->reasm);
    trim_spares(s);
    wsi_budget_trimmer_remove(s->o.budget, s);
    free(s);
}

void wsi_session_capture_stats(struct wsi_session *s, const struct wsi_stats_ev *st)
{
    struct wsi_event ev = {.kind = WSI_EV_STATS, .conn = 0, .side = WSI_NONE};
    ev.packet = s->last.num;
    ev.ts_sec = s->last.ts_sec;
    ev.ts_nsec = s->last.ts_nsec;
    ev.u.stats = *st;
    ev.u.stats.packets = s->st.packets;
    ev.u.stats.connections = s->st.connections;
    ev.u.stats.websockets = s->st.websockets;
    ev.u.stats.violations = s->st.violations;
    ev.u.stats.gaps = s->st.gaps;
    s->sink.event(s->sink.self, &ev);
}
