#!/bin/sh
# deps.sh - install the Debian packages the project needs, when missing (make deps).
# As root it runs apt-get itself; otherwise it prints the exact command to run.
# WSI_EXTRA_PKGS adds packages (make captures uses it for the real peers).
# man-db and manpages: man ./man/wsinspect.1 from the clone, and lesson 07's man ascii.
set -u
PKGS="gcc make pkg-config libpcap-dev libssl-dev zlib1g-dev libcmocka-dev tshark openssl groff-base python3 man-db manpages ${WSI_EXTRA_PKGS:-}"
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
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
echo "deps: done"
