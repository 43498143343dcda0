#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# install-headers.sh - install what building and checking kmod/ needs on a
# fresh Debian 12: the linux-headers-6.1.0-N-amd64 package that matches the
# kernel Debian's linux-image-amd64 currently points at (the lab boots that
# kernel), pahole (dwarves) for the UAPI padding check, and dkms.
#
#   tests/kmod/install-headers.sh            # install
#   tests/kmod/install-headers.sh --print    # only print the KDIR it would use
#
# Prints the KDIR (/usr/src/linux-headers-6.1.0-N-amd64) on its last line.
# Set WITH_SOURCE=1 to also install linux-source-6.1 (for checkpatch.pl).
set -eu

abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/.*Depends: linux-image-\(6\.1\.[0-9]*-[0-9]*\)-amd64$/\1/p' |
	head -n 1)
if [ -z "$abi" ]; then
	apt-get update -qq
	abi=$(apt-cache depends linux-image-amd64 |
		sed -n 's/.*Depends: linux-image-\(6\.1\.[0-9]*-[0-9]*\)-amd64$/\1/p' |
		head -n 1)
fi
[ -n "$abi" ] || { echo "install-headers: cannot tell linux-image-amd64's ABI" >&2; exit 1; }
kdir=/usr/src/linux-headers-$abi-amd64

if [ "${1:-}" = "--print" ]; then
	echo "$kdir"
	exit 0
fi

pkgs="linux-headers-$abi-amd64 dwarves make gcc"
[ "${WITH_DKMS:-1}" = 1 ] && pkgs="$pkgs dkms"
[ "${WITH_SOURCE:-0}" = 1 ] && pkgs="$pkgs linux-source-6.1 xz-utils"
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends $pkgs >&2
echo "$kdir"
