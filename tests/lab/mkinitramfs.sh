#!/bin/sh
# Build L1's initramfs: static busybox, the 9p/virtio modules (in the order
# `modprobe --show-depends` gives) and tests/lab/l1-init as /init.
# Usage: mkinitramfs.sh KVER OUT.cpio.gz
set -eu
KVER=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
BB=/bin/busybox
[ -x "$BB" ] || { echo "mkinitramfs: $BB missing (busybox-static)" >&2; exit 1; }
ldd "$BB" 2>&1 | grep -q 'not a dynamic' ||
	{ echo "mkinitramfs: $BB is not static (install busybox-static)" >&2; exit 1; }
T=$(mktemp -d)
chmod 755 "$T"	# it becomes L1's /: unprivileged users must traverse it
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bb" "$T/modules" "$T/proc" "$T/sys" "$T/dev" "$T/usr" "$T/lab" "$T/tmp" "$T/etc" "$T/root" "$T/run" "$T/var"
cp "$BB" "$T/bb/busybox"
: > "$T/modules/order"
for m in 9p virtio_pci 9pnet_virtio; do
	modprobe -S "$KVER" --show-depends "$m" | while read -r cmd path _; do
		[ "$cmd" = insmod ] || continue
		base=$(basename "$path")
		grep -qx "$base" "$T/modules/order" && continue
		case "$path" in
		*.ko) cp "$path" "$T/modules/$base" ;;
		*.ko.xz) xz -dc "$path" > "$T/modules/${base%.xz}"; base=${base%.xz} ;;
		*.ko.zst) zstd -qdc "$path" > "$T/modules/${base%.zst}"; base=${base%.zst} ;;
		*) echo "mkinitramfs: unknown module file $path" >&2; exit 1 ;;
		esac
		echo "$base" >> "$T/modules/order"
	done
done
[ -s "$T/modules/order" ] || { echo "mkinitramfs: no modules for $KVER" >&2; exit 1; }
cp "$HERE/l1-init" "$T/init"
chmod 755 "$T/init"
(cd "$T" && find . | cpio -o -H newc --quiet) | gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
