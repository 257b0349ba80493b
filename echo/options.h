/* options.h - wsecho's command line, parsed into one structure (no I/O, unit-tested). */
#ifndef WSECHO_OPTIONS_H
#define WSECHO_OPTIONS_H

#include <stddef.h>

/* Exit statuses (documented in man/wsecho.1). */
#define WSECHO_EXIT_OK 0      /* stopped by SIGINT or SIGTERM after closing every client */
#define WSECHO_EXIT_START 1   /* could not start: address in use or unavailable, certificate, key log */
#define WSECHO_EXIT_USAGE 2   /* bad option or argument */

#define WSECHO_DEFAULT_PORT 8080
#define WSECHO_DEFAULT_LISTEN "127.0.0.1"
#define WSECHO_DEFAULT_MAX_CONNECTIONS 64
#define WSECHO_DEFAULT_MAX_MESSAGE (1024u * 1024u)      /* 1 MiB */
#define WSECHO_DEFAULT_MAX_MEMORY (64u * 1024u * 1024u) /* 64 MiB of messages held */
#define WSECHO_DEFAULT_NEWS 10                          /* seconds between news updates on /chat */

struct wsecho_opts {
    unsigned port;            /* 1-65535 */
    const char *listen;       /* an IPv4 or IPv6 address; "0.0.0.0" or "::" for every interface */
    int tls;                  /* https/wss */
    const char *cert, *key;   /* PEM files; both or neither; imply tls */
    const char *keylog;       /* NSS key log file to append to; implies tls */
    unsigned max_connections; /* WebSocket connections at once */
    size_t max_message;       /* bytes in one message */
    size_t max_memory;        /* bytes of messages held (received and queued) at once */
    unsigned news;            /* seconds between /chat news updates; 0: none */
    int deflate;              /* offer permessage-deflate (default on) */
    int verbose;              /* libwebsockets' own log on stderr too */
    int help, version;        /* print and exit */
};

/* Parse argv into *o (defaults first). Returns 0, or -1 with a one-sentence reason in err. */
int wsecho_parse(int argc, char **argv, struct wsecho_opts *o, char *err, size_t errlen);

/* The usage text. */
extern const char wsecho_usage[];

#endif
