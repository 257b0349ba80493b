/* fuzz_inflate.c - libFuzzer harness for permessage-deflate (inspector/inflate.c):
 * the negotiated-parameter parser and the per-direction inflater.
 *
 * Input layout:
 *   byte 0      bit 0: no context takeover; bits 2-3: preview_max choice
 *   byte 1      length L of a Sec-WebSocket-Extensions value, then its L bytes
 *   then messages until the input ends:
 *     byte      bit 0: text (UTF-8 checked); bit 1: a gap breaks the message midway
 *     2 bytes   split point within the message (big-endian, modulo its length + 1)
 *     2 bytes   length (cut to what is left), then the compressed payload
 *   fuzz/make-seeds.sh writes real deflate streams in this form.
 *
 * Two inflaters get the same messages: one whole, one cut at the split point.
 * The header promises "any split", so after every message both must agree on
 * everything they report (result, error, byte counts, preview, UTF-8 verdict,
 * cut, broken); a difference aborts. Also checked: the output cap, the preview
 * bounds, and that parameters parsed without error are in their ranges.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "inflate.h"

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void compare(const struct wsi_inflate *a, const struct wsi_inflate *b, int ra, int rb, unsigned msg)
{
    FUZZ_CHECK(ra == rb, "message %u: end() %d whole, %d split", msg, ra, rb);
    FUZZ_CHECK(str_eq(a->error, b->error), "message %u: error '%s' whole, '%s' split", msg,
               a->error ? a->error : "(none)", b->error ? b->error : "(none)");
    FUZZ_CHECK(a->in_len == b->in_len && a->out_len == b->out_len, "message %u: %llu->%llu whole, %llu->%llu split",
               msg, (unsigned long long)a->in_len, (unsigned long long)a->out_len, (unsigned long long)b->in_len,
               (unsigned long long)b->out_len);
    FUZZ_CHECK(a->cut == b->cut && a->broken == b->broken && a->stream_end == b->stream_end,
               "message %u: cut/broken/stream_end %d/%d/%d whole, %d/%d/%d split", msg, a->cut, a->broken,
               a->stream_end, b->cut, b->broken, b->stream_end);
    FUZZ_CHECK(a->preview_len == b->preview_len && memcmp(a->preview, b->preview, a->preview_len) == 0,
               "message %u: previews differ", msg);
    FUZZ_CHECK(wsi_inflate_utf8_ok(a) == wsi_inflate_utf8_ok(b), "message %u: UTF-8 verdicts differ", msg);
}

static void check_one(const struct wsi_inflate *z, unsigned msg)
{
    FUZZ_CHECK(z->out_len <= WSI_INFLATE_MAX_OUT, "message %u: %llu bytes out, over the cap", msg,
               (unsigned long long)z->out_len);
    FUZZ_CHECK(z->preview_len <= z->preview_max && z->preview_len <= z->out_len, "message %u: preview %zu of %llu",
               msg, z->preview_len, (unsigned long long)z->out_len);
    if (z->error) (void)strlen(z->error);
    if (z->broken) FUZZ_CHECK(z->broken_why != NULL, "broken without a reason");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t previews[4] = {0, 1, 16, 4096};
    struct fz_in in = {data, size};
    uint8_t opt = fz_u8(&in);

    /* the extension value, as a server would select it */
    size_t elen;
    const uint8_t *ext = fz_bytes(&in, fz_u8(&in), &elen);
    char *ev = (char *)fz_dup(ext, elen);
    struct wsi_pmd_params pp;
    wsi_pmd_parse(ev, elen, &pp);
    if (pp.negotiated && !pp.error) {
        FUZZ_CHECK(pp.server_max_window_bits == 0 ||
                       (pp.server_max_window_bits >= 8 && pp.server_max_window_bits <= 15),
                   "server_max_window_bits %d", pp.server_max_window_bits);
        FUZZ_CHECK(pp.client_max_window_bits == 0 || pp.client_max_window_bits == -1 ||
                       (pp.client_max_window_bits >= 8 && pp.client_max_window_bits <= 15),
                   "client_max_window_bits %d", pp.client_max_window_bits);
    }
    if (pp.error) (void)strlen(pp.error);
    free(ev);

    struct wsi_inflate a, b;
    int nct = opt & 1;
    size_t pm = previews[(opt >> 2) & 3];
    /* the streams are reused from one input to the next, as a session reuses them */
    static struct wsi_zpool pool;
    if (wsi_inflate_init(&a, &pool, nct, pm) != 0 || wsi_inflate_init(&b, &pool, nct, pm) != 0) abort();
    unsigned msg = 0;
    while (in.left > 0) {
        uint8_t fl = fz_u8(&in);
        uint16_t split = fz_u16(&in);
        size_t len;
        const uint8_t *p = fz_bytes(&in, fz_u16(&in), &len);
        size_t k = split % (len + 1);
        msg++;
        wsi_inflate_begin(&a, fl & 1);
        wsi_inflate_begin(&b, fl & 1);

        uint8_t *whole = fz_dup(p, len), *p1 = fz_dup(p, k), *p2 = fz_dup(p + k, len - k);
        if (fl & 2) {
            /* a gap at the split point of both */
            wsi_inflate_feed(&a, whole, k);
            wsi_inflate_break(&a, "fuzz gap");
            wsi_inflate_feed(&a, whole + k, len - k);
        } else {
            wsi_inflate_feed(&a, whole, len);
        }
        wsi_inflate_feed(&b, p1, k);
        if (fl & 2) wsi_inflate_break(&b, "fuzz gap");
        wsi_inflate_feed(&b, p2, len - k);
        free(whole);
        free(p1);
        free(p2);

        int ra = wsi_inflate_end(&a), rb = wsi_inflate_end(&b);
        check_one(&a, msg);
        check_one(&b, msg);
        compare(&a, &b, ra, rb, msg);
    }
    wsi_inflate_free(&a);
    wsi_inflate_free(&b);
    return 0;
}
