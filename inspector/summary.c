/* summary.c - the summary renderer: one line per connection, written when the connection closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "render.h"

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_RESET "\033[0m"

/* What a connection's line needs that only earlier events tell. */
struct sconn {
    uint64_t id;   /* connection id */
    char *request; /* "GET /chat": the upgrade request, else the first request (NULL: none seen) */
    int upgrade;   /* request is the upgrade request */
    int http;      /* an HTTP head was seen */
    int reset;     /* a direction ended with RST */
    uint64_t not_inflated; /* compressed messages that could not be (or were not fully) inflated */
    int keylog_lacks;      /* TLS: a key log was given but has no line for this session */
    char *first_error;     /* HAR: the first error the browser recorded, escaped ("" without a text) */
};

/* --order=start: a connection still open, or a closed one's line waiting for those begun before. */
struct held {
    uint64_t id;
    char *text;                /* the line, once closed (NULL while open) */
    size_t len;
    struct held *next;         /* by id */
};

struct wsi_summary {
    struct wsi_render_opts o;  /* output, colour */
    struct held *held;         /* --order=start: every connection seen and not yet printed, by id */
    int har_said;              /* what a HAR cannot show was said (once, before its first line) */
    struct wsi_connmap conns;  /* connection id -> struct sconn */
};

struct wsi_summary *wsi_summary_new(const struct wsi_render_opts *o)
{
    struct wsi_summary *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->o = *o;
    if (!s->o.out) s->o.out = stdout;
    return s;
}

/* Charged per connection: the struct and at most this much of its request line. */
#define SCONN_HELD (sizeof(struct sconn) + 64 + 1024)

static void sconn_free(struct wsi_summary *s, struct sconn *c)
{
    if (!c) return;
    wsi_budget_release(s->o.budget, SCONN_HELD);
    free(c->request);
    free(c->first_error);
    free(c);
}

static int by_id(const void *a, const void *b)
{
    const struct sconn *x = *(struct sconn *const *)a, *y = *(struct sconn *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* --order=start: connection id was seen (its place in the order is kept). */
static void held_open(struct wsi_summary *s, uint64_t id)
{
    struct held **pp = &s->held;
    while (*pp && (*pp)->id < id) pp = &(*pp)->next;
    if (*pp && (*pp)->id == id) return;
    struct held *h = calloc(1, sizeof *h);
    if (!h) return; /* its line is then printed when it comes */
    h->id = id;
    h->next = *pp;
    *pp = h;
}

/* --order=start: the lines at the head of the order whose connections are closed, printed. */
static void held_release(struct wsi_summary *s)
{
    while (s->held && s->held->text) {
        struct held *h = s->held;
        s->held = h->next;
        fwrite(h->text, 1, h->len, s->o.out);
        wsi_budget_release(s->o.budget, h->len);
        free(h->text);
        free(h);
    }
}

void wsi_summary_free(struct wsi_summary *s)
{
    if (!s) return;
    /* --order=start: lines waiting for connections never closed come before theirs (by id) */
    for (struct held *h = s->held, *next; h; h = next) {
        next = h->next;
        if (h->text) {
            fwrite(h->text, 1, h->len, s->o.out);
            wsi_budget_release(s->o.budget, h->len);
        }
        free(h->text);
        free(h);
    }
    s->held = NULL;
    /* Connections whose CLOSE never came still get a (short) line. */
    size_t n;
    void **left = wsi_connmap_take_all(&s->conns, &n);
    if (n) qsort(left, n, sizeof *left, by_id);
    for (size_t i = 0; i < n; i++) {
        const struct sconn *c = left[i];
        fprintf(s->o.out, "#%llu%s%s  (connection not closed)\n", (unsigned long long)c->id, c->request ? " " : "",
                c->request ? c->request : "");
        sconn_free(s, left[i]);
    }
    free(left);
    free(s);
}

/* The state of connection id, created on first use (NULL when out of memory). */
static struct sconn *get(struct wsi_summary *s, uint64_t id)
{
    struct sconn *c = wsi_connmap_get(&s->conns, id);
    if (c) return c;
    c = calloc(1, sizeof *c);
    if (c) c->id = id;
    if (c && wsi_connmap_put(&s->conns, id, c) != 0) {
        free(c);
        c = NULL;
    }
    if (c) wsi_budget_charge(s->o.budget, SCONN_HELD);
    return c;
}

/* Remember "METHOD target" unless an upgrade request is already remembered. */
static void set_request(struct sconn *c, const char *method, const char *target, int upgrade)
{
    if (c->request && (c->upgrade || !upgrade)) return;
    /* bytes off the wire: escaped as the ladder escapes them (no raw control or invalid UTF-8 bytes) */
    char m[64], t[1024];
    wsi_escape_preview((const uint8_t *)method, strlen(method), 32, 1, m, sizeof m);
    wsi_escape_preview((const uint8_t *)target, strlen(target), 200, 1, t, sizeof t);
    size_t ml = strlen(m), tl = strlen(t);
    char *r = malloc(ml + tl + 2); /* "METHOD TARGET" */
    if (!r) return;
    memcpy(r, m, ml);
    r[ml] = ' ';
    memcpy(r + ml + 1, t, tl + 1);
    free(c->request);
    c->request = r;
    c->upgrade = upgrade;
}

/* A line being written: kept here and handed to the stream with one fwrite (fprintf's parsing
 * of a format, several times a line, cost more than the rest of the summary). A line longer
 * than the buffer goes out in pieces. */
struct lb {
    FILE *f;
    size_t n;
    char b[1024];
};

static void lb_put(struct lb *l, const char *s, size_t n)
{
    if (n > sizeof l->b - l->n) {
        fwrite(l->b, 1, l->n, l->f);
        l->n = 0;
        if (n > sizeof l->b) {
            fwrite(s, 1, n, l->f);
            return;
        }
    }
    memcpy(l->b + l->n, s, n);
    l->n += n;
}

static void lb_s(struct lb *l, const char *s) { lb_put(l, s, strlen(s)); }

static void lb_u(struct lb *l, unsigned long long v)
{
    char t[24];
    lb_put(l, t, wsi_u64(v, t));
}

/* s, then "s" unless n is 1 */
static void lb_plural(struct lb *l, const char *s, unsigned long long n)
{
    lb_s(l, s);
    if (n != 1) lb_put(l, "s", 1);
}

/* "1000", "-" for no close frame, "empty" for a close frame without a code. */
static void lb_code(struct lb *l, int code)
{
    if (code < 0) lb_put(l, "-", 1);
    else if (code == 0) lb_s(l, "empty");
    else lb_u(l, (unsigned long long)code);
}

/* Write the line of a closed connection. */
static void line(struct wsi_summary *s, const struct wsi_event *ev, const struct sconn *c)
{
    struct lb l = {.f = s->o.out};
    const struct wsi_close_ev *ce = &ev->u.close;
    const char *on = "", *off = "";
    char cl[64], sv[64];
    int cd = ev->client_dir == 1 ? 1 : 0;
    if (ev->har) {
        char srv[300];
        if (!s->har_said) {
            lb_s(&l, "From a HAR file: ");
            lb_s(&l, WSI_HAR_NOT_SHOWN);
            lb_s(&l, ".\n");
        }
        s->har_said = 1;
        lb_put(&l, "#", 1);
        lb_u(&l, (unsigned long long)ev->conn);
        lb_s(&l, " browser -> ");
        lb_s(&l, wsi_escape_preview((const uint8_t *)ev->har->server, strlen(ev->har->server), 100, 1, srv, sizeof srv));
    } else {
        lb_put(&l, "#", 1);
        lb_u(&l, (unsigned long long)ev->conn);
        if (ev->file) {
            lb_s(&l, " (");
            lb_s(&l, ev->file);
            lb_put(&l, ")", 1);
        }
        lb_put(&l, " ", 1);
        lb_s(&l, wsi_endpoint_str(ev->ci, cd, cl));
        lb_s(&l, " -> ");
        lb_s(&l, wsi_endpoint_str(ev->ci, 1 - cd, sv));
    }
    if (c && c->request) {
        lb_put(&l, " ", 1);
        lb_s(&l, c->request);
    }
    if (!ce->websocket && !(c && c->http) && ce->carries != WSI_CARRIES_HTTP) {
        if (ce->tls)
            lb_s(&l, ce->tls_decrypted ? "  TLS, decrypted, not HTTP"
                     : c && c->keylog_lacks ? "  TLS, encrypted (the key log has no line for this session)"
                                            : "  TLS, encrypted (no key: see --keylog)");
        else if (ce->carries == WSI_CARRIES_UPGRADE_OTHER)
            lb_s(&l, "  upgraded to another protocol (not decoded)");
        else
            lb_s(&l, "  other TCP");
        lb_s(&l, "  c2s ");
        lb_u(&l, (unsigned long long)ce->tcp_bytes[WSI_C2S]);
        lb_s(&l, " B / s2c ");
        lb_u(&l, (unsigned long long)ce->tcp_bytes[WSI_S2C]);
        lb_s(&l, " B  packets ");
        lb_u(&l, (unsigned long long)ce->first_packet);
        lb_put(&l, "-", 1);
        lb_u(&l, (unsigned long long)ce->last_packet);
    } else {
        if (ce->websocket) {
            if (s->o.color) {
                on = ce->verdict == WSI_HS_VALID || ce->verdict == WSI_HS_NOT_SEEN ? C_GREEN : C_RED;
                off = C_RESET;
            }
            lb_s(&l, "  ");
            lb_s(&l, on);
            lb_s(&l, wsi_hs_verdict_id(ce->verdict));
            lb_s(&l, off);
        } else {
            lb_s(&l, "  http");
            if (ce->carries == WSI_CARRIES_UPGRADE_OTHER) lb_s(&l, "  upgraded to another protocol (not decoded)");
            else if (ce->handshake) {
                if (s->o.color) {
                    on = ce->verdict == WSI_HS_VALID ? C_GREEN : C_RED;
                    off = C_RESET;
                }
                lb_s(&l, "  upgrade ");
                lb_s(&l, on);
                lb_s(&l, wsi_hs_verdict_id(ce->verdict));
                lb_s(&l, off);
            }
        }
        if (ev->har) {
            lb_s(&l, "  c2s ");
            lb_u(&l, (unsigned long long)ce->messages[WSI_C2S]);
            lb_s(&l, " msg / s2c ");
            lb_u(&l, (unsigned long long)ce->messages[WSI_S2C]);
            lb_s(&l, " msg  close not recorded");
        } else if (ce->websocket || ce->messages[0] || ce->messages[1]) {
            /* data messages, then control frames (close, ping, pong) */
            lb_s(&l, "  c2s ");
            lb_u(&l, (unsigned long long)(ce->messages[WSI_C2S] - ce->controls[WSI_C2S]));
            lb_s(&l, " msg + ");
            lb_u(&l, (unsigned long long)ce->controls[WSI_C2S]);
            lb_s(&l, " ctl / s2c ");
            lb_u(&l, (unsigned long long)(ce->messages[WSI_S2C] - ce->controls[WSI_S2C]));
            lb_s(&l, " msg + ");
            lb_u(&l, (unsigned long long)ce->controls[WSI_S2C]);
            lb_s(&l, " ctl  close ");
            lb_code(&l, ce->close_code[WSI_C2S]);
            lb_put(&l, "/", 1);
            lb_code(&l, ce->close_code[WSI_S2C]);
        }
        on = off = "";
        if (s->o.color && ce->violations) {
            on = C_RED;
            off = C_RESET;
        }
        lb_s(&l, "  ");
        lb_s(&l, on);
        lb_u(&l, (unsigned long long)ce->violations);
        lb_plural(&l, " violation", (unsigned long long)ce->violations);
        lb_s(&l, off);
        if (ce->abnormal) lb_s(&l, "  abnormal (1006)");
        else if (ce->websocket && ce->still_open) lb_s(&l, "  still open");
        if (ce->undecoded[0] + ce->undecoded[1]) {
            lb_s(&l, "  ");
            lb_u(&l, (unsigned long long)(ce->undecoded[0] + ce->undecoded[1]));
            lb_s(&l, " B not decoded");
        }
    }
    if (ce->gaps) {
        lb_s(&l, "  ");
        lb_u(&l, (unsigned long long)ce->gaps);
        lb_plural(&l, " gap", (unsigned long long)ce->gaps);
    }
    if (c && c->reset) lb_s(&l, "  reset");
    if (c && c->not_inflated) {
        lb_s(&l, "  ");
        lb_u(&l, (unsigned long long)c->not_inflated);
        lb_plural(&l, " compressed message", (unsigned long long)c->not_inflated);
        lb_s(&l, " not (fully) inflated");
    }
    if (ev->har) {
        if (ev->har->errors) {
            lb_s(&l, "  ");
            lb_s(&l, s->o.color ? C_RED : "");
            lb_u(&l, (unsigned long long)ev->har->errors);
            lb_plural(&l, " error", (unsigned long long)ev->har->errors);
            lb_s(&l, s->o.color ? C_RESET : "");
        }
        if (c && c->first_error && *c->first_error) {
            lb_s(&l, " (");
            lb_s(&l, c->first_error);
            lb_put(&l, ")", 1);
        }
        if (!ev->har->messages_recorded && !ev->har->messages_from) lb_s(&l, "  no messages recorded");
        lb_s(&l, "  HAR entry ");
        lb_u(&l, (unsigned long long)ev->har->entry);
    }
    if (ce->cut_short == WSI_END_EVICTED) lb_s(&l, "  evicted (table full)");
    else if (ce->cut_short == WSI_END_REUSED) lb_s(&l, "  ended by a new connection on its ports");
    double d = ce->duration >= 0 && ce->duration < 1e12 ? ce->duration : 0.0;
    char t[64];
    size_t k = wsi_fixed(d, 2, t);
    if (!k) k = (size_t)snprintf(t, sizeof t, "%.2f", d);
    lb_s(&l, "  ");
    lb_put(&l, t, k);
    lb_s(&l, " s\n");
    fwrite(l.b, 1, l.n, l.f);
}

void wsi_summary_event(void *self, const struct wsi_event *ev)
{
    struct wsi_summary *s = self;
    struct sconn *c;
    switch (ev->kind) {
    case WSI_EV_HTTP:
        if (!(c = get(s, ev->conn))) return;
        c->http = 1;
        if (ev->u.http.is_request)
            set_request(c, ev->u.http.method ? ev->u.http.method : "?", ev->u.http.target ? ev->u.http.target : "?",
                        ev->u.http.upgrade);
        break;
    case WSI_EV_HANDSHAKE:
        if (!(c = get(s, ev->conn))) return;
        if (ev->u.hs.path) set_request(c, ev->u.hs.method ? ev->u.hs.method : "GET", ev->u.hs.path, 1);
        break;
    case WSI_EV_END:
        if (ev->u.end.why == WSI_END_RST && (c = get(s, ev->conn))) c->reset = 1;
        break;
    case WSI_EV_STATS: {
        char b[400];
        fprintf(s->o.out, "%s%s%s\n", s->o.color && !ev->u.stats.final ? C_RED : "",
                wsi_stats_sentence(&ev->u.stats, b, sizeof b), s->o.color && !ev->u.stats.final ? C_RESET : "");
        if (!ev->u.stats.final) fflush(s->o.out); /* a loss is news now */
        break;
    }
    case WSI_EV_TLS:
        /* "the key log has no line for client random ...": a key log was given, without this session */
        if (ev->u.tls.info && ev->u.tls.info->why_not && strstr(ev->u.tls.info->why_not, "the key log has no line") &&
            (c = get(s, ev->conn)))
            c->keylog_lacks = 1;
        break;
    case WSI_EV_MESSAGE:
        /* a limit reached in the inflater (a cut, a budget, a broken window) shows here too */
        if (ev->u.msg.inflated && (ev->u.msg.inflate_error || ev->u.msg.plain_cut) && (c = get(s, ev->conn)))
            c->not_inflated++;
        break;
    case WSI_EV_NOTE:
        if (ev->u.note.what && strcmp(ev->u.note.what, "error") == 0 && (c = get(s, ev->conn)) && !c->first_error) {
            char t[300];
            size_t xl = ev->u.note.text ? ev->u.note.text_len : 0;
            wsi_escape_preview((const uint8_t *)(xl ? ev->u.note.text : ""), xl, 80, 1, t, sizeof t);
            size_t n = strlen(t) + 3;
            if ((c->first_error = malloc(n))) snprintf(c->first_error, n, *t ? "\"%s\"" : "%s", t);
        }
        break;
    case WSI_EV_CONN:
        if (s->o.order_start) held_open(s, ev->conn);
        break;
    case WSI_EV_CLOSE:
        c = wsi_connmap_del(&s->conns, ev->conn);
        if (s->o.order_start) {
            /* its line waits for those begun before it */
            struct held *h = s->held;
            while (h && h->id != ev->conn) h = h->next;
            FILE *out = s->o.out, *m = h ? open_memstream(&h->text, &h->len) : NULL;
            if (m) {
                s->o.out = m;
                line(s, ev, c);
                s->o.out = out;
                if (fclose(m) != 0) {
                    free(h->text);
                    h->text = NULL;
                }
            }
            if (h && h->text) {
                wsi_budget_charge(s->o.budget, h->len);
            } else {
                line(s, ev, c); /* out of memory: printed now */
                if (h) {
                    struct held **pp = &s->held;
                    while (*pp != h) pp = &(*pp)->next;
                    *pp = h->next;
                    free(h);
                }
            }
            sconn_free(s, c);
            held_release(s);
            break;
        }
        line(s, ev, c);
        sconn_free(s, c);
        break;
    default:
        break;
    }
}
