#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/deb/build.sh OUT VERSION DEB_VERSION - build the Debian packages
# (debian/) on this system: `make deb-here` runs it, and `make deb` runs that
# in a fresh root of each stack (tests/deb/run.sh).
#
# Copies the tree (tracked files and untracked ones git does not ignore) to
# OUT/iommu-map-DEB_VERSION, writes debian/changelog there (one entry: the
# version from git, VERSION, made a Debian version by the Makefile), installs
# the Build-Depends of debian/control (apt-get build-dep, as root; otherwise
# prints the line and stops), runs dpkg-buildpackage -us -uc -b, and lintian
# on the result (installed the same way).  The packages land in OUT; the
# lintian tags in OUT/lintian.txt.  Exit 1 when the build fails or lintian
# reports an error (warnings are printed, and allowed).
set -euo pipefail
export LC_ALL=C.UTF-8
out=${1:?usage: build.sh OUT VERSION DEB_VERSION}
version=${2:?}
debv=${3:?}
top=$(cd "$(dirname "$0")/../.." && pwd)
need() { "$top/tests/apt-need.sh" deb "$@"; }

need dpkg-dev
src=$out/iommu-map-$debv
rm -rf "$out"
mkdir -p "$src"
out=$(cd "$out" && pwd)
src=$out/iommu-map-$debv
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z -co --exclude-standard |
		xargs -0 -r sh -c 'for f; do if [ -f "$f" ] || [ -L "$f" ]; then printf "%s\0" "$f"; fi; done' sh |
		tar --null -T - -cf -) | tar -C "$src" -xf -
else
	tar -C "$top" --exclude='./build*' --exclude=./debian/changelog -cf - . | tar -C "$src" -xf -
fi

# the changelog: this build's version, dated by its commit (reproducible)
when=$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-unstable}")
maint=$(sed -n 's/^Maintainer: //p' "$src/debian/control")
cat >"$src/debian/changelog" <<EOF
iommu-map ($debv) $suite; urgency=medium

  * Built by make deb from git $version.
  * The user-visible changes are in /usr/share/doc/iommu-map/NEWS.

 -- $maint  $(date -u -R -d "@$when")
EOF

cd "$src"
if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then
		echo "deb: missing build dependencies ($(dpkg-checkbuilddeps 2>&1 | sed 's/.*: //')); run as root:" >&2
		echo "  apt-get build-dep -y --no-install-recommends $src" >&2
		exit 1
	fi
	echo "deb: installing the Build-Depends of debian/control"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get build-dep -y -q --no-install-recommends ./ >/dev/null
	dpkg-checkbuilddeps
fi
need lintian
dpkg-buildpackage -us -uc -b
cd "$out"
changes=$(ls iommu-map_"$debv"_*.changes)
# lintian's exit status: 2 on an error tag (--fail-on error, its default)
rc=0
lintian --display-info "$changes" >lintian.txt 2>&1 || rc=$?
echo "== lintian $changes"
cat lintian.txt
echo "lintian: $(grep -c '^E: ' lintian.txt) errors, $(grep -c '^W: ' lintian.txt) warnings (exit $rc)"
ls -l ./*.deb
[ "$rc" = 0 ] && ! grep -q '^E: ' lintian.txt
