#!/bin/sh
# available.sh - exit 0 when the browser tests can run here: Debian's chromium and
# playwright-core installed in tests/browser/node_modules (make deps installs both as root).
# Otherwise say what is missing on stderr and exit 1; with WSI_REQUIRE_BROWSER=1 (CI), exit 2.
here=$(dirname "$0")
missing=""
[ -x "${WSI_CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium"
command -v node >/dev/null 2>&1 || missing="$missing node"
[ -d "$here/node_modules/playwright-core" ] || missing="$missing playwright-core(npm ci in tests/browser)"
[ -z "$missing" ] && exit 0
echo "browser tests: missing:$missing" >&2
[ "${WSI_REQUIRE_BROWSER:-0}" = 1 ] && exit 2
exit 1
