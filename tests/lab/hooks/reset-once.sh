#!/bin/sh
# A lab hook that tests the harness, not iommu-map (tests/lab/run.sh --hook
# tests/lab/hooks/reset-once.sh pc-kvm): the first time it runs, it leaves a
# mark in /lab/out and resets L1 at once (sysrq b: no sync, no panic), as
# L1 once ended in CI with nothing on its console (cause not known).
# run.sh must then boot a new L1 and run the scenario again, and there the
# hook finds its mark and passes.  Run alone, the lab must end with
# "L1 died in a scenario 1 time(s) ..." and no failed check.
mark=/lab/out/reset-once.mark
if [ -e "$mark" ]; then
	echo "PASS its mark is there: L1 was reset, booted again and went on"
	exit 0
fi
echo "reset by reset-once.sh in $SCENARIO" > "$mark" && sync
echo b > /proc/sysrq-trigger
sleep 30
echo "FAIL sysrq b did not reset L1"
exit 1
