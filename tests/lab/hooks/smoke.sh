#!/bin/sh
# A minimal lab hook (tests/lab/run.sh --hook tests/lab/hooks/smoke.sh): runs
# in L1 while L2 is up, with IOMMU_MAP, KO, L2_PID, QMP, TRACE, SCENARIO,
# ACCEL, MACHINE and LAB_SCEN_OUT set. Lines "PASS ..."/"FAIL ..." count as
# checks; a non-zero exit status is a failed check.
rc=0
if [ -d "/proc/$L2_PID" ]; then echo "PASS L2 pid $L2_PID is alive"; else echo "FAIL L2 pid $L2_PID gone"; rc=1; fi
if [ -S "$QMP" ]; then echo "PASS QMP socket $QMP"; else echo "FAIL no QMP socket $QMP"; rc=1; fi
if [ -f "$TRACE" ]; then echo "PASS trace $TRACE"; else echo "FAIL no trace $TRACE"; rc=1; fi
echo "info: IOMMU_MAP=$IOMMU_MAP KO=$KO SCENARIO=$SCENARIO ACCEL=$ACCEL"
exit $rc
