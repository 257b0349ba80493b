/* wsecho.c - the wsecho program: the classroom's own WebSocket server, on libwebsockets.
 *
 *   /       a page that is a WebSocket client (echo/page.html, page.css, page.js, built in)
 *   /echo   every message sent back as it came (text or binary)
 *   /chat   every message to everyone connected, with pushes of the server's own:
 *           "user joined: N" and a periodic "news update N"
 *
 * Framing, the handshake, permessage-deflate and TLS are libwebsockets' (with OpenSSL);
 * this file routes, queues (echo/msgq.c) and limits. One thread, one event loop. */
#include "msgq.h"
#include "options.h"
#include "page.h"
#include "render.h"
#include "tlsutil.h"

#include <libwebsockets.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef WS_VERSION
#define WS_VERSION "unknown"
#endif

/* The page's parts, made into C arrays by common/embed.c at build time. */
extern const unsigned char wsecho_page_html[], wsecho_page_css[], wsecho_page_js[];
extern const size_t wsecho_page_html_len, wsecho_page_css_len, wsecho_page_js_len;

/* 1013 (RFC 6455 §7.4.1, IANA registry): not among libwebsockets 4.1's names */
#define CLOSE_TRY_AGAIN_LATER 1013

enum route { R_NONE, R_ECHO, R_CHAT };

/* One connection: an HTTP request for the page, or a WebSocket on /echo or /chat. */
struct pss {
    struct lws *wsi;
    struct pss *next;      /* the list of open WebSockets */
    enum route route;
    unsigned id;           /* #N, counted from 1 since the start */
    int joined;            /* in the list */
    int paused;            /* reading stopped while the queue drains */
    int close_said;        /* the closing line printed */
    uint16_t close_code;   /* nonzero: close with this code at the next chance */
    char close_reason[96];
    struct rxbuf rx;       /* the message being received */
    struct msgq q;         /* messages to send */
    char peer[64];
    /* HTTP */
    const unsigned char *body;
    size_t body_len, body_off;
};

static struct {
    struct wsecho_opts o;
    struct lws_context *ctx;
    struct page page;
    struct memacct mem;
    struct pss *conns;      /* open WebSockets */
    unsigned open;          /* how many */
    unsigned next_id;
    unsigned chat_users;    /* "user joined: N" counts joins on /chat */
    unsigned news_count;
    lws_sorted_usec_list_t sul_news;
    int shutting_down;
    char scheme[8];         /* http or https */
} S;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
    if (S.ctx)
        lws_cancel_service(S.ctx); /* wakes the event loop (a write to its pipe) */
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wsecho: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const char *route_path(enum route r)
{
    return r == R_ECHO ? "/echo" : r == R_CHAT ? "/chat" : "?";
}

/* The request's path (without the query), or "" */
static void request_path(struct lws *wsi, char *buf, size_t len)
{
    buf[0] = 0;
    if (lws_hdr_copy(wsi, buf, (int)len, WSI_TOKEN_GET_URI) < 0)
        buf[0] = 0;
}

static enum route route_of(const char *path)
{
    if (!strcmp(path, "/echo"))
        return R_ECHO;
    if (!strcmp(path, "/chat"))
        return R_CHAT;
    return R_NONE;
}

/* Close c at its next writable moment with code and reason. */
static void close_later(struct pss *c, uint16_t code, const char *reason)
{
    if (c->close_code)
        return;
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason);
    lws_callback_on_writable(c->wsi);
}

/* Queue m to c; a connection whose queue is full is too slow to keep: closed. */
static void deliver(struct pss *c, struct wsmsg *m)
{
    if (c->close_code)
        return;
    if (msgq_push(&c->q, m)) {
        close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too slow: 32 messages were waiting");
        return;
    }
    lws_callback_on_writable(c->wsi);
}

/* A message to everyone on /chat. */
static void broadcast(struct wsmsg *m)
{
    for (struct pss *c = S.conns; c; c = c->next)
        if (c->route == R_CHAT)
            deliver(c, m);
}

static void broadcast_text(const char *text)
{
    struct wsmsg *m = wsmsg_new(&S.mem, LWS_PRE, text, strlen(text), 0);
    if (!m)
        return; /* over the memory limit: a push is skipped, nobody is closed for it */
    broadcast(m);
    wsmsg_unref(&S.mem, m);
}

static void news_tick(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    if (S.shutting_down)
        return;
    int anyone = 0;
    for (struct pss *c = S.conns; c; c = c->next)
        anyone |= c->route == R_CHAT;
    if (anyone) {
        char text[64];
        snprintf(text, sizeof text, "news update %u", ++S.news_count);
        broadcast_text(text);
    }
    lws_sul_schedule(S.ctx, 0, &S.sul_news, news_tick, (lws_usec_t)S.o.news * LWS_US_PER_SEC);
}

/* While shutting down: the event loop woken every 100 ms, so that the wait for the
 * clients' closes ends on time even when nothing arrives. */
static void shutdown_tick(lws_sorted_usec_list_t *sul)
{
    lws_sul_schedule(S.ctx, 0, sul, shutdown_tick, 100000);
}

/* Reading paused while a connection's own queue is nearly full, resumed when it drains. */
static void flow(struct pss *c)
{
    if (!c->paused && c->q.count >= MSGQ_CAP - 4) {
        c->paused = 1;
        lws_rx_flow_control(c->wsi, 0);
    } else if (c->paused && c->q.count <= MSGQ_CAP / 4) {
        c->paused = 0;
        lws_rx_flow_control(c->wsi, 1);
    }
}

/* A whole message received on c. */
static void received(struct pss *c, struct wsmsg *m)
{
    if (c->route == R_ECHO) {
        deliver(c, m);
    } else if (m->binary) {
        broadcast(m);
    } else {
        /* chat text goes out as "user N: TEXT" so the class sees who said it */
        char prefix[32];
        int pl = snprintf(prefix, sizeof prefix, "user %u: ", c->id);
        struct wsmsg *out = wsmsg_new(&S.mem, LWS_PRE, NULL, (size_t)pl + m->len, 0);
        if (!out) {
            close_later(c, CLOSE_TRY_AGAIN_LATER, "server busy: its memory limit is reached");
            return;
        }
        memcpy(out->data, prefix, (size_t)pl);
        memcpy(out->data + pl, m->data, m->len);
        broadcast(out);
        wsmsg_unref(&S.mem, out);
    }
    flow(c);
}

/* The client's address and port, as wsinspect shows them (127.0.0.1:51234, [::1]:51234). */
static void peer_name(struct lws *wsi, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    snprintf(buf, len, "?");
    if (getpeername(lws_get_socket_fd(wsi), (struct sockaddr *)&ss, &sl))
        return;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
        snprintf(buf, len, "%s:%u", host, port);
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        snprintf(buf, len, "[%s]:%u", host, port);
    }
}

static void ws_opened(struct pss *c, struct lws *wsi)
{
    char path[64];
    request_path(wsi, path, sizeof path);
    c->wsi = wsi;
    c->route = route_of(path);
    c->id = ++S.next_id;
    c->next = S.conns;
    S.conns = c;
    c->joined = 1;
    S.open++;
    peer_name(wsi, c->peer, sizeof c->peer);
    say("#%u %s %s opened (%u open)", c->id, c->peer, route_path(c->route), S.open);
    if (S.open > S.o.max_connections) {
        char why[96];
        snprintf(why, sizeof why, "too many connections (limit %u)", S.o.max_connections);
        close_later(c, CLOSE_TRY_AGAIN_LATER, why);
        return;
    }
    if (S.shutting_down) {
        close_later(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
        return;
    }
    if (c->route == R_CHAT) {
        char text[48];
        snprintf(text, sizeof text, "user joined: %u", c->id);
        S.chat_users++;
        broadcast_text(text);
    }
}

static void ws_closed(struct pss *c)
{
    if (!c->joined)
        return;
    for (struct pss **pp = &S.conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    c->joined = 0;
    S.open--;
    rx_drop(&S.mem, &c->rx);
    msgq_clear(&S.mem, &c->q);
    say("#%u %s %s closed (%u open)", c->id, c->peer, route_path(c->route), S.open);
}

static int http_request(struct lws *wsi, struct pss *c, const char *uri)
{
    unsigned char hdr[LWS_PRE + 2048], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    const char *type = "text/html; charset=utf-8";
    unsigned status = HTTP_STATUS_OK;
    static const char upgrade_body[] =
        "This address is a WebSocket endpoint: open the page at / and connect from there, "
        "or use new WebSocket(\"ws://HOST:PORT/echo\").\n";
    static const char missing_body[] = "Not found: wsecho serves /, /echo and /chat.\n";
    if (!strcmp(uri, "/") || !strcmp(uri, "/index.html")) {
        c->body = (const unsigned char *)S.page.html;
        c->body_len = S.page.len;
    } else if (route_of(uri) != R_NONE) {
        status = 426; /* Upgrade Required */
        type = "text/plain; charset=utf-8";
        c->body = (const unsigned char *)upgrade_body;
        c->body_len = sizeof upgrade_body - 1;
    } else {
        status = HTTP_STATUS_NOT_FOUND;
        type = "text/plain; charset=utf-8";
        c->body = (const unsigned char *)missing_body;
        c->body_len = sizeof missing_body - 1;
    }
    c->body_off = 0;
    if (lws_add_http_common_headers(wsi, status, type, c->body_len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"content-security-policy:",
                                    (const unsigned char *)S.page.csp, (int)strlen(S.page.csp), &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                    (const unsigned char *)"nosniff", 7, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"referrer-policy:",
                                    (const unsigned char *)"no-referrer", 11, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_body(struct lws *wsi, struct pss *c)
{
    unsigned char buf[LWS_PRE + 8192];
    size_t n = c->body_len - c->body_off;
    if (n > sizeof buf - LWS_PRE)
        n = sizeof buf - LWS_PRE;
    memcpy(buf + LWS_PRE, c->body + c->body_off, n);
    c->body_off += n;
    int last = c->body_off >= c->body_len;
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return 1;
    if (last)
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    lws_callback_on_writable(wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct pss *c = user;
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        /* user is the vhost's SSL_CTX: every session's secrets go to --keylog from here */
        keylog_attach((SSL_CTX *)user);
        return 0;
    case LWS_CALLBACK_HTTP:
        return http_request(wsi, c, (const char *)in);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return c->body ? http_body(wsi, c) : 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char path[64];
        request_path(wsi, path, sizeof path);
        return route_of(path) == R_NONE; /* only /echo and /chat upgrade */
    }
    case LWS_CALLBACK_ESTABLISHED:
        ws_opened(c, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE: {
        if (c->close_code)
            return 0;
        int binary = lws_frame_is_binary(wsi);
        enum rx_result r = rx_append(&S.mem, &c->rx, LWS_PRE, S.o.max_message, in, len, binary);
        if (r == RX_TOO_BIG) {
            char why[96];
            snprintf(why, sizeof why, "message too big (limit %zu bytes)", S.o.max_message);
            close_later(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, why);
            return 0;
        }
        if (r == RX_NO_MEMORY) {
            close_later(c, CLOSE_TRY_AGAIN_LATER, "server busy: its memory limit is reached");
            return 0;
        }
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            struct wsmsg *m = rx_take(&S.mem, &c->rx, LWS_PRE, binary);
            if (!m) {
                close_later(c, CLOSE_TRY_AGAIN_LATER, "server busy: its memory limit is reached");
                return 0;
            }
            received(c, m);
            wsmsg_unref(&S.mem, m);
        }
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (c->close_code) {
            lws_close_reason(wsi, (enum lws_close_status)c->close_code, (unsigned char *)c->close_reason,
                             strlen(c->close_reason));
            if (!c->close_said)
                say("#%u %s closing: %u %s", c->id, route_path(c->route), c->close_code, c->close_reason);
            c->close_said = 1;
            return -1;
        }
        struct wsmsg *m = msgq_peek(&c->q);
        if (!m)
            return 0;
        int n = lws_write(wsi, m->data, m->len, m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
        if (n < (int)m->len)
            return -1;
        msgq_pop(&S.mem, &c->q);
        flow(c);
        if (c->q.count)
            lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        unsigned code = len >= 2 ? (unsigned)((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1] : 1005;
        char why[160];
        wsi_escape_preview(len > 2 ? (const uint8_t *)in + 2 : NULL, len > 2 ? len - 2 : 0, 60, 1, why, sizeof why);
        say("#%u %s the client closes: %u \"%s\"", c->id, route_path(c->route), code, why);
        return 0;
    }
    case LWS_CALLBACK_CLOSED:
        ws_closed(c);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"wsecho", callback, sizeof(struct pss), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static const struct lws_extension extensions[] = {
    {"permessage-deflate", lws_extension_callback_pm_deflate, "permessage-deflate; client_max_window_bits"},
    {NULL, NULL, NULL},
};

/* Before libwebsockets binds: the address exists and the port is free, said in one sentence.
 * Returns 0, or an exit status. */
static int check_address(const struct wsecho_opts *o)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char port[8];
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof port, "%u", o->port);
    if (getaddrinfo(o->listen, port, &hints, &ai) || !ai) {
        fprintf(stderr, "wsecho: --listen %s: not an IP address (127.0.0.1, 0.0.0.0, ::1 or one of this machine's)\n",
                o->listen);
        return WSECHO_EXIT_USAGE;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, err = 0;
    if (fd < 0) {
        err = errno;
    } else {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen))
            err = errno;
        close(fd);
    }
    freeaddrinfo(ai);
    if (!err)
        return 0;
    const char *br = strchr(o->listen, ':') ? "[" : "", *bc = *br ? "]" : "";
    if (err == EADDRINUSE)
        fprintf(stderr, "wsecho: %s%s%s:%u is already in use (another wsecho or server?): stop it or choose another port with --port\n",
                br, o->listen, bc, o->port);
    else if (err == EADDRNOTAVAIL)
        fprintf(stderr, "wsecho: --listen %s: no network interface of this machine has that address\n", o->listen);
    else if (err == EACCES)
        fprintf(stderr, "wsecho: port %u needs root (ports below 1024 are privileged): choose another with --port\n",
                o->port);
    else
        fprintf(stderr, "wsecho: cannot listen on %s%s%s:%u: %s\n", br, o->listen, bc, o->port, strerror(err));
    return WSECHO_EXIT_START;
}

static void lws_log_to_stderr(int level, const char *line)
{
    (void)level;
    fprintf(stderr, "wsecho: lws: %s", line);
}

/* The URL the class types, with the address as a browser wants it. */
static void url_host(const struct wsecho_opts *o, char *buf, size_t len)
{
    if (!strcmp(o->listen, "0.0.0.0") || !strcmp(o->listen, "::"))
        snprintf(buf, len, "127.0.0.1");
    else if (strchr(o->listen, ':'))
        snprintf(buf, len, "[%s]", o->listen);
    else
        snprintf(buf, len, "%s", o->listen);
}

int main(int argc, char **argv)
{
    char err[512];
    if (wsecho_parse(argc, argv, &S.o, err, sizeof err)) {
        fprintf(stderr, "wsecho: %s (wsecho --help lists the options)\n", err);
        return WSECHO_EXIT_USAGE;
    }
    const struct wsecho_opts *o = &S.o;
    if (o->help) {
        fputs(wsecho_usage, stdout);
        return WSECHO_EXIT_OK;
    }
    if (o->version) {
        printf("wsecho %s (libwebsockets %s, %s)\n", WS_VERSION, lws_get_library_version(),
               OpenSSL_version(OPENSSL_VERSION));
        return WSECHO_EXIT_OK;
    }
    int rc = check_address(o);
    if (rc)
        return rc;
    if (page_build(&S.page, (const char *)wsecho_page_html, wsecho_page_html_len, (const char *)wsecho_page_css,
                   wsecho_page_css_len, (const char *)wsecho_page_js, wsecho_page_js_len, err, sizeof err)) {
        fprintf(stderr, "wsecho: %s\n", err);
        return WSECHO_EXIT_START;
    }
    S.mem.limit = o->max_memory;

    /* TLS: the certificate given, checked first, or one made now in a private temporary folder */
    char tmpdir[4096], certpath[4200], keypath[4200], fpr[128] = "";
    const char *cert = o->cert, *key = o->key;
    int made_cert = 0;
    if (o->tls && cert) {
        if (tls_check_pair(cert, key, err, sizeof err)) {
            fprintf(stderr, "wsecho: %s\n", err);
            page_free(&S.page);
            return WSECHO_EXIT_START;
        }
    } else if (o->tls) {
        const char *td = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/wsecho-XXXXXX", td && *td && strlen(td) < 4000 ? td : "/tmp");
        if (!mkdtemp(tmpdir)) {
            fprintf(stderr, "wsecho: cannot make a temporary folder for the certificate: %s\n", strerror(errno));
            page_free(&S.page);
            return WSECHO_EXIT_START;
        }
        if (tls_make_selfsigned(tmpdir, o->listen, 30, err, sizeof err)) {
            fprintf(stderr, "wsecho: %s\n", err);
            rmdir(tmpdir);
            page_free(&S.page);
            return WSECHO_EXIT_START;
        }
        snprintf(certpath, sizeof certpath, "%s/cert.pem", tmpdir);
        snprintf(keypath, sizeof keypath, "%s/key.pem", tmpdir);
        cert = certpath;
        key = keypath;
        made_cert = 1;
    }
    if (o->tls)
        tls_fingerprint(cert, fpr, sizeof fpr);
    if (o->keylog && keylog_open(o->keylog, err, sizeof err)) {
        fprintf(stderr, "wsecho: %s\n", err);
        rc = WSECHO_EXIT_START;
        goto out_files;
    }

    lws_set_log_level(o->verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO : 0, lws_log_to_stderr);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = (int)o->port;
    info.protocols = protocols;
    info.extensions = o->deflate ? extensions : NULL;
    info.vhost_name = "wsecho";
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (strcmp(o->listen, "0.0.0.0") && strcmp(o->listen, "::"))
        info.iface = o->listen;
    if (!strchr(o->listen, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.fd_limit_per_thread = 64 + 3 * o->max_connections;
    info.alpn = "http/1.1"; /* no HTTP/2: WebSocket over HTTP/1.1 Upgrade, the one lesson 05 shows */
    if (o->tls) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cert;
        info.ssl_private_key_filepath = key;
    }
    S.ctx = lws_create_context(&info);
    if (made_cert) { /* loaded: the files are not needed any more */
        unlink(certpath);
        unlink(keypath);
        rmdir(tmpdir);
        made_cert = 0;
    }
    if (!S.ctx) {
        fprintf(stderr, "wsecho: libwebsockets could not start the server on %s:%u (run with -v to see why)\n",
                o->listen, o->port);
        rc = WSECHO_EXIT_START;
        goto out_files;
    }
    snprintf(S.scheme, sizeof S.scheme, "%s", o->tls ? "https" : "http");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char host[80];
    url_host(o, host, sizeof host);
    say("serving %s://%s:%u/ (the page), %s://%s:%u/echo and %s://%s:%u/chat; Ctrl-C stops", S.scheme, host,
        o->port, o->tls ? "wss" : "ws", host, o->port, o->tls ? "wss" : "ws", host, o->port);
    if (o->tls)
        say("TLS with %s certificate, SHA-256 %s%s", o->cert ? "the" : "a self-signed", fpr,
            o->cert ? "" : " (the browser warns: accept it once)");
    if (o->keylog)
        say("TLS secrets appended to %s: wsinspect --keylog %s reads them", o->keylog, o->keylog);
    if (o->news)
        lws_sul_schedule(S.ctx, 0, &S.sul_news, news_tick, (lws_usec_t)o->news * LWS_US_PER_SEC);

    while (!stop_signal)
        if (lws_service(S.ctx, 0) < 0)
            break;

    /* Shutdown: every WebSocket closed with 1001 (going away), then a few seconds for the
     * clients' answers before the rest is dropped. */
    S.shutting_down = 1;
    lws_sul_cancel(&S.sul_news);
    lws_sul_schedule(S.ctx, 0, &S.sul_news, shutdown_tick, 100000);
    if (stop_signal)
        say("%s: closing %u connection%s with 1001 (going away)", stop_signal == SIGINT ? "interrupted" : "terminated",
            S.open, S.open == 1 ? "" : "s");
    for (struct pss *c = S.conns; c; c = c->next)
        close_later(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (S.open) {
        if (lws_service(S.ctx, 0) < 0)
            break;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec >= 3)
            break;
    }
    if (S.open)
        say("%u connection%s did not answer the close: dropped", S.open, S.open == 1 ? "" : "s");
    lws_context_destroy(S.ctx);
    S.ctx = NULL;
    if (o->keylog)
        say("%lu TLS secret line%s written to %s", keylog_lines(), keylog_lines() == 1 ? "" : "s", o->keylog);
    say("stopped");
    rc = WSECHO_EXIT_OK;
out_files:
    keylog_close();
    if (made_cert) {
        unlink(certpath);
        unlink(keypath);
        rmdir(tmpdir);
    }
    page_free(&S.page);
    return rc;
}
