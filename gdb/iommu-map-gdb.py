# SPDX-License-Identifier: GPL-2.0-or-later
#
# iommu-map-gdb.py - load the iommu-map gdb commands.
#
#   (gdb) source /path/to/gdb/iommu-map-gdb.py
#   (gdb) help iommu-map
#
# With Debian's stripped qemu-system-x86_64, first give gdb QEMU's types:
#   (gdb) add-symbol-file /var/cache/iommu-map/qemu-types-<ver>/types.o 0
# (tests/gdb/setup.sh builds that object; iommu-map-gdb(8) explains.)

import importlib
import os
import sys

import gdb

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)

_modules = ("utils", "memory", "prefix", "mtree", "kvm", "explain",
            "export")

try:
    for _m in _modules:
        _name = "iommu_map." + _m
        if _name in sys.modules:
            importlib.reload(sys.modules[_name])
        else:
            importlib.import_module(_name)
except ImportError as e:
    gdb.write("NOTE: iommu-map gdb commands not loaded: %s\n" % e,
              gdb.STDERR)
