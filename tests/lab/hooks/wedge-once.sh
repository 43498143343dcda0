#!/bin/sh
# A lab hook that tests the harness, not iommu-map: the first time it runs,
# it leaves a mark in /lab/out and then makes no progress at all, as L1 once
# did in CI with a CPU dead (RCU stalls on its console for 14 minutes).
#   LAB_WEDGE_SILENCE=90 tests/lab/run.sh --hook tests/lab/hooks/wedge-once.sh pc-tcg
# run.sh's watchdog (wedge.py) must then stop L1 as wedged, keep the
# registers of its CPUs, boot a new L1 and run the scenario again, and there
# the hook finds its mark and passes.  The lab must end with "L1 died in a
# scenario 1 time(s) ..." and no failed check.
mark=/lab/out/wedge-once.mark
if [ -e "$mark" ]; then
	echo "PASS its mark is there: L1 was stopped as wedged, booted again and went on"
	exit 0
fi
echo "wedged by wedge-once.sh in $SCENARIO" > "$mark" && sync
sleep 3600
echo "FAIL the watchdog did not stop L1"
exit 1
