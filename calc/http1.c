/* http1.c - a zero-copy, incremental-safe HTTP/1.x message head parser and header helpers. */
#include "http1.h"

#include "cursor.h"

#include <stddef.h>
#include <string.h>

/*
 * How it works: one pass over the bytes, each read once. A byte-class table
 * says at once whether a byte may stand in a method or header name (tchar), a
 * request target, or a header value or reason phrase; CR and LF belong to no
 * class, so every run stops at a line end, where the line end is recognised.
 * A line ends at its LF, with an optional CR before it. The last line may be
 * incomplete (the bytes so far end in the middle of it); it is then checked
 * as a prefix: if the bytes so far could still become a valid line the answer
 * is HTTP1_PARTIAL, otherwise HTTP1_ERROR at once, so a stream that is not
 * HTTP (TLS, binary) is recognised without waiting for 64 KiB. A CR that is
 * the last byte so far may be the start of a line end, so it is not counted
 * in the line; a CR elsewhere is an ordinary byte of the line.
 */

/* The outcome of checking one line (or the prefix of one). */
enum line_res {
    LINE_OK,      /* a complete, valid line */
    LINE_PARTIAL, /* an incomplete line that is a valid prefix so far */
    LINE_ERROR,   /* cannot be valid; the error string is set */
};

/* Byte classes. */
enum {
    C_TCHAR = 1,  /* RFC 9110 tchar: a method, a header name */
    C_TARGET = 2, /* a request target: VCHAR and obs-text (above 0x20, not DEL) */
    C_FIELD = 4,  /* a header value or reason phrase: HTAB, SP, VCHAR, obs-text */
};

#define TCH (C_TCHAR | C_TARGET | C_FIELD)
#define VCH (C_TARGET | C_FIELD)
static const uint8_t byte_class[256] = {
    ['\t'] = C_FIELD, [' '] = C_FIELD,
    ['!'] = TCH, ['"'] = VCH, ['#'] = TCH, ['$'] = TCH, ['%'] = TCH, ['&'] = TCH, ['\''] = TCH,
    ['('] = VCH, [')'] = VCH, ['*'] = TCH, ['+'] = TCH, [','] = VCH, ['-'] = TCH, ['.'] = TCH, ['/'] = VCH,
    ['0'] = TCH, ['1'] = TCH, ['2'] = TCH, ['3'] = TCH, ['4'] = TCH,
    ['5'] = TCH, ['6'] = TCH, ['7'] = TCH, ['8'] = TCH, ['9'] = TCH,
    [':'] = VCH, [';'] = VCH, ['<'] = VCH, ['='] = VCH, ['>'] = VCH, ['?'] = VCH, ['@'] = VCH,
    ['A'] = TCH, ['B'] = TCH, ['C'] = TCH, ['D'] = TCH, ['E'] = TCH, ['F'] = TCH, ['G'] = TCH,
    ['H'] = TCH, ['I'] = TCH, ['J'] = TCH, ['K'] = TCH, ['L'] = TCH, ['M'] = TCH, ['N'] = TCH,
    ['O'] = TCH, ['P'] = TCH, ['Q'] = TCH, ['R'] = TCH, ['S'] = TCH, ['T'] = TCH, ['U'] = TCH,
    ['V'] = TCH, ['W'] = TCH, ['X'] = TCH, ['Y'] = TCH, ['Z'] = TCH,
    ['['] = VCH, ['\\'] = VCH, [']'] = VCH, ['^'] = TCH, ['_'] = TCH, ['`'] = TCH,
    ['a'] = TCH, ['b'] = TCH, ['c'] = TCH, ['d'] = TCH, ['e'] = TCH, ['f'] = TCH, ['g'] = TCH,
    ['h'] = TCH, ['i'] = TCH, ['j'] = TCH, ['k'] = TCH, ['l'] = TCH, ['m'] = TCH, ['n'] = TCH,
    ['o'] = TCH, ['p'] = TCH, ['q'] = TCH, ['r'] = TCH, ['s'] = TCH, ['t'] = TCH, ['u'] = TCH,
    ['v'] = TCH, ['w'] = TCH, ['x'] = TCH, ['y'] = TCH, ['z'] = TCH,
    ['{'] = VCH, ['|'] = TCH, ['}'] = VCH, ['~'] = TCH,
    /* obs-text: 0x80-0xff */
    [0x80] = VCH, [0x81] = VCH, [0x82] = VCH, [0x83] = VCH, [0x84] = VCH, [0x85] = VCH, [0x86] = VCH, [0x87] = VCH,
    [0x88] = VCH, [0x89] = VCH, [0x8a] = VCH, [0x8b] = VCH, [0x8c] = VCH, [0x8d] = VCH, [0x8e] = VCH, [0x8f] = VCH,
    [0x90] = VCH, [0x91] = VCH, [0x92] = VCH, [0x93] = VCH, [0x94] = VCH, [0x95] = VCH, [0x96] = VCH, [0x97] = VCH,
    [0x98] = VCH, [0x99] = VCH, [0x9a] = VCH, [0x9b] = VCH, [0x9c] = VCH, [0x9d] = VCH, [0x9e] = VCH, [0x9f] = VCH,
    [0xa0] = VCH, [0xa1] = VCH, [0xa2] = VCH, [0xa3] = VCH, [0xa4] = VCH, [0xa5] = VCH, [0xa6] = VCH, [0xa7] = VCH,
    [0xa8] = VCH, [0xa9] = VCH, [0xaa] = VCH, [0xab] = VCH, [0xac] = VCH, [0xad] = VCH, [0xae] = VCH, [0xaf] = VCH,
    [0xb0] = VCH, [0xb1] = VCH, [0xb2] = VCH, [0xb3] = VCH, [0xb4] = VCH, [0xb5] = VCH, [0xb6] = VCH, [0xb7] = VCH,
    [0xb8] = VCH, [0xb9] = VCH, [0xba] = VCH, [0xbb] = VCH, [0xbc] = VCH, [0xbd] = VCH, [0xbe] = VCH, [0xbf] = VCH,
    [0xc0] = VCH, [0xc1] = VCH, [0xc2] = VCH, [0xc3] = VCH, [0xc4] = VCH, [0xc5] = VCH, [0xc6] = VCH, [0xc7] = VCH,
    [0xc8] = VCH, [0xc9] = VCH, [0xca] = VCH, [0xcb] = VCH, [0xcc] = VCH, [0xcd] = VCH, [0xce] = VCH, [0xcf] = VCH,
    [0xd0] = VCH, [0xd1] = VCH, [0xd2] = VCH, [0xd3] = VCH, [0xd4] = VCH, [0xd5] = VCH, [0xd6] = VCH, [0xd7] = VCH,
    [0xd8] = VCH, [0xd9] = VCH, [0xda] = VCH, [0xdb] = VCH, [0xdc] = VCH, [0xdd] = VCH, [0xde] = VCH, [0xdf] = VCH,
    [0xe0] = VCH, [0xe1] = VCH, [0xe2] = VCH, [0xe3] = VCH, [0xe4] = VCH, [0xe5] = VCH, [0xe6] = VCH, [0xe7] = VCH,
    [0xe8] = VCH, [0xe9] = VCH, [0xea] = VCH, [0xeb] = VCH, [0xec] = VCH, [0xed] = VCH, [0xee] = VCH, [0xef] = VCH,
    [0xf0] = VCH, [0xf1] = VCH, [0xf2] = VCH, [0xf3] = VCH, [0xf4] = VCH, [0xf5] = VCH, [0xf6] = VCH, [0xf7] = VCH,
    [0xf8] = VCH, [0xf9] = VCH, [0xfa] = VCH, [0xfb] = VCH, [0xfc] = VCH, [0xfd] = VCH, [0xfe] = VCH, [0xff] = VCH,
};
#undef TCH
#undef VCH

static int is_ows(int ch)
{
    return ch == ' ' || ch == '\t';
}

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/* ASCII lower case, for case-insensitive comparisons. */
static const uint8_t lower_table[256] = {
#define L4(b) (b), (b) + 1, (b) + 2, (b) + 3
#define L16(b) L4(b), L4((b) + 4), L4((b) + 8), L4((b) + 12)
    L16(0x00), L16(0x10), L16(0x20), L16(0x30),
    0x40, L4(0x61), L4(0x65), L4(0x69), L4(0x6d), L4(0x71), L4(0x75), 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    L16(0x60), L16(0x70), L16(0x80), L16(0x90), L16(0xa0), L16(0xb0), L16(0xc0), L16(0xd0), L16(0xe0), L16(0xf0),
#undef L16
#undef L4
};

/*
 * The head being read: its bytes (a cursor over at most HTTP1_MAX_HEAD of
 * them) and the line being checked. The cursor sits at the next unread byte;
 * every byte is read through it once, and a run of bytes of one class is
 * taken in a single step (span).
 */
struct reader {
    struct cursor c;
    const char *line;   /* first byte of the current line */
};

/* How many bytes from the cursor on are all of class `cls` (bounded by the
 * cursor's end). Nothing is consumed. */
static size_t span(const struct cursor *c, unsigned cls)
{
    const uint8_t *p = c->p;
    size_t left = cur_left(c), n = 0;
    while (left - n >= 4 && (byte_class[p[n]] & byte_class[p[n + 1]] & byte_class[p[n + 2]] &
                             byte_class[p[n + 3]] & cls))
        n += 4;
    while (n < left && (byte_class[p[n]] & cls)) n++;
    return n;
}

/* span(c, C_FIELD), eight bytes at a step while none of them is a control
 * character (below 0x20, HTAB included, or DEL); the step with one finishes
 * byte by byte. Header values are most of a head's bytes. */
static size_t span_field(const struct cursor *c)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t left = cur_left(c), n = 0;
    while (left - n >= 8) {
        uint64_t w;
        memcpy(&w, c->p + n, 8);
        /* a byte below 0x20, or a byte equal to 0x7f (exact as a test of presence) */
        uint64_t low = (w - ones * 0x20) & ~w & highs;
        uint64_t x = w ^ (ones * 0x7f);
        uint64_t del = (x - ones) & ~x & highs;
        if (low | del) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            n += (size_t)__builtin_ctzll(low | del) >> 3; /* the first such byte (the lowest flag is exact) */
#endif
            break;
        }
        n += 8;
    }
    while (n < left && (byte_class[c->p[n]] & C_FIELD)) n++;
    return n;
}

/* The byte at the cursor as a byte of the current line, or -1 when the line
 * ends there: at an LF, at a CR followed by its LF, at a CR that is the last
 * byte so far (its LF may follow), or when the bytes run out. */
static int line_byte(const struct cursor *c)
{
    int ch = cur_peek(c, 0);
    if (ch == '\n') return -1;
    if (ch == '\r') {
        int next = cur_peek(c, 1);
        if (next < 0 || next == '\n') return -1;
    }
    return ch;
}

/* At a line end (line_byte gave -1): 1 when the line is complete (its LF is
 * here), 0 when the bytes ran out first. */
static int line_complete(const struct cursor *c)
{
    int ch = cur_peek(c, 0);
    return ch == '\n' || (ch == '\r' && cur_peek(c, 1) == '\n');
}

/* Step over the line end at the cursor (a complete line's CR LF or LF). */
static void skip_line_end(struct cursor *c)
{
    cur_skip(c, cur_peek(c, 0) == '\r' ? 2 : 1);
}

/* Set the error and report it. */
static enum line_res fail(struct http1_head *h, const char *why)
{
    h->error = why;
    return LINE_ERROR;
}

/* The line ran out: fine for an incomplete line, an error for a complete one. */
static enum line_res ran_out(const struct cursor *c, struct http1_head *h, const char *why)
{
    return line_complete(c) ? fail(h, why) : LINE_PARTIAL;
}

/* The line ends at the cursor: LINE_OK (the cursor then past its end) or LINE_PARTIAL. */
static enum line_res line_done(struct cursor *c)
{
    if (!line_complete(c)) return LINE_PARTIAL;
    skip_line_end(c);
    return LINE_OK;
}

/* Match "HTTP/d.d" at the cursor; sets version_minor (-1 unless major is 1). */
static enum line_res parse_version(struct cursor *c, struct http1_head *h)
{
    static const char prefix[] = "HTTP/";
    for (size_t i = 0; i < 5; i++) {
        int ch = line_byte(c);
        if (ch < 0) return ran_out(c, h, "the line ends before the HTTP version");
        if (ch != prefix[i]) return fail(h, "expected an HTTP/1.x version");
        cur_skip(c, 1);
    }
    int major = line_byte(c);
    if (major < 0) return ran_out(c, h, "the HTTP version is cut short");
    if (!is_digit(major)) return fail(h, "the HTTP version is not of the form HTTP/d.d");
    cur_skip(c, 1);
    int dot = line_byte(c);
    if (dot < 0) return ran_out(c, h, "the HTTP version is cut short");
    if (dot != '.') return fail(h, "the HTTP version is not of the form HTTP/d.d");
    cur_skip(c, 1);
    int minor = line_byte(c);
    if (minor < 0) return ran_out(c, h, "the HTTP version is cut short");
    if (!is_digit(minor)) return fail(h, "the HTTP version is not of the form HTTP/d.d");
    cur_skip(c, 1);
    h->version_minor = major == '1' ? minor - '0' : -1;
    return LINE_OK;
}

/* request-line = method SP request-target SP HTTP-version */
static enum line_res parse_request_line(struct cursor *c, struct http1_head *h)
{
    const char *m = (const char *)c->p;
    size_t mlen = span(c, C_TCHAR);
    cur_skip(c, mlen);
    int ch = line_byte(c);
    if (ch < 0) return ran_out(c, h, "the request line has no target or version");
    if (mlen == 0) return fail(h, "the request line does not start with a method");
    if (ch != ' ') return fail(h, "invalid character in the method");
    cur_skip(c, 1);
    h->method.p = m;
    h->method.len = mlen;

    const char *t = (const char *)c->p;
    size_t tlen = span(c, C_TARGET);
    cur_skip(c, tlen);
    ch = line_byte(c);
    if (ch < 0) return ran_out(c, h, "the request line has no HTTP version");
    if (tlen == 0) return fail(h, "the request target is empty");
    if (ch != ' ') return fail(h, "invalid character in the request target");
    cur_skip(c, 1);
    h->target.p = t;
    h->target.len = tlen;

    enum line_res r = parse_version(c, h);
    if (r != LINE_OK) return r;
    if (line_byte(c) >= 0) return fail(h, "unexpected bytes after the HTTP version");
    return line_done(c);
}

/* status-line = HTTP-version SP 3DIGIT [SP reason-phrase] (a missing reason is tolerated) */
static enum line_res parse_status_line(struct cursor *c, struct http1_head *h)
{
    enum line_res r = parse_version(c, h);
    if (r != LINE_OK) return r;
    int ch = line_byte(c);
    if (ch < 0) return ran_out(c, h, "the status line has no status code");
    if (ch != ' ') return fail(h, "expected a space after the HTTP version");
    cur_skip(c, 1);
    int status = 0;
    for (int i = 0; i < 3; i++) {
        ch = line_byte(c);
        if (ch < 0) return ran_out(c, h, "the status code is not three digits");
        if (!is_digit(ch)) return fail(h, "the status code is not three digits");
        status = status * 10 + (ch - '0');
        cur_skip(c, 1);
    }
    if (status < 100) return fail(h, "the status code is below 100");
    h->status = status;
    ch = line_byte(c);
    if (ch >= 0) {
        if (ch != ' ') return fail(h, "the status code is not three digits");
        cur_skip(c, 1);
    }
    const char *rp = (const char *)c->p;
    size_t rlen = span_field(c);
    cur_skip(c, rlen);
    if (line_byte(c) >= 0) return fail(h, "a control character in the reason phrase");
    h->reason.p = rp;
    h->reason.len = rlen;
    return line_done(c);
}

/* Stores a header whose value is v[0..vlen) before its trailing OWS; 0 when the head has no room. */
static int store_header(struct http1_head *h, const char *name, size_t nlen, const char *v, size_t vlen)
{
    while (vlen > 0 && is_ows((unsigned char)v[vlen - 1]))
        vlen--;
    if (h->nheaders >= HTTP1_MAX_HEADERS) return 0;
    struct http1_header *hd = &h->headers[h->nheaders++];
    hd->name.p = name;
    hd->name.len = nlen;
    hd->value.p = v;
    hd->value.len = vlen;
    return 1;
}

/* The usual header line, complete and valid: a name, a colon, OWS, a value of field bytes and
 * the line end (CR LF or LF), all among the bytes so far. Stored and stepped over: 1. Any
 * other line (incomplete, invalid, or the 65th header) is left to parse_header_line's
 * step-by-step checks, which say what is wrong or that more bytes are needed: 0. */
static int header_line_fast(struct cursor *c, struct http1_head *h)
{
    size_t left = cur_left(c);
    const uint8_t *p = c->p;
    size_t nlen = span(c, C_TCHAR);
    if (nlen == 0 || nlen >= left || p[nlen] != ':') return 0;
    size_t i = nlen + 1;
    while (i < left && is_ows(p[i])) i++;
    struct cursor v = *c;
    cur_skip(&v, i);
    size_t vlen = span_field(&v);
    i += vlen;
    size_t end;
    if (i < left && p[i] == '\n') end = i + 1;
    else if (i + 1 < left && p[i] == '\r' && p[i + 1] == '\n') end = i + 2;
    else return 0;
    if (!store_header(h, (const char *)p, nlen, (const char *)p + (i - vlen), vlen)) return 0;
    cur_skip(c, end);
    return 1;
}

/* field-line = field-name ":" OWS field-value OWS; stored when complete. */
static enum line_res parse_header_line(struct cursor *c, struct http1_head *h)
{
    if (header_line_fast(c, h)) return LINE_OK;
    const char *name = (const char *)c->p;
    int ch = line_byte(c);
    if (ch < 0) return LINE_PARTIAL; /* only an incomplete empty line gets here */
    if (is_ows(ch)) return fail(h, "a header line starts with whitespace (obsolete line folding is refused)");
    size_t nlen = span(c, C_TCHAR);
    cur_skip(c, nlen);
    ch = line_byte(c);
    if (ch < 0) return ran_out(c, h, "a header line has no colon");
    if (ch != ':') {
        if (is_ows(ch)) return fail(h, "whitespace between a header name and its colon");
        return fail(h, nlen ? "invalid character in a header name" : "a header line is not of the form Name: value");
    }
    if (nlen == 0) return fail(h, "a header has an empty name");
    cur_skip(c, 1);
    while ((ch = line_byte(c)) >= 0 && is_ows(ch))
        cur_skip(c, 1);
    const char *v = (const char *)c->p;
    size_t vlen = span_field(c);
    cur_skip(c, vlen);
    if (line_byte(c) >= 0) return fail(h, "a control character in a header value");
    if (!line_complete(c)) return LINE_PARTIAL;
    if (!store_header(h, name, nlen, v, vlen)) return fail(h, "too many headers (more than 64)");
    skip_line_end(c);
    return LINE_OK;
}

/* The common driver: start line, header lines, the empty line. */
static long parse_head(const char *buf, size_t len, struct http1_head *h, int is_request)
{
    /* Every field but the header array (only its first nheaders entries are ever set or read). */
    memset(h, 0, offsetof(struct http1_head, headers));
    h->is_request = is_request;
    h->version_minor = -1;
    h->error = NULL;
    if (!buf) len = 0;
    size_t lim = len < HTTP1_MAX_HEAD ? len : HTTP1_MAX_HEAD;
    struct cursor c;
    cur_init(&c, buf, lim);
    enum line_res r;

    /* Empty lines before the start line are ignored (RFC 9112 §2.2). */
    while (line_byte(&c) < 0 && line_complete(&c))
        skip_line_end(&c);
    if (line_byte(&c) < 0) {
        r = LINE_PARTIAL; /* nothing but line ends so far */
    } else {
        r = is_request ? parse_request_line(&c, h) : parse_status_line(&c, h);
        while (r == LINE_OK) {
            if (line_byte(&c) < 0 && line_complete(&c)) {
                /* the empty line: the head ends after it */
                skip_line_end(&c);
                h->error = NULL;
                return (long)(lim - cur_left(&c));
            }
            r = parse_header_line(&c, h);
        }
    }
    if (r == LINE_ERROR) return HTTP1_ERROR;
    /* Out of bytes before the empty line. */
    if (len >= HTTP1_MAX_HEAD) {
        h->error = "the head is larger than 64 KiB";
        return HTTP1_ERROR;
    }
    return HTTP1_PARTIAL;
}

long http1_parse_request(const char *buf, size_t len, struct http1_head *h)
{
    return parse_head(buf, len, h, 1);
}

long http1_parse_response(const char *buf, size_t len, struct http1_head *h)
{
    return parse_head(buf, len, h, 0);
}

/* 1 when a[0..n) equals b[0..n) case-insensitively. */
static int ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower_table[(unsigned char)a[i]] != lower_table[(unsigned char)b[i]]) return 0;
    return 1;
}

/* 1 when the view v equals s[0..n) case-insensitively (n is s's length, taken once by the caller). */
static int view_is(struct http1_str v, const char *s, size_t n)
{
    return v.len == n && ieq_n(v.p, s, n);
}

int http1_str_ieq(struct http1_str v, const char *s)
{
    /* s is read up to its NUL or its first difference, never further, and without strlen */
    const unsigned char *a = (const unsigned char *)v.p, *b = (const unsigned char *)s;
    for (size_t i = 0; i < v.len; i++)
        if (b[i] == '\0' || lower_table[a[i]] != lower_table[b[i]]) return 0;
    return b[v.len] == '\0';
}

const struct http1_header *http1_find(const struct http1_head *h, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < h->nheaders; i++)
        if (view_is(h->headers[i].name, name, n)) return &h->headers[i];
    return NULL;
}

size_t http1_count(const struct http1_head *h, const char *name)
{
    size_t n = strlen(name), k = 0;
    for (size_t i = 0; i < h->nheaders; i++)
        if (view_is(h->headers[i].name, name, n)) k++;
    return k;
}

/* The next element of a comma-separated list starting at *pos, OWS trimmed;
 * returns 0 when the list is exhausted. Empty elements are returned too. */
static int next_element(struct http1_str v, size_t *pos, struct http1_str *el)
{
    if (*pos > v.len) return 0;
    size_t s = *pos, e = s;
    while (e < v.len && v.p[e] != ',')
        e++;
    *pos = e + 1;
    while (s < e && is_ows((unsigned char)v.p[s]))
        s++;
    while (e > s && is_ows((unsigned char)v.p[e - 1]))
        e--;
    el->p = v.p + s;
    el->len = e - s;
    return 1;
}

int http1_token_list_has(struct http1_str v, const char *token)
{
    if (!v.p || !token) return 0;
    size_t pos = 0;
    struct http1_str el;
    size_t n = strlen(token);
    while (next_element(v, &pos, &el))
        if (el.len && view_is(el, token, n)) return 1;
    return 0;
}

/* Parse a decimal Content-Length value ("5", or a list of equal values "5, 5"). */
static long long parse_length(struct http1_str v)
{
    long long val = -1;
    size_t pos = 0;
    struct http1_str el;
    while (next_element(v, &pos, &el)) {
        if (el.len == 0) return -2;
        long long n = 0;
        for (size_t i = 0; i < el.len; i++) {
            unsigned char ch = (unsigned char)el.p[i];
            if (!is_digit(ch)) return -2;
            if (n > (0x7fffffffffffffffLL - (ch - '0')) / 10) return -2; /* would overflow */
            n = n * 10 + (ch - '0');
        }
        if (val >= 0 && n != val) return -2;
        val = n;
    }
    return val < 0 ? -2 : val;
}

long long http1_content_length(const struct http1_head *h)
{
    long long val = -1;
    for (size_t i = 0; i < h->nheaders; i++) {
        if (!view_is(h->headers[i].name, "Content-Length", 14)) continue;
        long long n = parse_length(h->headers[i].value);
        if (n < 0) return -2;
        if (val >= 0 && n != val) return -2;
        val = n;
    }
    return val;
}

int http1_is_chunked(const struct http1_head *h)
{
    /* The last coding of the last Transfer-Encoding header decides. */
    struct http1_str last = {NULL, 0};
    for (size_t i = 0; i < h->nheaders; i++) {
        if (!view_is(h->headers[i].name, "Transfer-Encoding", 17)) continue;
        size_t pos = 0;
        struct http1_str el;
        while (next_element(h->headers[i].value, &pos, &el))
            if (el.len) last = el;
    }
    return last.p != NULL && view_is(last, "chunked", 7);
}
