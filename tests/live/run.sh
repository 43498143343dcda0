#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/live/run.sh BIN CHURN: live consistency against tests/live/churn.c, a
# target whose maps and fd links change in several threads while they are read.
#  - 100 runs of --pid --json: none exits 2 (a torn maps is a race, not bad
#    input); each gives a valid report, or exits 1 with "pid N: the target kept
#    changing its mappings (5 tries)" and nothing on stdout; prints how many
#    needed a retry (the proc source says "alike on try N of 5");
#  - capture of it, then the replay: the capture holds the maps the model was
#    read from, in order, so the replay never exits 2;
#  - a churning target that exits while it is read: exit 2 only with "the
#    target exited" (or, once gone, "no such process").
# (A zombie target is tests/run.sh's "target zombie".)
# Prints "ok ..." / "FAIL ..." lines (tests/run.sh counts them).
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/iommu-map}
CHURN=${2:-build/churn}
RUNS=${RUNS:-100}
ok()  { echo "ok live: $*"; }
bad() { echo "FAIL live: $*"; }
t=$(mktemp -d /tmp/iommu-map-live.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$t"' EXIT

# start CHURN with args; $cpid: its pid, once it said "ready"
start_churn() {
	exec 8< <(exec "$CHURN" "$t/churn-file" "$@")
	cpid=$!
	pids+=("$cpid")
	read -r -t 10 line <&8
	[ "${line:-}" = ready ]
}

if ! start_churn 3 2000; then
	bad "the stand-in did not start: $CHURN"
	exit 0
fi
# 100 runs; one python afterwards checks every JSON
changed=0 exit2=0 badmsg=0 retried=0 first=0
for i in $(seq "$RUNS"); do
	timeout 20 "$BIN" --pid "$cpid" --json -i tests/pci.ids >"$t/$i.json" 2>"$t/$i.err" </dev/null
	rc=$?
	echo $rc >"$t/$i.rc"
	case $rc in
	2) exit2=$((exit2 + 1)); [ $exit2 = 1 ] && bad "run $i: exit 2: $(head -2 "$t/$i.err")";;
	1) if [ ! -s "$t/$i.json" ]; then
		if grep -qx "iommu-map: /proc/$cpid/maps: the target kept changing its mappings (5 tries)" "$t/$i.err" &&
		   [ "$(wc -l <"$t/$i.err")" = 1 ]; then
			changed=$((changed + 1))
		else
			badmsg=$((badmsg + 1)); bad "run $i: exit 1 with no report: $(head -2 "$t/$i.err")"
		fi
	   fi;;
	0) ;;
	*) badmsg=$((badmsg + 1)); bad "run $i: exit $rc: $(head -2 "$t/$i.err")";;
	esac
done
out=$(python3 - "$t" "$RUNS" <<'PY'
import json, re, sys, os
d, n = sys.argv[1], int(sys.argv[2])
tries = {}
bad = []
for i in range(1, n + 1):
    rc = open(f"{d}/{i}.rc").read().strip()
    p = f"{d}/{i}.json"
    if rc not in ("0", "1") or os.path.getsize(p) == 0:
        continue
    try:
        j = json.load(open(p))
        proc = [s for s in j["sources"] if s["name"] == "proc"][0]
        assert j["schema"] == "iommu-map/1" and proc["status"] == "ok", proc
        m = re.search(r"alike on try (\d) of 5", proc["detail"])
        k = int(m.group(1)) if m else 1
        tries[k] = tries.get(k, 0) + 1
    except Exception as e:
        bad.append(f"run {i}: {e!r}")
print("tries", " ".join(f"{k}:{tries[k]}" for k in sorted(tries)))
for b in bad[:3]:
    print("bad", b)
print("nbad", len(bad))
PY
)
nbad=$(echo "$out" | sed -n 's/^nbad //p')
echo "$out" | grep '^bad ' | sed 's/^bad /FAIL live: /'
dist=$(echo "$out" | sed -n 's/^tries //p')
retried=$(echo "$dist" | tr ' ' '\n' | awk -F: '$1 > 1 { s += $2 } END { print s + 0 }')
reports=$(echo "$dist" | tr ' ' '\n' | awk -F: '{ s += $2 } END { print s + 0 }')
if [ "$exit2" = 0 ] && [ "$badmsg" = 0 ] && [ "${nbad:-1}" = 0 ] && [ $((reports + changed)) = "$RUNS" ]; then
	ok "$RUNS runs on a churning target: none exits 2; $reports reports ($retried needed a retry; reports by try: $dist), $changed exit 1 'the target kept changing its mappings (5 tries)'"
else
	bad "$RUNS runs on a churning target: $exit2 exit 2, $badmsg bad exits, ${nbad:-?} bad reports, $reports reports, $changed kept changing"
fi

# capture, then replay: the fixture holds the maps the model was read from
cbad=0 caps=0
for i in 1 2 3 4 5; do
	rm -rf "$t/cap"
	"$BIN" capture --pid "$cpid" -i tests/pci.ids -o "$t/cap" >/dev/null 2>"$t/cap.err"; rc=$?
	if [ $rc = 1 ] && grep -q 'the target kept changing its mappings' "$t/cap.err"; then continue; fi
	if [ $rc -gt 1 ]; then cbad=$((cbad + 1)); bad "capture $i: exit $rc: $(head -2 "$t/cap.err")"; continue; fi
	"$BIN" --sysroot "$t/cap" --pid "$cpid" -i tests/pci.ids >/dev/null 2>"$t/rep.err"; rc=$?
	if [ $rc -gt 1 ]; then cbad=$((cbad + 1)); bad "replay $i: exit $rc: $(head -2 "$t/rep.err")"; continue; fi
	caps=$((caps + 1))
done
[ $cbad = 0 ] && ok "capture of a churning target, replayed: $caps of 5 captured and replayed (exit 0 or 1), none torn"
kill "$cpid" 2>/dev/null
exec 8<&-

# a churning target that exits while it is read: a race, so many runs; only
# "the target exited" or "no such process" may be exit 2
if start_churn 3 1000 400; then
	gone=0 other=0 runs=0 ended=0
	while [ $ended -lt 3 ] && [ $runs -lt 200 ]; do
		runs=$((runs + 1))
		"$BIN" --pid "$cpid" --json -i tests/pci.ids >/dev/null 2>"$t/gone.err" </dev/null; rc=$?
		if [ $rc = 2 ]; then
			if grep -Eq "^iommu-map: (/proc/$cpid: the target exited|/proc/$cpid/[a-z]+: .*no such process)" "$t/gone.err"; then
				gone=$((gone + 1))
			else
				other=$((other + 1)); bad "exiting target: exit 2: $(head -2 "$t/gone.err")"
			fi
		elif [ $rc -gt 2 ]; then
			other=$((other + 1)); bad "exiting target: exit $rc: $(head -2 "$t/gone.err")"
		fi
		kill -0 "$cpid" 2>/dev/null || ended=$((ended + 1))
	done
	[ $other = 0 ] && ok "a churning target that exits: $runs runs, $gone exit 2 'the target exited' or 'no such process', no other exit 2"
	exec 8<&-
else
	bad "the stand-in did not start a second time"
fi
