#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/deb/installed.sh DEBS DEB_VERSION - run as root in a fresh root of a
# stack (tests/deb/run.sh check), in a copy of the tree: installs the
# packages in DEBS (iommu-map, iommu-map-dkms) and the stack's
# linux-headers-amd64 with apt-get, then checks:
#   - iommu-map --version says DEB_VERSION;
#   - the installed binary's output on the seed-2021 fixture is its golden
#     files (tests/expected/seed-2021: `make demo`'s report and explain and
#     the other cases);
#   - the man pages, gdb commands, schema, completion and UAPI header are
#     where README.md says, and the completion loads in bash;
#   - DKMS built and installed the module for the headers' kernel when the
#     packages went in (dkms status; its vermagic), and `dkms build` builds it
#     again from /usr/src/iommu-map-DEB_VERSION.
# Never loads the module.  Ends with "installed: N passed, N failed".
set -uo pipefail
debs=${1:?usage: installed.sh DEBS DEB_VERSION}
debv=${2:?}
P=0 F=0
ok() { echo "ok $*"; P=$((P + 1)); }
bad() { echo "FAIL $*"; F=$((F + 1)); }
finish() { echo "installed: $P passed, $F failed"; [ "$F" = 0 ]; exit; }
export DEBIAN_FRONTEND=noninteractive

# the stack's kernel headers: from backports on trixie-backports
target=
[ "${IM_STACK:-}" = trixie-backports ] && target="-t trixie-backports"
apt-get update -q >/dev/null || { bad "apt-get update"; finish; }
# shellcheck disable=SC2086
if apt-get install -y -q --no-install-recommends $target "$debs"/iommu-map_*.deb \
	"$debs"/iommu-map-dkms_*.deb linux-headers-amd64 >/tmp/apt.log 2>&1; then
	ok "apt-get install ./iommu-map_*.deb ./iommu-map-dkms_*.deb linux-headers-amd64"
else
	bad "apt-get install (see below)"
	tail -n 30 /tmp/apt.log
	finish
fi
grep -iE 'dkms|iommu' /tmp/apt.log | grep -viE '^(Get|Selecting|Preparing|Unpacking)' | sed 's/^/  apt: /'

v=$(iommu-map --version 2>&1)
[ "$v" = "iommu-map $debv" ] && ok "iommu-map --version: $v" || bad "iommu-map --version: '$v', want 'iommu-map $debv'"
[ "$(command -v iommu-map)" = /usr/sbin/iommu-map ] && ok "the command is /usr/sbin/iommu-map" ||
	bad "the command is '$(command -v iommu-map)'"

# the seed fixture: the installed binary against the goldens
n=0 m=0
while IFS=$'\t' read -r name args; do
	case "$name" in ''|'#'*) continue ;; esac
	n=$((n + 1))
	# shellcheck disable=SC2086
	iommu-map --sysroot tests/fixtures/seed-2021 -i tests/pci.ids $args >/tmp/o.out 2>/tmp/o.err
	echo "[exit $?]" >>/tmp/o.err
	sed -i "s/\"version\": \"$(printf '%s' "$debv" | sed 's/[].[*^$\/]/\\&/g')\"/\"version\": \"@VERSION@\"/" /tmp/o.out
	if diff -u "tests/expected/seed-2021/$name.out" /tmp/o.out && diff -u "tests/expected/seed-2021/$name.err" /tmp/o.err; then
		m=$((m + 1))
	else
		echo "  (seed-2021/$name differs)"
	fi
done <tests/expected/seed-2021/cases
[ "$n" -gt 0 ] && [ "$m" = "$n" ] && ok "seed-2021: the installed binary's output is the golden one, $m/$n cases (make demo's among them)" ||
	bad "seed-2021: $m/$n cases match their goldens"

miss=0
for f in /usr/share/man/man8/iommu-map.8.gz /usr/share/man/man8/iommu-map-gdb.8.gz \
	/usr/share/iommu-map/gdb/iommu-map-gdb.py /usr/share/iommu-map/gdb/iommu_map/__init__.py \
	/usr/share/iommu-map/schema/iommu-map-1.schema.json /usr/share/bash-completion/completions/iommu-map \
	/usr/include/iommu-map/iommu_map.h /usr/share/doc/iommu-map/NEWS.gz /usr/share/doc/iommu-map/copyright \
	"/usr/src/iommu-map-$debv/dkms.conf" "/usr/src/iommu-map-$debv/kmod/Kbuild" \
	"/usr/src/iommu-map-$debv/include/uapi/iommu_map.h"; do
	[ -f "$f" ] || { echo "  missing $f"; miss=$((miss + 1)); }
done
[ "$miss" = 0 ] && ok "the files of README.md's Install table are in place" || bad "$miss files missing"
zcat /usr/share/man/man8/iommu-map-gdb.8.gz | grep -q /usr/share/iommu-map/gdb/ &&
	! zcat /usr/share/man/man8/iommu-map*.8.gz | grep -q /usr/local/ &&
	ok "the man pages name /usr/share/iommu-map, not /usr/local" || bad "the man pages' paths"
c=$(bash -c '. /usr/share/bash-completion/completions/iommu-map && complete -p iommu-map' 2>&1)
case "$c" in complete*iommu-map) ok "bash completion loads: $c" ;; *) bad "bash completion: $c" ;; esac
grep -qx "PACKAGE_VERSION=\"$debv\"" "/usr/src/iommu-map-$debv/dkms.conf" &&
	ok "dkms.conf: PACKAGE_VERSION=\"$debv\"" || bad "dkms.conf's PACKAGE_VERSION"

# DKMS, for the kernel of the installed headers (not this machine's)
kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | tr ',' '\n' |
	sed -nE 's/^ *linux-headers-([0-9][^ ]*).*/\1/p' | head -n 1)
[ -d "/usr/src/linux-headers-$kver" ] && ok "headers: linux-headers-$kver" || { bad "no headers for '$kver'"; finish; }
st=$(dkms status iommu-map 2>&1)
echo "  dkms status: $st"
case "$st" in *"iommu-map/$debv, $kver, "*": installed"*) true ;; *) false ;; esac &&
	ok "the packages' install built and installed the module for $kver (DKMS autoinstall)" ||
	bad "dkms status after the install: $st"
ko=$(ls /lib/modules/"$kver"/updates/dkms/iommu_map.ko* 2>/dev/null | head -n 1)
vm=$( [ -n "$ko" ] && modinfo -F vermagic "$ko" 2>/dev/null)
case "$vm" in "$kver "*) ok "$ko: vermagic $vm" ;; *) bad "the installed module's vermagic: '$vm' ($ko)" ;; esac
# the module built again, by hand, as a user would after changing the source
dkms unbuild "iommu-map/$debv" -k "$kver" >/dev/null 2>&1 || dkms uninstall "iommu-map/$debv" -k "$kver" >/dev/null 2>&1
if dkms build "iommu-map/$debv" -k "$kver" >/tmp/dkms.log 2>&1; then
	ok "dkms build iommu-map/$debv -k $kver"
else
	bad "dkms build iommu-map/$debv -k $kver"
	tail -n 20 /tmp/dkms.log
	cat "/var/lib/dkms/iommu-map/$debv/build/make.log" 2>/dev/null | tail -n 20
fi
# (this machine's kernel may have no /proc/modules at all)
if [ -d /sys/module/iommu_map ] || grep -qs '^iommu_map ' /proc/modules; then
	bad "iommu_map is loaded on this machine"
else
	ok "the module is not loaded (no /sys/module/iommu_map)"
fi
finish
