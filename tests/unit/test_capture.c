/* test_capture.c - stage 1 unit tests: pcap and pcapng files written here, read back through wsi_capture_*. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <grp.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "netdecode.h"

#define MAXP 16

/* The temporary directory the files of one test run go to. */
struct env {
    char dir[64];  /* mkdtemp'd directory */
    char path[128];/* scratch: a file in it */
};

/* What a run delivered. */
struct got {
    int n;                       /* packets delivered */
    uint64_t num[MAXP];          /* their numbers */
    int64_t sec[MAXP];           /* timestamps */
    uint32_t nsec[MAXP];
    uint32_t caplen[MAXP], len[MAXP];
    int linktype[MAXP];
    uint8_t first[MAXP];         /* first data byte */
    uint8_t last[MAXP];          /* last captured byte */
    struct wsi_capture *cap;     /* for breaking from the callback */
    int break_after;             /* break once this many have arrived (0: never) */
};

static void collect(void *user, const struct wsi_packet *pkt)
{
    struct got *g = user;
    assert_true(g->n < MAXP);
    int i = g->n++;
    g->num[i] = pkt->num;
    g->sec[i] = pkt->ts_sec;
    g->nsec[i] = pkt->ts_nsec;
    g->caplen[i] = pkt->caplen;
    g->len[i] = pkt->len;
    g->linktype[i] = pkt->linktype;
    g->first[i] = pkt->caplen ? pkt->data[0] : 0;
    g->last[i] = pkt->caplen ? pkt->data[pkt->caplen - 1] : 0;
    if (g->break_after && g->n == g->break_after) wsi_capture_break(g->cap);
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    if (!e) return -1;
    snprintf(e->dir, sizeof e->dir, "/tmp/wsi_capture_XXXXXX");
    if (!mkdtemp(e->dir)) return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    int rc = system(cmd);
    free(e);
    return rc == 0 ? 0 : -1;
}

/* e->path = DIR/name */
static const char *file_in(struct env *e, const char *name)
{
    snprintf(e->path, sizeof e->path, "%s/%s", e->dir, name);
    return e->path;
}

/* An Ethernet/IPv4/TCP frame of `size` bytes (>= 54) between two ports; byte i of the payload is `fill`. */
static size_t frame(uint8_t *b, size_t size, unsigned sport, unsigned dport, uint8_t fill)
{
    static const uint8_t hdr[54] = {
        0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,                   /* Ethernet */
        0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,     /* IPv4 */
        0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0x20, 0, 0, 0, 0, 0,     /* TCP */
    };
    memcpy(b, hdr, sizeof hdr);
    b[16] = (uint8_t)((size - 14) >> 8);
    b[17] = (uint8_t)(size - 14);
    b[34] = (uint8_t)(sport >> 8);
    b[35] = (uint8_t)sport;
    b[36] = (uint8_t)(dport >> 8);
    b[37] = (uint8_t)dport;
    memset(b + 54, fill, size - 54);
    return size;
}

/* One packet to write. */
struct wpkt {
    int64_t sec;      /* timestamp */
    uint32_t frac;    /* nanoseconds or microseconds, as the file's precision */
    uint16_t sport, dport;
    uint32_t size;    /* frame bytes */
    uint32_t caplen;  /* bytes saved (0: all) */
};

/* Write a pcap file of Ethernet frames at the given precision. */
static void write_pcap(const char *path, int precision, const struct wpkt *w, int n)
{
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, (u_int)precision);
    assert_non_null(dead);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    if (!d) fail_msg("%s", pcap_geterr(dead));
    for (int i = 0; i < n; i++) {
        uint8_t b[2048];
        struct pcap_pkthdr h;
        frame(b, w[i].size, w[i].sport, w[i].dport, (uint8_t)(0xA0 + i));
        h.ts.tv_sec = (time_t)w[i].sec;
        h.ts.tv_usec = (suseconds_t)w[i].frac;
        h.len = w[i].size;
        h.caplen = w[i].caplen ? w[i].caplen : w[i].size;
        pcap_dump((u_char *)d, &h, b);
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

/* Open, expecting success. */
static struct wsi_capture *open_ok(const char *path)
{
    char err[WSI_ERRBUF] = "";
    struct wsi_capture *cap = wsi_capture_open_file(path, err);
    if (!cap) fail_msg("open %s: %s", path, err);
    return cap;
}

/* Open, expecting failure with a message that holds `a` and `b`. */
static void open_fails(const char *path, const char *a, const char *b)
{
    char err[WSI_ERRBUF] = "";
    struct wsi_capture *cap = wsi_capture_open_file(path, err);
    if (cap) {
        wsi_capture_close(cap);
        fail_msg("%s opened", path);
    }
    if (!strstr(err, a) || !strstr(err, b)) fail_msg("\"%s\" lacks \"%s\" or \"%s\"", err, a, b);
}

static const struct wpkt three[] = {
    {1700000000, 123456789, 40000, 80, 60, 0},
    {1700000000, 999999999, 80, 40000, 1514, 100},
    {1700000005, 1, 40000, 443, 200, 0},
};

/* Nanosecond pcap: numbers, exact timestamps, captured and wire lengths, data. */
static void test_pcap_nano(void **state)
{
    const char *path = file_in(*state, "nano.pcap");
    write_pcap(path, PCAP_TSTAMP_PRECISION_NANO, three, 3);
    struct wsi_capture *cap = open_ok(path);
    assert_int_equal(wsi_capture_linktype(cap), DLT_EN10MB);
    struct got g;
    memset(&g, 0, sizeof g);
    char err[WSI_ERRBUF];
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    wsi_capture_close(cap);
    assert_int_equal(g.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g.num[i], (uint64_t)i + 1);
        assert_int_equal(g.sec[i], three[i].sec);
        assert_int_equal(g.nsec[i], three[i].frac);
        assert_int_equal(g.len[i], three[i].size);
        assert_int_equal(g.caplen[i], three[i].caplen ? three[i].caplen : three[i].size);
        assert_int_equal(g.linktype[i], DLT_EN10MB);
        assert_int_equal(g.first[i], 0x02);
        assert_int_equal(g.last[i], 0xA0 + i);
    }
}

/* Microsecond pcap: timestamps come out in nanoseconds. */
static void test_pcap_micro(void **state)
{
    static const struct wpkt w[] = {{1600000000, 654321, 1, 2, 60, 0}, {1600000001, 0, 1, 2, 60, 0}};
    const char *path = file_in(*state, "micro.pcap");
    write_pcap(path, PCAP_TSTAMP_PRECISION_MICRO, w, 2);
    struct wsi_capture *cap = open_ok(path);
    struct got g;
    memset(&g, 0, sizeof g);
    char err[WSI_ERRBUF];
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    wsi_capture_close(cap);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.sec[0], 1600000000);
    assert_int_equal(g.nsec[0], 654321000);
    assert_int_equal(g.nsec[1], 0);
}

/* A pcap record's seconds are unsigned: 2^31 and 2^32 - 1 are after 2038, not before 1970. */
static void test_pcap_unsigned_seconds(void **state)
{
    static const struct wpkt w[] = {{2147483647, 0, 1, 2, 60, 0}, {2147483648LL, 0, 1, 2, 60, 0},
                                    {4294967295LL, 5, 1, 2, 60, 0}};
    const char *path = file_in(*state, "unsigned.pcap");
    write_pcap(path, PCAP_TSTAMP_PRECISION_MICRO, w, 3);
    struct wsi_capture *cap = open_ok(path);
    struct got g;
    memset(&g, 0, sizeof g);
    char err[WSI_ERRBUF];
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    wsi_capture_close(cap);
    assert_int_equal(g.n, 3);
    assert_true(g.sec[0] == 2147483647LL);
    assert_true(g.sec[1] == 2147483648LL);
    assert_true(g.sec[2] == 4294967295LL);
    assert_int_equal(g.nsec[2], 5000);
}

/* A count stops the run; the next run carries on with the file's numbering. */
static void test_count(void **state)
{
    const char *path = file_in(*state, "count.pcap");
    write_pcap(path, PCAP_TSTAMP_PRECISION_NANO, three, 3);
    struct wsi_capture *cap = open_ok(path);
    struct got g;
    memset(&g, 0, sizeof g);
    char err[WSI_ERRBUF];
    assert_int_equal(wsi_capture_run(cap, 2, collect, &g, err), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.num[1], 2);
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.num[2], 3);
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0); /* at the end: nothing more */
    assert_int_equal(g.n, 3);
    wsi_capture_close(cap);
}

/* A filter picks packets, which keep their numbers in the file; a count counts picked ones. */
static void test_filter(void **state)
{
    static const struct wpkt w[] = {
        {1, 0, 40000, 80, 60, 0}, {2, 0, 40000, 443, 60, 0}, {3, 0, 80, 40001, 60, 0},
        {4, 0, 5353, 5353, 60, 0}, {5, 0, 40002, 80, 60, 0},
    };
    const char *path = file_in(*state, "filter.pcap");
    write_pcap(path, PCAP_TSTAMP_PRECISION_NANO, w, 5);
    struct wsi_capture *cap = open_ok(path);
    char err[WSI_ERRBUF];
    assert_int_equal(wsi_capture_set_filter(cap, "tcp port 80", err), 0);
    struct got g;
    memset(&g, 0, sizeof g);
    assert_int_equal(wsi_capture_run(cap, 2, collect, &g, err), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.num[0], 1);
    assert_int_equal(g.num[1], 3);
    assert_int_equal(g.sec[1], 3);
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.num[2], 5);
    wsi_capture_close(cap);
}

/* A filter that does not compile: -1 and a message quoting it. */
static void test_bad_filter(void **state)
{
    const char *path = file_in(*state, "badfilter.pcap");
    write_pcap(path, PCAP_TSTAMP_PRECISION_NANO, three, 1);
    struct wsi_capture *cap = open_ok(path);
    char err[WSI_ERRBUF] = "";
    assert_int_equal(wsi_capture_set_filter(cap, "tcp port banana", err), -1);
    assert_non_null(strstr(err, "tcp port banana"));
    assert_true(strlen(err) > strlen("filter \"tcp port banana\": "));
    wsi_capture_close(cap);
}

/* Files that cannot be opened: each message names the file and says why. */
static void test_open_errors(void **state)
{
    struct env *e = *state;
    open_fails("/nonexistent-dir/missing.pcap", "/nonexistent-dir/missing.pcap", "No such file");
    /* a directory (given for the files in it): one plain sentence, not a reader's "Is a directory" */
    open_fails("/tmp/", "/tmp/", "a directory, not a capture file (name the files in it, e.g. /tmp/*.pcap)");

    const char *path = file_in(e, "text.pcap");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("hello, this is not a capture\n", f);
    fclose(f);
    open_fails(path, path, "bad magic 0x68656c6c");

    path = file_in(e, "empty.pcap");
    f = fopen(path, "wb");
    assert_non_null(f);
    fclose(f);
    open_fails(path, path, "empty");

    path = file_in(e, "two.pcap");
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("\xd4\xc3", f);
    fclose(f);
    open_fails(path, path, "too short");
}

/* Size in bytes of a pcap file holding records of these captured sizes. */
static long pcap_size(const uint32_t *cap, int n)
{
    long s = 24;
    for (int i = 0; i < n; i++) s += 16 + (long)cap[i];
    return s;
}

/* A file cut inside a record: the earlier packets arrive, then -1 naming file and packet. */
static void test_truncated_file(void **state)
{
    static const struct wpkt w[] = {{1, 0, 1, 2, 100, 0}, {2, 0, 1, 2, 100, 0}, {3, 0, 1, 2, 100, 0}};
    static const uint32_t sizes[] = {100, 100, 100};
    struct {
        long cut;          /* file size after the cut */
        const char *what;  /* in the message */
    } cuts[] = {
        {pcap_size(sizes, 2) + 16 + 50, "tried to read 100 captured bytes, only got 50"}, /* in the data */
        {pcap_size(sizes, 2) + 5, "header bytes"},                                        /* in the header */
    };
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        const char *path = file_in(*state, "cut.pcap");
        write_pcap(path, PCAP_TSTAMP_PRECISION_NANO, w, 3);
        assert_int_equal(truncate(path, cuts[k].cut), 0);
        struct wsi_capture *cap = open_ok(path);
        struct got g;
        memset(&g, 0, sizeof g);
        char err[WSI_ERRBUF] = "";
        assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), -1);
        wsi_capture_close(cap);
        assert_int_equal(g.n, 2);
        assert_int_equal(g.num[1], 2);
        char want[256];
        snprintf(want, sizeof want, "%s: packet 3: ", path);
        if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, cuts[k].what))
            fail_msg("got \"%s\"", err);
    }
}

/* Breaking from the callback ends the run at once; a later run resumes. */
static void test_break(void **state)
{
    static const struct wpkt w[] = {{1, 0, 1, 2, 60, 0}, {2, 0, 1, 2, 60, 0}, {3, 0, 1, 2, 60, 0},
                                    {4, 0, 1, 2, 60, 0}, {5, 0, 1, 2, 60, 0}};
    const char *path = file_in(*state, "break.pcap");
    write_pcap(path, PCAP_TSTAMP_PRECISION_NANO, w, 5);
    struct wsi_capture *cap = open_ok(path);
    struct got g;
    memset(&g, 0, sizeof g);
    g.cap = cap;
    g.break_after = 2;
    char err[WSI_ERRBUF];
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    assert_int_equal(g.n, 2);
    g.break_after = 0;
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    assert_int_equal(g.n, 5);
    assert_int_equal(g.num[2], 3);
    assert_int_equal(g.num[4], 5);
    wsi_capture_close(cap);

    /* A break outside any run (as from a signal handler between runs) stops the
     * next run before its first packet, and only that one. */
    cap = open_ok(path);
    memset(&g, 0, sizeof g);
    wsi_capture_break(cap);
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(wsi_capture_run(cap, 2, collect, &g, err), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.num[0], 1);
    wsi_capture_close(cap);
}

/* "-" reads standard input. */
static void test_stdin(void **state)
{
    const char *path = file_in(*state, "stdin.pcap");
    write_pcap(path, PCAP_TSTAMP_PRECISION_NANO, three, 3);
    int saved = dup(0);
    assert_true(saved >= 0);
    assert_non_null(freopen(path, "rb", stdin));
    struct wsi_capture *cap = open_ok("-");
    struct got g;
    memset(&g, 0, sizeof g);
    char err[WSI_ERRBUF];
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    wsi_capture_close(cap);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.nsec[0], 123456789);
}

/* ---- pcapng, byte by byte -------------------------------------------------- */

/* A pcapng file under construction, little-endian. */
struct ng {
    uint8_t b[4096]; /* the bytes */
    size_t n;        /* written so far */
};

static void ng32(struct ng *g, uint32_t v)
{
    assert_true(g->n + 4 <= sizeof g->b);
    for (int i = 0; i < 4; i++) g->b[g->n++] = (uint8_t)(v >> (8 * i));
}

static void ng16(struct ng *g, unsigned v)
{
    assert_true(g->n + 2 <= sizeof g->b);
    g->b[g->n++] = (uint8_t)v;
    g->b[g->n++] = (uint8_t)(v >> 8);
}

/* Section header block, version 1.0, unknown section length. */
static void ng_shb(struct ng *g)
{
    ng32(g, 0x0A0D0D0A);
    ng32(g, 28);
    ng32(g, 0x1A2B3C4D);
    ng16(g, 1);
    ng16(g, 0);
    ng32(g, 0xFFFFFFFF);
    ng32(g, 0xFFFFFFFF);
    ng32(g, 28);
}

/* Interface description block; tsresol < 0: no if_tsresol option (microseconds). */
static void ng_idb(struct ng *g, unsigned linktype, int tsresol)
{
    uint32_t len = 20 + (tsresol >= 0 ? 12 : 0);
    ng32(g, 1);
    ng32(g, len);
    ng16(g, linktype);
    ng16(g, 0);
    ng32(g, 262144);
    if (tsresol >= 0) {
        ng16(g, 9);  /* if_tsresol */
        ng16(g, 1);
        g->b[g->n++] = (uint8_t)tsresol;
        g->b[g->n++] = 0; g->b[g->n++] = 0; g->b[g->n++] = 0; /* padding */
        ng32(g, 0);  /* opt_endofopt */
    }
    ng32(g, len);
}

/* Enhanced packet block holding an Ethernet frame of `size` bytes, `caplen` of them kept. */
static void ng_epb(struct ng *g, uint32_t ifid, uint64_t ts, uint32_t size, uint32_t caplen, uint8_t fill)
{
    uint8_t fr[1600];
    frame(fr, size, 1234, 80, fill);
    uint32_t padded = (caplen + 3) & ~3u;
    uint32_t len = 32 + padded;
    ng32(g, 6);
    ng32(g, len);
    ng32(g, ifid);
    ng32(g, (uint32_t)(ts >> 32));
    ng32(g, (uint32_t)ts);
    ng32(g, caplen);
    ng32(g, size);
    assert_true(g->n + padded <= sizeof g->b);
    memcpy(g->b + g->n, fr, caplen);
    memset(g->b + g->n + caplen, 0, padded - caplen);
    g->n += padded;
    ng32(g, len);
}

static void ng_write(const struct ng *g, const char *path)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(g->b, 1, g->n, f), g->n);
    assert_int_equal(fclose(f), 0);
}

/* Two Ethernet interfaces, one in nanoseconds and one in microseconds. */
static void test_pcapng(void **state)
{
    struct ng *g = calloc(1, sizeof *g);
    assert_non_null(g);
    ng_shb(g);
    ng_idb(g, DLT_EN10MB, 9);
    ng_idb(g, DLT_EN10MB, -1);
    ng_epb(g, 0, 1700000000123456789ull, 60, 60, 0xB1);
    ng_epb(g, 1, 1700000001654321ull, 77, 77, 0xB2);
    ng_epb(g, 0, 1700000002000000001ull, 1514, 99, 0xB3);
    const char *path = file_in(*state, "two-if.pcapng");
    ng_write(g, path);
    free(g);

    struct wsi_capture *cap = open_ok(path);
    assert_int_equal(wsi_capture_linktype(cap), DLT_EN10MB);
    struct got got;
    memset(&got, 0, sizeof got);
    char err[WSI_ERRBUF] = "";
    if (wsi_capture_run(cap, 0, collect, &got, err) != 0) fail_msg("%s", err);
    wsi_capture_close(cap);
    assert_int_equal(got.n, 3);
    assert_int_equal(got.num[2], 3);
    assert_int_equal(got.sec[0], 1700000000);
    assert_int_equal(got.nsec[0], 123456789);
    assert_int_equal(got.sec[1], 1700000001);
    assert_int_equal(got.nsec[1], 654321000);
    assert_int_equal(got.sec[2], 1700000002);
    assert_int_equal(got.nsec[2], 1);
    assert_int_equal(got.caplen[1], 77);
    assert_int_equal(got.last[1], 0xB2);
    assert_int_equal(got.caplen[2], 99);
    assert_int_equal(got.len[2], 1514);
    assert_int_equal(got.linktype[1], DLT_EN10MB);
}

/* Interfaces of different link types: libpcap cannot; the message says so after the first packet. */
static void test_pcapng_mixed_links(void **state)
{
    struct ng *g = calloc(1, sizeof *g);
    assert_non_null(g);
    ng_shb(g);
    ng_idb(g, DLT_EN10MB, 9);
    ng_epb(g, 0, 1000000000ull, 60, 60, 0xC1);
    ng_idb(g, 101, 9); /* LINKTYPE_RAW */
    ng_epb(g, 1, 2000000000ull, 60, 60, 0xC2);
    const char *path = file_in(*state, "mixed.pcapng");
    ng_write(g, path);
    free(g);

    struct wsi_capture *cap = open_ok(path);
    struct got got;
    memset(&got, 0, sizeof got);
    char err[WSI_ERRBUF] = "";
    assert_int_equal(wsi_capture_run(cap, 0, collect, &got, err), -1);
    wsi_capture_close(cap);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.sec[0], 1);
    char want[256];
    snprintf(want, sizeof want, "%s: packet 2: ", path);
    if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, "different link types"))
        fail_msg("got \"%s\"", err);
}

/* ---- third-party captures --------------------------------------------------- */

#define SHARED "../shared/third-party-captures/"

/* Real files: packet count and the first timestamp as tshark shows them. */
static void test_real_files(void **state)
{
    (void)state;
    if (access(SHARED, R_OK) != 0) {
        print_message("skipped: " SHARED " is absent (only the project's shared workspace has it)\n");
        skip();
    }
    static const struct {
        const char *file;
        int n;
        int64_t sec;
        uint32_t nsec;
    } r[] = {
        {"ndn-tools/ipv4-websocket-segmented.pcap", 23, 1439414159, 6749000},
        {"suricata-verify/websocket-ping_input.pcap", 19, 1394016340, 965052000},
        {"zeek/oversized-close-frame.pcapng", 8, 0, 0},
        {"zeek/broker-websocket.pcap", 22, 1705243573, 136079000},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        char path[256], err[WSI_ERRBUF];
        snprintf(path, sizeof path, SHARED "%s", r[i].file);
        struct wsi_capture *cap = open_ok(path);
        struct got g;
        memset(&g, 0, sizeof g);
        /* Only the first MAXP are kept; count the rest with a second run. */
        assert_int_equal(wsi_capture_run(cap, MAXP - 1, collect, &g, err), 0);
        assert_int_equal(g.num[0], 1);
        assert_int_equal(g.sec[0], r[i].sec);
        assert_int_equal(g.nsec[0], r[i].nsec);
        int total = g.n;
        while (g.n == MAXP - 1) {
            g.n = 0;
            assert_int_equal(wsi_capture_run(cap, MAXP - 1, collect, &g, err), 0);
            total += g.n;
        }
        wsi_capture_close(cap);
        assert_int_equal(total, r[i].n);
    }
}

/* ---- live ------------------------------------------------------------------- */

/* The one capture a SIGALRM handler can reach: a test-only static. */
static struct wsi_capture *alarm_cap;

static void on_alarm(int sig)
{
    (void)sig;
    if (alarm_cap) wsi_capture_break(alarm_cap);
}

/* A live capture on the loopback interface sees a datagram we send, and a signal breaks a blocked run. */
static void test_live(void **state)
{
    (void)state;
    char err[WSI_ERRBUF] = "";
    int why = 0;
    struct wsi_capture *cap = wsi_capture_open_live("no-such-interface-0", NULL, &why, err);
    assert_null(cap);
    assert_non_null(strstr(err, "no-such-interface-0"));
    if (why != WSI_LIVE_PERM) assert_int_equal(why, WSI_LIVE_NO_DEVICE);

    struct wsi_live_opts o = {.snaplen = 2048};
    cap = wsi_capture_open_live("lo", &o, NULL, err);
    if (!cap) {
        print_message("skipped: cannot capture on lo here (%s)\n", err);
        skip();
    }
    /* Two sockets on ephemeral ports: the pair is ours alone, even with other runs of this test going. */
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(rx >= 0 && tx >= 0);
    struct sockaddr_in rxa, txa;
    socklen_t alen = sizeof rxa;
    memset(&rxa, 0, sizeof rxa);
    rxa.sin_family = AF_INET;
    rxa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    txa = rxa;
    assert_int_equal(bind(rx, (struct sockaddr *)&rxa, sizeof rxa), 0);
    assert_int_equal(bind(tx, (struct sockaddr *)&txa, sizeof txa), 0);
    assert_int_equal(getsockname(rx, (struct sockaddr *)&rxa, &alen), 0);
    alen = sizeof txa;
    assert_int_equal(getsockname(tx, (struct sockaddr *)&txa, &alen), 0);
    char expr[128];
    snprintf(expr, sizeof expr, "udp and src port %u and dst port %u", ntohs(txa.sin_port), ntohs(rxa.sin_port));
    if (wsi_capture_set_filter(cap, expr, err) != 0) fail_msg("%s", err);

    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    alarm_cap = cap;

    for (int i = 0; i < 3; i++)
        assert_int_equal(sendto(tx, "wsinspect", 9, 0, (struct sockaddr *)&rxa, sizeof rxa), 9);
    close(tx);
    close(rx);

    struct got g;
    memset(&g, 0, sizeof g);
    alarm(5); /* a safety net: the datagram should come at once */
    int rc = wsi_capture_run(cap, 1, collect, &g, err);
    alarm(0);
    assert_int_equal(rc, 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.num[0], 1);
    assert_int_equal(g.last[0], 't');
    assert_int_equal(g.linktype[0], wsi_capture_linktype(cap));
    assert_true(g.sec[0] > 1600000000);
    assert_true(g.nsec[0] < 1000000000);

    /* A break from the callback stops after packet 2 and leaves no stale break behind:
     * the next run gets packet 3 straight away. */
    g.cap = cap;
    g.break_after = 2;
    alarm(5);
    rc = wsi_capture_run(cap, 0, collect, &g, err);
    alarm(0);
    assert_int_equal(rc, 0);
    assert_int_equal(g.n, 2);
    g.break_after = 0;
    alarm(5);
    rc = wsi_capture_run(cap, 1, collect, &g, err);
    alarm(0);
    assert_int_equal(rc, 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.num[2], 3);

    /* Nothing more will match: the run blocks until the alarm's handler breaks it. */
    alarm(1);
    rc = wsi_capture_run(cap, 0, collect, &g, err);
    alarm(0);
    assert_int_equal(rc, 0);
    assert_int_equal(g.n, 3);

    alarm_cap = NULL;
    sigaction(SIGALRM, &old, NULL);
    wsi_capture_close(cap);
}

/* ---- saving (-w) -------------------------------------------------------------- */

/* Counts what a run delivered, without keeping it. */
static void tally(void *user, const struct wsi_packet *pkt)
{
    (void)pkt;
    (*(int *)user)++;
}

/* A filtered copy of a file: the packets that passed, with their timestamps, lengths and bytes. */
static void test_save_filtered(void **state)
{
    static const struct wpkt w[] = {
        {1, 5, 40000, 80, 60, 0}, {2, 6, 40000, 443, 70, 0}, {3, 7, 80, 40001, 1514, 100},
        {4, 8, 5353, 5353, 60, 0}, {5, 999999999, 40002, 80, 90, 0},
    };
    char in[128], out[128];
    snprintf(in, sizeof in, "%s", file_in(*state, "all.pcap"));
    snprintf(out, sizeof out, "%s", file_in(*state, "port80.pcap"));
    write_pcap(in, PCAP_TSTAMP_PRECISION_NANO, w, 5);
    struct wsi_capture *cap = open_ok(in);
    char err[WSI_ERRBUF] = "";
    assert_int_equal(wsi_capture_set_filter(cap, "tcp port 80", err), 0);
    if (wsi_capture_save(cap, out, err) != 0) fail_msg("%s", err);
    int n = 0;
    assert_int_equal(wsi_capture_run(cap, 0, tally, &n, err), 0);
    assert_int_equal(n, 3);
    struct wsi_capture_stats st;
    assert_int_equal(wsi_capture_stats(cap, &st), -1); /* a file has no kernel counts */
    assert_int_equal(st.live, 0);
    assert_int_equal(st.read, 5);
    assert_int_equal(st.saved, 3);
    assert_int_equal(st.dropped, 0);
    if (wsi_capture_save_end(cap, err) != 0) fail_msg("%s", err);
    wsi_capture_close(cap);

    cap = open_ok(out);
    struct got g;
    memset(&g, 0, sizeof g);
    assert_int_equal(wsi_capture_run(cap, 0, collect, &g, err), 0);
    wsi_capture_close(cap);
    assert_int_equal(g.n, 3);
    static const int picked[] = {0, 2, 4};
    for (int i = 0; i < 3; i++) {
        const struct wpkt *p = &w[picked[i]];
        assert_int_equal(g.num[i], (uint64_t)i + 1); /* numbered in the copy */
        assert_int_equal(g.sec[i], p->sec);
        assert_int_equal(g.nsec[i], p->frac); /* nanoseconds kept */
        assert_int_equal(g.len[i], p->size);
        assert_int_equal(g.caplen[i], p->caplen ? p->caplen : p->size);
        assert_int_equal(g.last[i], 0xA0 + picked[i]);
    }
}

/* A file that cannot be created, or written: the message names it and says why. */
static void test_save_errors(void **state)
{
    static struct wpkt w[40];
    for (int i = 0; i < 40; i++) w[i] = (struct wpkt){i + 1, 0, 40000, 80, 1514, 0};
    const char *in = file_in(*state, "big.pcap");
    write_pcap(in, PCAP_TSTAMP_PRECISION_NANO, w, 40);
    struct wsi_capture *cap = open_ok(in);
    char err[WSI_ERRBUF] = "";
    assert_int_equal(wsi_capture_save(cap, "/nonexistent-dir/copy.pcap", err), -1);
    if (strncmp(err, "/nonexistent-dir/copy.pcap: cannot save the packets there: ", 59) != 0 ||
        !strstr(err, "No such file or directory"))
        fail_msg("got \"%s\"", err);

    /* 40 packets of 1514 bytes do not fit in the stdio buffer: a write fails during the run */
    if (access("/dev/full", W_OK) != 0) {
        wsi_capture_close(cap);
        print_message("skipped: no /dev/full here\n");
        skip();
    }
    if (wsi_capture_save(cap, "/dev/full", err) != 0) fail_msg("%s", err);
    int n = 0;
    assert_int_equal(wsi_capture_run(cap, 0, tally, &n, err), -1);
    assert_true(n < 40);
    if (strncmp(err, "/dev/full: writing the saved packets: No space left on device (after ", 69) != 0)
        fail_msg("got \"%s\"", err);
    wsi_capture_close(cap);

    /* a few small packets: the failure shows when the file is flushed at the end */
    cap = open_ok(in);
    if (wsi_capture_save(cap, "/dev/full", err) != 0) fail_msg("%s", err);
    assert_int_equal(wsi_capture_run(cap, 1, tally, &n, err), 0);
    assert_int_equal(wsi_capture_save_end(cap, err), -1);
    if (strncmp(err, "/dev/full: writing the saved packets: No space left on device", 61) != 0)
        fail_msg("got \"%s\"", err);
    wsi_capture_close(cap);
}

/* ---- live ------------------------------------------------------------------- */

/* Two UDP sockets on the loopback's ephemeral ports, and a filter for what goes from tx to rx. */
struct udp_pair {
    int rx, tx;
    struct sockaddr_in rxa;
    char filter[128];
};

static void udp_pair_open(struct udp_pair *u)
{
    struct sockaddr_in txa;
    socklen_t alen = sizeof u->rxa;
    u->rx = socket(AF_INET, SOCK_DGRAM, 0);
    u->tx = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(u->rx >= 0 && u->tx >= 0);
    memset(&u->rxa, 0, sizeof u->rxa);
    u->rxa.sin_family = AF_INET;
    u->rxa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    txa = u->rxa;
    assert_int_equal(bind(u->rx, (struct sockaddr *)&u->rxa, sizeof u->rxa), 0);
    assert_int_equal(bind(u->tx, (struct sockaddr *)&txa, sizeof txa), 0);
    assert_int_equal(getsockname(u->rx, (struct sockaddr *)&u->rxa, &alen), 0);
    alen = sizeof txa;
    assert_int_equal(getsockname(u->tx, (struct sockaddr *)&txa, &alen), 0);
    snprintf(u->filter, sizeof u->filter, "udp and src port %u and dst port %u", ntohs(txa.sin_port),
             ntohs(u->rxa.sin_port));
}

static void udp_send(struct udp_pair *u, const void *b, size_t n)
{
    assert_int_equal(sendto(u->tx, b, n, 0, (struct sockaddr *)&u->rxa, sizeof u->rxa), (ssize_t)n);
}

static void udp_pair_close(struct udp_pair *u)
{
    close(u->tx);
    close(u->rx);
}

/* A live run with a safety net: after 5 s the alarm breaks it. */
static int run_guarded(struct wsi_capture *cap, long count, wsi_packet_fn fn, void *user, char err[WSI_ERRBUF])
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    alarm_cap = cap;
    alarm(5);
    int rc = wsi_capture_run(cap, count, fn, user, err);
    alarm(0);
    alarm_cap = NULL;
    sigaction(SIGALRM, &old, NULL);
    return rc;
}

/* Open lo for the tests below, or skip saying why. */
static struct wsi_capture *open_lo(const struct wsi_live_opts *o, struct udp_pair *u)
{
    char err[WSI_ERRBUF] = "";
    struct wsi_capture *cap = wsi_capture_open_live("lo", o, NULL, err);
    if (!cap) {
        print_message("skipped: cannot capture on lo here (%s)\n", err);
        skip();
    }
    udp_pair_open(u);
    if (wsi_capture_set_filter(cap, u->filter, err) != 0) fail_msg("%s", err);
    return cap;
}

/* The kernel's counts: what was sent is received, nothing dropped; a live run saves what it reads. */
static void test_live_stats_and_save(void **state)
{
    struct wsi_live_opts o = {.tick_ms = 100};
    struct udp_pair u;
    struct wsi_capture *cap = open_lo(&o, &u);
    char err[WSI_ERRBUF] = "";
    const char *out = file_in(*state, "live.pcap");
    if (wsi_capture_save(cap, out, err) != 0) fail_msg("%s", err);
    for (int i = 0; i < 5; i++) udp_send(&u, "wsinspect", 9);
    struct got g;
    memset(&g, 0, sizeof g);
    assert_int_equal(run_guarded(cap, 5, collect, &g, err), 0);
    assert_int_equal(g.n, 5);
    struct wsi_capture_stats st;
    assert_int_equal(wsi_capture_stats(cap, &st), 0);
    assert_int_equal(st.live, 1);
    assert_true(st.received >= 5);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(st.if_dropped, 0);
    assert_int_equal(st.read, 5);
    assert_int_equal(st.saved, 5);
    assert_int_equal(st.drop_notes, 0);
    if (wsi_capture_save_end(cap, err) != 0) fail_msg("%s", err);
    wsi_capture_close(cap);
    udp_pair_close(&u);

    struct got s;
    memset(&s, 0, sizeof s);
    cap = open_ok(out);
    assert_int_equal(wsi_capture_run(cap, 0, collect, &s, err), 0);
    wsi_capture_close(cap);
    assert_int_equal(s.n, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s.sec[i], g.sec[i]);
        assert_int_equal(s.nsec[i], g.nsec[i]);
        assert_int_equal(s.len[i], g.len[i]);
        assert_int_equal(s.last[i], 't');
    }
}

/* What the drop test's callbacks see. */
struct drops {
    struct udp_pair *u;
    struct wsi_capture *cap;
    int n;                      /* packets delivered */
    uint64_t marker;            /* the marker's packet number */
    int notes;                  /* drop notes */
    struct wsi_drop_note note;  /* the first */
};

static void drop_seen(void *user, const struct wsi_drop_note *n)
{
    struct drops *d = user;
    if (d->notes++ == 0) d->note = *n;
}

/* From the first packet on (read past a check that saw the drops), a marker is sent after each
 * packet: the first ones are dropped too while the kernel's buffer is still full. The first marker
 * read ends the run. */
static void drop_packet(void *user, const struct wsi_packet *pkt)
{
    struct drops *d = user;
    d->n++;
    if (pkt->data[pkt->caplen - 1] == 'M') {
        d->marker = pkt->num;
        wsi_capture_break(d->cap);
        return;
    }
    udp_send(d->u, "M", 1);
}

/* A buffer far too small for a burst: the kernel drops, the next check notices, the range is
 * closed by the first packet sent after the check, and the counts say so. */
static void test_live_drops(void **state)
{
    (void)state;
    /* two blocks of 256 KiB: while the first is read, markers land in the second once it is free */
    struct wsi_live_opts o = {.buffer_size = 512 << 10, .tick_ms = 100};
    struct udp_pair u;
    struct wsi_capture *cap = open_lo(&o, &u);
    char err[WSI_ERRBUF] = "";
    static char big[1400];
    memset(big, 'x', sizeof big);
    for (int i = 0; i < 4000; i++) udp_send(&u, big, sizeof big); /* 5.6 MB into 512 KiB */
    usleep(150000);                                               /* past the first check's time */
    struct drops d = {.u = &u, .cap = cap};
    wsi_capture_on_drops(cap, drop_seen, &d);
    int rc = run_guarded(cap, 0, drop_packet, &d, err);
    assert_int_equal(rc, 0);
    struct wsi_capture_stats st;
    assert_int_equal(wsi_capture_stats(cap, &st), 0);
    wsi_capture_close(cap);
    udp_pair_close(&u);
    assert_true(d.marker > 1);
    assert_int_equal(d.n, (int)d.marker);
    assert_true(st.dropped > 0);
    assert_true(st.received >= st.dropped + (uint64_t)d.n);
    /* the markers dropped while the buffer was full are a second range, told as the run ends */
    assert_true(d.notes >= 1);
    assert_true(d.note.dropped > 0 && d.note.dropped <= st.dropped);
    assert_int_equal(d.note.after, 0);        /* before any packet was read */
    assert_int_equal(d.note.before, d.marker); /* the first packet stamped after the check */
    assert_int_equal(st.drop_notes, (uint64_t)d.notes);
    assert_int_equal(st.first_drop_after, 0);
    assert_int_equal(st.first_drop_before, d.marker);
}

/* Without permission (an unprivileged user), opening says so, and why is WSI_LIVE_PERM. */
static void test_live_permission(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        char err[WSI_ERRBUF] = "";
        int why = 0;
        struct wsi_capture *cap = wsi_capture_open_live("lo", NULL, &why, err);
        if (cap) {
            wsi_capture_close(cap);
            print_message("skipped: this user may capture (capabilities), and cannot become another\n");
            skip();
        }
        assert_int_equal(why, WSI_LIVE_PERM);
        assert_non_null(strstr(err, "lo: "));
        return;
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* as nobody (65534), without the capabilities root had */
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
        char err[WSI_ERRBUF] = "";
        int why = 0;
        struct wsi_capture *cap = wsi_capture_open_live("lo", NULL, &why, err);
        if (cap) _exit(4);
        if (why != WSI_LIVE_PERM) _exit(5);
        if (strncmp(err, "lo: ", 4) != 0 || !strstr(err, "ermission")) _exit(6);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 3) {
        print_message("skipped: cannot become nobody (65534) here\n");
        skip();
    }
    /* 4: opened; 5: another kind of failure; 6: the message does not name lo or the permission */
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_nano),
        cmocka_unit_test(test_pcap_micro),
        cmocka_unit_test(test_pcap_unsigned_seconds),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_bad_filter),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_truncated_file),
        cmocka_unit_test(test_break),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_pcapng),
        cmocka_unit_test(test_pcapng_mixed_links),
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_live),
        cmocka_unit_test(test_save_filtered),
        cmocka_unit_test(test_save_errors),
        cmocka_unit_test(test_live_stats_and_save),
        cmocka_unit_test(test_live_drops),
        cmocka_unit_test(test_live_permission),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
