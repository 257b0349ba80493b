/* netdecode.c - stage 2: peel the link layer, IPv4/IPv6 and TCP headers off a packet to reach its TCP segment. */
#include "netdecode.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "cursor.h"

/*
 * How the decoder tells the two kinds of short packet apart:
 *   - TRUNCATED: the capture kept fewer bytes than the headers need, but what
 *     the headers declare fits in what was on the wire (the snap length cut it);
 *   - INVALID: a header contradicts itself or the frame it came in (IHL < 5,
 *     an IP length longer than the frame on the wire, a TCP data offset past
 *     the end of the IP payload...).
 * Every field is read through a struct cursor over the captured bytes; the
 * lengths the headers declare are only compared, never used to index.
 */

/* Link-layer and protocol numbers this decoder knows. */
enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86DD,
    ETHERTYPE_VLAN = 0x8100,      /* 802.1Q customer tag */
    ETHERTYPE_QINQ = 0x88A8,      /* 802.1ad service tag */
    ETHERTYPE_QINQ_OLD = 0x9100,  /* pre-standard service tag, still seen */
    ETHER_MAX_LENGTH_FIELD = 1500, /* up to here the type field is an 802.3 length */
    MAX_VLAN_TAGS = 8,            /* deeper stacks are refused as invalid */
    ARPHRD_NETLINK = 824,         /* SLL/SLL2 hardware type of netlink captures */
    LINKTYPE_RAW_FILE = 101,      /* LINKTYPE_RAW as stored in files; pcap maps it to DLT_RAW */
    BSD_AF_INET = 2,
    BSD_AF_INET6_NETBSD = 24,     /* NetBSD, OpenBSD, BSD/OS */
    BSD_AF_INET6_FREEBSD = 28,    /* FreeBSD, DragonFly */
    BSD_AF_INET6_DARWIN = 30,     /* macOS, iOS */
    IPPROTO_NUM_HOPOPTS = 0,
    IPPROTO_NUM_TCP = 6,
    IPPROTO_NUM_ROUTING = 43,
    IPPROTO_NUM_FRAGMENT = 44,
    IPPROTO_NUM_ESP = 50,
    IPPROTO_NUM_AH = 51,
    IPPROTO_NUM_NONE = 59,
    IPPROTO_NUM_DSTOPTS = 60,
    MAX_IPV6_EXT_HEADERS = 16,    /* longer extension chains are refused as invalid */
    IPV6_OPT_PAD1 = 0,            /* the one hop-by-hop option without a length byte */
    IPV6_OPT_JUMBO = 0xC2,        /* RFC 2675 jumbo payload option */
};

/* State for decoding one packet. */
struct dec {
    struct cursor c;          /* captured bytes not decoded yet */
    const uint8_t *start;     /* first captured byte of the packet */
    uint32_t wirelen;         /* bytes on the wire (never less than caplen) */
    struct wsi_tcpseg *seg;   /* where the result goes */
    const char *why;          /* explanation for a non-OK result */
};

/* Record the explanation and pass the result through. */
static enum wsi_dec fail(struct dec *d, enum wsi_dec r, const char *why)
{
    d->why = why;
    return r;
}

/* Bytes that were on the wire from the cursor's position on. */
static uint32_t wire_left(const struct dec *d)
{
    uint32_t used = (uint32_t)(d->c.p - d->start);
    return used <= d->wirelen ? d->wirelen - used : 0;
}

/*
 * TCP header inside an IP payload. `ip` covers the captured part of the IP
 * payload; `declared` is the payload length the IP header announces.
 */
static enum wsi_dec decode_tcp(struct dec *d, struct cursor *ip, uint32_t declared)
{
    struct wsi_tcpseg *s = d->seg;
    if (declared < 20) return fail(d, WSI_DEC_INVALID, "IP payload shorter than a TCP header");
    if (cur_left(ip) < 20) {
        /* The data offset may already be visible: judge it before calling it a cut. */
        int off = cur_peek(ip, 12);
        if (off >= 0 && (off >> 4) < 5) return fail(d, WSI_DEC_INVALID, "TCP data offset < 5");
        if (off >= 0 && (uint32_t)(off >> 4) * 4 > declared)
            return fail(d, WSI_DEC_INVALID, "TCP data offset beyond the IP payload");
        return fail(d, WSI_DEC_TRUNCATED, "TCP header cut by the capture");
    }
    s->sport = cur_be16(ip);
    s->dport = cur_be16(ip);
    s->seq = cur_be32(ip);
    s->ack = cur_be32(ip);
    uint8_t off = cur_u8(ip);
    s->flags = cur_u8(ip);
    s->window = cur_be16(ip);
    cur_skip(ip, 4); /* checksum, urgent pointer */
    uint32_t hlen = (uint32_t)(off >> 4) * 4;
    if (hlen < 20) return fail(d, WSI_DEC_INVALID, "TCP data offset < 5");
    if (hlen > declared) return fail(d, WSI_DEC_INVALID, "TCP data offset beyond the IP payload");
    if (!cur_skip(ip, hlen - 20)) return fail(d, WSI_DEC_TRUNCATED, "TCP options cut by the capture");
    size_t have = cur_left(ip);
    s->payload_len = (uint32_t)have;
    s->payload = cur_bytes(ip, have);
    s->wire_payload_len = declared - hlen;
    return WSI_DEC_OK;
}

/* IPv4 header and what follows it. */
static enum wsi_dec decode_ipv4(struct dec *d)
{
    struct wsi_tcpseg *s = d->seg;
    int b0 = cur_peek(&d->c, 0);
    if (b0 < 0) return fail(d, WSI_DEC_TRUNCATED, "IPv4 header cut by the capture");
    if ((b0 >> 4) != 4) return fail(d, WSI_DEC_INVALID, "IPv4 header with a version other than 4");
    uint32_t ihl = (uint32_t)(b0 & 0x0F) * 4;
    if (ihl < 20) return fail(d, WSI_DEC_INVALID, "IPv4 header length < 20 (IHL < 5)");
    uint32_t on_wire = wire_left(d);
    if (cur_left(&d->c) < 20) return fail(d, WSI_DEC_TRUNCATED, "IPv4 header cut by the capture");

    cur_skip(&d->c, 2); /* version/IHL, TOS */
    uint32_t total = cur_be16(&d->c);
    cur_skip(&d->c, 2); /* identification */
    uint16_t frag = cur_be16(&d->c);
    cur_skip(&d->c, 1); /* TTL */
    uint8_t proto = cur_u8(&d->c);
    cur_skip(&d->c, 2); /* header checksum */
    s->src.family = s->dst.family = 4; /* the other 12 address bytes stay zero */
    cur_copy(&d->c, s->src.bytes, 4);
    cur_copy(&d->c, s->dst.bytes, 4);

    /* Total length 0 is what captures taken under TCP segmentation offload show:
     * the real length is the frame's. */
    if (total == 0) total = on_wire;
    if (total < ihl) return fail(d, WSI_DEC_INVALID, "IPv4 total length shorter than its header");
    if (total > on_wire) return fail(d, WSI_DEC_INVALID, "IPv4 total length beyond the frame on the wire");
    if (!cur_skip(&d->c, ihl - 20)) return fail(d, WSI_DEC_TRUNCATED, "IPv4 options cut by the capture");

    if ((frag & 0x2000) || (frag & 0x1FFF)) {
        /* A fragment of another protocol is just "not TCP"; a TCP one is reported. */
        if (proto != IPPROTO_NUM_TCP) return fail(d, WSI_DEC_NOT_TCP, "IPv4 fragment, not TCP");
        return fail(d, WSI_DEC_FRAGMENT, "IPv4 fragment of a TCP segment");
    }
    if (proto != IPPROTO_NUM_TCP) return fail(d, WSI_DEC_NOT_TCP, "IPv4, not TCP");

    /* The payload stops at the total length: Ethernet padding and trailers are dropped. */
    uint32_t declared = total - ihl;
    size_t have = cur_left(&d->c);
    struct cursor ip = cur_sub(&d->c, have < declared ? have : declared);
    return decode_tcp(d, &ip, declared);
}

/*
 * The hop-by-hop options of an IPv6 packet whose payload length is 0: find the
 * jumbo payload option. 1 with *jumbo set when found, 0 when absent, -1 when
 * the options are malformed.
 */
static int find_jumbo(struct cursor opts, uint32_t *jumbo)
{
    while (cur_left(&opts) > 0) {
        uint8_t type = cur_u8(&opts);
        if (type == IPV6_OPT_PAD1) continue;
        uint8_t len = cur_u8(&opts);
        const uint8_t *val = cur_bytes(&opts, len);
        if (!val) return -1;
        if (type == IPV6_OPT_JUMBO) {
            if (len != 4) return -1;
            struct cursor v;
            cur_init(&v, val, len);
            *jumbo = cur_be32(&v);
            return 1;
        }
    }
    return 0;
}

/* IPv6 header, its extension headers and what follows them. */
static enum wsi_dec decode_ipv6(struct dec *d)
{
    struct wsi_tcpseg *s = d->seg;
    int b0 = cur_peek(&d->c, 0);
    if (b0 < 0) return fail(d, WSI_DEC_TRUNCATED, "IPv6 header cut by the capture");
    if ((b0 >> 4) != 6) return fail(d, WSI_DEC_INVALID, "IPv6 header with a version other than 6");
    if (cur_left(&d->c) < 40) return fail(d, WSI_DEC_TRUNCATED, "IPv6 header cut by the capture");

    cur_skip(&d->c, 4); /* version, traffic class, flow label */
    uint32_t plen = cur_be16(&d->c);
    uint8_t next = cur_u8(&d->c);
    cur_skip(&d->c, 1); /* hop limit */
    s->src.family = s->dst.family = 6;
    cur_copy(&d->c, s->src.bytes, 16);
    cur_copy(&d->c, s->dst.bytes, 16);
    uint32_t on_wire = wire_left(d);
    int jumbo_needed = plen == 0;

    if (jumbo_needed) {
        /* A jumbogram (RFC 2675) says its length in a hop-by-hop option; if there
         * is none, this is a capture taken under segmentation offload (Linux BIG
         * TCP) and the frame's length is the only length there is. */
        plen = on_wire;
        if (next == IPPROTO_NUM_HOPOPTS) {
            if (cur_left(&d->c) < 2) return fail(d, WSI_DEC_TRUNCATED, "IPv6 hop-by-hop header cut by the capture");
            struct cursor h = d->c;
            cur_skip(&h, 1);
            size_t hlen = ((size_t)cur_u8(&h) + 1) * 8;
            if (hlen > on_wire) return fail(d, WSI_DEC_INVALID, "IPv6 hop-by-hop header beyond the frame on the wire");
            struct cursor opts = cur_sub(&h, hlen - 2);
            if (!cur_ok(&opts)) return fail(d, WSI_DEC_TRUNCATED, "IPv6 hop-by-hop header cut by the capture");
            uint32_t jumbo = 0;
            int r = find_jumbo(opts, &jumbo);
            if (r < 0) return fail(d, WSI_DEC_INVALID, "IPv6 hop-by-hop options malformed");
            if (r > 0) {
                if (jumbo <= 65535) return fail(d, WSI_DEC_INVALID, "IPv6 jumbo payload length <= 65535");
                plen = jumbo;
            }
        }
    }
    if (plen > on_wire) return fail(d, WSI_DEC_INVALID, "IPv6 payload length beyond the frame on the wire");

    /* Walk the extension headers; `declared` is what the IP header leaves for them and TCP. */
    size_t have = cur_left(&d->c);
    struct cursor ip = cur_sub(&d->c, have < plen ? have : plen);
    uint32_t declared = plen;
    for (int n = 0;; n++) {
        if (next == IPPROTO_NUM_TCP) return decode_tcp(d, &ip, declared);
        if (next == IPPROTO_NUM_ESP) return fail(d, WSI_DEC_NOT_TCP, "IPv6 ESP (encrypted), not TCP");
        if (next == IPPROTO_NUM_NONE) return fail(d, WSI_DEC_NOT_TCP, "IPv6 with no next header");
        if (next != IPPROTO_NUM_HOPOPTS && next != IPPROTO_NUM_ROUTING && next != IPPROTO_NUM_FRAGMENT &&
            next != IPPROTO_NUM_DSTOPTS && next != IPPROTO_NUM_AH)
            return fail(d, WSI_DEC_NOT_TCP, "IPv6, not TCP");
        if (next == IPPROTO_NUM_HOPOPTS && n > 0)
            return fail(d, WSI_DEC_INVALID, "IPv6 hop-by-hop header not first");
        if (n >= MAX_IPV6_EXT_HEADERS) return fail(d, WSI_DEC_INVALID, "too many IPv6 extension headers");
        if (declared < 8) return fail(d, WSI_DEC_INVALID, "IPv6 extension header beyond the payload length");
        if (cur_left(&ip) < 2) return fail(d, WSI_DEC_TRUNCATED, "IPv6 extension header cut by the capture");

        uint8_t hdr = next;
        next = cur_u8(&ip);
        uint8_t lenf = cur_u8(&ip);
        uint32_t hlen = hdr == IPPROTO_NUM_AH ? ((uint32_t)lenf + 2) * 4
                      : hdr == IPPROTO_NUM_FRAGMENT ? 8 : ((uint32_t)lenf + 1) * 8;
        if (hlen > declared) return fail(d, WSI_DEC_INVALID, "IPv6 extension header beyond the payload length");
        if (hdr == IPPROTO_NUM_FRAGMENT) {
            uint16_t offm = cur_be16(&ip);
            if (!cur_skip(&ip, 4)) return fail(d, WSI_DEC_TRUNCATED, "IPv6 fragment header cut by the capture");
            /* An atomic fragment (offset 0, no more fragments) holds the whole packet. */
            if ((offm & 0xFFF8) || (offm & 1)) {
                if (next == IPPROTO_NUM_TCP || next == IPPROTO_NUM_DSTOPTS || next == IPPROTO_NUM_ROUTING ||
                    next == IPPROTO_NUM_AH)
                    return fail(d, WSI_DEC_FRAGMENT, "IPv6 fragment of a TCP segment");
                return fail(d, WSI_DEC_NOT_TCP, "IPv6 fragment, not TCP");
            }
        } else if (!cur_skip(&ip, hlen - 2)) {
            return fail(d, WSI_DEC_TRUNCATED, "IPv6 extension header cut by the capture");
        }
        declared -= hlen;
    }
}

/* Dispatch on an Ethernet type, after any 802.1Q / 802.1ad tags. */
static enum wsi_dec decode_ethertype(struct dec *d, uint16_t type)
{
    for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD; tags++) {
        if (tags >= MAX_VLAN_TAGS) return fail(d, WSI_DEC_INVALID, "more than 8 VLAN tags");
        cur_skip(&d->c, 2); /* priority, DEI, VLAN id */
        type = cur_be16(&d->c);
        if (!cur_ok(&d->c)) return fail(d, WSI_DEC_TRUNCATED, "VLAN tag cut by the capture");
    }
    if (type == ETHERTYPE_IPV4) return decode_ipv4(d);
    if (type == ETHERTYPE_IPV6) return decode_ipv6(d);
    if (type <= ETHER_MAX_LENGTH_FIELD) return fail(d, WSI_DEC_NOT_TCP, "802.3 frame with an LLC header, not IP");
    return fail(d, WSI_DEC_NOT_TCP, "Ethernet type other than IPv4/IPv6");
}

/* Ethernet II: destination, source, type. */
static enum wsi_dec decode_ethernet(struct dec *d)
{
    cur_skip(&d->c, 12);
    uint16_t type = cur_be16(&d->c);
    if (!cur_ok(&d->c)) return fail(d, WSI_DEC_TRUNCATED, "Ethernet header cut by the capture");
    return decode_ethertype(d, type);
}

/* Linux cooked capture v1: packet type, ARPHRD type, address length, 8 address bytes, protocol. */
static enum wsi_dec decode_sll(struct dec *d)
{
    cur_skip(&d->c, 2);
    uint16_t hatype = cur_be16(&d->c);
    cur_skip(&d->c, 10);
    uint16_t proto = cur_be16(&d->c);
    if (!cur_ok(&d->c)) return fail(d, WSI_DEC_TRUNCATED, "Linux cooked header cut by the capture");
    if (hatype == ARPHRD_NETLINK) return fail(d, WSI_DEC_NOT_TCP, "netlink message, not IP");
    return decode_ethertype(d, proto);
}

/* Linux cooked capture v2: protocol, reserved, interface index, ARPHRD type, packet type, address. */
static enum wsi_dec decode_sll2(struct dec *d)
{
    uint16_t proto = cur_be16(&d->c);
    cur_skip(&d->c, 6);
    uint16_t hatype = cur_be16(&d->c);
    cur_skip(&d->c, 10);
    if (!cur_ok(&d->c)) return fail(d, WSI_DEC_TRUNCATED, "Linux cooked v2 header cut by the capture");
    if (hatype == ARPHRD_NETLINK) return fail(d, WSI_DEC_NOT_TCP, "netlink message, not IP");
    return decode_ethertype(d, proto);
}

/* A BSD address family from a NULL/LOOP header. */
static enum wsi_dec decode_family(struct dec *d, uint32_t family)
{
    if (family == BSD_AF_INET) return decode_ipv4(d);
    if (family == BSD_AF_INET6_NETBSD || family == BSD_AF_INET6_FREEBSD || family == BSD_AF_INET6_DARWIN)
        return decode_ipv6(d);
    return fail(d, WSI_DEC_NOT_TCP, "loopback address family other than IPv4/IPv6");
}

/*
 * DLT_NULL: the family is in the byte order of the machine that captured, which
 * need not be ours. Families are small numbers, so whichever reading fits in
 * 16 bits is the right one.
 */
static enum wsi_dec decode_null(struct dec *d)
{
    struct cursor peek = d->c;
    uint32_t le = cur_le32(&d->c);
    uint32_t be = cur_be32(&peek);
    if (!cur_ok(&d->c)) return fail(d, WSI_DEC_TRUNCATED, "loopback header cut by the capture");
    return decode_family(d, le <= 0xFFFF ? le : be);
}

/* DLT_LOOP: like DLT_NULL but always in network byte order. */
static enum wsi_dec decode_loop(struct dec *d)
{
    uint32_t family = cur_be32(&d->c);
    if (!cur_ok(&d->c)) return fail(d, WSI_DEC_TRUNCATED, "loopback header cut by the capture");
    return decode_family(d, family);
}

/* Raw IP: the version nibble says which. `want` is 4 or 6 for DLT_IPV4/6, 0 for either. */
static enum wsi_dec decode_raw(struct dec *d, int want)
{
    int b0 = cur_peek(&d->c, 0);
    if (b0 < 0) return fail(d, WSI_DEC_TRUNCATED, "raw IP packet cut by the capture");
    int version = b0 >> 4;
    if (want && version != want) return fail(d, WSI_DEC_INVALID, "IP version does not match the link type");
    if (version == 4) return decode_ipv4(d);
    if (version == 6) return decode_ipv6(d);
    return fail(d, WSI_DEC_INVALID, "raw IP packet with a version other than 4 or 6");
}

int wsi_linktype_supported(int linktype)
{
    switch (linktype) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
#if DLT_RAW != LINKTYPE_RAW_FILE
    case LINKTYPE_RAW_FILE:
#endif
    case DLT_IPV4:
    case DLT_IPV6:
        return 1;
    default:
        return 0;
    }
}

const char *wsi_linktype_name(int linktype, char buf[32])
{
    const char *name = linktype == LINKTYPE_RAW_FILE ? "RAW" : pcap_datalink_val_to_name(linktype);
    if (name)
        snprintf(buf, 32, "%s", name);
    else
        snprintf(buf, 32, "DLT %d", linktype);
    return buf;
}

/*
 * The explanation for an unsupported link type names it, so it cannot be a
 * string constant. It lives in a per-thread buffer that only this message
 * uses: it stays valid until the next unsupported-link result in the same
 * thread, which for one capture says the same thing again.
 */
static const char *bad_link_why(int linktype)
{
    static _Thread_local char why[96];
    char name[32];
    wsi_linktype_name(linktype, name);
    if (strncmp(name, "DLT ", 4) == 0) /* libpcap has no name for it */
        snprintf(why, sizeof why, "link type %d not supported", linktype);
    else
        snprintf(why, sizeof why, "link type %d (%s) not supported", linktype, name);
    return why;
}

enum wsi_dec wsi_decode_packet(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                               struct wsi_tcpseg *seg, const char **why)
{
    struct dec d;
    cur_init(&d.c, data, caplen);
    d.start = data;
    d.wirelen = wirelen < caplen ? caplen : wirelen; /* a file claiming less on the wire than it kept */
    d.seg = seg;
    d.why = NULL;
    memset(seg, 0, sizeof *seg);

    enum wsi_dec r;
    switch (linktype) {
    case DLT_EN10MB: r = decode_ethernet(&d); break;
    case DLT_LINUX_SLL: r = decode_sll(&d); break;
    case DLT_LINUX_SLL2: r = decode_sll2(&d); break;
    case DLT_NULL: r = decode_null(&d); break;
    case DLT_LOOP: r = decode_loop(&d); break;
    case DLT_RAW:
#if DLT_RAW != LINKTYPE_RAW_FILE
    case LINKTYPE_RAW_FILE:
#endif
        r = decode_raw(&d, 0);
        break;
    case DLT_IPV4: r = decode_raw(&d, 4); break;
    case DLT_IPV6: r = decode_raw(&d, 6); break;
    default: r = fail(&d, WSI_DEC_BAD_LINK, bad_link_why(linktype)); break;
    }
    if (why) *why = r == WSI_DEC_OK ? NULL : d.why;
    return r;
}

const char *wsi_addr_str(const struct wsi_addr *a, char buf[48])
{
    const char *s = NULL;
    if (a->family == 4)
        s = inet_ntop(AF_INET, a->bytes, buf, 48);
    else if (a->family == 6)
        s = inet_ntop(AF_INET6, a->bytes, buf, 48);
    if (!s) snprintf(buf, 48, "?");
    return buf;
}
