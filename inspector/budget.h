/* budget.h - one memory budget (--max-memory) for what the decoder and the renderers hold. */
#ifndef WSI_BUDGET_H
#define WSI_BUDGET_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every stage that holds bytes for later (the reassembler's out-of-order pieces
 * and connections, the session's held heads and per-connection state, the
 * decoders' windows, the ladder's unprinted blocks...) charges them here when it
 * takes them and releases them when it lets them go. Nothing is refused at the
 * moment of charging: between two packets, wsi_budget_enforce() asks the holders
 * to give way, in the order they registered, until the total is back under 7/8
 * of the limit. Each holder gives way with a note in the output (a block printed
 * early, a gap declared, a connection's bytes dropped, a connection evicted), so
 * a limit reached is never a silent loss.
 *
 * The budget counts what the program holds for the traffic; the fixed overhead
 * (the code, libpcap's buffer, the output buffers, zlib's tables) comes on top.
 */

#define WSI_BUDGET_DEFAULT ((uint64_t)256 << 20)
#define WSI_BUDGET_MIN ((uint64_t)4 << 20)

/* Give up one holding (the biggest first, as the holder sees fit). Returns 0 when
 * there is nothing left to give. */
typedef int (*wsi_give_fn)(void *self);

#define WSI_BUDGET_GIVERS 4

/* Free the objects kept for reuse (spares), releasing their charge. Nothing the
 * output depends on is lost, so it is done first, and said nowhere. */
typedef void (*wsi_trim_fn)(void *self);

#define WSI_BUDGET_TRIMMERS 4

struct wsi_budget {
    uint64_t limit;            /* bytes (0: no limit) */
    uint64_t used;             /* charged now */
    uint64_t peak;             /* the most ever charged */
    struct {
        wsi_give_fn fn;
        void *self;
        const char *what;      /* what it gives, for the report ("ladder blocks printed early") */
        uint64_t times;        /* how many times it gave */
    } giver[WSI_BUDGET_GIVERS];
    int ngivers;
    struct {
        wsi_trim_fn fn;
        void *self;
    } trimmer[WSI_BUDGET_TRIMMERS];
    int ntrimmers;
    uint64_t trims;            /* times the spares were freed */
    int busy;                  /* enforcing now (charges from the givers' own output are only counted) */
};

void wsi_budget_init(struct wsi_budget *b, uint64_t limit);

/* Register a holder that can give way; the first registered gives first. */
void wsi_budget_giver(struct wsi_budget *b, wsi_give_fn fn, void *self, const char *what);

/* Register a keeper of spares: over the limit, every keeper frees its spares before any
 * holder gives way. */
void wsi_budget_trimmer(struct wsi_budget *b, wsi_trim_fn fn, void *self);
/* A keeper that goes away (freed before the budget) is no longer asked. */
void wsi_budget_trimmer_remove(struct wsi_budget *b, void *self);

static inline void wsi_budget_charge(struct wsi_budget *b, uint64_t n)
{
    if (!b) return;
    b->used += n;
    if (b->used > b->peak) b->peak = b->used;
}

static inline void wsi_budget_release(struct wsi_budget *b, uint64_t n)
{
    if (!b) return;
    b->used = n < b->used ? b->used - n : 0;
}

/* Move a holding of `old` bytes to `now` bytes. */
static inline void wsi_budget_resize(struct wsi_budget *b, uint64_t old, uint64_t now)
{
    if (now > old) wsi_budget_charge(b, now - old);
    else wsi_budget_release(b, old - now);
}

/* At a safe point (between packets): over the limit, the spares are freed; if the total is
 * still over it, the holders give way until it is under 7/8 of it. Returns how many holdings
 * were given up (freeing spares gives up none). */
uint64_t wsi_budget_enforce(struct wsi_budget *b);

/*
 * Spares: objects of one size a stage lets go, kept for its next ones instead of being freed
 * and allocated again (each time from the top of the heap, which glibc gives back to the
 * kernel and faults in again). Those kept are charged to the budget, `size` bytes each; the
 * stage frees them with wsi_spares_free when the budget asks it (wsi_budget_trimmer). One in
 * use is charged by what holds it.
 */
#define WSI_SPARES_MAX 64

struct wsi_spares {
    void *p[WSI_SPARES_MAX];
    unsigned n, max;           /* kept now; kept at most (up to WSI_SPARES_MAX) */
    size_t size;               /* bytes of each */
    struct wsi_budget *budget; /* charged with those kept (NULL: none) */
};

void wsi_spares_init(struct wsi_spares *sp, size_t size, unsigned max, struct wsi_budget *budget);
/* A kept one, or a new one from malloc: its bytes undefined (NULL when out of memory). */
void *wsi_spares_get(struct wsi_spares *sp);
/* One let go: kept, or freed when `max` are kept already. NULL is nothing. */
void wsi_spares_put(struct wsi_spares *sp, void *obj);
/* Free those kept, releasing their charge. */
void wsi_spares_free(struct wsi_spares *sp);

/* "64M", "1G", "500000", "512K": bytes. Returns 0 and sets *out, or -1. */
int wsi_budget_parse(const char *s, uint64_t *out);

#endif
