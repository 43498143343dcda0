#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/setup.sh - install what the gdb tests need and build (once per
# qemu package version) a types-only DWARF object for Debian's stripped
# qemu-system-x86_64.
#
# Installs (apt-get, --no-install-recommends):
#   qemu-system-x86 gdb python3 build-essential pkg-config
#   ninja-build meson libglib2.0-dev libpixman-1-dev libfdt-dev dpkg-dev
# Fetches Debian's qemu source package through a private deb-src list
# (the system's apt configuration is left alone).
#
# Cache: ${IM_CACHE:-/var/cache/iommu-map}/qemu-types-<version>/types.o
# Prints the path of types.o on the last line of stdout.
# --cached only prints it, when it is already built (exit 1 otherwise).
set -euo pipefail

CACHE=${IM_CACHE:-/var/cache/iommu-map}
PKGS=(qemu-system-x86 gdb python3 build-essential pkg-config
      ninja-build meson libglib2.0-dev libpixman-1-dev libfdt-dev dpkg-dev
      )
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export DEBIAN_FRONTEND=noninteractive

log() { echo "setup: $*" >&2; }

types_dir() {
	ver=$(dpkg-query -W -f='${Version}' qemu-system-x86)
	srcver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86)
	key=$(echo "$ver" | tr ':~+' '_._')
	# Bump RECIPE when types.c or the way it is built changes.
	RECIPE=2
	dir=$CACHE/qemu-types-$key-r$RECIPE
}
# --cached: print the cached object's path (exit 1 when there is none);
# installs and builds nothing (tests/lab/run.sh uses it).
if [[ ${1:-} == --cached ]]; then
	types_dir 2>/dev/null || exit 1
	[[ -s $dir/types.o ]] || exit 1
	echo "$dir/types.o"
	exit 0
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
	apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

types_dir

if [[ -s $dir/types.o ]]; then
	log "cached: $dir/types.o (qemu $ver)"
	echo "$dir/types.o"
	exit 0
fi

mkdir -p "$CACHE/apt/lists/partial" "$CACHE/src"
srclist=$CACHE/apt/deb-src.sources
# Same URIs, suites and keys as the system's deb stanzas, as deb-src.
sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$srclist"
aptopt=(-o "Dir::Etc::SourceList=$srclist" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$CACHE/apt/lists")

srcdir=$(ls -d "$CACHE"/src/qemu-*/ 2>/dev/null | head -1 || true)
stamp=$CACHE/src/version
if [[ -z $srcdir || ! -f $stamp || $(cat "$stamp") != "$ver" ]]; then
	rm -rf "$CACHE/src"
	mkdir -p "$CACHE/src"
	log "fetching qemu=$srcver source"
	apt-get "${aptopt[@]}" update -qq >&2
	(cd "$CACHE/src" && apt-get "${aptopt[@]}" source --download-only "qemu=$srcver" >&2 &&
	 dpkg-source -x ./*.dsc >&2)
	echo "$ver" >"$stamp"
	srcdir=$(ls -d "$CACHE"/src/qemu-*/ | head -1)
fi
srcdir=${srcdir%/}

bdir=$srcdir/build-types
if [[ ! -f $bdir/build.ninja ]]; then
	log "configuring $srcdir"
	mkdir -p "$bdir"
	(cd "$bdir" && PATH=/usr/bin:$PATH ../configure --target-list=x86_64-softmmu \
		--without-default-features --enable-kvm --enable-tcg \
		--enable-debug-info --disable-werror --disable-docs --disable-tools \
		--disable-user --disable-install-blobs --with-git-submodules=ignore \
		>configure.log 2>&1) || { tail -20 "$bdir/configure.log" >&2; exit 1; }
fi

# The qapi headers memory.h and friends pull in.
log "generating headers"
(cd "$bdir" && ninja -j2 qapi/qapi-types.h qapi/qapi-builtin-types.h \
	qapi/qapi-visit.h qapi/qapi-events.h qapi/qapi-commands.h \
	trace/trace-root.h >&2 2>/dev/null) ||
	(cd "$bdir" && ninja -j2 $(ninja -t targets all | sed -n 's/^\(qapi\/[^:]*\.h\):.*/\1/p;s/^\(trace\/[^:]*\.h\):.*/\1/p' | tr '\n' ' ') >&2)

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cp "$here/types.c" "$tmp/types.c"
# AddrRange and FlatRange are private to memory.c (softmmu/ up to 8.x,
# system/ later): copy their definitions from this very source tree, so
# the layout is the installed QEMU's own.
memc=$srcdir/system/memory.c
[[ -f $memc ]] || memc=$srcdir/softmmu/memory.c
{
	grep -m1 '^typedef struct AddrRange AddrRange;' "$memc" || true
	awk '/^struct (AddrRange|FlatRange) \{/,/^\};/' "$memc"
} >"$tmp/memory-private.h"
grep -q 'struct FlatRange {' "$tmp/memory-private.h" ||
	{ log "no struct FlatRange in $memc"; exit 1; }
# Include paths and defines as QEMU's own build uses them for a softmmu unit.
cflags=$(pkg-config --cflags glib-2.0)
(cd "$bdir" && gcc -O0 -g -fno-eliminate-unused-debug-types -std=gnu11 \
	-DNEED_CPU_H '-DCONFIG_TARGET="x86_64-softmmu-config-target.h"' \
	'-DCONFIG_DEVICES="x86_64-softmmu-config-devices.h"' \
	-iquote "$tmp" -iquote . -iquote "$srcdir" -iquote "$srcdir/include" \
	-iquote "$srcdir/target/i386" -I "$srcdir/linux-headers" \
	-I "$srcdir/tcg/i386" -I . $cflags \
	-c "$tmp/types.c" -o "$tmp/types.o") >&2
mkdir -p "$dir"
mv "$tmp/types.o" "$dir/types.o"
rm -rf "$tmp"
log "built $dir/types.o"
echo "$dir/types.o"
