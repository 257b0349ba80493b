/* har.h - HAR input: a browser's saved session (HTTP Archive 1.2, "Save all as HAR") into the one event stream. */
#ifndef WSI_HAR_H
#define WSI_HAR_H

#include <stddef.h>
#include <stdint.h>

#include "budget.h"
#include "event.h"

/*
 * A HAR is JSON: {"log": {"creator": ..., "entries": [ ... ]}}. Each entry that is a
 * WebSocket (Chrome's and Playwright's _resourceType "websocket", a ws:// or wss:// URL,
 * or an upgrade to websocket in its headers) becomes a connection with the events the
 * capture path emits: CONN, the request and response heads (HTTP), HANDSHAKE (the
 * verdict computed with calc/), a MESSAGE per element of _webSocketMessages (binary data
 * decoded from base64), a NOTE per error element and for a failure or close the file
 * records, then CLOSE. Every event carries ev->har (event.h): there are no packets,
 * frames, masking, control frames or compression on the wire to show.
 *
 * The text is parsed with jansson one value at a time (an entry, then each message of a
 * WebSocket entry), never the whole document at once: what jansson allocates is charged
 * to the memory budget and refused beyond it, and the entries before a problem (broken
 * or truncated JSON, the budget reached) are shown before the error, which names the
 * line, column and byte offset.
 *
 * Variants read: Chrome and Edge (times in seconds since the epoch; the browser's
 * monotonic clock when the handshake never happened), Playwright's recordHar (times in
 * milliseconds; with content "attach", the messages in a .jsonl file beside the HAR),
 * mitmproxy (https:// URLs), HTTP Toolkit (_webSocketClose), Firefox and Safari (the
 * handshake without messages: said so).
 */

struct wsi_har_opts {
    size_t preview_max;        /* payload bytes of a message kept for its preview (0: 256) */
    uint64_t only_conn;        /* emit only this connection's events (0: all) */
    struct wsi_budget *budget; /* charged with what jansson holds; or NULL: no limit */
    const char *name;          /* the file's name, for errors ("<stdin>") */
    const char *dir;           /* the folder of the HAR, where attached files are looked for; NULL: none */
};

struct wsi_har_stats {
    uint64_t entries;            /* entries read */
    uint64_t websockets;         /* of which WebSocket: the connections */
    uint64_t messages;           /* messages read (errors included) */
    uint64_t errors;             /* error elements (type "error") */
    uint64_t failed_handshakes;  /* verdicts other than valid and not seen, of the connections shown */
    uint64_t shown;              /* connections shown (--stream) */
    char producer[160];          /* log.creator's name and version ("" unknown) */
};

/* 1 when the first bytes of a file are a JSON object (after a UTF-8 BOM and white space). */
int wsi_har_sniff(const uint8_t *p, size_t n);

/* Read a whole file ("-": standard input) into memory, charged to the budget; a file bigger
 * than the budget allows is refused. Returns 0, or -1 with err. The caller releases it with
 * wsi_har_unload. */
int wsi_har_load(const char *path, struct wsi_budget *b, char **text, size_t *len, char *err, size_t errsz);
void wsi_har_unload(struct wsi_budget *b, char *text, size_t len);

/* Read a HAR held in memory: its events go to sink. Returns 0, or -1 with err ("line L, column C
 * (byte B): what"): the events of what came before the problem were emitted. */
int wsi_har_read(const char *text, size_t len, const struct wsi_har_opts *o, const struct wsi_sink *sink,
                 struct wsi_har_stats *st, char *err, size_t errsz);

#endif
