/* test_reasm.c - unit tests of TCP connection tracking and stream reassembly (inspector/reasm.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "budget.h"
#include "reasm.h"

/* ---- heap measurement (to check that memory stays bounded) ------------------ */

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifdef TEST_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
/* Bytes currently allocated, as the sanitizer's allocator counts them. */
static size_t heap_in_use(void) { return __sanitizer_get_current_allocated_bytes(); }
#else
#include <malloc.h>
/* Bytes currently allocated from the C library's heap (arena chunks and mmapped blocks). */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}
#endif

/* ---- the recorder ------------------------------------------------------------- */

enum ev_type { EV_OPEN, EV_DATA, EV_GAP, EV_ANOM, EV_END, EV_CLOSE };

/* One callback as it was received. */
struct ev {
    enum ev_type t;     /* which callback */
    uint64_t conn;      /* connection id */
    int dir;            /* direction (data, gap, anomaly, end) */
    uint64_t off, len;  /* data and gap: where and how much */
    int code;           /* anomaly kind or end reason */
    uint64_t pkt;       /* packet number passed with it */
    char detail[256];   /* anomaly text */
};

struct rec;

/* What the recorder keeps per connection (the conn_user). */
struct rconn {
    struct rec *rec;           /* back to the recorder */
    struct wsi_conn_info info; /* as given to on_open */
    uint8_t *buf[2];           /* delivered bytes per direction, concatenated (not in light mode) */
    size_t len[2], cap[2];     /* used and allocated in buf */
    uint64_t expect[2];        /* where the next data or gap must start */
    uint64_t data_bytes[2];    /* bytes delivered */
    uint64_t gap_bytes[2];     /* bytes declared gaps */
    int ended[2];              /* on_end seen */
    int why[2];                /* its reason */
    int closed;                /* on_close seen */
};

#define REC_MAX_CONNS 64

/* Every callback of one test, in order. */
struct rec {
    struct ev *ev;             /* events */
    size_t nev, evcap;         /* used, allocated */
    struct rconn *conns[REC_MAX_CONNS]; /* by id - 1 */
    size_t nconns;             /* connections opened */
    int light;                 /* do not store bytes nor data events; check them against `src` instead */
    const uint8_t *src[2];     /* light mode: the bytes each direction of connection 1 must deliver */
    size_t src_len[2];         /* their lengths */
    size_t anomalies[6];       /* count per kind */
};

static struct ev *rec_push(struct rec *rec, enum ev_type t, uint64_t conn, int dir, const struct wsi_pktref *pkt)
{
    if (rec->nev == rec->evcap) {
        rec->evcap = rec->evcap ? rec->evcap * 2 : 64;
        rec->ev = realloc(rec->ev, rec->evcap * sizeof *rec->ev);
        assert_non_null(rec->ev);
    }
    struct ev *e = &rec->ev[rec->nev++];
    memset(e, 0, sizeof *e);
    e->t = t;
    e->conn = conn;
    e->dir = dir;
    e->pkt = pkt ? pkt->num : 0;
    return e;
}

static void *cb_open(void *user, const struct wsi_conn_info *ci)
{
    struct rec *rec = user;
    assert_true(rec->nconns < REC_MAX_CONNS);
    assert_int_equal(ci->id, rec->nconns + 1); /* ids are 1-based, in order */
    struct rconn *rc = calloc(1, sizeof *rc);
    assert_non_null(rc);
    rc->rec = rec;
    rc->info = *ci;
    rec->conns[rec->nconns++] = rc;
    rec_push(rec, EV_OPEN, ci->id, -1, &ci->first);
    return rc;
}

static void cb_data(void *cu, int dir, const uint8_t *data, size_t len, uint64_t offset, const struct wsi_pktref *pkt)
{
    struct rconn *rc = cu;
    struct rec *rec = rc->rec;
    assert_true(dir == 0 || dir == 1);
    assert_false(rc->closed);
    assert_false(rc->ended[dir]);
    assert_true(len > 0);
    assert_int_equal(offset, rc->expect[dir]); /* data and gaps tile the stream */
    rc->expect[dir] += len;
    rc->data_bytes[dir] += len;
    if (rec->light) {
        assert_true(rc->info.id == 1);
        assert_true(offset + len <= rec->src_len[dir]);
        assert_memory_equal(data, rec->src[dir] + offset, len);
        return;
    }
    if (rc->len[dir] + len > rc->cap[dir]) {
        rc->cap[dir] = (rc->len[dir] + len) * 2;
        rc->buf[dir] = realloc(rc->buf[dir], rc->cap[dir]);
        assert_non_null(rc->buf[dir]);
    }
    memcpy(rc->buf[dir] + rc->len[dir], data, len);
    rc->len[dir] += len;
    struct ev *e = rec_push(rec, EV_DATA, rc->info.id, dir, pkt);
    e->off = offset;
    e->len = len;
}

static void cb_gap(void *cu, int dir, uint64_t offset, uint64_t len, const struct wsi_pktref *pkt)
{
    struct rconn *rc = cu;
    assert_true(dir == 0 || dir == 1);
    assert_false(rc->closed);
    assert_false(rc->ended[dir]);
    assert_true(len > 0);
    assert_int_equal(offset, rc->expect[dir]);
    rc->expect[dir] += len;
    rc->gap_bytes[dir] += len;
    struct ev *e = rec_push(rc->rec, EV_GAP, rc->info.id, dir, pkt);
    e->off = offset;
    e->len = len;
}

static void cb_anomaly(void *cu, int dir, enum wsi_tcp_anomaly kind, const char *detail, const struct wsi_pktref *pkt)
{
    struct rconn *rc = cu;
    assert_false(rc->closed);
    assert_true(dir == 0 || dir == 1);
    assert_true(kind >= WSI_TCP_RETRANS_DIFFERS && kind <= WSI_TCP_TIME_BACKWARDS);
    assert_non_null(detail);
    rc->rec->anomalies[kind]++;
    struct ev *e = rec_push(rc->rec, EV_ANOM, rc->info.id, dir, pkt);
    e->code = (int)kind;
    snprintf(e->detail, sizeof e->detail, "%s", detail);
}

static void cb_end(void *cu, int dir, enum wsi_end_reason why, const struct wsi_pktref *pkt)
{
    struct rconn *rc = cu;
    assert_true(dir == 0 || dir == 1);
    assert_false(rc->closed);
    assert_false(rc->ended[dir]);
    rc->ended[dir] = 1;
    rc->why[dir] = (int)why;
    struct ev *e = rec_push(rc->rec, EV_END, rc->info.id, dir, pkt);
    e->code = (int)why;
}

static void cb_close(void *cu)
{
    struct rconn *rc = cu;
    assert_false(rc->closed); /* exactly once */
    assert_true(rc->ended[0] && rc->ended[1]); /* after both ends */
    rc->closed = 1;
    rec_push(rc->rec, EV_CLOSE, rc->info.id, -1, NULL);
}

static const char *const anomaly_name[] = {"?", "differs", "snaplen", "ooo", "afterfin", "evicted", "backwards"};
static const char *const end_name[] = {"?", "fin", "rst", "capture", "evicted", "reused"};

/* The events of connection `id` as one line, e.g. "open d0:0+5 g0:5+3 d0:8+4 e0:fin e1:capture close".
 * Adjacent deliveries of the same direction are merged, so the line does not depend on how
 * the module splits its on_data calls. */
static const char *log_of(const struct rec *rec, uint64_t id, char *out, size_t sz)
{
    size_t n = 0;
    const struct ev *prev = NULL;
    uint64_t mstart = 0, mend = 0;
    out[0] = 0;
    for (size_t i = 0; i <= rec->nev; i++) {
        const struct ev *e = i < rec->nev ? &rec->ev[i] : NULL;
        if (e && e->conn != id) continue;
        if (prev && prev->t == EV_DATA) {
            if (e && e->t == EV_DATA && e->dir == prev->dir && e->off == mend) {
                mend += e->len;
                prev = e;
                continue;
            }
            n += (size_t)snprintf(out + n, sz - n, "%sd%d:%llu+%llu", n ? " " : "", prev->dir,
                                  (unsigned long long)mstart, (unsigned long long)(mend - mstart));
        }
        if (!e) break;
        assert_true(n < sz - 64);
        switch (e->t) {
        case EV_OPEN: n += (size_t)snprintf(out + n, sz - n, "%sopen", n ? " " : ""); break;
        case EV_DATA:
            mstart = e->off;
            mend = e->off + e->len;
            break;
        case EV_GAP:
            n += (size_t)snprintf(out + n, sz - n, "%sg%d:%llu+%llu", n ? " " : "", e->dir,
                                  (unsigned long long)e->off, (unsigned long long)e->len);
            break;
        case EV_ANOM:
            n += (size_t)snprintf(out + n, sz - n, "%sa%d:%s", n ? " " : "", e->dir, anomaly_name[e->code]);
            break;
        case EV_END: n += (size_t)snprintf(out + n, sz - n, "%se%d:%s", n ? " " : "", e->dir, end_name[e->code]); break;
        case EV_CLOSE: n += (size_t)snprintf(out + n, sz - n, "%sclose", n ? " " : ""); break;
        }
        prev = e;
    }
    return out;
}

/* The first event of connection `id` of type t (and anomaly kind `code` when >= 0), or NULL. */
static const struct ev *find_ev(const struct rec *rec, uint64_t id, enum ev_type t, int code)
{
    for (size_t i = 0; i < rec->nev; i++) {
        const struct ev *e = &rec->ev[i];
        if (e->conn == id && e->t == t && (code < 0 || e->code == code)) return e;
    }
    return NULL;
}

/* Assert that event e exists and its anomaly text contains `needle`. */
static void assert_detail(const struct ev *e, const char *needle)
{
    assert_non_null(e);
    if (!strstr(e->detail, needle)) fail_msg("\"%s\" not in \"%s\"", needle, e->detail);
}

/* ---- test bench: a reassembler, a recorder and a packet counter ------------- */

struct tb {
    struct wsi_reasm *r; /* module under test */
    struct rec rec;      /* what it reported */
    uint64_t num;        /* last packet number */
    int64_t ts_shift;    /* seconds added to every packet's timestamp from now on */
};

/* Two endpoints of a connection: side 0 sends a->b, side 1 sends b->a. */
struct flow {
    struct wsi_addr a, b; /* addresses */
    uint16_t pa, pb;      /* ports */
};

static struct flow mkflow(uint8_t host_a, uint16_t pa, uint8_t host_b, uint16_t pb)
{
    struct flow f;
    memset(&f, 0, sizeof f);
    f.a.family = f.b.family = 4;
    f.a.bytes[0] = f.b.bytes[0] = 10;
    f.a.bytes[3] = host_a;
    f.b.bytes[3] = host_b;
    f.pa = pa;
    f.pb = pb;
    return f;
}

static const struct wsi_reasm_cb test_cbs = {
    .on_open = cb_open,
    .on_data = cb_data,
    .on_gap = cb_gap,
    .on_anomaly = cb_anomaly,
    .on_end = cb_end,
    .on_close = cb_close,
};

static void tb_init_lim(struct tb *t, const struct wsi_reasm_limits *lim)
{
    memset(t, 0, sizeof *t);
    t->r = wsi_reasm_new(&test_cbs, &t->rec, lim);
    assert_non_null(t->r);
}

static void tb_init(struct tb *t, size_t max_ooo, size_t max_conns)
{
    struct wsi_reasm_limits lim = {.max_ooo_bytes = max_ooo, .max_conns = max_conns};
    tb_init_lim(t, &lim);
}

/* Feed one segment; the payload is copied to a heap block that is wiped and freed right
 * after, so the module is caught (by the sanitizer or by wrong bytes) if it keeps the pointer. */
static void txw(struct tb *t, const struct flow *f, int side, uint32_t seq, uint8_t flags, const void *data,
                uint32_t caplen, uint32_t wirelen)
{
    struct wsi_tcpseg s;
    memset(&s, 0, sizeof s);
    s.src = side ? f->b : f->a;
    s.dst = side ? f->a : f->b;
    s.sport = side ? f->pb : f->pa;
    s.dport = side ? f->pa : f->pb;
    s.seq = seq;
    s.flags = flags;
    s.window = 65535;
    uint8_t *copy = NULL;
    if (caplen) {
        copy = malloc(caplen);
        assert_non_null(copy);
        memcpy(copy, data, caplen);
    }
    s.payload = copy;
    s.payload_len = caplen;
    s.wire_payload_len = wirelen;
    t->num++;
    struct wsi_pktref p = {.num = t->num, .ts_sec = 1700000000 + (int64_t)t->num + t->ts_shift, .ts_nsec = 0};
    wsi_reasm_segment(t->r, &s, &p);
    if (copy) memset(copy, 0xEE, caplen);
    free(copy);
}

static void tx(struct tb *t, const struct flow *f, int side, uint32_t seq, uint8_t flags, const char *str)
{
    uint32_t n = str ? (uint32_t)strlen(str) : 0;
    txw(t, f, side, seq, flags, str, n, n);
}

/* A pure ACK from `side` acknowledging `ack`. */
static void ack_from(struct tb *t, const struct flow *f, int side, uint32_t seq, uint32_t ack)
{
    struct wsi_tcpseg s;
    memset(&s, 0, sizeof s);
    s.src = side ? f->b : f->a;
    s.dst = side ? f->a : f->b;
    s.sport = side ? f->pb : f->pa;
    s.dport = side ? f->pa : f->pb;
    s.seq = seq;
    s.ack = ack;
    s.flags = WSI_TH_ACK;
    t->num++;
    struct wsi_pktref p = {.num = t->num, .ts_sec = 1700000000 + (int64_t)t->num + t->ts_shift, .ts_nsec = 0};
    wsi_reasm_segment(t->r, &s, &p);
}

static void tb_finish(struct tb *t)
{
    struct wsi_pktref last = {.num = t->num, .ts_sec = 1700000000 + (int64_t)t->num, .ts_nsec = 0};
    wsi_reasm_finish(t->r, &last);
    for (size_t i = 0; i < t->rec.nconns; i++) assert_true(t->rec.conns[i]->closed);
}

static void tb_free(struct tb *t)
{
    wsi_reasm_free(t->r);
    for (size_t i = 0; i < t->rec.nconns; i++) {
        free(t->rec.conns[i]->buf[0]);
        free(t->rec.conns[i]->buf[1]);
        free(t->rec.conns[i]);
    }
    free(t->rec.ev);
}

static struct rconn *conn_n(struct tb *t, uint64_t id)
{
    assert_true(id >= 1 && id <= t->rec.nconns);
    return t->rec.conns[id - 1];
}

/* Assert the delivered bytes of direction dir of connection id. */
static void assert_bytes(struct tb *t, uint64_t id, int dir, const void *want, size_t n)
{
    struct rconn *rc = conn_n(t, id);
    assert_int_equal(rc->len[dir], n);
    if (n) assert_memory_equal(rc->buf[dir], want, n);
}

#define SYN_ONLY WSI_TH_SYN
#define SYNACK (WSI_TH_SYN | WSI_TH_ACK)
#define ACK WSI_TH_ACK
#define FINACK (WSI_TH_FIN | WSI_TH_ACK)
#define RSTACK (WSI_TH_RST | WSI_TH_ACK)

/* ---- tests ------------------------------------------------------------------- */

/* A full handshake, data both ways in order, FIN both ways. */
static void test_in_order(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 1000, SYN_ONLY, NULL);
    tx(&t, &f, 1, 5000, SYNACK, NULL);
    tx(&t, &f, 0, 1001, ACK, NULL);
    tx(&t, &f, 0, 1001, ACK, "GET / HTTP/1.1\r\n");
    tx(&t, &f, 0, 1017, ACK, "Host: x\r\n\r\n");
    tx(&t, &f, 1, 5001, ACK, "HTTP/1.1 101 OK\r\n\r\n");
    tx(&t, &f, 0, 1028, FINACK, NULL);
    tx(&t, &f, 1, 5020, FINACK, NULL);
    tx(&t, &f, 0, 1029, ACK, NULL);
    assert_int_equal(t.rec.nconns, 1);
    struct rconn *rc = conn_n(&t, 1);
    assert_true(rc->closed); /* closed as soon as both FINs were seen */
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+27 d1:0+19 e0:fin e1:fin close");
    assert_bytes(&t, 1, 0, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
    assert_bytes(&t, 1, 1, "HTTP/1.1 101 OK\r\n\r\n", 19);
    assert_int_equal(rc->info.id, 1);
    assert_true(rc->info.saw_syn);
    assert_int_equal(rc->info.addr[0].bytes[3], 1); /* the SYN sender is direction 0 */
    assert_int_equal(rc->info.port[0], 40000);
    assert_int_equal(rc->info.addr[1].bytes[3], 2);
    assert_int_equal(rc->info.port[1], 80);
    assert_int_equal(rc->info.first.num, 1);
    /* the packet passed with a delivery is the one carrying it; the FIN's with on_end */
    assert_int_equal(find_ev(&t.rec, 1, EV_DATA, -1)->pkt, 4);
    assert_int_equal(find_ev(&t.rec, 1, EV_END, -1)->pkt, 7);
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+27 d1:0+19 e0:fin e1:fin close");
    tb_free(&t);
}

/* Offset 0 is the byte after the SYN, whatever the ISN; a SYN+ACK seen first makes its sender direction 1. */
static void test_syn_isn(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 0x12345678u, SYN_ONLY, NULL);
    tx(&t, &f, 0, 0x12345679u, ACK, "abc");
    tx(&t, &f, 0, 0x12345678u + 4, ACK, "def"); /* data before any answer: still in order */
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+6");
    assert_bytes(&t, 1, 0, "abcdef", 6);

    /* a connection whose first packet is the SYN+ACK: its sender is the server, direction 1 */
    struct flow g = mkflow(3, 50000, 4, 443);
    tx(&t, &g, 1, 777, SYNACK, NULL);
    tx(&t, &g, 0, 100, ACK, "hi");       /* the client, mid-stream: offset 0 = first byte */
    tx(&t, &g, 1, 778, ACK, "hello");
    struct rconn *rc = conn_n(&t, 2);
    assert_true(rc->info.saw_syn);
    assert_int_equal(rc->info.addr[1].bytes[3], 4);
    assert_int_equal(rc->info.port[1], 443);
    assert_int_equal(rc->info.addr[0].bytes[3], 3);
    assert_int_equal(rc->info.port[0], 50000);
    assert_string_equal(log_of(&t.rec, 2, log, sizeof log), "open d0:0+2 d1:0+5");
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+6 e0:capture e1:capture close");
    tb_free(&t);
}

/* A capture started mid-stream: the first segment's sender is direction 0, offset 0 its first byte;
 * bytes before that are dropped quietly; pure ACKs do not fix the start. */
static void test_midstream(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 1, 900000, ACK, "world");     /* the server speaks first in the capture */
    tx(&t, &f, 0, 70, ACK, NULL);             /* a pure ACK from the client: no start yet */
    tx(&t, &f, 0, 69, ACK, "");               /* keepalive-like, empty: still nothing */
    tx(&t, &f, 0, 71, ACK, "ping");           /* the client's offset 0 */
    tx(&t, &f, 1, 899995, ACK, "hello");      /* entirely before offset 0: dropped quietly */
    tx(&t, &f, 1, 899998, ACK, "loworld!");   /* straddles offset 0: 2 dropped, 5 compared, 1 new */
    tx(&t, &f, 0, 60, ACK, "0123456789");     /* wholly before the client's start */
    struct rconn *rc = conn_n(&t, 1);
    assert_false(rc->info.saw_syn);
    assert_int_equal(rc->info.addr[0].bytes[3], 2); /* the server, first sender */
    assert_int_equal(rc->info.port[0], 80);
    assert_int_equal(rc->info.first.num, 1);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+5 d1:0+4 d0:5+1");
    assert_bytes(&t, 1, 0, "world!", 6);
    assert_bytes(&t, 1, 1, "ping", 4);
    assert_null(find_ev(&t.rec, 1, EV_ANOM, -1));
    /* keep-alive probes: one garbage octet at next - 1 (RFC 1122 §4.2.3.6) is no differing retransmission */
    txw(&t, &f, 0, 74, ACK, (const uint8_t *)"\0", 1, 1);
    txw(&t, &f, 0, 74, ACK, (const uint8_t *)"g", 1, 1);
    assert_null(find_ev(&t.rec, 1, EV_ANOM, -1));
    /* a differing straddling retransmission is compared from offset 0 on */
    tx(&t, &f, 1, 899998, ACK, "loWorld");
    const struct ev *a = find_ev(&t.rec, 1, EV_ANOM, WSI_TCP_RETRANS_DIFFERS);
    assert_non_null(a);
    assert_detail(a, "first at offset 0");
    /* two differing octets before the client's next byte are a retransmission that differs, not a probe */
    size_t before = t.rec.anomalies[WSI_TCP_RETRANS_DIFFERS];
    tx(&t, &f, 0, 73, ACK, "XX");
    assert_int_equal(t.rec.anomalies[WSI_TCP_RETRANS_DIFFERS], before + 1);
    tb_finish(&t);
    tb_free(&t);
}

/* Three segments in every order reassemble to the same bytes; the last delivery comes with the
 * packet that completed it. */
static void test_ooo_permutations(void **state)
{
    (void)state;
    static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    static const char *const part[3] = {"abc", "defg", "hij"};
    static const uint32_t at[3] = {0, 3, 7};
    for (int p = 0; p < 6; p++) {
        struct tb t;
        char log[4096];
        tb_init(&t, 0, 0);
        struct flow f = mkflow(1, 40000, 2, 80);
        tx(&t, &f, 0, 5000, SYN_ONLY, NULL);
        for (int i = 0; i < 3; i++) tx(&t, &f, 0, 5001 + at[perm[p][i]], ACK, part[perm[p][i]]);
        assert_bytes(&t, 1, 0, "abcdefghij", 10);
        const struct ev *last = NULL;
        for (size_t i = 0; i < t.rec.nev; i++)
            if (t.rec.ev[i].t == EV_DATA) last = &t.rec.ev[i];
        assert_non_null(last);
        assert_int_equal(last->pkt, 4);
        tx(&t, &f, 0, 5011, FINACK, NULL);
        tb_finish(&t);
        assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+10 e0:fin e1:capture close");
        tb_free(&t);
    }
}

/* An identical retransmission, of delivered or of buffered bytes, is ignored silently. */
static void test_retrans_duplicate(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 0, SYN_ONLY, NULL);
    tx(&t, &f, 0, 1, ACK, "hello ");
    tx(&t, &f, 0, 1, ACK, "hello ");
    tx(&t, &f, 0, 13, ACK, "!!");       /* buffered ([12,14)) */
    tx(&t, &f, 0, 13, ACK, "!!");       /* duplicate of the buffered piece */
    tx(&t, &f, 0, 3, ACK, "llo");       /* inside delivered bytes */
    tx(&t, &f, 0, 7, ACK, "world");
    tx(&t, &f, 0, 1, ACK, "hello world!!");
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+14 e0:capture e1:capture close");
    assert_bytes(&t, 1, 0, "hello world!!!", 14);
    assert_int_equal(t.rec.anomalies[WSI_TCP_RETRANS_DIFFERS], 0);
    tb_free(&t);
}

/* A retransmission with other bytes is reported with its offset; the first bytes are kept. */
static void test_retrans_differs(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 99, SYN_ONLY, NULL);
    tx(&t, &f, 0, 100, ACK, "hello");
    tx(&t, &f, 0, 100, ACK, "heLlo");   /* differs from delivered bytes at offset 2 */
    tx(&t, &f, 0, 110, ACK, "XYZ");     /* buffered at 10 */
    tx(&t, &f, 0, 110, ACK, "XQZ");     /* differs from buffered bytes at offset 11 */
    tx(&t, &f, 0, 105, ACK, "abcde");
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                        "open d0:0+5 a0:differs a0:differs d0:5+8 e0:capture e1:capture close");
    assert_bytes(&t, 1, 0, "helloabcdeXYZ", 13);
    const struct ev *a = find_ev(&t.rec, 1, EV_ANOM, WSI_TCP_RETRANS_DIFFERS);
    assert_detail(a, "first at offset 2");
    assert_detail(a, "delivered");
    assert_int_equal(a->pkt, 3);
    a = &t.rec.ev[3]; /* open, data, anomaly, anomaly, ... */
    assert_int_equal(a->t, EV_ANOM);
    assert_detail(a, "first at offset 11");
    assert_detail(a, "buffered");
    assert_int_equal(a->pkt, 5);
    tb_free(&t);
}

/* A segment overlapping delivered bytes at its start and buffered bytes at its end. */
static void test_partial_overlap(void **state)
{
    (void)state;
    const char *s = "abcdefghijklmnopqrstuvwxyz0123";
    for (int variant = 0; variant < 2; variant++) {
        struct tb t;
        char log[4096];
        char mid[21];
        tb_init(&t, 0, 0);
        struct flow f = mkflow(1, 40000, 2, 80);
        tx(&t, &f, 0, 0xFFFFFFFFu, SYN_ONLY, NULL); /* offset 0 at sequence 0 */
        txw(&t, &f, 0, 0, ACK, s, 10, 10);
        txw(&t, &f, 0, 20, ACK, s + 20, 10, 10);
        memcpy(mid, s + 5, 20);
        if (variant)
            for (int i = 0; i < 20; i++) mid[i] = (char)(mid[i] - 'a' + 'A'); /* every byte differs */
        txw(&t, &f, 0, 5, ACK, mid, 20, 20);
        tb_finish(&t);
        if (!variant) {
            assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+30 e0:capture e1:capture close");
            assert_bytes(&t, 1, 0, s, 30);
        } else {
            assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                                "open d0:0+10 a0:differs d0:10+10 a0:differs d0:20+10 e0:capture e1:capture close");
            assert_bytes(&t, 1, 0, "abcdefghijKLMNOPQRSTuvwxyz0123", 30);
            assert_detail(find_ev(&t.rec, 1, EV_ANOM, -1), "first at offset 5");
        }
        tb_free(&t);
    }
}

/* Sequence numbers wrapping past 2^32, in and out of order. */
static void test_wraparound(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    uint8_t src[600];
    for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)(i * 7 + 3);
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    uint32_t isn = 0xFFFFFFF0u;
    tx(&t, &f, 0, isn, SYN_ONLY, NULL);
    txw(&t, &f, 0, isn + 1 + 200, ACK, src + 200, 200, 200);  /* beyond the wrap */
    txw(&t, &f, 0, isn + 1 + 400, ACK, src + 400, 200, 200);
    txw(&t, &f, 0, isn + 1, ACK, src, 200, 200);              /* 15 bytes before, the rest after */
    assert_bytes(&t, 1, 0, src, 600);
    tx(&t, &f, 0, isn + 1 + 600, FINACK, NULL);
    /* a mid-stream direction starting just below the wrap */
    tx(&t, &f, 1, 0xFFFFFFFEu, ACK, "abcd");
    tx(&t, &f, 1, 2, ACK, "efgh");
    tx(&t, &f, 1, 0xFFFFFFFEu, ACK, "abcdefgh"); /* identical retransmission across the wrap */
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+600 e0:fin d1:0+8 e1:capture close");
    assert_bytes(&t, 1, 1, "abcdefgh", 8);
    assert_null(find_ev(&t.rec, 1, EV_ANOM, -1));
    tb_free(&t);
}

/* A segment never captured: a gap of exactly its length at its offset, then the bytes after it. */
static void test_lost_segment(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 10, SYN_ONLY, NULL);
    tx(&t, &f, 0, 11, ACK, "hello");
    /* "xyz" at 16 is lost */
    tx(&t, &f, 0, 19, ACK, "1234");
    tx(&t, &f, 0, 23, ACK, "56");
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                        "open d0:0+5 g0:5+3 d0:8+6 e0:capture e1:capture close");
    assert_bytes(&t, 1, 0, "hello123456", 11);
    /* the gap is reported with the packet that ended the capture */
    assert_int_equal(find_ev(&t.rec, 1, EV_GAP, -1)->pkt, t.num);
    tb_free(&t);
}

/* A hole still open when the FIN comes is declared a gap then; bytes after the FIN are reported. */
static void test_gap_at_fin(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 10, SYN_ONLY, NULL);
    tx(&t, &f, 1, 500, SYNACK, NULL);
    tx(&t, &f, 0, 11, ACK, "hello");
    tx(&t, &f, 0, 19, ACK, "1234");
    tx(&t, &f, 0, 23, FINACK, NULL);      /* packet 5: the FIN beyond the hole */
    const struct ev *g = find_ev(&t.rec, 1, EV_GAP, -1);
    assert_non_null(g);
    assert_int_equal(g->pkt, 5);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+5 g0:5+3 d0:8+4 e0:fin");
    tx(&t, &f, 0, 16, ACK, "xyz");        /* too late: its place is a gap already; dropped quietly */
    tx(&t, &f, 0, 21, ACK, "34more");     /* overlaps the FIN: 4 bytes after it */
    tx(&t, &f, 0, 23, FINACK, NULL);      /* FIN retransmitted */
    tx(&t, &f, 1, 501, ACK, "bye");
    tx(&t, &f, 1, 504, FINACK, NULL);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                        "open d0:0+5 g0:5+3 d0:8+4 e0:fin a0:afterfin d1:0+3 e1:fin close");
    const struct ev *a = find_ev(&t.rec, 1, EV_ANOM, WSI_TCP_DATA_AFTER_FIN);
    assert_detail(a, "4 bytes at stream offset 12");

    /* bytes buffered beyond a FIN that arrives later are reported too */
    struct flow h = mkflow(5, 1234, 6, 80);
    tx(&t, &h, 0, 1, SYN_ONLY, NULL);
    tx(&t, &h, 0, 2, ACK, "abc");
    tx(&t, &h, 0, 10, ACK, "zzz");        /* offset 8 */
    tx(&t, &h, 0, 5, FINACK, "de");       /* FIN at offset 5 */
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 2, log, sizeof log), "open d0:0+5 a0:afterfin e0:fin e1:capture close");
    assert_bytes(&t, 2, 0, "abcde", 5);
    tb_free(&t);
}

/* A RST ends both directions at once: holes become gaps, buffered bytes are delivered. Late
 * packets of the closed tuple open nothing. */
static void test_rst(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 10, SYN_ONLY, NULL);
    tx(&t, &f, 1, 500, SYNACK, NULL);
    tx(&t, &f, 0, 11, ACK, "req");
    tx(&t, &f, 1, 501, ACK, "ab");
    tx(&t, &f, 1, 506, ACK, "fg");       /* [2,5) missing */
    tx(&t, &f, 0, 14, RSTACK, NULL);     /* packet 6 */
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                        "open d0:0+3 d1:0+2 e0:rst g1:2+3 d1:5+2 e1:rst close");
    assert_int_equal(find_ev(&t.rec, 1, EV_GAP, -1)->pkt, 6);
    tx(&t, &f, 1, 508, RSTACK, NULL);    /* a second RST */
    tx(&t, &f, 0, 14, ACK, NULL);
    tx(&t, &f, 1, 508, ACK, "late");     /* dropped: nothing can be said after on_close */
    assert_int_equal(t.rec.nconns, 1);
    /* a RST on an unknown tuple opens nothing */
    struct flow g = mkflow(7, 7777, 8, 8888);
    tx(&t, &g, 0, 1, RSTACK, NULL);
    assert_int_equal(t.rec.nconns, 1);
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                        "open d0:0+3 d1:0+2 e0:rst g1:2+3 d1:5+2 e1:rst close");
    tb_free(&t);
}

/* FIN both ways, then a new SYN on the same tuple: a second connection, after the first closed. */
static void test_reuse_after_fin(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 100, SYN_ONLY, NULL);
    tx(&t, &f, 1, 900, SYNACK, NULL);
    tx(&t, &f, 0, 101, ACK, "one");
    tx(&t, &f, 0, 104, FINACK, NULL);
    tx(&t, &f, 1, 901, FINACK, NULL);
    tx(&t, &f, 0, 105, ACK, NULL);        /* the last ACK: absorbed by the closed entry */
    tx(&t, &f, 1, 900, SYNACK, NULL);     /* a late SYN+ACK of the old one: absorbed too */
    assert_int_equal(t.rec.nconns, 1);
    tx(&t, &f, 0, 100, SYN_ONLY, NULL);   /* the old ISN again after the close: the port is reused (2) */
    assert_int_equal(t.rec.nconns, 2);
    tx(&t, &f, 0, 7000, SYN_ONLY, NULL);  /* a new ISN on the open connection 2: it ends, 3 begins */
    tx(&t, &f, 1, 3000, SYNACK, NULL);
    tx(&t, &f, 0, 7001, ACK, "two");
    assert_int_equal(t.rec.nconns, 3);
    assert_string_equal(log_of(&t.rec, 2, log, sizeof log), "open e0:reused e1:reused close");
    assert_int_equal(conn_n(&t, 3)->info.id, 3);
    assert_int_equal(conn_n(&t, 3)->info.first.num, 9);
    /* the first connection's close comes before the second's open */
    size_t close1 = 0, open2 = 0;
    for (size_t i = 0; i < t.rec.nev; i++) {
        if (t.rec.ev[i].t == EV_CLOSE && t.rec.ev[i].conn == 1) close1 = i;
        if (t.rec.ev[i].t == EV_OPEN && t.rec.ev[i].conn == 2) open2 = i;
    }
    assert_true(close1 > 0 && open2 > close1);
    /* the server side may also be the one to reopen the tuple after a RST */
    tx(&t, &f, 0, 7004, RSTACK, NULL);
    tx(&t, &f, 1, 12345, SYN_ONLY, NULL);
    assert_int_equal(t.rec.nconns, 4);
    assert_int_equal(conn_n(&t, 4)->info.port[0], 80); /* its SYN sender is direction 0 */
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+3 e0:fin e1:fin close");
    assert_string_equal(log_of(&t.rec, 3, log, sizeof log), "open d0:0+3 e0:rst e1:rst close");
    assert_string_equal(log_of(&t.rec, 4, log, sizeof log), "open e0:capture e1:capture close");
    assert_bytes(&t, 3, 0, "two", 3);
    tb_free(&t);
}

/* A closed connection keeps only a small entry (to absorb late packets); its open state is let
 * go, kept as a spare and charged as such, until the budget needs the room: then the entry
 * alone is charged, under half of an open one. New connections after that are charged as the
 * first were. */
static void test_closed_entries(void **state)
{
    (void)state;
    enum { N = 30 };
    struct wsi_budget b;
    wsi_budget_init(&b, 0);
    struct tb t;
    tb_init_lim(&t, &(struct wsi_reasm_limits){.budget = &b, .history_bytes = 64 << 10});
    uint64_t base = b.used;
    struct flow f[2 * N];
    for (int i = 0; i < 2 * N; i++) f[i] = mkflow(1, (uint16_t)(40000 + i), 2, 80);
    for (int i = 0; i < N; i++) {
        tx(&t, &f[i], 0, 100, SYN_ONLY, NULL);
        tx(&t, &f[i], 1, 900, SYNACK, NULL);
        tx(&t, &f[i], 0, 101, ACK, "hi");
    }
    uint64_t open = b.used - base;
    assert_true(open > 0);
    for (int i = 0; i < N; i++) {
        tx(&t, &f[i], 0, 103, FINACK, NULL);
        tx(&t, &f[i], 1, 901, FINACK, NULL);
    }
    for (size_t i = 0; i < t.rec.nconns; i++) assert_true(t.rec.conns[i]->closed);
    /* the open states let go are kept as spares, still charged: nothing changed */
    assert_int_equal(b.used - base, open);
    /* over the budget the spares go first (the reassembler has nothing else to give) */
    b.limit = 1;
    wsi_budget_enforce(&b);
    b.limit = 0;
    assert_int_equal(b.trims, 1);
    uint64_t closed = b.used - base;
    assert_true(closed > 0);         /* the entries are still there... */
    assert_true(closed * 2 < open);  /* ...at under half the cost */
    for (int i = 0; i < N; i++) tx(&t, &f[i], 0, 104, ACK, NULL); /* the last ACKs: absorbed */
    assert_int_equal(t.rec.nconns, N);
    assert_int_equal(b.used - base, closed);
    for (int i = N; i < 2 * N; i++) {
        tx(&t, &f[i], 0, 100, SYN_ONLY, NULL);
        tx(&t, &f[i], 1, 900, SYNACK, NULL);
        tx(&t, &f[i], 0, 101, ACK, "hi");
    }
    assert_int_equal(t.rec.nconns, 2 * N);
    assert_int_equal(b.used - base, closed + open);
    for (int i = N; i < 2 * N; i++) assert_bytes(&t, (uint64_t)i + 1, 0, "hi", 2);
    tb_finish(&t);
    tb_free(&t);
    assert_int_equal(b.used, 0);
}

/* The history log is charged whole from the start, so it takes at most a quarter of the
 * budget's limit: under the smallest budget (4 MiB) a 1 MiB log, not the default 4 MiB. */
static void test_history_fits_budget(void **state)
{
    (void)state;
    static const struct {
        uint64_t limit;
        size_t history, charged;
    } cases[] = {
        {0, 0, 4 << 20},              /* no limit: the default */
        {4 << 20, 0, 1 << 20},        /* the smallest budget */
        {6 << 20, 0, 1 << 20},        /* a quarter, rounded down to a power of two */
        {16 << 20, 0, 4 << 20},       /* room for the default */
        {8 << 20, 64 << 10, 64 << 10}, /* asked for, and it fits */
        {8 << 20, 16 << 20, 2 << 20},  /* asked for more than fits */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wsi_budget b;
        wsi_budget_init(&b, cases[i].limit);
        struct tb t;
        tb_init_lim(&t, &(struct wsi_reasm_limits){.budget = &b, .history_bytes = cases[i].history});
        uint64_t used = b.used;
        tb_free(&t);
        /* the log, and the first bucket array (a few hundred bytes) besides */
        assert_true(used >= cases[i].charged && used - cases[i].charged < 4096);
        assert_true(b.used == 0);
    }
}

/* A retransmitted SYN is the same connection; a SYN with another ISN on an open one starts a new one. */
static void test_syn_retransmit(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 5000, SYN_ONLY, NULL);
    tx(&t, &f, 0, 5000, SYN_ONLY, NULL);
    tx(&t, &f, 1, 100, SYNACK, NULL);
    tx(&t, &f, 1, 100, SYNACK, NULL);
    tx(&t, &f, 0, 5000, SYN_ONLY, NULL);
    tx(&t, &f, 0, 5001, ACK, "data");
    tx(&t, &f, 1, 101, ACK, "ok");
    assert_int_equal(t.rec.nconns, 1);
    tx(&t, &f, 0, 5010, ACK, "zz");       /* a hole [4,9) */
    tx(&t, &f, 0, 9, SYN_ONLY, NULL);     /* another ISN: the old connection is flushed and closed */
    assert_int_equal(t.rec.nconns, 2);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                        "open d0:0+4 d1:0+2 g0:4+5 d0:9+2 e0:reused e1:reused close");
    tx(&t, &f, 0, 10, ACK, "new");
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 2, log, sizeof log), "open d0:0+3 e0:capture e1:capture close");
    tb_free(&t);

    /* a connection picked up mid-stream: a SYN from a side that already sent data is a new one;
     * a SYN from a side that has sent nothing yet is that side's opening */
    tb_init(&t, 0, 0);
    struct flow g = mkflow(5, 5555, 6, 80);
    tx(&t, &g, 0, 400, ACK, "old");
    tx(&t, &g, 1, 1000, SYN_ONLY, NULL);  /* the silent side opens: same connection */
    assert_int_equal(t.rec.nconns, 1);
    tx(&t, &g, 1, 1001, ACK, "x");
    tx(&t, &g, 0, 50, SYN_ONLY, NULL);    /* the side that spoke mid-stream sends a SYN: new */
    assert_int_equal(t.rec.nconns, 2);
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+3 d1:0+1 e0:reused e1:reused close");
    assert_int_equal(conn_n(&t, 2)->info.first.num, 4);
    tb_free(&t);
}

/* The out-of-order limit: the earliest hole is declared a gap, delivery goes on, memory stays bounded. */
static void test_ooo_limit(void **state)
{
    (void)state;
    char log[4096];
    enum { SEG = 100, LIMIT = 4096 };
    {
        /* a small case with exact events: one lost segment, then more than the limit after it */
        struct tb t;
        uint8_t src[SEG * 80];
        for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)(i * 13 + i / 256);
        tb_init(&t, LIMIT, 0);
        struct flow f = mkflow(1, 40000, 2, 80);
        tx(&t, &f, 0, 0, SYN_ONLY, NULL);
        for (uint32_t k = 1; k < 80; k++) txw(&t, &f, 0, 1 + k * SEG, ACK, src + k * SEG, SEG, SEG);
        tb_finish(&t);
        assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                            "open a0:ooo g0:0+100 d0:100+7900 e0:capture e1:capture close");
        assert_memory_equal(conn_n(&t, 1)->buf[0], src + SEG, 79 * SEG);
        const struct ev *a = find_ev(&t.rec, 1, EV_ANOM, WSI_TCP_OOO_LIMIT);
        /* it happened once the buffered pieces no longer fitted: not before LIMIT / SEG of them */
        assert_true(a->pkt > 1 + LIMIT / (SEG + 64) && a->pkt <= 2 + LIMIT / SEG);
        tb_free(&t);
    }
    {
        /* every other segment lost, 2 MiB in all: each hole becomes a gap, memory stays bounded */
        enum { N = 20000 };
        uint8_t *src = malloc((size_t)N * SEG);
        assert_non_null(src);
        for (size_t i = 0; i < (size_t)N * SEG; i++) src[i] = (uint8_t)(i ^ (i >> 9));
        struct tb t;
        tb_init_lim(&t, &(struct wsi_reasm_limits){.max_ooo_bytes = LIMIT, .history_bytes = 64 << 10});
        t.rec.light = 1;
        t.rec.src[0] = src;
        t.rec.src_len[0] = (size_t)N * SEG;
        t.rec.evcap = N + 16; /* room for every gap and anomaly, allocated before measuring */
        t.rec.ev = malloc(t.rec.evcap * sizeof *t.rec.ev);
        assert_non_null(t.rec.ev);
        struct flow f = mkflow(1, 40000, 2, 80);
        tx(&t, &f, 0, 77, SYN_ONLY, NULL);
        size_t base = heap_in_use(), peak = 0;
        for (uint32_t k = 1; k < N; k += 2) {
            txw(&t, &f, 0, 78 + k * SEG, ACK, src + (size_t)k * SEG, SEG, SEG);
            size_t now = heap_in_use();
            if (now > peak) peak = now;
        }
        /* the limit, the history, one packet copy and some slack */
        assert_true(peak < base + LIMIT + (64 << 10) + 16384);
        tb_finish(&t);
        struct rconn *rc = conn_n(&t, 1);
        assert_int_equal(rc->data_bytes[0], (uint64_t)N / 2 * SEG);
        assert_int_equal(rc->gap_bytes[0], (uint64_t)N / 2 * SEG);
        assert_true(t.rec.anomalies[WSI_TCP_OOO_LIMIT] > N / 2 - LIMIT / SEG - 2);
        /* every gap is exactly one lost segment */
        for (size_t i = 0; i < t.rec.nev; i++) {
            if (t.rec.ev[i].t != EV_GAP) continue;
            assert_int_equal(t.rec.ev[i].len, SEG);
            assert_int_equal(t.rec.ev[i].off % (2 * SEG), 0);
        }
        tb_free(&t);
        free(src);
    }
}

/* With max_conns connections open, a new one evicts the least recently active (flushed and closed);
 * closed entries go first, silently. */
static void test_eviction(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 2);
    struct flow a = mkflow(1, 1001, 9, 80), b = mkflow(2, 1002, 9, 80), c = mkflow(3, 1003, 9, 80);
    tx(&t, &a, 0, 0, SYN_ONLY, NULL);
    tx(&t, &b, 0, 0, SYN_ONLY, NULL);
    tx(&t, &b, 0, 1, ACK, "hello");
    tx(&t, &b, 0, 11, ACK, "world");      /* hole [5,10) */
    tx(&t, &a, 1, 50, SYNACK, NULL);      /* a is now the most recently active */
    tx(&t, &c, 0, 0, SYN_ONLY, NULL);     /* packet 6: b is evicted */
    assert_int_equal(t.rec.nconns, 3);
    assert_string_equal(log_of(&t.rec, 2, log, sizeof log),
                        "open d0:0+5 a0:evicted g0:5+5 d0:10+5 e0:evicted e1:evicted close");
    assert_int_equal(find_ev(&t.rec, 2, EV_ANOM, WSI_TCP_EVICTED)->pkt, 6);
    assert_false(conn_n(&t, 1)->closed);
    /* b's tuple again: a new connection (4), evicting a (c is newer) */
    tx(&t, &b, 0, 16, ACK, "more");
    assert_int_equal(t.rec.nconns, 4);
    assert_true(conn_n(&t, 1)->closed);
    assert_non_null(find_ev(&t.rec, 1, EV_ANOM, WSI_TCP_EVICTED));
    assert_false(conn_n(&t, 3)->closed);
    /* close c; then a new tuple drops c's closed entry without a word, not connection 4 */
    tx(&t, &c, 0, 0, RSTACK, NULL);
    assert_true(conn_n(&t, 3)->closed);
    struct flow d = mkflow(4, 1004, 9, 80);
    tx(&t, &d, 0, 0, SYN_ONLY, NULL);
    assert_int_equal(t.rec.nconns, 5);
    assert_false(conn_n(&t, 4)->closed);
    assert_null(find_ev(&t.rec, 3, EV_ANOM, WSI_TCP_EVICTED));
    tx(&t, &b, 0, 20, ACK, "!");
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 4, log, sizeof log), "open d0:0+5 e0:capture e1:capture close");
    assert_bytes(&t, 4, 0, "more!", 5);
    tb_free(&t);
}

/* Sequence jumps of 2 GiB (16 GiB in all) cost no memory: offsets are numbers, gaps are reported. */
static void test_4gib_jump(void **state)
{
    (void)state;
    struct tb t;
    char log[4096], want[4096];
    tb_init_lim(&t, &(struct wsi_reasm_limits){.history_bytes = 64 << 10});
    t.rec.evcap = 256;
    t.rec.ev = malloc(t.rec.evcap * sizeof *t.rec.ev);
    assert_non_null(t.rec.ev);
    struct flow f = mkflow(1, 40000, 2, 80);
    const uint32_t isn = 0x9000000u;
    tx(&t, &f, 0, isn, SYN_ONLY, NULL);
    size_t before = heap_in_use();
    tx(&t, &f, 0, isn + 1, ACK, "start");
    for (uint32_t k = 1; k <= 8; k++) tx(&t, &f, 0, isn + 1 + k * 0x80000000u, ACK, "step!");
    size_t after = heap_in_use();
    assert_true(after < before + (256 << 10));
    tx(&t, &f, 0, isn + 1 + 5, FINACK, NULL); /* +16 GiB + 5: the FIN after the last step */
    tb_finish(&t);
    size_t n = (size_t)snprintf(want, sizeof want, "open d0:0+5");
    for (uint64_t k = 1; k <= 8; k++)
        n += (size_t)snprintf(want + n, sizeof want - n, " g0:%llu+%llu d0:%llu+5",
                              (unsigned long long)((k - 1) * 0x80000000ull + 5),
                              (unsigned long long)(0x80000000ull - 5), (unsigned long long)(k * 0x80000000ull));
    snprintf(want + n, sizeof want - n, " e0:fin e1:capture close");
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), want);
    assert_int_equal(conn_n(&t, 1)->gap_bytes[0], 8 * (0x80000000ull - 5));
    tb_free(&t);

    /* exactly half the sequence space past the highest byte seen counts as ahead */
    tb_init(&t, 0, 0);
    tx(&t, &f, 0, 0xFFFFFFFEu, ACK, "ab");
    tx(&t, &f, 0, 0x80000000u, ACK, "cd"); /* 2^31 past the end of "ab" */
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                        "open d0:0+2 g0:2+2147483648 d0:2147483650+2 e0:capture e1:capture close");
    tb_free(&t);
}

/* A segment cut by the snap length: an anomaly, its captured part, and a gap for the rest unless
 * a retransmission fills it. */
static void test_snaplen_cut(void **state)
{
    (void)state;
    char log[4096];
    uint8_t src[150];
    for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)(i + 1);
    for (int refill = 0; refill < 2; refill++) {
        struct tb t;
        tb_init(&t, 0, 0);
        struct flow f = mkflow(1, 40000, 2, 80);
        tx(&t, &f, 0, 0, SYN_ONLY, NULL);
        txw(&t, &f, 0, 1, ACK, src, 60, 100);          /* 100 on the wire, 60 captured */
        txw(&t, &f, 0, 101, ACK, src + 100, 50, 50);
        if (refill) txw(&t, &f, 0, 1, ACK, src, 100, 100);
        txw(&t, &f, 0, 151, FINACK, NULL, 0, 0);
        tb_finish(&t);
        if (!refill) {
            assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                                "open a0:snaplen d0:0+60 g0:60+40 d0:100+50 e0:fin e1:capture close");
            assert_detail(find_ev(&t.rec, 1, EV_ANOM, -1), "60 of 100");
            assert_int_equal(find_ev(&t.rec, 1, EV_ANOM, -1)->pkt, 2);
            assert_memory_equal(conn_n(&t, 1)->buf[0], src, 60);
            assert_memory_equal(conn_n(&t, 1)->buf[0] + 60, src + 100, 50);
        } else {
            assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                                "open a0:snaplen d0:0+150 e0:fin e1:capture close");
            assert_bytes(&t, 1, 0, src, 150);
        }
        tb_free(&t);
    }
    /* the cut tail of the last segment before the end of the capture is a gap too */
    struct tb t;
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    txw(&t, &f, 0, 5, ACK, src, 10, 30);
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log),
                        "open a0:snaplen d0:0+10 g0:10+20 e0:capture e1:capture close");
    tb_free(&t);
}

/* A timestamp before the previous packet's is reported once per connection, and the
 * bytes are delivered as usual. */
static void test_time_backwards(void **state)
{
    (void)state;
    char log[4096];
    struct tb t;
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80), g = mkflow(3, 40001, 2, 80);
    tx(&t, &f, 0, 0, SYN_ONLY, NULL);
    tx(&t, &f, 0, 1, ACK, "abc");
    tx(&t, &g, 0, 0, SYN_ONLY, NULL);
    t.ts_shift = -10; /* packet 4 is 9 s before packet 2 */
    tx(&t, &f, 0, 4, ACK, "def");
    t.ts_shift = -20;
    tx(&t, &f, 0, 7, ACK, "ghi"); /* backwards again: not said twice */
    tx(&t, &g, 0, 1, ACK, "xyz"); /* the other connection: its own verdict */
    tb_finish(&t);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+3 a0:backwards d0:3+6 e0:capture e1:capture close");
    const struct ev *a = find_ev(&t.rec, 1, EV_ANOM, WSI_TCP_TIME_BACKWARDS);
    assert_non_null(a);
    assert_int_equal(a->pkt, 4);
    assert_detail(a, "packet 4's timestamp is 8.000000 s before that of packet 2");
    assert_string_equal(log_of(&t.rec, 2, log, sizeof log), "open a0:backwards d0:0+3 e0:capture e1:capture close");
    tb_free(&t);
}

/* One byte per segment, in order and in reverse order. */
static void test_one_byte_segments(void **state)
{
    (void)state;
    char log[4096];
    enum { N = 3000 };
    uint8_t src[N];
    for (size_t i = 0; i < N; i++) src[i] = (uint8_t)(i * 31 + 7);
    for (int reverse = 0; reverse < 2; reverse++) {
        struct tb t;
        tb_init(&t, 0, 0);
        struct flow f = mkflow(1, 40000, 2, 80);
        tx(&t, &f, 0, 0xFFFFF000u, SYN_ONLY, NULL);
        for (uint32_t i = 0; i < N; i++) {
            uint32_t k = reverse ? N - 1 - i : i;
            txw(&t, &f, 0, 0xFFFFF001u + k, ACK, src + k, 1, 1);
        }
        tx(&t, &f, 0, 0xFFFFF001u + N, FINACK, NULL);
        tb_finish(&t);
        assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+3000 e0:fin e1:capture close");
        assert_bytes(&t, 1, 0, src, N);
        tb_free(&t);
    }
}

/* A small deterministic generator (xorshift64*), state passed explicitly. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

/* Random streams cut into random segments, shuffled, with random duplicates and overlapping
 * re-cuts: they must reassemble exactly, with no gap and no anomaly. */
static void test_random(void **state)
{
    (void)state;
    uint64_t seed = 0x5eed1234abcdull;
    enum { MAXLEN = 6000, MAXSEG = 2 * MAXLEN };
    uint8_t *src = malloc(MAXLEN);
    uint32_t *segoff = malloc(MAXSEG * sizeof *segoff), *seglen = malloc(MAXSEG * sizeof *seglen);
    assert_true(src && segoff && seglen);
    for (int iter = 0; iter < 300; iter++) {
        size_t len = 1 + rnd(&seed) % MAXLEN;
        for (size_t i = 0; i < len; i++) src[i] = (uint8_t)rnd(&seed);
        size_t nseg = 0;
        size_t maxcut = 1 + rnd(&seed) % 400;
        for (size_t at = 0; at < len;) {
            size_t n = 1 + rnd(&seed) % maxcut;
            if (n > len - at) n = len - at;
            segoff[nseg] = (uint32_t)at;
            seglen[nseg++] = (uint32_t)n;
            at += n;
        }
        /* duplicates and arbitrary ranges re-cut from the same bytes */
        size_t extra = rnd(&seed) % (nseg + 1);
        for (size_t e = 0; e < extra && nseg < MAXSEG; e++) {
            if (rnd(&seed) & 1) {
                size_t k = rnd(&seed) % nseg;
                segoff[nseg] = segoff[k];
                seglen[nseg++] = seglen[k];
            } else {
                size_t a = rnd(&seed) % len, n = 1 + rnd(&seed) % (len - a);
                segoff[nseg] = (uint32_t)a;
                seglen[nseg++] = (uint32_t)n;
            }
        }
        for (size_t i = nseg - 1; i > 0; i--) { /* Fisher-Yates */
            size_t j = rnd(&seed) % (i + 1);
            uint32_t o = segoff[i], l = seglen[i];
            segoff[i] = segoff[j];
            seglen[i] = seglen[j];
            segoff[j] = o;
            seglen[j] = l;
        }
        uint32_t isn = (iter % 3 == 0) ? (uint32_t)(0xFFFFFFFFu - rnd(&seed) % (2 * MAXLEN)) : (uint32_t)rnd(&seed);
        struct tb t;
        char log[256], want[256];
        tb_init(&t, 0, 0);
        struct flow f = mkflow(1, 40000, 2, 80);
        tx(&t, &f, 0, isn, SYN_ONLY, NULL);
        for (size_t i = 0; i < nseg; i++)
            txw(&t, &f, 0, isn + 1 + segoff[i], ACK, src + segoff[i], seglen[i], seglen[i]);
        tx(&t, &f, 0, isn + 1 + (uint32_t)len, FINACK, NULL);
        tb_finish(&t);
        snprintf(want, sizeof want, "open d0:0+%zu e0:fin e1:capture close", len);
        assert_string_equal(log_of(&t.rec, 1, log, sizeof log), want);
        assert_bytes(&t, 1, 0, src, len);
        tb_free(&t);
    }
    free(src);
    free(segoff);
    free(seglen);
}


/* ---- the shared history of delivered bytes ---------------------------------- */

/* Parse a retrans-differs detail: "N of M bytes from stream offset X differ, the first at offset F". */
static void parse_differs(const struct ev *e, unsigned long long v[4])
{
    const char *p = strstr(e->detail, ": ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, ": %llu of %llu bytes from stream offset %llu differ, the first at offset %llu", &v[0],
                            &v[1], &v[2], &v[3]),
                     4);
}

/* Bytes delivered before a gap are still compared after it; a retransmission over the gap compares
 * only the delivered bytes on both sides of it. */
static void test_history_across_gap(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    unsigned long long v[4];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 0, SYN_ONLY, NULL);
    tx(&t, &f, 0, 1, ACK, "hello");
    tx(&t, &f, 0, 11, ACK, "world");           /* buffered beyond the hole [5,10) */
    ack_from(&t, &f, 1, 500, 16);              /* up to offset 15: the hole was lost by the capture */
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+5 g0:5+5 d0:10+5");
    tx(&t, &f, 0, 1, ACK, "heLlo");            /* before the gap: compared */
    const struct ev *a = find_ev(&t.rec, 1, EV_ANOM, WSI_TCP_RETRANS_DIFFERS);
    parse_differs(a, v);
    assert_int_equal(v[0], 1);
    assert_int_equal(v[1], 5);
    assert_int_equal(v[2], 0);
    assert_int_equal(v[3], 2);
    tx(&t, &f, 0, 4, ACK, "loXXXXXwXrl");       /* [3,14): 2 bytes before the gap, 4 after */
    a = &t.rec.ev[t.rec.nev - 1];
    assert_int_equal(a->code, WSI_TCP_RETRANS_DIFFERS);
    parse_differs(a, v);
    assert_int_equal(v[0], 1);                  /* 'X' at 11 */
    assert_int_equal(v[1], 6);                  /* 3, 4 and 10..13 */
    assert_int_equal(v[2], 3);
    assert_int_equal(v[3], 11);
    assert_int_equal(t.rec.anomalies[WSI_TCP_RETRANS_DIFFERS], 2);
    tb_finish(&t);
    assert_bytes(&t, 1, 0, "helloworld", 10);
    tb_free(&t);
}

/* The history is shared: two interleaved connections each compare their own bytes, and bytes
 * older than the history's size are no longer compared. */
static void test_history_shared(void **state)
{
    (void)state;
    struct tb t;
    unsigned long long v[4];
    uint8_t a_src[3000], b_src[3000], bad[3000];
    for (size_t i = 0; i < sizeof a_src; i++) {
        a_src[i] = (uint8_t)(i * 7 + 1);
        b_src[i] = (uint8_t)(i * 11 + 5);
    }
    tb_init_lim(&t, &(struct wsi_reasm_limits){.history_bytes = 4096});
    struct flow fa = mkflow(1, 40000, 2, 80), fb = mkflow(3, 40001, 2, 80);
    tx(&t, &fa, 0, 0, SYN_ONLY, NULL);
    tx(&t, &fb, 0, 0, SYN_ONLY, NULL);
    for (uint32_t k = 0; k < 10; k++) { /* 100-byte segments, alternating */
        txw(&t, &fa, 0, 1 + k * 100, ACK, a_src + k * 100, 100, 100);
        txw(&t, &fb, 0, 1 + k * 100, ACK, b_src + k * 100, 100, 100);
    }
    /* a retransmission of A's [250,650) with two bytes changed: exact count, first and range */
    memcpy(bad, a_src + 250, 400);
    bad[10] ^= 1;
    bad[399] ^= 1;
    txw(&t, &fa, 0, 1 + 250, ACK, bad, 400, 400);
    const struct ev *e = &t.rec.ev[t.rec.nev - 1];
    assert_int_equal(e->code, WSI_TCP_RETRANS_DIFFERS);
    assert_int_equal(e->conn, 1);
    parse_differs(e, v);
    assert_int_equal(v[0], 2);
    assert_int_equal(v[1], 400);
    assert_int_equal(v[2], 250);
    assert_int_equal(v[3], 260);
    /* B's bytes unchanged: silent */
    txw(&t, &fb, 0, 1, ACK, b_src, 1000, 1000);
    assert_int_equal(t.rec.anomalies[WSI_TCP_RETRANS_DIFFERS], 1);
    /* 2000 more bytes of B (one record: nothing comes between them) push the first records out of
     * the 4 KiB history: 20 records of 100 bytes and a 24-byte header, then 2024 bytes, 4504 in all */
    for (uint32_t k = 10; k < 30; k++) txw(&t, &fb, 0, 1 + k * 100, ACK, b_src + k * 100, 100, 100);
    memcpy(bad, a_src, 1000);
    bad[0] ^= 1;                       /* too old: not compared */
    bad[150] ^= 1;
    txw(&t, &fa, 0, 1, ACK, bad, 1000, 1000);
    assert_int_equal(t.rec.anomalies[WSI_TCP_RETRANS_DIFFERS], 1);
    bad[999] ^= 1;                     /* A's newest byte is still there */
    txw(&t, &fa, 0, 1, ACK, bad, 1000, 1000);
    e = &t.rec.ev[t.rec.nev - 1];
    assert_int_equal(e->conn, 1);
    parse_differs(e, v);
    assert_int_equal(v[0], 1);
    assert_int_equal(v[3], 999);
    assert_true(v[2] >= 200 && v[2] < 999); /* A's first two records are gone */
    assert_int_equal(v[2] + v[1], 1000);
    /* B's newest bytes are still compared */
    memcpy(bad, b_src + 2900, 100);
    bad[50] ^= 0x80;
    txw(&t, &fb, 0, 1 + 2900, ACK, bad, 100, 100);
    e = &t.rec.ev[t.rec.nev - 1];
    assert_int_equal(e->conn, 2);
    parse_differs(e, v);
    assert_int_equal(v[0], 1);
    assert_int_equal(v[3], 2950);
    tb_finish(&t);
    tb_free(&t);
}

/* A delivery larger than half the history keeps its last bytes only. */
static void test_history_big_delivery(void **state)
{
    (void)state;
    struct tb t;
    unsigned long long v[4];
    enum { N = 6000 };
    uint8_t *src = malloc(N), *bad = malloc(N);
    assert_true(src && bad);
    for (size_t i = 0; i < N; i++) src[i] = (uint8_t)(i * 5 + 3);
    tb_init_lim(&t, &(struct wsi_reasm_limits){.history_bytes = 4096});
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 0, SYN_ONLY, NULL);
    txw(&t, &f, 0, 1, ACK, src, N, N);
    memcpy(bad, src, N);
    bad[0] ^= 1;      /* not kept */
    bad[N - 1] ^= 1;  /* kept */
    txw(&t, &f, 0, 1, ACK, bad, N, N);
    const struct ev *e = &t.rec.ev[t.rec.nev - 1];
    assert_int_equal(e->code, WSI_TCP_RETRANS_DIFFERS);
    parse_differs(e, v);
    assert_int_equal(v[0], 1);
    assert_int_equal(v[3], N - 1);
    assert_true(v[1] < 2048 && v[1] > 1024); /* what a record may hold: under half the history */
    assert_int_equal(v[2] + v[1], N);
    tb_finish(&t);
    tb_free(&t);
    free(src);
    free(bad);
}

/* A model: random interleaved deliveries of two connections, random retransmissions of recent
 * ranges with random changes. With a history larger than the traffic, every report is exact; with
 * a small one, a report is never wrong and recent ranges are always compared exactly. */
static void test_history_model(void **state)
{
    (void)state;
    enum { LEN = 40000 };
    uint64_t seed = 0x415701cafeull;
    uint8_t *src[2], *bad = malloc(LEN);
    uint64_t *clock_at[2];  /* per byte: the log usage bound when it was delivered */
    assert_non_null(bad);
    for (int c = 0; c < 2; c++) {
        src[c] = malloc(LEN);
        clock_at[c] = malloc(LEN * sizeof *clock_at[c]);
        assert_true(src[c] && clock_at[c]);
        for (size_t i = 0; i < LEN; i++) src[c][i] = (uint8_t)rnd(&seed);
    }
    static const size_t hist[2] = {1 << 20, 4096};
    for (int h = 0; h < 2; h++) {
        for (int iter = 0; iter < 20; iter++) {
            struct tb t;
            tb_init_lim(&t, &(struct wsi_reasm_limits){.history_bytes = hist[h]});
            struct flow f[2] = {mkflow(1, 40000, 2, 80), mkflow(3, 40001, 2, 80)};
            size_t sent[2] = {0, 0};
            uint64_t clock = 0; /* an upper bound of the log positions used so far */
            for (int c = 0; c < 2; c++) tx(&t, &f[c], 0, 0, SYN_ONLY, NULL);
            size_t reports = t.rec.anomalies[WSI_TCP_RETRANS_DIFFERS];
            while (sent[0] < LEN || sent[1] < LEN) {
                int c = (int)(rnd(&seed) & 1);
                if (sent[c] == LEN) c = 1 - c;
                size_t n = 1 + rnd(&seed) % 300;
                if (n > LEN - sent[c]) n = LEN - sent[c];
                clock += n + 48; /* a record header and the most a header skip wastes */
                for (size_t i = 0; i < n; i++) clock_at[c][sent[c] + i] = clock;
                txw(&t, &f[c], 0, (uint32_t)(1 + sent[c]), ACK, src[c] + sent[c], (uint32_t)n, (uint32_t)n);
                sent[c] += n;
                if (rnd(&seed) % 4) continue;
                /* retransmit a range of c's last 2000 bytes, with 0-3 bytes changed */
                size_t lo = sent[c] > 2000 ? sent[c] - 2000 : 0;
                size_t a = lo + rnd(&seed) % (sent[c] - lo), m = 1 + rnd(&seed) % (sent[c] - a);
                memcpy(bad, src[c] + a, m);
                size_t nflip = rnd(&seed) % 4, ndiff = 0;
                int keepalive = m == 1 && a + 1 == sent[c]; /* a keep-alive probe's shape: never compared */
                uint64_t first = UINT64_MAX;
                for (size_t k = 0; k < nflip; k++) bad[rnd(&seed) % m] ^= (uint8_t)(1 + rnd(&seed) % 255);
                for (size_t i = 0; i < m; i++) {
                    if (bad[i] != src[c][a + i]) {
                        ndiff++;
                        if (first == UINT64_MAX) first = a + i;
                    }
                }
                if (keepalive) ndiff = 0;
                txw(&t, &f[c], 0, (uint32_t)(1 + a), ACK, bad, (uint32_t)m, (uint32_t)m);
                size_t now = t.rec.anomalies[WSI_TCP_RETRANS_DIFFERS];
                /* fresh: everything written to the log since the range's first byte fits in it */
                int fresh = clock - clock_at[c][a] + 300 + 48 <= hist[h] / 2;
                if (now == reports) {
                    assert_true(ndiff == 0 || !fresh);
                    continue;
                }
                reports = now;
                unsigned long long v[4];
                const struct ev *e = NULL;
                for (size_t i = t.rec.nev; i-- > 0;) {
                    if (t.rec.ev[i].t == EV_ANOM) {
                        e = &t.rec.ev[i];
                        break;
                    }
                }
                assert_int_equal(e->conn, (uint64_t)c + 1);
                parse_differs(e, v);
                assert_true(ndiff > 0);
                assert_true(v[0] <= ndiff && v[0] > 0);
                assert_true(v[3] >= first && v[3] < a + m && bad[v[3] - a] != src[c][v[3]]);
                assert_true(v[2] >= a && v[2] + v[1] <= a + m);
                if (fresh || h == 0) {
                    assert_int_equal(v[0], ndiff);
                    assert_int_equal(v[3], first);
                    assert_int_equal(v[1], m);
                    assert_int_equal(v[2], a);
                }
            }
            tb_finish(&t);
            assert_bytes(&t, 1, 0, src[0], LEN);
            assert_bytes(&t, 2, 0, src[1], LEN);
            tb_free(&t);
        }
    }
    for (int c = 0; c < 2; c++) {
        free(src[c]);
        free(clock_at[c]);
    }
    free(bad);
}

/* Everything works with no callbacks at all, and freeing without finish frees everything. */
static void test_no_callbacks(void **state)
{
    (void)state;
    struct wsi_reasm_cb none;
    memset(&none, 0, sizeof none);
    struct wsi_reasm *r = wsi_reasm_new(&none, NULL, NULL);
    assert_non_null(r);
    struct flow f = mkflow(1, 40000, 2, 80);
    struct wsi_tcpseg s;
    memset(&s, 0, sizeof s);
    s.src = f.a;
    s.dst = f.b;
    s.sport = f.pa;
    s.dport = f.pb;
    s.seq = 1;
    s.flags = ACK;
    s.payload = (const uint8_t *)"abcdef";
    s.payload_len = s.wire_payload_len = 6;
    struct wsi_pktref p = {.num = 1, .ts_sec = 0, .ts_nsec = 0};
    wsi_reasm_segment(r, &s, &p);
    s.seq = 20; /* buffered */
    wsi_reasm_segment(r, &s, &p);
    wsi_reasm_free(r); /* the sanitizer checks nothing leaks */
    r = wsi_reasm_new(&none, NULL, NULL);
    wsi_reasm_segment(r, &s, NULL);
    wsi_reasm_finish(r, NULL);
    wsi_reasm_free(r);
}

/* The peer's ACK covers a hole that has bytes buffered beyond it: the capture lost
 * those bytes, so the gap is declared with that ACK, not later at the FIN. */
static void test_ack_confirms_gap(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 10, SYN_ONLY, NULL);
    tx(&t, &f, 1, 500, SYNACK, NULL);
    tx(&t, &f, 0, 11, ACK, "hello");
    /* "xyz" at offset 5 is never captured */
    tx(&t, &f, 0, 19, ACK, "1234");
    /* an ACK that covers only part of what was seen, below the hole: nothing yet */
    ack_from(&t, &f, 1, 501, 16);
    assert_null(find_ev(&t.rec, 1, EV_GAP, -1));
    /* an ACK for everything up to offset 12 (seq 23): the receiver had "xyz" */
    ack_from(&t, &f, 1, 501, 23);                /* packet 6 */
    const struct ev *g = find_ev(&t.rec, 1, EV_GAP, -1);
    assert_non_null(g);
    assert_int_equal(g->pkt, 6);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+5 g0:5+3 d0:8+4");
    tx(&t, &f, 0, 23, ACK, "56");
    tb_finish(&t);
    assert_bytes(&t, 1, 0, "hello123456", 11);
    tb_free(&t);
}

/* An ACK captured before the data it covers (capture reordering), with nothing buffered: no gap. */
static void test_ack_before_data(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    tx(&t, &f, 0, 10, SYN_ONLY, NULL);
    tx(&t, &f, 1, 500, SYNACK, NULL);
    ack_from(&t, &f, 1, 501, 16);                /* acks "hello" before we see it */
    tx(&t, &f, 0, 11, ACK, "hello");
    tb_finish(&t);
    assert_null(find_ev(&t.rec, 1, EV_GAP, -1));
    assert_bytes(&t, 1, 0, "hello", 5);
    tb_free(&t);
}

/* Two captures read one after the other: the same four-tuple and ISNs (a script run twice) are two
 * connections, the first flushed as at the end of a capture (open, or closed and remembered), the
 * second numbered after it, its bytes delivered whole although they repeat the first's sequence numbers. */
static void test_next_capture(void **state)
{
    (void)state;
    struct tb t;
    char log[4096];
    tb_init(&t, 0, 0);
    struct flow f = mkflow(1, 40000, 2, 80);
    for (int run = 0; run < 2; run++) {
        /* the first capture's connection ends with FINs (its entry stays to absorb late packets); the
         * second's is still open when its capture ends */
        tx(&t, &f, 0, 100, SYN_ONLY, NULL);
        tx(&t, &f, 1, 900, SYNACK, NULL);
        tx(&t, &f, 0, 101, ACK, run ? "two" : "one");
        if (run == 0) {
            tx(&t, &f, 0, 104, FINACK, NULL);
            tx(&t, &f, 1, 901, FINACK, NULL);
            struct wsi_pktref last = {.num = t.num, .ts_sec = 1700000000 + (int64_t)t.num};
            wsi_reasm_next_capture(t.r, &last);
            assert_true(conn_n(&t, 1)->closed);
            t.num = 0; /* the next file counts its packets from 1 */
        }
    }
    assert_int_equal(t.rec.nconns, 2);
    assert_int_equal(conn_n(&t, 2)->info.id, 2);
    assert_int_equal(conn_n(&t, 2)->info.first.num, 1);
    assert_true(conn_n(&t, 2)->info.saw_syn);
    assert_false(conn_n(&t, 2)->closed);
    /* an open connection is ended as at the end of its capture, and a third capture starts afresh */
    struct wsi_pktref last = {.num = t.num, .ts_sec = 1700000100};
    wsi_reasm_next_capture(t.r, &last);
    assert_string_equal(log_of(&t.rec, 2, log, sizeof log), "open d0:0+3 e0:capture e1:capture close");
    t.num = 0;
    tx(&t, &f, 0, 104, ACK, "late"); /* mid-stream in the third capture: a new connection, not connection 2's */
    tb_finish(&t);
    assert_int_equal(t.rec.nconns, 3);
    assert_false(conn_n(&t, 3)->info.saw_syn);
    assert_string_equal(log_of(&t.rec, 1, log, sizeof log), "open d0:0+3 e0:fin e1:fin close");
    assert_bytes(&t, 1, 0, "one", 3);
    assert_bytes(&t, 2, 0, "two", 3);
    assert_bytes(&t, 3, 0, "late", 4);
    tb_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_syn_isn),
        cmocka_unit_test(test_midstream),
        cmocka_unit_test(test_ooo_permutations),
        cmocka_unit_test(test_retrans_duplicate),
        cmocka_unit_test(test_retrans_differs),
        cmocka_unit_test(test_partial_overlap),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_lost_segment),
        cmocka_unit_test(test_ack_confirms_gap),
        cmocka_unit_test(test_ack_before_data),
        cmocka_unit_test(test_gap_at_fin),
        cmocka_unit_test(test_rst),
        cmocka_unit_test(test_reuse_after_fin),
        cmocka_unit_test(test_syn_retransmit),
        cmocka_unit_test(test_ooo_limit),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_4gib_jump),
        cmocka_unit_test(test_snaplen_cut),
        cmocka_unit_test(test_time_backwards),
        cmocka_unit_test(test_one_byte_segments),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_history_across_gap),
        cmocka_unit_test(test_history_shared),
        cmocka_unit_test(test_history_big_delivery),
        cmocka_unit_test(test_history_model),
        cmocka_unit_test(test_no_callbacks),
        cmocka_unit_test(test_next_capture),
        cmocka_unit_test(test_closed_entries),
        cmocka_unit_test(test_history_fits_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
