/* capture.c - stage 1: read packets from a pcap/pcapng file or a live interface through libpcap. */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#ifdef __GLIBC__
#include <stdio_ext.h> /* __fsetlocking */
#endif

/* The stdio buffer of a capture file: libpcap reads each record with two small
 * freads, so a large buffer turns 4 KiB reads into few large ones. */
#define FILE_BUF ((size_t)256 << 10)

/* An open capture. */
struct wsi_capture {
    pcap_t *p;                   /* the libpcap handle */
    char *label;                 /* file name or interface for messages ("-" shown as "<stdin>") */
    int offline;                 /* 1 for a file, 0 for a live interface */
    int nano;                    /* 1 when libpcap gives nanoseconds in tv_usec */
    struct bpf_program prog;     /* compiled filter of a file, applied here to keep packet numbers */
    int have_prog;               /* prog holds a program that must be freed */
    char *inbuf;                 /* the file's stdio buffer (freed after pcap_close), or NULL */
    uint64_t seen;               /* packets read so far (filtered out ones included) */
    volatile sig_atomic_t stop;        /* set by wsi_capture_break, ends the current run */
    volatile sig_atomic_t in_callback; /* 1 while the packet callback runs */
    volatile sig_atomic_t pcap_broken; /* pcap_breakloop called, its PCAP_ERROR_BREAK not seen yet */

    /* A live capture: libpcap in non-blocking mode, the run waiting in poll() on its descriptor
     * and on a pipe that wsi_capture_break writes to (a signal handler may), woken at least
     * every tick to read the kernel's counts and flush the saved file. */
    int fd;                      /* the capture's selectable descriptor, or -1 */
    int wake[2];                 /* the pipe, or -1 */
    int tick_ms;                 /* the period of the checks */
    struct timespec next_tick;   /* CLOCK_MONOTONIC time of the next check */
    struct pcap_stat raw;        /* libpcap's last counts (32-bit, they wrap) */
    uint64_t received, dropped, if_dropped; /* accumulated from them */
    uint64_t checked_seen;       /* packets read at the previous check */
    wsi_drop_fn drop_fn;         /* told of new drops */
    void *drop_user;
    int pending;                 /* drops noticed, their range not closed yet */
    struct wsi_drop_note note;   /* those drops */
    struct timespec noticed;     /* CLOCK_REALTIME of the check that noticed them */
    uint64_t drop_notes, first_after, first_before;

    /* wsi_capture_save */
    pcap_dumper_t *dumper;       /* the file packets are saved to, or NULL */
    char *save_path;             /* its name, for messages */
    uint64_t saved;              /* packets written to it */
    int dirty;                   /* written since the last flush */
};

/* A new capture record around an opened handle and the stdio buffer of its file (both
 * owned from now on); NULL (handle closed, buffer freed) when out of memory. */
static struct wsi_capture *capture_new(pcap_t *p, char *inbuf, const char *label, int offline,
                                       char errbuf[WSI_ERRBUF])
{
    struct wsi_capture *cap = calloc(1, sizeof *cap);
    if (cap) cap->label = strdup(label);
    if (!cap || !cap->label) {
        free(cap);
        pcap_close(p);
        free(inbuf);
        snprintf(errbuf, WSI_ERRBUF, "%s: out of memory", label);
        return NULL;
    }
    cap->p = p;
    cap->inbuf = inbuf;
    cap->offline = offline;
    cap->fd = cap->wake[0] = cap->wake[1] = -1;
    cap->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    return cap;
}

/* "LABEL: msg", without doubling the label when libpcap's message already starts with it. */
static void prefixed(char errbuf[WSI_ERRBUF], const char *label, const char *msg)
{
    size_t n = strlen(label);
    if (strncmp(msg, label, n) == 0 && msg[n] == ':')
        snprintf(errbuf, WSI_ERRBUF, "%s", msg);
    else
        snprintf(errbuf, WSI_ERRBUF, "%s: %s", label, msg);
}

/*
 * libpcap could not open a file. When it did not recognise the format, look at
 * the first bytes ourselves to say what they were (not possible for standard
 * input, whose bytes libpcap has consumed).
 */
static void explain_open_failure(const char *path, const char *label, const char *pcap_msg,
                                 char errbuf[WSI_ERRBUF])
{
    int unknown = strstr(pcap_msg, "unknown file format") != NULL;
    int short_hdr = strstr(pcap_msg, "tried to read 4 file header bytes") != NULL; /* not even a magic */
    FILE *f = (unknown || short_hdr) && strcmp(path, "-") != 0 ? fopen(path, "rb") : NULL;
    unsigned char m[4];
    size_t got = 0;
    if (f) {
        got = fread(m, 1, sizeof m, f);
        fclose(f);
    } else if (short_hdr) {
        /* Standard input: libpcap's message has the count ("..., only got 3"). */
        const char *at = strstr(pcap_msg, "only got ");
        if (!at || sscanf(at, "only got %zu", &got) != 1 || got >= sizeof m) {
            prefixed(errbuf, label, pcap_msg);
            return;
        }
    } else {
        if (unknown)
            snprintf(errbuf, WSI_ERRBUF, "%s: not a pcap or pcapng file (%s)", label, pcap_msg);
        else
            prefixed(errbuf, label, pcap_msg);
        return;
    }
    if (got == 0)
        snprintf(errbuf, WSI_ERRBUF, "%s: empty file, not a pcap or pcapng file", label);
    else if (got < sizeof m)
        snprintf(errbuf, WSI_ERRBUF, "%s: only %zu bytes, too short for a pcap or pcapng file", label, got);
    else
        snprintf(errbuf, WSI_ERRBUF, "%s: not a pcap or pcapng file (bad magic 0x%02x%02x%02x%02x)", label,
                 m[0], m[1], m[2], m[3]);
}

struct wsi_capture *wsi_capture_open_file(const char *path, char errbuf[WSI_ERRBUF])
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    const char *label = strcmp(path, "-") == 0 ? "<stdin>" : path;
    /* Opened here rather than by pcap_open_offline, to give the stream a large buffer and,
     * since only libpcap reads it, no per-call locking. pcap_close closes it. */
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(errbuf, WSI_ERRBUF, "%s: %s", label, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (f != stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        int n = (int)strlen(label);
        while (n > 1 && label[n - 1] == '/') n--;
        snprintf(errbuf, WSI_ERRBUF, "%s: a directory, not a capture file (name the files in it, e.g. %.*s/*.pcap)",
                 label, n, label);
        fclose(f);
        return NULL;
    }
    char *inbuf = NULL;
    if (f != stdin) { /* standard input is left as it is: the process may use it after */
        inbuf = malloc(FILE_BUF);
        if (inbuf) setvbuf(f, inbuf, _IOFBF, FILE_BUF);
#ifdef __GLIBC__
        __fsetlocking(f, FSETLOCKING_BYCALLER);
#endif
    }
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, pe);
    if (!p) {
        if (f != stdin) fclose(f);
        free(inbuf);
        explain_open_failure(path, label, pe, errbuf);
        return NULL;
    }
    return capture_new(p, inbuf, label, 1, errbuf);
}

/* Say why pcap_activate failed, naming the interface; the kind of failure in *why. */
static void activate_error(pcap_t *p, const char *iface, int st, int *why, char errbuf[WSI_ERRBUF])
{
    const char *detail = pcap_geterr(p);
    if ((st == PCAP_ERROR && detail && *detail) || (detail && strcmp(detail, pcap_statustostr(st)) == 0))
        prefixed(errbuf, iface, detail);
    else if (detail && *detail)
        snprintf(errbuf, WSI_ERRBUF, "%s: %s (%s)", iface, pcap_statustostr(st), detail);
    else
        snprintf(errbuf, WSI_ERRBUF, "%s: %s", iface, pcap_statustostr(st));
    int kind = WSI_LIVE_FAILED;
    if (st == PCAP_ERROR_PERM_DENIED || (detail && strstr(detail, strerror(EPERM)))) kind = WSI_LIVE_PERM;
    else if (st == PCAP_ERROR_NO_SUCH_DEVICE) kind = WSI_LIVE_NO_DEVICE;
    if (why) *why = kind;
}

static void add_ms(struct timespec *t, int ms)
{
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* a before b */
static int ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

struct wsi_capture *wsi_capture_open_live(const char *iface, const struct wsi_live_opts *opts, int *why,
                                          char errbuf[WSI_ERRBUF])
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    struct wsi_live_opts o = opts ? *opts : (struct wsi_live_opts){0};
    if (why) *why = WSI_LIVE_FAILED;
    if (!iface) iface = "any"; /* what libpcap does with NULL, named for messages */
    pcap_t *p = pcap_create(iface, pe);
    if (!p) {
        prefixed(errbuf, iface, pe);
        return NULL;
    }
    pcap_set_snaplen(p, o.snaplen > 0 ? o.snaplen : WSI_LIVE_SNAPLEN);
    pcap_set_promisc(p, 0);
    /* Not immediate mode: see capture.h. The timeout is how long a partly filled block waits. */
    pcap_set_buffer_size(p, o.buffer_size > 0 ? o.buffer_size : WSI_LIVE_BUFFER);
    pcap_set_timeout(p, WSI_LIVE_BLOCK_MS);
    /* Nanoseconds when the platform can; microseconds otherwise (converted on delivery). */
    (void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    int st = pcap_activate(p);
    if (st < 0) {
        activate_error(p, iface, st, why, errbuf);
        pcap_close(p);
        return NULL;
    }
    /* st > 0 is a warning (e.g. promiscuous mode unsupported): the capture works. */
    int fd = pcap_get_selectable_fd(p);
    if (fd < 0 || pcap_setnonblock(p, 1, pe) != 0) {
        snprintf(errbuf, WSI_ERRBUF, "%s: cannot wait for packets without blocking (%s)", iface,
                 fd < 0 ? "no selectable descriptor" : pe);
        pcap_close(p);
        return NULL;
    }
    int wake[2];
    if (pipe(wake) != 0) {
        snprintf(errbuf, WSI_ERRBUF, "%s: pipe: %s", iface, strerror(errno));
        pcap_close(p);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(wake[i], F_SETFL, fcntl(wake[i], F_GETFL) | O_NONBLOCK);
        fcntl(wake[i], F_SETFD, FD_CLOEXEC);
    }
    struct wsi_capture *cap = capture_new(p, NULL, iface, 0, errbuf);
    if (!cap) {
        close(wake[0]);
        close(wake[1]);
        return NULL;
    }
    cap->fd = fd;
    cap->wake[0] = wake[0];
    cap->wake[1] = wake[1];
    cap->tick_ms = o.tick_ms > 0 ? o.tick_ms : WSI_LIVE_TICK_MS;
    clock_gettime(CLOCK_MONOTONIC, &cap->next_tick);
    add_ms(&cap->next_tick, cap->tick_ms);
    return cap;
}

int wsi_capture_set_filter(struct wsi_capture *cap, const char *expr, char errbuf[WSI_ERRBUF])
{
    struct bpf_program prog;
    if (pcap_compile(cap->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(errbuf, WSI_ERRBUF, "filter \"%s\": %s", expr, pcap_geterr(cap->p));
        return -1;
    }
    if (cap->offline) {
        /* Filtering inside libpcap would hide the skipped packets from us and the
         * numbers would no longer be the file's: keep the program and test each
         * packet in wsi_capture_run instead. */
        if (cap->have_prog) pcap_freecode(&cap->prog);
        cap->prog = prog;
        cap->have_prog = 1;
        return 0;
    }
    int rc = pcap_setfilter(cap->p, &prog);
    if (rc != 0) snprintf(errbuf, WSI_ERRBUF, "filter \"%s\": %s", expr, pcap_geterr(cap->p));
    pcap_freecode(&prog);
    return rc == 0 ? 0 : -1;
}

int wsi_capture_linktype(const struct wsi_capture *cap)
{
    return pcap_datalink(cap->p);
}

/*
 * libpcap 1.10 reads pcapng files with one link type per handle and stops with
 * an error at an interface whose link type (or snap length) differs from the
 * first one's. Say what that means for the user.
 */
static void read_error(const struct wsi_capture *cap, uint64_t num, char errbuf[WSI_ERRBUF])
{
    const char *msg = pcap_geterr(cap->p);
    if (strstr(msg, "different from the type of the first interface") ||
        strstr(msg, "different from the snapshot length of the first interface"))
        snprintf(errbuf, WSI_ERRBUF,
                 "%s: packet %llu: the pcapng file mixes interfaces with different link types or snap "
                 "lengths, and libpcap reads only files whose interfaces all agree (%s); split it per "
                 "interface first (e.g. tshark -r FILE -Y frame.interface_id==0 -w PART)",
                 cap->label, (unsigned long long)num, msg);
    else
        snprintf(errbuf, WSI_ERRBUF, "%s: packet %llu: %s", cap->label, (unsigned long long)num, msg);
}

/* ---- saving (-w) ---------------------------------------------------------------------- */

int wsi_capture_save(struct wsi_capture *cap, const char *path, char errbuf[WSI_ERRBUF])
{
    char *name = strdup(path);
    pcap_dumper_t *d = name ? pcap_dump_open(cap->p, path) : NULL;
    if (!d) {
        const char *msg = name ? pcap_geterr(cap->p) : strerror(ENOMEM);
        size_t n = strlen(path);
        if (strncmp(msg, path, n) == 0 && msg[n] == ':') msg += n + 1;
        while (*msg == ' ') msg++;
        snprintf(errbuf, WSI_ERRBUF, "%s: cannot save the packets there: %s", path, msg);
        free(name);
        return -1;
    }
    if (cap->dumper) pcap_dump_close(cap->dumper);
    free(cap->save_path);
    cap->dumper = d;
    cap->save_path = name;
    cap->saved = 0;
    cap->dirty = 0;
    return 0;
}

/* The saved file could not be written: -1 with errbuf naming it and saying why. */
static int save_failed(struct wsi_capture *cap, int err, char errbuf[WSI_ERRBUF])
{
    snprintf(errbuf, WSI_ERRBUF, "%s: writing the saved packets: %s (after %llu packets)", cap->save_path,
             strerror(err ? err : EIO), (unsigned long long)cap->saved);
    return -1;
}

/* Flush the saved file when it has new packets: 0, or -1 with errbuf set. */
static int save_flush(struct wsi_capture *cap, char errbuf[WSI_ERRBUF])
{
    if (!cap->dumper || !cap->dirty) return 0;
    cap->dirty = 0;
    errno = 0;
    if (pcap_dump_flush(cap->dumper) != 0 || ferror(pcap_dump_file(cap->dumper)))
        return save_failed(cap, errno, errbuf);
    return 0;
}

int wsi_capture_save_end(struct wsi_capture *cap, char errbuf[WSI_ERRBUF])
{
    if (!cap->dumper) return 0;
    cap->dirty = 1;
    int rc = save_flush(cap, errbuf);
    pcap_dump_close(cap->dumper);
    cap->dumper = NULL;
    return rc;
}

/* ---- the kernel's counts ----------------------------------------------------------------- */

/* Read libpcap's counts and add what each grew by (they are 32-bit and wrap). */
static int read_stats(struct wsi_capture *cap)
{
    struct pcap_stat ps;
    if (cap->offline || pcap_stats(cap->p, &ps) != 0) return -1;
    cap->received += (u_int)(ps.ps_recv - cap->raw.ps_recv);
    cap->dropped += (u_int)(ps.ps_drop - cap->raw.ps_drop);
    cap->if_dropped += (u_int)(ps.ps_ifdrop - cap->raw.ps_ifdrop);
    cap->raw = ps;
    return 0;
}

int wsi_capture_stats(struct wsi_capture *cap, struct wsi_capture_stats *out)
{
    memset(out, 0, sizeof *out);
    int rc = read_stats(cap);
    out->live = rc == 0;
    if (rc == 0) {
        out->received = cap->received;
        out->dropped = cap->dropped;
        out->if_dropped = cap->if_dropped;
    }
    out->read = cap->seen;
    out->saved = cap->saved;
    out->drop_notes = cap->drop_notes;
    out->first_drop_after = cap->first_after;
    out->first_drop_before = cap->first_before;
    return rc;
}

void wsi_capture_on_drops(struct wsi_capture *cap, wsi_drop_fn fn, void *user)
{
    cap->drop_fn = fn;
    cap->drop_user = user;
}

/* The pending drops' range is closed by packet `before` (0: the end of the run). */
static void drops_closed(struct wsi_capture *cap, uint64_t before)
{
    cap->pending = 0;
    cap->note.before = before;
    if (cap->drop_notes++ == 0) {
        cap->first_after = cap->note.after;
        cap->first_before = before;
    }
    if (cap->drop_fn) cap->drop_fn(cap->drop_user, &cap->note);
}

/* A live capture's periodic check, at `now` (CLOCK_MONOTONIC): read the kernel's counts (new
 * drops open a range after the packets read by the previous check) and flush the saved file. */
static int live_tick(struct wsi_capture *cap, const struct timespec *now, char errbuf[WSI_ERRBUF])
{
    cap->next_tick = *now;
    add_ms(&cap->next_tick, cap->tick_ms);
    uint64_t d = cap->dropped, i = cap->if_dropped;
    if (read_stats(cap) == 0 && (cap->dropped > d || cap->if_dropped > i)) {
        if (!cap->pending) {
            memset(&cap->note, 0, sizeof cap->note);
            cap->note.after = cap->checked_seen;
            cap->pending = 1;
        }
        cap->note.dropped += cap->dropped - d;
        cap->note.if_dropped += cap->if_dropped - i;
        clock_gettime(CLOCK_REALTIME, &cap->noticed);
    }
    cap->checked_seen = cap->seen;
    return save_flush(cap, errbuf);
}

/* Nothing to read: flush the saved file (the kernel's buffer is empty, a good moment) and wait
 * for packets, a break or the next tick. 0, or -1 with errbuf set. */
static int live_wait(struct wsi_capture *cap, char errbuf[WSI_ERRBUF])
{
    if (save_flush(cap, errbuf) != 0) return -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!ts_before(&now, &cap->next_tick)) return live_tick(cap, &now, errbuf);
    long long ms = (long long)(cap->next_tick.tv_sec - now.tv_sec) * 1000 +
                   (cap->next_tick.tv_nsec - now.tv_nsec) / 1000000 + 1;
    struct pollfd fds[2] = {{.fd = cap->fd, .events = POLLIN}, {.fd = cap->wake[0], .events = POLLIN}};
    int n = poll(fds, 2, (int)ms);
    if (n < 0 && errno != EINTR) {
        snprintf(errbuf, WSI_ERRBUF, "%s: waiting for packets: %s", cap->label, strerror(errno));
        return -1;
    }
    if (n > 0 && (fds[1].revents & POLLIN)) {
        char b[64];
        while (read(cap->wake[0], b, sizeof b) > 0) {}
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!ts_before(&now, &cap->next_tick)) return live_tick(cap, &now, errbuf);
    return 0;
}

/* A live packet was read: drops waiting for their range are closed by the first packet stamped
 * after the check that noticed them; a check when one is due. */
static int live_packet(struct wsi_capture *cap, const struct pcap_pkthdr *h, char errbuf[WSI_ERRBUF])
{
    if (cap->pending) {
        struct timespec ts = {.tv_sec = h->ts.tv_sec, .tv_nsec = (long)h->ts.tv_usec * (cap->nano ? 1 : 1000)};
        if (!ts_before(&ts, &cap->noticed)) drops_closed(cap, cap->seen);
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!ts_before(&now, &cap->next_tick)) return live_tick(cap, &now, errbuf);
    return 0;
}

/*
 * Breaking: a break sets `stop`, which the loop checks before reading again. A
 * live run waits in poll(), never in libpcap: the break wakes it through the
 * pipe. A file's run may wait in libpcap (standard input from a pipe): a break
 * from outside the callback (a signal handler) also calls pcap_breakloop, and
 * libpcap answers some later read with PCAP_ERROR_BREAK. If that answer comes
 * in a later run (the loop had already stopped on `stop`), it is stale and the
 * read is simply retried.
 */
int wsi_capture_run(struct wsi_capture *cap, long count, wsi_packet_fn fn, void *user, char errbuf[WSI_ERRBUF])
{
    long delivered = 0;
    int rc = 0;
    while (!cap->stop && (count <= 0 || delivered < count)) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int got = pcap_next_ex(cap->p, &h, &data);
        if (got == 0) { /* live: nothing waiting */
            if (!cap->offline && live_wait(cap, errbuf) != 0) {
                rc = -1;
                break;
            }
            continue;
        }
        if (got == PCAP_ERROR_BREAK) {
            if (!cap->pcap_broken) break; /* end of the file */
            cap->pcap_broken = 0;
            continue;                     /* our break: the loop test sees `stop` (or it was stale) */
        }
        if (got < 0) {
            /* The record that failed is the one after the last one read. */
            read_error(cap, cap->seen + 1, errbuf);
            rc = -1;
            break;
        }
        cap->seen++;
        if (!cap->offline && live_packet(cap, h, errbuf) != 0) {
            rc = -1;
            break;
        }
        if (cap->have_prog && !pcap_offline_filter(&cap->prog, h, data)) continue;
        if (cap->dumper) {
            errno = 0;
            pcap_dump((u_char *)cap->dumper, h, data);
            if (ferror(pcap_dump_file(cap->dumper))) {
                rc = save_failed(cap, errno, errbuf);
                break;
            }
            cap->saved++;
            cap->dirty = 1;
        }

        struct wsi_packet pkt;
        pkt.num = cap->seen;
        /* a pcap record's seconds are an unsigned 32-bit field, which libpcap hands over sign-extended:
         * 2^31 and later would come out before 1970 */
        pkt.ts_sec = (int64_t)h->ts.tv_sec;
        if (pkt.ts_sec < 0 && pkt.ts_sec >= INT32_MIN) pkt.ts_sec += (int64_t)1 << 32;
        pkt.ts_nsec = (uint32_t)h->ts.tv_usec * (cap->nano ? 1u : 1000u);
        pkt.caplen = h->caplen;
        pkt.len = h->len;
        /* libpcap 1.10 has no per-packet link type: the handle's is every packet's. */
        pkt.linktype = pcap_datalink(cap->p);
        pkt.data = data;
        cap->in_callback = 1;
        fn(user, &pkt);
        cap->in_callback = 0;
        delivered++;
    }
    if (!cap->offline) {
        /* the counts as the run ends (an error already said comes first); drops still open end here */
        struct timespec now;
        char later[WSI_ERRBUF];
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (live_tick(cap, &now, rc ? later : errbuf) != 0) rc = -1;
        if (cap->pending) drops_closed(cap, 0);
    }
    cap->stop = 0; /* a break ends this run only */
    return rc;
}

void wsi_capture_break(struct wsi_capture *cap)
{
    cap->stop = 1;
    if (cap->wake[1] >= 0) {
        /* wake a live run waiting in poll() (a full pipe is awake already); safe in a signal handler */
        int e = errno;
        ssize_t n = write(cap->wake[1], "", 1);
        (void)n;
        errno = e;
    } else if (!cap->in_callback) {
        cap->pcap_broken = 1;
        pcap_breakloop(cap->p);
    }
}

void wsi_capture_close(struct wsi_capture *cap)
{
    if (!cap) return;
    if (cap->have_prog) pcap_freecode(&cap->prog);
    if (cap->dumper) pcap_dump_close(cap->dumper);
    free(cap->save_path);
    if (cap->wake[0] >= 0) close(cap->wake[0]);
    if (cap->wake[1] >= 0) close(cap->wake[1]);
    pcap_close(cap->p); /* closes the file, which used inbuf until then */
    free(cap->inbuf);
    free(cap->label);
    free(cap);
}
