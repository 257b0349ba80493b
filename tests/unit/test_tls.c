/* test_tls.c - unit tests of TLS recognition, hello parsing and TLS 1.3 / 1.2 decryption (inspector/tls.c; the key log: test_keylog.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "session.h"
#include "tls.h"

/* ---- heap measurement (to check that memory stays bounded) ------------------ */

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifdef TEST_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
/* Bytes currently allocated, as the sanitizer's allocator counts them. */
static size_t heap_in_use(void) { return __sanitizer_get_current_allocated_bytes(); }
#else
#include <malloc.h>
/* Bytes currently allocated from the C library's heap. */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}
#endif

/* ---- helpers ------------------------------------------------------------------ */

/* Hex digits (whitespace ignored) to newly allocated bytes; *n their count. */
static uint8_t *unhex_alloc(const char *s, size_t *n)
{
    size_t len = strlen(s), k = 0;
    uint8_t *out = malloc(len / 2 + 1);
    assert_non_null(out);
    int hi = -1;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i], v = 0;
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else fail_msg("bad hex digit %c", c);
        if (hi < 0) {
            hi = v;
        } else {
            out[k++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_true(hi < 0);
    *n = k;
    return out;
}

/* Compares bytes with hex digits. */
static void assert_hex(const uint8_t *got, size_t n, const char *want_hex)
{
    size_t wn;
    uint8_t *want = unhex_alloc(want_hex, &wn);
    assert_int_equal(n, wn);
    assert_memory_equal(got, want, n);
    free(want);
}

/* A growing byte buffer. */
struct buf {
    uint8_t *p;  /* bytes */
    size_t n;    /* used */
    size_t cap;  /* allocated */
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + n) nc *= 2;
        b->p = realloc(b->p, nc);
        assert_non_null(b->p);
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void buf_u8(struct buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    buf_add(b, &x, 1);
}

static void buf_u16(struct buf *b, unsigned v)
{
    buf_u8(b, v >> 8);
    buf_u8(b, v);
}

static void buf_u24(struct buf *b, unsigned v)
{
    buf_u8(b, v >> 16);
    buf_u16(b, v & 0xffff);
}

static void buf_hex(struct buf *b, const char *hex)
{
    size_t n;
    uint8_t *p = unhex_alloc(hex, &n);
    buf_add(b, p, n);
    free(p);
}

static void buf_free(struct buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* Writes a big-endian length at offset `at` (2 or 3 bytes) covering everything after it. */
static void patch_len(struct buf *b, size_t at, int width)
{
    size_t v = b->n - at - (size_t)width;
    for (int i = 0; i < width; i++) b->p[at + (size_t)i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

/* ---- the recorder: what the callbacks reported ---------------------------------- */

struct rec {
    struct buf pt[2];        /* plaintext per direction */
    int infos;               /* info() calls */
    int decrypting;          /* last info's decrypting */
    int hello_retry;         /* last info's hello_retry */
    char why[512];           /* last info's why_not ("" when NULL) */
    char sni[256], alpn_offered[256], alpn_selected[128], versions[96], version[24], cipher[64], cr[65]; /* last info's strings */
    int errors[2];           /* error() calls per direction */
    char last_error[512];    /* the last one */
    int alerts[2];           /* alert() calls per direction */
    int alert_level, alert_desc; /* the last one */
    char alert_text[96];     /* the last alert's text */
    const struct wsi_tls *t; /* the session, set to record the callbacks' origins */
    uint64_t info_packet;    /* origin packet of the last info() */
    uint64_t plain_packet[2][8]; /* origin packets of each direction's first plaintexts */
    int nplain[2];           /* plaintext() calls per direction */
    uint64_t error_packet;   /* origin packet of the last error() (0: none) */
    char records[1024];      /* record() calls: "dir:type:len:e|c[:names] " each */
};

/* The packet of the callback's origin, 0 when none (or not recorded). */
static uint64_t origin_packet(const struct rec *r)
{
    const struct wsi_tls_origin *o = r->t ? wsi_tls_origin(r->t) : NULL;
    return o ? o->packet : 0;
}

static void on_plain(void *user, int dir, const uint8_t *data, size_t len)
{
    struct rec *r = user;
    assert_true(dir == 0 || dir == 1);
    assert_true(len > 0);
    buf_add(&r->pt[dir], data, len);
    if (r->nplain[dir] < 8) r->plain_packet[dir][r->nplain[dir]] = origin_packet(r);
    r->nplain[dir]++;
}

static void on_info(void *user, const struct wsi_tls_info *i)
{
    struct rec *r = user;
    r->infos++;
    r->info_packet = origin_packet(r);
    r->decrypting = i->decrypting;
    r->hello_retry = i->hello_retry;
    snprintf(r->why, sizeof r->why, "%s", i->why_not ? i->why_not : "");
    snprintf(r->sni, sizeof r->sni, "%s", i->sni);
    snprintf(r->alpn_offered, sizeof r->alpn_offered, "%s", i->alpn_offered);
    snprintf(r->alpn_selected, sizeof r->alpn_selected, "%s", i->alpn_selected);
    snprintf(r->versions, sizeof r->versions, "%s", i->versions_offered);
    snprintf(r->version, sizeof r->version, "%s", i->version);
    snprintf(r->cipher, sizeof r->cipher, "%s", i->cipher);
    snprintf(r->cr, sizeof r->cr, "%s", i->client_random);
}

static void on_alert(void *user, int dir, int level, int desc, const char *text)
{
    struct rec *r = user;
    r->alerts[dir]++;
    r->alert_level = level;
    r->alert_desc = desc;
    snprintf(r->alert_text, sizeof r->alert_text, "%s", text);
}

static void on_error(void *user, int dir, const char *why)
{
    struct rec *r = user;
    assert_true(dir == 0 || dir == 1);
    r->errors[dir]++;
    r->error_packet = origin_packet(r);
    snprintf(r->last_error, sizeof r->last_error, "%s", why);
}

static void on_record(void *user, int dir, const struct wsi_tls_record *rec)
{
    struct rec *r = user;
    size_t k = strlen(r->records);
    snprintf(r->records + k, sizeof r->records - k, "%d:%d:%zu:%c%s%s ", dir, rec->type, rec->len,
             rec->encrypted ? 'e' : 'c', *rec->handshake ? ":" : "", rec->handshake);
}

static const struct wsi_tls_cb rec_cb = {on_plain, on_info, on_alert, on_error, on_record};

static void rec_free(struct rec *r)
{
    buf_free(&r->pt[0]);
    buf_free(&r->pt[1]);
}

static struct wsi_keylog *kl_text(const char *text)
{
    char err[256] = "";
    struct wsi_keylog *kl = wsi_keylog_parse_buf(text, strlen(text), "test.log", err);
    if (!kl) fail_msg("key log refused: %s", err);
    return kl;
}

/* A client random and a TLS 1.2 master secret for the hello tests (the key log itself: test_keylog.c). */
#define CR1 "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
#define MS48 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"

/* ---- recognising TLS ----------------------------------------------------------------- */

static void test_looks_like(void **state)
{
    (void)state;
    const uint8_t ch[] = {0x16, 0x03, 0x01, 0x00, 0xc4, 0x01, 0x00, 0x00, 0xc0};
    for (size_t n = 0; n < 6; n++) assert_int_equal(wsi_tls_looks_like(ch, n), -1);
    assert_int_equal(wsi_tls_looks_like(ch, sizeof ch), 1);
    const uint8_t sh[] = {0x16, 0x03, 0x03, 0x00, 0x5a, 0x02};
    assert_int_equal(wsi_tls_looks_like(sh, sizeof sh), 1);
    assert_int_equal(wsi_tls_looks_like((const uint8_t *)"GET / HTTP/1.1\r\n", 16), 0);
    assert_int_equal(wsi_tls_looks_like((const uint8_t *)"G", 1), 0);
    const uint8_t v5[] = {0x16, 0x03, 0x05, 0x00, 0x10, 0x01};
    assert_int_equal(wsi_tls_looks_like(v5, sizeof v5), 0);
    const uint8_t app[] = {0x17, 0x03, 0x03, 0x00, 0x10, 0x01};
    assert_int_equal(wsi_tls_looks_like(app, sizeof app), 0);
    const uint8_t cert[] = {0x16, 0x03, 0x03, 0x00, 0x10, 0x0b};
    assert_int_equal(wsi_tls_looks_like(cert, sizeof cert), 0);
    const uint8_t zero[] = {0x16, 0x03, 0x03, 0x00, 0x00, 0x01};
    assert_int_equal(wsi_tls_looks_like(zero, sizeof zero), 0);
    const uint8_t huge[] = {0x16, 0x03, 0x03, 0x48, 0x01};
    assert_int_equal(wsi_tls_looks_like(huge, sizeof huge), 0);
    const uint8_t huge_hi[] = {0x16, 0x03, 0x03, 0xff};
    assert_int_equal(wsi_tls_looks_like(huge_hi, sizeof huge_hi), 0);
    assert_int_equal(wsi_tls_looks_like(NULL, 0), -1);
}

/* ---- hand-built hellos ------------------------------------------------------------------ */

/* A ClientHello record: random = 32 x `rnd`, optional SNI, ALPN list ("a,b"), supported_versions, early_data. */
static void build_client_hello(struct buf *b, uint8_t rnd, const char *sni, size_t sni_len, const char *alpn,
                               const uint16_t *versions, size_t nversions, int early)
{
    buf_hex(b, "16 0301 0000");
    size_t rec_len_at = b->n - 2;
    buf_u8(b, 1);
    size_t hs_len_at = b->n;
    buf_u24(b, 0);
    buf_u16(b, 0x0303);
    for (int i = 0; i < 32; i++) buf_u8(b, rnd);
    buf_u8(b, 0);                 /* session id */
    buf_hex(b, "0006 1301 1302 c02f"); /* cipher suites */
    buf_hex(b, "01 00");          /* compression */
    size_t ext_at = b->n;
    buf_u16(b, 0);
    buf_hex(b, "0a0a 0000");      /* a GREASE extension */
    if (sni) {
        buf_u16(b, 0);
        buf_u16(b, (unsigned)sni_len + 5);
        buf_u16(b, (unsigned)sni_len + 3);
        buf_u8(b, 0);
        buf_u16(b, (unsigned)sni_len);
        buf_add(b, sni, sni_len);
    }
    if (alpn) {
        buf_u16(b, 16);
        size_t at = b->n;
        buf_u16(b, 0);
        buf_u16(b, 0);
        const char *p = alpn;
        while (*p) {
            size_t l = strcspn(p, ",");
            buf_u8(b, (unsigned)l);
            buf_add(b, p, l);
            p += l + (p[l] == ',');
        }
        patch_len(b, at + 2, 2);
        patch_len(b, at, 2);
    }
    if (versions) {
        buf_u16(b, 43);
        buf_u16(b, (unsigned)(1 + 2 * nversions));
        buf_u8(b, (unsigned)(2 * nversions));
        for (size_t i = 0; i < nversions; i++) buf_u16(b, versions[i]);
    }
    if (early) buf_hex(b, "002a 0000");
    patch_len(b, ext_at, 2);
    patch_len(b, hs_len_at, 3);
    patch_len(b, rec_len_at, 2);
}

/* A ServerHello record: legacy version, supported_versions (0: none), suite, ALPN (NULL: none), random (NULL: 0x55...). */
static void build_server_hello(struct buf *b, uint16_t selected, uint16_t suite, const char *alpn,
                               const uint8_t *random)
{
    buf_hex(b, "16 0303 0000");
    size_t rec_len_at = b->n - 2;
    buf_u8(b, 2);
    size_t hs_len_at = b->n;
    buf_u24(b, 0);
    buf_u16(b, 0x0303);
    for (int i = 0; i < 32; i++) buf_u8(b, random ? random[i] : 0x55);
    buf_u8(b, 0);
    buf_u16(b, suite);
    buf_u8(b, 0);
    size_t ext_at = b->n;
    buf_u16(b, 0);
    if (selected) {
        buf_u16(b, 43);
        buf_u16(b, 2);
        buf_u16(b, selected);
    }
    if (alpn) {
        buf_u16(b, 16);
        buf_u16(b, (unsigned)strlen(alpn) + 3);
        buf_u16(b, (unsigned)strlen(alpn) + 1);
        buf_u8(b, (unsigned)strlen(alpn));
        buf_add(b, alpn, strlen(alpn));
    }
    patch_len(b, ext_at, 2);
    patch_len(b, hs_len_at, 3);
    patch_len(b, rec_len_at, 2);
}

static const uint16_t v13_12[] = {0x3a3a, 0x0304, 0x0303};

static void test_hello_tls13_no_keylog(void **state)
{
    (void)state;
    struct rec r = {0};
    struct buf ch = {0}, sh = {0};
    build_client_hello(&ch, 0xab, "example.com", 11, "http/1.1,h2", v13_12, 3, 0);
    build_server_hello(&sh, 0x0304, 0x1301, NULL, NULL);
    assert_int_equal(wsi_tls_looks_like(ch.p, ch.n), 1);
    struct wsi_tls *t = wsi_tls_new(NULL, &rec_cb, &r);
    assert_non_null(t);
    wsi_tls_feed(t, 0, ch.p, ch.n);
    assert_int_equal(r.infos, 0);
    assert_string_equal(wsi_tls_get_info(t)->sni, "example.com");
    wsi_tls_feed(t, 1, sh.p, sh.n);
    assert_int_equal(r.infos, 1);
    assert_string_equal(r.sni, "example.com");
    assert_string_equal(r.alpn_offered, "http/1.1,h2");
    assert_string_equal(r.alpn_selected, "");
    assert_string_equal(r.versions, "TLS1.3,TLS1.2");
    assert_string_equal(r.version, "TLS1.3");
    assert_string_equal(r.cipher, "TLS_AES_128_GCM_SHA256");
    assert_string_equal(r.cr, "abababababababababababababababababababababababababababababababab");
    assert_int_equal(r.decrypting, 0);
    assert_non_null(strstr(r.why, "no key log given"));
    assert_non_null(strstr(r.why, "SSLKEYLOGFILE"));
    assert_non_null(strstr(r.why, "SSL_CTX_set_keylog_callback"));
    /* encrypted records: counted, nothing shown, no complaint */
    uint8_t app[5 + 40] = {0x17, 0x03, 0x03, 0x00, 40};
    wsi_tls_feed(t, 1, app, sizeof app);
    wsi_tls_feed(t, 0, app, sizeof app);
    assert_int_equal(wsi_tls_get_stats(t)->undecrypted[1], 1);
    assert_int_equal(wsi_tls_get_stats(t)->opaque_bytes[0], 40);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    assert_int_equal(r.pt[0].n + r.pt[1].n, 0);
    /* what an observer sees, record by record: the hellos named, the rest encrypted */
    char want[256];
    snprintf(want, sizeof want, "0:22:%zu:c:ClientHello 1:22:%zu:c:ServerHello 1:23:40:e 0:23:40:e ", ch.n - 5, sh.n - 5);
    assert_string_equal(r.records, want);
    /* a compatibility change_cipher_spec is in the clear; a TLS 1.3 alert record of 2 bytes too */
    r.records[0] = '\0';
    uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01}, al[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00};
    wsi_tls_feed(t, 0, ccs, sizeof ccs);
    wsi_tls_feed(t, 0, al, sizeof al);
    assert_string_equal(r.records, "0:20:1:c 0:21:2:c ");
    char tb[24];
    assert_string_equal(wsi_tls_type_name(23, tb), "application data");
    assert_string_equal(wsi_tls_type_name(99, tb), "content type 99");
    wsi_tls_free(t);
    buf_free(&ch);
    buf_free(&sh);
    rec_free(&r);
}

/* Handshake messages named in the record where they begin, also when one spans records. */
static void test_record_names(void **state)
{
    (void)state;
    struct rec r = {0};
    struct buf ch = {0}, sh = {0};
    build_client_hello(&ch, 0x01, "ws.example", 10, "http/1.1", NULL, 0, 0);
    build_server_hello(&sh, 0, 0xc02f, "http/1.1", NULL);
    struct wsi_tls *t = wsi_tls_new(NULL, &rec_cb, &r);
    wsi_tls_feed(t, 0, ch.p, ch.n);
    wsi_tls_feed(t, 1, sh.p, sh.n);
    r.records[0] = '\0';
    /* Certificate (type 11) of 10 bytes: its header and 4 bytes in one record, the other 6 and a
     * ServerHelloDone (type 14, empty) in the next */
    uint8_t r1[] = {0x16, 0x03, 0x03, 0x00, 0x08, 11, 0, 0, 10, 1, 2, 3, 4};
    uint8_t r2[] = {0x16, 0x03, 0x03, 0x00, 0x0a, 5, 6, 7, 8, 9, 10, 14, 0, 0, 0};
    wsi_tls_feed(t, 1, r1, sizeof r1);
    wsi_tls_feed(t, 1, r2, sizeof r2);
    assert_string_equal(r.records, "1:22:8:c:Certificate 1:22:10:c:ServerHelloDone ");
    /* after the client's change_cipher_spec, its Finished is an encrypted handshake record */
    r.records[0] = '\0';
    uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01}, fin[5 + 40] = {0x16, 0x03, 0x03, 0x00, 40};
    wsi_tls_feed(t, 0, ccs, sizeof ccs);
    wsi_tls_feed(t, 0, fin, sizeof fin);
    assert_string_equal(r.records, "0:20:1:c 0:22:40:e ");
    wsi_tls_free(t);
    buf_free(&ch);
    buf_free(&sh);
    rec_free(&r);
}

static void test_hello_tls12_bytewise(void **state)
{
    (void)state;
    struct buf ch = {0}, sh = {0};
    build_client_hello(&ch, 0x01, "ws.example", 10, "http/1.1", NULL, 0, 0);
    build_server_hello(&sh, 0, 0xc02f, "http/1.1", NULL);
    struct wsi_keylog *kl = kl_text("CLIENT_RANDOM " CR1 " " MS48 "\n");
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        struct rec r = {0};
        struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
        if (bytewise) {
            for (size_t i = 0; i < ch.n; i++) wsi_tls_feed(t, 0, ch.p + i, 1);
            for (size_t i = 0; i < sh.n; i++) wsi_tls_feed(t, 1, sh.p + i, 1);
        } else {
            wsi_tls_feed(t, 0, ch.p, ch.n);
            wsi_tls_feed(t, 1, sh.p, sh.n);
        }
        assert_int_equal(r.infos, 1);
        assert_string_equal(r.sni, "ws.example");
        assert_string_equal(r.versions, "TLS1.2");
        assert_string_equal(r.version, "TLS1.2");
        assert_string_equal(r.cipher, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert_string_equal(r.alpn_offered, "http/1.1");
        assert_string_equal(r.alpn_selected, "http/1.1");
        assert_int_equal(r.decrypting, 0);
        assert_string_equal(r.why, "the key log has no line for client random "
                                   "0101010101010101010101010101010101010101010101010101010101010101");
        assert_int_equal(r.errors[0] + r.errors[1], 0);
        wsi_tls_free(t);
        rec_free(&r);
    }
    wsi_keylog_free(kl);
    buf_free(&ch);
    buf_free(&sh);
}

/* The ClientHello arrives on direction 1: the roles follow it. Odd bytes in names are escaped. */
static void test_hello_swapped_and_escaped(void **state)
{
    (void)state;
    struct rec r = {0};
    struct buf ch = {0}, sh = {0};
    build_client_hello(&ch, 0x02, "a\x01,b\\", 5, "x,y\x7f", NULL, 0, 0);
    build_server_hello(&sh, 0, 0xc013, NULL, NULL);
    struct wsi_keylog *kl = kl_text("CLIENT_RANDOM 0202020202020202020202020202020202020202020202020202020202020202 " MS48
                                    "\n");
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
    wsi_tls_feed(t, 1, ch.p, ch.n);
    wsi_tls_feed(t, 0, sh.p, sh.n);
    assert_int_equal(r.infos, 1);
    assert_string_equal(r.sni, "a\\x01\\x2cb\\x5c");
    assert_string_equal(r.alpn_offered, "x,y\\x7f");
    assert_string_equal(r.cipher, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
    assert_non_null(strstr(r.why, "cipher TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA is not supported"));
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    /* a ClientHello from the server side now is out of place */
    wsi_tls_feed(t, 0, ch.p, ch.n);
    assert_int_equal(r.errors[0], 1);
    wsi_tls_free(t);
    wsi_keylog_free(kl);
    buf_free(&ch);
    buf_free(&sh);
    rec_free(&r);
}

static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static void test_hello_retry(void **state)
{
    (void)state;
    struct rec r = {0};
    struct buf ch = {0}, hrr = {0}, sh = {0};
    build_client_hello(&ch, 0x03, "h", 1, NULL, v13_12 + 1, 1, 0);
    build_server_hello(&hrr, 0x0304, 0x1302, NULL, hrr_random);
    build_server_hello(&sh, 0x0304, 0x1302, NULL, NULL);
    struct wsi_tls *t = wsi_tls_new(NULL, &rec_cb, &r);
    wsi_tls_feed(t, 0, ch.p, ch.n);
    wsi_tls_feed(t, 1, hrr.p, hrr.n);
    assert_int_equal(r.infos, 0);
    const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    wsi_tls_feed(t, 0, ccs, sizeof ccs);
    wsi_tls_feed(t, 0, ch.p, ch.n); /* the second ClientHello, in the clear */
    wsi_tls_feed(t, 1, sh.p, sh.n);
    assert_int_equal(r.infos, 1);
    assert_int_equal(r.hello_retry, 1);
    assert_string_equal(r.version, "TLS1.3");
    assert_string_equal(r.versions, "TLS1.3");
    assert_string_equal(r.cipher, "TLS_AES_256_GCM_SHA384");
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    wsi_tls_free(t);
    buf_free(&ch);
    buf_free(&hrr);
    buf_free(&sh);
    rec_free(&r);
}

static void test_midstream_and_not_tls(void **state)
{
    (void)state;
    struct rec r = {0};
    struct wsi_tls *t = wsi_tls_new(NULL, &rec_cb, &r);
    uint8_t app[5 + 30] = {0x17, 0x03, 0x03, 0x00, 30};
    wsi_tls_feed(t, 0, app, sizeof app);
    wsi_tls_feed(t, 1, app, sizeof app);
    assert_int_equal(r.infos, 1);
    assert_non_null(strstr(r.why, "capture starts after the TLS handshake"));
    assert_int_equal(wsi_tls_get_stats(t)->undecrypted[0], 1);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    /* bytes that are not TLS: one error, then that direction is ignored */
    const char *get = "GET / HTTP/1.1\r\n\r\n";
    wsi_tls_feed(t, 1, (const uint8_t *)get, strlen(get));
    wsi_tls_feed(t, 1, app, sizeof app);
    assert_int_equal(r.errors[1], 1);
    assert_non_null(strstr(r.last_error, "not a TLS record"));
    assert_int_equal(wsi_tls_get_stats(t)->records[1], 1);
    /* a record longer than TLS allows */
    const uint8_t big[] = {0x17, 0x03, 0x03, 0x48, 0x01};
    wsi_tls_feed(t, 0, big, sizeof big);
    assert_int_equal(r.errors[0], 1);
    assert_non_null(strstr(r.last_error, "exceeds"));
    /* a gap on a dead direction says nothing more */
    wsi_tls_gap(t, 0);
    assert_int_equal(r.errors[0], 1);
    wsi_tls_free(t);
    rec_free(&r);
}

/* Oversize handshake messages: a certificate is skipped, a ClientHello refused; memory stays bounded. */
static void test_handshake_limits(void **state)
{
    (void)state;
    struct rec r = {0};
    struct wsi_tls *t = wsi_tls_new(NULL, &rec_cb, &r);
    struct buf ch = {0}, sh = {0};
    build_client_hello(&ch, 0x04, "big", 3, NULL, NULL, 0, 0);
    build_server_hello(&sh, 0, 0xc02f, NULL, NULL);
    wsi_tls_feed(t, 0, ch.p, ch.n);
    wsi_tls_feed(t, 1, sh.p, sh.n);
    size_t before = heap_in_use();
    /* Certificate of 16 MiB - 1 announced, sent as 1024 records of 16 KiB (16 MiB) */
    uint8_t *rec = calloc(1, 5 + 16384);
    assert_non_null(rec);
    rec[0] = 0x16, rec[1] = 3, rec[2] = 3, rec[3] = 0x40, rec[4] = 0x00;
    rec[5] = 11, rec[6] = 0xff, rec[7] = 0xff, rec[8] = 0xff;
    size_t peak = 0;
    for (int i = 0; i < 1024; i++) {
        if (i == 1) rec[5] = rec[6] = rec[7] = rec[8] = 0x42;
        for (size_t off = 0; off < 5 + 16384; off += 1000) { /* in pieces, so records are gathered */
            size_t k = 5 + 16384 - off < 1000 ? 5 + 16384 - off : 1000;
            wsi_tls_feed(t, 1, rec + off, k);
        }
        size_t now = heap_in_use();
        if (now > peak) peak = now;
    }
    assert_true(peak < before + 2 * (5 + WSI_TLS_MAX_RECORD) + 4 * WSI_TLS_MAX_HANDSHAKE);
    assert_int_equal(r.errors[1], 0);
    assert_int_equal(wsi_tls_get_stats(t)->records[1], 1025);
    /* a 70 000-byte ClientHello-typed message: refused */
    struct wsi_tls *t2 = wsi_tls_new(NULL, &rec_cb, &r);
    const uint8_t bigch[] = {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x11, 0x70};
    wsi_tls_feed(t2, 0, bigch, sizeof bigch);
    assert_int_equal(r.errors[0], 1);
    assert_non_null(strstr(r.last_error, "exceeds"));
    wsi_tls_free(t2);
    free(rec);
    wsi_tls_free(t);
    buf_free(&ch);
    buf_free(&sh);
    rec_free(&r);
}

/* ---- RFC 8448 section 3, "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256) ------------ */

/* Traffic secrets from the trace. */
#define R_C_HS "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21"
#define R_S_HS "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38"
#define R_C_AP "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5"
#define R_S_AP "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43"
#define R_CR "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"

/* The ClientHello handshake message (196 octets); its record header is 16 03 01 00 c4. */
static const char r8448_ch[] =
    "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2"
    "1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01"
    "00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00"
    "0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00"
    "23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e"
    "43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00"
    "03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06"
    "04 01 05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c"
    "00 02 40 01";

/* The ServerHello record (95 octets). */
static const char r8448_sh_rec[] =
    "16 03 03 00 5a 02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c"
    "d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e d3 e2 69 28 00 13 01 00 00"
    "2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72"
    "e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";

/* The server's encrypted flight: EncryptedExtensions, Certificate, CertificateVerify, Finished (679 octets). */
static const char r8448_flight_rec[] =
    "17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 3f 50 0f"
    "45 e4 89 e7 f3 3a f3 5e df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca"
    "07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 b1 11 b4 29 ba 91 91 cd"
    "05 d2 a3 89 28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b"
    "d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9 b1 18 3e"
    "f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c"
    "7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e d6 5b 0e 3c dd 0c ba e8"
    "bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92"
    "8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70"
    "a2 55 9c 09 ea d6 86 94 5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8"
    "94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea"
    "52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f"
    "44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 4e d6 54 0c 84 83 8d 89"
    "f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3"
    "6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31 7b 49 ee da 0c 62 58 f1"
    "00 d7 d9 61 ff b1 38 64 7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e"
    "1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 9d 56 84"
    "c8 b0 37 8b f3 02 44 da 8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c"
    "f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88 2b d8 9f"
    "c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be"
    "5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18 a3 96 fa 48 a1 81 d6 b6"
    "fa 4f 9d 62 d5 13 af bb 99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb"
    "56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10"
    "dc 35 ae 69 f5 51 56 14 63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38"
    "eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa 66 a7 3f"
    "60 f0 50 4d e9 3b 5b 84 5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78"
    "40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af 93 98 28 fd 4a e3"
    "79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e"
    "75 0e dc 53 37 0d 2b";

/* The client's Finished (58 octets). */
static const char r8448_cfin_rec[] =
    "17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0"
    "51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c"
    "ae ac ab 68 67 d7 26 c4 05 46";

/* The server's NewSessionTicket (227 octets). */
static const char r8448_nst_rec[] =
    "17 03 03 00 de 3a 6b 8f 90 41 4a 97 d6 95 9c 34 87 68 0d e5 13 4a 2b 24"
    "0e 6c ff ac 11 6e 95 d4 1d 6a f8 f6 b5 80 dc f3 d1 1d 63 c7 58 db 28 9a"
    "01 59 40 25 2f 55 71 3e 06 1d c1 3e 07 88 91 a3 8e fb cf 57 53 ad 8e f1"
    "70 ad 3c 73 53 d1 6d 9d a7 73 b9 ca 7f 2b 9f a1 b6 c0 d4 a3 d0 3f 75 e0"
    "9c 30 ba 1e 62 97 2a c4 6f 75 f7 b9 81 be 63 43 9b 29 99 ce 13 06 46 15"
    "13 98 91 d5 e4 c5 b4 06 f1 6e 3f c1 81 a7 7c a4 75 84 00 25 db 2f 0a 77"
    "f8 1b 5a b0 5b 94 c0 13 46 75 5f 69 23 2c 86 51 9d 86 cb ee ac 87 aa c3"
    "47 d1 43 f9 60 5d 64 f6 50 db 4d 02 3e 70 e9 52 ca 49 fe 51 37 12 1c 74"
    "bc 26 97 68 7e 24 87 46 d6 df 35 30 05 f3 bc e1 86 96 12 9c 81 53 55 6b"
    "3b 6c 67 79 b3 7b f1 59 85 68 4f";

/* Application data each way (72 octets; 50 bytes 00 01 .. 31 inside), then close_notify each way. */
static const char r8448_c_app_rec[] =
    "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea"
    "42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b"
    "62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4";
static const char r8448_s_app_rec[] =
    "17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc"
    "32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8"
    "fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d";
static const char r8448_c_alert_rec[] = "17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f f1 15 3e fd 6d b6 d0 b0 e3";
static const char r8448_s_alert_rec[] = "17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47 20 cf be 7e fa 7a 88 64 a9";

/* The trace as the two byte streams (in the order the records go on the wire). */
struct trace {
    struct buf c, s;          /* client and server streams */
    struct buf c_parts[4];    /* client records: ClientHello, Finished, app data, alert */
    struct buf s_parts[5];    /* server records: ServerHello, flight, ticket, app data, alert */
};

static void trace_build(struct trace *tr)
{
    memset(tr, 0, sizeof *tr);
    buf_hex(&tr->c_parts[0], "16 03 01 00 c4");
    buf_hex(&tr->c_parts[0], r8448_ch);
    buf_hex(&tr->c_parts[1], r8448_cfin_rec);
    buf_hex(&tr->c_parts[2], r8448_c_app_rec);
    buf_hex(&tr->c_parts[3], r8448_c_alert_rec);
    buf_hex(&tr->s_parts[0], r8448_sh_rec);
    buf_hex(&tr->s_parts[1], r8448_flight_rec);
    buf_hex(&tr->s_parts[2], r8448_nst_rec);
    buf_hex(&tr->s_parts[3], r8448_s_app_rec);
    buf_hex(&tr->s_parts[4], r8448_s_alert_rec);
    for (int i = 0; i < 4; i++) buf_add(&tr->c, tr->c_parts[i].p, tr->c_parts[i].n);
    for (int i = 0; i < 5; i++) buf_add(&tr->s, tr->s_parts[i].p, tr->s_parts[i].n);
}

static void trace_free(struct trace *tr)
{
    buf_free(&tr->c);
    buf_free(&tr->s);
    for (int i = 0; i < 4; i++) buf_free(&tr->c_parts[i]);
    for (int i = 0; i < 5; i++) buf_free(&tr->s_parts[i]);
}

static const char r8448_keylog[] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET " R_CR " b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21\n"
                                   "SERVER_HANDSHAKE_TRAFFIC_SECRET " R_CR " b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\n"
                                   "CLIENT_TRAFFIC_SECRET_0 " R_CR " 9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5\n"
                                   "SERVER_TRAFFIC_SECRET_0 " R_CR " a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643\n";

/* The trace's messages are what we typed: SHA-256(ClientHello || ServerHello) is the trace's transcript hash. */
static void test_rfc8448_transcript(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    struct buf hello = {0};
    buf_add(&hello, tr.c_parts[0].p + 5, tr.c_parts[0].n - 5);
    buf_add(&hello, tr.s_parts[0].p + 5, tr.s_parts[0].n - 5);
    uint8_t md[32];
    unsigned mdlen = 0;
    assert_int_equal(EVP_Digest(hello.p, hello.n, md, &mdlen, EVP_sha256(), NULL), 1);
    assert_hex(md, mdlen, "86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8");
    buf_free(&hello);
    trace_free(&tr);
}

/* HKDF-Expand-Label through OpenSSL gives the trace's keys and ivs. */
static void test_rfc8448_traffic_keys(void **state)
{
    (void)state;
    static const struct {
        const char *secret, *key, *iv;
    } v[] = {
        {R_S_HS, "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc", "5d 31 3e b2 67 12 76 ee 13 00 0b 30"},
        {R_C_HS, "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01", "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f"},
        {R_S_AP, "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56", "cf 78 2b 88 dd 83 54 9a ad f1 e9 84"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t sl;
        uint8_t *secret = unhex_alloc(v[i].secret, &sl), key[16], iv[12];
        assert_true(wsi_tls13_expand_label("SHA256", secret, sl, "key", NULL, 0, key, sizeof key));
        assert_true(wsi_tls13_expand_label("SHA256", secret, sl, "iv", NULL, 0, iv, sizeof iv));
        assert_hex(key, sizeof key, v[i].key);
        assert_hex(iv, sizeof iv, v[i].iv);
        free(secret);
    }
    /* finished_key = HKDF-Expand-Label(server handshake secret, "finished", "", 32), also in the trace */
    size_t sl;
    uint8_t *secret = unhex_alloc(R_S_HS, &sl), fk[32];
    assert_true(wsi_tls13_expand_label("SHA256", secret, sl, "finished", NULL, 0, fk, sizeof fk));
    assert_hex(fk, sizeof fk,
               "00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8");
    free(secret);
}

static void check_pattern50(const struct buf *b)
{
    assert_int_equal(b->n, 50);
    for (size_t i = 0; i < 50; i++) assert_int_equal(b->p[i], i);
}

/* The whole trace decrypted: both sides' 50 bytes, both close_notify alerts. */
static void test_rfc8448_decrypt(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    struct wsi_keylog *kl = kl_text(r8448_keylog);
    struct rec r = {0};
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
    /* wire order */
    wsi_tls_feed(t, 0, tr.c_parts[0].p, tr.c_parts[0].n);
    wsi_tls_feed(t, 1, tr.s_parts[0].p, tr.s_parts[0].n);
    assert_int_equal(r.infos, 1);
    assert_int_equal(r.decrypting, 1);
    assert_string_equal(r.why, "");
    assert_string_equal(r.sni, "server");
    assert_string_equal(r.versions, "TLS1.3");
    assert_string_equal(r.cipher, "TLS_AES_128_GCM_SHA256");
    assert_string_equal(r.cr, R_CR);
    wsi_tls_feed(t, 1, tr.s_parts[1].p, tr.s_parts[1].n);
    wsi_tls_feed(t, 0, tr.c_parts[1].p, tr.c_parts[1].n);
    wsi_tls_feed(t, 1, tr.s_parts[2].p, tr.s_parts[2].n);
    wsi_tls_feed(t, 0, tr.c_parts[2].p, tr.c_parts[2].n);
    wsi_tls_feed(t, 1, tr.s_parts[3].p, tr.s_parts[3].n);
    wsi_tls_feed(t, 0, tr.c_parts[3].p, tr.c_parts[3].n);
    wsi_tls_feed(t, 1, tr.s_parts[4].p, tr.s_parts[4].n);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    check_pattern50(&r.pt[0]);
    check_pattern50(&r.pt[1]);
    assert_int_equal(r.alerts[0], 1);
    assert_int_equal(r.alerts[1], 1);
    assert_int_equal(r.alert_level, 1);
    assert_int_equal(r.alert_desc, 0);
    assert_string_equal(r.alert_text, "warning close_notify");
    const struct wsi_tls_stats *st = wsi_tls_get_stats(t);
    assert_int_equal(st->decrypted[0], 3);
    assert_int_equal(st->decrypted[1], 4);
    assert_int_equal(st->undecrypted[0] + st->undecrypted[1], 0);
    assert_int_equal(st->plaintext_bytes[1], 50);
    wsi_tls_free(t);
    rec_free(&r);

    /* each stream whole, one after the other (client first): same result */
    memset(&r, 0, sizeof r);
    t = wsi_tls_new(kl, &rec_cb, &r);
    wsi_tls_feed(t, 0, tr.c_parts[0].p, tr.c_parts[0].n);
    wsi_tls_feed(t, 1, tr.s.p, tr.s.n);
    wsi_tls_feed(t, 0, tr.c.p + tr.c_parts[0].n, tr.c.n - tr.c_parts[0].n);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    check_pattern50(&r.pt[0]);
    check_pattern50(&r.pt[1]);
    wsi_tls_free(t);
    rec_free(&r);
    wsi_keylog_free(kl);
    trace_free(&tr);
}

/* Feeds the trace with the server stream cut or split at every offset. */
static void test_rfc8448_every_prefix_and_split(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    struct wsi_keylog *kl = kl_text(r8448_keylog);
    for (size_t k = 0; k <= tr.s.n; k++) {
        struct rec r = {0};
        struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
        wsi_tls_feed(t, 0, tr.c_parts[0].p, tr.c_parts[0].n);
        wsi_tls_feed(t, 1, tr.s.p, k); /* prefix */
        wsi_tls_feed(t, 0, tr.c.p + tr.c_parts[0].n, tr.c.n - tr.c_parts[0].n);
        assert_true(r.pt[1].n == 0 || r.pt[1].n == 50);
        assert_int_equal(r.errors[0] + r.errors[1], 0);
        wsi_tls_feed(t, 1, tr.s.p + k, tr.s.n - k); /* the rest: now split at k */
        assert_int_equal(r.errors[0] + r.errors[1], 0);
        check_pattern50(&r.pt[1]);
        check_pattern50(&r.pt[0]);
        wsi_tls_free(t);
        rec_free(&r);
    }
    wsi_keylog_free(kl);
    trace_free(&tr);
}

/* One byte changed anywhere after the ServerHello: never wrong plaintext; an altered protected record is reported. */
static void test_rfc8448_tampered(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    struct wsi_keylog *kl = kl_text(r8448_keylog);
    size_t start = tr.s_parts[0].n;
    int in_header[2048] = {0}; /* server stream offsets that are record header bytes */
    assert_true(tr.s.n <= 2048);
    for (size_t off = 0, k = 0; k < 5; off += tr.s_parts[k].n, k++)
        for (size_t h = 0; h < 5; h++) in_header[off + h] = 1;
    for (size_t i = start; i < tr.s.n; i++) {
        struct rec r = {0};
        struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
        tr.s.p[i] ^= 0x20;
        wsi_tls_feed(t, 0, tr.c_parts[0].p, tr.c_parts[0].n);
        wsi_tls_feed(t, 1, tr.s.p, tr.s.n);
        wsi_tls_feed(t, 0, tr.c.p + tr.c_parts[0].n, tr.c.n - tr.c_parts[0].n);
        tr.s.p[i] ^= 0x20;
        /* the server's 50 bytes come out whole and right, or not at all; a changed
         * ciphertext byte is reported (a changed length may only leave a record unfinished) */
        if (r.pt[1].n) check_pattern50(&r.pt[1]);
        if (!in_header[i]) {
            assert_int_equal(r.errors[1], 1);
            assert_non_null(strstr(r.last_error, "failed authentication"));
        }
        /* reported once (a changed length: the failure, then the framing lost after it) */
        assert_true(r.errors[1] <= (in_header[i] ? 2 : 1));
        check_pattern50(&r.pt[0]);     /* the client side does not suffer */
        wsi_tls_free(t);
        rec_free(&r);
    }
    wsi_keylog_free(kl);
    trace_free(&tr);
}

/* Wrong or missing secrets. */
static void test_rfc8448_bad_keys(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);

    /* SERVER_TRAFFIC_SECRET_0 with one digit changed: the ticket record fails, the client side goes on */
    char text[sizeof r8448_keylog];
    memcpy(text, r8448_keylog, sizeof text);
    char *p = strstr(text, "a11af9f0");
    assert_non_null(p);
    p[0] = 'b';
    struct wsi_keylog *kl = kl_text(text);
    struct rec r = {0};
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
    wsi_tls_feed(t, 0, tr.c_parts[0].p, tr.c_parts[0].n);
    wsi_tls_feed(t, 1, tr.s.p, tr.s.n);
    wsi_tls_feed(t, 0, tr.c.p + tr.c_parts[0].n, tr.c.n - tr.c_parts[0].n);
    assert_int_equal(r.errors[1], 1);
    assert_non_null(strstr(r.last_error, "server record 3 (222 bytes) failed authentication with TLS_AES_128_GCM_SHA256"));
    assert_int_equal(r.pt[1].n, 0);
    check_pattern50(&r.pt[0]);
    assert_int_equal(r.decrypting, 1); /* the client side still is */
    assert_non_null(strstr(r.why, "failed authentication"));
    assert_int_equal(wsi_tls_get_stats(t)->undecrypted[1], 3);
    wsi_tls_free(t);
    wsi_keylog_free(kl);
    rec_free(&r);

    /* only the client's lines: the server side stays encrypted, said so */
    const char *client_only = "CLIENT_HANDSHAKE_TRAFFIC_SECRET " R_CR " b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21\n"
                              "CLIENT_TRAFFIC_SECRET_0 " R_CR " 9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5\n";
    kl = kl_text(client_only);
    memset(&r, 0, sizeof r);
    t = wsi_tls_new(kl, &rec_cb, &r);
    wsi_tls_feed(t, 0, tr.c_parts[0].p, tr.c_parts[0].n);
    wsi_tls_feed(t, 1, tr.s.p, tr.s.n);
    wsi_tls_feed(t, 0, tr.c.p + tr.c_parts[0].n, tr.c.n - tr.c_parts[0].n);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    assert_int_equal(r.decrypting, 1);
    assert_string_equal(r.why, "the key log has no SERVER_HANDSHAKE_TRAFFIC_SECRET, SERVER_TRAFFIC_SECRET_0 line for "
                               "client random " R_CR ": only the client side is decrypted");
    check_pattern50(&r.pt[0]);
    assert_int_equal(r.pt[1].n, 0);
    wsi_tls_free(t);
    wsi_keylog_free(kl);
    rec_free(&r);

    /* a secret of the wrong length for the suite */
    kl = kl_text("CLIENT_HANDSHAKE_TRAFFIC_SECRET " R_CR " " MS48 "\n");
    memset(&r, 0, sizeof r);
    t = wsi_tls_new(kl, &rec_cb, &r);
    wsi_tls_feed(t, 0, tr.c_parts[0].p, tr.c_parts[0].n);
    wsi_tls_feed(t, 1, tr.s.p, tr.s.n);
    assert_int_equal(r.decrypting, 0);
    assert_non_null(strstr(r.why, "has 48 bytes; TLS_AES_128_GCM_SHA256 needs 32"));
    assert_int_equal(r.pt[1].n, 0);
    wsi_tls_free(t);
    wsi_keylog_free(kl);
    rec_free(&r);
    trace_free(&tr);
}

/* AES-128-GCM seal for the tests' own records (TLS 1.3 framing). */
static void seal13(struct buf *out, const uint8_t key[16], const uint8_t iv[12], uint64_t seq, const uint8_t *inner,
                   size_t n)
{
    uint8_t hdr[5] = {0x17, 0x03, 0x03, (uint8_t)((n + 16) >> 8), (uint8_t)(n + 16)};
    uint8_t nonce[12], tag[16];
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
    uint8_t *ct = malloc(n);
    assert_non_null(ct);
    int l = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, nonce), 1);
    assert_int_equal(EVP_EncryptUpdate(c, NULL, &l, hdr, 5), 1);
    assert_int_equal(EVP_EncryptUpdate(c, ct, &l, inner, (int)n), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, ct + l, &l), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
    EVP_CIPHER_CTX_free(c);
    buf_add(out, hdr, 5);
    buf_add(out, ct, n);
    buf_add(out, tag, 16);
    free(ct);
}

/* After the trace, the client sends a KeyUpdate, then data under the next secret ("traffic upd"). */
static void test_rfc8448_key_update(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    size_t sl;
    uint8_t *c_ap = unhex_alloc(R_C_AP, &sl), key[16], iv[12], next[32];
    assert_true(wsi_tls13_expand_label("SHA256", c_ap, sl, "key", NULL, 0, key, 16));
    assert_true(wsi_tls13_expand_label("SHA256", c_ap, sl, "iv", NULL, 0, iv, 12));
    struct buf more = {0};
    /* KeyUpdate(update_not_requested), inner type handshake, two bytes of padding; sequence 1 */
    const uint8_t ku[] = {0x18, 0x00, 0x00, 0x01, 0x00, 0x16, 0x00, 0x00};
    seal13(&more, key, iv, 1, ku, sizeof ku);
    assert_true(wsi_tls13_expand_label("SHA256", c_ap, sl, "traffic upd", NULL, 0, next, 32));
    assert_true(wsi_tls13_expand_label("SHA256", next, 32, "key", NULL, 0, key, 16));
    assert_true(wsi_tls13_expand_label("SHA256", next, 32, "iv", NULL, 0, iv, 12));
    const uint8_t app[] = "after update\x17";
    seal13(&more, key, iv, 0, app, sizeof app - 1);

    struct wsi_keylog *kl = kl_text(r8448_keylog);
    struct rec r = {0};
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
    wsi_tls_feed(t, 0, tr.c_parts[0].p, tr.c_parts[0].n);
    wsi_tls_feed(t, 1, tr.s.p, tr.s.n);
    wsi_tls_feed(t, 0, tr.c_parts[1].p, tr.c_parts[1].n);
    wsi_tls_feed(t, 0, tr.c_parts[2].p, tr.c_parts[2].n);
    wsi_tls_feed(t, 0, more.p, more.n);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    assert_int_equal(r.pt[0].n, 50 + 12);
    assert_memory_equal(r.pt[0].p + 50, "after update", 12);
    assert_int_equal(wsi_tls_get_stats(t)->key_updates[0], 1);
    wsi_tls_free(t);
    wsi_keylog_free(kl);
    rec_free(&r);
    buf_free(&more);
    free(c_ap);
    trace_free(&tr);
}

/* ---- TLS 1.2 key block ----------------------------------------------------------------- */

/*
 * Expected values computed independently with Python's hmac and hashlib, RFC 5246 5's P_hash:
 *
 *   def p_hash(h, secret, seed, n):
 *       out = b''; a = seed
 *       while len(out) < n:
 *           a = hmac.new(secret, a, h).digest()
 *           out += hmac.new(secret, a + seed, h).digest()
 *       return out[:n]
 *   ms = bytes(range(48)); cr = bytes(range(0x40, 0x60)); sr = bytes(range(0x80, 0xa0))
 *   p_hash(hashlib.sha256, ms, b"key expansion" + sr + cr, 40)   # AES-128-GCM: 2 x 16 key + 2 x 4 salt
 *   p_hash(hashlib.sha256, ms, b"key expansion" + sr + cr, 88)   # ChaCha20: 2 x 32 key + 2 x 12 iv
 *   p_hash(hashlib.sha384, ms, b"key expansion" + sr + cr, 72)   # AES-256-GCM-SHA384: 2 x 32 + 2 x 4
 */
static void test_tls12_key_block(void **state)
{
    (void)state;
    uint8_t ms[48], cr[32], sr[32], out[88];
    for (int i = 0; i < 48; i++) ms[i] = (uint8_t)i;
    for (int i = 0; i < 32; i++) cr[i] = (uint8_t)(0x40 + i), sr[i] = (uint8_t)(0x80 + i);
    assert_true(wsi_tls12_key_block("SHA256", ms, cr, sr, out, 40));
    assert_hex(out, 40, "a1c8bdbce8830007e5719b5f9764ae0c42c3a103d08d01b711b292bfd1f332473e5667ef1f21ed64");
    assert_true(wsi_tls12_key_block("SHA256", ms, cr, sr, out, 88));
    assert_hex(out, 88,
               "a1c8bdbce8830007e5719b5f9764ae0c42c3a103d08d01b711b292bfd1f332473e5667ef1f21ed64b616b533929f8e73"
               "7406938bbae4d1387dbb67a32bbfd03fe3f3a5e61a434e9c07de3b04218aeb811ebeced2da38d56b");
    assert_true(wsi_tls12_key_block("SHA384", ms, cr, sr, out, 72));
    assert_hex(out, 72,
               "c01fa61789f58022d722461abcb5df04cf985a08f0d461ab4d544db598b8531903c0472368c11f6751efc2d81d6b896d"
               "8db6be95536abb42a66b015259cf7264092ed6c52036945c");
}

/* ---- random input -------------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Random bytes, random framing (some starting like TLS), with and without keys: no crash, nothing shown. */
static void test_random_input(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    struct wsi_keylog *kl = kl_text(r8448_keylog);
    uint8_t data[4096];
    for (int it = 0; it < 3000; it++) {
        struct rec r = {0};
        struct wsi_tls *t = wsi_tls_new(it % 2 ? kl : NULL, &rec_cb, &r);
        for (int round = 0; round < 6; round++) {
            size_t n = rng_next(&seed) % sizeof data;
            for (size_t i = 0; i < n; i++) data[i] = (uint8_t)rng_next(&seed);
            if (n >= 9 && rng_next(&seed) % 2) { /* a plausible record header and handshake header */
                data[0] = (uint8_t)(20 + rng_next(&seed) % 5);
                data[1] = 3;
                data[2] = (uint8_t)(rng_next(&seed) % 5);
                data[3] = (uint8_t)((n - 5) >> 8);
                data[4] = (uint8_t)(n - 5);
                if (data[0] == 22) data[5] = (uint8_t)(rng_next(&seed) % 3);
            }
            int dir = (int)(rng_next(&seed) % 2);
            size_t cut = n ? rng_next(&seed) % (n + 1) : 0;
            wsi_tls_feed(t, dir, data, cut);
            wsi_tls_feed(t, dir, data + cut, n - cut);
        }
        assert_int_equal(r.pt[0].n + r.pt[1].n, 0);
        wsi_tls_free(t);
        rec_free(&r);
    }
    wsi_keylog_free(kl);
}

/* ---- the real captures (tests/unit/fixtures/NAME.tls, made by captures/make-wss-captures.sh) ---- */

/* One fixture: key log lines, TCP payloads in capture order, tshark's decryption. */
struct fixture {
    struct buf keylog;        /* the "k" lines, newline separated */
    struct buf seg[64];       /* payloads */
    int seg_dir[64];          /* 0 client, 1 server */
    int nseg;                 /* how many */
    struct buf want[2];       /* "pc" / "ps": tshark's plaintext per direction */
};

static void fixture_load(struct fixture *fx, const char *name)
{
    memset(fx, 0, sizeof *fx);
    char path[512];
    FILE *f = NULL;
    const char *dirs[] = {"tests/unit/fixtures/", "fixtures/", "../tests/unit/fixtures/"};
    for (size_t i = 0; !f && i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s%s.tls", dirs[i], name);
        f = fopen(path, "r");
    }
    if (!f) fail_msg("fixture %s.tls not found (run from the repository root)", name);
    static char line[65536];
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (line[0] == 'k' && line[1] == ' ') {
            buf_add(&fx->keylog, line + 2, n - 2);
            buf_add(&fx->keylog, "\n", 1);
        } else if ((line[0] == 'c' || line[0] == 's') && line[1] == ' ') {
            assert_true(fx->nseg < 64);
            fx->seg_dir[fx->nseg] = line[0] == 's';
            buf_hex(&fx->seg[fx->nseg++], line + 2);
        } else if (line[0] == 'p' && (line[1] == 'c' || line[1] == 's') && line[2] == ' ') {
            buf_hex(&fx->want[line[1] == 's'], line + 3);
        }
    }
    fclose(f);
    buf_add(&fx->keylog, "", 1); /* NUL-terminate */
    fx->keylog.n--;
    assert_true(fx->nseg > 4);
    assert_true(fx->want[0].n > 0 && fx->want[1].n > 0);
}

static void fixture_free(struct fixture *fx)
{
    buf_free(&fx->keylog);
    for (int i = 0; i < fx->nseg; i++) buf_free(&fx->seg[i]);
    buf_free(&fx->want[0]);
    buf_free(&fx->want[1]);
}

/* 1 when `b` holds the n bytes at `needle`. */
static int contains(const struct buf *b, const void *needle, size_t n)
{
    for (size_t i = 0; i + n <= b->n; i++)
        if (memcmp(b->p + i, needle, n) == 0) return 1;
    return 0;
}

/* Feeds the fixture (whole segments, or byte by byte) into a new session with `kl`. */
static void fixture_run(const struct fixture *fx, const struct wsi_keylog *kl, int bytewise, struct rec *r)
{
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, r);
    for (int i = 0; i < fx->nseg; i++) {
        if (i == 0) assert_int_equal(wsi_tls_looks_like(fx->seg[i].p, fx->seg[i].n), 1);
        if (bytewise)
            for (size_t k = 0; k < fx->seg[i].n; k++) wsi_tls_feed(t, fx->seg_dir[i], fx->seg[i].p + k, 1);
        else
            wsi_tls_feed(t, fx->seg_dir[i], fx->seg[i].p, fx->seg[i].n);
    }
    wsi_tls_free(t);
}

static void check_capture(const char *name, const char *version, const char *cipher)
{
    struct fixture fx;
    fixture_load(&fx, name);
    struct wsi_keylog *kl = kl_text((const char *)fx.keylog.p);
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        struct rec r = {0};
        fixture_run(&fx, kl, bytewise, &r);
        assert_int_equal(r.errors[0] + r.errors[1], 0);
        assert_string_equal(r.version, version);
        assert_string_equal(r.cipher, cipher);
        assert_string_equal(r.sni, "localhost");
        assert_string_equal(r.alpn_offered, "http/1.1");
        assert_string_equal(r.alpn_selected, "http/1.1");
        assert_int_equal(r.decrypting, 1);
        assert_string_equal(r.why, "");
        /* the HTTP upgrade inside, and exactly what tshark decrypts */
        assert_true(r.pt[0].n > 5 && memcmp(r.pt[0].p, "GET /", 5) == 0);
        assert_true(r.pt[1].n > 12 && memcmp(r.pt[1].p, "HTTP/1.1 101", 12) == 0);
        assert_int_equal(r.pt[0].n, fx.want[0].n);
        assert_memory_equal(r.pt[0].p, fx.want[0].p, r.pt[0].n);
        assert_int_equal(r.pt[1].n, fx.want[1].n);
        assert_memory_equal(r.pt[1].p, fx.want[1].p, r.pt[1].n);
        /* the server's unmasked text frame "hi there" (FIN + text, length 8) */
        assert_true(contains(&r.pt[1], "\x81\x08hi there", 10));
        /* Python's ssl ends with close_notify */
        assert_true(r.alerts[0] + r.alerts[1] >= 1);
        assert_string_equal(r.alert_text, "warning close_notify");
        rec_free(&r);
    }
    /* without keys: the facts in the clear, and why nothing more */
    struct rec r = {0};
    fixture_run(&fx, NULL, 0, &r);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    assert_string_equal(r.version, version);
    assert_string_equal(r.cipher, cipher);
    assert_int_equal(r.decrypting, 0);
    assert_non_null(strstr(r.why, "no key log given"));
    assert_int_equal(r.pt[0].n + r.pt[1].n, 0);
    if (strcmp(version, "TLS1.2") == 0 && r.alerts[0] + r.alerts[1]) /* 1.2 alerts keep their outer type */
        assert_string_equal(r.alert_text, "encrypted alert (not decrypted)");
    rec_free(&r);
    /* with a key log that does not know the session */
    struct wsi_keylog *other = kl_text(r8448_keylog);
    memset(&r, 0, sizeof r);
    fixture_run(&fx, other, 0, &r);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    assert_non_null(strstr(r.why, "the key log has no line for client random"));
    assert_int_equal(r.pt[0].n + r.pt[1].n, 0);
    rec_free(&r);
    wsi_keylog_free(other);
    wsi_keylog_free(kl);
    fixture_free(&fx);
}

static void test_capture_tls13(void **state)
{
    (void)state;
    check_capture("wss-tls13-python", "TLS1.3", "TLS_AES_256_GCM_SHA384");
}

static void test_capture_tls13_aes128(void **state)
{
    (void)state;
    check_capture("wss-tls13-aes128-python", "TLS1.3", "TLS_AES_128_GCM_SHA256");
}

static void test_capture_tls13_chacha(void **state)
{
    (void)state;
    check_capture("wss-tls13-chacha-python", "TLS1.3", "TLS_CHACHA20_POLY1305_SHA256");
}

static void test_capture_tls12(void **state)
{
    (void)state;
    check_capture("wss-tls12-python", "TLS1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
}

static void test_capture_tls12_chacha(void **state)
{
    (void)state;
    check_capture("wss-tls12-chacha-python", "TLS1.2", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
}

/* A real TLS 1.2 session with one ciphertext byte changed in the server's first application record. */
static void test_capture_tls12_tampered(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_load(&fx, "wss-tls12-python");
    struct wsi_keylog *kl = kl_text((const char *)fx.keylog.p);
    /* the last server segment that starts with an application_data record */
    int target = -1;
    for (int i = 0; i < fx.nseg; i++)
        if (fx.seg_dir[i] == 1 && fx.seg[i].n > 30 && fx.seg[i].p[0] == 0x17 && target < 0) target = i;
    assert_true(target >= 0);
    fx.seg[target].p[20] ^= 1;
    struct rec r = {0};
    fixture_run(&fx, kl, 0, &r);
    assert_int_equal(r.errors[1], 1);
    assert_non_null(strstr(r.last_error, "failed authentication with TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    assert_int_equal(r.pt[1].n, 0); /* nothing after the bad record either */
    assert_int_equal(r.pt[0].n, fx.want[0].n);
    rec_free(&r);
    wsi_keylog_free(kl);
    fixture_free(&fx);
}

/* Bytes lost in the server stream: that side stops, said once; the client side goes on. */
static void test_capture_gap(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_load(&fx, "wss-tls13-python");
    struct wsi_keylog *kl = kl_text((const char *)fx.keylog.p);
    struct rec r = {0};
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
    int server_segs = 0;
    for (int i = 0; i < fx.nseg; i++) {
        if (fx.seg_dir[i] == 1 && ++server_segs == 3) { /* the third server segment is lost */
            wsi_tls_gap(t, 1);
            assert_int_equal(r.errors[1], 1);
            assert_non_null(strstr(r.last_error, "bytes missing in the server stream"));
            assert_int_equal(r.decrypting, 1); /* the client side still is */
            assert_non_null(strstr(r.why, "bytes missing"));
            continue;
        }
        wsi_tls_feed(t, fx.seg_dir[i], fx.seg[i].p, fx.seg[i].n);
    }
    assert_int_equal(r.errors[0] + r.errors[1], 1);
    assert_int_equal(r.pt[0].n, fx.want[0].n);
    assert_memory_equal(r.pt[0].p, fx.want[0].p, r.pt[0].n);
    wsi_tls_free(t);
    rec_free(&r);
    wsi_keylog_free(kl);
    fixture_free(&fx);
}

/* Client records before any ServerHello: held up to 64 KiB, then let go (counted, not shown). */
static void test_hold_limit(void **state)
{
    (void)state;
    struct rec r = {0};
    struct buf ch = {0}, sh = {0};
    build_client_hello(&ch, 0x05, "x", 1, NULL, v13_12 + 1, 1, 1);
    build_server_hello(&sh, 0x0304, 0x1301, NULL, NULL);
    struct wsi_keylog *kl = kl_text(r8448_keylog);
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
    wsi_tls_feed(t, 0, ch.p, ch.n);
    uint8_t app[5 + 1000] = {0x17, 0x03, 0x03, 0x03, 0xe8};
    for (int i = 0; i < 70; i++) wsi_tls_feed(t, 0, app, sizeof app);
    const struct wsi_tls_stats *st = wsi_tls_get_stats(t);
    assert_true(st->undecrypted[0] >= 60 && st->undecrypted[0] < 70); /* the first 65 released, the rest held */
    assert_non_null(strstr(wsi_tls_get_info(t)->why_not, "no ServerHello seen"));
    wsi_tls_feed(t, 1, sh.p, sh.n);
    assert_int_equal(st->undecrypted[0] + st->decrypted[0], 70);
    assert_int_equal(r.pt[0].n, 0);
    wsi_tls_free(t);

    /* the ServerHello never comes: finish() counts what was held */
    t = wsi_tls_new(kl, &rec_cb, &r);
    wsi_tls_feed(t, 0, ch.p, ch.n);
    for (int i = 0; i < 3; i++) wsi_tls_feed(t, 0, app, sizeof app);
    st = wsi_tls_get_stats(t);
    assert_int_equal(st->records[0], 1);
    assert_null(wsi_tls_get_info(t)->why_not);
    wsi_tls_finish(t);
    assert_int_equal(st->records[0], 4);
    assert_int_equal(st->undecrypted[0], 3);
    assert_non_null(strstr(wsi_tls_get_info(t)->why_not, "no ServerHello seen"));
    wsi_tls_free(t);
    wsi_keylog_free(kl);
    buf_free(&ch);
    buf_free(&sh);
    rec_free(&r);
}

/* ---- a key log that grows while the session is read (live capture) -------------------- */

/* A key log file at a new temporary path, holding `text`; the file is left for the test to change. */
static struct wsi_keylog *kl_file(char path[40], const char *text)
{
    snprintf(path, 40, "/tmp/test_tls_keylog_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    char err[256] = "";
    struct wsi_keylog *kl = wsi_keylog_load(path, err);
    if (!kl) fail_msg("key log refused: %s", err);
    assert_true(wsi_keylog_follows(kl));
    return kl;
}

/* Appends `text` to the file ("ab"), or writes it as the whole file ("wb"). */
static void file_put(const char *path, const char *text, const char *mode)
{
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* The RFC 8448 records in wire order: direction and record. */
static void trace_items(const struct trace *tr, int dir[9], const struct buf *rec[9])
{
    static const int order[9][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {1, 2}, {0, 2}, {1, 3}, {0, 3}, {1, 4}};
    for (int i = 0; i < 9; i++) {
        dir[i] = order[i][0];
        rec[i] = order[i][0] ? &tr->s_parts[order[i][1]] : &tr->c_parts[order[i][1]];
    }
}

/* Packet i + 1, `step_us` microseconds apart. */
static struct wsi_tls_origin at_packet(int i, uint64_t step_us)
{
    uint64_t us = (uint64_t)i * step_us;
    return (struct wsi_tls_origin){.packet = (uint64_t)i + 1, .ts_sec = 1700000000 + (int64_t)(us / 1000000),
                                   .ts_nsec = (uint32_t)(us % 1000000) * 1000};
}

static const char kl_header[] = "# SSL/TLS secrets log file, generated by NSS\n";

/*
 * The key log gains the session's lines after record `j` (in wire order) was
 * read: whatever j, everything is decrypted, the records read before included,
 * info() is said once, with the ServerHello's packet, and each plaintext comes
 * with its own record's packet.
 */
static void test_keylog_grows(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    int dir[9];
    const struct buf *item[9];
    trace_items(&tr, dir, item);
    for (int j = 0; j <= 9; j++) { /* 9: only when the end comes */
        char path[40];
        struct wsi_keylog *kl = kl_file(path, kl_header);
        struct rec r = {0};
        struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
        r.t = t;
        for (int i = 0; i < 9; i++) {
            struct wsi_tls_origin o = at_packet(i, 1000);
            wsi_tls_feed_at(t, dir[i], item[i]->p, item[i]->n, &o);
            if (i == 1 && j >= 1) { /* the ServerHello read, the key log still without the session's lines */
                assert_int_equal(r.infos, 0);
                assert_non_null(strstr(wsi_tls_get_info(t)->why_not, "the key log has no line for client random " R_CR
                                                                      " yet: the records are held"));
                assert_int_equal(wsi_tls_get_info(t)->decrypting, 0);
            }
            if (i == j) file_put(path, r8448_keylog, "ab");
        }
        /* the 1st, 2nd, 4th... record held looks at the key log: lines added after the client's
         * Finished (the 2nd held) are found at the 4th; later ones at the end */
        if (j >= 1 && j <= 4) assert_int_equal(r.pt[0].n, 50);
        if (j >= 5) assert_int_equal(r.pt[0].n + r.pt[1].n + (size_t)r.infos, 0);
        if (j == 9) file_put(path, r8448_keylog, "ab");
        wsi_tls_finish(t);
        assert_int_equal(r.errors[0] + r.errors[1], 0);
        assert_int_equal(r.infos, 1);
        assert_int_equal(r.info_packet, 2);
        assert_int_equal(r.decrypting, 1);
        assert_string_equal(r.why, "");
        check_pattern50(&r.pt[0]);
        check_pattern50(&r.pt[1]);
        assert_int_equal(r.plain_packet[0][0], 6);
        assert_int_equal(r.plain_packet[1][0], 7);
        assert_int_equal(r.alerts[0] + r.alerts[1], 2);
        const struct wsi_tls_stats *st = wsi_tls_get_stats(t);
        assert_int_equal(st->decrypted[0], 3);
        assert_int_equal(st->decrypted[1], 4);
        assert_int_equal(st->undecrypted[0] + st->undecrypted[1], 0);
        assert_int_equal(wsi_tls_held(t), 0);
        if (j == 0) { /* there before the ServerHello: found at its look, no wait */
            assert_int_equal(st->keylog_checks, 1);
            assert_int_equal(st->held_max[0] + st->held_max[1], 0);
        } else {
            assert_true(st->keylog_checks >= 2);
            assert_int_equal(st->keylog_rereads, 1);
            assert_true(st->held_max[1] >= item[2]->n);
        }
        wsi_tls_free(t);
        rec_free(&r);
        wsi_keylog_free(kl);
        remove(path);
    }
    trace_free(&tr);
}

/* The lines come in pieces (the handshake secrets first, a line cut in two): the wait lasts until all four are there. */
static void test_keylog_grows_in_pieces(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    int dir[9];
    const struct buf *item[9];
    trace_items(&tr, dir, item);
    const char *third = strstr(r8448_keylog, "CLIENT_TRAFFIC_SECRET_0");
    assert_non_null(third);
    char hs_lines[512], cut[512];
    snprintf(hs_lines, sizeof hs_lines, "%.*s%.40s", (int)(third - r8448_keylog), r8448_keylog, third);
    snprintf(cut, sizeof cut, "%s", third + 40);
    char path[40];
    struct wsi_keylog *kl = kl_file(path, "");
    struct rec r = {0};
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
    r.t = t;
    for (int i = 0; i < 9; i++) {
        struct wsi_tls_origin o = at_packet(i, 1000);
        wsi_tls_feed_at(t, dir[i], item[i]->p, item[i]->n, &o);
        if (i == 1) file_put(path, hs_lines, "ab");
        if (i == 3) { /* the 2nd held record looked: half the secrets are not enough */
            assert_int_equal(wsi_tls_get_stats(t)->keylog_checks, 3);
            assert_int_equal(r.infos, 0);
            file_put(path, cut, "ab");
        }
    }
    assert_int_equal(r.infos, 1); /* found at the 4th held record */
    check_pattern50(&r.pt[0]);
    check_pattern50(&r.pt[1]);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    assert_string_equal(r.why, "");
    assert_int_equal(wsi_keylog_stats(kl)->entries, 4);
    wsi_tls_free(t);
    rec_free(&r);
    wsi_keylog_free(kl);
    remove(path);
    trace_free(&tr);
}

/* The key log file truncated and written again, or replaced, while the session waits: read whole, found. */
static void test_keylog_replaced_while_waiting(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    int dir[9];
    const struct buf *item[9];
    trace_items(&tr, dir, item);
    /* another session's lines (the same secrets under another client random), and more of them */
    char other[1024];
    snprintf(other, sizeof other, "%s%s", kl_header, r8448_keylog);
    for (char *p = other; (p = strstr(p, R_CR)) != NULL; p += 64) p[0] = 'd';
    for (int how = 0; how < 2; how++) {
        char path[40];
        struct wsi_keylog *kl = kl_file(path, other);
        struct rec r = {0};
        struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
        for (int i = 0; i < 9; i++) {
            wsi_tls_feed(t, dir[i], item[i]->p, item[i]->n);
            if (i != 2) continue;
            if (how == 0) { /* truncated, then the right lines: a shorter file */
                file_put(path, r8448_keylog, "wb");
            } else { /* a new file renamed over it */
                char tmp[48];
                snprintf(tmp, sizeof tmp, "%s.new", path);
                file_put(tmp, r8448_keylog, "wb");
                assert_int_equal(rename(tmp, path), 0);
            }
        }
        check_pattern50(&r.pt[0]);
        check_pattern50(&r.pt[1]);
        assert_int_equal(r.infos, 1);
        assert_string_equal(r.why, "");
        assert_int_equal(wsi_keylog_stats(kl)->reloads, 1);
        assert_int_equal(wsi_keylog_stats(kl)->entries, 4);
        wsi_tls_free(t);
        rec_free(&r);
        wsi_keylog_free(kl);
        remove(path);
    }
    trace_free(&tr);
}

/* Bytes lost while the secrets are awaited: the loss takes its turn after the records held before it. */
static void test_keylog_gap_while_waiting(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    int dir[9];
    const struct buf *item[9];
    trace_items(&tr, dir, item);
    char path[40];
    struct wsi_keylog *kl = kl_file(path, kl_header);
    struct rec r = {0};
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
    for (int i = 0; i < 9; i++) {
        if (i == 4) { /* the server's ticket is lost: the server's records after it are not read */
            wsi_tls_gap(t, 1);
            assert_int_equal(r.errors[1], 0); /* said in its turn */
        }
        wsi_tls_feed(t, dir[i], item[i]->p, item[i]->n);
    }
    file_put(path, r8448_keylog, "ab");
    wsi_tls_finish(t);
    assert_int_equal(r.errors[1], 1);
    assert_non_null(strstr(r.last_error, "bytes missing in the server stream"));
    assert_int_equal(r.pt[1].n, 0); /* the server's data came after the loss */
    check_pattern50(&r.pt[0]);
    const struct wsi_tls_stats *st = wsi_tls_get_stats(t);
    assert_int_equal(st->decrypted[1], 1); /* its flight, read before the loss, was decrypted */
    assert_int_equal(st->decrypted[0], 3);
    assert_int_equal(r.decrypting, 1);     /* the client side */
    wsi_tls_free(t);
    rec_free(&r);
    wsi_keylog_free(kl);
    remove(path);
    trace_free(&tr);
}

/*
 * A client random that never comes into the key log: the key log is looked at
 * a bounded number of times (the 1st, 2nd, 4th... record held, every 100 ms of
 * capture time), re-read only when it changed; at most WSI_TLS_WAIT_HOLD bytes
 * are held per direction; then the wait is given up, said, and the records are
 * counted as not decrypted.
 */
static void test_keylog_never_comes(void **state)
{
    (void)state;
    struct trace tr;
    trace_build(&tr);
    uint8_t app[5 + 1000] = {0x17, 0x03, 0x03, 0x03, 0xe8};
    char path[40], line[256];

    /* 300 server records 0.1 ms apart; another session's line added after every 16th */
    struct wsi_keylog *kl = kl_file(path, kl_header);
    struct rec r = {0};
    struct wsi_tls *t = wsi_tls_new(kl, &rec_cb, &r);
    r.t = t;
    struct wsi_tls_origin o = at_packet(0, 100);
    wsi_tls_feed_at(t, 0, tr.c_parts[0].p, tr.c_parts[0].n, &o);
    o = at_packet(1, 100);
    wsi_tls_feed_at(t, 1, tr.s_parts[0].p, tr.s_parts[0].n, &o);
    const struct wsi_tls_stats *st = wsi_tls_get_stats(t);
    assert_int_equal(st->keylog_checks, 1);
    int gave_up_at = 0;
    for (int i = 1; i <= 300; i++) {
        o = at_packet(i + 1, 100);
        wsi_tls_feed_at(t, 1, app, sizeof app, &o);
        assert_true(wsi_tls_held(t) <= WSI_TLS_WAIT_HOLD); /* the buffer, doubled from 4 KiB up to the limit */
        if (!gave_up_at && r.errors[1]) gave_up_at = i;
        if (i % 16 == 0) {
            snprintf(line, sizeof line, "CLIENT_RANDOM %064x " MS48 "\n", i);
            file_put(path, line, "ab");
        }
    }
    /* 1045 bytes held per record (1005 and the bookkeeping): the 251st does not fit in 256 KiB */
    assert_int_equal(gave_up_at, 251);
    assert_true(st->held_max[1] <= WSI_TLS_WAIT_HOLD && st->held_max[1] > WSI_TLS_WAIT_HOLD - 1045);
    /* looked at: the ServerHello, held records 1, 2, 4, 8, 16, 32, 64, 128, and once more at the limit */
    assert_int_equal(st->keylog_checks, 10);
    /* re-read when it had changed: at the 32nd, 64th, 128th and the last look */
    assert_int_equal(st->keylog_rereads, 4);
    assert_int_equal(wsi_keylog_stats(kl)->rereads, 4);
    assert_int_equal(r.errors[1], 1);
    assert_string_equal(r.last_error, "the key log still has no line for client random " R_CR " after 256 KiB of the "
                                      "server's records were held (the limit): given up waiting, the records stay "
                                      "encrypted");
    assert_int_equal(r.error_packet, 253); /* the record that did not fit */
    assert_int_equal(r.infos, 1);
    assert_int_equal(r.info_packet, 2);
    assert_int_equal(r.decrypting, 0);
    assert_string_equal(r.why, "the key log has no line for client random " R_CR " (waited for it until 256 KiB of "
                               "the server's records were held (the limit): the key log was checked 10 times and "
                               "re-read 4 times)");
    assert_int_equal(st->undecrypted[1], 300);
    assert_int_equal(st->records[1], 301);
    assert_int_equal(wsi_tls_held(t), 0);
    assert_int_equal(r.pt[1].n, 0);
    wsi_tls_finish(t); /* no wait any more: nothing more looked at */
    assert_int_equal(st->keylog_checks, 10);
    wsi_tls_free(t);
    rec_free(&r);

    /* a few records, then the end: one last look; 1 ms apart, the records' count alone paces the looks
     * (the line added after the first session's last look is read at this one's first) */
    memset(&r, 0, sizeof r);
    t = wsi_tls_new(kl, &rec_cb, &r);
    for (int i = 0; i < 12; i++) {
        o = at_packet(i, 1000);
        const struct buf *b = i == 0 ? &tr.c_parts[0] : i == 1 ? &tr.s_parts[0] : NULL;
        if (b) wsi_tls_feed_at(t, i, b->p, b->n, &o);
        else wsi_tls_feed_at(t, i % 2, app, sizeof app, &o);
    }
    st = wsi_tls_get_stats(t);
    assert_int_equal(st->keylog_checks, 5); /* the ServerHello, held records 1, 2, 4, 8 */
    assert_int_equal(r.infos, 0);
    wsi_tls_finish(t);
    assert_int_equal(st->keylog_checks, 6);
    assert_int_equal(r.errors[0] + r.errors[1], 0);
    assert_int_equal(r.infos, 1);
    assert_string_equal(r.why, "the key log has no line for client random " R_CR " (waited for it until the end of "
                               "the connection in the capture: the key log was checked 6 times and re-read 1 times)");
    assert_int_equal(st->undecrypted[0] + st->undecrypted[1], 10);
    wsi_tls_free(t);
    rec_free(&r);

    /* 150 ms apart: each record held is a look (capture time), not more */
    memset(&r, 0, sizeof r);
    t = wsi_tls_new(kl, &rec_cb, &r);
    for (int i = 0; i < 22; i++) {
        o = at_packet(i, 150000);
        const struct buf *b = i == 0 ? &tr.c_parts[0] : i == 1 ? &tr.s_parts[0] : NULL;
        if (b) wsi_tls_feed_at(t, i, b->p, b->n, &o);
        else wsi_tls_feed_at(t, 1, app, sizeof app, &o);
    }
    assert_int_equal(wsi_tls_get_stats(t)->keylog_checks, 21);
    wsi_tls_free(t);
    rec_free(&r);
    wsi_keylog_free(kl);
    remove(path);
    trace_free(&tr);
}

/* ---- the same through the whole pipeline: a capture read packet by packet --------------- */

/* One line per event, with its packet and time; END events apart (they may come before held records' events). */
struct evlog {
    struct buf text;  /* the events but END */
    int ends;         /* END events */
};

static void ev_line(void *self, const struct wsi_event *ev)
{
    struct evlog *l = self;
    char line[768];
    int n = snprintf(line, sizeof line, "%d side=%d packet=%llu ts=%lld.%09u", (int)ev->kind, (int)ev->side,
                     (unsigned long long)ev->packet, (long long)ev->ts_sec, ev->ts_nsec);
    size_t k = n > 0 && (size_t)n < sizeof line ? (size_t)n : 0;
    switch (ev->kind) {
    case WSI_EV_HTTP:
        snprintf(line + k, sizeof line - k, " http %s %d", ev->u.http.is_request ? ev->u.http.target : "",
                 ev->u.http.status);
        break;
    case WSI_EV_HANDSHAKE: snprintf(line + k, sizeof line - k, " %s", wsi_hs_verdict_id(ev->u.hs.verdict)); break;
    case WSI_EV_MESSAGE:
        snprintf(line + k, sizeof line - k, " op=%u \"%.*s\"", ev->u.msg.m->opcode, (int)ev->u.msg.m->preview_len,
                 (const char *)ev->u.msg.m->preview);
        break;
    case WSI_EV_TLS:
        if (ev->u.tls.info)
            snprintf(line + k, sizeof line - k, " info decrypting=%d alpn=%s why=%s", ev->u.tls.info->decrypting,
                     ev->u.tls.info->alpn_selected, ev->u.tls.info->why_not ? ev->u.tls.info->why_not : "-");
        else
            snprintf(line + k, sizeof line - k, " %s", ev->u.tls.alert ? ev->u.tls.alert : ev->u.tls.error);
        break;
    case WSI_EV_CLOSE:
        snprintf(line + k, sizeof line - k, " decrypted=%d close=%d/%d messages=%llu/%llu", ev->u.close.tls_decrypted,
                 ev->u.close.close_code[0], ev->u.close.close_code[1], (unsigned long long)ev->u.close.messages[0],
                 (unsigned long long)ev->u.close.messages[1]);
        break;
    case WSI_EV_END: l->ends++; return;
    default: break;
    }
    buf_add(&l->text, line, strlen(line));
    buf_add(&l->text, "\n", 1);
}

/* Reads a capture through a session with key log `kl`; `grow` (when not NULL) is appended to the
 * key log's file at `path` after packet `after` was read. */
struct run_ctx {
    struct wsi_session *s;
    uint64_t after;
    const char *path, *grow;
};

static void run_packet(void *user, const struct wsi_packet *pkt)
{
    struct run_ctx *rc = user;
    wsi_session_packet(rc->s, pkt);
    if (rc->grow && pkt->num == rc->after) file_put(rc->path, rc->grow, "ab");
}

static void run_capture(const char *pcap, const struct wsi_keylog *kl, const char *path, const char *grow,
                        uint64_t after, struct evlog *out)
{
    char err[WSI_ERRBUF];
    struct wsi_capture *cap = wsi_capture_open_file(pcap, err);
    if (!cap) fail_msg("%s", err);
    struct wsi_sink sink = {.event = ev_line, .self = out};
    struct wsi_session_opts so = {.keylog = kl};
    struct run_ctx rc = {.s = wsi_session_new(&so, &sink), .after = after, .path = path, .grow = grow};
    assert_non_null(rc.s);
    assert_int_equal(wsi_capture_run(cap, 0, run_packet, &rc, err), 0);
    wsi_session_finish(rc.s);
    wsi_session_free(rc.s);
    wsi_capture_close(cap);
    buf_add(&out->text, "", 1);
}

/* Reads a whole small file into a NUL-terminated buffer. */
static void slurp(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("%s not found (run from the repository root)", path);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(b, chunk, n);
    fclose(f);
    buf_add(b, "", 1);
}

/*
 * A capture read with a key log that is empty at first and gets the client's
 * lines after packet k, for every k until the connection ends (its close is
 * said at the packet that ends it): the same events, packets and times as
 * with the whole key log from the start (the TLS facts, the upgrade, "hello"
 * / "hi there", the closes), whichever packets were read before the lines
 * came. Lines that come after its end are too late for it.
 */
static void check_capture_grows(const char *name)
{
    char pcap[128], keys[128];
    snprintf(pcap, sizeof pcap, "captures/%s.pcap", name);
    snprintf(keys, sizeof keys, "captures/%s.keylog", name);
    struct buf lines = {0};
    slurp(keys, &lines);
    char err[256] = "";
    struct wsi_keylog *whole = wsi_keylog_load(keys, err);
    assert_non_null(whole);
    struct evlog want = {0};
    run_capture(pcap, whole, NULL, NULL, 0, &want);
    const char *w = (const char *)want.text.p;
    assert_int_equal(want.ends, 2);
    assert_non_null(strstr(w, " info decrypting=1 alpn=http/1.1 why=-"));
    assert_non_null(strstr(w, "op=1 \"hi there\""));
    assert_non_null(strstr(w, "decrypted=1 close=1000/1000 messages=2/2"));
    char close_at[32];
    snprintf(close_at, sizeof close_at, "\n%d side=-1 packet=", (int)WSI_EV_CLOSE);
    const char *cl = strstr(w, close_at);
    assert_non_null(cl);
    uint64_t end = strtoull(cl + strlen(close_at), NULL, 10);
    assert_true(end > 10);
    for (uint64_t k = 1; k < end; k++) {
        char path[40];
        struct wsi_keylog *kl = kl_file(path, "");
        struct evlog got = {0};
        run_capture(pcap, kl, path, (const char *)lines.p, k, &got);
        if (strcmp((const char *)got.text.p, w) != 0)
            fail_msg("%s, lines after packet %llu:\n%s\nwanted:\n%s", name, (unsigned long long)k,
                     (const char *)got.text.p, w);
        assert_int_equal(got.ends, 2);
        buf_free(&got.text);
        wsi_keylog_free(kl);
        remove(path);
    }
    /* too late (with the packet that ends the connection): the TLS facts and why, with the wait */
    char path[40];
    struct wsi_keylog *kl = kl_file(path, "");
    struct evlog late = {0};
    run_capture(pcap, kl, path, (const char *)lines.p, end, &late);
    const char *l = (const char *)late.text.p;
    assert_non_null(strstr(l, " info decrypting=0 alpn="));
    assert_non_null(strstr(l, " why=the key log has no line for client random "));
    assert_non_null(strstr(l, "(waited for it until the end of the connection in the capture: the key log was "
                              "checked "));
    assert_non_null(strstr(l, "decrypted=0"));
    assert_null(strstr(l, "hi there"));
    buf_free(&late.text);
    wsi_keylog_free(kl);
    remove(path);
    buf_free(&want.text);
    buf_free(&lines);
    wsi_keylog_free(whole);
}

static void test_capture_keylog_grows(void **state)
{
    (void)state;
    check_capture_grows("wss-tls13-python");
    check_capture_grows("wss-tls12-python");
    check_capture_grows("wss-tls12-chacha-python");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_looks_like),
        cmocka_unit_test(test_hello_tls13_no_keylog), cmocka_unit_test(test_record_names),
        cmocka_unit_test(test_hello_tls12_bytewise),
        cmocka_unit_test(test_hello_swapped_and_escaped),
        cmocka_unit_test(test_hello_retry),
        cmocka_unit_test(test_midstream_and_not_tls),
        cmocka_unit_test(test_handshake_limits),
        cmocka_unit_test(test_rfc8448_transcript),
        cmocka_unit_test(test_rfc8448_traffic_keys),
        cmocka_unit_test(test_rfc8448_decrypt),
        cmocka_unit_test(test_rfc8448_every_prefix_and_split),
        cmocka_unit_test(test_rfc8448_tampered),
        cmocka_unit_test(test_rfc8448_bad_keys),
        cmocka_unit_test(test_rfc8448_key_update),
        cmocka_unit_test(test_tls12_key_block),
        cmocka_unit_test(test_random_input),
        cmocka_unit_test(test_capture_tls13),
        cmocka_unit_test(test_capture_tls13_aes128),
        cmocka_unit_test(test_capture_tls13_chacha),
        cmocka_unit_test(test_capture_tls12),
        cmocka_unit_test(test_capture_tls12_chacha),
        cmocka_unit_test(test_capture_tls12_tampered),
        cmocka_unit_test(test_capture_gap),
        cmocka_unit_test(test_hold_limit),
        cmocka_unit_test(test_keylog_grows),
        cmocka_unit_test(test_keylog_grows_in_pieces),
        cmocka_unit_test(test_keylog_replaced_while_waiting),
        cmocka_unit_test(test_keylog_gap_while_waiting),
        cmocka_unit_test(test_keylog_never_comes),
        cmocka_unit_test(test_capture_keylog_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
