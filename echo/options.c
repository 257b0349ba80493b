/* options.c - wsecho's command line. */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char wsecho_usage[] =
    "usage: wsecho [--port N] [--listen ADDR] [--tls [--cert FILE --key FILE] [--keylog FILE]]\n"
    "              [--news SECONDS] [--max-connections N] [--max-message BYTES] [--max-memory BYTES]\n"
    "              [--no-deflate] [-v]\n"
    "       wsecho --help | --version\n"
    "\n"
    "A WebSocket server for the classroom: a page for the browser at /, an echo at /echo,\n"
    "a chat at /chat (everyone sees every message; the server pushes \"user joined: N\"\n"
    "and a periodic \"news update\").\n"
    "\n"
    "  -p, --port N             TCP port (default 8080)\n"
    "  -l, --listen ADDR        address to listen on (default 127.0.0.1; 0.0.0.0 for a class network)\n"
    "      --tls                https/wss with a self-signed certificate made at start\n"
    "      --cert FILE          PEM certificate instead (with --key; implies --tls)\n"
    "      --key FILE           PEM private key of --cert\n"
    "      --keylog FILE        append every TLS session's secrets (NSS key log) for\n"
    "                           wsinspect --keylog FILE (implies --tls)\n"
    "      --news SECONDS       period of /chat's news update (default 10; 0: none)\n"
    "      --max-connections N  WebSocket connections at once (default 64); more are closed with 1013\n"
    "      --max-message BYTES  largest message (default 1M); a larger one is closed with 1009\n"
    "      --max-memory BYTES   messages held at once (default 64M); over it the sender is closed with 1013\n"
    "                           (sizes take K, M or G)\n"
    "      --no-deflate         do not offer permessage-deflate\n"
    "  -v, --verbose            libwebsockets' own log too\n"
    "  -h, --help               this text\n"
    "  -V, --version            program and library versions\n"
    "\n"
    "Exit status: 0 stopped by Ctrl-C or SIGTERM, 1 could not start, 2 usage error. See wsecho(1).\n";

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A decimal number in [lo, hi], with an optional K/M/G suffix when sizes is set. */
static int number(const char *s, unsigned long long lo, unsigned long long hi, int sizes,
                  unsigned long long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    if (sizes && *end) {
        unsigned shift = 0;
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return -1;
        }
        end++;
        if (v > (~0ull >> shift))
            return -1;
        v <<= shift;
    }
    if (*end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

struct optdef {
    const char *lng;
    char shrt;
    int arg;
};

enum { O_PORT, O_LISTEN, O_TLS, O_CERT, O_KEY, O_KEYLOG, O_NEWS, O_MAXCONN, O_MAXMSG, O_MAXMEM,
       O_NODEFLATE, O_VERBOSE, O_HELP, O_VERSION, O_COUNT };

static const struct optdef defs[O_COUNT] = {
    [O_PORT] = {"port", 'p', 1},         [O_LISTEN] = {"listen", 'l', 1},
    [O_TLS] = {"tls", 0, 0},             [O_CERT] = {"cert", 0, 1},
    [O_KEY] = {"key", 0, 1},             [O_KEYLOG] = {"keylog", 0, 1},
    [O_NEWS] = {"news", 0, 1},           [O_MAXCONN] = {"max-connections", 0, 1},
    [O_MAXMSG] = {"max-message", 0, 1},  [O_MAXMEM] = {"max-memory", 0, 1},
    [O_NODEFLATE] = {"no-deflate", 0, 0}, [O_VERBOSE] = {"verbose", 'v', 0},
    [O_HELP] = {"help", 'h', 0},         [O_VERSION] = {"version", 'V', 0},
};

int wsecho_parse(int argc, char **argv, struct wsecho_opts *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->port = WSECHO_DEFAULT_PORT;
    o->listen = WSECHO_DEFAULT_LISTEN;
    o->max_connections = WSECHO_DEFAULT_MAX_CONNECTIONS;
    o->max_message = WSECHO_DEFAULT_MAX_MESSAGE;
    o->max_memory = WSECHO_DEFAULT_MAX_MEMORY;
    o->news = WSECHO_DEFAULT_NEWS;
    o->deflate = 1;
    if (errlen)
        err[0] = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        int which = -1;
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            for (int k = 0; k < O_COUNT; k++)
                if (strlen(defs[k].lng) == n && !strncmp(defs[k].lng, name, n))
                    which = k;
            if (which < 0)
                return fail(err, errlen, "unknown option %s", a);
            if (eq) {
                if (!defs[which].arg)
                    return fail(err, errlen, "--%s takes no value", defs[which].lng);
                val = eq + 1;
            }
        } else if (a[0] == '-' && a[1] && !a[2]) {
            for (int k = 0; k < O_COUNT; k++)
                if (defs[k].shrt && defs[k].shrt == a[1])
                    which = k;
            if (which < 0)
                return fail(err, errlen, "unknown option %s", a);
        } else {
            return fail(err, errlen, "unexpected argument '%s' (wsecho takes options only)", a);
        }
        if (defs[which].arg && !val) {
            if (i + 1 >= argc)
                return fail(err, errlen, "%s needs a value", a);
            val = argv[++i];
        }
        unsigned long long v = 0;
        switch (which) {
        case O_PORT:
            if (number(val, 1, 65535, 0, &v))
                return fail(err, errlen, "--port: '%s' is not a port number (1-65535)", val);
            o->port = (unsigned)v;
            break;
        case O_LISTEN:
            if (!*val)
                return fail(err, errlen, "--listen: an address is needed (127.0.0.1, 0.0.0.0, ::1...)");
            o->listen = val;
            break;
        case O_TLS: o->tls = 1; break;
        case O_CERT: o->cert = val; o->tls = 1; break;
        case O_KEY: o->key = val; o->tls = 1; break;
        case O_KEYLOG: o->keylog = val; o->tls = 1; break;
        case O_NEWS:
            if (number(val, 0, 86400, 0, &v))
                return fail(err, errlen, "--news: '%s' is not a number of seconds (0-86400)", val);
            o->news = (unsigned)v;
            break;
        case O_MAXCONN:
            if (number(val, 1, 10000, 0, &v))
                return fail(err, errlen, "--max-connections: '%s' is not a number from 1 to 10000", val);
            o->max_connections = (unsigned)v;
            break;
        case O_MAXMSG:
            if (number(val, 1, 1ull << 30, 1, &v))
                return fail(err, errlen, "--max-message: '%s' is not a size from 1 to 1G (bytes, or with K, M, G)", val);
            o->max_message = (size_t)v;
            break;
        case O_MAXMEM:
            if (number(val, 1024, 1ull << 32, 1, &v))
                return fail(err, errlen, "--max-memory: '%s' is not a size from 1K to 4G (bytes, or with K, M, G)", val);
            o->max_memory = (size_t)v;
            break;
        case O_NODEFLATE: o->deflate = 0; break;
        case O_VERBOSE: o->verbose = 1; break;
        case O_HELP: o->help = 1; break;
        case O_VERSION: o->version = 1; break;
        default: break;
        }
    }
    if (!o->cert != !o->key)
        return fail(err, errlen, "--cert and --key go together (a PEM certificate and its private key)");
    if (o->max_message > o->max_memory)
        return fail(err, errlen, "--max-message (%zu) is larger than --max-memory (%zu)", o->max_message, o->max_memory);
    return 0;
}
