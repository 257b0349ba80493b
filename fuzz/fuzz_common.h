/* fuzz_common.h - small helpers shared by wsinspect's libFuzzer harnesses (header only). */
#ifndef WSI_FUZZ_COMMON_H
#define WSI_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A harness found an inconsistency that no sanitizer would see: say what, then
 * abort() so that libFuzzer records the input as a crash. */
#define FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fputc('\n', stderr);                                                              \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* Reads control fields off the front of a fuzz input; past the end every read is 0,
 * so any input (even an empty one) is a valid description. */
struct fz_in {
    const uint8_t *p;
    size_t left;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
    if (!in->left) return 0;
    in->left--;
    return *in->p++;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
    uint16_t hi = fz_u8(in);
    return (uint16_t)((hi << 8) | fz_u8(in));
}

static inline uint32_t fz_u32(struct fz_in *in)
{
    uint32_t hi = fz_u16(in);
    return (hi << 16) | fz_u16(in);
}

/* Up to n bytes (fewer at the end of the input): returns their start, sets *got. */
static inline const uint8_t *fz_bytes(struct fz_in *in, size_t n, size_t *got)
{
    const uint8_t *q = in->p;
    if (n > in->left) n = in->left;
    in->p += n;
    in->left -= n;
    *got = n;
    return q;
}

/* A heap copy of exactly n bytes, so that AddressSanitizer sees a read one past the
 * end (the fuzzer's own buffer may be followed by readable bytes). Never NULL. */
static inline uint8_t *fz_dup(const void *src, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (!d) abort();
    if (n) memcpy(d, src, n);
    return d;
}

/* An append-only record of what callbacks reported, to compare two runs. */
struct fz_log {
    uint8_t *b;
    size_t n, cap;
};

static inline void fz_log_put(struct fz_log *l, const void *p, size_t n)
{
    if (l->n + n > l->cap) {
        size_t cap = l->cap ? l->cap : 1024;
        while (cap < l->n + n) cap *= 2;
        uint8_t *nb = realloc(l->b, cap);
        if (!nb) abort();
        l->b = nb;
        l->cap = cap;
    }
    if (n) memcpy(l->b + l->n, p, n);
    l->n += n;
}

static inline void fz_log_u64(struct fz_log *l, uint64_t v) { fz_log_put(l, &v, sizeof v); }

/* A string, with its length first so that "ab"+"c" and "a"+"bc" differ; NULL is not "". */
static inline void fz_log_str(struct fz_log *l, const char *s)
{
    fz_log_u64(l, s ? strlen(s) : UINT64_MAX);
    if (s) fz_log_put(l, s, strlen(s));
}

static inline void fz_log_free(struct fz_log *l)
{
    free(l->b);
    l->b = NULL;
    l->n = l->cap = 0;
}

/* Index of the first differing byte of two logs (for the failure message). */
static inline size_t fz_log_diff_at(const struct fz_log *a, const struct fz_log *b)
{
    size_t i = 0, n = a->n < b->n ? a->n : b->n;
    while (i < n && a->b[i] == b->b[i]) i++;
    return i;
}

/* 64-bit FNV-1a, to fold payload bytes into a log without storing them. */
static inline uint64_t fz_fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FZ_FNV_INIT 0xcbf29ce484222325ULL

#endif
