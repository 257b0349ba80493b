/* fuzz_http1.c - libFuzzer harness for the HTTP/1.x head parser and the RFC 6455
 * handshake rules (calc/http1.c, calc/handshake.c, calc/accept.c).
 *
 * Input layout:
 *   byte 0      bit 0: strict key checking in ws_check_request
 *   bytes 1-2   a cut point k (big-endian, modulo the length + 1)
 *   the rest    bytes as a peer would send them: a request head, then (after it)
 *               what is parsed as the response head
 *
 * Each parse works on an exact-size heap copy so a read past the end is caught.
 * Besides the sanitizers, the harness checks the parser's incremental contract:
 * the session re-parses a growing buffer, so the answer for the first k bytes
 * must agree with the answer for all of them (a complete head of m bytes stays
 * m; an error stays an error), and every string view must lie inside the head.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accept.h"
#include "fuzz_common.h"
#include "http1.h"

/* Every view of a parsed head lies within buf[0..n). */
static void check_views(const struct http1_head *h, const char *buf, long n)
{
    const char *end = buf + n;
#define IN_HEAD(s) ((s).len == 0 || ((s).p >= buf && (s).p + (s).len <= end))
    FUZZ_CHECK(h->nheaders <= HTTP1_MAX_HEADERS, "%zu headers", h->nheaders);
    if (h->is_request) {
        FUZZ_CHECK(IN_HEAD(h->method) && h->method.len > 0, "method view");
        FUZZ_CHECK(IN_HEAD(h->target) && h->target.len > 0, "target view");
    } else {
        FUZZ_CHECK(IN_HEAD(h->reason), "reason view");
        FUZZ_CHECK(h->status >= 0 && h->status <= 999, "status %d", h->status);
    }
    for (size_t i = 0; i < h->nheaders; i++) {
        FUZZ_CHECK(IN_HEAD(h->headers[i].name) && h->headers[i].name.len > 0, "header %zu name view", i);
        FUZZ_CHECK(IN_HEAD(h->headers[i].value), "header %zu value view", i);
    }
#undef IN_HEAD
}

/* A NUL-terminated copy of a view (for the helpers that take C strings). */
static char *cstr(struct http1_str s)
{
    char *c = malloc(s.len + 1);
    if (!c) abort();
    if (s.len) memcpy(c, s.p, s.len);
    c[s.len] = '\0';
    return c;
}

/* Exercise every header helper on a parsed head. */
static void use_head(const struct http1_head *h)
{
    static const char *const tokens[] = {"upgrade", "websocket", "keep-alive", "close", "chunked",
                                         "permessage-deflate", "", ","};
    for (size_t i = 0; i < h->nheaders; i++) {
        for (size_t t = 0; t < sizeof tokens / sizeof *tokens; t++)
            (void)http1_token_list_has(h->headers[i].value, tokens[t]);
        /* a name and a value from the input as the thing looked for */
        char *name = cstr(h->headers[i].name);
        char *value = cstr(h->headers[i].value);
        const struct http1_header *f = http1_find(h, name);
        FUZZ_CHECK(f != NULL && http1_count(h, name) >= 1, "header '%s' parsed but not found", name);
        (void)http1_token_list_has(h->headers[0].value, value);
        (void)http1_str_ieq(h->headers[i].value, name);
        free(name);
        free(value);
    }
    long long cl = http1_content_length(h);
    FUZZ_CHECK(cl >= -2, "content length %lld", cl);
    (void)http1_is_chunked(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};
    int strict = fz_u8(&in) & 1;
    uint16_t k16 = fz_u16(&in);
    size_t len = in.left;
    size_t k = k16 % (len + 1);
    char *buf = (char *)fz_dup(in.p, len);
    char *pre = (char *)fz_dup(in.p, k);
    static struct http1_head req, resp, part; /* 64 headers each: keep them off the stack */

    /* ---- request ---- */
    long n = http1_parse_request(buf, len, &req);
    long m = http1_parse_request(pre, k, &part);
    FUZZ_CHECK(n == HTTP1_ERROR || n == HTTP1_PARTIAL || (n > 0 && (size_t)n <= len), "request result %ld", n);
    FUZZ_CHECK(n != HTTP1_ERROR || req.error != NULL, "request error without a reason");
    if (m >= 0) FUZZ_CHECK(n == m, "request: the first %zu bytes are a %ld-byte head, all %zu give %ld", k, m, len, n);
    if (m == HTTP1_ERROR)
        FUZZ_CHECK(n == HTTP1_ERROR, "request: the first %zu bytes are an error (%s), all %zu give %ld", k,
                   part.error, len, n);
    if (n > 0 && k >= (size_t)n) FUZZ_CHECK(m == n, "request: %zu bytes give %ld, a %ld-byte head", k, m, n);

    const char *key = NULL;
    size_t key_len = 0;
    if (n > 0) {
        check_views(&req, buf, n);
        use_head(&req);
        struct ws_req_check rc;
        ws_check_request(&req, strict, &rc);
        FUZZ_CHECK(rc.rule == WS_REQ_OK || (rc.section && rc.why), "request rule %d unexplained", (int)rc.rule);
        FUZZ_CHECK(rc.http_status == 101 || rc.http_status == 400 || rc.http_status == 426, "status %d",
                   rc.http_status);
        const struct http1_header *kh = http1_find(&req, "Sec-WebSocket-Key");
        if (kh) {
            key = kh->value.p;
            key_len = kh->value.len;
            size_t tl = key_len;
            const char *t = ws_key_trim(key, &tl);
            long dec;
            enum ws_key_status st = ws_key_check(t, tl, &dec);
            FUZZ_CHECK(ws_key_status_str(st) != NULL, "key status %d unnamed", (int)st);
            char acc[WS_ACCEPT_BUFSZ];
            uint8_t sha[20];
            if (ws_accept_compute(key, key_len, acc, sha) == 0) {
                FUZZ_CHECK(strlen(acc) == WS_ACCEPT_LEN, "accept '%s'", acc);
                FUZZ_CHECK(ws_accept_matches(key, key_len, acc, strlen(acc)), "own accept does not match");
            }
        }
    }

    /* ---- response: after the request head, or from the start ---- */
    size_t off = n > 0 ? (size_t)n : 0;
    long r = http1_parse_response(buf + off, len - off, &resp);
    FUZZ_CHECK(r == HTTP1_ERROR || r == HTTP1_PARTIAL || (r > 0 && (size_t)r <= len - off), "response result %ld",
               r);
    if (off == 0) {
        long rm = http1_parse_response(pre, k, &part);
        if (rm >= 0) FUZZ_CHECK(r == rm, "response: the first %zu bytes are a %ld-byte head, all give %ld", k, rm, r);
        if (rm == HTTP1_ERROR) FUZZ_CHECK(r == HTTP1_ERROR, "response: prefix error (%s), all give %ld", part.error, r);
    }
    if (r > 0) {
        check_views(&resp, buf + off, r);
        use_head(&resp);
        struct ws_resp_check sc;
        ws_check_response(&resp, key, key_len, &sc);
        FUZZ_CHECK(sc.rule == WS_RESP_OK || (sc.section && sc.why), "response rule %d unexplained", (int)sc.rule);
        FUZZ_CHECK(memchr(sc.expected, '\0', sizeof sc.expected) != NULL, "expected accept not terminated");
        ws_check_response(&resp, NULL, 0, &sc);
        const struct http1_header *ah = http1_find(&resp, "Sec-WebSocket-Accept");
        if (ah && key) (void)ws_accept_matches(key, key_len, ah->value.p, ah->value.len);
    }

    /* the raw bytes as a key and as an accept, as wsaccept would take them */
    {
        size_t tl = len;
        const char *t = ws_key_trim(buf, &tl);
        (void)ws_key_check(t, tl, NULL);
        char acc[WS_ACCEPT_BUFSZ];
        (void)ws_accept_compute(buf, len, acc, NULL);
        (void)ws_accept_matches(pre, k, buf, len);
    }
    free(buf);
    free(pre);
    return 0;
}
