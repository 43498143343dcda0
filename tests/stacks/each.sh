#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/stacks/each.sh "STACK..." CMD [ARG...] - run CMD in the full root of
# each stack (tests/stacks/in-root.sh), with every line prefixed by the
# stack's name.  IM_PAR stacks run side by side (default 1: one after the
# other; tests/stacks/lib.sh, im_stacks_par): each has its own root and copy
# of the tree.  Adds up the "N passed, N failed" line each run ends with, and
# ends with the total.  A stack whose root cannot be built, or whose run
# prints no count, counts as one failure: never a skip.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
stacks=$1
shift
P=0 F=0 summary=()
one() {	# one STACK: CMD in its root, and how long it took
	local t0=$(date +%s) rc
	"$here/in-root.sh" "$1" "${cmd[@]}"
	rc=$?
	echo "each: $1 took $(( $(date +%s) - t0 )) s"
	return $rc
}
cmd=("$@")
dir=$(mktemp -d)
t0=$(date +%s)
# shellcheck disable=SC2086
IM_PAR=${IM_PAR:-1} im_stacks_par "$dir" one $stacks
for s in $stacks; do
	log=$dir/$s.log
	rc=$(cat "$dir/$s.rc" 2>/dev/null || echo '?')
	last=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -n "$last" ]; then
		p=$(echo "$last" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/')
		f=$(echo "$last" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	else
		p=0 f=0
	fi
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	P=$((P + p)) F=$((F + f))
	summary+=("$s: $p passed, $f failed, exit $rc, $(sed -nE 's/^each: [^ ]+ took ([0-9]+) s$/\1/p' "$log") s")
done
rm -rf "$dir"
echo "== per stack ($*; ${IM_PAR:-1} at a time, $(( $(date +%s) - t0 )) s in all)"
printf '  %s\n' "${summary[@]}"
echo "$P passed, $F failed"
[ "$F" = 0 ]
