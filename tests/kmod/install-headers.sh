#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# install-headers.sh - install what building and checking kmod/ needs on a
# fresh Debian: the linux-headers-ABI-amd64 package that the newest
# linux-headers-amd64 apt can see depends on (bookworm: 6.1, trixie: 6.12,
# trixie-backports: 7.3; the lab boots the matching image of the same
# stack), pahole (dwarves) for the UAPI padding check, gcc, make and dkms.
#
#   tests/kmod/install-headers.sh            # install
#   tests/kmod/install-headers.sh --print    # only print the KDIR it would use
#
# Prints the KDIR (/usr/src/linux-headers-ABI-amd64) on its last line.
# KDIR set in the environment wins (no apt).  WITH_SOURCE=1 also installs
# the matching linux-source (for checkpatch.pl).
set -eu
[ -n "${KDIR:-}" ] && { echo "$KDIR"; exit 0; }

# The ABI of the newest linux-headers-amd64: "linux-headers-ABI-amd64" in
# the Depends of the stanza with the highest Version.
newest_abi() {
	apt-cache show linux-headers-amd64 2>/dev/null | awk '
		/^Version: / { v = $2 }
		/^Depends: / { if (match($0, /linux-headers-[^ ,]*-amd64/))
			print v, substr($0, RSTART + 14, RLENGTH - 20) }' |
		sort -V -k1,1 | tail -n 1 | cut -d' ' -f2
}
abi=$(newest_abi)
if [ -z "$abi" ]; then
	[ "${1:-}" = --print ] && [ "$(id -u)" != 0 ] && {
		echo "install-headers: apt knows no linux-headers-amd64 (run apt-get update as root)" >&2; exit 1; }
	apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
	abi=$(newest_abi)
fi
[ -n "$abi" ] || { echo "install-headers: cannot tell linux-headers-amd64's ABI" >&2; exit 1; }
kdir=/usr/src/linux-headers-$abi-amd64

if [ "${1:-}" = "--print" ]; then
	echo "$kdir"
	exit 0
fi

pkgs="linux-headers-$abi-amd64 dwarves make gcc libc6-dev"
[ "${WITH_DKMS:-1}" = 1 ] && pkgs="$pkgs dkms"
# Debian names the source package by X.Y: linux-source-6.1, linux-source-6.12
[ "${WITH_SOURCE:-0}" = 1 ] &&
	pkgs="$pkgs linux-source-$(echo "$abi" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/') xz-utils"
# shellcheck disable=SC2086
"$(dirname "$0")/../apt-need.sh" install-headers $pkgs >&2
echo "$kdir"
