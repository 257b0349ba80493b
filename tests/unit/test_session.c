/* test_session.c - the session stage: HTTP on a connection, the upgrade verdict, WebSocket events, end to end from packets. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/dlt.h>

#include "budget.h"
#include "event.h"
#include "inflate.h"
#include "session.h"

#define SESSION_SPARES_TEST 32 /* conn.h's SESSION_SPARES: more connections than spares kept */

/* ---- a tiny TCP conversation builder: Ethernet / IPv4 / TCP ------------------ */

struct conv {
    uint32_t seq[2];   /* next sequence number per direction (0 = client) */
    uint64_t num;      /* packet number */
    int64_t t_usec;    /* clock */
    struct wsi_session *s;
    uint16_t cport;    /* client port */
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* Send one segment from dir (0 client 10.0.0.1:cport, 1 server 10.0.0.2:80). */
static void seg(struct conv *cv, int dir, uint8_t flags, const void *payload, size_t len)
{
    size_t total = 14 + 20 + 20 + len;
    uint8_t *b = calloc(1, total);
    assert_non_null(b);
    b[12] = 0x08; /* IPv4 */
    uint8_t *ip = b + 14;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + 20 + len));
    ip[8] = 64;
    ip[9] = 6;
    uint8_t a[4] = {10, 0, 0, 1}, z[4] = {10, 0, 0, 2};
    memcpy(ip + 12, dir ? z : a, 4);
    memcpy(ip + 16, dir ? a : z, 4);
    uint8_t *tcp = ip + 20;
    put16(tcp, dir ? 80 : cv->cport);
    put16(tcp + 2, dir ? cv->cport : 80);
    put32(tcp + 4, cv->seq[dir]);
    put32(tcp + 8, cv->seq[1 - dir]);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (len) memcpy(tcp + 20, payload, len);
    cv->seq[dir] += (uint32_t)len + ((flags & (WSI_TH_SYN | WSI_TH_FIN)) ? 1 : 0);
    cv->t_usec += 1000;
    struct wsi_packet p = {
        .num = ++cv->num,
        .ts_sec = 1700000000 + cv->t_usec / 1000000,
        .ts_nsec = (uint32_t)(cv->t_usec % 1000000) * 1000,
        .caplen = (uint32_t)total,
        .len = (uint32_t)total,
        .linktype = DLT_EN10MB,
        .data = b,
    };
    wsi_session_packet(cv->s, &p);
    free(b);
}

static void handshake_tcp(struct conv *cv)
{
    seg(cv, 0, WSI_TH_SYN, NULL, 0);
    seg(cv, 1, WSI_TH_SYN | WSI_TH_ACK, NULL, 0);
    seg(cv, 0, WSI_TH_ACK, NULL, 0);
}

static void send_str(struct conv *cv, int dir, const char *s) { seg(cv, dir, WSI_TH_ACK | WSI_TH_PSH, s, strlen(s)); }

/* A masked client text frame (mask 01 02 03 04) or an unmasked server one. */
static void send_text(struct conv *cv, int dir, uint8_t opcode, const char *s)
{
    uint8_t f[2 + 4 + 125];
    size_t n = strlen(s), h = 2;
    assert_true(n <= 125);
    f[0] = (uint8_t)(0x80 | opcode);
    f[1] = (uint8_t)n;
    if (dir == 0) {
        static const uint8_t m[4] = {1, 2, 3, 4};
        f[1] |= 0x80;
        memcpy(f + 2, m, 4);
        h = 6;
        for (size_t i = 0; i < n; i++) f[h + i] = (uint8_t)(s[i] ^ m[i % 4]);
    } else {
        memcpy(f + 2, s, n);
    }
    seg(cv, dir, WSI_TH_ACK | WSI_TH_PSH, f, h + n);
}

static void send_close(struct conv *cv, int dir, int code)
{
    uint8_t f[8];
    size_t h = 2;
    f[0] = 0x88;
    f[1] = 2;
    uint8_t pl[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    if (dir == 0) {
        static const uint8_t m[4] = {9, 8, 7, 6};
        f[1] |= 0x80;
        memcpy(f + 2, m, 4);
        h = 6;
        pl[0] ^= m[0];
        pl[1] ^= m[1];
    }
    memcpy(f + h, pl, 2);
    seg(cv, dir, WSI_TH_ACK | WSI_TH_PSH, f, h + 2);
}

/* A clean end: a close (1000) each way, the client's first, then a FIN each way. */
static void close_both(struct conv *cv)
{
    send_close(cv, 0, 1000);
    send_close(cv, 1, 1000);
    seg(cv, 1, WSI_TH_FIN | WSI_TH_ACK, NULL, 0);
    seg(cv, 0, WSI_TH_FIN | WSI_TH_ACK, NULL, 0);
}

/* ---- a recording sink: one line per event ------------------------------------ */

struct rec {
    char log[16384];
    size_t len;
    struct wsi_close_ev last_close;
    char evidence[256];      /* last_close.evidence, copied */
    char accept_expected[32];
};

static void recf(struct rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->log + r->len, sizeof r->log - r->len, fmt, ap);
    va_end(ap);
    if (n > 0) r->len += (size_t)n < sizeof r->log - r->len ? (size_t)n : sizeof r->log - r->len - 1;
}

static const char *sd(enum wsi_side s) { return s == WSI_C2S ? "c>" : s == WSI_S2C ? "<s" : "--"; }

static void rec_event(void *self, const struct wsi_event *ev)
{
    struct rec *r = self;
    switch (ev->kind) {
    case WSI_EV_CONN: recf(r, "conn %llu\n", (unsigned long long)ev->conn); break;
    case WSI_EV_HTTP:
        if (ev->u.http.is_request) recf(r, "%s http %s %s%s\n", sd(ev->side), ev->u.http.method, ev->u.http.target,
                                        ev->u.http.upgrade ? " upgrade" : "");
        else recf(r, "%s http %d\n", sd(ev->side), ev->u.http.status);
        break;
    case WSI_EV_HANDSHAKE:
        recf(r, "handshake %s%s\n", wsi_hs_verdict_id(ev->u.hs.verdict),
             ev->u.hs.version_warning ? " version-warning" : "");
        if (ev->u.hs.expected_accept) snprintf(r->accept_expected, sizeof r->accept_expected, "%s", ev->u.hs.expected_accept);
        break;
    case WSI_EV_FRAME: recf(r, "%s frame op=%u len=%llu\n", sd(ev->side), ev->u.frame.f->opcode,
                            (unsigned long long)ev->u.frame.f->len); break;
    case WSI_EV_MESSAGE:
        if (ev->u.msg.m->opcode == WSI_OP_CLOSE) recf(r, "%s close %d\n", sd(ev->side), ev->u.msg.m->close_code);
        else if (ev->u.msg.inflated && ev->u.msg.plain)
            recf(r, "%s msg op=%u inflated %llu->%llu \"%.*s\"\n", sd(ev->side), ev->u.msg.m->opcode,
                 (unsigned long long)ev->u.msg.m->len, (unsigned long long)ev->u.msg.plain_total,
                 (int)ev->u.msg.plain_len, (const char *)ev->u.msg.plain);
        else if (ev->u.msg.inflated) recf(r, "%s msg op=%u inflate-error\n", sd(ev->side), ev->u.msg.m->opcode);
        else if (ev->u.msg.m->opcode == WSI_OP_PONG)
            recf(r, "%s msg op=%u \"%.*s\" rtt %s\n", sd(ev->side), ev->u.msg.m->opcode,
                 (int)ev->u.msg.m->preview_len, (const char *)ev->u.msg.m->preview, ev->u.msg.rtt >= 0 ? "known" : "none");
        else recf(r, "%s msg op=%u \"%.*s\"\n", sd(ev->side), ev->u.msg.m->opcode, (int)ev->u.msg.m->preview_len,
                  (const char *)ev->u.msg.m->preview);
        break;
    case WSI_EV_VIOLATION: recf(r, "%s violation %s\n", sd(ev->side), wsi_violation_id(ev->u.viol.v)); break;
    case WSI_EV_GAP: recf(r, "%s gap %llu\n", sd(ev->side), (unsigned long long)ev->u.gap.len); break;
    case WSI_EV_TCP: recf(r, "%s tcp %d\n", sd(ev->side), (int)ev->u.tcp.kind); break;
    case WSI_EV_LOST: recf(r, "%s lost\n", sd(ev->side)); break;
    case WSI_EV_END: recf(r, "%s end %d\n", sd(ev->side), (int)ev->u.end.why); break;
    case WSI_EV_CHUNK:
        recf(r, "%s chunk %llu \"%.*s\"\n", sd(ev->side), (unsigned long long)ev->u.chunk.size,
             (int)ev->u.chunk.preview_len, (const char *)ev->u.chunk.preview);
        break;
    case WSI_EV_SSE:
        recf(r, "%s sse %s id=%s retry=%ld comments=%llu \"%.*s\"\n", sd(ev->side), ev->u.sse.event,
             ev->u.sse.id ? ev->u.sse.id : "-", ev->u.sse.retry, (unsigned long long)ev->u.sse.comments,
             (int)ev->u.sse.data_len, ev->u.sse.data);
        break;
    case WSI_EV_TLS:
        recf(r, "%s tls %s\n", sd(ev->side), ev->u.tls.info ? "info" : ev->u.tls.alert ? "alert" : "error");
        break;
    case WSI_EV_CLOSE:
        r->last_close = ev->u.close;
        snprintf(r->evidence, sizeof r->evidence, "%s", ev->u.close.evidence ? ev->u.close.evidence : "");
        recf(r, "close ws=%d clean=%d abnormal=%d\n", ev->u.close.websocket, ev->u.close.closed_cleanly,
             ev->u.close.abnormal);
        break;
    case WSI_EV_STATS:
        recf(r, "stats final=%d\n", ev->u.stats.final);
        break;
    case WSI_EV_NOTE: /* the HAR reader's; a capture has none */
        recf(r, "note %s\n", ev->u.note.what);
        break;
    }
}

static struct wsi_session *new_session(struct rec *r, struct conv *cv)
{
    static struct wsi_sink sink;
    sink.event = rec_event;
    sink.self = r;
    struct wsi_session_opts o = {.preview_max = 64};
    memset(cv, 0, sizeof *cv);
    cv->seq[0] = 1000;
    cv->seq[1] = 50000;
    cv->cport = 40000;
    cv->s = wsi_session_new(&o, &sink);
    assert_non_null(cv->s);
    return cv->s;
}

static const char *REQ =
    "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Origin: https://example.com\r\n\r\n";
static const char *RESP_OK =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/* Lesson 05's conversation, end to end. */
static void test_lesson05_chat(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, REQ);
    send_str(&cv, 1, RESP_OK);
    send_text(&cv, 0, 1, "hello");
    send_text(&cv, 1, 1, "hi there");
    send_text(&cv, 1, 1, "news update");
    send_text(&cv, 0, 1, "typing...");
    send_text(&cv, 1, 1, "user joined");
    close_both(&cv);
    wsi_session_finish(cv.s);
    const char *want =
        "conn 1\n"
        "c> http GET /chat upgrade\n"
        "<s http 101\n"
        "handshake valid\n"
        "c> frame op=1 len=5\n" "c> msg op=1 \"hello\"\n"
        "<s frame op=1 len=8\n" "<s msg op=1 \"hi there\"\n"
        "<s frame op=1 len=11\n" "<s msg op=1 \"news update\"\n"
        "c> frame op=1 len=9\n" "c> msg op=1 \"typing...\"\n"
        "<s frame op=1 len=11\n" "<s msg op=1 \"user joined\"\n"
        "c> frame op=8 len=2\n" "c> close 1000\n"
        "<s frame op=8 len=2\n" "<s close 1000\n"
        "<s end 1\n"
        "c> end 1\n"
        "close ws=1 clean=1 abnormal=0\n";
    assert_string_equal(r.log, want);
    assert_int_equal(r.last_close.close_code[WSI_C2S], 1000);
    assert_int_equal(r.last_close.messages[WSI_C2S], 3);
    assert_int_equal(r.last_close.messages[WSI_S2C], 4);
    const struct wsi_session_stats *st = wsi_session_stats(cv.s);
    assert_int_equal(st->websockets, 1);
    assert_int_equal(st->failed_handshakes, 0);
    assert_int_equal(st->violations, 0);
    wsi_session_free(cv.s);
}

/* Connections one after another: each starts from state let go by the one before (the
 * session's spares: the connection, its heads, frame decoders and ping tables), and each
 * gives the events the first of its shape gave. A pong answering the previous connection's unanswered ping
 * finds no ping (its table starts empty); one answering this connection's ping finds it. */
static void test_spares_start_clean(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    char firsts[2][4096]; /* the first two connections' lines (two shapes, see below) */
    for (int i = 0; i < 3 * SESSION_SPARES_TEST; i++) {
        char ping[16], old[16];
        char pend[16];
        snprintf(ping, sizeof ping, "p%03d", i); /* the same length in every connection */
        snprintf(pend, sizeof pend, "u%03d", i);  /* a ping never answered */
        if (i) snprintf(old, sizeof old, "u%03d", i - 1);
        else snprintf(old, sizeof old, "q000");
        r.len = 0;
        r.log[0] = '\0';
        cv.cport = (uint16_t)(40000 + i);
        cv.seq[0] = 1000;
        cv.seq[1] = 50000;
        handshake_tcp(&cv);
        send_str(&cv, 0, REQ);
        send_str(&cv, 1, RESP_OK);
        send_text(&cv, 0, 1, "hello");
        send_text(&cv, 0, 9, ping);
        /* every other connection waits before its pongs: later than the connection before sent
         * its unanswered ping, so that a ping left in a table taken back would be matched */
        for (int k = 0; k < (i % 2 ? 0 : 3); k++) send_text(&cv, 1, 1, "wait");
        send_text(&cv, 1, 10, old); /* the unanswered ping of the connection before: not this one's */
        send_text(&cv, 1, 10, ping);
        send_text(&cv, 0, 9, pend); /* in the table's second place, never answered */
        close_both(&cv);
        /* the same lines as the first connection's, but for its number and the ping's text */
        char *body = strchr(r.log, '\n');
        assert_non_null(body);
        char norm[4096];
        size_t k = 0;
        for (const char *p = body; *p && k + 1 < sizeof norm; p++) {
            if (strncmp(p, pend, strlen(pend)) == 0 && (p[strlen(pend)] == '"')) {
                k += (size_t)snprintf(norm + k, sizeof norm - k, "PEND");
                p += strlen(pend) - 1;
            } else if (strncmp(p, ping, strlen(ping)) == 0 && (p[strlen(ping)] == '"')) {
                k += (size_t)snprintf(norm + k, sizeof norm - k, "PING");
                p += strlen(ping) - 1;
            } else if (strncmp(p, old, strlen(old)) == 0 && (p[strlen(old)] == '"')) {
                k += (size_t)snprintf(norm + k, sizeof norm - k, "OLD");
                p += strlen(old) - 1;
            } else {
                norm[k++] = *p;
            }
        }
        norm[k] = '\0';
        char *first = firsts[i % 2];
        if (i < 2) {
            snprintf(first, sizeof firsts[0], "%s", norm);
            assert_non_null(strstr(first, "<s msg op=10 \"OLD\" rtt none\n"));
            assert_non_null(strstr(first, "<s msg op=10 \"PING\" rtt known\n"));
            assert_non_null(strstr(first, "close ws=1 clean=1 abnormal=0\n"));
        } else if (strcmp(norm, first) != 0) {
            fail_msg("connection %d:\n%s\nthe one of its shape before:\n%s", i + 1, norm, first);
        }
    }
    assert_int_equal(wsi_session_stats(cv.s)->websockets, 3 * SESSION_SPARES_TEST);
    wsi_session_free(cv.s);
}

/* What the session keeps for reuse (connections, heads, side buffers, frame decoders, ping
 * tables, zlib streams) is charged to the budget while kept; over the budget it is freed
 * first, and nothing is said; the charges balance to zero when the session is freed. */
static void test_spares_charged(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    struct wsi_budget b;
    wsi_budget_init(&b, 0);
    static struct wsi_sink sink;
    sink.event = rec_event;
    sink.self = &r;
    /* a small history log, so that the spares are more than an eighth of all that is charged */
    struct wsi_session_opts o = {.preview_max = 64, .budget = &b, .limits = {.history_bytes = 64 << 10}};
    memset(&cv, 0, sizeof cv);
    cv.s = wsi_session_new(&o, &sink);
    assert_non_null(cv.s);
    uint64_t at_start = b.used;
    for (int i = 0; i < 8; i++) {
        cv.cport = (uint16_t)(41000 + i);
        cv.seq[0] = 1000;
        cv.seq[1] = 50000;
        r.len = 0;
        handshake_tcp(&cv);
        send_str(&cv, 0, REQ);
        send_str(&cv, 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                         "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n");
        seg(&cv, 1, WSI_TH_ACK, "\xc1\x07\xf2\x48\xcd\xc9\xc9\x07\x00", 9);
        send_text(&cv, 0, 9, "ping");
        send_text(&cv, 1, 10, "ping");
        close_both(&cv);
        assert_non_null(strstr(r.log, "<s msg op=1 inflated 7->5 \"Hello\"\n"));
    }
    assert_int_equal(wsi_session_stats(cv.s)->websockets, 8);
    /* every connection is closed: what is charged beyond the start is the closed entries and the spares */
    uint64_t kept = b.used - at_start;
    assert_true(kept > 2 * WSI_ZLIB_HELD); /* the two zlib streams are kept, charged */
    b.limit = b.used - 1; /* just over it: freeing the spares is enough */
    assert_int_equal(wsi_budget_enforce(&b), 0); /* nothing was given up that the output shows */
    b.limit = 0;
    assert_int_equal(b.trims, 1);
    uint64_t entries = b.used - at_start;
    assert_true(entries > 0 && entries + 2 * WSI_ZLIB_HELD < kept);
    /* the next connection is decoded as the first was, from new objects */
    cv.cport = 42000;
    cv.seq[0] = 1000;
    cv.seq[1] = 50000;
    r.len = 0;
    r.log[0] = '\0';
    handshake_tcp(&cv);
    send_str(&cv, 0, REQ);
    send_str(&cv, 1, RESP_OK);
    send_text(&cv, 1, 1, "after");
    wsi_session_finish(cv.s);
    assert_non_null(strstr(r.log, "<s msg op=1 \"after\"\n"));
    wsi_session_free(cv.s);
    assert_true(b.used == 0);
    assert_int_equal(b.ntrimmers, 0); /* the session and its reassembler are no longer asked */
}

/* The server's Accept is wrong: MISMATCH, with the expected value computed by calc/. */
static void test_accept_mismatch(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, REQ);
    send_str(&cv, 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=-wrong\r\n\r\n");
    wsi_session_finish(cv.s);
    assert_non_null(strstr(r.log, "handshake mismatch\n"));
    assert_string_equal(r.accept_expected, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(wsi_session_stats(cv.s)->failed_handshakes, 1);
    wsi_session_free(cv.s);
}

/* A 101 without Sec-WebSocket-Accept. */
static void test_accept_missing(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, REQ);
    send_str(&cv, 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    wsi_session_finish(cv.s);
    assert_non_null(strstr(r.log, "handshake no-accept\n"));
    wsi_session_free(cv.s);
}

/* A refused upgrade (403 with a body), then the client goes on with plain HTTP. */
static void test_refused_then_http(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, REQ);
    send_str(&cv, 1, "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden");
    send_str(&cv, 0, "GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n");
    send_str(&cv, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    wsi_session_finish(cv.s);
    const char *want =
        "conn 1\n"
        "c> http GET /chat upgrade\n"
        "<s http 403\n"
        "handshake refused\n"
        "c> http GET /next\n"
        "<s http 200\n";
    assert_memory_equal(r.log, want, strlen(want));
    assert_non_null(strstr(r.log, "close ws=0"));
    assert_int_equal(wsi_session_stats(cv.s)->failed_handshakes, 1);
    wsi_session_free(cv.s);
}

/* Keep-alive requests before the upgrade: a Content-Length body and a chunked one, then the 101. */
static void test_keepalive_before_upgrade(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, "GET /status HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    send_str(&cv, 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel");
    send_str(&cv, 1, "lo");
    send_str(&cv, 0, "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    send_str(&cv, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n");
    send_str(&cv, 0, REQ);
    send_str(&cv, 1, RESP_OK);
    send_text(&cv, 0, 1, "hello");
    wsi_session_finish(cv.s);
    const char *want =
        "conn 1\n"
        "c> http GET /status\n"
        "<s http 200\n"
        "c> http POST /form\n"
        "<s http 200\n"
        "<s chunk 4 \"wiki\"\n"
        "<s chunk 5 \"pedia\"\n"
        "c> http GET /chat upgrade\n"
        "<s http 101\n"
        "handshake valid\n"
        "c> frame op=1 len=5\n"
        "c> msg op=1 \"hello\"\n";
    assert_memory_equal(r.log, want, strlen(want));
    /* no FIN, no close frame, and the capture ends: still open, not abnormal (1006) */
    assert_non_null(strstr(r.log, "close ws=1 clean=0 abnormal=0\n"));
    assert_true(r.last_close.still_open);
    assert_int_equal(r.last_close.carries, WSI_CARRIES_WEBSOCKET);
    wsi_session_free(cv.s);
}

/* Head and frames split at awkward places; the 101 and the first server frame in one segment. */
static void test_splits_and_coalescing(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    size_t n = strlen(REQ);
    for (size_t i = 0; i < n; i += 7) seg(&cv, 0, WSI_TH_ACK, REQ + i, n - i < 7 ? n - i : 7);
    char both[512];
    size_t rl = strlen(RESP_OK);
    memcpy(both, RESP_OK, rl);
    memcpy(both + rl, "\x81\x02hi", 4);
    seg(&cv, 1, WSI_TH_ACK, both, rl + 4);
    wsi_session_finish(cv.s);
    assert_non_null(strstr(r.log, "handshake valid\n<s frame op=1 len=2\n<s msg op=1 \"hi\"\n"));
    wsi_session_free(cv.s);
}

/* A capture that starts mid-stream: no SYN, no handshake, frames recognised; client found by its mask. */
static void test_midstream(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    send_text(&cv, 1, 1, "from server");
    send_text(&cv, 0, 1, "from client");
    send_text(&cv, 1, 1, "again");
    wsi_session_finish(cv.s);
    const char *want =
        "conn 1\n"
        "handshake not-seen\n"
        "<s frame op=1 len=11\n"
        "<s msg op=1 \"from server\"\n"
        "c> frame op=1 len=11\n"
        "c> msg op=1 \"from client\"\n"
        "<s frame op=1 len=5\n"
        "<s msg op=1 \"again\"\n";
    assert_memory_equal(r.log, want, strlen(want));
    assert_int_equal(wsi_session_stats(cv.s)->violations, 0);
    assert_int_equal(wsi_session_stats(cv.s)->failed_handshakes, 0);
    wsi_session_free(cv.s);
}

/* The mid-stream guess restarts at segment boundaries, so the session must hand it the
 * segments as they came, even while it holds a connection's first bytes to classify them
 * (it holds them while they could still begin an HTTP head or a TLS record). `pieces` are
 * the client's segments (NULL-terminated), none of them frames; the evidence must be the
 * guess's own when fed the same segments directly. */
static void midstream_garbage(const char *const *pieces, const char *want)
{
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    struct wsi_guess g;
    wsi_guess_init(&g);
    for (const char *const *p = pieces; *p; p++) {
        send_str(&cv, 0, *p);
        wsi_guess_feed(&g, 0, (const uint8_t *)*p, strlen(*p));
    }
    wsi_guess_finish(&g);
    wsi_session_finish(cv.s);
    assert_int_equal(r.last_close.carries, WSI_CARRIES_OTHER);
    assert_string_equal(r.evidence, g.why);
    assert_string_equal(r.evidence, want);
    wsi_guess_free(&g);
    wsi_session_free(cv.s);
}

#define X20 "XXXXXXXXXXXXXXXXXXXX" /* 0x58: RSV1 and RSV3 set, no frame */

static void test_midstream_segments_whole(void **state)
{
    (void)state;
    static const char *const no_run = "not WebSocket: no run of valid frames";
    static const char *const no_frames = "not WebSocket: the first speaker's bytes are no frames (RSV2 or RSV3 set)";
    /* three segments are three restarts (the limit is WSI_GUESS_RESTARTS = 3): no answer... */
    static const char *const three[] = {X20, X20, X20, NULL};
    midstream_garbage(three, no_run);
    /* ...a fourth is one too many */
    static const char *const four[] = {X20, X20, X20, X20, NULL};
    midstream_garbage(four, no_frames);
    /* segments shorter than the classifier looks at, that could begin an HTTP request ("GE",
     * "GETX" no longer can): held, then handed on one by one, each a restart */
    static const char *const held[] = {"GE", "TX", X20, X20, NULL};
    midstream_garbage(held, no_frames);
    static const char *const held3[] = {"GE", "TX", X20, NULL};
    midstream_garbage(held3, no_run);
    static const char *const held_two[] = {"PO", "ST", X20, X20, NULL}; /* "POST" could still be */
    midstream_garbage(held_two, no_frames);
    /* short segments that cannot begin one are not held */
    static const char *const shorts[] = {"XXX", "XX", X20, X20, NULL};
    midstream_garbage(shorts, no_frames);
}

/* An unmasked client frame is a §5.1 violation, counted for the exit status. */
static void test_violation_counted(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, REQ);
    send_str(&cv, 1, RESP_OK);
    seg(&cv, 0, WSI_TH_ACK, "\x81\x02hi", 4);
    wsi_session_finish(cv.s);
    assert_non_null(strstr(r.log, "c> violation client-unmasked\n"));
    assert_int_equal(wsi_session_stats(cv.s)->violations, 1);
    wsi_session_free(cv.s);
}

/* A lost segment inside a frame payload: a gap, the message incomplete, decoding goes on. */
static void test_gap_in_payload(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, REQ);
    send_str(&cv, 1, RESP_OK);
    seg(&cv, 1, WSI_TH_ACK, "\x81\x0a" "abc", 5);
    cv.seq[1] += 4; /* "defg" never captured */
    seg(&cv, 1, WSI_TH_ACK, "hij", 3);
    send_text(&cv, 1, 1, "next");
    seg(&cv, 1, WSI_TH_FIN | WSI_TH_ACK, NULL, 0);
    wsi_session_finish(cv.s);
    assert_non_null(strstr(r.log, "<s gap 4\n"));
    assert_non_null(strstr(r.log, "<s msg op=1 \"next\"\n"));
    wsi_session_free(cv.s);
}

/* Plain HTTP that never upgrades, and a connection carrying something else entirely. */
static void test_not_websocket(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, "SSH-2.0-OpenSSH_9.2\r\n");
    wsi_session_finish(cv.s);
    assert_non_null(strstr(r.log, "close ws=0"));
    assert_null(strstr(r.log, "handshake"));
    wsi_session_free(cv.s);
}

/* An upgrade request that gets no answer before the capture ends. */
static void test_no_response(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, REQ);
    wsi_session_finish(cv.s);
    assert_non_null(strstr(r.log, "handshake no-response\n"));
    assert_int_equal(wsi_session_stats(cv.s)->failed_handshakes, 1);
    wsi_session_free(cv.s);
}

/* --stream: only the chosen connection's events. */
static void test_only_conn(void **state)
{
    (void)state;
    struct rec r = {0};
    static struct wsi_sink sink;
    sink.event = rec_event;
    sink.self = &r;
    struct wsi_session_opts o = {.only_conn = 2};
    struct conv a = {.seq = {1, 1}, .cport = 40001}, b = {.seq = {1, 1}, .cport = 40002};
    a.s = b.s = wsi_session_new(&o, &sink);
    handshake_tcp(&a);
    handshake_tcp(&b);
    send_str(&a, 0, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    send_str(&b, 0, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    /* connection 1, not shown, upgrades and breaks a rule: it does not count for the exit status */
    send_str(&a, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    send_str(&a, 0, REQ);
    send_str(&a, 1, RESP_OK);
    send_text(&a, 1, 3, "reserved opcode");
    wsi_session_finish(a.s);
    assert_int_equal(wsi_session_stats(a.s)->violations, 0);
    assert_int_equal(wsi_session_stats(a.s)->failed_handshakes, 0);
    assert_null(strstr(r.log, "/a"));
    assert_non_null(strstr(r.log, "c> http GET /b\n"));
    assert_null(strstr(r.log, "conn 1\n"));
    wsi_session_free(a.s);
}

/* permessage-deflate negotiated: RFC 7692 §7.2.3.1 then §7.2.3.2 (the second message uses the
 * first one's window) from the server, inflated; the same bytes without negotiation are an RSV1 violation. */
static void run_deflate(struct rec *r, const char *ext_line)
{
    struct conv cv;
    char resp[512];
    new_session(r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, REQ);
    snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n%s\r\n", ext_line);
    send_str(&cv, 1, resp);
    seg(&cv, 1, WSI_TH_ACK, "\xc1\x07\xf2\x48\xcd\xc9\xc9\x07\x00", 9);
    seg(&cv, 1, WSI_TH_ACK, "\xc1\x05\xf2\x00\x11\x00\x00", 7);
    wsi_session_finish(cv.s);
    wsi_session_free(cv.s);
}

static void test_deflate(void **state)
{
    (void)state;
    struct rec r = {0};
    run_deflate(&r, "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    assert_non_null(strstr(r.log, "<s msg op=1 inflated 7->5 \"Hello\"\n"));
    assert_non_null(strstr(r.log, "<s msg op=1 inflated 5->5 \"Hello\"\n"));
    assert_null(strstr(r.log, "violation"));

    /* no context takeover for the server: the second message cannot refer back, so it fails */
    struct rec r2 = {0};
    run_deflate(&r2, "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n");
    assert_non_null(strstr(r2.log, "<s msg op=1 inflated 7->5 \"Hello\"\n"));
    assert_non_null(strstr(r2.log, "<s msg op=1 inflate-error\n"));

    /* not negotiated: RSV1 is a §5.2 violation and nothing is inflated */
    struct rec r3 = {0};
    run_deflate(&r3, "");
    assert_non_null(strstr(r3.log, "<s violation rsv-not-negotiated\n"));
    assert_null(strstr(r3.log, "inflated"));
}

/* HTTP streaming and Server-Sent Events: chunks as events, an event stream parsed across chunk
 * boundaries (CRLF, LF and CR line ends, multi-line data, comments, retry, id), and polling waits. */
static void test_chunks_and_sse(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    send_str(&cv, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\ntick 1\n\r\n");
    send_str(&cv, 1, "7\r\ntick 2\n\r\n0\r\n\r\n");
    send_str(&cv, 0, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
    send_str(&cv, 1, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "d\r\nretry: 3000\n\n\r\n");
    send_str(&cv, 1, "13\r\nid: 1\ndata: hello\n\n\r\n");
    /* an event split across two chunks, CRLF and CR line ends, a comment */
    send_str(&cv, 1, "19\r\n: keep-alive\r\nevent: up\r\n\r\n");
    send_str(&cv, 1, "17\r\ndata: a\rdata: b\rid: 2\r\r\n0\r\n\r\n");
    send_str(&cv, 0, "GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
    send_str(&cv, 1, "HTTP/1.1 204 No Content\r\n\r\n");
    wsi_session_finish(cv.s);
    const char *want =
        "conn 1\n"
        "c> http GET /stream\n"
        "<s http 200\n"
        "<s chunk 7 \"tick 1\n\"\n"
        "<s chunk 7 \"tick 2\n\"\n"
        "c> http GET /events\n"
        "<s http 200\n"
        "<s sse message id=- retry=3000 comments=0 \"\"\n"
        "<s sse message id=1 retry=-1 comments=0 \"hello\"\n"
        "<s sse up id=2 retry=-1 comments=1 \"a\nb\"\n"
        "c> http GET /poll\n"
        "<s http 204\n";
    assert_memory_equal(r.log, want, strlen(want));
    wsi_session_free(cv.s);
}

/* A connection whose start is in the capture and that never upgraded is never WebSocket, even
 * when its bytes read as frames; it is other TCP, its bytes counted. */
static void test_start_seen_never_ws(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    for (int i = 0; i < 4; i++) {
        send_text(&cv, 0, 1, "looks like a frame");
        send_text(&cv, 1, 0, "so does this");
    }
    wsi_session_finish(cv.s);
    assert_null(strstr(r.log, "frame"));
    assert_null(strstr(r.log, "handshake"));
    assert_int_equal(r.last_close.carries, WSI_CARRIES_OTHER);
    assert_false(r.last_close.websocket);
    assert_int_equal(r.last_close.undecoded[WSI_C2S], r.last_close.tcp_bytes[WSI_C2S]);
    assert_true(r.last_close.tcp_bytes[WSI_C2S] > 0);
    assert_int_equal(wsi_session_stats(cv.s)->violations, 0);
    wsi_session_free(cv.s);
}

/* Upgrade: h2c answered by 101 is another protocol: no handshake verdict, nothing decoded as frames. */
static void test_h2c_upgrade(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                     "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
    send_str(&cv, 1, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
    send_text(&cv, 1, 0, "an h2 frame, say");
    send_str(&cv, 0, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    wsi_session_finish(cv.s);
    assert_null(strstr(r.log, "handshake"));
    assert_null(strstr(r.log, "frame"));
    assert_int_equal(r.last_close.carries, WSI_CARRIES_UPGRADE_OTHER);
    assert_false(r.last_close.websocket);
    assert_true(r.last_close.undecoded[WSI_S2C] > 0 && r.last_close.undecoded[WSI_C2S] > 0);
    wsi_session_free(cv.s);
}

/* Sec-WebSocket-Version other than 13 is flagged even when the server accepts (RFC 6455 §4.1 item 9). */
static void test_version_warning(void **state)
{
    (void)state;
    struct rec r = {0};
    struct conv cv;
    new_session(&r, &cv);
    handshake_tcp(&cv);
    send_str(&cv, 0, "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");
    send_str(&cv, 1, RESP_OK);
    wsi_session_finish(cv.s);
    assert_non_null(strstr(r.log, "handshake valid version-warning\n"));
    wsi_session_free(cv.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lesson05_chat),
        cmocka_unit_test(test_accept_mismatch),
        cmocka_unit_test(test_accept_missing),
        cmocka_unit_test(test_refused_then_http),
        cmocka_unit_test(test_keepalive_before_upgrade),
        cmocka_unit_test(test_splits_and_coalescing),
        cmocka_unit_test(test_midstream),
        cmocka_unit_test(test_midstream_segments_whole),
        cmocka_unit_test(test_violation_counted),
        cmocka_unit_test(test_gap_in_payload),
        cmocka_unit_test(test_not_websocket),
        cmocka_unit_test(test_no_response),
        cmocka_unit_test(test_only_conn),
        cmocka_unit_test(test_deflate),
        cmocka_unit_test(test_chunks_and_sse),
        cmocka_unit_test(test_start_seen_never_ws),
        cmocka_unit_test(test_h2c_upgrade),
        cmocka_unit_test(test_version_warning),
        cmocka_unit_test(test_spares_start_clean),
        cmocka_unit_test(test_spares_charged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
