/* test_netdecode.c - stage 2 unit tests: hand-built packets for every link type, header quirk and cut point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "netdecode.h"

/* ---- packet builder ------------------------------------------------------ */

#define PKT_MAX 72000 /* room for a jumbogram */

/* A packet under construction. */
struct pkt {
    uint8_t b[PKT_MAX]; /* the bytes */
    size_t n;           /* bytes written so far */
};

static void p8(struct pkt *p, unsigned v)
{
    assert_true(p->n < PKT_MAX);
    p->b[p->n++] = (uint8_t)v;
}

static void p16(struct pkt *p, unsigned v)
{
    p8(p, v >> 8);
    p8(p, v);
}

static void p32(struct pkt *p, uint32_t v)
{
    p16(p, v >> 16);
    p16(p, v & 0xFFFF);
}

static void p32le(struct pkt *p, uint32_t v)
{
    p8(p, v & 0xFF);
    p8(p, (v >> 8) & 0xFF);
    p8(p, (v >> 16) & 0xFF);
    p8(p, v >> 24);
}

/* `n` bytes of value `v`. */
static void pfill(struct pkt *p, size_t n, unsigned v)
{
    while (n--) p8(p, v);
}

/* Overwrite a big-endian 16-bit field already written. */
static void patch16(struct pkt *p, size_t at, unsigned v)
{
    p->b[at] = (uint8_t)(v >> 8);
    p->b[at + 1] = (uint8_t)v;
}

static void eth(struct pkt *p, unsigned type)
{
    static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x01}, src[6] = {0x02, 0, 0, 0, 0, 0x02};
    for (int i = 0; i < 6; i++) p8(p, dst[i]);
    for (int i = 0; i < 6; i++) p8(p, src[i]);
    p16(p, type);
}

/* One VLAN tag's body (the tag type was the previous type field). */
static void vlan(struct pkt *p, unsigned vid, unsigned next)
{
    p16(p, vid);
    p16(p, next);
}

static void sll(struct pkt *p, unsigned hatype, unsigned proto)
{
    p16(p, 0);      /* sent to us */
    p16(p, hatype);
    p16(p, 6);
    pfill(p, 8, 0xAA);
    p16(p, proto);
}

static void sll2(struct pkt *p, unsigned proto, unsigned hatype)
{
    p16(p, proto);
    p16(p, 0);
    p32(p, 3);      /* interface index */
    p16(p, hatype);
    p8(p, 4);       /* outgoing */
    p8(p, 6);
    pfill(p, 8, 0xBB);
}

/* IPv4 header with `optlen` bytes of options; returns its offset for ip4_end. */
static size_t ip4(struct pkt *p, unsigned proto, unsigned frag, size_t optlen)
{
    size_t at = p->n;
    p8(p, 0x40 | (unsigned)((20 + optlen) / 4));
    p8(p, 0);
    p16(p, 0);        /* total length, patched by ip4_end */
    p16(p, 0x1234);
    p16(p, frag);
    p8(p, 64);
    p8(p, proto);
    p16(p, 0);
    p32(p, 0xC0000201); /* 192.0.2.1 */
    p32(p, 0xC6336402); /* 198.51.100.2 */
    for (size_t i = 0; i + 1 < optlen; i++) p8(p, 1); /* NOPs */
    if (optlen) p8(p, 0);                             /* end of options */
    return at;
}

static void ip4_end(struct pkt *p, size_t at)
{
    patch16(p, at + 2, (unsigned)(p->n - at));
}

/* IPv6 header; returns its offset for ip6_end. */
static size_t ip6(struct pkt *p, unsigned next)
{
    size_t at = p->n;
    p32(p, 0x60012345);
    p16(p, 0);        /* payload length, patched by ip6_end */
    p8(p, next);
    p8(p, 64);
    p32(p, 0x20010DB8); p32(p, 0); p32(p, 0); p32(p, 1); /* 2001:db8::1 */
    p32(p, 0x20010DB8); p32(p, 0); p32(p, 0); p32(p, 2); /* 2001:db8::2 */
    return at;
}

static void ip6_end(struct pkt *p, size_t at)
{
    patch16(p, at + 4, (unsigned)(p->n - at - 40));
}

/* A generic IPv6 extension header (hop-by-hop, routing, destination) of (units+1)*8 bytes. */
static void ext6(struct pkt *p, unsigned next, unsigned units)
{
    p8(p, next);
    p8(p, units);
    p8(p, 1); p8(p, (units + 1) * 8 - 4); /* a PadN option filling the rest */
    pfill(p, (units + 1) * 8 - 4, 0);
}

static void frag6(struct pkt *p, unsigned next, unsigned offset8, int more)
{
    p8(p, next);
    p8(p, 0);
    p16(p, (offset8 << 3) | (more ? 1u : 0u));
    p32(p, 0xCAFEF00D);
}

/* TCP header with `optlen` (multiple of 4) bytes of options, then `paylen` payload bytes 'a', 'b', ... */
static void tcp(struct pkt *p, unsigned sport, unsigned dport, size_t optlen, size_t paylen)
{
    p16(p, sport);
    p16(p, dport);
    p32(p, 0x01020304);
    p32(p, 0xA0B0C0D0);
    p8(p, (unsigned)((20 + optlen) / 4) << 4);
    p8(p, 0x18); /* PSH ACK */
    p16(p, 0xFAF0);
    p16(p, 0);
    p16(p, 0);
    static const uint8_t opts[20] = {2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7};
    for (size_t i = 0; i < optlen; i++) p8(p, i < sizeof opts ? opts[i] : 1);
    for (size_t i = 0; i < paylen; i++) p8(p, 'a' + (unsigned)(i % 26));
}

/* ---- the cases ------------------------------------------------------------ */

/* A packet builder: fills p, may change *caplen_cut (bytes to drop from the capture). */
typedef void (*build_fn)(struct pkt *p);

/* One table row. */
struct dcase {
    const char *name;         /* for failure messages */
    int linktype;             /* DLT_* given to the decoder */
    build_fn build;           /* makes the bytes */
    uint32_t snap_cut;        /* bytes left out of the capture (still on the wire) */
    enum wsi_dec want;        /* expected outcome */
    int family;               /* OK: 4 or 6 */
    uint32_t payload_len;     /* OK: captured payload */
    uint32_t wire_payload_len;/* OK: payload per the IP header */
    const char *why;          /* not OK: a piece of the explanation */
};

static void b_eth4(struct pkt *p) { eth(p, 0x0800); size_t a = ip4(p, 6, 0x4000, 0); tcp(p, 49152, 80, 0, 5); ip4_end(p, a); }
static void b_eth6(struct pkt *p) { eth(p, 0x86DD); size_t a = ip6(p, 6); tcp(p, 49152, 443, 0, 7); ip6_end(p, a); }
static void b_vlan(struct pkt *p) { eth(p, 0x8100); vlan(p, 42, 0x0800); size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 3); ip4_end(p, a); }
static void b_qinq(struct pkt *p) { eth(p, 0x88A8); vlan(p, 100, 0x8100); vlan(p, 42, 0x86DD); size_t a = ip6(p, 6); tcp(p, 1, 2, 0, 3); ip6_end(p, a); }
static void b_vlan3(struct pkt *p)
{
    eth(p, 0x9100); vlan(p, 1, 0x88A8); vlan(p, 2, 0x8100); vlan(p, 3, 0x0800);
    size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 9); ip4_end(p, a);
}
static void b_vlan9(struct pkt *p)
{
    eth(p, 0x8100);
    for (int i = 0; i < 8; i++) vlan(p, (unsigned)i, 0x8100);
    vlan(p, 9, 0x0800);
    size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 0); ip4_end(p, a);
}
static void b_sll4(struct pkt *p) { sll(p, 1, 0x0800); size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 11); ip4_end(p, a); }
static void b_sll_vlan(struct pkt *p) { sll(p, 1, 0x8100); vlan(p, 5, 0x0800); size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 4); ip4_end(p, a); }
static void b_sll2_6(struct pkt *p) { sll2(p, 0x86DD, 772); size_t a = ip6(p, 6); tcp(p, 1, 2, 0, 13); ip6_end(p, a); }
static void b_sll_netlink(struct pkt *p) { sll(p, 824, 0x0000); pfill(p, 20, 0); }
static void b_null_le4(struct pkt *p) { p32le(p, 2); size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 6); ip4_end(p, a); }
static void b_null_be4(struct pkt *p) { p32(p, 2); size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 6); ip4_end(p, a); }
static void b_null_le24(struct pkt *p) { p32le(p, 24); size_t a = ip6(p, 6); tcp(p, 1, 2, 0, 6); ip6_end(p, a); }
static void b_null_be28(struct pkt *p) { p32(p, 28); size_t a = ip6(p, 6); tcp(p, 1, 2, 0, 6); ip6_end(p, a); }
static void b_null_le30(struct pkt *p) { p32le(p, 30); size_t a = ip6(p, 6); tcp(p, 1, 2, 0, 6); ip6_end(p, a); }
static void b_null_other(struct pkt *p) { p32le(p, 7); pfill(p, 40, 0x45); }
static void b_loop4(struct pkt *p) { p32(p, 2); size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 2); ip4_end(p, a); }
static void b_loop6(struct pkt *p) { p32(p, 24); size_t a = ip6(p, 6); tcp(p, 1, 2, 0, 2); ip6_end(p, a); }
static void b_raw4(struct pkt *p) { size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 8); ip4_end(p, a); }
static void b_raw6(struct pkt *p) { size_t a = ip6(p, 6); tcp(p, 1, 2, 0, 8); ip6_end(p, a); }
static void b_raw_v5(struct pkt *p) { b_raw4(p); p->b[0] = 0x55; }
static void b_ip4opts(struct pkt *p) { eth(p, 0x0800); size_t a = ip4(p, 6, 0, 12); tcp(p, 1, 2, 0, 10); ip4_end(p, a); }
static void b_tcpopts(struct pkt *p) { eth(p, 0x0800); size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 20, 10); ip4_end(p, a); }
static void b_tcpopts40(struct pkt *p) { eth(p, 0x86DD); size_t a = ip6(p, 6); tcp(p, 1, 2, 40, 1); ip6_end(p, a); }
static void b_ext_chain(struct pkt *p)
{
    eth(p, 0x86DD);
    size_t a = ip6(p, 0);  /* hop-by-hop */
    ext6(p, 60, 0);        /* -> destination options, 8 bytes */
    ext6(p, 43, 1);        /* -> routing, 16 bytes */
    ext6(p, 6, 2);         /* -> TCP, 24 bytes */
    tcp(p, 1, 2, 12, 5);
    ip6_end(p, a);
}
static void b_ah(struct pkt *p)
{
    size_t a = ip6(p, 51);
    p8(p, 6); p8(p, 4); p16(p, 0); p32(p, 0x100); p32(p, 1); pfill(p, 12, 0x77); /* AH, (4+2)*4 = 24 bytes */
    tcp(p, 1, 2, 0, 3);
    ip6_end(p, a);
}
static void b_padding(struct pkt *p)
{
    eth(p, 0x0800); size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 0); ip4_end(p, a);
    pfill(p, 6, 0xEE);  /* up to the 60-byte minimum */
    p32(p, 0xDEADBEEF); /* and a frame check sequence */
}
static void b_padding6(struct pkt *p) { eth(p, 0x86DD); size_t a = ip6(p, 6); tcp(p, 1, 2, 0, 1); ip6_end(p, a); pfill(p, 9, 0xEE); }
static void b_snapcut(struct pkt *p) { eth(p, 0x0800); size_t a = ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 100); ip4_end(p, a); }
static void b_tso4(struct pkt *p) { eth(p, 0x0800); ip4(p, 6, 0, 0); tcp(p, 1, 2, 0, 3000); } /* total length left 0 */
static void b_bigtcp6(struct pkt *p) { eth(p, 0x86DD); ip6(p, 6); tcp(p, 1, 2, 0, 3000); }  /* payload length left 0 */
static void b_jumbo(struct pkt *p)
{
    size_t a = ip6(p, 0);
    (void)a;
    p8(p, 6); p8(p, 0); p8(p, 0xC2); p8(p, 4); p32(p, 8 + 20 + 70000); /* hop-by-hop with a jumbo option */
    tcp(p, 1, 2, 0, 70000 - 0);
}
static void b_jumbo_small(struct pkt *p)
{
    ip6(p, 0);
    p8(p, 6); p8(p, 0); p8(p, 0xC2); p8(p, 4); p32(p, 8 + 20 + 100);
    tcp(p, 1, 2, 0, 100);
}
static void b_atomic6(struct pkt *p) { size_t a = ip6(p, 44); frag6(p, 6, 0, 0); tcp(p, 1, 2, 0, 4); ip6_end(p, a); }
static void b_frag6_off(struct pkt *p) { size_t a = ip6(p, 44); frag6(p, 6, 185, 0); pfill(p, 30, 0x11); ip6_end(p, a); }
static void b_frag6_more(struct pkt *p) { size_t a = ip6(p, 44); frag6(p, 6, 0, 1); tcp(p, 1, 2, 0, 8); ip6_end(p, a); }
static void b_frag6_udp(struct pkt *p) { size_t a = ip6(p, 44); frag6(p, 17, 0, 1); pfill(p, 16, 0); ip6_end(p, a); }
static void b_frag4_mf(struct pkt *p) { eth(p, 0x0800); size_t a = ip4(p, 6, 0x2000, 0); tcp(p, 1, 2, 0, 16); ip4_end(p, a); }
static void b_frag4_off(struct pkt *p) { eth(p, 0x0800); size_t a = ip4(p, 6, 0x00B9, 0); pfill(p, 24, 0x22); ip4_end(p, a); }
static void b_frag4_udp(struct pkt *p) { eth(p, 0x0800); size_t a = ip4(p, 17, 0x2000, 0); pfill(p, 24, 0x22); ip4_end(p, a); }
static void b_arp(struct pkt *p) { eth(p, 0x0806); p16(p, 1); p16(p, 0x0800); p8(p, 6); p8(p, 4); p16(p, 1); pfill(p, 20, 0); }
static void b_llc(struct pkt *p) { eth(p, 46); p8(p, 0x42); p8(p, 0x42); p8(p, 3); pfill(p, 43, 0); }
static void b_udp4(struct pkt *p) { eth(p, 0x0800); size_t a = ip4(p, 17, 0, 0); p16(p, 53); p16(p, 53); p16(p, 12); p16(p, 0); p32(p, 0); ip4_end(p, a); }
static void b_icmp6(struct pkt *p) { eth(p, 0x86DD); size_t a = ip6(p, 58); p32(p, 0x80000000); p32(p, 0); ip6_end(p, a); }
static void b_esp6(struct pkt *p) { size_t a = ip6(p, 50); p32(p, 0x100); p32(p, 1); pfill(p, 16, 0x99); ip6_end(p, a); }
static void b_none6(struct pkt *p) { size_t a = ip6(p, 0); ext6(p, 59, 0); ip6_end(p, a); }
static void b_ihl4(struct pkt *p) { b_eth4(p); p->b[14] = 0x44; }
static void b_ihl0(struct pkt *p) { b_eth4(p); p->b[14] = 0x40; }
static void b_ipver(struct pkt *p) { b_eth4(p); p->b[14] = 0x65; }
static void b_total_small(struct pkt *p) { b_eth4(p); patch16(p, 16, 19); }
static void b_total_big(struct pkt *p) { b_eth4(p); patch16(p, 16, 1500); }
static void b_doff4(struct pkt *p) { b_eth4(p); p->b[14 + 20 + 12] = 0x40; }
static void b_doff_big(struct pkt *p) { b_eth4(p); p->b[14 + 20 + 12] = 0xF0; } /* 60 > 25 bytes of IP payload */
static void b_tcp_short(struct pkt *p) { eth(p, 0x0800); size_t a = ip4(p, 6, 0, 0); pfill(p, 12, 0); ip4_end(p, a); }
static void b_plen_big(struct pkt *p) { b_eth6(p); patch16(p, 14 + 4, 900); }
static void b_ext_over(struct pkt *p) { eth(p, 0x86DD); size_t a = ip6(p, 60); ext6(p, 6, 3); ip6_end(p, a); patch16(p, a + 4, 16); }
static void b_hbh_late(struct pkt *p) { size_t a = ip6(p, 60); ext6(p, 0, 0); ext6(p, 6, 0); tcp(p, 1, 2, 0, 1); ip6_end(p, a); }
static void b_v6_in_ipv4(struct pkt *p) { b_raw6(p); }

/* The full table. payload/wire lengths are those of the bytes built above. */
static const struct dcase cases[] = {
    {"ethernet ipv4", DLT_EN10MB, b_eth4, 0, WSI_DEC_OK, 4, 5, 5, NULL},
    {"ethernet ipv6", DLT_EN10MB, b_eth6, 0, WSI_DEC_OK, 6, 7, 7, NULL},
    {"802.1Q", DLT_EN10MB, b_vlan, 0, WSI_DEC_OK, 4, 3, 3, NULL},
    {"802.1ad QinQ", DLT_EN10MB, b_qinq, 0, WSI_DEC_OK, 6, 3, 3, NULL},
    {"three tags incl. 0x9100", DLT_EN10MB, b_vlan3, 0, WSI_DEC_OK, 4, 9, 9, NULL},
    {"nine tags", DLT_EN10MB, b_vlan9, 0, WSI_DEC_INVALID, 0, 0, 0, "VLAN"},
    {"SLL ipv4", DLT_LINUX_SLL, b_sll4, 0, WSI_DEC_OK, 4, 11, 11, NULL},
    {"SLL 802.1Q", DLT_LINUX_SLL, b_sll_vlan, 0, WSI_DEC_OK, 4, 4, 4, NULL},
    {"SLL2 ipv6", DLT_LINUX_SLL2, b_sll2_6, 0, WSI_DEC_OK, 6, 13, 13, NULL},
    {"SLL netlink", DLT_LINUX_SLL, b_sll_netlink, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "netlink"},
    {"NULL LE AF_INET", DLT_NULL, b_null_le4, 0, WSI_DEC_OK, 4, 6, 6, NULL},
    {"NULL BE AF_INET", DLT_NULL, b_null_be4, 0, WSI_DEC_OK, 4, 6, 6, NULL},
    {"NULL LE AF_INET6 24", DLT_NULL, b_null_le24, 0, WSI_DEC_OK, 6, 6, 6, NULL},
    {"NULL BE AF_INET6 28", DLT_NULL, b_null_be28, 0, WSI_DEC_OK, 6, 6, 6, NULL},
    {"NULL LE AF_INET6 30", DLT_NULL, b_null_le30, 0, WSI_DEC_OK, 6, 6, 6, NULL},
    {"NULL other family", DLT_NULL, b_null_other, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "family"},
    {"LOOP ipv4", DLT_LOOP, b_loop4, 0, WSI_DEC_OK, 4, 2, 2, NULL},
    {"LOOP ipv6", DLT_LOOP, b_loop6, 0, WSI_DEC_OK, 6, 2, 2, NULL},
    {"RAW ipv4", DLT_RAW, b_raw4, 0, WSI_DEC_OK, 4, 8, 8, NULL},
    {"RAW ipv6", DLT_RAW, b_raw6, 0, WSI_DEC_OK, 6, 8, 8, NULL},
    {"LINKTYPE_RAW 101", 101, b_raw6, 0, WSI_DEC_OK, 6, 8, 8, NULL},
    {"IPV4 228", DLT_IPV4, b_raw4, 0, WSI_DEC_OK, 4, 8, 8, NULL},
    {"IPV6 229", DLT_IPV6, b_raw6, 0, WSI_DEC_OK, 6, 8, 8, NULL},
    {"IPV4 228 carrying ipv6", DLT_IPV4, b_v6_in_ipv4, 0, WSI_DEC_INVALID, 0, 0, 0, "version"},
    {"RAW version 5", DLT_RAW, b_raw_v5, 0, WSI_DEC_INVALID, 0, 0, 0, "version"},
    {"ipv4 options", DLT_EN10MB, b_ip4opts, 0, WSI_DEC_OK, 4, 10, 10, NULL},
    {"tcp options", DLT_EN10MB, b_tcpopts, 0, WSI_DEC_OK, 4, 10, 10, NULL},
    {"tcp 40 bytes of options", DLT_EN10MB, b_tcpopts40, 0, WSI_DEC_OK, 6, 1, 1, NULL},
    {"ipv6 hbh+dst+routing chain", DLT_EN10MB, b_ext_chain, 0, WSI_DEC_OK, 6, 5, 5, NULL},
    {"ipv6 AH", DLT_RAW, b_ah, 0, WSI_DEC_OK, 6, 3, 3, NULL},
    {"ethernet padding + FCS", DLT_EN10MB, b_padding, 0, WSI_DEC_OK, 4, 0, 0, NULL},
    {"ethernet padding ipv6", DLT_EN10MB, b_padding6, 0, WSI_DEC_OK, 6, 1, 1, NULL},
    {"snap length cut", DLT_EN10MB, b_snapcut, 60, WSI_DEC_OK, 4, 40, 100, NULL},
    {"ipv4 total length 0 (TSO)", DLT_EN10MB, b_tso4, 0, WSI_DEC_OK, 4, 3000, 3000, NULL},
    {"ipv6 payload length 0 (BIG TCP)", DLT_EN10MB, b_bigtcp6, 0, WSI_DEC_OK, 6, 3000, 3000, NULL},
    {"ipv6 jumbogram", DLT_IPV6, b_jumbo, 0, WSI_DEC_OK, 6, 70000, 70000, NULL},
    {"ipv6 jumbo <= 65535", DLT_IPV6, b_jumbo_small, 0, WSI_DEC_INVALID, 0, 0, 0, "jumbo"},
    {"ipv6 atomic fragment", DLT_RAW, b_atomic6, 0, WSI_DEC_OK, 6, 4, 4, NULL},
    {"ipv6 fragment offset", DLT_RAW, b_frag6_off, 0, WSI_DEC_FRAGMENT, 0, 0, 0, "fragment"},
    {"ipv6 fragment M", DLT_RAW, b_frag6_more, 0, WSI_DEC_FRAGMENT, 0, 0, 0, "fragment"},
    {"ipv6 UDP fragment", DLT_RAW, b_frag6_udp, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "not TCP"},
    {"ipv4 fragment MF", DLT_EN10MB, b_frag4_mf, 0, WSI_DEC_FRAGMENT, 0, 0, 0, "fragment"},
    {"ipv4 fragment offset", DLT_EN10MB, b_frag4_off, 0, WSI_DEC_FRAGMENT, 0, 0, 0, "fragment"},
    {"ipv4 UDP fragment", DLT_EN10MB, b_frag4_udp, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "not TCP"},
    {"ARP", DLT_EN10MB, b_arp, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "Ethernet type"},
    {"802.3 LLC", DLT_EN10MB, b_llc, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "802.3"},
    {"UDP", DLT_EN10MB, b_udp4, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "not TCP"},
    {"ICMPv6", DLT_EN10MB, b_icmp6, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "not TCP"},
    {"ESP", DLT_RAW, b_esp6, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "ESP"},
    {"no next header", DLT_RAW, b_none6, 0, WSI_DEC_NOT_TCP, 0, 0, 0, "no next header"},
    {"IHL 4", DLT_EN10MB, b_ihl4, 0, WSI_DEC_INVALID, 0, 0, 0, "IHL"},
    {"IHL 0", DLT_EN10MB, b_ihl0, 0, WSI_DEC_INVALID, 0, 0, 0, "IHL"},
    {"ipv4 version 6 in header", DLT_EN10MB, b_ipver, 0, WSI_DEC_INVALID, 0, 0, 0, "version"},
    {"total length < IHL", DLT_EN10MB, b_total_small, 0, WSI_DEC_INVALID, 0, 0, 0, "total length"},
    {"total length > frame", DLT_EN10MB, b_total_big, 0, WSI_DEC_INVALID, 0, 0, 0, "total length"},
    {"data offset 4", DLT_EN10MB, b_doff4, 0, WSI_DEC_INVALID, 0, 0, 0, "data offset"},
    {"data offset past payload", DLT_EN10MB, b_doff_big, 0, WSI_DEC_INVALID, 0, 0, 0, "data offset"},
    {"IP payload < TCP header", DLT_EN10MB, b_tcp_short, 0, WSI_DEC_INVALID, 0, 0, 0, "TCP header"},
    {"ipv6 payload length > frame", DLT_EN10MB, b_plen_big, 0, WSI_DEC_INVALID, 0, 0, 0, "payload length"},
    {"ipv6 ext header past payload", DLT_EN10MB, b_ext_over, 0, WSI_DEC_INVALID, 0, 0, 0, "extension header"},
    {"ipv6 hop-by-hop not first", DLT_RAW, b_hbh_late, 0, WSI_DEC_INVALID, 0, 0, 0, "hop-by-hop"},
    {"802.11 link", DLT_IEEE802_11, b_eth4, 0, WSI_DEC_BAD_LINK, 0, 0, 0, "link type 105 (IEEE802_11) not supported"},
    {"PPP link", DLT_PPP, b_eth4, 0, WSI_DEC_BAD_LINK, 0, 0, 0, "link type 9 (PPP) not supported"},
    {"unnamed link", 147, b_eth4, 0, WSI_DEC_BAD_LINK, 0, 0, 0, "link type 147 not supported"},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* Build case `c` into a fresh heap buffer of exactly its captured size. */
static uint8_t *build_case(const struct dcase *c, uint32_t *caplen, uint32_t *wirelen)
{
    struct pkt *p = calloc(1, sizeof *p);
    assert_non_null(p);
    c->build(p);
    assert_true(p->n > c->snap_cut);
    *wirelen = (uint32_t)p->n;
    *caplen = (uint32_t)(p->n - c->snap_cut);
    uint8_t *buf = malloc(*caplen);
    assert_non_null(buf);
    memcpy(buf, p->b, *caplen);
    free(p);
    return buf;
}

/* Every row: the outcome, the lengths, and a why for non-OK results. */
static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        const struct dcase *c = &cases[i];
        uint32_t caplen, wirelen;
        uint8_t *buf = build_case(c, &caplen, &wirelen);
        struct wsi_tcpseg seg;
        const char *why = "untouched";
        enum wsi_dec r = wsi_decode_packet(c->linktype, buf, caplen, wirelen, &seg, &why);
        if (r != c->want) fail_msg("%s: got %d want %d (%s)", c->name, r, c->want, why ? why : "-");
        if (r == WSI_DEC_OK) {
            if (seg.src.family != c->family || seg.payload_len != c->payload_len ||
                seg.wire_payload_len != c->wire_payload_len)
                fail_msg("%s: family %d payload %u wire %u", c->name, seg.src.family, seg.payload_len,
                         seg.wire_payload_len);
            assert_null(why);
            /* The payload is the last payload_len captured bytes before any padding: 'a', 'b', ... */
            assert_true(seg.payload >= buf && seg.payload + seg.payload_len <= buf + caplen);
            for (uint32_t k = 0; k < seg.payload_len; k++)
                if (seg.payload[k] != 'a' + k % 26) fail_msg("%s: payload byte %u", c->name, k);
        } else {
            assert_non_null(why);
            if (!strstr(why, c->why)) fail_msg("%s: why \"%s\" lacks \"%s\"", c->name, why, c->why);
        }
        free(buf);
    }
}

/* All the fields of one segment, and the address formatter. */
static void test_fields(void **state)
{
    (void)state;
    uint32_t caplen, wirelen;
    char a[48];
    uint8_t *buf = build_case(&cases[0], &caplen, &wirelen);
    struct wsi_tcpseg seg;
    assert_int_equal(wsi_decode_packet(DLT_EN10MB, buf, caplen, wirelen, &seg, NULL), WSI_DEC_OK);
    assert_int_equal(seg.sport, 49152);
    assert_int_equal(seg.dport, 80);
    assert_int_equal(seg.seq, 0x01020304);
    assert_int_equal(seg.ack, 0xA0B0C0D0);
    assert_int_equal(seg.flags, WSI_TH_PSH | WSI_TH_ACK);
    assert_int_equal(seg.window, 0xFAF0);
    assert_string_equal(wsi_addr_str(&seg.src, a), "192.0.2.1");
    assert_string_equal(wsi_addr_str(&seg.dst, a), "198.51.100.2");
    assert_int_equal(seg.src.bytes[4], 0);
    assert_memory_equal(seg.payload, "abcde", 5);
    free(buf);

    buf = build_case(&cases[1], &caplen, &wirelen);
    assert_int_equal(wsi_decode_packet(DLT_EN10MB, buf, caplen, wirelen, &seg, NULL), WSI_DEC_OK);
    assert_string_equal(wsi_addr_str(&seg.src, a), "2001:db8::1");
    assert_string_equal(wsi_addr_str(&seg.dst, a), "2001:db8::2");
    assert_int_equal(seg.dport, 443);
    free(buf);

    struct wsi_addr bad = {0, {0}};
    assert_string_equal(wsi_addr_str(&bad, a), "?");
}

/*
 * Cut every OK packet at every length, each cut in its own exact-size buffer,
 * with the wire length still the full one (a snap-length cut). Before the end
 * of the TCP header the result must be TRUNCATED; from there on OK with the
 * payload cut to what is left.
 */
static void test_every_cut(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        const struct dcase *c = &cases[i];
        if (c->want != WSI_DEC_OK) continue;
        uint32_t caplen, wirelen;
        uint8_t *full = build_case(c, &caplen, &wirelen);
        struct wsi_tcpseg seg;
        assert_int_equal(wsi_decode_packet(c->linktype, full, caplen, wirelen, &seg, NULL), WSI_DEC_OK);
        size_t hdr_end = (size_t)(seg.payload - full);
        size_t pay_end = hdr_end + seg.payload_len;
        uint32_t wire_pay = seg.wire_payload_len;
        for (uint32_t cut = 0; cut <= caplen; cut++) {
            /* In a big payload every byte past the headers is like the next: sample it. */
            if (cut > hdr_end + 64 && cut + 64 < caplen && cut % 251 != 0) continue;
            uint8_t *b = malloc(cut ? cut : 1);
            assert_non_null(b);
            memcpy(b, full, cut);
            const char *why = NULL;
            enum wsi_dec r = wsi_decode_packet(c->linktype, cut ? b : NULL, cut, wirelen, &seg, &why);
            if (cut < hdr_end) {
                if (r != WSI_DEC_TRUNCATED)
                    fail_msg("%s cut at %u: got %d (%s), want TRUNCATED", c->name, cut, r, why ? why : "-");
                assert_non_null(why);
            } else {
                size_t want_len = (cut < pay_end ? cut : pay_end) - hdr_end;
                if (r != WSI_DEC_OK || seg.payload != b + hdr_end || seg.payload_len != want_len ||
                    seg.wire_payload_len != wire_pay)
                    fail_msg("%s cut at %u: got %d (%s) len %u", c->name, cut, r, why ? why : "-", seg.payload_len);
            }
            free(b);
        }
        free(full);
    }
}

/*
 * Every row, cut everywhere with caplen == wirelen (the frame itself was
 * short): no crash, no over-read, and an OK payload stays inside the buffer.
 */
static void test_every_cut_short_frame(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        const struct dcase *c = &cases[i];
        uint32_t caplen, wirelen;
        uint8_t *full = build_case(c, &caplen, &wirelen);
        for (uint32_t cut = 0; cut <= caplen; cut++) {
            if (cut > 200 && cut + 64 < caplen && cut % 251 != 0) continue; /* sample big payloads */
            uint8_t *b = malloc(cut ? cut : 1);
            assert_non_null(b);
            memcpy(b, full, cut);
            struct wsi_tcpseg seg;
            const char *why = NULL;
            enum wsi_dec r = wsi_decode_packet(c->linktype, b, cut, cut, &seg, &why);
            if (r == WSI_DEC_OK) {
                assert_true(seg.payload >= b && seg.payload + seg.payload_len <= b + cut);
                assert_true(seg.payload_len <= seg.wire_payload_len);
            } else {
                assert_non_null(why);
            }
            /* An IP length longer than the short frame is impossible, not a capture cut. */
            if (c->want == WSI_DEC_OK && cut < caplen && cut >= 14 + 40 + 20 && c->linktype == DLT_EN10MB &&
                c->snap_cut == 0 && c->build != b_padding && c->build != b_padding6 && c->build != b_tso4 &&
                c->build != b_bigtcp6)
                assert_int_equal(r, WSI_DEC_INVALID);
            free(b);
        }
        free(full);
    }
}

/* Random byte flips over every row: outcomes vary, memory safety must not. */
static void test_mutations(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < NCASES; i++) {
        const struct dcase *c = &cases[i];
        uint32_t caplen, wirelen;
        uint8_t *full = build_case(c, &caplen, &wirelen);
        if (caplen > 4096) { free(full); continue; }
        for (int round = 0; round < 300; round++) {
            uint8_t *b = malloc(caplen);
            assert_non_null(b);
            memcpy(b, full, caplen);
            for (int k = 0; k < 3; k++) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                b[(x >> 8) % caplen] = (uint8_t)x;
            }
            struct wsi_tcpseg seg;
            const char *why = NULL;
            uint32_t wl = (round & 1) ? wirelen : caplen;
            enum wsi_dec r = wsi_decode_packet(c->linktype, b, caplen, wl, &seg, &why);
            assert_true(r >= WSI_DEC_OK && r <= WSI_DEC_BAD_LINK);
            if (r == WSI_DEC_OK)
                assert_true(seg.payload >= b && seg.payload + seg.payload_len <= b + caplen &&
                            seg.payload_len <= seg.wire_payload_len);
            else
                assert_non_null(why);
            free(b);
        }
        free(full);
    }
}

/* The NULL header in a byte order other than ours decodes the same. */
static void test_null_both_orders(void **state)
{
    (void)state;
    struct pkt *p = calloc(1, sizeof *p), *q = calloc(1, sizeof *q);
    assert_non_null(p);
    assert_non_null(q);
    b_null_le4(p);
    b_null_be4(q);
    assert_int_equal(p->n, q->n);
    assert_memory_not_equal(p->b, q->b, 4);
    struct wsi_tcpseg s1, s2;
    assert_int_equal(wsi_decode_packet(DLT_NULL, p->b, (uint32_t)p->n, (uint32_t)p->n, &s1, NULL), WSI_DEC_OK);
    assert_int_equal(wsi_decode_packet(DLT_NULL, q->b, (uint32_t)q->n, (uint32_t)q->n, &s2, NULL), WSI_DEC_OK);
    assert_int_equal(s1.sport, s2.sport);
    assert_int_equal(s1.payload_len, s2.payload_len);
    /* DLT_LOOP is network order only: a little-endian 2 is not AF_INET there. */
    assert_int_equal(wsi_decode_packet(DLT_LOOP, p->b, (uint32_t)p->n, (uint32_t)p->n, &s1, NULL), WSI_DEC_NOT_TCP);
    free(p);
    free(q);
}

/* Names and the supported list. */
static void test_linktypes(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(wsi_linktype_name(DLT_EN10MB, b), "EN10MB");
    assert_string_equal(wsi_linktype_name(DLT_LINUX_SLL2, b), "LINUX_SLL2");
    assert_string_equal(wsi_linktype_name(101, b), "RAW");
    assert_string_equal(wsi_linktype_name(4242, b), "DLT 4242");
    const int yes[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP, DLT_RAW, 101, DLT_IPV4, DLT_IPV6};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) assert_true(wsi_linktype_supported(yes[i]));
    assert_false(wsi_linktype_supported(DLT_IEEE802_11_RADIO));
    assert_false(wsi_linktype_supported(DLT_PPP));
    assert_false(wsi_linktype_supported(-1));
}

/* ---- real captures -------------------------------------------------------- */

#define SHARED "../shared/third-party-captures/"

/* What tshark 4.0 reports for one third-party capture. */
struct real {
    const char *file;      /* under SHARED */
    int linktype;          /* of the file */
    uint64_t packets;      /* all TCP */
    uint64_t payload;      /* sum of tcp.len */
    uint16_t sport, dport; /* of packet 1 */
    int family;            /* of packet 1 */
};

/* Totals over one capture. */
struct tally {
    uint64_t packets, ok, payload; /* packets seen, decoded OK, payload bytes */
    uint16_t sport, dport;         /* packet 1's ports */
    int family;                    /* packet 1's family */
    char first_bad[160];           /* the first packet that did not decode */
};

static void tally_packet(void *user, const struct wsi_packet *pkt)
{
    struct tally *t = user;
    struct wsi_tcpseg seg;
    const char *why = NULL;
    t->packets++;
    enum wsi_dec r = wsi_decode_packet(pkt->linktype, pkt->data, pkt->caplen, pkt->len, &seg, &why);
    if (r != WSI_DEC_OK || seg.payload_len != seg.wire_payload_len) {
        if (!t->first_bad[0])
            snprintf(t->first_bad, sizeof t->first_bad, "packet %llu: %d %s", (unsigned long long)pkt->num, r,
                     why ? why : "cut payload");
        return;
    }
    t->ok++;
    t->payload += seg.payload_len;
    if (pkt->num == 1) {
        t->sport = seg.sport;
        t->dport = seg.dport;
        t->family = seg.src.family;
    }
}

/* Every packet of some real captures decodes as TCP, with tshark's payload totals. */
static void test_real_captures(void **state)
{
    (void)state;
    if (access(SHARED, R_OK) != 0) {
        print_message("skipped: " SHARED " is absent (only the project's shared workspace has it)\n");
        skip();
    }
    static const struct real reals[] = {
        {"ndn-tools/ipv4-websocket-segmented.pcap", DLT_EN10MB, 23, 6589, 59622, 9696, 4},
        {"ndn-tools/ipv6-websocket-segmented.pcap", DLT_EN10MB, 13, 6100, 59720, 9696, 6},
        {"suricata-verify/websocket-ping_input.pcap", DLT_LINUX_SLL, 19, 381, 55371, 10301, 4},
        {"zeek/oversized-close-frame.pcapng", DLT_EN10MB, 8, 551, 40081, 80, 4},
        {"zeek/wstunnel-https.pcap", DLT_EN10MB, 124, 87718, 39992, 8888, 4},
        {"zeek/wstunnel-ssh.pcap", DLT_EN10MB, 258, 23198, 42906, 8888, 4},
    };
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        char path[256], err[WSI_ERRBUF];
        snprintf(path, sizeof path, SHARED "%s", reals[i].file);
        struct wsi_capture *cap = wsi_capture_open_file(path, err);
        if (!cap) fail_msg("%s", err);
        assert_int_equal(wsi_capture_linktype(cap), reals[i].linktype);
        struct tally t;
        memset(&t, 0, sizeof t);
        assert_int_equal(wsi_capture_run(cap, 0, tally_packet, &t, err), 0);
        wsi_capture_close(cap);
        if (t.first_bad[0]) fail_msg("%s: %s", reals[i].file, t.first_bad);
        assert_int_equal(t.packets, reals[i].packets);
        assert_int_equal(t.ok, reals[i].packets);
        assert_int_equal(t.payload, reals[i].payload);
        assert_int_equal(t.sport, reals[i].sport);
        assert_int_equal(t.dport, reals[i].dport);
        assert_int_equal(t.family, reals[i].family);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_every_cut),
        cmocka_unit_test(test_every_cut_short_frame),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_null_both_orders),
        cmocka_unit_test(test_linktypes),
        cmocka_unit_test(test_real_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
