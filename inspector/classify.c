/* classify.c - what a connection carries: HTTP/1.x, TLS, WebSocket (upgraded or recognised mid-stream) or other TCP. */

#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

#include "conn.h"

#define DETECT_BYTES 8          /* bytes looked at to tell HTTP from WebSocket from other */

/* A request line starts with a method token and a space. */
int wsi_cls_request(const uint8_t *p, size_t n)
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

int wsi_cls_response(const uint8_t *p, size_t n)
{
    size_t k = n < 5 ? n : 5;
    if (memcmp(p, "HTTP/", k) == 0) return k == 5 ? 1 : -1;
    return 0;
}

/* ---- the decision on a connection ---------------------------------------------- */

#define GUESS_CHUNKS 1024       /* segments held while the mid-stream guess looks */

/* A segment held while the guess looks: where its bytes are and the packet they came in. */
struct held {
    int dir;
    uint64_t off;               /* offset in the direction's bytes fed to the guess */
    size_t len;
    struct wsi_pktref pkt;
};

struct cls_guess {
    struct wsi_guess g;
    struct held *ch;
    size_t n, cap;
};

void classify_set(struct conn *c, enum wsi_carries k, const char *why)
{
    c->carries = k;
    c->evidence = why;
    free(c->own_evidence);
    c->own_evidence = NULL;
}

/* The same with a sentence that does not last (the guess's): a copy is kept. */
static void classify_set_copy(struct conn *c, enum wsi_carries k, const char *why)
{
    char *own = strdup(why);
    classify_set(c, k, own ? own : "(out of memory)");
    c->own_evidence = own;
}

size_t classify_held(const struct conn *c)
{
    size_t n = c->own_evidence ? strlen(c->own_evidence) + 1 : 0;
    const struct cls_guess *G = c->guess;
    if (!G) return n;
    return n + sizeof *G + G->cap * sizeof *G->ch + G->g.d[0].cap + G->g.d[1].cap;
}

static void guess_release(struct conn *c)
{
    if (!c->guess) return;
    wsi_guess_free(&c->guess->g);
    free(c->guess->ch);
    free(c->guess);
    c->guess = NULL;
}

void classify_free(struct conn *c)
{
    guess_release(c);
    free(c->own_evidence);
    c->own_evidence = NULL;
}

/* The guess said no: what was held is counted, not decoded, and so is the rest. */
static void guess_rejected(struct conn *c)
{
    struct cls_guess *G = c->guess;
    classify_set_copy(c, WSI_CARRIES_OTHER, G->g.why);
    for (int d = 0; d < 2; d++) {
        c->undecoded[d] += G->g.d[d].seen;
        if (c->sd[d].mode == M_GUESS) c->sd[d].mode = M_OPAQUE;
    }
    guess_release(c);
}

/* The guess said yes: both directions decode frames from where the evidence starts. */
static void guess_confirmed(struct conn *c)
{
    struct cls_guess *G = c->guess;
    const struct wsi_guess *g = &G->g;
    c->client_dir = g->client_dir;
    c->websocket = 1;
    classify_set_copy(c, WSI_CARRIES_WS_MIDSTREAM, g->why);
    const struct held *first = NULL;
    for (size_t i = 0; i < G->n && !first; i++)
        if (G->ch[i].off + G->ch[i].len > wsi_guess_start(g, G->ch[i].dir)) first = &G->ch[i];
    ws_handshake(c, NULL, WSI_NONE, first ? &first->pkt : &c->last);
    for (int d = 0; d < 2; d++) {
        c->undecoded[d] += wsi_guess_start(g, d);
        ws_start(c, d, 1);
    }
    /* the held segments, in the order they came, each with its packet */
    for (size_t i = 0; i < G->n; i++) {
        const struct held *h = &G->ch[i];
        struct side *sd = &c->sd[h->dir];
        const struct wsi_guess_dir *gd = &g->d[h->dir];
        uint64_t from = h->off > gd->base ? h->off : gd->base;
        if (h->off + h->len <= from || sd->mode != M_WS || !sd->ws) continue;
        sd->pkt = h->pkt;
        wsi_ws_feed(sd->ws, gd->buf + (from - gd->base), (size_t)(h->off + h->len - from));
    }
    guess_release(c);
}

/* Bytes of a direction while the guess looks (M_GUESS). */
void classify_guess(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct cls_guess *G = c->guess;
    if (!G || n == 0) return;
    if (G->n == G->cap) {
        size_t cap = G->cap ? G->cap * 2 : 16;
        struct held *nc = cap <= GUESS_CHUNKS ? realloc(G->ch, cap * sizeof *nc) : NULL;
        if (!nc) {
            snprintf(G->g.why, sizeof G->g.why, "not WebSocket: %d segments held without a run of valid frames",
                     GUESS_CHUNKS);
            G->g.state = WSI_GUESS_NO;
            c->undecoded[dir] += n;
            guess_rejected(c);
            return;
        }
        G->ch = nc;
        G->cap = cap;
    }
    struct held *h = &G->ch[G->n++];
    h->dir = dir;
    h->off = G->g.d[dir].seen;
    h->len = n;
    h->pkt = c->sd[dir].pkt;
    switch (wsi_guess_feed(&G->g, dir, p, n)) {
    case WSI_GUESS_YES: guess_confirmed(c); break;
    case WSI_GUESS_NO: guess_rejected(c); break;
    case WSI_GUESS_LOOKING: break;
    }
}

void classify_gap(struct conn *c, int dir)
{
    if (c->guess) wsi_guess_gap(&c->guess->g, dir);
    if (c->guess && c->guess->g.state == WSI_GUESS_NO) guess_rejected(c);
}

void classify_finish(struct conn *c)
{
    if (!c->guess) return;
    wsi_guess_finish(&c->guess->g);
    guess_rejected(c);
}

/* TLS records other than a hello: a TLS connection picked up after its handshake. */
static int tls_records(const uint8_t *b, size_t n)
{
    return n >= 5 && b[0] >= 20 && b[0] <= 23 && b[1] == 3 && b[2] <= 4;
}

/* Decide what a direction carries from its first bytes. */
void classify_detect(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    size_t take = 0;
    const uint8_t *b = p;
    size_t bl = DETECT_BYTES;
    /* The usual case, first bytes that came at once, is looked at where they are and handed on
     * whole. Fewer are held until there are enough, and where each piece ended is noted: the
     * mid-stream guess restarts at piece boundaries, so it must get the pieces as they came. */
    if (!sd->blen) sd->hold_cuts = 0;
    else sd->hold_cuts |= (uint8_t)(1u << (sd->blen - 1));
    if (sd->blen || n < DETECT_BYTES) {
        take = n < DETECT_BYTES - sd->blen ? n : DETECT_BYTES - sd->blen;
        side_append(sd, p, take, DETECT_BYTES);
        b = sd->buf;
        bl = sd->blen;
    }
    int rq = wsi_cls_request(b, bl), rs = wsi_cls_response(b, bl);
    int tl = c->tls || c->websocket || c->hs_seen ? 0 : wsi_tls_looks_like(b, bl);
    int undecided = c->carries == WSI_CARRIES_NOTHING;
    enum mode m;
    if (tl == 1) {
        if (undecided) classify_set(c, WSI_CARRIES_TLS, "TLS: the hello is in the capture");
        if (b == p) { /* the TLS reader starts from the held bytes */
            take = DETECT_BYTES;
            side_append(sd, p, take, DETECT_BYTES);
        }
        conn_start_tls(c, dir, p, n, take);
        return;
    }
    if (tl < 0 && bl < DETECT_BYTES && take == n) return; /* too few bytes yet */
    if (c->ws_pending && (rq == 1 || rs == 1)) {
        /* the invalid 101 was not followed by frames: HTTP goes on (a failed handshake) */
        c->ws_pending = 0;
        c->websocket = 0;
        classify_set(c, WSI_CARRIES_HTTP, "HTTP/1.x: a failed WebSocket handshake, then more HTTP");
    }
    if (rq == 1) {
        m = M_HTTP_HEAD;
        if (c->client_dir < 0 || !c->ci.saw_syn) c->client_dir = dir;
        if (undecided) classify_set(c, WSI_CARRIES_HTTP, "HTTP/1.x: the first bytes are a request line");
    } else if (rs == 1) {
        m = M_HTTP_HEAD;
        if (c->client_dir < 0 || !c->ci.saw_syn) c->client_dir = 1 - dir;
        if (undecided) classify_set(c, WSI_CARRIES_HTTP, "HTTP/1.x: the first bytes are a status line");
    } else if ((rq < 0 || rs < 0) && bl < DETECT_BYTES && take == n) {
        return; /* too few bytes yet */
    } else if (c->ws_pending) {
        /* frames after the invalid 101, as the server switched */
        ws_start(c, dir, c->ws_pending == 2);
        m = sd->mode; /* M_WS, or M_OPAQUE when the decoder could not be had */
    } else if (undecided && !c->ci.saw_syn && !c->tls && tls_records(b, bl)) {
        classify_set(c, WSI_CARRIES_TLS, "TLS records, picked up after the hello (nothing can be decrypted)");
        m = M_OPAQUE;
    } else if ((undecided || c->guess) && !c->ci.saw_syn && !c->tls) {
        /* a connection picked up mid-stream: WebSocket only if its frames earn it */
        if (!c->guess) {
            c->guess = calloc(1, sizeof *c->guess);
            if (c->guess) wsi_guess_init(&c->guess->g);
        }
        m = c->guess ? M_GUESS : M_OPAQUE;
        if (!c->guess) classify_set(c, WSI_CARRIES_OTHER, "not decided: out of memory");
    } else {
        m = M_OPAQUE;
        if (undecided)
            classify_set(c, WSI_CARRIES_OTHER, c->ci.saw_syn ? "its first bytes are neither HTTP nor TLS"
                                                             : "neither HTTP, TLS nor WebSocket");
    }
    size_t hl;
    uint8_t *held = side_take(sd, &hl);
    sd->mode = m;
    if (m == M_GUESS) {
        /* the earlier pieces one by one, then this one whole (its first `take` bytes are held too) */
        size_t from = 0;
        for (size_t i = 0; i + take < hl; i++) {
            if (!(sd->hold_cuts >> i & 1)) continue;
            conn_process(c, dir, held + from, i + 1 - from);
            from = i + 1;
        }
        free(held);
        conn_process(c, dir, p, n);
        return;
    }
    conn_process(c, dir, held, hl);
    free(held);
    if (take < n) conn_process(c, dir, p + take, n - take);
}

/* ---- what a connection carries ------------------------------------------------- */

const char *wsi_carries_id(enum wsi_carries k)
{
    switch (k) {
    case WSI_CARRIES_HTTP: return "http";
    case WSI_CARRIES_TLS: return "tls";
    case WSI_CARRIES_WEBSOCKET: return "websocket";
    case WSI_CARRIES_WS_MIDSTREAM: return "websocket-midstream";
    case WSI_CARRIES_UPGRADE_OTHER: return "upgrade-other";
    case WSI_CARRIES_OTHER: return "other";
    case WSI_CARRIES_NOTHING: break;
    }
    return "nothing";
}

/* ---- the mid-stream guess ------------------------------------------------------ */

void wsi_guess_init(struct wsi_guess *g)
{
    memset(g, 0, sizeof *g);
    g->client_dir = -1;
    for (int d = 0; d < 2; d++) {
        g->d[d].masked = -1;
        g->d[d].first = 1;
    }
}

void wsi_guess_free(struct wsi_guess *g)
{
    for (int d = 0; d < 2; d++) {
        free(g->d[d].buf);
        g->d[d].buf = NULL;
        g->d[d].len = g->d[d].cap = g->d[d].pos = 0;
    }
}

static const char *const dname[2] = {"first", "second"};

static void guess_no(struct wsi_guess *g, const char *why)
{
    if (g->state != WSI_GUESS_LOOKING) return;
    g->state = WSI_GUESS_NO;
    snprintf(g->why, sizeof g->why, "%s", why);
}

/* The attempt of direction dir failed at a frame: start again at the next segment. */
static void restart(struct wsi_guess *g, int dir, const char *why)
{
    struct wsi_guess_dir *d = &g->d[dir];
    d->skipped += d->len;
    d->base += d->len;
    d->len = d->pos = 0;
    d->frames = d->points = d->closes = d->pend_frames = d->pend_points = d->pend_closes = 0;
    d->masked = -1;
    d->in_msg = 0;
    d->first = 1;
    if (++d->restarts > WSI_GUESS_RESTARTS) {
        char b[160];
        snprintf(b, sizeof b, "not WebSocket: the %s speaker's bytes are no frames (%s)", dname[dir], why);
        guess_no(g, b);
    }
}

/* Check the frame at d->pos. Returns 1 complete and valid (points in *pts), 0 incomplete, -1 invalid (why). */
static int guess_frame(struct wsi_guess *g, int dir, unsigned *pts, const char **why)
{
    struct wsi_guess_dir *d = &g->d[dir];
    struct cursor c;
    cur_init(&c, d->buf + d->pos, d->len - d->pos);
    if (cur_left(&c) < 2) return 0;
    uint8_t b0 = cur_u8(&c), b1 = cur_u8(&c);
    unsigned fin = b0 >> 7, rsv = (b0 >> 4) & 7, op = b0 & 15, masked = b1 >> 7, len7 = b1 & 127;
    int control = op >= 8;
    if (rsv & 3) { *why = "RSV2 or RSV3 set"; return -1; }
    if (!(op <= 2 || (op >= 8 && op <= 10))) { *why = "reserved opcode"; return -1; }
    if (control && (!fin || len7 > 125 || rsv)) { *why = "a control frame that breaks §5.5"; return -1; }
    if (op == 0 && rsv) { *why = "RSV1 on a continuation"; return -1; }
    if (op == 0 && !d->in_msg && !d->first) { *why = "a continuation outside a message"; return -1; }
    if ((op == 1 || op == 2) && d->in_msg) { *why = "a new message inside a fragmented one"; return -1; }
    if (d->masked >= 0 && (unsigned)d->masked != masked) { *why = "masked and unmasked frames mixed"; return -1; }
    int other = g->d[1 - dir].masked;
    if (other >= 0 && (unsigned)other == masked) { *why = "both directions masked alike"; return -1; }
    uint64_t len = len7;
    if (len7 == 126) {
        if (cur_left(&c) < 2) return 0;
        len = cur_be16(&c);
        if (len < 126) { *why = "a length not in its minimal form"; return -1; }
    } else if (len7 == 127) {
        if (cur_left(&c) < 8) return 0;
        len = cur_be64(&c);
        if (len <= 0xffff) { *why = "a length not in its minimal form"; return -1; }
    }
    if (len > WSI_GUESS_HOLD) { *why = "a frame longer than can be checked"; return -1; }
    uint8_t key[4] = {0};
    if (masked) {
        if (cur_left(&c) < 4) return 0;
        cur_copy(&c, key, 4);
    }
    if (cur_left(&c) < len) return 0;
    const uint8_t *pl = cur_bytes(&c, (size_t)len);
    /* the frame is complete: its payload */
    int text = (op == 1 && !(rsv & 4)) || (op == 0 && d->in_msg && d->msg_text);
    unsigned p = 1;
    if (op == 1 || op == 2) {
        d->in_msg = !fin;
        d->msg_text = op == 1 && !(rsv & 4);
        d->utf8 = WSI_UTF8_ACCEPT;
    } else if (op == 0) {
        if (d->first && !d->in_msg) d->msg_text = 0;
        d->in_msg = !fin;
    }
    if (text || op == 8) {
        uint8_t tmp[256];
        uint32_t st = text ? d->utf8 : WSI_UTF8_ACCEPT;
        size_t skip = 0;
        if (op == 8) {
            if (len == 1) { *why = "a close frame of one byte"; return -1; }
            if (len >= 2) {
                int code = ((pl[0] ^ key[0]) << 8) | (pl[1] ^ key[1]);
                if (!wsi_close_code_valid(code)) { *why = "a close code that may not be sent"; return -1; }
                p = 2;
                d->pend_closes++;
            }
            skip = 2;
        }
        for (size_t i = skip; i < len; i += sizeof tmp) {
            size_t k = len - i < sizeof tmp ? (size_t)(len - i) : sizeof tmp;
            for (size_t j = 0; j < k; j++) tmp[j] = pl[i + j] ^ key[(i + j) & 3];
            st = wsi_utf8_feed(st, tmp, k);
            if (st == WSI_UTF8_REJECT) { *why = "text that is not UTF-8"; return -1; }
        }
        if (text) {
            d->utf8 = st;
            if (fin && st != WSI_UTF8_ACCEPT) { *why = "text that is not UTF-8"; return -1; }
            if (len) p = 2;
        } else if (len > 2 && st != WSI_UTF8_ACCEPT) {
            *why = "a close reason that is not UTF-8";
            return -1;
        }
    }
    d->masked = (int)masked;
    d->first = 0;
    d->pos = (size_t)(c.p - d->buf);
    *pts = p;
    return 1;
}

static void guess_decide(struct wsi_guess *g)
{
    struct wsi_guess_dir *a = &g->d[0], *b = &g->d[1];
    if (!a->frames || !b->frames || a->masked < 0 || b->masked < 0 || a->masked == b->masked) return;
    if (a->points + b->points < WSI_GUESS_POINTS) return;
    if (a->frames + b->frames < WSI_GUESS_FRAMES && !(a->closes && b->closes)) return;
    g->state = WSI_GUESS_YES;
    g->client_dir = a->masked ? 0 : 1;
    const struct wsi_guess_dir *cl = &g->d[g->client_dir], *sv = &g->d[1 - g->client_dir];
    int n = snprintf(g->why, sizeof g->why, "recognised mid-stream: %u masked client frame%s and %u unmasked server frame%s, all valid",
                     cl->frames, cl->frames == 1 ? "" : "s", sv->frames, sv->frames == 1 ? "" : "s");
    if (n > 0 && (size_t)n < sizeof g->why && (cl->skipped || sv->skipped))
        snprintf(g->why + n, sizeof g->why - (size_t)n, "; %llu client and %llu server bytes before them skipped",
                 (unsigned long long)cl->skipped, (unsigned long long)sv->skipped);
}

enum wsi_guess_state wsi_guess_feed(struct wsi_guess *g, int dir, const uint8_t *p, size_t n)
{
    struct wsi_guess_dir *d = &g->d[dir];
    if (g->state != WSI_GUESS_LOOKING || n == 0) return g->state;
    d->seen += n;
    if (n > WSI_GUESS_HOLD - d->len) {
        guess_no(g, "not WebSocket: no run of valid frames in the first 64 KiB");
        return g->state;
    }
    if (d->len + n > d->cap) {
        size_t cap = d->cap ? d->cap : 512;
        while (cap < d->len + n) cap *= 2;
        uint8_t *nb = realloc(d->buf, cap);
        if (!nb) {
            guess_no(g, "not decided: out of memory");
            return g->state;
        }
        d->buf = nb;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, p, n);
    d->len += n;
    for (;;) {
        unsigned pts = 0;
        const char *why = NULL;
        int r = guess_frame(g, dir, &pts, &why);
        if (r == 0) break;
        if (r < 0) {
            restart(g, dir, why);
            return g->state;
        }
        d->pend_frames++;
        d->pend_points += pts;
    }
    if (d->pos == d->len) { /* the segment ends on a frame boundary */
        d->frames += d->pend_frames;
        d->points += d->pend_points;
        d->closes += d->pend_closes;
        d->pend_frames = d->pend_points = d->pend_closes = 0;
        guess_decide(g);
    }
    return g->state;
}

void wsi_guess_gap(struct wsi_guess *g, int dir)
{
    if (g->state != WSI_GUESS_LOOKING) return;
    restart(g, dir, "bytes missing");
}

enum wsi_guess_state wsi_guess_finish(struct wsi_guess *g)
{
    if (g->state == WSI_GUESS_LOOKING) {
        char b[160];
        unsigned f0 = g->d[0].frames, f1 = g->d[1].frames;
        if (!f0 && !f1)
            snprintf(b, sizeof b, "not WebSocket: no run of valid frames");
        else
            snprintf(b, sizeof b, "not enough evidence of WebSocket: %u and %u valid frames, too few to tell", f0, f1);
        guess_no(g, b);
    }
    return g->state;
}

uint64_t wsi_guess_start(const struct wsi_guess *g, int dir) { return g->d[dir].base; }
