/* test_classify.c - what a connection carries: first-byte tests and the mid-stream guess, fed byte streams directly. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"

/* Build a frame: FIN, opcode, masked (key 0x11 0x22 0x33 0x44), payload. Returns its length. */
static size_t frame(uint8_t *out, int fin, unsigned op, int masked, const void *payload, size_t len)
{
    static const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
    size_t n = 0;
    out[n++] = (uint8_t)((fin ? 0x80 : 0) | op);
    uint8_t m = masked ? 0x80 : 0;
    if (len < 126) {
        out[n++] = (uint8_t)(m | len);
    } else {
        out[n++] = (uint8_t)(m | 126);
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    }
    if (masked) {
        memcpy(out + n, key, 4);
        n += 4;
    }
    const uint8_t *p = payload;
    for (size_t i = 0; i < len; i++) out[n + i] = masked ? p[i] ^ key[i & 3] : p[i];
    return n + len;
}

static size_t text(uint8_t *out, int masked, const char *s) { return frame(out, 1, 1, masked, s, strlen(s)); }

static enum wsi_guess_state feed(struct wsi_guess *g, int dir, const uint8_t *p, size_t n)
{
    return wsi_guess_feed(g, dir, p, n);
}

static void test_first_bytes(void **state)
{
    (void)state;
    assert_int_equal(wsi_cls_request((const uint8_t *)"GET / HTTP/1.1", 14), 1);
    assert_int_equal(wsi_cls_request((const uint8_t *)"GE", 2), -1);
    assert_int_equal(wsi_cls_request((const uint8_t *)"PRI * HTTP/2.0", 14), 0); /* h2's preface is no HTTP/1 */
    assert_int_equal(wsi_cls_response((const uint8_t *)"HTTP/1.1 200", 12), 1);
    assert_int_equal(wsi_cls_response((const uint8_t *)"SSH-2.0-", 8), 0);
    assert_string_equal(wsi_carries_id(WSI_CARRIES_WS_MIDSTREAM), "websocket-midstream");
    assert_string_equal(wsi_carries_id(WSI_CARRIES_OTHER), "other");
}

/* A real conversation picked up mid-stream: yes once both directions have shown enough. */
static void test_midstream_chat(void **state)
{
    (void)state;
    struct wsi_guess g;
    uint8_t b[256];
    wsi_guess_init(&g);
    /* the server speaks first here (direction 0), unmasked */
    assert_int_equal(feed(&g, 0, b, text(b, 0, "Welcome!")), WSI_GUESS_LOOKING);
    assert_int_equal(feed(&g, 0, b, text(b, 0, "news")), WSI_GUESS_LOOKING); /* one direction is never enough */
    assert_int_equal(feed(&g, 1, b, text(b, 1, "hello")), WSI_GUESS_YES);
    assert_int_equal(g.client_dir, 1); /* the masked one, whatever the order or the ports */
    assert_non_null(strstr(g.why, "1 masked client frame and 2 unmasked server frames"));
    assert_int_equal(wsi_guess_start(&g, 0), 0);
    assert_int_equal(wsi_guess_start(&g, 1), 0);
    wsi_guess_free(&g);
}

/* Closes with valid codes each way are evidence enough (the tail of a connection). */
static void test_close_each_way(void **state)
{
    (void)state;
    struct wsi_guess g;
    uint8_t b[64];
    const uint8_t going_away[] = {0x03, 0xe9};
    wsi_guess_init(&g);
    assert_int_equal(feed(&g, 0, b, frame(b, 1, 8, 1, going_away, 2)), WSI_GUESS_LOOKING);
    assert_int_equal(feed(&g, 1, b, frame(b, 1, 8, 0, going_away, 2)), WSI_GUESS_YES);
    assert_int_equal(g.client_dir, 0);
    wsi_guess_free(&g);
}

/* Too little: one short binary frame each way (2 points) is not enough; the end says no. */
static void test_too_little(void **state)
{
    (void)state;
    struct wsi_guess g;
    uint8_t b[64];
    wsi_guess_init(&g);
    assert_int_equal(feed(&g, 0, b, frame(b, 1, 2, 1, "x", 1)), WSI_GUESS_LOOKING);
    assert_int_equal(feed(&g, 1, b, frame(b, 1, 2, 0, "y", 1)), WSI_GUESS_LOOKING);
    assert_int_equal(wsi_guess_finish(&g), WSI_GUESS_NO);
    assert_non_null(strstr(g.why, "not enough evidence"));
    wsi_guess_free(&g);
}

/* Both directions unmasked (DNS over TCP reads as unmasked continuation frames that chain): never. */
static void test_dns_over_tcp(void **state)
{
    (void)state;
    struct wsi_guess g;
    uint8_t q[31] = {0x00, 29}, r[47] = {0x00, 45};
    for (size_t i = 2; i < sizeof q; i++) q[i] = (uint8_t)(i * 7);
    for (size_t i = 2; i < sizeof r; i++) r[i] = (uint8_t)(i * 13);
    wsi_guess_init(&g);
    for (int k = 0; k < 10 && g.state == WSI_GUESS_LOOKING; k++) {
        feed(&g, 0, q, sizeof q);
        feed(&g, 1, r, sizeof r);
    }
    assert_int_not_equal(g.state, WSI_GUESS_YES);
    assert_int_equal(wsi_guess_finish(&g), WSI_GUESS_NO);
    wsi_guess_free(&g);
}

/* Looks like frames for a while, then stops: the guess must not have fired before it stopped. */
static void test_looks_then_stops(void **state)
{
    (void)state;
    struct wsi_guess g;
    uint8_t b[64];
    wsi_guess_init(&g);
    /* one masked binary frame from one side, one unmasked from the other: 2 points, not 4 */
    assert_int_equal(feed(&g, 0, b, frame(b, 1, 2, 1, "ab", 2)), WSI_GUESS_LOOKING);
    assert_int_equal(feed(&g, 1, b, frame(b, 1, 2, 0, "cd", 2)), WSI_GUESS_LOOKING);
    /* then a reserved opcode, again and again: that direction restarts and finally gives up */
    uint8_t junk[8] = {0x83, 0x02, 'z', 'z', 0, 0, 0, 0};
    for (int k = 0; k <= WSI_GUESS_RESTARTS; k++) assert_int_not_equal(feed(&g, 0, junk, 4), WSI_GUESS_YES);
    assert_int_equal(g.state, WSI_GUESS_NO);
    assert_non_null(strstr(g.why, "reserved opcode"));
    wsi_guess_free(&g);
}

/* A frame that does not end where its segment ends earns nothing until one does. */
static void test_segment_alignment(void **state)
{
    (void)state;
    struct wsi_guess g;
    uint8_t b[256];
    wsi_guess_init(&g);
    size_t n = text(b, 1, "hello there");
    n += text(b + n, 1, "second");
    /* segment 1 ends in the middle of the second frame */
    assert_int_equal(feed(&g, 0, b, 15), WSI_GUESS_LOOKING);
    assert_int_equal(feed(&g, 1, b + 200, text(b + 200, 0, "hi back")), WSI_GUESS_LOOKING);
    assert_int_equal(g.d[0].frames, 0); /* the complete first frame is not credited yet */
    assert_int_equal(feed(&g, 0, b + 15, n - 15), WSI_GUESS_YES);
    assert_int_equal(g.d[0].frames, 2);
    wsi_guess_free(&g);
}

/* The capture began inside a client frame: its tail is skipped, the guess resynchronises on the next segment. */
static void test_resync(void **state)
{
    (void)state;
    struct wsi_guess g;
    uint8_t b[256];
    wsi_guess_init(&g);
    static const uint8_t tail[] = {0xde, 0xad, 0xbe, 0xef, 0xff, 0x01, 0x02}; /* RSV bits set: no frame */
    assert_int_equal(feed(&g, 0, tail, sizeof tail), WSI_GUESS_LOOKING);
    assert_int_equal(feed(&g, 0, b, text(b, 1, "after the tail")), WSI_GUESS_LOOKING);
    assert_int_equal(feed(&g, 1, b, text(b, 0, "reply")), WSI_GUESS_LOOKING); /* two frames are not several */
    assert_int_equal(feed(&g, 1, b, text(b, 0, "more")), WSI_GUESS_YES);
    assert_int_equal(wsi_guess_start(&g, 0), sizeof tail);
    assert_non_null(strstr(g.why, "7 client and 0 server bytes before them skipped"));
    wsi_guess_free(&g);
    /* one text each way is two frames: not yet, however many points */
    wsi_guess_init(&g);
    assert_int_equal(feed(&g, 0, b, text(b, 1, "one")), WSI_GUESS_LOOKING);
    assert_int_equal(feed(&g, 1, b, text(b, 0, "two")), WSI_GUESS_LOOKING);
    wsi_guess_free(&g);
}

/* Text that is not UTF-8, or masked frames both ways, are no evidence. */
static void test_invalid_evidence(void **state)
{
    (void)state;
    struct wsi_guess g;
    uint8_t b[64];
    const uint8_t bad[] = {0xc3, 0x28, 'a', 'b'};
    wsi_guess_init(&g);
    feed(&g, 0, b, text(b, 1, "fine text"));
    for (int k = 0; k <= WSI_GUESS_RESTARTS; k++) feed(&g, 1, b, frame(b, 1, 1, 0, bad, sizeof bad));
    assert_int_equal(g.state, WSI_GUESS_NO);
    assert_non_null(strstr(g.why, "UTF-8"));
    wsi_guess_free(&g);

    wsi_guess_init(&g);
    feed(&g, 0, b, text(b, 1, "masked"));
    for (int k = 0; k <= WSI_GUESS_RESTARTS; k++) feed(&g, 1, b, text(b, 1, "masked too"));
    assert_int_equal(g.state, WSI_GUESS_NO);
    assert_non_null(strstr(g.why, "masked alike"));
    wsi_guess_free(&g);
}

/* Random bytes, many tries: never yes. */
static void test_random_never(void **state)
{
    (void)state;
    uint32_t x = 12345;
    uint8_t b[600];
    for (int trial = 0; trial < 3000; trial++) {
        struct wsi_guess g;
        wsi_guess_init(&g);
        for (int seg = 0; seg < 12 && g.state == WSI_GUESS_LOOKING; seg++) {
            size_t n = 1 + (x % 300);
            for (size_t i = 0; i < n; i++) {
                x = x * 1103515245u + 12345u;
                b[i] = (uint8_t)(x >> 16);
            }
            feed(&g, seg & 1, b, n);
        }
        assert_int_not_equal(g.state, WSI_GUESS_YES);
        wsi_guess_free(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_bytes),
        cmocka_unit_test(test_midstream_chat),
        cmocka_unit_test(test_close_each_way),
        cmocka_unit_test(test_too_little),
        cmocka_unit_test(test_dns_over_tcp),
        cmocka_unit_test(test_looks_then_stops),
        cmocka_unit_test(test_segment_alignment),
        cmocka_unit_test(test_resync),
        cmocka_unit_test(test_invalid_evidence),
        cmocka_unit_test(test_random_never),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
