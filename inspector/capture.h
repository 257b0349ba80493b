/* capture.h - stage 1: packets in, from a capture file or a live interface, through libpcap. */
#ifndef WSI_CAPTURE_H
#define WSI_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define WSI_ERRBUF 512

/* One captured packet, valid only during the callback (libpcap reuses the buffer). */
struct wsi_packet {
    uint64_t num;        /* 1-based packet number in the file, as tshark numbers it */
    int64_t ts_sec;      /* timestamp, seconds */
    uint32_t ts_nsec;    /* timestamp, nanoseconds (pcapng/nanosecond pcap kept exact) */
    uint32_t caplen;     /* bytes captured */
    uint32_t len;        /* bytes on the wire (> caplen: cut by the snap length) */
    int linktype;        /* DLT_* of this packet's interface */
    const uint8_t *data; /* caplen bytes */
};

typedef void (*wsi_packet_fn)(void *user, const struct wsi_packet *pkt);

struct wsi_capture; /* opaque */

/* Open a capture file ("-" = standard input): pcap or pcapng. NULL with errbuf set
 * ("FILE: not a pcap or pcapng file (bad magic 0x...)"). */
struct wsi_capture *wsi_capture_open_file(const char *path, char errbuf[WSI_ERRBUF]);

/* Live capture defaults: the snap length (tcpdump's), the kernel buffer (32 MiB: at 64-byte
 * messages it holds about 150,000 packets), and how long a partly filled block of the kernel's
 * ring waits before it is handed over (the most a packet is shown late when traffic is light). */
#define WSI_LIVE_SNAPLEN 262144
#define WSI_LIVE_BUFFER (32 << 20)
#define WSI_LIVE_BLOCK_MS 50
/* How often, in milliseconds, a live run reads the kernel's counts and flushes the -w file. */
#define WSI_LIVE_TICK_MS 1000

/* How a live capture is opened; zeros are the defaults above. */
struct wsi_live_opts {
    int snaplen;     /* bytes kept of each packet */
    int buffer_size; /* the kernel's buffer, bytes */
    int tick_ms;     /* the period of the counts and flushes */
};

/* Why wsi_capture_open_live failed. */
enum wsi_live_error {
    WSI_LIVE_FAILED = 1, /* any other reason */
    WSI_LIVE_PERM,       /* no permission to capture (PCAP_ERROR_PERM_DENIED, EPERM) */
    WSI_LIVE_NO_DEVICE,  /* no such interface */
};

/* Open a live interface (promiscuous off). libpcap's immediate mode would give every packet a
 * slot of the snap length in the kernel's ring (TPACKET_V2: a 2 MiB ring held about 30 packets);
 * without it, packets are packed one after the other in blocks (TPACKET_V3), each block handed
 * over when full or after WSI_LIVE_BLOCK_MS. NULL with errbuf set and *why (when not NULL) saying
 * the kind of failure. */
struct wsi_capture *wsi_capture_open_live(const char *iface, const struct wsi_live_opts *opts, int *why,
                                          char errbuf[WSI_ERRBUF]);

/* Save every packet that a run delivers (after the filter) to a pcap file, as tcpdump -w does;
 * in a live run the file is flushed at every tick and whenever the kernel's buffer is empty.
 * 0, or -1 with errbuf naming the file. A failed write stops the run (-1, errbuf naming the file). */
int wsi_capture_save(struct wsi_capture *cap, const char *path, char errbuf[WSI_ERRBUF]);

/* Flush and close the file of wsi_capture_save: 0, or -1 with errbuf naming the file and what
 * went wrong (wsi_capture_close closes it too, silently). */
int wsi_capture_save_end(struct wsi_capture *cap, char errbuf[WSI_ERRBUF]);

/* What a capture has counted. */
struct wsi_capture_stats {
    int live;              /* 1: the counts below are the kernel's, for a live interface */
    uint64_t received;     /* packets the filter passed, dropped ones included (pcap_stats ps_recv) */
    uint64_t dropped;      /* dropped by the kernel, its buffer full (ps_drop) */
    uint64_t if_dropped;   /* dropped by the interface or its driver (ps_ifdrop) */
    uint64_t read;         /* packets read so far (from a file: the filtered out ones included) */
    uint64_t saved;        /* packets written to the wsi_capture_save file */
    uint64_t drop_notes;   /* times new drops were noticed (see wsi_capture_on_drops) */
    uint64_t first_drop_after;  /* the first ones: after this packet (0: before the first) */
    uint64_t first_drop_before; /* and before this one (0: no later packet was read) */
};

/* The counts now (a live capture reads the kernel's). 0, or -1 when there are no kernel counts
 * (a file, or libpcap could not read them): `out` is filled either way, the kernel's counts 0. */
int wsi_capture_stats(struct wsi_capture *cap, struct wsi_capture_stats *out);

/* New drops, noticed by a live run: `dropped` (by the kernel) and `if_dropped` (by the
 * interface) packets were lost after packet `after` (0: before the first) and before packet
 * `before` (0: the run ended first). Packets read before a check arrived before it, drops counted
 * at a check happened after the previous one, and the first packet stamped after the check
 * closes the range. */
struct wsi_drop_note {
    uint64_t dropped, if_dropped;
    uint64_t after, before;
};
typedef void (*wsi_drop_fn)(void *user, const struct wsi_drop_note *note);

/* Call fn (from wsi_capture_run, between packets) for each range of new drops. */
void wsi_capture_on_drops(struct wsi_capture *cap, wsi_drop_fn fn, void *user);

/* Apply a BPF filter expression (tcpdump syntax). 0 or -1 with errbuf set. */
int wsi_capture_set_filter(struct wsi_capture *cap, const char *expr, char errbuf[WSI_ERRBUF]);

/* The capture's link type and its name ("EN10MB"). */
int wsi_capture_linktype(const struct wsi_capture *cap);

/* Deliver packets to fn until the end, count packets (count <= 0: all), or an error.
 * Returns 0 at a clean end, -1 on a read error with errbuf naming the file, the packet
 * number and what is wrong ("x.pcap: packet 17: truncated record"); the packets
 * before the error have been delivered. */
int wsi_capture_run(struct wsi_capture *cap, long count, wsi_packet_fn fn, void *user,
                    char errbuf[WSI_ERRBUF]);

/* Stop a running wsi_capture_run from a signal handler or callback. */
void wsi_capture_break(struct wsi_capture *cap);

void wsi_capture_close(struct wsi_capture *cap);

#endif
