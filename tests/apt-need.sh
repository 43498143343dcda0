#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/apt-need.sh WHO PKG...: make sure Debian packages are installed.
# As root, installs the missing ones (apt-get, no recommends) and checks
# each arrived; otherwise prints the exact apt-get line and fails.  Never
# skips: a package that cannot be installed is an error.  WHO names the
# caller in messages.
set -eu
who=$1
shift
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "$who: missing Debian packages; run as root:" >&2
	echo "  apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "$who: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
for p in $missing; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || {
		echo "$who: FAILED to install $p" >&2
		exit 1
	}
done
