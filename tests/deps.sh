#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian build and test dependencies when run as root; otherwise
# print the exact apt-get line and stop.
PKGS="build-essential pkg-config libpci-dev libjson-c-dev libelf-dev libunwind-dev mandoc clang qemu-system-x86"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "iommu-map: missing Debian packages; run as root:" >&2
	echo "  apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "iommu-map: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || exit 1
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null || exit 1
