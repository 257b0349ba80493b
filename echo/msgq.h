/* msgq.h - the messages wsecho holds: shared by reference (one copy for every chat member),
 * queued per connection, and counted against one memory limit (--max-memory). No I/O. */
#ifndef WSECHO_MSGQ_H
#define WSECHO_MSGQ_H

#include <stddef.h>

/* Bytes of messages held (received, being received, or queued), and the limit. */
struct memacct {
    size_t held;
    size_t limit;
};

/* One message. `data` starts `headroom` bytes into the allocation, so that a
 * WebSocket library may write its frame header in front of it (LWS_PRE). */
struct wsmsg {
    size_t refs;
    size_t len, cap;  /* bytes used and room after the headroom */
    size_t headroom;
    size_t charged;   /* what this message counts in its memacct */
    int binary;
    unsigned char *data; /* = buf + headroom */
    unsigned char buf[];
};

/* A new message of len bytes copied from data (NULL: zeroed), one reference held;
 * NULL when it would take the account over its limit or memory runs out. */
struct wsmsg *wsmsg_new(struct memacct *a, size_t headroom, const void *data, size_t len, int binary);
struct wsmsg *wsmsg_ref(struct wsmsg *m);
void wsmsg_unref(struct memacct *a, struct wsmsg *m);

/* A message being received in fragments. */
struct rxbuf {
    struct wsmsg *m; /* NULL until the first fragment */
};
enum rx_result { RX_OK = 0, RX_TOO_BIG = 1, RX_NO_MEMORY = 2 };
/* Append a fragment; a message longer than max, or over the account's limit, is refused
 * (and what was received of it freed). */
enum rx_result rx_append(struct memacct *a, struct rxbuf *r, size_t headroom, size_t max,
                         const void *data, size_t len, int binary);
/* The message received so far (the caller's reference; a zero-length one when nothing was),
 * the buffer emptied. NULL only when memory runs out. */
struct wsmsg *rx_take(struct memacct *a, struct rxbuf *r, size_t headroom, int binary);
void rx_drop(struct memacct *a, struct rxbuf *r);

/* A connection's queue of messages to send, oldest first. */
#define MSGQ_CAP 32
struct msgq {
    struct wsmsg *item[MSGQ_CAP];
    unsigned head, count;
};
/* Queue m (taking a reference of its own): 0, or -1 when the queue is full. */
int msgq_push(struct msgq *q, struct wsmsg *m);
struct wsmsg *msgq_peek(const struct msgq *q);
void msgq_pop(struct memacct *a, struct msgq *q);
void msgq_clear(struct memacct *a, struct msgq *q);

#endif
