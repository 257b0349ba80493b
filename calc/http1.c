/* http1.c - a zero-copy, incremental-safe HTTP/1.x message head parser and header helpers. */
#include "http1.h"

#include "cursor.h"

#include <string.h>

/*
 * How it works: the head is cut into lines (LF, with an optional CR before it).
 * Each line is checked with a cursor. The last line may be incomplete (the
 * bytes so far end in the middle of it); it is then checked as a prefix: if the
 * bytes so far could still become a valid line the answer is HTTP1_PARTIAL,
 * otherwise HTTP1_ERROR at once, so a stream that is not HTTP (TLS, binary) is
 * recognised without waiting for 64 KiB.
 */

/* The outcome of checking one line (or the prefix of one). */
enum line_res {
    LINE_OK,      /* a complete, valid line */
    LINE_PARTIAL, /* an incomplete line that is a valid prefix so far */
    LINE_ERROR,   /* cannot be valid; the error string is set */
};

/* One line of the head, without its line end. */
struct line {
    const char *p;  /* first byte */
    size_t len;     /* bytes before the CR LF / LF */
    int complete;   /* 1 when its LF was seen */
};

/* RFC 9110 tchar: the bytes allowed in a method and a header name. */
static int is_tchar(int ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return 1;
    return ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* Bytes allowed in a header value or reason phrase: HTAB, SP, VCHAR, obs-text. */
static int is_field_byte(int ch)
{
    return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

static int is_ows(int ch)
{
    return ch == ' ' || ch == '\t';
}

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static int lower(int ch)
{
    return (ch >= 'A' && ch <= 'Z') ? ch + ('a' - 'A') : ch;
}

/* Take the next line from `c`. A missing LF makes it an incomplete line made
 * of every remaining byte (a final CR is dropped: its LF may follow). */
static void next_line(struct cursor *c, struct line *ln)
{
    size_t left = cur_left(c);
    const char *start = (const char *)c->p;
    const char *lf = left ? memchr(start, '\n', left) : NULL;
    size_t n = lf ? (size_t)(lf - start) : left;
    cur_skip(c, lf ? n + 1 : n);
    ln->p = start;
    ln->complete = lf != NULL;
    if (n > 0 && start[n - 1] == '\r') n--;
    ln->len = n;
}

/* Set the error and report it. */
static enum line_res fail(struct http1_head *h, const char *why)
{
    h->error = why;
    return LINE_ERROR;
}

/* The line ran out: fine for an incomplete line, an error for a complete one. */
static enum line_res ran_out(const struct line *ln, struct http1_head *h, const char *why)
{
    return ln->complete ? fail(h, why) : LINE_PARTIAL;
}

/* Match "HTTP/d.d" at the cursor; sets version_minor (-1 unless major is 1). */
static enum line_res parse_version(struct cursor *c, const struct line *ln, struct http1_head *h)
{
    static const char prefix[] = "HTTP/";
    for (size_t i = 0; i < 5; i++) {
        int ch = cur_peek(c, 0);
        if (ch < 0) return ran_out(ln, h, "the line ends before the HTTP version");
        if (ch != prefix[i]) return fail(h, "expected an HTTP/1.x version");
        cur_skip(c, 1);
    }
    int major = cur_peek(c, 0);
    if (major < 0) return ran_out(ln, h, "the HTTP version is cut short");
    if (!is_digit(major)) return fail(h, "the HTTP version is not of the form HTTP/d.d");
    cur_skip(c, 1);
    int dot = cur_peek(c, 0);
    if (dot < 0) return ran_out(ln, h, "the HTTP version is cut short");
    if (dot != '.') return fail(h, "the HTTP version is not of the form HTTP/d.d");
    cur_skip(c, 1);
    int minor = cur_peek(c, 0);
    if (minor < 0) return ran_out(ln, h, "the HTTP version is cut short");
    if (!is_digit(minor)) return fail(h, "the HTTP version is not of the form HTTP/d.d");
    cur_skip(c, 1);
    h->version_minor = major == '1' ? minor - '0' : -1;
    return LINE_OK;
}

/* request-line = method SP request-target SP HTTP-version */
static enum line_res parse_request_line(const struct line *ln, struct http1_head *h)
{
    struct cursor c;
    cur_init(&c, ln->p, ln->len);
    const char *m = ln->p;
    size_t mlen = 0;
    int ch;
    while ((ch = cur_peek(&c, 0)) >= 0 && is_tchar(ch)) {
        cur_skip(&c, 1);
        mlen++;
    }
    if (ch < 0) return ran_out(ln, h, "the request line has no target or version");
    if (mlen == 0) return fail(h, "the request line does not start with a method");
    if (ch != ' ') return fail(h, "invalid character in the method");
    cur_skip(&c, 1);
    h->method.p = m;
    h->method.len = mlen;

    const char *t = (const char *)c.p;
    size_t tlen = 0;
    while ((ch = cur_peek(&c, 0)) > 0x20 && ch != 0x7f) {
        cur_skip(&c, 1);
        tlen++;
    }
    if (ch < 0) return ran_out(ln, h, "the request line has no HTTP version");
    if (tlen == 0) return fail(h, "the request target is empty");
    if (ch != ' ') return fail(h, "invalid character in the request target");
    cur_skip(&c, 1);
    h->target.p = t;
    h->target.len = tlen;

    enum line_res r = parse_version(&c, ln, h);
    if (r != LINE_OK) return r;
    if (cur_left(&c) != 0) return fail(h, "unexpected bytes after the HTTP version");
    return ln->complete ? LINE_OK : LINE_PARTIAL;
}

/* status-line = HTTP-version SP 3DIGIT [SP reason-phrase] (a missing reason is tolerated) */
static enum line_res parse_status_line(const struct line *ln, struct http1_head *h)
{
    struct cursor c;
    cur_init(&c, ln->p, ln->len);
    enum line_res r = parse_version(&c, ln, h);
    if (r != LINE_OK) return r;
    int ch = cur_peek(&c, 0);
    if (ch < 0) return ran_out(ln, h, "the status line has no status code");
    if (ch != ' ') return fail(h, "expected a space after the HTTP version");
    cur_skip(&c, 1);
    int status = 0;
    for (int i = 0; i < 3; i++) {
        ch = cur_peek(&c, 0);
        if (ch < 0) return ran_out(ln, h, "the status code is not three digits");
        if (!is_digit(ch)) return fail(h, "the status code is not three digits");
        status = status * 10 + (ch - '0');
        cur_skip(&c, 1);
    }
    if (status < 100) return fail(h, "the status code is below 100");
    h->status = status;
    ch = cur_peek(&c, 0);
    if (ch >= 0) {
        if (ch != ' ') return fail(h, "the status code is not three digits");
        cur_skip(&c, 1);
    }
    const char *rp = (const char *)c.p;
    size_t rlen = cur_left(&c);
    for (size_t i = 0; i < rlen; i++)
        if (!is_field_byte(cur_u8(&c))) return fail(h, "a control character in the reason phrase");
    h->reason.p = rp;
    h->reason.len = rlen;
    return ln->complete ? LINE_OK : LINE_PARTIAL;
}

/* field-line = field-name ":" OWS field-value OWS; stored when complete. */
static enum line_res parse_header_line(const struct line *ln, struct http1_head *h)
{
    struct cursor c;
    cur_init(&c, ln->p, ln->len);
    int ch = cur_peek(&c, 0);
    if (ch < 0) return LINE_PARTIAL; /* only an incomplete empty line gets here */
    if (is_ows(ch)) return fail(h, "a header line starts with whitespace (obsolete line folding is refused)");
    size_t nlen = 0;
    while ((ch = cur_peek(&c, 0)) >= 0 && is_tchar(ch)) {
        cur_skip(&c, 1);
        nlen++;
    }
    if (ch < 0) return ran_out(ln, h, "a header line has no colon");
    if (ch != ':') {
        if (is_ows(ch)) return fail(h, "whitespace between a header name and its colon");
        return fail(h, nlen ? "invalid character in a header name" : "a header line is not of the form Name: value");
    }
    if (nlen == 0) return fail(h, "a header has an empty name");
    cur_skip(&c, 1);
    while ((ch = cur_peek(&c, 0)) >= 0 && is_ows(ch))
        cur_skip(&c, 1);
    const char *v = (const char *)c.p;
    size_t vlen = cur_left(&c);
    for (size_t i = 0; i < vlen; i++)
        if (!is_field_byte(cur_u8(&c))) return fail(h, "a control character in a header value");
    if (!ln->complete) return LINE_PARTIAL;
    while (vlen > 0 && is_ows((unsigned char)v[vlen - 1]))
        vlen--;
    if (h->nheaders >= HTTP1_MAX_HEADERS) return fail(h, "too many headers (more than 64)");
    struct http1_header *hd = &h->headers[h->nheaders++];
    hd->name.p = ln->p;
    hd->name.len = nlen;
    hd->value.p = v;
    hd->value.len = vlen;
    return LINE_OK;
}

/* The common driver: start line, header lines, the empty line. */
static long parse_head(const char *buf, size_t len, struct http1_head *h, int is_request)
{
    memset(h, 0, sizeof *h);
    h->is_request = is_request;
    h->version_minor = -1;
    if (!buf) len = 0;
    size_t lim = len < HTTP1_MAX_HEAD ? len : HTTP1_MAX_HEAD;
    struct cursor c;
    cur_init(&c, buf, lim);
    struct line ln;
    enum line_res r;
    int started = 0;

    for (;;) {
        next_line(&c, &ln);
        if (!started) {
            /* Empty lines before the start line are ignored (RFC 9112 §2.2). */
            if (ln.complete && ln.len == 0) continue;
            if (ln.len == 0 && !ln.complete) break;
            r = is_request ? parse_request_line(&ln, h) : parse_status_line(&ln, h);
            started = 1;
        } else if (ln.complete && ln.len == 0) {
            h->error = NULL;
            return (long)(lim - cur_left(&c));
        } else {
            r = parse_header_line(&ln, h);
        }
        if (r == LINE_ERROR) return HTTP1_ERROR;
        if (r == LINE_PARTIAL) break;
    }
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

int http1_str_ieq(struct http1_str v, const char *s)
{
    size_t n = strlen(s);
    if (v.len != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)v.p[i]) != lower((unsigned char)s[i])) return 0;
    return 1;
}

const struct http1_header *http1_find(const struct http1_head *h, const char *name)
{
    for (size_t i = 0; i < h->nheaders; i++)
        if (http1_str_ieq(h->headers[i].name, name)) return &h->headers[i];
    return NULL;
}

size_t http1_count(const struct http1_head *h, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < h->nheaders; i++)
        if (http1_str_ieq(h->headers[i].name, name)) n++;
    return n;
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
    while (next_element(v, &pos, &el))
        if (el.len && http1_str_ieq(el, token)) return 1;
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
        if (!http1_str_ieq(h->headers[i].name, "Content-Length")) continue;
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
        if (!http1_str_ieq(h->headers[i].name, "Transfer-Encoding")) continue;
        size_t pos = 0;
        struct http1_str el;
        while (next_element(h->headers[i].value, &pos, &el))
            if (el.len) last = el;
    }
    return last.p != NULL && http1_str_ieq(last, "chunked");
}
