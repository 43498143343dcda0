#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian build and test dependencies of make demo / make check.
exec "$(dirname "$0")/apt-need.sh" iommu-map build-essential pkg-config libpci-dev \
	libjson-c-dev libelf-dev libunwind-dev mandoc clang qemu-system-x86 python3 python3-jsonschema strace \
	librsvg2-bin libxml2-utils
