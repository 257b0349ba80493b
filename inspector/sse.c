/* sse.c - Server-Sent Events: reads a text/event-stream body into event blocks (see sse.h). */

#include "sse.h"

#include <stdlib.h>
#include <string.h>

struct wsi_sse {
    wsi_sse_fn fn;              /* where blocks go */
    void *user;
    size_t preview_max;         /* data bytes kept per block */
    char line[WSI_SSE_LINE_MAX];/* the line being read */
    size_t line_len;            /* bytes in line (cut at WSI_SSE_LINE_MAX) */
    int after_cr;               /* the last byte was CR: a following LF ends nothing */
    char event[WSI_SSE_NAME_MAX]; /* event type of the event being built */
    char id[WSI_SSE_NAME_MAX];  /* id set by it */
    int have_id;
    uint8_t *data;              /* data lines, joined with LF (preview_max bytes kept) */
    size_t data_len;
    uint64_t data_total;        /* all data bytes */
    int have_data;              /* a data line was seen */
    long retry;                 /* retry: value, -1 none */
    uint64_t comments;          /* comment lines since the last event */
    uint64_t index;             /* blocks emitted */
};

static void reset_event(struct wsi_sse *e)
{
    e->event[0] = e->id[0] = '\0';
    e->have_id = e->have_data = 0;
    e->data_len = 0;
    e->data_total = 0;
    e->retry = -1;
    e->comments = 0;
}

struct wsi_sse *wsi_sse_new(size_t preview_max, wsi_sse_fn fn, void *user)
{
    struct wsi_sse *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->data = malloc(preview_max ? preview_max : 1);
    if (!e->data) {
        free(e);
        return NULL;
    }
    e->fn = fn;
    e->user = user;
    e->preview_max = preview_max;
    reset_event(e);
    return e;
}

void wsi_sse_free(struct wsi_sse *e)
{
    if (!e) return;
    free(e->data);
    free(e);
}

static void dispatch(struct wsi_sse *e)
{
    if (!e->have_data && !e->have_id && e->retry < 0 && !e->event[0]) return;
    struct wsi_sse_ev ev = {0};
    char datastr[1] = {'\0'};
    ev.event = e->event[0] ? e->event : "message";
    ev.data = e->data_len ? (const char *)e->data : datastr;
    ev.data_len = e->data_len;
    ev.data_total = e->data_total;
    ev.id = e->have_id ? e->id : NULL;
    ev.retry = e->retry;
    ev.comments = e->comments;
    ev.index = ++e->index;
    ev.dispatched = e->have_data;
    e->fn(e->user, &ev);
    reset_event(e);
}

static void copy_field(char *dst, const char *v, size_t n)
{
    if (n >= WSI_SSE_NAME_MAX) n = WSI_SSE_NAME_MAX - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* One complete line of the event stream. */
static void on_line(struct wsi_sse *e)
{
    const char *l = e->line;
    size_t n = e->line_len;
    size_t max = e->preview_max;
    if (n == 0) {
        dispatch(e);
        return;
    }
    if (l[0] == ':') {
        e->comments++;
        return;
    }
    const char *colon = memchr(l, ':', n);
    size_t fl = colon ? (size_t)(colon - l) : n;
    const char *v = colon ? colon + 1 : l + n;
    size_t vl = colon ? n - fl - 1 : 0;
    if (vl && *v == ' ') v++, vl--;
    if (fl == 5 && memcmp(l, "event", 5) == 0) {
        copy_field(e->event, v, vl);
    } else if (fl == 4 && memcmp(l, "data", 4) == 0) {
        /* lines join with LF */
        if (e->have_data) {
            if (e->data_len < max) e->data[e->data_len++] = '\n';
            e->data_total++;
        }
        size_t k = vl < max - e->data_len ? vl : max - e->data_len;
        memcpy(e->data + e->data_len, v, k);
        e->data_len += k;
        e->data_total += vl;
        e->have_data = 1;
    } else if (fl == 2 && memcmp(l, "id", 2) == 0) {
        if (!memchr(v, '\0', vl)) {
            copy_field(e->id, v, vl);
            e->have_id = 1;
        }
    } else if (fl == 5 && memcmp(l, "retry", 5) == 0) {
        long r = 0;
        size_t i;
        for (i = 0; i < vl && v[i] >= '0' && v[i] <= '9' && r < 100000000L; i++) r = r * 10 + (v[i] - '0');
        if (vl && i == vl) e->retry = r;
    }
}

void wsi_sse_feed(struct wsi_sse *e, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '\n' && e->after_cr) {
            e->after_cr = 0;
            continue;
        }
        e->after_cr = ch == '\r';
        if (ch == '\r' || ch == '\n') {
            on_line(e);
            e->line_len = 0;
        } else if (e->line_len < WSI_SSE_LINE_MAX) {
            e->line[e->line_len++] = (char)ch;
        }
    }
}
