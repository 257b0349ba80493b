/* fuzz_wsframe.c - libFuzzer harness for the RFC 6455 frame decoder (inspector/wsframe.c).
 *
 * Input layout (fields past the end of the input read as 0):
 *   byte 0      options: bit 0 RSV1 allowed (deflate negotiated); bits 1-3 preview_max
 *               choice; bit 4 a gap is applied; bit 5 a big gap (length << 32);
 *               bit 6 the frame_data consumer stops at preview_max bytes of each frame
 *   bytes 1-2   split point (big-endian, modulo the stream length + 1)
 *   bytes 3-4   gap position (same)
 *   bytes 5-8   gap length
 *   the rest    the WebSocket byte stream of one direction
 *
 * The stream is decoded as a client direction and as a server direction. Each
 * time it is fed three ways - whole, cut in two at the split point, and one
 * byte at a time (streams up to 2 KiB) - with the same gap at the same stream
 * position, and every callback is recorded. The decoder promises that any split
 * gives the same result, so any difference between the records aborts. Frame
 * payload chunks are folded into a hash per frame because their boundaries
 * legitimately follow the feed boundaries.
 *
 * With bit 6, only the first preview_max payload bytes of each frame are
 * recorded, and the split and byte-at-a-time runs use a consumer that says
 * "no more" (returns 0) once it has them, so the decoder skips what nobody
 * needs; the whole-input run keeps taking every byte. The records must still
 * be identical: skipping never changes an event.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "wsframe.h"

/* Everything one decoding run reported, plus the state its invariants need. */
struct run {
    struct fz_log log;
    size_t preview_cap;      /* the effective preview_max */
    int had_gap;             /* a gap was applied: payload byte counts may fall short */
    uint64_t limit;          /* payload bytes of each frame recorded (UINT64_MAX: all) */
    int stop;                /* frame_data returns 0 once it has `limit` bytes */
    int stopped;             /* it did, for the current frame */
    uint64_t raw_n;          /* payload bytes of the current frame received, past the limit too */
    uint64_t raw_h;          /* a hash of every byte received (not recorded) */
    int lost;                /* lost() was called: nothing may follow */
    int in_frame;            /* between frame_begin and frame_end */
    struct wsi_frame cur;    /* the frame as frame_begin showed it */
    uint64_t data_n;         /* payload bytes of the current frame so far */
    uint64_t data_h;         /* their hash */
};

static void cb_frame_begin(void *u, const struct wsi_frame *f)
{
    struct run *r = u;
    FUZZ_CHECK(!r->lost, "frame_begin after lost");
    FUZZ_CHECK(!r->in_frame, "frame_begin inside the frame at offset %llu", (unsigned long long)r->cur.offset);
    FUZZ_CHECK(f->hdr_len >= 2 && f->hdr_len <= 14, "header length %u", f->hdr_len);
    FUZZ_CHECK(f->opcode < 16 && f->rsv < 8, "opcode %u rsv %u", f->opcode, f->rsv);
    r->in_frame = 1;
    r->cur = *f;
    r->stopped = 0;
    r->raw_n = 0;
    r->data_n = 0;
    r->data_h = FZ_FNV_INIT;
    fz_log_put(&r->log, "B", 1);
    uint64_t v[] = {(uint64_t)f->fin, f->rsv, f->opcode, (uint64_t)f->masked, f->len7, f->len, f->hdr_len, f->offset};
    fz_log_put(&r->log, v, sizeof v);
    if (f->masked) fz_log_put(&r->log, f->mask, 4);
}

static int cb_frame_data(void *u, const struct wsi_frame *f, const uint8_t *data, size_t len)
{
    struct run *r = u;
    FUZZ_CHECK(!r->lost, "frame_data after lost");
    FUZZ_CHECK(r->in_frame, "frame_data outside a frame");
    FUZZ_CHECK(!r->stopped, "frame_data after it returned 0");
    FUZZ_CHECK(f->offset == r->cur.offset && f->len == r->cur.len, "frame_data for another frame");
    r->raw_n += len;
    FUZZ_CHECK(r->raw_n <= f->len, "%llu payload bytes for a frame of %llu", (unsigned long long)r->raw_n,
               (unsigned long long)f->len);
    r->raw_h = fz_fnv(r->raw_h, data, len); /* reads every byte: ASan checks the pointer */
    size_t use = r->limit - r->data_n < len ? (size_t)(r->limit - r->data_n) : len;
    r->data_n += use;
    r->data_h = fz_fnv(r->data_h, data, use);
    if (r->stop && r->data_n >= r->limit) {
        r->stopped = 1;
        return 0;
    }
    return 1;
}

static void cb_frame_end(void *u, const struct wsi_frame *f)
{
    struct run *r = u;
    FUZZ_CHECK(!r->lost, "frame_end after lost");
    FUZZ_CHECK(r->in_frame, "frame_end outside a frame");
    FUZZ_CHECK(f->offset == r->cur.offset, "frame_end for another frame");
    uint64_t want = f->len < r->limit ? f->len : r->limit;
    FUZZ_CHECK(r->had_gap || r->data_n == want, "frame ended after %llu of %llu payload bytes",
               (unsigned long long)r->data_n, (unsigned long long)want);
    r->in_frame = 0;
    fz_log_put(&r->log, "E", 1);
    fz_log_u64(&r->log, f->offset);
    fz_log_u64(&r->log, r->data_n);
    fz_log_u64(&r->log, r->data_h);
}

static void cb_message(void *u, const struct wsi_message *m)
{
    struct run *r = u;
    FUZZ_CHECK(!r->lost, "message after lost");
    FUZZ_CHECK(m->preview_len <= m->len, "preview %zu of a %llu-byte message", m->preview_len,
               (unsigned long long)m->len);
    size_t cap = r->preview_cap > 125 ? r->preview_cap : 125;
    FUZZ_CHECK(m->preview_len <= cap, "preview %zu over the cap %zu", m->preview_len, cap);
    FUZZ_CHECK(m->preview_len == 0 || m->preview, "preview bytes missing");
    if (m->close_reason_len) {
        FUZZ_CHECK(m->close_reason >= m->preview && m->close_reason + m->close_reason_len <= m->preview + m->preview_len,
                   "close reason outside the preview");
    }
    fz_log_put(&r->log, "M", 1);
    uint64_t v[] = {m->opcode, m->len, m->nframes, (uint64_t)m->rsv1, m->preview_len, (uint64_t)m->utf8_valid,
                    (uint64_t)m->close_code, m->close_reason_len, (uint64_t)m->incomplete};
    fz_log_put(&r->log, v, sizeof v);
    fz_log_put(&r->log, m->preview, m->preview_len);
    if (m->close_reason_len) fz_log_put(&r->log, m->close_reason, m->close_reason_len);
}

static void cb_violation(void *u, enum wsi_violation v, const struct wsi_frame *f, const char *detail)
{
    struct run *r = u;
    FUZZ_CHECK(!r->lost, "violation after lost");
    FUZZ_CHECK((int)v > 0 && v < WSI_V__COUNT, "violation %d", (int)v);
    /* the names every renderer prints must exist */
    FUZZ_CHECK(wsi_violation_id(v) && wsi_violation_text(v) && wsi_violation_section(v), "unnamed violation");
    fz_log_put(&r->log, "V", 1);
    fz_log_u64(&r->log, (uint64_t)v);
    fz_log_u64(&r->log, f ? f->offset : UINT64_MAX);
    fz_log_str(&r->log, detail);
}

static void cb_lost(void *u, uint64_t offset, const char *why)
{
    struct run *r = u;
    FUZZ_CHECK(!r->lost, "lost twice");
    FUZZ_CHECK(why != NULL, "lost without a reason");
    r->lost = 1;
    fz_log_put(&r->log, "L", 1);
    fz_log_u64(&r->log, offset);
    fz_log_str(&r->log, why);
}

static const struct wsi_ws_cb callbacks = {
    .frame_begin = cb_frame_begin,
    .frame_data = cb_frame_data,
    .frame_end = cb_frame_end,
    .message = cb_message,
    .violation = cb_violation,
    .lost = cb_lost,
};

struct plan {
    const uint8_t *data;
    size_t len;
    size_t split;       /* an extra cut (0 = none) */
    size_t step;        /* feed at most this many bytes at a time (0 = no limit) */
    int stop;           /* the consumer stops at preview_max bytes of each frame */
    int capped;         /* only preview_max bytes of each frame are recorded */
    int gap_on;
    size_t gap_pos;
    uint64_t gap_len;
};

/* Decode the stream as the plan says; the record is left in r->log. */
static void run_plan(struct run *r, const struct wsi_ws_opts *o, const struct plan *pl)
{
    struct wsi_ws_decoder d;
    if (wsi_ws_init(&d, o, &callbacks, r) != 0) abort();
    r->preview_cap = d.opts.preview_max;
    r->had_gap = pl->gap_on && pl->gap_len > 0;
    r->limit = pl->capped ? d.opts.preview_max : UINT64_MAX;
    r->stop = pl->stop;
    size_t pos = 0, consumed = 0;
    int gap_done = !pl->gap_on;
    for (;;) {
        if (!gap_done && pos == pl->gap_pos) {
            wsi_ws_gap(&d, pl->gap_len);
            gap_done = 1;
        }
        if (pos >= pl->len) break;
        size_t end = pl->len;
        if (pl->step && pos + pl->step < end) end = pos + pl->step;
        if (pl->split > pos && pl->split < end) end = pl->split;
        if (!gap_done && pl->gap_pos > pos && pl->gap_pos < end) end = pl->gap_pos;
        /* a copy of exactly this piece, so a read past it is caught (one-byte
         * pieces reuse one 1-byte heap block: malloc per byte is slow under ASan) */
        static uint8_t *one;
        if (!one) one = fz_dup("", 1);
        uint8_t *piece = end - pos == 1 ? one : fz_dup(pl->data + pos, end - pos);
        if (piece == one) one[0] = pl->data[pos];
        size_t got = wsi_ws_feed(&d, piece, end - pos);
        if (piece != one) free(piece);
        FUZZ_CHECK(got <= end - pos, "consumed %zu of %zu", got, end - pos);
        FUZZ_CHECK(got == end - pos || r->lost, "consumed %zu of %zu without losing the stream", got, end - pos);
        consumed += got;
        pos = end;
    }
    wsi_ws_end(&d);
    fz_log_put(&r->log, "Z", 1);
    fz_log_u64(&r->log, consumed);
    wsi_ws_free(&d);
}

static void compare(const struct run *a, const struct run *b, const char *what, int from_client)
{
    if (a->log.n == b->log.n && memcmp(a->log.b, b->log.b, a->log.n) == 0) return;
    fprintf(stderr, "wsframe: %s decoding differs from whole-input decoding (%s direction): records of %zu and %zu "
                    "bytes differ at byte %zu\n",
            what, from_client ? "client" : "server", a->log.n, b->log.n, fz_log_diff_at(&a->log, &b->log));
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t previews[8] = {0, 1, 2, 16, 125, 126, 256, 4096};
    struct fz_in in = {data, size};
    uint8_t opt = fz_u8(&in);
    uint16_t split = fz_u16(&in);
    uint16_t gpos = fz_u16(&in);
    uint64_t glen = fz_u32(&in);
    if (opt & 0x20) glen <<= 32;

    struct plan whole = {.data = in.p, .len = in.left};
    whole.gap_on = (opt & 0x10) != 0;
    whole.gap_pos = gpos % (whole.len + 1);
    whole.gap_len = glen;
    whole.capped = (opt & 0x40) != 0;
    struct plan cut = whole, bytewise = whole;
    cut.split = split % (whole.len + 1);
    bytewise.step = 1;
    cut.stop = bytewise.stop = whole.capped;

    for (int from_client = 0; from_client <= 1; from_client++) {
        struct wsi_ws_opts o = {
            .from_client = from_client,
            .rsv1_allowed = opt & 1,
            .preview_max = previews[(opt >> 1) & 7],
        };
        struct run a = {0}, b = {0}, c = {0};
        run_plan(&a, &o, &whole);
        run_plan(&b, &o, &cut);
        compare(&a, &b, "split", from_client);
        if (whole.len <= 2048) {
            run_plan(&c, &o, &bytewise);
            compare(&a, &c, "byte-at-a-time", from_client);
        }
        fz_log_free(&a.log);
        fz_log_free(&b.log);
        fz_log_free(&c.log);
    }

    /* the small pure functions, on values taken from the input */
    (void)wsi_opcode_name(opt);
    (void)wsi_close_code_name((int)split - 1000);
    (void)wsi_close_code_valid((int)gpos);
    (void)wsi_utf8_feed(WSI_UTF8_ACCEPT, in.p, in.left);
    return 0;
}
