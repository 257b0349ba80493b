/* gen_heads.c - writes the two captures of the HTTP-head timing in bench/run.sh.
 *
 *   gen_heads bytewise OUT.pcap CONNS HEAD_BYTES
 *       CONNS connections, each sending one HTTP request head of HEAD_BYTES
 *       bytes (a request line, padding header lines, the blank line) one byte
 *       per TCP segment: the worst segmentation for a parser that re-reads
 *       the head it has buffered on every segment.
 *   gen_heads ordinary OUT.pcap CONNS HEAD_BYTES
 *       The same connections and the same number of data segments, each
 *       segment a whole small request (keep-alive): ordinary HTTP traffic of
 *       the same packet count.
 *
 * Every connection starts with a TCP handshake and ends with FINs; nothing is
 * answered. Deterministic: no random choice, fixed timestamps.
 */
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
    static uint8_t pkt[14 + 20 + 20 + 2048];
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

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "bytewise") != 0 && strcmp(argv[1], "ordinary") != 0)) {
        fprintf(stderr, "usage: gen_heads bytewise|ordinary OUT.pcap CONNS HEAD_BYTES\n");
        return 2;
    }
    int bytewise = argv[1][0] == 'b';
    unsigned conns = (unsigned)strtoul(argv[3], NULL, 10);
    size_t head = (size_t)strtoul(argv[4], NULL, 10);
    if (conns < 1 || conns > 1000000 || head < 64 || head > 60000) {
        fprintf(stderr, "gen_heads: CONNS 1-1000000, HEAD_BYTES 64-60000\n");
        return 2;
    }
    /* the head: request line, Host, "X-Pad: aaa..." lines of 1000 bytes (the last one
     * 9 to 1008 bytes long, to land on HEAD_BYTES exactly), the blank line */
    char *h = malloc(head);
    if (!h) return 1;
    static const char first[] = "GET /long-head HTTP/1.1\r\nHost: bench\r\n";
    size_t at = sizeof first - 1;
    memcpy(h, first, at);
    while (at < head - 2) {
        size_t left = head - 2 - at;
        size_t line = left >= 1000 + 9 ? 1000 : left;
        memcpy(h + at, "X-Pad: ", 7);
        memset(h + at + 7, 'a', line - 9);
        memcpy(h + at + line - 2, "\r\n", 2);
        at += line;
    }
    memcpy(h + head - 2, "\r\n", 2);
    static const char small[] = "GET /poll HTTP/1.1\r\nHost: bench\r\n\r\n";

    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    out = dead ? pcap_dump_open(dead, argv[2]) : NULL;
    if (!out) {
        fprintf(stderr, "gen_heads: %s: cannot write\n", argv[2]);
        return 1;
    }
    for (unsigned c = 0; c < conns; c++) {
        uint32_t cs = 1000, ss = 5000;
        packet(c, 0, TH_SYN, cs, 0, NULL, 0);
        packet(c, 1, TH_SYN | TH_ACK, ss, cs + 1, NULL, 0);
        cs++, ss++;
        packet(c, 0, TH_ACK, cs, ss, NULL, 0);
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
    pcap_dump_close(out);
    pcap_close(dead);
    free(h);
    fprintf(stderr, "gen_heads: %s: %llu packets\n", argv[2], (unsigned long long)packets);
    return 0;
}
