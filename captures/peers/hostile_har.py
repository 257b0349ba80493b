#!/usr/bin/env python3
"""hostile_har.py OUT.har - a HAR whose every string is hostile to a terminal or a page.

A HAR is written by whatever made it: its URL, headers, producer name, messages and error texts
are data like a packet's bytes. This one carries terminal escape sequences (clear the screen,
colours, a title change, a hyperlink), control bytes and a NUL, markup and script, right-to-left
overrides, zero-width characters, invalid UTF-8 in binary data, a 200,000-character message and
a 300-character header, in a WebSocket entry whose handshake is valid (the RFC 6455 example key)
and an entry that failed. Standard library only; the output is the same on every run.
"""
import base64
import json
import sys

ESC = "\x1b"
NASTY = ESC + "[2J" + ESC + "[31mred" + ESC + "]0;owned\x07" + ESC + "]8;;http://x.test/\x07link" + ESC + "]8;;\x07"
MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>&amp;"
BIDI = "abc\u202edcba\u200b\u2066x\u2069"
CTRL = "a\x00b\x01c\x08d\x7fe\r\nf\tg"


def hdr(name, value):
    return {"name": name, "value": value}


def main():
    out = sys.argv[1]
    ws = {
        "_resourceType": "websocket",
        "startedDateTime": "2026-01-02T03:04:05.000Z",
        "time": 1500,
        "request": {
            "method": "GET",
            "url": "ws://evil.test:8080/" + "%1b[31m" + "?q=" + MARKUP,
            "httpVersion": "HTTP/1.1",
            "headers": [
                hdr("Host", "evil.test:8080"),
                hdr("Upgrade", "websocket"),
                hdr("Connection", "Upgrade"),
                hdr("Sec-WebSocket-Version", "13"),
                hdr("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                hdr("Origin", "http://" + NASTY + MARKUP),
                hdr("Sec-WebSocket-Protocol", BIDI + ", " + "p" * 300),
                hdr("User-Agent", CTRL),
            ],
        },
        "response": {
            "status": 101,
            "statusText": "Switching " + NASTY,
            "headers": [
                hdr("Upgrade", "websocket"),
                hdr("Connection", "Upgrade"),
                hdr("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                hdr("Sec-WebSocket-Protocol", BIDI),
            ],
            "content": {"size": 0, "mimeType": "x-unknown"},
        },
        "timings": {"send": 0, "wait": 10, "receive": 0},
        "_webSocketMessages": [
            {"type": "send", "time": 1767323045.1, "opcode": 1, "data": NASTY},
            {"type": "receive", "time": 1767323045.2, "opcode": 1, "data": MARKUP},
            {"type": "send", "time": 1767323045.3, "opcode": 1, "data": BIDI},
            {"type": "receive", "time": 1767323045.4, "opcode": 1, "data": CTRL},
            {"type": "receive", "time": 1767323045.5, "opcode": 2,
             "data": base64.b64encode(bytes(range(256)) + b"\xc3\x28\xed\xa0\x80").decode()},
            {"type": "send", "time": 1767323045.6, "opcode": 1, "data": "\u00e9" * 100000},
            {"type": "error", "time": 1767323045.7, "opcode": -1, "data": NASTY + MARKUP},
        ],
    }
    failed = {
        "_resourceType": "websocket",
        "startedDateTime": "2026-01-02T03:04:07.000Z",
        "request": {"method": "GET", "url": "wss://" + ESC + "[7mhost.test/" + MARKUP, "headers": []},
        "response": {"status": 0, "headers": [], "_error": "net::" + NASTY},
        "_webSocketMessages": [{"type": "error", "time": 1767323047.5, "opcode": -1, "data": CTRL}],
    }
    har = {"log": {"version": "1.2", "creator": {"name": "Evil " + NASTY, "version": MARKUP},
                   "pages": [], "entries": [ws, failed]}}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(har, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
