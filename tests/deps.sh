#!/bin/sh
# deps.sh - install the Debian packages the project needs, when missing (make deps).
# As root it runs apt-get itself; otherwise it prints the exact command to run.
# WSI_EXTRA_PKGS adds packages (make captures uses it for the real peers).
# man-db and manpages: man ./man/wsinspect.1 from the clone, and lesson 07's man ascii.
# libjansson-dev: HAR input; libwebsockets-dev: wsecho; chromium (and Node.js when the
# machine has none): the browser tests, with playwright-core from npm (tests/browser).
set -u
PKGS="gcc make pkg-config libpcap-dev libssl-dev zlib1g-dev libcmocka-dev libjansson-dev libwebsockets-dev tshark openssl groff-base python3 man-db manpages chromium ${WSI_EXTRA_PKGS:-}"
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
here=$(dirname "$0")

# playwright-core, pinned in tests/browser/package-lock.json; it downloads no browser.
# Without npm or its registry the browser tests say so and are skipped (CI requires them).
browser_deps() {
    [ -d "$here/browser/node_modules/playwright-core" ] && return 0
    command -v npm >/dev/null 2>&1 || { echo "deps: no npm: the browser tests will be skipped" >&2; return 0; }
    echo "deps: npm ci in tests/browser (playwright-core)"
    (cd "$here/browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        echo "deps: npm ci failed in tests/browser: the browser tests will be skipped" >&2
}
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && { browser_deps; exit 0; }
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run as root:  apt-get update && DEBIAN_FRONTEND=noninteractive $cmd" >&2
    exit 1
fi
echo "deps: installing$missing"
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
browser_deps
echo "deps: done"
