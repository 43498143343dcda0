#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# lab-watch.sh: the lab hook for `iommu-map watch` (tests/lab/run.sh --hook).
# Runs in L1 while L2 is up.  Env: IOMMU_MAP (binary), L2_PID, QMP (socket);
# optional ACCEL, MACHINE (from the lab), HOSTDEV (a free vfio-pci BDF to
# hot-plug; default: the first one bound to vfio-pci and not used by L2),
# WATCH_CMD (default "$IOMMU_MAP watch --json --pid").
# Prints PASS/FAIL lines; see lab-watch.py for what is checked.
exec /usr/bin/python3 "$(dirname "$0")/lab-watch.py" "$@"
