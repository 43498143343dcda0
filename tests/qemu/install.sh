#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What tests/unit/test-qmp.c needs for its live part: a QEMU to talk QMP to
# (TCG only, no network), plus json-c for the build.
exec "$(dirname "$0")/../apt-need.sh" qemu/install qemu-system-x86 libjson-c-dev
