/* test_budget.c - the memory budget on its own: sizes, charges, and the holders giving way in order. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "budget.h"

static void test_parse(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(wsi_budget_parse("64M", &v), 0);
    assert_true(v == (uint64_t)64 << 20);
    assert_int_equal(wsi_budget_parse("1g", &v), 0);
    assert_true(v == (uint64_t)1 << 30);
    assert_int_equal(wsi_budget_parse("512K", &v), 0);
    assert_true(v == (uint64_t)512 << 10);
    assert_int_equal(wsi_budget_parse("64MB", &v), 0);
    assert_true(v == (uint64_t)64 << 20);
    assert_int_equal(wsi_budget_parse("5000000", &v), 0);
    assert_true(v == 5000000);
    static const char *const bad[] = {"", "M", "-1M", "+4M", "12X", "4M4", "1.5G", "99999999999999999999",
                                      "17179869184G"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_int_equal(wsi_budget_parse(bad[i], &v), -1);
}

/* A holder with `n` pieces of `size` bytes each, charged up front. */
struct holder {
    struct wsi_budget *b;
    int n;
    uint64_t size;
    int calls;
    int order;           /* when it was first asked (1-based, over all holders) */
};

static int asked;

static int give(void *self)
{
    struct holder *h = self;
    h->calls++;
    if (!h->order) h->order = ++asked;
    if (!h->n) return 0;
    h->n--;
    wsi_budget_release(h->b, h->size);
    return 1;
}

/* A holder that says it gave but frees nothing: the next one must get its turn. */
static int give_nothing(void *self)
{
    struct holder *h = self;
    h->calls++;
    if (!h->order) h->order = ++asked;
    return 1;
}

static void test_enforce_order(void **state)
{
    (void)state;
    struct wsi_budget b;
    wsi_budget_init(&b, 1000);
    struct holder a = {&b, 3, 100, 0, 0}, z = {&b, 0, 0, 0, 0}, c = {&b, 10, 100, 0, 0};
    asked = 0;
    wsi_budget_giver(&b, give, &a, "a");
    wsi_budget_giver(&b, give_nothing, &z, "z");
    wsi_budget_giver(&b, give, &c, "c");
    wsi_budget_charge(&b, 300 + 1000);
    assert_true(b.used == 1300 && b.peak == 1300);
    /* over the limit: a gives all it has (3), z is asked once and gives nothing, c gives until
     * the total is under 7/8 of the limit (875): 1000 - 100 * k <= 875, k = 2 */
    assert_int_equal(wsi_budget_enforce(&b), 3 + 1 + 2);
    assert_true(b.used == 800);
    assert_int_equal(a.n, 0);
    assert_int_equal(a.order, 1);
    assert_int_equal(z.order, 2);
    assert_int_equal(z.calls, 1);
    assert_int_equal(c.order, 3);
    assert_int_equal(c.n, 8);
    assert_true(b.giver[0].times == 3 && b.giver[2].times == 2);
    /* under the limit: nobody is asked */
    int before = a.calls + z.calls + c.calls;
    wsi_budget_charge(&b, 200); /* 1000: at the limit, not over it */
    assert_int_equal(wsi_budget_enforce(&b), 0);
    assert_int_equal(a.calls + z.calls + c.calls, before);
    assert_true(b.peak == 1300);
}

/* A keeper of spares: frees them all, releasing their charge. */
struct keeper {
    struct wsi_budget *b;
    uint64_t held;
    int calls, order;
};

static void trim(void *self)
{
    struct keeper *k = self;
    k->calls++;
    if (!k->order) k->order = ++asked;
    wsi_budget_release(k->b, k->held);
    k->held = 0;
}

static void test_spares_first(void **state)
{
    (void)state;
    struct wsi_budget b;
    wsi_budget_init(&b, 1000);
    struct holder a = {&b, 5, 100, 0, 0};
    struct keeper k = {&b, 300, 0, 0};
    asked = 0;
    wsi_budget_giver(&b, give, &a, "a");
    wsi_budget_trimmer(&b, trim, &k);
    wsi_budget_charge(&b, 500 + 300);
    /* under the limit: the spares are kept */
    assert_int_equal(wsi_budget_enforce(&b), 0);
    assert_int_equal(k.calls, 0);
    /* over it, the spares alone bring it back within it (not under 7/8: freeing them is
     * cheap to do again): nobody gives way, nothing is said */
    wsi_budget_charge(&b, 300); /* 1100, of which 300 spares */
    assert_int_equal(wsi_budget_enforce(&b), 0);
    assert_int_equal(k.calls, 1);
    assert_int_equal(k.order, 1);
    assert_int_equal(a.calls, 0);
    assert_true(b.used == 800 && b.trims == 1 && b.giver[0].times == 0);
    /* over it again by more than the spares: they are freed first, then the holder gives way
     * down to 7/8 of the limit */
    k.held = 100;
    wsi_budget_charge(&b, 100 + 300); /* 1200, of which 100 spares */
    assert_int_equal(wsi_budget_enforce(&b), 3); /* 1100, then 1000, 900, 800 <= 875 */
    assert_int_equal(k.calls, 2);
    assert_int_equal(a.order, 2);
    assert_true(b.used == 800 && b.trims == 2 && b.giver[0].times == 3);
    /* a keeper that goes away is no longer asked */
    wsi_budget_trimmer_remove(&b, &k);
    assert_int_equal(b.ntrimmers, 0);
    wsi_budget_charge(&b, 300); /* 1100 */
    wsi_budget_enforce(&b);
    assert_int_equal(k.calls, 2);
    /* at most WSI_BUDGET_TRIMMERS keepers */
    for (int i = 0; i < WSI_BUDGET_TRIMMERS + 2; i++) wsi_budget_trimmer(&b, trim, &k);
    assert_int_equal(b.ntrimmers, WSI_BUDGET_TRIMMERS);
}

/* A pool of spares: those kept are charged, `size` each; a kept one is given before a new
 * one (last in, first out), at most `max` are kept, and freeing them releases their charge. */
static void test_spares_pool(void **state)
{
    (void)state;
    struct wsi_budget b;
    wsi_budget_init(&b, 0);
    struct wsi_spares sp;
    wsi_spares_init(&sp, 100, 3, &b);
    void *o[5];
    for (int i = 0; i < 5; i++) assert_non_null(o[i] = wsi_spares_get(&sp));
    assert_true(b.used == 0); /* new ones, in use: charged by whoever holds them */
    for (int i = 0; i < 5; i++) wsi_spares_put(&sp, o[i]); /* the last two are freed */
    assert_int_equal(sp.n, 3);
    assert_true(b.used == 300);
    assert_ptr_equal(wsi_spares_get(&sp), o[2]);
    assert_true(b.used == 200);
    wsi_spares_put(&sp, o[2]);
    wsi_spares_put(&sp, NULL); /* nothing */
    assert_true(sp.n == 3 && b.used == 300);
    wsi_spares_free(&sp);
    assert_true(sp.n == 0 && b.used == 0);
    /* at most WSI_SPARES_MAX, whatever is asked; without a budget nothing is charged */
    wsi_spares_init(&sp, 8, WSI_SPARES_MAX + 10, NULL);
    assert_int_equal(sp.max, WSI_SPARES_MAX);
    void *x = wsi_spares_get(&sp);
    wsi_spares_put(&sp, x);
    assert_int_equal(sp.n, 1);
    wsi_spares_free(&sp);
}

static void test_no_limit_and_release(void **state)
{
    (void)state;
    struct wsi_budget b;
    wsi_budget_init(&b, 0);
    struct holder a = {&b, 5, 100, 0, 0};
    wsi_budget_giver(&b, give, &a, "a");
    wsi_budget_charge(&b, 1u << 30);
    assert_int_equal(wsi_budget_enforce(&b), 0); /* no limit: nothing is asked */
    assert_int_equal(a.calls, 0);
    wsi_budget_release(&b, 2u << 30); /* more than charged: stays at 0, no wrap */
    assert_true(b.used == 0);
    wsi_budget_resize(&b, 0, 500);
    wsi_budget_resize(&b, 500, 200);
    assert_true(b.used == 200);
    /* NULL budget: every call is a no-op */
    wsi_budget_charge(NULL, 5);
    wsi_budget_release(NULL, 5);
    assert_int_equal(wsi_budget_enforce(NULL), 0);
    /* at most WSI_BUDGET_GIVERS holders */
    for (int i = 0; i < WSI_BUDGET_GIVERS + 2; i++) wsi_budget_giver(&b, give, &a, "x");
    assert_int_equal(b.ngivers, WSI_BUDGET_GIVERS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_enforce_order),
        cmocka_unit_test(test_spares_first),
        cmocka_unit_test(test_spares_pool),
        cmocka_unit_test(test_no_limit_and_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
