/* gen_corrupt.c - writes the corrupt and resource-hostile capture files of
 * tests/e2e/corrupt.sh at test time, and measures a command's peak memory.
 *
 *   gen_corrupt corrupt SRC.pcap SRC.pcapng OUTDIR
 *       Damaged copies of a valid capture (SRC.pcap: little-endian, microsecond
 *       pcap; SRC.pcapng: section header, interface description, then packets).
 *       Damage is placed at packet CUT (10) so packets 1..9 read cleanly before it.
 *   gen_corrupt hostile OUTDIR
 *       Captures that are well-formed but try to make wsinspect use unbounded
 *       memory or time: a 2^63-1 byte frame, 100,000 half-open connections, a
 *       sequence gap of more than 4 GiB.
 *   gen_corrupt measure SECONDS RESULT COMMAND [ARG...]
 *       Run COMMAND (its output goes where ours goes), kill it after SECONDS,
 *       and write "EXIT PEAK_RSS_KB WALL_MS" to the file RESULT. EXIT is the
 *       exit status, 128+N for signal N, or 124 when it was killed for time.
 *       Peak RSS comes from wait4(), so no /usr/bin/time or python is needed.
 *
 * The generated files are not committed: the tests make them in a temporary
 * directory every run. Everything here is deterministic.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CUT 10 /* the packet (1-based) where the damage goes */

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "gen_corrupt: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

/* ---- files ----------------------------------------------------------------- */

struct buf {
    uint8_t *p;
    size_t n, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) die("out of memory", NULL);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void put_le32(struct buf *b, uint32_t v)
{
    uint8_t q[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, q, 4);
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static struct buf slurp(const char *path)
{
    struct buf b = {0};
    FILE *f = fopen(path, "rb");
    if (!f) die(path, strerror(errno));
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) put(&b, tmp, n);
    if (ferror(f)) die(path, strerror(errno));
    fclose(f);
    return b;
}

static void spill(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) die(path, strerror(errno));
    if (n && fwrite(p, 1, n, f) != n) die(path, strerror(errno));
    if (fclose(f) != 0) die(path, strerror(errno));
}

/* ---- corrupt copies ---------------------------------------------------------- */

/* Byte offset of each record of a little-endian pcap file; returns the count. */
static size_t pcap_records(const struct buf *f, size_t *off, size_t max)
{
    if (f->n < 24 || get_le32(f->p) != 0xa1b2c3d4u) die("source is not a little-endian microsecond pcap", NULL);
    size_t n = 0, o = 24;
    while (o + 16 <= f->n && n < max) {
        off[n++] = o;
        o += 16 + get_le32(f->p + o + 8);
    }
    return n;
}

static void corrupt_pcap(const char *src, const char *dir)
{
    struct buf f = slurp(src);
    size_t off[4096];
    size_t nrec = pcap_records(&f, off, 4096);
    if (nrec < CUT + 2) die("source capture has too few packets", src);
    size_t at = off[CUT - 1]; /* start of record CUT */
    uint32_t caplen = get_le32(f.p + at + 8);
    struct buf b;

    /* not a capture at all: the magic number is wrong */
    b = (struct buf){0};
    put(&b, f.p, f.n);
    memcpy(b.p, "WSI?", 4);
    spill(dir, "bad-magic.pcap", b.p, b.n);
    free(b.p);

    /* the 24-byte file header cut after 10 bytes */
    spill(dir, "truncated-global-header.pcap", f.p, 10);

    /* packets 1..CUT-1, then 7 of the 16 bytes of record CUT's header */
    spill(dir, "truncated-record-header.pcap", f.p, at + 7);

    /* packets 1..CUT-1, then record CUT's header and half of its bytes */
    spill(dir, "truncated-record-data.pcap", f.p, at + 16 + caplen / 2);

    /* record CUT says fewer bytes were on the wire than it captured */
    b = (struct buf){0};
    put(&b, f.p, f.n);
    set_le32(b.p + at + 12, caplen > 10 ? caplen - 10 : 0);
    spill(dir, "caplen-over-len.pcap", b.p, b.n);
    free(b.p);

    /* record CUT claims 1 MiB captured: more than any snap length libpcap allows */
    b = (struct buf){0};
    put(&b, f.p, f.n);
    set_le32(b.p + at + 8, 1u << 20);
    set_le32(b.p + at + 12, 1u << 20);
    spill(dir, "caplen-over-max.pcap", b.p, b.n);
    free(b.p);

    /* the file header's snap length is 128 but some records are longer than that */
    b = (struct buf){0};
    put(&b, f.p, f.n);
    set_le32(b.p + 16, 128);
    spill(dir, "caplen-over-snaplen.pcap", b.p, b.n);
    free(b.p);

    /* a record of zero bytes (caplen 0, len 0) inserted as packet CUT */
    b = (struct buf){0};
    put(&b, f.p, at);
    put(&b, f.p + at, 8); /* the timestamp of the packet it precedes */
    put_le32(&b, 0);
    put_le32(&b, 0);
    put(&b, f.p + at, f.n - at);
    spill(dir, "zero-length-record.pcap", b.p, b.n);
    free(b.p);

    /* nothing at all */
    spill(dir, "empty.pcap", "", 0);

    /* a directory where a file is expected */
    char path[4096];
    snprintf(path, sizeof path, "%s/directory.pcap", dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) die(path, strerror(errno));
    free(f.p);
}

static void corrupt_pcapng(const char *src, const char *dir)
{
    struct buf f = slurp(src);
    if (f.n < 28 || get_le32(f.p) != 0x0a0d0d0au || get_le32(f.p + 8) != 0x1a2b3c4du)
        die("source is not a little-endian pcapng", src);
    /* block offsets; the packets are the enhanced packet blocks (type 6) */
    size_t blk[4096], nb = 0, o = 0;
    size_t epb[4096], ne = 0;
    while (o + 12 <= f.n && nb < 4096) {
        uint32_t len = get_le32(f.p + o + 4);
        if (len < 12 || o + len > f.n) die("malformed source pcapng", src);
        if (get_le32(f.p + o) == 6) epb[ne++] = o;
        blk[nb++] = o;
        o += len;
    }
    if (ne < CUT + 2) die("source pcapng has too few packets", src);
    struct buf b;

    /* a block of a type nobody defined, after the interface block and again
     * before packet CUT: a reader must skip blocks it does not know */
    static const uint8_t unknown[20] = {0xAD, 0x0B, 0x00, 0x00, 20, 0, 0, 0, 'W', 'S', 'I', '?',
                                        1,    2,    3,    4,    20, 0, 0, 0};
    b = (struct buf){0};
    put(&b, f.p, epb[0]);
    put(&b, unknown, sizeof unknown);
    put(&b, f.p + epb[0], epb[CUT - 1] - epb[0]);
    put(&b, unknown, sizeof unknown);
    put(&b, f.p + epb[CUT - 1], f.n - epb[CUT - 1]);
    spill(dir, "unknown-block.pcapng", b.p, b.n);
    free(b.p);

    /* the file ends in the middle of packet CUT's block */
    uint32_t len = get_le32(f.p + epb[CUT - 1] + 4);
    spill(dir, "truncated-block.pcapng", f.p, epb[CUT - 1] + len / 2);
    (void)blk;
    free(f.p);
}

/* ---- hostile captures built packet by packet --------------------------------- */

struct pcapw {
    struct buf b;
    uint32_t sec, usec;
};

static void pw_init(struct pcapw *w)
{
    memset(w, 0, sizeof *w);
    put_le32(&w->b, 0xa1b2c3d4u);
    uint8_t ver[4] = {2, 0, 4, 0};
    put(&w->b, ver, 4);
    put_le32(&w->b, 0);       /* thiszone */
    put_le32(&w->b, 0);       /* sigfigs */
    put_le32(&w->b, 262144);  /* snaplen */
    put_le32(&w->b, 1);       /* Ethernet */
    w->sec = 1700000000;
}

static uint16_t csum_fold(uint32_t s)
{
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* One Ethernet/IPv4/TCP packet. Addresses are 32-bit host-order values. */
static void pw_tcp(struct pcapw *w, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq,
                   uint32_t ack, uint8_t flags, const void *payload, size_t plen)
{
    uint8_t pkt[14 + 20 + 20 + 1500];
    if (plen > 1500) die("payload too long", NULL);
    static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    memcpy(pkt, eth, 14);
    uint8_t *ip = pkt + 14, *tcp = ip + 20;
    size_t iplen = 20 + 20 + plen;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(iplen >> 8);
    ip[3] = (uint8_t)iplen;
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += (uint32_t)ip[i] << 8 | ip[i + 1];
    uint16_t c = csum_fold(s);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    tcp[0] = (uint8_t)(sport >> 8);
    tcp[1] = (uint8_t)sport;
    tcp[2] = (uint8_t)(dport >> 8);
    tcp[3] = (uint8_t)dport;
    for (int i = 0; i < 4; i++) {
        tcp[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        tcp[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    if (plen) memcpy(tcp + 20, payload, plen);
    /* (the TCP checksum is left 0: wsinspect does not check it, as captures taken
     * with checksum offload have wrong ones anyway) */
    size_t n = 14 + iplen;
    w->usec += 10;
    if (w->usec >= 1000000) {
        w->sec++;
        w->usec -= 1000000;
    }
    put_le32(&w->b, w->sec);
    put_le32(&w->b, w->usec);
    put_le32(&w->b, (uint32_t)n);
    put_le32(&w->b, (uint32_t)n);
    put(&w->b, pkt, n);
}

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };
#define CLI 0xC000020Au /* 192.0.2.10 */
#define SRV 0xC0000250u /* 192.0.2.80 */

/* A connection between CLI:cport and SRV:80 with its own sequence numbers. */
struct tconn {
    struct pcapw *w;
    uint16_t cport;
    uint32_t next[2]; /* [0] client, [1] server */
};

static void tc_send(struct tconn *t, int from_srv, uint8_t flags, const void *p, size_t n)
{
    uint32_t src = from_srv ? SRV : CLI, dst = from_srv ? CLI : SRV;
    uint16_t sp = from_srv ? 80 : t->cport, dp = from_srv ? t->cport : 80;
    pw_tcp(t->w, src, sp, dst, dp, t->next[from_srv], (flags & ACK) ? t->next[!from_srv] : 0, flags, p, n);
    t->next[from_srv] += (uint32_t)n + ((flags & (SYN | FIN)) ? 1 : 0);
}

/* SYN, SYN+ACK, ACK, the RFC 6455 sample handshake, and one text message each way. */
static void tc_open_ws(struct tconn *t)
{
    static const char req[] = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";
    static const char resp[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    /* client "Hello", masked with 37 fa 21 3d (the example of RFC 6455 §5.7) */
    static const uint8_t hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    static const uint8_t hi[] = {0x81, 0x02, 'h', 'i'};
    tc_send(t, 0, SYN, NULL, 0);
    tc_send(t, 1, SYN | ACK, NULL, 0);
    tc_send(t, 0, ACK, NULL, 0);
    tc_send(t, 0, PSH | ACK, req, sizeof req - 1);
    tc_send(t, 1, PSH | ACK, resp, sizeof resp - 1);
    tc_send(t, 0, PSH | ACK, hello, sizeof hello);
    tc_send(t, 1, PSH | ACK, hi, sizeof hi);
}

static void tc_close(struct tconn *t)
{
    tc_send(t, 1, FIN | ACK, NULL, 0);
    tc_send(t, 0, FIN | ACK, NULL, 0);
    tc_send(t, 1, ACK, NULL, 0);
}

static void hostile(const char *dir)
{
    struct pcapw w;

    /* 1. the server starts a binary frame of 2^63-1 bytes, then streams 2 MB into it */
    pw_init(&w);
    struct tconn t = {&w, 51000, {1000, 5000}};
    tc_open_ws(&t);
    static const uint8_t hdr[10] = {0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    tc_send(&t, 1, PSH | ACK, hdr, sizeof hdr);
    uint8_t chunk[1400];
    for (int i = 0; i < 1500; i++) {
        memset(chunk, 'A' + i % 26, sizeof chunk);
        tc_send(&t, 1, ACK, chunk, sizeof chunk);
    }
    tc_close(&t);
    spill(dir, "frame-2e63.pcap", w.b.p, w.b.n);
    free(w.b.p);

    /* 2. 100,000 SYNs from 100,000 different client endpoints, never answered */
    pw_init(&w);
    for (uint32_t i = 0; i < 100000; i++) {
        uint32_t src = 0x0A000000u | (i / 50000 + 1) << 16 | (i % 50000 / 250) << 8 | (i % 250 + 1); /* 10.x.y.z */
        pw_tcp(&w, src, (uint16_t)(10000 + i % 50000), SRV, 80, 0x10000000u + i * 7919u, 0, SYN, NULL, 0);
    }
    spill(dir, "syn-100k.pcap", w.b.p, w.b.n);
    free(w.b.p);

    /* 3. after the handshake the server's sequence numbers jump three times by
     * 1.5 GiB (each jump less than 2^31, so each is read as "ahead"): 4.5 GiB of
     * the stream never captured. Each segment after a jump is a small frame. */
    pw_init(&w);
    t = (struct tconn){&w, 51001, {1000, 5000}};
    tc_open_ws(&t);
    static const uint8_t more[] = {0x81, 0x04, 'm', 'o', 'r', 'e'};
    for (int i = 0; i < 3; i++) {
        t.next[1] += 0x60000000u;
        tc_send(&t, 1, PSH | ACK, more, sizeof more);
    }
    tc_close(&t);
    spill(dir, "seq-gap-4g.pcap", w.b.p, w.b.n);
    free(w.b.p);
}

/* ---- measure ---------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int measure(int argc, char **argv)
{
    char *end;
    long secs = strtol(argv[2], &end, 10);
    if (*end || secs <= 0) die("measure: SECONDS must be a positive number", argv[2]);
    const char *result = argv[3];
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) die("fork", strerror(errno));
    if (pid == 0) {
        execvp(argv[4], argv + 4);
        fprintf(stderr, "gen_corrupt: %s: %s\n", argv[4], strerror(errno));
        _exit(127);
    }
    (void)argc;
    int status = 0, killed = 0;
    struct rusage ru;
    for (;;) {
        pid_t r = wait4(pid, &status, WNOHANG, &ru);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) die("wait4", strerror(errno));
        if (!killed && now_ms() - t0 > secs * 1000.0) {
            kill(pid, SIGKILL);
            killed = 1;
        }
        usleep(5000);
    }
    double ms = now_ms() - t0;
    int code = killed ? 124 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *f = fopen(result, "w");
    if (!f) die(result, strerror(errno));
    fprintf(f, "%d %ld %.0f\n", code, (long)ru.ru_maxrss, ms); /* ru_maxrss is in KiB on Linux */
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "corrupt") == 0) {
        corrupt_pcap(argv[2], argv[4]);
        corrupt_pcapng(argv[3], argv[4]);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "hostile") == 0) {
        hostile(argv[2]);
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "measure") == 0) return measure(argc, argv);
    fprintf(stderr, "usage: gen_corrupt corrupt SRC.pcap SRC.pcapng OUTDIR\n"
                    "       gen_corrupt hostile OUTDIR\n"
                    "       gen_corrupt measure SECONDS RESULT COMMAND [ARG...]\n");
    return 2;
}
