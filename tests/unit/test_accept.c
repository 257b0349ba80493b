/* test_accept.c - unit tests for the key checks and the Key -> Accept computation (calc/accept.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "accept.h"

/* A key and the Accept it must give. */
struct vec {
    const char *key;    /* Sec-WebSocket-Key */
    const char *accept; /* expected Sec-WebSocket-Accept */
};

/*
 * Independent vectors. The keys were made with `openssl rand -base64 16` and
 * each Accept was computed outside this project with the shell pipeline
 *     printf '%s' "$KEY"258EAFA5-E914-47DA-95CA-C5AB0DC85B11 | openssl sha1 -binary | base64
 * then pasted here.
 */
static const struct vec good[] = {
    {"nhKHCY9l4mGGKFliUDBeVw==", "5OtIr9xwM8AnjzYnpLH2QAf/tro="},
    {"jrTJZ5dNxgmQRaZ7PHMLJw==", "Pw+uymNLdTFRcPteOTuE0/YrzbY="},
    {"dI9LechVK+7U0R3/eEx/XQ==", "yn6f0LQowY87lAh2g0467ztAIqo="},
    {"DeI/Jnwaz1s9V8mEEx2shg==", "1A0XAbiMoKtrQGGbbYQ8TQRi6cM="},
    {"0r2TEoEFQ7Zm/+59trn9Pw==", "dSVePY0bePum/9GJXFguuSbVZqs="},
    {"rEwYZE94Vft8fwgIS054CA==", "QlImw0j/L3hz9bSofFAflwUg5I0="},
    {"r7CmjINg3V8JTvIp+NK7pQ==", "sufdxYtzdKpTUDiJk3aNT60xAVs="},
    {"q+FTsbeVFwskWrctnjTdHw==", "VRz7Tj7hU7XAT5fTZ9bxIWNIdO4="},
    {"N7iSe3IAdlbKnC6MFQGWIw==", "iAOAzMUjLdXlhW5z+tYrkOXa//0="},
    {"JEY+eMqeo5XQclhV7u2D0A==", "0XwhTIOwwxNT7bGXMsvTgjc8hss="},
    {"zoEn1Jju5vEaKodux6QeYg==", "BxSgAw5+obVsVC5gIuXatKmdCkw="},
    {"pYQfkW3lwbDNM2ZKMBQs/Q==", "JdRaYiz/PRZwb2C1MOS2IRlbmMU="},
    {"tcfLHg1yn8p9/A0hYczCRA==", "7xGfkcPuu63aUXBlG+XiGBjs08k="},
    {"jraJKS8heuSyHpaOAiokIg==", "vyxsLJuVAUoWo5z2igQcls4Ar9Q="},
    {"1s9vctEAdLzdF0VO4czP/A==", "NtA0+D4o7hLF5sHs/M/D545DtB8="},
    {"JPQ5ibMSm+SORZ3+nyPpVQ==", "izK/3xgosBcYHgCEOYVx75EIzhY="},
    {"Sl0wmDnH/WPW/rTl1k1U1A==", "yGa6tMtuWV6fpFArkRpUFkT7Bws="},
    {"b3E6/XPApq+nMDHUY0yiDQ==", "TvKM2PwB4RXGcmjaE0HDkknjLEM="},
    {"ZDvfsumvhaBQ8dBqsFVlzA==", "NME1Jhrw9O4JTrZPHovBu+dILUE="},
    {"aWKM3/sLFNNXcHTc8bvQ7w==", "rfCyucbgRLpFMpn4aQhAHJHE4d8="},
    {"myAJXeg60TqpAgl8FQ8hBg==", "Wjitv3NyV/s2OeBByAj7BbONEa8="},
    {"AytnT47oGCkBsRi1oxGDUw==", "1KhUbq+22bLS0WXSqGi/wirXyX0="},
};

/* RFC 6455 §1.3: the example key, its Accept and (from the same pipeline with
 * `openssl sha1` instead of -binary | base64) the hex digest. */
static void test_rfc_example(void **state)
{
    (void)state;
    static const uint8_t want_sha1[20] = {0xb3, 0x7a, 0x4f, 0x2c, 0xc0, 0x62, 0x4f, 0x16, 0x90, 0xf6,
                                          0x46, 0x06, 0xcf, 0x38, 0x59, 0x45, 0xb2, 0xbe, 0xc4, 0xea};
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    char out[WS_ACCEPT_BUFSZ];
    uint8_t sha1[20];
    memset(out, 'x', sizeof out);
    assert_int_equal(ws_accept_compute(key, strlen(key), out, sha1), 0);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_memory_equal(sha1, want_sha1, 20);
    /* the sha1 output is optional */
    assert_int_equal(ws_accept_compute(key, strlen(key), out, NULL), 0);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    long dl = 0;
    assert_int_equal(ws_key_check(key, strlen(key), &dl), WS_KEY_OK);
    assert_int_equal(dl, 16);
}

/* Every table key: valid, 16 bytes, and the pasted Accept. */
static void test_vectors(void **state)
{
    (void)state;
    assert_true(sizeof good / sizeof good[0] >= 20);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char out[WS_ACCEPT_BUFSZ];
        size_t n = strlen(good[i].key);
        long dl = -5;
        assert_int_equal(ws_key_check(good[i].key, n, &dl), WS_KEY_OK);
        assert_int_equal(dl, 16);
        assert_int_equal(ws_accept_compute(good[i].key, n, out, NULL), 0);
        assert_string_equal(out, good[i].accept);
        assert_true(ws_accept_matches(good[i].key, n, good[i].accept, strlen(good[i].accept)));
        /* another row's Accept must not match */
        const char *other = good[(i + 1) % (sizeof good / sizeof good[0])].accept;
        assert_false(ws_accept_matches(good[i].key, n, other, strlen(other)));
    }
}

/* Keys that are not the base64 of 16 bytes are still hashed, byte for byte.
 * Accepts from the same openssl pipeline (printf '\000' for the NUL). */
static void test_bad_keys_still_hashed(void **state)
{
    (void)state;
    static const struct vec odd[] = {
        {"AAAA", "XB9IIzDTB5SFgH/jYXFZTWYC8MY="},
        {"dGhlIHNhbXBsZSBub25jZQ", "RZWuh2JK/hL0RMgTNJFfZIAppXg="},
        {"not base64!", "qNFXnHRWK9gXMY88SCqWaExzK/Q="},
        {"dGhlIHNhbXBs ZSBub25jZQ==", "3XrsR+X9bdC4ojvFrSg8idODvAo="},
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char out[WS_ACCEPT_BUFSZ];
        assert_int_equal(ws_accept_compute(odd[i].key, strlen(odd[i].key), out, NULL), 0);
        assert_string_equal(out, odd[i].accept);
    }
    static const char nulkey[] = "dGhlIHNh\0bXBsZSBub25jZQ==";
    char out[WS_ACCEPT_BUFSZ];
    assert_int_equal(ws_accept_compute(nulkey, sizeof nulkey - 1, out, NULL), 0);
    assert_string_equal(out, "MuxubcnPG8M6rSjjjl3gqThRjmo=");
}

/* Each kind of bad key gets its own status and decoded length. */
static void test_key_check_statuses(void **state)
{
    (void)state;
    long dl = 99;
    assert_int_equal(ws_key_check("", 0, &dl), WS_KEY_EMPTY);
    assert_int_equal(dl, -1);
    assert_int_equal(ws_key_check(NULL, 0, NULL), WS_KEY_EMPTY);

    /* `openssl rand -base64 15` and `-base64 17` */
    assert_int_equal(ws_key_check("FJ/w1khpoakCbHck/BTE", 20, &dl), WS_KEY_WRONG_LENGTH);
    assert_int_equal(dl, 15);
    assert_int_equal(ws_key_check("FZ7cY68A81qnR7lrg2CH0yo=", 24, &dl), WS_KEY_WRONG_LENGTH);
    assert_int_equal(dl, 17);
    /* `openssl rand -base64 32` */
    const char *k32 = "9NImK22d7GbNw8+UiLYSDMPinB8KIeGKxZK1OBwreLU=";
    assert_int_equal(ws_key_check(k32, strlen(k32), &dl), WS_KEY_WRONG_LENGTH);
    assert_int_equal(dl, 32);
    assert_int_equal(ws_key_check("AAAA", 4, &dl), WS_KEY_WRONG_LENGTH);
    assert_int_equal(dl, 3);

    /* characters outside the alphabet, bad length, bad padding */
    static const char *const notb64[] = {
        "dGhlIHNhbXBsZSBub25jZQ=!",  /* '!' */
        "dGhlIHNhbXBsZSBub25jZQ",    /* 22 characters, padding dropped */
        "dGhlIHNhbXBsZSBub25jZQ=",   /* 23 */
        "dGhl=HNhbXBsZSBub25jZQ==",  /* '=' in the middle */
        "dGhlIHNhbXBsZSBub25jZ===",  /* three '=' */
        "dGhlIHNhbXBsZSBub25jZR==",  /* non-zero bits under the padding */
        "dGhlIHNhbXBsZSBub25jZQ-_",  /* the URL-safe alphabet */
        "dGhlIHNhbXBs ZSBub25jZQ==", /* an inner space */
        " GhlIHNhbXBsZSBub25jZQ==",  /* a leading space (trimming is the caller's job) */
        "dGhlIHNhbXBsZSBub25jZQ\xc3\xa9", /* non-ASCII */
        "====",
    };
    for (size_t i = 0; i < sizeof notb64 / sizeof notb64[0]; i++) {
        dl = 99;
        assert_int_equal(ws_key_check(notb64[i], strlen(notb64[i]), &dl), WS_KEY_NOT_BASE64);
        assert_int_equal(dl, -1);
    }

    static const char nulkey[] = "dGhlIHNh\0bXBsZSBub25jZQ==";
    assert_int_equal(ws_key_check(nulkey, sizeof nulkey - 1, &dl), WS_KEY_HAS_NUL);
    assert_int_equal(dl, -1);

    /* every status has its own sentence */
    for (int a = WS_KEY_OK; a <= WS_KEY_HAS_NUL; a++) {
        assert_non_null(ws_key_status_str((enum ws_key_status)a));
        assert_true(strlen(ws_key_status_str((enum ws_key_status)a)) > 5);
        for (int b = a + 1; b <= WS_KEY_HAS_NUL; b++)
            assert_string_not_equal(ws_key_status_str((enum ws_key_status)a), ws_key_status_str((enum ws_key_status)b));
    }
}

/* The WS_KEY_MAX limit: exactly the limit is hashed, one more is refused; 10 KB too. */
static void test_long_keys(void **state)
{
    (void)state;
    char *big = malloc(10 * 1024);
    assert_non_null(big);
    memset(big, 'k', 10 * 1024);
    char out[WS_ACCEPT_BUFSZ];
    long dl = 0;

    assert_int_equal(ws_key_check(big, 10 * 1024, &dl), WS_KEY_TOO_LONG);
    assert_int_equal(ws_accept_compute(big, 10 * 1024, out, NULL), -1);
    assert_false(ws_accept_matches(big, 10 * 1024, "TXyWNAAImCFIwoK+r2xaqIMR0k0=", 28));

    assert_int_equal(ws_key_check(big, WS_KEY_MAX + 1, &dl), WS_KEY_TOO_LONG);
    assert_int_equal(ws_accept_compute(big, WS_KEY_MAX + 1, out, NULL), -1);

    /* 8192 'k' bytes: base64 alphabet, length a multiple of 4, decodes to 6144 bytes.
     * Accept from: printf '%s' "$(head -c 8192 /dev/zero | tr '\0' k)$GUID" | openssl sha1 -binary | base64 */
    assert_int_equal(ws_key_check(big, WS_KEY_MAX, &dl), WS_KEY_WRONG_LENGTH);
    assert_int_equal(dl, 6144);
    assert_int_equal(ws_accept_compute(big, WS_KEY_MAX, out, NULL), 0);
    assert_string_equal(out, "TXyWNAAImCFIwoK+r2xaqIMR0k0=");
    free(big);

    assert_int_equal(ws_accept_compute("", 0, out, NULL), -1);
    assert_int_equal(ws_accept_compute(NULL, 4, out, NULL), -1);
}

/* Trimming spaces, tabs, CR and LF at both ends, nothing inside. */
static void test_trim(void **state)
{
    (void)state;
    size_t n;
    const char *s = "  dGhlIHNhbXBsZSBub25jZQ==\r";
    n = strlen(s);
    const char *t = ws_key_trim(s, &n);
    assert_int_equal(n, 24);
    assert_ptr_equal(t, s + 2);
    assert_memory_equal(t, "dGhlIHNhbXBsZSBub25jZQ==", 24);

    s = "\t\r\n dGhl IHNh\t \r\n";
    n = strlen(s);
    t = ws_key_trim(s, &n);
    assert_int_equal(n, 9);
    assert_memory_equal(t, "dGhl IHNh", 9);

    s = " \t\r\n ";
    n = strlen(s);
    ws_key_trim(s, &n);
    assert_int_equal(n, 0);

    n = 0;
    ws_key_trim("abc", &n); /* only *len bytes are looked at */
    assert_int_equal(n, 0);

    static const char nul[] = " ab\0 ";
    n = sizeof nul - 1;
    t = ws_key_trim(nul, &n);
    assert_int_equal(n, 3); /* a NUL is not whitespace */
    assert_memory_equal(t, "ab\0", 3);

    /* the trimmed key hashes to the RFC Accept */
    s = "   dGhlIHNhbXBsZSBub25jZQ==\r\n";
    n = strlen(s);
    t = ws_key_trim(s, &n);
    char out[WS_ACCEPT_BUFSZ];
    assert_int_equal(ws_accept_compute(t, n, out, NULL), 0);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* ws_accept_matches: whitespace around the Accept ignored, nothing else forgiven. */
static void test_matches(void **state)
{
    (void)state;
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    size_t kn = strlen(key);
    const char *acc = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    assert_true(ws_accept_matches(key, kn, acc, strlen(acc)));
    assert_true(ws_accept_matches(key, kn, " s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", 31));
    assert_false(ws_accept_matches(key, kn, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo", 27));
    assert_false(ws_accept_matches(key, kn, "S3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28)); /* case matters */
    assert_false(ws_accept_matches(key, kn, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo==", 29));
    assert_false(ws_accept_matches(key, kn, "", 0));
    assert_false(ws_accept_matches(key, kn, NULL, 0));
    assert_false(ws_accept_matches("", 0, acc, strlen(acc)));
    /* the key is used as given: a space before it changes the digest */
    assert_false(ws_accept_matches(" dGhlIHNhbXBsZSBub25jZQ==", kn + 1, acc, strlen(acc)));
}

/* ws_key_generate: 24 characters, a valid key, decoding to the raw bytes it reports. */
static void test_generate(void **state)
{
    (void)state;
    char k1[WS_KEY_BUFSZ], k2[WS_KEY_BUFSZ];
    uint8_t r1[16], r2[16];
    assert_int_equal(ws_key_generate(k1, r1), 0);
    assert_int_equal(ws_key_generate(k2, r2), 0);
    assert_int_equal(strlen(k1), WS_KEY_LEN);
    assert_int_equal(strlen(k2), WS_KEY_LEN);
    assert_string_not_equal(k1, k2);
    assert_memory_not_equal(r1, r2, 16);
    long dl = 0;
    assert_int_equal(ws_key_check(k1, strlen(k1), &dl), WS_KEY_OK);
    assert_int_equal(dl, 16);
    assert_int_equal(k1[22], '=');
    assert_int_equal(k1[23], '=');
    unsigned char dec[24];
    assert_int_equal(EVP_DecodeBlock(dec, (const unsigned char *)k1, 24), 18); /* 16 + 2 padding */
    assert_memory_equal(dec, r1, 16);
    /* raw is optional */
    assert_int_equal(ws_key_generate(k1, NULL), 0);
    assert_int_equal(ws_key_check(k1, strlen(k1), NULL), WS_KEY_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_example),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_bad_keys_still_hashed),
        cmocka_unit_test(test_key_check_statuses),
        cmocka_unit_test(test_long_keys),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_generate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
