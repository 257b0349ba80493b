/* classify.c - what a connection carries: HTTP/1.x, TLS, WebSocket (upgraded or recognised mid-stream) or other TCP. */

#include "classify.h"

#include <stdlib.h>
#include <string.h>

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

/* A plausible first WebSocket frame header: known opcode, no RSV2/3, control frames short and final.
 * Returns 1 masked, 2 unmasked, 0 not a frame, -1 need more bytes. */
int wsi_cls_frame(const uint8_t *p, size_t n)
{
    if (n < 2) return -1;
    unsigned op = p[0] & 0x0f, rsv = (p[0] >> 4) & 7, fin = p[0] >> 7;
    unsigned len7 = p[1] & 0x7f;
    if (rsv & 3) return 0;
    if (!(op <= 2 || (op >= 8 && op <= 10))) return 0;
    if (op >= 8 && (!fin || len7 > 125)) return 0;
    return (p[1] & 0x80) ? 1 : 2;
}


/* Decide what a direction carries from its first bytes. */
void classify_detect(struct conn *c, int dir, const uint8_t *p, size_t n)
{
    struct side *sd = &c->sd[dir];
    size_t take = n < DETECT_BYTES - sd->blen ? n : DETECT_BYTES - sd->blen;
    side_append(sd, p, take, DETECT_BYTES);
    const uint8_t *b = sd->buf;
    size_t bl = sd->blen;
    int rq = wsi_cls_request(b, bl), rs = wsi_cls_response(b, bl), fr = wsi_cls_frame(b, bl);
    int tl = c->tls || c->websocket || c->hs_seen ? 0 : wsi_tls_looks_like(b, bl);
    enum mode m;
    if (tl == 1) {
        conn_start_tls(c, dir, p, n, take);
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
            ws_handshake(c, NULL, WSI_NONE, &sd->pkt);
        }
        m = M_WS;
    } else {
        m = M_OPAQUE;
    }
    size_t hl;
    uint8_t *held = side_take(sd, &hl);
    if (m == M_WS) {
        ws_start(c, dir, 1);
        struct side *other = &c->sd[1 - dir];
        if (other->mode == M_DETECT && other->blen == 0) ws_start(c, 1 - dir, 1);
    } else {
        sd->mode = m;
    }
    conn_process(c, dir, held, hl);
    free(held);
    if (take < n) conn_process(c, dir, p + take, n - take);
}

