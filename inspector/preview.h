/* preview.h - a preview buffer that grows as bytes come, up to its limit (--payload, or all). */
#ifndef WSI_PREVIEW_H
#define WSI_PREVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation: the whole limit when small (the default 256 bytes), else this much,
 * doubled as bytes come (--payload all: what a message holds, not the limit, is allocated). */
#define WSI_PREVIEW_FIRST 4096u

/* Append up to `n` bytes of p to (*buf, *len, *cap) without going past `max` bytes in all,
 * growing the buffer by doubling. Returns the bytes kept: fewer than asked when the limit is
 * reached or memory runs out (the preview then stops there, as at the limit). */
static inline size_t wsi_preview_keep(uint8_t **buf, size_t *len, size_t *cap, size_t max, const uint8_t *p, size_t n)
{
    size_t room = *len < max ? max - *len : 0;
    size_t k = n < room ? n : room;
    if (!k) return 0;
    if (*len + k > *cap) {
        size_t want = *cap ? *cap : (max < WSI_PREVIEW_FIRST ? max : WSI_PREVIEW_FIRST);
        while (want < *len + k) want = want > max / 2 ? max : want * 2;
        uint8_t *nb = realloc(*buf, want);
        if (!nb) {
            k = *cap > *len ? *cap - *len : 0; /* what still fits */
        } else {
            *buf = nb;
            *cap = want;
        }
    }
    if (k) memcpy(*buf + *len, p, k);
    *len += k;
    return k;
}

#endif
