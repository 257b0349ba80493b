/* accept.c - Sec-WebSocket-Key checks and the Key -> Accept computation, all crypto from libcrypto. */
#include "accept.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

/* WS_KEY_MAX as text, for messages. */
#define STR_(x) #x
#define STR(x) STR_(x)

/* Bytes a key may carry around it when pasted from a capture or a file. */
static int is_trim_byte(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* *len is the key's length on entry and the trimmed length on return
 * (the key may hold NUL bytes, so its length is never taken from strlen). */
const char *ws_key_trim(const char *key, size_t *len)
{
    if (!key || !len) {
        if (len) *len = 0;
        return key;
    }
    size_t n = *len;
    while (n > 0 && is_trim_byte(key[0])) {
        key++;
        n--;
    }
    while (n > 0 && is_trim_byte(key[n - 1]))
        n--;
    *len = n;
    return key;
}

/* 1 for the 64 characters of the standard base64 alphabet (not '='). */
static int is_b64_char(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '+' || ch == '/';
}

/*
 * Strict base64 validation, then the decode by libcrypto. Rules: the length is
 * a multiple of 4; only alphabet characters, except at most two '=' at the very
 * end; and the encoding is canonical (the unused low bits before the padding are
 * zero), which we confirm by re-encoding the decoded bytes with libcrypto and
 * comparing. EVP_DecodeBlock counts padding as zero bytes, so the real decoded
 * length is its result minus the number of '='.
 */
enum ws_key_status ws_key_check(const char *key, size_t len, long *decoded_len)
{
    if (decoded_len) *decoded_len = -1;
    if (!key || len == 0) return WS_KEY_EMPTY;
    if (len > WS_KEY_MAX) return WS_KEY_TOO_LONG;
    if (memchr(key, '\0', len)) return WS_KEY_HAS_NUL;
    if (len % 4 != 0) return WS_KEY_NOT_BASE64;

    size_t pad = 0;
    while (pad < 2 && key[len - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < len - pad; i++)
        if (!is_b64_char((unsigned char)key[i])) return WS_KEY_NOT_BASE64;

    /* len <= WS_KEY_MAX, so these fit on the stack: 3/4 of the input, and the re-encoding. */
    unsigned char raw[WS_KEY_MAX / 4 * 3 + 4];
    unsigned char again[WS_KEY_MAX + 4];
    int got = EVP_DecodeBlock(raw, (const unsigned char *)key, (int)len);
    if (got < 0 || (size_t)got < pad) return WS_KEY_NOT_BASE64;
    size_t nraw = (size_t)got - pad;
    int enc = EVP_EncodeBlock(again, raw, (int)nraw);
    if (enc < 0 || (size_t)enc != len || memcmp(again, key, len) != 0) return WS_KEY_NOT_BASE64;

    if (decoded_len) *decoded_len = (long)nraw;
    return nraw == 16 ? WS_KEY_OK : WS_KEY_WRONG_LENGTH;
}

const char *ws_key_status_str(enum ws_key_status st)
{
    switch (st) {
    case WS_KEY_OK: return "the key is the base64 of 16 bytes, as RFC 6455 requires";
    case WS_KEY_EMPTY: return "the key is empty";
    case WS_KEY_TOO_LONG: return "the key is longer than " STR(WS_KEY_MAX) " bytes";
    case WS_KEY_NOT_BASE64: return "the key is not valid base64 (bad character, length or padding)";
    case WS_KEY_WRONG_LENGTH: return "the key is base64 but does not decode to exactly 16 bytes";
    case WS_KEY_HAS_NUL: return "the key contains a NUL byte";
    }
    return "unknown key status";
}

/*
 * The SHA-1 implementation, looked up once, and one digest context kept for
 * it. With OpenSSL 3, EVP_sha1() given to EVP_Digest makes libcrypto fetch the
 * algorithm from its providers on every call (a lock and a table look-up, more
 * than the hash of 60 bytes costs), and EVP_Digest makes and frees a context
 * and its state each time (three allocations). A fetched EVP_MD is used as it
 * is, and the kept context is initialised again for each digest. Both live as
 * long as the process. The context serves one caller at a time: a thread that
 * finds it in use hashes with EVP_Digest as before. Where fetching does not
 * exist or fails, EVP_sha1() is used.
 */
static const EVP_MD *sha1_md;
static EVP_MD_CTX *sha1_ctx;
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t sha1_lock = PTHREAD_MUTEX_INITIALIZER;

static void sha1_fetch(void)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
#endif
    if (!sha1_md) sha1_md = EVP_sha1();
    sha1_ctx = EVP_MD_CTX_new(); /* NULL: every digest goes through EVP_Digest */
}

/* SHA-1 of n bytes into md (20 bytes). Returns 0, or -1 when libcrypto fails. */
static int sha1(const unsigned char *in, size_t n, unsigned char md[EVP_MAX_MD_SIZE])
{
    unsigned int mdlen = 0;
    int ok;
    if (pthread_once(&sha1_once, sha1_fetch) != 0 || !sha1_md) return -1;
    if (sha1_ctx && pthread_mutex_trylock(&sha1_lock) == 0) {
        ok = EVP_DigestInit_ex(sha1_ctx, sha1_md, NULL) == 1 && EVP_DigestUpdate(sha1_ctx, in, n) == 1 &&
             EVP_DigestFinal_ex(sha1_ctx, md, &mdlen) == 1;
        pthread_mutex_unlock(&sha1_lock);
    } else {
        ok = EVP_Digest(in, n, md, &mdlen, sha1_md, NULL) == 1;
    }
    return ok && mdlen == 20 ? 0 : -1;
}

/* SHA-1 over key||GUID, then base64 of the 20-byte digest. */
int ws_accept_compute(const char *key, size_t len, char out[WS_ACCEPT_BUFSZ], uint8_t sha1_out[20])
{
    if (!key || len == 0 || len > WS_KEY_MAX || !out) return -1;
    out[0] = '\0';

    unsigned char joined[WS_KEY_MAX + WS_GUID_LEN];
    memcpy(joined, key, len);
    memcpy(joined + len, WS_GUID, WS_GUID_LEN);

    unsigned char md[EVP_MAX_MD_SIZE];
    if (sha1(joined, len + WS_GUID_LEN, md) != 0) return -1;
    if (EVP_EncodeBlock((unsigned char *)out, md, 20) != WS_ACCEPT_LEN) {
        out[0] = '\0';
        return -1;
    }
    out[WS_ACCEPT_LEN] = '\0';
    if (sha1_out) memcpy(sha1_out, md, 20);
    return 0;
}

int ws_accept_matches(const char *key, size_t key_len, const char *accept, size_t accept_len)
{
    char want[WS_ACCEPT_BUFSZ];
    if (!accept || ws_accept_compute(key, key_len, want, NULL) != 0) return 0;
    const char *a = ws_key_trim(accept, &accept_len);
    return accept_len == WS_ACCEPT_LEN && CRYPTO_memcmp(a, want, WS_ACCEPT_LEN) == 0;
}

int ws_key_generate(char out[WS_KEY_BUFSZ], uint8_t raw[16])
{
    unsigned char bytes[16];
    if (!out) return -1;
    out[0] = '\0';
    if (RAND_bytes(bytes, (int)sizeof bytes) != 1) return -1;
    if (EVP_EncodeBlock((unsigned char *)out, bytes, 16) != WS_KEY_LEN) {
        out[0] = '\0';
        return -1;
    }
    out[WS_KEY_LEN] = '\0';
    if (raw) memcpy(raw, bytes, 16);
    return 0;
}
