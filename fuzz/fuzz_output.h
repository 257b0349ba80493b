/* fuzz_output.h - the renderers' output checked by the harnesses that run them (header only):
 * JSON Lines (one valid object per line, no raw C1 control, U+2028 or U+2029 in a string) and
 * text for a terminal without colours (valid UTF-8, no control byte but newlines, no C1 control). */
#ifndef WSI_FUZZ_OUTPUT_H
#define WSI_FUZZ_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"

/* Length of the well-formed UTF-8 character at s (RFC 3629), 0 if there is none. */
static size_t utf8_char(const uint8_t *s, size_t n)
{
    if (!n) return 0;
    uint8_t b = s[0];
    if (b < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (b >= 0xC2 && b <= 0xDF) len = 2, cp = b & 0x1F;
    else if (b >= 0xE0 && b <= 0xEF) len = 3, cp = b & 0x0F;
    else if (b >= 0xF0 && b <= 0xF4) len = 4, cp = b & 0x07;
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* The UTF-8 character of n bytes at s is a C1 control, U+0080..U+009F (C2 80..C2 9F). */
static int c1_control(const uint8_t *s, size_t n)
{
    return n == 2 && s[0] == 0xC2 && s[1] <= 0x9F;
}

/* ... or U+2028 or U+2029 (E2 80 A8, E2 80 A9): line ends to JavaScript. */
static int js_line_end(const uint8_t *s, size_t n)
{
    return n == 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9);
}

/* A minimal JSON reader over one line: returns 1 when [*p, end) starts with a value.
 * Strings must hold no raw C1 control, U+2028 or U+2029 either: the writer escapes them
 * (wsinspect(1)), as JSON itself asks only of the C0 controls. */
struct jr {
    const uint8_t *p, *end;
    int depth;
};

static void j_ws(struct jr *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t')) j->p++;
}

static int j_lit(struct jr *j, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, s, n) != 0) return 0;
    j->p += n;
    return 1;
}

static int j_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int j_string(struct jr *j)
{
    if (j->p >= j->end || *j->p != '"') return 0;
    j->p++;
    while (j->p < j->end) {
        uint8_t c = *j->p;
        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20) return 0;
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end) return 0;
            c = *j->p++;
            if (c == 'u') {
                for (int i = 0; i < 4; i++)
                    if (j->p >= j->end || !j_hex(*j->p++)) return 0;
            } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
                return 0;
            }
            continue;
        }
        size_t n = utf8_char(j->p, (size_t)(j->end - j->p));
        if (!n || c1_control(j->p, n) || js_line_end(j->p, n)) return 0;
        j->p += n;
    }
    return 0;
}

static int j_number(struct jr *j)
{
    const uint8_t *s = j->p;
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
    if (*j->p == '0') j->p++;
    else while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    return j->p > s;
}

static int j_value(struct jr *j);

static int j_container(struct jr *j, char open, char close, int keyed)
{
    if (j->p >= j->end || *j->p != open || ++j->depth > 64) return 0;
    j->p++;
    j_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return 1;
    }
    for (;;) {
        j_ws(j);
        if (keyed) {
            if (!j_string(j)) return 0;
            j_ws(j);
            if (j->p >= j->end || *j->p++ != ':') return 0;
            j_ws(j);
        }
        if (!j_value(j)) return 0;
        j_ws(j);
        if (j->p >= j->end) return 0;
        uint8_t c = *j->p++;
        if (c == close) break;
        if (c != ',') return 0;
    }
    j->depth--;
    return 1;
}

static int j_value(struct jr *j)
{
    if (j->p >= j->end) return 0;
    switch (*j->p) {
    case '{': return j_container(j, '{', '}', 1);
    case '[': return j_container(j, '[', ']', 0);
    case '"': return j_string(j);
    case 't': return j_lit(j, "true");
    case 'f': return j_lit(j, "false");
    case 'n': return j_lit(j, "null");
    default: return j_number(j);
    }
}

/* Every line of the JSON Lines output is exactly one object. */
static void check_jsonl(const char *buf, size_t n)
{
    const uint8_t *p = (const uint8_t *)buf, *end = p + n;
    size_t line = 0;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        FUZZ_CHECK(nl != NULL, "JSON output does not end with a newline");
        line++;
        struct jr j = {p, nl, 0};
        FUZZ_CHECK(*p == '{' && j_value(&j) && j.p == nl,
                   "JSON line %zu is not one valid object (raw C1, U+2028 or U+2029 in a string counts): %.*s", line,
                   (int)(nl - p > 400 ? 400 : nl - p), (const char *)p);
        p = nl + 1;
    }
}

/* Text for a terminal without colours: valid UTF-8, no control byte but newline, no C1
 * control (U+009B is a CSI to some terminals). */
static void check_text(const char *what, const char *buf, size_t n)
{
    const uint8_t *p = (const uint8_t *)buf;
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        FUZZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7F), "%s output has control byte 0x%02x at %zu: ...%.*s", what,
                   c, i, (int)(i > 60 ? 60 : i), (const char *)p + (i > 60 ? i - 60 : 0));
        size_t k = utf8_char(p + i, n - i);
        FUZZ_CHECK(k > 0, "%s output is not valid UTF-8 at byte %zu", what, i);
        FUZZ_CHECK(!c1_control(p + i, k), "%s output has C1 control U+%04X at %zu", what, p[i + 1], i);
        i += k;
    }
}

/* ---- the page (--html) and the diagram (--mermaid) --------------------------- */

/* The first k bytes of needle in the n bytes at hay, or NULL. */
static const char *fo_find(const char *hay, size_t n, const char *needle, size_t k)
{
    for (size_t i = 0; k && i + k <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0) return hay + i;
    return NULL;
}


/* The --html page: its own three script elements, and a data block of JSON lines with no
 * raw '<', '>', '&', U+2028, U+2029. */
static void check_html(const char *buf, size_t n)
{
    static const char open_tag[] = "<script type=\"application/json\" id=\"wsi-events\">\n";
    size_t scripts = 0;
    for (const char *p = buf; (p = fo_find(p, (size_t)(buf + n - p), "<script", 7)); p++) scripts++;
    FUZZ_CHECK(scripts == 3, "the page has %zu script elements, not 3", scripts);
    const char *d = fo_find(buf, n, open_tag, sizeof open_tag - 1);
    FUZZ_CHECK(d != NULL, "the page has no data block");
    d += sizeof open_tag - 1;
    const char *e = fo_find(d, (size_t)(buf + n - d), "</script>", 9);
    FUZZ_CHECK(e != NULL, "the data block does not end");
    for (const char *p = d; p < e; p++) {
        FUZZ_CHECK(*p != '<' && *p != '>' && *p != '&', "a raw '%c' in the data block at %zu", *p, (size_t)(p - buf));
        FUZZ_CHECK(!js_line_end((const uint8_t *)p, (size_t)(e - p) >= 3 ? 3 : 0), "a raw U+2028/9 in the data block");
    }
    check_jsonl(d, (size_t)(e - d));
}

/* A Mermaid text: nothing Mermaid would read, but #NN; entities. */
static void check_mermaid_text(const char *s, const char *end, size_t line)
{
    for (const char *p = s; p < end; p++) {
        if (*p == '#') {
            const char *q = p + 1;
            while (q < end && *q >= '0' && *q <= '9') q++;
            FUZZ_CHECK(q > p + 1 && q < end && *q == ';', "mermaid line %zu: a '#' that is no entity", line);
            p = q;
            continue;
        }
        FUZZ_CHECK(!strchr(";<>&%\"{}:`", *p) || !*p, "mermaid line %zu: a raw '%c'", line, *p);
    }
}

/* --mermaid: one statement per line, as the renderer writes them. */
static void check_mermaid(const char *buf, size_t n)
{
    check_text("mermaid", buf, n);
    const char *p = buf, *end = buf + n;
    size_t line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        FUZZ_CHECK(nl != NULL, "mermaid output does not end with a newline");
        line++;
        size_t len = (size_t)(nl - p);
        const char *colon;
        if (line == 1) {
            FUZZ_CHECK(len == 15 && memcmp(p, "sequenceDiagram", 15) == 0, "mermaid: the first line is not sequenceDiagram");
        } else if (len > 16 && memcmp(p, "    participant ", 16) == 0) {
            const char *as = fo_find(p, len, " as ", 4);
            FUZZ_CHECK(as != NULL, "mermaid line %zu: a participant without its name", line);
            check_mermaid_text(as + 4, nl, line);
        } else if ((len == 7 && memcmp(p, "    end", 7) == 0) || (len > 9 && memcmp(p, "    rect ", 9) == 0)) {
            /* a red rectangle around a note */
        } else if (len > 4 && memcmp(p, "    ", 4) == 0 && (colon = memchr(p, ':', len)) && colon + 2 <= nl && colon[1] == ' ') {
            FUZZ_CHECK(fo_find(p, len, "->>", 3) || memcmp(p, "    Note over ", 14) == 0, "mermaid line %zu: not a statement", line);
            check_mermaid_text(colon + 2, nl, line);
        } else {
            FUZZ_CHECK(0, "mermaid line %zu is not a statement: %.*s", line, (int)(len > 200 ? 200 : len), p);
        }
        p = nl + 1;
    }
}

#endif
