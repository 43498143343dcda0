#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/stacks/in-root.sh STACK CMD [ARG...] - run CMD in a copy of this
# working tree inside the full root of STACK (tests/stacks/root.sh builds
# or reuses it), as root, in a private mount namespace: /proc, /sys and
# /dev are the host's, /tmp and /var/cache are the root's own.  So make,
# the compiler, json-c, QEMU, gdb, the kernel headers and the lab's L1
# kernel, modules and /usr all come from the stack under test.
#
# The tree (tracked files and untracked ones git does not ignore, no build
# output) is copied to /work/iommu-map in the root, afresh every time
# (IM_WORKDIR=NAME copies to /work/NAME instead, for runs side by side).
# Exit status: CMD's; 1 when the root cannot be built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
stack=${1:?usage: in-root.sh STACK CMD...}
shift
[ $# -gt 0 ] || { echo "in-root.sh: no command" >&2; exit 64; }
[ "$(id -u)" = 0 ] || { echo "in-root.sh: needs root (chroot)" >&2; exit 1; }
root=$("$here/root.sh" "$stack" | tail -n 1) || { echo "in-root.sh: no $stack root" >&2; exit 1; }
[ -d "$root/usr" ] || { echo "in-root.sh: $root is not a root" >&2; exit 1; }
im_copy_tree "$repo" "$root/work/${IM_WORKDIR:-iommu-map}" || { echo "in-root.sh: copying the tree failed" >&2; exit 1; }
export IM_STACK=$stack
im_chroot "$root" root "$@"
