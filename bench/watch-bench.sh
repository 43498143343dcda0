#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# watch-bench.sh [N]: what `watch` costs its target.  Times N ioctl()s
# (default 200000) of bench/watch-bench: without watch, with watch-run
# attached (every syscall makes an entry and an exit stop), and N/100
# KVM_SET_USER_MEMORY_REGION "events" (struct read, stack unwound and
# symbolized, line written).  Three runs each; prints each and the median.
set -u
N=${1:-200000}
here=$(cd "$(dirname "$0")" && pwd)
O=$(cd "$here/.." && pwd)/build/watch-tests
make -s -C "$here/../tests/watch" O="$O" "$O/watch-run" >/dev/null || exit 1
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$O/watch-bench" "$here/watch-bench.c" || exit 1
tmp=$(mktemp -d /tmp/im-watch-bench.XXXXXX)

run() {	# run MODE N [--kvm]: prints ns_per_call
	mode=$1; n=$2; shift 2
	go=$tmp/go; rm -f "$go"
	"$O/watch-bench" --go "$go" "$@" "$n" >"$tmp/b.out" & bp=$!
	while ! grep -q '^pid' "$tmp/b.out" 2>/dev/null; do sleep 0.01; done
	if [ "$mode" = watch ]; then
		"$O/watch-run" --vm-match im-fake-kvm-vm $bp >"$tmp/w.out" 2>"$tmp/w.err" & wp=$!
		while ! grep -q '^watching' "$tmp/w.out" 2>/dev/null; do sleep 0.01; done
	fi
	touch "$go"
	wait $bp
	[ "$mode" = watch ] && wait $wp
	sed -n 's/.*ns_per_call \([0-9]*\).*/\1/p' "$tmp/b.out"
}
median() { tr ' ' '\n' | grep . | sort -n | sed -n 2p; }

for what in "plain ioctl, no watch:none:$N" "plain ioctl, watch attached:watch:$N" \
	    "memslot ioctl, no watch:none:$((N / 100)):--kvm" \
	    "memslot ioctl event, watch attached:watch:$((N / 100)):--kvm"; do
	label=${what%%:*}; rest=${what#*:}
	mode=${rest%%:*}; rest=${rest#*:}
	n=${rest%%:*}; extra=; case $rest in *:*) extra=${rest#*:};; esac
	r=""
	for i in 1 2 3; do r="$r $(run "$mode" "$n" $extra)"; done
	printf '%-38s n=%-7s ns/call:%s  median %s\n' "$label" "$n" "$r" "$(echo $r | median)"
done
rm -rf "$tmp"
