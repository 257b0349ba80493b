/* explain.h - --explain N: one WebSocket frame laid out bit by bit (a renderer: a sink of events). */
#ifndef WSI_EXPLAIN_H
#define WSI_EXPLAIN_H

#include <stdint.h>

#include "render.h"

/*
 * Frames are numbered in capture order, both directions together, on one
 * connection: `conn`, or (0) the first connection with a frame. Frame N is laid
 * out like RFC 6455 §5.2's figure with its real bits: the first two bytes in
 * binary with FIN, RSV1-3, opcode, MASK and the 7-bit length named; the
 * extended length and whether it is minimal; the masking key; the payload on
 * the wire, the key under it and their XOR; the text; for a compressed message,
 * the inflated text. A check a student can run by hand is printed.
 */
struct wsi_explain;

struct wsi_explain *wsi_explain_new(const struct wsi_render_opts *o, uint64_t conn, uint64_t n);
void wsi_explain_event(void *self, const struct wsi_event *ev);

/* Frees; when frame N never came, returns -1 and, with an input name, says so on stderr. */
int wsi_explain_free(struct wsi_explain *x, const char *input);

#endif
