/* gen_hostile.c - writes the hostile and protocol-violation test captures.
 *
 *   gen_hostile OUTDIR
 *
 * Every file is one WebSocket conversation between 192.0.2.10:51000 (client)
 * and 192.0.2.80:80 (server), built packet by packet (Ethernet, IPv4, TCP)
 * and written through libpcap's savefile writer. The conversation is lesson
 * 05's chat (handshake with the RFC 6455 sample key, "hello", "hi there",
 * "news update", "typing...", "user joined", close 1000 both ways, TCP FIN).
 *
 * hostile-*.pcap change how the bytes travel (TCP order, loss, overlap,
 * sequence wrap, capture limits) while the WebSocket traffic stays valid;
 * violation-*.pcap each break exactly one RFC 6455 rule and are otherwise
 * the same conversation. Output is byte-for-byte deterministic: fixed
 * addresses, sequence numbers, masking keys and timestamps. main() lists
 * every file with the one thing it shows.
 *
 *   gen_hostile OUTDIR FILE...
 *
 * writes only the files named. Some are written only when named, for the
 * e2e tests to make in their scratch folder: edge-empty-messages.pcap holds
 * two connections (client ports 51000 and 51001) on which the server sends
 * 1,591 empty text messages each (9,416 bytes in all). With that count the
 * JSON writer of the time wrote the closing quote of an empty preview_hex
 * one byte past its 64 KiB buffer (wsinspect --json crashed).
 * edge-deflate-cut.pcap and edge-deflate-budget.pcap hold permessage-deflate
 * bombs (see deflate_bombs()).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the conversation as TCP segments ---------------------------------- */

enum { C2S = 0, S2C = 1 };              /* direction: client to server, back */

enum {                                  /* TCP flags */
    TH_FIN = 0x01, TH_SYN = 0x02, TH_PSH = 0x08, TH_ACK = 0x10
};

#define MAX_SEGS 64                     /* segments in one conversation */
#define MAX_DATA 512                    /* payload bytes in one segment */

struct seg {
    int dir;                            /* C2S or S2C */
    uint8_t flags;                      /* TH_* */
    uint32_t seq;                       /* sequence number of data[0] */
    uint32_t ack;                       /* acknowledgement number */
    int lost;                           /* 1: left out of the capture */
    size_t len;                         /* bytes in data */
    uint8_t data[MAX_DATA];             /* TCP payload */
};

struct conv {
    struct seg seg[MAX_SEGS];           /* in capture order */
    int n;                              /* segments used */
    uint32_t next[2];                   /* next sequence number, per direction */
    unsigned masks;                     /* masking keys used so far */
    uint16_t cport;                     /* the client's TCP port */
    int cut;                            /* segment whose record a truncated file ends in, or -1 */
};

static void die(const char *what)
{
    fprintf(stderr, "gen_hostile: %s\n", what);
    exit(1);
}

/* Appends one segment with explicit sequence number; does not move next[]. */
static int add_seg(struct conv *c, int dir, uint8_t flags, uint32_t seq,
                   const uint8_t *data, size_t len)
{
    struct seg *s;

    if (c->n == MAX_SEGS || len > MAX_DATA)
        die("conversation too large");
    s = &c->seg[c->n];
    memset(s, 0, sizeof *s);
    s->dir = dir;
    s->flags = flags;
    s->seq = seq;
    s->ack = (flags & TH_ACK) ? c->next[!dir] : 0;
    s->len = len;
    if (len)
        memcpy(s->data, data, len);
    return c->n++;
}

/* Sends len bytes from dir as segments of at most mss bytes; returns the
 * index of the first segment. */
static int send_bytes(struct conv *c, int dir, const uint8_t *data, size_t len, size_t mss)
{
    int first = c->n;
    size_t off = 0;

    while (off < len) {
        size_t k = len - off < mss ? len - off : mss;
        add_seg(c, dir, TH_PSH | TH_ACK, c->next[dir], data + off, k);
        c->next[dir] += (uint32_t)k;
        off += k;
    }
    return first;
}

static void swap_segs(struct conv *c, int i, int j)
{
    struct seg t = c->seg[i];
    c->seg[i] = c->seg[j];
    c->seg[j] = t;
}

/* Sends segment i again, unchanged (a retransmission). */
static void resend(struct conv *c, int i)
{
    if (c->n == MAX_SEGS)
        die("conversation too large");
    c->seg[c->n++] = c->seg[i];
}

/* The three-way handshake from the given initial sequence numbers. */
static void tcp_open(struct conv *c, uint32_t isn_client, uint32_t isn_server)
{
    memset(c, 0, sizeof *c);
    c->cut = -1;
    c->cport = 51000;
    c->next[C2S] = isn_client;
    c->next[S2C] = isn_server;
    add_seg(c, C2S, TH_SYN, c->next[C2S]++, NULL, 0);
    add_seg(c, S2C, TH_SYN | TH_ACK, c->next[S2C]++, NULL, 0);
    add_seg(c, C2S, TH_ACK, c->next[C2S], NULL, 0);
}

/* The server closes TCP first, as RFC 6455 section 7.1.1 asks. */
static void tcp_close(struct conv *c)
{
    add_seg(c, S2C, TH_FIN | TH_ACK, c->next[S2C]++, NULL, 0);
    add_seg(c, C2S, TH_FIN | TH_ACK, c->next[C2S]++, NULL, 0);
    add_seg(c, S2C, TH_ACK, c->next[S2C], NULL, 0);
}

/* ---- WebSocket frames ---------------------------------------------------- */

enum {
    FIN = 0x80, RSV1 = 0x40,
    OP_CONT = 0x0, OP_TEXT = 0x1, OP_BIN = 0x2, OP_CLOSE = 0x8, OP_PING = 0x9
};

enum { MASK_NO = 0, MASK_YES = 1, MASK_AUTO = 2 };      /* AUTO: the client masks */
enum { LEN_MIN = 0, LEN_16 = 16, LEN_64 = 64 };         /* length encoding */

/* Masking keys handed out in turn, so files stay deterministic. */
static const uint8_t mask_keys[4][4] = {
    { 0x37, 0xfa, 0x21, 0x3d }, { 0x5a, 0x1c, 0xe0, 0x07 },
    { 0x81, 0x42, 0x99, 0x6e }, { 0x0d, 0xf0, 0x3c, 0xa5 },
};

/* Encodes one frame into out (at least len + 14 bytes); returns its size. */
static size_t encode_frame(uint8_t *out, unsigned b0, const uint8_t *key,
                           const uint8_t *payload, size_t len, int lenform)
{
    size_t n = 0;
    uint8_t maskbit = key ? 0x80 : 0;

    out[n++] = (uint8_t)b0;
    if (lenform == LEN_MIN && len < 126) {
        out[n++] = (uint8_t)(maskbit | len);
    } else if (lenform != LEN_64 && len < 65536) {
        out[n++] = maskbit | 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = maskbit | 127;
        for (int i = 7; i >= 0; i--)
            out[n++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    if (key) {
        memcpy(out + n, key, 4);
        n += 4;
    }
    for (size_t i = 0; i < len; i++)
        out[n + i] = key ? (uint8_t)(payload[i] ^ key[i % 4]) : payload[i];
    return n + len;
}

/* Builds one frame from dir into buf; returns its size. */
static size_t make_frame(struct conv *c, uint8_t *buf, int dir, unsigned b0, int mask,
                         const void *payload, size_t len, int lenform)
{
    const uint8_t *key = NULL;

    if (len + 14 > MAX_DATA)
        die("frame too large");
    if (mask == MASK_YES || (mask == MASK_AUTO && dir == C2S))
        key = mask_keys[c->masks++ % 4];
    return encode_frame(buf, b0, key, payload, len, lenform);
}

/* Sends one frame in one segment; returns the segment's index. */
static int frame(struct conv *c, int dir, unsigned b0, int mask,
                 const void *payload, size_t len, int lenform)
{
    uint8_t buf[MAX_DATA];
    size_t n = make_frame(c, buf, dir, b0, mask, payload, len, lenform);
    return send_bytes(c, dir, buf, n, MAX_DATA);
}

/* A final text frame, masked when the client sends it. */
static int text(struct conv *c, int dir, const char *s)
{
    return frame(c, dir, FIN | OP_TEXT, MASK_AUTO, s, strlen(s), LEN_MIN);
}

static int close_frame(struct conv *c, int dir, unsigned code)
{
    uint8_t p[2] = { (uint8_t)(code >> 8), (uint8_t)code };
    return frame(c, dir, FIN | OP_CLOSE, MASK_AUTO, p, 2, LEN_MIN);
}

/* ---- the handshake ------------------------------------------------------- */

static const char request[] =
    "GET /chat HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Origin: https://example.com\r\n"
    "\r\n";

static const char response[] =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "\r\n";

/* The Accept computed without the GUID: base64(SHA-1(key)). */
static const char wrong_response[] =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: hHLtf2V1k8aDQZfNjw3Ia1hCwt0=\r\n"
    "\r\n";

/* ---- the conversation and its variants ----------------------------------- */

enum variant {
    /* hostile: valid WebSocket, difficult transport or capture */
    H_BASELINE, H_OOO, H_RETRANSMIT, H_OVERLAP, H_GAP_PAYLOAD, H_GAP_HEADER,
    H_SEQWRAP, H_MIDSTREAM, H_SNAPLEN, H_TRUNCATED,
    /* violations: one broken rule each */
    V_CLIENT_UNMASKED, V_SERVER_MASKED, V_CONTROL_TOO_LONG, V_CONTROL_FRAGMENTED,
    V_RSV1, V_RESERVED_OPCODE, V_NON_MINIMAL_LENGTH, V_INVALID_CLOSE_CODE,
    V_CLOSE_1_BYTE, V_INVALID_UTF8, V_DATA_AFTER_CLOSE, V_CONT_WITHOUT_START,
    V_NEW_DATA_IN_FRAGMENTED, V_WRONG_ACCEPT,
    /* other conversations (build_other) */
    X_EMPTY_MESSAGES, X_MARKUP,
    X_DEFLATE_CUT, X_DEFLATE_BUDGET     /* written by deflate_bombs() */
};

/* Lesson 05's conversation, with variant v's one deviation in place. */
static void build(struct conv *c, enum variant v)
{
    uint8_t buf[MAX_DATA], buf2[MAX_DATA];
    size_t n;
    int i, hello, hi;

    if (v == H_SEQWRAP) {
        /* Both streams cross 2^32 inside a WebSocket frame: the client's in
         * "hello" (3 bytes after the request), the server's in "hi there". */
        tcp_open(c, (uint32_t)0 - 1 - (uint32_t)(sizeof request - 1) - 3,
                 (uint32_t)0 - 1 - (uint32_t)(sizeof response - 1) - 5);
    } else {
        tcp_open(c, 0x1a2b3c4d, 0x5e6f7081);
    }
    send_bytes(c, C2S, (const uint8_t *)request, sizeof request - 1, MAX_DATA);
    if (v == V_WRONG_ACCEPT)
        send_bytes(c, S2C, (const uint8_t *)wrong_response, sizeof wrong_response - 1, MAX_DATA);
    else
        send_bytes(c, S2C, (const uint8_t *)response, sizeof response - 1, MAX_DATA);

    /* client: "hello" */
    if (v == V_CLIENT_UNMASKED)
        hello = frame(c, C2S, FIN | OP_TEXT, MASK_NO, "hello", 5, LEN_MIN);
    else if (v == V_RSV1)
        hello = frame(c, C2S, FIN | RSV1 | OP_TEXT, MASK_AUTO, "hello", 5, LEN_MIN);
    else
        hello = text(c, C2S, "hello");

    /* server: "hi there" */
    if (v == V_SERVER_MASKED) {
        hi = frame(c, S2C, FIN | OP_TEXT, MASK_YES, "hi there", 8, LEN_MIN);
    } else if (v == V_NON_MINIMAL_LENGTH) {
        hi = frame(c, S2C, FIN | OP_TEXT, MASK_AUTO, "hi there", 8, LEN_16);
    } else if (v == H_OVERLAP) {
        /* Bytes 0-5 of the frame, then bytes 3-9 whose first three differ
         * from what was already sent: "hi there" or "hI-There" depending on
         * which copy a reassembler keeps. */
        n = make_frame(c, buf, S2C, FIN | OP_TEXT, MASK_AUTO, "hi there", 8, LEN_MIN);
        memcpy(buf2, buf, n);
        buf2[3] = 'I';
        buf2[4] = '-';
        buf2[5] = 'T';
        hi = add_seg(c, S2C, TH_PSH | TH_ACK, c->next[S2C], buf, 6);
        add_seg(c, S2C, TH_PSH | TH_ACK, c->next[S2C] + 3, buf2 + 3, n - 3);
        c->next[S2C] += (uint32_t)n;
    } else if (v == H_GAP_HEADER) {
        /* "hi there" and "news update" written together in 8-byte segments;
         * the lost middle one holds the end of the first frame and the header
         * and first payload bytes of the second. */
        n = make_frame(c, buf, S2C, FIN | OP_TEXT, MASK_AUTO, "hi there", 8, LEN_MIN);
        n += make_frame(c, buf + n, S2C, FIN | OP_TEXT, MASK_AUTO, "news update", 11, LEN_MIN);
        hi = send_bytes(c, S2C, buf, n, 8);
        c->seg[hi + 1].lost = 1;
    } else {
        hi = text(c, S2C, "hi there");
    }
    if (v == H_RETRANSMIT)
        resend(c, hello);               /* "hello" again, same bytes, same seq */

    /* server: "news update", pushed */
    if (v == H_OOO) {
        /* Two segments (7 + 6 bytes), the second one captured first. */
        n = make_frame(c, buf, S2C, FIN | OP_TEXT, MASK_AUTO, "news update", 11, LEN_MIN);
        i = send_bytes(c, S2C, buf, n, 7);
        swap_segs(c, i, i + 1);
    } else if (v == H_GAP_PAYLOAD) {
        /* A 200-byte news item (16-bit length) in 64-byte segments; the
         * second segment, all payload, is lost. */
        char item[201];
        memcpy(item, "news update: ", 13);
        for (i = 13; i < 200; i++)
            item[i] = (char)('a' + (i - 13) % 26);
        item[200] = '\0';
        n = make_frame(c, buf, S2C, FIN | OP_TEXT, MASK_AUTO, item, 200, LEN_MIN);
        i = send_bytes(c, S2C, buf, n, 64);
        c->seg[i + 1].lost = 1;
    } else if (v != H_GAP_HEADER) {
        text(c, S2C, "news update");
    }
    if (v == H_MIDSTREAM)               /* the capture starts at "hi there" */
        for (i = 0; i < hi; i++)
            c->seg[i].lost = 1;

    /* client: "typing..." */
    if (v == V_NEW_DATA_IN_FRAGMENTED) {
        frame(c, C2S, OP_TEXT, MASK_AUTO, "typ", 3, LEN_MIN);
        frame(c, C2S, FIN | OP_TEXT, MASK_AUTO, "oops", 4, LEN_MIN);   /* the violation */
        frame(c, C2S, FIN | OP_CONT, MASK_AUTO, "ing...", 6, LEN_MIN);
    } else {
        text(c, C2S, "typing...");
    }
    if (v == V_CONTROL_TOO_LONG) {
        memset(buf2, 'p', 126);
        frame(c, C2S, FIN | OP_PING, MASK_AUTO, buf2, 126, LEN_MIN);
    } else if (v == V_CONTROL_FRAGMENTED) {
        frame(c, C2S, OP_PING, MASK_AUTO, "ping", 4, LEN_MIN);
    } else if (v == V_RESERVED_OPCODE) {
        frame(c, C2S, FIN | 0x3, MASK_AUTO, "opcode 3", 8, LEN_MIN);
    } else if (v == V_CONT_WITHOUT_START) {
        frame(c, C2S, FIN | OP_CONT, MASK_AUTO, "orphan", 6, LEN_MIN);
    }

    /* server: "user joined", pushed */
    if (v == V_INVALID_UTF8)
        i = frame(c, S2C, FIN | OP_TEXT, MASK_AUTO, "user \xc3\x28joined", 13, LEN_MIN);
    else
        i = text(c, S2C, "user joined");
    if (v == H_TRUNCATED)
        c->cut = i;

    /* close 1000 both ways, the client first */
    if (v == V_INVALID_CLOSE_CODE) {
        close_frame(c, C2S, 1005);      /* reserved: never sent on the wire */
    } else if (v == V_CLOSE_1_BYTE) {
        uint8_t one = 0x03;
        frame(c, C2S, FIN | OP_CLOSE, MASK_AUTO, &one, 1, LEN_MIN);
    } else {
        close_frame(c, C2S, 1000);
    }
    if (v == V_DATA_AFTER_CLOSE)
        text(c, C2S, "too late");
    close_frame(c, S2C, 1000);
    tcp_close(c);
}

/* Connection k (0 or 1) of edge-empty-messages.pcap: the handshake, then
 * EMPTY_MESSAGES empty text frames from the server (two bytes each, sent
 * together in full segments), close 1000 both ways, TCP FIN. The count
 * decides where the JSON lines fall in the writer's buffer: keep it. */
#define EMPTY_MESSAGES 1591

static void empty_messages(struct conv *c, int k)
{
    static uint8_t frames[2 * EMPTY_MESSAGES];

    tcp_open(c, 0x1a2b3c4d + 0x01000000 * (uint32_t)k, 0x5e6f7081 + 0x01000000 * (uint32_t)k);
    c->cport = (uint16_t)(51000 + k);
    send_bytes(c, C2S, (const uint8_t *)request, sizeof request - 1, MAX_DATA);
    send_bytes(c, S2C, (const uint8_t *)response, sizeof response - 1, MAX_DATA);
    for (int i = 0; i < EMPTY_MESSAGES; i++)
        encode_frame(frames + 2 * i, FIN | OP_TEXT, NULL, NULL, 0, LEN_MIN);
    send_bytes(c, S2C, frames, sizeof frames, MAX_DATA);
    close_frame(c, C2S, 1000);
    close_frame(c, S2C, 1000);
    tcp_close(c);
}

/* edge-markup.pcap: a valid conversation whose wire text is markup and script
 * meant to run in a page that shows it (wsinspect --html): in the request's
 * target and headers, the response's reason phrase and headers, text and
 * binary messages, a close reason, with "</script>", "<!--", U+2028 and
 * U+2029. Each script, if it ever ran, would set window.__wsi_pwned. */
static const char markup_request[] =
    "GET /chat?q=</script><script>window.__wsi_pwned=1</script> HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Origin: \"><img src=x onerror=\"window.__wsi_pwned=2\">\r\n"
    "Sec-WebSocket-Protocol: <svg onload=window.__wsi_pwned=3>\r\n"
    "\r\n";

static const char markup_response[] =
    "HTTP/1.1 101 <script>window.__wsi_pwned=4</script>\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "X-Note: <!--<script>window.__wsi_pwned=5</script>-->\r\n"
    "\r\n";

static void markup(struct conv *c)
{
    static const char bin[] = "<iframe src=javascript:window.__wsi_pwned=9>";
    uint8_t reason[64] = { 0x03, 0xe8 };
    const char *r = "<b onmouseover=window.__wsi_pwned=10>bye</b>";

    tcp_open(c, 0x1a2b3c4d, 0x5e6f7081);
    send_bytes(c, C2S, (const uint8_t *)markup_request, sizeof markup_request - 1, MAX_DATA);
    send_bytes(c, S2C, (const uint8_t *)markup_response, sizeof markup_response - 1, MAX_DATA);
    text(c, C2S, "</script><script>window.__wsi_pwned=6</script>");
    text(c, S2C, "<img src=x onerror=window.__wsi_pwned=7> & &amp; &lt;b&gt;");
    text(c, C2S, "<!--<script>window.__wsi_pwned=8</script> \xe2\x80\xa8 line \xe2\x80\xa9 paragraph");
    frame(c, S2C, FIN | OP_BIN, MASK_AUTO, bin, sizeof bin - 1, LEN_MIN);
    memcpy(reason + 2, r, strlen(r));
    frame(c, C2S, FIN | OP_CLOSE, MASK_AUTO, reason, 2 + strlen(r), LEN_MIN);
    close_frame(c, S2C, 1000);
    tcp_close(c);
}

/* The conversations of a file that is not a variant of the chat; returns how
 * many there are (at most 2). */
static int build_other(struct conv *c, enum variant v)
{
    switch (v) {
    case X_EMPTY_MESSAGES:
        empty_messages(&c[0], 0);
        empty_messages(&c[1], 1);
        return 2;
    case X_MARKUP:
        markup(&c[0]);
        return 1;
    default:
        die("not a conversation of its own");
    }
    return 0;
}

/* ---- packets and the savefile -------------------------------------------- */

static const uint8_t ip_addr[2][4] = { { 192, 0, 2, 10 }, { 192, 0, 2, 80 } };
static const uint16_t server_port = 80;
static const uint8_t mac_addr[2][6] = {
    { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a }, { 0x02, 0x00, 0x00, 0x00, 0x00, 0x50 },
};

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}

/* Adds bytes to a ones'-complement sum (RFC 1071). */
static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Ethernet + IPv4 + TCP around segment s of a conversation whose client
 * uses port cport; returns the packet length. */
static size_t build_packet(uint8_t *pkt, const struct seg *s, uint16_t cport, unsigned ip_id)
{
    uint8_t *ip = pkt + 14, *tcp = ip + 20;
    size_t tcp_len = 20 + s->len;
    const uint16_t port[2] = { cport, server_port };
    uint32_t sum;
    uint8_t pseudo[12];

    memcpy(pkt, mac_addr[!s->dir], 6);
    memcpy(pkt + 6, mac_addr[s->dir], 6);
    put16(pkt + 12, 0x0800);

    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(20 + tcp_len));
    put16(ip + 4, ip_id);
    put16(ip + 6, 0x4000);              /* don't fragment */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, ip_addr[s->dir], 4);
    memcpy(ip + 16, ip_addr[!s->dir], 4);
    put16(ip + 10, fold(sum_bytes(0, ip, 20)));

    memset(tcp, 0, 20);
    put16(tcp, port[s->dir]);
    put16(tcp + 2, port[!s->dir]);
    put32(tcp + 4, s->seq);
    put32(tcp + 8, s->ack);
    tcp[12] = 5 << 4;
    tcp[13] = s->flags;
    put16(tcp + 14, 65535);
    memcpy(tcp + 20, s->data, s->len);

    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (unsigned)tcp_len);
    sum = sum_bytes(0, pseudo, 12);
    sum = sum_bytes(sum, tcp, tcp_len);
    put16(tcp + 16, fold(sum));
    return 14 + 20 + tcp_len;
}

/* Writes the nconv conversations, one after the other, to dir/name with the
 * given snap length. When a conversation's cut is set, the file is then cut
 * 30 bytes into that segment's packet data, in the middle of its record. */
static void write_capture(const char *dir, const char *name, const struct conv *convs, int nconv, int snaplen)
{
    char path[4096];
    uint8_t pkt[14 + 20 + 20 + MAX_DATA];
    pcap_t *pd;
    pcap_dumper_t *dumper;
    long offset = 24, cut_at = -1;      /* the file header is 24 bytes */
    int written = 0;

    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        die("path too long");
    pd = pcap_open_dead(DLT_EN10MB, snaplen);
    if (!pd)
        die("pcap_open_dead failed");
    dumper = pcap_dump_open(pd, path);
    if (!dumper) {
        fprintf(stderr, "gen_hostile: %s: %s\n", path, pcap_geterr(pd));
        exit(1);
    }
    for (int k = 0; k < nconv; k++) {
        const struct conv *c = &convs[k];
        unsigned ip_id[2] = { 0x1000 + 0x100 * (unsigned)k, 0x5000 + 0x100 * (unsigned)k };

        for (int i = 0; i < c->n; i++) {
            const struct seg *s = &c->seg[i];
            struct pcap_pkthdr h;
            size_t len;

            if (s->lost)
                continue;
            len = build_packet(pkt, s, c->cport, ip_id[s->dir]++);
            memset(&h, 0, sizeof h);
            /* 2023-11-14 22:13:20 UTC, then one packet every 1.5 ms */
            h.ts.tv_sec = 1700000000 + (written * 1500) / 1000000;
            h.ts.tv_usec = (written * 1500) % 1000000;
            h.len = (bpf_u_int32)len;
            h.caplen = (bpf_u_int32)(len < (size_t)snaplen ? len : (size_t)snaplen);
            if (i == c->cut)
                cut_at = offset + 16 + 30;
            pcap_dump((u_char *)dumper, &h, pkt);
            offset += 16 + (long)h.caplen;
            written++;
        }
    }
    if (pcap_dump_flush(dumper) != 0)
        die("pcap_dump_flush failed");
    pcap_dump_close(dumper);
    pcap_close(pd);
    if (cut_at >= 0 && truncate(path, cut_at) != 0) {
        fprintf(stderr, "gen_hostile: truncate %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* ---- permessage-deflate bombs, written as they are made ---------------------
 *
 * Too large for struct conv: each segment is written as soon as it is made.
 * The compressed bytes are built here bit by bit, without zlib: a message of
 * 1 + 258 * n zero bytes is one dynamic Huffman block holding a literal 0
 * (code 10) and n matches of length 258 at distance 1 (length symbol 285,
 * code 0; distance code 0, code 0: two bits for 258 bytes), the end of the
 * block (code 11), then the empty stored block of a sync flush whose
 * 00 00 ff ff the sender leaves out (RFC 7692 section 7.2.1). A short text
 * goes in a stored block. */

struct bits {
    uint8_t *p;                         /* output */
    size_t n, cap;                      /* bytes written (whole ones), room */
    uint32_t acc;                       /* bits not yet written */
    int nacc;                           /* how many */
};

/* Appends the low `len` bits of v, least significant first (deflate's
 * order for header fields and extra bits). */
static void put_bits(struct bits *b, uint32_t v, int len)
{
    for (int i = 0; i < len; i++) {
        b->acc |= ((v >> i) & 1u) << b->nacc;
        if (++b->nacc == 8) {
            if (b->n == b->cap)
                die("deflate buffer full");
            b->p[b->n++] = (uint8_t)b->acc;
            b->acc = 0;
            b->nacc = 0;
        }
    }
}

/* Appends a Huffman code of `len` bits, its most significant bit first. */
static void put_code(struct bits *b, uint32_t code, int len)
{
    for (int i = len - 1; i >= 0; i--)
        put_bits(b, (code >> i) & 1u, 1);
}

/* The compressed payload of 1 + 258 * n zero bytes into a malloc'd buffer. */
static uint8_t *zero_bomb(uint64_t n, size_t *len)
{
    /* code length code lengths, in deflate's order: 18 gets 1 bit, 2 and 1 get 2 bits */
    static const uint8_t order[18] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1 };
    struct bits b = { NULL, 0, (size_t)(n / 4 + 64), 0, 0 };

    b.p = malloc(b.cap);
    if (!b.p)
        die("out of memory");
    put_bits(&b, 0, 1);                 /* BFINAL 0 */
    put_bits(&b, 2, 2);                 /* dynamic Huffman */
    put_bits(&b, 286 - 257, 5);         /* literal/length codes 0..285 */
    put_bits(&b, 1 - 1, 5);             /* one distance code */
    put_bits(&b, 18 - 4, 4);            /* 18 code length code lengths */
    for (int i = 0; i < 18; i++)
        put_bits(&b, order[i] == 18 ? 1 : order[i] == 1 || order[i] == 2 ? 2 : 0, 3);
    /* the code lengths (codes: 18 -> 0, 1 -> 10, 2 -> 11) */
    put_code(&b, 3, 2);                 /* literal 0: 2 bits */
    put_code(&b, 0, 1);                 /* 1..138: none */
    put_bits(&b, 138 - 11, 7);
    put_code(&b, 0, 1);                 /* 139..255: none */
    put_bits(&b, 117 - 11, 7);
    put_code(&b, 3, 2);                 /* 256, end of block: 2 bits */
    put_code(&b, 0, 1);                 /* 257..284: none */
    put_bits(&b, 28 - 11, 7);
    put_code(&b, 2, 2);                 /* 285, length 258: 1 bit */
    put_code(&b, 2, 2);                 /* distance code 0 (distance 1): 1 bit */
    /* the data (literal/length codes: 285 -> 0, 0 -> 10, 256 -> 11) */
    put_code(&b, 2, 2);
    for (uint64_t i = 0; i < n; i++)
        put_bits(&b, 0, 2);
    put_code(&b, 3, 2);
    put_bits(&b, 0, 3);                 /* the empty stored block, padded to a byte */
    if (b.nacc)
        put_bits(&b, 0, 8 - b.nacc);
    *len = b.n;
    return b.p;
}

/* The compressed payload of a short text: a stored block, then the sync
 * flush's empty one (RFC 7692 section 7.2.3.3). Returns its length. */
static size_t stored_text(uint8_t *out, const char *s)
{
    size_t n = strlen(s);

    out[0] = 0x00;
    out[1] = (uint8_t)n;
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)~n;
    out[4] = (uint8_t)(~n >> 8);
    memcpy(out + 5, s, n);
    out[5 + n] = 0x00;
    return n + 6;
}

/* A conversation written segment by segment. */
struct live {
    pcap_dumper_t *d;
    uint32_t next[2];                   /* next sequence number, per direction */
    uint16_t cport;                     /* the client's port */
    unsigned ip_id[2];
    unsigned masks;                     /* masking keys used */
    long *written;                      /* packets in the file, for the timestamps */
};

static void live_seg(struct live *l, int dir, uint8_t flags, const uint8_t *data, size_t len)
{
    struct seg s;
    uint8_t pkt[14 + 20 + 20 + MAX_DATA];
    struct pcap_pkthdr h;

    memset(&s, 0, sizeof s);
    s.dir = dir;
    s.flags = flags;
    s.seq = l->next[dir];
    s.ack = (flags & TH_ACK) ? l->next[!dir] : 0;
    s.len = len;
    if (len)
        memcpy(s.data, data, len);
    l->next[dir] += (uint32_t)len + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
    memset(&h, 0, sizeof h);
    h.len = h.caplen = (bpf_u_int32)build_packet(pkt, &s, l->cport, l->ip_id[dir]++);
    h.ts.tv_sec = 1700000000 + (*l->written * 1500) / 1000000;
    h.ts.tv_usec = (*l->written * 1500) % 1000000;
    pcap_dump((u_char *)l->d, &h, pkt);
    (*l->written)++;
}

static void live_send(struct live *l, int dir, const uint8_t *data, size_t len)
{
    for (size_t off = 0; off < len; off += MAX_DATA)
        live_seg(l, dir, TH_PSH | TH_ACK, data + off, len - off < MAX_DATA ? len - off : MAX_DATA);
}

/* One final frame of any length; the client masks. */
static void live_frame(struct live *l, int dir, unsigned b0, const uint8_t *payload, size_t len)
{
    uint8_t *buf = malloc(len + 14);
    const uint8_t *key = dir == C2S ? mask_keys[l->masks++ % 4] : NULL;

    if (!buf)
        die("out of memory");
    live_send(l, dir, buf, encode_frame(buf, b0, key, payload, len, LEN_MIN));
    free(buf);
}

/* A compressed text message. */
static void live_deflated_text(struct live *l, int dir, const char *s)
{
    uint8_t p[MAX_DATA];

    if (strlen(s) + 6 > sizeof p)
        die("text too long");
    live_frame(l, dir, FIN | RSV1 | OP_TEXT, p, stored_text(p, s));
}

/* One connection (client port cport) that negotiates permessage-deflate
 * with the parameters `params` ("" or "; server_no_context_takeover"):
 * "before" from the server, `nbombs` compressed binary messages of
 * 1 + 258 * n zero bytes from the server, a text `after` from the server,
 * "hello" from the client (all compressed), close 1000 both ways, TCP FIN. */
static void bomb_conn(pcap_dumper_t *d, long *written, uint16_t cport, const char *params,
                      int nbombs, uint64_t n, const char *after)
{
    struct live l;
    char head[512];
    uint8_t cl[2] = { 0x03, 0xe8 };
    size_t blen;
    uint8_t *bomb = zero_bomb(n, &blen);
    int k;

    memset(&l, 0, sizeof l);
    l.d = d;
    l.written = written;
    l.cport = cport;
    l.next[C2S] = 0x1a2b3c4d + 0x01000000 * (uint32_t)(cport - 51000);
    l.next[S2C] = 0x5e6f7081 + 0x01000000 * (uint32_t)(cport - 51000);
    l.ip_id[C2S] = 0x1000 + 0x100 * (unsigned)(cport - 51000);
    l.ip_id[S2C] = 0x5000 + 0x100 * (unsigned)(cport - 51000);
    live_seg(&l, C2S, TH_SYN, NULL, 0);
    live_seg(&l, S2C, TH_SYN | TH_ACK, NULL, 0);
    live_seg(&l, C2S, TH_ACK, NULL, 0);
    /* the request without its closing empty line, then the extension offer */
    k = snprintf(head, sizeof head, "%.*sSec-WebSocket-Extensions: permessage-deflate%s\r\n\r\n",
                 (int)(sizeof request - 3), request, params);
    live_send(&l, C2S, (const uint8_t *)head, (size_t)k);
    k = snprintf(head, sizeof head, "%.*sSec-WebSocket-Extensions: permessage-deflate%s\r\n\r\n",
                 (int)(sizeof response - 3), response, params);
    live_send(&l, S2C, (const uint8_t *)head, (size_t)k);
    live_deflated_text(&l, S2C, "before");
    for (int i = 0; i < nbombs; i++)
        live_frame(&l, S2C, FIN | RSV1 | OP_BIN, bomb, blen);
    live_deflated_text(&l, S2C, after);
    live_deflated_text(&l, C2S, "hello");
    live_frame(&l, C2S, FIN | OP_CLOSE, cl, 2);
    live_frame(&l, S2C, FIN | OP_CLOSE, cl, 2);
    live_seg(&l, S2C, TH_FIN | TH_ACK, NULL, 0);
    live_seg(&l, C2S, TH_FIN | TH_ACK, NULL, 0);
    live_seg(&l, S2C, TH_ACK, NULL, 0);
    free(bomb);
}

/*
 * edge-deflate-cut.pcap: two connections, the server's bomb inflating to
 * 1 + 258 * 1,040,500 = 268,449,001 bytes, past the 256 MiB an inspector
 * inflates of one message: with context takeover (client port 51000), then
 * with server_no_context_takeover (51001). Each compressed bomb is 260 KB.
 * edge-deflate-budget.pcap: one connection with server_no_context_takeover
 * (so each message could inflate afresh) and five bombs of 1 + 258 * 1,036,000
 * = 267,288,001 bytes (under 256 MiB each) from the server, 1.24 GiB in all:
 * past the 1 GiB an inspector inflates of one direction of a connection,
 * reached in the fifth one.
 */
static void deflate_bombs(const char *dir, const char *name, enum variant v)
{
    char path[4096];
    pcap_t *pd;
    pcap_dumper_t *d;
    long written = 0;

    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        die("path too long");
    pd = pcap_open_dead(DLT_EN10MB, 262144);
    if (!pd || !(d = pcap_dump_open(pd, path)))
        die("cannot write the capture");
    if (v == X_DEFLATE_CUT) {
        bomb_conn(d, &written, 51000, "", 1, 1040500, "after the cut");
        bomb_conn(d, &written, 51001, "; server_no_context_takeover", 1, 1040500, "after the cut");
    } else {
        bomb_conn(d, &written, 51000, "; server_no_context_takeover", 5, 1036000, "after the budget");
    }
    if (pcap_dump_flush(d) != 0)
        die("pcap_dump_flush failed");
    pcap_dump_close(d);
    pcap_close(pd);
}

/* ---- main ---------------------------------------------------------------- */

struct output {
    const char *name;                   /* file name in OUTDIR */
    enum variant v;                     /* the deviation it holds */
    int snaplen;                        /* snap length of the savefile */
    int named_only;                     /* 1: written only when named */
};

static const struct output outputs[] = {
    { "hostile-baseline.pcap", H_BASELINE, 262144, 0 },        /* the clean conversation */
    { "hostile-ooo.pcap", H_OOO, 262144, 0 },                  /* "news update" in 2 segments, 2nd first */
    { "hostile-retransmit.pcap", H_RETRANSMIT, 262144, 0 },    /* "hello" segment twice */
    { "hostile-overlap.pcap", H_OVERLAP, 262144, 0 },          /* overlap with different bytes */
    { "hostile-gap-payload.pcap", H_GAP_PAYLOAD, 262144, 0 },  /* lost segment inside a payload */
    { "hostile-gap-header.pcap", H_GAP_HEADER, 262144, 0 },    /* lost segment holding a header */
    { "hostile-seqwrap.pcap", H_SEQWRAP, 262144, 0 },          /* both streams cross 2^32 */
    { "hostile-midstream.pcap", H_MIDSTREAM, 262144, 0 },      /* no SYN, no handshake */
    { "hostile-snaplen.pcap", H_SNAPLEN, 96, 0 },              /* packets cut at 96 bytes */
    { "hostile-truncated.pcap", H_TRUNCATED, 262144, 0 },      /* file ends mid-record */
    { "violation-client-unmasked.pcap", V_CLIENT_UNMASKED, 262144, 0 },
    { "violation-server-masked.pcap", V_SERVER_MASKED, 262144, 0 },
    { "violation-control-too-long.pcap", V_CONTROL_TOO_LONG, 262144, 0 },
    { "violation-control-fragmented.pcap", V_CONTROL_FRAGMENTED, 262144, 0 },
    { "violation-rsv1-no-extension.pcap", V_RSV1, 262144, 0 },
    { "violation-reserved-opcode.pcap", V_RESERVED_OPCODE, 262144, 0 },
    { "violation-non-minimal-length.pcap", V_NON_MINIMAL_LENGTH, 262144, 0 },
    { "violation-invalid-close-code.pcap", V_INVALID_CLOSE_CODE, 262144, 0 },
    { "violation-close-1-byte.pcap", V_CLOSE_1_BYTE, 262144, 0 },
    { "violation-invalid-utf8.pcap", V_INVALID_UTF8, 262144, 0 },
    { "violation-data-after-close.pcap", V_DATA_AFTER_CLOSE, 262144, 0 },
    { "violation-continuation-without-start.pcap", V_CONT_WITHOUT_START, 262144, 0 },
    { "violation-new-data-in-fragmented.pcap", V_NEW_DATA_IN_FRAGMENTED, 262144, 0 },
    { "violation-wrong-accept.pcap", V_WRONG_ACCEPT, 262144, 0 },
    /* 2 connections, 1,591 empty server messages each (tests/e2e/captures.sh) */
    { "edge-empty-messages.pcap", X_EMPTY_MESSAGES, 262144, 1 },
    /* markup and script in every wire string (tests/browser/html.test.mjs, tests/e2e/captures.sh) */
    { "edge-markup.pcap", X_MARKUP, 262144, 1 },
    /* a 257 MiB compressed message, with and without context takeover (tests/e2e/captures.sh) */
    { "edge-deflate-cut.pcap", X_DEFLATE_CUT, 262144, 1 },
    /* 5 compressed messages of 255 MiB each, past the 1 GiB inflated per direction (tests/e2e/captures.sh) */
    { "edge-deflate-budget.pcap", X_DEFLATE_BUDGET, 262144, 1 },
};

/* Builds and writes one file of the table. */
static void write_output(const char *dir, const struct output *o)
{
    static struct conv c[2];
    int n = 1;

    if (o->v >= X_DEFLATE_CUT) {
        deflate_bombs(dir, o->name, o->v);
        return;
    }
    if (o->v >= X_EMPTY_MESSAGES)
        n = build_other(c, o->v);
    else
        build(&c[0], o->v);
    write_capture(dir, o->name, c, n, o->snaplen);
}

int main(int argc, char **argv)
{
    const size_t count = sizeof outputs / sizeof outputs[0];
    struct stat st;

    if (argc < 2) {
        fprintf(stderr, "usage: gen_hostile OUTDIR [FILE...]\n");
        return 2;
    }
    if (stat(argv[1], &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "gen_hostile: %s is not a directory\n", argv[1]);
        return 1;
    }
    if (argc == 2) {
        for (size_t i = 0; i < count; i++)
            if (!outputs[i].named_only)
                write_output(argv[1], &outputs[i]);
        return 0;
    }
    for (int a = 2; a < argc; a++) {
        size_t i = 0;

        while (i < count && strcmp(outputs[i].name, argv[a]) != 0)
            i++;
        if (i == count) {
            fprintf(stderr, "gen_hostile: no file %s\n", argv[a]);
            return 2;
        }
        write_output(argv[1], &outputs[i]);
    }
    return 0;
}
