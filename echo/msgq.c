/* msgq.c - shared, counted messages and per-connection queues. */
#include "msgq.h"

#include <stdlib.h>
#include <string.h>

static int charge(struct memacct *a, size_t n)
{
    if (n > a->limit || a->held > a->limit - n)
        return -1;
    a->held += n;
    return 0;
}

static void discharge(struct memacct *a, size_t n)
{
    a->held = n > a->held ? 0 : a->held - n;
}

static struct wsmsg *alloc_msg(struct memacct *a, size_t headroom, size_t cap)
{
    if (cap > ((size_t)-1) / 2 || headroom > ((size_t)-1) / 4)
        return NULL;
    size_t bytes = sizeof(struct wsmsg) + headroom + cap;
    if (charge(a, bytes))
        return NULL;
    struct wsmsg *m = malloc(bytes);
    if (!m) {
        discharge(a, bytes);
        return NULL;
    }
    memset(m, 0, sizeof *m);
    m->refs = 1;
    m->cap = cap;
    m->headroom = headroom;
    m->charged = bytes;
    m->data = m->buf + headroom;
    return m;
}

struct wsmsg *wsmsg_new(struct memacct *a, size_t headroom, const void *data, size_t len, int binary)
{
    struct wsmsg *m = alloc_msg(a, headroom, len);
    if (!m)
        return NULL;
    if (len && data)
        memcpy(m->data, data, len);
    else if (len)
        memset(m->data, 0, len);
    m->len = len;
    m->binary = binary;
    return m;
}

struct wsmsg *wsmsg_ref(struct wsmsg *m)
{
    m->refs++;
    return m;
}

void wsmsg_unref(struct memacct *a, struct wsmsg *m)
{
    if (!m || --m->refs)
        return;
    discharge(a, m->charged);
    free(m);
}

enum rx_result rx_append(struct memacct *a, struct rxbuf *r, size_t headroom, size_t max,
                         const void *data, size_t len, int binary)
{
    size_t have = r->m ? r->m->len : 0;
    if (len > max || have > max - len) {
        rx_drop(a, r);
        return RX_TOO_BIG;
    }
    size_t need = have + len;
    if (!r->m || need > r->m->cap) {
        size_t cap = r->m ? r->m->cap : 0;
        if (cap < 256)
            cap = 256;
        while (cap < need)
            cap *= 2;
        if (cap > max)
            cap = max;
        struct wsmsg *n = alloc_msg(a, headroom, cap);
        if (!n) {
            rx_drop(a, r);
            return RX_NO_MEMORY;
        }
        if (r->m) {
            memcpy(n->data, r->m->data, r->m->len);
            n->len = r->m->len;
            wsmsg_unref(a, r->m);
        }
        r->m = n;
    }
    if (len)
        memcpy(r->m->data + r->m->len, data, len);
    r->m->len += len;
    r->m->binary = binary;
    return RX_OK;
}

struct wsmsg *rx_take(struct memacct *a, struct rxbuf *r, size_t headroom, int binary)
{
    struct wsmsg *m = r->m;
    r->m = NULL;
    if (!m)
        return wsmsg_new(a, headroom, NULL, 0, binary);
    m->binary = binary;
    return m;
}

void rx_drop(struct memacct *a, struct rxbuf *r)
{
    wsmsg_unref(a, r->m);
    r->m = NULL;
}

int msgq_push(struct msgq *q, struct wsmsg *m)
{
    if (q->count >= MSGQ_CAP)
        return -1;
    q->item[(q->head + q->count) % MSGQ_CAP] = wsmsg_ref(m);
    q->count++;
    return 0;
}

struct wsmsg *msgq_peek(const struct msgq *q)
{
    return q->count ? q->item[q->head] : NULL;
}

void msgq_pop(struct memacct *a, struct msgq *q)
{
    if (!q->count)
        return;
    wsmsg_unref(a, q->item[q->head]);
    q->item[q->head] = NULL;
    q->head = (q->head + 1) % MSGQ_CAP;
    q->count--;
}

void msgq_clear(struct memacct *a, struct msgq *q)
{
    while (q->count)
        msgq_pop(a, q);
    q->head = 0;
}
