/* tls.c - TLS records on a connection: the hellos in the clear, TLS 1.3 and 1.2 AEAD decryption via OpenSSL (the key log: keylog.c). */

#include "tls.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "cursor.h"

/* ---- wire constants --------------------------------------------------------- */

enum {
    CT_CCS = 20,       /* change_cipher_spec */
    CT_ALERT = 21,     /* alert */
    CT_HANDSHAKE = 22, /* handshake */
    CT_APPDATA = 23,   /* application_data */
    CT_HEARTBEAT = 24, /* heartbeat (RFC 6520) */
};

enum {
    HS_HELLO_REQUEST = 0,
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_NEW_SESSION_TICKET = 4,
    HS_END_OF_EARLY_DATA = 5,
    HS_ENCRYPTED_EXTENSIONS = 8,
    HS_CERTIFICATE = 11,
    HS_SERVER_KEY_EXCHANGE = 12,
    HS_CERTIFICATE_REQUEST = 13,
    HS_CERTIFICATE_VERIFY = 15,
    HS_CLIENT_KEY_EXCHANGE = 16,
    HS_FINISHED = 20,
    HS_CERTIFICATE_STATUS = 22,
    HS_KEY_UPDATE = 24,
    HS_COMPRESSED_CERTIFICATE = 25,
};

enum {
    EXT_SERVER_NAME = 0,
    EXT_ALPN = 16,
    EXT_EARLY_DATA = 42,
    EXT_SUPPORTED_VERSIONS = 43,
};

#define TLS12 0x0303
#define TLS13 0x0304
#define TAG_LEN 16u      /* every supported AEAD has a 16-byte tag */
#define NONCE_LEN 12u    /* and a 12-byte nonce */
#define GCM12_EXPLICIT 8u /* TLS 1.2 AES-GCM: explicit nonce bytes in each record (RFC 5288 3) */
#define HOLD_MAX 65536u   /* client bytes kept while the ServerHello is awaited (records and their headers) */

/* The ServerHello random that marks a HelloRetryRequest (RFC 8446 4.1.3). */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static const char no_keylog_why[] =
    "no key log given: the WebSocket inside is encrypted; set SSLKEYLOGFILE=FILE in the client "
    "(browsers, curl, Python 3.8+ ssl), or use OpenSSL's SSL_CTX_set_keylog_callback, "
    "then run wsinspect --keylog FILE";

/* ---- names ------------------------------------------------------------------ */

enum aead_kind { AEAD_NONE, AEAD_AES128GCM, AEAD_AES256GCM, AEAD_CHACHA };

/* One cipher suite this module can name (and maybe decrypt). */
struct suite {
    uint16_t id;      /* IANA code point */
    const char *name; /* IANA name */
    uint8_t aead;     /* enum aead_kind; AEAD_NONE: named but not decrypted */
    uint8_t sha384;   /* HKDF / PRF hash is SHA-384 (else SHA-256) */
    uint8_t tls13;    /* a TLS 1.3 suite */
};

static const struct suite suites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", AEAD_AES128GCM, 0, 1},
    {0x1302, "TLS_AES_256_GCM_SHA384", AEAD_AES256GCM, 1, 1},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", AEAD_CHACHA, 0, 1},
    {0x1304, "TLS_AES_128_CCM_SHA256", AEAD_NONE, 0, 1},
    {0x1305, "TLS_AES_128_CCM_8_SHA256", AEAD_NONE, 0, 1},
    {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", AEAD_AES128GCM, 0, 0},
    {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", AEAD_AES256GCM, 1, 0},
    {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", AEAD_AES128GCM, 0, 0},
    {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", AEAD_AES256GCM, 1, 0},
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", AEAD_AES128GCM, 0, 0},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", AEAD_AES256GCM, 1, 0},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", AEAD_AES128GCM, 0, 0},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", AEAD_AES256GCM, 1, 0},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", AEAD_CHACHA, 0, 0},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", AEAD_CHACHA, 0, 0},
    {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", AEAD_CHACHA, 0, 0},
    {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", AEAD_NONE, 0, 0},
    {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", AEAD_NONE, 0, 0},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", AEAD_NONE, 0, 0},
    {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", AEAD_NONE, 0, 0},
    {0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", AEAD_NONE, 0, 0},
    {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", AEAD_NONE, 0, 0},
    {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", AEAD_NONE, 0, 0},
    {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", AEAD_NONE, 0, 0},
    {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", AEAD_NONE, 0, 0},
    {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", AEAD_NONE, 0, 0},
    {0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", AEAD_NONE, 0, 0},
    {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", AEAD_NONE, 0, 0},
    {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", AEAD_NONE, 0, 0},
};

/* The table entry for suite `id`, or NULL. */
static const struct suite *find_suite(uint16_t id)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id) return &suites[i];
    return NULL;
}

static size_t aead_key_len(int aead) { return aead == AEAD_AES128GCM ? 16 : 32; }

/* OpenSSL's cipher for an AEAD kind (NULL for AEAD_NONE). */
static const EVP_CIPHER *aead_cipher(int aead)
{
    switch (aead) {
    case AEAD_AES128GCM: return EVP_aes_128_gcm();
    case AEAD_AES256GCM: return EVP_aes_256_gcm();
    case AEAD_CHACHA: return EVP_chacha20_poly1305();
    default: return NULL;
    }
}

/* GREASE code points (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
static int is_grease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

/* "TLS1.2", "SSL3.0", "TLS1.3-draft28" or "0x1234" into out. */
static void version_name(uint16_t v, char *out, size_t cap)
{
    switch (v) {
    case 0x0300: snprintf(out, cap, "SSL3.0"); break;
    case 0x0301: snprintf(out, cap, "TLS1.0"); break;
    case 0x0302: snprintf(out, cap, "TLS1.1"); break;
    case 0x0303: snprintf(out, cap, "TLS1.2"); break;
    case 0x0304: snprintf(out, cap, "TLS1.3"); break;
    default:
        if ((v >> 8) == 0x7f)
            snprintf(out, cap, "TLS1.3-draft%u", v & 0xffu);
        else
            snprintf(out, cap, "0x%04x", v);
    }
}

/* RFC 8446 6 / RFC 5246 7.2 name of an alert description, or NULL. */
static const char *alert_name(int desc)
{
    switch (desc) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return NULL;
    }
}

/* ---- small helpers ------------------------------------------------------------ */

static void tohex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/*
 * Appends wire bytes to a NUL-terminated string of capacity `cap` as printable
 * ASCII (other bytes and '\\' as \xNN, ',' as \x2c so lists stay unambiguous),
 * preceded by `sep` when the string is not empty; ends in "..." when cut.
 */
static void append_text(char *buf, size_t cap, const char *sep, const uint8_t *p, size_t n)
{
    size_t len = strlen(buf);
    if (len + 4 >= cap) return; /* already cut */
    if (len && sep) {
        size_t sl = strlen(sep);
        if (len + sl + 4 >= cap) goto cut;
        memcpy(buf + len, sep, sl);
        len += sl;
    }
    for (size_t i = 0; i < n; i++) {
        char tmp[5];
        size_t tl;
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != ',') {
            tmp[0] = (char)p[i];
            tl = 1;
        } else {
            snprintf(tmp, sizeof tmp, "\\x%02x", p[i]);
            tl = 4;
        }
        if (len + tl + 4 >= cap) goto cut;
        memcpy(buf + len, tmp, tl);
        len += tl;
    }
    buf[len] = '\0';
    return;
cut:
    memcpy(buf + len, "...", 4);
}

/* ---- key derivations (OpenSSL EVP_KDF) ------------------------------------------- */

/* HKDF-Expand-Label with an already fetched "HKDF" (RFC 8446 7.1: the HkdfLabel built here). */
static int expand_label(EVP_KDF *kdf, const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                        const uint8_t *ctx, size_t ctx_len, uint8_t *out, size_t out_len)
{
    /* struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255>; } */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t ll = strlen(label);
    if (!kdf || ll > 255 - 6 || ctx_len > 255 || out_len > 0xffff || out_len == 0) return 0;
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = (uint8_t)ctx_len;
    if (ctx_len) memcpy(info + n, ctx, ctx_len);
    n += ctx_len;

    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    if (!kctx) return 0;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[5];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n);
    params[4] = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(kctx, out, out_len, params) > 0;
    EVP_KDF_CTX_free(kctx);
    OPENSSL_cleanse(info, sizeof info);
    return ok;
}

int wsi_tls13_expand_label(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                           const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    int ok = expand_label(kdf, digest, secret, secret_len, label, context, context_len, out, out_len);
    EVP_KDF_free(kdf);
    return ok;
}

/* TLS 1.2 PRF(master, "key expansion", server_random + client_random) with an already fetched "TLS1-PRF". */
static int key_block(EVP_KDF *kdf, const char *digest, const uint8_t master[48], const uint8_t cr[32],
                     const uint8_t sr[32], uint8_t *out, size_t out_len)
{
    uint8_t seed[13 + 64];
    if (!kdf) return 0;
    memcpy(seed, "key expansion", 13);
    memcpy(seed + 13, sr, 32);
    memcpy(seed + 45, cr, 32);
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    if (!kctx) return 0;
    OSSL_PARAM params[4];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, 48);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed);
    params[3] = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(kctx, out, out_len, params) > 0;
    EVP_KDF_CTX_free(kctx);
    return ok;
}

int wsi_tls12_key_block(const char *digest, const uint8_t master[48], const uint8_t client_random[32],
                        const uint8_t server_random[32], uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    int ok = key_block(kdf, digest, master, client_random, server_random, out, out_len);
    EVP_KDF_free(kdf);
    return ok;
}

/*
 * AEAD open: ct holds ciphertext + 16-byte tag; plaintext (ct_len - 16 bytes)
 * into out. 1 when the tag verifies; on failure out holds nothing usable.
 */
static int aead_open(EVP_CIPHER_CTX *ctx, int aead, const uint8_t *key, const uint8_t nonce[NONCE_LEN],
                     const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out)
{
    const EVP_CIPHER *cipher = aead_cipher(aead);
    uint8_t tag[TAG_LEN];
    int n = 0;
    if (!cipher || ct_len < TAG_LEN || ct_len - TAG_LEN > (size_t)INT32_MAX) return 0;
    size_t pt_len = ct_len - TAG_LEN;
    memcpy(tag, ct + pt_len, TAG_LEN);
    if (EVP_CIPHER_CTX_reset(ctx) != 1 || EVP_DecryptInit_ex(ctx, cipher, NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)NONCE_LEN, NULL) != 1 ||
        EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
        return 0;
    if (pt_len && EVP_DecryptUpdate(ctx, out, &n, ct, (int)pt_len) != 1) return 0;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)TAG_LEN, tag) != 1) return 0;
    int fin = 0;
    return EVP_DecryptFinal_ex(ctx, out + (pt_len ? (size_t)n : 0), &fin) == 1;
}

/* ---- the session -------------------------------------------------------------- */

enum epoch { EP_PLAIN, EP_HANDSHAKE, EP_APP };
enum { SWITCH_NONE, SWITCH_APP, SWITCH_UPDATE };

/* One direction of the connection, as the caller numbers it. */
struct tls_dir {
    uint8_t *rec;          /* record being gathered: 5-byte header + fragment */
    size_t rec_len;        /* bytes gathered */
    size_t rec_want;       /* its full size (header + fragment), known once the header is in */
    size_t rec_cap;        /* bytes allocated (at most 5 + WSI_TLS_MAX_RECORD) */
    uint64_t nrec;         /* records read (numbers records in messages) */
    int dead;              /* stream not followed any more (not TLS, gap) */
    uint8_t *hs;           /* handshake message being reassembled: 4-byte header + body */
    size_t hs_len;         /* bytes of it gathered */
    size_t hs_cap;         /* bytes allocated (at most 4 + WSI_TLS_MAX_HANDSHAKE) */
    uint32_t hs_skip;      /* body bytes of an oversize, uninteresting message still to skip */
    int hs_dead;           /* handshake messages not parsed any more */
    int prot;              /* records are protected (1.3: after the ServerHello; 1.2: after ChangeCipherSpec) */
    int epoch;             /* enum epoch: which traffic keys protect records now */
    int keys_ok;           /* key/iv below protect the current records */
    int stopped;           /* decryption stopped for good in this direction */
    int switch_after;      /* key change due at the end of this record (SWITCH_*) */
    uint8_t key[32];       /* AEAD key */
    size_t key_len;        /* its length (16 or 32) */
    uint8_t iv[NONCE_LEN]; /* TLS 1.3 / ChaCha20 static iv; AES-GCM 1.2: 4-byte salt then zeros */
    uint8_t secret[WSI_KEYLOG_MAX_SECRET]; /* TLS 1.3 current traffic secret (for KeyUpdate) */
    size_t secret_len;     /* its length */
    uint64_t seq;          /* record sequence number under the current keys */
    uint8_t *held;         /* records held (awaiting the ServerHello or the secrets): struct held_hdr + bytes each */
    size_t held_len;       /* bytes held */
    size_t held_cap;       /* bytes allocated */
    int early_noted;       /* the 0-RTT skip has been reported */
    int plain_noted;       /* an unexpected clear record has been reported */
};

/* What the key log gave for one role (0 client, 1 server). */
struct role_keys {
    uint8_t hs[WSI_KEYLOG_MAX_SECRET];  /* TLS 1.3 handshake traffic secret */
    uint8_t app[WSI_KEYLOG_MAX_SECRET]; /* TLS 1.3 first application traffic secret */
    int have_hs, have_app;              /* which of the two were found */
    uint8_t key12[32];                  /* TLS 1.2 write key from the key block */
    uint8_t iv12[NONCE_LEN];            /* TLS 1.2 write iv (4 bytes for AES-GCM, 12 for ChaCha20) */
    int have12;                         /* TLS 1.2 keys derived */
};

struct wsi_tls {
    const struct wsi_keylog *kl; /* key log, or NULL */
    struct wsi_tls_cb cb;        /* callbacks */
    void *user;                  /* their first argument */
    struct tls_dir d[2];         /* per caller direction */
    int client_dir;              /* caller direction of the client (0 unless the ClientHello came on 1) */
    int ch_seen;                 /* a ClientHello was parsed */
    int sh_seen;                 /* the (final) ServerHello was parsed */
    int midstream;               /* records came before any hello: nothing to match keys with */
    int early_offered;           /* the ClientHello offered 0-RTT early data */
    uint16_t version;            /* negotiated version, 0 before the ServerHello */
    const struct suite *suite;   /* negotiated suite if known */
    uint16_t suite_id;           /* negotiated suite code */
    uint8_t client_random[32];   /* from the ClientHello */
    uint8_t server_random[32];   /* from the ServerHello */
    struct role_keys rk[2];      /* secrets per role */
    EVP_KDF *hkdf;               /* "HKDF", fetched when first needed */
    EVP_KDF *prf;                /* "TLS1-PRF", fetched when first needed */
    EVP_CIPHER_CTX *cctx;        /* AEAD context, reused for every record */
    uint8_t *scratch;            /* decrypted record (WSI_TLS_MAX_RECORD bytes), allocated when first needed */
    char sni[256];               /* info: server name (escaped) */
    char alpn_offered[256];      /* info: ALPN offer, comma separated */
    char alpn_selected[128];     /* info: ALPN choice */
    char versions_offered[96];   /* info: versions offered, comma separated */
    char version_s[24];          /* info: chosen version */
    char cipher_s[64];           /* info: chosen suite's name */
    char cr_hex[65];             /* info: client random in hex */
    char why_not[512];           /* info: why (some of) the session is not decrypted, "" if it is */
    struct wsi_tls_info info;   /* points at the strings above */
    struct wsi_tls_stats stats; /* counters */
    struct wsi_tls_origin feed_origin; /* where the bytes being fed come from (packet 0: unknown) */
    struct wsi_tls_origin cur_origin;  /* of what the callbacks are about now (wsi_tls_origin) */
    struct wsi_tls_origin sh_origin;   /* of the ServerHello's record: the info() that ends a wait has it */
    uint64_t order;              /* items held so far, both directions: their order */
    int waiting;                 /* the key log lacks the session's secrets: records are held until it has them */
    uint64_t wait_records;       /* records held while waiting */
    int64_t wait_last_ms;        /* capture time (ms) of the last look at the key log, -1: none known */
    uint64_t wait_rereads0;      /* the key log's rereads counter when the wait began */
    char wait_note[224];         /* how a wait that ended without the secrets went ("" if none did) */
};

/* One held item: a record (header and fragment) or the loss of its direction, as it came. */
struct held_hdr {
    uint64_t order;               /* place among both directions' held items */
    struct wsi_tls_origin origin; /* where it came from */
    uint32_t len;                 /* bytes that follow: the record, or the loss's sentence with its NUL */
    uint32_t loss;                /* 1: the direction was lost there (a gap, bytes that are not TLS) */
};

static void release_held(struct wsi_tls *t);
static void setup_keys(struct wsi_tls *t, int final);

static int role_of(const struct wsi_tls *t, int dir) { return dir == t->client_dir ? 0 : 1; }
static int dir_of(const struct wsi_tls *t, int role) { return role == 0 ? t->client_dir : !t->client_dir; }
static const char *role_name(const struct wsi_tls *t, int dir) { return role_of(t, dir) ? "server" : "client"; }
static const char *digest_of(const struct suite *s) { return s && s->sha384 ? "SHA384" : "SHA256"; }
static size_t hash_len(const struct suite *s) { return s && s->sha384 ? 48 : 32; }

/* error(): one formatted sentence. */
static void report(struct wsi_tls *t, int dir, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(struct wsi_tls *t, int dir, const char *fmt, ...)
{
    if (!t->cb.error) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    t->cb.error(t->user, dir, msg);
}

/* Sets the why_not sentence. */
static void set_why(struct wsi_tls *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(struct wsi_tls *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->why_not, sizeof t->why_not, fmt, ap);
    va_end(ap);
}

/* 1 when the key log gave the secrets `role`'s records are decrypted with. */
static int role_has_keys(const struct wsi_tls *t, int role)
{
    if (t->version == TLS13) return t->rk[role].have_hs && t->rk[role].have_app;
    return t->rk[role].have12;
}

/* 1 when records of `role` are (or will be, once protected) decrypted. */
static int role_decrypting(const struct wsi_tls *t, int role)
{
    const struct tls_dir *d = &t->d[dir_of(t, role)];
    if (d->stopped || d->dead) return 0;
    return role_has_keys(t, role);
}

/* Brings info's derived fields (decrypting, why_not) up to date. */
static void refresh_info(struct wsi_tls *t)
{
    t->info.decrypting = t->sh_seen && (role_decrypting(t, 0) || role_decrypting(t, 1));
    t->info.why_not = t->why_not[0] ? t->why_not : NULL;
}

/* info() with the current state. */
static void emit_info(struct wsi_tls *t)
{
    refresh_info(t);
    if (t->cb.info) t->cb.info(t->user, &t->info);
}

/* Stops decryption of `dir` for good: error() with `why`, the reason kept for info(). */
static void stop_dir(struct wsi_tls *t, int dir, const char *why)
{
    struct tls_dir *d = &t->d[dir];
    if (d->stopped) return;
    d->stopped = 1;
    d->keys_ok = 0;
    OPENSSL_cleanse(d->key, sizeof d->key);
    OPENSSL_cleanse(d->secret, sizeof d->secret);
    report(t, dir, "%s", why);
    snprintf(t->why_not, sizeof t->why_not, "%s", why);
    emit_info(t);
}

static int hold(struct wsi_tls *t, int dir, const void *p, size_t len, int loss);

/* What the loss of a direction does to what was read of it (at once, or in its turn among held records). */
static void dir_lost(struct wsi_tls *t, int dir, const char *why)
{
    struct tls_dir *d = &t->d[dir];
    int was_decrypting = t->sh_seen && !d->stopped && role_has_keys(t, role_of(t, dir));
    d->hs_len = 0;
    if (was_decrypting) {
        stop_dir(t, dir, why);
    } else {
        d->stopped = 1;
        report(t, dir, "%s", why);
    }
}

/* The direction is no longer followed at all (not TLS, gap, internal failure). While the secrets are
 * awaited, the loss takes its turn after the records held before it. */
static void kill_dir(struct wsi_tls *t, int dir, const char *why)
{
    struct tls_dir *d = &t->d[dir];
    if (d->dead) return;
    d->dead = 1;
    d->rec_len = 0;
    if (t->waiting && hold(t, dir, why, strlen(why) + 1, 1)) return;
    dir_lost(t, dir, why);
}

/* Derives a TLS 1.3 key and iv for `dir` from `secret`; keys_ok tells whether it worked. */
static void install13(struct wsi_tls *t, int dir, const uint8_t *secret, size_t len)
{
    struct tls_dir *d = &t->d[dir];
    const char *dg = digest_of(t->suite);
    d->key_len = aead_key_len(t->suite->aead);
    memcpy(d->secret, secret, len);
    d->secret_len = len;
    d->seq = 0;
    d->keys_ok = expand_label(t->hkdf, dg, secret, len, "key", NULL, 0, d->key, d->key_len) &&
                 expand_label(t->hkdf, dg, secret, len, "iv", NULL, 0, d->iv, NONCE_LEN);
    if (!d->keys_ok) stop_dir(t, dir, "OpenSSL could not derive the TLS 1.3 traffic keys (HKDF-Expand-Label)");
}

/* 1 when the key log has every secret the session is decrypted with (the version and suite known to be decrypted). */
static int secrets_complete(const struct wsi_tls *t)
{
    static const unsigned l13[] = {WSI_KL_CLIENT_HANDSHAKE_TRAFFIC_SECRET, WSI_KL_SERVER_HANDSHAKE_TRAFFIC_SECRET,
                                   WSI_KL_CLIENT_TRAFFIC_SECRET_0, WSI_KL_SERVER_TRAFFIC_SECRET_0};
    if (t->version == TLS12) return wsi_keylog_lookup(t->kl, t->client_random, WSI_KL_CLIENT_RANDOM, NULL, NULL);
    for (size_t i = 0; i < sizeof l13 / sizeof l13[0]; i++)
        if (!wsi_keylog_lookup(t->kl, t->client_random, l13[i], NULL, NULL)) return 0;
    return 1;
}

/* Capture time of the bytes being fed, in milliseconds; -1 when unknown. */
static int64_t feed_ms(const struct wsi_tls *t)
{
    if (!t->feed_origin.packet) return -1;
    return t->feed_origin.ts_sec * 1000 + (int64_t)(t->feed_origin.ts_nsec / 1000000u);
}

/* Looks at the key log again (it may have grown); 1 when it now has all the session's secrets. */
static int wait_check(struct wsi_tls *t)
{
    t->stats.keylog_checks++;
    t->wait_last_ms = feed_ms(t);
    wsi_keylog_refresh(t->kl);
    t->stats.keylog_rereads = wsi_keylog_stats(t->kl)->rereads - t->wait_rereads0;
    return secrets_complete(t);
}

/* 1 when a look at the key log is due after the record just held: the 1st, 2nd, 4th, 8th... one, or
 * WSI_TLS_WAIT_CHECK_MS of capture time after the last look. */
static int wait_due(const struct wsi_tls *t)
{
    if ((t->wait_records & (t->wait_records - 1)) == 0) return 1;
    int64_t now = feed_ms(t);
    return now >= 0 && (t->wait_last_ms < 0 || now < t->wait_last_ms || now - t->wait_last_ms >= WSI_TLS_WAIT_CHECK_MS);
}

/*
 * Ends a wait: with the secrets (until NULL), or without them, `until` saying
 * until when it waited. The keys are set up, info() is said as at the
 * ServerHello, then the held records are processed in the order they came.
 */
static void wait_end(struct wsi_tls *t, const char *until)
{
    t->waiting = 0;
    if (until)
        snprintf(t->wait_note, sizeof t->wait_note, "waited for it until %s: the key log was checked %llu times "
                 "and re-read %llu times", until, (unsigned long long)t->stats.keylog_checks,
                 (unsigned long long)t->stats.keylog_rereads);
    struct wsi_tls_origin here = t->cur_origin;
    t->cur_origin = t->sh_origin;
    setup_keys(t, 1);
    emit_info(t);
    t->cur_origin = here;
    release_held(t);
}

/* " (how the wait went)" after a client random in why_not, "" when the session did not wait. */
static const char *wait_suffix(const struct wsi_tls *t, char *buf, size_t cap)
{
    if (!t->wait_note[0]) return "";
    snprintf(buf, cap, " (%s)", t->wait_note);
    return buf;
}

/*
 * Looks the session up in the key log after the ServerHello; sets why_not when
 * something is missing. Unless `final`, a key log that follows its file and
 * lacks some of the session's secrets is looked at again at once and, if they
 * are still missing, the session starts waiting for them (see tls.h).
 */
static void setup_keys(struct wsi_tls *t, int final)
{
    char ws[sizeof t->wait_note + 4];
    t->why_not[0] = '\0';
    if (!t->kl) {
        set_why(t, "%s", no_keylog_why);
        return;
    }
    if (t->version != TLS12 && t->version != TLS13) {
        set_why(t, "%s is not decrypted: only TLS 1.2 and TLS 1.3 are", t->version_s);
        return;
    }
    const struct suite *s = t->suite;
    if (!s || s->aead == AEAD_NONE) {
        set_why(t, "cipher %s is not supported for decryption (only the AES-GCM and ChaCha20-Poly1305 suites are)",
                t->cipher_s);
        return;
    }
    if (s->tls13 != (t->version == TLS13)) {
        set_why(t, "cipher %s cannot be used with %s: the ServerHello is inconsistent", t->cipher_s, t->version_s);
        return;
    }
    if (!final && wsi_keylog_follows(t->kl) && !secrets_complete(t)) {
        t->wait_rereads0 = wsi_keylog_stats(t->kl)->rereads;
        if (!wait_check(t)) {
            t->waiting = 1;
            t->wait_records = 0;
            set_why(t, "the key log has no line for client random %s yet: the records are held until it has "
                    "(its file is read again as it grows)", t->cr_hex);
            return;
        }
    }
    int any = 0;
    for (unsigned l = 0; l < WSI_KL_NLABELS; l++) any |= wsi_keylog_lookup(t->kl, t->client_random, l, NULL, NULL);
    if (!any) {
        set_why(t, "the key log has no line for client random %s%s", t->cr_hex, wait_suffix(t, ws, sizeof ws));
        return;
    }
    if (!t->cctx) t->cctx = EVP_CIPHER_CTX_new();
    if (!t->scratch) t->scratch = malloc(WSI_TLS_MAX_RECORD);
    if (!t->cctx || !t->scratch) {
        set_why(t, "out of memory");
        return;
    }
    if (t->version == TLS12) {
        const uint8_t *ms;
        size_t ml;
        if (!wsi_keylog_lookup(t->kl, t->client_random, WSI_KL_CLIENT_RANDOM, &ms, &ml)) {
            set_why(t, "the key log has no CLIENT_RANDOM line (the TLS 1.2 master secret) for client random %s%s",
                    t->cr_hex, wait_suffix(t, ws, sizeof ws));
            return;
        }
        if (ml != 48) {
            set_why(t, "the key log's CLIENT_RANDOM secret for client random %s has %zu bytes, a master secret has 48",
                    t->cr_hex, ml);
            return;
        }
        size_t klen = aead_key_len(s->aead), il = s->aead == AEAD_CHACHA ? 12 : 4;
        uint8_t kb[2 * 32 + 2 * 12];
        if (!t->prf) t->prf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
        if (!key_block(t->prf, digest_of(s), ms, t->client_random, t->server_random, kb, 2 * klen + 2 * il)) {
            set_why(t, "OpenSSL could not compute the TLS 1.2 key block (TLS1-PRF)");
            return;
        }
        /* client_write_key, server_write_key, client_write_IV, server_write_IV (no MAC keys: AEAD) */
        for (int r = 0; r < 2; r++) {
            memset(t->rk[r].iv12, 0, sizeof t->rk[r].iv12);
            memcpy(t->rk[r].key12, kb + (size_t)r * klen, klen);
            memcpy(t->rk[r].iv12, kb + 2 * klen + (size_t)r * il, il);
            t->rk[r].have12 = 1;
        }
        OPENSSL_cleanse(kb, sizeof kb);
        return;
    }
    /* TLS 1.3: handshake and first application secrets of both sides. */
    static const unsigned labels[2][2] = {
        {WSI_KL_CLIENT_HANDSHAKE_TRAFFIC_SECRET, WSI_KL_CLIENT_TRAFFIC_SECRET_0},
        {WSI_KL_SERVER_HANDSHAKE_TRAFFIC_SECRET, WSI_KL_SERVER_TRAFFIC_SECRET_0},
    };
    char missing[256] = "";
    size_t hl = hash_len(s);
    if (!t->hkdf) t->hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    for (int r = 0; r < 2; r++) {
        for (int k = 0; k < 2; k++) {
            const uint8_t *sec;
            size_t sl;
            unsigned l = labels[r][k];
            const char *name = wsi_keylog_label_name(l);
            if (!wsi_keylog_lookup(t->kl, t->client_random, l, &sec, &sl)) {
                append_text(missing, sizeof missing, ", ", (const uint8_t *)name, strlen(name));
                continue;
            }
            if (sl != hl) {
                set_why(t, "the key log's %s for client random %s has %zu bytes; %s needs %zu", name,
                        t->cr_hex, sl, t->cipher_s, hl);
                return;
            }
            memcpy(k ? t->rk[r].app : t->rk[r].hs, sec, sl);
            *(k ? &t->rk[r].have_app : &t->rk[r].have_hs) = 1;
        }
    }
    if (missing[0])
        set_why(t, "the key log has no %s line for client random %s%s: %s", missing, t->cr_hex, wait_suffix(t, ws, sizeof ws),
                role_decrypting(t, 0) ? "only the client side is decrypted"
                : role_decrypting(t, 1) ? "only the server side is decrypted" : "the contents stay encrypted");
    for (int r = 0; r < 2; r++)
        if (t->rk[r].have_hs) install13(t, dir_of(t, r), t->rk[r].hs, hl);
}

/* ---- the hellos ------------------------------------------------------------------- */

/* ALPN ProtocolNameList (RFC 7301 3.1) into a comma list. 0 when malformed. */
static int parse_alpn(struct cursor *ext, char *out, size_t cap)
{
    struct cursor l = cur_sub(ext, cur_be16(ext));
    while (cur_ok(&l) && cur_left(&l)) {
        uint8_t n = cur_u8(&l);
        const uint8_t *name = cur_bytes(&l, n);
        if (!name || n == 0) return 0;
        append_text(out, cap, ",", name, n);
    }
    return cur_ok(&l) && cur_ok(ext);
}

/* Reads the extensions block (if any) into a sub-cursor; 0 when malformed. */
static int ext_block(struct cursor *c, struct cursor *exts)
{
    static const uint8_t none[1];
    if (cur_left(c) == 0) { /* no extensions at all (allowed before TLS 1.3) */
        cur_init(exts, none, 0);
        return cur_ok(c);
    }
    *exts = cur_sub(c, cur_be16(c));
    return cur_ok(c) && cur_left(c) == 0;
}

/* ClientHello (RFC 8446 4.1.2): client random, server_name, ALPN offer, supported_versions, early_data. */
static void parse_client_hello(struct wsi_tls *t, int dir, const uint8_t *body, size_t len)
{
    struct cursor c, exts;
    cur_init(&c, body, len);
    uint16_t legacy = cur_be16(&c);
    const uint8_t *random = cur_bytes(&c, 32);
    uint8_t sid = cur_u8(&c);
    cur_skip(&c, sid);
    cur_skip(&c, cur_be16(&c)); /* cipher_suites */
    cur_skip(&c, cur_u8(&c));   /* legacy_compression_methods */
    if (!cur_ok(&c) || sid > 32) {
        report(t, dir, "malformed ClientHello (%zu bytes): not followed", len);
        return;
    }
    if (!t->ch_seen) t->client_dir = dir;
    t->ch_seen = 1;
    memcpy(t->client_random, random, 32);
    tohex(random, 32, t->cr_hex);
    t->sni[0] = t->alpn_offered[0] = '\0';
    version_name(legacy, t->versions_offered, sizeof t->versions_offered);
    t->early_offered = 0;
    int ok = ext_block(&c, &exts), have_sv = 0;
    while (ok && cur_left(&exts)) {
        uint16_t type = cur_be16(&exts);
        struct cursor e = cur_sub(&exts, cur_be16(&exts));
        if (!cur_ok(&exts)) {
            ok = 0;
            break;
        }
        if (type == EXT_SERVER_NAME) {
            struct cursor l = cur_sub(&e, cur_be16(&e));
            while (cur_ok(&l) && cur_left(&l)) {
                uint8_t nt = cur_u8(&l);
                uint16_t nl = cur_be16(&l);
                const uint8_t *name = cur_bytes(&l, nl);
                if (name && nt == 0 && !t->sni[0]) append_text(t->sni, sizeof t->sni, NULL, name, nl);
            }
            ok = cur_ok(&l) && cur_ok(&e);
        } else if (type == EXT_ALPN) {
            ok = parse_alpn(&e, t->alpn_offered, sizeof t->alpn_offered);
        } else if (type == EXT_SUPPORTED_VERSIONS) {
            struct cursor l = cur_sub(&e, cur_u8(&e));
            if (!have_sv) t->versions_offered[0] = '\0';
            have_sv = 1;
            while (cur_ok(&l) && cur_left(&l) >= 2) {
                uint16_t v = cur_be16(&l);
                char name[24];
                if (is_grease(v)) continue;
                version_name(v, name, sizeof name);
                append_text(t->versions_offered, sizeof t->versions_offered, ",", (const uint8_t *)name, strlen(name));
            }
            ok = cur_ok(&l) && cur_left(&l) == 0 && cur_ok(&e);
        } else if (type == EXT_EARLY_DATA) {
            t->early_offered = 1;
        }
    }
    if (!ok) report(t, dir, "malformed extensions in the ClientHello (%zu bytes): what they name may be missing", len);
}

/*
 * ServerHello (RFC 8446 4.1.3, RFC 5246 7.4.1.3): version (supported_versions
 * for 1.3), suite, server random, ALPN (1.2); a HelloRetryRequest waits for the
 * next one. The real one sets up the keys, says info(), releases held records.
 */
static void parse_server_hello(struct wsi_tls *t, int dir, const uint8_t *body, size_t len)
{
    struct cursor c, exts;
    cur_init(&c, body, len);
    uint16_t legacy = cur_be16(&c);
    const uint8_t *random = cur_bytes(&c, 32);
    uint8_t sid = cur_u8(&c);
    cur_skip(&c, sid);
    uint16_t suite = cur_be16(&c);
    cur_u8(&c); /* legacy_compression_method */
    if (!cur_ok(&c) || sid > 32) {
        report(t, dir, "malformed ServerHello (%zu bytes): not followed", len);
        return;
    }
    uint16_t selected = 0;
    char alpn[128] = "";
    int ok = ext_block(&c, &exts);
    while (ok && cur_left(&exts)) {
        uint16_t type = cur_be16(&exts);
        struct cursor e = cur_sub(&exts, cur_be16(&exts));
        if (!cur_ok(&exts)) {
            ok = 0;
            break;
        }
        if (type == EXT_SUPPORTED_VERSIONS) {
            selected = cur_be16(&e);
            ok = cur_ok(&e) && cur_left(&e) == 0;
        } else if (type == EXT_ALPN) {
            ok = parse_alpn(&e, alpn, sizeof alpn);
        }
    }
    if (!ok) {
        report(t, dir, "malformed extensions in the ServerHello (%zu bytes): not followed", len);
        return;
    }
    if (!t->ch_seen) t->client_dir = !dir;
    t->version = selected ? selected : legacy;
    t->suite_id = suite;
    t->suite = find_suite(suite);
    version_name(t->version, t->version_s, sizeof t->version_s);
    if (t->suite)
        snprintf(t->cipher_s, sizeof t->cipher_s, "%s", t->suite->name);
    else
        snprintf(t->cipher_s, sizeof t->cipher_s, "0x%04x", suite);
    if (memcmp(random, hrr_random, 32) == 0) { /* HelloRetryRequest: a new ClientHello and ServerHello follow */
        t->info.hello_retry = 1;
        t->version = 0;
        return;
    }
    t->sh_seen = 1;
    memcpy(t->server_random, random, 32);
    snprintf(t->alpn_selected, sizeof t->alpn_selected, "%s", alpn);
    if (t->version == TLS13) /* everything after the ServerHello is protected, both ways */
        for (int i = 0; i < 2; i++) {
            t->d[i].prot = 1;
            t->d[i].epoch = EP_HANDSHAKE;
        }
    t->sh_origin = t->cur_origin;
    if (!t->ch_seen) {
        set_why(t, "the capture has the ServerHello but not the ClientHello: no client random to find the keys with");
    } else {
        setup_keys(t, 0);
    }
    if (t->waiting) return; /* info() and the client's held records when the wait ends */
    emit_info(t);
    if (t->d[t->client_dir].held_len) release_held(t);
}

/* ---- handshake messages ------------------------------------------------------------ */

/* One whole handshake message of `dir` (body without the 4-byte header). */
static void hs_message(struct wsi_tls *t, int dir, uint8_t type, const uint8_t *body, size_t len)
{
    struct tls_dir *d = &t->d[dir];
    if (type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO || type == HS_HELLO_REQUEST) {
        if (d->prot) { /* TLS 1.2 renegotiation: a new session under the old keys */
            if (t->sh_seen && role_decrypting(t, role_of(t, dir)))
                stop_dir(t, dir, "renegotiation (a new handshake inside the encrypted session) is not followed");
            return;
        }
        if (type == HS_CLIENT_HELLO) {
            if (t->sh_seen || (t->ch_seen && dir != t->client_dir)) {
                report(t, dir, "unexpected ClientHello from the %s: ignored", role_name(t, dir));
                return;
            }
            parse_client_hello(t, dir, body, len);
        } else if (type == HS_SERVER_HELLO) {
            if (t->sh_seen || (t->ch_seen && dir == t->client_dir)) {
                report(t, dir, "unexpected ServerHello from the %s: ignored", role_name(t, dir));
                return;
            }
            parse_server_hello(t, dir, body, len);
        }
        return;
    }
    if (t->version != TLS13 || d->epoch == EP_PLAIN) return;
    if (type == HS_ENCRYPTED_EXTENSIONS && role_of(t, dir) == 1) {
        struct cursor c, e;
        char alpn[128] = "";
        cur_init(&c, body, len);
        struct cursor exts = cur_sub(&c, cur_be16(&c));
        while (cur_ok(&exts) && cur_left(&exts)) {
            uint16_t et = cur_be16(&exts);
            e = cur_sub(&exts, cur_be16(&exts));
            if (et == EXT_ALPN && cur_ok(&exts)) parse_alpn(&e, alpn, sizeof alpn);
        }
        if (alpn[0] && strcmp(alpn, t->alpn_selected) != 0) {
            snprintf(t->alpn_selected, sizeof t->alpn_selected, "%s", alpn);
            emit_info(t);
        }
    } else if (type == HS_FINISHED && d->epoch == EP_HANDSHAKE) {
        d->switch_after = SWITCH_APP;
    } else if (type == HS_KEY_UPDATE && d->epoch == EP_APP) {
        d->switch_after = SWITCH_UPDATE;
    }
}

/* Message types whose contents this module never reads: an oversize one is skipped, not refused. */
static int hs_skippable(uint8_t type)
{
    return type == HS_CERTIFICATE || type == HS_CERTIFICATE_REQUEST || type == HS_CERTIFICATE_VERIFY ||
           type == HS_NEW_SESSION_TICKET || type == HS_SERVER_KEY_EXCHANGE || type == HS_CLIENT_KEY_EXCHANGE ||
           type == HS_CERTIFICATE_STATUS || type == HS_COMPRESSED_CERTIFICATE;
}

/* Handshake-protocol bytes of `dir` (messages may span records); reassembles whole messages. */
static void hs_feed(struct wsi_tls *t, int dir, const uint8_t *p, size_t n)
{
    struct tls_dir *d = &t->d[dir];
    struct cursor c;
    cur_init(&c, p, n);
    while (!d->hs_dead && cur_left(&c)) {
        if (d->hs_skip) {
            size_t k = cur_left(&c) < d->hs_skip ? cur_left(&c) : d->hs_skip;
            cur_skip(&c, k);
            d->hs_skip -= (uint32_t)k;
            continue;
        }
        if (!d->hs) {
            d->hs = malloc(4 + 1024);
            if (!d->hs) {
                d->hs_dead = 1;
                report(t, dir, "out of memory: handshake not followed");
                return;
            }
            d->hs_cap = 4 + 1024;
        }
        if (d->hs_len < 4) {
            size_t k = 4 - d->hs_len < cur_left(&c) ? 4 - d->hs_len : cur_left(&c);
            cur_copy(&c, d->hs + d->hs_len, k);
            d->hs_len += k;
            if (d->hs_len < 4) return;
        }
        struct cursor h;
        cur_init(&h, d->hs, 4);
        uint8_t type = cur_u8(&h);
        uint32_t mlen = (uint32_t)cur_u8(&h) << 16;
        mlen |= cur_be16(&h);
        if (mlen > WSI_TLS_MAX_HANDSHAKE) {
            d->hs_len = 0;
            if (hs_skippable(type)) {
                d->hs_skip = mlen;
                continue;
            }
            d->hs_dead = 1;
            char why[200];
            snprintf(why, sizeof why, "%s handshake message type %u of %u bytes exceeds the %u-byte limit: "
                     "the handshake is not followed further in this direction",
                     role_name(t, dir), type, mlen, WSI_TLS_MAX_HANDSHAKE);
            if (d->prot && t->version == TLS13 && !d->stopped && role_decrypting(t, role_of(t, dir)))
                stop_dir(t, dir, why);
            else
                report(t, dir, "%s", why);
            return;
        }
        if (d->hs_cap < 4 + (size_t)mlen) {
            uint8_t *nb = realloc(d->hs, 4 + (size_t)mlen);
            if (!nb) {
                d->hs_dead = 1;
                report(t, dir, "out of memory: handshake not followed");
                return;
            }
            d->hs = nb;
            d->hs_cap = 4 + (size_t)mlen;
        }
        size_t want = 4 + (size_t)mlen - d->hs_len;
        size_t k = want < cur_left(&c) ? want : cur_left(&c);
        cur_copy(&c, d->hs + d->hs_len, k);
        d->hs_len += k;
        if (d->hs_len < 4 + (size_t)mlen) return;
        d->hs_len = 0;
        hs_message(t, dir, type, d->hs + 4, mlen);
        if (d->hs_cap > 4 + 4096) { /* give a large buffer back once its message is done */
            free(d->hs);
            d->hs = NULL;
            d->hs_cap = 0;
        }
    }
}

/* ---- records ------------------------------------------------------------------------- */

/* Alert record contents (level, description pairs) to alert(). */
static void on_alert(struct wsi_tls *t, int dir, const uint8_t *p, size_t n)
{
    struct cursor c;
    cur_init(&c, p, n);
    t->stats.alerts[dir]++;
    while (cur_left(&c) >= 2) {
        int level = cur_u8(&c), desc = cur_u8(&c);
        const char *name = alert_name(desc);
        const char *lv = level == 1 ? "warning" : level == 2 ? "fatal" : "unknown-level";
        char text[96];
        if (name)
            snprintf(text, sizeof text, "%s %s", lv, name);
        else
            snprintf(text, sizeof text, "%s alert %d", lv, desc);
        if (t->cb.alert) t->cb.alert(t->user, dir, level, desc, text);
    }
    if (cur_left(&c)) report(t, dir, "%s alert record of %zu bytes (an alert is 2)", role_name(t, dir), n);
}

/* A record's contents in the clear (sent so, or decrypted): content type `type`. */
static void on_content(struct wsi_tls *t, int dir, int type, const uint8_t *p, size_t n, int decrypted)
{
    struct tls_dir *d = &t->d[dir];
    switch (type) {
    case CT_HANDSHAKE:
        hs_feed(t, dir, p, n);
        break;
    case CT_ALERT:
        on_alert(t, dir, p, n);
        break;
    case CT_CCS:
        if (t->version == TLS13 || !t->sh_seen) break; /* 1.3: middlebox compatibility only */
        if (d->prot) {
            if (!d->stopped && role_decrypting(t, role_of(t, dir)))
                stop_dir(t, dir, "a second ChangeCipherSpec (renegotiation) is not followed");
            break;
        }
        d->prot = 1;
        d->epoch = EP_APP;
        d->seq = 0;
        if (t->rk[role_of(t, dir)].have12 && !d->stopped) {
            const struct role_keys *k = &t->rk[role_of(t, dir)];
            d->key_len = aead_key_len(t->suite->aead);
            memcpy(d->key, k->key12, d->key_len);
            memcpy(d->iv, k->iv12, NONCE_LEN);
            d->keys_ok = 1;
        }
        break;
    case CT_APPDATA:
        if (decrypted) {
            if (n && t->cb.plaintext) t->cb.plaintext(t->user, dir, p, n);
            t->stats.plaintext_bytes[dir] += n;
        } else {
            t->stats.undecrypted[dir]++;
            t->stats.opaque_bytes[dir] += n;
            if (t->sh_seen && !d->plain_noted) {
                d->plain_noted = 1;
                report(t, dir, "%s record %llu: application data before encryption started: not shown",
                       role_name(t, dir), (unsigned long long)d->nrec);
            }
        }
        break;
    default: /* heartbeat */
        break;
    }
}

/* 1.3 nonce: iv XOR the 64-bit sequence number, right-aligned (RFC 8446 5.3; RFC 7905 2 alike). */
static void xor_nonce(const uint8_t iv[NONCE_LEN], uint64_t seq, uint8_t nonce[NONCE_LEN])
{
    memcpy(nonce, iv, NONCE_LEN);
    for (int i = 0; i < 8; i++) nonce[NONCE_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* Key changes due once the record that announced them is done (TLS 1.3). */
static void apply_switch(struct wsi_tls *t, int dir)
{
    struct tls_dir *d = &t->d[dir];
    int what = d->switch_after;
    d->switch_after = SWITCH_NONE;
    if (what == SWITCH_NONE || d->stopped) return;
    const struct role_keys *k = &t->rk[role_of(t, dir)];
    if (what == SWITCH_APP) {
        d->epoch = EP_APP;
        if (k->have_app) {
            install13(t, dir, k->app, hash_len(t->suite));
        } else {
            d->keys_ok = 0;
        }
        return;
    }
    uint8_t next[WSI_KEYLOG_MAX_SECRET];
    size_t hl = hash_len(t->suite);
    if (!expand_label(t->hkdf, digest_of(t->suite), d->secret, d->secret_len, "traffic upd", NULL, 0, next, hl)) {
        stop_dir(t, dir, "OpenSSL could not derive the next traffic secret after a KeyUpdate");
        return;
    }
    t->stats.key_updates[dir]++;
    install13(t, dir, next, hl);
    OPENSSL_cleanse(next, sizeof next);
}

/* A protected record (header included in rec) that cannot or may not be decrypted. */
static void opaque(struct wsi_tls *t, int dir, int type, size_t n)
{
    t->stats.undecrypted[dir]++;
    t->stats.opaque_bytes[dir] += n;
    if (type == CT_ALERT && t->version != TLS13) { /* 1.2 keeps the outer type: we know it is an alert */
        t->stats.alerts[dir]++;
        if (t->cb.alert) t->cb.alert(t->user, dir, -1, -1, "encrypted alert (not decrypted)");
    }
}

/* Decrypts a protected record of `dir` (5-byte header + fragment). */
static void decrypt_record(struct wsi_tls *t, int dir, const uint8_t *rec, size_t len)
{
    struct tls_dir *d = &t->d[dir];
    struct cursor c;
    cur_init(&c, rec, len);
    uint8_t type = cur_u8(&c);
    uint16_t ver = cur_be16(&c);
    uint16_t flen = cur_be16(&c);
    const uint8_t *frag = cur_bytes(&c, flen);
    uint8_t nonce[NONCE_LEN], aad[13];
    size_t aad_len, ct_off = 0;
    int aead = t->suite->aead;
    if (!frag) return; /* cannot happen: the record was gathered whole */
    if (t->version == TLS13) {
        xor_nonce(d->iv, d->seq, nonce);
        memcpy(aad, rec, 5);
        aad_len = 5;
    } else {
        size_t min = TAG_LEN + (aead == AEAD_CHACHA ? 0 : GCM12_EXPLICIT);
        if (flen < min) goto fail;
        if (aead == AEAD_CHACHA) {
            xor_nonce(d->iv, d->seq, nonce);
        } else {
            memcpy(nonce, d->iv, 4);
            memcpy(nonce + 4, frag, GCM12_EXPLICIT); /* explicit nonce (RFC 5288 3) */
            ct_off = GCM12_EXPLICIT;
        }
        uint16_t plen = (uint16_t)(flen - min);
        for (int i = 0; i < 8; i++) aad[i] = (uint8_t)(d->seq >> (56 - 8 * i));
        aad[8] = type;
        aad[9] = (uint8_t)(ver >> 8);
        aad[10] = (uint8_t)ver;
        aad[11] = (uint8_t)(plen >> 8);
        aad[12] = (uint8_t)plen;
        aad_len = 13;
    }
    if (flen < TAG_LEN + ct_off ||
        !aead_open(t->cctx, aead, d->key, nonce, aad, aad_len, frag + ct_off, flen - ct_off, t->scratch))
        goto fail;
    d->seq++;
    t->stats.decrypted[dir]++;
    size_t pt = flen - ct_off - TAG_LEN;
    int inner = type;
    if (t->version == TLS13) { /* TLSInnerPlaintext: content, then the type, then zero padding */
        while (pt && t->scratch[pt - 1] == 0) pt--;
        if (!pt) {
            char why[200];
            snprintf(why, sizeof why, "%s record %llu decrypted to padding only (no content type): "
                     "the %s side is not decrypted further", role_name(t, dir), (unsigned long long)d->nrec,
                     role_name(t, dir));
            stop_dir(t, dir, why);
            return;
        }
        inner = t->scratch[--pt];
    }
    if (inner != CT_HANDSHAKE && inner != CT_ALERT && inner != CT_APPDATA) {
        char why[200];
        snprintf(why, sizeof why, "%s record %llu: decrypted content type %d is not allowed here: "
                 "the %s side is not decrypted further", role_name(t, dir), (unsigned long long)d->nrec, inner,
                 role_name(t, dir));
        stop_dir(t, dir, why);
        return;
    }
    on_content(t, dir, inner, t->scratch, pt, 1);
    apply_switch(t, dir);
    return;
fail:
    if (t->version == TLS13 && role_of(t, dir) == 0 && d->epoch == EP_HANDSHAKE && d->seq == 0 &&
        t->early_offered && type == CT_APPDATA) {
        /* 0-RTT data under CLIENT_EARLY_TRAFFIC_SECRET: skipped, as a server refusing it would. */
        t->stats.early_skipped++;
        opaque(t, dir, type, flen);
        if (!d->early_noted) {
            d->early_noted = 1;
            report(t, dir, "client record %llu: 0-RTT early data is not decrypted (skipped)",
                   (unsigned long long)d->nrec);
        }
        return;
    }
    opaque(t, dir, type, flen);
    char why[400];
    snprintf(why, sizeof why, "%s record %llu (%u bytes) failed authentication with %s: the key log's secrets do "
             "not belong to this session, or the record was altered; the %s side is not decrypted further",
             role_name(t, dir), (unsigned long long)d->nrec, flen, t->cipher_s, role_name(t, dir));
    stop_dir(t, dir, why);
}

/* One whole record of `dir`: 5-byte header (already checked) + fragment. */
static const char *hs_name(uint8_t type)
{
    switch (type) {
    case HS_HELLO_REQUEST: return "HelloRequest";
    case HS_CLIENT_HELLO: return "ClientHello";
    case HS_SERVER_HELLO: return "ServerHello";
    case HS_NEW_SESSION_TICKET: return "NewSessionTicket";
    case HS_END_OF_EARLY_DATA: return "EndOfEarlyData";
    case HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
    case HS_CERTIFICATE: return "Certificate";
    case HS_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
    case HS_CERTIFICATE_REQUEST: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case HS_CERTIFICATE_VERIFY: return "CertificateVerify";
    case HS_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
    case HS_FINISHED: return "Finished";
    case HS_CERTIFICATE_STATUS: return "CertificateStatus";
    case HS_KEY_UPDATE: return "KeyUpdate";
    case HS_COMPRESSED_CERTIFICATE: return "CompressedCertificate";
    default: return NULL;
    }
}

const char *wsi_tls_type_name(int type, char buf[24])
{
    switch (type) {
    case CT_CCS: return "change_cipher_spec";
    case CT_ALERT: return "alert";
    case CT_HANDSHAKE: return "handshake";
    case CT_APPDATA: return "application data";
    case CT_HEARTBEAT: return "heartbeat";
    default: snprintf(buf, 24, "content type %d", type); return buf;
    }
}

/* The handshake messages that begin in a clear handshake fragment of `dir`, named into
 * out: read without changing the reassembly (a message that began in an earlier record
 * is stepped over, as far as it goes). */
static void hs_names(const struct wsi_tls *t, int dir, const uint8_t *frag, size_t n, char *out, size_t cap)
{
    const struct tls_dir *d = &t->d[dir];
    struct cursor c;
    size_t used = 0, skip = 0;
    out[0] = '\0';
    if (d->hs_dead) return;
    if (d->hs_skip) skip = d->hs_skip;
    else if (d->hs_len >= 4) {
        struct cursor h;
        cur_init(&h, d->hs, 4);
        cur_u8(&h);
        uint32_t mlen = (uint32_t)cur_u8(&h) << 16;
        mlen |= cur_be16(&h);
        skip = 4 + (size_t)mlen - d->hs_len;
    } else if (d->hs_len) {
        return; /* a header split across records: its name is not in this one */
    }
    cur_init(&c, frag, n);
    cur_skip(&c, skip < n ? skip : n);
    while (cur_left(&c) >= 4) {
        uint8_t type = cur_u8(&c);
        uint32_t mlen = (uint32_t)cur_u8(&c) << 16;
        mlen |= cur_be16(&c);
        const char *name = hs_name(type);
        char num[24];
        if (!name) {
            snprintf(num, sizeof num, "type %u", type);
            name = num;
        }
        int k = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", name);
        if (k < 0 || (size_t)k >= cap - used) {
            out[used] = '\0';
            return;
        }
        used += (size_t)k;
        if (cur_left(&c) <= mlen) break;
        cur_skip(&c, mlen);
    }
}

/* Tells record() of a record about to be read. */
static void say_record(struct wsi_tls *t, int dir, uint8_t type, const uint8_t *frag, size_t flen)
{
    if (!t->cb.record) return;
    const struct tls_dir *d = &t->d[dir];
    char names[160] = "";
    /* TLS 1.3 hides every protected record's real type behind application_data; TLS 1.2
     * protects everything but change_cipher_spec after it. */
    int enc = d->prot && type != CT_CCS && !(t->version == TLS13 && type != CT_APPDATA);
    if (!enc && type == CT_HANDSHAKE) hs_names(t, dir, frag, flen, names, sizeof names);
    struct wsi_tls_record r = {.type = type, .len = flen, .encrypted = enc, .handshake = names};
    t->cb.record(t->user, dir, &r);
}

static void on_record(struct wsi_tls *t, int dir, const uint8_t *rec, size_t len)
{
    struct tls_dir *d = &t->d[dir];
    struct cursor c;
    cur_init(&c, rec, len);
    uint8_t type = cur_u8(&c);
    cur_be16(&c);
    uint16_t flen = cur_be16(&c);
    const uint8_t *frag = cur_bytes(&c, flen);
    if (!frag) return;
    d->nrec++;
    t->stats.records[dir]++;

    if (!t->ch_seen && !t->sh_seen && type != CT_HANDSHAKE && !t->midstream) {
        /* No hello before protected traffic: the capture began after the handshake. */
        t->midstream = 1;
        set_why(t, "the capture starts after the TLS handshake (no ClientHello or ServerHello): "
                "the keys cannot be matched and the contents stay encrypted");
        for (int i = 0; i < 2; i++) t->d[i].prot = 1;
        emit_info(t);
    }
    say_record(t, dir, type, frag, flen);
    if (!d->prot) {
        on_content(t, dir, type, frag, flen, 0);
        return;
    }
    if (type == CT_CCS && t->version == TLS13) return;         /* compatibility CCS (RFC 8446 D.4) */
    if (type == CT_ALERT && flen == 2 && t->version == TLS13) { /* an alert sent before keys were in place */
        on_alert(t, dir, frag, flen);
        return;
    }
    if (type != CT_APPDATA && t->version == TLS13) {
        if (!d->plain_noted) {
            d->plain_noted = 1;
            report(t, dir, "%s record %llu: content type %u in the clear after the ServerHello: ignored",
                   role_name(t, dir), (unsigned long long)d->nrec, type);
        }
        return;
    }
    if (!d->keys_ok || d->stopped || !t->suite || !t->scratch) {
        opaque(t, dir, type, flen);
        return;
    }
    decrypt_record(t, dir, rec, len);
}

/* Holds an item of `dir` (a record, or a loss and its sentence): 1, or 0 when out of memory. */
static int hold(struct wsi_tls *t, int dir, const void *p, size_t len, int loss)
{
    struct tls_dir *d = &t->d[dir];
    struct held_hdr h = {.order = t->order, .origin = t->cur_origin, .len = (uint32_t)len, .loss = (uint32_t)loss};
    size_t need = d->held_len + sizeof h + len;
    if (need > d->held_cap) {
        size_t cap = d->held_cap ? d->held_cap : 4096;
        while (cap < need) cap *= 2;
        uint8_t *nb = realloc(d->held, cap);
        if (!nb) return 0;
        d->held = nb;
        d->held_cap = cap;
    }
    memcpy(d->held + d->held_len, &h, sizeof h);
    memcpy(d->held + d->held_len + sizeof h, p, len);
    d->held_len = need;
    t->order++;
    if (need > t->stats.held_max[dir]) t->stats.held_max[dir] = need;
    return 1;
}

/* Processes what both directions hold, in the order it came (each item with its origin), and forgets it. */
static void release_held(struct wsi_tls *t)
{
    uint8_t *buf[2];
    size_t len[2], pos[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        buf[i] = t->d[i].held;
        len[i] = t->d[i].held_len;
        t->d[i].held = NULL;
        t->d[i].held_len = t->d[i].held_cap = 0;
    }
    struct wsi_tls_origin here = t->cur_origin;
    for (;;) {
        struct held_hdr h[2];
        int pick = -1;
        for (int i = 0; i < 2; i++) {
            if (pos[i] >= len[i]) continue;
            memcpy(&h[i], buf[i] + pos[i], sizeof h[i]);
            if (pick < 0 || h[i].order < h[pick].order) pick = i;
        }
        if (pick < 0) break;
        const uint8_t *item = buf[pick] + pos[pick] + sizeof h[pick];
        pos[pick] += sizeof h[pick] + h[pick].len;
        t->cur_origin = h[pick].origin;
        if (h[pick].loss)
            dir_lost(t, pick, (const char *)item);
        else
            on_record(t, pick, item, h[pick].len);
    }
    t->cur_origin = here;
    for (int i = 0; i < 2; i++) {
        if (buf[i]) OPENSSL_cleanse(buf[i], len[i]);
        free(buf[i]);
    }
}

/* A record of `dir` while the secrets are awaited: held; the key log looked at when due. */
static void wait_record(struct wsi_tls *t, int dir, const uint8_t *rec, size_t len)
{
    struct tls_dir *d = &t->d[dir];
    int fits = d->held_len + sizeof(struct held_hdr) + len <= WSI_TLS_WAIT_HOLD;
    if (fits && hold(t, dir, rec, len, 0)) {
        t->wait_records++;
        if (wait_due(t) && wait_check(t)) wait_end(t, NULL);
        return;
    }
    /* the limit (or memory): one last look, then on without the secrets */
    if (wait_check(t)) {
        wait_end(t, NULL);
    } else {
        char until[128];
        if (fits)
            snprintf(until, sizeof until, "memory ran out for the %s's held records", role_name(t, dir));
        else
            snprintf(until, sizeof until, "%u KiB of the %s's records were held (the limit)", WSI_TLS_WAIT_HOLD >> 10,
                     role_name(t, dir));
        report(t, dir, "the key log still has no line for client random %s after %s: given up waiting, the records "
               "stay encrypted", t->cr_hex, until);
        wait_end(t, until);
    }
    on_record(t, dir, rec, len);
}

/*
 * A whole record of `dir` (header checked). The client's protected records
 * after its ClientHello and before the ServerHello is read (its Finished fed
 * ahead of the server's bytes, or 0-RTT data) are held, with what follows
 * them, up to HOLD_MAX bytes, and processed once the ServerHello has set the
 * keys. A new handshake record (a ClientHello after a HelloRetryRequest)
 * releases them first. While the secrets are awaited, every record is held.
 */
static void deliver(struct wsi_tls *t, int dir, const uint8_t *rec, size_t len)
{
    struct tls_dir *d = &t->d[dir];
    struct cursor c;
    cur_init(&c, rec, len);
    uint8_t type = cur_u8(&c);
    t->cur_origin = t->feed_origin;
    if (t->waiting) {
        wait_record(t, dir, rec, len);
        return;
    }
    int hold_it = t->ch_seen && !t->sh_seen && !t->midstream && dir == t->client_dir &&
                  (type == CT_APPDATA || (d->held_len && type != CT_HANDSHAKE));
    if (hold_it && d->held_len + sizeof(struct held_hdr) + len <= HOLD_MAX && hold(t, dir, rec, len, 0)) return;
    if (d->held_len) { /* too much (or no memory): go on without the ServerHello */
        if (!t->why_not[0])
            set_why(t, "no ServerHello seen: the version, the cipher and so the keys are unknown");
        release_held(t);
    }
    on_record(t, dir, rec, len);
}

/* Checks the 5-byte record header at h; NULL when plausible (*rec_len: header + fragment), else why not. */
static const char *header_problem(const uint8_t *h, size_t *rec_len, char *buf, size_t cap)
{
    struct cursor c;
    cur_init(&c, h, 5);
    uint8_t type = cur_u8(&c);
    uint16_t ver = cur_be16(&c);
    uint16_t len = cur_be16(&c);
    *rec_len = 5 + (size_t)len;
    if (type < CT_CCS || type > CT_HEARTBEAT || (ver >> 8) != 3 || (ver & 0xff) > 4) {
        snprintf(buf, cap, "not a TLS record (content type %u, version 0x%04x)", type, ver);
        return buf;
    }
    if (len > WSI_TLS_MAX_RECORD) {
        snprintf(buf, cap, "record of %u bytes exceeds TLS's %u", len, WSI_TLS_MAX_RECORD);
        return buf;
    }
    return NULL;
}

/* A record header that is not TLS: the direction is given up. */
static void bad_header(struct wsi_tls *t, int dir, const char *problem)
{
    char why[300];
    snprintf(why, sizeof why, "%s record %llu: %s; the %s stream is not followed further", role_name(t, dir),
             (unsigned long long)t->d[dir].nrec + 1, problem, role_name(t, dir));
    kill_dir(t, dir, why);
}

void wsi_tls_feed(struct wsi_tls *t, int dir, const uint8_t *data, size_t len)
{
    wsi_tls_feed_at(t, dir, data, len, NULL);
}

void wsi_tls_feed_at(struct wsi_tls *t, int dir, const uint8_t *data, size_t len, const struct wsi_tls_origin *origin)
{
    if (!t || dir < 0 || dir > 1 || !data) return;
    static const struct wsi_tls_origin none;
    t->feed_origin = origin ? *origin : none;
    struct tls_dir *d = &t->d[dir];
    struct cursor c;
    char buf[160];
    cur_init(&c, data, len);
    while (!d->dead && cur_left(&c)) {
        size_t rl = 0;
        if (d->rec_len == 0 && cur_left(&c) >= 5) { /* a whole record in the input: no copy */
            const char *bad = header_problem(c.p, &rl, buf, sizeof buf);
            if (bad) {
                bad_header(t, dir, bad);
                break;
            }
            if (cur_left(&c) >= rl) {
                const uint8_t *rec = cur_bytes(&c, rl);
                deliver(t, dir, rec, rl);
                continue;
            }
        }
        /* gather: the header first, then the fragment (d->rec_want, checked, once the header is in) */
        size_t want = d->rec_len < 5 ? 5 : d->rec_want;
        size_t need = want - d->rec_len;
        if (d->rec_cap < want) {
            uint8_t *nb = realloc(d->rec, want);
            if (!nb) {
                kill_dir(t, dir, "out of memory: TLS not followed");
                return;
            }
            d->rec = nb;
            d->rec_cap = want;
        }
        size_t k = need < cur_left(&c) ? need : cur_left(&c);
        cur_copy(&c, d->rec + d->rec_len, k);
        d->rec_len += k;
        if (d->rec_len == 5 && want == 5) {
            const char *bad = header_problem(d->rec, &d->rec_want, buf, sizeof buf);
            if (bad) {
                bad_header(t, dir, bad);
                break;
            }
        }
        if (d->rec_len >= 5 && d->rec_len == d->rec_want) {
            d->rec_len = 0;
            deliver(t, dir, d->rec, d->rec_want);
        }
    }
    t->cur_origin = t->feed_origin = none;
    refresh_info(t);
}

void wsi_tls_finish(struct wsi_tls *t)
{
    if (!t) return;
    if (t->waiting) wait_end(t, wait_check(t) ? NULL : "the end of the connection in the capture");
    if (t->d[0].held_len || t->d[1].held_len) {
        if (!t->why_not[0]) set_why(t, "no ServerHello seen: the version, the cipher and so the keys are unknown");
        release_held(t);
    }
    refresh_info(t);
}

void wsi_tls_gap(struct wsi_tls *t, int dir)
{
    if (!t || dir < 0 || dir > 1 || t->d[dir].dead) return;
    char why[160];
    snprintf(why, sizeof why, "bytes missing in the %s stream: its TLS records are not followed further",
             role_name(t, dir));
    kill_dir(t, dir, why);
    refresh_info(t);
}

int wsi_tls_looks_like(const uint8_t *p, size_t n)
{
    struct cursor c;
    cur_init(&c, p, n);
    int b;
    if ((b = cur_peek(&c, 0)) >= 0 && b != CT_HANDSHAKE) return 0;
    if ((b = cur_peek(&c, 1)) >= 0 && b != 3) return 0;
    if ((b = cur_peek(&c, 2)) >= 0 && b > 4) return 0;
    int hi = cur_peek(&c, 3), lo = cur_peek(&c, 4);
    if (hi >= 0 && lo >= 0) {
        unsigned len = ((unsigned)hi << 8) | (unsigned)lo;
        if (len < 4 || len > WSI_TLS_MAX_RECORD) return 0; /* a hello needs at least its 4-byte header */
    } else if (hi >= 0 && ((unsigned)hi << 8) > WSI_TLS_MAX_RECORD) {
        return 0;
    }
    if ((b = cur_peek(&c, 5)) < 0) return -1;
    return b == HS_CLIENT_HELLO || b == HS_SERVER_HELLO;
}

struct wsi_tls *wsi_tls_new(const struct wsi_keylog *kl, const struct wsi_tls_cb *cb, void *user)
{
    struct wsi_tls *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->kl = kl;
    if (cb) t->cb = *cb;
    t->user = user;
    t->info.sni = t->sni;
    t->info.alpn_offered = t->alpn_offered;
    t->info.alpn_selected = t->alpn_selected;
    t->info.versions_offered = t->versions_offered;
    t->info.version = t->version_s;
    t->info.cipher = t->cipher_s;
    t->info.client_random = t->cr_hex;
    return t;
}

const struct wsi_tls_info *wsi_tls_get_info(const struct wsi_tls *t) { return t ? &t->info : NULL; }

const struct wsi_tls_origin *wsi_tls_origin(const struct wsi_tls *t)
{
    return t && t->cur_origin.packet ? &t->cur_origin : NULL;
}

size_t wsi_tls_held(const struct wsi_tls *t) { return t ? t->d[0].held_cap + t->d[1].held_cap : 0; }

const struct wsi_tls_stats *wsi_tls_get_stats(const struct wsi_tls *t) { return t ? &t->stats : NULL; }

void wsi_tls_free(struct wsi_tls *t)
{
    if (!t) return;
    for (int i = 0; i < 2; i++) {
        free(t->d[i].rec);
        free(t->d[i].hs);
        if (t->d[i].held) OPENSSL_cleanse(t->d[i].held, t->d[i].held_len);
        free(t->d[i].held);
    }
    if (t->scratch) OPENSSL_cleanse(t->scratch, WSI_TLS_MAX_RECORD);
    free(t->scratch);
    EVP_CIPHER_CTX_free(t->cctx);
    EVP_KDF_free(t->hkdf);
    EVP_KDF_free(t->prf);
    OPENSSL_cleanse(t, sizeof *t);
    free(t);
}
