#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# install-deps.sh: the Debian packages the watch tests need (build, libelf,
# libunwind-ptrace, a QEMU for the attach/detach cycles, python3 for the
# checkers).  Installs them when run as root; otherwise prints the line.
set -eu
PKGS="build-essential pkg-config libelf-dev libunwind-dev qemu-system-x86 python3 binutils"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "watch install-deps: all present:$PKGS"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "watch install-deps: missing; run as root:" >&2
	echo "  apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "watch install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
for p in $missing; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || {
		echo "watch install-deps: FAILED to install $p" >&2
		exit 1
	}
done
