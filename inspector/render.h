/* render.h - stage 6: the renderers, consumers of the event stream (ladder, JSON Lines, summary). */
#ifndef WSI_RENDER_H
#define WSI_RENDER_H

#include <stdio.h>

#include "event.h"

struct wsi_render_opts {
    FILE *out;          /* where to write (stdout) */
    int width;          /* terminal columns (COLUMNS, default 80); the ladder fits in it */
    int color;          /* 1: ANSI colours (decided by --color / NO_COLOR / isatty in main) */
    size_t payload;     /* preview length: characters of text / bytes of binary shown (default 32) */
    int frames;         /* 1: one arrow per frame instead of one per message */
    int hexdump;        /* 1: hex dump of each frame's payload preview under its arrow (-x) */
};

/* Ladder: buffers each connection's lines and prints its block when the connection
 * closes (WSI_EV_CLOSE) so interleaved connections stay readable; the per-connection
 * buffer is bounded (WSI_LADDER_MAX_LINES lines, then a "... N more" line). */
#define WSI_LADDER_MAX_LINES 20000
struct wsi_ladder;
struct wsi_ladder *wsi_ladder_new(const struct wsi_render_opts *o);
void wsi_ladder_event(void *self, const struct wsi_event *ev);
void wsi_ladder_free(struct wsi_ladder *l);

/* JSON Lines: one object per event, written as it comes (nothing buffered). */
struct wsi_json;
struct wsi_json *wsi_json_new(const struct wsi_render_opts *o);
void wsi_json_event(void *self, const struct wsi_event *ev);
void wsi_json_free(struct wsi_json *j);

/* Summary: one line per connection, at its close. */
struct wsi_summary;
struct wsi_summary *wsi_summary_new(const struct wsi_render_opts *o);
void wsi_summary_event(void *self, const struct wsi_event *ev);
void wsi_summary_free(struct wsi_summary *s);

/* Shared helpers (render_util.c). */
/* Escape `len` bytes as a quoted-able UTF-8 preview: printable text as is, \n \t \" \\,
 * other control bytes and invalid UTF-8 as \xNN; at most `max_chars` characters, then "…"
 * (when `ellipsis`). Writes into buf (NUL-terminated, never more than bufsz). Returns buf. */
char *wsi_escape_preview(const uint8_t *s, size_t len, size_t max_chars, int ellipsis, char *buf, size_t bufsz);
/* "1.2 KiB", "65536 B", "3.0 MiB" */
char *wsi_human_size(uint64_t n, char buf[32]);

#endif
