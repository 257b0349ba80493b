/* test_echo_page.c - wsecho's page put together from its three files, and its policy's hashes. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "csp.h"
#include "page.h"

static void test_build(void **state)
{
    (void)state;
    static const char html[] = "<head><!--STYLE--></head><body>x<!--SCRIPT--></body>";
    static const char css[] = "b{}", js[] = "alert(1)";
    struct page p;
    char err[128];
    assert_int_equal(page_build(&p, html, strlen(html), css, strlen(css), js, strlen(js), err, sizeof err), 0);
    assert_string_equal(p.html, "<head><style>b{}</style></head><body>x<script>alert(1)</script></body>");
    assert_true(p.len == strlen(p.html));
    char hs[CSP_HASH_SIZE], hj[CSP_HASH_SIZE], want[160];
    csp_hash(css, strlen(css), hs);
    csp_hash(js, strlen(js), hj);
    snprintf(want, sizeof want, "style-src %s; script-src %s;", hs, hj);
    assert_non_null(strstr(p.csp, want));
    assert_non_null(strstr(p.csp, "default-src 'none'"));
    assert_non_null(strstr(p.csp, "connect-src 'self'"));
    assert_null(strstr(p.csp, "unsafe"));
    page_free(&p);
    assert_null(p.html);
}

static void test_hash(void **state)
{
    (void)state;
    char h[CSP_HASH_SIZE];
    /* SHA-256 of the empty string, base64 (the value CSP documents use) */
    csp_hash("", 0, h);
    assert_string_equal(h, "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    csp_hash("alert('Hello, world.');", 23, h);
    assert_string_equal(h, "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='");
}

static void test_markers(void **state)
{
    (void)state;
    struct page p;
    char err[128];
    static const char *const bad[] = {
        "no markers",
        "<!--STYLE-->",
        "<!--SCRIPT-->",
        "<!--SCRIPT--><!--STYLE-->",
        "<!--STYLE--><!--STYLE--><!--SCRIPT-->",
        "<!--STYLE--><!--SCRIPT--><!--SCRIPT-->",
        "<!--STYLE-",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        assert_int_equal(page_build(&p, bad[i], strlen(bad[i]), "", 0, "", 0, err, sizeof err), -1);
        assert_string_equal(err, "page.html must hold <!--STYLE--> then <!--SCRIPT-->, once each");
        assert_null(p.html);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_markers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
