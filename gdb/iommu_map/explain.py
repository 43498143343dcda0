# SPDX-License-Identifier: GPL-2.0-or-later
"""The command 'iommu-map explain ADDR': what a number means in QEMU.

A MemoryRegion *, a RAMBlock *, an HVA in a RAM block, a GPA, or none.
"""

import gdb

from . import kvm, memory, utils
from .utils import U64


def _gpas_of_hva(flat, blk, off):
    """GPAs at which the guest sees byte OFF of RAM block BLK."""
    out = []
    for f in flat:
        if f.block is None or f.block.ptr != blk.ptr:
            continue
        start = f.hva - blk.host
        if start <= off < start + f.size:
            out.append((f.gpa + off - start, f))
    return out


def explain(addr):
    """Readings of ADDR, as lines of text."""
    lines = []
    tree = memory.Tree()
    regions = list(tree.regions())
    blocks = memory.ram_blocks()
    flat = memory.flat_view()

    for r in regions:
        if r.ptr == addr:
            s = ("0x%x is a MemoryRegion * (the struct on QEMU's heap, not "
                 "guest memory): '%s' (%s), size 0x%x"
                 % (addr, r.name, r.kind, r.size))
            lines.append(s)
            gp = [f for f in flat if f.mr == addr]
            for f in gp:
                lines.append("  mapped at GPA 0x%x-0x%x (offset 0x%x in "
                             "the region)" % (f.gpa, f.end, f.offset))
            if not gp and r.root == "address_space_memory":
                lines.append("  in the system tree at 0x%x-0x%x, not "
                             "visible in the flat view" % (r.addr, r.end))
            if r.hva is not None:
                lines.append("  its memory is at HVA 0x%x (RAMBlock '%s')"
                             % (r.hva, r.block.idstr))
            break
    else:
        for b in blocks:
            if b.mr == addr:
                lines.append("0x%x is a MemoryRegion * (the struct on "
                             "QEMU's heap): '%s', owner of RAMBlock '%s' "
                             "at HVA 0x%x; not in the address-space trees"
                             % (addr, b.mr_name, b.idstr, b.host))

    for b in blocks:
        if b.ptr == addr:
            lines.append("0x%x is a RAMBlock * (the struct on QEMU's heap): "
                         "'%s', host (HVA) 0x%x, used_length 0x%x, region "
                         "'%s'" % (addr, b.idstr, b.host, b.used_length,
                                   b.mr_name))

    for b in blocks:
        if b.contains_hva(addr):
            off = addr - b.host
            lines.append("0x%x is an HVA: offset 0x%x in RAMBlock '%s' "
                         "(region '%s'%s)" % (
                             addr, off, b.idstr, b.mr_name,
                             ", a ram_device: a vfio BAR mmap"
                             if b.ram_device else ""))
            gp = _gpas_of_hva(flat, b, off)
            for gpa, f in gp:
                lines.append("  the guest sees it at GPA 0x%x (flat range "
                             "0x%x-0x%x, %s)" % (gpa, f.gpa, f.end, f.name))
            if not gp:
                lines.append("  not mapped in address_space_memory's flat "
                             "view")

    for f in flat:
        if f.gpa <= addr <= f.end:
            s = ("0x%x is a GPA in '%s' (%s), offset 0x%x in the region"
                 % (addr, f.name, f.kind, f.offset + addr - f.gpa))
            if f.hva is not None:
                s += ", HVA 0x%x" % ((f.hva + addr - f.gpa) & U64)
            else:
                s += ", no HVA: QEMU emulates this range"
            lines.append(s)

    try:
        ss = kvm.slots()
    except kvm.SlotsUnknown as e:
        ss = None
        utils.notes.add("KVM slots unknown: %s" % e)
    if ss:
        for s in ss:
            if s.gpa <= addr < s.gpa + s.size:
                lines.append("  as GPA: KVM slot %d (as %d) maps it to HVA "
                             "0x%x" % (s.slot, s.as_id,
                                       s.hva + addr - s.gpa))
            if s.hva <= addr < s.hva + s.size:
                lines.append("  as HVA: KVM slot %d (as %d) maps it at GPA "
                             "0x%x" % (s.slot, s.as_id,
                                       s.gpa + addr - s.hva))
    if not lines:
        lines.append("0x%x is none of: a MemoryRegion *, a RAMBlock *, an "
                     "HVA inside a RAM block, a GPA in address_space_memory"
                     % addr)
    return lines


class IommuMapExplain(gdb.Command):
    """Say what an address means in QEMU.

Usage: iommu-map explain ADDR

ADDR is any gdb expression.  Says whether it is a MemoryRegion * (and
which region, its GPAs and HVA), a RAMBlock *, an HVA inside a RAM block
(the block, its region and the GPAs where the guest sees it through the
flat view), or a GPA of address_space_memory (the region, the offset in
it and the HVA).  A number can mean several of these; each reading is
printed.  With KVM, the memory slots covering it are added."""

    cmdname = "iommu-map explain"

    def __init__(self):
        super().__init__(self.cmdname, gdb.COMMAND_DATA,
                         gdb.COMPLETE_EXPRESSION)

    @utils.command
    def invoke(self, arg, from_tty):
        """Evaluate ADDR and print every reading of it."""
        if not arg.strip():
            raise gdb.GdbError("usage: iommu-map explain ADDR")
        utils.need_target()
        utils.memory_region_type.get()
        addr = utils.parse_address(arg)
        gdb.write("\n".join(explain(addr)) + "\n")
        utils.print_notes()


IommuMapExplain()
