/* gen_bench.c - writes the large, deterministic capture that bench/run.sh measures.
 *
 *   gen_bench [--short] OUT.pcap [SIZE_MIB [PREFIX.pcap PREFIX_MIB]]
 *
 * SIZE_MIB (default 1024) is the size the file grows to, within a few
 * hundred KiB: once the bytes written plus the bytes still queued reach it,
 * no new connection or message is started and every open connection is
 * closed cleanly. With PREFIX.pcap, the first records of OUT.pcap, up to the
 * first record boundary at or past PREFIX_MIB, are also written there (the
 * same bytes: OUT.pcap starts with PREFIX.pcap), for tools too slow to read
 * the whole file.
 *
 * The traffic: thousands of WebSocket connections from distinct clients
 * (10.x.y.z, ports 49152-65535) to a few servers (198.51.100.1-8:80), about
 * MAX_OPEN of them open at any time, a new one starting as one ends. Each is
 * a TCP handshake, an HTTP/1.1 upgrade with a random 16-byte key and its
 * correct Sec-WebSocket-Accept (SHA-1 + base64 from libcrypto), then a run
 * of messages both ways, a close handshake and FINs (a few end with a RST
 * instead). Messages are mostly small JSON-like text (with some multi-byte
 * UTF-8), then binary of every length encoding (7-bit, 16-bit, 64-bit; the
 * largest span dozens of TCP segments), medium text, and pings answered by
 * pongs; some are fragmented, sometimes with a ping between the fragments.
 * Client frames are masked with a random key. Some connections negotiate
 * permessage-deflate (no context takeover): their text messages are
 * compressed with raw deflate, the trailing 00 00 ff ff removed, RSV1 set.
 * Connections use a segment size of 1448 bytes, or 65483 (a loopback or
 * offloaded capture); now and then two adjacent segments are swapped. The
 * receiver acknowledges about every other segment with a pure ACK.
 * IPv4 and TCP checksums are correct.
 *
 * With --short (default size 64 MiB) the traffic is a classroom's instead:
 * many short connections, SHORT_OPEN of them open at once, each a browser's
 * page load (a GET answered 200 with a small HTML page), then on the same
 * connection a browser-like upgrade, a few small chat messages both ways (a
 * ping now and then), a close handshake and FINs. Half negotiate
 * permessage-deflate, half of those with context takeover (one deflate
 * stream per direction for the whole connection) and half without. The
 * default mix's output does not change with this mode: its choices are drawn
 * only when --short is given.
 *
 * Output is byte-for-byte deterministic: one fixed-seed PRNG (splitmix64)
 * draws every choice, key, mask, payload and timestamp.
 */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAX_OPEN 500                    /* connections open at once */
#define SHORT_OPEN 100                  /* the same with --short */
#define SEED 0x77736970656374ULL        /* fixed: the file never changes */
#define SNAPLEN 262144
#define MAX_SEG 65483                   /* largest TCP payload used */

enum { C2S = 0, S2C = 1 };              /* direction */

enum {                                  /* TCP flags */
    TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10
};

enum {                                  /* WebSocket */
    FIN = 0x80, RSV1 = 0x40,
    OP_CONT = 0x0, OP_TEXT = 0x1, OP_BIN = 0x2, OP_CLOSE = 0x8, OP_PING = 0x9, OP_PONG = 0xA
};

static void die(const char *what)
{
    fprintf(stderr, "gen_bench: %s\n", what);
    exit(1);
}

/* ---- the PRNG -------------------------------------------------------------- */

static uint64_t rng_state = SEED;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (the bias is irrelevant here). */
static uint64_t range(uint64_t lo, uint64_t hi)
{
    return lo + rnd() % (hi - lo + 1);
}

/* 1 with probability num/den. */
static int chance(unsigned num, unsigned den)
{
    return rnd() % den < num;
}

static void fill_random(uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t v = rnd();
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = rnd();
        memcpy(p, &v, n);
    }
}

/* ---- byte buffers -------------------------------------------------------- */

struct buf {
    uint8_t *p;
    size_t len;                         /* bytes queued */
    size_t pos;                         /* bytes already sent */
    size_t cap;
};

static size_t queued_total;             /* bytes queued but not yet sent, over all connections */

static uint8_t *buf_grow(struct buf *b, size_t more)
{
    if (b->len + more > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + more)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            die("out of memory");
        b->p = p;
        b->cap = cap;
    }
    return b->p + b->len;
}

static size_t buf_left(const struct buf *b)
{
    return b->len - b->pos;
}

/* Everything sent: start again at the front; give back a large block. */
static void buf_drained(struct buf *b)
{
    b->len = b->pos = 0;
    if (b->cap > (256u << 10)) {
        free(b->p);
        b->p = NULL;
        b->cap = 0;
    }
}

/* ---- connections ----------------------------------------------------------- */

enum state {
    ST_SYN,                             /* next: the three-way handshake */
    ST_PAGE,                            /* --short: the page request is queued; next: the page */
    ST_PAGE_SENT,                       /* --short: the page is queued; next: the upgrade request */
    ST_REQ,                             /* the request is queued; next: the response */
    ST_OPEN,                            /* messages */
    ST_CLOSING1,                        /* the first close is queued; next: the answer */
    ST_CLOSING2,                        /* both closes queued; next: FINs */
    ST_DONE
};

struct conn {
    uint32_t id;
    enum state state;
    uint8_t ip[2][4];                   /* [dir]: the sender's address */
    uint16_t port[2];
    uint8_t mac[2][6];
    uint32_t next[2];                   /* next sequence number per direction */
    uint16_t ipid[2];
    size_t mss;
    int deflate;                        /* permessage-deflate negotiated */
    int msgs_left;
    int rst_end;                        /* ends with a RST instead of a close handshake */
    int closer;                         /* direction that sends the first close */
    unsigned close_code;
    int pong_due;                       /* -1, or the direction that owes a pong */
    uint8_t pong[16];
    size_t pong_len;
    unsigned unacked[2];                /* data segments not acknowledged yet, per direction */
    char key[32];                       /* Sec-WebSocket-Key */
    struct buf out[2];                  /* bytes queued per direction */
    z_stream *dz[2];                    /* --short, context takeover: one deflate stream per direction */
};

static int short_mode;                  /* --short: many short connections */

/* ---- the savefile ---------------------------------------------------------- */

struct writer {
    pcap_dumper_t *d;
    uint64_t bytes;                     /* file size so far */
    uint64_t limit;                     /* prefix: stop at this size */
};

static struct writer w_main, w_prefix;
static pcap_t *dead;
static uint64_t clock_us = 1700000000ULL * 1000000;   /* 2023-11-14 22:13:20 UTC */
static uint64_t packets;
static uint8_t pkt[14 + 20 + 20 + MAX_SEG];

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}

/* Ones'-complement sum of big-endian 16-bit words (RFC 1071), not folded. */
static uint64_t sum_bytes(uint64_t sum, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        sum += ((uint32_t)p[i] << 8 | p[i + 1]) + ((uint32_t)p[i + 2] << 8 | p[i + 3]);
    for (; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < n)
        sum += (uint32_t)p[i] << 8;
    return sum;
}

static uint16_t fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void record(struct writer *w, const struct pcap_pkthdr *h)
{
    pcap_dump((u_char *)w->d, h, pkt);
    w->bytes += 16 + h->caplen;
}

/* One Ethernet/IPv4/TCP packet from dir of c carrying data[0..len). */
static void send_packet(struct conn *c, int dir, uint8_t flags, uint32_t seq,
                        const uint8_t *data, size_t len)
{
    uint8_t *ip = pkt + 14, *tcp = ip + 20;
    size_t tcp_len = 20 + len;
    uint8_t pseudo[12];
    struct pcap_pkthdr h;

    memcpy(pkt, c->mac[!dir], 6);
    memcpy(pkt + 6, c->mac[dir], 6);
    put16(pkt + 12, 0x0800);

    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(20 + tcp_len));
    put16(ip + 4, c->ipid[dir]++);
    put16(ip + 6, 0x4000);              /* don't fragment */
    ip[8] = dir == C2S ? 64 : 63;
    ip[9] = 6;
    memcpy(ip + 12, c->ip[dir], 4);
    memcpy(ip + 16, c->ip[!dir], 4);
    put16(ip + 10, fold(sum_bytes(0, ip, 20)));

    memset(tcp, 0, 20);
    put16(tcp, c->port[dir]);
    put16(tcp + 2, c->port[!dir]);
    put32(tcp + 4, seq);
    put32(tcp + 8, (flags & TH_ACK) ? c->next[!dir] : 0);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 4096);
    if (len)
        memcpy(tcp + 20, data, len);
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (unsigned)tcp_len);
    put16(tcp + 16, fold(sum_bytes(sum_bytes(0, pseudo, 12), tcp, tcp_len)));

    clock_us += range(1, 40);
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(clock_us / 1000000);
    h.ts.tv_usec = (suseconds_t)(clock_us % 1000000);
    h.len = h.caplen = (bpf_u_int32)(14 + 20 + tcp_len);
    record(&w_main, &h);
    if (w_prefix.d) {
        record(&w_prefix, &h);
        if (w_prefix.bytes >= w_prefix.limit) {
            pcap_dump_close(w_prefix.d);
            w_prefix.d = NULL;
        }
    }
    packets++;
}

/* A pure ACK from dir. */
static void send_ack(struct conn *c, int dir)
{
    send_packet(c, dir, TH_ACK, c->next[dir], NULL, 0);
    c->unacked[!dir] = 0;
}

/* One data segment from dir, or two adjacent ones swapped; then perhaps the peer's ACK. */
static void send_segment(struct conn *c, int dir)
{
    struct buf *b = &c->out[dir];
    size_t k = buf_left(b) < c->mss ? buf_left(b) : c->mss;

    if (buf_left(b) > k && chance(1, 300)) {
        size_t k2 = buf_left(b) - k < c->mss ? buf_left(b) - k : c->mss;
        send_packet(c, dir, TH_PSH | TH_ACK, c->next[dir] + (uint32_t)k, b->p + b->pos + k, k2);
        send_packet(c, dir, TH_ACK, c->next[dir], b->p + b->pos, k);
        k += k2;
        c->unacked[dir] += 2;
    } else {
        send_packet(c, dir, buf_left(b) == k ? TH_PSH | TH_ACK : TH_ACK, c->next[dir], b->p + b->pos, k);
        c->unacked[dir]++;
    }
    c->next[dir] += (uint32_t)k;
    b->pos += k;
    queued_total -= k;
    if (c->unacked[dir] >= 2 || (buf_left(b) == 0 && chance(1, 2)))
        send_ack(c, !dir);
    if (buf_left(b) == 0)
        buf_drained(b);
}

/* ---- WebSocket frames -------------------------------------------------------- */

/* Queues one frame from dir; when payload is NULL the payload is random bytes. */
static void queue_frame(struct conn *c, int dir, unsigned b0, const uint8_t *payload, size_t len)
{
    struct buf *b = &c->out[dir];
    uint8_t *p = buf_grow(b, len + 14), *start = p;
    uint8_t maskbit = dir == C2S ? 0x80 : 0;

    *p++ = (uint8_t)b0;
    if (len < 126) {
        *p++ = (uint8_t)(maskbit | len);
    } else if (len < 65536) {
        *p++ = maskbit | 126;
        put16(p, (unsigned)len);
        p += 2;
    } else {
        *p++ = maskbit | 127;
        put32(p, (uint32_t)((uint64_t)len >> 32));
        put32(p + 4, (uint32_t)len);
        p += 8;
    }
    if (payload)
        memcpy(p + (maskbit ? 4 : 0), payload, len);
    else
        fill_random(p + (maskbit ? 4 : 0), len);
    if (maskbit) {
        uint64_t key = rnd(), m8;
        uint8_t k4[4];
        size_t i = 0;

        memcpy(k4, &key, 4);
        memcpy(p, k4, 4);
        p += 4;
        memcpy(&m8, k4, 4);
        memcpy((uint8_t *)&m8 + 4, k4, 4);
        for (; i + 8 <= len; i += 8) {
            uint64_t v;
            memcpy(&v, p + i, 8);
            v ^= m8;
            memcpy(p + i, &v, 8);
        }
        for (; i < len; i++)
            p[i] ^= k4[i & 3];
    }
    p += len;
    b->len += (size_t)(p - start);
    queued_total += (size_t)(p - start);
}

static void queue_ping(struct conn *c, int dir)
{
    size_t n = (size_t)range(0, 16);
    fill_random(c->pong, n);
    c->pong_len = n;
    queue_frame(c, dir, FIN | OP_PING, c->pong, n);
    c->pong_due = !dir;
}

/* A data message of len bytes (payload NULL: random) in one frame or several. */
static void queue_message(struct conn *c, int dir, unsigned opcode, int rsv1,
                          const uint8_t *payload, size_t len)
{
    size_t nfrag = 1, off = 0;

    if (len >= 64 && chance(1, 10))
        nfrag = (size_t)range(2, 4);
    for (size_t i = 0; i < nfrag; i++) {
        /* at most an even share of what is left, so every fragment gets a byte */
        size_t part = i + 1 == nfrag ? len - off : (size_t)range(1, (len - off) / (nfrag - i));
        unsigned b0 = (i == 0 ? opcode | (rsv1 ? RSV1 : 0) : OP_CONT) | (i + 1 == nfrag ? FIN : 0);

        queue_frame(c, dir, b0, payload ? payload + off : NULL, part);
        off += part;
        if (i + 1 < nfrag && c->pong_due < 0 && chance(1, 4))
            queue_ping(c, dir);         /* a control frame between fragments */
    }
}

/* ---- text ---------------------------------------------------------------- */

static const char *const words[] = {
    "price", "update", "user", "joined", "left", "typing", "message", "hello", "world",
    "ticker", "order", "filled", "cancel", "bid", "ask", "room", "lobby", "ready",
    "caf\xc3\xa9", "na\xc3\xafve", "\xe2\x82\xac" "42", "\xe6\x97\xa5\xe6\x9c\xac",
    "\xf0\x9f\x99\x82", "gr\xc3\xbc\xc3\x9f" "e", "stream", "frame", "socket", "ok",
};

static uint8_t *text;                   /* scratch for one text message */
static size_t text_cap;

/* A JSON-like text of about len bytes (valid UTF-8); returns its length. */
static size_t make_text(size_t len, uint32_t conn, uint64_t seq)
{
    size_t n;

    if (text_cap < len + 64) {
        text_cap = len + 64;
        text = realloc(text, text_cap);
        if (!text)
            die("out of memory");
    }
    n = (size_t)snprintf((char *)text, text_cap, "{\"conn\":%u,\"seq\":%llu,\"body\":\"",
                         (unsigned)conn, (unsigned long long)seq);
    for (int first = 1;; first = 0) {
        const char *wd = words[rnd() % (sizeof words / sizeof words[0])];
        size_t wl = strlen(wd);
        if (!first && n + wl + 3 > len)
            break;
        if (!first)
            text[n++] = ' ';
        memcpy(text + n, wd, wl);
        n += wl;
    }
    text[n++] = '"';
    text[n++] = '}';
    return n;
}

/* ---- permessage-deflate ------------------------------------------------------ */

static z_stream zs;
static uint8_t *zout;
static size_t zout_cap;

/* Compresses in[0..len) as one permessage-deflate message with stream s, from
 * an empty window when reset (no context takeover); returns the size in zout. */
static size_t deflate_with(z_stream *s, int reset, const uint8_t *in, size_t len)
{
    size_t bound = deflateBound(s, (uLong)len) + 16;

    if (zout_cap < bound) {
        zout_cap = bound;
        zout = realloc(zout, zout_cap);
        if (!zout)
            die("out of memory");
    }
    if (reset && deflateReset(s) != Z_OK)
        die("deflateReset failed");
    s->next_in = (Bytef *)(uintptr_t)in;
    s->avail_in = (uInt)len;
    s->next_out = zout;
    s->avail_out = (uInt)zout_cap;
    if (deflate(s, Z_SYNC_FLUSH) != Z_OK || s->avail_in != 0 || s->avail_out == 0)
        die("deflate failed");
    size_t n = zout_cap - s->avail_out;
    if (n >= 4 && memcmp(zout + n - 4, "\x00\x00\xff\xff", 4) == 0)
        n -= 4;                         /* RFC 7692 section 7.2.1 */
    return n;
}

/* The same from a fresh window (no context takeover). */
static size_t deflate_message(const uint8_t *in, size_t len)
{
    return deflate_with(&zs, 1, in, len);
}

/* ---- the conversation ----------------------------------------------------------- */

static uint64_t msg_seq;

static void queue_text(struct conn *c, int dir, size_t len)
{
    size_t n = make_text(len, c->id, ++msg_seq);

    if (c->deflate) {
        size_t z = c->dz[dir] ? deflate_with(c->dz[dir], 0, text, n) : deflate_message(text, n);
        queue_message(c, dir, OP_TEXT, 1, zout, z);
    } else {
        queue_message(c, dir, OP_TEXT, 0, text, n);
    }
}

/* The next data message, or a ping. */
static void queue_next(struct conn *c)
{
    int dir = chance(35, 100) ? C2S : S2C;
    unsigned r = (unsigned)range(0, 999);

    c->msgs_left--;
    /* by count: 88% small text, 2% pings, 5.5% small binary, 2% medium text,
     * 2% medium binary, 0.5% large binary (which carry about half the bytes) */
    if (r < 880)
        queue_text(c, dir, (size_t)range(16, 256));
    else if (r < 900)
        queue_ping(c, dir);
    else if (r < 955)
        queue_message(c, dir, OP_BIN, 0, NULL, (size_t)range(64, 4096));
    else if (r < 975)
        queue_text(c, dir, (size_t)range(1024, 16384));
    else if (r < 995)
        queue_message(c, dir, OP_BIN, 0, NULL, (size_t)range(4096, 65535));
    else
        queue_message(c, dir, OP_BIN, 0, NULL, (size_t)range(65536, 512 << 10));
}

/* --short: the next chat message, or a ping. */
static void queue_next_short(struct conn *c)
{
    int dir = chance(1, 2) ? C2S : S2C;
    unsigned r = (unsigned)range(0, 99);

    c->msgs_left--;
    /* by count: 90% small text, 5% pings, 5% small binary */
    if (r < 90)
        queue_text(c, dir, (size_t)range(16, 200));
    else if (r < 95)
        queue_ping(c, dir);
    else
        queue_message(c, dir, OP_BIN, 0, NULL, (size_t)range(16, 512));
}

static void queue_close(struct conn *c, int dir)
{
    const char *reason = c->close_code == 1000 ? "bye" : "going away";
    uint8_t p[16];
    size_t n = strlen(reason);

    put16(p, c->close_code);
    memcpy(p + 2, reason, n);
    queue_frame(c, dir, FIN | OP_CLOSE, p, n + 2);
}

static void queue_str(struct conn *c, int dir, const char *s, size_t n)
{
    memcpy(buf_grow(&c->out[dir], n), s, n);
    c->out[dir].len += n;
    queued_total += n;
}

static void queue_request(struct conn *c)
{
    char req[512];
    uint8_t raw[16];
    int n;

    fill_random(raw, 16);
    EVP_EncodeBlock((unsigned char *)c->key, raw, 16);
    n = snprintf(req, sizeof req,
                 "GET /stream/%u HTTP/1.1\r\n"
                 "Host: %u.%u.%u.%u\r\n"
                 "User-Agent: gen_bench/1\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Key: %s\r\n"
                 "Sec-WebSocket-Version: 13\r\n"
                 "%s"
                 "Origin: http://bench.example\r\n"
                 "\r\n",
                 (unsigned)c->id, c->ip[S2C][0], c->ip[S2C][1], c->ip[S2C][2], c->ip[S2C][3], c->key,
                 c->deflate || (c->id & 1)
                     ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "");
    queue_str(c, C2S, req, (size_t)n);
}

static void queue_response(struct conn *c)
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char cat[64], accept[32], resp[512];
    uint8_t digest[SHA_DIGEST_LENGTH];
    int n;

    n = snprintf(cat, sizeof cat, "%s%s", c->key, guid);
    SHA1((const unsigned char *)cat, (size_t)n, digest);
    EVP_EncodeBlock((unsigned char *)accept, digest, SHA_DIGEST_LENGTH);
    n = snprintf(resp, sizeof resp,
                 "HTTP/1.1 101 Switching Protocols\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n"
                 "%s"
                 "\r\n",
                 accept,
                 !c->deflate ? ""
                 : c->dz[C2S] ? "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                 : "Sec-WebSocket-Extensions: permessage-deflate; "
                   "server_no_context_takeover; client_no_context_takeover\r\n");
    queue_str(c, S2C, resp, (size_t)n);
}

/* ---- --short: a browser's page load and upgrade ------------------------------------------- */

static const char *const agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
};

static const char *agent_of(const struct conn *c)
{
    return agents[c->id % (sizeof agents / sizeof agents[0])];
}

static void queue_page_request(struct conn *c)
{
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET /room/%u HTTP/1.1\r\n"
                     "Host: 198.51.100.%u\r\n"
                     "User-Agent: %s\r\n"
                     "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                     "Accept-Language: en-US,en;q=0.5\r\n"
                     "Accept-Encoding: gzip, deflate\r\n"
                     "Connection: keep-alive\r\n"
                     "Cookie: session=%016llx\r\n"
                     "Upgrade-Insecure-Requests: 1\r\n"
                     "\r\n",
                     (unsigned)(c->id % 40), c->ip[S2C][3], agent_of(c), (unsigned long long)rnd());
    queue_str(c, C2S, req, (size_t)n);
}

/* A small HTML page that opens the chat's WebSocket. */
static void queue_page(struct conn *c)
{
    char body[1024], resp[1536];
    size_t len = (size_t)range(200, 600);
    int b = snprintf(body, sizeof body,
                     "<!doctype html><html><head><meta charset=\"utf-8\"><title>Room %u</title></head>"
                     "<body><ul id=\"log\"></ul><input id=\"msg\"><script>"
                     "const ws = new WebSocket(\"ws://\" + location.host + \"/ws\");"
                     "ws.onmessage = e => log.append(Object.assign(document.createElement(\"li\"), "
                     "{textContent: e.data}));</script>",
                     (unsigned)(c->id % 40));
    while ((size_t)b + 16 < len)
        b += snprintf(body + b, sizeof body - (size_t)b, "<p>%08x</p>", (unsigned)rnd());
    b += snprintf(body + b, sizeof body - (size_t)b, "</body></html>");
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 200 OK\r\n"
                     "Content-Type: text/html; charset=utf-8\r\n"
                     "Content-Length: %d\r\n"
                     "Cache-Control: no-cache\r\n"
                     "Connection: keep-alive\r\n"
                     "\r\n"
                     "%s",
                     b, body);
    queue_str(c, S2C, resp, (size_t)n);
}

static void queue_browser_upgrade(struct conn *c)
{
    char req[1024];
    uint8_t raw[16];
    int n;

    fill_random(raw, 16);
    EVP_EncodeBlock((unsigned char *)c->key, raw, 16);
    n = snprintf(req, sizeof req,
                 "GET /ws HTTP/1.1\r\n"
                 "Host: 198.51.100.%u\r\n"
                 "User-Agent: %s\r\n"
                 "Accept: */*\r\n"
                 "Accept-Language: en-US,en;q=0.5\r\n"
                 "Accept-Encoding: gzip, deflate\r\n"
                 "Sec-WebSocket-Version: 13\r\n"
                 "Origin: http://198.51.100.%u\r\n"
                 "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                 "Sec-WebSocket-Key: %s\r\n"
                 "Connection: keep-alive, Upgrade\r\n"
                 "Cookie: session=%016llx\r\n"
                 "Pragma: no-cache\r\n"
                 "Cache-Control: no-cache\r\n"
                 "Upgrade: websocket\r\n"
                 "\r\n",
                 c->ip[S2C][3], agent_of(c), c->ip[S2C][3], c->key, (unsigned long long)rnd());
    queue_str(c, C2S, req, (size_t)n);
}

static uint32_t conn_count;

static void conn_start(struct conn *c)
{
    uint32_t id = ++conn_count;

    memset(c, 0, sizeof *c);
    c->id = id;
    c->state = ST_SYN;
    c->ip[C2S][0] = 10;
    c->ip[C2S][1] = (uint8_t)(id >> 16);
    c->ip[C2S][2] = (uint8_t)(id >> 8);
    c->ip[C2S][3] = (uint8_t)id;
    c->ip[S2C][0] = 198;
    c->ip[S2C][1] = 51;
    c->ip[S2C][2] = 100;
    c->ip[S2C][3] = (uint8_t)range(1, 8);
    c->port[C2S] = (uint16_t)(49152 + (id * 7919u) % 16384);
    c->port[S2C] = 80;
    for (int d = 0; d < 2; d++) {
        c->mac[d][0] = 0x02;
        c->mac[d][1] = (uint8_t)d;
        memcpy(c->mac[d] + 2, c->ip[d], 4);
        c->next[d] = (uint32_t)rnd();
        c->ipid[d] = (uint16_t)rnd();
    }
    c->mss = chance(1, 5) ? MAX_SEG : 1448;
    c->deflate = chance(15, 100);
    c->msgs_left = chance(1, 10) ? (int)range(0, 3) : (int)range(4, 200);
    c->rst_end = chance(2, 100);
    c->closer = chance(1, 2) ? C2S : S2C;
    c->close_code = chance(3, 4) ? 1000 : 1001;
    c->pong_due = -1;
    if (short_mode) {
        c->mss = 1448;
        c->deflate = chance(1, 2);
        c->msgs_left = (int)range(2, 8);
        c->rst_end = chance(1, 100);
        if (c->deflate && chance(1, 2)) {
            for (int d = 0; d < 2; d++) {
                c->dz[d] = calloc(1, sizeof *c->dz[d]);
                if (!c->dz[d] || deflateInit2(c->dz[d], Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
                                              Z_DEFAULT_STRATEGY) != Z_OK)
                    die("deflateInit2 failed");
            }
        }
    }
}

/* What c holds, given back once it is over. */
static void conn_end(struct conn *c)
{
    for (int d = 0; d < 2; d++) {
        free(c->out[d].p);
        c->out[d].p = NULL;
        if (c->dz[d]) {
            deflateEnd(c->dz[d]);
            free(c->dz[d]);
            c->dz[d] = NULL;
        }
    }
}

/* One step of c: at least one packet, unless it is over. Returns 0 once done. */
static int conn_step(struct conn *c, int stopping)
{
    if (c->state == ST_SYN) {
        send_packet(c, C2S, TH_SYN, c->next[C2S]++, NULL, 0);
        send_packet(c, S2C, TH_SYN | TH_ACK, c->next[S2C]++, NULL, 0);
        send_packet(c, C2S, TH_ACK, c->next[C2S], NULL, 0);
        if (short_mode) {
            queue_page_request(c);
            c->state = ST_PAGE;
        } else {
            queue_request(c);
            c->state = ST_REQ;
        }
        return 1;
    }
    if (!buf_left(&c->out[C2S]) && !buf_left(&c->out[S2C])) {
        switch (c->state) {
        case ST_PAGE:
            queue_page(c);
            c->state = ST_PAGE_SENT;
            break;
        case ST_PAGE_SENT:
            queue_browser_upgrade(c);
            c->state = ST_REQ;
            break;
        case ST_REQ:
            queue_response(c);
            c->state = ST_OPEN;
            break;
        case ST_OPEN:
            if (c->pong_due >= 0) {
                queue_frame(c, c->pong_due, FIN | OP_PONG, c->pong, c->pong_len);
                c->pong_due = -1;
            } else if (c->msgs_left > 0 && !stopping) {
                if (short_mode)
                    queue_next_short(c);
                else
                    queue_next(c);
            } else if (c->rst_end && !stopping) {
                send_packet(c, S2C, TH_RST | TH_ACK, c->next[S2C], NULL, 0);
                c->state = ST_DONE;
                return 0;
            } else {
                queue_close(c, c->closer);
                c->state = ST_CLOSING1;
            }
            break;
        case ST_CLOSING1:
            queue_close(c, !c->closer);
            c->state = ST_CLOSING2;
            break;
        case ST_CLOSING2:
            send_packet(c, S2C, TH_FIN | TH_ACK, c->next[S2C]++, NULL, 0);
            send_packet(c, C2S, TH_FIN | TH_ACK, c->next[C2S]++, NULL, 0);
            send_packet(c, S2C, TH_ACK, c->next[S2C], NULL, 0);
            c->state = ST_DONE;
            return 0;
        default:
            return 0;
        }
    }
    if (buf_left(&c->out[C2S]) && buf_left(&c->out[S2C]))
        send_segment(c, chance(1, 2) ? C2S : S2C);
    else
        send_segment(c, buf_left(&c->out[C2S]) ? C2S : S2C);
    return 1;
}

/* ---- main ---------------------------------------------------------------- */

static long parse_mib(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > (1L << 20))
        die("a size is a whole number of MiB from 1 to 1048576");
    return v;
}

static void open_writer(struct writer *w, const char *path)
{
    w->d = pcap_dump_open(dead, path);
    if (!w->d) {
        fprintf(stderr, "gen_bench: %s: %s\n", path, pcap_geterr(dead));
        exit(1);
    }
    w->bytes = 24;                      /* the file header */
}

static void close_writer(struct writer *w)
{
    if (!w->d)
        return;
    if (pcap_dump_flush(w->d) != 0)
        die("writing the capture failed");
    pcap_dump_close(w->d);
    w->d = NULL;
}

int main(int argc, char **argv)
{
    static struct conn conns[MAX_OPEN];
    uint64_t target;
    int nopen = 0, stopping = 0, max_open = MAX_OPEN;

    if (argc >= 2 && strcmp(argv[1], "--short") == 0) {
        short_mode = 1;
        max_open = SHORT_OPEN;
        argv++;
        argc--;
    }
    if (argc != 2 && argc != 3 && argc != 5) {
        fprintf(stderr, "usage: gen_bench [--short] OUT.pcap [SIZE_MIB [PREFIX.pcap PREFIX_MIB]]\n");
        return 2;
    }
    target = (uint64_t)(argc >= 3 ? parse_mib(argv[2]) : short_mode ? 64 : 1024) << 20;
    dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
    if (!dead)
        die("pcap_open_dead failed");
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        die("deflateInit2 failed");
    open_writer(&w_main, argv[1]);
    if (argc == 5) {
        open_writer(&w_prefix, argv[3]);
        w_prefix.limit = (uint64_t)parse_mib(argv[4]) << 20;
    }

    while (nopen < max_open)
        conn_start(&conns[nopen++]);
    while (nopen > 0) {
        int i = (int)(rnd() % (uint64_t)nopen);

        /* Stop starting things once what is written, queued and still to
         * close (about 400 bytes a connection) reaches the target. */
        if (!stopping && w_main.bytes + queued_total + (uint64_t)nopen * 400 >= target)
            stopping = 1;
        if (conn_step(&conns[i], stopping))
            continue;
        conn_end(&conns[i]);
        if (!stopping)
            conn_start(&conns[i]);
        else
            conns[i] = conns[--nopen];
    }

    close_writer(&w_main);
    close_writer(&w_prefix);
    deflateEnd(&zs);
    pcap_close(dead);
    free(text);
    free(zout);
    fprintf(stderr, "gen_bench: %s: %llu bytes, %llu packets, %u connections\n", argv[1],
            (unsigned long long)w_main.bytes, (unsigned long long)packets, (unsigned)conn_count);
    return 0;
}
