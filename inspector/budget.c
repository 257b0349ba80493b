/* budget.c - one memory budget (--max-memory): charges, releases, and the holders giving way in order. */

#include "budget.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void wsi_budget_init(struct wsi_budget *b, uint64_t limit)
{
    memset(b, 0, sizeof *b);
    b->limit = limit;
}

void wsi_budget_giver(struct wsi_budget *b, wsi_give_fn fn, void *self, const char *what)
{
    if (!b || b->ngivers >= WSI_BUDGET_GIVERS) return;
    b->giver[b->ngivers].fn = fn;
    b->giver[b->ngivers].self = self;
    b->giver[b->ngivers].what = what;
    b->giver[b->ngivers].times = 0;
    b->ngivers++;
}

void wsi_budget_trimmer(struct wsi_budget *b, wsi_trim_fn fn, void *self)
{
    if (!b || b->ntrimmers >= WSI_BUDGET_TRIMMERS) return;
    b->trimmer[b->ntrimmers].fn = fn;
    b->trimmer[b->ntrimmers].self = self;
    b->ntrimmers++;
}

void wsi_budget_trimmer_remove(struct wsi_budget *b, void *self)
{
    if (!b) return;
    int k = 0;
    for (int i = 0; i < b->ntrimmers; i++)
        if (b->trimmer[i].self != self) b->trimmer[k++] = b->trimmer[i];
    b->ntrimmers = k;
}

uint64_t wsi_budget_enforce(struct wsi_budget *b)
{
    if (!b || !b->limit || b->used <= b->limit || b->busy) return 0;
    uint64_t target = b->limit - b->limit / 8, n = 0;
    b->busy = 1;
    if (b->ntrimmers) {
        /* freeing spares costs nothing but their reuse: back within the limit, that is enough */
        b->trims++;
        for (int i = 0; i < b->ntrimmers; i++) b->trimmer[i].fn(b->trimmer[i].self);
        if (b->used <= b->limit) {
            b->busy = 0;
            return 0;
        }
    }
    for (int i = 0; i < b->ngivers && b->used > target; i++) {
        while (b->used > target) {
            uint64_t before = b->used;
            if (!b->giver[i].fn(b->giver[i].self)) break;
            b->giver[i].times++;
            n++;
            if (b->used >= before) break; /* it gave nothing back: the next holder's turn */
        }
    }
    b->busy = 0;
    return n;
}

void wsi_spares_init(struct wsi_spares *sp, size_t size, unsigned max, struct wsi_budget *budget)
{
    sp->n = 0;
    sp->max = max < WSI_SPARES_MAX ? max : WSI_SPARES_MAX;
    sp->size = size;
    sp->budget = budget;
}

void *wsi_spares_get(struct wsi_spares *sp)
{
    if (!sp->n) return malloc(sp->size);
    wsi_budget_release(sp->budget, sp->size);
    return sp->p[--sp->n];
}

void wsi_spares_put(struct wsi_spares *sp, void *obj)
{
    if (!obj) return;
    if (sp->n < sp->max) {
        sp->p[sp->n++] = obj;
        wsi_budget_charge(sp->budget, sp->size);
    } else {
        free(obj);
    }
}

void wsi_spares_free(struct wsi_spares *sp)
{
    wsi_budget_release(sp->budget, sp->n * sp->size);
    while (sp->n) free(sp->p[--sp->n]);
}

int wsi_budget_parse(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return -1;
    }
    if (*end == 'B' || *end == 'b') end++; /* "64MB" too */
    if (*end) return -1;
    if (shift && v > (UINT64_MAX >> shift)) return -1;
    *out = (uint64_t)v << shift;
    return 0;
}
