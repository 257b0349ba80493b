/* conn.h - the session stage's per-connection state, shared by its files (session, classify, http, websocket). */
#ifndef WSI_CONN_H
#define WSI_CONN_H

/*
 * Not an API: the layout the session stage's files share. session.c owns a
 * connection's life (reassembly callbacks, routing bytes by mode, TLS); the
 * decision of what a connection carries is classify.c's; HTTP exchanges and
 * bodies are http.c's; the handshake verdict and the frame decoders' events are
 * websocket.c's. Every event leaves through conn_emit().
 */

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "event.h"
#include "http.h"
#include "http1.h"
#include "inflate.h"
#include "preview.h"
#include "reasm.h"
#include "session.h"
#include "sse.h"
#include "tls.h"
#include "wsframe.h"

#define WAIT_MAX (64 * 1024)    /* client bytes kept while its upgrade awaits the response */
#define WSI_HTTP_PREVIEW_MAX (256u << 10) /* HTTP chunks and events: previews, however large --payload */

/* What one direction's bytes are being read as. */
enum mode {
    M_DETECT = 0,   /* nothing decided yet: the classifier is looking at the first bytes */
    M_HTTP_HEAD,    /* reading an HTTP message head */
    M_HTTP_BODY,    /* reading an HTTP body */
    M_WAIT_101,     /* client sent an upgrade request: holding its bytes until the response */
    M_WS,           /* WebSocket frames */
    M_GUESS,        /* picked up mid-stream: the classifier looks for evidence of frames, holding the bytes */
    M_OPAQUE,       /* something else, or unreadable after a problem: bytes only counted */
};

struct conn;
struct cls_guess;

#define MAX_PINGS 16            /* outstanding pings remembered per side, for pong round trips */

/* A ping sent, awaiting its pong (websocket.c). */
struct ping {
    uint8_t data[125];  /* payload (control payloads are at most 125 bytes) */
    size_t len;         /* its length */
    double t;           /* when it was sent, relative to the connection start */
    int used;           /* slot holds an unanswered ping */
};

/* One reasm direction of a connection. */
struct side {
    struct conn *c;         /* owning connection */
    int dir;                /* reasm direction 0 or 1 */
    enum mode mode;         /* how bytes are read now */
    uint8_t *buf;           /* head bytes being collected / bytes held while waiting */
    size_t blen, bcap;      /* bytes in buf, its capacity */
    size_t head_scan;       /* HTTP head in buf: bytes already scanned for its end */
    uint8_t hold_cuts;      /* M_DETECT: bit i set when a piece of the held bytes ended after byte i */
    int head_line1;         /* ... its first line is complete */
    struct wsi_body body;   /* the body being read (M_HTTP_BODY) */
    int last_req_head;      /* client: the last request was HEAD (its response has no body) */
    uint64_t chunk_index;   /* chunks of the current chunked body */
    const char *coding;     /* the current body's Content-Encoding when not identity (static name), or NULL */
    struct wsi_decoder *dec;/* its decoder (gzip, deflate) when its content is shown (chunks, event stream), or NULL */
    uint64_t chunk_decoded; /* bytes decoded out of the chunk being read */
    struct wsi_sse *sse;    /* event-stream parser of the current body, or NULL */
    struct wsi_ws_decoder *ws; /* the frame decoder (M_WS), allocated when WebSocket starts */
    struct wsi_pktref pkt;  /* the packet whose bytes are being processed */
    uint64_t frame_index;   /* frames completed */
    uint8_t *fprev;         /* preview of the frame (or chunk) being read */
    size_t fprev_len;       /* bytes in fprev */
    size_t fprev_cap;       /* its size (it grows: preview.h) */
    uint64_t frames, messages, bytes; /* counters for the summary */
    uint64_t controls;      /* of the messages, control frames (close, ping, pong) */
    int close_code;         /* code of the close frame sent: -1 none, 0 close without code */
    struct wsi_inflate *inf;/* permessage-deflate decompressor of this side's messages (negotiated), or NULL */
    int msg_compressed;     /* the data message being read has RSV1 and is being inflated */
    struct ping *pings;     /* pings sent by this side, awaiting pongs (allocated at the first) */
    unsigned ping_next;     /* next slot to overwrite */
    int snap_cut;           /* the segment whose bytes come next was cut by the snap length */
    int ended;              /* its END came */
    enum wsi_end_reason end_why;
};

struct conn {
    struct wsi_session *s;  /* owning session */
    struct wsi_conn_info ci;/* endpoints, id, first packet */
    int client_dir;         /* reasm direction of the client; -1 while unknown */
    struct side sd[2];      /* per reasm direction */
    char *req_copy;         /* the pending upgrade request head: the side buffer it was collected in */
    size_t req_cap;         /* that buffer's size (what it holds is charged) */
    uint64_t charged;       /* bytes charged to the memory budget for this connection (conn_account) */
    struct conn *older, *newer; /* the session's list of its connections, oldest first */
    struct http1_head *req; /* parsed, pointing into req_copy (allocated with it) */
    int have_req;           /* an upgrade request awaits its response */
    int req_cut;            /* an upgrade request was seen cut (its key may be missing): a 101 answers it */
    double req_t;           /* when it was seen */
    int websocket;          /* the connection carries WebSocket */
    enum wsi_hs_verdict verdict; /* handshake verdict (when websocket or refused) */
    int hs_seen;            /* a handshake event was emitted */
    int announced;          /* its CONN event was emitted */
    struct wsi_tls *tls;    /* TLS on the connection: bytes go through it, plaintext comes out */
    int tls_decrypted;      /* some plaintext came out */
    struct tls_burst *burst;/* without a key log: the records not yet said (session.c), with the TLS layer */
    struct wsi_pmd_params pmd; /* permessage-deflate parameters selected by the server */
    uint64_t requests, responses; /* HTTP heads seen (final responses only) */
    double last_req_t;      /* when the latest request was seen */
    uint64_t violations, gaps;
    struct wsi_pktref last; /* latest packet of this connection */
    enum wsi_carries carries; /* what it carries, once decided (classify.c) */
    const char *evidence;   /* and why: a sentence of the code's, or own_evidence (NULL while undecided) */
    char *own_evidence;     /* the mid-stream guess's sentence, copied (the guess goes once it has decided) */
    struct cls_guess *guess;/* the mid-stream guess while it looks */
    int ws_pending;         /* after an invalid 101: frames (1, or 2 with RSV1 allowed) unless HTTP follows */
    uint64_t tcp_bytes[2];  /* payload bytes per reasm direction */
    uint64_t undecoded[2];  /* of which not decoded (other TCP, after a problem, skipped) */
};

#define SIDE_BUF 1024     /* a side buffer's first size */
#define SESSION_SPARES 32 /* of each kind: about as many as end between two that begin */

struct wsi_session {
    struct wsi_session_opts o;
    struct conn *oldest, *newest; /* its connections */
    struct wsi_sink sink;
    struct wsi_reasm *reasm;
    struct wsi_session_stats st;
    uint64_t warnings;       /* packet-level warnings so far (of this capture) */
    size_t http_preview;     /* bytes kept of a chunk or an event's data: preview_max, at most WSI_HTTP_PREVIEW_MAX */
    uint64_t undecodable_before; /* st.undecodable when this capture began (several read in turn) */
    struct wsi_pktref last;  /* the last packet read */
    /* Spares (budget.h): fixed-size objects let go, kept for the next connection or head; over
     * the budget they are freed first (session.c, trim_spares). */
    struct wsi_spares spare_conn, spare_head, spare_ws, spare_pings;
    struct wsi_spares spare_buf; /* side buffers of SIDE_BUF bytes, the size most HTTP heads fit in */
    struct wsi_zpool zpool;  /* zlib streams (permessage-deflate, HTTP bodies) with their previews */
};

/* ---- session.c ---- */
double conn_time(const struct conn *c, const struct wsi_pktref *p);  /* seconds since the first packet */
int conn_client_dir(const struct conn *c);                            /* client_dir, 0 while unknown */
int conn_shown(const struct conn *c);   /* its events are shown (--stream): they count for the exit status */
/* Fill the common fields of an event and hand it to the sink (pkt NULL: the latest packet). */
void conn_emit(struct conn *c, struct wsi_event *ev, int rdir, const struct wsi_pktref *pkt);
/* A LOST event: the rest of direction dir is not decoded, and why. */
void conn_lost(struct conn *c, int dir, uint64_t offset, const char *why, const struct wsi_pktref *pkt);
/* Route bytes of one direction according to its mode. */
void conn_process(struct conn *c, int dir, const uint8_t *p, size_t n);
/* The first bytes of direction dir are a TLS hello: hand the connection to the TLS layer. */
void conn_start_tls(struct conn *c, int dir, const uint8_t *p, size_t n, size_t take);
int side_append(struct side *sd, const uint8_t *p, size_t n, size_t max); /* 0 when it would overflow */
uint8_t *side_take(struct side *sd, size_t *len);                        /* the caller frees */
void side_drop(struct side *sd);
/* Free a side's buffer of `cap` bytes (one taken by side_take, say): one of SIDE_BUF is kept as a spare. */
void side_buf_free(struct wsi_session *s, void *buf, size_t cap);
/* A head to parse into, and back (the session's spares). */
struct http1_head *session_head_get(struct wsi_session *s);
void session_head_put(struct wsi_session *s, struct http1_head *h);
/* Charge the memory budget with what the connection holds now (after its bytes were handled). */
void conn_account(struct conn *c);

/* ---- classify.c ---- */
/* Bytes of a direction whose content is not decided yet (M_DETECT). */
void classify_detect(struct conn *c, int dir, const uint8_t *p, size_t n);
/* Bytes of a direction while the mid-stream guess looks (M_GUESS). */
void classify_guess(struct conn *c, int dir, const uint8_t *p, size_t n);
void classify_gap(struct conn *c, int dir);    /* bytes missing while it looks */
void classify_finish(struct conn *c);          /* the connection is over: a guess still looking is no */
size_t classify_held(const struct conn *c); /* bytes the mid-stream guess holds */
void classify_free(struct conn *c);         /* let the guess go (nothing emitted) */
void classify_set(struct conn *c, enum wsi_carries k, const char *why); /* why: a string literal */

/* ---- http.c ---- */
/* Collect head bytes and act on a complete head. Returns bytes consumed from p. */
size_t http_feed_head(struct conn *c, int dir, const uint8_t *p, size_t n);
/* Read body bytes; returns bytes consumed (the body may end inside the data). */
size_t http_read_body(struct conn *c, int dir, const uint8_t *p, size_t n);
/* Bytes missing in direction dir while it reads HTTP; returns 1 when it goes on. */
int http_gap(struct conn *c, int dir, uint64_t len);
void http_side_free(struct side *sd);
int http_head_cut(struct conn *c, int dir);
/* A view copied into `arena` as a NUL-terminated string (cut to fit); NULL when the arena is full. */
const char *http_view_str(struct http1_str v, char **arena, size_t *left);
/* The value of header `name`, copied as http_view_str does; NULL when absent. */
const char *http_hdr_str(const struct http1_head *h, const char *name, char **arena, size_t *left);

/* ---- websocket.c ---- */
void ws_start(struct conn *c, int dir, int rsv1_allowed);  /* switch one side to frame decoding */
/* The upgrade ended (resp NULL: no response, or no request seen): emit its verdict. */
void ws_handshake(struct conn *c, const struct http1_head *resp, int rdir, const struct wsi_pktref *pkt);
/* After a 101 with Upgrade: websocket: both sides decode frames (the client's held bytes first). */
void ws_upgraded(struct conn *c, int server_dir, const struct http1_head *resp);
void ws_side_free(struct side *sd);

#endif
