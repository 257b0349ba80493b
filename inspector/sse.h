/* sse.h - Server-Sent Events: the event-stream parser of one text/event-stream body (HTML Living Standard). */
#ifndef WSI_SSE_H
#define WSI_SSE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/*
 * One parser per response body. The caller pushes the body's content bytes as
 * they come (after dechunking; any split gives the same events) and gets one
 * struct wsi_sse_ev per event block through the callback, as the standard's
 * "event stream interpretation" reads it: lines end in CR, LF or CRLF; a blank
 * line ends a block; "data" lines join with LF; "event", "id" and "retry" set
 * their fields; lines starting with ':' are comments. Memory is fixed: a line
 * longer than WSI_SSE_LINE_MAX is cut, data beyond preview_max only counted.
 * A last block without its blank line is never dispatched (as browsers do).
 */

#define WSI_SSE_LINE_MAX 4096   /* longest SSE line kept (a longer one is cut, not buffered) */
#define WSI_SSE_NAME_MAX 128    /* event type and id kept */

struct wsi_sse;

/* The callback gets each block; the pointers inside are valid during the call. */
typedef void (*wsi_sse_fn)(void *user, const struct wsi_sse_ev *ev);

struct wsi_sse *wsi_sse_new(size_t preview_max, wsi_sse_fn fn, void *user);

void wsi_sse_feed(struct wsi_sse *e, const uint8_t *p, size_t n);

void wsi_sse_free(struct wsi_sse *e);

#endif
