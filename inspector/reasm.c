/* reasm.c - stage 3: TCP connection table and per-direction in-order stream reassembly. */

/*
 * Policies and limits of this module (see reasm.h for the interface):
 *
 * Connections
 *   - One entry per unordered 4-tuple in a chained hash table (both directions
 *     hash alike). Entries sit on an LRU list, most recently active first, so
 *     eviction of the least recently active one is O(1).
 *   - When both directions have ended the connection is closed at once
 *     (on_close): its buffers are freed, its open state (struct live) is kept
 *     as a spare for a later connection, and a small "closed" entry (the tuple
 *     and the links, about a third of an open connection) stays in the table,
 *     on a separate list, to absorb late packets of the same tuple (the last
 *     ACK, a retransmitted FIN, a trailing RST) without opening a connection
 *     for them. Such late packets are dropped quietly: after on_close nothing
 *     more can be reported for that connection.
 *   - A SYN without ACK on a closed entry starts a new connection, even with
 *     the old ISN (a port reused by a stack, or a tool with fixed sequence
 *     numbers). A SYN without ACK on an open connection starts a new one too
 *     (the old one is flushed and closed first, its open directions ending
 *     with WSI_END_REUSED), unless it repeats that side's SYN or is the first
 *     thing that side sends (normal open, simultaneous open, or a SYN arriving
 *     after its SYN+ACK).
 *   - max_conns counts open and closed entries. When the table is full, the
 *     oldest closed entry is dropped silently; if there is none, the least
 *     recently active open connection is evicted: WSI_TCP_EVICTED, its holes
 *     become gaps, on_end(WSI_END_CAPTURE) for its open directions, on_close.
 *   - A RST on a tuple we do not know opens nothing and is ignored; any other
 *     segment (even a pure ACK) opens a connection. RSTs are not checked
 *     against the receive window. A SYN+ACK whose sequence number differs from
 *     its side's recorded SYN, on a side that has started, is ignored.
 *
 * Directions and offsets
 *   - Offset 0 is the byte after the SYN, or, for a side whose SYN was not
 *     seen, the first byte of the first segment that carries data or a FIN
 *     (pure ACKs do not fix the start: a keepalive probe would shift it).
 *   - Sequence numbers become 64-bit offsets relative to the highest offset
 *     known in that direction, using the 32-bit difference taken as signed in
 *     (-2^31, +2^31]: exactly half the sequence space counts as ahead.
 *   - Bytes before offset 0 in a direction first seen mid-stream (an earlier
 *     segment that arrives late) are dropped quietly: the capture started
 *     after them and there is nothing to compare them with.
 *
 * Bytes
 *   - In-order bytes are handed to on_data straight from the packet. Only
 *     segments ahead of the next expected offset are copied, into a sorted,
 *     non-overlapping list of pieces (indexed by a treap).
 *   - The bytes received first win: a retransmission or overlap is compared
 *     with what was delivered (while it is still in the history, below) or
 *     buffered and a difference is reported (WSI_TCP_RETRANS_DIFFERS, with the
 *     offset); the earlier bytes are kept either way.
 *   - The history: one log of recently delivered bytes shared by every
 *     connection (history_bytes, default 4 MiB). Each delivery is appended as a
 *     record (stream offset, length, the bytes) linked to the previous record of
 *     the same direction; consecutive deliveries of one direction with nothing
 *     in between extend one record. A retransmission walks its direction's
 *     chain back and compares what is still in the log. Appending is one
 *     sequential copy into a buffer of fixed size, so the memory does not grow
 *     with the number of connections; the horizon is the last history_bytes of
 *     all traffic together. Older bytes are not compared.
 *   - max_ooo_bytes bounds the memory of the out-of-order list of one
 *     direction: every buffered piece is charged its length plus the size of
 *     its node header, so a flood of one-byte segments cannot use many times
 *     the limit. When a new piece does not fit, WSI_TCP_OOO_LIMIT is reported,
 *     the earliest hole is declared a gap and delivery goes on after it, until
 *     the piece fits or becomes in-order.
 *   - A segment cut by the snap length delivers its captured part and reports
 *     WSI_TCP_SNAPLEN_CUT (each such segment, retransmissions included); its
 *     missing tail is a hole like any other, filled by a retransmission or
 *     declared a gap at the end.
 *   - A hole that the peer's ACK covers, with bytes buffered beyond it, was
 *     lost by the capture: it becomes a gap at once (not at the FIN), so the
 *     bytes after it keep their own packet and time. Without buffered bytes
 *     nothing is declared, since capture reordering can show an ACK before
 *     the data it covers.
 *   - A FIN ends its direction at once: holes before it become gaps, buffered
 *     bytes beyond it are dropped and reported (WSI_TCP_DATA_AFTER_FIN), as are
 *     later bytes beyond it. A RST ends both directions at once (its own
 *     payload, if any, is ignored); holes up to the highest offset seen become
 *     gaps. Bytes that arrive after their place was declared a gap are dropped
 *     quietly.
 *
 * Memory bound: about max_conns * sizeof(struct conn), plus for each open
 * connection sizeof(struct live) + 2 * max_ooo_bytes, plus history_bytes,
 * the hash table and at most MAX_SPARES spare struct live; a sequence jump
 * costs nothing but the gap it reports. All of it is charged to the budget;
 * over it, the spares are freed first (wsi_budget_trimmer).
 *
 * Time: in-order bytes cost a copy into the history; an out-of-order
 * segment costs O(log n) expected in the number n of buffered pieces (a treap
 * indexes them), plus the pieces it overlaps.
 */

#include "reasm.h"

#include "budget.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define DEFAULT_MAX_OOO ((size_t)4 << 20)  /* 4 MiB per direction */
#define DEFAULT_MAX_CONNS ((size_t)65536)
#define DEFAULT_HISTORY ((size_t)4 << 20) /* delivered bytes kept for comparison, all connections */
#define MIN_HISTORY ((size_t)4 << 10)
#define HIST_NONE UINT64_MAX               /* no record */
#define FIRST_BUCKETS ((size_t)64)
#define MAX_SPARES 64                      /* struct live kept for reuse */

/* One buffered out-of-order piece of a direction's stream. */
struct ooo_seg {
    struct ooo_seg *prev;  /* the piece just below (lower offsets), or NULL */
    struct ooo_seg *next;  /* the piece just above, or NULL */
    struct ooo_seg *left;  /* search tree (treap by offset): lower offsets */
    struct ooo_seg *right; /* search tree: higher offsets */
    uint64_t prio;         /* random treap priority: a parent's is never below its children's */
    uint64_t off;          /* stream offset of data[0] */
    size_t len;            /* bytes in data, > 0 */
    uint8_t data[];        /* copied payload */
};

/* Bytes charged against max_ooo_bytes for one piece of `len` bytes. */
#define SEG_CHARGE(len) ((len) + sizeof(struct ooo_seg))

/* State of one direction of a connection. */
struct dirstate {
    uint8_t started;          /* base_seq is known */
    uint8_t syn_seen;         /* a SYN from this side was seen; isn holds it */
    uint8_t ended;            /* on_end has been called */
    uint8_t fin_seen;         /* ended by a FIN at fin_off */
    uint32_t isn;             /* sequence number of the SYN */
    uint32_t base_seq;        /* sequence number of stream offset 0 */
    uint64_t next_off;        /* next offset to deliver: all below is delivered or declared a gap */
    uint64_t hi_off;          /* highest offset known to exist (segment ends incl. cut tails, FIN) */
    uint64_t fin_off;         /* offset of the FIN, when fin_seen */
    struct ooo_seg *ooo_head; /* lowest buffered piece (always above next_off) */
    struct ooo_seg *ooo_tail; /* highest buffered piece */
    struct ooo_seg *ooo_root; /* root of the search tree over the same pieces */
    size_t ooo_bytes;         /* charged bytes of the buffered pieces */
    struct wsi_budget *budget;/* the reassembler's (for pieces unlinked where r is not at hand) */
    uint64_t hist_last;       /* log position of this direction's newest history record, or HIST_NONE */
    uint64_t hist_end;        /* log position just after that record's bytes when they end at next_off
                               * (they may be extended), else HIST_NONE */
};

/* Links of one connection on one of the doubly linked lists. */
struct link {
    struct conn *prev; /* towards the head */
    struct conn *next; /* towards the tail */
};

/* A doubly linked list of connections. */
struct clist {
    struct conn *head; /* first */
    struct conn *tail; /* last */
};

/* Which link of a connection a list uses. */
enum { L_ACT = 0, L_ID = 1 };

/* What an open connection holds besides its table entry. It is let go when the connection
 * closes (kept as a spare for the next one), so a closed entry costs only its struct conn. */
struct live {
    struct link byid;          /* on r->open_ids, in id order */
    void *user;                /* what on_open returned */
    int time_warned;           /* a timestamp going backwards was reported */
    struct wsi_pktref prev;    /* the previous packet of the connection (prev.num 0: none yet) */
    struct dirstate d[2];      /* the two directions */
};
/* An open connection costs its entry and this: with malloc's headers no more than the one
 * struct of both did before they were split (376 bytes, a 384-byte chunk), so a table full of
 * open connections takes no more memory than it did. */
_Static_assert(sizeof(struct live) <= 248, "struct live fits a 256-byte malloc chunk");

/* One tracked connection (open or closed): a table entry. */
struct conn {
    struct conn *hnext;        /* next entry in the same hash bucket */
    struct link act;           /* on r->lru while open (most recent first), on r->closed after */
    uint64_t hash;             /* hash of the unordered tuple */
    struct wsi_conn_info info; /* id and endpoints: addr[d]/port[d] is the sender of direction d */
    struct live *o;            /* the open connection's state; NULL once closed (the entry only
                                * absorbs late packets) */
};

/* The reassembler: callbacks, limits, the connection table and its lists. */
struct wsi_reasm {
    struct wsi_reasm_cb cb;  /* callbacks (copied; any may be NULL) */
    void *user;              /* passed to on_open */
    size_t max_ooo;          /* charged out-of-order bytes allowed per direction */
    size_t max_conns;        /* entries (open and closed) allowed in the table */
    struct wsi_budget *budget; /* charged with connections, pieces and the history (NULL: none) */
    struct conn **buckets;   /* hash table of chains */
    size_t nbuckets;         /* a power of two */
    size_t nconns;           /* entries in the table */
    struct clist lru;        /* open connections, most recently active first */
    struct clist closed;     /* closed entries, most recently closed first */
    struct clist open_ids;   /* open connections in id order */
    uint64_t last_id;        /* the last id handed out */
    uint64_t seed;           /* hash seed, different per table */
    uint64_t rng;            /* state of the generator of treap priorities */
    struct conn *last;       /* the entry the previous segment went to (NULL once destroyed) */
    uint8_t *hist;           /* the history log (allocated at the first delivery) */
    int hist_mapped;         /* it is a mapping of its own (hist_map), not malloc's */
    size_t hist_cap;         /* its size, a power of two */
    uint64_t hist_head;      /* log position of the next byte to write; position p is at hist[p & (cap - 1)] */
    struct wsi_spares spares;/* open-connection states let go, for the next connections */
};

static const struct wsi_pktref no_pkt; /* stands in for a NULL packet reference */

/* ---- small helpers ---------------------------------------------------------- */

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static struct link *link_of(struct conn *c, int which) { return which == L_ID ? &c->o->byid : &c->act; }

static void list_unlink(struct clist *l, struct conn *c, int which)
{
    struct link *k = link_of(c, which);
    if (k->prev) link_of(k->prev, which)->next = k->next;
    else l->head = k->next;
    if (k->next) link_of(k->next, which)->prev = k->prev;
    else l->tail = k->prev;
    k->prev = k->next = NULL;
}

static void list_push_front(struct clist *l, struct conn *c, int which)
{
    struct link *k = link_of(c, which);
    k->prev = NULL;
    k->next = l->head;
    if (l->head) link_of(l->head, which)->prev = c;
    else l->tail = c;
    l->head = c;
}

static void list_push_back(struct clist *l, struct conn *c, int which)
{
    struct link *k = link_of(c, which);
    k->next = NULL;
    k->prev = l->tail;
    if (l->tail) link_of(l->tail, which)->next = c;
    else l->head = c;
    l->tail = c;
}

static void anomaly(struct wsi_reasm *r, struct conn *c, int dir, enum wsi_tcp_anomaly kind, const char *detail,
                    const struct wsi_pktref *pkt)
{
    if (r->cb.on_anomaly) r->cb.on_anomaly(c->o->user, dir, kind, detail, pkt);
}

/* ---- history of delivered bytes -------------------------------------------- */

/*
 * A log position counts every byte ever written to the log; the log keeps the
 * last hist_cap of them. A record is a header (below) followed by its bytes;
 * the header never wraps around the end of the buffer (the writer skips to the
 * start instead), the bytes may. A record at position p is intact while
 * hist_head - p <= hist_cap.
 */
struct hist_hdr {
    uint64_t prev;  /* position of the previous record of the same direction, or HIST_NONE */
    uint64_t off;   /* stream offset of the first byte */
    uint64_t len;   /* bytes that follow the header */
};

#define HIST_HDR sizeof(struct hist_hdr)

/* 1 when the record at position p has not been overwritten. */
static int hist_intact(const struct wsi_reasm *r, uint64_t p)
{
    return p != HIST_NONE && r->hist_head - p <= r->hist_cap;
}

static struct hist_hdr hist_get(const struct wsi_reasm *r, uint64_t p)
{
    struct hist_hdr h;
    memcpy(&h, r->hist + (p & (r->hist_cap - 1)), HIST_HDR); /* headers never wrap */
    return h;
}

static void hist_put(struct wsi_reasm *r, uint64_t p, const struct hist_hdr *h)
{
    memcpy(r->hist + (p & (r->hist_cap - 1)), h, HIST_HDR);
}

/* Copy n bytes into the log at position p (they may wrap). */
static void hist_write(struct wsi_reasm *r, uint64_t p, const uint8_t *data, size_t n)
{
    size_t at = (size_t)(p & (r->hist_cap - 1));
    size_t first = n < r->hist_cap - at ? n : r->hist_cap - at;
    memcpy(r->hist + at, data, first);
    memcpy(r->hist, data + first, n - first);
}

/*
 * The history log is written once from end to end and then over again, so each of its pages
 * is first touched, and faulted in, one after another: 1,024 faults for 4 MiB. Where the
 * system gives transparent huge pages on request (Linux, "madvise" mode) the log is a mapping
 * of its own on a 2 MiB boundary, asked for in huge pages: two faults. Elsewhere, or when the
 * mapping fails, it comes from malloc. The bytes are the same either way.
 */
#define HUGE_PAGE ((size_t)2 << 20)

static void hist_map(struct wsi_reasm *r)
{
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
    if (r->hist_cap >= HUGE_PAGE) {
        size_t len = r->hist_cap + HUGE_PAGE;
        void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) {
            uintptr_t at = ((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
            size_t head = at - (uintptr_t)m, tail = len - head - r->hist_cap;
            if (head) munmap(m, head);
            if (tail) munmap((uint8_t *)at + r->hist_cap, tail);
            (void)madvise((void *)at, r->hist_cap, MADV_HUGEPAGE); /* a wish: ordinary pages if refused */
            r->hist = (uint8_t *)at;
            r->hist_mapped = 1;
            return;
        }
    }
#endif
    r->hist = malloc(r->hist_cap);
    r->hist_mapped = 0;
}

static void hist_unmap(struct wsi_reasm *r)
{
    if (r->hist_mapped) munmap(r->hist, r->hist_cap);
    else free(r->hist);
    r->hist = NULL;
}

/* Remember the n bytes about to be delivered at next_off of direction d. Without
 * memory for the log nothing is remembered: later comparisons just see nothing. */
static void hist_store(struct wsi_reasm *r, struct dirstate *d, const uint8_t *data, size_t n)
{
    if (!r->hist) {
        hist_map(r);
        if (!r->hist) return;
    }
    uint64_t off = d->next_off;
    size_t most = r->hist_cap / 2 - HIST_HDR; /* a record is at most half the log */
    if (d->hist_end == r->hist_head) {
        /* this direction wrote the newest bytes and these follow them: extend its record
         * (its header was just written, so it is still intact) */
        struct hist_hdr h = hist_get(r, d->hist_last);
        if (h.len + n <= most) {
            hist_write(r, r->hist_head, data, n);
            r->hist_head += n;
            d->hist_end = r->hist_head;
            h.len += n;
            hist_put(r, d->hist_last, &h);
            return;
        }
    }
    if (n > most) { /* keep the last bytes only */
        data += n - most;
        off += n - most;
        n = most;
    }
    uint64_t p = r->hist_head;
    if (r->hist_cap - (size_t)(p & (r->hist_cap - 1)) < HIST_HDR) p += r->hist_cap - (p & (r->hist_cap - 1));
    struct hist_hdr h = {.prev = d->hist_last, .off = off, .len = n};
    r->hist_head = p + HIST_HDR; /* the skipped bytes and the header count as written first */
    hist_put(r, p, &h);
    hist_write(r, r->hist_head, data, n);
    r->hist_head += n;
    d->hist_last = p;
    d->hist_end = r->hist_head;
}

/* Report a difference between earlier bytes and a retransmission of them:
 * `ndiff` of `n` bytes compared from `off` differ, the first at `first`. */
static void report_differs(struct wsi_reasm *r, struct conn *c, int dir, const char *against, uint64_t off,
                           size_t n, size_t ndiff, uint64_t first, const struct wsi_pktref *pkt)
{
    char msg[224];
    snprintf(msg, sizeof msg,
             "retransmitted bytes differ from those already %s: %zu of %zu bytes from stream offset %" PRIu64
             " differ, the first at offset %" PRIu64 "; the earlier bytes are kept",
             against, ndiff, n, off, first);
    anomaly(r, c, dir, WSI_TCP_RETRANS_DIFFERS, msg, pkt);
}

/* Compare `n` new bytes at `off` with buffered bytes `old` covering the same offsets. */
static void check_buffered(struct wsi_reasm *r, struct conn *c, int dir, uint64_t off, const uint8_t *old,
                           const uint8_t *neu, size_t n, const struct wsi_pktref *pkt)
{
    size_t ndiff = 0;
    uint64_t first = 0;
    for (size_t i = 0; i < n; i++) {
        if (old[i] != neu[i]) {
            if (!ndiff) first = off + i;
            ndiff++;
        }
    }
    if (ndiff) report_differs(r, c, dir, "buffered", off, n, ndiff, first, pkt);
}

/* Compare `n` bytes at `off` (all below next_off) with the delivered ones still in the history:
 * walk the direction's records from the newest back to the first that ends at or below `off`. */
static void check_delivered(struct wsi_reasm *r, struct conn *c, int dir, uint64_t off, const uint8_t *data,
                            size_t n, const struct wsi_pktref *pkt)
{
    const struct dirstate *d = &c->o->d[dir];
    uint64_t end = min_u64(off + n, d->next_off);
    size_t ndiff = 0, compared = 0;
    uint64_t first = UINT64_MAX, lowest = UINT64_MAX;
    for (uint64_t p = d->hist_last; hist_intact(r, p);) {
        struct hist_hdr h = hist_get(r, p);
        if (h.off + h.len <= off) break;
        uint64_t a = h.off > off ? h.off : off;
        uint64_t b = min_u64(h.off + h.len, end);
        for (uint64_t o = a; o < b; o++) {
            uint64_t at = p + HIST_HDR + (o - h.off);
            if (r->hist[at & (r->hist_cap - 1)] != data[o - off]) {
                if (o < first) first = o;
                ndiff++;
            }
        }
        if (a < b) {
            compared += (size_t)(b - a);
            lowest = a;
        }
        p = h.prev;
    }
    if (ndiff) report_differs(r, c, dir, "delivered", lowest, compared, ndiff, first, pkt);
}

/* ---- delivery --------------------------------------------------------------- */

/* Hand `n` bytes at next_off to on_data and advance. */
static void deliver(struct wsi_reasm *r, struct conn *c, int dir, const uint8_t *data, size_t n,
                    const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    if (!n) return;
    hist_store(r, d, data, n);
    uint64_t off = d->next_off;
    d->next_off += n;
    if (r->cb.on_data) r->cb.on_data(c->o->user, dir, data, n, off, pkt);
}

/* Declare the next `len` bytes a gap. */
static void gap(struct wsi_reasm *r, struct conn *c, int dir, uint64_t len, const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    if (!len) return;
    uint64_t off = d->next_off;
    d->next_off += len;
    d->hist_end = HIST_NONE; /* the next record cannot extend the last one */
    if (r->cb.on_gap) r->cb.on_gap(c->o->user, dir, off, len, pkt);
}

/* ---- out-of-order list ------------------------------------------------------ */

/*
 * The buffered pieces of a direction are on a doubly linked list in offset order
 * (for delivery, which always takes the lowest) and in a treap keyed by offset
 * (to find where a new segment goes in O(log n) expected time, whatever the
 * arrival order). Priorities come from a generator seeded per table, so the
 * tree's shape cannot be steered by the packets.
 */

static struct ooo_seg *tr_rot_right(struct ooo_seg *t)
{
    struct ooo_seg *l = t->left;
    t->left = l->right;
    l->right = t;
    return l;
}

static struct ooo_seg *tr_rot_left(struct ooo_seg *t)
{
    struct ooo_seg *rt = t->right;
    t->right = rt->left;
    rt->left = t;
    return rt;
}

/* Insert n (an offset not in the tree) under t; returns the new subtree root. */
static struct ooo_seg *tr_insert(struct ooo_seg *t, struct ooo_seg *n)
{
    if (!t) return n;
    if (n->off < t->off) {
        t->left = tr_insert(t->left, n);
        if (t->left->prio > t->prio) t = tr_rot_right(t);
    } else {
        t->right = tr_insert(t->right, n);
        if (t->right->prio > t->prio) t = tr_rot_left(t);
    }
    return t;
}

/* Remove the piece at offset `off` from under t; returns the new subtree root. */
static struct ooo_seg *tr_remove(struct ooo_seg *t, uint64_t off)
{
    if (!t) return NULL;
    if (off < t->off) {
        t->left = tr_remove(t->left, off);
    } else if (off > t->off) {
        t->right = tr_remove(t->right, off);
    } else if (!t->left || !t->right) {
        return t->left ? t->left : t->right;
    } else if (t->left->prio > t->right->prio) {
        t = tr_rot_right(t);
        t->right = tr_remove(t->right, off);
    } else {
        t = tr_rot_left(t);
        t->left = tr_remove(t->left, off);
    }
    return t;
}

static void ooo_unlink(struct dirstate *d, struct ooo_seg *s)
{
    d->ooo_root = tr_remove(d->ooo_root, s->off);
    if (s->prev) s->prev->next = s->next;
    else d->ooo_head = s->next;
    if (s->next) s->next->prev = s->prev;
    else d->ooo_tail = s->prev;
    d->ooo_bytes -= SEG_CHARGE(s->len);
    wsi_budget_release(d->budget, SEG_CHARGE(s->len));
}

/* Next treap priority (xorshift64*). */
static uint64_t next_prio(struct wsi_reasm *r)
{
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return r->rng * 0x2545f4914f6cdd1dull;
}

/* Copy `len` bytes at `off` into a new piece linked just before `at` (at the end when NULL).
 * If memory runs out the piece is not kept: its place stays a hole. */
static void ooo_insert_before(struct wsi_reasm *r, struct dirstate *d, struct ooo_seg *at, uint64_t off,
                              const uint8_t *data, size_t len)
{
    struct ooo_seg *s = malloc(sizeof *s + len);
    if (!s) return;
    s->off = off;
    s->len = len;
    memcpy(s->data, data, len);
    s->next = at;
    s->prev = at ? at->prev : d->ooo_tail;
    if (s->prev) s->prev->next = s;
    else d->ooo_head = s;
    if (at) at->prev = s;
    else d->ooo_tail = s;
    s->left = s->right = NULL;
    s->prio = next_prio(r);
    d->ooo_root = tr_insert(d->ooo_root, s);
    d->ooo_bytes += SEG_CHARGE(len);
    wsi_budget_charge(r->budget, SEG_CHARGE(len));
}

/* The first buffered piece ending after `off`, or NULL. Pieces do not overlap, so
 * their ends are in the same order as their offsets. */
static struct ooo_seg *ooo_first_ending_after(const struct dirstate *d, uint64_t off)
{
    struct ooo_seg *best = NULL;
    for (struct ooo_seg *t = d->ooo_root; t;) {
        if (t->off + t->len > off) {
            best = t;
            t = t->left;
        } else {
            t = t->right;
        }
    }
    return best;
}

/* Place `len` bytes at `off` (> next_off) among the buffered pieces: parts already
 * buffered are compared (the buffered bytes win), the uncovered parts become new
 * pieces. With `dry`, nothing is changed or reported; returns the charge the new
 * pieces need. */
static size_t ooo_place(struct wsi_reasm *r, struct conn *c, int dir, uint64_t off, const uint8_t *data,
                        size_t len, const struct wsi_pktref *pkt, int dry)
{
    struct dirstate *d = &c->o->d[dir];
    struct ooo_seg *cur = ooo_first_ending_after(d, off);
    size_t charge = 0;
    while (len > 0) {
        size_t piece = 0;
        if (!cur || cur->off >= off + len) piece = len;
        else if (cur->off > off) piece = (size_t)(cur->off - off);
        if (piece) {
            charge += SEG_CHARGE(piece);
            if (!dry) ooo_insert_before(r, d, cur, off, data, piece);
        } else {
            piece = (size_t)min_u64(len, cur->off + cur->len - off);
            if (!dry) check_buffered(r, c, dir, off, cur->data + (off - cur->off), data, piece, pkt);
            cur = cur->next;
        }
        off += piece;
        data += piece;
        len -= piece;
    }
    return charge;
}

/* Deliver the buffered piece at the head (it starts at next_off) and free it. */
static void ooo_pop_deliver(struct wsi_reasm *r, struct conn *c, int dir, const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    struct ooo_seg *s = d->ooo_head;
    ooo_unlink(d, s);
    deliver(r, c, dir, s->data, s->len, pkt);
    free(s);
}

/* Deliver the buffered pieces that have become in order. */
static void ooo_drain(struct wsi_reasm *r, struct conn *c, int dir, const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    while (d->ooo_head && d->ooo_head->off == d->next_off) ooo_pop_deliver(r, c, dir, pkt);
}

static void ooo_free(struct dirstate *d)
{
    while (d->ooo_head) {
        struct ooo_seg *s = d->ooo_head;
        ooo_unlink(d, s);
        free(s);
    }
}

/* ---- a direction's data ----------------------------------------------------- */

/* Deliver new in-order bytes starting at next_off, interleaved with any buffered
 * pieces they run into (buffered bytes were first and win; they are compared). */
static void merge_in_order(struct wsi_reasm *r, struct conn *c, int dir, const uint8_t *data, size_t len,
                           const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    while (len > 0) {
        struct ooo_seg *h = d->ooo_head;
        size_t n;
        if (h && h->off == d->next_off) {
            n = len < h->len ? len : h->len;
            check_buffered(r, c, dir, h->off, h->data, data, n, pkt);
            ooo_pop_deliver(r, c, dir, pkt);
        } else {
            n = h ? (size_t)min_u64(len, h->off - d->next_off) : len;
            deliver(r, c, dir, data, n, pkt);
        }
        data += n;
        len -= n;
    }
}

/* Take `len` captured bytes at signed stream offset `soff` of direction dir. */
static void take_data(struct wsi_reasm *r, struct conn *c, int dir, int64_t soff, const uint8_t *data, size_t len,
                      const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    if (!len) return;
    if (soff < 0) {
        /* before the first byte of a direction picked up mid-stream: dropped quietly */
        uint64_t skip = (uint64_t)-(soff + 1) + 1;
        if (skip >= len) return;
        data += skip;
        len -= (size_t)skip;
        soff = 0;
    }
    uint64_t off = (uint64_t)soff;
    /* A keep-alive probe: one octet at next - 1 (RFC 1122 §4.2.3.6), often garbage; not a retransmission. */
    if (len == 1 && off + 1 == d->next_off) return;
    for (;;) {
        if (off < d->next_off) {
            size_t n = (size_t)min_u64(len, d->next_off - off);
            check_delivered(r, c, dir, off, data, n, pkt);
            off += n;
            data += n;
            len -= n;
            if (!len) return;
        }
        if (off == d->next_off) {
            merge_in_order(r, c, dir, data, len, pkt);
            ooo_drain(r, c, dir, pkt);
            return;
        }
        size_t need = ooo_place(r, c, dir, off, data, len, pkt, 1);
        if (need <= r->max_ooo && d->ooo_bytes <= r->max_ooo - need) {
            ooo_place(r, c, dir, off, data, len, pkt, 0);
            return;
        }
        /* over the limit: the earliest hole (before the buffered pieces or before
         * this segment, whichever comes first) is given up */
        struct ooo_seg *h = d->ooo_head;
        uint64_t upto = (!h || off < h->off) ? off : h->off;
        char msg[200];
        snprintf(msg, sizeof msg,
                 "out-of-order buffer full (limit %zu bytes): the %" PRIu64 " missing bytes at stream offset %" PRIu64
                 " are declared a gap",
                 r->max_ooo, upto - d->next_off, d->next_off);
        anomaly(r, c, dir, WSI_TCP_OOO_LIMIT, msg, pkt);
        gap(r, c, dir, upto - d->next_off, pkt);
        ooo_drain(r, c, dir, pkt);
    }
}

/* Deliver or drop everything buffered up to `limit`, declaring holes gaps. With
 * `at_fin`, buffered bytes at or beyond the limit are reported as data after FIN. */
static void flush_to(struct wsi_reasm *r, struct conn *c, int dir, uint64_t limit, int at_fin,
                     const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    uint64_t beyond = 0;
    while (d->ooo_head) {
        struct ooo_seg *s = d->ooo_head;
        ooo_unlink(d, s);
        if (s->off < limit) {
            size_t n = (size_t)min_u64(s->len, limit - s->off);
            gap(r, c, dir, s->off - d->next_off, pkt);
            deliver(r, c, dir, s->data, n, pkt);
            beyond += s->len - n;
        } else {
            beyond += s->len;
        }
        free(s);
    }
    if (d->next_off < limit) gap(r, c, dir, limit - d->next_off, pkt);
    if (beyond && at_fin) {
        char msg[160];
        snprintf(msg, sizeof msg, "%" PRIu64 " buffered bytes lie beyond the FIN at stream offset %" PRIu64
                 "; they are dropped", beyond, limit);
        anomaly(r, c, dir, WSI_TCP_DATA_AFTER_FIN, msg, pkt);
    }
}

/* End direction dir (once): flush it and call on_end. */
static void end_dir(struct wsi_reasm *r, struct conn *c, int dir, enum wsi_end_reason why,
                    const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    if (d->ended) return;
    uint64_t limit = why == WSI_END_FIN ? d->fin_off : d->hi_off;
    if (why != WSI_END_FIN && limit < d->next_off) limit = d->next_off;
    flush_to(r, c, dir, limit, why == WSI_END_FIN, pkt);
    d->ended = 1;
    if (r->cb.on_end) r->cb.on_end(c->o->user, dir, why, pkt);
}

/* Stream offset (signed: negative = before offset 0) of sequence number `seq`,
 * taken relative to the highest offset known in the direction. */
static int64_t seq_to_off(const struct dirstate *d, uint32_t seq)
{
    uint32_t ref_seq = d->base_seq + (uint32_t)d->hi_off;
    uint32_t diff = seq - ref_seq;
    int64_t delta = diff <= 0x80000000u ? (int64_t)diff : (int64_t)diff - ((int64_t)1 << 32);
    return (int64_t)d->hi_off + delta;
}

/* A segment with data on a direction already ended: report bytes beyond its FIN and
 * compare the rest with what was delivered. */
static void after_end(struct wsi_reasm *r, struct conn *c, int dir, uint32_t seq, const uint8_t *payload,
                      uint32_t cap, uint32_t wire, const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    if (!d->fin_seen || !d->started || !wire) return;
    int64_t soff = seq_to_off(d, seq);
    int64_t end = soff + (int64_t)wire;
    if (end > (int64_t)d->fin_off) {
        uint64_t from = soff > (int64_t)d->fin_off ? (uint64_t)soff : d->fin_off;
        char msg[160];
        snprintf(msg, sizeof msg, "%" PRIu64 " bytes at stream offset %" PRIu64
                 " come after the FIN at offset %" PRIu64 "; they are dropped",
                 (uint64_t)end - from, from, d->fin_off);
        anomaly(r, c, dir, WSI_TCP_DATA_AFTER_FIN, msg, pkt);
    }
    if (soff < (int64_t)d->next_off && end > 0) {
        uint64_t skip = soff < 0 ? (uint64_t)-(soff + 1) + 1 : 0;
        if (skip < cap)
            check_delivered(r, c, dir, (uint64_t)(soff + (int64_t)skip), payload + skip, cap - (size_t)skip, pkt);
    }
}

/* The peer acknowledged bytes of direction dir up to stream offset ack_off. If
 * bytes are buffered beyond a hole that the acknowledgement covers, the hole
 * was lost by the capture, not by the network (the receiver had those bytes):
 * it becomes a gap now, rather than at the FIN, so that what follows is
 * delivered with its own packet and time. Without buffered bytes nothing is
 * declared: an ACK captured before the data it covers (capture reordering)
 * must not turn that data into a gap. */
static void ack_confirms(struct wsi_reasm *r, struct conn *c, int dir, uint32_t ack, const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    if (!d->started || d->ended || !d->ooo_head) return;
    int64_t aoff = seq_to_off(d, ack);
    if (aoff <= (int64_t)d->next_off || (uint64_t)aoff > d->hi_off) return;
    while (d->ooo_head && d->ooo_head->off < (uint64_t)aoff) {
        gap(r, c, dir, d->ooo_head->off - d->next_off, pkt);
        ooo_drain(r, c, dir, pkt);
    }
}

/* Handle one segment of direction dir of an open connection. */
static void conn_segment(struct wsi_reasm *r, struct conn *c, int dir, const struct wsi_tcpseg *seg,
                         const struct wsi_pktref *pkt)
{
    struct dirstate *d = &c->o->d[dir];
    uint8_t fl = seg->flags;
    if (c->o->prev.num && !c->o->time_warned &&
        (pkt->ts_sec < c->o->prev.ts_sec || (pkt->ts_sec == c->o->prev.ts_sec && pkt->ts_nsec < c->o->prev.ts_nsec))) {
        /* capture files merged badly, a clock stepped back: times here may be out of order */
        char msg[200];
        double back = (double)(c->o->prev.ts_sec - pkt->ts_sec) + ((double)c->o->prev.ts_nsec - (double)pkt->ts_nsec) / 1e9;
        snprintf(msg, sizeof msg,
                 "packet %" PRIu64 "'s timestamp is %.6f s before that of packet %" PRIu64
                 ", the previous one of this connection (said once per connection)",
                 pkt->num, back, c->o->prev.num);
        c->o->time_warned = 1;
        anomaly(r, c, dir, WSI_TCP_TIME_BACKWARDS, msg, pkt);
    }
    c->o->prev = *pkt;
    if (fl & WSI_TH_RST) {
        end_dir(r, c, dir, WSI_END_RST, pkt);
        end_dir(r, c, 1 - dir, WSI_END_RST, pkt);
        return;
    }
    uint32_t seq = seg->seq;
    if (fl & WSI_TH_SYN) {
        if (!d->syn_seen && !d->started && !d->ended) {
            d->syn_seen = 1;
            d->isn = seq;
            d->base_seq = seq + 1;
            d->started = 1;
        } else if (!(d->syn_seen && d->isn == seq)) {
            return; /* a SYN(+ACK) that fits neither this side's SYN nor a new connection: ignored */
        }
        seq += 1;
    }
    if (fl & WSI_TH_ACK) ack_confirms(r, c, 1 - dir, seg->ack, pkt);
    uint32_t cap = seg->payload ? seg->payload_len : 0;
    uint32_t wire = seg->wire_payload_len > cap ? seg->wire_payload_len : cap;
    int fin = (fl & WSI_TH_FIN) != 0;
    if (!wire && !fin) return; /* pure ACK */
    if (d->ended) {
        after_end(r, c, dir, seq, seg->payload, cap, wire, pkt);
        return;
    }
    if (!d->started) {
        d->base_seq = seq;
        d->started = 1;
    }
    int64_t soff = seq_to_off(d, seq);
    int64_t end = soff + (int64_t)wire;
    if (cap < wire) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "segment cut by the snap length: %" PRIu32 " of %" PRIu32 " payload bytes captured; the %" PRIu32
                 " bytes from stream offset %" PRId64 " are missing",
                 cap, wire, wire - cap, soff + (int64_t)cap);
        anomaly(r, c, dir, WSI_TCP_SNAPLEN_CUT, msg, pkt);
    }
    if (end > 0 && (uint64_t)end > d->hi_off) d->hi_off = (uint64_t)end;
    take_data(r, c, dir, soff, seg->payload, cap, pkt);
    if (!fin) return;
    if (end < 0) return; /* a FIN before the start of what we follow: ignored */
    d->fin_seen = 1;
    d->fin_off = (uint64_t)end;
    if (d->fin_off < d->next_off) {
        char msg[160];
        snprintf(msg, sizeof msg, "FIN at stream offset %" PRIu64 " but bytes up to offset %" PRIu64
                 " were already delivered", d->fin_off, d->next_off);
        anomaly(r, c, dir, WSI_TCP_DATA_AFTER_FIN, msg, pkt);
    }
    end_dir(r, c, dir, WSI_END_FIN, pkt);
}

/* ---- connection table ------------------------------------------------------- */

static int addr_eq(const struct wsi_addr *a, const struct wsi_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

/* An endpoint packed into one 64-bit word. For IPv4 the packing is exact: the 4 address
 * bytes in the low 32 bits, the family and port above them. An IPv6 address's second half
 * is folded in with a multiply, so two IPv6 endpoints may share a word; that only costs a
 * longer chain walk, since table_find compares the full tuple. */
static uint64_t ep_word(const struct wsi_addr *a, uint16_t port)
{
    uint64_t w0, w1;
    memcpy(&w0, a->bytes, 8);
    memcpy(&w1, a->bytes + 8, 8);
    return w0 ^ (w1 * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)a->family << 56) ^ ((uint64_t)port << 40);
}

/* Hash of the unordered tuple of `seg`: the same for both directions. The two endpoint
 * words, in numeric order, are mixed with the table's seed by multiply-xorshift steps. */
static uint64_t tuple_hash(const struct wsi_reasm *r, const struct wsi_tcpseg *seg)
{
    uint64_t a = ep_word(&seg->src, seg->sport), b = ep_word(&seg->dst, seg->dport);
    uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
    uint64_t h = (lo ^ r->seed) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    h = (h ^ hi) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
    return h;
}

/* Direction of `seg` within c: 0 when its sender is addr[0]/port[0]. */
static int conn_dir(const struct conn *c, const struct wsi_tcpseg *seg)
{
    return addr_eq(&seg->src, &c->info.addr[0]) && seg->sport == c->info.port[0] &&
                   addr_eq(&seg->dst, &c->info.addr[1]) && seg->dport == c->info.port[1]
               ? 0
               : 1;
}

static int conn_matches(const struct conn *c, const struct wsi_tcpseg *seg)
{
    for (int d = 0; d < 2; d++) {
        if (addr_eq(&seg->src, &c->info.addr[d]) && seg->sport == c->info.port[d] &&
            addr_eq(&seg->dst, &c->info.addr[1 - d]) && seg->dport == c->info.port[1 - d])
            return 1;
    }
    return 0;
}

static struct conn *table_find(const struct wsi_reasm *r, const struct wsi_tcpseg *seg, uint64_t h)
{
    for (struct conn *c = r->buckets[h & (r->nbuckets - 1)]; c; c = c->hnext)
        if (c->hash == h && conn_matches(c, seg)) return c;
    return NULL;
}

/* Double the bucket array when the table is as full as it has buckets (best effort). */
static void table_maybe_grow(struct wsi_reasm *r)
{
    if (r->nconns < r->nbuckets || r->nbuckets > SIZE_MAX / 2 / sizeof *r->buckets) return;
    size_t n = r->nbuckets * 2;
    struct conn **b = calloc(n, sizeof *b);
    if (!b) return;
    for (size_t i = 0; i < r->nbuckets; i++) {
        struct conn *c = r->buckets[i];
        while (c) {
            struct conn *next = c->hnext;
            c->hnext = b[c->hash & (n - 1)];
            b[c->hash & (n - 1)] = c;
            c = next;
        }
    }
    free(r->buckets);
    wsi_budget_resize(r->budget, r->nbuckets * sizeof *r->buckets, n * sizeof *b);
    r->buckets = b;
    r->nbuckets = n;
}

static void dir_free(struct dirstate *d)
{
    ooo_free(d);
    d->hist_last = d->hist_end = HIST_NONE;
}

/* An open connection's state, as calloc gives it: a spare one when there is one. */
static struct live *live_get(struct wsi_reasm *r)
{
    struct live *o = wsi_spares_get(&r->spares);
    if (!o) return NULL;
    memset(o, 0, sizeof *o);
    wsi_budget_charge(r->budget, sizeof *o);
    return o;
}

/* Let go of an open connection's state (its buffers already freed): kept for the next one. */
static void live_put(struct wsi_reasm *r, struct live *o)
{
    wsi_budget_release(r->budget, sizeof *o);
    wsi_spares_put(&r->spares, o);
}

/* on_close for a connection whose directions have both ended; keep a closed entry. */
static void conn_close(struct wsi_reasm *r, struct conn *c)
{
    if (r->cb.on_close) r->cb.on_close(c->o->user);
    dir_free(&c->o->d[0]);
    dir_free(&c->o->d[1]);
    list_unlink(&r->lru, c, L_ACT);
    list_unlink(&r->open_ids, c, L_ID);
    live_put(r, c->o);
    c->o = NULL;
    list_push_front(&r->closed, c, L_ACT);
}

/* End whatever is still open of c with `why`, then close it. */
static void conn_end_all(struct wsi_reasm *r, struct conn *c, enum wsi_end_reason why,
                         const struct wsi_pktref *pkt)
{
    end_dir(r, c, 0, why, pkt);
    end_dir(r, c, 1, why, pkt);
    conn_close(r, c);
}

/* Remove c from the table and free it, without callbacks. */
static void conn_destroy(struct wsi_reasm *r, struct conn *c)
{
    struct conn **pp = &r->buckets[c->hash & (r->nbuckets - 1)];
    while (*pp != c) pp = &(*pp)->hnext;
    *pp = c->hnext;
    if (!c->o) {
        list_unlink(&r->closed, c, L_ACT);
    } else {
        list_unlink(&r->lru, c, L_ACT);
        list_unlink(&r->open_ids, c, L_ID);
        dir_free(&c->o->d[0]);
        dir_free(&c->o->d[1]);
        live_put(r, c->o);
    }
    if (r->last == c) r->last = NULL;
    free(c);
    wsi_budget_release(r->budget, sizeof *c);
    r->nconns--;
}

/* Make room for one more entry: drop the oldest closed entry, or evict the least recently active. */
static void table_make_room(struct wsi_reasm *r, const struct wsi_pktref *pkt)
{
    while (r->nconns >= r->max_conns) {
        if (r->closed.tail) {
            conn_destroy(r, r->closed.tail);
        } else if (r->lru.tail) {
            struct conn *c = r->lru.tail;
            char msg[160];
            snprintf(msg, sizeof msg, "connection table full (%zu connections): connection %" PRIu64
                     ", the least recently active, is dropped", r->max_conns, c->info.id);
            anomaly(r, c, 0, WSI_TCP_EVICTED, msg, pkt);
            conn_end_all(r, c, WSI_END_EVICTED, pkt);
            conn_destroy(r, c);
        } else {
            return;
        }
    }
}

/* Open a connection for the first segment `seg` of its tuple; *dir gets the segment's direction. */
static struct conn *conn_create(struct wsi_reasm *r, const struct wsi_tcpseg *seg, uint64_t h,
                                const struct wsi_pktref *pkt, int *dir)
{
    table_make_room(r, pkt);
    struct conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->o = live_get(r);
    if (!c->o) {
        free(c);
        return NULL;
    }
    int syn = (seg->flags & WSI_TH_SYN) != 0, ack = (seg->flags & WSI_TH_ACK) != 0;
    int d = syn && ack ? 1 : 0; /* a SYN+ACK comes from the server, direction 1 */
    c->hash = h;
    c->info.id = ++r->last_id;
    c->info.addr[d] = seg->src;
    c->info.port[d] = seg->sport;
    c->info.addr[1 - d] = seg->dst;
    c->info.port[1 - d] = seg->dport;
    c->info.saw_syn = syn;
    c->info.first = *pkt;
    for (int i = 0; i < 2; i++) {
        c->o->d[i].hist_last = c->o->d[i].hist_end = HIST_NONE;
        c->o->d[i].budget = r->budget;
    }
    wsi_budget_charge(r->budget, sizeof *c);
    size_t b = h & (r->nbuckets - 1);
    c->hnext = r->buckets[b];
    r->buckets[b] = c;
    r->nconns++;
    list_push_front(&r->lru, c, L_ACT);
    list_push_back(&r->open_ids, c, L_ID);
    table_maybe_grow(r);
    c->o->user = r->cb.on_open ? r->cb.on_open(r->user, &c->info) : NULL;
    *dir = d;
    return c;
}

/* Does a SYN without ACK from `dir` (sequence `seq`) on open connection c start a new connection? */
static int syn_starts_new(const struct conn *c, int dir, uint32_t seq)
{
    const struct dirstate *d = &c->o->d[dir];
    if (d->syn_seen) return d->isn != seq;
    return d->started || d->ended;
}

/* ---- interface -------------------------------------------------------------- */

/* Over the memory budget, before anything gives way: the spare open-connection states go. */
static void trim_spares(void *self)
{
    struct wsi_reasm *r = self;
    wsi_spares_free(&r->spares);
}

struct wsi_reasm *wsi_reasm_new(const struct wsi_reasm_cb *cb, void *user, const struct wsi_reasm_limits *lim)
{
    struct wsi_reasm *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (cb) r->cb = *cb;
    r->user = user;
    r->max_ooo = lim && lim->max_ooo_bytes ? lim->max_ooo_bytes : DEFAULT_MAX_OOO;
    r->max_conns = lim && lim->max_conns ? lim->max_conns : DEFAULT_MAX_CONNS;
    r->budget = lim ? lim->budget : NULL;
    size_t hist = lim && lim->history_bytes ? lim->history_bytes : DEFAULT_HISTORY;
    /* at most a quarter of the budget: the log is charged whole from the start, and a log
     * as big as the budget would leave no room for any connection */
    if (r->budget && r->budget->limit && hist > r->budget->limit / 4) hist = (size_t)(r->budget->limit / 4);
    if (hist < MIN_HISTORY) hist = MIN_HISTORY;
    for (r->hist_cap = MIN_HISTORY; r->hist_cap <= hist / 2;) r->hist_cap <<= 1; /* a power of two <= hist */
    wsi_budget_charge(r->budget, r->hist_cap); /* the history log, allocated at the first delivery */
    r->nbuckets = FIRST_BUCKETS;
    r->buckets = calloc(r->nbuckets, sizeof *r->buckets);
    if (!r->buckets) {
        wsi_budget_release(r->budget, r->hist_cap);
        free(r);
        return NULL;
    }
    wsi_budget_charge(r->budget, r->nbuckets * sizeof *r->buckets);
    wsi_spares_init(&r->spares, sizeof(struct live), MAX_SPARES, r->budget);
    wsi_budget_trimmer(r->budget, trim_spares, r);
    /* a per-table seed so that colliding tuples cannot be prepared in advance */
    uint64_t s = (uint64_t)(uintptr_t)r ^ ((uint64_t)time(NULL) << 32) ^ (uint64_t)clock();
    s ^= s >> 31;
    s *= 0x9e3779b97f4a7c15ull;
    r->seed = s ^ (s >> 29);
    r->rng = r->seed | 1;
    return r;
}

void wsi_reasm_segment(struct wsi_reasm *r, const struct wsi_tcpseg *seg, const struct wsi_pktref *pkt)
{
    if (!r || !seg) return;
    if (!pkt) pkt = &no_pkt;
    int syn = (seg->flags & WSI_TH_SYN) != 0, ack = (seg->flags & WSI_TH_ACK) != 0;
    /* a segment often belongs to the same connection as the one before (data, then its ACK) */
    struct conn *c = r->last;
    uint64_t h;
    if (c && conn_matches(c, seg)) {
        h = c->hash;
    } else {
        h = tuple_hash(r, seg);
        c = table_find(r, seg, h);
    }
    int dir = 0;
    if (c) {
        dir = conn_dir(c, seg);
        if (!c->o) {
            /* A SYN reopens the tuple, even with the old ISN (a port reused by a stack or a
             * tool with fixed sequence numbers); a late SYN+ACK or other segment of the old
             * connection is absorbed. */
            if (!syn || ack) return;
            conn_destroy(r, c);
            c = NULL;
        } else if (syn && !ack && syn_starts_new(c, dir, seg->seq)) {
            conn_end_all(r, c, WSI_END_REUSED, pkt);
            conn_destroy(r, c);
            c = NULL;
        } else {
            list_unlink(&r->lru, c, L_ACT);
            list_push_front(&r->lru, c, L_ACT);
        }
    }
    if (!c) {
        if (seg->flags & WSI_TH_RST) return;
        c = conn_create(r, seg, h, pkt, &dir);
        if (!c) return;
    }
    r->last = c;
    conn_segment(r, c, dir, seg, pkt);
    if (c->o && c->o->d[0].ended && c->o->d[1].ended) conn_close(r, c);
}

void wsi_reasm_finish(struct wsi_reasm *r, const struct wsi_pktref *last)
{
    if (!r) return;
    if (!last) last = &no_pkt;
    while (r->open_ids.head) conn_end_all(r, r->open_ids.head, WSI_END_CAPTURE, last);
}

void wsi_reasm_next_capture(struct wsi_reasm *r, const struct wsi_pktref *last)
{
    if (!r) return;
    wsi_reasm_finish(r, last);
    /* closed entries too: the next capture's four-tuples are not these connections' */
    for (size_t i = 0; i < r->nbuckets; i++)
        while (r->buckets[i]) conn_destroy(r, r->buckets[i]);
}

void wsi_reasm_free(struct wsi_reasm *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nbuckets; i++) {
        while (r->buckets[i]) conn_destroy(r, r->buckets[i]);
    }
    wsi_budget_release(r->budget, r->nbuckets * sizeof *r->buckets);
    free(r->buckets);
    trim_spares(r);
    wsi_budget_trimmer_remove(r->budget, r);
    wsi_budget_release(r->budget, r->hist_cap);
    hist_unmap(r);
    free(r);
}

/* ---- giving way to the memory budget ------------------------------------------ */

int wsi_reasm_shed_ooo(struct wsi_reasm *r, const struct wsi_pktref *pkt)
{
    struct conn *best = NULL;
    int bdir = 0;
    for (struct conn *c = r->lru.head; c; c = c->act.next)
        for (int d = 0; d < 2; d++)
            if (c->o->d[d].ooo_head && (!best || c->o->d[d].ooo_bytes > best->o->d[bdir].ooo_bytes)) {
                best = c;
                bdir = d;
            }
    if (!best) return 0;
    struct dirstate *d = &best->o->d[bdir];
    uint64_t upto = d->ooo_head->off;
    char msg[220];
    snprintf(msg, sizeof msg,
             "memory budget reached (--max-memory): %zu out-of-order bytes held here; the %" PRIu64
             " missing bytes at stream offset %" PRIu64 " are declared a gap",
             d->ooo_bytes, upto - d->next_off, d->next_off);
    anomaly(r, best, bdir, WSI_TCP_OOO_LIMIT, msg, pkt);
    gap(r, best, bdir, upto - d->next_off, pkt);
    ooo_drain(r, best, bdir, pkt);
    return 1;
}

int wsi_reasm_evict_oldest(struct wsi_reasm *r, const struct wsi_pktref *pkt)
{
    struct conn *c = r->lru.tail;
    if (!c) {
        if (!r->closed.tail) return 0;
        conn_destroy(r, r->closed.tail);
        return 1;
    }
    char msg[200];
    snprintf(msg, sizeof msg,
             "memory budget reached (--max-memory): connection %" PRIu64 ", the least recently active, is dropped",
             c->info.id);
    anomaly(r, c, 0, WSI_TCP_EVICTED, msg, pkt);
    conn_end_all(r, c, WSI_END_EVICTED, pkt);
    conn_destroy(r, c);
    return 1;
}
