#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/run.sh [--update] - test gdb/iommu-map-gdb.py against a real
# QEMU (never a mock of its structs).
#
#  1. setup.sh installs qemu-system-x86, gdb and the build deps, and builds
#     (once per qemu package version, cached under /var/cache/iommu-map/)
#     a types-only DWARF object for Debian's stripped QEMU, from that
#     version's source, or the nearest the mirror has (an INFO line says
#     which).  Its sizes of AddressSpace and RAMList are checked against
#     the binary's own symbols address_space_memory and ram_list.
#  2. The Int128 reader is tested on a tiny C program (native __int128 and
#     {lo, hi} struct) under gdb; so are the loader (sourced three times,
#     no event handler is left behind), the caches' reset hook and the KVM
#     slot sanity check (test_kvm.py: real slots pass, each corrupt list
#     fails with its reason; the types object names its source version).  Every
#     module, class, command and helper in gdb/ has a docstring.
#  3. A stock QEMU starts paused under TCG (-S -nic none -display none) with
#     ivshmem-plain on a memory-backend-file and a VGA, both RAM-backed
#     BARs; it runs SeaBIOS just long enough for the BARs to be assigned,
#     then stops.  gdb attaches in batch mode and runs every command
#     (drive.py); check.py checks every HVA printed against /proc/PID/maps
#     and HMP gpa2hva, and the text against tests/gdb/expected/: the file
#     in qemu-X.Y/ (the installed QEMU's version) where there is one, else
#     the one in common/.
#  4. gdb without QEMU's types must fail with a clear sentence.
#
# IM_QEMU=/path/to/debug/qemu-system-x86_64 runs the same checks on a full
# debug build (tests/gdb/build-debug.sh) instead of the types object.
# --update rewrites the golden files.  Ends with "N passed, N failed".
set -u
export LC_ALL=C TZ=UTC

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
update=
[[ ${1:-} == --update ]] && update=--update
passed=0
failed=0
t0=$(date +%s)

count() {	# count the ok/FAIL lines of a sub-test's output on stdin
	local line
	while IFS= read -r line; do
		case $line in
		ok\ *) echo "$line"; passed=$((passed + 1)) ;;
		FAIL\ *) echo "$line"; failed=$((failed + 1)) ;;
		esac
	done
}
ok() { echo "ok $*"; passed=$((passed + 1)); }
subtest() {	# NAME CMD...: count CMD's ok/FAIL lines; it must end with its tally
	local name=$1 out
	shift
	out=$("$@" 2>&1)
	count <<<"$out"
	grep -qE '^[0-9]+ passed, [0-9]+ failed' <<<"$out" ||
		fail "$name: ran to the end: $(tail -3 <<<"$out")"
}
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
info=
finish() {
	[[ -n $info ]] && echo "$info"
	echo "gdb tests took $(( $(date +%s) - t0 )) s"
	echo "$passed passed, $failed failed"
	[[ $failed -eq 0 ]]
	exit
}

types=$(bash "$here/setup.sh" | tail -1)
if [[ -z ${IM_QEMU:-} && ! -s $types ]]; then
	fail "setup: types object built"
	finish
fi
qver=$(dpkg-query -W -f='${Version}' qemu-system-x86)
echo "INFO gdb $(gdb -nx -batch -ex 'python print(gdb.VERSION)' 2>/dev/null), qemu-system-x86 $qver"
if [[ -z ${IM_QEMU:-} ]]; then
	tsrc=$(cat "$(dirname "$types")/source" 2>/dev/null || echo unknown)
	if [[ $tsrc == "$(dpkg-query -W -f='${source:Version}' qemu-system-x86)" ]]; then
		echo "INFO types from the installed QEMU's own source (qemu $tsrc)"
	else
		# The installed version's source is not on the mirror: say so in
		# the output and again by the count.
		info="INFO types from qemu ${tsrc#*:} source for installed QEMU ${qver#*:} (its own source is not on the mirror)"
		echo "$info"
	fi
fi

work=$(mktemp -d /tmp/iommu-map-gdb.XXXXXX)
qpid=
cleanup() {
	[[ -n $qpid ]] && kill "$qpid" 2>/dev/null
	# IM_GDB_KEEP=DIR keeps the outputs (export.json, *.txt) for a look
	[[ -n ${IM_GDB_KEEP:-} ]] && mkdir -p "$IM_GDB_KEEP" &&
		cp -r "$work/out/." "$work"/*.log "$IM_GDB_KEEP/" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# --- 2. Int128, the loader, docstrings ---------------------------------------
if gcc -g -O0 -o "$work/int128" "$here/int128.c" &&
   gcc -g -O0 -c -o "$work/int128.o" "$here/int128.c"; then
	subtest int128 env IM_GDB_DIR="$top/gdb" timeout 60 gdb -nx -q -batch \
		-x "$here/test_int128.py" "$work/int128"
	subtest loader env IM_GDB_DIR="$top/gdb" IM_OBJ="$work/int128.o" timeout 60 \
		gdb -nx -q -batch -x "$here/test_loader.py" "$work/int128"
	# the KVM slot check, good and corrupt lists; with the types object,
	# the version it says it comes from
	kvmenv=(IM_GDB_DIR="$top/gdb" IM_FIXTURE="$top/tests/fixtures/lab-gdb-q35/gdb-export.json")
	[[ -z ${IM_QEMU:-} ]] && kvmenv+=(IM_TYPES="$types" IM_TYPES_SOURCE="$tsrc")
	subtest kvm env "${kvmenv[@]}" timeout 60 gdb -nx -q -batch \
		-x "$here/test_kvm.py" "$work/int128"
else
	fail "int128: test program builds"
fi
count < <(python3 "$here/check_docs.py" "$top/gdb" "$top/gdb/iommu_map" 2>&1)

# --- 3. a real QEMU -----------------------------------------------------------
qemu=${IM_QEMU:-/usr/bin/qemu-system-x86_64}
qemuargs=()
symargs=()
# Both routes read the same source package, so they share the goldens:
# expected/qemu-MAJOR.MINOR/ where this version's output differs, else
# expected/common/ (check.py).
ver=$(echo "$qver" | sed 's/^[0-9]*://; s/^\([0-9]*\.[0-9]*\).*/\1/')
expected=$here/expected/qemu-$ver
if [[ -n ${IM_QEMU:-} ]]; then
	qemuargs=(-L /usr/share/seabios -L /usr/share/qemu)
else
	symargs=(-ex "add-symbol-file $types 0")
fi

# The types object against the binary: the size of each global as the
# binary's symbol table has it (nm -S; the dynamic one for Debian's
# stripped binary) is sizeof its type in gdb.
symsize() {
	{ nm -S --defined-only "$qemu" 2>/dev/null; nm -D -S --defined-only "$qemu" 2>/dev/null; } |
		awk -v n="$1" '$4 == n && NF == 4 { print $2; exit }'
}
sizes=$(gdb -nx -q -batch "${symargs[@]}" \
	-ex 'printf "AddressSpace %x\n", sizeof(AddressSpace)' \
	-ex 'printf "RAMList %x\n", sizeof(RAMList)' "$qemu" 2>/dev/null)
for gt in address_space_memory:AddressSpace address_space_io:AddressSpace ram_list:RAMList; do
	g=${gt%%:*} t=${gt#*:}
	want=$(symsize "$g")
	got=$(echo "$sizes" | awk -v t="$t" '$1 == t { print $2 }')
	if [[ -n $want && -n $got && $((16#$want)) -eq $((16#$got)) ]]; then
		ok "layout: sizeof($t) 0x$got = size of $g in $qemu"
	else
		fail "layout: sizeof($t) 0x${got:-?} = size of $g in $qemu (0x${want:-?})"
	fi
done

truncate -s 1M "$work/shm.bin"
timeout 300 "$qemu" "${qemuargs[@]}" -S -nic none -display none -nodefaults \
	-machine pc,accel=tcg -m 128 \
	-object memory-backend-file,id=hostmem,share=on,mem-path="$work/shm.bin",size=1M \
	-device ivshmem-plain,memdev=hostmem,id=ivs0,addr=02.0 \
	-device VGA,id=vga0,addr=03.0 \
	-qmp unix:"$work/qmp.sock",server=on,wait=off \
	-pidfile "$work/qemu.pid" -serial none -monitor none \
	>"$work/qemu.log" 2>&1 &
for _ in $(seq 600); do	# up to 60 s: check-gdb runs two stacks side by side
	[[ -S $work/qmp.sock && -s $work/qemu.pid ]] && break
	sleep 0.1
done
qpid=$(cat "$work/qemu.pid" 2>/dev/null)
if [[ -z $qpid ]]; then
	fail "qemu starts: $(cat "$work/qemu.log")"
	finish
fi
ok "qemu starts paused under TCG (pid $qpid)"

qmp() { python3 "$here/qmp.py" "$work/qmp.sock" "$@"; }
# Let SeaBIOS assign the BARs, then stop the guest for good.
qmp cont >/dev/null
mapped=
for _ in $(seq 300); do
	if qmp hmp 'info pci' | grep -q 'BAR2: 64 bit prefetchable memory at 0xfe000000'; then
		mapped=1
		break
	fi
	sleep 0.2
done
sleep 1
qmp stop >/dev/null
if [[ -n $mapped ]]; then ok "SeaBIOS mapped the BARs"; else fail "SeaBIOS mapped the BARs"; fi

mkdir -p "$work/out"
IM_OUT=$work/out timeout 120 gdb -nx -q -batch -p "$qpid" "${symargs[@]}" \
	-ex "source $top/gdb/iommu-map-gdb.py" \
	-ex "source $here/drive.py" >"$work/gdb.log" 2>&1
if [[ -s $work/out/mtree.txt ]]; then
	ok "gdb ran every command"
else
	fail "gdb ran every command: $(tail -5 "$work/gdb.log")"
fi
if grep -q Traceback "$work/gdb.log"; then
	fail "gdb log has no Python traceback"
else
	ok "gdb log has no Python traceback"
fi

count < <(python3 "$here/check.py" "$work/out" "$qpid" "$work/qmp.sock" \
	"$expected" "$here/expected/common" $update)

# --- 4. without QEMU's types: a clear sentence --------------------------------
if [[ -z ${IM_QEMU:-} ]]; then
	timeout 60 gdb -nx -q -batch -p "$qpid" \
		-ex "source $top/gdb/iommu-map-gdb.py" \
		-ex "iommu-map mtree" >"$work/notypes.log" 2>&1
	if grep -q "gdb does not know the QEMU type MemoryRegion" "$work/notypes.log" &&
	   ! grep -q Traceback "$work/notypes.log"; then
		ok "no types: iommu-map mtree says what to load"
	else
		fail "no types: iommu-map mtree says what to load: $(tail -3 "$work/notypes.log")"
	fi
fi

# a core file of the same QEMU (no process): the commands still read it
timeout 120 gdb -nx -q -batch -p "$qpid" -ex "gcore $work/core" >/dev/null 2>&1
if [[ -s $work/core ]]; then
	timeout 120 gdb -nx -q -batch "${symargs[@]}" \
		-ex "source $top/gdb/iommu-map-gdb.py" \
		-ex "iommu-map mtree -f" "$qemu" "$work/core" >"$work/core.log" 2>&1
	grep -v '^note: ' "$work/out/mtree-f.txt" >"$work/live-f.txt"
	if grep -E '^(legend|[0-9a-f]{16}-)' "$work/core.log" | diff -q - "$work/live-f.txt" >/dev/null; then
		ok "core file: mtree -f reads the same as the live process"
	else
		fail "core file: mtree -f reads the same as the live process: $(tail -3 "$work/core.log")"
	fi
	rm -f "$work/core"
else
	fail "gcore wrote a core file"
fi
finish
