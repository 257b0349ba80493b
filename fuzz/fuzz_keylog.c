/* fuzz_keylog.c - libFuzzer harness for the NSS key log parser (inspector/keylog.c,
 * wsi_keylog_parse_buf and wsi_keylog_lookup).
 *
 * Input: the text of a key log file, as is (seeds: the key logs in captures/).
 *
 * Besides the sanitizers: a refused file has a message naming it; an accepted
 * one has coherent counters (no more entries or bad lines than lines) and a
 * NUL-terminated reason for its first bad line; every 64-hex-digit run in the
 * input is looked up under every label, and a secret found is 1..48 bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "keylog.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = (char *)fz_dup(data, size);
    char err[256] = "";
    struct wsi_keylog *kl = wsi_keylog_parse_buf(buf, size, "fuzz.keylog", err);
    if (!kl) {
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL, "error not terminated");
        FUZZ_CHECK(strncmp(err, "fuzz.keylog", 11) == 0, "error does not name the file: '%s'", err);
        free(buf);
        return 0;
    }
    const struct wsi_keylog_stats *st = wsi_keylog_stats(kl);
    FUZZ_CHECK(st->entries <= st->lines && st->malformed <= st->lines && st->ignored <= st->lines,
               "counters: %llu lines, %llu entries, %llu malformed, %llu ignored", (unsigned long long)st->lines,
               (unsigned long long)st->entries, (unsigned long long)st->malformed, (unsigned long long)st->ignored);
    FUZZ_CHECK(st->conflicts <= st->duplicates, "more conflicts than duplicates");
    FUZZ_CHECK(st->first_bad_line <= st->lines, "first bad line %llu of %llu", (unsigned long long)st->first_bad_line,
               (unsigned long long)st->lines);
    FUZZ_CHECK(memchr(st->first_bad_why, '\0', sizeof st->first_bad_why) != NULL, "first_bad_why not terminated");
    const char *w = wsi_keylog_warning(kl);
    if (w) (void)strlen(w);

    /* look up every client random the text contains (runs of 64 hex digits) */
    size_t run = 0;
    for (size_t i = 0; i <= size; i++) {
        int h = i < size ? hexval((unsigned char)buf[i]) : -1;
        if (h >= 0) {
            run++;
            continue;
        }
        if (run >= 64) {
            uint8_t cr[32];
            const char *s = buf + i - run;
            for (int k = 0; k < 32; k++) cr[k] = (uint8_t)(hexval(s[2 * k]) << 4 | hexval(s[2 * k + 1]));
            for (int l = 0; l < WSI_KL_NLABELS; l++) {
                const uint8_t *sec = NULL;
                size_t n = 0;
                if (wsi_keylog_lookup(kl, cr, (enum wsi_keylog_label)l, &sec, &n)) {
                    FUZZ_CHECK(sec != NULL && n >= 1 && n <= WSI_KEYLOG_MAX_SECRET, "secret of %zu bytes", n);
                    (void)fz_fnv(FZ_FNV_INIT, sec, n);
                }
            }
        }
        run = 0;
    }
    wsi_keylog_free(kl);
    free(buf);
    return 0;
}
