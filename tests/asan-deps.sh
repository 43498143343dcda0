#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What make check-asan needs besides make check's packages: clang and the
# runtime of that clang's sanitizers (libclang-rt-N-dev), which clang only
# recommends.  N is read from the clang package apt would install.
set -eu
v=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
if [ -z "$v" ] && [ "$(id -u)" = 0 ]; then
	apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
	v=$(apt-cache depends clang | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
fi
[ -n "$v" ] || { echo "check-asan: cannot tell which clang apt installs (apt-get update as root)" >&2; exit 1; }
exec "$(dirname "$0")/apt-need.sh" check-asan clang "libclang-rt-$v-dev"
