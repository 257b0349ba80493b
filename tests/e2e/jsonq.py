#!/usr/bin/env python3
"""jsonq.py - ask a question of wsinspect's JSON Lines output, for the shell suites beside it.

    python3 jsonq.py FILE EXPR            print the value of the Python expression EXPR
    python3 jsonq.py --assert FILE EXPR   exit 1 (and say so) when EXPR is false

Every line of FILE must be one JSON object with a "type" (else exit 2: the output is broken).
Names available in EXPR:
    ev                 every event, in order
    of(type, dir=None, conn=None)   the events of one type (and direction, connection)
    frames, msgs, hs, closes, viols, gaps, tcps, losts, ends, https, conns   lists by type
    texts(dir=None, conn=None)      the "text" of the text messages
    strip(events)      the events without the fields that depend on timing or packet numbers
                       (packet, ts, t, rtt, latency, duration, first_packet, last_packet)
    ids(events, field) the list of one field
Printing: a string as is, anything else as JSON (ensure_ascii off, keys in order; bytes as UTF-8 text).
Standard library only.
"""
import json
import sys

TIMING = ("packet", "ts", "t", "rtt", "latency", "duration", "first_packet", "last_packet")


def load(path):
    ev = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                o = json.loads(line)
            except ValueError as e:
                sys.exit("jsonq: %s:%d: not JSON (%s): %.200s" % (path, n, e, line))
            if not isinstance(o, dict) or "type" not in o or "conn" not in o:
                sys.exit("jsonq: %s:%d: not an event object: %.200s" % (path, n, line))
            ev.append(o)
    return ev


def main():
    args = sys.argv[1:]
    assert_mode = bool(args) and args[0] == "--assert"
    if assert_mode:
        args = args[1:]
    if len(args) != 2:
        sys.exit("usage: jsonq.py [--assert] FILE EXPR")
    ev = load(args[0])

    def of(t, dir=None, conn=None):
        return [o for o in ev if o["type"] == t and (dir is None or o.get("dir") == dir)
                and (conn is None or o["conn"] == conn)]

    def texts(dir=None, conn=None):
        return [o["text"] for o in of("message", dir, conn) if "text" in o]

    def strip(events):
        return [{k: v for k, v in o.items() if k not in TIMING} for o in events]

    def ids(events, field):
        return [o.get(field) for o in events]

    env = {"ev": ev, "of": of, "texts": texts, "strip": strip, "ids": ids,
           "frames": of("frame"), "msgs": of("message"), "hs": of("handshake"), "closes": of("close"),
           "viols": of("violation"), "gaps": of("gap"), "tcps": of("tcp"), "losts": of("lost"),
           "ends": of("end"), "https": of("http"), "conns": of("connection")}
    try:
        v = eval(args[1], env)
    except Exception as e:  # the question itself failed: say which and how
        print("jsonq: %s: %s: %s" % (args[1], type(e).__name__, e))
        return 1
    if assert_mode:
        if not v:
            print("jsonq: false: %s" % args[1])
            return 1
        return 0
    print(v if isinstance(v, str) else
          json.dumps(v, ensure_ascii=False, default=lambda b: b.decode("utf-8", "backslashreplace")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
