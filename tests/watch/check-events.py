#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check-events.py WATCH_JSON VICTIM_OUT TABLE [DEV]: check watch-run --json
output against what tests/watch/victim.c did.  TABLE is the symbol table
the victim's own frames must come from (.symtab or .dynsym); DEV, if given,
is the BDF the mmap must be attributed to.  Prints ok/FAIL lines."""
import json
import os
import sys

events = [json.loads(line) for line in open(sys.argv[1])]
vout = dict(line.split(None, 1) for line in open(sys.argv[2]).read().splitlines())
table = sys.argv[3]
dev = sys.argv[4] if len(sys.argv) > 4 else None
failed = 0


def check(cond, name):
    global failed
    print(("ok " if cond else "FAIL ") + name)
    if not cond:
        failed += 1


def chain(e):
    return [f["symbol"] for f in e.get("stack", [])]


def own_tables(e):
    return {f["table"] for f in e["stack"] if f["file"] and "victim" in f["file"]}


# every event against the JSON schema (tests/lab/labcheck.py validates)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab"))
import labcheck  # noqa: E402
bad = labcheck.schema_problems(events)
check(not bad, "%d events valid against schema/iommu-map-1.schema.json%s" % (
    len(events), (": " + bad) if bad else ""))
hva = int(vout["mmap"], 16)
kinds = [e["event"] for e in events]
check(kinds[0] == "attached", "first event is attached")
method = events[0].get("method", "ptrace") if events else "ptrace"
check(kinds[-1] == "detached" and events[-1]["reason"] == "target-exited",
      "last event is detached, target exited")
mm = [e for e in events if e["event"] == "mmap"]
check(len(mm) == 1, "one mmap event")
if mm:
    e = mm[0]
    check(int(e["hva"], 16) == hva, "mmap hva is what mmap returned")
    check(e["size"] == "0x2000" and e["offset"] == "0x20000001000", "mmap size, offset")
    check(e["bar"] == 2 and e["bar_offset"] == "0x1000", "mmap decoded as BAR 2 +0x1000")
    if dev:
        check(e["device"] == dev and e["hpa"] == "0xfe001000", "mmap device and hpa")
    check(chain(e)[:2] == ["mmap64", "victim_bar_mmap"], "mmap stack " + "<-".join(map(str, chain(e)[:3])))
    check(own_tables(e) == {table}, "victim frames from " + table)
ms = [e for e in events if e["event"] == "kvm_set_user_memory_region"]
check(len(ms) == 3, "three memslot events")
if len(ms) == 3:
    a, b, c = ms
    check(a["ioctl"] == "KVM_SET_USER_MEMORY_REGION" and a["slot"] == 7 and a["as_id"] == 1,
          "slot 7 as_id 1")
    check(a["gpa"] == "0xfeb40000" and a["size"] == "0x20000" and a["flags"] == "0x2"
          and int(a["hva"], 16) == hva + 0x1000 and a["op"] == "add", "region fields")
    if method == "uprobe":
        # libc's ioctl returned -1; its errno is in the thread's TLS, unseen
        check(a["result"] == -1 and a["errno"] is None, "result -1, errno not seen (uprobe on libc ioctl)")
    else:
        check(a["result"] == -1 and a["errno"] == "ENOTTY", "result -1 ENOTTY")
    if dev:
        check(a["backing"] == "vfio %s BAR 2 +0x2000" % dev, "backing names the BAR")
    want = ["ioctl", "victim_vm_ioctl", "victim_set_user_memory_region",
            "victim_set_phys_mem", "victim_region_add", "victim_update_mappings", "main"]
    check(chain(a)[:7] == want, "memslot stack " + " <- ".join(map(str, chain(a)[:7])))
    check(all(f["build_id"] for f in a["stack"][:7]), "build-ids present")
    check(b["ioctl"] == "KVM_SET_USER_MEMORY_REGION2" and b["slot"] == 9 and b["op"] == "delete"
          and b["size"] == "0x0" and b["guest_memfd"] == 5
          and b["guest_memfd_offset"] == "0x3e0000", "region2 delete decoded")
    check(c["tid"] != c["pid"] and c["slot"] == 3 and "victim_thread" in chain(c),
          "thread created after attach is traced")
mu = [e for e in events if e["event"] == "munmap"]
check(len(mu) == 1 and int(mu[0]["hva"], 16) == hva and mu[0]["bar"] == 2,
      "munmap of the BAR mapping")
check(int(vout["usr1"]) == int(vout.get("want_usr1", vout["usr1"])), "signals")
print("%d failed" % failed)
sys.exit(1 if failed else 0)
