/* accept.h - the Sec-WebSocket-Key -> Sec-WebSocket-Accept computation (RFC 6455 §1.3, §4.2.2). */
#ifndef WS_ACCEPT_H
#define WS_ACCEPT_H

#include <stddef.h>
#include <stdint.h>

/* The GUID every server appends to the key (RFC 6455 §1.3). */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_GUID_LEN 36

/* base64 of a 20-byte SHA-1 digest is 28 characters; plus NUL. */
#define WS_ACCEPT_LEN 28
#define WS_ACCEPT_BUFSZ 29
/* base64 of 16 random bytes is 24 characters; plus NUL. */
#define WS_KEY_LEN 24
#define WS_KEY_BUFSZ 25

/* Longest key we will hash (a longer one is refused, not truncated). */
#define WS_KEY_MAX 8192

/* What is wrong with a key, if anything. A key with a problem other than
 * WS_KEY_EMPTY / WS_KEY_TOO_LONG is still hashed (servers do); the caller warns. */
enum ws_key_status {
    WS_KEY_OK = 0,        /* base64 of exactly 16 bytes */
    WS_KEY_EMPTY,         /* nothing left after trimming */
    WS_KEY_TOO_LONG,      /* over WS_KEY_MAX bytes: not hashed */
    WS_KEY_NOT_BASE64,    /* a character outside the base64 alphabet, or bad padding */
    WS_KEY_WRONG_LENGTH,  /* valid base64 but not of 16 bytes (see decoded_len) */
    WS_KEY_HAS_NUL,       /* an embedded NUL byte */
};

/* Trim leading/trailing spaces, tabs, CR and LF: returns the start and sets *len.
 * *len is read first: it is the key's length on entry (the key may hold NULs). */
const char *ws_key_trim(const char *key, size_t *len);

/* Classify a (trimmed) key. If decoded_len is not NULL it receives the decoded
 * byte count when the key is valid base64, else -1. */
enum ws_key_status ws_key_check(const char *key, size_t len, long *decoded_len);

/* A sentence describing a status ("the key is not valid base64"). */
const char *ws_key_status_str(enum ws_key_status st);

/* Compute the Accept for `key` (used exactly as given: no trimming).
 * out receives 28 base64 characters + NUL. If sha1_out is not NULL it receives
 * the 20-byte digest. Returns 0, or -1 when len is 0 or over WS_KEY_MAX, or
 * when libcrypto fails. */
int ws_accept_compute(const char *key, size_t len, char out[WS_ACCEPT_BUFSZ], uint8_t sha1_out[20]);

/* 1 when `accept` (len bytes, surrounding whitespace ignored) is the Accept of `key`. */
int ws_accept_matches(const char *key, size_t key_len, const char *accept, size_t accept_len);

/* A fresh key: 16 bytes from OpenSSL's RNG, base64 (24 characters + NUL).
 * If raw is not NULL it receives the 16 bytes. Returns 0 or -1. */
int ws_key_generate(char out[WS_KEY_BUFSZ], uint8_t raw[16]);

#endif
