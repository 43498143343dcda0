# SPDX-License-Identifier: GPL-2.0-or-later
#
# iommu_map/utils.py - helpers shared by the iommu-map gdb commands:
# cached type lookups, a correct Int128 reader, globals that work with a
# full debug build and with a stripped binary plus a types-only object,
# field lookups by name, list walkers, and the error wrapper.

import fnmatch
import functools

import gdb

U64 = (1 << 64) - 1


class CachedType:
    """A gdb type looked up once, dropped when new symbols are loaded."""

    def __init__(self, name):
        self._name = name
        self._type = None
        gdb.events.new_objfile.connect(self._clear)

    def _clear(self, event):
        self._type = None

    def get(self):
        if self._type is None:
            try:
                self._type = gdb.lookup_type(self._name)
            except gdb.error:
                raise gdb.GdbError(
                    "gdb does not know the QEMU type %s: load a QEMU built "
                    "with debug info, or a types-only object with "
                    "'add-symbol-file types.o 0' (see iommu-map-gdb(8))"
                    % self._name)
        return self._type

    def pointer(self):
        return self.get().pointer()

    def available(self):
        try:
            self.get()
            return True
        except gdb.GdbError:
            return False


memory_region_type = CachedType("MemoryRegion")
address_space_type = CachedType("AddressSpace")
ram_block_type = CachedType("RAMBlock")
ram_list_type = CachedType("RAMList")
kvm_state_type = CachedType("KVMState")


class Notes:
    """Things a command could not read; printed once, after the output."""

    def __init__(self):
        self._seen = []

    def add(self, text):
        if text not in self._seen:
            self._seen.append(text)

    def lines(self):
        return ["note: " + t for t in self._seen]

    def list(self):
        return list(self._seen)


notes = Notes()


def reset_notes():
    global notes
    notes = Notes()
    return notes


_fields_cache = {}


def has_field(value_or_type, name):
    """True when the struct (or pointer to it) has a field of that name."""
    t = value_or_type
    if isinstance(t, gdb.Value):
        t = t.type
    t = t.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR:
        t = t.target().strip_typedefs()
    key = str(t)
    names = _fields_cache.get(key)
    if names is None:
        names = set()
        try:
            for f in t.fields():
                if f.name:
                    names.add(f.name)
        except TypeError:
            pass
        _fields_cache[key] = names
    return name in names


def field(value, name, default=None, why=None):
    """value[name], or default with a note when this QEMU lacks the field."""
    if has_field(value, name):
        return value[name]
    t = value.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR:
        t = t.target()
    notes.add("%s has no field '%s'%s" % (t.name or str(t), name,
                                           (": " + why) if why else ""))
    return default


def is_null(ptr):
    return ptr is None or int(ptr) == 0


def ptr_int(ptr):
    return int(ptr) & U64


def read_int128(v):
    """Read a QEMU Int128 as a Python int.

    QEMU's Int128 is either a struct {lo, hi} or a native __int128.  gdb 13
    cannot int() a value wider than 8 bytes, and prints native ones in
    decimal (QEMU's own mtree.py parsed that print as hex: 4096 became
    0x4096).  Read the 16 bytes of memory when the value has an address;
    otherwise parse gdb's print with its own radix.
    """
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_STRUCT:
        if has_field(t, "lo") and has_field(t, "hi"):
            lo = int(v["lo"]) & U64
            hi = int(v["hi"])
            return lo + (hi << 64)
        # union-like wrappers of newer QEMUs: take the first member
        return read_int128(v[t.fields()[0].name])
    if t.code == gdb.TYPE_CODE_UNION:
        return read_int128(v[t.fields()[0].name])
    if t.sizeof <= 8:
        return int(v)
    signed = _is_signed(t)
    addr = v.address
    if addr is not None:
        try:
            raw = bytes(gdb.selected_inferior().read_memory(int(addr),
                                                            t.sizeof))
            return int.from_bytes(raw, _byteorder(), signed=signed)
        except gdb.MemoryError:
            pass
    return parse_gdb_int(v.format_string(raw=True)
                         if hasattr(v, "format_string") else str(v))


def _is_signed(t):
    try:
        return bool(t.is_signed)
    except (AttributeError, ValueError):
        return not str(t).startswith(("unsigned", "__uint", "uint"))


_order = None


def _byteorder():
    global _order
    if _order is None:
        try:
            s = gdb.execute("show endian", to_string=True)
            _order = "big" if "big endian" in s else "little"
        except gdb.error:
            _order = "little"
    return _order


def parse_gdb_int(s):
    """An integer as gdb prints it, in whatever output-radix is set."""
    s = s.strip().split()[0]
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    if s.lower().startswith("0x"):
        n = int(s, 16)
    elif len(s) > 1 and s.startswith("0"):
        n = int(s, 8)
    else:
        n = int(s, 10)
    return -n if neg else n


def cstring(ptr, default="(null)"):
    if is_null(ptr):
        return default
    try:
        return ptr.string(errors="replace")
    except gdb.error:
        return "<unreadable 0x%x>" % ptr_int(ptr)


def char_array(v):
    """A char[N] field such as RAMBlock.idstr."""
    try:
        return v.string(errors="replace")
    except gdb.error:
        return ""


def _symbol_value(name):
    """The global as gdb sees it: typed, or None when it has no type."""
    try:
        v = gdb.parse_and_eval(name)
    except gdb.error as e:
        msg = str(e)
        if "unknown type" in msg or "cast it to its declared type" in msg:
            return None
        raise gdb.GdbError("no symbol %s in this program: is it QEMU? (%s)"
                           % (name, msg))
    if v.type.code == gdb.TYPE_CODE_ERROR:
        return None
    return v


def global_var(name, ctype):
    """A QEMU global of type ctype (a CachedType or gdb.Type).

    With a full debug build the symbol has its type; with a stripped binary
    it is a dynamic symbol without one and is reached by cast, the way
    '*(AddressSpace *)&address_space_memory' does it by hand.
    """
    t = ctype.get() if isinstance(ctype, CachedType) else ctype
    v = _symbol_value(name)
    if v is not None:
        return v
    try:
        addr = gdb.parse_and_eval("&" + name)
    except gdb.error as e:
        raise gdb.GdbError("cannot take the address of %s: %s" % (name, e))
    return addr.cast(t.pointer()).dereference()


def symbol_exists(name):
    try:
        gdb.parse_and_eval("&" + name)
        return True
    except gdb.error:
        return False


def qtailq(head, link):
    """Yield the elements of a QTAILQ_HEAD, following elem[link].tqe_next."""
    seen = set()
    elem = head["tqh_first"]
    while not is_null(elem):
        a = ptr_int(elem)
        if a in seen:
            notes.add("loop in a QTAILQ at 0x%x; stopped there" % a)
            return
        seen.add(a)
        yield elem
        elem = elem[link]["tqe_next"]


def qlist(head, link):
    """Yield the elements of a QLIST_HEAD, following elem[link].le_next."""
    seen = set()
    elem = head["lh_first"]
    while not is_null(elem):
        a = ptr_int(elem)
        if a in seen:
            notes.add("loop in a QLIST at 0x%x; stopped there" % a)
            return
        seen.add(a)
        yield elem
        elem = elem[link]["le_next"]


def name_matches(pattern, name):
    """A glob when PATTERN has wildcards, else a substring test."""
    if pattern is None:
        return True
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(name, pattern)
    return pattern in name


def hx(n):
    return "0x%x" % n


def need_target():
    inf = gdb.selected_inferior()
    if inf is None or (inf.pid == 0 and not _has_core()):
        raise gdb.GdbError("no QEMU to read: attach with 'gdb -p PID' or "
                           "open a core file ('gdb BINARY CORE')")


def _has_core():
    try:
        s = gdb.execute("info target", to_string=True)
    except gdb.error:
        return False
    return "core file" in s.lower() or "Local core dump" in s


def parse_address(arg):
    try:
        return ptr_int(gdb.parse_and_eval(arg))
    except gdb.error as e:
        raise gdb.GdbError("cannot read '%s' as an address: %s" % (arg, e))


def command(func):
    """Wrap an invoke(): gdb errors become one clear gdb.GdbError."""
    @functools.wraps(func)
    def wrapper(self, arg, from_tty):
        reset_notes()
        try:
            return func(self, arg, from_tty)
        except gdb.GdbError:
            raise
        except gdb.MemoryError as e:
            raise gdb.GdbError("%s: cannot read QEMU's memory: %s"
                               % (self.cmdname, e))
        except gdb.error as e:
            raise gdb.GdbError("%s: %s" % (self.cmdname, e))
        except (OSError, ValueError, KeyError, TypeError,
                OverflowError, AttributeError) as e:
            raise gdb.GdbError("%s: %s: %s" % (self.cmdname,
                                               type(e).__name__, e))
    return wrapper


def print_notes():
    for line in notes.lines():
        gdb.write(line + "\n")
