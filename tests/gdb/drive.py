# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/drive.py - run inside 'gdb -batch' attached to the test QEMU:
# runs every iommu-map command, writes each output to $IM_OUT/<name>.txt
# (errors to <name>.err), then, as an oracle that does not use the script's
# walker, reads the name of every printed MemoryRegion * with a plain gdb
# cast and writes them to $IM_OUT/oracle-mr.txt.
import os
import re

import gdb

out = os.environ["IM_OUT"]


def run(name, cmd):
    try:
        text = gdb.execute(cmd, to_string=True)
        err = ""
    except gdb.error as e:
        text, err = "", str(e) + "\n"
    with open(os.path.join(out, name + ".txt"), "w") as f:
        f.write(text)
    with open(os.path.join(out, name + ".err"), "w") as f:
        f.write(err)
    with open(os.path.join(out, name + ".cmd"), "w") as f:
        f.write(cmd + "\n")
    return text


def first_ptr(text, name):
    m = re.search(r" %s \([a-z_]+\) \(@ (0x[0-9a-f]+)\)" % re.escape(name),
                  text)
    return m.group(1) if m else None


mtree = run("mtree", "iommu-map mtree")
run("mtree-f", "iommu-map mtree -f")
run("mtree-pattern", "iommu-map mtree hostmem")
run("mtree-glob", "iommu-map mtree *vram*")
run("mtree-f-pattern", "iommu-map mtree -f pc.*")
run("mtree-nomatch", "iommu-map mtree no-such-region")
rb = run("ramblocks", "iommu-map ramblocks")
run("kvm-slots", "iommu-map kvm-slots")
run("export", "iommu-map export " + os.path.join(out, "export.json"))

# explain: a MemoryRegion *, a RAMBlock *, an HVA, a GPA, nothing
mr = first_ptr(mtree, "hostmem")
if mr:
    run("explain-mr", "iommu-map explain " + mr)
    rbp = int(gdb.parse_and_eval("(unsigned long)((MemoryRegion *)%s)->ram_block"
                                 % mr))
    run("explain-ramblock", "iommu-map explain 0x%x" % rbp)
m = re.search(r"^0000:00:02.0/hostmem +\S+ +\S+ +\S+ +(0x[0-9a-f]+)", rb,
              re.M)
if m:
    run("explain-hva", "iommu-map explain %s+0x100" % m.group(1))
run("explain-gpa", "iommu-map explain 0xfd000010")
run("explain-none", "iommu-map explain 0xdead00000000")

# usage errors: one clear sentence, no traceback
run("err-option", "iommu-map mtree -x")
run("err-explain", "iommu-map explain")
run("err-export", "iommu-map export /nonexistent/dir/x.json")
run("err-args", "iommu-map ramblocks extra")
run("help", "help iommu-map")

# Oracle: name of every (@ 0x...) through a plain cast.
ptrs = set()
for fn in os.listdir(out):
    if fn.endswith(".txt"):
        with open(os.path.join(out, fn)) as f:
            ptrs.update(re.findall(r"\(@ (0x[0-9a-f]+)\)", f.read()))
with open(os.path.join(out, "oracle-mr.txt"), "w") as f:
    for p in sorted(ptrs):
        try:
            n = gdb.parse_and_eval("((MemoryRegion *)%s)->name" % p).string()
        except gdb.error as e:
            n = "<error %s>" % e
        f.write("%s %s\n" % (p, n))
