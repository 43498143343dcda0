#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/run.sh [--update]: unit tests, golden tests (text and JSON) for every
# fixture, hostile inputs, hostile names (terminal escapes), live capture vs
# replay, bash completion, make install's file list, and the man page lint.
# Prints one line per check and ends with "N passed, N failed".
# --update rewrites tests/expected/ from the current output: review the diff.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
BIN=$B/iommu-map
UPDATE=0
[ "${1:-}" = --update ] && UPDATE=1
export LC_ALL=C TZ=UTC
pass=0 fail=0
ok()   { pass=$((pass + 1)); echo "ok $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
mkdir -p tests/diff "$B/t"

# --- unit tests (the JSON some make goes to $IM_TEST_JSON_DIR, for the schema check) ---
export IM_TEST_JSON_DIR=$B/t/json
# test-svg writes the picture of a model with hostile names here, for xmllint below
export IM_TEST_SVG_OUT=$B/t/svg-hostile-names.svg
rm -f "$IM_TEST_SVG_OUT"
rm -rf "$IM_TEST_JSON_DIR"; mkdir -p "$IM_TEST_JSON_DIR"
for t in "$B"/test-*; do
	[ -x "$t" ] || continue
	# --update: the unit tests that keep goldens of their own rewrite them
	if [ $UPDATE = 1 ]; then out=$(IM_UPDATE=1 "$t" 2>&1); else out=$("$t" 2>&1); fi; rc=$?
	p=$(echo "$out" | grep -c '^ok ')
	f=$(echo "$out" | grep -c '^FAIL ')
	pass=$((pass + p)); fail=$((fail + f))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then bad "unit $(basename "$t"): exit $rc"; fi
	echo "$out" | grep '^FAIL ' | sed "s|^|  $(basename "$t"): |"
	echo "unit $(basename "$t"): $p passed, $f failed"
done

# --- golden tests: tests/expected/<fixture>/cases lists "name<TAB>args" ---
# The JSON's "version" is the build's (git describe): the goldens hold
# @VERSION@ in its place, so that they do not change with every commit.  Only
# that exact key and value are replaced; a wrong version still shows here.
VERSION=$("$BIN" --version | sed -n 's/^iommu-map //p')
version_esc=$(printf '%s' "$VERSION" | sed 's/[].[*^$\/]/\\&/g')
# make check passes the version it built with
if [ -n "${BUILD_VERSION:-}" ]; then
	[ "$VERSION" = "$BUILD_VERSION" ] && ok "--version: iommu-map $VERSION, the Makefile's" ||
		bad "--version says '$VERSION', the Makefile built '$BUILD_VERSION'"
fi
# compare (or, with --update, rewrite) EXP.{out,err} with OUT.{out,err}
check_golden() {	# label exp out diffname
	local label=$1 exp=$2 out=$3 d=tests/diff/$4.diff
	sed -i "s/\"version\": \"$version_esc\"/\"version\": \"@VERSION@\"/" "$out.out"
	if [ $UPDATE = 1 ]; then
		mkdir -p "$(dirname "$exp")"
		cp "$out.out" "$exp.out"; cp "$out.err" "$exp.err"
		ok "$label (updated)"; return
	fi
	if diff -u "$exp.out" "$out.out" >"$d" && diff -u "$exp.err" "$out.err" >>"$d"; then
		rm -f "$d"; ok "$label"
	else
		bad "$label (see $d)"
		head -20 "$d"
	fi
}
golden() {	# fixture name args...
	local fx=$1 name=$2; shift 2
	local out=$B/t/$fx-$name
	"$BIN" --sysroot "tests/fixtures/$fx" -i tests/pci.ids "$@" >"$out.out" 2>"$out.err"
	echo "[exit $?]" >>"$out.err"
	check_golden "golden $fx/$name" "tests/expected/$fx/$name" "$out" "$fx-$name"
}
for cases in tests/expected/*/cases; do
	fx=$(basename "$(dirname "$cases")")
	while IFS=$'\t' read -r name args; do
		case "$name" in ''|'#'*) continue;; esac
		# shellcheck disable=SC2086
		golden "$fx" "$name" $args
	done <"$cases"
done

# --- pastes: tests/pastes/<paste>/cases, read in paste mode (no target, no host);
# the output goes to tests/pastes/<paste>/expected/<name>.{out,err} ---
paste_golden() {	# paste name args...
	local pd=$1 name=$2; shift 2
	local out=$B/t/paste-$pd-$name
	"$BIN" "$@" >"$out.out" 2>"$out.err"
	echo "[exit $?]" >>"$out.err"
	check_golden "paste $pd/$name" "tests/pastes/$pd/expected/$name" "$out" "paste-$pd-$name"
}
for cases in tests/pastes/*/cases; do
	pd=$(basename "$(dirname "$cases")")
	while IFS=$'\t' read -r name args; do
		case "$name" in ''|'#'*) continue;; esac
		# shellcheck disable=SC2086
		paste_golden "$pd" "$name" $args
	done <"$cases"
done
# stdin: "-" reads the paste from standard input, as `xclip -o | iommu-map --maps -` does
out=$("$BIN" --maps - <tests/pastes/04-maps-grep-vfio-three-regions/paste.txt 2>&1)
case "$out" in *"region 4 (BAR 4)"*"<stdin>: 3 mappings, 3 of them vfio BAR mmaps"*) ok "paste: --maps - reads stdin";;
*) bad "paste: --maps - reads stdin: $out";; esac
out=$("$BIN" --qtree - <tests/pastes/24-info-qtree-vfio-pci/paste.txt 2>&1)
case "$out" in *"0000:00:14.0 BAR 0: guest address 0x91000000-0x9100ffff"*"<stdin>: 1 device, 1 vfio-pci"*) ok "paste: --qtree - reads stdin";;
*) bad "paste: --qtree - reads stdin: $out";; esac
# one paste for --maps and --mtree, both "-": standard input is read once, for both readers
out=$("$BIN" --maps - --mtree - <tests/pastes/01-seed-gdb-mtree-maps-lfdr/paste.txt 2>&1)
case "$out" in *"a /proc/PID/maps line, read by --maps"*"HVA 0x7f0b5c5f4000-0x7f0b5c5f4fff if the pasted maps line 12 is this mmap"*"# 1 /proc/PID/maps line (first: <stdin>:12), read by --maps"*"pasted vfio mappings:"*) ok "paste: --maps - --mtree - read one stdin";;
*) bad "paste: --maps - --mtree - read one stdin: $out";; esac
# the seed mail with the seed fixture: the host makes the mmap's HVA known, the maps line is compared
out=$("$BIN" --sysroot tests/fixtures/seed-2021 --maps tests/pastes/01-seed-gdb-mtree-maps-lfdr/paste.txt --mtree tests/pastes/01-seed-gdb-mtree-maps-lfdr/paste.txt 2>&1)
case "$out" in *"with a target, a pasted maps is only compared"*"HVA 0x7f0b5c5f4000-0x7f0b5c5f4fff for GPA 0xfc078000-0xfc078fff (KVM memslot as 0 slot 5"*) ok "paste: the seed mail with its fixture: the HVA known by its memslot";;
*) bad "paste: the seed mail with its fixture: $out";; esac
# a paste from another process, with a target: said, and kept apart
out=$("$BIN" --sysroot tests/fixtures/seed-2021 --maps tests/pastes/04-maps-grep-vfio-three-regions/paste.txt 2>&1)
case "$out" in *"none of its 3 mappings is one of the target's"*"[paste-other-process]"*) ok "paste: another process's maps are said to be so";;
*) bad "paste: another process's maps: $out";; esac
out=$("$BIN" --sysroot tests/fixtures/seed-2021 --maps tests/pastes/01-seed-gdb-mtree-maps-lfdr/paste.txt 2>&1)
case "$out" in *"1 of its 1 mappings are the target's"*) ok "paste: the seed's own maps line matches the seed fixture";;
*) bad "paste: the seed's own maps line: $out";; esac
# paste mode needs a live target for watch and capture
"$BIN" --maps tests/pastes/04-maps-grep-vfio-three-regions/paste.txt watch >/dev/null 2>&1
[ $? = 64 ] && ok "paste: watch without a target is a usage error" || bad "paste: watch without a target"

# --- hostile inputs: a broken copy of a fixture; one line naming file:line, exit 2,
# and (strace, tests/strace-audit.py) nothing read outside the copy ---
AUDIT_TRACE=trace=open,openat,openat2,readlink,readlinkat,newfstatat,statx,getdents64,execve
# the audit first proves it flags a read outside the root, and a read through a dir fd
printf '%s\n' "1 execve(\"$BIN\", [], []) = 0" \
	'1 openat(AT_FDCWD</x>, "/etc/passwd", O_RDONLY) = 3</etc/passwd>' >"$B/t/audit-bad.tr"
printf '%s\n' "1 execve(\"$BIN\", [], []) = 0" \
	'1 readlinkat(4</etc>, "x", "y", 4095) = 1' >"$B/t/audit-bad2.tr"
if tests/strace-audit.py "$BIN" "$B/t/r" "$B/t/audit-bad.tr" >/dev/null ||
   tests/strace-audit.py "$BIN" "$B/t/r" "$B/t/audit-bad2.tr" >/dev/null; then
	bad "strace audit: a read of /etc/passwd or through a dir fd on /etc was not flagged"
else
	ok "strace audit: flags a read outside the root, by path and through a dir fd"
fi
hostile() {	# name expected-stderr-regex mutation-command...
	local name=$1 want=$2; shift 2
	local d=${HDIR:-$B/t}/hostile-$name audit=""
	rm -rf "$d"; cp -a tests/fixtures/seed-2021 "$d"
	(cd "$d" && eval "$@")
	# a hang is a FAIL (exit 124), not a stuck suite
	timeout 10 ${AS:-} "$BIN" --sysroot "$d" -i tests/pci.ids >/dev/null 2>"$d.err" </dev/null; rc=$?
	lines=$(wc -l <"$d.err")
	# the audit is a second run: LeakSanitizer refuses to run under ptrace
	[ $rc = 124 ] || {
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 timeout 10 \
			strace -f -y -qq -e "$AUDIT_TRACE" -o "$d.strace" \
			${AS:-} "$BIN" --sysroot "$d" -i tests/pci.ids >/dev/null 2>&1 </dev/null
		audit=$(tests/strace-audit.py "$BIN" "$d" "$d.strace" tests/pci.ids) || {
			bad "hostile $name: $audit"; return; }
	}
	if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -Eq "$want" "$d.err"; then
		ok "hostile $name: $(cat "$d.err"); ${audit%%,*}, none outside the root"
	else
		bad "hostile $name: exit $rc$([ $rc = 124 ] && echo ' (hung: killed after 10 s)'), $lines lines: $(head -3 "$d.err")"
	fi
}
M=proc/2021/maps
hostile truncated-maps "$M:9: not a maps line" "sed -i '9s/ rw-s.*//' $M"
hostile garbage-address "$M:3: not a maps line" "sed -i '3s/^56540c104000/56540zz04000/' $M"
hostile huge-number "$M:1: not a maps line" "sed -i '1s/^56540b6a1000/1156540b6a1000000/' $M"
hostile overlap "$M:8: mapping overlaps" "sed -i '8s/^7f0a5be00000/56540e000000/' $M"
hostile empty-range "$M:2: mapping ends before it starts" "sed -i '2s/^56540b9d3000-56540c104000/56540c104000-56540b9d3000/' $M"
hostile binary-maps "$M:1: not a maps line" "printf '\\x00\\xff\\x01garbage' > $M"
hostile memslot-field "iommu-map/memslots:5: bad gpa" "sed -i '5s/0xfc078000/0xfcq78000/' iommu-map/memslots"
hostile memslot-short "iommu-map/memslots:5: missing field 'hva'" "sed -i '5s/ 0x7f0b5c5f4000 0x0\$//' iommu-map/memslots"
hostile memslot-align "iommu-map/memslots:5: .*not page-aligned" "sed -i '5s/0xfc078000/0xfc078010/' iommu-map/memslots"
hostile symlink-escape "symlink to '/etc' leads outside the sysroot" "ln -sfn /etc sys/devices/pci0000:00/0000:00:1c.0/0000:0a:00.0/driver"
hostile symlink-dotdot "iommu_group: symlink to '../../../../../../../..' is not the kernel's" \
	"ln -sfn ../../../../../../../.. sys/devices/pci0000:00/0000:00:1c.0/0000:0a:00.0/iommu_group"
hostile maps-link-escape "proc/2021/maps: .*(outside|Invalid cross-device link)" "rm $M && ln -s /proc/self/maps $M"
hostile no-process "no process under .* holds a vfio" "rm -rf proc/2021"
# not files at all: FIFOs and device nodes cannot live in git, so they are made here
DEV=sys/devices/pci0000:00/0000:00:1c.0/0000:0a:00.0
hostile fifo-maps "/$M: not a regular file \(fifo\)$" "rm $M && mkfifo $M"
hostile fifo-memslots "/iommu-map/memslots: not a regular file \(fifo\)$" \
	"rm iommu-map/memslots && mkfifo iommu-map/memslots"
hostile fifo-osrelease "/proc/sys/kernel/osrelease: not a regular file \(fifo\)$" \
	"rm proc/sys/kernel/osrelease && mkfifo proc/sys/kernel/osrelease"
hostile fifo-config "/sys/bus/pci/devices/0000:0a:00.0/config: not a regular file \(fifo\)$" \
	"rm -f $DEV/config && mkfifo $DEV/config"
hostile fifo-elsewhere-in-sys "0000:0a:00.0/resource: not a regular file \(fifo\)$" "rm $DEV/resource && mkfifo $DEV/resource"
hostile socket-memslots "/iommu-map/memslots: not a regular file \(socket\)$" \
	"rm iommu-map/memslots && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind(\"iommu-map/memslots\")'"
if [ "$(id -u)" = 0 ]; then
	hostile zero-node-maps "/$M: not a regular file \(character device\)$" "rm $M && mknod $M c 1 5"
	hostile mem-node-memslots "/iommu-map/memslots: not a regular file \(character device\)$" \
		"rm iommu-map/memslots && mknod iommu-map/memslots c 1 1"
else
	echo "skip hostile zero-node-maps, mem-node-memslots: mknod needs root"
fi
hostile symlink-loop "/$M: symlink loop" "rm $M && ln -s maps.2 $M && ln -s maps proc/2021/maps.2"
hostile symlink-loop-in-sys "0000:0a:00.0/config: symlink loop" "rm -f $DEV/config && ln -s l2 $DEV/config && ln -s config $DEV/l2"
hostile huge-osrelease "/proc/sys/kernel/osrelease: more than 64K bytes" "truncate -s 65537 proc/sys/kernel/osrelease"
hostile huge-memslots "/iommu-map/memslots: more than 64M bytes" "truncate -s 65M iommu-map/memslots"
hostile huge-maps "/$M: more than 256M bytes" "truncate -s 257M $M"
hostile memslot-as-id "iommu-map/memslots:5: as_id 7: x86 KVM has address spaces 0 and 1 \(SMM\) only" \
	"sed -i '5s/^0 5 /7 5 /' iommu-map/memslots"
# the seed has 3 slots in as_id 0 on lines 3-5 and 2 in as_id 1: 32,766 more make line 32,773 the 32,769th
hostile memslot-too-many "iommu-map/memslots:32773: more than 32768 slots in address space 0" \
	"python3 -c 'import sys; sys.stdout.write(\"\".join(\"0 %d 0x%x 0x1000 0x7e0000000000 0x0\\n\" % (10 + k, 0x200000000 + k * 4096) for k in range(32766)))' >> iommu-map/memslots"

# --- inputs no real host gives that can still be read: a finding in --json, the usual exit ---
"$BIN" --sysroot tests/fixtures/seed-2021 -i tests/pci.ids >/dev/null 2>&1; seed_rc=$?
finding_case() {	# name code severity mutation-command...
	local name=$1 code=$2 sev=$3; shift 3
	local d=$B/t/finding-$name
	rm -rf "$d"; cp -a tests/fixtures/seed-2021 "$d"
	(cd "$d" && eval "$@")
	timeout 10 "$BIN" --sysroot "$d" -i tests/pci.ids --json >"$d.json" 2>"$d.err" </dev/null; rc=$?
	if [ $rc -eq "$seed_rc" ] && python3 -c 'import json, sys
f = json.load(open(sys.argv[1]))["findings"]
sys.exit(not any(x["code"] == sys.argv[2] and x["severity"] == sys.argv[3] for x in f))' \
		"$d.json" "$code" "$sev"; then
		ok "finding $name: $code ($sev), exit $rc as the seed's"
	else
		bad "finding $name: exit $rc (the seed's: $seed_rc), or no $code ($sev) in --json: $(head -3 "$d.err")"
	fi
}
finding_case memslot-duplicate-id memslot-duplicate-id error "sed -i '4s/^0 1 /0 0 /' iommu-map/memslots"
finding_case memslot-overlap memslot-overlap error "sed -i '4s/ 0xc0000 / 0x80000 /' iommu-map/memslots"
finding_case bar-overlap bar-overlap error \
	"sed -i '1s/.*/0x00000000e2c20000 0x00000000e2c2ffff 0x0000000000040200/' sys/devices/pci0000:00/0000:00:1c.0/resource"
finding_case mmap-larger-than-bar mmap-larger-than-bar error "sed -i '9s/^7f0b5c5f4000-7f0b5c5f5000/7f0b5c5f4000-7f0b5c5f6000/' $M"
finding_case kernel-release-unparsed kernel-release-unparsed warning "echo garbage > proc/sys/kernel/osrelease"
# ... and nothing compares that release with a version, in text or JSON
out=$(cat "$B/t/finding-kernel-release-unparsed.json"; "$BIN" --sysroot "$B/t/finding-kernel-release-unparsed" -i tests/pci.ids 2>&1)
case "$out" in *"< 6.10"*|*">= 6.10"*|*"older than"*|*"or later"*) bad "release garbage: a version comparison: $(echo "$out" | grep -m2 -E '6\.10|older|later')";;
*"kernel release \"garbage\" unknown"*) ok "release garbage: the offset format says unknown, nothing is compared";;
*) bad "release garbage: no 'unknown' said";; esac
# a sub-page BAR mapped with one page is normal: the seed's own 4K BAR gets no such finding
if python3 -c 'import json, sys; sys.exit(any(x["code"] == "mmap-larger-than-bar" for x in json.load(sys.stdin)["findings"]))' \
	< <("$BIN" --sysroot tests/fixtures/seed-2021 -i tests/pci.ids --json 2>/dev/null); then
	ok "finding: the seed's one-page mmap of its 4K BAR gets no mmap-larger-than-bar"
else
	bad "finding: the seed's one-page mmap got mmap-larger-than-bar"
fi
# EACCES names the file too: as nobody (root reads everything), where nobody can reach the tree
# (the fixtures go to a folder of their own under /tmp: the build dir may be under /root)
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && HDIR=$(mktemp -d /tmp/iommu-map-eacces.XXXXXX) &&
   chmod 755 "$HDIR" && $nobody test -x "$HDIR" && $nobody test -r tests/pci.ids -a -x "$BIN"; then
	HDIR=$HDIR AS=$nobody hostile eacces-memslots "/iommu-map/memslots: Permission denied$" "chmod 000 iommu-map/memslots"
	# a device that cannot be read is left out, and the pci source says which: partial, exit 1
	d=$HDIR/eacces-sys; cp -a tests/fixtures/seed-2021 "$d"; chmod 000 "$d/sys/devices/pci0000:00/0000:00:1c.0"
	$nobody "$BIN" --sysroot "$d" -i tests/pci.ids >/dev/null 2>"$d.err" </dev/null; rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$d.err")" = 1 ] &&
	   grep -Eq "pci: partial: .*2 could not be read \($d/sys/bus/pci/devices/0000:00:1c.0: Permission denied" "$d.err"; then
		ok "unreadable sys: exit 1, $(cat "$d.err")"
	else
		bad "unreadable sys: exit $rc: $(head -3 "$d.err")"
	fi
	rm -rf "$HDIR"
else
	echo "skip hostile eacces-memslots, eacces-sys: need root, setpriv, and the binary and tests/pci.ids readable by nobody"
fi

# --- pci.ids: libpci gets an excerpt (pci.c's ids_excerpt); a compressed list is
# left to libpci whole, and names alike; a FIFO as the list is never opened by
# libpci (it would block): no names, the usual exit ---
names() { python3 -c 'import json, sys
print(" | ".join(str(d["name"]) for d in json.load(open(sys.argv[1]))["devices"]))' "$1"; }
IDT=$B/t/pci-ids; rm -rf "$IDT"; mkdir -p "$IDT"
"$BIN" --sysroot tests/fixtures/seed-2021 -i tests/pci.ids --json >"$IDT/plain.json" 2>/dev/null
gzip -c tests/pci.ids >"$IDT/pci.ids.gz"
"$BIN" --sysroot tests/fixtures/seed-2021 -i "$IDT/pci.ids.gz" --json >"$IDT/gz.json" 2>/dev/null
if [ "$(names "$IDT/plain.json")" = "$(names "$IDT/gz.json")" ] && [ "$(names "$IDT/plain.json")" != None ]; then
	ok "pci.ids: the names from a gzip'd list (libpci's own read) are the excerpt's: $(names "$IDT/plain.json")"
else
	bad "pci.ids: names from the excerpt '$(names "$IDT/plain.json")', from the gzip'd list '$(names "$IDT/gz.json")'"
fi
mkfifo "$IDT/fifo"
timeout 10 "$BIN" --sysroot tests/fixtures/seed-2021 -i "$IDT/fifo" --json >"$IDT/fifo.json" 2>"$IDT/fifo.err" </dev/null; rc=$?
if [ $rc -eq "$seed_rc" ] && [ "$(names "$IDT/fifo.json")" = None ]; then
	ok "pci.ids: a FIFO as the list is not opened: no names, exit $rc"
else
	bad "pci.ids: a FIFO as the list: exit $rc (the seed's: $seed_rc), names '$(names "$IDT/fifo.json" 2>&1)': $(head -2 "$IDT/fifo.err")"
fi
rm -rf "$IDT"

# --- hostile names: strings from the input that hold terminal escapes (ESC, CSI,
# OSC, BEL, CR, LF, C1) or bytes that are not UTF-8 reach text and stderr escaped
# as \xNN (like ls -b), never raw; --json keeps them as valid UTF-8 (U+FFFD for
# a byte that is not UTF-8).  tests/term-safe.py checks the bytes ---
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
# shellcheck disable=SC2034 # top: used by the mutations, which esc_case evals
E=$'\033' top=$PWD
term_check() {	# want-exit rc out err json out|err escaped-form json-has: why, or nothing
	local want=$1 rc=$2 out=$3 err=$4 json=$5 where=$6 form=$7 has=$8 f
	[ "$where" = out ] && f=$out || f=$err
	if [ "$rc" -ne "$want" ]; then echo "exit $rc, want $want"
	elif ! $PY tests/term-safe.py text "$out" "$err"; then :
	elif ! grep -qF -- "$form" "$f"; then echo "no '$form' in std$where: $(head -c 400 "$f")"
	elif [ "$want" -le 1 ] && ! $PY tests/term-safe.py text "$json.err"; then :
	elif [ "$want" -le 1 ] && ! $PY tests/term-safe.py json "$json" ${has:+"$has"}; then :
	elif [ "$want" -gt 1 ] && [ "$(wc -l <"$err")" != 1 ]; then echo "$(wc -l <"$err") lines on stderr"
	fi
}
esc_case() {	# name want-exit out|err escaped-form json-has mutation [args...]
	local name=$1 want=$2 where=$3 form=$4 has=$5 mut=$6; shift 6
	local d=$B/t/esc-$name why
	rm -rf "$d"; cp -a tests/fixtures/seed-2021 "$d"; cp tests/pci.ids "$d.ids"
	(cd "$d" && eval "$mut")
	timeout 10 "$BIN" --sysroot "$d" -i "$d.ids" "$@" >"$d.out" 2>"$d.err" </dev/null; rc=$?
	timeout 10 "$BIN" --sysroot "$d" -i "$d.ids" "$@" --json >"$d.json" 2>"$d.json.err" </dev/null
	why=$(term_check "$want" $rc "$d.out" "$d.err" "$d.json" "$where" "$form" "$has")
	[ -z "$why" ] && ok "hostile name $name: exit $rc, std$where has $form" || bad "hostile name $name: $why"
}
esc_case comm 0 out 'pid 2021 (qemu\x1b[31mRED\x1b]0;t\x07)' 'qemu\x1b[31mRED\x1b]0;t\x07' \
	"printf 'qemu${E}[31mRED${E}]0;t\\a\\n' >proc/2021/comm"
esc_case comm-not-utf8 0 out 'pid 2021 (qemu\xff\xfe\xc0\xaf\\x)' 'qemu\ufffd\ufffd\ufffd\ufffd\\x' \
	"printf 'qemu\\377\\376\\300\\257\\\\x\\n' >proc/2021/comm"
esc_case maps-name 0 out 'inside /usr/lib/libc\x1b[2J\x1b]0;pwned\x07.so' '/usr/lib/libc\x1b[2J\x1b]0;pwned\x07.so' \
	"sed -i 's|/usr/lib/x86_64-linux-gnu/libc.so.6|/usr/lib/libc${E}[2J${E}]0;pwned\\a.so|' $M" explain 0x7f0b5c600010
esc_case driver-link 0 out 'driver vfio\x1b[31m-pci, IOMMU group 12\x1b[5m' '12\x1b[5m' \
	"ln -sfn '../../../../bus/pci/drivers/vfio${E}[31m-pci' $DEV/driver &&
	 ln -sfn '../../../../kernel/iommu_groups/12${E}[5m' $DEV/iommu_group"
esc_case pci-ids-name 0 out 'Red Hat, Inc. QEMU\x1b[1m Test\x07Device\xc2\x9b\x9b [1b36:0005]' 'QEMU\x1b[1m Test\x07Device\u009b\ufffd' \
	"sed -i 's/QEMU PCI Test Device/QEMU${E}[1m Test\\x07Device\\xc2\\x9b\\x9b/' ../esc-pci-ids-name.ids"
esc_case osrelease 0 out 'kernel 5.11.0-38-generic\x1b[41m, root' '5.11.0-38-generic\x1b[41m' \
	"printf '5.11.0-38-generic${E}[41m\\n' >proc/sys/kernel/osrelease"
esc_case cmdline-word 0 out '(-cpu Skylake\x1b[31m\x08-Server without phys-bits' 'Skylake\x1b[31m\x08-Server' \
	"printf -- '-cpu\\0Skylake${E}[31m\\b-Server\\0' >>proc/2021/cmdline"
esc_case mtree-line 0 out 'BAR 0 mmaps[0]\x1b[31m\x08 (I/O)' 'mmaps[0]\x1b[31m\x08' \
	"sed 's/BAR 0 mmaps\\[0\\]/&${E}[31m\\x08/' \"\$top/tests/data/qemu/seed-mtree.txt\" >../esc-mtree-line.mtree" \
	--mtree "$B/t/esc-mtree-line.mtree"
esc_case link-target-err 2 err "symlink to '/etc/\\x1b[31mevil\\x0a' leads outside the sysroot" '' \
	"ln -sfn '/etc/${E}[31mevil
' $DEV/driver"
# a file name in an error: the root's own name holds ESC and a newline
d="$B/t/esc-root${E}[7m
x"
rm -rf "$d"; cp -a tests/fixtures/seed-2021 "$d"; rm "$d/$M"; mkfifo "$d/$M"
timeout 10 "$BIN" --sysroot "$d" -i tests/pci.ids >"$B/t/esc-root.out" 2>"$B/t/esc-root.err" </dev/null; rc=$?
why=$(term_check 2 $rc "$B/t/esc-root.out" "$B/t/esc-root.err" - err 'esc-root\x1b[7m\x0ax/proc/2021/maps: not a regular file (fifo)' '')
[ -z "$why" ] && ok "hostile name in the root: exit 2, $(cat "$B/t/esc-root.err")" || bad "hostile name in the root: $why"
rm -rf "$d"

# --- live, no --pid: each process's fds are listed once, its maps read only without vfio fds,
# the one chosen read in full; nothing leaks
"$BIN" -i tests/pci.ids >/dev/null 2>"$B/t/live-nopid.err" </dev/null; rc=$?
if ! grep -q Sanitizer "$B/t/live-nopid.err" && case $rc in 0|1|2|64) true;; *) false;; esac; then
	ok "live, no --pid: exit $rc, no sanitizer report"
else
	bad "live, no --pid: exit $rc: $(grep -m3 -E 'Sanitizer|iommu-map' "$B/t/live-nopid.err")"
fi

# --- live, no --pid, as nobody: the processes it cannot read are counted, with why
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$BIN"; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" >/dev/null 2>"$B/t/live-nobody.err" </dev/null; rc=$?
	if grep -Eq "^iommu-map: [0-9]+ process(es)? could not be read \([0-9]+ Permission denied: need root or CAP_SYS_PTRACE[;)]" "$B/t/live-nobody.err"; then
		ok "live, no --pid, as nobody: exit $rc, $(grep -o '[0-9]* process.* could not be read ([^)]*)' "$B/t/live-nobody.err")"
	else
		bad "live, no --pid, as nobody: exit $rc: $(head -3 "$B/t/live-nobody.err")"
	fi
else
	echo "skip live, no --pid, as nobody: needs root, setpriv and a binary nobody can run"
fi

# --- the target's life: a zombie, and one that exits while it is read: exit 2, "the target exited"
# wait_until CMD...: run CMD every 10 ms until it succeeds, for up to 30 s
# (a busy machine: check-fresh runs three stacks' suites at once); 1 if it never did
wait_until() {
	for _ in $(seq 3000); do "$@" && return 0; sleep 0.01; done
	return 1
}
comm_is() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }	# comm_is PID NAME

target_gone() {	# name pid [args...]
	local name=$1 pid=$2; shift 2
	timeout 10 "$BIN" --pid "$pid" -i tests/pci.ids "$@" >"$B/t/gone-$name.out" 2>"$B/t/gone-$name.err" </dev/null; rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$B/t/gone-$name.err")" -eq 1 ] &&
	   grep -q "^iommu-map: /proc/$pid: the target exited" "$B/t/gone-$name.err" && [ ! -s "$B/t/gone-$name.out" ]; then
		ok "target $name: exit 2, $(cat "$B/t/gone-$name.err")"
	else
		bad "target $name: exit $rc: $(head -3 "$B/t/gone-$name.err") $(head -3 "$B/t/gone-$name.out")"
	fi
}
# a child that exits and is never reaped: its parent sleeps, holding the zombie
exec 9< <(python3 -c 'import os, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
print(pid, flush=True)
time.sleep(30)')
read -r zombie <&9
wait_until grep -q '^State:.Z' /proc/$zombie/status 2>/dev/null
target_gone zombie "$zombie"
exec 9<&-
# a target that exits when we talk to it: a QMP socket whose server exits on connect,
# so it exits after its maps and fds were read and before the report
sock=$B/t/exit-on-connect.sock; rm -f "$sock"
python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c = s.accept(); os._exit(0)' "$sock" & exiter=$!	# c: closed by the exit, not before
wait_until [ -S "$sock" ]
target_gone exit-mid-run "$exiter" --qmp "$sock"
wait $exiter 2>/dev/null
# and without fds to read: the KVM state is unknown, never "TCG"
d=$B/t/no-fd; rm -rf "$d"; cp -a tests/fixtures/seed-2021 "$d"; rm -rf "$d/proc/2021/fd" "$d/iommu-map/memslots"
"$BIN" --sysroot "$d" -i tests/pci.ids >"$d.out" 2>&1; rc=$?
"$BIN" --sysroot "$d" -i tests/pci.ids explain 0xe2c20010 >>"$d.out" 2>&1
if [ $rc -eq 1 ] && ! grep -q TCG "$d.out" && grep -q "whether it uses KVM is unknown" "$d.out" &&
   grep -q "whether KVM maps it is unknown" "$d.out"; then
	ok "no proc/PID/fd: exit 1, KVM unknown, no TCG in report or explain"
else
	bad "no proc/PID/fd: exit $rc: $(grep -m3 -E 'TCG|unknown' "$d.out")"
fi

# --- leaf sizes: lab-largebar's kernel-checks with a LEAVES field written in, as
# a 6.12+ capture has it (2 MiB leaves: the 2 GiB BAR's HVA is 2 MiB-aligned) ---
d=$B/t/leaves
rm -rf "$d"; cp -a tests/fixtures/lab-largebar "$d"
sed -i 's/^\(mmap\t0x7f0367a00000\tverified\t0x80000\t0x80000\)$/\1\t2M:0x400/
	s/^\(mmap\t0x7f03f8018000\tverified\t0x1\t0x1\)$/\1\t4K:0x1/' "$d/iommu-map/kernel-checks"
"$BIN" --sysroot "$d" -i tests/pci.ids >"$d.out" 2>/dev/null
"$BIN" --sysroot "$d" -i tests/pci.ids --json >"$d.json" 2>/dev/null
if grep -q '524288/524288 pages present .*; leaves 2M x 1024)$' "$d.out" &&
   grep -q '1/1 pages present .*; leaves 4K x 1)$' "$d.out" &&
   grep -q '256/256 pages present at the BAR.s HPA, by the kernel.s page tables)$' "$d.out" &&
   [ "$(grep -c '"hpa_leaves": {' "$d.json")" = 2 ] && grep -q '"2M": "0x400"' "$d.json"; then
	ok "leaf sizes from kernel-checks: text and JSON, only where the capture has them"
else
	bad "leaf sizes from kernel-checks: $(grep -c leaves "$d.out") text lines, $(grep -c '"hpa_leaves": {' "$d.json") JSON objects"
fi

# --- several candidate processes: list them, exit 64 (EXIT_USAGE) ---
d=$B/t/two-vmms
rm -rf "$d"; cp -a tests/fixtures/seed-2021 "$d"; cp -a "$d/proc/2021" "$d/proc/2022"
"$BIN" --sysroot "$d" -i tests/pci.ids >/dev/null 2>"$d.err"; rc=$?
if [ $rc -eq 64 ] && grep -q "2 processes hold vfio devices" "$d.err" &&
   grep -q "^ *2021 " "$d.err" && grep -q "^ *2022 " "$d.err"; then
	ok "two candidate processes: listed, exit 64"
else
	bad "two candidate processes: exit $rc: $(cat "$d.err")"
fi
"$BIN" --sysroot "$d" -i tests/pci.ids --pid 2022 >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ok "two candidate processes: --pid picks one" || bad "two candidates --pid: exit $rc"

# --- live capture vs replay, on processes of this machine ---
live_vs_replay() {	# label pid [OPTION FILE KEPT]: a side input goes to the live runs and capture, not to the replay
	local label=$1 pid=$2 opt=${3:-} tr=${4:-} kept=${5:-} d=$B/t/capture-$1 side=()
	[ -n "$tr" ] && side=("$opt" "$tr")
	rm -rf "$d"
	"$BIN" --pid "$pid" -i tests/pci.ids "${side[@]}" >"$d.live" 2>"$d.live.err"; lrc=$?
	"$BIN" --pid "$pid" -i tests/pci.ids "${side[@]}" --json >"$d.live.json" 2>/dev/null
	"$BIN" capture --pid "$pid" -i tests/pci.ids "${side[@]}" -o "$d" 2>"$d.cap.err"; crc=$?
	"$BIN" --sysroot "$d" --pid "$pid" -i tests/pci.ids >"$d.replay" 2>"$d.replay.err"; rrc=$?
	"$BIN" --sysroot "$d" --pid "$pid" -i tests/pci.ids --json >"$d.replay.json" 2>/dev/null
	sed -i "1s|, root $d\$|, root /|" "$d.replay"
	sed -i "s|\"sysroot\": \"$d\"|\"sysroot\": \"/\"|" "$d.replay.json"
	# the replay names the capture's copy where the live run named the file
	[ -n "$tr" ] && sed -i "s|$kept|$tr|g" "$d.replay" "$d.replay.json"
	if [ -n "$tr" ] && ! cmp -s "$tr" "$d/$kept"; then
		bad "capture $label: $kept is not the $opt file as given"
	elif [ -n "$tr" ] && ! grep -q "$tr" "$d.live.json"; then
		bad "capture $label: the live report does not name the $opt file"
	elif [ $crc -le 1 ] && [ $lrc = $rrc ] && cmp -s "$d.live" "$d.replay" &&
	   cmp -s "$d.live.json" "$d.replay.json"; then
		ok "capture $label: live and replayed reports are identical (exit $lrc)${tr:+; the capture kept the $opt file, which the replay read}"
	else
		bad "capture $label: capture exit $crc, live exit $lrc, replay exit $rrc"
		diff -u "$d.live" "$d.replay" | head -20; diff "$d.live.json" "$d.replay.json" | head -10; cat "$d.cap.err"
	fi
}
sleep 60 & sleeper=$!
# the child is the test shell until it has exec'd sleep: wait for that
wait_until comm_is $sleeper sleep
live_vs_replay sleep $sleeper
# a second process with more fds: tail holding a file and a pipe open
tail -f /dev/null 3<tests/pci.ids 4< <(sleep 60) & tailer=$!
wait_until comm_is $tailer tail
live_vs_replay tail $tailer
live_vs_replay tail-trace $tailer --qemu-trace tests/data/qemu/trace-10.0-pid.log iommu-map/qemu-trace
# a gdb export (of another QEMU: its memslots and guest BARs, and a finding that says so)
live_vs_replay tail-gdb $tailer --gdb-export tests/fixtures-gdb/vfio-synthetic.json iommu-map/gdb-export.json
# one whose KVM slots gdb could not read: the replay's memslots say why once, as the live run's did
live_vs_replay tail-gdb-unknown $tailer --gdb-export tests/fixtures/lab-gdb-q35/gdb-export-unknown.json iommu-map/gdb-export.json
kill $tailer 2>/dev/null; wait $tailer 2>/dev/null
if [ -n "${QEMU_PID:-}" ]; then live_vs_replay qemu "$QEMU_PID"; fi

# --- capture writes only inside -o: a planted link, a non-empty -o, --force ---
cap_case() {	# name want-exit want-stderr-regex check-command [capture args...]
	local name=$1 want=$2 re=$3 check=$4; shift 4
	timeout 10 "$BIN" capture --pid $sleeper -i tests/pci.ids "$@" >/dev/null 2>"$c-$name.err" </dev/null; rc=$?
	# no regex: stderr must be empty
	if [ $rc -eq "$want" ] && { [ -z "$re" ] && [ ! -s "$c-$name.err" ] || { [ -n "$re" ] && grep -Eq "$re" "$c-$name.err"; }; } &&
	   (eval "$check"); then
		ok "capture -o $name: exit $rc${re:+, $(head -1 "$c-$name.err")}"
	else
		bad "capture -o $name: exit $rc (want $want): $(head -3 "$c-$name.err"); check: $check"
	fi
}
c=$B/t/capture-o; rm -rf "$c"; mkdir -p "$c/away" "$c/evil"; ln -s ../away "$c/evil/proc"
cap_case planted-proc-link 2 "evil: exists and is not empty" '[ -z "$(ls -A $c/away)" ] && [ -L $c/evil/proc ]' -o "$c/evil"
cap_case planted-proc-link-force 0 "" \
	'[ -z "$(ls -A $c/away)" ] && [ ! -L $c/evil/proc ] && [ -d $c/evil/proc/$sleeper ] && [ $(ls -A $c | wc -l) = 2 ]' \
	-o "$c/evil" --force
mkdir "$c/notes"; echo keep >"$c/notes/todo"
cap_case non-empty 2 "notes: exists and is not empty" '[ "$(ls -A $c/notes)" = todo ]' -o "$c/notes"
cap_case non-empty-force 2 "notes: holds 'todo', which capture does not write" '[ "$(ls -A $c/notes)" = todo ]' -o "$c/notes" --force
ln -s away "$c/link"
cap_case symlink 2 "link: is a symlink" '[ -z "$(ls -A $c/away)" ]' -o "$c/link"
mkdir "$c/empty"
cap_case empty 0 "" '[ -d $c/empty/proc/$sleeper ]' -o "$c/empty"
cap_case gone-target 2 "no such process" '[ ! -e $c/gone ]' -o "$c/gone" --pid 999999999
kill $sleeper 2>/dev/null; wait $sleeper 2>/dev/null

# --- what a capture kept of its side inputs: a fixture's iommu-map/qemu-trace and
# iommu-map/gdb-export.json (capture writes them from --qemu-trace and --gdb-export)
# are read as the option was; a given one wins; a kept copy that is not a
# regular file is bad input naming it ---
# kept_input LABEL FIXTURE OPTION KEPT SOURCE OTHER ADDR PID-ARGS FILE...: each FILE as KEPT
# in a copy of FIXTURE gives, with --sysroot alone, what FIXTURE with OPTION FILE gives (the
# report and explain ADDR, whose JSON names SOURCE); OPTION OTHER is read in place of the
# kept copy; a FIFO as KEPT is exit 2 in one line naming it
kept_input() {
	local label=$1 fx=$2 opt=$3 kept=$4 src=$5 other=$6 addr=$7 pid=$8 k=$B/t/kept-$1 f a r1 r2 rc
	shift 8
	rm -rf "$k" "$k-"*; cp -a "$fx" "$k"
	for f in "$@"; do
		cp "$f" "$k/$kept"
		for a in "" "explain $addr"; do
			# shellcheck disable=SC2086
			"$BIN" --sysroot "$k" $pid -i tests/pci.ids $a --json >"$k-kept.json" 2>&1; r1=$?
			# shellcheck disable=SC2086
			"$BIN" --sysroot "$fx" $pid -i tests/pci.ids "$opt" "$f" $a --json >"$k-given.json" 2>&1; r2=$?
			sed -i -e "s|$kept|$f|g" -e "s|\"sysroot\": \"$k\"|\"sysroot\": \"$fx\"|" "$k-kept.json"
			if [ $r1 = $r2 ] && [ $r1 -le 1 ] && grep -q "\"$src\"" "$k-given.json" &&
			   cmp -s "$k-kept.json" "$k-given.json"; then
				ok "kept $label $(basename "$f")${a:+ ($a)}: --sysroot alone == $opt (exit $r1)"
			else
				bad "kept $label $(basename "$f")${a:+ ($a)}: exit $r1 vs $r2"; diff "$k-kept.json" "$k-given.json" | head -10
			fi
		done
	done
	# shellcheck disable=SC2086
	"$BIN" --sysroot "$k" $pid -i tests/pci.ids "$opt" "$other" --json >"$k-kept.json" 2>&1
	# shellcheck disable=SC2086
	"$BIN" --sysroot "$fx" $pid -i tests/pci.ids "$opt" "$other" --json >"$k-given.json" 2>&1
	sed -i "s|\"sysroot\": \"$k\"|\"sysroot\": \"$fx\"|" "$k-kept.json"
	if cmp -s "$k-kept.json" "$k-given.json"; then ok "kept $label: a given $opt is read in its place"
	else bad "kept $label: a given $opt did not win"; diff "$k-kept.json" "$k-given.json" | head -10; fi
	rm "$k/$kept" && mkfifo "$k/$kept"
	# shellcheck disable=SC2086
	timeout 10 "$BIN" --sysroot "$k" $pid -i tests/pci.ids >/dev/null 2>"$k.err" </dev/null; rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$k.err")" = 1 ] && grep -q "$kept: not a regular file (fifo)" "$k.err"; then
		ok "kept $label as a FIFO: exit 2, $(cat "$k.err")"
	else bad "kept $label as a FIFO: exit $rc: $(head -2 "$k.err")"; fi
}
kept_input trace tests/fixtures/synthetic-6.18-q35 --qemu-trace iommu-map/qemu-trace qemu-trace \
	tests/data/qemu/trace-10.0-pid.log 0x7f1100200010 "" \
	tests/data/qemu/trace-dma-remap.log tests/data/qemu/trace-11.1-iso.log
kept_input gdb-export tests/fixtures/lab-gdb-q35 --gdb-export iommu-map/gdb-export.json gdb-export \
	tests/fixtures-gdb/vfio-synthetic.json 0xfe800010 "--pid 121" tests/fixtures/lab-gdb-q35/gdb-export.json

# --- the picture (--svg): for every fixture and paste, the SVG is well-formed (xmllint),
# renders (rsvg-convert) and its numbers are those of the JSON of the same run
# (tests/svg-check.py); usage and write errors ---
svg_check() {	# label out args...
	local label=$1 o=$2; shift 2
	"$BIN" "$@" --svg "$o.svg" --json >"$o.json" 2>"$o.err"; rc=$?
	if [ $rc -gt 1 ] || grep -qE 'Sanitizer|runtime error' "$o.err"; then
		bad "svg $label: exit $rc: $(head -3 "$o.err")"
	elif ! out=$(xmllint --noout "$o.svg" 2>&1); then
		bad "svg $label: not well-formed: $(echo "$out" | head -3)"
	elif ! out=$(rsvg-convert -o "$o.png" "$o.svg" 2>&1); then
		bad "svg $label: does not render: $(echo "$out" | head -3)"
	elif ! out=$(python3 tests/svg-check.py "$o.svg" "$o.json" 2>&1); then
		bad "svg $label: not the JSON's numbers:"; echo "$out" | head -10
	else
		ok "svg $label: $out"
	fi
}
for fx in tests/fixtures/*/; do
	fx=$(basename "$fx")
	svg_check "$fx" "$B/t/svg-$fx" --sysroot "tests/fixtures/$fx" -i tests/pci.ids
done
# each paste by its first case, less --mtree (which annotates instead of the report);
# not those whose case fails by design (exit 2) or is --mtree alone
for cases in tests/pastes/*/cases; do
	pd=$(basename "$(dirname "$cases")")
	line=$(grep -v '^#' "$cases" | grep -m1 .)
	args=$(echo "$line" | cut -f2 | sed -E 's/--mtree [^ ]+ ?//')
	grep -q '^\[exit [01]\]$' "tests/pastes/$pd/expected/$(echo "$line" | cut -f1).err" && [ -n "${args// }" ] || continue
	# shellcheck disable=SC2086
	svg_check "paste $pd" "$B/t/svg-paste-$pd" $args
done
if [ -s "$IM_TEST_SVG_OUT" ] && out=$(xmllint --noout "$IM_TEST_SVG_OUT" 2>&1); then
	ok "svg: the picture of hostile names and sentences (test-svg) is well-formed"
else
	bad "svg: the picture of hostile names (test-svg): ${out:-not written}"
fi
"$BIN" --sysroot tests/fixtures/seed-2021 -i tests/pci.ids --svg - --json >/dev/null 2>&1
[ $? = 64 ] && ok "svg: --svg - with --json is a usage error" || bad "svg: --svg - with --json"
"$BIN" --sysroot tests/fixtures/seed-2021 -i tests/pci.ids explain 0x1000 --svg "$B/t/x.svg" >/dev/null 2>&1
[ $? = 64 ] && ok "svg: --svg with explain is a usage error" || bad "svg: --svg with explain"
"$BIN" --sysroot tests/fixtures/seed-2021 -i tests/pci.ids --svg "$B/t/no-such-dir/x.svg" >"$B/t/svg-nodir.out" 2>"$B/t/svg-nodir.err"; rc=$?
if [ $rc = 2 ] && [ "$(wc -l <"$B/t/svg-nodir.err")" = 1 ] && grep -q "^iommu-map: --svg: .*no-such-dir/x.svg: No such file or directory" "$B/t/svg-nodir.err"; then
	ok "svg: a FILE that cannot be written: exit 2, $(cat "$B/t/svg-nodir.err")"
else
	bad "svg: a FILE that cannot be written: exit $rc: $(head -3 "$B/t/svg-nodir.err")"
fi

# --- the JSON contract: every JSON golden, the watch events the unit tests printed,
# the hand-written events of every kind, and the live JSON above, against
# schema/iommu-map-1.schema.json with python3-jsonschema (Debian's: tests/deps.sh) ---
json_files=()
for f in tests/expected/*/*.out tests/pastes/*/expected/*.out tests/data/qemu/*.expected.json \
	 tests/data/watch-events.jsonl "$IM_TEST_JSON_DIR"/*.jsonl "$B"/t/leaves.json "$B"/t/capture-*.json; do
	[ -s "$f" ] && [ "$(head -c1 "$f")" = "{" ] && json_files+=("$f")
done
# test-watch-poll always prints events (test-watch needs ptrace and may skip)
[ -s "$IM_TEST_JSON_DIR/watch-poll.jsonl" ] ||
	bad "schema: test-watch-poll wrote no events to $IM_TEST_JSON_DIR/watch-poll.jsonl"
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
out=$($PY tests/schema-check.py "${json_files[@]}" 2>&1); rc=$?
p=$(echo "$out" | grep -c '^ok '); f=$(echo "$out" | grep -c '^FAIL ')
pass=$((pass + p)); fail=$((fail + f))
[ $rc -ne 0 ] && [ "$f" -eq 0 ] && bad "schema-check.py: exit $rc: $(echo "$out" | tail -3)"
echo "$out" | grep '^FAIL '
echo "schema: $p passed, $f failed ($(echo "$out" | grep -o '[0-9]* documents in [0-9]* files'))"

# --- three states: no golden says "no"/"not" about what a source that is
# not ok would have told (tests/property/unknown-not-no.py) ---
out=$($PY tests/property/unknown-not-no.py "$BIN" 2>&1); rc=$?
p=$(echo "$out" | grep -c '^ok '); f=$(echo "$out" | grep -c '^FAIL ')
pass=$((pass + p)); fail=$((fail + f))
[ $rc -ne 0 ] && [ "$f" -eq 0 ] && bad "unknown-not-no.py: exit $rc: $(echo "$out" | tail -3)"
echo "$out"

# --- bash completion, make install / uninstall, and live consistency on a churning
# target (tests/live/churn.c): scripts of their own ---
for s in tests/completion/run.sh tests/install/run.sh tests/live/run.sh tests/version/run.sh; do
	if [ $UPDATE = 1 ] && [ $s = tests/install/run.sh ]; then out=$($s --update 2>&1); else out=$($s "$BIN" "$B/churn" 2>&1); fi
	echo "$out"
	pass=$((pass + $(echo "$out" | grep -c '^ok '))); fail=$((fail + $(echo "$out" | grep -c '^FAIL ')))
done

# --- check-watch's own build (tests/watch/Makefile lists the sources it links): it must
# still link after a change to them, or check-watch fails only in CI
if out=$(make -s -C tests/watch O="$PWD/$B/watch-build" 2>&1); then
	ok "tests/watch builds (its list of sources is whole)"
else
	bad "tests/watch does not build: $(echo "$out" | grep -m3 -E 'error|undefined')"
fi

# --- the lab's watchdog (tests/lab/wedge.py), on saved L1 consoles: CI's wedged
# L1 (RCU stalls for 14 minutes) is called wedged, as is one that reported stalls
# and then fell silent; a stall that clears is not ---
wedge() {	# console env want
	local got; got=$(env $2 $PY tests/lab/wedge.py --replay "tests/data/lab/$1")
	case "$got" in "$3"*) ok "lab watchdog: $1 ${2:+($2) }-> $got" ;;
	*) bad "lab watchdog: $1 ${2:+($2) }-> '$got', want '$3...'" ;; esac
}
wedge wedged-console.txt "" "wedged at line 32 (kernel time 337.9 s): the kernel reported stalls for 277 s"
wedge wedged-console.txt "LAB_WEDGE_STALL=600 LAB_WEDGE_SILENCE=400" "wedged at line 40 (kernel time 400.9 s): no progress line for 401 s"
wedge stall-clears-console.txt "" "not wedged"
wedge stall-then-quiet-console.txt "" "wedged at line 24 (kernel time 500.0 s): the kernel reported stalls (4 stall lines), then no progress line for 439 s"
wedge stall-clears-console.txt LAB_WEDGE_SILENCE=200 "wedged at line 33 (kernel time 385.0 s): no progress line for 300 s"

# --- the fuzz ledger (tests/fuzz/ledger, which make fuzz-long resumes from): each
# line names a target that exists, and its CODE is the trees of src/, include/ and
# the target at its COMMIT, so a run cannot be counted toward code it did not run ---
lbad=0 lines=0 unchecked=0
while read -r name code runs secs date commit rest; do
	case "$name" in ''|'#'*) continue ;; esac
	lines=$((lines + 1))
	if [ ! -f "tests/fuzz/$name.c" ] || [ -n "$rest" ] || [ -z "$commit" ] ||
	   ! [[ "$code" =~ ^[0-9a-f]{12}-[0-9a-f]{12}-[0-9a-f]{12}$ && "$runs$secs" =~ ^[0-9]+$ ]]; then
		bad "tests/fuzz/ledger: a malformed line: $name $code $runs $secs $date $commit $rest"; lbad=1
	elif ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
		unchecked=$((unchecked + 1))	# a shallow clone: the commit is not here
	elif [ "$code" != "$(git rev-parse --short=12 "$commit:src")-$(git rev-parse --short=12 "$commit:include")-$(git rev-parse --short=12 "$commit:tests/fuzz/$name.c")" ]; then
		bad "tests/fuzz/ledger: $name at $commit: its code $code is not that commit's"; lbad=1
	fi
done <tests/fuzz/ledger
msg=; [ $unchecked -gt 0 ] && msg=" ($unchecked of them at commits not in this clone: not checked)"
[ $lbad = 0 ] && ok "tests/fuzz/ledger: $lines lines, each a target's with the code of its commit$msg"
st=$(tests/fuzz/run.sh --status); n=$(ls tests/fuzz/fuzz-*.c | wc -l)
if [ "$(echo "$st" | grep -c '^fuzz-')" = "$n" ] &&
   echo "$st" | grep -Eq '^fuzz-vtd-cap .* 10000000 +9cad341$'; then
	ok "make fuzz-status: a line for each of the $n targets (vtd-cap: 10M at 9cad341, as its ledger line says)"
else
	bad "make fuzz-status: want a line for each of $n targets, and vtd-cap's 10M at 9cad341"; echo "$st" | head -5
fi

# --- the man page ---
for m in man/*.8; do
	if out=$(mandoc -Tlint -W warning "$m" 2>&1) && [ -z "$out" ]; then
		ok "mandoc -Tlint $m"
	else
		bad "mandoc -Tlint $m"; echo "$out" | head
	fi
	# a quote macro's scope is the rest of its line, so ".Pq Ql a , Ql b"
	# nests the second in the first: "(‘a, ‘b’’)", which lint passes
	nested=$(mandoc -Tutf8 "$m" | sed "s/.\x08//g" | grep "‘[^’]*‘")
	if [ -z "$nested" ]; then
		ok "$m: no quote opened inside another (as '.Pq Ql a , Ql b' gives)"
	else
		bad "$m: $(echo "$nested" | wc -l) rendered lines with a quote opened inside another:"
		echo "$nested" | head -3
	fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
