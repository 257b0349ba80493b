/* http1.h - a zero-copy HTTP/1.1 message head parser, and the RFC 6455 handshake rules. */
#ifndef WS_HTTP1_H
#define WS_HTTP1_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parsing contract (like picohttpparser): the caller hands over the bytes
 * received so far; the parser returns the length of the head (through the
 * blank line) when it is complete, HTTP1_PARTIAL when more bytes are needed, or
 * HTTP1_ERROR when the bytes cannot be an HTTP/1.x head. Lines may end in CRLF
 * or a bare LF. Nothing is copied: every string is a (pointer, length) view into
 * the caller's buffer, valid while that buffer is.
 */

#define HTTP1_PARTIAL (-2)
#define HTTP1_ERROR (-1)

/* Most headers kept; more makes the head an error ("too many headers"). */
#define HTTP1_MAX_HEADERS 64
/* Longest head accepted; a longer one is an error (not buffered forever). */
#define HTTP1_MAX_HEAD 65536

struct http1_str {
    const char *p;
    size_t len;
};

struct http1_header {
    struct http1_str name;  /* as sent; compare case-insensitively */
    struct http1_str value; /* leading/trailing optional whitespace removed */
};

struct http1_head {
    int is_request;           /* 1 request, 0 response */
    struct http1_str method;  /* request: "GET" */
    struct http1_str target;  /* request: "/chat" */
    int version_minor;        /* HTTP/1.x: x (0 or 1); -1 when not HTTP/1.x */
    int status;               /* response: 101 */
    struct http1_str reason;  /* response: "Switching Protocols" */
    size_t nheaders;
    struct http1_header headers[HTTP1_MAX_HEADERS];
    const char *error;        /* on HTTP1_ERROR: what was wrong (static string) */
};

/* Parse a request head (or a response head). */
long http1_parse_request(const char *buf, size_t len, struct http1_head *h);
long http1_parse_response(const char *buf, size_t len, struct http1_head *h);

/* The first header named `name` (case-insensitive), or NULL. */
const struct http1_header *http1_find(const struct http1_head *h, const char *name);

/* How many headers are named `name`. */
size_t http1_count(const struct http1_head *h, const char *name);

/* 1 when the comma-separated token list in `v` holds `token` (case-insensitive,
 * optional whitespace around elements), e.g. "keep-alive, Upgrade" holds "upgrade". */
int http1_token_list_has(struct http1_str v, const char *token);

/* 1 when the string equals `s` case-insensitively. */
int http1_str_ieq(struct http1_str v, const char *s);

/* Message body framing after a head: the Content-Length value (>= 0), -1 when
 * absent, -2 when invalid; and whether Transfer-Encoding ends in "chunked". */
long long http1_content_length(const struct http1_head *h);
int http1_is_chunked(const struct http1_head *h);

/* ---- RFC 6455 handshake rules (§4.1 client, §4.2.1/§4.2.2 server) ---- */

/* Which rule a client's opening handshake broke, first found first. */
enum ws_req_rule {
    WS_REQ_OK = 0,
    WS_REQ_NOT_GET,         /* §4.2.1 item 1: method must be GET */
    WS_REQ_NOT_HTTP11,      /* §4.2.1 item 1: HTTP/1.1 or higher */
    WS_REQ_NO_HOST,         /* §4.2.1 item 2: a Host header */
    WS_REQ_NO_UPGRADE,      /* §4.2.1 item 3: Upgrade: websocket */
    WS_REQ_NO_CONNECTION,   /* §4.2.1 item 4: Connection token list with Upgrade */
    WS_REQ_NO_KEY,          /* §4.2.1 item 5: Sec-WebSocket-Key */
    WS_REQ_BAD_KEY,         /* §4.2.1 item 5: the key must decode to 16 bytes (strict only) */
    WS_REQ_BAD_VERSION,     /* §4.2.1 item 6: Sec-WebSocket-Version: 13 (answer 426) */
};

struct ws_req_check {
    enum ws_req_rule rule;  /* first rule broken */
    int http_status;        /* what a server answers: 101, 400 or 426 */
    const char *section;    /* "RFC 6455 §4.2.1 item 3" */
    const char *why;        /* "the Upgrade header must contain \"websocket\"" */
    int key_warning;        /* the key is present but not base64 of 16 bytes */
};

/* Check a parsed request the way a server must. With strict, a key that is not
 * the base64 of 16 bytes fails (WS_REQ_BAD_KEY); otherwise it only sets key_warning. */
void ws_check_request(const struct http1_head *req, int strict, struct ws_req_check *out);

/* Which rule a server's 101 response broke (RFC 6455 §4.1, client side). */
enum ws_resp_rule {
    WS_RESP_OK = 0,
    WS_RESP_NOT_101,        /* §4.1 item 1: status other than 101 */
    WS_RESP_NO_UPGRADE,     /* §4.1 item 2: Upgrade: websocket */
    WS_RESP_NO_CONNECTION,  /* §4.1 item 3: Connection: Upgrade */
    WS_RESP_NO_ACCEPT,      /* §4.1 item 4: Sec-WebSocket-Accept missing */
    WS_RESP_ACCEPT_MISMATCH,/* §4.1 item 4: Accept is not the key's */
};

struct ws_resp_check {
    enum ws_resp_rule rule;
    const char *section;
    const char *why;
    char expected[29];      /* the Accept the key calls for ("" when no key) */
};

/* Check a response against the request's key (key may be NULL / 0). */
void ws_check_response(const struct http1_head *resp, const char *key, size_t key_len,
                       struct ws_resp_check *out);

#endif
