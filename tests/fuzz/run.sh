#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fuzz/run.sh [SECONDS]: build each tests/fuzz/fuzz-*.c with clang's
# libFuzzer and ASan/UBSan, and run it for SECONDS (default 60) on a corpus
# seeded from the fixtures.  Prints one line per target and exits non-zero
# on a crash.
set -u
cd "$(dirname "$0")/../.."
secs=${1:-60}
B=build-fuzz
mkdir -p $B
make -s B=$B CC=clang CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined' $B/libiommu-map.a || exit 2
pkg="$(pkg-config --cflags --libs libpci json-c)"
status=0
for src in ${FUZZ_TARGETS:-tests/fuzz/fuzz-*.c}; do
	name=$(basename "$src" .c)
	extra=$(sed -n 's|^/\* link: \(.*\) \*/$|\1|p' "$src")
	if ! clang -O1 -g -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -Isrc -Iinclude \
		-o $B/$name "$src" $extra $B/libiommu-map.a $pkg; then
		echo "FAIL $name: does not build"; status=1; continue
	fi
	corpus=$B/corpus-$name
	mkdir -p "$corpus"
	seeds=$(sed -n 's|^/\* seeds: \(.*\) \*/$|\1|p' "$src")
	for f in ${seeds:-tests/fixtures/*/proc/*/maps tests/fixtures/*/iommu-map/memslots}; do
		[ -f "$f" ] && cp "$f" "$corpus/$(echo "$f" | tr / _)"
	done
	out=$($B/$name -max_total_time="$secs" -rss_limit_mb=2048 "$corpus" 2>&1); rc=$?
	execs=$(echo "$out" | grep -o 'stat::number_of_executed_units: [0-9]*' | grep -o '[0-9]*$')
	[ -z "$execs" ] && execs=$(echo "$out" | grep -Eo '^#[0-9]+' | tail -1 | tr -d '#')
	if [ $rc -eq 0 ]; then
		echo "ok $name: ${secs}s, ${execs:-?} runs, no crash"
	else
		echo "FAIL $name: exit $rc"; echo "$out" | grep -E 'ERROR|SUMMARY' | head -5; status=1
	fi
done
exit $status
