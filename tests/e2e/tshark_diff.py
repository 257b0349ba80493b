#!/usr/bin/env python3
"""tshark_diff.py - the differential test: wsinspect's JSON frames against tshark's websocket fields.

For each capture given, run `wsinspect --json --payload 65536` and `tshark -T pdml` on the same file and
compare, connection by connection and direction by direction, frame by frame:
  frame count, opcode, FIN, RSV, MASK, the 7-bit length field, the payload length, the masking key,
  the packet that completed the frame, the unmasked payload bytes, the close code;
and per connection the handshake: Sec-WebSocket-Key and Sec-WebSocket-Accept as tshark reads them,
and our verdict against `wsaccept KEY` (valid exactly when the computed Accept equals the one sent and the
101 says Upgrade: websocket and Connection: Upgrade, as tshark reads those headers).

Payload bytes: wsinspect keeps at most max(256, 4*N) bytes per frame and prints at most N of them
(N = --payload, 65536 here), so frames longer than 65536 bytes are compared on their first 65536 bytes
(and on their length). tshark gives unmasked bytes in different fields depending on the opcode:
websocket.payload.text / .ping / .pong / .unknown / .continue, the close status code and reason,
data.data for binary messages, and websocket.fragment for each frame of a message it reassembled.
`-o websocket.decompress:FALSE` makes it show the compressed bytes as sent (which is what we keep),
`-o tcp.reassemble_out_of_order:TRUE` lets it follow out-of-order segments.
A capture with a key log beside it (NAME.keylog, wss://) is decrypted by tshark only when wsinspect has
a key-log option (found in its --help) to decrypt it too; otherwise both see TLS records only.
A frame for which tshark shows no payload bytes is counted as "payload not compared", not as a
disagreement (e.g. the first frame of a fragmented message that tshark never completed).

Every disagreement has a key: "conn1 s2c#3 payload", "conn1 c2s frame-count", "conn2 handshake key",
"conn1 verdict", "tshark-only A -> B" ... A disagreement fails unless an entry of the known-limitations
file (tshark-known.txt) matches it; an entry that matches nothing any more fails as stale.

Known-file lines:   CAPTURE  KEY-PATTERN  | WHY
CAPTURE is the capture's label (captures/X -> X, ../shared/third-party-captures/Y -> third-party/Y),
KEY-PATTERN a shell-style pattern (fnmatch) over the disagreement key. '#' starts a comment line.

Output: one file per capture in --outdir, named after the label with '/' -> '__' plus ".result"; its
first line is PASS, FAIL or SKIP, then the details. Exit status 0 when every capture passed or skipped.
Standard library only.
"""
import argparse
import concurrent.futures
import fnmatch
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

PAYLOAD_SHOWN = 65536  # --payload given to wsinspect: bytes of each preview printed


def label_of(path):
    p = os.path.normpath(path).replace(os.sep, "/")
    if "third-party-captures/" in p:
        return "third-party/" + p.split("third-party-captures/", 1)[1]
    if "captures/" in p:
        return p.rsplit("captures/", 1)[1]
    return os.path.basename(p)


def norm_endpoint(s):
    """'127.0.0.1:80' or '[::1]:80' -> (ip_address, port)"""
    host, _, port = s.rpartition(":")
    host = host.strip("[]")
    return (ipaddress.ip_address(host), int(port))


def ep_str(ep):
    ip, port = ep
    return ("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip, port)


# ---- wsinspect side -------------------------------------------------------------------------

def keylog_option(wsinspect):
    """wsinspect's option for a TLS key log, if its --help lists one (e.g. --keylog FILE), else None."""
    try:
        r = subprocess.run([wsinspect, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError:
        return None
    m = re.search(r"(--[a-z-]*key-?log[a-z-]*)", r.stdout.decode("utf-8", "replace"))
    return m.group(1) if m else None


def run_wsinspect(wsinspect, path, extra=()):
    r = subprocess.run([wsinspect, "--json", "--payload", str(PAYLOAD_SHOWN), "--color=never"] + list(extra) + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    conns = {}
    # JSON Lines end at "\n" only: str.splitlines() would also cut at U+0085, U+2028..., which JSON
    # strings may hold unescaped (e.g. a chunk's text with a C1 control in it)
    for n, line in enumerate(r.stdout.decode("utf-8", "replace").split("\n"), 1):
        if not line:
            continue
        try:
            o = json.loads(line)
        except ValueError as e:
            raise RuntimeError("wsinspect --json line %d is not JSON: %s" % (n, e))
        cid = o["conn"]
        c = conns.setdefault(cid, {"id": cid, "client": None, "server": None, "hs": None,
                                   "frames": {"c2s": [], "s2c": []}, "messages": {"c2s": [], "s2c": []}})
        t = o["type"]
        if t in ("connection", "close") and o.get("client"):
            c["client"], c["server"] = o["client"], o["server"]
        elif t == "handshake":
            c["hs"] = o
        elif t == "frame":
            c["frames"][o["dir"]].append(o)
        elif t == "message":
            c["messages"][o["dir"]].append(o)
    return r.returncode, conns, r.stderr.decode("utf-8", "replace")


# ---- tshark side ----------------------------------------------------------------------------

def _int(s, base=10):
    try:
        return int(s, 0) if base == 0 else int(s, base)
    except (TypeError, ValueError):
        return None


def _children_named(elem, names):
    return [f for f in elem.iter("field") if f.get("name") in names]


def parse_pdml(text):
    """The packets with WebSocket frames or HTTP heads: a list of dicts."""
    root = ET.fromstring(text)
    packets = []
    for pkt in root.iter("packet"):
        p = {"num": None, "src": None, "dst": None, "stream": None, "ws": [], "keys": [], "accepts": [], "r101": []}
        ip_src = ip_dst = sport = dport = None
        for proto in pkt.findall("proto"):
            name = proto.get("name")
            if name == "frame":
                for f in proto.iter("field"):
                    if f.get("name") == "frame.number":
                        p["num"] = int(f.get("show"))
            elif name in ("ip", "ipv6") and ip_src is None:
                for f in proto.findall("field"):
                    if f.get("name") in ("ip.src", "ipv6.src"):
                        ip_src = f.get("show")
                    elif f.get("name") in ("ip.dst", "ipv6.dst"):
                        ip_dst = f.get("show")
            elif name == "tcp" and sport is None:
                for f in proto.findall("field"):
                    if f.get("name") == "tcp.srcport":
                        sport = int(f.get("show"))
                    elif f.get("name") == "tcp.dstport":
                        dport = int(f.get("show"))
                    elif f.get("name") == "tcp.stream":
                        p["stream"] = int(f.get("show"))
            elif name == "http":
                head = {"code": None, "upgrade": None, "connection": None}
                for f in proto.iter("field"):
                    if f.get("name") == "http.sec_websocket_key":
                        p["keys"].append(f.get("show"))
                    elif f.get("name") == "http.sec_websocket_accept":
                        p["accepts"].append(f.get("show"))
                    elif f.get("name") == "http.response.code":
                        head["code"] = _int(f.get("show"))
                    elif f.get("name") in ("http.upgrade", "http.connection"):
                        head[f.get("name")[5:]] = f.get("show")
                if head["code"] == 101:
                    p["r101"].append(head)
            elif name == "websocket":
                p["ws"].append(ws_frame(proto))
            elif name == "fake-field-wrapper" and p["ws"]:
                # bytes tshark attaches after the frame's own tree: continuation bytes, the fragments
                # of a reassembled message, a binary message's data
                w = p["ws"][-1]
                for f in proto.findall("field"):
                    fn = f.get("name")
                    if fn == "websocket.payload.continue":
                        w["own"] = bytes.fromhex(f.get("value") or "")
                    elif fn == "websocket.fragments":
                        w["fragments"] = [bytes.fromhex(x.get("value") or "")
                                          for x in f.findall("field") if x.get("name") == "websocket.fragment"]
                    elif fn == "data":
                        for x in f.findall("field"):
                            if x.get("name") == "data.data":
                                w["message"] = bytes.fromhex(x.get("value") or "")
        if ip_src is not None and sport is not None:
            p["src"] = (ipaddress.ip_address(ip_src), sport)
            p["dst"] = (ipaddress.ip_address(ip_dst), dport)
        if p["ws"] or p["keys"] or p["accepts"] or p["r101"]:
            packets.append(p)
    return packets


def ws_frame(proto):
    w = {"fin": None, "rsv": None, "opcode": None, "mask": None, "len7": None, "ext16": None, "ext64": None,
         "masking_key": None, "own": None, "message": None, "fragments": None, "close_code": None,
         "malformed": False}
    for f in proto.iter("field"):
        n = f.get("name")
        v = f.get("value")
        if n == "websocket.fin":
            w["fin"] = _int(f.get("show"))
        elif n == "websocket.rsv":
            w["rsv"] = _int(f.get("show"), 0)
        elif n == "websocket.opcode":
            w["opcode"] = _int(f.get("show"))
        elif n == "websocket.mask":
            w["mask"] = _int(f.get("show"))
        elif n == "websocket.payload_length":
            w["len7"] = _int(f.get("show"))
        elif n == "websocket.payload_length_ext_16":
            w["ext16"] = _int(f.get("show"))
        elif n == "websocket.payload_length_ext_64":
            w["ext64"] = _int(f.get("show"))
        elif n == "websocket.masking_key":
            w["masking_key"] = (v or "").lower()
        elif n == "websocket.payload.continue":
            w["own"] = bytes.fromhex(v or "")
        elif n in ("websocket.payload.text", "websocket.payload.ping", "websocket.payload.pong",
                   "websocket.payload.unknown"):
            w["message"] = bytes.fromhex(v or "")
        elif n == "websocket.payload.close":
            code = b""
            reason = b""
            for x in f.iter("field"):
                if x.get("name") == "websocket.payload.close.status_code":
                    code = bytes.fromhex(x.get("value") or "")
                    w["close_code"] = _int(x.get("show"))
                elif x.get("name") == "websocket.payload.close.reason":
                    reason = bytes.fromhex(x.get("value") or "")
            # a close payload too short for a status code: tshark shows none of its bytes
            w["message"] = code + reason if code else None
        elif n == "_ws.malformed":
            w["malformed"] = True
    if w["len7"] is not None:
        w["length"] = w["ext16"] if w["len7"] == 126 else w["ext64"] if w["len7"] == 127 else w["len7"]
    else:
        w["length"] = None
    return w


def tshark_frames(packets):
    """Frames grouped by (src, dst) in capture order, each with its own payload bytes when tshark shows them."""
    groups = {}
    open_msgs = {}  # (src, dst) -> frames of the fragmented message tshark is assembling
    for p in packets:
        for w in p["ws"]:
            w["packet"] = p["num"]
            key = (p["src"], p["dst"])
            groups.setdefault(key, []).append(w)
            op, fin = w["opcode"], w["fin"]
            w["payload"] = None
            if op is None:
                continue
            if op in (1, 2) and fin == 1:
                w["payload"] = w["message"]
            elif op >= 3:
                w["payload"] = w["message"]
            elif op in (1, 2) and fin == 0:
                open_msgs[key] = [w]
            elif op == 0:
                w["payload"] = w["own"]
                msg = open_msgs.get(key)
                if msg is not None:
                    msg.append(w)
                if fin == 1:
                    frags = w.get("fragments")
                    if frags and msg is not None and len(frags) == len(msg):
                        for fw, b in zip(msg, frags):
                            if fw["payload"] is None:
                                fw["payload"] = b
                    if w["payload"] is None and frags:
                        w["payload"] = frags[-1]
                    w["whole_message"] = w["message"]
                    open_msgs.pop(key, None)
    return groups


def run_tshark(tshark, path, keylog=None):
    keys = ["-o", "tls.keylog_file:" + keylog] if keylog else []
    r = subprocess.run([tshark, "-r", path, "-o", "tcp.reassemble_out_of_order:TRUE",
                        "-o", "websocket.decompress:FALSE"] + keys + ["-Y", "websocket || http", "-T", "pdml"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    text = r.stdout.decode("utf-8", "replace")
    if "<pdml" not in text:
        raise RuntimeError("tshark gave no PDML (exit %d): %s" % (r.returncode, r.stderr.decode()[-500:]))
    if "</pdml>" not in text:  # a read error cut it short (e.g. a truncated file): close it
        text = text[:text.rfind("</packet>") + len("</packet>")] + "\n</pdml>\n" if "</packet>" in text \
            else text + "\n</pdml>\n"
    return parse_pdml(text)


# ---- the comparison -------------------------------------------------------------------------

def wsaccept_of(wsaccept, key, cache):
    if key not in cache:
        r = subprocess.run([wsaccept, key], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        cache[key] = r.stdout.decode().strip() if r.returncode == 0 else None
    return cache[key]


def compare(path, wsinspect, tshark, wsaccept, accept_cache, keyopt):
    diffs = []   # (key, detail)
    notes = []
    # a wss:// capture with its key log beside it (NAME.keylog): both decoders get the keys, or neither
    keylog = os.path.splitext(path)[0] + ".keylog"
    extra = []
    if not os.path.exists(keylog):
        keylog = None
    elif keyopt:
        extra = [keyopt, keylog]
        notes.append("TLS decrypted by both with %s" % os.path.basename(keylog))
    else:
        notes.append("%s not used: wsinspect has no key-log option, so both see only TLS records"
                     % os.path.basename(keylog))
        keylog = None
    rc, conns, err = run_wsinspect(wsinspect, path, extra)
    if rc not in (0, 1, 2):
        diffs.append(("wsinspect exit", "wsinspect exited %d: %s" % (rc, err.strip()[-300:])))
    packets = run_tshark(tshark, path, keylog)
    tgroups = tshark_frames(packets)

    # our (src, dst) groups, with the connection and direction they belong to
    ours = {}
    for c in sorted(conns.values(), key=lambda c: c["id"]):
        if not c["client"]:
            continue
        cl, sv = norm_endpoint(c["client"]), norm_endpoint(c["server"])
        for d, key in (("c2s", (cl, sv)), ("s2c", (sv, cl))):
            ours.setdefault(key, []).append((c["id"], d))

    stats = {"frames": 0, "payload_compared": 0, "payload_not_compared": 0, "bytes_compared": 0}
    done = set()
    for key, owners in ours.items():
        done.add(key)
        cid, d = owners[0]
        tag = "conn%d %s" % (cid, d)
        mine = [f for (i, dd) in owners for f in conns[i]["frames"][dd]]
        theirs = tgroups.get(key, [])
        if len(mine) != len(theirs):
            diffs.append(("%s frame-count" % tag, "wsinspect %d frames, tshark %d (%s -> %s)"
                          % (len(mine), len(theirs), ep_str(key[0]), ep_str(key[1]))))
        for i, (m, t) in enumerate(zip(mine, theirs), 1):
            stats["frames"] += 1
            ftag = "%s#%d" % (tag, i)
            where = "(our packet %d, tshark frame %s)" % (m["packet"], t["packet"])
            for fld, mv, tv in (("opcode", m["opcode"], t["opcode"]),
                                ("fin", int(m["fin"]), t["fin"]),
                                ("rsv", m["rsv"], t["rsv"]),
                                ("mask", int(m["mask"]), t["mask"]),
                                ("len7", m["len7"], t["len7"]),
                                ("payload-length", m["payload_length"], t["length"]),
                                ("masking-key", m.get("masking_key"), t["masking_key"]),
                                ("packet", m["packet"], t["packet"])):
                if mv != tv:
                    diffs.append(("%s %s" % (ftag, fld), "wsinspect %r, tshark %r %s" % (mv, tv, where)))
            # payload bytes: what we print is the first min(length, PAYLOAD_SHOWN) bytes
            ours_b = bytes.fromhex(m["preview_hex"])
            tb = t["payload"]
            if tb is None and m["payload_length"] == 0:
                tb = b""
            if tb is None:
                stats["payload_not_compared"] += 1
                notes.append("%s payload not compared: tshark shows no bytes for it %s" % (ftag, where))
            else:
                stats["payload_compared"] += 1
                n = min(len(tb), PAYLOAD_SHOWN)
                if len(tb) != m["payload_length"]:
                    diffs.append(("%s payload" % ftag, "tshark shows %d payload bytes, the frame's length is %d %s"
                                  % (len(tb), m["payload_length"], where)))
                elif ours_b != tb[:n]:
                    at = next((k for k in range(min(len(ours_b), n)) if ours_b[k] != tb[k]), min(len(ours_b), n))
                    diffs.append(("%s payload" % ftag, "bytes differ from byte %d: wsinspect %s..., tshark %s... %s"
                                  % (at, ours_b[at:at + 16].hex(), tb[at:at + 16].hex(), where)))
                else:
                    stats["bytes_compared"] += n
            # the close code
            if m["opcode"] == 8 and t["opcode"] == 8:
                mc = None
                if m["payload_length"] >= 2 and len(ours_b) >= 2:
                    mc = ours_b[0] << 8 | ours_b[1]
                if mc != t["close_code"]:
                    diffs.append(("%s close-code" % ftag, "wsinspect %r, tshark %r %s" % (mc, t["close_code"], where)))
        # a fragmented message tshark reassembled: the whole message against our message preview
        # (compressed messages are left out: their frames' bytes are compared above, and our message
        # preview may hold the inflated text while tshark, told not to decompress, keeps the wire bytes)
        msgs = [mm for (i, dd) in owners for mm in conns[i]["messages"][dd] if mm["frames"] > 1 and not mm["rsv1"]]
        wholes = [t for t in theirs if t.get("whole_message") is not None and t["opcode"] == 0 and not t["rsv"]]
        for k, (mm, t) in enumerate(zip(msgs, wholes), 1):
            ob = bytes.fromhex(mm["preview_hex"])
            tb = t["whole_message"]
            if mm["length"] != len(tb) or ob != tb[:len(ob)]:
                diffs.append(("%s message%d bytes" % (tag, k), "reassembled message: wsinspect %d B %s..., tshark %d B %s..."
                              % (mm["length"], ob[:16].hex(), len(tb), tb[:16].hex())))

    for key, theirs in tgroups.items():
        if key not in done and theirs:
            diffs.append(("tshark-only %s -> %s" % (ep_str(key[0]), ep_str(key[1])),
                          "tshark decodes %d frames on a connection wsinspect does not show" % len(theirs)))

    # the handshake, per connection
    for c in sorted(conns.values(), key=lambda c: c["id"]):
        if not c["client"]:
            continue
        cl, sv = norm_endpoint(c["client"]), norm_endpoint(c["server"])
        tkeys = [k for p in packets if (p["src"], p["dst"]) == (cl, sv) for k in p["keys"]]
        taccs = [a for p in packets if (p["src"], p["dst"]) == (sv, cl) for a in p["accepts"]]
        hs = c["hs"]
        tag = "conn%d" % c["id"]
        mkey = hs.get("key") if hs else None
        macc = hs.get("accept") if hs else None
        tkey = tkeys[-1] if tkeys else None
        tacc = taccs[-1] if taccs else None
        if mkey != tkey:
            diffs.append(("%s handshake key" % tag, "wsinspect %r, tshark %r" % (mkey, tkey)))
        if macc != tacc:
            diffs.append(("%s handshake accept" % tag, "wsinspect %r, tshark %r" % (macc, tacc)))
        if tacc is not None:
            if tkey is None:
                diffs.append(("%s verdict" % tag, "tshark shows an Accept but no Key"))
            else:
                computed = wsaccept_of(wsaccept, tkey, accept_cache)
                verdict = hs.get("verdict") if hs else None
                # valid takes the right Accept AND a 101 that says Upgrade: websocket and Connection: Upgrade
                # (RFC 6455 §4.1 items 2 and 3; a 101 to "websockets" is no WebSocket 101, whatever its Accept)
                h101 = next((h for p in reversed(packets) if (p["src"], p["dst"]) == (sv, cl) for h in p["r101"]), None)
                up_ok = h101 is not None and (h101["upgrade"] or "").strip().lower() == "websocket" and \
                    "upgrade" in [x.strip().lower() for x in (h101["connection"] or "").split(",")]
                if (verdict == "valid") != (computed == tacc and up_ok):
                    diffs.append(("%s verdict" % tag, "verdict %r, but wsaccept %s = %r, the Accept sent is %r, and the 101 "
                                  "says Upgrade: %r, Connection: %r" % (verdict, tkey, computed, tacc,
                                                                        h101 and h101["upgrade"], h101 and h101["connection"])))
                else:
                    notes.append("%s verdict %s agrees with wsaccept(%s) %s %s and the 101's Upgrade: %s"
                                 % (tag, verdict, tkey, "==" if computed == tacc else "!=", tacc,
                                    h101 and h101["upgrade"]))
    notes.insert(0, "%d frames compared field by field, %d payloads compared (%d bytes), %d not compared"
                 % (stats["frames"], stats["payload_compared"], stats["bytes_compared"], stats["payload_not_compared"]))
    return diffs, notes


# ---- known limitations ------------------------------------------------------------------------

def load_known(path):
    known = []
    if not path:
        return known
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            head, sep, why = s.partition("|")
            parts = head.split(None, 1)
            if not sep or len(parts) != 2 or not why.strip():
                raise SystemExit("%s:%d: expected 'CAPTURE KEY-PATTERN | WHY'" % (path, n))
            known.append({"line": n, "capture": parts[0], "pattern": parts[1].strip(), "why": why.strip()})
    return known


def judge(label, diffs, notes, known):
    mine = [k for k in known if k["capture"] == label]
    used = set()
    out, bad = [], 0
    for key, detail in diffs:
        hit = next((k for k in mine if fnmatch.fnmatchcase(key, k["pattern"])), None)
        if hit:
            used.add(hit["line"])
            out.append("known  %s: %s  [tshark-known.txt:%d: %s]" % (key, detail, hit["line"], hit["why"]))
        else:
            bad += 1
            out.append("DIFF   %s: %s" % (key, detail))
    for k in mine:
        if k["line"] not in used:
            bad += 1
            out.append("STALE  tshark-known.txt:%d '%s %s' matches no disagreement any more: remove it"
                       % (k["line"], k["capture"], k["pattern"]))
    return ("FAIL" if bad else "PASS"), out + ["note   " + n for n in notes]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wsinspect", default=os.environ.get("WSINSPECT", "build/wsinspect"))
    ap.add_argument("--wsaccept", default=os.environ.get("WSACCEPT", "build/wsaccept"))
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--known", default=None)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--check-known-captures", action="store_true",
                    help="also write known-list.result: entries naming a capture that was not given")
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    known = load_known(a.known)
    have_tshark = shutil.which(a.tshark) is not None
    cache = {}
    keyopt = keylog_option(a.wsinspect)

    def one(path):
        label = label_of(path)
        if not have_tshark:
            return label, "SKIP", ["tshark is not installed"]
        try:
            diffs, notes = compare(path, a.wsinspect, a.tshark, a.wsaccept, cache, keyopt)
        except Exception as e:  # a crash of the comparison is a failure, said plainly
            return label, "FAIL", ["ERROR  %s: %s" % (type(e).__name__, e)]
        st, lines = judge(label, diffs, notes, known)
        return label, st, lines

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for label, st, lines in ex.map(one, a.captures):
            failed += st == "FAIL"
            with open(os.path.join(a.outdir, label.replace("/", "__") + ".result"), "w", encoding="utf-8") as f:
                f.write(st + "\n" + "".join(l + "\n" for l in lines))
    if a.check_known_captures:
        given = {label_of(p) for p in a.captures}
        lines = []
        for k in known:
            if k["capture"] not in given and not k["capture"].startswith("third-party/"):
                lines.append("STALE  tshark-known.txt:%d names %s, which is not a capture any more"
                             % (k["line"], k["capture"]))
        with open(os.path.join(a.outdir, "known-list.result"), "w", encoding="utf-8") as f:
            f.write(("FAIL" if lines else "PASS") + "\n" + "".join(l + "\n" for l in lines))
        failed += bool(lines)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
