/* http.h - HTTP/1.1 on a connection: message bodies (Content-Length, chunked, until close) and the exchanges. */
#ifndef WSI_HTTP_H
#define WSI_HTTP_H

#include <stddef.h>
#include <stdint.h>

/*
 * The body reader is a resumable state machine with no I/O and no allocation:
 * the caller starts it with the framing the head announced (RFC 9112 §6) and
 * pushes bytes; it hands back the body's content bytes (dechunked), each chunk's
 * start and end, and says when the body is over or can no longer be followed.
 * What is done with the content (previews, Server-Sent Events) is the caller's.
 * The exchanges (heads, the upgrade, which body follows which head) live in
 * http.c too, on the session's per-connection state (conn.h).
 */

enum wsi_body_kind {
    WSI_BODY_LENGTH = 1,     /* Content-Length bytes */
    WSI_BODY_CHUNKED,        /* chunked transfer coding */
    WSI_BODY_UNTIL_CLOSE,    /* until the connection closes */
};

enum wsi_body_state {
    WSI_BODY_MORE = 0,       /* expecting more bytes */
    WSI_BODY_DONE,           /* the body is complete: what follows is the next head */
    WSI_BODY_BAD,            /* the chunked framing is broken: the rest cannot be followed */
};

struct wsi_body_cb {
    void (*data)(void *user, const uint8_t *p, size_t n);  /* content bytes */
    void (*chunk_begin)(void *user, uint64_t size);        /* a chunk of `size` bytes starts */
    void (*chunk_end)(void *user, uint64_t size);          /* its data is complete */
};

struct wsi_body {
    enum wsi_body_kind kind;
    enum wsi_body_state state;
    uint64_t left;           /* LENGTH / chunk data: bytes still to come */
    int chunk;               /* chunked: where in the framing (see http.c) */
    uint64_t chunk_size;     /* size being read on the chunk-size line */
    int chunk_digits;        /* hex digits read on it */
    int chunk_ext;           /* inside a chunk extension (after ';') */
    int line_empty;          /* trailer: the current line has no characters yet */
};

void wsi_body_start(struct wsi_body *b, enum wsi_body_kind kind, uint64_t length);

/* Push bytes; returns how many belong to the body (the rest follows it). */
size_t wsi_body_feed(struct wsi_body *b, const uint8_t *p, size_t n, const struct wsi_body_cb *cb, void *user);

/* `len` bytes of the body are missing. Returns 1 when the body can still be
 * followed (a body until close, or missing bytes inside its Content-Length). */
int wsi_body_gap(struct wsi_body *b, uint64_t len);

/*
 * Content codings (RFC 9110 §8.4.1): a body sent with Content-Encoding gzip or
 * deflate is decoded with zlib after the chunked framing is removed, so its
 * previews and its Server-Sent Events are the content, not compressed bytes.
 * Any other coding (br, zstd, compress, several codings) is named and not decoded.
 * No I/O; the output is handed over in pieces of at most WSI_CODING_PIECE bytes.
 */
enum wsi_coding {
    WSI_CODING_IDENTITY = 0, /* no Content-Encoding, or "identity" */
    WSI_CODING_GZIP,         /* gzip, x-gzip (RFC 1952) */
    WSI_CODING_DEFLATE,      /* deflate: a zlib stream (RFC 1950); raw deflate (RFC 1951) is accepted too */
    WSI_CODING_OTHER,        /* anything else: named, not decoded */
};

#define WSI_CODING_PIECE 4096
#define WSI_CODING_MAX_OUT ((uint64_t)256 << 20) /* decoded bytes per body, then the rest is not decoded */

struct wsi_decoder {
    enum wsi_coding coding;
    void *z;                 /* zlib's stream (allocated by wsi_decoder_start) */
    struct wsi_zpool *pool;  /* where the stream goes back to (NULL: freed) */
    int raw;                 /* deflate: the stream has no zlib header (raw deflate) */
    int started;             /* the first byte was seen (deflate: zlib or raw decided) */
    int done;                /* the compressed stream ended; bytes after it are ignored */
    const char *error;       /* why decoding stopped (corrupt data, the size cap), or NULL: points into why */
    char why[96];
    uint8_t head[2];         /* deflate: the first two bytes, held until zlib or raw is decided */
    int nhead;
    uint64_t in, out;        /* compressed bytes taken, decoded bytes handed over */
};

/* The coding a Content-Encoding value names (NULL: identity). */
enum wsi_coding wsi_coding_of(const char *value, size_t len);

/* Start decoding a body in `coding`, with a zlib stream from `pool` (NULL: a new one).
 * Returns 0, or -1 when out of memory (error is set). */
int wsi_decoder_start(struct wsi_decoder *d, struct wsi_zpool *pool, enum wsi_coding coding);

/* Push compressed bytes; decoded bytes go to out(). Returns 0, or -1 once decoding has
 * stopped (d->error says why; later calls do nothing). */
int wsi_decoder_feed(struct wsi_decoder *d, const uint8_t *p, size_t n,
                     void (*out)(void *user, const uint8_t *p, size_t n), void *user);

void wsi_decoder_end(struct wsi_decoder *d);

#endif
