#!/bin/sh
# Install what the lab (tests/lab/run.sh) needs from Debian's packages.
# Fails loudly when a package cannot be installed; never skips.
set -eu
PKGS="qemu-system-x86 linux-image-amd64 busybox-static cpio pciutils kmod socat python3"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: all present:$PKGS"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing:$missing (run as root to install)" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || {
		echo "install-deps: FAILED to install $p" >&2
		exit 1
	}
done
