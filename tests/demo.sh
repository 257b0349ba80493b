#!/bin/sh
# demo.sh BUILD - run the tools on the bundled examples, and wsecho with a client for a moment (make demo).
set -u
B=${1:-build}
echo "\$ wsaccept dGhlIHNhbXBsZSBub25jZQ=="
"$B/wsaccept" dGhlIHNhbXBsZSBub25jZQ== || exit 1
echo
echo "\$ wsaccept --explain dGhlIHNhbXBsZSBub25jZQ=="
"$B/wsaccept" --explain dGhlIHNhbXBsZSBub25jZQ== || exit 1
echo
for f in captures/chat-python.pcap; do
    [ -f "$f" ] || continue
    echo "\$ wsinspect $f"
    "$B/wsinspect" "$f"
    rc=$?
    [ "$rc" -le 1 ] || exit 1
done
# wsecho: the classroom server, talked to by a small client for a moment
if [ -x "$B/wsecho" ] && command -v python3 >/dev/null 2>&1; then
    P=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo
    echo "\$ wsecho --port $P &      (then a client sends two messages to /echo and closes)"
    "$B/wsecho" --port "$P" --news 0 &
    pid=$!
    n=50
    until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$P" 2>/dev/null; do
        n=$((n - 1)); [ "$n" -gt 0 ] || { kill "$pid"; exit 1; }
        sleep 0.1
    done
    python3 tests/e2e/ws_client.py --port "$P" text:hello 'text:안녕하세요' recv:2 close:1000:bye expect-close
    rc=$?
    kill -INT "$pid"
    wait "$pid" || exit 1
    [ "$rc" -eq 0 ] || exit 1
    echo "(wsecho alone serves its page at http://127.0.0.1:8080/: open it in a browser)"
fi
