/* test_echo_msgq.c - wsecho's messages: shared by reference, reassembled from fragments,
 * queued per connection, every byte held counted against the limit and given back. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msgq.h"

#define PRE 16

static void test_message_refs(void **state)
{
    (void)state;
    struct memacct a = {0, 1 << 20};
    struct wsmsg *m = wsmsg_new(&a, PRE, "hello", 5, 0);
    assert_non_null(m);
    assert_memory_equal(m->data, "hello", 5);
    assert_true(m->data == m->buf + PRE);
    assert_true(a.held >= 5 + PRE);
    size_t held = a.held;
    wsmsg_ref(m);
    wsmsg_unref(&a, m);
    assert_true(a.held == held); /* one reference left */
    wsmsg_unref(&a, m);
    assert_true(a.held == 0);
    wsmsg_unref(&a, NULL); /* harmless */
    /* zeroed when no data is given */
    m = wsmsg_new(&a, PRE, NULL, 3, 1);
    assert_non_null(m);
    assert_int_equal(m->binary, 1);
    assert_memory_equal(m->data, "\0\0\0", 3);
    wsmsg_unref(&a, m);
    assert_true(a.held == 0);
}

static void test_limit(void **state)
{
    (void)state;
    struct memacct a = {0, 1000};
    assert_null(wsmsg_new(&a, PRE, NULL, 1000, 0)); /* with its header it is over */
    assert_true(a.held == 0);
    struct wsmsg *m = wsmsg_new(&a, PRE, NULL, 500, 0);
    assert_non_null(m);
    assert_null(wsmsg_new(&a, PRE, NULL, 500, 0)); /* the two together are over */
    wsmsg_unref(&a, m);
    m = wsmsg_new(&a, PRE, NULL, 500, 0); /* given back: room again */
    assert_non_null(m);
    wsmsg_unref(&a, m);
    assert_true(a.held == 0);
    /* sizes that would overflow are refused, not wrapped */
    assert_null(wsmsg_new(&a, PRE, NULL, (size_t)-1, 0));
    assert_null(wsmsg_new(&a, (size_t)-1, NULL, 1, 0));
    assert_true(a.held == 0);
}

static void test_reassembly(void **state)
{
    (void)state;
    struct memacct a = {0, 1 << 20};
    struct rxbuf r = {0};
    assert_int_equal(rx_append(&a, &r, PRE, 100, "one ", 4, 0), RX_OK);
    assert_int_equal(rx_append(&a, &r, PRE, 100, "two ", 4, 0), RX_OK);
    char big[300];
    memset(big, 'x', sizeof big);
    assert_int_equal(rx_append(&a, &r, PRE, 1000, big, sizeof big, 0), RX_OK); /* grows past its first room */
    struct wsmsg *m = rx_take(&a, &r, PRE, 0);
    assert_null(r.m);
    assert_non_null(m);
    assert_true(m->len == 308);
    assert_memory_equal(m->data, "one two x", 9);
    assert_true(m->data[307] == 'x');
    wsmsg_unref(&a, m);
    assert_true(a.held == 0);
    /* an empty message (no fragment with data) */
    m = rx_take(&a, &r, PRE, 1);
    assert_non_null(m);
    assert_true(m->len == 0 && m->binary == 1);
    wsmsg_unref(&a, m);
    /* one byte over the message limit: refused, what was received freed */
    assert_int_equal(rx_append(&a, &r, PRE, 10, "12345", 5, 0), RX_OK);
    assert_int_equal(rx_append(&a, &r, PRE, 10, "123456", 6, 0), RX_TOO_BIG);
    assert_null(r.m);
    assert_true(a.held == 0);
    assert_int_equal(rx_append(&a, &r, PRE, 10, "1234567890", 10, 0), RX_OK); /* exactly the limit */
    rx_drop(&a, &r);
    assert_true(a.held == 0);
    /* over the memory limit */
    struct memacct small = {0, 200};
    assert_int_equal(rx_append(&small, &r, PRE, 1000, big, sizeof big, 0), RX_NO_MEMORY);
    assert_null(r.m);
    assert_true(small.held == 0);
}

static void test_queue(void **state)
{
    (void)state;
    struct memacct a = {0, 1 << 20};
    struct msgq q1 = {0}, q2 = {0};
    struct wsmsg *m = wsmsg_new(&a, PRE, "shared", 6, 0);
    /* one message in two queues: one copy, three references */
    assert_int_equal(msgq_push(&q1, m), 0);
    assert_int_equal(msgq_push(&q2, m), 0);
    assert_true(m->refs == 3);
    size_t one = a.held;
    wsmsg_unref(&a, m);
    assert_true(msgq_peek(&q1) == m && msgq_peek(&q2) == m);
    msgq_pop(&a, &q1);
    assert_true(a.held == one); /* still in q2 */
    assert_null(msgq_peek(&q1));
    msgq_pop(&a, &q1); /* empty: nothing happens */
    msgq_pop(&a, &q2);
    assert_true(a.held == 0);
    /* order kept across the ring's end, and full at MSGQ_CAP */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < MSGQ_CAP; i++) {
            char c = (char)('a' + i % 26);
            struct wsmsg *x = wsmsg_new(&a, PRE, &c, 1, 0);
            assert_int_equal(msgq_push(&q1, x), 0);
            wsmsg_unref(&a, x);
        }
        struct wsmsg *extra = wsmsg_new(&a, PRE, "!", 1, 0);
        assert_int_equal(msgq_push(&q1, extra), -1);
        assert_true(extra->refs == 1); /* a refused push takes no reference */
        wsmsg_unref(&a, extra);
        for (int i = 0; i < MSGQ_CAP / 2; i++) {
            assert_int_equal(msgq_peek(&q1)->data[0], 'a' + i % 26);
            msgq_pop(&a, &q1);
        }
        msgq_clear(&a, &q1);
        assert_int_equal(q1.count, 0);
        assert_true(a.held == 0);
        /* start the next round off the ring's origin */
        struct wsmsg *y = wsmsg_new(&a, PRE, "y", 1, 0);
        for (int i = 0; i < round + 5; i++) {
            msgq_push(&q1, y);
            msgq_pop(&a, &q1);
        }
        wsmsg_unref(&a, y);
    }
    assert_true(a.held == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_refs),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_reassembly),
        cmocka_unit_test(test_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
