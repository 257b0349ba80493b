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

/* One direction's decompressor. Nothing is kept but the preview: output is
 * counted, previewed and (for text) checked as UTF-8, then dropped. */
struct wsi_inflate {
    void *zs;                  /* the zlib stream (z_stream *) */
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

/* 0, or -1 when zlib cannot be set up. preview_max 0 means 256. */
int wsi_inflate_init(struct wsi_inflate *z, int no_context_takeover, size_t preview_max);

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

/* Lets the decompressor go. Its zlib stream and preview buffer are kept for
 * the next wsi_inflate_init of this thread (a few dozen at most). */
void wsi_inflate_free(struct wsi_inflate *z);

/* A zlib stream (z_stream *) in the state inflateInit2(window_bits) gives a new one (the
 * window bits as zlib takes them: 16 + 15 gzip, 15 zlib, -15 raw), taken from the
 * decompressors this thread keeps (reset by inflateReset2) or made; NULL when zlib cannot be
 * set up. For the HTTP body decoder: one set-up path for every zlib stream. */
void *wsi_zstream_get(int window_bits);
/* Lets a stream of wsi_zstream_get go: kept for the next one, as wsi_inflate_free does. */
void wsi_zstream_put(void *zs);

/* Frees the decompressors this thread keeps for reuse (for a thread that ends;
 * what the main thread keeps is simply there at exit). */
void wsi_inflate_pool_drain(void);

#endif
