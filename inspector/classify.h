/* classify.h - what a connection carries, decided from its first bytes and, mid-stream, from evidence. */
#ifndef WSI_CLASSIFY_H
#define WSI_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

/* Tests on a direction's first bytes: 1 yes, 0 no, -1 not enough bytes to tell. */
int wsi_cls_request(const uint8_t *p, size_t n);   /* a request line: a method token and a space */
int wsi_cls_response(const uint8_t *p, size_t n);  /* a status line: "HTTP/" */
/* A plausible WebSocket frame header: 1 masked, 2 unmasked, 0 not a frame, -1 need more bytes. */
int wsi_cls_frame(const uint8_t *p, size_t n);

#endif
