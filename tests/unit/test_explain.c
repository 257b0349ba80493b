/* test_explain.c - --explain N against RFC 6455 §5.7's example frames, byte for byte. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "explain.h"
#include "wsframe.h"

/* Decode the bytes of one frame (as RFC 6455 §5.7 writes them) into the fields and the unmasked
 * payload, as the frame decoder hands them over. */
static void decode(const uint8_t *b, size_t n, struct wsi_frame *f, uint8_t *payload, size_t *plen)
{
    memset(f, 0, sizeof *f);
    f->fin = b[0] >> 7;
    f->rsv = (uint8_t)((b[0] >> 4) & 7);
    f->opcode = b[0] & 0x0F;
    f->masked = b[1] >> 7;
    f->len7 = b[1] & 0x7F;
    size_t at = 2;
    if (f->len7 == 126) {
        f->len = (uint64_t)b[2] << 8 | b[3];
        at = 4;
    } else if (f->len7 == 127) {
        for (int i = 0; i < 8; i++) f->len = f->len << 8 | b[2 + i];
        at = 10;
    } else {
        f->len = f->len7;
    }
    if (f->masked) {
        memcpy(f->mask, b + at, 4);
        at += 4;
    }
    f->hdr_len = (uint8_t)at;
    *plen = n - at;
    for (size_t i = 0; i < *plen; i++) payload[i] = b[at + i] ^ (f->masked ? f->mask[i % 4] : 0);
}

/* Explain frame `want` of a connection whose frames are `frames` (each given as its bytes). */
static char *explain(uint64_t want, const uint8_t *const *frames, const size_t *lens, size_t nframes, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct wsi_render_opts o = {.out = f, .width = 80};
    struct wsi_explain *x = wsi_explain_new(&o, 0, want);
    assert_non_null(x);
    for (size_t i = 0; i < nframes; i++) {
        struct wsi_frame fr;
        uint8_t payload[70000];
        size_t plen;
        decode(frames[i], lens[i], &fr, payload, &plen);
        struct wsi_event ev = {.kind = WSI_EV_FRAME, .conn = 1, .side = fr.masked ? WSI_C2S : WSI_S2C,
                               .packet = 4 + i, .t = 0.001 * (double)(i + 1)};
        ev.u.frame = (struct wsi_frame_ev){.f = &fr, .preview = payload, .preview_len = plen < 256 ? plen : 256,
                                           .index = i + 1};
        wsi_explain_event(x, &ev);
    }
    *rc = wsi_explain_free(x, "test.pcap");
    fclose(f);
    return buf;
}

static char *explain_one(const uint8_t *b, size_t n, int *rc)
{
    const uint8_t *frames[] = {b};
    size_t lens[] = {n};
    return explain(1, frames, lens, 1, rc);
}

#define HAS(s, needle)                                                                    \
    do {                                                                                  \
        if (!strstr((s), (needle))) fail_msg("missing \"%s\" in:\n%s", (needle), (s));   \
    } while (0)

/* §5.7: a single-frame unmasked text message "Hello". */
static void test_unmasked_text(void **state)
{
    (void)state;
    static const uint8_t b[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    int rc;
    char *s = explain_one(b, sizeof b, &rc);
    assert_int_equal(rc, 0);
    HAS(s, "header, 2 bytes: 81 05");
    HAS(s, "byte 0   1 000 0001   = 0x81");
    HAS(s, "opcode 1: text frame");
    HAS(s, "FIN 1: the last frame of its message");
    HAS(s, "byte 1   0 0000101     = 0x05");
    HAS(s, "payload length 5 (lengths 0 to 125 fit in these 7 bits)");
    HAS(s, "MASK 0: the payload is not masked");
    HAS(s, "bytes        48 65 6c 6c 6f");
    HAS(s, "as text      \"Hello\"");
    HAS(s, "payload: 5 bytes after the 2 header bytes (frame: 7 bytes)");
    assert_null(strstr(s, "XOR"));
    free(s);
}

/* §5.7: a single-frame masked text message "Hello": the XOR table and the check by hand. */
static void test_masked_text(void **state)
{
    (void)state;
    static const uint8_t b[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    int rc;
    char *s = explain_one(b, sizeof b, &rc);
    assert_int_equal(rc, 0);
    HAS(s, "header, 6 bytes: 81 85 37 fa 21 3d");
    HAS(s, "byte 1   1 0000101     = 0x85");
    HAS(s, "MASK 1: the payload is masked");
    HAS(s, "bytes 2-5  37 fa 21 3d   masking key");
    HAS(s, "on the wire  7f 9f 4d 51 58");
    HAS(s, "key byte i%4 37 fa 21 3d 37");
    HAS(s, "XOR          48 65 6c 6c 6f");
    HAS(s, "printf '%02x\\n' $(( 0x7f ^ 0x37 ))   prints 48");
    HAS(s, "as text      \"Hello\"");
    HAS(s, "(client -> server)");
    free(s);
}

/* Text reads as it was sent (UTF-8 as it is), while what could mislead a terminal is escaped:
 * a control byte, a right-to-left override, an invalid byte. */
static void test_text_escaped(void **state)
{
    (void)state;
    static const uint8_t b[] = {0x81, 0x11, 'c', 'a', 'f', 0xc3, 0xa9, ' ', 0xe2, 0x9c, 0x93, 0x01,
                                0xe2, 0x80, 0xae, 0xff, '"', '\\', '\n'};
    int rc;
    char *s = explain_one(b, sizeof b, &rc);
    assert_int_equal(rc, 0);
    HAS(s, "as text      \"caf\xc3\xa9 \xe2\x9c\x93\\x01\\u202e\\xff\\\"\\\\\\n\"");
    free(s);
}

/* §5.7: a fragmented unmasked text message: "Hel" then "lo"; --explain 2 is the second frame. */
static void test_fragments(void **state)
{
    (void)state;
    static const uint8_t a[] = {0x01, 0x03, 0x48, 0x65, 0x6c}, b[] = {0x80, 0x02, 0x6c, 0x6f};
    const uint8_t *frames[] = {a, b};
    size_t lens[] = {sizeof a, sizeof b};
    int rc;
    char *s = explain(1, frames, lens, 2, &rc);
    HAS(s, "FIN 0: more frames of this message follow");
    HAS(s, "opcode 1: text frame");
    free(s);
    s = explain(2, frames, lens, 2, &rc);
    assert_int_equal(rc, 0);
    HAS(s, "Frame 2 of connection 1");
    HAS(s, "byte 0   1 000 0000   = 0x80");
    HAS(s, "opcode 0: continuation frame");
    HAS(s, "as text      \"lo\"");
    free(s);
    /* frame 3 does not exist: said, and an error */
    s = explain(3, frames, lens, 2, &rc);
    assert_int_equal(rc, -1);
    free(s);
}

/* §5.7: unmasked ping "Hello" and masked pong "Hello". */
static void test_ping_pong(void **state)
{
    (void)state;
    static const uint8_t ping[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    static const uint8_t pong[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    int rc;
    char *s = explain_one(ping, sizeof ping, &rc);
    HAS(s, "byte 0   1 000 1001   = 0x89");
    HAS(s, "opcode 9: ping frame");
    free(s);
    s = explain_one(pong, sizeof pong, &rc);
    HAS(s, "opcode 10: pong frame");
    HAS(s, "XOR          48 65 6c 6c 6f");
    free(s);
}

/* §5.7: 256 bytes binary in one unmasked frame (16-bit length), and 64 KiB (64-bit length). */
static void test_extended_lengths(void **state)
{
    (void)state;
    static uint8_t b[4 + 256], c[10 + 65536];
    b[0] = 0x82, b[1] = 0x7E, b[2] = 0x01, b[3] = 0x00;
    for (int i = 0; i < 256; i++) b[4 + i] = (uint8_t)i;
    int rc;
    char *s = explain_one(b, sizeof b, &rc);
    HAS(s, "header, 4 bytes: 82 7e 01 00");
    HAS(s, "126: the length is in the next 2 bytes (16-bit form, for 126 to 65535)");
    HAS(s, "bytes 2-3  01 00   = 256, the payload length");
    HAS(s, "(binary)     256 bytes");
    assert_null(strstr(s, "not the minimal form"));
    free(s);
    memcpy(c, (const uint8_t[]){0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}, 10);
    s = explain_one(c, sizeof c, &rc);
    HAS(s, "header, 10 bytes: 82 7f 00 00 00 00 00 01 00 00");
    HAS(s, "127: the length is in the next 8 bytes (64-bit form, for 65536 and more)");
    HAS(s, "bytes 2-9  00 00 00 00 00 01 00 00   = 65536, the payload length");
    HAS(s, "payload: 65536 bytes after the 10 header bytes (frame: 65546 bytes)");
    free(s);
    /* a length of 5 sent in the 16-bit form: not minimal, and said so */
    static const uint8_t d[] = {0x81, 0x7E, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'};
    s = explain_one(d, sizeof d, &rc);
    HAS(s, "not the minimal form: 5 fits in the 7 bits");
    free(s);
}

/* RSV bits and a reserved opcode, named; wire bytes are never written raw. */
static void test_rsv_reserved(void **state)
{
    (void)state;
    static const uint8_t b[] = {0xF3, 0x03, 0x1b, '"', 0xff};
    int rc;
    char *s = explain_one(b, sizeof b, &rc);
    HAS(s, "byte 0   1 111 0011   = 0xf3");
    HAS(s, "RSV1 1: no extension was negotiated that gives it a meaning");
    HAS(s, "RSV2 1");
    HAS(s, "RSV3 1");
    HAS(s, "opcode 3: reserved opcode");
    for (const char *p = s; *p; p++) assert_true(*p != 0x1b); /* the escape byte is shown as \x1b */
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unmasked_text), cmocka_unit_test(test_text_escaped), cmocka_unit_test(test_masked_text),
        cmocka_unit_test(test_fragments),     cmocka_unit_test(test_ping_pong),
        cmocka_unit_test(test_extended_lengths), cmocka_unit_test(test_rsv_reserved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
