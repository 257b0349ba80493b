/* test_inflate.c - permessage-deflate: RFC 7692 §7.2.3's examples, context takeover, parameters, hostile input. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "budget.h"
#include "inflate.h"

/* The decompressors let go, shared by every test (a session's are its own). */
static struct wsi_zpool pool;

/* Inflate one message given as bytes; returns the result of wsi_inflate_end. */
static int one(struct wsi_inflate *z, int text, const uint8_t *m, size_t n, size_t split)
{
    wsi_inflate_begin(z, text);
    if (split && split < n) {
        wsi_inflate_feed(z, m, split);
        wsi_inflate_feed(z, m + split, n - split);
    } else {
        wsi_inflate_feed(z, m, n);
    }
    return wsi_inflate_end(z);
}

static void expect_text(struct wsi_inflate *z, const char *want)
{
    assert_null(z->error);
    assert_int_equal(z->out_len, strlen(want));
    assert_int_equal(z->preview_len, strlen(want));
    assert_memory_equal(z->preview, want, strlen(want));
    assert_true(wsi_inflate_utf8_ok(z));
}

/* The RFC 7692 §7.2.3 examples (bytes as printed in the RFC; each checked with an
 * independent inflater before being written here), fed whole and at every split. */
static const uint8_t HELLO_1BLOCK[] = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};           /* §7.2.3.1 */
static const uint8_t HELLO_SHARED[] = {0xf2, 0x00, 0x11, 0x00, 0x00};                      /* §7.2.3.2, 2nd */
static const uint8_t HELLO_STORED[] = {0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}; /* §7.2.3.3 */
static const uint8_t HELLO_BFINAL[] = {0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00};    /* §7.2.3.4 */
static const uint8_t HELLO_2BLOCKS[] = {0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff,
                                        0xca, 0xc9, 0xc9, 0x07, 0x00};                     /* §7.2.3.5 */

static void check_example(const uint8_t *m, size_t n)
{
    for (size_t split = 0; split < n; split++) {
        struct wsi_inflate z;
        assert_int_equal(wsi_inflate_init(&z, &pool, 0, 64), 0);
        assert_int_equal(one(&z, 1, m, n, split), 0);
        expect_text(&z, "Hello");
        assert_int_equal(z.in_len, n);
        wsi_inflate_free(&z);
    }
}

static void test_rfc_one_block(void **s) { (void)s; check_example(HELLO_1BLOCK, sizeof HELLO_1BLOCK); }
static void test_rfc_stored_block(void **s) { (void)s; check_example(HELLO_STORED, sizeof HELLO_STORED); }
static void test_rfc_bfinal(void **s) { (void)s; check_example(HELLO_BFINAL, sizeof HELLO_BFINAL); }
static void test_rfc_two_blocks(void **s) { (void)s; check_example(HELLO_2BLOCKS, sizeof HELLO_2BLOCKS); }

/* §7.2.3.2: the second message refers back into the first one's window. */
static void test_rfc_context_takeover(void **s)
{
    (void)s;
    struct wsi_inflate z;
    assert_int_equal(wsi_inflate_init(&z, &pool, 0, 64), 0);
    assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
    expect_text(&z, "Hello");
    assert_int_equal(one(&z, 1, HELLO_SHARED, sizeof HELLO_SHARED, 0), 0);
    expect_text(&z, "Hello");
    wsi_inflate_free(&z);

    /* with no_context_takeover the window is emptied: the same bytes cannot inflate */
    assert_int_equal(wsi_inflate_init(&z, &pool, 1, 64), 0);
    assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
    assert_int_equal(one(&z, 1, HELLO_SHARED, sizeof HELLO_SHARED, 0), -1);
    assert_non_null(z.error);
    /* and the next message starts clean again */
    assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
    expect_text(&z, "Hello");
    wsi_inflate_free(&z);
}

/* A window kept across a final block: after §7.2.3.4's BFINAL message the next one may still refer back. */
static void test_window_after_bfinal(void **s)
{
    (void)s;
    struct wsi_inflate z;
    assert_int_equal(wsi_inflate_init(&z, &pool, 0, 64), 0);
    assert_int_equal(one(&z, 1, HELLO_BFINAL, sizeof HELLO_BFINAL, 0), 0);
    expect_text(&z, "Hello");
    assert_int_equal(one(&z, 1, HELLO_SHARED, sizeof HELLO_SHARED, 0), 0);
    expect_text(&z, "Hello");
    wsi_inflate_free(&z);
}

/* Empty messages: an empty payload (nothing to inflate: the tail is not appended, or it would
 * open a stored block and spoil the window), and the single byte 0x00 (an empty stored block). */
static void test_empty(void **s)
{
    (void)s;
    static const uint8_t zero[] = {0x00};
    struct wsi_inflate z;
    assert_int_equal(wsi_inflate_init(&z, &pool, 0, 64), 0);
    assert_int_equal(one(&z, 1, NULL, 0, 0), 0);
    expect_text(&z, "");
    assert_int_equal(one(&z, 1, zero, 1, 0), 0);
    expect_text(&z, "");
    assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
    expect_text(&z, "Hello");
    wsi_inflate_free(&z);
}

/* Garbage does not inflate; with context takeover the direction stays broken, said so. */
static void test_invalid_and_broken(void **s)
{
    (void)s;
    static const uint8_t bad[] = {0xff, 0xff, 0xff, 0xff, 0x01};
    struct wsi_inflate z;
    assert_int_equal(wsi_inflate_init(&z, &pool, 0, 64), 0);
    assert_int_equal(one(&z, 0, bad, sizeof bad, 0), -1);
    assert_non_null(z.error);
    assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), -1);
    assert_non_null(strstr(z.error, "window"));
    wsi_inflate_free(&z);
}

/* A gap breaks the stream the same way. */
static void test_break(void **s)
{
    (void)s;
    struct wsi_inflate z;
    assert_int_equal(wsi_inflate_init(&z, &pool, 0, 64), 0);
    wsi_inflate_begin(&z, 1);
    wsi_inflate_feed(&z, HELLO_1BLOCK, 3);
    wsi_inflate_break(&z, "bytes missing");
    assert_int_equal(wsi_inflate_end(&z), -1);
    assert_string_equal(z.error, "bytes missing");
    assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), -1);
    wsi_inflate_free(&z);
}

/* Compress with zlib the way a peer does (raw deflate, sync flush, tail removed). */
static size_t pmd_compress(z_stream *c, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    c->next_in = (Bytef *)(uintptr_t)in;
    c->avail_in = (uInt)n;
    c->next_out = out;
    c->avail_out = (uInt)cap;
    assert_int_equal(deflate(c, Z_SYNC_FLUSH), Z_OK);
    size_t len = cap - c->avail_out;
    assert_true(len >= 4);
    assert_memory_equal(out + len - 4, "\x00\x00\xff\xff", 4);
    return len - 4;
}

/* Many messages through one shared window; a large one's preview is capped, its length exact. */
static void test_roundtrip_and_preview(void **s)
{
    (void)s;
    z_stream c;
    memset(&c, 0, sizeof c);
    assert_int_equal(deflateInit2(&c, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    struct wsi_inflate z;
    assert_int_equal(wsi_inflate_init(&z, &pool, 0, 32), 0);
    size_t big = 200000;
    uint8_t *msg = malloc(big), *comp = malloc(big + 1024);
    assert_non_null(msg);
    assert_non_null(comp);
    for (int round = 0; round < 5; round++) {
        for (size_t i = 0; i < big; i++) msg[i] = (uint8_t)('a' + (i * 7 + (size_t)round) % 26);
        size_t n = pmd_compress(&c, msg, big, comp, big + 1024);
        assert_int_equal(one(&z, 1, comp, n, n / 3), 0);
        assert_null(z.error);
        assert_int_equal(z.out_len, big);
        assert_int_equal(z.preview_len, 32);
        assert_memory_equal(z.preview, msg, 32);
        assert_true(wsi_inflate_utf8_ok(&z));
    }
    deflateEnd(&c);
    free(msg);
    free(comp);
    wsi_inflate_free(&z);
}

/* Inflated text that is not UTF-8 is seen as such. */
static void test_utf8_after_inflate(void **s)
{
    (void)s;
    z_stream c;
    memset(&c, 0, sizeof c);
    assert_int_equal(deflateInit2(&c, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uint8_t comp[256];
    static const uint8_t latin1[] = {'c', 'a', 'f', 0xe9};
    size_t n = pmd_compress(&c, latin1, sizeof latin1, comp, sizeof comp);
    struct wsi_inflate z;
    assert_int_equal(wsi_inflate_init(&z, &pool, 0, 64), 0);
    assert_int_equal(one(&z, 1, comp, n, 0), 0);
    assert_false(wsi_inflate_utf8_ok(&z));
    deflateEnd(&c);
    wsi_inflate_free(&z);
}

/* A decompression bomb is counted up to the cap and stopped, with no allocation growth. */
static void test_bomb_is_cut(void **s)
{
    (void)s;
    z_stream c;
    memset(&c, 0, sizeof c);
    assert_int_equal(deflateInit2(&c, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    size_t chunk = 1 << 20;
    uint8_t *zeros = calloc(1, chunk), *comp = malloc(1 << 16);
    assert_non_null(zeros);
    assert_non_null(comp);
    struct wsi_inflate z;
    assert_int_equal(wsi_inflate_init(&z, &pool, 0, 16), 0);
    wsi_inflate_begin(&z, 0);
    for (uint64_t total = 0; total <= WSI_INFLATE_MAX_OUT + chunk; total += chunk) {
        c.next_in = zeros;
        c.avail_in = (uInt)chunk;
        c.next_out = comp;
        c.avail_out = 1 << 16;
        assert_int_equal(deflate(&c, Z_NO_FLUSH), Z_OK);
        wsi_inflate_feed(&z, comp, (1 << 16) - c.avail_out);
    }
    assert_true(z.cut);
    assert_true(z.out_len >= WSI_INFLATE_MAX_OUT && z.out_len < WSI_INFLATE_MAX_OUT + (1u << 20));
    wsi_inflate_free(&z);
    deflateEnd(&c);
    free(zeros);
    free(comp);
}

/* 1 MiB of zeros, compressed from a fresh stream and sync-flushed (its 00 00 ff ff kept): a piece that can be
 * fed again and again inside one message, each copy adding 1 MiB of output. Returns its length (with the 4 bytes). */
static size_t zeros_piece(uint8_t *out, size_t cap)
{
    z_stream c;
    memset(&c, 0, sizeof c);
    assert_int_equal(deflateInit2(&c, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    uint8_t *zeros = calloc(1, 1 << 20);
    assert_non_null(zeros);
    c.next_in = zeros;
    c.avail_in = 1 << 20;
    c.next_out = out;
    c.avail_out = (uInt)cap;
    assert_int_equal(deflate(&c, Z_SYNC_FLUSH), Z_OK);
    assert_int_equal(c.avail_in, 0);
    size_t n = cap - c.avail_out;
    assert_memory_equal(out + n - 4, "\x00\x00\xff\xff", 4);
    deflateEnd(&c);
    free(zeros);
    return n;
}

/* One message of `mib` MiB of zeros (binary), made of copies of the piece; the last one without its 00 00 ff ff,
 * which the sender leaves out (RFC 7692 §7.2.1) and wsi_inflate_end puts back. */
static int zeros_message(struct wsi_inflate *z, const uint8_t *piece, size_t n, unsigned mib)
{
    wsi_inflate_begin(z, 0);
    for (unsigned i = 0; i < mib; i++) wsi_inflate_feed(z, piece, i + 1 < mib ? n : n - 4);
    return wsi_inflate_end(z);
}

/* A message cut at WSI_INFLATE_MAX_OUT leaves the rest of it uninflated. With context takeover the window the next
 * message refers to is lost: the direction is broken, said why, and no later message is inflated (so none is shown
 * as garbage text or blamed for the cut). Without context takeover only the cut message is affected. */
static void test_cut_and_context_takeover(void **s)
{
    (void)s;
    uint8_t piece[4096];
    size_t n = zeros_piece(piece, sizeof piece);
    unsigned mib = (unsigned)(WSI_INFLATE_MAX_OUT >> 20) + 1;
    for (int nct = 0; nct <= 1; nct++) {
        struct wsi_inflate z;
        assert_int_equal(wsi_inflate_init(&z, &pool, nct, 16), 0);
        assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
        expect_text(&z, "Hello");
        /* the cut message itself inflated as far as the limit: shown, cut, no error */
        assert_int_equal(zeros_message(&z, piece, n, mib), 0);
        assert_null(z.error);
        assert_true(z.cut);
        assert_true(z.out_len >= WSI_INFLATE_MAX_OUT && z.out_len < WSI_INFLATE_MAX_OUT + (1u << 20));
        assert_int_equal(z.broken, !nct);
        for (int later = 0; later < 2; later++) {
            if (nct) {
                assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
                expect_text(&z, "Hello");
                assert_false(z.cut);
            } else {
                assert_int_equal(one(&z, 1, HELLO_STORED, sizeof HELLO_STORED, 0), -1);
                assert_string_equal(z.error, "an earlier message of this direction was cut at the 256 MiB inflate "
                                             "limit (WSI_INFLATE_MAX_OUT), so the shared window is lost");
                assert_int_equal(z.out_len, 0);
                assert_int_equal(z.preview_len, 0);
            }
        }
        wsi_inflate_free(&z);
    }
}

/* The inflate budget: once a direction has inflated WSI_INFLATE_BUDGET bytes over its messages (none of them over
 * WSI_INFLATE_MAX_OUT), the message reaching it is cut, and no later message is inflated, saying why, with or
 * without context takeover (the reset between messages does not restore it). The other direction has its own. */
static void test_budget(void **s)
{
    (void)s;
    static const char why[] = "this direction reached its inflate budget (1 GiB inflated over its messages, "
                              "WSI_INFLATE_BUDGET) at an earlier message, so no more is inflated";
    uint8_t piece[4096];
    size_t n = zeros_piece(piece, sizeof piece);
    /* with context takeover, the default budget; without, one of 64 MiB (set after wsi_inflate_init, as a caller
     * may; the reason still names the default), to spare a second GiB of inflating */
    for (int nct = 0; nct <= 1; nct++) {
        uint64_t budget = nct ? (uint64_t)64 << 20 : WSI_INFLATE_BUDGET;
        unsigned mib = nct ? 15 : 255; /* four messages of this many MiB inflate whole, then 4 MiB are left */
        struct wsi_inflate z, other;
        assert_int_equal(wsi_inflate_init(&z, &pool, nct, 16), 0);
        assert_int_equal(wsi_inflate_init(&other, &pool, nct, 16), 0);
        assert_int_equal(z.budget, WSI_INFLATE_BUDGET);
        z.budget = budget;
        for (int i = 0; i < 4; i++) {
            assert_int_equal(zeros_message(&z, piece, n, mib), 0);
            assert_false(z.cut);
            assert_int_equal(z.out_len, (uint64_t)mib << 20);
        }
        assert_false(z.broken);
        assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
        expect_text(&z, "Hello");
        /* the fifth reaches the budget after 4 MiB less 5 bytes: shown as far as that, cut */
        assert_int_equal(zeros_message(&z, piece, n, mib), 0);
        assert_null(z.error);
        assert_true(z.cut);
        assert_true(z.spent && z.broken);
        assert_true(z.total_out >= budget && z.total_out < budget + 16384);
        assert_true(z.out_len >= ((uint64_t)4 << 20) - 5 && z.out_len < ((uint64_t)4 << 20) - 5 + 16384);
        /* then nothing more, the reason said each time; a gap does not change it */
        for (int later = 0; later < 3; later++) {
            wsi_inflate_begin(&z, 1);
            wsi_inflate_feed(&z, HELLO_STORED, sizeof HELLO_STORED);
            if (later == 2) wsi_inflate_break(&z, "bytes of the compressed message are missing");
            assert_int_equal(wsi_inflate_end(&z), -1);
            assert_string_equal(z.error, why);
            assert_int_equal(z.out_len, 0);
            assert_int_equal(z.preview_len, 0);
            assert_int_equal(z.in_len, sizeof HELLO_STORED);
        }
        /* the other direction inflates on */
        assert_int_equal(one(&other, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
        expect_text(&other, "Hello");
        wsi_inflate_free(&z);
        wsi_inflate_free(&other);
    }

    /* a lower budget (as a caller may set after wsi_inflate_init) is reached the same way, over small messages */
    struct wsi_inflate z;
    assert_int_equal(wsi_inflate_init(&z, &pool, 1, 16), 0);
    z.budget = 10;
    assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
    expect_text(&z, "Hello");
    assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
    assert_true(z.cut);
    assert_int_equal(z.out_len, 5);
    assert_int_equal(one(&z, 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), -1);
    assert_string_equal(z.error, why);
    wsi_inflate_free(&z);
}

static void test_params(void **s)
{
    (void)s;
    struct wsi_pmd_params p;
    const char *v = "permessage-deflate; client_max_window_bits=12; server_no_context_takeover";
    wsi_pmd_parse(v, strlen(v), &p);
    assert_true(p.negotiated);
    assert_true(p.server_no_context_takeover);
    assert_false(p.client_no_context_takeover);
    assert_int_equal(p.client_max_window_bits, 12);
    assert_int_equal(p.server_max_window_bits, 0);
    assert_null(p.error);

    v = "Permessage-Deflate;client_no_context_takeover; server_max_window_bits=\"10\"";
    wsi_pmd_parse(v, strlen(v), &p);
    assert_true(p.negotiated);
    assert_true(p.client_no_context_takeover);
    assert_int_equal(p.server_max_window_bits, 10);
    assert_null(p.error);

    v = "permessage-deflate";
    wsi_pmd_parse(v, strlen(v), &p);
    assert_true(p.negotiated);
    assert_null(p.error);

    v = "x-webkit-deflate-frame";
    wsi_pmd_parse(v, strlen(v), &p);
    assert_false(p.negotiated);

    static const char *const bad[] = {
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; mystery=1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wsi_pmd_parse(bad[i], strlen(bad[i]), &p);
        assert_true(p.negotiated);
        assert_non_null(p.error);
    }
}

/* What a pool keeps is charged to its budget, WSI_ZLIB_HELD and its preview buffer each; a
 * stream taken from it is reset as new, at most WSI_ZPOOL_MAX are kept, draining frees all. */
static void test_pool_charged(void **state)
{
    (void)state;
    struct wsi_budget b;
    wsi_budget_init(&b, 0);
    struct wsi_zpool p;
    wsi_zpool_init(&p, &b);
    enum { N = WSI_ZPOOL_MAX + 3 };
    struct wsi_inflate z[N];
    for (int i = 0; i < N; i++) {
        assert_int_equal(wsi_inflate_init(&z[i], &p, 0, 64), 0);
        assert_int_equal(one(&z[i], 1, HELLO_1BLOCK, sizeof HELLO_1BLOCK, 0), 0);
    }
    assert_true(b.used == 0 && p.n == 0);
    size_t cap = z[0].preview_cap;
    void *last_zs = z[WSI_ZPOOL_MAX - 1].zs; /* the last one kept: the pool was full after it */
    for (int i = 0; i < N; i++) wsi_inflate_free(&z[i]);
    assert_int_equal(p.n, WSI_ZPOOL_MAX);
    assert_true(b.used == (uint64_t)WSI_ZPOOL_MAX * (WSI_ZLIB_HELD + cap));
    /* the last one kept is taken first, its charge released, its window forgotten: the
     * second message of §7.2.3.2, which refers back to "Hello", does not inflate */
    struct wsi_inflate y;
    assert_int_equal(wsi_inflate_init(&y, &p, 0, 64), 0);
    assert_ptr_equal(y.zs, last_zs);
    assert_true(b.used == (uint64_t)(WSI_ZPOOL_MAX - 1) * (WSI_ZLIB_HELD + cap));
    assert_int_equal(one(&y, 1, HELLO_SHARED, sizeof HELLO_SHARED, 0), -1);
    wsi_inflate_free(&y);
    /* an HTTP body's stream comes from the same pool and goes back to it */
    void *zs = wsi_zstream_get(&p, 31);
    assert_non_null(zs);
    assert_int_equal(p.n, WSI_ZPOOL_MAX - 1);
    wsi_zstream_put(&p, zs);
    assert_int_equal(p.n, WSI_ZPOOL_MAX);
    wsi_zpool_drain(&p);
    assert_true(p.n == 0 && p.kept == NULL && b.used == 0);
    /* without a pool, nothing is kept */
    assert_int_equal(wsi_inflate_init(&y, NULL, 0, 64), 0);
    wsi_inflate_free(&y);
    assert_true(b.used == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_one_block),
        cmocka_unit_test(test_rfc_stored_block),
        cmocka_unit_test(test_rfc_bfinal),
        cmocka_unit_test(test_rfc_two_blocks),
        cmocka_unit_test(test_rfc_context_takeover),
        cmocka_unit_test(test_window_after_bfinal),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_invalid_and_broken),
        cmocka_unit_test(test_break),
        cmocka_unit_test(test_roundtrip_and_preview),
        cmocka_unit_test(test_utf8_after_inflate),
        cmocka_unit_test(test_bomb_is_cut),
        cmocka_unit_test(test_cut_and_context_takeover),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_pool_charged),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    wsi_zpool_drain(&pool);
    return rc;
}
