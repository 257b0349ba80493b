#!/bin/sh
# wsecho.sh - the classroom server, end to end: wsecho started on a free port and driven by
# tests/e2e/ws_client.py (a WebSocket client on Python's standard library alone, with its own
# handshake and framing, so the server's bytes are checked, not another library's).
#
#   sh tests/e2e/wsecho.sh          (from the repository root; make test runs it)
#
# Options and their errors, the page and its headers, /echo (text, Korean, binary, fragments,
# ping, close codes, permessage-deflate), /chat (joins, broadcast, news), the limits (1009,
# 1013), a port in use, TLS with a given certificate and the key log, and Ctrl-C / SIGTERM
# closing every client with 1001. As root, one session is also captured with wsinspect -i lo
# and read back.
set -u
. tests/lib.sh

BUILD=${BUILD:-build}
W=${WSINSPECT:-$BUILD/wsinspect}
A=${WSACCEPT:-$BUILD/wsaccept}
E=${WSECHO:-$BUILD/wsecho}
T=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T" "$_out"
}
trap cleanup EXIT
. tests/e2e/prelude.inc
if ! e2e_programs; then
    finish
    exit 1
fi
if [ ! -x "$E" ]; then
    _bad "wsecho built" "$E is missing (make all)"
    finish
    exit 1
fi
E=$(snapshot "$E" wsecho)
CL="$PY tests/e2e/ws_client.py"

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {
    n=$(($1 * 10))
    shift
    while ! "$@" 2>/dev/null; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}
# serve NAME ARGS...: wsecho in the background, its stderr in $T/NAME.err, its pid in $SP
serve() {
    name=$1
    shift
    "$E" "$@" >"$T/$name.out" 2>"$T/$name.err" &
    SP=$!
    pids="$pids $SP"
    wait_for 10 grep -q '^wsecho: serving' "$T/$name.err" || _bad "$name: wsecho starts" "$(cat "$T/$name.err")"
}
# one_line FILE: the file has exactly one line, starting with "wsecho: " (a one-sentence error)
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q '^wsecho: ' "$1"; }
# http PORT PATH: status, then the headers wanted, then the body's length
http() {
    "$PY" - "$1" "$2" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", sys.argv[2])
r = c.getresponse()
body = r.read()
print(r.status)
print(r.getheader("Content-Security-Policy") or "no-csp")
print(r.getheader("X-Content-Type-Options") or "no-nosniff")
print(len(body), b"<script>" in body, b"<style>" in body, b"<!--SCRIPT-->" in body)
EOF
}

# ---- options and start-up errors ----------------------------------------------------------------
expect_exit "--help: exit 0" 0 "$E" --help
check "--help: the usage names every endpoint" sh -c '"$1" --help | grep -q "/echo" && "$1" --help | grep -q "/chat"' _ "$E"
expect_exit "--version: exit 0" 0 "$E" --version
check "--version names libwebsockets" sh -c '"$1" --version | grep -q "^wsecho [0-9.]* (libwebsockets 4"' _ "$E"
expect_eq "--version: the Makefile's version" "$("$E" --version | cut -d' ' -f2)" "$(sed -n 's/^VERSION *:= *//p' Makefile)"
missing=""
for o in $("$E" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    awk -v o="$(printf '%s' "$o" | sed 's/-/\\\\-/g')" \
        'prev == ".TP" && /^\.B/ && index($0, o) { f = 1 } { prev = $0 } END { exit !f }' man/wsecho.1 ||
        missing="$missing $o"
done
expect_eq "wsecho(1) has an entry for every long option of --help" "$missing" ""
if command -v groff >/dev/null 2>&1; then
    expect_eq "wsecho(1) renders without groff warnings" "$(groff -man -Tutf8 -ww -z man/wsecho.1 2>&1)" ""
    for sec in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        check "wsecho(1) has $sec" grep -q "^\\.SH \"*$sec\"*\$" man/wsecho.1
    done
    check "wsecho(1) documents the exit statuses the program uses (0, 1, 2)" sh -c \
        'groff -man -Tascii -P-cbu man/wsecho.1 2>/dev/null | sed -n "/^EXIT STATUS/,/^EXAMPLES/p" | grep -c "^       [012]  " | grep -qx 3'
else
    skip "wsecho(1) renders" "groff not installed"
fi
for bad in "--bogus" "--port 0" "--port 70000" "--port x" "--news -1" "--max-message 0" "--max-connections 0" \
    "--cert only.pem" "extra" "--max-message 2G --max-memory 1G" "--listen nonsense"; do
    # shellcheck disable=SC2086
    "$E" $bad >"$T/bad.out" 2>"$T/bad.err"
    expect_eq "usage error ($bad): exit 2" "$?" 2
    check "usage error ($bad): one sentence on stderr" one_line "$T/bad.err"
done
"$E" --listen 10.255.255.1 --port "$(free_port)" >/dev/null 2>"$T/addr.err"
expect_eq "an address of no interface: exit 1" "$?" 1
check "an address of no interface: said" grep -q "^wsecho: --listen 10.255.255.1: no network interface of this machine has that address$" "$T/addr.err"
printf 'not a certificate\n' >"$T/junk.pem"
"$E" --cert "$T/junk.pem" --key "$T/junk.pem" --port "$(free_port)" >/dev/null 2>"$T/cert.err"
expect_eq "a file that is not a certificate: exit 1" "$?" 1
check "a file that is not a certificate: named, one sentence" sh -c 'grep -q "^wsecho: $1: not a PEM certificate" "$2" && [ "$(wc -l <"$2")" -eq 1 ]' _ "$T/junk.pem" "$T/cert.err"
have_openssl=0
if command -v openssl >/dev/null 2>&1; then
    have_openssl=1
    for n in a b; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
            -keyout "$T/$n.key" -out "$T/$n.crt" >/dev/null 2>&1
    done
    "$E" --cert "$T/a.crt" --key "$T/b.key" --port "$(free_port)" >/dev/null 2>"$T/pair.err"
    expect_eq "a key of another certificate: exit 1" "$?" 1
    check "a key of another certificate: said" grep -q "^wsecho: $T/b.key is not the private key of the certificate $T/a.crt$" "$T/pair.err"
else
    skip "certificate and key that do not match" "no openssl command to make them"
fi
"$E" --tls --keylog /nonexistent/dir/keys.txt --port "$(free_port)" >/dev/null 2>"$T/kl.err"
expect_eq "an unwritable key log: exit 1" "$?" 1
check "an unwritable key log: said" grep -q "^wsecho: --keylog /nonexistent/dir/keys.txt: cannot open for writing" "$T/kl.err"

# ---- the page ---------------------------------------------------------------------------------
P=$(free_port)
serve main --port "$P" --news 1 --max-message 1000 --max-connections 3
MAINP=$SP
http "$P" / >"$T/page.txt"
expect_eq "GET /: 200" "$(sed -n 1p "$T/page.txt")" 200
check "GET /: a Content-Security-Policy allowing only the page's own style and script, by hash" grep -Eq \
    "^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; script-src 'sha256-[A-Za-z0-9+/]{43}='; connect-src 'self';" "$T/page.txt"
expect_eq "GET /: nosniff" "$(sed -n 3p "$T/page.txt")" nosniff
check "GET /: one page, style and script inline, no marker left" grep -Eq '^[0-9]+ True True False$' "$T/page.txt"
check "the page's script never writes markup (no innerHTML, outerHTML, insertAdjacentHTML, document.write)" \
    sh -c '! grep -nE "innerHTML|outerHTML|insertAdjacentHTML|document\.write" echo/page.js'
expect_eq "GET /echo without an upgrade: 426" "$(http "$P" /echo | sed -n 1p)" 426
expect_eq "GET /nothing: 404" "$(http "$P" /nothing | sed -n 1p)" 404

# ---- /echo ------------------------------------------------------------------------------------
$CL --port "$P" text:hello 'text:한국어 메시지' bin:00ff10 'frag:one |two |three' recv:4 ping:p recv close:1000:bye \
    expect-close >"$T/echo.out" 2>&1
expect_eq "/echo: text, Korean, binary, fragments, ping, close" "$(cat "$T/echo.out")" "open accept=valid extensions=none
text hello
text 한국어 메시지
binary 00ff10
text one two three
pong p
close 1000 bye"
$CL --port "$P" --deflate text:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa text:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa recv:2 \
    close:4000:private expect-close >"$T/deflate.out" 2>&1
expect_eq "/echo with permessage-deflate: negotiated, messages inflate to what was sent, 4000 answered" \
    "$(cat "$T/deflate.out")" "open accept=valid extensions=permessage-deflate
text aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
text aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
close 4000 private"
$CL --port "$P" --path /other >"$T/other.out" 2>&1
check "an upgrade to another path is refused" sh -c '! grep -q "^open" "$1"' _ "$T/other.out"

# ---- limits -------------------------------------------------------------------------------------
$CL --port "$P" big:1000 recv big:1001 expect-close >"$T/big.out" 2>&1
expect_eq "--max-message 1000: 1000 bytes echoed, 1001 closed with 1009" "$(cut -c1-40 "$T/big.out")" "open accept=valid extensions=none
text xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
close 1009 message too big (limit 1000 b"
$CL --port "$P" sleep:2 >/dev/null 2>&1 &
c1=$!
$CL --port "$P" sleep:2 >/dev/null 2>&1 &
c2=$!
$CL --port "$P" sleep:2 >/dev/null 2>&1 &
c3=$!
wait_for 10 grep -q '(3 open)' "$T/main.err" || _bad "--max-connections 3: three clients connect" "$(cat "$T/main.err")"
$CL --port "$P" expect-close >"$T/many.out" 2>&1
expect_eq "--max-connections 3: the 4th is closed with 1013" "$(cat "$T/many.out")" "open accept=valid extensions=none
close 1013 too many connections (limit 3)"
wait $c1 $c2 $c3

P2=$(free_port)
serve memory --port "$P2" --news 0 --max-memory 2K --max-message 2K
$CL --port "$P2" big:500 recv big:1900 expect-close >"$T/mem.out" 2>&1
expect_eq "--max-memory 2K: 500 bytes echoed, 1900 more than it holds: closed with 1013" "$(cut -c1-12 "$T/mem.out")" "open accept=
text xxxxxxx
close 1013 s"
check "--max-memory: the reason says why" grep -q "^close 1013 server busy: its memory limit is reached$" "$T/mem.out"
$CL --port "$P2" --path /chat 'until:user joined' bin:c0ffee recv close:1000 expect-close >"$T/chatbin.out" 2>&1
check "/chat: binary goes to everyone unchanged" grep -qx "binary c0ffee" "$T/chatbin.out"
kill -INT "$SP"
wait "$SP"
# a /chat member that stops reading: once 32 messages wait for it, it is closed with 1008, and
# the others go on (100 messages of 200 KB: more than the kernel's buffers and the queue hold)
P2=$(free_port)
serve slow --port "$P2" --news 0
$CL --port "$P2" --path /chat --timeout 30 'until:user joined' sleep:4 expect-close >"$T/slowA.out" 2>&1 &
ca=$!
wait_for 5 grep -q "user joined" "$T/slowA.out"
acts=""
for i in $(seq 100); do acts="$acts big:200000 recv"; done
# shellcheck disable=SC2086
$CL --port "$P2" --path /chat --timeout 30 'until:user joined' $acts close:1000 expect-close >"$T/slowB.out" 2>&1
wait $ca
expect_eq "/chat: a member that reads gets all 100 messages" "$(grep -c '^text user [0-9]*: xxx' "$T/slowB.out")" 100
expect_eq "/chat: a member that stops reading is closed with 1008" "$(tail -n 1 "$T/slowA.out")" "close 1008 too slow: 32 messages were waiting"
kill -INT "$SP"
wait "$SP"
SP=$MAINP

# ---- /chat --------------------------------------------------------------------------------------
$CL --port "$P" --path /chat until:everyone close:1000 expect-close >"$T/chatA.out" 2>&1 &
ca=$!
wait_for 5 grep -q "user joined" "$T/chatA.out"
$CL --port "$P" --path /chat 'until:user joined' 'text:안녕 everyone' until:everyone close:1000 expect-close >"$T/chatB.out" 2>&1
wait $ca
# the news (every second here) may come between any two: left out of these checks
grep -v '^text news update' "$T/chatA.out" >"$T/chatA" && mv "$T/chatA" "$T/chatA.out"
grep -v '^text news update' "$T/chatB.out" >"$T/chatB" && mv "$T/chatB" "$T/chatB.out"
b=$(sed -n 's/^text user joined: //p' "$T/chatB.out")
a=$(sed -n '2s/^text user joined: //p' "$T/chatA.out")
check "/chat: each join is pushed to everyone, numbered" sh -c '[ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]' _ "$a" "$b"
expect_eq "/chat: the first member sees both joins and the second's message" \
    "$(sed -n '2,4p' "$T/chatA.out")" "text user joined: $a
text user joined: $b
text user $b: 안녕 everyone"
expect_eq "/chat: the sender sees its own message too" "$(sed -n '3p' "$T/chatB.out")" "text user $b: 안녕 everyone"
$CL --port "$P" --path /chat 'until:news update' close:1000 expect-close >"$T/news.out" 2>&1
check "/chat: a news update pushed by the server every --news seconds" grep -Eq '^text news update [0-9]+$' "$T/news.out"

# ---- port in use, then Ctrl-C with a client connected --------------------------------------------
"$E" --port "$P" >/dev/null 2>"$T/inuse.err"
expect_eq "port in use: exit 1" "$?" 1
check "port in use: said in one sentence" sh -c 'grep -q "^wsecho: 127.0.0.1:$1 is already in use" "$2" && [ "$(wc -l <"$2")" -eq 1 ]' _ "$P" "$T/inuse.err"
$CL --port "$P" --timeout 8 text:x recv expect-close >"$T/bye.out" 2>&1 &
cb=$!
wait_for 5 grep -q "^text x" "$T/bye.out"
kill -INT "$SP"
wait "$SP"
expect_eq "Ctrl-C: exit 0" "$?" 0
wait $cb
expect_eq "Ctrl-C: the connected client gets 1001" "$(sed -n 3p "$T/bye.out")" "close 1001 server shutting down"
check "Ctrl-C: said, and stopped" sh -c 'grep -q "^wsecho: interrupted: closing 1 connection with 1001 (going away)$" "$1" && tail -n 1 "$1" | grep -q "^wsecho: stopped$"' _ "$T/main.err"

# ---- SIGTERM, --no-deflate ------------------------------------------------------------------------
P=$(free_port)
serve nodeflate --port "$P" --no-deflate --news 0
$CL --port "$P" --deflate text:a recv close:1000 expect-close >"$T/nd.out" 2>&1
expect_eq "--no-deflate: permessage-deflate not accepted" "$(sed -n 1p "$T/nd.out")" "open accept=valid extensions=none"
kill -TERM "$SP"
wait "$SP"
expect_eq "SIGTERM: exit 0" "$?" 0
check "SIGTERM: said" grep -q "^wsecho: terminated: closing 0 connections" "$T/nodeflate.err"

# ---- TLS: a given certificate, the key log, and (as root) the capture decrypted ----------------------
if [ "$have_openssl" -eq 1 ]; then
    P=$(free_port)
    serve tls --port "$P" --cert "$T/a.crt" --key "$T/a.key" --keylog "$T/keys.txt" --news 0
    fp=$(openssl x509 -in "$T/a.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
    check "TLS: the certificate's fingerprint said at start" grep -q "^wsecho: TLS with the certificate, SHA-256 $fp$" "$T/tls.err"
    cap=""
    if [ "$(id -u)" -eq 0 ]; then
        "$W" -i lo -w "$T/tls.pcap" tcp port "$P" >/dev/null 2>"$T/cap.err" &
        cap=$!
        pids="$pids $cap"
        wait_for 10 grep -q "listening on lo" "$T/cap.err" || _bad "TLS: the capture starts" "$(cat "$T/cap.err")"
    fi
    $CL --port "$P" --tls 'text:비밀 secret' recv close:1000:done expect-close >"$T/tls.out" 2>&1
    expect_eq "TLS: echo over wss" "$(cat "$T/tls.out")" "open accept=valid extensions=none
text 비밀 secret
close 1000 done"
    check "TLS: the key log holds the session's secrets" grep -q '^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]\{64\} [0-9a-f]\{64,\}$' "$T/keys.txt"
    if [ -n "$cap" ]; then
        sleep 0.5
        kill -INT "$cap"
        wait "$cap"
        "$W" --json --keylog "$T/keys.txt" "$T/tls.pcap" >"$T/tls.json" 2>"$T/tls.jerr"
        check "TLS: the capture decrypted with wsecho's key log: the message both ways and the close" \
            "$PY" -S tests/e2e/jsonq.py --assert "$T/tls.json" \
            '[(e["dir"], e.get("text"), e.get("close_code")) for e in of("message")] == [("c2s", "비밀 secret", None), ("s2c", "비밀 secret", None), ("c2s", None, 1000), ("s2c", None, 1000)]'
    else
        skip "TLS: the capture decrypted" "not root: capturing needs CAP_NET_RAW"
    fi
    kill -INT "$SP"
    wait "$SP"
    check "TLS: the key log's lines counted at the end" grep -Eq "^wsecho: [1-9][0-9]* TLS secret lines written to $T/keys.txt$" "$T/tls.err"
else
    skip "TLS with --cert and --key" "no openssl command to make a certificate"
fi

# ---- --tls alone: a certificate made at start, left nowhere on disk ------------------------------------
P=$(free_port)
TMPDIR=/nonexistent "$E" --tls --port "$P" >/dev/null 2>"$T/tmpdir.err"
expect_eq "--tls: the certificate's folder is made in TMPDIR (none there: exit 1)" "$?" 1
check "--tls: a TMPDIR that cannot be used is said" grep -q "^wsecho: cannot make a temporary folder for the certificate: " "$T/tmpdir.err"
mkdir "$T/tmp"
export TMPDIR="$T/tmp"
serve selfsigned --port "$P" --tls --news 0
unset TMPDIR
$CL --port "$P" --tls text:ok recv close:1000 expect-close >"$T/ss.out" 2>&1
expect_eq "--tls: echo with the self-signed certificate" "$(sed -n 2p "$T/ss.out")" "text ok"
check "--tls: the browser's warning announced, with the fingerprint" grep -Eq "^wsecho: TLS with a self-signed certificate, SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2} \(the browser warns" "$T/selfsigned.err"
expect_eq "--tls: the certificate's temporary folder (in TMPDIR) is removed once loaded" "$(ls -A "$T/tmp")" ""
kill -INT "$SP"
wait "$SP"
finish
