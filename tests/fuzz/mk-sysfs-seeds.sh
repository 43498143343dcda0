#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the seeds of fuzz-sysfs.c (its comment has the format) into
# tests/fuzz/seeds/sysfs/: a few devices of the fixtures, one a seed.
set -eu
cd "$(dirname "$0")/../.."
out=tests/fuzz/seeds/sysfs
mkdir -p $out
field() {	# the file, or <none>; a link's target
	if [ -L "$1" ]; then printf '%s' "$(readlink "$1")"
	elif [ -d "$1" ]; then printf '<dir>'
	elif [ -f "$1" ]; then cat "$1"
	else printf '<none>'; fi
}
for d in lab-q35-kvm/0000:00:06.0 lab-7.3-q35-kvm/0000:00:02.0 lab-7.3-q35-kvm/0000:00:00.0 lab-6.12-largebar/0000:00:03.0 \
	 seed-2021/0000:0a:00.0 synthetic-6.18-q35/0000:01:00.0; do
	fx=${d%%/*} bdf=${d#*/}
	dir=tests/fixtures/$fx/sys/bus/pci/devices/$bdf
	[ -e "$dir" ] || { echo "no $dir" >&2; continue; }
	{
		printf '%s' "$bdf"
		for f in resource config vendor device class irq revision driver iommu_group; do
			printf '\n%%%%\n'; field "$dir/$f"
		done
		printf '\n%%%%\n'
		[ -d "$dir/vfio-dev" ] && ls "$dir/vfio-dev" | head -n 1 | tr -d '\n'
	} > "$out/$fx-$bdf"
done
