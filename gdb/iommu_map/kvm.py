# SPDX-License-Identifier: GPL-2.0-or-later
"""The KVM memory slots QEMU registered, read from kvm_state, and the
command 'iommu-map kvm-slots'."""

import gdb

from . import utils
from .utils import U64, cstring, field, is_null, ptr_int


class Slot:
    """One used KVMSlot: GPA, size, HVA (userspace_addr), slot number,
    flags, address-space id and name."""

    def __init__(self, s, as_id, as_name):
        self.gpa = int(s["start_addr"]) & U64
        self.size = int(s["memory_size"]) & U64
        self.hva = ptr_int(s["ram"])
        self.slot = int(s["slot"])
        self.flags = int(s["flags"]) & 0xffffffff
        sa = field(s, "as_id")
        self.as_id = int(sa) if sa is not None else as_id
        self.as_name = as_name


def kvm_state():
    """The KVMState *, or None when this QEMU does not run KVM."""
    if not utils.symbol_exists("kvm_state"):
        return None
    ks = utils.global_var("kvm_state", utils.kvm_state_type.pointer())
    return None if is_null(ks) else ks


def listeners(ks):
    """(KVMMemoryListener *, as_id, address space name) of every listener."""
    out = []
    seen = set()
    if utils.has_field(ks, "as") and utils.has_field(ks, "nr_as"):
        kas = ks["as"]
        n = int(ks["nr_as"])
        for i in range(n if not is_null(kas) else 0):
            ml = kas[i]["ml"]
            if is_null(ml) or ptr_int(ml) in seen:
                continue
            seen.add(ptr_int(ml))
            asp = kas[i]["as"]
            name = cstring(asp["name"]) if not is_null(asp) else None
            out.append((ml, int(ml["as_id"]), name))
    else:
        utils.notes.add("KVMState has no 'as' array: only the main "
                        "listener is read")
    main = ks["memory_listener"].address
    if ptr_int(main) not in seen:
        out.insert(0, (main, int(main["as_id"]), "memory"))
    return out


def slot_count(ks, ml):
    """How many entries of ml->slots to visit.

    QEMU 9.2+ grows the array (nr_slots_allocated); before, every listener
    had kvm_state->nr_slots entries."""
    if utils.has_field(ml, "nr_slots_allocated"):
        return int(ml["nr_slots_allocated"])
    if utils.has_field(ks, "nr_slots"):
        return int(ks["nr_slots"])
    if utils.has_field(ks, "nr_slots_max"):
        return int(ks["nr_slots_max"])
    raise gdb.GdbError("cannot tell how many KVM slots there are: neither "
                       "KVMMemoryListener.nr_slots_allocated nor "
                       "KVMState.nr_slots exists in this QEMU")


def slots():
    """All used slots of all listeners, or None under TCG."""
    ks = kvm_state()
    if ks is None:
        return None
    out = []
    for ml, as_id, name in listeners(ks):
        arr = ml["slots"]
        if is_null(arr):
            continue
        for i in range(slot_count(ks, ml)):
            s = arr[i]
            if int(s["memory_size"]) == 0:
                continue
            out.append(Slot(s, as_id, name))
    out.sort(key=lambda s: (s.as_id, s.gpa))
    return out


TCG_NOTE = ("kvm_state is NULL: this QEMU does not run KVM (TCG or another "
            "accelerator), so it has no KVM memory slots")


class IommuMapKvmSlots(gdb.Command):
    """Print the KVM memory slots of every listener in kvm_state.

Usage: iommu-map kvm-slots

One line per used slot, in every address space KVM listens to (as_id 0
is guest memory, 1 is SMM on x86): AS, SLOT, GPA, SIZE, HVA (the
userspace_addr KVM was given) and FLAGS (bit 0 dirty logging, bit 1
read-only).  Reads the <= 9.1 layout (kvm_state->nr_slots entries) and the
9.2+ one (nr_slots_allocated).  Under TCG kvm_state is NULL, and the
command says so."""

    cmdname = "iommu-map kvm-slots"

    def __init__(self):
        super().__init__(self.cmdname, gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    @utils.command
    def invoke(self, arg, from_tty):
        """Print the used slots, or say that kvm_state is NULL."""
        if gdb.string_to_argv(arg):
            raise gdb.GdbError("iommu-map kvm-slots takes no argument")
        utils.need_target()
        ss = slots()
        if ss is None:
            gdb.write(TCG_NOTE + "\n")
            return
        out = ["%-2s %-4s %-18s %-18s %-18s %-5s %s" % (
            "AS", "SLOT", "GPA", "SIZE", "HVA", "FLAGS", "ADDRESS-SPACE")]
        for s in ss:
            out.append("%2d %4d 0x%016x 0x%016x 0x%016x 0x%-3x %s" % (
                s.as_id, s.slot, s.gpa, s.size, s.hva, s.flags,
                s.as_name or "?"))
        gdb.write("\n".join(out) + "\n")
        utils.print_notes()


IommuMapKvmSlots()
