/* fuzz_reasm.c - libFuzzer harness for TCP connection tracking and stream reassembly
 * (inspector/reasm.c), driven by a sequence of segments decoded from the input.
 *
 * Input layout:
 *   byte 0      max_ooo_bytes choice (small limits, so the limit paths run)
 *   byte 1      max_conns choice (1..8, or the default)
 *   then records until the input ends:
 *     byte      bits 0-4: TCP flags (FIN SYN RST PSH ACK); bit 5: absolute sequence
 *               number follows; bits 6-7: snap-length cut class of the payload
 *     byte      bits 0-2: which of 8 client ports; bit 3: server -> client;
 *               bit 4: IPv6 addresses instead of IPv4
 *     seq       absolute: 4 bytes; else 2 bytes, a signed offset from the next
 *               sequence number that sender would use (last seq + length)
 *     ack       1 byte, a signed offset from the other side's next sequence number
 *     len       2 bytes (at most 4096; cut to what is left of the input)
 *     payload   len bytes
 *   fuzz/make-seeds.sh writes real captures' segments in this form.
 *
 * Besides the sanitizers (and LeakSanitizer, which sees a connection never
 * closed because its per-connection record is then never freed), the harness
 * checks the callback contract of reasm.h: ids in order, each direction's data
 * and gaps contiguous from offset 0 with no empty delivery, nothing after a
 * direction's end, on_close exactly once and only after both ends, and never
 * more connections open than max_conns.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "reasm.h"

/* What the harness knows of one connection (the per-connection user pointer). */
struct fconn {
    uint64_t id;
    uint64_t next[2];   /* the offset the next delivery or gap of each direction must have */
    int ended[2];
    uint64_t bytes[2];
    uint64_t hash[2];   /* of the delivered bytes, touching each one */
};

struct ctx {
    uint64_t last_id;
    size_t open;        /* opened and not yet closed */
    size_t max_conns;
};

static void *cb_open(void *user, const struct wsi_conn_info *ci)
{
    struct ctx *x = user;
    FUZZ_CHECK(ci->id == x->last_id + 1, "connection id %llu after %llu", (unsigned long long)ci->id,
               (unsigned long long)x->last_id);
    x->last_id = ci->id;
    x->open++;
    FUZZ_CHECK(x->open <= x->max_conns, "%zu connections open, limit %zu", x->open, x->max_conns);
    struct fconn *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->id = ci->id;
    c->hash[0] = c->hash[1] = FZ_FNV_INIT;
    return c;
}

static void cb_data(void *cu, int dir, const uint8_t *data, size_t len, uint64_t offset, const struct wsi_pktref *pkt)
{
    struct fconn *c = cu;
    (void)pkt;
    FUZZ_CHECK(dir == 0 || dir == 1, "direction %d", dir);
    FUZZ_CHECK(!c->ended[dir], "conn %llu dir %d: data after its end", (unsigned long long)c->id, dir);
    FUZZ_CHECK(len > 0, "empty delivery");
    FUZZ_CHECK(offset == c->next[dir], "conn %llu dir %d: data at offset %llu, expected %llu",
               (unsigned long long)c->id, dir, (unsigned long long)offset, (unsigned long long)c->next[dir]);
    c->next[dir] += len;
    c->bytes[dir] += len;
    c->hash[dir] = fz_fnv(c->hash[dir], data, len);
}

static void cb_gap(void *cu, int dir, uint64_t offset, uint64_t len, const struct wsi_pktref *pkt)
{
    struct fconn *c = cu;
    (void)pkt;
    FUZZ_CHECK(dir == 0 || dir == 1, "direction %d", dir);
    FUZZ_CHECK(!c->ended[dir], "conn %llu dir %d: gap after its end", (unsigned long long)c->id, dir);
    FUZZ_CHECK(len > 0, "empty gap");
    FUZZ_CHECK(offset == c->next[dir], "conn %llu dir %d: gap at offset %llu, expected %llu",
               (unsigned long long)c->id, dir, (unsigned long long)offset, (unsigned long long)c->next[dir]);
    FUZZ_CHECK(c->next[dir] + len >= c->next[dir], "gap wraps the 64-bit offset");
    c->next[dir] += len;
}

static void cb_anomaly(void *cu, int dir, enum wsi_tcp_anomaly kind, const char *detail, const struct wsi_pktref *pkt)
{
    struct fconn *c = cu;
    (void)pkt;
    (void)c;
    FUZZ_CHECK(dir == 0 || dir == 1, "direction %d", dir);
    FUZZ_CHECK(kind >= WSI_TCP_RETRANS_DIFFERS && kind <= WSI_TCP_EVICTED, "anomaly %d", (int)kind);
    FUZZ_CHECK(detail != NULL, "anomaly without detail");
    (void)strlen(detail);
}

static void cb_end(void *cu, int dir, enum wsi_end_reason why, const struct wsi_pktref *pkt)
{
    struct fconn *c = cu;
    (void)pkt;
    FUZZ_CHECK(dir == 0 || dir == 1, "direction %d", dir);
    FUZZ_CHECK(!c->ended[dir], "conn %llu dir %d ended twice", (unsigned long long)c->id, dir);
    FUZZ_CHECK(why >= WSI_END_FIN && why <= WSI_END_REUSED, "end reason %d", (int)why);
    c->ended[dir] = 1;
}

static struct ctx *current; /* on_close has only the connection pointer */

static void cb_close(void *cu)
{
    struct fconn *c = cu;
    FUZZ_CHECK(c->ended[0] && c->ended[1], "conn %llu closed with a direction not ended (%d/%d)",
               (unsigned long long)c->id, c->ended[0], c->ended[1]);
    FUZZ_CHECK(current->open > 0, "more closes than opens");
    current->open--;
    free(c); /* a second close of the same connection is a double free */
}

static const struct wsi_reasm_cb callbacks = {
    .on_open = cb_open,
    .on_data = cb_data,
    .on_gap = cb_gap,
    .on_anomaly = cb_anomaly,
    .on_end = cb_end,
    .on_close = cb_close,
};

/* The two endpoints of client port index i, family 4 or 6. */
static void endpoints(int i, int v6, struct wsi_addr *cli, struct wsi_addr *srv, uint16_t *cport)
{
    memset(cli, 0, sizeof *cli);
    memset(srv, 0, sizeof *srv);
    cli->family = srv->family = v6 ? 6 : 4;
    if (v6) {
        cli->bytes[0] = srv->bytes[0] = 0x20;
        cli->bytes[1] = srv->bytes[1] = 0x01;
        cli->bytes[2] = srv->bytes[2] = 0x0d;
        cli->bytes[3] = srv->bytes[3] = 0xb8;
        cli->bytes[15] = 1;
        srv->bytes[15] = 2;
    } else {
        cli->bytes[0] = srv->bytes[0] = 192;
        cli->bytes[2] = srv->bytes[2] = 2;
        cli->bytes[3] = 10;
        srv->bytes[3] = 80;
    }
    *cport = (uint16_t)(40000 + i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t oooc[8] = {0, 1, 64, 100, 1000, 4096, 20000, 1 << 20};
    static const uint32_t cuts[4] = {0, 1, 1000, 65535};
    struct fz_in in = {data, size};
    struct ctx x = {0};
    uint8_t o = fz_u8(&in), m = fz_u8(&in);
    struct wsi_reasm_limits lim = {.max_ooo_bytes = oooc[o & 7], .max_conns = m % 9};
    x.max_conns = lim.max_conns ? lim.max_conns : 65536;
    current = &x;
    struct wsi_reasm *r = wsi_reasm_new(&callbacks, &x, &lim);
    if (!r) abort();

    uint32_t nextseq[2][8][2] = {{{0}}}; /* [v6][port index][sender: 0 client, 1 server] */
    struct wsi_pktref pkt = {0, 1700000000, 0};
    while (in.left >= 2) {
        uint8_t fl = fz_u8(&in), t = fz_u8(&in);
        int pi = t & 7, s2c = (t >> 3) & 1, v6 = (t >> 4) & 1;
        uint32_t *ns = nextseq[v6][pi];
        uint32_t seq = (fl & 0x20) ? fz_u32(&in) : ns[s2c] + (uint32_t)(int32_t)(int16_t)fz_u16(&in);
        uint32_t ack = ns[!s2c] + (uint32_t)(int32_t)(int8_t)fz_u8(&in);
        size_t len = fz_u16(&in);
        if (len > 4096) len = 4096;
        size_t got;
        const uint8_t *p = fz_bytes(&in, len, &got);
        uint8_t *payload = fz_dup(p, got);

        struct wsi_tcpseg seg;
        memset(&seg, 0, sizeof seg);
        struct wsi_addr cli, srv;
        uint16_t cport;
        endpoints(pi, v6, &cli, &srv, &cport);
        seg.src = s2c ? srv : cli;
        seg.dst = s2c ? cli : srv;
        seg.sport = s2c ? 80 : cport;
        seg.dport = s2c ? cport : 80;
        seg.seq = seq;
        seg.ack = ack;
        seg.flags = fl & 0x1f;
        seg.window = 512;
        seg.payload = payload;
        seg.payload_len = (uint32_t)got;
        seg.wire_payload_len = (uint32_t)got + cuts[fl >> 6];

        pkt.num++;
        pkt.ts_nsec += 1000;
        wsi_reasm_segment(r, &seg, &pkt);
        free(payload);
        ns[s2c] = seq + seg.wire_payload_len + ((fl & (WSI_TH_SYN | WSI_TH_FIN)) ? 1 : 0);
    }
    pkt.num++;
    wsi_reasm_finish(r, &pkt);
    FUZZ_CHECK(x.open == 0, "%zu connections never closed after finish", x.open);
    wsi_reasm_free(r);
    current = NULL;
    return 0;
}
