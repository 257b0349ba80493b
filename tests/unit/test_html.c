/* test_html.c - the --html sink (its data block's escaping, its template, its caps) and the
 * --mermaid renderer's escaping, driven by hand-built events. */

#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "event.h"
#include "render.h"

extern const unsigned char wsi_page_html[], wsi_page_css[], wsi_page_js[];
extern const size_t wsi_page_html_len, wsi_page_css_len, wsi_page_js_len;

/* ---- the escaping, one call or split anywhere ---------------------------------------- */

/* wsi_html_escape_data over s, cut into pieces at every position in `cuts` (offsets, ascending). */
static char *escape_split(const char *s, size_t n, const size_t *cuts, size_t ncuts)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    unsigned pending = 0;
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : n;
        wsi_html_escape_data(f, s + at, end - at, &pending);
        at = end;
    }
    assert_int_equal(pending, 0); /* nothing left held at the end of well-formed text */
    fclose(f);
    return buf;
}

static void check_escape(const char *in, const char *want)
{
    size_t n = strlen(in);
    char *one = escape_split(in, n, NULL, 0);
    assert_string_equal(one, want);
    free(one);
    /* every single cut gives the same bytes, and so does a cut at every byte */
    for (size_t c = 0; c <= n; c++) {
        char *got = escape_split(in, n, &c, 1);
        assert_string_equal(got, want);
        free(got);
    }
    size_t *all = malloc((n + 1) * sizeof *all);
    assert_non_null(all);
    for (size_t c = 0; c <= n; c++) all[c] = c;
    char *got = escape_split(in, n, all, n + 1);
    assert_string_equal(got, want);
    free(got);
    free(all);
}

static void test_escape(void **state)
{
    (void)state;
    check_escape("{\"text\":\"</script><script>alert(1)</script>\"}\n",
                 "{\"text\":\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"}\n");
    check_escape("<!-- a & b -->", "\\u003c!-- a \\u0026 b --\\u003e");
    /* U+2028 and U+2029 (E2 80 A8, E2 80 A9), however the writes are cut */
    check_escape("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", "a\\u2028b\\u2029c");
    /* other characters starting with E2 stay as they are: U+2026, U+2192, U+20AC */
    check_escape("\xe2\x80\xa6 \xe2\x86\x92 \xe2\x82\xac", "\xe2\x80\xa6 \xe2\x86\x92 \xe2\x82\xac");
    check_escape("\xe2\x80\xa8\xe2\x80\xa8<", "\\u2028\\u2028\\u003c");
    check_escape("plain \"json\" 1.5 caf\xc3\xa9", "plain \"json\" 1.5 caf\xc3\xa9");
    check_escape("", "");
}

/* A character cut at the very end stays held (a writer always finishes its characters). */
static void test_escape_pending(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    unsigned pending = 0;
    wsi_html_escape_data(f, "x\xe2", 2, &pending);
    assert_int_not_equal(pending, 0);
    wsi_html_escape_data(f, "\x80", 1, &pending);
    assert_int_not_equal(pending, 0);
    wsi_html_escape_data(f, "", 0, &pending);
    assert_int_not_equal(pending, 0);
    wsi_html_escape_data(f, "\xa9>", 2, &pending);
    assert_int_equal(pending, 0);
    fclose(f);
    assert_string_equal(buf, "x\\u2029\\u003e");
    free(buf);
}

/* ---- the sink ------------------------------------------------------------------------ */

static char *count_and_find(const char *hay, const char *needle, int *count)
{
    *count = 0;
    const char *p = hay, *first = NULL;
    while ((p = strstr(p, needle))) {
        if (!first) first = p;
        (*count)++;
        p++;
    }
    return (char *)first;
}

struct page {
    char *buf;
    size_t len;
    FILE *f;
    struct wsi_html *h;
};

static void page_open(struct page *p, size_t payload)
{
    memset(p, 0, sizeof *p);
    p->f = open_memstream(&p->buf, &p->len);
    assert_non_null(p->f);
    struct wsi_render_opts o = {.out = p->f, .payload = payload, .width = 80};
    const char *names[] = {"class</title><script>x()</script>.pcap"};
    p->h = wsi_html_new(&o, names, 1);
    assert_non_null(p->h);
}

static void page_done(struct page *p)
{
    wsi_html_free(p->h);
    fclose(p->f);
    if (getenv("WSI_HTML_DUMP")) fprintf(stderr, "%s\n", p->buf);
}

static struct wsi_event ev_of(enum wsi_ev_kind k, uint64_t conn, enum wsi_side side, uint64_t packet)
{
    struct wsi_event e = {.kind = k, .conn = conn, .side = side, .packet = packet, .ts_sec = 1700000000, .t = 0.001 * (double)packet};
    return e;
}

static const char HOSTILE[] = "</script><script>window.x=1</script><!--\xe2\x80\xa8";

static void feed_hostile_conn(struct wsi_html *h, uint64_t conn)
{
    struct wsi_event e = ev_of(WSI_EV_CONN, conn, WSI_NONE, 1);
    wsi_html_event(h, &e);
    static const char head[] = "GET /</script> HTTP/1.1\r\nHost: <b>\r\n\r\n";
    e = ev_of(WSI_EV_HTTP, conn, WSI_C2S, 2);
    e.u.http = (struct wsi_http_ev){.is_request = 1, .method = "GET", .target = "/</script>", .upgrade = 1,
                                    .head = (const uint8_t *)head, .head_len = sizeof head - 1};
    wsi_html_event(h, &e);
    e = ev_of(WSI_EV_HANDSHAKE, conn, WSI_S2C, 3);
    e.u.hs = (struct wsi_handshake_ev){.key = "dGhlIHNhbXBsZSBub25jZQ==", .accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
                                       .expected_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", .status = 101,
                                       .verdict = WSI_HS_VALID, .latency = -1};
    wsi_html_event(h, &e);
    struct wsi_frame f = {.fin = 1, .opcode = WSI_OP_TEXT, .masked = 1, .mask = {0x37, 0xfa, 0x21, 0x3d},
                          .len7 = (uint8_t)(sizeof HOSTILE - 1), .len = sizeof HOSTILE - 1, .hdr_len = 6};
    e = ev_of(WSI_EV_FRAME, conn, WSI_C2S, 4);
    e.u.frame = (struct wsi_frame_ev){.f = &f, .preview = (const uint8_t *)HOSTILE, .preview_len = sizeof HOSTILE - 1, .index = 1};
    wsi_html_event(h, &e);
    struct wsi_message m = {.opcode = WSI_OP_TEXT, .len = sizeof HOSTILE - 1, .nframes = 1,
                            .preview = (const uint8_t *)HOSTILE, .preview_len = sizeof HOSTILE - 1, .utf8_valid = 1,
                            .close_code = -1};
    e = ev_of(WSI_EV_MESSAGE, conn, WSI_C2S, 4);
    e.u.msg = (struct wsi_message_ev){.m = &m, .rtt = -1};
    wsi_html_event(h, &e);
    e = ev_of(WSI_EV_CLOSE, conn, WSI_NONE, 5);
    e.u.close.close_code[0] = e.u.close.close_code[1] = -1;
    wsi_html_event(h, &e);
}

/* The base64 SHA-256 of bytes, as a CSP hash names them. */
static void sha256_b64(const unsigned char *s, size_t n, char out[64])
{
    unsigned char md[32];
    unsigned int ml = 0;
    assert_true(EVP_Digest(s, n, md, &ml, EVP_sha256(), NULL));
    EVP_EncodeBlock((unsigned char *)out, md, (int)ml);
}

static void test_page(void **state)
{
    (void)state;
    struct page p;
    page_open(&p, 1024);
    feed_hostile_conn(p.h, 1);
    page_done(&p);
    int n;
    /* the only elements that are script: the two data blocks and the page's script */
    count_and_find(p.buf, "<script", &n);
    assert_int_equal(n, 3);
    count_and_find(p.buf, "</script", &n);
    assert_int_equal(n, 3);
    assert_null(strstr(p.buf, "<!--")); /* the template's markers are all replaced, none comes from the data */
    assert_null(strstr(p.buf, "\xe2\x80\xa8"));
    /* the data block: the wire text escaped, as JSON */
    char *data = strstr(p.buf, "<script type=\"application/json\" id=\"wsi-events\">");
    assert_non_null(data);
    char *end = strstr(data, "</script>");
    assert_non_null(end);
    *end = '\0';
    assert_non_null(strstr(data, "\"text\":\"\\u003c/script\\u003e\\u003cscript\\u003ewindow.x=1\\u003c/script\\u003e\\u003c!--\\u2028\""));
    assert_non_null(strstr(data, "\"head\":\"GET /\\u003c/script\\u003e HTTP/1.1\\r\\nHost: \\u003cb\\u003e\\r\\n\\r\\n\""));
    /* the fields --html adds: the header as sent, the masked bytes, the Accept's SHA-1 (RFC 6455 §1.3's example) */
    assert_non_null(strstr(data, "\"header_hex\":\"81ab37fa213d\""));
    assert_non_null(strstr(data, "\"masked_hex\":\"0bd5525e"));  /* '<' ^ 37, '/' ^ fa, 's' ^ 21, 'c' ^ 3d */
    assert_non_null(strstr(data, "\"accept_sha1\":\"b37a4f2cc0624f1690f64606cf385945b2bec4ea\""));
    assert_non_null(strstr(data, "\"guid\":\"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\""));
    *end = '<';
    /* the meta block: the capture's name escaped too, the counts */
    char *meta = strstr(p.buf, "id=\"wsi-meta\">");
    assert_non_null(meta);
    assert_non_null(strstr(meta, "{\"input\":\"class\\u003c/title\\u003e\\u003cscript\\u003ex()\\u003c/script\\u003e.pcap\","
                                 "\"inputs\":[\"class\\u003c/title\\u003e\\u003cscript\\u003ex()\\u003c/script\\u003e.pcap\"]"));
    assert_non_null(strstr(meta, "\"arrows_omitted\":0"));
    /* the policy: nothing loaded, the page's own script and styles by their hashes, no 'unsafe-inline' */
    char h[64], want[160];
    sha256_b64(wsi_page_js, wsi_page_js_len, h);
    snprintf(want, sizeof want, "script-src 'sha256-%s'", h);
    assert_non_null(strstr(p.buf, want));
    sha256_b64(wsi_page_css, wsi_page_css_len, h);
    snprintf(want, sizeof want, "style-src 'sha256-%s'", h);
    assert_non_null(strstr(p.buf, want));
    assert_non_null(strstr(p.buf, "content=\"default-src 'none';"));
    assert_null(strstr(p.buf, "unsafe-inline"));
    /* the policy comes before any style or script */
    assert_true(strstr(p.buf, "Content-Security-Policy") < strstr(p.buf, "<style"));
    /* the page's script and styles are in it whole */
    assert_non_null(memmem(p.buf, p.len, wsi_page_js, wsi_page_js_len));
    assert_non_null(memmem(p.buf, p.len, wsi_page_css, wsi_page_css_len));
    free(p.buf);
}

/* The page's own files cannot end their element early nor hide a marker. */
static void test_page_files(void **state)
{
    (void)state;
    assert_null(strstr((const char *)wsi_page_js, "</script"));
    assert_null(strstr((const char *)wsi_page_js, "</SCRIPT"));
    assert_null(strstr((const char *)wsi_page_js, "<!--"));
    assert_null(strstr((const char *)wsi_page_js, "innerHTML"));
    assert_null(strstr((const char *)wsi_page_js, "outerHTML"));
    assert_null(strstr((const char *)wsi_page_js, "insertAdjacentHTML"));
    assert_null(strstr((const char *)wsi_page_js, "document.write"));
    assert_null(strstr((const char *)wsi_page_css, "</style"));
    const char *markers[] = {"<!--wsi:csp-->", "<!--wsi:style-->", "<!--wsi:events-->", "<!--wsi:meta-->", "<!--wsi:script-->"};
    const char *at = (const char *)wsi_page_html;
    for (size_t i = 0; i < sizeof markers / sizeof *markers; i++) { /* each once, in this order */
        const char *m = strstr(at, markers[i]);
        assert_non_null(m);
        assert_null(strstr(m + 1, markers[i]));
        at = m;
    }
}

/* More arrows than the cap on one connection: the rest is counted, from its first packet. */
static void test_caps(void **state)
{
    (void)state;
    struct page p;
    page_open(&p, 8);
    struct wsi_event e = ev_of(WSI_EV_CONN, 7, WSI_NONE, 1);
    wsi_html_event(p.h, &e);
    struct wsi_message m = {.opcode = WSI_OP_TEXT, .len = 2, .nframes = 1, .preview = (const uint8_t *)"hi",
                            .preview_len = 2, .utf8_valid = 1, .close_code = -1};
    uint64_t total = WSI_HTML_MAX_CONN_ARROWS + 123;
    for (uint64_t i = 0; i < total; i++) {
        e = ev_of(WSI_EV_MESSAGE, 7, WSI_S2C, 10 + i);
        e.u.msg = (struct wsi_message_ev){.m = &m, .rtt = -1};
        wsi_html_event(p.h, &e);
    }
    e = ev_of(WSI_EV_CLOSE, 7, WSI_NONE, 10 + total);
    wsi_html_event(p.h, &e);
    page_done(&p);
    int n;
    count_and_find(p.buf, "{\"type\":\"message\"", &n);
    assert_int_equal(n, WSI_HTML_MAX_CONN_ARROWS);
    count_and_find(p.buf, "{\"type\":\"close\"", &n); /* a connection's close is never left out */
    assert_int_equal(n, 1);
    char want[160];
    snprintf(want, sizeof want, "\"arrows_omitted\":123,\"connections_cut\":1,\"omitted\":[{\"conn\":7,\"arrows\":123,\"from_packet\":%d}]",
             10 + WSI_HTML_MAX_CONN_ARROWS);
    assert_non_null(strstr(p.buf, want));
    free(p.buf);
}

/* ---- Mermaid --------------------------------------------------------------------------- */

static void test_mermaid_text(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(wsi_mermaid_text("a;b#c<d>e&f%g\"h{i}j:k`l", buf, sizeof buf),
                        "a#59;b#35;c#60;d#62;e#38;f#37;g#34;h#123;i#125;j#58;k#96;l");
    assert_string_equal(wsi_mermaid_text("%%{init: {}}%%", buf, sizeof buf), "#37;#37;#123;init#58; #123;#125;#125;#37;#37;");
    assert_string_equal(wsi_mermaid_text("line\nend\x01", buf, sizeof buf), "line\\x0aend\\x01");
    assert_string_equal(wsi_mermaid_text("caf\xc3\xa9 \xe2\x9c\x93", buf, sizeof buf), "caf\xc3\xa9 \xe2\x9c\x93");
    /* cut at the buffer's end, never inside an entity */
    assert_string_equal(wsi_mermaid_text("ab;cd", buf, 5), "ab");
    assert_string_equal(wsi_mermaid_text("x", buf, 1), "");
}

/* A hostile message through the renderer: one line per arrow, nothing Mermaid would read. */
static void test_mermaid_hostile(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct wsi_render_opts o = {.out = f, .payload = 200, .width = 80};
    struct wsi_mermaid *mm = wsi_mermaid_new(&o);
    struct wsi_event e = ev_of(WSI_EV_CONN, 1, WSI_NONE, 1);
    wsi_mermaid_event(mm, &e);
    static const char evil[] = "x\nNote over c1: injected;end\r\n%%{init}%% <br/>#quot;";
    struct wsi_message m = {.opcode = WSI_OP_TEXT, .len = sizeof evil - 1, .nframes = 1, .preview = (const uint8_t *)evil,
                            .preview_len = sizeof evil - 1, .utf8_valid = 1, .close_code = -1};
    e = ev_of(WSI_EV_MESSAGE, 1, WSI_C2S, 2);
    e.u.msg = (struct wsi_message_ev){.m = &m, .rtt = -1};
    wsi_mermaid_event(mm, &e);
    wsi_mermaid_free(mm);
    fclose(f);
    assert_string_equal(buf, "sequenceDiagram\n"
                             "    participant c1 as Client 1 \n"
                             "    participant s1 as Server 1 \n"
                             "    c1->>s1: text #34;x\\n"
                             "Note over c1#58; injected#59;end\\r\\n#37;#37;#123;init#125;#37;#37; #60;br/#62;#35;quot#59;#34;\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_escape_pending),
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_page_files),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_mermaid_text),
        cmocka_unit_test(test_mermaid_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
