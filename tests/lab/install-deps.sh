#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what the lab (tests/lab/run.sh) needs from Debian's packages.
# (python3-jsonschema: L1 mounts this /usr and validates the live JSON with it)
# Fails loudly when a package cannot be installed; never skips.
exec "$(dirname "$0")/../apt-need.sh" install-deps qemu-system-x86 linux-image-amd64 \
	busybox-static cpio pciutils kmod socat python3 python3-jsonschema
