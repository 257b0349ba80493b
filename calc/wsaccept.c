/* wsaccept.c - the wsaccept program: compute, explain and verify Sec-WebSocket-Accept, and answer a handshake. */
#include "accept.h"
#include "http1.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WS_VERSION
#define WS_VERSION "unknown"
#endif

/* Exit statuses (documented in man/wsaccept.1). */
#define EXIT_OKAY 0    /* computed / match / 101 */
#define EXIT_REFUSED 1 /* mismatch, refused request, bad key under --strict, key too long */
#define EXIT_USAGE 2   /* usage or I/O error */

/* What the run does; exactly one mode per run. */
enum mode {
    MODE_KEYS,    /* print one Accept per key */
    MODE_EXPLAIN, /* every step of the computation */
    MODE_VERIFY,  /* compare a key's Accept with a given one */
    MODE_NEWKEY,  /* make a fresh key */
    MODE_REQUEST, /* check a raw upgrade request and print the answer */
};

/* The parsed command line. */
struct opts {
    enum mode mode;      /* what to do */
    int mode_set;        /* a mode option was given (two are a usage error) */
    int json;            /* one JSON object per result on stdout */
    int strict;          /* a key that is not base64 of 16 bytes is an error */
    int as_is;           /* keys exactly as given: no quotes or names removed, an Accept hashed as a key */
    const char *request; /* --request: a file name or "-" for stdin */
};

/* Long-only option values. */
enum { OPT_VERIFY = 256 };

static void usage(FILE *f)
{
    fputs("usage: wsaccept [--json] [--strict] KEY...       print the Sec-WebSocket-Accept of each key\n"
          "       wsaccept [--json] [--strict] [-]          keys from standard input, one per line\n"
          "       wsaccept --explain [--json] KEY...        show every step of the computation\n"
          "       wsaccept --verify [--json] KEY ACCEPT     exit 0 if ACCEPT belongs to KEY, else 1\n"
          "       wsaccept --new-key [--json]               a fresh random Sec-WebSocket-Key\n"
          "       wsaccept --request FILE|- [--json] [--strict]\n"
          "                                                 check an HTTP upgrade request, print the response\n"
          "       wsaccept --help | --version\n"
          "\n"
          "Keys may be pasted with their header name (Sec-WebSocket-Key: ...), in quotes\n"
          "and with a trailing comma (\"...\", from JSON): these are removed, and said.\n"
          "\n"
          "  -e, --explain      explain the computation step by step\n"
          "      --verify       compare KEY's Accept with ACCEPT\n"
          "  -n, --new-key      16 random bytes from OpenSSL, base64\n"
          "  -r, --request=FILE read a raw HTTP request (CRLF or LF line ends); '-' is stdin\n"
          "  -j, --json         JSON output, one object per line\n"
          "  -s, --strict       refuse keys that are not the base64 of 16 bytes\n"
          "  -a, --as-is        take keys exactly as given (only the blanks around them trimmed)\n"
          "  -h, --help         this text\n"
          "  -V, --version      program and OpenSSL versions\n"
          "\n"
          "Exit status: 0 ok or match, 1 mismatch / refused / invalid key, 2 usage or I/O error.\n"
          "See wsaccept(1).\n",
          f);
}

/* A usage error: say what was expected, then the usage, on stderr. */
static int usage_error(const char *msg)
{
    fprintf(stderr, "wsaccept: %s\n", msg);
    usage(stderr);
    return EXIT_USAGE;
}

/* ---- output helpers ---------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t need;
    unsigned min;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) { need = 2; min = 0x80; }
    else if (p[0] >= 0xe0 && p[0] <= 0xef) { need = 3; min = 0x800; }
    else if (p[0] >= 0xf0 && p[0] <= 0xf4) { need = 4; min = 0x10000; }
    else return 0;
    if (n < need) return 0;
    unsigned cp = p[0] & (0x7f >> need);
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return need;
}

/* A JSON string: quotes, backslashes and control bytes escaped; well-formed
 * UTF-8 kept; any other byte written as the code point of the same value. */
static void json_str(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned char ch = p[i];
        if (ch == '"' || ch == '\\') { fputc('\\', f); fputc(ch, f); i++; }
        else if (ch == '\n') { fputs("\\n", f); i++; }
        else if (ch == '\r') { fputs("\\r", f); i++; }
        else if (ch == '\t') { fputs("\\t", f); i++; }
        else if (ch < 0x20 || ch == 0x7f) { fprintf(f, "\\u%04x", ch); i++; }
        else if (ch < 0x80) { fputc(ch, f); i++; }
        else {
            size_t k = utf8_seq(p + i, n - i);
            if (k) { fwrite(p + i, 1, k, f); i += k; }
            else { fprintf(f, "\\u%04x", ch); i++; }
        }
    }
    fputc('"', f);
}

/* A JSON string from a C string, or null. */
static void json_cstr(FILE *f, const char *s)
{
    if (s) json_str(f, s, strlen(s));
    else fputs("null", f);
}

/* Bytes for a terminal: printable ASCII as is, anything else as \xNN; at most
 * `max` input bytes, then "...". */
static void show(FILE *f, const char *s, size_t n, size_t max)
{
    size_t lim = n < max ? n : max;
    for (size_t i = 0; i < lim; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\') fputc(ch, f);
        else if (ch == '\\') fputs("\\\\", f);
        else fprintf(f, "\\x%02x", ch);
    }
    if (lim < n) fprintf(f, "... (%zu bytes in all)", n);
}

/* 1 when every byte prints as itself (no escapes needed on a terminal). */
static int all_printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
    return 1;
}

static void hex(FILE *f, const uint8_t *b, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%02x", i && sep ? sep : "", b[i]);
}

/*
 * The shell words that make printf emit exactly key||GUID. Printable keys use
 * printf '%s' 'TEXT' with single quotes (a ' inside becomes '\''). Keys with
 * other bytes use the printf format itself with \ooo octal escapes, which
 * POSIX printf understands, since a shell word cannot hold every byte.
 */
static void shell_printf(FILE *f, const char *key, size_t n)
{
    if (all_printable(key, n)) {
        fputs("printf '%s' '", f);
        for (size_t i = 0; i < n; i++) {
            if (key[i] == '\'') fputs("'\\''", f);
            else fputc(key[i], f);
        }
        fputs(WS_GUID "'", f);
        return;
    }
    fputs("printf '", f);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)key[i];
        if (ch == '\'') fputs("'\\''", f);
        else if (ch == '%') fputs("%%", f);
        else if (ch == '\\') fputs("\\\\", f);
        else if (ch < 0x20 || ch >= 0x7f) fprintf(f, "\\%03o", ch);
        else fputc(ch, f);
    }
    fputs(WS_GUID "'", f);
}

/* The one-line shell check for a key, into a malloc'd string (for JSON), or NULL. */
static char *shell_line(const char *key, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    shell_printf(m, key, n);
    fputs(" | openssl sha1 -binary | base64", m);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- keys ---------------------------------------------------------------- */

/* Where a key came from, for messages. */
struct origin {
    int from_stdin;   /* 1: a standard input line, 0: an argument */
    size_t index;     /* line number or argument number, from 1 */
    const char *what; /* when not NULL, named by this instead ("the request's Sec-WebSocket-Key") */
};

static void say_origin(FILE *f, const struct origin *o)
{
    if (o->what) fputs(o->what, f);
    else if (o->from_stdin) fprintf(f, "standard input line %zu", o->index);
    else fprintf(f, "argument %zu", o->index);
}

/* ---- what students paste ------------------------------------------------- */

/*
 * Keys are copied from JSON ("key":"dGhl...", with its quotes and a trailing
 * comma), from browsers' header panels and from captures (Sec-WebSocket-Key:
 * dGhl...). None of these characters can be in a key, which is base64 (no
 * quote, comma, colon or dash): what surrounds the key is taken away, and
 * said, before it is hashed. --as-is keeps the text as given.
 */
enum {
    RM_NAME = 1,       /* a header or JSON name before the key: Sec-WebSocket-Key:, "key": */
    RM_DQUOTES = 2,    /* "..." */
    RM_SQUOTES = 4,    /* '...' */
    RM_BACKQUOTES = 8, /* `...`, from Markdown */
    RM_CURLY = 16,     /* U+2018/U+2019 or U+201C/U+201D, from word processors and chats */
    RM_COMMA = 32,     /* a trailing comma, from a JSON member or array element */
};

/* A key as pasted, and the key itself inside it. */
struct pasted {
    const char *given;  /* the text given, blanks around it trimmed */
    size_t given_len;
    const char *key;    /* the key, inside `given` */
    size_t len;
    unsigned removed;   /* RM_* */
    const char *name;   /* the last name removed, as written (without its quotes and colon), or NULL */
    size_t name_len;
    int name_header;    /* that name is a header's (Sec-WebSocket-...), not a JSON member's */
    int name_accept;    /* that name is an Accept's (Sec-WebSocket-Accept, "accept") */
};

/* The names taken away before a key. A header's name may be followed by blanks
 * alone (as copied from a table); the short JSON names need their colon. */
static const struct {
    const char *name;
    int header, accept;
} paste_names[] = {
    {"Sec-WebSocket-Key", 1, 0},
    {"Sec-WebSocket-Accept", 1, 1},
    {"key", 0, 0},
    {"accept", 0, 1},
};

static int blank_byte(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* 1 when the n bytes at p are `name`, ASCII case ignored. */
static int ascii_ieq(const char *p, size_t n, const char *name)
{
    if (strlen(name) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)p[i], b = (unsigned char)name[i];
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (unsigned char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

/* The length of the quote that starts p (n bytes), or 0; *bit gets its RM_ bit. */
static size_t quote_at(const char *p, size_t n, unsigned *bit)
{
    if (n == 0) return 0;
    if (p[0] == '"') { *bit = RM_DQUOTES; return 1; }
    if (p[0] == '\'') { *bit = RM_SQUOTES; return 1; }
    if (p[0] == '`') { *bit = RM_BACKQUOTES; return 1; }
    const unsigned char *u = (const unsigned char *)p;
    if (n >= 3 && u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0x98 || u[2] == 0x99 || u[2] == 0x9c || u[2] == 0x9d)) {
        *bit = RM_CURLY;
        return 3;
    }
    return 0;
}

/* The length of the quote that ends p[0..n), or 0. */
static size_t quote_before(const char *p, size_t n, unsigned *bit)
{
    if (n >= 1 && quote_at(p + n - 1, 1, bit) == 1) return 1;
    if (n >= 3 && quote_at(p + n - 3, 3, bit) == 3) return 3;
    return 0;
}

/* A name at the start of p (n bytes): [quote] NAME [the same quote] blanks ':' blanks.
 * Returns the bytes it takes (recorded in *pk), or 0 when there is none. */
static size_t name_at(const char *p, size_t n, struct pasted *pk)
{
    size_t start = 0;
    char q = 0;
    if (n > 0 && (p[0] == '"' || p[0] == '\'')) {
        q = p[0];
        start = 1;
    }
    for (size_t k = 0; k < sizeof paste_names / sizeof paste_names[0]; k++) {
        size_t nl = strlen(paste_names[k].name);
        if (n - start < nl || !ascii_ieq(p + start, nl, paste_names[k].name)) continue;
        size_t j = start + nl;
        if (q) {
            if (j >= n || p[j] != q) continue;
            j++;
        }
        size_t after = j;
        while (j < n && blank_byte(p[j]))
            j++;
        if (j < n && p[j] == ':') {
            j++;
            while (j < n && blank_byte(p[j]))
                j++;
        } else if (!paste_names[k].header || j == after || q) {
            continue; /* a colon is needed, or at least a blank after a bare header name */
        }
        pk->name = p + start;
        pk->name_len = nl;
        pk->name_header = paste_names[k].header;
        pk->name_accept = paste_names[k].accept;
        return j;
    }
    return 0;
}

/* Find the key inside what was pasted: blanks, then trailing commas, names and
 * quotes, as long as any is left around it. With --as-is, only the blanks. */
static void paste_clean(const struct opts *o, const char *text, size_t n, struct pasted *pk)
{
    memset(pk, 0, sizeof *pk);
    const char *s = ws_key_trim(text, &n);
    pk->given = s;
    pk->given_len = n;
    while (!o->as_is) {
        const char *s0 = s;
        size_t n0 = n;
        unsigned bit = 0;
        if (n > 0 && s[n - 1] == ',') {
            n--;
            pk->removed |= RM_COMMA;
            s = ws_key_trim(s, &n);
        }
        size_t skip = name_at(s, n, pk);
        if (skip) {
            s += skip;
            n -= skip;
            pk->removed |= RM_NAME;
        }
        size_t q = quote_at(s, n, &bit);
        if (q) {
            s += q;
            n -= q;
            pk->removed |= bit;
        }
        q = quote_before(s, n, &bit);
        if (q) {
            n -= q;
            pk->removed |= bit;
        }
        s = ws_key_trim(s, &n);
        if (s == s0 && n == n0) break;
    }
    pk->key = s;
    pk->len = n;
}

/* 1 when the key is an Accept's shape: 28 characters, the base64 of 20 bytes. */
static int accept_shaped(const char *key, size_t n)
{
    long decoded = -1;
    return n == WS_ACCEPT_LEN && ws_key_check(key, n, &decoded) == WS_KEY_WRONG_LENGTH && decoded == 20;
}

/* 1 when what was pasted is an Accept: named so, or shaped so and not named a key. */
static int pasted_accept(const struct pasted *pk)
{
    if (pk->removed & RM_NAME) return pk->name_accept;
    return accept_shaped(pk->key, pk->len);
}

/* 1 when what was pasted is a key: named so, or the base64 of 16 bytes and not named an Accept. */
static int pasted_key(const struct pasted *pk)
{
    if (pk->removed & RM_NAME) return !pk->name_accept;
    return ws_key_check(pk->key, pk->len, NULL) == WS_KEY_OK;
}

static const struct {
    unsigned bit;
    const char *words; /* for messages */
    const char *token; /* for JSON */
} rm_kinds[] = {
    {RM_NAME, NULL, "name"},
    {RM_DQUOTES, "the double quotes", "double_quotes"},
    {RM_SQUOTES, "the single quotes", "single_quotes"},
    {RM_BACKQUOTES, "the backquotes", "backquotes"},
    {RM_CURLY, "the curly quotes", "curly_quotes"},
    {RM_COMMA, "a trailing comma", "trailing_comma"},
};
#define RM_KINDS (sizeof rm_kinds / sizeof rm_kinds[0])

/* "wsaccept: note: argument 1: removed the header name Sec-WebSocket-Key and the
 * double quotes; using KEY" on stderr, when anything was removed. */
static void removed_words(FILE *f, const struct pasted *pk)
{
    size_t total = 0, done = 0;
    for (size_t i = 0; i < RM_KINDS; i++)
        if (pk->removed & rm_kinds[i].bit) total++;
    for (size_t i = 0; i < RM_KINDS; i++) {
        if (!(pk->removed & rm_kinds[i].bit)) continue;
        if (done) fputs(done + 1 == total ? " and " : ", ", f);
        if (rm_kinds[i].bit == RM_NAME) {
            fputs(pk->name_header ? "the header name " : "the JSON name \"", f);
            show(f, pk->name, pk->name_len, 64);
            if (!pk->name_header) fputc('"', f);
        } else {
            fputs(rm_kinds[i].words, f);
        }
        done++;
    }
}

static void note_removed(const struct origin *from, const struct pasted *pk)
{
    if (!pk->removed) return;
    fputs("wsaccept: note: ", stderr);
    say_origin(stderr, from);
    fputs(": removed ", stderr);
    removed_words(stderr, pk);
    fputs("; using ", stderr);
    show(stderr, pk->key, pk->len, 64);
    fputc('\n', stderr);
}

/* ,"removed":[...],"as_pasted":"..." for a JSON object, when anything was removed. */
static void json_removed(const struct pasted *pk)
{
    if (!pk->removed) return;
    fputs(",\"removed\":[", stdout);
    int any = 0;
    for (size_t i = 0; i < RM_KINDS; i++) {
        if (!(pk->removed & rm_kinds[i].bit)) continue;
        printf("%s\"%s\"", any ? "," : "", rm_kinds[i].token);
        any = 1;
    }
    fputs("],\"as_pasted\":", stdout);
    json_str(stdout, pk->given, pk->given_len);
}

/* What an Accept given as a key is, and what to do instead. */
#define ACCEPT_NOT_KEY "a Sec-WebSocket-Accept (28 characters, the base64 of 20 bytes: a SHA-1 digest), " \
                       "not a Sec-WebSocket-Key (24 characters, the base64 of 16 bytes)"

/* The first part of a JSON object for a key: {"key":...,"key_length":N */
static void json_key_open(const char *key, size_t n)
{
    fputs("{\"key\":", stdout);
    json_str(stdout, key, n);
    printf(",\"key_length\":%zu", n);
}

/* The explanation of one computation, for a learner. */
static void explain_text(const struct pasted *pk, enum ws_key_status st, long decoded,
                         const uint8_t sha1[20], const char *accept)
{
    const char *key = pk->key;
    size_t n = pk->len;
    int plain = all_printable(key, n);
    printf("Computing Sec-WebSocket-Accept (RFC 6455 section 1.3 and 4.2.2)\n\n");
    printf("1. The key, as the client sent it in Sec-WebSocket-Key (%zu bytes):\n     ", n);
    show(stdout, key, n, 4096);
    printf("\n");
    if (!plain) printf("   (bytes that do not print are shown as \\xNN)\n");
    if (pk->removed) {
        printf("   You gave ");
        show(stdout, pk->given, pk->given_len, 4096);
        printf(":\n   ");
        removed_words(stdout, pk);
        printf(" are not part of the key and were removed.\n");
    }
    if (st == WS_KEY_OK || st == WS_KEY_WRONG_LENGTH) {
        unsigned char raw[WS_KEY_MAX];
        int got = EVP_DecodeBlock(raw, (const unsigned char *)key, (int)n);
        size_t shown = decoded > 32 ? 32 : (size_t)decoded;
        printf("   It is base64 for %ld bytes:", decoded);
        if (got >= 0 && shown) {
            printf(" ");
            hex(stdout, raw, shown, " ");
            if (shown < (size_t)decoded) printf(" ...");
        }
        printf("\n");
    }
    if (st != WS_KEY_OK)
        printf("   Warning: %s; a client must send the base64 of 16 random bytes.\n", ws_key_status_str(st));
    if (accept_shaped(key, n))
        printf("   It has the shape of a Sec-WebSocket-Accept: 28 characters, the base64 of 20 bytes.\n");
    printf("   The server never decodes the key: it hashes these characters as they are.\n");
    printf("2. The GUID that RFC 6455 fixes for every WebSocket server (%d bytes):\n     %s\n", WS_GUID_LEN, WS_GUID);
    printf("3. The key followed at once by the GUID (%zu bytes, no space, no newline):\n     ", n + WS_GUID_LEN);
    show(stdout, key, n, 4096);
    printf("%s\n", WS_GUID);
    printf("4. The SHA-1 digest of those %zu bytes (20 bytes, in hex):\n     ", n + WS_GUID_LEN);
    hex(stdout, sha1, 20, NULL);
    printf("\n");
    printf("5. The base64 of the 20 digest bytes (of the bytes, not of the hex text) is the answer:\n"
           "     Sec-WebSocket-Accept: %s\n\n", accept);
    printf("Check step 4 (the hex digest) by hand in a shell:\n  ");
    shell_printf(stdout, key, n);
    printf(" | openssl sha1\n");
    printf("Check steps 3 to 5 in one line (prints the Accept):\n  ");
    shell_printf(stdout, key, n);
    printf(" | openssl sha1 -binary | base64\n");
}

/* The same explanation as one JSON object. */
static void explain_json(const struct pasted *pk, enum ws_key_status st, long decoded,
                         const uint8_t sha1[20], const char *accept)
{
    const char *key = pk->key;
    size_t n = pk->len;
    json_key_open(key, n);
    json_removed(pk);
    printf(",\"valid\":%s,\"warning\":", st == WS_KEY_OK ? "true" : "false");
    json_cstr(stdout, st == WS_KEY_OK ? NULL : ws_key_status_str(st));
    if (decoded >= 0) printf(",\"decoded_length\":%ld", decoded);
    else printf(",\"decoded_length\":null");
    printf(",\"guid\":\"%s\",\"concatenated\":", WS_GUID);
    /* key||GUID as one JSON string */
    char *cat = malloc(n + WS_GUID_LEN);
    if (cat) {
        memcpy(cat, key, n);
        memcpy(cat + n, WS_GUID, WS_GUID_LEN);
        json_str(stdout, cat, n + WS_GUID_LEN);
        free(cat);
    } else {
        fputs("null", stdout);
    }
    printf(",\"sha1_hex\":\"");
    hex(stdout, sha1, 20, NULL);
    printf("\",\"accept\":\"%s\",\"shell\":", accept);
    char *sh = shell_line(key, n);
    json_cstr(stdout, sh);
    free(sh);
    printf("}\n");
}

/*
 * A key over WS_KEY_MAX: refused, not computed. `held` bytes of it are at key
 * (all of it for an argument; the start of a standard input line, whose rest
 * was counted and skipped), `len` is its whole trimmed length.
 */
static int refuse_too_long(const struct opts *o, const char *key, size_t held, uint64_t len,
                           const struct origin *from)
{
    fputs("wsaccept: ", stderr);
    say_origin(stderr, from);
    fprintf(stderr, ": the key is %llu bytes, over the %d-byte limit (WS_KEY_MAX); not computed\n",
            (unsigned long long)len, WS_KEY_MAX);
    if (o->json) {
        fputs("{\"key\":", stdout);
        json_str(stdout, key, held);
        printf(",\"key_length\":%llu", (unsigned long long)len);
        if (held < len) printf(",\"key_truncated\":true");
        printf(",\"valid\":false,\"error\":");
        json_cstr(stdout, ws_key_status_str(WS_KEY_TOO_LONG));
        printf("}\n");
    }
    return EXIT_REFUSED;
}

/*
 * One key from an argument or a standard input line: trim it, classify it,
 * compute its Accept and print it in the current mode (keys or explain).
 * The caller has already dropped keys that are empty after trimming.
 */
static int do_key(const struct opts *o, const char *raw, size_t rawlen, const struct origin *from, int first)
{
    struct pasted pk;
    paste_clean(o, raw, rawlen, &pk);
    const char *key = pk.key;
    size_t n = pk.len;
    long decoded = -1;
    enum ws_key_status st = ws_key_check(key, n, &decoded);

    if (st == WS_KEY_TOO_LONG) return refuse_too_long(o, key, n, n, from);
    note_removed(from, &pk);
    if (accept_shaped(key, n) && !o->as_is) {
        fputs("wsaccept: ", stderr);
        say_origin(stderr, from);
        fputs(": ", stderr);
        show(stderr, key, n, 64);
        fputs(" is " ACCEPT_NOT_KEY "; not computed\n", stderr);
        fputs("wsaccept: give the client's Sec-WebSocket-Key (in its request) instead, or check this Accept "
              "against it with: wsaccept --verify KEY ", stderr);
        show(stderr, key, n, 64);
        fputs("\n", stderr);
        if (o->json) {
            json_key_open(key, n);
            json_removed(&pk);
            printf(",\"valid\":false,\"is_accept\":true,\"error\":");
            json_cstr(stdout, "the key is " ACCEPT_NOT_KEY);
            printf("}\n");
        }
        return EXIT_REFUSED;
    }
    if (st != WS_KEY_OK && o->strict) {
        fputs("wsaccept: ", stderr);
        say_origin(stderr, from);
        fprintf(stderr, ": %s; refused (--strict)\n", ws_key_status_str(st));
        if (o->json) {
            json_key_open(key, n);
            json_removed(&pk);
            printf(",\"valid\":false,\"error\":");
            json_cstr(stdout, ws_key_status_str(st));
            printf("}\n");
        }
        return EXIT_REFUSED;
    }
    if (st != WS_KEY_OK) {
        fputs("wsaccept: warning: ", stderr);
        say_origin(stderr, from);
        fprintf(stderr, ": %s (key: \"", ws_key_status_str(st));
        show(stderr, key, n, 64);
        fprintf(stderr, "\"%s); computed anyway, as servers do (--strict refuses it)\n",
                accept_shaped(key, n) ? ", the shape of a Sec-WebSocket-Accept" : "");
    }

    char accept[WS_ACCEPT_BUFSZ];
    uint8_t sha1[20];
    if (ws_accept_compute(key, n, accept, sha1) != 0) {
        fprintf(stderr, "wsaccept: libcrypto failed to compute the digest\n");
        return EXIT_USAGE;
    }
    if (o->mode == MODE_EXPLAIN) {
        if (o->json) {
            explain_json(&pk, st, decoded, sha1, accept);
        } else {
            if (!first) printf("\n");
            explain_text(&pk, st, decoded, sha1, accept);
        }
    } else if (o->json) {
        json_key_open(key, n);
        json_removed(&pk);
        printf(",\"accept\":\"%s\",\"valid\":%s,\"decoded_length\":", accept, st == WS_KEY_OK ? "true" : "false");
        if (decoded >= 0) printf("%ld", decoded);
        else printf("null");
        printf(",\"warning\":");
        json_cstr(stdout, st == WS_KEY_OK ? NULL : ws_key_status_str(st));
        printf("}\n");
    } else {
        printf("%s\n", accept);
    }
    return EXIT_OKAY;
}

/*
 * One standard input line, read with bounded memory whatever its length: the
 * bytes ws_key_trim drops from its front are not kept, then at most WS_KEY_MAX
 * bytes are; the rest of a longer line is only counted. Since a key of more
 * than WS_KEY_MAX bytes is refused anyway, nothing else is needed.
 */
struct key_line {
    char buf[WS_KEY_MAX]; /* the line from its first non-blank byte, at most WS_KEY_MAX bytes */
    size_t held;          /* bytes in buf */
    uint64_t len;         /* the line's trimmed length (over WS_KEY_MAX: buf holds its start only) */
};

/* The next line of f (its '\n' dropped) into *kl: 1, or 0 at the end of the input. */
static int read_key_line(FILE *f, struct key_line *kl)
{
    uint64_t total = 0, trailing = 0; /* bytes from the first non-blank one; blank ones at the end */
    int ch, any = 0;
    kl->held = 0;
    while ((ch = getc_unlocked(f)) != EOF) {
        any = 1;
        if (ch == '\n') break;
        int blank = ch == ' ' || ch == '\t' || ch == '\r'; /* what ws_key_trim drops */
        if (blank && total == 0) continue;
        total++;
        trailing = blank ? trailing + 1 : 0;
        if (kl->held < sizeof kl->buf) kl->buf[kl->held++] = (char)ch;
    }
    /* Every byte past buf that is not blank makes the line longer than
     * WS_KEY_MAX; when there is none, the trimmed key lies within buf. */
    kl->len = total - trailing;
    return any;
}

/* 1 when a line holds no key: nothing left once cleaned, or only the
 * brackets and commas around the elements of a JSON array or object. */
static int no_key_in_line(const struct opts *o, const char *line, size_t n)
{
    struct pasted pk;
    paste_clean(o, line, n, &pk);
    if (pk.len == 0) return 1;
    if (o->as_is) return 0;
    for (size_t i = 0; i < pk.len; i++)
        if (pk.key[i] == '\0' || (!strchr("[]{},", pk.key[i]) && !blank_byte(pk.key[i]))) return 0;
    return 1;
}

/* Keys from standard input, one per line; blank lines skipped. *count gets
 * the number of keys seen. Returns the worst exit status. */
static int keys_from_stdin(const struct opts *o, size_t *count, int *first)
{
    struct key_line *kl = malloc(sizeof *kl);
    if (!kl) {
        fprintf(stderr, "wsaccept: out of memory\n");
        return EXIT_USAGE;
    }
    size_t lineno = 0;
    int rc = EXIT_OKAY;
    while (read_key_line(stdin, kl)) {
        lineno++;
        if (kl->len == 0 || (kl->len <= WS_KEY_MAX && no_key_in_line(o, kl->buf, (size_t)kl->len))) continue;
        struct origin from = {1, lineno, NULL};
        int r = kl->len > WS_KEY_MAX ? refuse_too_long(o, kl->buf, kl->held, kl->len, &from)
                                     : do_key(o, kl->buf, (size_t)kl->len, &from, *first);
        *first = 0;
        (*count)++;
        if (r > rc) rc = r;
    }
    if (ferror(stdin)) {
        fprintf(stderr, "wsaccept: reading standard input: %s\n", strerror(errno));
        rc = EXIT_USAGE;
    }
    free(kl);
    return rc;
}

/* The default and --explain modes: keys from arguments, "-" or stdin. */
static int run_keys(const struct opts *o, int argc, char **argv)
{
    if (argc == 0) {
        if (isatty(STDIN_FILENO))
            return usage_error("expected a Sec-WebSocket-Key (24 base64 characters), or '-' to read keys from "
                               "standard input");
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) continue;
        struct pasted pk;
        paste_clean(o, argv[i], strlen(argv[i]), &pk);
        if (pk.len == 0)
            return usage_error("an empty key: expected a Sec-WebSocket-Key (24 base64 characters, e.g. "
                               "dGhlIHNhbXBsZSBub25jZQ==)");
    }
    int rc = EXIT_OKAY, first = 1;
    if (argc == 0) {
        size_t count = 0;
        rc = keys_from_stdin(o, &count, &first);
        if (count == 0 && rc == EXIT_OKAY)
            return usage_error("no keys on standard input (expected one Sec-WebSocket-Key per line)");
        return rc;
    }
    for (int i = 0; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "-") == 0) {
            size_t count = 0;
            r = keys_from_stdin(o, &count, &first);
            if (count == 0 && r == EXIT_OKAY) {
                fprintf(stderr, "wsaccept: no keys on standard input (expected one Sec-WebSocket-Key per line)\n");
                r = EXIT_USAGE;
            }
        } else {
            struct origin from = {0, (size_t)i + 1, NULL};
            r = do_key(o, argv[i], strlen(argv[i]), &from, first);
            first = 0;
        }
        if (r > rc) rc = r;
    }
    return rc;
}

/* --verify KEY ACCEPT */
static int run_verify(const struct opts *o, int argc, char **argv)
{
    if (argc != 2) return usage_error("--verify expects two arguments: KEY ACCEPT");
    struct pasted pk, pa;
    paste_clean(o, argv[0], strlen(argv[0]), &pk);
    paste_clean(o, argv[1], strlen(argv[1]), &pa);
    if (pk.len == 0) return usage_error("--verify: an empty key; expected KEY ACCEPT");
    if (pa.len == 0) return usage_error("--verify: an empty Accept; expected KEY ACCEPT");
    struct origin arg1 = {0, 1, NULL}, arg2 = {0, 2, NULL};
    note_removed(&arg1, &pk);
    note_removed(&arg2, &pa);

    /* An Accept first: the arguments were swapped (a key second), or the key is missing. */
    int swapped = 0;
    if (!o->as_is && pasted_accept(&pk)) {
        if (!pasted_key(&pa)) {
            fputs("wsaccept: argument 1, ", stderr);
            show(stderr, pk.key, pk.len, 64);
            fputs(", is " ACCEPT_NOT_KEY ", and argument 2 is not a key either: "
                  "--verify takes the client's Sec-WebSocket-Key first, then the Accept to check\n", stderr);
            if (o->json) {
                json_key_open(pk.key, pk.len);
                printf(",\"given\":");
                json_str(stdout, pa.key, pa.len);
                printf(",\"expected\":null,\"match\":false,\"swapped\":false,\"error\":");
                json_cstr(stdout, "the key is " ACCEPT_NOT_KEY);
                printf("}\n");
            }
            return EXIT_REFUSED;
        }
        struct pasted t = pk;
        pk = pa;
        pa = t;
        swapped = 1;
        fputs("wsaccept: note: the arguments look swapped: the first is an Accept, the second a key; "
              "--verify takes KEY then ACCEPT, so this checks: wsaccept --verify ", stderr);
        show(stderr, pk.key, pk.len, 64);
        fputc(' ', stderr);
        show(stderr, pa.key, pa.len, 64);
        fputc('\n', stderr);
    }
    const char *key = pk.key, *given = pa.key;
    size_t kn = pk.len, an = pa.len;

    long decoded = -1;
    enum ws_key_status st = ws_key_check(key, kn, &decoded);
    if (st == WS_KEY_TOO_LONG) {
        fprintf(stderr, "wsaccept: the key is %zu bytes, over the %d-byte limit (WS_KEY_MAX); not computed\n", kn,
                WS_KEY_MAX);
        return EXIT_REFUSED;
    }
    if (st != WS_KEY_OK) {
        if (o->strict) {
            fprintf(stderr, "wsaccept: %s; refused (--strict)\n", ws_key_status_str(st));
            return EXIT_REFUSED;
        }
        fprintf(stderr, "wsaccept: warning: %s; computed anyway (--strict refuses it)\n", ws_key_status_str(st));
    }
    char expected[WS_ACCEPT_BUFSZ];
    if (ws_accept_compute(key, kn, expected, NULL) != 0) {
        fprintf(stderr, "wsaccept: libcrypto failed to compute the digest\n");
        return EXIT_USAGE;
    }
    int match = ws_accept_matches(key, kn, given, an);
    if (!match && !o->as_is) {
        long gd = -1;
        if (ws_key_check(given, an, &gd) == WS_KEY_OK) {
            fputs("wsaccept: note: the Accept given, ", stderr);
            show(stderr, given, an, 64);
            fputs(", is 24 characters, the base64 of 16 bytes: a Sec-WebSocket-Key, not an Accept "
                  "(28 characters, 20 bytes)\n", stderr);
        }
    }
    if (o->json) {
        json_key_open(key, kn);
        printf(",\"given\":");
        json_str(stdout, given, an);
        printf(",\"expected\":\"%s\",\"match\":%s,\"swapped\":%s}\n", expected, match ? "true" : "false",
               swapped ? "true" : "false");
    } else if (match) {
        printf("match\n");
    } else {
        printf("mismatch\n  expected: %s\n  given:    ", expected);
        show(stdout, given, an, 256);
        printf("\n");
    }
    return match ? EXIT_OKAY : EXIT_REFUSED;
}

/* --new-key */
static int run_new_key(const struct opts *o, int argc)
{
    if (argc != 0) return usage_error("--new-key takes no arguments");
    char key[WS_KEY_BUFSZ];
    uint8_t raw[16];
    if (ws_key_generate(key, raw) != 0) {
        fprintf(stderr, "wsaccept: OpenSSL's random generator failed\n");
        return EXIT_USAGE;
    }
    if (o->json) {
        printf("{\"key\":\"%s\",\"bytes_hex\":\"", key);
        hex(stdout, raw, 16, NULL);
        printf("\"}\n");
    } else {
        printf("%s\n", key);
    }
    return EXIT_OKAY;
}

/* Read at most `cap` bytes of a file (or stdin for "-") into a malloc'd buffer. */
static int read_input(const char *name, size_t cap, char **out, size_t *outlen)
{
    FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    if (!f) return -1;
    char *buf = malloc(cap + 4); /* room for a missing final line end */
    if (!buf) {
        if (f != stdin) fclose(f);
        errno = ENOMEM;
        return -1;
    }
    size_t n = 0;
    while (n < cap) {
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0) break;
        n += got;
    }
    int err = ferror(f) ? errno : 0;
    if (f != stdin) fclose(f);
    if (err) {
        free(buf);
        errno = err;
        return -1;
    }
    *out = buf;
    *outlen = n;
    return 0;
}

static const char *req_rule_name(enum ws_req_rule r)
{
    switch (r) {
    case WS_REQ_OK: return "ok";
    case WS_REQ_NOT_GET: return "not_get";
    case WS_REQ_NOT_HTTP11: return "not_http11";
    case WS_REQ_NO_HOST: return "no_host";
    case WS_REQ_NO_UPGRADE: return "no_upgrade";
    case WS_REQ_NO_CONNECTION: return "no_connection";
    case WS_REQ_NO_KEY: return "no_key";
    case WS_REQ_BAD_KEY: return "bad_key";
    case WS_REQ_BAD_VERSION: return "bad_version";
    }
    return "unknown";
}

/* The values of every header called `name`, joined with ", " into a malloc'd
 * string (the list form of repeated headers), or NULL when there is none. */
static char *joined_values(const struct http1_head *h, const char *name)
{
    char *buf = NULL;
    size_t len = 0;
    int any = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    for (size_t i = 0; i < h->nheaders; i++) {
        if (!http1_str_ieq(h->headers[i].name, name)) continue;
        if (any) fputs(", ", m);
        fwrite(h->headers[i].value.p, 1, h->headers[i].value.len, m);
        any = 1;
    }
    if (fclose(m) != 0 || !any) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The bytes a server would send back, into a malloc'd string. */
static char *response_bytes(int status, const char *accept)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    if (status == 101)
        fprintf(m, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
    else if (status == 426)
        /* 426 must name the protocol to upgrade to (RFC 9110 §15.5.22); RFC 6455 §4.2.2 adds the version. */
        fputs("HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n", m);
    else
        fputs("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", m);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Parse the request; when the input ends without the closing empty line,
 * try once more with it added (files pasted by hand often lack it). */
static long parse_request_lenient(char *buf, size_t *len, struct http1_head *h, int *added)
{
    *added = 0;
    long r = http1_parse_request(buf, *len, h);
    if (r != HTTP1_PARTIAL || *len == 0) return r;
    const char *lf = memchr(buf, '\n', *len);
    const char *eol = lf && lf > buf && lf[-1] == '\r' ? "\r\n" : "\n"; /* the file's own style */
    size_t el = strlen(eol);
    size_t n = *len;
    if (n >= el && memcmp(buf + n - el, eol, el) == 0) {
        memcpy(buf + n, eol, el);
        n += el;
    } else {
        memcpy(buf + n, eol, el);
        memcpy(buf + n + el, eol, el);
        n += 2 * el;
    }
    struct http1_head retry;
    long r2 = http1_parse_request(buf, n, &retry);
    if (r2 < 0) return r;
    *h = retry;
    *len = n;
    *added = 1;
    return r2;
}

/* --request FILE|- */
static int run_request(const struct opts *o, int argc)
{
    if (argc != 0) return usage_error("--request takes one FILE (or '-') and no other arguments");
    const char *name = o->request;
    const char *shown = strcmp(name, "-") == 0 ? "standard input" : name;
    char *buf = NULL;
    size_t len = 0;
    if (read_input(name, HTTP1_MAX_HEAD + 1, &buf, &len) != 0) {
        fprintf(stderr, "wsaccept: cannot read %s: %s\n", shown, strerror(errno));
        return EXIT_USAGE;
    }

    struct http1_head *h = malloc(sizeof *h);
    if (!h) {
        free(buf);
        fprintf(stderr, "wsaccept: out of memory\n");
        return EXIT_USAGE;
    }
    int added = 0;
    long r = len < HTTP1_MAX_HEAD ? parse_request_lenient(buf, &len, h, &added) : http1_parse_request(buf, len, h);
    if (r < 0) {
        const char *why = r == HTTP1_PARTIAL ? (len == 0 ? "it is empty" : "it ends before the head is complete")
                                             : h->error;
        fprintf(stderr, "wsaccept: %s: not an HTTP request: %s\n", shown, why);
        if (o->json) {
            printf("{\"file\":");
            json_cstr(stdout, name);
            printf(",\"ok\":false,\"status\":null,\"error\":");
            json_cstr(stdout, why);
            printf("}\n");
        }
        free(h);
        free(buf);
        return EXIT_REFUSED;
    }
    if (added)
        fprintf(stderr, "wsaccept: note: %s does not end with the empty line that closes an HTTP head; "
                        "read as if it did\n", shown);

    /* A key pasted into the request (in quotes, after its header name again) is
     * cleaned as an argument is; the checks and the Accept are of the key inside. */
    struct http1_str key_sent = {NULL, 0};
    struct pasted pk;
    memset(&pk, 0, sizeof pk);
    int key_is_accept = 0;
    if (http1_count(h, "Sec-WebSocket-Key") == 1) {
        for (size_t i = 0; i < h->nheaders; i++) {
            if (!http1_str_ieq(h->headers[i].name, "Sec-WebSocket-Key")) continue;
            key_sent = h->headers[i].value;
            paste_clean(o, key_sent.p, key_sent.len, &pk);
            if (pk.removed) {
                struct origin from = {0, 0, "the request's Sec-WebSocket-Key"};
                note_removed(&from, &pk);
                fputs("wsaccept: note: a real server would hash the value as sent, and its client would reject "
                      "that Accept; this answer is for the key inside (--as-is takes the value as sent)\n",
                      stderr);
                h->headers[i].value.p = pk.key;
                h->headers[i].value.len = pk.len;
            }
            key_is_accept = !o->as_is && accept_shaped(pk.key, pk.len);
            break;
        }
    }

    struct ws_req_check chk;
    ws_check_request(h, o->strict, &chk);
    if (key_is_accept && (chk.rule == WS_REQ_OK || chk.rule == WS_REQ_BAD_KEY || chk.rule == WS_REQ_BAD_VERSION)) {
        /* the key's rule comes before the version's (RFC 6455 §4.2.1 items 5 and 6) */
        chk.rule = WS_REQ_BAD_KEY;
        chk.http_status = 400;
        chk.section = "RFC 6455 §4.2.1 item 5";
        chk.why = "the Sec-WebSocket-Key is " ACCEPT_NOT_KEY;
    }
    const struct http1_header *key = http1_find(h, "Sec-WebSocket-Key");
    char accept[WS_ACCEPT_BUFSZ] = "";
    if (chk.rule == WS_REQ_OK && ws_accept_compute(key->value.p, key->value.len, accept, NULL) != 0) {
        /* a key over WS_KEY_MAX cannot be in a 64 KiB head... but never trust that */
        chk.rule = WS_REQ_BAD_KEY;
        chk.http_status = 400;
        chk.section = "RFC 6455 §4.2.1 item 5";
        chk.why = "the Sec-WebSocket-Key cannot be hashed";
    }
    char *protos = joined_values(h, "Sec-WebSocket-Protocol");
    char *exts = joined_values(h, "Sec-WebSocket-Extensions");
    char *resp = response_bytes(chk.http_status, accept);
    int rc = chk.rule == WS_REQ_OK ? EXIT_OKAY : EXIT_REFUSED;

    if (chk.key_warning && chk.rule != WS_REQ_BAD_KEY) {
        fprintf(stderr, "wsaccept: warning: the Sec-WebSocket-Key is not the base64 of 16 bytes "
                        "(RFC 6455 §4.2.1 item 5); a lenient server hashes it anyway (--strict refuses it)\n");
    }
    if (chk.rule == WS_REQ_OK) {
        if (protos)
            fprintf(stderr, "wsaccept: note: the client offers subprotocols (%s); this response selects none. "
                            "A real server picks one it supports and echoes it in Sec-WebSocket-Protocol "
                            "(RFC 6455 §4.2.2)\n", protos);
        if (exts)
            fprintf(stderr, "wsaccept: note: the client offers extensions (%s); this response accepts none "
                            "(RFC 6455 §9.1)\n", exts);
    } else {
        fprintf(stderr, "wsaccept: refused with %d: %s: %s\n", chk.http_status, chk.section, chk.why);
        if (key_is_accept && chk.rule == WS_REQ_BAD_KEY)
            fputs("wsaccept: put the client's Sec-WebSocket-Key in the request (wsaccept --new-key makes one); "
                  "--as-is answers as a lenient server would\n", stderr);
    }

    if (!resp) {
        fprintf(stderr, "wsaccept: out of memory\n");
        rc = EXIT_USAGE;
    } else if (o->json) {
        printf("{\"file\":");
        json_cstr(stdout, name);
        printf(",\"ok\":%s,\"status\":%d,\"rule\":\"%s\",\"section\":", chk.rule == WS_REQ_OK ? "true" : "false",
               chk.http_status, req_rule_name(chk.rule));
        json_cstr(stdout, chk.section);
        printf(",\"why\":");
        json_cstr(stdout, chk.why);
        printf(",\"key\":");
        if (key_sent.p) json_str(stdout, key_sent.p, key_sent.len);
        else if (key) json_str(stdout, key->value.p, key->value.len);
        else printf("null");
        if (pk.removed) {
            printf(",\"key_removed\":[");
            int any = 0;
            for (size_t i = 0; i < RM_KINDS; i++) {
                if (!(pk.removed & rm_kinds[i].bit)) continue;
                printf("%s\"%s\"", any ? "," : "", rm_kinds[i].token);
                any = 1;
            }
            printf("],\"key_hashed\":");
            json_str(stdout, pk.key, pk.len);
        }
        printf(",\"accept\":");
        json_cstr(stdout, chk.rule == WS_REQ_OK ? accept : NULL);
        printf(",\"key_warning\":%s,\"subprotocols\":", chk.key_warning ? "true" : "false");
        json_cstr(stdout, protos);
        printf(",\"extensions\":");
        json_cstr(stdout, exts);
        printf(",\"response\":");
        json_cstr(stdout, resp);
        printf("}\n");
    } else {
        fputs(resp, stdout);
    }
    free(resp);
    free(protos);
    free(exts);
    free(h);
    free(buf);
    return rc;
}

static void print_version(void)
{
    printf("wsaccept %s\n", WS_VERSION);
    printf("libcrypto: %s\n", OpenSSL_version(OPENSSL_VERSION));
}

/* Record a mode option; a second one is a usage error. */
static int set_mode(struct opts *o, enum mode m)
{
    if (o->mode_set && o->mode != m) return -1;
    o->mode = m;
    o->mode_set = 1;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},        {"version", no_argument, NULL, 'V'},
        {"json", no_argument, NULL, 'j'},        {"strict", no_argument, NULL, 's'},
        {"explain", no_argument, NULL, 'e'},     {"verify", no_argument, NULL, OPT_VERIFY},
        {"new-key", no_argument, NULL, 'n'},     {"request", required_argument, NULL, 'r'},
        {"as-is", no_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {MODE_KEYS, 0, 0, 0, 0, NULL};
    int ch, bad_mode = 0;
    while ((ch = getopt_long(argc, argv, "hVjsaenr:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h': usage(stdout); return fflush(stdout) == 0 ? EXIT_OKAY : EXIT_USAGE;
        case 'V': print_version(); return fflush(stdout) == 0 ? EXIT_OKAY : EXIT_USAGE;
        case 'j': o.json = 1; break;
        case 's': o.strict = 1; break;
        case 'a': o.as_is = 1; break;
        case 'e': bad_mode |= set_mode(&o, MODE_EXPLAIN); break;
        case OPT_VERIFY: bad_mode |= set_mode(&o, MODE_VERIFY); break;
        case 'n': bad_mode |= set_mode(&o, MODE_NEWKEY); break;
        case 'r':
            if (o.request && strcmp(o.request, optarg) != 0) bad_mode = -1;
            o.request = optarg;
            bad_mode |= set_mode(&o, MODE_REQUEST);
            break;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (bad_mode) return usage_error("choose one of --explain, --verify, --new-key and --request");
    if (o.request && o.request[0] == '\0') return usage_error("--request expects a FILE name or '-'");

    int nargs = argc - optind;
    char **args = argv + optind;
    int rc;
    switch (o.mode) {
    case MODE_VERIFY: rc = run_verify(&o, nargs, args); break;
    case MODE_NEWKEY: rc = run_new_key(&o, nargs); break;
    case MODE_REQUEST: rc = run_request(&o, nargs); break;
    default: rc = run_keys(&o, nargs, args); break;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "wsaccept: writing standard output: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    return rc;
}
