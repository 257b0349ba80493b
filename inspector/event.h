/* event.h - the one event stream the decoders emit and the renderers (ladder, JSON) consume. */
#ifndef WSI_EVENT_H
#define WSI_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "inflate.h"
#include "netdecode.h"
#include "reasm.h"
#include "tls.h"
#include "wsframe.h"

/*
 * The session stage (session.c) turns what the TCP, HTTP and WebSocket stages
 * report into events, in capture order, and hands each to a sink. Nobody but a
 * sink prints. Every pointer inside an event is valid only during the call:
 * a sink that keeps something copies it.
 */

/* Direction of an event, from the WebSocket point of view. */
enum wsi_side {
    WSI_NONE = -1,   /* about the connection, not one direction */
    WSI_C2S = 0,     /* client -> server */
    WSI_S2C = 1,     /* server -> client */
};

enum wsi_ev_kind {
    WSI_EV_CONN = 1,   /* a TCP connection was seen (endpoints) */
    WSI_EV_HTTP,       /* an HTTP/1.x message head (request or response) */
    WSI_EV_HANDSHAKE,  /* the upgrade ended: its facts and verdict */
    WSI_EV_FRAME,      /* a WebSocket frame, complete */
    WSI_EV_MESSAGE,    /* a WebSocket message (data message or control frame), complete */
    WSI_EV_VIOLATION,  /* an RFC 6455 rule broken by a frame or message */
    WSI_EV_GAP,        /* bytes missing from the capture in one direction */
    WSI_EV_TCP,        /* a TCP anomaly (retransmission that differs, snap length cut, eviction...) */
    WSI_EV_LOST,       /* the WebSocket stream of one direction can no longer be framed */
    WSI_EV_END,        /* one direction ended (FIN, RST, end of capture) */
    WSI_EV_CLOSE,      /* the connection is over: its summary; the last event of a connection */
    WSI_EV_CHUNK,      /* one chunk of a chunked HTTP body (HTTP streaming) */
    WSI_EV_SSE,        /* one Server-Sent Event of a text/event-stream body */
    WSI_EV_TLS,        /* TLS on the connection: its facts, an alert, or a decryption problem */
    WSI_EV_STATS,      /* the capture's counts (live): packets lost by the kernel, or the totals at the end (conn 0) */
    WSI_EV_NOTE,       /* a fact the source records that no other event carries (a HAR's error entry...) */
};

/* The handshake's outcome. */
enum wsi_hs_verdict {
    WSI_HS_VALID = 0,      /* 101 with the right Accept */
    WSI_HS_MISMATCH,       /* 101 with an Accept that is not the key's */
    WSI_HS_NO_ACCEPT,      /* 101 without Sec-WebSocket-Accept */
    WSI_HS_NO_KEY,         /* 101, but the request had no Sec-WebSocket-Key */
    WSI_HS_BAD_101,        /* 101 without Upgrade: websocket / Connection: Upgrade */
    WSI_HS_REFUSED,        /* a status other than 101 */
    WSI_HS_NO_RESPONSE,    /* the request got no response in the capture */
    WSI_HS_NOT_SEEN,       /* the capture started after the handshake (mid-stream) */
};

const char *wsi_hs_verdict_id(enum wsi_hs_verdict v); /* "valid", "mismatch", ... */

/* An HTTP head as seen on the wire. Strings are NUL-terminated views. */
struct wsi_http_ev {
    int is_request;
    const char *method;      /* request */
    const char *target;      /* request */
    int status;              /* response */
    const char *reason;      /* response */
    int upgrade;             /* request: asks for a WebSocket upgrade; response: 101 */
    uint64_t body_len;       /* bytes of body that followed (Content-Length), when known */
    int body_known;          /* body_len is the whole body (Content-Length, or none by the rules) */
    int chunked;             /* Transfer-Encoding: chunked */
    const char *content_type;/* Content-Type, or NULL */
    const char *content_encoding; /* Content-Encoding (wire bytes), or NULL */
    double waited;           /* response: seconds since the request it answers (-1 unknown) */
    uint64_t index;          /* 1-based number of this request (or response) on the connection */
    uint64_t head_cut;       /* the head is cut (a snap length, missing bytes): its bytes captured; 0 whole */
    const uint8_t *head;     /* the head's bytes as sent (through its blank line), or NULL when not known */
    size_t head_len;
};

/* One chunk of a chunked body. */
struct wsi_chunk_ev {
    uint64_t size;           /* chunk-size */
    const uint8_t *preview;  /* its first preview_len bytes */
    size_t preview_len;
    uint64_t index;          /* 1-based within the response */
    const char *coding;      /* the body's content coding ("gzip", "deflate", "encoded": another), or NULL */
    int decoded;             /* coding set: the preview is decoded content (else there is none) */
    uint64_t decoded_len;    /* coding set and decoded: bytes of content this chunk decoded to */
};

/* TLS records of one direction as an observer without keys sees them: consecutive
 * records of one kind in one packet make one burst. */
struct wsi_tls_burst {
    int type;                /* content type on the wire (tls.h: wsi_tls_type_name) */
    int encrypted;           /* protected: contents hidden (TLS 1.3: its real type too) */
    uint64_t count;          /* records */
    uint64_t bytes;          /* their fragments' bytes (headers of 5 bytes each not counted) */
    const char *handshake;   /* clear handshake records: the messages that begin in them, else "" */
};

/* TLS seen on a connection (wss://). */
struct wsi_tls_ev {
    const struct wsi_tls_info *info; /* the hello facts and whether it is decrypted (kind "info") */
    const char *alert;               /* an alert, phrased ("warning close_notify"), or NULL */
    const char *error;               /* a problem (a record that failed authentication...), or NULL */
    const struct wsi_tls_burst *records; /* records seen (only when no key log is given), or NULL */
};

/* The capture's counts, of a live capture (conn 0, side NONE). */
struct wsi_stats_ev {
    int final;                    /* 1: the run is over, these are the totals; 0: drops were just noticed */
    uint64_t received;            /* packets the kernel passed to the capture (drops included) */
    uint64_t dropped;             /* dropped by the kernel (its buffer full), so far */
    uint64_t if_dropped;          /* dropped by the interface or its driver, so far */
    uint64_t new_dropped, new_if_dropped; /* not final: the drops just noticed */
    uint64_t after, before;       /* not final: they happened after packet `after` and before `before` (0: unknown) */
    uint64_t packets;             /* packets read */
    uint64_t connections, websockets, violations, gaps; /* the session's totals so far */
};

/* One Server-Sent Event (HTML Living Standard, "event stream interpretation"). */
struct wsi_sse_ev {
    const char *event;       /* event type ("message" when not given) */
    const char *data;        /* data lines joined with \n (cut at the preview limit) */
    size_t data_len;         /* bytes in data */
    uint64_t data_total;     /* full data length */
    const char *id;          /* last event id set by this event, or NULL */
    long retry;              /* retry: milliseconds, -1 when not set */
    uint64_t comments;       /* comment lines (": ...") since the previous event */
    uint64_t index;          /* 1-based within the response (blocks, dispatched or not) */
    int dispatched;          /* a browser fires it: it has data (a block of only retry/id/event sets them, no more) */
};

/* The upgrade's facts; any string may be NULL when the header was absent. */
struct wsi_handshake_ev {
    const char *method, *path, *host, *origin, *version;
    const char *protocols_offered, *protocol_selected;
    const char *extensions_offered, *extensions_selected;
    const char *key, *accept;
    const char *server_versions;  /* the response's Sec-WebSocket-Version: the versions a server that
                                   * refused the request's speaks (RFC 6455 §4.4, with a 426) */
    const char *expected_accept;  /* computed with calc/'s ws_accept_compute; NULL without a key */
    int status;                   /* the response status (0 when none) */
    const char *reason;           /* the response reason phrase */
    enum wsi_hs_verdict verdict;
    const char *rule;             /* the RFC rule behind a verdict other than valid */
    const char *why;              /* a sentence explaining it */
    int key_warning;              /* the key is not the base64 of 16 bytes (§4.1 item 7) */
    int version_warning;          /* the request's Sec-WebSocket-Version is missing or not 13 (§4.1 item 9) */
    int deflate;                  /* permessage-deflate negotiated */
    const struct wsi_pmd_params *pmd; /* its parameters (RFC 7692 §7.1), when negotiated */
    double latency;               /* seconds from request to response (-1 when unknown) */
};

struct wsi_frame_ev {
    const struct wsi_frame *f;
    const uint8_t *preview;       /* unmasked payload, first preview_len bytes */
    size_t preview_len;
    uint64_t index;               /* 1-based frame number in this direction */
};

struct wsi_message_ev {
    const struct wsi_message *m;
    double rtt;                   /* pong: seconds since the ping it answers, or -1 */
    /* permessage-deflate: a data message with RSV1 on a connection that negotiated it */
    int inflated;                 /* 1: the payload was compressed; m->len is the compressed length */
    const uint8_t *plain;         /* the inflated payload's first plain_len bytes (NULL on error) */
    size_t plain_len;
    uint64_t plain_total;         /* inflated length */
    int plain_cut;                /* inflation stopped at WSI_INFLATE_MAX_OUT */
    int plain_utf8_valid;         /* text: the inflated payload is valid UTF-8 */
    const char *inflate_error;    /* why it did not inflate (NULL when it did) */
};

struct wsi_violation_ev {
    enum wsi_violation v;
    const char *detail;           /* may be NULL */
    uint64_t offset;              /* stream offset of the frame concerned */
};

struct wsi_gap_ev {
    uint64_t offset, len;
};

struct wsi_tcp_ev {
    enum wsi_tcp_anomaly kind;
    const char *detail;
};

struct wsi_lost_ev {
    uint64_t offset;
    const char *why;
};

struct wsi_end_ev {
    enum wsi_end_reason why;
};

/* The connection's summary, with its endpoints and what happened. */
struct wsi_close_ev {
    int websocket;                /* an upgrade to WebSocket was seen, or its frames were recognised mid-stream */
    enum wsi_carries carries;     /* what the connection carries (classify.h) */
    const char *evidence;         /* why, in a sentence (NULL when nothing was seen) */
    uint64_t tcp_bytes[2];        /* [side] TCP payload bytes */
    uint64_t undecoded[2];        /* [side] of which not decoded (other TCP, skipped, after a problem) */
    enum wsi_end_reason cut_short;/* 0, or WSI_END_EVICTED / WSI_END_REUSED: followed no further, for that reason */
    int tls;                      /* the connection carried TLS */
    int tls_decrypted;            /* and (some of) it was decrypted with the key log */
    enum wsi_hs_verdict verdict;  /* when websocket or handshake */
    int close_code[2];            /* [side] status code of the close frame sent, -1 none, 0 empty close */
    int closed_cleanly;           /* both sides sent close */
    int abnormal;                 /* ended (FIN or RST) without a close frame: 1006 semantics */
    int still_open;               /* the capture ended before the connection did */
    int handshake;                /* an upgrade was asked or answered: verdict holds its outcome */
    uint64_t frames[2], messages[2], bytes[2];
    uint64_t controls[2];         /* of messages[], the control frames (close, ping, pong): data messages are
                                   * messages - controls */
    uint64_t violations, gaps;
    double duration;              /* seconds from first to last packet */
    uint64_t first_packet, last_packet;
};

/* A fact the source records that no other event carries. */
struct wsi_note_ev {
    const char *what;             /* "error": an error the browser recorded on the socket (a HAR's type "error");
                                   * "failure": why the socket failed, as the file says; "close": how it closed,
                                   * as the file says (HTTP Toolkit) */
    const char *text;             /* its text from the file (may be empty; wire data: escape it) */
    size_t text_len;              /* its length in bytes (it may hold NUL bytes) */
};

/* A connection read from a HAR file (HTTP Archive, as a browser's DevTools save it), not from packets:
 * it has no packets, TCP, frames, masking, control frames or compression on the wire, only the
 * messages as the browser recorded them (whole, inflated). Renderers say so once. */
struct wsi_har_conn {
    uint64_t entry;               /* 1-based index of its entry in log.entries */
    const char *url;              /* the request's URL, as the file gives it */
    const char *server;           /* "host:port" from the URL: the address is the URL's, not a packet's */
    const char *producer;         /* log.creator ("WebInspector 537.36", "mitmproxy 10.1.5"), or NULL */
    int messages_recorded;        /* 0: the entry has no messages at all (Firefox and Safari export the handshake only) */
    const char *messages_from;    /* the attached file the messages came from (Playwright), or NULL: the entry */
    const char *clock;            /* NULL: wall-clock times; else how to read them (a monotonic clock...) */
    int close_code;               /* the close the file records (HTTP Toolkit's _webSocketClose), -1 none */
    const char *close_reason;     /* its reason, or NULL */
    uint64_t errors;              /* CLOSE: error entries the browser recorded */
};

struct wsi_event {
    enum wsi_ev_kind kind;
    uint64_t conn;                /* connection id, 1-based */
    enum wsi_side side;
    uint64_t packet;              /* the packet that completed the event */
    int64_t ts_sec;               /* its timestamp */
    uint32_t ts_nsec;
    double t;                     /* seconds since the connection's first packet */
    const struct wsi_conn_info *ci; /* endpoints: ci->addr[d]/port[d] of the sender of reasm direction d */
    int client_dir;               /* which reasm direction is the client's (0 or 1) */
    const char *file;             /* the capture file the connection is in when several are read, else NULL
                                   * (valid as long as the session) */
    const struct wsi_har_conn *har; /* the connection comes from a HAR file, not packets (NULL: packets) */
    union {
        struct wsi_http_ev http;
        struct wsi_handshake_ev hs;
        struct wsi_frame_ev frame;
        struct wsi_message_ev msg;
        struct wsi_violation_ev viol;
        struct wsi_gap_ev gap;
        struct wsi_tcp_ev tcp;
        struct wsi_lost_ev lost;
        struct wsi_end_ev end;
        struct wsi_close_ev close;
        struct wsi_chunk_ev chunk;
        struct wsi_sse_ev sse;
        struct wsi_tls_ev tls;
        struct wsi_stats_ev stats;
        struct wsi_note_ev note;
    } u;
};

/* A consumer of events. */
struct wsi_sink {
    void (*event)(void *self, const struct wsi_event *ev);
    void *self;
};

#endif
