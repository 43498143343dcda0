# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU's memory regions, flat view and RAM blocks as plain Python objects.

Fields are read by name from whatever struct layout this QEMU has (7.2,
10.0 and 11.1 are tested).  The commands only format these objects.
"""

import re

import gdb

from . import utils
from .utils import U64, cstring, field, is_null, ptr_int, read_int128

BASE_BAR_RE = re.compile(r"^(?P<dev>.+) base BAR (?P<bar>[0-9]+)$")
MMAP_RE = re.compile(r"^(?P<dev>.+) BAR (?P<bar>[0-9]+) mmaps\[(?P<k>[0-9]+)\]$")

LEGEND = ("legend: START-END = address in the address space (GPA under "
          "'system'); (@ 0x...) = the MemoryRegion * in QEMU's heap, NOT "
          "guest memory; hva = host virtual address in QEMU "
          "(RAMBlock.host + offsets); [..] = RAMBlock idstr")


class RamBlock:
    """One RAMBlock: idstr, offset (a ram_addr_t), lengths, host (HVA), and
    its MemoryRegion's pointer, name, ram_device flag and addr."""

    def __init__(self, v):
        self.ptr = ptr_int(v)
        b = v.dereference()
        self.idstr = utils.char_array(b["idstr"])
        self.offset = int(b["offset"]) & U64
        self.used_length = int(b["used_length"]) & U64
        self.max_length = int(b["max_length"]) & U64
        self.host = ptr_int(b["host"])
        mr = b["mr"]
        self.mr = ptr_int(mr)
        self.mr_name = cstring(mr["name"]) if not is_null(mr) else None
        self.ram_device = bool(field(mr, "ram_device", False)) \
            if not is_null(mr) else False
        self.mr_addr = int(mr["addr"]) & U64 if not is_null(mr) else 0

    def contains_hva(self, a):
        """True when HVA A lies in the block's host mapping."""
        return self.host and self.host <= a < self.host + \
            max(self.max_length, self.used_length)


def ram_blocks():
    """The blocks of ram_list, in list order."""
    rl = utils.global_var("ram_list", utils.ram_list_type)
    return [RamBlock(b) for b in utils.qlist(rl["blocks"], "next")]


# RAMBlock * -> RamBlock, within one command (utils.command empties it)
_block_cache = utils.cache("ramblocks", "command")


def _block_of(rb_ptr):
    """The RamBlock of RAMBlock * RB_PTR, read once per command."""
    a = ptr_int(rb_ptr)
    if a not in _block_cache:
        _block_cache[a] = RamBlock(rb_ptr)
    return _block_cache[a]


def region_kind(mr):
    """alias, ram_device, rom_device, rom, ram, io or container.

    Decided from the alias, ram_device, rom_device, ram, readonly and
    terminates fields; never from ops, which QEMU sets on every region.
    """
    if not is_null(mr["alias"]):
        return "alias"
    if bool(field(mr, "ram_device", False)):
        return "ram_device"
    if bool(field(mr, "rom_device", False)):
        return "rom_device"
    if bool(mr["ram"]):
        return "rom" if bool(field(mr, "readonly", False)) else "ram"
    if bool(field(mr, "terminates", True)):
        return "io"
    return "container"


def ram_of(mr):
    """(hva, RamBlock) of a RAM-backed region, following aliases; or None."""
    off = 0
    seen = set()
    while not is_null(mr["alias"]):
        a = ptr_int(mr)
        if a in seen:
            return None
        seen.add(a)
        off += int(mr["alias_offset"]) & U64
        mr = mr["alias"]
    rb = mr["ram_block"]
    if is_null(rb):
        return None
    blk = _block_of(rb)
    if not blk.host:
        return None
    return ((blk.host + off) & U64, blk)


class Region:
    """One MemoryRegion as met in the walk, at its absolute address."""

    def __init__(self, mr, base, level, parent):
        self.ptr = ptr_int(mr)
        self.mr = mr
        self.name = cstring(mr["name"])
        self.kind = region_kind(mr)
        self.rel = int(mr["addr"]) & U64
        self.addr = base + self.rel
        self.size = read_int128(mr["size"])
        self.level = level
        self.parent = parent
        self.children = []
        self.alias = None
        self.alias_name = None
        self.alias_offset = 0
        if self.kind == "alias":
            al = mr["alias"]
            self.alias = ptr_int(al)
            self.alias_name = cstring(al["name"])
            self.alias_offset = int(mr["alias_offset"]) & U64
        ram = ram_of(mr) if self.kind in ("alias", "ram", "rom",
                                          "ram_device",
                                          "rom_device") else None
        if ram is None and self.kind == "io" and \
                not is_null(mr["ram_block"]):
            ram = ram_of(mr)
        self.hva = ram[0] if ram else None
        self.block = ram[1] if ram else None
        self.root = None
        self.match = False

    @property
    def end(self):
        """The last address of the region (its start when it is empty)."""
        return self.addr + self.size - 1 if self.size else self.addr

    def walk(self):
        """This region, then its descendants, depth first."""
        yield self
        for c in self.children:
            yield from c.walk()


class Tree:
    """The region trees under address_space_memory and address_space_io,
    then every alias target not yet printed, as its own root (the order
    and shape of QEMU's 'qemu mtree')."""

    ROOTS = (("address_space_memory", "system"), ("address_space_io", "io"))

    def __init__(self):
        self.roots = []
        self.seen = set()
        queue = []
        for var, _ in self.ROOTS:
            if not utils.symbol_exists(var):
                utils.notes.add("no symbol %s" % var)
                continue
            asp = utils.global_var(var, utils.address_space_type)
            queue.append((asp["root"], var))
        while queue:
            mr, origin = queue.pop(0)
            if is_null(mr) or ptr_int(mr) in self.seen:
                continue
            r = self._walk(mr, 0, 0, None, queue)
            r.root = origin
            self.roots.append(r)

    def _walk(self, mr, base, level, parent, queue):
        """Region of MR and its subregions; alias targets go to QUEUE."""
        self.seen.add(ptr_int(mr))
        r = Region(mr, base, level, parent)
        if r.alias is not None:
            queue.append((mr["alias"], "alias of " + r.name))
        for sub in utils.qtailq(mr["subregions"], "subregions_link"):
            if ptr_int(sub) in self.seen:
                utils.notes.add("region %s at 0x%x met twice; printed once"
                                % (cstring(sub["name"]), ptr_int(sub)))
                continue
            r.children.append(self._walk(sub, r.addr, level + 1, r, queue))
        return r

    def regions(self):
        """Every region, root after root, depth first (print order)."""
        for root in self.roots:
            yield from root.walk()

    def system(self):
        """The root of address_space_memory ('system'), or None."""
        for root in self.roots:
            if root.root == "address_space_memory":
                return root
        return None

    def placed(self, max_depth=16):
        """(Region, absolute address) of every enabled region that is
        visible in address_space_memory, following aliases into the trees
        they point at, as QEMU's flat view does: a device behind a PCI
        bridge sits in the bridge's own 'pci_bridge_pci' tree, reached only
        through the bridge's window aliases.  Each alias clips what it shows
        to its own range; a region seen twice is given once."""
        byptr = {r.ptr: r for r in self.regions()}
        out = []
        seen = set()

        def enabled(r):
            """The region's enabled flag (true where QEMU has none)."""
            return bool(field(r.mr, "enabled", True))

        def visit(r, addr, lo, hi, depth):
            """Place R at ADDR, clipped to [LO, HI), and what it shows."""
            if not enabled(r):
                return
            end = addr + r.size if r.size else addr
            lo, hi = max(lo, addr), min(hi, end)
            if lo >= hi:
                return
            if r.ptr not in seen:
                seen.add(r.ptr)
                out.append((r, addr))
            if r.alias is not None:
                t = byptr.get(r.alias)
                if t is None or depth >= max_depth:
                    return
                base = (addr - r.alias_offset) & U64
                for c in t.children:
                    visit(c, (base + c.rel) & U64, lo, hi, depth + 1)
                return
            for c in r.children:
                visit(c, (addr + c.rel) & U64, lo, hi, depth)

        sysroot = self.system()
        if sysroot is not None:
            visit(sysroot, 0, 0, 1 << 64, 0)
        return out

    def mark(self, pattern):
        """Mark matches, their ancestors and descendants; return count."""
        n = 0
        for r in self.regions():
            if utils.name_matches(pattern, r.name):
                n += 1
                for d in r.walk():
                    d.match = True
                p = r.parent
                while p is not None:
                    p.match = True
                    p = p.parent
        return n


def format_region(r):
    """The 'iommu-map mtree' lines of region R (a second for an alias)."""
    s = "%s%016x-%016x %s (%s) (@ 0x%x)" % ("  " * r.level, r.addr & U64,
                                            r.end & U64, r.name, r.kind,
                                            r.ptr)
    if r.hva is not None:
        s += " hva 0x%x [%s]" % (r.hva, r.block.idstr)
    lines = [s]
    if r.alias is not None:
        lines.append("%s    alias: %s@%016x (@ 0x%x)" % (
            "  " * r.level, r.alias_name, r.alias_offset, r.alias))
    return lines


class FlatRange:
    """One range of a FlatView: GPA, size, region, offset in it and HVA."""

    def __init__(self, fr):
        mr = fr["mr"]
        self.mr = ptr_int(mr)
        self.name = cstring(mr["name"])
        self.kind = region_kind(mr)
        a = fr["addr"]
        self.gpa = read_int128(a["start"]) & U64
        self.size = read_int128(a["size"])
        self.offset = int(fr["offset_in_region"]) & U64
        ram = ram_of(mr)
        self.hva = (ram[0] + self.offset) & U64 if ram else None
        self.block = ram[1] if ram else None

    @property
    def end(self):
        """The last GPA of the range."""
        return self.gpa + self.size - 1 if self.size else self.gpa


def flat_view(var="address_space_memory"):
    """The current FlatView of an address space, as a list of FlatRange."""
    asp = utils.global_var(var, utils.address_space_type)
    fv = asp["current_map"]
    if is_null(fv):
        utils.notes.add("%s has no current FlatView yet" % var)
        return []
    n = int(fv["nr"])
    ranges = fv["ranges"]
    return [FlatRange(ranges[i]) for i in range(n)]


def format_flat(f):
    """The 'iommu-map mtree -f' line of flat range F."""
    s = "%016x-%016x %s (%s) (@ 0x%x) off 0x%x" % (
        f.gpa, f.end & U64, f.name, f.kind, f.mr, f.offset)
    if f.hva is not None:
        s += " hva 0x%x [%s]" % (f.hva, f.block.idstr)
    return s


FLAT_LEGEND = ("legend: START-END = guest physical address (GPA); "
               "(@ 0x...) = the MemoryRegion * in QEMU's heap, NOT guest "
               "memory; off = offset in that region; hva = host virtual "
               "address in QEMU; [..] = RAMBlock idstr")
