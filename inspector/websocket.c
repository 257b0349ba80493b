/* websocket.c - WebSocket on a connection: the upgrade's verdict, the frame decoders' events, pong round trips, permessage-deflate. */

#include <stdlib.h>
#include <string.h>

#include "accept.h"
#include "conn.h"

/* ---- WebSocket callbacks ------------------------------------------------------ */

static int is_data_opcode(unsigned op) { return op == WSI_OP_TEXT || op == WSI_OP_BINARY; }

static void ws_frame_begin(void *user, const struct wsi_frame *f)
{
    struct side *sd = user;
    sd->fprev_len = 0;
    if (is_data_opcode(f->opcode)) {
        /* RSV1 on a message's first frame marks it compressed (RFC 7692 §6) */
        sd->msg_compressed = sd->inf && (f->rsv & 4);
        if (sd->msg_compressed) wsi_inflate_begin(sd->inf, f->opcode == WSI_OP_TEXT);
    }
}

/* Frame bytes feed the frame preview and the inflater: once the preview is full
 * and nothing is being inflated, the rest of the frame is of no use (returns 0). */
static int ws_frame_data(void *user, const struct wsi_frame *f, const uint8_t *data, size_t len)
{
    struct side *sd = user;
    size_t max = sd->c->s->o.preview_max;
    int inflating = sd->msg_compressed && (is_data_opcode(f->opcode) || f->opcode == WSI_OP_CONT);
    if (inflating) wsi_inflate_feed(sd->inf, data, len);
    wsi_preview_keep(&sd->fprev, &sd->fprev_len, &sd->fprev_cap, max, data, len);
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
    conn_emit(sd->c, &ev, sd->dir, &sd->pkt);
}

/* Remember a ping; find the ping a pong answers (same payload) and return its round trip. */
static void ping_record(struct side *sd, const struct wsi_message *m, double t)
{
    if (!sd->pings) {
        sd->pings = wsi_spares_get(&sd->c->s->spare_pings);
        if (!sd->pings) return;
        memset(sd->pings, 0, MAX_PINGS * sizeof *sd->pings); /* as calloc gave it */
    }
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
    double t = conn_time(c, &sd->pkt);
    struct wsi_event ev = {.kind = WSI_EV_MESSAGE};
    ev.u.msg.m = m;
    ev.u.msg.rtt = -1;
    if (m->opcode == WSI_OP_PING) ping_record(sd, m, t);
    else if (m->opcode == WSI_OP_PONG) ev.u.msg.rtt = pong_match(&c->sd[1 - sd->dir], m, t);
    else if (m->opcode == WSI_OP_CLOSE && sd->close_code < 0) sd->close_code = m->close_code < 0 ? 0 : m->close_code;
    int bad_text = 0;
    if (sd->msg_compressed && is_data_opcode(m->opcode) && m->rsv1) {
        struct wsi_inflate *z = sd->inf;
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
    if (m->opcode >= 8) sd->controls++; /* close, ping, pong: control frames (RFC 6455 §5.5) */
    conn_emit(c, &ev, sd->dir, &sd->pkt);
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
    if (conn_shown(sd->c)) sd->c->s->st.violations++; /* the exit status follows what is shown */
    conn_emit(sd->c, &ev, sd->dir, &sd->pkt);
}

static void ws_lost(void *user, uint64_t offset, const char *why)
{
    struct side *sd = user;
    conn_lost(sd->c, sd->dir, offset, why, &sd->pkt);
}

static const struct wsi_ws_cb ws_callbacks = {
    .frame_begin = ws_frame_begin,
    .frame_data = ws_frame_data,
    .frame_end = ws_frame_end,
    .message = ws_message,
    .violation = ws_violation,
    .lost = ws_lost,
};

void ws_start(struct conn *c, int dir, int rsv1_allowed)
{
    struct side *sd = &c->sd[dir];
    struct wsi_ws_opts wo = {
        .from_client = (dir == conn_client_dir(c)),
        .rsv1_allowed = rsv1_allowed,
        .preview_max = c->s->o.preview_max,
    };
    if (!sd->ws) {
        sd->ws = wsi_spares_get(&c->s->spare_ws);
        if (!sd->ws || wsi_ws_init(sd->ws, &wo, &ws_callbacks, sd) != 0) {
            if (sd->ws) wsi_ws_free(sd->ws);
            wsi_spares_put(&c->s->spare_ws, sd->ws);
            sd->ws = NULL;
            sd->mode = M_OPAQUE;
            return;
        }
        if (!sd->fprev) {
            size_t max = c->s->o.preview_max ? c->s->o.preview_max : 1;
            sd->fprev_cap = max < WSI_PREVIEW_FIRST ? max : WSI_PREVIEW_FIRST;
            sd->fprev = malloc(sd->fprev_cap);
        }
        if (!sd->fprev) {
            sd->mode = M_OPAQUE;
            return;
        }
    }
    sd->mode = M_WS;
}

/* ---- the handshake ---------------------------------------------------------- */

void wsi_handshake_facts(struct wsi_handshake_ev *hs, const struct http1_head *rq, const struct http1_head *resp,
                         struct ws_resp_check *rc, struct wsi_pmd_params *pmd, char **a, size_t *left)
{
    const struct http1_header *key = rq ? http1_find(rq, "Sec-WebSocket-Key") : NULL;
    const char *kp = NULL;
    size_t kl = 0;

    memset(rc, 0, sizeof *rc);
    if (key) {
        kp = key->value.p; /* the parser already removed surrounding whitespace */
        kl = key->value.len;
    }
    if (rq) {
        hs->method = http_view_str(rq->method, a, left);
        hs->path = http_view_str(rq->target, a, left);
        hs->host = http_hdr_str(rq, "Host", a, left);
        hs->origin = http_hdr_str(rq, "Origin", a, left);
        hs->version = http_hdr_str(rq, "Sec-WebSocket-Version", a, left);
        hs->protocols_offered = http_hdr_str(rq, "Sec-WebSocket-Protocol", a, left);
        hs->extensions_offered = http_hdr_str(rq, "Sec-WebSocket-Extensions", a, left);
        hs->key = http_hdr_str(rq, "Sec-WebSocket-Key", a, left);
        hs->version_warning = !hs->version || strcmp(hs->version, "13") != 0;
        if (kp && kl) {
            long dl;
            hs->key_warning = ws_key_check(kp, kl, &dl) != WS_KEY_OK;
        }
    }
    hs->latency = -1;
    if (resp) {
        hs->status = resp->status;
        hs->reason = http_view_str(resp->reason, a, left);
        hs->accept = http_hdr_str(resp, "Sec-WebSocket-Accept", a, left);
        hs->server_versions = http_hdr_str(resp, "Sec-WebSocket-Version", a, left);
        hs->protocol_selected = http_hdr_str(resp, "Sec-WebSocket-Protocol", a, left);
        hs->extensions_selected = http_hdr_str(resp, "Sec-WebSocket-Extensions", a, left);
        ws_check_response(resp, kp, kl, rc);
        if (rc->expected[0]) hs->expected_accept = rc->expected;
        switch (rc->rule) {
        case WS_RESP_OK: hs->verdict = WSI_HS_VALID; break;
        case WS_RESP_NOT_101: hs->verdict = WSI_HS_REFUSED; break;
        case WS_RESP_NO_UPGRADE:
        case WS_RESP_NO_CONNECTION: hs->verdict = WSI_HS_BAD_101; break;
        case WS_RESP_NO_ACCEPT: hs->verdict = WSI_HS_NO_ACCEPT; break;
        case WS_RESP_ACCEPT_MISMATCH: hs->verdict = WSI_HS_MISMATCH; break;
        }
        if (rc->rule != WS_RESP_OK) {
            hs->rule = rc->section;
            hs->why = rc->why;
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
            wsi_pmd_parse(hs->extensions_selected, strlen(hs->extensions_selected), pmd);
            hs->deflate = pmd->negotiated;
            if (pmd->negotiated) hs->pmd = pmd;
        }
    } else {
        hs->verdict = rq ? WSI_HS_NO_RESPONSE : WSI_HS_NOT_SEEN;
        hs->why = rq ? "the upgrade request got no response in the capture" : "the capture starts after the handshake";
        if (rq) hs->rule = "RFC 6455 §4.1";
    }
}

void ws_handshake(struct conn *c, const struct http1_head *resp, int rdir, const struct wsi_pktref *pkt)
{
    struct wsi_event ev = {.kind = WSI_EV_HANDSHAKE};
    struct wsi_handshake_ev *hs = &ev.u.hs;
    char arena[8192];
    char *a = arena;
    size_t left = sizeof arena;
    const struct http1_head *rq = c->have_req ? c->req : NULL;
    struct ws_resp_check rc;

    wsi_handshake_facts(hs, rq, resp, &rc, &c->pmd, &a, &left);
    if (resp && rq) hs->latency = conn_time(c, pkt) - c->req_t;
    if (resp && !rq && resp->status == 101 && c->req_cut)
        hs->why = "the upgrade request is cut in the capture: its key cannot be read";
    c->verdict = hs->verdict;
    c->hs_seen = 1;
    if (hs->verdict != WSI_HS_VALID && hs->verdict != WSI_HS_NOT_SEEN && conn_shown(c)) c->s->st.failed_handshakes++;
    conn_emit(c, &ev, rdir, pkt);
}

void ws_upgraded(struct conn *c, int server_dir, const struct http1_head *resp)
{
    struct side *cl = &c->sd[1 - server_dir];
    const struct http1_header *ext = http1_find(resp, "Sec-WebSocket-Extensions");
    int rsv1 = ext && ext->value.len > 0;
    c->websocket = 1;
    classify_set(c, WSI_CARRIES_WEBSOCKET, c->hs_seen && c->verdict == WSI_HS_VALID
                                               ? "WebSocket: the upgrade is in the capture"
                                               : "WebSocket: a 101 with Upgrade: websocket is in the capture");
    if (c->pmd.negotiated) {
        int cd = conn_client_dir(c);
        for (int d = 0; d < 2; d++) {
            int nct = d == cd ? c->pmd.client_no_context_takeover : c->pmd.server_no_context_takeover;
            struct wsi_inflate *z = malloc(sizeof *z);
            if (z && wsi_inflate_init(z, &c->s->zpool, nct, c->s->o.preview_max) != 0) {
                free(z);
                z = NULL;
            }
            c->sd[d].inf = z; /* NULL when out of memory: its messages are not inflated */
        }
    }
    if (c->verdict != WSI_HS_VALID && c->verdict != WSI_HS_NOT_SEEN) {
        /* an invalid handshake: frames, unless what follows reads as HTTP (classify.c decides) */
        c->ws_pending = rsv1 ? 2 : 1;
        c->sd[server_dir].mode = M_DETECT;
        size_t hl;
        uint8_t *held = side_take(cl, &hl);
        cl->mode = M_DETECT;
        if (hl) conn_process(c, 1 - server_dir, held, hl);
        free(held);
        return;
    }
    ws_start(c, server_dir, rsv1);
    /* the client's bytes held since its request are frames too */
    size_t hl;
    uint8_t *held = side_take(cl, &hl);
    ws_start(c, 1 - server_dir, rsv1);
    if (hl) {
        cl->mode = M_WS;
        if (cl->ws) wsi_ws_feed(cl->ws, held, hl);
    }
    free(held);
}

void ws_side_free(struct side *sd)
{
    if (sd->ws) wsi_ws_free(sd->ws);
    wsi_spares_put(&sd->c->s->spare_ws, sd->ws);
    sd->ws = NULL;
    wsi_spares_put(&sd->c->s->spare_pings, sd->pings);
    sd->pings = NULL;
    if (sd->inf) wsi_inflate_free(sd->inf);
    free(sd->inf);
    sd->inf = NULL;
}
