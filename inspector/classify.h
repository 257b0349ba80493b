/* classify.h - what a connection carries, decided from its first bytes and, mid-stream, from evidence. */
#ifndef WSI_CLASSIFY_H
#define WSI_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

/* Tests on a direction's first bytes: 1 yes, 0 no, -1 not enough bytes to tell. */
int wsi_cls_request(const uint8_t *p, size_t n);   /* a request line: a method token and a space */
int wsi_cls_response(const uint8_t *p, size_t n);  /* a status line: "HTTP/" */


/* What a connection carries, decided once (JSON "carries"). */
enum wsi_carries {
    WSI_CARRIES_NOTHING = 0,     /* no payload byte was seen */
    WSI_CARRIES_HTTP,            /* HTTP/1.x (polling, long polling, streaming, event streams, refused upgrades) */
    WSI_CARRIES_TLS,             /* TLS (wss://, https://, or anything else inside TLS) */
    WSI_CARRIES_WEBSOCKET,       /* WebSocket after an upgrade seen in the capture (or its 101) */
    WSI_CARRIES_WS_MIDSTREAM,    /* WebSocket recognised mid-stream from the evidence of its frames */
    WSI_CARRIES_UPGRADE_OTHER,   /* a 101 to something other than WebSocket (h2c...): not decoded */
    WSI_CARRIES_OTHER,           /* any other TCP: bytes counted, not decoded */
};

/* "nothing", "http", "tls", "websocket", "websocket-midstream", "upgrade-other", "other" */
const char *wsi_carries_id(enum wsi_carries k);

/*
 * The mid-stream guess. A connection whose start is not in the capture, and
 * whose first bytes are not HTTP or TLS, may be WebSocket already under way. The
 * guess earns its verdict the way a person would judge it: it reads both
 * directions as frames and says yes only when
 *   - every frame is valid: known opcode, no RSV2/RSV3 (RSV1 only on a data
 *     message's first frame), control frames final and at most 125 bytes,
 *     lengths in their minimal form, continuations only inside a message, text
 *     that is UTF-8 (uncompressed), close codes that may be sent;
 *   - one direction's frames are all masked (the client's) and the other's all
 *     unmasked (the server's): the roles come from masking, never from ports;
 *   - frames chain exactly: a frame counts once a segment ends on a frame
 *     boundary;
 *   - and there is enough of it: at least one such frame each way, at least
 *     WSI_GUESS_FRAMES frames in all (or a closing handshake: a close with a valid
 *     code each way), and at least WSI_GUESS_POINTS points (a non-empty UTF-8 text
 *     or a close with a valid code is 2, any other frame 1).
 * A direction whose bytes fail starts again at its next segment (the capture may
 * have begun inside a frame), counting the bytes it skipped, at most
 * WSI_GUESS_RESTARTS times. Until the answer is yes nothing is decided: the caller
 * holds the bytes and, on yes, decodes them from each direction's start().
 */
#define WSI_GUESS_POINTS 4
#define WSI_GUESS_FRAMES 3
#define WSI_GUESS_RESTARTS 3
#define WSI_GUESS_HOLD (64 * 1024)   /* bytes looked at per direction before giving up */

enum wsi_guess_state {
    WSI_GUESS_LOOKING = 0,
    WSI_GUESS_YES,
    WSI_GUESS_NO,
};

struct wsi_guess_dir {
    uint8_t *buf;            /* bytes since the current attempt's start */
    size_t len, cap, pos;    /* held, capacity, start of the next frame */
    uint64_t base;           /* stream offset of buf[0] (from the direction's first byte seen) */
    uint64_t seen;           /* bytes fed so far */
    uint64_t skipped;        /* bytes skipped by restarts and gaps */
    int restarts;
    int masked;              /* -1 unknown, else the MASK bit of every frame */
    int in_msg;              /* a fragmented data message is open */
    int msg_text;            /* it is uncompressed text (UTF-8 checked) */
    uint32_t utf8;           /* UTF-8 state across its fragments */
    unsigned frames, points, closes; /* credited (segment-aligned) */
    unsigned pend_frames, pend_points, pend_closes; /* complete, awaiting a segment end on a boundary */
    int first;               /* the next frame is the attempt's first */
};

struct wsi_guess {
    enum wsi_guess_state state;
    struct wsi_guess_dir d[2];
    int client_dir;          /* on yes: the masked direction */
    char why[160];           /* the evidence (yes) or the reason (no) */
};

void wsi_guess_init(struct wsi_guess *g);
/* One segment's bytes of direction dir, in order. */
enum wsi_guess_state wsi_guess_feed(struct wsi_guess *g, int dir, const uint8_t *p, size_t n);
/* Bytes of direction dir are missing: its attempt starts again after them. */
void wsi_guess_gap(struct wsi_guess *g, int dir);
/* The connection is over: a guess still looking becomes no. */
enum wsi_guess_state wsi_guess_finish(struct wsi_guess *g);
/* On yes: where the evidence begins in direction dir (bytes fed before it are skipped). */
uint64_t wsi_guess_start(const struct wsi_guess *g, int dir);
void wsi_guess_free(struct wsi_guess *g);

#endif
