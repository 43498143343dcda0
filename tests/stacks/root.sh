#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/stacks/root.sh STACK [--print] - a Debian root of one stack, built
# with mmdebstrap from Debian's mirror and cached outside the repository.
#
#   STACK   bookworm (kernel 6.1, QEMU 7.2, gdb 13)
#           trixie (kernel 6.12, QEMU 10.0, gdb 16)
#           trixie-backports (kernel 7.3, QEMU 11.1, gdb 18)
#   KIND    IM_ROOT_KIND=full (default): everything the stack's check-gdb and
#           check-lab need (its kernel and headers, QEMU, gdb, the build
#           tools); IM_ROOT_KIND=fresh: --variant=minbase with only git,
#           make and ca-certificates, kept as a tarball (check-fresh unpacks
#           a new copy for every run).
#
# Cache: ${IM_ROOTS:-/var/cache/iommu-map/roots}/STACK (full) or
# STACK-fresh.tar.  A root is rebuilt from scratch when its recipe (this
# file and tests/stacks/packages) changes: the hash is in .iommu-map-recipe.
# Prints the root's path (or the tarball's) on the last line of stdout.
# --print prints it without building (exit 1 when it is not built yet).
# A stack that cannot be built is an error (exit 1), never a skip.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
stack=${1:-}
kind=${IM_ROOT_KIND:-full}
ROOTS=${IM_ROOTS:-/var/cache/iommu-map/roots}
MIRROR=${IM_MIRROR:-http://deb.debian.org/debian}
SECURITY=${IM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

die() { echo "root.sh: $*" >&2; exit 1; }
log() { echo "root.sh: $*" >&2; }

case "$stack" in
bookworm) suite=bookworm; bpo= ;;
trixie) suite=trixie; bpo= ;;
trixie-backports) suite=trixie; bpo=trixie-backports ;;
*) die "usage: root.sh bookworm|trixie|trixie-backports [--print]" ;;
esac
case "$kind" in full|fresh) ;; *) die "IM_ROOT_KIND=$kind: full or fresh" ;; esac

# The package lists: one section per kind in tests/stacks/packages.
pkgs() {	# pkgs SECTION: the packages of one [SECTION]
	awk -v s="[$1]" '/^\[/ { on = ($0 == s); next } on && !/^#/ && NF { print }' \
		"$here/packages" | tr '\n' ' '
}
# Bump when the way a root is built changes (not for comments).
RECIPE=2
if [ "$kind" = full ]; then lists="common $stack"; else lists=fresh; fi
recipe=$( { echo "recipe $RECIPE $stack $kind $MIRROR $SECURITY"; for l in $lists; do echo "[$l] $(pkgs "$l")"; done; } |
	sha256sum | cut -c1-16)
if [ "$kind" = full ]; then out=$ROOTS/$stack; else out=$ROOTS/$stack-fresh; fi

if [ "$(cat "$out/.iommu-map-recipe" 2>/dev/null || true)" = "$recipe" ]; then
	echo "$out"
	exit 0
fi
[ "${2:-}" = --print ] && exit 1
[ "$(id -u)" = 0 ] || die "building a root needs root (mmdebstrap, chroot)"
command -v mmdebstrap >/dev/null || "$here/../apt-need.sh" root.sh mmdebstrap >&2 ||
	die "cannot install mmdebstrap"

src=("deb $MIRROR $suite main" "deb $MIRROR $suite-updates main" "deb $SECURITY $suite-security main")
[ -n "$bpo" ] && src+=("deb $MIRROR $bpo main")
mkdir -p "$ROOTS"
t0=$(date +%s)
tmp=$out.tmp
rm -rf "$tmp"
if [ "$kind" = fresh ]; then
	log "building $stack (minbase: $(pkgs fresh)) into $out"
	mmdebstrap --variant=minbase --include="$(pkgs fresh | tr ' ' ',' | sed 's/,$//')" \
		"$suite" "$tmp" "${src[@]}" >&2 || { rm -rf "$tmp"; die "mmdebstrap $stack (fresh) failed"; }
	rm -rf "$out"
	mv "$tmp" "$out"
	echo "$recipe" > "$out/.iommu-map-recipe"
	log "$stack fresh root in $(( $(date +%s) - t0 )) s"
	echo "$out"
	exit 0
fi

# A full root: the common list from the suite, then the stack's own list
# (from backports when the stack has them), then clang's runtime of the
# clang it got (ASan/UBSan link against it; clang only recommends it).
common=$(pkgs common)
own=$(pkgs "$stack")
hook="chroot \"\$1\" sh -c 'apt-get -y -q --no-install-recommends install"
[ -n "$bpo" ] && hook="$hook -t $bpo"
hook="$hook $own && v=\$(clang -dumpversion | cut -d. -f1) && apt-get -y -q --no-install-recommends install libclang-rt-\$v-dev'"
log "building $stack into $out: $common + ${bpo:-$suite}: $own"
# The lab boots the kernel with an initramfs of its own: skip the
# distribution's (update-initramfs, dracut), which takes minutes.
noinitrd='for f in /usr/sbin/update-initramfs /usr/bin/dracut; do
	chroot "$1" dpkg-divert --quiet --local --rename --divert "$f.iommu-map" --add "$f" &&
	ln -sf /bin/true "$1$f" || exit 1; done'
mmdebstrap --variant=apt --include="$(echo $common | tr ' ' ',')" \
	--essential-hook="$noinitrd" \
	--customize-hook="$hook" \
	--customize-hook='chroot "$1" apt-get clean' \
	"$suite" "$tmp" "${src[@]}" >&2 || { rm -rf "$tmp"; die "mmdebstrap $stack failed"; }
# What the stack is, as read off the root (the README's table comes from it).
{
	echo "stack=$stack"
	echo "built=$(date -u +%Y-%m-%d)"
	echo "kernel=$(ls "$tmp"/lib/modules | sort -V | tail -1)"
	echo "qemu=$(chroot "$tmp" dpkg-query -W -f='${Version}' qemu-system-x86)"
	echo "gdb=$(chroot "$tmp" dpkg-query -W -f='${Version}' gdb)"
	echo "gcc=$(chroot "$tmp" dpkg-query -W -f='${Version}' gcc)"
	echo "json-c=$(chroot "$tmp" dpkg-query -W -f='${Version}' libjson-c-dev)"
	echo "clang=$(chroot "$tmp" clang -dumpversion)"
	echo "iommufd=$(grep -h -E '^CONFIG_IOMMUFD=|^# CONFIG_IOMMUFD is not set' "$tmp"/boot/config-* | head -n 1 | grep . || echo 'no CONFIG_IOMMUFD (before 6.2)')"
} > "$tmp/.iommu-map-stack"
rm -rf "$out"
mv "$tmp" "$out"
echo "$recipe" > "$out/.iommu-map-recipe"
log "$stack root in $(( $(date +%s) - t0 )) s: $(tr '\n' ' ' < "$out/.iommu-map-stack")"
echo "$out"
