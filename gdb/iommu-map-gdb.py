# SPDX-License-Identifier: GPL-2.0-or-later
"""Load the iommu-map gdb commands.

  (gdb) source /path/to/gdb/iommu-map-gdb.py
  (gdb) help iommu-map

With Debian's stripped qemu-system-x86_64, first give gdb QEMU's types:
  (gdb) add-symbol-file /var/cache/iommu-map/qemu-types-<ver>-r4/types.o 0
(tests/gdb/setup.sh builds that object; iommu-map-gdb(8) explains.)

Sourcing it again reloads the modules (utils first); each reload
disconnects the gdb event handlers the previous load connected.
"""

import importlib
import os
import sys

import gdb

# This file's own name, from its code object: gdb runs a sourced script in
# __main__, where __file__ keeps the outer script's name when one script
# sources another.
_here = os.path.dirname(os.path.abspath(sys._getframe(0).f_code.co_filename))
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
