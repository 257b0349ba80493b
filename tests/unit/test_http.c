/* test_http.c - the HTTP body reader on its own: Content-Length, chunked (extensions, trailers, errors), gaps, splits;
 * the content decoder (Content-Encoding gzip, deflate as zlib or raw) whole, split and corrupt. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "http.h"
#include "inflate.h"

/* The zlib streams let go, shared by every test (a session's are its own). */
static struct wsi_zpool pool;

struct rec {
    char log[1024];
    size_t used;
};

static void put(struct rec *r, const char *s, size_t n)
{
    assert_true(n < sizeof r->log - r->used);
    memcpy(r->log + r->used, s, n);
    r->used += n;
    r->log[r->used] = '\0';
}

static void on_data(void *u, const uint8_t *p, size_t n) { put(u, (const char *)p, n); }
static void on_begin(void *u, uint64_t size)
{
    char b[32];
    int k = snprintf(b, sizeof b, "<%llu:", (unsigned long long)size);
    put(u, b, (size_t)k);
}
static void on_end(void *u, uint64_t size)
{
    (void)size;
    put(u, ">", 1);
}

static const struct wsi_body_cb cb = {on_data, on_begin, on_end};

/* Feed s in steps; returns the bytes the body took, the log in r. */
static size_t run(struct wsi_body *b, struct rec *r, const char *s, size_t step)
{
    size_t n = strlen(s), took = 0;
    memset(r, 0, sizeof *r);
    if (!step) step = n ? n : 1;
    for (size_t i = 0; i < n && b->state == WSI_BODY_MORE; i += step) {
        size_t k = n - i < step ? n - i : step;
        size_t t = wsi_body_feed(b, (const uint8_t *)s + i, k, &cb, r);
        took += t;
        if (t < k) break;
    }
    return took;
}

static void test_length(void **state)
{
    (void)state;
    struct wsi_body b;
    struct rec r;
    wsi_body_start(&b, WSI_BODY_LENGTH, 5);
    assert_int_equal(run(&b, &r, "helloGET / HTTP/1.1", 0), 5);
    assert_int_equal(b.state, WSI_BODY_DONE);
    assert_string_equal(r.log, "hello");
}

static void test_chunked_every_split(void **state)
{
    (void)state;
    const char *s = "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT";
    size_t body = strlen(s) - 4;
    for (size_t step = 0; step <= 7; step++) {
        struct wsi_body b;
        struct rec r;
        wsi_body_start(&b, WSI_BODY_CHUNKED, 0);
        assert_int_equal(run(&b, &r, s, step), body);
        assert_int_equal(b.state, WSI_BODY_DONE);
        assert_string_equal(r.log, "<4:Wiki><5:pedia><14: in\r\n\r\nchunks.>");
    }
}

static void test_chunked_errors(void **state)
{
    (void)state;
    struct wsi_body b;
    struct rec r;
    wsi_body_start(&b, WSI_BODY_CHUNKED, 0);
    run(&b, &r, "zz\r\n", 0);
    assert_int_equal(b.state, WSI_BODY_BAD);
    wsi_body_start(&b, WSI_BODY_CHUNKED, 0);
    run(&b, &r, "\r\n", 0); /* no digits */
    assert_int_equal(b.state, WSI_BODY_BAD);
    wsi_body_start(&b, WSI_BODY_CHUNKED, 0);
    run(&b, &r, "1234567890abcdef0\r\n", 0); /* 17 hex digits: more than 64 bits can say */
    assert_int_equal(b.state, WSI_BODY_BAD);
    assert_false(wsi_body_gap(&b, 1));
}

static void test_gaps(void **state)
{
    (void)state;
    struct wsi_body b;
    wsi_body_start(&b, WSI_BODY_LENGTH, 100);
    assert_true(wsi_body_gap(&b, 40));   /* 60 left */
    assert_int_equal(b.left, 60);
    assert_false(wsi_body_gap(&b, 60));  /* would swallow the end: the next head's place is unknown */
    wsi_body_start(&b, WSI_BODY_UNTIL_CLOSE, 0);
    assert_true(wsi_body_gap(&b, 1000));
    wsi_body_start(&b, WSI_BODY_CHUNKED, 0);
    assert_false(wsi_body_gap(&b, 1));
}

static void test_until_close(void **state)
{
    (void)state;
    struct wsi_body b;
    struct rec r;
    wsi_body_start(&b, WSI_BODY_UNTIL_CLOSE, 0);
    assert_int_equal(run(&b, &r, "all of it", 2), 9);
    assert_int_equal(b.state, WSI_BODY_MORE);
    assert_string_equal(r.log, "all of it");
}

/* ---- content codings ---- */

static void test_coding_of(void **state)
{
    (void)state;
#define CO(s) wsi_coding_of(s, strlen(s))
    assert_int_equal(CO(""), WSI_CODING_IDENTITY);
    assert_int_equal(CO("identity"), WSI_CODING_IDENTITY);
    assert_int_equal(CO("gzip"), WSI_CODING_GZIP);
    assert_int_equal(CO(" GZip "), WSI_CODING_GZIP);
    assert_int_equal(CO("x-gzip"), WSI_CODING_GZIP);
    assert_int_equal(CO("deflate"), WSI_CODING_DEFLATE);
    assert_int_equal(CO("identity, deflate,"), WSI_CODING_DEFLATE);
    assert_int_equal(CO("br"), WSI_CODING_OTHER);
    assert_int_equal(CO("gzipx"), WSI_CODING_OTHER);
    assert_int_equal(CO("deflate, gzip"), WSI_CODING_OTHER); /* two codings: not decoded */
#undef CO
}

/* Compress `text` with zlib: wbits 31 gzip, 15 zlib, -15 raw deflate. */
static size_t squeeze(const char *text, int wbits, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)strlen(text);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return n;
}

static void on_out(void *u, const uint8_t *p, size_t n)
{
    assert_true(n > 0 && n <= WSI_CODING_PIECE);
    put(u, (const char *)p, n);
}

static const char TEXT[] = "data: the same words again and again, the same words again and again\n\n";

static void test_decoder_every_split(void **state)
{
    (void)state;
    static const struct { enum wsi_coding coding; int wbits; } kinds[] = {
        {WSI_CODING_GZIP, 31}, {WSI_CODING_DEFLATE, 15}, {WSI_CODING_DEFLATE, -15}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        uint8_t z[512];
        size_t zn = squeeze(TEXT, kinds[k].wbits, z, sizeof z);
        for (size_t cut = 0; cut <= zn; cut++) {
            struct wsi_decoder d;
            struct rec r = {.used = 0};
            r.log[0] = '\0';
            assert_int_equal(wsi_decoder_start(&d, &pool, kinds[k].coding), 0);
            assert_int_equal(wsi_decoder_feed(&d, z, cut, on_out, &r), 0);
            assert_int_equal(wsi_decoder_feed(&d, z + cut, zn - cut, on_out, &r), 0);
            assert_string_equal(r.log, TEXT);
            assert_true(d.done);
            assert_null(d.error);
            assert_int_equal(d.raw, kinds[k].wbits < 0);
            assert_int_equal(d.out, strlen(TEXT));
            /* bytes after the end of the stream are not content */
            assert_int_equal(wsi_decoder_feed(&d, (const uint8_t *)"junk", 4, on_out, &r), 0);
            assert_string_equal(r.log, TEXT);
            wsi_decoder_end(&d);
        }
    }
}

static void test_decoder_gzip_members(void **state)
{
    (void)state;
    uint8_t z[1024];
    size_t a = squeeze("first member, ", 31, z, sizeof z);
    size_t b = squeeze("second member", 31, z + a, sizeof z - a);
    struct wsi_decoder d;
    struct rec r = {.used = 0};
    assert_int_equal(wsi_decoder_start(&d, &pool, WSI_CODING_GZIP), 0);
    assert_int_equal(wsi_decoder_feed(&d, z, a + b, on_out, &r), 0);
    assert_string_equal(r.log, "first member, second member");
    wsi_decoder_end(&d);
}

static void test_decoder_corrupt(void **state)
{
    (void)state;
    uint8_t z[512];
    size_t zn = squeeze(TEXT, 31, z, sizeof z);
    /* not gzip at all */
    struct wsi_decoder d;
    struct rec r = {.used = 0};
    assert_int_equal(wsi_decoder_start(&d, &pool, WSI_CODING_GZIP), 0);
    assert_int_equal(wsi_decoder_feed(&d, (const uint8_t *)"plain text, no gzip", 19, on_out, &r), -1);
    assert_non_null(d.error);
    assert_non_null(strstr(d.error, "the gzip data is corrupt"));
    assert_int_equal(wsi_decoder_feed(&d, z, zn, on_out, &r), -1); /* stays stopped */
    assert_int_equal(r.used, 0);
    wsi_decoder_end(&d);
    /* a damaged block inside a good header: stops with the reason, no crash */
    z[12] ^= 0xFF;
    z[13] ^= 0xFF;
    r.used = 0;
    assert_int_equal(wsi_decoder_start(&d, &pool, WSI_CODING_GZIP), 0);
    int rc = wsi_decoder_feed(&d, z, zn, on_out, &r);
    assert_true(rc == -1 ? d.error != NULL : d.error == NULL);
    assert_true(rc == -1 || strcmp(r.log, TEXT) != 0 || !d.done);
    wsi_decoder_end(&d);
}

/* Decoders one after another take the zlib stream the one before let go (inflate.c's idle
 * decompressors, shared with permessage-deflate), reset as a new one: whatever the last one
 * was (gzip, zlib, raw, stopped half-way, corrupt), the next decodes its body whole. */
static void test_decoder_reuse(void **state)
{
    (void)state;
    static const struct { enum wsi_coding coding; int wbits; } kinds[] = {
        {WSI_CODING_GZIP, 31}, {WSI_CODING_DEFLATE, 15}, {WSI_CODING_DEFLATE, -15}};
    uint8_t z[3][512];
    size_t zn[3];
    for (size_t k = 0; k < 3; k++) zn[k] = squeeze(TEXT, kinds[k].wbits, z[k], sizeof z[k]);
    void *last = NULL;
    for (int round = 0; round < 60; round++) {
        size_t k = (size_t)round % 3, before = (size_t)(round / 3) % 3;
        /* the one before: stopped half-way, corrupt, or whole */
        struct wsi_decoder d;
        struct rec r = {.used = 0};
        r.log[0] = '\0';
        assert_int_equal(wsi_decoder_start(&d, &pool, kinds[before].coding), 0);
        if (last) assert_ptr_equal(d.z, last); /* the stream let go last */
        if (round % 2) {
            wsi_decoder_feed(&d, z[before], zn[before] / 2, on_out, &r);
        } else if (round % 5 == 0) {
            uint8_t bad[512];
            memcpy(bad, z[before], zn[before]);
            for (size_t i = 2; i < zn[before]; i += 3) bad[i] ^= 0x5A;
            wsi_decoder_feed(&d, bad, zn[before], on_out, &r);
        } else {
            assert_int_equal(wsi_decoder_feed(&d, z[before], zn[before], on_out, &r), 0);
        }
        last = d.z;
        wsi_decoder_end(&d);
        /* the next one */
        struct rec r2 = {.used = 0};
        r2.log[0] = '\0';
        assert_int_equal(wsi_decoder_start(&d, &pool, kinds[k].coding), 0);
        assert_ptr_equal(d.z, last);
        size_t cut = (size_t)round * 7 % (zn[k] + 1);
        assert_int_equal(wsi_decoder_feed(&d, z[k], cut, on_out, &r2), 0);
        assert_int_equal(wsi_decoder_feed(&d, z[k] + cut, zn[k] - cut, on_out, &r2), 0);
        assert_string_equal(r2.log, TEXT);
        assert_true(d.done);
        assert_null(d.error);
        assert_int_equal(d.raw, kinds[k].wbits < 0);
        last = d.z;
        wsi_decoder_end(&d);
    }
}

/* A small bomb: the output is handed over in pieces and counted, never held whole. */
static void count_out(void *u, const uint8_t *p, size_t n)
{
    (void)p;
    assert_true(n <= WSI_CODING_PIECE);
    *(uint64_t *)u += n;
}

static void test_decoder_large_output(void **state)
{
    (void)state;
    size_t big = 8u << 20;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, 'a', big);
    text[big] = '\0';
    uint8_t *z = malloc(64 << 10);
    assert_non_null(z);
    size_t zn = squeeze(text, 15, z, 64 << 10);
    assert_true(zn < 64 << 10);
    struct wsi_decoder d;
    uint64_t got = 0;
    assert_int_equal(wsi_decoder_start(&d, &pool, WSI_CODING_DEFLATE), 0);
    assert_int_equal(wsi_decoder_feed(&d, z, zn, count_out, &got), 0);
    assert_int_equal(got, big);
    assert_true(d.done);
    wsi_decoder_end(&d);
    free(z);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_chunked_every_split),
        cmocka_unit_test(test_chunked_errors),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_until_close),
        cmocka_unit_test(test_coding_of),
        cmocka_unit_test(test_decoder_every_split),
        cmocka_unit_test(test_decoder_gzip_members),
        cmocka_unit_test(test_decoder_corrupt),
        cmocka_unit_test(test_decoder_reuse),
        cmocka_unit_test(test_decoder_large_output),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    wsi_zpool_drain(&pool);
    return rc;
}
