#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/completion/run.sh BIN: completion/iommu-map.bash, sourced in a bash
# without bash-completion, against a fake /proc and /sys built here.  Prints
# "ok ..." / "FAIL ..." lines (tests/run.sh counts them).
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/iommu-map}
COMP=completion/iommu-map.bash
ok()  { echo "ok completion: $*"; }
bad() { echo "FAIL completion: $*"; }
t=$(mktemp -d /tmp/iommu-map-comp.XXXXXX)
trap 'rm -rf "$t"' EXIT

# --- the fake tree: processes with and without vfio fds, devices on two drivers
fd() { mkdir -p "$t/proc/$1/fd"; ln -s "$3" "$t/proc/$1/fd/$2"; }
fd 1234 3 /dev/vfio/12			# a legacy group
fd 1234 4 /dev/vfio/vfio
fd 1555 7 /dev/vfio/devices/vfio0	# a cdev
fd 1777 9 'anon_inode:[vfio-device]'	# a device fd from a group
fd 2001 0 /dev/null			# no vfio
fd 2001 5 anon_inode:kvm-vm
fd 3003 8 /dev/vfio/3			# one that only root can read
chmod 700 "$t/proc/3003/fd"
mkdir -p "$t/proc/self" "$t/proc/sys"	# not processes
dev=$t/sys/devices/pci0000:00
drv=$t/sys/bus/pci/drivers
mkdir -p "$dev/0000:0a:00.0" "$dev/0000:0b:00.1" "$dev/0000:01:00.0" "$drv/vfio-pci" "$drv/nvme"
ln -s ../../../../devices/pci0000:00/0000:0a:00.0 "$drv/vfio-pci/0000:0a:00.0"
ln -s ../../../../devices/pci0000:00/0000:0b:00.1 "$drv/vfio-pci/0000:0b:00.1"
ln -s ../../../../devices/pci0000:00/0000:01:00.0 "$drv/nvme/0000:01:00.0"
: >"$drv/vfio-pci/bind"; : >"$drv/vfio-pci/new_id"; ln -s ../../../../module "$drv/vfio-pci/module"
mkdir -p "$t/files/dir1" "$t/files/dir2"; : >"$t/files/file1"

# comp WORD... : the completions of the last word, sorted, on one line
cat >"$t/lib.sh" <<'LIB'
source "$COMP" || exit 1
comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
	COMPREPLY=(); _iommu_map iommu-map "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'; }
LIB
run() { COMP=$COMP _IOMMU_MAP_COMP_PROC=$t/proc _IOMMU_MAP_COMP_SYS=$t/sys \
	bash --norc --noprofile -c "source $t/lib.sh; $*" 2>&1; }
expect() {	# label want script
	local got
	got=$(run "$3")
	[ "$got" = "$2" ] && ok "$1: $got" || bad "$1: got '$got', want '$2'"
}

got=$(COMP=$COMP bash --norc --noprofile -c 'source "$COMP" && complete -p iommu-map' 2>&1)
[ "$got" = "complete -F _iommu_map iommu-map" ] && ok "registered: $got" || bad "registered: $got"
expect "commands" "capture explain report watch" 'comp iommu-map ""'
expect "commands by prefix" "explain" 'comp iommu-map --json e'
expect "nothing after explain" "" 'comp iommu-map explain ""'

# the options: exactly the long options of --help, in every command's union
want=$("$BIN" --help | grep -oE '^ +(-., )?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+$' | sort -u | tr '\n' ' ' | sed 's/ $//')
got=$(run 'for c in "" capture watch; do comp iommu-map $c --; echo; done' | tr ' ' '\n' | grep . | sort -u |
	tr '\n' ' ' | sed 's/ $//')
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	ok "the long options are --help's: $(echo "$want" | wc -w) of them"
else
	bad "options: --help has '$want', completion offers '$got'"
fi
# each command's own: what it offers beyond the report's
only() { echo "comm -13 <(comp iommu-map -- | tr ' ' '\\n') <(comp iommu-map $1 -- | tr ' ' '\\n') | tr '\\n' ' ' | sed 's/ \$//'"; }
expect "capture's own options" "--force --output" "$(only capture)"
expect "watch's own options" "--interval --method --poll" "$(only watch)"
expect "explain has none of its own" "" "$(only explain)"
expect "no watch option for report" "" 'comp iommu-map report --poll'
expect "--svg goes with the report" "--svg" 'comp iommu-map report --sv'
expect "no --svg for capture" "" 'comp iommu-map capture --sv'

# --pid: the processes with a vfio fd that can be read; -s: the devices bound to vfio-pci
# (3003's fd folder is mode 700: root, and a user who made it, can read it;
# the case of one that cannot is the nobody run below)
if [ -r "$t/proc/3003/fd" ] && [ -x "$t/proc/3003/fd" ]; then
	expect "--pid, fds readable here" "1234 1555 1777 3003" 'comp iommu-map --pid ""'
else
	expect "--pid" "1234 1555 1777" 'comp iommu-map --pid ""'
fi
expect "--pid by prefix" "1777" 'comp iommu-map -p 17'
expect "--pid=" "1234 1555 1777" 'comp iommu-map --pid = "" | sed "s/ 3003//"'
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	cp "$COMP" "$t/comp.bash"; chmod -R go+rX "$t"; chmod 700 "$t/proc/3003/fd"
	got=$($nobody env COMP="$t/comp.bash" _IOMMU_MAP_COMP_PROC="$t/proc" \
		bash --norc --noprofile -c "source $t/lib.sh; comp iommu-map --pid ''" 2>&1)
	[ "$got" = "1234 1555 1777" ] && ok "--pid as nobody: unreadable fds left out, quietly: $got" ||
		bad "--pid as nobody: '$got'"
else
	echo "skip completion: --pid as nobody (needs root and setpriv)"
fi
expect "-s" "0000:0a:00.0 0000:0b:00.1" 'comp iommu-map -s ""'
expect "--slot by prefix" "0000:0b:00.1" 'comp iommu-map explain 0x0 --slot 0000:0b'
# --sysroot on the line: its proc and sys, not the live ones
expect "--pid in a --sysroot" "2021" 'comp iommu-map --sysroot tests/fixtures/seed-2021 --pid ""'
expect "--pid in a --sysroot=" "2021" 'comp iommu-map --sysroot = tests/fixtures/seed-2021 --pid ""'
expect "-s in a --sysroot" "0000:0a:00.0 0000:0b:00.1" "comp iommu-map --sysroot $t -s ''"

# files and directories
expect "--sysroot: directories" "$t/files/dir1 $t/files/dir2" "comp iommu-map --sysroot $t/files/"
expect "-o: directories" "$t/files/dir1 $t/files/dir2" "comp iommu-map capture -o $t/files/"
for o in --maps --qtree --mtree --qemu-trace --gdb-export --qmp --svg -i; do
	expect "$o: files" "$t/files/dir1 $t/files/dir2 $t/files/file1" "comp iommu-map $o $t/files/"
done
expect "--method" "auto ptrace uprobe" 'comp iommu-map watch --method ""'
expect "--interval: a number, nothing offered" "" 'comp iommu-map watch --poll --interval ""'
