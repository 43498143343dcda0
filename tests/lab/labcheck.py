# SPDX-License-Identifier: GPL-2.0-or-later
"""Oracle parsing and checks for the iommu-map lab (runs in L1 with Debian's
/usr/bin/python3; standard library only, but for schema_problems(), which
needs python3-jsonschema: tests/deps.sh installs it in the root whose /usr
L1 mounts).

QEMU itself is the oracle: QMP query-pci (guest BAR addresses), HMP gpa2hva
(HVA of a guest address), HMP `info mtree -f` (ranges KVM has as memslots),
the kvm_set_user_memory trace (the memslots themselves), and L1's sysfs
`resource` (the HPA). HMP gpa2hpa is never used: it writes to the BAR.
"""

import json
import os
import re
import socket
import time

PAGE = 0x1000


def hx(v):
    return "0x%x" % v if v is not None else "null"


def num(v):
    """A JSON hex string "0x..." (or an int) as int; None stays None."""
    if v is None:
        return None
    if isinstance(v, int):
        return v
    return int(str(v), 0)


def align_up(v, a=PAGE):
    return (v + a - 1) & ~(a - 1)


def align_down(v, a=PAGE):
    return v & ~(a - 1)


# --------------------------------------------------------------------- QMP

class QMPError(Exception):
    pass


class QMP:
    """A minimal QMP client over a unix socket."""

    def __init__(self, path, timeout=60.0):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(30)
                s.connect(path)
                break
            except OSError as e:
                last = e
                s.close()
                if time.monotonic() > deadline:
                    raise QMPError("cannot connect to %s: %s" % (path, last))
                time.sleep(0.2)
        self.sock = s
        self.f = s.makefile("rwb", buffering=0)
        self.greeting = self._read()
        if "QMP" not in self.greeting:
            raise QMPError("no QMP greeting: %r" % self.greeting)
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.f.readline()
        if not line:
            raise QMPError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise QMPError("%s: %s" % (name, r["error"].get("desc", r["error"])))
            # events are skipped

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------- parsers

def pci_devices(query_pci):
    """Flatten query-pci (bridges included) into a list of device dicts with
    "bus", "slot", "function", "qdev_id", "regions"."""
    out = []

    def walk(devs):
        for d in devs:
            out.append(d)
            br = d.get("pci_bridge")
            if br and br.get("devices"):
                walk(br["devices"])

    for bus in query_pci:
        walk(bus.get("devices", []))
    return out


def guest_bdf(d):
    return "0000:%02x:%02x.%x" % (d["bus"], d["slot"], d["function"])


MTREE_RE = re.compile(
    r"^\s+([0-9a-f]+)-([0-9a-f]+) \(prio (-?\d+), ([^)]+)\): (.*)$")


def parse_mtree_f(text):
    """`info mtree -f` -> list of flat views: {"as": [names], "ranges": [...]}
    with ranges {"start", "end" (inclusive), "type", "name", "kvm"}."""
    views = []
    cur = None
    for line in text.splitlines():
        if line.startswith("FlatView #"):
            cur = {"as": [], "ranges": []}
            views.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r'^\s*AS "([^"]+)"', line)
        if m:
            cur["as"].append(m.group(1))
            continue
        m = MTREE_RE.match(line)
        if m:
            name = m.group(5).rstrip()
            kvm = name.endswith(" KVM")
            if kvm:
                name = name[:-4]
            cur["ranges"].append({
                "start": int(m.group(1), 16), "end": int(m.group(2), 16),
                "type": m.group(4), "name": name, "kvm": kvm})
    return views


def flatview_for(views, as_name):
    for v in views:
        if as_name in v["as"]:
            return v
    return None


# QEMU's kvm_set_user_memory trace line, both formats:
#   7.2:  kvm_set_user_memory Slot#%d flags=0x%x gpa=0x%lx size=0x%lx ua=0x%lx ret=%d
#         (Slot# is (as_id << 16) | slot)
#   9.0+: kvm_set_user_memory AddrSpace#%d Slot#%d flags=0x%x gpa=0x%lx size=0x%lx
#         ua=0x%lx guest_memfd=%d guest_memfd_offset=0x%lx ret=%d
# with or without a prefix (QEMU 11's -msg timestamp=on, the log backend's pid@time:).
TRACE_RE = re.compile(
    r"kvm_set_user_memory (?:AddrSpace#(\d+) )?Slot#(\d+) flags=(0x[0-9a-f]+) gpa=(0x[0-9a-f]+) "
    r"size=(0x[0-9a-f]+) ua=(0x[0-9a-f]+)(?: guest_memfd=-?\d+ guest_memfd_offset=0x[0-9a-f]+)? "
    r"ret=(-?\d+)")


def trace_events(text):
    """The successful kvm_set_user_memory calls of a trace, in order:
    ((as_id, slot), gpa, size, hva, flags), and how many lines matched."""
    ev = []
    n = 0
    for line in text.splitlines():
        m = TRACE_RE.search(line)
        if not m:
            continue
        n += 1
        asid, raw, flags, gpa, size, ua, ret = m.groups()
        if int(ret) != 0:
            continue
        raw = int(raw)
        key = (int(asid), raw) if asid is not None else (raw >> 16, raw & 0xffff)
        ev.append((key, int(gpa, 16), int(size, 16), int(ua, 16), int(flags, 16)))
    return ev, n


def trace_memslots(text):
    """Replay QEMU's kvm_set_user_memory trace into the final slot table:
    {(as_id, slot): {"gpa", "size", "hva", "flags"}}."""
    slots = {}
    ev, n = trace_events(text)
    for key, gpa, size, hva, flags in ev:
        if size == 0:
            slots.pop(key, None)
        else:
            slots[key] = {"gpa": gpa, "size": size, "hva": hva, "flags": flags}
    return slots, n


def memslots_text(slots):
    """The slot table in the fixture format of iommu-map/memslots."""
    out = ["# as_id slot gpa size hva flags  (final state of QEMU's kvm_set_user_memory trace)\n"]
    for (as_id, slot), v in sorted(slots.items()):
        out.append("%d %d 0x%x 0x%x 0x%x 0x%x\n" % (as_id, slot, v["gpa"], v["size"],
                                                   v["hva"], v["flags"]))
    return "".join(out)


def sysfs_resources(bdf, root="/sys/bus/pci/devices"):
    """L1's sysfs resource lines -> {index: (start, size, flags)}."""
    res = {}
    with open(os.path.join(root, bdf, "resource")) as f:
        for i, line in enumerate(f):
            if i > 5:
                break
            s, e, fl = (int(x, 16) for x in line.split()[:3])
            if s or e:
                res[i] = (s, e - s + 1, fl)
    return res


def vfio_maps(maps_text):
    """vfio-device lines of /proc/PID/maps -> [(start, end, offset)]."""
    out = []
    for line in maps_text.splitlines():
        f = line.split()
        if len(f) >= 6 and ("vfio-device" in f[5] or f[5].startswith("/dev/vfio/devices/")):
            a, b = (int(x, 16) for x in f[0].split("-"))
            out.append((a, b, int(f[2], 16)))
    return out


GPA2HVA_RE = re.compile(r"is (0x[0-9a-f]+)")


def gpa2hva(qmp, gpa):
    """HMP gpa2hva (read-only lookup). None when QEMU says it is not RAM."""
    r = qmp.hmp("gpa2hva 0x%x" % gpa)
    m = GPA2HVA_RE.search(r)
    return (int(m.group(1), 16) if m else None), r.strip()


# ----------------------------------------------------------------- checks

class Checker:
    def __init__(self, scenario, out):
        self.scenario = scenario
        self.out = out  # file object for results
        self.passed = 0
        self.failed = 0
        self.failures = []

    def _emit(self, line):
        print(line, flush=True)
        if self.out:
            self.out.write(line + "\n")
            self.out.flush()

    def check(self, ok, what, detail=""):
        tag = "PASS" if ok else "FAIL"
        line = "%s %s: %s" % (tag, self.scenario, what)
        if detail:
            line += " [%s]" % detail
        self._emit(line)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(line)
        return ok

    def eq(self, got, want, what, fmt=hx):
        ok = got == want
        if ok:
            d = "%s" % fmt(got)
        else:
            d = "iommu-map %s, oracle %s" % (fmt(got), fmt(want))
        return self.check(ok, what, d)

    def info(self, msg):
        self._emit("INFO %s: %s" % (self.scenario, msg))


def first_mapped(view, start, size):
    """First range of the flat view inside [start, start+size) that is RAM to
    QEMU (ram/ramd/rom), or None."""
    end = start + size - 1
    best = None
    for r in view["ranges"] if view else []:
        if r["end"] < start or r["start"] > end:
            continue
        if r["type"] in ("ram", "ramd", "rom", "romd"):
            s = max(r["start"], start)
            if best is None or s < best[0]:
                best = (s, r)
    return best


def merge_spans(spans):
    """Sorted, inclusive (lo, hi) spans with neighbours and overlaps joined."""
    out = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def trapped_vs_mtree(view, gpa, size, trapped, kvm):
    """iommu-map's trapped ranges of one guest BAR (JSON bars[].trapped) against
    QEMU's flat view (AS memory) of [gpa, gpa + size): (problems, notes).

    Under KVM, what traps is every part of the BAR QEMU gives KVM no memslot
    for: KVM gets the RAM ranges of the flat view (ram, ramd, rom: the BAR's
    mmaps[]), each trimmed to whole pages (kvm_align_section; info mtree -f
    marks "KVM" only on exact slots), so where QEMU's msix-table region sits
    the rest of its page traps too.  Those holes must equal the trapped
    ranges, exactly.  Both accelerators: every range
    QEMU names msix-table must lie in a trap whose why is msix-table, and each
    such trap must hold one (unless a memslot maps it: x-msix-relocation)."""
    end = gpa + size - 1
    probs, notes = [], []
    if trapped is None:
        return ["trapped is null for a BAR the target holds"], notes
    ours = [(gpa + num(t["bar_offset"]), gpa + num(t["bar_offset"]) + num(t["size"]) - 1,
             t.get("why")) for t in trapped]
    inbar = [r for r in view["ranges"] if r["start"] <= end and r["end"] >= gpa]
    if kvm:
        ram = [(r["start"], r["end"]) if r["kvm"] else
               (align_up(r["start"]), ((r["end"] + 1) & ~0xfff) - 1)
               for r in inbar if r["kvm"] or r["type"] in ("ram", "ramd", "rom")]
        covered = merge_spans([(max(lo, gpa), min(hi, end)) for lo, hi in ram if lo <= hi])
        holes, at = [], gpa
        for lo, hi in covered:
            if lo > at:
                holes.append((at, lo - 1))
            at = max(at, hi + 1)
        if at <= end:
            holes.append((at, end))
        mine = merge_spans([(lo, hi) for lo, hi, _ in ours if lo <= end])
        if mine != holes:
            probs.append("trapped %s != holes of the KVM ranges %s" % (
                [(hx(a), hx(b)) for a, b in mine], [(hx(a), hx(b)) for a, b in holes]))
        else:
            notes.append("%d trapped range(s) == holes of the KVM ranges" % len(holes))
    tables = [r for r in inbar if r["name"] == "msix-table"]
    for r in tables:
        if not any(lo <= r["start"] and r["end"] <= hi and why == "msix-table"
                   for lo, hi, why in ours):
            probs.append("mtree msix-table %s-%s is in no msix-table trap" % (
                hx(r["start"]), hx(r["end"])))
    for lo, hi, why in ours:
        if why == "msix-table" and not any(lo <= r["start"] <= hi for r in tables):
            probs.append("msix-table trap %s-%s holds no mtree msix-table range" % (hx(lo), hx(hi)))
    return probs, notes


def slot_vs_mtree(view, slots, as_id):
    """Match memslots of one address space against the KVM-marked ranges of
    its flat view. Returns (problems, notes)."""
    problems, notes = [], []
    mine = {k: v for k, v in slots.items() if k[0] == as_id}
    exact = {(v["gpa"], v["size"]): k for k, v in mine.items()}
    used = set()
    for r in view["ranges"]:
        if not r["kvm"]:
            continue
        key = (r["start"], r["end"] - r["start"] + 1)
        if key in exact:
            used.add(exact[key])
        else:
            problems.append("mtree KVM range %s-%s %s has no memslot"
                            % (hx(r["start"]), hx(r["end"]), r["name"]))
    for k, v in mine.items():
        if k in used:
            continue
        # QEMU trims a section to whole pages before making it a slot
        # (kvm_align_section): such a slot lies inside an unmarked RAM range.
        ok = False
        for r in view["ranges"]:
            if r["type"] not in ("ram", "ramd", "rom", "romd") or r["kvm"]:
                continue
            if (v["gpa"] == align_up(r["start"]) and
                    v["gpa"] + v["size"] == align_down(r["end"] + 1)):
                notes.append("slot %d %s+%s is the page-trimmed part of mtree range %s-%s %s"
                             % (k[1], hx(v["gpa"]), hx(v["size"]), hx(r["start"]),
                                hx(r["end"]), r["name"]))
                ok = True
                break
        if not ok:
            problems.append("memslot %d/%d %s+%s matches no mtree range"
                            % (k[0], k[1], hx(v["gpa"]), hx(v["size"])))
    return problems, notes


# --------------------------------------------------------------- schema

SCHEMA_NAME = "iommu-map-1.schema.json"
_schema_validator = []


def _validator():
    """The iommu-map/1 validator: the schema beside this file (run.sh ships
    it to /lab/lab/), else the repository's schema/. Raises with why not."""
    if _schema_validator:
        return _schema_validator[0]
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.join(here, SCHEMA_NAME),
             os.path.join(here, "..", "..", "schema", SCHEMA_NAME)]
    path = next((p for p in paths if os.path.isfile(p)), None)
    if path is None:
        raise RuntimeError("no %s (looked in %s)" % (SCHEMA_NAME, ", ".join(paths)))
    try:
        from jsonschema import Draft202012Validator as V
    except ImportError as e:
        raise RuntimeError("python3-jsonschema missing (%s): run tests/deps.sh in the root" % e)
    with open(path) as f:
        schema = json.load(f)
    V.check_schema(schema)
    _schema_validator.append(V(schema, format_checker=V.FORMAT_CHECKER))
    return _schema_validator[0]


def schema_problems(docs):
    """Validate JSON documents (a report, explain, watch events) against
    schema/iommu-map-1.schema.json. Returns "" when all are valid, else what
    is wrong with the first invalid ones, or why they could not be checked:
    never raises, so a hook reports a FAIL line instead of dying."""
    try:
        v = _validator()
    except Exception as e:  # noqa: BLE001 - any reason becomes the FAIL's detail
        return "cannot validate: %s" % e
    bad = []
    for i, doc in enumerate(docs):
        if v.is_valid(doc):
            continue
        e = next(v.iter_errors(doc))
        name = _schema_branch(doc)
        if name in v.schema["$defs"]:   # the kind it means to be: a precise message
            sub = dict(v.schema, **{"$ref": "#/$defs/" + name})
            del sub["oneOf"]
            e = next(type(v)(sub, format_checker=v.format_checker).iter_errors(doc), e)
        bad.append("#%d at /%s: %s" % (i, "/".join(str(p) for p in e.absolute_path),
                                       e.message[:200]))
        if len(bad) == 3:
            break
    return "; ".join(bad)


def _schema_branch(doc):
    """The $defs entry of the schema a document means to be, or None."""
    if not isinstance(doc, dict):
        return None
    if "event" in doc:
        return "event_%s" % doc["event"]
    for key, name in (("target", "report"), ("address", "explain"), ("input", "mtree")):
        if key in doc:
            return name
    return None


def normalize_report(rep):
    """What must be equal between a live run and its --sysroot replay."""
    r = json.loads(json.dumps(rep))
    t = r.get("target") or {}
    t.pop("sysroot", None)
    srcs = r.pop("sources", None)
    return r, srcs


def first_diff(a, b, path=""):
    if type(a) is not type(b):
        return "%s: %r != %r" % (path or "/", a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s/%s: only in %s" % (path, k, "live" if k in a else "replay")
            d = first_diff(a[k], b[k], "%s/%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d items" % (path or "/", len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (path or "/", a, b)
