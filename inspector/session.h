/* session.h - stage 4: per-connection HTTP handshake tracking, feeding WebSocket decoders, emitting events. */
#ifndef WSI_SESSION_H
#define WSI_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "event.h"
#include "http1.h"
#include "reasm.h"
#include "budget.h"
#include "tls.h"

/*
 * The session owns the pipeline from a captured packet to events:
 *   packet -> netdecode -> reasm -> per-connection HTTP/1.1 parsing (requests and
 *   responses on a keep-alive connection, the upgrade request and its response,
 *   the handshake verdict computed with calc/) -> after a 101, one WebSocket
 *   decoder per direction -> events to the sink.
 * A connection whose capture starts after its handshake is recognised from its
 * frames (client frames are masked) and decoded with the verdict "not seen".
 */

struct wsi_session_opts {
    size_t preview_max;                /* payload bytes kept per frame/message for previews (default 256) */
    struct wsi_reasm_limits limits;    /* reassembly limits (0 = defaults) */
    uint64_t only_conn;                /* emit only this connection's events (0 = all) */
    const struct wsi_keylog *keylog;   /* TLS secrets (--keylog), or NULL: TLS is then only described */
    struct wsi_budget *budget;         /* the memory budget (--max-memory), or NULL: none */
    /* Packet-level problems (truncated header, fragment, invalid header), already
     * phrased ("IPv4 fragment: not reassembled"); called with the packet number. */
    void (*warn)(void *user, uint64_t packet, const char *what);
    void *warn_user;
    const char *file;                  /* the capture file named in every event (several read), or NULL */
};

struct wsi_session_stats {
    uint64_t packets;          /* packets read */
    uint64_t tcp;              /* TCP segments decoded */
    uint64_t skipped;          /* packets that were not TCP */
    uint64_t undecodable;      /* truncated, invalid, fragments, unsupported link */
    uint64_t connections;      /* TCP connections seen */
    uint64_t websockets;       /* of which WebSocket */
    uint64_t failed_handshakes;/* verdicts other than valid / not seen */
    uint64_t violations;       /* RFC 6455 violations found */
    uint64_t gaps;             /* gaps in streams */
};

struct wsi_session;

struct wsi_session *wsi_session_new(const struct wsi_session_opts *o, const struct wsi_sink *sink);

/* A wsi_packet_fn: feed one captured packet. */
void wsi_session_packet(void *session, const struct wsi_packet *pkt);

/* End of input: flush every connection (their CLOSE events are emitted). */
void wsi_session_finish(struct wsi_session *s);

/* The capture read so far is over (as wsi_session_finish); the packets fed next are another
 * capture's, named `file` in their events: new connections, numbered after those before. The
 * counts go on adding up. */
void wsi_session_next_capture(struct wsi_session *s, const char *file);

const struct wsi_session_stats *wsi_session_stats(const struct wsi_session *s);

/* A live capture's counts into the event stream (a WSI_EV_STATS event): `final` at the end of
 * the run (after wsi_session_finish), else drops just noticed (new_* and the packets around them). */
void wsi_session_capture_stats(struct wsi_session *s, const struct wsi_stats_ev *st);

void wsi_session_free(struct wsi_session *s);

/* The upgrade's facts and verdict from its heads (rq or resp may be NULL), the Accept checked by
 * calc/ (ws_check_response): one computation for the capture path and the HAR reader. Strings are
 * copied into the arena (*a, *left); rc holds the expected Accept hs points to; pmd receives the
 * permessage-deflate parameters the response selected (hs->pmd points to it). The why of a missing
 * request or response speaks of a capture: a caller with another source words its own. */
void wsi_handshake_facts(struct wsi_handshake_ev *hs, const struct http1_head *rq, const struct http1_head *resp,
                         struct ws_resp_check *rc, struct wsi_pmd_params *pmd, char **a, size_t *left);

#endif
