/* seed_extract.c - turns capture files into seed inputs for the harnesses that do not
 * take a whole capture (fuzz/make-seeds.sh builds and runs it).
 *
 *   seed_extract FUZZDIR CAPTURE...
 *
 * Each capture is read with wsinspect's own capture, netdecode and reasm stages
 * and gives, in FUZZDIR/corpus-<harness>/ (files named by a hash of their bytes,
 * so the same seed from two captures is written once):
 *   netdecode  its first packets, in fuzz_netdecode's layout; an Ethernet packet
 *              carrying IP is also rewritten for every other supported link type
 *   reasm      its TCP segments in fuzz_reasm's record layout (up to 16 KiB)
 *   http1      each stream that starts with an HTTP head; a request's stream
 *              with the response stream after its head (as fuzz_http1 reads it)
 *   wsframe    each stream's bytes after its HTTP head (the WebSocket frames), or
 *              the whole stream when it has no head (a capture started mid-stream)
 *   tls        each connection that starts with a TLS record: its key log (the
 *              capture's name with .keylog for .pcap, when that file exists) and
 *              both directions' bytes in capture order
 * and, once, corpus-inflate/: raw deflate streams made here with zlib (the
 * way a permessage-deflate peer compresses, tail 00 00 FF FF removed).
 * The layouts are described at the top of each fuzz/fuzz_<harness>.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "capture.h"
#include "netdecode.h"
#include "reasm.h"

#define STREAM_KEEP (64u << 10) /* bytes kept per stream */
#define SEED_MAX (8u << 10)     /* largest http1/wsframe seed */
#define REASM_MAX (16u << 10)   /* largest reasm seed */
#define NET_PACKETS 6           /* packets per capture for netdecode */

static const char *outdir;

static void die(const char *what)
{
    fprintf(stderr, "seed_extract: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Write one seed, named by the FNV-1a hash of its bytes. */
static void put_seed(const char *harness, const void *a, size_t an, const void *b, size_t bn)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const uint8_t *p = a;
    for (size_t i = 0; i < an; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    p = b;
    for (size_t i = 0; i < bn; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/corpus-%s/seed-%016llx", outdir, harness, (unsigned long long)h);
    FILE *f = fopen(path, "wb");
    if (!f) die(path);
    if ((an && fwrite(a, 1, an, f) != an) || (bn && fwrite(b, 1, bn, f) != bn)) die(path);
    if (fclose(f) != 0) die(path);
}

/* ---- netdecode ---------------------------------------------------------------- */

/* fuzz_netdecode's link type indices */
enum { L_EN10MB, L_SLL, L_SLL2, L_NULL, L_LOOP, L_RAW, L_RAW101, L_IPV4, L_IPV6 };

static void net_seed(int idx, const uint8_t *hdr, size_t hn, const uint8_t *ip, size_t ipn)
{
    uint8_t *b = malloc(2 + hn + ipn);
    if (!b) die("malloc");
    b[0] = (uint8_t)idx;
    b[1] = 0;
    if (hn) memcpy(b + 2, hdr, hn);
    memcpy(b + 2 + hn, ip, ipn);
    put_seed("netdecode", b, 2 + hn + ipn, NULL, 0);
    free(b);
}

static void netdecode_seeds(int linktype, const uint8_t *d, size_t n)
{
    int idx = -1;
    switch (linktype) {
    case DLT_EN10MB: idx = L_EN10MB; break;
    case DLT_LINUX_SLL: idx = L_SLL; break;
    case DLT_LINUX_SLL2: idx = L_SLL2; break;
    case DLT_NULL: idx = L_NULL; break;
    case DLT_LOOP: idx = L_LOOP; break;
    case DLT_RAW: idx = L_RAW; break;
    default: return;
    }
    net_seed(idx, NULL, 0, d, n);
    if (linktype != DLT_EN10MB || n < 14) return;
    unsigned et = (unsigned)d[12] << 8 | d[13];
    if (et != 0x0800 && et != 0x86DD) return;
    const uint8_t *ip = d + 14;
    size_t ipn = n - 14;
    int v6 = et == 0x86DD;
    uint8_t sll[16] = {0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, (uint8_t)(et >> 8), (uint8_t)et};
    uint8_t sll2[20] = {(uint8_t)(et >> 8), (uint8_t)et, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6};
    uint32_t af = v6 ? 30 : 2;
    uint8_t null_hdr[4], loop_hdr[4] = {0, 0, 0, (uint8_t)af};
    memcpy(null_hdr, &af, 4); /* host byte order, as DLT_NULL stores it */
    net_seed(L_SLL, sll, sizeof sll, ip, ipn);
    net_seed(L_SLL2, sll2, sizeof sll2, ip, ipn);
    net_seed(L_NULL, null_hdr, 4, ip, ipn);
    net_seed(L_LOOP, loop_hdr, 4, ip, ipn);
    net_seed(L_RAW, NULL, 0, ip, ipn);
    net_seed(L_RAW101, NULL, 0, ip, ipn);
    net_seed(v6 ? L_IPV6 : L_IPV4, NULL, 0, ip, ipn);
}

/* ---- reasm records -------------------------------------------------------------- */

struct tuple {
    struct wsi_addr a, b; /* a = the first sender seen: the "client" */
    uint16_t pa, pb;
};

struct rec_state {
    uint8_t *buf;
    size_t n;
    struct tuple t[8];
    int nt;
    uint32_t next[8][2];
};

static int addr_eq(const struct wsi_addr *x, const struct wsi_addr *y)
{
    return x->family == y->family && memcmp(x->bytes, y->bytes, 16) == 0;
}

static void rec_put(struct rec_state *r, const void *p, size_t n)
{
    if (r->n + n > REASM_MAX) return;
    memcpy(r->buf + r->n, p, n);
    r->n += n;
}

static void reasm_record(struct rec_state *r, const struct wsi_tcpseg *s)
{
    int i, dir = 0;
    for (i = 0; i < r->nt; i++) {
        struct tuple *t = &r->t[i];
        if (addr_eq(&s->src, &t->a) && s->sport == t->pa && addr_eq(&s->dst, &t->b) && s->dport == t->pb) break;
        if (addr_eq(&s->src, &t->b) && s->sport == t->pb && addr_eq(&s->dst, &t->a) && s->dport == t->pa) {
            dir = 1;
            break;
        }
    }
    if (i == r->nt) {
        if (r->nt == 8) return; /* the harness has 8 client ports */
        r->t[i] = (struct tuple){s->src, s->dst, s->sport, s->dport};
        r->nt++;
    }
    size_t len = s->payload_len > 4096 ? 4096 : s->payload_len;
    if (r->n + 10 + len > REASM_MAX) return;
    uint32_t want = r->next[i][dir];
    int32_t delta = (int32_t)(s->seq - want);
    int absolute = want == 0 || delta < -32768 || delta > 32767;
    uint8_t cut = s->wire_payload_len > s->payload_len ? 3 : 0;
    uint8_t h[2] = {(uint8_t)((s->flags & 0x1f) | (absolute ? 0x20 : 0) | (cut << 6)),
                    (uint8_t)(i | (dir << 3) | (s->src.family == 6 ? 0x10 : 0))};
    rec_put(r, h, 2);
    if (absolute) {
        uint8_t q[4] = {(uint8_t)(s->seq >> 24), (uint8_t)(s->seq >> 16), (uint8_t)(s->seq >> 8), (uint8_t)s->seq};
        rec_put(r, q, 4);
    } else {
        uint8_t q[2] = {(uint8_t)((uint16_t)delta >> 8), (uint8_t)delta};
        rec_put(r, q, 2);
    }
    int32_t ad = (int32_t)(s->ack - r->next[i][!dir]);
    uint8_t a = (uint8_t)(ad >= -128 && ad <= 127 ? ad : 0);
    uint8_t l[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    rec_put(r, &a, 1);
    rec_put(r, l, 2);
    rec_put(r, s->payload, len);
    /* what fuzz_reasm will take as this sender's next sequence number */
    uint32_t wire = (uint32_t)len + (cut ? 65535u : 0);
    r->next[i][dir] = s->seq + wire + ((s->flags & (WSI_TH_SYN | WSI_TH_FIN)) ? 1 : 0);
}

/* ---- streams -------------------------------------------------------------------- */

struct stream {
    uint8_t *b;
    size_t n;
    int stopped; /* a gap: nothing after it is kept */
};

struct sconn {
    struct stream s[2];
    int tls;            /* 1: the first bytes were a TLS record; -1: they were not; 0: none yet */
    struct stream chunks; /* tls: fuzz_tls's chunk records, in capture order */
};

#define TLS_KEEP (60u << 10)
static uint8_t *keylog;  /* the current capture's key log, or NULL */
static size_t keylog_len;

/* Length of the HTTP head at the start of b (through its blank line), or 0. */
static size_t head_len(const uint8_t *b, size_t n)
{
    if (n < 5 || !(memcmp(b, "GET ", 4) == 0 || memcmp(b, "HTTP/", 5) == 0 || memcmp(b, "POST ", 5) == 0))
        return 0;
    for (size_t i = 0; i + 3 < n; i++)
        if (memcmp(b + i, "\r\n\r\n", 4) == 0) return i + 4;
    return 0;
}

static void *on_open(void *user, const struct wsi_conn_info *ci)
{
    (void)user;
    (void)ci;
    struct sconn *c = calloc(1, sizeof *c);
    if (!c) die("calloc");
    return c;
}

static void on_data(void *cu, int dir, const uint8_t *data, size_t len, uint64_t offset, const struct wsi_pktref *pkt)
{
    struct sconn *c = cu;
    struct stream *s = &c->s[dir];
    (void)offset;
    (void)pkt;
    if (!c->tls) c->tls = len && data[0] == 0x16 ? 1 : -1;
    if (c->tls == 1 && !s->stopped && c->chunks.n + 3 + len <= TLS_KEEP) {
        if (!c->chunks.b && !(c->chunks.b = malloc(TLS_KEEP))) die("malloc");
        uint8_t h[3] = {(uint8_t)dir, (uint8_t)(len >> 8), (uint8_t)len};
        memcpy(c->chunks.b + c->chunks.n, h, 3);
        memcpy(c->chunks.b + c->chunks.n + 3, data, len);
        c->chunks.n += 3 + len;
    }
    if (s->stopped || s->n >= STREAM_KEEP) return;
    if (!s->b && !(s->b = malloc(STREAM_KEEP))) die("malloc");
    size_t k = len < STREAM_KEEP - s->n ? len : STREAM_KEEP - s->n;
    memcpy(s->b + s->n, data, k);
    s->n += k;
}

static void on_gap(void *cu, int dir, uint64_t offset, uint64_t len, const struct wsi_pktref *pkt)
{
    struct sconn *c = cu;
    (void)offset;
    (void)len;
    (void)pkt;
    c->s[dir].stopped = 1;
}

static void on_close(void *cu)
{
    struct sconn *c = cu;
    if (c->chunks.n) {
        size_t kn = keylog_len > 65535 ? 0 : keylog_len;
        uint8_t *b = malloc(2 + kn);
        if (!b) die("malloc");
        b[0] = (uint8_t)(kn >> 8);
        b[1] = (uint8_t)kn;
        if (kn) memcpy(b + 2, keylog, kn);
        put_seed("tls", b, 2 + kn, c->chunks.b, c->chunks.n);
        /* and without keys: the paths that only describe */
        uint8_t none[2] = {0, 0};
        put_seed("tls", none, 2, c->chunks.b, c->chunks.n);
        free(b);
    }
    free(c->chunks.b);
    for (int d = 0; d < 2; d++) {
        struct stream *s = &c->s[d];
        if (!s->n) continue;
        size_t h = head_len(s->b, s->n);
        uint8_t http_opt[3] = {0, (uint8_t)(s->n / 2 >> 8), (uint8_t)(s->n / 2)};
        if (h) {
            put_seed("http1", http_opt, 3, s->b, s->n < SEED_MAX ? s->n : SEED_MAX);
            /* a request head followed by the other direction's response */
            struct stream *o = &c->s[!d];
            if (s->b[0] == 'G' && o->n && head_len(o->b, o->n)) {
                uint8_t *pair = malloc(h + o->n);
                if (!pair) die("malloc");
                memcpy(pair, s->b, h);
                memcpy(pair + h, o->b, o->n);
                size_t pn = h + o->n < SEED_MAX ? h + o->n : SEED_MAX;
                put_seed("http1", http_opt, 3, pair, pn);
                free(pair);
            }
        }
        size_t wn = s->n - h;
        if (wn) {
            if (wn > SEED_MAX) wn = SEED_MAX;
            uint8_t ws_opt[9] = {0, (uint8_t)(wn / 2 >> 8), (uint8_t)(wn / 2), 0, 0, 0, 0, 0, 0};
            put_seed("wsframe", ws_opt, 9, s->b + h, wn);
        }
        free(s->b);
    }
    free(c);
}

/* ---- per capture ------------------------------------------------------------------ */

struct run {
    struct wsi_reasm *r;
    struct rec_state rec;
    uint64_t packets;
};

static void on_packet(void *user, const struct wsi_packet *p)
{
    struct run *x = user;
    x->packets++;
    if (x->packets <= NET_PACKETS) netdecode_seeds(p->linktype, p->data, p->caplen);
    struct wsi_tcpseg seg;
    if (wsi_decode_packet(p->linktype, p->data, p->caplen, p->len, &seg, NULL) != WSI_DEC_OK) return;
    reasm_record(&x->rec, &seg);
    struct wsi_pktref ref = {p->num, p->ts_sec, p->ts_nsec};
    wsi_reasm_segment(x->r, &seg, &ref);
}

/* Raw deflate of each text in turn with one stream (context takeover), each
 * flushed with Z_SYNC_FLUSH and its 00 00 FF FF tail removed, in fuzz_inflate's layout. */
static void inflate_seed(int level, int text, const char *const *msgs, size_t n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) die("deflateInit2");
    static const char ext[] = "permessage-deflate; client_max_window_bits";
    uint8_t out[1 << 16];
    size_t o = 0;
    out[o++] = 0;                 /* context takeover, default preview */
    out[o++] = sizeof ext - 1;
    memcpy(out + o, ext, sizeof ext - 1);
    o += sizeof ext - 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t z[8192];
        zs.next_in = (Bytef *)(uintptr_t)msgs[i];
        zs.avail_in = (uInt)strlen(msgs[i]);
        zs.next_out = z;
        zs.avail_out = sizeof z;
        if (deflate(&zs, Z_SYNC_FLUSH) != Z_OK) die("deflate");
        size_t zn = sizeof z - zs.avail_out;
        if (zn >= 4) zn -= 4;
        if (o + 5 + zn > sizeof out) break;
        out[o++] = (uint8_t)text;
        out[o++] = (uint8_t)(zn / 2 >> 8);
        out[o++] = (uint8_t)(zn / 2);
        out[o++] = (uint8_t)(zn >> 8);
        out[o++] = (uint8_t)zn;
        memcpy(out + o, z, zn);
        o += zn;
    }
    deflateEnd(&zs);
    put_seed("inflate", out, o, NULL, 0);
}

static void inflate_seeds(void)
{
    static const char *const chat[] = {"Hello", "Hello", "hi there", "news update", "typing...", "user joined"};
    static const char *const json[] = {"{\"type\":\"message\",\"text\":\"hello\"}",
                                       "{\"type\":\"message\",\"text\":\"hello again\"}"};
    static char big[6000];
    for (size_t i = 0; i + 1 < sizeof big; i++) big[i] = "abcabcabdzzz \xc3\xa9"[i % 15];
    static const char *const one[] = {big};
    static const char *const utf8[] = {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\xc3\x28 not UTF-8"};
    inflate_seed(6, 1, chat, 6);
    inflate_seed(0, 1, chat, 3);
    inflate_seed(9, 1, json, 2);
    inflate_seed(1, 0, one, 1);
    inflate_seed(6, 1, utf8, 2);
}

/* The key log that goes with a capture: FILE.pcap -> FILE.keylog, if it exists. */
static void load_keylog(const char *capture)
{
    free(keylog);
    keylog = NULL;
    keylog_len = 0;
    size_t n = strlen(capture);
    if (n < 5 || strcmp(capture + n - 5, ".pcap") != 0) return;
    char path[4096];
    snprintf(path, sizeof path, "%.*s.keylog", (int)(n - 5), capture);
    FILE *f = fopen(path, "rb");
    if (!f) return;
    keylog = malloc(65536);
    if (!keylog) die("malloc");
    keylog_len = fread(keylog, 1, 65536, f);
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: seed_extract FUZZDIR CAPTURE...\n");
        return 2;
    }
    outdir = argv[1];
    static const struct wsi_reasm_cb cb = {.on_open = on_open, .on_data = on_data, .on_gap = on_gap,
                                           .on_close = on_close};
    inflate_seeds();
    for (int i = 2; i < argc; i++) {
        char err[WSI_ERRBUF];
        load_keylog(argv[i]);
        struct wsi_capture *cap = wsi_capture_open_file(argv[i], err);
        if (!cap) {
            fprintf(stderr, "seed_extract: %s (skipped)\n", err);
            continue;
        }
        struct run x = {0};
        x.r = wsi_reasm_new(&cb, NULL, NULL);
        x.rec.buf = malloc(REASM_MAX);
        if (!x.r || !x.rec.buf) die("malloc");
        /* fuzz_reasm's first two bytes: default limits */
        x.rec.buf[0] = 0;
        x.rec.buf[1] = 0;
        x.rec.n = 2;
        if (wsi_capture_run(cap, 0, on_packet, &x, err) != 0) fprintf(stderr, "seed_extract: %s\n", err);
        struct wsi_pktref end = {x.packets + 1, 0, 0};
        wsi_reasm_finish(x.r, &end);
        wsi_reasm_free(x.r);
        if (x.rec.n > 2) put_seed("reasm", x.rec.buf, x.rec.n, NULL, 0);
        free(x.rec.buf);
        wsi_capture_close(cap);
    }
    return 0;
}
