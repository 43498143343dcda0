#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/watch/run.sh [--quick]: every watch test that runs without KVM.
#   run-victim.sh      decoding, stacks (.symtab and .dynsym), threads,
#                      signals, SIGINT and group-stop detach, EPERM message,
#                      both methods; run twice, the second time built with
#                      ASan/UBSan (SAN=1, lines prefixed "asan: ")
#   stress.py          60 attach/detach cycles on a busy threaded target under
#                      a stream of queued signals: none lost (15 with --quick)
#   attach-cycles.py   100 attach/detach cycles on a TCG QEMU (10 with --quick)
# SAN=1 builds the watch with ASan/UBSan.  Exit 1 on any FAIL.  The last
# line counts the ok and FAIL lines: "check-watch: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
n=100
[ "${1:-}" = --quick ] && n=10
"$here/install-deps.sh" >/dev/null || exit 1
all() {
	rc=0
	"$here/run-victim.sh" || rc=1
	out=$(SAN=1 "$here/run-victim.sh" 2>&1); r=$?
	echo "$out" | sed 's/^/asan: /'
	[ $r = 0 ] || rc=1
	python3 "$here/stress.py" $((n / 2 + 10)) || rc=1
	python3 "$here/attach-cycles.py" $n; r=$?
	[ $r = 0 ] || [ $r = 77 ] || rc=1
	return $rc
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
all 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
echo "check-watch: $(grep -cE '^(asan: )?(ok|PASS) ' "$log") passed, $(grep -cE '^(asan: )?FAIL' "$log") failed"
exit "$rc"
