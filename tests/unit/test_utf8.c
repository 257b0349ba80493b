/* test_utf8.c - the incremental UTF-8 validator: known vectors, and a differential test
 * against the original (pre-optimisation) implementation on exhaustive short sequences
 * and random mixed strings, fed whole, split at every point and byte by byte. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/*
 * The validator is checked in two builds: the library's (SSE2 and compiler
 * builtins on x86-64) is wsi_utf8_feed, and the plain C11 fallback, compiled
 * here from the same source with WSI_UTF8_PORTABLE, is portable_utf8_feed.
 * Both must agree with the reference model below.
 */
#define WSI_UTF8_PORTABLE 1
#define wsi_utf8_feed portable_utf8_feed
#include "utf8.c"
#undef wsi_utf8_feed
#undef WSI_UTF8_PORTABLE
uint32_t wsi_utf8_feed(uint32_t state, const uint8_t *s, size_t len);

/* ---- reference model ------------------------------------------------------------------------- */

/*
 * REFERENCE MODEL: the original inspector/utf8.c (byte-at-a-time state machine with
 * an 8-byte ASCII skip), kept verbatim except for the names. Do not "optimise" it:
 * it is what the fast validator is checked against, state number for state number.
 */
enum {
    REF_NEED1 = 2,   /* one continuation byte 80..BF left */
    REF_NEED2,       /* two left, next in 80..BF */
    REF_NEED2_E0,    /* two left, next in A0..BF (no overlong 3-byte form) */
    REF_NEED2_ED,    /* two left, next in 80..9F (no surrogates D800..DFFF) */
    REF_NEED3,       /* three left, next in 80..BF */
    REF_NEED3_F0,    /* three left, next in 90..BF (no overlong 4-byte form) */
    REF_NEED3_F4,    /* three left, next in 80..8F (nothing above U+10FFFF) */
    REF_LAST = REF_NEED3_F4
};

static uint32_t ref_lead(uint8_t b)
{
    if (b < 0x80) return WSI_UTF8_ACCEPT;
    if (b < 0xC2) return WSI_UTF8_REJECT;
    if (b < 0xE0) return REF_NEED1;
    if (b == 0xE0) return REF_NEED2_E0;
    if (b == 0xED) return REF_NEED2_ED;
    if (b < 0xF0) return REF_NEED2;
    if (b == 0xF0) return REF_NEED3_F0;
    if (b < 0xF4) return REF_NEED3;
    if (b == 0xF4) return REF_NEED3_F4;
    return WSI_UTF8_REJECT;
}

static uint32_t ref_cont(uint32_t st, uint8_t b)
{
    uint8_t lo = 0x80, hi = 0xBF;
    uint32_t next;
    switch (st) {
    case REF_NEED1: next = WSI_UTF8_ACCEPT; break;
    case REF_NEED2: next = REF_NEED1; break;
    case REF_NEED2_E0: next = REF_NEED1; lo = 0xA0; break;
    case REF_NEED2_ED: next = REF_NEED1; hi = 0x9F; break;
    case REF_NEED3: next = REF_NEED2; break;
    case REF_NEED3_F0: next = REF_NEED2; lo = 0x90; break;
    case REF_NEED3_F4: next = REF_NEED2; hi = 0x8F; break;
    default: return WSI_UTF8_REJECT;
    }
    return (b < lo || b > hi) ? WSI_UTF8_REJECT : next;
}

static uint32_t ref_utf8_feed(uint32_t state, const uint8_t *s, size_t len)
{
    size_t i = 0;
    if (state > REF_LAST) return WSI_UTF8_REJECT;
    while (i < len) {
        if (state == WSI_UTF8_REJECT) return WSI_UTF8_REJECT;
        if (state == WSI_UTF8_ACCEPT) {
            while (len - i >= 8) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080ull) break;
                i += 8;
            }
            if (i == len) break;
            state = ref_lead(s[i++]);
        } else {
            state = ref_cont(state, s[i++]);
        }
    }
    return state;
}

/* ---- helpers ------------------------------------------------------------------------------------ */

typedef uint32_t (*feed_fn)(uint32_t, const uint8_t *, size_t);
static const feed_fn IMPLS[] = {wsi_utf8_feed, portable_utf8_feed};
#define NIMPL (sizeof IMPLS / sizeof IMPLS[0])

/* Deterministic PRNG (splitmix64). */
static uint64_t rng_state = 0x5eed0f0u;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static size_t rnd_below(size_t n) { return (size_t)(rnd() % n); }

/* Feed `s` to `f` from `st` in pieces cut at the sorted offsets cuts[0..ncut). */
static uint32_t feed_cut(feed_fn f, uint32_t st, const uint8_t *s, size_t n, const size_t *cuts, size_t ncut)
{
    size_t at = 0;
    for (size_t k = 0; k < ncut; k++) {
        st = f(st, s + at, cuts[k] - at);
        at = cuts[k];
    }
    return f(st, s + at, n - at);
}

/* Every implementation, from start state `st0`, fed `s` whole, split once at every
 * point (or at `nsplit` random points when nsplit > 0) and, if `bytewise`, one byte
 * at a time (checking the state after every byte): all must give ref's states. */
static void check(uint32_t st0, const uint8_t *src, size_t n, size_t nsplit, int bytewise)
{
    /* an exact-size heap copy, so that a sanitizer build sees any read past the end */
    uint8_t *s = malloc(n ? n : 1);
    assert_non_null(s);
    if (n) memcpy(s, src, n);
    uint32_t want = ref_utf8_feed(st0, s, n);
    for (size_t k = 0; k < NIMPL; k++) {
        feed_fn f = IMPLS[k];
        assert_int_equal(f(st0, s, n), want);
        if (nsplit == 0) {
            for (size_t cut = 0; cut <= n; cut++) assert_int_equal(feed_cut(f, st0, s, n, &cut, 1), want);
        } else {
            for (size_t j = 0; j < nsplit; j++) {
                size_t cuts[3] = {rnd_below(n + 1), rnd_below(n + 1), rnd_below(n + 1)};
                if (cuts[0] > cuts[1]) { size_t t = cuts[0]; cuts[0] = cuts[1]; cuts[1] = t; }
                if (cuts[1] > cuts[2]) { size_t t = cuts[1]; cuts[1] = cuts[2]; cuts[2] = t; }
                if (cuts[0] > cuts[1]) { size_t t = cuts[0]; cuts[0] = cuts[1]; cuts[1] = t; }
                assert_int_equal(feed_cut(f, st0, s, n, cuts, 1 + (j % 3)), want);
            }
        }
        if (bytewise) {
            uint32_t a = f(st0, s, 0), r = ref_utf8_feed(st0, s, 0);
            for (size_t i = 0; i < n; i++) {
                a = f(a, s + i, 1);
                r = ref_utf8_feed(r, s + i, 1);
                assert_int_equal(a, r);
            }
            assert_int_equal(a, want);
        }
    }
    free(s);
}

/* Encode code point `c` (no checks) into `out`; returns the length. */
static size_t encode(uint32_t c, uint8_t *out)
{
    if (c < 0x80) { out[0] = (uint8_t)c; return 1; }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | (c >> 6));
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (c >> 12));
        out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (c >> 18));
    out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* A valid non-ASCII code point: often one at the edge of a range. */
static uint32_t rnd_char(void)
{
    static const uint32_t edges[] = {0x80, 0x7FF, 0x800, 0xFFF, 0x1000, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF,
                                     0x10000, 0x3FFFF, 0x40000, 0xFFFFF, 0x100000, 0x10FFFF, 0xE9, 0x20AC};
    if (rnd_below(4) == 0) return edges[rnd_below(sizeof edges / sizeof edges[0])];
    switch (rnd_below(3)) {
    case 0: return 0x80 + (uint32_t)rnd_below(0x800 - 0x80);
    case 1: {
        uint32_t c = 0x800 + (uint32_t)rnd_below(0x10000 - 0x800 - 0x800);
        return c >= 0xD800 ? c + 0x800 : c;   /* skip the surrogates */
    }
    default: return 0x10000 + (uint32_t)rnd_below(0x110000 - 0x10000);
    }
}

/* ---- known vectors ------------------------------------------------------------------------------ */

/* The state every implementation ends in, fed `n` bytes whole; also checks splits. */
static uint32_t vec(const char *s, size_t n)
{
    check(WSI_UTF8_ACCEPT, (const uint8_t *)s, n, 0, 1);
    return wsi_utf8_feed(WSI_UTF8_ACCEPT, (const uint8_t *)s, n);
}
#define V(lit) vec(lit, sizeof(lit) - 1)
#define IS_MID(st) ((st) != WSI_UTF8_ACCEPT && (st) != WSI_UTF8_REJECT)

static void test_known_vectors(void **unused)
{
    (void)unused;
    /* valid */
    assert_int_equal(V(""), WSI_UTF8_ACCEPT);
    assert_int_equal(V("{\"type\":\"hello\",\"id\":12345,\"text\":\"plain ASCII, longer than 16\"}"), WSI_UTF8_ACCEPT);
    assert_int_equal(V("caf\xc3\xa9"), WSI_UTF8_ACCEPT);                  /* é */
    assert_int_equal(V("\xe2\x82\xac"), WSI_UTF8_ACCEPT);                 /* € */
    assert_int_equal(V("\xef\xbf\xbf"), WSI_UTF8_ACCEPT);                 /* U+FFFF */
    assert_int_equal(V("\xf0\x90\x80\x80"), WSI_UTF8_ACCEPT);             /* U+10000 */
    assert_int_equal(V("\xf4\x8f\xbf\xbf"), WSI_UTF8_ACCEPT);             /* U+10FFFF */
    assert_int_equal(V("ok \xf0\x9f\x99\x82 ok"), WSI_UTF8_ACCEPT);       /* 🙂 */
    assert_int_equal(V("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xa7\xe3\x81\x99"), WSI_UTF8_ACCEPT);
    assert_int_equal(V("\xed\x9f\xbf\xee\x80\x80"), WSI_UTF8_ACCEPT);     /* U+D7FF, U+E000 */
    /* invalid */
    assert_int_equal(V("\xc0\x80"), WSI_UTF8_REJECT);                     /* overlong NUL */
    assert_int_equal(V("\xc1\xbf"), WSI_UTF8_REJECT);
    assert_int_equal(V("\xe0\x80\x80"), WSI_UTF8_REJECT);                 /* overlong 3-byte */
    assert_int_equal(V("\xe0\x9f\xbf"), WSI_UTF8_REJECT);
    assert_int_equal(V("\xf0\x8f\xbf\xbf"), WSI_UTF8_REJECT);             /* overlong 4-byte */
    assert_int_equal(V("\xed\xa0\x80"), WSI_UTF8_REJECT);                 /* surrogate D800 */
    assert_int_equal(V("\xed\xbf\xbf"), WSI_UTF8_REJECT);                 /* surrogate DFFF */
    assert_int_equal(V("\xf4\x90\x80\x80"), WSI_UTF8_REJECT);             /* U+110000 */
    assert_int_equal(V("\xf5"), WSI_UTF8_REJECT);
    assert_int_equal(V("\xff"), WSI_UTF8_REJECT);
    assert_int_equal(V("\x80"), WSI_UTF8_REJECT);                         /* lone continuation */
    assert_int_equal(V("0123456789abcdefghij\x80"), WSI_UTF8_REJECT);
    assert_int_equal(V("\xe2\x82\x41"), WSI_UTF8_REJECT);
    assert_int_equal(V("\xc3\xc3\xbc"), WSI_UTF8_REJECT);
    assert_int_equal(V("\xf0\x9f\x99\x82\xf0\x9f\x99"), REF_NEED1);       /* truncated: mid state */
    /* truncated sequences stop in a mid state, the very same number as before */
    assert_int_equal(V("\xc3"), REF_NEED1);
    assert_int_equal(V("\xe2"), REF_NEED2);
    assert_int_equal(V("\xe2\x82"), REF_NEED1);
    assert_int_equal(V("\xe0"), REF_NEED2_E0);
    assert_int_equal(V("\xed"), REF_NEED2_ED);
    assert_int_equal(V("\xf0"), REF_NEED3_F0);
    assert_int_equal(V("\xf1"), REF_NEED3);
    assert_int_equal(V("\xf4"), REF_NEED3_F4);
    assert_int_equal(V("\xf0\x9f"), REF_NEED2);
    assert_int_equal(V("\xf0\x9f\x99"), REF_NEED1);
    assert_int_equal(V("a long enough ASCII prefix for SIMD \xf0\x9f\x99"), REF_NEED1);
    assert_true(IS_MID(V("ab\xf0\x9f")));
    /* a state from another call resumes there */
    for (size_t k = 0; k < NIMPL; k++) {
        feed_fn f = IMPLS[k];
        uint32_t s = f(WSI_UTF8_ACCEPT, (const uint8_t *)"ab\xf0\x9f", 4);
        assert_int_equal(f(s, (const uint8_t *)"\x99\x82 and more text after it", 25), WSI_UTF8_ACCEPT);
        assert_int_equal(f(s, (const uint8_t *)"\x99", 1), REF_NEED1);
        assert_int_equal(f(s, (const uint8_t *)"", 0), s);
        assert_int_equal(f(s, NULL, 0), s);
        assert_int_equal(f(s, (const uint8_t *)"a", 1), WSI_UTF8_REJECT);
        /* reject is sticky; ACCEPT with nothing stays ACCEPT */
        assert_int_equal(f(WSI_UTF8_REJECT, (const uint8_t *)"ok", 2), WSI_UTF8_REJECT);
        assert_int_equal(f(WSI_UTF8_REJECT, NULL, 0), WSI_UTF8_REJECT);
        assert_int_equal(f(WSI_UTF8_ACCEPT, NULL, 0), WSI_UTF8_ACCEPT);
        /* a state this validator never produces is rejected, with or without bytes */
        static const uint32_t bogus[] = {REF_LAST + 1, 10, 0xFF, 0x100, 0x103, 0x7FFFFFFF, 0xFFFFFFFF};
        for (size_t j = 0; j < sizeof bogus / sizeof bogus[0]; j++) {
            assert_int_equal(f(bogus[j], NULL, 0), WSI_UTF8_REJECT);
            assert_int_equal(f(bogus[j], (const uint8_t *)"ok", 2), WSI_UTF8_REJECT);
            assert_int_equal(f(bogus[j], (const uint8_t *)"\x80", 1), WSI_UTF8_REJECT);
        }
    }
    /* a bad or a multi-byte character at every position of the 16- and 8-byte ASCII paths */
    for (size_t n = 1; n <= 70; n++) {
        for (size_t at = 0; at < n; at++) {
            uint8_t t[72];
            memset(t, 'a', sizeof t);
            t[at] = 0xff;
            check(WSI_UTF8_ACCEPT, t, n, 4, 0);
            t[at] = 0xc3;
            t[at + 1] = 0xbc;
            check(WSI_UTF8_ACCEPT, t, n, 4, 0);   /* cut at n: sometimes mid-character */
            t[at + 1] = 'a';
            check(WSI_UTF8_ACCEPT, t, n, 4, 0);
        }
    }
}

/* ---- exhaustive short sequences ------------------------------------------------------------------- */

/* Continuation-position bytes worth trying: both sides of every range edge. */
static const uint8_t EDGE[] = {0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

/* Every 1- and 2-byte string from every start state (all splits, byte by byte), and
 * every lead byte followed by 2 or 3 edge bytes: alone (all splits, byte by byte)
 * and inside ASCII padding that puts it at the SIMD/word boundaries. */
static void test_exhaustive_short(void **unused)
{
    (void)unused;
    static const size_t pad[][2] = {{1, 0}, {15, 0}, {16, 17}, {31, 1}, {7, 16}, {0, 40}, {17, 3}, {8, 0}};
    uint8_t seq[4];
    unsigned rot = 0;
    for (uint32_t st0 = 0; st0 <= REF_LAST + 1; st0++) {
        for (unsigned a = 0; a < 256; a++) {
            seq[0] = (uint8_t)a;
            check(st0, seq, 1, 0, 1);
            for (unsigned b = 0; b < 256; b++) {
                seq[1] = (uint8_t)b;
                check(st0, seq, 2, 0, st0 == 0);
            }
        }
    }
    for (unsigned a = 0; a < 256; a++) {
        for (size_t x = 0; x < NEDGE; x++) {
            for (size_t y = 0; y < NEDGE; y++) {
                for (size_t z = 0; z <= NEDGE; z++) {
                    size_t n = z < NEDGE ? 4 : 3;
                    seq[0] = (uint8_t)a;
                    seq[1] = EDGE[x];
                    seq[2] = EDGE[y];
                    if (z < NEDGE) seq[3] = EDGE[z];
                    check(WSI_UTF8_ACCEPT, seq, n, 0, 1);
                    for (unsigned j = 0; j < 2; j++, rot++) {   /* two paddings each, in rotation */
                        size_t pre = pad[rot % 8][0], len = pre + n + pad[rot % 8][1];
                        uint8_t *buf = malloc(len);   /* exact size: see check() */
                        assert_non_null(buf);
                        memset(buf, 'x', len);
                        memcpy(buf + pre, seq, n);
                        uint32_t want = ref_utf8_feed(WSI_UTF8_ACCEPT, buf, len);
                        for (size_t k = 0; k < NIMPL; k++) assert_int_equal(IMPLS[k](WSI_UTF8_ACCEPT, buf, len), want);
                        free(buf);
                    }
                }
            }
        }
    }
}

/* ---- random mixed strings --------------------------------------------------------------------------- */

/* Build a string of up to `cap` bytes in one of four styles: ASCII runs and valid
 * characters, sometimes ending mid-character, then (for 2 in 5 of them) one or two
 * corruptions. Returns the length. */
static size_t rnd_text(uint8_t *out, size_t cap)
{
    size_t want = rnd_below(cap + 1), n = 0;
    unsigned style = (unsigned)rnd_below(4);   /* 0 JSON-ish, 1 CJK-heavy, 2 emoji, 3 random bytes */
    while (n < want) {
        uint8_t c[4];
        size_t k;
        if (style == 3 && rnd_below(2)) {
            c[0] = (uint8_t)rnd();
            k = 1;
        } else if (rnd_below(style == 0 ? 4 : 8) == 0 || style == 3) {
            size_t run = rnd_below(style == 0 ? 60 : 8);
            while (run-- > 0 && n < want) out[n++] = (uint8_t)(0x20 + rnd_below(0x5F));
            continue;
        } else {
            uint32_t cp = rnd_char();
            if (style == 1 && rnd_below(2)) cp = 0x4E00 + (uint32_t)rnd_below(0x5000);
            if (style == 2 && rnd_below(2)) cp = 0x1F600 + (uint32_t)rnd_below(0x50);
            k = encode(cp, c);
        }
        if (n + k > want) {
            if (k > 1 && rnd_below(2)) {                          /* end mid-character */
                k = 1 + rnd_below(k - 1);
                memcpy(out + n, c, k);
                n += k;
            }
            break;
        }
        memcpy(out + n, c, k);
        n += k;
    }
    if (n > 0 && rnd_below(5) < 2) {
        for (unsigned m = 1 + (unsigned)rnd_below(2); m > 0; m--) {
            size_t at = rnd_below(n);
            switch (rnd_below(4)) {
            case 0: out[at] = (uint8_t)rnd(); break;
            case 1: out[at] = EDGE[rnd_below(NEDGE)]; break;
            case 2: out[at] ^= 0x40; break;                       /* continuation <-> lead */
            default: memmove(out + at, out + at + 1, n - at - 1); n--; break;   /* drop a byte */
            }
            if (n == 0) break;
        }
    }
    return n;
}

static void test_random_strings(void **unused)
{
    (void)unused;
    uint8_t s[320];
    size_t counts[3] = {0, 0, 0};
    rng_state = 0x5eed0f0u;
    for (unsigned t = 0; t < 200000; t++) {
        size_t n = rnd_text(s, 300);
        uint32_t st0 = WSI_UTF8_ACCEPT;
        if (t % 16 == 0) st0 = (uint32_t)rnd_below(REF_LAST + 2);   /* resume from any state */
        uint32_t want = ref_utf8_feed(st0, s, n);
        counts[want == WSI_UTF8_ACCEPT ? 0 : want == WSI_UTF8_REJECT ? 1 : 2]++;
        if (n <= 48) check(st0, s, n, 0, 1);                          /* every split, byte by byte */
        else check(st0, s, n, 3, t % 8 == 0);                         /* random splits */
    }
    /* the generator must produce all three outcomes in quantity */
    assert_true(counts[0] > 50000);
    assert_true(counts[1] > 50000);
    assert_true(counts[2] > 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_exhaustive_short),
        cmocka_unit_test(test_random_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
