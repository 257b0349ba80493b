#!/usr/bin/python3
"""A WebSocket client and server on 127.0.0.1 that push messages both ways at a set rate,
for tests/e2e/live.sh (a live capture that must see every one of them).

Usage: /usr/bin/python3 live_peer.py --rate N --seconds S [--size B] --port-file F --go-file G

The server listens on an ephemeral port and writes the port to F; once G exists (the capture
is running) the client connects. Each side then sends N text messages a second for S seconds
(B bytes each, numbered), reads all the other side's, and the client closes with 1000.
The last line on standard output is JSON: what each side sent and received, the port and
the seconds the exchange took. Exit status 0 when every message arrived, in order.

Written for websockets 10.x (Debian 12's python3-websockets), legacy API.
"""
import argparse
import asyncio
import json
import os
import sys
import time

import websockets

COMMON = dict(compression=None, ping_interval=None, max_queue=None, close_timeout=5)


def message(tag, i, size):
    text = "%s%07d " % (tag, i)
    return text + "." * max(0, size - len(text))


async def pump(ws, tag, total, rate, size):
    """Send `total` messages, `rate` a second, in 5 ms steps."""
    start = time.monotonic()
    sent = 0
    while sent < total:
        due = min(total, int((time.monotonic() - start) * rate) + 1)
        while sent < due:
            await ws.send(message(tag, sent, size))
            sent += 1
        await asyncio.sleep(0.005)
    return sent


async def drain(ws, tag, total, size):
    """Read `total` messages of the other side, checking their order."""
    got = 0
    while got < total:
        msg = await ws.recv()
        if msg != message(tag, got, size):
            raise RuntimeError("message %d from the other side is %r" % (got, msg[:20]))
        got += 1
    return got


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--go-file", required=True)
    a = ap.parse_args()
    total = int(a.rate * a.seconds)
    result = {}

    async def serve(ws, path):
        sent, got = await asyncio.gather(pump(ws, "s", total, a.rate, a.size), drain(ws, "c", total, a.size))
        result["server_sent"], result["server_received"] = sent, got
        await ws.wait_closed()

    server = await websockets.serve(serve, "127.0.0.1", 0, **COMMON)
    port = server.sockets[0].getsockname()[1]
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(a.port_file + ".tmp", a.port_file)
    for _ in range(400):
        if os.path.exists(a.go_file):
            break
        await asyncio.sleep(0.05)
    else:
        print("live_peer: %s never appeared" % a.go_file, file=sys.stderr)
        return 2

    t0 = time.monotonic()
    async with websockets.connect("ws://127.0.0.1:%d/live" % port, **COMMON) as ws:
        sent, got = await asyncio.gather(pump(ws, "c", total, a.rate, a.size), drain(ws, "s", total, a.size))
        result["client_sent"], result["client_received"] = sent, got
        await ws.close(1000, "done")
    server.close()
    await server.wait_closed()
    result["port"] = port
    result["seconds"] = round(time.monotonic() - t0, 3)
    result["rate"] = a.rate
    print(json.dumps(result, sort_keys=True))
    ok = all(result.get(k) == total for k in ("server_sent", "server_received", "client_sent", "client_received"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
