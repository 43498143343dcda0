#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The iommu-map lab: a real QEMU + vfio-pci + KVM stack on a machine without
# KVM. L0 (this machine) runs Debian's kernel (L1) under TCG with an emulated
# VT-d and e1000e, edu and two ivshmem devices; L1 binds them to vfio-pci and
# runs an inner QEMU (L2) that passes them through; iommu-map runs in L1 and
# is checked against QEMU's own answers. See tests/lab/README.md.
#
# Usage: tests/lab/run.sh [--keep] [--verbose] [--no-install] [--update-fixtures]
#                         [--force-fixtures] [--kmod] [--memslots auto|trace|kmod]
#                         [--hook FILE]... [--hook-file FILE]... [--no-hooks] [--no-bench]
#                         [--list] [SCENARIO...]
# Env:   LAB_OUT (scratch, default /tmp/iommu-map-lab), IOMMU_MAP (binary,
#        default build/iommu-map), KO (kernel module for hooks), LAB_TIMEOUT,
#        LAB_WEDGE_STALL, LAB_WEDGE_SILENCE (the watchdog, wedge.py).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LAB_OUT=${LAB_OUT:-/tmp/iommu-map-lab}
PY=/usr/bin/python3
KEEP=0 VERBOSE=0 INSTALL=1 UPDATE=0 FORCE=0 MEMSLOTS=auto HOOKS_DEFAULT=1 LOADKO=false BENCH=1
HOOKS=()
HFILES=()
SCEN=()

die() { echo "lab: $*" >&2; exit 2; }
usage() {
	sed -n '9,14p' "$0" | sed 's/^# //'
	exit "${1:-64}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--keep) KEEP=1 ;;
	--verbose|-v) VERBOSE=1 ;;
	--no-install) INSTALL=0 ;;
	--update-fixtures) UPDATE=1 ;;
	--force-fixtures) UPDATE=1 FORCE=1 ;;
	--hook) [ $# -ge 2 ] || usage; HOOKS+=("$(realpath "$2")"); shift ;;
	--hook-file) [ $# -ge 2 ] || usage; HFILES+=("$(realpath "$2")"); shift ;;
	--no-hooks) HOOKS_DEFAULT=0 ;;
	--no-bench) BENCH=0 ;;
	--kmod) LOADKO=true ;;
	--memslots) [ $# -ge 2 ] || usage; MEMSLOTS=$2; shift
		case "$MEMSLOTS" in auto|trace) ;; kmod) LOADKO=true ;; *) usage ;; esac ;;
	--list) exec "$PY" "$HERE/l1.py" --list ;;
	-h|--help) usage 0 ;;
	-*) echo "lab: unknown option $1" >&2; usage ;;
	*) SCEN+=("$1") ;;
	esac
	shift
done

T_START=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
step() { echo "== $1 ($(elapsed "$T_START")s)"; }

# 1. Packages (Debian's own).
if [ "$INSTALL" = 1 ]; then
	t=$(date +%s.%N)
	"$HERE/install-deps.sh" || die "installing packages failed"
	step "packages ready in $(elapsed "$t")s"
fi
[ -x "$PY" ] || die "$PY missing (Debian's python3 is what L1 runs)"

ALL=$("$PY" "$HERE/l1.py" --list | awk '{print $1}')
[ ${#SCEN[@]} -gt 0 ] || read -r -a SCEN <<< "$(echo $ALL)"
for s in "${SCEN[@]}"; do
	echo "$ALL" | grep -qx "$s" || die "unknown scenario '$s' (have: $(echo $ALL))"
done

case "$(realpath -m "$LAB_OUT")" in
"$REPO"|"$REPO"/*|/) die "LAB_OUT=$LAB_OUT: scratch must be outside the repository and not /" ;;
esac

# 2. Kernel and L1's initramfs.
KVER=
for v in $(ls /lib/modules 2>/dev/null | sort -V); do
	[ -f "/boot/vmlinuz-$v" ] && KVER=$v
done
[ -n "$KVER" ] || die "no /boot/vmlinuz-* with modules (install linux-image-amd64)"
mkdir -p "$LAB_OUT" || die "cannot create $LAB_OUT"
INITRD="$LAB_OUT/initrd-$KVER.cpio.gz"
if [ ! -s "$INITRD" ] || [ "$HERE/l1-init" -nt "$INITRD" ] || [ "$HERE/mkinitramfs.sh" -nt "$INITRD" ]; then
	t=$(date +%s.%N)
	"$HERE/mkinitramfs.sh" "$KVER" "$INITRD" || die "building the initramfs failed"
	step "initramfs for $KVER built in $(elapsed "$t")s"
fi

# 3. The work folder that L1 sees read-write as /lab.
WORK="$LAB_OUT/work"
if [ -e "$WORK" ] && [ ! -f "$WORK/run.json" ] && [ -n "$(ls -A "$WORK" 2>/dev/null)" ]; then
	die "refusing to remove $WORK: it is not a lab work folder (no run.json)"
fi
rm -rf "$WORK"
mkdir -p "$WORK/lab" "$WORK/bin" "$WORK/hooks" "$WORK/out" || die "cannot create $WORK"
cp "$HERE/l1.py" "$HERE/labcheck.py" "$REPO/schema/iommu-map-1.schema.json" "$REPO/tests/svg-check.py" "$WORK/lab/"
IOMMU_MAP=${IOMMU_MAP:-$REPO/build/iommu-map}
TOOL=null
if [ -x "$IOMMU_MAP" ]; then
	cp "$IOMMU_MAP" "$WORK/bin/iommu-map"
	TOOL='"/lab/bin/iommu-map"'
else
	echo "lab: WARNING: $IOMMU_MAP not built: collecting QEMU's answers and raw captures only" >&2
fi
NUSER_HOOKS=${#HOOKS[@]}	# hooks given with --hook: then no default ones
if [ "$HOOKS_DEFAULT" = 1 ] && [ ${#HOOKS[@]} -eq 0 ] && [ -f "$REPO/tests/kmod/lab-kmod.sh" ]; then
	HOOKS+=("$REPO/tests/kmod/lab-kmod.sh")
	[ -x "$REPO/tests/kmod/kmod-test" ] && HFILES+=("$REPO/tests/kmod/kmod-test")
fi
# The gdb script on L2 (tests/gdb/lab-gdb.sh): gdb/ and the types object
# (tests/gdb/setup.sh builds it; IM_TYPES overrides) go to /lab/hooks/.
if [ "$HOOKS_DEFAULT" = 1 ] && [ "$NUSER_HOOKS" = 0 ] && [ -f "$REPO/tests/gdb/lab-gdb.sh" ]; then
	HOOKS+=("$REPO/tests/gdb/lab-gdb.sh")
	HFILES+=("$REPO/gdb")
	TYPES_O=${IM_TYPES:-$(bash "$REPO/tests/gdb/setup.sh" --cached 2>/dev/null)}
	if [ -s "$TYPES_O" ]; then HFILES+=("$TYPES_O")
		# which QEMU source the types came from (setup.sh writes it beside them)
		[ -f "$(dirname "$TYPES_O")/source" ] && TYPES_SRC="$(dirname "$TYPES_O")/source"
	else echo "lab: WARNING: no QEMU types object (make check-lab or tests/gdb/setup.sh builds it): the gdb hook will fail" >&2
	fi
fi
# The watch hook last: it resets L2 (lab-kmod leaves the module loaded for --poll).
if [ "$HOOKS_DEFAULT" = 1 ] && [ "$NUSER_HOOKS" = 0 ] && [ -f "$REPO/tests/watch/lab-watch.sh" ]; then
	HOOKS+=("$REPO/tests/watch/lab-watch.sh")
	HFILES+=("$REPO/tests/watch/lab-watch.py")
	# what watch costs a guest, per method (in pc-kvm only: lab-bench.sh;
	# --no-bench leaves it out)
	if [ "$BENCH" = 1 ]; then
		HOOKS+=("$REPO/tests/watch/lab-bench.sh")
		HFILES+=("$REPO/bench/watch-guest.py")
	fi
fi
for f in "${HFILES[@]}"; do
	cp -r "$f" "$WORK/hooks/" || die "cannot ship $f"
done
[ -n "${TYPES_SRC:-}" ] && { cp "$TYPES_SRC" "$WORK/hooks/types.source" || die "cannot ship $TYPES_SRC"; }
[ "$HOOKS_DEFAULT" = 1 ] || HOOKS=()
HJSON=""
for h in "${HOOKS[@]}"; do
	[ -f "$h" ] || die "hook $h missing"
	cp "$h" "$WORK/hooks/"
	HJSON="$HJSON${HJSON:+,}\"/lab/hooks/$(basename "$h")\""
done
KO=${KO:-$(ls "$REPO"/kmod/*.ko 2>/dev/null | head -1)}
KOJSON=null
if [ -n "$KO" ] && [ -f "$KO" ]; then
	mkdir -p "$WORK/ko" && cp "$KO" "$WORK/ko/" && KOJSON="\"/lab/ko/$(basename "$KO")\""
	# With a module at hand, KVM's own memslots (through it) are the primary source.
	[ "$MEMSLOTS" = auto ] && LOADKO=true
elif [ "$MEMSLOTS" = kmod ]; then
	die "--memslots kmod: no module (build kmod/, or set KO)"
fi
# 4. Backing files of the two ivshmem devices (sparse).
truncate -s 4M "$LAB_OUT/ivshmem-4m" && truncate -s 2G "$LAB_OUT/ivshmem-2g" ||
	die "cannot create the ivshmem backing files"

# 5. Boot L1 under TCG with the emulated IOMMU and devices, once for all
# the scenarios.  L1 runs them in order; when it ends before they are done
# (it has once ended mid-scenario with nothing on its console, under TCG),
# the outer QEMU's -d cpu_reset log says whether it was a triple fault, and
# L1 is booted again for the scenarios not done.
# The one L1 died in is run again once, and only if it had no failed check
# yet: a second death, a timeout or a failure before the death fails it.
# After a timeout, or a boot that ran no check, L1 is not booted again.
boot() {	# boot N SCENARIO...: one L1; sets LIMIT and RC, writes $WORK/out/results.txt
	local n=$1 sj
	shift
	sj=$(printf '"%s",' "$@")
	cat > "$WORK/run.json" <<EOF
{"scenarios": [${sj%,}], "iommu_map": $TOOL, "hooks": [$HJSON], "ko": $KOJSON, "load_ko": $LOADKO, "memslots": "$MEMSLOTS",
 "l2_timeout": 400}
EOF
	# 360 s besides 240 s a scenario: pc-kvm alone (its watch cycles) takes
	# 3.5-8 min, and 120 s + 240 s stopped it on a loaded machine; the whole
	# set stays at 1500 s
	LIMIT=${LAB_TIMEOUT:-$((360 + 240 * $#))}
	[ "$LIMIT" -gt 1500 ] && [ -z "${LAB_TIMEOUT:-}" ] && LIMIT=1500
	rm -f "$WORK/out/results.txt" "$LAB_OUT/l0-qemu.log" "$LAB_OUT/l0-qemu.pid" "$LAB_OUT/l1-wedged"
	[ "$n" = 1 ] || echo "==== L1 boot $n ====" >> "$CONSOLE"
	step "booting L1 (kernel $KVER, scenarios: $*, limit ${LIMIT}s)"
	t=$(date +%s.%N)
	# the watchdog (wedge.py): an L1 that stalls for good is stopped early,
	# its CPUs' registers kept, and taken for a death, not waited for
	"$PY" "$HERE/wedge.py" --watch "$CONSOLE" "$(stat -c %s "$CONSOLE")" "$LAB_OUT/l0-qmp.sock" \
		"$LAB_OUT/l0-qemu.pid" "$LAB_OUT/l1-wedged" "$LAB_OUT/l0-wedged-boot$n.txt" &
	local wpid=$!
	# shellcheck disable=SC2016
	timeout -s KILL "$LIMIT" qemu-system-x86_64 \
		-machine q35,kernel-irqchip=split -accel tcg,thread=multi -cpu max -smp 2 -m 2G \
		-name l1,debug-threads=on -nodefaults -no-user-config -display none -no-reboot -nic none \
		-qmp unix:"$LAB_OUT/l0-qmp.sock",server=on,wait=off -pidfile "$LAB_OUT/l0-qemu.pid" \
		-d cpu_reset -D "$LAB_OUT/l0-qemu.log" \
		-device intel-iommu,intremap=on,caching-mode=on \
		-device e1000e,addr=03.0 -device edu,addr=04.0 \
		-object memory-backend-file,id=shm0,size=4M,mem-path="$LAB_OUT/ivshmem-4m",share=on \
		-device ivshmem-plain,memdev=shm0,addr=05.0 \
		-object memory-backend-file,id=shm1,size=2G,mem-path="$LAB_OUT/ivshmem-2g",share=on \
		-device ivshmem-plain,memdev=shm1,addr=06.0 \
		-virtfs local,path=/usr,mount_tag=usr,security_model=none,readonly=on \
		-virtfs local,path="$WORK",mount_tag=lab,security_model=none \
		-kernel "/boot/vmlinuz-$KVER" -initrd "$INITRD" \
		-append "console=ttyS0,115200 intel_iommu=on no_timer_check panic=-1 loglevel=4 quiet" \
		-serial stdio < /dev/null 2>"$LAB_OUT/l0-qemu.stderr" |
		stdbuf -oL tr -d '\r' | tee -a "$CONSOLE" |
		if [ "$VERBOSE" = 1 ]; then cat; else
			grep --line-buffered -E '^(LAB:|PASS|FAIL|INFO|SCENARIO|----|  )'
		fi
	RC=${PIPESTATUS[0]}
	kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
	step "L1 finished in $(elapsed "$t")s (qemu exit $RC)"
}

# 6. Results: every boot's lines go to $ALL; a scenario L1 died in counts
# its checks only when it is not run again.
CONSOLE="$LAB_OUT/l1-console.log"
RES="$WORK/out/results.txt"
ALL="$WORK/out/results-all.txt"
: > "$CONSOLE"
: > "$ALL"
TODO=("${SCEN[@]}")
RETRIED="" LOST=0 n=0
while [ ${#TODO[@]} -gt 0 ]; do
	n=$((n + 1))
	boot "$n" "${TODO[@]}"
	[ -f "$RES" ] || : > "$RES"
	rest=()
	for s in "${TODO[@]}"; do
		if [ ${#rest[@]} -gt 0 ] || ! grep -q "^SCENARIO $s:" "$RES"; then rest+=("$s"); fi
	done
	grep -v '^TOTAL ' "$RES" | grep -vE "^[A-Z]+ ${rest[0]:-//}:" >> "$ALL"
	[ ${#rest[@]} -eq 0 ] && break
	s=${rest[0]}
	why="qemu exit $RC"
	TIMEDOUT=0
	if [ -s "$LAB_OUT/l1-wedged" ]; then
		# stopped by the watchdog: a death, not the time limit
		why="L1 wedged, stopped by the watchdog: $(head -n 1 "$LAB_OUT/l1-wedged")"
		why="$why; its CPUs' registers are in $LAB_OUT/l0-wedged-boot$n.txt"
	elif [ "$RC" = 137 ]; then
		why="killed by timeout after ${LIMIT}s" TIMEDOUT=1
	fi
	grep -q 'Triple fault' "$LAB_OUT/l0-qemu.log" 2>/dev/null && why="$why; the outer QEMU logged a triple fault of L1"
	echo "---- last lines of $CONSOLE ----"
	tail -n 40 "$CONSOLE" | sed "s/^/  /"; sed "s/^/  L0 qemu: /" "$LAB_OUT/l0-qemu.stderr"
	[ -s "$LAB_OUT/l1-wedged" ] && grep -E '^(L1 wedged|====|VM status|\*? *CPU #|CPU#|RIP=|CR0=)' \
		"$LAB_OUT/l0-wedged-boot$n.txt" 2>/dev/null | sed "s/^/  L0 monitor: /"
	echo "---- end ----"
	if [ "$TIMEDOUT" = 0 ] && ! grep -q "^FAIL $s:" "$RES" && [ "$RETRIED" != "$s" ]; then
		echo "LAB: L1 died in scenario $s ($why): it is run again in a new L1 (its first output: $WORK/out/$s.died)"
		rm -rf "$WORK/out/$s.died" && mv "$WORK/out/$s" "$WORK/out/$s.died" 2>/dev/null
		LOST=$((LOST + 1)) RETRIED=$s
		TODO=("${rest[@]}")
	else
		[ "$RETRIED" = "$s" ] && why="$why; the second time L1 died in it"
		echo "FAIL $s: scenario did not finish in L1 ($why)" | tee -a "$ALL"
		grep -E "^[A-Z]+ $s:" "$RES" >> "$ALL"
		TODO=("${rest[@]:1}")
		# after a timeout, or an L1 that never ran a check, another boot
		# would most likely end the same way
		if [ ${#TODO[@]} -gt 0 ] && { [ "$TIMEDOUT" = 1 ] || [ ! -s "$RES" ]; }; then
			for t in "${TODO[@]}"; do	# one FAIL each: the count says how many
				echo "FAIL $t: not run (L1 is not booted again after $s's)" | tee -a "$ALL"
			done
			break
		fi
	fi
done
P=$(grep -c '^PASS ' "$ALL")
F=$(grep -c '^FAIL ' "$ALL")
mv "$ALL" "$RES"
[ "$LOST" = 0 ] || echo "LAB: L1 died in a scenario $LOST time(s) and the scenario was run again in a new L1 (see above)"

# 7. Fixtures and golden output (only on request, and only from a clean run).
if [ "$UPDATE" = 1 ]; then
	if [ "$F" -ne 0 ] && [ "$FORCE" = 0 ]; then
		echo "lab: not updating fixtures: there were failures (--force-fixtures to do it anyway)" >&2
	else
		[ "$F" -ne 0 ] && echo "lab: WARNING: updating fixtures although $F checks failed" >&2
		"$HERE/update-fixtures.sh" "$WORK/out" "${SCEN[@]}" || F=$((F + 1))
	fi
fi

step "lab done"
echo "$P passed, $F failed (total $(elapsed "$T_START")s)"
if [ "$KEEP" = 1 ] || [ "$F" -ne 0 ]; then
	echo "lab: kept L1 console log $CONSOLE and captures in $WORK/out/"
else
	rm -rf "$WORK" "$LAB_OUT/ivshmem-2g" "$LAB_OUT/ivshmem-4m"
	echo "lab: removed $WORK (use --keep to keep the console log and captures)"
	rm -f "$CONSOLE"
fi
[ "$F" -eq 0 ]
