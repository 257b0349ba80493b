/* jsonl.c - the JSON Lines renderer: one object per event, written the moment the event comes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <stdio_ext.h> /* __fbufsize, __fpending, __flbf */
#endif

#include "accept.h"
#include "render.h"

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <emmintrin.h>
/* Hex, and the search for bytes a string must escape, 16 bytes at a time in SSE2 registers
 * (the portable build: 8 at a time, in 64-bit words or from a table). */
#define JSON_SSE2 1
#endif

/* Each line is built in the renderer's buffer. A complete line is handed to stdio at once
 * (one fwrite) unless stdio would only have copied it into its own buffer: then it waits
 * in ours with the lines before it, and they are handed over together with the first line
 * that stdio would have written out, so the file gets the same bytes at the same moments
 * (with one fwrite per few lines instead of one per line). This needs the renderer to be
 * the only writer of its stream, as it is. A line longer than the buffer goes out in
 * pieces of at most JBUF bytes (the bytes written are the same either way).
 *
 * The buffer's size is a compile-time knob, -DWSI_JSON_BUF=N (bytes; 0: the smallest,
 * JBUF_MIN): the output is the same for any N from JBUF_MIN, the most room the writers ask
 * for at once (checked below), up. The unit test builds this file a second time with the
 * smallest buffer, and the fuzz build (fuzz/run.sh) builds it with a small one, so that
 * inputs meet the capacity checks at every fill, not at the end of 64 KiB once in a while. */
#ifndef WSI_JSON_BUF
#define WSI_JSON_BUF 65536
#endif
#define JBUF ((size_t)(WSI_JSON_BUF) ? (size_t)(WSI_JSON_BUF) : JBUF_MIN) /* 0: the smallest */

/* The most bytes each writer can produce. */
#define U64_MAX_LEN 20 /* 18446744073709551615 */
#define I64_MAX_LEN 20 /* -9223372036854775808 */
#define SEC_NSEC_MAX_LEN (U64_MAX_LEN + 10)
#define DOUBLE9_MAX_LEN (1 + 16 + 10) /* '-', below 2^52 (16 digits), ".NNNNNNNNN" */
#define TS_MAX_LEN (1 + SEC_NSEC_MAX_LEN) /* w_ts */
#define ENDPOINT4_MAX_LEN 21              /* 255.255.255.255:65535 (wsi_ipv4_port) */
#define HEAD_LEN 24                       /* {"type":"<name>" of a line, copied whole (struct line_head) */
#define KEY_MAX 32                        /* the longest ,"key": (checked for each key: KEY) */

/* The fields every line starts with, written after one room: type, conn, dir, packet, ts. */
#define LINE_START_MAX (HEAD_LEN + sizeof ",\"conn\":" + U64_MAX_LEN + sizeof ",\"dir\":\"c2s\"" + \
                        sizeof ",\"packet\":" + U64_MAX_LEN + sizeof ",\"ts\":" + TS_MAX_LEN)

/* The most room asked for at once. That is the start of a line: a key with its longest value
 * asks for less; strings, hex and the longest numbers ask piece by piece, in pieces sized to
 * the buffer (JSTR_STEP, JHEX_STEP, jcopy); a fixed name asks for its length (jname_bytes). */
#define JROOM_MAX LINE_START_MAX
_Static_assert(KEY_MAX + DOUBLE9_MAX_LEN <= JROOM_MAX && KEY_MAX + U64_MAX_LEN <= JROOM_MAX &&
                   KEY_MAX + 2 + ENDPOINT4_MAX_LEN <= JROOM_MAX,
               "a field asks for more room than the start of a line");

/* The smallest buffer: the largest room, and at least one input byte per piece of hex
 * (JBUF / 64) and of string (JBUF / 16). */
#define JBUF_MIN (JROOM_MAX > 64 ? JROOM_MAX : 64)
_Static_assert(64 <= JROOM_MAX, "the opcode fields (struct opcode_fields) are copied whole");
_Static_assert(JBUF >= JBUF_MIN, "WSI_JSON_BUF is below JBUF_MIN, the most room the writers ask for at once");

/* ,"opcode":N,"opcode_name":"NAME" of a 4-bit opcode (frame and message lines), made once,
 * copied whole (like the heads); n is 0 when the name would not fit (then field by field). */
struct opcode_fields {
    char s[64];
    size_t n;
};

/* The fields after "type" that the line before started with, from "conn" to "ts", and what
 * they were written from: the lines of one packet (a frame and its message) start the same. */
struct line_start {
    uint64_t conn, packet;
    int64_t sec;
    uint32_t nsec;
    int side;
    size_t n; /* bytes of s (0: none yet); s is copied whole */
    char s[LINE_START_MAX - HEAD_LEN];
};

/* The "t" field of the line before, and the bits of its value (n: bytes of s, 0: none). */
#define T_FIELD_MAX 32
struct line_t {
    uint64_t bits;
    size_t n;
    char s[T_FIELD_MAX];
};
_Static_assert(T_FIELD_MAX <= JROOM_MAX && sizeof ",\"t\":" - 1 + DOUBLE9_MAX_LEN <= T_FIELD_MAX,
               "the \"t\" field kept (struct line_t) is copied whole, and holds what w_double9 writes");

struct wsi_json {
    struct wsi_render_opts o; /* output and preview length */
    struct line_start start;  /* the line before's start (wsi_json_event) */
    struct line_t t;          /* and its "t" (jline_t) */
    struct opcode_fields ops[16]; /* for each opcode below 16 (opcode_fields_make) */
    char *buf;                /* the lines being built (JBUF bytes) */
    size_t len;               /* bytes of it used */
    size_t hold;              /* whole lines up to this many bytes may wait in buf (see jflush) */
    int own;                  /* the stream is unbuffered and buf is its buffer (wsi_json_own_buffer) */
    int64_t sec;              /* the seconds of the last "ts" written (-1: none yet) */
    char sec_str[24];         /* and them in decimal (sec_len bytes; copied whole: see w_line_ts) */
    size_t sec_len;
};
_Static_assert(sizeof ((struct wsi_json *)0)->sec_str <= TS_MAX_LEN, "w_line_ts copies sec_str whole");

static void opcode_fields_make(struct opcode_fields *f, unsigned op);

struct wsi_json *wsi_json_new(const struct wsi_render_opts *o)
{
    struct wsi_json *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->buf = malloc(JBUF);
    if (!j->buf) {
        free(j);
        return NULL;
    }
    j->o = *o;
    if (!j->o.out) j->o.out = stdout;
    j->sec = -1;
    for (unsigned op = 0; op < 16; op++) opcode_fields_make(&j->ops[op], op);
    return j;
}

void wsi_json_free(struct wsi_json *j)
{
    if (!j) return;
    if (j->len) fwrite(j->buf, 1, j->len, j->o.out); /* lines still waiting */
    free(j->buf);
    free(j);
}

/* ---- the line buffer ------------------------------------------------------ */

/* Bytes the stream's buffer can still take without writing to the file: lines that fit
 * there may wait in ours, stdio would only have copied them. 0 when that is not known,
 * and for a line-buffered or unbuffered stream (every line goes out at once then); all of
 * ours when it is the stream's only buffer (wsi_json_own_buffer). */
static size_t stdio_room(const struct wsi_json *j)
{
    FILE *f = j->o.out;
    if (j->own) return JBUF;
#ifdef __GLIBC__
    size_t size = __fbufsize(f), pending = __fpending(f);
    if (!__flbf(f) && size > pending) return size - pending;
#else
    (void)f;
#endif
    return 0;
}

/* Hand the buffered bytes to the output stream and empty the buffer. */
static void jflush(struct wsi_json *j)
{
    if (j->len) fwrite(j->buf, 1, j->len, j->o.out);
    j->len = 0;
    j->hold = stdio_room(j);
}

void wsi_json_own_buffer(struct wsi_json *j)
{
    if (!j) return;
    j->own = 1;
    j->hold = JBUF;
}

/* The writers below ask for room once per field (its key and the longest value it can
 * have), write through a pointer, and mark what they wrote with done(). */

/* Room for n more bytes (n <= JBUF; JROOM_MAX says how much the writers ask for):
 * flushes first when the buffer is too full. */
static inline char *room(struct wsi_json *j, size_t n)
{
    if (JBUF - j->len < n) jflush(j);
    return j->buf + j->len;
}

/* The bytes before p (in the room just asked for) are written. */
static inline void done(struct wsi_json *j, const char *p)
{
    j->len = (size_t)(p - j->buf);
}

/* ---- writing into the room ------------------------------------------------ */

/* Each w_ function writes at p (the room was asked for) and returns the end. */

/* A string literal as the two arguments of w_copy. */
#define LIT(lit) (lit), sizeof(lit) - 1

static inline char *w_copy(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

/* "00" "01" ... "99": two decimal digits per entry. */
#define DEC10(d) d "0" d "1" d "2" d "3" d "4" d "5" d "6" d "7" d "8" d "9"
static const char dec2[201] = DEC10("0") DEC10("1") DEC10("2") DEC10("3") DEC10("4")
    DEC10("5") DEC10("6") DEC10("7") DEC10("8") DEC10("9");

/* "00" "01" ... "ff": two lower-case hex digits per byte value. */
#define HEX16(h) h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8" h "9" h "a" h "b" h "c" h "d" h "e" h "f"
static const char hex2[513] = HEX16("0") HEX16("1") HEX16("2") HEX16("3") HEX16("4") HEX16("5")
    HEX16("6") HEX16("7") HEX16("8") HEX16("9") HEX16("a") HEX16("b") HEX16("c") HEX16("d") HEX16("e") HEX16("f");

/* Number of decimal digits of v (1-20): about log10(v) from its bit length (1233 / 4096
 * is just below log10(2)), then one comparison. */
static inline unsigned ndigits(uint64_t v)
{
    static const uint64_t pow10[20] = {
        UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000), UINT64_C(100000),
        UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
        UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
        UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
        UINT64_C(10000000000000000), UINT64_C(100000000000000000), UINT64_C(1000000000000000000),
        UINT64_C(10000000000000000000),
    };
    unsigned t = ((64u - (unsigned)__builtin_clzll(v | 1)) * 1233u) >> 12;
    return t + (v >= pow10[t]);
}

/* v in decimal: the digits are placed from the end, two per step. */
static inline char *w_u64(char *p, uint64_t v)
{
    if (v < 10) {
        *p = (char)('0' + v);
        return p + 1;
    }
    char *e = p + ndigits(v), *q = e;
    while (v >= 100) {
        q -= 2;
        memcpy(q, dec2 + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) memcpy(q - 2, dec2 + 2 * v, 2);
    else q[-1] = (char)('0' + v);
    return e;
}

/* v in decimal, with a '-' when negative (LLONG_MIN included). */
static inline char *w_i64(char *p, long long v)
{
    if (v >= 0) return w_u64(p, (uint64_t)v);
    *p++ = '-';
    return w_u64(p, 0 - (uint64_t)v);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Eight digits computed side by side in one word, stored at once (little-endian words). */
#define DIGITS8_IN_A_WORD 1

/* v (< 1e8) as 8 decimal digits, leading zeros included, in a word whose lowest byte is the
 * first digit: v split in two halves of 4 digits (32-bit lanes), each half in two of 2
 * (16-bit lanes), each of those in two digits (bytes). A lane's x / 100 is x * 10486 >> 20
 * (exact below 43,699) and x / 10 is x * 103 >> 10 (exact below 179); the products stay
 * within their lane, and what a shift brings in from the lane above is masked off. */
static inline uint64_t digits8(uint32_t v)
{
    uint64_t x = v / 10000u | (uint64_t)(v % 10000u) << 32;                         /* abcd, efgh */
    uint64_t hi = (x * 10486u) >> 20 & UINT64_C(0x0000007F0000007F);
    x = hi | (x - hi * 100u) << 16;                                                  /* ab, cd, ef, gh */
    hi = (x * 103u) >> 10 & UINT64_C(0x000F000F000F000F);
    x = hi | (x - hi * 10u) << 8;                                                    /* a, b, ..., h */
    return x + UINT64_C(0x3030303030303030);                                         /* + '0' */
}
#endif

/* ".NNNNNNNNN": ns (< 1e9) as exactly 9 digits. */
static inline char *w_frac9(char *p, uint32_t ns)
{
    *p = '.';
#ifdef DIGITS8_IN_A_WORD
    uint32_t first = ns / 100000000u;
    uint64_t rest = digits8(ns - first * 100000000u);
    p[1] = (char)('0' + first);
    memcpy(p + 2, &rest, 8);
#else
    for (int i = 8; i > 0; i -= 2) {
        memcpy(p + i, dec2 + 2 * (ns % 100), 2);
        ns /= 100;
    }
    p[1] = (char)('0' + ns);
#endif
    return p + 10;
}

/* "S.NNNNNNNNN": s in decimal, then ns (< 1e9) as exactly 9 digits. */
static inline char *w_sec_nsec(char *p, uint64_t s, uint32_t ns)
{
    return w_frac9(w_u64(p, s), ns);
}

/* "\u" and 4 hex digits of c (below 0x10000): "\\u%04x". */
static inline char *w_u4(char *p, uint32_t c)
{
    p[0] = '\\';
    p[1] = 'u';
    memcpy(p + 2, hex2 + 2 * ((c >> 8) & 255), 2);
    memcpy(p + 4, hex2 + 2 * (c & 255), 2);
    return p + 6;
}

/* v as printf("%.9f", v) writes it, for a finite v with |v| < 2^52 (round to nearest,
 * ties to even, on the exact binary value; "-" for every negative v, -0.0 included). */
static char *w_double9(char *p, double v)
{
    if (signbit(v)) *p++ = '-';
    /* |v| = m * 2^e exactly, m below 2^53, read from the IEEE 754 binary64 fields; with
     * |v| < 2^52, e < 0. m * 1e9 < 2^83: exact in 128 bits. */
    double a = fabs(v);
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    int be = (int)(bits >> 52), s; /* biased exponent: 0 for zero and subnormals */
    if (be) {
        m |= UINT64_C(1) << 52;
        s = 1075 - be; /* a = m * 2^-s */
    } else {
        s = 1074;
    }
    __extension__ typedef unsigned __int128 u128;
    u128 prod = (u128)m * 1000000000u, q;
    if (s >= 19 && s < 64) { /* the usual case, seconds below 2^34: q < 2^64, shifts of 64-bit halves */
        uint64_t hi = (uint64_t)(prod >> 64), lo = (uint64_t)prod;
        uint64_t q64 = hi << (64 - s) | lo >> s, out = lo & ((UINT64_C(1) << s) - 1), half = UINT64_C(1) << (s - 1);
        if (out > half || (out == half && (q64 & 1))) q64++;
        return w_sec_nsec(p, q64 / 1000000000u, (uint32_t)(q64 % 1000000000u));
    }
    if (s >= 100) {
        q = 0; /* prod < 2^83 is below half of 2^100: rounds to 0 (zero too) */
    } else { /* the s bits shifted out, left-aligned in 128: above one half, or one half and q odd, round up */
        q = prod >> s;
        u128 out = prod << (128 - s);
        uint64_t hi = (uint64_t)(out >> 64), lo = (uint64_t)out, half = UINT64_C(1) << 63;
        if (hi > half || (hi == half && (lo || (q & 1)))) q++;
    }
    if (!(q >> 64)) { /* the usual case: 64-bit arithmetic */
        uint64_t q64 = (uint64_t)q;
        return w_sec_nsec(p, q64 / 1000000000u, (uint32_t)(q64 % 1000000000u));
    }
    return w_sec_nsec(p, (uint64_t)(q / 1000000000u), (uint32_t)(q % 1000000000u));
}

/* n bytes as they are, in pieces of at most JROOM_MAX bytes (the room asked for at once). */
static void jcopy(struct wsi_json *j, const char *s, size_t n)
{
    while (n) {
        size_t k = n < JROOM_MAX ? n : JROOM_MAX;
        done(j, w_copy(room(j, k), s, k));
        s += k;
        n -= k;
    }
}

/* Append printf("%.9f", v) for a finite v of 2^52 or more (w_double9 takes the others;
 * the largest double has 309 digits): formatted apart, then copied in pieces. */
static void put_double9_big(struct wsi_json *j, double v)
{
    char s[400];
    int n = snprintf(s, sizeof s, "%.9f", v);
    if (n > 0) jcopy(j, s, (size_t)n < sizeof s ? (size_t)n : sizeof s - 1);
}

/* An absolute timestamp with its 9 decimals exact (no trip through a double). */
static inline char *w_ts(char *p, int64_t sec, uint32_t nsec)
{
    if (nsec > 999999999u) nsec = 999999999u;
    if (sec < 0 && nsec) { /* e.g. -1 s + 0.25 s = -0.75 s */
        *p++ = '-';
        return w_sec_nsec(p, (uint64_t)(-(sec + 1)), 1000000000u - nsec);
    }
    if (sec < 0) {
        *p++ = '-';
        return w_sec_nsec(p, 0 - (uint64_t)sec, 0);
    }
    return w_sec_nsec(p, (uint64_t)sec, nsec);
}

/* ---- JSON strings ----------------------------------------------------------- */

/* Whether a byte is copied into a JSON string as it is (printable ASCII but '"' and '\\'). */
static inline int plain(uint8_t b)
{
    return b >= 0x20 && b < 0x7F && b != '"' && b != '\\';
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Plain bytes are copied 8 at a time (16 with SSE2), up to the first that is not: the lowest
 * byte flagged by unplain8 in a word loaded from memory, which needs little-endian words
 * (elsewhere the bytes go one at a time). */
#define JSTR_8_AT_A_TIME 1

/* The high bit of each of the 8 bytes of x that is not plain(): below 0x20, '"', '\\',
 * 0x7F, or 0x80 and above. The classic byte-below-n and zero-byte tests: a borrow can
 * set a false bit, but only in a byte above (more significant than) a true one, so the
 * result is 0 exactly when all 8 are plain, and its lowest bit is a true one. */
static inline uint64_t unplain8(uint64_t x)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7F);
    return (((x - ones * 0x20) & ~x)                                  /* below 0x20 */
            | ((q - ones) & ~q) | ((b - ones) & ~b) | ((d - ones) & ~d) /* '"', '\\', DEL */
            | x)                                                      /* 0x80 and above */
           & high;
}

/* The 8 bytes at s copied to p; returns how many of them, from the first, are plain (8: all). */
static inline size_t plain_run8(char *p, const uint8_t *s)
{
    uint64_t x, hit;
    memcpy(&x, s, 8);
    memcpy(p, &x, 8);
    hit = unplain8(x);
    return hit ? (size_t)__builtin_ctzll(hit) >> 3 : 8; /* the lowest byte flagged is the first */
}
#endif

#ifdef JSON_SSE2
/* The 16 bytes at s copied to p; returns how many of them, from the first, are plain (16:
 * all). Compared as signed bytes, those below 0x20 and those of 0x80 and above are all
 * below 0x20. */
static inline size_t plain_run16(char *p, const uint8_t *s)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    _mm_storeu_si128((__m128i *)(void *)p, v);
    __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
            backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F));
    __m128i bad = _mm_or_si128(_mm_or_si128(low, quote), _mm_or_si128(backslash, del));
    unsigned hit = (unsigned)_mm_movemask_epi8(bad);
    return hit ? (size_t)__builtin_ctz(hit) : 16;
}
#endif

/* Input bytes escaped per capacity check: each becomes at most 6 output bytes. */
#define JSTR_STEP (JBUF / 16)

/* A JSON string of arbitrary bytes: valid UTF-8 as is, but for quote, backslash and the
 * controls: \" \\ \n \r \t \b \f, and as \u00XX the other C0 controls, DEL and the C1
 * controls U+0080..U+009F (valid UTF-8 C2 80..C2 9F: terminals act on them), and U+2028
 * and U+2029 as \u2028 and \u2029 (line ends to JavaScript); every byte that is not part
 * of valid UTF-8 as \u00XX with the byte's value (preview_hex fields keep the exact bytes).
 * The most output is 6 bytes per input byte (a control byte). */
static void jstring_bytes(struct wsi_json *j, const uint8_t *s, size_t len)
{
    size_t i = 0, stop = len < JSTR_STEP ? len : JSTR_STEP; /* input escaped in this step */
    char *p = room(j, 2 + 6 * stop);
    *p++ = '"';
    for (;;) {
        while (i < stop) {
#ifdef JSTR_8_AT_A_TIME
            if (stop - i >= 8) { /* 16 or 8 bytes copied at once, kept up to the first that is not plain */
                size_t n = 8, k;
#ifdef JSON_SSE2
                if (stop - i >= 16) {
                    n = 16;
                    k = plain_run16(p, s + i);
                } else
#endif
                    k = plain_run8(p, s + i);
                p += k;
                i += k;
                if (k == n) continue;
                if (s[i] == '"' || s[i] == '\\') { /* the ones JSON text is full of: escaped at once */
                    p[0] = '\\';
                    p[1] = (char)s[i];
                    p += 2;
                    i++;
                    continue;
                }
            }
#endif
            /* one byte (or character) at a time: the first not plain, or the last few */
            uint8_t b = s[i];
            if (plain(b)) {
                *p++ = (char)b;
                i++;
                continue;
            }
            uint32_t c = b;
            size_t n = 1;
            if (b >= 0x80) {
                n = wsi_utf8_next(s + i, len - i, &c);
                if (!n) { /* not valid UTF-8: the byte's value */
                    p = w_u4(p, b);
                    i++;
                    continue;
                }
                if (c > 0x9F && c != 0x2028 && c != 0x2029) { /* not a C1 control, not U+2028/9 */
                    for (size_t k = 0; k < n; k++) p[k] = (char)s[i + k];
                    p += n;
                    i += n;
                    continue;
                }
            }
            switch (c) {
            case '"': p = w_copy(p, LIT("\\\"")); break;
            case '\\': p = w_copy(p, LIT("\\\\")); break;
            case '\n': p = w_copy(p, LIT("\\n")); break;
            case '\r': p = w_copy(p, LIT("\\r")); break;
            case '\t': p = w_copy(p, LIT("\\t")); break;
            case '\b': p = w_copy(p, LIT("\\b")); break;
            case '\f': p = w_copy(p, LIT("\\f")); break;
            default: p = w_u4(p, c); break; /* other C0 controls, DEL, C1 controls, U+2028, U+2029 */
            }
            i += n;
        }
        if (i >= len) break;
        /* the next step: a character that started before stop produced at most 6 bytes
         * per input byte too, so each step's room holds all it writes */
        stop = len - i < JSTR_STEP ? len : i + JSTR_STEP;
        done(j, p);
        p = room(j, 1 + 6 * (stop - i));
    }
    *p++ = '"';
    done(j, p);
}

/* A string known to need no escaping (a fixed name from a table: printable ASCII without
 * '"' and '\\'), copied without looking at its bytes. */
static void jname_bytes(struct wsi_json *j, const char *s)
{
    size_t n = strlen(s);
    if (n > JBUF - 2) { /* never for a name; kept correct anyway */
        jstring_bytes(j, (const uint8_t *)s, n);
        return;
    }
    char *p = room(j, n + 2);
    *p = '"';
    memcpy(p + 1, s, n);
    p[n + 1] = '"';
    done(j, p + n + 2);
}

/* Input bytes converted per capacity check (1024 with the 64 KiB buffer). */
#define JHEX_STEP (JBUF / 64)

#ifdef JSON_SSE2

/* The 32 lower-case hex digits of 16 bytes: each byte's high and low nibbles interleaved,
 * then '0' added to each, and 39 more ('a' - '0' - 10) to those above 9. */
static inline void w_hex16(char *p, const uint8_t *s)
{
    const __m128i low4 = _mm_set1_epi8(0x0F), nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0'),
                  letters = _mm_set1_epi8('a' - '0' - 10);
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), low4), lo = _mm_and_si128(v, low4);
    __m128i a = _mm_unpacklo_epi8(hi, lo), b = _mm_unpackhi_epi8(hi, lo); /* bytes 0-7, 8-15 */
    a = _mm_add_epi8(_mm_add_epi8(a, zero), _mm_and_si128(_mm_cmpgt_epi8(a, nine), letters));
    b = _mm_add_epi8(_mm_add_epi8(b, zero), _mm_and_si128(_mm_cmpgt_epi8(b, nine), letters));
    _mm_storeu_si128((__m128i *)(void *)p, a);
    _mm_storeu_si128((__m128i *)(void *)(p + 16), b);
}
#endif

/* Lower-case hex of the bytes, quoted. Like jstring_bytes, each piece's room holds the
 * closing quote too (the first one's both quotes), whether or not more pieces follow:
 * an empty string is the first piece, with no bytes. */
static void jhex_bytes(struct wsi_json *j, const uint8_t *s, size_t len)
{
    size_t n = len < JHEX_STEP ? len : JHEX_STEP; /* bytes converted in this piece */
    char *p = room(j, 2 + 2 * n);
    *p++ = '"';
    while (len) { /* (s may be NULL when len is 0: no arithmetic on it then) */
        const uint8_t *e = s + n;
#ifdef JSON_SSE2
        for (; e - s >= 16; s += 16, p += 32) w_hex16(p, s);
#endif
#define HEX_AT(k) memcpy(p + 2 * (k), hex2 + 2 * (size_t)s[k], 2)
        for (; e - s >= 8; s += 8, p += 16) { /* 8 bytes per step */
            HEX_AT(0), HEX_AT(1), HEX_AT(2), HEX_AT(3), HEX_AT(4), HEX_AT(5), HEX_AT(6), HEX_AT(7);
        }
        for (; s < e; s++, p += 2) HEX_AT(0);
#undef HEX_AT
        len -= n;
        if (!len) break;
        n = len < JHEX_STEP ? len : JHEX_STEP;
        done(j, p);
        p = room(j, 1 + 2 * n);
    }
    *p++ = '"';
    done(j, p);
}

/* ---- writing fields ------------------------------------------------------- */

/* A field's key, given as ",\"name\":" and its length (see KEY), and room for vmax more
 * bytes after it; returns where the value goes. Every line starts with the "type" field
 * (written by wsi_json_event with the '{'), so every key here has its comma. */
static inline char *jkey(struct wsi_json *j, const char *ks, size_t kn, size_t vmax)
{
    return w_copy(room(j, kn + vmax), ks, kn);
}

/* The opcode fields of op, written as jint and jname write them, for wsi_json_new. */
static void opcode_fields_make(struct opcode_fields *f, unsigned op)
{
    const char *name = wsi_opcode_name(op);
    size_t n = strlen(name);
    f->n = 0;
    if (n > sizeof f->s - sizeof ",\"opcode\":15,\"opcode_name\":\"\"") return; /* (never) */
    char *p = w_u64(w_copy(f->s, LIT(",\"opcode\":")), op);
    p = w_copy(w_copy(p, LIT(",\"opcode_name\":\"")), name, n);
    *p++ = '"';
    f->n = (size_t)(p - f->s);
}

/* A literal key as the two arguments the value writers take; a key longer than KEY_MAX
 * does not compile (an array of negative size). */
#define KEY(k) ",\"" k "\":", KEY_LEN(",\"" k "\":")
#define KEY_LEN(lit) (sizeof(lit) - 1 + 0 * sizeof(char[sizeof(lit) - 1 <= KEY_MAX ? 1 : -1]))

/* "k": "s" (or null when s is NULL) */
static inline void jstr_(struct wsi_json *j, const char *ks, size_t kn, const char *s)
{
    char *p = jkey(j, ks, kn, 4);
    if (!s) {
        done(j, w_copy(p, LIT("null")));
        return;
    }
    done(j, p);
    jstring_bytes(j, (const uint8_t *)s, strlen(s));
}

/* "k": "s" for a fixed name (see jname_bytes) */
static inline void jname_(struct wsi_json *j, const char *ks, size_t kn, const char *s)
{
    done(j, jkey(j, ks, kn, 0));
    jname_bytes(j, s);
}

/* "k": the bytes as a JSON string */
static inline void jbytes_(struct wsi_json *j, const char *ks, size_t kn, const uint8_t *s, size_t len)
{
    done(j, jkey(j, ks, kn, 0));
    jstring_bytes(j, s, len);
}

/* "k": "0a1b..." (lower-case hex of the bytes) */
static inline void jhex_(struct wsi_json *j, const char *ks, size_t kn, const uint8_t *s, size_t len)
{
    done(j, jkey(j, ks, kn, 0));
    jhex_bytes(j, s, len);
}

/* "k": v (unsigned) */
static inline void ju64_(struct wsi_json *j, const char *ks, size_t kn, uint64_t v)
{
    done(j, w_u64(jkey(j, ks, kn, U64_MAX_LEN), v));
}

/* "k": v (signed) */
static inline void jint_(struct wsi_json *j, const char *ks, size_t kn, long long v)
{
    done(j, w_i64(jkey(j, ks, kn, I64_MAX_LEN), v));
}

/* "k": true / false */
static inline void jbool_(struct wsi_json *j, const char *ks, size_t kn, int v)
{
    char *p = jkey(j, ks, kn, 5);
    done(j, v ? w_copy(p, LIT("true")) : w_copy(p, LIT("false")));
}

/* "k": null */
static inline void jnull_(struct wsi_json *j, const char *ks, size_t kn)
{
    done(j, w_copy(jkey(j, ks, kn, 4), LIT("null")));
}

/* A number of seconds; never NaN or infinite (null then). */
static inline void jsec_(struct wsi_json *j, const char *ks, size_t kn, double v)
{
    char *p = jkey(j, ks, kn, DOUBLE9_MAX_LEN);
    if (!isfinite(v)) {
        done(j, w_copy(p, LIT("null")));
    } else if (fabs(v) < 4503599627370496.0) { /* 2^52 */
        done(j, w_double9(p, v));
    } else {
        done(j, p);
        put_double9_big(j, v);
    }
}

/* Seconds that are -1 (or any negative) when unknown: null then. */
static inline void jsec_opt_(struct wsi_json *j, const char *ks, size_t kn, double v)
{
    if (v < 0) jnull_(j, ks, kn);
    else jsec_(j, ks, kn, v);
}

/* A close code as the session reports it: -1 none -> null. */
static inline void jcode_(struct wsi_json *j, const char *ks, size_t kn, int code)
{
    if (code < 0) jnull_(j, ks, kn);
    else jint_(j, ks, kn, code);
}

/* The value writers as called below: the key is always a string literal. */
#define jstr(j, k, s) jstr_((j), KEY(k), (s))
#define jname(j, k, s) jname_((j), KEY(k), (s))
#define jbytes(j, k, s, n) jbytes_((j), KEY(k), (s), (n))
#define jhex(j, k, s, n) jhex_((j), KEY(k), (s), (n))
#define ju64(j, k, v) ju64_((j), KEY(k), (v))
#define jint(j, k, v) jint_((j), KEY(k), (v))
#define jbool(j, k, v) jbool_((j), KEY(k), (v))
#define jnull(j, k) jnull_((j), KEY(k))
#define jsec(j, k, v) jsec_((j), KEY(k), (v))
#define jsec_opt(j, k, v) jsec_opt_((j), KEY(k), (v))
#define jcode(j, k, c) jcode_((j), KEY(k), (c))

/* "opcode": op, "opcode_name": its name (wsi_opcode_name) */
static void jopcode_fields(struct wsi_json *j, unsigned op)
{
    jint(j, "opcode", op);
    jname(j, "opcode_name", wsi_opcode_name(op));
}

/* the same, copied whole (struct opcode_fields) for an opcode below 16 */
static inline void jopcode(struct wsi_json *j, unsigned op)
{
    const struct opcode_fields *f = &j->ops[op & 15];
    if (op < 16 && f->n) {
        char *p = room(j, sizeof f->s);
        memcpy(p, f->s, sizeof f->s);
        done(j, p + f->n);
    } else {
        jopcode_fields(j, op);
    }
}

/* ---- several fields in one room ---------------------------------------------- */

/* Fields of bounded length (numbers, booleans, null) written one after the other into one
 * room, for the lines written most: ROOM asks for the sum of their *_ROOM lengths (at most
 * JROOM_MAX: checked when compiling), the W_ writers write each at p and return its end
 * (the same bytes as the j writers above), done() marks them all. */
#define ROOM(j, n) room((j), (n) + 0 * sizeof(char[(n) <= JROOM_MAX ? 1 : -1]))
#define U64_ROOM(k) (KEY_LEN(",\"" k "\":") + U64_MAX_LEN)
#define INT_ROOM(k) (KEY_LEN(",\"" k "\":") + I64_MAX_LEN)
#define BOOL_ROOM(k) (KEY_LEN(",\"" k "\":") + 5)
#define HEX4_ROOM(k) (KEY_LEN(",\"" k "\":") + 10)

static inline char *w_bool(char *p, int v)
{
    return v ? w_copy(p, LIT("true")) : w_copy(p, LIT("false"));
}

/* "0a1b2c3d": 4 bytes in hex, quoted (as jhex_bytes writes them) */
static inline char *w_hex4(char *p, const uint8_t b[4])
{
    p[0] = '"';
    for (int k = 0; k < 4; k++) memcpy(p + 1 + 2 * k, hex2 + 2 * (size_t)b[k], 2);
    p[9] = '"';
    return p + 10;
}

#define W_U64(p, k, v) w_u64(w_copy((p), KEY(k)), (v))
#define W_INT(p, k, v) w_i64(w_copy((p), KEY(k)), (v))
#define W_BOOL(p, k, v) w_bool(w_copy((p), KEY(k)), (v))
#define W_NULL(p, k) w_copy(w_copy((p), KEY(k)), LIT("null"))
#define W_HEX4(p, k, b) w_hex4(w_copy((p), KEY(k)), (b))

/* "k": "0a1b..." of the bytes XORed with the 4-byte key (byte i with key[i % 4]): the
 * payload as a client sent it, masked (RFC 6455 §5.3) */
static void jhex_xor_(struct wsi_json *j, const char *ks, size_t kn, const uint8_t *s, size_t len, const uint8_t key[4])
{
    done(j, w_copy(jkey(j, ks, kn, 1), LIT("\"")));
    for (size_t i = 0; i < len; i++)
        done(j, w_copy(room(j, 2), hex2 + 2 * (size_t)(uint8_t)(s[i] ^ key[i % 4]), 2));
    done(j, w_copy(room(j, 1), LIT("\"")));
}
#define jhex_xor(j, k, s, n, key) jhex_xor_((j), KEY(k), (s), (n), (key))

/* ---- previews ------------------------------------------------------------- */

/* How many of a preview's n bytes are shown: at most opts.payload, and when `text`,
 * never ending inside a character. */
static size_t shown(const struct wsi_json *j, const uint8_t *p, size_t n, int text)
{
    size_t k = n < j->o.payload ? n : j->o.payload;
    if (text && p) k = wsi_utf8_trim_tail(p, k);
    return k;
}

/* ---- one object per event kind ------------------------------------------ */

/* "k": "addr:port" of the sender of direction dir (0 or 1), as wsi_endpoint_str writes it
 * (IPv4 written here, straight into the line), or null without ci. */
static void jendpoint_(struct wsi_json *j, const char *ks, size_t kn, const struct wsi_conn_info *ci, int dir)
{
    char buf[64];
    if (!ci) {
        jnull_(j, ks, kn);
    } else if (ci->addr[dir].family == 4) {
        char *p = jkey(j, ks, kn, 2 + ENDPOINT4_MAX_LEN);
        *p++ = '"';
        p = wsi_ipv4_port(p, ci->addr[dir].bytes, ci->port[dir]); /* digits, dots, a colon: nothing to escape */
        *p++ = '"';
        done(j, p);
    } else {
        jstr_(j, ks, kn, wsi_endpoint_str(ci, dir, buf));
    }
}

static void endpoints(struct wsi_json *j, const struct wsi_event *ev)
{
    int cd = ev->client_dir == 1 ? 1 : 0;
    if (ev->har) {
        /* a HAR: the browser, and the URL's host and port (no packet gives an address) */
        jstr(j, "client", "browser");
        jstr(j, "server", ev->har->server);
        return;
    }
    jendpoint_(j, KEY("client"), ev->ci, cd);
    jendpoint_(j, KEY("server"), ev->ci, 1 - cd);
}

static void j_http(struct wsi_json *j, const struct wsi_http_ev *h)
{
    char *p = ROOM(j, BOOL_ROOM("request") + INT_ROOM("status"));
    p = W_BOOL(p, "request", h->is_request);
    if (h->is_request) {
        done(j, p);
        jstr(j, "method", h->method);
        jstr(j, "target", h->target);
    } else {
        done(j, W_INT(p, "status", h->status));
        jstr(j, "reason", h->reason);
    }
    p = ROOM(j, BOOL_ROOM("upgrade") + U64_ROOM("index") + U64_ROOM("body_length") + BOOL_ROOM("chunked"));
    p = W_BOOL(p, "upgrade", h->upgrade);
    p = W_U64(p, "index", h->index);
    p = h->body_known ? W_U64(p, "body_length", h->body_len) : W_NULL(p, "body_length");
    done(j, W_BOOL(p, "chunked", h->chunked));
    jstr(j, "content_type", h->content_type);
    jstr(j, "content_encoding", h->content_encoding);
    if (h->head_cut) ju64(j, "head_cut", h->head_cut);
    if (!h->is_request) jsec_opt(j, "waited", h->waited);
    if (j->o.detail) {
        if (h->head) jbytes(j, "head", h->head, h->head_len);
        else jnull(j, "head");
    }
}

static void j_chunk(struct wsi_json *j, const struct wsi_chunk_ev *c)
{
    size_t n = shown(j, c->preview, c->preview ? c->preview_len : 0, 0);
    uint64_t content = c->coding ? c->decoded_len : c->size; /* what the preview is of */
    ju64(j, "index", c->index);
    ju64(j, "size", c->size);
    if (c->coding) {
        jstr(j, "coding", c->coding);
        jbool(j, "decoded", c->decoded);
        if (c->decoded) ju64(j, "decoded_length", c->decoded_len);
    }
    if (c->coding && !c->decoded) return; /* compressed bytes: no text, no preview */
    jbytes(j, "text", c->preview, n);
    jhex(j, "preview_hex", c->preview, n);
    jbool(j, "preview_truncated", n < content);
}

static void j_tls(struct wsi_json *j, const struct wsi_tls_ev *t)
{
    const struct wsi_tls_info *i = t->info;
    jstr(j, "what", i ? "info" : t->alert ? "alert" : t->records ? "records" : "error");
    if (t->records) {
        char tb[24];
        const struct wsi_tls_burst *b = t->records;
        jstr(j, "record_type", wsi_tls_type_name(b->type, tb));
        jbool(j, "encrypted", b->encrypted);
        ju64(j, "records", b->count);
        ju64(j, "bytes", b->bytes);
        jstr(j, "handshake", b->handshake && *b->handshake ? b->handshake : NULL);
    }
    if (i) {
        jstr(j, "version", i->version);
        jstr(j, "cipher", i->cipher);
        jstr(j, "sni", i->sni);
        jstr(j, "alpn_offered", i->alpn_offered);
        jstr(j, "alpn_selected", i->alpn_selected);
        jstr(j, "versions_offered", i->versions_offered);
        jstr(j, "client_random", i->client_random);
        jbool(j, "decrypting", i->decrypting);
        jstr(j, "why_not", i->why_not);
    }
    if (t->alert) jstr(j, "alert", t->alert);
    if (t->error) jstr(j, "error", t->error);
}

static void j_sse(struct wsi_json *j, const struct wsi_sse_ev *e)
{
    ju64(j, "index", e->index);
    jstr(j, "event", e->event);
    jbytes(j, "data", (const uint8_t *)e->data, e->data_len);
    ju64(j, "data_length", e->data_total);
    jstr(j, "id", e->id);
    if (e->retry >= 0) ju64(j, "retry", (uint64_t)e->retry);
    else jnull(j, "retry");
    ju64(j, "comments", e->comments);
    jbool(j, "dispatched", e->dispatched);
}

static void j_handshake(struct wsi_json *j, const struct wsi_handshake_ev *h)
{
    jstr(j, "path", h->path);
    jstr(j, "host", h->host);
    jstr(j, "origin", h->origin);
    jstr(j, "version", h->version);
    jstr(j, "server_versions", h->server_versions);
    jstr(j, "protocols_offered", h->protocols_offered);
    jstr(j, "protocol_selected", h->protocol_selected);
    jstr(j, "extensions_offered", h->extensions_offered);
    jstr(j, "extensions_selected", h->extensions_selected);
    jstr(j, "key", h->key);
    jstr(j, "accept", h->accept);
    jstr(j, "expected_accept", h->expected_accept);
    if (h->status > 0) jint(j, "status", h->status);
    else jnull(j, "status");
    jstr(j, "reason", h->reason);
    jstr(j, "verdict", wsi_hs_verdict_id(h->verdict));
    jstr(j, "rule", h->rule);
    jstr(j, "why", h->why);
    jbool(j, "key_warning", h->key_warning);
    jbool(j, "version_warning", h->version_warning);
    jbool(j, "deflate", h->deflate);
    jsec_opt(j, "latency", h->latency);
    if (j->o.detail) { /* the Accept's steps: the key and the GUID joined, their SHA-1 (calc/) */
        uint8_t sha1[20];
        char acc[WS_ACCEPT_BUFSZ];
        jstr(j, "guid", WS_GUID);
        if (h->key && h->expected_accept && ws_accept_compute(h->key, strlen(h->key), acc, sha1) == 0)
            jhex(j, "accept_sha1", sha1, sizeof sha1);
        else
            jnull(j, "accept_sha1");
    }
}

static void j_frame(struct wsi_json *j, const struct wsi_frame_ev *fe)
{
    const struct wsi_frame *f = fe->f;
    char *p;
    if (f) {
        p = ROOM(j, BOOL_ROOM("fin") + INT_ROOM("rsv"));
        p = W_BOOL(p, "fin", f->fin);
        done(j, W_INT(p, "rsv", f->rsv));
        jopcode(j, f->opcode);
        p = ROOM(j, BOOL_ROOM("mask") + HEX4_ROOM("masking_key") + U64_ROOM("payload_length") + INT_ROOM("len7"));
        p = W_BOOL(p, "mask", f->masked);
        if (f->masked) p = W_HEX4(p, "masking_key", f->mask);
        p = W_U64(p, "payload_length", f->len);
        done(j, W_INT(p, "len7", f->len7));
        p = ROOM(j, INT_ROOM("header_length") + U64_ROOM("offset") + U64_ROOM("index"));
        p = W_INT(p, "header_length", f->hdr_len);
        p = W_U64(p, "offset", f->offset);
    } else {
        p = ROOM(j, U64_ROOM("index"));
    }
    done(j, W_U64(p, "index", fe->index));
    size_t n = shown(j, fe->preview, fe->preview ? fe->preview_len : 0, 0);
    jhex(j, "preview_hex", fe->preview, n);
    jbool(j, "preview_truncated", f ? n < f->len : n < fe->preview_len);
    if (j->o.detail && f) { /* the header as sent, and the payload's first bytes as sent (masked) */
        uint8_t h[14];
        jhex(j, "header_hex", h, wsi_frame_header_bytes(f, h));
        if (f->masked) jhex_xor(j, "masked_hex", fe->preview, n, f->mask);
    }
}

static void j_message(struct wsi_json *j, const struct wsi_message_ev *me)
{
    const struct wsi_message *m = me->m;
    if (!m) return;
    const uint8_t *p = m->preview;
    size_t plen = p ? m->preview_len : 0;
    int is_text = m->opcode == WSI_OP_TEXT && !m->rsv1; /* compressed text is not readable as is */
    uint64_t total = m->len;
    if (me->inflated && me->plain) { /* permessage-deflate: previews are of the inflated payload */
        p = me->plain;
        plen = me->plain_len;
        total = me->plain_total;
        is_text = m->opcode == WSI_OP_TEXT;
    }
    jopcode(j, m->opcode);
    char *w = ROOM(j, U64_ROOM("length") + U64_ROOM("frames") + BOOL_ROOM("rsv1"));
    w = W_U64(w, "length", m->len);
    w = W_U64(w, "frames", m->nframes);
    done(j, W_BOOL(w, "rsv1", m->rsv1));
    size_t n = shown(j, p, plen, is_text);
    if (is_text) jbytes(j, "text", p, n);
    jhex(j, "preview_hex", p, n);
    w = ROOM(j, BOOL_ROOM("preview_truncated") + BOOL_ROOM("compressed") + U64_ROOM("inflated_length") +
                    BOOL_ROOM("inflate_cut"));
    w = W_BOOL(w, "preview_truncated", n < total);
    if (me->inflated) w = W_BOOL(w, "compressed", 1);
    if (me->inflated && me->plain) {
        w = W_U64(w, "inflated_length", me->plain_total);
        w = W_BOOL(w, "inflate_cut", me->plain_cut);
    }
    done(j, w);
    if (me->inflated && !me->plain) jstr(j, "inflate_error", me->inflate_error);
    w = ROOM(j, BOOL_ROOM("utf8_valid") + BOOL_ROOM("incomplete"));
    if (m->opcode == WSI_OP_TEXT || m->opcode == WSI_OP_CLOSE) {
        if (me->inflated && me->plain && m->opcode == WSI_OP_TEXT) w = W_BOOL(w, "utf8_valid", me->plain_utf8_valid);
        else if (m->utf8_valid < 0) w = W_NULL(w, "utf8_valid"); /* compressed text that did not inflate: not checked */
        else w = W_BOOL(w, "utf8_valid", m->utf8_valid);
    }
    if (m->opcode == WSI_OP_CLOSE) {
        done(j, w);
        jcode(j, "close_code", m->close_code);
        const char *name = m->close_code >= 0 ? wsi_close_code_name(m->close_code) : "";
        jstr(j, "close_name", *name ? name : NULL);
        if (m->close_reason) jbytes(j, "close_reason", m->close_reason, m->close_reason_len);
        else jnull(j, "close_reason");
        w = ROOM(j, BOOL_ROOM("incomplete"));
    }
    done(j, W_BOOL(w, "incomplete", m->incomplete));
    if (m->opcode == WSI_OP_PONG) jsec_opt(j, "rtt", me->rtt);
    if (j->o.detail && me->inflated && m->preview) /* the compressed bytes, as the frames carried them */
        jhex(j, "compressed_hex", m->preview, shown(j, m->preview, m->preview_len, 0));
}

/* A connection read from a HAR: where it comes from, and what such a record cannot show. */
static void j_har(struct wsi_json *j, const struct wsi_har_conn *h)
{
    jstr(j, "source", "har");
    jstr(j, "address_from", "url");
    ju64(j, "entry", h->entry);
    jbytes(j, "url", (const uint8_t *)h->url, h->url ? strlen(h->url) : 0);
    jstr(j, "producer", h->producer);
    jbool(j, "messages_recorded", h->messages_recorded || h->messages_from);
    jstr(j, "messages_from", h->messages_from);
    jstr(j, "clock", h->clock);
    jstr(j, "not_shown", WSI_HAR_NOT_SHOWN);
}

static void j_close(struct wsi_json *j, const struct wsi_event *ev)
{
    const struct wsi_close_ev *c = &ev->u.close;
    endpoints(j, ev);
    jbool(j, "websocket", c->websocket);
    jbool(j, "tls", c->tls);
    jbool(j, "tls_decrypted", c->tls_decrypted);
    jstr(j, "carries", wsi_carries_id(c->carries));
    jstr(j, "evidence", c->evidence);
    if (c->websocket || c->handshake) jstr(j, "verdict", wsi_hs_verdict_id(c->verdict));
    else jnull(j, "verdict");
    jcode(j, "client_close", c->close_code[WSI_C2S]);
    jcode(j, "server_close", c->close_code[WSI_S2C]);
    jbool(j, "closed_cleanly", c->closed_cleanly);
    jbool(j, "abnormal", c->abnormal);
    jbool(j, "still_open", c->still_open);
    if (c->cut_short) jstr(j, "ended_by", wsi_end_reason_id(c->cut_short)); /* "evicted" or "reused" */
    ju64(j, "client_frames", c->frames[WSI_C2S]);
    ju64(j, "server_frames", c->frames[WSI_S2C]);
    ju64(j, "client_messages", c->messages[WSI_C2S]);
    ju64(j, "server_messages", c->messages[WSI_S2C]);
    ju64(j, "client_data_messages", c->messages[WSI_C2S] - c->controls[WSI_C2S]);
    ju64(j, "server_data_messages", c->messages[WSI_S2C] - c->controls[WSI_S2C]);
    ju64(j, "client_control_frames", c->controls[WSI_C2S]);
    ju64(j, "server_control_frames", c->controls[WSI_S2C]);
    ju64(j, "client_bytes", c->bytes[WSI_C2S]);
    ju64(j, "server_bytes", c->bytes[WSI_S2C]);
    ju64(j, "client_tcp_bytes", c->tcp_bytes[WSI_C2S]);
    ju64(j, "server_tcp_bytes", c->tcp_bytes[WSI_S2C]);
    ju64(j, "client_undecoded", c->undecoded[WSI_C2S]);
    ju64(j, "server_undecoded", c->undecoded[WSI_S2C]);
    ju64(j, "violations", c->violations);
    ju64(j, "gaps", c->gaps);
    jsec(j, "duration", c->duration);
    ju64(j, "first_packet", c->first_packet);
    ju64(j, "last_packet", c->last_packet);
    if (ev->har) {
        jstr(j, "source", "har");
        ju64(j, "errors", ev->har->errors);
        jcode(j, "recorded_close", ev->har->close_code);
    }
}

/* The start of a line, {"type":"<name>", per event kind: copied 24 bytes at a time (the
 * NULs after the name are overwritten or never counted). */
struct line_head {
    char s[HEAD_LEN];
    size_t n;
};
#define HEAD(name) {"{\"type\":\"" name "\"", sizeof("{\"type\":\"" name "\"") - 1}
static const struct line_head heads[] = {
    [0] = HEAD("unknown"),
    [WSI_EV_CONN] = HEAD("connection"),
    [WSI_EV_HTTP] = HEAD("http"),
    [WSI_EV_HANDSHAKE] = HEAD("handshake"),
    [WSI_EV_FRAME] = HEAD("frame"),
    [WSI_EV_MESSAGE] = HEAD("message"),
    [WSI_EV_VIOLATION] = HEAD("violation"),
    [WSI_EV_GAP] = HEAD("gap"),
    [WSI_EV_TCP] = HEAD("tcp"),
    [WSI_EV_LOST] = HEAD("lost"),
    [WSI_EV_END] = HEAD("end"),
    [WSI_EV_CLOSE] = HEAD("close"),
    [WSI_EV_CHUNK] = HEAD("chunk"),
    [WSI_EV_SSE] = HEAD("sse"),
    [WSI_EV_TLS] = HEAD("tls"),
    [WSI_EV_STATS] = HEAD("stats"),
    [WSI_EV_NOTE] = HEAD("note"),
};

/* The event's timestamp (as w_ts): its seconds are mostly the line before's, kept written
 * out in j->sec_str (copied 24 bytes at a time, like the heads). */
static inline char *w_line_ts(struct wsi_json *j, char *p, int64_t sec, uint32_t nsec)
{
    if (sec < 0 || nsec > 999999999u) return w_ts(p, sec, nsec);
    if (sec != j->sec) {
        j->sec = sec;
        j->sec_len = (size_t)(w_u64(j->sec_str, (uint64_t)sec) - j->sec_str);
    }
    memcpy(p, j->sec_str, sizeof j->sec_str);
    return w_frac9(p + j->sec_len, nsec);
}

/* "t": as jsec writes it; the line before's copied when the value is the same (the lines of
 * one packet), else written and kept. */
static inline void jline_t(struct wsi_json *j, double t)
{
    struct line_t *c = &j->t;
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    if (c->n && bits == c->bits) {
        char *p = room(j, sizeof c->s);
        memcpy(p, c->s, sizeof c->s);
        done(j, p + c->n);
    } else if (isfinite(t) && fabs(t) < 4503599627370496.0) { /* what w_double9 takes */
        char *q = room(j, sizeof c->s);
        char *p = w_double9(w_copy(q, KEY("t")), t);
        c->bits = bits;
        c->n = (size_t)(p - q);
        memcpy(c->s, q, c->n);
        done(j, p);
    } else {
        jsec(j, "t", t);
    }
}

void wsi_json_event(void *self, const struct wsi_event *ev)
{
    struct wsi_json *j = self;
    size_t k = (size_t)ev->kind < sizeof heads / sizeof *heads && heads[ev->kind].n ? (size_t)ev->kind : 0;
    char *p = room(j, LINE_START_MAX);
    memcpy(p, heads[k].s, sizeof heads[k].s);
    p += heads[k].n;
    struct line_start *ls = &j->start;
    if (ls->n && ev->conn == ls->conn && ev->packet == ls->packet && ev->ts_sec == ls->sec &&
        ev->ts_nsec == ls->nsec && (int)ev->side == ls->side) {
        memcpy(p, ls->s, sizeof ls->s); /* within the room: the head took at most HEAD_LEN */
        p += ls->n;
    } else {
        char *q = p;
        p = w_u64(w_copy(p, LIT(",\"conn\":")), ev->conn);
        if (ev->side == WSI_C2S) p = w_copy(p, LIT(",\"dir\":\"c2s\""));
        else if (ev->side == WSI_S2C) p = w_copy(p, LIT(",\"dir\":\"s2c\""));
        p = w_u64(w_copy(p, LIT(",\"packet\":")), ev->packet);
        p = w_line_ts(j, w_copy(p, LIT(",\"ts\":")), ev->ts_sec, ev->ts_nsec);
        ls->conn = ev->conn; /* (field by field: a compound literal would clear s first) */
        ls->packet = ev->packet;
        ls->sec = ev->ts_sec;
        ls->nsec = ev->ts_nsec;
        ls->side = (int)ev->side;
        ls->n = (size_t)(p - q);
        memcpy(ls->s, q, ls->n);
    }
    done(j, p);
    jline_t(j, ev->t);
    switch (ev->kind) {
    case WSI_EV_CONN:
        if (ev->file) jstr(j, "file", ev->file); /* several captures read: the one it is in */
        endpoints(j, ev);
        jbool(j, "saw_syn", ev->ci && !ev->har ? ev->ci->saw_syn : 0);
        if (ev->har) j_har(j, ev->har);
        break;
    case WSI_EV_NOTE:
        jstr(j, "what", ev->u.note.what);
        jbytes(j, "text", (const uint8_t *)ev->u.note.text, ev->u.note.text ? ev->u.note.text_len : 0);
        break;
    case WSI_EV_HTTP: j_http(j, &ev->u.http); break;
    case WSI_EV_CHUNK: j_chunk(j, &ev->u.chunk); break;
    case WSI_EV_SSE: j_sse(j, &ev->u.sse); break;
    case WSI_EV_TLS: j_tls(j, &ev->u.tls); break;
    case WSI_EV_STATS: {
        const struct wsi_stats_ev *st = &ev->u.stats;
        jbool(j, "final", st->final);
        if (st->final) {
            ju64(j, "received", st->received);
            ju64(j, "dropped", st->dropped);
            ju64(j, "if_dropped", st->if_dropped);
        } else {
            ju64(j, "new_dropped", st->new_dropped);
            ju64(j, "new_if_dropped", st->new_if_dropped);
            ju64(j, "after_packet", st->after);
            ju64(j, "before_packet", st->before);
        }
        ju64(j, "packets", st->packets);
        ju64(j, "connections", st->connections);
        ju64(j, "websockets", st->websockets);
        ju64(j, "violations", st->violations);
        ju64(j, "gaps", st->gaps);
        break;
    }
    case WSI_EV_HANDSHAKE: j_handshake(j, &ev->u.hs); break;
    case WSI_EV_FRAME: j_frame(j, &ev->u.frame); break;
    case WSI_EV_MESSAGE: j_message(j, &ev->u.msg); break;
    case WSI_EV_VIOLATION:
        jstr(j, "violation", wsi_violation_id(ev->u.viol.v));
        jstr(j, "rfc", wsi_violation_section(ev->u.viol.v));
        jstr(j, "text", wsi_violation_text(ev->u.viol.v));
        jstr(j, "detail", ev->u.viol.detail);
        ju64(j, "offset", ev->u.viol.offset);
        break;
    case WSI_EV_GAP:
        ju64(j, "offset", ev->u.gap.offset);
        ju64(j, "length", ev->u.gap.len);
        break;
    case WSI_EV_TCP:
        jstr(j, "anomaly", wsi_tcp_anomaly_id(ev->u.tcp.kind));
        jstr(j, "detail", ev->u.tcp.detail);
        break;
    case WSI_EV_LOST:
        ju64(j, "offset", ev->u.lost.offset);
        jstr(j, "why", ev->u.lost.why);
        break;
    case WSI_EV_END: jstr(j, "reason", wsi_end_reason_id(ev->u.end.why)); break;
    case WSI_EV_CLOSE:
        if (ev->file) jstr(j, "file", ev->file);
        j_close(j, ev);
        break;
    }
    done(j, w_copy(room(j, 2), LIT("}\n")));
    if (j->len > j->hold) jflush(j); /* stdio would write now: the waiting lines and this one go out */
}
