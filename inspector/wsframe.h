/* wsframe.h - stage 5: RFC 6455 frame decoding, message assembly and protocol checks. */
#ifndef WSI_WSFRAME_H
#define WSI_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

/*
 * One decoder per direction of a WebSocket connection. It does no I/O: the
 * caller pushes bytes as they come (any split, even one byte at a time, gives
 * the same result as all at once) and gets events through callbacks. It is a
 * resumable state machine: header, extended length, masking key, payload.
 *
 * Two layers in one object:
 *  - framing: every frame's header, its unmasked payload in chunks, its end;
 *  - messages: fragments assembled into messages (text/binary), control frames
 *    (close/ping/pong) as messages of their own, each with a bounded preview.
 * RFC rules are checked the moment the field is decoded; a violation is an
 * event, and decoding goes on wherever the framing still makes sense.
 */

enum wsi_opcode {
    WSI_OP_CONT = 0x0,
    WSI_OP_TEXT = 0x1,
    WSI_OP_BINARY = 0x2,
    WSI_OP_CLOSE = 0x8,
    WSI_OP_PING = 0x9,
    WSI_OP_PONG = 0xA,
};

/* "text", "binary", "continuation", "close", "ping", "pong", "reserved-data-3".. "reserved-control-F" */
const char *wsi_opcode_name(unsigned opcode);

/* A frame header as decoded. */
struct wsi_frame {
    int fin;            /* FIN bit */
    uint8_t rsv;        /* RSV1..3 as a 3-bit value (RSV1 = 4), as tshark's websocket.rsv */
    uint8_t opcode;     /* 4 bits */
    int masked;         /* MASK bit */
    uint8_t mask[4];    /* masking key when masked */
    uint8_t len7;       /* the 7-bit length field as sent (126/127 = extended) */
    uint64_t len;       /* payload length */
    uint8_t hdr_len;    /* header bytes: 2..14 */
    uint64_t offset;    /* stream offset of the frame's first byte (from the start of the WebSocket stream) */
};

/* The frame's header bytes (2 to 14) as they were on the wire, rebuilt from the decoded
 * fields (each is kept as sent: the 7-bit length too, so a non-minimal length comes back
 * as it was); returns how many. */
size_t wsi_frame_header_bytes(const struct wsi_frame *f, uint8_t h[14]);

/* Protocol violations, each tied to its RFC rule. */
enum wsi_violation {
    WSI_V_CLIENT_UNMASKED = 1,  /* §5.1 a client frame must be masked */
    WSI_V_SERVER_MASKED,        /* §5.1 a server frame must not be masked */
    WSI_V_RSV_NOT_NEGOTIATED,   /* §5.2 RSV bit set with no extension negotiated */
    WSI_V_RESERVED_OPCODE,      /* §5.2 reserved opcode */
    WSI_V_CONTROL_TOO_LONG,     /* §5.5 control frame payload over 125 bytes */
    WSI_V_CONTROL_FRAGMENTED,   /* §5.5 control frame without FIN */
    WSI_V_NON_MINIMAL_LENGTH,   /* §5.2 length not in its minimal encoding */
    WSI_V_LENGTH_TOP_BIT,       /* §5.2 64-bit length with the most significant bit set */
    WSI_V_CLOSE_PAYLOAD_1,      /* §5.5.1 close payload of 1 byte */
    WSI_V_CLOSE_CODE_INVALID,   /* §7.4 close code that may not be sent */
    WSI_V_INVALID_UTF8,         /* §8.1 text message (or close reason) not valid UTF-8 */
    WSI_V_DATA_AFTER_CLOSE,     /* §5.5.1 frame after this side sent close */
    WSI_V_CONT_WITHOUT_START,   /* §5.4 continuation with no message to continue */
    WSI_V_DATA_INSIDE_FRAGMENTED, /* §5.4 new data frame inside a fragmented message */
    WSI_V__COUNT
};

/* "RFC 6455 §5.1" */
const char *wsi_violation_section(enum wsi_violation v);
/* A stable machine name: "client-unmasked", "server-masked", ... */
const char *wsi_violation_id(enum wsi_violation v);
/* A sentence: "client frame is not masked" */
const char *wsi_violation_text(enum wsi_violation v);

/* A complete message (data message after its last fragment, or a control frame). */
struct wsi_message {
    uint8_t opcode;          /* TEXT, BINARY, CLOSE, PING, PONG (or a reserved one) */
    uint64_t len;            /* payload bytes (sum over fragments) */
    unsigned nframes;        /* frames it took */
    int rsv1;                /* RSV1 on its first frame (compressed under permessage-deflate) */
    const uint8_t *preview;  /* the first preview_len payload bytes, unmasked */
    size_t preview_len;      /* min(len, preview cap) */
    int utf8_valid;          /* text: the whole message is valid UTF-8; close: the reason is */
    int close_code;          /* close: the status code, or -1 when the payload is empty */
    const uint8_t *close_reason; /* close: reason bytes (within preview) */
    size_t close_reason_len;
    int incomplete;          /* a gap fell inside it: bytes are missing */
};

struct wsi_ws_cb {
    /* A frame header is complete. */
    void (*frame_begin)(void *user, const struct wsi_frame *f);
    /* A chunk of the frame's payload, unmasked. Returns nonzero to go on getting
     * this frame's payload, 0 when it needs no more of it: then frame_data is not
     * called again until the next frame, and payload bytes that the message layer
     * does not need either are skipped, not unmasked. NULL means it needs none. */
    int (*frame_data)(void *user, const struct wsi_frame *f, const uint8_t *data, size_t len);
    /* The frame's payload is complete. */
    void (*frame_end)(void *user, const struct wsi_frame *f);
    /* A message is complete. */
    void (*message)(void *user, const struct wsi_message *m);
    /* A violation; f is the frame it concerns (NULL when none), detail may add facts. */
    void (*violation)(void *user, enum wsi_violation v, const struct wsi_frame *f, const char *detail);
    /* The stream cannot be framed any more (a gap hit a header): the rest is undecodable. */
    void (*lost)(void *user, uint64_t offset, const char *why);
};

struct wsi_ws_opts {
    int from_client;         /* this direction is client -> server (frames must be masked) */
    int rsv1_allowed;        /* an extension using RSV1 (permessage-deflate) was negotiated */
    size_t preview_max;      /* payload bytes kept per message for its preview (default 256) */
};

/* Decoder state: treat as opaque; on the stack or embedded, no allocation besides the preview. */
struct wsi_ws_decoder {
    struct wsi_ws_opts opts;
    const struct wsi_ws_cb *cb;
    void *user;
    /* framing */
    int state;               /* header byte 0, byte 1, ext length, mask, payload, lost */
    uint8_t hdr[14];
    unsigned hdr_have, hdr_need;
    struct wsi_frame cur;
    uint64_t payload_left;
    int data_wanted;         /* frame_data still wants the current frame's payload */
    uint64_t offset;         /* stream offset of the next byte */
    /* messages */
    int in_fragmented;       /* a data message is open, awaiting continuations */
    int close_sent;          /* this direction sent a close */
    struct wsi_message msg;  /* data message being assembled */
    struct wsi_message ctl;  /* control frame being read */
    uint8_t *buf;            /* preview buffer for data messages (up to preview_max: it grows) */
    size_t bufcap;           /* its size */
    uint8_t ctlbuf[125 + 2]; /* control payloads (they may be up to 125 bytes; longer is cut) */
    uint32_t utf8_state;     /* UTF-8 validation across fragments */
    uint32_t utf8_ctl_state;
};

int wsi_ws_init(struct wsi_ws_decoder *d, const struct wsi_ws_opts *o, const struct wsi_ws_cb *cb, void *user);

/* Push bytes; returns how many were consumed (all of them, unless the stream is lost). */
size_t wsi_ws_feed(struct wsi_ws_decoder *d, const uint8_t *data, size_t len);

/* `len` bytes are missing from the stream here. Inside a payload they are skipped
 * (the message is marked incomplete); if they hit a header the stream is lost. */
void wsi_ws_gap(struct wsi_ws_decoder *d, uint64_t len);

/* The direction ended: a frame cut short is reported through lost(). */
void wsi_ws_end(struct wsi_ws_decoder *d);

void wsi_ws_free(struct wsi_ws_decoder *d);

/* UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF):
 * feed bytes, state 0 = accept, 1 = reject, other = inside a sequence. */
#define WSI_UTF8_ACCEPT 0
#define WSI_UTF8_REJECT 1
uint32_t wsi_utf8_feed(uint32_t state, const uint8_t *s, size_t len);

/* 1 when a close code may be sent on the wire (RFC 6455 §7.4.1, §7.4.2). */
int wsi_close_code_valid(int code);
/* "normal", "going away", "protocol error", ... or "" for unnamed. */
const char *wsi_close_code_name(int code);

/* Bytes the decoder holds besides its struct (its message preview buffer). */
size_t wsi_ws_held(const struct wsi_ws_decoder *d);

#endif
