#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/tsan.sh DIR: the threaded code under ThreadSanitizer (make check-asan
# builds DIR with clang -fsanitize=thread first).  The pci source reads the
# device directories in threads, and the pipeline starts it in a thread of
# its own: test-pci and test-pipeline drive both (1 to 16 threads, an early
# stage that fails, one dropped; there the thread counts are compared with
# one thread), then iommu-map reads a synthetic host of 768 devices
# (bench/mk-host.py: two or more threads on two CPUs) and must give the
# unsanitized build's report of it.
# Any data race TSan sees fails the run (exit 66).
set -u
cd "$(dirname "$0")/.."
T=${1:?usage: tests/tsan.sh BUILD-DIR}
pass=0 fail=0
ok() { echo "ok $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
for u in test-pci test-pipeline; do
	"$T/$u" >"$T/$u.out" 2>&1; rc=$?
	if [ $rc = 0 ] && tail -1 "$T/$u.out" | grep -q ' 0 failed'; then
		ok "tsan $u: $(tail -1 "$T/$u.out"), no race"
	else
		bad "tsan $u: exit $rc"; grep -m5 -A12 'WARNING: ThreadSanitizer\|FAIL' "$T/$u.out"
	fi
done
h=$(mktemp -d "${TMPDIR:-/tmp}/iommu-map-tsan.XXXXXX")
python3 bench/mk-host.py 0.1875 "$h/host" >/dev/null
"$T/iommu-map" --sysroot "$h/host" --json >"$h/tsan.json" 2>"$h/tsan.err"; rc=$?
"${BIN:-build/iommu-map}" --sysroot "$h/host" --json >"$h/plain.json" 2>/dev/null
n=$(grep -c '"bdf"' "$h/tsan.json")
grep -v '"version"' "$h/tsan.json" >"$h/tsan.cmp"
grep -v '"version"' "$h/plain.json" >"$h/plain.cmp"
if [ $rc -le 1 ] && ! grep -q ThreadSanitizer "$h/tsan.err" && cmp -s "$h/tsan.cmp" "$h/plain.cmp"; then
	ok "tsan iommu-map --sysroot (768 devices, $n BDFs in the JSON): the unsanitized build's report, no race (exit $rc)"
else
	bad "tsan iommu-map --sysroot: exit $rc"; head -40 "$h/tsan.err"
fi
rm -rf "$h"
echo "tsan: $pass passed, $fail failed"
[ $fail = 0 ]
