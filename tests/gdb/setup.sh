#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/setup.sh - install what the gdb tests need and build (once per
# qemu package version) a types-only DWARF object for Debian's stripped
# qemu-system-x86_64.
#
# Installs (apt-get, --no-install-recommends):
#   qemu-system-x86 gdb python3 python3-venv build-essential pkg-config
#   ninja-build meson libglib2.0-dev libpixman-1-dev libfdt-dev dpkg-dev
# Fetches Debian's qemu source package through a private deb-src list made
# from every deb line of the system's apt sources, in both formats
# (/etc/apt/sources.list and *.list one-line, *.sources deb822); the
# system's apt configuration is left alone.
#
# The source is the installed package's own when the mirror has it.  When
# it does not (the mirror lists qemu 11.1.3's source but serves 404 for
# it), the nearest version that can be fetched from the system's suites
# and the archive's ${IM_QEMU_SRC_SUITE-unstable} (empty: none) is used
# instead: the newest older one, else the oldest newer one (for 11.1.3:
# 10.2.2 from unstable).  Then a WARNING goes to stderr and the version
# used is written to the file 'source' beside types.o, for run.sh to show;
# the layouts are checked there against the binary and the run.  The
# source directory, $CACHE/src, is kept for the next types recipe and for
# build-debug.sh.
#
# Cache: ${IM_CACHE:-/var/cache/iommu-map}/qemu-types-<version>-r<N>/
#   types.o    the object (add-symbol-file types.o 0)
#   source     the qemu source version it was compiled from
#   installed  the qemu-system-x86 version it is for
# Prints the path of types.o on the last line of stdout.
# --cached only prints it, when it is already built (exit 1 otherwise).
set -euo pipefail

CACHE=${IM_CACHE:-/var/cache/iommu-map}
PKGS=(qemu-system-x86 gdb python3 python3-venv build-essential pkg-config
      ninja-build meson libglib2.0-dev libpixman-1-dev libfdt-dev dpkg-dev
      )
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export DEBIAN_FRONTEND=noninteractive
here=$(cd "$(dirname "$0")" && pwd)

log() { echo "setup: $*" >&2; }

types_dir() {
	ver=$(dpkg-query -W -f='${Version}' qemu-system-x86)
	srcver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86)
	key=$(echo "$ver" | tr ':~+' '_._')
	# Bump RECIPE when types.c or the way it is built changes.
	RECIPE=4
	dir=$CACHE/qemu-types-$key-r$RECIPE
}
# --cached: print the cached object's path (exit 1 when there is none);
# installs and builds nothing (tests/lab/run.sh uses it).
if [[ ${1:-} == --cached ]]; then
	types_dir 2>/dev/null || exit 1
	[[ -s $dir/types.o ]] || exit 1
	echo "$dir/types.o"
	exit 0
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
	apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

types_dir
mkdir -p "$CACHE"
# One setup at a time per cache: runs side by side share $CACHE/src.
exec 9>"$CACHE/setup.lock"
flock 9

if [[ -s $dir/types.o ]]; then
	log "cached: $dir/types.o (qemu $ver, types from qemu $(cat "$dir/source" 2>/dev/null || echo "$srcver") source)"
	echo "$dir/types.o"
	exit 0
fi

# --- a private deb-src configuration ---------------------------------------
# src_lists [SUITE]: write $apt_dir/parts/ from the system's deb lines as
# deb-src; with SUITE, also that suite of every archive they name (not the
# security archive), for the source the system's own suites do not have.
# A frozen mirror's unstable has an expired Release: its signature and
# hashes are still checked, its Valid-Until is not.
apt_dir=$CACHE/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/parts"
src_lists() {
	local extra=${1:-} f
	rm -f "$apt_dir"/parts/*
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		# "deb [opts] URI SUITE COMP..." -> "deb-src [opts] URI ..."
		sed -n 's/^[[:space:]]*deb\([[:space:]]\)/deb-src\1/p' "$f"
	done | awk -v extra="$extra" '
		{ print }
		extra != "" {
			i = 2
			if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if ($i ~ /security/) next
			opts = ""
			for (k = 2; k < i; k++) opts = opts " " $k
			if (opts == "") opts = " [check-valid-until=no]"
			else sub(/\[/, "[check-valid-until=no ", opts)
			print "deb-src" opts " " $i " " extra " main"
		}' | awk '!seen[$0]++' >"$apt_dir/parts/deb-src.list"
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		# deb822: a stanza whose Types has deb gets Types: deb-src (same
		# URIs, Suites, Components, Signed-By, Enabled); others are left out.
		awk -v extra="$extra" 'BEGIN { RS = ""; FS = "\n" }
		{
			keep = 0; out = ""; more = ""; sec = 0
			for (i = 1; i <= NF; i++) {
				line = $i
				if (line ~ /^Types:/) {
					n = split(substr(line, 7), t, /[ \t]+/)
					for (k = 1; k <= n; k++) if (t[k] == "deb") keep = 1
					line = "Types: deb-src"
				}
				if (line ~ /^URIs:/ && line ~ /security/) sec = 1
				out = out line "\n"
				if (line ~ /^Suites:/) line = "Suites: " extra
				else if (line ~ /^Components:/) line = "Components: main"
				more = more line "\n"
			}
			if (keep) printf "%s\n", out
			if (keep && extra != "" && !sec)
				printf "%sCheck-Valid-Until: no\n\n", more
		}' "$f"
	done >"$apt_dir/parts/deb-src.sources"
	[[ -s $apt_dir/parts/deb-src.sources ]] || rm -f "$apt_dir/parts/deb-src.sources"
	[[ -s $apt_dir/parts/deb-src.list ]] || rm -f "$apt_dir/parts/deb-src.list"
	if ! ls "$apt_dir"/parts/* >/dev/null 2>&1; then
		log "no deb line in /etc/apt/sources.list{,.d/*.list,.d/*.sources}: cannot fetch qemu's source"
		exit 1
	fi
	apt-get "${aptopt[@]}" update -qq >&2 ||
		log "apt-get update of the deb-src lists failed; trying what is known"
}
aptopt=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/parts"
	-o "Dir::State::Lists=$apt_dir/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)

# candidates: the qemu source versions to try, nearest first: the
# installed one, then older ones newest first, then newer ones oldest
# first.
candidates() {
	local v older=() newer=() i j t
	for v in $(apt-cache "${aptopt[@]}" showsrc qemu 2>/dev/null |
		sed -n 's/^Version: //p' | sort -u); do
		[[ $v == "$srcver" ]] && continue
		if dpkg --compare-versions "$v" lt "$srcver"; then older+=("$v"); else newer+=("$v"); fi
	done
	# insertion sorts with dpkg's ordering (a handful of versions)
	for ((i = 1; i < ${#older[@]}; i++)); do
		for ((j = i; j > 0; j--)); do
			dpkg --compare-versions "${older[j-1]}" lt "${older[j]}" || break
			t=${older[j]}; older[j]=${older[j-1]}; older[j-1]=$t
		done
	done
	for ((i = 1; i < ${#newer[@]}; i++)); do
		for ((j = i; j > 0; j--)); do
			dpkg --compare-versions "${newer[j-1]}" gt "${newer[j]}" || break
			t=${newer[j]}; newer[j]=${newer[j-1]}; newer[j-1]=$t
		done
	done
	printf '%s\n' "$srcver" "${older[@]}" "${newer[@]}"
}

# fetch_source [exact]: download the nearest qemu source the lists offer
# (with exact, only the installed one's) into $CACHE/src/dl; sets got.
# Versions that failed once are not retried.
declare -A tried=()
fetch_source() {
	local v
	got=
	for v in $(if [[ ${1:-} == exact ]]; then echo "$srcver"; else candidates; fi); do
		[[ -n ${tried[$v]:-} ]] && continue
		tried[$v]=1
		rm -rf "$CACHE/src/dl"
		mkdir -p "$CACHE/src/dl"
		if (cd "$CACHE/src/dl" && apt-get "${aptopt[@]}" source -qq --download-only "qemu=$v" >&2 2>"$CACHE/src/dl.err"); then
			got=$v
			return 0
		fi
		log "qemu=$v source: cannot be fetched: $( (grep -m1 -E '404|^E:' "$CACHE/src/dl.err" || tail -1 "$CACHE/src/dl.err") | cut -c1-200)"
	done
	return 1
}

# --- the source tree ---------------------------------------------------------
# $CACHE/src holds one unpacked version; $CACHE/src/version says which
# source version it is and $CACHE/src/for which installed version.
mkdir -p "$CACHE/src"
srcdir=$(ls -d "$CACHE"/src/qemu-*/ 2>/dev/null | head -1 || true)
if [[ -z $srcdir || $(cat "$CACHE/src/for" 2>/dev/null) != "$ver" ]]; then
	rm -rf "$CACHE/src"
	mkdir -p "$CACHE/src"
	log "fetching the qemu source for qemu-system-x86 $ver (source $srcver)"
	src_lists
	if ! fetch_source exact; then
		# Not to be had from the system's suites: take the nearest
		# version of those and of the archive's $IM_QEMU_SRC_SUITE
		# (default unstable; empty: the system's suites only).
		extra=${IM_QEMU_SRC_SUITE-unstable}
		log "qemu $srcver source cannot be had; looking for the nearest version${extra:+ (also in $extra)}"
		[[ -z $extra ]] || src_lists "$extra"
		fetch_source || true
	fi
	if [[ -z $got ]]; then
		log "no qemu source package can be fetched from the apt sources"
		exit 1
	fi
	(cd "$CACHE/src/dl" && dpkg-source -x ./*.dsc "$CACHE/src/qemu-${got#*:}" >&2) ||
		{ log "dpkg-source -x failed"; exit 1; }
	rm -rf "$CACHE/src/dl" "$CACHE/src/dl.err"
	echo "$got" >"$CACHE/src/version"
	echo "$ver" >"$CACHE/src/for"
	srcdir=$CACHE/src/qemu-${got#*:}/
fi
srcdir=${srcdir%/}
usedver=$(cat "$CACHE/src/version")
if [[ $usedver != "$srcver" ]]; then
	log "WARNING: the source of qemu $srcver (installed qemu-system-x86 $ver) is not on the mirror; the types come from qemu $usedver source instead"
fi

# --- configure ---------------------------------------------------------------
bdir=$srcdir/build-types
if [[ ! -f $bdir/build.ninja || ! -f $bdir/compile_commands.json ]]; then
	log "configuring $srcdir"
	rm -rf "$bdir"
	mkdir -p "$bdir"
	confopt=(--target-list=x86_64-softmmu --without-default-features
		--enable-kvm --enable-tcg --enable-debug-info --disable-werror
		--disable-docs --disable-tools --disable-user --disable-install-blobs)
	# gone from configure by QEMU 10
	grep -q -- '--with-git-submodules' "$srcdir/configure" &&
		confopt+=(--with-git-submodules=ignore)
	(cd "$bdir" && PATH=/usr/bin:$PATH ../configure "${confopt[@]}" \
		>configure.log 2>&1) || { tail -20 "$bdir/configure.log" >&2; exit 1; }
fi

# The qapi and trace headers memory.h and friends pull in.
log "generating headers"
(cd "$bdir" && ninja -j2 qapi/qapi-types.h qapi/qapi-builtin-types.h \
	qapi/qapi-visit.h qapi/qapi-events.h qapi/qapi-commands.h \
	trace/trace-root.h >&2 2>/dev/null) ||
	(cd "$bdir" && ninja -j2 $(ninja -t targets all | sed -n 's/^\(qapi\/[^:]*\.h\):.*/\1/p;s/^\(trace\/[^:]*\.h\):.*/\1/p' | tr '\n' ' ') >&2)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/types.c" "$tmp/types.c"
# AddrRange and FlatRange are private to memory.c (softmmu/ up to 8.x,
# system/ later): copy their definitions from this very source tree, so
# the layout is the installed QEMU's own.
memc=$srcdir/system/memory.c
[[ -f $memc ]] || memc=$srcdir/softmmu/memory.c
{
	grep -m1 '^typedef struct AddrRange AddrRange;' "$memc" || true
	awk '/^struct (AddrRange|FlatRange) \{/,/^\};/' "$memc"
} >"$tmp/memory-private.h"
grep -q 'struct FlatRange {' "$tmp/memory-private.h" ||
	{ log "no struct FlatRange in $memc"; exit 1; }

# Compile types.c exactly as QEMU's build compiles a per-target unit
# (accel/kvm/kvm-all.c): its defines (NEED_CPU_H up to 9.x,
# COMPILING_PER_TARGET later, CONFIG_TARGET, CONFIG_DEVICES) and include
# paths, from meson's compile_commands.json; plus -O0 -g and
# -fno-eliminate-unused-debug-types so every type reaches the DWARF.
if ! python3 - "$bdir/compile_commands.json" "$tmp" >"$tmp/cc.sh" <<'EOF'
import json, shlex, sys
db, tmp = sys.argv[1:3]
for e in json.load(open(db)):
    if e["file"].endswith("accel/kvm/kvm-all.c") and "x86_64-softmmu" in e["output"]:
        break
else:
    sys.exit("no per-target compile of accel/kvm/kvm-all.c in " + db)
argv = e.get("arguments") or shlex.split(e["command"])
out, skip = [argv[0]], False
for a in argv[1:]:
    if skip:
        skip = False
    elif a in ("-o", "-MF", "-MQ", "-MT", "-c"):
        skip = True
    elif a in ("-MD", "-MMD") or a.startswith("-Werror") or a == e["file"] or a.endswith("kvm-all.c"):
        pass
    else:
        out.append(a)
out += ["-O0", "-g", "-fno-eliminate-unused-debug-types", "-U_FORTIFY_SOURCE",
        "-iquote", tmp, "-c", tmp + "/types.c", "-o", tmp + "/types.o"]
print("cd %s && %s" % (shlex.quote(e["directory"]), shlex.join(out)))
EOF
then
	log "cannot read the compile flags from $bdir/compile_commands.json"
	exit 1
fi
log "compiling types.c from qemu $usedver"
bash "$tmp/cc.sh" >&2 || { log "types.c does not compile: $(cat "$tmp/cc.sh")"; exit 1; }
mkdir -p "$dir"
mv "$tmp/types.o" "$dir/types.o.new"
echo "$usedver" >"$dir/source"
echo "$ver" >"$dir/installed"
mv "$dir/types.o.new" "$dir/types.o"
log "built $dir/types.o"
echo "$dir/types.o"
