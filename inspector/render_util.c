/* render_util.c - helpers the three renderers share: previews, sizes, UTF-8, endpoints, ids, a connection map. */
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

const char *wsi_hs_verdict_id(enum wsi_hs_verdict v)
{
    switch (v) {
    case WSI_HS_VALID: return "valid";
    case WSI_HS_MISMATCH: return "mismatch";
    case WSI_HS_NO_ACCEPT: return "no-accept";
    case WSI_HS_NO_KEY: return "no-key";
    case WSI_HS_BAD_101: return "bad-101";
    case WSI_HS_REFUSED: return "refused";
    case WSI_HS_NO_RESPONSE: return "no-response";
    case WSI_HS_NOT_SEEN: return "not-seen";
    }
    return "unknown";
}

const char *wsi_tcp_anomaly_id(enum wsi_tcp_anomaly k)
{
    switch (k) {
    case WSI_TCP_RETRANS_DIFFERS: return "retrans-differs";
    case WSI_TCP_SNAPLEN_CUT: return "snaplen-cut";
    case WSI_TCP_OOO_LIMIT: return "ooo-limit";
    case WSI_TCP_DATA_AFTER_FIN: return "data-after-fin";
    case WSI_TCP_EVICTED: return "evicted";
    case WSI_TCP_TIME_BACKWARDS: return "time-backwards";
    }
    return "unknown";
}

const char *wsi_end_reason_id(enum wsi_end_reason r)
{
    switch (r) {
    case WSI_END_FIN: return "fin";
    case WSI_END_RST: return "rst";
    case WSI_END_CAPTURE: return "capture";
    case WSI_END_EVICTED: return "evicted";
    case WSI_END_REUSED: return "reused";
    }
    return "unknown";
}

/* ---- UTF-8 ---------------------------------------------------------------- */

/* The length of the UTF-8 sequence that byte b starts by its high bits (1-4), or
 * 0 when b can start none. Which sequences are valid is decided by wsi_utf8_feed
 * (utf8.c), the one place that knows the rules. */
static size_t utf8_len(uint8_t b)
{
    if (b < 0x80) return 1;
    if (b < 0xC2) return 0;
    if (b < 0xE0) return 2;
    if (b < 0xF0) return 3;
    return b < 0xF5 ? 4 : 0;
}

size_t wsi_utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
    if (!s || !len) return 0;
    size_t n = utf8_len(s[0]);
    if (!n || n > len) return 0;
    if (n > 1 && wsi_utf8_feed(WSI_UTF8_ACCEPT, s, n) != WSI_UTF8_ACCEPT) return 0;
    uint32_t c = n == 1 ? s[0] : (uint32_t)(s[0] & (0x7F >> n));
    for (size_t i = 1; i < n; i++) c = (c << 6) | (s[i] & 0x3F);
    if (cp) *cp = c;
    return n;
}

size_t wsi_utf8_trim_tail(const uint8_t *s, size_t len)
{
    /* A cut sequence is a valid start of a character that the end interrupts: from
     * the last byte that is not a continuation byte (at most 3 from the end), the
     * validator is left inside a character. */
    for (size_t back = 1; back <= 3 && back <= len; back++) {
        size_t at = len - back;
        if ((s[at] & 0xC0) == 0x80) continue; /* a continuation byte: look further back */
        uint32_t st = wsi_utf8_feed(WSI_UTF8_ACCEPT, s + at, back);
        return st != WSI_UTF8_ACCEPT && st != WSI_UTF8_REJECT ? at : len;
    }
    return len;
}

/* ---- previews ------------------------------------------------------------- */

/* Code points shown escaped although they are valid text: C1 controls and the
 * invisible formatting characters that could hide or reorder a preview on a terminal. */
static int invisible(uint32_t c)
{
    return (c >= 0x80 && c <= 0x9F) || (c >= 0x200B && c <= 0x200F) || (c >= 0x2028 && c <= 0x202E) ||
           (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB);
}

/* "\\" kind and the `digits` lowest hex digits of v (lower case), as "\\x%02x" and
 * "\\u%04x" write a value that fits them. Returns the length. */
static size_t hex_escape(char piece[16], char kind, uint32_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    piece[0] = '\\';
    piece[1] = kind;
    for (int i = digits - 1; i >= 0; i--) {
        piece[2 + i] = hex[v & 15];
        v >>= 4;
    }
    return (size_t)digits + 2;
}

/* The escaped form of the character at s (at most 10 bytes) into piece; *adv gets
 * how many input bytes it stands for. Returns the piece's length. */
static size_t esc_piece(const uint8_t *s, size_t len, char piece[16], size_t *adv)
{
    uint32_t c;
    size_t n = wsi_utf8_next(s, len, &c);
    if (!n) {
        *adv = 1;
        return hex_escape(piece, 'x', s[0], 2);
    }
    *adv = n;
    switch (c) {
    case '\n': memcpy(piece, "\\n", 2); return 2;
    case '\t': memcpy(piece, "\\t", 2); return 2;
    case '\r': memcpy(piece, "\\r", 2); return 2;
    case '"': memcpy(piece, "\\\"", 2); return 2;
    case '\\': memcpy(piece, "\\\\", 2); return 2;
    default: break;
    }
    if (c < 0x20 || c == 0x7F) return hex_escape(piece, 'x', c, 2);
    if (invisible(c)) return hex_escape(piece, 'u', c, 4);
    memcpy(piece, s, n);
    return n;
}

/* Escape up to max_chars characters of s into out (NULL: only measure), never
 * writing more than limit bytes and never half a character's escape. *more is set
 * when input was left over. Returns the bytes written (or that would be). */
/* The bytes a preview shows as they are: printable ASCII but '"' and '\\'. */
static const uint8_t as_is[256] = {
    [0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x22 '"' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x5C '\\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* 0x7F */
};

static size_t esc_run(const uint8_t *s, size_t len, size_t max_chars, char *out, size_t limit, int *more)
{
    size_t pos = 0, i = 0, chars = 0;
    while (i < len && chars < max_chars) {
        /* A run of printable ASCII that needs no escape is copied as it is. */
        size_t run = 0, most = max_chars - chars;
        if (most > limit - pos) most = limit - pos;
        if (most > len - i) most = len - i;
        while (run < most && as_is[s[i + run]]) run++;
        if (run) {
            if (out) memcpy(out + pos, s + i, run);
            pos += run;
            i += run;
            chars += run;
            continue;
        }
        if (i < len && (s[i] == '"' || s[i] == '\\') && most) {
            /* \" and \\ (as esc_piece writes them), common in JSON texts */
            if (limit - pos < 2) break;
            if (out) {
                out[pos] = '\\';
                out[pos + 1] = (char)s[i];
            }
            pos += 2;
            i++;
            chars++;
            continue;
        }
        char piece[16];
        size_t adv, pl = esc_piece(s + i, len - i, piece, &adv);
        if (pl > limit - pos) break;
        if (out) memcpy(out + pos, piece, pl);
        pos += pl;
        i += adv;
        chars++;
    }
    *more = i < len;
    return pos;
}

char *wsi_escape_preview(const uint8_t *s, size_t len, size_t max_chars, int ellipsis, char *buf, size_t bufsz)
{
    static const char ell[] = "\xE2\x80\xA6"; /* U+2026 HORIZONTAL ELLIPSIS */
    if (!buf || !bufsz) return buf;
    if (!s) len = 0;
    int more;
    if (bufsz > 4 && len < (bufsz - 4) / 4) {
        /* an escape is at most 4 bytes a byte of input (\xNN), so all of it fits with the
         * ellipsis: written in one pass, as the measured pass below would write it */
        size_t pos = esc_run(s, len, max_chars, buf, SIZE_MAX, &more);
        if (more && ellipsis) {
            memcpy(buf + pos, ell, 3);
            pos += 3;
        }
        buf[pos] = '\0';
        return buf;
    }
    size_t need = esc_run(s, len, max_chars, NULL, SIZE_MAX, &more);
    size_t tail = (more && ellipsis) ? 3 : 0, pos;
    if (need + tail < bufsz) {
        pos = esc_run(s, len, max_chars, buf, need, &more);
    } else {
        /* The buffer cuts the text: keep room for the ellipsis when there is any. */
        tail = (ellipsis && bufsz > 3) ? 3 : 0;
        pos = esc_run(s, len, max_chars, buf, bufsz - 1 - tail, &more);
    }
    if (tail) {
        memcpy(buf + pos, ell, 3);
        pos += 3;
    }
    buf[pos] = '\0';
    return buf;
}

size_t wsi_fixed(double v, int decimals, char b[32])
{
    static const double scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    static const uint32_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    if (decimals < 0 || decimals > 6 || !(v >= 0)) return 0;
    double x = v * scale[decimals];
    /* below 10^9, x is off the exact product by at most 10^9 * 2^-53 (about 1.1e-7): well
     * inside the millionth kept from a half below */
    if (!(x < 1e9)) return 0;
    double fl = (double)(uint32_t)x; /* floor: x is at least 0 and below 2^32 */
    if (fabs(x - fl - 0.5) < 1e-6) return 0;
    uint32_t r = (uint32_t)fl + (x - fl < 0.5 ? 0 : 1); /* at most 10^9: 32 bits */
    uint32_t ip = r / pow10[decimals], fr = r - ip * pow10[decimals];
    char *p = b, d[10];
    size_t nd = 0;
    do d[nd++] = (char)('0' + ip % 10);
    while (ip /= 10);
    while (nd) *p++ = d[--nd];
    if (decimals) {
        *p++ = '.';
        for (int i = decimals - 1; i >= 0; i--) {
            p[i] = (char)('0' + fr % 10);
            fr /= 10;
        }
        p += decimals;
    }
    *p = '\0';
    return (size_t)(p - b);
}

/* Bytes of printable ASCII (0x20-0x7E) at the start of s, and with `plain` none of them '"' or
 * '\\' (as_is). 8 bytes a step where words are little-endian: the high bit of each byte below
 * 0x20 (x - 0x20 borrows, x had no high bit) or above 0x7E (x + 1 reaches 0x80, or x had it),
 * and with `plain` of each byte equal to '"' or '\\' (y = x ^ c has a zero byte there, and
 * (y - 1) & ~y sets its high bit). A borrow or a carry can only set a false bit in a byte above
 * a true one, so the lowest bit set is the first byte that ends the run. */
static inline size_t run_of(const uint8_t *s, size_t n, int plain)
{
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t out = ((x - ones * 0x20) & ~x) | ((x + ones) | x);
        if (plain) {
            uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
            out |= ((q - ones) & ~q) | ((b - ones) & ~b);
        }
        out &= high;
        if (out) return i + (size_t)(__builtin_ctzll(out) >> 3);
    }
#endif
    if (plain)
        while (i < n && as_is[s[i]]) i++;
    else
        while (i < n && s[i] >= 0x20 && s[i] <= 0x7E) i++;
    return i;
}

size_t wsi_ascii_run(const uint8_t *s, size_t n) { return run_of(s, n, 0); }

size_t wsi_plain_run(const uint8_t *s, size_t n) { return run_of(s, n, 1); }

size_t wsi_u64(uint64_t v, char b[24])
{
    char *e = wsi_put_u64(b, v);
    *e = '\0';
    return (size_t)(e - b);
}

char *wsi_human_size(uint64_t n, char buf[32])
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) {
        /* "%u B" */
        size_t k = wsi_u64(n, buf);
        memcpy(buf + k, " B", 3);
        return buf;
    }
    double v = (double)n;
    size_t u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        u++;
    }
    /* 1023.96 KiB would print as "1024.0 KiB": show it as the next unit instead. */
    if (v >= 1023.95 && u < 6) {
        v /= 1024.0;
        u++;
    }
    /* "%.1f %s" */
    size_t k = wsi_fixed(v, 1, buf);
    if (!k) {
        snprintf(buf, 32, "%.1f %s", v, units[u]);
        return buf;
    }
    buf[k++] = ' ';
    memcpy(buf + k, units[u], strlen(units[u]) + 1);
    return buf;
}

char *wsi_ipv4_port(char *p, const uint8_t a[4], unsigned port)
{
    for (int i = 0; i < 4; i++) { /* a byte: one to three digits, no loop */
        unsigned v = a[i];
        if (v >= 100) *p++ = (char)('0' + v / 100);
        if (v >= 10) *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = i < 3 ? '.' : ':';
    }
    return wsi_put_u64(p, port);
}

char *wsi_endpoint_str(const struct wsi_conn_info *ci, int dir, char buf[64])
{
    char a[48];
    if (!ci || dir < 0 || dir > 1) {
        snprintf(buf, 64, "?");
        return buf;
    }
    if (ci->addr[dir].family == 4) {
        *wsi_ipv4_port(buf, ci->addr[dir].bytes, ci->port[dir]) = '\0';
        return buf;
    }
    wsi_addr_str(&ci->addr[dir], a);
    if (ci->addr[dir].family == 6) snprintf(buf, 64, "[%s]:%u", a, (unsigned)ci->port[dir]);
    else snprintf(buf, 64, "%s:%u", a, (unsigned)ci->port[dir]);
    return buf;
}

/* ---- the connection map --------------------------------------------------- */

/*
 * Open addressing with linear probing: the slots hold the id and the value themselves, so an
 * entry costs no allocation of its own (a renderer used to make and free a node for every
 * connection). At most half the slots are used. A removal moves later entries of its run back
 * into the hole (backward-shift deletion), so there are no tombstones and a look-up stops at
 * the first empty slot. A slot is empty when its val is NULL (values are never NULL).
 */
struct wsi_connmap_slot {
    uint64_t id;
    void *val;
};

/* The home slot of id (Fibonacci hashing: ids are consecutive, this spreads them). */
static size_t home(size_t nb, uint64_t id)
{
    return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (nb - 1);
}

/* Double the slots (or create 64). */
static int grow(struct wsi_connmap *m)
{
    size_t nb = m->nb ? m->nb * 2 : 64;
    struct wsi_connmap_slot *b = calloc(nb, sizeof *b);
    if (!b) return -1;
    for (size_t i = 0; i < m->nb; i++) {
        if (!m->b[i].val) continue;
        size_t k = home(nb, m->b[i].id);
        while (b[k].val) k = (k + 1) & (nb - 1);
        b[k] = m->b[i];
    }
    free(m->b);
    m->b = b;
    m->nb = nb;
    return 0;
}

/* The slot holding id, or the empty slot that ends its run. */
static size_t find(const struct wsi_connmap *m, uint64_t id)
{
    size_t k = home(m->nb, id);
    while (m->b[k].val && m->b[k].id != id) k = (k + 1) & (m->nb - 1);
    return k;
}

void *wsi_connmap_get(const struct wsi_connmap *m, uint64_t id)
{
    return m->nb ? m->b[find(m, id)].val : NULL;
}

int wsi_connmap_put(struct wsi_connmap *m, uint64_t id, void *val)
{
    if (!val) return -1;
    if ((m->n + 1) * 2 > m->nb && grow(m) != 0 && (m->n + 1) * 4 > m->nb * 3) return -1; /* at most 3/4 full */
    size_t k = find(m, id);
    if (!m->b[k].val) m->n++;
    m->b[k].id = id;
    m->b[k].val = val;
    return 0;
}

void *wsi_connmap_del(struct wsi_connmap *m, uint64_t id)
{
    if (!m->nb) return NULL;
    size_t mask = m->nb - 1, hole = find(m, id);
    void *val = m->b[hole].val;
    if (!val) return NULL;
    /* entries after the hole whose home is not between the hole and them move back into it */
    for (size_t k = (hole + 1) & mask; m->b[k].val; k = (k + 1) & mask) {
        size_t h = home(m->nb, m->b[k].id);
        if (((k - h) & mask) >= ((k - hole) & mask)) {
            m->b[hole] = m->b[k];
            hole = k;
        }
    }
    m->b[hole].val = NULL;
    m->n--;
    return val;
}

static int by_slot_id(const void *a, const void *b)
{
    uint64_t x = ((const struct wsi_connmap_slot *)a)->id, y = ((const struct wsi_connmap_slot *)b)->id;
    return x < y ? -1 : x > y;
}

void **wsi_connmap_take_all(struct wsi_connmap *m, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < m->nb; i++) /* gathered at the front of the slots, then put in id order */
        if (m->b[i].val) m->b[k++] = m->b[i];
    if (k) qsort(m->b, k, sizeof *m->b, by_slot_id);
    void **vals = k ? malloc(k * sizeof *vals) : NULL;
    for (size_t i = 0; vals && i < k; i++) vals[i] = m->b[i].val;
    free(m->b);
    m->b = NULL;
    m->nb = m->n = 0;
    *n = vals ? k : 0;
    return vals;
}

void wsi_loss_words(const struct wsi_stats_ev *st, char what[128], char where[96])
{
    unsigned long long k = st->new_dropped, i = st->new_if_dropped;
    if (k && i)
        snprintf(what, 128, "the kernel dropped %llu packet%s and the interface %llu", k, k == 1 ? "" : "s", i);
    else if (i)
        snprintf(what, 128, "the interface dropped %llu packet%s", i, i == 1 ? "" : "s");
    else
        snprintf(what, 128, "the kernel dropped %llu packet%s", k, k == 1 ? "" : "s");
    if (st->after && st->before)
        snprintf(where, 96, " between packet %llu and %llu", (unsigned long long)st->after, (unsigned long long)st->before);
    else if (st->before)
        snprintf(where, 96, " before packet %llu", (unsigned long long)st->before);
    else if (st->after)
        snprintf(where, 96, " after packet %llu", (unsigned long long)st->after);
    else
        where[0] = '\0';
}

const char *wsi_stats_sentence(const struct wsi_stats_ev *st, char *buf, size_t bufsz)
{
    if (!st->final) {
        char what[128], where[96];
        wsi_loss_words(st, what, where);
        snprintf(buf, bufsz, "CAPTURE LOSS: %s%s: gaps after this are losses of the capture, not of the peers (-B)",
                 what, where);
        return buf;
    }
    snprintf(buf, bufsz,
             "Capture: %llu packets received, %llu dropped by the kernel, %llu by the interface; %llu read, "
             "%llu connection%s (%llu WebSocket), %llu violation%s, %llu gap%s",
             (unsigned long long)st->received, (unsigned long long)st->dropped, (unsigned long long)st->if_dropped,
             (unsigned long long)st->packets, (unsigned long long)st->connections, st->connections == 1 ? "" : "s",
             (unsigned long long)st->websockets, (unsigned long long)st->violations, st->violations == 1 ? "" : "s",
             (unsigned long long)st->gaps, st->gaps == 1 ? "" : "s");
    return buf;
}
