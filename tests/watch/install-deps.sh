#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages the watch tests need (build, libelf, libunwind-ptrace,
# a QEMU for the attach/detach cycles, python3 and python3-jsonschema for the checkers).
exec "$(dirname "$0")/../apt-need.sh" "watch install-deps" build-essential pkg-config \
	libelf-dev libunwind-dev qemu-system-x86 python3 python3-jsonschema binutils
