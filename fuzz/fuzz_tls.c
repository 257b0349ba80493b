/* fuzz_tls.c - libFuzzer harness for TLS on a connection (inspector/tls.c): record
 * framing, ClientHello/ServerHello parsing, key schedule and AEAD decryption with
 * a key log, alerts.
 *
 * Input layout:
 *   2 bytes     length K of a key log (big-endian), then its K bytes (NSS format);
 *               no key log when it does not parse
 *   then chunks until the input ends:
 *     byte      bit 0: direction (0 client, 1 server); bit 1: a gap in that
 *               direction before the chunk
 *     2 bytes   length (cut to what is left), then the bytes
 *   fuzz/make-seeds.sh writes the wss:// captures' TCP streams with their key
 *   logs in this form, so the decrypting paths are reached from the start.
 *
 * The chunks are fed twice to two sessions: whole, and each cut in half. The
 * header promises "split anywhere", so both must report the same callbacks
 * (decrypted bytes folded into a hash per direction), the same counters and the
 * same final facts; a difference aborts. Also checked: every string of the
 * info is printable ASCII (it goes to terminals and JSON), as tls.h promises.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tls.h"

struct run {
    struct fz_log log;
    uint64_t plain_n[2], plain_h[2];
};

static void check_ascii(const char *what, const char *s, int may_be_null)
{
    if (!s) {
        FUZZ_CHECK(may_be_null, "info.%s is NULL", what);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        FUZZ_CHECK(*p >= 0x20 && *p < 0x7f, "info.%s has byte 0x%02x", what, *p);
}

static void check_info(const struct wsi_tls_info *i)
{
    check_ascii("sni", i->sni, 0);
    check_ascii("alpn_offered", i->alpn_offered, 0);
    check_ascii("alpn_selected", i->alpn_selected, 0);
    check_ascii("versions_offered", i->versions_offered, 0);
    check_ascii("version", i->version, 0);
    check_ascii("cipher", i->cipher, 0);
    check_ascii("client_random", i->client_random, 0);
    check_ascii("why_not", i->why_not, 1);
}

static void log_info(struct fz_log *l, const struct wsi_tls_info *i)
{
    fz_log_str(l, i->sni);
    fz_log_str(l, i->alpn_offered);
    fz_log_str(l, i->alpn_selected);
    fz_log_str(l, i->versions_offered);
    fz_log_str(l, i->version);
    fz_log_str(l, i->cipher);
    fz_log_str(l, i->client_random);
    fz_log_u64(l, (uint64_t)i->hello_retry);
    fz_log_u64(l, (uint64_t)i->decrypting);
    fz_log_str(l, i->why_not);
}

static void cb_plaintext(void *user, int dir, const uint8_t *data, size_t len)
{
    struct run *r = user;
    FUZZ_CHECK(dir == 0 || dir == 1, "direction %d", dir);
    r->plain_n[dir] += len;
    r->plain_h[dir] = fz_fnv(r->plain_h[dir], data, len);
}

static void cb_info(void *user, const struct wsi_tls_info *info)
{
    struct run *r = user;
    check_info(info);
    fz_log_put(&r->log, "I", 1);
    log_info(&r->log, info);
}

static void cb_alert(void *user, int dir, int level, int description, const char *text)
{
    struct run *r = user;
    FUZZ_CHECK(dir == 0 || dir == 1, "direction %d", dir);
    FUZZ_CHECK(text != NULL, "alert without text");
    fz_log_put(&r->log, "A", 1);
    fz_log_u64(&r->log, (uint64_t)dir);
    fz_log_u64(&r->log, (uint64_t)level);
    fz_log_u64(&r->log, (uint64_t)description);
    fz_log_str(&r->log, text);
}

static void cb_error(void *user, int dir, const char *why)
{
    struct run *r = user;
    FUZZ_CHECK(why != NULL, "error without a reason");
    fz_log_put(&r->log, "E", 1);
    fz_log_u64(&r->log, (uint64_t)dir);
    fz_log_str(&r->log, why);
}

static void cb_record(void *user, int dir, const struct wsi_tls_record *rec)
{
    struct run *r = user;
    FUZZ_CHECK(dir == 0 || dir == 1, "direction %d", dir);
    FUZZ_CHECK(rec->len <= WSI_TLS_MAX_RECORD, "record of %zu bytes", rec->len);
    FUZZ_CHECK(rec->handshake != NULL, "record without its handshake names");
    for (const char *p = rec->handshake; *p; p++)
        FUZZ_CHECK(*p >= 0x20 && *p < 0x7F, "handshake names not printable: 0x%02x", (unsigned)(uint8_t)*p);
    FUZZ_CHECK(!*rec->handshake || (rec->type == 22 && !rec->encrypted), "names on a record of type %d%s", rec->type,
               rec->encrypted ? ", encrypted" : "");
    fz_log_put(&r->log, "R", 1);
    fz_log_u64(&r->log, (uint64_t)dir);
    fz_log_u64(&r->log, (uint64_t)rec->type);
    fz_log_u64(&r->log, (uint64_t)rec->len);
    fz_log_u64(&r->log, (uint64_t)rec->encrypted);
    fz_log_str(&r->log, rec->handshake);
}

static const struct wsi_tls_cb callbacks = {cb_plaintext, cb_info, cb_alert, cb_error, cb_record};

/* Feed the chunks; halves = 1 cuts each chunk in two. */
static void run_once(struct run *r, const struct wsi_keylog *kl, const uint8_t *p, size_t n, int halves)
{
    r->plain_h[0] = r->plain_h[1] = FZ_FNV_INIT;
    struct wsi_tls *t = wsi_tls_new(kl, &callbacks, r);
    if (!t) abort();
    struct fz_in in = {p, n};
    while (in.left > 0) {
        uint8_t fl = fz_u8(&in);
        int dir = fl & 1;
        size_t len;
        const uint8_t *c = fz_bytes(&in, fz_u16(&in), &len);
        if (fl & 2) wsi_tls_gap(t, dir);
        size_t k = halves ? len / 2 : len;
        uint8_t *a = fz_dup(c, k), *b = fz_dup(c + k, len - k);
        wsi_tls_feed(t, dir, a, k);
        if (len - k) wsi_tls_feed(t, dir, b, len - k);
        free(a);
        free(b);
    }
    wsi_tls_finish(t);
    const struct wsi_tls_info *i = wsi_tls_get_info(t);
    check_info(i);
    fz_log_put(&r->log, "F", 1);
    log_info(&r->log, i);
    const struct wsi_tls_stats *st = wsi_tls_get_stats(t);
    fz_log_put(&r->log, st, sizeof *st);
    for (int d = 0; d < 2; d++) {
        FUZZ_CHECK(st->plaintext_bytes[d] == r->plain_n[d], "dir %d: %llu plaintext bytes counted, %llu handed over",
                   d, (unsigned long long)st->plaintext_bytes[d], (unsigned long long)r->plain_n[d]);
        fz_log_u64(&r->log, r->plain_h[d]);
    }
    wsi_tls_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};
    size_t klen;
    const uint8_t *k = fz_bytes(&in, fz_u16(&in), &klen);
    char *kbuf = (char *)fz_dup(k, klen);
    char err[256];
    struct wsi_keylog *kl = klen ? wsi_keylog_parse_buf(kbuf, klen, "fuzz.keylog", err) : NULL;

    struct run a = {0}, b = {0};
    run_once(&a, kl, in.p, in.left, 0);
    run_once(&b, kl, in.p, in.left, 1);
    if (a.log.n != b.log.n || memcmp(a.log.b, b.log.b, a.log.n) != 0) {
        fprintf(stderr, "tls: feeding each chunk in two halves differs from feeding it whole: records of %zu and %zu "
                        "bytes differ at byte %zu\n",
                a.log.n, b.log.n, fz_log_diff_at(&a.log, &b.log));
        abort();
    }
    fz_log_free(&a.log);
    fz_log_free(&b.log);
    wsi_keylog_free(kl);
    free(kbuf);
    return 0;
}
