#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/stacks/check-fresh.sh STACK... - the README, proven on a fresh
# machine.  For each stack, a new --variant=minbase root holding only git,
# make and ca-certificates (tests/stacks/root.sh, IM_ROOT_KIND=fresh) gets a
# copy of this tree, and then:
#   1. as a normal user, `make demo` and `make check` must print the
#      apt-get line and stop (exit non-zero, nothing built);
#   2. as root, `make demo`, `make check`, `make check-asan` and
#      `make check-kmod` must pass, each installing what it needs;
#   3. as the normal user again, `make demo` and `make check` must pass.
# Downloaded .debs are kept between runs in ROOTS/apt-STACK (a cache of
# files only: every package is installed afresh).  The stacks run at once,
# each in its own root, with "[STACK] " before each line (IM_PAR=1: one after
# the other; tests/stacks/lib.sh, im_stacks_par).  Each step is one check;
# ends with "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
ROOTS=${IM_ROOTS:-/var/cache/iommu-map/roots}
P=0 F=0
ok() { echo "ok $*"; P=$((P + 1)); }
no() { echo "FAIL $*"; F=$((F + 1)); }
[ "$(id -u)" = 0 ] || { echo "check-fresh: needs root (chroot)" >&2; exit 1; }
[ $# -gt 0 ] || set -- bookworm trixie trixie-backports

step() {	# step STACK USER WANT NAME CMD: run CMD, want exit 0 (pass) or !0 (stop)
	local s=$1 u=$2 want=$3 name=$4 log rc t0
	shift 4
	log=$out/$s-$u-$name.log
	t0=$(date +%s)
	im_chroot "$r" "$u" "$@" > "$log" 2>&1
	rc=$?
	local t=$(( $(date +%s) - t0 ))
	local counts
	counts=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ "$want" = pass ] && [ "$rc" = 0 ]; then
		ok "$s: $u: $name (${t}s${counts:+; $counts})"
	elif [ "$want" = stop ] && [ "$rc" != 0 ] && grep -q 'apt-get install -y --no-install-recommends' "$log" &&
	     ! grep -q '^cc \|gcc ' "$log"; then
		ok "$s: $u: $name stops with the apt-get line: $(grep -m1 'apt-get install' "$log" | cut -c1-100)…"
	else
		no "$s: $u: $name (exit $rc, want $want, ${t}s; log $log)"
		tail -n 15 "$log" | sed 's/^/    /'
	fi
}

fresh_stack() {	# fresh_stack STACK: the steps above in a new copy of its minbase root
	local s=$1 t0 pristine r d u
	t0=$(date +%s)
	pristine=$(IM_ROOT_KIND=fresh "$here/root.sh" "$s" | tail -n 1)
	if [ ! -d "$pristine" ]; then no "$s: the fresh root builds"; return; fi
	r=$ROOTS/fresh-$s
	rm -rf "$r"
	cp -a "$pristine" "$r" || { no "$s: copying $pristine"; return; }
	# keep what apt downloads; install nothing from it by hand
	mkdir -p "$ROOTS/apt-$s"
	echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > "$r/etc/apt/apt.conf.d/90iommu-map-keep"
	export IM_BIND="$ROOTS/apt-$s:/var/cache/apt/archives"
	chroot "$r" useradd -m -s /bin/sh -U user >/dev/null 2>&1 || { no "$s: useradd"; return; }
	for u in user root; do
		d=$r/home/$u/iommu-map
		[ $u = root ] && d=$r/root/iommu-map
		im_copy_tree "$repo" "$d" && chroot "$r" chown -R "$u:$u" "${d#"$r"}" ||
			{ no "$s: copying the tree for $u"; return; }
	done
	# the user's copy lives in /home/user, root's in /root (im_chroot cds to $HOME)
	step "$s" user stop demo sh -c 'cd iommu-map && make demo'
	step "$s" user stop check sh -c 'cd iommu-map && make check'
	step "$s" root pass demo sh -c 'cd iommu-map && make demo'
	step "$s" root pass check sh -c 'cd iommu-map && make check'
	step "$s" root pass check-asan sh -c 'cd iommu-map && make check-asan'
	step "$s" root pass check-kmod sh -c 'cd iommu-map && make check-kmod'
	step "$s" user pass demo-after sh -c 'cd iommu-map && make demo'
	step "$s" user pass check-after sh -c 'cd iommu-map && make check'
	echo "info $s: fresh run took $(( $(date +%s) - t0 )) s"
	rm -rf "$r"
}

out=${IM_FRESH_LOGS:-/tmp/iommu-map-fresh}
rm -rf "$out"
mkdir -p "$out/stacks"
t0=$(date +%s)
im_stacks_par "$out/stacks" fresh_stack "$@"
for s in "$@"; do
	P=$((P + $(grep -c '^ok ' "$out/stacks/$s.log")))
	F=$((F + $(grep -c '^FAIL ' "$out/stacks/$s.log")))
	[ "$(cat "$out/stacks/$s.rc" 2>/dev/null)" = 0 ] || { echo "FAIL $s: the run ended with status $(cat "$out/stacks/$s.rc" 2>/dev/null || echo '?')"; F=$((F + 1)); }
done
echo "info: the ${#} stacks took $(( $(date +%s) - t0 )) s"
echo "check-fresh: $P passed, $F failed"
[ "$F" = 0 ]
