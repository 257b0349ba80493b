/* utf8.c - incremental UTF-8 validator (RFC 3629) for text messages and close reasons. */
#include <string.h>

#include "wsframe.h"

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

/* The state after a byte seen at a character boundary. */
static uint32_t utf8_lead(uint8_t b)
{
    if (b < 0x80) return WSI_UTF8_ACCEPT;
    if (b < 0xC2) return WSI_UTF8_REJECT;   /* stray continuation, or overlong C0/C1 */
    if (b < 0xE0) return U_NEED1;
    if (b == 0xE0) return U_NEED2_E0;
    if (b == 0xED) return U_NEED2_ED;
    if (b < 0xF0) return U_NEED2;
    if (b == 0xF0) return U_NEED3_F0;
    if (b < 0xF4) return U_NEED3;
    if (b == 0xF4) return U_NEED3_F4;
    return WSI_UTF8_REJECT;                 /* F5..FF never appear in UTF-8 */
}

/* The state after continuation byte `b` in mid-sequence state `st`. */
static uint32_t utf8_cont(uint32_t st, uint8_t b)
{
    uint8_t lo = 0x80, hi = 0xBF;
    uint32_t next;
    switch (st) {
    case U_NEED1: next = WSI_UTF8_ACCEPT; break;
    case U_NEED2: next = U_NEED1; break;
    case U_NEED2_E0: next = U_NEED1; lo = 0xA0; break;
    case U_NEED2_ED: next = U_NEED1; hi = 0x9F; break;
    case U_NEED3: next = U_NEED2; break;
    case U_NEED3_F0: next = U_NEED2; lo = 0x90; break;
    case U_NEED3_F4: next = U_NEED2; hi = 0x8F; break;
    default: return WSI_UTF8_REJECT;
    }
    return (b < lo || b > hi) ? WSI_UTF8_REJECT : next;
}

/* Validate `len` more bytes from `state`; ASCII runs are skipped 8 bytes at a time. */
uint32_t wsi_utf8_feed(uint32_t state, const uint8_t *s, size_t len)
{
    size_t i = 0;
    if (state > U_LAST) return WSI_UTF8_REJECT;     /* not a state this validator produces */
    while (i < len) {
        if (state == WSI_UTF8_REJECT) return WSI_UTF8_REJECT;
        if (state == WSI_UTF8_ACCEPT) {
            while (len - i >= 8) {
                uint64_t w;
                memcpy(&w, s + i, 8);       /* fixed 8 bytes, checked just above */
                if (w & 0x8080808080808080ull) break;
                i += 8;
            }
            if (i == len) break;
            state = utf8_lead(s[i++]);
        } else {
            state = utf8_cont(state, s[i++]);
        }
    }
    return state;
}
