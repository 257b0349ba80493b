#!/usr/bin/env python3
"""html_check.py - checks of wsinspect --html and --mermaid output, for tests/e2e/html.sh.

  html_check.py page PAGE.html JSON.jsonl INPUT
      The page's data block holds --json's objects (the same lines, the same values) plus the
      fields --html adds, and those are right: the frame header rebuilt from the fields, the
      masked bytes the payload XOR the key, the Accept's SHA-1 of key + GUID (hashlib here).
      The page has its own three script elements and nothing else that is script; its meta
      names INPUT. Prints nothing and exits 0 when all holds, else says what does not.
  html_check.py mermaid FILE.mmd JSON.jsonl FRAMES(0|1)
      Every line is one statement of a sequenceDiagram this renderer writes, no text holds a
      character Mermaid would read (; # < > & % " { } : ` unless as #NN;), and there is one
      arrow per message (or frame) and per HTTP head, chunk, event and burst of TLS records.
"""
import base64
import hashlib
import json
import re
import sys

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ADDED = {"head", "header_hex", "masked_hex", "compressed_hex", "guid", "accept_sha1"}
problems = []


def bad(what):
    problems.append(what)


def block(html, ident):
    m = re.search(r'<script type="application/json" id="%s">(.*?)</script>' % ident, html, re.S)
    if not m:
        bad("no data block %s" % ident)
        return ""
    return m.group(1)


def check_page(page, jsonl, input_name):
    html = open(page, encoding="utf-8", errors="strict").read()
    if not html.startswith("<!DOCTYPE html>"):
        bad("the page does not start with <!DOCTYPE html>")
    if len(re.findall(r"<script", html, re.I)) != 3:
        bad("%d <script elements, not 3" % len(re.findall(r"<script", html, re.I)))
    data = block(html, "wsi-events")
    for ch in "<>&\u2028\u2029":
        if ch in data:
            bad("a raw %r in the data block" % ch)
    got = [json.loads(line) for line in data.split("\n") if line]
    want = [json.loads(line) for line in open(jsonl, encoding="utf-8") if line.strip()]
    if len(got) != len(want):
        bad("%d objects in the page, %d in --json" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        plain = {k: v for k, v in g.items() if k not in ADDED}
        if plain != w:
            diff = sorted(k for k in set(plain) | set(w) if plain.get(k) != w.get(k))
            bad("object %d (%s) differs from --json in %s" % (i + 1, w.get("type"), diff))
            continue
        t = g["type"]
        if t == "http" and "head" not in g:
            bad("object %d: an HTTP head without its bytes" % (i + 1))
        if t == "http" and g.get("head"):
            first = g["head"].split("\n", 1)[0]
            if g["request"] and g["method"] not in first:
                bad("object %d: the head %r does not start with the method" % (i + 1, first))
        if t == "frame" and "opcode" in g:
            h = [(0x80 if g["fin"] else 0) | (g["rsv"] << 4) | g["opcode"], (0x80 if g["mask"] else 0) | g["len7"]]
            if g["len7"] == 126:
                h += list(g["payload_length"].to_bytes(2, "big"))
            elif g["len7"] == 127:
                h += list(g["payload_length"].to_bytes(8, "big"))
            if g["mask"]:
                h += list(bytes.fromhex(g["masking_key"]))
            if bytes(h).hex() != g.get("header_hex"):
                bad("object %d: header_hex %s, the fields say %s" % (i + 1, g.get("header_hex"), bytes(h).hex()))
            if len(h) != g["header_length"]:
                bad("object %d: header of %d bytes, header_length %d" % (i + 1, len(h), g["header_length"]))
            if g["mask"]:
                key = bytes.fromhex(g["masking_key"])
                plain_b = bytes.fromhex(g["preview_hex"])
                masked = bytes(b ^ key[k % 4] for k, b in enumerate(plain_b))
                if masked.hex() != g.get("masked_hex"):
                    bad("object %d: masked_hex is not the payload XOR the key" % (i + 1))
            elif "masked_hex" in g:
                bad("object %d: masked_hex on a frame without a mask" % (i + 1))
        if t == "handshake":
            if g.get("guid") != GUID:
                bad("object %d: guid %r" % (i + 1, g.get("guid")))
            if g.get("key") and g.get("expected_accept"):
                sha = hashlib.sha1((g["key"] + GUID).encode()).digest()
                if g.get("accept_sha1") != sha.hex():
                    bad("object %d: accept_sha1 %r, hashlib says %s" % (i + 1, g.get("accept_sha1"), sha.hex()))
                if base64.b64encode(sha).decode() != g["expected_accept"]:
                    bad("object %d: base64 of the SHA-1 is not expected_accept" % (i + 1))
            elif g.get("accept_sha1") is not None:
                bad("object %d: accept_sha1 without a key" % (i + 1))
        if t == "message" and g.get("compressed") and "compressed_hex" not in g:
            bad("object %d: a compressed message without its compressed bytes" % (i + 1))
    meta = json.loads(block(html, "wsi-meta") or "{}")
    if meta.get("input") != input_name:
        bad("meta input %r, not %r" % (meta.get("input"), input_name))
    if meta.get("arrows_omitted") != 0:
        bad("arrows left out of a small capture: %r" % meta.get("arrows_omitted"))


STATEMENT = re.compile(r"^(?:sequenceDiagram"
                       r"|    participant [cs](?P<pn>\d+) as (?:Client|Server) (?P=pn) ?(?P<t1>.*)"
                       r"|    [cs](?P<an>\d+)->>[cs](?P=an): (?P<t2>.+)"
                       r"|    Note over c(?P<nn>\d+),s(?P=nn): (?P<t3>.+)"
                       r"|    rect rgb\(\d+, \d+, \d+\)|    end)$")


def check_mermaid(path, jsonl, frames):
    lines = open(path, encoding="utf-8").read().split("\n")
    if lines[-1] != "":
        bad("the text does not end with a newline")
    lines = lines[:-1]
    if not lines or lines[0] != "sequenceDiagram":
        bad("the first line is not sequenceDiagram")
    arrows = 0
    for n, line in enumerate(lines, 1):
        m = STATEMENT.match(line)
        if not m:
            bad("line %d is not a statement: %r" % (n, line))
            continue
        text = m.group("t1") or m.group("t2") or m.group("t3") or ""
        if m.group("t2"):
            arrows += 1
        stripped = re.sub(r"#\d+;", "", text)
        for ch in ';#<>&%"{}:`':
            if ch in stripped:
                bad("line %d: a raw %r in %r" % (n, ch, text))
        if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text):
            bad("line %d: a control character" % n)
    want = [json.loads(line) for line in open(jsonl, encoding="utf-8") if line.strip()]
    kinds = {"http", "chunk", "sse", "frame" if frames else "message"}
    n_want = sum(1 for o in want if (o["type"] in kinds and not (o["type"] == "frame" and "opcode" not in o))
                 or (o["type"] == "tls" and o.get("what") == "records"))
    if arrows != n_want:
        bad("%d arrows, --json has %d heads, chunks, events and %s" % (arrows, n_want, "frames" if frames else "messages"))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "page":
        check_page(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "mermaid":
        check_mermaid(sys.argv[2], sys.argv[3], sys.argv[4] == "1")
    else:
        print(__doc__)
        return 2
    for p in problems[:20]:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
