#!/usr/bin/python3
"""Plain-HTTP real-time transports for captures/make-http-captures.sh.

Usage: /usr/bin/python3 http_transport_server.py HOST PORT

One small HTTP/1.1 server (standard library only: http.server's
ThreadingHTTPServer) with the four "before WebSocket" transports of
lessons 01-04. Every answer is fixed text; only the Date header, ports and
timing differ between runs. The counters below are per server process, and
make-http-captures.sh starts a fresh process for every capture.

  GET /poll       lesson 01, short polling. Polls 1-3 and 5 get
                  "204 No Content" (nothing new); polls 4 and 6 get
                  "200 OK" with {"msg":"new message"} (Content-Length).
  GET /longpoll   lesson 02, long polling. The server holds the request
                  until it has something to say: the 1st request 1.5 s,
                  the 2nd 0.5 s (then 0.5 s for any later one); the answer
                  is 200 with a small JSON body (Content-Length).
  GET /stream     lesson 03, HTTP streaming. 200 with Transfer-Encoding:
                  chunked; "tick 1\\n" ... "tick 5\\n", one chunk every
                  150 ms, then the last (zero-size) chunk 150 ms later.
  GET /events     lesson 04, Server-Sent Events. 200 text/event-stream,
                  chunked, one SSE block per chunk every 150 ms (a retry
                  field, id 1 "hello", a multi-line "update" with id 2, a
                  comment, "bye"), then the zero-size chunk: the response
                  ends and the connection stays open for the client.
  GET /stream-deflate   /stream with Content-Encoding: deflate (a zlib
                  stream, RFC 9110 section 8.4.1.2): each tick is
                  compressed and sync-flushed into its own chunk, the end
                  of the zlib stream is one more chunk.
  GET /events-gzip      /events with Content-Encoding: gzip, the same way.

Wire details on purpose: the header block and a Content-Length body leave
in one write; in a streamed answer the header block leaves at once and every
chunk is its own write. TCP_NODELAY is on, so each write is one TCP segment
on loopback. The server keeps connections alive (HTTP/1.1) until the client
closes them. Runs until killed; one log line per request on stderr.
"""
import http.server
import sys
import threading
import time
import zlib

SERVER_NAME = "wsinspect-lesson-server/1.0"   # fixed: no Python version in it
STEP = 0.150                                  # seconds between streamed pieces

POLL_BODY = b'{"msg":"new message"}'
POLL_NEWS_AT = (4, 6)                         # which polls find something new
LONGPOLL_HOLD = (1.5, 0.5)                    # 1st, 2nd (and later) hold time

STREAM_CHUNKS = [b"tick %d\n" % n for n in range(1, 6)]

SSE_BLOCKS = [
    b"retry: 3000\n\n",
    b"id: 1\ndata: hello\n\n",
    b"event: update\nid: 2\ndata: first line\ndata: second line\n\n",
    b": keep-alive\n\n",
    b"event: bye\ndata: done\n\n",
]


def compressed(pieces, wbits):
    """Each piece compressed and sync-flushed on its own (a receiver can
    decode it at once), then the end of the stream as one more piece."""
    z = zlib.compressobj(9, zlib.DEFLATED, wbits)
    out = [z.compress(p) + z.flush(zlib.Z_SYNC_FLUSH) for p in pieces]
    return out + [z.flush(zlib.Z_FINISH)]


class Counter:
    """A request counter shared by the handler threads of one server."""

    def __init__(self):
        self._lock = threading.Lock()
        self._n = 0

    def next(self):
        with self._lock:
            self._n += 1
            return self._n


POLLS = Counter()
LONGPOLLS = Counter()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive; chunked answers allowed
    disable_nagle_algorithm = True    # TCP_NODELAY: a write is a segment
    wbufsize = -1                     # buffer writes until flush(): header
                                      # block and a short body leave together

    def version_string(self):
        return SERVER_NAME

    # -- helpers ------------------------------------------------------------

    def reply(self, code, body=b"", ctype=None):
        """A whole answer in one write: status, headers, Content-Length body."""
        self.send_response(code)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        if code != 204:               # a 204 must not carry Content-Length
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def start_chunked(self, ctype, coding=None):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if coding is not None:
            self.send_header("Content-Encoding", coding)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()            # the header block goes out on its own

    def send_chunk(self, data):
        # chunk = hex size CRLF data CRLF; the zero-size chunk ends the body.
        self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
        self.wfile.flush()

    def stream(self, ctype, pieces, coding=None):
        """Chunked answer: header block now, then one piece every STEP s."""
        self.start_chunked(ctype, coding)
        t0 = time.monotonic()
        try:
            for i, piece in enumerate(pieces + [b""], start=1):
                time.sleep(max(0.0, t0 + i * STEP - time.monotonic()))
                self.send_chunk(piece)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True      # the client went away early

    # -- the four transports ------------------------------------------------

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/poll":
            n = POLLS.next()
            if n in POLL_NEWS_AT:
                self.reply(200, POLL_BODY, "application/json")
            else:
                self.reply(204)
        elif path == "/longpoll":
            n = LONGPOLLS.next()
            time.sleep(LONGPOLL_HOLD[min(n, len(LONGPOLL_HOLD)) - 1])
            body = b'{"seq":%d,"msg":"new message"}' % n
            self.reply(200, body, "application/json")
        elif path == "/stream":
            self.stream("text/plain; charset=utf-8", STREAM_CHUNKS)
        elif path == "/events":
            self.stream("text/event-stream", SSE_BLOCKS)
        elif path == "/stream-deflate":
            self.stream("text/plain; charset=utf-8", compressed(STREAM_CHUNKS, zlib.MAX_WBITS), "deflate")
        elif path == "/events-gzip":
            self.stream("text/event-stream", compressed(SSE_BLOCKS, 16 + zlib.MAX_WBITS), "gzip")
        else:
            self.reply(404, b"not found\n", "text/plain; charset=utf-8")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: http_transport_server.py HOST PORT")
    server = http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
