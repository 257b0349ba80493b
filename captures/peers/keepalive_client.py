#!/usr/bin/python3
"""A raw-socket client for captures/make-captures.sh: plain HTTP first, then
a WebSocket upgrade on the SAME keep-alive TCP connection.

Usage: /usr/bin/python3 keepalive_client.py HOST PORT

1. GET /status HTTP/1.1 with Connection: keep-alive; read the 200 response.
2. On the same socket, the upgrade request with the RFC 6455 sample key
   dGhlIHNhbXBsZSBub25jZQ== (so the Accept must be s3pPLMBiTxaQ9kYGzzhZRbK+xOo=).
3. Frames built and masked by hand: a text message, then close 1000.
"""
import base64
import hashlib
import socket
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KEY = "dGhlIHNhbXBsZSBub25jZQ=="


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("client: connection closed early")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        """Reads an HTTP head (status line and headers) and returns (status, headers)."""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("client: connection closed early")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(lines[0].split()[1]), headers


def frame(opcode, payload, mask_key):
    """One final, masked client frame (payload under 126 bytes here)."""
    masked = bytes(b ^ mask_key[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask_key + masked


def read_frame(c):
    b0, b1 = c.need(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", c.need(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", c.need(8))[0]
    if b1 & 0x80:
        raise SystemExit("client: the server masked its frame")
    return b0 & 0x0F, c.need(n)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    hostport = "%s:%d" % (host, port)
    c = Conn(host, port)

    c.sock.sendall(("GET /status HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n"
                    "User-Agent: wsinspect-capture\r\n\r\n" % hostport).encode("ascii"))
    status, headers = c.head()
    body = c.need(int(headers.get("content-length", "0")))
    print("client: /status ->", status, body, file=sys.stderr)
    if status != 200:
        raise SystemExit("client: /status failed")

    c.sock.sendall(("GET /chat HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n" % (hostport, KEY)).encode("ascii"))
    status, headers = c.head()
    want = base64.b64encode(hashlib.sha1(KEY.encode("ascii") + GUID).digest()).decode("ascii")
    if status != 101 or headers.get("sec-websocket-accept") != want:
        raise SystemExit("client: bad upgrade answer %d %r" % (status, headers))

    c.sock.sendall(frame(0x1, b"hello after /status", b"\x37\xfa\x21\x3d"))
    op, data = read_frame(c)
    if (op, data) != (0x1, b"hello after /status"):
        raise SystemExit("client: unexpected echo %r" % data)
    c.sock.sendall(frame(0x8, struct.pack("!H", 1000), b"\x0a\x0b\x0c\x0d"))
    op, data = read_frame(c)
    if op != 0x8:
        raise SystemExit("client: expected the server's close")
    print("client: server closed with", struct.unpack("!H", data[:2])[0], file=sys.stderr)
    # The server closes TCP first (RFC 6455 section 7.1.1); wait for it.
    while c.sock.recv(4096):
        pass
    c.sock.close()


if __name__ == "__main__":
    main()
