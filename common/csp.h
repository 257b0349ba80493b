/* csp.h - a hash source of a Content-Security-Policy (CSP Level 2): 'sha256-BASE64' of the
 * bytes of an inline script or style sheet, which then runs while no other inline one may.
 * For the page wsecho serves and the page wsinspect --html writes. Header only: both link
 * OpenSSL's libcrypto, and nothing else of each other. */
#ifndef WS_CSP_H
#define WS_CSP_H

#include <stddef.h>
#include <stdio.h>

#include <openssl/evp.h>

/* "'sha256-" + 44 base64 characters + "'" + NUL */
#define CSP_HASH_SIZE 54

/* out gets the source, quotes included ("'sha256-'" with no digest if libcrypto fails). */
static inline void csp_hash(const void *s, size_t n, char out[CSP_HASH_SIZE])
{
    unsigned char md[EVP_MAX_MD_SIZE], b64[4 * ((32 + 2) / 3) + 1]; /* a SHA-256 in base64: 44 characters */
    unsigned int mdlen = 0;
    if (!EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) mdlen = 0;
    EVP_EncodeBlock(b64, md, (int)mdlen);
    snprintf(out, CSP_HASH_SIZE, "'sha256-%s'", (const char *)b64);
}

#endif
