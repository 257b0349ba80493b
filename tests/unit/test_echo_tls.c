/* test_echo_tls.c - wsecho's TLS pieces: the self-signed certificate (a usable pair, the names a
 * browser checks), the checks of given files, and the key log's lines. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tlsutil.h"

static char dir[] = "/tmp/test-echo-tls-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static void rm(const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = {"cert.pem", "key.pem", "junk.pem", "keys.txt"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) rm(names[i]);
    char d2[256];
    snprintf(d2, sizeof d2, "%s/other", dir);
    char p[300];
    snprintf(p, sizeof p, "%s/cert.pem", d2);
    unlink(p);
    snprintf(p, sizeof p, "%s/key.pem", d2);
    unlink(p);
    rmdir(d2);
    rmdir(dir);
    return 0;
}

static void path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static void test_selfsigned(void **state)
{
    (void)state;
    char err[256], cert[256], key[256];
    assert_int_equal(tls_make_selfsigned(dir, "192.168.1.20", 30, err, sizeof err), 0);
    path(cert, sizeof cert, "cert.pem");
    path(key, sizeof key, "key.pem");
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* the private key readable by its owner only */
    assert_int_equal(tls_check_pair(cert, key, err, sizeof err), 0);
    FILE *f = fopen(cert, "r");
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    /* the names a browser checks: localhost, 127.0.0.1, ::1, and the --listen address */
    assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
    assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
    assert_int_equal(X509_check_ip_asc(x, "192.168.1.20", 0), 1);
    assert_int_equal(X509_check_ip_asc(x, "10.0.0.1", 0), 0);
    assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
    assert_true(X509_cmp_current_time(X509_get0_notAfter(x)) > 0);
    X509_free(x);
    char fp[128];
    assert_int_equal(tls_fingerprint(cert, fp, sizeof fp), 0);
    assert_int_equal(strlen(fp), 32 * 3 - 1);
    assert_int_equal(fp[2], ':');
    /* a second certificate: a key of one does not fit the other */
    char other[200], okey[256];
    snprintf(other, sizeof other, "%s/other", dir);
    assert_int_equal(mkdir(other, 0700), 0);
    assert_int_equal(tls_make_selfsigned(other, NULL, 1, err, sizeof err), 0);
    snprintf(okey, sizeof okey, "%s/key.pem", other);
    assert_int_equal(tls_check_pair(cert, okey, err, sizeof err), -1);
    char want[600];
    snprintf(want, sizeof want, "%s is not the private key of the certificate %s", okey, cert);
    assert_string_equal(err, want);
    /* a folder that does not exist */
    assert_int_equal(tls_make_selfsigned("/nonexistent-folder", NULL, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-folder/key.pem: cannot write the key"));
}

static void test_check_errors(void **state)
{
    (void)state;
    char err[512], junk[256], want[600];
    path(junk, sizeof junk, "junk.pem");
    FILE *f = fopen(junk, "w");
    fputs("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", f);
    fclose(f);
    assert_int_equal(tls_check_pair("/nonexistent.pem", junk, err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent.pem: cannot open the certificate: No such file or directory");
    assert_int_equal(tls_check_pair(junk, junk, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: not a PEM certificate (a file starting with -----BEGIN CERTIFICATE-----)", junk);
    assert_string_equal(err, want);
    char cert[256];
    path(cert, sizeof cert, "cert.pem");
    assert_int_equal(tls_check_pair(cert, junk, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)", junk);
    assert_string_equal(err, want);
    assert_int_equal(tls_check_pair(cert, "/nonexistent.key", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent.key: cannot open the private key: No such file or directory");
    assert_int_equal(tls_fingerprint(junk, want, sizeof want), -1);
}

static void test_keylog(void **state)
{
    (void)state;
    char err[256], p[256];
    assert_int_equal(keylog_open("/nonexistent-folder/keys.txt", err, sizeof err), -1);
    assert_string_equal(err, "--keylog /nonexistent-folder/keys.txt: cannot open for writing: No such file or directory");
    path(p, sizeof p, "keys.txt");
    FILE *f = fopen(p, "w");
    fputs("CLIENT_RANDOM earlier session\n", f); /* appended to, never truncated */
    fclose(f);
    assert_int_equal(keylog_open(p, err, sizeof err), 0);
    keylog_write_line("CLIENT_TRAFFIC_SECRET_0 aa bb");
    keylog_write_line(NULL);
    /* written at once: readable while the server runs */
    f = fopen(p, "r");
    char buf[256] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    assert_string_equal(buf, "CLIENT_RANDOM earlier session\nCLIENT_TRAFFIC_SECRET_0 aa bb\n");
    assert_int_equal(keylog_lines(), 1);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    keylog_attach(ctx);
    assert_non_null(SSL_CTX_get_keylog_callback(ctx));
    SSL_CTX_free(ctx);
    keylog_close();
    keylog_write_line("after close"); /* ignored */
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_true(st.st_size == (off_t)strlen(buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selfsigned),
        cmocka_unit_test(test_check_errors),
        cmocka_unit_test(test_keylog),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
