# SPDX-License-Identifier: GPL-2.0-or-later
"""The 'iommu-map' prefix command."""

import gdb


class IommuMapPrefix(gdb.Command):
    """Show where QEMU's guest memory and passed-through BARs live.

The numbers printed are labelled: GPA (guest physical), HVA (host
virtual address in QEMU), and the MemoryRegion * / RAMBlock * struct
addresses on QEMU's heap, which are not addresses of guest memory.
Works on a live QEMU (gdb -p PID) or a core file, with a debug build or
a stripped binary plus a types-only object.  See iommu-map-gdb(8)."""

    def __init__(self):
        super().__init__("iommu-map", gdb.COMMAND_DATA, gdb.COMPLETE_NONE,
                         True)


IommuMapPrefix()
