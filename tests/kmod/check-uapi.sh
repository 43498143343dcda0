#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-uapi.sh - the UAPI header compiles on its own in user space (C and
# -m32 if available), and pahole finds no hole and no tail padding in any
# struct iommu_map_*.  Prints one line per check and "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }

cat > "$tmp/u.c" <<'EOC'
#include "uapi/iommu_map.h"
struct iommu_map_info a;
struct iommu_map_memslot b;
struct iommu_map_memslots c;
struct iommu_map_walk_entry d;
struct iommu_map_walk e;
struct iommu_map_iova f;
struct iommu_map_iommu g;
unsigned long cmds[] = { IOMMU_MAP_INFO, IOMMU_MAP_MEMSLOTS, IOMMU_MAP_WALK,
			 IOMMU_MAP_IOMMU };
EOC
if cc -std=gnu11 -Wall -Wextra -Werror -Wpadded -g -c -I"$top/include" \
	"$tmp/u.c" -o "$tmp/u.o" 2>"$tmp/err"; then
	ok "uapi compiles standalone with -Wpadded (64-bit)"
else
	no "uapi compiles standalone with -Wpadded (64-bit)" "$(head -3 "$tmp/err")"
fi
if cc -m32 -std=gnu11 -Wall -Wextra -Werror -Wpadded -c -I"$top/include" \
	"$tmp/u.c" -o "$tmp/u32.o" 2>/dev/null; then
	ok "uapi compiles with -m32 -Wpadded"
else
	echo "skip -m32 (no 32-bit libc headers)"
fi
if command -v pahole >/dev/null 2>&1 && [ -f "$tmp/u.o" ]; then
	pahole "$tmp/u.o" > "$tmp/pahole.txt" 2>&1
	for s in iommu_map_info iommu_map_memslot iommu_map_memslots \
		 iommu_map_walk_entry iommu_map_walk iommu_map_iova \
		 iommu_map_iommu; do
		if ! grep -q "^struct $s {" "$tmp/pahole.txt"; then
			no "pahole $s" "not found"
		elif awk "/^struct $s \{/,/^\};/" "$tmp/pahole.txt" |
			grep -Eq 'XXX|padding:'; then
			no "pahole $s" "has holes or padding"
		else
			ok "pahole $s: no holes, no padding"
		fi
	done
else
	echo "skip pahole (install dwarves)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
