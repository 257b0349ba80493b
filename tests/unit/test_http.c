/* test_http.c - the HTTP body reader on its own: Content-Length, chunked (extensions, trailers, errors), gaps, splits. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_chunked_every_split),
        cmocka_unit_test(test_chunked_errors),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_until_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
