/* reasm.h - stage 3: TCP connection tracking and per-direction stream reassembly. */
#ifndef WSI_REASM_H
#define WSI_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "netdecode.h"

/*
 * The table keeps one entry per TCP connection (4-tuple; a tuple reused after
 * the connection closed, or after a new SYN with another ISN, is a new
 * connection). Each connection has two directions: direction 0 is the side that
 * sent the first SYN, or, for a capture that starts mid-stream, the sender of
 * the first segment seen. Each direction delivers its bytes in order, exactly
 * once, through callbacks; nothing is printed here.
 *
 * Sequence numbers are tracked as 64-bit stream offsets (offset 0 = the first
 * byte after the SYN, or the first byte seen), so 32-bit wrap-around is handled.
 * Out-of-order segments are buffered up to `max_ooo_bytes` per direction; when
 * that is exceeded, or when the connection ends (FIN/RST/end of capture) with a
 * hole still open, the hole is declared a gap and delivery goes on after it.
 */

/* Where a delivery came from: the packet that completed it. */
struct wsi_pktref {
    uint64_t num;     /* packet number */
    int64_t ts_sec;
    uint32_t ts_nsec;
};

/* Why a direction ended. */
enum wsi_end_reason {
    WSI_END_FIN = 1,
    WSI_END_RST,
    WSI_END_CAPTURE,  /* the capture ended first */
    WSI_END_EVICTED,  /* the connection table was full: this least recently active one was dropped */
    WSI_END_REUSED,   /* a new connection (a SYN) took the same addresses and ports */
};

/* Stream anomalies reported, with the direction and packet. */
enum wsi_tcp_anomaly {
    WSI_TCP_RETRANS_DIFFERS = 1, /* a retransmission/overlap whose bytes differ from those delivered */
    WSI_TCP_SNAPLEN_CUT,         /* a segment cut by the snap length: the missing bytes become a gap */
    WSI_TCP_OOO_LIMIT,           /* the out-of-order buffer limit was hit: a hole was declared a gap */
    WSI_TCP_DATA_AFTER_FIN,      /* bytes beyond the FIN */
    WSI_TCP_EVICTED,             /* the connection was evicted (table full): said so */
    WSI_TCP_TIME_BACKWARDS,      /* a packet's timestamp is before the previous one's (said once per connection) */
};

struct wsi_conn_info {
    uint64_t id;            /* 1-based, in order of first packet */
    struct wsi_addr addr[2];/* [dir] = the sender of direction dir */
    uint16_t port[2];
    int saw_syn;            /* the handshake was captured */
    struct wsi_pktref first;
};

/* Callbacks; `conn_user` is what on_open returned for that connection. */
struct wsi_reasm_cb {
    /* A new connection. Returns the per-connection user pointer. */
    void *(*on_open)(void *user, const struct wsi_conn_info *ci);
    /* In-order bytes of direction dir, at stream offset `offset`. */
    void (*on_data)(void *conn_user, int dir, const uint8_t *data, size_t len, uint64_t offset,
                    const struct wsi_pktref *pkt);
    /* Bytes that will never come: `len` bytes at `offset` in direction dir. */
    void (*on_gap)(void *conn_user, int dir, uint64_t offset, uint64_t len, const struct wsi_pktref *pkt);
    /* An anomaly (see enum); detail is a short human sentence. */
    void (*on_anomaly)(void *conn_user, int dir, enum wsi_tcp_anomaly kind, const char *detail,
                       const struct wsi_pktref *pkt);
    /* Direction dir ended (after all its data and gaps). */
    void (*on_end)(void *conn_user, int dir, enum wsi_end_reason why, const struct wsi_pktref *pkt);
    /* Both directions are over; conn_user may be freed. Called exactly once per connection. */
    void (*on_close)(void *conn_user);
};

struct wsi_budget;

struct wsi_reasm_limits {
    size_t max_ooo_bytes;   /* out-of-order bytes buffered per direction (default 4 MiB) */
    size_t max_conns;       /* connections tracked at once; the oldest idle is evicted (default 65536) */
    struct wsi_budget *budget; /* charged with what is held (connections, out-of-order pieces, history), or NULL */
    size_t history_bytes;   /* delivered bytes kept, all connections together, to compare retransmissions
                             * with (default 4 MiB; at most a quarter of the budget's limit; rounded
                             * down to a power of two, at least 4 KiB) */
};

struct wsi_reasm; /* opaque */

struct wsi_reasm *wsi_reasm_new(const struct wsi_reasm_cb *cb, void *user, const struct wsi_reasm_limits *lim);

/* Feed one decoded segment from packet `pkt`. */
void wsi_reasm_segment(struct wsi_reasm *r, const struct wsi_tcpseg *seg, const struct wsi_pktref *pkt);

/* End of capture: flush every open connection (gaps for holes, then on_end(CAPTURE), on_close). */
void wsi_reasm_finish(struct wsi_reasm *r, const struct wsi_pktref *last);

/* Another capture follows (several files read one after the other): every open connection is
 * flushed as by wsi_reasm_finish, then every entry is forgotten, so that the next packets start
 * new connections, whose ids continue after the last one handed out. */
void wsi_reasm_next_capture(struct wsi_reasm *r, const struct wsi_pktref *last);

void wsi_reasm_free(struct wsi_reasm *r);

/* Giving way to the memory budget (budget.h), between packets: the direction holding the most
 * out-of-order bytes declares its earliest hole a gap (a tcp ooo-limit note says why). Returns 0
 * when no direction holds any. */
int wsi_reasm_shed_ooo(struct wsi_reasm *r, const struct wsi_pktref *pkt);

/* Giving way to the memory budget: the least recently active open connection is evicted (a tcp
 * evicted note says why). Returns 0 when none is open. */
int wsi_reasm_evict_oldest(struct wsi_reasm *r, const struct wsi_pktref *pkt);

#endif
