/* handshake.c - the RFC 6455 opening-handshake rules: what a server checks (§4.2.1) and a client checks (§4.1). */
#include "accept.h"
#include "http1.h"

#include <string.h>

/* WS_KEY_MAX as text, for messages. */
#define STR_(x) #x
#define STR(x) STR_(x)

/* Record the first broken request rule; the status is 426 only for the version. */
static void req_fail(struct ws_req_check *out, enum ws_req_rule rule, const char *section, const char *why)
{
    out->rule = rule;
    out->http_status = rule == WS_REQ_BAD_VERSION ? 426 : 400;
    out->section = section;
    out->why = why;
}

/* 1 when some header called `name` has `token` in its comma-separated list
 * (repeated headers are one list, RFC 9110 §5.3). */
static int any_list_has(const struct http1_head *h, const char *name, const char *token)
{
    for (size_t i = 0; i < h->nheaders; i++)
        if (http1_str_ieq(h->headers[i].name, name) && http1_token_list_has(h->headers[i].value, token))
            return 1;
    return 0;
}

/*
 * The rules in the order RFC 6455 §4.2.1 lists them; the first broken one is
 * reported. The key's form is checked after its presence: a malformed key is
 * only a warning unless `strict` (many servers hash whatever they got).
 */
void ws_check_request(const struct http1_head *req, int strict, struct ws_req_check *out)
{
    memset(out, 0, sizeof *out);
    out->rule = WS_REQ_OK;
    out->http_status = 101;
    out->section = "RFC 6455 §4.2.2";
    out->why = "the opening handshake is valid; the server answers 101 Switching Protocols";

    const struct http1_header *key = http1_find(req, "Sec-WebSocket-Key");
    if (key && http1_count(req, "Sec-WebSocket-Key") == 1 && key->value.len > 0 &&
        ws_key_check(key->value.p, key->value.len, NULL) != WS_KEY_OK)
        out->key_warning = 1;

    if (!req->is_request || req->method.len != 3 || memcmp(req->method.p, "GET", 3) != 0) {
        req_fail(out, WS_REQ_NOT_GET, "RFC 6455 §4.2.1 item 1", "the method must be GET (methods are case-sensitive)");
        return;
    }
    if (req->version_minor < 1) {
        req_fail(out, WS_REQ_NOT_HTTP11, "RFC 6455 §4.2.1 item 1", "the request must be HTTP/1.1 or higher");
        return;
    }
    size_t hosts = http1_count(req, "Host");
    const struct http1_header *host = http1_find(req, "Host");
    if (hosts == 0 || host->value.len == 0) {
        req_fail(out, WS_REQ_NO_HOST, "RFC 6455 §4.2.1 item 2", "the request must have a non-empty Host header");
        return;
    }
    if (hosts > 1) {
        req_fail(out, WS_REQ_NO_HOST, "RFC 6455 §4.2.1 item 2", "the request has more than one Host header (RFC 9112 §3.2: answer 400)");
        return;
    }
    if (!any_list_has(req, "Upgrade", "websocket")) {
        req_fail(out, WS_REQ_NO_UPGRADE, "RFC 6455 §4.2.1 item 3", "the Upgrade header must contain \"websocket\"");
        return;
    }
    if (!any_list_has(req, "Connection", "Upgrade")) {
        req_fail(out, WS_REQ_NO_CONNECTION, "RFC 6455 §4.2.1 item 4",
                 "the Connection header's token list must contain \"Upgrade\"");
        return;
    }
    size_t keys = http1_count(req, "Sec-WebSocket-Key");
    if (keys == 0 || key->value.len == 0) {
        req_fail(out, WS_REQ_NO_KEY, "RFC 6455 §4.2.1 item 5", "the request must have a non-empty Sec-WebSocket-Key header");
        return;
    }
    if (keys > 1) {
        req_fail(out, WS_REQ_NO_KEY, "RFC 6455 §4.2.1 item 5",
                 "Sec-WebSocket-Key appears more than once; exactly one is allowed (§11.3.1)");
        return;
    }
    if (strict && out->key_warning) {
        req_fail(out, WS_REQ_BAD_KEY, "RFC 6455 §4.2.1 item 5",
                 "the Sec-WebSocket-Key must be the base64 of exactly 16 bytes");
        return;
    }
    const struct http1_header *ver = http1_find(req, "Sec-WebSocket-Version");
    if (!ver) {
        req_fail(out, WS_REQ_BAD_VERSION, "RFC 6455 §4.2.1 item 6",
                 "the request has no Sec-WebSocket-Version header; it must be 13 (§4.2.2: answer 426 with Sec-WebSocket-Version: 13)");
        return;
    }
    if (http1_count(req, "Sec-WebSocket-Version") > 1 || !http1_str_ieq(ver->value, "13")) {
        req_fail(out, WS_REQ_BAD_VERSION, "RFC 6455 §4.2.1 item 6",
                 "Sec-WebSocket-Version must be 13 (§4.2.2: answer 426 with Sec-WebSocket-Version: 13)");
        return;
    }
}

/* Record the first broken response rule. */
static void resp_fail(struct ws_resp_check *out, enum ws_resp_rule rule, const char *section, const char *why)
{
    out->rule = rule;
    out->section = section;
    out->why = why;
}

/* The checks a client makes on the server's answer, RFC 6455 §4.1 (the list
 * after "the client MUST validate the server's response"), items 1 to 4. */
void ws_check_response(const struct http1_head *resp, const char *key, size_t key_len,
                       struct ws_resp_check *out)
{
    memset(out, 0, sizeof *out);
    out->rule = WS_RESP_OK;
    out->section = "RFC 6455 §4.1";
    out->why = "the server accepted the handshake";

    int have_key = key != NULL && key_len > 0;
    int computed = 0;
    if (have_key) {
        const char *k = ws_key_trim(key, &key_len);
        computed = key_len > 0 && ws_accept_compute(k, key_len, out->expected, NULL) == 0;
        if (!computed) out->expected[0] = '\0';
    }

    if (resp->is_request || resp->status != 101) {
        resp_fail(out, WS_RESP_NOT_101, "RFC 6455 §4.1 item 1", "the status code is not 101 Switching Protocols");
        return;
    }
    if (!any_list_has(resp, "Upgrade", "websocket")) {
        resp_fail(out, WS_RESP_NO_UPGRADE, "RFC 6455 §4.1 item 2", "the Upgrade header must be \"websocket\"");
        return;
    }
    if (!any_list_has(resp, "Connection", "Upgrade")) {
        resp_fail(out, WS_RESP_NO_CONNECTION, "RFC 6455 §4.1 item 3", "the Connection header must contain \"Upgrade\"");
        return;
    }
    const struct http1_header *acc = http1_find(resp, "Sec-WebSocket-Accept");
    if (!acc) {
        resp_fail(out, WS_RESP_NO_ACCEPT, "RFC 6455 §4.1 item 4", "the response has no Sec-WebSocket-Accept header");
        return;
    }
    if (http1_count(resp, "Sec-WebSocket-Accept") > 1) {
        resp_fail(out, WS_RESP_ACCEPT_MISMATCH, "RFC 6455 §4.1 item 4",
                  "Sec-WebSocket-Accept appears more than once");
        return;
    }
    if (!have_key) return; /* nothing to compare with */
    if (!computed) {
        resp_fail(out, WS_RESP_ACCEPT_MISMATCH, "RFC 6455 §4.1 item 4",
                  "the request's key cannot be hashed (empty or longer than " STR(WS_KEY_MAX) " bytes)");
        return;
    }
    if (acc->value.len != WS_ACCEPT_LEN || memcmp(acc->value.p, out->expected, WS_ACCEPT_LEN) != 0)
        resp_fail(out, WS_RESP_ACCEPT_MISMATCH, "RFC 6455 §4.1 item 4",
                  "Sec-WebSocket-Accept is not the base64 SHA-1 of the key and the GUID");
}
