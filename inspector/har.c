/* har.c - HAR input: each WebSocket entry of a browser's saved session as a connection of the one event stream. */

#include "har.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cursor.h"
#include "http1.h"
#include "session.h"
#include "wsframe.h"

#define DEFAULT_PREVIEW 256
#define SKIP_DEPTH 3            /* levels an unwanted value is walked into before jansson takes it whole */

/* ---- jansson's memory, charged to the budget ------------------------------------------ */

/* jansson allocates through these while a HAR is read: each block carries its size, so what
 * is held is charged and released exactly. No block is refused: jansson 2.14 does not survive
 * a failed allocation everywhere (its lexer goes on after failing to save a byte, then decodes
 * past what it saved), so the budget is kept by what jansson is given to read at a time (see
 * value()) and checked after each value. */
static struct wsi_budget *har_budget;
#define BLOCK_HEAD 16
/* jansson's memory for a value is a few times its text for HAR's strings and objects (a
 * pathological text of empty objects takes tens of times more, for a moment): a value may be
 * at most 1/VALUE_SHARE of the budget left. */
#define VALUE_SHARE 4
#define VALUE_MIN (16u << 10)

static void *har_malloc(size_t n)
{
    if (n > SIZE_MAX - BLOCK_HEAD) return NULL;
    unsigned char *p = malloc(n + BLOCK_HEAD);
    if (!p) return NULL;
    memcpy(p, &n, sizeof n);
    wsi_budget_charge(har_budget, n + BLOCK_HEAD);
    return p + BLOCK_HEAD;
}

static void har_free(void *q)
{
    if (!q) return;
    unsigned char *p = (unsigned char *)q - BLOCK_HEAD;
    size_t n;
    memcpy(&n, p, sizeof n);
    wsi_budget_release(har_budget, n + BLOCK_HEAD);
    free(p);
}

/* ---- the reader's state ------------------------------------------------------------------ */

struct har {
    const char *text;           /* the whole file */
    size_t len;
    const struct wsi_har_opts *o;
    struct wsi_sink sink;
    struct wsi_har_stats *st;
    char *err;                  /* the first problem, said once */
    size_t errsz;
    int failed;
    uint64_t conns;             /* WebSocket entries so far: the connection ids */
};

/* "line L, column C (byte B)" of an offset in the text, 1-based as editors count them. */
static void where(const struct har *h, size_t off, char *buf, size_t bufsz)
{
    size_t line = 1, col = 1;
    if (off > h->len) off = h->len;
    const char *p = h->text, *end = h->text + off;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        line++;
        p = nl + 1;
    }
    col = (size_t)(end - p) + 1;
    snprintf(buf, bufsz, "line %zu, column %zu (byte %zu)", line, col, off);
}

/* The first problem: where it is and what it is. */
static int fail_at(struct har *h, size_t off, const char *what)
{
    if (h->failed) return -1;
    char w[96];
    where(h, off, w, sizeof w);
    snprintf(h->err, h->errsz, "%s: %s", w, what);
    h->failed = 1;
    return -1;
}

static size_t at(const struct har *h, const struct cursor *c) { return (size_t)(c->p - (const uint8_t *)h->text); }

static void skip_ws(struct cursor *c)
{
    int b;
    while ((b = cur_peek(c, 0)) == ' ' || b == '\t' || b == '\r' || b == '\n') cur_skip(c, 1);
}

/* One JSON value at the cursor, by jansson; the cursor moves past it. */
static int value(struct har *h, struct cursor *c, json_t **out)
{
    json_error_t e;
    size_t start = at(h, c), left = cur_left(c), give = left;
    struct wsi_budget *b = h->o->budget;
    *out = NULL;
    if (b && b->limit) {
        /* what jansson may read at once: a share of the budget left (the holders give way first) */
        if (b->used + (uint64_t)left * VALUE_SHARE > b->limit) wsi_budget_enforce(b);
        uint64_t room = b->used < b->limit ? (b->limit - b->used) / VALUE_SHARE : 0;
        if (room < VALUE_MIN) room = VALUE_MIN;
        if (room < left) give = (size_t)room;
    }
    *out = json_loadb((const char *)c->p, give, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &e);
    int too_big = !*out && give < left && e.position >= 0 && (size_t)e.position >= give;
    if (*out && b && b->limit && b->used > b->limit && wsi_budget_enforce(b) == 0 && b->used > b->limit) {
        json_decref(*out); /* it took more than the budget has: let it go */
        *out = NULL;
        too_big = 1;
        e.position = 0;
    }
    if (!*out) {
        char what[240];
        if (too_big || json_error_code(&e) == json_error_out_of_memory)
            snprintf(what, sizeof what, "a value bigger than the memory budget (--max-memory) allows: the rest is not read");
        else if (e.position >= 0 && (size_t)e.position >= cur_left(c))
            snprintf(what, sizeof what, "the JSON ends here: the file is cut short (%s)", e.text);
        else
            snprintf(what, sizeof what, "not valid JSON: %s", e.text);
        return fail_at(h, start + (!too_big && e.position > 0 ? (size_t)e.position : 0), what);
    }
    cur_skip(c, (size_t)e.position);
    return 0;
}

/* Expect one structural character (after white space). */
static int expect(struct har *h, struct cursor *c, int ch, const char *what)
{
    skip_ws(c);
    if (cur_peek(c, 0) == ch) return cur_skip(c, 1) ? 0 : -1;
    char m[160];
    snprintf(m, sizeof m, cur_left(c) ? "not valid JSON: %s expected" : "the JSON ends here: the file is cut short (%s expected)",
             what);
    return fail_at(h, at(h, c), m);
}

typedef int (*member_fn)(struct har *h, void *ctx, const char *key, struct cursor *c);
typedef int (*element_fn)(struct har *h, void *ctx, uint64_t index, struct cursor *c);

/* Walk an object's members: fn consumes each value. */
static int walk_object(struct har *h, struct cursor *c, member_fn fn, void *ctx)
{
    if (expect(h, c, '{', "'{'")) return -1;
    skip_ws(c);
    if (cur_peek(c, 0) == '}') return cur_skip(c, 1) ? 0 : -1;
    for (;;) {
        json_t *k;
        skip_ws(c);
        size_t kat = at(h, c);
        if (value(h, c, &k)) return -1;
        if (!json_is_string(k)) {
            json_decref(k);
            return fail_at(h, kat, "not valid JSON: a member's name must be a string");
        }
        int r = expect(h, c, ':', "':'");
        if (!r) {
            skip_ws(c);
            r = fn(h, ctx, json_string_value(k), c);
        }
        json_decref(k);
        if (r) return -1;
        skip_ws(c);
        int b = cur_peek(c, 0);
        if (b == ',' && cur_skip(c, 1)) continue;
        if (b == '}' && cur_skip(c, 1)) return 0;
        return expect(h, c, '}', "',' or '}'");
    }
}

static int walk_array(struct har *h, struct cursor *c, element_fn fn, void *ctx)
{
    if (expect(h, c, '[', "'['")) return -1;
    skip_ws(c);
    if (cur_peek(c, 0) == ']') return cur_skip(c, 1) ? 0 : -1;
    for (uint64_t i = 0;; i++) {
        skip_ws(c);
        if (fn(h, ctx, i, c)) return -1;
        skip_ws(c);
        int b = cur_peek(c, 0);
        if (b == ',' && cur_skip(c, 1)) continue;
        if (b == ']' && cur_skip(c, 1)) return 0;
        return expect(h, c, ']', "',' or ']'");
    }
}

/* A value not wanted: big arrays and objects are walked a few levels in, so that no more than
 * one of their parts is held at a time; deeper, jansson reads it whole (and bounds its depth). */
static int skip_depth(struct har *h, struct cursor *c, int depth);
static int skip_member(struct har *h, void *ctx, const char *key, struct cursor *c)
{
    (void)key;
    return skip_depth(h, c, *(int *)ctx);
}
static int skip_element(struct har *h, void *ctx, uint64_t i, struct cursor *c)
{
    (void)i;
    return skip_depth(h, c, *(int *)ctx);
}
static int skip_depth(struct har *h, struct cursor *c, int depth)
{
    int b = cur_peek(c, 0), inner = depth - 1;
    if (depth > 0 && b == '{') return walk_object(h, c, skip_member, &inner);
    if (depth > 0 && b == '[') return walk_array(h, c, skip_element, &inner);
    json_t *v;
    if (value(h, c, &v)) return -1;
    json_decref(v);
    return 0;
}

/* ---- small readers of parsed values --------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s;
}

static double jnum(const json_t *o, const char *key, double dflt)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

/* A whole number from -100000 to 100000 (a status, an opcode, a close code), or dflt: a value
 * out of that range or not a number says nothing these fields can mean. */
static int jint(const json_t *o, const char *key, int dflt)
{
    double v = jnum(o, key, NAN);
    return v >= -100000 && v <= 100000 ? (int)v : dflt;
}

/* An ISO 8601 date as HAR writes it ("2025-12-09T13:40:33.004Z", "...266590+00:00"): seconds since
 * the epoch; 0 when it is not one. */
static int iso_time(const char *s, double *out)
{
    int y, mo, d, hh, mi, n = 0;
    double sec;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &hh, &mi, &sec, &n) != 6) return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || !(sec >= 0 && sec < 61)) return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = hh, .tm_min = mi};
    double t = (double)timegm(&tm) + sec;
    const char *z = s + n;
    if (*z == '+' || *z == '-') {
        int oh = 0, om = 0;
        if (sscanf(z + 1, "%2d:%2d", &oh, &om) != 2 && sscanf(z + 1, "%2d%2d", &oh, &om) < 1) return 0;
        t -= (*z == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
    }
    *out = t;
    return 1;
}

/* ---- the URL -------------------------------------------------------------------------------- */

struct url {
    char server[300];     /* "host:port" ("[v6]:port") */
    char host[260];       /* the host alone, without brackets */
    unsigned port;
    const char *target;   /* the path and query (into the URL), "" for none */
    size_t target_len;
};

static void url_parse(const char *u, struct url *out)
{
    memset(out, 0, sizeof *out);
    struct cursor c;
    cur_init(&c, u, strlen(u));
    const char *sep = strstr(u, "://");
    unsigned dflt = 80;
    if (sep) {
        size_t sl = (size_t)(sep - u);
        if ((sl == 3 && strncasecmp(u, "wss", 3) == 0) || (sl == 5 && strncasecmp(u, "https", 5) == 0)) dflt = 443;
        cur_skip(&c, sl + 3);
    }
    /* the authority: up to the path, query or fragment */
    size_t alen = 0;
    int b;
    while ((b = cur_peek(&c, alen)) >= 0 && b != '/' && b != '?' && b != '#') alen++;
    struct cursor a = cur_sub(&c, alen);
    const uint8_t *ap = a.p;
    size_t at_sign = 0; /* after the last '@' (userinfo is not shown) */
    for (size_t i = 0; i < alen; i++)
        if (ap[i] == '@') at_sign = i + 1;
    cur_skip(&a, at_sign);
    size_t hl = 0, rest;
    const uint8_t *hp = a.p;
    if (cur_peek(&a, 0) == '[') {
        while ((b = cur_peek(&a, hl)) >= 0 && b != ']') hl++;
        hp = a.p + 1;
        rest = hl + (b == ']');
        hl = hl ? hl - 1 : 0;
    } else {
        while ((b = cur_peek(&a, hl)) >= 0 && b != ':') hl++;
        rest = hl;
    }
    if (hl >= sizeof out->host) hl = sizeof out->host - 1;
    memcpy(out->host, hp, hl);
    out->host[hl] = '\0';
    cur_skip(&a, rest);
    out->port = dflt;
    if (cur_peek(&a, 0) == ':') {
        unsigned p = 0;
        int digits = 0;
        cur_skip(&a, 1);
        while ((b = cur_peek(&a, 0)) >= '0' && b <= '9' && p < 65536) {
            p = p * 10 + (unsigned)(b - '0');
            digits++;
            cur_skip(&a, 1);
        }
        if (digits && p < 65536) out->port = p;
    }
    int v6 = strchr(out->host, ':') != NULL;
    snprintf(out->server, sizeof out->server, "%s%s%s:%u", v6 ? "[" : "", out->host[0] ? out->host : "?", v6 ? "]" : "",
             out->port);
    /* the target: path and query, without the fragment */
    size_t tl = 0;
    while ((b = cur_peek(&c, tl)) >= 0 && b != '#') tl++;
    out->target = (const char *)c.p;
    out->target_len = c.p ? tl : 0;
    if (!out->target) out->target = "";
}

/* An address (a URL's host or serverIPAddress, brackets allowed) into a wsi_addr; 0 when it is a name. */
static int addr_of(const char *s, struct wsi_addr *a)
{
    char buf[64];
    size_t n = s ? strlen(s) : 0;
    if (n >= sizeof buf || n == 0) return 0;
    if (s[0] == '[' && s[n - 1] == ']') {
        memcpy(buf, s + 1, n - 2);
        buf[n - 2] = '\0';
    } else {
        memcpy(buf, s, n + 1);
    }
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, buf, a->bytes) == 1) a->family = 4;
    else if (inet_pton(AF_INET6, buf, a->bytes) == 1) a->family = 6;
    return a->family != 0;
}

/* ---- one connection ------------------------------------------------------------------------ */

enum clock { CLK_WALL, CLK_MONO_ONLY, CLK_MONO_SHIFTED };

struct hconn {
    struct har *h;
    struct wsi_conn_info ci;
    struct wsi_har_conn hc;
    double start;               /* when the entry started (seconds, on the clock of the events) */
    double last;                /* its latest event */
    int ms;                     /* message times are in milliseconds (Playwright) */
    enum clock clock;
    double shift;               /* added to a message's time (a monotonic clock placed after the response) */
    uint64_t msgs[2], bytes[2], controls[2];
    int shown;
};

static void emit(struct hconn *k, struct wsi_event *ev, enum wsi_side side, double when)
{
    if (!k->shown) return;
    if (!(when > -1e15 && when < 1e15)) when = k->start; /* a time no clock gives: the entry's start */
    double sec = floor(when);
    long long ns = llround((when - sec) * 1e6) * 1000; /* HAR times go to the microsecond */
    if (ns > 999999999) ns = 999999999;
    if (ns < 0) ns = 0;
    ev->conn = k->ci.id;
    ev->side = side;
    ev->packet = 0;
    ev->ts_sec = (int64_t)sec;
    ev->ts_nsec = (uint32_t)ns;
    ev->t = when - k->start;
    ev->ci = &k->ci;
    ev->client_dir = 0;
    ev->har = &k->hc;
    if (when > k->last) k->last = when;
    k->h->sink.event(k->h->sink.self, ev);
}

/* A NOTE of `len` bytes of text (from the file: it may hold NUL bytes). */
static void note_n(struct hconn *k, enum wsi_side side, double when, const char *what, const char *text, size_t len)
{
    struct wsi_event ev = {.kind = WSI_EV_NOTE};
    ev.u.note.what = what;
    ev.u.note.text = text ? text : "";
    ev.u.note.text_len = text ? len : 0;
    emit(k, &ev, side, when);
}

static void note(struct hconn *k, enum wsi_side side, double when, const char *what, const char *text)
{
    note_n(k, side, when, what, text, text ? strlen(text) : 0);
}

/* A message's time on the events' clock. */
static double msg_time(const struct hconn *k, double t)
{
    if (k->ms || t > 1e11) t /= 1000.0; /* milliseconds (seconds would be after the year 5000) */
    return t + k->shift;
}

/* An HTTP head from a HAR's list of headers: views into the parsed JSON (valid while it is). */
static void head_from(struct http1_head *hd, const json_t *headers, int is_request)
{
    memset(hd, 0, sizeof *hd);
    hd->is_request = is_request;
    hd->version_minor = 1;
    size_t i;
    const json_t *x;
    json_array_foreach(headers, i, x) {
        const json_t *n = json_object_get(x, "name"), *v = json_object_get(x, "value");
        if (!json_is_string(n) || !json_is_string(v) || hd->nheaders >= HTTP1_MAX_HEADERS) continue;
        struct http1_header *h = &hd->headers[hd->nheaders++];
        h->name = (struct http1_str){json_string_value(n), json_string_length(n)};
        /* optional white space around the value, as the wire parser removes it */
        const char *p = json_string_value(v);
        size_t len = json_string_length(v);
        while (len && (*p == ' ' || *p == '\t')) p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
        h->value = (struct http1_str){p, len};
    }
}

/* Base64 (standard alphabet, padded) to bytes with libcrypto; -1 when it is not base64. */
static long b64_decode(const char *s, size_t n, uint8_t *out)
{
    if (n == 0) return 0;
    if (n % 4 || n > (size_t)0x7fffffff) return -1;
    int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    if (got < 0) return -1;
    size_t pad = (s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
    return (long)got - (long)pad;
}

/* One element of _webSocketMessages (or a line of Playwright's attached .jsonl). */
static void one_message(struct hconn *k, const json_t *m)
{
    struct har *h = k->h;
    const char *type = jstr(m, "type");
    const json_t *d = json_object_get(m, "data");
    const char *data = json_is_string(d) ? json_string_value(d) : "";
    size_t dlen = json_is_string(d) ? json_string_length(d) : 0;
    double tm = jnum(m, "time", NAN);
    double when = isnan(tm) ? k->last : msg_time(k, tm); /* no time: with the event before */
    int op = jint(m, "opcode", 1);
    h->st->messages++;
    if (!type) type = "";
    if (strcmp(type, "error") == 0 || op == -1) {
        /* an error the browser recorded on the socket ("Invalid frame header", or nothing) */
        h->st->errors++;
        k->hc.errors++;
        note_n(k, WSI_NONE, when, "error", data, dlen);
        return;
    }
    enum wsi_side side;
    if (strcmp(type, "send") == 0 || strcmp(type, "request") == 0) side = WSI_C2S;
    else if (strcmp(type, "receive") == 0 || strcmp(type, "response") == 0) side = WSI_S2C;
    else {
        char t[200];
        snprintf(t, sizeof t, "a message of an unknown type (%.60s): not shown", type);
        note(k, WSI_NONE, when, "error", t);
        return;
    }
    size_t max = h->o->preview_max ? h->o->preview_max : DEFAULT_PREVIEW;
    struct wsi_message msg = {.opcode = (uint8_t)(op >= 0 && op <= 15 ? op : 2), .close_code = -1};
    uint8_t *raw = NULL;
    const uint8_t *bytes = (const uint8_t *)data;
    size_t blen = dlen;
    if (op == WSI_OP_BINARY && dlen) {
        /* binary data is base64 in a HAR */
        raw = har_malloc(dlen / 4 * 3 + 3);
        long got = raw ? b64_decode(data, dlen, raw) : -1;
        if (got >= 0) {
            bytes = raw;
            blen = (size_t)got;
        } else {
            note(k, side, when, "error",
                 raw ? "a binary message's data is not base64: shown as the text it is" : "a binary message is too big for the memory budget: shown as its base64 text");
        }
    }
    msg.len = blen;
    msg.nframes = 0; /* a HAR does not record frames */
    msg.preview = bytes;
    msg.preview_len = blen < max ? blen : max;
    msg.utf8_valid = wsi_utf8_feed(WSI_UTF8_ACCEPT, bytes, blen) == WSI_UTF8_ACCEPT;
    if (msg.opcode == WSI_OP_CLOSE && blen >= 2) {
        msg.close_code = bytes[0] << 8 | bytes[1];
        msg.close_reason = bytes + 2;
        msg.close_reason_len = msg.preview_len - 2;
    }
    struct wsi_event ev = {.kind = WSI_EV_MESSAGE};
    ev.u.msg.m = &msg;
    ev.u.msg.rtt = -1;
    k->msgs[side]++;
    if (msg.opcode >= 8) k->controls[side]++; /* no browser records them; another tool might */
    k->bytes[side] += blen;
    emit(k, &ev, side, when);
    har_free(raw);
}

static int on_message(struct har *h, void *ctx, uint64_t i, struct cursor *c)
{
    (void)i;
    json_t *m;
    if (value(h, c, &m)) return -1;
    if (json_is_object(m)) one_message(ctx, m);
    json_decref(m);
    if (h->o->budget) wsi_budget_enforce(h->o->budget); /* between messages: nothing half-handled */
    return 0;
}

/* The first message's time (to place a monotonic clock), or NAN. */
static int first_time_el(struct har *h, void *ctx, uint64_t i, struct cursor *c)
{
    json_t *m;
    if (value(h, c, &m)) return -1;
    if (i == 0) *(double *)ctx = jnum(m, "time", NAN);
    json_decref(m);
    return 1; /* stop after the first: not a problem */
}

/* Playwright's content "attach": the messages are lines of a .jsonl file beside the HAR. */
static void attached_messages(struct hconn *k, const char *file, double when)
{
    struct har *h = k->h;
    char path[4096], msg[4300];
    if (!h->o->dir) {
        snprintf(msg, sizeof msg, "the messages are in an attached file (%.300s), which is not read from standard input", file);
        note(k, WSI_NONE, when, "failure", msg);
        return;
    }
    if (file[0] == '/' || strstr(file, "..") || strlen(h->o->dir) + strlen(file) + 2 > sizeof path) {
        snprintf(msg, sizeof msg, "the messages are in an attached file (%.300s) outside the HAR's folder: not read", file);
        note(k, WSI_NONE, when, "failure", msg);
        return;
    }
    size_t dl = strlen(h->o->dir);
    memcpy(path, h->o->dir, dl);
    path[dl] = '/';
    memcpy(path + dl + 1, file, strlen(file) + 1);
    char *text = NULL;
    size_t len = 0;
    char err[512];
    if (wsi_har_load(path, h->o->budget, &text, &len, err, sizeof err) != 0) {
        snprintf(msg, sizeof msg, "the messages are in an attached file that cannot be read: %s", err);
        note(k, WSI_NONE, when, "failure", msg);
        return;
    }
    const char *p = text, *end = text + len;
    size_t lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        if (n) {
            json_error_t e;
            json_t *m = json_loadb(p, n, JSON_ALLOW_NUL, &e);
            if (m && json_is_object(m)) one_message(k, m);
            else {
                snprintf(msg, sizeof msg, "%s: line %zu: %s: the rest of the file is not read", file, lineno,
                         m ? "not a message object" : e.text);
                note(k, WSI_NONE, k->last, "failure", msg);
                json_decref(m);
                break;
            }
            json_decref(m);
            if (h->o->budget) wsi_budget_enforce(h->o->budget);
        }
        p += n + (nl != NULL);
    }
    wsi_har_unload(h->o->budget, text, len);
}

/* ---- one entry ----------------------------------------------------------------------------- */

struct entry {
    json_t *obj;                /* its members, but the messages */
    int have_msgs;              /* _webSocketMessages is there */
    int cut;                    /* the entry is not whole (broken or cut-short JSON, the budget): what was read */
    struct cursor msgs;         /* where it starts */
};

static int entry_member(struct har *h, void *ctx, const char *key, struct cursor *c)
{
    struct entry *e = ctx;
    if (strcmp(key, "_webSocketMessages") == 0 && cur_peek(c, 0) == '[') {
        /* read later, one message at a time: only its place is kept now */
        e->have_msgs = 1;
        e->msgs = *c;
        return skip_depth(h, c, 1);
    }
    json_t *v;
    if (value(h, c, &v)) return -1;
    json_object_set_new(e->obj, key, v);
    return 0;
}

/* Is the entry a WebSocket? Chrome and Playwright mark it; else its URL or its upgrade says so. */
static int is_websocket(const json_t *e)
{
    const char *rt = jstr(e, "_resourceType");
    if (rt && strcmp(rt, "websocket") == 0) return 1;
    const json_t *rq = json_object_get(e, "request");
    const char *url = jstr(rq, "url");
    if (url && (strncasecmp(url, "ws://", 5) == 0 || strncasecmp(url, "wss://", 6) == 0)) return 1;
    struct http1_head hd;
    head_from(&hd, json_object_get(rq, "headers"), 1);
    const struct http1_header *up = http1_find(&hd, "Upgrade");
    return up && http1_token_list_has(up->value, "websocket");
}

/* Sum of a HAR timings object's phases before the response (blocked, dns, connect, send, wait), in
 * seconds; -1 phases are unknown (-1: all are: Playwright's WebSocket entries). */
static double until_response(const json_t *e)
{
    const json_t *t = json_object_get(e, "timings");
    static const char *const phase[] = {"blocked", "dns", "connect", "send", "wait"};
    double s = 0;
    int known = 0;
    for (size_t i = 0; i < sizeof phase / sizeof *phase; i++) {
        double v = jnum(t, phase[i], -1);
        if (v >= 0 && v < 1e7) s += v, known = 1; /* Chrome's never-started socket has a wait of days: not a real one */
    }
    return known ? s / 1000.0 : -1;
}

static void websocket_entry(struct har *h, uint64_t index, struct entry *en)
{
    const json_t *e = en->obj;
    const json_t *rq = json_object_get(e, "request"), *rs = json_object_get(e, "response");
    const char *url = jstr(rq, "url");
    struct hconn k = {.h = h};
    struct url u;
    url_parse(url ? url : "", &u);
    h->st->websockets++;
    k.ci.id = ++h->conns;
    k.ci.saw_syn = 1;
    k.ci.port[1] = (uint16_t)u.port;
    if (!addr_of(jstr(e, "serverIPAddress"), &k.ci.addr[1])) addr_of(u.host, &k.ci.addr[1]);
    k.shown = !h->o->only_conn || h->o->only_conn == k.ci.id;
    if (k.shown) h->st->shown++;
    k.hc.entry = index + 1;
    k.hc.url = url ? url : "";
    k.hc.server = u.server;
    k.hc.producer = h->st->producer[0] ? h->st->producer : NULL;
    k.hc.messages_recorded = en->have_msgs;
    k.hc.close_code = -1;

    /* the clocks: the entry's start, and its messages' times (seconds or milliseconds since the
     * epoch, or a monotonic clock when the handshake never happened) */
    double start = 0, first = NAN;
    int wall = iso_time(jstr(e, "startedDateTime"), &start) && start > 315532800.0; /* after 1980 */
    if (en->have_msgs) {
        struct cursor c = en->msgs;
        int was = h->failed;
        walk_array(h, &c, first_time_el, &first);
        h->failed = was; /* a problem there is met again, and said, when the messages are read */
    }
    const json_t *content = json_object_get(rs, "content");
    const char *attached = jstr(content, "_file");
    if (!en->have_msgs && attached) k.hc.messages_from = attached;
    if (first > 1e11) k.ms = 1, first /= 1000.0;
    double resp_at = until_response(e);
    int timed = resp_at >= 0; /* the response's time is recorded */
    if (!timed) resp_at = 0;
    /* Chrome's "wait" of a WebSocket lasts as long as the socket: the 101 came before the first message */
    if (wall && !isnan(first) && first >= start && first - start < resp_at) resp_at = first - start;
    if (!wall) {
        /* no wall-clock start: the messages' own clock, from the first of them */
        k.clock = CLK_MONO_ONLY;
        start = isnan(first) ? 0 : first;
        resp_at = 0;
        k.hc.clock = isnan(first) ? "no time is recorded" : "the browser's monotonic clock (the handshake was never recorded)";
    } else if (!isnan(first) && first < 315532800.0) {
        k.clock = CLK_MONO_SHIFTED;
        k.shift = start + resp_at - first;
        k.hc.clock = "the messages' times are a monotonic clock: placed from the response on";
    }
    if (!(start > -1e15 && start < 1e15)) start = 0; /* a first time no clock gives */
    k.start = k.last = start;

    struct wsi_event ev = {.kind = WSI_EV_CONN};
    emit(&k, &ev, WSI_NONE, start);

    /* the heads, as they were recorded */
    const char *method = jstr(rq, "method");
    const json_t *rqh = json_object_get(rq, "headers");
    int have_rq = (method && *method) || json_array_size(rqh) > 0;
    int status = jint(rs, "status", 0);
    int have_rs = status > 0;
    struct http1_head *req = har_malloc(sizeof *req), *resp = har_malloc(sizeof *resp);
    if (!req || !resp) {
        har_free(req);
        har_free(resp);
        note(&k, WSI_NONE, start, "failure", "the memory budget (--max-memory) is reached: the handshake is not read");
        req = resp = NULL;
        have_rq = have_rs = 0;
    }
    char target[4096];
    snprintf(target, sizeof target, "%s%.*s", u.target_len && u.target[0] == '?' ? "/" : "",
             (int)(u.target_len < 4000 ? u.target_len : 4000), u.target_len ? u.target : "/");
    if (have_rq) {
        head_from(req, rqh, 1);
        req->method = (struct http1_str){method && *method ? method : "GET", method && *method ? strlen(method) : 3};
        req->target = (struct http1_str){target, strlen(target)};
        const struct http1_header *up = http1_find(req, "Upgrade");
        struct wsi_event he = {.kind = WSI_EV_HTTP};
        he.u.http.is_request = 1;
        he.u.http.method = method && *method ? method : "GET";
        he.u.http.target = target;
        he.u.http.upgrade = up && http1_token_list_has(up->value, "websocket");
        he.u.http.body_known = 1;
        he.u.http.waited = -1;
        he.u.http.index = 1;
        emit(&k, &he, WSI_C2S, start);
    }
    const char *reason = jstr(rs, "statusText");
    if (have_rs) {
        head_from(resp, json_object_get(rs, "headers"), 0);
        resp->status = status;
        resp->reason = (struct http1_str){reason ? reason : "", reason ? strlen(reason) : 0};
        struct wsi_event he = {.kind = WSI_EV_HTTP};
        he.u.http.status = status;
        he.u.http.reason = reason ? reason : "";
        he.u.http.upgrade = status == 101;
        he.u.http.body_known = 1;
        he.u.http.waited = have_rq && timed ? resp_at : -1;
        he.u.http.index = 1;
        emit(&k, &he, WSI_S2C, start + resp_at);
    }

    /* the verdict, computed as for a capture */
    struct wsi_event hev = {.kind = WSI_EV_HANDSHAKE};
    struct wsi_handshake_ev *hs = &hev.u.hs;
    struct ws_resp_check rc;
    struct wsi_pmd_params pmd = {0};
    char arena[8192];
    char *a = arena;
    size_t left = sizeof arena;
    wsi_handshake_facts(hs, have_rq ? req : NULL, have_rs ? resp : NULL, &rc, &pmd, &a, &left);
    if (have_rq && have_rs && timed) hs->latency = resp_at;
    if (en->cut && !have_rs) {
        hs->verdict = WSI_HS_NOT_SEEN;
        hs->rule = NULL;
        hs->why = "the HAR is cut short (or broken) before this entry's response: the handshake cannot be read";
    } else if (!have_rs) {
        /* status 0: the browser got no answer; the socket failed */
        hs->verdict = WSI_HS_NO_RESPONSE;
        hs->rule = have_rq ? "RFC 6455 §4.1" : NULL;
        hs->why = have_rq ? "the browser recorded no response (status 0): the socket failed before the upgrade was answered"
                          : "the socket failed before its handshake: the HAR has neither its request headers nor a response (status 0)";
    } else if (!have_rq && status == 101) {
        hs->why = "the HAR has the response but not the request's headers";
    }
    if (k.shown && hs->verdict != WSI_HS_VALID && hs->verdict != WSI_HS_NOT_SEEN) h->st->failed_handshakes++;
    emit(&k, &hev, WSI_NONE, start + resp_at);

    const json_t *fj = json_object_get(rs, "_failureText");
    if (!json_is_string(fj)) fj = json_object_get(rs, "_error");
    if (json_is_string(fj) && json_string_length(fj))
        note_n(&k, WSI_NONE, start + resp_at, "failure", json_string_value(fj), json_string_length(fj));
    if (!en->have_msgs && !attached && have_rs && status == 101) {
        note(&k, WSI_NONE, start + resp_at, "source",
             "this entry records no messages (Firefox and Safari save the handshake only): the messages are not in the HAR");
    }

    /* the messages, one at a time */
    if (en->have_msgs) {
        struct cursor c = en->msgs;
        walk_array(h, &c, on_message, &k);
    } else if (attached) {
        attached_messages(&k, attached, start + resp_at);
    }

    /* how it closed, when the file says (HTTP Toolkit) */
    const json_t *wc = json_object_get(e, "_webSocketClose");
    if (json_is_object(wc)) {
        char t[600];
        const char *why = jstr(wc, "reason");
        int code = jint(wc, "code", -1);
        double ts = jnum(wc, "timestamp", NAN);
        k.hc.close_code = code >= 0 && code <= 65535 ? code : -1;
        k.hc.close_reason = why;
        if (k.hc.close_code >= 0) {
            const char *name = wsi_close_code_name(code);
            snprintf(t, sizeof t, "closed with code %d%s%s%s", code, *name ? " (" : "", name, *name ? ")" : "");
        } else {
            snprintf(t, sizeof t, "closed without a code");
        }
        note(&k, WSI_NONE, isnan(ts) ? k.last : (ts > 1e11 ? ts / 1000.0 : ts), "close", t);
    }

    struct wsi_event ce = {.kind = WSI_EV_CLOSE};
    struct wsi_close_ev *cl = &ce.u.close;
    cl->websocket = (have_rs && status == 101) || k.msgs[0] + k.msgs[1] > 0;
    cl->carries = cl->websocket ? WSI_CARRIES_WEBSOCKET : WSI_CARRIES_HTTP;
    cl->evidence = cl->websocket ? "WebSocket: a HAR entry of a WebSocket" : "a HAR entry of a WebSocket that did not open";
    cl->verdict = hs->verdict;
    cl->handshake = 1;
    cl->close_code[0] = cl->close_code[1] = -1;
    for (int s = 0; s < 2; s++) {
        cl->messages[s] = k.msgs[s];
        cl->controls[s] = k.controls[s];
        cl->bytes[s] = k.bytes[s];
    }
    cl->duration = k.last - k.start;
    emit(&k, &ce, WSI_NONE, k.last);
    har_free(req);
    har_free(resp);
}

static int on_entry(struct har *h, void *ctx, uint64_t index, struct cursor *c)
{
    (void)ctx;
    struct entry en = {0};
    size_t from = at(h, c);
    if (cur_peek(c, 0) != '{') {
        h->st->entries++;
        return skip_depth(h, c, SKIP_DEPTH);
    }
    en.obj = json_object();
    if (!en.obj) return fail_at(h, from, "the memory budget (--max-memory) is reached: the rest is not read");
    int r = walk_object(h, c, entry_member, &en);
    h->st->entries++;
    /* a WebSocket entry cut short still shows what came before the problem (Chrome writes the
     * messages before the request and response) */
    en.cut = r != 0;
    if ((r == 0 || en.have_msgs) && is_websocket(en.obj)) websocket_entry(h, index, &en);
    json_decref(en.obj);
    if (h->o->budget) wsi_budget_enforce(h->o->budget);
    return h->failed ? -1 : r;
}

static int on_log(struct har *h, void *ctx, const char *key, struct cursor *c)
{
    int *saw = ctx;
    if (strcmp(key, "entries") == 0 && cur_peek(c, 0) == '[') {
        saw[0] = 1;
        return walk_array(h, c, on_entry, NULL);
    }
    if (strcmp(key, "creator") == 0 || strcmp(key, "browser") == 0) {
        json_t *v;
        if (value(h, c, &v)) return -1;
        const char *n = jstr(v, "name"), *ver = jstr(v, "version");
        /* the creator names the producer; Firefox and Safari also name the browser */
        if (n && (strcmp(key, "creator") == 0 || !h->st->producer[0]))
            snprintf(h->st->producer, sizeof h->st->producer, "%.80s%s%.60s", n, ver && *ver ? " " : "", ver ? ver : "");
        json_decref(v);
        return 0;
    }
    return skip_depth(h, c, SKIP_DEPTH);
}

static int on_root(struct har *h, void *ctx, const char *key, struct cursor *c)
{
    int *saw = ctx;
    if (strcmp(key, "log") == 0 && cur_peek(c, 0) == '{') {
        saw[1] = 1;
        return walk_object(h, c, on_log, saw);
    }
    return skip_depth(h, c, SKIP_DEPTH);
}

/* ---- the entry points ------------------------------------------------------------------------ */

int wsi_har_sniff(const uint8_t *p, size_t n)
{
    struct cursor c;
    cur_init(&c, p, n);
    if (cur_peek(&c, 0) == 0xEF && cur_peek(&c, 1) == 0xBB && cur_peek(&c, 2) == 0xBF) cur_skip(&c, 3);
    skip_ws(&c);
    return cur_peek(&c, 0) == '{';
}

int wsi_har_load(const char *path, struct wsi_budget *b, char **text, size_t *len, char *err, size_t errsz)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    *text = NULL;
    *len = 0;
    if (!f) {
        snprintf(err, errsz, "%s: %s", name, strerror(errno));
        return -1;
    }
    uint64_t limit = b && b->limit ? b->limit : UINT64_MAX;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > limit / 2) {
        snprintf(err, errsz,
                 "%s: the file is %llu bytes: more than half the memory budget (--max-memory %llu), which holds it "
                 "while it is read; give a larger --max-memory",
                 name, (unsigned long long)st.st_size, (unsigned long long)limit);
        if (!is_stdin) fclose(f);
        return -1;
    }
    size_t cap = 0, n = 0;
    char *buf = NULL;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            if ((uint64_t)ncap > limit / 2 + 1) ncap = (size_t)(limit / 2 + 1);
            if (ncap <= cap) {
                snprintf(err, errsz, "%s: more than half the memory budget (--max-memory %llu): give a larger --max-memory",
                         name, (unsigned long long)limit);
                free(buf);
                if (!is_stdin) fclose(f);
                return -1;
            }
            char *nb = realloc(buf, ncap);
            if (!nb) {
                snprintf(err, errsz, "%s: out of memory", name);
                free(buf);
                if (!is_stdin) fclose(f);
                return -1;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    if (!is_stdin) fclose(f);
    if (bad) {
        snprintf(err, errsz, "%s: read error", name);
        free(buf);
        return -1;
    }
    *text = buf;
    *len = n;
    wsi_budget_charge(b, cap);
    /* what is charged is the capacity: released as such */
    *len = n;
    if (cap > n) {
        char *nb = realloc(buf, n ? n : 1);
        if (nb) *text = nb;
        wsi_budget_release(b, cap - n);
    }
    return 0;
}

void wsi_har_unload(struct wsi_budget *b, char *text, size_t len)
{
    if (!text) return;
    wsi_budget_release(b, len);
    free(text);
}

int wsi_har_read(const char *text, size_t len, const struct wsi_har_opts *o, const struct wsi_sink *sink,
                 struct wsi_har_stats *st, char *err, size_t errsz)
{
    struct har h = {.text = text, .len = len, .o = o, .sink = *sink, .st = st, .err = err, .errsz = errsz};
    int saw[2] = {0, 0}; /* entries, log */
    memset(st, 0, sizeof *st);
    if (errsz) err[0] = '\0';
    har_budget = o->budget;
    json_set_alloc_funcs(har_malloc, har_free);
    struct cursor c;
    cur_init(&c, text, len);
    if (cur_peek(&c, 0) == 0xEF && cur_peek(&c, 1) == 0xBB && cur_peek(&c, 2) == 0xBF) cur_skip(&c, 3);
    int r = walk_object(&h, &c, on_root, saw);
    if (r == 0) {
        skip_ws(&c);
        if (cur_left(&c)) r = fail_at(&h, at(&h, &c), "more after the JSON document's end");
    }
    if (r == 0 && !saw[1]) r = fail_at(&h, 0, "not a HAR: the JSON object has no \"log\"");
    else if (r == 0 && !saw[0]) r = fail_at(&h, 0, "not a HAR: its \"log\" has no \"entries\" list");
    json_set_alloc_funcs(malloc, free);
    har_budget = NULL;
    return h.failed ? -1 : 0;
}
