#!/bin/sh
# make-negative-captures.sh - record the negative captures in captures/negative/:
# real protocols that are not WebSocket, on loopback, for the tests that prove
# wsinspect never invents a WebSocket connection inside other traffic.
#
#   sh captures/make-negative-captures.sh            all of them
#   sh captures/make-negative-captures.sh NAME...    only these (e.g. redis dns-tcp mixed)
#
# Each capture: real servers from Debian packages, started here on 127.0.0.1
# with throwaway configuration in a scratch folder, one real client session,
# tcpdump recording only that capture's ports (lib.sh):
#   nginx-h2c     47350 47351  curl --http2 (Upgrade: h2c, 101 from nginx, which
#                              hands the upgrade to a python3-h2 server on 47352),
#                              then curl --http2-prior-knowledge against nginx
#                              "listen ... http2"
#   tls-openssl   47353        openssl s_client / s_server -rev, four lines
#   ssh           47354        ssh with a throwaway key running "echo hi"
#   postgresql    47355        psql, five statements, SCRAM password login
#   redis         47356        redis-cli, seven commands on one connection
#   mqtt          47357        mosquitto_sub (QoS 1, 3 messages) + mosquitto_pub -l
#   ftp           47358        curl: login, PASV listing and a download (data
#                 47359-47361  connections on pyftpdlib's passive ports)
#   dns-tcp       47362        dig +tcp +keepopen, eight queries to dnsmasq
#   random        47363        seeded random bytes, 6 writes each way (python3)
#   mixed         all above    tls, redis, mqtt, dns, random and one WebSocket
#                 and 47364    session (python3-websockets echo, 3 texts, close
#                              1000) at the same time, in one tcpdump run
# Every capture but mixed also gets NAME-midstream.pcap: the same packets from
# a point well inside the session on (editcap -r): no SYN, no handshake, not
# the first application bytes (see midstream below).
# A capture is kept only when the client got exactly what it should, tcpdump
# dropped nothing and the file holds the planned number of TCP connections;
# otherwise it is tried again (three tries).
# Every process this script starts is stopped by its process id on exit.
# Needs root (apt-get for missing packages, tcpdump on lo, servers that drop
# privileges: postgres runs as the postgres user).
set -eu

cd "$(dirname "$0")/.."
CAP=captures
NEG=$CAP/negative
PY=/usr/bin/python3                 # Debian's python: python3-h2, -websockets, -pyftpdlib
LO=127.0.0.1
TMP=$(mktemp -d /tmp/wsi-negative-captures.XXXXXX)
FAILED=""
SAY_AS=negative-captures
. "$CAP/lib.sh"                     # say, servers, tcpdump; cleans up on exit

# ---- packages ------------------------------------------------------------
# redis-tools ships redis-server's binary too, and dnsmasq-base dnsmasq's,
# without a system service; nginx, openssh-server, postgresql and mosquitto
# come with theirs (Debian starts them where services can start; this script
# never uses them: its own instances run on the ports above).
WSI_EXTRA_PKGS="tcpdump tshark curl openssl python3-websockets python3-h2 python3-pyftpdlib
    nginx openssh-server openssh-client postgresql redis-tools mosquitto mosquitto-clients
    dnsmasq-base bind9-dnsutils" sh tests/deps.sh
for tool in tcpdump tshark editcap capinfos curl openssl nginx /usr/sbin/sshd ssh ssh-keygen \
    psql redis-server redis-cli mosquitto mosquitto_pub mosquitto_sub dnsmasq dig setpriv; do
    command -v "$tool" >/dev/null 2>&1 || { say "missing $tool"; exit 1; }
done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/initdb" ] || { say "missing postgres and initdb in /usr/lib/postgresql/*/bin"; exit 1; }
"$PY" -c 'import h2, websockets, pyftpdlib' 2>/dev/null || { say "$PY lacks h2, websockets or pyftpdlib"; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "run as root (tcpdump on lo)"; exit 1; }
chmod 711 "$TMP"                    # the postgres user reaches its own folder inside
mkdir -p "$NEG"

# ---- the ports -----------------------------------------------------------------
P_H2C=47350        # nginx: the upgrade, passed on to P_H2C_BACKEND
P_H2=47351         # nginx: listen ... http2 (prior knowledge)
P_H2C_BACKEND=47352    # python3-h2: answers Upgrade: h2c (not recorded)
P_TLS=47353
P_SSH=47354
P_PG=47355
P_REDIS=47356
P_MQTT=47357
P_FTP=47358
P_FTP_PASV=47359-47361
P_DNS=47362
P_RANDOM=47363
P_WS=47364

# ---- python peers (standard library plus Debian's python3-h2 / -websockets) ----

# h2c_server.py HOST PORT: HTTP/1.1 "Upgrade: h2c" -> 101, then HTTP/2 (RFC 7540
# section 3.2) with h2's initiate_upgrade_connection; answers every stream with
# "h2c answer for PATH". One connection at a time.
cat >"$TMP/h2c_server.py" <<'EOF'
import socket, sys
import h2.config, h2.connection, h2.events

def answer(h2c, stream, path):
    body = ("h2c answer for %s\n" % path).encode()
    h2c.send_headers(stream, [(":status", "200"), ("content-type", "text/plain"),
                              ("content-length", str(len(body)))])
    h2c.send_data(stream, body, end_stream=True)

def serve(conn):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = conn.recv(65536)
        if not d:
            return
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    hdrs = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    if hdrs.get("upgrade", "").lower() != "h2c" or "http2-settings" not in hdrs:
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
    h2c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
    h2c.initiate_upgrade_connection(hdrs["http2-settings"])
    answer(h2c, 1, path)                      # the upgraded request is stream 1
    conn.sendall(h2c.data_to_send())
    data = rest
    while True:
        for ev in h2c.receive_data(data) if data else []:
            if isinstance(ev, h2.events.RequestReceived):
                answer(h2c, ev.stream_id, dict(ev.headers).get(b":path", b"?").decode())
        out = h2c.data_to_send()
        if out:
            conn.sendall(out)
        data = conn.recv(65536)
        if not data:
            return

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
while True:
    c, _ = s.accept()
    try:
        serve(c)
    except Exception as e:   # a reset from the peer: serve the next one
        print("h2c_server:", e, file=sys.stderr, flush=True)
    finally:
        c.close()
EOF

# random_peer.py server|client HOST PORT: 6 rounds, the client writes 600-1400
# random bytes, the server answers with as many others; both sides draw them
# from the same seeded generator, so every run sends the same bytes and each
# side checks what it receives. TCP_NODELAY: one segment per write.
cat >"$TMP/random_peer.py" <<'EOF'
import random, socket, sys, time

def chunks(who):
    r = random.Random("wsinspect negative capture " + who)
    return [r.randbytes(r.randint(600, 1400)) for _ in range(6)]

C, S = chunks("client"), chunks("server")

def exactly(conn, n):
    buf = b""
    while len(buf) < n:
        d = conn.recv(n - len(buf))
        if not d:
            raise SystemExit("random_peer: the peer closed early")
        buf += d
    return buf

role, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if role == "server":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(8)
    while True:
        conn, _ = s.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for c, r in zip(C, S):
                if exactly(conn, len(c)) != c:
                    print("random_peer: unexpected bytes", file=sys.stderr, flush=True)
                    break
                conn.sendall(r)
            while conn.recv(65536):
                pass
        except (OSError, SystemExit) as e:
            print("random_peer:", e, file=sys.stderr, flush=True)
        conn.close()
else:
    conn = socket.create_connection((host, port), timeout=20)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for c, r in zip(C, S):
        conn.sendall(c)
        if exactly(conn, len(r)) != r:
            raise SystemExit("random_peer: the server's bytes differ")
        time.sleep(0.05)
    conn.shutdown(socket.SHUT_WR)
    exactly(conn, 0)
    conn.close()
    print("random: %d bytes sent, %d received, %d writes each way"
          % (sum(map(len, C)), sum(map(len, S)), len(C)))
EOF

# ws_peer.py server|client HOST PORT: the one WebSocket session of mixed.pcap,
# Python websockets 10 (legacy API), no compression, no keep-alive pings: the
# client sends 3 texts, each echoed, then closes with 1000.
cat >"$TMP/ws_peer.py" <<'EOF'
import asyncio, sys
import websockets

OPTS = dict(compression=None, ping_interval=None, close_timeout=5)
TEXTS = ["first of three", "second of three", "third of three"]

async def echo(ws):
    async for msg in ws:
        await ws.send(msg)

async def server(host, port):
    async with websockets.serve(echo, host, port, **OPTS):
        await asyncio.Future()

async def client(host, port):
    async with websockets.connect("ws://%s:%d/mixed" % (host, port), **OPTS) as ws:
        for t in TEXTS:
            await ws.send(t)
            got = await ws.recv()
            if got != t:
                raise SystemExit("ws_peer: echo %r, sent %r" % (got, t))
            print("echo:", got, flush=True)
            await asyncio.sleep(0.15)
        await ws.close(1000)

role, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if role == "server":
    asyncio.run(server(host, port))
else:
    asyncio.run(asyncio.wait_for(client(host, port), 30))
EOF

# ---- servers ----------------------------------------------------------------------
# serve NAME PORT COMMAND: start_server, remembering the process for unserve.
SRVS=""
serve() {
    start_server "$@" || return 1
    SRVS="$SRVS $SERVER_PID"
}
unserve() {                         # stops every server serve started, by process id
    for SERVER_PID in $SRVS; do stop_server; done
    SRVS=""
}

# prepare_NAME: what the servers need before the first try, made once.
prepare_nginx_h2c() {
    D=$TMP/nginx
    mkdir -p "$D/www"
    printf 'hello from nginx over HTTP/2\n' >"$D/www/index.txt"
    cat >"$D/nginx.conf" <<EOF
worker_processes 1;
daemon off;
user root;
pid $D/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $D/body;
    proxy_temp_path $D/proxy;
    fastcgi_temp_path $D/fastcgi;
    uwsgi_temp_path $D/uwsgi;
    scgi_temp_path $D/scgi;
    # HTTP/1.1 with Upgrade: h2c: nginx 1.22 has no h2c upgrade of its own, so
    # it proxies the request like a WebSocket upgrade and tunnels after the 101.
    server {
        listen $LO:$P_H2C;
        location / {
            proxy_pass http://$LO:$P_H2C_BACKEND;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection "upgrade";
        }
    }
    # cleartext HTTP/2 with prior knowledge
    server {
        listen $LO:$P_H2 http2;
        root $D/www;
    }
}
EOF
}

prepare_redis() { :; }               # nothing to prepare
prepare_random() { :; }

prepare_tls_openssl() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj /CN=localhost -keyout "$TMP/tls.key" -out "$TMP/tls.crt" 2>/dev/null
}
prepare_mixed() { [ -f "$TMP/tls.crt" ] || prepare_tls_openssl; prepare_mqtt; prepare_dns_tcp; }

prepare_ssh() {
    D=$TMP/ssh
    mkdir -p "$D"
    ssh-keygen -q -t ed25519 -N '' -C wsi-host -f "$D/host_ed25519"
    ssh-keygen -q -t ed25519 -N '' -C wsi-client -f "$D/client_ed25519"
    cp "$D/client_ed25519.pub" "$D/authorized_keys"
    cat >"$D/sshd_config" <<EOF
ListenAddress $LO
Port $P_SSH
HostKey $D/host_ed25519
AuthorizedKeysFile $D/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
PrintMotd no
EOF
    mkdir -p /run/sshd               # sshd's privilege separation directory
}

prepare_postgresql() {
    D=$TMP/pg
    mkdir -p "$D"
    printf 'wsi-password\n' >"$D/pw"
    chown -R postgres:postgres "$D"
    chmod 700 "$D"
    setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/initdb" -D "$D/data" \
        -U postgres --pwfile="$D/pw" --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --no-locale >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; return 1; }
}

prepare_mqtt() {
    cat >"$TMP/mosquitto.conf" <<EOF
listener $P_MQTT $LO
allow_anonymous true
persistence false
log_dest stderr
EOF
}

prepare_ftp() {
    mkdir -p "$TMP/ftp"
    printf 'notes.txt: a small file fetched over FTP.\nLine two.\nLine three, the last.\n' >"$TMP/ftp/notes.txt"
    printf 'read me\n' >"$TMP/ftp/readme.txt"
    touch -d '2024-01-01 12:00' "$TMP/ftp"/*.txt
}

prepare_dns_tcp() {
    cat >"$TMP/dnsmasq.conf" <<EOF
port=$P_DNS
listen-address=$LO
bind-interfaces
no-resolv
no-hosts
local=/wsi.test/
pid-file=
log-facility=-
host-record=www.wsi.test,192.0.2.10,2001:db8::10
host-record=mail.wsi.test,192.0.2.25
cname=alias.wsi.test,www.wsi.test
mx-host=wsi.test,mail.wsi.test,10
srv-host=_ws._tcp.wsi.test,www.wsi.test,8080
txt-record=wsi.test,"DNS over TCP, not WebSocket"
EOF
}

# start_NAME: the servers of one capture (through serve).
start_nginx_h2c() {
    serve h2c-backend "$P_H2C_BACKEND" "$PY $TMP/h2c_server.py $LO $P_H2C_BACKEND" &&
        serve nginx "$P_H2C" "nginx -e stderr -p $TMP/nginx -c $TMP/nginx/nginx.conf"
}
start_tls_openssl() {
    serve tls "$P_TLS" "openssl s_server -accept $LO:$P_TLS -cert $TMP/tls.crt -key $TMP/tls.key -rev"
}
start_ssh() { serve sshd "$P_SSH" "/usr/sbin/sshd -D -e -f $TMP/ssh/sshd_config"; }
start_postgresql() {
    serve postgres "$P_PG" "setpriv --reuid=postgres --regid=postgres --init-groups \
        $PGBIN/postgres -D $TMP/pg/data -p $P_PG -c listen_addresses=$LO \
        -c unix_socket_directories=$TMP/pg -c fsync=off -c logging_collector=off"
}
# redis-cli 7 asks for COMMAND DOCS (about 170 KB, for its hints) before the
# first command even when not on a terminal; COMMAND renamed away, the answer
# is a short error and the capture stays small.
start_redis() {
    serve redis "$P_REDIS" "redis-server --port $P_REDIS --bind $LO --save '' --appendonly no \
        --protected-mode no --daemonize no --rename-command COMMAND ''"
}
start_mqtt() { serve mosquitto "$P_MQTT" "mosquitto -c $TMP/mosquitto.conf"; }
start_ftp() {
    serve ftp "$P_FTP" "$PY -m pyftpdlib -i $LO -p $P_FTP -d $TMP/ftp -u wsi -P wsi-password -r $P_FTP_PASV"
}
start_dns_tcp() { serve dnsmasq "$P_DNS" "dnsmasq -k -C $TMP/dnsmasq.conf"; }
start_random() { serve random "$P_RANDOM" "$PY $TMP/random_peer.py server $LO $P_RANDOM"; }
start_mixed() {
    serve ws "$P_WS" "$PY $TMP/ws_peer.py server $LO $P_WS" && start_tls_openssl && start_redis &&
        start_mqtt && start_dns_tcp && start_random
}

# ---- clients: each writes what it received to $OUT and what it should have to $OUT.want ----
T30="timeout 30"

client_nginx_h2c() {
    # one connection: GET /upgraded by HTTP/1.1 + Upgrade: h2c, then /second as
    # HTTP/2 stream 3 on the same connection
    $T30 curl -sS --max-time 20 --http2 -w '%{http_version} %{num_connects}\n' \
        "http://$LO:$P_H2C/upgraded" "http://$LO:$P_H2C/second" >"$OUT" || return
    sleep 0.2
    # one request: curl 7.88 fails a second prior-knowledge request on the
    # same connection ("Error in the HTTP2 framing layer")
    $T30 curl -sS --max-time 20 --http2-prior-knowledge -w '%{http_version} %{num_connects}\n' \
        "http://$LO:$P_H2/index.txt" >>"$OUT" || return
    printf '%s\n' 'h2c answer for /upgraded' '2 1' 'h2c answer for /second' '2 0' \
        'hello from nginx over HTTP/2' '2 1' >"$OUT.want"
}

client_tls_openssl() {
    { for l in 'hello over TLS' 'this is not a WebSocket' 'third line' 'bye'; do
          printf '%s\n' "$l"; sleep 0.2
      done; } |
        $T30 openssl s_client -connect "$LO:$P_TLS" -servername localhost -quiet -no_ign_eof \
            >"$OUT" 2>"$OUT.err" || { cat "$OUT.err"; return 1; }
    printf '%s\n' 'SLT revo olleh' 'tekcoSbeW a ton si siht' 'enil driht' 'eyb' >"$OUT.want"
}

client_ssh() {
    $T30 ssh -F /dev/null -i "$TMP/ssh/client_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -o ConnectTimeout=10 -p "$P_SSH" "root@$LO" 'echo hi' >"$OUT" || return
    echo hi >"$OUT.want"
}

client_postgresql() {
    PGPASSWORD=wsi-password PGCONNECT_TIMEOUT=10 $T30 psql -X -q -At -v ON_ERROR_STOP=1 \
        -h "$LO" -p "$P_PG" -U postgres -d postgres \
        -c "CREATE TEMP TABLE notes (id int PRIMARY KEY, body text)" \
        -c "INSERT INTO notes VALUES (1, 'not a WebSocket'), (2, 'just PostgreSQL')" \
        -c "SELECT id, body FROM notes ORDER BY id" \
        -c "SELECT count(*) FROM notes" \
        -c "SELECT current_user" >"$OUT" || return
    printf '%s\n' '1|not a WebSocket' '2|just PostgreSQL' 2 postgres >"$OUT.want"
}

client_redis() {
    printf '%s\n' 'PING' 'SET greeting "not a WebSocket"' 'GET greeting' 'INCR visits' \
        'INCR visits' 'RPUSH letters a b c' 'LRANGE letters 0 -1' |
        $T30 redis-cli -h "$LO" -p "$P_REDIS" >"$OUT" || return
    printf '%s\n' PONG OK 'not a WebSocket' 1 2 3 a b c >"$OUT.want"
}

# connected PORT: true while a TCP connection to PORT is established.
connected() {
    awk -v p=":$(printf %04X "$1")" \
        '$4 == "01" && substr($3, length($3) - 4) == p { f = 1 } END { exit !f }' /proc/net/tcp
}

client_mqtt() {
    $T30 mosquitto_sub -h "$LO" -p "$P_MQTT" -i wsi-sub -q 1 -t wsi/news -C 3 -W 20 >"$OUT" &
    sub=$!
    i=0
    until connected "$P_MQTT"; do     # the subscriber's connection
        i=$((i + 1)); [ $i -le 100 ] || break; sleep 0.05
    done
    sleep 0.3                         # its SUBSCRIBE answered
    printf '%s\n' 'first news' 'second news' 'third news, the last' |
        $T30 mosquitto_pub -h "$LO" -p "$P_MQTT" -i wsi-pub -q 1 -t wsi/news -l || { wait $sub; return 1; }
    wait $sub || return
    printf '%s\n' 'first news' 'second news' 'third news, the last' >"$OUT.want"
}

client_ftp() {
    # one control connection; PASV (not EPSV), so each data connection is on
    # a port of P_FTP_PASV: first the listing of /, then notes.txt
    $T30 curl -sS --max-time 20 --disable-epsv -u wsi:wsi-password \
        "ftp://$LO:$P_FTP/" -o "$OUT.list" "ftp://$LO:$P_FTP/notes.txt" -o "$OUT.file" || return
    { awk '{ print $NF }' "$OUT.list" | sort; cat "$OUT.file"; } >"$OUT"   # the listing's names, the file
    { printf '%s\n' notes.txt readme.txt; cat "$TMP/ftp/notes.txt"; } >"$OUT.want"
}

client_dns_tcp() {
    $T30 dig +tcp +keepopen +time=5 +tries=1 +noall +answer +comments @"$LO" -p "$P_DNS" \
        www.wsi.test A www.wsi.test AAAA alias.wsi.test A wsi.test MX mail.wsi.test A \
        _ws._tcp.wsi.test SRV wsi.test TXT nothere.wsi.test A >"$OUT.raw" || return
    { grep -o 'status: [A-Z]*' "$OUT.raw"; grep -v '^;' "$OUT.raw" | sed '/^$/d' |
          awk '{ $2 = ""; print }'; } >"$OUT"
    { for s in 1 2 3 4 5 6 7; do echo 'status: NOERROR'; done; echo 'status: NXDOMAIN'
      printf '%s\n' 'www.wsi.test.  IN A 192.0.2.10' 'www.wsi.test.  IN AAAA 2001:db8::10' \
          'alias.wsi.test.  IN CNAME www.wsi.test.' 'www.wsi.test.  IN A 192.0.2.10' \
          'wsi.test.  IN MX 10 mail.wsi.test.' 'mail.wsi.test.  IN A 192.0.2.25' \
          '_ws._tcp.wsi.test.  IN SRV 0 0 8080 www.wsi.test.' \
          'wsi.test.  IN TXT "DNS over TCP, not WebSocket"'; } >"$OUT.want"
}

client_random() {
    $T30 "$PY" "$TMP/random_peer.py" client "$LO" "$P_RANDOM" >"$OUT" || return
    "$PY" - "$OUT.want" <<'EOF'
import random, sys
def total(who):
    r = random.Random("wsinspect negative capture " + who)
    return sum(len(r.randbytes(r.randint(600, 1400))) for _ in range(6))
open(sys.argv[1], "w").write("random: %d bytes sent, %d received, 6 writes each way\n"
                             % (total("client"), total("server")))
EOF
}

client_ws() {
    $T30 "$PY" "$TMP/ws_peer.py" client "$LO" "$P_WS" >"$OUT" || return
    printf 'echo: %s\n' 'first of three' 'second of three' 'third of three' >"$OUT.want"
}

# mixed: the clients at once, each started a moment after the other, so their
# packets interleave; the WebSocket session is in the middle of it all.
client_mixed() {
    base=$OUT
    pids=""
    for c in tls_openssl redis ws mqtt dns_tcp random; do
        (OUT=$base.$c; "client_$c" >"$OUT.log" 2>&1) &
        pids="$pids $!"
        sleep 0.1
    done
    ok=0
    for p in $pids; do wait "$p" || ok=1; done
    : >"$base"; : >"$base.want"
    for c in tls_openssl redis ws mqtt dns_tcp random; do
        { echo "== $c"; cat "$base.$c" 2>/dev/null; cat "$base.$c.log"; } >>"$base"
        { echo "== $c"; cat "$base.$c.want" 2>/dev/null; } >>"$base.want"
    done
    return $ok
}

# ---- one capture ----------------------------------------------------------------------

# tcp_ports PORT|FROM-TO...: the rest of lib.sh's "tcp port ..." filter for several ports.
tcp_ports() {
    f=$1; shift
    for p in "$@"; do
        case $p in *-*) f="$f or tcp portrange $p" ;; *) f="$f or tcp port $p" ;; esac
    done
    echo "$f"
}

# connections FILE: how many TCP connections the capture opens (SYN without ACK).
connections() {
    tshark -r "$1" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null | wc -l | tr -d ' '
}

# capture_once NAME CONNECTIONS PORT...: one try; leaves $TMP/NAME.pcap.
capture_once() {
    name=$1; want_conns=$2; shift 2
    fn=$(echo "$name" | tr - _)
    rm -f "$TMP/$name.pcap" "$TMP/$name.out"*
    "start_$fn" || { unserve; return 1; }
    if ! start_tcpdump "$TMP/$name.pcap" "$(tcp_ports "$@")"; then unserve; return 1; fi
    OUT=$TMP/$name.out
    ok=0
    "client_$fn" >"$TMP/$name.client.log" 2>&1 || ok=$?
    stop_tcpdump "$TMP/$name.pcap" || ok=1
    unserve
    if [ "$ok" -ne 0 ]; then
        say "$name: the client failed:"; cat "$TMP/$name.client.log" "$TMP"/*.server.log >&2
        return 1
    fi
    if ! cmp -s "$OUT" "$OUT.want"; then
        say "$name: the client received something else:"; diff "$OUT.want" "$OUT" >&2 || true
        return 1
    fi
    got=$(connections "$TMP/$name.pcap")
    if [ "$got" != "$want_conns" ]; then
        say "$name: $got TCP connections in the capture, wanted $want_conns"; return 1
    fi
}

# capture NAME CONNECTIONS PORT...: prepare_NAME once, then up to three tries;
# then the mid-stream variant (not for mixed).
capture() {
    fn=$(echo "$1" | tr - _)
    if ! "prepare_$fn"; then say "$1: preparing the servers failed"; FAILED="$FAILED $1"; return 0; fi
    for attempt in 1 2 3; do
        if capture_once "$@"; then
            mv "$TMP/$1.pcap" "$NEG/$1.pcap"
            say "$1.pcap: $(summary "$NEG/$1.pcap")"
            [ "$1" = mixed ] || midstream "$1"
            return 0
        fi
        say "$1: attempt $attempt failed"
        sleep 1
    done
    FAILED="$FAILED $1"
}

# midstream NAME: NAME-midstream.pcap keeps the packets from the k-th packet
# that carries TCP payload on, k = half the payload packets + 1, at least 3:
# the SYNs, the first application bytes (banner, hello, request, login...) and
# at least 2 payload packets are gone; connections opened later stay whole.
midstream() {
    f=$NEG/$1.pcap
    data=$(tshark -r "$f" -Y 'tcp.len > 0' -T fields -e frame.number 2>/dev/null)
    n=$(printf '%s\n' "$data" | sed '/^$/d' | wc -l)
    k=$((n / 2 + 1)); [ "$k" -ge 3 ] || k=3
    from=$(printf '%s\n' "$data" | sed -n "${k}p")
    total=$(tshark -r "$f" 2>/dev/null | wc -l)
    if [ -z "$from" ]; then say "$1: only $n payload packets, no mid-stream cut"; FAILED="$FAILED $1-midstream"; return 0; fi
    editcap -r "$f" "$NEG/$1-midstream.pcap" "$from-$total"
    say "$1-midstream.pcap: from packet $from (payload packet $k of $n): $(summary "$NEG/$1-midstream.pcap")"
}

# summary FILE: "N packets (N with payload), N connections opened, N bytes".
summary() {
    packets=$(tshark -r "$1" 2>/dev/null | wc -l)
    data=$(tshark -r "$1" -Y 'tcp.len > 0' 2>/dev/null | wc -l)
    echo "$packets packets ($data with TCP payload), $(connections "$1") connections opened, $(wc -c <"$1") bytes"
}

# ---- the captures -----------------------------------------------------------------------

want=" $* "
sel() { [ "$want" = "  " ] || case "$want" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

sel nginx-h2c && capture nginx-h2c 2 "$P_H2C" "$P_H2"
sel tls-openssl && capture tls-openssl 1 "$P_TLS"
sel ssh && capture ssh 1 "$P_SSH"
sel postgresql && capture postgresql 1 "$P_PG"
sel redis && capture redis 1 "$P_REDIS"
sel mqtt && capture mqtt 2 "$P_MQTT"
sel ftp && capture ftp 3 "$P_FTP" "$P_FTP_PASV"
sel dns-tcp && capture dns-tcp 1 "$P_DNS"
sel random && capture random 1 "$P_RANDOM"
# tls 1 + redis 1 + WebSocket 1 + mqtt 2 + dns 1 + random 1
sel mixed && capture mixed 7 "$P_WS" "$P_TLS" "$P_REDIS" "$P_MQTT" "$P_DNS" "$P_RANDOM"

if [ -n "$FAILED" ]; then
    say "FAILED:$FAILED"
    exit 1
fi
say "done"
