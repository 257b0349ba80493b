#!/usr/bin/env python3
"""ws_client.py - a small WebSocket client for the wsecho tests, on the standard library only
(socket, ssl, zlib): it does its own handshake and framing so that the tests check the
server's wire behaviour, not another library's.

  ws_client.py --port N [--host H] [--path /echo] [--tls] [--deflate] [--timeout S] ACTION...

Actions, in order:
  text:STRING       send a text message (masked, one frame)
  frag:A|B|C        send one text message in three frames (continuations)
  bin:HEX           send a binary message
  big:N             send a text message of N bytes ('x' repeated)
  ping:STRING       send a ping
  recv              wait for one message (text, binary or pong) and print it
  recv:N            the same N times
  until:TEXT        print messages as they come until a text message containing TEXT
  close:CODE:REASON send a close frame
  expect-close      read until the server's close frame (messages on the way printed) or EOF
  sleep:S           wait S seconds
Printed, one line each: "open" with the Accept verdict and the extensions; "text ...",
"binary HEX", "pong ..."; "close CODE REASON"; "eof" when the TCP connection ends without
a close frame; "http STATUS" when the upgrade is refused. Exit 0, or 1 on a protocol error
or timeout (said on stderr)."""
import argparse, base64, hashlib, os, socket, ssl, struct, sys, time, zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Conn:
    def __init__(self, a):
        self.a = a
        raw = socket.create_connection((a.host, a.port), timeout=a.timeout)
        if a.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            raw = ctx.wrap_socket(raw, server_hostname=a.host)
        self.s = raw
        self.buf = b""
        self.inflater = None
        self.msg = None  # (opcode, bytes, compressed) being reassembled

    def read(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def handshake(self):
        key = base64.b64encode(os.urandom(16))
        ext = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if self.a.deflate else ""
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: http://%s:%d\r\n%s\r\n"
               % (self.a.path, self.a.host, self.a.port, key.decode(), self.a.host, self.a.port, ext))
        self.s.sendall(req.encode())
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0].split(" ")[1]
        if status != "101":
            print("http", status, flush=True)
            return False
        hdr = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdr[k.strip().lower()] = v.strip()
        want = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        ok = hdr.get("sec-websocket-accept") == want
        exts = hdr.get("sec-websocket-extensions", "")
        if "permessage-deflate" in exts:
            self.inflater = zlib.decompressobj(-15)
        print("open accept=%s extensions=%s" % ("valid" if ok else "WRONG", exts or "none"), flush=True)
        return ok

    def send(self, opcode, payload, fin=True):
        mask = os.urandom(4)
        b0 = (0x80 if fin else 0) | opcode
        n = len(payload)
        if n < 126:
            h = struct.pack("!BB", b0, 0x80 | n)
        elif n < 65536:
            h = struct.pack("!BBH", b0, 0x80 | 126, n)
        else:
            h = struct.pack("!BBQ", b0, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if n < 1 << 16 else \
            (int.from_bytes(payload, "big") ^ int.from_bytes((mask * (n // 4 + 1))[:n], "big")).to_bytes(n, "big")
        self.s.sendall(h + mask + masked)

    def frame(self):
        b0, b1 = self.read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.read(8))[0]
        if b1 & 0x80:
            raise ValueError("the server masked a frame")
        return b0 & 0x80, b0 & 0x40, b0 & 0x0F, self.read(n)

    def message(self):
        """The next whole message: (opcode, payload)."""
        while True:
            fin, rsv1, op, data = self.frame()
            if op >= 8:
                return op, data
            if op != 0:
                self.msg = [op, data, bool(rsv1)]
            else:
                self.msg[1] += data
            if fin:
                op, data, comp = self.msg
                if comp:
                    data = self.inflater.decompress(data + b"\x00\x00\xff\xff")
                self.msg = None
                return op, data


def show(op, data):
    if op == 1:
        print("text", data.decode("utf-8"), flush=True)
    elif op == 2:
        print("binary", data.hex(), flush=True)
    elif op == 10:
        print("pong", data.decode("utf-8", "replace"), flush=True)
    elif op == 8:
        code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
        print("close", code, data[2:].decode("utf-8", "replace"), flush=True)
    else:
        print("opcode", op, data.hex(), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/echo")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--deflate", action="store_true")
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("actions", nargs="*")
    a = ap.parse_args()
    c = Conn(a)
    try:
        if not c.handshake():
            return 0
        for act in a.actions:
            verb, _, arg = act.partition(":")
            if verb == "text":
                c.send(1, arg.encode())
            elif verb == "frag":
                parts = arg.split("|")
                for i, p in enumerate(parts):
                    c.send(1 if i == 0 else 0, p.encode(), fin=i == len(parts) - 1)
            elif verb == "bin":
                c.send(2, bytes.fromhex(arg))
            elif verb == "big":
                c.send(1, b"x" * int(arg))
            elif verb == "ping":
                c.send(9, arg.encode())
            elif verb == "recv":
                for _ in range(int(arg or 1)):
                    show(*c.message())
            elif verb == "until":
                while True:
                    op, data = c.message()
                    show(op, data)
                    if op == 1 and arg in data.decode("utf-8"):
                        break
                    if op == 8:
                        print("ws_client: closed before a message with " + arg, file=sys.stderr)
                        return 1
            elif verb == "close":
                code, _, reason = arg.partition(":")
                c.send(8, struct.pack("!H", int(code)) + reason.encode())
            elif verb == "expect-close":
                while True:
                    op, data = c.message()
                    show(op, data)
                    if op == 8:
                        break
            elif verb == "sleep":
                time.sleep(float(arg))
            else:
                print("ws_client: unknown action " + act, file=sys.stderr)
                return 1
    except EOFError:
        print("eof", flush=True)
    except (socket.timeout, TimeoutError):
        print("ws_client: timed out waiting for the server", file=sys.stderr)
        return 1
    except (ValueError, ConnectionError, ssl.SSLError) as e:
        print("ws_client: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
