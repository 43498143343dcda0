#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/stacks/each.sh "STACK..." CMD [ARG...] - run CMD in the full root of
# each stack (tests/stacks/in-root.sh), one after the other, with every line
# prefixed by the stack's name.  Adds up the "N passed, N failed" line each
# run ends with, and ends with the total.  A stack whose root cannot be
# built, or whose run prints no count, counts as one failure: never a skip.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stacks=$1
shift
P=0 F=0 summary=()
for s in $stacks; do
	t0=$(date +%s)
	log=$(mktemp)
	"$here/in-root.sh" "$s" "$@" 2>&1 | tee "$log" | sed -u "s/^/[$s] /"
	rc=${PIPESTATUS[0]}
	last=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -n "$last" ]; then
		p=$(echo "$last" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/')
		f=$(echo "$last" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	else
		p=0 f=0
	fi
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	P=$((P + p)) F=$((F + f))
	summary+=("$s: $p passed, $f failed, exit $rc, $(( $(date +%s) - t0 )) s")
done
echo "== per stack ($*)"
printf '  %s\n' "${summary[@]}"
echo "$P passed, $F failed"
[ "$F" = 0 ]
