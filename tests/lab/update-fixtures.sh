#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# update-fixtures.sh OUTDIR SCENARIO...: turn the lab's `iommu-map capture`
# of each scenario (OUTDIR/<scenario>/capture.tar, written in L1) into
# tests/fixtures/lab-<scenario>/ and its golden cases and output in
# tests/expected/lab-<scenario>/, the layout tests/run.sh reads.
# Called by `tests/lab/run.sh --update-fixtures`; review the diff, and commit
# golden updates on their own.  FIXTURE_TAG=6.12 names them
# lab-6.12-<scenario> instead (the stacks other than bookworm's 6.1).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$1; shift
BIN=${IOMMU_MAP:-$REPO/build/iommu-map}
cd "$REPO"
export LC_ALL=C TZ=UTC
[ -x "$BIN" ] || { echo "update-fixtures: $BIN not built" >&2; exit 1; }
for sc in "$@"; do
	src=$OUT/$sc
	[ -s "$src/capture.tar" ] || { echo "update-fixtures: no capture for $sc" >&2; exit 1; }
	name=lab-${FIXTURE_TAG:+$FIXTURE_TAG-}$sc
	fx=tests/fixtures/$name
	ex=tests/expected/$name
	tmp=$(mktemp -d)
	tar -C "$tmp" -xf "$src/capture.tar"
	rm -rf "$fx" "$ex"
	mv "$tmp/capture" "$fx"
	rmdir "$tmp"
	mkdir -p "$ex"
	pid=$(cat "$src/pid")
	# A capture without memslots (no kmod, no trace source in this build)
	# gets the final state of QEMU's kvm_set_user_memory trace of the same
	# run, which the lab checked against info mtree -f; the README says so.
	slots_note="iommu-map/memslots: written by \`iommu-map capture\`."
	if [ ! -s "$fx/iommu-map/memslots" ] && grep -q '^[0-9]' "$src/memslots-from-trace" 2>/dev/null; then
		mkdir -p "$fx/iommu-map"
		cp "$src/memslots-from-trace" "$fx/iommu-map/memslots"
		rm -f "$fx/iommu-map/memslots.status"
		slots_note="iommu-map/memslots: the capture had none ($(cat "$src/capture.status" 2>/dev/null || echo 'no memslot source')); tests/lab wrote the final state of QEMU's kvm_set_user_memory trace of the same run, checked against info mtree -f."
	fi
	bars=$src/oracle-bars.json
	[ -f "$src/oracle-bars-after-move.json" ] && bars=$src/oracle-bars-after-move.json
	# Three readings of one BAR (GPA, HVA, HPA), and the sub-page BAR if any.
	picks=$(/usr/bin/python3 - "$bars" <<'PY'
import json, sys
bars = [b for b in json.load(open(sys.argv[1])) if b.get("hva_base")]
if bars:
    b = bars[0]
    print("explain-gpa\t0x%x" % (b["first_mapped"] + 0x10))
    print("explain-hva\t0x%x" % (b["hva_base"] + 0x10))
    if b.get("hpa"):
        print("explain-hpa\t0x%x" % (b["hpa"] + 0x10))
for b in bars:
    if b["size"] < 0x1000:
        print("explain-subpage-gpa\t0x%x" % (b["gpa"] + b["size"] // 2))
        break
PY
)
	{
		printf 'report\t--pid %s\n' "$pid"
		printf 'report-json\t--pid %s --json\n' "$pid"
		echo "$picks" | while IFS=$'\t' read -r name addr; do
			[ -n "$name" ] || continue
			printf '%s\texplain %s --pid %s\n' "$name" "$addr" "$pid"
			printf '%s-json\texplain %s --pid %s --json\n' "$name" "$addr" "$pid"
		done
	} > "$ex/cases"
	while IFS=$'\t' read -r name args; do
		# same command line as tests/run.sh golden()
		# shellcheck disable=SC2086
		"$BIN" --sysroot "$fx" -i tests/pci.ids $args >"$ex/$name.out" 2>"$ex/$name.err" &&
			rc=0 || rc=$?
		echo "[exit $rc]" >>"$ex/$name.err"
		# goldens hold the version as a placeholder, as tests/run.sh compares them
		v=$("$BIN" --version | awk '{print $2}')
		sed -i "s/\"version\": \"$v\"/\"version\": \"@VERSION@\"/" "$ex/$name.out"
	done < "$ex/cases"
	cmd=$(sed 's/^timeout -s KILL [0-9]* //' "$src/cmdline.txt" 2>/dev/null || true)
	cat > "$fx/README.md" <<EOR
# $name

Written by \`iommu-map capture\` in the lab (tests/lab/run.sh $sc --update-fixtures):
Debian $(cat "$fx/proc/sys/kernel/osrelease" 2>/dev/null) in L1 under TCG with an emulated VT-d,
the devices bound to vfio-pci, and an inner $(qemu-system-x86_64 --version | head -n 1) (pid $pid):

    $cmd

$slots_note

QEMU's answers of the same run (query-pci, gpa2hva, info mtree -f, the trace)
are what tests/lab checked iommu-map's live report against.
EOR
	n=$(find "$fx" -type f | wc -l)
	echo "update-fixtures: $fx ($n files, $(du -sk "$fx" | cut -f1) KiB), $ex ($(wc -l < "$ex/cases") cases)"
done
