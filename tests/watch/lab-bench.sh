#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# lab-bench.sh: lab hook (tests/lab/run.sh --hook) that measures what
# `iommu-map watch` costs a KVM guest: bench/watch-guest.py boots its own
# small QEMU (-accel kvm, -nic none) in L1 whose guest loops over PIO or
# MMIO exits to QEMU, and times it without watch, with watch attached and
# after detach, for each method (ptrace, uprobe).
# Env from the lab: IOMMU_MAP (binary); the L2 of the scenario is not used.
# Optional: N (exits per round, default 2000), ROUNDS, WINDOW (see
# watch-guest.py), METHODS (default "ptrace uprobe"), MODES ("pio mmio").
# In the lab, ship bench/watch-guest.py with --hook-file: it is then next to
# this script in /lab/hooks; in a checkout it is in bench/.
here=$(cd "$(dirname "$0")" && pwd)
[ -e /dev/kvm ] || { echo "info: no /dev/kvm: skipped"; exit 0; }
# once per lab run is enough: in BENCH_SCENARIO (default pc-kvm) only
case ${SCENARIO:-} in
""|"${BENCH_SCENARIO:-pc-kvm}") ;;
*) echo "info: the benchmark runs in ${BENCH_SCENARIO:-pc-kvm} only"; exit 0 ;;
esac
py=$here/watch-guest.py
[ -f "$py" ] || py=$here/../../bench/watch-guest.py
rc=0
for mode in ${MODES:-pio mmio}; do
	for method in ${METHODS:-ptrace uprobe}; do
		out=$(ACCEL=kvm MODE=$mode N=${N:-2000} \
			WATCH_CMD="${IOMMU_MAP:-iommu-map} watch --method=$method --pid" \
			python3 "$py" 2>&1); r=$?
		echo "$out" | sed "s/^/info: $mode $method: /"
		if [ $r = 0 ]; then
			echo "PASS watch guest overhead measured ($mode, --method=$method)"
		else
			echo "FAIL watch-guest.py exit $r ($mode, --method=$method)"; rc=1
		fi
	done
done
exit $rc
