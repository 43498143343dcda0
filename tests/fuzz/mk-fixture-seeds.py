#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mk-fixture-seeds.py: the seeds of fuzz-fixture.c from fixtures in tests/fixtures/.

Each fixture directory is encoded in the target's input format: records
separated by "\\n%%\\n", a record's first line "T PATH", the rest its body (F a
file and its bytes, D a directory, L a link and its target, P a FIFO, N a
character device node: "zero" or "null").  README.md files are left out.
Besides the plain encodings it writes variants of seed-2021 with one hostile
entry each: maps a FIFO, memslots a link out of the root, osrelease a
/dev/zero-like node, a device's config a /dev/null-like node, its resource a
link loop, its vendor an absolute link out of the root, comm a directory, the
vfio fd's fdinfo a FIFO, and a device's link leading out of the root.

Run from the top of the tree: tests/fuzz/mk-fixture-seeds.py (rewrites
tests/fuzz/seeds/fixture/).
"""
import os
import sys

FIXTURES = ["seed-2021", "synthetic-6.18-q35", "lab-7.3-q35-kvm"]
SEP = b"\n%%\n"
OUT = "tests/fuzz/seeds/fixture"


def records(top):
    """(kind, path, body) of every entry under top, parents first, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, top)
        for name in dirnames[:]:
            p = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if os.path.islink(p):  # os.walk lists a link to a directory here
                out.append(("L", rel, os.readlink(p).encode()))
                dirnames.remove(name)
            else:
                out.append(("D", rel, b""))
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel == "README.md":
                continue
            if os.path.islink(p):
                out.append(("L", rel, os.readlink(p).encode()))
            else:
                with open(p, "rb") as f:
                    out.append(("F", rel, f.read()))
    return out


def encode(recs):
    parts = []
    for kind, path, body in recs:
        if SEP in body or b"\n" in path.encode():
            sys.exit(f"mk-fixture-seeds: {path}: holds the separator")
        parts.append(f"{kind} {path}\n".encode() + body)
    return SEP.join(parts) + b"\n"


def hostile(recs):
    """variants of seed-2021, one hostile entry each: (suffix, records)"""
    dev = "sys/devices/pci0000:00/0000:00:1c.0/0000:0a:00.0"
    swaps = [
        ("maps-fifo", "proc/2021/maps", "P", b""),
        ("memslots-escape", "iommu-map/memslots", "L", b"../../outside/memslots"),
        ("osrelease-zero", "proc/sys/kernel/osrelease", "N", b"zero"),
        ("config-null", dev + "/config", "N", b"null"),
        ("resource-loop", dev + "/resource", "L", b"resource"),
        ("vendor-absolute", dev + "/vendor", "L", b"@OUT@/vendor"),
        ("comm-dir", "proc/2021/comm", "D", b""),
        ("fdinfo-fifo", "proc/2021/fdinfo/20", "P", b""),
        ("device-outside", "sys/bus/pci/devices/0000:0a:00.0", "L",
         b"../../../../../outside"),
        ("kept-trace-fifo", "iommu-map/qemu-trace", "P", b""),
        ("kept-gdb-export-fifo", "iommu-map/gdb-export.json", "P", b""),
    ]
    for suffix, path, kind, body in swaps:
        out = [(kind, p, body) if p == path else (k, p, b) for k, p, b in recs]
        if not any(p == path for _, p, _ in recs):
            out.append((kind, path, body))
        yield suffix, out


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if not f.startswith("crash-"):  # inputs that once crashed stay
            os.remove(os.path.join(OUT, f))
    for name in FIXTURES:
        recs = records(os.path.join("tests/fixtures", name))
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(encode(recs))
        if name == "synthetic-6.18-q35":  # the trace a capture keeps (--qemu-trace)
            with open("tests/data/qemu/trace-dma-remap.log", "rb") as f:
                kept = recs + [("F", "iommu-map/qemu-trace", f.read())]
            with open(os.path.join(OUT, name + "-kept-trace"), "wb") as f:
                f.write(encode(kept))
            # and the gdb export a capture keeps (--gdb-export)
            with open("tests/fixtures-gdb/vfio-synthetic.json", "rb") as f:
                kept = recs + [("F", "iommu-map/gdb-export.json", f.read())]
            with open(os.path.join(OUT, name + "-kept-gdb-export"), "wb") as f:
                f.write(encode(kept))
        if name == "seed-2021":
            for suffix, variant in hostile(recs):
                with open(os.path.join(OUT, f"{name}-{suffix}"), "wb") as f:
                    f.write(encode(variant))


if __name__ == "__main__":
    main()
