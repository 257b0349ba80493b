#!/usr/bin/python3
"""wss:// peers (Python `websockets` over `ssl`) for captures/make-wss-captures.sh.

Usage:
  /usr/bin/python3 wss_peer.py server HOST PORT CERT KEY
  /usr/bin/python3 wss_peer.py client MODE HOST PORT CAFILE KEYLOG

The server is a websockets server over TLS with the certificate CERT (made at
capture time with the openssl command) and its key KEY; it answers "hello"
with "hi there" and waits for the client to close.  Both sides offer the ALPN
protocol "http/1.1", so the capture shows ALPN in the ClientHello and in the
server's reply.

The client trusts CAFILE, names the server "localhost" (SNI) while it
connects to HOST, writes its TLS secrets to KEYLOG in the NSS key log format
(ssl.SSLContext.keylog_filename, as SSLKEYLOGFILE does), sends "hello",
expects "hi there" and closes with 1000.  MODE chooses the TLS version and
cipher the client allows:

  tls13          TLS 1.3, OpenSSL's default suites (TLS_AES_256_GCM_SHA384 first)
  tls13-aes128   TLS 1.3 limited to TLS_AES_128_GCM_SHA256
  tls13-chacha   TLS 1.3 limited to TLS_CHACHA20_POLY1305_SHA256
  tls12          TLS 1.2 at most, ECDHE-RSA-AES128-GCM-SHA256 only
  tls12-chacha   TLS 1.2 at most, ECDHE-RSA-CHACHA20-POLY1305 only

Python's ssl module has no call for the TLS 1.3 suite list, so the tls13-*
modes give OpenSSL a configuration file (OPENSSL_CONF, read when the ssl
module loads) whose system default sets "Ciphersuites".

Written for Debian 12's python3 (3.11) and python3-websockets 10.4.
"""
import os
import sys
import tempfile

TLS13_SUITES = {
    "tls13-aes128": "TLS_AES_128_GCM_SHA256",
    "tls13-chacha": "TLS_CHACHA20_POLY1305_SHA256",
}
TLS12_CIPHERS = {
    "tls12": "ECDHE-RSA-AES128-GCM-SHA256",
    "tls12-chacha": "ECDHE-RSA-CHACHA20-POLY1305",
}
MODES = ("tls13",) + tuple(TLS13_SUITES) + tuple(TLS12_CIPHERS)


def openssl_conf_for(suite):
    """Writes an OpenSSL configuration limiting TLS 1.3 to `suite`; returns its path."""
    fd, path = tempfile.mkstemp(prefix="wss-peer-", suffix=".cnf")
    with os.fdopen(fd, "w") as f:
        f.write("openssl_conf = wss_peer_conf\n"
                "[wss_peer_conf]\nssl_conf = wss_peer_ssl\n"
                "[wss_peer_ssl]\nsystem_default = wss_peer_default\n"
                "[wss_peer_default]\nCiphersuites = %s\n" % suite)
    return path


# The configuration must be in place before the ssl module (and OpenSSL) loads.
if len(sys.argv) > 2 and sys.argv[1] == "client" and sys.argv[2] in TLS13_SUITES:
    os.environ["OPENSSL_CONF"] = openssl_conf_for(TLS13_SUITES[sys.argv[2]])

import asyncio  # noqa: E402
import ssl  # noqa: E402

import websockets  # noqa: E402

# No keep-alive pings, no compression: the decrypted stream holds only the
# conversation below.
COMMON = dict(ping_interval=None, close_timeout=5, compression=None)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


async def srv_hello(ws):
    """Answers "hello" with "hi there", then waits for the client's close."""
    if await ws.recv() != "hello":
        return
    await ws.send("hi there")
    await ws.wait_closed()


async def run_server(host, port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    async with websockets.serve(srv_hello, host, port, ssl=ctx, **COMMON):
        log("wss server listening on %s port %d" % (host, port))
        await asyncio.Future()            # until killed


async def run_client(mode, host, port, cafile, keylog):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.keylog_filename = keylog
    ctx.set_alpn_protocols(["http/1.1"])
    if mode in TLS12_CIPHERS:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(TLS12_CIPHERS[mode])
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ws = await websockets.connect("wss://%s:%d/chat" % (host, port), ssl=ctx,
                                  server_hostname="localhost", **COMMON)
    tls = ws.transport.get_extra_info("ssl_object")
    log("client: %s %s alpn=%s" % (tls.version(), tls.cipher()[0], tls.selected_alpn_protocol()))
    await ws.send("hello")
    got = await ws.recv()
    if got != "hi there":
        raise SystemExit("client: expected 'hi there', got %r" % (got,))
    await ws.close(1000)
    want_version = "TLSv1.2" if mode in TLS12_CIPHERS else "TLSv1.3"
    want_cipher = TLS13_SUITES.get(mode) or TLS12_CIPHERS.get(mode)
    if tls.version() != want_version or (want_cipher and tls.cipher()[0] != want_cipher):
        raise SystemExit("client: negotiated %s %s, wanted %s %s"
                         % (tls.version(), tls.cipher()[0], want_version, want_cipher))


def main():
    args = sys.argv[1:]
    if len(args) == 5 and args[0] == "server":
        asyncio.run(run_server(args[1], int(args[2]), args[3], args[4]))
    elif len(args) == 6 and args[0] == "client" and args[1] in MODES:
        try:
            asyncio.run(asyncio.wait_for(run_client(args[1], args[2], int(args[3]), args[4], args[5]), 30))
        finally:
            conf = os.environ.get("OPENSSL_CONF", "")
            if os.path.basename(conf).startswith("wss-peer-"):
                os.unlink(conf)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
