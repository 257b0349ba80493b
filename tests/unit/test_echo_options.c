/* test_echo_options.c - wsecho's command line: defaults, every option, and the errors. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"

static int parse(struct wsecho_opts *o, char *err, size_t errlen, ...)
{
    char *argv[32] = {"wsecho"};
    int argc = 1;
    va_list ap;
    va_start(ap, errlen);
    for (char *a; argc < 31 && (a = va_arg(ap, char *));)
        argv[argc++] = a;
    va_end(ap);
    return wsecho_parse(argc, argv, o, err, errlen);
}

static void test_defaults(void **state)
{
    (void)state;
    struct wsecho_opts o;
    char err[256];
    assert_int_equal(parse(&o, err, sizeof err, NULL), 0);
    assert_int_equal(o.port, 8080);
    assert_string_equal(o.listen, "127.0.0.1");
    assert_int_equal(o.tls, 0);
    assert_null(o.cert);
    assert_null(o.keylog);
    assert_int_equal(o.max_connections, 64);
    assert_true(o.max_message == 1024 * 1024);
    assert_true(o.max_memory == 64 * 1024 * 1024);
    assert_int_equal(o.news, 10);
    assert_int_equal(o.deflate, 1);
    assert_int_equal(o.verbose, 0);
}

static void test_every_option(void **state)
{
    (void)state;
    struct wsecho_opts o;
    char err[256];
    assert_int_equal(parse(&o, err, sizeof err, "-p", "9000", "--listen=0.0.0.0", "--news", "0", "--max-connections",
                           "5", "--max-message", "64K", "--max-memory=2m", "--no-deflate", "-v", NULL),
                     0);
    assert_int_equal(o.port, 9000);
    assert_string_equal(o.listen, "0.0.0.0");
    assert_int_equal(o.news, 0);
    assert_int_equal(o.max_connections, 5);
    assert_true(o.max_message == 65536);
    assert_true(o.max_memory == 2 * 1024 * 1024);
    assert_int_equal(o.deflate, 0);
    assert_int_equal(o.verbose, 1);
    /* TLS: each of the TLS options implies it */
    assert_int_equal(parse(&o, err, sizeof err, "--keylog", "k.txt", NULL), 0);
    assert_int_equal(o.tls, 1);
    assert_string_equal(o.keylog, "k.txt");
    assert_int_equal(parse(&o, err, sizeof err, "--cert", "c.pem", "--key", "k.pem", NULL), 0);
    assert_int_equal(o.tls, 1);
    assert_string_equal(o.cert, "c.pem");
    assert_string_equal(o.key, "k.pem");
    assert_int_equal(parse(&o, err, sizeof err, "-h", NULL), 0);
    assert_int_equal(o.help, 1);
    assert_int_equal(parse(&o, err, sizeof err, "--version", NULL), 0);
    assert_int_equal(o.version, 1);
    assert_int_equal(parse(&o, err, sizeof err, "--port", "65535", NULL), 0);
    assert_int_equal(o.port, 65535);
}

static void test_errors(void **state)
{
    (void)state;
    struct wsecho_opts o;
    char err[256];
    static const struct {
        const char *a, *b, *msg;
    } bad[] = {
        {"--port", "0", "--port: '0' is not a port number (1-65535)"},
        {"--port", "65536", "--port: '65536' is not a port number (1-65535)"},
        {"--port", "80x", "--port: '80x' is not a port number (1-65535)"},
        {"--port", "-1", "--port: '-1' is not a port number (1-65535)"},
        {"--port", "99999999999999999999999", "--port: '99999999999999999999999' is not a port number (1-65535)"},
        {"--news", "x", "--news: 'x' is not a number of seconds (0-86400)"},
        {"--max-message", "0", "--max-message: '0' is not a size from 1 to 1G (bytes, or with K, M, G)"},
        {"--max-message", "2G", "--max-message: '2G' is not a size from 1 to 1G (bytes, or with K, M, G)"},
        {"--max-message", "1T", "--max-message: '1T' is not a size from 1 to 1G (bytes, or with K, M, G)"},
        {"--max-memory", "100", "--max-memory: '100' is not a size from 1K to 4G (bytes, or with K, M, G)"},
        {"--max-connections", "0", "--max-connections: '0' is not a number from 1 to 10000"},
        {"--bogus", NULL, "unknown option --bogus"},
        {"-x", NULL, "unknown option -x"},
        {"--tls=yes", NULL, "--tls takes no value"},
        {"stray", NULL, "unexpected argument 'stray' (wsecho takes options only)"},
        {"--listen", "", "--listen: an address is needed (127.0.0.1, 0.0.0.0, ::1...)"},
        {"--cert", "c.pem", "--cert and --key go together (a PEM certificate and its private key)"},
        {"--key", "k.pem", "--cert and --key go together (a PEM certificate and its private key)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(&o, err, sizeof err, bad[i].a, bad[i].b, NULL), -1);
        assert_string_equal(err, bad[i].msg);
    }
    assert_int_equal(parse(&o, err, sizeof err, "--port", NULL), -1);
    assert_string_equal(err, "--port needs a value");
    assert_int_equal(parse(&o, err, sizeof err, "--max-message", "8M", "--max-memory", "4M", NULL), -1);
    assert_string_equal(err, "--max-message (8388608) is larger than --max-memory (4194304)");
    /* a tiny error buffer is cut, never overrun */
    char small[8];
    assert_int_equal(parse(&o, small, sizeof small, "--bogus", NULL), -1);
    assert_string_equal(small, "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_option),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
