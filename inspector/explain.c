/* explain.c - --explain N: one WebSocket frame laid out bit by bit, as RFC 6455 §5.2 draws it. */

#include "explain.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "render.h"
#include "wsframe.h"

struct wsi_explain {
    struct wsi_render_opts o;
    uint64_t conn;          /* the connection (0: the first one with a frame) */
    uint64_t want;          /* N */
    uint64_t seen;          /* frames of the connection so far, both directions */
    int deflate;            /* its handshake negotiated permessage-deflate */
    int done;               /* frame N was explained */
    int wait_msg;           /* its message's event is awaited (the inflated text of a compressed message) */
    enum wsi_side side;     /* the side of frame N */
};

struct wsi_explain *wsi_explain_new(const struct wsi_render_opts *o, uint64_t conn, uint64_t n)
{
    struct wsi_explain *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->o = *o;
    if (!x->o.out) x->o.out = stdout;
    x->conn = conn;
    x->want = n;
    return x;
}

static const char *opcode_meaning(unsigned op)
{
    switch (op) {
    case WSI_OP_CONT: return "continuation frame: more of the message the previous frames began";
    case WSI_OP_TEXT: return "text frame: its message is UTF-8 text";
    case WSI_OP_BINARY: return "binary frame: its message is bytes";
    case WSI_OP_CLOSE: return "close frame: the closing handshake (\xC2\xA7" "5.5.1)";
    case WSI_OP_PING: return "ping frame: the peer must answer with a pong (\xC2\xA7" "5.5.2)";
    case WSI_OP_PONG: return "pong frame: the answer to a ping (\xC2\xA7" "5.5.3)";
    default: return "reserved opcode: no meaning is defined, a receiver must fail the connection";
    }
}

static void bits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) *out++ = (char)('0' + ((v >> i) & 1));
    *out = '\0';
}

static void hexs(FILE *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) fprintf(out, "%s%02x", i ? " " : "", p[i]);
}

/* Bytes as text between quotes, escaped as every view escapes wire data (render_util.c):
 * valid UTF-8 as it is ("café ✓" reads as sent), control bytes, invalid bytes and the
 * characters that could hide or reorder text on a terminal as \n, \xNN, \uNNNN. When the
 * bytes are a cut prefix (cut set), a character the cut split is left out. */
static void text_of(FILE *out, const uint8_t *p, size_t n, int cut)
{
    if (cut) n = wsi_utf8_trim_tail(p, n);
    size_t cap = 4 * n + 1; /* the longest escape, \xNN, stands for one byte */
    char *buf = malloc(cap);
    if (!buf) {
        fputs("\"(no memory to show it)\"", out);
        return;
    }
    wsi_escape_preview(p, n, SIZE_MAX, 0, buf, cap);
    fprintf(out, "\"%s\"", buf);
    free(buf);
}

#define XOR_SHOWN 16 /* bytes shown in the unmasking table */

static void explain_frame(struct wsi_explain *x, const struct wsi_event *ev)
{
    FILE *out = x->o.out;
    const struct wsi_frame_ev *fe = &ev->u.frame;
    const struct wsi_frame *f = fe->f;
    uint8_t h[14];
    size_t hn = wsi_frame_header_bytes(f, h);
    char b[16];
    const char *dir = ev->side == WSI_C2S ? "client -> server" : "server -> client";
    fprintf(out, "Frame %" PRIu64 " of connection %" PRIu64 " (%s), packet %" PRIu64 ", %.6f s   RFC 6455 \xC2\xA7" "5.2\n",
            x->want, ev->conn, dir, ev->packet, ev->t);
    fprintf(out, "  header, %zu bytes: ", hn);
    hexs(out, h, hn);
    fputs("\n\n", out);

    bits(b, h[0], 8);
    fprintf(out, "  byte 0   %c %c%c%c %s   = 0x%02x\n", b[0], b[1], b[2], b[3], b + 4, h[0]);
    fprintf(out, "           | ||| `--- opcode %u: %s (\xC2\xA7" "5.2, \xC2\xA7" "11.8)\n", f->opcode,
            opcode_meaning(f->opcode));
    fprintf(out, "           | ||`----- RSV3 %d\n", (f->rsv & 1) != 0);
    fprintf(out, "           | |`------ RSV2 %d\n", (f->rsv & 2) != 0);
    if (f->rsv & 4)
        fprintf(out, "           | `------- RSV1 1: %s\n",
                x->deflate ? (f->opcode == WSI_OP_CONT ? "set on a continuation: RSV1 belongs on a message's first frame only (RFC 7692 \xC2\xA7" "6.1)"
                                                       : "the message is compressed (permessage-deflate, RFC 7692 \xC2\xA7" "6)")
                           : "no extension was negotiated that gives it a meaning (\xC2\xA7" "5.2)");
    else
        fprintf(out, "           | `------- RSV1 0%s\n",
                x->deflate && (f->opcode == WSI_OP_TEXT || f->opcode == WSI_OP_BINARY) ? ": not compressed" : "");
    fprintf(out, "           `--------- FIN %d: %s\n", f->fin,
            f->fin ? "the last frame of its message" : "more frames of this message follow");

    bits(b, h[1], 8);
    fprintf(out, "  byte 1   %c %s     = 0x%02x\n", b[0], b + 1, h[1]);
    if (f->len7 < 126)
        fprintf(out, "           | `------- payload length %u (lengths 0 to 125 fit in these 7 bits)\n", f->len7);
    else
        fprintf(out, "           | `------- %u: the length is in the next %d bytes (%s)\n", f->len7,
                f->len7 == 126 ? 2 : 8, f->len7 == 126 ? "16-bit form, for 126 to 65535" : "64-bit form, for 65536 and more");
    fprintf(out, "           `--------- MASK %d: %s (\xC2\xA7" "5.1)\n", f->masked,
            f->masked ? "the payload is masked; a client must mask every frame"
                      : "the payload is not masked; a server must never mask");

    size_t at = 2;
    if (f->len7 >= 126) {
        size_t k = f->len7 == 126 ? 2 : 8;
        fprintf(out, "  bytes %zu-%zu  ", at, at + k - 1);
        hexs(out, h + at, k);
        fprintf(out, "   = %" PRIu64 ", the payload length\n", f->len);
        int minimal = f->len7 == 126 ? f->len >= 126 : f->len > 0xFFFF;
        if (!minimal)
            fprintf(out, "           not the minimal form: %" PRIu64 " fits in %s; \xC2\xA7" "5.2 says the minimal number of bytes MUST be used\n",
                    f->len, f->len < 126 ? "the 7 bits" : "16 bits");
        if (f->len7 == 127 && (h[2] & 0x80))
            fputs("           its most significant bit is set, which \xC2\xA7" "5.2 forbids\n", out);
        at += k;
    }
    if (f->masked) {
        fprintf(out, "  bytes %zu-%zu  ", at, at + 3);
        hexs(out, f->mask, 4);
        fputs("   masking key, chosen at random for each frame (\xC2\xA7" "5.3)\n", out);
        at += 4;
    }
    fprintf(out, "\n  payload: %" PRIu64 " byte%s after the %zu header bytes (frame: %" PRIu64 " bytes)\n", f->len,
            f->len == 1 ? "" : "s", hn, (uint64_t)hn + f->len);
    size_t shown = fe->preview_len < XOR_SHOWN ? fe->preview_len : XOR_SHOWN;
    if (f->masked && shown) {
        uint8_t masked[XOR_SHOWN], key[XOR_SHOWN];
        for (size_t i = 0; i < shown; i++) {
            key[i] = f->mask[i % 4];
            masked[i] = fe->preview[i] ^ key[i];
        }
        fputs("    on the wire  ", out);
        hexs(out, masked, shown);
        fputs("\n    key byte i%4 ", out);
        hexs(out, key, shown);
        fputs("\n    XOR          ", out);
        hexs(out, fe->preview, shown);
        fprintf(out, "%s\n", fe->preview_len > shown || f->len > shown ? " ..." : "");
        fprintf(out, "    check by hand: printf '%%02x\\n' $(( 0x%02x ^ 0x%02x ))   prints %02x\n", masked[0], key[0],
                fe->preview[0]);
    } else if (shown) {
        fputs("    bytes        ", out);
        hexs(out, fe->preview, shown);
        fprintf(out, "%s\n", fe->preview_len > shown || f->len > shown ? " ..." : "");
    }
    if (fe->preview_len) {
        int compressed = (f->rsv & 4) && x->deflate;
        fputs(compressed ? "    compressed   " : (f->opcode == WSI_OP_BINARY ? "    (binary)     " : "    as text      "), out);
        if (compressed || f->opcode == WSI_OP_BINARY) {
            fprintf(out, "%" PRIu64 " bytes\n", f->len);
        } else {
            text_of(out, fe->preview, fe->preview_len, (uint64_t)fe->preview_len < f->len);
            fprintf(out, "%s\n", (uint64_t)fe->preview_len < f->len ? " (the first bytes; --payload shows more)" : "");
        }
    }
    x->wait_msg = f->fin;
    x->side = ev->side;
}

void wsi_explain_event(void *self, const struct wsi_event *ev)
{
    struct wsi_explain *x = self;
    if (x->done && !x->wait_msg) return;
    if (x->conn && ev->conn != x->conn) return;
    if (ev->kind == WSI_EV_HANDSHAKE) {
        if (!x->conn || ev->conn == x->conn) x->deflate = ev->u.hs.deflate;
        return;
    }
    if (ev->kind == WSI_EV_MESSAGE && x->wait_msg && ev->side == x->side) {
        const struct wsi_message_ev *me = &ev->u.msg;
        x->wait_msg = 0;
        if (me->inflated && me->plain) {
            fprintf(x->o.out, "    inflated     %" PRIu64 " bytes (RFC 7692 \xC2\xA7" "7.2.2): ", me->plain_total);
            text_of(x->o.out, me->plain, me->plain_len, me->plain_len < me->plain_total);
            fputc('\n', x->o.out);
        } else if (me->inflated && me->inflate_error) {
            fprintf(x->o.out, "    does not inflate: %s\n", me->inflate_error);
        }
        return;
    }
    if (ev->kind != WSI_EV_FRAME || !ev->u.frame.f || x->done) return;
    if (!x->conn) x->conn = ev->conn; /* the first connection with a frame */
    if (++x->seen != x->want) return;
    x->done = 1;
    explain_frame(x, ev);
}

int wsi_explain_free(struct wsi_explain *x, const char *input)
{
    if (!x) return 0;
    int found = x->done;
    if (!found && input) {
        if (!x->conn)
            fprintf(stderr, "wsinspect: %s: --explain %" PRIu64 ": no WebSocket frame in the capture\n", input, x->want);
        else
            fprintf(stderr, "wsinspect: %s: --explain %" PRIu64 ": connection %" PRIu64 " has %" PRIu64 " frame%s\n", input,
                    x->want, x->conn, x->seen, x->seen == 1 ? "" : "s");
    }
    free(x);
    return found ? 0 : -1;
}
