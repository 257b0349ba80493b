#!/usr/bin/python3
"""A deliberately broken WebSocket server for captures/make-captures.sh.

Usage: /usr/bin/python3 broken_accept_server.py HOST PORT

It answers every upgrade request with 101 Switching Protocols, but computes
Sec-WebSocket-Accept WRONGLY: base64(SHA-1(key)) without appending the
RFC 6455 GUID. A correct client must refuse the connection. After its answer
it waits for the client to go away, then closes its side. Runs until killed.
"""
import base64
import hashlib
import socket
import sys


def wrong_accept(key):
    # The mistake on purpose: the GUID is missing from the hashed string.
    return base64.b64encode(hashlib.sha1(key.encode("ascii")).digest()).decode("ascii")


def serve_one(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk
    key = ""
    for line in data.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "sec-websocket-key":
            key = value.strip()
    conn.sendall(("HTTP/1.1 101 Switching Protocols\r\n"
                  "Upgrade: websocket\r\n"
                  "Connection: Upgrade\r\n"
                  "Sec-WebSocket-Accept: %s\r\n\r\n" % wrong_accept(key)).encode("ascii"))
    conn.settimeout(10)
    try:
        while conn.recv(4096):        # whatever the client sends, until it closes
            pass
    except OSError:
        pass


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(4)
    print("broken server listening on %s port %d" % (host, port), file=sys.stderr, flush=True)
    while True:
        conn, _ = srv.accept()
        with conn:
            serve_one(conn)


if __name__ == "__main__":
    main()
