/* tls.h - TLS on a connection: the hellos' facts (SNI, ALPN, versions, cipher) and, with an NSS key log, decryption. */
#ifndef WSI_TLS_H
#define WSI_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "keylog.h" /* the key log the decryption reads its secrets from */

/*
 * A wss:// connection carries TLS records. Without keys this module reads
 * what TLS leaves in the clear (the ClientHello's server name, ALPN offer and
 * versions, the server's chosen version and cipher) and says why the
 * WebSocket inside cannot be shown. With a key log (the NSS format that
 * SSLKEYLOGFILE produces) it decrypts TLS 1.3 (TLS_AES_128_GCM_SHA256,
 * TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256) and TLS 1.2 AEAD
 * suites (AES-GCM, ChaCha20-Poly1305) and hands the application data, in
 * order, per direction, to the caller - which feeds it to the same HTTP and
 * WebSocket decoding as a ws:// connection.
 *
 * All cryptography is OpenSSL libcrypto's (EVP AEAD ciphers, the "HKDF" and
 * "TLS1-PRF" key derivations).
 */

/* ---- recognising TLS ------------------------------------------------------ */

/*
 * 1 when the bytes start a TLS handshake record carrying a ClientHello or a
 * ServerHello (0x16, 0x03 0x00-0x04, a length of 1..18432, handshake type 1 or 2),
 * 0 when they do not, -1 when fewer than 6 bytes agree so far.
 */
int wsi_tls_looks_like(const uint8_t *p, size_t n);

/* ---- one connection -------------------------------------------------------- */

/* What is known of the session. Strings are never NULL (except why_not), printable ASCII, and stay valid until the next feed. */
struct wsi_tls_info {
    const char *sni;              /* server_name the client asked for (RFC 6066), "" if none */
    const char *alpn_offered;     /* ALPN protocols the client offered, comma separated, "" if none */
    const char *alpn_selected;    /* ALPN protocol the server chose ("" if none or not yet known: TLS 1.3 sends it encrypted) */
    const char *versions_offered; /* "TLS1.3,TLS1.2" from supported_versions, else the ClientHello's version */
    const char *version;          /* version the server chose: "TLS1.3", "TLS1.2", ...; "" before the ServerHello */
    const char *cipher;           /* IANA name of the chosen suite ("0x1234" when unknown); "" before the ServerHello */
    const char *client_random;    /* 64 hex digits; "" before the ClientHello */
    int hello_retry;              /* 1 when the server sent a HelloRetryRequest */
    int decrypting;               /* 1 while at least one direction is being decrypted */
    const char *why_not;          /* NULL when both directions are decrypted, else one sentence saying why not */
};

/* Counters, per direction as the caller numbers them. */
struct wsi_tls_stats {
    uint64_t records[2];        /* TLS records read */
    uint64_t decrypted[2];      /* protected records decrypted */
    uint64_t undecrypted[2];    /* protected records not decrypted (no key, failed, stopped) */
    uint64_t opaque_bytes[2];   /* bytes of those records */
    uint64_t plaintext_bytes[2];/* application data bytes handed to plaintext() */
    uint64_t alerts[2];         /* alerts seen */
    uint64_t key_updates[2];    /* TLS 1.3 KeyUpdates followed */
    uint64_t early_skipped;     /* client 0-RTT records skipped (not decrypted) */
    uint64_t held_max[2];       /* most bytes held at once (records awaiting the ServerHello or the secrets) */
    uint64_t keylog_checks;     /* times the key log was looked at again while the session's secrets were awaited */
    uint64_t keylog_rereads;    /* times the key log's file was re-read (it had changed) while they were */
};

/* A record as an observer without keys sees it on the wire (record()). */
struct wsi_tls_record {
    int type;               /* content type on the wire: 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data, 24 heartbeat */
    size_t len;             /* fragment bytes (the 5-byte header not counted) */
    int encrypted;          /* the fragment is protected: its contents (and, in TLS 1.3, its real type) are hidden */
    const char *handshake;  /* in the clear: the handshake messages that begin in it ("ServerHello, Certificate"), else "" */
};

/* "handshake", "application data", "alert", "change_cipher_spec", "heartbeat" or "content type N" (buf). */
const char *wsi_tls_type_name(int type, char buf[24]);

/*
 * Callbacks (each may be NULL). Direction `dir` is the caller's: 0 for the
 * client (the side that sent the ClientHello), 1 for the server. Should the
 * ClientHello arrive on direction 1, the roles follow it; `dir` in callbacks
 * stays the caller's numbering. Pointers are valid only during the call; a
 * callback must not feed the same wsi_tls.
 */
struct wsi_tls_cb {
    /* Decrypted application_data bytes of `dir`, in order (TLS records' contents, concatenated). */
    void (*plaintext)(void *user, int dir, const uint8_t *data, size_t len);
    /* After the ServerHello; again when something changes (ALPN learnt from the
     * encrypted extensions, decryption stopping), or when a capture starts
     * after the handshake. */
    void (*info)(void *user, const struct wsi_tls_info *info);
    /* An alert: level 1 warning / 2 fatal and description (RFC 8446 6), text
     * like "warning close_notify"; level and description -1 when the alert is
     * encrypted and not decrypted. */
    void (*alert)(void *user, int dir, int level, int description, const char *text);
    /* A problem, phrased: a record that failed authentication (with its number;
     * that direction is not decrypted further), a stream that is not TLS, a
     * malformed hello, a limit reached... */
    void (*error)(void *user, int dir, const char *why);
    /* Every record of `dir` as it is read, before its contents are (so that what its
     * contents cause, an alert or the hellos' facts, is said after it). */
    void (*record)(void *user, int dir, const struct wsi_tls_record *rec);
};

#define WSI_TLS_MAX_RECORD (16384u + 2048u) /* largest TLSCiphertext fragment (RFC 5246 6.2.3) */
#define WSI_TLS_MAX_HANDSHAKE 65536u        /* largest handshake message reassembled (larger uninteresting ones are skipped) */
#define WSI_TLS_WAIT_HOLD (256u << 10)      /* bytes held per direction while the secrets are awaited */
#define WSI_TLS_WAIT_CHECK_MS 100           /* capture time between two looks at the key log while they are */

struct wsi_tls;

/*
 * A TLS session; `kl` (may be NULL: no decryption) must outlive it. NULL when out of memory.
 *
 * Waiting for the key log: when the ServerHello names a version and suite
 * this module decrypts but the key log lacks secrets of the session (TLS 1.3:
 * any of the two handshake and two first traffic secrets; TLS 1.2: the
 * CLIENT_RANDOM line), and the key log follows a file
 * (wsi_keylog_follows(): the client may be writing that file now, as in a
 * live capture), the session waits: every record that follows, both
 * directions, is held as it came (with its origin, below), and the key log
 * is read again (wsi_keylog_refresh) - at the ServerHello, at the 1st, 2nd,
 * 4th, 8th... record held, whenever WSI_TLS_WAIT_CHECK_MS of capture time
 * have passed since the last look, and at wsi_tls_finish(). Once the secrets
 * are there, info() is said (with the ServerHello's origin) and the held
 * records are processed in the order they came, both directions interleaved,
 * as if the secrets had been there all along. The wait ends without them
 * when a direction would hold more than WSI_TLS_WAIT_HOLD bytes (error() says
 * so) or at wsi_tls_finish(): the session then goes on as a key log without
 * the line makes it, why_not saying how long it waited and how many times the
 * key log was checked and re-read. No info() is said while waiting;
 * wsi_tls_get_info()'s why_not says it waits. A key log from memory never
 * grows: no wait.
 */
struct wsi_tls *wsi_tls_new(const struct wsi_keylog *kl, const struct wsi_tls_cb *cb, void *user);

/* Where fed bytes come from, in the caller's terms: a packet (1-based; 0: none) and its capture time. */
struct wsi_tls_origin {
    uint64_t packet;
    int64_t ts_sec;
    uint32_t ts_nsec;
};

/*
 * Bytes of direction `dir` (0 client, 1 server), in stream order, split
 * anywhere. The two directions may be fed in any interleaving: protected
 * client records that arrive before the ServerHello has been read are held
 * (up to 64 KiB) until it is.
 */
void wsi_tls_feed(struct wsi_tls *t, int dir, const uint8_t *data, size_t len);

/*
 * The same, saying where the bytes come from (NULL: nowhere known). A record's
 * origin is that of the bytes that complete it; a held record keeps its own.
 * The capture time also paces the looks at the key log while secrets are
 * awaited (without it, only the count of held records does).
 */
void wsi_tls_feed_at(struct wsi_tls *t, int dir, const uint8_t *data, size_t len, const struct wsi_tls_origin *origin);

/*
 * During a callback: the origin of what it is about - the record being
 * processed (a held one's own), the ServerHello's for the info() that ends a
 * wait. NULL outside records (a gap, the end) or when none was given.
 */
const struct wsi_tls_origin *wsi_tls_origin(const struct wsi_tls *t);

/* Bytes held now (records awaiting the ServerHello or the secrets, with their bookkeeping): for memory accounting. */
size_t wsi_tls_held(const struct wsi_tls *t);

/* End of input: a wait for the key log ends (one last look at it); client records still held for a
 * ServerHello that never came are counted (not shown). */
void wsi_tls_finish(struct wsi_tls *t);

/* A gap in direction `dir` (bytes lost): that direction is not followed any further (reported via error()). */
void wsi_tls_gap(struct wsi_tls *t, int dir);

/* What is known now (also before any info() call). */
const struct wsi_tls_info *wsi_tls_get_info(const struct wsi_tls *t);

const struct wsi_tls_stats *wsi_tls_get_stats(const struct wsi_tls *t);

void wsi_tls_free(struct wsi_tls *t);

/* ---- key derivations (exposed for the tests) --------------------------------- */

/*
 * TLS 1.3 HKDF-Expand-Label(secret, label, context, out_len) (RFC 8446 7.1) with
 * `digest` "SHA256" or "SHA384"; `label` without the "tls13 " prefix. 1 on success.
 */
int wsi_tls13_expand_label(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                           const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);

/* TLS 1.2 key block: PRF(master, "key expansion", server_random + client_random) (RFC 5246 6.3). 1 on success. */
int wsi_tls12_key_block(const char *digest, const uint8_t master[48], const uint8_t client_random[32],
                        const uint8_t server_random[32], uint8_t *out, size_t out_len);

#endif
