/* cores.c - make bench's question of cores: one reader, the decoding sharded by connection.
 *
 * bench_cores CAPTURE [ROUNDS [JSON_OUT]]
 *
 * Decodes CAPTURE into `--json` lines (written to /dev/null) in three ways and prints, for each,
 * the lowest wall time of ROUNDS runs (default 5) and the CPU time of every thread in that run:
 *
 *   one thread      read and decode in one thread, as wsinspect does;
 *   reader + 1      a reader thread (libpcap, through capture.c) copies each record into a queue
 *                   that one decoder thread empties: the work in two stages;
 *   reader + 2      the reader also decodes each packet's headers (netdecode.c) to find its
 *                   connection, and hands it to one of two decoders by a hash of its unordered
 *                   tuple (as Suricata's workers and Zeek's cluster share out flows). Each decoder
 *                   has its own session, memory budget and JSON writer.
 *
 * With two decoders the output is two streams, each in packet order, not one: a wsinspect built
 * this way would have to merge them back (and share the connection numbers, the memory budget
 * and the retransmission history, which are global today), so "reader + 2" is an upper bound.
 * With JSON_OUT, the one-thread run writes its lines there instead (to check that the harness
 * decodes as `wsinspect --json` does). Needs Linux (RUSAGE_THREAD).
 */

#define _GNU_SOURCE

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "budget.h"
#include "capture.h"
#include "event.h"
#include "netdecode.h"
#include "render.h"
#include "session.h"

#define CHUNK (1u << 20) /* records are handed over a chunk at a time */
#define QLEN 8           /* chunks in flight per decoder */
#define MAX_SHARDS 2

/* A record in a chunk: the packet's fields, then its bytes, padded to 8. */
struct rec {
    uint64_t num;
    int64_t ts_sec;
    uint32_t ts_nsec, caplen, len;
    int32_t linktype;
};

struct chunk {
    size_t used;
    uint8_t data[CHUNK];
};

/* Full chunks on their way to one decoder, and the empty ones coming back. */
struct queue {
    pthread_mutex_t m;
    pthread_cond_t cv;
    struct chunk *full[QLEN], *empty[QLEN];
    unsigned head, nfull, nempty;
    int done;
};

struct shard {
    struct queue q;
    struct chunk *cur;   /* the reader's chunk being filled */
    pthread_t thread;
    double cpu;          /* the decoder thread's CPU seconds */
    uint64_t packets;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "bench_cores: out of memory\n");
        exit(2);
    }
    return p;
}

/* ---- a decoder: a session and its JSON writer ---------------------------------- */

struct decoder {
    struct wsi_budget budget;
    struct wsi_json *json;
    struct wsi_session *s;
    FILE *out;
};

static void decoder_init(struct decoder *d, const char *path)
{
    wsi_budget_init(&d->budget, WSI_BUDGET_DEFAULT);
    d->out = fopen(path ? path : "/dev/null", "w");
    if (!d->out) {
        perror(path ? path : "/dev/null");
        exit(2);
    }
    struct wsi_render_opts ro = {.budget = &d->budget, .out = d->out, .width = 80, .payload = 32, .payload_auto = 1};
    d->json = wsi_json_new(&ro);
    struct wsi_sink sink = {.event = wsi_json_event, .self = d->json};
    struct wsi_session_opts so = {.preview_max = 256, .budget = &d->budget};
    d->s = d->json ? wsi_session_new(&so, &sink) : NULL;
    if (!d->s) {
        fprintf(stderr, "bench_cores: out of memory\n");
        exit(2);
    }
}

static void decoder_end(struct decoder *d)
{
    wsi_session_finish(d->s);
    wsi_session_free(d->s);
    wsi_json_free(d->json);
    fclose(d->out);
}

static void decode_inline(void *user, const struct wsi_packet *p) { wsi_session_packet(((struct decoder *)user)->s, p); }

/* ---- the queues ------------------------------------------------------------------ */

static void queue_init(struct queue *q)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->m, NULL);
    pthread_cond_init(&q->cv, NULL);
    for (unsigned i = 0; i < QLEN; i++) q->empty[q->nempty++] = xmalloc(sizeof(struct chunk));
}

static void queue_free(struct queue *q)
{
    while (q->nempty) free(q->empty[--q->nempty]);
    pthread_mutex_destroy(&q->m);
    pthread_cond_destroy(&q->cv);
}

/* The reader: a full chunk in, an empty one back (waiting for one). */
static struct chunk *queue_swap(struct queue *q, struct chunk *full)
{
    pthread_mutex_lock(&q->m);
    if (full) {
        q->full[(q->head + q->nfull++) % QLEN] = full;
        pthread_cond_broadcast(&q->cv);
    }
    while (!q->nempty) pthread_cond_wait(&q->cv, &q->m);
    struct chunk *c = q->empty[--q->nempty];
    pthread_mutex_unlock(&q->m);
    c->used = 0;
    return c;
}

/* The decoder: the next full chunk (NULL at the end), its last one given back. */
static struct chunk *queue_next(struct queue *q, struct chunk *spent)
{
    pthread_mutex_lock(&q->m);
    if (spent) {
        q->empty[q->nempty++] = spent;
        pthread_cond_broadcast(&q->cv);
    }
    while (!q->nfull && !q->done) pthread_cond_wait(&q->cv, &q->m);
    struct chunk *c = NULL;
    if (q->nfull) {
        c = q->full[q->head];
        q->head = (q->head + 1) % QLEN;
        q->nfull--;
    }
    pthread_mutex_unlock(&q->m);
    return c;
}

static void *decoder_main(void *arg)
{
    struct shard *sh = arg;
    struct decoder d;
    decoder_init(&d, NULL);
    struct chunk *c = NULL;
    while ((c = queue_next(&sh->q, c)) != NULL) {
        for (size_t off = 0; off < c->used;) {
            struct rec r;
            memcpy(&r, c->data + off, sizeof r);
            struct wsi_packet p = {.num = r.num, .ts_sec = r.ts_sec, .ts_nsec = r.ts_nsec, .caplen = r.caplen,
                                   .len = r.len, .linktype = r.linktype, .data = c->data + off + sizeof r};
            wsi_session_packet(d.s, &p);
            sh->packets++;
            off += (sizeof r + r.caplen + 7) & ~(size_t)7;
        }
    }
    decoder_end(&d);
    sh->cpu = thread_cpu();
    return NULL;
}

/* ---- the reader --------------------------------------------------------------------- */

struct reader {
    struct shard *sh;
    int nshards;
};

/* The shard of a packet: a hash of its unordered TCP tuple (anything else: the first). */
static int shard_of(const struct wsi_packet *p, int n)
{
    if (n == 1) return 0;
    struct wsi_tcpseg seg;
    if (wsi_decode_packet(p->linktype, p->data, p->caplen, p->len, &seg, NULL) != WSI_DEC_OK) return 0;
    uint64_t a = 0, b = 0;
    for (int i = 0; i < 16; i++) {
        a = a * 131 + seg.src.bytes[i];
        b = b * 131 + seg.dst.bytes[i];
    }
    a = a * 65599 + seg.sport;
    b = b * 65599 + seg.dport;
    uint64_t h = (a ^ b) * 0x9e3779b97f4a7c15ull; /* the same both ways */
    return (int)((h >> 32) % (uint64_t)n);
}

static void hand_over(void *user, const struct wsi_packet *p)
{
    struct reader *rd = user;
    struct shard *sh = &rd->sh[shard_of(p, rd->nshards)];
    size_t need = (sizeof(struct rec) + p->caplen + 7) & ~(size_t)7;
    if (need > CHUNK) { /* no record is this long (snap lengths stop at 262,144) */
        fprintf(stderr, "bench_cores: packet %llu: %u bytes, more than a chunk\n", (unsigned long long)p->num, p->caplen);
        exit(2);
    }
    if (sh->cur->used + need > CHUNK) sh->cur = queue_swap(&sh->q, sh->cur);
    struct rec r = {.num = p->num, .ts_sec = p->ts_sec, .ts_nsec = p->ts_nsec, .caplen = p->caplen,
                    .len = p->len, .linktype = p->linktype};
    memcpy(sh->cur->data + sh->cur->used, &r, sizeof r);
    memcpy(sh->cur->data + sh->cur->used + sizeof r, p->data, p->caplen);
    sh->cur->used += need;
}

static struct wsi_capture *open_capture(const char *path)
{
    char err[WSI_ERRBUF];
    struct wsi_capture *cap = wsi_capture_open_file(path, err);
    if (!cap) {
        fprintf(stderr, "bench_cores: %s: %s\n", path, err);
        exit(2);
    }
    return cap;
}

struct result {
    double wall, reader_cpu, cpu[MAX_SHARDS];
    uint64_t packets[MAX_SHARDS];
};

static struct result run_inline(const char *path, const char *json_out)
{
    struct result res = {0};
    double cpu0 = thread_cpu(), t0 = now();
    struct decoder d;
    decoder_init(&d, json_out);
    struct wsi_capture *cap = open_capture(path);
    char err[WSI_ERRBUF];
    if (wsi_capture_run(cap, 0, decode_inline, &d, err) != 0) fprintf(stderr, "bench_cores: %s: %s\n", path, err);
    wsi_capture_close(cap);
    decoder_end(&d);
    res.wall = now() - t0;
    res.reader_cpu = thread_cpu() - cpu0;
    return res;
}

static struct result run_sharded(const char *path, int n)
{
    struct result res = {0};
    struct shard sh[MAX_SHARDS];
    double cpu0 = thread_cpu(), t0 = now();
    for (int i = 0; i < n; i++) {
        memset(&sh[i], 0, sizeof sh[i]);
        queue_init(&sh[i].q);
        sh[i].cur = queue_swap(&sh[i].q, NULL);
        if (pthread_create(&sh[i].thread, NULL, decoder_main, &sh[i]) != 0) {
            fprintf(stderr, "bench_cores: cannot start a thread\n");
            exit(2);
        }
    }
    struct reader rd = {sh, n};
    struct wsi_capture *cap = open_capture(path);
    char err[WSI_ERRBUF];
    if (wsi_capture_run(cap, 0, hand_over, &rd, err) != 0) fprintf(stderr, "bench_cores: %s: %s\n", path, err);
    wsi_capture_close(cap);
    for (int i = 0; i < n; i++) {
        struct queue *q = &sh[i].q;
        pthread_mutex_lock(&q->m);
        q->full[(q->head + q->nfull++) % QLEN] = sh[i].cur;
        q->done = 1;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->m);
    }
    res.reader_cpu = thread_cpu() - cpu0;
    for (int i = 0; i < n; i++) {
        pthread_join(sh[i].thread, NULL);
        res.cpu[i] = sh[i].cpu;
        res.packets[i] = sh[i].packets;
        queue_free(&sh[i].q);
    }
    res.wall = now() - t0;
    return res;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: bench_cores CAPTURE [ROUNDS [JSON_OUT]]\n");
        return 2;
    }
    const char *path = argv[1];
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    if (rounds < 1) rounds = 1;
    const char *json_out = argc > 3 ? argv[3] : NULL;
    static const char *const names[] = {"one thread", "reader + 1 decoder", "reader + 2 decoders"};
    struct result best[3];
    for (int k = 0; k < 3; k++) best[k].wall = -1;
    /* the configurations in turn, round after round, so that a slower moment of the machine
     * falls on all of them alike */
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 3; k++) {
            struct result res = k == 0 ? run_inline(path, r == 0 ? json_out : NULL) : run_sharded(path, k);
            if (best[k].wall < 0 || res.wall < best[k].wall) best[k] = res;
        }
    }
    printf("  %-22s %9s %8s %14s %s\n", "", "wall ms", "speed", "reader CPU s", "decoders CPU s (packets)");
    for (int k = 0; k < 3; k++) {
        printf("  %-22s %9.1f %7.2fx %14.3f", names[k], best[k].wall * 1e3, best[0].wall / best[k].wall,
               best[k].reader_cpu);
        for (int i = 0; i < k; i++)
            printf("  %.3f (%llu)", best[k].cpu[i], (unsigned long long)best[k].packets[i]);
        printf("\n");
    }
    printf("cores: one %.4f reader1 %.4f reader2 %.4f\n", best[0].wall, best[1].wall, best[2].wall);
    return 0;
}
