#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# lab-bench.sh: lab hook (tests/lab/run.sh --hook) that measures what
# `iommu-map watch` costs a KVM guest: bench/watch-guest.py boots its own
# small QEMU (-accel kvm, -nic none) in L1 whose guest loops over PIO exits,
# and times it without watch, with watch attached and after detach.
# Env from the lab: IOMMU_MAP (binary); the L2 of the scenario is not used.
# In the lab, ship bench/watch-guest.py with --hook-file: it is then next to
# this script in /lab/hooks; in a checkout it is in bench/.
here=$(cd "$(dirname "$0")" && pwd)
[ -e /dev/kvm ] || { echo "info: no /dev/kvm: skipped"; exit 0; }
py=$here/watch-guest.py
[ -f "$py" ] || py=$here/../../bench/watch-guest.py
out=$(ACCEL=kvm WATCH_CMD="${IOMMU_MAP:-iommu-map} watch --pid" N=${N:-20000} \
	python3 "$py" 2>&1); rc=$?
echo "$out" | sed 's/^/info: /'
if [ $rc = 0 ]; then echo "PASS watch guest overhead measured"; else echo "FAIL watch-guest.py exit $rc"; fi
exit $rc
