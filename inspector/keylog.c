/* keylog.c - the NSS key log (SSLKEYLOGFILE): lines parsed into a hash table of secrets by client random and label. */

#include "keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* ---- hex ------------------------------------------------------------------------ */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes exactly `n` hex digits (n even) into out; 1 on success. */
static int unhex(const char *s, size_t n, uint8_t *out)
{
    if (n % 2) return 0;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) return 0;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

/* ---- the key log ---------------------------------------------------------------- */

static const char *const label_names[WSI_KL_NLABELS] = {
    [WSI_KL_CLIENT_RANDOM] = "CLIENT_RANDOM",
    [WSI_KL_CLIENT_EARLY_TRAFFIC_SECRET] = "CLIENT_EARLY_TRAFFIC_SECRET",
    [WSI_KL_CLIENT_HANDSHAKE_TRAFFIC_SECRET] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    [WSI_KL_SERVER_HANDSHAKE_TRAFFIC_SECRET] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    [WSI_KL_CLIENT_TRAFFIC_SECRET_0] = "CLIENT_TRAFFIC_SECRET_0",
    [WSI_KL_SERVER_TRAFFIC_SECRET_0] = "SERVER_TRAFFIC_SECRET_0",
    [WSI_KL_EXPORTER_SECRET] = "EXPORTER_SECRET",
    [WSI_KL_EARLY_EXPORTER_SECRET] = "EARLY_EXPORTER_SECRET",
};

/* One secret of the key log. */
struct kl_node {
    uint8_t cr[32];                        /* client random */
    uint8_t label;                         /* enum wsi_keylog_label */
    uint8_t len;                           /* secret length */
    uint8_t secret[WSI_KEYLOG_MAX_SECRET]; /* the secret */
    uint32_t next;                         /* next node of the bucket, index + 1 (0: none) */
};

/* What reading a last line without its '\n' changed, to take it back when the rest of the line comes. */
struct kl_undo {
    struct wsi_keylog_stats st;  /* the counters before it */
    size_t n;                    /* the secrets before it */
    uint64_t first_other_line;   /* first_other_line before it */
    char first_other_label[40];  /* first_other_label before it */
};

struct wsi_keylog {
    struct kl_node *nodes;          /* the secrets */
    size_t n, cap;                  /* nodes used / allocated */
    uint32_t *heads;                /* hash buckets: first node index + 1 (0: empty) */
    size_t nheads;                  /* bucket count, a power of two (0 before the first secret) */
    struct wsi_keylog_stats st;     /* counters */
    char name[128];                 /* file name for messages */
    char warning[384];              /* wsi_keylog_warning()'s text */
    char fatal[256];                /* set when reading must fail */
    char line[WSI_KEYLOG_MAX_LINE]; /* line being assembled while reading */
    size_t line_len;                /* bytes in line */
    int too_long;                   /* the current line exceeded WSI_KEYLOG_MAX_LINE */
    uint64_t first_other_line;      /* line number of the first line with a label not used here (0: none) */
    char first_other_label[40];     /* that label (cut to fit) */
    /* following the file (wsi_keylog_refresh) */
    char *path;                     /* the file, NULL when there is none to follow (memory, a pipe) */
    uint64_t fed;                   /* file offset of the next byte to read */
    uint64_t line_start;            /* file offset of the line being assembled (just after the last '\n') */
    dev_t dev;                      /* the file as last read: its device, */
    ino_t ino;                      /* inode */
    struct timespec mtime;          /* and modification time (its size: fed) */
    uint8_t mark[32];               /* its bytes just before line_start: tells a file that grew from one rewritten */
    size_t mark_len;                /* bytes in mark */
    int tail_open;                  /* the last read ended in a line without '\n', read as it was; undo takes it back */
    struct kl_undo undo;            /* the state before that line */
};

/* FNV-1a over the client random and the label: the bucket key. */
static uint32_t kl_hash(const uint8_t cr[32], unsigned label)
{
    uint32_t h = 2166136261u ^ label;
    for (int i = 0; i < 32; i++) h = (h ^ cr[i]) * 16777619u;
    return h;
}

/* The secret with `label` for `cr`, or NULL. */
static struct kl_node *kl_find(const struct wsi_keylog *kl, const uint8_t cr[32], unsigned label)
{
    if (!kl || !kl->nheads) return NULL;
    uint32_t i = kl->heads[kl_hash(cr, label) & (kl->nheads - 1)];
    while (i) {
        struct kl_node *nd = &kl->nodes[i - 1];
        if (nd->label == label && memcmp(nd->cr, cr, 32) == 0) return nd;
        i = nd->next;
    }
    return NULL;
}

/* Rebuilds the buckets for `nheads` buckets; 0 when out of memory. */
static int kl_rehash(struct wsi_keylog *kl, size_t nheads)
{
    uint32_t *h = calloc(nheads, sizeof *h);
    if (!h) return 0;
    free(kl->heads);
    kl->heads = h;
    kl->nheads = nheads;
    for (size_t i = 0; i < kl->n; i++) {
        struct kl_node *nd = &kl->nodes[i];
        uint32_t b = kl_hash(nd->cr, nd->label) & (uint32_t)(nheads - 1);
        nd->next = h[b];
        h[b] = (uint32_t)(i + 1);
    }
    return 1;
}

/* Adds one secret (the caller checked it is new); 0 when out of memory. */
static int kl_add(struct wsi_keylog *kl, const uint8_t cr[32], unsigned label, const uint8_t *secret, size_t len)
{
    if (kl->n == kl->cap) {
        size_t nc = kl->cap ? kl->cap * 2 : 64;
        if (nc > WSI_KEYLOG_MAX_ENTRIES) nc = WSI_KEYLOG_MAX_ENTRIES;
        struct kl_node *nn = realloc(kl->nodes, nc * sizeof *nn);
        if (!nn) return 0;
        kl->nodes = nn;
        kl->cap = nc;
    }
    struct kl_node *nd = &kl->nodes[kl->n++];
    memcpy(nd->cr, cr, 32);
    nd->label = (uint8_t)label;
    nd->len = (uint8_t)len;
    memcpy(nd->secret, secret, len);
    if (kl->n > kl->nheads / 2) return kl_rehash(kl, kl->nheads ? kl->nheads * 2 : 128);
    uint32_t b = kl_hash(cr, label) & (uint32_t)(kl->nheads - 1);
    nd->next = kl->heads[b];
    kl->heads[b] = (uint32_t)kl->n;
    return 1;
}

/* Removes the secret added last (taking back a line read before its end). */
static void kl_pop(struct wsi_keylog *kl)
{
    uint32_t idx = (uint32_t)kl->n; /* the last node's index + 1, as the buckets hold it */
    struct kl_node *nd = &kl->nodes[idx - 1];
    uint32_t *link = &kl->heads[kl_hash(nd->cr, nd->label) & (kl->nheads - 1)];
    while (*link && *link != idx) link = &kl->nodes[*link - 1].next;
    if (*link) *link = nd->next;
    OPENSSL_cleanse(nd, sizeof *nd);
    kl->n--;
}

/* Counts a malformed line; the first one is remembered for the messages. */
static void kl_bad(struct wsi_keylog *kl, const char *why)
{
    kl->st.malformed++;
    if (!kl->st.first_bad_line) {
        kl->st.first_bad_line = kl->st.lines;
        snprintf(kl->st.first_bad_why, sizeof kl->st.first_bad_why, "%s", why);
    }
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* One line (without its '\n'), already counted in st.lines. */
static void kl_line(struct wsi_keylog *kl, const char *s, size_t n)
{
    while (n && is_blank(s[n - 1])) n--;
    while (n && is_blank(*s)) s++, n--;
    if (n == 0 || s[0] == '#') {
        kl->st.ignored++;
        return;
    }
    const char *f[3];
    size_t fl[3];
    size_t nf = 0, i = 0;
    while (i < n) {
        if (nf == 3) {
            kl_bad(kl, "more than 3 fields (expected LABEL CLIENT_RANDOM SECRET)");
            return;
        }
        f[nf] = s + i;
        while (i < n && !is_blank(s[i])) i++;
        fl[nf] = (size_t)(s + i - f[nf]);
        nf++;
        while (i < n && is_blank(s[i])) i++;
    }
    if (nf != 3) {
        kl_bad(kl, "fewer than 3 fields (expected LABEL CLIENT_RANDOM SECRET)");
        return;
    }
    for (size_t k = 0; k < fl[0]; k++) {
        char c = f[0][k];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
            kl_bad(kl, "the label is not upper-case letters, digits and '_'");
            return;
        }
    }
    unsigned label = WSI_KL_NLABELS;
    for (unsigned k = 0; k < WSI_KL_NLABELS; k++)
        if (strlen(label_names[k]) == fl[0] && memcmp(label_names[k], f[0], fl[0]) == 0) label = k;
    if (label == WSI_KL_NLABELS) { /* RSA, ECH_SECRET, ...: another tool's business */
        if (!kl->st.unknown_labels++) {
            kl->first_other_line = kl->st.lines;
            int w = fl[0] < sizeof kl->first_other_label ? (int)fl[0] : (int)sizeof kl->first_other_label - 1;
            snprintf(kl->first_other_label, sizeof kl->first_other_label, "%.*s", w, f[0]);
        }
        return;
    }
    uint8_t cr[32], secret[WSI_KEYLOG_MAX_SECRET];
    if (fl[1] != 64 || !unhex(f[1], 64, cr)) {
        kl_bad(kl, "the client random is not 64 hex digits");
        return;
    }
    if (fl[2] > 2 * WSI_KEYLOG_MAX_SECRET) {
        kl_bad(kl, "the secret is longer than 48 bytes");
        return;
    }
    if (fl[2] == 0 || !unhex(f[2], fl[2], secret)) {
        kl_bad(kl, "the secret is not an even number of hex digits");
        return;
    }
    size_t slen = fl[2] / 2;
    struct kl_node *old = kl_find(kl, cr, label);
    if (old) {
        kl->st.duplicates++;
        if (old->len != slen || memcmp(old->secret, secret, slen) != 0) kl->st.conflicts++;
        return;
    }
    if (kl->n >= WSI_KEYLOG_MAX_ENTRIES) {
        snprintf(kl->fatal, sizeof kl->fatal, "%s:%llu: more than %u key lines", kl->name,
                 (unsigned long long)kl->st.lines, WSI_KEYLOG_MAX_ENTRIES);
        return;
    }
    if (!kl_add(kl, cr, label, secret, slen)) {
        snprintf(kl->fatal, sizeof kl->fatal, "%s:%llu: out of memory", kl->name, (unsigned long long)kl->st.lines);
        return;
    }
    kl->st.entries++;
}

/* Ends the line being assembled. */
static void kl_end_line(struct wsi_keylog *kl)
{
    kl->st.lines++;
    if (kl->too_long)
        kl_bad(kl, "the line is longer than 1024 bytes");
    else
        kl_line(kl, kl->line, kl->line_len);
    kl->line_len = 0;
    kl->too_long = 0;
}

/* Splits bytes into lines; a line longer than the cap is counted, not kept. */
static void kl_feed(struct wsi_keylog *kl, const char *p, size_t n)
{
    while (n && !kl->fatal[0]) {
        const char *nl = memchr(p, '\n', n);
        size_t part = nl ? (size_t)(nl - p) : n;
        if (!kl->too_long) {
            if (part > sizeof kl->line - kl->line_len) {
                kl->too_long = 1;
            } else {
                memcpy(kl->line + kl->line_len, p, part);
                kl->line_len += part;
            }
        }
        if (!nl) {
            kl->fed += part;
            return;
        }
        kl_end_line(kl);
        p = nl + 1;
        n -= part + 1;
        kl->fed += part + 1;
        kl->line_start = kl->fed;
    }
}

/* Formats a message into the caller's 256-byte errbuf (if any). */
static void set_err(char *errbuf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char *errbuf, const char *fmt, ...)
{
    if (!errbuf) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, 256, fmt, ap);
    va_end(ap);
}

/* An empty key log named `name` (for messages). */
static struct wsi_keylog *kl_new(const char *name)
{
    struct wsi_keylog *kl = calloc(1, sizeof *kl);
    if (kl) snprintf(kl->name, sizeof kl->name, "%s", name ? name : "key log");
    return kl;
}

/*
 * At the end of what a read found: a last line without its '\n' is read as it
 * is (a file need not end with one), after noting what it changes, so that a
 * later read, finding the rest of the line, can take it back and read it whole.
 */
static void kl_close_tail(struct wsi_keylog *kl)
{
    if (kl->fatal[0] || (!kl->line_len && !kl->too_long)) return;
    kl->undo.st = kl->st;
    kl->undo.n = kl->n;
    kl->undo.first_other_line = kl->first_other_line;
    memcpy(kl->undo.first_other_label, kl->first_other_label, sizeof kl->undo.first_other_label);
    kl->tail_open = 1;
    kl_end_line(kl);
}

/* Takes back the last line read without its '\n' (if any): the next read starts at its beginning. */
static void kl_undo_tail(struct wsi_keylog *kl)
{
    if (kl->tail_open) {
        uint64_t rereads = kl->st.rereads, reloads = kl->st.reloads;
        while (kl->n > kl->undo.n) kl_pop(kl);
        kl->st = kl->undo.st;
        kl->st.rereads = rereads;
        kl->st.reloads = reloads;
        kl->first_other_line = kl->undo.first_other_line;
        memcpy(kl->first_other_label, kl->undo.first_other_label, sizeof kl->first_other_label);
        kl->tail_open = 0;
    }
    kl->line_len = 0;
    kl->too_long = 0;
    kl->fed = kl->line_start;
}

/* wsi_keylog_warning()'s text for the counters now (refusals aside). */
static void kl_set_warning(struct wsi_keylog *kl)
{
    kl->warning[0] = '\0';
    if (kl->st.malformed)
        snprintf(kl->warning, sizeof kl->warning, "%s:%llu: %s (%llu malformed line%s skipped)", kl->name,
                 (unsigned long long)kl->st.first_bad_line, kl->st.first_bad_why,
                 (unsigned long long)kl->st.malformed, kl->st.malformed == 1 ? "" : "s");
    else if (!kl->st.entries) /* empty, or comments and blank lines only: a client that has not connected yet */
        snprintf(kl->warning, sizeof kl->warning, "%s: no key line yet (the file is empty or holds only comments "
                 "and blank lines): sessions are decrypted once a client writes their lines to it", kl->name);
}

/* After the last byte: the last line, then the verdict. NULL (kl freed) on failure. */
static struct wsi_keylog *kl_finish(struct wsi_keylog *kl, char *errbuf)
{
    kl_close_tail(kl);
    if (kl->fatal[0]) {
        set_err(errbuf, "%s", kl->fatal);
        wsi_keylog_free(kl);
        return NULL;
    }
    if (!kl->st.entries && (kl->st.malformed || kl->st.unknown_labels)) {
        /* lines, and none of them usable: the wrong file, most likely; named by its first line that is not usable */
        int other_first = kl->st.unknown_labels &&
                          (!kl->st.malformed || kl->first_other_line < kl->st.first_bad_line);
        char why[96];
        if (other_first) snprintf(why, sizeof why, "the label %s is not one used here", kl->first_other_label);
        else snprintf(why, sizeof why, "%s", kl->st.first_bad_why);
        set_err(errbuf, "%s:%llu: %s; the file holds no usable line (one is LABEL <64 hex digits> <hex secret>, "
                        "LABEL such as CLIENT_RANDOM or SERVER_TRAFFIC_SECRET_0)", kl->name,
                (unsigned long long)(other_first ? kl->first_other_line : kl->st.first_bad_line), why);
        wsi_keylog_free(kl);
        return NULL;
    }
    kl_set_warning(kl);
    return kl;
}

struct wsi_keylog *wsi_keylog_parse_buf(const char *buf, size_t len, const char *name, char errbuf[256])
{
    struct wsi_keylog *kl = kl_new(name);
    if (!kl) {
        set_err(errbuf, "%s: out of memory", name ? name : "key log");
        return NULL;
    }
    if (buf) kl_feed(kl, buf, len);
    return kl_finish(kl, errbuf);
}

/* Reads `fd` from where it stands to its end into the key log; 0, or an errno value. */
static int kl_read_fd(struct wsi_keylog *kl, int fd)
{
    char *chunk = malloc(65536);
    if (!chunk) return ENOMEM;
    int err = 0;
    while (!kl->fatal[0]) {
        ssize_t got = read(fd, chunk, 65536);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (got < 0) err = errno ? errno : EIO;
            break;
        }
        kl_feed(kl, chunk, (size_t)got);
    }
    free(chunk);
    return err;
}

/* Remembers the file just read (its identity, modification time, the bytes before the last line) for the next refresh. */
static void kl_remember(struct wsi_keylog *kl, int fd, const struct stat *sb)
{
    kl->dev = sb->st_dev;
    kl->ino = sb->st_ino;
    kl->mtime = sb->st_mtim;
    kl->mark_len = 0;
    size_t k = kl->line_start < sizeof kl->mark ? (size_t)kl->line_start : sizeof kl->mark;
    if (k) {
        ssize_t got = pread(fd, kl->mark, k, (off_t)(kl->line_start - k));
        kl->mark_len = got == (ssize_t)k ? k : 0;
    }
}

/* 1 when the file's bytes before the last line read are still those read. */
static int kl_mark_same(const struct wsi_keylog *kl, int fd)
{
    uint8_t now[sizeof kl->mark];
    if (!kl->mark_len) return 1;
    ssize_t got = pread(fd, now, kl->mark_len, (off_t)(kl->line_start - kl->mark_len));
    return got == (ssize_t)kl->mark_len && memcmp(now, kl->mark, kl->mark_len) == 0;
}

struct wsi_keylog *wsi_keylog_load(const char *path, char errbuf[256])
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        set_err(errbuf, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    int follow = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode); /* a pipe or a device is read once */
    struct wsi_keylog *kl = kl_new(path);
    if (kl && follow && !(kl->path = strdup(path))) {
        wsi_keylog_free(kl);
        kl = NULL;
    }
    if (!kl) {
        set_err(errbuf, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    int rd_err = kl_read_fd(kl, fd);
    if (rd_err) {
        set_err(errbuf, "%s: read error: %s", path, strerror(rd_err));
        wsi_keylog_free(kl);
        close(fd);
        return NULL;
    }
    kl = kl_finish(kl, errbuf);
    if (kl && kl->path) kl_remember(kl, fd, &sb);
    close(fd);
    return kl;
}

/* The file grew: its new lines (from the start of the last line read, taken back if it had no '\n'). */
static int kl_read_on(struct wsi_keylog *kl, int fd, const struct stat *sb)
{
    uint64_t end = kl->fed;
    kl_undo_tail(kl);
    if (lseek(fd, (off_t)kl->fed, SEEK_SET) < 0) return -1;
    int err = kl_read_fd(kl, fd);
    kl_close_tail(kl);
    kl_remember(kl, fd, sb);
    if (kl->fed <= end) return err ? -1 : 0; /* touched, nothing new */
    kl->st.rereads++;
    kl_set_warning(kl);
    return 1;
}

/* The file was truncated, rewritten or replaced: read whole into a new table, which takes the old one's place. */
static int kl_reload(struct wsi_keylog *kl, int fd, const struct stat *sb)
{
    struct wsi_keylog *nk = kl_new(kl->name);
    if (!nk) return -1;
    if (kl_read_fd(nk, fd)) {
        wsi_keylog_free(nk);
        return -1;
    }
    kl_close_tail(nk);
    nk->path = kl->path; /* handed over below */
    nk->st.rereads = kl->st.rereads + 1;
    nk->st.reloads = kl->st.reloads + 1;
    if (kl->nodes) OPENSSL_cleanse(kl->nodes, kl->cap * sizeof *kl->nodes);
    free(kl->nodes);
    free(kl->heads);
    *kl = *nk;
    free(nk);
    kl_remember(kl, fd, sb);
    kl_set_warning(kl);
    return 1;
}

int wsi_keylog_refresh(const struct wsi_keylog *ckl)
{
    struct wsi_keylog *kl = (struct wsi_keylog *)ckl; /* see keylog.h: following the file is a reading of it */
    if (!kl || !kl->path) return 0;
    if (kl->fatal[0]) return -1; /* the table is full (or memory ran out): it is followed no further */
    struct stat sb;
    if (stat(kl->path, &sb) != 0) return -1;
    if (sb.st_dev == kl->dev && sb.st_ino == kl->ino && (uint64_t)sb.st_size == kl->fed &&
        sb.st_mtim.tv_sec == kl->mtime.tv_sec && sb.st_mtim.tv_nsec == kl->mtime.tv_nsec)
        return 0;
    int fd = open(kl->path, O_RDONLY);
    if (fd < 0) return -1;
    int rc = -1;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        int whole = sb.st_dev != kl->dev || sb.st_ino != kl->ino || (uint64_t)sb.st_size < kl->fed ||
                    !kl_mark_same(kl, fd);
        rc = whole ? kl_reload(kl, fd, &sb) : kl_read_on(kl, fd, &sb);
    }
    close(fd);
    return rc;
}

int wsi_keylog_follows(const struct wsi_keylog *kl) { return kl && kl->path && !kl->fatal[0]; }

const struct wsi_keylog_stats *wsi_keylog_stats(const struct wsi_keylog *kl) { return kl ? &kl->st : NULL; }

const char *wsi_keylog_warning(const struct wsi_keylog *kl) { return kl && kl->warning[0] ? kl->warning : NULL; }

int wsi_keylog_lookup(const struct wsi_keylog *kl, const uint8_t client_random[32], enum wsi_keylog_label label,
                      const uint8_t **secret, size_t *len)
{
    if ((unsigned)label >= WSI_KL_NLABELS) return 0;
    struct kl_node *nd = kl_find(kl, client_random, (unsigned)label);
    if (!nd) return 0;
    if (secret) *secret = nd->secret;
    if (len) *len = nd->len;
    return 1;
}

void wsi_keylog_free(struct wsi_keylog *kl)
{
    if (!kl) return;
    if (kl->nodes) OPENSSL_cleanse(kl->nodes, kl->cap * sizeof *kl->nodes);
    free(kl->nodes);
    free(kl->heads);
    free(kl->path);
    OPENSSL_cleanse(kl->line, sizeof kl->line);
    free(kl);
}

const char *wsi_keylog_label_name(enum wsi_keylog_label label)
{
    return (unsigned)label < WSI_KL_NLABELS ? label_names[label] : NULL;
}
