#!/bin/sh
# demo.sh BUILD - run both tools on the bundled examples (make demo).
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
