#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/mk-host.py SCALE DIR: write a synthetic host as a --sysroot tree.

Scale 1 is the large host of issue 15: 4096 PCI devices, 256 of them bound
to vfio-pci with 6 BARs each, all held and mmapped by one QEMU (pid 4242),
100k lines in its maps and 32k memslots.  Every count scales linearly, but
the memslots stop at 32,768: one address space holds no more (the tool's
bound, issue 14; KVM's own limit is lower), so a memslots file of more is
bad input and scale 3 would time an error.
A 6.1 kernel: a vfio BAR mmap's offset in maps is the BAR's HPA, so each
mapping names its BAR.  Every device has the files `--sysroot` and lspci
read: vendor, device, class, resource, a 256-byte config (a PM and an MSI-X
capability), the driver and iommu_group links (every 8th plain device has no
driver).  Memslots: one per vfio BAR mmap (the BAR's guest address), the
rest 2 MiB pieces of guest RAM, each on a maps line of its own; the other
maps lines are libraries and anonymous memory between them.  Invented
values throughout; generated at bench time, never committed."""
import os, struct, sys

PID = 4242
KERNEL = "6.1.0-56-amd64"
VFIO_BASE, VFIO_WIN = 0x40000000, 0x40000      # 256 KiB of 32-bit BARs a vfio device
VFIO_BARS = [(0x0, 0x10000), (0x10000, 0x10000), (0x20000, 0x8000),
             (0x28000, 0x4000), (0x2c000, 0x2000), (0x2e000, 0x1000)]
PLAIN_BASE, PLAIN_WIN = 0x4000000000, 0x200000  # a 1 MiB and a 16 KiB 64-bit BAR
RAM_PIECE = 0x200000
DRIVERS = ["nvme", "e1000e", "xhci_hcd", "ahci", "mlx5_core", "igb", "i915"]
CLASSES = [0x010802, 0x020000, 0x0c0330, 0x010601, 0x020000, 0x020000, 0x030000]
MEM32, MEM64, MEM64P = 0x40200, 0x140204, 0x14220c   # resource flags


class Tree:
    def __init__(self, root):
        self.root = root
        self.dirs = set()

    def _mkdir(self, d):
        if d not in self.dirs:
            os.makedirs(d, exist_ok=True)
            self.dirs.add(d)

    def write(self, rel, data):
        p = os.path.join(self.root, rel)
        self._mkdir(os.path.dirname(p))
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)

    def link(self, rel, target):
        p = os.path.join(self.root, rel)
        self._mkdir(os.path.dirname(p))
        os.symlink(target, p)

    def mkdir(self, rel):
        self._mkdir(os.path.join(self.root, rel))


def config_space(ven, dev, cls, bars, msix_bar):
    """256 bytes: a type 0 header, PM at 0x40, MSI-X (16 vectors) at 0x50"""
    c = bytearray(256)
    struct.pack_into("<HHHHI", c, 0, ven, dev, 0x0406, 0x0010, (cls << 8) | 0x01)
    for i, (addr, _size, flags) in bars.items():
        low = addr & 0xfffffff0
        if flags & 0x100000:            # 64-bit
            low |= 0x4 | (0x8 if flags & 0x2000 else 0)
            struct.pack_into("<II", c, 0x10 + 4 * i, low, addr >> 32)
        else:
            struct.pack_into("<I", c, 0x10 + 4 * i, low)
    struct.pack_into("<HH", c, 0x2c, ven, 0x0001)
    c[0x34] = 0x40
    c[0x3d] = 1
    struct.pack_into("<BBHI", c, 0x40, 0x01, 0x50, 0x0003, 0x0008)
    struct.pack_into("<BBHII", c, 0x50, 0x11, 0x00, 15, msix_bar, 0x800 | msix_bar)
    return bytes(c)


def device(t, i, vfio):
    bdf = "0000:%02x:%02x.%x" % (1 + (i >> 8), (i >> 3) & 0x1f, i & 7)
    rel = "sys/devices/pci0000:00/" + bdf
    if vfio:
        base = VFIO_BASE + vfio[0] * VFIO_WIN
        bars = {k: (base + off, size, MEM32) for k, (off, size) in enumerate(VFIO_BARS)}
        ven, devid, cls, driver = 0x8086, 0x10fb, 0x020000, "vfio-pci"
    else:
        base = PLAIN_BASE + i * PLAIN_WIN
        bars = {0: (base, 0x100000, MEM64P), 2: (base + 0x100000, 0x4000, MEM64)}
        ven, devid, cls = 0x8086 + (i % 3), 0x1000 + (i % 97), CLASSES[i % len(CLASSES)]
        driver = None if i % 8 == 7 else DRIVERS[i % len(DRIVERS)]
    t.write(rel + "/vendor", "0x%04x\n" % ven)
    t.write(rel + "/device", "0x%04x\n" % devid)
    t.write(rel + "/class", "0x%06x\n" % cls)
    res = []
    for k in range(13):
        b = bars.get(k)
        res.append("0x%016x 0x%016x 0x%016x" % ((b[0], b[0] + b[1] - 1, b[2]) if b else (0, 0, 0)))
    t.write(rel + "/resource", "\n".join(res) + "\n")
    t.write(rel + "/config", config_space(ven, devid, cls, bars, 4 if vfio else 0))
    t.write(rel + "/irq", "%d\n" % (32 + i % 200))
    up = "../" * rel.count("/")
    if driver:
        t.mkdir("sys/bus/pci/drivers/" + driver)
        t.link(rel + "/driver", up + "bus/pci/drivers/" + driver)
    t.mkdir("sys/kernel/iommu_groups/%d" % i)
    t.link(rel + "/iommu_group", up + "kernel/iommu_groups/%d" % i)
    t.link("sys/bus/pci/devices/" + bdf, "../../../devices/pci0000:00/" + bdf)
    return bdf, bars, i


def maps_line(start, size, perms, off, dev, ino, path):
    s = "%x-%x %s %08x %s %d" % (start, start + size, perms, off, dev, ino)
    return (s + " " * max(1, 73 - len(s)) + path if path else s + " ") + "\n"


def spread(meaningful, nfill):
    """the meaningful entries in order, nfill None (filler) spread between"""
    out, n, acc = [], len(meaningful), 0
    for e in meaningful:
        out.append(e)
        acc += nfill
        while n and acc >= n:
            out.append(None)
            acc -= n
    while len(out) < len(meaningful) + nfill:
        out.append(None)
    return out


def process(t, vfio_devs, nmaps, nslots):
    """the QEMU: fds, maps and the memslot file; returns the maps line count"""
    P = "proc/%d/" % PID
    t.write(P + "comm", "qemu-system-x86\n")
    args = ["qemu-system-x86_64", "-machine", "q35,accel=kvm", "-m", "64G"]
    for k, (bdf, _bars, _grp) in enumerate(vfio_devs):
        args += ["-device", "vfio-pci,host=%s,id=hostdev%d" % (bdf, k)]
    t.write(P + "cmdline", "\0".join(args) + "\0")
    fds = ["/dev/null", "/dev/pts/3", "/dev/pts/3", "/dev/kvm", "anon_inode:kvm-vm", "/dev/vfio/vfio"]
    for _bdf, _bars, grp in vfio_devs:
        fds += ["/dev/vfio/%d" % grp, "anon_inode:[vfio-device]"]
    fds += ["anon_inode:kvm-vfio"] + ["anon_inode:kvm-vcpu:%d" % v for v in range(8)]
    for n, target in enumerate(fds):
        t.link(P + "fd/%d" % n, target)
        t.write(P + "fdinfo/%d" % n, "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t%d\n" % (1000 + n))
    barmaps = [(bdf, addr, size) for bdf, bars, _grp in vfio_devs for addr, size, _f in bars.values()]
    nram = max(0, nslots - len(barmaps))
    head = [maps_line(0x55d0a0000000, 0x400000, "r--p", 0, "fd:01", 393222, "/usr/bin/qemu-system-x86_64"),
            maps_line(0x55d0a0400000, 0xa00000, "r-xp", 0x400000, "fd:01", 393222, "/usr/bin/qemu-system-x86_64"),
            maps_line(0x55d0a2000000, 0x1000000, "rw-p", 0, "00:00", 0, "[heap]")]
    nfill = max(0, nmaps - len(head) - 1 - nram - len(barmaps))
    lines, slots, hva = list(head), [], 0x7f0000000000
    ram_gpa, bar_gpa, nlib = 0x100000000, 0x380000000000, 0
    for e in spread(["ram"] * nram + barmaps, nfill):
        if e == "ram":
            lines.append(maps_line(hva, RAM_PIECE, "rw-p", 0, "00:00", 0, ""))
            slots.append((ram_gpa, RAM_PIECE, hva))
            ram_gpa += RAM_PIECE
            size = RAM_PIECE
        elif e is None:
            size = 0x21000 if nlib % 2 else 0x1000
            if nlib % 2:
                lines.append(maps_line(hva, size, "r-xp", 0x1000 * (nlib % 7), "fd:01",
                                       1400000 + nlib // 2, "/usr/lib/x86_64-linux-gnu/libbench-%d.so.1" % (nlib // 2)))
            else:
                lines.append(maps_line(hva, size, "rw-p", 0, "00:00", 0, ""))
            nlib += 1
        else:
            _bdf, addr, size = e
            lines.append(maps_line(hva, size, "rw-s", addr, "00:0e", 1050, "anon_inode:[vfio-device]"))
            slots.append((bar_gpa + (addr - VFIO_BASE), size, hva))
        hva += size + 0x1000
    lines.append(maps_line(0x7ffd00000000, 0x21000, "rw-p", 0, "00:00", 0, "[stack]"))
    t.write(P + "maps", "".join(lines))
    out = ["# as_id slot gpa size hva flags\n"]
    out += ["0 %d 0x%x 0x%x 0x%x 0x0\n" % (k, gpa, size, hva) for k, (gpa, size, hva) in enumerate(slots)]
    t.write("iommu-map/memslots", "".join(out))
    return len(lines), len(slots)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mk-host.py SCALE DIR")
    scale, root = float(sys.argv[1]), sys.argv[2]
    if os.path.exists(root):
        sys.exit("mk-host.py: %s exists" % root)
    ndev = max(1, round(4096 * scale))
    nvfio = min(ndev, max(1, round(256 * scale)))
    t = Tree(root)
    t.write("proc/sys/kernel/osrelease", KERNEL + "\n")
    stride = ndev // nvfio
    vfio_devs = []
    for i in range(ndev):
        k = i // stride if i % stride == 0 and i // stride < nvfio else None
        r = device(t, i, (k,) if k is not None else None)
        if k is not None:
            vfio_devs.append(r)
    nmaps, nslots = process(t, vfio_devs, round(100000 * scale),
                           min(round(32768 * scale), 32768))
    print("scale %g: %d devices, %d vfio x %d BARs, %d maps lines, %d memslots"
          % (scale, ndev, nvfio, len(VFIO_BARS), nmaps, nslots))


if __name__ == "__main__":
    main()
