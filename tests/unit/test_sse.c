/* test_sse.c - the event-stream parser on its own: fields, line endings, splits, limits. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sse.h"

/* Every block as one line: "event|data|id|retry|comments|dispatched;" */
struct rec {
    char log[4096];
    size_t used;
    uint64_t last_total;
};

static void on_event(void *user, const struct wsi_sse_ev *e)
{
    struct rec *r = user;
    int n = snprintf(r->log + r->used, sizeof r->log - r->used, "%s|%.*s|%s|%ld|%llu|%d;", e->event,
                     (int)e->data_len, e->data, e->id ? e->id : "-", e->retry, (unsigned long long)e->comments,
                     e->dispatched);
    assert_true(n > 0 && (size_t)n < sizeof r->log - r->used);
    r->used += (size_t)n;
    r->last_total = e->data_total;
}

/* Feed `s` in pieces of `step` bytes (0: all at once). */
static void run(struct rec *r, const char *s, size_t step, size_t preview)
{
    memset(r, 0, sizeof *r);
    struct wsi_sse *e = wsi_sse_new(preview, on_event, r);
    assert_non_null(e);
    size_t n = strlen(s);
    if (!step) step = n ? n : 1;
    for (size_t i = 0; i < n; i += step) wsi_sse_feed(e, (const uint8_t *)s + i, n - i < step ? n - i : step);
    wsi_sse_free(e);
}

static void test_fields(void **state)
{
    (void)state;
    struct rec r;
    run(&r, ": hello\nevent: tick\ndata: a\ndata:b\nid: 7\nretry: 3000\n\ndata: x\n\n", 0, 256);
    assert_string_equal(r.log, "tick|a\nb|7|3000|1|1;message|x|-|-1|0|1;");
}

static void test_line_endings_and_splits(void **state)
{
    (void)state;
    const char *s = "data: one\r\n\r\ndata: two\r\rdata: three\n\n";
    const char *want = "message|one|-|-1|0|1;message|two|-|-1|0|1;message|three|-|-1|0|1;";
    for (size_t step = 0; step <= 5; step++) {
        struct rec r;
        run(&r, s, step, 256);
        assert_string_equal(r.log, want);
    }
}

static void test_not_dispatched(void **state)
{
    (void)state;
    struct rec r;
    /* a block of only retry sets it but fires nothing; a last block without its blank line is dropped */
    run(&r, "retry: 10\n\ndata: never\n", 0, 256);
    assert_string_equal(r.log, "message||-|10|0|0;");
    /* a bad retry value is ignored, an unknown field too */
    run(&r, "retry: 1x\nfoo: bar\ndata\n\n", 0, 256);
    assert_string_equal(r.log, "message||-|-1|0|1;");
}

static void test_preview_limit(void **state)
{
    (void)state;
    struct rec r;
    run(&r, "data: 0123456789\ndata: abc\n\n", 0, 8);
    assert_string_equal(r.log, "message|01234567|-|-1|0|1;");
    assert_int_equal(r.last_total, 14); /* 10 + LF + 3 */
}

static void test_long_line_cut(void **state)
{
    (void)state;
    static char big[WSI_SSE_LINE_MAX + 200];
    memcpy(big, "event: ", 7);
    memset(big + 7, 'e', sizeof big - 7 - 4);
    memcpy(big + sizeof big - 4, "\n\n", 3);
    struct rec r;
    run(&r, big, 333, 256);
    /* the event name is kept to WSI_SSE_NAME_MAX - 1 bytes */
    const char *bar = strchr(r.log, '|');
    assert_non_null(bar);
    assert_int_equal(bar - r.log, WSI_SSE_NAME_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_line_endings_and_splits),
        cmocka_unit_test(test_not_dispatched),
        cmocka_unit_test(test_preview_limit),
        cmocka_unit_test(test_long_line_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
