/* netdecode.h - stage 2: link layer, IPv4/IPv6 and TCP headers down to a TCP segment. */
#ifndef WSI_NETDECODE_H
#define WSI_NETDECODE_H

#include <stddef.h>
#include <stdint.h>

/* TCP flags */
#define WSI_TH_FIN 0x01
#define WSI_TH_SYN 0x02
#define WSI_TH_RST 0x04
#define WSI_TH_PSH 0x08
#define WSI_TH_ACK 0x10

struct wsi_addr {
    uint8_t family;     /* 4 or 6 */
    uint8_t bytes[16];  /* IPv4 in the first 4 bytes, the rest zero */
};

/* A decoded TCP segment; pointers into the packet's bytes. */
struct wsi_tcpseg {
    struct wsi_addr src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;             /* WSI_TH_* */
    uint16_t window;
    const uint8_t *payload;    /* captured payload bytes */
    uint32_t payload_len;      /* captured payload length */
    uint32_t wire_payload_len; /* payload length per the IP header; > payload_len when
                                  the snap length cut the packet */
};

enum wsi_dec {
    WSI_DEC_OK = 0,       /* a TCP segment in *seg */
    WSI_DEC_NOT_TCP,      /* a valid packet that is not TCP (ARP, UDP, ICMP...): skip quietly */
    WSI_DEC_TRUNCATED,    /* cut by the capture before the TCP header ended */
    WSI_DEC_INVALID,      /* a header that cannot be right (IHL < 5, data offset < 5...) */
    WSI_DEC_FRAGMENT,     /* an IPv4/IPv6 fragment: reported, not parsed as TCP */
    WSI_DEC_BAD_LINK,     /* a link type we do not decode */
};

/* Decode one packet of link type `linktype` (DLT_*). caplen bytes are present,
 * wirelen were on the wire. On anything but OK, *why (if not NULL) gets a short
 * static explanation ("IPv4 header length 12 < 20", "link type 147 (USER0) not supported"). */
enum wsi_dec wsi_decode_packet(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                               struct wsi_tcpseg *seg, const char **why);

/* Name of a link type for messages, e.g. "EN10MB", "LINUX_SLL2", or "DLT 147". */
const char *wsi_linktype_name(int linktype, char buf[32]);

/* 1 when the link type is one wsi_decode_packet understands. */
int wsi_linktype_supported(int linktype);

/* Format an address ("127.0.0.1", "::1") into buf (INET6_ADDRSTRLEN). */
const char *wsi_addr_str(const struct wsi_addr *a, char buf[48]);

#endif
