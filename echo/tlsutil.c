/* tlsutil.c - self-signed certificate, certificate checks and the key log, with OpenSSL. */
#include "tlsutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    ERR_clear_error();
    return -1;
}

/* OpenSSL's own reason for the last error, for the end of a sentence. */
static const char *ossl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "unknown reason";
}

static FILE *create_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (!f)
        close(fd);
    return f;
}

static int add_san(X509 *x, const char *host)
{
    char names[512];
    struct in6_addr a6;
    struct in_addr a4;
    int n = snprintf(names, sizeof names, "DNS:localhost,IP:127.0.0.1,IP:::1");
    if (host && *host && strcmp(host, "127.0.0.1") && strcmp(host, "::1") && strcmp(host, "0.0.0.0") &&
        strcmp(host, "::") && strcmp(host, "localhost") && strlen(host) < 200) {
        int ip = inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
        n += snprintf(names + n, sizeof names - (size_t)n, ",%s:%s", ip ? "IP" : "DNS", host);
    }
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, names);
    if (!ext)
        return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

int tls_make_selfsigned(const char *dir, const char *host, int days, char *err, size_t errlen)
{
    int rc = -1;
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    FILE *f = NULL;
    char path[4096];
    if (!pkey || !x) {
        fail(err, errlen, "cannot make a key for the self-signed certificate: %s", ossl_reason());
        goto out;
    }
    unsigned char serial[8];
    if (RAND_bytes(serial, sizeof serial) != 1) {
        fail(err, errlen, "no random bytes for the certificate's serial number: %s", ossl_reason());
        goto out;
    }
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
        BN_free(bn);
        fail(err, errlen, "cannot set the certificate's serial number: %s", ossl_reason());
        goto out;
    }
    BN_free(bn);
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_set_version(x, 2) || !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) || !X509_set_pubkey(x, pkey) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"wsecho", -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"wsecho self-signed (classroom)", -1, -1, 0) ||
        !X509_set_issuer_name(x, name) || add_san(x, host) || !X509_sign(x, pkey, EVP_sha256())) {
        fail(err, errlen, "cannot make the self-signed certificate: %s", ossl_reason());
        goto out;
    }
    snprintf(path, sizeof path, "%s/key.pem", dir);
    if (!(f = create_private(path)) || !PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) || fclose(f)) {
        f = NULL;
        fail(err, errlen, "%s: cannot write the key: %s", path, strerror(errno ? errno : EIO));
        goto out;
    }
    snprintf(path, sizeof path, "%s/cert.pem", dir);
    if (!(f = create_private(path)) || !PEM_write_X509(f, x) || fclose(f)) {
        f = NULL;
        fail(err, errlen, "%s: cannot write the certificate: %s", path, strerror(errno ? errno : EIO));
        goto out;
    }
    f = NULL;
    rc = 0;
out:
    if (f)
        fclose(f);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return rc;
}

int tls_check_pair(const char *cert, const char *key, char *err, size_t errlen)
{
    FILE *f = fopen(cert, "r");
    if (!f)
        return fail(err, errlen, "%s: cannot open the certificate: %s", cert, strerror(errno));
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x)
        return fail(err, errlen, "%s: not a PEM certificate (a file starting with -----BEGIN CERTIFICATE-----)", cert);
    f = fopen(key, "r");
    if (!f) {
        X509_free(x);
        return fail(err, errlen, "%s: cannot open the private key: %s", key, strerror(errno));
    }
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
    fclose(f);
    if (!k) {
        X509_free(x);
        return fail(err, errlen, "%s: not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)", key);
    }
    int match = X509_check_private_key(x, k);
    int expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0;
    X509_free(x);
    EVP_PKEY_free(k);
    if (match != 1)
        return fail(err, errlen, "%s is not the private key of the certificate %s", key, cert);
    if (expired)
        return fail(err, errlen, "%s: the certificate has expired (browsers refuse it)", cert);
    ERR_clear_error();
    return 0;
}

int tls_fingerprint(const char *cert, char *out, size_t outlen)
{
    FILE *f = fopen(cert, "r");
    if (!f)
        return -1;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (!x || !X509_digest(x, EVP_sha256(), md, &n) || outlen < n * 3) {
        X509_free(x);
        ERR_clear_error();
        return -1;
    }
    X509_free(x);
    for (unsigned i = 0; i < n; i++)
        snprintf(out + i * 3, outlen - i * 3, "%02X%s", md[i], i + 1 < n ? ":" : "");
    return 0;
}

static FILE *keylog_file;
static unsigned long keylog_count;

int keylog_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(err, errlen, "--keylog %s: cannot open for writing: %s", path, strerror(errno));
    keylog_file = fdopen(fd, "a");
    if (!keylog_file) {
        close(fd);
        return fail(err, errlen, "--keylog %s: %s", path, strerror(errno));
    }
    keylog_count = 0;
    return 0;
}

void keylog_write_line(const char *line)
{
    if (!keylog_file || !line)
        return;
    /* one line at once, flushed: wsinspect may read the file while the server runs */
    fprintf(keylog_file, "%s\n", line);
    fflush(keylog_file);
    keylog_count++;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
    (void)ssl;
    keylog_write_line(line);
}

void keylog_attach(SSL_CTX *ctx)
{
    if (ctx && keylog_file)
        SSL_CTX_set_keylog_callback(ctx, keylog_cb);
}

unsigned long keylog_lines(void)
{
    return keylog_count;
}

void keylog_close(void)
{
    if (keylog_file)
        fclose(keylog_file);
    keylog_file = NULL;
}
