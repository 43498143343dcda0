# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/test_kvm.py - unit test of the KVM slot sanity check
# (iommu_map.kvm.check_slots) and of the reason kvm-slots gives when it
# refuses, run with 'IM_GDB_DIR=gdb IM_FIXTURE=... gdb -batch -x
# test_kvm.py ./int128' (see run.sh); IM_TYPES=types.o and
# IM_TYPES_SOURCE=VERSION also check the version the types object says it
# comes from.  Good slots are the 24 that QEMU 7.2 under KVM really had
# (tests/fixtures/lab-gdb-q35/gdb-export.json, checked there against the
# kvm_set_user_memory trace); each corrupt list breaks one rule.
# Prints one ok/FAIL line per check and "N passed, N failed".
import copy
import json
import os
import re
import sys
import tempfile
from types import SimpleNamespace

import gdb

gdb.execute("source " + os.path.join(os.environ["IM_GDB_DIR"],
                                     "iommu-map-gdb.py"), to_string=True)
kvm = sys.modules["iommu_map.kvm"]

passed = failed = 0


def eq(got, want, name):
    global passed, failed
    if got == want:
        passed += 1
        print("ok kvm: %s" % name)
    else:
        failed += 1
        print("FAIL kvm: %s: got %r, want %r" % (name, got, want))


def slot(as_id, slot, gpa, size, hva, index=None):
    return SimpleNamespace(as_id=as_id, slot=slot, gpa=gpa, size=size,
                           hva=hva, index=index)


with open(os.environ["IM_FIXTURE"]) as f:
    real = [slot(s["as_id"], s["slot"], int(s["gpa"], 16),
                 int(s["size"], 16), int(s["hva"], 16))
            for s in json.load(f)["kvm_slots"]]
eq(len(real), 24, "the fixture has QEMU 7.2's 24 slots under KVM")
eq(kvm.check_slots(real), None, "QEMU 7.2's real slots pass")
eq(kvm.check_slots(real, 32764), None,
   "QEMU 7.2's real slots pass with KVM's 32764-slot limit")
eq(kvm.check_slots([]), None, "no used slot passes")
indexed = [slot(s.as_id, s.slot, s.gpa, s.size, s.hva, s.slot)
           for s in real]
eq(kvm.check_slots(indexed), None, "slots at their own index pass")
eq(kvm.check_slots(indexed, 12), None,
   "ids 0..11 pass KVM's limit of 12 slots")


def broken(name, mutate, want, nmax=None):
    ss = copy.deepcopy(indexed)
    mutate(ss)
    eq(kvm.check_slots(ss, nmax), want, name)


def set_(i, **kw):
    def f(ss):
        for k, v in kw.items():
            setattr(ss[i], k, v)
    return f


# indexed[4] is as_id 0 slot 11: GPA 0x100000, 0x3f00000 bytes
broken("as_id 211", set_(4, as_id=211), "slot 11 has as_id 211")
broken("as_id 2", set_(4, as_id=2), "slot 11 has as_id 2")
broken("as_id -1", set_(4, as_id=-1), "slot 11 has as_id -1")
broken("slot id 65536", set_(4, slot=65536, index=None),
       "slot 65536 is not a slot id below 65536")
broken("slot id negative", set_(4, slot=-7, index=None),
       "slot -7 is not a slot id below 65536")
broken("slot id past nr_slots_max", set_(4, slot=40000, index=None),
       "slot 40000 is not a slot id below 32764", 32764)
broken("slot id 12 past a limit of 12", set_(4, slot=12, index=None),
       "slot 12 is not a slot id below 12", 12)
broken("slot id not its index", set_(4, index=4),
       "the slot at index 4 of as_id 0 says it is slot 11")
broken("size zero", set_(4, size=0),
       "slot 11 has size 0x0, not a whole number of pages")
broken("size not pages", set_(4, size=0x3f00800),
       "slot 11 has size 0x3f00800, not a whole number of pages")
broken("GPA not page-aligned", set_(4, gpa=0x100010),
       "slot 11 has GPA 0x100010, not page-aligned")
broken("HVA not page-aligned", set_(4, hva=0x7f827bf00008),
       "slot 11 has HVA 0x7f827bf00008, not page-aligned")
broken("GPA wraps", set_(4, gpa=0xfffffffffffff000, size=0x2000),
       "slot 11 (GPA 0xfffffffffffff000, HVA 0x7f827bf00000, size 0x2000) "
       "wraps")
broken("two slots of as_id 0 overlap", set_(4, size=0xfdc00000),
       "slots 11 and 6 of as_id 0 overlap at GPA 0xfdc00000")
broken("one id twice in as_id 0", set_(4, slot=0, index=None),
       "slot 0 appears twice in as_id 0")
# The same GPA in as_id 0 and 1 is the SMM mirror, not an overlap: the
# good list has 12 such pairs; here one pair of one page only.
eq(kvm.check_slots([slot(0, 0, 0, 0x1000, 0x7f0000000000, 0),
                    slot(1, 0, 0, 0x1000, 0x7f0000000000, 0)]), None,
   "the same range in as_id 0 and 1 passes")
eq(kvm.check_slots([slot(0, 0, 0, 0x2000, 0x7f0000000000, 0),
                    slot(0, 1, 0x1000, 0x1000, 0x7f0000100000, 1)]),
   "slots 0 and 1 of as_id 0 overlap at GPA 0x1000",
   "one page of overlap is found")
eq(kvm.check_slots([slot(0, 0, 0, 0x1000, 0x7f0000000000, 0),
                    slot(0, 1, 0x1000, 0x1000, 0x7f0000100000, 1)]), None,
   "adjacent slots pass")
# what a wrong layout gave: plausible numbers in the wrong fields
eq(kvm.check_slots([slot(0, 0, 0x7f827be00000, 0xc3000, 0, 0),
                    slot(0, 1, 0x7f827bec3000, 0x25000, 0xc3000, 1),
                    slot(3, 2, 0x1, 0x0, 0x55e1c0a8, 2)]),
   "slot 2 has as_id 3", "fields read at the wrong offsets fail")

# --- the reason, as kvm-slots says it ---------------------------------------
with tempfile.NamedTemporaryFile(suffix=".bin") as f:
    f.write(b"\x7fELF" + b"\0" * 4096 +
            b"QEMU emulator version 11.1.3 (Debian 1:11.1.3+ds-2~bpo13+1)\n"
            b"\0" * 100)
    f.flush()
    eq(kvm.binary_version([f.name]), "11.1.3",
       "binary_version reads 'QEMU emulator version 11.1.3'")
    eq(kvm.binary_version(["/nonexistent", f.name]), "11.1.3",
       "binary_version skips a path it cannot open")
eq(kvm.binary_version([gdb.current_progspace().filename]), None,
   "binary_version: None for a program that is not QEMU")
eq(kvm.types_version(), None, "types_version: None without a types object")

real_tv, real_bv = kvm.types_version, kvm.binary_version
try:
    kvm.types_version = lambda: "10.2.2"
    kvm.binary_version = lambda paths=None: "11.1.3"
    eq(str(kvm.unknown("slot 3 has as_id 211")),
       "slot 3 has as_id 211; the types object (from QEMU 10.2.2's source) "
       "does not match this QEMU 11.1.3",
       "types from 10.2.2 for QEMU 11.1.3: the reason says so")
    kvm.binary_version = lambda paths=None: "10.2.2"
    eq(kvm.provenance(), "gdb's types (from QEMU 10.2.2's source) do not "
       "describe this QEMU 10.2.2's KVM slots", "same version: said too")
    kvm.types_version = lambda: None
    kvm.binary_version = lambda paths=None: None
    eq(kvm.provenance(), "gdb's QEMU types do not describe this QEMU's KVM "
       "slots", "nothing known of either version")
finally:
    kvm.types_version, kvm.binary_version = real_tv, real_bv
eq(isinstance(kvm.unknown("x"), kvm.SlotsUnknown), True,
   "unknown() makes a SlotsUnknown")

# --- the types object says which source it is from --------------------------
types = os.environ.get("IM_TYPES")
if types:
    gdb.execute("add-symbol-file %s 0" % types, to_string=True)
    # Debian's source version "1:7.2+dfsg-7+deb12u18" is upstream 7.2.22
    m = re.match(r"(?:\d+:)?(\d+\.\d+(?:\.\d+)?)", os.environ["IM_TYPES_SOURCE"])
    tv = kvm.types_version()
    eq(bool(m and tv and (tv == m.group(1) or
                          tv.startswith(m.group(1) + "."))), True,
       "types object says its source is QEMU %s (file 'source' says %s)"
       % (tv, os.environ["IM_TYPES_SOURCE"]))

print("%d passed, %d failed" % (passed, failed))
