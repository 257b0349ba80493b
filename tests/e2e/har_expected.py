#!/usr/bin/env python3
"""har_expected.py - compare wsinspect's JSON Lines for a HAR with the facts expected.json gives for it.

    python3 har_expected.py EXPECTED.json NAME OUTPUT.json     print "ok", or each difference on a line

EXPECTED.json (beside the HAR samples) lists per file and per WebSocket entry: its index in
log.entries, URL, status, subprotocol, extensions offered and accepted, whether the Accept matches
the key, the message count and counts by "type/opcode", the error texts, the first and last time.
wsinspect's connection for an entry is the one whose "entry" is its index + 1; a send is a c2s
message, a receive an s2c one, an error a note of what "error". Standard library only.
"""
import json
import sys


def main():
    exp_path, name, out_path = sys.argv[1:4]
    want = json.load(open(exp_path, encoding="utf-8"))[name]
    ev = [json.loads(line) for line in open(out_path, encoding="utf-8")]
    diffs = []

    def differ(what, got, wanted):
        if got != wanted:
            diffs.append("%s: got %r, want %r" % (what, got, wanted))

    conns = [e for e in ev if e["type"] == "connection"]
    differ("connections", len(conns), len(want["websocket_entries"]))
    by_entry = {e["entry"]: e["conn"] for e in conns}
    for w in want["websocket_entries"]:
        idx = w["entry_index"]
        tag = "entry %d" % idx
        conn = by_entry.get(idx + 1)
        if conn is None:
            diffs.append("%s: no connection" % tag)
            continue
        mine = [e for e in ev if e["conn"] == conn]
        c = [e for e in mine if e["type"] == "connection"][0]
        differ(tag + " url", c["url"], w["url"])
        differ(tag + " source", (c["source"], c["address_from"]), ("har", "url"))
        hs = [e for e in mine if e["type"] == "handshake"]
        differ(tag + " handshakes", len(hs), 1)
        if hs:
            h = hs[0]
            differ(tag + " status", h["status"] or 0, w["status"])
            differ(tag + " subprotocol", h["protocol_selected"], w["subprotocol"])
            differ(tag + " extensions offered", h["extensions_offered"], w["extensions_offered"])
            differ(tag + " extensions accepted", h["extensions_selected"], w["extensions_accepted"])
            verdict = {True: "valid", False: "mismatch"}.get(w["accept_matches_key"])
            if verdict:
                differ(tag + " verdict", h["verdict"], verdict)
            else:
                differ(tag + " verdict (no Accept to check)", h["verdict"] in ("valid", "mismatch"), False)
        msgs = [e for e in mine if e["type"] == "message"]
        errors = [e for e in mine if e["type"] == "note" and e["what"] == "error"]
        differ(tag + " messages", len(msgs) + len(errors), w["messages"])
        counts = {}
        for m in msgs:
            k = "%s/%d" % ("send" if m["dir"] == "c2s" else "receive", m["opcode"])
            counts[k] = counts.get(k, 0) + 1
        if errors:
            counts["error/-1"] = len(errors)
        differ(tag + " by type/opcode", counts, w["by_type_opcode"])
        differ(tag + " error texts", [e["text"] for e in errors], w["error_texts"])
        timed = msgs + errors
        if timed:
            timed.sort(key=lambda e: e["ts"])
            for what, e, t in (("first", timed[0], w["first_time"]), ("last", timed[-1], w["last_time"])):
                if abs(e["ts"] - t) > 2e-6:
                    diffs.append("%s %s time: got %.6f, want %.6f" % (tag, what, e["ts"], t))
        close = [e for e in mine if e["type"] == "close"]
        differ(tag + " close events", len(close), 1)
        if close:
            cl = close[0]
            differ(tag + " close counts", (cl["client_messages"], cl["server_messages"], cl["errors"]),
                   (counts.get("send/1", 0) + counts.get("send/2", 0),
                    counts.get("receive/1", 0) + counts.get("receive/2", 0), len(errors)))
    print("ok" if not diffs else "\n".join(diffs))


if __name__ == "__main__":
    main()
