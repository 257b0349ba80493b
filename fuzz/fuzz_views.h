/* fuzz_views.h - every renderer at once, each into its own memory stream, for the harnesses
 * that feed events (fuzz_pipeline from captures, fuzz_har from HAR text), then each output
 * checked through fuzz_output.h (header only). */
#ifndef WSI_FUZZ_VIEWS_H
#define WSI_FUZZ_VIEWS_H

#include <stdio.h>
#include <stdlib.h>

#include "fuzz_output.h"
#include "render.h"

enum { V_LADDER, V_JSON, V_SUMMARY, V_HTML, V_MERMAID, V_N };

struct fuzz_views {
    struct wsi_ladder *ladder;
    struct wsi_json *json;
    struct wsi_summary *summary;
    struct wsi_html *html;
    struct wsi_mermaid *mermaid;
    FILE *f[V_N];
    char *buf[V_N];
    size_t len[V_N];
    int color; /* the terminal views were written with colours (their text is not checked) */
};

/* The five renderers, with the options o (its out unused) and the page's input names. */
static void views_open(struct fuzz_views *v, struct wsi_render_opts o, const char *const *names, size_t nnames)
{
    memset(v, 0, sizeof *v);
    struct wsi_render_opts vo[V_N];
    for (int i = 0; i < V_N; i++) {
        v->f[i] = open_memstream(&v->buf[i], &v->len[i]);
        if (!v->f[i]) abort();
        vo[i] = o;
        vo[i].out = v->f[i];
    }
    v->color = o.color;
    v->ladder = wsi_ladder_new(&vo[V_LADDER]);
    v->json = wsi_json_new(&vo[V_JSON]);
    v->summary = wsi_summary_new(&vo[V_SUMMARY]);
    v->html = wsi_html_new(&vo[V_HTML], names, nnames);
    v->mermaid = wsi_mermaid_new(&vo[V_MERMAID]);
    if (!v->ladder || !v->json || !v->summary || !v->html || !v->mermaid) abort();
}

static void views_event(struct fuzz_views *v, const struct wsi_event *ev)
{
    wsi_ladder_event(v->ladder, ev);
    wsi_json_event(v->json, ev);
    wsi_summary_event(v->summary, ev);
    wsi_html_event(v->html, ev);
    wsi_mermaid_event(v->mermaid, ev);
}

/* The renderers end, and each output is checked when on(its check's name) says so (on NULL: all):
 * "html", "mermaid", "jsonl", "ladder-text", "summary-text" (the last two without colours only). */
static void views_close_check(struct fuzz_views *v, int (*on)(const char *))
{
    wsi_ladder_free(v->ladder);
    wsi_json_free(v->json);
    wsi_summary_free(v->summary);
    wsi_html_free(v->html);
    wsi_mermaid_free(v->mermaid);
    for (int i = 0; i < V_N; i++) fclose(v->f[i]);
    if (!on || on("html")) check_html(v->buf[V_HTML], v->len[V_HTML]);
    if (!on || on("mermaid")) check_mermaid(v->buf[V_MERMAID], v->len[V_MERMAID]);
    if (!on || on("jsonl")) check_jsonl(v->buf[V_JSON], v->len[V_JSON]);
    if (!v->color) {
        if (!on || on("ladder-text")) check_text("ladder", v->buf[V_LADDER], v->len[V_LADDER]);
        if (!on || on("summary-text")) check_text("summary", v->buf[V_SUMMARY], v->len[V_SUMMARY]);
    }
    for (int i = 0; i < V_N; i++) free(v->buf[i]);
}

#endif
