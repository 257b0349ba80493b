/* test_render.c - the renderers (ladder, JSON Lines, summary) driven by hand-built event streams, and their helpers. */

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cmocka.h>

#include "event.h"
#include "render.h"

/* ---- output capture ------------------------------------------------------------ */

enum which { LADDER, JSON, SUMMARY };

/* A renderer writing into memory. */
struct out {
    enum which w;
    char *buf;          /* what was written (after out_done) */
    size_t len;
    FILE *f;            /* open_memstream */
    struct wsi_sink sink;
    void *r;            /* the renderer */
};

static void out_open(struct out *o, enum which w, const struct wsi_render_opts *base)
{
    memset(o, 0, sizeof *o);
    o->w = w;
    o->f = open_memstream(&o->buf, &o->len);
    assert_non_null(o->f);
    struct wsi_render_opts ro = *base;
    ro.out = o->f;
    switch (w) {
    case LADDER:
        o->r = wsi_ladder_new(&ro);
        o->sink = (struct wsi_sink){.event = wsi_ladder_event, .self = o->r};
        break;
    case JSON:
        o->r = wsi_json_new(&ro);
        o->sink = (struct wsi_sink){.event = wsi_json_event, .self = o->r};
        break;
    case SUMMARY:
        o->r = wsi_summary_new(&ro);
        o->sink = (struct wsi_sink){.event = wsi_summary_event, .self = o->r};
        break;
    }
    assert_non_null(o->r);
}

/* Free the renderer (which may still print) and close the stream. */
static void out_done(struct out *o)
{
    switch (o->w) {
    case LADDER: wsi_ladder_free(o->r); break;
    case JSON: wsi_json_free(o->r); break;
    case SUMMARY: wsi_summary_free(o->r); break;
    }
    fclose(o->f);
    assert_non_null(o->buf);
    if (getenv("WSI_RENDER_DUMP")) fprintf(stderr, "---- output ----\n%s----\n", o->buf); /* for debugging */
}

static struct wsi_render_opts opts(int width, int color)
{
    return (struct wsi_render_opts){.width = width, .color = color, .payload = 32};
}

/* ---- building events ------------------------------------------------------------- */

/* A connection being replayed into a sink. */
struct ctx {
    const struct wsi_sink *sink;
    struct wsi_conn_info ci;
    uint64_t conn;
    uint64_t pkt;           /* last packet number */
    uint64_t off[2];        /* stream offset per side */
    uint64_t index[2];      /* frame numbers per side */
    int violation_first;    /* frames_msg: emit `viol` before the frame (as the decoder does) */
    enum wsi_violation viol;/* frames_msg: a violation to report about its first frame (0: none) */
    const char *file;       /* the capture file named in its events (several read), or NULL */
};

static void ctx_init(struct ctx *x, const struct wsi_sink *sink, uint64_t conn)
{
    memset(x, 0, sizeof *x);
    x->sink = sink;
    x->conn = conn;
    x->ci.id = conn;
    x->ci.addr[0].family = 4;
    x->ci.addr[1].family = 4;
    memcpy(x->ci.addr[0].bytes, (uint8_t[]){127, 0, 0, 1}, 4);
    memcpy(x->ci.addr[1].bytes, (uint8_t[]){127, 0, 0, 1}, 4);
    x->ci.port[0] = 51000;
    x->ci.port[1] = 8765;
    x->ci.saw_syn = 1;
    x->ci.first.num = 1;
    x->ci.first.ts_sec = 1700000000;
}

static struct wsi_event mk(struct ctx *x, enum wsi_ev_kind k, enum wsi_side side, double t)
{
    struct wsi_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = k;
    ev.conn = x->conn;
    ev.side = side;
    ev.packet = k == WSI_EV_CONN ? 1 : ++x->pkt;
    if (x->pkt < ev.packet) x->pkt = ev.packet;
    ev.t = t;
    ev.ts_sec = 1700000000 + (int64_t)floor(t);
    ev.ts_nsec = (uint32_t)llround((t - floor(t)) * 1e9);
    ev.ci = &x->ci;
    ev.client_dir = 0;
    ev.file = x->file;
    return ev;
}

static void send_ev(struct ctx *x, const struct wsi_event *ev)
{
    x->sink->event(x->sink->self, ev);
}

static void conn_ev(struct ctx *x)
{
    x->pkt = 1;
    struct wsi_event ev = mk(x, WSI_EV_CONN, WSI_NONE, 0);
    send_ev(x, &ev);
}

static void http_req(struct ctx *x, double t, const char *method, const char *target, int upgrade)
{
    struct wsi_event ev = mk(x, WSI_EV_HTTP, WSI_C2S, t);
    ev.u.http = (struct wsi_http_ev){.is_request = 1, .method = method, .target = target, .upgrade = upgrade};
    send_ev(x, &ev);
}

static void http_resp(struct ctx *x, double t, int status, const char *reason)
{
    struct wsi_event ev = mk(x, WSI_EV_HTTP, WSI_S2C, t);
    ev.u.http = (struct wsi_http_ev){.status = status, .reason = reason, .upgrade = status == 101};
    send_ev(x, &ev);
}

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define WRONG "HSmrc0sMlYUkAGmm5OPpG2HaGWk="

static struct wsi_handshake_ev hs_valid(void)
{
    return (struct wsi_handshake_ev){
        .path = "/chat",
        .host = "localhost:8765",
        .origin = "http://localhost:8765",
        .version = "13",
        .protocols_offered = "chat, superchat",
        .protocol_selected = "chat",
        .key = KEY,
        .accept = ACCEPT,
        .expected_accept = ACCEPT,
        .status = 101,
        .reason = "Switching Protocols",
        .verdict = WSI_HS_VALID,
        .latency = 0.001024,
    };
}

static void handshake(struct ctx *x, double t, const struct wsi_handshake_ev *h)
{
    struct wsi_event ev = mk(x, WSI_EV_HANDSHAKE, WSI_S2C, t);
    ev.u.hs = *h;
    send_ev(x, &ev);
}

static void violation(struct ctx *x, enum wsi_side side, double t, enum wsi_violation v, uint64_t off)
{
    struct wsi_event ev = mk(x, WSI_EV_VIOLATION, side, t);
    ev.u.viol = (struct wsi_violation_ev){.v = v, .detail = "a detail", .offset = off};
    send_ev(x, &ev);
}

/* A message of `len` bytes in `nframes` frames (FRAME events, then the MESSAGE).
 * Close payloads start with their 2-byte code. Returns the offset of the first frame. */
static uint64_t frames_msg(struct ctx *x, enum wsi_side side, double t, uint8_t op, const void *payload, size_t len,
                           unsigned nframes, int incomplete, double rtt)
{
    const uint8_t *p = payload;
    int d = side == WSI_S2C;
    uint64_t first = x->off[d];
    size_t done = 0;
    if (x->viol && x->violation_first) violation(x, side, t, x->viol, first);
    for (unsigned i = 0; i < nframes; i++) {
        size_t part = i + 1 == nframes ? len - done : len / nframes;
        struct wsi_frame f = {
            .fin = i + 1 == nframes,
            .opcode = i == 0 ? op : WSI_OP_CONT,
            .masked = side == WSI_C2S,
            .mask = {1, 2, 3, 4},
            .len7 = (uint8_t)(part < 126 ? part : part < 65536 ? 126 : 127),
            .len = part,
            .offset = x->off[d],
        };
        f.hdr_len = (uint8_t)(2 + (part < 126 ? 0 : part < 65536 ? 2 : 8) + (f.masked ? 4 : 0));
        x->off[d] += f.hdr_len + part;
        struct wsi_event ev = mk(x, WSI_EV_FRAME, side, t);
        ev.u.frame = (struct wsi_frame_ev){.f = &f, .preview = p + done, .preview_len = part < 256 ? part : 256,
                                           .index = ++x->index[d]};
        send_ev(x, &ev);
        done += part;
    }
    struct wsi_message m = {
        .opcode = op,
        .len = len,
        .nframes = nframes,
        .preview = p,
        .preview_len = len < 256 ? len : 256,
        .utf8_valid = 1,
        .close_code = -1,
        .incomplete = incomplete,
    };
    if (op == WSI_OP_CLOSE && len >= 2) {
        m.close_code = (p[0] << 8) | p[1];
        m.close_reason = p + 2;
        m.close_reason_len = len - 2;
    }
    struct wsi_event ev = mk(x, WSI_EV_MESSAGE, side, t);
    ev.u.msg = (struct wsi_message_ev){.m = &m, .rtt = rtt};
    send_ev(x, &ev);
    if (x->viol && !x->violation_first) violation(x, side, t, x->viol, first);
    x->viol = 0;
    return first;
}

static void text(struct ctx *x, enum wsi_side side, double t, const char *s)
{
    frames_msg(x, side, t, WSI_OP_TEXT, s, strlen(s), 1, 0, -1);
}

static void close_msg(struct ctx *x, enum wsi_side side, double t, int code, const char *reason)
{
    uint8_t b[512] = {(uint8_t)(code >> 8), (uint8_t)code};
    size_t n = strlen(reason);
    assert_true(n <= sizeof b - 2);
    memcpy(b + 2, reason, n);
    frames_msg(x, side, t, WSI_OP_CLOSE, b, 2 + n, 1, 0, -1);
}

static void end_ev(struct ctx *x, enum wsi_side side, double t, enum wsi_end_reason why)
{
    struct wsi_event ev = mk(x, WSI_EV_END, side, t);
    ev.u.end.why = why;
    send_ev(x, &ev);
}

static void close_ev(struct ctx *x, double t, const struct wsi_close_ev *c)
{
    struct wsi_event ev = mk(x, WSI_EV_CLOSE, WSI_NONE, t);
    ev.u.close = *c;
    ev.u.close.last_packet = ev.packet;
    ev.u.close.first_packet = 1;
    send_ev(x, &ev);
}

/* The lesson-05 chat (with a ping, a fragmented message and a binary one). */
static uint8_t bin1229[1229];

static void chat(struct ctx *x, const struct wsi_handshake_ev *h)
{
    conn_ev(x);
    http_req(x, 0.000210, "GET", "/chat", 1);
    http_resp(x, 0.001234, 101, "Switching Protocols");
    handshake(x, 0.001234, h);
    text(x, WSI_C2S, 0.002, "hello");
    text(x, WSI_S2C, 0.0025, "hi there");
    frames_msg(x, WSI_C2S, 0.1, WSI_OP_PING, "abc", 3, 1, 0, -1);
    frames_msg(x, WSI_S2C, 0.1004, WSI_OP_PONG, "abc", 3, 1, 0, 0.0004);
    frames_msg(x, WSI_C2S, 0.2, WSI_OP_TEXT, "hello world", 11, 2, 0, -1);
    for (size_t i = 0; i < sizeof bin1229; i++) bin1229[i] = (uint8_t)i;
    frames_msg(x, WSI_S2C, 0.3, WSI_OP_BINARY, bin1229, sizeof bin1229, 1, 0, -1);
    close_msg(x, WSI_C2S, 0.5, 1000, "bye");
    close_msg(x, WSI_S2C, 0.5005, 1000, "");
    end_ev(x, WSI_C2S, 0.52, WSI_END_FIN);
    end_ev(x, WSI_S2C, 0.52, WSI_END_FIN);
    struct wsi_close_ev c = {
        .websocket = 1,
        .verdict = h->verdict,
        .close_code = {1000, 1000},
        .closed_cleanly = 1,
        .frames = {5, 4},
        .messages = {4, 4},
        .controls = {2, 2}, /* a ping and a close; a pong and a close */
        .bytes = {5 + 3 + 11 + 5, 8 + 3 + 1229 + 2},
        .duration = 0.52,
    };
    close_ev(x, 0.52, &c);
}

/* ---- looking at the output ----------------------------------------------------- */

/* The output split into lines (NUL-terminated in place; the array is malloc'd). */
struct lines {
    char **v;
    size_t n;
};

static struct lines split(char *buf)
{
    struct lines l = {0};
    size_t cap = 0;
    for (char *p = buf; *p;) {
        char *nl = strchr(p, '\n');
        if (l.n == cap) {
            cap = cap ? cap * 2 : 64;
            l.v = realloc(l.v, cap * sizeof *l.v);
            assert_non_null(l.v);
        }
        l.v[l.n++] = p;
        if (!nl) break;
        *nl = '\0';
        p = nl + 1;
    }
    return l;
}

/* The first line at or after `from` that contains s, or -1. */
static long find(const struct lines *l, size_t from, const char *s)
{
    for (size_t i = from; i < l->n; i++)
        if (strstr(l->v[i], s)) return (long)i;
    return -1;
}

/* Display columns of a line: UTF-8 characters, ANSI escape sequences not counted. */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == 0x1B && p[1] == '[') {
            p += 2;
            while (*p && !(*p >= 0x40 && *p <= 0x7E)) p++;
            if (!*p) break;
            continue;
        }
        if ((*p & 0xC0) != 0x80) w++;
    }
    return w;
}

static int ends_with(const char *s, const char *t)
{
    size_t a = strlen(s), b = strlen(t);
    return a >= b && strcmp(s + a - b, t) == 0;
}

/* The diagram part of a line: what follows the 11-column time gutter. */
static const char *after_gutter(const char *s)
{
    return strlen(s) > 11 ? s + 11 : "";
}

/* Find an arrow by label (after `from`), check its direction, return its index. */
static long arrow_at(const struct lines *l, long from, const char *label, int c2s)
{
    long i = find(l, (size_t)from, label);
    if (i < 0) fail_msg("no arrow with \"%s\" after line %ld", label, from);
    const char *d = after_gutter(l->v[i]);
    if (c2s) {
        if (!(strncmp(d, "|---- ", 6) == 0 && ends_with(d, ">|"))) fail_msg("not client->server: %s", l->v[i]);
    } else {
        if (!(strncmp(d, "|<--- ", 6) == 0 && ends_with(d, "-|"))) fail_msg("not server->client: %s", l->v[i]);
    }
    return i;
}

static char *render_chat(enum which w, const struct wsi_render_opts *o, const struct wsi_handshake_ev *h)
{
    struct out out;
    struct ctx x;
    out_open(&out, w, o);
    ctx_init(&x, &out.sink, 1);
    chat(&x, h);
    out_done(&out);
    return out.buf;
}

/* ---- ladder ---------------------------------------------------------------- */

static void test_ladder_chat(void **state)
{
    (void)state;
    struct wsi_handshake_ev h = hs_valid();
    struct wsi_render_opts o = opts(80, 0);
    char *buf = render_chat(LADDER, &o, &h);
    struct lines l = split(buf);

    assert_true(find(&l, 0, "Connection 1  127.0.0.1:51000 -> 127.0.0.1:8765") == 0);
    long acc = find(&l, 0, "Accept");
    assert_true(acc > 0);
    assert_non_null(strstr(l.v[acc], ACCEPT "  \xE2\x9C\x93 valid"));
    assert_true(find(&l, 0, "Origin      http://localhost:8765") > 0);
    long prot = find(&l, 0, "Protocols   offered: chat, superchat");
    assert_true(prot > 0);
    assert_string_equal(l.v[prot + 1], "              selected: chat");
    long head = find(&l, 0, "Client");
    assert_true(head > acc);
    assert_non_null(strstr(l.v[head], "Server"));

    long i = arrow_at(&l, head, "HTTP Upgrade Request GET /chat", 1);
    assert_int_equal(strncmp(l.v[i], "  0.000210 ", 11), 0); /* the time gutter */
    i = arrow_at(&l, i, "101 Switching Protocols", 0);
    long open = find(&l, (size_t)i, "= WebSocket OPEN =");
    assert_int_equal(open, i + 1);
    i = arrow_at(&l, open, "text \"hello\"", 1);
    i = arrow_at(&l, i, "text \"hi there\"", 0);
    i = arrow_at(&l, i, "ping \"abc\"", 1);
    i = arrow_at(&l, i, "pong \"abc\" (rtt 0.4 ms)", 0);
    i = arrow_at(&l, i, "text \"hello world\" (2 frames)", 1);
    i = arrow_at(&l, i, "binary 1.2 KiB", 0);
    i = arrow_at(&l, i, "close 1000 (normal) \"bye\"", 1);
    i = arrow_at(&l, i, "close 1000 (normal) -", 0); /* no reason this time */
    long closed = find(&l, (size_t)i, "= CLOSED =");
    assert_int_equal(closed, i + 1);
    assert_int_equal((size_t)closed, l.n - 1); /* the last line */
    /* messages mode: one arrow per message, none per frame */
    assert_int_equal(find(&l, 0, "continuation"), -1);
    free(l.v);
    free(buf);
}

/* Long payloads, paths and header values: every line within the width. */
static void check_width(int width, int hexdump, int frames)
{
    char longtext[400], origin[300], path[200];
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    memcpy(longtext, "\xE4\xBD\xA0\xE5\xA5\xBD \"q\" \\ \t", 14); /* wide characters and escapes */
    memset(origin, 'o', sizeof origin - 1);
    origin[sizeof origin - 1] = '\0';
    memset(path, 'p', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = '\0';

    struct wsi_render_opts o = opts(width, 0);
    o.hexdump = hexdump;
    o.frames = frames;
    o.payload = 200;
    struct out out;
    struct ctx x;
    out_open(&out, LADDER, &o);
    ctx_init(&x, &out.sink, 7);
    struct wsi_handshake_ev h = hs_valid();
    h.origin = origin;
    h.path = path;
    h.verdict = WSI_HS_MISMATCH;
    h.accept = WRONG;
    h.rule = "RFC 6455 \xC2\xA7" "4.1 client item 4: the Accept must be base64(SHA-1(key + GUID))";
    h.why = "the server hashed something other than the key it was sent";
    conn_ev(&x);
    http_req(&x, 0.0001, "GET", path, 1);
    http_resp(&x, 0.0002, 101, "Switching Protocols");
    handshake(&x, 0.0002, &h);
    x.viol = WSI_V_CLIENT_UNMASKED;
    x.violation_first = 1;
    frames_msg(&x, WSI_C2S, 0.001, WSI_OP_TEXT, longtext, strlen(longtext), 3, 1, -1);
    frames_msg(&x, WSI_S2C, 1234.5, WSI_OP_BINARY, bin1229, sizeof bin1229, 1, 0, -1);
    close_msg(&x, WSI_C2S, 2000000.5, 4999, longtext);
    struct wsi_event ev = mk(&x, WSI_EV_GAP, WSI_S2C, 3);
    ev.u.gap = (struct wsi_gap_ev){.offset = 99, .len = 1448};
    send_ev(&x, &ev);
    struct wsi_close_ev c = {.websocket = 1, .verdict = WSI_HS_MISMATCH, .close_code = {4999, -1}, .violations = 1,
                             .gaps = 1, .duration = 3};
    close_ev(&x, 3, &c);
    out_done(&out);

    struct lines l = split(out.buf);
    assert_true(l.n > 15);
    size_t widest = 0;
    for (size_t i = 0; i < l.n; i++) {
        size_t w = width_of(l.v[i]);
        /* a token (the Accept, the GUID) is never broken: its line may overflow, holding only it */
        const char *tok = strrchr(l.v[i], ' ');
        int token_line = tok && strspn(l.v[i], " ") + strlen(tok + 1) + 16 >= strlen(l.v[i]) && strlen(tok + 1) > 20 &&
                         strlen(tok + 1) <= 64;
        if (w > (size_t)(width < 40 ? 40 : width) && !token_line)
            fail_msg("width %d: line %zu is %zu wide: %s", width, i, w, l.v[i]);
        if (w > widest) widest = w;
    }
    /* the long text was cut, not dropped, and wrapped header lines still say it all */
    assert_true(find(&l, 0, "\xE2\x80\xA6") >= 0);
    assert_true(find(&l, 0, "MISMATCH") >= 0);
    assert_true(find(&l, 0, "gap: 1448 bytes missing") >= 0);
    assert_true(widest >= (size_t)(width < 40 ? 40 : width) - 12); /* the space is used */
    free(l.v);
    free(out.buf);
}

static void test_ladder_width(void **state)
{
    (void)state;
    int widths[] = {60, 80, 120, 20, 40, 41, 200};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        check_width(widths[i], 0, 0);
        check_width(widths[i], 1, 0);
        check_width(widths[i], 1, 1);
    }
}

static void test_ladder_color(void **state)
{
    (void)state;
    struct wsi_handshake_ev h = hs_valid();
    struct wsi_render_opts o = opts(80, 0);
    char *plain = render_chat(LADDER, &o, &h);
    assert_null(strchr(plain, '\033'));
    o.color = 1;
    char *col = render_chat(LADDER, &o, &h);
    assert_non_null(strstr(col, "\033[35m|---- text \"hello\""));       /* client -> server colour */
    assert_non_null(strstr(col, "\033[1;34m|<--- text \"hi there\""));  /* server -> client colour */
    assert_non_null(strstr(col, "\033[32m" ACCEPT));                   /* verdict in green */
    /* without the escapes it is the same text */
    struct lines a = split(plain), b = split(col);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) assert_int_equal(width_of(a.v[i]), width_of(b.v[i]));
    free(a.v);
    free(b.v);
    free(plain);
    free(col);

    struct wsi_render_opts so = opts(80, 1);
    char *sum = render_chat(SUMMARY, &so, &h);
    assert_non_null(strchr(sum, '\033'));
    free(sum);
    so.color = 0;
    sum = render_chat(SUMMARY, &so, &h);
    assert_null(strchr(sum, '\033'));
    free(sum);
}

/* A violation reported before its frame (as the decoder does) and one reported
 * after its message both land right under the arrow, in both modes. */
static void test_ladder_violation(void **state)
{
    (void)state;
    for (int frames = 0; frames < 2; frames++) {
        for (int before = 0; before < 2; before++) {
            struct wsi_render_opts o = opts(80, 0);
            o.frames = frames;
            struct out out;
            struct ctx x;
            out_open(&out, LADDER, &o);
            ctx_init(&x, &out.sink, 2);
            struct wsi_handshake_ev h = hs_valid();
            conn_ev(&x);
            http_req(&x, 0.0001, "GET", "/chat", 1);
            http_resp(&x, 0.0002, 101, "Switching Protocols");
            handshake(&x, 0.0002, &h);
            text(&x, WSI_C2S, 0.001, "first");
            x.viol = WSI_V_CLIENT_UNMASKED;
            x.violation_first = before;
            frames_msg(&x, WSI_C2S, 0.002, WSI_OP_TEXT, "naked", 5, 1, 0, -1);
            text(&x, WSI_S2C, 0.003, "reply");
            x.viol = WSI_V_SERVER_MASKED;
            x.violation_first = before;
            frames_msg(&x, WSI_S2C, 0.004, WSI_OP_PING, "p", 1, 1, 0, -1);
            end_ev(&x, WSI_C2S, 0.01, WSI_END_RST);
            struct wsi_close_ev c = {.websocket = 1, .close_code = {-1, -1}, .abnormal = 1, .violations = 2};
            close_ev(&x, 0.01, &c);
            out_done(&out);

            struct lines l = split(out.buf);
            long a = arrow_at(&l, 0, "text \"naked\"", 1);
            assert_non_null(strstr(l.v[a + 1], "\xE2\x9A\xA0 RFC 6455 \xC2\xA7" "5.1: client frame is not masked"));
            assert_non_null(strstr(l.v[a + 1], "a detail"));
            assert_true(strncmp(l.v[a + 1], "               \xE2\x9A\xA0", 18) == 0); /* indented */
            long r = arrow_at(&l, a, "text \"reply\"", 0);
            assert_int_equal(r, a + 2);
            long p = arrow_at(&l, r, "ping \"p\"", 0);
            assert_non_null(strstr(l.v[p + 1], "server frame is masked"));
            assert_true(find(&l, 0, "= TCP RESET") > p);
            /* each violation once */
            assert_int_equal(find(&l, (size_t)a + 2, "client frame is not masked"), -1);
            free(l.v);
            free(out.buf);
        }
    }
}

/* A continuation that joins no message gets its own arrow, its violation under it. */
static void test_ladder_orphan_frame(void **state)
{
    (void)state;
    for (int frames = 0; frames < 2; frames++) {
        struct wsi_render_opts o = opts(80, 0);
        o.frames = frames;
        struct out out;
        struct ctx x;
        out_open(&out, LADDER, &o);
        ctx_init(&x, &out.sink, 2);
        struct wsi_handshake_ev h = hs_valid();
        conn_ev(&x);
        handshake(&x, 0.0002, &h);
        text(&x, WSI_C2S, 0.001, "first");
        violation(&x, WSI_C2S, 0.002, WSI_V_CONT_WITHOUT_START, x.off[0]);
        struct wsi_frame f = {.fin = 1, .opcode = WSI_OP_CONT, .masked = 1, .len7 = 3, .len = 3, .hdr_len = 6,
                              .offset = x.off[0]};
        x.off[0] += 9;
        struct wsi_event ev = mk(&x, WSI_EV_FRAME, WSI_C2S, 0.002);
        ev.u.frame = (struct wsi_frame_ev){.f = &f, .preview = (const uint8_t *)"abc", .preview_len = 3, .index = 2};
        send_ev(&x, &ev);
        close_msg(&x, WSI_C2S, 0.003, 1000, "");
        struct wsi_close_ev c = {.websocket = 1, .close_code = {1000, -1}, .violations = 1};
        close_ev(&x, 0.01, &c);
        out_done(&out);

        struct lines l = split(out.buf);
        long a = arrow_at(&l, 0, "text \"first\"", 1);
        long b = arrow_at(&l, a, "continuation 3 B", 1);
        assert_int_equal(b, a + 1);
        assert_non_null(strstr(l.v[b], "(joins no message)"));
        assert_non_null(strstr(l.v[b + 1], "RFC 6455 \xC2\xA7" "5.4: continuation frame with no fragmented"));
        arrow_at(&l, b, "close 1000", 1);
        assert_true(find(&l, 0, "END OF CAPTURE (still open)") > b); /* no END events came */
        free(l.v);
        free(out.buf);
    }
}

static void test_ladder_mismatch(void **state)
{
    (void)state;
    struct wsi_handshake_ev h = hs_valid();
    h.verdict = WSI_HS_MISMATCH;
    h.accept = WRONG;
    h.rule = "RFC 6455 \xC2\xA7" "4.1";
    h.why = "the Accept is not derived from this key";
    struct wsi_render_opts o = opts(120, 0);
    char *buf = render_chat(LADDER, &o, &h);
    struct lines l = split(buf);
    long acc = find(&l, 0, "Accept");
    assert_true(acc > 0);
    assert_non_null(strstr(l.v[acc], "\xE2\x9C\x97 MISMATCH: expected " ACCEPT ", sent " WRONG));
    assert_non_null(strstr(l.v[acc], "RFC 6455 \xC2\xA7" "4.1"));
    assert_null(strstr(buf, "\xE2\x9C\x93 valid"));
    long v = find(&l, 0, "Verdict");
    assert_true(v > acc);
    assert_non_null(strstr(l.v[v], "the Accept is not derived from this key"));
    /* the diagram says so under the 101 too, then OPEN (traffic went on) */
    long r = arrow_at(&l, find(&l, 0, "Client"), "101 Switching Protocols", 0);
    assert_non_null(strstr(l.v[r + 1], "handshake mismatch"));
    assert_non_null(strstr(l.v[r + 2], "WebSocket OPEN (handshake invalid)"));
    free(l.v);
    free(buf);
}

/* An invalid 101 followed by more HTTP never opened a WebSocket: no OPEN bar. A second,
 * invalid 101 followed by a frame gets the bar, once, just before that frame. */
static void test_ladder_invalid_then_http(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(120, 0);
    struct out out;
    struct ctx x;
    out_open(&out, LADDER, &o);
    ctx_init(&x, &out.sink, 4);
    struct wsi_handshake_ev h = hs_valid();
    h.verdict = WSI_HS_NO_KEY;
    h.why = "no key";
    conn_ev(&x);
    http_req(&x, 0.0001, "GET", "/chat", 1);
    http_resp(&x, 0.0002, 101, "Switching Protocols");
    handshake(&x, 0.0002, &h);
    http_req(&x, 0.0003, "GET", "/again", 1);
    http_resp(&x, 0.0004, 101, "Switching Protocols");
    h.verdict = WSI_HS_MISMATCH;
    h.accept = WRONG;
    handshake(&x, 0.0004, &h);
    text(&x, WSI_C2S, 0.001, "after");
    struct wsi_close_ev c = {.websocket = 1, .close_code = {-1, -1}};
    close_ev(&x, 0.01, &c);
    out_done(&out);

    struct lines l = split(out.buf);
    long bar1 = find(&l, 0, "WebSocket OPEN (handshake invalid)");
    assert_true(bar1 > 0);
    assert_int_equal(find(&l, bar1 + 1, "WebSocket OPEN"), -1); /* once */
    long again = find(&l, 0, "/again");
    assert_true(again > 0 && again < bar1);
    long t = find(&l, 0, "text \"after\"");
    assert_true(t > bar1);
    free(l.v);
    free(out.buf);
}

/* A connection the reassembler stopped following (evicted, or replaced by a new connection on
 * its ports) is not "still open" nor "abnormal": each view says why it ended. */
static void test_cut_short(void **state)
{
    (void)state;
    static const enum wsi_end_reason why[] = {WSI_END_EVICTED, WSI_END_REUSED};
    static const char *const bar_want[] = {"EVICTED (connection table full", "ENDED (a new connection reused"};
    static const char *const sum_want[] = {"evicted (table full)", "ended by a new connection on its ports"};
    for (int k = 0; k < 2; k++) {
        for (int kind = 0; kind < 3; kind++) {
            struct wsi_render_opts o = opts(120, 0);
            struct out out;
            struct ctx x;
            out_open(&out, kind == 0 ? LADDER : kind == 1 ? JSON : SUMMARY, &o);
            ctx_init(&x, &out.sink, 7);
            struct wsi_handshake_ev h = hs_valid();
            conn_ev(&x);
            handshake(&x, 0.0002, &h);
            text(&x, WSI_C2S, 0.001, "hi");
            end_ev(&x, WSI_C2S, 0.002, why[k]);
            end_ev(&x, WSI_S2C, 0.002, why[k]);
            struct wsi_close_ev c = {.websocket = 1, .close_code = {-1, -1}, .cut_short = why[k]};
            close_ev(&x, 0.01, &c);
            out_done(&out);
            if (kind == 0) {
                assert_non_null(strstr(out.buf, bar_want[k]));
                assert_null(strstr(out.buf, "still open"));
                assert_null(strstr(out.buf, "1006"));
            } else if (kind == 1) {
                assert_non_null(strstr(out.buf, k ? "\"ended_by\":\"reused\"" : "\"ended_by\":\"evicted\""));
            } else {
                assert_non_null(strstr(out.buf, sum_want[k]));
                assert_null(strstr(out.buf, "abnormal"));
            }
            free(out.buf);
        }
    }
}

/* Live: every line is printed as its event comes, after its connection's tag, on one clock for
 * all connections; each connection is introduced at its first line and summed up at its end. */
static void test_ladder_live(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(100, 0);
    o.live = 1;
    struct out out;
    struct ctx a, b;
    out_open(&out, LADDER, &o);
    ctx_init(&a, &out.sink, 1);
    ctx_init(&b, &out.sink, 2);
    b.ci.port[0] = 51001;
    struct wsi_handshake_ev h = hs_valid();
    conn_ev(&a);
    http_req(&a, 0.001, "GET", "/chat", 1);
    http_resp(&a, 0.002, 101, "Switching Protocols");
    handshake(&a, 0.002, &h);
    text(&a, WSI_C2S, 0.010, "from one");
    fflush(out.f);
    /* before any close: connection 1 is on the screen already */
    assert_non_null(out.buf);
    assert_non_null(strstr(out.buf, "#1   Connection 1  127.0.0.1:51000 -> 127.0.0.1:8765"));
    assert_non_null(strstr(out.buf, "text \"from one\""));
    assert_non_null(strstr(out.buf, "handshake valid"));
    conn_ev(&b);
    text(&b, WSI_C2S, 0.020, "from two");
    text(&a, WSI_S2C, 0.030, "back to one");
    struct wsi_close_ev c = {.websocket = 1, .close_code = {1000, 1000}, .closed_cleanly = 1};
    end_ev(&a, WSI_C2S, 0.04, WSI_END_FIN);
    end_ev(&a, WSI_S2C, 0.04, WSI_END_FIN);
    close_ev(&a, 0.04, &c);
    close_ev(&b, 0.05, &c);
    out_done(&out);
    struct lines l = split(out.buf);
    long one = find(&l, 0, "text \"from one\""), two = find(&l, 0, "text \"from two\""),
         back = find(&l, 0, "text \"back to one\"");
    assert_true(one >= 0 && two > one && back > two); /* in the order they happened */
    assert_int_equal(strncmp(l.v[one], "#1   ", 5), 0);
    assert_int_equal(strncmp(l.v[two], "#2   ", 5), 0);
    assert_int_equal(strncmp(l.v[back], "#1   ", 5), 0);
    /* one clock: connection 2's line is later than connection 1's first one */
    assert_non_null(strstr(l.v[one], "0.010000"));
    assert_non_null(strstr(l.v[two], "0.020000"));
    /* every line has a tag, and fits the width */
    for (size_t i = 0; i < l.n; i++) {
        if (!*l.v[i]) continue;
        assert_true(l.v[i][0] == '#');
        assert_true(width_of(l.v[i]) <= 100);
    }
    long end1 = find(&l, 0, "#1   Connection 1  127.0.0.1:51000 -> 127.0.0.1:8765  packets");
    assert_true(end1 > back);
    assert_true(find(&l, end1, "CLOSED") > end1);
    free(l.v);
    free(out.buf);
}

/* Tokens are never broken: at 40, 80 and 200 columns the key, the Accept and the GUID each stay
 * whole on one line (the line overflows at 40 rather than cut what students copy). */
static void test_ladder_tokens_whole(void **state)
{
    (void)state;
    static const int widths[] = {40, 80, 200};
    for (size_t k = 0; k < 3; k++) {
        struct wsi_render_opts o = opts(widths[k], 0);
        struct wsi_handshake_ev h = hs_valid();
        char *buf = render_chat(LADDER, &o, &h);
        struct lines l = split(buf);
        assert_true(find(&l, 0, KEY) >= 0);
        assert_true(find(&l, 0, ACCEPT) >= 0);
        assert_true(find(&l, 0, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11") >= 0);
        free(l.v);
        free(buf);
    }
}

/* A text wider than its arrow's room (32 columns at 80) is cut at 31 columns and "…", whatever
 * its characters: wide ones, zero-width marks (the first 33 characters then take one column, and
 * the rest of the text decides), escapes (cut inside one, as any text). */
static void test_ladder_quoted_cut(void **state)
{
    (void)state;
    char wide[200] = "", marks[300] = "a", ctl[30];
    for (int i = 0; i < 40; i++) strcat(wide, "\xE4\xB8\xAD"); /* 中, 2 columns */
    for (int i = 0; i < 40; i++) strcat(marks, "\xCC\x81");    /* U+0301, 0 columns */
    strcat(marks, "bcdefghijbcdefghijbcdefghijbcdefghij");
    memset(ctl, 1, 20);
    ctl[20] = '\0';
    struct wsi_render_opts o = opts(80, 0);
    o.payload_auto = 1;
    struct out out;
    struct ctx x;
    out_open(&out, LADDER, &o);
    ctx_init(&x, &out.sink, 1);
    conn_ev(&x);
    text(&x, WSI_C2S, 0.1, wide);
    text(&x, WSI_C2S, 0.2, marks);
    text(&x, WSI_C2S, 0.3, ctl);
    text(&x, WSI_C2S, 0.4, "short \"one\"");
    out_done(&out);

    char want[400] = "text \"";
    for (int i = 0; i < 15; i++) strcat(want, "\xE4\xB8\xAD");
    strcat(want, "\xE2\x80\xA6\" ");
    struct lines l = split(out.buf);
    long i = arrow_at(&l, 0, want, 1);
    strcpy(want, "text \"a");
    for (int k = 0; k < 40; k++) strcat(want, "\xCC\x81");
    strcat(want, "bcdefghijbcdefghijbcdefghijbcd\xE2\x80\xA6\" ");
    i = arrow_at(&l, i, want, 1);
    i = arrow_at(&l, i, "text \"\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x0\xE2\x80\xA6\" ", 1);
    arrow_at(&l, i, "text \"short \\\"one\\\"\" -", 1);
    free(l.v);
    free(out.buf);
}

/* Wrapped notes keep "RFC", its number and its "§" section on one line at every width, and
 * lose nothing: the text comes back, in order, from the wrapped lines (spaces aside). */
static void test_ladder_wrap_glue(void **state)
{
    (void)state;
    static const char why[] = "the Accept is not what RFC 6455 \xC2\xA7" "4.2.2 computes from the key; see "
                              "RFC 6455 \xC2\xA7" "1.3 and RFC 6455 \xC2\xA7" "4.1 for the GUID, a_very_long_token_"
                              "that_no_line_of_forty_columns_can_hold_whole_at_all_and_more and then RFC 6455";
    for (int width = 40; width <= 100; width++) {
        struct wsi_render_opts o = opts(width, 0);
        struct wsi_handshake_ev h = hs_valid();
        h.verdict = WSI_HS_MISMATCH;
        h.accept = WRONG;
        h.why = why;
        h.rule = "RFC 6455 \xC2\xA7" "4.1";
        char *buf = render_chat(LADDER, &o, &h);
        struct lines l = split(buf);
        long at = find(&l, 0, "handshake mismatch");
        assert_true(at >= 0);
        char words[1024] = "";
        for (size_t i = (size_t)at; i < l.n && strncmp(l.v[i], "    ", 4) == 0 && !strchr(l.v[i], '|'); i++) {
            const char *t = l.v[i];
            while (*t == ' ') t++;
            if (strncmp(t, "\xE2\x9C\x97 ", 4) == 0) t += 4; /* the mark */
            assert_false(ends_with(t, "RFC"));
            assert_false(ends_with(t, "6455") && !strstr(t, "RFC 6455"));
            assert_true(strncmp(t, "\xC2\xA7", 2) != 0);
            for (size_t k = strlen(words); *t; t++) /* without its spaces: a long token is cut anywhere */
                if (*t != ' ') words[k++] = *t, words[k] = '\0';
        }
        char want[sizeof why];
        size_t k = 0;
        for (const char *t = why; *t; t++)
            if (*t != ' ') want[k++] = *t;
        want[k] = '\0';
        assert_non_null(strstr(words, want));
        free(l.v);
        free(buf);
    }
}

/* A live capture's counts: drops where they were noticed, loud, and the totals at the end, in
 * every view (the ladder live and in blocks, JSON, the summary). */
static void test_stats_every_view(void **state)
{
    (void)state;
    for (int kind = 0; kind < 4; kind++) {
        struct wsi_render_opts o = opts(100, 0);
        o.live = kind == 3;
        struct out out;
        struct ctx x;
        out_open(&out, kind == 1 ? JSON : kind == 2 ? SUMMARY : LADDER, &o);
        ctx_init(&x, &out.sink, 1);
        struct wsi_handshake_ev h = hs_valid();
        conn_ev(&x);
        handshake(&x, 0.0002, &h);
        text(&x, WSI_C2S, 0.001, "before");
        struct wsi_event ev = mk(&x, WSI_EV_STATS, WSI_NONE, 0.002);
        ev.conn = 0;
        ev.u.stats = (struct wsi_stats_ev){.new_dropped = 120, .after = 40, .before = 41};
        send_ev(&x, &ev);
        text(&x, WSI_C2S, 0.003, "after");
        struct wsi_close_ev c = {.websocket = 1, .close_code = {-1, -1}, .still_open = 1};
        close_ev(&x, 0.01, &c);
        ev = mk(&x, WSI_EV_STATS, WSI_NONE, 0.02);
        ev.conn = 0;
        ev.u.stats = (struct wsi_stats_ev){.final = 1, .received = 5000, .dropped = 120, .packets = 4880,
                                           .connections = 1, .websockets = 1, .gaps = 1};
        send_ev(&x, &ev);
        out_done(&out);
        if (kind == 1) {
            assert_non_null(strstr(out.buf, "{\"type\":\"stats\",\"conn\":0,"));
            assert_non_null(strstr(out.buf, "\"final\":false,\"new_dropped\":120,\"new_if_dropped\":0,\"after_packet\":40,\"before_packet\":41"));
            assert_non_null(strstr(out.buf, "\"final\":true,\"received\":5000,\"dropped\":120,\"if_dropped\":0,\"packets\":4880"));
        } else {
            char *loss = strstr(out.buf, "CAPTURE LOSS: the kernel dropped 120 packets between packet 40 and 41");
            char *total = strstr(out.buf, "Capture: 5000 packets received, 120 dropped by the kernel");
            assert_non_null(loss);
            assert_non_null(total);
            assert_true(total > loss);
            if (kind == 3) { /* live: the loss comes between the two messages, as it happened */
                char *before = strstr(out.buf, "text \"before\""), *after = strstr(out.buf, "text \"after\"");
                assert_true(before && after && before < loss && loss < after);
                assert_non_null(strstr(out.buf, "!!   CAPTURE LOSS"));
            }
        }
        free(out.buf);
    }
}

static void test_ladder_hexdump(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(120, 0);
    o.hexdump = 1;
    struct out out;
    struct ctx x;
    out_open(&out, LADDER, &o);
    ctx_init(&x, &out.sink, 3);
    struct wsi_handshake_ev h = hs_valid();
    conn_ev(&x);
    handshake(&x, 0.0002, &h);
    text(&x, WSI_C2S, 0.001, "hello world, this is a dump\n");
    frames_msg(&x, WSI_S2C, 0.002, WSI_OP_BINARY, bin1229, 40, 1, 0, -1);
    struct wsi_close_ev c = {.websocket = 1, .close_code = {-1, -1}};
    close_ev(&x, 0.01, &c);
    out_done(&out);

    struct lines l = split(out.buf);
    long a = arrow_at(&l, 0, "text \"hello world, this is a dump\\n\"", 1);
    assert_string_equal(l.v[a + 1],
                        "               0000  68 65 6c 6c 6f 20 77 6f  72 6c 64 2c 20 74 68 69 |hello world, thi|");
    assert_string_equal(l.v[a + 2],
                        "               0010  73 20 69 73 20 61 20 64  75 6d 70 0a             |s is a dump.|");
    long b = arrow_at(&l, a, "binary 40 B", 0);
    assert_non_null(strstr(l.v[b + 1], "0000  00 01 02 03"));
    assert_non_null(strstr(l.v[b + 2], "0010  10 11 12"));
    /* payload 32: the dump stops there and says how much there was */
    assert_non_null(strstr(l.v[b + 2], "1e 1f |"));
    assert_non_null(strstr(l.v[b + 3], "\xE2\x80\xA6 40 B in all"));
    free(l.v);
    free(out.buf);

    /* at 80 columns the rows are 8 bytes wide and still fit */
    o.width = 80;
    out_open(&out, LADDER, &o);
    ctx_init(&x, &out.sink, 3);
    conn_ev(&x);
    handshake(&x, 0.0002, &h);
    text(&x, WSI_C2S, 0.001, "hello world");
    close_ev(&x, 0.01, &c);
    out_done(&out);
    l = split(out.buf);
    a = arrow_at(&l, 0, "text \"hello world\"", 1);
    assert_string_equal(l.v[a + 1], "               0000  68 65 6c 6c 6f 20 77 6f |hello wo|");
    assert_string_equal(l.v[a + 2], "               0008  72 6c 64                |rld|");
    free(l.v);
    free(out.buf);
}

static void test_ladder_line_cap(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(80, 0);
    struct out out;
    struct ctx x;
    out_open(&out, LADDER, &o);
    ctx_init(&x, &out.sink, 4);
    struct wsi_handshake_ev h = hs_valid();
    conn_ev(&x);
    http_req(&x, 0.0001, "GET", "/chat", 1);
    http_resp(&x, 0.0002, 101, "Switching Protocols");
    handshake(&x, 0.0002, &h); /* 3 lines: two arrows and OPEN */
    const size_t extra = 77, total = WSI_LADDER_MAX_LINES - 3 + extra;
    for (size_t i = 0; i < total; i++) text(&x, i % 2 ? WSI_S2C : WSI_C2S, 0.001 * (double)i, "m");
    struct wsi_close_ev c = {.websocket = 1, .close_code = {-1, -1}, .abnormal = 1};
    end_ev(&x, WSI_C2S, 100, WSI_END_FIN);
    end_ev(&x, WSI_S2C, 100, WSI_END_FIN);
    close_ev(&x, 100, &c);
    out_done(&out);

    struct lines l = split(out.buf);
    size_t arrows = 0;
    for (size_t i = 0; i < l.n; i++) arrows += strstr(l.v[i], "text \"m\"") != NULL;
    assert_int_equal(arrows, WSI_LADDER_MAX_LINES - 3);
    long more = find(&l, 0, "... 77 more events not shown; use --json");
    assert_true(more > 0);
    assert_non_null(strstr(l.v[more + 1], "CLOSED (abnormal, no close frame: 1006)"));
    free(l.v);
    free(out.buf);
}

/* A fragmented message that never ends, with a violation on every frame: the violations wait
 * for the message's arrow, which never comes. They count against the line cap like any line, so
 * memory stays bounded, and the ones past it are in the "more not shown" line. */
static void test_ladder_pending_cap(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(80, 0);
    struct out out;
    struct ctx x;
    out_open(&out, LADDER, &o);
    ctx_init(&x, &out.sink, 5);
    struct wsi_handshake_ev h = hs_valid();
    conn_ev(&x);
    handshake(&x, 0.0002, &h);
    const size_t total = WSI_LADDER_MAX_LINES + 500;
    uint64_t off = 0;
    for (size_t i = 0; i < total; i++) {
        struct wsi_frame f = {.fin = 0, .opcode = i ? WSI_OP_CONT : WSI_OP_TEXT, .masked = 0, .len7 = 1, .len = 1,
                              .hdr_len = 2, .offset = off};
        violation(&x, WSI_C2S, 0.001, WSI_V_CLIENT_UNMASKED, off);
        struct wsi_event ev = mk(&x, WSI_EV_FRAME, WSI_C2S, 0.001);
        ev.u.frame = (struct wsi_frame_ev){.f = &f, .preview = (const uint8_t *)"a", .preview_len = 1, .index = i + 1};
        send_ev(&x, &ev);
        off += 3;
    }
    struct wsi_close_ev c = {.websocket = 1, .close_code = {-1, -1}, .still_open = 1, .violations = total};
    close_ev(&x, 1, &c);
    out_done(&out);
    struct lines l = split(out.buf);
    size_t shown = 0;
    for (size_t i = 0; i < l.n; i++) shown += strstr(l.v[i], "client frame is not masked") != NULL;
    assert_true(shown > 0 && shown < WSI_LADDER_MAX_LINES);
    char want[80];
    snprintf(want, sizeof want, "... %zu more events not shown; use --json", total - shown);
    assert_true(find(&l, 0, want) > 0); /* every violation is shown or counted */
    free(l.v);
    free(out.buf);
}

/* Two connections interleaved: each printed whole at its close, blank line between. */
static void test_ladder_interleaved(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(80, 0);
    struct out out;
    struct ctx a, b;
    out_open(&out, LADDER, &o);
    ctx_init(&a, &out.sink, 1);
    ctx_init(&b, &out.sink, 2);
    b.ci.port[0] = 51001;
    struct wsi_handshake_ev h = hs_valid();
    conn_ev(&a);
    conn_ev(&b);
    handshake(&a, 0.001, &h);
    handshake(&b, 0.001, &h);
    text(&a, WSI_C2S, 0.002, "from-a");
    text(&b, WSI_C2S, 0.002, "from-b");
    struct wsi_close_ev c = {.websocket = 1, .close_code = {-1, -1}};
    end_ev(&b, WSI_C2S, 0.003, WSI_END_CAPTURE);
    end_ev(&b, WSI_S2C, 0.003, WSI_END_CAPTURE);
    close_ev(&b, 0.003, &c);
    end_ev(&a, WSI_C2S, 0.003, WSI_END_RST);
    close_ev(&a, 0.004, &c);
    /* a third one, never closed: shown when the renderer is freed */
    struct ctx z;
    ctx_init(&z, &out.sink, 3);
    conn_ev(&z);
    http_req(&z, 0.001, "GET", "/status", 0);
    http_resp(&z, 0.002, 200, "OK");
    out_done(&out);

    struct lines l = split(out.buf);
    long b1 = find(&l, 0, "Connection 2  127.0.0.1:51001");
    long bt = find(&l, 0, "from-b");
    long be = find(&l, 0, "END OF CAPTURE (still open)");
    long a1 = find(&l, 0, "Connection 1  127.0.0.1:51000");
    long at = find(&l, 0, "from-a");
    long ae = find(&l, 0, "= TCP RESET by the client");
    assert_true(b1 == 0 && b1 < bt && bt < be && be < a1 && a1 < at && at < ae);
    assert_string_equal(l.v[a1 - 1], "");
    long z1 = find(&l, 0, "Connection 3  127.0.0.1:51000 -> 127.0.0.1:8765");
    assert_true(z1 > ae);
    assert_string_equal(l.v[z1 - 1], "");
    arrow_at(&l, z1, "GET /status", 1);
    arrow_at(&l, z1, "200 OK", 0);
    assert_true(find(&l, (size_t)z1, "connection not closed") > z1);
    assert_int_equal(find(&l, 0, "WebSocket OPEN"), find(&l, 0, "WebSocket OPEN")); /* sanity */
    free(l.v);
    free(out.buf);
}

/* Endings, refusals, plain TCP, gaps and the other annotations. */
static void test_ladder_edges(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(80, 0);
    struct out out;
    struct ctx x;
    out_open(&out, LADDER, &o);

    /* 1: refused upgrade after an ordinary request on the same connection */
    ctx_init(&x, &out.sink, 1);
    conn_ev(&x);
    http_req(&x, 0.001, "GET", "/status", 0);
    http_resp(&x, 0.002, 200, "OK");
    http_req(&x, 0.003, "GET", "/chat", 1);
    http_resp(&x, 0.004, 403, "Forbidden");
    struct wsi_handshake_ev h = hs_valid();
    h.status = 403;
    h.reason = "Forbidden";
    h.accept = NULL;
    h.verdict = WSI_HS_REFUSED;
    h.rule = "RFC 6455 \xC2\xA7" "4.1";
    h.why = "the server answered 403 instead of 101";
    handshake(&x, 0.004, &h);
    end_ev(&x, WSI_C2S, 0.005, WSI_END_FIN);
    end_ev(&x, WSI_S2C, 0.005, WSI_END_FIN);
    struct wsi_close_ev c = {.websocket = 0, .verdict = WSI_HS_REFUSED, .close_code = {-1, -1}};
    close_ev(&x, 0.005, &c);

    /* 2: plain TCP, not HTTP */
    ctx_init(&x, &out.sink, 2);
    x.ci.port[1] = 22;
    conn_ev(&x);
    end_ev(&x, WSI_C2S, 1, WSI_END_FIN);
    struct wsi_close_ev plain = {.close_code = {-1, -1}};
    close_ev(&x, 1, &plain);

    /* 3: mid-stream capture, a gap inside a message, tcp anomaly, lost stream, abnormal end */
    ctx_init(&x, &out.sink, 3);
    x.ci.saw_syn = 0;
    conn_ev(&x);
    struct wsi_handshake_ev ns = {.verdict = WSI_HS_NOT_SEEN, .latency = -1};
    handshake(&x, 0, &ns);
    struct wsi_event ev = mk(&x, WSI_EV_GAP, WSI_C2S, 0.1);
    ev.u.gap = (struct wsi_gap_ev){.offset = 10, .len = 1448};
    send_ev(&x, &ev);
    frames_msg(&x, WSI_C2S, 0.2, WSI_OP_TEXT, "partial", 7, 1, 1, -1);
    ev = mk(&x, WSI_EV_TCP, WSI_S2C, 0.3);
    ev.u.tcp = (struct wsi_tcp_ev){.kind = WSI_TCP_RETRANS_DIFFERS, .detail = "bytes 10-20 differ"};
    send_ev(&x, &ev);
    ev = mk(&x, WSI_EV_LOST, WSI_S2C, 0.4);
    ev.u.lost = (struct wsi_lost_ev){.offset = 4096, .why = "a gap hit a frame header"};
    send_ev(&x, &ev);
    end_ev(&x, WSI_C2S, 0.5, WSI_END_FIN);
    end_ev(&x, WSI_S2C, 0.5, WSI_END_FIN);
    struct wsi_close_ev ab = {.websocket = 1, .verdict = WSI_HS_NOT_SEEN, .close_code = {-1, -1}, .abnormal = 1,
                              .gaps = 1};
    close_ev(&x, 0.5, &ab);
    out_done(&out);

    struct lines l = split(out.buf);
    long i = arrow_at(&l, 0, "GET /status", 1);
    i = arrow_at(&l, i, "200 OK", 0);
    i = arrow_at(&l, i, "HTTP Upgrade Request GET /chat", 1);
    i = arrow_at(&l, i, "403 Forbidden", 0);
    assert_non_null(strstr(l.v[i + 1], "handshake refused: the server answered 403 instead of 101"));
    long c1end = find(&l, (size_t)i, "= CONNECTION CLOSED =");
    assert_true(c1end > i);
    long op = find(&l, 0, "WebSocket OPEN");
    assert_true(op == -1 || op > c1end); /* no OPEN for the refused one */
    assert_true(find(&l, 0, "Verdict     \xE2\x9C\x97 refused") > 0);

    long p = find(&l, 0, "Connection 2: 127.0.0.1:51000 -> 127.0.0.1:22  other TCP");
    assert_true(p > c1end);
    assert_non_null(strstr(l.v[p + 1], "packets 1-3")); /* its bytes and packets, then the next block */
    assert_string_equal(l.v[p + 2], "");

    long c3 = find(&l, 0, "Connection 3");
    assert_true(c3 > p);
    assert_true(find(&l, (size_t)c3, "(capture began mid-connection)") <= c3 + 1); /* may wrap */
    assert_true(find(&l, (size_t)c3, "(capture began mid-connection)") >= c3);
    assert_true(find(&l, (size_t)c3, "not captured: the capture began after it") > c3);
    assert_true(find(&l, (size_t)c3, "= WebSocket (open before the capture began) =") > c3);
    assert_true(find(&l, (size_t)c3, "    gap: 1448 bytes missing (client -> server)") > c3);
    arrow_at(&l, c3, "text \"partial\" [incomplete]", 1);
    assert_true(find(&l, (size_t)c3, "tcp retrans-differs (server -> client): bytes 10-20 differ") > c3);
    assert_true(find(&l, (size_t)c3, "lost (server -> client) from stream offset 4096: a gap hit a") > c3);
    assert_int_equal(find(&l, (size_t)c3, "= CLOSED (abnormal, no close frame: 1006) ="), (long)l.n - 1);
    free(l.v);
    free(out.buf);
}

/* --frames: one arrow per frame, control frames with their message's facts. */
static void test_ladder_frames(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(80, 0);
    o.frames = 1;
    struct wsi_handshake_ev h = hs_valid();
    char *buf = render_chat(LADDER, &o, &h);
    struct lines l = split(buf);
    long i = arrow_at(&l, 0, "text \"hello\"", 1);
    i = arrow_at(&l, i, "pong \"abc\" (rtt 0.4 ms)", 0);
    i = arrow_at(&l, i, "text \"hello\" FIN=0", 1);         /* "hello world" split 5 + 6 */
    i = arrow_at(&l, i, "continuation \" world\"", 1);
    assert_null(strstr(l.v[i], "FIN=0"));
    i = arrow_at(&l, i, "binary 1229 B", 0); /* exact, as the length field says */
    i = arrow_at(&l, i, "close 1000 (normal) \"bye\"", 1);
    assert_int_equal(find(&l, 0, "(2 frames)"), -1);
    /* numbered in capture order, both directions (the N of --explain), header fields named */
    assert_true(arrow_at(&l, 0, "[5] text \"hello\" FIN=0 mask 01020304", 1) > 0);
    assert_true(arrow_at(&l, 0, "[3] ping \"abc\"", 1) > 0);    /* control frames are numbered too */
    assert_true(arrow_at(&l, 0, "[7] binary 1229 B len16", 0) > 0); /* 1229 needs the 16-bit length */
    assert_true(arrow_at(&l, 0, "[9] close 1000", 0) > 0);
    assert_int_equal(find(&l, 0, "RSV="), -1);
    free(l.v);
    free(buf);
}

/* ---- JSON ------------------------------------------------------------------- */

static const char PY_PRELUDE[] =
    "import json, sys\n"
    "def bad(x):\n"
    "    raise ValueError('non-finite number ' + x)\n"
    "objs = []\n"
    "with open(sys.argv[1], encoding='utf-8', errors='strict', newline='') as f:\n"
    "    for line in f:\n"
    "        assert line.endswith('\\n'), line\n"
    "        objs.append(json.loads(line, parse_constant=bad))\n"
    "for o in objs:\n"
    "    for k in ('type', 'conn', 'packet', 'ts', 't'):\n"
    "        assert k in o, (k, o)\n"
    "    assert o.get('dir', 'c2s') in ('c2s', 's2c'), o\n"
    "    assert isinstance(o['ts'], float) and isinstance(o['t'], (float, type(None))), o\n"
    "def only(**kw):\n"
    "    m = [o for o in objs if all(o.get(k) == v for k, v in kw.items())]\n"
    "    assert len(m) == 1, (kw, m)\n"
    "    return m[0]\n";

/* Run PY_PRELUDE + checks over the JSON Lines in `data`; returns the exit status. */
static int python_check(const char *data, size_t len, const char *checks)
{
    char dir[] = "/tmp/wsi_render_XXXXXX", d[64], s[64], cmd[256];
    assert_non_null(mkdtemp(dir));
    snprintf(d, sizeof d, "%s/out.jsonl", dir);
    snprintf(s, sizeof s, "%s/check.py", dir);
    FILE *f = fopen(d, "wb");
    assert_non_null(f);
    fwrite(data, 1, len, f);
    fclose(f);
    f = fopen(s, "w");
    assert_non_null(f);
    fputs(PY_PRELUDE, f);
    fputs(checks, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "python3 %s %s", s, d);
    int rc = system(cmd);
    unlink(d);
    unlink(s);
    rmdir(dir);
    return rc;
}

static void test_json_chat(void **state)
{
    (void)state;
    struct wsi_handshake_ev h = hs_valid();
    struct wsi_render_opts o = opts(80, 1); /* colour never reaches JSON */
    struct out out;
    struct ctx x;
    out_open(&out, JSON, &o);
    ctx_init(&x, &out.sink, 1);
    chat(&x, &h);
    out_done(&out);
    assert_null(strchr(out.buf, '\033'));
    /* exactly one line per event: 1 conn + 2 http + 1 handshake + 9 frames + 8 messages + 2 end + 1 close */
    size_t nl = 0;
    for (char *p = out.buf; *p; p++) nl += *p == '\n';
    assert_int_equal(nl, 24);
    int rc = python_check(out.buf, out.len,
                          "assert len(objs) == 24\n"
                          "c = objs[0]\n"
                          "assert c['type'] == 'connection' and c['conn'] == 1 and 'dir' not in c\n"
                          "assert c['client'] == '127.0.0.1:51000' and c['server'] == '127.0.0.1:8765'\n"
                          "assert c['saw_syn'] is True and c['packet'] == 1 and c['ts'] == 1700000000.0\n"
                          "r = only(type='http', request=True)\n"
                          "assert r['method'] == 'GET' and r['target'] == '/chat' and r['upgrade'] is True\n"
                          "assert r['dir'] == 'c2s' and abs(r['t'] - 0.00021) < 1e-12\n"
                          "s = only(type='http', request=False)\n"
                          "assert s['status'] == 101 and s['reason'] == 'Switching Protocols' and s['dir'] == 's2c'\n"
                          "h = only(type='handshake')\n"
                          "assert h['verdict'] == 'valid' and h['accept'] == 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='\n"
                          "assert h['expected_accept'] == h['accept'] and h['key'] == 'dGhlIHNhbXBsZSBub25jZQ=='\n"
                          "assert h['path'] == '/chat' and h['origin'] == 'http://localhost:8765'\n"
                          "assert h['extensions_offered'] is None and h['rule'] is None and h['deflate'] is False\n"
                          "assert h['protocols_offered'] == 'chat, superchat' and h['protocol_selected'] == 'chat'\n"
                          "assert abs(h['latency'] - 0.001024) < 1e-12 and h['status'] == 101\n"
                          "f = [o for o in objs if o['type'] == 'frame']\n"
                          "assert len(f) == 9\n"
                          "f0 = f[0]\n"
                          "assert f0['dir'] == 'c2s' and f0['fin'] is True and f0['opcode'] == 1\n"
                          "assert f0['opcode_name'] == 'text' and f0['mask'] is True and f0['masking_key'] == '01020304'\n"
                          "assert f0['payload_length'] == 5 and f0['len7'] == 5 and f0['header_length'] == 6\n"
                          "assert f0['offset'] == 0 and f0['index'] == 1 and f0['rsv'] == 0\n"
                          "assert bytes.fromhex(f0['preview_hex']) == b'hello'\n"
                          "f1 = f[1]\n"
                          "assert f1['dir'] == 's2c' and f1['mask'] is False and 'masking_key' not in f1\n"
                          "frag = [o for o in f if o['dir'] == 'c2s' and o['opcode'] in (0, 1) and o['payload_length'] in (5, 6) and o['offset'] > 0]\n"
                          "assert [o['fin'] for o in frag] == [False, True], frag\n"
                          "assert bytes.fromhex(frag[1]['preview_hex']) == b' world'\n"
                          "big = only(type='frame', opcode=2)\n"
                          "assert big['payload_length'] == 1229 and big['len7'] == 126 and big['header_length'] == 4\n"
                          "assert bytes.fromhex(big['preview_hex']) == bytes(range(32)) and big['preview_truncated']\n"
                          "m = only(type='message', text='hello')\n"
                          "assert m['opcode'] == 1 and m['length'] == 5 and m['frames'] == 1 and m['utf8_valid'] is True\n"
                          "assert m['incomplete'] is False and m['rsv1'] is False and 'rtt' not in m\n"
                          "assert only(type='message', text='hello world')['frames'] == 2\n"
                          "p = only(type='message', opcode_name='pong')\n"
                          "assert abs(p['rtt'] - 0.0004) < 1e-12\n"
                          "b = only(type='message', opcode=2)\n"
                          "assert 'text' not in b and b['length'] == 1229\n"
                          "assert bytes.fromhex(b['preview_hex']) == bytes(range(32))\n"
                          "cc = only(type='message', opcode=8, dir='c2s')\n"
                          "assert cc['close_code'] == 1000 and cc['close_name'] == 'normal' and cc['close_reason'] == 'bye'\n"
                          "sc = only(type='message', opcode=8, dir='s2c')\n"
                          "assert sc['close_reason'] == '' and sc['close_code'] == 1000\n"
                          "e = [o['reason'] for o in objs if o['type'] == 'end']\n"
                          "assert e == ['fin', 'fin']\n"
                          "z = objs[-1]\n"
                          "assert z['type'] == 'close' and z['websocket'] is True and z['verdict'] == 'valid'\n"
                          "assert z['client_close'] == 1000 and z['server_close'] == 1000 and z['closed_cleanly']\n"
                          "assert z['abnormal'] is False and z['client_frames'] == 5 and z['server_frames'] == 4\n"
                          "assert z['client_messages'] == 4 and z['server_messages'] == 4\n"
                          "assert z['client_data_messages'] == 2 and z['server_data_messages'] == 2\n"
                          "assert z['client_control_frames'] == 2 and z['server_control_frames'] == 2\n"
                          "assert 'file' not in z and 'file' not in objs[0]\n"
                          "assert z['client_bytes'] == 24 and z['server_bytes'] == 1242\n"
                          "assert z['violations'] == 0 and z['gaps'] == 0 and z['duration'] == 0.52\n"
                          "assert z['first_packet'] == 1 and z['last_packet'] == objs[-1]['packet']\n"
                          "assert [o['packet'] for o in objs] == sorted(o['packet'] for o in objs)\n");
    assert_int_equal(rc, 0);
    free(out.buf);
}

/* Strings from the wire and payloads: quotes, backslashes, control characters,
 * invalid UTF-8, non-finite numbers; every other event type. */
static void test_json_escaping(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(80, 0);
    o.payload = 100;
    struct out out;
    struct ctx x;
    out_open(&out, JSON, &o);
    ctx_init(&x, &out.sink, 9);
    x.ci.addr[0].family = x.ci.addr[1].family = 6;
    memset(x.ci.addr[0].bytes, 0, 16);
    memset(x.ci.addr[1].bytes, 0, 16);
    x.ci.addr[0].bytes[15] = x.ci.addr[1].bytes[15] = 1;
    conn_ev(&x);
    http_req(&x, 0.001, "GET", "/a\"b\\c\x01\x1f\x7f", 0);
    struct wsi_handshake_ev h = {.origin = "o\tx\n", .verdict = WSI_HS_NO_RESPONSE, .latency = -1,
                                 .rule = "RFC 6455 \xC2\xA7" "4.1", .why = "\xff\xfe bad"};
    handshake(&x, 0.002, &h);
    static const uint8_t weird[] = {'q', '"', '\\', '\n', 0x00, 0x1b, 0xc3, 0xa9, 0xff, 0xe2, 0x82, 'z',
                                    0xe2, 0x80, 0xa8, 0xf0, 0x9f, 0x98, 0x80};
    x.viol = WSI_V_INVALID_UTF8;
    x.violation_first = 1;
    frames_msg(&x, WSI_C2S, 0.003, WSI_OP_TEXT, weird, sizeof weird, 1, 0, -1);
    struct wsi_event ev = mk(&x, WSI_EV_GAP, WSI_S2C, NAN);
    ev.u.gap = (struct wsi_gap_ev){.offset = 5, .len = 7};
    send_ev(&x, &ev);
    ev = mk(&x, WSI_EV_TCP, WSI_C2S, 0.004);
    ev.u.tcp = (struct wsi_tcp_ev){.kind = WSI_TCP_SNAPLEN_CUT, .detail = "cut\r"};
    send_ev(&x, &ev);
    ev = mk(&x, WSI_EV_LOST, WSI_S2C, 0.005);
    ev.u.lost = (struct wsi_lost_ev){.offset = 12, .why = NULL};
    send_ev(&x, &ev);
    frames_msg(&x, WSI_S2C, 0.006, WSI_OP_PONG, "", 0, 1, 0, INFINITY);
    end_ev(&x, WSI_S2C, 0.007, WSI_END_RST);
    end_ev(&x, WSI_C2S, 0.007, WSI_END_CAPTURE);
    struct wsi_close_ev c = {.websocket = 0, .close_code = {-1, 0}, .duration = NAN};
    close_ev(&x, 0.008, &c);
    out_done(&out);

    int rc = python_check(out.buf, out.len,
                          "c = objs[0]\n"
                          "assert c['client'] == '[::1]:51000' and c['server'] == '[::1]:8765', c\n"
                          "r = only(type='http')\n"
                          "assert r['target'] == '/a\"b\\\\c\\x01\\x1f\\x7f', repr(r['target'])\n"
                          "h = only(type='handshake')\n"
                          "assert h['origin'] == 'o\\tx\\n' and h['why'] == '\\xff\\xfe bad', h\n"
                          "assert h['verdict'] == 'no-response' and h['latency'] is None and h['path'] is None\n"
                          "assert h['status'] is None\n"
                          "v = only(type='violation')\n"
                          "assert v['violation'] == 'invalid-utf8' and v['rfc'] == 'RFC 6455 \\u00a78.1'\n"
                          "assert v['text'] == 'text is not valid UTF-8' and v['detail'] == 'a detail'\n"
                          "assert v['offset'] == 0 and v['dir'] == 'c2s'\n"
                          "m = only(type='message', opcode=1)\n"
                          "want = 'q\"\\\\\\n\\x00\\x1b\\u00e9\\xff\\xe2\\x82z\\u2028\\U0001F600'\n"
                          "assert m['text'] == want, (m['text'], want)\n"
                          "assert bytes.fromhex(m['preview_hex']) == bytes([0x71,0x22,0x5c,0x0a,0x00,0x1b,0xc3,0xa9,0xff,0xe2,0x82,0x7a,0xe2,0x80,0xa8,0xf0,0x9f,0x98,0x80])\n"
                          "fr = only(type='frame', opcode=1)\n"
                          "assert fr['preview_hex'] == m['preview_hex']\n"
                          "g = only(type='gap')\n"
                          "assert g['t'] is None and g['offset'] == 5 and g['length'] == 7\n"
                          "t = only(type='tcp')\n"
                          "assert t['anomaly'] == 'snaplen-cut' and t['detail'] == 'cut\\r'\n"
                          "l = only(type='lost')\n"
                          "assert l['why'] is None and l['offset'] == 12\n"
                          "p = only(type='message', opcode=10)\n"
                          "assert p['rtt'] is None and p['preview_hex'] == '' and p['length'] == 0\n"
                          "assert [o['reason'] for o in objs if o['type'] == 'end'] == ['rst', 'capture']\n"
                          "z = only(type='close')\n"
                          "assert z['websocket'] is False and z['verdict'] is None and z['duration'] is None\n"
                          "assert z['client_close'] is None and z['server_close'] == 0\n");
    assert_int_equal(rc, 0);
    /* raw bytes: control characters never appear unescaped in the output */
    for (size_t i = 0; i < out.len; i++)
        if ((unsigned char)out.buf[i] < 0x20 && out.buf[i] != '\n') fail_msg("raw control byte 0x%02x at %zu", out.buf[i], i);
    assert_non_null(strstr(out.buf, "\\u0000"));
    assert_non_null(strstr(out.buf, "\\u00ff"));
    free(out.buf);
}

/* --payload cuts JSON previews too: bytes for binary, whole characters for text. */
static void test_json_payload_cap(void **state)
{
    (void)state;
    struct wsi_render_opts o = opts(80, 0);
    o.payload = 2;
    struct out out;
    struct ctx x;
    out_open(&out, JSON, &o);
    ctx_init(&x, &out.sink, 1);
    text(&x, WSI_C2S, 0.1, "a\xC3\xA9z"); /* a é z: 2 bytes would split é */
    out_done(&out);
    int rc = python_check(out.buf, out.len,
                          "m = only(type='message')\n"
                          "assert m['text'] == 'a' and m['preview_hex'] == '61' and m['preview_truncated'] is True\n"
                          "f = only(type='frame')\n"
                          "assert f['preview_hex'] == '61c3' and f['preview_truncated'] is True\n");
    assert_int_equal(rc, 0);
    free(out.buf);
}

/* ---- summary ----------------------------------------------------------------- */

static void test_summary(void **state)
{
    (void)state;
    struct wsi_handshake_ev h = hs_valid();
    struct wsi_render_opts o = opts(80, 0);
    char *buf = render_chat(SUMMARY, &o, &h);
    assert_string_equal(buf, "#1 127.0.0.1:51000 -> 127.0.0.1:8765 GET /chat  valid  c2s 2 msg + 2 ctl / s2c 2 msg + 2 ctl  "
                             "close 1000/1000  0 violations  0.52 s\n");
    free(buf);

    struct out out;
    struct ctx x;
    out_open(&out, SUMMARY, &o);
    ctx_init(&x, &out.sink, 5);
    conn_ev(&x);
    http_req(&x, 0.001, "GET", "/chat", 1);
    http_resp(&x, 0.002, 101, "Switching Protocols");
    h.verdict = WSI_HS_MISMATCH;
    handshake(&x, 0.002, &h);
    end_ev(&x, WSI_S2C, 1.5, WSI_END_RST);
    struct wsi_close_ev c = {.websocket = 1, .verdict = WSI_HS_MISMATCH, .close_code = {-1, 0}, .violations = 1,
                             .gaps = 2, .messages = {0, 1}, .controls = {0, 1}, .duration = 1.5};
    close_ev(&x, 1.5, &c);
    ctx_init(&x, &out.sink, 6);
    conn_ev(&x);
    struct wsi_close_ev p = {.close_code = {-1, -1}, .duration = 0.25};
    close_ev(&x, 0.25, &p);
    ctx_init(&x, &out.sink, 7);
    x.file = "b.pcap"; /* one of several captures: its file after the number */
    conn_ev(&x);
    http_req(&x, 0.001, "POST", "/api", 0);
    struct wsi_close_ev q = {.close_code = {-1, -1}, .abnormal = 0, .duration = 0.01};
    close_ev(&x, 0.01, &q);
    ctx_init(&x, &out.sink, 8); /* never closed: a line when the renderer is freed */
    conn_ev(&x);
    http_req(&x, 0.001, "GET", "/x", 0);
    out_done(&out);
    struct lines l = split(out.buf);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.v[3], "#8 GET /x  (connection not closed)");
    assert_string_equal(l.v[0], "#5 127.0.0.1:51000 -> 127.0.0.1:8765 GET /chat  mismatch  c2s 0 msg + 0 ctl / s2c 0 msg + 1 ctl  "
                                "close -/empty  1 violation  2 gaps  reset  1.50 s");
    assert_string_equal(l.v[1], "#6 127.0.0.1:51000 -> 127.0.0.1:8765  other TCP  c2s 0 B / s2c 0 B  packets 1-2  0.25 s");
    assert_string_equal(l.v[2], "#7 (b.pcap) 127.0.0.1:51000 -> 127.0.0.1:8765 POST /api  http  0 violations  0.01 s");
    free(l.v);
    free(out.buf);

    /* a line longer than the line buffer (a capture deep in folders): written whole, in order */
    char name[3001];
    for (size_t i = 0; i < sizeof name - 1; i++) name[i] = (char)('a' + i % 26);
    name[sizeof name - 1] = '\0';
    out_open(&out, SUMMARY, &o);
    ctx_init(&x, &out.sink, 9);
    x.file = name;
    conn_ev(&x);
    http_req(&x, 0.001, "GET", "/long", 0);
    close_ev(&x, 12345.678, &(struct wsi_close_ev){.close_code = {-1, -1}, .duration = 12345.678});
    out_done(&out);
    char want[3200];
    snprintf(want, sizeof want, "#9 (%s) 127.0.0.1:51000 -> 127.0.0.1:8765 GET /long  http  0 violations  12345.68 s\n",
             name);
    assert_string_equal(out.buf, want);
    free(out.buf);
}

/* --order=start: connection 2 ends before 1 and 3 (never closed) comes last; ladder and summary
 * print 1, 2, 3 with one blank line between blocks; without it, as they end. --time=abs: the time
 * of day in a wider column. */
static void test_order_start(void **state)
{
    (void)state;
    for (int w = 0; w < 2; w++) {
        for (int start = 0; start < 2; start++) {
            struct wsi_render_opts o = opts(80, 0);
            o.order_start = start;
            struct out out;
            struct ctx a, b, c3;
            out_open(&out, w ? SUMMARY : LADDER, &o);
            ctx_init(&a, &out.sink, 1);
            ctx_init(&b, &out.sink, 2);
            ctx_init(&c3, &out.sink, 3);
            conn_ev(&a);
            http_req(&a, 0.001, "GET", "/one", 0);
            conn_ev(&b);
            http_req(&b, 0.002, "GET", "/two", 0);
            conn_ev(&c3);
            http_req(&c3, 0.003, "GET", "/three", 0);
            struct wsi_close_ev q = {.close_code = {-1, -1}, .duration = 0.01};
            close_ev(&b, 0.01, &q);
            close_ev(&a, 0.02, &q);
            out_done(&out);
            const char *one = strstr(out.buf, "/one"), *two = strstr(out.buf, "/two"), *three = strstr(out.buf, "/three");
            assert_non_null(one);
            assert_non_null(two);
            assert_non_null(three);
            if (start) assert_true(one < two && two < three);
            else assert_true(two < one && one < three);
            if (!w) assert_null(strstr(out.buf, "\n\n\n")); /* one blank line between blocks, never two */
            free(out.buf);
        }
    }
    struct wsi_render_opts o = opts(80, 0);
    o.time_mode = 3;
    struct out out;
    struct ctx x;
    out_open(&out, LADDER, &o);
    ctx_init(&x, &out.sink, 1);
    conn_ev(&x);
    http_req(&x, 3723.5, "GET", "/abs", 0); /* t: seconds since local midnight: 01:02:03.5 */
    struct wsi_close_ev q = {.close_code = {-1, -1}, .duration = 0.01};
    close_ev(&x, 3724, &q);
    out_done(&out);
    /* the renderer takes the time of day from the event's timestamp, in the local zone */
    assert_non_null(strstr(out.buf, ":"));
    struct lines l = split(out.buf);
    int found = 0;
    for (size_t i = 0; i < l.n; i++)
        if (strstr(l.v[i], "GET /abs")) {
            found = 1;
            assert_true(strlen(l.v[i]) > 16 && l.v[i][2] == ':' && l.v[i][5] == ':' && l.v[i][8] == '.' && l.v[i][15] == ' ');
            assert_true(strlen(l.v[i]) <= 80);
        }
    assert_true(found);
    free(l.v);
    free(out.buf);
}

/* ---- helpers -------------------------------------------------------------------- */

static void test_escape_preview(void **state)
{
    (void)state;
    char b[64];
    const uint8_t *u;
#define ESC(s, n, max, ell) wsi_escape_preview((const uint8_t *)(s), (n), (max), (ell), b, sizeof b)
    assert_string_equal(ESC("hello", 5, 32, 1), "hello");
    assert_string_equal(ESC("hello", 5, 3, 1), "hel\xE2\x80\xA6");
    assert_string_equal(ESC("hello", 5, 3, 0), "hel");
    assert_string_equal(ESC("hello", 5, 5, 1), "hello"); /* exactly max: no ellipsis */
    assert_string_equal(ESC("", 0, 5, 1), "");
    assert_string_equal(ESC("abc", 3, 0, 1), "\xE2\x80\xA6");
    assert_string_equal(ESC("a\nb\tc\"d\\e\r", 10, 32, 1), "a\\nb\\tc\\\"d\\\\e\\r");
    assert_string_equal(ESC("\x01\x7f\x1b", 3, 32, 1), "\\x01\\x7f\\x1b");
    assert_string_equal(ESC("a\0b", 3, 32, 1), "a\\x00b");
    /* invalid UTF-8: stray continuation, overlong, surrogate, above U+10FFFF, cut short */
    assert_string_equal(ESC("\x80", 1, 32, 1), "\\x80");
    assert_string_equal(ESC("\xC0\xAF", 2, 32, 1), "\\xc0\\xaf");
    assert_string_equal(ESC("\xED\xA0\x80", 3, 32, 1), "\\xed\\xa0\\x80");
    assert_string_equal(ESC("\xF4\x90\x80\x80", 4, 32, 1), "\\xf4\\x90\\x80\\x80");
    assert_string_equal(ESC("x\xE2\x82", 3, 32, 1), "x\\xe2\\x82");
    /* valid multibyte characters count as one each and are never split */
    assert_string_equal(ESC("\xC3\xA9t\xC3\xA9", 5, 2, 1), "\xC3\xA9t\xE2\x80\xA6");
    assert_string_equal(ESC("\xF0\x9F\x98\x80!", 5, 1, 1), "\xF0\x9F\x98\x80\xE2\x80\xA6");
    assert_string_equal(ESC("\xE4\xBD\xA0\xE5\xA5\xBD", 6, 32, 1), "\xE4\xBD\xA0\xE5\xA5\xBD");
    /* invisible / reordering characters are shown escaped */
    assert_string_equal(ESC("a\xE2\x80\xAE" "b\xC2\x85", 7, 32, 1), "a\\u202eb\\u0085");
    /* a small buffer: never overflows, never splits a character or an escape */
    char small[8];
    u = (const uint8_t *)"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";
    assert_string_equal(wsi_escape_preview(u, 8, 100, 1, small, sizeof small), "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
    assert_string_equal(wsi_escape_preview(u, 8, 100, 0, small, sizeof small), "\xC3\xA9\xC3\xA9\xC3\xA9");
    assert_string_equal(wsi_escape_preview((const uint8_t *)"\x01\x02", 2, 100, 0, small, 6), "\\x01");
    assert_string_equal(wsi_escape_preview((const uint8_t *)"abcdefg", 7, 100, 1, small, sizeof small), "abcdefg");
    assert_string_equal(wsi_escape_preview((const uint8_t *)"abcdefgh", 8, 100, 1, small, sizeof small),
                        "abcd\xE2\x80\xA6");
    assert_string_equal(wsi_escape_preview((const uint8_t *)"abcdefgh", 8, 100, 1, small, 3), "ab");
    small[0] = 'Z';
    assert_ptr_equal(wsi_escape_preview((const uint8_t *)"abc", 3, 100, 1, small, 0), small);
    assert_int_equal(small[0], 'Z');
    assert_string_equal(wsi_escape_preview(NULL, 5, 100, 1, small, sizeof small), "");
    /* every cut of a mixed string is valid UTF-8 with whole characters */
    static const char mix[] = "a\xC3\xA9\xE4\xBD\xA0\xF0\x9F\x98\x80\x01z";
    for (size_t max = 0; max < 8; max++) {
        for (size_t sz = 1; sz < 24; sz++) {
            char t[24];
            wsi_escape_preview((const uint8_t *)mix, sizeof mix - 1, max, 1, t, sz);
            size_t n = strlen(t);
            assert_true(n < sz);
            for (size_t i = 0; i < n;) {
                size_t k = wsi_utf8_next((const uint8_t *)t + i, n - i, NULL);
                if (!k) fail_msg("max %zu size %zu: split character in \"%s\"", max, sz, t);
                i += k;
            }
        }
    }
#undef ESC
}

static void test_human_size(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(wsi_human_size(0, b), "0 B");
    assert_string_equal(wsi_human_size(1023, b), "1023 B");
    assert_string_equal(wsi_human_size(1024, b), "1.0 KiB");
    assert_string_equal(wsi_human_size(1229, b), "1.2 KiB");
    assert_string_equal(wsi_human_size(65536, b), "64.0 KiB");
    assert_string_equal(wsi_human_size(1048575, b), "1.0 MiB"); /* not "1024.0 KiB" */
    assert_string_equal(wsi_human_size(3u << 20, b), "3.0 MiB");
    assert_string_equal(wsi_human_size(UINT64_C(5) << 30, b), "5.0 GiB");
    assert_string_equal(wsi_human_size(UINT64_MAX, b), "16.0 EiB");
}

/* wsi_ascii_run and wsi_plain_run count what a byte-by-byte loop counts (ok: the bytes a run
 * takes), for every byte value at every place in 20 bytes, with each byte that ends a run just
 * before it (`enders`), and on random buffers of every length up to 64. */
static int ascii_byte(uint8_t b) { return b >= 0x20 && b <= 0x7E; }

static int plain_byte(uint8_t b) { return ascii_byte(b) && b != '"' && b != '\\'; }

static void check_run(size_t (*run)(const uint8_t *, size_t), int (*ok)(uint8_t), const uint8_t *enders,
                      size_t nenders)
{
    uint8_t b[64];
    for (int v = 0; v < 256; v++) {
        for (size_t at = 0; at < 20; at++) {
            memset(b, 'a', sizeof b);
            b[at] = (uint8_t)v;
            assert_int_equal(run(b, 20), ok((uint8_t)v) ? 20 : at);
            if (at > 0) { /* a byte that ends the run before it: still the first one counts */
                for (size_t k = 0; k < nenders; k++) {
                    b[at - 1] = enders[k];
                    assert_int_equal(run(b, 20), at - 1);
                }
            }
        }
    }
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = (size_t)(x % sizeof b);
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* mostly printable, some of everything else */
            b[k] = (uint8_t)(x % 16 ? 0x20 + x % 95 : x >> 8);
        }
        size_t want = 0;
        while (want < n && ok(b[want])) want++;
        assert_int_equal(run(b, n), want);
    }
}

static void test_ascii_run(void **state)
{
    (void)state;
    static const uint8_t enders[] = {0x1F, 0xFF, 0x7F, 0x00};
    check_run(wsi_ascii_run, ascii_byte, enders, sizeof enders);
}

static void test_plain_run(void **state)
{
    (void)state;
    static const uint8_t enders[] = {0x1F, 0xFF, '"', '\\', 0x7F};
    check_run(wsi_plain_run, plain_byte, enders, sizeof enders);
}

/* wsi_human_size as it was written with printf alone: the reference for the direct one. */
static void ref_human_size(uint64_t n, char buf[32])
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) {
        snprintf(buf, 32, "%u B", (unsigned)n);
        return;
    }
    double v = (double)n;
    size_t u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        u++;
    }
    if (v >= 1023.95 && u < 6) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, 32, "%.1f %s", v, units[u]);
}

/* Sizes of every magnitude, and the exact halves (n * 10 / 1024 ending in .5), give what
 * printf gave. */
static void test_human_size_printf(void **state)
{
    (void)state;
    char a[32], b[32];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 300000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t n = i < 5000 ? (uint64_t)i * 51 + (uint64_t)(i & 3) * 1024 * 1024 : x >> (x % 64);
        wsi_human_size(n, a);
        ref_human_size(n, b);
        if (strcmp(a, b) != 0) fail_msg("n=%llu: %s, printf %s", (unsigned long long)n, a, b);
    }
    assert_string_equal(wsi_human_size(1075, a), "1.0 KiB"); /* 1.0498...: down */
    assert_string_equal(wsi_human_size(1587, a), "1.5 KiB");
    assert_string_equal(wsi_human_size(1536 + 51, a), "1.5 KiB");
    assert_string_equal(wsi_human_size(1024 + 512 + 52, a), "1.6 KiB"); /* 1.5507...: up */
}

/* wsi_fixed writes what "%.Nf" writes (N = 0 to 6), or leaves the value to printf; wsi_u64
 * what "%llu" writes. */
static void test_fixed(void **state)
{
    (void)state;
    char a[32], b[32];
    assert_int_equal(wsi_fixed(0.0, 0, a), 1);
    assert_string_equal(a, "0");
    assert_int_equal(wsi_fixed(1.25, 3, a), 5);
    assert_string_equal(a, "1.250");
    assert_true(wsi_fixed(99.996, 2, a) > 0);
    assert_string_equal(a, "100.00"); /* carries into a new digit, as printf does */
    assert_true(wsi_fixed(0.0449999, 1, a) > 0);
    assert_string_equal(a, "0.0");
    assert_int_equal(wsi_fixed(0.25, 1, a), 0); /* an exact half: printf's rounding (to even) */
    assert_int_equal(wsi_fixed(2.5, 0, a), 0);
    assert_int_equal(wsi_fixed(-1.0, 1, a), 0);
    assert_int_equal(wsi_fixed(NAN, 1, a), 0);
    assert_int_equal(wsi_fixed(INFINITY, 0, a), 0);
    assert_int_equal(wsi_fixed(1e7, 2, a), 0); /* 10^9 units of the last digit: printf's */
    assert_true(wsi_fixed(999999.99, 2, a) > 0); /* just under 10^8 units: written, as printf does */
    assert_string_equal(a, "999999.99");
    assert_int_equal(wsi_fixed(1.0, 7, a), 0);
    assert_int_equal(wsi_fixed(1.0, -1, a), 0);
    uint64_t x = 88172645463325252ull, fallback = 0, n = 0;
    for (int i = 0; i < 400000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int dec = (int)(x % 7);
        /* seconds as a capture gives them, milliseconds, and sizes scaled by powers of 1024 */
        double v = (i % 3 == 0)   ? (double)(x % 100000000000ull) / 1e9
                   : (i % 3 == 1) ? (double)(x % 1000000000ull) / 1e9 * 1e3
                                  : (double)((x >> 20) % 1048576) / 1024.0;
        size_t k = wsi_fixed(v, dec, a);
        double scaled = v;
        for (int d = 0; d < dec; d++) scaled *= 10;
        if (!k) {
            if (scaled < 1e8) fallback++; /* exact halves beyond are common in this mix */
            if (scaled < 1e8) n++;
            continue;
        }
        n++;
        snprintf(b, sizeof b, "%.*f", dec, v);
        if (strcmp(a, b) != 0) fail_msg("v=%.17g %d decimals: %s, printf %s", v, dec, a, b);
        assert_int_equal(k, strlen(b));
    }
    assert_true(fallback * 100 < n);
    const uint64_t us[] = {0, 9, 10, 99, 100, 4294967295u, 4294967296u, 18446744073709551615u};
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
        snprintf(b, sizeof b, "%llu", (unsigned long long)us[i]);
        assert_int_equal(wsi_u64(us[i], a), strlen(b));
        assert_string_equal(a, b);
    }
}

/* The preview written in one pass (room for any escape) is the one written after measuring
 * it (a buffer just big enough), on texts of quotes, backslashes, controls and UTF-8. */
static void test_escape_preview_passes(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "{\"k\":", "\\", "\n", "\x01", "\x7f", "\xC3\xA9", "\xE2\x80\xAE",
                                         "\xF0\x9F\x98\x80", "\xC2\x85", "\xFF", "\xE2\x82", "  ", "\""};
    uint64_t x = 2463534242ull;
    uint8_t in[200];
    char big[1024], exact[1024], again[1024];
    for (int i = 0; i < 20000; i++) {
        size_t n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t want = x % 150;
        while (n < want) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *p = pieces[x % (sizeof pieces / sizeof pieces[0])];
            size_t k = strlen(p);
            if (n + k > sizeof in) break;
            memcpy(in + n, p, k);
            n += k;
        }
        size_t max = (i & 1) ? SIZE_MAX : x % 64;
        int ell = (i >> 1) & 1;
        wsi_escape_preview(in, n, max, ell, big, sizeof big);
        size_t len = strlen(big);
        wsi_escape_preview(in, n, max, ell, exact, len + 1);
        if (strcmp(big, exact) != 0) fail_msg("one pass \"%s\", measured \"%s\"", big, exact);
        if (len > 8) { /* a smaller buffer: a prefix of whole escapes, no overflow */
            wsi_escape_preview(in, n, max, ell, again, len - 4);
            assert_true(strlen(again) < len - 4);
        }
    }
}

/* The capture's losses in words: one phrasing for the ladder, JSON and stderr. */
static void test_loss_words(void **state)
{
    (void)state;
    char what[128], where[96], line[512];
    struct wsi_stats_ev st = {.new_dropped = 3, .after = 10, .before = 11};
    wsi_loss_words(&st, what, where);
    assert_string_equal(what, "the kernel dropped 3 packets");
    assert_string_equal(where, " between packet 10 and 11");
    st = (struct wsi_stats_ev){.new_dropped = 2, .new_if_dropped = 5, .before = 7};
    wsi_loss_words(&st, what, where);
    assert_string_equal(what, "the kernel dropped 2 packets and the interface 5");
    assert_string_equal(where, " before packet 7");
    st = (struct wsi_stats_ev){.new_if_dropped = 1, .after = 4};
    wsi_loss_words(&st, what, where);
    assert_string_equal(what, "the interface dropped 1 packet");
    assert_string_equal(where, " after packet 4");
    st = (struct wsi_stats_ev){.new_dropped = 9};
    wsi_loss_words(&st, what, where);
    assert_string_equal(where, "");
    assert_string_equal(wsi_stats_sentence(&st, line, sizeof line),
                        "CAPTURE LOSS: the kernel dropped 9 packets: gaps after this are losses of the capture, not of "
                        "the peers (-B)");
    st = (struct wsi_stats_ev){.final = 1, .received = 10, .dropped = 1, .packets = 9, .connections = 1, .websockets = 1,
                               .gaps = 2};
    assert_string_equal(wsi_stats_sentence(&st, line, sizeof line),
                        "Capture: 10 packets received, 1 dropped by the kernel, 0 by the interface; 9 read, 1 connection "
                        "(1 WebSocket), 0 violations, 2 gaps");
}

/* Every byte alone and inside a run of letters: printable ASCII but '"' and '\\' as it is,
 * everything else escaped (the table of bytes shown as they are agrees with esc_piece). */
static void test_escape_each_byte(void **state)
{
    (void)state;
    char out[64], want[64];
    for (int c = 0; c < 256; c++) {
        uint8_t in[5] = {'a', 'b', (uint8_t)c, 'y', 'z'};
        wsi_escape_preview(in, sizeof in, 100, 0, out, sizeof out);
        if (c >= 0x20 && c <= 0x7E && c != '"' && c != '\\') snprintf(want, sizeof want, "ab%cyz", c);
        else if (c == '"' || c == '\\') snprintf(want, sizeof want, "ab\\%cyz", c);
        else if (c == '\n') snprintf(want, sizeof want, "ab\\nyz");
        else if (c == '\t') snprintf(want, sizeof want, "ab\\tyz");
        else if (c == '\r') snprintf(want, sizeof want, "ab\\ryz");
        else snprintf(want, sizeof want, "ab\\x%02xyz", c);
        if (strcmp(out, want) != 0) fail_msg("byte 0x%02x: %s, want %s", c, out, want);
    }
}

/* wsi_fixed with six decimals (the ladder's time column) writes what "%.6f" writes, up to
 * 1000 s, or leaves the value to printf. */
static void test_fixed6(void **state)
{
    (void)state;
    char a[32], b[32];
    assert_int_equal(wsi_fixed(0.0, 6, a), 8);
    assert_string_equal(a, "0.000000");
    assert_true(wsi_fixed(1.5, 6, a) > 0);
    assert_string_equal(a, "1.500000");
    assert_true(wsi_fixed(999.9999996, 6, a) > 0);
    assert_string_equal(a, "1000.000000"); /* rounds up into a fourth digit, as printf does */
    assert_int_equal(wsi_fixed(1000.0, 6, a), 0);
    assert_int_equal(wsi_fixed(-0.25, 6, a), 0);
    assert_int_equal(wsi_fixed(NAN, 6, a), 0);
    assert_int_equal(wsi_fixed(INFINITY, 6, a), 0);
    /* Times as the capture makes them (nanoseconds over 1e9) and arbitrary doubles: every
     * answer equals printf's, and only near-halves are left to printf. */
    uint64_t x = 88172645463325252ull, fallback = 0, n = 0;
    for (int i = 0; i < 400000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double t = (i & 1) ? (double)(x % 1000000000000ull) / 1e9 : (double)(x >> 11) / 9007199254740992.0 * 1000.0;
        size_t k = wsi_fixed(t, 6, a);
        n++;
        if (!k) {
            fallback++;
            continue;
        }
        snprintf(b, sizeof b, "%.6f", t);
        if (strcmp(a, b) != 0) fail_msg("t=%.17g: %s, printf %s", t, a, b);
        assert_int_equal(k, strlen(b));
    }
    assert_true(fallback * 100 < n); /* the fast way is the usual way */
}

/*
 * REFERENCE MODEL: render_util.c's UTF-8 helpers as they were when they kept a copy of the
 * UTF-8 rules of their own (a lead byte's length and its second byte's range). They are now
 * built on wsi_utf8_feed; both must give the same answers for every input.
 */
static size_t ref_lead(uint8_t b, uint8_t *lo, uint8_t *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b < 0x80) return 1;
    if (b < 0xC2) return 0;
    if (b < 0xE0) return 2;
    if (b < 0xF0) {
        if (b == 0xE0) *lo = 0xA0;
        if (b == 0xED) *hi = 0x9F;
        return 3;
    }
    if (b < 0xF5) {
        if (b == 0xF0) *lo = 0x90;
        if (b == 0xF4) *hi = 0x8F;
        return 4;
    }
    return 0;
}

static size_t ref_utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
    uint8_t lo, hi;
    if (!s || !len) return 0;
    size_t n = ref_lead(s[0], &lo, &hi);
    if (!n || n > len) return 0;
    uint32_t c = n == 1 ? s[0] : (uint32_t)(s[0] & (0x7F >> n));
    for (size_t i = 1; i < n; i++) {
        uint8_t b = s[i];
        if (i == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return 0;
        c = (c << 6) | (b & 0x3F);
    }
    if (cp) *cp = c;
    return n;
}

static size_t ref_trim_tail(const uint8_t *s, size_t len)
{
    for (size_t back = 1; back <= 3 && back <= len; back++) {
        size_t at = len - back;
        uint8_t lo, hi, b = s[at];
        if ((b & 0xC0) == 0x80) continue;
        size_t n = ref_lead(b, &lo, &hi);
        if (n <= back) return len;
        for (size_t i = 1; i < back; i++) {
            uint8_t c = s[at + i];
            if (i == 1 ? (c < lo || c > hi) : (c & 0xC0) != 0x80) return len;
        }
        return at;
    }
    return len;
}

/* Every string of 1 to 3 bytes, and 4-byte strings from every lead byte with chosen
 * continuations, at every length cut: the helpers agree with the reference model. */
static void test_utf8_helpers_model(void **state)
{
    (void)state;
    static const uint8_t pick[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
                                   0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xFF};
    uint8_t s[4];
    for (uint32_t v = 0; v < (1u << 24); v++) {
        s[0] = (uint8_t)(v >> 16);
        s[1] = (uint8_t)(v >> 8);
        s[2] = (uint8_t)v;
        for (size_t len = 1; len <= 3; len++) {
            if (len < 3 && (v & ((1u << (8 * (3 - len))) - 1))) continue; /* shorter strings once */
            uint32_t c1 = 0xFFFFFFFF, c2 = 0xFFFFFFFF;
            size_t a = wsi_utf8_next(s, len, &c1), b = ref_utf8_next(s, len, &c2);
            if (a != b || c1 != c2)
                fail_msg("next %02x %02x %02x len %zu: %zu/%x against %zu/%x", s[0], s[1], s[2], len, a, c1, b, c2);
            a = wsi_utf8_trim_tail(s, len);
            b = ref_trim_tail(s, len);
            if (a != b) fail_msg("trim_tail %02x %02x %02x len %zu: %zu against %zu", s[0], s[1], s[2], len, a, b);
        }
    }
    for (unsigned lead = 0; lead < 256; lead++)
        for (unsigned b1 = 0; b1 < 256; b1++)
            for (size_t i = 0; i < sizeof pick; i++)
                for (size_t j = 0; j < sizeof pick; j++) {
                    s[0] = (uint8_t)lead;
                    s[1] = (uint8_t)b1;
                    s[2] = pick[i];
                    s[3] = pick[j];
                    uint32_t c1 = 0, c2 = 0;
                    assert_int_equal(wsi_utf8_next(s, 4, &c1), ref_utf8_next(s, 4, &c2));
                    assert_int_equal(c1, c2);
                    assert_int_equal(wsi_utf8_trim_tail(s, 4), ref_trim_tail(s, 4));
                }
}

/* wsi_endpoint_str writes IPv4 itself: the same text as inet_ntop and "%s:%u", for the shortest
 * and longest forms, every byte value in every position and random addresses and ports. */
static void test_endpoint_ipv4(void **state)
{
    (void)state;
    struct wsi_conn_info ci;
    char got[64], want[64], a[INET_ADDRSTRLEN];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < 70000; i++) {
        memset(&ci, 0, sizeof ci);
        ci.addr[1].family = 4;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for (int b = 0; b < 4; b++) /* first each byte value in each position, then random */
            ci.addr[1].bytes[b] = i < 1024 ? (uint8_t)(b == (int)(i >> 8) ? i : 0) : (uint8_t)(x >> (8 * b));
        ci.port[1] = i < 1024 ? (uint16_t)(i % 2 ? 65535 : i) : (uint16_t)(x >> 40);
        assert_non_null(inet_ntop(AF_INET, ci.addr[1].bytes, a, sizeof a));
        snprintf(want, sizeof want, "%s:%u", a, (unsigned)ci.port[1]);
        assert_string_equal(wsi_endpoint_str(&ci, 1, got), want);
    }
    memset(ci.addr[1].bytes, 255, 4);
    ci.port[1] = 65535;
    assert_string_equal(wsi_endpoint_str(&ci, 1, got), "255.255.255.255:65535");
    assert_string_equal(wsi_endpoint_str(&ci, 2, got), "?");
    assert_string_equal(wsi_endpoint_str(NULL, 0, got), "?");
}

static void test_utf8_helpers(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(wsi_utf8_next((const uint8_t *)"\xE2\x82\xAC", 3, &cp), 3);
    assert_int_equal(cp, 0x20AC);
    assert_int_equal(wsi_utf8_next((const uint8_t *)"\xE2\x82\xAC", 2, &cp), 0);
    assert_int_equal(wsi_utf8_next((const uint8_t *)"\xE0\x80\x80", 3, &cp), 0); /* overlong */
    assert_int_equal(wsi_utf8_next((const uint8_t *)"\xF0\x90\x80\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x10000);
    assert_int_equal(wsi_utf8_next((const uint8_t *)"\xF5\x80\x80\x80", 4, &cp), 0);
    assert_int_equal(wsi_utf8_next((const uint8_t *)"", 0, &cp), 0);
    assert_int_equal(wsi_utf8_trim_tail((const uint8_t *)"ab\xE2\x82", 4), 2);
    assert_int_equal(wsi_utf8_trim_tail((const uint8_t *)"ab\xE2", 3), 2);
    assert_int_equal(wsi_utf8_trim_tail((const uint8_t *)"ab\xE2\x82\xAC", 5), 5);
    assert_int_equal(wsi_utf8_trim_tail((const uint8_t *)"ab\xF0\x9F\x98", 5), 2);
    assert_int_equal(wsi_utf8_trim_tail((const uint8_t *)"ab\x80", 3), 3);      /* invalid, not cut: kept */
    assert_int_equal(wsi_utf8_trim_tail((const uint8_t *)"ab\xED\xA0", 4), 4);  /* surrogate prefix: kept */
    assert_int_equal(wsi_utf8_trim_tail((const uint8_t *)"", 0), 0);
    assert_string_equal(wsi_hs_verdict_id(WSI_HS_VALID), "valid");
    assert_string_equal(wsi_hs_verdict_id(WSI_HS_NO_ACCEPT), "no-accept");
    assert_string_equal(wsi_hs_verdict_id(WSI_HS_NOT_SEEN), "not-seen");
    assert_string_equal(wsi_hs_verdict_id((enum wsi_hs_verdict)99), "unknown");
    assert_string_equal(wsi_tcp_anomaly_id(WSI_TCP_OOO_LIMIT), "ooo-limit");
    assert_string_equal(wsi_tcp_anomaly_id(WSI_TCP_DATA_AFTER_FIN), "data-after-fin");
    assert_string_equal(wsi_end_reason_id(WSI_END_CAPTURE), "capture");
}

static void test_connmap(void **state)
{
    (void)state;
    struct wsi_connmap m = {0};
    static int vals[5000];
    assert_null(wsi_connmap_get(&m, 1));
    assert_null(wsi_connmap_del(&m, 1));
    for (int i = 0; i < 5000; i++) assert_int_equal(wsi_connmap_put(&m, (uint64_t)i + 1, &vals[i]), 0);
    assert_int_equal(m.n, 5000);
    for (int i = 0; i < 5000; i += 2) assert_ptr_equal(wsi_connmap_del(&m, (uint64_t)i + 1), &vals[i]);
    assert_int_equal(m.n, 2500);
    for (int i = 0; i < 5000; i++)
        assert_ptr_equal(wsi_connmap_get(&m, (uint64_t)i + 1), i % 2 ? &vals[i] : NULL);
    size_t n;
    void **all = wsi_connmap_take_all(&m, &n);
    assert_int_equal(n, 2500);
    assert_int_equal(m.n, 0);
    assert_null(wsi_connmap_get(&m, 2));
    for (size_t i = 0; i < n; i++) assert_ptr_equal(all[i], &vals[2 * i + 1]); /* in id order */
    free(all);

    /* random puts, replacements and removals against a plain array, over ids that collide in
     * runs (a small range, and multiples of a large power of two) */
    static uint64_t ids[600];
    static int *ref[600];
    for (size_t i = 0; i < 600; i++) ids[i] = i < 300 ? i + 1 : (uint64_t)(i - 299) << 40;
    uint64_t r = 88172645463325252ull;
    size_t live = 0;
    for (int step = 0; step < 300000; step++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        size_t i = (size_t)(r % 600);
        if ((r >> 20) % 3) {
            if (!ref[i]) live++;
            ref[i] = &vals[(r >> 32) % 5000];
            assert_int_equal(wsi_connmap_put(&m, ids[i], ref[i]), 0);
        } else {
            assert_ptr_equal(wsi_connmap_del(&m, ids[i]), ref[i]);
            if (ref[i]) live--;
            ref[i] = NULL;
        }
        assert_int_equal(m.n, live);
        if (step % 1000 == 0)
            for (size_t k = 0; k < 600; k++) assert_ptr_equal(wsi_connmap_get(&m, ids[k]), ref[k]);
    }
    assert_int_equal(wsi_connmap_put(&m, 7, NULL), -1); /* no NULL values: NULL marks an empty slot */
    all = wsi_connmap_take_all(&m, &n);
    assert_int_equal(n, live);
    size_t k = 0;
    for (size_t i = 0; i < 600; i++) /* ids[] ascends: the values come in the same order */
        if (ref[i]) assert_ptr_equal(all[k++], ref[i]);
    free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ladder_chat),      cmocka_unit_test(test_ladder_width),
        cmocka_unit_test(test_ladder_color),     cmocka_unit_test(test_ladder_violation),
        cmocka_unit_test(test_ladder_mismatch),  cmocka_unit_test(test_ladder_hexdump),
        cmocka_unit_test(test_ladder_invalid_then_http),
        cmocka_unit_test(test_cut_short),
        cmocka_unit_test(test_ladder_live),
        cmocka_unit_test(test_ladder_tokens_whole), cmocka_unit_test(test_ladder_quoted_cut), cmocka_unit_test(test_ladder_wrap_glue),
        cmocka_unit_test(test_stats_every_view),
        cmocka_unit_test(test_ladder_orphan_frame),
        cmocka_unit_test(test_ladder_line_cap),  cmocka_unit_test(test_ladder_interleaved),
        cmocka_unit_test(test_ladder_pending_cap),
        cmocka_unit_test(test_ladder_edges),     cmocka_unit_test(test_ladder_frames),
        cmocka_unit_test(test_json_chat),        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_json_payload_cap), cmocka_unit_test(test_summary), cmocka_unit_test(test_order_start),
        cmocka_unit_test(test_escape_preview),   cmocka_unit_test(test_human_size), cmocka_unit_test(test_fixed6), cmocka_unit_test(test_escape_each_byte), cmocka_unit_test(test_fixed), cmocka_unit_test(test_human_size_printf),
        cmocka_unit_test(test_escape_preview_passes), cmocka_unit_test(test_ascii_run), cmocka_unit_test(test_plain_run), cmocka_unit_test(test_loss_words),
        cmocka_unit_test(test_utf8_helpers),     cmocka_unit_test(test_utf8_helpers_model),
        cmocka_unit_test(test_endpoint_ipv4),    cmocka_unit_test(test_connmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
