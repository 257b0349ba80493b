/* inflate.h - permessage-deflate (RFC 7692): negotiated parameters and per-direction inflation with zlib. */
#ifndef WSI_INFLATE_H
#define WSI_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/* The permessage-deflate parameters a server's Sec-WebSocket-Extensions selected (RFC 7692 §7.1). */
struct wsi_pmd_params {
    int negotiated;                /* permessage-deflate was selected */
    int server_no_context_takeover;/* the server starts every message with an empty window */
    int client_no_context_takeover;/* the client does */
    int server_max_window_bits;    /* 8..15, or 0 when absent */
    int client_max_window_bits;    /* 8..15, 0 when absent, -1 when present without a value */
    const char *error;             /* a parameter that is not valid (the extension is then unusable), or NULL */
};

/* Parse a Sec-WebSocket-Extensions value (as the server sent it; only the first
 * extension may be permessage-deflate in a response that selects it). */
void wsi_pmd_parse(const char *value, size_t len, struct wsi_pmd_params *out);

/* Most inflated bytes counted per message: past this, inflation stops and the
 * message is marked cut (a decompression bomb costs time, never memory). The
 * rest of a cut message is not inflated, so with context takeover the window
 * is lost and the direction's later messages do not inflate (broken); without
 * it, the next message inflates afresh. */
#define WSI_INFLATE_MAX_OUT ((uint64_t)256 << 20)

/* Most inflated bytes counted per direction of a connection, over all its
 * messages: deflate bombs cost CPU (about 2 s per GiB inflated), so once a
 * direction has inflated this much, the message being inflated is cut and the
 * direction's compressed stream is broken for good (even without context
 * takeover): its later messages are not inflated, and say why. */
#define WSI_INFLATE_BUDGET ((uint64_t)1 << 30)

/* What a zlib decompressor holds besides its struct, from zlib's documented needs:
 * about 7 KiB of state at inflateInit2 and a 32 KiB window at its first output. */
#define WSI_ZLIB_HELD (40u << 10)

struct wsi_budget;

/*
 * Decompressors let go, kept for the next one (a few dozen at most, WSI_ZPOOL_MAX):
 * many short connections each set up two and drop them a moment later. The next
 * one starts from a kept one, reset by inflateReset2, which gives exactly the state
 * of a new stream, window included (none of the old bytes can be referred to).
 * What is kept is charged to the budget, WSI_ZLIB_HELD and its preview buffer each.
 */
#define WSI_ZPOOL_MAX 32
struct wsi_zpool {
    void *kept;                /* a list of them (inflate.c's struct zbox) */
    unsigned n;
    struct wsi_budget *budget; /* charged with what is kept (NULL: none) */
};

/* An empty pool charging `budget` (NULL: none). */
void wsi_zpool_init(struct wsi_zpool *pool, struct wsi_budget *budget);
/* Free what the pool keeps (and release its charge). */
void wsi_zpool_drain(struct wsi_zpool *pool);

/* One direction's decompressor. Nothing is kept but the preview: output is
 * counted, previewed and (for text) checked as UTF-8, then dropped. */
struct wsi_inflate {
    void *zs;                  /* the zlib stream (z_stream *) */
    struct wsi_zpool *pool;    /* where it goes back to (NULL: freed) */
    int no_context_takeover;   /* reset the window before each message */
    int started;               /* a message has been inflated since the last reset */
    int broken;                /* the shared window is lost (an error, a gap, a cut): later messages cannot inflate */
    const char *broken_why;    /* why */
    uint64_t total_out;        /* inflated bytes over every message of this direction */
    uint64_t budget;           /* most of them: WSI_INFLATE_BUDGET (set by wsi_inflate_init) */
    int spent;                 /* the budget is reached: broken for good, even without context takeover */
    /* the message being inflated */
    int is_text;               /* validate UTF-8 */
    uint64_t in_len;           /* compressed bytes fed */
    uint64_t out_len;          /* inflated bytes produced */
    int cut;                   /* stopped at WSI_INFLATE_MAX_OUT, or when the budget was reached */
    const char *error;         /* this message did not inflate: why (NULL when fine) */
    uint32_t utf8_state;       /* UTF-8 validation state over the inflated text */
    uint8_t *preview;          /* first preview_max inflated bytes */
    size_t preview_len, preview_max;
    size_t preview_cap;        /* the buffer's size (it grows up to preview_max: preview.h) */
    int stream_end;            /* the deflate stream ended (a BFINAL block) inside this message */
};

/* 0, or -1 when zlib cannot be set up. The stream comes from `pool` when it keeps one
 * (NULL: none) and goes back to it. preview_max 0 means 256. */
int wsi_inflate_init(struct wsi_inflate *z, struct wsi_zpool *pool, int no_context_takeover, size_t preview_max);

/* A compressed message starts. */
void wsi_inflate_begin(struct wsi_inflate *z, int is_text);

/* Compressed payload bytes of the message (unmasked), in order, any split. */
void wsi_inflate_feed(struct wsi_inflate *z, const uint8_t *in, size_t len);

/* The message ended: the 00 00 FF FF tail is appended (RFC 7692 §7.2.2) and the
 * rest inflated. Returns 0, or -1 with z->error set. */
int wsi_inflate_end(struct wsi_inflate *z);

/* Bytes of the compressed stream are missing (a gap): this message and, with
 * context takeover, every later one cannot be inflated. */
void wsi_inflate_break(struct wsi_inflate *z, const char *why);

/* 1 when the inflated text so far is valid UTF-8 and ends on a character boundary. */
int wsi_inflate_utf8_ok(const struct wsi_inflate *z);

/* Lets the decompressor go: its zlib stream and preview buffer back to its pool, or freed. */
void wsi_inflate_free(struct wsi_inflate *z);

/* A zlib stream (z_stream *) in the state inflateInit2(window_bits) gives a new one (the
 * window bits as zlib takes them: 16 + 15 gzip, 15 zlib, -15 raw), taken from `pool` (reset
 * by inflateReset2) or made; NULL when zlib cannot be set up. For the HTTP body decoder:
 * one set-up path for every zlib stream. */
void *wsi_zstream_get(struct wsi_zpool *pool, int window_bits);
/* Lets a stream of wsi_zstream_get go: back to `pool` (NULL: freed). */
void wsi_zstream_put(struct wsi_zpool *pool, void *zs);

#endif
