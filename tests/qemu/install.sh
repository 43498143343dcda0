#!/bin/sh
# Install what tests/unit/test-qmp.c needs for its live part: a QEMU to talk
# QMP to (TCG only, no network), plus json-c for the build.
set -eu
PKGS="qemu-system-x86 libjson-c-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "qemu/install: all present:$PKGS"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "qemu/install: missing:$missing (run as root to install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
