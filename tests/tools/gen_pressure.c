/* gen_pressure.c - captures that press on wsinspect's time and memory (bench/run.sh,
 * tests/e2e/corrupt.sh).
 *
 *   gen_pressure bytewise OUT.pcap CONNS HEAD_BYTES
 *       CONNS connections, each sending one HTTP request head of HEAD_BYTES
 *       bytes (a request line, padding header lines, the blank line) one byte
 *       per TCP segment: the worst segmentation for a parser that re-reads
 *       the head it has buffered on every segment.
 *   gen_pressure ordinary OUT.pcap CONNS HEAD_BYTES
 *       The same connections and the same number of data segments, each
 *       segment a whole small request (keep-alive): ordinary HTTP traffic of
 *       the same packet count.
 *   gen_pressure endless OUT.pcap CONNS HEAD_BYTES
 *       CONNS connections, all open at once, each sending HEAD_BYTES of a
 *       request head that never ends (no blank line), in 1448-byte segments;
 *       none is ever answered or closed: held heads.
 *   gen_pressure ooo OUT.pcap CONNS BYTES
 *       CONNS connections each sending BYTES after a first segment that is
 *       never captured: everything after it waits out of order.
 *   gen_pressure lines OUT.pcap CONNS MESSAGES
 *       CONNS WebSocket connections (a valid upgrade each), all open at once,
 *       the server sending MESSAGES one-byte text messages on each, 100 per
 *       segment, the connections taking turns; none closes: a ladder that
 *       prints blocks at their close holds all of them.
 *   gen_pressure fragments OUT.pcap CONNS FRAMES
 *       CONNS WebSocket connections, the client sending one text message in
 *       FRAMES unmasked fragments (each a violation: RFC 6455 section 5.1)
 *       that never ends: violations waiting for a message that never comes.
 *
 * Deterministic: no random choice, fixed timestamps, a fixed key.
 */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_PSH = 0x08, TH_ACK = 0x10 };

static pcap_dumper_t *out;
static uint64_t clock_us = 1700000000ULL * 1000000;
static uint64_t packets;

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16), put16(p + 2, v & 0xffff); }

/* One Ethernet/IPv4/TCP packet from the client (dir 0) or the server (dir 1). */
static void packet(unsigned conn, int dir, uint8_t flags, uint32_t seq, uint32_t ack, const void *data, size_t n)
{
    static uint8_t pkt[14 + 20 + 20 + 4096];
    uint8_t *ip = pkt + 14, *tcp = ip + 20;
    uint32_t cli = 0x0a000000u | (conn + 1), srv = 0xc6336401u; /* 10.x.y.z -> 198.51.100.1 */
    unsigned cport = 49152 + conn % 16000, sport = 80;
    memset(pkt, 0, 54);
    pkt[12] = 0x08; /* IPv4 */
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(40 + n));
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, dir ? srv : cli);
    put32(ip + 16, dir ? cli : srv);
    put16(tcp, dir ? sport : cport);
    put16(tcp + 2, dir ? cport : sport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (n) memcpy(tcp + 20, data, n);
    struct pcap_pkthdr h;
    clock_us += 10;
    h.ts.tv_sec = (time_t)(clock_us / 1000000);
    h.ts.tv_usec = (suseconds_t)(clock_us % 1000000);
    h.caplen = h.len = (bpf_u_int32)(54 + n);
    pcap_dump((u_char *)out, &h, pkt);
    packets++;
}

/* The TCP handshake of connection c (client ISN 1000, server 5000). */
static void handshake(unsigned c)
{
    packet(c, 0, TH_SYN, 1000, 0, NULL, 0);
    packet(c, 1, TH_SYN | TH_ACK, 5000, 1001, NULL, 0);
    packet(c, 0, TH_ACK, 1001, 5001, NULL, 0);
}

/* A head of exactly n bytes: request line, Host, "X-Pad: aaa..." lines of up to 1000 bytes,
 * and the blank line when `complete`. */
static char *make_head(size_t n, int complete)
{
    char *h = malloc(n);
    if (!h) exit(1);
    static const char first[] = "GET /long-head HTTP/1.1\r\nHost: bench\r\n";
    size_t at = sizeof first - 1, end = complete ? n - 2 : n;
    memcpy(h, first, at);
    while (at < end) {
        size_t left = end - at;
        size_t line = left >= 1000 + 9 ? 1000 : left;
        if (line < 9) { /* too short for a line of its own: padding on the last one */
            memset(h + at, 'a', line);
            at += line;
            break;
        }
        memcpy(h + at, "X-Pad: ", 7);
        memset(h + at + 7, 'a', line - 9);
        memcpy(h + at + line - 2, "\r\n", 2);
        at += line;
    }
    if (complete) memcpy(h + n - 2, "\r\n", 2);
    return h;
}

static void mode_heads(int bytewise, unsigned conns, size_t head)
{
    char *h = make_head(head, 1);
    static const char small[] = "GET /poll HTTP/1.1\r\nHost: bench\r\n\r\n";
    for (unsigned c = 0; c < conns; c++) {
        uint32_t cs = 1001, ss = 5001;
        handshake(c);
        for (size_t i = 0; i < head; i++) {
            if (bytewise) {
                packet(c, 0, TH_ACK | TH_PSH, cs, ss, h + i, 1);
                cs += 1;
            } else {
                packet(c, 0, TH_ACK | TH_PSH, cs, ss, small, sizeof small - 1);
                cs += (uint32_t)(sizeof small - 1);
            }
        }
        packet(c, 0, TH_FIN | TH_ACK, cs, ss, NULL, 0);
        packet(c, 1, TH_FIN | TH_ACK, ss, cs + 1, NULL, 0);
        packet(c, 0, TH_ACK, cs + 1, ss + 1, NULL, 0);
    }
    free(h);
}

static void mode_endless(unsigned conns, size_t head)
{
    char *h = make_head(head, 0);
    for (unsigned c = 0; c < conns; c++) handshake(c);
    for (size_t at = 0; at < head; at += 1448) /* the connections take turns */
        for (unsigned c = 0; c < conns; c++) {
            size_t n = head - at < 1448 ? head - at : 1448;
            packet(c, 0, TH_ACK | TH_PSH, 1001 + (uint32_t)at, 5001, h + at, n);
        }
    free(h);
}

static void mode_ooo(unsigned conns, size_t bytes)
{
    static uint8_t seg[1448];
    memset(seg, 'o', sizeof seg);
    for (unsigned c = 0; c < conns; c++) handshake(c);
    /* the first 1448 bytes of every connection are never captured */
    for (size_t at = 1448; at < bytes; at += 1448)
        for (unsigned c = 0; c < conns; c++) {
            size_t n = bytes - at < 1448 ? bytes - at : 1448;
            packet(c, 0, TH_ACK | TH_PSH, 1001 + (uint32_t)at, 5001, seg, n);
        }
}

/* The upgrade of every connection (a valid Accept); the lengths of the request and response. */
static void upgrade_all(unsigned conns, int *rq_len, int *rs_len)
{
    static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char cat[sizeof key + sizeof guid], req[512], resp[512];
    unsigned char sha[SHA_DIGEST_LENGTH], acc[64];
    snprintf(cat, sizeof cat, "%s%s", key, guid);
    SHA1((const unsigned char *)cat, strlen(cat), sha);
    EVP_EncodeBlock(acc, sha, SHA_DIGEST_LENGTH);
    int rq = snprintf(req, sizeof req,
                      "GET /chat HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", key);
    int rs = snprintf(resp, sizeof resp,
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
    for (unsigned c = 0; c < conns; c++) {
        handshake(c);
        packet(c, 0, TH_ACK | TH_PSH, 1001, 5001, req, (size_t)rq);
        packet(c, 1, TH_ACK | TH_PSH, 5001, 1001 + (uint32_t)rq, resp, (size_t)rs);
    }
    *rq_len = rq;
    *rs_len = rs;
}

static void mode_lines(unsigned conns, unsigned long messages)
{
    int rq, rs;
    upgrade_all(conns, &rq, &rs);
    static uint8_t seg[300];
    for (int i = 0; i < 100; i++) seg[3 * i] = 0x81, seg[3 * i + 1] = 1, seg[3 * i + 2] = 'm';
    for (unsigned long sent = 0; sent < messages; sent += 100)
        for (unsigned c = 0; c < conns; c++) {
            size_t n = messages - sent < 100 ? messages - sent : 100;
            packet(c, 1, TH_ACK | TH_PSH, 5001 + (uint32_t)rs + (uint32_t)(sent * 3), 1001 + (uint32_t)rq, seg, 3 * n);
        }
}

static void mode_fragments(unsigned conns, unsigned long frames)
{
    int rq, rs;
    upgrade_all(conns, &rq, &rs);
    static uint8_t seg[1446];
    for (int i = 0; i < 482; i++) seg[3 * i] = 0x00, seg[3 * i + 1] = 1, seg[3 * i + 2] = 'f'; /* continuation, FIN 0 */
    seg[0] = 0x01; /* the first fragment of the whole message is a text frame, FIN 0 */
    for (unsigned long sent = 0; sent < frames; sent += 482)
        for (unsigned c = 0; c < conns; c++) {
            size_t n = frames - sent < 482 ? frames - sent : 482;
            seg[0] = sent ? 0x00 : 0x01;
            packet(c, 0, TH_ACK | TH_PSH, 1001 + (uint32_t)rq + (uint32_t)(sent * 3), 5001 + (uint32_t)rs, seg, 3 * n);
        }
}

int main(int argc, char **argv)
{
    static const char *const modes[] = {"bytewise", "ordinary", "endless", "ooo", "lines", "fragments"};
    int mode = -1;
    for (int i = 0; argc == 5 && i < 6; i++)
        if (strcmp(argv[1], modes[i]) == 0) mode = i;
    if (mode < 0) {
        fprintf(stderr, "usage: gen_pressure bytewise|ordinary|endless|ooo|lines|fragments OUT.pcap CONNS N\n");
        return 2;
    }
    unsigned long conns = strtoul(argv[3], NULL, 10), n = strtoul(argv[4], NULL, 10);
    if (conns < 1 || conns > 60000 || n < 64 || n > 100000000) {
        fprintf(stderr, "gen_pressure: CONNS 1-60000, N 64-100000000\n");
        return 2;
    }
    if (mode <= 2 && n > 60000) {
        fprintf(stderr, "gen_pressure: a head is at most 60000 bytes\n");
        return 2;
    }
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    out = dead ? pcap_dump_open(dead, argv[2]) : NULL;
    if (!out) {
        fprintf(stderr, "gen_pressure: %s: cannot write\n", argv[2]);
        return 1;
    }
    switch (mode) {
    case 0:
    case 1: mode_heads(mode == 0, (unsigned)conns, n); break;
    case 2: mode_endless((unsigned)conns, n); break;
    case 3: mode_ooo((unsigned)conns, n); break;
    case 4: mode_lines((unsigned)conns, n); break;
    default: mode_fragments((unsigned)conns, n); break;
    }
    pcap_dump_close(out);
    pcap_close(dead);
    fprintf(stderr, "gen_pressure: %s: %llu packets\n", argv[2], (unsigned long long)packets);
    return 0;
}
