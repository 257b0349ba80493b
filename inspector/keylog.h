/* keylog.h - the NSS key log (SSLKEYLOGFILE): reading it, and the TLS secrets it holds per client random. */
#ifndef WSI_KEYLOG_H
#define WSI_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

/*
 * A TLS client told to (SSLKEYLOGFILE=FILE in browsers, curl, Python 3.8+ ssl;
 * OpenSSL's SSL_CTX_set_keylog_callback) writes the secrets of each session it
 * makes to a text file, one "LABEL <64-hex client_random> <hex secret>" line
 * each: the NSS key log format. This module reads such a file into a table
 * keyed by client random and label; tls.c looks the secrets of a connection up
 * there (by the ClientHello's random) to decrypt TLS 1.3 and 1.2. Nothing here
 * knows TLS records: the key log is text in, secrets out.
 */

#define WSI_KEYLOG_MAX_ENTRIES 1000000u /* key lines kept at most (the file is refused beyond) */
#define WSI_KEYLOG_MAX_LINE 1024u       /* longer lines are skipped as malformed */
#define WSI_KEYLOG_MAX_SECRET 48u       /* longest secret: SHA-384 traffic secrets, the TLS 1.2 master secret */

/* The labels this module uses (other labels, e.g. RSA or ECH ones, are counted and skipped). */
enum wsi_keylog_label {
    WSI_KL_CLIENT_RANDOM,                   /* TLS 1.2: the master secret */
    WSI_KL_CLIENT_EARLY_TRAFFIC_SECRET,     /* TLS 1.3 0-RTT (kept, not used yet) */
    WSI_KL_CLIENT_HANDSHAKE_TRAFFIC_SECRET, /* TLS 1.3 client handshake traffic secret */
    WSI_KL_SERVER_HANDSHAKE_TRAFFIC_SECRET, /* TLS 1.3 server handshake traffic secret */
    WSI_KL_CLIENT_TRAFFIC_SECRET_0,         /* TLS 1.3 first client application traffic secret */
    WSI_KL_SERVER_TRAFFIC_SECRET_0,         /* TLS 1.3 first server application traffic secret */
    WSI_KL_EXPORTER_SECRET,                 /* TLS 1.3 exporter (kept, not used) */
    WSI_KL_EARLY_EXPORTER_SECRET,           /* TLS 1.3 early exporter (kept, not used) */
    WSI_KL_NLABELS                          /* number of labels */
};

/* What loading a key log found. */
struct wsi_keylog_stats {
    uint64_t lines;          /* lines read (including comments and blank lines) */
    uint64_t entries;        /* secrets kept */
    uint64_t ignored;        /* comment and blank lines */
    uint64_t unknown_labels; /* well-formed lines with a label this module does not use */
    uint64_t malformed;      /* lines skipped as not "LABEL <64 hex> <hex>" (or too long) */
    uint64_t duplicates;     /* repeated lines (same label and client random; the first one is kept) */
    uint64_t conflicts;      /* of those, lines whose secret differed from the kept one */
    uint64_t first_bad_line; /* line number of the first malformed line (0: none) */
    char first_bad_why[96];  /* what was wrong with it */
    uint64_t rereads;        /* times wsi_keylog_refresh() found the file changed and read it again */
    uint64_t reloads;        /* of those, times it read it whole: the file was truncated, rewritten or replaced */
};

struct wsi_keylog;

/*
 * Reads an NSS key log file ("LABEL <64-hex client_random> <hex secret>" lines;
 * '#' comments, blank lines and CRLF line ends allowed). Malformed lines are
 * skipped and counted. Returns NULL with a message naming the file (and line)
 * in errbuf when the file cannot be read, holds more than
 * WSI_KEYLOG_MAX_ENTRIES key lines, or has lines that are not comments or
 * blank and no usable one among them (malformed, or with labels not used
 * here). A file with no such line at all (empty, or comments and blank lines
 * only: a client that has not made a TLS session yet) is read, with a warning.
 */
struct wsi_keylog *wsi_keylog_load(const char *path, char errbuf[256]);

/*
 * A key log read from a regular file follows it: a client run with
 * SSLKEYLOGFILE appends each session's secrets as it makes the session, so in
 * a live capture the lines of a connection come after its wsinspect started.
 * wsi_keylog_refresh() catches up with the file:
 *   - nothing is read when the file's identity (device, inode), size and
 *     modification time are as they were at the last read: one stat(2);
 *   - a file that grew is read from the start of its last line: a last line
 *     without its '\n' (the client still writing it) is read as it is, and
 *     read again whole once the rest has come (its counts and secret taken
 *     back first, so nothing is counted twice);
 *   - a file truncated, rewritten in place (its bytes before the last line
 *     read are not what they were) or replaced (another inode) is read whole
 *     again: the secrets and counters are then those of the file as it is now.
 * Secrets returned by wsi_keylog_lookup() are valid until the next refresh.
 * Returns 1 when lines were read, 0 when there was nothing new (always for a
 * key log from memory or from a pipe), -1 when the file cannot be read now
 * (the key log stays as it was; a later refresh tries again).
 *
 * The key log is taken const, as by the lookups: its holders (one TLS session
 * per connection) may all ask it to catch up with its file, which is still a
 * reading of the key log. (A key log is always this module's allocation, never
 * a const object.) Single-threaded, as the rest of the pipeline.
 */
int wsi_keylog_refresh(const struct wsi_keylog *kl);

/* 1 when the key log follows a file that wsi_keylog_refresh() may find grown, 0 when it never changes. */
int wsi_keylog_follows(const struct wsi_keylog *kl);

/* The same from memory; `name` is used in messages ("FILE:LINE: ..."). A key log from memory never changes. */
struct wsi_keylog *wsi_keylog_parse_buf(const char *buf, size_t len, const char *name, char errbuf[256]);

const struct wsi_keylog_stats *wsi_keylog_stats(const struct wsi_keylog *kl);

/* NULL when every line was usable, else e.g. "keys.log:7: client random is not 64 hex digits (2 malformed lines skipped)",
 * or, for a key log without a key line, "keys.log: no key line yet (...)". */
const char *wsi_keylog_warning(const struct wsi_keylog *kl);

/* The secret with `label` for `client_random`: 1 and *secret, *len set, or 0. */
int wsi_keylog_lookup(const struct wsi_keylog *kl, const uint8_t client_random[32], enum wsi_keylog_label label,
                      const uint8_t **secret, size_t *len);

void wsi_keylog_free(struct wsi_keylog *kl);

/* The NSS name of a label ("CLIENT_RANDOM", "SERVER_TRAFFIC_SECRET_0", ...), NULL when out of range. */
const char *wsi_keylog_label_name(enum wsi_keylog_label label);

#endif
