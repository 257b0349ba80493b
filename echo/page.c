/* page.c - wsecho's page put together, and its Content-Security-Policy. */
#include "page.h"

#include "csp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one place of mark in s (its offset), or -1 when absent or there more than once. */
static long find_once(const char *s, size_t len, const char *mark)
{
    size_t ml = strlen(mark);
    long at = -1;
    for (size_t i = 0; i + ml <= len; i++)
        if (s[i] == mark[0] && !memcmp(s + i, mark, ml)) {
            if (at >= 0)
                return -2;
            at = (long)i;
        }
    return at;
}

int page_build(struct page *p, const char *html, size_t hlen, const char *css, size_t clen,
               const char *js, size_t jlen, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    long s = find_once(html, hlen, PAGE_STYLE_MARK), j = find_once(html, hlen, PAGE_SCRIPT_MARK);
    if (s < 0 || j < 0 || s > j) {
        snprintf(err, errlen, "page.html must hold %s then %s, once each", PAGE_STYLE_MARK, PAGE_SCRIPT_MARK);
        return -1;
    }
    static const char so[] = "<style>", sc[] = "</style>", jo[] = "<script>", jc[] = "</script>";
    size_t sl = strlen(PAGE_STYLE_MARK), jl = strlen(PAGE_SCRIPT_MARK);
    size_t total = hlen - sl - jl + strlen(so) + clen + strlen(sc) + strlen(jo) + jlen + strlen(jc);
    char *o = malloc(total + 1);
    if (!o) {
        snprintf(err, errlen, "no memory for the page");
        return -1;
    }
    size_t n = 0;
#define PUT(ptr, l) (memcpy(o + n, (ptr), (l)), n += (l))
    PUT(html, (size_t)s);
    PUT(so, strlen(so));
    PUT(css, clen);
    PUT(sc, strlen(sc));
    PUT(html + s + sl, (size_t)j - (size_t)s - sl);
    PUT(jo, strlen(jo));
    PUT(js, jlen);
    PUT(jc, strlen(jc));
    PUT(html + j + jl, hlen - (size_t)j - jl);
#undef PUT
    o[n] = 0;
    p->html = o;
    p->len = n;
    char hs[CSP_HASH_SIZE], hj[CSP_HASH_SIZE];
    csp_hash(css, clen, hs);
    csp_hash(js, jlen, hj);
    /* Nothing but the page's own style and script; WebSockets to this server only
     * ('self' covers ws:// and wss:// of the page's own host and port). */
    snprintf(p->csp, sizeof p->csp,
             "default-src 'none'; style-src %s; script-src %s; connect-src 'self'; img-src data:; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
             hs, hj);
    return 0;
}

void page_free(struct page *p)
{
    free(p->html);
    memset(p, 0, sizeof *p);
}
