# SPDX-License-Identifier: GPL-2.0-or-later
"""The KVM memory slots QEMU registered, read from kvm_state, and the
command 'iommu-map kvm-slots'.

The slots are read through the types gdb has.  When those come from
another QEMU's source (Debian's 11.1.3 with 10.2.2's types: the mirror
has no 11.1.3 source), KVMState and KVMMemoryListener may be laid out
otherwise and the numbers read are garbage.  So every slot list is checked
against what KVM itself allows (check_slots) before anything is printed
or exported; a list that fails is "unknown", with the reason, never shown.
"""

import re

import gdb

from . import utils
from .utils import U64, cstring, field, is_null, ptr_int


PAGE = 0x1000
AS_IDS = (0, 1)         # x86: memory and SMM (KVM_CAP_MULTI_ADDRESS_SPACE 2)
SLOT_ID_LIMIT = 1 << 16     # the slot id is the low 16 bits of KVM's slot


class SlotsUnknown(Exception):
    """The slots read are not KVM's: one phrase says why (the first check
    that failed, and where gdb's types come from)."""


class Slot:
    """One used KVMSlot: GPA, size, HVA (userspace_addr), slot number,
    flags, address-space id and name, and its index in the listener's
    array (QEMU numbers slots by index: slots[i].slot = i)."""

    def __init__(self, s, as_id, as_name, index=None):
        self.gpa = int(s["start_addr"]) & U64
        self.size = int(s["memory_size"]) & U64
        self.hva = ptr_int(s["ram"])
        self.slot = int(s["slot"])
        self.flags = int(s["flags"]) & 0xffffffff
        sa = field(s, "as_id")
        self.as_id = int(sa) if sa is not None else as_id
        self.as_name = as_name
        self.index = index


def check_slots(ss, nr_slots_max=None):
    """None when the used slots SS look like KVM's own; else the first
    thing that cannot be, as a phrase ("slot 3 has as_id 211").

    SS are objects with as_id, slot, gpa, size, hva and (optional) index.
    KVM allows: as_id 0 or 1 (x86), a slot id below nr_slots_max (65536
    when not known), a size that is a non-zero whole number of pages, a
    page-aligned GPA and HVA, no slot id twice in an address space (so at
    most nr_slots_max slots in it), and no two slots of one address space
    overlapping in GPA.  QEMU gives slots[i] the id i."""
    limit = nr_slots_max if nr_slots_max else SLOT_ID_LIMIT
    per_as = {}
    for s in ss:
        if s.as_id not in AS_IDS:
            return "slot %d has as_id %d" % (s.slot, s.as_id)
        if not 0 <= s.slot < limit:
            return "slot %d is not a slot id below %d" % (s.slot, limit)
        index = getattr(s, "index", None)
        if index is not None and index != s.slot:
            return "the slot at index %d of as_id %d says it is slot %d" % (
                index, s.as_id, s.slot)
        if not s.size or s.size % PAGE:
            return "slot %d has size 0x%x, not a whole number of pages" % (
                s.slot, s.size)
        if s.gpa % PAGE:
            return "slot %d has GPA 0x%x, not page-aligned" % (s.slot, s.gpa)
        if s.hva % PAGE:
            return "slot %d has HVA 0x%x, not page-aligned" % (s.slot, s.hva)
        if s.gpa + s.size > 1 << 64 or s.hva + s.size > 1 << 64:
            return "slot %d (GPA 0x%x, HVA 0x%x, size 0x%x) wraps" % (
                s.slot, s.gpa, s.hva, s.size)
        per_as.setdefault(s.as_id, []).append(s)
    for as_id, lst in sorted(per_as.items()):
        # (unique ids below the limit: at most limit slots an as_id)
        ids = set()
        for s in lst:
            if s.slot in ids:
                return "slot %d appears twice in as_id %d" % (s.slot, as_id)
            ids.add(s.slot)
        lst = sorted(lst, key=lambda s: s.gpa)
        for a, b in zip(lst, lst[1:]):
            if a.gpa + a.size > b.gpa:
                return ("slots %d and %d of as_id %d overlap at GPA 0x%x"
                        % (a.slot, b.slot, as_id, b.gpa))
    return None


_VERSION_RE = re.compile(rb"QEMU emulator version (\d+\.\d+(?:\.\d+)?)")


def binary_version(paths=None):
    """The QEMU version the program says it is ("11.1.3": the string
    'QEMU emulator version X' of its --version, read from the file), or
    None.  PATHS: the files to try (default: gdb's program, then the
    process's /proc/PID/exe)."""
    if paths is None:
        paths = [gdb.current_progspace().filename]
        inf = gdb.selected_inferior()
        if inf is not None and inf.pid:
            paths.append("/proc/%d/exe" % inf.pid)
    for path in paths:
        if not path:
            continue
        try:
            with open(path, "rb") as f:
                m = _VERSION_RE.search(f.read())
        except OSError:
            continue
        if m:
            return m.group(1).decode()
    return None


def types_version():
    """The QEMU version whose source gdb's types come from ("10.2.2"): the
    enum im_types_qemu_version of tests/gdb/types.c, or None (a full debug
    build, or a types object built before it had the enum)."""
    try:
        return ".".join(str(int(gdb.parse_and_eval(n))) for n in (
            "IM_TYPES_QEMU_MAJOR", "IM_TYPES_QEMU_MINOR",
            "IM_TYPES_QEMU_MICRO"))
    except gdb.error:
        return None


def provenance():
    """Where gdb's types come from, against this QEMU, as a phrase."""
    tv, bv = types_version(), binary_version()
    if tv and bv and tv != bv:
        return ("the types object (from QEMU %s's source) does not match "
                "this QEMU %s" % (tv, bv))
    if tv:
        return ("gdb's types (from QEMU %s's source) do not describe this "
                "QEMU%s's KVM slots" % (tv, (" " + bv) if bv else ""))
    return "gdb's QEMU types do not describe this QEMU%s's KVM slots" % (
        (" " + bv) if bv else "")


def unknown(why):
    """A SlotsUnknown saying WHY and where gdb's types come from."""
    return SlotsUnknown("%s; %s" % (why, provenance()))


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
        if not 1 <= n <= len(AS_IDS):
            raise unknown("KVMState.nr_as is %d" % n)
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


def nr_slots_max(ks):
    """KVM's slot limit as QEMU read it (KVMState.nr_slots_max from 9.2,
    nr_slots before), or None."""
    for name in ("nr_slots_max", "nr_slots"):
        if utils.has_field(ks, name):
            return int(ks[name])
    return None


def slots():
    """All used slots of all listeners, or None under TCG.  Raises
    SlotsUnknown when what gdb reads cannot be KVM's slots (check_slots):
    the types gdb has do not describe this QEMU."""
    ks = kvm_state()
    if ks is None:
        return None
    try:
        return _read_slots(ks)
    except gdb.MemoryError as e:
        raise unknown("reading them fails (%s)" % e)


def _read_slots(ks):
    """slots() once kvm_state is known to be set."""
    nmax = nr_slots_max(ks)
    if nmax is not None and not 0 < nmax <= SLOT_ID_LIMIT:
        raise unknown("KVMState says KVM has %d slots" % nmax)
    limit = nmax or SLOT_ID_LIMIT
    out = []
    for ml, as_id, name in listeners(ks):
        if as_id not in AS_IDS:
            raise unknown("the KVM listener of address space %s has as_id %d"
                          % (name or "?", as_id))
        arr = ml["slots"]
        if is_null(arr):
            continue
        n = slot_count(ks, ml)
        if not 0 <= n <= limit:
            raise unknown("the KVM listener of as_id %d has %d slot "
                          "entries, more than %d" % (as_id, n, limit))
        if utils.has_field(ml, "nr_slots_used"):
            used = int(ml["nr_slots_used"])
            if not 0 <= used <= n:
                raise unknown("the KVM listener of as_id %d says %d of its "
                              "%d slots are used" % (as_id, used, n))
        for i in range(n):
            s = arr[i]
            if int(s["memory_size"]) == 0:
                continue
            out.append(Slot(s, as_id, name, i))
    why = check_slots(out, nmax)
    if why:
        raise unknown(why)
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
command says so.  Slots KVM could not hold (as_id not 0 or 1, an id past
KVM's limit, a size or address not page-aligned, two slots of one
address space overlapping) mean gdb's types do not describe this QEMU:
the command then refuses with one line, "KVM slots unknown: WHY"."""

    cmdname = "iommu-map kvm-slots"

    def __init__(self):
        super().__init__(self.cmdname, gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    @utils.command
    def invoke(self, arg, from_tty):
        """Print the used slots, or say that kvm_state is NULL."""
        if gdb.string_to_argv(arg):
            raise gdb.GdbError("iommu-map kvm-slots takes no argument")
        utils.need_target()
        try:
            ss = slots()
        except SlotsUnknown as e:
            raise gdb.GdbError("KVM slots unknown: %s" % e)
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
