#!/usr/bin/python3
"""Python `websockets` peers for captures/make-captures.sh.

Usage: /usr/bin/python3 py_peer.py server|client SCENARIO HOST PORT

Each scenario is one short, scripted conversation with fixed messages, so a
capture made again holds the same frames (only keys, masks, ports and timing
change).  Servers run until they are killed; clients exit when their
conversation is over (exit status 0 when it went as planned).

Written for websockets 10.x (Debian 12's python3-websockets), legacy API.
"""
import asyncio
import base64
import http
import os
import socket
import struct
import sys

import websockets

from payloads import pattern

# Keep-alive pings are off everywhere: a ping may only appear where a
# scenario sends one.
COMMON = dict(ping_interval=None, close_timeout=5)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---- servers -----------------------------------------------------------

async def srv_chat(ws):
    """Lesson 05's ladder, server side."""
    if await ws.recv() != "hello":
        return
    await ws.send("hi there")
    await ws.send("news update")          # pushed without being asked
    if await ws.recv() != "typing...":
        return
    await ws.send("user joined")          # pushed again
    await ws.wait_closed()                # the client starts the close


async def srv_echo(ws):
    """Echoes every message back as one message of the same type."""
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed as exc:
        log("server: connection closed:", exc.code, exc.reason)


async def srv_multi(ws):
    """Echoes with a prefix, so the reply names the connection's path."""
    async for msg in ws:
        await ws.send("echo " + ws.path + ": " + msg)


async def srv_close_reason(ws):
    """Answers one message, then closes with 1001 and a reason."""
    msg = await ws.recv()
    await ws.send(msg)
    await ws.close(1001, "server shutting down")


async def refuse_private(path, request_headers):
    """process_request hook: /private is refused with 403 before the upgrade."""
    if path == "/private":
        return (http.HTTPStatus.FORBIDDEN, [("Content-Type", "text/plain"), ("Connection", "close")],
                b"forbidden: no WebSocket here\n")
    return None


async def require_13(path, request_headers):
    """process_request hook: a version other than 13 is refused with 426 Upgrade Required and
    the versions this server speaks, as RFC 6455 4.2.2 and 4.4 describe (websockets itself
    would answer 400 without the list)."""
    if request_headers.get("Sec-WebSocket-Version") != "13":
        return (http.HTTPStatus.UPGRADE_REQUIRED,
                [("Sec-WebSocket-Version", "13"), ("Content-Type", "text/plain"), ("Connection", "close")],
                b"this server speaks WebSocket version 13\n")
    return None


SERVERS = {
    # scenario: (handler, extra keyword arguments for websockets.serve)
    "chat": (srv_chat, dict(compression=None)),
    "deflate": (srv_echo, dict()),                 # permessage-deflate on (default)
    "deflate-fragmented": (srv_echo, dict()),
    "binary": (srv_echo, dict(compression=None, max_size=1 << 20)),
    "fragmented": (srv_echo, dict(compression=None)),
    "rst": (srv_echo, dict(compression=None)),
    "close-reason": (srv_close_reason, dict(compression=None)),
    "refused": (srv_echo, dict(compression=None, process_request=refuse_private)),
    "ipv6": (srv_echo, dict(compression=None)),
    "multi": (srv_multi, dict(compression=None)),
    "version": (srv_echo, dict(compression=None, process_request=require_13)),
    "proxied": (srv_echo, dict()),                 # run_proxied: a relay in front of the echo
}


async def relay(reader, writer):
    """Copies one direction until its end, then ends the other side's writing (a half close)."""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        pass


async def run_proxied(host, port):
    """A TCP relay on PORT in front of the echo server on PORT + 1, as a reverse proxy without
    TLS: each connection to the relay opens one to the server, and bytes go through unchanged,
    so the capture holds two legs of the same WebSocket session."""
    async def leg(c_reader, c_writer):
        s_reader, s_writer = await asyncio.open_connection(host, port + 1)
        await asyncio.gather(relay(c_reader, s_writer), relay(s_reader, c_writer))
        c_writer.close()
        s_writer.close()

    async with websockets.serve(srv_echo, host, port + 1, compression=None, **COMMON):
        relay_srv = await asyncio.start_server(leg, host, port)
        async with relay_srv:
            log("server proxied: relay on %s port %d, echo on port %d" % (host, port, port + 1))
            await asyncio.Future()        # until killed


async def run_server(scenario, host, port):
    if scenario == "proxied":
        await run_proxied(host, port)
        return
    handler, extra = SERVERS[scenario]
    async with websockets.serve(handler, host, port, **COMMON, **extra):
        log("server %s listening on %s port %d" % (scenario, host, port))
        await asyncio.Future()            # until killed


# ---- clients -----------------------------------------------------------

def uri(host, port, path):
    if ":" in host:
        host = "[" + host + "]"
    return "ws://%s:%d%s" % (host, port, path)


def expect(got, want):
    if got != want:
        raise SystemExit("client: expected %r, got %r" % (want, got))


async def cli_chat(host, port):
    """Lesson 05's ladder, client side: hello / hi there / news update /
    typing... / user joined / close 1000 started by the client."""
    ws = await websockets.connect(uri(host, port, "/chat"), compression=None, **COMMON)
    await ws.send("hello")
    expect(await ws.recv(), "hi there")
    expect(await ws.recv(), "news update")
    await ws.send("typing...")
    expect(await ws.recv(), "user joined")
    await ws.close(1000)


async def cli_deflate(host, port):
    """permessage-deflate as websockets offers it by default; the same text
    twice shows the shared window (context takeover) at work."""
    ws = await websockets.connect(uri(host, port, "/deflate"), **COMMON)
    log("client: extensions", ws.extensions)
    msgs = [
        "compress me: " + "the quick brown fox jumps over the lazy dog. " * 4,
        "compress me: " + "the quick brown fox jumps over the lazy dog. " * 4,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "short",
    ]
    for m in msgs:
        await ws.send(m)
        expect(await ws.recv(), m)
    await ws.close(1000)


async def cli_deflate_fragmented(host, port):
    """A compressed text sent in fragments: RSV1 is on the first frame only
    (RFC 7692 section 6.1), the continuations carry the rest of the deflate
    stream; the server echoes it as one compressed frame."""
    ws = await websockets.connect(uri(host, port, "/deflate-fragmented"), **COMMON)
    log("client: extensions", ws.extensions)
    parts = ["compressed ", "in three ", "fragments: " + "la " * 30]
    await ws.send(parts)
    expect(await ws.recv(), "".join(parts))
    await ws.close(1000)


async def cli_binary(host, port):
    """Binary messages whose lengths take each length encoding:
    125 (7-bit), 126 and 65535 (16-bit), 70000 (64-bit)."""
    ws = await websockets.connect(uri(host, port, "/binary"), compression=None,
                                  max_size=1 << 20, **COMMON)
    for n in (125, 126, 65535, 70000):
        data = pattern(n)
        await ws.send(data)
        expect(await ws.recv(), data)
    await ws.close(1000)


async def cli_fragmented(host, port):
    """A text and a binary message sent in fragments (websockets sends each
    item of a list as one frame, then an empty final continuation)."""
    ws = await websockets.connect(uri(host, port, "/fragmented"), compression=None, **COMMON)
    parts = ["frag", "mented ", "text"]
    await ws.send(parts)
    expect(await ws.recv(), "".join(parts))
    bparts = [b"\x00\x01\x02\x03", b"\x04\x05", b"\x06\x07\x08"]
    await ws.send(bparts)
    expect(await ws.recv(), b"".join(bparts))
    await ws.close(1000)


async def cli_rst(host, port):
    """Sends one message, reads the echo, then resets the TCP connection
    (SO_LINGER 0 and close): no close frame, the server sees 1006."""
    ws = await websockets.connect(uri(host, port, "/rst"), compression=None, **COMMON)
    await ws.send("goodbye without a close frame")
    expect(await ws.recv(), "goodbye without a close frame")
    sock = ws.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ws.transport.abort()
    await asyncio.sleep(0.2)


async def cli_close_reason(host, port):
    """The server closes with 1001 "server shutting down"; the client answers."""
    ws = await websockets.connect(uri(host, port, "/close-reason"), compression=None, **COMMON)
    await ws.send("are you there?")
    expect(await ws.recv(), "are you there?")
    await ws.wait_closed()
    log("client: closed by server:", ws.close_code, ws.close_reason)
    expect(ws.close_code, 1001)


async def cli_refused(host, port):
    """Asks to upgrade /private; the server answers 403 and no WebSocket opens."""
    try:
        ws = await websockets.connect(uri(host, port, "/private"), compression=None, **COMMON)
    except websockets.InvalidStatusCode as exc:
        log("client: refused as expected:", exc.status_code)
        expect(exc.status_code, 403)
        return
    await ws.close()
    raise SystemExit("client: the upgrade was accepted")


async def cli_wrong_accept(host, port):
    """Connects to the broken server; websockets must refuse its Accept."""
    try:
        ws = await websockets.connect(uri(host, port, "/chat"), compression=None, **COMMON)
    except websockets.InvalidHandshake as exc:
        log("client: refused the handshake as expected:", exc)
        return
    await ws.close()
    raise SystemExit("client: the wrong Accept was accepted")


async def cli_ipv6(host, port):
    ws = await websockets.connect(uri(host, port, "/ipv6"), compression=None, **COMMON)
    for m in ("hello over ::1", "still IPv6"):
        await ws.send(m)
        expect(await ws.recv(), m)
    await ws.close(1000)


async def cli_multi(host, port):
    """Three connections open at once; messages go round-robin so the
    connections' packets interleave in the capture."""
    conns = []
    for i in (1, 2, 3):
        conns.append(await websockets.connect(uri(host, port, "/client%d" % i),
                                              compression=None, **COMMON))
    for rnd in (1, 2, 3):
        for i, ws in enumerate(conns, 1):
            m = "client %d message %d" % (i, rnd)
            await ws.send(m)
            expect(await ws.recv(), "echo /client%d: %s" % (i, m))
    for ws in conns:
        await ws.close(1000)


async def cli_lws(host, port):
    """Against libwebsockets-test-server: dumb-increment-protocol streams
    counting numbers (read five), lws-mirror-protocol sends back what it gets."""
    ws = await websockets.connect(uri(host, port, "/"), compression=None,
                                  subprotocols=["dumb-increment-protocol"], **COMMON)
    expect(ws.subprotocol, "dumb-increment-protocol")
    for _ in range(5):
        log("client: dumb-increment says", await ws.recv())
    await ws.close(1000)
    ws = await websockets.connect(uri(host, port, "/"), compression=None,
                                  subprotocols=["lws-mirror-protocol"], **COMMON)
    expect(ws.subprotocol, "lws-mirror-protocol")
    for m in ("mirror one", "mirror two", "mirror three"):
        await ws.send(m)
        expect(await ws.recv(), m)
    await ws.close(1000)


async def cli_old_version(host, port):
    """An upgrade asking for version 8 (a draft's), written by hand since websockets always
    sends 13: the server answers 426 with the version it speaks; the client then asks again
    with 13, as RFC 6455 4.4 says it may, sends one message and closes."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(("GET /chat HTTP/1.1\r\n"
                  "Host: %s:%d\r\n"
                  "Upgrade: websocket\r\n"
                  "Connection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\n"
                  "Sec-WebSocket-Version: 8\r\n\r\n"
                  % (host, port, base64.b64encode(os.urandom(16)).decode("ascii"))).encode("ascii"))
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    expect(head.split("\r\n")[0], "HTTP/1.1 426 Upgrade Required")
    versions = [line.split(":", 1)[1].strip() for line in head.split("\r\n")[1:]
                if line.lower().startswith("sec-websocket-version:")]
    expect(versions, ["13"])
    await reader.read()                   # the body, up to the server's close
    writer.close()
    await writer.wait_closed()
    log("client: 426, the server speaks", versions[0])
    ws = await websockets.connect(uri(host, port, "/chat"), compression=None, **COMMON)
    await ws.send("hello in version 13")
    expect(await ws.recv(), "hello in version 13")
    await ws.close(1000)


async def cli_proxied(host, port):
    """Two messages through the relay, each echoed, then close 1000."""
    ws = await websockets.connect(uri(host, port, "/proxied"), compression=None, **COMMON)
    for m in ("through the proxy", "and back again"):
        await ws.send(m)
        expect(await ws.recv(), m)
    await ws.close(1000)


CLIENTS = {
    "chat": cli_chat,
    "deflate": cli_deflate,
    "deflate-fragmented": cli_deflate_fragmented,
    "binary": cli_binary,
    "fragmented": cli_fragmented,
    "rst": cli_rst,
    "close-reason": cli_close_reason,
    "refused": cli_refused,
    "wrong-accept": cli_wrong_accept,
    "ipv6": cli_ipv6,
    "multi": cli_multi,
    "lws": cli_lws,
    "old-version": cli_old_version,
    "proxied": cli_proxied,
}


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("server", "client"):
        raise SystemExit(__doc__)
    role, scenario, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    table = SERVERS if role == "server" else CLIENTS
    if scenario not in table:
        raise SystemExit("unknown %s scenario %r" % (role, scenario))
    if role == "server":
        asyncio.run(run_server(scenario, host, port))
    else:
        asyncio.run(asyncio.wait_for(CLIENTS[scenario](host, port), 30))


if __name__ == "__main__":
    main()
