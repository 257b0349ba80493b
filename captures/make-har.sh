#!/bin/sh
# make-har.sh - regenerate the HAR files in captures/har/ (make captures runs it).
#
#   echo-chromium.har  chromium (Debian's, driven by playwright-core) talks to a local echo server
#                      (build/wsecho, or without it captures/peers/py_peer.py's "deflate": Python
#                      websockets; permessage-deflate on) while Playwright's recordHar writes the
#                      session: text, Korean, markup,
#                      binary and a 300-character message, each echoed, then a close
#                      (captures/peers/record_har.mjs, tests/browser/har_session.mjs)
#   hostile.har        every string hostile to a terminal or a page (captures/peers/hostile_har.py)
#
# Needs chromium, node, playwright-core, and wsecho built (make) or python3-websockets (make deps
# installs them).
set -eu
cd "$(dirname "$0")/.."
mkdir -p captures/har
node captures/peers/record_har.mjs captures/har/echo-chromium.har
python3 captures/peers/hostile_har.py captures/har/hostile.har
echo "captures/har: echo-chromium.har, hostile.har written"
