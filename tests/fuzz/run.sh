#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fuzz/run.sh [SECONDS | --runs N [SECONDS] | --status]: build each tests/fuzz/fuzz-*.c with
# clang's libFuzzer and ASan/UBSan, and run it for SECONDS (default 60) or
# for N executions, or SECONDS first if given (make fuzz-long: 10,000,000,
# with no time limit unless FUZZ_LONG_MAX is set) on a corpus of its own seeds:
# the files its "/* seeds: ... */" line names (or "// seeds: ...", for a
# glob holding "*/") and those in tests/fuzz/seeds/NAME/
# (fuzz-NAME.c).  A target with no seed is an error.  FUZZ_TARGETS picks
# targets, FUZZ_JOBS (default 2) how many run at once.  A target's
# "/* options: ... */" line adds libFuzzer options.  Prints one line per
# target (runs, runs/s; "stopped before N runs" when it ended early, as on
# SIGUSR1 to the fuzzer, libFuzzer's graceful exit with its counts) and
# "fuzz: N passed, N failed"; exits non-zero on a
# crash, a leak or a target that does not build.  A crash leaves the input
# in build-fuzz/crash-NAME-*: fix the parser, then keep the input as a seed
# in tests/fuzz/seeds/NAME/ and add a unit test.
# --runs resumes: a run on code that is HEAD's (the trees of src/ and
# include/ and the target's file) is recorded in tests/fuzz/ledger, a file
# kept in git (commit its new lines), and a later --runs on the same code,
# on any machine, runs only what is left of N, from the corpus an earlier
# run left in build-fuzz/ if there is one; its line says the total.  A crash
# or a run on changed code is recorded in no ledger.  --status prints, per
# target, the ledger's runs on this code and the most on any one code.
set -u
cd "$(dirname "$0")/../.."
B=build-fuzz
limit=(-max_total_time="${1:-60}")
what="${1:-60} s"
runs=
if [ "${1:-}" = --runs ]; then	# --runs N [SECONDS]: N runs, or SECONDS first
	limit=(-runs="${2:?--runs N [SECONDS]}")
	runs=$2
	what="to ${2} runs"
	[ -n "${3:-}" ] && limit+=(-max_total_time="$3") && what+=" or ${3} s"
fi
targets=(${FUZZ_TARGETS:-tests/fuzz/fuzz-*.c})

# build: 0 or 1 in $B/status-NAME
build() {
	local src=$1 name extra
	name=$(basename "$src" .c)
	extra=$(sed -n 's|^/\* link: \(.*\) \*/$|\1|p' "$src")
	if clang -O1 -g -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -Isrc -Iinclude \
		-o $B/$name "$src" $extra $B/libiommu-map.a $pkg 2>$B/log-$name; then
		echo 0 >$B/status-$name
	else
		echo "FAIL $name: does not build"; cat $B/log-$name; echo 1 >$B/status-$name
	fi
}

# the corpus: the target's own seeds only; an empty corpus is an error
seed() {
	local src=$1 name corpus f seeds n=0
	name=$(basename "$src" .c)
	corpus=$B/corpus-$name
	mkdir -p "$corpus"
	rm -f "$corpus/.noseed"
	seeds=$(sed -n -e 's|^/\* seeds: \(.*\) \*/$|\1|p' -e 's|^// seeds: \(.*\)$|\1|p' "$src")
	for f in $seeds tests/fuzz/seeds/${name#fuzz-}/*; do
		[ -f "$f" ] || continue
		cp "$f" "$corpus/seed-$(echo "$f" | tr / _)"
		n=$((n + 1))
	done
	[ $n -gt 0 ] && return 0
	echo "FAIL $name: no seeds (a seeds: line or tests/fuzz/seeds/${name#fuzz-}/)"
	touch "$corpus/.noseed"
}

# the code a target runs, as git names it: the trees of src/ and include/ and
# the target's file at HEAD, or nothing when any of them differs from HEAD
code_id() {
	git diff --quiet HEAD -- src include "tests/fuzz/$1.c" 2>/dev/null || return 0
	local p ids=()
	for p in src include "tests/fuzz/$1.c"; do
		ids+=("$(git rev-parse --short=12 "HEAD:$p" 2>/dev/null)") || return 0
	done
	(IFS=-; echo "${ids[*]}")
}

# runs recorded in tests/fuzz/ledger for that target and code (fuzz-long):
# one line a run, "NAME CODE RUNS SECONDS DATE COMMIT", "#" a comment
LEDGER=tests/fuzz/ledger
ledger_runs() {
	[ -n "$2" ] && [ -f "$LEDGER" ] || { echo 0; return; }
	awk -v name="$1" -v id="$2" '$1 == name && $2 == id { n += $3 } END { print n + 0 }' "$LEDGER"
}

run() {
	local name=$1 out rc execs rate t0 t tmp opts id prior=0
	[ "$(cat $B/status-$name)" = 0 ] || return 0
	opts=$(sed -n 's|^/\* options: \(.*\) \*/$|\1|p' tests/fuzz/$name.c)
	# fuzz-long resumes: the runs an earlier fuzz-long made on this same code
	# (its corpus kept in $B) count toward N, and only the rest are run
	if [ -n "${runs:-}" ]; then
		id=$(code_id "$name")
		prior=$(ledger_runs "$name" "$id")
		if [ "$prior" -ge "$runs" ]; then
			printf 'ok %s: %s runs on this code already (%s, %s), none run\n' "$name" "$prior" "$id" "$LEDGER"
			echo 0 >$B/status-$name
			return 0
		fi
		limit=("-runs=$((runs - prior))" "${limit[@]:1}")
	fi
	t0=$(date +%s%N)
	rm -f $B/crash-$name-*	# what this run finds, not an old run's
	# the targets that build a sysroot per run: on tmpfs, 3 times faster
	tmp=$(mktemp -d /dev/shm/iommu-map-$name.XXXXXX 2>/dev/null || mktemp -d "$PWD/$B/tmp-$name.XXXXXX")
	# tests/lsan.supp: libpci's own allocations (pci.c leaves libpci's state
	# to leak after libpci's error callback)
	out=$(FUZZ_TMPDIR=$tmp LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 nice -n 19 $B/$name "${limit[@]}" -rss_limit_mb=2048 -print_final_stats=1 $opts \
		-artifact_prefix=$B/crash-$name- $B/corpus-$name 2>&1); rc=$?
	t=$(( ($(date +%s%N) - t0) / 1000000000 ))
	rm -rf "$tmp"
	execs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -1)
	[ -z "$execs" ] && execs=$(echo "$out" | grep -Eo '^#[0-9]+' | tail -1 | tr -d '#')
	rate=$(echo "$out" | sed -n 's/^stat::average_exec_per_sec: *//p' | tail -1)
	if [ $rc -eq 0 ]; then
		# stopped early (SIGUSR1: libFuzzer's graceful exit, or a time limit):
		# say how far it got, not that it got there
		[ -n "${runs:-}" ] && [ $((${execs:-0} + prior)) -lt "$runs" ] 2>/dev/null &&
			what="stopped before $runs runs"
		printf 'ok %s: %s, %s runs in %d s, %s runs/s, no crash\n' "$name" "$what" "${execs:-?}" "$t" "${rate:-?}"
		if [ -n "${runs:-}" ] && [ -n "$id" ] && [ -n "${execs:-}" ]; then
			echo "$name $id $execs $t $(date -u +%Y-%m-%dT%H:%M:%SZ) $(git rev-parse --short HEAD)" >>"$LEDGER"
			echo "  $name: $((execs + prior)) runs in all on this code ($id; $LEDGER: commit the new line)"
		elif [ -n "${runs:-}" ]; then
			echo "  $name: src/, include/ or the target differ from HEAD: this run is not in the ledger"
		fi
		echo 0 >$B/status-$name
	else
		echo "FAIL $name: exit $rc"
		# enough to reproduce from CI's log alone: the report's head, the
		# first frames, and the input itself (base64, up to 8 KiB)
		echo "$out" | grep -E 'ERROR|SUMMARY|Test unit written|^ *#[0-9]+ 0x' | grep -v -E '^#[0-9]+\s+(INITED|NEW|REDUCE|pulse|DONE|RELOAD)' | head -25
		for f in $B/crash-$name-*; do
			[ -f "$f" ] && [ "$(stat -c %s "$f")" -le 8192 ] || continue
			echo "input $(basename "$f") (base64):"; base64 -w 100 "$f"
		done
		echo 1 >$B/status-$name
	fi
}
# --status: per target, the runs the ledger holds on this code, and the most
# on any one code (at which commit); builds and runs nothing
if [ "${1:-}" = --status ]; then
	printf '%-16s %-40s %10s %10s  %s\n' target "code (src-include-target)" "this code" "most" "(at)"
	for src in "${targets[@]}"; do
		name=$(basename "$src" .c)
		id=$(code_id "$name")
		read -r most at < <(awk -v name="$name" '$1 == name { n[$2] += $3; c[$2] = $6 }
			END { for (k in n) if (n[k] > m) { m = n[k]; w = c[k] } print m + 0, (m ? w : "-") }' "$LEDGER")
		printf '%-16s %-40s %10s %10s  %s\n' "$name" "${id:-(changed in the work tree)}" \
			"$(ledger_runs "$name" "$id")" "$most" "$at"
	done
	exit 0
fi

mkdir -p $B
nice -n 19 make -s -j2 B=$B CC=clang CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined' \
	$B/libiommu-map.a || exit 2
pkg="$(pkg-config --cflags --libs libpci json-c) -pthread"

export -f build run code_id ledger_runs
export B pkg what runs LEDGER
export limit_s="${limit[*]}"

for src in "${targets[@]}"; do
	seed "$src"
done
printf '%s\n' "${targets[@]}" | nice -n 19 xargs -P "${FUZZ_JOBS:-2}" -I{} bash -c 'build {}'
# seed() may have failed a target that builds
for src in "${targets[@]}"; do
	name=$(basename "$src" .c)
	[ -f "$B/corpus-$name/.noseed" ] && echo 1 >$B/status-$name
done
printf '%s\n' "${targets[@]}" | xargs -n1 basename | sed 's/\.c$//' |
	xargs -P "${FUZZ_JOBS:-2}" -I{} bash -c 'limit=($limit_s); run {}'
pass=0 fail=0
for src in "${targets[@]}"; do
	if [ "$(cat $B/status-$(basename "$src" .c) 2>/dev/null)" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
