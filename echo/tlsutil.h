/* tlsutil.h - wsecho's TLS pieces done with OpenSSL: a self-signed certificate made at start,
 * a check of given certificate and key files, and the NSS key log (--keylog). */
#ifndef WSECHO_TLSUTIL_H
#define WSECHO_TLSUTIL_H

#include <stddef.h>
#include <openssl/ssl.h>

/* A fresh P-256 key and a self-signed certificate for it (CN wsecho; names localhost,
 * 127.0.0.1, ::1, and host when it is another address or name; valid `days` days),
 * written as PEM files cert.pem and key.pem (mode 0600) into dir.
 * Returns 0, or -1 with a one-sentence reason in err. */
int tls_make_selfsigned(const char *dir, const char *host, int days, char *err, size_t errlen);

/* Check that cert is a PEM certificate, key a PEM private key, and that they belong together.
 * Returns 0, or -1 with a one-sentence reason naming the file in err. */
int tls_check_pair(const char *cert, const char *key, char *err, size_t errlen);

/* The SHA-256 fingerprint of the certificate in a PEM file, as AA:BB:..., into out (96+ bytes). */
int tls_fingerprint(const char *cert, char *out, size_t outlen);

/* Open path for appending key log lines (created 0600). Returns 0, or -1 with a reason. */
int keylog_open(const char *path, char *err, size_t errlen);
/* Write every TLS session's secrets of ctx to the open key log. */
void keylog_attach(SSL_CTX *ctx);
/* Lines written so far, and the file closed. */
unsigned long keylog_lines(void);
void keylog_close(void);
/* The line writer, exposed for tests: appends line and a newline. */
void keylog_write_line(const char *line);

#endif
