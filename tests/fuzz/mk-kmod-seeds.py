#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the seeds of fuzz-kmod.c (its comment has the format) in seeds/kmod/ next to this
# script: replies as the module gives them on the lab's q35-kvm guest.
import os, struct
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds', 'kmod')
HVA, HPA = 0x7f7ff0100000, 0xfe000000

def slot(as_id, sid, flags, gpa, size, hva):
    return struct.pack('<IIIIQQQ', as_id, sid, flags, 0, gpa >> 12, size >> 12, hva)

def memslots(kind, slots, num=None, gen=42):
    body = b''.join(slots)
    return struct.pack('<BI', kind, len(slots) if num is None else num) + body + struct.pack('<Q', gen)

def walk(kind, done, entries):
    return struct.pack('<BQI', kind, done, len(entries)) + b''.join(
        struct.pack('<QQQII', *e) for e in entries)

ram = [slot(0, 0, 0, 0, 0xc0000, 0x7f7f00000000), slot(0, 1, 0, 0x100000, 0x7ff00000, 0x7f7f00100000),
       slot(0, 2, 0, 0xfe000000, 0x20000, HVA), slot(1, 0, 0, 0, 0xc0000, 0x7f7f00000000)]
seeds = {
    'verified-4k': struct.pack('<QQQ', HVA, 0x20000, HPA) + memslots(0, ram) +
        walk(0, 0x20000, [(HVA, 0x20000, HPA >> 12, 1, 12)]),
    'grow-then-partly': struct.pack('<QQQ', HVA, 0x4000, HPA) + memslots(1, [], 100) +
        memslots(0, ram * 25) + walk(0, 0x3000, [(HVA, 0x3000, HPA >> 12, 1, 12)]) +
        walk(0, 0x1000, [(HVA + 0x3000, 0x1000, 0, 0, 0)]),
    'mismatch-1g': struct.pack('<QQQ', 0x7f8000000000, 0x80000000, 0x380000000000) + memslots(0, ram[:2]) +
        walk(0, 0x80000000, [(0x7f8000000000, 0x40000000, 0x380000000, 1, 30),
                             (0x7f8040000000, 0x40000000, 0x1234, 1, 30)]),
    'no-vma': struct.pack('<QQQ', HVA, 0x2000, HPA) + memslots(2, []) +
        walk(0, 0x2000, [(HVA, 0x2000, 0, 0x10, 0)]),
}
for name, data in seeds.items():
    with open(os.path.join(here, name), 'wb') as f:
        f.write(data)
