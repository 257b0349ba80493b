/* cursor.h - the one bounds-checked reader every wire decoder uses. */
#ifndef WS_CURSOR_H
#define WS_CURSOR_H

/*
 * A cursor is a (position, end) pair over bytes we do not trust, with a sticky
 * error flag. Every read checks the bounds first; a read past the end returns
 * zero (or NULL), reads nothing and sets `short_read`. After that every further
 * read fails too, so a decoder may read a whole header and test once:
 *
 *     struct cursor c; cur_init(&c, buf, len);
 *     uint16_t sport = cur_be16(&c), dport = cur_be16(&c);
 *     if (!cur_ok(&c)) return TRUNCATED;
 *
 * No decoder indexes wire bytes directly and none copies a length read off the
 * wire without going through cur_bytes()/cur_copy(), which check it.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
    const uint8_t *p;   /* next unread byte */
    const uint8_t *end; /* one past the last readable byte */
    int short_read;     /* sticky: a read ran past `end` */
};

static inline void cur_init(struct cursor *c, const void *buf, size_t len)
{
    c->p = (const uint8_t *)buf;
    c->end = buf ? c->p + len : c->p; /* no arithmetic on a null pointer */
    c->short_read = 0;
}

/* Bytes left to read (0 once a read has failed). */
static inline size_t cur_left(const struct cursor *c)
{
    return c->short_read ? 0 : (size_t)(c->end - c->p);
}

/* 1 while no read has failed. */
static inline int cur_ok(const struct cursor *c) { return !c->short_read; }

/* Claim `n` bytes: returns their start and advances, or NULL and fails. */
static inline const uint8_t *cur_bytes(struct cursor *c, size_t n)
{
    if (c->short_read || n > (size_t)(c->end - c->p)) {
        c->short_read = 1;
        return NULL;
    }
    const uint8_t *q = c->p;
    c->p += n;
    return q;
}

static inline int cur_skip(struct cursor *c, size_t n) { return cur_bytes(c, n) != NULL; }

/* Copy `n` bytes into `dst` (which the caller sized for `n`). */
static inline int cur_copy(struct cursor *c, void *dst, size_t n)
{
    const uint8_t *q = cur_bytes(c, n);
    if (!q) return 0;
    if (n) memcpy(dst, q, n);
    return 1;
}

static inline uint8_t cur_u8(struct cursor *c)
{
    const uint8_t *q = cur_bytes(c, 1);
    return q ? q[0] : 0;
}

static inline uint16_t cur_be16(struct cursor *c)
{
    const uint8_t *q = cur_bytes(c, 2);
    return q ? (uint16_t)((q[0] << 8) | q[1]) : 0;
}

static inline uint32_t cur_be32(struct cursor *c)
{
    const uint8_t *q = cur_bytes(c, 4);
    return q ? ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3] : 0;
}

static inline uint64_t cur_be64(struct cursor *c)
{
    uint64_t hi = cur_be32(c);
    uint64_t lo = cur_be32(c);
    return (hi << 32) | lo;
}

static inline uint16_t cur_le16(struct cursor *c)
{
    const uint8_t *q = cur_bytes(c, 2);
    return q ? (uint16_t)(q[0] | (q[1] << 8)) : 0;
}

static inline uint32_t cur_le32(struct cursor *c)
{
    const uint8_t *q = cur_bytes(c, 4);
    return q ? (uint32_t)q[0] | ((uint32_t)q[1] << 8) | ((uint32_t)q[2] << 16) | ((uint32_t)q[3] << 24) : 0;
}

/* Peek at the byte `off` ahead without consuming; -1 if out of bounds. */
static inline int cur_peek(const struct cursor *c, size_t off)
{
    if (c->short_read || off >= (size_t)(c->end - c->p)) return -1;
    return c->p[off];
}

/* A sub-cursor over the next `n` bytes (advances the parent); fails like cur_bytes. */
static inline struct cursor cur_sub(struct cursor *c, size_t n)
{
    struct cursor s;
    const uint8_t *q = cur_bytes(c, n);
    cur_init(&s, q, q ? n : 0);
    if (!q) s.short_read = 1;
    return s;
}

#endif
