/* utf8.c - incremental UTF-8 validator (RFC 3629) for text messages and close reasons. */
#include <string.h>

#include "wsframe.h"

/*
 * Speed-ups that depend on the compiler and CPU, each with a plain C11
 * fallback giving the very same results: SSE2 (every x86-64 CPU) looks at 16
 * bytes at once for non-ASCII; GCC/Clang builtins find the first such byte in
 * a mask; on little-endian CPUs a word is read with one load. Defining
 * WSI_UTF8_PORTABLE builds only the fallbacks (the unit tests check that
 * build against the same reference as the normal one).
 */
#if !defined(WSI_UTF8_PORTABLE)
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define UTF8_SSE2 1
#endif
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define UTF8_LE_BUILTINS 1
#endif
#endif

/*
 * The state is a small integer carried between calls, so a character may be
 * split across frames and feed calls. ACCEPT (0) and REJECT (1) come from
 * wsframe.h; the others say how many continuation bytes are still owed and,
 * for the first of them, which narrower range is allowed. The narrow ranges
 * are what rule out overlong forms (after E0 and F0), UTF-16 surrogates
 * (after ED) and code points above U+10FFFF (after F4).
 */
enum {
    U_NEED1 = 2,   /* one continuation byte 80..BF left */
    U_NEED2,       /* two left, next in 80..BF */
    U_NEED2_E0,    /* two left, next in A0..BF (no overlong 3-byte form) */
    U_NEED2_ED,    /* two left, next in 80..9F (no surrogates D800..DFFF) */
    U_NEED3,       /* three left, next in 80..BF */
    U_NEED3_F0,    /* three left, next in 90..BF (no overlong 4-byte form) */
    U_NEED3_F4,    /* three left, next in 80..8F (nothing above U+10FFFF) */
    U_LAST = U_NEED3_F4
};

#define A WSI_UTF8_ACCEPT
#define R WSI_UTF8_REJECT
#define N1 U_NEED1
#define N2 U_NEED2
#define N3 U_NEED3
/* The state after each byte seen at a character boundary: 00..7F are ASCII;
 * 80..BF are stray continuations and C0/C1 could only start overlong forms;
 * the leads E0, ED, F0 and F4 get the states with a narrower next range;
 * F5..FF never appear in UTF-8. */
static const uint8_t lead_state[256] = {
    A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,            /* 00 */
    A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,            /* 10 */
    A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,            /* 20 */
    A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,            /* 30 */
    A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,            /* 40 */
    A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,            /* 50 */
    A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,            /* 60 */
    A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,  A,            /* 70 */
    R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,            /* 80 */
    R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,            /* 90 */
    R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,            /* A0 */
    R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,            /* B0 */
    R,  R,  N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1,           /* C0 */
    N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1, N1,           /* D0 */
    U_NEED2_E0, N2, N2, N2, N2, N2, N2, N2, N2, N2, N2, N2, N2, U_NEED2_ED, N2, N2, /* E0 */
    U_NEED3_F0, N3, N3, N3, U_NEED3_F4, R, R, R, R, R, R, R, R, R, R, R,      /* F0 */
};
#undef A
#undef R
#undef N1
#undef N2
#undef N3

/* Per mid-sequence state (the ACCEPT and REJECT entries are unused): the
 * lowest allowed next byte, how far above it the range reaches, the state that
 * byte leads to, and how many continuation bytes are owed in all. */
static const uint8_t cont_lo[U_LAST + 1]   = {0, 0, 0x80, 0x80, 0xA0, 0x80, 0x80, 0x90, 0x80};
static const uint8_t cont_span[U_LAST + 1] = {0, 0, 0x3F, 0x3F, 0x1F, 0x1F, 0x3F, 0x2F, 0x0F};
static const uint8_t cont_next[U_LAST + 1] = {0, 0, WSI_UTF8_ACCEPT, U_NEED1, U_NEED1, U_NEED1,
                                              U_NEED2, U_NEED2, U_NEED2};
static const uint8_t cont_owed[U_LAST + 1] = {0, 0, 1, 2, 2, 2, 3, 3, 3};

/* The byte-at-a-time state machine: bytes s[i] to s[end - 1] from state `st`
 * (ACCEPT or mid-sequence). Used only at the two edges of a buffer, where a
 * character may be cut; what it returns is the state carried over to the next call. */
static uint32_t feed_bytes(uint32_t st, const uint8_t *s, size_t i, size_t end)
{
    for (; i < end && st != WSI_UTF8_REJECT; i++) {
        uint8_t b = s[i];
        if (st == WSI_UTF8_ACCEPT) st = lead_state[b];
        else st = (uint8_t)(b - cont_lo[st]) <= cont_span[st] ? cont_next[st] : WSI_UTF8_REJECT;
    }
    return st;
}

/* The index of the first non-ASCII byte at or after `i`, or `len` if none:
 * 16 bytes at a time with SSE2 (then the last 1..15 in one overlapping load),
 * else 8 at a time in a word, then byte by byte. */
static inline size_t skip_ascii(const uint8_t *s, size_t i, size_t len)
{
#ifdef UTF8_SSE2
    if (len >= 16) {
        size_t last = len - 16;     /* the last offset a 16-byte load may start at */
        unsigned m;
        while (i <= last) {
            m = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i)));
            if (m) return i + (unsigned)__builtin_ctz(m);
            i += 16;
        }
        if (i == len) return len;
        /* Load the final 16 bytes, all inside the buffer, and drop the bits of
         * those before `i`, already known to be ASCII. */
        m = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + last)));
        m >>= i - last;
        return m ? i + (unsigned)__builtin_ctz(m) : len;
    }
#endif
    while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);       /* fixed 8 bytes, checked just above */
        w &= 0x8080808080808080ull;
        if (w) {
#ifdef UTF8_LE_BUILTINS
            return i + ((unsigned)__builtin_ctzll(w) >> 3);   /* the lowest byte comes first */
#else
            break;                  /* the byte loop below finds it */
#endif
        }
        i += 8;
    }
    while (i < len && s[i] < 0x80) i++;
    return i;
}

/* The 4 bytes at `p` as a little-endian word. */
static inline uint32_t load32le(const uint8_t *p)
{
#ifdef UTF8_LE_BUILTINS
    uint32_t w;
    memcpy(&w, p, 4);               /* one load */
    return w;
#else
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
}

/*
 * What a whole character must look like, per state after its lead byte, with
 * the 4 bytes from the lead read as a little-endian word w: (w & mask) == want.
 * The mask covers each continuation byte the character has (10xxxxxx), and
 * for the second byte the narrower range where there is one: A0..BF after E0
 * is 101xxxxx, 80..9F after ED is 100xxxxx, 80..8F after F4 is 1000xxxx. The
 * one range no mask can express, 90..BF after F0, gets a test of its own.
 * The REJECT entry never matches (0 != 1): bad lead bytes need no test either.
 */
struct lead_rule {
    uint32_t mask, want;
};
static const struct lead_rule lead_rule[U_LAST + 1] = {
    [WSI_UTF8_ACCEPT] = {0, 1},     /* unused: ASCII never gets here */
    [WSI_UTF8_REJECT] = {0, 1},
    [U_NEED1]    = {0x0000C000u, 0x00008000u},
    [U_NEED2]    = {0x00C0C000u, 0x00808000u},
    [U_NEED2_E0] = {0x00C0E000u, 0x0080A000u},
    [U_NEED2_ED] = {0x00C0E000u, 0x00808000u},
    [U_NEED3]    = {0xC0C0C000u, 0x80808000u},
    [U_NEED3_F0] = {0xC0C0C000u, 0x80808000u},
    [U_NEED3_F4] = {0xC0C0F000u, 0x80808000u},
};

/*
 * Validate `len` more bytes from `state`. A character left open by the last
 * call is finished first, byte by byte. Then ASCII runs are skipped (see
 * skip_ascii), and each multi-byte character with 4 bytes in the buffer from
 * its lead is checked at once on a word (see lead_rule). Only the last 1..3
 * bytes go through the byte-at-a-time machine, which carries a character cut
 * by the end of the buffer over to the next call: every state returned,
 * mid-sequence ones included, is the one a byte-by-byte feed would give.
 */
uint32_t wsi_utf8_feed(uint32_t state, const uint8_t *s, size_t len)
{
    size_t i = 0, lim;
    if (state > U_LAST) return WSI_UTF8_REJECT;     /* not a state this validator produces */
    if (state != WSI_UTF8_ACCEPT) {
        if (state == WSI_UTF8_REJECT || len < cont_owed[state]) return feed_bytes(state, s, 0, len);
        i = cont_owed[state];
        if (feed_bytes(state, s, 0, i) != WSI_UTF8_ACCEPT) return WSI_UTF8_REJECT;
    }
    if (len - i < 4) return feed_bytes(WSI_UTF8_ACCEPT, s, i, len);
    lim = len - 3;                                  /* 4 bytes can be read at any i < lim */
    while (i < lim) {
        uint32_t w = load32le(s + i), b = w & 0xFF;
        const struct lead_rule *r;
        if (b < 0x80) {
            i = skip_ascii(s, i, len);
            if (i >= lim) break;
            w = load32le(s + i);
            b = w & 0xFF;
        }
        r = &lead_rule[lead_state[b]];
        if ((w & r->mask) != r->want) return WSI_UTF8_REJECT;
        /* A branch per length: well predicted in text that keeps to one script. */
        if (b < 0xE0) {
            i += 2;
        } else if (b < 0xF0) {
            i += 3;
        } else {
            if (b == 0xF0 && (w & 0xF000u) == 0x8000u) return WSI_UTF8_REJECT;   /* F0 80..8F: overlong */
            i += 4;
        }
    }
    return i == len ? WSI_UTF8_ACCEPT : feed_bytes(WSI_UTF8_ACCEPT, s, i, len);
}
