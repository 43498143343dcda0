# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers shared by the iommu-map gdb commands.

Cached type lookups and the caches' one reset hook, a correct Int128
reader, globals that work with a full debug build and with a stripped
binary plus a types-only object, field lookups by name, list walkers, and
the error wrapper of every command.

Caches come in two scopes.  'command' caches hold values read from QEMU's
memory (the RAMBlock of each pointer): the command wrapper empties them
before every command, since QEMU changes between two.  'symbols' caches
hold what gdb's symbols say (types, field names, byte order): they are
emptied when gdb loads or drops symbol files.  The handlers for those gdb
events are connected only while a 'symbols' cache holds something, and
disconnected when it is emptied, so reloading these modules (sourcing
iommu-map-gdb.py again) never leaves handlers behind.
"""

import fnmatch
import functools

import gdb

U64 = (1 << 64) - 1

# importlib.reload() runs this file again in the same module namespace:
# first disconnect what the previous run connected.
if "_unwatch_symbols" in globals():
    _unwatch_symbols()  # noqa: F821 (defined by the previous run)

_caches = {}            # name -> (dict, scope)
_watching = False


def cache(name, scope="command"):
    """A new dict, registered under NAME, that reset_caches() empties.

    SCOPE is 'command' (values read from QEMU: emptied before every
    command and when symbols change) or 'symbols' (what gdb's symbols say:
    emptied only when symbol files are loaded or dropped).  Registering a
    name again (a module reloaded) replaces the old dict."""
    if scope not in ("command", "symbols"):
        raise ValueError("cache scope %r" % scope)
    d = {}
    _caches[name] = (d, scope)
    return d


def reset_caches(scope="command"):
    """Empty the caches of SCOPE: 'command' empties the ones holding values
    read from QEMU; 'symbols' empties all of them and disconnects the
    symbol-file event handlers until a cache is filled again."""
    for d, s in _caches.values():
        if scope == "symbols" or s == "command":
            d.clear()
    if scope == "symbols":
        _unwatch_symbols()


def _on_symbols_changed(event):
    """gdb event handler (new_objfile, clear_objfiles): drop every cache."""
    reset_caches("symbols")


def watch_symbols():
    """Connect the symbol-file event handlers, once: called by whatever
    fills a 'symbols' cache."""
    global _watching
    if not _watching:
        gdb.events.new_objfile.connect(_on_symbols_changed)
        gdb.events.clear_objfiles.connect(_on_symbols_changed)
        _watching = True


def _unwatch_symbols():
    """Disconnect the symbol-file event handlers, if connected."""
    global _watching
    if _watching:
        for reg in (gdb.events.new_objfile, gdb.events.clear_objfiles):
            try:
                reg.disconnect(_on_symbols_changed)
            except (RuntimeError, ValueError):
                pass
        _watching = False


def watching_symbols():
    """True while the symbol-file event handlers are connected (tests)."""
    return _watching


_types = cache("types", "symbols")


class CachedType:
    """A gdb type looked up by name on first use, kept until gdb loads or
    drops symbol files.  Creating one connects nothing."""

    def __init__(self, name):
        self._name = name

    def get(self):
        """The gdb.Type, or a gdb.GdbError saying what to load."""
        t = _types.get(self._name)
        if t is None:
            try:
                t = gdb.lookup_type(self._name)
            except gdb.error:
                raise gdb.GdbError(
                    "gdb does not know the QEMU type %s: load a QEMU built "
                    "with debug info, or a types-only object with "
                    "'add-symbol-file types.o 0' (see iommu-map-gdb(8))"
                    % self._name)
            _types[self._name] = t
            watch_symbols()
        return t

    def pointer(self):
        """A pointer to the type."""
        return self.get().pointer()

    def available(self):
        """True when gdb knows the type."""
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
        """Keep TEXT, once."""
        if text not in self._seen:
            self._seen.append(text)

    def lines(self):
        """The notes as 'note: ...' lines."""
        return ["note: " + t for t in self._seen]

    def list(self):
        """The notes as a list of sentences (the export's "notes")."""
        return list(self._seen)


notes = Notes()


def reset_notes():
    """Start a command with no notes; returns the new Notes."""
    global notes
    notes = Notes()
    return notes


_fields_cache = cache("fields", "symbols")   # str(type) -> field names


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
        watch_symbols()
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
    """True for None and for a NULL pointer value."""
    return ptr is None or int(ptr) == 0


def ptr_int(ptr):
    """A pointer value as an unsigned Python int."""
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
    """Whether integer type T is signed (gdb 12+ says so; else its name)."""
    try:
        return bool(t.is_signed)
    except (AttributeError, ValueError):
        return not str(t).startswith(("unsigned", "__uint", "uint"))


_arch = cache("arch", "symbols")


def _byteorder():
    """'big' or 'little': the target's byte order, asked of gdb once."""
    order = _arch.get("byteorder")
    if order is None:
        try:
            s = gdb.execute("show endian", to_string=True)
            order = "big" if "big endian" in s else "little"
        except gdb.error:
            order = "little"
        _arch["byteorder"] = order
        watch_symbols()
    return order


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
    """The C string at PTR; DEFAULT for NULL; a marker when unreadable."""
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
    """True when the program has a symbol NAME (typed or not)."""
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
    """N as 0x hex."""
    return "0x%x" % n


def need_target():
    """Raise a gdb.GdbError unless gdb has a process or a core to read."""
    inf = gdb.selected_inferior()
    if inf is None or (inf.pid == 0 and not _has_core()):
        raise gdb.GdbError("no QEMU to read: attach with 'gdb -p PID' or "
                           "open a core file ('gdb BINARY CORE')")


def _has_core():
    """True when gdb has a core file open."""
    try:
        s = gdb.execute("info target", to_string=True)
    except gdb.error:
        return False
    return "core file" in s.lower() or "Local core dump" in s


def parse_address(arg):
    """The gdb expression ARG as an unsigned address."""
    try:
        return ptr_int(gdb.parse_and_eval(arg))
    except gdb.error as e:
        raise gdb.GdbError("cannot read '%s' as an address: %s" % (arg, e))


def command(func):
    """Wrap an invoke(): start with no notes and empty 'command' caches
    (QEMU may have changed since the last command); gdb and Python errors
    become one clear gdb.GdbError, never a traceback."""
    @functools.wraps(func)
    def wrapper(self, arg, from_tty):
        """invoke() with fresh notes and caches, errors as GdbError."""
        reset_notes()
        reset_caches("command")
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
    """Print the notes of this command, after its output."""
    for line in notes.lines():
        gdb.write(line + "\n")
