#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab-gdb.sh - test gdb/iommu-map-gdb.py on the lab's inner QEMU (L2): KVM,
# vfio-pci, Debian's stripped QEMU 7.2 with the types-only DWARF object.
# Runs INSIDE the lab's L1 as a hook (tests/lab/run.sh, tests/lab/README.md);
# gdb attaches to L2 once (L2 stops for that long), runs every command,
# writes an export, and detaches.  Then:
#
#  (a) every vfio BAR mmap the script finds (export bar_mmaps, and the hva of
#      each "... BAR n mmaps[k]" region in 'iommu-map mtree') is a vfio line
#      of /proc/PID/maps: same start, same size, and the maps offset is the
#      BAR's sysfs address plus bar_offset (before 6.10) or the BAR index << 40
#      plus bar_offset (6.10+); and every vfio line is found;
#  (b) 'iommu-map kvm-slots' (and the export's kvm_slots) equal the final
#      state of QEMU's kvm_set_user_memory trace, slot for slot; under TCG
#      the command says TCG and kvm_slots is null.  With types from another
#      QEMU's source (11.1.3 with 10.2.2's: the mirror has no 11.1.3 source;
#      11.1.3's KVMState has its fields from nr_slots_max on 8 bytes later,
#      see iommu-map-gdb(8)) the slots read are garbage: kvm-slots must then
#      refuse in one line, "KVM slots unknown: WHY; the types object (from
#      QEMU 10.2.2's source) does not match this QEMU 11.1.3", and the export
#      must have kvm_slots null with the same reason in kvm_slots_unknown.
#      If its check passes all the same, the slots are compared as above;
#      with the installed QEMU's own types, a refusal is a FAIL;
#  (c) 'iommu-map --pid PID --gdb-export EXPORT --json' gives the same BAR
#      table (devices[].bars[]: hpa, size, mmaps, guest gpa/hva) as the live
#      report, and the export's kvm_slots equal the live report's memslots;
#  (d) 'iommu-map capture --gdb-export EXPORT' keeps the export byte for byte,
#      and '--sysroot' of that capture, given no export, gives (c)'s report;
#  and L2 still runs and answers QMP after gdb detached.
#
# Env (set by the lab harness): L2_PID, QMP, TRACE, ACCEL, SCENARIO,
#   IOMMU_MAP, LAB_SCEN_OUT (the export, gdb outputs and reports go there).
#   IM_TYPES    the types object (default: /lab/hooks/types.o)
#   IM_GDB_DIR  the gdb script folder (default: /lab/hooks/gdb)
# Prints PASS/FAIL/INFO lines and ends with "N passed, N failed".
set -u
PY=/usr/bin/python3
GDB=/usr/bin/gdb
TYPES=${IM_TYPES:-/lab/hooks/types.o}
GDIR=${IM_GDB_DIR:-/lab/hooks/gdb}
L2_PID=${L2_PID:-}
ACCEL=${ACCEL:-kvm}
OUT=${LAB_SCEN_OUT:-}
TMP=$(mktemp -d /tmp/lab-gdb.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
[ -n "$OUT" ] && OUT=$OUT/gdb && mkdir -p "$OUT" || OUT=$TMP/out
mkdir -p "$OUT"

PASSN=0 FAILN=0
pass() { echo "PASS gdb: $*"; PASSN=$((PASSN + 1)); }
fail() { echo "FAIL gdb: $*"; FAILN=$((FAILN + 1)); }
info() { echo "INFO gdb: $*"; }
finish() {
	echo "$PASSN passed, $FAILN failed"
	[ "$FAILN" -eq 0 ]
	exit $?
}

[ -x "$GDB" ] || { fail "gdb in L1 ($GDB from the host's /usr)"; finish; }
[ -s "$TYPES" ] || { fail "types object shipped ($TYPES; tests/gdb/setup.sh builds it)"; finish; }
[ -f "$GDIR/iommu-map-gdb.py" ] || { fail "gdb script shipped ($GDIR)"; finish; }
[ -n "$L2_PID" ] && [ -d "/proc/$L2_PID" ] || { fail "L2 pid ${L2_PID:-unset} alive"; finish; }

# --- one gdb session: every command, the export, detach -----------------------
cat > "$TMP/drive.py" <<'EOF'
import os
import gdb
out = os.environ["IM_OUT"]
def run(name, cmd):
    try:
        text, err = gdb.execute(cmd, to_string=True), ""
    except gdb.error as e:
        text, err = "", str(e) + "\n"
    with open(os.path.join(out, name + ".txt"), "w") as f:
        f.write(text)
    with open(os.path.join(out, name + ".err"), "w") as f:
        f.write(err)
run("mtree", "iommu-map mtree")
run("mtree-f", "iommu-map mtree -f")
run("ramblocks", "iommu-map ramblocks")
run("kvm-slots", "iommu-map kvm-slots")
run("export", "iommu-map export " + os.path.join(out, "export.json"))
gdb.execute("detach")
EOF
# The types' provenance: when they come from another QEMU's source (11.1.3 with
# 10.2.2's: the mirror has no 11.1.3 source), KVMState differs and kvm-slots
# must refuse (judged below, in the comparison script).
UNVERIFIED=0
if [ -f /lab/hooks/types.source ] && [ "$ACCEL" = kvm ]; then
	qdeb=$(qemu-system-x86_64 --version | sed -n 's/.*(Debian \([^)]*\)).*/\1/p' | head -n 1 | sed 's/+b[0-9]*$//')
	[ -n "$qdeb" ] && [ "$(cat /lab/hooks/types.source)" != "$qdeb" ] && UNVERIFIED=1
	[ "$UNVERIFIED" = 1 ] && info "types from QEMU $(cat /lab/hooks/types.source) for QEMU $qdeb: kvm-slots must refuse or read slots that pass the comparison"
fi
t0=$(date +%s)
IM_OUT=$OUT timeout 240 "$GDB" -nx -q -batch -p "$L2_PID" \
	-ex "set pagination off" -ex "set confirm off" \
	-ex "add-symbol-file $TYPES 0" \
	-ex "source $GDIR/iommu-map-gdb.py" \
	-ex "source $TMP/drive.py" > "$OUT/gdb.log" 2>&1
rc=$?
dt=$(( $(date +%s) - t0 ))
if [ -s "$OUT/export.json" ] && [ -s "$OUT/mtree.txt" ]; then
	pass "gdb attached to L2 pid $L2_PID, ran mtree/ramblocks/kvm-slots/export and detached (exit $rc, ${dt}s)"
else
	fail "gdb ran the commands (exit $rc, ${dt}s): $(tail -n 5 "$OUT/gdb.log" | tr '\n' ' ')"
fi
if grep -q Traceback "$OUT/gdb.log" "$OUT"/*.err 2>/dev/null; then
	fail "no Python traceback in gdb's output: $(grep -h -A3 Traceback "$OUT/gdb.log" "$OUT"/*.err | head -5 | tr '\n' ' ')"
else
	pass "no Python traceback in gdb's output"
fi
for e in "$OUT"/*.err; do
	[ -s "$e" ] || continue
	case "$UNVERIFIED:$ACCEL:$(basename "$e" .err)" in
	1:kvm:kvm-slots) ;;	# "KVM slots unknown: ...": judged below
	*) fail "$(basename "$e" .err) printed an error: $(head -n 2 "$e" | tr '\n' ' ')" ;;
	esac
done

# --- L2 survives: running, and answers QMP ------------------------------------
sleep 0.5
if [ -d "/proc/$L2_PID" ] && ! grep -q '^State:.*t (tracing stop)' "/proc/$L2_PID/status"; then
	pass "L2 pid $L2_PID alive and not traced after detach ($(grep '^State:' "/proc/$L2_PID/status" | tr -s '\t ' ' '))"
else
	fail "L2 pid $L2_PID alive and not traced after detach"
fi

# --- live reports: plain, and from the export ----------------------------------
if [ -n "${IOMMU_MAP:-}" ] && [ -x "$IOMMU_MAP" ]; then
	MS=
	# the live report's memslot source: the module when loaded, else the trace
	[ -c /dev/iommu-map ] || { [ "$ACCEL" = kvm ] && [ -f "${TRACE:-}" ] && MS="--qemu-trace $TRACE"; }
	# shellcheck disable=SC2086
	"$IOMMU_MAP" --pid "$L2_PID" --json $MS > "$OUT/report.json" 2> "$OUT/report.err"
	echo "$?" > "$OUT/report.rc"
	"$IOMMU_MAP" --pid "$L2_PID" --gdb-export "$OUT/export.json" --json \
		> "$OUT/report-gdb.json" 2> "$OUT/report-gdb.err"
	echo "$?" > "$OUT/report-gdb.rc"
	"$IOMMU_MAP" --pid "$L2_PID" --gdb-export "$OUT/export.json" \
		> "$OUT/report-gdb.txt" 2>&1
	# (d) a capture given the export keeps it, and its replay, given nothing
	"$IOMMU_MAP" capture --pid "$L2_PID" --gdb-export "$OUT/export.json" -o "$TMP/capture-gdb" \
		> "$OUT/capture-gdb.out" 2>&1
	echo "$?" > "$OUT/capture-gdb.rc"
	cp "$TMP/capture-gdb/iommu-map/gdb-export.json" "$OUT/capture-gdb-kept.json" 2>/dev/null
	"$IOMMU_MAP" --sysroot "$TMP/capture-gdb" --pid "$L2_PID" --json \
		> "$OUT/replay-gdb.json" 2> "$OUT/replay-gdb.err"
	echo "$?" > "$OUT/replay-gdb.rc"
fi

"$PY" - "$OUT" "$L2_PID" "${TRACE:-}" "$ACCEL" "${QMP:-}" > "$TMP/py.out" 2>&1 <<'EOF'
import json, re, os, re, socket, sys
out, pid, trace, accel, qmp = sys.argv[1:6]

def res(ok, msg, detail=""):
    print("%s gdb: %s%s" % ("PASS" if ok else "FAIL", msg, (": " + detail) if detail else ""),
          flush=True)
    return ok

def info(msg):
    print("INFO gdb: " + msg, flush=True)

def num(x):
    return None if x is None else int(x, 16) if isinstance(x, str) else int(x)

def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        res(False, "%s parses" % name, str(e))
        return None

# ---- the types' provenance: KVM's slot structs are only known from the same QEMU ----
def upstream(v):
    m = re.search(r"(?:\d+:)?(\d+\.\d+(?:\.\d+)?)", v or "")
    return m.group(1) if m else None
try:
    tsrc = open("/lab/hooks/types.source").read().strip()
except OSError:
    tsrc = None
import subprocess
try:
    qv = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                        text=True, timeout=30).stdout
except (OSError, subprocess.SubprocessError):
    qv = ""
# "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)": the Debian version,
# less a binNMU suffix, is the source version the types must come from
m = re.search(r"\(Debian ([^)]+)\)", qv)
qdeb = re.sub(r"\+b\d+$", "", m.group(1)) if m else None
qver = upstream(qv)
slots_unverified = bool(tsrc) and bool(qdeb) and tsrc != qdeb
if slots_unverified:
    info("types from QEMU %s source for QEMU %s (its own source is not on the mirror): "
         "KVMState differs, so kvm-slots must refuse ('KVM slots unknown'), or read slots "
         "that equal the trace" % (tsrc, qdeb))
exp = load("export.json")

def gpa2hva(path, gpa):
    """HMP gpa2hva through QMP (never gpa2hpa): the HVA, or None."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    f = s.makefile("rw")
    json.loads(f.readline())
    out = None
    for cmd in ({"execute": "qmp_capabilities"},
                {"execute": "human-monitor-command",
                 "arguments": {"command-line": "gpa2hva %s" % gpa}}):
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                break
        out = r.get("return")
    s.close()
    m = re.search(r" is (0x[0-9a-f]+)", out or "")
    return int(m.group(1), 16) if m else None

# L2 answers QMP after gdb detached
def qmp_status(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    f = s.makefile("rw")
    json.loads(f.readline())
    for cmd in ("qmp_capabilities", "query-status"):
        f.write(json.dumps({"execute": cmd}) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                break
    s.close()
    return r
try:
    r = qmp_status(qmp)
    st = r.get("return", {})
    res(st.get("running") is True, "L2 answers QMP after detach (query-status: %s, running %s)"
        % (st.get("status"), st.get("running")))
except Exception as e:
    res(False, "L2 answers QMP after detach (%s)" % qmp, "%s: %s" % (type(e).__name__, e))

if exp is None:
    sys.exit()
res(exp.get("schema") == "iommu-map-gdb/1" and exp["qemu"].get("pid") == int(pid),
    "export schema %s, pid %s, accel %s" % (exp.get("schema"), exp["qemu"].get("pid"),
                                           exp["qemu"].get("accel")))
res(exp["qemu"].get("accel") == accel, "export accel == %s" % accel,
    "got %s" % exp["qemu"].get("accel"))
for n in exp.get("notes") or []:
    info("export note: " + n)

# ---- (a) mmaps[k] HVAs == the vfio lines of /proc/PID/maps -------------------
vfio = {}
for line in open("/proc/%s/maps" % pid):
    f = line.split()
    if len(f) >= 6 and "vfio" in f[5]:
        a, b = (int(x, 16) for x in f[0].split("-"))
        vfio[a] = (b - a, int(f[2], 16))
sysbar = {}
for bdf in os.listdir("/sys/bus/pci/devices"):
    try:
        with open("/sys/bus/pci/devices/%s/resource" % bdf) as f:
            for i, line in enumerate(f):
                if i > 5:
                    break
                s, e, fl = (int(x, 16) for x in line.split())
                if s and e > s:
                    sysbar[(bdf, i)] = (s, e - s + 1)
    except OSError:
        pass

mm = exp.get("bar_mmaps") or []
res(len(mm) == len(vfio), "export bar_mmaps: %d, /proc/%s/maps vfio lines: %d" % (
    len(mm), pid, len(vfio)))
found = set()
for m in mm:
    hva, size, boff = num(m["hva"]), num(m["size"]), num(m["bar_offset"])
    subj = "export bar_mmaps %s hva 0x%x" % (m["name"], hva)
    line = vfio.get(hva)
    if not res(line is not None, subj + " starts a vfio line of maps"):
        continue
    found.add(hva)
    res(line[0] == size, subj + " size 0x%x == maps 0x%x" % (size, line[0]))
    sb = sysbar.get((m["host_bdf"], m["bar"]))
    if sb is None:
        res(False, subj + ": sysfs BAR %s/%d exists" % (m["host_bdf"], m["bar"]))
    elif tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2]) >= (6, 10):
        # 6.10+: vfio keeps QEMU's own offset, the region index << 40 plus the offset in it
        res(line[1] == (m["bar"] << 40) + boff, subj + " maps offset 0x%x == BAR %d << 40 + bar_offset 0x%x"
            % (line[1], m["bar"], boff))
    else:
        res(line[1] == sb[0] + boff, subj + " maps offset 0x%x == sysfs BAR 0x%x + bar_offset 0x%x"
            % (line[1], sb[0], boff))
missing = sorted(set(vfio) - found)
res(not missing, "every vfio line of maps is in bar_mmaps", " ".join("%x" % a for a in missing))

# pci_bars: every memory BAR QEMU's query-pci gives (the harness saved it as
# oracle-bars.json), at the same guest address and size, behind bridges too
# (hooks run after barmove's move: its oracle from after the move is the one)
ob = os.path.join(os.path.dirname(out), "oracle-bars-after-move.json")
if not os.path.exists(ob):
    ob = os.path.join(os.path.dirname(out), "oracle-bars.json")
if os.path.exists(ob):
    # QEMU grows a sub-page BAR's container to one page (vfio sub-page
    # support), so the region is 0x1000 where query-pci says 0x100
    want = {(b["host"], b["index"], b["gpa"], max(b["size"], 0x1000))
            for b in json.load(open(ob))}
    got = {(b["host_bdf"], b["bar"], num(b["gpa"]), num(b["size"]))
           for b in exp.get("pci_bars") or []}
    res(bool(want) and got == want, "export pci_bars == query-pci memory BARs, sub-page "
        "ones as one page (%d BARs)"
        % len(want), "" if got == want else "only export %s; only query-pci %s" % (
            sorted(got - want)[:3], sorted(want - got)[:3]))
else:
    info("no oracle-bars.json beside %s: pci_bars not checked" % out)

rx = re.compile(r"^\s*([0-9a-f]{16})-([0-9a-f]{16}) (.+?) \((\w+)\) \(@ 0x[0-9a-f]+\)"
                r"(?: hva (0x[0-9a-f]+))?")
mt = {}
for line in open(os.path.join(out, "mtree.txt")):
    m = rx.match(line)
    if m and re.search(r" BAR \d+ mmaps\[\d+\]$", m.group(3)):
        mt.setdefault(m.group(3), set()).add(num(m.group(5)))
res(bool(mt) or not mm, "mtree prints %d 'BAR n mmaps[k]' regions" % len(mt))
byname = {m["name"]: num(m["hva"]) for m in mm}
for name, hvas in sorted(mt.items()):
    hvas.discard(None)
    ok = len(hvas) == 1 and next(iter(hvas)) in vfio
    res(ok and byname.get(name) in hvas,
        "mtree '%s' hva %s == a vfio line of maps == export" % (
            name, " ".join("0x%x" % h for h in sorted(hvas)) or "none"),
        "" if ok else "maps vfio starts: %s" % " ".join("%x" % a for a in sorted(vfio)))
res(set(mt) == set(byname), "mtree mmaps regions == export bar_mmaps names",
    "" if set(mt) == set(byname) else "only mtree: %s; only export: %s" % (
        sorted(set(mt) - set(byname)), sorted(set(byname) - set(mt))))

# ---- (b) kvm-slots == the final state of the kvm_set_user_memory trace -------
text = open(os.path.join(out, "kvm-slots.txt")).read()
gslots = {}
for line in text.splitlines():
    f = line.split()
    if len(f) >= 6 and f[0].isdigit():
        gslots[(int(f[0]), int(f[1]))] = (num(f[2]), num(f[3]), num(f[4]), num(f[5]))
eslots = exp.get("kvm_slots")
try:
    refusal = open(os.path.join(out, "kvm-slots.err")).read().strip()
except OSError:
    refusal = ""
PREFIX = "KVM slots unknown: "
slots_refused = accel == "kvm" and bool(refusal)
if accel != "kvm":
    res("does not run KVM" in text and not gslots, "kvm-slots under TCG says so",
        text.strip()[:200])
    res(eslots is None, "export kvm_slots is null under TCG", str(eslots)[:100])
    res(exp.get("kvm_slots_unknown") is None, "export kvm_slots_unknown is null under TCG",
        str(exp.get("kvm_slots_unknown"))[:100])
elif slots_refused:
    # only types from another QEMU may make it refuse; it says why, in one
    # line, and names both versions
    res(slots_unverified, "kvm-slots refuses only with types from another QEMU's source",
        refusal[:200])
    tup = upstream(tsrc) or "?"
    rx_prov = re.compile(r"; the types object \(from QEMU (%s(?:\.\d+)?)'s source\) does not "
                         r"match this QEMU %s$" % (re.escape(tup), re.escape(qver or "?")))
    one = refusal.splitlines()
    res(len(one) == 1 and one[0].startswith(PREFIX) and rx_prov.search(one[0]) is not None,
        "kvm-slots refuses in one line naming both versions: %s" % one[0][:300])
    res(not gslots, "kvm-slots printed no slot (%d)" % len(gslots))
    why = one[0][len(PREFIX):] if one and one[0].startswith(PREFIX) else None
    res(eslots is None and why is not None and exp.get("kvm_slots_unknown") == why,
        "export: kvm_slots null, kvm_slots_unknown == kvm-slots' reason",
        "kvm_slots %s, kvm_slots_unknown %r" % (
            "null" if eslots is None else "%d slots" % len(eslots),
            exp.get("kvm_slots_unknown")))
else:
    if slots_unverified:
        info("kvm-slots' check passed with types from another QEMU: compared with the trace")
    sys.path.insert(0, "/lab/lab")
    import labcheck
    tslots = {k: (v["gpa"], v["size"], v["hva"], v["flags"])
              for k, v in labcheck.trace_memslots(open(trace, errors="replace").read())[0].items()}
    def cmp(a, b):
        keys = sorted(set(a) | set(b))
        d = [k for k in keys if k not in a or k not in b or a[k][:3] != b[k][:3]]
        fl = [k for k in keys if k not in d and a[k][3] != b[k][3]]
        return d, fl
    d, fl = cmp(gslots, tslots)
    res(bool(tslots) and not d, "kvm-slots == kvm_set_user_memory trace final state "
        "(%d slots, as_id %s)" % (len(tslots), sorted({k[0] for k in tslots})),
        "" if not d else "differ at %s: gdb %s trace %s" % (
            d[:3], [gslots.get(k) for k in d[:2]], [tslots.get(k) for k in d[:2]]))
    res(not [k for k in fl if (gslots[k][3] ^ tslots[k][3]) & ~1],
        "kvm-slots flags == trace flags (bit 0, dirty logging, may change untraced)",
        "differ at %s" % fl[:4] if fl else "")
    es = {(s["as_id"], s["slot"]): (num(s["gpa"]), num(s["size"]), num(s["hva"]),
                                    num(s["flags"])) for s in eslots or []}
    res(es == gslots, "export kvm_slots == kvm-slots text (%d slots)" % len(es))
    res(exp.get("kvm_slots_unknown") is None, "export kvm_slots_unknown is null",
        str(exp.get("kvm_slots_unknown"))[:100])

# ---- (c) --gdb-export report == live report ---------------------------------
# (when kvm-slots refused: the export has no slots, its source is partial and
# says why; the BARs are still compared, the memslots come from the module)
live, gx = load("report.json"), load("report-gdb.json")
if live is None or gx is None:
    sys.exit()
rcs = [open(os.path.join(out, n)).read().strip() for n in ("report.rc", "report-gdb.rc")]
res(all(r in ("0", "1") for r in rcs), "iommu-map --pid and --pid --gdb-export exit 0/1",
    "got %s" % rcs)
src = {s["name"]: s for s in gx.get("sources", [])}
g = src.get("gdb-export") or {}
if slots_refused:
    res(g.get("status") == "partial" and PREFIX + (why or "?") in (g.get("detail") or ""),
        "--gdb-export source: partial, with kvm-slots' reason (%s)" % g.get("detail"))
else:
    res(g.get("status") == "ok", "--gdb-export source: %s (%s)" % (g.get("status"), g.get("detail")))
res("gdb-export-other-pid" not in [f["code"] for f in gx.get("findings", [])],
    "--gdb-export: no gdb-export-other-pid finding")
bad = [f for f in gx.get("findings", []) if f["code"] in (
    "guest-gpa-mismatch", "gpa2hva-mismatch", "bar-hpa-mismatch")]
res(not bad, "--gdb-export report: no guest-gpa/gpa2hva/bar-hpa mismatch finding",
    "; ".join("%s %s" % (f["code"], f.get("message")) for f in bad[:2]))
lsrc = {s["name"]: s for s in live.get("sources", [])}
info("live report memslots source: %s" % (lsrc.get("memslots") or {}).get("detail"))

def bars(rep):
    t = {}
    for d in rep.get("devices", []):
        for b in d.get("bars", []):
            t[(d["bdf"], b["index"])] = {
                "hpa": b.get("hpa"), "size": b.get("size"),
                "mmaps": sorted((m["hva"], m["size"], m["bar_offset"])
                                for m in b.get("mmaps", [])),
                "guest": sorted((x["gpa"], x["size"], x["hva"]) for x in b.get("guest", [])),
            }
    return t
lb, gb = bars(live), bars(gx)
res(set(lb) == set(gb), "--gdb-export report has the live report's %d BARs" % len(lb))
nm = ng = 0
for k in sorted(set(lb) & set(gb)):
    a, b = lb[k], gb[k]
    subj = "%s BAR%d" % k
    for f in ("hpa", "size", "mmaps"):
        if a[f] != b[f]:
            res(False, "%s %s: --gdb-export == live" % (subj, f), "%s vs %s" % (b[f], a[f]))
    nm += len(a["mmaps"])
    if accel != "kvm" and not a["guest"] and b["guest"]:
        # TCG: no memslots, so the live report has no guest pieces; the
        # export's come from QEMU's flat view: check each with gpa2hva
        ng += 1
        for gpa, size, hva in b["guest"]:
            got = gpa2hva(qmp, gpa)
            res(got == int(hva, 16), "%s guest %s (TCG, from the export): hva %s == gpa2hva"
                % (subj, gpa, hva), "gpa2hva says %s" % (hex(got) if got is not None else None))
        continue
    if a["guest"] or b["guest"]:
        ng += 1
        res(a["guest"] == b["guest"], "%s guest (gpa, size, hva) --gdb-export == live %s"
            % (subj, ["%s+%s@%s" % x for x in a["guest"]]),
            "" if a["guest"] == b["guest"] else "gdb-export gives %s" % (
                ["%s+%s@%s" % x for x in b["guest"]],))
res(all(lb[k][f] == gb[k][f] for k in set(lb) & set(gb) for f in ("hpa", "size", "mmaps")),
    "hpa, size and mmaps of every BAR: --gdb-export == live (%d mmaps)" % nm)
if accel == "kvm":
    res(ng > 0, "%d BARs have guest entries" % ng)

def slots(rep):
    return sorted((m["as_id"], m["slot"], m["gpa"], m["size"], m["hva"])
                  for m in rep.get("memslots", []))
ex = sorted((s["as_id"], s["slot"], s["gpa"], s["size"], s["hva"])
            for s in exp.get("kvm_slots") or [])
if slots_refused:
    info("export kvm_slots not compared with the live report's memslots: unknown (%s)" % why)
else:
    res(ex == slots(live), "export kvm_slots == live report memslots (%d)" % len(ex),
        "" if ex == slots(live) else "only export %s; only report %s" % (
            sorted(set(ex) - set(slots(live)))[:3], sorted(set(slots(live)) - set(ex))[:3]))
res(slots(gx) == slots(live), "--gdb-export report memslots == live report memslots")

# ---- (d) capture --gdb-export, replayed with nothing given == (c)'s report ----
rc = open(os.path.join(out, "capture-gdb.rc")).read().strip()
if res(rc in ("0", "1"), "capture --gdb-export exit 0/1", "got %s" % rc):
    kept = os.path.join(out, "capture-gdb-kept.json")
    res(os.path.isfile(kept) and open(kept, "rb").read() ==
        open(os.path.join(out, "export.json"), "rb").read(),
        "the capture kept the export: iommu-map/gdb-export.json is the export as given")
    rp = load("replay-gdb.json")
    if rp is not None:
        # the replay names the capture's copy where the live run named the file
        rp = json.loads(json.dumps(rp).replace("iommu-map/gdb-export.json",
                                               os.path.join(out, "export.json")))
        # what must be equal (labcheck's rule for l1.py's replays): all but
        # target.sysroot and sources
        sys.path.insert(0, "/lab/lab")
        import labcheck as lc
        d = lc.first_diff(lc.normalize_report(gx)[0], lc.normalize_report(rp)[0])
        res(d is None, "capture --gdb-export replayed with --sysroot alone == the live "
            "--gdb-export report", d or "")
EOF
grep -E '^(PASS|FAIL|INFO)' "$TMP/py.out"
PASSN=$((PASSN + $(grep -c '^PASS' "$TMP/py.out")))
FAILN=$((FAILN + $(grep -c '^FAIL' "$TMP/py.out")))
if grep -q '^Traceback' "$TMP/py.out"; then
	fail "comparison script ran: $(grep -A5 '^Traceback' "$TMP/py.out" | tail -n 2 | tr '\n' ' ')"
fi
finish
