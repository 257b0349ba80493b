/* fuzz_netdecode.c - libFuzzer harness for the link/IPv4/IPv6/TCP decoder (inspector/netdecode.c).
 *
 * Input layout:
 *   byte 0      link type: an index into the table below (every type the decoder
 *               supports, plus two it does not)
 *   byte 1      wire length: bit 7 set = caplen minus the low bits (a file that claims
 *               less on the wire than it kept), else caplen plus (low bits * 97)
 *   the rest    the captured packet bytes (an exact-size heap copy)
 *
 * Besides the sanitizers, the harness checks what the header promises: a decoded
 * segment's payload lies inside the captured bytes, its wire payload length is
 * at least its captured one, the addresses have a family, and any other result
 * comes with an explanation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "fuzz_common.h"
#include "netdecode.h"

static const int linktypes[] = {
    DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP, DLT_RAW,
    101 /* LINKTYPE_RAW as a file stores it */, DLT_IPV4, DLT_IPV6,
    DLT_USER0 /* unsupported */, DLT_IEEE802_11 /* unsupported */,
};
#define NLINK (sizeof linktypes / sizeof *linktypes)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};
    int lt = linktypes[fz_u8(&in) % NLINK];
    uint8_t wl = fz_u8(&in);
    size_t n = in.left;
    if (n > 262144) n = 262144; /* a pcap record is never larger */
    uint8_t *pkt = fz_dup(in.p, n);
    uint32_t caplen = (uint32_t)n;
    uint32_t wirelen = (wl & 0x80) ? caplen - ((wl & 0x7f) < caplen ? (wl & 0x7f) : caplen)
                                   : caplen + (uint32_t)wl * 97u;

    struct wsi_tcpseg seg;
    const char *why = (const char *)1;
    enum wsi_dec r = wsi_decode_packet(lt, pkt, caplen, wirelen, &seg, &why);
    char name[32], a[48];
    (void)wsi_linktype_name(lt, name);
    FUZZ_CHECK(wsi_linktype_supported(lt) == (r != WSI_DEC_BAD_LINK), "link type %d: result %d", lt, (int)r);

    if (r == WSI_DEC_OK) {
        FUZZ_CHECK(why == NULL, "OK with an explanation");
        FUZZ_CHECK(seg.src.family == 4 || seg.src.family == 6, "source family %u", seg.src.family);
        FUZZ_CHECK(seg.dst.family == seg.src.family, "families %u/%u", seg.src.family, seg.dst.family);
        FUZZ_CHECK(seg.payload_len <= caplen, "payload %u > caplen %u", seg.payload_len, caplen);
        if (seg.payload_len)
            FUZZ_CHECK(seg.payload >= pkt && seg.payload + seg.payload_len <= pkt + caplen,
                       "payload outside the packet");
        FUZZ_CHECK(seg.wire_payload_len >= seg.payload_len, "wire payload %u < captured %u", seg.wire_payload_len,
                   seg.payload_len);
        /* the wire length bounds the wire payload */
        uint32_t wire = wirelen < caplen ? caplen : wirelen;
        FUZZ_CHECK(seg.wire_payload_len <= wire, "wire payload %u > wire length %u", seg.wire_payload_len, wire);
        (void)fz_fnv(FZ_FNV_INIT, seg.payload, seg.payload_len); /* touch every payload byte */
        (void)wsi_addr_str(&seg.src, a);
        (void)wsi_addr_str(&seg.dst, a);
    } else {
        FUZZ_CHECK(r == WSI_DEC_NOT_TCP || r == WSI_DEC_TRUNCATED || r == WSI_DEC_INVALID || r == WSI_DEC_FRAGMENT ||
                       r == WSI_DEC_BAD_LINK,
                   "result %d", (int)r);
        FUZZ_CHECK(why != NULL && why != (const char *)1 && why[0] != '\0', "result %d without an explanation",
                   (int)r);
        (void)strlen(why);
    }
    /* the same bytes under a NULL why pointer, which callers may pass */
    (void)wsi_decode_packet(lt, pkt, caplen, wirelen, &seg, NULL);
    free(pkt);
    return 0;
}
