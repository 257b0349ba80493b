/* test_har.c - the HAR reader on small inline HAR texts: every producer's variant, the verdict, broken input, limits. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "budget.h"
#include "har.h"

/* Every event as a short record, in order: "KIND side facts;". */
struct rec {
    char log[16384];
    size_t used;
    int64_t ts_sec[64];        /* the first events' timestamps and times */
    uint32_t ts_nsec[64];
    double t[64];
    int n;
    const struct wsi_har_conn *last_har_seen; /* non-NULL on every event */
    int all_har;
    uint64_t close_errors;
    int close_code;
    int messages_recorded;
    char clock[200];
};

static void add(struct rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->log + r->used, sizeof r->log - r->used, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof r->log - r->used);
    r->used += (size_t)n;
}

static const char *side(enum wsi_side s) { return s == WSI_C2S ? ">" : s == WSI_S2C ? "<" : "-"; }

static void on_event(void *self, const struct wsi_event *ev)
{
    struct rec *r = self;
    if (r->n < 64) {
        r->ts_sec[r->n] = ev->ts_sec;
        r->ts_nsec[r->n] = ev->ts_nsec;
        r->t[r->n] = ev->t;
    }
    r->n++;
    if (!ev->har) r->all_har = 0;
    switch (ev->kind) {
    case WSI_EV_CONN:
        add(r, "CONN %llu %s;", (unsigned long long)ev->conn, ev->har ? ev->har->server : "?");
        r->messages_recorded = ev->har ? ev->har->messages_recorded : -1;
        snprintf(r->clock, sizeof r->clock, "%s", ev->har && ev->har->clock ? ev->har->clock : "");
        break;
    case WSI_EV_HTTP:
        if (ev->u.http.is_request) add(r, "REQ %s %s;", ev->u.http.method, ev->u.http.target);
        else add(r, "RESP %d;", ev->u.http.status);
        break;
    case WSI_EV_HANDSHAKE:
        add(r, "HS %s %s;", wsi_hs_verdict_id(ev->u.hs.verdict),
            ev->u.hs.expected_accept ? ev->u.hs.expected_accept : "-");
        break;
    case WSI_EV_MESSAGE: {
        const struct wsi_message *m = ev->u.msg.m;
        add(r, "MSG %s %u %llu ", side(ev->side), m->opcode, (unsigned long long)m->len);
        for (size_t i = 0; i < m->preview_len; i++) {
            uint8_t b = m->preview[i];
            if (b >= 0x20 && b < 0x7f) add(r, "%c", b);
            else add(r, "\\x%02x", b);
        }
        add(r, ";");
        break;
    }
    case WSI_EV_NOTE: add(r, "NOTE %s %.*s;", ev->u.note.what, (int)ev->u.note.text_len, ev->u.note.text); break;
    case WSI_EV_CLOSE:
        add(r, "CLOSE ws=%d %llu/%llu;", ev->u.close.websocket, (unsigned long long)ev->u.close.messages[0],
            (unsigned long long)ev->u.close.messages[1]);
        r->close_errors = ev->har ? ev->har->errors : 0;
        r->close_code = ev->har ? ev->har->close_code : -2;
        break;
    default: add(r, "OTHER %d;", ev->kind); break;
    }
}

/* Read `text` (with the options given, or defaults) into r; returns wsi_har_read's result. */
static int run(struct rec *r, const char *text, struct wsi_har_opts *o, struct wsi_har_stats *st, char *err, size_t errsz)
{
    memset(r, 0, sizeof *r);
    r->all_har = 1;
    struct wsi_har_opts dflt = {.name = "test.har"};
    struct wsi_sink sink = {.event = on_event, .self = r};
    struct wsi_har_stats st0;
    char e0[512];
    return wsi_har_read(text, strlen(text), o ? o : &dflt, &sink, st ? st : &st0, err ? err : e0, err ? errsz : sizeof e0);
}

/* The RFC 6455 §1.3 example: this key's Accept is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=. */
#define REQ_HEADERS                                                                                               \
    "\"headers\":[{\"name\":\"Host\",\"value\":\"localhost:8080\"},{\"name\":\"Upgrade\",\"value\":\"websocket\"}," \
    "{\"name\":\"Connection\",\"value\":\"Upgrade\"},{\"name\":\"Sec-WebSocket-Version\",\"value\":\"13\"},"        \
    "{\"name\":\"Sec-WebSocket-Key\",\"value\":\"dGhlIHNhbXBsZSBub25jZQ==\"}]"
#define RESP_HEADERS(accept)                                                                                      \
    "\"headers\":[{\"name\":\"upgrade\",\"value\":\"websocket\"},{\"name\":\"connection\",\"value\":\"Upgrade\"},"  \
    "{\"name\":\"sec-websocket-accept\",\"value\":\"" accept "\"}]"

/* A Chrome export: a page entry, then the socket with text, binary (base64) and an error element. */
static const char CHROME[] =
    "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"WebInspector\",\"version\":\"537.36\"},\"pages\":[],\n"
    "\"entries\":[\n"
    "{\"startedDateTime\":\"2025-01-02T03:04:05.000Z\",\"request\":{\"method\":\"GET\",\"url\":\"http://localhost:8080/\","
    "\"headers\":[]},\"response\":{\"status\":200,\"headers\":[],\"content\":{\"text\":\"<p>page</p>\"}},\"timings\":{}},\n"
    "{\"_resourceType\":\"websocket\",\"_webSocketMessages\":["
    "{\"type\":\"send\",\"time\":1735787045.5,\"opcode\":1,\"data\":\"hello\"},"
    "{\"type\":\"receive\",\"time\":1735787045.75,\"opcode\":2,\"data\":\"AAEC/w==\"},"
    "{\"type\":\"error\",\"time\":1735787046.0,\"opcode\":-1,\"data\":\"Invalid frame header\"}],"
    "\"startedDateTime\":\"2025-01-02T03:04:05.000Z\","
    "\"request\":{\"method\":\"GET\",\"url\":\"ws://localhost:8080/echo?x=1#frag\"," REQ_HEADERS "},"
    "\"response\":{\"status\":101,\"statusText\":\"Switching Protocols\"," RESP_HEADERS("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") "},"
    "\"timings\":{\"blocked\":-1,\"send\":0,\"wait\":100000}}\n"
    "]}}\n";

static void test_chrome(void **state)
{
    (void)state;
    struct rec r;
    struct wsi_har_stats st;
    assert_int_equal(run(&r, CHROME, NULL, &st, NULL, 0), 0);
    assert_string_equal(r.log, "CONN 1 localhost:8080;REQ GET /echo?x=1;RESP 101;HS valid s3pPLMBiTxaQ9kYGzzhZRbK+xOo=;"
                               "MSG > 1 5 hello;MSG < 2 4 \\x00\\x01\\x02\\xff;NOTE error Invalid frame header;"
                               "CLOSE ws=1 1/1;");
    assert_true(r.all_har);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.websockets, 1);
    assert_int_equal(st.messages, 3);
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.failed_handshakes, 0);
    assert_string_equal(st.producer, "WebInspector 537.36");
    assert_int_equal(r.close_errors, 1);
    assert_int_equal(r.close_code, -1);
    /* times: the entry's start, the 101 just before the first message (not after Chrome's long "wait") */
    assert_int_equal(r.ts_sec[0], 1735787045);
    assert_int_equal(r.ts_nsec[0], 0);
    assert_true(r.t[2] >= 0.49 && r.t[2] <= 0.51);
    assert_true(r.t[4] >= 0.49 && r.t[4] <= 0.51);   /* the text message, 0.5 s after the start */
    assert_int_equal(r.ts_nsec[5], 750000000);       /* the binary one at .75 */
}

/* An Accept that is not the key's: the mismatch found by calc/, the expected value given. */
static void test_mismatch(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"_webSocketMessages\":[],"
        "\"startedDateTime\":\"2025-01-02T03:04:05Z\",\"request\":{\"method\":\"GET\",\"url\":\"wss://[::1]/x\"," REQ_HEADERS
        "},\"response\":{\"status\":101," RESP_HEADERS("AAAAAAAAAAAAAAAAAAAAAAAAAAA=") "}}]}}";
    struct rec r;
    struct wsi_har_stats st;
    assert_int_equal(run(&r, har, NULL, &st, NULL, 0), 0);
    assert_string_equal(r.log, "CONN 1 [::1]:443;REQ GET /x;RESP 101;HS mismatch s3pPLMBiTxaQ9kYGzzhZRbK+xOo=;CLOSE ws=1 0/0;");
    assert_int_equal(st.failed_handshakes, 1);
}

/* Chrome's never-started socket: no request, status 0, the monotonic clock, an error element. */
static void test_failed_monotonic(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"_webSocketMessages\":[{\"type\":\"error\",\"time\":282411.604688,"
        "\"opcode\":-1,\"data\":\"WebSocket is closed before the connection is established.\"}],"
        "\"request\":{\"method\":\"\",\"url\":\"wss://example.org/ws\",\"headers\":[]},\"response\":{\"status\":0,\"headers\":[],"
        "\"_error\":\"net::ERR_CONNECTION_REFUSED\"},\"startedDateTime\":\"1969-12-31T23:59:59.000Z\","
        "\"timings\":{\"wait\":282412604.687}}]}}";
    struct rec r;
    struct wsi_har_stats st;
    assert_int_equal(run(&r, har, NULL, &st, NULL, 0), 0);
    assert_string_equal(r.log, "CONN 1 example.org:443;HS no-response -;NOTE failure net::ERR_CONNECTION_REFUSED;"
                               "NOTE error WebSocket is closed before the connection is established.;CLOSE ws=0 0/0;");
    assert_int_equal(st.failed_handshakes, 1);
    assert_int_equal(r.ts_sec[0], 282411);
    assert_int_equal(r.ts_nsec[0], 604688000);
    assert_non_null(strstr(r.clock, "monotonic"));
}

/* Playwright's recordHar: times in milliseconds since the epoch. */
static void test_playwright_ms(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"creator\":{\"name\":\"Playwright\",\"version\":\"1.65.2\"},\"entries\":[{\"_resourceType\":\"websocket\","
        "\"startedDateTime\":\"2026-12-04T21:00:00.000Z\",\"time\":250,"
        "\"request\":{\"method\":\"GET\",\"url\":\"ws://127.0.0.1:9000/echo\"," REQ_HEADERS "},"
        "\"response\":{\"status\":101,\"statusText\":\"Switching Protocols\"," RESP_HEADERS("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        ",\"content\":{\"size\":-1,\"mimeType\":\"x-unknown\"}},\"timings\":{\"send\":-1,\"wait\":-1},"
        "\"_webSocketMessages\":[{\"type\":\"send\",\"time\":1796418000125.5,\"opcode\":1,\"data\":\"\xed\x95\x9c\"},"
        "{\"type\":\"receive\",\"time\":1796418000250,\"opcode\":1,\"data\":\"\xed\x95\x9c\"}]}]}}";
    struct rec r;
    struct wsi_har_stats st;
    assert_int_equal(run(&r, har, NULL, &st, NULL, 0), 0);
    assert_string_equal(r.log, "CONN 1 127.0.0.1:9000;REQ GET /echo;RESP 101;HS valid s3pPLMBiTxaQ9kYGzzhZRbK+xOo=;"
                               "MSG > 1 3 \\xed\\x95\\x9c;MSG < 1 3 \\xed\\x95\\x9c;CLOSE ws=1 1/1;");
    assert_string_equal(st.producer, "Playwright 1.65.2");
    assert_int_equal(r.ts_sec[4], 1796418000);
    assert_int_equal(r.ts_nsec[4], 125500000);
    assert_true(r.t[5] > 0.249 && r.t[5] < 0.251);
    assert_string_equal(r.clock, "");
}

/* mitmproxy: an https:// URL marked websocket; other entries are not connections. */
static void test_mitmproxy(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"creator\":{\"name\":\"mitmproxy\",\"version\":\"10.1.5\"},\"entries\":["
        "{\"request\":{\"method\":\"GET\",\"url\":\"https://example.com/app.js\",\"headers\":[]},\"response\":{\"status\":200}},"
        "{\"startedDateTime\":\"2023-08-29T13:03:52.266590+00:00\",\"_resourceType\":\"websocket\","
        "\"request\":{\"method\":\"GET\",\"url\":\"https://user:pw@demo.example:8443/v3/c?k=1\"," REQ_HEADERS "},"
        "\"response\":{\"status\":101," RESP_HEADERS("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") "},"
        "\"_webSocketMessages\":[{\"type\":\"receive\",\"time\":1693314232.444319,\"opcode\":1,\"data\":\"{}\"}]}]}}";
    struct rec r;
    struct wsi_har_stats st;
    assert_int_equal(run(&r, har, NULL, &st, NULL, 0), 0);
    assert_string_equal(r.log, "CONN 1 demo.example:8443;REQ GET /v3/c?k=1;RESP 101;HS valid s3pPLMBiTxaQ9kYGzzhZRbK+xOo=;"
                               "MSG < 1 2 {};CLOSE ws=1 0/1;");
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.websockets, 1);
    /* +00:00 is UTC: 13:03:52.266590 */
    assert_int_equal(r.ts_sec[0], 1693314232);
    assert_int_equal(r.ts_nsec[0], 266590000);
}

/* HTTP Toolkit's _webSocketClose; Firefox's handshake-only entry (no messages list at all). */
static void test_close_and_no_messages(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"entries\":[{\"startedDateTime\":\"2024-05-01T10:00:00Z\",\"_resourceType\":\"websocket\","
        "\"request\":{\"method\":\"GET\",\"url\":\"ws://a.test/\"," REQ_HEADERS "},"
        "\"response\":{\"status\":101," RESP_HEADERS("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") "},"
        "\"_webSocketMessages\":[{\"type\":\"send\",\"time\":1714557601,\"opcode\":1,\"data\":\"bye\"}],"
        "\"_webSocketClose\":{\"code\":1000,\"reason\":\"done\",\"timestamp\":1714557602000}},"
        "{\"startedDateTime\":\"2024-05-01T10:00:05Z\",\"request\":{\"method\":\"GET\",\"url\":\"wss://b.test/s\"," REQ_HEADERS
        "},\"response\":{\"status\":101," RESP_HEADERS("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") "}}]}}";
    struct rec r;
    assert_int_equal(run(&r, har, NULL, NULL, NULL, 0), 0);
    assert_string_equal(r.log,
                        "CONN 1 a.test:80;REQ GET /;RESP 101;HS valid s3pPLMBiTxaQ9kYGzzhZRbK+xOo=;MSG > 1 3 bye;"
                        "NOTE close closed with code 1000 (normal);CLOSE ws=1 1/0;"
                        "CONN 2 b.test:443;REQ GET /s;RESP 101;HS valid s3pPLMBiTxaQ9kYGzzhZRbK+xOo=;"
                        "NOTE source this entry records no messages (Firefox and Safari save the handshake only): the "
                        "messages are not in the HAR;CLOSE ws=1 0/0;");
    assert_int_equal(r.messages_recorded, 0);
    assert_int_equal(r.close_code, -1); /* the last connection's: none */
}

/* A monotonic message clock under a wall-clock start: placed from the response on. */
static void test_monotonic_shifted(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"entries\":[{\"startedDateTime\":\"2024-05-01T10:00:00Z\",\"_resourceType\":\"websocket\","
        "\"request\":{\"method\":\"GET\",\"url\":\"ws://a.test/\"," REQ_HEADERS "},"
        "\"response\":{\"status\":101," RESP_HEADERS("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") "},\"timings\":{\"wait\":20},"
        "\"_webSocketMessages\":[{\"type\":\"send\",\"time\":5000.0,\"opcode\":1,\"data\":\"a\"},"
        "{\"type\":\"receive\",\"time\":5001.5,\"opcode\":1,\"data\":\"b\"},"
        "{\"type\":\"send\",\"opcode\":1,\"data\":\"no time\"}]}]}}";
    struct rec r;
    assert_int_equal(run(&r, har, NULL, NULL, NULL, 0), 0);
    assert_non_null(strstr(r.clock, "monotonic"));
    assert_true(r.t[4] > 0.019 && r.t[4] < 0.021); /* the first message at the response */
    assert_true(r.t[5] > 1.519 && r.t[5] < 1.521);
    assert_true(r.t[6] > 1.519 && r.t[6] < 1.521); /* no time: with the message before */
}

/* Broken JSON: the entries before it are shown, the error names line and column. */
static void test_broken_json(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"entries\":[\n"
        "{\"_resourceType\":\"websocket\",\"request\":{\"url\":\"ws://a.test/\"},\"response\":{\"status\":0}},\n"
        "{\"_resourceType\":\"websocket\" \"request\":{}}\n"
        "]}}";
    struct rec r;
    char err[512];
    assert_int_equal(run(&r, har, NULL, NULL, err, sizeof err), -1);
    assert_string_equal(r.log, "CONN 1 a.test:80;HS no-response -;CLOSE ws=0 0/0;");
    assert_string_equal(err, "line 3, column 30 (byte 137): not valid JSON: ',' or '}' expected");
}

/* A file cut short inside the messages: those before the cut are shown, then the error. */
static void test_truncated(void **state)
{
    (void)state;
    char har[sizeof CHROME];
    memcpy(har, CHROME, sizeof CHROME);
    char *cut = strstr(har, "{\"type\":\"receive\"");
    assert_non_null(cut);
    cut[20] = '\0';
    struct rec r;
    char err[512];
    assert_int_equal(run(&r, har, NULL, NULL, err, sizeof err), -1);
    /* Chrome writes the messages before the request: the entry's URL and heads are not read */
    assert_string_equal(r.log, "CONN 1 ?:80;HS not-seen -;MSG > 1 5 hello;CLOSE ws=1 1/0;");
    assert_non_null(strstr(err, "the file is cut short"));
    assert_non_null(strstr(err, "line 4, column "));
}

static void test_not_a_har(void **state)
{
    (void)state;
    struct rec r;
    char err[512];
    assert_int_equal(run(&r, "{\"a\": [1, 2]}", NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err, "line 1, column 1 (byte 0): not a HAR: the JSON object has no \"log\"");
    assert_int_equal(run(&r, "{\"log\": {}}", NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "no \"entries\""));
    assert_int_equal(run(&r, "{\"log\": {\"entries\": []}} x", NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "more after the JSON document's end"));
    assert_int_equal(run(&r, "", NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "cut short"));
    assert_int_equal(r.used, 0);
}

/* Binary data that is not base64: said, and shown as the text it is. */
static void test_bad_base64(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"startedDateTime\":\"2024-05-01T10:00:00Z\","
        "\"request\":{\"url\":\"ws://a.test/\"},\"response\":{\"status\":0},"
        "\"_webSocketMessages\":[{\"type\":\"receive\",\"time\":1714557601,\"opcode\":2,\"data\":\"not*b64\"}]}]}}";
    struct rec r;
    assert_int_equal(run(&r, har, NULL, NULL, NULL, 0), 0);
    assert_non_null(strstr(r.log, "NOTE error a binary message's data is not base64: shown as the text it is;"
                                  "MSG < 2 7 not*b64;"));
}

/* Control bytes, a NUL and markup in a text message are kept as bytes (the renderers escape them). */
static void test_hostile_text(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"request\":{\"url\":\"ws://a.test/\"},\"response\":{},"
        "\"_webSocketMessages\":[{\"type\":\"send\",\"time\":1,\"opcode\":1,\"data\":\"<b>\\u0000\\u001b[31m\"}]}]}}";
    struct rec r;
    assert_int_equal(run(&r, har, NULL, NULL, NULL, 0), 0);
    assert_non_null(strstr(r.log, "MSG > 1 9 <b>\\x00\\x1b[31m;"));
}

/* --stream: only that connection's events. */
static void test_only_conn(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"request\":{\"url\":\"ws://one.test/\"},\"response\":{}},"
        "{\"_resourceType\":\"websocket\",\"request\":{\"url\":\"ws://two.test/\"},\"response\":{}}]}}";
    struct rec r;
    struct wsi_har_opts o = {.name = "t", .only_conn = 2};
    struct wsi_har_stats st;
    assert_int_equal(run(&r, har, &o, &st, NULL, 0), 0);
    assert_string_equal(r.log, "CONN 2 two.test:80;HS no-response -;CLOSE ws=0 0/0;");
    assert_int_equal(st.websockets, 2);
    assert_int_equal(st.failed_handshakes, 1); /* only the one shown */
}

/* The memory budget: a message bigger than it allows stops the reading, with what came before shown. */
static void test_budget(void **state)
{
    (void)state;
    size_t big = 600000;
    const char *head = "{\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"request\":{\"url\":\"ws://a.test/\"},"
                       "\"response\":{},\"_webSocketMessages\":[{\"type\":\"send\",\"time\":1,\"opcode\":1,\"data\":\"small\"},"
                       "{\"type\":\"send\",\"time\":2,\"opcode\":1,\"data\":\"";
    const char *tail = "\"}]}]}}";
    char *har = malloc(strlen(head) + big + strlen(tail) + 1);
    assert_non_null(har);
    strcpy(har, head);
    memset(har + strlen(head), 'x', big);
    strcpy(har + strlen(head) + big, tail);
    struct wsi_budget b;
    wsi_budget_init(&b, 512 * 1024);
    struct wsi_har_opts o = {.name = "t", .budget = &b};
    struct rec r;
    char err[512];
    assert_int_equal(run(&r, har, &o, NULL, err, sizeof err), -1);
    assert_non_null(strstr(r.log, "MSG > 1 5 small;"));
    assert_null(strstr(r.log, "MSG > 1 600000"));
    assert_non_null(strstr(err, "a value bigger than the memory budget (--max-memory) allows"));
    assert_int_equal(b.used, 0); /* all jansson held was given back */
    /* within a larger budget it is read */
    wsi_budget_init(&b, 8u << 20);
    assert_int_equal(run(&r, har, &o, NULL, err, sizeof err), 0);
    assert_non_null(strstr(r.log, "MSG > 1 600000 xxxx"));
    assert_int_equal(b.used, 0);
    free(har);
}

/* Playwright's content "attach": the messages in a .jsonl file beside the HAR; never outside its folder. */
static void test_attached(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_har_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/m.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"type\":\"send\",\"time\":1796418000125,\"opcode\":1,\"data\":\"one\"}\n"
          "{\"type\":\"receive\",\"time\":1796418000126,\"opcode\":2,\"data\":\"AQI=\"}\n", f);
    fclose(f);
    static const char har[] =
        "{\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"startedDateTime\":\"2026-12-04T21:00:00.000Z\","
        "\"request\":{\"url\":\"ws://a.test/\"},\"response\":{\"status\":0,\"content\":{\"_file\":\"m.jsonl\"}}}]}}";
    struct rec r;
    struct wsi_har_opts o = {.name = "t", .dir = dir};
    assert_int_equal(run(&r, har, &o, NULL, NULL, 0), 0);
    assert_non_null(strstr(r.log, "MSG > 1 3 one;MSG < 2 2 \\x01\\x02;CLOSE ws=1 1/1;"));
    assert_true(r.t[2] > 0.124 && r.t[2] < 0.126); /* milliseconds, found in the attached file */
    static const char outside[] =
        "{\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"request\":{\"url\":\"ws://a.test/\"},"
        "\"response\":{\"content\":{\"_file\":\"../etc/passwd\"}}}]}}";
    assert_int_equal(run(&r, outside, &o, NULL, NULL, 0), 0);
    assert_non_null(strstr(r.log, "NOTE failure the messages are in an attached file (../etc/passwd) outside the HAR's folder"));
    o.dir = NULL; /* standard input */
    assert_int_equal(run(&r, har, &o, NULL, NULL, 0), 0);
    assert_non_null(strstr(r.log, "which is not read from standard input"));
    unlink(path);
    rmdir(dir);
}

/* Numbers out of any range: a status, an opcode, a close code, times; read as "not given". */
static void test_out_of_range_numbers(void **state)
{
    (void)state;
    static const char har[] =
        "{\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"request\":{\"url\":\"ws://a.test/\"},"
        "\"response\":{\"status\":1e300},\"_webSocketClose\":{\"code\":-1e300},"
        "\"_webSocketMessages\":[{\"type\":\"send\",\"time\":1e300,\"opcode\":1e20,\"data\":\"a\"},"
        "{\"type\":\"send\",\"time\":-1e300,\"opcode\":-1e20,\"data\":\"b\"}]}]}}";
    struct rec r;
    struct wsi_har_stats st;
    assert_int_equal(run(&r, har, NULL, &st, NULL, 0), 0);
    assert_string_equal(r.log, "CONN 1 a.test:80;HS no-response -;MSG > 1 1 a;MSG > 1 1 b;"
                               "NOTE close closed without a code;CLOSE ws=1 2/0;");
    assert_int_equal(r.ts_sec[0], 0); /* no clock gives 1e300 s: the start is 0 */
    assert_int_equal(st.failed_handshakes, 1);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_true(wsi_har_sniff((const uint8_t *)"{\"log\"", 6));
    assert_true(wsi_har_sniff((const uint8_t *)"\xEF\xBB\xBF \r\n\t{", 8));
    assert_false(wsi_har_sniff((const uint8_t *)"\xd4\xc3\xb2\xa1", 4));  /* pcap */
    assert_false(wsi_har_sniff((const uint8_t *)"\n\r\r\n\x1c\0\0\0", 8)); /* pcapng */
    assert_false(wsi_har_sniff((const uint8_t *)"[1]", 3));
    assert_false(wsi_har_sniff((const uint8_t *)"   ", 3));
    assert_false(wsi_har_sniff(NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chrome),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_failed_monotonic),
        cmocka_unit_test(test_playwright_ms),
        cmocka_unit_test(test_mitmproxy),
        cmocka_unit_test(test_close_and_no_messages),
        cmocka_unit_test(test_monotonic_shifted),
        cmocka_unit_test(test_broken_json),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_not_a_har),
        cmocka_unit_test(test_bad_base64),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_only_conn),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_attached),
        cmocka_unit_test(test_out_of_range_numbers),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
