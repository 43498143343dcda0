#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/deb/run.sh build|check VERSION DEB_VERSION STACK... - make deb and
# make check-deb.  Both start from the pristine minbase root of each stack
# that make check-fresh uses (tests/stacks/root.sh, IM_ROOT_KIND=fresh: only
# git, make, ca-certificates and apt's sources), copied afresh:
#   build: in one copy, tests/deb/build.sh installs the Build-Depends and
#          builds the packages (dpkg-buildpackage -b, then lintian); they are
#          copied out to build/deb/STACK/.
#   check: build, then in a second, new copy: apt-get install the two .debs
#          and the stack's linux-headers-amd64 (apt pulls the rest), and
#          tests/deb/installed.sh checks what got installed (--version, the
#          seed fixture against its goldens, the files, DKMS builds for the
#          headers).  Nothing loads the module.
# Downloaded .debs are kept in ROOTS/apt-deb-STACK (files only: every
# package is installed afresh).  The stacks run at once, each in its own
# roots, with "[STACK] " before each line (IM_PAR=1: one after the other;
# tests/stacks/lib.sh, im_stacks_par).  Ends with "N passed, N failed" (each
# stack's build is one check, plus the checks of installed.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/stacks/lib.sh"
ROOTS=${IM_ROOTS:-/var/cache/iommu-map/roots}
mode=${1:-}
version=${2:-}
debv=${3:-}
shift 3 || true
case "$mode" in build|check) ;; *) echo "usage: run.sh build|check VERSION DEB_VERSION STACK..." >&2; exit 64 ;; esac
[ $# -gt 0 ] || set -- bookworm trixie trixie-backports
[ "$(id -u)" = 0 ] || { echo "deb: needs root (chroot); as a normal user, make deb-here builds on this system" >&2; exit 1; }
P=0 F=0 summary=()
ok() { echo "ok $*"; P=$((P + 1)); }
no() { echo "FAIL $*"; F=$((F + 1)); }

fresh() {	# fresh STACK NAME: a new copy of the stack's minbase root; prints its path
	local s=$1 pristine r=$ROOTS/$2-$1
	pristine=$(IM_ROOT_KIND=fresh "$repo/tests/stacks/root.sh" "$s" | tail -n 1) && [ -d "$pristine" ] || return 1
	rm -rf "$r"
	cp -a "$pristine" "$r" || return 1
	mkdir -p "$ROOTS/apt-deb-$s"
	echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > "$r/etc/apt/apt.conf.d/90iommu-map-keep"
	echo "$r"
}

build() {	# build STACK: the packages into build/deb/STACK
	local s=$1 r t0=$(date +%s) log
	r=$(fresh "$s" deb-build) || { no "$s: the fresh root"; return 1; }
	im_copy_tree "$repo" "$r/work/iommu-map" || { no "$s: copying the tree"; rm -rf "$r"; return 1; }
	log=$repo/build/deb/$s.log
	rm -rf "$repo/build/deb/$s"
	mkdir -p "$repo/build/deb/$s"
	IM_BIND="$ROOTS/apt-deb-$s:/var/cache/apt/archives" \
		im_chroot "$r" root tests/deb/build.sh /work/out "$version" "$debv" >"$log" 2>&1
	local rc=$?
	cp -a "$r"/work/out/*.deb "$r"/work/out/*.changes "$r"/work/out/*.buildinfo "$r"/work/out/lintian.txt \
		"$repo/build/deb/$s/" 2>/dev/null
	rm -rf "$r"
	sed -n '/^== lintian/,$p' "$log" | sed "s/^/  [$s] /"
	if [ "$rc" = 0 ]; then
		ok "$s: make deb: dpkg-buildpackage and lintian without error ($(( $(date +%s) - t0 )) s; build/deb/$s)"
	else
		no "$s: make deb (exit $rc; log $log)"
		tail -n 25 "$log" | sed 's/^/    /'
		return 1
	fi
}

check() {	# check STACK: install the packages in a new fresh root and try them
	local s=$1 r t0=$(date +%s) log last p f
	r=$(fresh "$s" deb-check) || { no "$s: the fresh root"; return 1; }
	im_copy_tree "$repo" "$r/work/iommu-map" || { no "$s: copying the tree"; rm -rf "$r"; return 1; }
	mkdir -p "$r/work/debs"
	cp "$repo/build/deb/$s"/iommu-map_*.deb "$repo/build/deb/$s"/iommu-map-dkms_*.deb "$r/work/debs/" ||
		{ no "$s: no packages in build/deb/$s"; rm -rf "$r"; return 1; }
	log=$repo/build/deb/$s-check.log
	IM_BIND="$ROOTS/apt-deb-$s:/var/cache/apt/archives" IM_STACK=$s \
		im_chroot "$r" root tests/deb/installed.sh /work/debs "$debv" 2>&1 | tee "$log" | sed -u "s/^/  [$s] /"
	rm -rf "$r"
	last=$(grep -E '^installed: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$last" | sed -nE 's/^installed: ([0-9]+) passed.*/\1/p')
	f=$(echo "$last" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
	[ -n "$p" ] || { no "$s: installed.sh printed no count (log $log)"; return 1; }
	P=$((P + p)) F=$((F + f))
	echo "info $s: installed and checked in $(( $(date +%s) - t0 )) s"
}

one_stack() {	# one_stack STACK: build (and check); ends with "tally: PASSED FAILED"
	local s=$1
	P=0 F=0
	if build "$s" && [ "$mode" = check ]; then check "$s"; fi
	echo "tally: $P $F"
}

logs=$repo/build/deb/stacks
rm -rf "$logs"
mkdir -p "$logs"
t0=$(date +%s)
im_stacks_par "$logs" one_stack "$@"
for s in "$@"; do
	read -r _ p f < <(grep '^tally: ' "$logs/$s.log" | tail -n 1)
	if [ -z "${p:-}" ] || [ "$(cat "$logs/$s.rc" 2>/dev/null)" != 0 ]; then
		summary+=("$s: the run ended with status $(cat "$logs/$s.rc" 2>/dev/null || echo '?') and no tally")
		F=$((F + 1))
		continue
	fi
	P=$((P + p)) F=$((F + f))
	summary+=("$s: $p passed, $f failed")
done
echo "== per stack ($mode, the stacks took $(( $(date +%s) - t0 )) s)"
printf '  %s\n' "${summary[@]}"
echo "deb: $P passed, $F failed"
[ "$F" = 0 ]
