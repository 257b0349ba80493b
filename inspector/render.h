/* render.h - stage 6: the renderers, consumers of the event stream (ladder, JSON Lines, summary). */
#ifndef WSI_RENDER_H
#define WSI_RENDER_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "event.h"

struct wsi_budget;

struct wsi_render_opts {
    FILE *out;          /* where to write (stdout) */
    int width;          /* terminal columns (COLUMNS, default 80); the ladder fits in it */
    int color;          /* 1: ANSI colours (decided by --color / NO_COLOR / isatty in main) */
    size_t payload;     /* preview length: characters of text / bytes of binary shown (default 32) */
    int payload_auto;   /* no --payload: a ladder label's text takes what its arrow holds (payload
                         * still bounds JSON previews and -x) */
    int frames;         /* 1: one arrow per frame instead of one per message */
    int hexdump;        /* 1: hex dump of each frame's payload preview under its arrow (-x) */
    struct wsi_budget *budget; /* the memory budget (--max-memory): what is held is charged, or NULL */
    int time_mode;      /* ladder times: 0 since the connection's first packet, 1 since the capture's first
                         * packet, 2 since the connection's previous event, 3 the wall clock (local time
                         * of day) (--time=conn|capture|delta|abs) */
    int detail;         /* JSON: the fields a page needs besides (--html): HTTP heads, frame header
                         * and masked bytes, compressed bytes, the Accept's SHA-1 */
    int order_start;    /* ladder, summary: connections printed in the order they began (--order=start),
                         * not as they end */
    int live;           /* ladder: each line is printed as its event happens, tagged with its connection
                         * (live capture, a pipe, --live); else each connection's block at its end */
};

/* Ladder: buffers each connection's lines and prints its block when the connection
 * closes (WSI_EV_CLOSE) so interleaved connections stay readable; the per-connection
 * buffer is bounded (WSI_LADDER_MAX_LINES lines, then a "... N more" line). */
#define WSI_LADDER_MAX_LINES 20000
/* Giving way to the memory budget: the block of the connection holding the most lines is
 * printed now, marked as continued below; returns 0 when no block holds any line. */
int wsi_ladder_give(void *ladder);
/* The sentence of a stats event (drops just noticed, or the totals of a live capture), for the
 * ladder and the summary; returns buf. */
const char *wsi_stats_sentence(const struct wsi_stats_ev *st, char *buf, size_t bufsz);
/* The losses just noticed (st not final), in words: what ("the kernel dropped 3 packets")
 * and where (" between packet 10 and 11", or "" when unknown); for the ladder's and
 * JSON's line and for wsinspect's message on stderr alike. */
void wsi_loss_words(const struct wsi_stats_ev *st, char what[128], char where[96]);

/* What a HAR cannot show, said once by every renderer (the record of a connection read from a HAR). */
#define WSI_HAR_NOT_SHOWN                                                                                        \
    "a HAR holds the messages as the browser recorded them, whole and inflated: it has no packets, frames, "     \
    "masking, control frames (close, ping, pong) or compression on the wire, and its addresses come from the URL"

struct wsi_ladder;
struct wsi_ladder *wsi_ladder_new(const struct wsi_render_opts *o);
void wsi_ladder_event(void *self, const struct wsi_event *ev);
void wsi_ladder_free(struct wsi_ladder *l);

/* JSON Lines: one object per event. Lines reach the output stream when stdio would have
 * written them out anyway (see jsonl.c): the renderer must be the stream's only writer. */
struct wsi_json;
struct wsi_json *wsi_json_new(const struct wsi_render_opts *o);
void wsi_json_event(void *self, const struct wsi_event *ev);
void wsi_json_free(struct wsi_json *j);
/* The output stream was made unbuffered (setvbuf _IONBF) for the renderer, its only writer:
 * the lines wait in the renderer's 64 KiB buffer until it is full and go to the file with one
 * write, instead of being copied into a stdio buffer first. Not for --live output. */
void wsi_json_own_buffer(struct wsi_json *j);

/* Summary: one line per connection, at its close. */
struct wsi_summary;
struct wsi_summary *wsi_summary_new(const struct wsi_render_opts *o);
void wsi_summary_event(void *self, const struct wsi_event *ev);
void wsi_summary_free(struct wsi_summary *s);

/* HTML: one self-contained page (--html). The page is drawn by its script from the JSON Lines
 * objects above (written by the same writer, with opts.detail), embedded as data. Arrows (every
 * event but a connection's start, handshake, ends and close) are capped per connection and in
 * all, the data in bytes, and the connections drawn; what is left out is counted, and the page
 * says so with the command that shows it. */
#define WSI_HTML_MAX_CONN_ARROWS 2000
#define WSI_HTML_MAX_ARROWS 20000
#define WSI_HTML_MAX_DATA (24 << 20)
#define WSI_HTML_MAX_CONNS 2000
struct wsi_html;
/* inputs: the captures' names (ninputs of them), shown on the page and in the commands it gives */
struct wsi_html *wsi_html_new(const struct wsi_render_opts *o, const char *const *inputs, int ninputs);
void wsi_html_event(void *self, const struct wsi_event *ev);
void wsi_html_free(struct wsi_html *h);
/* The data block's escaping (exposed for the tests): JSON text written to out with '<', '>',
 * '&', U+2028 and U+2029 as \uXXXX; *pending (0 at the start) carries a character cut
 * between two calls. */
void wsi_html_escape_data(FILE *out, const char *s, size_t n, unsigned *pending);

/* Mermaid: the ladder as a sequenceDiagram (--mermaid), written at the end. */
struct wsi_mermaid;
struct wsi_mermaid *wsi_mermaid_new(const struct wsi_render_opts *o);
void wsi_mermaid_event(void *self, const struct wsi_event *ev);
void wsi_mermaid_free(struct wsi_mermaid *m);
/* Text for a Mermaid message or note: what Mermaid would read as syntax, markup or an entity
 * (# ; < > & % " { } and line ends) written as its #NN; entity; control bytes as \xNN. Writes
 * into buf (NUL-terminated, never more than bufsz). Returns buf. */
char *wsi_mermaid_text(const char *s, char *buf, size_t bufsz);

/* Shared helpers (render_util.c). */
/* Escape `len` bytes as a quoted-able UTF-8 preview: printable text as is, \n \t \" \\,
 * other control bytes and invalid UTF-8 as \xNN; at most `max_chars` characters, then "…"
 * (when `ellipsis`). Writes into buf (NUL-terminated, never more than bufsz). Returns buf. */
char *wsi_escape_preview(const uint8_t *s, size_t len, size_t max_chars, int ellipsis, char *buf, size_t bufsz);
/* "1.2 KiB", "65536 B", "3.0 MiB" */
char *wsi_human_size(uint64_t n, char buf[32]);

/* v >= 0 written as printf's "%.Nf" writes it, N = decimals (0-6), when v * 10^N < 10^9:
 * rounded to N decimals, unless it lies within a millionth of a unit of the last digit of
 * a half, where only printf rounds exactly. Returns the length, 0 when left to printf. */
size_t wsi_fixed(double v, int decimals, char buf[32]);
/* Bytes of printable ASCII (0x20-0x7E) at the start of s (n bytes): 8 at a time. */
size_t wsi_ascii_run(const uint8_t *s, size_t n);
/* Bytes at the start of s (n bytes) that wsi_escape_preview shows as they are: printable ASCII
 * but '"' and '\\'. 8 at a time. */
size_t wsi_plain_run(const uint8_t *s, size_t n);
/* v in decimal ("%llu"), NUL-terminated. Returns the length. */
size_t wsi_u64(uint64_t v, char buf[24]);
/* The same at p without the NUL (at most 20 bytes). Returns the end. Inline: the ladder
 * writes several numbers a line. */
static inline char *wsi_put_u64(char *p, uint64_t v)
{
    /* the digits from the last, in 32 bits once the number fits them */
    char d[20], *e = d + sizeof d, *q = e;
    for (; v > UINT32_MAX; v /= 10) *--q = (char)('0' + v % 10);
    uint32_t x = (uint32_t)v;
    do *--q = (char)('0' + x % 10);
    while (x /= 10);
    memcpy(p, q, (size_t)(e - q));
    return p + (e - q);
}

/* Internals shared by ladder.c, jsonl.c and summary.c (render_util.c); not for other stages. */
/* Bytes (1-4) of the well-formed UTF-8 character at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), its code point in *cp (may be NULL); 0 when the
 * bytes at s are not one (invalid, or cut short by len). */
size_t wsi_utf8_next(const uint8_t *s, size_t len, uint32_t *cp);
/* len minus a trailing UTF-8 sequence that was cut short (a preview ending mid-character). */
size_t wsi_utf8_trim_tail(const uint8_t *s, size_t len);
/* "a.b.c.d:port" at p, as inet_ntop and "%s:%u" write it, without their cost: at most 21
 * bytes, no NUL. Returns the end. */
char *wsi_ipv4_port(char *p, const uint8_t a[4], unsigned port);
/* "addr:port" ("[v6]:port") of the sender of reasm direction dir ("?" without ci). */
char *wsi_endpoint_str(const struct wsi_conn_info *ci, int dir, char buf[64]);
/* Stable ids: "retrans-differs", "snaplen-cut", ...; "fin", "rst", "capture". */
const char *wsi_tcp_anomaly_id(enum wsi_tcp_anomaly k);
const char *wsi_end_reason_id(enum wsi_end_reason r);
/* Connection id -> a renderer's per-connection state (open addressing, no allocation per
 * entry; zero-initialised = empty). Values are never NULL. */
struct wsi_connmap_slot;
struct wsi_connmap {
    struct wsi_connmap_slot *b; /* slots (a power of two of them, or NULL while empty) */
    size_t nb;                  /* number of slots */
    size_t n;                   /* entries */
};
void *wsi_connmap_get(const struct wsi_connmap *m, uint64_t id);
int wsi_connmap_put(struct wsi_connmap *m, uint64_t id, void *val);   /* 0, or -1 out of memory (or val NULL) */
void *wsi_connmap_del(struct wsi_connmap *m, uint64_t id);            /* removes; returns the value */
/* Empties m: its values in id order, a malloc'd array (NULL, *n 0, when none or out of memory). */
void **wsi_connmap_take_all(struct wsi_connmap *m, size_t *n);

#endif
