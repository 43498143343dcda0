#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the QEMU 10.0 and 11.1 inputs for tests/fixtures/synthetic-6.18-q35:
two trace logs and two memory trees.  Constructed, not captured: every line
follows a format QEMU prints (FACTS.md, "Corrections measured on Debian 13"
and sections 3 and 4), with the addresses of the fixture, in which the NVMe
drive 0000:01:00.0 is given to QEMU as fd 13 (-device
vfio-pci,fd=13,iommufd=iommufd0,id=nvme0) and the two others by host=.

- trace-10.0-pid.log: QEMU 10.0's log backend with -msg timestamp=on
  ("PID@SEC.USEC:" before each trace line); the NVMe is named VFIO_FD13.
- trace-11.1-iso.log: QEMU 11.1 with -msg timestamp=on (an ISO 8601 time
  before every log line, -d guest_errors lines too); the NVMe is named
  nvme0, after its id= (QEMU 10.2 and later).
- mtree-10.0-vfio-fd.hmp-info-mtree-f.txt: HMP `info mtree -f`, QEMU 10.0.
- mtree-11.1-id.hmp-info-mtree.txt: HMP `info mtree`, QEMU 11.1, pasted
  from the monitor with its prompt.
Run from the top of the tree; the files are written next to this script."""
import os

D = os.path.dirname(os.path.abspath(__file__))
T0 = 1796307034          # 2026-12-03T14:10:34Z
MAIN, VCPU = 7100, 7108  # QEMU's main thread and vCPU 0


def slot(asid, n, gpa, size, hva, flags=0):
    return ("kvm_set_user_memory AddrSpace#%d Slot#%d flags=0x%x gpa=0x%x size=0x%x ua=0x%x "
            "guest_memfd=-1 guest_memfd_offset=0x0 ret=0" % (asid, n, flags, gpa, size, hva))


def both(n, gpa, size, hva):
    """a slot in the memory address space and its copy in KVM-SMRAM"""
    return [slot(0, n, gpa, size, hva), slot(1, n, gpa, size, hva)]


def regions(dev, sizes, flags):
    out = []
    for i in range(6):
        out.append('vfio_region_setup Device %s, region %d "%s BAR %d", flags: 0x%x, offset: 0x%x, size: 0x%x'
                   % (dev, i, dev, i, flags.get(i, 0), i << 40, sizes.get(i, 0)))
    return out


def mmap(dev, bar, size):
    return "vfio_region_mmap Region %s BAR %d mmaps[0] [0x0 - 0x%x]" % (dev, bar, size - 1)


def dma(iova, end, hva):
    return "vfio_listener_region_add_ram region_add [ram] 0x%x - 0x%x [0x%x]" % (iova, end, hva)


def events(nvme):
    """(thread, line or None for a guest error) in the order QEMU writes them"""
    ev = []
    m = lambda lines: ev.extend((MAIN, l) for l in lines)
    v = lambda lines: ev.extend((VCPU, l) for l in lines)
    # machine init: the RAM below and above 4 GiB
    m(both(0, 0x0, 0x80000000, 0x7f1100000000) + both(1, 0x100000000, 0x80000000, 0x7f1180000000))
    # -device realize: regions and their mmaps
    m(regions(nvme, {0: 0x4000}, {0: 0x7}) + [mmap(nvme, 0, 0x4000)])
    m(regions("0000:02:00.0", {0: 0x20000, 3: 0x4000}, {0: 0x7, 3: 0xf}) +
      [mmap("0000:02:00.0", 0, 0x20000), mmap("0000:02:00.0", 3, 0x4000)])
    m(regions("0000:03:00.0", {0: 0x100, 2: 0x80000000}, {0: 0x7, 2: 0x7}) +
      [mmap("0000:03:00.0", 0, 0x100), mmap("0000:03:00.0", 2, 0x80000000)])
    # the RAM DMA-mapped, once per container (iommufd for the NVMe, type1 for the others)
    for _ in range(2):
        m([dma(0x0, 0x7fffffff, 0x7f1100000000), dma(0x100000000, 0x17fffffff, 0x7f1180000000),
           "vfio_listener_region_skip SKIPPING region_add 0xfed00000 - 0xfed003ff"])
    # the firmware places the BARs and enables memory decode
    v(both(10, 0xc1000000, 0x20000, 0x7f1300000000) + [dma(0xc1000000, 0xc101ffff, 0x7f1300000000)])
    v(both(11, 0xc1021000, 0x3000, 0x7f1300021000) + [dma(0xc1021000, 0xc1023fff, 0x7f1300021000)])
    v(both(12, 0xc1200000, 0x4000, 0x7f1300024000) + [dma(0xc1200000, 0xc1203fff, 0x7f1300024000)])
    v(both(13, 0xc1240000, 0x1000, 0x7f1300028000) + [dma(0xc1240000, 0xc1240fff, 0x7f1300028000)])
    v(both(9, 0x380000000000, 0x80000000, 0x7f1000000000) +
      [dma(0x380000000000, 0x38007fffffff, 0x7f1000000000)])
    ev.append((VCPU, None))
    # Linux sizes the NIC's BARs: decode off and on again, the same place
    v([slot(0, 10, 0xc1000000, 0x0, 0x7f1300000000), slot(1, 10, 0xc1000000, 0x0, 0x7f1300000000),
       "vfio_listener_region_del region_del 0xc1000000 - 0xc101ffff"])
    v(both(10, 0xc1000000, 0x20000, 0x7f1300000000) + [dma(0xc1000000, 0xc101ffff, 0x7f1300000000)])
    return ev


GUEST_ERROR = "Invalid read at addr 0xFED40000, size 1, region '(null)', reason: rejected"


def trace_10(path):
    us = 804898
    with open(path, "w") as f:
        for tid, l in events("VFIO_FD13"):
            us += 137
            if l is None:   # 10.0: qemu_log lines have no time
                f.write(GUEST_ERROR + "\n")
            else:
                f.write("%d@%d.%06d:%s\n" % (tid, T0 + us // 1000000, us % 1000000, l))


def trace_11(path):
    us = 804898
    with open(path, "w") as f:
        for _, l in events("nvme0"):
            us += 137
            s, u = T0 + us // 1000000, us % 1000000
            stamp = "2026-12-03T14:10:%02d.%06dZ" % (34 + s - T0, u)
            f.write("%s %s\n" % (stamp, l if l is not None else GUEST_ERROR))


def r(a, b, prio, kind, name, depth=1):
    return "%s%016x-%016x (prio %d, %s): %s" % ("  " * depth, a, b, prio, kind, name)


def flat_view(nvme):
    L = []
    L.append(r(0x0, 0x7fffffff, 0, "ram", "pc.ram KVM"))
    L.append(r(0xb0000000, 0xbfffffff, 0, "i/o", "pcie-mmcfg-mmio"))
    L.append(r(0xc1000000, 0xc101ffff, 0, "ramd", "0000:02:00.0 BAR 0 mmaps[0] KVM"))
    L.append(r(0xc1020000, 0xc102004f, 0, "i/o", "msix-table"))
    L.append(r(0xc1020050, 0xc1023fff, 0, "ramd", "0000:02:00.0 BAR 3 mmaps[0] @0000000000000050"))
    L.append(r(0xc1200000, 0xc1203fff, 0, "ramd", "%s BAR 0 mmaps[0] KVM" % nvme))
    L.append(r(0xc1240000, 0xc1240fff, 0, "ramd", "0000:03:00.0 BAR 0 mmaps[0] KVM"))
    L.append(r(0xfec00000, 0xfec00fff, 0, "i/o", "kvm-ioapic"))
    L.append(r(0xfed00000, 0xfed003ff, 0, "i/o", "hpet"))
    L.append(r(0xfee00000, 0xfeefffff, 4096, "i/o", "kvm-apic-msi"))
    L.append(r(0x100000000, 0x17fffffff, 0, "ram", "pc.ram @0000000080000000 KVM"))
    L.append(r(0x380000000000, 0x38007fffffff, 0, "ramd", "0000:03:00.0 BAR 2 mmaps[0] KVM"))
    return L


def mtree_f(path):
    with open(path, "w") as f:
        f.write("FlatView #0\n AS \"KVM-SMRAM\", root: mem-container-smram\n"
                " Root memory region: mem-container-smram\n")
        f.write("\n".join(flat_view("VFIO_FD13")) + "\n\n")
        f.write("FlatView #1\n AS \"memory\", root: system\n AS \"cpu-memory-0\", root: system\n"
                " Root memory region: system\n")
        f.write("\n".join(flat_view("VFIO_FD13")) + "\n\n")
        f.write("FlatView #2\n AS \"I/O\", root: io\n Root memory region: io\n")
        f.write(r(0x0, 0x7, 0, "i/o", "dma-chan") + "\n")
        f.write(r(0x60, 0x60, 0, "i/o", "i8042-data") + "\n\n")


def bar(dev, n, a, size, mmap=True, depth=3):
    L = [r(a, a + size - 1, 1, "i/o", "%s base BAR %d" % (dev, n), depth),
         r(a, a + size - 1, 0, "i/o", "%s BAR %d" % (dev, n), depth + 1)]
    if mmap:
        L.append(r(a, a + size - 1, 0, "ramd", "%s BAR %d mmaps[0]" % (dev, n), depth + 2))
    return L


def mtree_tree(path):
    L = ["(qemu) info mtree", "address-space: cpu-memory-0", "address-space: memory",
         r(0x0, 0xffffffffffffffff, 0, "i/o", "system"),
         r(0x0, 0x7fffffff, 0, "ram", "alias ram-below-4g @pc.ram 0000000000000000-000000007fffffff", 2),
         r(0x0, 0xffffffffffffffff, -1, "i/o", "pci", 2)]
    L += bar("0000:02:00.0", 0, 0xc1000000, 0x20000)
    L += [r(0xc1020000, 0xc1023fff, 1, "i/o", "0000:02:00.0 base BAR 3", 3),
          r(0xc1020000, 0xc102004f, 0, "i/o", "msix-table", 4),
          r(0xc1020000, 0xc1023fff, 0, "i/o", "0000:02:00.0 BAR 3", 4),
          r(0xc1020000, 0xc1023fff, 0, "ramd", "0000:02:00.0 BAR 3 mmaps[0]", 5)]
    L += bar("nvme0", 0, 0xc1200000, 0x4000)
    L += bar("0000:03:00.0", 0, 0xc1240000, 0x1000)
    L += bar("0000:03:00.0", 2, 0x380000000000, 0x80000000)
    L += [r(0xfec00000, 0xfec00fff, 0, "i/o", "kvm-ioapic", 2),
          r(0x100000000, 0x17fffffff, 0, "ram", "alias ram-above-4g @pc.ram 0000000080000000-00000000ffffffff", 2),
          "", "address-space: I/O", r(0x0, 0xffff, 0, "i/o", "io"),
          r(0x60, 0x60, 0, "i/o", "i8042-data", 2), "",
          "memory-region: pc.ram", r(0x0, 0xffffffff, 0, "ram", "pc.ram"), ""]
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


trace_10(os.path.join(D, "trace-10.0-pid.log"))
trace_11(os.path.join(D, "trace-11.1-iso.log"))
mtree_f(os.path.join(D, "mtree-10.0-vfio-fd.hmp-info-mtree-f.txt"))
mtree_tree(os.path.join(D, "mtree-11.1-id.hmp-info-mtree.txt"))
