#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/check.py OUT PID QMP-SOCKET VERSION-DIR COMMON-DIR [--update]
#
# Checks what drive.py captured against the running QEMU: every printed
# HVA against /proc/PID/maps and HMP gpa2hva (through QMP), every printed
# MemoryRegion * against the oracle, the export against the text output.
# Then replaces each value it verified with a token and compares the text
# with the golden files (or writes them with --update).
# One line per check: "ok NAME" or "FAIL NAME: why".
#
# Golden files: VERSION-DIR/NAME.txt (tests/gdb/expected/qemu-X.Y/) where
# this QEMU version's own output differs, else COMMON-DIR/NAME.txt
# (tests/gdb/expected/common/).  --update writes the common file when no
# version has a file of that name, removes a version file equal to the
# common one, and otherwise writes the version file: a common file changes
# only by hand.

import difflib
import glob
import json
import os
import re
import socket
import sys

OUT, PID, SOCK, EXPECTED, COMMON = sys.argv[1:6]
UPDATE = "--update" in sys.argv[6:]
results = []


def check(cond, name, why=""):
    results.append(bool(cond))
    if cond:
        print("ok %s" % name)
    else:
        print("FAIL %s%s" % (name, (": " + why) if why else ""))
    return bool(cond)


class Qmp:
    def __init__(self, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        self.f = s.makefile("rw")
        json.loads(self.f.readline())
        self.call("qmp_capabilities")

    def call(self, name, args=None):
        msg = {"execute": name}
        if args is not None:
            msg["arguments"] = args
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise RuntimeError(r["error"].get("desc"))

    def hmp(self, line):
        return self.call("human-monitor-command", {"command-line": line})

    def gpa2hva(self, gpa):
        """(hva, region name) or (None, message)."""
        t = self.hmp("gpa2hva 0x%x" % gpa).strip()
        m = re.match(r"Host virtual address for 0x[0-9a-f]+ \((.*)\) is "
                     r"(0x[0-9a-f]+)$", t)
        if not m:
            return None, t
        return int(m.group(2), 16), m.group(1)


def read(name, ext=".txt"):
    p = os.path.join(OUT, name + ext)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return f.read()


qmp = Qmp(SOCK)
maps = []
with open("/proc/%s/maps" % PID) as f:
    for line in f:
        a, b = line.split()[0].split("-")
        path = line.split(None, 5)[5].strip() if len(line.split()) > 5 else ""
        maps.append((int(a, 16), int(b, 16), path))


def in_maps(a):
    for s, e, p in maps:
        if s <= a < e:
            return p if p else "[anon]"
    return None


outputs = {}
for fn in sorted(os.listdir(OUT)):
    if fn.endswith(".txt") and fn != "oracle-mr.txt":
        outputs[fn[:-4]] = read(fn[:-4])

# --- nothing crashed -------------------------------------------------------
for name in sorted(outputs):
    err = read(name, ".err") or ""
    check("Traceback" not in outputs[name] + err,
          "%s: no Python traceback" % name)

# --- ram blocks: host of each block is mapped -------------------------------
blocks = {}
rb = outputs.get("ramblocks", "")
for line in rb.splitlines()[1:]:
    m = re.match(r"^(\S+) +0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) "
                 r"0x([0-9a-f]+) (yes|no) +(.*) \(@ (0x[0-9a-f]+)\)$", line)
    if not check(m, "ramblocks: line parses", line):
        continue
    idstr = m.group(1)
    host, used, mx = (int(m.group(i), 16) for i in (5, 3, 4))
    blocks[idstr] = {"host": host, "max": max(mx, used),
                     "mr_name": m.group(7), "ram_device": m.group(6)}
    check(in_maps(host), "ramblocks: %s host 0x%x is in /proc/PID/maps"
          % (idstr, host))
check("0000:00:02.0/hostmem" in blocks and
      in_maps(blocks["0000:00:02.0/hostmem"]["host"]) == os.path.join(
          os.path.dirname(SOCK), "shm.bin"),
      "ramblocks: ivshmem block host is the mmap of its backing file")

verified = {}          # value -> token, for the golden files


def block_of(a):
    for idstr, b in blocks.items():
        if b["host"] <= a < b["host"] + b["max"]:
            return idstr, a - b["host"]
    return None, None


def verify_hva(a, idstr, name):
    """An HVA the script printed: mapped, and inside the block it named."""
    ok1 = check(in_maps(a), "%s: hva 0x%x is in /proc/PID/maps" % (name, a))
    bi, off = block_of(a)
    ok2 = check(bi is not None and (idstr is None or bi == idstr),
                "%s: hva 0x%x lies in RAMBlock %s" % (name, a, idstr),
                "found in %s" % bi)
    if ok1 and ok2:
        verified[a] = "<hva:%s+0x%x>" % (bi, off)
    return ok1 and ok2


for idstr, b in blocks.items():
    if in_maps(b["host"]):
        verified[b["host"]] = "<hva:%s+0x0>" % idstr

# --- flat view: every range with an HVA agrees with gpa2hva -----------------
flat = []
for line in outputs.get("mtree-f", "").splitlines()[1:]:
    m = re.match(r"^([0-9a-f]{16})-([0-9a-f]{16}) (.*) \(([a-z_]+)\) "
                 r"\(@ (0x[0-9a-f]+)\) off (0x[0-9a-f]+)"
                 r"(?: hva (0x[0-9a-f]+) \[(.*)\])?$", line)
    if not check(m, "mtree -f: line parses", line):
        continue
    g, e = int(m.group(1), 16), int(m.group(2), 16)
    hva = int(m.group(7), 16) if m.group(7) else None
    flat.append((g, e, m.group(3), hva))
    if hva is None:
        continue
    verify_hva(hva, m.group(8), "mtree -f %s@0x%x" % (m.group(3), g))
    for gpa, want in ((g, hva), (e, hva + e - g)):
        got, rname = qmp.gpa2hva(gpa)
        check(got == want, "mtree -f: gpa2hva 0x%x = 0x%x (%s)"
              % (gpa, want, m.group(3)), "QEMU says %s %s"
              % (hex(got) if got else None, rname))
check(len(flat) > 5, "mtree -f: printed %d ranges" % len(flat))
check(any(f[2] == "hostmem" and f[0] == 0xfe000000 for f in flat),
      "mtree -f: ivshmem BAR 2 (hostmem) at its guest BAR address")
check(any(f[2] == "vga.vram" and f[0] == 0xfd000000 for f in flat),
      "mtree -f: VGA vram at its guest BAR address")

# --- mtree: every HVA; the system tree's against gpa2hva --------------------
LINE = re.compile(r"^( *)([0-9a-f]{16})-([0-9a-f]{16}) (.*) \(([a-z_]+)\) "
                  r"\(@ (0x[0-9a-f]+)\)(?: hva (0x[0-9a-f]+) \[(.*)\])?$")
ALIAS = re.compile(r"^ *alias: (.*)@([0-9a-f]{16}) \(@ (0x[0-9a-f]+)\)$")
oracle = {}
for line in (read("oracle-mr") or "").splitlines():
    p, _, n = line.partition(" ")
    oracle[p] = n
mr_checked = set()

for name in ("mtree", "mtree-pattern", "mtree-glob"):
    text = outputs.get(name, "")
    lines = text.splitlines()
    check(lines and lines[0].startswith("legend: "),
          "%s: starts with the legend" % name)
    in_system = False
    for line in lines[1:]:
        m = LINE.match(line)
        a = ALIAS.match(line)
        if a:
            p, rname = a.group(3), a.group(1)
        elif m:
            p, rname = m.group(6), m.group(4)
            if not m.group(1):
                in_system = (rname == "system")
        else:
            check(line.startswith("note: ") or "no region" in line,
                  "%s: line parses" % name, line)
            continue
        if (p, rname) not in mr_checked:
            mr_checked.add((p, rname))
            check(oracle.get(p) == rname, "%s: (@ %s) is MemoryRegion '%s'"
                  % (name, p, rname), "oracle says %r" % oracle.get(p))
        if not m or not m.group(7):
            continue
        hva = int(m.group(7), 16)
        verify_hva(hva, m.group(8), "%s %s" % (name, rname))
        if in_system and name == "mtree":
            g = int(m.group(2), 16)
            got, qname = qmp.gpa2hva(g)
            target = blocks.get(m.group(8), {}).get("mr_name")
            if got is not None and qname == target:
                check(got == hva, "mtree: %s at GPA 0x%x: hva agrees with "
                      "gpa2hva" % (rname, g), "QEMU says 0x%x" % got)
for line in rb.splitlines()[1:]:
    m = re.match(r"^.* (?:yes|no) +(.*) \(@ (0x[0-9a-f]+)\)$", line)
    if m and (m.group(2), m.group(1)) not in mr_checked:
        mr_checked.add((m.group(2), m.group(1)))
        check(oracle.get(m.group(2)) == m.group(1),
              "ramblocks: (@ %s) is MemoryRegion '%s'"
              % (m.group(2), m.group(1)))
for p, rname in mr_checked:
    if oracle.get(p) == rname:
        verified[int(p, 16)] = "<mr>"

# QEMU's own 'info mtree -D' (HMP; -D: disabled regions too) as the
# oracle of every region's absolute range, name and kind: the addr, size,
# name, ram, readonly and ram_device fields read through the types object.
QMTREE = re.compile(r"^ *([0-9a-f]+)-([0-9a-f]+) \(prio -?[0-9]+, ([^)]*)\): "
                    r"(?:alias (.*?) @.*|(.*?))(?: \[disabled\])?$")
# our kind -> QEMU's (memory_region_type(); 11.1 calls a region with
# subregions a container, whatever its ops, as the root "io")
QKIND = {"ram": ("ram",), "rom": ("rom",), "ram_device": ("ramd",),
         "rom_device": ("romd", "i/o"), "io": ("i/o", "container"),
         "container": ("i/o", "container")}
qemu_ranges = {}
for line in qmp.hmp("info mtree -D").splitlines():
    m = QMTREE.match(line)
    if m:
        key = (int(m.group(1), 16), int(m.group(2), 16),
               m.group(4) if m.group(4) is not None else m.group(5))
        qemu_ranges.setdefault(key, set()).add(
            "alias" if m.group(4) is not None else m.group(3))
check(len(qemu_ranges) > 50, "info mtree: QEMU printed %d regions"
      % len(qemu_ranges))
missing = []
nlines = 0
for line in outputs.get("mtree", "").splitlines()[1:]:
    m = LINE.match(line)
    if not m:
        continue
    nlines += 1
    r = (int(m.group(2), 16), int(m.group(3), 16), m.group(4))
    kinds = qemu_ranges.get(r)
    want = ("alias",) if m.group(5) == "alias" else QKIND.get(m.group(5), ())
    if not kinds or not kinds & set(want):
        missing.append("%016x-%016x %s (%s): QEMU has %s" % (
            r + (m.group(5), sorted(kinds) if kinds else "no such region")))
check(nlines and not missing, "mtree: all %d regions have the range, name "
      "and kind of QEMU's 'info mtree'" % nlines, "; ".join(missing[:10]))

pat = outputs.get("mtree-pattern", "")
check(re.search(r"^0000000000000000-ffffffffffffffff system \(container\)",
                pat, re.M) and " hostmem (ram)" in pat and
      "pc.ram" not in pat, "mtree PATTERN: keeps ancestors, drops the rest")
check("no region name matches" in outputs.get("mtree-nomatch", ""),
      "mtree PATTERN: says when nothing matches")
big = outputs.get("mtree", "")
check("0000000000000000-ffffffffffffffff system (container)" in big,
      "mtree: the 2^64 system container prints without overflow")
check(re.search(r" hostmem \(ram\) \(@ 0x[0-9a-f]+\) hva 0x[0-9a-f]+ "
                r"\[0000:00:02.0/hostmem\]", big),
      "mtree: ivshmem BAR region shows its HVA and RAMBlock")
check(" (I/O)" not in big, "mtree: no blanket (I/O) label")

# --- explain ------------------------------------------------------------------
ex = outputs.get("explain-mr", "")
hm = blocks.get("0000:00:02.0/hostmem", {}).get("host")
check("is a MemoryRegion *" in ex and "'hostmem'" in ex and
      "mapped at GPA 0xfe000000" in ex and hm and
      ("HVA 0x%x" % hm) in ex, "explain MR*: names region, GPA and HVA")
ex = outputs.get("explain-ramblock", "")
check("is a RAMBlock *" in ex and "0000:00:02.0/hostmem" in ex,
      "explain RAMBlock*: names the block")
mrb = re.match(r"iommu-map explain (0x[0-9a-f]+)",
               read("explain-ramblock", ".cmd") or "")
if mrb and "is a RAMBlock *" in ex:
    verified[int(mrb.group(1), 16)] = "<ramblock>"
ex = outputs.get("explain-hva", "")
m = re.search(r"guest sees it at GPA (0x[0-9a-f]+)", ex)
if check(m and hm, "explain HVA: gives a GPA", ex):
    got, _ = qmp.gpa2hva(int(m.group(1), 16))
    check(got == hm + 0x100, "explain HVA: gpa2hva of that GPA is the HVA")
    verified[hm + 0x100] = "<hva:0000:00:02.0/hostmem+0x100>"
ex = outputs.get("explain-gpa", "")
m = re.search(r"HVA (0x[0-9a-f]+)", ex)
if check(m and "'vga.vram'" in ex, "explain GPA: region and HVA", ex):
    got, _ = qmp.gpa2hva(0xfd000010)
    h = int(m.group(1), 16)
    if check(got == h, "explain GPA: HVA agrees with gpa2hva"):
        verify_hva(h, "0000:00:03.0/vga.vram", "explain GPA")
check("is none of" in outputs.get("explain-none", ""),
      "explain: says when a number means nothing")

# --- kvm-slots, errors, help --------------------------------------------------
check("kvm_state is NULL" in outputs.get("kvm-slots", ""),
      "kvm-slots: says TCG has no KVM slots")
for name, want in (("err-option", "unknown option -x"),
                   ("err-explain", "usage: iommu-map explain ADDR"),
                   ("err-export", "cannot write"),
                   ("err-args", "takes no argument")):
    check(want in (read(name, ".err") or ""), "%s: clear error" % name,
          repr(read(name, ".err")))
hl = outputs.get("help", "")
check(all(("iommu-map " + c) in hl for c in
          ("mtree", "ramblocks", "kvm-slots", "explain", "export")),
      "help iommu-map lists the five commands")

# --- export -------------------------------------------------------------------
try:
    with open(os.path.join(OUT, "export.json")) as f:
        doc = json.load(f)
except (OSError, ValueError) as e:
    doc = None
    check(False, "export: valid JSON", str(e))
if doc is not None:
    check(doc.get("schema") == "iommu-map-gdb/1", "export: schema")
    q = doc.get("qemu", {})
    check(q.get("pid") == int(PID) and q.get("accel") == "tcg",
          "export: qemu pid and accel", repr(q))
    check(doc.get("kvm_slots") is None, "export: kvm_slots null under TCG")
    check("kvm_slots_unknown" in doc and doc["kvm_slots_unknown"] is None,
          "export: kvm_slots_unknown null under TCG (nothing unknown)")
    hexes = []

    def walk(v, key=""):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)
        elif isinstance(v, str) and v.startswith("0x"):
            hexes.append(v)
    walk(doc)
    check(hexes and all(re.match(r"^0x[0-9a-f]+$", h) for h in hexes),
          "export: %d numbers, all lower-case 0x hex" % len(hexes))
    fv = [(int(r["gpa"], 16), r["name"],
           int(r["hva"], 16) if r["hva"] else None) for r in doc["flatview"]]
    check(fv == [(g, n, h) for g, e, n, h in flat],
          "export: flatview equals 'mtree -f' (%d ranges)" % len(fv))
    eb = {r["idstr"]: int(r["host"], 16) for r in doc["ramblocks"]}
    check(eb == {k: v["host"] for k, v in blocks.items()},
          "export: ramblocks equal 'ramblocks' (%d)" % len(eb))
    check(doc.get("pci_bars") == [] and doc.get("bar_mmaps") == [],
          "export: no vfio BARs under this test's QEMU")
    check(len(doc.get("regions", [])) == sum(
        1 for l in big.splitlines() if LINE.match(l)),
        "export: as many regions as 'mtree' lines")

# --- golden files -------------------------------------------------------------
HEX = re.compile(r"0x([0-9a-f]+)")


def normalize(text):
    def sub(m):
        v = int(m.group(1), 16)
        return verified.get(v, m.group(0))
    text = HEX.sub(sub, text)
    # 'explain' echoes verified values without the 0x prefix nowhere; the
    # QEMU pid appears only in export.json, which is not a golden.
    return text


# The lines gdb itself adds to 'help PREFIX', worded differently by each
# gdb (13: 'List of iommu-map subcommands:', 18: 'List of "iommu-map"
# subcommands:'): the golden keeps only the script's own text.
GDB_HELP = re.compile(r'^(List of "?iommu-map"? subcommands:|Type "help '
                      r'iommu-map" followed by|Type "apropos |Command name '
                      r'abbreviations are allowed)')


def normalize_help(text):
    return "".join(l for l in text.splitlines(True) if not GDB_HELP.match(l))


GOLDEN = ("mtree", "mtree-f", "mtree-pattern", "mtree-glob",
          "mtree-f-pattern", "mtree-nomatch", "ramblocks", "kvm-slots",
          "explain-mr", "explain-ramblock", "explain-hva", "explain-gpa",
          "explain-none", "err-option", "err-explain", "err-args", "help")
os.makedirs(os.path.join(OUT, "norm"), exist_ok=True)
for name in GOLDEN:
    got = normalize(outputs.get(name, "") + (read(name, ".err") or ""))
    if name == "help":
        got = normalize_help(got)
    with open(os.path.join(OUT, "norm", name + ".txt"), "w") as f:
        f.write(got)
    ver_path = os.path.join(EXPECTED, name + ".txt")
    com_path = os.path.join(COMMON, name + ".txt")
    common = None
    if os.path.exists(com_path):
        with open(com_path) as f:
            common = f.read()
    if UPDATE:
        others = glob.glob(os.path.join(os.path.dirname(EXPECTED),
                                        "qemu-*", name + ".txt"))
        if common is None and not others:
            path = com_path
        elif got == common:
            if os.path.exists(ver_path):
                os.unlink(ver_path)
            check(True, "golden %s: same as %s" % (name, com_path))
            continue
        else:
            path = ver_path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(got)
        check(True, "golden %s: updated %s" % (name, path))
        continue
    exp_path = ver_path if os.path.exists(ver_path) else com_path
    if not os.path.exists(exp_path):
        check(False, "golden %s" % name, "neither %s nor %s (run with "
              "--update)" % (ver_path, com_path))
        continue
    with open(exp_path) as f:
        want = f.read()
    if want == got:
        check(True, "golden %s (%s)" % (name, os.path.relpath(
            exp_path, os.path.dirname(os.path.dirname(exp_path)))))
    else:
        diff = "".join(difflib.unified_diff(
            want.splitlines(True), got.splitlines(True), exp_path,
            "got/" + name))
        with open(os.path.join(OUT, name + ".diff"), "w") as f:
            f.write(diff)
        check(False, "golden %s" % name, "differs:\n" + diff[:2000])

sys.exit(0 if all(results) else 1)
