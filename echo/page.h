/* page.h - the page wsecho serves at /: page.html with page.css and page.js put inline,
 * and the Content-Security-Policy that allows exactly that style and that script. */
#ifndef WSECHO_PAGE_H
#define WSECHO_PAGE_H

#include <stddef.h>

struct page {
    char *html;     /* the whole page */
    size_t len;
    char csp[512];  /* the Content-Security-Policy header's value */
};

/* Where page.html takes the style and the script: each marker alone, once. */
#define PAGE_STYLE_MARK "<!--STYLE-->"
#define PAGE_SCRIPT_MARK "<!--SCRIPT-->"

/* Build the page. Returns 0, or -1 with a reason in err (a marker missing or twice, no memory). */
int page_build(struct page *p, const char *html, size_t hlen, const char *css, size_t clen,
               const char *js, size_t jlen, char *err, size_t errlen);
void page_free(struct page *p);


#endif
