# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/test_loader.py - the loader and the caches' reset hook, run
# with 'IM_GDB_DIR=gdb IM_OBJ=int128.o gdb -batch -x test_loader.py
# ./int128' (see run.sh).  Sourcing iommu-map-gdb.py three times must
# leave no event handler connected; a type lookup connects one; a new
# symbol file runs it once, empties every cache and disconnects it.
# Prints one ok/FAIL line per check and "N passed, N failed".
import os
import sys

import gdb

passed = failed = 0


def eq(got, want, name):
    global passed, failed
    if got == want:
        passed += 1
        print("ok loader: %s" % name)
    else:
        failed += 1
        print("FAIL loader: %s: got %r, want %r" % (name, got, want))


loader = os.path.join(os.environ["IM_GDB_DIR"], "iommu-map-gdb.py")
for _ in range(3):
    gdb.execute("source " + loader, to_string=True)
utils = sys.modules["iommu_map.utils"]
memory = sys.modules["iommu_map.memory"]

# Every handler any load connected calls reset_caches through the module's
# namespace, which reloads keep: count the calls.
calls = []
real_reset = utils.reset_caches


def counting_reset(scope="command"):
    calls.append(scope)
    return real_reset(scope)


utils.reset_caches = counting_reset

eq(utils.watching_symbols(), False, "3 loads connect no event handler")
help_text = gdb.execute("help iommu-map", to_string=True)
eq(help_text.count("iommu-map mtree --"), 1,
   "3 loads: 'help iommu-map' lists mtree once")

t = utils.CachedType("NativeInt128")
eq(utils.watching_symbols(), False, "a CachedType connects nothing when made")
eq(t.get().sizeof, 16, "CachedType finds NativeInt128")
eq(utils.watching_symbols(), True, "a type lookup connects the handler")
utils.has_field(gdb.lookup_type("struct holder"), "size")
memory._block_cache[1] = "block"

counting_reset("command")
eq((len(memory._block_cache), "NativeInt128" in utils._types),
   (0, True), "a command's reset empties the block cache, not the types")
memory._block_cache[1] = "block"
del calls[:]

gdb.execute("add-symbol-file %s 0" % os.environ["IM_OBJ"], to_string=True)
eq(calls, ["symbols"], "a new symbol file runs one handler, once")
eq((len(utils._types), len(utils._fields_cache), len(memory._block_cache)),
   (0, 0, 0), "a new symbol file empties the type, field and block caches")
eq(utils.watching_symbols(), False, "then the handler is disconnected")

gdb.execute("add-symbol-file %s 0" % os.environ["IM_OBJ"], to_string=True)
eq(calls, ["symbols"], "no handler runs while nothing is cached")

t.get()
gdb.execute("source " + loader, to_string=True)
utils = sys.modules["iommu_map.utils"]
eq(utils.watching_symbols(), False, "a reload disconnects the handler")
real_reset = utils.reset_caches
utils.reset_caches = counting_reset
utils.CachedType("NativeInt128").get()
del calls[:]
gdb.execute("add-symbol-file %s 0" % os.environ["IM_OBJ"], to_string=True)
eq(calls, ["symbols"], "after a reload and a lookup, one handler runs")

print("%d passed, %d failed" % (passed, failed))
