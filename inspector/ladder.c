/* ladder.c - the ladder renderer: each connection as lesson 05's diagram, printed when it closes. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accept.h"
#include "budget.h"
#include "render.h"

/*
 * Every connection gets a block: a header (endpoints, the handshake's facts and
 * verdict, a traffic summary), then the diagram, one line per thing that
 * happened, with the time since the connection began in a left gutter:
 *
 *     Client                          Server
 *     0.000000 |---- HTTP Upgrade Request GET /chat ->|
 *     0.001234 |<--- 101 Switching Protocols ---------|
 *              |========== WebSocket OPEN ============|
 *
 * Lines are kept per connection and the block is written at WSI_EV_CLOSE, so
 * interleaved connections do not mix. Widths are counted in display columns
 * (UTF-8 characters, wide ones as 2), escape codes not counted.
 */

#define GUTTER 11       /* the time column: "%10s " */
#define GUTTER_ABS 16   /* --time=abs: "HH:MM:SS.ffffff " */
#define TAG 5           /* live: the connection's tag before every line, "#12  " */
#define TOKEN_MAX 64    /* a token this long or shorter is never broken across lines (a SHA-256 in hex) */
#define MIN_WIDTH 40    /* narrower terminals still get 40 columns */
#define DIAG_MAX 100    /* the diagram (rail to rail) never grows wider than this */
#define LABEL_PAD 10    /* columns of an arrow that are not its label */
#define NOTE_INDENT 4   /* annotations start this far right of the gutter */
#define PREVIEW_CHARS 512 /* previews longer than this could never fit a label anyway */
/* Columns of a label set aside for the words around its quoted text ("text ", " (1.2 KiB)";
 * with --frames "[12] text ", " FIN=0 mask 1a2b3c4d (1.2 KiB)"), so that a text is cut at the
 * same length on every arrow of the view, whichever words are around it (up to this many). */
#define AROUND 25
#define AROUND_FRAMES 11   /* more with --frames */
#define AROUND_DEFLATE 8   /* more for a compressed message's " (deflate 59 B -> 193 B)" */
#define QUOTED_MIN 8     /* narrower than this, a text takes what its own arrow leaves */

/* Arrow colours readable on a dark terminal and on a light projector theme alike (cyan and
 * yellow vanish on white, plain blue on black): magenta one way, bold blue the other. */
#define C_C2S "\033[35m"   /* client -> server arrows: magenta */
#define C_S2C "\033[1;34m" /* server -> client arrows: bold blue */
#define C_BAD "\033[31m"   /* violations, failed verdicts: red */
#define C_GOOD "\033[32m"  /* a valid verdict: green */
#define C_BOLD "\033[1m"   /* headings and OPEN/CLOSED bars */
#define C_OFF "\033[0m"
/* live: each connection's tag in a colour of its own, so interleaved lines can be told apart */
static const char *const C_TAGS[] = {"\033[1;35m", "\033[1;34m", "\033[1;32m", "\033[1m"}; /* light and dark themes */

static const char ELLIPSIS[] = "\xE2\x80\xA6"; /* U+2026 */

/* ---- a growable string ---------------------------------------------------- */

struct str {
    char *p;      /* bytes, NUL-terminated when not NULL */
    size_t len;   /* bytes used */
    size_t cap;   /* bytes allocated */
};

/* Room for n more bytes and the NUL; 0 when there is none (out of memory). */
static __attribute__((noinline)) int s_grow(struct str *s, size_t n)
{
    if (n >= SIZE_MAX / 4 - s->len) return 0; /* cannot happen; keeps the sizes below overflow */
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->len + n + 1) cap *= 2;
    char *q = realloc(s->p, cap);
    if (!q) return 0; /* out of memory: the text is lost, nothing else */
    s->p = q;
    s->cap = cap;
    return 1;
}

static inline void s_add(struct str *s, const char *p, size_t n)
{
    if (n >= s->cap - s->len && !s_grow(s, n)) return; /* cap - len: never below 0 */
    memcpy(s->p + s->len, p, n);
    s->len += n;
    s->p[s->len] = '\0';
}

/* A string literal, its length known at compile time. */
#define s_lit(s, lit) s_add((s), "" lit, sizeof(lit) - 1)

static void s_puts(struct str *s, const char *p)
{
    s_add(s, p, strlen(p));
}

static void s_printf(struct str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_printf(struct str *s, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        s_add(s, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s_add(s, big, (size_t)n);
    free(big);
}

/* n times `run`'s character (a run of it, `k` long): the arrows' dashes and the bars' "=". */
static void s_run(struct str *s, const char *run, size_t k, long n)
{
    for (; n > 0; n -= (long)k) s_add(s, run, n < (long)k ? (size_t)n : k);
}

#define RUN32(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
static const char DASHES[] = RUN32("-") RUN32("-") RUN32("-") RUN32("-");
static const char EQUALS[] = RUN32("=") RUN32("=") RUN32("=") RUN32("=");
#define s_dashes(s, n) s_run((s), DASHES, sizeof DASHES - 1, (n))
#define s_equals(s, n) s_run((s), EQUALS, sizeof EQUALS - 1, (n))

/* The common pieces of a line written directly, not through s_printf (vsnprintf
 * costs a thousand instructions a call): "%llu", "%d", "%*s" of "", "%02x". */
static void s_u64(struct str *s, uint64_t v)
{
    char b[20];
    s_add(s, b, (size_t)(wsi_put_u64(b, v) - b));
}

static void s_int(struct str *s, int v)
{
    if (v < 0) {
        s_add(s, "-", 1);
        s_u64(s, (uint64_t)0 - (uint64_t)(int64_t)v);
    } else {
        s_u64(s, (uint64_t)v);
    }
}

static void s_spaces(struct str *s, size_t n)
{
    static const char sp[] = "                                ";
    for (; n > sizeof sp - 1; n -= sizeof sp - 1) s_add(s, sp, sizeof sp - 1);
    s_add(s, sp, n);
}

static void s_hex2(struct str *s, uint8_t v)
{
    static const char hex[] = "0123456789abcdef";
    char b[2] = {hex[v >> 4], hex[v & 15]};
    s_add(s, b, 2);
}

/* " mask xxxxxxxx" */
static void s_mask(struct str *s, const uint8_t m[4])
{
    s_add(s, " mask ", 6);
    for (int i = 0; i < 4; i++) s_hex2(s, m[i]);
}

static void s_clear(struct str *s)
{
    s->len = 0;
    if (s->p) s->p[0] = '\0';
}

static const char *s_get(const struct str *s)
{
    return s->p ? s->p : "";
}

static void s_write(const struct str *s, FILE *f)
{
    if (s->len) fwrite(s->p, 1, s->len, f);
}

/* ---- display columns ------------------------------------------------------ */

/* Columns a code point takes on a terminal: 0 for combining marks, 2 for East
 * Asian wide characters and emoji, 1 for the rest. */
static size_t cp_cols(uint32_t c)
{
    if ((c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) ||
        (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xFE20 && c <= 0xFE2F) ||
        c == 0x200D)
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
        (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
        (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

/* Bytes of the element at s: an ANSI escape sequence (its width 0), a UTF-8
 * character, or one stray byte (width 1). *w gets its width. */
static size_t elem(const char *s, size_t n, size_t *w)
{
    const uint8_t *u = (const uint8_t *)s;
    if (u[0] == 0x1B && n > 1 && u[1] == '[') {
        size_t i = 2;
        while (i < n && !(u[i] >= 0x40 && u[i] <= 0x7E)) i++;
        *w = 0;
        return i < n ? i + 1 : n;
    }
    uint32_t c;
    size_t k = wsi_utf8_next(u, n, &c);
    if (!k) {
        *w = 1;
        return 1;
    }
    *w = cp_cols(c);
    return k;
}

/* Printable ASCII (0x20-0x7E) is one column a byte: the common case, counted
 * without decoding; everything else goes through elem(). */
static int plain_ascii(uint8_t b)
{
    return b >= 0x20 && b <= 0x7E;
}

static size_t cols_n(const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t total = 0, i = 0, w;
    while (i < n) {
        size_t run = i + wsi_ascii_run(u + i, n - i);
        total += run - i;
        i = run;
        if (i < n) {
            i += elem(s + i, n - i, &w);
            total += w;
        }
    }
    return total;
}

/* Bytes of the longest prefix of s (n bytes) that fits in max columns. */
static size_t fit_prefix_w(const char *s, size_t n, size_t max, size_t *cols_used)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t used = 0, i = 0, w;
    while (i < n) {
        if (plain_ascii(u[i])) {
            size_t room = max - used, run = wsi_ascii_run(u + i, n - i < room ? n - i : room);
            if (!run) break;
            used += run;
            i += run;
            continue;
        }
        size_t k = elem(s + i, n - i, &w);
        if (used + w > max) break;
        used += w;
        i += k;
    }
    if (cols_used) *cols_used = used;
    return i;
}

static size_t fit_prefix(const char *s, size_t n, size_t max)
{
    return fit_prefix_w(s, n, max, NULL);
}

/* Append s (n bytes, w columns), cut to at most max columns with "…" when it is wider.
 * Returns the columns appended. */
static size_t s_add_fit_w(struct str *out, const char *s, size_t n, size_t w, size_t max)
{
    if (w <= max) {
        s_add(out, s, n);
        return w;
    }
    if (max == 0) return 0;
    s_add(out, s, fit_prefix_w(s, n, max - 1, &w));
    s_add(out, ELLIPSIS, sizeof ELLIPSIS - 1);
    return w + 1;
}

static size_t s_add_fit(struct str *out, const char *s, size_t n, size_t max)
{
    return s_add_fit_w(out, s, n, cols_n(s, n), max);
}

/* ---- per-connection state ------------------------------------------------- */

/* A violation waiting for the arrow of the frame it concerns. */
struct pend {
    uint64_t off;   /* stream offset of the frame */
    char *text;     /* its lines, each ending in "\n" */
    size_t nlines;  /* how many */
};

/* The handshake's facts, copied (events do not outlive the call). */
struct hs_copy {
    int have;                              /* a HANDSHAKE event was seen */
    char *method, *path, *host, *origin, *version;  /* request facts (NULL: absent) */
    char *server_versions;                 /* the response's Sec-WebSocket-Version (a 426's list) */
    char *protocols_offered, *protocol_selected;     /* Sec-WebSocket-Protocol, both ways */
    char *extensions_offered, *extensions_selected;  /* Sec-WebSocket-Extensions, both ways */
    char *key, *accept, *expected_accept;  /* the key, the Accept sent, the Accept it should be */
    int status;                            /* response status, 0 none */
    char *reason;                          /* response reason phrase */
    enum wsi_hs_verdict verdict;           /* the outcome */
    char *rule, *why;                      /* the RFC rule and a sentence (not for valid) */
    int key_warning;                       /* key is not the base64 of 16 bytes */
    int version_warning;                   /* Sec-WebSocket-Version missing or not 13 */
    int deflate;                           /* permessage-deflate negotiated */
    struct wsi_pmd_params pmd;             /* its parameters (error is a static string) */
    double latency;                        /* request to response, seconds (-1 unknown) */
};

/* What one side (direction) of the connection has shown so far. */
struct lside {
    int end;                   /* enum wsi_end_reason once ended, else 0 */
    uint64_t frames;           /* FRAME events seen */
    int data_open;             /* data frames seen whose message has not come yet */
    uint64_t data_lo, data_hi; /* stream range of those frames */
    uint64_t ctl_lo, ctl_hi;   /* stream range of the last control frame */
    uint64_t drawn_hi;         /* end of the furthest range an arrow was drawn for */
    uint8_t frag_op;           /* frames mode: opcode of the fragmented message going on (0 none) */
    uint64_t ctl_no;           /* frames mode: the number of the control frame being drawn */
    int ctl_masked;            /* ... its MASK bit */
    uint8_t ctl_mask[4];       /* ... and masking key */
    uint8_t frag_z;            /* frames mode: that message is compressed (RSV1 on its first frame only) */
    struct pend *pend;         /* violations waiting for their arrow */
    size_t npend, cappend;     /* entries used, allocated */
};

struct lconn {
    uint64_t id;               /* connection id */
    const char *file;          /* the capture file it is in, when several are read (the session's) */
    struct str body;           /* diagram lines, each ending in "\n" */
    size_t nlines;             /* lines in body */
    uint64_t dropped;          /* events not shown once the line cap was reached */
    uint64_t charged;          /* bytes charged to the memory budget for it */
    size_t pend_bytes;         /* bytes of the waiting violations' text */
    int continued;             /* part of its block was printed early (memory budget) */
    uint64_t frame_no;         /* frames so far, both directions (the N of --explain) */
    int rst_by;                /* whose reset ended the connection: 1 the client, 2 the server, 0 none */
    double prev_t;             /* --time=delta: the time of its previous event (seconds since its start) */
    struct wsi_ladder *l;      /* its ladder */
    int intro;                 /* live: its first line (endpoints, column heads) was printed */
    struct lconn *prev, *next; /* the ladder's list of open blocks */
    size_t pend_lines;         /* lines of the violations waiting for their arrow (counted against the cap) */
    int dropping;              /* the event being handled lost a line to the cap */
    int added;                 /* the event being handled added a line */
    int http;                  /* an HTTP head was seen */
    int upgrade_req;           /* the upgrade request was seen */
    int drew_req, drew_resp;   /* the upgrade request / its response have their arrow */
    int opened;                /* the OPEN bar was drawn */
    int cut_101;               /* a 101 whose head is cut was seen */
    int open_pending;          /* an invalid 101: the OPEN bar waits for a frame (HTTP may follow instead) */
    struct hs_copy hs;         /* handshake facts */
    struct lside sd[2];        /* [WSI_C2S], [WSI_S2C] */
    struct wsi_conn_info ci;   /* endpoints as last seen (for a block printed without its CLOSE) */
    int have_ci;               /* ci is set */
    int client_dir;            /* which reasm direction is the client's, as last seen */
    /* plain HTTP on the connection (polling, long polling, streaming, event streams) */
    uint64_t nreq, nresp;      /* requests; final responses */
    uint64_t nempty;           /* responses with an empty body (e.g. 204: "nothing new") */
    double first_req_t, last_req_t; /* when the first and the latest request were sent */
    double max_wait;           /* longest wait from a request to its response (-1 none) */
    uint64_t nchunks, nevents; /* body chunks, Server-Sent Events */
    char *tls_line;            /* TLS facts ("TLS1.3 TLS_AES_128_GCM_SHA256, SNI x, ALPN y"), or NULL */
    char *tls_why;             /* why (part of) it is not decrypted, or NULL when it all is */
    uint64_t tls_arrows;       /* TLS records drawn (no key log given) */
    int tls_decrypting;        /* decryption is going on */
    char *har_server;          /* read from a HAR: the URL's "host:port" (else NULL) */
};

/* --order=start: a finished block, written out, waiting for the connections begun before it. */
struct done {
    uint64_t id;
    char *text;
    size_t len;
    struct done *next;         /* the next by id */
};

struct wsi_ladder {
    struct wsi_render_opts o;  /* options (out, colour, payload, frames, hexdump) */
    size_t width;              /* columns of every line, gutter included */
    size_t diag;               /* columns of the diagram, rail to rail */
    size_t gw;                 /* columns of the time column (GUTTER, or GUTTER_ABS) */
    struct done *done;         /* --order=start: finished blocks waiting for those begun before, by id */
    uint64_t done_bytes;       /* their bytes, charged to the budget */
    struct wsi_connmap conns;  /* connection id -> struct lconn */
    uint64_t blocks;           /* blocks written (a blank line goes between two) */
    struct str line;           /* scratch: the line being built */
    struct str blk;            /* scratch: notes and header lines being built */
    struct str lab, all;       /* scratch: an arrow's label (arrow3), kept from one arrow to the next */
    struct str pre, suf;       /* scratch: the words before and after a label's text (on_http ... on_message) */
    struct str text;           /* scratch: a note's or a header line's text (on_handshake ... print_block) */
    struct str accept_rule;    /* the header's lines under a valid Accept, wrapped once */
    struct lconn *first;       /* blocks not printed yet, in a list (to find the biggest) */
    uint64_t held;             /* bytes charged for all of them */
    uint64_t early;            /* blocks printed early for the memory budget */
    int have_t0;               /* live: the first event's time is known */
    int64_t t0_sec;            /* live: times are from the first event on, one clock for all connections */
    uint32_t t0_nsec;
    int har_said;              /* what a HAR cannot show was said (once, before its first block) */
};

struct wsi_ladder *wsi_ladder_new(const struct wsi_render_opts *o)
{
    struct wsi_ladder *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->o = *o;
    if (!l->o.out) l->o.out = stdout;
    l->width = o->width > 0 ? (size_t)o->width : 80;
    if (l->width < MIN_WIDTH) l->width = MIN_WIDTH;
    if (l->o.live) l->width = l->width - TAG >= MIN_WIDTH ? l->width - TAG : MIN_WIDTH; /* the tag comes first */
    l->gw = l->o.time_mode == 3 ? GUTTER_ABS : GUTTER;
    l->diag = l->width - l->gw;
    if (l->diag > DIAG_MAX) l->diag = DIAG_MAX;
    return l;
}

#define HS_STRS 16 /* the strings of a struct hs_copy */

/* The places of a handshake copy's strings, in the order of hs_from. */
static void hs_slots(struct hs_copy *h, char **slot[HS_STRS])
{
    char **all[HS_STRS] = {&h->method, &h->path, &h->host, &h->origin, &h->version, &h->server_versions,
                           &h->protocols_offered, &h->protocol_selected, &h->extensions_offered,
                           &h->extensions_selected, &h->key, &h->accept, &h->expected_accept, &h->reason,
                           &h->rule, &h->why};
    memcpy(slot, all, sizeof all);
}

/* The strings of a HANDSHAKE event, in the order of hs_slots. */
static void hs_from(const struct wsi_handshake_ev *h, const char *from[HS_STRS])
{
    const char *all[HS_STRS] = {h->method, h->path, h->host, h->origin, h->version, h->server_versions,
                                h->protocols_offered, h->protocol_selected, h->extensions_offered,
                                h->extensions_selected, h->key, h->accept, h->expected_accept, h->reason,
                                h->rule, h->why};
    memcpy(from, all, sizeof all);
}

static void hs_clear(struct hs_copy *h)
{
    char **slot[HS_STRS], *block = NULL;
    hs_slots(h, slot);
    for (size_t i = 0; i < HS_STRS; i++) {
        if (!block) block = *slot[i]; /* the first string set starts their allocation */
        *slot[i] = NULL;
    }
    free(block);
    h->have = 0;
}

/* Copy the event's strings (NULL stays NULL) into one allocation, in the order of hs_slots: the
 * first one set is where it starts (no pointer of its own: a block's size, charged to the
 * memory budget, stays what it was). */
static void hs_copy_strs(struct hs_copy *k, const struct wsi_handshake_ev *h)
{
    const char *from[HS_STRS];
    char **slot[HS_STRS];
    size_t len[HS_STRS], total = 0;
    hs_from(h, from);
    hs_slots(k, slot);
    for (size_t i = 0; i < HS_STRS; i++) {
        len[i] = from[i] ? strlen(from[i]) + 1 : 0;
        total += len[i];
    }
    char *q = total ? malloc(total) : NULL;
    if (!q) return; /* none, or out of memory: all of them NULL */
    for (size_t i = 0; i < HS_STRS; i++) {
        if (!from[i]) continue;
        memcpy(q, from[i], len[i]);
        *slot[i] = q;
        q += len[i];
    }
}

static void lconn_free(struct lconn *c)
{
    if (c) free(c->har_server);
    if (!c) return;
    free(c->body.p);
    free(c->tls_line);
    free(c->tls_why);
    hs_clear(&c->hs);
    for (int d = 0; d < 2; d++) {
        for (size_t i = 0; i < c->sd[d].npend; i++) free(c->sd[d].pend[i].text);
        free(c->sd[d].pend);
    }
    free(c);
}

/* The index into sd[] of an event's side (a side-less event counts as the client's). */
static int sidx(enum wsi_side s)
{
    return s == WSI_S2C ? 1 : 0;
}

static const char *dir_words(enum wsi_side s)
{
    return s == WSI_S2C ? "server -> client" : s == WSI_C2S ? "client -> server" : "both directions";
}

/* ---- lines ------------------------------------------------------------------ */

/* live: print lines (each ending in "\n") at once, each after the connection's tag. */
static void live_lines(struct wsi_ladder *l, const struct lconn *c, const char *text, size_t len)
{
    FILE *f = l->o.out;
    char tag[32];
    snprintf(tag, sizeof tag, "#%-*llu", TAG - 1, (unsigned long long)c->id);
    const char *on = l->o.color ? C_TAGS[c->id % (sizeof C_TAGS / sizeof C_TAGS[0])] : "", *off = l->o.color ? C_OFF : "";
    for (const char *p = text, *e = text + len; p < e;) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(e - p);
        fprintf(f, "%s%s%s", on, tag, off);
        fwrite(p, 1, n, f);
        if (!nl) fputc('\n', f);
        p += n;
    }
}

/* "Connection N", and "(FILE)" when several captures are read: the first words of a block. */
static void conn_title(struct str *t, uint64_t id, const char *file)
{
    s_lit(t, "Connection ");
    s_u64(t, id);
    if (file) {
        s_lit(t, " (");
        s_puts(t, file);
        s_lit(t, ")");
    }
}

/* The column heads, each over its rail. */
static void column_heads(const struct wsi_ladder *l, struct str *s)
{
    s_spaces(s, l->gw);
    s_lit(s, "Client");
    s_spaces(s, l->diag - 12);
    s_lit(s, "Server\n");
}

/* live: a connection's first line, its endpoints, then the column heads. */
static size_t wrap(const struct wsi_ladder *l, struct str *out, const char *lead, const char *text, const char *on,
                   const char *off, int hard);
static const char *wire(const char *s, char *buf, size_t bufsz);

static void live_intro(struct wsi_ladder *l, struct lconn *c)
{
    char cl[64], sv[64];
    int cd = c->client_dir == 1 ? 1 : 0;
    const struct wsi_conn_info *ci = c->have_ci ? &c->ci : NULL;
    struct str t = {0};
    c->intro = 1;
    if (c->har_server && !l->har_said) {
        /* what a HAR cannot show, once, before its first line */
        struct str n = {0};
        l->har_said = 1;
        wrap(l, &n, "", "From a HAR file: " WSI_HAR_NOT_SHOWN ". To see those, capture the traffic (wsinspect -i).",
             l->o.color ? C_BOLD : "", l->o.color ? C_OFF : "", 0);
        live_lines(l, c, s_get(&n), n.len);
        free(n.p);
    }
    conn_title(&t, c->id, c->file);
    if (c->har_server) s_printf(&t, "  browser -> %s (from the URL)", wire(c->har_server, sv, sizeof sv));
    else s_printf(&t, "  %s -> %s", wsi_endpoint_str(ci, cd, cl), wsi_endpoint_str(ci, 1 - cd, sv));
    if (ci && !ci->saw_syn && !c->har_server) s_lit(&t, "  (capture began mid-connection)");
    s_lit(&t, "\n");
    column_heads(l, &t);
    live_lines(l, c, s_get(&t), t.len);
    free(t.p);
}

/* Add `nlines` finished lines (text ending in "\n") to the body, or drop them all
 * once the cap is reached (the event is then counted as not shown). Live, they are
 * printed at once instead, and nothing is held. */
static void add_lines(struct lconn *c, const char *text, size_t len, size_t nlines)
{
    if (c->l && c->l->o.live) {
        if (!c->intro) live_intro(c->l, c);
        live_lines(c->l, c, text, len);
        c->added = 1;
        return;
    }
    if (c->nlines + nlines > WSI_LADDER_MAX_LINES) {
        c->dropping = 1;
        return;
    }
    s_add(&c->body, text, len);
    c->nlines += nlines;
    c->added = 1;
}

/* Add the scratch line (no newline yet) to the body. */
static void commit_line(struct wsi_ladder *l, struct lconn *c)
{
    s_add(&l->line, "\n", 1);
    add_lines(c, s_get(&l->line), l->line.len, 1);
    s_clear(&l->line);
}

/* Where a line about to be written goes, as add_lines would take it: the body itself (not
 * copied there from the scratch line), the scratch line when it is printed live, or nowhere
 * (NULL) once the cap is reached. line_end finishes it. */
static struct str *line_start(struct wsi_ladder *l, struct lconn *c)
{
    if (c->l && c->l->o.live) return &l->line;
    if (c->nlines + 1 > WSI_LADDER_MAX_LINES) {
        c->dropping = 1;
        return NULL;
    }
    return &c->body;
}

static void line_end(struct wsi_ladder *l, struct lconn *c, struct str *out)
{
    if (out == &l->line) {
        commit_line(l, c);
        return;
    }
    s_lit(out, "\n");
    c->nlines++;
    c->added = 1;
}

/* The gutter: time since the connection began, right-aligned in 10 columns. */
static void gutter(const struct wsi_ladder *l, struct str *s, double t)
{
    char b[32];
    if (l->o.time_mode == 3) {
        /* --time=abs: t is seconds since the local midnight of the packet's day */
        if (!(t >= 0 && t < 86401)) {
            s_printf(s, "%15s ", "?");
            return;
        }
        unsigned long long us = (unsigned long long)llround(t * 1e6);
        unsigned long long sec = us / 1000000u;
        s_printf(s, "%02llu:%02llu:%02llu.%06llu ", sec / 3600 % 24, sec / 60 % 60, sec % 60, us % 1000000u);
        return;
    }
    size_t n = wsi_fixed(t, 6, b);
    if (n) {
        /* "%10s " */
        if (n < 10) s_add(s, "          ", 10 - n);
        s_add(s, b, n);
        s_add(s, " ", 1);
        return;
    }
    if (!(t > -99.0 && t < 1e9)) snprintf(b, sizeof b, "?");
    else if (t < 1000) snprintf(b, sizeof b, "%.6f", t);
    else if (t < 1e6) snprintf(b, sizeof b, "%.3f", t);
    else snprintf(b, sizeof b, "%.0f", t);
    s_printf(s, "%10s ", b);
}

static void blank_gutter(const struct wsi_ladder *l, struct str *s)
{
    s_spaces(s, l->gw);
}

/* Whether wrap_n's pieces of p (n bytes) end at b: at the end, or at a space after a non-space
 * (with seg, two spaces) that does not keep "RFC" with its number or a "§" with what is before. */
static int piece_end(const char *p, size_t n, size_t b, int seg)
{
    if (b == n) return 1;
    if (b == 0 || p[b] != ' ' || p[b - 1] == ' ') return 0;
    if (seg && !(b + 1 < n && p[b + 1] == ' ')) return 0;
    if (b + 1 < n && p[b + 1] != ' ') {
        if (b >= 3 && memcmp(p + b - 3, "RFC", 3) == 0) return 0;
        if (n - (b + 1) >= 2 && memcmp(p + b + 1, "\xC2\xA7", 2) == 0) return 0;
    }
    return 1;
}

/* Word-wrap `text` (tlen bytes) to the ladder's width into out: the first line starts with
 * `lead` (llen bytes, lw columns), the next ones with as many spaces; on/off wrap each line's
 * text (colour). With `seg`, lines break only between segments separated by two spaces. "RFC",
 * its number and a "§" section stay together. A piece wider than a line is broken at its last
 * space that fits, else cut. Returns the number of lines written. */
static size_t wrap_n(const struct wsi_ladder *l, struct str *out, const char *lead, size_t llen, size_t lw,
                     const char *text, size_t tlen, const char *on, const char *off, int seg)
{
    size_t nlines = 0;
    size_t avail = l->width > lw + 8 ? l->width - lw : 8;
    const char *p = text;
    size_t left = tlen; /* bytes from p on */
    int cut_mid = 0; /* the previous line ended inside a run of non-spaces */
    /* A text takes at most a column a byte (wide characters take 3 or 4): one no longer than the
     * line is not measured. */
    if (tlen <= avail || cols_n(text, tlen) <= avail) {
        /* the usual case: it all fits on the first line, which is what the pieces below
         * would find after looking at each of them */
        s_add(out, lead, llen);
        if (*on) s_puts(out, on);
        s_add(out, text, tlen);
        if (*off) s_puts(out, off);
        s_lit(out, "\n");
        return 1;
    }
    do {
        /* the longest run of whole pieces that fits: pieces within the line's first `avail` bytes
         * fit (a column a byte at most) without being measured, up to the last of them found from
         * `avail` back; from the first that ends further, the columns are counted (pieces end at
         * spaces, so they add up to the columns of the text before them) */
        size_t used = 0, end = 0, i = 0, n = left;
        int counted = 0;
        for (i = n < avail ? n : avail; i > 0 && !piece_end(p, n, i, seg); i--) continue;
        end = i;
        while (i < n) {
            size_t ws = i;
            while (ws < n && p[ws] == ' ') ws++;
            size_t we = ws;
            for (;;) {
                while (we < n && !(p[we] == ' ' && (!seg || (we + 1 < n && p[we + 1] == ' ')))) we++;
                int glue = 0; /* keep "RFC 6455 §5.1" in one piece */
                if (we + 1 < n && p[we + 1] != ' ') {
                    if (we - ws >= 3 && memcmp(p + we - 3, "RFC", 3) == 0) glue = 1;
                    if (n - (we + 1) >= 2 && memcmp(p + we + 1, "\xC2\xA7", 2) == 0) glue = 1;
                }
                if (!glue) break;
                we++;
            }
            if (we <= avail) {
                end = i = we;
                continue;
            }
            if (!counted) {
                used = cols_n(p, i);
                counted = 1;
            }
            size_t w = cols_n(p + i, we - i);
            if (used + w > avail) break;
            used += w;
            end = i = we;
        }
        if (end == 0 && n > 0) { /* the first piece alone is too wide */
            /* a token (a key, an Accept, the GUID, a hash: no space in it, at most TOKEN_MAX columns)
             * is never broken, even if its line overflows: students copy it from here. Longer runs
             * (a path off the wire) are broken as before. */
            size_t tok = 0;
            while (tok < n && p[tok] != ' ') tok++;
            if (!cut_mid && cols_n(p, tok) > avail && cols_n(p, tok) <= TOKEN_MAX) {
                end = tok;
            } else {
                end = fit_prefix(p, n, avail);
                size_t sp = end;
                while (sp > 0 && p[sp] != ' ') sp--;
                if (sp > 0 && end < n) end = sp;
            }
            if (end == 0) end = 1; /* never loop forever */
        }
        cut_mid = end < n && p[end] != ' '; /* the next line goes on with the same run */
        if (nlines) s_spaces(out, lw);
        else s_add(out, lead, llen);
        if (*on) s_puts(out, on);
        s_add(out, p, end);
        if (*off) s_puts(out, off);
        s_lit(out, "\n");
        nlines++;
        p += end;
        left -= end;
        while (left && *p == ' ') {
            p++;
            left--;
        }
    } while (left);
    return nlines;
}

static size_t wrap(const struct wsi_ladder *l, struct str *out, const char *lead, const char *text, const char *on,
                   const char *off, int seg)
{
    size_t llen = strlen(lead);
    return wrap_n(l, out, lead, llen, cols_n(lead, llen), text, strlen(text), on, off, seg);
}

/* An annotation line under the diagram ("    ⚠ text"), wrapped, into l->blk. */
static size_t format_note(struct wsi_ladder *l, const char *mark, const char *text, const char *color)
{
    char lead[GUTTER_ABS + NOTE_INDENT + 8]; /* the gutter, the indent, a mark (one character) and a space */
    size_t llen = l->gw + NOTE_INDENT;
    memset(lead, ' ', llen);
    if (mark) {
        size_t k = strlen(mark);
        if (k > 4) k = 4;
        memcpy(lead + llen, mark, k);
        lead[llen + k] = ' ';
        llen += k + 1;
    }
    s_clear(&l->blk);
    return wrap_n(l, &l->blk, lead, llen, cols_n(lead, llen), text, strlen(text), l->o.color && color ? color : "",
                  l->o.color && color ? C_OFF : "", 0);
}

static void note(struct wsi_ladder *l, struct lconn *c, const char *mark, const char *text, const char *color)
{
    size_t n = format_note(l, mark, text, color);
    add_lines(c, s_get(&l->blk), l->blk.len, n);
}

/* A bar across the diagram: |===== text =====| into l->line (gutter included). */
static void bar(struct wsi_ladder *l, const char *text, const char *color)
{
    struct str *t = &l->lab; /* arrow3's scratch */
    size_t inner = l->diag - 2;
    s_clear(t);
    size_t tw = s_add_fit(t, text, strlen(text), inner - 4) + 2;
    size_t left = (inner - tw) / 2;
    blank_gutter(l, &l->line);
    if (l->o.color && color) s_puts(&l->line, color);
    s_lit(&l->line, "|");
    s_equals(&l->line, (long)left);
    s_lit(&l->line, " ");
    s_add(&l->line, s_get(t), t->len);
    s_lit(&l->line, " ");
    s_equals(&l->line, (long)(inner - tw - left));
    s_lit(&l->line, "|");
    if (l->o.color && color) s_puts(&l->line, C_OFF);
}

/* An arrow with its label (already fitted to diag - LABEL_PAD columns). */
static void arrow_w(struct wsi_ladder *l, struct lconn *c, double t, enum wsi_side side, const char *label, size_t len,
                    size_t w)
{
    int right = side != WSI_S2C;
    struct str *out = line_start(l, c);
    if (!out) return;
    gutter(l, out, t);
    if (l->o.color) s_puts(out, right ? C_C2S : C_S2C);
    if (right) {
        s_lit(out, "|---- ");
        s_add(out, label, len);
        s_lit(out, " ");
        s_dashes(out, (long)(l->diag - 9 - w));
        s_lit(out, ">|");
    } else {
        s_lit(out, "|<--- ");
        s_add(out, label, len);
        s_lit(out, " ");
        s_dashes(out, (long)(l->diag - 8 - w));
        s_lit(out, "|");
    }
    if (l->o.color) s_puts(out, C_OFF);
    line_end(l, c, out);
}

/* Characters in s (a byte that is not valid UTF-8 counts as one). */
static size_t count_chars(const uint8_t *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        size_t m = wsi_utf8_next(s + i, n - i, NULL);
        i += m ? m : 1;
    }
    return k;
}

/* The quoted text of an arrow: a payload of `total` bytes, of which `n` are at hand. */
struct quote {
    const uint8_t *p;
    size_t n;
    uint64_t total;
};

/* The escaped preview of q into buf: at most opts.payload characters, "…" when the payload
 * goes on. The arrow shows `room` columns of it at most: when its first room + 1 characters
 * are already wider, they alone are written (cut at room columns, they are cut where the whole
 * preview is). Returns its length; *w gets its columns. */
static size_t preview(const struct wsi_ladder *l, const struct quote *q, size_t room, char *buf, size_t bufsz,
                      size_t *w)
{
    size_t max = l->o.payload_auto || l->o.payload > PREVIEW_CHARS ? PREVIEW_CHARS : l->o.payload;
    const uint8_t *p = q->p;
    size_t n = p ? q->n : 0, k;
    if (n < q->total) n = wsi_utf8_trim_tail(p, n);
    if (room < max && n > room + 1) {
        wsi_escape_preview(p, n, room + 1, 0, buf, bufsz);
        k = strlen(buf);
        if ((*w = cols_n(buf, k)) > room) return k;
    }
    wsi_escape_preview(p, n, max, 1, buf, bufsz);
    k = strlen(buf);
    if (n < q->total && count_chars(p, n) <= max && k + 3 < bufsz) {
        memcpy(buf + k, ELLIPSIS, 4);
        k += 3;
    }
    *w = cols_n(buf, k);
    return k;
}

/* An arrow labelled pre + "quoted" + suf (q and suf may be NULL); when too wide,
 * the quoted preview gives way first, then the whole label is cut. */
static void arrow3(struct wsi_ladder *l, struct lconn *c, double t, enum wsi_side side, const struct str *pre,
                   const struct quote *q, const struct str *suf)
{
    size_t max = l->diag - LABEL_PAD;
    const char *prefix = s_get(pre), *suffix = suf ? s_get(suf) : "";
    size_t plen = pre->len, slen = suf ? suf->len : 0;
    size_t wp = cols_n(prefix, plen), ws = cols_n(suffix, slen);
    /* the quoted text's room: the arrow less a fixed allowance for the words around it, the same
     * on every arrow, so that equal texts are cut equally; on a narrow terminal, what the prefix
     * leaves (the suffix then gives way, cut after the text's closing quote) */
    size_t around = AROUND + (l->o.frames ? AROUND_FRAMES : 0) + (slen && strstr(suffix, " (deflate ") ? AROUND_DEFLATE : 0);
    if (wp + ws > around) around = wp + ws;
    size_t room = max > around + 2 ? max - around - 2 : 0;
    if (room < QUOTED_MIN) room = max > wp + 3 ? max - wp - 3 : 0;
    struct str *all = &l->all;
    s_clear(all);
    s_add(all, prefix, plen);
    /* widths add up: every piece ends with a whole character (our words, escaped wire text) */
    size_t w = wp + ws;
    if (q && room) {
        char pv[PREVIEW_CHARS * 10 + 8];
        size_t qw, k = preview(l, q, room, pv, sizeof pv, &qw);
        s_lit(all, "\"");
        w += s_add_fit_w(all, pv, k, qw, room) + 2;
        s_lit(all, "\"");
    }
    s_add(all, suffix, slen);
    if (w <= max) {
        arrow_w(l, c, t, side, s_get(all), all->len, w);
        return;
    }
    s_clear(&l->lab);
    w = s_add_fit_w(&l->lab, s_get(all), all->len, w, max);
    arrow_w(l, c, t, side, s_get(&l->lab), l->lab.len, w);
}

/* ---- hex dumps ---------------------------------------------------------------- */

/* A hex dump of the first bytes of a payload, under its arrow: offset, hex, ASCII;
 * 16 bytes a row when the width allows, else 8 or 4. */
static void hexdump(struct wsi_ladder *l, struct lconn *c, const uint8_t *p, size_t n, uint64_t total)
{
    if (!l->o.hexdump || !p) return;
    if (n > l->o.payload) n = l->o.payload;
    size_t indent = l->gw + NOTE_INDENT, per = 16;
    while (per > 4 && indent + 8 + 4 * per + (per == 16) > l->width) per /= 2;
    for (size_t off = 0; off < n; off += per) {
        blank_gutter(l, &l->line);
        s_printf(&l->line, "%*s%04zx  ", NOTE_INDENT, "", off);
        for (size_t i = 0; i < per; i++) {
            if (per == 16 && i == 8) s_lit(&l->line, " ");
            if (off + i < n) {
                s_hex2(&l->line, p[off + i]);
                s_lit(&l->line, " ");
            }
            else s_lit(&l->line, "   ");
        }
        s_lit(&l->line, "|");
        for (size_t i = 0; i < per && off + i < n; i++) {
            uint8_t b = p[off + i];
            s_add(&l->line, b >= 0x20 && b < 0x7F ? (const char *)&b : ".", 1);
        }
        s_lit(&l->line, "|");
        commit_line(l, c);
    }
    if (n < total) {
        char sz[32];
        blank_gutter(l, &l->line);
        s_printf(&l->line, "%*s%s %s in all", NOTE_INDENT, "", ELLIPSIS, wsi_human_size(total, sz));
        commit_line(l, c);
    }
}

/* "0.4 ms", "85 µs", "1.25 s" */
static const char *fmt_secs(double s, char buf[32])
{
    size_t k;
    /* the number without printf when wsi_fixed can write it as printf would */
    if (!(s >= 0) || s > 1e12) snprintf(buf, 32, "?");
    else if (s < 0.0001) {
        if ((k = wsi_fixed(s * 1e6, 0, buf))) memcpy(buf + k, " \xC2\xB5s", 5);
        else snprintf(buf, 32, "%.0f \xC2\xB5s", s * 1e6);
    } else if (s < 1) {
        if ((k = wsi_fixed(s * 1e3, 1, buf))) memcpy(buf + k, " ms", 4);
        else snprintf(buf, 32, "%.1f ms", s * 1e3);
    } else {
        if ((k = wsi_fixed(s, 2, buf))) memcpy(buf + k, " s", 3);
        else snprintf(buf, 32, "%.2f s", s);
    }
    return buf;
}

/* A string from the wire, escaped for the terminal (NULL stays NULL). */
static const char *wire(const char *s, char *buf, size_t bufsz)
{
    if (!s) return NULL;
    size_t n = strlen(s);
    /* the usual case: nothing to escape, and whole in the buffer, so the escaped string is s */
    if (n <= 1024 && n < bufsz && wsi_plain_run((const uint8_t *)s, n) == n) return s;
    return wsi_escape_preview((const uint8_t *)s, n, 1024, 1, buf, bufsz);
}

/* Append a string from the wire (not NULL), escaped as wire() escapes it into a[1100]: as it is
 * when there is nothing to escape, without measuring it again. */
static void s_wire(struct str *t, const char *s)
{
    char buf[1100];
    size_t n = strlen(s);
    if (n <= 1024 && n < sizeof buf && wsi_plain_run((const uint8_t *)s, n) == n) s_add(t, s, n);
    else s_puts(t, wsi_escape_preview((const uint8_t *)s, n, 1024, 1, buf, sizeof buf));
}

/* ---- violations waiting for their arrow -------------------------------------- */

/* Write the waiting violations of side d whose frame lies in [lo, hi) (or all of
 * them when all is set) under the arrow just drawn. */
static void flush_pending(struct lconn *c, int d, uint64_t lo, uint64_t hi, int all)
{
    struct lside *s = &c->sd[d];
    size_t keep = 0;
    for (size_t i = 0; i < s->npend; i++) {
        struct pend *p = &s->pend[i];
        if (all || (p->off >= lo && p->off < hi)) {
            c->pend_lines -= p->nlines;
            c->pend_bytes -= strlen(p->text) + 1;
            add_lines(c, p->text, strlen(p->text), p->nlines);
            free(p->text);
        } else {
            s->pend[keep++] = *p;
        }
    }
    s->npend = keep;
}

/* Keep l->blk (a formatted note of n lines) until the arrow of the frame at off. */
static void stash(struct wsi_ladder *l, struct lconn *c, int d, uint64_t off, size_t n)
{
    struct lside *s = &c->sd[d];
    if ((l->o.live ? 0 : c->nlines) + c->pend_lines + n > WSI_LADDER_MAX_LINES) {
        /* a message that never ends could hold its violations without bound: the cap holds
         * for them too, and they are counted in the "more not shown" line */
        c->dropping = 1;
        return;
    }
    if (s->npend == s->cappend) {
        size_t cap = s->cappend ? s->cappend * 2 : 8;
        struct pend *q = realloc(s->pend, cap * sizeof *q);
        if (!q) return;
        s->pend = q;
        s->cappend = cap;
    }
    char *text = strdup(s_get(&l->blk));
    if (!text) return;
    s->pend[s->npend++] = (struct pend){.off = off, .text = text, .nlines = n};
    c->pend_lines += n;
    c->pend_bytes += strlen(text) + 1;
}

/* Before an arrow for frames starting at lo: violations about earlier frames that
 * never got an arrow of their own (a continuation joining no message...), except
 * those of a data message still being assembled. */
static void flush_stale(struct lconn *c, int d, uint64_t lo)
{
    struct lside *s = &c->sd[d];
    size_t keep = 0;
    for (size_t i = 0; i < s->npend; i++) {
        struct pend *p = &s->pend[i];
        if (p->off < lo && !(s->data_open && p->off >= s->data_lo)) {
            c->pend_lines -= p->nlines;
            c->pend_bytes -= strlen(p->text) + 1;
            add_lines(c, p->text, strlen(p->text), p->nlines);
            free(p->text);
        } else {
            s->pend[keep++] = *p;
        }
    }
    s->npend = keep;
}

/* After an arrow for the frames [lo, hi) of side d: its violations. */
static void drawn(struct lconn *c, int d, uint64_t lo, uint64_t hi)
{
    struct lside *s = &c->sd[d];
    flush_pending(c, d, lo, hi, s->frames == 0);
    if (hi > s->drawn_hi) s->drawn_hi = hi;
}

/* ---- events ------------------------------------------------------------------ */

static void on_http(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev)
{
    const struct wsi_http_ev *h = &ev->u.http;
    char b[1100], sz[32], tm[32];
    struct str pre = l->pre, suf = l->suf; /* the ladder's scratch, given back below */
    s_clear(&pre);
    s_clear(&suf);
    if (!c->http) c->max_wait = -1;
    c->http = 1;
    if (h->is_request) {
        if (h->upgrade) {
            s_lit(&pre, "HTTP Upgrade Request ");
            c->upgrade_req = c->drew_req = 1;
        }
        if (h->method) s_wire(&pre, h->method);
        else s_lit(&pre, "?");
        s_lit(&pre, " ");
        if (h->target) s_wire(&pre, h->target);
        else s_lit(&pre, "?");
        /* polling: how long since the previous request on this connection */
        if (c->nreq) {
            s_lit(&suf, " (+");
            s_puts(&suf, fmt_secs(ev->t - c->last_req_t, tm));
            s_lit(&suf, ")");
        }
        else c->first_req_t = ev->t;
        c->nreq++;
        c->last_req_t = ev->t;
    } else {
        s_int(&pre, h->status);
        if (h->reason && *h->reason) {
            s_lit(&pre, " ");
            s_wire(&pre, h->reason);
        }
        if (c->upgrade_req) c->drew_resp = 1;
        if (h->status >= 200 || h->status == 101) c->nresp++;
        if (h->status >= 200 && h->body_known && h->body_len == 0) {
            c->nempty++;
            s_lit(&suf, " (empty)");
        }
        if (h->content_type && strncmp(h->content_type, "text/event-stream", 17) == 0) s_lit(&suf, " event-stream");
        if (h->content_encoding) s_printf(&suf, " %s-encoded", wire(h->content_encoding, b, sizeof b));
        if (h->chunked) s_lit(&suf, " chunked");
        if (h->waited >= 0 && h->status != 101) {
            s_lit(&suf, " after ");
            s_puts(&suf, fmt_secs(h->waited, tm));
            if (h->waited > c->max_wait) c->max_wait = h->waited;
        }
    }
    if (h->body_len) {
        s_lit(&suf, " + ");
        s_puts(&suf, wsi_human_size(h->body_len, sz));
        s_lit(&suf, " body");
    }
    if (h->head_cut) s_printf(&suf, " (head cut: %s captured)", wsi_human_size(h->head_cut, sz));
    if (h->head_cut && !h->is_request && h->status == 101) c->cut_101 = 1;
    arrow3(l, c, ev->t, ev->side == WSI_NONE ? (h->is_request ? WSI_C2S : WSI_S2C) : ev->side, &pre, NULL, &suf);
    l->pre = pre;
    l->suf = suf;
}

/* HTTP streaming: one arrow per chunk of a chunked body. */
static void on_chunk(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev)
{
    const struct wsi_chunk_ev *k = &ev->u.chunk;
    char sz[32];
    struct str pre = l->pre;
    s_clear(&pre);
    c->nchunks++;
    struct str suf = l->suf;
    s_clear(&suf);
    s_printf(&pre, "chunk %s", wsi_human_size(k->size, sz));
    uint64_t content = k->size;
    struct quote q, *quoted = NULL;
    if (k->coding && !k->decoded) {
        s_printf(&suf, " (%s, not decoded)", k->coding);
    } else {
        if (k->coding) {
            content = k->decoded_len;
            s_printf(&suf, " (%s -> %s)", k->coding, wsi_human_size(k->decoded_len, sz));
        }
        s_lit(&pre, " ");
        q = (struct quote){k->preview, k->preview_len, content};
        quoted = &q;
    }
    arrow3(l, c, ev->t, ev->side, &pre, quoted, &suf);
    l->pre = pre;
    l->suf = suf;
    hexdump(l, c, k->preview, k->preview_len, content);
}

/* Server-Sent Events: one arrow per event. */
static void on_sse(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev)
{
    const struct wsi_sse_ev *e = &ev->u.sse;
    char a[300];
    struct str pre = l->pre, suf = l->suf; /* the ladder's scratch, given back below */
    s_clear(&pre);
    s_clear(&suf);
    struct quote q, *quoted = NULL;
    if (!e->dispatched) {
        /* fields only (retry, id): applied by the browser, but no event fires */
        s_lit(&pre, "event-stream fields");
        if (e->id) s_printf(&pre, " id=%s", wire(e->id, a, sizeof a));
        if (e->retry >= 0) s_printf(&pre, " retry=%ld ms", e->retry);
        s_lit(&suf, " (no data: not dispatched)");
        arrow3(l, c, ev->t, ev->side, &pre, NULL, &suf);
        l->pre = pre;
        l->suf = suf;
        return;
    }
    c->nevents++;
    s_printf(&pre, "event %s", wire(e->event, a, sizeof a));
    if (e->id) s_printf(&pre, " id=%s", wire(e->id, a, sizeof a));
    if (e->data_len || e->data_total) {
        s_lit(&pre, " ");
        q = (struct quote){(const uint8_t *)e->data, e->data_len, e->data_total};
        quoted = &q;
    }
    if (e->retry >= 0) s_printf(&suf, " retry=%ld ms", e->retry);
    if (e->comments) s_printf(&suf, " (+%llu comment%s)", (unsigned long long)e->comments, e->comments > 1 ? "s" : "");
    arrow3(l, c, ev->t, ev->side, &pre, quoted, &suf);
    l->pre = pre;
    l->suf = suf;
}

static void on_handshake(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev)
{
    const struct wsi_handshake_ev *h = &ev->u.hs;
    struct hs_copy *k = &c->hs;
    hs_clear(k);
    k->have = 1;
    hs_copy_strs(k, h);
    k->status = h->status;
    k->verdict = h->verdict;
    k->key_warning = h->key_warning;
    k->version_warning = h->version_warning;
    k->deflate = h->deflate;
    if (h->pmd) k->pmd = *h->pmd;
    k->latency = h->latency;

    /* The arrows, when the HTTP heads did not come as events of their own. */
    if (!c->drew_req && h->path && h->verdict != WSI_HS_NOT_SEEN) {
        struct str pre = l->pre;
        s_clear(&pre);
        s_lit(&pre, "HTTP Upgrade Request GET ");
        s_wire(&pre, h->path);
        arrow3(l, c, ev->t, WSI_C2S, &pre, NULL, NULL);
        l->pre = pre;
        c->drew_req = c->upgrade_req = 1;
    }
    if (!c->drew_resp && h->status > 0) {
        struct str pre = l->pre;
        s_clear(&pre);
        s_int(&pre, h->status);
        if (h->reason && *h->reason) s_lit(&pre, " ");
        if (h->reason) s_wire(&pre, h->reason);
        arrow3(l, c, ev->t, WSI_S2C, &pre, NULL, NULL);
        l->pre = pre;
        c->drew_resp = 1;
    }

    struct str t = l->text; /* the ladder's scratch, given back below */
    s_clear(&t);
    switch (h->verdict) {
    case WSI_HS_VALID:
        /* live, the verdict is news now: the facts come only at the connection's end */
        if (l->o.live)
            note(l, c, "\xE2\x9C\x93", "handshake valid: Sec-WebSocket-Accept is the base64 SHA-1 of the key and the GUID (RFC 6455 \xC2\xA7" "4.2.2)", C_GOOD); /* ✓ */
        break;
    case WSI_HS_NOT_SEEN:
        break;
    case WSI_HS_NO_RESPONSE:
        s_puts(&t, ev->har ? "handshake: the browser recorded no response (status 0): the socket failed"
                           : "handshake: no response to the upgrade request in the capture");
        break;
    default:
        s_printf(&t, "handshake %s", wsi_hs_verdict_id(h->verdict));
        if (h->why) s_printf(&t, ": %s", h->why); /* our prose, not wire bytes */
        if (h->rule) s_printf(&t, " (%s)", h->rule);
        break;
    }
    if (t.len) note(l, c, "\xE2\x9C\x97", s_get(&t), C_BAD); /* ✗ */
    l->text = t;
    if (h->key_warning)
        note(l, c, "\xE2\x9A\xA0", "Sec-WebSocket-Key is not the base64 of 16 bytes (RFC 6455 \xC2\xA7" "4.1)",
             C_BAD); /* ⚠ */

    if (c->opened) return;
    if (h->verdict == WSI_HS_NOT_SEEN) {
        bar(l, "WebSocket (open before the capture began)", C_BOLD);
        commit_line(l, c);
        c->opened = 1;
    } else if (h->status == 101 && h->verdict != WSI_HS_REFUSED && h->verdict != WSI_HS_NO_RESPONSE &&
               h->verdict != WSI_HS_BAD_101) { /* a bad 101 does not switch protocols (nor does the session) */
        if (h->verdict == WSI_HS_VALID) {
            bar(l, "WebSocket OPEN", C_BOLD);
            commit_line(l, c);
            c->opened = 1;
        } else {
            c->open_pending = 1; /* drawn by the first frame; more HTTP cancels it */
        }
    }
}

/* After an invalid 101 the connection is WebSocket only once a frame comes. */
static void open_if_pending(struct wsi_ladder *l, struct lconn *c)
{
    if (!c->open_pending) return;
    c->open_pending = 0;
    if (c->opened) return;
    bar(l, "WebSocket OPEN (handshake invalid)", C_BOLD);
    commit_line(l, c);
    c->opened = 1;
}

/* Track the stream ranges of frames (both modes); draw data frames in frames mode. */
static void on_frame(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev)
{
    const struct wsi_frame_ev *fe = &ev->u.frame;
    const struct wsi_frame *f = fe->f;
    int d = sidx(ev->side);
    struct lside *s = &c->sd[d];
    if (!f) return;
    uint64_t lo = f->offset, hi = f->offset + f->hdr_len + f->len;
    s->frames++;
    c->frame_no++;
    if (f->opcode >= 8) {
        s->ctl_lo = lo;
        s->ctl_hi = hi;
        s->ctl_no = c->frame_no;
        s->ctl_masked = f->masked;
        memcpy(s->ctl_mask, f->mask, 4);
        return; /* control frames are drawn from their message (close code, rtt) */
    }
    /* A continuation with no message open joins none: no message arrow will come,
     * so it gets an arrow of its own in both modes. */
    int orphan = f->opcode == WSI_OP_CONT && !s->data_open;
    if (!orphan) {
        if (!s->data_open) {
            s->data_open = 1;
            s->data_lo = lo;
        }
        s->data_hi = hi;
    }
    if (!l->o.frames && !orphan) return;

    int op = f->opcode;
    int textish = op == WSI_OP_TEXT || (op == WSI_OP_CONT && s->frag_op == WSI_OP_TEXT);
    /* RFC 7692 §6.1: only a message's first frame carries RSV1; its continuations are
     * compressed bytes too, never text to quote. */
    int compressed = op == WSI_OP_CONT ? s->frag_op && s->frag_z : (f->rsv & 4) && c->hs.deflate;
    if (op == WSI_OP_TEXT || op == WSI_OP_BINARY) {
        s->frag_op = f->fin ? 0 : (uint8_t)op;
        s->frag_z = (uint8_t)compressed;
    } else if (op == WSI_OP_CONT && f->fin) {
        s->frag_op = 0;
    }

    char sz[32];
    struct str pre = l->pre, suf = l->suf; /* the ladder's scratch, given back below */
    s_clear(&pre);
    s_clear(&suf);
    /* the frame's number (--explain N) and its header, field by field (lesson 07) */
    if (l->o.frames) {
        s_lit(&pre, "[");
        s_u64(&pre, c->frame_no);
        s_lit(&pre, "] ");
    }
    s_puts(&pre, wsi_opcode_name((unsigned)op));
    s_lit(&pre, " ");
    int quoted = textish && !compressed && f->len > 0;
    struct quote q = {fe->preview, fe->preview_len, f->len};
    if (!quoted) {
        s_u64(&pre, f->len); /* exact: the length field's value */
        s_lit(&pre, " B");
        if (f->len >= 10240) {
            s_lit(&pre, " (");
            s_puts(&pre, wsi_human_size(f->len, sz));
            s_lit(&pre, ")");
        }
    }
    if (quoted && (uint64_t)fe->preview_len < f->len) {
        s_lit(&suf, " ");
        s_u64(&suf, f->len);
        s_lit(&suf, " B");
    }
    if (!f->fin) s_lit(&suf, " FIN=0");
    for (int b = 0; b < 3; b++)
        if (f->rsv & (4 >> b)) s_puts(&suf, b == 0 ? " RSV1" : b == 1 ? " RSV2" : " RSV3");
    if (l->o.frames && f->len7 >= 126) s_puts(&suf, f->len7 == 126 ? " len16" : " len64");
    if (l->o.frames && f->masked) s_mask(&suf, f->mask);
    if (compressed) s_lit(&suf, " (compressed)");
    if (orphan) s_lit(&suf, " (joins no message)");
    flush_stale(c, d, lo);
    arrow3(l, c, ev->t, ev->side, &pre, quoted ? &q : NULL, &suf);
    l->pre = pre;
    l->suf = suf;
    drawn(c, d, lo, hi);
    hexdump(l, c, fe->preview, fe->preview_len, f->len);
}

static void on_message(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev)
{
    const struct wsi_message *m = ev->u.msg.m;
    int d = sidx(ev->side);
    struct lside *s = &c->sd[d];
    if (!m) return;
    int control = m->opcode >= 8;
    uint64_t lo = control ? s->ctl_lo : s->data_lo, hi = control ? s->ctl_hi : s->data_hi;
    if (!control) s->data_open = 0;
    if (l->o.frames && !control && !ev->har) return; /* its frames were drawn (a HAR has none) */

    char sz[32], tm[32];
    struct str pre = l->pre, suf = l->suf; /* the ladder's scratch, given back below */
    s_clear(&pre);
    s_clear(&suf);
    struct quote q, *quoted = NULL;
    if (l->o.frames && control && s->ctl_no) {
        s_lit(&pre, "[");
        s_u64(&pre, s->ctl_no);
        s_lit(&pre, "] ");
    }
    s_puts(&pre, wsi_opcode_name(m->opcode));
    const struct wsi_message_ev *me = &ev->u.msg;
    const uint8_t *hx = m->preview;
    size_t hxlen = m->preview_len;
    uint64_t hxtotal = m->len;
    if (me->inflated && me->plain) {
        /* permessage-deflate: show what the application sent, and the sizes on the wire and inflated */
        if (m->opcode == WSI_OP_TEXT) {
            s_lit(&pre, " ");
            q = (struct quote){me->plain, me->plain_len, me->plain_total};
            quoted = &q;
        } else {
            s_lit(&pre, " ");
            s_puts(&pre, wsi_human_size(me->plain_total, sz));
        }
        /* exact bytes: that compression can grow a message (100000 B -> 100036 B) is the lesson;
         * a binary message's rounded size is already before them */
        s_lit(&suf, " (deflate ");
        s_u64(&suf, m->len);
        s_lit(&suf, " B -> ");
        s_u64(&suf, me->plain_total);
        s_puts(&suf, me->plain_cut ? " B+, cut)" : " B)");
        hx = me->plain;
        hxlen = me->plain_len;
        hxtotal = me->plain_total;
    } else if (me->inflated) {
        s_printf(&pre, " %s", wsi_human_size(m->len, sz));
        s_printf(&suf, " (compressed; does not inflate: %s)", me->inflate_error ? me->inflate_error : "?");
    } else switch (m->opcode) {
    case WSI_OP_TEXT:
        if (m->rsv1) {
            s_lit(&pre, " ");
            s_puts(&pre, wsi_human_size(m->len, sz));
            s_lit(&suf, " (compressed)");
        } else {
            s_lit(&pre, " ");
            q = (struct quote){m->preview, m->preview_len, m->len};
            quoted = &q;
            if (m->len > l->o.payload || m->preview_len < m->len) {
                s_lit(&suf, " (");
                s_puts(&suf, wsi_human_size(m->len, sz));
                s_lit(&suf, ")");
            }
        }
        break;
    case WSI_OP_CLOSE:
        if (m->close_code >= 0) {
            const char *name = wsi_close_code_name(m->close_code);
            s_lit(&pre, " ");
            s_int(&pre, m->close_code);
            if (*name) {
                s_lit(&pre, " (");
                s_puts(&pre, name);
                s_lit(&pre, ")");
            }
        } else {
            s_lit(&pre, " (no status code)");
        }
        if (m->close_reason && m->close_reason_len) {
            s_lit(&pre, " ");
            q = (struct quote){m->close_reason, m->close_reason_len, m->close_reason_len};
            quoted = &q;
        }
        break;
    case WSI_OP_PING:
    case WSI_OP_PONG:
        if (m->len) {
            s_lit(&pre, " ");
            q = (struct quote){m->preview, m->preview_len, m->len};
            quoted = &q;
        }
        if (m->opcode == WSI_OP_PONG && ev->u.msg.rtt >= 0) {
            s_lit(&suf, " (rtt ");
            s_puts(&suf, fmt_secs(ev->u.msg.rtt, tm));
            s_lit(&suf, ")");
        }
        break;
    default: /* binary and reserved opcodes */
        s_lit(&pre, " ");
        s_puts(&pre, wsi_human_size(m->len, sz));
        if (m->rsv1) s_lit(&suf, " (compressed)");
        break;
    }
    if (l->o.frames && control && s->ctl_masked)
        s_mask(&suf, s->ctl_mask);
    if (m->nframes > 1) {
        s_lit(&suf, " (");
        s_u64(&suf, m->nframes);
        s_lit(&suf, " frames)");
    }
    if (m->incomplete) s_lit(&suf, " [incomplete]");
    flush_stale(c, d, lo);
    arrow3(l, c, ev->t, ev->side, &pre, quoted, &suf);
    l->pre = pre;
    l->suf = suf;
    drawn(c, d, lo, hi);
    hexdump(l, c, hx, hxlen, hxtotal);
}

static void on_violation(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev)
{
    const struct wsi_violation_ev *v = &ev->u.viol;
    int d = sidx(ev->side);
    struct lside *s = &c->sd[d];
    char a[1100];
    struct str t = l->text; /* the ladder's scratch, given back below */
    s_clear(&t);
    s_printf(&t, "%s: %s", wsi_violation_section(v->v), wsi_violation_text(v->v));
    if (v->detail && *v->detail) s_printf(&t, " (%s)", wire(v->detail, a, sizeof a));
    size_t n = format_note(l, "\xE2\x9A\xA0", s_get(&t), C_BAD); /* ⚠ */
    l->text = t;
    /* A frame whose arrow is already drawn gets its mark now; else it waits for it. */
    if (v->offset < s->drawn_hi && !(s->data_open && v->offset >= s->data_lo))
        add_lines(c, s_get(&l->blk), l->blk.len, n);
    else
        stash(l, c, d, v->offset, n);
}

static void on_other(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev)
{
    char a[1100];
    struct str t = l->text; /* the ladder's scratch, given back below */
    s_clear(&t);
    int d = sidx(ev->side);
    switch (ev->kind) {
    case WSI_EV_GAP:
        s_printf(&t, "gap: %llu bytes missing (%s)", (unsigned long long)ev->u.gap.len, dir_words(ev->side));
        break;
    case WSI_EV_TCP:
        s_printf(&t, "tcp %s (%s)", wsi_tcp_anomaly_id(ev->u.tcp.kind), dir_words(ev->side));
        if (ev->u.tcp.detail && *ev->u.tcp.detail) s_printf(&t, ": %s", wire(ev->u.tcp.detail, a, sizeof a));
        break;
    case WSI_EV_LOST:
        flush_pending(c, d, 0, 0, 1);
        s_printf(&t, "lost (%s) from stream offset %llu", dir_words(ev->side), (unsigned long long)ev->u.lost.offset);
        if (ev->u.lost.why && *ev->u.lost.why) s_printf(&t, ": %s", wire(ev->u.lost.why, a, sizeof a));
        break;
    case WSI_EV_TLS: {
        const struct wsi_tls_ev *te = &ev->u.tls;
        if (te->info) {
            /* the facts go in the header; the diagram says once when the hellos are seen */
            const struct wsi_tls_info *i = te->info;
            struct str f = {0};
            s_printf(&f, "%s %s", *i->version ? i->version : "(version not seen)", *i->cipher ? i->cipher : "");
            if (*i->sni) s_printf(&f, ", SNI %s", i->sni);
            if (*i->alpn_selected) s_printf(&f, ", ALPN %s", i->alpn_selected);
            else if (*i->alpn_offered) s_printf(&f, ", ALPN offered %s", i->alpn_offered);
            int first = c->tls_line == NULL;
            free(c->tls_line);
            c->tls_line = strdup(s_get(&f));
            free(f.p);
            free(c->tls_why);
            c->tls_why = i->why_not ? strdup(i->why_not) : NULL;
            c->tls_decrypting = i->decrypting;
            if (first)
                s_printf(&t, "TLS hellos: %s%s", c->tls_line ? c->tls_line : "",
                         i->decrypting ? " (decrypted with the key log)" : " (encrypted)");
        } else if (te->records) {
            /* what an observer without keys sees: the record's kind, size and time */
            const struct wsi_tls_burst *b = te->records;
            char tb[24], hb[600];
            struct str lab = l->pre; /* the ladder's scratch, given back below */
            s_clear(&lab);
            s_printf(&lab, "TLS %s", wsi_tls_type_name(b->type, tb));
            if (b->count > 1) s_printf(&lab, " x%llu", (unsigned long long)b->count);
            s_printf(&lab, " %llu B", (unsigned long long)b->bytes);
            if (b->handshake && *b->handshake)
                s_printf(&lab, ": %s", wire(b->handshake, hb, sizeof hb));
            else if (b->encrypted)
                s_lit(&lab, " (encrypted)");
            c->tls_arrows++;
            arrow3(l, c, ev->t, ev->side, &lab, NULL, NULL);
            l->pre = lab;
        } else if (te->alert) {
            s_printf(&t, "TLS alert (%s): %s", dir_words(ev->side), wire(te->alert, a, sizeof a));
        } else if (te->error) {
            s_printf(&t, "TLS (%s): %s", dir_words(ev->side), wire(te->error, a, sizeof a));
        }
        break;
    }
    case WSI_EV_NOTE: {
        /* a fact the HAR records: an error on the socket, its failure, its close */
        const char *w = ev->u.note.what ? ev->u.note.what : "";
        size_t tl = ev->u.note.text ? ev->u.note.text_len : 0;
        const char *txt = wsi_escape_preview((const uint8_t *)(tl ? ev->u.note.text : ""), tl, 1024, 1, a, sizeof a);
        if (strcmp(w, "error") == 0) {
            s_lit(&t, "the browser recorded an error");
            if (tl) s_printf(&t, ": \"%s\"", txt);
            else s_lit(&t, " (without a text)");
        } else if (strcmp(w, "failure") == 0) {
            s_printf(&t, "the socket failed: %s", txt);
        } else {
            s_printf(&t, "%s", txt);
            if (strcmp(w, "close") == 0) s_lit(&t, ", as the file records it (the close frames are not in a HAR)");
        }
        note(l, c, strcmp(w, "close") == 0 || strcmp(w, "source") == 0 ? NULL : "\xE2\x9C\x97",
             s_get(&t), strcmp(w, "close") == 0 || strcmp(w, "source") == 0 ? NULL : C_BAD); /* ✗ */
        l->text = t;
        return;
    }
    case WSI_EV_END:
        flush_pending(c, d, 0, 0, 1);
        /* a reset ends both directions, the sender's first */
        if (ev->u.end.why == WSI_END_RST && !c->rst_by && ev->side != WSI_NONE) c->rst_by = ev->side == WSI_C2S ? 1 : 2;
        if (ev->side != WSI_NONE) c->sd[d].end = (int)ev->u.end.why;
        else c->sd[0].end = c->sd[1].end = (int)ev->u.end.why;
        break;
    default:
        break;
    }
    if (t.len) note(l, c, NULL, s_get(&t), NULL);
    l->text = t;
}

/* ---- the block ------------------------------------------------------------------ */

/* One header line "  Label       value" (value wrapped), into l->blk. */
static void fact_to(const struct wsi_ladder *l, struct str *out, const char *label, const char *value, const char *on)
{
    char lead[32];
    /* "  %-11s " (labels are ours, ASCII, shorter than the buffer) */
    size_t k = strlen(label);
    if (k > sizeof lead - 4) k = sizeof lead - 4;
    memset(lead, ' ', sizeof lead);
    memcpy(lead + 2, label, k);
    size_t llen = 2 + (k < 11 ? 11 : k) + 1;
    wrap_n(l, out, lead, llen, llen, value, strlen(value), l->o.color && on ? on : "", l->o.color && on ? C_OFF : "", 0);
}

static void fact(struct wsi_ladder *l, const char *label, const char *value, const char *on)
{
    fact_to(l, &l->blk, label, value, on);
}

/* A header value: the escaped string, or "(none)". */
static void s_val(struct str *t, const char *s)
{
    if (s) s_wire(t, s);
    else s_lit(t, "(none)");
}

static const char *val(const char *s, char *buf, size_t bufsz)
{
    return s ? wire(s, buf, bufsz) : "(none)";
}

static void close_words(struct str *t, int code)
{
    if (code < 0) {
        s_lit(t, "none");
    } else if (code == 0) {
        s_lit(t, "empty (no status code)");
    } else {
        const char *name = wsi_close_code_name(code);
        s_int(t, code);
        if (*name) {
            s_lit(t, " (");
            s_puts(t, name);
            s_lit(t, ")");
        }
    }
}

/* The header block of a connection into l->blk. */
static void header(struct wsi_ladder *l, const struct lconn *c, const struct wsi_event *ev)
{
    const struct wsi_close_ev *ce = &ev->u.close;
    const struct hs_copy *h = &c->hs;
    char cl[64], sv[64], a[1100], e[1100], tm[32], sz[32], sz2[32];
    int cd = ev->client_dir == 1 ? 1 : 0;
    struct str t = l->text; /* the ladder's scratch, given back below */
    s_clear(&t);

    conn_title(&t, ev->conn, c->file ? c->file : ev->file);
    if (ev->har)
        s_printf(&t, "  browser -> %s (from the URL)  HAR entry %llu  %.3f s", wire(ev->har->server, a, sizeof a),
                 (unsigned long long)ev->har->entry, ce->duration >= 0 && ce->duration < 1e12 ? ce->duration : 0.0);
    else {
        double du = ce->duration >= 0 && ce->duration < 1e12 ? ce->duration : 0.0;
        char d3[32];
        s_lit(&t, "  ");
        s_puts(&t, wsi_endpoint_str(ev->ci, cd, cl));
        s_lit(&t, " -> ");
        s_puts(&t, wsi_endpoint_str(ev->ci, 1 - cd, sv));
        s_lit(&t, "  packets ");
        s_u64(&t, ce->first_packet);
        s_lit(&t, "-");
        s_u64(&t, ce->last_packet);
        s_lit(&t, "  ");
        if (wsi_fixed(du, 3, d3)) s_puts(&t, d3); /* "%.3f" */
        else s_printf(&t, "%.3f", du);
        s_lit(&t, " s");
    }
    if (ev->ci && !ev->ci->saw_syn && !ev->har) s_lit(&t, "  (capture began mid-connection)");
    if (c->continued) s_lit(&t, "  (continued from above)");
    if (!ce->websocket && ev->har)
        s_lit(&t, "  no WebSocket");
    else if (!ce->websocket)
        s_puts(&t, ce->carries == WSI_CARRIES_UPGRADE_OTHER ? "  HTTP, then another protocol after a 101 (not decoded)"
                   : c->cut_101 ? "  HTTP, then a 101 whose head is cut (what followed is not decoded)"
                                : "  HTTP, no WebSocket");
    wrap(l, &l->blk, "", s_get(&t), l->o.color ? C_BOLD : "", l->o.color ? C_OFF : "", 1);
    s_clear(&t);

    if (ev->har) {
        fact(l, "URL", wire(ev->har->url, a, sizeof a), NULL);
        if (ev->har->producer) fact(l, "Recorded by", wire(ev->har->producer, a, sizeof a), NULL);
        if (ev->har->messages_from) {
            s_printf(&t, "in the attached file %s", wire(ev->har->messages_from, a, sizeof a));
            fact(l, "Messages", s_get(&t), NULL);
            s_clear(&t);
        }
        if (ev->har->clock) fact(l, "Times", ev->har->clock, NULL); /* our prose */
    }
    if (c->tls_line) {
        fact(l, "TLS", c->tls_line, NULL);
        fact(l, "", c->tls_why ? c->tls_why : "decrypted with the key log (--keylog)", NULL);
    }
    if (c->nreq > 1 || (c->http && !h->have)) {
        char ta[32], tb[32];
        s_u64(&t, c->nreq);
        s_puts(&t, c->nreq == 1 ? " request, " : " requests, ");
        s_u64(&t, c->nresp);
        s_puts(&t, c->nresp == 1 ? " response" : " responses");
        if (c->nempty) s_printf(&t, " (%llu empty)", (unsigned long long)c->nempty);
        if (c->nreq > 1) {
            s_lit(&t, ", one every ");
            s_puts(&t, fmt_secs((c->last_req_t - c->first_req_t) / (double)(c->nreq - 1), ta));
            s_lit(&t, " on average");
        }
        if (c->max_wait >= 0) {
            s_lit(&t, ", longest wait ");
            s_puts(&t, fmt_secs(c->max_wait, tb));
        }
        if (c->nchunks) s_printf(&t, ", %llu chunks", (unsigned long long)c->nchunks);
        if (c->nevents) s_printf(&t, ", %llu events", (unsigned long long)c->nevents);
        fact(l, "HTTP", s_get(&t), NULL);
        s_clear(&t);
    }
    if (h->have && h->verdict == WSI_HS_NOT_SEEN && !ev->har) {
        fact(l, "Handshake", "not captured: the capture began after it", NULL);
    } else if (h->have && ev->har && !h->method && h->status <= 0) {
        fact(l, "Handshake", "not recorded: the socket failed before it (no request headers, status 0)", C_BAD);
    } else if (h->have) {
        if (h->method) s_wire(&t, h->method);
        else s_lit(&t, "GET");
        s_lit(&t, " ");
        s_val(&t, h->path);
        fact(l, "Request", s_get(&t), NULL);
        s_clear(&t);
        fact(l, "Host", val(h->host, a, sizeof a), NULL);
        fact(l, "Origin", val(h->origin, a, sizeof a), NULL);
        fact(l, "Version", val(h->version, a, sizeof a), NULL);
        if (h->version_warning)
            fact(l, "", "\xE2\x9A\xA0 must be 13 (RFC 6455 \xC2\xA7" "4.1 item 9)", C_BAD);
        if (h->server_versions) {
            /* a server refusing a version says which it speaks (426 Upgrade Required, RFC 6455 §4.4) */
            s_printf(&t, "the server speaks %s (its Sec-WebSocket-Version, RFC 6455 \xC2\xA7" "4.4)",
                     val(h->server_versions, a, sizeof a));
            fact(l, "", s_get(&t), NULL);
            s_clear(&t);
        }
        /* offered and selected on lines of their own: extension values hold ';' */
        s_lit(&t, "offered: ");
        s_val(&t, h->protocols_offered);
        fact(l, "Protocols", s_get(&t), NULL);
        s_clear(&t);
        s_lit(&t, "selected: ");
        s_val(&t, h->protocol_selected);
        fact(l, "", s_get(&t), NULL);
        s_clear(&t);
        s_lit(&t, "offered: ");
        s_val(&t, h->extensions_offered);
        fact(l, "Extensions", s_get(&t), NULL);
        s_clear(&t);
        s_lit(&t, "selected: ");
        s_val(&t, h->extensions_selected);
        fact(l, "", s_get(&t), NULL);
        s_clear(&t);
        fact(l, "Key", h->key ? wire(h->key, a, sizeof a) : "missing", NULL);
        if (h->key_warning) fact(l, "", "\xE2\x9A\xA0 not the base64 of 16 bytes (RFC 6455 \xC2\xA7" "4.1)", C_BAD);

        /* Accept and the verdict */
        const char *acc = h->accept ? wire(h->accept, a, sizeof a) : "missing";
        const char *on = NULL;
        switch (h->verdict) {
        case WSI_HS_VALID:
            s_puts(&t, acc);
            s_lit(&t, "  \xE2\x9C\x93 valid"); /* ✓ */
            on = C_GOOD;
            break;
        case WSI_HS_MISMATCH:
            s_printf(&t, "\xE2\x9C\x97 MISMATCH: expected %s, sent %s", val(h->expected_accept, e, sizeof e), acc);
            if (h->rule) s_printf(&t, " (%s)", h->rule);
            on = C_BAD;
            break;
        case WSI_HS_NO_ACCEPT:
            s_printf(&t, "missing  \xE2\x9C\x97");
            if (h->rule) s_printf(&t, " (%s)", h->rule);
            on = C_BAD;
            break;
        default:
            s_puts(&t, h->accept ? acc : "(none)");
            break;
        }
        fact(l, "Accept", s_get(&t), on);
        s_clear(&t);
        if (h->verdict == WSI_HS_VALID) {
            /* the same lines under every valid Accept: wrapped once */
            if (!l->accept_rule.len)
                fact_to(l, &l->accept_rule, "", "= base64(SHA-1(Key + \"" WS_GUID "\")), RFC 6455 \xC2\xA7" "4.2.2", NULL);
            s_add(&l->blk, s_get(&l->accept_rule), l->accept_rule.len);
        }
        if (h->verdict != WSI_HS_VALID) {
            s_printf(&t, "\xE2\x9C\x97 %s", wsi_hs_verdict_id(h->verdict));
            if (h->why) s_printf(&t, ": %s", h->why);
            if (h->rule && h->verdict != WSI_HS_MISMATCH && h->verdict != WSI_HS_NO_ACCEPT)
                s_printf(&t, " (%s)", h->rule);
            fact(l, "Verdict", s_get(&t), C_BAD);
            s_clear(&t);
        }
        if (h->status > 0) {
            s_int(&t, h->status);
            if (h->reason && *h->reason) s_lit(&t, " ");
            if (h->reason) s_wire(&t, h->reason);
            if (h->latency >= 0) {
                s_lit(&t, ", ");
                s_puts(&t, fmt_secs(h->latency, tm));
                s_lit(&t, " after the request");
            }
        } else {
            s_puts(&t, ev->har ? "none recorded (status 0)" : "none in the capture");
        }
        fact(l, "Response", s_get(&t), NULL);
        s_clear(&t);
        if (h->deflate)
        {
            const struct wsi_pmd_params *pm = &h->pmd;
            s_lit(&t, "permessage-deflate (RFC 7692): RSV1 marks a compressed message, shown inflated");
            if (pm) {
                if (pm->client_no_context_takeover) s_lit(&t, "; client_no_context_takeover");
                if (pm->server_no_context_takeover) s_lit(&t, "; server_no_context_takeover");
                if (pm->client_max_window_bits > 0) s_printf(&t, "; client_max_window_bits=%d", pm->client_max_window_bits);
                if (pm->server_max_window_bits > 0) s_printf(&t, "; server_max_window_bits=%d", pm->server_max_window_bits);
                if (pm->error) s_printf(&t, "; invalid: %s", pm->error);
            }
            fact(l, "Compression", s_get(&t), NULL);
            s_clear(&t);
        }
    }
    if (ev->har && (ce->websocket || ev->har->errors)) {
        /* a HAR records messages, not frames; nor the close frames */
        s_printf(&t, "client %llu (%s), server %llu (%s)", (unsigned long long)ce->messages[WSI_C2S],
                 wsi_human_size(ce->bytes[WSI_C2S], sz), (unsigned long long)ce->messages[WSI_S2C],
                 wsi_human_size(ce->bytes[WSI_S2C], sz2));
        if (!ev->har->messages_recorded && !ev->har->messages_from) s_lit(&t, " (this entry records no messages)");
        fact(l, "Messages", s_get(&t), NULL);
        s_clear(&t);
        if (ev->har->errors) {
            s_printf(&t, "%llu recorded by the browser", (unsigned long long)ev->har->errors);
            fact(l, "Errors", s_get(&t), C_BAD);
            s_clear(&t);
        }
        if (ev->har->close_code >= 0) {
            close_words(&t, ev->har->close_code);
            if (ev->har->close_reason && *ev->har->close_reason) s_printf(&t, " \"%s\"", wire(ev->har->close_reason, a, sizeof a));
            s_lit(&t, ", as the file records it");
        } else {
            s_lit(&t, "not recorded (a HAR has no close frames)");
        }
        fact(l, "Close", s_get(&t), NULL);
        s_clear(&t);
    } else if (ce->websocket) {
        /* data messages (text, binary) and control frames (close, ping, pong) apart, as RFC 6455 §5.5
         * and §5.6 set them apart; the frames and bytes are all of them */
        s_lit(&t, "data: client ");
        s_u64(&t, ce->messages[WSI_C2S] - ce->controls[WSI_C2S]);
        s_lit(&t, ", server ");
        s_u64(&t, ce->messages[WSI_S2C] - ce->controls[WSI_S2C]);
        s_lit(&t, "; control frames: client ");
        s_u64(&t, ce->controls[WSI_C2S]);
        s_lit(&t, ", server ");
        s_u64(&t, ce->controls[WSI_S2C]);
        fact(l, "Messages", s_get(&t), NULL);
        s_clear(&t);
        s_lit(&t, "client ");
        s_u64(&t, ce->frames[WSI_C2S]);
        s_lit(&t, " (");
        s_puts(&t, wsi_human_size(ce->bytes[WSI_C2S], sz));
        s_lit(&t, "), server ");
        s_u64(&t, ce->frames[WSI_S2C]);
        s_lit(&t, " (");
        s_puts(&t, wsi_human_size(ce->bytes[WSI_S2C], sz2));
        s_lit(&t, ")");
        fact(l, "Frames", s_get(&t), NULL);
        s_clear(&t);
        s_lit(&t, "client ");
        close_words(&t, ce->close_code[WSI_C2S]);
        s_lit(&t, ", server ");
        close_words(&t, ce->close_code[WSI_S2C]);
        fact(l, "Close", s_get(&t), NULL);
        s_clear(&t);
    }
    if (ce->undecoded[WSI_C2S] + ce->undecoded[WSI_S2C]) {
        /* bytes counted, not decoded (another protocol, bytes skipped, the rest after a problem), as --summary says */
        s_printf(&t, "client %llu B, server %llu B", (unsigned long long)ce->undecoded[WSI_C2S],
                 (unsigned long long)ce->undecoded[WSI_S2C]);
        fact(l, "Undecoded", s_get(&t), NULL);
        s_clear(&t);
    }
    if (ce->violations || ce->gaps) {
        s_printf(&t, "%llu violation%s, %llu gap%s", (unsigned long long)ce->violations, ce->violations == 1 ? "" : "s",
                 (unsigned long long)ce->gaps, ce->gaps == 1 ? "" : "s");
        fact(l, "Problems", s_get(&t), ce->violations ? C_BAD : NULL);
    }
    l->text = t;
}

/* The closing bar, by what the close summary and the END events say. */
static void final_bar(struct wsi_ladder *l, const struct lconn *c, const struct wsi_close_ev *ce, int never_closed)
{
    int rst = c->sd[0].end == WSI_END_RST || c->sd[1].end == WSI_END_RST;
    int open = !c->sd[0].end || !c->sd[1].end || c->sd[0].end == WSI_END_CAPTURE || c->sd[1].end == WSI_END_CAPTURE;
    /* WebSocket traffic went on, or an invalid 101 was the last word (the client failed the connection) */
    int ws = c->opened || c->open_pending || (ce->websocket && !c->hs.have);
    if (never_closed) bar(l, "END OF OUTPUT (connection not closed)", C_BAD);
    else if (c->har_server && !ws && c->hs.verdict != WSI_HS_VALID)
        bar(l, c->hs.status > 0 ? "NO WEBSOCKET (the upgrade was refused)" : "FAILED (the socket never opened: status 0)", C_BAD);
    else if (c->har_server && ws)
        bar(l, "END OF THE HAR'S RECORD (how it closed is not in a HAR)", C_BOLD);
    else if (c->har_server) bar(l, "END OF THE HAR'S RECORD", C_BOLD);
    else if (ce->cut_short == WSI_END_EVICTED) bar(l, "EVICTED (connection table full: not followed further)", C_BAD);
    else if (ce->cut_short == WSI_END_REUSED) bar(l, "ENDED (a new connection reused its addresses and ports)", C_BOLD);
    else if (ws && ce->closed_cleanly) bar(l, "CLOSED", C_BOLD);
    else if (rst && ws && ce->abnormal)
        bar(l, c->rst_by == 1   ? "TCP RESET by the client (no close frame: 1006)"
               : c->rst_by == 2 ? "TCP RESET by the server (no close frame: 1006)"
                                      : "TCP RESET (no close frame: 1006)",
            C_BAD);
    else if (rst)
        bar(l, c->rst_by == 1 ? "TCP RESET by the client" : c->rst_by == 2 ? "TCP RESET by the server" : "TCP RESET",
            C_BAD);
    else if (open) bar(l, "END OF CAPTURE (still open)", C_BOLD);
    else if (ws && (ce->abnormal || (ce->close_code[0] < 0 && ce->close_code[1] < 0)))
        bar(l, "CLOSED (abnormal, no close frame: 1006)", C_BAD);
    else if (ws)
        bar(l, ce->close_code[WSI_C2S] >= 0 ? "CLOSED (only the client sent close)" : "CLOSED (only the server sent close)",
            C_BAD);
    else bar(l, "CONNECTION CLOSED", C_BOLD);
}

/* Write a connection's block and forget it. */
/* Block text: as it is, or live after the connection's tag on every line. */
static void emit(struct wsi_ladder *l, const struct lconn *c, const struct str *text)
{
    if (l->o.live) live_lines(l, c, s_get(text), text->len);
    else s_write(text, l->o.out);
}

static void print_block(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev, int never_closed)
{
    FILE *f = l->o.out;
    const struct wsi_close_ev *ce = &ev->u.close;
    char cl[64], sv[64];
    int cd = ev->client_dir == 1 ? 1 : 0;
    for (int d = 0; d < 2; d++) flush_pending(c, d, 0, 0, 1);
    if (ev->har && !c->har_server) c->har_server = strdup(ev->har->server); /* a block without events before */
    if (ev->har && !l->har_said) {
        /* what a HAR cannot show, once, before its first connection */
        l->har_said = 1;
        s_clear(&l->blk);
        wrap(l, &l->blk, "", "From a HAR file: " WSI_HAR_NOT_SHOWN ". To see those, capture the traffic (wsinspect -i).",
             l->o.color ? C_BOLD : "", l->o.color ? C_OFF : "", 0);
        if (l->blocks++) fputc('\n', f);
        s_write(&l->blk, f);
    }
    if (l->blocks++ && !l->o.live) fputc('\n', f);
    s_clear(&l->blk);
    s_clear(&l->line);
    if (!ce->websocket && !c->http && !c->hs.have) {
        struct str t = l->text; /* the ladder's scratch, given back below */
        s_clear(&t);
        const char *what = c->tls_line || ce->tls ? "TLS"
                           : ce->carries == WSI_CARRIES_UPGRADE_OTHER ? "upgraded to another protocol (not decoded)"
                           : ce->carries == WSI_CARRIES_HTTP          ? "HTTP, no complete message"
                                                                      : "other TCP";
        conn_title(&t, ev->conn, c->file ? c->file : ev->file);
        s_printf(&t, ": %s -> %s  %s", wsi_endpoint_str(ev->ci, cd, cl), wsi_endpoint_str(ev->ci, 1 - cd, sv), what);
        if (c->tls_line || ce->tls) s_puts(&t, ce->tls_decrypted ? " (decrypted, not HTTP)" : " (encrypted)");
        s_printf(&t, "  client %llu B, server %llu B", (unsigned long long)ce->tcp_bytes[WSI_C2S],
                 (unsigned long long)ce->tcp_bytes[WSI_S2C]);
        s_printf(&t, "  packets %llu-%llu", (unsigned long long)ce->first_packet, (unsigned long long)ce->last_packet);
        if (!c->tls_line && ce->evidence) s_printf(&t, "  (%s)", ce->evidence); /* our prose */
        if (c->continued) s_lit(&t, "  (continued from above)");
        wrap(l, &l->blk, "", s_get(&t), "", "", 1);
        /* why it is not decrypted and what to do, on lines of their own (the hellos' facts follow) */
        if (c->tls_why) fact(l, "Not read", c->tls_why, NULL);
        if (c->tls_arrows)
            fact(l, "Arrows", "the TLS records, as anyone on the network sees them: kind, direction, size and time; "
                              "the key log would show the HTTP upgrade and every WebSocket frame inside",
                 NULL);
        emit(l, c, &l->blk);
        if (c->tls_arrows && !l->o.live) {
            s_clear(&l->line);
            column_heads(l, &l->line);
            s_write(&l->line, f);
            s_clear(&l->line);
        }
        s_write(&c->body, f); /* its arrows and notes (a snap length cut, gaps...); live: printed already */
        l->text = t;
        return;
    }
    header(l, c, ev);
    if (l->o.live) {
        /* the arrows are out already: the facts, then how it ended */
        emit(l, c, &l->blk);
        final_bar(l, c, ce, never_closed);
        s_lit(&l->line, "\n");
        emit(l, c, &l->line);
        s_clear(&l->line);
        return;
    }
    s_write(&l->blk, f);
    s_clear(&l->line);
    column_heads(l, &l->line);
    s_write(&l->line, f);
    s_clear(&l->line);
    s_write(&c->body, f);
    if (c->dropped)
        fprintf(f, "%*s... %llu more event%s not shown; use --json\n", (int)l->gw, "", (unsigned long long)c->dropped,
                c->dropped == 1 ? "" : "s");
    final_bar(l, c, ce, never_closed);
    s_lit(&l->line, "\n");
    s_write(&l->line, f);
    s_clear(&l->line);
}

/* ---- the memory budget ------------------------------------------------------- */

static void block_list_unlink(struct wsi_ladder *l, struct lconn *c)
{
    if (c->prev) c->prev->next = c->next;
    else if (l->first == c) l->first = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

/* Charge what a block holds now. */
static void account(struct wsi_ladder *l, struct lconn *c)
{
    uint64_t now = sizeof *c + c->body.cap + c->pend_bytes + (c->sd[0].cappend + c->sd[1].cappend) * sizeof(struct pend);
    wsi_budget_resize(l->o.budget, c->charged, now);
    l->held += now - c->charged;
    c->charged = now;
}

/* A block leaves the ladder: its charge goes. */
static void forget(struct wsi_ladder *l, struct lconn *c)
{
    if (!c) return;
    block_list_unlink(l, c);
    wsi_budget_release(l->o.budget, c->charged);
    l->held -= c->charged;
    lconn_free(c);
}

/* ---- --order=start ------------------------------------------------------------- */

/* Write one finished block, a blank line before it as between any two blocks. */
static void done_write(struct wsi_ladder *l, struct done *d)
{
    if (l->blocks++) fputc('\n', l->o.out);
    fwrite(d->text, 1, d->len, l->o.out);
    wsi_budget_release(l->o.budget, d->len);
    l->done_bytes -= d->len;
    free(d->text);
    free(d);
}

/* Write the finished blocks whose connections began before every connection still open (all of
 * them when `all`): blocks come out in the order their connections began. */
static void done_release(struct wsi_ladder *l, int all)
{
    uint64_t open_min = UINT64_MAX;
    if (!all)
        for (struct lconn *c = l->first; c; c = c->next)
            if (c->id < open_min) open_min = c->id;
    while (l->done && (all || l->done->id < open_min)) {
        struct done *d = l->done;
        l->done = d->next;
        done_write(l, d);
    }
}

/* A connection's block, finished: written into memory to wait for its turn. 0, or -1 when it
 * could not be (it is then printed at once). */
static int done_hold(struct wsi_ladder *l, struct lconn *c, const struct wsi_event *ev)
{
    struct done *d = calloc(1, sizeof *d);
    FILE *m = d ? open_memstream(&d->text, &d->len) : NULL;
    if (!m) {
        free(d);
        return -1;
    }
    FILE *out = l->o.out;
    uint64_t blocks = l->blocks;
    l->o.out = m;
    l->blocks = 0; /* no blank line inside: it is written before the block when its turn comes */
    print_block(l, c, ev, 0);
    l->o.out = out;
    l->blocks = blocks;
    if (fclose(m) != 0 || !d->text) {
        free(d->text);
        free(d);
        return -1;
    }
    d->id = ev->conn;
    struct done **pp = &l->done;
    while (*pp && (*pp)->id < d->id) pp = &(*pp)->next;
    d->next = *pp;
    *pp = d;
    wsi_budget_charge(l->o.budget, d->len);
    l->done_bytes += d->len;
    return 0;
}

int wsi_ladder_give(void *ladder)
{
    struct wsi_ladder *l = ladder;
    if (l->done) {
        /* over the budget, a finished block waiting for its turn is printed before it */
        struct done *d = l->done;
        l->done = d->next;
        done_write(l, d);
        return 1;
    }
    struct lconn *best = NULL;
    for (struct lconn *c = l->first; c; c = c->next)
        if (c->body.len && (!best || c->body.cap > best->body.cap)) best = c;
    if (!best) return 0;
    /* small blocks give little back: the other holders first, unless the ladder holds much */
    if (best->body.cap < (16u << 10) && l->o.budget && l->held < l->o.budget->limit / 2) return 0;
    FILE *f = l->o.out;
    char cl[64], sv[64];
    int cd = best->client_dir == 1 ? 1 : 0;
    const struct wsi_conn_info *ci = best->have_ci ? &best->ci : NULL;
    struct str t = {0};
    if (l->blocks++) fputc('\n', f);
    conn_title(&t, best->id, best->file);
    if (best->har_server)
        s_printf(&t, "  browser -> %s  (continued below: printed early to stay within --max-memory)",
                 wire(best->har_server, sv, sizeof sv));
    else
        s_printf(&t, "  %s -> %s  (continued below: printed early to stay within --max-memory)", wsi_endpoint_str(ci, cd, cl),
                 wsi_endpoint_str(ci, 1 - cd, sv));
    s_clear(&l->blk);
    wrap(l, &l->blk, "", s_get(&t), l->o.color ? C_BOLD : "", l->o.color ? C_OFF : "", 1);
    s_write(&l->blk, f);
    s_clear(&l->blk);
    s_clear(&t);
    column_heads(l, &t);
    s_write(&t, f);
    free(t.p);
    s_write(&best->body, f);
    free(best->body.p);
    best->body = (struct str){0};
    best->continued = 1;
    l->early++;
    account(l, best);
    return 1;
}

void wsi_ladder_event(void *self, const struct wsi_event *ev)
{
    struct wsi_ladder *l = self;
    struct lconn *c;
    struct wsi_event on_clock;
    if (ev->kind == WSI_EV_STATS) {
        /* the capture's counts: not a connection's; said where they happen, loud when packets were lost */
        char b[400];
        const char *on = l->o.color ? (ev->u.stats.final ? C_BOLD : C_BAD) : "", *off = l->o.color ? C_OFF : "";
        s_clear(&l->blk);
        wrap(l, &l->blk, "", wsi_stats_sentence(&ev->u.stats, b, sizeof b), on, off, 0);
        if (l->o.live) {
            /* no connection's tag: its own, across */
            for (const char *p = s_get(&l->blk); *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
                fprintf(l->o.out, "%-*s", TAG, ev->u.stats.final ? "==" : "!!");
                fwrite(p, 1, n, l->o.out);
                p += n;
            }
        } else {
            if (l->blocks++) fputc('\n', l->o.out);
            s_write(&l->blk, l->o.out);
        }
        fflush(l->o.out);
        return;
    }
    if (l->o.time_mode == 3) {
        /* --time=abs: the wall clock, local time of day (as tcpdump prints it) */
        struct tm tm;
        time_t sec = (time_t)ev->ts_sec;
        on_clock = *ev;
        on_clock.t = localtime_r(&sec, &tm) ? tm.tm_hour * 3600.0 + tm.tm_min * 60.0 + tm.tm_sec + ev->ts_nsec / 1e9 : -1;
        ev = &on_clock;
    } else if (l->o.live || l->o.time_mode == 1) {
        /* interleaved connections (or --time=capture): one clock, from the first event of the capture */
        if (!l->have_t0) {
            l->have_t0 = 1;
            l->t0_sec = ev->ts_sec;
            l->t0_nsec = ev->ts_nsec;
        }
        on_clock = *ev;
        on_clock.t = (double)(ev->ts_sec - l->t0_sec) + ((double)ev->ts_nsec - (double)l->t0_nsec) / 1e9;
        ev = &on_clock;
    }
    if (ev->kind == WSI_EV_CLOSE) {
        c = wsi_connmap_del(&l->conns, ev->conn);
        struct lconn empty = {.id = ev->conn};
        if (!l->o.order_start || l->o.live || done_hold(l, c ? c : &empty, ev) != 0) print_block(l, c ? c : &empty, ev, 0);
        free(empty.har_server);
        forget(l, c);
        if (l->o.order_start) done_release(l, 0);
        if (l->o.live) fflush(l->o.out);
        return;
    }
    c = wsi_connmap_get(&l->conns, ev->conn);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) return;
        c->id = ev->conn;
        c->l = l;
        if (wsi_connmap_put(&l->conns, ev->conn, c) != 0) {
            free(c);
            return;
        }
        c->next = l->first;
        if (l->first) l->first->prev = c;
        l->first = c;
    }
    c->dropping = c->added = 0;
    double orig_t = ev->t;
    if (l->o.time_mode == 2 && !l->o.live) {
        /* --time=delta: since the connection's previous line */
        on_clock = *ev;
        on_clock.t = ev->t - c->prev_t;
        ev = &on_clock;
    }
    if (ev->file) c->file = ev->file;
    if (ev->ci) {
        c->ci = *ev->ci;
        c->have_ci = 1;
        c->client_dir = ev->client_dir;
    }
    if (ev->har && !c->har_server) c->har_server = strdup(ev->har->server);
    if (ev->kind == WSI_EV_HTTP) c->open_pending = 0;
    else if (ev->kind == WSI_EV_FRAME || ev->kind == WSI_EV_MESSAGE || ev->kind == WSI_EV_VIOLATION)
        open_if_pending(l, c);
    switch (ev->kind) {
    case WSI_EV_HTTP: on_http(l, c, ev); break;
    case WSI_EV_CHUNK: on_chunk(l, c, ev); break;
    case WSI_EV_SSE: on_sse(l, c, ev); break;
    case WSI_EV_HANDSHAKE: on_handshake(l, c, ev); break;
    case WSI_EV_FRAME: on_frame(l, c, ev); break;
    case WSI_EV_MESSAGE: on_message(l, c, ev); break;
    case WSI_EV_VIOLATION: on_violation(l, c, ev); break;
    default: on_other(l, c, ev); break;
    }
    if (c->dropping && !c->added) c->dropped++; /* an arrow shown without its whole dump still counts as shown */
    if (c->added) c->prev_t = orig_t;
    account(l, c);
    if (l->o.live && c->added) fflush(l->o.out); /* on the projector now, not when a buffer fills */
}

static int by_id(const void *a, const void *b)
{
    const struct lconn *x = *(struct lconn *const *)a, *y = *(struct lconn *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

void wsi_ladder_free(struct wsi_ladder *l)
{
    if (!l) return;
    /* Connections that never got their CLOSE event are still shown. */
    size_t n;
    void **left = wsi_connmap_take_all(&l->conns, &n);
    if (n) qsort(left, n, sizeof *left, by_id);
    for (size_t i = 0; i < n; i++) {
        struct lconn *c = left[i];
        struct wsi_event ev = {.kind = WSI_EV_CLOSE, .conn = c->id, .side = WSI_NONE,
                               .ci = c->have_ci ? &c->ci : NULL, .client_dir = c->client_dir};
        ev.u.close.websocket = c->hs.have;
        ev.u.close.close_code[0] = ev.u.close.close_code[1] = -1;
        while (l->done && l->done->id < c->id) { /* --order=start: those begun before it first */
            struct done *d = l->done;
            l->done = d->next;
            done_write(l, d);
        }
        print_block(l, c, &ev, 1);
        forget(l, c);
    }
    free(left);
    done_release(l, 1);
    free(l->line.p);
    free(l->blk.p);
    free(l->lab.p);
    free(l->all.p);
    free(l->pre.p);
    free(l->suf.p);
    free(l->text.p);
    free(l->accept_rule.p);
    free(l);
}
