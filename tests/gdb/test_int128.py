# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/gdb/test_int128.py - unit test of iommu_map.utils.read_int128, run
# with 'gdb -batch -x test_int128.py ./int128' (see run.sh).  Prints one
# ok/FAIL line per check and "N passed, N failed".
import os
import sys

import gdb

sys.path.insert(0, os.environ["IM_GDB_DIR"])
from iommu_map import utils  # noqa: E402

passed = failed = 0


def eq(got, want, name):
    global passed, failed
    if got == want:
        passed += 1
        print("ok int128: %s" % name)
    else:
        failed += 1
        print("FAIL int128: %s: got %r, want %r" % (name, got, want))


def ev(expr):
    return gdb.parse_and_eval(expr)


gdb.execute("break main", to_string=True)
gdb.execute("run", to_string=True)

cases = (("n_4096", 4096), ("n_2_64", 1 << 64), ("n_max64", (1 << 64) - 1),
         ("n_zero", 0), ("n_minus1", -1),
         ("n_big", (0x123 << 64) | 0xfedcba9876543210),
         ("s_4096", 4096), ("s_2_64", 1 << 64), ("s_max64", (1 << 64) - 1),
         ("s_minus1", -1), ("seed.size", 4096), ("seed.ssize", 4096))
for expr, want in cases:
    eq(utils.read_int128(ev(expr)), want, "%s (in memory)" % expr)

# gdb 13 itself refuses int() on a native 128-bit value: the reason for
# read_int128.
try:
    int(ev("n_4096"))
    eq("int() worked", "int() worked", "gdb int() on __int128 (newer gdb)")
except gdb.error as e:
    eq("more than 8 bytes" in str(e), True, "gdb 13 int() on __int128 fails")

# Values without an address: gdb's print, parsed in its own radix.
for expr, want in (("(NativeInt128)4096", 4096),
                   ("(NativeInt128)0", 0)):
    v = ev(expr)
    eq(v.address is None, True, "%s has no address" % expr)
    eq(utils.read_int128(v), want, "%s (not in memory)" % expr)
for radix in (16, 8, 10):
    gdb.execute("set output-radix %d" % radix, to_string=True)
    eq(utils.read_int128(ev("(NativeInt128)4096")), 4096,
       "not in memory, output-radix %d" % radix)
gdb.execute("set output-radix 10", to_string=True)
eq(utils.parse_gdb_int("4096"), 4096, "parse decimal print")
eq(utils.parse_gdb_int("0x1000"), 4096, "parse hex print")
eq(utils.parse_gdb_int("010000"), 4096, "parse octal print")
eq(utils.parse_gdb_int("18446744073709551616"), 1 << 64, "parse 2^64")

# The seed's region: base 0xfc078000, 4 KiB.  QEMU's mtree.py parsed the
# decimal 4096 as hex and printed the end as fc07c095.
end = int(ev("seed.addr")) + utils.read_int128(ev("seed.size")) - 1
eq("%x" % end, "fc078fff", "seed region ends at fc078fff")
eq("%x" % (0xfc078000 + int("4096", 16) - 1), "fc07c095",
   "the old hex parse gives the seed's wrong fc07c095")
end = 0 + utils.read_int128(ev("n_2_64")) - 1
eq("%016x" % end, "ffffffffffffffff", "2^64 container end, no overflow")

print("%d passed, %d failed" % (passed, failed))
gdb.execute("kill", to_string=True)
