#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/install/run.sh [--update]: make install DESTDIR=TMP PREFIX=/usr, its
# file list against tests/install/expected (the version in the DKMS tree's
# name as @VERSION@; --update rewrites it: review the diff), what the
# installed files say of each other, then make uninstall leaves nothing.
# Prints "ok ..." / "FAIL ..." lines (tests/run.sh counts them).
set -u
cd "$(dirname "$0")/../.."
UPDATE=0
[ "${1:-}" = --update ] && UPDATE=1
ok()  { echo "ok install: $*"; }
bad() { echo "FAIL install: $*"; }
t=$(mktemp -d /tmp/iommu-map-install.XXXXXX)
trap 'rm -rf "$t"' EXIT
mk() { make -s --no-print-directory ${B:+B=$B} "$@" DESTDIR="$t" PREFIX=/usr >"$t.log" 2>&1 ||
	{ bad "make $1: $(tail -3 "$t.log")"; rm -f "$t.log"; exit 0; }; rm -f "$t.log"; }

mk install
bin=$t/usr/sbin/iommu-map
V=$("$bin" --version | sed -n 's/^iommu-map //p')
(cd "$t" && find . ! -type d | sort | sed "s|^\./usr/src/iommu-map-$V/|./usr/src/iommu-map-@VERSION@/|") >"$t.list"
if [ $UPDATE = 1 ]; then
	cp "$t.list" tests/install/expected; ok "file list (updated)"
elif diff -u tests/install/expected "$t.list" >tests/diff/install.diff; then
	rm -f tests/diff/install.diff; ok "make install: the $(wc -l <"$t.list") files of tests/install/expected"
else
	bad "make install: file list (see tests/diff/install.diff)"; head -20 tests/diff/install.diff
fi
rm -f "$t.list"

# what the installed files say: the DKMS tree's version, the gdb package's place
[ -n "$V" ] && grep -qx "PACKAGE_VERSION=\"$V\"" "$t/usr/src/iommu-map-$V/dkms.conf" &&
	ok "dkms.conf: PACKAGE_VERSION=\"$V\", the binary's version" ||
	bad "dkms.conf: $(grep PACKAGE_VERSION "$t/usr/src/iommu-map-$V/dkms.conf" 2>&1)"
# (argp wraps a long line: the temporary directory makes it one)
"$bin" --help | tr '\n' ' ' | grep -qF "(gdb) source $t/usr/share/iommu-map/gdb/iommu-map-gdb.py " &&
	ok "--help of the installed binary names the installed gdb loader" ||
	bad "--help: $("$bin" --help | grep -A1 'gdb commands')"
n=$(grep -c '/usr/share/iommu-map/gdb/iommu-map-gdb.py' "$t"/usr/share/man/man8/iommu-map*.8 | grep -vc ':0$')
! grep -q /usr/local/ "$t"/usr/share/man/man8/iommu-map*.8 && [ "$n" = 2 ] &&
	ok "both installed man pages name /usr/share/iommu-map/gdb, no path under /usr/local" ||
	bad "installed man pages: $(grep -n '/usr/local\|share/iommu-map' "$t"/usr/share/man/man8/*.8 | head -3)"
for m in "$t"/usr/share/man/man8/*.8; do
	out=$(mandoc -Tlint -W warning "$m" 2>&1) && [ -z "$out" ] && ok "mandoc -Tlint installed $(basename "$m")" ||
		bad "mandoc -Tlint installed $(basename "$m"): $out"
done
# the DKMS tree builds as the module's own Makefile does: Kbuild finds the UAPI header
[ -f "$t/usr/src/iommu-map-$V/include/uapi/iommu_map.h" ] &&
	grep -q -- '-I$(src)/../include' "$t/usr/src/iommu-map-$V/kmod/Kbuild" &&
	ok "the DKMS tree has include/uapi/ beside kmod/, as kmod/Kbuild includes it" ||
	bad "the DKMS tree lacks include/uapi/iommu_map.h"

mk uninstall
left=$(cd "$t" && find . ! -type d)
ours=$(cd "$t" && find . -type d \( -name iommu-map -o -name 'iommu-map-*' \))
[ -z "$left" ] && [ -z "$ours" ] && ok "make uninstall: no file left, nor a directory of ours" ||
	bad "make uninstall left: $left $ours"
