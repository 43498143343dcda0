#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/build-debug.sh - the other route of iommu-map-gdb(8): a full
# debug build of Debian's own qemu source (about 10 minutes on 2 cores),
# cached as ${IM_CACHE:-/var/cache/iommu-map}/qemu-debug-<version>/.
# Run tests/gdb/setup.sh first (it installs the build deps and unpacks the
# source: the installed version's, or the nearest the mirror has, which
# $CACHE/src/version names).  Prints the path of the binary on the last line.
# Use it with: IM_QEMU=<that path> tests/gdb/run.sh
set -euo pipefail
CACHE=${IM_CACHE:-/var/cache/iommu-map}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
ver=$(dpkg-query -W -f='${Version}' qemu-system-x86)
key=$(echo "$ver" | tr ':~+' '_._')
out=$CACHE/qemu-debug-$key
if [[ -x $out/qemu-system-x86_64 ]]; then
	echo "$out/qemu-system-x86_64"
	exit 0
fi
srcdir=$(ls -d "$CACHE"/src/qemu-*/ | head -1)
srcdir=${srcdir%/}
b=$srcdir/build-debug
mkdir -p "$b"
if [[ ! -f $b/build.ninja ]]; then
	confopt=(--target-list=x86_64-softmmu
		--without-default-features --enable-kvm --enable-tcg
		--enable-debug-info --disable-werror --disable-docs
		--disable-tools --disable-user --disable-install-blobs
		--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu)
	# gone from configure by QEMU 10
	grep -q -- '--with-git-submodules' "$srcdir/configure" &&
		confopt+=(--with-git-submodules=ignore)
	(cd "$b" && PATH=/usr/bin:$PATH ../configure "${confopt[@]}" >configure.log 2>&1) ||
		{ tail -20 "$b/configure.log" >&2; exit 1; }
fi
(cd "$b" && nice ninja -j"${IM_JOBS:-2}" qemu-system-x86_64 >&2)
mkdir -p "$out"
cp "$b/qemu-system-x86_64" "$out/"
echo "$out/qemu-system-x86_64"
