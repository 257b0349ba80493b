/* test_http1.c - unit tests for the HTTP/1.x head parser and the RFC 6455 handshake rules (calc/http1.c, calc/handshake.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "accept.h"
#include "http1.h"

/* The opening handshake of RFC 6455 §1.3 / §4.1, as in lesson 05. */
#define RFC_REQ                                                                                                   \
    "GET /chat HTTP/1.1\r\n"                                                                                      \
    "Host: server.example.com\r\n"                                                                                \
    "Upgrade: websocket\r\n"                                                                                      \
    "Connection: Upgrade\r\n"                                                                                     \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                                                             \
    "Origin: http://example.com\r\n"                                                                              \
    "Sec-WebSocket-Protocol: chat, superchat\r\n"                                                                 \
    "Sec-WebSocket-Version: 13\r\n"                                                                               \
    "\r\n"

#define RFC_RESP                                                                                                  \
    "HTTP/1.1 101 Switching Protocols\r\n"                                                                        \
    "Upgrade: websocket\r\n"                                                                                      \
    "Connection: Upgrade\r\n"                                                                                     \
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"                                                      \
    "Sec-WebSocket-Protocol: chat\r\n"                                                                            \
    "\r\n"

/* A well-formed head and what the parser must find in it. */
struct good_case {
    const char *name;     /* for failure messages */
    const char *text;     /* the bytes */
    int is_request;       /* parse with http1_parse_request */
    long head_len;        /* expected return: length through the empty line */
    const char *method;   /* request: expected method */
    const char *target;   /* request: expected target */
    int status;           /* response: expected status */
    const char *reason;   /* response: expected reason */
    int minor;            /* expected version_minor */
    size_t nheaders;      /* expected header count */
    const char *hname;    /* a header to look up (in another case) */
    const char *hvalue;   /* its expected, trimmed value */
};

static const struct good_case good[] = {
    {"rfc request CRLF", RFC_REQ, 1, (long)sizeof RFC_REQ - 1, "GET", "/chat", 0, NULL, 1, 7, "sec-websocket-KEY",
     "dGhlIHNhbXBsZSBub25jZQ=="},
    {"rfc request LF", "GET /chat HTTP/1.1\nHost: server.example.com\nUpgrade: websocket\nConnection: Upgrade\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n",
     1, 154, "GET", "/chat", 0, NULL, 1, 5, "HOST", "server.example.com"},
    {"mixed line ends", "GET / HTTP/1.1\r\nHost: a\nX-B: b\r\n\n", 1, 33, "GET", "/", 0, NULL, 1, 2, "x-b", "b"},
    {"body after the head", "POST /up HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 1, 40, "POST", "/up", 0, NULL, 1,
     1, "content-length", "5"},
    {"leading empty line", "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 1, 29, "GET", "/", 0, NULL, 1, 1, "Host", "h"},
    {"optional whitespace", "GET / HTTP/1.1\r\nHost: \t example.com \t \r\nX-Empty:\r\nX-Sp:   \r\n\r\n", 1, 62, "GET",
     "/", 0, NULL, 1, 3, "host", "example.com"},
    {"empty value", "GET / HTTP/1.1\r\nX-Empty:\r\n\r\n", 1, 28, "GET", "/", 0, NULL, 1, 1, "x-empty", ""},
    {"inner spaces kept", "GET / HTTP/1.1\r\nUser-Agent: a b  c\r\n\r\n", 1, 38, "GET", "/", 0, NULL, 1, 1,
     "user-agent", "a b  c"},
    {"obs-text value", "GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n", 1, 33, "GET", "/", 0, NULL, 1, 1, "x-name",
     "caf\xc3\xa9"},
    {"HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", 1, 18, "GET", "/", 0, NULL, 0, 0, NULL, NULL},
    {"HTTP/2.0 text", "GET / HTTP/2.0\r\n\r\n", 1, 18, "GET", "/", 0, NULL, -1, 0, NULL, NULL},
    {"absolute target", "GET ws://h.example/chat?x=1 HTTP/1.1\r\n\r\n", 1, 40, "GET", "ws://h.example/chat?x=1", 0,
     NULL, 1, 0, NULL, NULL},
    {"rfc response", RFC_RESP, 0, (long)sizeof RFC_RESP - 1, NULL, NULL, 101, "Switching Protocols", 1, 4,
     "SEC-WEBSOCKET-ACCEPT", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
    {"response LF, no reason", "HTTP/1.1 101\nUpgrade: websocket\n\n", 0, 33, NULL, NULL, 101, "", 1, 1, "upgrade",
     "websocket"},
    {"response empty reason", "HTTP/1.1 404 \r\n\r\n", 0, 17, NULL, NULL, 404, "", 1, 0, NULL, NULL},
    {"response 426", "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n", 0, 60, NULL, NULL, 426,
     "Upgrade Required", 1, 1, "sec-websocket-version", "13"},
};

static long parse(int is_request, const char *buf, size_t len, struct http1_head *h)
{
    return is_request ? http1_parse_request(buf, len, h) : http1_parse_response(buf, len, h);
}

/* 1 when the view equals the C string exactly. */
static int str_is(struct http1_str v, const char *s)
{
    return v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

/* Every field the table names, on the complete input. */
static void test_good_table(void **state)
{
    (void)state;
    struct http1_head h;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const struct good_case *g = &good[i];
        size_t len = strlen(g->text);
        long r = parse(g->is_request, g->text, len, &h);
        if (r != g->head_len) fail_msg("%s: got %ld, want %ld (%s)", g->name, r, g->head_len, h.error ? h.error : "");
        assert_null(h.error);
        assert_int_equal(h.is_request, g->is_request);
        assert_int_equal(h.version_minor, g->minor);
        assert_int_equal(h.nheaders, g->nheaders);
        if (g->is_request) {
            assert_true(str_is(h.method, g->method));
            assert_true(str_is(h.target, g->target));
        } else {
            assert_int_equal(h.status, g->status);
            assert_true(str_is(h.reason, g->reason));
        }
        if (g->hname) {
            const struct http1_header *hd = http1_find(&h, g->hname);
            if (!hd) fail_msg("%s: header %s not found", g->name, g->hname);
            if (!str_is(hd->value, g->hvalue)) fail_msg("%s: %s = '%.*s'", g->name, g->hname, (int)hd->value.len, hd->value.p);
            /* views point into the caller's buffer */
            assert_true(hd->value.p >= g->text && hd->value.p + hd->value.len <= g->text + len);
        }
        assert_null(http1_find(&h, "X-Not-There"));
    }
}

/* Cut every good input at every byte: each prefix, in a buffer of exactly its
 * size (so an over-read is caught by ASan), must be HTTP1_PARTIAL. */
static void test_every_prefix_is_partial(void **state)
{
    (void)state;
    struct http1_head h;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const struct good_case *g = &good[i];
        for (size_t n = 0; n < (size_t)g->head_len; n++) {
            char *b = malloc(n ? n : 1);
            assert_non_null(b);
            memcpy(b, g->text, n);
            long r = parse(g->is_request, b, n, &h);
            if (r != HTTP1_PARTIAL)
                fail_msg("%s: prefix of %zu bytes gave %ld (%s)", g->name, n, r, h.error ? h.error : "no error");
            free(b);
        }
        /* and the exact head in an exact buffer completes */
        size_t n = (size_t)g->head_len;
        char *b = malloc(n);
        assert_non_null(b);
        memcpy(b, g->text, n);
        assert_int_equal(parse(g->is_request, b, n, &h), g->head_len);
        free(b);
    }
    assert_int_equal(http1_parse_request(NULL, 0, &h), HTTP1_PARTIAL);
}

/* Bytes that cannot be an HTTP head. */
struct bad_case {
    const char *text; /* the bytes (NUL-terminated unless len is set) */
    size_t len;       /* 0: strlen(text) */
    int is_request;   /* which parser */
};

static void test_errors(void **state)
{
    (void)state;
    static const struct bad_case bad[] = {
        {"GET /chat HTTP/1.1\r\nHost: a\r\n  folded\r\n\r\n", 0, 1},   /* obs-fold */
        {"GET /chat HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n", 0, 1},   /* obs-fold with a tab */
        {"GET /chat HTTP/1.1\r\nHost : a\r\n\r\n", 0, 1},              /* space before the colon */
        {"GET /chat HTTP/1.1\r\nthis is not a header\r\n\r\n", 0, 1},   /* no colon */
        {"GET /chat HTTP/1.1\r\nnocolon\r\n\r\n", 0, 1},
        {"GET /chat HTTP/1.1\r\n: empty-name\r\n\r\n", 0, 1},
        {"GET /chat HTTP/1.1\r\nX(y): z\r\n\r\n", 0, 1},                /* separator in the name */
        {"GET /chat HTTP/1.1\r\nX: a\x01z\r\n\r\n", 0, 1},              /* control byte in a value */
        {"GET /chat HTTP/1.1\r\nX: a\rz\r\n\r\n", 0, 1},                /* bare CR inside a line */
        {"GET /chat HTTP/1.1\r\nX: a\x7fz\r\n\r\n", 0, 1},              /* DEL */
        {"GET /chat HTTP/1.1\r\nX\0Y: z\r\n\r\n", 31, 1},               /* NUL in a name */
        {"GET /chat HTTP/1.1\r\nX: a\0z\r\n\r\n", 28, 1},               /* NUL in a value */
        {"GET  /chat HTTP/1.1\r\n\r\n", 0, 1},                         /* two spaces */
        {"GET /chat HTTP/1.1 extra\r\n\r\n", 0, 1},
        {"GET /chat FTP/1.1\r\n\r\n", 0, 1},
        {"GET /chat HTTP/1.x\r\n\r\n", 0, 1},
        {"GET /chat HTTP/11\r\n\r\n", 0, 1},
        {"GET /chat\r\n\r\n", 0, 1},                                    /* HTTP/0.9 */
        {"GET\r\n\r\n", 0, 1},
        {" GET / HTTP/1.1\r\n\r\n", 0, 1},
        {"G(T / HTTP/1.1\r\n\r\n", 0, 1},
        {"GET /a\x01 HTTP/1.1\r\n\r\n", 0, 1},
        {"HTTP/1.1 101 Switching Protocols\r\n\r\n", 0, 1},             /* a response is not a request */
        {"GET / HTTP/1.1\r\n\r\n", 0, 0},                               /* a request is not a response */
        {"HTTP/1.1 1x1 OK\r\n\r\n", 0, 0},
        {"HTTP/1.1 101OK\r\n\r\n", 0, 0},
        {"HTTP/1.1 1011 OK\r\n\r\n", 0, 0},
        {"HTTP/1.1 099 Low\r\n\r\n", 0, 0},
        {"HTTP/1.1  101 OK\r\n\r\n", 0, 0},
        {"HTTP/1.1\r\n\r\n", 0, 0},
        {"HTTP/1.1 101 OK\x01\r\n\r\n", 0, 0},
        {"HTTP/1.1 101 OK\r\nUpgrade websocket\r\n\r\n", 0, 0},
    };
    struct http1_head h;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
        char *b = malloc(len);
        assert_non_null(b);
        memcpy(b, bad[i].text, len);
        long r = parse(bad[i].is_request, b, len, &h);
        if (r != HTTP1_ERROR) fail_msg("bad case %zu: got %ld", i, r);
        assert_non_null(h.error);
        assert_true(strlen(h.error) > 0);
        free(b);
    }
}

/* Not-HTTP bytes are refused from the first bytes, without waiting for more. */
static void test_early_error(void **state)
{
    (void)state;
    struct http1_head h;
    static const unsigned char tls[] = {0x16, 0x03, 0x01, 0x02, 0x00};
    assert_int_equal(http1_parse_request((const char *)tls, sizeof tls, &h), HTTP1_ERROR);
    assert_non_null(h.error);
    assert_int_equal(http1_parse_response((const char *)tls, 3, &h), HTTP1_ERROR);
    assert_int_equal(http1_parse_response("HTTX", 4, &h), HTTP1_ERROR);
    assert_int_equal(http1_parse_response("HTTP", 4, &h), HTTP1_PARTIAL);
    assert_int_equal(http1_parse_request("GET /x HTTP/1.1\r\nHost : ", 24, &h), HTTP1_ERROR);
    /* a folded line is refused as soon as its first byte is seen */
    assert_int_equal(http1_parse_request("GET /x HTTP/1.1\r\nA: b\r\n ", 25, &h), HTTP1_ERROR);
    /* the error message is cleared by a later successful parse */
    assert_int_equal(http1_parse_request("GET / HTTP/1.1\r\n\r\n", 18, &h), 18);
    assert_null(h.error);
}

/* Builds "GET / HTTP/1.1\r\n" + n headers "H<i>: v\r\n" + "\r\n" in a malloc'd buffer. */
static char *many_headers(size_t n, size_t *len)
{
    size_t cap = 32 + n * 24;
    char *b = malloc(cap);
    assert_non_null(b);
    size_t off = (size_t)snprintf(b, cap, "GET / HTTP/1.1\r\n");
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(b + off, cap - off, "H%zu: v%zu\r\n", i, i);
    off += (size_t)snprintf(b + off, cap - off, "\r\n");
    *len = off;
    return b;
}

static void test_too_many_headers(void **state)
{
    (void)state;
    struct http1_head h;
    size_t len;
    char *b = many_headers(HTTP1_MAX_HEADERS, &len);
    assert_int_equal(http1_parse_request(b, len, &h), (long)len);
    assert_int_equal(h.nheaders, HTTP1_MAX_HEADERS);
    assert_true(str_is(http1_find(&h, "h63")->value, "v63"));
    free(b);

    b = many_headers(HTTP1_MAX_HEADERS + 1, &len);
    assert_int_equal(http1_parse_request(b, len, &h), HTTP1_ERROR);
    assert_non_null(strstr(h.error, "too many headers"));
    free(b);
}

/* Builds a request head of exactly `total` bytes (one long X header). */
static char *head_of_size(size_t total)
{
    static const char start[] = "GET / HTTP/1.1\r\nX: ";
    size_t s = sizeof start - 1;
    char *b = malloc(total);
    assert_non_null(b);
    memcpy(b, start, s);
    memset(b + s, 'a', total - s - 4);
    memcpy(b + total - 4, "\r\n\r\n", 4);
    return b;
}

static void test_oversize_head(void **state)
{
    (void)state;
    struct http1_head h;
    /* exactly the limit: accepted */
    char *b = head_of_size(HTTP1_MAX_HEAD);
    assert_int_equal(http1_parse_request(b, HTTP1_MAX_HEAD, &h), HTTP1_MAX_HEAD);
    assert_int_equal(h.headers[0].value.len, HTTP1_MAX_HEAD - 23);
    /* one byte short of it: still waiting */
    assert_int_equal(http1_parse_request(b, HTTP1_MAX_HEAD - 1, &h), HTTP1_PARTIAL);
    free(b);

    /* one over: an error, whether complete or not */
    b = head_of_size(HTTP1_MAX_HEAD + 1);
    assert_int_equal(http1_parse_request(b, HTTP1_MAX_HEAD + 1, &h), HTTP1_ERROR);
    assert_non_null(strstr(h.error, "64 KiB"));
    assert_int_equal(http1_parse_request(b, HTTP1_MAX_HEAD, &h), HTTP1_ERROR);
    assert_int_equal(http1_parse_request(b, HTTP1_MAX_HEAD - 1, &h), HTTP1_PARTIAL);
    free(b);

    b = head_of_size(200000);
    assert_int_equal(http1_parse_request(b, 200000, &h), HTTP1_ERROR);
    free(b);
}

static struct http1_str sv(const char *s)
{
    struct http1_str v = {s, strlen(s)};
    return v;
}

static void test_token_lists(void **state)
{
    (void)state;
    assert_true(http1_token_list_has(sv("Upgrade"), "upgrade"));
    assert_true(http1_token_list_has(sv("keep-alive, Upgrade"), "upgrade"));
    assert_true(http1_token_list_has(sv("keep-alive,Upgrade"), "Upgrade"));
    assert_true(http1_token_list_has(sv("UPGRADE , keep-alive"), "upgrade"));
    assert_true(http1_token_list_has(sv(" \tupgrade\t "), "upgrade"));
    assert_true(http1_token_list_has(sv(",, upgrade ,,"), "upgrade"));
    assert_true(http1_token_list_has(sv("h2c, websocket"), "websocket"));
    assert_false(http1_token_list_has(sv("keep-alive"), "upgrade"));
    assert_false(http1_token_list_has(sv("Upgrade2"), "upgrade"));
    assert_false(http1_token_list_has(sv("upgrade-insecure"), "upgrade"));
    assert_false(http1_token_list_has(sv("Up grade"), "upgrade"));
    assert_false(http1_token_list_has(sv("keep-alive; Upgrade"), "upgrade"));
    assert_false(http1_token_list_has(sv(""), "upgrade"));
    assert_false(http1_token_list_has(sv(","), "upgrade"));
    struct http1_str none = {NULL, 0};
    assert_false(http1_token_list_has(none, "upgrade"));
    /* only `len` bytes count */
    struct http1_str cut = {"keep-alive, Upgrade", 12};
    assert_false(http1_token_list_has(cut, "upgrade"));

    assert_true(http1_str_ieq(sv("WebSocket"), "websocket"));
    assert_false(http1_str_ieq(sv("websockets"), "websocket"));
    assert_false(http1_str_ieq(sv("websocke"), "websocket"));
}

/* Find, count, Content-Length and chunked framing. */
static void test_lookup_and_framing(void **state)
{
    (void)state;
    struct http1_head h;
    const char *r = "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\nContent-Length: 42\r\n\r\n";
    assert_true(http1_parse_request(r, strlen(r), &h) > 0);
    assert_int_equal(http1_count(&h, "HOST"), 2);
    assert_true(str_is(http1_find(&h, "Host")->value, "a")); /* the first one */
    assert_int_equal(http1_count(&h, "Upgrade"), 0);
    assert_int_equal(http1_content_length(&h), 42);
    assert_false(http1_is_chunked(&h));

    static const struct {
        const char *head;
        long long cl;
        int chunked;
    } fr[] = {
        {"GET / HTTP/1.1\r\n\r\n", -1, 0},
        {"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0, 0},
        {"GET / HTTP/1.1\r\nContent-Length: 4 2\r\n\r\n", -2, 0},
        {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", -2, 0},
        {"GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", -2, 0},
        {"GET / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", 5, 0},
        {"GET / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", -2, 0},
        {"GET / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n", 7, 0},
        {"GET / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n", -2, 0},
        {"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", -2, 0},
        {"GET / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", 9223372036854775807LL, 0},
        {"GET / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n", -2, 0},
        {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", -1, 1},
        {"GET / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", -1, 1},
        {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", -1, 0},
        {"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", -1, 1},
        {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", -1, 0},
        {"GET / HTTP/1.1\r\nTransfer-Encoding: chunkedx\r\n\r\n", -1, 0},
    };
    for (size_t i = 0; i < sizeof fr / sizeof fr[0]; i++) {
        assert_int_equal(http1_parse_request(fr[i].head, strlen(fr[i].head), &h), (long)strlen(fr[i].head));
        if (http1_content_length(&h) != fr[i].cl) fail_msg("framing case %zu: content-length %lld", i, http1_content_length(&h));
        assert_int_equal(http1_is_chunked(&h), fr[i].chunked);
    }
}

/* 1 when the view lies inside [buf, buf+len). */
static int inside(struct http1_str v, const char *buf, size_t len)
{
    return v.len == 0 || (v.p >= buf && v.p + v.len <= buf + len);
}

/* Every byte of the RFC request replaced by every value, each in an exact
 * buffer: the answer is always one of the three kinds, an error always has a
 * message, and every view of a complete head lies inside the buffer. */
static void test_mutations(void **state)
{
    (void)state;
    const size_t len = sizeof RFC_REQ - 1;
    struct http1_head h;
    size_t complete = 0, errors = 0;
    for (size_t pos = 0; pos < len; pos++) {
        for (int v = 0; v < 256; v++) {
            char *b = malloc(len);
            assert_non_null(b);
            memcpy(b, RFC_REQ, len);
            b[pos] = (char)v;
            long r = http1_parse_request(b, len, &h);
            if (r == HTTP1_ERROR) {
                errors++;
                assert_non_null(h.error);
            } else if (r != HTTP1_PARTIAL) {
                complete++;
                assert_true(r > 0 && (size_t)r <= len);
                assert_null(h.error);
                assert_true(h.nheaders <= HTTP1_MAX_HEADERS);
                assert_true(inside(h.method, b, (size_t)r) && inside(h.target, b, (size_t)r));
                for (size_t i = 0; i < h.nheaders; i++) {
                    assert_true(h.headers[i].name.len > 0);
                    assert_true(inside(h.headers[i].name, b, (size_t)r) && inside(h.headers[i].value, b, (size_t)r));
                }
            }
            free(b);
        }
    }
    /* both outcomes occur: the mutations are not all harmless or all fatal */
    assert_true(complete > 0 && errors > 0);
}

/* ---- handshake rules ---------------------------------------------------- */

/* A request that breaks (at most) one rule, and the verdict expected. */
struct req_case {
    const char *name;        /* for failure messages */
    const char *text;        /* the request head */
    int strict;              /* ws_check_request's strict flag */
    enum ws_req_rule rule;   /* expected rule */
    int status;              /* expected HTTP status */
    const char *section;     /* expected section (substring) */
    int key_warning;         /* expected key_warning */
};

#define L_GET "GET /chat HTTP/1.1\r\n"
#define L_HOST "Host: server.example.com\r\n"
#define L_UPG "Upgrade: websocket\r\n"
#define L_CONN "Connection: Upgrade\r\n"
#define L_KEY "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define L_VER "Sec-WebSocket-Version: 13\r\n"

static const struct req_case reqs[] = {
    {"valid", L_GET L_HOST L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_OK, 101, "§4.2.2", 0},
    {"valid, strict", L_GET L_HOST L_UPG L_CONN L_KEY L_VER "\r\n", 1, WS_REQ_OK, 101, "§4.2.2", 0},
    {"rfc request", RFC_REQ, 1, WS_REQ_OK, 101, "§4.2.2", 0},
    {"POST", "POST /chat HTTP/1.1\r\n" L_HOST L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NOT_GET, 400,
     "§4.2.1 item 1", 0},
    {"lower-case get", "get /chat HTTP/1.1\r\n" L_HOST L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NOT_GET, 400,
     "§4.2.1 item 1", 0},
    {"HTTP/1.0", "GET /chat HTTP/1.0\r\n" L_HOST L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NOT_HTTP11, 400,
     "§4.2.1 item 1", 0},
    {"HTTP/2.0", "GET /chat HTTP/2.0\r\n" L_HOST L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NOT_HTTP11, 400,
     "§4.2.1 item 1", 0},
    {"HTTP/1.2 is higher", "GET /chat HTTP/1.2\r\n" L_HOST L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_OK, 101,
     "§4.2.2", 0},
    {"no Host", L_GET L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NO_HOST, 400, "§4.2.1 item 2", 0},
    {"empty Host", L_GET "Host:\r\n" L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NO_HOST, 400, "§4.2.1 item 2", 0},
    {"two Hosts", L_GET L_HOST L_HOST L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NO_HOST, 400, "§4.2.1 item 2", 0},
    {"no Upgrade", L_GET L_HOST L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NO_UPGRADE, 400, "§4.2.1 item 3", 0},
    {"Upgrade: h2c", L_GET L_HOST "Upgrade: h2c\r\n" L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NO_UPGRADE, 400,
     "§4.2.1 item 3", 0},
    {"Upgrade: WebSocket", L_GET L_HOST "Upgrade: WebSocket\r\n" L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_OK, 101,
     "§4.2.2", 0},
    {"no Connection", L_GET L_HOST L_UPG L_KEY L_VER "\r\n", 0, WS_REQ_NO_CONNECTION, 400, "§4.2.1 item 4", 0},
    {"Connection: keep-alive", L_GET L_HOST L_UPG "Connection: keep-alive\r\n" L_KEY L_VER "\r\n", 0,
     WS_REQ_NO_CONNECTION, 400, "§4.2.1 item 4", 0},
    {"Connection: keep-alive, Upgrade", L_GET L_HOST L_UPG "Connection: keep-alive, Upgrade\r\n" L_KEY L_VER "\r\n",
     0, WS_REQ_OK, 101, "§4.2.2", 0},
    {"Connection in two headers", L_GET L_HOST L_UPG "Connection: keep-alive\r\nConnection: upgrade\r\n" L_KEY L_VER
     "\r\n", 0, WS_REQ_OK, 101, "§4.2.2", 0},
    {"no key", L_GET L_HOST L_UPG L_CONN L_VER "\r\n", 0, WS_REQ_NO_KEY, 400, "§4.2.1 item 5", 0},
    {"empty key", L_GET L_HOST L_UPG L_CONN "Sec-WebSocket-Key:  \r\n" L_VER "\r\n", 0, WS_REQ_NO_KEY, 400,
     "§4.2.1 item 5", 0},
    {"two keys", L_GET L_HOST L_UPG L_CONN L_KEY L_KEY L_VER "\r\n", 0, WS_REQ_NO_KEY, 400, "§4.2.1 item 5", 0},
    {"short key, lenient", L_GET L_HOST L_UPG L_CONN "Sec-WebSocket-Key: AAAA\r\n" L_VER "\r\n", 0, WS_REQ_OK, 101,
     "§4.2.2", 1},
    {"short key, strict", L_GET L_HOST L_UPG L_CONN "Sec-WebSocket-Key: AAAA\r\n" L_VER "\r\n", 1, WS_REQ_BAD_KEY,
     400, "§4.2.1 item 5", 1},
    {"not base64, strict", L_GET L_HOST L_UPG L_CONN "Sec-WebSocket-Key: not a key!\r\n" L_VER "\r\n", 1,
     WS_REQ_BAD_KEY, 400, "§4.2.1 item 5", 1},
    {"no version", L_GET L_HOST L_UPG L_CONN L_KEY "\r\n", 0, WS_REQ_BAD_VERSION, 426, "§4.2.1 item 6", 0},
    {"version 8", L_GET L_HOST L_UPG L_CONN L_KEY "Sec-WebSocket-Version: 8\r\n\r\n", 0, WS_REQ_BAD_VERSION, 426,
     "§4.2.1 item 6", 0},
    {"version 13, 8", L_GET L_HOST L_UPG L_CONN L_KEY "Sec-WebSocket-Version: 13, 8\r\n\r\n", 0,
     WS_REQ_BAD_VERSION, 426, "§4.2.1 item 6", 0},
    /* the first broken rule wins: POST without Host is about the method */
    {"POST and no Host", "POST /chat HTTP/1.1\r\n" L_UPG L_CONN L_KEY L_VER "\r\n", 0, WS_REQ_NOT_GET, 400,
     "§4.2.1 item 1", 0},
    {"LF only", "GET /chat HTTP/1.1\nHost: h\nUpgrade: websocket\nConnection: Upgrade\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n",
     1, WS_REQ_OK, 101, "§4.2.2", 0},
};

static void test_check_request(void **state)
{
    (void)state;
    struct http1_head h;
    struct ws_req_check c;
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        const struct req_case *rc = &reqs[i];
        long r = http1_parse_request(rc->text, strlen(rc->text), &h);
        if (r != (long)strlen(rc->text)) fail_msg("%s: parse gave %ld (%s)", rc->name, r, h.error ? h.error : "");
        ws_check_request(&h, rc->strict, &c);
        if (c.rule != rc->rule || c.http_status != rc->status)
            fail_msg("%s: rule %d status %d, want %d %d (%s)", rc->name, c.rule, c.http_status, rc->rule, rc->status,
                     c.why ? c.why : "");
        assert_non_null(c.section);
        if (!strstr(c.section, rc->section)) fail_msg("%s: section '%s', want '%s'", rc->name, c.section, rc->section);
        assert_true(strncmp(c.section, "RFC 6455 ", 9) == 0);
        assert_non_null(c.why);
        assert_int_equal(c.key_warning, rc->key_warning);
    }
}

/* A response case: the head, the request key, the verdict. */
struct resp_case {
    const char *name;       /* for failure messages */
    const char *text;       /* the response head */
    const char *key;        /* the request's key, or NULL */
    enum ws_resp_rule rule; /* expected rule */
    const char *section;    /* expected section (substring) */
    const char *expected;   /* expected `expected` field */
};

#define ACC_OK "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
#define RFC_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACC "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define R101 "HTTP/1.1 101 Switching Protocols\r\n"

static const struct resp_case resps[] = {
    {"ok", RFC_RESP, RFC_KEY, WS_RESP_OK, "§4.1", RFC_ACC},
    {"ok, key with spaces", RFC_RESP, "  " RFC_KEY " ", WS_RESP_OK, "§4.1", RFC_ACC},
    {"ok, LF and odd case", "HTTP/1.1 101 OK\nupgrade: WebSocket\nconnection: keep-alive, upgrade\n"
                            "sec-websocket-accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  \n\n",
     RFC_KEY, WS_RESP_OK, "§4.1", RFC_ACC},
    {"ok, no key to compare", RFC_RESP, NULL, WS_RESP_OK, "§4.1", ""},
    {"200", "HTTP/1.1 200 OK\r\n" L_UPG L_CONN ACC_OK "\r\n", RFC_KEY, WS_RESP_NOT_101, "§4.1 item 1", RFC_ACC},
    {"426", "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n", RFC_KEY, WS_RESP_NOT_101,
     "§4.1 item 1", RFC_ACC},
    {"no Upgrade", R101 L_CONN ACC_OK "\r\n", RFC_KEY, WS_RESP_NO_UPGRADE, "§4.1 item 2", RFC_ACC},
    {"Upgrade: h2c", R101 "Upgrade: h2c\r\n" L_CONN ACC_OK "\r\n", RFC_KEY, WS_RESP_NO_UPGRADE, "§4.1 item 2",
     RFC_ACC},
    {"no Connection", R101 L_UPG ACC_OK "\r\n", RFC_KEY, WS_RESP_NO_CONNECTION, "§4.1 item 3", RFC_ACC},
    {"no Accept", R101 L_UPG L_CONN "\r\n", RFC_KEY, WS_RESP_NO_ACCEPT, "§4.1 item 4", RFC_ACC},
    {"mismatch", R101 L_UPG L_CONN "Sec-WebSocket-Accept: 5OtIr9xwM8AnjzYnpLH2QAf/tro=\r\n\r\n", RFC_KEY,
     WS_RESP_ACCEPT_MISMATCH, "§4.1 item 4", RFC_ACC},
    {"mismatch: truncated", R101 L_UPG L_CONN "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n\r\n", RFC_KEY,
     WS_RESP_ACCEPT_MISMATCH, "§4.1 item 4", RFC_ACC},
    /* the other key of an independent vector (see test_accept.c) */
    {"right for another key", RFC_RESP, "nhKHCY9l4mGGKFliUDBeVw==", WS_RESP_ACCEPT_MISMATCH, "§4.1 item 4",
     "5OtIr9xwM8AnjzYnpLH2QAf/tro="},
    {"two Accepts", R101 L_UPG L_CONN ACC_OK ACC_OK "\r\n", RFC_KEY, WS_RESP_ACCEPT_MISMATCH, "§4.1 item 4",
     RFC_ACC},
};

static void test_check_response(void **state)
{
    (void)state;
    struct http1_head h;
    struct ws_resp_check c;
    for (size_t i = 0; i < sizeof resps / sizeof resps[0]; i++) {
        const struct resp_case *rc = &resps[i];
        long r = http1_parse_response(rc->text, strlen(rc->text), &h);
        if (r != (long)strlen(rc->text)) fail_msg("%s: parse gave %ld (%s)", rc->name, r, h.error ? h.error : "");
        ws_check_response(&h, rc->key, rc->key ? strlen(rc->key) : 0, &c);
        if (c.rule != rc->rule) fail_msg("%s: rule %d, want %d (%s)", rc->name, c.rule, rc->rule, c.why);
        if (!strstr(c.section, rc->section)) fail_msg("%s: section '%s'", rc->name, c.section);
        assert_non_null(c.why);
        assert_string_equal(c.expected, rc->expected);
    }
    /* a request head is not a 101 */
    assert_true(http1_parse_request(RFC_REQ, strlen(RFC_REQ), &h) > 0);
    ws_check_response(&h, RFC_KEY, strlen(RFC_KEY), &c);
    assert_int_equal(c.rule, WS_RESP_NOT_101);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_table),
        cmocka_unit_test(test_every_prefix_is_partial),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_early_error),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_too_many_headers),
        cmocka_unit_test(test_oversize_head),
        cmocka_unit_test(test_token_lists),
        cmocka_unit_test(test_lookup_and_framing),
        cmocka_unit_test(test_check_request),
        cmocka_unit_test(test_check_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
