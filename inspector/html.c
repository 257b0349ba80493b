/* html.c - --html: one self-contained page per capture, drawn in the browser from the JSON Lines
 * objects of --json (the same writer, jsonl.c), embedded as data, never as markup. */
#define _GNU_SOURCE /* fopencookie */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "budget.h"
#include "csp.h"
#include "render.h"

#ifndef WS_VERSION
#define WS_VERSION "0.0.0"
#endif

/* The page's template, styles and script (inspector/html/, built in by common/embed.c). */
extern const unsigned char wsi_page_html[], wsi_page_css[], wsi_page_js[];
extern const size_t wsi_page_html_len, wsi_page_css_len, wsi_page_js_len;

/* ---- the data block's escaping ---------------------------------------------- */

/* JSON text inside <script type="application/json">: the element ends at the first "</script"
 * whatever the JSON means, and "<!--" changes how the parser looks for that end. Every '<', '>'
 * and '&' is written \u003c, \u003e, \u0026 (they only ever occur inside JSON strings, where
 * the escape means the same character), and U+2028, U+2029 as \u2028, \u2029 (the writer
 * already does; a raw one would end a line of script to older parsers). A character split
 * between two calls is held in *pending (its first bytes, at most 2, low byte first; the
 * count in bits 16-17). */
void wsi_html_escape_data(FILE *out, const char *s, size_t n, unsigned *pending)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + n;
    uint8_t held[2];
    unsigned nh = (*pending >> 16) & 3;
    held[0] = (uint8_t)(*pending & 0xFF);
    held[1] = (uint8_t)((*pending >> 8) & 0xFF);
    *pending = 0;
    /* the held bytes (E2, or E2 80) and this call's first bytes */
    while (nh && p < end) {
        if (nh == 1 && *p == 0x80) {
            held[1] = 0x80;
            nh = 2;
            p++;
            continue;
        }
        if (nh == 2 && (*p == 0xA8 || *p == 0xA9)) {
            fputs(*p == 0xA8 ? "\\u2028" : "\\u2029", out);
            p++;
        } else {
            fwrite(held, 1, nh, out);
        }
        nh = 0;
    }
    if (nh) { /* still undecided: the call had no bytes */
        *pending = (nh << 16) | held[0] | ((unsigned)held[1] << 8);
        return;
    }
    const uint8_t *run = p;
    for (; p < end; p++) {
        uint8_t b = *p;
        if (b != '<' && b != '>' && b != '&' && b != 0xE2) continue;
        fwrite(run, 1, (size_t)(p - run), out);
        run = p + 1;
        if (b == '<') fputs("\\u003c", out);
        else if (b == '>') fputs("\\u003e", out);
        else if (b == '&') fputs("\\u0026", out);
        else if (end - p >= 3 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
            fputs(p[2] == 0xA8 ? "\\u2028" : "\\u2029", out);
            p += 2;
            run = p + 1;
        } else if (end - p < 3 && (end - p == 1 || p[1] == 0x80)) { /* cut at the end of this call */
            *pending = ((unsigned)(end - p) << 16) | p[0] | (end - p == 2 ? (unsigned)p[1] << 8 : 0);
            return;
        } else {
            run = p; /* E2 starting another character: as it is */
        }
    }
    fwrite(run, 1, (size_t)(p - run), out);
}

/* ---- the sink ---------------------------------------------------------------- */

/* What a connection kept and left out. */
struct hconn {
    uint64_t id;
    uint64_t kept;           /* arrows kept (see counted()) */
    uint64_t omitted;        /* arrows left out */
    uint64_t from_packet;    /* the packet of the first left out */
    int shown;               /* its events are in the page (the connection cap) */
};
#define HCONN_HELD (sizeof(struct hconn) + 32)

#define OMITTED_LISTED 200   /* connections named one by one in the note; the rest are counted */

struct wsi_html {
    struct wsi_render_opts o;
    char **inputs;           /* the captures' names, for the page's title and the commands it shows */
    int ninputs;
    FILE *data;              /* the JSON writer's stream: escaped into o.out */
    unsigned pending;        /* wsi_html_escape_data's held bytes */
    uint64_t data_bytes;     /* bytes of data written so far */
    struct wsi_json *json;
    struct wsi_connmap conns;
    uint64_t conns_seen, conns_shown;
    uint64_t kept, omitted;  /* arrows, all connections */
    struct { uint64_t conn, omitted, from_packet; } listed[OMITTED_LISTED];
    size_t nlisted;
    uint64_t omitted_conns_with_arrows; /* connections that left arrows out */
    const char *tail;        /* the template after the data marker (written at the end) */
};

static ssize_t data_write(void *cookie, const char *buf, size_t n)
{
    struct wsi_html *h = cookie;
    wsi_html_escape_data(h->o.out, buf, n, &h->pending);
    h->data_bytes += n;
    return (ssize_t)n;
}

/* The template's text up to marker `m` is written, with what follows the marker returned; NULL
 * (and the rest written) when the marker is missing. */
static const char *upto(FILE *out, const char *t, const char *m)
{
    const char *at = strstr(t, m);
    if (!at) {
        fputs(t, out);
        return NULL;
    }
    fwrite(t, 1, (size_t)(at - t), out);
    return at + strlen(m);
}

#define M_CSP "<!--wsi:csp-->"
#define M_STYLE "<!--wsi:style-->"
#define M_EVENTS "<!--wsi:events-->"
#define M_META "<!--wsi:meta-->"
#define M_SCRIPT "<!--wsi:script-->"

struct wsi_html *wsi_html_new(const struct wsi_render_opts *o, const char *const *inputs, int ninputs)
{
    struct wsi_html *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->o = *o;
    if (!h->o.out) h->o.out = stdout;
    if (ninputs > 0 && !(h->inputs = calloc((size_t)ninputs, sizeof *h->inputs))) {
        free(h);
        return NULL;
    }
    for (int k = 0; k < ninputs; k++) {
        if (!(h->inputs[k] = strdup(inputs[k] ? inputs[k] : ""))) {
            while (k--) free(h->inputs[k]);
            free(h->inputs);
            free(h);
            return NULL;
        }
        h->ninputs = k + 1;
    }
    static const cookie_io_functions_t io = {.write = data_write};
    h->data = fopencookie(h, "w", io);
    struct wsi_render_opts jo = h->o;
    jo.detail = 1;
    if (h->data) {
        jo.out = h->data;
        h->json = wsi_json_new(&jo);
    }
    if (!h->data || !h->json) {
        if (h->data) fclose(h->data);
        for (int k = 0; k < h->ninputs; k++) free(h->inputs[k]);
        free(h->inputs);
        free(h);
        return NULL;
    }
    setvbuf(h->data, NULL, _IOFBF, 1 << 16);
    FILE *out = h->o.out;
    const char *t = (const char *)wsi_page_html;
    if ((t = upto(out, t, M_CSP))) {
        /* nothing may be loaded; the page's one script and one style sheet run by their hashes,
         * so that no other inline script or style could (the data block is not script: it is
         * never run, whatever it holds) */
        char hj[CSP_HASH_SIZE], hs[CSP_HASH_SIZE];
        csp_hash(wsi_page_js, wsi_page_js_len, hj);
        csp_hash(wsi_page_css, wsi_page_css_len, hs);
        fprintf(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src %s; "
                     "style-src %s; base-uri 'none'; form-action 'none'\">", hj, hs);
    }
    if (t && (t = upto(out, t, M_STYLE))) {
        fputs("<style>", out);
        fwrite(wsi_page_css, 1, wsi_page_css_len, out);
        fputs("</style>", out);
    }
    if (t && (t = upto(out, t, M_EVENTS))) fputs("<script type=\"application/json\" id=\"wsi-events\">\n", out);
    h->tail = t;
    return h;
}

/* The events that draw an arrow or a line on a ladder: the ones the caps count. */
static int counted(enum wsi_ev_kind k)
{
    switch (k) {
    case WSI_EV_HTTP:
    case WSI_EV_FRAME:
    case WSI_EV_MESSAGE:
    case WSI_EV_VIOLATION:
    case WSI_EV_GAP:
    case WSI_EV_TCP:
    case WSI_EV_CHUNK:
    case WSI_EV_SSE:
    case WSI_EV_TLS:
    case WSI_EV_NOTE: return 1;
    default: return 0;
    }
}

static void note_omitted(struct wsi_html *h, struct hconn *c)
{
    if (!c->omitted) return;
    h->omitted_conns_with_arrows++;
    if (h->nlisted < OMITTED_LISTED) {
        h->listed[h->nlisted].conn = c->id;
        h->listed[h->nlisted].omitted = c->omitted;
        h->listed[h->nlisted].from_packet = c->from_packet;
        h->nlisted++;
    }
}

void wsi_html_event(void *self, const struct wsi_event *ev)
{
    struct wsi_html *h = self;
    if (ev->kind == WSI_EV_STATS) {
        wsi_json_event(h->json, ev);
        return;
    }
    struct hconn *c = wsi_connmap_get(&h->conns, ev->conn);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || wsi_connmap_put(&h->conns, ev->conn, c) != 0) {
            free(c);
            return; /* out of memory: the event is left out */
        }
        wsi_budget_charge(h->o.budget, HCONN_HELD);
        c->id = ev->conn;
        h->conns_seen++;
        c->shown = h->conns_shown < WSI_HTML_MAX_CONNS;
        if (c->shown) h->conns_shown++;
    }
    if (c->shown) {
        if (!counted(ev->kind)) {
            wsi_json_event(h->json, ev);
        } else if (c->kept < WSI_HTML_MAX_CONN_ARROWS && h->kept < WSI_HTML_MAX_ARROWS &&
                   h->data_bytes < WSI_HTML_MAX_DATA && !c->omitted) {
            c->kept++;
            h->kept++;
            wsi_json_event(h->json, ev);
        } else {
            if (!c->omitted) c->from_packet = ev->packet;
            c->omitted++;
            h->omitted++;
        }
    }
    if (ev->kind == WSI_EV_CLOSE) {
        wsi_connmap_del(&h->conns, ev->conn);
        if (c->shown) note_omitted(h, c);
        free(c);
        wsi_budget_release(h->o.budget, HCONN_HELD);
    }
}

/* A JSON string of the bytes (the meta data's few strings: the capture's name); '<', '>',
 * '&' are escaped by the data stream. */
static void meta_chars(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7F) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
}

static void meta_str(FILE *f, const char *s)
{
    fputc('"', f);
    meta_chars(f, s);
    fputc('"', f);
}

void wsi_html_free(struct wsi_html *h)
{
    if (!h) return;
    /* connections the capture ended inside (no CLOSE came) */
    size_t n = 0;
    void **left = wsi_connmap_take_all(&h->conns, &n);
    for (size_t i = 0; i < n; i++) {
        struct hconn *c = left[i];
        if (c->shown) note_omitted(h, c);
        free(c);
        wsi_budget_release(h->o.budget, HCONN_HELD);
    }
    free(left);
    wsi_json_free(h->json);
    fflush(h->data);
    if (h->pending) { /* a character the writer left unfinished (it never does): its bytes as they were */
        uint8_t held[2] = {(uint8_t)(h->pending & 0xFF), (uint8_t)(h->pending >> 8)};
        fwrite(held, 1, (h->pending >> 16) & 3, h->o.out);
        h->pending = 0;
    }
    FILE *out = h->o.out;
    const char *t = h->tail;
    if (t) {
        fputs("</script>", out);
        if ((t = upto(out, t, M_META))) {
            fputs("<script type=\"application/json\" id=\"wsi-meta\">", out);
            FILE *d = h->data;
            fputs("{\"input\":\"", d); /* the names joined, for the title */
            for (int k = 0; k < h->ninputs; k++) {
                if (k) fputs(", ", d);
                meta_chars(d, h->inputs[k]);
            }
            fputs("\",\"inputs\":[", d); /* each, for the commands */
            for (int k = 0; k < h->ninputs; k++) {
                if (k) fputc(',', d);
                meta_str(d, h->inputs[k]);
            }
            fputc(']', d);
            fprintf(d, ",\"version\":\"%s\"", WS_VERSION);
            fprintf(d, ",\"payload\":%zu,\"frames\":%s", h->o.payload, h->o.frames ? "true" : "false");
            fprintf(d, ",\"caps\":{\"conn_arrows\":%d,\"arrows\":%d,\"data_bytes\":%d,\"connections\":%d}",
                    WSI_HTML_MAX_CONN_ARROWS, WSI_HTML_MAX_ARROWS, WSI_HTML_MAX_DATA, WSI_HTML_MAX_CONNS);
            fprintf(d, ",\"connections\":%llu,\"connections_shown\":%llu,\"arrows\":%llu,\"arrows_omitted\":%llu",
                    (unsigned long long)h->conns_seen, (unsigned long long)h->conns_shown,
                    (unsigned long long)h->kept, (unsigned long long)h->omitted);
            fprintf(d, ",\"connections_cut\":%llu,\"omitted\":[", (unsigned long long)h->omitted_conns_with_arrows);
            for (size_t i = 0; i < h->nlisted; i++)
                fprintf(d, "%s{\"conn\":%llu,\"arrows\":%llu,\"from_packet\":%llu}", i ? "," : "",
                        (unsigned long long)h->listed[i].conn, (unsigned long long)h->listed[i].omitted,
                        (unsigned long long)h->listed[i].from_packet);
            fputs("]}", d);
            fflush(d);
            fputs("</script>", out);
        }
        if (t && (t = upto(out, t, M_SCRIPT))) {
            fputs("<script>", out);
            fwrite(wsi_page_js, 1, wsi_page_js_len, out);
            fputs("</script>", out);
        }
        if (t) fputs(t, out);
    }
    fclose(h->data);
    for (int k = 0; k < h->ninputs; k++) free(h->inputs[k]);
    free(h->inputs);
    free(h);
}
