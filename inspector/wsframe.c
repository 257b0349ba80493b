/* wsframe.c - stage 5: resumable RFC 6455 frame decoder, message assembly and protocol rule checks. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "preview.h"
#include "wsframe.h"

/*
 * How this decoder reads a stream (choices the header leaves open):
 *
 *  - Header rules are checked the moment their field is complete: byte 0
 *    (data after close, RSV bits, reserved opcode, fragmented control frame,
 *    continuation without a message, data frame inside a fragmented message),
 *    byte 1 (masking), the final length (non-minimal encoding, top bit,
 *    control frame over 125 bytes, 1-byte close payload). The frame passed to
 *    violation() is the one being decoded; its fields not yet decoded are 0.
 *    Rules found in a payload (close code, UTF-8) are reported right after the
 *    frame_data() chunk that ends with the byte revealing them, so the order
 *    of callbacks is the same however the input was split.
 *  - A text/binary frame arriving while a fragmented message is open: the open
 *    message is delivered at once with incomplete = 1 (its final fragment never
 *    came), then the new frame starts a new message.
 *  - A continuation with nothing to continue is framed (frame_* callbacks) but
 *    belongs to no message and is never delivered as one.
 *  - Reserved opcodes (3-7, B-F) are framed and also delivered as a one-frame
 *    message of their own with that opcode; they never join or disturb a data
 *    message. Opcodes B-F, being control opcodes, also get the control rules
 *    (FIN required, at most 125 bytes).
 *  - Previews: a data message keeps its first preview_max bytes (0 in opts
 *    means 256); a control (or reserved) frame keeps its first 125 bytes,
 *    whatever preview_max is, so a close reason is always whole. After a gap
 *    the preview stops growing: it is only ever the bytes before the gap.
 *  - UTF-8: text messages and close reasons are validated as bytes arrive; the
 *    first invalid byte is reported, and a message (or reason) that ends in
 *    the middle of a character is reported when it ends. A text message with
 *    RSV1 is compressed and is not validated here: its utf8_valid is -1.
 *    After a gap, validation restarts at the next character boundary.
 *  - Lost: the offset given is where framing stopped being possible: the gap's
 *    offset, or the start of the frame that cannot be finished. After lost()
 *    nothing more is reported; a message being assembled is dropped.
 *  - End of stream with a fragmented message still open and no frame cut
 *    short: that message is delivered with incomplete = 1.
 *  - Skipping: once frame_data() has returned 0 for the current frame and the
 *    message layer needs no more of its bytes (its preview is full or cut by a
 *    gap, and there is no UTF-8 left to check), the rest of the frame's payload
 *    is only counted: not unmasked, not looked at. Events are the same as if
 *    every byte had been read.
 */

enum {
    ST_HDR = 0,   /* collecting header bytes (hdr_have of hdr_need) */
    ST_PAYLOAD,   /* inside a frame's payload (payload_left bytes to go) */
    ST_LOST,      /* framing lost: everything after is ignored */
    ST_ENDED,     /* wsi_ws_end was called */
};

/* Which message layer the current frame feeds. */
enum { ROLE_DATA = 1, ROLE_CTL, ROLE_ORPHAN };

#define CTL_KEEP 125u          /* control payload bytes kept (a legal control payload) */
#define DEFAULT_PREVIEW 256u   /* preview_max when the caller passes 0 */
/* A decoder-private UTF-8 state after a gap: up to N continuation bytes may be
 * skipped before validation resumes at a character boundary. */
#define UTF8_RESYNC(n) (0x100u + (n))
#define UTF8_IS_RESYNC(s) ((s) >= 0x100u)

static const struct wsi_ws_cb no_callbacks;

/* ---- names ------------------------------------------------------------ */

size_t wsi_frame_header_bytes(const struct wsi_frame *f, uint8_t h[14])
{
    size_t n = 0;
    h[n++] = (uint8_t)((f->fin ? 0x80 : 0) | ((f->rsv & 7) << 4) | (f->opcode & 0x0F));
    h[n++] = (uint8_t)((f->masked ? 0x80 : 0) | (f->len7 & 0x7F));
    if ((f->len7 & 0x7F) == 126) {
        h[n++] = (uint8_t)(f->len >> 8);
        h[n++] = (uint8_t)f->len;
    } else if ((f->len7 & 0x7F) == 127) {
        for (int i = 7; i >= 0; i--) h[n++] = (uint8_t)(f->len >> (8 * i));
    }
    if (f->masked)
        for (int i = 0; i < 4; i++) h[n++] = f->mask[i];
    return n;
}

const char *wsi_opcode_name(unsigned opcode)
{
    static const char *const names[16] = {
        "continuation", "text", "binary", "reserved-data-3", "reserved-data-4", "reserved-data-5",
        "reserved-data-6", "reserved-data-7", "close", "ping", "pong", "reserved-control-B",
        "reserved-control-C", "reserved-control-D", "reserved-control-E", "reserved-control-F",
    };
    return opcode < 16 ? names[opcode] : "invalid";
}

/* One row per violation: RFC section, stable id, sentence. */
struct violation_info {
    const char *section;
    const char *id;
    const char *text;
};

static const struct violation_info violation_table[WSI_V__COUNT] = {
    [WSI_V_CLIENT_UNMASKED] = {"RFC 6455 §5.1", "client-unmasked", "client frame is not masked"},
    [WSI_V_SERVER_MASKED] = {"RFC 6455 §5.1", "server-masked", "server frame is masked"},
    [WSI_V_RSV_NOT_NEGOTIATED] = {"RFC 6455 §5.2", "rsv-not-negotiated",
                                  "RSV bit set without a negotiated extension that defines it"},
    [WSI_V_RESERVED_OPCODE] = {"RFC 6455 §5.2", "reserved-opcode", "frame uses a reserved opcode"},
    [WSI_V_CONTROL_TOO_LONG] = {"RFC 6455 §5.5", "control-too-long",
                                "control frame payload is longer than 125 bytes"},
    [WSI_V_CONTROL_FRAGMENTED] = {"RFC 6455 §5.5", "control-fragmented", "control frame is fragmented (FIN=0)"},
    [WSI_V_NON_MINIMAL_LENGTH] = {"RFC 6455 §5.2", "non-minimal-length",
                                  "payload length is not in its minimal encoding"},
    [WSI_V_LENGTH_TOP_BIT] = {"RFC 6455 §5.2", "length-top-bit",
                              "64-bit payload length has its most significant bit set"},
    [WSI_V_CLOSE_PAYLOAD_1] = {"RFC 6455 §5.5.1", "close-payload-1", "close frame payload is a single byte"},
    [WSI_V_CLOSE_CODE_INVALID] = {"RFC 6455 §7.4.1", "close-code-invalid",
                                  "close status code may not be sent on the wire"},
    [WSI_V_INVALID_UTF8] = {"RFC 6455 §8.1", "invalid-utf8", "text is not valid UTF-8"},
    [WSI_V_DATA_AFTER_CLOSE] = {"RFC 6455 §5.5.1", "data-after-close", "frame sent after this side's close frame"},
    [WSI_V_CONT_WITHOUT_START] = {"RFC 6455 §5.4", "continuation-without-start",
                                  "continuation frame with no fragmented message to continue"},
    [WSI_V_DATA_INSIDE_FRAGMENTED] = {"RFC 6455 §5.4", "data-inside-fragmented",
                                      "new data frame while a fragmented message is unfinished"},
};

/* The table row for v, or NULL when v is not a violation. */
static const struct violation_info *violation_row(enum wsi_violation v)
{
    if ((int)v <= 0 || v >= WSI_V__COUNT) return NULL;
    return &violation_table[v];
}

const char *wsi_violation_section(enum wsi_violation v)
{
    const struct violation_info *r = violation_row(v);
    return r ? r->section : "RFC 6455";
}

const char *wsi_violation_id(enum wsi_violation v)
{
    const struct violation_info *r = violation_row(v);
    return r ? r->id : "unknown";
}

const char *wsi_violation_text(enum wsi_violation v)
{
    const struct violation_info *r = violation_row(v);
    return r ? r->text : "unknown violation";
}

int wsi_close_code_valid(int code)
{
    if (code >= 1000 && code <= 1003) return 1;
    if (code >= 1007 && code <= 1014) return 1;   /* 1012-1014 registered with IANA */
    if (code >= 3000 && code <= 4999) return 1;   /* libraries/frameworks, private use */
    return 0;
}

const char *wsi_close_code_name(int code)
{
    static const char *const names[16] = {
        "normal", "going away", "protocol error", "unsupported data", "", "no status", "abnormal",
        "invalid payload", "policy violation", "message too big", "mandatory extension", "internal error",
        "service restart", "try again later", "bad gateway", "TLS handshake",
    };
    if (code >= 1000 && code <= 1015) return names[code - 1000];
    /* RFC 6455 §7.4.2: the ranges others give meanings to */
    if (code >= 3000 && code <= 3999) return "registered (libraries, frameworks)";
    if (code >= 4000 && code <= 4999) return "private use";
    return "";
}

/* ---- event helpers ------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
#define WSI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WSI_PRINTF(a, b)
#endif

static void report(struct wsi_ws_decoder *d, enum wsi_violation v, const char *fmt, ...) WSI_PRINTF(3, 4);

/* Report violation v about the current frame; the detail lives on the stack for the call. */
static void report(struct wsi_ws_decoder *d, enum wsi_violation v, const char *fmt, ...)
{
    char detail[192];
    va_list ap;
    if (!d->cb->violation) return;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    d->cb->violation(d->user, v, &d->cur, detail);
}

static void lose(struct wsi_ws_decoder *d, uint64_t offset, const char *fmt, ...) WSI_PRINTF(3, 4);

/* Framing is lost at `offset`: say why once, then ignore the rest of the stream. */
static void lose(struct wsi_ws_decoder *d, uint64_t offset, const char *fmt, ...)
{
    char why[192];
    va_list ap;
    d->state = ST_LOST;
    if (!d->cb->lost) return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    d->cb->lost(d->user, offset, why);
}

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

static int is_control(unsigned op) { return (op & 8u) != 0; }
static int is_data_start(unsigned op) { return op == WSI_OP_TEXT || op == WSI_OP_BINARY; }
static int is_reserved(unsigned op) { return (op >= 3 && op <= 7) || op >= 0xB; }

/* Which message the current frame belongs to. */
static int frame_role(const struct wsi_ws_decoder *d)
{
    unsigned op = d->cur.opcode;
    if (is_data_start(op)) return ROLE_DATA;
    if (op == WSI_OP_CONT) return d->in_fragmented ? ROLE_DATA : ROLE_ORPHAN;
    return ROLE_CTL;   /* close, ping, pong and every reserved opcode */
}

static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* ---- UTF-8 inside messages ---------------------------------------------- */

/* A violation found inside a payload chunk, reported right after the frame_data
 * that carries the byte revealing it (so the order never depends on the split). */
struct pending {
    enum wsi_violation v;   /* 0 when there is none */
    char detail[192];
};

/* Validate text at frame payload offset `pos`. Returns how many bytes were
 * examined: all n, or up to and including the first invalid byte (then *ev is set). */
static size_t text_scan(uint32_t *st, const uint8_t *p, size_t n, uint64_t pos, const char *what,
                        struct pending *ev)
{
    struct cursor c;
    if (*st == WSI_UTF8_REJECT || n == 0) return n;
    cur_init(&c, p, n);
    if (UTF8_IS_RESYNC(*st)) {
        /* After a gap: skip the tail of a character cut by it, then resume. */
        unsigned k = *st - UTF8_RESYNC(0);
        while (k > 0 && cur_peek(&c, 0) >= 0 && (cur_peek(&c, 0) & 0xC0) == 0x80) {
            cur_skip(&c, 1);
            k--;
        }
        if (cur_left(&c) == 0) {
            *st = UTF8_RESYNC(k);
            return n;
        }
        *st = WSI_UTF8_ACCEPT;
    }
    size_t skipped = n - cur_left(&c);
    size_t rest = cur_left(&c);
    const uint8_t *q = cur_bytes(&c, rest);
    uint32_t s = wsi_utf8_feed(*st, q, rest);
    if (s != WSI_UTF8_REJECT) {
        *st = s;
        return n;
    }
    /* Find the offending byte: rare (once per message), so byte by byte. */
    size_t i = 0;
    for (uint32_t t = *st; i + 1 < rest; i++) {
        t = wsi_utf8_feed(t, q + i, 1);
        if (t == WSI_UTF8_REJECT) break;
    }
    *st = WSI_UTF8_REJECT;
    ev->v = WSI_V_INVALID_UTF8;
    snprintf(ev->detail, sizeof ev->detail, "%s: byte 0x%02X at payload offset %llu of this frame is not valid UTF-8",
             what, q[i], ull(pos + skipped + i));
    return skipped + i + 1;
}

/* At the end of a text message or close reason: a character left unfinished is invalid. */
static void text_end(struct wsi_ws_decoder *d, uint32_t *st, const char *what)
{
    if (UTF8_IS_RESYNC(*st)) *st = WSI_UTF8_ACCEPT;
    if (*st != WSI_UTF8_ACCEPT && *st != WSI_UTF8_REJECT) {
        report(d, WSI_V_INVALID_UTF8, "%s ends in the middle of a UTF-8 sequence", what);
        *st = WSI_UTF8_REJECT;
    }
}

/* After a gap, validation can only restart at the next character boundary. */
static void text_gap(uint32_t *st)
{
    if (*st != WSI_UTF8_REJECT) *st = UTF8_RESYNC(3);
}

/* ---- message delivery ----------------------------------------------------- */

/* Deliver the data message being assembled (complete, or cut: incomplete = 1). */
static void deliver_data(struct wsi_ws_decoder *d, int cut)
{
    struct wsi_message *m = &d->msg;
    if (cut) m->incomplete = 1;
    m->preview = d->buf;
    m->close_code = -1;
    m->close_reason = NULL;
    m->close_reason_len = 0;
    if (m->opcode != WSI_OP_TEXT) {
        m->utf8_valid = 0;
    } else if (m->rsv1) {
        m->utf8_valid = -1;   /* compressed: not checked here */
    } else {
        if (!cut) text_end(d, &d->utf8_state, "text message");
        m->utf8_valid = d->utf8_state != WSI_UTF8_REJECT;
    }
    d->in_fragmented = 0;
    if (d->cb->message) d->cb->message(d->user, m);
}

/* Deliver the control (or reserved-opcode) frame just read. */
static void deliver_ctl(struct wsi_ws_decoder *d)
{
    struct wsi_message *m = &d->ctl;
    m->preview = d->ctlbuf;
    m->close_reason = NULL;
    m->close_reason_len = 0;
    m->utf8_valid = 0;
    if (m->opcode == WSI_OP_CLOSE) {
        text_end(d, &d->utf8_ctl_state, "close reason");
        m->utf8_valid = d->utf8_ctl_state != WSI_UTF8_REJECT;
        if (m->close_code >= 0) {
            m->close_reason = d->ctlbuf + 2;
            m->close_reason_len = m->preview_len - 2;
        }
    }
    if (d->cb->message) d->cb->message(d->user, m);
}

/* ---- header fields ---------------------------------------------------------- */

/* Byte 0 is in: FIN, RSV, opcode, and the rules that depend on them alone. */
static void on_byte0(struct wsi_ws_decoder *d)
{
    struct cursor c;
    struct wsi_frame *f = &d->cur;
    cur_init(&c, d->hdr, 1);
    uint8_t b = cur_u8(&c);
    f->fin = (b >> 7) & 1;
    f->rsv = (uint8_t)((b >> 4) & 7);
    f->opcode = b & 0x0F;
    const char *name = wsi_opcode_name(f->opcode);

    /* §5.5.1 forbids data frames after a close; a second close or a ping/pong is no data */
    if (d->close_sent && f->opcode < 8)
        report(d, WSI_V_DATA_AFTER_CLOSE, "%s frame after this side's close frame", name);
    unsigned bad_rsv = d->opts.rsv1_allowed ? (f->rsv & 3u) : f->rsv;
    if (bad_rsv) {
        char bits[16] = "";
        for (unsigned i = 0; i < 3; i++)
            if (bad_rsv & (4u >> i)) {
                size_t at = strlen(bits);
                snprintf(bits + at, sizeof bits - at, "%sRSV%u", at ? "+" : "", i + 1);
            }
        report(d, WSI_V_RSV_NOT_NEGOTIATED, "%s set%s", bits, d->opts.rsv1_allowed ? " (only RSV1 was negotiated)" : "");
    }
    if (is_reserved(f->opcode))
        report(d, WSI_V_RESERVED_OPCODE, "opcode 0x%X (%s)", f->opcode, name);
    if (is_control(f->opcode) && !f->fin)
        report(d, WSI_V_CONTROL_FRAGMENTED, "%s frame with FIN=0", name);
    if (f->opcode == WSI_OP_CONT && !d->in_fragmented)
        report(d, WSI_V_CONT_WITHOUT_START, "no fragmented message is open; this frame joins no message");
    if (is_data_start(f->opcode) && d->in_fragmented) {
        report(d, WSI_V_DATA_INSIDE_FRAGMENTED,
               "%s frame while a %s message (%u frame%s) awaits its final fragment; "
               "that message is delivered as incomplete",
               name, wsi_opcode_name(d->msg.opcode), d->msg.nframes, d->msg.nframes == 1 ? "" : "s");
        deliver_data(d, 1);
    }
    if (f->opcode == WSI_OP_CLOSE) d->close_sent = 1;
}

/* The payload length is final: the rules about it. */
static void on_length(struct wsi_ws_decoder *d)
{
    struct wsi_frame *f = &d->cur;
    if (is_control(f->opcode) && f->len > CTL_KEEP)
        report(d, WSI_V_CONTROL_TOO_LONG, "%s frame with a %llu-byte payload; only the first %u bytes are kept",
               wsi_opcode_name(f->opcode), ull(f->len), CTL_KEEP);
    if (f->opcode == WSI_OP_CLOSE && f->len == 1)
        report(d, WSI_V_CLOSE_PAYLOAD_1, "a status code needs 2 bytes; the payload has 1");
}

/* Byte 1 is in: MASK and the 7-bit length. */
static void on_byte1(struct wsi_ws_decoder *d)
{
    struct cursor c;
    struct wsi_frame *f = &d->cur;
    cur_init(&c, d->hdr + 1, 1);
    uint8_t b = cur_u8(&c);
    f->masked = (b >> 7) & 1;
    f->len7 = b & 0x7F;
    unsigned ext = f->len7 == 126 ? 2u : f->len7 == 127 ? 8u : 0u;
    d->hdr_need = 2u + ext + (f->masked ? 4u : 0u);
    if (d->opts.from_client && !f->masked)
        report(d, WSI_V_CLIENT_UNMASKED, "%s frame from the client has MASK=0", wsi_opcode_name(f->opcode));
    if (!d->opts.from_client && f->masked)
        report(d, WSI_V_SERVER_MASKED, "%s frame from the server has MASK=1", wsi_opcode_name(f->opcode));
    if (ext == 0) {
        f->len = f->len7;
        on_length(d);
    }
}

/* The extended length is in: 16 or 64 bits, big-endian. */
static void on_extlen(struct wsi_ws_decoder *d)
{
    struct cursor c;
    struct wsi_frame *f = &d->cur;
    if (f->len7 == 126) {
        cur_init(&c, d->hdr + 2, 2);
        f->len = cur_be16(&c);
        if (f->len < 126)
            report(d, WSI_V_NON_MINIMAL_LENGTH, "length %llu sent in the 16-bit field; it fits in 7 bits", ull(f->len));
    } else {
        cur_init(&c, d->hdr + 2, 8);
        f->len = cur_be64(&c);
        if (f->len >> 63) {
            report(d, WSI_V_LENGTH_TOP_BIT, "64-bit length 0x%016llX", ull(f->len));
            lose(d, f->offset, "frame at offset %llu has a 64-bit length with its top bit set; its end is unknown",
                 ull(f->offset));
            return;
        }
        if (f->len <= 0xFFFF)
            report(d, WSI_V_NON_MINIMAL_LENGTH, "length %llu sent in the 64-bit field; it fits in %s", ull(f->len),
                   f->len < 126 ? "7 bits" : "16 bits");
    }
    on_length(d);
}

/* Start the message layer's view of the frame whose header just ended. */
static void message_begin(struct wsi_ws_decoder *d)
{
    const struct wsi_frame *f = &d->cur;
    switch (frame_role(d)) {
    case ROLE_DATA:
        if (is_data_start(f->opcode)) {
            memset(&d->msg, 0, sizeof d->msg);
            d->msg.opcode = f->opcode;
            d->msg.rsv1 = (f->rsv & 4) != 0;
            d->msg.len = f->len;
            d->msg.nframes = 1;
            d->utf8_state = WSI_UTF8_ACCEPT;
            d->in_fragmented = 1;
        } else {
            d->msg.len = add_sat(d->msg.len, f->len);
            d->msg.nframes++;
        }
        break;
    case ROLE_CTL:
        memset(&d->ctl, 0, sizeof d->ctl);
        d->ctl.opcode = f->opcode;
        d->ctl.rsv1 = (f->rsv & 4) != 0;
        d->ctl.len = f->len;
        d->ctl.nframes = 1;
        d->ctl.close_code = -1;
        d->utf8_ctl_state = WSI_UTF8_ACCEPT;
        break;
    default:
        break;
    }
}

/* The frame's payload is all in (or skipped): end it, and its message if it was the last frame. */
static void frame_done(struct wsi_ws_decoder *d)
{
    if (d->cb->frame_end) d->cb->frame_end(d->user, &d->cur);
    switch (frame_role(d)) {
    case ROLE_DATA:
        if (d->cur.fin) deliver_data(d, 0);
        break;
    case ROLE_CTL:
        deliver_ctl(d);
        break;
    default:
        break;
    }
    d->state = ST_HDR;
    d->hdr_have = 0;
    d->hdr_need = 2;
}

/* The whole header is in: masking key, then the frame begins. */
static void on_header(struct wsi_ws_decoder *d)
{
    struct cursor c;
    struct wsi_frame *f = &d->cur;
    f->hdr_len = (uint8_t)d->hdr_need;
    if (f->masked) {
        cur_init(&c, d->hdr + d->hdr_need - 4, 4);
        cur_copy(&c, f->mask, 4);
    }
    d->payload_left = f->len;
    d->data_wanted = d->cb->frame_data != NULL;
    message_begin(d);
    if (d->cb->frame_begin) d->cb->frame_begin(d->user, f);
    d->state = ST_PAYLOAD;
    if (d->payload_left == 0) frame_done(d);
}

/* One header byte at stream offset d->offset. */
static void header_byte(struct wsi_ws_decoder *d, uint8_t b)
{
    if (d->hdr_have == 0) {
        memset(&d->cur, 0, sizeof d->cur);
        d->cur.offset = d->offset;
    }
    d->offset++;
    d->hdr[d->hdr_have++] = b;
    if (d->hdr_have == 1) {
        on_byte0(d);
        return;
    }
    if (d->hdr_have == 2) on_byte1(d);
    else if (d->cur.len7 >= 126 && d->hdr_have == (d->cur.len7 == 126 ? 4u : 10u)) on_extlen(d);
    if (d->state == ST_HDR && d->hdr_have == d->hdr_need) on_header(d);
}

/* ---- payload ---------------------------------------------------------------- */

/* Unmask n bytes whose first is at payload offset ≡ phase (mod 4), 8 bytes at a time. */
static void unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t key[4], unsigned phase)
{
    uint8_t pat[8];
    uint64_t k, w;
    size_t i = 0;
    for (unsigned j = 0; j < 8; j++) pat[j] = key[(phase + j) & 3];
    memcpy(&k, pat, 8);
    for (; n - i >= 8; i += 8) {
        memcpy(&w, src + i, 8);
        w ^= k;
        memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++) dst[i] = src[i] ^ pat[i & 7];
}

/* Append p[0..n) to dst at *have, never past cap; returns how many bytes were kept. */
static size_t keep(uint8_t *dst, size_t *have, size_t cap, const uint8_t *p, size_t n)
{
    size_t room = *have < cap ? cap - *have : 0;
    size_t k = n < room ? n : room;
    if (k) memcpy(dst + *have, p, k);
    *have += k;
    return k;
}

/* The message layer still needs the current frame's bytes: UTF-8 to check or
 * preview room left. When it does not, message_bytes() would change nothing. */
static int message_needs(const struct wsi_ws_decoder *d)
{
    const struct wsi_message *m;
    switch (frame_role(d)) {
    case ROLE_DATA:
        m = &d->msg;
        if (m->opcode == WSI_OP_TEXT && !m->rsv1 && d->utf8_state != WSI_UTF8_REJECT) return 1;
        return !m->incomplete && m->preview_len < d->opts.preview_max;
    case ROLE_CTL:
        m = &d->ctl;
        if (m->opcode == WSI_OP_CLOSE && d->utf8_ctl_state != WSI_UTF8_REJECT) return 1;
        return !m->incomplete && m->preview_len < CTL_KEEP;   /* also covers the close code */
    default:
        return 0;   /* an orphan continuation feeds no message */
    }
}

/* Nobody needs the rest of the current frame's payload: it may be skipped. */
static int skipping(const struct wsi_ws_decoder *d) { return !d->data_wanted && !message_needs(d); }

/* The message layer's share of a payload chunk at frame payload offset `pos`:
 * preview, UTF-8, close code. Stops just after a byte that reveals a violation
 * (set in *ev); returns how many bytes it took (at least 1 when n > 0). */
static size_t message_bytes(struct wsi_ws_decoder *d, const uint8_t *p, size_t n, uint64_t pos, struct pending *ev)
{
    size_t take = n;
    switch (frame_role(d)) {
    case ROLE_DATA:
        if (d->msg.opcode == WSI_OP_TEXT && !d->msg.rsv1) take = text_scan(&d->utf8_state, p, n, pos, "text message", ev);
        if (!d->msg.incomplete) wsi_preview_keep(&d->buf, &d->msg.preview_len, &d->bufcap, d->opts.preview_max, p, take);
        break;
    case ROLE_CTL: {
        struct wsi_message *m = &d->ctl;
        size_t a = 0;
        if (m->opcode == WSI_OP_CLOSE && pos < 2) {
            /* the status code's bytes */
            a = n < 2 - pos ? n : (size_t)(2 - pos);
            size_t before = m->preview_len;
            if (!m->incomplete) keep(d->ctlbuf, &m->preview_len, CTL_KEEP, p, a);
            if (before < 2 && m->preview_len >= 2) {
                struct cursor c;
                cur_init(&c, d->ctlbuf, m->preview_len);
                m->close_code = cur_be16(&c);
                if (!wsi_close_code_valid(m->close_code)) {
                    const char *name = wsi_close_code_name(m->close_code);
                    ev->v = WSI_V_CLOSE_CODE_INVALID;
                    snprintf(ev->detail, sizeof ev->detail, "close code %d%s%s%s may not be sent", m->close_code,
                             *name ? " (" : "", name, *name ? ")" : "");
                    return a;
                }
            }
        }
        take = a;
        if (m->opcode == WSI_OP_CLOSE) take += text_scan(&d->utf8_ctl_state, p + a, n - a, pos + a, "close reason", ev);
        else take = n;
        if (!m->incomplete) keep(d->ctlbuf, &m->preview_len, CTL_KEEP, p + a, take - a);
        break;
    }
    default:
        break;
    }
    return take;
}

/* A chunk of unmasked payload at frame payload offset `pos`: framing and message
 * layers. Stops early once the rest may be skipped. */
static void payload_data(struct wsi_ws_decoder *d, const uint8_t *p, size_t n, uint64_t pos)
{
    while (n > 0 && !skipping(d)) {
        struct pending ev;
        ev.v = 0;
        size_t take = message_bytes(d, p, n, pos, &ev);
        if (d->data_wanted && !d->cb->frame_data(d->user, &d->cur, p, take)) d->data_wanted = 0;
        if (ev.v) report(d, ev.v, "%s", ev.detail);
        p += take;
        n -= take;
        pos += take;
    }
}

/* n payload bytes as they came off the wire; unmasks when needed, unless skipping. */
static void payload_chunk(struct wsi_ws_decoder *d, const uint8_t *p, size_t n)
{
    uint64_t pos = d->cur.len - d->payload_left;
    d->payload_left -= n;
    d->offset += n;
    if (!d->cur.masked) {
        payload_data(d, p, n, pos);
    } else {
        uint8_t tmp[4096];
        while (n > 0 && !skipping(d)) {
            size_t m = n < sizeof tmp ? n : sizeof tmp;
            unmask(tmp, p, m, d->cur.mask, (unsigned)(pos & 3));
            payload_data(d, tmp, m, pos);
            p += m;
            n -= m;
            pos += m;
        }
    }
    if (d->payload_left == 0) frame_done(d);
}

/* ---- public API --------------------------------------------------------------- */

int wsi_ws_init(struct wsi_ws_decoder *d, const struct wsi_ws_opts *o, const struct wsi_ws_cb *cb, void *user)
{
    if (!d) return -1;
    memset(d, 0, sizeof *d);
    if (o) d->opts = *o;
    if (d->opts.preview_max == 0) d->opts.preview_max = DEFAULT_PREVIEW;
    d->cb = cb ? cb : &no_callbacks;
    d->user = user;
    d->state = ST_HDR;
    d->hdr_need = 2;
    d->bufcap = d->opts.preview_max < WSI_PREVIEW_FIRST ? d->opts.preview_max : WSI_PREVIEW_FIRST;
    d->buf = malloc(d->bufcap);
    return d->buf ? 0 : -1;
}

size_t wsi_ws_held(const struct wsi_ws_decoder *d) { return d ? d->bufcap : 0; }

size_t wsi_ws_feed(struct wsi_ws_decoder *d, const uint8_t *data, size_t len)
{
    struct cursor c;
    cur_init(&c, data, len);
    while (cur_left(&c) > 0) {
        if (d->state == ST_HDR) {
            header_byte(d, cur_u8(&c));
        } else if (d->state == ST_PAYLOAD) {
            size_t n = cur_left(&c);
            if ((uint64_t)n > d->payload_left) n = (size_t)d->payload_left;
            payload_chunk(d, cur_bytes(&c, n), n);
        } else {
            break;
        }
    }
    return len - cur_left(&c);
}

void wsi_ws_gap(struct wsi_ws_decoder *d, uint64_t len)
{
    if (len == 0 || d->state == ST_LOST || d->state == ST_ENDED) return;
    if (d->state == ST_HDR) {
        if (d->hdr_have == 0)
            lose(d, d->offset, "gap of %llu bytes where a frame header was expected", ull(len));
        else
            lose(d, d->offset, "gap of %llu bytes inside the header of the frame at offset %llu", ull(len),
                 ull(d->cur.offset));
        return;
    }
    if (len > d->payload_left) {
        lose(d, d->offset, "gap of %llu bytes runs past the end of the frame at offset %llu (%llu payload bytes left)",
             ull(len), ull(d->cur.offset), ull(d->payload_left));
        return;
    }
    uint64_t pos = d->cur.len - d->payload_left;
    d->payload_left -= len;
    d->offset += len;
    switch (frame_role(d)) {
    case ROLE_DATA:
        d->msg.incomplete = 1;
        if (d->msg.opcode == WSI_OP_TEXT) text_gap(&d->utf8_state);
        break;
    case ROLE_CTL:
        d->ctl.incomplete = 1;
        if (d->ctl.opcode == WSI_OP_CLOSE && pos + len > 2) text_gap(&d->utf8_ctl_state);
        break;
    default:
        break;
    }
    if (d->payload_left == 0) frame_done(d);
}

void wsi_ws_end(struct wsi_ws_decoder *d)
{
    if (d->state == ST_HDR && d->hdr_have > 0) {
        if (d->hdr_have < 2)
            lose(d, d->cur.offset, "stream ended inside a frame header (%u of at least 2 bytes)", d->hdr_have);
        else
            lose(d, d->cur.offset, "stream ended inside a frame header (%u of %u bytes)", d->hdr_have, d->hdr_need);
    } else if (d->state == ST_PAYLOAD) {
        lose(d, d->cur.offset, "stream ended inside a frame (%llu of %llu payload bytes)",
             ull(d->cur.len - d->payload_left), ull(d->cur.len));
    } else if (d->state == ST_HDR && d->in_fragmented) {
        deliver_data(d, 1);
    }
    d->state = ST_ENDED;
}

void wsi_ws_free(struct wsi_ws_decoder *d)
{
    if (!d) return;
    free(d->buf);
    d->buf = NULL;
}
