#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build.sh - CI for kmod/: build the module against the kernel headers at
# KDIR with W=1 and fail on any warning, check the UAPI header (pahole), run
# checkpatch when a kernel source tree is at hand, and build kmod-test.
#
#   tests/kmod/build.sh [KDIR]
#
# KDIR defaults to what tests/kmod/install-headers.sh --print names (run that
# script first on a fresh machine): the newest linux-headers-amd64 of the
# stack, 6.1 on bookworm, 6.12 on trixie, 7.3 on trixie-backports.
# CHECKPATCH=path/to/checkpatch.pl, or it is taken from Debian's
# /usr/src/linux-source-X.Y.tar.xz of KDIR's X.Y when that is installed
# (install-headers.sh with WITH_SOURCE=1).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/kmod
KDIR=${1:-${KDIR:-$("$here/install-headers.sh" --print)}}
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }
log=$(mktemp)
d=
trap 'rm -rf "$log" ${d:+"$d"}' EXIT

if [ ! -d "$KDIR" ]; then
	no "kernel headers at $KDIR" "run tests/kmod/install-headers.sh"
else
	make -C "$top/kmod" KDIR="$KDIR" clean > /dev/null 2>&1
	if make -C "$top/kmod" KDIR="$KDIR" W=1 > "$log" 2>&1; then
		if grep -Eiq 'warning:|error:' "$log"; then
			no "kmod builds with W=1 and no warnings" "$(grep -Ei 'warning:|error:' "$log" | head -3)"
		else
			ok "kmod builds against $(basename "$KDIR") with W=1, no warnings"
		fi
	else
		no "kmod builds against $(basename "$KDIR")" "$(tail -5 "$log")"
	fi
fi

# the DKMS tree `make install` writes (make install-dkms: only that tree),
# added and built with dkms against KDIR in trees of this run (nothing in
# /var/lib/dkms, /usr/src or /lib/modules), never installed.  sign_file names
# no binary, so dkms neither signs nor makes a MOK key (/var/lib/dkms/mok.key).
dkms_build() {
	local dk kver v
	dk=$(mktemp -d /tmp/iommu-map-dkms.XXXXXX)
	kver=$(basename "$KDIR" | sed 's/^linux-headers-//')
	mkdir -p "$dk/dkms" "$dk/inst"
	if make -s -C "$top" install-dkms DESTDIR="$dk/root" PREFIX=/usr > "$log" 2>&1 &&
	   v=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$dk"/root/usr/src/iommu-map-*/dkms.conf) &&
	   sign_file=/nonexistent dkms add --dkmstree "$dk/dkms" --sourcetree "$dk/root/usr/src" \
		--installtree "$dk/inst" -m iommu-map -v "$v" >> "$log" 2>&1 &&
	   sign_file=/nonexistent dkms build --dkmstree "$dk/dkms" --sourcetree "$dk/root/usr/src" \
		--installtree "$dk/inst" -m iommu-map -v "$v" -k "$kver" --kernelsourcedir "$KDIR" >> "$log" 2>&1 &&
	   ls "$dk/dkms/iommu-map/$v/$kver"/*/module/iommu_map.ko* > /dev/null 2>&1; then
		ok "dkms build of make install's tree (iommu-map/$v) against $kver"
	else
		no "dkms build of make install's tree against $kver" "$(grep -Ei 'error|warning' "$log" | head -3)$(tail -2 "$log")"
	fi
	rm -rf "$dk"
}
if [ ! -d "$KDIR" ]; then
	:
elif command -v dkms > /dev/null; then
	dkms_build
else
	echo "skip dkms build (no dkms: tests/kmod/install-headers.sh installs it unless KDIR is given)"
fi

"$here/check-uapi.sh" > "$log" 2>&1 && ok "uapi: $(tail -1 "$log")" ||
	no "uapi check" "$(grep FAIL "$log" | head -3)"

# X.Y of the kernel KDIR is for: its kernel.release, else its name
# (/usr/src/linux-headers-6.12.118+deb13-amd64)
kdir_xy() {
	{ cat "$KDIR/include/config/kernel.release" 2>/dev/null; basename "$KDIR"; } |
		sed -nE 's/^(linux-headers-)?([0-9]+\.[0-9]+)[.+-].*/\2/p' | head -n 1
}
xy=$(kdir_xy)
src=/usr/src/linux-source-${xy:-unknown}.tar.xz
cp=${CHECKPATCH:-}
if [ -z "$cp" ] && [ -f "$src" ]; then
	d=$(mktemp -d)
	tar -C "$d" -xJf "$src" --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' 2>/dev/null
	cp=$(ls "$d"/*/scripts/checkpatch.pl 2>/dev/null)
fi
if [ -n "$cp" ] && [ -f "$cp" ]; then
	# expected: LINUX_VERSION_CODE (we must build on several kernels) and
	# "filename in file" for the #include of uapi/iommu_map.h
	perl "$cp" --no-tree --ignore LINUX_VERSION_CODE,EMBEDDED_FILENAME,CONSTANT_COMPARISON \
		-f "$top"/kmod/iommu_map_*.c "$top"/kmod/iommu_map*.h "$top/include/uapi/iommu_map.h" \
		> "$log" 2>&1
	if grep -q '^total: 0 errors, 0 warnings' "$log" &&
	   ! grep -Eq '^total: [1-9]|^total: 0 errors, [1-9]' "$log"; then
		ok "checkpatch: $(grep -c '^total: 0 errors, 0 warnings' "$log") files clean"
	else
		no "checkpatch" "$(grep -E '^(ERROR|WARNING)' "$log" | head -3)"
	fi
else
	echo "skip checkpatch (no $src; WITH_SOURCE=1 install-headers.sh, or CHECKPATCH=)"
fi

if cc -std=gnu11 -O2 -static -Wall -Wextra -Werror -I"$top/include" -o "$here/kmod-test" \
	"$here/kmod-test.c" -lpthread > "$log" 2>&1; then
	ok "kmod-test builds (tests/kmod/kmod-test)"
else
	no "kmod-test builds" "$(head -3 "$log")"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
