# SPDX-License-Identifier: GPL-2.0-or-later
"""The commands 'iommu-map mtree' and 'iommu-map ramblocks'."""

import gdb

from . import memory, utils


class IommuMapMtree(gdb.Command):
    """Print QEMU's memory region tree, with the HVA of RAM-backed regions.

Usage: iommu-map mtree [-f] [PATTERN]

Walks the trees of address_space_memory and address_space_io, then
prints each alias target as a root of its own, in the shape of QEMU's
'qemu mtree':
  START-END NAME (KIND) (@ MemoryRegion *) [hva HVA [RAMBlock idstr]]
KIND is alias, ram_device, ram, rom, rom_device, io or container.
The (@ 0x...) number is the address of the MemoryRegion struct on QEMU's
heap; it is not where the memory is.  hva is RAMBlock.host plus the alias
offsets: the address QEMU (and KVM, for guest access) uses.

PATTERN keeps the regions whose name matches (a glob if it has * ? or [,
else a substring), their descendants, and their ancestors.
-f prints address_space_memory's current flat view instead: each GPA
range with its region, the offset in the region and the HVA."""

    cmdname = "iommu-map mtree"

    def __init__(self):
        super().__init__(self.cmdname, gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    @utils.command
    def invoke(self, arg, from_tty):
        """Parse -f and PATTERN, walk the regions or the flat view, print."""
        argv = gdb.string_to_argv(arg)
        flat = False
        pattern = None
        for a in argv:
            if a == "-f":
                flat = True
            elif a.startswith("-") and a != "-":
                raise gdb.GdbError("iommu-map mtree: unknown option %s "
                                   "(usage: iommu-map mtree [-f] [PATTERN])"
                                   % a)
            elif pattern is None:
                pattern = a
            else:
                raise gdb.GdbError("iommu-map mtree takes one PATTERN "
                                   "(usage: iommu-map mtree [-f] [PATTERN])")
        utils.need_target()
        utils.memory_region_type.get()
        out = []
        if flat:
            out.append(memory.FLAT_LEGEND)
            for f in memory.flat_view():
                if utils.name_matches(pattern, f.name):
                    out.append(memory.format_flat(f))
        else:
            tree = memory.Tree()
            out.append(memory.LEGEND)
            if pattern is not None:
                if not tree.mark(pattern):
                    out.append("no region name matches '%s'" % pattern)
            for r in tree.regions():
                if pattern is None or r.match:
                    out.extend(memory.format_region(r))
        gdb.write("\n".join(out) + "\n")
        utils.print_notes()


class IommuMapRamblocks(gdb.Command):
    """Print QEMU's RAM blocks (ram_list.blocks).

Usage: iommu-map ramblocks

One line per RAMBlock: idstr, offset (a ram_addr_t, QEMU-internal, not a
GPA), used_length, max_length, host (the HVA of the block's first byte),
ram_device (yes for a vfio BAR mmap), the MemoryRegion name and
(@ MemoryRegion *).  A vfio BAR mmap has an empty idstr."""

    cmdname = "iommu-map ramblocks"

    def __init__(self):
        super().__init__(self.cmdname, gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    @utils.command
    def invoke(self, arg, from_tty):
        """Print one line per block of ram_list."""
        if gdb.string_to_argv(arg):
            raise gdb.GdbError("iommu-map ramblocks takes no argument")
        utils.need_target()
        utils.ram_block_type.get()
        out = ["%-24s %-18s %-18s %-18s %-18s %-10s %s" % (
            "IDSTR", "OFFSET", "USED", "MAX", "HOST(HVA)", "RAM_DEVICE",
            "REGION")]
        for b in memory.ram_blocks():
            out.append("%-24s 0x%016x 0x%016x 0x%016x 0x%016x %-10s %s "
                       "(@ 0x%x)" % (
                           b.idstr if b.idstr else '""', b.offset,
                           b.used_length, b.max_length, b.host,
                           "yes" if b.ram_device else "no",
                           b.mr_name, b.mr))
        gdb.write("\n".join(out) + "\n")
        utils.print_notes()


IommuMapMtree()
IommuMapRamblocks()
