# SPDX-License-Identifier: GPL-2.0-or-later
"""The command 'iommu-map export FILE'.

Writes the regions, RAM blocks, flat view, vfio BARs and KVM slots as
JSON (schema "iommu-map-gdb/1"), which 'iommu-map --gdb-export FILE'
reads.  Every address, size and offset is a lower-case hex string.
"""

import json
import os

import gdb

from . import kvm, memory, utils

SCHEMA = "iommu-map-gdb/1"


def _h(n):
    """N as a "0x..." string; None stays None."""
    return None if n is None else "0x%x" % n


def _accel(ks_present):
    """"kvm", "tcg" or None: the accelerator this QEMU runs."""
    if ks_present:
        return "kvm"
    if utils.symbol_exists("tcg_allowed"):
        try:
            v = gdb.parse_and_eval("*(char *)&tcg_allowed")
            if int(v):
                return "tcg"
        except gdb.error:
            pass
    return None


def collect():
    """The export document, as a dict."""
    tree = memory.Tree()
    blocks = memory.ram_blocks()
    flat = memory.flat_view()
    try:
        ss, unknown = kvm.slots(), None
    except kvm.SlotsUnknown as e:
        ss, unknown = None, str(e)
    inf = gdb.selected_inferior()
    pid = inf.pid if inf is not None and inf.pid else None

    regions = []
    index = {}
    for r in tree.regions():
        index[id(r)] = len(regions)
        regions.append({
            "root": r.root if r.parent is None else None,
            "parent": index[id(r.parent)] if r.parent is not None else None,
            "level": r.level,
            "name": r.name,
            "kind": r.kind,
            "addr": _h(r.addr & utils.U64),
            "size": _h(r.size),
            "mr": _h(r.ptr),
            "hva": _h(r.hva),
            "ramblock": r.block.idstr if r.block is not None else None,
            "alias": r.alias_name,
            "alias_offset": _h(r.alias_offset) if r.alias is not None
            else None,
        })

    # The GPA of each vfio BAR container as address_space_memory shows it,
    # aliases followed (behind a PCI bridge the BAR is in the bridge's own
    # tree, under the window alias).
    pci_bars = []
    for r, gpa in tree.placed():
        m = memory.BASE_BAR_RE.match(r.name)
        if m:
            pci_bars.append({
                "name": r.name,
                "host_bdf": m.group("dev"),
                "bar": int(m.group("bar")),
                "gpa": _h(gpa),
                "size": _h(r.size),
            })

    bar_mmaps = []
    for b in blocks:
        m = memory.MMAP_RE.match(b.mr_name or "")
        if m:
            bar_mmaps.append({
                "name": b.mr_name,
                "host_bdf": m.group("dev"),
                "bar": int(m.group("bar")),
                "bar_offset": _h(b.mr_addr),
                "size": _h(b.used_length),
                "hva": _h(b.host),
            })

    return {
        "schema": SCHEMA,
        "qemu": {
            "pid": pid,
            "accel": _accel(ss is not None or unknown is not None),
            "version": None,
            "binary": gdb.current_progspace().filename,
        },
        "regions": regions,
        "ramblocks": [{
            "idstr": b.idstr,
            "offset": _h(b.offset),
            "used_length": _h(b.used_length),
            "max_length": _h(b.max_length),
            "host": _h(b.host),
            "mr": _h(b.mr),
            "mr_name": b.mr_name,
            "ram_device": b.ram_device,
        } for b in blocks],
        "flatview": [{
            "gpa": _h(f.gpa),
            "size": _h(f.size),
            "name": f.name,
            "kind": f.kind,
            "offset_in_region": _h(f.offset),
            "hva": _h(f.hva),
            "mr": _h(f.mr),
        } for f in flat],
        "pci_bars": pci_bars,
        "bar_mmaps": bar_mmaps,
        "kvm_slots": None if ss is None else [{
            "as_id": s.as_id,
            "slot": s.slot,
            "gpa": _h(s.gpa),
            "size": _h(s.size),
            "hva": _h(s.hva),
            "flags": _h(s.flags),
        } for s in ss],
        "kvm_slots_unknown": unknown,
        "notes": utils.notes.list(),
    }


class IommuMapExport(gdb.Command):
    """Write what QEMU holds as JSON for the iommu-map CLI.

Usage: iommu-map export FILE

Writes the region trees, RAM blocks, the flat view of
address_space_memory, the vfio BAR containers and mmaps, and the KVM
slots (null under TCG, and null with the reason in kvm_slots_unknown when
the slots read cannot be KVM's: see 'help iommu-map kvm-slots') as JSON,
schema "iommu-map-gdb/1"; all numbers
that are addresses, sizes or offsets are "0x..." strings.  Read it with
'iommu-map --gdb-export FILE'.  The format is in iommu-map-gdb(8)."""

    cmdname = "iommu-map export"

    def __init__(self):
        super().__init__(self.cmdname, gdb.COMMAND_DATA,
                         gdb.COMPLETE_FILENAME)

    @utils.command
    def invoke(self, arg, from_tty):
        """Collect, write FILE atomically (FILE.tmp, then rename), summarize."""
        argv = gdb.string_to_argv(arg)
        if len(argv) != 1:
            raise gdb.GdbError("usage: iommu-map export FILE")
        utils.need_target()
        utils.memory_region_type.get()
        doc = collect()
        path = os.path.expanduser(argv[0])
        tmp = path + ".tmp"
        try:
            with open(tmp, "w") as f:
                json.dump(doc, f, indent=1)
                f.write("\n")
            os.replace(tmp, path)
        except OSError as e:
            raise gdb.GdbError("iommu-map export: cannot write %s: %s"
                               % (path, e.strerror or e))
        gdb.write("wrote %s: %d regions, %d ramblocks, %d flat ranges, "
                  "%d vfio BARs, %s KVM slots\n" % (
                      path, len(doc["regions"]), len(doc["ramblocks"]),
                      len(doc["flatview"]), len(doc["pci_bars"]),
                      "unknown" if doc["kvm_slots_unknown"] is not None
                      else "no" if doc["kvm_slots"] is None
                      else len(doc["kvm_slots"])))
        utils.print_notes()


IommuMapExport()
