/* main.c - wsinspect's command line: options, input, the pipeline, a renderer, the exit status. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/opensslv.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "explain.h"
#include "har.h"
#include "netdecode.h"
#include "render.h"
#include "session.h"
#include "tls.h"

#ifndef WS_VERSION
#define WS_VERSION "0.0.0"
#endif

/* Exit statuses (documented in wsinspect(1)). */
enum { EXIT_CLEAN = 0, EXIT_FOUND = 1, EXIT_USAGE = 2, EXIT_LOST = 3 };

#define PAYLOAD_ALL (-2) /* --payload all */

enum output { OUT_LADDER, OUT_JSON, OUT_SUMMARY, OUT_EXPLAIN, OUT_HTML, OUT_MERMAID };

/* Everything the command line says. */
struct cli {
    const char **files;       /* -r FILE (repeated) or the file arguments before the filter */
    int nfiles;
    const char *file;         /* the one being read ("-": standard input); NULL with -i */
    const char *iface;        /* -i IFACE */
    long count;               /* -c N (0 = all) */
    int snaplen;              /* -s N (live) */
    int buffer_size;          /* -B SIZE (live), bytes; 0: WSI_LIVE_BUFFER */
    const char *save;         /* -w FILE */
    int list;                 /* -D */
    enum output out;          /* --json / --summary / ladder */
    int frames;               /* --frames */
    long payload;             /* --payload N (-1: not given, PAYLOAD_ALL: all) */
    int payload_given;        /* --payload was given (else ladder labels fit their arrows) */
    int hexdump;              /* -x */
    uint64_t stream;          /* --stream N */
    int color;                /* -1 auto, 0 never, 1 always */
    size_t max_ooo;           /* --max-ooo */
    size_t max_conns;         /* --max-conns */
    size_t history;           /* --history */
    uint64_t max_memory;      /* --max-memory */
    int live;                 /* --live 1, --blocks 0, -1 decided by the input */
    uint64_t explain;         /* --explain N (0: not asked) */
    int time_mode;            /* --time: 0 conn, 1 capture, 2 delta, 3 abs */
    int order_start;          /* --order=start: connections printed in the order they began */
    char *filter;             /* the trailing BPF expression, joined */
    const char *keylog;       /* --keylog FILE: TLS secrets in NSS key log format */
};

/* Where packet warnings go: stderr, naming the input. */
struct warn_ctx {
    const char *input;
};

/* The capture being read, for the SIGINT handler only (a signal handler has no context argument). */
static struct wsi_capture *interrupt_target;

/* Drops a live capture noticed: each range is said on stderr as it is noticed, and in the
 * output, where it happened (a stats event through the session). */
struct drops_ctx {
    const char *iface;
    struct wsi_session *s;
};

static void on_drops(void *user, const struct wsi_drop_note *n)
{
    const struct drops_ctx *dc = user;
    const char *iface = dc->iface;
    struct wsi_stats_ev st = {.new_dropped = n->dropped, .new_if_dropped = n->if_dropped, .after = n->after,
                              .before = n->before};
    wsi_session_capture_stats(dc->s, &st);
    char what[128], where[96];
    wsi_loss_words(&st, what, where);
    if (n->before)
        fprintf(stderr, "wsinspect: %s: %s%s: gaps after this are capture losses, not the peers'\n", iface, what, where);
    else if (n->after)
        fprintf(stderr, "wsinspect: %s: %s%s, as the capture ended: gaps after it are capture losses, not the peers'\n",
                iface, what, where);
    else
        fprintf(stderr, "wsinspect: %s: %s, and no packet was read\n", iface, what);
}

/* A word for the shell: quoted when it holds anything but plain characters. */
static void shell_word(FILE *f, const char *w)
{
    if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=./:,@%") == strlen(w)) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (; *w; w++) {
        if (*w == '\'') fputs("'\\''", f);
        else fputc(*w, f);
    }
    fputc('\'', f);
}

/* No permission to capture: the three ways out, with the commands for this program and interface. */
static void explain_permission(const char *iface, const char *filter, int argc, char **argv)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) snprintf(self, sizeof self, "%s", argv[0]);
    else self[n] = '\0';
    fprintf(stderr,
            "wsinspect: capturing on %s needs the CAP_NET_RAW and CAP_NET_ADMIN capabilities, which root has. Either:\n"
            "  1. run it with sudo:\n"
            "       sudo ",
            iface);
    shell_word(stderr, self);
    for (int i = 1; i < argc; i++) {
        fputc(' ', stderr);
        shell_word(stderr, argv[i]);
    }
    fputs("\n"
          "  2. or give the program the capabilities once (then run it as you did):\n"
          "       sudo setcap cap_net_raw,cap_net_admin=eip ",
          stderr);
    shell_word(stderr, self);
    fputs("\n"
          "  3. or capture with tcpdump, then read the file:\n"
          "       sudo tcpdump -i ",
          stderr);
    shell_word(stderr, iface);
    fputs(" -w class.pcap", stderr);
    if (filter) {
        fputc(' ', stderr);
        shell_word(stderr, filter);
    }
    fputs("\n       wsinspect class.pcap\n", stderr);
}

/* -D: the interfaces, numbered, as tcpdump -D lists them. */
static int list_interfaces(void)
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, pe) != 0) {
        fprintf(stderr, "wsinspect: -D: cannot list the interfaces: %s\n", pe);
        return -1;
    }
    int i = 0;
    for (pcap_if_t *d = all; d; d = d->next) {
        printf("%d.%s", ++i, d->name);
        if (d->description) printf(" (%s)", d->description);
        const char *flag[5];
        int nf = 0;
        if (d->flags & PCAP_IF_UP) flag[nf++] = "Up";
        if (d->flags & PCAP_IF_RUNNING) flag[nf++] = "Running";
        if (d->flags & PCAP_IF_WIRELESS) flag[nf++] = "Wireless";
        switch (d->flags & PCAP_IF_CONNECTION_STATUS) {
        case PCAP_IF_CONNECTION_STATUS_CONNECTED: flag[nf++] = d->flags & PCAP_IF_WIRELESS ? "Associated" : "Connected"; break;
        case PCAP_IF_CONNECTION_STATUS_DISCONNECTED:
            flag[nf++] = d->flags & PCAP_IF_WIRELESS ? "Not associated" : "Disconnected";
            break;
        default: break; /* unknown or not applicable: nothing said */
        }
        if (d->flags & PCAP_IF_LOOPBACK) flag[nf++] = "Loopback";
        fputs(" [", stdout);
        for (int k = 0; k < nf; k++) printf("%s%s", k ? ", " : "", flag[k]);
        printf("%s]\n", nf ? "" : "none");
    }
    pcap_freealldevs(all);
    if (i == 0) fprintf(stderr, "wsinspect: -D: no interface to capture on (none found, or none allowed)\n");
    return 0;
}

/* Each packet goes to the session; a failed write stops the run at once (a full disk, a
 * device error): nothing more could be shown, so nothing more is read. */
struct run_ctx {
    struct wsi_session *s;
    struct wsi_capture *cap;
    int write_errno;          /* 0, or why the output failed */
};

static void on_packet(void *user, const struct wsi_packet *pkt)
{
    struct run_ctx *r = user;
    wsi_session_packet(r->s, pkt);
    if (ferror(stdout) && !r->write_errno) {
        r->write_errno = errno ? errno : EIO;
        wsi_capture_break(r->cap);
    }
}

/* The memory budget reached: said once at the end, besides the notes in the output. */
static void report_budget(const struct wsi_budget *b, const char *input)
{
    int any = 0;
    for (int i = 0; i < b->ngivers; i++) any |= b->giver[i].times > 0;
    if (!any) return;
    fprintf(stderr, "wsinspect: %s: the memory budget (--max-memory %llu) was reached:", input,
            (unsigned long long)b->limit);
    const char *sep = " ";
    for (int i = 0; i < b->ngivers; i++) {
        if (!b->giver[i].times) continue;
        fprintf(stderr, "%s%llu %s", sep, (unsigned long long)b->giver[i].times, b->giver[i].what);
        sep = ", ";
    }
    fputs(" (see the notes in the output)\n", stderr);
}

/* Reading a pipe (tcpdump -w - | wsinspect -r -): packets come as they happen. */
static int input_is_pipe(const char *file)
{
    struct stat st;
    if (!file) return 0;
    if (strcmp(file, "-") == 0) return fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
    return stat(file, &st) == 0 && S_ISFIFO(st.st_mode);
}

static volatile sig_atomic_t interrupted; /* SIGINT or SIGTERM: no further input is read */

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    if (interrupt_target) wsi_capture_break(interrupt_target);
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: wsinspect [options] [FILE...] [FILTER...]\n"
            "Show every WebSocket connection in a capture as a ladder diagram: the HTTP upgrade,\n"
            "the Sec-WebSocket-Accept verdict, every frame and message, and RFC 6455 violations.\n"
            "\n"
            "Input:\n"
            "  -r FILE          read a pcap or pcapng file ('-' = standard input); repeat it, or give\n"
            "                   several FILEs before the filter, to read them one after the other\n"
            "                   (connections numbered on across them, each labelled with its file)\n"
            "                   A HAR file (DevTools' \"Save all as HAR\") is read too, on its own:\n"
            "                   its WebSockets, without packets (see HAR FILES in wsinspect(1))\n"
            "  -i IFACE         capture live on IFACE\n"
            "  -c N             stop after N packets\n"
            "  -s SNAPLEN       live snap length (default 262144)\n"
            "  -B SIZE          live: the kernel's buffer, in KiB as in tcpdump, or with K, M, G\n"
            "                   (default 32M); drops are reported and end with exit status 3\n"
            "  -w FILE          also save the packets read (after the filter) to a pcap file\n"
            "  -D               list the interfaces -i can capture on, and exit\n"
            "  FILTER...        a BPF filter as in tcpdump, e.g. 'tcp port 8080'\n"
            "Output:\n"
            "  --json           JSON Lines, one object per event\n"
            "  --summary        one line per connection\n"
            "  --html           one self-contained page (open it in a browser, even offline): the\n"
            "                   connections, their ladders, the handshake and every frame's bits\n"
            "                   (previews of --payload, 1024 by default)\n"
            "  --mermaid        the ladder as a Mermaid sequenceDiagram, for slides and notes\n"
            "  --frames         one arrow per frame instead of one per message\n"
            "  --payload N      preview length in characters or bytes (default 32); 'all': whole\n"
            "                   payloads, within --max-memory (JSON, -x; labels fit the arrow)\n"
            "  -x               hex dump of each payload preview\n"
            "  --stream N       only connection N\n"
            "  --color=WHEN     auto (default), always or never; NO_COLOR disables auto\n"
            "  --live           ladder: each line as it happens, tagged #N with its connection\n"
            "                   (the default with -i and when reading a pipe)\n"
            "  --blocks         ladder: each connection's block when it ends (the default for files)\n"
            "  --time=WHEN      ladder times: conn (since the connection's first packet, the default),\n"
            "                   capture (since the capture's first packet), delta (since the line before),\n"
            "                   abs (the wall clock, local time of day)\n"
            "  --order=WHEN     ladder blocks and summary lines in the order their connections\n"
            "                   end (the default) or start\n"
            "  --explain N      frame N (capture order, both directions) of the first WebSocket\n"
            "                   connection (or of --stream's) laid out bit by bit, as RFC 6455 5.2 draws it\n"
            "TLS (wss://):\n"
            "  --keylog FILE    decrypt TLS 1.3/1.2 with the secrets in FILE (NSS key log format,\n"
            "                   as SSLKEYLOGFILE writes it); without it, TLS is described, not decrypted\n"
            "Limits:\n"
            "  --max-memory SIZE  all that is held for the traffic, in bytes or with K, M, G\n"
            "                   (default 256M, at least 4M); when reached, ladder blocks are printed\n"
            "                   early, then buffers and connections are given up, each with a note\n"
            "  --max-ooo BYTES  out-of-order bytes buffered per direction (default 4194304)\n"
            "  --max-conns N    connections tracked at once (default 65536)\n"
            "  --history BYTES  delivered bytes kept, all connections together, to compare\n"
            "                   retransmissions with (default 4194304; at most a quarter of --max-memory)\n"
            "\n"
            "  -h, --help       this help;  -V, --version  the version\n"
            "\n"
            "Exit status: 0 clean, 1 a handshake failed or a violation was found, 2 usage or input error,\n"
            "3 a live capture lost packets.\n"
            "See wsinspect(1).\n");
}

static int parse_num(const char *s, const char *what, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "wsinspect: %s: expected a whole number from %ld to %ld, got '%s'\n", what, min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* Join argv[i..] into one filter string. */
static char *join_args(int argc, char **argv, int i)
{
    size_t n = 1;
    for (int k = i; k < argc; k++) n += strlen(argv[k]) + 1;
    char *s = calloc(1, n);
    if (!s) return NULL;
    for (int k = i; k < argc; k++) {
        if (k > i) strcat(s, " ");
        strcat(s, argv[k]);
    }
    return s;
}

/* -B SIZE: a number of KiB as tcpdump's -B, or bytes with a suffix K, M or G; from 1 KiB to what
 * libpcap takes (an int of bytes). */
static int parse_buffer(const char *s, int *out)
{
    uint64_t v = 0;
    size_t n = strlen(s);
    int kib = n > 0 && s[n - 1] >= '0' && s[n - 1] <= '9';
    if (wsi_budget_parse(s, &v) != 0 || (kib && v > (uint64_t)INT_MAX / 1024)) v = 0;
    if (kib) v *= 1024;
    if (v < 1024 || v > (uint64_t)INT_MAX) {
        fprintf(stderr, "wsinspect: -B: '%s' is not a buffer size from 1 KiB to 2 GiB - 1 (a number of KiB as in "
                        "tcpdump, or with K, M, G: -B 65536, -B 64M)\n", s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* -i N, as in tcpdump: the Nth interface of -D when no interface is named N. NULL when not a number or no such. */
static char *interface_by_number(const char *arg)
{
    if (!*arg || strspn(arg, "0123456789") != strlen(arg)) return NULL;
    char pe[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, pe) != 0) return NULL;
    long want = strtol(arg, NULL, 10);
    char *name = NULL;
    long i = 0;
    pcap_if_t *d;
    for (d = all; d; d = d->next)
        if (strcmp(d->name, arg) == 0) break; /* a real interface of that name */
    if (!d)
        for (d = all; d; d = d->next)
            if (++i == want) {
                name = strdup(d->name);
                break;
            }
    pcap_freealldevs(all);
    return name;
}

/* A word meant as a file: a path, or a capture's usual extension (not a filter's first word). */
static int looks_like_path(const char *w)
{
    size_t n = strlen(w);
    static const char *const ext[] = {".pcap", ".pcapng", ".cap", ".dmp", ".gz", ".har"};
    if (strchr(w, '/')) return 1;
    for (size_t k = 0; k < sizeof ext / sizeof ext[0]; k++) {
        size_t e = strlen(ext[k]);
        if (n > e && strcmp(w + n - e, ext[k]) == 0) return 1;
    }
    return 0;
}

/* Returns -1 on a usage error (already said), 1 when done (help/version), 0 to run. */
static int parse_cli(int argc, char **argv, struct cli *c)
{
    enum { O_JSON = 256, O_SUMMARY, O_FRAMES, O_PAYLOAD, O_STREAM, O_COLOR, O_MAXOOO, O_MAXCONNS, O_HISTORY, O_KEYLOG, O_MAXMEM, O_LIVE, O_BLOCKS, O_EXPLAIN, O_TIME, O_ORDER, O_HTML, O_MERMAID };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, O_JSON},
        {"summary", no_argument, NULL, O_SUMMARY},
        {"html", no_argument, NULL, O_HTML},
        {"mermaid", no_argument, NULL, O_MERMAID},
        {"frames", no_argument, NULL, O_FRAMES},
        {"payload", required_argument, NULL, O_PAYLOAD},
        {"stream", required_argument, NULL, O_STREAM},
        {"color", optional_argument, NULL, O_COLOR},
        {"colour", optional_argument, NULL, O_COLOR},
        {"max-ooo", required_argument, NULL, O_MAXOOO},
        {"max-conns", required_argument, NULL, O_MAXCONNS},
        {"history", required_argument, NULL, O_HISTORY},
        {"max-memory", required_argument, NULL, O_MAXMEM},
        {"live", no_argument, NULL, O_LIVE},
        {"blocks", no_argument, NULL, O_BLOCKS},
        {"explain", required_argument, NULL, O_EXPLAIN},
        {"time", required_argument, NULL, O_TIME},
        {"order", required_argument, NULL, O_ORDER},
        {"keylog", required_argument, NULL, O_KEYLOG},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    long v;
    int opt;
    /* '+': stop at the first non-option, so that a filter like "tcp port 80" is left alone */
    /* options anywhere before the filter, as tcpdump and tshark users write them either side of the
     * file ("--" ends them when a filter word would start with '-') */
    while ((opt = getopt_long(argc, argv, "r:i:c:s:B:w:DxhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r': c->files[c->nfiles++] = optarg; break;
        case 'i': c->iface = optarg; break;
        case 'c':
            if (parse_num(optarg, "-c", 1, LONG_MAX, &v)) return -1;
            c->count = v;
            break;
        case 's':
            if (parse_num(optarg, "-s", 64, 262144, &v)) return -1;
            c->snaplen = (int)v;
            break;
        case 'B':
            if (parse_buffer(optarg, &c->buffer_size)) return -1;
            break;
        case 'w':
            if (strcmp(optarg, "-") == 0 || !*optarg) {
                fprintf(stderr, "wsinspect: -w: give a file name: standard output carries wsinspect's own output\n");
                return -1;
            }
            c->save = optarg;
            break;
        case 'D': c->list = 1; break;
        case 'x': c->hexdump = 1; break;
        case O_JSON: c->out = OUT_JSON; break;
        case O_SUMMARY: c->out = OUT_SUMMARY; break;
        case O_HTML: c->out = OUT_HTML; break;
        case O_MERMAID: c->out = OUT_MERMAID; break;
        case O_FRAMES: c->frames = 1; break;
        case O_PAYLOAD:
            c->payload_given = 1;
            if (strcmp(optarg, "all") == 0) {
                c->payload = PAYLOAD_ALL; /* whole payloads: held as they come, charged to --max-memory */
                break;
            }
            if (parse_num(optarg, "--payload", 0, 65536, &v)) {
                fprintf(stderr, "wsinspect: --payload all shows whole payloads\n");
                return -1;
            }
            c->payload = v;
            break;
        case O_STREAM:
            if (parse_num(optarg, "--stream", 1, LONG_MAX, &v)) return -1;
            c->stream = (uint64_t)v;
            break;
        case O_COLOR:
            if (!optarg || strcmp(optarg, "auto") == 0) c->color = -1;
            else if (strcmp(optarg, "always") == 0) c->color = 1;
            else if (strcmp(optarg, "never") == 0) c->color = 0;
            else {
                fprintf(stderr, "wsinspect: --color: expected auto, always or never, got '%s'\n", optarg);
                return -1;
            }
            break;
        case O_MAXOOO:
            if (parse_num(optarg, "--max-ooo", 0, LONG_MAX, &v)) return -1;
            c->max_ooo = (size_t)v;
            break;
        case O_MAXCONNS:
            if (parse_num(optarg, "--max-conns", 1, 100000000L, &v)) return -1;
            c->max_conns = (size_t)v;
            break;
        case O_HISTORY:
            if (parse_num(optarg, "--history", 4096, 1L << 30, &v)) return -1;
            c->history = (size_t)v;
            break;
        case O_MAXMEM:
            if (wsi_budget_parse(optarg, &c->max_memory) != 0 || c->max_memory < WSI_BUDGET_MIN) {
                fprintf(stderr, "wsinspect: --max-memory: '%s' is not a size of at least 4M (bytes, or with K, M, G)\n",
                        optarg);
                return -1;
            }
            break;
        case O_KEYLOG: c->keylog = optarg; break;
        case O_LIVE: c->live = 1; break;
        case O_BLOCKS: c->live = 0; break;
        case O_TIME:
            if (strcmp(optarg, "conn") == 0) c->time_mode = 0;
            else if (strcmp(optarg, "capture") == 0) c->time_mode = 1;
            else if (strcmp(optarg, "delta") == 0) c->time_mode = 2;
            else if (strcmp(optarg, "abs") == 0) c->time_mode = 3;
            else {
                fprintf(stderr, "wsinspect: --time: '%s' is not conn, capture, abs or delta\n", optarg);
                return -1;
            }
            break;
        case O_ORDER:
            if (strcmp(optarg, "start") == 0) c->order_start = 1;
            else if (strcmp(optarg, "end") == 0) c->order_start = 0;
            else {
                fprintf(stderr, "wsinspect: --order: '%s' is not start or end\n", optarg);
                return -1;
            }
            break;
        case O_EXPLAIN:
            if (parse_num(optarg, "--explain", 1, LONG_MAX, &v)) return -1;
            c->explain = (uint64_t)v;
            break;
        case 'h': usage(stdout); return 1;
        case 'V':
            printf("wsinspect %s\n%s\n%s\n", WS_VERSION, pcap_lib_version(), OPENSSL_VERSION_TEXT);
            return 1;
        default:
            fprintf(stderr, "Try 'wsinspect --help'.\n");
            return -1;
        }
    }
    if (c->list) return list_interfaces() == 0 ? 1 : -1;
    int i = optind;
    /* Without -r, the words before the filter that name files are the input, as in `wsinspect
     * capture.pcap` or `wsinspect a.pcap b.pcap tcp port 80`: "-", an existing file, a word that
     * looks like a capture's path (a '/' or a capture's extension), and a lone word; the first word
     * that is none of these starts the filter. */
    if (!c->nfiles && !c->iface) {
        struct stat st;
        while (i < argc && (strcmp(argv[i], "-") == 0 || stat(argv[i], &st) == 0 || looks_like_path(argv[i]) ||
                            (c->nfiles == 0 && i + 1 == argc)))
            c->files[c->nfiles++] = argv[i++];
        for (int k = 0; k < c->nfiles && i < argc; k++)
            if (strcmp(c->files[k], "-") != 0 && stat(c->files[k], &st) != 0) {
                /* a mistyped file name before a filter: say so, not a filter error or "no input" */
                fprintf(stderr, "wsinspect: %s: no such file (the words after it would be the filter: %s...)\n",
                        c->files[k], argv[i]);
                return -1;
            }
    }
    if (c->nfiles) c->file = c->files[0];
    if (c->file && c->iface) {
        fprintf(stderr, "wsinspect: give either -r FILE or -i IFACE, not both\n");
        return -1;
    }
    if (!c->file && !c->iface) {
        fprintf(stderr, "wsinspect: no input: give a capture FILE (or -r FILE), or -i IFACE%s\n",
                i < argc ? " (the words given would be a filter)" : "");
        fprintf(stderr, "Try 'wsinspect --help'.\n");
        return -1;
    }
    if (c->file && c->buffer_size) {
        fprintf(stderr, "wsinspect: -B sets the kernel's buffer of a live capture (-i IFACE); a file has none\n");
        return -1;
    }
    if (c->nfiles > 1 && c->save) {
        fprintf(stderr, "wsinspect: -w saves the packets of one input; give one file (or merge them first: "
                        "mergecap -w all.pcap FILE...)\n");
        return -1;
    }
    int stdin_uses = 0;
    for (int k = 0; k < c->nfiles; k++) stdin_uses += strcmp(c->files[k], "-") == 0;
    if (stdin_uses > 1) {
        fprintf(stderr, "wsinspect: standard input ('-') can be read once only\n");
        return -1;
    }
    struct stat in, out;
    if (c->file && c->save && strcmp(c->file, "-") != 0 && stat(c->file, &in) == 0 && stat(c->save, &out) == 0 &&
        in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
        fprintf(stderr, "wsinspect: -w %s: that is the file being read (-r %s); save to another file\n", c->save,
                c->file);
        return -1;
    }
    if (i < argc) {
        c->filter = join_args(argc, argv, i);
        if (!c->filter) return -1;
    }
    return 0;
}

static int terminal_width(void)
{
    const char *cols = getenv("COLUMNS");
    if (cols && *cols) {
        char *end;
        long v = strtol(cols, &end, 10);
        if (*end == '\0' && v >= 20 && v <= 1000) return (int)v;
    }
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
    return 80;
}

static int want_color(int setting)
{
    if (setting >= 0) return setting;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc) return 0;
    return isatty(STDOUT_FILENO);
}

static void on_warn(void *user, uint64_t packet, const char *what)
{
    const struct warn_ctx *w = user;
    if (packet) fprintf(stderr, "wsinspect: %s: packet %llu: %s\n", w->input, (unsigned long long)packet, what);
    else fprintf(stderr, "wsinspect: %s: %s\n", w->input, what);
}

/* Exit statuses from the best to the worst: clean, found, lost, usage or input error. */
static int worse(int a, int b)
{
    static const int rank[] = {[EXIT_CLEAN] = 0, [EXIT_FOUND] = 1, [EXIT_LOST] = 2, [EXIT_USAGE] = 3};
    return rank[b] > rank[a] ? b : a;
}

/* A file as messages name it (capture.c names standard input the same way). */
static const char *input_name(const char *file)
{
    return strcmp(file, "-") == 0 ? "<stdin>" : file;
}

/* Open one input (a file, or the interface of -i), its filter set and its link type checked;
 * NULL after saying why. */
static struct wsi_capture *open_input(const struct cli *c, const char *input, int argc, char **argv)
{
    char err[WSI_ERRBUF] = "";
    struct wsi_capture *cap;
    if (c->file) {
        cap = wsi_capture_open_file(c->file, err);
    } else {
        struct wsi_live_opts lopts = {.snaplen = c->snaplen, .buffer_size = c->buffer_size};
        int why = 0;
        cap = wsi_capture_open_live(c->iface, &lopts, &why, err);
        if (!cap) {
            fprintf(stderr, "wsinspect: %s\n", err);
            if (why == WSI_LIVE_PERM) explain_permission(c->iface, c->filter, argc, argv);
            else if (why == WSI_LIVE_NO_DEVICE) fprintf(stderr, "wsinspect: 'wsinspect -D' lists the interfaces to capture on\n");
            return NULL;
        }
    }
    if (!cap || (c->filter && wsi_capture_set_filter(cap, c->filter, err) != 0)) {
        fprintf(stderr, "wsinspect: %s\n", err);
        wsi_capture_close(cap);
        return NULL;
    }
    int lt = wsi_capture_linktype(cap);
    char ltname[32];
    if (!wsi_linktype_supported(lt)) {
        fprintf(stderr, "wsinspect: %s: link type %s (%d) is not supported "
                        "(Ethernet, Linux cooked SLL/SLL2, BSD loopback, raw IP are)\n",
                input, wsi_linktype_name(lt, ltname), lt);
        wsi_capture_close(cap);
        return NULL;
    }
    if (c->iface)
        fprintf(stderr, "wsinspect: listening on %s, link-type %s, snapshot length %d bytes, buffer %d KiB\n", c->iface,
                wsi_linktype_name(lt, ltname), c->snaplen, (c->buffer_size ? c->buffer_size : WSI_LIVE_BUFFER) / 1024);
    return cap;
}

/* Read one input into the session, up to its end (wsi_session_finish when it is the last, else
 * wsi_session_next_capture with the next one's label). Returns its exit status (EXIT_CLEAN, EXIT_LOST
 * or EXIT_USAGE); *stdout_closed when the output failed (said, the run is over). */
static int read_input(struct cli *c, const char *input, struct wsi_session *s, const char *next_label, int argc,
                      char **argv, int *stdout_closed)
{
    char err[WSI_ERRBUF] = "";
    struct wsi_session_stats before = *wsi_session_stats(s);
    struct wsi_capture *cap = open_input(c, input, argc, argv);
    if (!cap) {
        if (next_label) wsi_session_next_capture(s, next_label);
        else wsi_session_finish(s);
        return EXIT_USAGE;
    }
    int status = EXIT_CLEAN;
    if (c->save && wsi_capture_save(cap, c->save, err) != 0) {
        fprintf(stderr, "wsinspect: -w %s\n", err);
        wsi_capture_close(cap);
        return EXIT_USAGE;
    }
    struct drops_ctx dc = {.iface = c->iface, .s = s};
    if (c->iface) wsi_capture_on_drops(cap, on_drops, &dc);

    interrupt_target = cap;
    if (interrupted) wsi_capture_break(cap);
    struct run_ctx run = {.s = s, .cap = cap};
    errno = 0;
    int read_failed = wsi_capture_run(cap, c->count, on_packet, &run, err) != 0;
    interrupt_target = NULL;
    if (run.write_errno) {
        fprintf(stderr, "wsinspect: writing the output: %s (stopped after packet %llu of %s)\n",
                strerror(run.write_errno), (unsigned long long)(wsi_session_stats(s)->packets - before.packets), input);
        /* what is left cannot be written either: the rest goes nowhere, quietly */
        if (!freopen("/dev/null", "w", stdout)) clearerr(stdout);
        *stdout_closed = 1;
        wsi_capture_close(cap);
        return EXIT_USAGE;
    }
    /* Whatever was read is shown, even after a read error. */
    if (next_label) wsi_session_next_capture(s, next_label);
    else wsi_session_finish(s);
    if (read_failed) fprintf(stderr, "wsinspect: %s\n", err);
    /* the saved file complete; a live capture's counts, any loss making the exit status 3 */
    struct wsi_capture_stats cs;
    if (wsi_capture_stats(cap, &cs) == 0) {
        fprintf(stderr,
                "wsinspect: %s: %llu packets received, %llu dropped by the kernel, %llu dropped by the interface (%llu read)\n",
                input, (unsigned long long)cs.received, (unsigned long long)cs.dropped,
                (unsigned long long)cs.if_dropped, (unsigned long long)cs.read);
        if (cs.dropped || cs.if_dropped) status = EXIT_LOST;
        /* and in the output, in every view: the ladder's last line, the summary's, a JSON stats object */
        struct wsi_stats_ev st = {.final = 1, .received = cs.received, .dropped = cs.dropped, .if_dropped = cs.if_dropped};
        wsi_session_capture_stats(s, &st);
    }
    if (c->save) {
        if (wsi_capture_save_end(cap, err) != 0) {
            fprintf(stderr, "wsinspect: -w %s\n", err);
            read_failed = 1;
        } else {
            fprintf(stderr, "wsinspect: %llu packets saved to %s\n", (unsigned long long)cs.saved, c->save);
        }
    }
    wsi_capture_close(cap);
    const struct wsi_session_stats *st = wsi_session_stats(s);
    uint64_t packets = st->packets - before.packets, conns = st->connections - before.connections;
    if (packets == 0 && !read_failed && c->file)
        fprintf(stderr, "wsinspect: %s: no packets%s\n", input, c->filter ? " matched the filter" : "");
    else if (st->websockets == before.websockets && conns == 0 && packets > 0)
        fprintf(stderr, "wsinspect: %s: %llu packets, no TCP connections\n", input, (unsigned long long)packets);
    return read_failed ? EXIT_USAGE : status;
}

/* The input is a HAR (a JSON object), not a capture: decided by its first bytes, whatever its name.
 * Standard input from a pipe is peeked at by one byte, pushed back for libpcap: a capture never
 * starts with '{', a space, a tab, CR or a UTF-8 BOM ('\n' starts a pcapng). */
static int input_is_har(const char *file)
{
    uint8_t b[64];
    size_t n = 0;
    if (strcmp(file, "-") == 0) {
        struct stat st;
        if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
            off_t pos = lseek(0, 0, SEEK_CUR);
            ssize_t r = pos >= 0 ? pread(0, b, sizeof b, pos) : -1;
            n = r > 0 ? (size_t)r : 0;
        } else {
            int ch = getc(stdin);
            if (ch == EOF) return 0;
            ungetc(ch, stdin);
            return ch == '{' || ch == ' ' || ch == '\t' || ch == '\r' || ch == 0xEF;
        }
    } else {
        FILE *f = fopen(file, "rb");
        if (!f) return 0;
        n = fread(b, 1, sizeof b, f);
        fclose(f);
    }
    return wsi_har_sniff(b, n);
}

/* What a capture's options would mean for a HAR, which has no packets: said, and refused. */
static int har_options_ok(const struct cli *c, const char *input)
{
    if (c->nfiles > 1) {
        fprintf(stderr, "wsinspect: %s: a HAR file (the browser's record of its messages) is read on its own, not "
                        "with other files\n", input);
        return 0;
    }
    const char *opt = c->filter      ? "a filter"
                      : c->save      ? "-w"
                      : c->keylog    ? "--keylog"
                      : c->count     ? "-c"
                      : c->explain   ? "--explain"
                                     : NULL;
    if (!opt) return 1;
    fprintf(stderr, "wsinspect: %s is a HAR file (the browser's record of its messages), not a capture: %s applies to "
                    "packets and frames, which a HAR does not have\n", input, opt);
    return 0;
}

/* Read a HAR: its WebSocket entries as connections through the sink. Returns the exit status. */
static int run_har(const struct cli *c, const char *input, struct wsi_budget *budget, const struct wsi_sink *sink,
                   size_t preview)
{
    char err[600], dir[4096] = ".";
    char *text = NULL;
    size_t len = 0;
    if (wsi_har_load(c->file, budget, &text, &len, err, sizeof err) != 0) {
        fprintf(stderr, "wsinspect: %s\n", err);
        return EXIT_USAGE;
    }
    const char *slash = strrchr(c->file, '/');
    if (slash && (size_t)(slash - c->file) < sizeof dir) snprintf(dir, sizeof dir, "%.*s", (int)(slash - c->file), c->file);
    if (slash == c->file) snprintf(dir, sizeof dir, "/");
    struct wsi_har_opts ho = {
        .preview_max = preview,
        .only_conn = c->stream,
        .budget = budget,
        .name = input,
        .dir = strcmp(c->file, "-") == 0 ? NULL : dir,
    };
    struct wsi_har_stats st;
    int failed = wsi_har_read(text, len, &ho, sink, &st, err, sizeof err) != 0;
    wsi_har_unload(budget, text, len);
    if (failed)
        fprintf(stderr, "wsinspect: %s: %s%s\n", input, err, st.websockets ? " (the connections before it are shown)" : "");
    report_budget(budget, input);
    int status = st.failed_handshakes ? EXIT_FOUND : EXIT_CLEAN;
    if (failed) status = EXIT_USAGE;
    if (!failed && st.websockets == 0)
        fprintf(stderr, "wsinspect: %s: a HAR%s%s of %llu entr%s, none of them a WebSocket\n", input,
                st.producer[0] ? " by " : "", st.producer, (unsigned long long)st.entries, st.entries == 1 ? "y" : "ies");
    if (c->stream && c->stream > st.websockets && !failed) {
        fprintf(stderr, "wsinspect: %s: --stream %llu: there is no connection %llu (the HAR has %llu WebSocket%s)\n", input,
                (unsigned long long)c->stream, (unsigned long long)c->stream, (unsigned long long)st.websockets,
                st.websockets == 1 ? "" : "s");
        status = EXIT_USAGE;
    }
    return status;
}

int main(int argc, char **argv)
{
    struct cli c = {.payload = -1, .color = -1, .snaplen = WSI_LIVE_SNAPLEN, .live = -1};
    /* everything main owns, released in one place at the end */
    struct wsi_ladder *ladder = NULL;
    struct wsi_json *json = NULL;
    struct wsi_summary *summary = NULL;
    struct wsi_explain *explain = NULL;
    struct wsi_html *html = NULL;
    struct wsi_mermaid *mermaid = NULL;
    struct wsi_keylog *kl = NULL;
    struct wsi_session *s = NULL;
    int status = EXIT_USAGE;
    int stdout_closed = 0; /* the output failed: it was reported already */
    char *iface_n = NULL;  /* -i N: the Nth interface's name */
    char *all = NULL;      /* several files: their names, for what is said of them all */

    c.files = calloc((size_t)argc + 1, sizeof *c.files);
    if (!c.files) {
        fprintf(stderr, "wsinspect: out of memory\n");
        return EXIT_USAGE;
    }
    int rc = parse_cli(argc, argv, &c);
    if (rc) {
        status = rc > 0 ? EXIT_CLEAN : EXIT_USAGE;
        goto out;
    }

    if (c.payload == -1) c.payload = c.out == OUT_HTML ? 1024 : 32; /* the page shows whole short messages */
    if (c.iface && (iface_n = interface_by_number(c.iface))) c.iface = iface_n;
    const char *input = c.file ? input_name(c.file) : c.iface;
    if (c.nfiles > 1) {
        size_t n = 1;
        for (int k = 0; k < c.nfiles; k++) n += strlen(input_name(c.files[k])) + 2;
        if (!(all = calloc(1, n))) {
            fprintf(stderr, "wsinspect: out of memory\n");
            goto out;
        }
        for (int k = 0; k < c.nfiles; k++) {
            if (k) strcat(all, ", ");
            strcat(all, input_name(c.files[k]));
        }
    }
    int har = 0;
    for (int k = 0; k < c.nfiles; k++) har |= input_is_har(c.files[k]);
    if (har && !har_options_ok(&c, all ? all : input)) goto out;
    if (c.keylog) {
        char kerr[256];
        kl = wsi_keylog_load(c.keylog, kerr);
        if (!kl) {
            fprintf(stderr, "wsinspect: %s\n", kerr);
            goto out;
        }
        const char *kw = wsi_keylog_warning(kl);
        if (kw) fprintf(stderr, "wsinspect: %s\n", kw);
    }

    /* One memory budget for the session and the renderer. */
    static struct wsi_budget budget;
    wsi_budget_init(&budget, c.max_memory ? c.max_memory : WSI_BUDGET_DEFAULT);

    int any_pipe = 0;
    for (int k = 0; k < c.nfiles; k++) any_pipe |= input_is_pipe(c.files[k]);
    /* The renderer. */
    struct wsi_render_opts ro = {
        .budget = &budget,
        .out = stdout,
        .width = terminal_width(),
        .color = want_color(c.color),
        .payload = c.payload == PAYLOAD_ALL ? SIZE_MAX : (size_t)c.payload,
        .payload_auto = !c.payload_given,
        .frames = c.frames,
        .hexdump = c.hexdump,
        .live = c.live >= 0 ? c.live : !har && (c.iface != NULL || any_pipe),
        .time_mode = c.time_mode,
        .order_start = c.order_start,
    };
    struct wsi_sink sink = {0};
    if (c.explain) c.out = OUT_EXPLAIN;
    switch (c.out) {
    case OUT_EXPLAIN:
        explain = wsi_explain_new(&ro, c.stream, c.explain);
        sink = (struct wsi_sink){.event = wsi_explain_event, .self = explain};
        break;
    case OUT_JSON:
        json = wsi_json_new(&ro);
        sink = (struct wsi_sink){.event = wsi_json_event, .self = json};
        break;
    case OUT_HTML:
        if (c.nfiles) { /* the files by their names, as the page names them and repeats them in its commands */
            const char **names = calloc((size_t)c.nfiles, sizeof *names);
            for (int k = 0; names && k < c.nfiles; k++) names[k] = input_name(c.files[k]);
            html = names ? wsi_html_new(&ro, names, c.nfiles) : NULL;
            free(names);
        } else {
            html = wsi_html_new(&ro, &input, 1);
        }
        sink = (struct wsi_sink){.event = wsi_html_event, .self = html};
        break;
    case OUT_MERMAID:
        mermaid = wsi_mermaid_new(&ro);
        sink = (struct wsi_sink){.event = wsi_mermaid_event, .self = mermaid};
        break;
    case OUT_SUMMARY:
        summary = wsi_summary_new(&ro);
        sink = (struct wsi_sink){.event = wsi_summary_event, .self = summary};
        break;
    default:
        ladder = wsi_ladder_new(&ro);
        sink = (struct wsi_sink){.event = wsi_ladder_event, .self = ladder};
        /* over the budget, printing a block early is the first way out: it loses nothing */
        if (ladder) wsi_budget_giver(&budget, wsi_ladder_give, ladder, "ladder blocks printed early");
        break;
    }
    struct warn_ctx wc = {.input = input};
    /* bytes kept per frame and message: 4 a character (UTF-8); all: up to the memory budget,
     * which gives way (with a note) before a larger payload is held */
    size_t preview = c.payload == PAYLOAD_ALL ? (size_t)budget.limit : c.payload > 256 ? (size_t)c.payload * 4 : 256;
    if (har) {
        /* a HAR: no session of packets; its events go to the renderer */
        static char harbuf[1 << 16];
        if (!sink.self) {
            fprintf(stderr, "wsinspect: out of memory\n");
            goto out;
        }
        if (ro.live) setvbuf(stdout, NULL, _IOLBF, 0);
        else setvbuf(stdout, harbuf, _IOFBF, sizeof harbuf);
        status = run_har(&c, input, &budget, &sink, preview);
        goto out;
    }
    struct wsi_session_opts so = {
        .preview_max = preview,
        .limits = {.max_ooo_bytes = c.max_ooo, .max_conns = c.max_conns, .history_bytes = c.history},
        .only_conn = c.stream,
        .keylog = kl,
        .budget = &budget,
        .warn = on_warn,
        .warn_user = &wc,
        .file = all ? input : NULL, /* several files: each connection says which it is in */
    };
    if (!sink.self || !(s = wsi_session_new(&so, &sink))) {
        fprintf(stderr, "wsinspect: out of memory\n");
        goto out;
    }
    /* live: a line at a time; a file: large writes (glibc ignores the size without a buffer) */
    static char outbuf[1 << 16];
    if (c.iface || ro.live) {
        setvbuf(stdout, NULL, _IOLBF, 0);
    } else if (json) {
        /* one buffer, the JSON writer's: each full one written at once, not copied again */
        setvbuf(stdout, NULL, _IONBF, 0);
        wsi_json_own_buffer(json);
    } else {
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    }

    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    /* Each input in turn, into the one session: connections numbered on across files, one exit
     * status for all (the worst), each message naming its file. */
    status = EXIT_CLEAN;
    for (int k = 0; k < (c.nfiles ? c.nfiles : 1) && !stdout_closed && !interrupted; k++) {
        c.file = c.nfiles ? c.files[k] : NULL;
        input = c.file ? input_name(c.file) : c.iface;
        wc.input = input;
        const char *next = all && k + 1 < c.nfiles ? input_name(c.files[k + 1]) : NULL;
        status = worse(status, read_input(&c, input, s, next, argc, argv, &stdout_closed));
    }
    if (stdout_closed) goto out;
    if (all) input = all;
    report_budget(&budget, input);

    const struct wsi_session_stats *st = wsi_session_stats(s);
    int no_frame = explain && wsi_explain_free(explain, input) != 0; /* says so on stderr */
    explain = NULL;
    if (st->failed_handshakes || st->violations) status = worse(status, EXIT_FOUND);
    if (no_frame) status = EXIT_USAGE;
    if (c.stream && c.stream > st->connections && status != EXIT_USAGE) {
        if (all)
            fprintf(stderr, "wsinspect: %s: --stream %llu: there is no connection %llu (the %d captures have %llu)\n",
                    input, (unsigned long long)c.stream, (unsigned long long)c.stream, c.nfiles,
                    (unsigned long long)st->connections);
        else
            fprintf(stderr, "wsinspect: %s: --stream %llu: there is no connection %llu (the capture has %llu)\n", input,
                    (unsigned long long)c.stream, (unsigned long long)c.stream, (unsigned long long)st->connections);
        status = EXIT_USAGE;
    }

out:
    wsi_session_free(s);
    wsi_keylog_free(kl);
    wsi_ladder_free(ladder);
    wsi_json_free(json);
    wsi_summary_free(summary);
    wsi_html_free(html);
    wsi_mermaid_free(mermaid);
    wsi_explain_free(explain, NULL); /* only on a path that stopped before the end: nothing to say */
    free(c.filter);
    free(c.files);
    free(all);
    free(iface_n);
    if (!stdout_closed && fflush(stdout) != 0) {
        fprintf(stderr, "wsinspect: writing the output: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    return status;
}
