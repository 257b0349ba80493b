/* test_jsonl.c - the JSON Lines writer's pieces, driven through the renderer: numbers,
 * timestamps, seconds, hex, string escaping, fixed names, endpoints and the moments lines
 * reach the file. Each is checked against snprintf, the library's own helpers, or a
 * reference copy of the writer's code before it was optimised; both the library's build of
 * jsonl.c and a second, portable build (below) are checked. */

#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "event.h"
#include "render.h"

/*
 * The renderer compiled a second time from the same source, with its portable paths (no
 * little-endian search for the first byte to escape in an 8-byte block, no glibc look at
 * the stdio buffer: every line is handed to stdio at once) and the smallest buffer it
 * accepts (JBUF_MIN: the most room its writers ask for at once) instead of 64 KiB, so that
 * its capacity checks are met at every fill, several times a line. Its public functions
 * are renamed port_json_*; the library's are wsi_json_*. Both must write the same bytes.
 */
struct wsi_json *port_json_new(const struct wsi_render_opts *o);
void port_json_event(void *self, const struct wsi_event *ev);
void port_json_free(struct wsi_json *j);
void port_json_own_buffer(struct wsi_json *j);
#undef __BYTE_ORDER__
#undef __GLIBC__
#define wsi_json_new port_json_new
#define wsi_json_event port_json_event
#define wsi_json_free port_json_free
#define wsi_json_own_buffer port_json_own_buffer
#define WSI_JSON_BUF 0 /* the smallest */
#include "jsonl.c"
static const size_t port_jbuf = JBUF; /* its size */
_Static_assert(JBUF == JBUF_MIN && JBUF < 256, "the portable build's buffer is not the smallest");
#undef WSI_JSON_BUF
#undef JBUF
#undef wsi_json_new
#undef wsi_json_event
#undef wsi_json_free
#undef wsi_json_own_buffer

struct impl {
    const char *name;
    struct wsi_json *(*make)(const struct wsi_render_opts *o);
    void (*event)(void *self, const struct wsi_event *ev);
    void (*release)(struct wsi_json *j);
};

static const struct impl impls[] = {
    {"library", wsi_json_new, wsi_json_event, wsi_json_free},
    {"portable", port_json_new, port_json_event, port_json_free},
};
#define NIMPL (sizeof impls / sizeof *impls)

/* ---- helpers ------------------------------------------------------------------ */

/* A growing string. */
struct sb {
    char *s;
    size_t n, cap;
};

static void sb_add(struct sb *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof tmp);
    sb_add(b, tmp, (size_t)n);
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

/* A random value of a random bit length (so every magnitude is common). */
static uint64_t rnd_mag(void)
{
    unsigned bits = (unsigned)(rnd() % 65);
    return bits == 64 ? rnd() : rnd() & ((UINT64_C(1) << bits) - 1);
}

/* Render the events with one implementation; returns the output (malloc'd, NUL-terminated). */
static char *render(const struct impl *im, size_t payload, const struct wsi_event *evs, size_t n, size_t *len)
{
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    assert_non_null(f);
    struct wsi_render_opts o = {.out = f, .payload = payload};
    struct wsi_json *j = im->make(&o);
    assert_non_null(j);
    for (size_t i = 0; i < n; i++) im->event(j, &evs[i]);
    im->release(j);
    assert_int_equal(fclose(f), 0);
    assert_non_null(buf);
    if (len) *len = blen;
    return buf;
}

/* The value of field `key` in the one-line output `line`: from after `,"key":` up to (not
 * including) the text `until`. An escaped string never holds `,"` (its quotes are \"), so
 * the first match of each is the field's. Returns a malloc'd copy. */
static char *field(const char *line, const char *key, const char *until)
{
    char k[64];
    snprintf(k, sizeof k, ",\"%s\":", key);
    const char *a = strstr(line, k);
    if (!a) fail_msg("no field %s in %s", key, line);
    a += strlen(k);
    const char *b = strstr(a, until);
    if (!b) fail_msg("no %s after field %s in %s", until, key, line);
    char *v = malloc((size_t)(b - a) + 1);
    assert_non_null(v);
    memcpy(v, a, (size_t)(b - a));
    v[b - a] = 0;
    return v;
}

static void assert_same(const char *what, const char *got, size_t glen, const char *want, size_t wlen)
{
    if (glen == wlen && memcmp(got, want, glen) == 0) return;
    size_t i = 0;
    while (i < glen && i < wlen && got[i] == want[i]) i++;
    size_t from = i > 60 ? i - 60 : 0;
    fail_msg("%s: differs at byte %zu of %zu/%zu:\n got  ...%.120s\n want ...%.120s", what, i, glen, wlen, got + from,
             want + from);
}

/* ---- reference model ------------------------------------------------------------ */

/*
 * REFERENCE: the writer's number, time and string code as it was before it was optimised
 * (snprintf where it used its own digit loops, the same logic otherwise). Do not
 * "optimise" it: it is what the writer is checked against.
 */

/* put_i64 / put_u64: plain decimal. */
static void ref_u64(struct sb *b, uint64_t v)
{
    sb_printf(b, "%" PRIu64, v);
}

/* jts_: nsec clamped to 999999999; negative seconds written as the exact negative value. */
static void ref_ts(struct sb *b, int64_t sec, uint32_t nsec)
{
    if (nsec > 999999999u) nsec = 999999999u;
    if (sec < 0 && nsec) sb_printf(b, "-%" PRIu64 ".%09u", (uint64_t)(-(sec + 1)), 1000000000u - nsec);
    else if (sec < 0) sb_printf(b, "-%" PRIu64 ".%09u", 0 - (uint64_t)sec, 0u);
    else sb_printf(b, "%" PRIu64 ".%09u", (uint64_t)sec, nsec);
}

/* jsec_: printf("%.9f") of a finite value (the writer's own rounding must agree with it
 * everywhere), null otherwise. */
static void ref_sec(struct sb *b, double v)
{
    if (!isfinite(v)) {
        sb_add(b, "null", 4);
        return;
    }
    char tmp[400];
    int n = snprintf(tmp, sizeof tmp, "%.9f", v);
    assert_true(n > 0 && (size_t)n < sizeof tmp);
    sb_add(b, tmp, (size_t)n);
}

/* put_u4: "\\u%04x" */
static void ref_u4(struct sb *b, uint32_t c)
{
    sb_printf(b, "\\u%04x", (unsigned)c);
}

/* jstring_bytes, verbatim in its logic (one byte at a time, runs copied whole). */
static void ref_string(struct sb *b, const uint8_t *s, size_t len)
{
    sb_add(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < len;) {
        uint8_t c8 = s[i];
        if (c8 >= 0x20 && c8 < 0x7F && c8 != '"' && c8 != '\\') {
            i++;
            continue;
        }
        uint32_t c = c8;
        size_t n = 1;
        if (c8 >= 0x80) {
            n = wsi_utf8_next(s + i, len - i, &c);
            if (n && c > 0x9F && c != 0x2028 && c != 0x2029) { /* C1 controls are escaped */
                i += n;
                continue;
            }
        }
        sb_add(b, s + run, i - run);
        if (!n) { /* not valid UTF-8: the byte's value */
            ref_u4(b, c8);
            n = 1;
        } else {
            switch (c) {
            case '"': sb_add(b, "\\\"", 2); break;
            case '\\': sb_add(b, "\\\\", 2); break;
            case '\n': sb_add(b, "\\n", 2); break;
            case '\r': sb_add(b, "\\r", 2); break;
            case '\t': sb_add(b, "\\t", 2); break;
            case '\b': sb_add(b, "\\b", 2); break;
            case '\f': sb_add(b, "\\f", 2); break;
            default: ref_u4(b, c); break; /* other controls, DEL, U+2028, U+2029 */
            }
        }
        i += n;
        run = i;
    }
    sb_add(b, s + run, len - run);
    sb_add(b, "\"", 1);
}

/* ---- numbers, timestamps, seconds ---------------------------------------------------- */

static uint64_t *u64_cases(size_t *n)
{
    size_t cap = 200000, k = 0;
    uint64_t *v = malloc(cap * sizeof *v);
    assert_non_null(v);
    for (uint64_t i = 0; i <= 1000; i++) v[k++] = i;
    uint64_t p = 1;
    for (int e = 0; e <= 19; e++, p *= 10) { /* every power of ten, and its neighbours */
        v[k++] = p;
        v[k++] = p - 1;
        v[k++] = p + 1;
        v[k++] = p * 2 - 1;
    }
    for (int e = 0; e < 64; e++) { /* every power of two and its neighbours (the digit-count estimate) */
        v[k++] = UINT64_C(1) << e;
        v[k++] = (UINT64_C(1) << e) - 1;
        v[k++] = (UINT64_C(1) << e) + 1;
    }
    v[k++] = UINT64_MAX;
    v[k++] = UINT64_MAX - 1;
    v[k++] = UINT32_MAX;
    v[k++] = (uint64_t)UINT32_MAX + 1;
    v[k++] = (uint64_t)UINT32_MAX * 100 + 99;
    while (k < cap) v[k++] = rnd_mag();
    *n = k;
    return v;
}

static double *double_cases(size_t *n)
{
    static const double fixed[] = {
        0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 0.52, 1e-9, 5e-10, 4.9999999999e-10, 5.0000000001e-10, 1.5e-9, 2.5e-9,
        0.0009765625 /* 976562.5 ns: a tie, to even */, 0.0029296875, 999999999.9999999, 1e15, 4503599627370495.5,
        4503599627370495.0, -4503599627370495.5, 4503599627370496.0 /* 2^52: snprintf */, 9007199254740993.0,
        1e22, -1e300, DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, DBL_TRUE_MIN, 4.9e-324, 1e-300, 18446744073.709551615,
        18446744073.709553, 18446744074.0, 1e10, 1.7e9 + 0.123456789, INFINITY, -INFINITY, NAN, -NAN,
    };
    size_t cap = 200000, k = 0;
    double *v = malloc(cap * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) v[k++] = fixed[i];
    for (int i = 1; i < 4000; i += 2) { /* odd multiples of 2^-10 and 2^-11: ties and near-ties in the 9th decimal */
        v[k++] = i / 1024.0;
        v[k++] = -i / 2048.0;
    }
    for (int e = -1074; e <= 1023; e++) v[k++] = ldexp(1.0, e); /* every power of two */
    while (k < cap) {
        uint64_t r = rnd();
        double d;
        switch (r & 3) {
        case 0: /* any bit pattern (NaN and infinities included) */
            r = rnd();
            memcpy(&d, &r, sizeof d);
            break;
        case 1: /* seconds as captures have them */
            d = (double)(rnd() % 100000000000u) / 1e6;
            break;
        case 2: /* a random value below 2^52, any exponent */
            d = ldexp((double)(rnd() >> 11), (int)(rnd() % 140) - 105);
            break;
        default: /* near a decimal tie */
            d = (double)(rnd() % 10000000000000u) / 1e9 + 5e-10;
            break;
        }
        v[k++] = d;
    }
    *n = k;
    return v;
}

/* gap events: conn, packet, offset and length take every u64 case; ts and t every
 * timestamp and seconds case; each whole line is compared. */
/* The line of a gap event as the reference writes it. */
static void ref_gap_line(struct sb *w, const struct wsi_event *ev)
{
    sb_add(w, "{\"type\":\"gap\",\"conn\":", 21);
    ref_u64(w, ev->conn);
    if (ev->side == WSI_C2S) sb_printf(w, ",\"dir\":\"c2s\"");
    else if (ev->side == WSI_S2C) sb_printf(w, ",\"dir\":\"s2c\"");
    sb_printf(w, ",\"packet\":");
    ref_u64(w, ev->packet);
    sb_printf(w, ",\"ts\":");
    ref_ts(w, ev->ts_sec, ev->ts_nsec);
    sb_printf(w, ",\"t\":");
    ref_sec(w, ev->t);
    sb_printf(w, ",\"offset\":");
    ref_u64(w, ev->u.gap.offset);
    sb_printf(w, ",\"length\":");
    ref_u64(w, ev->u.gap.len);
    sb_add(w, "}\n", 2);
}

/* Every writer renders the n events (previews of `payload` bytes) exactly as `want`. */
static void expect_rendered(const struct wsi_event *evs, size_t n, size_t payload, const struct sb *want)
{
    for (size_t m = 0; m < NIMPL; m++) {
        size_t len;
        char *got = render(&impls[m], payload, evs, n, &len);
        assert_same(impls[m].name, got, len, want->s, want->n);
        free(got);
    }
}

/* Every writer renders the n gap events as the reference does; frees them and the reference. */
static void expect_gap_lines(struct wsi_event *evs, size_t n)
{
    struct sb want = {0};
    for (size_t i = 0; i < n; i++) ref_gap_line(&want, &evs[i]);
    expect_rendered(evs, n, 32, &want);
    free(want.s);
    free(evs);
}

static void test_numbers_and_times(void **state)
{
    (void)state;
    size_t nu, nd;
    uint64_t *u = u64_cases(&nu);
    double *d = double_cases(&nd);
    static const int64_t secs[] = {0, 1, 9, 10, 1700000000, 1700000001, INT64_MAX, INT64_MAX - 1, -1, -2, -10,
                                   INT64_MIN, INT64_MIN + 1, 4294967295, 4294967296};
    static const uint32_t nsecs[] = {0, 1, 9, 10, 500000000, 999999999, 1000000000, 1000000001, UINT32_MAX, 123456789};
    size_t n = nu > nd ? nu : nd;
    struct wsi_event *evs = calloc(n, sizeof *evs);
    assert_non_null(evs);
    for (size_t i = 0; i < n; i++) {
        struct wsi_event *ev = &evs[i];
        ev->kind = WSI_EV_GAP;
        ev->conn = u[i % nu];
        ev->packet = u[(i * 7 + 3) % nu];
        ev->side = (enum wsi_side)((int)(i % 3) - 1);
        /* runs of the same second (as in a capture), then every edge */
        if (i % 5 == 4) ev->ts_sec = secs[(i / 5) % (sizeof secs / sizeof *secs)];
        else ev->ts_sec = 1700000000 + (int64_t)(i / 100);
        ev->ts_nsec = i % 3 ? (uint32_t)(rnd() % 1000000000u) : nsecs[i % (sizeof nsecs / sizeof *nsecs)];
        ev->t = d[i % nd];
        ev->u.gap.offset = u[(i * 13 + 5) % nu];
        ev->u.gap.len = u[(nu - 1 - i % nu)];
    }
    expect_gap_lines(evs, n);
    free(u);
    free(d);
}

/* The nine decimals of ts and t: the writer makes the last eight as two halves of four
 * side by side (digits8), so every value of each half is met, in both halves, with every
 * first decimal. */
static void test_every_half(void **state)
{
    (void)state;
    enum { N = 10000 };
    struct wsi_event *evs = calloc(N, sizeof *evs);
    assert_non_null(evs);
    for (uint32_t h = 0; h < N; h++) {
        struct wsi_event *ev = &evs[h];
        ev->kind = WSI_EV_GAP;
        ev->side = WSI_NONE;
        ev->ts_sec = 1700000000;
        ev->ts_nsec = h % 10 * 100000000u + h * 10000u + (N - 1 - h);
        ev->t = ev->ts_nsec / 1e9;
    }
    expect_gap_lines(evs, N);
}

/* The writer keeps a line's fields from "conn" to "ts", and its "t", and copies them into
 * the next line when they are written from the same values: lines where each of conn, dir,
 * packet, the timestamp's seconds and nanoseconds and t is the line before's or not, in
 * every mix. */
static void test_repeated_starts(void **state)
{
    (void)state;
    enum { N = 20000 };
    static const double ts[] = {0.25, 0x1p-10, 0x1.0000000000001p-10 /* 976562.5 ns (a tie), one ulp more */,
                                -0.0, 0.0, 1e-9, 3.0000000005, 1e300, -1.5, NAN, INFINITY};
    struct wsi_event *evs = calloc(N, sizeof *evs);
    assert_non_null(evs);
    for (size_t i = 0; i < N; i++) {
        struct wsi_event *ev = &evs[i];
        unsigned same = i ? (unsigned)rnd() : 0; /* bit k: field k as in the line before */
        if (i) *ev = evs[i - 1];
        ev->kind = WSI_EV_GAP;
        if (!(same & 1)) ev->conn = rnd() % 4 ? rnd() % 5 : rnd_mag();
        if (!(same & 2)) ev->side = (enum wsi_side)((int)(rnd() % 3) - 1);
        if (!(same & 4)) ev->packet = rnd() % 4 ? rnd() % 5 : rnd_mag();
        if (!(same & 8)) ev->ts_sec = rnd() % 4 ? 1700000000 + (int64_t)(rnd() % 2) : (int64_t)rnd_mag() - 5;
        if (!(same & 16)) ev->ts_nsec = rnd() % 4 ? (uint32_t)(rnd() % 3) : (uint32_t)(rnd() % 1000000002u);
        if (!(same & 32)) ev->t = rnd() % 2 ? ts[rnd() % (sizeof ts / sizeof *ts)] : (double)(rnd() % 1000) / 1e3;
        ev->u.gap.offset = i;
    }
    expect_gap_lines(evs, N);
}

/* Signed fields (status, rsv, opcode...) at the int limits. */
static void test_signed(void **state)
{
    (void)state;
    static const int st[] = {0, 1, -1, 9, -9, 10, -10, 101, 999, -100, 2147483647, -2147483647 - 1};
    for (size_t m = 0; m < NIMPL; m++)
        for (size_t i = 0; i < sizeof st / sizeof *st; i++) {
            struct wsi_event ev = {.kind = WSI_EV_HTTP, .side = WSI_S2C};
            ev.u.http = (struct wsi_http_ev){.status = st[i], .reason = "OK", .waited = -1};
            char *got = render(&impls[m], 32, &ev, 1, NULL);
            char *v = field(got, "status", ",\"reason\"");
            char want[32];
            snprintf(want, sizeof want, "%d", st[i]);
            assert_string_equal(v, want);
            free(v);
            free(got);
        }
}

/* ---- strings -------------------------------------------------------------------- */

/* Check the escaping of each string, as sse "data" (bytes, NULs included) and, when it has
 * no NUL, as sse "event" (a C string). */
static void check_strings(const uint8_t *const *s, const size_t *len, size_t n)
{
    struct wsi_event *evs = calloc(n, sizeof *evs);
    char **cstr = calloc(n, sizeof *cstr);
    assert_true(evs && cstr);
    for (size_t i = 0; i < n; i++) {
        evs[i].kind = WSI_EV_SSE;
        evs[i].side = WSI_S2C;
        evs[i].u.sse.data = (const char *)s[i];
        evs[i].u.sse.data_len = len[i];
        evs[i].u.sse.retry = -1;
        if (!memchr(s[i], 0, len[i])) {
            cstr[i] = malloc(len[i] + 1);
            assert_non_null(cstr[i]);
            memcpy(cstr[i], s[i], len[i]);
            cstr[i][len[i]] = 0;
            evs[i].u.sse.event = cstr[i];
        }
    }
    for (size_t m = 0; m < NIMPL; m++) {
        char *out = render(&impls[m], 32, evs, n, NULL);
        char *line = out;
        for (size_t i = 0; i < n; i++) {
            char *nl = strchr(line, '\n');
            assert_non_null(nl);
            *nl = 0;
            struct sb want = {0};
            ref_string(&want, s[i], len[i]);
            char *got = field(line, "data", ",\"data_length\":");
            assert_same(impls[m].name, got, strlen(got), want.s, want.n);
            free(got);
            got = field(line, "event", ",\"data\":");
            if (cstr[i]) assert_same(impls[m].name, got, strlen(got), want.s, want.n);
            else assert_string_equal(got, "null");
            free(got);
            free(want.s);
            line = nl + 1;
        }
        assert_int_equal(*line, 0);
        free(out);
    }
    for (size_t i = 0; i < n; i++) free(cstr[i]);
    free(cstr);
    free(evs);
}

/* A batch of test strings (each malloc'd). */
struct strs {
    uint8_t **s;
    size_t *len;
    size_t n, cap;
};

static void strs_add(struct strs *t, const void *p, size_t len)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1024;
        t->s = realloc(t->s, t->cap * sizeof *t->s);
        t->len = realloc(t->len, t->cap * sizeof *t->len);
        assert_true(t->s && t->len);
    }
    t->s[t->n] = malloc(len ? len : 1);
    assert_non_null(t->s[t->n]);
    if (len) memcpy(t->s[t->n], p, len);
    t->len[t->n++] = len;
}

static void strs_check(struct strs *t)
{
    check_strings((const uint8_t *const *)t->s, t->len, t->n);
    for (size_t i = 0; i < t->n; i++) free(t->s[i]);
    free(t->s);
    free(t->len);
    memset(t, 0, sizeof *t);
}

/* Every byte value alone, after a run of plain bytes at every position of the 8-byte blocks,
 * and every pair of byte values. */
static void test_escape_bytes(void **state)
{
    (void)state;
    struct strs t = {0};
    strs_add(&t, "", 0);
    for (int b = 0; b < 256; b++) {
        uint8_t c = (uint8_t)b;
        strs_add(&t, &c, 1);
        for (size_t runlen = 1; runlen <= 24; runlen++)
            for (size_t at = 0; at < runlen; at += runlen > 10 ? 3 : 1) {
                uint8_t s[24];
                memset(s, 'a', sizeof s);
                s[at] = c;
                strs_add(&t, s, runlen);
            }
        uint8_t all[17]; /* the byte everywhere, across two blocks */
        memset(all, c, sizeof all);
        strs_add(&t, all, sizeof all);
    }
    strs_check(&t);
    for (int a = 0; a < 256; a++) {
        for (int b = 0; b < 256; b++) {
            uint8_t s[10] = {'x', 'y', (uint8_t)a, (uint8_t)b, 'z', 'w', 'v', (uint8_t)b, (uint8_t)a, 'q'};
            strs_add(&t, s + 2, 2);
            strs_add(&t, s, sizeof s);
        }
        strs_check(&t);
    }
}

/* UTF-8: valid, invalid, U+2028/2029, overlong, surrogates, above U+10FFFF, cut short,
 * at every position of a block and at the end of the input. */
static void test_escape_utf8(void **state)
{
    (void)state;
    static const char *const seqs[] = {
        "\xC3\xA9", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xE2\x82\xAC", "\xEF\xBF\xBF", "\xE2\x80\xA8",
        "\xE2\x80\xA9", "\xE2\x80\xA7", "\xE2\x80\xAA", "\xF0\x90\x80\x80", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
        "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80\x80\x80",
        "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xFE", "\x80", "\xBF", "\xC3", "\xE2\x82", "\xF0\x9F\x98",
        "\xC3\x41", "\xE2\x41\x41", "\xE2\x82\x41", "\xF0\x9F\x41\x80", "\xC2\xA0\xC2", "\xEF\xBB\xBF",
        "\xC2\x85", "\xC2\x9B", "\xC2\x9F", "\xC2\x85\xC2\x85", "\xC2\x9F\xC2\xA0",
    };
    struct strs t = {0};
    for (size_t k = 0; k < sizeof seqs / sizeof *seqs; k++) {
        size_t sl = strlen(seqs[k]);
        strs_add(&t, seqs[k], sl);
        for (size_t at = 0; at <= 20; at++) {
            uint8_t s[32];
            memset(s, 'b', sizeof s);
            memcpy(s + at, seqs[k], sl);
            strs_add(&t, s, at + sl);     /* at the end */
            strs_add(&t, s, sizeof s);    /* inside */
            strs_add(&t, s, at + sl - 1); /* cut by the end of the input */
        }
    }
    strs_check(&t);
}

/* The escapes as the man page gives them, written out (not through the reference model): the
 * short ones, \u00XX for the other C0 controls, DEL and the C1 controls U+0080..U+009F (in UTF-8
 * C2 80..C2 9F), \u2028 and \u2029, the byte's value for a byte that is not UTF-8; the characters
 * either side of each range as they are. */
static void test_escape_literals(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } t[] = {
        {"\"", "\\\""},       {"\\", "\\\\"},       {"\n", "\\n"},          {"\r", "\\r"},
        {"\t", "\\t"},        {"\b", "\\b"},        {"\f", "\\f"},          {"\x01", "\\u0001"},
        {"\x1f", "\\u001f"},  {" ~", " ~"},         {"\x7f", "\\u007f"},    {"/", "/"},
        {"\xC2\x80", "\\u0080"},                    {"\xC2\x85", "\\u0085"},
        {"\xC2\x9B[2J", "\\u009b[2J"},              {"\xC2\x9F", "\\u009f"},
        {"\xC2\xA0", "\xC2\xA0"},                   {"\xC3\xBF", "\xC3\xBF"},
        {"\xE2\x80\xA7", "\xE2\x80\xA7"},           {"\xE2\x80\xA8", "\\u2028"},
        {"\xE2\x80\xA9", "\\u2029"},                {"\xE2\x80\xAA", "\xE2\x80\xAA"},
        {"\x85", "\\u0085"},  {"\xC2", "\\u00c2"},  {"\xC2\x85\x85", "\\u0085\\u0085"},
        {"line\xC2\x85next\xE2\x80\xA8para\xE2\x80\xA9" "end", "line\\u0085next\\u2028para\\u2029end"},
    };
    for (size_t m = 0; m < NIMPL; m++)
        for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
            struct wsi_event ev = {.kind = WSI_EV_SSE, .side = WSI_S2C};
            ev.u.sse = (struct wsi_sse_ev){.data = t[i].in, .data_len = strlen(t[i].in), .retry = -1};
            char *got = render(&impls[m], 32, &ev, 1, NULL);
            char *v = field(got, "data", ",\"data_length\":");
            size_t ol = strlen(t[i].out);
            if (strlen(v) != ol + 2 || v[0] != '"' || memcmp(v + 1, t[i].out, ol) != 0 || v[ol + 1] != '"')
                fail_msg("%s: case %zu: got %s, want \"%s\"", impls[m].name, i, v, t[i].out);
            free(v);
            free(got);
        }
    /* every C1 control */
    for (unsigned c = 0x80; c <= 0x9F; c++) {
        char in[3] = {(char)0xC2, (char)c, 0}, want[16];
        snprintf(want, sizeof want, "\"\\u%04x\"", c);
        struct wsi_event ev = {.kind = WSI_EV_SSE, .side = WSI_S2C};
        ev.u.sse = (struct wsi_sse_ev){.data = in, .data_len = 2, .retry = -1};
        char *got = render(&impls[0], 32, &ev, 1, NULL);
        char *v = field(got, "data", ",\"data_length\":");
        assert_string_equal(v, want);
        free(v);
        free(got);
    }
}

/* JSON text as the writer must leave it: valid UTF-8 (wsi_utf8_next), no raw control byte but
 * the newline that ends each line, no raw C1 control, U+2028 or U+2029. */
static void assert_json_text_clean(const char *what, const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t k = wsi_utf8_next(u + i, n - i, &c);
        if (!k) fail_msg("%s: not valid UTF-8 at byte %zu", what, i);
        if ((c < 0x20 && c != '\n') || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029)
            fail_msg("%s: raw U+%04X at byte %zu", what, (unsigned)c, i);
        i += k;
    }
}

/* What random strings are made of: cumulative shares out of 100 of printable ASCII, quotes
 * and backslashes, control bytes, DEL and lone high bytes; the rest are whole characters,
 * the first `nchars` of rnd_chars. */
struct mix {
    unsigned plain, quote, ctrl, del, high;
    size_t nchars;
};
static const char *const rnd_chars[] = {"\xC3\xA9", "\xE2\x80\xA8", "\xF0\x9F\x98\x80", "\xE2\x82\xAC",
                                        "\xC2\x85", "\xED\xA0\x80"};

/* Up to n random bytes of mix m into s (fewer when a character would not fit); returns how many. */
static size_t rnd_text(uint8_t *s, size_t n, const struct mix *m)
{
    size_t k = 0;
    while (k < n) {
        uint64_t r = rnd() % 100;
        if (r < m->plain) {
            s[k++] = (uint8_t)(0x20 + rnd() % 95);
        } else if (r < m->quote) {
            s[k++] = rnd() & 1 ? '"' : '\\';
        } else if (r < m->ctrl) {
            s[k++] = (uint8_t)(rnd() % 0x20);
        } else if (r < m->del) {
            s[k++] = 0x7F;
        } else if (r < m->high) {
            s[k++] = (uint8_t)(0x80 + rnd() % 0x80);
        } else {
            const char *c = rnd_chars[rnd() % m->nchars];
            size_t cl = strlen(c);
            if (k + cl > n) break;
            memcpy(s + k, c, cl);
            k += cl;
        }
    }
    return k;
}

/* Random strings: mostly plain, with quotes, controls, high bytes and characters (a
 * surrogate's encoding among them). */
static void test_escape_random(void **state)
{
    (void)state;
    static const struct mix escapes = {55, 65, 75, 77, 90, 6};
    struct strs t = {0};
    for (int i = 0; i < 30000; i++) {
        uint8_t s[200];
        strs_add(&t, s, rnd_text(s, (size_t)(rnd() % 120), &escapes));
    }
    strs_check(&t);
}

/* Long strings: a character across the writer's 4096-byte steps at every offset, output
 * longer than the 64 KiB buffer (escapes and plain), and long random ones. */
static void test_escape_long(void **state)
{
    (void)state;
    static const char *const chars[] = {"\xE2\x80\xA8", "\xF0\x9F\x98\x80", "\xC3\xA9", "\x01", "\"", "\xFF"};
    size_t big = 200000;
    uint8_t *s = malloc(big);
    assert_non_null(s);
    struct strs t = {0};
    for (size_t c = 0; c < sizeof chars / sizeof *chars; c++)
        for (size_t at = 4088; at <= 4100; at++) {
            memset(s, 'p', 8200);
            memcpy(s + at, chars[c], strlen(chars[c]));
            memcpy(s + 2 * at, chars[c], strlen(chars[c]));
            strs_add(&t, s, 8200);
            strs_add(&t, s, at + 2); /* cut inside the character */
        }
    memset(s, 0x01, big); /* 6 bytes out for each: 1.2 MB of output */
    strs_add(&t, s, big);
    memset(s, 'p', big);
    strs_add(&t, s, big);
    for (size_t i = 0; i < big; i++) s[i] = (uint8_t)rnd();
    strs_add(&t, s, big);
    for (size_t i = 0; i < big; i++) s[i] = rnd() % 8 ? (uint8_t)(0x20 + rnd() % 95) : (uint8_t)rnd();
    strs_add(&t, s, big);
    strs_add(&t, s, 65531);
    strs_check(&t);
    free(s);
}

/* Every capacity check at many fill levels of the renderer's 64 KiB buffer: a long plain
 * string first ("event", or a chunk's "text"), then the worst expansions (6 bytes out for
 * 1 in; hex: 2 for 1) starting at each level around where they would overrun it. */
static void test_buffer_edges(void **state)
{
    (void)state;
    size_t n = 0, cap = 600;
    struct wsi_event *evs = calloc(cap, sizeof *evs);
    char *plain = malloc(50001);
    uint8_t *worst = malloc(30000);
    assert_true(evs && plain && worst);
    memset(plain, 'e', 50000);
    plain[50000] = 0;
    for (size_t i = 0; i < 30000; i++) worst[i] = i % 3 == 2 ? 0xFF : 0x01;
    struct sb want = {0};
    for (size_t len = 36000; len < 50000 && n + 1 < cap; len += 53) {
        struct wsi_event *ev = &evs[n++];
        ev->kind = WSI_EV_SSE;
        ev->side = WSI_NONE;
        ev->u.sse.event = plain + 50000 - len;
        ev->u.sse.data = (const char *)worst;
        ev->u.sse.data_len = 5000 + len % 7;
        ev->u.sse.retry = -1;
        sb_printf(&want, "{\"type\":\"sse\",\"conn\":0,\"packet\":0,\"ts\":0.000000000,\"t\":0.000000000,"
                         "\"index\":0,\"event\":");
        ref_string(&want, (const uint8_t *)ev->u.sse.event, len);
        sb_printf(&want, ",\"data\":");
        ref_string(&want, worst, ev->u.sse.data_len);
        sb_printf(&want, ",\"data_length\":0,\"id\":null,\"retry\":null,\"comments\":0,\"dispatched\":false}\n");
    }
    for (size_t len = 15000; len < 25000 && n + 1 < cap; len += 37) {
        struct wsi_event *ev = &evs[n++];
        ev->kind = WSI_EV_CHUNK;
        ev->side = WSI_NONE;
        ev->u.chunk = (struct wsi_chunk_ev){.size = len, .preview = (const uint8_t *)plain, .preview_len = len};
        sb_printf(&want, "{\"type\":\"chunk\",\"conn\":0,\"packet\":0,\"ts\":0.000000000,\"t\":0.000000000,"
                         "\"index\":0,\"size\":%zu,\"text\":",
                  len);
        ref_string(&want, (const uint8_t *)plain, len);
        sb_printf(&want, ",\"preview_hex\":\"");
        for (size_t i = 0; i < len; i++) sb_add(&want, "65", 2);
        sb_printf(&want, "\",\"preview_truncated\":false}\n");
    }
    expect_rendered(evs, n, 100000, &want);
    free(want.s);
    free(worst);
    free(plain);
    free(evs);
}

/* ---- every event kind, at random --------------------------------------------------- */

/* Memory for the random events' strings and structs (freed at once). */
struct arena {
    char *mem;
    size_t used, cap;
};

static void *arena_get(struct arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    assert_true(a->used + n <= a->cap);
    void *p = a->mem + a->used;
    a->used += n;
    return p;
}

/* Random bytes: mostly printable, with quotes, controls, DEL, high bytes and characters. */
static uint8_t *rnd_bytes(struct arena *a, size_t max, size_t *len)
{
    static const struct mix fields = {70, 76, 82, 83, 90, 5};
    size_t n = max ? (size_t)(rnd() % (max + 1)) : 0;
    uint8_t *s = arena_get(a, n + 1);
    *len = rnd_text(s, n, &fields);
    s[*len] = 0;
    return s;
}

/* A random C string (no NUL inside), or NULL now and then. */
static const char *rnd_str(struct arena *a, size_t max)
{
    if (rnd() % 8 == 0) return NULL;
    size_t len;
    uint8_t *s = rnd_bytes(a, max, &len);
    for (size_t i = 0; i < len; i++)
        if (!s[i]) s[i] = 'z';
    return (const char *)s;
}

static double rnd_sec(void)
{
    switch (rnd() % 6) {
    case 0: return -1;
    case 1: return NAN;
    case 2: return (double)(rnd() % 1000000000000u) / 1e9;
    case 3: return ldexp((double)(rnd() >> 11), (int)(rnd() % 140) - 105);
    case 4: return 1e17 * (double)(rnd() % 1000);
    default: return (double)(rnd() % 100000) / 1000;
    }
}

static void rnd_event(struct arena *a, struct wsi_event *ev)
{
    memset(ev, 0, sizeof *ev);
    int kind = (int)(rnd() % 15) + (rnd() % 50 == 0 ? 20 : 0);
    ev->kind = (enum wsi_ev_kind)kind;
    ev->conn = rnd_mag();
    ev->side = (enum wsi_side)((int)(rnd() % 3) - 1);
    ev->packet = rnd_mag();
    ev->ts_sec = rnd() % 4 ? 1700000000 + (int64_t)(rnd() % 3) : (int64_t)rnd();
    ev->ts_nsec = (uint32_t)(rnd() % 1000000001u);
    ev->t = rnd_sec();
    struct wsi_conn_info *ci = arena_get(a, sizeof *ci);
    memset(ci, 0, sizeof *ci);
    for (int d = 0; d < 2; d++) {
        ci->addr[d].family = rnd() % 4 ? 4 : 6;
        for (int b = 0; b < (ci->addr[d].family == 4 ? 4 : 16); b++) ci->addr[d].bytes[b] = (uint8_t)rnd();
        ci->port[d] = (uint16_t)rnd();
    }
    ci->saw_syn = (int)(rnd() & 1);
    ev->ci = rnd() % 10 ? ci : NULL;
    ev->client_dir = (int)(rnd() % 2);
    size_t len, len2;
    const uint8_t *p;
    switch (ev->kind) {
    case WSI_EV_HTTP:
        ev->u.http = (struct wsi_http_ev){.is_request = (int)(rnd() & 1), .method = rnd_str(a, 10),
                                          .target = rnd_str(a, 300), .status = (int)(rnd() % 1000) - 100,
                                          .reason = rnd_str(a, 40), .upgrade = (int)(rnd() & 1),
                                          .body_len = rnd_mag(), .body_known = (int)(rnd() & 1),
                                          .chunked = (int)(rnd() & 1), .content_type = rnd_str(a, 40),
                                          .waited = rnd_sec(), .index = rnd_mag()};
        break;
    case WSI_EV_HANDSHAKE: {
        struct wsi_handshake_ev *h = &ev->u.hs;
        h->path = rnd_str(a, 200);
        h->host = rnd_str(a, 50);
        h->origin = rnd_str(a, 50);
        h->version = rnd_str(a, 4);
        h->protocols_offered = rnd_str(a, 40);
        h->protocol_selected = rnd_str(a, 10);
        h->extensions_offered = rnd_str(a, 80);
        h->extensions_selected = rnd_str(a, 80);
        h->key = rnd_str(a, 30);
        h->accept = rnd_str(a, 30);
        h->expected_accept = rnd_str(a, 30);
        h->status = (int)(rnd() % 600) - 50;
        h->reason = rnd_str(a, 30);
        h->verdict = (enum wsi_hs_verdict)(rnd() % 10);
        h->rule = rnd_str(a, 30);
        h->why = rnd_str(a, 120);
        h->key_warning = (int)(rnd() & 1);
        h->deflate = (int)(rnd() & 1);
        h->latency = rnd_sec();
        break;
    }
    case WSI_EV_FRAME: {
        struct wsi_frame *f = arena_get(a, sizeof *f);
        memset(f, 0, sizeof *f);
        f->fin = (int)(rnd() & 1);
        f->rsv = (uint8_t)(rnd() % 8);
        f->opcode = (uint8_t)(rnd() % 16);
        f->masked = (int)(rnd() & 1);
        for (int k = 0; k < 4; k++) f->mask[k] = (uint8_t)rnd();
        f->len7 = (uint8_t)(rnd() % 128);
        f->hdr_len = (uint8_t)(2 + rnd() % 13);
        f->offset = rnd_mag();
        p = rnd_bytes(a, 600, &len);
        f->len = len + rnd() % 3;
        ev->u.frame = (struct wsi_frame_ev){.f = rnd() % 8 ? f : NULL, .preview = rnd() % 10 ? p : NULL,
                                            .preview_len = len, .index = rnd_mag()};
        break;
    }
    case WSI_EV_MESSAGE: {
        static const uint8_t ops[] = {0, 1, 1, 1, 2, 2, 3, 8, 8, 9, 10, 10};
        struct wsi_message *m = arena_get(a, sizeof *m);
        memset(m, 0, sizeof *m);
        m->opcode = ops[rnd() % sizeof ops];
        m->rsv1 = (int)(rnd() % 4 == 0);
        m->preview = rnd_bytes(a, 600, &len);
        m->preview_len = len;
        m->len = len + (rnd() & 1 ? rnd() % 1000 : 0);
        m->nframes = (unsigned)(rnd() % 5);
        m->utf8_valid = (int)(rnd() % 3) - 1;
        m->close_code = rnd() % 4 ? (int)(rnd() % 5000) : -1;
        if (rnd() % 4) {
            m->close_reason = m->preview + (len ? rnd() % len : 0);
            m->close_reason_len = (size_t)(m->preview + len - m->close_reason);
        }
        m->incomplete = (int)(rnd() & 1);
        struct wsi_message_ev *me = &ev->u.msg;
        me->m = rnd() % 20 ? m : NULL;
        me->rtt = rnd_sec();
        me->inflated = (int)(rnd() % 3 == 0);
        me->plain = rnd() % 4 ? rnd_bytes(a, 600, &len2) : NULL;
        me->plain_len = me->plain ? len2 : 0;
        me->plain_total = me->plain_len + rnd() % 3;
        me->plain_cut = (int)(rnd() & 1);
        me->plain_utf8_valid = (int)(rnd() & 1);
        me->inflate_error = rnd_str(a, 40);
        break;
    }
    case WSI_EV_VIOLATION:
        ev->u.viol = (struct wsi_violation_ev){.v = (enum wsi_violation)(rnd() % 30), .detail = rnd_str(a, 100),
                                               .offset = rnd_mag()};
        break;
    case WSI_EV_GAP: ev->u.gap = (struct wsi_gap_ev){.offset = rnd_mag(), .len = rnd_mag()}; break;
    case WSI_EV_TCP:
        ev->u.tcp = (struct wsi_tcp_ev){.kind = (enum wsi_tcp_anomaly)(rnd() % 8), .detail = rnd_str(a, 100)};
        break;
    case WSI_EV_LOST: ev->u.lost = (struct wsi_lost_ev){.offset = rnd_mag(), .why = rnd_str(a, 60)}; break;
    case WSI_EV_END: ev->u.end.why = (enum wsi_end_reason)(rnd() % 5); break;
    case WSI_EV_CLOSE: {
        struct wsi_close_ev *c = &ev->u.close;
        c->websocket = (int)(rnd() & 1);
        c->tls = (int)(rnd() & 1);
        c->tls_decrypted = (int)(rnd() & 1);
        c->verdict = (enum wsi_hs_verdict)(rnd() % 10);
        c->close_code[0] = (int)(rnd() % 5000) - 1;
        c->close_code[1] = (int)(rnd() % 5000) - 1;
        c->closed_cleanly = (int)(rnd() & 1);
        c->abnormal = (int)(rnd() & 1);
        for (int d = 0; d < 2; d++) {
            c->frames[d] = rnd_mag();
            c->messages[d] = rnd_mag();
            c->bytes[d] = rnd_mag();
        }
        c->violations = rnd_mag();
        c->gaps = rnd_mag();
        c->duration = rnd_sec();
        c->first_packet = rnd_mag();
        c->last_packet = rnd_mag();
        break;
    }
    case WSI_EV_CHUNK:
        p = rnd_bytes(a, 600, &len);
        ev->u.chunk = (struct wsi_chunk_ev){.size = len + rnd() % 3, .preview = rnd() % 10 ? p : NULL,
                                            .preview_len = len, .index = rnd_mag()};
        break;
    case WSI_EV_SSE:
        p = rnd_bytes(a, 600, &len);
        ev->u.sse = (struct wsi_sse_ev){.event = rnd_str(a, 20), .data = (const char *)p, .data_len = len,
                                        .data_total = rnd_mag(), .id = rnd_str(a, 20),
                                        .retry = rnd() % 3 ? (long)(rnd() % 100000) : -1, .comments = rnd_mag(),
                                        .index = rnd_mag(), .dispatched = (int)(rnd() & 1)};
        break;
    case WSI_EV_TLS: {
        struct wsi_tls_info *i = arena_get(a, sizeof *i);
        *i = (struct wsi_tls_info){.sni = rnd_str(a, 40), .alpn_offered = rnd_str(a, 20),
                                   .alpn_selected = rnd_str(a, 10), .versions_offered = rnd_str(a, 20),
                                   .version = rnd_str(a, 10), .cipher = rnd_str(a, 40),
                                   .client_random = rnd_str(a, 64), .decrypting = (int)(rnd() & 1),
                                   .why_not = rnd_str(a, 80)};
        ev->u.tls = (struct wsi_tls_ev){.info = rnd() & 1 ? i : NULL, .alert = rnd_str(a, 30),
                                        .error = rnd_str(a, 30)};
        break;
    }
    default: break;
    }
}

/* Random events of every kind: the portable build, with its smallest buffer flushing at every
 * point of every field, writes what the library writes; and the library's lines are JSON
 * with the expected framing (one line per event). */
static void test_random_events(void **state)
{
    (void)state;
    size_t n = 40000;
    struct arena a = {.cap = (size_t)200 << 20};
    a.mem = malloc(a.cap);
    struct wsi_event *evs = calloc(n, sizeof *evs);
    assert_true(a.mem && evs);
    for (size_t i = 0; i < n; i++) rnd_event(&a, &evs[i]);
    static const size_t payloads[] = {32, 200, 100000};
    for (size_t k = 0; k < sizeof payloads / sizeof *payloads; k++) {
        size_t la, lb;
        char *lib = render(&impls[0], payloads[k], evs, n, &la);
        char *port = render(&impls[1], payloads[k], evs, n, &lb);
        assert_same("portable vs library", port, lb, lib, la);
        size_t lines = 0;
        for (size_t i = 0; i < la; i++) lines += lib[i] == '\n';
        assert_int_equal(lines, n);
        assert_json_text_clean("library", lib, la);
        free(lib);
        free(port);
    }
    free(evs);
    free(a.mem);
}

/* ---- every fill level of the buffer ------------------------------------------------- */

/*
 * Each line written with the renderer's buffer already holding any number of bytes near its
 * end: the writer's buffer is replaced by one of exactly the build's size followed by a guard,
 * and holds `fill` bytes ('x') when the event comes. Every byte written must have been asked
 * for (room()), so none lands in the guard and the used length never passes the size; the
 * output is those bytes, then the line as a fresh writer writes it. An empty preview_hex once
 * put its closing quote one byte past the buffer when a single byte was free.
 */
#define LIB_JBUF 65536 /* jsonl.c's default (the library's build) */
#define GUARD 64
static size_t impl_jbuf(size_t m)
{
    return m == 0 ? LIB_JBUF : port_jbuf;
}

static void check_at_fill(size_t m, const struct wsi_event *ev, size_t payload, const char *line, size_t llen,
                          size_t fill)
{
    const struct impl *im = &impls[m];
    size_t jbuf = impl_jbuf(m);
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    assert_non_null(f);
    struct wsi_render_opts o = {.out = f, .payload = payload};
    struct wsi_json *j = im->make(&o);
    char *g = malloc(jbuf + GUARD);
    assert_true(j && g);
    memset(g, 'x', fill);
    memset(g + jbuf, 0xA5, GUARD);
    free(j->buf);
    j->buf = g;
    j->len = fill;
    im->event(j, ev);
    for (size_t i = 0; i < GUARD; i++)
        if ((uint8_t)g[jbuf + i] != 0xA5)
            fail_msg("%s: %zu of %zu bytes used before an event of kind %d: byte %zu past the buffer written",
                     im->name, fill, jbuf, (int)ev->kind, i);
    if (j->len > jbuf) fail_msg("%s: %zu bytes used before the line, %zu after: more than the %zu-byte buffer",
                                im->name, fill, j->len, jbuf);
    im->release(j);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(olen, fill + llen);
    for (size_t i = 0; i < fill; i++)
        if (out[i] != 'x') fail_msg("%s: fill %zu: byte %zu of what was waiting changed", im->name, fill, i);
    assert_same(im->name, out + fill, olen - fill, line, llen);
    free(out);
}

/* Events that reach every writer, with empty, short and absent strings and previews, and
 * numbers at their longest. */
static size_t edge_events(struct wsi_event *evs, size_t cap)
{
    static struct wsi_frame f[3];
    static struct wsi_message msg[10];
    static struct wsi_conn_info ci[2];
    static struct wsi_tls_info tls;
    static const uint8_t pv[] = "a\"\\\x01\xC3\xA9\xE2\x80\xA8z";
    size_t n = 0;
#define EV(k, ...)                                                  \
    do {                                                            \
        assert_true(n < cap);                                       \
        evs[n++] = (struct wsi_event){.kind = (k), __VA_ARGS__};    \
    } while (0)
    f[0] = (struct wsi_frame){.fin = 1, .opcode = 1};
    f[1] = (struct wsi_frame){.fin = 1, .opcode = 2, .masked = 1, .mask = {0xde, 0xad, 0xbe, 0xef}, .len = 3,
                              .len7 = 3, .hdr_len = 6, .offset = UINT64_MAX};
    f[2] = (struct wsi_frame){.opcode = 9, .len = UINT64_MAX, .len7 = 127, .hdr_len = 14};
    static const uint64_t idx[] = {0, 7, 1234, 123456789, UINT64_MAX};
    for (size_t i = 0; i < sizeof idx / sizeof *idx; i++) {
        EV(WSI_EV_FRAME, .side = WSI_S2C, .conn = idx[i], .packet = idx[i], .u.frame = {.index = idx[i]});
        EV(WSI_EV_FRAME, .side = WSI_S2C, .u.frame = {.f = &f[0], .index = idx[i]});
    }
    EV(WSI_EV_FRAME, .side = WSI_C2S, .u.frame = {.f = &f[1], .preview = pv, .preview_len = 3, .index = 2});
    EV(WSI_EV_FRAME, .side = WSI_C2S, .u.frame = {.f = &f[2], .preview = pv, .preview_len = sizeof pv - 1});
    msg[0] = (struct wsi_message){.opcode = 1, .nframes = 1, .utf8_valid = 1};
    msg[1] = (struct wsi_message){.opcode = 2, .nframes = 1};
    msg[2] = (struct wsi_message){.opcode = 1, .len = sizeof pv - 1, .nframes = 2, .preview = pv,
                                  .preview_len = sizeof pv - 1, .utf8_valid = 1};
    msg[3] = (struct wsi_message){.opcode = 8, .len = 2, .nframes = 1, .preview = pv, .preview_len = 2,
                                  .utf8_valid = 1, .close_code = 1000, .close_reason = pv + 2};
    msg[4] = (struct wsi_message){.opcode = 8, .nframes = 1, .utf8_valid = 1, .close_code = -1};
    msg[5] = (struct wsi_message){.opcode = 8, .len = 6, .nframes = 1, .preview = pv, .preview_len = 6,
                                  .close_code = 4999, .close_reason = pv + 2, .close_reason_len = 4};
    msg[6] = (struct wsi_message){.opcode = 10, .nframes = 1, .incomplete = 1};
    msg[7] = (struct wsi_message){.opcode = 1, .len = 9, .nframes = 1, .rsv1 = 1, .preview = pv, .preview_len = 2,
                                  .utf8_valid = -1};
    for (int i = 0; i < 7; i++) EV(WSI_EV_MESSAGE, .side = WSI_S2C, .u.msg = {.m = &msg[i], .rtt = -1});
    EV(WSI_EV_MESSAGE, .side = WSI_S2C, .u.msg = {.m = &msg[6], .rtt = 1e300});
    EV(WSI_EV_MESSAGE, .side = WSI_S2C, .u.msg = {.m = &msg[6], .rtt = 4503599627370495.5});
    EV(WSI_EV_MESSAGE, .side = WSI_S2C, .u.msg = {.m = &msg[7], .inflated = 1, .plain = pv, .plain_len = 0});
    EV(WSI_EV_MESSAGE, .side = WSI_S2C,
       .u.msg = {.m = &msg[7], .inflated = 1, .plain = pv, .plain_len = sizeof pv - 1, .plain_total = UINT64_MAX});
    EV(WSI_EV_MESSAGE, .side = WSI_S2C, .u.msg = {.m = &msg[7], .inflated = 1, .inflate_error = ""});
    EV(WSI_EV_MESSAGE, .side = WSI_S2C, .u.msg = {.m = NULL});
    EV(WSI_EV_CHUNK, .side = WSI_S2C, .u.chunk = {.index = 1});
    EV(WSI_EV_CHUNK, .side = WSI_S2C, .u.chunk = {.size = UINT64_MAX, .preview = pv, .preview_len = 5});
    EV(WSI_EV_SSE, .side = WSI_S2C, .u.sse = {.data = "", .retry = -1});
    EV(WSI_EV_SSE, .side = WSI_S2C,
       .u.sse = {.event = "", .data = (const char *)pv, .data_len = sizeof pv - 1, .id = "", .retry = LONG_MAX,
                 .data_total = UINT64_MAX, .comments = UINT64_MAX, .index = UINT64_MAX, .dispatched = 1});
    EV(WSI_EV_HTTP, .side = WSI_C2S, .u.http = {.is_request = 1, .method = "", .target = "", .waited = -1});
    EV(WSI_EV_HTTP, .side = WSI_S2C,
       .u.http = {.status = INT_MIN, .reason = "", .body_known = 1, .body_len = UINT64_MAX, .waited = NAN});
    EV(WSI_EV_HANDSHAKE, .side = WSI_S2C, .u.hs = {.latency = -1});
    EV(WSI_EV_HANDSHAKE, .side = WSI_S2C,
       .u.hs = {.path = "", .host = "", .origin = "", .version = "", .protocols_offered = "",
                .protocol_selected = "", .extensions_offered = "", .extensions_selected = "", .key = "",
                .accept = "", .expected_accept = "", .status = INT_MAX, .reason = "", .rule = "", .why = "",
                .verdict = WSI_HS_NOT_SEEN, .latency = -DBL_MAX});
    EV(WSI_EV_GAP, .side = WSI_C2S, .conn = UINT64_MAX, .packet = UINT64_MAX, .ts_sec = INT64_MIN,
       .ts_nsec = 1, .t = -DBL_MAX, .u.gap = {.offset = UINT64_MAX, .len = UINT64_MAX});
    EV(WSI_EV_GAP, .side = WSI_NONE, .ts_sec = INT64_MAX, .ts_nsec = UINT32_MAX, .t = -4503599627370495.5);
    EV(WSI_EV_VIOLATION, .side = WSI_C2S, .u.viol = {.v = WSI_V_CLIENT_UNMASKED, .offset = UINT64_MAX});
    EV(WSI_EV_TCP, .side = WSI_S2C, .u.tcp = {.detail = ""});
    EV(WSI_EV_LOST, .side = WSI_S2C, .u.lost = {.why = ""});
    EV(WSI_EV_END, .side = WSI_S2C);
    for (int d = 0; d < 2; d++) {
        ci[0].addr[d].family = 4;
        memset(ci[0].addr[d].bytes, 255, 4);
        ci[0].port[d] = 65535;
        ci[1].addr[d].family = 6;
        memset(ci[1].addr[d].bytes, 0xfe, 16);
        ci[1].port[d] = 65535;
    }
    EV(WSI_EV_CONN, .side = WSI_NONE, .ci = &ci[0]);
    EV(WSI_EV_CONN, .side = WSI_NONE, .ci = &ci[1], .client_dir = 1);
    EV(WSI_EV_CONN, .side = WSI_NONE);
    struct wsi_close_ev c = {.websocket = 1, .evidence = "", .close_code = {1000, -1}, .duration = 1e300};
    for (int d = 0; d < 2; d++) {
        c.tcp_bytes[d] = c.undecoded[d] = c.frames[d] = c.messages[d] = c.bytes[d] = UINT64_MAX;
    }
    c.violations = c.gaps = c.first_packet = c.last_packet = UINT64_MAX;
    EV(WSI_EV_CLOSE, .side = WSI_NONE, .ci = &ci[1], .u.close = c);
    EV(WSI_EV_CLOSE, .side = WSI_NONE, .u.close = {.duration = NAN, .close_code = {-1, -1}});
    tls = (struct wsi_tls_info){.sni = "", .alpn_offered = "", .alpn_selected = "", .versions_offered = "",
                                .version = "", .cipher = "", .client_random = ""};
    EV(WSI_EV_TLS, .side = WSI_NONE, .u.tls = {.info = &tls});
    EV(WSI_EV_TLS, .side = WSI_S2C, .u.tls = {.alert = "", .error = ""});
    EV((enum wsi_ev_kind)99, .side = WSI_NONE);
#undef EV
    return n;
}

/* Every event of edge_events at every fill that brings one of its fields to the end of the
 * buffer (from the line starting with room for all of it plus the largest reservation, to a
 * full buffer), in both builds; and random events of every kind at every fill of the portable
 * build's small buffer. */
static void test_every_fill(void **state)
{
    (void)state;
    struct wsi_event evs[160];
    size_t n = edge_events(evs, 100), nrnd = 60;
    struct arena a = {.cap = (size_t)8 << 20};
    a.mem = malloc(a.cap);
    assert_non_null(a.mem);
    uint64_t rng_saved = rng_state; /* the other tests' random events stay what they were */
    for (size_t i = 0; i < nrnd; i++) rnd_event(&a, &evs[n + i]);
    rng_state = rng_saved;
    for (size_t i = 0; i < n + nrnd; i++) {
        size_t llen;
        char *line = render(&impls[0], 8, &evs[i], 1, &llen);
        for (size_t m = 0; m < NIMPL; m++) {
            size_t jbuf = impl_jbuf(m), from = 0;
            if (i >= n && m == 0) continue; /* random lines can be long: the small buffer takes them */
            if (m == 0 && jbuf > llen + 200) from = jbuf - llen - 200;
            for (size_t fill = from; fill <= jbuf; fill++) check_at_fill(m, &evs[i], 8, line, llen, fill);
        }
        free(line);
    }
    free(a.mem);
}

/* ---- hex, names, endpoints --------------------------------------------------------- */

/* Frames: preview_hex of every byte value, every length around the 8-byte steps and the
 * library's 1024-byte pieces (2-byte pieces in the portable build); masking_key; opcode_name
 * for every opcode. */
static void test_hex_and_names(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 255, 256, 1023, 1024, 1025, 3000, 40000};
    uint8_t *p = malloc(40000);
    assert_non_null(p);
    for (size_t i = 0; i < 40000; i++) p[i] = (uint8_t)(i * 37 + i / 256);
    for (size_t k = 0; k < 256; k++) p[k] = (uint8_t)k; /* every value first */
    size_t n = sizeof lens / sizeof *lens;
    struct wsi_frame *f = calloc(n, sizeof *f);
    struct wsi_event *evs = calloc(n, sizeof *evs);
    assert_true(f && evs);
    for (size_t i = 0; i < n; i++) {
        f[i].opcode = (uint8_t)(i < 16 ? i : i * 13); /* every 4-bit one, then a few above ("invalid") */
        f[i].masked = 1;
        for (int k = 0; k < 4; k++) f[i].mask[k] = (uint8_t)(rnd());
        f[i].len = lens[i] + i % 2;
        evs[i].kind = WSI_EV_FRAME;
        evs[i].side = WSI_C2S;
        evs[i].u.frame = (struct wsi_frame_ev){.f = &f[i], .preview = p, .preview_len = lens[i], .index = i + 1};
    }
    for (size_t m = 0; m < NIMPL; m++) {
        char *out = render(&impls[m], 100000, evs, n, NULL);
        char *line = out;
        for (size_t i = 0; i < n; i++) {
            char *nl = strchr(line, '\n');
            assert_non_null(nl);
            *nl = 0;
            struct sb want = {0};
            sb_add(&want, "\"", 1);
            for (size_t k = 0; k < lens[i]; k++) sb_printf(&want, "%02x", p[k]);
            sb_add(&want, "\"", 1);
            char *got = field(line, "preview_hex", ",\"preview_truncated\":");
            assert_same(impls[m].name, got, strlen(got), want.s, want.n);
            free(got);
            char key[16];
            snprintf(key, sizeof key, "\"%02x%02x%02x%02x\"", f[i].mask[0], f[i].mask[1], f[i].mask[2], f[i].mask[3]);
            got = field(line, "masking_key", ",\"payload_length\":");
            assert_string_equal(got, key);
            free(got);
            got = field(line, "opcode", ",\"opcode_name\":");
            snprintf(key, sizeof key, "%u", (unsigned)f[i].opcode);
            assert_string_equal(got, key);
            free(got);
            got = field(line, "opcode_name", ",\"mask\":");
            struct sb name = {0};
            const char *on = wsi_opcode_name(f[i].opcode);
            ref_string(&name, (const uint8_t *)on, strlen(on));
            assert_string_equal(got, name.s);
            free(got);
            free(name.s);
            free(want.s);
            line = nl + 1;
        }
        free(out);
    }
    /* opcode names are copied without escaping: each must need none */
    for (unsigned op = 0; op < 256; op++) {
        const char *on = wsi_opcode_name(op);
        for (const char *c = on; *c; c++)
            if (!(*c >= 0x20 && *c < 0x7F && *c != '"' && *c != '\\')) fail_msg("opcode %u name needs escaping", op);
    }
    free(evs);
    free(f);
    free(p);
}

/* Each event kind's line starts with its type; an unknown kind is "unknown". */
static void test_types(void **state)
{
    (void)state;
    static const struct {
        int kind;
        const char *name;
    } k[] = {
        {0, "unknown"},        {WSI_EV_CONN, "connection"}, {WSI_EV_HTTP, "http"},   {WSI_EV_HANDSHAKE, "handshake"},
        {WSI_EV_FRAME, "frame"}, {WSI_EV_MESSAGE, "message"}, {WSI_EV_VIOLATION, "violation"}, {WSI_EV_GAP, "gap"},
        {WSI_EV_TCP, "tcp"},   {WSI_EV_LOST, "lost"},       {WSI_EV_END, "end"},     {WSI_EV_CLOSE, "close"},
        {WSI_EV_CHUNK, "chunk"}, {WSI_EV_SSE, "sse"},       {WSI_EV_TLS, "tls"},     {WSI_EV_STATS, "stats"}, {WSI_EV_NOTE, "note"}, {WSI_EV_NOTE + 1, "unknown"},
        {99, "unknown"},       {-5, "unknown"},
    };
    size_t n = sizeof k / sizeof *k;
    for (size_t m = 0; m < NIMPL; m++)
        for (size_t i = 0; i < n; i++) {
            struct wsi_event ev = {.kind = (enum wsi_ev_kind)k[i].kind, .conn = i, .side = WSI_NONE, .t = 0.25};
            if (k[i].kind == WSI_EV_SSE) ev.u.sse.retry = -1;
            char *got = render(&impls[m], 32, &ev, 1, NULL);
            char want[128];
            snprintf(want, sizeof want, "{\"type\":\"%s\",\"conn\":%zu,\"packet\":0,\"ts\":0.000000000,\"t\":0.250000000",
                     k[i].name, i);
            if (strncmp(got, want, strlen(want)) != 0) fail_msg("%s: got %s, want %s...", impls[m].name, got, want);
            size_t gl = strlen(got);
            assert_true(gl >= 2 && got[gl - 2] == '}' && got[gl - 1] == '\n');
            free(got);
        }
}

/* connection events: the endpoints are wsi_endpoint_str's, for IPv4, IPv6, other families
 * and no connection info. */
static void test_endpoints(void **state)
{
    (void)state;
    size_t n = 3000;
    struct wsi_conn_info *ci = calloc(n, sizeof *ci);
    struct wsi_event *evs = calloc(n, sizeof *evs);
    assert_true(ci && evs);
    for (size_t i = 0; i < n; i++) {
        for (int d = 0; d < 2; d++) {
            ci[i].addr[d].family = i % 10 == 7 ? 6 : i % 50 == 9 ? 0 : 4;
            for (int b = 0; b < 16; b++) ci[i].addr[d].bytes[b] = (uint8_t)rnd();
            if (ci[i].addr[d].family == 4) memset(ci[i].addr[d].bytes + 4, 0, 12);
            ci[i].port[d] = (uint16_t)rnd();
        }
        if (i == 1) { /* the shortest and the longest */
            memset(ci[i].addr[0].bytes, 0, 4);
            memset(ci[i].addr[1].bytes, 255, 4);
            ci[i].port[0] = 0;
            ci[i].port[1] = 65535;
        }
        if (i % 4 == 2) { /* one- and two-digit bytes */
            for (int b = 0; b < 4; b++) ci[i].addr[0].bytes[b] = (uint8_t)(rnd() % 100);
            ci[i].port[0] = (uint16_t)(rnd() % 100);
        }
        ci[i].saw_syn = (int)(i & 1);
        evs[i].kind = WSI_EV_CONN;
        evs[i].side = WSI_NONE;
        evs[i].ci = i == 3 ? NULL : &ci[i];
        evs[i].client_dir = (int)(i % 3); /* 2: not 1, so direction 0 is the client's */
    }
    for (size_t m = 0; m < NIMPL; m++) {
        char *out = render(&impls[m], 32, evs, n, NULL);
        char *line = out;
        for (size_t i = 0; i < n; i++) {
            char *nl = strchr(line, '\n');
            assert_non_null(nl);
            *nl = 0;
            char want[256], a[64], b[64];
            int cd = evs[i].client_dir == 1 ? 1 : 0;
            if (evs[i].ci)
                snprintf(want, sizeof want, "\"%s\",\"server\":\"%s\"", wsi_endpoint_str(&ci[i], cd, a),
                         wsi_endpoint_str(&ci[i], 1 - cd, b));
            else
                snprintf(want, sizeof want, "null,\"server\":null");
            char *got = field(line, "client", ",\"saw_syn\":");
            if (strcmp(got, want) != 0) fail_msg("%s: line %zu: got %s, want %s", impls[m].name, i, got, want);
            free(got);
            line = nl + 1;
        }
        free(out);
    }
    free(evs);
    free(ci);
}

/* ---- when lines reach the file ------------------------------------------------------ */

/* An open temporary file: a stdio stream on it, and a descriptor to look at what it holds. */
struct tfile {
    FILE *f;
    int fd;
};

static void tfile_open(struct tfile *t, int mode, char *buf, size_t size)
{
    char path[] = "/tmp/wsi_jsonl_XXXXXX";
    t->fd = mkstemp(path);
    assert_true(t->fd >= 0);
    unlink(path);
    t->f = fdopen(dup(t->fd), "w");
    assert_non_null(t->f);
    if (mode >= 0) assert_int_equal(setvbuf(t->f, buf, mode, size), 0);
}

static off_t tfile_size(const struct tfile *t)
{
    struct stat st;
    assert_int_equal(fstat(t->fd, &st), 0);
    return st.st_size;
}

/* The file receives the same bytes at the same moments (after the same events) as when every
 * line is handed to stdio with its own fwrite, whatever the stream's buffering: lines that
 * wait in the renderer are only those stdio would have kept in its buffer. (A line longer
 * than the renderer's buffer goes out in pieces: none here for the library's 64 KiB, every
 * one for the portable build's smallest buffer, which hands each line over by the end of
 * its event all the same.) */
static void test_output_moments(void **state)
{
    (void)state;
    size_t n = 3000;
    struct wsi_event *evs = calloc(n, sizeof *evs);
    uint8_t *data = malloc(70000);
    assert_true(evs && data);
    memset(data, 'd', 70000);
    for (size_t i = 0; i < 70000; i += 97) data[i] = 1; /* escaped: 6 bytes */
    for (size_t i = 0; i < n; i++) {
        evs[i].kind = WSI_EV_SSE;
        evs[i].side = WSI_S2C;
        evs[i].packet = i;
        evs[i].u.sse.retry = -1;
        evs[i].u.sse.data = (const char *)data;
        size_t len = (size_t)(rnd() % 300);
        if (i % 97 == 5) len = 3000 + (size_t)(rnd() % 3000); /* near the stdio buffer size */
        if (i == 1 || i == 2) len = 4096 - 150; /* the first stdio buffer nearly full */
        evs[i].u.sse.data_len = len;
    }
    static char bufs[2][3][5000];
    struct mode {
        const char *name;
        int mode;  /* -1: as fdopen leaves it */
        size_t size;
    } modes[] = {{"default", -1, 0}, {"full 4096", _IOFBF, 4096}, {"full 1000", _IOFBF, 1000},
                 {"full 4999", _IOFBF, 4999}, {"line", _IOLBF, 4096}, {"none", _IONBF, 0}};
    for (size_t m = 0; m < NIMPL; m++) {
        size_t total;
        char *all = render(&impls[m], 32, evs, n, &total); /* the lines */
        for (size_t k = 0; k < sizeof modes / sizeof *modes; k++) {
            struct tfile a, b; /* a: the renderer; b: one fwrite per line */
            int user = modes[k].mode == _IOFBF && modes[k].size != 4096;
            tfile_open(&a, modes[k].mode, user ? bufs[0][k % 3] : NULL, modes[k].size);
            tfile_open(&b, modes[k].mode, user ? bufs[1][k % 3] : NULL, modes[k].size);
            struct wsi_render_opts o = {.out = a.f, .payload = 32};
            struct wsi_json *j = impls[m].make(&o);
            assert_non_null(j);
            const char *line = all;
            for (size_t i = 0; i < n; i++) {
                impls[m].event(j, &evs[i]);
                const char *nl = strchr(line, '\n');
                assert_non_null(nl);
                fwrite(line, 1, (size_t)(nl + 1 - line), b.f);
                line = nl + 1;
                off_t sa = tfile_size(&a), sb = tfile_size(&b);
                if (sa != sb)
                    fail_msg("%s, %s buffering: after event %zu the file has %lld bytes, not %lld", impls[m].name,
                             modes[k].name, i, (long long)sa, (long long)sb);
            }
            impls[m].release(j);
            assert_int_equal(fclose(a.f), 0);
            assert_int_equal(fclose(b.f), 0);
            assert_int_equal(tfile_size(&a), (off_t)total);
            char *got = malloc(total + 1);
            assert_non_null(got);
            assert_int_equal(pread(a.fd, got, total, 0), (ssize_t)total);
            assert_same(modes[k].name, got, total, all, total);
            free(got);
            close(a.fd);
            close(b.fd);
        }
        free(all);
    }
    free(data);
    free(evs);
}

/* wsi_json_own_buffer: on an unbuffered stream the renderer's buffer is the only one. The file
 * holds a prefix of what was rendered after every event, lines wait
 * (at most a buffer of them: 64 KiB for the library, the smallest for the portable build), and
 * at the end the file holds every line, the same bytes as one fwrite per line. */
static void test_own_buffer(void **state)
{
    (void)state;
    size_t n = 3000;
    struct wsi_event *evs = calloc(n, sizeof *evs);
    uint8_t *data = malloc(70000);
    size_t *upto = calloc(n, sizeof *upto);
    assert_true(evs && data && upto);
    memset(data, 'd', 70000);
    for (size_t i = 0; i < 70000; i += 97) data[i] = 1;
    for (size_t i = 0; i < n; i++) {
        evs[i].kind = WSI_EV_SSE;
        evs[i].side = WSI_S2C;
        evs[i].packet = i;
        evs[i].u.sse.retry = -1;
        evs[i].u.sse.data = (const char *)data;
        evs[i].u.sse.data_len = i % 211 == 7 ? 20000 + (size_t)(rnd() % 40000) : (size_t)(rnd() % 300);
    }
    void (*own[])(struct wsi_json *) = {wsi_json_own_buffer, port_json_own_buffer};
    const size_t jbuf[] = {65536, port_jbuf};
    _Static_assert(sizeof own / sizeof *own == NIMPL, "one wsi_json_own_buffer per implementation");
    for (size_t m = 0; m < NIMPL; m++) {
        size_t total;
        char *all = render(&impls[m], 32, evs, n, &total);
        const char *line = all;
        for (size_t i = 0; i < n; i++) { /* the bytes of the lines up to event i */
            const char *nl = strchr(line, '\n');
            assert_non_null(nl);
            upto[i] = (size_t)(nl + 1 - all);
            line = nl + 1;
        }
        struct tfile a;
        tfile_open(&a, _IONBF, NULL, 0);
        struct wsi_render_opts o = {.out = a.f, .payload = 32};
        struct wsi_json *j = impls[m].make(&o);
        assert_non_null(j);
        own[m](j);
        size_t waited = 0;
        for (size_t i = 0; i < n; i++) {
            impls[m].event(j, &evs[i]);
            size_t sa = (size_t)tfile_size(&a);
            if (sa > upto[i] || upto[i] - sa > jbuf[m])
                fail_msg("%s: after event %zu the file has %zu bytes of %zu rendered", impls[m].name, i, sa, upto[i]);
            if (sa < upto[i]) waited++;
        }
        assert_true(waited > n / 2); /* lines do wait in the buffer */
        impls[m].release(j);
        assert_int_equal(fclose(a.f), 0);
        assert_int_equal(tfile_size(&a), (off_t)total);
        char *got = malloc(total + 1);
        assert_non_null(got);
        assert_int_equal(pread(a.fd, got, total, 0), (ssize_t)total);
        assert_same(impls[m].name, got, total, all, total);
        free(got);
        close(a.fd);
        free(all);
    }
    free(upto);
    free(data);
    free(evs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_and_times), cmocka_unit_test(test_every_half),
        cmocka_unit_test(test_repeated_starts), cmocka_unit_test(test_signed),
        cmocka_unit_test(test_escape_bytes),      cmocka_unit_test(test_escape_utf8),
        cmocka_unit_test(test_escape_literals),
        cmocka_unit_test(test_escape_random),     cmocka_unit_test(test_escape_long),
        cmocka_unit_test(test_buffer_edges),      cmocka_unit_test(test_every_fill),
        cmocka_unit_test(test_random_events),
        cmocka_unit_test(test_hex_and_names),     cmocka_unit_test(test_types),
        cmocka_unit_test(test_endpoints),         cmocka_unit_test(test_output_moments),
        cmocka_unit_test(test_own_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
